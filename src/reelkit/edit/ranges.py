"""Keep-range operations: silence cut, word (text/filler) cut, margins, frame snapping, gap merging.

Everything works on integers: speech regions and words in SAMPLES at ``sample_rate``, results in
SOURCE FRAMES at ``rate`` as ``[start, end)`` ranges (end exclusive), ready for
:func:`reelkit.timeline.ranges_timeline`.

Cut boundaries always land on frame boundaries (a cut can only happen between two pictures) and are
chosen so that no KEPT word is clipped: a boundary may only fall in the silence between a kept word
and a removed one; within that window it goes as close as possible to ``margin`` seconds from the
kept word. When the window holds no frame boundary at all (the words touch within one frame), the
kept word wins and up to one frame of the removed word may remain.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Protocol

from reelkit.errors import UsageError

__all__ = [
    "TimedWord",
    "clamp_ranges",
    "invert_ranges",
    "keep_ranges",
    "kept_frames",
    "merge_ranges",
    "silence_removals",
    "subtract_ranges",
    "word_removals",
]

Range = tuple[int, int]


class TimedWord(Protocol):
    """What the edit operations need of a word (``reelkit.analysis.speech.Word`` fits)."""

    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def merge_ranges(ranges: Iterable[Range], *, max_gap: int = 0) -> list[Range]:
    """Sort ranges and merge those that overlap, touch, or are at most ``max_gap`` apart; drop empty ones."""
    out: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in ranges if e > s):
        if out and s - out[-1][1] <= max_gap:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def clamp_ranges(ranges: Iterable[Range], total: int) -> list[Range]:
    """Clip ranges to ``[0, total)`` and merge them."""
    return merge_ranges((max(0, s), min(total, e)) for s, e in ranges)


def invert_ranges(ranges: Iterable[Range], total: int) -> list[Range]:
    """The complement of ``ranges`` within ``[0, total)``."""
    out: list[Range] = []
    pos = 0
    for s, e in clamp_ranges(ranges, total):
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < total:
        out.append((pos, total))
    return out


def subtract_ranges(keep: Iterable[Range], remove: Iterable[Range]) -> list[Range]:
    """``keep`` minus ``remove`` (both merged first)."""
    rem = merge_ranges(remove)
    out: list[Range] = []
    for s, e in merge_ranges(keep):
        pos = s
        for rs, re_ in rem:
            if re_ <= pos or rs >= e:
                continue
            if rs > pos:
                out.append((pos, rs))
            pos = max(pos, re_)
        if pos < e:
            out.append((pos, e))
    return out


def kept_frames(ranges: Iterable[Range]) -> int:
    """Total frames in ``ranges``."""
    return sum(e - s for s, e in ranges)


def _frame_pos(sample: int, sample_rate: int, rate: Fraction) -> Fraction:
    """Exact position of an audio sample on the frame axis (frames, fractional)."""
    return Fraction(sample) * rate / sample_rate


def _seconds(value: float | Fraction) -> Fraction:
    """User seconds → exact Fraction; a float is read as the decimal it prints as (0.2 → 1/5)."""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _check(sample_rate: int, rate: Fraction, total_frames: int, margin_s: float | Fraction) -> Fraction:
    if sample_rate <= 0 or rate <= 0:
        raise UsageError("sample rate and frame rate must be positive")
    if total_frames < 0:
        raise UsageError("total_frames must be >= 0")
    margin = _seconds(margin_s)
    if margin < 0:
        raise UsageError(f"margin must be >= 0 seconds, got {float(margin)}")
    return margin


def silence_removals(
    regions: Sequence[Range],
    *,
    sample_rate: int,
    rate: Fraction,
    total_frames: int,
    margin_s: float | Fraction = Fraction(15, 100),
    min_silence_s: float | Fraction = Fraction(1, 2),
    words: Sequence[TimedWord] = (),
) -> list[Range]:
    """Frame ranges to REMOVE so that only speech (plus margins) remains.

    Args:
        regions: speech regions from voice activity detection, samples ``[start, end)``.
        sample_rate: Hz of ``regions`` and ``words``.
        rate: video (edit) frame rate.
        total_frames: media length in frames.
        margin_s: silence kept before and after each speech region (seconds).
        min_silence_s: only silences longer than this (after margins) are removed.
        words: optional words; a word that overlaps a kept region is never clipped (the kept range
            grows to include it).

    Returns:
        Merged ``[start, end)`` source-frame ranges to cut. With no speech at all, everything.
    """
    margin = _check(sample_rate, rate, total_frames, margin_s)
    pad = margin * sample_rate
    spans = [(Fraction(s) - pad, Fraction(e) + pad) for s, e in regions if e > s]
    for w in words:  # words are speech too, whatever VAD said
        if w.end > w.start:
            spans.append((Fraction(w.start) - pad, Fraction(w.end) + pad))
    # outward snapping: floor the start, ceil the end -> nothing of the speech (+margin) is lost
    keep = [(math.floor(s * rate / sample_rate), math.ceil(e * rate / sample_rate)) for s, e in spans]
    min_gap = math.ceil(_seconds(min_silence_s) * rate)
    keep = merge_ranges(clamp_ranges(keep, total_frames), max_gap=max(0, min_gap))
    return invert_ranges(keep, total_frames)


def _boundary(lo: Fraction, hi: Fraction, target: Fraction, protect: str) -> int:
    """Frame boundary in ``[lo, hi]`` nearest ``target``; when there is none, the one on the kept side.

    ``protect="before"``: the kept material is before ``lo`` → fall back to ``ceil(lo)``;
    ``protect="after"``: the kept material is after ``hi`` → fall back to ``floor(hi)``.
    """
    first, last = math.ceil(lo), math.floor(hi)
    if first <= last:  # nearest; a tie goes to the side that leaves more pause next to the kept word
        nearest = math.floor(target + Fraction(1, 2)) if protect == "before" else math.ceil(target - Fraction(1, 2))
        return min(max(nearest, first), last)
    return first if protect == "before" else last


def word_removals(
    words: Sequence[TimedWord],
    deleted: Iterable[int],
    *,
    sample_rate: int,
    rate: Fraction,
    total_frames: int,
    margin_s: float | Fraction = Fraction(15, 100),
) -> list[Range]:
    """Frame ranges to REMOVE so that exactly the ``deleted`` words disappear.

    Runs of consecutive deleted words are removed together with the silence around them, except
    ``margin_s`` of pause kept after the previous kept word and before the next one. Boundaries are
    frame boundaries that never cut into a kept word (see the module docstring).

    Args:
        words: all words of the transcript in time order (samples at ``sample_rate``).
        deleted: indices into ``words`` to remove.

    Raises:
        UsageError: an index out of range, or words out of time order.
    """
    margin = _check(sample_rate, rate, total_frames, margin_s)
    n = len(words)
    dels = sorted(set(int(i) for i in deleted))
    if dels and (dels[0] < 0 or dels[-1] >= n):
        raise UsageError(f"deleted word index out of range (transcript has {n} words)")
    for a, b in itertools.pairwise(words):
        if b.start < a.start:
            raise UsageError("words must be in time order")
    end_pos = Fraction(total_frames)
    pad = margin * rate  # frames
    runs: list[tuple[int, int]] = []
    for i in dels:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    out: list[Range] = []
    for i, j in runs:
        d_start = _frame_pos(words[i].start, sample_rate, rate)
        d_end = _frame_pos(max(w.end for w in words[i:j + 1]), sample_rate, rate)
        if i > 0:
            prev_end = _frame_pos(max(w.end for w in words[:i]), sample_rate, rate)
            lo, hi = prev_end, max(prev_end, d_start)
            b0 = _boundary(lo, hi, min(lo + pad, hi), "before")
        else:
            b0 = 0
        if j + 1 < n:
            next_start = _frame_pos(min(w.start for w in words[j + 1:]), sample_rate, rate)
            lo, hi = min(d_end, next_start), next_start
            b1 = _boundary(lo, hi, max(hi - pad, lo), "after")
        else:
            b1 = total_frames if d_end <= end_pos else math.ceil(d_end)
        b0, b1 = max(0, b0), min(total_frames, b1)
        if b1 > b0:
            out.append((b0, b1))
    return merge_ranges(out)


def keep_ranges(total_frames: int, *removals: Iterable[Range], min_keep: int = 1) -> list[Range]:
    """``[0, total_frames)`` minus every removal list; kept ranges shorter than ``min_keep`` frames are dropped."""
    remove: list[Range] = [r for rem in removals for r in rem]
    return [(s, e) for s, e in subtract_ranges([(0, total_frames)], remove) if e - s >= min_keep]
