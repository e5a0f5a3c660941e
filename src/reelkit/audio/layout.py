"""Channel layouts for loudness: which channel is which, and its BS.1770-4 weight.

Weights follow ITU-R BS.1770-4 (Table 3 and the position-dependent rule of its Annex 1, Table 4):

- front channels (L, R, C, front-centre pairs, wides), back centre and height channels: 1.0;
- channels at 60°–120° azimuth in the horizontal plane (the surrounds): 1.41 (+1.5 dB). In a 5.1
  or 5.0 layout the two rear channels *are* the surrounds (±110°), whether FFmpeg names them side
  (SL SR) or back (BL BR); in 7.1 the side surrounds (SL SR, ±90°) get 1.41 and the rear surrounds
  (BL BR, ±135°–150°) 1.0, as the position rule says (FFmpeg's ``ebur128`` filter gives every
  side/back channel 1.41 instead: up to +0.5 LU on rear-heavy 7.1 content);
- LFE: 0 (excluded).

Where the stream carries no layout (a WAV without a channel mask reads as "6 channels" with
unnamed channels), the usual one for the channel count is assumed and a note says so: 1 → mono,
2 → stereo, 5 → 5.0 (L R C Ls Rs, the order of EBU Tech 3341 case 6), 6 → 5.1 (L R C LFE Ls Rs,
SMPTE / ITU order), 8 → 7.1 (L R C LFE Lrs Rrs Lss Rss, FFmpeg / SMPTE order); any other count is
weighed 1.0 per channel. An override (``--layout``) is an FFmpeg layout name (``5.1``,
``5.1(side)``, ``7.1``, ``stereo``...) or a comma-separated list of channel labels (``L,R,C,LFE,Ls,Rs``;
FFmpeg names such as ``FL,FR,FC,LFE,SL,SR`` work too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import av

from reelkit.errors import UsageError

__all__ = ["ChannelLayout", "channel_weights", "resolve_layout"]

SURROUND_WEIGHT = 1.41  # +1.5 dB, BS.1770-4 Table 3

_LFE = {"LFE", "LFE2", "LOW_FREQUENCY", "LOW_FREQUENCY_2"}
_SIDE = {"SL", "SR", "SIDE_LEFT", "SIDE_RIGHT", "SDL", "SDR", "SURROUND_DIRECT_LEFT", "SURROUND_DIRECT_RIGHT"}
_BACK = {"BL", "BR", "BACK_LEFT", "BACK_RIGHT"}

#: film / broadcast labels → FFmpeg channel names (case-insensitive)
_LABELS = {
    "L": "FL", "R": "FR", "C": "FC", "M": "FC", "LFE": "LFE", "LFE2": "LFE2",
    "LS": "SL", "RS": "SR", "LSS": "SL", "RSS": "SR", "LRS": "BL", "RRS": "BR", "LB": "BL", "RB": "BR",
    "CS": "BC", "BC": "BC", "LC": "FLC", "RC": "FRC", "LW": "WL", "RW": "WR",
}

#: assumed layouts for streams without one: channel count → (name, channel names)
_DEFAULTS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("mono", ("FC",)),
    2: ("stereo", ("FL", "FR")),
    5: ("5.0", ("FL", "FR", "FC", "SL", "SR")),
    6: ("5.1", ("FL", "FR", "FC", "LFE", "SL", "SR")),
    8: ("7.1", ("FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR")),
}
_SPOKEN = {1: "mono", 2: "L R", 5: "L R C Ls Rs", 6: "L R C LFE Ls Rs", 8: "L R C LFE Lrs Rrs Lss Rss"}


@dataclass(frozen=True)
class ChannelLayout:
    """A resolved channel layout.

    Attributes:
        name: layout name ("stereo", "5.1", "7.1", a label list, or "unknown").
        channels: FFmpeg channel names in stream order ("FL", "FR", "FC", "LFE", "SL"...; "NONE"
            where unknown).
        weights: BS.1770-4 weight per channel (1.0, 1.41 or 0.0 for LFE).
        source: "stream" (the file says so), "assumed" (from the channel count), "override" (the
            caller's ``layout``) or "weights" (explicit weights given).
        note: a sentence for the user when the layout was assumed or is unknown, else None.
    """

    name: str
    channels: tuple[str, ...]
    weights: tuple[float, ...]
    source: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "channels": list(self.channels), "source": self.source, "note": self.note}


def _weights(names: tuple[str, ...]) -> tuple[float, ...]:
    has_side = any(n in _SIDE for n in names)
    out = []
    for n in names:
        if n in _LFE:
            out.append(0.0)
        elif n in _SIDE or (n in _BACK and not has_side):
            out.append(SURROUND_WEIGHT)
        else:
            out.append(1.0)
    return tuple(out)


def _ffmpeg_names(layout: str) -> tuple[str, ...] | None:
    """Channel names of an FFmpeg layout name, or None when FFmpeg does not know it or names nothing."""
    try:
        lay = av.AudioLayout(layout)
    except (ValueError, TypeError, av.error.FFmpegError):
        return None
    names = tuple(c.name.upper() for c in lay.channels)
    if not names or any(n in ("NONE", "") or n.startswith("USR") for n in names):
        return None
    return names


def _parse_override(layout: str, channels: int) -> tuple[str, tuple[str, ...]]:
    text = layout.strip()
    if "," in text:
        names = []
        for lab in (p.strip() for p in text.split(",")):
            up = lab.upper()
            name = _LABELS.get(up) or (up if _ffmpeg_names(up) else None)
            if name is None:
                raise UsageError(f"unknown channel label '{lab}' in --layout '{layout}' (use L, R, C, LFE, Ls, Rs, "
                                 "Lss, Rss, Lrs, Rrs, Cs or FFmpeg names such as FL, SL, BL)")
            names.append(name)
        found: tuple[str, ...] | None = tuple(names)
    else:
        found = _ffmpeg_names(text)
        if found is None:
            raise UsageError(f"unknown channel layout '{layout}': use an FFmpeg layout name (mono, stereo, 5.0, "
                             "5.1, 5.1(side), 7.1...) or channel labels such as L,R,C,LFE,Ls,Rs")
    assert found is not None
    if len(found) != channels:
        raise UsageError(f"--layout '{layout}' has {len(found)} channels but the audio has {channels}")
    return text, found


def resolve_layout(channels: int, stream_layout: str | None = None, override: str | None = None) -> ChannelLayout:
    """The channel layout and BS.1770-4 weights for audio with ``channels`` channels.

    Args:
        channels: channel count (≥ 1).
        stream_layout: the layout name the stream carries (``MediaInfo.audio.layout``), if any.
        override: a layout the caller imposes (FFmpeg name or label list, see the module docstring).

    Raises:
        UsageError: no channels, an unknown override, or an override whose channel count differs.
    """
    if channels < 1:
        raise UsageError("audio must have at least one channel")
    if override:
        name, names = _parse_override(override, channels)
        return ChannelLayout(name, names, _weights(names), "override")
    if stream_layout:
        names = _ffmpeg_names(stream_layout)
        if names is not None and len(names) == channels:
            return ChannelLayout(stream_layout, names, _weights(names), "stream")
    if channels in _DEFAULTS:
        name, names = _DEFAULTS[channels]
        note = None
        if channels > 2:
            note = (f"{channels} channels without a channel layout: assumed {name} ({_SPOKEN[channels]}); "
                    "pass --layout to override")
        return ChannelLayout(name, names, _weights(names), "assumed", note)
    return ChannelLayout("unknown", ("NONE",) * channels, (1.0,) * channels, "assumed",
                         f"{channels} channels without a known layout: every channel weighted 1.0 (no LFE "
                         "excluded, no surround weighting); pass --layout to set one")


def channel_weights(channels: int, layout: str | None = None) -> Any:
    """BS.1770-4 weights ``(channels,)`` float array for a stream layout name (see :func:`resolve_layout`)."""
    import numpy as np

    return np.array(resolve_layout(channels, layout).weights)
