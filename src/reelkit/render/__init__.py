"""Render timelines to media files (cuts, audio crossfades, burned-in captions).

>>> from reelkit.render import render_timeline          # doctest: +SKIP
>>> render_timeline(timeline, "cut.mp4")                # doctest: +SKIP
"""

from reelkit.render.captions import CaptionPainter, CaptionStyle, draw_caption
from reelkit.render.timeline import RenderResult, render_timeline

__all__ = ["CaptionPainter", "CaptionStyle", "RenderResult", "draw_caption", "render_timeline"]
