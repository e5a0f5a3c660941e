"""Progress reporting without a UI dependency.

Library functions that take long accept ``progress: ProgressFn | None`` and call it with
``(done, total)`` in their own units (frames, samples, pages); ``total`` may be None when unknown.
The CLI turns that into a Rich progress bar (``progress_bar`` in ``cli/_ui.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

ProgressFn = Callable[[int, "int | None"], None]

Stage = Callable[[str], AbstractContextManager["ProgressFn | None"]]
"""A progress display per stage of a longer job: ``stage("shots")`` gives a context manager yielding the
:data:`ProgressFn` of that stage (or None). The CLI makes one progress bar per stage."""

__all__ = ["ProgressFn", "Stage"]
