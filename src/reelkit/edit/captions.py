"""Captions from timed words: grouping into cues, line breaking, reading-speed and duration limits.

Rules (the common broadcast/streaming style guides, e.g. Netflix/BBC timed-text guidance):

* at most ``max_chars`` (42) characters per line and ``max_lines`` (2) lines per cue;
* a new cue starts when the speaker changes, after a pause longer than ``max_pause_s`` (1 s), after
  sentence-ending punctuation
  once the cue has some text, or when the text would not fit;
* lines are broken where both lines are most balanced, preferring breaks after punctuation;
* a cue stays up at least ``min_duration_s`` (5/6 s) and at most ``max_duration_s`` (7 s), and is
  extended (never past the next cue minus ``min_gap_s``) to keep reading speed at or below
  ``max_cps`` (17 characters per second) where the timing allows.

Times are exact :class:`~fractions.Fraction` seconds on whatever clock the words are on (source media,
or the cut timeline after :func:`words_on_timeline`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio

from reelkit.edit.ranges import TimedWord
from reelkit.errors import UsageError
from reelkit.timeline.build import timeline_tracks

__all__ = ["CaptionWord", "Cue", "CueRules", "break_lines", "build_cues", "words_in_seconds", "words_on_timeline"]


@dataclass(frozen=True)
class CaptionWord:
    """A word with exact start/end times in seconds (``speaker``: its label, or None)."""

    text: str
    start: Fraction
    end: Fraction
    speaker: str | None = None


@dataclass(frozen=True)
class Cue:
    """One caption: ``lines`` shown from ``start`` to ``end`` (seconds, exact), said by ``speaker``
    (a label, or None when speakers are not known).

    ``highlight`` = ``(line, word)`` indices of a word to draw in the highlight colour (the word being
    spoken, for social clips), or None.
    """

    start: Fraction
    end: Fraction
    lines: tuple[str, ...]
    speaker: str | None = None
    highlight: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        """Lines joined by a space."""
        return " ".join(self.lines)


@dataclass(frozen=True)
class CueRules:
    """Limits used by :func:`build_cues` (see the module docstring)."""

    max_chars: int = 42
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration_s: Fraction = Fraction(5, 6)
    max_duration_s: Fraction = Fraction(7)
    max_pause_s: Fraction = Fraction(1)
    min_gap_s: Fraction = Fraction(1, 12)


def words_in_seconds(words: Sequence[TimedWord], sample_rate: int) -> list[CaptionWord]:
    """Words with sample times → :class:`CaptionWord` (exact seconds)."""
    return [CaptionWord(w.text, Fraction(w.start, sample_rate), Fraction(w.end, sample_rate),
                        getattr(w, "speaker", None)) for w in words]


def words_on_timeline(words: Sequence[TimedWord], sample_rate: int, timeline: otio.schema.Timeline
                      ) -> list[CaptionWord]:
    """Place source words on the cut timeline's clock.

    A word is kept when at least half of it lies inside a clip of the first track (its time is then
    clipped to the clip); a clip used twice shows its words twice. Words removed by the cut vanish.
    """
    rate, tracks = timeline_tracks(timeline)
    if not tracks:
        return []
    out: list[CaptionWord] = []
    for clip in tracks[0].clips:
        assert clip.index_start is not None
        c0 = Fraction(clip.index_start) / rate
        c1 = Fraction(clip.index_start + clip.duration) / rate
        r0 = Fraction(clip.record_start) / rate
        for w in words:
            ws, we = Fraction(w.start, sample_rate), Fraction(w.end, sample_rate)
            inside = min(we, c1) - max(ws, c0)
            if we <= ws or inside * 2 < (we - ws):
                continue
            out.append(CaptionWord(w.text, r0 + max(ws, c0) - c0, r0 + min(we, c1) - c0, getattr(w, "speaker", None)))
    out.sort(key=lambda w: w.start)
    return out


def break_lines(text_words: Sequence[str], *, max_chars: int = 42, max_lines: int = 2) -> list[str] | None:
    """Break words into at most ``max_lines`` lines of at most ``max_chars`` characters, balanced.

    Returns None when the words do not fit. A single word longer than ``max_chars`` gets a line of
    its own (it cannot be broken).
    """
    if not text_words:
        return []
    one = " ".join(text_words)
    if len(one) <= max_chars or (len(text_words) == 1):
        return [one]
    if max_lines < 2:
        return None
    best: tuple[float, list[str]] | None = None
    for k in range(1, len(text_words)):
        a, b = " ".join(text_words[:k]), " ".join(text_words[k:])
        if len(a) > max_chars:
            break
        if len(b) > max_chars:
            if max_lines > 2:
                rest = break_lines(text_words[k:], max_chars=max_chars, max_lines=max_lines - 1)
                if rest is not None:
                    return [a, *rest]
            continue
        score = abs(len(a) - len(b)) - (6 if a[-1] in ",.;:!?" else 0)
        if best is None or score < best[0]:
            best = (score, [a, b])
    return best[1] if best else None


def build_cues(words: Sequence[CaptionWord], rules: CueRules | None = None) -> list[Cue]:
    """Group words into caption cues following ``rules`` (see the module docstring).

    Raises:
        UsageError: nonsensical rules (zero characters per line, ...).
    """
    rules = rules or CueRules()
    if rules.max_chars < 1 or rules.max_lines < 1 or rules.max_cps <= 0:
        raise UsageError("caption rules need max_chars >= 1, max_lines >= 1 and max_cps > 0")
    groups: list[list[CaptionWord]] = []
    cur: list[CaptionWord] = []
    for w in words:
        if not w.text.strip():
            continue
        if cur:
            texts = [x.text for x in cur] + [w.text]
            too_long = break_lines(texts, max_chars=rules.max_chars, max_lines=rules.max_lines) is None
            pause = w.start - cur[-1].end > rules.max_pause_s
            too_slow = w.end - cur[0].start > rules.max_duration_s
            sentence = cur[-1].text[-1] in ".?!" and len(" ".join(x.text for x in cur)) >= rules.max_chars // 2
            if too_long or pause or too_slow or sentence or w.speaker != cur[-1].speaker:
                groups.append(cur)
                cur = []
        cur.append(w)
    if cur:
        groups.append(cur)
    cues: list[Cue] = []
    for n, g in enumerate(groups):
        lines = break_lines([x.text for x in g], max_chars=rules.max_chars, max_lines=rules.max_lines) or [
            " ".join(x.text for x in g)]
        start, end = g[0].start, max(x.end for x in g)
        chars = sum(len(s) for s in lines)
        want = max(rules.min_duration_s, Fraction(chars) / Fraction(rules.max_cps).limit_denominator(1000))
        want = min(want, rules.max_duration_s)
        limit = groups[n + 1][0].start - rules.min_gap_s if n + 1 < len(groups) else None
        if end - start < want:
            end = start + want if limit is None else max(end, min(start + want, limit))
        cues.append(Cue(start, end, tuple(lines), g[0].speaker))
    return cues
