"""``reel assemble SCRIPT.fountain FOOTAGE_DIR -o assembly.otio --report coverage.html``: the script-order assembly.

The library does the work (:func:`reelkit.edit.assembly.assemble`); this module checks every output before any
work, writes the timeline in every NLE format the project exports, the coverage report, and prints a summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import (
    ForceOpt,
    FormatOpt,
    MediaIndexOpt,
    NoIndexOpt,
    OutFormat,
    emit,
    err_console,
    index_use,
    out_console,
    progress_bar,
)
from reelkit.errors import UsageError

__all__ = ["assemble_cmd", "register"]


def assemble_cmd(
    script: Annotated[Path, typer.Argument(help="Screenplay (.fountain or .fdx) whose dialogue the takes read.",
                                           show_default=False)],
    footage: Annotated[Path, typer.Argument(help="Folder of takes (video or audio files).", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Assembly timeline (.otio); .fcpxml, .xml (FCP7) "
                                         "and .edl are written beside it.", show_default=False)],
    report: Annotated[Path | None, typer.Option("--report", help="Coverage report (HTML).", show_default=False)
                      ] = None,
    backend: Annotated[str | None, typer.Option("--backend", "-b", help="ASR backend (default: the speech "
                                                "module's).", show_default=False)] = None,
    model: Annotated[Path | None, typer.Option("--model", metavar="PATH", help="Local model folder "
                                               "(faster-whisper).", show_default=False)] = None,
    language: Annotated[str, typer.Option("--language", help="Language of the script; takes in another are "
                                          "skipped.")] = "en",
    min_accuracy: Annotated[float, typer.Option("--min-accuracy", help="Share of a line's words a reading must "
                                                "match to count.")] = 0.6,
    max_take_minutes: Annotated[float, typer.Option("--max-take-minutes", help="Skip takes longer than this.")
                                ] = 30.0,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Transcribe every take, find each script line in them, and cut the best take of every line in script order.

    Alternate takes are kept on each clip (metadata and markers); the report lists lines with no usable take,
    takes per line and scenes covered from one setup only.

    Examples:

      reel assemble scene.fountain takes/ -o assembly.otio --report coverage.html

      reel assemble film.fountain day1/ -o day1.otio --backend faster-whisper --model ~/models/whisper-small
    """
    from reelkit.edit.assembly import assemble, assembly_outputs, write_assembly

    assembly_outputs(output, report, force=force)  # refuse before transcribing anything
    if not 0 < min_accuracy <= 1:
        raise UsageError("--min-accuracy must be in (0, 1]")
    with progress_bar("transcribing takes", unit="takes") as prog:
        asm = assemble(script, footage, backend=backend, model=model, language=language, min_accuracy=min_accuracy,
                       max_take_s=max_take_minutes * 60, progress=prog, use=index_use(index, no_index))
    files, left_out = write_assembly(asm, output, report=report, force=force)
    for n in [*asm.notes, *left_out]:
        err_console.print(f"note: {n}")
    data: dict[str, Any] = {**asm.to_dict(), "files": files}

    def text(d: dict[str, Any]) -> None:
        out_console.print(f"[bold]{d['covered']} of {len(d['lines'])} lines[/] covered from "
                          f"{sum(1 for t in d['takes'] if t['status'] == 'ok')} takes")
        for ln in d["lines"]:
            b = ln["best"]
            where = (f"{b['take']} {b['start_s']:.2f}–{b['end_s']:.2f} s score {b['score']:.2f}, "
                     f"{len(ln['alternates'])} alternate(s)") if b else "[red]no usable take[/]"
            out_console.print(f"  {ln['index'] + 1:>3} {ln['character']}: {ln['text'][:40]:<40}  {where}")
        for kind, path in d["files"].items():
            out_console.print(f"  {kind:8s} {path}")

    emit(data, fmt, text)


def register(app: typer.Typer) -> None:
    """Add ``assemble`` to the root app."""
    app.command("assemble")(assemble_cmd)
