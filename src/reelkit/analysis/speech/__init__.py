"""Speech analysis: transcripts with word timings, forced alignment, voice activity and fillers.

>>> from reelkit.analysis.speech import transcribe, transcript_to_text   # doctest: +SKIP
>>> t = transcribe("talk.mp4")                                          # doctest: +SKIP
>>> print(transcript_to_text(t))                                        # doctest: +SKIP

Times are integer samples at ``Transcript.sample_rate``; seconds appear only in ``to_dict()``.
"""

from reelkit.analysis.speech.model import Segment, Transcript, Word, segment_word_ranges
from reelkit.analysis.speech.text import diff_text, normalize_word, transcript_to_text

__all__ = [
    "Segment",
    "Transcript",
    "Word",
    "diff_text",
    "normalize_word",
    "segment_word_ranges",
    "transcript_to_text",
]
