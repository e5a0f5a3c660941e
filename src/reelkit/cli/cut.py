"""``reel cut``: silence, filler and text-based cuts → an NLE timeline (and optionally a rendered file).

The library pieces: :mod:`reelkit.edit.ranges` (what to remove), :func:`reelkit.timeline.ranges_timeline`
(the OTIO edit), :func:`reelkit.timeline.export_timeline`, :func:`reelkit.render.render_timeline`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import ForceOpt, FormatOpt, OutFormat, emit, err_console, out_console, progress_bar
from reelkit.errors import InputFormatError, MediaError, NoAudioStreamError, UsageError
from reelkit.fileio import check_input_file, check_output_path
from reelkit.media import MediaInfo, probe, read_audio
from reelkit.time import format_rate, frame_to_seconds, parse_rate

__all__ = ["CutPlan", "cut_cmd", "demo_step", "plan_cut", "register"]

EXPORT_CHOICES = ("otio", "fcpxml", "fcp7", "edl")
_VAD_RATE = 16000


@dataclass
class CutPlan:
    """What ``reel cut`` decided: the kept source-frame ranges and why."""

    info: MediaInfo
    rate: Fraction
    total_frames: int
    keep: list[tuple[int, int]]
    words: list[Any]            # reelkit.analysis.speech.Word, or empty
    sample_rate: int            # of ``words``
    deleted: list[int]          # word indices removed (text + fillers)
    notes: list[str]


def _load_words(media: Path, info: MediaInfo, words_json: Path | None, edited: Path | None,
                notes: list[str]) -> Any:
    """The original transcript: ``--words`` JSON, else ``<edited stem>.json`` beside the text, else transcribe."""
    from reelkit.analysis.speech import Transcript

    candidate = words_json
    if candidate is None and edited is not None:
        beside = edited.with_suffix(".json")
        if beside.is_file():
            candidate = beside
    sr = int((info.audio.sample_rate if info.audio else None) or 48000)
    if candidate is not None:
        check_input_file(candidate, what="transcript JSON")
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputFormatError(f"{candidate} is not a JSON transcript: {exc}") from None
        t = Transcript.from_dict(data, sample_rate=sr)
        if t.media and Path(t.media).name != media.name:
            notes.append(f"note: {candidate.name} is a transcript of {Path(t.media).name}, cutting {media.name}")
        notes.append(f"words from {candidate}")
        return t
    try:
        from reelkit.analysis.speech import transcribe
    except ImportError:
        raise UsageError("no transcript given and transcription is not available in this build",
                         hint="pass --words FILE.json written by `reel transcribe -f json`") from None
    notes.append("no --words JSON given: transcribed the media again (default backend)")
    return transcribe(media)


def plan_cut(
    media: Path,
    *,
    silence: bool = False,
    fillers: bool = False,
    transcript: Path | None = None,
    words_json: Path | None = None,
    margin: float = 0.15,
    min_silence: float = 0.5,
    rate: Fraction | None = None,
) -> CutPlan:
    """Decide the kept source-frame ranges for ``reel cut`` (no files are written).

    Raises:
        NoAudioStreamError: a silence/filler/text cut of media without audio.
        InputFormatError: the edited transcript does not match the original (first bad line named).
        MediaError: nothing would remain (e.g. silence only).
        UsageError: no operation chosen, bad margin.
    """
    from reelkit.edit import keep_ranges, silence_removals, word_removals
    from reelkit.timeline import media_frame_count

    if not (silence or fillers or transcript):
        raise UsageError("choose what to cut: --silence, --fillers and/or --transcript EDITED.txt")
    if margin < 0 or min_silence < 0:
        raise UsageError("--margin and --min-silence must be >= 0 seconds")
    info = probe(media)
    if info.audio is None:
        what = "--silence" if silence else "--fillers" if fillers else "--transcript"
        raise NoAudioStreamError(f"{what} needs audio, but {media} has no audio stream")
    if info.video is not None:
        rate = info.require_rate()
    elif rate is None:
        rate = Fraction(30)
    total = media_frame_count(info, rate)
    notes: list[str] = []
    words: list[Any] = []
    sr = _VAD_RATE
    deleted: set[int] = set()
    if fillers or transcript is not None:
        t = _load_words(media, info, words_json, transcript, notes)
        words, sr = list(t.words), t.sample_rate
        if transcript is not None:
            from reelkit.analysis.speech import diff_text

            check_input_file(transcript, what="edited transcript")
            try:
                edited = transcript.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise InputFormatError(f"{transcript} is not UTF-8 text") from None
            deleted.update(diff_text(t, edited))
        if fillers:
            deleted.update(i for i, w in enumerate(words) if w.filler)
    removals: list[list[tuple[int, int]]] = []
    if deleted:
        removals.append(word_removals(words, sorted(deleted), sample_rate=sr, rate=rate, total_frames=total,
                                      margin_s=Fraction(repr(margin))))
    if silence:
        from reelkit.analysis.speech import speech_regions

        audio = read_audio(media, sample_rate=_VAD_RATE, channels=1, info=info)
        regions = speech_regions(audio)
        kept_words = [w for i, w in enumerate(words) if i not in deleted]
        scale = Fraction(_VAD_RATE, sr)
        from reelkit.analysis.speech import Word

        vad_words = [Word(w.text, int(w.start * scale), -(-w.end * _VAD_RATE // sr)) for w in kept_words]
        removals.append(silence_removals(regions, sample_rate=_VAD_RATE, rate=rate, total_frames=total,
                                         margin_s=Fraction(repr(margin)), min_silence_s=Fraction(repr(min_silence)),
                                         words=vad_words))
    keep = keep_ranges(total, *removals)
    if not keep:
        raise MediaError(f"nothing would remain of {media}: "
                         + ("no speech was found (silence only?)" if silence else "every word was deleted"))
    return CutPlan(info=info, rate=rate, total_frames=total, keep=keep, words=words, sample_rate=sr,
                   deleted=sorted(deleted), notes=notes)


def _summary(plan: CutPlan, files: dict[str, str]) -> dict[str, Any]:
    kept = sum(e - s for s, e in plan.keep)
    return {
        "media": str(plan.info.path),
        "rate": format_rate(plan.rate),
        "source_frames": plan.total_frames,
        "kept_frames": kept,
        "source_s": round(float(frame_to_seconds(plan.total_frames, plan.rate)), 3),
        "kept_s": round(float(frame_to_seconds(kept, plan.rate)), 3),
        "clips": len(plan.keep),
        "ranges": [[s, e] for s, e in plan.keep],
        "deleted_words": len(plan.deleted),
        "files": files,
    }


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
    from reelkit.timeline import EXPORT_SUFFIXES, export_timeline, ranges_timeline

    check_input_file(media, what="media file")
    out = output or media.with_name(f"{media.stem}.cut{EXPORT_SUFFIXES[export]}")
    srt = out.with_suffix(".srt") if captions else None
    for p in (out, render, srt):  # refuse existing outputs before any work
        if p is not None:
            check_output_path(p, force=force)
    if render is not None and (render.resolve() == media.resolve()):
        raise UsageError("--render must not overwrite the source media")
    edit_rate = parse_rate(rate) if rate is not None else None
    plan = plan_cut(media, silence=silence, fillers=fillers, transcript=transcript, words_json=words,
                    margin=margin, min_silence=min_silence, rate=edit_rate)
    tl = ranges_timeline(plan.info, plan.keep, name=f"{media.stem} cut", rate=plan.rate)
    if plan.words and any(getattr(w, "speaker", None) for w in plan.words):
        from reelkit.edit.speakers import name_clips_by_speaker

        name_clips_by_speaker(tl, plan.words, plan.sample_rate)  # "talk 3 — S2" in the NLE
    files: dict[str, str] = {"timeline": str(export_timeline(tl, out, export, force=force))}
    cues = None
    if captions:
        if not plan.words:
            from reelkit.analysis.speech import Transcript

            t: Transcript = _load_words(media, plan.info, words, transcript, plan.notes)
            plan.words, plan.sample_rate = list(t.words), t.sample_rate
        from reelkit.edit.captions import build_cues, words_on_timeline
        from reelkit.timeline.subtitles import write_captions

        cues = build_cues(words_on_timeline(plan.words, plan.sample_rate, tl))
        assert srt is not None
        files["captions"] = str(write_captions(cues, srt, "srt", force=force))
    if render is not None:
        from reelkit.render import render_timeline

        if plan.info.video is None:
            cues = None
        with progress_bar("rendering", unit="frames") as prog:
            res = render_timeline(tl, render, captions=cues, progress=prog, force=force)
        files["render"] = str(res.path)
    for note in plan.notes:
        err_console.print(note)
    emit(_summary(plan, files), fmt, _text)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo``: silence-cut the sample film and export it for every NLE."""
    plan = plan_cut(sample, silence=True)
    from reelkit.timeline import EXPORT_SUFFIXES, export_timeline, ranges_timeline

    tl = ranges_timeline(plan.info, plan.keep, name="sample cut")
    written = [export_timeline(tl, out_dir / f"sample.cut{EXPORT_SUFFIXES[f]}", f, force=True).name
               for f in EXPORT_CHOICES]
    d = _summary(plan, {})
    return (f"silence cut: kept {d['kept_s']:.2f} s of {d['source_s']:.2f} s in {d['clips']} clip(s); "
            f"exported {', '.join(written)}")


def register(app: typer.Typer) -> None:
    """Add ``cut`` to the root app."""
    app.command("cut")(cut_cmd)
