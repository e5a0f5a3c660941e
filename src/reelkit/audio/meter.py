"""ITU-R BS.1770-4 / EBU R128 loudness metering, streamed block by block.

What is measured (all on the K-weighted signal, channel weights per BS.1770-4 Table 3):

- **momentary** loudness: 400 ms windows, one every 100 ms;
- **short-term** loudness: 3 s windows, one every 100 ms (EBU Tech 3341);
- **integrated** loudness: 400 ms gating blocks with 75 % overlap, absolute gate −70 LUFS, relative
  gate −10 LU (BS.1770-4 §2.8);
- **loudness range** (EBU Tech 3342): short-term values, absolute gate −70 LUFS, relative gate
  −20 LU, 95th minus 10th percentile;
- **true peak**: 4× oversampling with the 48-tap polyphase interpolator of BS.1770-4 Annex 2
  (for sample rates below 192 kHz), never below the sample peak.

The meter keeps only the filter state, 11 samples of true-peak history and one energy value per
channel per 100 ms, so hours of audio are metered in constant memory (:func:`measure_file` streams
the decoder's blocks through it).

Levels of silence are ``-inf`` (LUFS / dBTP); a loudness range that cannot be computed (silence,
less than 3 s of audio) is ``None``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelkit.audio.layout import ChannelLayout, channel_weights, resolve_layout
from reelkit.errors import DecodeError, UsageError
from reelkit.media import MediaInfo, probe
from reelkit.progress import ProgressFn

__all__ = [
    "LoudnessMeter",
    "LoudnessResult",
    "TruePeakMeter",
    "channel_weights",
    "k_weighting_sos",
    "measure",
    "measure_file",
    "true_peak",
    "true_peak_envelope",
]

#: BS.1770 loudness offset (dB) so that a 997 Hz 0 dBFS sine in one front channel reads −3.01 LUFS.
LOUDNESS_OFFSET = -0.691
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
_HOPS_PER_SECOND = 10  # 100 ms hop for momentary / short-term / gating blocks
_MOMENTARY_HOPS = 4  # 400 ms
_SHORT_TERM_HOPS = 30  # 3 s

#: BS.1770-4 Annex 2 true-peak interpolator, 4 phases × 12 taps (phase p interpolates p/4 sample).
_TP_PHASES = np.array([
    [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875, 0.1373291015625,
     0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500],
    [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500, 0.4650878906250,
     0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375],
    [-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125, 0.7797851562500,
     0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000, 0.0292968750000, -0.0291748046875],
    [-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750, 0.9721679687500,
     0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125, 0.0109863281250, 0.0017089843750],
])
_TP_TAPS = _TP_PHASES.shape[1]
_TP32 = _TP_PHASES.astype(np.float32)  # y_p[n] = Σ_k h_p[k]·x[n−k]


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The BS.1770 K-weighting filter (shelf + RLB high-pass) for any sample rate, as ``(2, 6)`` SOS.

    The analogue prototypes (shelf: f0 = 1681.97 Hz, gain 4.0 dB, Q = 0.7072; high-pass: f0 = 38.135 Hz,
    Q = 0.5003) are mapped with the bilinear transform; at 48 kHz this reproduces the coefficients of
    BS.1770-4 Table 1 to about 1e-8 (the construction libebur128 uses).

    Raises:
        UsageError: a sample rate below 8 kHz.
    """
    fs = float(sample_rate)
    if fs < 8000:
        raise UsageError(f"loudness metering needs a sample rate of at least 8 kHz, got {sample_rate} Hz")
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / fs)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
             1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / fs)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


def _to_db(power: float | np.ndarray) -> Any:
    """``-0.691 + 10·log10(power)`` with −inf (not a warning) for zero power."""
    p = np.asarray(power, dtype=np.float64)
    with np.errstate(divide="ignore"):
        out = LOUDNESS_OFFSET + 10.0 * np.log10(p)
    return float(out) if out.ndim == 0 else out


def _power_of(lufs: float) -> float:
    return 10.0 ** ((lufs - LOUDNESS_OFFSET) / 10.0)


def _finite_or_none(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), 2)


@dataclass(frozen=True)
class LoudnessResult:
    """A loudness measurement (EBU R128 "EBU mode" readings).

    Attributes:
        integrated_lufs: gated programme loudness (LUFS); ``-inf`` when no block passes the gates
            (silence, or less than 400 ms of audio).
        lra_lu: loudness range (LU, EBU Tech 3342), or None when it cannot be computed.
        true_peak_dbtp: maximum true peak over all channels (dBTP), ``-inf`` for digital silence.
        sample_peak_dbfs: maximum absolute sample value (dBFS).
        momentary_max_lufs / short_term_max_lufs: largest 400 ms / 3 s loudness (LUFS); ``-inf`` when
            there is no complete window.
        duration_s: measured length (s); sample_rate (Hz); channels; weights: the channel weights used.
        layout: the channel layout the weights come from (None when explicit weights were given).
        momentary / short_term: the series, one value per 100 ms (LUFS), window ending at (i+4)/10 s
            resp. (i+30)/10 s.
        dialogue_lufs: dialogue-gated loudness (LUFS) when requested, else None.
        dialogue_fraction: fraction of gating blocks judged speech, when requested.
    """

    integrated_lufs: float
    lra_lu: float | None
    true_peak_dbtp: float
    sample_peak_dbfs: float
    momentary_max_lufs: float
    short_term_max_lufs: float
    duration_s: float
    sample_rate: int
    channels: int
    weights: tuple[float, ...]
    momentary: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))
    short_term: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))
    dialogue_lufs: float | None = None
    dialogue_fraction: float | None = None
    layout: ChannelLayout | None = None

    @property
    def silent(self) -> bool:
        """True when the integrated loudness is −inf (nothing above the −70 LUFS gate)."""
        return not math.isfinite(self.integrated_lufs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON schema of ``reel audio loudness --format json``: levels rounded to 0.01, −inf as null."""
        d: dict[str, Any] = {
            "integrated_lufs": _finite_or_none(self.integrated_lufs),
            "lra_lu": _finite_or_none(self.lra_lu),
            "true_peak_dbtp": _finite_or_none(self.true_peak_dbtp),
            "momentary_max_lufs": _finite_or_none(self.momentary_max_lufs),
            "short_term_max_lufs": _finite_or_none(self.short_term_max_lufs),
            "sample_peak_dbfs": _finite_or_none(self.sample_peak_dbfs),
            "silent": self.silent,
            "duration_s": round(self.duration_s, 3),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "channel_weights": [round(w, 2) for w in self.weights],
            "layout": self.layout.to_dict() if self.layout else None,
        }
        if self.dialogue_lufs is not None or self.dialogue_fraction is not None:
            d["dialogue_lufs"] = _finite_or_none(self.dialogue_lufs)
            d["dialogue_fraction"] = (round(self.dialogue_fraction, 3)
                                      if self.dialogue_fraction is not None else None)
        return d


#: window (oldest → newest sample) @ matrix = the 4 interpolated values at that output index
_TP_GATHER = np.ascontiguousarray(_TP_PHASES[:, ::-1].T).astype(np.float32)
#: |interpolated value| ≤ _TP_BOUND · max |sample in its 12-sample window|
_TP_BOUND = float(np.abs(_TP_PHASES).sum(axis=1).max())
_TP_OFFS = np.arange(_TP_TAPS)
_DENSE_FRACTION = 0.25  # above this share of candidate outputs, interpolate everything


_CAND_BLOCK = 16


def _candidates(buf: np.ndarray, n_out: int, threshold: float) -> np.ndarray | None:
    """Output indices j (window buf[:, j:j+12]) whose interpolated value may reach ``threshold``.

    None means "too many, interpolate everything". Works on 16-sample block maxima: the window of
    output j lies in blocks j//16 and j//16 + 1, so j is kept when either block's max · bound
    reaches the threshold (conservative, never misses a value).
    """
    if threshold <= 0:
        return None
    a = np.abs(buf).max(axis=0)
    nb = -(-a.size // _CAND_BLOCK)
    padded = np.zeros(nb * _CAND_BLOCK + _CAND_BLOCK, np.float32)
    padded[:a.size] = a
    bm = padded.reshape(-1, _CAND_BLOCK).max(axis=1)
    keep = np.nonzero(np.maximum(bm[:-1], bm[1:]) * _TP_BOUND >= threshold)[0]
    if keep.size * _CAND_BLOCK > _DENSE_FRACTION * n_out:
        return None
    idx = (keep[:, None] * _CAND_BLOCK + np.arange(_CAND_BLOCK)).ravel()
    return idx[idx < n_out]


def _interp_at(buf: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """|interpolated values| ``(ch, m)`` (max over the 4 phases) at output indices ``idx``."""
    if idx.size == 0:
        return np.zeros((buf.shape[0], 0), np.float32)
    win = buf[:, idx[:, None] + _TP_OFFS]  # (ch, m, 12)
    return np.abs(win @ _TP_GATHER).max(axis=2)


def _interp_dense(buf: np.ndarray, n_out: int, chunk: int = 1 << 16) -> np.ndarray:
    """|interpolated values| ``(ch, n_out)`` (max over phases) by shifted multiply-adds (no signal copies)."""
    ch = buf.shape[0]
    out = np.zeros((ch, n_out), np.float32)
    acc = np.empty((ch, min(chunk, n_out)), np.float32)
    tmp = np.empty_like(acc)
    for s in range(0, n_out, chunk):
        n = min(chunk, n_out - s)
        a, t = acc[:, :n], tmp[:, :n]
        for p in range(_TP_PHASES.shape[0]):
            a.fill(0.0)
            for k in range(_TP_TAPS):
                off = s + _TP_TAPS - 1 - k
                np.multiply(buf[:, off:off + n], _TP32[p, k], out=t)
                a += t
            np.maximum(out[:, s:s + n], np.abs(a), out=out[:, s:s + n])
    return out


def _interp_peaks(buf: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Per-channel max |interpolated value| for ``buf`` = 11 history samples + new samples (float32).

    Only outputs whose 12-sample window could reach ``threshold`` (a value every channel already
    has) are interpolated; the others cannot change the maxima.
    """
    n_out = buf.shape[1] - (_TP_TAPS - 1)
    cand = _candidates(buf, n_out, threshold)
    vals = _interp_dense(buf, n_out) if cand is None else _interp_at(buf, cand)
    return vals.max(axis=1) if vals.shape[1] else np.zeros(buf.shape[0])


def true_peak_envelope(samples: np.ndarray, sample_rate: int, threshold: float = 0.0) -> np.ndarray:
    """Per-sample linked peak envelope ``(n,)`` float32 of ``(channels, n)`` audio.

    ``env[i]`` is the largest of |sample| and |4× interpolated value| (BS.1770-4 Annex 2 phases)
    over all channels, within about one sample of ``i`` — what a true-peak limiter must keep below
    its ceiling. The signal is taken as zero outside the array. With ``threshold`` > 0 the
    interpolation is only done where the result could reach the threshold (elsewhere env = |sample|,
    which is then below the threshold as the true value is).
    """
    x = np.asarray(samples, dtype=np.float32)
    ch, n = x.shape
    env = np.abs(x).max(axis=0)
    if sample_rate >= 192000 or n == 0:
        return env
    pad = _TP_TAPS - 1
    buf = np.concatenate([np.zeros((ch, pad), np.float32), x, np.zeros((ch, pad), np.float32)], axis=1)
    total = n + pad  # outputs y[0 .. n+pad-1]; y index j covers input times j-11 .. j
    delay = _TP_TAPS // 2  # centre of the interpolator: output j ≈ input time j - delay
    cand = _candidates(buf, total, threshold)
    if cand is None:
        a = _interp_dense(buf, total).max(axis=0)
        return np.maximum(env, a[delay:delay + n])
    vals = _interp_at(buf, cand).max(axis=0)
    pos = cand - delay
    ok = (pos >= 0) & (pos < n)
    np.maximum.at(env, pos[ok], vals[ok])
    return env


class TruePeakMeter:
    """Streaming true-peak meter: BS.1770-4 Annex 2 4× polyphase interpolation, per channel.

    ``push((channels, n))`` blocks in order; :attr:`peak` is the largest absolute interpolated or
    sample value so far (linear). At 192 kHz and above the samples themselves are used.
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.oversample = sample_rate < 192000
        self._hist = np.zeros((channels, _TP_TAPS - 1), np.float32)
        self.peaks = np.zeros(channels)
        self.sample_peaks = np.zeros(channels)

    def push(self, block: np.ndarray) -> None:
        """Add ``(channels, n)`` samples."""
        if block.shape[1] == 0:
            return
        x = np.asarray(block, dtype=np.float32)
        sp = np.abs(x).max(axis=1)
        self.sample_peaks = np.maximum(self.sample_peaks, sp)
        self.peaks = np.maximum(self.peaks, sp)
        if not self.oversample:
            return
        buf = np.concatenate([self._hist, x], axis=1)
        self._hist = buf[:, -(_TP_TAPS - 1):].copy()
        self.peaks = np.maximum(self.peaks, _interp_peaks(buf, float(self.peaks.min())))

    def final_peaks(self) -> np.ndarray:
        """Per-channel peaks (linear) including the interpolator's tail (flushed with zeros); no state change."""
        if not self.oversample:
            return self.peaks.copy()
        buf = np.concatenate([self._hist, np.zeros_like(self._hist)], axis=1)
        return np.maximum(self.peaks, _interp_peaks(buf, float(self.peaks.min())))

    @property
    def peak(self) -> float:
        """Largest true peak over all channels (linear), tail included."""
        p = self.final_peaks()
        return float(p.max()) if p.size else 0.0


def _db20(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else -math.inf


def true_peak(samples: np.ndarray, sample_rate: int) -> float:
    """True peak (dBTP) of ``(channels, n)`` or ``(n,)`` float audio; ``-inf`` for silence."""
    x = samples[None, :] if samples.ndim == 1 else samples
    m = TruePeakMeter(sample_rate, x.shape[0])
    m.push(x)
    return _db20(m.peak)


class LoudnessMeter:
    """Streaming BS.1770-4 / EBU R128 meter. Feed ``(channels, n)`` blocks with :meth:`push`, then :meth:`result`.

    Args:
        sample_rate: Hz (≥ 8 kHz).
        channels: channel count of the blocks.
        layout: the stream's FFmpeg layout name or a resolved :class:`ChannelLayout` (see
            :func:`reelkit.audio.layout.resolve_layout`); sets the channel weights.
        weights: explicit per-channel weights (overrides ``layout``).
        dialogue: also compute a dialogue-gated loudness (see :mod:`reelkit.audio.dialogue`).

    Raises:
        UsageError: bad sample rate, channel count or weights.
    """

    def __init__(self, sample_rate: int, channels: int, *, layout: str | ChannelLayout | None = None,
                 weights: Sequence[float] | None = None, dialogue: bool = False) -> None:
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self._sos = k_weighting_sos(self.sample_rate)
        if weights is None:
            lay = layout if isinstance(layout, ChannelLayout) else resolve_layout(self.channels, layout)
            if len(lay.channels) != self.channels:
                raise UsageError(f"layout {lay.name} has {len(lay.channels)} channels, the audio {self.channels}")
            self.layout: ChannelLayout | None = lay
            w = np.asarray(lay.weights, float)
        else:
            self.layout = None
            w = np.asarray(weights, float)
        if w.shape != (self.channels,):
            raise UsageError(f"need {self.channels} channel weights, got {len(w)}")
        self.weights = w
        self._zi = np.zeros((self._sos.shape[0], self.channels, 2))
        self._tp = TruePeakMeter(self.sample_rate, self.channels)
        self._pos = 0  # samples consumed
        self._next_hop = 1  # index k of the next hop boundary b_k = k·fs // 10
        self._carry = np.zeros(self.channels)
        self._hops: list[np.ndarray] = []  # (ch, m) energies per 100 ms hop
        self._hop_lens: list[np.ndarray] = []
        self._dialogue = None
        if dialogue:
            from reelkit.audio.dialogue import DialogueGate

            self._dialogue = DialogueGate(self.sample_rate)

    def _boundary(self, k: int) -> int:
        return k * self.sample_rate // _HOPS_PER_SECOND

    def push(self, block: np.ndarray) -> None:
        """Meter the next ``(channels, n)`` float samples (full scale = 1.0)."""
        if block.ndim != 2 or block.shape[0] != self.channels:
            raise UsageError(f"audio block must be ({self.channels}, n), got {block.shape}")
        n = block.shape[1]
        if n == 0:
            return
        x = np.asarray(block, dtype=np.float64)
        self._tp.push(block)
        if self._dialogue is not None:
            self._dialogue.push(x, self.weights)
        from scipy.signal import sosfilt  # scipy.signal costs ~0.4 s to import: only when metering

        y, self._zi = sosfilt(self._sos, x, axis=1, zi=self._zi)
        c = np.cumsum(y * y, axis=1)
        end = self._pos + n
        bounds = []
        k = self._next_hop
        while (b := self._boundary(k)) <= end:
            bounds.append(b)
            k += 1
        if bounds:
            idx = np.asarray(bounds) - self._pos - 1
            at = c[:, idx]
            energies = np.diff(at, axis=1, prepend=0.0)
            energies[:, 0] += self._carry
            self._hops.append(energies)
            starts = np.asarray([self._boundary(j - 1) for j in range(self._next_hop, k)])
            self._hop_lens.append(np.asarray(bounds) - starts)
            self._carry = c[:, -1] - at[:, -1]
            self._next_hop = k
        else:
            self._carry = self._carry + c[:, -1]
        self._pos = end

    def _windows(self, hops: np.ndarray, lens: np.ndarray, width: int) -> np.ndarray:
        """Weighted mean-square power of every window of ``width`` consecutive hops."""
        if hops.shape[1] < width:
            return np.zeros(0)
        weighted = self.weights @ hops  # (m,)
        cs = np.concatenate([[0.0], np.cumsum(weighted)])
        cl = np.concatenate([[0], np.cumsum(lens)])
        return (cs[width:] - cs[:-width]) / (cl[width:] - cl[:-width])

    def result(self) -> LoudnessResult:
        """All readings for the audio pushed so far (the meter can keep going afterwards)."""
        tp = self._tp
        hops = np.concatenate(self._hops, axis=1) if self._hops else np.zeros((self.channels, 0))
        lens = np.concatenate(self._hop_lens) if self._hop_lens else np.zeros(0, np.int64)
        mom_p = self._windows(hops, lens, _MOMENTARY_HOPS)
        st_p = self._windows(hops, lens, _SHORT_TERM_HOPS)
        integrated = gated_loudness(mom_p)
        dialogue_lufs = dialogue_fraction = None
        if self._dialogue is not None:
            speech = self._dialogue.block_flags(len(mom_p))
            dialogue_fraction = float(speech.mean()) if speech.size else 0.0
            dialogue_lufs = gated_loudness(mom_p[speech]) if speech.any() else -math.inf
        mom = _to_db(mom_p) if mom_p.size else np.zeros(0)
        st = _to_db(st_p) if st_p.size else np.zeros(0)
        return LoudnessResult(
            integrated_lufs=integrated,
            lra_lu=loudness_range(st_p),
            true_peak_dbtp=_db20(tp.peak),
            sample_peak_dbfs=_db20(float(tp.sample_peaks.max()) if tp.sample_peaks.size else 0.0),
            momentary_max_lufs=float(mom.max()) if mom.size else -math.inf,
            short_term_max_lufs=float(st.max()) if st.size else -math.inf,
            duration_s=self._pos / self.sample_rate,
            sample_rate=self.sample_rate,
            channels=self.channels,
            weights=tuple(float(w) for w in self.weights),
            momentary=mom,
            short_term=st,
            dialogue_lufs=dialogue_lufs,
            dialogue_fraction=dialogue_fraction,
            layout=self.layout,
        )


def gated_loudness(block_power: np.ndarray) -> float:
    """BS.1770-4 gated loudness (LUFS) of 400 ms block powers: −70 LUFS absolute, −10 LU relative gate."""
    p = block_power[block_power > _power_of(ABSOLUTE_GATE_LUFS)]
    if p.size == 0:
        return -math.inf
    rel = _power_of(_to_db(p.mean()) + RELATIVE_GATE_LU)
    p = p[p > rel]
    return _to_db(p.mean()) if p.size else -math.inf


def loudness_range(short_term_power: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range (LU) of short-term powers, or None when nothing passes the gates.

    Absolute gate −70 LUFS, relative gate −20 LU below the power mean of the absolute-gated values,
    then the 95th minus the 10th percentile, taken as in the specification's reference code
    (sorted values, index ``round((n − 1)·p)``).
    """
    p = short_term_power[short_term_power > _power_of(ABSOLUTE_GATE_LUFS)]
    if p.size == 0:
        return None
    rel = _power_of(_to_db(p.mean()) + LRA_RELATIVE_GATE_LU)
    v = np.sort(_to_db(p[p > rel]))
    n = v.size
    if n == 0:
        return None
    lo = v[round((n - 1) * 0.10)]
    hi = v[round((n - 1) * 0.95)]
    return float(hi - lo)


def measure(samples: np.ndarray, sample_rate: int, *, layout: str | ChannelLayout | None = None,
            weights: Sequence[float] | None = None, dialogue: bool = False) -> LoudnessResult:
    """Meter in-memory audio: ``(channels, n)`` or ``(n,)`` float samples at ``sample_rate`` Hz."""
    x = samples[None, :] if samples.ndim == 1 else samples
    m = LoudnessMeter(sample_rate, x.shape[0], layout=layout, weights=weights, dialogue=dialogue)
    step = 1 << 18
    for s in range(0, x.shape[1], step):
        m.push(x[:, s:s + step])
    return m.result()


def measure_file(path: str | os.PathLike[str], *, info: MediaInfo | None = None, dialogue: bool = False,
                 layout: str | None = None, progress: ProgressFn | None = None) -> LoudnessResult:
    """Meter the audio stream of a media file, streaming (constant memory).

    ``layout`` overrides the stream's channel layout (an FFmpeg layout name or labels such as
    ``L,R,C,LFE,Ls,Rs``, see :mod:`reelkit.audio.layout`); without it the stream's layout is used,
    or, where the stream has none, the usual one for its channel count (the result's
    ``layout.note`` says so).

    Raises:
        MediaNotFoundError, UnsupportedMediaError, NoAudioStreamError, DecodeError (from the decoder);
        UsageError: an unknown ``layout`` or one with another channel count.
    """
    info = info or probe(path)
    audio = info.require_audio()
    channels = audio.channels or 1
    if not audio.sample_rate:
        raise DecodeError(f"{info.path}: the audio stream has no sample rate")
    resolve_layout(channels, audio.layout, layout)  # a bad layout fails before anything is decoded
    from reelkit.analysis.driver import run_detectors  # the one decode path for analysis
    from reelkit.analysis.loudness import LoudnessDetector

    det = LoudnessDetector(layout=layout, dialogue=dialogue)
    result: LoudnessResult = run_detectors(path, [det], info=info, progress=progress)[det.name]
    return result
