"""Colour spaces, CIEDE2000, colour transfer and automatic balance on real frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.color.balance import auto_balance
from reelkit.color.grade import apply_grade_image
from reelkit.color.spaces import (
    decode,
    delta_e_2000,
    encode,
    lab_to_rgb,
    linear_to_oklab,
    oklab_to_linear,
    rgb_to_lab,
)
from reelkit.color.transfer import METHODS, match, pixel_sample, skin_weight
from reelkit.errors import UsageError
from reelkit.media import read_frames

# Sharma, Wu & Dalal (2005) CIEDE2000 test data: (Lab1, Lab2, ΔE00)
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.694), (23.0331, 14.973, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.441), (91.1528, -1.6435, 0.0447), 1.4441),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_ciede2000_sharma_reference_values() -> None:
    a = np.array([s[0] for s in SHARMA])
    b = np.array([s[1] for s in SHARMA])
    np.testing.assert_allclose(delta_e_2000(a, b), [s[2] for s in SHARMA], atol=1e-4)
    np.testing.assert_allclose(delta_e_2000(b, a), [s[2] for s in SHARMA], atol=1e-4)  # symmetric


def test_spaces_reference_points() -> None:
    np.testing.assert_allclose(rgb_to_lab(np.array([1.0, 1.0, 1.0])), [100, 0, 0], atol=1e-4)
    np.testing.assert_allclose(rgb_to_lab(np.array([1.0, 0.0, 0.0])), [53.2408, 80.0925, 67.2032], atol=0.01)
    np.testing.assert_allclose(linear_to_oklab(np.array([1.0, 1.0, 1.0])), [1.0, 0.0, 0.0], atol=1e-4)
    x = np.random.default_rng(1).random((500, 3))
    np.testing.assert_allclose(encode(decode(x)), x, atol=1e-12)
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(x)), x, atol=1e-9)
    np.testing.assert_allclose(oklab_to_linear(linear_to_oklab(decode(x))), decode(x), atol=1e-9)
    np.testing.assert_allclose(encode(decode(x, "bt1886"), "bt1886"), x, atol=1e-12)
    assert decode(np.array(0.5)) == pytest.approx(0.214041, abs=1e-6)  # sRGB EOTF


@pytest.fixture(scope="module")
def frame(shared_data: Path) -> np.ndarray:
    """A real photographic frame (the deer of PySceneDetect's testvideo), small."""
    p = shared_data / "shots" / "videos" / "pyscenedetect" / "testvideo.mp4"
    img = next(iter(read_frames(p, start=240, end=241, max_side=160))).image
    return img.astype(np.float64) / 255.0


def _look(x: np.ndarray) -> np.ndarray:
    """A plausible grade: warm white balance, +0.3 stop, more saturation, lifted blacks."""
    lin = decode(x) * np.array([1.15, 1.0, 0.85]) * 2**0.3
    y = (lin @ [0.2126, 0.7152, 0.0722])[..., None]
    return np.clip(0.03 + 0.95 * encode(y + 1.25 * (lin - y)), 0, 1)


def _quantise(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(x, 0, 1) * 255) / 255


def _de(a: np.ndarray, b: np.ndarray) -> float:
    return float(delta_e_2000(rgb_to_lab(a), rgb_to_lab(b)).mean())


@pytest.mark.parametrize("method", METHODS)
def test_match_recovers_a_known_look(frame: np.ndarray, method: str) -> None:
    graded = _quantise(_look(frame))
    before = _de(graded, frame)
    res = match(pixel_sample([graded]), pixel_sample([frame]), method=method)
    out = _quantise(apply_grade_image(res.grade, graded))
    after = _de(out, frame)
    assert before > 5
    assert after < before / 2
    if method == "pdf":
        assert after < 2.0
    lut, err = res.grade.to_lut()
    assert err <= 1 / 255
    via_lut = _quantise(lut.apply(graded))
    assert np.abs(via_lut - out).max() <= 1.5 / 255


def test_match_is_deterministic(frame: np.ndarray) -> None:
    g = _quantise(_look(frame))
    a = match(pixel_sample([g]), pixel_sample([frame])).grade(g.reshape(-1, 3))
    b = match(pixel_sample([g]), pixel_sample([frame])).grade(g.reshape(-1, 3))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method", METHODS)
def test_flat_reference_matches_the_average(frame: np.ndarray, method: str) -> None:
    flat = np.full((20, 30, 3), [0.6, 0.4, 0.3])
    res = match(pixel_sample([frame]), pixel_sample([flat]), method=method)
    assert res.method == "mean" and "flat colour" in res.notes[0]
    out = apply_grade_image(res.grade, frame)
    assert np.all(np.isfinite(out))
    unclipped = res.grade(frame.reshape(-1, 3))
    np.testing.assert_allclose(decode(unclipped).mean(0), decode(np.array([0.6, 0.4, 0.3])), rtol=0.01)
    assert out.std() > 0.05  # the picture survives: contrast kept, not a flat fill


def test_black_source_and_flat_pairs_stay_finite() -> None:
    black = np.zeros((10, 10, 3))
    grey = np.full((10, 10, 3), 0.5)
    for s, r in ((black, grey), (grey, black), (black, black)):
        res = match(pixel_sample([s]), pixel_sample([r]))
        assert np.all(np.isfinite(apply_grade_image(res.grade, s)))


def test_bad_arguments(frame: np.ndarray) -> None:
    with pytest.raises(UsageError, match="unknown match method"):
        match(pixel_sample([frame]), pixel_sample([frame]), method="magic")
    with pytest.raises(UsageError, match="transparent"):
        pixel_sample([frame], masks=[np.zeros(frame.shape[:2], bool)])


def test_pixel_sample_respects_masks(frame: np.ndarray) -> None:
    mask = np.zeros(frame.shape[:2], bool)
    mask[:10] = True
    px = pixel_sample([frame], masks=[mask])
    assert px.shape[0] == mask.sum()
    np.testing.assert_array_equal(np.sort(px, 0), np.sort(frame[:10].reshape(-1, 3), 0))


def test_skin_weight_and_composite(sample_video: Path) -> None:
    face = np.array([[0.87, 0.67, 0.55], [0.55, 0.38, 0.3], [0.2, 0.4, 0.9], [0.5, 0.5, 0.5], [0.2, 0.8, 0.2]])
    w = skin_weight(face)
    assert w[0] > 0.9 and w[1] > 0.9 and w[2] == 0 and w[3] == 0 and w[4] == 0
    # the sample's shot 1 (a face against a brick wall) matched to a cooler version of itself
    img = next(iter(read_frames(sample_video, start=150, end=151, max_side=200))).image / 255.0
    cool = _quantise(encode(decode(img) * [0.85, 1.0, 1.2]))
    res = match(pixel_sample([img]), pixel_sample([cool]), method="composite")
    assert res.method == "composite" and any("skin" in n for n in res.notes)
    out = apply_grade_image(res.grade, img)
    assert _de(out, cool) < _de(img, cool) / 2


def test_auto_balance_removes_a_cast(frame: np.ndarray) -> None:
    cast = _quantise(encode(decode(frame) * [1.25, 1.0, 0.75]))
    res = auto_balance(pixel_sample([cast]), method="grey-world", exposure=False)
    reference = auto_balance(pixel_sample([frame]), method="grey-world", exposure=False)
    # the gains found on the cast image undo the cast relative to the clean image's own estimate
    ratio = np.array(res.white_gains) / np.array(reference.white_gains)
    np.testing.assert_allclose(ratio / ratio[1], [1 / 1.25, 1.0, 1 / 0.75], rtol=0.05)
    assert res.exposure_stops == 0


def test_auto_exposure_is_clipping_aware(frame: np.ndarray) -> None:
    dark = _quantise(encode(decode(frame) * 0.25))
    res = auto_balance(pixel_sample([dark]), method="none")
    assert res.exposure_stops > 0.5
    # a scene with a bright window: exposure stops before blowing it out
    bright = dark.copy()
    bright[:, :20] = 0.9
    res2 = auto_balance(pixel_sample([bright]), method="none", max_clip=0.005)
    assert res2.exposure_stops < res.exposure_stops
    assert res2.clipped_after <= 0.006 + res2.clipped_before
    assert any("highlights" in n for n in res2.notes)
    with pytest.raises(UsageError):
        auto_balance(pixel_sample([frame]), method="purple")


def test_partial_strength_mixes_with_identity(frame: np.ndarray) -> None:
    from reelkit.color.grade import MixGrade

    g = _quantise(_look(frame))
    res = match(pixel_sample([g]), pixel_sample([frame]))
    px = g.reshape(-1, 3)
    np.testing.assert_allclose(MixGrade(res.grade, 0.0)(px), px)
    np.testing.assert_allclose(MixGrade(res.grade, 0.5)(px), 0.5 * px + 0.5 * res.grade(px))
    _lut, err = MixGrade(res.grade, 0.5).to_lut()
    assert err <= 1 / 255
