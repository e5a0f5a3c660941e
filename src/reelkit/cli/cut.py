"""``reel cut``: silence, filler and text-based cuts → an NLE timeline (and optionally a rendered file).

The library does the work (:func:`reelkit.edit.cut.plan_cut`, :func:`reelkit.edit.cut.write_cut`); this
module parses, checks the outputs before any work, and prints a summary.
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
from reelkit.edit.cut import EXPORT_CHOICES, cut_summary, plan_cut, write_cut
from reelkit.edit.sources import IndexUse
from reelkit.errors import UsageError
from reelkit.fileio import check_input_file, check_output_path
from reelkit.time import parse_rate

__all__ = ["cut_cmd", "demo_step", "register"]


def _text(d: dict[str, Any]) -> None:
    out_console.print(f"[bold]{d['media']}[/]: kept {d['kept_s']:.2f} s of {d['source_s']:.2f} s "
                      f"in {d['clips']} clip(s) at {d['rate']} fps; {d['deleted_words']} word(s) deleted")
    for kind, path in d["files"].items():
        out_console.print(f"  {kind:8s} {path}")




def cut_cmd(
    media: Annotated[Path, typer.Argument(help="Media file to cut (video+audio or audio only).", show_default=False)],
    silence: Annotated[bool, typer.Option("--silence", help="Remove silences (voice activity detection).")] = False,
    fillers: Annotated[bool, typer.Option("--fillers", help="Remove filler words (um, uh, repeats...).")] = False,
    transcript: Annotated[Path | None, typer.Option(
        "--transcript", "-t", help="Edited transcript text (from `reel transcribe -f txt`): deleted words are cut.",
        show_default=False)] = None,
    words: Annotated[Path | None, typer.Option(
        "--words", help="Original transcript JSON (`reel transcribe -f json`); default: the .json beside "
        "the edited text, else the media is transcribed again.", show_default=False)] = None,
    margin: Annotated[float, typer.Option("--margin", help="Seconds of pause kept next to kept speech.")] = 0.15,
    min_silence: Annotated[float, typer.Option("--min-silence", help="Only silences longer than this are cut (s).")
                           ] = 0.5,
    export: Annotated[str, typer.Option("--export", "-e", help="Timeline format: otio, fcpxml, fcp7 or edl.")
                      ] = "otio",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Timeline file (default: MEDIA.cut.<ext> beside the media).", show_default=False)
                      ] = None,
    render: Annotated[Path | None, typer.Option("--render", help="Also render the cut to this file (e.g. cut.mp4).",
                                                 show_default=False)] = None,
    captions: Annotated[bool, typer.Option(
        "--captions", help="Write captions (.srt beside the timeline) and burn them into --render.")] = False,
    rate: Annotated[str | None, typer.Option("--rate", help="Edit rate for audio-only media (default 30).",
                                             show_default=False)] = None,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Cut silences, filler words or deleted transcript words into an NLE timeline of the original media.

    Cuts land on frame boundaries chosen so that no kept word is clipped.

    Rendering adds a 10 ms equal-power audio crossfade at every cut.

    Exports keep the media's exact frame rate: otio (Resolve), fcpxml (Final Cut, Resolve), fcp7 (Premiere), edl.

    Text-based editing: transcribe once, delete words in the text, cut:

      reel transcribe talk.mp4 -f txt -o talk.txt     # also writes talk.json; edit talk.txt

      reel cut talk.mp4 --transcript talk.txt --export fcpxml     # reads talk.json beside talk.txt

    More examples:

      reel cut talk.mp4 --silence --export edl -o talk.edl

      reel cut talk.mp4 --silence --fillers --words talk.json --render talk-cut.mp4 --captions

      reel cut podcast.wav --silence --export fcp7 --rate 25
    """
    if export not in EXPORT_CHOICES:
        raise UsageError(f"unknown --export {export!r}; choose one of {', '.join(EXPORT_CHOICES)}")
    from reelkit.timeline import EXPORT_SUFFIXES

    check_input_file(media, what="media file")
    out = output or media.with_name(f"{media.stem}.cut{EXPORT_SUFFIXES[export]}")
    for p in (out, render, out.with_suffix(".srt") if captions else None):  # refuse existing outputs first
        if p is not None:
            check_output_path(p, force=force)
    if render is not None and (render.resolve() == media.resolve()):
        raise UsageError("--render must not overwrite the source media")
    use = index_use(index, no_index)
    plan = plan_cut(media, silence=silence, fillers=fillers, transcript=transcript, words_json=words,
                    margin=margin, min_silence=min_silence, rate=parse_rate(rate) if rate is not None else None,
                    use=use)
    with progress_bar("rendering", unit="frames", enabled=None if render is not None else False) as prog:
        files = write_cut(plan, out, export=export, render=render, captions=captions, words_json=words,
                          transcript=transcript, force=force, progress=prog, use=use)
    for note in plan.notes:
        err_console.print(note)
    emit(cut_summary(plan, files), fmt, _text)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo``: silence-cut the sample film and export it for every NLE."""
    from reelkit.timeline import EXPORT_SUFFIXES, export_timeline, ranges_timeline

    plan = plan_cut(sample, silence=True, use=IndexUse(enabled=False))
    tl = ranges_timeline(plan.info, plan.keep, name="sample cut")
    written = [export_timeline(tl, out_dir / f"sample.cut{EXPORT_SUFFIXES[f]}", f, force=True).name
               for f in EXPORT_CHOICES]
    d = cut_summary(plan, {})
    return (f"silence cut: kept {d['kept_s']:.2f} s of {d['source_s']:.2f} s in {d['clips']} clip(s); "
            f"exported {', '.join(written)}")


def register(app: typer.Typer) -> None:
    """Add ``cut`` to the root app."""
    app.command("cut")(cut_cmd)
