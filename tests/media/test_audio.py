"""Audio readers: resampling, channel handling, blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.media import iter_audio, read_audio


def test_read_and_resample_speech(shared_data: Path) -> None:
    a = read_audio(shared_data / "speech/whisper_jfk/jfk.flac", sample_rate=16000, channels=1)
    assert a.sample_rate == 16000 and a.samples.dtype == np.float32
    assert a.samples.shape[0] == 1
    assert a.duration_s == pytest.approx(11.0, abs=0.05)
    assert 0.01 < np.sqrt(np.mean(a.samples**2)) < 0.5


def test_blocks_concatenate_to_whole(media_dir: Path) -> None:
    whole = read_audio(media_dir / "pal_25.mp4", sample_rate=22050)
    blocks = list(iter_audio(media_dir / "pal_25.mp4", sample_rate=22050, block_samples=1000))
    assert all(b.shape[1] == 1000 for b in blocks[:-1]) and 0 < blocks[-1].shape[1] <= 1000
    np.testing.assert_array_equal(np.concatenate(blocks, axis=1), whole.samples)


def test_tone_frequency_is_preserved(media_dir: Path) -> None:
    a = read_audio(media_dir / "ntsc_2997.mov", sample_rate=16000, channels=1)
    spec = np.abs(np.fft.rfft(a.mono()[:16000 // 2]))
    peak_hz = np.argmax(spec) * 16000 / (16000 // 2)
    assert peak_hz == pytest.approx(440, abs=4)


def test_surround_kept_or_downmixed(media_dir: Path) -> None:
    six = read_audio(media_dir / "surround_51.mkv")
    assert six.samples.shape[0] == 6
    stereo = read_audio(media_dir / "surround_51.mkv", channels=2)
    assert stereo.samples.shape[0] == 2


def test_mono_downmix_keeps_the_level(shared_data: Path) -> None:
    """GRID's MPEG-1 audio carries nearly the same signal in both channels: its mono downmix is their
    average, not FFmpeg's float matrix (0.707·L + 0.707·R, 3 dB louder, peaks at 1.41); 5.1 stays in range."""
    grid = shared_data / "av" / "grid" / "grid_lbax4n.mpg"
    both = read_audio(grid, sample_rate=16000)
    mono = read_audio(grid, sample_rate=16000, channels=1)
    assert both.samples.shape[0] == 2 and np.allclose(both.samples[0], both.samples[1], atol=0.02)
    assert np.allclose(mono.samples[0], both.samples.mean(axis=0), atol=1e-5)
    lecture = read_audio(shared_data / "speech" / "lecture" / "physicsworks_audio.webm", channels=1)
    assert float(np.abs(lecture.samples).max()) <= 1.0
