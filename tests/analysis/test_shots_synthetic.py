"""Each transition type and each trap, on small videos built from real photographs with known GT.

The videos are rendered by ``bench/make_stress.py`` (the benchmark's generator) at 192×108 from
frames of PySceneDetect's testvideo.mp4 (real photos) and procedural scenes.
"""

from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reelkit.analysis.shots import ShotDetection, detect_shots
from reelkit.media import read_frames

REPO = Path(__file__).resolve().parents[2]
SIZE = (192, 108)
RATE = Fraction(25)


def _gen() -> Any:
    spec = importlib.util.spec_from_file_location("make_stress", REPO / "bench" / "make_stress.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_stress"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen() -> Any:
    return _gen()


@pytest.fixture(scope="module")
def photos(shared_data: Path) -> list[np.ndarray]:
    tv = shared_data / "shots" / "videos" / "pyscenedetect" / "testvideo.mp4"
    want = (100, 280, 460, 610)
    out = [f.image.astype(np.float32) for f in read_frames(tv, max_side=480, start=100, end=611) if f.index in want]
    assert len(out) == 4
    return out


def _plan(gen: Any, src: np.ndarray, motion: str = "static", speed: float = 0.0, frames: int = 40,
          flashes: tuple[int, ...] = (), gain: tuple[float, float, float] = (1, 1, 1)) -> Any:
    return gen.ShotPlan(src, frames, motion, speed, list(flashes), np.asarray(gain, np.float32), seed=3)


def _render(tmp: Path, gen: Any, plans: list[Any], joins: list[tuple[str, dict[str, Any]]]) -> tuple[
        dict[str, Any], ShotDetection]:
    path = tmp / "v.mp4"
    gt = gen.render_plan(path, plans, joins, size=SIZE, rate=RATE)
    return gt, detect_shots(path)


def _assert_matches(gt: dict[str, Any], det: ShotDetection, kinds: dict[str, str] | None = None) -> None:
    """Every GT boundary found (spans overlap within 2 frames, one-to-one), nothing else."""
    pred = [(t.start, t.end, t.type) for t in det.transitions]
    true = [(c, c, "cut") for c in gt["hard_cuts"]] + [(a, b, k) for a, b, k in gt["gradual"]]
    true.sort()
    assert len(pred) == len(true), (pred, true)
    for (ps, pe, pk), (ts, te, tk) in zip(pred, true, strict=True):
        assert ps <= te + 2 and pe >= ts - 2, (pred, true)
        want = (kinds or {}).get(tk.split()[0] if " " in tk else tk, tk)
        assert pk == want, (pk, tk)


def test_cut_between_moving_shots_with_flash(tmp_path: Path, gen: Any, photos: list[np.ndarray]) -> None:
    plans = [_plan(gen, photos[0], "pan", 2.0, 30, flashes=(12, 13)), _plan(gen, photos[1], "zoom_in", 0.006, 30),
             _plan(gen, photos[2], "handheld", 0.0, 30)]
    gt, det = _render(tmp_path, gen, plans, [("cut", {}), ("cut", {})])
    assert gt["hard_cuts"] == [30, 60]
    _assert_matches(gt, det)
    assert [s.start for s in det.shots] == [0, 30, 60]


def test_dissolve(tmp_path: Path, gen: Any, photos: list[np.ndarray]) -> None:
    plans = [_plan(gen, photos[1], "pan", 1.0), _plan(gen, photos[3], "static")]
    gt, det = _render(tmp_path, gen, plans, [("dissolve", {"length": 20})])
    _assert_matches(gt, det)
    assert det.transitions[0].type == "dissolve"


@pytest.mark.parametrize("kind", ["fade_black", "fade_white"])
def test_fade_out_and_in(tmp_path: Path, gen: Any, photos: list[np.ndarray], kind: str) -> None:
    plans = [_plan(gen, photos[0], "static"), _plan(gen, photos[2], "tilt", 1.0)]
    gt, det = _render(tmp_path, gen, plans, [(kind, {"out": 15, "hold": 5, "in": 12})])
    assert len(gt["gradual"]) == 2
    _assert_matches(gt, det, kinds={"fade-out": "fade", "fade-in": "fade"})
    # fade out, flat hold, fade in: three shots (the hold is its own black/white shot)
    assert len(det.shots) == 3


@pytest.mark.parametrize("direction", ["right", "down"])
def test_wipe(tmp_path: Path, gen: Any, photos: list[np.ndarray], direction: str) -> None:
    plans = [_plan(gen, photos[1], "static"), _plan(gen, photos[2], "static", gain=(1.1, 0.9, 0.9))]
    gt, det = _render(tmp_path, gen, plans, [("wipe", {"length": 16, "direction": direction})])
    _assert_matches(gt, det)
    assert det.transitions[0].type == "wipe"


def test_flash_and_fast_motion_are_not_boundaries(tmp_path: Path, gen: Any, photos: list[np.ndarray]) -> None:
    plans = [_plan(gen, photos[3], "static", frames=60, flashes=(20,)),
             _plan(gen, photos[0], "whip", 20.0, frames=40), _plan(gen, photos[2], "static", frames=40,
                                                                  flashes=(15, 16, 17))]
    gt, det = _render(tmp_path, gen, plans, [("cut", {}), ("cut", {})])
    assert len(gt["traps"]) >= 3
    _assert_matches(gt, det)
