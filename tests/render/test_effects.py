"""The one renderer's picture effects: grade + reframe + captions on a cut, in one decode and one encode."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reelkit.camera.reframe_path import CropPath, ShotPlan
from reelkit.color.lut import GradedRange, bake
from reelkit.edit.captions import Cue
from reelkit.edit.reframe import ReframePlan
from reelkit.errors import UsageError
from reelkit.media import probe, read_frames
from reelkit.render import render_timeline
from reelkit.render.effects import GradeEffect, ReframeEffect
from reelkit.timeline import ranges_timeline
from tests.mediagen import make_video

W, H, N = 320, 180, 40


def _halves(i: int, w: int, h: int) -> np.ndarray:
    """Left half grey 200, right half grey 60: which window a crop took is visible in its level."""
    img = np.full((h, w, 3), 60, np.uint8)
    img[:, : w // 2] = 200
    return img


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("fx") / "src.mp4", width=W, height=H, frames=N, audio_rate=48000,
                      frame_fn=_halves)


def _plan(path: Path) -> ReframePlan:
    """Frames < 20 framed on the left (bright) half, frames ≥ 20 on the right (dark) half."""
    info = probe(path)
    windows = np.array([[20, 0, 100, 180] if i < 20 else [200, 0, 100, 180] for i in range(N)])
    cp = CropPath(source_size=(W, H), aspect=Fraction(100, 180), windows=windows,
                  shots=[ShotPlan(0, N - 1, "steady")], video=str(path))
    return ReframePlan(path=cp, info=info, rate=info.require_rate(), output_size=(100, 180))


def test_grade_reframe_and_captions_in_one_pass(source: Path, tmp_path: Path) -> None:
    info = probe(source)
    ranges = [(25, 35), (5, 15)]  # a cut that plays the dark part first, then the bright part
    tl = ranges_timeline(info, ranges, name="fx")
    half = bake(lambda x: x * 0.5, size=17)  # halves every level: 200 -> 100, 60 -> 30
    grade = GradeEffect({source: [GradedRange(0, N - 1, half)]})
    cues = [Cue(Fraction(0), Fraction(1, 5), ("HELLO",))]
    out = render_timeline(tl, tmp_path / "cut.mp4", effects=[grade, ReframeEffect(_plan(source))], captions=cues)
    v = probe(out.path).video
    assert (v.width, v.height, v.frames) == (100, 180, 20)
    frames = [f.image for f in read_frames(out.path)]
    # first clip: source frames 25..34 → right window (60), halved → ~30; second: left window (200) → ~100
    lower = [float(np.median(f[120:, :])) for f in frames]  # below the caption band's text rows too
    assert all(abs(v - 30) < 8 for v in lower[:10]), lower[:10]
    assert all(abs(v - 100) < 8 for v in lower[10:]), lower[10:]
    # the caption is burned on the output picture during its cue only (first 1/5 s = 5 frames at 25 fps)
    def spread(img: np.ndarray) -> float:
        return float(img.astype(float).std())
    assert spread(frames[1]) > spread(frames[8]) + 5
    assert len(grade.lut_per_frame) == 20 and len(set(grade.lut_per_frame)) == 1 and grade.lut_per_frame[0]


def test_an_effect_checks_its_sources_before_any_work(source: Path, tmp_path: Path) -> None:
    other = make_video(tmp_path / "other.mp4", width=W, height=H, frames=10)
    tl = ranges_timeline(probe(other), [(0, 10)], name="o")
    out = tmp_path / "o.mp4"
    with pytest.raises(UsageError, match="no reframe plan"):
        render_timeline(tl, out, effects=[ReframeEffect(_plan(source))])
    assert not out.exists()


def test_effects_need_video(tmp_path: Path) -> None:
    from reelkit.media import MediaWriter

    wav = tmp_path / "a.wav"
    with MediaWriter(wav, audio_rate=16000, audio_channels=1, audio_codec="pcm") as w:
        w.write_audio(np.zeros((1, 16000), np.float32))
    tl = ranges_timeline(probe(wav), [(0, 25)], name="a", rate=Fraction(25))
    with pytest.raises(UsageError, match="need video"):
        render_timeline(tl, tmp_path / "a2.wav", effects=[GradeEffect({wav: []})])


def test_deep_source_is_graded_in_16_bit_and_written_10_bit(tmp_path: Path) -> None:
    src = make_video(tmp_path / "deep.mkv", width=64, height=48, frames=6, codec="libx265", pix_fmt="yuv420p10le")
    if (probe(src).video.bit_depth or 8) <= 8:
        pytest.skip("this FFmpeg build wrote an 8-bit file")
    tl = ranges_timeline(probe(src), [(0, 6)], name="d")
    ident = bake(lambda x: x, size=9)
    out = render_timeline(tl, tmp_path / "g.mp4", effects=[GradeEffect({src: [GradedRange(0, 5, ident)]})])
    v = probe(out.path).video
    assert v.codec in ("hevc", "h265") and (v.bit_depth or 8) == 10
