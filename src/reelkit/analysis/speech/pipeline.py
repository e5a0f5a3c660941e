"""The transcription pipeline.

Whisper (default): stream the audio in chunks of about :data:`CHUNK_S` cut at quiet moments → Whisper
(with the previous chunk's text as context) → word times re-timed by forced alignment → fillers
(Whisper's own, the prompt's, and acoustic ones in the gaps) → speaker vectors; at the end speakers
are clustered and words grouped into segments. PocketSphinx: decode the whole file → level-normalise
→ VAD → recognition → fillers → segments.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE, DEFAULT_BACKEND, AsrBackend, get_backend
from reelkit.analysis.speech.fillers import mark_fillers
from reelkit.analysis.speech.model import Segment, Transcript, Word
from reelkit.analysis.speech.vad import speech_regions
from reelkit.fileio import check_input_file
from reelkit.media import AudioData, iter_audio, probe, read_audio
from reelkit.progress import ProgressFn

__all__ = ["CHUNK_S", "build_segments", "iter_speech_chunks", "load_speech_audio", "normalize_level", "transcribe"]

#: Whisper is fed the audio in chunks of about this many seconds (cut at quiet moments)
CHUNK_S = 240.0


def normalize_level(x: np.ndarray, *, peak: float = 0.5) -> np.ndarray:
    """Remove DC and scale so the 99.9th percentile of ``|x|`` is ``peak``.

    ``x`` is ``(n,)`` float32 at 16 kHz; digital silence (nothing above 1e-5) is returned as zeros.
    Using a percentile instead of the maximum keeps one click or a clipped burst from setting the gain.
    (A 60 Hz high-pass was tried and made recognition worse on the JFK clip; see bench/RESULTS.md.)
    """
    x = np.asarray(x, np.float32)
    if not len(x):
        return x
    y = x - np.float32(x.mean())
    ref = float(np.percentile(np.abs(y), 99.9))
    if ref < 1e-5:
        return np.zeros_like(y)
    return np.clip(y * (peak / ref), -1.0, 1.0).astype(np.float32)


def load_speech_audio(path: str | os.PathLike[str], *, normalize: bool = True) -> np.ndarray:
    """Decode the audio of ``path`` to 16 kHz mono float32 ``(n,)``, level-normalised unless told not to.

    Any channel layout (mono, stereo, 5.1...) is downmixed and any rate (8 kHz telephone to 96 kHz)
    resampled by FFmpeg's swresample.

    Raises:
        MediaNotFoundError, UnsupportedMediaError, NoAudioStreamError, MediaLimitError, DecodeError.
    """
    p = check_input_file(path, what="media file")
    info = probe(p)
    info.require_audio()
    audio = read_audio(p, sample_rate=ASR_RATE, channels=1, info=info)
    x = audio.samples[0] if audio.samples.shape[0] else np.zeros(0, np.float32)
    return normalize_level(x) if normalize else x


def build_segments(words: list[Word], *, sample_rate: int = ASR_RATE, pause_s: float = 0.5,
                   soft_max_s: float = 8.0, soft_pause_s: float = 0.2, hard_max_words: int = 30) -> list[Segment]:
    """Group time-ordered words into segments (lines): break where the speaker changes, at pauses of
    ``pause_s``, at shorter pauses (``soft_pause_s``) once a segment is longer than ``soft_max_s``, and
    after ``hard_max_words``. A segment's speaker is its words' speaker."""
    segments: list[Segment] = []
    cur: list[Word] = []

    def close() -> None:
        if cur:
            segments.append(Segment(cur[0].start, cur[-1].end, " ".join(w.text for w in cur), cur[0].speaker))
            cur.clear()

    for w in words:
        if cur and w.speaker != cur[-1].speaker:
            close()
        if cur:
            gap = w.start - cur[-1].end
            long = cur[-1].end - cur[0].start > soft_max_s * sample_rate
            if (gap >= pause_s * sample_rate or (long and gap >= soft_pause_s * sample_rate)
                    or len(cur) >= hard_max_words):
                close()
        cur.append(w)
    close()
    return segments


def iter_speech_chunks(path: str | os.PathLike[str], *, chunk_s: float = CHUNK_S, search_s: float = 30.0
                       ) -> Iterator[tuple[int, np.ndarray]]:
    """Stream the audio of ``path`` as ``(offset, x)``: 16 kHz mono float32 chunks of about ``chunk_s``.

    Each chunk ends at the quietest 100 ms of its last ``search_s`` seconds, so words are not cut;
    at most one chunk plus one decoder block is held in memory, whatever the file's length.

    Raises:
        the media errors of :func:`~reelkit.media.iter_audio`.
    """
    p = check_input_file(path, what="media file")
    info = probe(p)
    info.require_audio()
    chunk_n, search_n, hop = round(chunk_s * ASR_RATE), round(search_s * ASR_RATE), ASR_RATE // 100
    buf = np.zeros(0, np.float32)
    offset = 0
    for block in iter_audio(p, sample_rate=ASR_RATE, channels=1, block_samples=ASR_RATE * 10, info=info):
        buf = np.concatenate([buf, block[0]]) if len(buf) else block[0]
        while len(buf) >= chunk_n + search_n // 2:
            lo = chunk_n - search_n
            seg = buf[lo:chunk_n]
            k = len(seg) // hop
            energy = np.convolve((seg[:k * hop].reshape(k, hop) ** 2).mean(axis=1), np.ones(10), "same")
            cut = lo + int(np.argmin(energy)) * hop + hop // 2
            yield offset, buf[:cut]
            offset += cut
            buf = buf[cut:].copy()
    if len(buf):
        yield offset, buf


def transcribe(path: str | os.PathLike[str], *, backend: str = DEFAULT_BACKEND, model: Path | str | None = None,
               progress: ProgressFn | None = None, language: str | None = None, translate: bool = False,
               speakers: int | str | None = None, refine: bool = True,
               warn: Callable[[str], None] | None = None) -> Transcript:
    """Transcribe the speech in a media file (audio or video) with word timings.

    Args:
        path: any media with an audio stream.
        backend: a registered ASR backend name (``faster-whisper`` default, ``pocketsphinx``).
        model: ``base`` (default, installed from pip), or a local CTranslate2 Whisper folder.
        progress: called with ``(samples_done, samples_total)`` at 16 kHz.
        language: a Whisper language code, or None/``auto`` to detect it.
        translate: Whisper translates the speech to English (``language`` then names the source).
        speakers: None (no labels), a number of speakers, or ``"auto"``; labels go to
            ``Word.speaker`` and ``Segment.speaker`` (segments are split where the speaker changes).
        refine: re-time Whisper's words by forced alignment (see :mod:`.boundaries`).
        warn: called with a one-line message when the audio ends well before the duration the file
            declares (a truncated or damaged file: the transcript covers what could be decoded).

    Returns:
        a :class:`Transcript` at 16 kHz; silence-only media give an empty transcript (no error).

    Raises:
        NoAudioStreamError (video-only media) and the other media errors of :func:`load_speech_audio`;
        UsageError (unknown backend or language, bad ``speakers``); BackendUnavailable (missing
        package or model, or weights that fail their check).
    """
    from reelkit.analysis.speech.speakers import assign_speakers, parse_speakers

    spk = parse_speakers(speakers)
    asr = get_backend(backend, model=model, language=language, task="translate" if translate else "transcribe")
    if getattr(asr, "name", "") != "faster-whisper":
        return _transcribe_whole(path, asr, progress=progress, speakers=spk)
    from reelkit.analysis.speech.boundaries import refine_word_times
    from reelkit.analysis.speech.fillers import find_gap_fillers
    from reelkit.analysis.speech.speakers import window_vectors

    info = probe(check_input_file(path, what="media file"))
    total = round((info.require_audio().duration_s or info.duration_s or 0.0) * ASR_RATE) or None
    words: list[Word] = []
    segments: list[Segment] = []
    windows: list[tuple[int, int, int, np.ndarray | None]] = []
    lang = "en"
    prompt: str | None = None
    decoded = 0
    for offset, x in iter_speech_chunks(path):
        decoded = offset + len(x)
        if not speech_regions(AudioData(normalize_level(x)[None, :], ASR_RATE)):
            if progress:  # no speech in this chunk: Whisper would only invent words ("Thank you.")
                progress(offset + len(x), total)
            continue
        def chunk_progress(done: int, _total: int | None, _o: int = offset) -> None:
            if progress:
                progress(_o + done, total)

        result = asr.transcribe(x, regions=(), progress=chunk_progress, offset=offset,  # type: ignore[call-arg]
                                prompt=prompt)
        lang = result.language
        ws = sorted(result.words, key=lambda w: (w.start, w.end))
        if refine and not translate:
            ws = refine_word_times(ws, x, offset=offset, segments=result.segments, language=lang)
        if lang == "en" and not translate:
            ws = find_gap_fillers(ws, x, offset=offset)
        ws = mark_fillers(ws, audio=None if lang != "en" else x, sample_rate=ASR_RATE, offset=offset)
        if spk is not None:
            windows.extend((i + len(words), j + len(words), mid, v) for i, j, mid, v in window_vectors(ws, x,
                                                                                                     offset=offset))
        words.extend(ws)
        segments.extend(result.segments or [])
        text = " ".join(w.text for w in ws)
        prompt = text[-200:] if text else None
        if progress:
            progress(offset + len(x), total)
    if warn is not None and total and total - decoded > max(2 * ASR_RATE, 0.05 * total):
        warn(f"{Path(path).name}: the audio ends at {decoded / ASR_RATE:.1f} s of the {total / ASR_RATE:.1f} s the "
             "file declares (truncated or damaged?); the transcript covers what could be decoded")
    if spk is not None:
        words = assign_speakers(words, windows, spk)
    segs = build_segments(words)
    return Transcript(media=str(path), language=lang, backend=asr.name, sample_rate=ASR_RATE, words=words,
                      segments=segs)


def _transcribe_whole(path: str | os.PathLike[str], asr: AsrBackend, *, progress: ProgressFn | None,
                      speakers: int | str | None) -> Transcript:
    """Level-normalise + VAD + a whole-file backend (PocketSphinx)."""
    from reelkit.analysis.speech.speakers import assign_speakers, window_vectors

    x = load_speech_audio(path)
    regions = speech_regions(AudioData(x[None, :], ASR_RATE))
    if not regions:
        return Transcript(media=str(path), language="en", backend=asr.name, sample_rate=ASR_RATE)
    result = asr.transcribe(x, regions=regions, progress=progress)
    words = mark_fillers(sorted(result.words, key=lambda w: (w.start, w.end)), audio=x, sample_rate=ASR_RATE)
    if speakers is not None:
        words = assign_speakers(words, window_vectors(words, x), speakers)
        segments = build_segments(words)
    else:
        segments = list(result.segments) if result.segments is not None else build_segments(words)
    return Transcript(media=str(path), language=result.language, backend=asr.name, sample_rate=ASR_RATE,
                      words=words, segments=segments)
