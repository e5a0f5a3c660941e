"""Frame-exact time: rates, seconds/frames/samples, SMPTE timecode, OTIO RationalTime."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reelkit.errors import UsageError
from reelkit.time import (
    STANDARD_RATES,
    format_rate,
    frame_to_seconds,
    frame_to_timecode,
    frames_to_samples,
    from_rational_time,
    parse_rate,
    samples_to_frames,
    seconds_to_frame,
    timecode_to_frame,
    to_rational_time,
)

NTSC = Fraction(30000, 1001)
NTSC60 = Fraction(60000, 1001)
rates = st.sampled_from(STANDARD_RATES)
frames = st.integers(min_value=0, max_value=24 * 3600 * 120 - 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30000/1001", NTSC), ("29.97", NTSC), ("23.976", Fraction(24000, 1001)), ("59.94", NTSC60),
     ("25", Fraction(25)), (24, Fraction(24)), ("12.5", Fraction(25, 2)), (29.97, NTSC)],
)
def test_parse_rate(text: str | int | float, expected: Fraction) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("bad", ["0", "-25", "abc", "1/0", "nan", "inf", ""])
def test_parse_rate_rejects(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_rate(bad)


def test_format_rate() -> None:
    assert format_rate(NTSC) == "30000/1001"
    assert format_rate(Fraction(25)) == "25/1"


@pytest.mark.parametrize(
    ("frame", "rate", "tc"),
    [
        (0, NTSC, "00:00:00;00"),
        (1799, NTSC, "00:00:59;29"),
        (1800, NTSC, "00:01:00;02"),  # ;00 and ;01 are skipped at every minute...
        (17982, NTSC, "00:10:00;00"),  # ...except every tenth
        (107892, NTSC, "01:00:00;00"),  # one hour of 29.97 is 107892 frames
        (215784, NTSC60, "01:00:00;00"),
        (3600, NTSC60, "00:01:00;04"),
        (86400, Fraction(24), "01:00:00:00"),
        (90000, Fraction(25), "01:00:00:00"),
        (1800, NTSC, "00:01:00:00"),  # non-drop requested explicitly below
    ],
)
def test_known_timecodes(frame: int, rate: Fraction, tc: str) -> None:
    drop = None if ";" in tc else False
    assert frame_to_timecode(frame, rate, drop_frame=drop) == tc
    assert timecode_to_frame(tc, rate) == frame


def test_skipped_drop_frame_label_is_rejected() -> None:
    with pytest.raises(UsageError, match="does not exist"):
        timecode_to_frame("00:01:00;00", NTSC)
    assert timecode_to_frame("00:10:00;00", NTSC) == 17982


@pytest.mark.parametrize("bad", ["1:2:3", "00:00:00:30", "00:61:00:00", "xx:00:00:00"])
def test_bad_timecode(bad: str) -> None:
    with pytest.raises(UsageError):
        timecode_to_frame(bad, Fraction(30))


def test_drop_frame_only_at_ntsc() -> None:
    with pytest.raises(UsageError):
        frame_to_timecode(10, Fraction(25), drop_frame=True)
    with pytest.raises(UsageError):
        timecode_to_frame("00:00:01;00", Fraction(25))
    with pytest.raises(UsageError):
        frame_to_timecode(-1, Fraction(25))


@given(frame=frames, rate=rates)
def test_timecode_round_trip(frame: int, rate: Fraction) -> None:
    assume(frame < _frames_per_day(rate))
    assert timecode_to_frame(frame_to_timecode(frame, rate), rate) == frame


def _frames_per_day(rate: Fraction) -> int:
    """Timecode labels wrap after 24 h of labels (fewer real frames in drop-frame)."""
    fps = round(rate)
    if rate in (NTSC, NTSC60):
        drop = fps // 15
        return 24 * (fps * 3600 - drop * 54)
    return 24 * 3600 * fps


def test_timecode_wraps_at_24_hours() -> None:
    assert frame_to_timecode(_frames_per_day(NTSC), NTSC) == "00:00:00;00"
    assert frame_to_timecode(_frames_per_day(NTSC) - 1, NTSC) == "23:59:59;29"
    assert frame_to_timecode(24 * 3600 * 25, Fraction(25)) == "00:00:00:00"


@given(frame=frames, rate=rates)
def test_drop_frame_tracks_wall_clock(frame: int, rate: Fraction) -> None:
    """Drop-frame labels stay within a few frames of real elapsed time (the point of dropping)."""
    if rate not in (NTSC, NTSC60):
        return
    tc = frame_to_timecode(frame, rate)
    hh, mm, rest = tc.split(":")
    ss, ff = rest.split(";")
    label_seconds = int(hh) * 3600 + int(mm) * 60 + int(ss) + int(ff) / round(rate)
    real = float(frame_to_seconds(frame, rate))
    assume(real < 86400)
    # within ~2 frames inside each minute, plus drop-frame's known residual of ~86 ms per day
    assert abs(label_seconds - real) < 0.07 + 0.09 * real / 86400


@given(frame=frames, rate=rates)
def test_seconds_round_trip(frame: int, rate: Fraction) -> None:
    assert seconds_to_frame(frame_to_seconds(frame, rate), rate) == frame
    # a float seconds value (as read from JSON) still lands on the same frame when rounded
    assert seconds_to_frame(float(frame_to_seconds(frame, rate)), rate, rounding="nearest") == frame


@given(frame=frames, rate=rates, sr=st.sampled_from([8000, 16000, 44100, 48000, 96000]))
def test_samples_round_trip(frame: int, rate: Fraction, sr: int) -> None:
    sample = frames_to_samples(frame, rate, sr)
    assert samples_to_frames(sample, sr, rate) == frame
    # the sample is the first one at or after the frame start
    assert Fraction(sample, sr) >= frame_to_seconds(frame, rate)
    assert Fraction(sample - 1, sr) < frame_to_seconds(frame, rate)


@given(frame=frames, rate=rates)
def test_rational_time_round_trip(frame: int, rate: Fraction) -> None:
    rt = to_rational_time(frame, rate)
    assert from_rational_time(rt, rate) == frame
    # converting to another OTIO rate and back keeps the frame
    rescaled = rt.rescaled_to(48000)
    assert from_rational_time(rescaled, rate) == frame


def test_no_float_rate_drift_over_a_day() -> None:
    """The MoviePy bug: 23.98 instead of 24000/1001 drifts by seconds over long media."""
    day = 24 * 3600
    last = seconds_to_frame(day, parse_rate("23.976"))
    assert last == day * 24000 // 1001
