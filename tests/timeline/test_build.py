"""ranges_timeline builds a frame-exact OTIO timeline that references the original media."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.errors import UsageError
from reelkit.media import probe
from reelkit.time import from_rational_time
from reelkit.timeline import ranges_timeline, timeline_rate, timeline_tracks
from tests.mediagen import make_audio, make_video
from tests.timeline.conftest import RATES, fake_info


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_ranges_timeline_clips_are_exact(tmp_path: Path, rate: Fraction) -> None:
    info = fake_info(tmp_path / "talk.mov", rate)
    ranges = [(0, 17), (1799, 1801), (17982, 18001), (107892, 107999)]
    tl = ranges_timeline(info, ranges, name="cut")
    assert timeline_rate(tl) == rate
    kinds = [t.kind for t in tl.tracks]
    assert kinds == [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio]
    for track in tl.tracks:
        clips = list(track.find_clips())
        got = [(from_rational_time(c.source_range.start_time, rate),
                from_rational_time(c.source_range.end_time_exclusive(), rate)) for c in clips]
        assert got == ranges
        rec = [from_rational_time(c.range_in_parent().start_time, rate) for c in clips]
        assert rec == [0, 17, 19, 38]
        ref = clips[0].media_reference
        assert ref.target_url == (tmp_path / "talk.mov").resolve().as_uri()
        assert from_rational_time(ref.available_range.duration, rate) == 216_000
    # the integer view used by exporters agrees
    r, tracks = timeline_tracks(tl)
    assert r == rate
    assert [(c.source_start, c.source_end) for c in tracks[0].clips] == ranges


def test_real_media_and_round_trip_through_otio_json(tmp_path: Path) -> None:
    p = make_video(tmp_path / "a b#c.mp4", rate=Fraction(30000, 1001), frames=40, audio_rate=48000)
    tl = ranges_timeline(probe(p), [(5, 12), (20, 40)], name="x")
    back = otio.adapters.read_from_string(otio.adapters.write_to_string(tl, "otio_json"), "otio_json")
    rate, tracks = timeline_tracks(back)
    assert rate == Fraction(30000, 1001)
    assert [(c.source_start, c.source_end, c.record_start) for c in tracks[1].clips] == [(5, 12, 0), (20, 40, 7)]
    assert tracks[0].clips[0].path == p.resolve()  # URL-quoted name (space, #) decodes back


def test_audio_only_needs_a_rate_and_has_only_audio(tmp_path: Path) -> None:
    p = make_audio(tmp_path / "a.wav", rate=48000, seconds=2.0)
    info = probe(p)
    with pytest.raises(UsageError, match="audio-only"):
        ranges_timeline(info, [(0, 10)], name="a")
    tl = ranges_timeline(info, [(0, 10), (20, 50)], name="a", rate=Fraction(25))
    assert [t.kind for t in tl.tracks] == [otio.schema.TrackKind.Audio]
    assert timeline_rate(tl) == 25


def test_bad_ranges_are_refused(tmp_path: Path) -> None:
    info = fake_info(tmp_path / "x.mov", Fraction(25), frames=100)
    with pytest.raises(UsageError):
        ranges_timeline(info, [(10, 5)], name="x")
    with pytest.raises(UsageError, match="beyond"):
        ranges_timeline(info, [(90, 101)], name="x")
    tl = ranges_timeline(info, [(3, 3), (4, 9)], name="x")  # empty ranges are dropped
    assert len(list(tl.tracks[0].find_clips())) == 1
