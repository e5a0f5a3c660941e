"""The one-pass driver: needs of several sizes, every-N, look-behind/ahead and audio from one decode."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.mediagen import make_video

from reelkit.analysis.driver import AudioNeed, Detector, VideoNeed, Window, run_detectors
from reelkit.analysis.loudness import LoudnessDetector
from reelkit.analysis.shots import ShotBoundaryDetector, detect_shots
from reelkit.audio.meter import measure
from reelkit.errors import NoAudioStreamError, UsageError
from reelkit.media import Frame, read_audio, read_frames


class Recorder(Detector):
    """Records what it is given."""

    def __init__(self, name: str, need: VideoNeed | None = None, audio: AudioNeed | None = None) -> None:
        self.name = name  # type: ignore[misc]
        self.video = need
        self.audio = audio
        self.frames: list[tuple[int, tuple[int, ...], list[int], list[int]]] = []
        self.images: dict[int, np.ndarray] = {}
        self.blocks: list[tuple[int, int]] = []

    def on_frame(self, frame: Frame, window: Window) -> None:
        self.frames.append((frame.index, frame.image.shape, [f.index for f in window.behind],
                            [f.index for f in window.ahead]))
        self.images[frame.index] = frame.image

    def on_audio(self, block: np.ndarray, start_sample: int, sample_rate: int) -> None:
        self.blocks.append((start_sample, block.shape[1]))

    def finish(self) -> Any:
        return len(self.frames)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("drv") / "c.mp4", width=160, height=90, frames=30,
                      rate=Fraction(25), audio_rate=48000, audio_channels=2)


def test_one_decode_serves_sizes_steps_and_windows(clip: Path) -> None:
    big = Recorder("big", VideoNeed(max_side=128))
    small = Recorder("small", VideoNeed(max_side=64, every=5, look_behind=2, look_ahead=1))
    gray = Recorder("gray", VideoNeed(max_side=128, pixel_format="gray", look_ahead=3))
    out = run_detectors(clip, [big, small, gray])
    assert out == {"big": 30, "small": 6, "gray": 30}
    assert [f[0] for f in big.frames] == list(range(30)) and big.frames[0][1] == (72, 128, 3)
    # every 5th frame, two earlier ones of its own behind, one ahead (none after the last)
    assert [f[0] for f in small.frames] == [0, 5, 10, 15, 20, 25]
    assert small.frames[3] == (15, (36, 64, 3), [5, 10], [20])
    assert small.frames[-1][3] == [] and small.frames[0][2] == []
    assert gray.frames[0][3] == [1, 2, 3] and gray.frames[-1] == (29, (72, 128), [], [])
    # the pictures are exactly what read_frames makes at those sizes from a draft decode
    ref = {f.index: f.image for f in read_frames(clip, max_side=64, draft=True)}
    for i, img in small.images.items():
        assert np.array_equal(img, ref[i])
    ref_big = {f.index: f.image for f in read_frames(clip, max_side=128, draft=True)}
    assert all(np.array_equal(big.images[i], ref_big[i]) for i in range(30))


def test_audio_blocks_in_lockstep_cover_the_stream(clip: Path) -> None:
    rec = Recorder("a", VideoNeed(max_side=32), AudioNeed(sample_rate=16000, channels=1, block_samples=4000))
    run_detectors(clip, [rec])
    total = read_audio(clip, sample_rate=16000, channels=1).samples.shape[1]
    starts = [s for s, _ in rec.blocks]
    assert starts == sorted(starts) and starts[0] == 0
    assert sum(n for _, n in rec.blocks) == total


def test_loudness_detector_matches_the_meter(clip: Path) -> None:
    r = run_detectors(clip, [LoudnessDetector()])["loudness"]
    a = read_audio(clip)
    ref = measure(a.samples, a.sample_rate)
    assert r.integrated_lufs == pytest.approx(ref.integrated_lufs, abs=1e-6)


def test_shot_detector_alone_equals_detect_shots(clip: Path) -> None:
    out = run_detectors(clip, [ShotBoundaryDetector()])["shots"]
    assert out == detect_shots(clip)


def test_a_frame_range_decodes_only_those_frames(clip: Path) -> None:
    """``frames=(first, end)``: the frames first <= i < end, each need's ``every`` still counted from 0."""
    one = Recorder("one", VideoNeed(max_side=64))
    fifth = Recorder("fifth", VideoNeed(max_side=64, every=5))
    run_detectors(clip, [one], frames=(7, 13))
    assert [f[0] for f in one.frames] == list(range(7, 13))
    ref = {f.index: f.image for f in read_frames(clip, max_side=64, draft=True)}
    assert all(np.array_equal(one.images[i], ref[i]) for i in range(7, 13))
    run_detectors(clip, [fifth], frames=(7, 23))
    assert [f[0] for f in fifth.frames] == [10, 15, 20]
    with pytest.raises(UsageError):
        run_detectors(clip, [Recorder("v", VideoNeed())], frames=(5, 5))
    with pytest.raises(UsageError):
        run_detectors(clip, [LoudnessDetector()], frames=(0, 5))


def test_bad_requests(clip: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        run_detectors(clip, [Recorder("x", VideoNeed()), Recorder("x", VideoNeed())])
    with pytest.raises(UsageError):
        VideoNeed(every=0)
    silent = make_video(tmp_path / "v.mp4", frames=5)
    with pytest.raises(NoAudioStreamError):
        run_detectors(silent, [LoudnessDetector()])
