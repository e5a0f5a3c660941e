"""`reel shots` through the index, `reel analyze`, `reel find`, `reel index` end to end (real CLI runs)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.index.store import MediaIndex, ResultKey, WordRow
from tests.index.conftest import make_clip

LOG_KEYS = {"frames", "start_s", "end_s", "camera", "exposure", "white_balance", "representative_frame",
            "shot_size", "subjects", "sharpness", "dominant_colours"}


def test_shots_detect_only_and_second_run_from_the_index(sample_video: Path, tmp_path: Path, reel) -> None:
    video = tmp_path / "film.mp4"
    shutil.copy(sample_video, video)
    db = tmp_path / "project.sqlite"
    quick = reel("shots", str(video), "--detect-only", "--index", str(db))
    assert quick.returncode == 0, quick.stderr
    det_only = json.loads(quick.stdout)
    t0 = time.perf_counter()
    full = reel("shots", str(video), "--index", str(db), "--thumbnails", str(tmp_path / "th"))
    first_s = time.perf_counter() - t0
    assert full.returncode == 0, full.stderr
    logged = json.loads(full.stdout)
    # the same boundaries; --detect-only has the same JSON minus the log fields
    assert det_only["transitions"] == logged["transitions"]
    assert [(s["index"], s["start"], s["end"]) for s in det_only["shots"]] == \
        [(s["index"], s["start"], s["end"]) for s in logged["shots"]]
    assert all(set(s) == {"index", "start", "end"} for s in det_only["shots"])
    assert all(set(s) >= LOG_KEYS for s in logged["shots"])
    # moved and renamed: found again by content, nothing decoded (same output, thumbnails rewritten)
    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    video.rename(moved)
    t0 = time.perf_counter()
    again = reel("shots", str(moved), "--index", str(db), "--thumbnails", str(tmp_path / "th2"))
    second_s = time.perf_counter() - t0
    assert again.returncode == 0, again.stderr
    cached = json.loads(again.stdout)
    strip = lambda d: [{k: v for k, v in s.items() if k != "thumbnail"} for s in d["shots"]]  # noqa: E731
    assert strip(cached) == strip(logged) and cached["transitions"] == logged["transitions"]
    assert len(list((tmp_path / "th2").glob("shot_*.jpg"))) == len(logged["shots"])
    assert second_s < first_s


def test_shots_with_an_unwritable_index_still_work(sample_video: Path, reel) -> None:
    r = reel("shots", str(sample_video), "--detect-only", env={"REELKIT_INDEX": "/proc/reelkit/index.sqlite"})
    assert r.returncode == 0 and "not using the media index" in r.stderr
    assert json.loads(r.stdout)["shots"]


def test_analyze_find_status_export_clear(tmp_path: Path, reel) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for k in range(3):
        make_clip(lib / f"take{k}.mp4", seed=10 + k, cut_at=15)
    db = lib / ".reelkit" / "index.sqlite"
    r = reel("analyze", str(lib), "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["counts"]["done"] == 3
    # a transcript stored through the library API (as a transcription job would)
    with MediaIndex(db) as idx:
        fp = idx.fingerprint(lib / "take1.mp4")
        idx.put(fp, ResultKey.of("transcript", 1), {"words": 3},
                words=[WordRow(0.2, 0.5, "Welcome", "S1"), WordRow(0.5, 0.7, "to", "S1"),
                       WordRow(0.7, 1.2, "the"), WordRow(1.2, 1.5, "Palace.", "S2")])
    hits = json.loads(reel("find", "--index", str(db), "-f", "json").stdout)["hits"]
    assert len(hits) == 6 and {h["kind"] for h in hits} == {"shot"}
    assert all(h["timecode"] and Path(h["path"]).exists() for h in hits)
    assert {h["timecode"] for h in hits} == {"00:00:00:00", "00:00:00:15"}
    loud = json.loads(reel("find", "--index", str(db), "--min-loudness", "-30", "-f", "json").stdout)["hits"]
    assert len(loud) == 6 and all(h["loudness_lufs"] > -30 for h in loud)
    assert json.loads(reel("find", "--index", str(db), "--max-loudness", "-60", "-f", "json").stdout)["hits"] == []
    said = json.loads(reel("find", "the palace", "--index", str(db), "-f", "json").stdout)["hits"]
    assert [(Path(h["path"]).name, h["start_s"], h["end_s"], h["text"]) for h in said] == \
        [("take1.mp4", 0.7, 1.5, "the palace")]
    assert json.loads(reel("find", "palace welcome", "--index", str(db), "-f", "json").stdout)["hits"] == []
    # OTIO: a timeline of the hits that OTIO reads back, clips pointing at the files
    out = tmp_path / "hits.otio"
    r = reel("find", "--index", str(db), "-f", "otio", "-o", str(out))
    assert r.returncode == 0, r.stderr
    tl = otio.adapters.read_from_file(str(out))
    clips = list(tl.find_clips())
    assert len(clips) == 6 and clips[0].media_reference.target_url.startswith("file://")
    assert clips[1].source_range.start_time.to_frames() == 15
    text = reel("find", "--index", str(db), "--movement", "static,pan_left,pan_right")
    assert text.returncode == 0 and "take0.mp4  00:00:00:00" in text.stdout
    bad = reel("find", "--index", str(db), "--size", "HUGE")
    assert bad.returncode == 2 and "unknown shot size" in bad.stderr
    # status and exports
    st = json.loads(reel("index", "status", "--index", str(db), "-f", "json").stdout)
    assert st["media"] == 3 and st["files"]["done"] == 3 and st["words"] == 4
    r = reel("index", "export", "--index", str(db), "-o", str(tmp_path / "ix.json"))
    assert r.returncode == 0, r.stderr
    ex = json.loads((tmp_path / "ix.json").read_text())
    assert len(ex["shots"]) == 6 and len(ex["media"]) == 3 and ex["results"][0]["bytes"] > 0
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    r = reel("index", "export", "--index", str(db), "-f", "parquet", "-o", str(tmp_path / "pq"))
    assert r.returncode == 0, r.stderr
    assert pq.read_table(tmp_path / "pq" / "shots.parquet").num_rows == 6
    # clear
    assert reel("index", "clear", "--index", str(db)).returncode == 0
    assert not db.exists() and all((lib / f"take{k}.mp4").exists() for k in range(3))


def test_corrupt_index_offers_clear(tmp_path: Path, reel) -> None:
    video = make_clip(tmp_path / "clip.mp4", seed=3)
    db = tmp_path / ".reelkit" / "index.sqlite"
    db.parent.mkdir()
    db.write_bytes(b"this is not a database" * 100)
    before = video.read_bytes()
    for args in (["shots", str(video)], ["analyze", str(tmp_path)], ["find", "--index", str(db)],
                 ["index", "status", "--index", str(db)]):
        r = reel(*args)
        assert r.returncode == 7, (args, r.stderr)
        assert "reel index clear" in r.stderr and "Traceback" not in r.stderr
    assert video.read_bytes() == before
    assert reel("index", "clear", "--index", str(db)).returncode == 0
    r = reel("shots", str(video), "--detect-only")
    assert r.returncode == 0 and json.loads(r.stdout)["transitions"]


def test_analyze_bad_arguments(tmp_path: Path, reel) -> None:
    r = reel("analyze", str(tmp_path / "missing.mp4"))
    assert r.returncode == 3 and "not found" in r.stderr
    r = reel("analyze", str(tmp_path), "--workers", "0")
    assert r.returncode == 2
    r = reel("find", "--index", str(tmp_path / "none.sqlite"))
    assert r.returncode == 7 and "reel analyze" in r.stderr


def test_analyze_speech_then_find_what_is_said(tmp_path: Path, shared_data: Path, reel) -> None:
    """`reel analyze --speech` transcribes real speech into the index, `reel find` finds a phrase in it with
    its time, and a second run has nothing left to do."""
    lib = tmp_path / "talks"
    lib.mkdir()
    shutil.copy(shared_data / "speech" / "whisper_jfk" / "jfk.flac", lib / "jfk.flac")  # "...fellow Americans..."
    make_clip(lib / "b-roll.mp4", seed=3, cut_at=10)  # no audio: nothing to transcribe
    r = reel("analyze", str(lib), "--speech", "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["counts"]["done"] == 2
    db = lib / ".reelkit" / "index.sqlite"
    hits = json.loads(reel("find", "fellow americans", "--index", str(db), "-f", "json").stdout)["hits"]
    assert [(Path(h["path"]).name, h["text"]) for h in hits] == [("jfk.flac", "fellow americans")]
    assert 1.0 < hits[0]["start_s"] < hits[0]["end_s"] < 3.0  # "my fellow Americans" ≈ 1.2-2.1 s into the clip
    assert json.loads(reel("find", "ask not", "--index", str(db), "-f", "json").stdout)["hits"]
    assert json.loads(reel("find", "americans fellow", "--index", str(db), "-f", "json").stdout)["hits"] == []
    again = reel("analyze", str(lib), "--speech", "-f", "json")
    assert json.loads(again.stdout)["counts"]["cached"] == 2
