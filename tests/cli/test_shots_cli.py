"""``reel shots`` end to end: JSON schema, CSV, timeline exports read back by OTIO, --split, bad input."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import opentimelineio as otio
import pytest

from reelkit.media import probe, read_frames
from reelkit.sample import SAMPLE_CUTS, SAMPLE_FRAMES
from reelkit.time import frame_to_timecode
from tests.mediagen import make_video

LOG_KEYS = {"frames", "start_s", "end_s", "camera", "exposure", "white_balance", "representative_frame",
            "shot_size", "subjects", "sharpness", "dominant_colours", "thumbnail"}


@pytest.fixture(scope="module")
def sample_run(sample_video: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real CLI run on the sample with thumbnails and split files."""
    from tests.conftest import run_reel

    d = tmp_path_factory.mktemp("shots_cli")
    r = run_reel("shots", str(sample_video), "--thumbnails", str(d / "thumbs"), "--split", str(d / "split"))
    assert r.returncode == 0, r.stderr
    return {"json": json.loads(r.stdout), "dir": d}


def test_json_schema(sample_run: dict[str, Any], sample_video: Path) -> None:
    data = sample_run["json"]
    assert list(data) == ["video", "rate", "frame_count", "transitions", "shots"]
    assert data["rate"] == "30000/1001" and data["frame_count"] == SAMPLE_FRAMES
    assert Path(data["video"]).name == sample_video.name
    types = [t["type"] for t in data["transitions"]]
    assert types == ["cut", "dissolve", "fade"]
    cut = data["transitions"][0]
    assert set(cut) == {"type", "frame", "confidence"} and cut["frame"] == SAMPLE_CUTS[0]
    assert set(data["transitions"][1]) == {"type", "start", "end", "confidence"}
    shots = data["shots"]
    assert [(s["index"], s["start"], s["end"]) for s in shots] == [(0, 0, 89), (1, 90, 209), (2, 210, 329)]
    for s in shots:
        assert set(s) >= LOG_KEYS
        assert Path(s["thumbnail"]).is_file()
        assert s["camera"]["movement"] in {"static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in",
                                           "zoom_out", "handheld"}
        assert s["exposure"]["verdict"] in {"under", "normal", "over"}
        assert 1 <= len(s["dominant_colours"]) <= 4
    # the sample: shot 0 pans right over a landscape, shot 1 is a locked-off wall with a walking figure
    assert shots[0]["camera"]["movement"] == "pan_right"
    assert shots[1]["camera"]["movement"] == "static"
    assert shots[1]["subjects"]["faces"] + shots[1]["subjects"]["people"] >= 1
    assert shots[1]["shot_size"] is not None
    assert shots[0]["white_balance"]["cast"] == "cool"  # blue sky
    assert shots[2]["white_balance"]["cast"] == "warm"  # orange texture
    assert shots[1]["start_s"] == pytest.approx(90 * 1001 / 30000, abs=1e-6)


def test_split_files_are_frame_exact(sample_run: dict[str, Any], sample_video: Path) -> None:
    shots = sample_run["json"]["shots"]
    files = sorted((sample_run["dir"] / "split").glob("*.mp4"))
    assert len(files) == len(shots)
    src = [f.image.astype(np.float32) for f in read_frames(sample_video, max_side=160)]
    for s, f in zip(shots, files, strict=True):
        info = probe(f)
        assert info.audio is not None and info.require_rate() == Fraction(30000, 1001)
        frames = [x.image.astype(np.float32) for x in read_frames(f, max_side=160)]
        assert len(frames) == s["end"] - s["start"] + 1
        for k, want in ((0, s["start"]), (-1, s["end"])):
            err = np.abs(frames[k] - src[want]).mean()
            assert err < 4.0, (f.name, k, err)
            nb = want - 1 if k == 0 else want + 1  # the neighbouring shot's frame must not be there
            if 0 <= nb < len(src) and np.abs(src[nb] - src[want]).mean() > 12:
                assert np.abs(frames[k] - src[nb]).mean() > err
        # audio lasts as long as the pictures (within one AAC frame)
        assert info.duration_s == pytest.approx((s["end"] - s["start"] + 1) * 1001 / 30000, abs=0.05)


def _clip_ranges(tl: Any, rate: Fraction) -> list[tuple[int, int]]:
    if isinstance(tl, otio.schema.SerializableCollection):  # the FCPXML reader wraps the project
        tls = [x for x in tl.find_children(descended_from_type=otio.schema.Timeline)] or list(tl)
        assert len(tls) == 1
        tl = tls[0]
    out = []
    for clip in tl.video_tracks()[0].find_clips():
        sr = clip.source_range
        out.append((round(sr.start_time.to_seconds() * float(rate)), round(sr.duration.to_seconds() * float(rate))))
    return out


@pytest.mark.parametrize(("fmt", "adapter"), [("edl", "cmx_3600"), ("otio", "otio_json"), ("fcpxml", "fcpx_xml")])
def test_exports_read_back_with_otio(sample_run: dict[str, Any], sample_video: Path, tmp_path: Path,
                                     fmt: str, adapter: str) -> None:
    from reelkit.analysis.shots import Shot, ShotDetection
    from reelkit.cli.shots import export_string

    data = sample_run["json"]
    rate = Fraction(30000, 1001)
    det = ShotDetection(sample_video, rate, data["frame_count"], [],
                        [Shot(s["index"], s["start"], s["end"]) for s in data["shots"]])
    text = export_string(det, probe(sample_video), fmt)
    kw = {"rate": float(rate)} if adapter == "cmx_3600" else {}
    tl = otio.adapters.read_from_string(text, adapter, **kw)
    want = [(s["start"], s["end"] - s["start"] + 1) for s in data["shots"]]
    assert _clip_ranges(tl, rate) == want
    if fmt == "edl":  # drop-frame timecode at 29.97, every event at the shot's timecode
        events = [ln.split() for ln in text.splitlines() if ln[:3].isdigit()]
        assert [e[-4] for e in events] == [frame_to_timecode(s["start"], rate) for s in data["shots"]]
        assert all(";" in e[-4] for e in events) and "FCM: DROP FRAME" in text


def test_cli_export_to_file_and_csv(sample_video: Path, tmp_path: Path, reel) -> None:
    out = tmp_path / "s.fcpxml"
    r = reel("shots", str(sample_video), "--format", "fcpxml", "--output", str(out))
    assert r.returncode == 0, r.stderr
    tl = otio.adapters.read_from_file(str(out), adapter_name="fcpx_xml")
    assert _clip_ranges(tl, Fraction(30000, 1001)) == [(0, 90), (90, 120), (210, 120)]
    # existing output: refused, untouched
    before = out.read_bytes()
    r = reel("shots", str(sample_video), "--format", "csv", "--output", str(out))
    assert r.returncode == 4 and "exists" in r.stderr and out.read_bytes() == before
    r = reel("shots", str(sample_video), "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(int(x["start"]), int(x["end"])) for x in rows] == [(0, 89), (90, 209), (210, 329)]
    assert rows[1]["start_tc"] == "00:00:03;00"


# -- bad input -------------------------------------------------------------------------------


def _solid(v: int):
    return lambda i, w, h: np.full((h, w, 3), v, np.uint8)


def test_one_frame_video(tmp_path: Path, reel) -> None:
    p = make_video(tmp_path / "one.mp4", frames=1)
    r = reel("shots", str(p))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["frame_count"] == 1 and data["transitions"] == []
    assert [(s["start"], s["end"]) for s in data["shots"]] == [(0, 0)]
    assert data["shots"][0]["camera"]["movement"] == "static"


def test_all_black_video(tmp_path: Path, reel) -> None:
    p = make_video(tmp_path / "black.mp4", frames=30, width=96, height=64, frame_fn=_solid(0))
    r = reel("shots", str(p), "--split", str(tmp_path / "sp"))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["transitions"] == [] and len(data["shots"]) == 1
    assert data["shots"][0]["exposure"]["verdict"] == "under"
    assert len(list((tmp_path / "sp").glob("*.mp4"))) == 1


def test_still_image(tmp_path: Path, reel) -> None:
    from PIL import Image

    p = tmp_path / "still.png"
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(p)
    r = reel("shots", str(p))
    assert r.returncode == 3 and "still image" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("bad", ["missing.mp4", "notes.txt"])
def test_not_a_video(tmp_path: Path, reel, bad: str) -> None:
    p = tmp_path / bad
    if bad.endswith(".txt"):
        p.write_text("hello")
    r = reel("shots", str(p))
    assert r.returncode == 3 and r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_vfr_timestamps_follow_decode_order(tmp_path: Path, reel) -> None:
    # 40 frames, cut at frame 20; the first half at 10 fps, the second at 30 fps (time base 1/1000)
    pts = [i * 100 for i in range(20)] + [2000 + k * 33 for k in range(20)]

    def frame(i: int, w: int, h: int) -> np.ndarray:
        img = np.zeros((h, w, 3), np.uint8)
        img[..., 0 if i < 20 else 2] = 200
        img[: h // 2, : w // 3] = 255 if i < 20 else 30
        return img

    p = make_video(tmp_path / "vfr.mp4", frames=40, width=96, height=64, rate=Fraction(20),
                   vfr_pts=pts, time_base=Fraction(1, 1000), frame_fn=frame)
    info = probe(p)
    assert info.require_video().vfr
    r = reel("shots", str(p))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [t["frame"] for t in data["transitions"] if t["type"] == "cut"] == [20]
    second = data["shots"][1]
    assert second["start"] == 20 and second["start_s"] == pytest.approx(2.0, abs=1e-3)
    out = tmp_path / "vfr.otio"
    r = reel("shots", str(p), "--format", "otio", "--output", str(out))
    assert r.returncode == 0, r.stderr
    tl = otio.adapters.read_from_file(str(out))
    clips = list(tl.video_tracks()[0].find_clips())
    # the second clip starts at the cut's real time (2.0 s), not at frame 20 of the average rate
    assert clips[1].source_range.start_time.to_seconds() == pytest.approx(2.0, abs=0.5 / float(info.require_rate()))


def test_exports_of_a_file_whose_container_understates_its_length(tmp_path: Path, reel, shared_data: Path) -> None:
    """A real GRID MPEG-1 file states 2.98 s (74.5 frames) and has no frame count, but 75 frames decode: the
    OTIO export and the split hold all 75 (both failed: "source range [0, 75) goes beyond the media's 74
    frames")."""
    clip = shared_data / "av" / "grid" / "grid_bbaf2n.mpg"
    out = tmp_path / "grid.otio"
    r = reel("shots", str(clip), "--no-index", "--format", "otio", "-o", str(out), "--split", str(tmp_path / "split"))
    assert r.returncode == 0, r.stderr
    clips = list(otio.adapters.read_from_file(str(out)).tracks[0].find_clips())
    assert [c.source_range.duration.to_frames() for c in clips] == [75]
    [part] = sorted((tmp_path / "split").glob("*.mp4"))
    assert sum(1 for _ in read_frames(part)) == 75
