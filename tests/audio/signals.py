"""Test signals of EBU Tech 3341 / 3342, generated from the specifications' descriptions.

Sources: EBU Tech 3341 v4 (2023) "Loudness metering: 'EBU mode' metering to supplement EBU R 128",
table of minimum-requirement test signals (cases 1-6, 9, 12, 15-19), and EBU Tech 3342 v4 (2023)
"Loudness range", table of test signals (cases 1-4). The case descriptions were cross-checked against
the synthetic case table of eko/qc ``internal/audiotest/conformance.go`` (read through the project's
code search). Recorded programme cases (3341-7/8, 3342-5/6, the true-peak cases 20-23) cannot be
generated from a description and are not included.
"""

from __future__ import annotations

import numpy as np

FS = 48000


def tones(*segments: tuple[float, float], fs: int = FS, freq: float = 1000.0, channels: int = 2) -> np.ndarray:
    """``(channels, n)`` float64: a continuous 1 kHz sine whose peak level (dBFS) changes per (level, seconds)."""
    parts = []
    n0 = 0
    for level, seconds in segments:
        n = round(seconds * fs)
        t = np.arange(n0, n0 + n) / fs
        parts.append(10 ** (level / 20) * np.sin(2 * np.pi * freq * t))
        n0 += n
    x = np.concatenate(parts)
    return np.repeat(x[None], channels, 0)


def true_peak_sine(period: float, phase_deg: float, level_db: float, *, fs: int = FS, seconds: float = 1.0
                   ) -> np.ndarray:
    """Mono sine at ``fs/period`` Hz starting at ``phase_deg`` whose waveform peak is ``level_db``.

    20 ms linear fades at both ends keep the interpolator from ringing on an abrupt onset (a
    described steady-state tone has no such step).
    """
    n = int(fs * seconds)
    t = np.arange(n)
    x = 10 ** (level_db / 20) * np.sin(2 * np.pi * t / period + np.deg2rad(phase_deg))
    fade = int(0.02 * fs)
    ramp = np.ones(n)
    ramp[:fade] = np.linspace(0, 1, fade)
    ramp[-fade:] = np.linspace(1, 0, fade)
    return (x * ramp)[None]
