"""Fixtures for the media index tests: small real H.264 clips with known cuts (generated)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.mediagen import make_video


def _textured(seed: int, w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (9, 16, 3), dtype=np.uint8)
    return cv2.resize(small, (w + 40, h), interpolation=cv2.INTER_CUBIC)


def make_clip(path: Path, seed: int, *, frames: int = 40, cut_at: int = 20, audio: bool = True,
              size: tuple[int, int] = (128, 72)) -> Path:
    """A clip of two textured shots (slow pan each) with a hard cut at ``cut_at`` and a 440 Hz tone."""
    w, h = size
    a, b = _textured(seed, w, h), _textured(seed + 1000, w, h)

    def frame(i: int, width: int, height: int) -> np.ndarray:
        img = a if i < cut_at else b
        x = i % 40
        return np.ascontiguousarray(img[:, x:x + width])

    return make_video(path, width=w, height=h, rate=Fraction(25), frames=frames, frame_fn=frame,
                      audio_rate=48000 if audio else None, audio_channels=2)


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 4 clips (one in a sub-folder, one without a suffix), a text file and a truncated .mp4."""
    d = tmp_path_factory.mktemp("library")
    (d / "sub").mkdir()
    for k, name in enumerate(["a.mp4", "b.mov", "sub/c.mkv", "noext.mp4"]):
        make_clip(d / name, seed=k, cut_at=12 + 4 * k)
    (d / "noext.mp4").rename(d / "noext")
    (d / "notes.txt").write_text("not media\n")
    (d / "sub" / "broken.mp4").write_bytes((d / "a.mp4").read_bytes()[:3000])
    return d


@pytest.fixture
def library(clip_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of :func:`clip_dir` (tests may modify it)."""
    import shutil

    dst = tmp_path / "lib"
    shutil.copytree(clip_dir, dst)
    return dst
