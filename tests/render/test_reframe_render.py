"""Rendering crop paths: output size, frame count, pixels from the planned window, audio kept, fallbacks."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reelkit.camera.reframe_path import CropPath, ShotPlan
from reelkit.edit.reframe import ReframePlan
from reelkit.errors import OutputExistsError
from reelkit.media import probe, read_audio, read_frames
from reelkit.render.reframe import compose_frame, render_reframe
from tests.mediagen import make_video


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("rr") / "src.mp4", width=320, height=180, frames=30,
                      audio_rate=48000, audio_channels=2)


def _plan(path: Path, windows: np.ndarray, shots: list[ShotPlan], out: tuple[int, int]) -> ReframePlan:
    info = probe(path)
    cp = CropPath(source_size=(320, 180), aspect=Fraction(out[0], out[1]), windows=windows, shots=shots,
                  video=str(path))
    return ReframePlan(path=cp, info=info, rate=info.require_rate(), output_size=out)


def test_render_crop_window_pixels_and_audio(source: Path, tmp_path: Path) -> None:
    n = 30
    x = np.round(np.linspace(0, 220, n)).astype(int)
    windows = np.stack([x, np.zeros(n, int), np.full(n, 100), np.full(n, 180)], 1)
    plan = _plan(source, windows, [ShotPlan(0, 29, "pan")], (100, 180))
    out = render_reframe(plan, tmp_path / "v.mp4")
    info = probe(out)
    assert (info.video.width, info.video.height) == (100, 180) and info.video.frames == 30
    assert info.audio is not None and info.audio.channels == 2
    src_audio = read_audio(source, sample_rate=48000)
    out_audio = read_audio(out, sample_rate=48000)
    assert abs(out_audio.samples.shape[1] - src_audio.samples.shape[1]) < 48000 * 0.05
    src = {f.index: f.image for f in read_frames(source)}
    for f in read_frames(out):
        crop = src[f.index][:, x[f.index]:x[f.index] + 100].astype(float)
        assert np.abs(f.image.astype(float) - crop).mean() < 12  # the planned window, not another
    with pytest.raises(OutputExistsError):
        render_reframe(plan, out)


def test_split_and_pad_layouts() -> None:
    img = np.zeros((180, 320, 3), np.uint8)
    img[:, :160] = (200, 0, 0)
    img[:, 160:] = (0, 0, 200)
    split = compose_frame(img, (0, 0, 100, 180), "split", ((10, 0, 100, 88), (210, 0, 100, 88)), (100, 178))
    assert split.shape == (178, 100, 3)
    assert split[20, 50, 0] > 150 and split[150, 50, 2] > 150  # left panel on top, right panel below
    pad = compose_frame(img, (0, 0, 320, 180), "pad", (), (180, 320))
    assert pad.shape == (320, 180, 3)
    mid = pad[160]  # the whole picture, fitted to the width, in the middle
    assert mid[10, 0] > 150 and mid[170, 2] > 150
    band = pad[10]  # blurred, darkened fill above it
    assert band.max() < 150


def test_render_rotated_source(tmp_path: Path) -> None:
    src = make_video(tmp_path / "rot.mp4", width=64, height=48, frames=8, rotation=90)
    n = 8
    windows = np.tile([0, 8, 48, 48], (n, 1))
    info = probe(src)
    cp = CropPath(source_size=(48, 64), aspect=Fraction(1), windows=windows, shots=[ShotPlan(0, 7, "steady")])
    plan = ReframePlan(path=cp, info=info, rate=info.require_rate(), output_size=(48, 48))
    out = render_reframe(plan, tmp_path / "sq.mp4")
    v = probe(out).video
    assert (v.width, v.height, v.rotation, v.frames) == (48, 48, 0, 8)
