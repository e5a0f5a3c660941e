"""Second runs from the media index: each analysing command run twice on unchanged files with a fresh index.

Issue 11's target: a command's second run on an unchanged file reads what the first one stored and is
≤ 0.1× the first run's wall time. Each case gets a fresh folder and a fresh index file (``--index``), runs the
real CLI twice with the same arguments (``--force`` the second time) and compares the outputs byte for byte
(the timeline, caption and JSON files, not the provenance sidecars, whose ECDSA signature differs on every
run).

Data (../shared/data, real recordings): the 203 s physics lecture (audio; ``speech/lecture``), the script-to-take
set of ``bench/assembly_takes.py`` (35 takes), a GRID talking head (``av/grid``) for the reframe.

Usage::

    .venv/bin/python bench/second_runs.py            # all cases
    .venv/bin/python bench/second_runs.py cut assemble
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
REEL = str(ROOT / ".venv" / "bin" / "reel")
LECTURE = DATA / "speech" / "lecture" / "physicsworks_audio.webm"
GRID = DATA / "av" / "grid"

sys.path.insert(0, str(ROOT / "bench"))


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        # a provenance sidecar's signature is randomised (ECDSA): compare everything else
        if p.is_file() and p.suffix in (".otio", ".fcpxml", ".xml", ".edl", ".json", ".srt", ".csv") \
                and not p.name.endswith(".provenance.json"):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _run(args: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run([REEL, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"reel {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    return wall


def case_cut(tmp: Path) -> tuple[list[str], Path]:
    src = tmp / LECTURE.name
    shutil.copy(LECTURE, src)
    out = tmp / "out"
    return ["cut", str(src), "--silence", "--fillers", "-e", "otio", "-o", str(out / "lecture.otio")], out


def case_cutdown(tmp: Path) -> tuple[list[str], Path]:
    src = tmp / LECTURE.name
    shutil.copy(LECTURE, src)
    full = tmp / "lecture.otio"
    _run(["cut", str(src), "--silence", "-e", "otio", "-o", str(full), "--index", str(tmp / "other.sqlite")])
    return ["cutdown", str(full), "-d", "30", "-d", "60", "-o", str(tmp / "out" / "lecture.otio")], tmp / "out"


def case_highlights(tmp: Path) -> tuple[list[str], Path]:
    src = tmp / LECTURE.name
    shutil.copy(LECTURE, src)
    return ["highlights", str(src), "-n", "3", "--min", "10", "--max", "40", "-o", str(tmp / "out")], tmp / "out"


def case_assemble(tmp: Path) -> tuple[list[str], Path]:
    from assembly_takes import make_folder

    takes = make_folder(tmp / "takes")
    script = ROOT / "bench" / "data" / "assembly" / "scene.fountain"
    return ["assemble", str(script), str(takes), "-o", str(tmp / "out" / "assembly.otio")], tmp / "out"


def case_reframe(tmp: Path) -> tuple[list[str], Path]:
    src = tmp / "grid.mpg"
    shutil.copy(sorted(GRID.glob("*.mpg"))[0], src)
    return ["reframe", str(src), "-e", "json", "-o", str(tmp / "out" / "path.json")], tmp / "out"


CASES: dict[str, Callable[[Path], tuple[list[str], Path]]] = {
    "cut": case_cut, "cutdown": case_cutdown, "highlights": case_highlights, "assemble": case_assemble,
    "reframe": case_reframe,
}


def main() -> None:
    names = sys.argv[1:] or list(CASES)
    print(f"machine: {os.cpu_count()} cores; wall seconds; fresh folder and index per case")
    print("| command | first run | second run | ratio | outputs identical |")
    print("|---|---:|---:|---:|---|")
    for name in names:
        with tempfile.TemporaryDirectory(dir=ROOT.parent) as d:
            tmp = Path(d)
            args, out = CASES[name](tmp)
            out.mkdir(parents=True, exist_ok=True)
            args = [*args, "--index", str(tmp / "index.sqlite")]
            first = _run(args)
            d1 = _digest(list(out.rglob("*")))
            second = _run([*args, "--force"])
            d2 = _digest(list(out.rglob("*")))
            print(f"| reel {name} | {first:.2f} s | {second:.2f} s | {second / first:.2f}× | "
                  f"{'yes' if d1 == d2 else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
