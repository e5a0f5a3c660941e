"""The NumPy GE2E speaker encoder on Resemblyzer's weights, and the speaker clustering that uses it."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from reelkit.analysis.speech import speakers, voice_encoder
from reelkit.analysis.speech.model import Word
from reelkit.errors import BackendUnavailable
from reelkit.media import read_audio


def _clip(path: Path, a: float = 0.0, b: float | None = None) -> np.ndarray:
    x = read_audio(path, sample_rate=16000, channels=1).samples[0]
    return x[int(a * 16000):None if b is None else int(b * 16000)]


def test_weights_are_read_without_torch() -> None:
    w = voice_encoder.load_weights(voice_encoder.find_weights())
    assert w["lstm.weight_ih_l0"].shape == (1024, 40) and w["lstm.weight_hh_l2"].shape == (1024, 256)
    assert w["linear.weight"].shape == (256, 256) and all(v.dtype == np.float32 for v in w.values())
    assert np.isfinite(w["lstm.weight_ih_l1"]).all() and float(np.abs(w["lstm.weight_ih_l1"]).max()) > 0.01


def test_same_talker_clips_are_closer_than_other_talkers(shared_data: Path) -> None:
    """Two different clips of each of four real talkers: every same-talker pair is more similar than
    every cross-talker pair."""
    sp = shared_data / "speech"
    jfk, libri = sp / "whisper_jfk" / "jfk.flac", sp / "lhotse" / "2412-153948-0000.flac"
    ami = sp / "spontaneous" / "ami_ES2011a_headset0_40-46s.wav"
    clips = [("jfk", _clip(jfk, 0.0, 2.6)), ("jfk", _clip(jfk, 3.0, 7.6)),
             ("lj", _clip(sp / "lhotse" / "LJ002-0020.wav")), ("lj", _clip(sp / "lhotse" / "LJ002-0035.wav")),
             ("ami", _clip(ami, 1.2, 3.0)), ("ami", _clip(ami, 3.1, 4.6)),
             ("libri", _clip(libri, 0.0, 4.0)), ("libri", _clip(libri, 5.0, 10.0))]
    e = voice_encoder.embed([x for _, x in clips])
    assert e.shape == (8, 256) and np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    sim = e @ e.T
    who = [w for w, _ in clips]
    same = [sim[i, j] for i in range(8) for j in range(i + 1, 8) if who[i] == who[j]]
    other = [sim[i, j] for i in range(8) for j in range(i + 1, 8) if who[i] != who[j]]
    assert min(same) > max(other) + 0.1


def test_changed_weights_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "pretrained.pt"
    shutil.copy(voice_encoder.find_weights(), bad)
    with bad.open("r+b") as f:
        f.seek(5_000_000)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(BackendUnavailable, match="sha256"):
        voice_encoder.load_weights(bad)


def test_a_pickle_that_would_run_code_is_refused(tmp_path: Path) -> None:
    """The unpickler accepts tensors and dicts only: a checkpoint naming any other global is refused."""

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (shutil.rmtree, (str(tmp_path / "victim"),))

    (tmp_path / "victim").mkdir()
    path = tmp_path / "evil.pt"
    with path.open("wb") as f:
        for obj in (1, 1001, {}):
            pickle.dump(obj, f)
        pickle.dump({"model_state": Evil()}, f)
    with pytest.raises(BackendUnavailable, match="unexpected object"):
        voice_encoder.load_weights(path, check_hash=False)
    assert (tmp_path / "victim").is_dir()


def test_missing_weights_fall_back_to_mfcc_with_one_note(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    def missing(name: str):  # type: ignore[no-untyped-def]
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    voice_encoder.load_encoder.cache_clear()
    monkeypatch.setattr(speakers, "_NOTED", set())
    try:
        with pytest.raises(BackendUnavailable, match="pip install --no-deps resemblyzer"):
            voice_encoder.find_weights()
        assert not speakers.neural_available() and not speakers.neural_available()
        assert capsys.readouterr().err.count("note:") == 1
        rng = np.random.default_rng(0)
        x = (rng.standard_normal(32000) * 0.1).astype(np.float32)
        (_, _, _, v), = speakers.window_vectors([Word("a", 0, 32000)], x)
        assert v is not None and v.shape == (19,)
    finally:
        voice_encoder.load_encoder.cache_clear()


@pytest.mark.parametrize("neural", [True, False])
def test_turns_of_two_real_talkers_cluster_apart(shared_data: Path, neural: bool) -> None:
    """Different sentences of JFK and of the LJSpeech reader: each talker's turns share one label."""
    sp = shared_data / "speech"
    jfk = sp / "whisper_jfk" / "jfk.flac"
    turns_src = [("jfk", _clip(jfk, 0.0, 2.6)), ("lj", _clip(sp / "lhotse" / "LJ002-0020.wav")),
                 ("jfk", _clip(jfk, 3.0, 7.6)), ("lj", _clip(sp / "lhotse" / "LJ002-0035.wav"))]
    gap = np.zeros(16000, np.float32)
    words, parts, pos = [], [], 0
    for who, seg in turns_src:
        words.append(Word(who, pos, pos + len(seg)))
        parts += [seg, gap]
        pos += len(seg) + len(gap)
    x = np.concatenate(parts)
    windows = speakers.window_vectors(words, x, neural=neural)
    assert windows[0][3] is not None and windows[0][3].shape == ((256,) if neural else (19,))
    labelled = speakers.assign_speakers(words, windows, "auto" if neural else 2)
    assert labelled[0].speaker == labelled[2].speaker != labelled[1].speaker == labelled[3].speaker
