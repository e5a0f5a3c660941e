"""Render a reframe plan: the whole source through :class:`~reelkit.render.effects.ReframeEffect`.

A thin front of the one renderer (:func:`reelkit.render.render_timeline`): the source as a one-clip
timeline, its audio carried over, each frame cropped to the plan's window
(:func:`reelkit.render.compose.compose_frame`). To reframe *and* grade or caption, call
``render_timeline`` with both effects (and captions) for a single pass.
"""

from __future__ import annotations

import os
from pathlib import Path

from reelkit.edit.reframe import ReframePlan
from reelkit.progress import ProgressFn
from reelkit.render.compose import compose_frame
from reelkit.render.effects import ReframeEffect
from reelkit.render.timeline import render_timeline
from reelkit.timeline.build import ranges_timeline

__all__ = ["compose_frame", "render_reframe"]


def render_reframe(plan: ReframePlan, out_path: str | os.PathLike[str], *, force: bool = False, crf: int = 20,
                   progress: ProgressFn | None = None) -> Path:
    """Render ``plan`` to ``out_path`` (H.264 + AAC, atomic), the source's audio carried over.

    Raises:
        UsageError: an odd output size.
        OutputExistsError / OutputError: the output exists without ``force`` or cannot be written.
        MediaError and subclasses: the source cannot be decoded.
    """
    effect = ReframeEffect(plan)  # checks the output size before anything is written
    n = len(plan.path.windows)
    tl = ranges_timeline(plan.info, [(0, n)], name=f"{Path(plan.info.path).stem} reframed", rate=plan.rate, frames=n)
    return render_timeline(tl, out_path, effects=[effect], force=force, crf=crf, progress=progress,
                           crossfade_s=0).path  # type: ignore[arg-type]
