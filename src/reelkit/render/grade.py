"""Render graded video: one 3-D LUT per frame range, through :class:`~reelkit.render.effects.GradeEffect`.

A thin front of the one renderer (:func:`reelkit.render.render_timeline`): the source as a one-clip
timeline, each frame through the LUT of its range (FFmpeg's ``lut3d`` or numpy), audio carried
over; a source deeper than 8 bits is graded in 16 bits and written as 10-bit HEVC.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelkit.color.lut import GradedRange
from reelkit.media import probe
from reelkit.progress import ProgressFn
from reelkit.render.effects import GradeBackend, GradeEffect
from reelkit.render.timeline import render_timeline
from reelkit.timeline.build import media_frame_count, ranges_timeline

__all__ = ["RenderReport", "render_graded"]


@dataclass(frozen=True)
class RenderReport:
    """What a graded render did: ``frames`` written and, per frame, the digest of the LUT applied."""

    path: Path
    frames: int
    lut_per_frame: tuple[str, ...]


def render_graded(src: str | os.PathLike[str], out: str | os.PathLike[str], ranges: Sequence[GradedRange], *,
                  backend: GradeBackend = "ffmpeg", crf: int = 18, force: bool = False,
                  progress: ProgressFn | None = None) -> RenderReport:
    """Decode ``src``, grade each frame with the LUT of its range, encode to ``out`` (H.264, or
    10-bit HEVC when the source is deeper than 8 bits), carrying the audio over.

    Frames outside every range are passed through unchanged.

    Raises:
        UsageError: overlapping ranges or an unknown backend; plus media and output errors.
    """
    effect = GradeEffect({Path(src): ranges}, backend)
    info = probe(src)
    rate = info.require_rate()
    tl = ranges_timeline(info, [(0, media_frame_count(info, rate))], name=f"{Path(src).stem} graded")
    res = render_timeline(tl, out, effects=[effect], crf=crf, force=force, progress=progress, crossfade_s=0)
    return RenderReport(path=res.path, frames=len(effect.lut_per_frame), lut_per_frame=tuple(effect.lut_per_frame))
