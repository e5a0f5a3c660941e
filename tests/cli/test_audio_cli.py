"""`reel audio loudness|normalize|clean` end to end (real subprocess, real media)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from reelkit.audio import measure_file
from reelkit.media import probe, read_frames
from tests.conftest import run_reel
from tests.mediagen import make_audio, make_video

KEYS = ("integrated_lufs", "lra_lu", "true_peak_dbtp", "momentary_max_lufs", "short_term_max_lufs")


def one_line_error(proc: subprocess.CompletedProcess[str], code: int, pattern: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in proc.stderr, proc.stderr
    assert pattern in lines[0], lines[0]


def test_loudness_json_of_the_sample_film(sample_video: Path) -> None:
    proc = run_reel("audio", "loudness", str(sample_video), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    for k in KEYS:
        assert isinstance(d[k], float), k
    lib = measure_file(sample_video)
    assert d["integrated_lufs"] == pytest.approx(lib.integrated_lufs, abs=0.01)
    assert -40 < d["integrated_lufs"] < -5 and d["true_peak_dbtp"] >= d["sample_peak_dbfs"] - 0.01
    assert d["momentary_max_lufs"] >= d["short_term_max_lufs"] >= d["integrated_lufs"] - 3


def test_loudness_silent_file_is_null_and_says_silent(tmp_path: Path) -> None:
    p = make_audio(tmp_path / "silence.wav", rate=48000, seconds=4, channels=2,
                   signal=np.zeros((2, 48000 * 4), np.float32))
    proc = run_reel("audio", "loudness", str(p), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert all(d[k] is None for k in KEYS) and d["silent"] is True
    text = run_reel("audio", "loudness", str(p))
    assert text.returncode == 0 and "silent" in text.stdout


def test_loudness_51_weights_and_errors(tmp_path: Path) -> None:
    t = np.arange(48000 * 3) / 48000
    tone = (0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    six = np.stack([tone, tone, tone, tone, tone, tone])
    p = make_audio(tmp_path / "six.wav", rate=48000, channels=6, signal=six)
    d = json.loads(run_reel("audio", "loudness", str(p), "-f", "json").stdout)
    assert d["channel_weights"] == [1.0, 1.0, 1.0, 0.0, 1.41, 1.41]
    one_line_error(run_reel("audio", "loudness", str(tmp_path / "missing.wav")), 3, "not found")
    silent_video = make_video(tmp_path / "noaudio.mp4", frames=5)
    one_line_error(run_reel("audio", "loudness", str(silent_video)), 3, "audio")


def test_normalize_video_keeps_video_and_refuses_overwrite(sample_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "norm.mp4"
    proc = run_reel("audio", "normalize", str(sample_video), "--target", "ebu-r128", "-o", str(out), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["after"]["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
    assert d["after"]["true_peak_dbtp"] <= -1.0
    assert d["before"]["integrated_lufs"] != pytest.approx(-23.0, abs=1.0)
    info = probe(out)
    assert info.video is not None and info.audio is not None
    assert info.video.frames == probe(sample_video).video.frames  # type: ignore[union-attr]
    assert sum(1 for _ in read_frames(out, max_side=64)) == info.video.frames
    assert measure_file(out).integrated_lufs == pytest.approx(-23.0, abs=0.2)  # after AAC encoding
    before = out.read_bytes()
    again = run_reel("audio", "normalize", str(sample_video), "-o", str(out))
    one_line_error(again, 4, "already exists")
    assert out.read_bytes() == before
    text = run_reel("audio", "normalize", str(sample_video), "-o", str(out), "--force", "-t", "podcast")
    assert text.returncode == 0 and "before" in text.stdout and "after" in text.stdout


def test_normalize_wav_default_name_and_bad_target(tmp_path: Path) -> None:
    t = np.arange(16000 * 4) / 16000
    sig = (0.02 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)[None]
    src = make_audio(tmp_path / "voice.wav", rate=16000, signal=sig)
    proc = run_reel("audio", "normalize", str(src), "-t", "streaming")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "voice.normalized.wav"
    assert measure_file(out).integrated_lufs == pytest.approx(-14.0, abs=0.2)
    one_line_error(run_reel("audio", "normalize", str(src), "-t", "louder", "-o", str(tmp_path / "x.wav")), 2,
                   "unknown loudness target")
    one_line_error(run_reel("audio", "normalize", str(src), "-o", str(tmp_path / "x.mp4")), 2, "no video")
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "x.wav").exists()


def test_clean_real_speech_with_noise(shared_data: Path, tmp_path: Path) -> None:
    from reelkit.media import read_audio, write_wav

    s = read_audio(shared_data / "speech/lhotse/LJ002-0035.wav", sample_rate=22050, channels=1).samples
    rng = np.random.default_rng(3)
    t = np.arange(s.shape[1]) / 22050
    noisy = s + 0.02 * rng.standard_normal(s.shape) + 0.03 * np.sin(2 * np.pi * 60 * t)
    src = write_wav(tmp_path / "noisy.wav", noisy.astype(np.float32), 22050)
    out = tmp_path / "cleaned.flac"
    proc = run_reel("audio", "clean", str(src), "-o", str(out), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["hum"]["fundamental_hz"] == pytest.approx(60.0, abs=0.5)  # 1.6 s clip: 0.7 Hz bins; notches are 3 Hz
    assert d["after"]["integrated_lufs"] == pytest.approx(-16.0, abs=0.3)
    assert probe(out).audio is not None and measure_file(out).integrated_lufs == pytest.approx(-16.0, abs=0.3)


def test_loudness_unlabelled_51_note_and_layout_override(tmp_path: Path) -> None:
    """EBU 3341 case 6 (5 s) in a 6-channel WAV without a channel mask: assumed 5.1 with a note, −23.0 LUFS;
    ``--layout`` re-labels it; a layout of the wrong size is one clear error."""
    from tests.audio.test_layout import case6, write_plain_wav

    p = write_plain_wav(tmp_path / "six_unlabelled.wav", case6(lfe=True, seconds=5.0))
    proc = run_reel("audio", "loudness", str(p), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
    assert d["channel_weights"] == [1.0, 1.0, 1.0, 0.0, 1.41, 1.41]
    assert d["layout"]["name"] == "5.1" and d["layout"]["source"] == "assumed" and "--layout" in d["layout"]["note"]
    text = run_reel("audio", "loudness", str(p))
    assert text.returncode == 0 and "note:" in text.stdout and "L R C LFE Ls Rs" in text.stdout
    over = json.loads(run_reel("audio", "loudness", str(p), "--layout", "L,R,C,LFE,Lss,Rss", "-f", "json").stdout)
    assert over["layout"]["source"] == "override" and over["layout"]["note"] is None
    assert over["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
    flat = json.loads(run_reel("audio", "loudness", str(p), "--layout", "hexagonal", "-f", "json").stdout)
    assert flat["channel_weights"] == [1.0, 1.0, 1.0, 1.41, 1.41, 1.0]  # FL FR FC BL BR BC: the silent 4th counts
    one_line_error(run_reel("audio", "loudness", str(p), "--layout", "7.1"), 2, "has 8 channels")
    norm = run_reel("audio", "normalize", str(p), "--layout", "5.1", "-t", "ebu-r128", "-o",
                    str(tmp_path / "n.wav"), "-f", "json")
    assert norm.returncode == 0, norm.stderr
    assert json.loads(norm.stdout)["after"]["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
