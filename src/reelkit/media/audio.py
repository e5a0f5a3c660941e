"""Audio decoding to float32 blocks, resampled by FFmpeg's swresample.

Arrays are ``(channels, samples)`` float32 in [-1, 1] (values beyond that are kept, not clipped).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import av
import numpy as np

from reelkit.errors import DecodeError, UsageError
from reelkit.media._open import decode_packets, open_input
from reelkit.media.limits import Limits, default_limits
from reelkit.media.probe import MediaInfo, probe

__all__ = ["AudioData", "iter_audio", "read_audio"]



@dataclass(frozen=True)
class AudioData:
    """Decoded audio: ``samples`` is ``(channels, n)`` float32, ``sample_rate`` in Hz."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.samples.shape[1] / self.sample_rate

    def mono(self) -> np.ndarray:
        """``(n,)`` float32 average of the channels."""
        return self.samples.mean(axis=0, dtype=np.float32)


def _layout_for(channels: int | None, source_layout: str | None, source_channels: int) -> str | None:
    if channels is None:
        return source_layout or None
    if channels == 1:
        return "mono"
    if channels == 2:
        return "stereo"
    if channels == source_channels:
        return source_layout
    raise UsageError(f"can only downmix to 1 or 2 channels, not {channels}")


_GAINS: dict[tuple[str | None, int, str | None], float] = {}


def _downmix_gain(src_layout: str | None, src_channels: int, out_layout: str | None) -> float:
    """Gain that makes FFmpeg's float downmix a weighted *average* of the channels.

    For float output libswresample mixes without normalising (stereo → mono is ``0.707·L + 0.707·R``, so
    identical channels come out 3 dB louder and a full-scale stereo file reaches 1.41); for integer output
    it divides by the largest row sum. The row sum is measured here by downmixing one frame of ones, and
    its inverse is returned (1.0 when the sum is at most 1), so a mono downmix of a stereo file with the
    same signal in both channels is that signal."""
    key = (src_layout, src_channels, out_layout)
    if key not in _GAINS:
        layout = src_layout or ("stereo" if src_channels == 2 else None)
        try:
            frame = av.AudioFrame.from_ndarray(np.ones((src_channels, 1024), np.float32), format="fltp",
                                               layout=layout or src_channels)
            frame.sample_rate = 48000
            rs = av.AudioResampler(format="fltp", layout=out_layout, rate=48000)
            out = [f.to_ndarray() for f in rs.resample(frame)] + [f.to_ndarray() for f in rs.resample(None)]
            level = float(np.concatenate([o.reshape(o.shape[0], -1) for o in out], axis=1)[:, 256:768].max())
            _GAINS[key] = 1.0 / level if level > 1.0 + 1e-4 else 1.0
        except (ValueError, av.FFmpegError):  # an unusual layout: keep FFmpeg's own levels
            _GAINS[key] = 1.0
    return _GAINS[key]


def iter_audio(
    path: str | os.PathLike[str],
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
    block_samples: int = 65536,
    info: MediaInfo | None = None,
    limits: Limits | None = None,
) -> Iterator[np.ndarray]:
    """Yield ``(channels, n)`` float32 blocks of at most ``block_samples`` samples.

    Args:
        sample_rate: output rate in Hz (default: the stream's).
        channels: 1 (mono downmix), 2 (stereo) or None (keep the source layout). A downmix is FFmpeg's
            matrix scaled to unity gain (:func:`_downmix_gain`): the same signal in every channel stays
            at its level.
        block_samples: maximum block length; the last block is shorter.

    Raises:
        NoAudioStreamError, MediaLimitError, DecodeError, plus the errors of :func:`probe`.
    """
    limits = limits or default_limits()
    info = info or probe(path, limits=limits)
    audio = info.require_audio()
    limits.check_duration(info.path, info.duration_s)
    if block_samples < 1:
        raise UsageError("block_samples must be positive")
    rate = int(sample_rate or audio.sample_rate or 0)
    if rate <= 0:
        raise DecodeError(f"{info.path}: audio stream has no sample rate")
    src_channels = audio.channels or 1
    layout = _layout_for(channels, audio.layout, src_channels)
    out_channels = channels or src_channels
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
    gain = _downmix_gain(audio.layout, src_channels, layout) if out_channels < src_channels else 1.0
    pending: list[np.ndarray] = []
    pending_n = 0

    def drain(final: bool) -> Iterator[np.ndarray]:
        nonlocal pending, pending_n
        while pending_n >= block_samples or (final and pending_n):
            joined = np.concatenate(pending, axis=1) if len(pending) > 1 else pending[0]
            take = min(block_samples, joined.shape[1])
            yield np.ascontiguousarray(joined[:, :take])
            rest = joined[:, take:]
            pending, pending_n = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)

    def push(frames: list[av.AudioFrame]) -> None:
        nonlocal pending_n
        for rf in frames:
            arr = rf.to_ndarray().astype(np.float32, copy=False)
            if arr.ndim == 1:
                arr = arr[None, :]
            if arr.shape[0] != out_channels:
                arr = arr.reshape(out_channels, -1)
            if gain != 1.0:
                arr = arr * np.float32(gain)
            pending.append(arr)
            pending_n += arr.shape[1]

    with open_input(info.path, limits) as container:
        stream = next(s for s in container.streams.audio if s.index == audio.index)
        for decoded in decode_packets(container, stream, info.path, "audio"):
            for frame in decoded:
                frame.pts = None  # let the resampler run on sample counts, not container timestamps
                push(resampler.resample(frame))
            yield from drain(final=False)
        push(resampler.resample(None))
        yield from drain(final=True)


def read_audio(
    path: str | os.PathLike[str],
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
    info: MediaInfo | None = None,
    limits: Limits | None = None,
) -> AudioData:
    """Decode a whole audio stream into memory (see :func:`iter_audio` for arguments).

    For long media prefer :func:`iter_audio`; this holds ``channels × n × 4`` bytes.
    """
    limits = limits or default_limits()
    info = info or probe(path, limits=limits)
    audio = info.require_audio()
    rate = int(sample_rate or audio.sample_rate or 0)
    blocks = list(iter_audio(path, sample_rate=rate or None, channels=channels, info=info, limits=limits))
    n_ch = channels or audio.channels or 1
    samples = np.concatenate(blocks, axis=1) if blocks else np.zeros((n_ch, 0), np.float32)
    return AudioData(samples=samples, sample_rate=rate)
