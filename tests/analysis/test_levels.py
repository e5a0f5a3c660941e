"""Speech levels as a driver detector, on real recordings: the same numbers as the whole-file functions."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reelkit.analysis.driver import run_detectors
from reelkit.analysis.levels import LEVELS_HOP, LEVELS_RATE, SpeechLevels, SpeechLevelsDetector, frame_energy_db
from reelkit.analysis.speech import speech_regions
from reelkit.media import AudioData, read_audio

LECTURE = Path("speech/lecture/physicsworks_audio.webm")


@pytest.fixture(scope="module")
def lecture(shared_data: Path) -> tuple[SpeechLevels, AudioData]:
    path = shared_data / LECTURE
    det = SpeechLevelsDetector()
    return run_detectors(path, [det])[det.name], read_audio(path, sample_rate=LEVELS_RATE, channels=1)


def test_streamed_levels_equal_the_whole_file_functions(lecture) -> None:
    """203 s of a real lecture (Opus 5.1 → 16 kHz mono, streamed in blocks): energy and both VAD region
    sets are what the whole-file functions give on a one-shot decode."""
    lv, audio = lecture
    x = audio.samples[0]
    assert lv.samples == len(x)
    np.testing.assert_allclose(lv.energy_db, frame_energy_db(x, LEVELS_RATE), atol=1e-3)
    assert lv.regions.tolist() == [list(r) for r in speech_regions(audio)]
    raw = speech_regions(audio, min_silence_s=0.1, hangover_s=0.0, pad_s=0.0)
    assert lv.activity.tolist() == [list(r) for r in raw]
    assert len(lv.activity) > len(lv.regions) > 20  # a lecture: many pauses, fewer after bridging
    assert lv.clipped.sum() == int(np.sum(np.abs(x) >= 0.99))


def test_voice_per_frame_is_the_majority_of_each_frame(lecture) -> None:
    lv, _ = lecture
    rate = Fraction(25)
    n = 2000  # 80 s
    got = lv.voice_per_frame(n, rate)
    flags = np.zeros(lv.samples + 1, bool)
    for s, e in lv.activity:
        flags[s:e] = True
    edges = np.clip(np.round(np.arange(n + 1) / 25 * LEVELS_RATE).astype(int), 0, lv.samples)
    want = np.array([flags[a:b].mean() > 0.5 for a, b in itertools.pairwise(edges)])
    assert got.tolist() == want.tolist()
    assert 0.3 < got.mean() < 0.95  # a lecturer speaks most of the time, with pauses


def test_clip_share_counts_full_scale_samples() -> None:
    x = np.zeros(LEVELS_RATE, np.float32)
    x[1000:1100] = 1.0  # 100 clipped samples, in hops 6 and 7 (samples 960-1120)
    lv = SpeechLevels(samples=len(x), energy_db=frame_energy_db(x, LEVELS_RATE),
                      clipped=(np.abs(x) >= 0.99).reshape(-1, LEVELS_HOP).sum(axis=1).astype(np.int32),
                      regions=np.zeros((0, 2), np.int64), activity=np.zeros((0, 2), np.int64))
    assert lv.clip_share(960, 1120) == pytest.approx(100 / 160)
    assert lv.clip_share(0, 800) == 0.0
    assert lv.clip_share(500, 500) == 0.0
    back = SpeechLevels.from_store(lv.to_store())
    assert back.samples == lv.samples and back.clip_share(960, 1120) == lv.clip_share(960, 1120)
    np.testing.assert_array_equal(back.energy_db, lv.energy_db)


def test_silent_file_has_no_regions(tmp_path: Path) -> None:
    import wave

    wav = tmp_path / "silence.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(16000, np.int16).tobytes())
    det = SpeechLevelsDetector()
    lv = run_detectors(wav, [det])[det.name]
    assert lv.samples == 16000 and len(lv.regions) == 0 and len(lv.activity) == 0
    assert lv.energy_db.max() < -100
