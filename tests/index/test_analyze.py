"""`reel analyze` jobs: a library into one index, resumable, bad files recorded, workers, faults."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reelkit.errors import MediaError
from reelkit.index.analyze import CRASH_ONCE_ENV, analyze_paths, shots
from reelkit.index.store import MediaIndex
from tests.index.conftest import make_clip

CLIPS = {"a.mp4", "b.mov", "sub/c.mkv", "noext"}


def _shot_table(db: Path) -> list[tuple]:
    with MediaIndex(db, readonly=True) as idx:
        return idx.query("SELECT fingerprint, shot, start_frame, end_frame, size, movement, exposure, faces, "
                         "loudness_lufs FROM shots ORDER BY fingerprint, shot")


def test_library_resume_moves_and_bad_files(library: Path) -> None:
    db = library / ".reelkit" / "index.sqlite"
    rep = analyze_paths([library])
    by = {Path(o.path).relative_to(library.resolve()).as_posix(): o for o in rep.outcomes}
    assert {k for k, o in by.items() if o.status == "done"} == CLIPS  # found by probing, suffix or not
    assert by["notes.txt"].status == "skipped"
    assert by["sub/broken.mp4"].status == "failed" and "corrupt" in by["sub/broken.mp4"].error
    assert rep.index == str(db)
    rows = _shot_table(db)
    assert len(rows) == 8 and all(r[8] is not None for r in rows)  # two shots per clip, loudness per shot
    # results identical to a single-file run of the same job
    single, _ = shots(library / "b.mov", index=library / "single.sqlite")  # (another index in the folder)
    with MediaIndex(db, readonly=True) as idx:
        fp = idx.fingerprint(library / "b.mov")
    mine = [r for r in rows if r[0] == fp]
    assert [(r[2], r[3]) for r in mine] == [(s.start, s.end) for s in single.shots]
    assert [r[5] for r in mine] == [s.log["camera"]["movement"] for s in single.shots]
    # a second run does nothing again; the failure stays recorded
    again = analyze_paths([library])
    assert {k: again.counts()[k] for k in ("done", "cached", "failed")} == {"done": 0, "cached": 4, "failed": 1}
    assert {Path(o.path).name for o in again.outcomes if o.status == "skipped"} == {"notes.txt", "single.sqlite"}
    # a moved + renamed file is found again; a replaced one is analysed afresh
    (library / "moved").mkdir()
    shutil.move(library / "a.mp4", library / "moved" / "renamed.mp4")
    make_clip(library / "b.mov", seed=77, cut_at=30)
    third = {Path(o.path).name: o.status for o in analyze_paths([library]).outcomes}
    assert third["renamed.mp4"] == "cached" and third["b.mov"] == "done"
    # a deleted file is listed as missing by status
    os.remove(library / "sub" / "c.mkv")
    with MediaIndex(db, readonly=True) as idx:
        st = idx.status()
    assert any(p.endswith("sub/c.mkv") for p in st["missing_paths"])
    assert st["files"]["failed"] == 1 and st["failed"][0]["path"].endswith("broken.mp4")


def test_two_workers_same_results_and_a_dying_worker(library: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    one = analyze_paths([library], index=tmp_path / "one.sqlite")
    monkeypatch.setenv(CRASH_ONCE_ENV, str(tmp_path / "crashed"))
    two = analyze_paths([library], index=tmp_path / "two.sqlite", workers=2)
    assert (tmp_path / "crashed").exists()  # a worker really died mid-file ...
    assert two.counts() == one.counts() == {"done": 4, "cached": 0, "failed": 1, "skipped": 1}  # ... and was retried
    assert _shot_table(tmp_path / "one.sqlite") == _shot_table(tmp_path / "two.sqlite")


def test_file_changing_while_analysed(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "grow.mp4", seed=5)

    def grow(done: int, total: int | None) -> None:
        with open(clip, "ab") as fh:
            fh.write(b"\0" * 16)

    with pytest.raises(MediaError, match="changed while"):
        shots(clip, detect_only=True, progress=grow)
    with MediaIndex(tmp_path / ".reelkit" / "index.sqlite") as idx:
        assert idx.query("SELECT COUNT(*) FROM results")[0][0] == 0


def _reel(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "reelkit.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL, **kw)


def _done_count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM files WHERE status='done'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _wait_done(db: Path, n: int, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    t0 = time.monotonic()
    while _done_count(db) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < timeout
        time.sleep(0.05)


def _survivors(marker: str) -> list[str]:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if marker in cmd:
                out.append(f"{pid}: {cmd}")
    return out


def test_kill_9_then_resume(library: Path) -> None:
    db = library / ".reelkit" / "index.sqlite"
    proc = _reel("analyze", str(library))
    _wait_done(db, 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    first = _done_count(db)
    assert 1 <= first < 4
    r = subprocess.run([sys.executable, "-m", "reelkit.cli.main", "analyze", str(library), "-f", "json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr  # the broken file
    counts = json.loads(r.stdout)["counts"]
    assert counts["cached"] >= first and counts["cached"] + counts["done"] == 4  # nothing redone
    with MediaIndex(db, readonly=True) as idx:
        assert idx.query("PRAGMA integrity_check")[0][0] == "ok"
        # nothing lost, nothing duplicated: shots, shotlog and loudness for each of the 4 clips
        assert idx.query("SELECT detector, COUNT(*) FROM results GROUP BY detector ORDER BY detector") == [
            ("loudness", 4), ("shotlog", 4), ("shots", 4), ("speech_levels", 4)]
        assert idx.query("SELECT COUNT(*) FROM shots")[0][0] == 8


def test_ctrl_c_stops_cleanly_without_orphans(library: Path) -> None:
    for k in range(4):  # more work, so the interrupt lands mid-run
        make_clip(library / f"extra{k}.mp4", seed=40 + k, frames=120)
    db = library / ".reelkit" / "index.sqlite"
    proc = _reel("analyze", str(library), "--workers", "2", start_new_session=True)
    _wait_done(db, 1, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Exception" not in err
    deadline = time.monotonic() + 15  # workers exit on their own after the interrupt; a loaded box is slow
    while _survivors(str(library)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _survivors(str(library)) == []
    with MediaIndex(db, readonly=True) as idx:
        assert idx.query("PRAGMA integrity_check")[0][0] == "ok"


def test_loudness_report_is_metered_once_and_shared_with_analyze(tmp_path: Path) -> None:
    from reelkit.audio import measure_file
    from reelkit.index.analyze import keys_for, loudness_report

    clip = tmp_path / "jfk.flac"
    shutil.copy(Path("../shared/data/speech/whisper_jfk/jfk.flac"), clip)
    db = tmp_path / ".reelkit" / "index.sqlite"
    first = loudness_report(clip)
    assert first == {"media": str(clip), **measure_file(clip).to_dict()}  # the same numbers as the plain meter
    key = keys_for()["loudness"]  # the row `reel analyze` writes and reads
    with MediaIndex(db) as idx:
        fp = idx.fingerprint(clip)
        stored = idx.get(fp, key)
        assert stored is not None and len(stored["momentary"]) > 100  # the series is kept for per-shot loudness
        idx.put(fp, key, {**stored, "integrated_lufs": -99.0})  # mark the row: a second report must read it
    assert loudness_report(clip)["integrated_lufs"] == -99.0
    assert loudness_report(clip, use_index=False)["integrated_lufs"] == first["integrated_lufs"]
    assert analyze_paths([clip]).counts()["failed"] == 0
    assert loudness_report(clip)["integrated_lufs"] == -99.0  # analyze used the row there, it did not meter again
    # options that change the reading are their own rows
    dlg = loudness_report(clip, dialogue=True)
    assert dlg["dialogue_lufs"] is not None and dlg["integrated_lufs"] == first["integrated_lufs"]
