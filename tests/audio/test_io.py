"""Output rules of reel audio normalize/clean: names, containers, refusals (library level, fast)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.audio.io import check_output, default_output, write_processed
from reelkit.errors import OutputExistsError, UsageError
from reelkit.media import probe, read_audio
from tests.mediagen import make_audio, make_video


def test_default_names(tmp_path: Path) -> None:
    wav = make_audio(tmp_path / "voice.wav")
    assert default_output(probe(wav), "clean") == tmp_path / "voice.clean.wav"
    mp4 = make_video(tmp_path / "clip.mp4", audio_rate=48000, frames=3)
    assert default_output(probe(mp4), "normalized") == tmp_path / "clip.normalized.mp4"


def test_refusals(tmp_path: Path) -> None:
    wav = make_audio(tmp_path / "voice.wav")
    info = probe(wav)
    with pytest.raises(UsageError, match="no video"):
        check_output(info, tmp_path / "out.mp4", force=False)
    with pytest.raises(UsageError, match="use one of"):
        check_output(info, tmp_path / "out.mp3", force=False)
    with pytest.raises(UsageError, match="overwrite the input"):
        check_output(info, wav, force=True)
    (tmp_path / "taken.wav").write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        check_output(info, tmp_path / "taken.wav", force=False)
    assert (tmp_path / "taken.wav").read_bytes() == b"keep me"


@pytest.mark.parametrize("ext", [".wav", ".flac", ".m4a"])
def test_audio_only_outputs_round_trip(tmp_path: Path, ext: str) -> None:
    t = np.arange(16000) / 16000
    sig = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 660 * t)]).astype(np.float32)
    src = make_audio(tmp_path / "src.wav", rate=16000, signal=sig)
    out = write_processed(probe(src), tmp_path / f"out{ext}", [sig[:, :7000], sig[:, 7000:]], 16000, 2)
    back = read_audio(out)
    assert back.sample_rate == 16000 and back.samples.shape[0] == 2
    n = min(back.samples.shape[1], sig.shape[1])
    if ext != ".m4a":  # lossless: same samples (16/24-bit quantisation)
        np.testing.assert_allclose(back.samples[:, :n], sig[:, :n], atol=1e-3)
    else:
        assert abs(n - sig.shape[1]) < 2048
