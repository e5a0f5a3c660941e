"""Every export format is read back (OTIO adapters / defusedxml) and checked to the frame at every rate."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.errors import OutputExistsError, UsageError
from reelkit.time import from_rational_time, is_drop_frame_rate
from reelkit.timeline import export_timeline, ranges_timeline, timeline_to_string
from tests.timeline.conftest import HARD_RANGES, RATES, fake_info, sound_take_timeline


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


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_fcpxml_export_reads_back_exact(tmp_path: Path, rate: Fraction) -> None:
    from reelkit.timeline.fcpxml import read_fcpxml

    tl = ranges_timeline(fake_info(tmp_path / "m.mov", rate), HARD_RANGES, name="cut")
    text = export_timeline(tl, tmp_path / "cut.fcpxml", "fcpxml").read_text()
    assert '<fcpxml version="1.9">' in text
    doc = read_fcpxml(text)  # raises if any time is off a frame boundary
    assert doc["rate"] == rate
    assert doc["tc_format"] == ("DF" if is_drop_frame_rate(rate) else "NDF")
    clips = doc["clips"]
    assert [c["kind"] for c in clips] == ["asset-clip"] * len(HARD_RANGES)
    assert [(c["start"], c["start"] + c["duration"]) for c in clips] == HARD_RANGES
    assert [c["offset"] for c in clips] == _record_starts(HARD_RANGES)
    assert all(c["src"] == (tmp_path / "m.mov").resolve().as_uri() for c in clips)


def test_fcpxml_rational_times_are_exact_multiples() -> None:
    from reelkit.timeline.fcpxml import fcpxml_time

    ntsc = Fraction(30000, 1001)
    assert fcpxml_time(17982, ntsc) == "17999982/30000s"
    assert fcpxml_time(1, ntsc) == "1001/30000s"
    assert fcpxml_time(50, Fraction(25)) == "2s"
    assert fcpxml_time(7, Fraction(25)) == "7/25s"
    assert fcpxml_time(1, Fraction(24000, 1001)) == "1001/24000s"


def test_fcpxml_crop_keyframes(tmp_path: Path) -> None:
    from reelkit.timeline.fcpxml import read_fcpxml

    rate = Fraction(30000, 1001)
    tl = ranges_timeline(fake_info(tmp_path / "m.mov", rate), [(0, 30), (17982, 18100)], name="vertical")
    clip = tl.tracks[0][1]
    clip.metadata["reelkit"]["crop_keyframes"] = [
        {"frame": 17982, "x": 0, "y": 0, "w": 608, "h": 1080},          # left edge
        {"frame": 18040, "x": 656, "y": 0, "w": 608, "h": 1080},        # centred
        {"frame": 18099, "x": 1312, "y": 0, "w": 608, "h": 1080},       # right edge
    ]
    tl.metadata["reelkit"]["output_size"] = [1080, 1920]
    text = timeline_to_string(tl, "fcpxml")
    doc = read_fcpxml(text)
    assert (doc["width"], doc["height"]) == ("1080", "1920")
    assert doc["clips"][0]["keyframes"] == {}
    kf = doc["clips"][1]["keyframes"]
    assert [f for f, _ in kf["position"]] == [17982, 18040, 18099]  # source frames, exact
    xs = [float(v.split()[0]) for _, v in kf["position"]]
    assert xs[0] > 0 and xs[1] == 0 and xs[2] == -xs[0]  # picture moves right for a left crop
    # 1080 px wide output from a 608 px window: scale 1080/608; offset (960-304)*scale px of 1920 px height
    assert xs[0] == pytest.approx((960 - 304) * 1080 / 608 / 1920 * 100, abs=1e-3)
    assert all(v == f"{1080 / 608:.4f} {1080 / 608:.4f}" for _, v in kf["scale"])
    assert '<adjust-conform type="none" />' in text
    assert text.count('curve="linear"') == 6  # 3 position + 3 scale keyframes, interpolated linearly
    # OTIO keeps the metadata as is
    back = otio.adapters.read_from_string(timeline_to_string(tl, "otio"), "otio_json")
    assert back.tracks[0][1].metadata["reelkit"]["crop_keyframes"][1]["x"] == 656


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_fcp7_export_reads_back_exact(tmp_path: Path, rate: Fraction) -> None:
    import defusedxml.ElementTree as DET

    tl = ranges_timeline(fake_info(tmp_path / "m.mov", rate), HARD_RANGES, name="cut")
    text = export_timeline(tl, tmp_path / "cut.xml", "fcp7").read_text()
    root = DET.fromstring(text)
    seq = root.find("sequence")
    assert seq.findtext("rate/ntsc") == ("TRUE" if rate.denominator == 1001 else "FALSE")
    assert seq.findtext("timecode/displayformat") == ("DF" if is_drop_frame_rate(rate) else "NDF")
    # every audio clipitem is its own clip with a source channel (Premiere needs this)
    tracks_a = seq.findall("media/audio/track")
    assert len(tracks_a) == 2
    assert [t.find("clipitem/sourcetrack/trackindex").text for t in tracks_a] == ["1", "2"]
    back = otio.adapters.read_from_string(text, "fcp_xml")
    kinds = [t.kind for t in back.tracks]
    assert kinds == [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio, otio.schema.TrackKind.Audio]
    for track in back.tracks:
        _check_otio_track(track, rate, HARD_RANGES)
        assert all(c.media_reference.target_url == (tmp_path / "m.mov").resolve().as_uri()
                   for c in track.find_clips())


def test_fcp7_audio_only(tmp_path: Path) -> None:
    rate = Fraction(25)
    tl = ranges_timeline(fake_info(tmp_path / "a.wav", rate, video=False, channels=1), [(0, 25), (50, 60)],
                         name="a", rate=rate)
    back = otio.adapters.read_from_string(timeline_to_string(tl, "fcp7"), "fcp_xml")
    assert [t.kind for t in back.tracks] == [otio.schema.TrackKind.Audio]
    _check_otio_track(back.tracks[0], rate, [(0, 25), (50, 60)])
    from reelkit.timeline.fcpxml import read_fcpxml

    doc = read_fcpxml(timeline_to_string(tl, "fcpxml"))
    assert [(c["start"], c["duration"], c["offset"]) for c in doc["clips"]] == [(0, 25, 0), (50, 10, 25)]


def test_fcpxml_reader_rejects_off_frame_times() -> None:
    from reelkit.errors import InputFormatError
    from reelkit.timeline.fcpxml import read_fcpxml

    bad = ('<fcpxml version="1.9"><resources><format id="r1" frameDuration="1001/30000s"/></resources>'
           '<library><event><project><sequence format="r1"><spine>'
           '<asset-clip offset="0s" start="1/30s" duration="1001/30000s"/></spine></sequence></project></event>'
           '</library></fcpxml>')
    with pytest.raises(InputFormatError, match="frame boundary"):
        read_fcpxml(bad)



def test_fcpxml_puts_a_sound_only_take_in_the_pictures_gap(tmp_path: Path) -> None:
    """An assembly of camera takes and a sound-only take: the sound clip goes into the storyline where the
    picture has its gap (audio only), instead of the export being refused; sound that runs past the
    picture's gap still cannot be written as one storyline."""
    import defusedxml.ElementTree as DET

    from reelkit.errors import InputFormatError

    root = DET.fromstring(timeline_to_string(sound_take_timeline(tmp_path), "fcpxml"))
    spine = root.find(".//spine")
    assert spine is not None
    from reelkit.timeline.fcpxml import parse_fcpxml_time

    items = [(el.tag, parse_fcpxml_time(el.get("offset")), parse_fcpxml_time(el.get("duration")),
              el.get("srcEnable")) for el in spine]
    assert items == [("asset-clip", 0, 2, None), ("asset-clip", 2, Fraction(8, 5), "audio")]
    boom = next(a for a in root.iter("asset") if a.get("name") == "boom")
    assert boom.get("hasVideo") == "0" and boom.get("hasAudio") == "1"
    assert spine[1].get("ref") == boom.get("id") and parse_fcpxml_time(spine[1].get("start")) == Fraction(2, 5)
    with pytest.raises(InputFormatError, match="follow the picture"):
        timeline_to_string(sound_take_timeline(tmp_path, offset=10), "fcpxml")
