"""Sentences from a transcript's timed words, and the quiet points between them.

Cutdowns, highlights and assembly all cut between sentences. A sentence ends at a word whose text ends
with ``.``, ``?`` or ``!`` (Whisper punctuates); a transcript without any terminal punctuation (the
PocketSphinx backend) falls back to its segments (stretches of speech between pauses).

Times are integer samples at the transcript's sample rate, end exclusive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from reelkit.analysis.speech import Transcript, Word, segment_word_ranges

__all__ = ["Sentence", "boundary_levels", "content_words", "quietest_sample", "silence_threshold", "silent_frames",
           "split_sentences", "tfidf"]

_STOP = frozenset("""a an the and or but if then so of to in on at by for with from as is are was were be been
being am i you he she it we they me him her us them my your his its our their this that these those there here
what which who whom whose when where why how not no yes do does did done have has had having will would can
could should shall may might must just very also too than now up down out over about into off again once
all any both each few more most other some such only own same s t don't i'm it's that's you're we're they're
i've i'll i'd let's oh well okay ok yeah um uh""".split())  # noqa: SIM905
_TOKEN = re.compile(r"[\w']+")
_END = re.compile(r"[.?!…][\"')\]]*$")


@dataclass(frozen=True)
class Sentence:
    """Words ``first..last`` (inclusive indices into the transcript's words) forming one sentence.

    Attributes:
        first, last: word indices (inclusive).
        start, end: samples of the first word's start and the last word's end (end exclusive).
        text: the words joined by spaces, as transcribed.
    """

    first: int
    last: int
    start: int
    end: int
    text: str

    @property
    def n_words(self) -> int:
        """Number of words."""
        return self.last - self.first + 1


def _ends_sentence(text: str) -> bool:
    return bool(_END.search(text.strip()))


def split_sentences(t: Transcript | Sequence[Word], *, max_words: int = 80, pause_s: float = 0.3,
                    sample_rate: int | None = None, clauses: bool = False) -> list[Sentence]:
    """Split a transcript (or a list of words) into sentences, in time order.

    Args:
        t: a transcript (its segments are the fallback for unpunctuated text) or bare words.
        max_words: a run without punctuation longer than this is broken at its longest pause.
        pause_s: unpunctuated text (no word ends a sentence) is split at segment boundaries and at
            pauses of at least this many seconds (phrases stand in for sentences).
        sample_rate: of bare words (default 16000; a transcript brings its own).
        clauses: also break punctuated text at every pause of ``pause_s`` (phrases, finer than sentences).

    Returns:
        sentences covering every word exactly once (empty for no words).
    """
    words = list(t.words) if isinstance(t, Transcript) else list(t)
    if not words:
        return []
    punctuated = any(_ends_sentence(w.text) for w in words)
    bounds: list[tuple[int, int]] = []
    sr = t.sample_rate if isinstance(t, Transcript) else (sample_rate or 16000)
    gap = pause_s * sr
    if punctuated:
        i = 0
        for k, w in enumerate(words):
            brk = clauses and k + 1 < len(words) and words[k + 1].start - w.end >= gap
            if _ends_sentence(w.text) or brk or k == len(words) - 1:
                bounds.append((i, k))
                i = k + 1
    else:
        if isinstance(t, Transcript) and t.segments:
            segs = [(a, b - 1) for a, b in segment_word_ranges(t) if b > a]
        else:
            segs = [(0, len(words) - 1)]
        for a, b in segs:
            i = a
            for k in range(a, b):
                if words[k + 1].start - words[k].end >= gap:
                    bounds.append((i, k))
                    i = k + 1
            bounds.append((i, b))
    out: list[tuple[int, int]] = []
    stack = list(reversed(bounds))
    while stack:
        a, b = stack.pop()
        if b - a + 1 > max_words:
            gaps = [words[k + 1].start - words[k].end for k in range(a, b)]
            k = a + int(np.argmax(gaps))
            stack.append((k + 1, b))
            stack.append((a, k))
            continue
        out.append((a, b))
    return [Sentence(a, b, words[a].start, max(w.end for w in words[a:b + 1]),
                     " ".join(w.text.strip() for w in words[a:b + 1])) for a, b in out]


def quietest_sample(energy_db: np.ndarray, hop: int, lo: int, hi: int) -> int:
    """The sample in ``[lo, hi]`` where ``energy_db`` (from :func:`frame_energy_db`, hop ``hop`` samples)
    is lowest; among near-ties (within 1 dB) the one closest to the middle of the span."""
    if hi <= lo:
        return lo
    a, b = max(0, -(-lo // hop)), min(len(energy_db) - 1, hi // hop)
    if b < a:
        return (lo + hi) // 2
    seg = energy_db[a:b + 1]
    mid = (lo + hi) / 2 / hop
    cand = np.flatnonzero(seg <= seg.min() + 1.0) + a
    k = int(cand[np.argmin(np.abs(cand - mid))])
    return int(min(max(k * hop, lo), hi))


def silence_threshold(energy_db: np.ndarray) -> float:
    """Level (dBFS) at or below which a 20 ms window counts as silence in this recording.

    The noise floor (10th percentile of :func:`frame_energy_db`, digital silence below -100 dBFS left out so
    that padded files keep their room tone as the floor) + 10 dB: room tone passes; a word, its reverberant
    tail or laughter do not.
    """
    live = energy_db[energy_db > -100.0]
    if not len(live):
        return -90.0
    return float(np.percentile(live, 10)) + 10.0


def boundary_levels(energy_db: np.ndarray, hop: int, sample_rate: int, rate: Fraction, lo: Fraction,
                    hi: Fraction) -> list[tuple[int, float]]:
    """``[(f, level dBFS)]`` for the frame boundaries ``lo <= f <= hi`` (integers, frames at ``rate``): the
    :func:`frame_energy_db` window centred on each boundary's time; ``-inf`` past the end of the audio
    (nothing is said there), ``+inf`` before its start."""
    out = []
    for f in range(math.ceil(lo), math.floor(hi) + 1):
        k = round(Fraction(f) / rate * sample_rate / hop)
        out.append((f, -math.inf if k >= len(energy_db) else math.inf if k < 0 else float(energy_db[k])))
    return out


def silent_frames(energy_db: np.ndarray, hop: int, sample_rate: int, rate: Fraction, lo: Fraction, hi: Fraction,
                  threshold: float) -> list[int]:
    """Frame boundaries ``f`` (integers, ``lo <= f <= hi`` in frames at ``rate``) where the audio is silent
    (level at most ``threshold``, see :func:`boundary_levels`)."""
    return [f for f, level in boundary_levels(energy_db, hop, sample_rate, rate, lo, hi) if level <= threshold]


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: lower-cased, longer than two letters, not a stop word."""
    return [w for w in (t.casefold().strip("'") for t in _TOKEN.findall(text)) if len(w) > 2 and w not in _STOP]


def tfidf(texts: Sequence[str]) -> np.ndarray:
    """``(len(texts), vocabulary)`` TF-IDF weights of the :func:`content_words` of each text (smoothed idf
    ``log((1 + n) / (1 + df))`` plus a 1e-3 share of the raw count, so a word in every text still counts);
    ``(n, 1)`` zeros when no text has a content word."""
    docs = [content_words(t) for t in texts]
    vocab = sorted({w for d in docs for w in d})
    n = len(texts)
    if not vocab:
        return np.zeros((n, 1))
    col = {w: i for i, w in enumerate(vocab)}
    tf = np.zeros((n, len(vocab)))
    for i, d in enumerate(docs):
        for w in d:
            tf[i, col[w]] += 1
    df = (tf > 0).sum(axis=0)
    return tf * np.log((1 + n) / (1 + df))[None, :] + tf * 1e-3
