"""Loudness normalisation and the true-peak limiter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reelkit.audio import measure, true_peak
from reelkit.audio.normalize import TARGETS, TruePeakLimiter, get_target, limit, normalize
from reelkit.errors import MediaError, UsageError

from .signals import FS, tones


def _speechlike(seconds: float = 8.0, seed: int = 0) -> np.ndarray:
    """Stereo noise bursts with syllable-rate (≈4 Hz) modulation, band-limited to the speech band."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    x = sosfilt(butter(4, [300, 3400], "bandpass", fs=FS, output="sos"), rng.standard_normal(n))
    env = np.clip(np.sin(2 * np.pi * 4 * np.arange(n) / FS) + 0.3 * rng.standard_normal(n // 480).repeat(480)[:n], 0,
                  None)
    x = x * env
    return np.stack([x, 0.9 * x]).astype(np.float32) * 0.3


@pytest.mark.parametrize("name", list(TARGETS))
def test_targets_reached_within_tolerance(name: str) -> None:
    t = TARGETS[name]
    r = normalize(_speechlike(), FS, name)
    ref = r.after.dialogue_lufs if (t.dialogue_gated and r.basis == "dialogue") else r.after.integrated_lufs
    assert abs(ref - t.loudness_lufs) <= 0.2, (name, ref)
    assert r.after.true_peak_dbtp <= t.ceiling_dbtp + 0.05
    assert r.samples is not None and r.samples.shape == (2, 8 * FS)
    d = r.to_dict()
    assert d["before"]["integrated_lufs"] is not None and d["after"]["integrated_lufs"] is not None


def test_limiter_engages_when_gain_would_pass_the_ceiling() -> None:
    """A quiet tone with a short spike: the +16 dB gain to −14 LUFS would push the spike past −1 dBTP."""
    x = tones((-30, 6))
    x[:, FS * 3:FS * 3 + 4] = 0.4  # 4-sample spike: +8 dBTP after the gain, negligible loudness
    r = normalize(x, FS, "streaming")
    assert r.limiter_db > 3.0
    assert r.after.true_peak_dbtp <= -1.0 + 0.05
    assert abs(r.after.integrated_lufs - (-14.0)) <= 0.3


def test_limiter_stream_equals_one_shot_and_keeps_length() -> None:
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((2, FS * 2)) * 0.6).astype(np.float32)
    whole = limit(x, FS, -1.0)
    lim = TruePeakLimiter(FS, 2, -1.0)
    parts = [lim.push(x[:, i:i + 7001]) for i in range(0, x.shape[1], 7001)] + [lim.flush()]
    streamed = np.concatenate(parts, axis=1)
    assert streamed.shape == x.shape == whole.shape
    np.testing.assert_allclose(streamed, whole, atol=1e-6)
    assert true_peak(whole, FS) <= -1.0
    assert true_peak(x, FS) > 5.0


def test_quiet_passages_pass_the_limiter_untouched() -> None:
    x = tones((-20, 1))
    np.testing.assert_allclose(limit(x, FS, -1.0), x.astype(np.float32), atol=1e-7)


def test_dialogue_gated_target_ignores_non_speech() -> None:
    """Speech-like audio followed by a much louder steady tone: the netflix target meters the speech part."""
    speech = _speechlike(6.0)
    tone = tones((-12, 6)).astype(np.float32)
    x = np.concatenate([speech, tone], axis=1)
    r = normalize(x, FS, "netflix")
    assert r.basis == "dialogue"
    speech_only = measure(speech, FS).integrated_lufs
    assert r.before.dialogue_lufs is not None
    assert abs(r.before.dialogue_lufs - speech_only) <= 1.0
    assert r.before.integrated_lufs > speech_only + 3  # programme loudness is dominated by the tone
    assert 0.3 < (r.before.dialogue_fraction or 0) < 0.7


def test_unknown_target_and_silence() -> None:
    with pytest.raises(UsageError, match="ebu-r128"):
        get_target("loud")
    assert get_target("EBU").name == "ebu-r128"
    with pytest.raises(MediaError, match="silent"):
        normalize(np.zeros((2, FS * 2), np.float32), FS, "ebu-r128")


def test_mono_and_51_normalise() -> None:
    mono = normalize(tones((-30, 4), channels=1), FS, "ebu-r128")
    assert abs(mono.after.integrated_lufs + 23) <= 0.1
    six = np.concatenate([tones((-30, 4)), tones((-30, 4), channels=1), np.zeros((1, 4 * FS)),
                          tones((-35, 4))])
    r = normalize(six, FS, "ebu-r128", layout="5.1")
    assert abs(r.after.integrated_lufs + 23) <= 0.1
    assert math.isfinite(r.after.true_peak_dbtp)
