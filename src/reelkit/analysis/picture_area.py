"""The active picture area: letterbox / pillarbox bars and burned-in black borders.

A row or column belongs to a bar when it is dark in *every* sampled frame (its 99th-percentile
luma at most ``dark`` on the 8-bit scale) and nearly constant; bars are grown inwards from each
edge. A dark night scene is not a bar because somewhere in the film the picture reaches the
edge; with few samples a bar must also be at least ``min_bar`` of the side to count.

>>> from reelkit.analysis.picture_area import active_area
>>> active_area(grey_frames, source_size=(1920, 1080))      # doctest: +SKIP
(240, 0, 1440, 1080)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["active_area"]


def _bar(profile_max: np.ndarray, profile_std: np.ndarray, dark: float, flat: float) -> int:
    """Length of the bar at the start of a 1-D profile (rows or columns)."""
    n = 0
    for m, s in zip(profile_max, profile_std, strict=True):
        if m <= dark and s <= flat:
            n += 1
        else:
            break
    return n


def active_area(frames: Sequence[np.ndarray], *, source_size: tuple[int, int], dark: float = 28.0,
                flat: float = 6.0, min_bar: float = 0.01) -> tuple[int, int, int, int]:
    """The picture area inside any black bars, as ``(x, y, w, h)`` in source pixels.

    Args:
        frames: grey ``(h, w)`` uint8 (or RGB ``(h, w, 3)``) frames sampled over the video, all the
            same size (any scale of the source).
        source_size: ``(W, H)`` of the source picture the result is expressed in.
        dark: largest luma (8-bit) a bar pixel reaches in any frame.
        flat: largest standard deviation of a bar row/column within one frame.
        min_bar: bars thinner than this fraction of the side are ignored (edge noise).

    Returns:
        ``(x, y, w, h)`` with even sizes; the whole picture when no bar is found or when the bars
        would leave less than a quarter of either side.
    """
    W, H = source_size
    if not frames:
        return 0, 0, W, H
    g = np.stack([f if f.ndim == 2 else f.mean(axis=2) for f in frames]).astype(np.float32)  # (k, h, w)
    _, h, w = g.shape
    # per column: max over frames and rows (99th percentile, robust to a stray bright pixel), and
    # the largest within-frame spread
    col_max = np.percentile(g, 99, axis=(0, 1))
    col_std = g.std(axis=1).max(axis=0)
    row_max = np.percentile(g, 99, axis=(0, 2))
    row_std = g.std(axis=2).max(axis=0)
    left = _bar(col_max, col_std, dark, flat)
    right = _bar(col_max[::-1], col_std[::-1], dark, flat)
    top = _bar(row_max, row_std, dark, flat)
    bottom = _bar(row_max[::-1], row_std[::-1], dark, flat)
    left, right = (v if v >= min_bar * w else 0 for v in (left, right))
    top, bottom = (v if v >= min_bar * h else 0 for v in (top, bottom))
    if w - left - right < w / 4 or h - top - bottom < h / 4:
        return 0, 0, W, H
    sx, sy = W / w, H / h
    # round inwards by one analysis pixel: a soft bar edge must not leak into the crop
    x0 = int(np.ceil((left + (1 if left else 0)) * sx))
    x1 = int(np.floor((w - right - (1 if right else 0)) * sx))
    y0 = int(np.ceil((top + (1 if top else 0)) * sy))
    y1 = int(np.floor((h - bottom - (1 if bottom else 0)) * sy))
    aw, ah = x1 - x0, y1 - y0
    aw, ah = aw - aw % 2, ah - ah % 2
    return x0, y0, aw, ah
