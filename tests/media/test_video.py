"""read_frames: frame indices, seeking, downscale, grey, rotation, VFR, deep colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.media import probe, read_frames
from tests.mediagen import pattern_frame


def test_counter_frame_indices_match_burned_in_numbers(shared_data: Path) -> None:
    """counter.mp4 shows grey 0-9, red 10-19, green 20-29 (see the shared MANIFEST)."""
    frames = list(read_frames(shared_data / "shots/videos/pyscenedetect/counter.mp4", max_side=64))
    assert [f.index for f in frames] == list(range(30))
    means = np.array([f.image.reshape(-1, 3).mean(0) for f in frames])
    red = means[:, 0] - means[:, 1]
    green = means[:, 1] - means[:, 0]
    assert (red[10:20] > 40).all() and (red[:10] < 20).all()
    assert (green[20:] > 40).all() and (green[10:20] < 0).all()
    assert frames[10].time_s == 1  # exact Fraction seconds at 10 fps


def test_seek_returns_the_same_pixels_as_sequential_decode(shared_data: Path) -> None:
    path = shared_data / "shots/videos/pyscenedetect/testvideo.mp4"
    seq = {f.index: f.image for f in read_frames(path, max_side=96, start=0, end=450) if f.index >= 400}
    sought = list(read_frames(path, max_side=96, start=400, end=450))
    assert [f.index for f in sought] == list(range(400, 450))
    for f in sought:
        np.testing.assert_array_equal(f.image, seq[f.index])


def test_step_and_gray_and_size(shared_data: Path) -> None:
    path = shared_data / "shots/videos/pyscenedetect/testvideo.mp4"
    frames = list(read_frames(path, width=160, pixel_format="gray", start=0, end=100, step=10))
    assert [f.index for f in frames] == list(range(0, 100, 10))
    assert frames[0].image.shape == (90, 160) and frames[0].image.dtype == np.uint8


def test_pattern_pixels_survive_encode(media_dir: Path) -> None:
    """Full-size rgb24 frames match the generated pattern (lossy codec: small error only)."""
    frames = list(read_frames(media_dir / "chroma_422.mp4"))
    assert len(frames) == 25
    for f in frames[:5]:
        ref = pattern_frame(f.index, 64, 48).astype(int)
        assert np.abs(f.image.astype(int) - ref).mean() < 12


def test_rotation_is_applied(media_dir: Path) -> None:
    plain = next(read_frames(media_dir / "video_only.mp4"))
    r90 = next(read_frames(media_dir / "rot90.mp4"))
    r270 = next(read_frames(media_dir / "rot270.mp4"))
    assert plain.image.shape == (48, 64, 3)
    assert r90.image.shape == (64, 48, 3) and r270.image.shape == (64, 48, 3)
    # the white/black marker block in the top-left corner moves with the rotation
    np.testing.assert_allclose(np.rot90(plain.image, 1).astype(int), r90.image.astype(int), atol=40)
    np.testing.assert_allclose(np.rot90(plain.image, 3).astype(int), r270.image.astype(int), atol=40)
    small = next(read_frames(media_dir / "rot90.mp4", max_side=32))
    assert small.image.shape == (32, 24, 3)


def test_vfr_indices_and_times(media_dir: Path) -> None:
    frames = list(read_frames(media_dir / "vfr.mkv"))
    assert [f.index for f in frames] == list(range(12))
    assert [float(f.time_s) for f in frames[:4]] == pytest.approx([0, 0.033, 0.066, 0.150])
    sought = list(read_frames(media_dir / "vfr.mkv", start=5, end=8))
    assert [f.index for f in sought] == [5, 6, 7]
    assert float(sought[0].time_s) == pytest.approx(0.300)


def test_deep_colour_and_odd_size(media_dir: Path) -> None:
    f = next(read_frames(media_dir / "ten_bit.mp4", pixel_format="rgb48"))
    assert f.image.dtype == np.uint16 and f.image.shape == (48, 64, 3)
    assert f.image.max() > 255  # really 16-bit values, not 8-bit in a wide type
    odd = next(read_frames(media_dir / "odd_65x49.mp4"))
    assert odd.image.shape == (49, 65, 3)
    small = next(read_frames(media_dir / "ten_bit.mp4", max_side=32))
    assert small.image.dtype == np.uint8 and small.image.shape == (24, 32, 3)


def test_fast_small_path_matches_swscale(shared_data: Path) -> None:
    """The planar-YUV downscale path agrees with a full-size decode shrunk by area averaging."""
    import cv2

    path = shared_data / "shots/videos/pyscenedetect/testvideo.mp4"
    small = next(read_frames(path, width=160, height=90, start=100, end=101)).image.astype(float)
    full = next(read_frames(path, start=100, end=101)).image
    ref = cv2.resize(full, (160, 90), interpolation=cv2.INTER_AREA).astype(float)
    assert np.abs(small - ref).mean() < 4.0


@pytest.mark.parametrize("matrix", ["bt709", "bt601", "bt2020"])
@pytest.mark.parametrize(("bits", "full_range"), [(8, False), (8, True), (10, False), (10, True)])
def test_yuv_matrix_inverts_the_standard_encoding(matrix: str, bits: int, full_range: bool) -> None:
    """Encode RGB with the textbook Y'CbCr equations (BT.709/601/2020, limited or full range) and
    check that the conversion matrix brings every colour back within half a code value."""
    from reelkit.media.video import _KRKB, _yuv_to_rgb_matrix

    kr, kb = _KRKB[matrix]
    rgb = np.random.default_rng(0).random((500, 3))
    rgb[:8] = [[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1]]
    y = kr * rgb[:, 0] + (1 - kr - kb) * rgb[:, 1] + kb * rgb[:, 2]
    cb = (rgb[:, 2] - y) / (2 * (1 - kb))
    cr = (rgb[:, 0] - y) / (2 * (1 - kr))
    if full_range:
        top = 2**bits - 1
        code = np.stack([y * top, cb * top + 2 ** (bits - 1), cr * top + 2 ** (bits - 1)], axis=1)
    else:
        m = 2 ** (bits - 8)
        code = np.stack([16 * m + 219 * m * y, 128 * m + 224 * m * cb, 128 * m + 224 * m * cr], axis=1)
    mat = _yuv_to_rgb_matrix(matrix, bits, full_range, 255.0)
    back = code @ mat[:, :3].T + mat[:, 3]
    np.testing.assert_allclose(back, rgb * 255.0, atol=1e-6)
    # the primaries land where the spec puts them: black at (0,0,0), white at full scale
    assert np.abs(back[0]).max() < 1e-6 and np.abs(back[1] - 255).max() < 1e-6


def test_draft_frames_skip_deblocking_but_stay_close(shared_data: Path) -> None:
    """draft=True really changes the decoder (no in-loop deblocking: the full-size yuv420p planes
    differ from a normal decode) while the analysis-size pictures stay close to the exact ones."""
    path = shared_data / "shots/videos/pyscenedetect/testvideo.mp4"
    normal = [f.image.astype(int) for f in read_frames(path, pixel_format="yuv420p", end=60)]
    draft = [f.image.astype(int) for f in read_frames(path, pixel_format="yuv420p", end=60, draft=True)]
    diffs = [float(np.abs(a - b).mean()) for a, b in zip(normal, draft, strict=True)]
    assert max(diffs) > 0  # the loop filter was skipped (decoding itself is deterministic)
    assert max(diffs) < 2.0  # (this file is high-rate: there is little deblocking to skip)
    exact = [f.image.astype(int) for f in read_frames(path, max_side=128, end=60)]
    small = [f.image.astype(int) for f in read_frames(path, max_side=128, end=60, draft=True)]
    assert exact[0].shape == small[0].shape == (72, 128, 3)
    assert max(float(np.abs(a - b).mean()) for a, b in zip(exact, small, strict=True)) < 4.0


@pytest.mark.parametrize("name", ["ten_bit.mp4", "chroma_422.mp4", "odd_65x49.mp4", "prores_422_10bit.mov"])
@pytest.mark.parametrize("pixel_format", ["rgb24", "gray", "rgb48"])
def test_small_frames_match_a_shrunk_full_decode(media_dir: Path, name: str, pixel_format: str) -> None:
    """Exact and draft small frames of 10-bit, 4:2:2 and 4:4:4 sources agree with a full-size decode
    shrunk by area averaging (the planar path's matrices, ranges and chroma grids are right)."""
    import cv2

    path = media_dir / name
    full = next(read_frames(path, pixel_format=pixel_format)).image
    scale = 257.0 if pixel_format == "rgb48" else 1.0
    for draft in (False, True):
        small = next(read_frames(path, max_side=32, pixel_format=pixel_format, draft=draft)).image
        assert small.dtype == full.dtype
        ref = cv2.resize(full, small.shape[1::-1], interpolation=cv2.INTER_AREA)
        assert np.abs(small.astype(float) - ref.astype(float)).mean() / scale < 2.5, draft


def test_info_is_reused(media_dir: Path) -> None:
    info = probe(media_dir / "pal_25.mp4")
    assert len(list(read_frames(media_dir / "pal_25.mp4", info=info, max_side=16))) == 25
