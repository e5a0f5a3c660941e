"""probe() on the generated matrix and on real files: right facts, nothing invented."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from reelkit.media import probe
from tests.media.conftest import MATRIX

PROBE_KEYS = ["path", "container", "duration_s", "video", "audio"]
VIDEO_KEYS = ["width", "height", "rate", "frames", "pix_fmt", "bit_depth", "rotation", "sar", "vfr"]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_probe_matrix(media_dir: Path, name: str) -> None:
    d = probe(media_dir / name).to_dict()
    assert list(d) == PROBE_KEYS
    kwargs, expected = MATRIX[name]
    for key, value in expected.items():
        if key == "audio":
            assert d["audio"] == value
        else:
            assert d["video"][key] == value, key
    assert list(d["video"]) == VIDEO_KEYS
    if "audio_rate" in kwargs:
        assert d["audio"]["sample_rate"] == kwargs["audio_rate"]
    if not kwargs.get("vfr_pts"):
        n = kwargs.get("frames", 25)
        rate = kwargs.get("rate", Fraction(25))
        assert d["duration_s"] == pytest.approx(float(n / rate), abs=0.05)


def test_probe_audio_only(media_dir: Path) -> None:
    d = probe(media_dir / "audio_only.wav").to_dict()
    assert d["video"] is None
    assert d["audio"]["sample_rate"] == 16000
    assert d["audio"]["channels"] == 1
    assert d["duration_s"] == pytest.approx(1.0, abs=0.01)


def test_probe_real_testvideo(shared_data: Path) -> None:
    info = probe(shared_data / "shots/videos/pyscenedetect/testvideo.mp4")
    v = info.require_video()
    assert (v.width, v.height, v.rate, v.frames, v.vfr) == (1280, 720, Fraction(30000, 1001), 720, False)
    assert v.sar == Fraction(1)
    assert info.audio is None
    assert info.require_rate() == Fraction(30000, 1001)


@pytest.mark.parametrize(("name", "rate", "frames"), [("counter.mp4", Fraction(10), 30),
                                                      ("fades.mp4", Fraction(25), 250)])
def test_probe_real_pyscenedetect_files(shared_data: Path, name: str, rate: Fraction, frames: int) -> None:
    v = probe(shared_data / "shots/videos/pyscenedetect" / name).require_video()
    assert (v.rate, v.frames) == (rate, frames)


def test_still_image_has_no_invented_rate(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (40, 30), (200, 10, 10)).save(tmp_path / "still.png")
    d: dict[str, Any] = probe(tmp_path / "still.png").to_dict()
    assert d["video"]["rate"] is None  # FFmpeg says 25 fps; a still has no rate
    assert d["video"]["frames"] == 1


def test_rotated_display_size(media_dir: Path) -> None:
    v = probe(media_dir / "rot90.mp4").require_video()
    assert v.display_size == (48, 64)
