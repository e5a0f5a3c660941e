"""Render speed of the one renderer's fronts on real clips (issue 11: one renderer, no slower than before).

For each clip: ``render_graded`` (one LUT, FFmpeg lut3d) and ``render_reframe`` (9:16 plan made once, outside
the timing), best of ``--repeat`` runs, wall and CPU seconds. Run it once per code version to compare
(``PYTHONPATH=<old checkout>/src`` for the old renderers; the plan is made by the checkout under test).

Run:  .venv/bin/python bench/render_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import reelkit
from reelkit.color.lut import bake

try:  # the renderer's location before and after the move to render/grade.py
    from reelkit.color.lut import GradedRange
    from reelkit.render.grade import render_graded
except ImportError:  # pragma: no cover - older checkouts
    from reelkit.color.render import GradedRange, render_graded  # type: ignore[no-redef]
from reelkit.edit.reframe import reframe
from reelkit.media import probe
from reelkit.render.reframe import render_reframe

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
CLIPS = [DATA / "reframe" / "talking_head" / "azure_avatar_asking_question.mp4",  # 1920x1080, 3.6 s
         DATA / "reframe" / "people" / "sam2_juggle.mp4"]  # 1280x720, 10.3 s


def _best(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - w, time.process_time() - c))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"reelkit from {Path(reelkit.__file__).parent}")
    lut = bake(lambda x: x ** 1.1, size=33)
    print("| clip | seconds | job | wall s | CPU s |\n|---|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for clip in CLIPS:
            info = probe(clip)
            dur = info.duration_s or 0.0
            n = info.require_video().frames
            plan = reframe(clip, "9:16", width=608)
            jobs = {
                "render_graded (lut3d)": lambda c=clip, k=n: render_graded(c, Path(tmp) / "g.mp4",
                                                                           [GradedRange(0, k, lut)], force=True),
                "render_reframe 9:16 608 px": lambda p=plan: render_reframe(p, Path(tmp) / "r.mp4", force=True),
            }
            for name, fn in jobs.items():
                w, c = _best(fn, args.repeat)
                print(f"| {clip.name} | {dur:.1f} | {name} | {w:.2f} | {c:.2f} |", flush=True)


if __name__ == "__main__":
    main()
