"""Storyboards: panels rendered by a small embedded 3-D renderer, contact sheets and Storyboarder export.

The renderer is a numpy ray caster (no model, no download, no GPU): a ground plane with a 1 m grid,
a room (interiors) or a skyline (exteriors), stand-in figures made of ellipsoids placed by the
scene's :class:`~reelkit.script.shotlist.Blocking` (a nose and the hair on the back of the head show
where each one looks), box props, toon shading with pencil outlines, and depth of field from the
thin-lens circle of confusion (:func:`reelkit.camera.lens.circle_of_confusion_mm`) for the shot's
focal length, aperture and focus distance, applied as a blur per depth layer. The camera is a
:class:`~reelkit.camera.lens.PinholeCamera` at the ShotSpec's placement and focal length.

A panel is the rendered frame with the shot code and a movement arrow drawn on it, and a caption
band below (shot code, size, lens, move, duration; then the dialogue or action of the beat).

Outputs: :func:`write_contact_sheet_html` (one self-contained HTML file, PNGs embedded),
:func:`write_contact_sheet_pdf` (multi-page PDF, six panels a page) and
:func:`write_storyboarder` (a ``.storyboarder`` JSON file with the panel PNGs beside it).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import math
import os
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reelkit.camera.lens import PinholeCamera, circle_of_confusion_mm
from reelkit.errors import UsageError
from reelkit.fileio import atomic_output, check_output_path, write_bytes, write_text
from reelkit.progress import ProgressFn
from reelkit.render.captions import caption_font
from reelkit.script.shotlist import Beat, Blocking, SceneCoverage, ShotList
from reelkit.shots import CameraPlacement, LensSpec, ShotSpec, movement_label

__all__ = [
    "Panel",
    "compose_panel",
    "contact_sheet_pages",
    "render_panels",
    "render_shot",
    "render_view",
    "write_contact_sheet_html",
    "write_contact_sheet_pdf",
    "write_storyboarder",
]

_LIGHT = np.array([-0.45, -0.75, 1.1]) / np.linalg.norm([-0.45, -0.75, 1.1])
_PALETTE = [(0.55, 0.62, 0.74), (0.74, 0.52, 0.45), (0.57, 0.66, 0.5), (0.66, 0.55, 0.7), (0.48, 0.66, 0.68),
            (0.75, 0.68, 0.48)]
_SKIN = (0.93, 0.84, 0.76)
_HAIR = (0.25, 0.22, 0.22)
_INK = np.array([0.16, 0.16, 0.19])


def _regular(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (regular) at ``size`` pixels, the captions' font (:func:`reelkit.render.captions.caption_font`)."""
    return caption_font(size, bold=False)


# -- the 3-D scene ------------------------------------------------------------------------------
@dataclass
class _Buffers:
    depth: np.ndarray  # (H, W) camera depth, inf = nothing
    color: np.ndarray  # (H, W, 3) shaded colour in [0, 1]
    ident: np.ndarray  # (H, W) int32 object id (0 = background)


def _shade(n: np.ndarray, albedo: np.ndarray, toon: bool = True) -> np.ndarray:
    lam = np.clip(n @ _LIGHT, 0.0, 1.0)
    lam = np.where(lam > 0.5, 1.0, np.where(lam > 0.15, 0.84, 0.68)) if toon else 0.55 + 0.45 * lam
    return albedo * lam[..., None]


def _bbox(cam: PinholeCamera, center: np.ndarray, radius: float) -> tuple[int, int, int, int] | None:
    """Pixel box (x0, y0, x1, y1) that contains a sphere, or None when it is behind the camera."""
    pc = cam.to_camera(center[None])[0]
    z = pc[2]
    if z + radius <= 0.01:
        return None
    if z - radius <= 0.05:
        return 0, 0, cam.width, cam.height
    u = cam.width / 2.0 + cam.fx * pc[0] / z
    v = cam.height / 2.0 - cam.fx * pc[1] / z
    r = cam.fx * radius / (z - radius) + 2.0
    x0, x1 = max(0, int(u - r)), min(cam.width, int(u + r) + 1)
    y0, y1 = max(0, int(v - r)), min(cam.height, int(v + r) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1


def _box_bbox(cam: PinholeCamera, lo: np.ndarray, hi: np.ndarray) -> tuple[int, int, int, int] | None:
    """Pixel box of an axis-aligned box from its 8 projected corners (the whole frame when a corner is
    behind or very near the camera), or None when it is entirely behind the camera or off-screen."""
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    pc = cam.to_camera(corners)
    z = pc[:, 2]
    if (z <= 0.01).all():
        return None
    if (z <= 0.05).any():
        return 0, 0, cam.width, cam.height
    u = cam.width / 2.0 + cam.fx * pc[:, 0] / z
    v = cam.height / 2.0 - cam.fx * pc[:, 1] / z
    x0, x1 = max(0, int(u.min()) - 1), min(cam.width, int(u.max()) + 2)
    y0, y1 = max(0, int(v.min()) - 1), min(cam.height, int(v.max()) + 2)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1


def _ellipsoid(buf: _Buffers, cam: PinholeCamera, rays: np.ndarray, origin: np.ndarray, center: np.ndarray,
               radii: np.ndarray, axes: np.ndarray, albedo: tuple[float, float, float], ident: int,
               back_albedo: tuple[float, float, float] | None = None, facing: np.ndarray | None = None,
               toon: bool = True) -> None:
    box = _bbox(cam, center, float(radii.max()))
    if box is None:
        return
    x0, y0, x1, y1 = box
    d = rays[y0:y1, x0:x1]
    dl = (d @ axes.T) / radii
    ol = (axes @ (origin - center)) / radii
    a = np.einsum("...i,...i", dl, dl)
    b = 2.0 * (dl @ ol)
    c = float(ol @ ol) - 1.0
    disc = b * b - 4.0 * a * c
    hit = disc > 0
    if not hit.any():
        return
    with np.errstate(invalid="ignore"):
        t = (-b - np.sqrt(np.where(hit, disc, 0.0))) / (2.0 * a)
    hit &= (t > 0.02) & (t < buf.depth[y0:y1, x0:x1])
    if not hit.any():
        return
    pl = ol + dl * t[..., None]
    n = (pl / radii) @ axes
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    alb = np.broadcast_to(np.asarray(albedo, dtype=np.float64), n.shape).copy()
    if back_albedo is not None and facing is not None:
        back = (n @ facing < -0.15) | (n[..., 2] > 0.75)
        alb[back] = back_albedo
    col = _shade(n, alb, toon)
    sub_d, sub_c, sub_i = buf.depth[y0:y1, x0:x1], buf.color[y0:y1, x0:x1], buf.ident[y0:y1, x0:x1]
    sub_d[hit] = t[hit]
    sub_c[hit] = col[hit]
    sub_i[hit] = ident


def _box(buf: _Buffers, cam: PinholeCamera, rays: np.ndarray, origin: np.ndarray, lo: np.ndarray, hi: np.ndarray,
         albedo: tuple[float, float, float], ident: int) -> None:
    box = _box_bbox(cam, lo, hi)
    if box is None:
        return
    x0, y0, x1, y1 = box
    d = rays[y0:y1, x0:x1]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / np.where(np.abs(d) < 1e-12, 1e-12, d)
        t1 = (lo - origin) * inv
        t2 = (hi - origin) * inv
    tmin3 = np.minimum(t1, t2)
    tmax3 = np.maximum(t1, t2)
    tmin = tmin3.max(axis=-1)
    tmax = tmax3.min(axis=-1)
    hit = (tmax >= np.maximum(tmin, 0.0)) & (tmin > 0.02) & (tmin < buf.depth[y0:y1, x0:x1])
    if not hit.any():
        return
    axis = tmin3.argmax(axis=-1)
    n = np.zeros(d.shape)
    sign = -np.sign(np.take_along_axis(d, axis[..., None], axis=-1))[..., 0]
    np.put_along_axis(n, axis[..., None], sign[..., None], axis=-1)
    col = _shade(n, np.broadcast_to(np.asarray(albedo, dtype=np.float64), n.shape))
    sub_d, sub_c, sub_i = buf.depth[y0:y1, x0:x1], buf.color[y0:y1, x0:x1], buf.ident[y0:y1, x0:x1]
    sub_d[hit] = tmin[hit]
    sub_c[hit] = col[hit]
    sub_i[hit] = ident


def _background(buf: _Buffers, cam: PinholeCamera, rays: np.ndarray, origin: np.ndarray, blocking: Blocking,
                seed: int) -> None:
    night = blocking.night
    rz = rays[..., 2]
    if blocking.interior:
        top, bottom = (np.array([0.3, 0.3, 0.34]), np.array([0.36, 0.36, 0.4])) if night else (
            np.array([0.78, 0.77, 0.75]), np.array([0.86, 0.85, 0.82]))
    else:
        top, bottom = (np.array([0.12, 0.14, 0.24]), np.array([0.3, 0.3, 0.38])) if night else (
            np.array([0.62, 0.74, 0.86]), np.array([0.93, 0.93, 0.9]))
    # sky / ceiling gradient by elevation: one value per pixel, blended in place
    k = np.clip(rz / np.sqrt(np.einsum("...i,...i", rays, rays)) * 2.5, 0.0, 1.0)
    buf.color[:] = bottom
    buf.color += k[..., None] * (top - bottom)
    # ground plane z = 0 with a 1 m grid (computed on the ground pixels only)
    gi = np.nonzero(rz < 0)
    r = rays[gi]
    t = -origin[2] / r[:, 2]
    gx = origin[0] + r[:, 0] * t
    gy = origin[1] + r[:, 1] * t
    floor = np.array([0.5, 0.48, 0.46]) if night else (
        np.array([0.8, 0.77, 0.72]) if blocking.interior else np.array([0.72, 0.74, 0.66]))
    foot = t / cam.fx * 1.2  # world size of one pixel on the ground
    line = np.minimum(np.abs(gx - np.round(gx)), np.abs(gy - np.round(gy)))
    grid = np.clip(1.0 - line / np.maximum(foot, 1e-6), 0.0, 1.0) * np.clip(1.0 - foot * 12.0, 0.0, 1.0)
    fog = np.clip(t / (30.0 if blocking.interior else 90.0), 0.0, 1.0)[:, None]
    gcol = floor * (1.0 - 0.22 * grid[:, None])
    buf.color[gi] = gcol * (1 - fog) + bottom * fog
    buf.depth[gi] = t
    buf.ident[gi] = 1
    rng = np.random.default_rng(seed)
    if blocking.interior:
        rx, ry, rh = 5.0, 3.6, 3.0
        wall = np.array([0.55, 0.55, 0.6]) if night else np.array([0.9, 0.88, 0.84])
        for axis, pos, lim, ident in ((0, -rx, (-7.0, ry), 2), (0, rx, (-7.0, ry), 3), (1, ry, (-rx, rx), 4)):
            ra = rays[..., axis]
            with np.errstate(divide="ignore", invalid="ignore"):
                tw = (pos - origin[axis]) / ra
            cand = np.nonzero((tw > 0) & (tw < buf.depth))
            tw_c = tw[cand]
            z = origin[2] + rays[..., 2][cand] * tw_c
            other = origin[1 - axis] + rays[..., 1 - axis][cand] * tw_c
            ok = (z >= 0) & (z <= rh) & (other >= lim[0]) & (other <= lim[1])
            hit = (cand[0][ok], cand[1][ok])
            z, other, tw_c = z[ok], other[ok], tw_c[ok]
            col = np.tile(wall * (0.86 if axis == 0 else 1.0), (z.size, 1))
            # a window on the back wall, a door on the left one, a skirting board everywhere
            if ident == 4:
                wx = rng.uniform(-2.5, 1.0)
                win = (other > wx) & (other < wx + 1.5) & (z > 1.0) & (z < 2.3)
                col[win] = np.array([0.35, 0.4, 0.55]) if night else np.array([0.7, 0.8, 0.9])
            if ident == 2:
                dy = rng.uniform(-1.5, 1.5)
                door = (other > dy) & (other < dy + 0.9) & (z < 2.1)
                col[door] = wall * 0.62
            col[z < 0.12] *= 0.7
            buf.color[hit] = col
            buf.depth[hit] = tw_c
            buf.ident[hit] = ident
    else:
        # a skyline of buildings and some trees beyond the action
        for i in range(9):
            x = -30.0 + i * 7.5 + rng.uniform(-2, 2)
            y = rng.uniform(16, 30)
            hw, hd, hh = rng.uniform(2, 3.5), rng.uniform(2, 4), rng.uniform(4, 14)
            tone = rng.uniform(0.55, 0.75) * (0.55 if night else 1.0)
            _box(buf, cam, rays, origin, np.array([x - hw, y - hd, 0.0]), np.array([x + hw, y + hd, hh]),
                 (tone, tone, tone * 1.04), 10 + i)
        for i in range(6):
            x, y = rng.uniform(-14, 14), rng.uniform(6, 12)
            g = (0.42, 0.55, 0.4) if not night else (0.2, 0.27, 0.22)
            _ellipsoid(buf, cam, rays, origin, np.array([x, y, 2.6]), np.array([1.3, 1.3, 1.6]), np.eye(3), g,
                       30 + i)
            _box(buf, cam, rays, origin, np.array([x - 0.12, y - 0.12, 0.0]), np.array([x + 0.12, y + 0.12, 1.4]),
                 (0.45, 0.38, 0.3), 40 + i)


def _figures(buf: _Buffers, cam: PinholeCamera, rays: np.ndarray, origin: np.ndarray, blocking: Blocking) -> None:
    for k, f in enumerate(blocking.figures):
        ident = 100 + k * 16
        yaw = math.radians(f.facing_deg)
        fwd = np.array([math.cos(yaw), math.sin(yaw), 0.0])
        side = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
        up = np.array([0.0, 0.0, 1.0])
        axes = np.stack([fwd, side, up])
        s = f.height / 1.75
        base = np.array([f.x, f.y, 0.0])
        cloth = _PALETTE[k % len(_PALETTE)]
        trousers = tuple(c * 0.62 for c in cloth)
        parts: list[tuple[np.ndarray, np.ndarray, tuple[float, float, float]]] = [
            (base + side * 0.1 + up * 0.45 * s, np.array([0.075, 0.075, 0.45 * s]), trousers),
            (base - side * 0.1 + up * 0.45 * s, np.array([0.075, 0.075, 0.45 * s]), trousers),
            (base + up * 0.93 * s, np.array([0.12, 0.18, 0.13 * s]), trousers),
            (base + up * 1.2 * s, np.array([0.13, 0.21, 0.3 * s]), cloth),
            (base + side * 0.265 + up * 1.13 * s + fwd * 0.02, np.array([0.06, 0.06, 0.3 * s]), cloth),
            (base - side * 0.265 + up * 1.13 * s + fwd * 0.02, np.array([0.06, 0.06, 0.3 * s]), cloth),
            (base + up * 1.48 * s, np.array([0.05, 0.05, 0.07 * s]), _SKIN),
        ]
        for j, (c, r, alb) in enumerate(parts):
            _ellipsoid(buf, cam, rays, origin, c, r, axes, alb, ident + j)
        head = np.array(f.head)
        hc = head + up * 0.01
        _ellipsoid(buf, cam, rays, origin, hc, np.array([0.1, 0.095, 0.12]), axes, _SKIN, ident + 8,
                   back_albedo=_HAIR, facing=fwd, toon=False)
        _ellipsoid(buf, cam, rays, origin, hc + fwd * 0.098 - up * 0.02, np.array([0.03, 0.022, 0.035]), axes,
                   _SKIN, ident + 9, toon=False)


def _props(buf: _Buffers, cam: PinholeCamera, rays: np.ndarray, origin: np.ndarray, blocking: Blocking) -> None:
    for k, p in enumerate(blocking.props):
        w, d, h = p.size
        lo = np.array([p.x - w / 2, p.y - d / 2, p.z])
        hi = np.array([p.x + w / 2, p.y + d / 2, p.z + h])
        alb = (0.6, 0.5, 0.4) if not p.label else (0.95, 0.85, 0.5)
        if p.label:
            _box(buf, cam, rays, origin, lo, hi, alb, 60 + k)
        else:  # a table: top and four legs
            _box(buf, cam, rays, origin, np.array([lo[0], lo[1], hi[2] - 0.05]), hi, alb, 60 + k)
            for sx in (lo[0] + 0.04, hi[0] - 0.09):
                for sy in (lo[1] + 0.04, hi[1] - 0.09):
                    _box(buf, cam, rays, origin, np.array([sx, sy, 0.0]), np.array([sx + 0.05, sy + 0.05,
                                                                                    hi[2] - 0.05]), alb, 60 + k)


def _outlines(buf: _Buffers, thickness: int) -> np.ndarray:
    ident, depth = buf.ident, buf.depth
    edge = np.zeros(ident.shape, bool)
    finite = np.where(np.isfinite(depth), depth, 1e6)
    for axis in (0, 1):
        di = np.diff(ident, axis=axis) != 0
        dd = np.abs(np.diff(finite, axis=axis)) > 0.12 * np.minimum(
            np.delete(finite, -1, axis=axis), np.delete(finite, 0, axis=axis))
        e = di | dd
        # only outline objects, not the ground/wall seams far away
        obj = (np.delete(ident, -1, axis=axis) >= 10) | (np.delete(ident, 0, axis=axis) >= 10)
        e &= obj
        if axis == 0:
            edge[:-1] |= e
        else:
            edge[:, :-1] |= e
    if thickness > 1:
        edge = cv2.dilate(edge.astype(np.uint8), np.ones((thickness, thickness), np.uint8)) > 0
    return edge


def _depth_of_field(img: np.ndarray, depth: np.ndarray, cam: PinholeCamera, lens: LensSpec,
                    focus_m: float) -> np.ndarray:
    """Blur by depth layer: each pixel takes the image blurred by its own thin-lens circle of confusion."""
    d = np.where(np.isfinite(depth), depth, 1e4)
    coc_px = circle_of_confusion_mm(lens.focal_mm, lens.f_number, focus_m, d) / cam.sensor_width_mm * cam.width
    coc_px = np.clip(coc_px, 0.0, cam.width / 20.0)
    levels = [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    levels = [lv for lv in levels if lv <= max(1.0, float(coc_px.max()) * 1.01) or lv == 0.0]
    if len(levels) == 1 or float(coc_px.max()) < 0.75:
        return img
    blurred = [img] + [cv2.GaussianBlur(img, (0, 0), sigmaX=lv / 2.0) for lv in levels[1:]]
    lv = np.asarray(levels)
    idx = np.clip(np.searchsorted(lv, coc_px, side="right") - 1, 0, len(levels) - 2)
    lo, hi = lv[idx], lv[idx + 1]
    frac = np.clip((coc_px - lo) / (hi - lo), 0.0, 1.0)
    out = np.zeros_like(img)
    for i in range(len(levels)):
        wgt = np.where(idx == i, 1.0 - frac, 0.0) + np.where(idx + 1 == i, frac, 0.0)
        if wgt.any():
            out += blurred[i] * wgt[..., None]
    return out


def render_view(blocking: Blocking, shot: ShotSpec, *, width: int = 960, height: int = 540,
                seed: int | None = None) -> np.ndarray:
    """Render ``shot`` of a staged scene: ``(height, width, 3)`` uint8 RGB.

    The camera stands at ``shot.camera`` (a default wide view when None) with ``shot.lens``; depth
    of field is focused on ``shot.lens.focus_subject`` (else the camera target).

    Raises:
        UsageError: sizes out of range (8…4096 px).
    """
    if not (8 <= width <= 4096 and 8 <= height <= 4096):
        raise UsageError(f"panel size must be 8…4096 pixels a side, got {width}×{height}")
    placement = shot.camera
    if placement is None:
        placement = CameraPlacement((0.0, -8.0, 1.6), (0.0, 0.0, 1.2))
    cam = PinholeCamera(placement.position, placement.target, shot.lens.focal_mm, width, height,
                        roll_deg=placement.roll_deg)
    rays = cam.pixel_rays()
    origin = np.asarray(placement.position, dtype=np.float64)
    buf = _Buffers(np.full((height, width), np.inf), np.zeros((height, width, 3)), np.zeros((height, width), np.int32))
    if seed is None:
        seed = int.from_bytes(hashlib.sha256(blocking.location.encode()).digest()[:4], "little")
    _background(buf, cam, rays, origin, blocking, seed)
    _props(buf, cam, rays, origin, blocking)
    _figures(buf, cam, rays, origin, blocking)
    focus_pt = blocking.point_of(shot.lens.focus_subject) if shot.lens.focus_subject else None
    focus_m = float(cam.to_camera(np.asarray(focus_pt if focus_pt else placement.target)[None])[0, 2])
    img = _depth_of_field(buf.color, buf.depth, cam, shot.lens, max(focus_m, 0.1))
    edges = _outlines(buf, max(1, round(width / 480)))
    edges_f = cv2.GaussianBlur(edges.astype(np.float64), (0, 0), 0.6)
    # outlines are drawn in focus only where the picture is: blur them like the picture
    d = np.where(np.isfinite(buf.depth), buf.depth, 1e4)
    coc_px = circle_of_confusion_mm(shot.lens.focal_mm, shot.lens.f_number, max(focus_m, 0.1), d) / \
        cam.sensor_width_mm * width
    edges_f *= np.clip(1.5 - coc_px / 3.0, 0.0, 1.0)
    img = img * (1.0 - 0.85 * edges_f[..., None]) + _INK * 0.85 * edges_f[..., None]
    # paper: a warm tint and a soft vignette
    yy, xx = np.mgrid[0:height, 0:width]
    r2 = ((xx - width / 2) / (width / 2)) ** 2 + ((yy - height / 2) / (height / 2)) ** 2
    img = img * (1.0 - 0.12 * np.clip(r2 - 0.4, 0, 1)[..., None])
    img = img * np.array([1.0, 0.985, 0.95]) + 0.02
    return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _labels(im: Image.Image, blocking: Blocking, shot: ShotSpec) -> None:
    """Name tags above the heads of figures in frame, and on labelled props."""
    w, h = im.size
    placement = shot.camera
    if placement is None:
        return
    cam = PinholeCamera(placement.position, placement.target, shot.lens.focal_mm, w, h,
                        roll_deg=placement.roll_deg)
    draw = ImageDraw.Draw(im)
    font = _regular(max(9, h // 30))
    tags: list[tuple[str, np.ndarray]] = [(f.name, np.array([f.x, f.y, f.height + 0.12])) for f in blocking.figures]
    labelled = [p for p in blocking.props if p.label]
    for k, p in enumerate(labelled):
        if shot.kind == "insert" and shot.subjects and shot.subjects[0] == p.name:
            tags.append((p.name, np.array([p.x, p.y - p.size[1] / 2, p.z - 0.03])))
        elif shot.kind != "insert":
            tags.append((p.name, np.array([p.x, p.y, p.z + p.size[2] + 0.05 + 0.09 * (k % 2)])))
    for name, pt in tags:
        uv, z = cam.project(pt[None])
        if not np.isfinite(uv[0]).all() or z[0] <= 0.3:
            continue
        u, v = float(uv[0, 0]), float(uv[0, 1])
        label = name if len(name) <= 18 else name[:17] + "…"
        tw = draw.textlength(label, font=font)
        x0 = min(max(2.0, u - tw / 2), w - tw - 2)
        y0 = v - font.size - 4 if hasattr(font, "size") else v - 14
        if not (0 <= v <= h + 40) or y0 < 0 or y0 > h - 10 or u < -tw or u > w + tw:
            continue
        draw.rectangle([x0 - 2, y0 - 1, x0 + tw + 2, y0 + getattr(font, "size", 10) + 2], fill=(255, 255, 250))
        draw.text((x0, y0), label, fill=(40, 40, 48), font=font)


def _arrow(draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], width: int,
           color: tuple[int, int, int] = (200, 40, 40)) -> None:
    draw.line([a, b], fill=color, width=width)
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    size = width * 3.5
    p1 = (b[0] - size * math.cos(ang - 0.45), b[1] - size * math.sin(ang - 0.45))
    p2 = (b[0] - size * math.cos(ang + 0.45), b[1] - size * math.sin(ang + 0.45))
    draw.polygon([b, p1, p2], fill=color)


def _movement_marks(im: Image.Image, movement: str) -> None:
    """Storyboard arrows for camera moves (red, like a board artist's marker)."""
    w, h = im.size
    draw = ImageDraw.Draw(im)
    lw = max(2, w // 200)
    m = w * 0.06
    if movement in ("dolly_in", "zoom_in", "dolly_out", "zoom_out"):
        inward = movement.endswith("_in")
        for cx, cy in ((0, 0), (w, 0), (0, h), (w, h)):
            sx, sy = (1 if cx == 0 else -1), (1 if cy == 0 else -1)
            outer = (cx + sx * m * 0.6, cy + sy * m * 0.6)
            inner = (cx + sx * m * 1.8, cy + sy * m * 1.8)
            _arrow(draw, outer if inward else inner, inner if inward else outer, lw)
    elif movement in ("pan_left", "pan_right", "truck_left", "truck_right", "arc_left", "arc_right"):
        y = h * (0.12 if movement.startswith("pan") else 0.88)
        a, b = (w * 0.3, y), (w * 0.7, y)
        _arrow(draw, a if movement.endswith("right") else b, b if movement.endswith("right") else a, lw)
    elif movement in ("tilt_up", "tilt_down", "crane_up", "crane_down", "pedestal_up", "pedestal_down"):
        x = w * (0.92 if movement.startswith("tilt") else 0.08)
        a, b = (x, h * 0.7), (x, h * 0.3)
        _arrow(draw, a if movement.endswith("up") else b, b if movement.endswith("up") else a, lw)
    elif movement in ("handheld", "steadicam"):
        pts = [(w * 0.82 + i * w * 0.02, h * 0.1 + (i % 2) * h * 0.04) for i in range(6)]
        draw.line(pts, fill=(200, 40, 40), width=lw)
    if movement not in ("static",):
        font = caption_font(max(9, h // 26), bold=True)
        label = movement_label(movement).upper()
        tw = draw.textlength(label, font=font)
        draw.text((w - tw - 6, h - getattr(font, "size", 10) - 8), label, fill=(200, 40, 40), font=font)


def render_shot(coverage: SceneCoverage, shot: ShotSpec, *, width: int = 960, height: int = 540) -> Image.Image:
    """The panel picture of a setup (no caption): 3-D view, name tags, shot code, move arrows."""
    im = Image.fromarray(render_view(coverage.blocking, shot, width=width, height=height))
    _labels(im, coverage.blocking, shot)
    _movement_marks(im, shot.movement)
    draw = ImageDraw.Draw(im)
    font = caption_font(max(10, height // 16), bold=True)
    tw = draw.textlength(shot.code, font=font)
    fs = getattr(font, "size", 12)
    draw.rectangle([0, 0, tw + 12, fs + 10], fill=(255, 255, 250), outline=(40, 40, 48))
    draw.text((6, 3), shot.code, fill=(20, 20, 26), font=font)
    draw.rectangle([0, 0, width - 1, height - 1], outline=(30, 30, 36), width=max(1, width // 320))
    return im


def _caption_lines(beat: Beat, shot: ShotSpec) -> tuple[str, list[str]]:
    head = (f"{shot.code}  {shot.size} {shot.kind.replace('_', ' ')} · {shot.lens.label()} · "
            f"{movement_label(shot.movement)} · {float(beat.duration):.1f} s")
    body: list[str] = []
    if beat.dialogue:
        body.append(beat.dialogue)
    if beat.action:
        body.append(beat.action)
    return head, body


def compose_panel(picture: Image.Image, beat: Beat, shot: ShotSpec, *, caption_lines: int = 4) -> Image.Image:
    """Add the caption band under a panel picture: header line, then dialogue/action wrapped to fit."""
    w, h = picture.size
    fs = max(9, h // 18)
    font_b, font = caption_font(fs, bold=True), _regular(fs)
    band = int((caption_lines + 1) * fs * 1.35 + fs)
    out = Image.new("RGB", (w, h + band), (252, 251, 246))
    out.paste(picture, (0, 0))
    draw = ImageDraw.Draw(out)
    head, body = _caption_lines(beat, shot)
    y = h + fs * 0.5
    while draw.textlength(head, font=font_b) > w - 10 and len(head) > 4:
        head = head[:-2]
    draw.text((6, y), head, fill=(20, 20, 26), font=font_b)
    y += fs * 1.35
    avg = max(1.0, draw.textlength("abcdefghijklmnopqrstuvwxyz", font=font) / 26.0)
    chars = max(10, int((w - 12) / avg))
    wrapped: list[str] = []
    for para in body:
        wrapped.extend(textwrap.wrap(" ".join(para.split()), chars) or [""])
    if len(wrapped) > caption_lines:
        wrapped = wrapped[:caption_lines]
        wrapped[-1] = wrapped[-1][: max(0, chars - 1)].rstrip() + "…"
    for line in wrapped:
        draw.text((6, y), line, fill=(50, 50, 58), font=font)
        y += fs * 1.35
    return out


# -- panels ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Panel:
    """One storyboard panel: its number (1-based), beat and setup, the composed panel with its caption
    (``png``) and the bare 16:9 picture (``picture_png``), both PNG bytes."""

    number: int
    scene: SceneCoverage
    beat: Beat
    shot: ShotSpec
    png: bytes
    picture_png: bytes
    new_shot: bool


def _png(im: Image.Image) -> bytes:
    b = io.BytesIO()
    im.save(b, format="PNG", optimize=False, compress_level=6)
    return b.getvalue()


def render_panels(shotlist: ShotList, *, width: int = 960, height: int = 540,
                  progress: ProgressFn | None = None) -> list[Panel]:
    """Render one panel per beat of the planned cut; each setup's 3-D view is rendered once.

    Raises:
        UsageError: bad panel size; an empty shot list.
    """
    beats = shotlist.beats
    if not beats:
        raise UsageError("the script has no scenes to board (no scene headings)")
    pictures: dict[tuple[int, str], tuple[Image.Image, bytes]] = {}
    panels: list[Panel] = []
    prev_shot: str | None = None
    n = 0
    for sc in shotlist.scenes:
        for b in sc.beats:
            shot = sc.shot(b.shot)
            key = (sc.scene, shot.code)
            if key not in pictures:
                im = render_shot(sc, shot, width=width, height=height)
                pictures[key] = (im, _png(im))
            n += 1
            im, pic_png = pictures[key]
            panels.append(Panel(n, sc, b, shot, _png(compose_panel(im, b, shot)), pic_png, shot.code != prev_shot))
            prev_shot = shot.code
            if progress:
                progress(n, len(beats))
    return panels


# -- contact sheets -------------------------------------------------------------------------------
def write_contact_sheet_html(panels: list[Panel], path: str | os.PathLike[str], *, title: str | None = None,
                             force: bool = False) -> Path:
    """One self-contained HTML page: scene headings and a grid of panels (PNG embedded as data URIs)."""
    t = html.escape(title or "Storyboard")
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{t}</title><style>"
             "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;background:#eeede8;margin:24px;color:#222}"
             "h1{margin:0 0 4px}h2{margin:28px 0 10px;font-size:17px;border-bottom:1px solid #999}"
             ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}"
             "figure{margin:0;background:#fff;border:1px solid #bbb;padding:6px}"
             "figure img{width:100%;display:block}figcaption{font-size:12px;margin-top:4px;color:#444}"
             "</style></head><body>",
             f"<h1>{t}</h1><p>{len(panels)} panels, {len({(p.scene.scene, p.shot.code) for p in panels})} setups, "
             f"{sum(float(p.beat.duration) for p in panels):.1f} s planned.</p>"]
    cur_scene = None
    for p in panels:
        if p.scene.scene != cur_scene:
            if cur_scene is not None:
                parts.append("</div>")
            cur_scene = p.scene.scene
            parts.append(f"<h2>Scene {html.escape(p.scene.number)} — {html.escape(p.scene.heading)}</h2>"
                         "<div class=grid>")
        head, _body = _caption_lines(p.beat, p.shot)
        uri = "data:image/png;base64," + base64.b64encode(p.png).decode("ascii")
        parts.append(f"<figure id=panel-{p.number}><img src=\"{uri}\" alt=\"{html.escape(head)}\">"
                     f"<figcaption>#{p.number} · {html.escape(p.shot.description)}</figcaption></figure>")
    if cur_scene is not None:
        parts.append("</div>")
    parts.append("</body></html>\n")
    return write_text(path, "".join(parts), force=force)


def write_contact_sheet_pdf(panels: list[Panel], path: str | os.PathLike[str], *, title: str | None = None,
                            force: bool = False) -> Path:
    """A multi-page PDF (US Letter landscape, 150 dpi), six panels a page in script order
    (the pages of :func:`contact_sheet_pages`)."""
    pages = contact_sheet_pages(panels, title=title)
    with atomic_output(path, force=force) as tmp:
        pages[0].save(tmp, format="PDF", save_all=True, append_images=pages[1:], resolution=150.0,
                      title=title or "Storyboard", author="reelkit")
    return Path(path)


def contact_sheet_pages(panels: list[Panel], *, title: str | None = None) -> list[Image.Image]:
    """Contact-sheet pages as images: US Letter landscape at 150 dpi (1650×1275), 3×2 panels a page.

    Raises:
        UsageError: no panels.
    """
    if not panels:
        raise UsageError("nothing to put in the PDF: no panels")
    page_w, page_h, margin = 1650, 1275, 60
    cols, rows = 3, 2
    cell_w = (page_w - 2 * margin - (cols - 1) * 30) // cols
    pages: list[Image.Image] = []
    font_t = caption_font(26, bold=True)
    font_s = _regular(18)
    per = cols * rows
    total_pages = (len(panels) + per - 1) // per
    for pi in range(total_pages):
        page = Image.new("RGB", (page_w, page_h), (255, 255, 255))
        draw = ImageDraw.Draw(page)
        draw.text((margin, 22), title or "Storyboard", fill=(20, 20, 20), font=font_t)
        draw.text((page_w - margin - 160, 28), f"page {pi + 1}/{total_pages}", fill=(90, 90, 90), font=font_s)
        chunk = panels[pi * per:(pi + 1) * per]
        for k, p in enumerate(chunk):
            im = Image.open(io.BytesIO(p.png)).convert("RGB")
            scale = cell_w / im.width
            im = im.resize((cell_w, int(im.height * scale)), Image.Resampling.LANCZOS)
            cx = margin + (k % cols) * (cell_w + 30)
            cy = 90 + (k // cols) * ((page_h - 120) // rows)
            head = f"#{p.number}  Sc. {p.scene.number} — {p.scene.heading}"
            if draw.textlength(head, font=font_s) > cell_w:
                while len(head) > 8 and draw.textlength(head + "…", font=font_s) > cell_w:
                    head = head[:-1]
                head = head.rstrip() + "…"
            draw.text((cx, cy - 2), head, fill=(60, 60, 60), font=font_s)
            page.paste(im, (cx, cy + 24))
        pages.append(page)
    return pages


def _uid(text: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    n = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return "".join(alphabet[(n >> (6 * i)) % 36] for i in range(5))


def write_storyboarder(panels: list[Panel], path: str | os.PathLike[str], *, fps: int = 24,
                      aspect_ratio: float = 16 / 9, force: bool = False,
                      clock: Callable[[], float] = time.time) -> Path:
    """Write a Storyboarder project: ``NAME.storyboarder`` (JSON) plus ``board-N-UID.png`` files beside it.

    Each board has ``uid``, ``url``, ``newShot``, ``lastEdited`` (ms), ``number``, ``shot``, ``time`` and
    ``duration`` (ms), ``dialogue``, ``action``, ``notes`` and a ``reference`` layer holding the
    rendered picture (Storyboarder shows it under its drawing layers).

    Raises:
        OutputExistsError: the project file or a board image exists and ``force`` is false.
    """
    final = check_output_path(path, force=force)
    if final.suffix != ".storyboarder":
        raise UsageError(f"a Storyboarder project must end in .storyboarder, got {final.name}")
    folder = final.parent
    now_ms = int(clock() * 1000)
    boards = []
    t_ms = 0
    files: list[tuple[Path, bytes]] = []
    for p in panels:
        uid = _uid(f"{p.number}:{p.shot.code}:{p.beat.dialogue}:{p.beat.action}")
        name = f"board-{p.number}-{uid}.png"
        ref = f"board-{p.number}-{uid}-reference.png"
        dur = round(float(p.beat.duration) * 1000)
        boards.append({
            "uid": uid, "url": name, "newShot": p.new_shot, "lastEdited": now_ms,
            "layers": {"reference": {"url": ref, "opacity": 1}},
            "number": p.number, "shot": p.shot.code, "time": t_ms, "duration": dur,
            "dialogue": p.beat.dialogue, "action": p.beat.action,
            "notes": f"{p.shot.description}. {p.shot.size} {p.shot.angle.replace('_', ' ')}, "
                     f"{movement_label(p.shot.movement)}, {p.shot.lens.label()}",
        })
        t_ms += dur
        files += [(folder / name, p.picture_png), (folder / ref, p.picture_png)]
    for fp, _ in files:
        check_output_path(fp, force=force)
    for fp, data in files:
        write_bytes(fp, data, force=force)
    doc = {"version": "1.18.0", "aspectRatio": aspect_ratio, "fps": fps, "defaultBoardTiming": 2000,
           "boards": boards}
    write_text(final, json.dumps(doc, indent=2, ensure_ascii=False) + "\n", force=force)
    return final
