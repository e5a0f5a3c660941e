"""`reel grade` end to end: real CLI, real media (stills in 8/16 bit, grey, RGBA; H.264 video)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from reelkit.color.lut import read_cube
from reelkit.color.spaces import decode, delta_e_2000, encode, rgb_to_lab
from reelkit.media import probe, read_frames
from tests.mediagen import make_video


def _png(path: Path, rgb: np.ndarray, *, alpha: np.ndarray | None = None, deep: bool = False) -> Path:
    scale, dtype = (65535, np.uint16) if deep else (255, np.uint8)
    chans = [rgb[..., 2], rgb[..., 1], rgb[..., 0]] if rgb.ndim == 3 else [rgb]
    if alpha is not None:
        chans.append(alpha)
    arr = (np.clip(np.stack(chans, -1), 0, 1) * scale + 0.5).astype(dtype)
    cv2.imwrite(str(path), arr if arr.shape[-1] > 1 else arr[..., 0])
    return path


def _read_png(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def _look(x: np.ndarray) -> np.ndarray:
    """Cool white balance, -0.4 stop, less saturation."""
    lin = decode(x) * np.array([0.85, 1.0, 1.2]) * 2**-0.4
    y = (lin @ [0.2126, 0.7152, 0.0722])[..., None]
    return np.clip(encode(y + 0.8 * (lin - y)), 0, 1)


@pytest.fixture(scope="module")
def photo(shared_data: Path) -> np.ndarray:
    p = shared_data / "shots" / "videos" / "pyscenedetect" / "testvideo.mp4"
    return next(iter(read_frames(p, start=240, end=241, max_side=192))).image.astype(np.float64) / 255.0


@pytest.fixture(scope="module")
def stills(photo: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("stills")
    graded = _look(photo)
    alpha = np.ones(photo.shape[:2])
    alpha[:, :40] = 0.0  # a transparent strip holding junk colour
    junk = graded.copy()
    junk[:, :40] = (1.0, 0.0, 1.0)
    return {
        "ref": _png(d / "ref.png", photo),
        "src": _png(d / "src.png", graded),
        "src16": _png(d / "src16.png", graded, deep=True),
        "grey": _png(d / "grey.png", graded @ [0.2126, 0.7152, 0.0722]),
        "rgba": _png(d / "rgba.png", junk, alpha=alpha),
        "flat": _png(d / "flat.png", np.full((32, 48, 3), [0.55, 0.45, 0.35])),
        "jpg_ref": d / "ref.jpg" if cv2.imwrite(str(d / "ref.jpg"), (photo[..., ::-1] * 255).astype(np.uint8)) else d,
    }


def _de(a: np.ndarray, b: np.ndarray) -> float:
    return float(delta_e_2000(rgb_to_lab(a), rgb_to_lab(b)).mean())


def test_match_still_lut_render_preview(reel, stills: dict[str, Path], photo: np.ndarray, tmp_path: Path) -> None:
    lut, out, prev = tmp_path / "m.cube", tmp_path / "out.png", tmp_path / "prev.png"
    r = reel("grade", "match", str(stills["src"]), "--ref", str(stills["jpg_ref"]), "--lut", str(lut),
             "--render", str(out), "--preview", str(prev), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["method"] == "content" and d["mean_delta_e_after"] < d["mean_delta_e_before"]
    assert d["matched_on"]["mode"] == "correspondence" and d["matched_on"]["confidence"] > 0.9
    assert d["lut"]["max_error_8bit"] <= 1.0 and d["lut"]["path"] == str(lut)
    src = _read_png(stills["src"])[..., ::-1] / 255.0
    graded = _read_png(out)[..., ::-1] / 255.0
    assert _de(src, photo) > 4 and _de(graded, photo) < 2.0
    # the .cube reproduces the rendered still within one code value
    cube = read_cube(lut)
    assert cube.size == d["lut"]["size"]
    via = np.round(np.clip(cube.apply(src), 0, 1) * 255)
    assert np.abs(via - graded * 255).max() <= 1
    pv = _read_png(prev)
    assert pv.shape[1] > 2.5 * pv.shape[0]  # before | after | reference


def test_match_deep_grey_and_alpha_inputs(reel, stills: dict[str, Path], photo: np.ndarray, tmp_path: Path) -> None:
    out16 = tmp_path / "o16.png"
    r = reel("grade", "match", str(stills["src16"]), "--ref", str(stills["ref"]), "--render", str(out16))
    assert r.returncode == 0, r.stderr
    assert _read_png(out16).dtype == np.uint16  # 16-bit in, 16-bit out
    og = tmp_path / "grey_out.png"
    r = reel("grade", "match", str(stills["grey"]), "--ref", str(stills["ref"]), "--render", str(og), "-f", "json")
    assert r.returncode == 0, r.stderr
    assert _read_png(og).shape[-1] == 3  # greyscale is graded as RGB
    oa = tmp_path / "rgba_out.png"
    r = reel("grade", "match", str(stills["rgba"]), "--ref", str(stills["ref"]), "--render", str(oa), "-f", "json")
    assert r.returncode == 0, r.stderr
    img = _read_png(oa)
    assert img.shape[-1] == 4 and np.all(img[:, :40, 3] == 0) and np.all(img[:, 40:, 3] == 255)
    # the transparent magenta strip did not take part in the fit: the visible part is recovered well
    # (compared pixel by pixel with the true ungraded photo: the reference also shows what lies under the strip)
    d = json.loads(r.stdout)
    assert d["matched_on"]["mode"] == "correspondence"
    assert _de(img[:, 40:, 2::-1] / 255.0, photo[:, 40:]) < 1.0


def test_flat_reference_is_a_note_not_a_crash(reel, stills: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    r = reel("grade", "match", str(stills["src"]), "--ref", str(stills["flat"]), "--render", str(out), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["method"] == "mean" and "flat colour" in d["notes"][0]
    img = _read_png(out)
    assert img.std() > 10


def test_refuses_existing_outputs_and_bad_inputs(reel, stills: dict[str, Path], tmp_path: Path) -> None:
    keep = tmp_path / "keep.cube"
    keep.write_text("mine")
    r = reel("grade", "match", str(stills["src"]), "--ref", str(stills["ref"]), "--lut", str(keep))
    assert r.returncode == 4 and "already exists" in r.stderr and keep.read_text() == "mine"
    r = reel("grade", "match", str(stills["src"]), "--ref", str(tmp_path / "missing.png"))
    assert r.returncode == 3 and "not found" in r.stderr
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    r = reel("grade", "auto", str(junk))
    assert r.returncode == 3 and "Traceback" not in r.stderr
    r = reel("grade", "match", str(stills["src"]), "--ref", str(stills["ref"]), "--method", "magic")
    assert r.returncode == 2
    assert not list(tmp_path.glob(".*partial*"))


def test_auto_json(reel, stills: dict[str, Path], tmp_path: Path) -> None:
    lut = tmp_path / "wb.cube"
    r = reel("grade", "auto", str(stills["src"]), "--lut", str(lut), "--lut-flavour", "iridas", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    g = d["balance"]["white_gains"]
    assert g[0] > g[2]  # the cool cast is warmed back
    assert d["balance"]["exposure_stops"] > 0 and read_cube(lut).size == d["lut"]["size"]


SHOT_CASTS = [(1.0, 1.0, 1.0), (1.25, 1.0, 0.8), (0.8, 1.0, 1.25)]


def _shot_video(path: Path, photo: np.ndarray) -> Path:
    """Three 12-frame shots of a real photo (panning crop, flipped per shot), each with its own colour cast."""
    base = (photo * 255).astype(np.uint8)

    def frame_fn(i: int, w: int, h: int) -> np.ndarray:
        shot = i // 12
        x0 = 2 * (i % 12)
        crop = base[: h, x0: x0 + w].astype(np.float64) / 255.0
        crop = [crop, crop[::-1], crop[::-1, ::-1]][shot]  # same colours, different picture: a cut
        return (np.clip(encode(decode(crop) * SHOT_CASTS[shot]), 0, 1) * 255 + 0.5).astype(np.uint8)

    return make_video(path, width=96, height=64, rate=Fraction(24), frames=36, frame_fn=frame_fn)


@pytest.fixture(scope="module")
def shot_video(photo: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _shot_video(tmp_path_factory.mktemp("even") / "three_shots.mp4", photo)


def test_even_with_shots_json_is_flicker_free(reel, shot_video: Path, tmp_path: Path) -> None:
    shots = tmp_path / "shots.json"
    shots.write_text(json.dumps({"video": str(shot_video), "rate": "24/1", "frame_count": 36,
                                 "transitions": [{"type": "cut", "frame": 12}, {"type": "cut", "frame": 24}],
                                 "shots": [{"index": 0, "start": 0, "end": 11}, {"index": 1, "start": 12, "end": 23},
                                           {"index": 2, "start": 24, "end": 35}]}))
    out, prev, luts = tmp_path / "even.mp4", tmp_path / "even.png", tmp_path / "luts"
    luts.mkdir()
    # the three shots are mirror images of one picture (same colours, nothing in correspondence):
    # distribution transfer is the right method for that; the content-aware default is tested on real shots
    r = reel("grade", "even", str(shot_video), "--hero", "0", "--shots", str(shots), "--method", "pdf",
             "--render", str(out),
             "--preview", str(prev), "--lut-dir", str(luts), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [s["index"] for s in d["shots"]] == [0, 1, 2]
    for s in d["shots"][1:]:
        assert s["mean_delta_e_to_hero_before"] > 2.5 and s["mean_delta_e_to_hero_after"] < 1.0
    assert len(list(luts.glob("*.cube"))) == 3 and prev.exists()
    assert probe(out).video.frames == 36  # type: ignore[union-attr]
    # every frame of a shot went through that shot's LUT: output = LUT(input) up to codec noise
    src = [f.image / 255.0 for f in read_frames(shot_video)]
    dst = [f.image / 255.0 for f in read_frames(out)]
    cubes = [read_cube(p) for p in sorted(luts.glob("*.cube"))]
    errs = [np.abs(np.clip(cubes[i // 12].apply(src[i]), 0, 1) - dst[i]).mean() * 255 for i in range(36)]
    floor = max(errs[:12])  # the hero shot's LUT is the identity: this is H.264 noise at 96×64
    assert max(errs) < floor + 2.5
    # one grade per shot: the graded shots' residual is as steady frame to frame as the hero's
    for k in (1, 2):
        assert np.ptp(errs[12 * k:12 * k + 12]) < np.ptp(errs[:12]) + 1.0
    # and the grade did even the shots out: shot 1 and 2 now look like shot 0
    mean_lab = [rgb_to_lab(x).reshape(-1, 3).mean(0) for x in dst]
    assert float(delta_e_2000(mean_lab[18], mean_lab[6])) < 2.0
    assert float(delta_e_2000(mean_lab[30], mean_lab[6])) < 2.0


def test_even_detects_shots_and_checks_hero(reel, shot_video: Path, tmp_path: Path) -> None:
    r = reel("grade", "even", str(shot_video), "--hero", "1", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert len(d["shots"]) == 3 and d["shots"][1]["method"] == "hero"
    assert [s["start"] for s in d["shots"]] == [0, 12, 24]
    r = reel("grade", "even", str(shot_video), "--hero", "7")
    assert r.returncode == 2 and "out of range" in r.stderr
    r = reel("grade", "even", str(shot_video), "--hero", "0", "--strength", "0.5", "-f", "json")
    assert r.returncode == 0, r.stderr
    half = json.loads(r.stdout)["shots"]
    for s in half[1:]:  # half strength: part of the way to the hero
        assert 0.5 < s["mean_delta_e_to_hero_after"] < s["mean_delta_e_to_hero_before"]


def test_even_second_run_reads_grades_from_the_index(reel, shot_video: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx.sqlite"
    runs = []
    for k in range(2):
        luts = tmp_path / f"luts{k}"
        luts.mkdir()
        r = reel("grade", "even", str(shot_video), "--hero", "0", "--method", "pdf", "--index", str(index),
                 "--lut-dir", str(luts), "-f", "json")
        assert r.returncode == 0, r.stderr
        runs.append((r, sorted(luts.glob("*.cube"))))
    (first, luts0), (second, luts1) = runs
    assert "media index" not in first.stderr and "shot grades read from the media index" in second.stderr
    strip = [{k: v for k, v in s.items() if k != "lut"} for s in json.loads(first.stdout)["shots"]]
    assert strip == [{k: v for k, v in s.items() if k != "lut"} for s in json.loads(second.stdout)["shots"]]
    for a, b in zip(luts0, luts1, strict=True):  # the stored LUTs are the fitted ones (float32 in the index)
        assert np.abs(read_cube(a).cube - read_cube(b).cube).max() < 1e-5
    other = reel("grade", "even", str(shot_video), "--hero", "1", "--method", "pdf", "--index", str(index), "-f",
                 "json")
    assert other.returncode == 0 and "media index" not in other.stderr  # another hero is fitted anew


def test_apply_shared_luts_to_video_and_still(reel, shared_data: Path, shot_video: Path, stills: dict[str, Path],
                                              tmp_path: Path) -> None:
    luts = shared_data / "color" / "luts"
    gains = luts / "colour_science_iridas_cube" / "RGB_1_0.5_0.25.cube"
    out = tmp_path / "gains.mp4"
    r = reel("grade", "apply", str(shot_video), "--lut", str(gains), "--render", str(out), "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["resampled_for_render"] is False
    src = next(iter(read_frames(shot_video, end=1))).image / 255.0
    dst = next(iter(read_frames(out, end=1))).image / 255.0
    # per-channel gains 1, 0.5, 0.25 through FFmpeg's lut3d (H.264 noise aside)
    assert np.abs(dst.mean((0, 1)) - src.mean((0, 1)) * [1, 0.5, 0.25]).max() < 0.02
    logc = luts / "colour_science_resolve_cube" / "LogC_Video.cube"
    out_png = tmp_path / "logc.png"
    r = reel("grade", "apply", str(stills["ref"]), "--lut", str(logc), "--render", str(out_png), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["shaper_size"] == 16 and d["lut_size"] == 4
    ref = _read_png(stills["ref"])[..., ::-1] / 255.0
    np.testing.assert_allclose(_read_png(out_png)[..., ::-1] / 255.0, np.clip(read_cube(logc).apply(ref), 0, 1),
                               atol=0.6 / 255)


@pytest.mark.parametrize("body,message", [
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, "7 rows but LUT_3D_SIZE 2 needs 8"),
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7 + "nan 0 0\n", "NaN"),
    ("0 0 0\n" * 8, "no LUT_1D_SIZE or LUT_3D_SIZE"),
])
def test_apply_bad_lut_is_exit_5(reel, stills: dict[str, Path], tmp_path: Path, body: str, message: str) -> None:
    bad = tmp_path / "bad.cube"
    bad.write_text(body)
    out = tmp_path / "never.png"
    r = reel("grade", "apply", str(stills["src"]), "--lut", str(bad), "--render", str(out))
    assert r.returncode == 5 and message in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_ten_bit_video_stays_ten_bit(reel, tmp_path: Path) -> None:
    src = make_video(tmp_path / "ten.mp4", width=64, height=48, frames=10, codec="libx265", pix_fmt="yuv420p10le")
    out = tmp_path / "ten_out.mp4"
    r = reel("grade", "auto", str(src), "--render", str(out), "-f", "json")
    assert r.returncode == 0, r.stderr
    v = probe(out).video
    assert v is not None and v.bit_depth == 10 and v.frames == 10
