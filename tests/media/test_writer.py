"""Writers: codecs, audio, WAV, atomicity (no partial file, no overwrite without force)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reelkit.errors import OutputExistsError, UsageError
from reelkit.media import MediaWriter, probe, read_audio, read_frames, write_wav
from tests.mediagen import pattern_frame


@pytest.mark.parametrize(("codec", "suffix", "pix_fmt", "bits"), [("h264", ".mp4", "yuv420p", 8),
                                                                  ("hevc", ".mp4", "yuv420p", 8),
                                                                  ("prores", ".mov", "yuv422p10le", 10)])
def test_video_codecs_round_trip(tmp_path: Path, codec: str, suffix: str, pix_fmt: str, bits: int) -> None:
    out = tmp_path / f"out{suffix}"
    rate = Fraction(30000, 1001)
    with MediaWriter(out, width=64, height=48, rate=rate, video_codec=codec, audio_rate=48000,
                     audio_codec="pcm" if suffix == ".mov" else "aac") as w:
        for i in range(12):
            w.write_video(pattern_frame(i, 64, 48))
        w.write_audio(np.zeros((2, 4800), np.float32))
    info = probe(out)
    v = info.require_video()
    assert (v.width, v.height, v.rate, v.frames, v.pix_fmt, v.bit_depth) == (64, 48, rate, 12, pix_fmt, bits)
    assert info.require_audio().channels == 2
    frames = list(read_frames(out))
    assert len(frames) == 12
    assert np.abs(frames[5].image.astype(int) - pattern_frame(5, 64, 48).astype(int)).mean() < 12


def test_wav_round_trip_is_exact_at_24_bit(tmp_path: Path) -> None:
    sig = (np.sin(np.linspace(0, 200, 8000)) * 0.5).astype(np.float32)[None]
    write_wav(tmp_path / "a.wav", sig, 8000, bits=24)
    back = read_audio(tmp_path / "a.wav")
    assert back.sample_rate == 8000 and back.samples.shape == (1, 8000)
    assert np.abs(back.samples - sig).max() < 1e-6


def test_existing_output_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "keep.wav"
    target.write_bytes(b"precious")
    with pytest.raises(OutputExistsError):
        write_wav(target, np.zeros((1, 100), np.float32), 8000)
    assert target.read_bytes() == b"precious"
    write_wav(target, np.zeros((1, 100), np.float32), 8000, force=True)
    assert probe(target).require_audio().sample_rate == 8000


def test_failure_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError), MediaWriter(target, width=64, height=48, rate=Fraction(25)) as w:
        w.write_video(pattern_frame(0, 64, 48))
        raise RuntimeError("render crashed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_frames_and_sizes(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="even"):
        MediaWriter(tmp_path / "odd.mp4", width=65, height=49, rate=Fraction(25))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError), MediaWriter(tmp_path / "x.mp4", width=64, height=48, rate=Fraction(25)) as w:
        w.write_video(np.zeros((10, 10, 3), np.uint8))
    assert not (tmp_path / "x.mp4").exists()


def test_rotation_metadata_written(tmp_path: Path) -> None:
    with MediaWriter(tmp_path / "r.mp4", width=64, height=48, rate=Fraction(25), rotation=90) as w:
        w.write_video(pattern_frame(0, 64, 48))
    assert probe(tmp_path / "r.mp4").require_video().rotation == 90
