"""Voice activity / silence detection: energy + spectral shape against an adaptive noise floor.

Each 25 ms frame (10 ms hop) gets three features:

* log energy (dB) of the pre-emphasised frame,
* spectral flatness of the 100–4000 Hz band (speech and voiced sounds are peaky, room tone and
  hiss are flat),
* the share of energy in the 250–4000 Hz speech band (rumble, hum and HVAC sit below, hiss above).

The noise floor is tracked per frame as a low percentile of the energy in a sliding window
(3 s), so a steady room tone or a fan raises the floor instead of reading as speech. A frame is
speech when its energy clears the floor by a margin that adapts to the clip's dynamic range and
its spectrum looks like speech. Hysteresis (a lower threshold to stay in speech), a hangover, a
minimum speech length and gap merging turn frames into regions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d, percentile_filter

from reelkit.media import AudioData, read_audio

__all__ = ["VadFeatures", "frame_features", "speech_regions"]

_FRAME_S = 0.025
_HOP_S = 0.010


@dataclass(frozen=True)
class VadFeatures:
    """Per-frame features (arrays of length ``n_frames``) and the frame geometry in samples."""

    energy_db: np.ndarray
    flatness: np.ndarray
    band_ratio: np.ndarray
    floor_db: np.ndarray
    hop: int
    frame: int


def _frames(x: np.ndarray, frame: int, hop: int) -> np.ndarray:
    if len(x) < frame:
        x = np.pad(x, (0, frame - len(x)))
    n = 1 + (len(x) - frame) // hop
    return np.lib.stride_tricks.sliding_window_view(x, frame)[::hop][:n]


def frame_features(samples: np.ndarray, sample_rate: int, *, floor_window_s: float = 3.0) -> VadFeatures:
    """Compute :class:`VadFeatures` for mono ``samples`` ``(n,)`` float32 at ``sample_rate`` Hz."""
    frame = max(16, round(_FRAME_S * sample_rate))
    hop = max(1, round(_HOP_S * sample_rate))
    x = np.asarray(samples, dtype=np.float32)
    x = x - float(x.mean()) if len(x) else x
    emph = np.append(x[:1], x[1:] - 0.95 * x[:-1]) if len(x) else x
    fr = _frames(emph, frame, hop)
    win = np.hanning(frame).astype(np.float32)
    nfft = 1 << (frame - 1).bit_length()
    out_e, out_f, out_b = [], [], []
    freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate)
    band = (freqs >= 100) & (freqs <= min(4000, sample_rate / 2))
    speech = (freqs >= 250) & (freqs <= min(4000, sample_rate / 2))
    for i in range(0, len(fr), 4096):  # bounded memory on long inputs
        blk = fr[i:i + 4096] * win
        p = np.abs(np.fft.rfft(blk, nfft, axis=1)) ** 2 + 1e-12
        total = p.sum(axis=1)
        out_e.append(10 * np.log10(np.mean(fr[i:i + 4096] ** 2, axis=1) + 1e-12))
        pb = p[:, band]
        out_f.append(np.exp(np.mean(np.log(pb), axis=1)) / np.mean(pb, axis=1))
        out_b.append(p[:, speech].sum(axis=1) / total)
    energy = np.concatenate(out_e) if out_e else np.zeros(0)
    flat = np.concatenate(out_f) if out_f else np.zeros(0)
    ratio = np.concatenate(out_b) if out_b else np.zeros(0)
    w = max(3, round(floor_window_s / _HOP_S))
    if len(energy):
        # low percentile in a sliding window, smoothed by a max-then-min (closing) so short dips
        # between words do not drag the floor down
        floor = percentile_filter(energy, 10, size=min(w, len(energy)), mode="nearest")
        floor = minimum_filter1d(maximum_filter1d(floor, 25, mode="nearest"), 25, mode="nearest")
    else:
        floor = energy
    return VadFeatures(energy, flat, ratio, floor, hop, frame)


def speech_regions(
    audio: AudioData | str | os.PathLike[str],
    *,
    sample_rate: int = 16000,
    margin_db: float | None = None,
    min_speech_s: float = 0.08,
    min_silence_s: float = 0.25,
    hangover_s: float = 0.08,
    pad_s: float = 0.03,
    absolute_floor_db: float = -60.0,
) -> list[tuple[int, int]]:
    """Find stretches of speech; return ``[(start, end), ...]`` in samples (end exclusive).

    Args:
        audio: decoded audio (any channel count; averaged to mono) or a media path (decoded at
            ``sample_rate``). Results count samples at ``audio.sample_rate`` (or ``sample_rate``).
        margin_db: how far above the local noise floor speech must be; None adapts it to the clip
            (between 6 and 15 dB, a third of the speech-to-floor range).
        min_speech_s: shorter bursts (clicks, taps) are dropped.
        min_silence_s: shorter pauses are bridged (regions are merged).
        hangover_s: speech continues this long after the last speech frame (word tails).
        pad_s: padding added on both sides of each region (clamped to the clip).
        absolute_floor_db: frames quieter than this (dB re full scale, per-sample power) are never speech.

    Raises:
        the errors of :func:`reelkit.media.read_audio` for a path (NoAudioStreamError, ...).
    """
    if not isinstance(audio, AudioData):
        audio = read_audio(audio, sample_rate=sample_rate, channels=1)
    sr = audio.sample_rate
    x = audio.mono() if audio.samples.ndim == 2 else np.asarray(audio.samples, np.float32)
    n = len(x)
    if n == 0:
        return []
    f = frame_features(x, sr)
    e, floor = f.energy_db, f.floor_db
    loud = e > absolute_floor_db
    if not loud.any():
        return []
    top = float(np.percentile(e[loud], 95))
    base = float(np.percentile(e, 10))
    if margin_db is None:
        margin_db = float(np.clip((top - base) / 3.0, 6.0, 15.0))
    spectral = (f.band_ratio > 0.5) & (f.flatness < 0.55)
    on = (e > floor + margin_db) & spectral & loud
    keep = (e > floor + margin_db * 0.5) & loud  # hysteresis: stay in speech at a lower level
    # a frame-level state machine with hangover
    hang = max(0, round(hangover_s / _HOP_S))
    state = np.zeros(len(e), bool)
    active, left = False, 0
    for i in range(len(e)):
        if on[i] or (active and keep[i]):
            active, left = True, hang
        elif active and left > 0:
            left -= 1
        else:
            active = False
        state[i] = active
    # extend onsets backwards while the level stays above the lower threshold (fricative onsets
    # such as "s" or "th" are loud but not speech-band shaped)
    for a, _b in _runs(state):
        i = a
        while i > 0 and keep[i - 1] and not state[i - 1]:
            i -= 1
        state[i:a] = True
    regions = _runs(state)
    # merge short gaps, drop short bursts
    merged: list[list[int]] = []
    gap = round(min_silence_s / _HOP_S)
    for a, b in regions:
        if merged and a - merged[-1][1] < gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    min_len = max(1, round(min_speech_s / _HOP_S))
    pad = round(pad_s * sr)
    out = []
    for a, b in merged:
        if b - a < min_len:
            continue
        s0 = max(0, a * f.hop - pad)
        s1 = min(n, (b - 1) * f.hop + f.frame + pad)
        if out and s0 <= out[-1][1]:
            out[-1] = (out[-1][0], s1)
        else:
            out.append((s0, s1))
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(first, end_exclusive), ...]`` of the True runs of a boolean array."""
    if not len(mask):
        return []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))
