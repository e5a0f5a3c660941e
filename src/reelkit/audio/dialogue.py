"""A simple speech (dialogue) gate from band energy, for dialogue-gated loudness.

This is a heuristic, **not** Dolby Dialogue Intelligence (which Netflix-style specs name): a 400 ms
gating block counts as speech when, over a 1.2 s context centred on it,

1. most of the energy above 80 Hz lies in the speech band 250–4000 Hz (ratio ≥ 0.55), and
2. the speech-band level fluctuates like syllables do: the spread of 20 ms frame levels (standard
   deviation in dB) is at least 4.5 dB — stationary noise, hum, tones and pads stay below that.

Loud singing and other strongly modulated band-limited sounds also pass, so a score or song under
dialogue can be counted as dialogue. The gate is streamed like the meter (state: filter memory and
two numbers per 20 ms frame).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

__all__ = ["DialogueGate"]

_FRAMES_PER_SECOND = 50  # 20 ms
_FRAMES_PER_HOP = 5  # 100 ms hop of the meter
_BLOCK_FRAMES = 20  # 400 ms gating block
_CONTEXT_FRAMES = 60  # 1.2 s
MIN_BAND_RATIO = 0.55
MIN_SPREAD_DB = 4.5


class DialogueGate:
    """Streaming speech detector aligned with the meter's 400 ms gating blocks."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        nyq = sample_rate / 2
        self._band = butter(4, [250 / nyq, min(4000, 0.45 * sample_rate) / nyq], "bandpass", output="sos")
        self._hp = butter(2, 80 / nyq, "highpass", output="sos")
        self._zb = np.zeros((self._band.shape[0], 2))
        self._zh = np.zeros((self._hp.shape[0], 2))
        self._pos = 0
        self._next = 1
        self._carry = np.zeros(2)
        self._frames: list[np.ndarray] = []  # (2, m): speech-band and total energy per frame

    def _boundary(self, k: int) -> int:
        return k * self.sample_rate // _FRAMES_PER_SECOND

    def push(self, x: np.ndarray, weights: np.ndarray) -> None:
        """Add ``(channels, n)`` samples (the weighted channel sum is analysed)."""
        mono = weights @ x
        band, self._zb = sosfilt(self._band, mono, zi=self._zb)
        full, self._zh = sosfilt(self._hp, mono, zi=self._zh)
        c = np.cumsum(np.stack([band * band, full * full]), axis=1)
        end = self._pos + mono.shape[0]
        bounds = []
        k = self._next
        while (b := self._boundary(k)) <= end:
            bounds.append(b)
            k += 1
        if bounds:
            at = c[:, np.asarray(bounds) - self._pos - 1]
            e = np.diff(at, axis=1, prepend=0.0)
            e[:, 0] += self._carry
            self._frames.append(e)
            self._carry = c[:, -1] - at[:, -1]
            self._next = k
        else:
            self._carry = self._carry + c[:, -1]
        self._pos = end

    def block_flags(self, n_blocks: int) -> np.ndarray:
        """``(n_blocks,)`` bool: is gating block j (frames 5j … 5j+19) speech?"""
        if n_blocks <= 0 or not self._frames:
            return np.zeros(max(n_blocks, 0), bool)
        f = np.concatenate(self._frames, axis=1)
        band, full = f[0], f[1]
        level = 10 * np.log10(band + 1e-12)
        flags = np.zeros(n_blocks, bool)
        half = (_CONTEXT_FRAMES - _BLOCK_FRAMES) // 2
        for j in range(n_blocks):
            a = max(0, j * _FRAMES_PER_HOP - half)
            b = min(f.shape[1], j * _FRAMES_PER_HOP + _BLOCK_FRAMES + half)
            tot = full[a:b].sum()
            if tot <= 0:
                continue
            ratio = band[a:b].sum() / tot
            lv = level[a:b]
            # spread over the frames that carry energy (ignore digital silence inside the context)
            lv = lv[lv > lv.max() - 40]
            flags[j] = ratio >= MIN_BAND_RATIO and lv.size > 3 and float(lv.std()) >= MIN_SPREAD_DB
        return flags
