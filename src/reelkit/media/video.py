"""Sequential, threaded video decoding to numpy frames.

``read_frames`` is the one decode loop of reelkit. Downscaling happens on the decoded YUV planes
(OpenCV's area filter, then one colour-matrix transform at the small size; swscale for other pixel
formats), so no full-size RGB array is ever made; ``draft=True`` trades exactness for speed for
detectors (no deblocking, subsampled planes). Rotation metadata is applied so frames come out
upright, and frame indices are 0-based positions in decode (presentation) order, also after a seek
and also for variable-frame-rate files.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np

from reelkit.errors import DecodeError, MediaLimitError, UsageError
from reelkit.media._open import decode_packets, open_input
from reelkit.media.limits import Limits, default_limits
from reelkit.media.probe import MediaInfo, VideoInfo, probe

__all__ = ["Frame", "FrameOutput", "PixelFormat", "output_size", "read_frames"]

PixelFormat = Literal["rgb24", "gray", "rgb48", "yuv420p"]
_AV_FORMAT = {"rgb24": "rgb24", "gray": "gray", "rgb48": "rgb48le", "yuv420p": "yuv420p"}


@dataclass(frozen=True)
class Frame:
    """A decoded picture.

    Attributes:
        index: 0-based frame index in presentation order.
        time_s: presentation time in seconds from the stream start (exact Fraction), or None.
        image: ``(H, W, 3)`` uint8 RGB, ``(H, W)`` uint8 grey, or ``(H, W, 3)`` uint16 RGB (rgb48).
    """

    index: int
    time_s: Fraction | None
    image: np.ndarray
    #: the same picture at the extra sizes asked for with ``read_frames(also=...)`` (None where that
    #: output's ``every`` skips this frame); empty otherwise
    extra: tuple[np.ndarray | None, ...] = ()


@dataclass(frozen=True)
class FrameOutput:
    """An extra output of one decode (:func:`read_frames` ``also=``): the longest side in pixels
    (None: full size), the pixel format, and every how many frames it is made (by frame index)."""

    max_side: int | None
    pixel_format: PixelFormat = "rgb24"
    every: int = 1


def output_size(video: VideoInfo, width: int | None = None, height: int | None = None,
                max_side: int | None = None) -> tuple[int, int]:
    """Display-oriented output size (w, h) for a requested width/height/longest side.

    One of ``width``/``height`` keeps the display aspect ratio (rotation and SAR applied);
    ``max_side`` shrinks (never enlarges) so the longer side is at most that many pixels.
    Sizes are at least 1 pixel.
    """
    dw, dh = video.display_size
    sar = video.sar or Fraction(1)
    aspect = Fraction(dw, dh) * (sar if video.rotation in (0, 180) else 1 / sar)
    if width and height:
        return int(width), int(height)
    if width:
        return int(width), max(1, round(width / aspect))
    if height:
        return max(1, round(height * aspect)), int(height)
    w, h = (round(dh * aspect), dh) if aspect >= Fraction(dw, dh) else (dw, round(dw / aspect))
    if max_side and max(w, h) > max_side:
        scale = max_side / max(w, h)
        w, h = max(1, round(w * scale)), max(1, round(h * scale))
    return int(w), int(h)


_PLANAR_YUV = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p",
               "yuv420p10le", "yuv422p10le", "yuv444p10le"}
#: (Kr, Kb) luma coefficients by matrix
_KRKB = {"bt709": (0.2126, 0.0722), "bt601": (0.299, 0.114), "bt2020": (0.2627, 0.0593)}


def _plane(frame: av.VideoFrame, i: int, deep: bool) -> np.ndarray:
    p = frame.planes[i]
    dtype = np.uint16 if deep else np.uint8
    itemsize = 2 if deep else 1
    a = np.frombuffer(p, dtype).reshape(p.height, p.line_size // itemsize)
    return a[:, : p.width]


def _shrink(plane: np.ndarray, w: int, h: int, fast: bool) -> np.ndarray:
    """Area-downscale a plane to (w, h); ``fast`` first keeps every k-th sample (k chosen so the area
    step still averages at least 3×3 samples) — ~4× cheaper on 1080p, slightly more aliasing."""
    if plane.shape[1] == w and plane.shape[0] == h:
        return plane
    if fast:
        k = int(min(plane.shape[1] / w, plane.shape[0] / h) // 3)
        if k >= 2:
            plane = plane[::k, ::k]
    import cv2  # lazy: OpenCV costs ~0.1 s to import, and probing or audio work never needs it

    return cv2.resize(plane, (w, h), interpolation=cv2.INTER_AREA)


@functools.lru_cache(maxsize=32)
def _yuv_to_rgb_matrix(matrix: str, bits: int, full_range: bool, out_max: float) -> np.ndarray:
    """3×4 affine map (for ``cv2.transform``) from stored Y'CbCr code values of ``bits`` depth to
    R'G'B' code values in ``[0, out_max]`` (BT.709/601/2020 matrices, limited or full range).
    Cached (one per stream, not per frame), so the array is read-only."""
    kr, kb = _KRKB[matrix]
    kg = 1.0 - kr - kb
    if full_range:
        top = float((1 << bits) - 1)
        gains = np.full(3, 1 / top)
        offsets = np.array([0.0, -(1 << (bits - 1)) / top, -(1 << (bits - 1)) / top])
    else:
        m = float(1 << (bits - 8))
        gains = np.array([1 / (219 * m), 1 / (224 * m), 1 / (224 * m)])
        offsets = np.array([-16 / 219, -128 / 224, -128 / 224])
    # R, G, B from (Y' in [0, 1], Cb and Cr in [-0.5, 0.5])
    a = np.array([[1.0, 0.0, 2 * (1 - kr)],
                  [1.0, -2 * kb * (1 - kb) / kg, -2 * kr * (1 - kr) / kg],
                  [1.0, 2 * (1 - kb), 0.0]])
    m3x4 = np.hstack([a * gains, (a @ offsets)[:, None]]) * out_max
    m3x4.setflags(write=False)
    return m3x4


def _fast_small(frame: av.VideoFrame, w: int, h: int, pixel_format: str, fast: bool = False) -> np.ndarray | None:
    """Downscale planar YUV with OpenCV's area filter, then convert at the small size.

    swscale's area/bilinear downscale costs more than the H.264 decode itself; resampling the
    planes directly is ~20x cheaper. The colour conversion is one ``cv2.transform`` in integers
    (rounded, saturated). With ``fast``, subsampled chroma (4:2:0, 4:2:2) is shrunk to the output's
    chroma grid and bilinearly upsampled — the structure of the source itself, and 3-4× cheaper
    than an area filter at a non-integer ratio. Returns None for formats this path does not handle
    (the caller then uses swscale). Only used when shrinking.
    """
    import cv2

    name = frame.format.name
    if name not in _PLANAR_YUV or w > frame.width or h > frame.height:
        return None
    deep = name.endswith("10le")
    bits = 10 if deep else 8
    full_range = name.startswith("yuvj") or int(frame.color_range or 0) == 2
    out_max = 65535.0 if pixel_format == "rgb48" else 255.0
    y = _shrink(_plane(frame, 0, deep), w, h, fast)
    if pixel_format == "gray":
        gain, off = (1 / ((1 << bits) - 1), 0.0) if full_range else (1 / (219 << (bits - 8)), -16 / 219)
        g = cv2.transform(y[:, :, None], np.array([[gain * out_max, off * out_max]]))
        return g if not deep else np.minimum(g, 255).astype(np.uint8)
    cw, ch = w, h
    if fast:
        sx = max(1, round(frame.width / frame.planes[1].width))
        sy = max(1, round(frame.height / frame.planes[1].height))
        cw, ch = -(-w // sx), -(-h // sy)
    u = _shrink(_plane(frame, 1, deep), cw, ch, fast)
    v = _shrink(_plane(frame, 2, deep), cw, ch, fast)
    if (cw, ch) != (w, h):
        u = cv2.resize(u, (w, h), interpolation=cv2.INTER_LINEAR)
        v = cv2.resize(v, (w, h), interpolation=cv2.INTER_LINEAR)
    yuv = cv2.merge([y, u, v])
    if pixel_format == "rgb48" and not deep:
        yuv = yuv.astype(np.uint16)  # cv2.transform keeps the depth; 16 bits so it saturates at 65535
    cs = int(frame.colorspace or 2)
    matrix = {1: "bt709", 5: "bt601", 6: "bt601", 9: "bt2020", 10: "bt2020"}.get(
        cs, "bt709" if frame.height >= 720 else "bt601")
    rgb = cv2.transform(yuv, _yuv_to_rgb_matrix(matrix, bits, full_range, out_max))
    if deep and pixel_format != "rgb48":
        rgb = np.minimum(rgb, 255).astype(np.uint8)
    return rgb


def _convert(frame: av.VideoFrame, sw_w: int, sw_h: int, pixel_format: PixelFormat, full: bool, rot: int,
             draft: bool) -> np.ndarray:
    """One decoded picture as a numpy array at ``(sw_w, sw_h)`` (stored orientation), then rotated upright."""
    if full and pixel_format == "rgb24" and rot == 0:
        arr = frame.to_ndarray(format="rgb24")
    elif pixel_format == "yuv420p":
        yuv = frame if full and frame.format.name == "yuv420p" else frame.reformat(
            width=sw_w, height=sw_h, format="yuv420p", interpolation="AREA")
        arr = yuv.to_ndarray()
    else:
        arr = _fast_small(frame, sw_w, sw_h, pixel_format, draft) if not full else None
        if arr is None:
            arr = frame.reformat(width=sw_w, height=sw_h, format=_AV_FORMAT[pixel_format],
                                 interpolation="AREA").to_ndarray()
    if rot:
        arr = np.ascontiguousarray(np.rot90(arr, k=rot // 90))
    return arr


def _pts_index(path: Path, limits: Limits, stream_index: int) -> list[int]:
    """Sorted presentation timestamps of every video packet (an index for VFR seeking)."""
    with open_input(path, limits) as c:
        s = c.streams.video[[x.index for x in c.streams.video].index(stream_index)]
        return sorted(p.pts for p in c.demux(s) if p.pts is not None and p.size)


def read_frames(
    path: str | os.PathLike[str],
    *,
    width: int | None = None,
    height: int | None = None,
    max_side: int | None = None,
    pixel_format: PixelFormat = "rgb24",
    start: int = 0,
    end: int | None = None,
    step: int = 1,
    info: MediaInfo | None = None,
    limits: Limits | None = None,
    threads: int = 0,
    draft: bool = False,
    also: Sequence[FrameOutput] = (),
) -> Iterator[Frame]:
    """Decode frames ``start`` ≤ index < ``end`` (every ``step``-th) as numpy arrays.

    Args:
        path: media file.
        width, height, max_side: output size in display orientation (see :func:`output_size`);
            default is full size.
        pixel_format: ``rgb24`` (uint8 RGB), ``gray`` (uint8 luma), ``rgb48`` (uint16 RGB for
            10/12-bit grading work), or ``yuv420p``: planar I420 as one ``(H*3/2, W)`` uint8 array (Y,
            then U, then V; even sizes, unrotated media only) for pass-through to
            :meth:`reelkit.media.MediaWriter.write_video` without RGB conversions (the renderer's fast path).
        start, end: frame range; ``start > 0`` seeks to the nearest keyframe before it.
        step: yield every ``step``-th frame (others are decoded but not converted).
        info: a probe result to reuse; probed when omitted.
        limits: safety limits.
        threads: decoder threads (0 = FFmpeg's choice).
        draft: analysis-grade frames, for detectors at small sizes. The decoder skips the in-loop
            deblocking filter (H.264/HEVC: ~20 % less decode CPU; blocking edges and a slow drift
            until the next keyframe, ~1-7/255 mean at 128 px), and when shrinking a lot the planes
            are subsampled before the area filter and chroma is shrunk to the output's chroma grid
            (~3× cheaper conversion on 1080p, a little more aliasing). Not for pictures people see.
        also: extra outputs of the same decoded pictures (:class:`FrameOutput`, e.g. a 640-px frame
            every 8th frame beside the 128-px analysis frames), in ``Frame.extra`` in the same order;
            ``draft`` applies to them too. This is how one decode serves detectors of several sizes.

    Yields:
        :class:`Frame` objects in presentation order.

    Raises:
        NoVideoStreamError, MediaLimitError, DecodeError, plus the errors of :func:`probe`.
    """
    limits = limits or default_limits()
    info = info or probe(path, limits=limits)
    video = info.require_video()
    limits.check_duration(info.path, info.duration_s)
    if start < 0 or (end is not None and end < start) or step < 1:
        raise UsageError(f"bad frame range start={start} end={end} step={step}")
    out_w, out_h = output_size(video, width, height, max_side)
    if pixel_format == "yuv420p" and (video.rotation or out_w % 2 or out_h % 2):
        raise UsageError("yuv420p frames need unrotated media and an even output size; use rgb24")
    if out_w * out_h > limits.max_pixels:
        raise MediaLimitError(f"requested output {out_w}×{out_h} exceeds the pixel limit")
    rot = video.rotation
    # swscale works on the stored orientation; rotate afterwards (cheap at analysis sizes)
    sw_w, sw_h = (out_h, out_w) if rot in (90, 270) else (out_w, out_h)
    full = (sw_w, sw_h) == (video.width, video.height)
    extras: list[tuple[int, int, int, PixelFormat, bool, int]] = []  # (every, w, h, format, full, rot)
    for o in also:
        if o.every < 1 or o.pixel_format == "yuv420p":
            raise UsageError("extra outputs need every >= 1 and an rgb24/gray/rgb48 format")
        ow, oh = output_size(video, None, None, o.max_side)
        if ow * oh > limits.max_pixels:
            raise MediaLimitError(f"requested output {ow}×{oh} exceeds the pixel limit")
        xw, xh = (oh, ow) if rot in (90, 270) else (ow, oh)
        extras.append((o.every, xw, xh, o.pixel_format, (xw, xh) == (video.width, video.height), rot))

    pts_table: list[int] | None = None
    with open_input(info.path, limits) as container:
        stream = next(s for s in container.streams.video if s.index == video.index)
        stream.thread_type = "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        if draft:
            stream.codec_context.options = {"skip_loop_filter": "all"}
        tb = stream.time_base or Fraction(1, 1)
        t0 = stream.start_time or 0
        cfr_rate = video.rate if video.vfr is False else None
        index: int | None = 0
        if start > 0:
            if cfr_rate is None:
                pts_table = _pts_index(info.path, limits, video.index)
                if start >= len(pts_table):
                    return
                target = pts_table[start]
            else:
                target = t0 + round(Fraction(start) / cfr_rate / tb)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            index = None  # recomputed from the first frame's pts

        def index_of(pts: int | None) -> int | None:
            if pts is None:
                return None
            if cfr_rate is not None:
                return round((pts - t0) * tb * cfr_rate)
            if pts_table is not None:
                i = bisect.bisect_left(pts_table, pts)
                return i if i < len(pts_table) and pts_table[i] == pts else None
            return None

        for frames in decode_packets(container, stream, info.path, "video"):
            for frame in frames:
                if index is None:
                    index = index_of(frame.pts)
                    if index is None:
                        raise DecodeError(f"{info.path}: cannot seek by frame (no timestamps)")
                i = index
                index += 1
                if i < start:
                    continue
                if end is not None and i >= end:
                    return
                if (i - start) % step:
                    continue
                arr = _convert(frame, sw_w, sw_h, pixel_format, full, rot, draft)
                extra = tuple(_convert(frame, *o[1:], draft) if i % o[0] == 0 else None for o in extras)
                t = (frame.pts - t0) * tb if frame.pts is not None else None
                yield Frame(index=i, time_s=Fraction(t) if t is not None else None, image=arr, extra=extra)
