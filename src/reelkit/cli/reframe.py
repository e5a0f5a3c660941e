"""``reel reframe VIDEO``: auto-reframe to a new aspect ratio with a smooth virtual camera."""

from __future__ import annotations

from enum import StrEnum
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
    out_console,
    progress_bar,
    warn_line,
)
from reelkit.errors import UsageError


class ExportFmt(StrEnum):
    """Keyframe export formats."""

    fcpxml = "fcpxml"
    otio = "otio"
    json = "json"


class FallbackOpt(StrEnum):
    """What to do when the subjects cannot fit the window."""

    split = "split"
    pad = "pad"
    none = "none"


def _text(plan: Any) -> None:
    p = plan.path
    w, h = int(p.windows[0][2]), int(p.windows[0][3])
    if plan.active_area and tuple(plan.active_area) != (0, 0, *p.source_size):
        ax, ay, aw, ah = plan.active_area
        out_console.print(f"  picture area {aw}×{ah} at ({ax}, {ay}) inside bars")
    out_console.print(f"[bold]{p.video}[/]  {p.source_size[0]}×{p.source_size[1]} → "
                      f"{p.aspect.numerator}:{p.aspect.denominator} window {w}×{h}, "
                      f"output {plan.output_size[0]}×{plan.output_size[1]}")
    for i, s in enumerate(p.shots):
        subj = plan.subjects.get(i, "none")
        extra = " (active speaker)" if i in plan.speakers else ""
        why = f"  — {s.decision['reason']}" if s.decision and s.decision.get("reason") else ""
        out_console.print(f"  shot {i + 1:>3}  frames {s.start:>6}–{s.end:<6} {s.mode:<11} {subj}{extra}{why}")


def reframe_cmd(
    video: Annotated[Path, typer.Argument(help="Video to reframe.", show_default=False)],
    aspect: Annotated[str, typer.Option("--aspect", "-a", help="Output aspect W:H (9:16, 1:1, 4:5...).")] = "9:16",
    width: Annotated[int, typer.Option("--width", "-w", help="Output width in pixels (height follows).")] = 1080,
    render: Annotated[Path | None, typer.Option("--render", "-r", help="Render the reframed video here (.mp4).",
                                                show_default=False)] = None,
    export: Annotated[ExportFmt | None, typer.Option("--export", "-e", help="Export the crop keyframes.",
                                                     case_sensitive=False, show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File for --export (default: beside "
                                                "VIDEO, <name>.reframe-9x16.<ext>).", show_default=False)] = None,
    path_only: Annotated[bool, typer.Option("--path-only", help="Only print the per-frame crop windows.")] = False,
    fallback: Annotated[FallbackOpt, typer.Option("--fallback", help="When subjects cannot fit: split screen, "
                                                  "pad with a blurred fill, or none (main subject only).",
                                                  case_sensitive=False)] = FallbackOpt.split,
    backend: Annotated[str, typer.Option("--backend", help="Subject detector: auto (mediapipe where installed, "
                                         "else opencv), mediapipe or opencv.")] = "auto",
    no_shots: Annotated[bool, typer.Option("--no-shots", help="Treat the whole video as one shot.")] = False,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    fmt: FormatOpt = OutFormat.text,
    force: ForceOpt = False,
) -> None:
    """Reframe a video to a new aspect ratio: per shot a steady, panning or tracking crop window
    that keeps faces/people (or the moving/salient subject) in frame. The shots come from the media
    index when `reel shots` or `reel analyze` has seen the file (no second shot detection).

    Examples:

      reel reframe talk.mp4 --aspect 9:16 --render talk_vertical.mp4

      reel reframe talk.mp4 --aspect 1:1 --export fcpxml -o talk_square.fcpxml

      reel reframe talk.mp4 --aspect 4:5 --path-only --format json > path.json

      reel reframe interview.mp4 --fallback pad --render out.mp4 --force
    """
    if path_only and (render or export):
        raise UsageError("--path-only prints the path only; drop --render/--export or --path-only")
    from reelkit.edit.reframe import write_reframe

    plan, report = write_reframe(video, aspect, width=width, fallback=fallback.value,  # type: ignore[arg-type]
                                 backend=backend, shots=not no_shots, export=export.value if export else None,
                                 output=output, render=render, force=force, index=index, use_index=not no_index,
                                 stage=progress_bar, warn=warn_line)
    if path_only:
        emit(plan.path.to_dict(), fmt, lambda _d: _text(plan))
        return

    def text(_d: Any) -> None:
        _text(plan)
        for key in ("export", "render"):
            if key in report:
                out_console.print(f"  wrote {report[key]}")

    emit(report, fmt, text)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo``: a vertical (9:16) cut of the sample film, plus its keyframes as FCPXML."""
    from reelkit.edit.reframe import path_timeline, plan_reframe
    from reelkit.render.reframe import render_reframe
    from reelkit.timeline import export_timeline

    plan = plan_reframe(sample, "9:16", width=360, use_index=False)
    out = render_reframe(plan, out_dir / "sample_vertical_9x16.mp4", force=True)
    xml = export_timeline(path_timeline(plan), out_dir / "sample_vertical_9x16.fcpxml", "fcpxml", force=True)
    modes = ", ".join(f"{s.start}–{s.end} {s.mode}" for s in plan.path.shots)
    return f"{out.name} ({plan.output_size[0]}×{plan.output_size[1]}; shots: {modes}) and {xml.name}"


def register(app: typer.Typer) -> None:
    """Add ``reframe`` to the root app."""
    app.command("reframe")(reframe_cmd)
