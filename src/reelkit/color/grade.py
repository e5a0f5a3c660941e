"""Grades: fitted colour transforms that are applied identically to every pixel and every frame.

A :class:`Grade` maps display-encoded RGB ``(n, 3)`` float values in [0, 1] to display-encoded RGB
(not clipped). Every grade is a pure function of the colour, so it can be baked into a 3-D LUT
(:meth:`Grade.to_lut`) that reproduces it within 1/255 and be applied per frame with no flicker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelkit.color.lut import Lut, apply_lut, bake_verified
from reelkit.color.spaces import decode, encode

__all__ = ["AffineGrade", "BlendGrade", "ChainGrade", "CurvesGrade", "GainGrade", "Grade", "IdentityGrade",
           "LatticeGrade", "MixGrade", "apply_grade_image"]


class Grade:
    """Base class: ``grade(rgb)`` with ``rgb`` ``(n, 3)`` float display values → ``(n, 3)`` float."""

    kind = "grade"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly summary of the grade's parameters."""
        return {"kind": self.kind}

    def to_lut(self, *, sizes: tuple[int, ...] = (33, 65), tolerance: float = 1 / 255,
               title: str | None = None) -> tuple[Lut, float]:
        """Bake into a 3-D LUT on [0, 1]; returns ``(lut, max_error)`` (see :func:`bake_verified`).

        The table holds the grade's unclipped values (``.cube`` allows values outside [0, 1]; every
        player clips at output), which keeps it smooth where the grade reaches black or white, so
        the clipped results match within the tolerance at a moderate size.
        """
        return bake_verified(self, sizes=sizes, tolerance=tolerance, title=title)


def apply_grade_image(grade: Grade | Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> np.ndarray:
    """Apply a grade to an ``(H, W, 3)`` image (uint8, uint16 or float in [0, 1]); returns float in [0, 1]."""
    if image.dtype == np.uint8:
        x = image.astype(np.float64) / 255.0
    elif image.dtype == np.uint16:
        x = image.astype(np.float64) / 65535.0
    else:
        x = image.astype(np.float64)
    out = np.empty(x.shape, dtype=np.float64)
    flat, dst = x.reshape(-1, 3), out.reshape(-1, 3)
    for i in range(0, flat.shape[0], 1 << 20):
        dst[i:i + (1 << 20)] = grade(flat[i:i + (1 << 20)])
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class IdentityGrade(Grade):
    """No change (the hero shot's grade in ``grade even``)."""

    kind = "identity"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return np.asarray(rgb, dtype=np.float64).copy()


@dataclass(frozen=True)
class GainGrade(Grade):
    """Per-channel gains in linear light (white balance + exposure): ``encode(gains · decode(rgb))``."""

    gains: tuple[float, float, float]
    kind = "gain"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return encode(decode(rgb) * np.asarray(self.gains))

    def describe(self) -> dict[str, Any]:
        g = np.asarray(self.gains)
        return {"kind": self.kind, "gains_linear": [round(float(v), 5) for v in g],
                "exposure_stops": round(float(np.log2(max(1e-9, float(g @ [0.2126, 0.7152, 0.0722])))), 3)}


@dataclass(frozen=True)
class AffineGrade(Grade):
    """``rgb @ matrix.T + offset`` on display-encoded values (the MKL / mean-covariance transfer)."""

    matrix: np.ndarray
    offset: np.ndarray
    kind = "affine"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return np.asarray(rgb, dtype=np.float64) @ self.matrix.T + self.offset

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "matrix": np.round(self.matrix, 5).tolist(),
                "offset": np.round(self.offset, 5).tolist()}


@dataclass(frozen=True)
class CurvesGrade(Grade):
    """Per-channel monotone curves: ``xs`` ``(K,)`` knots in [0, 1], ``ys`` ``(3, K)`` outputs (linear interp)."""

    xs: np.ndarray
    ys: np.ndarray
    kind = "curves"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        x = np.asarray(rgb, dtype=np.float64)
        return np.stack([np.interp(x[..., c], self.xs, self.ys[c]) for c in range(3)], axis=-1)

    def describe(self) -> dict[str, Any]:
        k = np.linspace(0, 1, 9)
        return {"kind": self.kind, "knots": k.round(3).tolist(),
                "curves": {ch: np.round(np.interp(k, self.xs, self.ys[i]), 4).tolist()
                           for i, ch in enumerate("rgb")}}


@dataclass(frozen=True)
class LatticeGrade(Grade):
    """A fitted 3-D lattice (tetrahedral), e.g. the regularised N-d distribution transfer."""

    lut: Lut
    info: dict[str, Any] = field(default_factory=dict)
    kind = "lattice"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return apply_lut(self.lut, rgb, interpolation="tetrahedral")

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "lattice_size": self.lut.size, **self.info}


@dataclass(frozen=True)
class ChainGrade(Grade):
    """Grades applied one after the other."""

    steps: tuple[Grade, ...]
    kind = "chain"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        x = np.asarray(rgb, dtype=np.float64)
        for s in self.steps:
            x = s(x)
        return x

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "steps": [s.describe() for s in self.steps]}


@dataclass(frozen=True)
class BlendGrade(Grade):
    """``(1 - w(x)) · base(x) + w(x) · alt(x)`` with a weight that depends on the input colour only
    (the skin-tone composite: ``alt`` is the skin-to-skin transfer, ``w`` the skin membership)."""

    base: Grade
    alt: Grade
    weight: Callable[[np.ndarray], np.ndarray]
    kind = "blend"
    label: str = "skin"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        x = np.asarray(rgb, dtype=np.float64)
        w = self.weight(x)[..., None]
        return (1 - w) * self.base(x) + w * self.alt(x)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "base": self.base.describe(), "alt": self.alt.describe()}


@dataclass(frozen=True)
class MixGrade(Grade):
    """``(1 - strength) · x + strength · grade(x)``: a grade applied at partial strength (0..1)."""

    grade: Grade
    strength: float
    kind = "mix"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        x = np.asarray(rgb, dtype=np.float64)
        return (1 - self.strength) * x + self.strength * self.grade(x)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "strength": self.strength, "grade": self.grade.describe()}
