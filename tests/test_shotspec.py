"""ShotSpec model: vocabularies, validation, JSON round trip."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from reelkit.errors import InputFormatError, UsageError
from reelkit.shots import MOVEMENTS, CameraPlacement, LensSpec, ShotSpec, normalize_size


def _spec() -> ShotSpec:
    return ShotSpec(code="3B", scene=3, kind="ots", size="mcu", angle="eye_level", movement="dolly_in",
                    subjects=("ANNA", "BEN"), lens=LensSpec(50.0, 2.8, "ANNA"), duration=Fraction(41, 4),
                    lines=(12, 14), description="OTS BEN onto ANNA",
                    camera=CameraPlacement((1.0, -2.0, 1.5), (0.0, 0.5, 1.5)))


def test_round_trip_is_exact() -> None:
    s = _spec()
    assert s.size == "MCU"
    d = json.loads(json.dumps(s.to_dict()))
    assert d["duration"] == "41/4" and d["duration_s"] == 10.25
    assert ShotSpec.from_dict(d) == s


def test_vocabularies_and_aliases() -> None:
    assert normalize_size("MLS") == "MWS" and normalize_size("ls") == "WS" and normalize_size("X CU") == "ECU"
    assert {"static", "pan_left", "tilt_up", "dolly_in", "dolly_out", "truck_left", "pedestal_up", "crane_up",
            "zoom_in", "handheld", "steadicam", "arc_left"} <= set(MOVEMENTS)
    with pytest.raises(UsageError, match="camera move"):
        ShotSpec(code="1A", scene=1, kind="master", size="WS", movement="whip")
    with pytest.raises(UsageError, match="shot size"):
        ShotSpec(code="1A", scene=1, kind="master", size="HUGE")
    with pytest.raises(UsageError, match="duration"):
        ShotSpec(code="1A", scene=1, kind="master", size="WS", duration=Fraction(0))
    with pytest.raises(UsageError):
        LensSpec(0.1, 2.0)


def test_from_dict_errors_are_input_format_errors() -> None:
    d = _spec().to_dict()
    del d["size"]
    with pytest.raises(InputFormatError, match=r"3B.*size"):
        ShotSpec.from_dict(d)
    d = _spec().to_dict()
    d["movement"] = "teleport"
    with pytest.raises(InputFormatError, match="teleport"):
        ShotSpec.from_dict(d)
    with pytest.raises(InputFormatError):
        ShotSpec.from_dict([1, 2])  # type: ignore[arg-type]
