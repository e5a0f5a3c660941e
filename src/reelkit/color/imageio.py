"""Stills and frame samples for grading: load 8/16-bit, greyscale and alpha images, sample video
frames, write stills and before/after previews.

Images are returned as float64 ``(H, W, 3)`` display RGB in [0, 1]; greyscale is replicated to
three channels, alpha is returned separately (and excluded from colour statistics).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from reelkit.analysis.driver import VideoNeed, frames_in
from reelkit.errors import UnsupportedMediaError, UsageError
from reelkit.fileio import check_input_file, write_bytes
from reelkit.media import Frame, MediaInfo, probe
from reelkit.media.limits import default_limits

__all__ = ["IMAGE_SUFFIXES", "Still", "is_image", "load_image", "load_samples", "middle_still", "preview_image",
           "save_image", "video_frame"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})


@dataclass(frozen=True)
class Still:
    """A decoded still.

    Attributes:
        rgb: ``(H, W, 3)`` float64 display RGB in [0, 1].
        alpha: ``(H, W)`` float64 in [0, 1] or None.
        bit_depth: 8 or 16 (bits per channel in the file).
        grey: the file was greyscale.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int
    grey: bool

    def mask(self) -> np.ndarray | None:
        """Pixels that count for colour statistics (alpha ≥ 0.5), or None when all do."""
        return None if self.alpha is None else self.alpha >= 0.5


def is_image(path: str | os.PathLike[str]) -> bool:
    """True when the path's suffix is a still-image format."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def load_image(path: str | os.PathLike[str]) -> Still:
    """Read a PNG/JPEG/TIFF/BMP/WebP still (8 or 16 bit; grey, grey+alpha, RGB or RGBA).

    Raises:
        MediaNotFoundError: missing/empty file. UnsupportedMediaError: not a decodable image.
        MediaLimitError: above the pixel limit.
    """
    p = check_input_file(path, what="image")
    data = np.fromfile(p, dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise UnsupportedMediaError(f"{p} is not an image reelkit can read (PNG, JPEG, TIFF, BMP, WebP)")
    if img.shape[0] * img.shape[1] > default_limits().max_pixels:
        from reelkit.errors import MediaLimitError

        raise MediaLimitError(f"{p} is {img.shape[1]}×{img.shape[0]}, above the pixel limit")
    if img.dtype == np.uint8:
        scale, depth = 255.0, 8
    elif img.dtype == np.uint16:
        scale, depth = 65535.0, 16
    elif img.dtype in (np.float32, np.float64):
        scale, depth = 1.0, 32
    else:
        raise UnsupportedMediaError(f"{p}: unsupported sample type {img.dtype}")
    x = img.astype(np.float64) / scale
    alpha = None
    grey = False
    if x.ndim == 2:
        grey = True
        rgb = np.repeat(x[:, :, None], 3, axis=2)
    elif x.shape[2] == 2:
        grey = True
        rgb, alpha = np.repeat(x[:, :, :1], 3, axis=2), x[:, :, 1]
    elif x.shape[2] == 3:
        rgb = x[:, :, ::-1]
    elif x.shape[2] == 4:
        rgb, alpha = x[:, :, 2::-1], x[:, :, 3]
    else:
        raise UnsupportedMediaError(f"{p}: {x.shape[2]}-channel images are not supported")
    if not grey and np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 1], rgb[:, :, 2]):
        grey = True
    return Still(rgb=np.ascontiguousarray(np.clip(rgb, 0, 1)), alpha=alpha, bit_depth=depth, grey=grey)


def load_samples(path: str | os.PathLike[str], *, frames: int = 8, max_side: int = 320,
                 start: int = 0, end: int | None = None) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Images to take colour statistics from: the still itself (downscaled to ``max_side``), or
    ``frames`` frames spread evenly over ``[start, end)`` of a video (10-bit video read as rgb48).

    Returns ``(images, masks)``: float ``(h, w, 3)`` arrays and alpha masks (None = all pixels).
    """
    if is_image(path):
        st = load_image(path)
        rgb, mask = st.rgb, st.mask()
        h, w = rgb.shape[:2]
        if max(h, w) > max_side:
            s = max_side / max(h, w)
            size = (max(1, round(w * s)), max(1, round(h * s)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            if mask is not None:
                mask = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
        return [rgb], [mask]
    info = probe(path)
    v = info.require_video()
    total = v.frames
    stop = end if end is not None else total
    if stop is None:
        stop = start + frames  # unknown length: the first frames
    span = max(1, stop - start)
    step = max(1, span // max(1, frames))
    fmt = "rgb48" if (v.bit_depth or 8) > 8 else "rgb24"
    imgs = [f.image.astype(np.float64) / (65535.0 if fmt == "rgb48" else 255.0)
            for f in _frames(path, info, VideoNeed(max_side=max_side, pixel_format=fmt, every=step), frames,
                             start, stop)]
    if not imgs:
        raise UsageError(f"no frames decoded from {path} in [{start}, {stop})")
    return imgs, [None] * len(imgs)


def _frames(path: str | os.PathLike[str], info: MediaInfo, need: VideoNeed, limit: int, start: int,
            stop: int) -> list[Frame]:
    """Up to ``limit`` frames of ``need`` in ``[start, stop)`` through the analysis driver (a full-quality
    decode: these pictures are graded and shown); [] when none decodes there."""
    return frames_in(path, need, start, stop, limit=limit, info=info, draft=False)


def video_frame(path: str | os.PathLike[str], index: int, *, max_side: int | None = None,
                info: MediaInfo | None = None) -> np.ndarray:
    """Frame ``index`` (0-based, decode order) of a video as float64 ``(H, W, 3)`` display RGB in [0, 1]
    (10-bit and deeper sources read as rgb48), downscaled to ``max_side`` when given.

    Raises:
        UsageError: the frame cannot be decoded (past the end, or a damaged file).
    """
    info = info or probe(path)
    v = info.require_video()
    fmt = "rgb48" if (v.bit_depth or 8) > 8 else "rgb24"
    for f in _frames(path, info, VideoNeed(max_side=max_side, pixel_format=fmt), 1, index, index + 1):
        return f.image.astype(np.float64) / (65535.0 if fmt == "rgb48" else 255.0)
    raise UsageError(f"frame {index} of {path} could not be decoded")


def middle_still(path: str | os.PathLike[str], *, max_side: int = 1280) -> Still:
    """A still, or the middle frame of a video (the first when the middle cannot be decoded), downscaled
    to ``max_side``.

    Raises:
        UsageError: no frame could be decoded.
    """
    if is_image(path):
        return load_image(path)
    info = probe(path)
    v = info.require_video()
    depth = 16 if (v.bit_depth or 8) > 8 else 8
    for k in dict.fromkeys(((v.frames or 1) // 2, 0)):
        try:
            return Still(video_frame(path, k, max_side=max_side, info=info), None, depth, False)
        except UsageError:
            continue
    raise UsageError(f"no frame could be decoded from {path}")


def _encode(path: Path, rgb: np.ndarray, alpha: np.ndarray | None, bit_depth: int) -> bytes:
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise UsageError(f"cannot write a still as {suffix or 'no extension'}; use .png, .jpg or .tif")
    deep = bit_depth > 8 and suffix in (".png", ".tif", ".tiff")
    scale, dtype = (65535.0, np.uint16) if deep else (255.0, np.uint8)
    chans = [rgb[:, :, 2], rgb[:, :, 1], rgb[:, :, 0]]
    if alpha is not None and suffix in (".png", ".tif", ".tiff", ".webp"):
        chans.append(alpha)
    arr = (np.clip(np.stack(chans, -1), 0, 1) * scale + 0.5).astype(dtype)
    ok, buf = cv2.imencode(suffix, arr, [cv2.IMWRITE_JPEG_QUALITY, 95] if suffix in (".jpg", ".jpeg") else [])
    if not ok:
        raise UsageError(f"could not encode {path.name}")
    return buf.tobytes()


def save_image(path: str | os.PathLike[str], rgb: np.ndarray, *, alpha: np.ndarray | None = None,
               bit_depth: int = 8, force: bool = False) -> Path:
    """Write float display RGB ``(H, W, 3)`` in [0, 1] (and alpha) as a still, atomically.

    16-bit output for ``bit_depth > 8`` when the format allows it (PNG, TIFF).
    """
    p = Path(path)
    return write_bytes(p, _encode(p, rgb, alpha, bit_depth), force=force)


def _label(img: np.ndarray, text: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    d.rectangle((0, 0, 8 + 7 * len(text), 18), fill=(0, 0, 0))
    d.text((4, 3), text, fill=(255, 255, 255))
    return np.asarray(pil)


def preview_image(panels: Sequence[tuple[str, np.ndarray]], *, height: int = 270) -> np.ndarray:
    """Side-by-side labelled panels (``(label, float RGB image)``), each scaled to ``height``; uint8."""
    out = []
    for label, img in panels:
        h, w = img.shape[:2]
        nw = max(1, round(w * height / h))
        small = cv2.resize(np.clip(img, 0, 1).astype(np.float32), (nw, height), interpolation=cv2.INTER_AREA)
        out.append(_label((small * 255 + 0.5).astype(np.uint8), label))
        out.append(np.full((height, 4, 3), 255, np.uint8))
    return np.concatenate(out[:-1], axis=1)
