"""Shot-boundary detection: hard cuts, dissolves, fades (through black or white) and wipes.

One decode at analysis resolution (``max_side`` ≈ 128, downscaled in the decode path by
:func:`reelkit.media.read_frames`) feeds a small streaming feature extractor
(:class:`FrameFeatures`): per frame it keeps a 512-bin joint colour histogram distance to the
previous frame, luma mean/std, and a tiny 16×9 RGB thumbnail (432 bytes). Nothing larger than the
current frame is ever held, so memory grows by ≈ 0.45 kB per frame (a 2-hour film at 24 fps:
≈ 80 MB) — the decision stage works on these compact signals with a look-ahead window.

Decisions (all on the compact signals, see :func:`decide`):

* **cuts** — a frame whose colour-histogram + tiny-image change is large in absolute terms *and*
  several times the local background change (an adaptive threshold over a ±``window`` frames
  neighbourhood, which absorbs fast motion), and whose new content *persists*: when a frame up
  to ``flash_frames`` later looks like the frame before the jump again, the jump was a flash, an
  occlusion or a glitch and is rejected. A *quiet* cut — half the absolute change, but ten times a
  still background (two speakers or takes on the same set, where only a face changes) — counts too.
* **gradual transitions** — twin-comparison candidates (a run of frames whose change stays above
  a low adaptive threshold while the accumulated change between the run's ends is large), split
  at flat (black/white) frames, then *verified by a model fit*: a dissolve/fade is a per-frame
  linear blend of the two end frames with a monotone mixing weight (small residual), a wipe is a
  per-pixel *selection* of one end frame or the other with a monotone growing share. Fades are
  blends whose one end is a flat black/white frame; runs whose two ends are both flat (a pure
  luma ramp with no picture) are not transitions.

Every boundary gets a confidence in (0, 1] from its margin over the thresholds.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from reelkit.analysis.driver import Detector, VideoNeed, Window, run_detectors
from reelkit.errors import MediaError, NoFrameError, UsageError
from reelkit.fileio import check_input_file
from reelkit.media import Frame, MediaInfo, probe
from reelkit.progress import ProgressFn
from reelkit.time import format_rate

__all__ = [
    "DEFAULT_TUNING",
    "FrameFeatures",
    "Shot",
    "ShotBoundaryDetector",
    "ShotDetection",
    "Signals",
    "Transition",
    "TransitionType",
    "decide",
    "detect_shots",
    "shots_from_transitions",
]

TransitionType = Literal["cut", "dissolve", "fade", "wipe"]

#: tiny thumbnail size (w, h) kept per frame for long-range comparisons
TINY = (16, 9)

#: Tunable parameters of :func:`detect_shots` (override any with keyword arguments).
DEFAULT_TUNING: dict[str, float] = {
    "max_side": 128,  # analysis size (longest side, pixels)
    "cut_threshold": 0.30,  # min combined change score of a cut, in [0, 1]
    "cut_ratio": 3.0,  # cut score / local background score
    "window": 8,  # half-width of the local background neighbourhood, frames
    "quiet_cut_threshold": 0.15,  # a cut below cut_threshold counts when the picture around it is still:
    "quiet_cut_ratio": 10.0,  # ... this many times the local background (at least quiet_floor)
    "quiet_floor": 0.01,
    "flash_frames": 6,  # look-ahead for flash/occlusion rejection, frames
    "flash_similarity": 0.55,  # a later frame within this fraction of the jump's change "returns"
    "flat_std": 8.0,  # luma std (0-255) below which a frame is flat (black/white/uniform)
    "grad_low": 0.0015,  # min per-frame tiny-image change inside a gradual run (0-1 scale)
    "grad_min_change": 0.10,  # min change between the two ends of a gradual transition (0-1)
    "grad_min_len": 4,  # shortest gradual transition, frames
    "grad_max_len": 90,  # longest gradual transition, frames
    "blend_residual": 0.30,  # max relative residual of a dissolve/fade fit
    "wipe_residual": 0.22,  # max relative residual of a wipe (selection) fit
    "dissolve_dip": 0.93,  # a dissolve's mid-span luma contrast is below this share of the end frames' line
}


@dataclass(frozen=True)
class Transition:
    """A shot boundary.

    Attributes:
        type: ``cut``, ``dissolve``, ``fade`` or ``wipe``.
        start, end: 0-based decoded-frame indices. A cut has ``start == end == N``, the first
            frame of the new shot; a gradual transition is the inclusive span of its mixed frames.
        confidence: in (0, 1].
    """

    type: TransitionType
    start: int
    end: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form (issue 3 schema)."""
        conf = round(float(self.confidence), 3)
        if self.type == "cut":
            return {"type": "cut", "frame": self.start, "confidence": conf}
        return {"type": self.type, "start": self.start, "end": self.end, "confidence": conf}


@dataclass(frozen=True)
class Shot:
    """A shot: inclusive frame span ``[start, end]`` and its log fields (see :mod:`.shotlog`)."""

    index: int
    start: int
    end: int
    log: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def frames(self) -> int:
        """Number of frames in the shot."""
        return self.end - self.start + 1

    def to_dict(self) -> dict[str, Any]:
        """JSON form: index, start, end, then the log fields."""
        return {"index": self.index, "start": self.start, "end": self.end, **(self.log or {})}


@dataclass(frozen=True)
class ShotDetection:
    """Result of :func:`detect_shots`.

    Attributes:
        video: the analysed file.
        rate: frame rate (average rate for VFR footage).
        frame_count: number of decoded frames.
        transitions: boundaries in frame order.
        shots: a partition of ``[0, frame_count)``; a gradual transition is split at its middle
            frame (the new shot starts at ``(start + end + 1) // 2``), unless the transition
            touches the first or last frame (a fade-in at the start or a fade-out at the end
            belongs to its only shot).
        times_s: presentation time (seconds) of each frame, for VFR-correct exports.
        vfr: True when frame durations vary.
    """

    video: Path
    rate: Fraction
    frame_count: int
    transitions: list[Transition]
    shots: list[Shot]
    times_s: np.ndarray | None = field(default=None, compare=False, repr=False)
    vfr: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON schema of ``reel shots`` (issue 3)."""
        return {
            "video": str(self.video),
            "rate": format_rate(self.rate),
            "frame_count": self.frame_count,
            "transitions": [t.to_dict() for t in self.transitions],
            "shots": [s.to_dict() for s in self.shots],
        }

    def frame_time(self, frame: int) -> float:
        """Presentation time of ``frame`` in seconds (exact for VFR when decoded times are known)."""
        if self.times_s is not None and 0 <= frame < len(self.times_s):
            return float(self.times_s[frame])
        return float(Fraction(frame) / self.rate)


# ------------------------------------------------------------------------------------------
# streaming feature extraction
# ------------------------------------------------------------------------------------------


@dataclass
class Signals:
    """Per-frame compact signals (arrays of length N).

    Attributes:
        hist_d: joint-colour histogram distance to the previous frame, in [0, 1] (0 for frame 0).
        luma: mean luma 0-255.
        std: luma standard deviation 0-255.
        tiny: ``(N, 9, 16, 3)`` uint8 tiny thumbnails.
        times_s: presentation times in seconds (NaN when unknown).
    """

    hist_d: np.ndarray
    luma: np.ndarray
    std: np.ndarray
    tiny: np.ndarray
    times_s: np.ndarray

    def __len__(self) -> int:
        return len(self.luma)


class FrameFeatures:
    """Streaming per-frame feature extractor (consumes small RGB frames in decode order).

    Memory: the compact signals only, stored in fixed-size numpy chunks (448 bytes per frame:
    the 16×9×3 thumbnail plus four float32 values; float64 time).
    """

    look_behind = 1
    _CHUNK = 4096

    def __init__(self) -> None:
        self._prev_hist: np.ndarray | None = None
        self._n = 0
        self._scalars: list[np.ndarray] = []  # chunks of (CHUNK, 4) float32: hist_d, luma, std, spare
        self._times: list[np.ndarray] = []
        self._tiny: list[np.ndarray] = []

    def push(self, image: np.ndarray, time_s: Fraction | None) -> None:
        """Add one ``(H, W, 3)`` uint8 RGB analysis frame."""
        k = self._n % self._CHUNK
        if k == 0:
            self._scalars.append(np.zeros((self._CHUNK, 4), np.float32))
            self._times.append(np.full(self._CHUNK, np.nan))
            self._tiny.append(np.zeros((self._CHUNK, TINY[1], TINY[0], 3), np.uint8))
        image = np.ascontiguousarray(image)
        # joint 8×8×8 colour histogram (bins of 32 levels per channel)
        hist = cv2.calcHist([image], [0, 1, 2], None, [8, 8, 8], [0, 256, 0, 256, 0, 256]).ravel()
        hist /= max(1.0, float(hist.sum()))
        row = self._scalars[-1][k]
        row[0] = 0.0 if self._prev_hist is None else 0.5 * float(np.abs(hist - self._prev_hist).sum())
        self._prev_hist = hist
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        m, sd = cv2.meanStdDev(gray)
        row[1], row[2] = m[0, 0], sd[0, 0]
        self._tiny[-1][k] = cv2.resize(image, TINY, interpolation=cv2.INTER_AREA)
        if time_s is not None:
            self._times[-1][k] = float(time_s)
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def signals(self) -> Signals:
        """The collected signals as arrays."""
        n = self._n
        if n == 0:
            z = np.zeros(0, np.float32)
            return Signals(z, z, z, np.zeros((0, TINY[1], TINY[0], 3), np.uint8), np.zeros(0))
        sc = np.concatenate(self._scalars)[:n]
        tiny = np.concatenate(self._tiny)[:n]
        times = np.concatenate(self._times)[:n]
        self._scalars, self._tiny, self._times = [sc], [tiny], [times]  # no second copy kept
        return Signals(sc[:, 0].copy(), sc[:, 1].copy(), sc[:, 2].copy(), tiny, times)


# ------------------------------------------------------------------------------------------
# decisions
# ------------------------------------------------------------------------------------------


def _tiny_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference of tiny thumbnails on a 0-1 scale (broadcasts over leading axes)."""
    return np.abs(a.astype(np.float32) - b.astype(np.float32)).mean(axis=(-3, -2, -1)) / 255.0


def _local_background(x: np.ndarray, w: int) -> np.ndarray:
    """For each i, the mean of x over [i-w, i+w] without x[i] and its two largest neighbours
    (robust to another boundary nearby). Edges are padded by reflection."""
    n = len(x)
    if n == 0:
        return np.zeros(0, np.float32)
    pad = np.pad(x.astype(np.float32), w, mode="reflect" if n > w else "edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1).copy()
    win[:, w] = -np.inf  # drop the frame itself
    win.sort(axis=1)
    core = win[:, 1:-2] if 2 * w - 2 > 0 else win[:, 1:]
    return core.mean(axis=1).astype(np.float32)


class _Thumbs:
    """Float32 copies of the tiny thumbnails of frames ``first, first + 1, …`` for the fits that
    many candidate spans of one changed run share: interleaved ``(N, P·3)`` rows for the blend fit
    and channel-planar ``(3, N, P)`` for the selection fit (whose per-pixel channel sums are then
    contiguous adds). Values are the uint8 ones, exactly; only the layout differs."""

    def __init__(self, tiny: np.ndarray, first: int) -> None:
        f = tiny.reshape(len(tiny), -1, 3).astype(np.float32)
        self.first = first
        self.shape = tiny.shape[1:3]  # (h, w)
        self.rows = f.reshape(len(tiny), -1)
        self.planar = np.ascontiguousarray(f.transpose(2, 0, 1))
        self._hist: dict[int, np.ndarray] = {}
        self._tiny = tiny

    def hist(self, i: int) -> np.ndarray:
        """Normalised 64-bin colour histogram of frame ``i`` (see :func:`_hist_dist`)."""
        h = self._hist.get(i)
        if h is None:
            h = self._hist[i] = _hist64(self._tiny[i - self.first])
        return h


def _blend_fit(th: _Thumbs, s: int, e: int) -> tuple[float, np.ndarray]:
    """Fit each mixed frame s..e-1 as ``A + alpha (B - A)`` with A = frame s-1, B = frame e.

    Returns (relative residual = rms residual / rms(B - A), alphas).
    """
    o = th.first
    a, b = th.rows[s - 1 - o], th.rows[e - o]
    d = b - a
    dd = float(d @ d) + 1e-6
    x = th.rows[s - o:e - o] - a
    alpha = (x @ d) / dd
    res = x - alpha[:, None] * d[None, :]
    rel = float(np.sqrt((res**2).mean()) / np.sqrt(dd / len(d)))
    return rel, alpha


@functools.cache
def _line_labels(h: int, w: int) -> tuple[np.ndarray, ...]:
    """Per-pixel labels of columns, rows and the two diagonals (lines of constant u + v, u - v, in
    12 bands) of an h×w thumbnail, flattened."""
    yy, xx = np.mgrid[0:h, 0:w]
    u, v = xx / max(1, w - 1), yy / max(1, h - 1)
    return tuple(x.ravel() for x in (xx, yy, np.round((u + v) * 6).astype(int),
                                     np.round((u - v + 1) * 6).astype(int)))


def _select_fit(th: _Thumbs, s: int, e: int, early_exit: float = np.inf,
                monotone_tol: float | None = None) -> tuple[float, np.ndarray]:
    """Fit each pixel of each mixed frame s..e-1 as either A = frame s-1 or B = frame e (a wipe).
    Returns (relative residual, share of pixels taken from B per frame); only pixels that differ
    between A and B count.

    The shape tests (the revealed region only grows and is bounded by a line) can only raise the
    residual, so they are skipped — and the plain per-pixel residual returned — when it is already
    above ``early_exit`` or, with ``monotone_tol``, when the share is not monotone within it (no wipe)."""
    o = th.first
    pl = th.planar
    af, bf = pl[:, s - 1 - o], pl[:, e - o]  # (3, P)
    dab = np.abs(bf - af)
    diff = dab[0] + dab[1] + dab[2]
    mask = diff > max(30.0, 0.25 * float(diff.mean()))
    if mask.sum() < 8:
        return 1.0, np.zeros(e - s)
    seg = pl[:, s - o:e - o][:, :, mask]  # (3, L, M)
    da = np.abs(seg - af[:, None, mask])
    ea = da[0] + da[1] + da[2]
    db = np.abs(seg - bf[:, None, mask])
    eb = db[0] + db[1] + db[2]
    err = np.minimum(ea, eb)
    rel = float(err.mean() / diff[mask].mean())
    take_b = eb < ea  # (L, M)
    share = take_b.mean(axis=1)
    if rel > early_exit or (monotone_tol is not None and not _monotone(share, tol=monotone_tol)):
        return rel, share
    # a wipe's revealed region only grows: pixels taken from b stay taken (a pan does not do that)
    if e - s > 1:
        lost = (take_b[:-1] & ~take_b[1:]).sum() / max(1, int(take_b[:-1].sum()))
        rel = max(rel, float(lost))
    # ... and it is bounded by a line: whole columns (or rows, or diagonals) switch at once
    full = take_b.astype(np.float64)  # (L, M)
    best = 0.0
    for lines in _line_labels(*th.shape):
        lab = np.unique(lines[mask], return_inverse=True)[1]
        cnt = np.bincount(lab).astype(np.float64)
        nb = np.stack([np.bincount(lab, weights=fr, minlength=len(cnt)) for fr in full])
        f = nb / cnt[None, :]
        purity = (np.maximum(f, 1 - f) * cnt[None, :]).sum(axis=1) / cnt.sum()
        mixed = (share > 0.15) & (share < 0.85)  # judge the frames where both pictures show
        best = max(best, float(purity[mixed].mean() if mixed.any() else purity.mean()))
    if best < 0.85:
        rel = max(rel, 1.0)
    return rel, share


def _monotone(x: np.ndarray, tol: float = 0.12) -> bool:
    """True when x rises from near 0 to near 1 without large dips."""
    if len(x) < 2:
        return True
    running = np.maximum.accumulate(x)
    steps = np.diff(np.concatenate([[0.0], x, [1.0]]))
    # gradual: no dips, a real rise, and no single jump carrying most of the change (a cut or a flash)
    return bool((running - x).max() <= tol and x[-1] - x[0] > 0.3 and steps.max() <= 0.45)


def decide(sig: Signals, tuning: dict[str, float] | None = None) -> list[Transition]:
    """Turn per-frame signals into transitions (cuts first, then gradual ones between them).

    Args:
        sig: the signals of the whole video (see :class:`FrameFeatures`).
        tuning: overrides of :data:`DEFAULT_TUNING`.

    Returns:
        transitions sorted by start frame, non-overlapping.
    """
    p = {**DEFAULT_TUNING, **(tuning or {})}
    n = len(sig)
    if n < 2:
        return []
    tiny = sig.tiny
    pd = np.zeros(n, np.float32)
    for i in range(1, n, 8192):  # chunked: no float copy of all thumbnails at once
        j = min(n, i + 8192)
        pd[i:j] = _tiny_dist(tiny[i:j], tiny[i - 1:j - 1])
    flat = sig.std < p["flat_std"]
    # cut score: colour histogram change and tiny-image change (scaled to similar ranges)
    pdn = np.minimum(1.0, 2.5 * pd)
    score = 0.5 * np.maximum(sig.hist_d, pdn) + 0.5 * np.minimum(sig.hist_d, pdn)
    both_flat = flat.copy()
    both_flat[1:] &= flat[:-1]
    # between two flat frames the histogram only says which bin a uniform level fell into
    score[both_flat] = pdn[both_flat]
    score[0] = 0.0
    w = int(p["window"])
    bg = _local_background(score, w)
    k_flash = int(p["flash_frames"])
    cuts: list[Transition] = []
    for t in range(1, n):
        s = float(score[t])
        if s < p["cut_threshold"]:
            # a quiet cut: two takes or speakers on the same set change little of the picture, but the
            # change is one clean jump out of a still background (camera motion raises the background)
            if s < p["quiet_cut_threshold"] or s < p["quiet_cut_ratio"] * max(float(bg[t]), p["quiet_floor"]):
                continue
            quiet = True
        elif s < p["cut_ratio"] * bg[t]:
            continue
        else:
            quiet = False
        if t + 1 < n and score[t + 1] > s:  # the neighbour is the real jump
            continue
        if t - 1 >= 1 and score[t - 1] >= s:
            continue
        # flash / occlusion: a frame shortly after looks like the frame before the jump again
        jump = float(pd[t])
        ahead = tiny[t + 1:min(n, t + 1 + k_flash)]
        if len(ahead) and jump > 0:
            back = _tiny_dist(ahead, tiny[t - 1][None])
            if float(back.min()) < p["flash_similarity"] * jump and not (flat[t - 1] and not flat[t]):
                continue
        # ... or the end of one: the new frame looks like a frame shortly before the jump
        behind = tiny[max(0, t - 1 - k_flash):t - 1]
        if len(behind) and jump > 0:
            back = _tiny_dist(behind, tiny[t][None])
            if float(back.min()) < p["flash_similarity"] * jump and not (flat[t] and not flat[t - 1]):
                continue
        if quiet:
            margin = min(s / p["quiet_cut_threshold"],
                         s / (p["quiet_cut_ratio"] * max(float(bg[t]), p["quiet_floor"])))
        else:
            margin = min(s / p["cut_threshold"], s / max(1e-6, p["cut_ratio"] * bg[t]))
        conf = float(np.clip(0.5 + 0.5 * (1 - 1 / margin), 0.5, 1.0))
        cuts.append(Transition("cut", t, t, conf))
    grads = _gradual(sig, pd, flat, [c.start for c in cuts], p)
    # fades anchored on a flat hold, found from the luma/contrast ramp (robust to camera motion)
    for f in _flat_fades(sig, p):
        if not any(g.start <= f.end + 2 and f.start <= g.end + 2 for g in grads):
            grads.append(f)
    grads.sort(key=lambda tr: tr.start)
    return _merge(sorted(cuts + grads, key=lambda tr: tr.start))


def _merge(trs: list[Transition], gap: int = 2) -> list[Transition]:
    """Join pieces of one transition: gradual spans (and cuts) within ``gap`` frames of a gradual
    span become one span (a cut inside a fade or at the edge of a wipe is part of it)."""
    out: list[Transition] = []
    for tr in trs:
        if out:
            last = out[-1]
            near = tr.start - last.end <= gap
            # out and back in through a short hold: two fades (unless they overlap: one found twice)
            both_fades = last.type == tr.type == "fade" and tr.start > last.end
            weak_cut = (last.type == "cut" and last.confidence < 0.7 and tr.type != "wipe") or (
                tr.type == "cut" and tr.confidence < 0.7 and last.type != "wipe")
            joinable = (last.type != "cut" and tr.type != "cut") or weak_cut
            if near and joinable and not both_fades:
                kind = last.type if last.type != "cut" else tr.type
                if last.type != "cut" and tr.type != "cut" and last.type != tr.type:
                    kind = "fade" if "fade" in (last.type, tr.type) else "dissolve"
                w0, w1 = last.end - last.start + 1, tr.end - tr.start + 1
                conf = (last.confidence * w0 + tr.confidence * w1) / (w0 + w1)
                out[-1] = Transition(kind, min(last.start, tr.start), max(last.end, tr.end), conf)
                continue
        out.append(tr)
    return out


def _gradual(sig: Signals, pd: np.ndarray, flat: np.ndarray, cut_frames: list[int],
             p: dict[str, float]) -> list[Transition]:
    """Twin-comparison candidates verified by blend / selection fits."""
    n = len(sig)
    low = float(p["grad_low"])
    # adaptive low threshold: above the quiet background of the neighbourhood
    quiet = _rolling_quantile(pd, 45, 0.2)
    thr = np.maximum(low, 1.8 * quiet)
    active = pd > thr
    for c in cut_frames:
        active[c] = False  # cuts split runs
    runs: list[tuple[int, int]] = []
    t = 1
    while t < n:
        if active[t]:
            s = t
            while t < n and active[t]:
                t += 1
            runs.append((s, t - 1))  # changed frames s..t-1 (pd compares with the previous frame)
        else:
            t += 1
    # merge runs separated by a single quiet frame (noise)
    merged: list[tuple[int, int]] = []
    for r in runs:
        if merged and r[0] - merged[-1][1] <= 2 and r[0] - 1 not in cut_frames:
            merged[-1] = (merged[-1][0], r[1])
        else:
            merged.append(r)
    out: list[Transition] = []
    for s, e in merged:
        for a, b in _split_at_flat(s, e, flat, sig.std):
            tr = _verify(sig, a, b, flat, p)
            if tr is not None:
                out.append(tr)
            else:
                out.extend(_search(sig, a, b, flat, p))
    return out


def _search(sig: Signals, s: int, e: int, flat: np.ndarray, p: dict[str, float], depth: int = 0,
            th: _Thumbs | None = None) -> list[Transition]:
    """A run that is not one transition as a whole (a transition next to camera motion): find the
    sub-span whose blend/selection fit is best, then look left and right of it (``th``: the float
    thumbnails of an enclosing run, reused)."""
    lo_len, hi_len = int(p["grad_min_len"]), int(p["grad_max_len"])
    if e - s < lo_len or depth > 4:
        return []
    th = th or _Thumbs(sig.tiny[s - 1:e + 1], s - 1)
    rows, o = th.rows, th.first
    strict = {**p, "blend_residual": 0.7 * p["blend_residual"], "wipe_residual": 0.7 * p["wipe_residual"],
              "grad_min_len": max(8, lo_len)}
    lo_len = int(strict["grad_min_len"])
    # Every sub-span [a, b) is a candidate scored change × confidence, with confidence ≤ 1, so a
    # candidate whose end-to-end change is below the best score so far cannot win: visit them by
    # decreasing change and stop there (the winner is the same as in an exhaustive scan, ties going
    # to the shortest, then earliest span).
    cands: list[tuple[float, int, int, int]] = []  # (-change estimate, order, a, length)
    for length in range(lo_len, min(hi_len, e - s) + 1):
        a0 = np.arange(s, e - length + 1)
        if len(a0) == 0:
            continue
        est = np.abs(rows[a0 + length - o] - rows[a0 - 1 - o]).mean(axis=1) / 255.0
        base = len(cands)
        cands.extend((-float(c), base + k, int(a), length) for k, (c, a) in enumerate(zip(est, a0, strict=True)))
    cands.sort()
    best: tuple[float, int, Transition] | None = None  # (score, order, transition)
    for neg_est, order, a, length in cands:
        if best is not None and -neg_est < best[0] * (1 - 1e-5):
            break  # (the margin covers float32 rounding between the estimate and the exact change)
        b = a + length  # B frame; mixed a..b-1
        change = float(np.abs(rows[b - o] - rows[a - 1 - o]).mean() / 255.0)
        if change < p["grad_min_change"]:
            continue
        tr = _verify(sig, a, b, flat, strict, th)
        if tr is None:
            continue
        score = change * tr.confidence
        if best is None or score > best[0] or (score == best[0] and order < best[1]):
            best = (score, order, tr)
    if best is None:
        return []
    tr = best[2]
    return [*_search(sig, s, tr.start - 1, flat, p, depth + 1, th), tr,
            *_search(sig, tr.end + 2, e, flat, p, depth + 1, th)]


def _flat_fades(sig: Signals, p: dict[str, float]) -> list[Transition]:
    """Fades in/out of a flat (black, white or uniform) hold, from the contrast ramp alone.

    With the hold's level L, the "picture energy" ``c = std + |mean - L|`` of a fade grows (fade-in)
    or shrinks (fade-out) every frame; a picture's own motion leaves it roughly constant. A ramp of
    at least ``grad_min_len`` frames that ends on a non-flat frame is a fade (a pure luma ramp of a
    blank field never ends on a picture, so it is not one).
    """
    n = len(sig)
    std, luma = sig.std.astype(np.float64), sig.luma.astype(np.float64)
    hold = std < min(3.0, p["flat_std"])
    out: list[Transition] = []
    min_len = int(p["grad_min_len"])

    def energy(i: int, level: float) -> float:
        return float(std[i] + abs(luma[i] - level))

    def rising(a: float, b: float) -> bool:  # b clearly above a
        return b - a > max(0.15, 0.006 * b)

    for i in range(n):
        if not hold[i]:
            continue
        level = float(luma[i])
        # fade-in: i is the last hold frame before the ramp
        if i + 1 < n and rising(energy(i, level), energy(i + 1, level)):
            j = i + 1
            while j + 1 < n and rising(energy(j, level), energy(j + 1, level)) and j - i <= p["grad_max_len"]:
                j += 1
            b = j  # first full frame
            if b - 1 - i >= min_len and std[b] >= max(p["flat_std"], 10.0):
                conf = float(np.clip(std[b] / 40.0, 0.5, 0.95))
                out.append(Transition("fade", i + 1, b - 1, conf))
        # fade-out: i is the first hold frame after the ramp
        if i - 1 >= 0 and rising(energy(i, level), energy(i - 1, level)):
            j = i - 1
            while j - 1 >= 0 and rising(energy(j, level), energy(j - 1, level)) and i - j <= p["grad_max_len"]:
                j -= 1
            a = j  # last full frame
            if i - 1 - a >= min_len and std[a] >= max(p["flat_std"], 10.0):
                conf = float(np.clip(std[a] / 40.0, 0.5, 0.95))
                out.append(Transition("fade", a + 1, i - 1, conf))
    return out


def _rolling_quantile(x: np.ndarray, half: int, q: float) -> np.ndarray:
    """Quantile ``q`` of x over [i-half, i+half] for each i (edges padded by reflection)."""
    n = len(x)
    pad = np.pad(x.astype(np.float32), half, mode="reflect" if n > half else "edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1)
    return np.quantile(win, q, axis=1).astype(np.float32)


def _split_at_flat(s: int, e: int, flat: np.ndarray, std: np.ndarray) -> Iterator[tuple[int, int]]:
    """Split a changed run [s, e] where it dips through a flat frame (fade out then in with no
    hold): at the flattest frame strictly inside the run, when the run has content on both sides."""
    if e - s < 2:
        yield s, e
        return
    inner = np.arange(s, e)  # candidates for the dip (B of the first piece)
    m = int(inner[np.argmin(std[s:e])])
    if flat[m] and not flat[max(0, s - 1)] and not flat[e] and m > s:
        yield s, m
        yield m + 1, e
        return
    yield s, e


def _verify(sig: Signals, s: int, e: int, flat: np.ndarray, p: dict[str, float],
            th: _Thumbs | None = None) -> Transition | None:
    """Check a changed run (frames s..e differ from their predecessors) as a gradual transition.

    The end frames are A = frame s-1 and B = frame e; the mixed frames are s..e-1. ``th``: float
    thumbnails covering frames s-1..e (made here when omitted).
    """
    n = len(sig)
    if s < 1 or e >= n:
        return None
    length = e - s  # mixed frames
    if length < p["grad_min_len"] or length > p["grad_max_len"]:
        return None
    a, b = sig.tiny[s - 1], sig.tiny[e]
    if flat[s - 1] and flat[e]:
        return None  # a luma ramp between two pictureless frames is no transition
    change = float(_tiny_dist(a[None], b[None])[0])
    th = th or _Thumbs(sig.tiny[s - 1:e + 1], s - 1)
    hist_change = _hist_dist(th.hist(s - 1), th.hist(e))
    if max(change * 2.5, hist_change) < p["grad_min_change"] * 2.5 and change < p["grad_min_change"]:
        return None
    rel, alpha = _blend_fit(th, s, e)
    kind: TransitionType | None = None
    conf = 0.0
    if rel <= p["blend_residual"] and _monotone(alpha):
        kind = "fade" if (flat[s - 1] or flat[e]) else "dissolve"
        conf = 1.0 - rel / p["blend_residual"] * 0.5
        if kind == "dissolve" and not _contrast_dip(sig.std, s, e, p):
            kind = None  # a zoom or pan that happens to look like a blend at thumbnail size
    if kind is None and not (flat[s - 1] or flat[e]):  # a wipe joins two pictures
        wrel, share = _select_fit(th, s, e, early_exit=p["wipe_residual"], monotone_tol=0.15)
        if wrel <= p["wipe_residual"] and _monotone(share, tol=0.15):
            kind = "wipe"
            conf = 1.0 - wrel / p["wipe_residual"] * 0.5
    if kind is None:
        return None
    conf *= float(np.clip(change / p["grad_min_change"], 0.5, 1.0))
    first, last = s, e - 1
    if kind == "fade":  # the flat end keeps darkening/brightening a little: it is still the fade
        lum = sig.luma
        if flat[e]:
            while last + 2 < n and flat[last + 2] and abs(float(lum[last + 2] - lum[last + 1])) > 0.3:
                last += 1
        if flat[s - 1]:
            while first - 2 >= 0 and flat[first - 2] and abs(float(lum[first - 1] - lum[first - 2])) > 0.3:
                first -= 1
    return Transition(kind, first, last, float(np.clip(conf, 0.05, 1.0)))


def _contrast_dip(std: np.ndarray, s: int, e: int, p: dict[str, float]) -> bool:
    """True when the luma contrast in the middle of [s, e) dips below the straight line between the
    end frames (a superimposition of two pictures has less contrast than either: for independent
    pictures the variance at mix weight a is (1-a)²σA² + a²σB²); a camera move keeps it level."""
    lo, hi = float(std[s - 1]), float(std[e])
    mid = np.arange(s + (e - s) // 4, e - (e - s) // 4)
    if len(mid) == 0:
        return True
    line = lo + (hi - lo) * (mid - (s - 1)) / (e - (s - 1))
    return bool(float(np.min(std[mid] / np.maximum(line, 1e-3))) < p["dissolve_dip"])


def _hist64(x: np.ndarray) -> np.ndarray:
    """Normalised joint colour histogram of a tiny RGB thumbnail (coarse 4×4×4 bins), float32 (64,)."""
    q = (x >> 6).astype(np.int32)
    idx = (q[..., 0] << 4) | (q[..., 1] << 2) | q[..., 2]
    v = np.bincount(idx.ravel(), minlength=64).astype(np.float32)
    return v / v.sum()


def _hist_dist(ha: np.ndarray, hb: np.ndarray) -> float:
    """Distance of two :func:`_hist64` histograms, in [0, 1]."""
    return 0.5 * float(np.abs(ha - hb).sum())


def shots_from_transitions(transitions: Iterable[Transition], frame_count: int) -> list[Shot]:
    """Partition ``[0, frame_count)`` into shots at the transitions.

    A cut at N starts a shot at N; a gradual transition [s, e] starts the new shot at its middle
    frame ``(s + e + 1) // 2`` unless the transition reaches within one frame of either end of the
    video (a fade-in from the first frame or a fade-out to the last belongs to its only shot).
    """
    starts: list[int] = [0]
    for tr in transitions:
        if tr.type == "cut":
            b = tr.start
        else:
            if tr.start <= 1 or tr.end >= frame_count - 2:  # a fade-in at the head, a fade-out at the tail
                continue
            b = (tr.start + tr.end + 1) // 2
        if starts[-1] < b < frame_count:
            starts.append(b)
    ends = [*starts[1:], frame_count]
    return [Shot(i, s, e - 1) for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


# ------------------------------------------------------------------------------------------
# the detector (run by reelkit.analysis.driver)
# ------------------------------------------------------------------------------------------


class ShotBoundaryDetector(Detector):
    """The shot detector as a :class:`reelkit.analysis.driver.Detector`: streams 128-px RGB frames
    into :class:`FrameFeatures`, decides at the end (:func:`decide`).

    ``finish()`` returns the :class:`ShotDetection`; the compact signals stay on ``.signals``.

    Raises (from ``start``/``finish``): UsageError for unknown tuning names; MediaError for a still
    image, no usable frame rate, or no decoded frame.
    """

    name = "shots"
    version = "1"

    def __init__(self, **tuning: float) -> None:
        unknown = set(tuning) - set(DEFAULT_TUNING)
        if unknown:
            raise UsageError(f"unknown shot-detection parameter(s): {', '.join(sorted(unknown))}",
                             hint=f"known: {', '.join(DEFAULT_TUNING)}")
        self.tuning = {**DEFAULT_TUNING, **tuning}
        self.video = VideoNeed(max_side=int(self.tuning["max_side"]), pixel_format="rgb24")
        self.feats = FrameFeatures()
        self.signals: Signals | None = None
        self._info: MediaInfo | None = None

    def params(self) -> dict[str, Any]:
        """Every tuning value (defaults included), so a changed default is a different result."""
        return dict(self.tuning)

    def start(self, info: MediaInfo) -> None:
        """Refuse stills and media without a frame rate before anything is decoded."""
        video = info.require_video()
        if video.rate is None and (video.frames == 1 or info.container.endswith("_pipe")
                                   or info.container == "image2"):
            raise MediaError(f"{info.path} is a still image, not a video: shot detection needs moving pictures",
                             hint="a single picture is one shot; pass a video file")
        info.require_rate()
        self._info = info

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Add one analysis frame."""
        self.feats.push(frame.image, frame.time_s)

    def finish(self) -> ShotDetection:
        """Decide the boundaries and partition the frames into shots."""
        info = self._info
        assert info is not None, "start() was not called"
        n = len(self.feats)
        if n == 0:
            raise NoFrameError(f"{info.path}: no video frame could be decoded", hint="is the file truncated?")
        sig = self.signals = self.feats.signals()
        transitions = decide(sig, self.tuning)
        shots = shots_from_transitions(transitions, n)
        times = sig.times_s if not np.isnan(sig.times_s).any() else None
        video = info.require_video()
        return ShotDetection(video=info.path, rate=info.require_rate(), frame_count=n, transitions=transitions,
                             shots=shots, times_s=times, vfr=bool(video.vfr))


class _Consumer(Detector):
    """Adapter: an object with ``push(image, time_s)`` as a detector on the same analysis frames."""

    def __init__(self, name: str, consumer: Any, need: VideoNeed) -> None:
        self.name = name  # type: ignore[misc]
        self.consumer = consumer
        self.video = need

    def on_frame(self, frame: Frame, window: Window) -> None:
        self.consumer.push(frame.image, frame.time_s)


def analyse(path: str | os.PathLike[str], *, info: MediaInfo | None = None, progress: ProgressFn | None = None,
            consumers: Iterable[Any] = (), **tuning: float) -> tuple[ShotDetection, Signals]:
    """Decode once (through :func:`reelkit.analysis.driver.run_detectors`) and run the shot detector
    plus optional extra per-frame ``consumers``.

    A consumer has ``push(image: ndarray RGB uint8, time_s)``; they see the same analysis frames.
    Returns the detection and the compact signals. See :func:`detect_shots` for errors.
    """
    det = ShotBoundaryDetector(**tuning)
    src = check_input_file(path, what="video")
    extra = [_Consumer(f"consumer{k}", c, det.video) for k, c in enumerate(consumers)]
    out = run_detectors(src, [det, *extra], info=info or probe(src), progress=progress)
    assert det.signals is not None
    return out["shots"], det.signals


def detect_shots(path: str | os.PathLike[str], *, info: MediaInfo | None = None,
                 progress: ProgressFn | None = None, **tuning: float) -> ShotDetection:
    """Find the shots of a video: hard cuts and gradual transitions, with a confidence each.

    Args:
        path: a video file.
        info: a :func:`reelkit.media.probe` result to reuse.
        progress: called with ``(frames_done, frames_total_or_None)``.
        **tuning: overrides of :data:`DEFAULT_TUNING` (e.g. ``cut_threshold=0.4``).

    Returns:
        :class:`ShotDetection` (frame indices are 0-based decoded-frame indices).

    Raises:
        MediaNotFoundError, UnsupportedMediaError, NoVideoStreamError, MediaError (no usable frame
        rate, nothing decodable), DecodeError, MediaLimitError; UsageError for unknown tuning names.
    """
    det, _ = analyse(path, info=info, progress=progress, **tuning)
    return det
