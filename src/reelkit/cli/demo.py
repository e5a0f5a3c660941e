"""``reel demo``: run the main jobs on the bundled sample so a new user sees reelkit work.

Each capability adds a step to :data:`STEPS`; a step gets the sample path and an output folder and
returns a short text report (and writes its files into the folder).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from reelkit.cli._ui import err_console, out_console
from reelkit.media import probe
from reelkit.sample import sample_path

DemoStep = Callable[[Path, Path], str]


def _probe_step(sample: Path, out_dir: Path) -> str:
    info = probe(sample)
    v, a = info.require_video(), info.require_audio()
    return (f"{sample.name}: {info.duration_s:.2f} s, {v.width}×{v.height} @ {v.rate} fps "
            f"({v.frames} frames, {v.pix_fmt}), audio {a.sample_rate} Hz × {a.channels}")


#: (title, step) in the order they run. Later capabilities append here.
STEPS: list[tuple[str, DemoStep]] = [("probe", _probe_step)]
# Each capability appends its step from its own CLI module, e.g.
#   from reelkit.cli.shots import demo_step as _shots_demo; STEPS.append(("shots", _shots_demo))
from reelkit.cli.shots import demo_step as _shots_demo  # noqa: E402

STEPS.append(("shots", _shots_demo))
from reelkit.cli.transcribe import demo_step as _transcript_demo  # noqa: E402

STEPS.append(("transcript", _transcript_demo))
from reelkit.cli.script import demo_step as _script_demo  # noqa: E402

STEPS.append(("script", _script_demo))
from reelkit.cli.script_board import demo_step as _board_demo  # noqa: E402

STEPS.append(("storyboard", _board_demo))
from reelkit.cli.grade import demo_step as _grade_demo  # noqa: E402

STEPS.append(("grade", _grade_demo))
# [issue 6: grade + loudness demo step]
from reelkit.cli.audio import demo_step as _loudness_demo  # noqa: E402

STEPS.append(("loudness", _loudness_demo))
from reelkit.cli.reframe import demo_step as _reframe_demo  # noqa: E402

STEPS.append(("reframe", _reframe_demo))


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
