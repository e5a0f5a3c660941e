"""Keep-range operations: exact frame boundaries that never clip kept words."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelkit.edit import (
    invert_ranges,
    keep_ranges,
    merge_ranges,
    silence_removals,
    subtract_ranges,
    word_removals,
)
from reelkit.errors import UsageError

NTSC = Fraction(30000, 1001)
SR = 16000


@dataclass(frozen=True)
class W:
    text: str
    start: int
    end: int


def _w(text: str, s: float, e: float) -> W:
    return W(text, round(s * SR), round(e * SR))


def _covered(ranges: list[tuple[int, int]], a: Fraction, b: Fraction) -> Fraction:
    """How much of [a, b) (frame positions) lies inside the ranges."""
    return sum((max(Fraction(0), min(b, Fraction(e)) - max(a, Fraction(s))) for s, e in ranges), Fraction(0))


def test_range_algebra() -> None:
    assert merge_ranges([(5, 8), (0, 3), (3, 4), (10, 10)]) == [(0, 4), (5, 8)]
    assert merge_ranges([(0, 3), (5, 8)], max_gap=2) == [(0, 8)]
    assert invert_ranges([(2, 4), (6, 8)], 10) == [(0, 2), (4, 6), (8, 10)]
    assert subtract_ranges([(0, 10)], [(2, 3), (5, 7)]) == [(0, 2), (3, 5), (7, 10)]
    assert keep_ranges(10, [(2, 3)], [(3, 9)]) == [(0, 2), (9, 10)]
    assert keep_ranges(10, [(1, 9)], min_keep=2) == []


def test_delete_one_word_keeps_margins_and_neighbours() -> None:
    words = [_w("so", 0.5, 0.9), _w("my", 1.0, 1.3), _w("um", 1.4, 1.8), _w("fellow", 2.6, 3.0)]
    rem = word_removals(words, [2], sample_rate=SR, rate=NTSC, total_frames=120, margin_s=0.15)
    assert len(rem) == 1
    b0, b1 = rem[0]
    # boundary after "my" (ends 1.3 s): nearest frame to min(1.3+0.15, 1.4)=1.4 s inside [1.3, 1.4] s
    assert b0 == 41 and Fraction(41) / NTSC >= Fraction(13, 10)
    # boundary before "fellow" (2.6 s): nearest frame to 2.45 s inside [1.8, 2.6] s
    assert b1 == round(Fraction(245, 100) * NTSC) == 73
    keep = keep_ranges(120, rem)
    assert keep == [(0, 41), (73, 120)]


def test_delete_first_and_last_words() -> None:
    words = [_w("uh", 0.2, 0.5), _w("hello", 1.0, 1.4), _w("bye", 2.0, 2.3)]
    rem = word_removals(words, [0, 2], sample_rate=SR, rate=Fraction(25), total_frames=100, margin_s=0.1)
    # start: cut from 0 to 0.9 s (margin before "hello"); end: from 1.5 s to the end
    assert rem == [(0, 22), (38, 100)]


def test_bad_indices_and_order() -> None:
    words = [_w("a", 0, 0.1), _w("b", 0.2, 0.3)]
    with pytest.raises(UsageError):
        word_removals(words, [2], sample_rate=SR, rate=NTSC, total_frames=30)
    with pytest.raises(UsageError):
        word_removals(list(reversed(words)), [0], sample_rate=SR, rate=NTSC, total_frames=30)


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.tuples(st.integers(0, 20000), st.integers(400, 12000)), min_size=2, max_size=14),
    deleted_mask=st.lists(st.booleans(), min_size=14, max_size=14),
    rate=st.sampled_from([Fraction(24000, 1001), Fraction(25), NTSC, Fraction(60000, 1001), Fraction(60)]),
    margin=st.sampled_from([Fraction(0), Fraction(1, 10), Fraction(15, 100), Fraction(1, 2)]),
)
def test_word_cut_never_clips_kept_words(gaps: list[tuple[int, int]], deleted_mask: list[bool], rate: Fraction,
                                         margin: Fraction) -> None:
    words, pos = [], 800
    for gap, length in gaps:
        pos += gap
        words.append(W("w", pos, pos + length))
        pos += length
    total = int(Fraction(pos + 8000) * rate / SR) + 1
    deleted = [i for i in range(len(words)) if deleted_mask[i]]
    keep = keep_ranges(total, word_removals(words, deleted, sample_rate=SR, rate=rate, total_frames=total,
                                             margin_s=margin))
    frame = Fraction(1)
    for i, w in enumerate(words):
        a, b = Fraction(w.start) * rate / SR, Fraction(w.end) * rate / SR
        got = _covered(keep, a, b)
        if i in deleted:
            # gone, except at most one frame where a kept neighbour touches it within the same frame
            touching = any(abs(Fraction(o.end) - w.start) * rate / SR < frame or
                           abs(Fraction(w.end) - o.start) * rate / SR < frame
                           for j, o in enumerate(words) if j not in deleted)
            assert got == 0 or (touching and got <= 2 * frame)
        else:
            assert got == b - a  # a kept word is never clipped


def test_silence_removals_keep_speech_with_margin() -> None:
    rate = Fraction(25)
    regions = [(SR * 1, SR * 2), (int(SR * 2.3), SR * 3), (SR * 6, SR * 7)]  # samples
    rem = silence_removals(regions, sample_rate=SR, rate=rate, total_frames=250, margin_s=0.2, min_silence_s=0.5)
    keep = keep_ranges(250, rem)
    # 1.0-3.0 s (the 0.3 s pause is too short to cut) and 6-7 s, each padded by 0.2 s
    assert keep == [(20, 80), (145, 180)]
    assert silence_removals([], sample_rate=SR, rate=rate, total_frames=250) == [(0, 250)]


def test_silence_removal_never_clips_a_word_vad_missed() -> None:
    rate = NTSC
    regions = [(SR, 2 * SR)]
    words = [_w("tail", 1.9, 2.6)]  # VAD ended early
    rem = silence_removals(regions, sample_rate=SR, rate=rate, total_frames=200, margin_s=0, words=words)
    keep = keep_ranges(200, rem)
    w = words[0]
    a, b = Fraction(w.start) * rate / SR, Fraction(w.end) * rate / SR
    assert _covered(keep, a, b) == b - a
