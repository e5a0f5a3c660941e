"""Colour transfer: fit a :class:`~reelkit.color.grade.Grade` that makes a source look like a reference.

Methods (``METHODS``):

- ``mkl``: mean/covariance transfer (Monge–Kantorovich linear, Pitié & Kokaram 2007), an affine
  map on display RGB.
- ``hist``: per-channel histogram matching (three monotone curves).
- ``pdf``: multivariate (N-d) distribution transfer: iterative sliced optimal transport (Pitié's
  N-dimensional PDF transfer with random rotations) whose moves are regularised, at every
  iteration, by fitting a smooth 17³ lattice (tetrahedral, second-difference penalty) to them. The
  regularisation makes the result a smooth function of colour (no grain, no banding, bakeable)
  and steers it to the map a colourist would use (curves + matrix-like) among the many maps that
  reproduce the reference distribution. The default.
- ``composite``: ``pdf`` globally, then a mean/covariance correction fitted on skin-tone pixels only
  (the source's skin as ``pdf`` renders it → the reference's skin) blended in by skin membership,
  so faces land on the reference's skin tones even where the global transfer drifts.

All methods work on pixel samples pooled from one or more images/frames; the result is one grade.
A reference that is a single flat colour has no spread to match: every method then matches the
average colour only (linear-light gains) and says so in :attr:`MatchResult.notes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from reelkit.color.grade import AffineGrade, BlendGrade, ChainGrade, CurvesGrade, GainGrade, Grade, LatticeGrade
from reelkit.color.lut import Lut, bake
from reelkit.color.spaces import decode, rgb_to_lab
from reelkit.errors import UsageError

__all__ = ["METHODS", "MatchResult", "Method", "match", "pixel_sample", "skin_weight"]

Method = Literal["pdf", "composite", "mkl", "hist"]
METHODS: tuple[str, ...] = ("pdf", "composite", "mkl", "hist")
_FLAT_VAR = (1.0 / 255.0) ** 2


@dataclass(frozen=True)
class MatchResult:
    """A fitted grade and how it was obtained.

    Attributes:
        grade: the grade (apply with ``grade(rgb)``, bake with ``grade.to_lut()``).
        method: the method actually used (``mean`` when the reference was flat).
        notes: human-readable remarks (fallbacks, skin pixels found...).
    """

    grade: Grade
    method: str
    notes: tuple[str, ...] = ()


def pixel_sample(images: Sequence[np.ndarray], *, max_pixels: int = 40000, seed: int = 0,
                 masks: Sequence[np.ndarray | None] | None = None) -> np.ndarray:
    """Pool up to ``max_pixels`` RGB samples ``(n, 3)`` float64 from float ``(H, W, 3)`` images in [0, 1].

    ``masks`` (bool ``(H, W)`` or None per image) exclude pixels, e.g. transparent ones. The
    sample is deterministic for a given seed.

    Raises:
        UsageError: no pixels at all (empty images or fully transparent).
    """
    parts = []
    for i, img in enumerate(images):
        px = np.asarray(img, dtype=np.float64).reshape(-1, 3)
        m = masks[i] if masks is not None else None
        if m is not None:
            px = px[np.asarray(m).reshape(-1)]
        parts.append(px)
    allpx = np.concatenate(parts) if parts else np.zeros((0, 3))
    if allpx.shape[0] == 0:
        raise UsageError("no pixels to analyse (empty or fully transparent image)")
    if allpx.shape[0] > max_pixels:
        idx = np.random.default_rng(seed).choice(allpx.shape[0], max_pixels, replace=False)
        allpx = allpx[np.sort(idx)]
    return allpx


# -- mean / covariance -----------------------------------------------------------------------------
def _sqrtm_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def fit_mkl(src: np.ndarray, ref: np.ndarray, *, eps: float = 1e-6) -> AffineGrade:
    """Monge–Kantorovich linear transfer on ``(n, 3)`` samples: the affine map that sends the source
    mean/covariance to the reference's with the least displacement."""
    ms, mr = src.mean(0), ref.mean(0)
    cs = np.cov(src.T) + eps * np.eye(3)
    cr = np.cov(ref.T) + eps * np.eye(3)
    cs_h = _sqrtm_psd(cs)
    w, v = np.linalg.eigh(cs_h)
    cs_h_inv = (v / np.clip(w, 1e-9, None)) @ v.T
    a = cs_h_inv @ _sqrtm_psd(cs_h @ cr @ cs_h) @ cs_h_inv
    return AffineGrade(matrix=a, offset=mr - a @ ms)


# -- per-channel histograms ------------------------------------------------------------------------
def fit_hist(src: np.ndarray, ref: np.ndarray, *, knots: int = 33) -> CurvesGrade:
    """Per-channel histogram matching on ``(n, 3)`` samples: three monotone curves.

    33 knots (every 1/32) keep the curves smooth and make a 33³ or 65³ LUT reproduce them exactly.
    """
    xs = np.linspace(0.0, 1.0, knots)
    q = np.linspace(0.0, 1.0, 1001)
    ys = np.empty((3, knots))
    for c in range(3):
        s = np.sort(src[:, c])
        r_q = np.quantile(ref[:, c], q)
        # rank of each knot in the source distribution (mid-rank for ties), then the reference value there
        lo = np.searchsorted(s, xs, side="left")
        hi = np.searchsorted(s, xs, side="right")
        rank = np.clip((lo + hi) / 2 / max(1, len(s)), 0, 1)
        y = np.interp(rank, q, r_q)
        ys[c] = np.maximum.accumulate(y)
    return CurvesGrade(xs=xs, ys=ys)


# -- N-d PDF transfer with lattice regularisation --------------------------------------------------
def _lattice_weights(x: np.ndarray, size: int) -> sp.csr_matrix:
    """Sparse ``(n, size³)`` tetrahedral-interpolation weights of points ``x`` on the [0, 1] lattice.

    Tetrahedral (Kuhn simplex) interpolation is what LUT players use, and a function that is linear
    on the simplices of a 17³ lattice is reproduced *exactly* by a 33³ or 65³ tetrahedral LUT
    (the finer simplices nest in the coarser ones).
    """
    t = np.clip(x, 0.0, 1.0) * (size - 1)
    i0 = np.minimum(np.floor(t).astype(np.intp), size - 2)
    f = t - i0
    order = np.argsort(-f, axis=1, kind="stable")
    fs = np.take_along_axis(f, order, axis=1)
    strides = np.array([size * size, size, 1], dtype=np.intp)
    step = strides[order]
    base = (i0[:, 0] * size + i0[:, 1]) * size + i0[:, 2]
    v1 = base + step[:, 0]
    v2 = v1 + step[:, 1]
    v3 = base + strides.sum()
    n = x.shape[0]
    rows = np.repeat(np.arange(n), 4)
    cols = np.stack([base, v1, v2, v3], 1).ravel()
    vals = np.stack([1 - fs[:, 0], fs[:, 0] - fs[:, 1], fs[:, 1] - fs[:, 2], fs[:, 2]], 1).ravel()
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, size**3))


def _second_differences(size: int) -> sp.csr_matrix:
    idx = np.arange(size**3).reshape(size, size, size)
    blocks = []
    for ax in range(3):
        a = np.moveaxis(idx, ax, 0)
        c0, c1, c2 = a[:-2].ravel(), a[1:-1].ravel(), a[2:].ravel()
        m = c0.size
        r = np.arange(m)
        blocks.append(sp.csr_matrix(
            (np.concatenate([np.ones(m), -2 * np.ones(m), np.ones(m)]),
             (np.concatenate([r, r, r]), np.concatenate([c0, c1, c2]))), shape=(m, size**3)))
    return sp.vstack(blocks).tocsr()


def _sliced_ot_step(y: np.ndarray, ref: np.ndarray, rng: np.random.Generator, rotations: int) -> np.ndarray:
    """Move ``y`` towards the reference distribution: 1-D quantile matching along the axes of random
    orthonormal bases (one pass per basis)."""
    n = y.shape[0]
    q = (np.arange(n) + 0.5) / n
    qr = (np.arange(ref.shape[0]) + 0.5) / ref.shape[0]
    for _ in range(rotations):
        basis, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        py, pr = y @ basis, ref @ basis
        for k in range(3):
            order = np.argsort(py[:, k], kind="stable")
            target = np.interp(q, qr, np.sort(pr[:, k]))
            py[order, k] = target
        y = py @ basis.T
    return y


def fit_pdf(src: np.ndarray, ref: np.ndarray, *, size: int = 17, smoothness: float = 1.0,
            iterations: int = 10, rotations: int = 3, seed: int = 0) -> LatticeGrade:
    """Regularised N-d distribution transfer on ``(n, 3)`` samples (see the module docstring)."""
    rng = np.random.default_rng(seed)
    w = _lattice_weights(src, size)
    d2 = _second_differences(size)
    lam = smoothness * 0.1 * src.shape[0] / size**3
    lu = spla.splu((w.T @ w + lam * (d2.T @ d2)).tocsc(), permc_spec="MMD_AT_PLUS_A")
    y = src.copy()
    values = None
    for _ in range(iterations):
        target = _sliced_ot_step(y.copy(), ref, rng, rotations)
        values = lu.solve(np.asarray(w.T @ target))
        y = w @ values
    assert values is not None
    lut = Lut(cube=values.reshape(size, size, size, 3))
    return LatticeGrade(lut=lut, info={"iterations": iterations, "smoothness": smoothness})


# -- skin tones ---------------------------------------------------------------------------------------
def skin_weight(rgb: np.ndarray) -> np.ndarray:
    """Skin-tone membership in [0, 1] of display RGB ``(..., 3)``: CIELAB hue 20–75°, chroma 8–50,
    L* 20–92, with soft edges (all human skin tones cluster there, whatever the ethnicity)."""
    lab = rgb_to_lab(np.clip(rgb, 0, 1))
    h = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    c = np.hypot(lab[..., 1], lab[..., 2])
    lum = lab[..., 0]

    def band(v: np.ndarray, lo: float, hi: float, soft: float) -> np.ndarray:
        return np.clip(np.minimum(v - lo, hi - v) / soft + 0.5, 0, 1)

    return band(h, 20, 75, 20) * band(c, 10, 50, 10) * band(lum, 20, 92, 12)


def fit_composite(src: np.ndarray, ref: np.ndarray, *, seed: int = 0, min_fraction: float = 0.02,
                  strength: float = 0.6) -> tuple[Grade, list[str]]:
    """``pdf`` globally with a skin-to-skin mean/covariance correction blended in on skin tones."""
    base = fit_pdf(src, ref, seed=seed)
    # skin is picked by how the global transfer renders each colour, so both sets hold the same things
    ws, wr = skin_weight(np.clip(base(src), 0, 1)), skin_weight(ref)
    s_skin, r_skin = src[ws > 0.5], ref[wr > 0.5]
    notes: list[str] = []
    if len(s_skin) < max(200, min_fraction * len(src)) or len(r_skin) < max(200, min_fraction * len(ref)):
        notes.append(f"few skin-tone pixels (source {100 * len(s_skin) / len(src):.1f}%, reference "
                     f"{100 * len(r_skin) / len(ref):.1f}%): composite = pdf")
        return base, notes
    # alt = the global transfer followed by a mean/covariance correction that puts the source's skin
    # tones (as the global transfer renders them) onto the reference's skin tones
    alt = ChainGrade(steps=(base, fit_mkl(base(s_skin), r_skin)))
    notes.append(f"skin tones: {100 * len(s_skin) / len(src):.1f}% of source, "
                 f"{100 * len(r_skin) / len(ref):.1f}% of reference pixels")

    def weight(x: np.ndarray) -> np.ndarray:
        return strength * skin_weight(np.clip(base(x), 0, 1))

    blend = BlendGrade(base=base, alt=alt, weight=weight, label="skin")
    # the grade is the blend sampled on the lattice (trilinear): smooth, and bakeable within 1/255
    lattice = bake(blend, size=17)
    return LatticeGrade(lut=lattice, info={"composite": "pdf + skin-tone mkl", "skin_strength": strength}), notes


# -- entry point -----------------------------------------------------------------------------------
def _mean_gain(src: np.ndarray, ref: np.ndarray) -> GainGrade:
    ms = decode(src).mean(0)
    mr = decode(ref).mean(0)
    gains = np.clip(mr / np.maximum(ms, 1e-4), 1 / 16, 16)
    return GainGrade(gains=(float(gains[0]), float(gains[1]), float(gains[2])))


def match(src: np.ndarray, ref: np.ndarray, *, method: Method | str = "pdf", seed: int = 0) -> MatchResult:
    """Fit a grade that makes ``src`` samples look like ``ref`` samples.

    Args:
        src, ref: ``(n, 3)`` float display RGB samples in [0, 1] (see :func:`pixel_sample`).
        method: one of :data:`METHODS`.
        seed: random seed of the sliced transfer (results are deterministic for a seed).

    Raises:
        UsageError: unknown method or empty samples.
    """
    if method not in METHODS:
        raise UsageError(f"unknown match method {method!r}; choose one of {', '.join(METHODS)}")
    if src.size == 0 or ref.size == 0:
        raise UsageError("no pixels to match")
    if np.linalg.eigvalsh(np.cov(ref.T) if ref.shape[0] > 1 else np.zeros((3, 3))).max() < _FLAT_VAR:
        return MatchResult(_mean_gain(src, ref), "mean",
                           ("the reference is a single flat colour: matched its average colour only "
                            "(linear-light gains), contrast kept",))
    if method == "mkl":
        return MatchResult(fit_mkl(src, ref), "mkl")
    if method == "hist":
        return MatchResult(fit_hist(src, ref), "hist")
    if method == "pdf":
        return MatchResult(fit_pdf(src, ref, seed=seed), "pdf")
    grade, notes = fit_composite(src, ref, seed=seed)
    return MatchResult(grade, "composite", tuple(notes))
