"""Transcript data model: words and segments with times in integer samples.

Times are integer sample positions at :attr:`Transcript.sample_rate` (end exclusive); seconds as
floats appear only in :meth:`Transcript.to_dict` (the JSON of ``reel transcribe``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from reelkit.errors import InputFormatError

__all__ = ["Segment", "Transcript", "Word", "segment_word_ranges"]


@dataclass(frozen=True)
class Word:
    """One recognised (or aligned) word.

    Attributes:
        text: the word as written in the transcript (fillers as ``um``/``uh``/``hm``...).
        start: first sample (inclusive) at the transcript's sample rate.
        end: end sample (exclusive); ``end >= start``.
        confidence: 0..1 posterior-like confidence (1.0 for forced alignment of given text).
        filler: True for filled pauses (um, uh, er, ah, hm), repeated words and false starts.
        speaker: speaker label (``S1``, ``S2``...) when speakers were found, else None.
        aligned: for alignment of a given text: True where the word was found in the audio, False
            where its time is interpolated between found words; None for recognised words.
    """

    text: str
    start: int
    end: int
    confidence: float = 1.0
    filler: bool = False
    speaker: str | None = None
    aligned: bool | None = None


@dataclass(frozen=True)
class Segment:
    """A stretch of speech between pauses (one line of the text format), samples, end exclusive."""

    start: int
    end: int
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Transcript:
    """Words and segments of one media file.

    Attributes:
        media: the media path as given.
        language: BCP-47-ish language code ("en").
        backend: name of the backend that produced it ("pocketsphinx", "faster-whisper", "align").
        sample_rate: Hz; every ``start``/``end`` below counts samples at this rate.
        words: in time order.
        segments: in time order; every word lies inside one segment (see :func:`segment_word_ranges`).
    """

    media: str
    language: str
    backend: str
    sample_rate: int
    words: list[Word] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)

    def seconds(self, samples: int) -> Fraction:
        """Exact time of a sample position, in seconds."""
        return Fraction(samples, self.sample_rate)

    @property
    def text(self) -> str:
        """All words joined by spaces."""
        return " ".join(w.text for w in self.words)

    def to_dict(self) -> dict[str, Any]:
        """The JSON schema of ``reel transcribe --format json`` (seconds as floats, 6 decimals).

        ``{"media", "language", "backend", "words": [{"text", "start", "end", "confidence", "filler",
        "speaker", "aligned"}], "segments": [{"start", "end", "text", "speaker"}]}`` (``speaker`` is a
        label or null; ``aligned`` is true/false for words of an aligned text, null for recognised words).
        Six decimals keep sample positions exact
        on a round trip through :meth:`from_dict` at rates up to 500 kHz.
        """
        sr = self.sample_rate

        def sec(n: int) -> float:
            return round(n / sr, 6)

        return {
            "media": self.media,
            "language": self.language,
            "backend": self.backend,
            "words": [{"text": w.text, "start": sec(w.start), "end": sec(w.end),
                       "confidence": round(float(w.confidence), 4), "filler": bool(w.filler),
                       "speaker": w.speaker, "aligned": w.aligned}
                      for w in self.words],
            "segments": [{"start": sec(s.start), "end": sec(s.end), "text": s.text, "speaker": s.speaker}
                         for s in self.segments],
        }

    @classmethod
    def from_dict(cls, data: Any, *, sample_rate: int = 16000) -> Transcript:
        """Rebuild a transcript from :meth:`to_dict` output (seconds → samples at ``sample_rate``).

        Raises:
            InputFormatError: missing keys, wrong types, negative or reversed times.
        """
        if not isinstance(data, dict):
            raise InputFormatError("transcript JSON must be an object with 'words' and 'segments'")
        if sample_rate <= 0:
            raise InputFormatError("sample_rate must be positive")

        def samples(v: Any, what: str) -> int:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise InputFormatError(f"transcript JSON: {what} must be a non-negative number of seconds, not {v!r}")
            return round(v * sample_rate)

        try:
            words = []
            for i, w in enumerate(data.get("words") or []):
                s, e = samples(w["start"], f"words[{i}].start"), samples(w["end"], f"words[{i}].end")
                if e < s:
                    raise InputFormatError(f"transcript JSON: words[{i}] ends before it starts")
                if not isinstance(w["text"], str):
                    raise InputFormatError(f"transcript JSON: words[{i}].text must be a string")
                spk, al = w.get("speaker"), w.get("aligned")
                words.append(Word(w["text"], s, e, float(w.get("confidence", 1.0)), bool(w.get("filler", False)),
                                  None if spk is None else str(spk), None if al is None else bool(al)))
            segments = []
            for i, g in enumerate(data.get("segments") or []):
                s, e = samples(g["start"], f"segments[{i}].start"), samples(g["end"], f"segments[{i}].end")
                if e < s:
                    raise InputFormatError(f"transcript JSON: segments[{i}] ends before it starts")
                speaker = g.get("speaker")
                segments.append(Segment(s, e, str(g.get("text", "")), None if speaker is None else str(speaker)))
            return cls(media=str(data.get("media", "")), language=str(data.get("language", "en")),
                       backend=str(data.get("backend", "")), sample_rate=sample_rate, words=words,
                       segments=segments)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputFormatError(f"transcript JSON is malformed: {type(exc).__name__}: {exc}") from None


def segment_word_ranges(t: Transcript) -> list[tuple[int, int]]:
    """Word index range ``[first, last)`` of each segment of ``t`` (same length as ``t.segments``).

    A word belongs to the last segment that starts at or before the word's start (words before the
    first segment belong to the first one), so every word is in exactly one segment. With no
    segments but some words, returns one range covering all words.
    """
    if not t.segments:
        return [(0, len(t.words))] if t.words else []
    owner = []
    k = 0
    for w in t.words:
        while k + 1 < len(t.segments) and t.segments[k + 1].start <= w.start:
            k += 1
        owner.append(k)
    ranges = []
    i = 0
    for k in range(len(t.segments)):
        j = i
        while j < len(owner) and owner[j] == k:
            j += 1
        ranges.append((i, j))
        i = j
    return ranges
