"""Shot log fields on rendered camera moves over real photographs (known motion per shot)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.analysis.test_shots_synthetic import _gen, _plan

from reelkit.analysis.shotlog import classify_movement, log_shots, shot_size_from_subjects
from reelkit.analysis.subjects import Subject


@pytest.fixture(scope="module")
def moves(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Any]:
    from reelkit.media import read_frames

    gen = _gen()
    tv = shared_data / "shots" / "videos" / "pyscenedetect" / "testvideo.mp4"
    photos = [f.image.astype(np.float32) for f in read_frames(tv, max_side=480, start=100, end=611)
              if f.index in (100, 280, 460, 610)]
    # (motion, speed): the camera pans right = picture content moves left (the renderer moves its
    # view window right for a positive speed)
    spec = [("pan", 2.5, "pan_right"), ("pan", -2.5, "pan_left"), ("tilt", 2.0, "tilt_down"),
            ("zoom_in", 0.012, "zoom_in"), ("zoom_out", 0.012, "zoom_out"), ("static", 0.0, "static")]
    plans = [_plan(gen, photos[k % 4], m, s, frames=30) for k, (m, s, _) in enumerate(spec)]
    path = tmp_path_factory.mktemp("moves") / "moves.mp4"
    gen.render_plan(path, plans, [("cut", {})] * (len(plans) - 1), size=(256, 144), rate=Fraction(25))
    det = log_shots(path, thumbnails=path.parent / "thumbs")
    return [want for *_, want in spec], det


def test_camera_movement_per_shot(moves: tuple[list[str], Any]) -> None:
    want, det = moves
    assert [s.start for s in det.shots] == [30 * k for k in range(len(want))]
    assert [s.log["camera"]["movement"] for s in det.shots] == want


def test_log_fields_and_thumbnails(moves: tuple[list[str], Any]) -> None:
    _, det = moves
    for s in det.shots:
        log = s.log
        assert Path(log["thumbnail"]).is_file()
        assert 0 <= log["exposure"]["mean_luma"] <= 1
        assert log["white_balance"]["cast"] in {"neutral", "warm", "cool", "green", "magenta"}
        assert sum(c["share"] for c in log["dominant_colours"]) == pytest.approx(1.0, abs=0.01)
        assert log["sharpness"]["laplacian_var"] > 0
        assert s.start <= log["representative_frame"] <= s.end


def test_handheld_and_static_from_motion() -> None:
    rng = np.random.default_rng(0)
    shake = rng.normal(0, 0.01, 60)
    assert classify_movement(shake, rng.normal(0, 0.01, 60), np.zeros(60), Fraction(25))["movement"] == "handheld"
    assert classify_movement(np.zeros(60), np.zeros(60), np.zeros(60), Fraction(25))["movement"] == "static"
    assert classify_movement(np.full(60, -0.01), np.zeros(60), np.zeros(60), Fraction(25))["movement"] == "pan_right"


def test_shot_size_from_faces_and_people() -> None:
    face = lambda h: Subject("face", (10, 10, h * 0.8, h), 0.9)  # noqa: E731
    assert shot_size_from_subjects([face(700)], 1080) == "ECU"
    assert shot_size_from_subjects([face(400)], 1080) == "CU"
    assert shot_size_from_subjects([face(100)], 1080) == "MWS"
    assert shot_size_from_subjects([Subject("person", (0, 0, 100, 500), 0.8)], 1080) == "WS"
    assert shot_size_from_subjects([], 1080) is None
