"""Progress reporting without a UI dependency.

Library functions that take long accept ``progress: ProgressFn | None`` and call it with
``(done, total)`` in their own units (frames, samples, pages); ``total`` may be None when unknown.
The CLI turns that into a Rich progress bar (:func:`reelkit.cli._ui.progress_bar`).
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[int, "int | None"], None]

__all__ = ["ProgressFn"]
