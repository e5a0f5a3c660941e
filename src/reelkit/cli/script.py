"""``reel script ...``: screenplay parsing, breakdown and analysis.

The BOARD commands (shotlist, board, animatic) are added to :data:`script_app` by
:mod:`reelkit.cli.script_board`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import FormatOpt, OutFormat, emit, err_console, out_console
from reelkit.script import load_screenplay

script_app = typer.Typer(
    name="script",
    help=(
        "Screenplays (Fountain or Final Draft .fdx): parse, breakdown, analysis.\n\n"
        "Examples:\n\n"
        "  reel script parse film.fountain --format json\n\n"
        "  reel script breakdown film.fountain --format csv --output breakdown.csv\n\n"
        "  reel script analyze film.fountain --format html --output report.html"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

ScriptArg = Annotated[Path, typer.Argument(help="Screenplay file: Fountain (.fountain/.txt/...) or Final Draft (.fdx).",
                                           show_default=False)]


def _warn(warnings: tuple[str, ...] | list[str]) -> None:
    for w in warnings:
        err_console.print(f"[yellow]warning:[/] {w}", markup=True, highlight=False, soft_wrap=True)


def _parse_text(d: dict[str, Any]) -> None:
    for tp in d["title_page"]:
        out_console.print(f"[bold]{tp['key']}:[/] {tp['value']}", markup=True)
    counts: dict[str, int] = {}
    for e in d["elements"]:
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    out_console.print(f"{len(d['elements'])} elements: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for e in d["elements"]:
        if e["type"] == "scene_heading":
            num = f"#{e['scene_number']} " if e.get("scene_number") else ""
            out_console.print(f"  {e['line']:>5}  {num}{e['text']}")


def parse_cmd(
    script: ScriptArg,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Parse a screenplay into typed elements (Fountain 1.1 or Final Draft XML).

    JSON: {"title_page": [{"key", "value"}], "elements": [{"type", "text", "line", ...}], "warnings"};
    "text" is plain (emphasis, notes and boneyard removed); "markup", "emphasis" and "notes" keep what
    was removed; "scene_number", "extension", "dual", "level", "character", "forced" when set.

    Examples:

      reel script parse film.fountain

      reel script parse film.fdx --format json > film.json
    """
    sp = load_screenplay(script)
    _warn(sp.warnings)
    emit(sp.to_dict(), fmt, _parse_text)


def register(app: typer.Typer) -> None:
    """Add the ``script`` group to the root app."""
    script_app.command("parse")(parse_cmd)
    app.add_typer(script_app, name="script")
