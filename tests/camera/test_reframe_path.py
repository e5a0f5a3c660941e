"""The 2-D crop-path planner: aspect parsing, QP smoother, per-shot modes, keyframe simplification."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from reelkit.camera.reframe_path import (
    CropPath,
    Framing,
    ShotPlan,
    crop_size,
    parse_aspect,
    path_jerk,
    plan_shot,
    simplify_keyframes,
    solve_path_qp,
)
from reelkit.errors import UsageError

W, H = 1920, 1080
WIN = crop_size((W, H), Fraction(9, 16))


def _contained(windows: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x, y, w, h = windows.T
    bx, by, bw, bh = boxes.T
    return (x <= bx + 1e-6) & (y <= by + 1e-6) & (x + w >= bx + bw - 1e-6) & (y + h >= by + bh - 1e-6)


@pytest.mark.parametrize(("text", "value"), [("9:16", Fraction(9, 16)), ("1:1", 1), ("4:5", Fraction(4, 5)),
                                             ("16/9", Fraction(16, 9)), ("vertical", Fraction(9, 16)),
                                             ("0.5625", Fraction(9, 16)), ("2.39:1", Fraction(239, 100))])
def test_parse_aspect(text: str, value: Fraction) -> None:
    assert parse_aspect(text) == value


@pytest.mark.parametrize("text", ["0:1", "1:0", "tall", "-9:16", "", "9:16:1", "100:1", "nan"])
def test_parse_aspect_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="aspect"):
        parse_aspect(text)


def test_crop_size() -> None:
    assert crop_size((1920, 1080), Fraction(9, 16)) == (608, 1080)
    assert crop_size((640, 360), Fraction(9, 16)) == (202, 360)
    assert crop_size((1920, 1080), Fraction(1)) == (1080, 1080)
    assert crop_size((1080, 1920), Fraction(9, 16)) == (1080, 1920)  # portrait → portrait: everything
    assert crop_size((1080, 1920), Fraction(1)) == (1080, 1080)      # portrait → square: vertical room


def test_fidgeting_subject_gives_a_steady_camera() -> None:
    rng = np.random.default_rng(1)
    n = 240
    boxes = np.stack([900 + rng.normal(0, 12, n), 300 + rng.normal(0, 6, n), np.full(n, 160.0),
                      np.full(n, 160.0)], 1)
    wins, mode = plan_shot(boxes, source_size=(W, H), window=WIN, rate=30, face=True)
    assert mode == "steady"
    assert np.ptp(wins, axis=0).max() == 0.0  # zero motion
    assert _contained(wins, boxes).all()


def test_walking_subject_pans_smoothly_and_stays_inside() -> None:
    rng = np.random.default_rng(2)
    n = 300
    cx = 200 + 5.0 * np.arange(n)  # 150 px/s at 30 fps
    boxes = np.stack([cx - 60 + rng.normal(0, 8, n), 300 + rng.normal(0, 5, n), np.full(n, 120.0),
                      np.full(n, 500.0)], 1)
    wins, mode = plan_shot(boxes, source_size=(W, H), window=WIN, rate=30)
    assert mode == "pan"
    assert _contained(wins, boxes).all()
    centring = np.clip(boxes[:, 0] + 60 - WIN[0] / 2, 0, W - WIN[0])  # per-frame centring on the detections
    assert path_jerk(wins[:, 0]) < path_jerk(centring) / 10
    f = Framing()
    assert np.abs(np.diff(wins[:, 0])).max() <= f.max_speed * WIN[0] / 30 + 1e-3
    assert np.abs(np.diff(wins[:, 0], 2)).max() <= f.max_accel * WIN[0] / 900 + 1e-3
    # lead room: the subject sits behind the window centre (space ahead, to the right)
    mid = slice(60, 240)
    assert np.mean((boxes[mid, 0] + 60) - (wins[mid, 0] + WIN[0] / 2)) < -10


def test_back_and_forth_subject_is_tracked() -> None:
    n = 300
    cx = 960 + 600 * np.sin(np.arange(n) / 30.0)
    boxes = np.stack([cx - 50, np.full(n, 300.0), np.full(n, 100.0), np.full(n, 400.0)], 1)
    wins, mode = plan_shot(boxes, source_size=(W, H), window=WIN, rate=30)
    assert mode == "track"
    assert _contained(wins, boxes).all()


def test_unobserved_and_tiny_shots() -> None:
    nan = np.full((10, 4), np.nan)
    wins, mode = plan_shot(nan, source_size=(W, H), window=WIN, rate=30)
    assert mode == "steady" and np.allclose(wins[:, 0], (W - WIN[0]) / 2)
    for n in (1, 2):
        box = np.tile([[1500.0, 200.0, 100.0, 100.0]], (n, 1))
        wins, mode = plan_shot(box, source_size=(W, H), window=WIN, rate=30, face=True)
        assert wins.shape == (n, 4) and mode == "steady" and _contained(wins, box).all()
    # gaps in the observations are bridged, containment holds where observed
    box = np.tile([[1500.0, 200.0, 100.0, 100.0]], (20, 1))
    box[5:12] = np.nan
    wins, _ = plan_shot(box, source_size=(W, H), window=WIN, rate=30)
    ok = np.isfinite(box[:, 0])
    assert _contained(wins[ok], box[ok]).all()


def test_qp_respects_bounds_and_speed_limit() -> None:
    n = 200
    target = np.where(np.arange(n) < 100, 0.0, 500.0)  # a jump the camera may not follow at once
    lo, hi = np.full(n, -1e4), np.full(n, 1e4)
    x = solve_path_qp(target, lo, hi, w_vel=10.0, w_acc=100.0, v_max=8.0, a_max=0.8)
    assert np.abs(np.diff(x)).max() <= 8.0 + 0.05
    assert np.abs(np.diff(x, 2)).max() <= 0.8 + 0.05
    assert x[0] == pytest.approx(0.0, abs=30) and x[-1] == pytest.approx(500.0, abs=30)
    # hard bounds win over smoothness
    lo2 = np.where(np.arange(n) > 150, 400.0, -1e4)
    x2 = solve_path_qp(np.zeros(n), lo2, hi, w_vel=50.0, w_acc=500.0)
    assert (x2 >= lo2 - 1e-9).all()


def test_simplify_keyframes() -> None:
    steady = np.tile([[100.0, 0.0]], (50, 1))
    assert simplify_keyframes(steady, 1.0) == [0, 49]
    line = np.stack([np.linspace(0, 300, 60), np.zeros(60)], 1)
    assert simplify_keyframes(line, 0.5) == [0, 59]
    bend = np.concatenate([np.linspace(0, 100, 30), np.linspace(100, 0, 30)])
    keys = simplify_keyframes(bend, 1.0)
    assert 29 in keys or 30 in keys
    interp = np.interp(np.arange(60), keys, bend[keys])
    assert np.abs(interp - bend).max() <= 1.0
    wavy = 50 * np.sin(np.arange(120) / 7.0)
    keys = simplify_keyframes(wavy, 2.0)
    assert np.abs(np.interp(np.arange(120), keys, wavy[keys]) - wavy).max() <= 2.0
    assert len(keys) < 60


def test_crop_path_json_schema() -> None:
    p = CropPath(source_size=(640, 360), aspect=Fraction(9, 16),
                 windows=np.array([[10, 0, 202, 360], [12, 0, 202, 360]]),
                 shots=[ShotPlan(0, 1, "pan")], video="/x/a.mp4")
    d = p.to_dict()
    assert list(d) == ["video", "aspect", "frames", "shots"]
    assert d["aspect"] == "9:16"
    assert d["frames"][1] == {"frame": 1, "x": 12, "y": 0, "w": 202, "h": 360}
    assert d["shots"] == [{"start": 0, "end": 1, "mode": "pan"}]
