"""Whisper (the default backend): weights assembled from pip packages, no network, alignment that never
fails, speakers, languages.

Whisper itself runs on two short real clips (LJSpeech 1.6 s, AMI 6 s) once per session; the model
assembly tests use small packages written here (real files, real import machinery).
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import socket
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from reelkit.analysis.speech import Transcript, normalize_word, transcribe
from reelkit.analysis.speech import whisper_models as wm
from reelkit.analysis.speech.align import align, aligned_share
from reelkit.analysis.speech.speakers import assign_speakers, cluster, parse_speakers, window_vectors
from reelkit.errors import BackendUnavailable, UsageError
from reelkit.media import read_audio

# -- model assembly -----------------------------------------------------------------------------


def _fake_packages(root: Path, part1: bytes, part2: bytes, *, tag: str) -> wm.ModelSpec:
    for n, data in ((1, part1), (2, part2)):
        pkg = root / f"fakewhisper_{tag}_{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"model.bin.part{n}").write_bytes(data)
    (root / f"fakewhisper_{tag}_2" / "data" / "config.json").write_text("{}")
    whole = part1 + part2
    return wm.ModelSpec(
        name=f"fake-{tag}",
        parts=((f"fakewhisper_{tag}_1", f"fakewhisper-{tag}-1==1.0", "model.bin.part1"),
               (f"fakewhisper_{tag}_2", f"fakewhisper-{tag}-2==1.0", "model.bin.part2")),
        files=((f"fakewhisper_{tag}_2", "config.json"),),
        size=len(whole), sha256=hashlib.sha256(whole).hexdigest())


@pytest.fixture
def fake_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    pkgs, cache = tmp_path / "site", tmp_path / "cache"
    pkgs.mkdir()
    monkeypatch.syspath_prepend(str(pkgs))
    monkeypatch.setenv("REELKIT_CACHE", str(cache))
    return pkgs, cache


def _register(monkeypatch: pytest.MonkeyPatch, spec: wm.ModelSpec) -> None:
    importlib.invalidate_caches()
    monkeypatch.setitem(wm.MODELS, spec.name, spec)


def test_model_is_assembled_once_and_verified(fake_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    pkgs, _ = fake_env
    spec = _fake_packages(pkgs, b"a" * 3000, b"b" * 1234, tag="ok")
    _register(monkeypatch, spec)
    d = wm.resolve_model(spec.name)
    assert (d / "model.bin").read_bytes() == b"a" * 3000 + b"b" * 1234
    assert (d / "config.json").is_file() and spec.sha256 in (d / "VERIFIED").read_text()
    stamp = (d / "model.bin").stat().st_mtime_ns
    assert wm.resolve_model(spec.name) == d and (d / "model.bin").stat().st_mtime_ns == stamp  # not rebuilt
    assert [p.name for p in d.parent.iterdir()] == [d.name]  # no temporary folder left


def test_concurrent_first_use_is_safe(fake_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    pkgs, _ = fake_env
    spec = _fake_packages(pkgs, bytes(range(256)) * 4000, b"z" * 5000, tag="race")
    _register(monkeypatch, spec)
    results: list[Path | BaseException] = []

    def run() -> None:
        try:
            results.append(wm.resolve_model(spec.name))
        except BaseException as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and isinstance(results[0], Path), results
    d = results[0]
    assert hashlib.sha256((d / "model.bin").read_bytes()).hexdigest() == spec.sha256
    assert [p.name for p in d.parent.iterdir()] == [d.name]


def test_missing_part_is_a_clear_error(fake_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    pkgs, cache = fake_env
    spec = _fake_packages(pkgs, b"a" * 100, b"b" * 100, tag="miss")
    (pkgs / "fakewhisper_miss_2" / "data" / "model.bin.part2").unlink()
    _register(monkeypatch, spec)
    with pytest.raises(BackendUnavailable, match=r"incomplete: .*model\.bin\.part2 is missing") as err:
        wm.resolve_model(spec.name)
    assert "fakewhisper-miss-2==1.0" in str(err.value.hint)
    assert not (cache / "whisper").exists() or not any((cache / "whisper").iterdir())
    spec2 = _fake_packages(pkgs, b"a", b"b", tag="gone")
    import shutil

    shutil.rmtree(pkgs / "fakewhisper_gone_1")
    _register(monkeypatch, spec2)
    with pytest.raises(BackendUnavailable, match=r"not installed \(package fakewhisper-gone-1==1\.0"):
        wm.resolve_model(spec2.name)


def test_hash_mismatch_leaves_nothing_in_the_cache(fake_env: tuple[Path, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pkgs, cache = fake_env
    spec = _fake_packages(pkgs, b"a" * 100, b"b" * 100, tag="bad")
    (pkgs / "fakewhisper_bad_2" / "data" / "model.bin.part2").write_bytes(b"c" * 100)  # same size, other bytes
    _register(monkeypatch, spec)
    with pytest.raises(BackendUnavailable, match="fail their check"):
        wm.resolve_model(spec.name)
    assert list((cache / "whisper").iterdir()) == []  # neither the target nor a temporary folder


def test_base_is_pinned_and_small_is_refused() -> None:
    base = wm.MODELS["base"]
    assert base.size == 145_217_607 and base.sha256.startswith("905e5bf8336b")
    assert all("==" in req for _, req, _ in base.parts)
    with pytest.raises(BackendUnavailable, match="truncated"):
        wm.resolve_model("small")


# -- Whisper on real speech, offline ------------------------------------------------------------


@pytest.fixture(scope="session")
def lj(shared_data: Path) -> Path:
    return shared_data / "speech" / "lhotse" / "LJ002-0035.wav"  # "eight the press yard", 1.6 s


@pytest.fixture(scope="session")
def offline_lj(lj: Path) -> Transcript:
    """Whisper on LJ002-0035 with every socket operation failing (nothing may touch the network)."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the network was used")

    mp = pytest.MonkeyPatch()
    for name in ("connect", "connect_ex"):
        mp.setattr(socket.socket, name, refuse)
    mp.setattr(socket, "create_connection", refuse)
    mp.setattr(socket, "getaddrinfo", refuse)
    try:
        return transcribe(lj)
    finally:
        mp.undo()


def test_whisper_default_offline(offline_lj: Transcript) -> None:
    assert offline_lj.backend == "faster-whisper" and offline_lj.language == "en"
    assert {"press", "yard"} <= {normalize_word(w.text) for w in offline_lj.words}
    import os

    assert os.environ.get("HF_HUB_OFFLINE") == "1" and "faster_whisper" in sys.modules


def test_word_boundaries_are_refined(offline_lj: Transcript, lj: Path) -> None:
    # the words lie on the speech: each word's span holds clearly more energy than the room tone
    x = read_audio(lj, sample_rate=16000, channels=1).samples[0]
    floor = np.percentile(np.abs(x), 20)
    words = offline_lj.words
    assert all(w.end > w.start for w in words)
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    for w in words:
        assert np.mean(np.abs(x[w.start:w.end])) > 3 * floor, w


def test_unknown_language_is_a_usage_error(lj: Path) -> None:
    with pytest.raises(UsageError, match="unknown language code 'klingon'"):
        transcribe(lj, language="klingon")
    with pytest.raises(UsageError, match="English-only"):
        transcribe(lj, backend="pocketsphinx", translate=True)


# -- --align never fails ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ami(shared_data: Path) -> tuple[Path, Transcript]:
    p = shared_data / "speech" / "spontaneous" / "ami_ES2011a_headset0_40-46s.wav"
    return p, transcribe(p)


def test_align_spontaneous_speech(ami: tuple[Path, Transcript]) -> None:
    path, rec = ami
    t = align(path, "I'M ABIGAIL CLAFLIN\nYOU CAN CALL ME ABBIE", recognised=rec)
    assert aligned_share(t) == 1.0 and [w.aligned for w in t.words] == [True] * 8
    # human AMI segment times: 1.46-2.82 s and 3.36-4.36 s
    for seg, (a, b) in zip(t.segments, [(1.46, 2.82), (3.36, 4.36)], strict=True):
        assert abs(seg.start / 16000 - a) < 0.12 and abs(seg.end / 16000 - b) < 0.15


def test_align_mismatched_text_marks_what_was_not_found(ami: tuple[Path, Transcript]) -> None:
    path, rec = ami
    extra = "AND THEN WE WILL DISCUSS THE BUDGET FOR NEXT YEAR"
    t = align(path, f"I'M ABIGAIL CLAFLIN\nYOU CAN CALL ME ABBIE\n{extra}", recognised=rec)
    n = len(extra.split())
    assert [w.aligned for w in t.words] == [True] * 8 + [False] * n
    assert 0.4 < aligned_share(t) < 0.5
    times = [(w.start, w.end) for w in t.words]
    assert times == sorted(times) and all(a <= b for a, b in times)
    missing = align(path, "YOU CAN CALL ME ABBIE", recognised=rec)  # a sentence missing from the text
    assert all(w.aligned for w in missing.words) and abs(missing.words[0].start / 16000 - 3.36) < 0.12
    wrong = align(path, "completely different words here", recognised=rec)  # nothing matches: still exit 0
    assert len(wrong.words) == 4


# -- speakers -----------------------------------------------------------------------------------


def test_parse_speakers() -> None:
    assert parse_speakers(None) is None and parse_speakers("auto") == "auto" and parse_speakers("3") == 3
    with pytest.raises(UsageError, match="--speakers"):
        parse_speakers("many")
    with pytest.raises(UsageError):
        parse_speakers("0x")


def test_cluster_separates_two_real_talkers(shared_data: Path) -> None:
    """Voice vectors of windows from two real recordings (LJSpeech reader vs a GRID talker) cluster apart."""
    from reelkit.analysis.speech import Word

    lj = read_audio(shared_data / "speech" / "lhotse" / "LJ002-0020.wav", sample_rate=16000, channels=1).samples[0]
    grid = read_audio(shared_data / "av" / "grid" / "grid_bbaf2n.mpg", sample_rate=16000, channels=1).samples[0]
    gap = np.zeros(16000, np.float32)  # 1 s pauses: each turn is its own window
    x = np.concatenate([lj, gap, grid, gap, lj, gap, grid])
    turns = []
    pos = 0
    for who, seg in (("lj", lj), ("g", grid), ("lj", lj), ("g", grid)):
        turns.append((pos, pos + len(seg), who))
        pos += len(seg) + len(gap)
    words = [Word(who, a, b) for a, b, who in turns]  # one window per turn
    labelled = assign_speakers(words, window_vectors(words, x), "auto")
    assert labelled[0].speaker == labelled[2].speaker != labelled[1].speaker == labelled[3].speaker
    assert cluster(np.ones((3, 4), np.float32), 1).tolist() == [0, 0, 0]


def test_streaming_chunks_cover_the_audio_once_and_cut_in_pauses(shared_data: Path, tmp_path: Path) -> None:
    from reelkit.analysis.speech.pipeline import iter_speech_chunks
    from reelkit.media.writer import write_wav

    jfk = read_audio(shared_data / "speech" / "whisper_jfk" / "jfk.flac", sample_rate=16000, channels=1).samples[0]
    path = write_wav(tmp_path / "long.wav", np.tile(jfk, 3)[None, :], 16000)
    whole = read_audio(path, sample_rate=16000, channels=1).samples[0]
    chunks = list(iter_speech_chunks(path, chunk_s=8.0, search_s=4.0))
    assert len(chunks) >= 3 and chunks[0][0] == 0
    assert all(o1 == o0 + len(x0) for (o0, x0), (o1, _) in itertools.pairwise(chunks))
    assert np.array_equal(np.concatenate([x for _, x in chunks]), whole)
    for offset, x in chunks[:-1]:  # each cut lies in a quiet stretch, not inside a word
        cut = offset + len(x)
        assert np.sqrt(np.mean(whole[cut - 800:cut + 800] ** 2)) < 0.25 * np.sqrt(np.mean(whole ** 2))


def test_transcripts_are_reproducible_where_whisper_falls_back_to_sampling(shared_data: Path, tmp_path: Path) -> None:
    """On the MFA laughter clip Whisper's temperature fallback samples; unseeded, runs differed
    (4 different transcripts in 4 runs of plain faster-whisper). Two runs of the real CLI agree."""
    import subprocess
    import sys

    clip = shared_data / "speech" / "mfa" / "fillers" / "mfa_laughter.flac"
    reel = Path(sys.executable).with_name("reel")
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}.json"
        subprocess.run([str(reel), "transcribe", "--no-index", str(clip), "-o", str(out), "-f", "json"], check=True,
                       capture_output=True)
        outs.append([(w["text"], w["start"], w["end"]) for w in json.loads(out.read_text())["words"]])
    assert outs[0] == outs[1] and len(outs[0]) >= 3


def test_align_survives_a_wrong_language_detection(shared_data: Path, tmp_path: Path) -> None:
    """Walter Lewin's accented English (120-146 s of the lecture) is detected as Dutch by Whisper base;
    aligning its English text still finds nearly every word (it did not before: 34 of 77 words unaligned)."""
    from reelkit.media.writer import write_wav

    lec = shared_data / "speech" / "lecture"
    x = read_audio(lec / "physicsworks_audio.webm", sample_rate=16000, channels=1).samples[0]
    clip = write_wav(tmp_path / "take.wav", x[120 * 16000:146 * 16000][None, :], 16000)
    d = json.loads((lec / "physicsworks.whisper_medium.json").read_text())
    text = " ".join(w["word"].strip() for s in d["segments"] for w in s["words"]
                    if w["time_interval"]["start"] >= 119.7 and w["time_interval"]["end"] <= 146.3)
    assert transcribe(clip).language != "en"  # the detection this test is about
    t = align(clip, text)
    assert len(t.words) > 60 and aligned_share(t) >= 0.9


def test_refinement_never_drags_a_word_across_a_pause(tmp_path: Path) -> None:
    """MFA's sick-voice recording (bench/data/speech, 26-52.4 s): "... in the original one. [2.7 s with a
    soft "uh"] And here's ...". The forced aligner used to pull "one" across the pause onto a later
    sound (20.36 s, right before "And"); a word the aligner moves off its own span keeps Whisper's."""
    from reelkit.media.writer import write_wav

    src = Path(__file__).resolve().parents[2] / "bench" / "data" / "speech" / "michaelandsickmichael.wav"
    x = read_audio(src, sample_rate=16000, channels=1).samples[0]
    clip = write_wav(tmp_path / "sick.wav", x[26 * 16000:int(52.4 * 16000)][None, :], 16000)
    words = transcribe(clip).words
    k = next(i for i, w in enumerate(words) if normalize_word(w.text) == "original")
    one, nxt = words[k + 1], next(w for w in words[k + 2:] if not w.filler)
    assert normalize_word(one.text) == "one" and normalize_word(nxt.text) == "and"
    assert one.start - words[k].end < 0.1 * 16000 and nxt.start - one.end > 2.0 * 16000

