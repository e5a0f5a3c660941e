"""``reel script shotlist | board | animatic``: coverage, storyboards and animatics from a screenplay.

:func:`register` adds the three commands to :data:`reelkit.cli.script.script_app`.
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from reelkit.cli._ui import ForceOpt, emit, out_console, progress_bar, to_json
from reelkit.errors import ScriptError, UsageError
from reelkit.fileio import write_text
from reelkit.script import load_screenplay
from reelkit.script.shotlist import ShotList, generate_shotlist, select_scenes

ScriptArg = Annotated[Path, typer.Argument(help="Screenplay file: Fountain or Final Draft (.fdx).",
                                           show_default=False)]
ScenesOpt = Annotated[str | None, typer.Option("--scenes",
                                                help="Only these scenes, e.g. 1,3,5-8 (numbers as printed).")]
SizeOpt = Annotated[str, typer.Option("--size", help="Panel picture size WIDTHxHEIGHT in pixels (even numbers).")]


class ShotlistFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


class BoardFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    storyboarder = "storyboarder"


class TimelineFormat(StrEnum):
    otio = "otio"
    fcp7 = "fcp7"


def _load(script: Path, scenes: str | None = None) -> ShotList:
    from reelkit.cli.script import _warn

    sp = load_screenplay(script)
    _warn(sp.warnings)
    sl = generate_shotlist(sp)
    if not sl.scenes:
        raise ScriptError(f"{script} has no scene headings, so there is nothing to cover",
                         hint="start scenes with INT. or EXT. (or force one with a leading '.')")
    return select_scenes(sl, scenes) if scenes else sl


def _size(size: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size must look like 960x540, got {size!r}") from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096) or w % 2 or h % 2:
        raise UsageError(f"--size must be even numbers between 16 and 4096, got {size!r}")
    return w, h


def _shotlist_text(sl: ShotList) -> None:
    for sc in sl.scenes:
        t = Table(title=f"Scene {sc.number} — {sc.heading}", title_justify="left", show_lines=False)
        for col in ("shot", "description", "size", "angle", "move", "lens", "dur"):
            t.add_column(col)
        for s in sc.shots:
            t.add_row(s.code, s.description, s.size, s.angle.replace("_", " "), s.movement.replace("_", " "),
                      s.lens.label(), f"{float(s.duration):.1f}s")
        out_console.print(t)
    out_console.print(f"{len(sl.shots)} setups, {len(sl.beats)} panels, {float(sl.duration):.1f} s planned; "
                      f"{sl.to_dict()['line_crossings']} cuts cross the 180° line")


def shotlist_cmd(
    script: ScriptArg,
    fmt: Annotated[ShotlistFormat, typer.Option("--format", "-f", case_sensitive=False,
                                                help="text (a table), json (full plan) or csv (1st AD list).")
                   ] = ShotlistFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
                      ] = None,
    scenes: ScenesOpt = None,
    force: ForceOpt = False,
) -> None:
    """Plan coverage from film-grammar idioms: establishing shots, masters, OTS/close singles that respect
    the 180° line, reactions and inserts, with lens, move and durations from the dialogue.

    Examples:

      reel script shotlist film.fountain

      reel script shotlist film.fountain --format csv --output shots.csv

      reel script shotlist film.fountain --format json | jq '.scenes[0].shots'
    """
    sl = _load(script, scenes)
    if output is not None:
        if fmt == ShotlistFormat.text:
            fmt = ShotlistFormat.json if output.suffix.lower() == ".json" else ShotlistFormat.csv
        text = sl.to_csv() if fmt == ShotlistFormat.csv else to_json(sl.to_dict()) + "\n"
        write_text(output, text, force=force)
        out_console.print(f"wrote {len(sl.shots)} shots to {output}")
        return
    if fmt == ShotlistFormat.csv:
        typer.echo(sl.to_csv(), nl=False)
        return
    emit(sl.to_dict(), fmt, lambda _d: _shotlist_text(sl))  # type: ignore[arg-type]


def _board_out(script: Path, out: Path, fmt: BoardFormat) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder, {out} is a file")
    out.mkdir(parents=True, exist_ok=True)
    suffix = {"html": ".html", "pdf": ".pdf", "storyboarder": ".storyboarder"}[fmt.value]
    return out / f"{script.stem}-board{suffix}"


def make_board(script: Path, out: Path, fmt: BoardFormat, *, size: tuple[int, int], force: bool,
               scenes: str | None = None) -> dict[str, Any]:
    """Render and write a board; return a summary dict (used by the CLI and the demo)."""
    from reelkit.script.board import (
        render_panels,
        write_contact_sheet_html,
        write_contact_sheet_pdf,
        write_storyboarder,
    )

    sl = _load(script, scenes)
    target = _board_out(script, out, fmt)
    with progress_bar("rendering panels", unit="panels") as prog:
        panels = render_panels(sl, width=size[0], height=size[1], progress=prog)
    title = sl.title or script.stem
    if fmt == BoardFormat.html:
        write_contact_sheet_html(panels, target, title=title, force=force)
    elif fmt == BoardFormat.pdf:
        write_contact_sheet_pdf(panels, target, title=title, force=force)
    else:
        write_storyboarder(panels, target, force=force)
    return {"output": str(target), "format": fmt.value, "panels": len(panels), "shots": len(sl.shots),
            "scenes": len(sl.scenes), "duration_s": round(float(sl.duration), 3),
            "line_crossings": sl.to_dict()["line_crossings"]}


def board_cmd(
    script: ScriptArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the board.")] = Path("."),
    fmt: Annotated[BoardFormat, typer.Option("--format", "-f", case_sensitive=False,
                                             help="html contact sheet, pdf, or a Storyboarder project.")
                   ] = BoardFormat.html,
    size: SizeOpt = "640x360",
    scenes: ScenesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    force: ForceOpt = False,
) -> None:
    """Render storyboard panels for the shot list (embedded 3-D renderer: stand-in figures, the camera at each
    shot's position and lens, depth of field) with shot codes and dialogue/action captions.

    Writes DIR/<script>-board.html (PNG panels embedded), .pdf (six panels a page) or .storyboarder
    (with board-N-UID.png images beside it).

    Examples:

      reel script board film.fountain --out boards/

      reel script board film.fountain --format pdf --size 960x540

      reel script board film.fountain --format storyboarder --out sb/

      reel script board film.fountain --scenes 1-3,7      # just these scenes
    """
    d = make_board(script, out, fmt, size=_size(size), force=force, scenes=scenes)
    if as_json:
        typer.echo(to_json(d))
    else:
        out_console.print(f"{d['panels']} panels ({d['shots']} setups, {d['scenes']} scenes, "
                          f"{d['duration_s']:.1f} s) → {d['output']}")


def animatic_cmd(
    script: ScriptArg,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The MP4 to write.")] = None,
    timeline: Annotated[TimelineFormat | None, typer.Option(
        "--timeline", "-t", case_sensitive=False,
        help="Also write the animatic as an editor timeline (.otio or FCP7 .xml beside the MP4).")] = None,
    voice: Annotated[bool, typer.Option("--voice", help="Speak the dialogue with espeak-ng (must be installed).")
                     ] = False,
    size: SizeOpt = "640x360",
    fps: Annotated[int, typer.Option("--fps", help="Frame rate of the animatic.")] = 24,
    scenes: ScenesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    force: ForceOpt = False,
) -> None:
    """Make an animatic: the storyboard panels held for their planned durations, dialogue burned in (and
    spoken with --voice), plus an OTIO / FCP7 XML timeline cut at every panel for the editor.

    Examples:

      reel script animatic film.fountain --output film-animatic.mp4

      reel script animatic film.fountain -o anim.mp4 --timeline fcp7     # also writes anim.xml

      reel script animatic film.fountain -o anim.mp4 --voice --timeline otio
    """
    from reelkit.fileio import check_output_path
    from reelkit.script.animatic import animatic_timeline, espeak_available, write_animatic
    from reelkit.script.board import render_panels
    from reelkit.timeline import export_timeline

    if not 1 <= fps <= 120:
        raise UsageError(f"--fps must be between 1 and 120, got {fps}")
    if voice and espeak_available() is None:
        from reelkit.errors import BackendUnavailable

        raise BackendUnavailable("--voice needs the espeak-ng program, which is not installed",
                                 hint="install it, e.g. `sudo apt-get install espeak-ng`, or leave out --voice")
    out = output or Path(f"{script.stem}-animatic.mp4")
    check_output_path(out, force=force)
    tl_path = None
    if timeline is not None:
        tl_path = out.with_suffix(".otio" if timeline == TimelineFormat.otio else ".xml")
        check_output_path(tl_path, force=force)
    sl = _load(script, scenes)
    w, h = _size(size)
    with progress_bar("rendering panels", unit="panels") as prog:
        panels = render_panels(sl, width=w, height=h, progress=prog)
    with progress_bar("encoding", unit="panels") as prog:
        anim = write_animatic(panels, out, rate=Fraction(fps), voice=voice, force=force, progress=prog)
    if tl_path is not None and timeline is not None:
        export_timeline(animatic_timeline(anim, name=f"{sl.title or script.stem} animatic"), tl_path,
                        timeline.value, force=force)
    d = {"output": str(out), "timeline": str(tl_path) if tl_path else None, "panels": len(panels),
         "frames": anim.frames, "fps": fps, "duration_s": round(anim.frames / fps, 3), "voiced_panels": anim.voiced}
    if as_json:
        typer.echo(to_json(d))
    else:
        out_console.print(f"{d['panels']} panels, {d['duration_s']:.1f} s at {fps} fps → {out}"
                          + (f" (+ {tl_path})" if tl_path else ""))


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo``: board the bundled sample screenplay (HTML contact sheet) into the demo folder."""
    from importlib import resources

    script = Path(str(resources.files("reelkit") / "data" / "sample_script.fountain"))
    d = make_board(script, out_dir, BoardFormat.html, size=(384, 216), force=True)
    return (f"shot list of {script.name}: {d['shots']} setups in {d['scenes']} scenes, {d['panels']} panels "
            f"({d['duration_s']:.0f} s planned, {d['line_crossings']} cuts across the 180° line) → {d['output']}")


def register(app: typer.Typer) -> None:
    """Add ``shotlist``, ``board`` and ``animatic`` to ``reel script`` (the root ``app`` is not used)."""
    from reelkit.cli.script import script_app

    script_app.command("shotlist")(shotlist_cmd)
    script_app.command("board")(board_cmd)
    script_app.command("animatic")(animatic_cmd)


__all__ = ["demo_step", "make_board", "register"]
