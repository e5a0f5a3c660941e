"""Benchmark the BOARD path: shot list generation, 3-D panel rendering and animatic encoding.

No peer tool plans coverage or renders boards from a screenplay offline (Storyboarder's shot generator
is an interactive Electron app), so (1) and (2) are absolute numbers. For (3) the peer is the floor:
a plain PyAV H.264 encode of the same frames with the same settings, measured in the same run.

1. shot list: parse + ``generate_shotlist`` of the bundled sample screenplay repeated to about
   120 pages (``reelkit.script.paginate`` counts the pages), plus the 180° check of the result.
2. panels: ``render_shot`` of every setup of the sample screenplay at 320x180, 640x360 and 960x540
   (wall and CPU time: the development machine is shared, CPU time is the steadier number).
3. animatic: ``write_animatic`` of all panels at 640x360 / 24 fps vs a plain PyAV encode.

Usage::

    .venv/bin/python bench/board.py --out /tmp/reel-bench-board
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from fractions import Fraction
from importlib import resources
from pathlib import Path

import av
import numpy as np
from PIL import Image


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("/tmp/reel-bench-board"))
    ap.add_argument("--pages", type=int, default=120)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from reelkit.script import parse_fountain
    from reelkit.script.animatic import write_animatic
    from reelkit.script.board import render_panels, render_shot
    from reelkit.script.shotlist import generate_shotlist, line_crossings

    sample = Path(str(resources.files("reelkit") / "data" / "sample_script.fountain")).read_text()
    body = sample.split("FADE IN:", 1)[1]
    try:
        from reelkit.script.paginate import paginate

        pages_one = paginate(parse_fountain(sample)).page_count
    except Exception:  # pagination is the SCRIPT engineer's; fall back to a 55-lines-a-page estimate
        pages_one = max(1, len(sample.splitlines()) // 55)
    reps = max(1, round(args.pages / pages_one))
    big = sample + body * (reps - 1)
    t0 = time.perf_counter()
    sp = parse_fountain(big)
    t1 = time.perf_counter()
    sl = generate_shotlist(sp)
    t2 = time.perf_counter()
    crossings = line_crossings(sl)
    print(f"1. shot list: {reps}x sample ≈ {reps * pages_one} pages, {len(sp.scenes())} scenes: parse "
          f"{t1 - t0:.3f} s, generate_shotlist {t2 - t1:.3f} s → {len(sl.shots)} setups, {len(sl.beats)} panels, "
          f"{len(crossings)} cuts across the line")

    small = generate_shotlist(parse_fountain(sample))
    for w, h in ((320, 180), (640, 360), (960, 540)):
        times, cpu = [], []
        for sc in small.scenes:
            for s in sc.shots:
                t, c = time.perf_counter(), time.process_time()
                render_shot(sc, s, width=w, height=h)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        print(f"2. panels {w}x{h}: {len(times)} setups, wall median {statistics.median(times) * 1000:.0f} ms "
              f"(total {sum(times):.1f} s), CPU median {statistics.median(cpu) * 1000:.0f} ms "
              f"(total {sum(cpu):.1f} s)")

    panels = render_panels(small, width=640, height=360)
    t, c0 = time.perf_counter(), time.process_time()
    anim = write_animatic(panels, args.out / "animatic.mp4", rate=Fraction(24), force=True)
    t_ours, c_ours = time.perf_counter() - t, time.process_time() - c0
    # peer floor: plain PyAV encode of the same frames (pictures only, no subtitle drawing)
    pics = [np.asarray(Image.open(io.BytesIO(p.picture_png)).convert("RGB")) for p in panels]
    t, c0 = time.perf_counter(), time.process_time()
    with av.open(str(args.out / "plain.mp4"), "w") as c:
        st = c.add_stream("libx264", rate=24)
        st.width, st.height, st.pix_fmt = 640, 360, "yuv420p"
        st.options = {"crf": "23", "preset": "veryfast"}
        n = 0
        for pic, (s, e) in zip(pics, anim.cuts, strict=True):
            for _ in range(e - s):
                fr = av.VideoFrame.from_ndarray(pic, format="rgb24")
                fr.pts = n
                n += 1
                c.mux(st.encode(fr))
        c.mux(st.encode(None))
    t_plain, c_plain = time.perf_counter() - t, time.process_time() - c0
    print(f"3. animatic: {anim.frames} frames 640x360: write_animatic {t_ours:.2f} s wall / {c_ours:.2f} s CPU "
          f"({anim.frames / t_ours:.0f} fps) vs plain PyAV encode {t_plain:.2f} s wall / {c_plain:.2f} s CPU "
          f"({anim.frames / t_plain:.0f} fps)")


if __name__ == "__main__":
    main()
