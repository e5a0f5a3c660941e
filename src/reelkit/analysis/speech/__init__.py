"""Speech analysis: transcripts with word timings, forced alignment, voice activity and fillers.

>>> from reelkit.analysis.speech import transcribe, transcript_to_text   # doctest: +SKIP
>>> t = transcribe("talk.mp4")                                          # doctest: +SKIP
>>> print(transcript_to_text(t))                                        # doctest: +SKIP

Times are integer samples at ``Transcript.sample_rate``; seconds appear only in ``to_dict()``.
"""

from reelkit.analysis.speech.align import align
from reelkit.analysis.speech.backends import (
    ASR_RATE,
    AsrBackend,
    AsrResult,
    available_backends,
    get_backend,
    register_backend,
)
from reelkit.analysis.speech.fillers import FILLER_WORDS, mark_fillers
from reelkit.analysis.speech.model import Segment, Transcript, Word, segment_word_ranges
from reelkit.analysis.speech.pipeline import transcribe
from reelkit.analysis.speech.text import diff_text, normalize_word, transcript_to_text
from reelkit.analysis.speech.vad import speech_regions

__all__ = [
    "ASR_RATE",
    "FILLER_WORDS",
    "AsrBackend",
    "AsrResult",
    "Segment",
    "Transcript",
    "Word",
    "align",
    "available_backends",
    "diff_text",
    "get_backend",
    "mark_fillers",
    "normalize_word",
    "register_backend",
    "segment_word_ranges",
    "speech_regions",
    "transcribe",
    "transcript_to_text",
]
