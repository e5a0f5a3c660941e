"""The 2-D virtual camera of reframing: a crop window planned as a smooth pan/tilt path per shot.

A crop window of fixed size (the "zoom") moves over the source picture. For each shot the planner
gets the box that must stay visible in every frame (the required subject, in source pixels, NaN
where it was not observed) and decides between three camera behaviours, as a camera operator
would:

* ``steady`` — one window position contains the subject (with its framing margin) in every frame
  of the shot: the camera does not move at all, however much the subject fidgets inside it;
* ``pan`` — the subject travels one way across the shot: a smooth, nearly constant-velocity move;
* ``track`` — anything else: follow the subject.

Moving paths are the solution of a small quadratic program per axis::

    minimise  Σ c_t (x_t − x*_t)² + w_v Σ (Δx)² + w_a Σ (Δ²x)² + w_j Σ (Δ³x)²
    subject to lo_t ≤ x_t ≤ hi_t          (subject inside the window, window inside the picture)
               |Δx_t| ≤ v_max, |Δ²x_t| ≤ a_max   (bounded speed and acceleration)

where ``x*`` is the framing target (subject centre plus lead room in the direction of motion, or
the eye line at ~38 % of the window height for faces and a headroom margin for bodies). The QP is
solved with a sparse ADMM iteration (the OSQP scheme, written here with scipy's sparse LU): the
Hessian and the constraint matrix are banded, so one factorisation serves all iterations. The
containment interval is enforced exactly at the end (a subject faster than ``v_max`` wins over the
speed bound). Each shot is planned alone, so the window never moves across a cut.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, median_filter, minimum_filter1d
from scipy.sparse.linalg import splu

from reelkit.errors import UsageError

__all__ = ["CropPath", "Framing", "ShotPlan", "crop_size", "diff_matrix", "parse_aspect", "path_jerk",
           "plan_shot", "simplify_keyframes", "solve_path_qp"]

_NAMED = {"vertical": "9:16", "portrait": "9:16", "square": "1:1", "landscape": "16:9", "widescreen": "16:9"}


def parse_aspect(text: str | Fraction) -> Fraction:
    """Parse an output aspect ratio ``W:H`` (``9:16``, ``1:1``, ``4:5``), ``W/H`` or a decimal.

    Also accepts ``vertical``/``portrait`` (9:16), ``square`` (1:1), ``landscape`` (16:9).

    Returns:
        width / height as a Fraction (> 0).

    Raises:
        UsageError: zero, negative, absurd (outside 1:10 … 10:1) or unparseable ratios.
    """
    if isinstance(text, Fraction):
        value = text
    else:
        s = _NAMED.get(str(text).strip().lower(), str(text).strip())
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)", s)
        try:
            if m:
                num, den = Fraction(m.group(1)), Fraction(m.group(2))
                if den == 0 or num == 0:
                    raise UsageError(f"aspect ratio {text!r} has a zero side; use W:H like 9:16, 1:1 or 4:5")
                value = num / den
            else:
                value = Fraction(s)
        except (ValueError, ZeroDivisionError):
            raise UsageError(f"cannot read aspect ratio {text!r}; use W:H like 9:16, 1:1 or 4:5") from None
    if value <= 0:
        raise UsageError(f"aspect ratio {text!r} must be positive; use W:H like 9:16")
    if not Fraction(1, 10) <= value <= 10:
        raise UsageError(f"aspect ratio {text!r} is outside 1:10 … 10:1")
    return value


def crop_size(source: tuple[int, int], aspect: Fraction) -> tuple[int, int]:
    """The largest window of ``aspect`` (width/height) inside ``source`` ``(w, h)``; even sizes.

    Even sizes let 4:2:0 encoders take the crop without rescaling; the window is at least 2×2.
    """
    sw, sh = source
    if Fraction(sw, sh) > aspect:  # source is wider: full height
        h = sh
        w = min(sw, round(sh * aspect))
    else:
        w = sw
        h = min(sh, round(sw / aspect))
    w, h = max(2, w - w % 2), max(2, h - h % 2)
    return int(w), int(h)


@dataclass(frozen=True)
class Framing:
    """How the virtual camera frames a subject (fractions of the crop window unless stated).

    Attributes:
        margin: free space kept between the subject box and the window edges (containment uses
            it when it can, then falls back to zero margin).
        eye_line: where a face's centre goes, from the window top (0.38 ≈ rule of thirds).
        headroom: space above a body/object box.
        lead_room: extra space ahead of a moving subject at full speed.
        max_speed: speed bound in window widths per second.
        max_accel: acceleration bound in window widths per second².
        pan_ratio: a shot whose target moves monotonically (net travel ≥ this × total travel) pans.
        smooth_s: time constant of the track smoother in seconds (larger = lazier camera).
    """

    margin: float = 0.06
    eye_line: float = 0.38
    headroom: float = 0.08
    lead_room: float = 0.10
    max_speed: float = 1.5
    max_accel: float = 3.0
    pan_ratio: float = 0.85
    smooth_s: float = 0.5


@dataclass(frozen=True)
class ShotPlan:
    """One shot of a crop path: ``[start, end]`` (inclusive frames), camera mode, split panels, and
    the framing decision (``{"subject", "reason", "people", "tracks": [{"id", "importance", parts...}]}``)."""

    start: int
    end: int
    mode: str
    panels: tuple[tuple[int, int, int, int], ...] = ()
    decision: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "mode": self.mode}
        if self.panels:
            d["panels"] = [list(p) for p in self.panels]
        if self.decision is not None:
            d["decision"] = self.decision
        return d


@dataclass
class CropPath:
    """Per-frame crop windows in source pixels plus the shots they were planned in.

    Attributes:
        source_size: ``(w, h)`` of the upright source picture.
        aspect: output aspect ratio (width / height).
        windows: ``(n, 4)`` float array of ``x, y, w, h`` per frame (source pixels; x/y sub-pixel,
            w/h whole pixels).
        shots: the plan of each shot; modes ``steady``, ``pan``, ``track``, ``split`` (two stacked
            panels, see :attr:`ShotPlan.panels`), ``pad`` (whole picture on a blurred fill) or
            ``passthrough`` (the source already has the aspect).
    """

    source_size: tuple[int, int]
    aspect: Fraction
    windows: np.ndarray
    shots: list[ShotPlan] = field(default_factory=list)
    video: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The issue-7 JSON: ``{"video", "aspect", "frames": [{"frame","x","y","w","h"}], "shots"}``."""
        return {
            "video": self.video,
            "aspect": f"{self.aspect.numerator}:{self.aspect.denominator}",
            "frames": [{"frame": i, "x": _num(x), "y": _num(y), "w": int(w), "h": int(h)}
                       for i, (x, y, w, h) in enumerate(self.windows.tolist())],
            "shots": [s.to_dict() for s in self.shots],
        }


def _num(v: float) -> int | float:
    """A JSON number: an int when whole, else rounded to 1/100."""
    r = round(float(v), 2)
    return int(r) if r == int(r) else r


def diff_matrix(n: int, order: int) -> sp.csr_matrix:
    """``(n − order, n)`` sparse finite-difference operator of the given order (empty if n ≤ order)."""
    if n <= order:
        return sp.csr_matrix((0, n))
    coef = [math.comb(order, k) * (-1) ** (order - k) for k in range(order + 1)]
    return sp.diags([float(v) for v in coef], list(range(order + 1)), shape=(n - order, n), format="csr")


def _pdas(p: sp.csc_matrix, q: np.ndarray, lo: np.ndarray, hi: np.ndarray, x0: np.ndarray,
          max_iter: int = 60) -> np.ndarray:
    """Primal-dual active set (Hintermüller–Ito–Kunisch) for ``min ½xᵀPx + qᵀx, lo ≤ x ≤ hi``.

    Each iteration fixes the active bounds and solves the remaining (banded) system once; for the
    strictly convex, diagonally dominant-ish systems of path smoothing it settles in a few steps.
    """
    n = len(q)
    x = np.clip(x0, lo, hi)
    mu = p @ x + q
    c = max(1.0, float(np.median(p.diagonal())))
    prev: tuple[bytes, bytes] | None = None
    for _ in range(max_iter):
        act_lo = mu + c * (lo - x) > 0
        act_hi = mu + c * (hi - x) < 0
        act_hi &= ~act_lo
        key = (act_lo.tobytes(), act_hi.tobytes())
        if key == prev:
            break
        prev = key
        free = ~(act_lo | act_hi)
        x = np.where(act_lo, lo, np.where(act_hi, hi, x))
        if free.any():
            fi = np.flatnonzero(free)
            ai = np.flatnonzero(~free)
            rhs = -q[fi] - (p[fi][:, ai] @ x[ai] if len(ai) else 0.0)
            x[fi] = splu(p[fi][:, fi].tocsc()).solve(rhs)
        mu = p @ x + q
        mu[free] = 0.0
    return np.clip(x, lo, hi) if n else x


def solve_path_qp(target: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, weights: np.ndarray | None = None,
                  w_vel: float = 0.0, w_acc: float = 0.0, w_jerk: float = 0.0, v_max: float = math.inf,
                  a_max: float = math.inf, iterations: int = 1500, tol: float = 0.02) -> np.ndarray:
    """Solve the smooth-path QP of the module docstring for one axis (all values in pixels/frames).

    The containment bounds are solved exactly by a primal-dual active-set method. When that optimum
    breaks the speed or acceleration bound, an OSQP-style ADMM iteration (one sparse LU
    factorisation, over-relaxation) warm-started from it adds those constraints.

    Args:
        target: ``(n,)`` desired positions x*.
        lo, hi: ``(n,)`` hard bounds (containment); where ``lo > hi`` the midpoint is used.
        weights: ``(n,)`` tracking weights c_t ≥ 0 (default 1).
        w_vel, w_acc, w_jerk: smoothness weights on the 1st, 2nd, 3rd differences.
        v_max, a_max: bounds on |Δx| (px/frame) and |Δ²x| (px/frame²).
        iterations, tol: ADMM iteration cap and residual tolerance (pixels).

    Returns:
        ``(n,)`` float positions within ``[lo, hi]``.
    """
    n = len(target)
    lo = np.asarray(lo, float)
    hi = np.asarray(hi, float)
    mid = (lo + hi) / 2.0
    lo, hi = np.where(lo > hi, mid, lo), np.where(lo > hi, mid, hi)
    if n == 0:
        return np.zeros(0)
    c = np.ones(n) if weights is None else np.maximum(np.asarray(weights, float), 0.0)
    if n == 1:
        return np.clip(np.asarray(target, float), lo, hi)
    off = float(np.mean(target))
    t = np.asarray(target, float) - off
    lo_s, hi_s = lo - off, hi - off
    d1, d2, d3 = diff_matrix(n, 1), diff_matrix(n, 2), diff_matrix(n, 3)
    p = (2.0 * (sp.diags(c + 1e-9) + w_vel * (d1.T @ d1) + w_acc * (d2.T @ d2) + w_jerk * (d3.T @ d3))).tocsc()
    q = -2.0 * c * t
    x = _pdas(p, q, lo_s, hi_s, t)
    eps = 1e-6
    if np.all(np.abs(d1 @ x) <= v_max + eps) and np.all(np.abs(d2 @ x) <= a_max + eps):
        return np.clip(x + off, lo, hi)
    a = sp.vstack([sp.identity(n, format="csr"), d1, d2], format="csc")
    lower = np.concatenate([lo_s, np.full(d1.shape[0], -v_max), np.full(d2.shape[0], -a_max)])
    upper = np.concatenate([hi_s, np.full(d1.shape[0], v_max), np.full(d2.shape[0], a_max)])
    rho = max(1e-3, float(np.median(p.diagonal())))
    sigma, alpha = 1e-6, 1.6
    at = a.T.tocsr()
    a = a.tocsr()
    kkt = splu((p + sigma * sp.identity(n) + rho * (at @ a)).tocsc())
    z = np.clip(a @ x, lower, upper)
    y = np.zeros(a.shape[0])
    for _ in range(iterations):
        x_t = kkt.solve(sigma * x - q + at @ (rho * z - y))
        z_t = a @ x_t
        x = alpha * x_t + (1 - alpha) * x
        z_relax = alpha * z_t + (1 - alpha) * z
        z_new = np.clip(z_relax + y / rho, lower, upper)
        y = y + rho * (z_relax - z_new)
        moved = float(np.max(np.abs(z_new - z)))
        z = z_new
        if float(np.max(np.abs(a @ x - z))) < tol and moved < tol:
            break
    return np.clip(x + off, lo, hi)


def _fill_nan(values: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaNs (ends held); all-NaN stays all-NaN."""
    v = np.asarray(values, float).copy()
    ok = np.isfinite(v)
    if ok.all() or not ok.any():
        return v
    idx = np.arange(len(v))
    v[~ok] = np.interp(idx[~ok], idx[ok], v[ok])
    return v


def path_jerk(positions: np.ndarray) -> float:
    """Mean absolute third difference of a path (px/frame³); 0 for paths shorter than 4 frames."""
    p = np.asarray(positions, float)
    if p.ndim == 1:
        p = p[:, None]
    if len(p) < 4:
        return 0.0
    return float(np.mean(np.abs(np.diff(p, 3, axis=0))))


def _axis_plan(lo_req: np.ndarray, hi_req: np.ndarray, target: np.ndarray, size: int, extent: int,
               margin: float, rate: float, framing: Framing, weights: np.ndarray) -> tuple[np.ndarray, str]:
    """Plan one axis of the window's left/top edge for one shot.

    ``lo_req``/``hi_req`` are the subject's extent on this axis per frame (NaN = unknown), ``target``
    the desired window centre. Returns (edge positions, mode).
    """
    n = len(target)
    free = float(extent - size)
    if free <= 0:
        return np.zeros(n), "steady"
    known = np.isfinite(lo_req) & np.isfinite(hi_req)
    # window edge e must satisfy hi_req + m - size <= e <= lo_req - m, and 0 <= e <= free
    for m in (margin * size, 0.0):
        lo = np.where(known, hi_req + m - size, 0.0)
        hi = np.where(known, lo_req - m, free)
        lo, hi = np.clip(lo, 0.0, free), np.clip(hi, 0.0, free)
        if known.any() and lo.max() <= hi.min():
            break
    centre_edge = np.clip(target - size / 2.0, 0.0, free)
    if lo.max() <= hi.min():
        # steady: the subject fits for the whole shot; sit as close to the median target as allowed
        want = float(np.median(centre_edge[known])) if known.any() else float(np.median(centre_edge))
        return np.full(n, float(np.clip(want, lo.max(), hi.min()))), "steady"
    fps = max(1.0, rate)
    # detector jitter must not shake the camera through the bounds: a running envelope (tighter,
    # never looser, than the raw bounds) then a light Gaussian keeps them smooth; the margin
    # absorbs the Gaussian's rounding of the envelope's corners
    win = max(1, round(0.3 * fps) | 1)
    if n >= 3:
        lo = gaussian_filter1d(maximum_filter1d(lo, win, mode="nearest"), win / 4.0, mode="nearest")
        hi = gaussian_filter1d(minimum_filter1d(hi, win, mode="nearest"), win / 4.0, mode="nearest")
        lo, hi = np.clip(lo, 0.0, free), np.clip(hi, 0.0, free)
    infeasible = lo > hi
    lo = np.where(infeasible, (lo + hi) / 2.0, lo)  # cannot contain: centre on the subject
    hi = np.where(infeasible, lo, hi)
    v_max = framing.max_speed * size / fps
    a_max = framing.max_accel * size / fps**2
    smooth = gaussian_filter1d(centre_edge, max(1.0, fps / 2.0), mode="nearest") if n >= 3 else centre_edge
    travel = np.abs(np.diff(smooth)).sum()
    net = abs(smooth[-1] - smooth[0])
    ts = framing.smooth_s * fps  # smoothing time constant in frames
    if travel > 0 and net >= framing.pan_ratio * travel:
        mode = "pan"
        w_vel, w_acc, w_jerk = 0.0, (2.0 * ts) ** 4, (2.0 * ts) ** 6 * 0.1
    else:
        mode = "track"
        w_vel, w_acc, w_jerk = ts**2 * 0.5, ts**4 * 0.5, ts**6 * 0.05
    path = solve_path_qp(centre_edge, lo, hi, weights=weights, w_vel=w_vel, w_acc=w_acc, w_jerk=w_jerk,
                         v_max=v_max, a_max=a_max)
    return path, mode


def plan_shot(boxes: np.ndarray, *, source_size: tuple[int, int], window: tuple[int, int], rate: float,
              framing: Framing | None = None, face: bool = False,
              confidence: np.ndarray | None = None, gaze: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """Plan the crop window of one shot.

    Args:
        boxes: ``(n, 4)`` required-subject box per frame of the shot (x, y, w, h in source pixels),
            NaN rows where nothing was observed. All-NaN: a steady centred window.
        source_size: ``(W, H)`` of the source picture.
        window: ``(w, h)`` of the crop window (≤ source).
        rate: frames per second (for the speed/acceleration bounds and the smoother).
        framing: margins and bounds.
        face: the boxes are faces (eye-line placement) rather than bodies/objects (headroom).
        confidence: ``(n,)`` observation weights (default 1 where observed).
        gaze: ``(n,)`` horizontal look direction of the subject in [-1, 1] (left … right); half of
            the lead room goes in the direction of the look (look room), added to the motion lead.

    Returns:
        ``((n, 4) float windows, mode)`` with mode ``steady``, ``pan`` or ``track`` (the moving axis
        decides; a shot is steady only when no axis moves).
    """
    framing = framing or Framing()
    b = np.asarray(boxes, float).reshape(-1, 4)
    n = len(b)
    sw, sh = source_size
    cw, ch = window
    if n == 0:
        return np.zeros((0, 4)), "steady"
    known = np.all(np.isfinite(b), axis=1)
    if not known.any():
        x = np.full(n, (sw - cw) / 2.0)
        y = np.full(n, (sh - ch) / 2.0)
        return np.stack([x, y, np.full(n, cw), np.full(n, ch)], 1), "steady"
    # robust observations: interpolate gaps, then a short median removes single-frame detector jumps
    k = min(n if n % 2 else n - 1, 5)
    filled = np.stack([_fill_nan(b[:, i]) for i in range(4)], 1)
    if k >= 3:
        filled = median_filter(filled, size=(k, 1), mode="nearest")
    x0, y0, bw, bh = filled.T
    x1, y1 = x0 + bw, y0 + bh
    cx = (x0 + x1) / 2.0
    # lead room: shift the target ahead of the subject's (smoothed) motion
    vel = np.gradient(median_filter(cx, size=min(n, 9), mode="nearest")) if n > 2 else np.zeros(n)
    v_ref = 0.01 * cw  # px/frame at which the full lead room applies
    lead = vel / v_ref
    if gaze is not None:
        g = np.asarray(gaze, float).reshape(-1)[:n]
        g = median_filter(np.where(np.isfinite(g), g, 0.0), size=min(n if n % 2 else n - 1, 9) or 1, mode="nearest")
        lead = lead + 0.5 * np.clip(g, -1.0, 1.0)
    target_x = cx + framing.lead_room * cw * np.clip(lead, -1.0, 1.0)
    if face:
        target_y = (y0 + y1) / 2.0 + ch / 2.0 - framing.eye_line * ch
    else:
        target_y = y0 - framing.headroom * ch + ch / 2.0
        target_y = np.where(bh > ch * (1 - framing.headroom), (y0 + y1) / 2.0, target_y)
    w = np.where(known, 1.0, 0.2) if confidence is None else np.where(known, np.asarray(confidence, float), 0.2)
    xs, mode_x = _axis_plan(x0, x1, target_x, cw, sw, framing.margin, rate, framing, w)
    # vertical: faces need room for the chin/shoulders below, bodies for headroom above
    ys, mode_y = _axis_plan(y0, y1, target_y, ch, sh, framing.margin, rate, framing, w)
    modes = {mode_x, mode_y} - {"steady"}
    mode = "track" if "track" in modes else ("pan" if modes else "steady")
    return np.stack([xs, ys, np.full(n, float(cw)), np.full(n, float(ch))], 1), mode


def simplify_keyframes(values: np.ndarray, tolerance: float) -> list[int]:
    """Indices of keyframes whose linear interpolation stays within ``tolerance`` of ``values``.

    Ramer–Douglas–Peucker on a multi-dimensional path sampled at integer frames: a steady path
    gives its two ends, a linear pan also two, a tracked path more where it bends.

    Args:
        values: ``(n, d)`` path (e.g. window x, y per frame).
        tolerance: largest allowed deviation (same units as ``values``, e.g. source pixels).

    Returns:
        Sorted frame indices (always including 0 and n−1).
    """
    v = np.asarray(values, float)
    if v.ndim == 1:
        v = v[:, None]
    n = len(v)
    if n <= 2:
        return list(range(n))
    keep = {0, n - 1}
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        t = (np.arange(i + 1, j) - i) / (j - i)
        interp = v[i] + (v[j] - v[i]) * t[:, None]
        err = np.max(np.abs(v[i + 1:j] - interp), axis=1)
        k = int(np.argmax(err))
        if err[k] > tolerance:
            m = i + 1 + k
            keep.add(m)
            stack += [(i, m), (m, j)]
    return sorted(keep)
