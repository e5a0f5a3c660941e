"""The transcription pipeline: decode → level-normalise → VAD → ASR backend → fillers → segments."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE, get_backend
from reelkit.analysis.speech.fillers import mark_fillers
from reelkit.analysis.speech.model import Segment, Transcript, Word
from reelkit.analysis.speech.vad import speech_regions
from reelkit.fileio import check_input_file
from reelkit.media import AudioData, probe, read_audio
from reelkit.progress import ProgressFn

__all__ = ["build_segments", "load_speech_audio", "normalize_level", "transcribe"]


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


def load_speech_audio(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode the audio of ``path`` to level-normalised 16 kHz mono float32 ``(n,)``.

    Any channel layout (mono, stereo, 5.1...) is downmixed and any rate (8 kHz telephone to 96 kHz)
    resampled by FFmpeg's swresample.

    Raises:
        MediaNotFoundError, UnsupportedMediaError, NoAudioStreamError, MediaLimitError, DecodeError.
    """
    p = check_input_file(path, what="media file")
    info = probe(p)
    info.require_audio()
    audio = read_audio(p, sample_rate=ASR_RATE, channels=1, info=info)
    return normalize_level(audio.samples[0] if audio.samples.shape[0] else np.zeros(0, np.float32))


def build_segments(words: list[Word], *, sample_rate: int = ASR_RATE, pause_s: float = 0.5,
                   soft_max_s: float = 8.0, soft_pause_s: float = 0.2, hard_max_words: int = 30) -> list[Segment]:
    """Group time-ordered words into segments (lines): break at pauses of ``pause_s``, at shorter
    pauses (``soft_pause_s``) once a segment is longer than ``soft_max_s``, and after ``hard_max_words``."""
    segments: list[Segment] = []
    cur: list[Word] = []

    def close() -> None:
        if cur:
            segments.append(Segment(cur[0].start, cur[-1].end, " ".join(w.text for w in cur)))
            cur.clear()

    for w in words:
        if cur:
            gap = w.start - cur[-1].end
            long = cur[-1].end - cur[0].start > soft_max_s * sample_rate
            if (gap >= pause_s * sample_rate or (long and gap >= soft_pause_s * sample_rate)
                    or len(cur) >= hard_max_words):
                close()
        cur.append(w)
    close()
    return segments


def transcribe(path: str | os.PathLike[str], *, backend: str = "pocketsphinx", model: Path | None = None,
               progress: ProgressFn | None = None) -> Transcript:
    """Transcribe the speech in a media file (audio or video) with word timings.

    Args:
        path: any media with an audio stream.
        backend: a registered ASR backend name (``pocketsphinx`` default, ``faster-whisper``).
        model: local model folder for backends that need one (faster-whisper).
        progress: called with ``(samples_done, samples_total)`` at 16 kHz.

    Returns:
        a :class:`Transcript` at 16 kHz; silence-only media give an empty transcript (no error).

    Raises:
        NoAudioStreamError (video-only media) and the other media errors of :func:`load_speech_audio`;
        UsageError (unknown backend); BackendUnavailable (missing package or model).
    """
    asr = get_backend(backend, model=model)
    x = load_speech_audio(path)
    regions = speech_regions(AudioData(x[None, :], ASR_RATE))
    if not regions:
        return Transcript(media=str(path), language="en", backend=asr.name, sample_rate=ASR_RATE)
    result = asr.transcribe(x, regions=regions, progress=progress)
    words = mark_fillers(sorted(result.words, key=lambda w: (w.start, w.end)), audio=x, sample_rate=ASR_RATE)
    segments = result.segments if result.segments is not None else build_segments(words)
    return Transcript(media=str(path), language=result.language, backend=asr.name, sample_rate=ASR_RATE,
                      words=words, segments=list(segments))
