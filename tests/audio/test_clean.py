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
    assert r.noise.noise_attenuation_db > 0.8  # overall: at 5 dB SNR removing all noise is 1.2 dB
    assert 2.0 < r.noise.snr_db < 9.0  # estimated input SNR (cleaned / removed energy), true 5 dB


def test_clean_studio_speech_stays_transparent(shared_data: Path) -> None:
    """Clean close-miked speech (LJSpeech) comes out practically unchanged (SI-SDR vs the input > 30 dB)."""
    s = read_audio(shared_data / "speech/lhotse/LJ002-0020.wav", sample_rate=SR, channels=1).samples[0]
    r = clean_speech(s, SR, target=None)
    assert r.highpass_hz == 0.0 and r.hum.fundamental_hz is None  # nothing to remove below 60 Hz, no hum
    assert si_sdr(r.samples[0].astype(np.float64), s.astype(np.float64)) > 30.0


def test_engines_and_errors(noisy: dict[str, np.ndarray]) -> None:
    from reelkit.audio.denoise import dfn_available, resolve_engine

    x = noisy["mix"][: SR * 3]
    ref = noisy["clean"][: SR * 3]
    dsp = clean_speech(x, SR, target=None, engine="dsp")
    assert dsp.engine == "dsp" and si_sdr(dsp.samples[0].astype(np.float64), ref) > si_sdr(x.astype(np.float64), ref)
    assert resolve_engine("auto") == ("dfn" if dfn_available() else "dsp")
    with pytest.raises(UsageError, match="unknown denoising engine"):
        clean_speech(x, SR, target=None, engine="magic")


def test_block_streaming_is_seamless(noisy: dict[str, np.ndarray]) -> None:
    """Block-wise processing (2 s blocks, 1 s context here; 30 s and 2 s by default) ≈ the one-shot result."""
    from reelkit.audio.clean import clean_blocks, plan_cleanup
    from reelkit.audio.denoise import stream_blocks

    x = noisy["mix"][None, : SR * 5]
    same = np.concatenate(list(stream_blocks([x[:, :7000], x[:, 7000:]], SR, lambda b: b, block_s=1.5,
                                             context_s=0.5)), axis=1)
    np.testing.assert_allclose(same, x, atol=1e-6)
    plan = plan_cleanup(x, SR)
    whole = np.concatenate(list(clean_blocks([x], SR, plan)[0]), axis=1)
    import reelkit.audio.denoise as dn

    pieces = [x[:, i:i + 3000] for i in range(0, x.shape[1], 3000)]
    fn = dn.stream_blocks
    try:
        dn.stream_blocks = lambda b, sr, f, **k: fn(b, sr, f, block_s=2.0, context_s=1.0)  # type: ignore[assignment]
        blocky = np.concatenate(list(clean_blocks(pieces, SR, plan)[0]), axis=1)
    finally:
        dn.stream_blocks = fn  # type: ignore[assignment]
    assert blocky.shape == whole.shape
    assert si_sdr(blocky[0].astype(np.float64), whole[0].astype(np.float64)) > 20.0


def test_cleanup_does_not_touch_the_network(noisy: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    r = clean_speech(noisy["mix"][: SR * 2], SR, target=None)
    assert np.all(np.isfinite(r.samples))


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
