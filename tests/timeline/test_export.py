"""Every export format is read back (OTIO adapters / defusedxml) and checked to the frame at every rate."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.errors import OutputExistsError, UsageError
from reelkit.time import from_rational_time, is_drop_frame_rate
from reelkit.timeline import export_timeline, ranges_timeline, timeline_to_string
from tests.timeline.conftest import HARD_RANGES, RATES, fake_info


def _record_starts(ranges: list[tuple[int, int]]) -> list[int]:
    out, pos = [], 0
    for s, e in ranges:
        out.append(pos)
        pos += e - s
    return out


def _check_otio_track(track: otio.schema.Track, rate: Fraction, ranges: list[tuple[int, int]]) -> None:
    clips = list(track.find_clips())
    assert [(from_rational_time(c.source_range.start_time, rate),
             from_rational_time(c.source_range.end_time_exclusive(), rate)) for c in clips] == ranges
    assert [from_rational_time(c.range_in_parent().start_time, rate) for c in clips] == _record_starts(ranges)


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_otio_export_reads_back_exact(tmp_path: Path, rate: Fraction) -> None:
    tl = ranges_timeline(fake_info(tmp_path / "m.mov", rate), HARD_RANGES, name="cut")
    out = export_timeline(tl, tmp_path / "cut.otio", "otio")
    back = otio.adapters.read_from_file(str(out))
    assert len(back.tracks) == 2
    for track in back.tracks:
        _check_otio_track(track, rate, HARD_RANGES)


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_edl_export_reads_back_exact(tmp_path: Path, rate: Fraction) -> None:
    tl = ranges_timeline(fake_info(tmp_path / "m.mov", rate), HARD_RANGES, name="cut")
    out = export_timeline(tl, tmp_path / "cut.edl", "edl")
    text = out.read_text()
    df = is_drop_frame_rate(rate)
    assert ("FCM: DROP FRAME" in text) == df
    event_lines = [ln for ln in text.splitlines() if ln[:3].isdigit()]
    assert len(event_lines) == len(HARD_RANGES)
    assert all((";" in ln) == df for ln in event_lines)
    back = otio.adapters.read_from_string(text, "cmx_3600", rate=float(rate))
    names = sorted(t.name for t in back.tracks)
    assert names == ["A1", "A2", "V"]  # AA/V: picture and both audio channels in every event
    for track in back.tracks:
        _check_otio_track(track, rate, HARD_RANGES)
        for c in track.find_clips():
            assert c.name == "m.mov"


def test_edl_drop_frame_labels() -> None:
    # 17982 frames at 29.97 is exactly ten minutes of DF timecode; 1800 is 00:01:00;02; 16182 = 9 min - 2
    rate = Fraction(30000, 1001)
    tl = ranges_timeline(fake_info(Path("/media/m.mov"), rate), [(1800, 17982)], name="df")
    line = next(ln for ln in timeline_to_string(tl, "edl").splitlines() if ln.startswith("001"))
    assert line.split()[-4:] == ["00:01:00;02", "00:10:00;00", "00:00:00;00", "00:08:59;28"]


def test_edl_video_only_and_audio_only(tmp_path: Path) -> None:
    rate = Fraction(25)
    tl = ranges_timeline(fake_info(tmp_path / "v.mov", rate, audio=False), [(0, 25)], name="v")
    assert "  V     C" in timeline_to_string(tl, "edl")
    tl = ranges_timeline(fake_info(tmp_path / "a.wav", rate, video=False, channels=1), [(0, 25)], name="a",
                         rate=rate)
    text = timeline_to_string(tl, "edl")
    assert "  A     C" in text
    back = otio.adapters.read_from_string(text, "cmx_3600", rate=25)
    assert [t.name for t in back.tracks] == ["A1"]


def test_export_refuses_existing_target_and_unknown_format(tmp_path: Path) -> None:
    tl = ranges_timeline(fake_info(tmp_path / "m.mov", Fraction(24)), [(0, 10)], name="x")
    target = tmp_path / "cut.edl"
    target.write_text("precious")
    with pytest.raises(OutputExistsError):
        export_timeline(tl, target, "edl")
    assert target.read_text() == "precious"
    export_timeline(tl, target, "edl", force=True)
    assert target.read_text().startswith("TITLE: x")
    with pytest.raises(UsageError, match="unknown export format"):
        export_timeline(tl, tmp_path / "cut.aaf", "aaf")
