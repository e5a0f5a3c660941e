"""``reel demo``: run the main jobs on the bundled sample so a new user sees reelkit work.

Each capability contributes a ``demo_step(sample, out_dir) -> str`` from its own CLI module, listed
in :data:`STEPS`; a step writes its files into the folder (overwriting its own earlier outputs) and
returns a short text report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from reelkit.cli._ui import err_console, out_console
from reelkit.cli.audio import demo_step as loudness_demo
from reelkit.cli.cut import demo_step as cut_demo
from reelkit.cli.cutdown import demo_step as cutdown_demo
from reelkit.cli.grade import demo_step as grade_demo
from reelkit.cli.highlights import demo_step as highlights_demo
from reelkit.cli.provenance import demo_step as provenance_demo
from reelkit.cli.reframe import demo_step as reframe_demo
from reelkit.cli.script import demo_step as script_demo
from reelkit.cli.script_board import demo_step as board_demo
from reelkit.cli.shots import demo_step as shots_demo
from reelkit.cli.transcribe import demo_step as transcript_demo
from reelkit.media import probe
from reelkit.sample import sample_path

DemoStep = Callable[[Path, Path], str]


def _probe_step(sample: Path, out_dir: Path) -> str:
    info = probe(sample)
    v, a = info.require_video(), info.require_audio()
    return (f"{sample.name}: {info.duration_s:.2f} s, {v.width}×{v.height} @ {v.rate} fps "
            f"({v.frames} frames, {v.pix_fmt}), audio {a.sample_rate} Hz × {a.channels}")


#: (title, step) in the order they run: the pipeline from footage to finishing, then pre-production.
STEPS: list[tuple[str, DemoStep]] = [
    ("probe", _probe_step),
    ("shots", shots_demo),
    ("transcript", transcript_demo),
    ("cut", cut_demo),
    ("cutdown", cutdown_demo),
    ("highlights", highlights_demo),
    ("grade", grade_demo),
    ("loudness", loudness_demo),
    ("reframe", reframe_demo),
    ("script", script_demo),
    ("storyboard", board_demo),
    ("provenance", provenance_demo),
]


def demo_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's output files.")] = Path(
        "reel-demo"),
) -> None:
    """Run reelkit's main jobs on a bundled sample film (generated locally, nothing downloaded).

    Example:

      reel demo --out /tmp/reel-demo
    """
    with err_console.status("preparing the sample film..."):
        sample = sample_path()
    out.mkdir(parents=True, exist_ok=True)
    out_console.print(f"[bold]reelkit demo[/] — sample: {sample}")
    for title, step in STEPS:
        with err_console.status(f"{title}..."):
            report = step(sample, out)
        out_console.print(f"\n[bold cyan]{title}[/]")
        out_console.print(report)
    out_console.print(f"\noutputs in {out.resolve()}")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the root app."""
    app.command("demo")(demo_cmd)
