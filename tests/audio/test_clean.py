"""Speech cleanup chain on real speech (shared data) mixed with real CC0 noise and synthetic hum."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from reelkit.audio.clean import clean_speech, detect_hum
from reelkit.errors import MediaError, UsageError
from reelkit.media import read_audio

SR = 16000


def si_sdr(est: np.ndarray, ref: np.ndarray) -> float:
    alpha = float(np.dot(est, ref) / np.dot(ref, ref))
    err = est - alpha * ref
    return 10 * math.log10(np.sum((alpha * ref) ** 2) / np.sum(err ** 2))


@pytest.fixture(scope="module")
def noisy(shared_data: Path) -> dict[str, np.ndarray]:
    """LibriSpeech clip + freesound CC0 noise + 50 Hz hum (3 harmonics) at 5 dB SNR, 16 kHz mono."""
    s = read_audio(shared_data / "speech/lhotse/2412-153948-0000.flac", sample_rate=SR, channels=1).samples[0]
    s = s.astype(np.float64)[: SR * 6]
    s = s / np.sqrt(np.mean(s ** 2)) * 0.05
    nz = read_audio(shared_data / "audio/noise_cc0/noise_freesound_573577.wav", sample_rate=SR,
                    channels=1).samples[0].astype(np.float64)
    nz = np.tile(nz, 3)[: s.size]
    t = np.arange(s.size) / SR
    hum = sum(np.sin(2 * np.pi * k * 50.0 * t) / k for k in (1, 2, 3))
    hum *= np.sqrt(np.mean(nz ** 2) / np.mean(hum ** 2)) * 0.5
    d = nz + hum
    d *= np.sqrt(np.mean(s ** 2) / np.mean(d ** 2) / 10 ** 0.5)
    return {"clean": s, "mix": (s + d).astype(np.float32), "hum": hum.astype(np.float32)}


def test_detects_50hz_hum_and_not_in_clean_speech(noisy: dict[str, np.ndarray]) -> None:
    h = detect_hum(noisy["mix"], SR)
    assert h.fundamental_hz is not None and abs(h.fundamental_hz - 50.0) < 0.1
    assert any(abs(f - 100.0) < 0.3 for f in h.harmonics_hz)
    assert detect_hum(noisy["clean"].astype(np.float32), SR).fundamental_hz is None


def test_detects_60hz_off_nominal() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(SR * 4) / SR
    x = 0.01 * rng.standard_normal(t.size) + 0.03 * np.sin(2 * np.pi * 59.7 * t) + 0.02 * np.sin(2 * np.pi * 119.4 * t)
    h = detect_hum(x, SR)
    assert h.fundamental_hz is not None and abs(h.fundamental_hz - 59.7) < 0.05


def test_cleanup_improves_si_sdr_and_keeps_speech_level(noisy: dict[str, np.ndarray]) -> None:
    r = clean_speech(noisy["mix"], SR, target=None)
    out = r.samples[0].astype(np.float64)
    assert out.shape == noisy["mix"].shape  # time-aligned, same length
    before = si_sdr(noisy["mix"].astype(np.float64), noisy["clean"])
    after = si_sdr(out, noisy["clean"])
    assert after - before > 5.0, (before, after)
    alpha = float(np.dot(out, noisy["clean"]) / np.dot(noisy["clean"], noisy["clean"]))
    assert 20 * math.log10(alpha) > -1.0  # the speech is not made quieter
    assert r.hum.fundamental_hz is not None
    assert r.noise.noise_attenuation_db > 3.0


def test_cleanup_with_target_reaches_loudness(noisy: dict[str, np.ndarray]) -> None:
    stereo = np.stack([noisy["mix"], noisy["mix"]])
    r = clean_speech(stereo, SR, target="podcast")
    assert r.samples.shape == stereo.shape
    assert abs(r.after.integrated_lufs - (-16.0)) <= 0.3
    assert r.after.true_peak_dbtp <= -1.0 + 0.05
    d = r.to_dict()
    assert d["loudness"]["target"]["name"] == "podcast" and d["hum"]["fundamental_hz"] == pytest.approx(50, abs=0.1)


def test_silence_and_bad_rate() -> None:
    silent = np.zeros((1, SR * 2), np.float32)
    r = clean_speech(silent, SR, target=None)
    assert np.all(r.samples == 0) and r.after.silent
    with pytest.raises(MediaError, match="silent"):
        clean_speech(silent, SR, target="podcast")
    with pytest.raises(UsageError):
        clean_speech(silent, 4000, target=None)


def test_clipped_input_stays_finite_and_bounded() -> None:
    t = np.arange(SR * 2) / SR
    x = np.clip(3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 3 * t) > 0), -1, 1).astype(np.float32)
    r = clean_speech(x, SR, target="ebu-r128")
    assert np.all(np.isfinite(r.samples))
    assert r.after.true_peak_dbtp <= -1.0 + 0.05
