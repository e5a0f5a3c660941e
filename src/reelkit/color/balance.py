"""Automatic balance: grey-world / white-patch white balance and exposure, clipping-aware.

Statistics are taken in linear light from pixels that are neither clipped (any channel ≥ 0.98
display value) nor near black (luma < 0.02), so blown highlights and crushed shadows do not pull
the estimate. The result is a :class:`~reelkit.color.grade.GainGrade` (per-channel gains in
linear light), whose exposure part is capped so that no more than ``max_clip`` of the pixels end
up clipped that were not clipped before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from reelkit.color.grade import GainGrade
from reelkit.color.spaces import decode
from reelkit.errors import UsageError

__all__ = ["BALANCE_METHODS", "BalanceMethod", "BalanceResult", "auto_balance"]

BalanceMethod = Literal["grey-world", "white-patch", "combined", "none"]
BALANCE_METHODS: tuple[str, ...] = ("grey-world", "white-patch", "combined", "none")
_LUMA = np.array([0.2126, 0.7152, 0.0722])


@dataclass(frozen=True)
class BalanceResult:
    """The fitted balance grade and the numbers behind it.

    Attributes:
        grade: linear-light per-channel gains.
        white_gains: the white-balance part (green = 1).
        exposure_stops: the exposure part in stops (0 when not requested).
        clipped_before, clipped_after: fraction of sample pixels with a channel at ≥ 0.98 display value.
        notes: remarks (gains limited, too few usable pixels...).
    """

    grade: GainGrade
    white_gains: tuple[float, float, float]
    exposure_stops: float
    clipped_before: float
    clipped_after: float
    notes: tuple[str, ...] = ()


def auto_balance(pixels: np.ndarray, *, method: BalanceMethod | str = "combined", exposure: bool = True,
                 target_grey: float = 0.18, max_clip: float = 0.005, max_stops: float = 2.0,
                 max_gain: float = 4.0) -> BalanceResult:
    """Fit white balance (and exposure) from ``(n, 3)`` display-RGB samples in [0, 1].

    Args:
        method: ``grey-world`` (the average is neutral), ``white-patch`` (the brightest 1 % of the
            unclipped, roughly neutral pixels is white), ``combined`` (geometric mean of both, taken
            over near-neutral pixels: robust on scenes dominated by one colour) or ``none``
            (exposure only).
        exposure: also set exposure so the log-average luminance sits at ``target_grey`` (linear),
            within ±``max_stops`` and without clipping more than ``max_clip`` of the pixels.
        max_gain: bound on any white-balance channel gain.

    Raises:
        UsageError: unknown method.
    """
    if method not in BALANCE_METHODS:
        raise UsageError(f"unknown balance method {method!r}; choose one of {', '.join(BALANCE_METHODS)}")
    notes: list[str] = []
    disp = np.clip(np.asarray(pixels, dtype=np.float64), 0, 1)
    lin = decode(disp)
    clipped = disp.max(axis=1) >= 0.98
    luma = lin @ _LUMA
    usable = ~clipped & (luma > 0.002) & (disp.max(axis=1) > 0.02)
    if usable.sum() < max(50, 0.01 * len(disp)):
        notes.append("too few well-exposed pixels to balance from; white balance left unchanged")
        usable_px = None
    else:
        usable_px = lin[usable]
    wb = np.ones(3)
    if usable_px is not None and method != "none":
        gw = usable_px.mean(axis=0)
        # white patch: the brightest 1 % of the near-neutral pixels (a lit face or a red wall is not white)
        sat = (usable_px.max(axis=1) - usable_px.min(axis=1)) / np.maximum(usable_px.max(axis=1), 1e-9)
        cand = usable_px[sat < 0.35] if int((sat < 0.35).sum()) >= 20 else usable_px
        bright = cand[(cand @ _LUMA) >= np.quantile(cand @ _LUMA, 0.99)]
        wp = bright.mean(axis=0)
        # combined: grey-world and white-patch over the near-neutral pixels only ("grey pixels"), so a
        # scene dominated by one colour (a red wall, a lawn) is not neutralised; plain grey-world when
        # fewer than 5 % of the pixels are near neutral
        neutral = usable_px[sat < 0.35]
        gn = neutral.mean(axis=0) if len(neutral) >= 0.05 * len(usable_px) else gw
        est = {"grey-world": gw, "white-patch": wp,
               "combined": np.sqrt(np.maximum(gn, 1e-9) * np.maximum(wp, 1e-9))}[method]
        est = np.maximum(est, 1e-6)
        wb = est[1] / est
        if np.any(wb > max_gain) or np.any(wb < 1 / max_gain):
            notes.append(f"white-balance gains limited to 1/{max_gain:g}..{max_gain:g}")
            wb = np.clip(wb, 1 / max_gain, max_gain)
        wb = wb / (wb @ _LUMA)  # white balance keeps luminance: exposure is separate
    stops = 0.0
    if exposure and usable_px is not None:
        y = (usable_px * wb) @ _LUMA
        log_avg = float(np.exp(np.mean(np.log(np.maximum(y, 1e-4)))))
        stops = float(np.clip(np.log2(target_grey / log_avg), -max_stops, max_stops))
        if stops > 0:
            # clipping awareness: never push more than max_clip of the (unclipped) pixels to clipping
            peak = (lin * wb).max(axis=1)[~clipped]
            if peak.size:
                limit = float(np.quantile(peak, 1 - max_clip))
                if limit > 0:
                    cap = float(np.log2(float(decode(np.array(0.975))) / limit))
                    if cap < stops:
                        notes.append(f"exposure limited to {max(0.0, cap):+.2f} stops to protect highlights "
                                     f"(wanted {stops:+.2f})")
                        stops = max(0.0, cap)
    gains = wb * 2.0**stops
    grade = GainGrade(gains=(float(gains[0]), float(gains[1]), float(gains[2])))
    after = np.clip(grade(disp), 0, 1).max(axis=1) >= 0.98
    return BalanceResult(grade=grade, white_gains=(float(wb[0]), float(wb[1]), float(wb[2])),
                         exposure_stops=round(stops, 4), clipped_before=float(clipped.mean()),
                         clipped_after=float(after.mean()), notes=tuple(notes))
