"""Colour spaces and colour difference: sRGB / Rec.709 transfer, CIE XYZ, CIELAB, Oklab, CIEDE2000.

Conventions: an "RGB image" is a float array ``(..., 3)`` of *display-encoded* (gamma) values in
[0, 1] with Rec.709 / sRGB primaries and a D65 white; "linear" means scene-linear light with the
same primaries. CIELAB uses the D65 reference white (L* in 0..100). All functions are vectorised
over leading axes and return float64 unless stated.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = [
    "Transfer",
    "decode",
    "delta_e_2000",
    "encode",
    "lab_to_rgb",
    "lab_to_xyz",
    "linear_to_oklab",
    "linear_to_xyz",
    "oklab_to_linear",
    "rgb_to_lab",
    "rgb_to_oklab",
    "xyz_to_lab",
    "xyz_to_linear",
]

#: display transfer functions: "srgb" (IEC 61966-2-1 piecewise curve) or "bt1886" (gamma 2.4 display,
#: the reference EOTF for Rec.709 video on a zero-black monitor)
Transfer = Literal["srgb", "bt1886"]

_RGB_TO_XYZ = np.array([[0.4123907993, 0.3575843394, 0.1804807884],
                        [0.2126390059, 0.7151686788, 0.0721923154],
                        [0.0193308187, 0.1191947798, 0.9505321522]])
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = _RGB_TO_XYZ.sum(axis=1)  # XYZ of RGB (1, 1, 1), Y = 1

_OK_M1 = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                   [0.2119034982, 0.6806995451, 0.1073969566],
                   [0.0883024619, 0.2817188376, 0.6299787005]])
_OK_M2 = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                   [1.9779984951, -2.4285922050, 0.4505937099],
                   [0.0259040371, 0.7827717662, -0.8086757660]])
_OK_M1_INV = np.linalg.inv(_OK_M1)
_OK_M2_INV = np.linalg.inv(_OK_M2)


def decode(v: np.ndarray, transfer: Transfer = "srgb") -> np.ndarray:
    """Display-encoded values → linear light (the EOTF).

    sRGB values below 0.04045, negatives included, use the curve's linear segment (as
    colour-science does); ``bt1886`` mirrors negative values.
    """
    v = np.asarray(v, dtype=np.float64)
    if transfer == "bt1886":
        return np.copysign(np.abs(v) ** 2.4, v)
    return np.where(v <= 0.04045, v / 12.92, ((np.maximum(v, 0.04045) + 0.055) / 1.055) ** 2.4)


def encode(v: np.ndarray, transfer: Transfer = "srgb") -> np.ndarray:
    """Linear light → display-encoded values (the inverse EOTF); see :func:`decode` for negatives."""
    v = np.asarray(v, dtype=np.float64)
    if transfer == "bt1886":
        return np.copysign(np.abs(v) ** (1 / 2.4), v)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.maximum(v, 0.0031308) ** (1 / 2.4) - 0.055)


def linear_to_xyz(rgb: np.ndarray) -> np.ndarray:
    """Linear Rec.709 RGB ``(..., 3)`` → CIE XYZ (Y of white = 1)."""
    return np.asarray(rgb, dtype=np.float64) @ _RGB_TO_XYZ.T


def xyz_to_linear(xyz: np.ndarray) -> np.ndarray:
    """CIE XYZ ``(..., 3)`` → linear Rec.709 RGB."""
    return np.asarray(xyz, dtype=np.float64) @ _XYZ_TO_RGB.T


def _f(t: np.ndarray) -> np.ndarray:
    d = 6 / 29
    return np.where(t > d**3, np.cbrt(t), t / (3 * d * d) + 4 / 29)


def _f_inv(t: np.ndarray) -> np.ndarray:
    d = 6 / 29
    return np.where(t > d, t**3, 3 * d * d * (t - 4 / 29))


def xyz_to_lab(xyz: np.ndarray) -> np.ndarray:
    """CIE XYZ → CIELAB (D65 white), ``(..., 3)`` with L* in 0..100."""
    t = _f(np.asarray(xyz, dtype=np.float64) / _WHITE_D65)
    fx, fy, fz = t[..., 0], t[..., 1], t[..., 2]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def lab_to_xyz(lab: np.ndarray) -> np.ndarray:
    """CIELAB (D65) → CIE XYZ."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = fy - lab[..., 2] / 200
    return np.stack([_f_inv(fx), _f_inv(fy), _f_inv(fz)], axis=-1) * _WHITE_D65


def rgb_to_lab(rgb: np.ndarray, transfer: Transfer = "srgb") -> np.ndarray:
    """Display-encoded RGB ``(..., 3)`` in [0, 1] → CIELAB (D65)."""
    return xyz_to_lab(linear_to_xyz(decode(rgb, transfer)))


def lab_to_rgb(lab: np.ndarray, transfer: Transfer = "srgb") -> np.ndarray:
    """CIELAB (D65) → display-encoded RGB (not clipped)."""
    return encode(xyz_to_linear(lab_to_xyz(lab)), transfer)


def linear_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """Linear Rec.709 RGB → Oklab (Ottosson 2020): L in 0..1, a/b roughly ±0.4."""
    lms = np.asarray(rgb, dtype=np.float64) @ _OK_M1.T
    return np.cbrt(lms) @ _OK_M2.T


def oklab_to_linear(lab: np.ndarray) -> np.ndarray:
    """Oklab → linear Rec.709 RGB."""
    lms = (np.asarray(lab, dtype=np.float64) @ _OK_M2_INV.T) ** 3
    return lms @ _OK_M1_INV.T


def rgb_to_oklab(rgb: np.ndarray, transfer: Transfer = "srgb") -> np.ndarray:
    """Display-encoded RGB → Oklab."""
    return linear_to_oklab(decode(rgb, transfer))


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray, *, kl: float = 1.0, kc: float = 1.0,
                 kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference between two CIELAB arrays ``(..., 3)`` (Sharma, Wu & Dalal 2005).

    Returns an array of the broadcast leading shape. A difference of about 1 is just noticeable;
    2 is small, 5 clearly visible.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c1 = np.hypot(a1, b1)
    c2 = np.hypot(a2, b2)
    cbar7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(cbar7 / (cbar7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)
    dlp = l2 - l1
    dcp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    lbar = (l1 + l2) / 2
    cbarp = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, hsum + 360, hsum - 360), hsum) / 2
    hbar = np.where(c1p * c2p == 0, hsum, hbar)
    t = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    dtheta = 30 * np.exp(-(((hbar - 275) / 25) ** 2))
    cbarp7 = cbarp**7
    rc = 2 * np.sqrt(cbarp7 / (cbarp7 + 25.0**7))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc = 1 + 0.045 * cbarp
    sh = 1 + 0.015 * cbarp * t
    rt = -np.sin(np.radians(2 * dtheta)) * rc
    return np.sqrt((dlp / (kl * sl)) ** 2 + (dcp / (kc * sc)) ** 2 + (dhp / (kh * sh)) ** 2
                   + rt * (dcp / (kc * sc)) * (dhp / (kh * sh)))
