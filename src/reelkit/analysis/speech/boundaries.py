"""Word boundaries an editor can cut on: Whisper's words re-timed by forced alignment.

Whisper's word timestamps come from cross-attention and drift by tens to hundreds of milliseconds
(the first word of a file often "starts" at 0.0). :func:`refine_word_times` keeps Whisper's words
and re-times them with the PocketSphinx forced aligner (10 ms frames, acoustic phone models): each
run of words (a Whisper segment, at most :data:`MAX_RUN` words) is aligned inside a window around
Whisper's span, bounded by the neighbouring runs. A run whose alignment fails, or lands far from
Whisper's times (a sign the text does not match the audio), keeps Whisper's times; so does a single word
the aligner moved off its own span altogether (more than :data:`DETACH_S` apart: the first word of a run
pulled across a pause onto a later sound — "the original one. [2.7 s, uh] And" had "one" after the
"uh"). English only:
for other languages Whisper's times are returned unchanged.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE
from reelkit.analysis.speech.model import Segment, Word
from reelkit.analysis.speech.text import normalize_word

__all__ = ["MAX_RUN", "align_run", "refine_word_times"]

#: most words aligned in one decoder pass
MAX_RUN = 40
#: how far around Whisper's span the aligner may look, seconds
MARGIN_S = 0.4
#: a run whose median start moved further than this from Whisper's keeps Whisper's times, seconds
MAX_SHIFT_S = 0.6
#: an aligned word this far outside Whisper's span for it (no overlap) keeps Whisper's times, seconds
DETACH_S = 0.3


def align_run(audio: np.ndarray, keys: Sequence[str], a: int, b: int) -> list[tuple[int, int, float]] | None:
    """Force-align ``keys`` (normalised words) to ``audio[a:b]`` (16 kHz mono, any level).

    Returns ``[(start, end, prob)]`` absolute samples per key, or None when the aligner fails.
    """
    from reelkit.analysis.speech.align import _decode_align
    from reelkit.analysis.speech.pipeline import normalize_level

    a, b = max(0, a), min(len(audio), b)
    if b - a < ASR_RATE // 10 or not keys:
        return None
    spans = _decode_align(normalize_level(audio[a:b]), list(keys))
    if spans is None:
        return None
    frame = ASR_RATE // 100
    return [(a + s * frame, a + (e + 1) * frame, p) for s, e, p in spans]


def _runs(words: Sequence[Word], segments: Sequence[Segment] | None) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` of words aligned together: Whisper's segments, cut to MAX_RUN words."""
    bounds: list[tuple[int, int]] = []
    if segments:
        k = 0
        for seg in segments:
            j = k
            while j < len(words) and words[j].start < seg.end:
                j += 1
            if j > k:
                bounds.append((k, j))
            k = j
        if k < len(words):
            bounds.append((k, len(words)))
    else:
        bounds = [(0, len(words))] if words else []
    out = []
    for i, j in bounds:
        while j - i > MAX_RUN:
            out.append((i, i + MAX_RUN))
            i += MAX_RUN
        out.append((i, j))
    return out


def refine_word_times(words: Sequence[Word], audio: np.ndarray, *, offset: int = 0,
                      segments: Sequence[Segment] | None = None, language: str = "en") -> list[Word]:
    """Re-time ``words`` (absolute samples; ``audio[0]`` is sample ``offset``) by forced alignment.

    Args:
        words: time-ordered recognised words inside ``audio``.
        audio: ``(n,)`` float32 16 kHz mono, as decoded (not level-normalised).
        segments: the recogniser's segments (alignment runs follow them).
        language: only ``en`` is re-timed (the aligner's phone models are English).

    Returns:
        the same words with new ``start``/``end`` (time order kept, no overlaps); text, confidence
        and flags unchanged.
    """
    out = list(words)
    if language != "en" or not out:
        return out
    runs = _runs(out, segments)
    margin = round(MARGIN_S * ASR_RATE)
    prev_end = 0
    for n, (i, j) in enumerate(runs):
        keys = [normalize_word(w.text) or "ah" for w in out[i:j]]
        lo = max(prev_end, out[i].start - offset - margin, 0)
        nxt = out[runs[n + 1][0]].start - offset if n + 1 < len(runs) else len(audio)
        hi = min(len(audio), max(out[j - 1].end - offset + margin, lo + 1))
        hi = min(hi, max(nxt, out[j - 1].end - offset)) if n + 1 < len(runs) else hi
        spans = align_run(audio, keys, lo, hi)
        if spans is not None:
            shift = statistics.median(abs(s + offset - w.start) for (s, _, _), w in zip(spans, out[i:j], strict=True))
            if shift <= MAX_SHIFT_S * ASR_RATE:
                detach = DETACH_S * ASR_RATE
                for k, (s, e, _) in zip(range(i, j), spans, strict=True):
                    w = out[k]
                    if s + offset > w.end + detach or max(s, e) + offset < w.start - detach:
                        continue  # landed on another sound: Whisper's own span is nearer the truth
                    out[k] = dataclasses.replace(w, start=s + offset, end=max(s, e) + offset)
        prev_end = max(prev_end, out[j - 1].end - offset)
    for k in range(1, len(out)):  # keep time order with no overlap
        if out[k].start < out[k - 1].end:
            start = max(out[k].start, out[k - 1].start)
            out[k - 1] = dataclasses.replace(out[k - 1], end=max(out[k - 1].start, min(out[k - 1].end, start)))
            out[k] = dataclasses.replace(out[k], start=out[k - 1].end, end=max(out[k].end, out[k - 1].end))
    return out
