"""Shared CLI plumbing: output formats, JSON printing, progress bars, console handles.

Every command that prints results takes ``--format`` (:data:`FormatOpt`) and calls :func:`emit`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from reelkit.fileio import to_json
from reelkit.progress import ProgressFn

if TYPE_CHECKING:
    from reelkit.edit.sources import IndexUse

__all__ = ["ForceOpt", "FormatOpt", "MediaIndexOpt", "NoIndexOpt", "OutFormat", "emit", "err_console", "index_use",
           "out_console", "progress_bar", "warn_line"]

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


class OutFormat(StrEnum):
    """What a command prints on stdout."""

    text = "text"
    json = "json"


FormatOpt = Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")]
MediaIndexOpt = Annotated[Path | None, typer.Option(
    "--index", help="Media index file (default: .reelkit/index.sqlite beside the media, or $REELKIT_INDEX).",
    show_default=False)]
NoIndexOpt = Annotated[bool, typer.Option("--no-index", help="Neither read nor write the media index.")]


def warn_line(message: str) -> None:
    """Print a one-line warning on stderr."""
    err_console.print(f"warning: {message}")


def index_use(index: Path | None, no_index: bool) -> IndexUse:
    """The library's :class:`~reelkit.edit.sources.IndexUse` for ``--index`` / ``--no-index`` (warnings to stderr)."""
    from reelkit.edit.sources import IndexUse

    return IndexUse(path=index, enabled=not no_index, warn=warn_line)


def emit(data: Any, fmt: OutFormat, text: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON on stdout, or call ``text(data)`` to render it for people."""
    if fmt == OutFormat.json:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()
    else:
        text(data)


@contextlib.contextmanager
def progress_bar(description: str, *, unit: str = "frames", enabled: bool | None = None
                 ) -> Iterator[ProgressFn]:
    """A Rich progress bar on stderr, yielded as a :data:`ProgressFn` callback.

    Disabled (a no-op callback) when stderr is not a terminal, so pipes and CI logs stay clean.
    """
    if enabled is None:
        enabled = err_console.is_terminal
    if not enabled:
        yield lambda done, total: None
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as prog:
        task = prog.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            prog.update(task, completed=done, total=total)

        yield update
