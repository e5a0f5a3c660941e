"""Burned-in captions drawn with Pillow (FFmpeg in PyAV has no libass/freetype filters).

The font is DejaVu Sans as shipped inside the matplotlib wheel (``matplotlib.get_data_path()``), so
nothing is downloaded and every machine draws the same glyphs. Text gets a dark outline and, by
default, a translucent box behind it for legibility on any picture.

Drawing is cheap: :class:`CaptionPainter` renders each caption once into a small RGBA patch and then
alpha-blends that patch into every frame where the caption shows. :func:`draw_caption` is the
one-shot helper other renderers (reframe, storyboards) may reuse.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reelkit.errors import BackendUnavailable

__all__ = ["CaptionPainter", "CaptionStyle", "caption_font", "draw_caption", "font_path", "render_text_patch"]


def font_path(bold: bool = False) -> Path:
    """Path of DejaVu Sans (Bold) inside matplotlib's package data.

    Raises:
        BackendUnavailable: matplotlib or its bundled fonts are missing.
    """
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a core dependency
        raise BackendUnavailable("captions need matplotlib's bundled DejaVu fonts: pip install matplotlib") from None
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    p = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if not p.is_file():
        raise BackendUnavailable(f"font {name} not found in matplotlib's data ({p}); reinstall matplotlib")
    return p


@functools.lru_cache(maxsize=32)
def caption_font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels (cached)."""
    return ImageFont.truetype(str(font_path(bold)), size=max(6, int(size)))


@dataclass(frozen=True)
class CaptionStyle:
    """How captions look. Sizes are fractions of the frame height so any resolution looks the same.

    Attributes:
        size: font size as a fraction of frame height (0.055 → 59 px at 1080p).
        bottom: distance of the text block's bottom from the frame bottom (fraction of height).
        outline: outline width as a fraction of the font size.
        box: draw a translucent box behind the text.
        box_opacity: 0..1 opacity of that box.
        color / outline_color / box_color: RGB tuples.
        line_spacing: extra space between lines as a fraction of the font size.
        highlight_color: RGB of a highlighted word (see ``highlight`` of :func:`render_text_patch`).
    """

    size: float = 0.055
    bottom: float = 0.07
    outline: float = 0.08
    box: bool = True
    box_opacity: float = 0.55
    color: tuple[int, int, int] = (255, 255, 255)
    outline_color: tuple[int, int, int] = (0, 0, 0)
    box_color: tuple[int, int, int] = (0, 0, 0)
    line_spacing: float = 0.25
    highlight_color: tuple[int, int, int] = (255, 214, 0)


def render_text_patch(lines: Sequence[str], frame_height: int, style: CaptionStyle | None = None,
                      highlight: tuple[int, int] | None = None) -> np.ndarray:
    """Render centred ``lines`` into an ``(h, w, 4)`` uint8 RGBA patch sized to the text (+ box padding).

    ``highlight = (line, word)`` draws that word (words split on spaces) in ``style.highlight_color``.
    """
    style = style or CaptionStyle()
    size = max(8, round(frame_height * style.size))
    font = caption_font(size)
    stroke = max(1, round(size * style.outline))
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    boxes = [probe.textbbox((0, 0), ln, font=font, stroke_width=stroke) for ln in lines]
    ascent, descent = font.getmetrics()
    line_h = ascent + descent + 2 * stroke
    gap = round(size * style.line_spacing)
    text_w = max((b[2] - b[0] for b in boxes), default=0)
    text_h = line_h * len(lines) + gap * max(0, len(lines) - 1)
    pad = round(size * 0.35) if style.box else stroke
    w, h = text_w + 2 * pad, text_h + 2 * pad
    img = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if style.box:
        draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=round(size * 0.25),
                               fill=(*style.box_color, round(255 * style.box_opacity)))
    y = pad
    for li, (ln, b) in enumerate(zip(lines, boxes, strict=True)):
        x = pad + (text_w - (b[2] - b[0])) // 2 - b[0]
        draw.text((x, y + stroke), ln, font=font, fill=(*style.color, 255), stroke_width=stroke,
                  stroke_fill=(*style.outline_color, 255))
        if highlight is not None and highlight[0] == li:
            toks = ln.split(" ")
            if 0 <= highlight[1] < len(toks):
                before = " ".join(toks[:highlight[1]]) + (" " if highlight[1] else "")
                dx = draw.textlength(before, font=font) if before else 0
                draw.text((x + dx, y + stroke), toks[highlight[1]], font=font, fill=(*style.highlight_color, 255),
                          stroke_width=stroke, stroke_fill=(*style.outline_color, 255))
        y += line_h + gap
    return np.asarray(img)


def _blend(image: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend ``patch`` (RGBA) into ``image`` (RGB uint8) at (x, y), clipped to the frame, in place."""
    H, W = image.shape[:2]
    ph, pw = patch.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + pw), min(H, y + ph)
    if x1 <= x0 or y1 <= y0:
        return
    p = patch[y0 - y:y1 - y, x0 - x:x1 - x]
    a = p[..., 3:4].astype(np.uint16)
    region = image[y0:y1, x0:x1]
    region[...] = ((p[..., :3].astype(np.uint16) * a + region.astype(np.uint16) * (255 - a) + 127) // 255
                   ).astype(np.uint8)


def _position(image_shape: tuple[int, ...], patch: np.ndarray, style: CaptionStyle) -> tuple[int, int]:
    H, W = image_shape[:2]
    ph, pw = patch.shape[:2]
    return (W - pw) // 2, H - round(H * style.bottom) - ph


def draw_caption(image: np.ndarray, lines: Sequence[str], style: CaptionStyle | None = None) -> np.ndarray:
    """Draw ``lines`` bottom-centred onto ``image`` ((H, W, 3) uint8 RGB, modified in place) and return it."""
    style = style or CaptionStyle()
    if lines:
        patch = render_text_patch(lines, image.shape[0], style)
        _blend(image, patch, *_position(image.shape, patch, style))
    return image


class CaptionPainter:
    """Draws a sequence of captions onto frames, rendering each caption's patch only once.

    ``painter.paint(image, key, lines)`` draws ``lines`` (cached under ``key``); the cache keeps the
    last few patches only, so memory stays flat over long renders.
    """

    def __init__(self, style: CaptionStyle | None = None) -> None:
        self.style = style or CaptionStyle()
        self._cache: dict[tuple[object, int], np.ndarray] = {}

    def paint(self, image: np.ndarray, key: object, lines: Sequence[str],
              highlight: tuple[int, int] | None = None) -> np.ndarray:
        """Draw ``lines`` onto ``image`` in place (see :func:`draw_caption`; ``highlight`` as in
        :func:`render_text_patch`) and return it."""
        if not lines:
            return image
        ck = (key, image.shape[0])
        patch = self._cache.get(ck)
        if patch is None:
            if len(self._cache) > 8:
                self._cache.clear()
            patch = self._cache[ck] = render_text_patch(lines, image.shape[0], self.style, highlight)
        _blend(image, patch, *_position(image.shape, patch, self.style))
        return image
