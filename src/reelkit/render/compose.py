"""Compose one reframed output picture from a source frame: crop window, split panels or padding.

Each output frame is the source frame's crop window scaled to the output size (OpenCV area
filter when shrinking, cubic when enlarging). Shots planned as ``split`` stack their two panels
(top and bottom halves); ``pad`` shots show the whole picture fitted to the output width over a
blurred, darkened fill made from the same frame; ``track``/``passthrough`` shots crop and scale.
"""

from __future__ import annotations

import numpy as np

__all__ = ["compose_frame", "resize"]


def resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``img`` scaled to ``size`` (w, h): area filter when shrinking, cubic when enlarging; as is when equal."""
    import cv2

    h, w = img.shape[:2]
    if (w, h) == size:
        return img
    interp = cv2.INTER_AREA if size[0] < w else cv2.INTER_CUBIC
    return cv2.resize(img, size, interpolation=interp)


def _crop(img: np.ndarray, win: tuple[float, float, float, float]) -> np.ndarray:
    x, y, w, h = (int(np.floor(float(v) + 0.5)) for v in win)
    ih, iw = img.shape[:2]
    x = min(max(0, x), max(0, iw - w))
    y = min(max(0, y), max(0, ih - h))
    return img[y:y + h, x:x + w]


def _crop_resize(img: np.ndarray, win: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """The window (sub-pixel position) scaled to ``size``.

    Down to half size a bilinear warp samples the exact fractional position, so slow pans glide
    instead of stepping a whole source pixel at a time; stronger reductions use an area filter on
    the whole-pixel crop (a warp would alias).
    """
    import cv2

    x, y, w, h = (float(v) for v in win)
    ih, iw = img.shape[:2]
    x = min(max(0.0, x), max(0.0, iw - w))
    y = min(max(0.0, y), max(0.0, ih - h))
    scale = size[0] / w
    if scale < 0.5 or (x == int(x) and y == int(y)):
        return resize(_crop(img, (x, y, w, h)), size)
    m = np.float32([[scale, 0, -x * scale], [0, size[1] / h, -y * size[1] / h]])
    return cv2.warpAffine(img, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _padded(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    ow, oh = size
    ih, iw = img.shape[:2]
    # fill: the picture zoomed to cover the output, blurred at low resolution (cheap) and darkened
    cover = max(ow / iw, oh / ih)
    cw, ch = min(iw, round(ow / cover)), min(ih, round(oh / cover))
    fill = img[(ih - ch) // 2:(ih - ch) // 2 + ch, (iw - cw) // 2:(iw - cw) // 2 + cw]
    tiny = cv2.resize(fill, (max(4, ow // 16), max(4, oh // 16)), interpolation=cv2.INTER_AREA)
    tiny = cv2.GaussianBlur(tiny, (0, 0), 2.0)
    out = (cv2.resize(tiny, (ow, oh), interpolation=cv2.INTER_LINEAR).astype(np.float32) * 0.55).astype(np.uint8)
    fit = min(ow / iw, oh / ih)
    fw, fh = max(1, round(iw * fit)), max(1, round(ih * fit))
    fg = resize(img, (fw, fh))
    x0, y0 = (ow - fw) // 2, (oh - fh) // 2
    out[y0:y0 + fh, x0:x0 + fw] = fg
    return out


def compose_frame(img: np.ndarray, window: tuple[float, float, float, float], mode: str,
                  panels: tuple[tuple[int, int, int, int], ...], size: tuple[int, int]) -> np.ndarray:
    """One output frame ``(h, w, 3)`` uint8 from a source frame, its window and the shot's mode."""
    ow, oh = size
    if mode == "pad":
        return _padded(img, size)
    if mode == "split" and len(panels) >= 2:
        top = oh // 2
        a = resize(_crop(img, panels[0]), (ow, top))
        b = resize(_crop(img, panels[1]), (ow, oh - top))
        out = np.concatenate([a, b], axis=0)
        out[top - 1:top + 1] = 16  # a thin dark seam, as editors draw between split panels
        return out
    return _crop_resize(img, window, size)
