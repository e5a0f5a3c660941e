"""Frame-exact time.

Rates are :class:`fractions.Fraction` (``Fraction(30000, 1001)``), positions are integer frames
(video) or integer samples (audio). Floats appear only at the edges (JSON output, user input) and
OpenTimelineIO ``RationalTime`` only where timelines are built or read.

SMPTE timecode supports drop-frame for 29.97 and 59.94 (``HH:MM:SS;FF``) and non-drop for every
rate (``HH:MM:SS:FF``); at NTSC rates non-drop labels count frames at the nominal integer rate.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Literal

import opentimelineio as otio

from reelkit.errors import UsageError

__all__ = [
    "STANDARD_RATES",
    "format_rate",
    "frame_to_seconds",
    "frame_to_timecode",
    "frames_to_samples",
    "from_rational_time",
    "is_drop_frame_rate",
    "nominal_fps",
    "parse_rate",
    "samples_to_frames",
    "seconds_to_frame",
    "timecode_to_frame",
    "to_rational_time",
]

#: Rates an NLE knows by name. Floats such as 29.97 are snapped to these.
STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48000, 1001),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
    Fraction(100),
    Fraction(120000, 1001),
    Fraction(120),
)

Rounding = Literal["floor", "nearest", "ceil"]


def parse_rate(value: str | float | int | Fraction) -> Fraction:
    """Parse a frame rate given as ``"30000/1001"``, ``"29.97"``, ``25``, or a Fraction.

    Decimal values within 0.01 fps of a standard NTSC rate snap to it (29.97 → 30000/1001), the
    MoviePy bug in reverse. Raises :class:`UsageError` for zero, negative or unparseable rates.
    """
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int):
        rate = Fraction(value)
    else:
        text = str(value).strip()
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                rate = Fraction(int(num), int(den))
            else:
                f = float(text)
                if not math.isfinite(f):
                    raise ValueError(text)
                rate = _snap(Fraction(text) if isinstance(value, str) else Fraction(f))
        except (ValueError, ZeroDivisionError):
            raise UsageError(f"not a frame rate: {value!r} (use e.g. 25, 29.97 or 30000/1001)") from None
    if rate <= 0:
        raise UsageError(f"frame rate must be positive, got {value!r}")
    return rate


def _snap(rate: Fraction) -> Fraction:
    if rate.denominator == 1:
        return rate
    for std in STANDARD_RATES:
        if abs(rate - std) < Fraction(1, 100):
            return std
    return rate.limit_denominator(1001)


def format_rate(rate: Fraction) -> str:
    """``Fraction(30000, 1001)`` → ``"30000/1001"``; ``Fraction(25)`` → ``"25/1"``."""
    return f"{rate.numerator}/{rate.denominator}"


def nominal_fps(rate: Fraction) -> int:
    """The integer frame count per timecode second: 30 for 29.97, 24 for 23.976, 25 for 25."""
    return max(1, round(rate))


def is_drop_frame_rate(rate: Fraction) -> bool:
    """True for 30000/1001 and 60000/1001, the rates where drop-frame timecode is defined."""
    return rate in (Fraction(30000, 1001), Fraction(60000, 1001))


def frame_to_seconds(frame: int, rate: Fraction) -> Fraction:
    """Exact start time of ``frame`` in seconds (a Fraction)."""
    return Fraction(frame) / rate


def seconds_to_frame(seconds: float | Fraction, rate: Fraction, *, rounding: Rounding = "floor") -> int:
    """The frame that contains ``seconds`` (``floor``), the nearest frame start, or the next start."""
    exact = Fraction(seconds) * rate
    if rounding == "floor":
        return math.floor(exact)
    if rounding == "ceil":
        return math.ceil(exact)
    return math.floor(exact + Fraction(1, 2))


def frames_to_samples(frame: int, rate: Fraction, sample_rate: int) -> int:
    """First audio sample at or after the start of ``frame`` (exact integer arithmetic)."""
    return math.ceil(Fraction(frame) * sample_rate / rate)


def samples_to_frames(sample: int, sample_rate: int, rate: Fraction, *, rounding: Rounding = "floor") -> int:
    """Frame index that contains audio ``sample`` (or the nearest/next frame start)."""
    return seconds_to_frame(Fraction(sample, sample_rate), rate, rounding=rounding)


_TC_RE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$")


def frame_to_timecode(frame: int, rate: Fraction, *, drop_frame: bool | None = None) -> str:
    """SMPTE timecode of a 0-based frame count.

    ``drop_frame=None`` uses drop-frame exactly where it is defined (29.97, 59.94). Hours wrap at
    24 as in an NLE. Raises :class:`UsageError` for negative frames or drop-frame at other rates.
    """
    if frame < 0:
        raise UsageError(f"timecode of a negative frame ({frame}) is undefined")
    fps = nominal_fps(rate)
    df = is_drop_frame_rate(rate) if drop_frame is None else drop_frame
    if df and not is_drop_frame_rate(rate):
        raise UsageError(f"drop-frame timecode is only defined for 29.97 and 59.94 fps, not {format_rate(rate)}")
    n = frame
    if df:
        drop = fps // 15  # 2 at 29.97, 4 at 59.94
        per_10min = fps * 600 - drop * 9
        per_min = fps * 60 - drop
        tens, rem = divmod(n, per_10min)
        n += drop * 9 * tens
        if rem > drop:
            n += drop * ((rem - drop) // per_min)
    ff = n % fps
    total_s = n // fps
    ss = total_s % 60
    mm = (total_s // 60) % 60
    hh = (total_s // 3600) % 24
    sep = ";" if df else ":"
    width = 3 if fps > 100 else 2
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:0{width}d}"


def timecode_to_frame(timecode: str, rate: Fraction) -> int:
    """Parse ``HH:MM:SS:FF`` (non-drop) or ``HH:MM:SS;FF`` (drop-frame) to a 0-based frame count.

    Raises :class:`UsageError` for malformed timecode, a frame field beyond the rate, or a label
    that drop-frame skips (``00:01:00;00`` at 29.97).
    """
    m = _TC_RE.match(timecode.strip())
    if not m:
        raise UsageError(f"not a timecode: {timecode!r} (expected HH:MM:SS:FF or HH:MM:SS;FF)")
    hh, mm, ss, sep, ff = int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5])
    fps = nominal_fps(rate)
    if mm > 59 or ss > 59 or ff >= fps:
        raise UsageError(f"timecode {timecode!r} is out of range at {format_rate(rate)} fps")
    df = sep in ";,"
    if df and not is_drop_frame_rate(rate):
        raise UsageError(f"drop-frame timecode {timecode!r} given for {format_rate(rate)} fps")
    frames = ((hh * 60 + mm) * 60 + ss) * fps + ff
    if df:
        drop = fps // 15
        if ss == 0 and ff < drop and mm % 10 != 0:
            raise UsageError(f"{timecode!r} does not exist in drop-frame timecode (those labels are skipped)")
        minutes = hh * 60 + mm
        frames -= drop * (minutes - minutes // 10)
    return frames


def to_rational_time(frame: int, rate: Fraction) -> otio.opentime.RationalTime:
    """OTIO ``RationalTime`` for a frame count at ``rate`` (value in frames, rate as float).

    OTIO stores rates as doubles; 30000/1001 round-trips through :func:`from_rational_time`.
    """
    return otio.opentime.RationalTime(float(frame), float(rate))


def from_rational_time(rt: otio.opentime.RationalTime, rate: Fraction) -> int:
    """Nearest integer frame at ``rate`` for an OTIO ``RationalTime`` at any rate."""
    return round(Fraction(rt.value) * rate / _snap(Fraction(rt.rate)))
