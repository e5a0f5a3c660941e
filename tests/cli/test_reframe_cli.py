"""``reel reframe`` end to end (real subprocess), exports read back with OTIO."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from reelkit.media import probe
from tests.reframe_media import write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """320×180, 40 frames @ 25 fps: a real face walking right, then (cut) standing still elsewhere."""
    path = tmp_path_factory.mktemp("rfcli") / "my clip.mp4"
    placements = [[(10 + 4 * t, 40)] for t in range(20)] + [[(200, 30)] for _ in range(20)]
    boxes = write_clip(path, size=(320, 180), frames=40, rate=Fraction(25), placements=placements, patch_h=110,
                       cut_at=20)
    return path, boxes[0]


def test_path_only_json(reel, clip: tuple[Path, np.ndarray]) -> None:
    path, face = clip
    r = reel("reframe", str(path), "--aspect", "9:16", "--path-only", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert list(d) == ["video", "aspect", "frames", "shots"]
    assert d["aspect"] == "9:16" and Path(d["video"]).name == "my clip.mp4"
    assert [f["frame"] for f in d["frames"]] == list(range(40))
    assert all(set(f) == {"frame", "x", "y", "w", "h"} for f in d["frames"])
    w = np.array([[f["x"], f["y"], f["w"], f["h"]] for f in d["frames"]])
    assert (w[:, 2] == 100).all() and (w[:, 3] == 180).all()
    inside = (w[:, 0] <= face[:, 0]) & (w[:, 0] + w[:, 2] >= face[:, 0] + face[:, 2])
    assert inside.mean() >= 0.95
    shots = d["shots"]
    assert shots[0]["start"] == 0 and shots[-1]["end"] == 39
    assert all(b["start"] == a["end"] + 1 for a, b in itertools.pairwise(shots))
    assert all(s["mode"] in ("steady", "pan", "track") for s in shots)


def test_exports_read_back_with_otio(reel, clip: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    path, _ = clip
    o = tmp_path / "v.otio"
    r = reel("reframe", str(path), "--aspect", "9:16", "--no-shots", "--export", "otio", "-o", str(o),
             "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["export"] == str(o)
    tl = otio.adapters.read_from_file(str(o))
    assert list(tl.metadata["reelkit"]["output_size"]) == [1080, 1920]
    clips = list(tl.video_tracks()[0].find_clips())
    assert len(clips) == 1
    keys = [dict(k) for k in clips[0].metadata["reelkit"]["crop_keyframes"]]
    assert keys[0]["frame"] == 0 and all(k["w"] == 100 and k["h"] == 180 for k in keys)
    assert 2 <= len(keys) < 40  # a moving path, simplified to few keyframes
    # the keyframes reproduce the per-frame path within the tolerance
    j = tmp_path / "v.json"
    assert reel("reframe", str(path), "--no-shots", "--export", "json", "-o", str(j)).returncode == 0
    frames = json.loads(j.read_text())["frames"]
    xs = np.interp(np.arange(40), [k["frame"] for k in keys], [k["x"] for k in keys])
    assert np.abs(xs - [f["x"] for f in frames]).max() <= 2.5

    x = tmp_path / "v.fcpxml"
    r = reel("reframe", str(path), "--no-shots", "--export", "fcpxml", "-o", str(x))
    assert r.returncode == 0, r.stderr
    text = x.read_text()
    assert "<adjust-transform" in text and "<keyframe " in text
    tl2 = otio.adapters.read_from_file(str(x), adapter_name="fcpx_xml")
    assert len(list(tl2.find_clips())) >= 1


def test_render_cli(reel, clip: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    path, _ = clip
    out = tmp_path / "vertical.mp4"
    r = reel("reframe", str(path), "--aspect", "9:16", "--width", "180", "--render", str(out))
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout
    v = probe(out).video
    assert (v.width, v.height, v.frames) == (180, 320, 40)
    before = out.read_bytes()
    again = reel("reframe", str(path), "--width", "180", "--render", str(out))
    assert again.returncode == 4 and "already exists" in again.stderr
    assert out.read_bytes() == before
    assert reel("reframe", str(path), "--width", "180", "--render", str(out), "--force").returncode == 0


@pytest.mark.parametrize("aspect", ["0:1", "tall"])
def test_bad_aspect_is_a_usage_error(reel, clip: tuple[Path, np.ndarray], aspect: str, tmp_path: Path) -> None:
    path, _ = clip
    out = tmp_path / "x.mp4"
    r = reel("reframe", str(path), f"--aspect={aspect}", "--render", str(out))
    assert r.returncode == 2
    assert "aspect" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_bad_inputs(reel, tmp_path: Path, clip: tuple[Path, np.ndarray]) -> None:
    r = reel("reframe", str(tmp_path / "missing.mp4"))
    assert r.returncode == 3 and "not found" in r.stderr
    r = reel("reframe", str(clip[0]), "--path-only", "--render", str(tmp_path / "o.mp4"))
    assert r.returncode == 2 and not (tmp_path / "o.mp4").exists()


def test_demo_step(sample_video: Path, tmp_path: Path) -> None:
    from reelkit.cli.reframe import demo_step

    report = demo_step(sample_video, tmp_path)
    v = probe(tmp_path / "sample_vertical_9x16.mp4")
    assert (v.video.width, v.video.height) == (360, 640) and v.video.frames == 330 and v.audio is not None
    assert (tmp_path / "sample_vertical_9x16.fcpxml").stat().st_size > 0
    assert "sample_vertical_9x16.mp4" in report


def test_real_clip_reports_backend_area_and_decision(reel, shared_data: Path) -> None:
    import importlib.util

    clip = shared_data / "reframe/people/intel_asl_again.mkv"
    r = reel("reframe", str(clip), "--aspect", "9:16", "--no-shots", "--no-index", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    want = "mediapipe" if importlib.util.find_spec("mediapipe") else "opencv"
    assert d["backend"] == want and d["active_area"] == [0, 0, 640, 480]
    # MediaPipe's native start-up chatter (absl / TensorFlow Lite, written straight to fd 2) is kept off
    assert "TensorFlow Lite" not in r.stderr and "W0000" not in r.stderr, r.stderr
    shot = d["shots"][0]
    assert shot["decision"]["reason"] and shot["decision"]["subject"].startswith("track")
    r = reel("reframe", str(clip), "--backend", "bogus")
    assert r.returncode != 0 and "unknown subject backend" in r.stderr and "Traceback" not in r.stderr
