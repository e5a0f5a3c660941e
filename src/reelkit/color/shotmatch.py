"""Content-aware shot matching: estimate the grade difference from what two shots *share*.

Distribution transfer (:mod:`reelkit.color.transfer`) makes the whole histogram of a source look
like the reference's, so a difference in *content* (a red car in one shot, a face in the other)
is pushed into the grade. Here the grade is estimated from evidence that the two shots show the
same thing, in three tiers:

1. **correspondences** — where the shots overlap. SIFT features on tone-equalised luminance (so
   the grade itself does not defeat the matching), a RANSAC homography, then dense DIS optical
   flow to follow parallax and motion; a pixel pair counts when the local structure agrees
   (normalised cross-correlation of the equalised luminance, forward-backward flow consistency)
   and it is not on an edge. A low-order colour model (quadratic polynomial in display RGB,
   iteratively reweighted with Tukey's biweight) rejects pairs whose content differs after all
   (a moving person), and a smooth 17³ lattice fitted to the surviving pairs (second-difference
   penalty, pulled towards the polynomial where there is no data) is the grade.
2. **regions by kind** — no usable overlap, but both shots hold the same *kinds* of surface:
   neutrals (low chroma), skin, sky, foliage (classical CIELAB classes; the source is classified
   after its conservative balance so that a cast does not hide its neutrals). Each shared kind
   gives a colour pair (the kind's median colours); linear-light channel gains are fitted to them.
3. **conservative** — nothing shared: neutral balance only as far as four colour-constancy
   estimates agree (at most half strength) and dimmed highlights lifted; exposure and blacks are
   left alone (and said so).

A **confidence** (0..1) sets how much of the fitted correction is applied, and a self-check on
held-out correspondences refuses a grade that would make the shared pixels worse than leaving
the frame untouched. :class:`ShotMatch` says what the grade was matched on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import scipy.sparse.linalg as spla

from reelkit.color.grade import ChainGrade, GainGrade, Grade, IdentityGrade, LatticeGrade, MixGrade
from reelkit.color.lut import Lut
from reelkit.color.spaces import decode, delta_e_2000, encode, rgb_to_lab
from reelkit.color.transfer import _lattice_weights, _second_differences, skin_weight
from reelkit.errors import UsageError

__all__ = ["KINDS", "ShotMatch", "conservative_grade", "find_correspondences", "fit_pairs", "match_shots",
           "region_masks"]

KINDS: tuple[str, ...] = ("neutral", "skin", "sky", "foliage")
_LUMA = np.array([0.2126, 0.7152, 0.0722])
_WORK_SIDE = 480
_CALM = 0.95  # quantile of the reference's colour gradient above which pixels (edges) are not paired
_NCC = 0.6  # least local correlation of structure for a textured pixel pair


@dataclass(frozen=True)
class ShotMatch:
    """The grade that brings a source shot to a reference shot, and what it was matched on.

    Attributes:
        grade: the grade to apply (already scaled by ``confidence``).
        mode: ``correspondence``, ``regions`` or ``conservative``.
        confidence: 0..1, the share of the fitted correction that was applied.
        matched_on: JSON-friendly evidence (pairs, inliers, overlap, kinds, held-out check).
        notes: human-readable remarks (fallbacks and why).
    """

    grade: Grade
    mode: str
    confidence: float
    matched_on: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


# -- helpers ---------------------------------------------------------------------------------------
def _as_float(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img.astype(np.float64) / 255.0
    if img.dtype == np.uint16:
        return img.astype(np.float64) / 65535.0
    return np.clip(np.asarray(img, dtype=np.float64), 0, 1)


def _shrink(img: np.ndarray, side: int) -> np.ndarray:
    h, w = img.shape[:2]
    if max(h, w) <= side:
        return img
    s = side / max(h, w)
    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _mask_at(mask: np.ndarray, img: np.ndarray) -> np.ndarray:
    """A bool ``(h, w)`` mask resized (nearest) to ``img``'s ``(H, W)``."""
    if mask.shape == img.shape[:2]:
        return mask
    return cv2.resize(mask.astype(np.uint8), (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST) > 0


def _equalised_grey(rgb: np.ndarray) -> np.ndarray:
    """Tone-equalised 8-bit luminance: a monotone grade changes the histogram, not the ranks."""
    y = np.clip(rgb @ _LUMA, 0, 1)
    return cv2.equalizeHist((y * 255 + 0.5).astype(np.uint8))


def _local_ncc(a: np.ndarray, b: np.ndarray, k: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windowed normalised cross-correlation of two float images and their local standard deviations."""
    box = (k, k)
    ma, mb = cv2.blur(a, box), cv2.blur(b, box)
    va = np.maximum(cv2.blur(a * a, box) - ma * ma, 0)
    vb = np.maximum(cv2.blur(b * b, box) - mb * mb, 0)
    cov = cv2.blur(a * b, box) - ma * mb
    ncc = cov / np.sqrt(va * vb + 1e-6)
    return ncc, np.sqrt(va), np.sqrt(vb)


# -- tier 1: correspondences ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Correspondences:
    """Colour pairs from the overlap of a source and a reference frame.

    Attributes:
        src, ref: ``(n, 3)`` display RGB of corresponding pixels (source as graded, reference).
        keypoints: SIFT matches kept by RANSAC.
        overlap: fraction of the reference frame covered by valid pairs.
    """

    src: np.ndarray
    ref: np.ndarray
    keypoints: int
    overlap: float


def find_correspondences(src: np.ndarray, ref: np.ndarray, *, max_pairs: int = 30000, seed: int = 0,
                         src_mask: np.ndarray | None = None,
                         ref_mask: np.ndarray | None = None) -> Correspondences | None:
    """Corresponding pixel colours of two frames of the same scene, or None when they do not overlap.

    Args:
        src, ref: ``(H, W, 3)`` display RGB (float in [0, 1], uint8 or uint16); sizes may differ.
        max_pairs: most pairs returned (a deterministic subsample).
        src_mask, ref_mask: bool ``(H, W)`` pixels that may be paired (e.g. alpha ≥ 0.5), or None.

    Returns None when fewer than 15 SIFT matches survive RANSAC or fewer than 400 pixels validate.
    """
    s = _shrink(_as_float(src), _WORK_SIDE)
    r = _shrink(_as_float(ref), _WORK_SIDE)
    es, er = _equalised_grey(s), _equalised_grey(r)
    sift = cv2.SIFT_create(nfeatures=3000)
    ks, ds = sift.detectAndCompute(es, None)
    kr, dr = sift.detectAndCompute(er, None)
    if ds is None or dr is None or len(ks) < 8 or len(kr) < 8:
        return None
    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(ds, dr, k=2)
    good = [m[0] for m in knn if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    if len(good) < 15:
        return None
    ps = np.float32([ks[m.queryIdx].pt for m in good])
    pr = np.float32([kr[m.trainIdx].pt for m in good])
    hmat, inl = cv2.findHomography(ps, pr, cv2.RANSAC, 4.0, maxIters=4000, confidence=0.999)
    if hmat is None or inl is None or int(inl.sum()) < 15:
        return None
    n_inl = int(inl.sum())
    h, w = er.shape
    warp = cv2.warpPerspective(s.astype(np.float32), hmat, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1))
    inside = cv2.warpPerspective(np.ones(es.shape, np.uint8), hmat, (w, h), flags=cv2.INTER_NEAREST) > 0
    ew = _equalised_grey(np.clip(warp, 0, 1).astype(np.float64))
    ew[~inside] = er[~inside]
    # dense refinement: parallax and subject motion the homography does not explain
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    fwd = dis.calc(er, ew, None)
    bwd = dis.calc(ew, er, None)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mx, my = gx + fwd[..., 0], gy + fwd[..., 1]
    aligned = cv2.remap(warp, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1))
    back = cv2.remap(bwd, mx, my, cv2.INTER_LINEAR)
    fb = np.hypot(fwd[..., 0] + back[..., 0], fwd[..., 1] + back[..., 1])
    ea = cv2.remap(ew, mx, my, cv2.INTER_LINEAR).astype(np.float32)
    ncc, sd_r, sd_a = _local_ncc(er.astype(np.float32), ea)
    flat = (sd_r < 3) & (sd_a < 3) & (np.abs(er.astype(np.float32) - ea) < 40)
    structure = (~flat & (ncc > _NCC)) | flat
    # edges: bilinear resampling mixes colours there, and a sub-pixel misalignment swaps them
    grad = np.max([cv2.magnitude(cv2.Sobel(r[..., c], cv2.CV_64F, 1, 0, ksize=3),
                                 cv2.Sobel(r[..., c], cv2.CV_64F, 0, 1, ksize=3)) for c in range(3)], axis=0) / 8
    calm = grad <= max(0.02, float(np.quantile(grad, _CALM)))
    valid = (aligned.min(axis=2) >= 0) & (fb < 1.0) & structure
    if ref_mask is not None:
        valid &= cv2.resize(ref_mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    if src_mask is not None:
        ms = cv2.resize(src_mask.astype(np.uint8), (s.shape[1], s.shape[0]), interpolation=cv2.INTER_NEAREST)
        ms = cv2.warpPerspective(ms, hmat, (w, h), flags=cv2.INTER_NEAREST)
        valid &= cv2.remap(ms, mx, my, cv2.INTER_NEAREST) > 0
    valid = (cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & calm
    n_valid = int(valid.sum())
    if n_valid < 400:
        return None
    # pairs: the colours as they are (smoothing before a non-linear grade would bias the fit);
    # noise averages out in the least-squares fit. Deterministic subsample.
    a_s = np.clip(aligned, 0, 1).astype(np.float64)
    r_s = r.astype(np.float64)
    idx = np.flatnonzero(valid.ravel())
    if idx.size > max_pairs:
        idx = np.sort(np.random.default_rng(seed).choice(idx, max_pairs, replace=False))
    return Correspondences(src=a_s.reshape(-1, 3)[idx], ref=r_s.reshape(-1, 3)[idx], keypoints=n_inl,
                           overlap=n_valid / valid.size)


# -- fitting a colour model on pairs ------------------------------------------------------------------
def _poly_features(x: np.ndarray) -> np.ndarray:
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    return np.stack([np.ones_like(r), r, g, b, r * r, g * g, b * b, r * g, r * b, g * b], axis=1)


def _robust_poly(x: np.ndarray, y: np.ndarray, iterations: int = 8) -> tuple[np.ndarray, np.ndarray, float]:
    """Quadratic model fitted with Tukey-biweight IRLS; returns (coefficients, weights, scale)."""
    f = _poly_features(x)
    wts = np.ones(len(x))
    ridge = 1e-4 * np.eye(f.shape[1])
    coef = np.zeros((f.shape[1], 3))
    scale = 0.05
    for _ in range(iterations):
        fw = f * wts[:, None]
        coef = np.linalg.solve(f.T @ fw + ridge * max(1.0, wts.sum() / 1000), fw.T @ y)
        res = np.linalg.norm(f @ coef - y, axis=1)
        scale = max(0.012, 1.4826 * float(np.median(res[wts > 0])) if np.any(wts > 0) else 0.05)
        u = res / (4.0 * scale)
        wts = np.where(u < 1, (1 - u * u) ** 2, 0.0)
    return coef, wts, scale


def fit_pairs(src: np.ndarray, ref: np.ndarray, *, size: int = 17, smoothness: float = 0.3,
              prior: float = 0.02, iterations: int = 3) -> tuple[Grade, dict[str, Any]]:
    """Robust smooth colour map from corresponding ``(n, 3)`` display-RGB pairs (source → reference).

    A quadratic polynomial fitted by IRLS (Tukey's biweight) screens out pairs whose content
    differs (loosely: a grade need not be quadratic); a ``size``³ tetrahedral lattice is then
    fitted to the pairs, reweighted by its own residuals (Tukey, ``iterations`` rounds), with a
    second-difference smoothness penalty and a weak pull (``prior``) towards the polynomial where
    there is no data (so unseen colours extrapolate smoothly).

    Returns ``(grade, info)``; info holds the inlier share and the residual scale (display units).
    """
    import scipy.sparse as sp

    coef, _, scale0 = _robust_poly(src, ref)
    res0 = np.linalg.norm(_poly_features(src) @ coef - ref, axis=1)
    u0 = res0 / (8.0 * scale0)
    wts = np.where(u0 < 1, (1 - u0 * u0) ** 2, 0.0)
    grid = np.linspace(0, 1, size)
    nodes = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), -1).reshape(-1, 3)
    p_nodes = np.clip(_poly_features(nodes) @ coef, -0.25, 1.25)
    wmat = _lattice_weights(src, size)
    d2 = _second_differences(size)
    reg = (d2.T @ d2).tocsr()
    values = p_nodes
    scale = scale0
    for _ in range(iterations):
        lam = smoothness * 0.1 * max(float(wts.sum()), 1.0) / size**3
        wd = wmat.multiply(wts[:, None]).tocsr()
        a = (wmat.T @ wd + lam * reg + prior * lam * sp.identity(size**3)).tocsc()
        rhs = np.asarray(wd.T @ ref) + prior * lam * p_nodes
        values = spla.splu(a, permc_spec="MMD_AT_PLUS_A").solve(rhs)
        res = np.linalg.norm(wmat @ values - ref, axis=1)
        scale = max(0.008, 1.4826 * float(np.median(res[wts > 0]))) if np.any(wts > 0) else scale0
        u = res / (4.0 * scale)
        wts = np.where(u < 1, (1 - u * u) ** 2, 0.0)
    grade = LatticeGrade(lut=Lut(cube=values.reshape(size, size, size, 3)),
                         info={"fit": "robust quadratic screen + reweighted smooth lattice on corresponding pixels"})
    return grade, {"pairs": len(src), "inlier_share": round(float((wts > 0.05).mean()), 4),
                   "residual_scale": round(scale, 4)}


def _mean_de(a: np.ndarray, b: np.ndarray) -> float:
    return float(delta_e_2000(rgb_to_lab(np.clip(a, 0, 1)), rgb_to_lab(np.clip(b, 0, 1))).mean())


# -- tier 2: regions by kind ------------------------------------------------------------------------------
def region_masks(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean ``(H, W)`` masks of the surface kinds in :data:`KINDS` for a display-RGB image.

    neutral: CIELAB chroma < 7 and 12 < L* < 96; skin: :func:`~reelkit.color.transfer.skin_weight`
    > 0.5; sky: hue 200–265°, chroma > 8, L* > 45, in the upper 60 % of the frame; foliage: hue
    95–165°, chroma > 10, L* 10–85.
    """
    lab = rgb_to_lab(np.clip(rgb, 0, 1))
    lum, c = lab[..., 0], np.hypot(lab[..., 1], lab[..., 2])
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360
    h = rgb.shape[0]
    upper = (np.arange(h) < 0.6 * h)[:, None] & np.ones(rgb.shape[:2], bool)
    return {
        "neutral": (c < 7) & (lum > 12) & (lum < 96),
        "skin": skin_weight(rgb) > 0.5,
        "sky": (hue > 200) & (hue < 265) & (c > 8) & (lum > 45) & upper,
        "foliage": (hue > 95) & (hue < 165) & (c > 10) & (lum > 10) & (lum < 85),
    }


def _kind_pairs(src_imgs: Sequence[np.ndarray], ref_imgs: Sequence[np.ndarray], pre: Grade,
                min_share: float = 0.02) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Per shared kind: (source median colour, reference median colour, smaller share of pixels)."""
    def pool(imgs: Sequence[np.ndarray], g: Grade | None) -> dict[str, list[np.ndarray]]:
        out: dict[str, list[np.ndarray]] = {k: [] for k in KINDS}
        total = 0
        for img in imgs:
            x = _as_float(img)
            shown = x if g is None else np.clip(g(x.reshape(-1, 3)).reshape(x.shape), 0, 1)
            for k, m in region_masks(shown).items():
                out[k].append(x[m])
            total += x.shape[0] * x.shape[1]
        out["_total"] = [np.array([total])]
        return out

    ps, pr = pool(src_imgs, pre), pool(ref_imgs, None)
    ts, tr = int(ps["_total"][0][0]), int(pr["_total"][0][0])
    pairs = {}
    for k in KINDS:
        a = np.concatenate(ps[k]) if ps[k] else np.zeros((0, 3))
        b = np.concatenate(pr[k]) if pr[k] else np.zeros((0, 3))
        share = min(len(a) / max(ts, 1), len(b) / max(tr, 1))
        if share >= min_share and len(a) >= 200 and len(b) >= 200:
            pairs[k] = (np.median(a, axis=0), np.median(b, axis=0), share)
    return pairs


# -- tier 3: conservative --------------------------------------------------------------------------------
def _illuminant_estimates(images: Sequence[np.ndarray], masks: Sequence[np.ndarray | None]) -> np.ndarray:
    """``(4, 3)`` log chromaticities of the light by four colour-constancy estimates over the pooled images.

    Grey world on the most neutral 30 % of pixels, grey edge (mean and Minkowski-6 norm of the
    linear-light gradient magnitude, after a 1-px blur) and shades of grey (Minkowski-6 norm of
    the pixels); clipped pixels (any channel ≥ 0.98) are left out. Each row is normalised to unit
    luminance before the log.
    """
    px, gr = [], []
    for img, m in zip(images, masks, strict=True):
        lin = decode(np.clip(img, 0, 1)).astype(np.float32)
        blur = cv2.GaussianBlur(lin, (0, 0), 1.0)
        grad = np.sqrt(cv2.Sobel(blur, cv2.CV_32F, 1, 0) ** 2 + cv2.Sobel(blur, cv2.CV_32F, 0, 1) ** 2)
        keep = img.max(axis=2) < 0.98
        if m is not None:
            keep &= _mask_at(m, img)
        px.append(lin[keep])
        gr.append(grad[keep])
    lin_px, grads = np.concatenate(px).astype(np.float64), np.concatenate(gr).astype(np.float64)
    if len(lin_px) < 50:  # nearly everything clipped: no estimate beats none
        return np.zeros((4, 3))
    y = lin_px @ _LUMA
    chroma = np.abs(lin_px - y[:, None]).max(axis=1) / np.maximum(y, 1e-3)
    m = (chroma < np.quantile(chroma, 0.3)) & (y > 0.02) & (y < 0.9)
    ests = [(lin_px[m] if m.sum() >= 50 else lin_px).mean(axis=0), grads.mean(axis=0),
            np.power(np.mean(grads**6, axis=0), 1 / 6), np.power(np.mean(lin_px**6, axis=0), 1 / 6)]
    out = np.array([e / max(float(e @ _LUMA), 1e-9) for e in ests])
    return np.log(np.maximum(out, 1e-6))


def conservative_grade(src_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray], *,
                       src_masks: Sequence[np.ndarray | None] | None = None,
                       ref_masks: Sequence[np.ndarray | None] | None = None, strength: float = 0.5,
                       agreement: float = 0.1) -> tuple[Grade, dict[str, Any]]:
    """Neutral balance and a highlight lift between shots of *unrelated* content.

    With nothing shared, every statistic also measures the content (a bright cyclorama against a
    night street, a red car against a face), so only what survives a change of content is used:

    * **neutral balance** from four colour-constancy estimates (:func:`_illuminant_estimates`) of
      each shot. Their median source-to-reference ratio is applied at ``strength`` times an
      agreement confidence, ``1 − spread / agreement`` (spread: the largest per-channel median
      absolute deviation of the four log ratios), so estimates that disagree — the content, not the
      light, differs — move nothing. Luminance-preserving, each gain within 0.8-1.25.
    * **highlights**: the source is stretched (black kept, scale ≤ 1.15) by ``strength`` of the
      part by which the reference's 99th-percentile luminance exceeds the source's by more than
      0.08 (dimmed highlights are a grade far more often than a content difference).

    Exposure and the black point are left alone: on development pairs every estimate of them from
    unrelated content made frames worse than untouched.

    Args:
        src_images, ref_images: display-RGB float images ``(H, W, 3)`` in [0, 1].
        src_masks, ref_masks: per image, bool ``(H, W)`` pixels that count, or None.

    Returns:
        (grade, JSON-friendly description of what was applied and why).
    """
    sm = list(src_masks) if src_masks is not None else [None] * len(src_images)
    rm = list(ref_masks) if ref_masks is not None else [None] * len(ref_images)
    sm += [None] * (len(src_images) - len(sm))
    rm += [None] * (len(ref_images) - len(rm))
    d = _illuminant_estimates(ref_images, rm) - _illuminant_estimates(src_images, sm)
    med = np.median(d, axis=0)
    spread = float(np.max(np.median(np.abs(d - med), axis=0)))
    conf = float(np.clip(1.0 - spread / agreement, 0.0, 1.0))
    g = np.exp(med * strength * conf)
    g = np.clip(g / float(g @ _LUMA), 0.8, 1.25)

    def luma(images: Sequence[np.ndarray], masks: Sequence[np.ndarray | None], gains: np.ndarray) -> np.ndarray:
        parts = []
        for img, m in zip(images, masks, strict=True):
            x = encode(decode(np.clip(img, 0, 1)) * gains) @ _LUMA
            parts.append(x.reshape(-1) if m is None else x[_mask_at(m, img)])
        return np.concatenate(parts)

    b_s, w_s = np.quantile(luma(src_images, sm, g), [0.01, 0.99])
    w_r = float(np.quantile(luma(ref_images, rm, np.ones(3)), 0.99))
    w_t = w_s + strength * max(0.0, w_r - w_s - 0.08)
    scale = float(np.clip((w_t - b_s) / max(w_s - b_s, 0.05), 1.0, 1.15))
    offset = float(b_s * (1.0 - scale))
    from reelkit.color.grade import AffineGrade

    levels = AffineGrade(matrix=np.eye(3) * scale, offset=np.full(3, offset))
    grade = ChainGrade(steps=(GainGrade(gains=(float(g[0]), float(g[1]), float(g[2]))), levels))
    return grade, {"neutral_gains": np.round(g, 4).tolist(), "estimate_agreement": round(conf, 3),
                   "estimate_spread": round(spread, 4), "highlights": {"scale": round(scale, 4),
                                                                      "offset": round(offset, 4)},
                   "strength": strength}


def _gains_from_kinds(pairs: dict[str, tuple[np.ndarray, np.ndarray, float]]) -> tuple[np.ndarray, float]:
    """Linear-light channel gains fitted to kind pairs (weighted by share); returns (gains, spread)."""
    logs, ws = [], []
    for a, b, share in pairs.values():
        la, lb = decode(np.clip(a, 0, 1)), decode(np.clip(b, 0, 1))
        logs.append(np.log(np.maximum(lb, 1e-4) / np.maximum(la, 1e-4)))
        ws.append(share)
    lg, w = np.array(logs), np.array(ws)
    mean = (lg * w[:, None]).sum(0) / w.sum()
    spread = float(np.sqrt(((lg - mean) ** 2 * w[:, None]).sum(0).max() / w.sum())) if len(w) > 1 else 0.3
    return np.exp(np.clip(mean, np.log(0.5), np.log(2.0))), spread


# -- entry point ---------------------------------------------------------------------------------------
def match_shots(src_images: Sequence[np.ndarray], ref_images: Sequence[np.ndarray], *, seed: int = 0,
                max_pairs_per_frame: int = 3, src_masks: Sequence[np.ndarray | None] | None = None,
                ref_masks: Sequence[np.ndarray | None] | None = None) -> ShotMatch:
    """Fit the grade that makes a source shot look like a reference shot, from what they share.

    Args:
        src_images, ref_images: frames (or stills) of each shot, ``(H, W, 3)`` display RGB (float in
            [0, 1], uint8 or uint16); a few frames spread over each shot.
        max_pairs_per_frame: reference frames tried per source frame for correspondences.
        src_masks, ref_masks: per image, bool ``(H, W)`` pixels that count (alpha), or None.

    A reference that is one flat colour has nothing to correspond to: its average colour is
    matched (linear-light gains, mode ``mean``), as :func:`reelkit.color.transfer.match` does.

    Raises:
        UsageError: no images.
    """
    if not src_images or not ref_images:
        raise UsageError("shot matching needs at least one source and one reference image")
    srcs = [_shrink(_as_float(x), _WORK_SIDE) for x in src_images]
    refs = [_shrink(_as_float(x), _WORK_SIDE) for x in ref_images]

    def mask_of(masks: Sequence[np.ndarray | None] | None, i: int) -> np.ndarray | None:
        return None if masks is None or i >= len(masks) or masks[i] is None else np.asarray(masks[i], bool)

    def visible(imgs: list[np.ndarray], masks: Sequence[np.ndarray | None] | None) -> np.ndarray:
        parts = []
        for i, x in enumerate(imgs):
            m = mask_of(masks, i)
            parts.append(x.reshape(-1, 3) if m is None else x[_mask_at(m, x)])
        return np.concatenate(parts)

    all_s, all_r = visible(srcs, src_masks), visible(refs, ref_masks)
    if len(all_s) == 0 or len(all_r) == 0:
        raise UsageError("no visible pixels to match (fully transparent image)")
    from reelkit.color.transfer import _FLAT_VAR, _mean_gain

    if len(all_r) < 2 or np.linalg.eigvalsh(np.cov(all_r[:: max(1, len(all_r) // 20000)].T)).max() < _FLAT_VAR:
        return ShotMatch(_mean_gain(all_s, all_r), "mean", 1.0, {"mean": "the reference is one flat colour"},
                         ("the reference is a single flat colour: matched its average colour only "
                          "(linear-light gains), contrast kept",))
    cons, cons_info = conservative_grade(srcs, refs, src_masks=[mask_of(src_masks, i) for i in range(len(srcs))],
                                         ref_masks=[mask_of(ref_masks, j) for j in range(len(refs))])
    notes: list[str] = []

    # tier 1: correspondences over frame pairs
    found: list[Correspondences] = []
    tried = 0
    for i, s in enumerate(srcs):
        order = sorted(range(len(refs)), key=lambda j: abs(j / max(len(refs), 1) - i / max(len(srcs), 1)))
        for j in order[:max_pairs_per_frame]:
            tried += 1
            c = find_correspondences(s, refs[j], seed=seed + tried, src_mask=mask_of(src_masks, i),
                                     ref_mask=mask_of(ref_masks, j))
            if c is not None:
                found.append(c)
    if found:
        cs = np.concatenate([c.src for c in found])
        cr = np.concatenate([c.ref for c in found])
        perm = np.random.default_rng(seed).permutation(len(cs))
        cs, cr = cs[perm], cr[perm]
        n_hold = max(200, len(cs) // 5)
        hold_s, hold_r = cs[:n_hold], cr[:n_hold]
        grade, fit_info = fit_pairs(cs[n_hold:], cr[n_hold:])
        before = _mean_de(hold_s, hold_r)
        after = _mean_de(grade(hold_s), hold_r)
        overlap = float(np.mean([c.overlap for c in found]))
        kp = int(np.sum([c.keypoints for c in found]))
        # confidence: enough shared pixels, mostly consistent with one colour model, and a real gain
        conf = (min(1.0, len(cs) / 3000) * min(1.0, fit_info["inlier_share"] / 0.6)
                * float(np.clip((before - after) / max(before, 1e-6) * 4, 0, 1)))
        matched_on = {"correspondences": {"frame_pairs": len(found), "frame_pairs_tried": tried, "keypoints": kp,
                                          "overlap": round(overlap, 4), **fit_info,
                                          "held_out_pairs": int(n_hold),
                                          "held_out_delta_e_before": round(before, 3),
                                          "held_out_delta_e_after": round(after, 3)}}
        if after < before and conf > 0.05:
            # refit on every pair for the final grade; the held-out check stands for it
            grade, _ = fit_pairs(cs, cr)
            if conf < 0.999:
                notes.append(f"correspondence evidence is partial: {100 * conf:.0f}% of the correction applied")
            return ShotMatch(grade if conf >= 0.999 else MixGrade(grade, round(conf, 3)), "correspondence",
                             round(conf, 3), matched_on, tuple(notes))
        notes.append(f"the shots overlap, but a grade fitted there did not improve held-out shared pixels "
                     f"(ΔE00 {before:.2f} → {after:.2f}): not used")
    else:
        notes.append(f"no overlap found between the shots ({tried} frame pairs tried)")
        matched_on = {"correspondences": {"frame_pairs": 0, "frame_pairs_tried": tried}}

    # tier 2: regions by kind
    kinds = _kind_pairs(srcs, refs, cons)
    if len(kinds) >= 2:
        gains, spread = _gains_from_kinds(kinds)
        gains = np.clip(gains / float(gains @ _LUMA), 0.8, 1.25)  # chromatic only: luminance is content
        conf = float(np.clip(0.6 - spread, 0.0, 0.6)) * min(1.0, sum(v[2] for v in kinds.values()) / 0.1)
        matched_on["regions"] = {k: {"share": round(v[2], 4), "source_median": np.round(v[0], 4).tolist(),
                                     "reference_median": np.round(v[1], 4).tolist()} for k, v in kinds.items()}
        matched_on["regions_gain_spread"] = round(spread, 4)
        if conf >= 0.15:
            g = np.power(gains, conf)
            notes.append(f"matched on shared kinds of surface ({', '.join(kinds)}): colour balance (linear-light "
                         f"gains, luminance kept) at {100 * conf:.0f}% strength, plus the conservative levels")
            levels = cons.steps[1] if isinstance(cons, ChainGrade) else IdentityGrade()
            return ShotMatch(ChainGrade(steps=(GainGrade(gains=(float(g[0]), float(g[1]), float(g[2]))), levels)),
                             "regions", round(conf, 3), matched_on, tuple(notes))
        notes.append(f"shared kinds ({', '.join(kinds)}) disagree about the grade (spread {spread:.2f}): not used")
    else:
        matched_on["regions"] = {k: {"share": round(v[2], 4)} for k, v in kinds.items()}
    cons_conf = round(cons_info["strength"] * cons_info["estimate_agreement"], 3)
    notes.append(f"nothing reliable is shared: conservative match only (neutral balance at "
                 f"{100 * cons_conf:.0f}% strength — the share the colour-constancy "
                 f"estimates agree on — and dimmed highlights lifted; exposure and blacks left alone)")
    matched_on["conservative"] = cons_info
    if not np.isfinite(cons(np.array([[0.5, 0.5, 0.5]]))).all():  # pragma: no cover - defensive
        return ShotMatch(IdentityGrade(), "conservative", 0.0, matched_on, tuple(notes))
    return ShotMatch(cons, "conservative", cons_conf, matched_on, tuple(notes))
