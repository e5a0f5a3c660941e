"""Loudness normalisation to named delivery targets, with a look-ahead true-peak limiter.

Targets (integrated loudness, true-peak ceiling):

==========  ===========  ========  =====================================================
name        loudness     ceiling   measured on
==========  ===========  ========  =====================================================
ebu-r128    −23 LUFS     −1 dBTP   programme (EBU R 128)
atsc-a85    −24 LKFS     −2 dBTP   programme (ATSC A/85)
streaming   −14 LUFS     −1 dBTP   programme (typical music/video streaming)
podcast     −16 LUFS     −1 dBTP   programme (typical podcast platforms)
netflix     −27 LKFS     −2 dBTP   dialogue only (heuristic speech gate, see
                                   :mod:`reelkit.audio.dialogue`; falls back to programme
                                   loudness when no dialogue is found)
==========  ===========  ========  =====================================================

Normalisation is one constant gain followed, only where the gained signal would exceed the ceiling,
by a linked (all channels alike) look-ahead limiter on the 4× interpolated peak envelope. When the
limiter acts, dry runs measure the loudness it takes away and the gain is raised by that much
(:func:`refine_gain`), so the target is met after limiting. The
limiter is streamed: it holds a few milliseconds of audio, so files of any length are processed in
constant memory (:func:`normalize_blocks`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from reelkit.audio.layout import ChannelLayout
from reelkit.audio.meter import LoudnessMeter, LoudnessResult, measure, true_peak_envelope
from reelkit.errors import MediaError, UsageError
from reelkit.progress import ProgressFn

__all__ = [
    "TARGETS",
    "DeliveryTarget",
    "NormalizeResult",
    "TruePeakLimiter",
    "get_target",
    "limit",
    "normalization_gain",
    "normalize",
    "normalize_array",
    "normalize_blocks",
    "normalize_file",
    "refine_gain",
]


@dataclass(frozen=True)
class DeliveryTarget:
    """A delivery spec: integrated loudness (LUFS), true-peak ceiling (dBTP), dialogue gating."""

    name: str
    loudness_lufs: float
    ceiling_dbtp: float
    dialogue_gated: bool
    description: str


TARGETS: dict[str, DeliveryTarget] = {t.name: t for t in (
    DeliveryTarget("ebu-r128", -23.0, -1.0, False, "EBU R 128 broadcast"),
    DeliveryTarget("atsc-a85", -24.0, -2.0, False, "ATSC A/85 (US broadcast)"),
    DeliveryTarget("streaming", -14.0, -1.0, False, "music/video streaming platforms"),
    DeliveryTarget("podcast", -16.0, -1.0, False, "podcast platforms"),
    DeliveryTarget("netflix", -27.0, -2.0, True, "Netflix-style, dialogue-gated (heuristic speech gate)"),
)}


def get_target(name: str | DeliveryTarget) -> DeliveryTarget:
    """Look a target up by name (case-insensitive).

    Raises:
        UsageError: unknown name (the message lists the known ones).
    """
    if isinstance(name, DeliveryTarget):
        return name
    key = name.strip().lower().replace("_", "-")
    aliases = {"ebu": "ebu-r128", "r128": "ebu-r128", "atsc": "atsc-a85", "a85": "atsc-a85"}
    key = aliases.get(key, key)
    if key not in TARGETS:
        raise UsageError(f"unknown loudness target {name!r}; choose one of {', '.join(TARGETS)}")
    return TARGETS[key]


class TruePeakLimiter:
    """Streaming, linked look-ahead limiter keeping the 4×-interpolated peak below ``ceiling_dbtp``.

    The gain needed at every sample (``ceiling / envelope``, at most 1) is spread by a minimum
    filter over ±``lookahead`` and then smoothed twice by a moving average of half that length, so
    the gain starts falling ``lookahead`` before a peak, reaches the needed value at the peak and
    recovers as smoothly afterwards (no clicks, no overshoot). A ``margin_db`` below the ceiling
    absorbs the small error of interpolating the gain-modulated signal.

    Use :meth:`push` for each ``(channels, n)`` block (it returns the processed audio available so
    far, delayed by the look-ahead) and :meth:`flush` at the end.
    """

    def __init__(self, sample_rate: int, channels: int, ceiling_dbtp: float, *, lookahead_ms: float = 5.0,
                 margin_db: float = 0.1) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self.ceiling = 10 ** ((ceiling_dbtp - margin_db) / 20)
        self._radius = max(2, int(sample_rate * lookahead_ms / 1000))
        self._block = max(1, sample_rate // 3000)
        self._ctx = 3 * self._radius + 6 * self._block + 32
        self._start = 0  # absolute sample index of _buf[:, 0] (keeps the block grid fixed)
        self._buf = np.zeros((channels, 0), np.float32)
        self._left = 0  # samples at the start of _buf already emitted (left context)
        self.max_reduction_db = 0.0

    def _gain(self, buf: np.ndarray) -> np.ndarray:
        env = true_peak_envelope(buf, self.sample_rate, threshold=self.ceiling)
        need = np.minimum(1.0, self.ceiling / np.maximum(env, 1e-12)).astype(np.float32)
        if need.min() >= 1.0:
            return need
        # work on block minima (≈ 0.33 ms blocks): g_block ≤ the need of every sample within the
        # spreading radius, and a linear interpolation between block values never exceeds them
        b = self._block
        lead = self._start % b  # align blocks to absolute multiples of b
        n = need.size
        nb = -(-(n + lead) // b)
        padded = np.ones(nb * b, np.float32)
        padded[lead:lead + n] = need
        blk = padded.reshape(nb, b).min(axis=1)
        r = self._radius // b + 2
        half = max(1, self._radius // b // 2 * 2 + 1)
        g = minimum_filter1d(blk, size=2 * r + 1, mode="nearest")
        g = uniform_filter1d(g, size=half, mode="nearest")
        g = uniform_filter1d(g, size=half, mode="nearest")
        centres = np.arange(nb) * b + (b - 1) / 2 - lead
        full = np.interp(np.arange(n), centres, g).astype(np.float32)
        return np.minimum(full, need)

    def _emit(self, buf: np.ndarray, start: int, stop: int) -> np.ndarray:
        g = self._gain(buf)
        seg = g[start:stop]
        if seg.size:
            self.max_reduction_db = max(self.max_reduction_db, -20 * math.log10(max(float(seg.min()), 1e-9)))
        return buf[:, start:stop] * seg

    def push(self, block: np.ndarray) -> np.ndarray:
        """Add ``(channels, n)`` samples; return the limited samples that are final (may be empty)."""
        self._buf = np.concatenate([self._buf, np.asarray(block, np.float32)], axis=1)
        m = self._buf.shape[1]
        stop = m - self._ctx
        if stop <= self._left:
            return np.zeros((self.channels, 0), np.float32)
        out = self._emit(self._buf, self._left, stop)
        keep_from = max(0, stop - self._ctx)
        self._start += keep_from
        self._buf = self._buf[:, keep_from:]
        self._left = stop - keep_from
        return out

    def flush(self) -> np.ndarray:
        """Return the remaining limited samples (the signal is taken as silent after the end)."""
        m = self._buf.shape[1]
        pad = np.zeros((self.channels, self._ctx), np.float32)
        out = self._emit(np.concatenate([self._buf, pad], axis=1), self._left, m)
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._left = 0
        self._start += m
        return out


def limit(samples: np.ndarray, sample_rate: int, ceiling_dbtp: float, **kw: float) -> np.ndarray:
    """Limit in-memory ``(channels, n)`` audio to ``ceiling_dbtp`` (see :class:`TruePeakLimiter`)."""
    lim = TruePeakLimiter(sample_rate, samples.shape[0], ceiling_dbtp, **kw)
    return np.concatenate([lim.push(samples), lim.flush()], axis=1)


def normalization_gain(before: LoudnessResult, target: DeliveryTarget) -> tuple[float, str]:
    """Gain (dB) that brings ``before`` to the target, and which loudness it was based on.

    Raises:
        MediaError: the audio is silent (nothing above the −70 LUFS gate), so no gain exists.
    """
    basis = "integrated"
    ref = before.integrated_lufs
    if target.dialogue_gated and before.dialogue_lufs is not None and math.isfinite(before.dialogue_lufs):
        ref, basis = before.dialogue_lufs, "dialogue"
    elif target.dialogue_gated:
        basis = "integrated (no dialogue detected)"
    if not math.isfinite(ref):
        raise MediaError("the audio is silent (below the −70 LUFS gate): there is nothing to normalise")
    return target.loudness_lufs - ref, basis


@dataclass(frozen=True)
class NormalizeResult:
    """Before/after readings of a normalisation.

    Attributes:
        target: the delivery target; gain_db: the constant gain applied (dB);
        basis: "integrated" or "dialogue" (what loudness the gain was computed from);
        limiter_db: largest gain reduction of the limiter (dB, 0 when it never acted);
        before / after: full readings; samples: the processed audio when done in memory.
    """

    target: DeliveryTarget
    gain_db: float
    basis: str
    limiter_db: float
    before: LoudnessResult
    after: LoudnessResult
    samples: np.ndarray | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form: target, gain, basis, limiter, before/after readings."""
        return {
            "target": {"name": self.target.name, "integrated_lufs": self.target.loudness_lufs,
                       "true_peak_ceiling_dbtp": self.target.ceiling_dbtp,
                       "dialogue_gated": self.target.dialogue_gated},
            "gain_db": round(self.gain_db, 2),
            "basis": self.basis,
            "limiter_max_reduction_db": round(self.limiter_db, 2),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def normalize_blocks(blocks: Iterable[np.ndarray], sample_rate: int, channels: int, gain_db: float,
                     ceiling_dbtp: float, *, layout: str | ChannelLayout | None = None, dialogue: bool = False,
                     ) -> tuple[Iterator[np.ndarray], LoudnessMeter, TruePeakLimiter]:
    """Stream ``blocks`` through gain + limiter; returns (processed blocks, after-meter, limiter).

    The after-meter is fed as the returned iterator is consumed; read its result when done.
    """
    g = np.float32(10 ** (gain_db / 20))
    lim = TruePeakLimiter(sample_rate, channels, ceiling_dbtp)
    after = LoudnessMeter(sample_rate, channels, layout=layout, dialogue=dialogue)

    def run() -> Iterator[np.ndarray]:
        for b in blocks:
            out = lim.push(b * g)
            if out.shape[1]:
                after.push(out)
                yield out
        out = lim.flush()
        if out.shape[1]:
            after.push(out)
            yield out

    return run(), after, lim


def _reading(r: LoudnessResult, basis: str) -> float:
    return r.dialogue_lufs if basis == "dialogue" and r.dialogue_lufs is not None else r.integrated_lufs


def refine_gain(make_blocks: Callable[[], Iterable[np.ndarray]], sample_rate: int, channels: int,
                before: LoudnessResult, target: DeliveryTarget, *, layout: str | ChannelLayout | None = None,
                max_passes: int = 2) -> tuple[float, str]:
    """The gain for ``target``, corrected for the loudness the limiter takes away.

    When the plain gain would push the true peak over the ceiling, dry runs (gain + limiter + meter,
    nothing written) measure the shortfall and raise the gain by it, up to ``max_passes`` times
    (each dry run decodes the audio once more). Without limiting this is :func:`normalization_gain`.
    """
    gain, basis = normalization_gain(before, target)
    if before.true_peak_dbtp + gain <= target.ceiling_dbtp - 0.1:
        return gain, basis
    for _ in range(max_passes):
        it, meter, _lim = normalize_blocks(make_blocks(), sample_rate, channels, gain, target.ceiling_dbtp,
                                           layout=layout, dialogue=basis == "dialogue")
        for _block in it:
            pass
        short = target.loudness_lufs - _reading(meter.result(), basis)
        if not math.isfinite(short) or abs(short) <= 0.05:
            break
        gain += short
    return gain, basis


def normalize_array(x: np.ndarray, sample_rate: int, before: LoudnessResult, target: DeliveryTarget, *,
                    layout: str | ChannelLayout | None = None, max_passes: int = 3,
                    ) -> tuple[np.ndarray, float, str, float, LoudnessResult]:
    """Gain + limiter on in-memory ``(channels, n)`` float32 audio whose reading is ``before``.

    Each pass's output is kept when it meets the target (within 0.05 LU) — the passes double as the
    dry runs of :func:`refine_gain`. Returns (audio, gain dB, basis, limiter dB, after-reading).
    """
    gain, basis = normalization_gain(before, target)
    out = x
    for _ in range(max_passes):
        it, meter, lim = normalize_blocks([x], sample_rate, x.shape[0], gain, target.ceiling_dbtp, layout=layout,
                                          dialogue=target.dialogue_gated)
        out = np.concatenate(list(it), axis=1)
        after = meter.result()
        short = target.loudness_lufs - _reading(after, basis)
        if lim.max_reduction_db == 0.0 or not math.isfinite(short) or abs(short) <= 0.05:
            break
        gain += short
    return out, gain, basis, lim.max_reduction_db, after


def normalize(samples: np.ndarray, sample_rate: int, target: str | DeliveryTarget = "ebu-r128", *,
              layout: str | ChannelLayout | None = None) -> NormalizeResult:
    """Normalise in-memory ``(channels, n)`` float audio to ``target``; returns readings and samples.

    Raises:
        UsageError: unknown target. MediaError: silent input.
    """
    t = get_target(target)
    x = np.asarray(samples[None, :] if samples.ndim == 1 else samples, np.float32)
    before = measure(x, sample_rate, layout=layout, dialogue=t.dialogue_gated)
    out, gain, basis, lim_db, after = normalize_array(x, sample_rate, before, t, layout=layout)
    return NormalizeResult(t, gain, basis, lim_db, before, after, out)


def normalize_file(media: str | Path, target: str, output: str | Path | None = None, *, force: bool = False,
                   layout: str | None = None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Normalise the loudness of ``media`` to ``target`` (a :func:`get_target` name) with its true-peak
    ceiling, write the result (``output``, default ``<stem>.normalized.<ext>`` beside it) and return the JSON
    report of ``reel audio normalize`` (target, gain, basis, limiter, loudness before and after).

    The audio is streamed: metered once (:func:`reelkit.audio.meter.measure_file`, ``progress`` in samples),
    then read again through the gain and the limiter into the output.

    Raises:
        UsageError: an unknown target or layout; OutputExistsError: ``output`` exists without ``force``;
        the media errors of reading (NoAudioStreamError without audio).
    """
    from reelkit.audio.io import check_output, default_output, write_processed
    from reelkit.audio.layout import resolve_layout
    from reelkit.audio.meter import measure_file
    from reelkit.fileio import check_input_file
    from reelkit.media import iter_audio, probe
    from reelkit.provenance import Action, declare

    t = get_target(target)
    media = check_input_file(media, what="media file")
    info = probe(media)
    a = info.require_audio()
    out = Path(output) if output is not None else default_output(info, "normalized")
    check_output(info, out, force=force)
    lay = resolve_layout(a.channels or 1, a.layout, layout)
    before = measure_file(media, info=info, dialogue=t.dialogue_gated, layout=layout, progress=progress)
    gain, basis = refine_gain(lambda: iter_audio(media, info=info), a.sample_rate, a.channels or 1, before, t,
                              layout=lay)
    blocks, meter, lim = normalize_blocks(iter_audio(media, info=info), a.sample_rate, a.channels or 1, gain,
                                          t.ceiling_dbtp, layout=lay, dialogue=t.dialogue_gated)
    declare(out, actions=[Action("loudness", f"loudness normalised to {t.name}")])
    write_processed(info, out, blocks, a.sample_rate, a.channels or 1, force=force)
    res = NormalizeResult(t, gain, basis, lim.max_reduction_db, before, meter.result())
    return {"media": str(media), "output": str(out), **res.to_dict()}
