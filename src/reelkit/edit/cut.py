"""Silence, filler and text-based cuts of one media file: what to keep, and the files that say so.

:func:`plan_cut` decides the kept source-frame ranges (:mod:`reelkit.edit.ranges` does the range
arithmetic): words come from the media index (:func:`reelkit.edit.sources.transcript_of`) or a transcript
JSON, voice activity from the index's speech levels (:func:`reelkit.edit.sources.levels_of`), so
nothing is decoded for a file analysed before. :func:`write_cut` turns a plan into an NLE timeline
(:func:`reelkit.timeline.ranges_timeline`, every export format), optional captions and an optional render
(:func:`reelkit.render.render_timeline`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.analysis.levels import LEVELS_RATE
from reelkit.analysis.speech import Transcript
from reelkit.edit.sources import IndexUse, levels_of, transcript_of
from reelkit.errors import InputFormatError, MediaError, NoAudioStreamError, UsageError
from reelkit.fileio import check_input_file, check_output_path
from reelkit.media import MediaInfo, probe
from reelkit.progress import ProgressFn
from reelkit.time import format_rate, frame_to_seconds

__all__ = ["EXPORT_CHOICES", "CutPlan", "cut_summary", "load_words", "plan_cut", "write_cut"]

EXPORT_CHOICES = ("otio", "fcpxml", "fcp7", "edl")


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


def load_words(media: Path, info: MediaInfo, words_json: Path | None, edited: Path | None,
               notes: list[str], use: IndexUse = IndexUse()) -> Transcript:
    """The original transcript: ``--words`` JSON, else ``<edited stem>.json`` beside the text, else the
    media's transcript from the index (made by ``reel transcribe`` or ``reel analyze --speech``), else
    transcribe it (default backend) and store it there. What was used is added to ``notes``.

    Raises:
        MediaNotFoundError / InputFormatError: a bad ``words_json``; the errors of transcription.
    """
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
    notes.append("no --words JSON given: the media's transcript (from the media index, or transcribed now)")
    return transcript_of(media, use=use)


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
    use: IndexUse = IndexUse(),
) -> CutPlan:
    """Decide the kept source-frame ranges for ``reel cut`` (no files are written).

    Args:
        media: the media to cut. silence / fillers / transcript: what to cut (at least one).
        words_json: the original transcript JSON (see :func:`load_words`).
        margin: seconds of pause kept next to kept speech. min_silence: only longer silences are cut.
        rate: edit rate for audio-only media (default 30; video uses its own).
        use: the media index the transcript and the voice activity come from (and are stored in).

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
    sr = LEVELS_RATE  # of ``words`` (none unless fillers or a transcript are cut)
    deleted: set[int] = set()
    if fillers or transcript is not None:
        t = load_words(media, info, words_json, transcript, notes, use)
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
        levels = levels_of(media, info=info, use=use)
        assert levels is not None  # the media has audio (checked above)
        vr = levels.sample_rate
        regions = [(int(a), int(b)) for a, b in levels.regions]
        kept_words = [w for i, w in enumerate(words) if i not in deleted]
        scale = Fraction(vr, sr)
        from reelkit.analysis.speech import Word

        vad_words = [Word(w.text, int(w.start * scale), -(-w.end * vr // sr)) for w in kept_words]
        removals.append(silence_removals(regions, sample_rate=vr, rate=rate, total_frames=total,
                                         margin_s=Fraction(repr(margin)), min_silence_s=Fraction(repr(min_silence)),
                                         words=vad_words))
    keep = keep_ranges(total, *removals)
    if not keep:
        raise MediaError(f"nothing would remain of {media}: "
                         + ("no speech was found (silence only?)" if silence else "every word was deleted"))
    return CutPlan(info=info, rate=rate, total_frames=total, keep=keep, words=words, sample_rate=sr,
                   deleted=sorted(deleted), notes=notes)


def cut_summary(plan: CutPlan, files: dict[str, str]) -> dict[str, Any]:
    """What ``reel cut`` reports (JSON-able): lengths, clips, kept ranges, deleted words, files written."""
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


def write_cut(plan: CutPlan, output: Path, *, export: str = "otio", render: Path | None = None,
              captions: bool = False, words_json: Path | None = None, transcript: Path | None = None,
              force: bool = False, progress: ProgressFn | None = None, use: IndexUse = IndexUse()
              ) -> dict[str, str]:
    """Write ``plan`` as a timeline (``export`` format) at ``output``, plus ``.srt`` captions beside it
    (``captions``) and a render (``render``, captions burned in when the media has video).

    Every output is checked before anything is written. Clips are named by speaker when the words
    carry speakers ("talk 3 — S2" in the NLE).

    Returns:
        ``{"timeline": path, "captions": path, "render": path}`` for what was written.

    Raises:
        UsageError: unknown ``export``; ``render`` would overwrite the source. OutputExistsError: an output
        exists and ``force`` is false. The errors of transcription (captions without words) and rendering.
    """
    from reelkit.timeline import export_timeline, ranges_timeline

    if export not in EXPORT_CHOICES:
        raise UsageError(f"unknown --export {export!r}; choose one of {', '.join(EXPORT_CHOICES)}")
    media = Path(plan.info.path)
    srt = output.with_suffix(".srt") if captions else None
    for p in (output, render, srt):
        if p is not None:
            check_output_path(p, force=force)
    if render is not None and render.resolve() == media.resolve():
        raise UsageError("--render must not overwrite the source media")
    tl = ranges_timeline(plan.info, plan.keep, name=f"{media.stem} cut", rate=plan.rate)
    if plan.words and any(getattr(w, "speaker", None) for w in plan.words):
        from reelkit.edit.speakers import name_clips_by_speaker

        name_clips_by_speaker(tl, plan.words, plan.sample_rate)
    files: dict[str, str] = {"timeline": str(export_timeline(tl, output, export, force=force))}
    cues = None
    if captions:
        if not plan.words:
            t = load_words(media, plan.info, words_json, transcript, plan.notes, use)
            plan.words, plan.sample_rate = list(t.words), t.sample_rate
        from reelkit.edit.captions import build_cues, words_on_timeline
        from reelkit.timeline.subtitles import write_captions

        cues = build_cues(words_on_timeline(plan.words, plan.sample_rate, tl))
        assert srt is not None
        files["captions"] = str(write_captions(cues, srt, "srt", force=force))
    if render is not None:
        from reelkit.render import render_timeline

        res = render_timeline(tl, render, captions=cues if plan.info.video is not None else None,
                              progress=progress, force=force)
        files["render"] = str(res.path)
    return files
