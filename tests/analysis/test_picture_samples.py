"""Faces and focus sampled through real footage by one driver pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.analysis.driver import run_detectors
from reelkit.analysis.picture_samples import PictureSampler, PictureSamples, sample_step
from reelkit.errors import UsageError
from reelkit.media import probe

HEAD = Path("reframe/talking_head/azure_avatar_asking_question.mp4")


def test_a_talking_head_is_seen_in_every_sample(shared_data: Path) -> None:
    path = shared_data / HEAD
    info = probe(path)
    step = sample_step(info.video.rate)
    det = PictureSampler(step)
    got = run_detectors(path, [det])[det.name]
    n = int(info.video.frames)
    assert got.frames.tolist() == list(range(0, n, step))
    seen = [len(f) > 0 for f in got.faces]
    assert all(seen)  # one presenter facing the camera throughout
    x, _y, w, h, conf = got.faces[0][0]
    assert 0.3 < x + w / 2 < 0.7 and 0.05 < h < 0.6 and 0 < conf <= 1  # fractions of the picture
    assert (got.sharpness > 0).all()
    assert det.params() == {"every": step, "max_side": 480, "backend": det.backend}


def test_nearest_within_and_store_round_trip() -> None:
    faces = [np.zeros((0, 5), np.float32), np.array([[0.1, 0.2, 0.3, 0.4, 0.9]], np.float32),
             np.array([[0.5, 0.5, 0.1, 0.1, 0.8], [0.0, 0.0, 0.1, 0.1, 0.5]], np.float32)]
    s = PictureSamples(np.array([0, 12, 24]), np.array([1.0, 2.0, 3.0]), faces)
    assert [s.nearest(f) for f in (-5, 5, 6, 7, 100)] == [0, 0, 0, 1, 2]
    assert s.within(10, 25).tolist() == [1, 2] and s.within(13, 24).tolist() == []
    back = PictureSamples.from_store(s.to_store())
    assert back.frames.tolist() == [0, 12, 24]
    assert [f.tolist() for f in back.faces] == [f.tolist() for f in faces]
    empty = PictureSamples.from_store(PictureSamples(np.zeros(0, np.int64), np.zeros(0), []).to_store())
    assert empty.nearest(3) is None and empty.faces == []


def test_bad_parameters_fail_before_decoding() -> None:
    with pytest.raises(UsageError):
        PictureSampler(0)
    with pytest.raises(UsageError):
        PictureSampler(5, backend="nonesuch")
