"""``reel transcribe MEDIA``: words with timings (ASR or forced alignment) as JSON, editable text, SRT or VTT."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reelkit.cli._ui import (
    ForceOpt,
    MediaIndexOpt,
    NoIndexOpt,
    err_console,
    out_console,
    progress_bar,
    to_json,
    warn_line,
)
from reelkit.errors import InputFormatError, OutputExistsError, UsageError
from reelkit.fileio import check_input_file, check_output_path, write_text


class TranscriptFormat(StrEnum):
    """What ``reel transcribe`` writes."""

    json = "json"
    txt = "txt"
    srt = "srt"
    vtt = "vtt"


def _captions(t: object, fmt: TranscriptFormat) -> str:
    from reelkit.edit.captions import build_cues, words_in_seconds
    from reelkit.timeline.subtitles import cues_to_srt, cues_to_vtt

    cues = build_cues(words_in_seconds(t.words, t.sample_rate))  # type: ignore[attr-defined]
    return cues_to_srt(cues) if fmt == TranscriptFormat.srt else cues_to_vtt(cues)


def render_transcript(t: object, fmt: TranscriptFormat) -> str:
    """The text of transcript ``t`` in ``fmt`` (JSON ends with a newline)."""
    from reelkit.analysis.speech import transcript_to_text

    if fmt == TranscriptFormat.json:
        return to_json(t.to_dict()) + "\n"  # type: ignore[attr-defined]
    if fmt == TranscriptFormat.txt:
        return transcript_to_text(t)  # type: ignore[arg-type]
    return _captions(t, fmt)


def transcribe_cmd(
    media: Annotated[Path, typer.Argument(help="Audio or video file to transcribe.", show_default=False)],
    fmt: Annotated[TranscriptFormat, typer.Option("--format", "-f", case_sensitive=False,
                                                  help="json (words + segments), txt (editable text), srt, vtt."
                                                  )] = TranscriptFormat.txt,
    align_text: Annotated[Path | None, typer.Option(
        "--align", metavar="TEXTFILE",
        help="Force-align this known text (script, corrected transcript) instead of recognising speech.")] = None,
    backend: Annotated[str, typer.Option("--backend", "-b",
                                         help="ASR backend: faster-whisper (Whisper, default) or pocketsphinx.")
                       ] = "faster-whisper",
    model: Annotated[str | None, typer.Option("--model", metavar="base|small|PATH",
                                              help="Whisper model: base (installed), small, or a local "
                                                   "CTranslate2 folder.")] = None,
    language: Annotated[str | None, typer.Option("--language", "-l", metavar="CODE",
                                                 help="Spoken language (en, de, fr...; default: detect).")
                        ] = None,
    translate: Annotated[bool, typer.Option("--translate", help="Translate the speech to English.")] = False,
    speakers: Annotated[str | None, typer.Option("--speakers", metavar="N|auto",
                                                 help="Label speakers: a number of speakers or auto.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
                      ] = None,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    force: ForceOpt = False,
) -> None:
    """Transcribe speech with word timings, or align a known text to it.

    Prints to stdout unless --output is given. With --format txt and --output, the word timings are
    also written as JSON beside the text (talk.txt + talk.json), which is what `reel cut --transcript`
    reads after you delete words from the text.

    Examples:

      reel transcribe talk.mp4                         # editable text on stdout

      reel transcribe talk.mp4 -f txt -o talk.txt      # talk.txt + talk.json for `reel cut --transcript`

      reel transcribe talk.mp4 -f json > talk.json

      reel transcribe talk.mp4 -f srt -o talk.srt

      reel transcribe talk.mp4 --align script.txt -f json     # word timings of a known text

      reel transcribe interview.mp4 --speakers auto -f srt -o interview.srt   # speaker-labelled captions

      reel transcribe interview.mp4 --language de --translate -f vtt     # English subtitles of German speech

      reel transcribe talk.mp4 --backend pocketsphinx                  # small, English-only recogniser

    Whisper base runs by default (int8 on the CPU, weights installed with reelkit, nothing downloaded).
    Transcripts are kept in the media index: a second run on the unchanged file (or after
    `reel analyze --speech`) reads the words back instead of recognising them again (--no-index to
    skip it); --align is always computed.
    --align never fails on a text that does not quite match: each word gets "aligned": true/false and
    a warning gives the share found in the audio.
    """
    from reelkit.analysis.speech import align
    from reelkit.analysis.speech.align import aligned_share
    from reelkit.analysis.speech.speakers import parse_speakers

    sidecar = output.with_suffix(".json") if output is not None and fmt == TranscriptFormat.txt else None
    if sidecar is not None and sidecar == output:
        sidecar = None
    for target in (output, sidecar):  # refuse before any work
        if target is not None:
            check_output_path(target, force=force)
    spk = parse_speakers(speakers)
    if align_text is not None:
        if backend != "faster-whisper" or translate or spk is not None:
            raise UsageError("--align works with the default Whisper backend, without --translate/--speakers")
        check_input_file(align_text, what="text file")
        try:
            text = align_text.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputFormatError(f"{align_text} is not UTF-8 text") from None
        with progress_bar("aligning", unit="samples") as prog:
            t = align(media, text, progress=prog, model=model)
        share = aligned_share(t)
        if share < 1.0:
            err_console.print(f"warning: {share:.0%} of the {len(t.words)} words of {align_text.name} were found "
                              "in the audio; the others have interpolated times (\"aligned\": false)")
    else:
        from reelkit.index.analyze import transcribe_cached

        with progress_bar("transcribing", unit="samples") as prog:
            t, cached = transcribe_cached(media, backend=backend, model=model, progress=prog, language=language,
                                     translate=translate, speakers=spk, index=index, use_index=not no_index,
                                     warn=warn_line)
        if cached:
            err_console.print("transcript read from the media index (the file is unchanged since it was "
                              "transcribed; --no-index to transcribe it again)")
    data = render_transcript(t, fmt)
    if output is None:
        out_console.file.write(data)
        out_console.file.flush()
        return
    if sidecar is not None:
        if sidecar.exists() and not force:
            raise OutputExistsError(f"{sidecar} already exists", hint="use --force to overwrite it")
        write_text(sidecar, render_transcript(t, TranscriptFormat.json), force=force)
    write_text(output, data, force=force)


_SAMPLE_TEXT = ("And so, my fellow Americans, ask not what your country can do for you, "
                "ask what you can do for your country.")


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo`` step: transcribe the sample's speech and align its known text; write transcript.json/.txt."""
    from reelkit.analysis.speech import align, transcribe, transcript_to_text

    t = transcribe(sample)
    write_text(out_dir / "transcript.json", render_transcript(t, TranscriptFormat.json), force=True)
    write_text(out_dir / "transcript.txt", transcript_to_text(t), force=True)
    fillers = sum(w.filler for w in t.words)
    lines = transcript_to_text(t, header=False).rstrip("\n")
    a = align(sample, _SAMPLE_TEXT, recognised=t)
    write_text(out_dir / "transcript-aligned.json", render_transcript(a, TranscriptFormat.json), force=True)
    timed = " ".join(f"{w.text}@{w.start / a.sample_rate:.2f}" for w in a.words[:6])
    return (f"recognised (Whisper base, installed with reelkit): {len(t.words)} words in {len(t.segments)} lines, "
            f"{fillers} flagged as fillers\n{lines}\n"
            f"aligned to the known text (word@seconds): {timed} ...\n"
            "wrote transcript.json, transcript.txt (edit it for `reel cut --transcript`) and transcript-aligned.json")


def register(app: typer.Typer) -> None:
    """Add ``transcribe`` to the root app."""
    app.command("transcribe")(transcribe_cmd)
