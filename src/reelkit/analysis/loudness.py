"""Loudness as a driver detector: the BS.1770-4 / EBU R128 meter of :mod:`reelkit.audio.meter` fed from
the one analysis pass (:mod:`reelkit.analysis.driver`), plus loudness of any time span (a shot)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reelkit.analysis.driver import AudioNeed, Detector
from reelkit.audio.meter import LoudnessMeter, LoudnessResult, gated_loudness
from reelkit.media import MediaInfo

__all__ = ["LoudnessDetector", "loudness_to_store", "span_loudness"]


class LoudnessDetector(Detector):
    """Integrated loudness, range, true peak and the 100 ms momentary series of the whole file.

    The audio is decoded at the stream's own rate and layout (the meter weights the channels by
    layout). ``finish()`` returns a :class:`reelkit.audio.meter.LoudnessResult`.
    """

    name = "loudness"
    version = "1"

    def __init__(self, *, layout: str | None = None, dialogue: bool = False) -> None:
        """``layout``: a channel layout that overrides the stream's (see
        :func:`reelkit.audio.layout.resolve_layout`); ``dialogue``: also the dialogue-gated loudness."""
        self.audio = AudioNeed(sample_rate=None, channels=None, block_samples=1 << 16)
        self.layout, self.dialogue = layout, dialogue
        self.meter: LoudnessMeter | None = None

    def params(self) -> dict[str, Any]:
        """The options that change the result (none by default)."""
        return {k: v for k, v in (("layout", self.layout), ("dialogue", self.dialogue)) if v}

    def start(self, info: MediaInfo) -> None:
        """Set up the meter for the stream's rate, channels and layout.

        Raises:
            UsageError: an unknown ``layout`` or one with another channel count.
        """
        from reelkit.audio.layout import resolve_layout

        a = info.require_audio()
        channels = int(a.channels or 1)
        lay = resolve_layout(channels, a.layout, self.layout)
        self.meter = LoudnessMeter(int(a.sample_rate or 48000), channels, layout=lay, dialogue=self.dialogue)

    def on_audio(self, block: np.ndarray, start_sample: int, sample_rate: int) -> None:
        """Meter one block."""
        assert self.meter is not None
        if block.shape[0] != self.meter.channels:  # a stream whose layout disagrees with its probe
            block = np.resize(block.mean(axis=0, keepdims=True), (self.meter.channels, block.shape[1]))
        self.meter.push(block)

    def finish(self) -> LoudnessResult:
        """The measurement."""
        assert self.meter is not None
        return self.meter.result()


def span_loudness(momentary_lufs: np.ndarray, start_s: float, end_s: float) -> float | None:
    """Gated loudness (LUFS) of ``[start_s, end_s)`` from a 100 ms momentary series (window ``i`` ends at
    ``(i + 4) / 10`` s), or None when the span holds no complete 400 ms window above the gates."""
    m = np.asarray(momentary_lufs, dtype=np.float64)
    lo = max(0, math.ceil(start_s * 10))  # first window starting at or after start
    hi = min(len(m), math.floor(end_s * 10) - 3)  # windows ending by end
    if hi <= lo:
        return None
    with np.errstate(over="ignore"):
        power = 10.0 ** ((m[lo:hi] + 0.691) / 10.0)
    val = gated_loudness(power)
    return round(val, 2) if math.isfinite(val) else None


def loudness_to_store(r: LoudnessResult) -> dict[str, Any]:
    """JSON form for the index: the readings plus the momentary series (float32)."""
    return {**r.to_dict(), "momentary": np.asarray(r.momentary, np.float32)}
