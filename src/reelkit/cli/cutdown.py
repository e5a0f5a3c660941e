"""``reel cutdown TIMELINE.otio --duration 15 --duration 30``: shorter versions of a cut, to the frame.

The library does the work (:func:`reelkit.edit.cutdown.write_cutdowns`: outputs checked before any work,
the cutdowns, their timelines and renders); this module parses, shows progress and prints a summary.
"""

from __future__ import annotations

import json
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
from reelkit.errors import InputFormatError

__all__ = ["cutdown_cmd", "demo_step", "demo_transcript", "register"]

def cutdown_cmd(
    timeline: Annotated[Path, typer.Argument(help="Cut to shorten (.otio, e.g. from `reel cut` or `reel assemble`).",
                                             show_default=False)],
    duration: Annotated[list[float], typer.Option(
        "--duration", "-d", help="Length in seconds (15, 30, 60 or any); repeat for several cutdowns.",
        show_default=False)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Timeline to write (.otio, .fcpxml, .xml, .edl); with several durations "
        "NAME.<d>s.<ext>. Default: beside the input, <name>.cutdown.otio.", show_default=False)] = None,
    render: Annotated[Path | None, typer.Option(
        "--render", help="Also render each cutdown (e.g. out.mp4 → out.15s.mp4 for several).",
        show_default=False)] = None,
    words: Annotated[list[Path] | None, typer.Option(
        "--words", help="Transcript JSON of a source (`reel transcribe -f json`); repeatable. Sources "
        "without one are transcribed.", show_default=False)] = None,
    backend: Annotated[str | None, typer.Option("--backend", "-b", help="ASR backend for sources without "
                                                "--words (default: the speech module's).", show_default=False)
                       ] = None,
    model: Annotated[Path | None, typer.Option("--model", metavar="PATH", help="Local model folder "
                                               "(faster-whisper).", show_default=False)] = None,
    no_open: Annotated[bool, typer.Option("--no-keep-open", help="Do not force the opening sentence/shot.")
                       ] = False,
    no_close: Annotated[bool, typer.Option("--no-keep-close", help="Do not force the closing sentence/shot.")
                        ] = False,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Make 15/30/60-second (or any length) cutdowns of a cut that keep its open, key beats and close.

    Whole sentences (or, without speech, shots) are dropped; every cut lies in the pause between words,
    and each cutdown lasts exactly the asked number of frames.

    Examples:

      reel cutdown talk.cut.otio --duration 30 -o talk30.otio --render talk30.mp4

      reel cutdown film.otio -d 15 -d 30 -d 60 -o film.otio      # film.15s.otio, film.30s.otio, film.60s.otio

      reel cutdown talk.otio -d 20 --words talk.json -o talk20.fcpxml
    """
    from reelkit.edit.cutdown import write_cutdowns

    summary = write_cutdowns(timeline, duration, output=output, render=render, words=list(words or []),
                             backend=backend, model=model, keep_open=not no_open, keep_close=not no_close,
                             force=force, use=index_use(index, no_index),
                             stage=lambda name: progress_bar(name, unit="files" if name.startswith("analysing")
                                                             else "frames"),
                             note=lambda n: err_console.print(f"note {n}"))

    def text(d: dict[str, Any]) -> None:
        for c in d["cutdowns"]:
            out_console.print(f"[bold]{c['asked_s']:g} s[/]: {c['frames']} frames = {c['seconds']:.3f} s at "
                              f"{c['rate']} fps; kept {c['units_kept']} of {c['units_total']} sentences/shots")
            for kind, path in c["files"].items():
                out_console.print(f"  {kind:8s} {path}")

    emit(summary, fmt, text)


def demo_transcript(sample: Path, out_dir: Path) -> Any:
    """The sample's transcript for the demo: the demo's own transcript step output when it ran (the known
    text aligned, else the recognised words), else None (the caller transcribes)."""
    from reelkit.analysis.speech import Transcript

    for name in ("transcript-aligned.json", "transcript.json"):
        f = out_dir / name
        if f.is_file():
            try:
                return Transcript.from_dict(json.loads(f.read_text(encoding="utf-8")))
            except (ValueError, InputFormatError):
                continue
    return None


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo``: a 6-second cutdown of the sample film (whole phrases kept, cut in pauses), rendered."""
    from reelkit.edit.cutdown import cutdown
    from reelkit.edit.sources import IndexUse
    from reelkit.media import probe
    from reelkit.render import render_timeline
    from reelkit.timeline import export_timeline, media_frame_count, ranges_timeline

    info = probe(sample)
    tl = ranges_timeline(info, [(0, media_frame_count(info, info.require_rate()))], name="sample")
    t = demo_transcript(sample, out_dir)
    res = cutdown(tl, 6, transcripts={sample.resolve(): t} if t is not None else None,
                  use=IndexUse(enabled=False))
    otio_path = export_timeline(res.timeline, out_dir / "sample.cutdown-6s.otio", "otio", force=True)
    mp4 = render_timeline(res.timeline, out_dir / "sample.cutdown-6s.mp4", force=True).path
    kept = " | ".join(res.units[i].text for i in res.kept)
    return (f"{res.frames} frames = {float(res.seconds):.3f} s (asked 6 s), kept {len(res.kept)} of "
            f"{len(res.units)} phrases: {kept}; wrote {otio_path.name}, {mp4.name}")


def register(app: typer.Typer) -> None:
    """Add ``cutdown`` to the root app."""
    app.command("cutdown")(cutdown_cmd)
