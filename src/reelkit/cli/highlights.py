"""``reel highlights TALK.mp4 --count 5 --min 15 --max 60 --aspect 9:16 -o DIR``: stand-alone social clips.

The library does the work (:func:`reelkit.edit.highlights.find_highlights`, :func:`write_highlights`).
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

__all__ = ["demo_step", "highlights_cmd", "register"]


def highlights_cmd(
    talk: Annotated[Path, typer.Argument(help="Talk, lecture, podcast or interview (video or audio).",
                                         show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the clips and the ranking.",
                                         show_default=False)],
    count: Annotated[int, typer.Option("--count", "-n", help="How many clips.")] = 5,
    min_s: Annotated[float, typer.Option("--min", help="Shortest clip, seconds.")] = 15.0,
    max_s: Annotated[float, typer.Option("--max", help="Longest clip, seconds.")] = 60.0,
    aspect: Annotated[str, typer.Option("--aspect", "-a", help="Clip aspect W:H (reframed around the speaker).")
                      ] = "9:16",
    width: Annotated[int, typer.Option("--width", "-w", help="Clip width in pixels.")] = 720,
    words: Annotated[Path | None, typer.Option("--words", help="Transcript JSON of the talk (`reel transcribe "
                                               "-f json`); default: transcribe it.", show_default=False)] = None,
    backend: Annotated[str | None, typer.Option("--backend", "-b", help="ASR backend (default: the speech "
                                                "module's).", show_default=False)] = None,
    model: Annotated[Path | None, typer.Option("--model", metavar="PATH", help="Local model folder "
                                               "(faster-whisper).", show_default=False)] = None,
    no_captions: Annotated[bool, typer.Option("--no-captions", help="Do not burn captions.")] = False,
    max_hours: Annotated[float, typer.Option("--max-hours", help="Refuse talks longer than this.")] = 4.0,
    allow_dangling: Annotated[bool, typer.Option("--allow-dangling", help="Also offer clips that open with a "
                                                 "word pointing back (and, so, this...), ranked lower.")] = False,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Find the moments of a talk that stand on their own and make vertical, captioned clips of them.

    Clips start and end on sentence boundaries (cut in the pauses), open without a dangling reference, and
    are ranked by hook, question/answer, energy, emphasis, audience reaction, speaker on camera and topic
    coherence; ranking.json / ranking.csv give every clip's signals, reasons and a title suggestion, and each
    clip's timeline is written for the NLEs (.otio, .fcpxml, .xml, .edl).

    Examples:

      reel highlights talk.mp4 --count 5 --min 15 --max 60 -o clips/

      reel highlights podcast.mp4 -n 3 --aspect 1:1 --words podcast.json -o square/

      reel highlights lecture.mp4 --backend faster-whisper --model ~/models/whisper-small -o clips/
    """
    from reelkit.edit.cutdown import load_transcripts
    from reelkit.edit.highlights import find_highlights, write_highlights
    from reelkit.fileio import check_input_file

    talk = check_input_file(talk, what="talk")
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output} is a file; give a folder")
    transcript = None
    if words is not None:
        transcript = load_transcripts([words], [talk.resolve()])[talk.resolve()]
    with progress_bar("transcribing", unit="samples") as prog:
        plan = find_highlights(talk, count=count, min_s=min_s, max_s=max_s, transcript=transcript, backend=backend,
                               model=model, max_duration_s=max_hours * 3600, allow_dangling=allow_dangling,
                               progress=prog, use=index_use(index, no_index))
    with progress_bar("rendering clips", unit="clips") as prog:
        files = write_highlights(plan, output, aspect=aspect, width=width, captions=not no_captions, force=force,
                                 progress=prog)
    for note in plan.notes:
        err_console.print(f"note: {note}")
    data: dict[str, Any] = {"talk": str(talk), "folder": str(files.folder), "ranking": str(files.ranking_json),
                            "clips": [{**p.to_dict(), "files": f} for p, f in zip(plan.picks, files.clips,
                                                                                  strict=True)],
                            "notes": plan.notes}

    def text(d: dict[str, Any]) -> None:
        for c in d["clips"]:
            out_console.print(f"[bold]#{c['rank']}[/] {c['start_s']:.2f}–{c['end_s']:.2f} s "
                              f"({c['duration_s']:.1f} s) score {c['score']:.2f}  [italic]{c['title']}[/]")
            out_console.print(f"    {'; '.join(c['reasons'])}")
        out_console.print(f"clips and ranking in {d['folder']}")

    emit(data, fmt, text)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo``: the best stand-alone moment of the sample as a vertical clip with word-highlight captions."""
    from reelkit.cli.cutdown import demo_transcript
    from reelkit.edit.highlights import find_highlights, write_highlights
    from reelkit.edit.sources import IndexUse

    # the sample's one sentence opens with "And so": allow that opening, the clip's reasons say so
    plan = find_highlights(sample, count=1, min_s=2.0, max_s=11.0, transcript=demo_transcript(sample, out_dir),
                           allow_dangling=True, use=IndexUse(enabled=False))
    files = write_highlights(plan, out_dir / "highlights", width=360, force=True)
    p = plan.picks[0]
    return (f"#{p.rank} {p.start_s:.2f}–{p.end_s:.2f} s \"{p.title}\" ({'; '.join(p.reasons)}); wrote "
            f"{Path(files.clips[0]['video']).name} and the ranking in {files.folder.name}/")


def register(app: typer.Typer) -> None:
    """Add ``highlights`` to the root app."""
    app.command("highlights")(highlights_cmd)
