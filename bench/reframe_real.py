"""Benchmark ``reel reframe`` on REAL footage with people: head containment, cut-off share, jerk, speed.

Data: the real clips of ../shared/data (reframe/people, reframe/talking_head; MANIFEST.md), the reference
head boxes in ``bench/data/reframe/real_heads.json`` (hand-checked, see its ``about``), plus one bad-input
case built from a real clip: ``intel_asl_again`` (640×480, 4:3) pillarboxed into a 1920×1080 (16:9)
container with black bars (the reference boxes are mapped the same way).

Held out from tuning (looked at only to measure): ``intel_asl_walk``, ``azure_avatar_status0_speaking_4k``
and the pillarboxed clip. Tuned on: the rest.

Measured in ONE run on the same inputs, each at 9:16:

* ours: ``detect_shots`` + ``reframe`` (default backend = mediapipe pose-full + face short/full range,
  2 detections per second at 320 px, tracks, main-subject decision, active picture area);
* static centre crop (of the whole container, as a naive tool does);
* per-frame centring: the same mediapipe detector on EVERY frame at the same size, window centred on the
  largest person's head (else the previous position);
* per-frame centring + a 15-frame moving average, within each detected shot.

Metrics per clip and pooled: containment (% of reference frames whose head box is fully inside the
window), cut-off share (100 − containment), bar share (% of frames whose window covers a black bar, for
the pillarbox case), mean |jerk| of the window x (px/frame³ inside shots) and the ratio to per-frame
centring, analysis speed (× real time against process CPU time and wall time; the machine is shared).

Usage::

    .venv/bin/python bench/reframe_real.py --out bench/out/reframe_real
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
HEADS = REPO / "bench" / "data" / "reframe" / "real_heads.json"
CLIPS = {
    "intel_one_by_one_person": "reframe/people/intel_one_by_one_person.mp4",
    "intel_asl_again": "reframe/people/intel_asl_again.mkv",
    "intel_asl_walk": "reframe/people/intel_asl_walk.mkv",
    "tfjs_facemesh_selfie": "reframe/people/tfjs_facemesh_selfie.mp4",
    "sam2_juggle": "reframe/people/sam2_juggle.mp4",
    "sam2_bedroom_two_kids": "reframe/people/sam2_bedroom_two_kids.mp4",
    "azure_avatar_asking_question": "reframe/talking_head/azure_avatar_asking_question.mp4",
    "azure_avatar_status0_speaking_4k": "reframe/talking_head/azure_avatar_status0_speaking_4k.mp4",
}
HELD_OUT = {"intel_asl_walk", "azure_avatar_status0_speaking_4k", "pillarbox_asl_again_in_1080p"}


def pillarbox(src: Path, out: Path) -> tuple[int, int, float]:
    """Put a 4:3 clip into a 1920×1080 frame with black side bars; returns (x offset, y offset, scale)."""
    import cv2

    from reelkit.media import MediaWriter, probe, read_frames

    info = probe(src)
    v = info.require_video()
    s = 1080 / v.height
    w = round(v.width * s)
    x0 = (1920 - w) // 2
    with MediaWriter(out, width=1920, height=1080, rate=info.require_rate(), crf=20, force=True) as wr:
        for fr in read_frames(src):
            canvas = np.zeros((1080, 1920, 3), np.uint8)
            canvas[:, x0:x0 + w] = cv2.resize(fr.image, (w, 1080), interpolation=cv2.INTER_CUBIC)
            wr.write_video(canvas)
    return x0, 0, s


def per_frame_heads(video: Path, analysis_side: int = 320) -> list[tuple[float, float] | None]:
    """The product's detector on every frame: centre of the largest person's head (else largest face)."""
    from reelkit.analysis.subjects import detect_subjects
    from reelkit.media import output_size, probe, read_frames

    info = probe(video)
    sw, _ = output_size(info.require_video())
    out: list[tuple[float, float] | None] = []
    for fr in read_frames(video, max_side=analysis_side, info=info, draft=True):
        s = sw / fr.image.shape[1]
        subs = [x for x in detect_subjects(fr.image, kinds=("face", "person")) if x.head]
        if subs:
            b = max(subs, key=lambda x: x.head[2] * x.head[3])  # type: ignore[index]
            hx, hy, hw, hh = b.head  # type: ignore[misc]
            out.append(((hx + hw / 2) * s, (hy + hh / 2) * s))
        else:
            out.append(None)
    return out


def centring_path(dets: list[tuple[float, float] | None], W: int, cw: int) -> np.ndarray:
    x = np.empty(len(dets))
    last = (W - cw) / 2
    for i, d in enumerate(dets):
        if d is not None:
            last = float(np.clip(d[0] - cw / 2, 0, W - cw))
        x[i] = last
    return x


def moving_average(x: np.ndarray, shots: list[tuple[int, int]], k: int = 15) -> np.ndarray:
    from scipy.ndimage import uniform_filter1d

    y = x.copy()
    for s, e in shots:
        y[s:e + 1] = uniform_filter1d(x[s:e + 1], size=min(k, e - s + 1), mode="nearest")
    return y


def jerk_in_shots(x: np.ndarray, shots: list[tuple[int, int]]) -> float:
    vals = [np.abs(np.diff(x[s:e + 1], 3)) for s, e in shots if e - s >= 3]
    return float(np.mean(np.concatenate(vals))) if vals else 0.0


def evaluate(name: str, video: Path, heads: dict[int, list[float]], bars: tuple[int, int] | None) -> dict:
    from reelkit.edit.reframe import reframe, shot_spans
    from reelkit.media import probe

    info = probe(video)
    dur = float(info.duration_s or 0)
    c0, t0 = time.process_time(), time.perf_counter()
    spans = shot_spans(video, info=info, use_index=False)
    plan = reframe(video, "9:16", shots=spans, info=info, width=540)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    W, H = plan.path.source_size
    win = plan.path.windows.astype(float)
    cw, ch = int(win[0][2]), int(win[0][3])
    n = len(win)
    c1 = time.process_time()
    dets = per_frame_heads(video)[:n]
    base_cpu = time.process_time() - c1
    dets += [None] * (n - len(dets))
    shots = spans or [(0, n - 1)]
    full_cw = int(min(W, round(H * 9 / 16)))
    methods = {
        "reelkit (ours)": (win[:, 0], win[:, 1], cw, ch),
        "static centre crop": (np.full(n, (W - full_cw) / 2), np.zeros(n), full_cw, H),
        "per-frame centring": (centring_path(dets, W, full_cw), np.zeros(n), full_cw, H),
        "per-frame centring + moving average (15)": (moving_average(centring_path(dets, W, full_cw), shots),
                                                     np.zeros(n), full_cw, H),
    }
    rows = {}
    for m, (x, y, w, h) in methods.items():
        ok = []
        for f, (bx, by, bw, bh) in heads.items():
            if f < n:
                # the part of the head inside the picture: where the camera itself cut the head off
                # (a box reaching above the top edge), no window can hold more than that
                x0, y0 = max(bx, 0.0), max(by, 0.0)
                x1, y1 = min(bx + bw, float(W)), min(by + bh, float(H))
                ok.append(x[f] <= x0 + 0.5 and y[f] <= y0 + 0.5 and x[f] + w >= x1 - 0.5 and y[f] + h >= y1 - 0.5)
        row = {"containment_pct": round(100.0 * float(np.mean(ok)), 1) if ok else None, "n_ref": len(ok),
               "contained": int(np.sum(ok)), "mean_abs_jerk": round(jerk_in_shots(x, shots), 4),
               "cut_off_frames": [f for f, good in zip([f for f in heads if f < n], ok, strict=True) if not good]}
        if bars is not None:
            lo, hi = bars
            row["frames_showing_bar_pct"] = round(100.0 * float(np.mean((x < lo - 0.5) | (x + w > hi + 0.5))), 1)
        rows[m] = row
    pf = rows["per-frame centring"]["mean_abs_jerk"]
    rows["reelkit (ours)"]["jerk_vs_per_frame"] = round(rows["reelkit (ours)"]["mean_abs_jerk"] / pf, 4) if pf else None
    return {"name": name, "held_out": name in HELD_OUT, "source": [W, H], "frames": n, "duration_s": round(dur, 2),
            "window": [cw, ch], "backend": plan.backend, "active_area": list(plan.active_area or ()),
            "shots": [s.to_dict() for s in plan.path.shots],
            "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "x_realtime_cpu": round(dur / cpu, 2) if cpu else None,
            "x_realtime_wall": round(dur / wall, 2) if wall else None,
            "per_frame_baseline_cpu_s": round(base_cpu, 2), "methods": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "reframe_real")
    ap.add_argument("--only", nargs="*", help="clip names to run (default all)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ref = json.loads(HEADS.read_text())["heads"]
    results = []
    todo = [(k, SHARED / v, {int(f): b for f, b in ref.get(k, {}).items()}, None) for k, v in CLIPS.items()]
    pb = args.out / "pillarbox_asl_again_in_1080p.mp4"
    x0, y0, s = pillarbox(SHARED / CLIPS["intel_asl_again"], pb)
    pb_heads = {f: [x0 + b[0] * s, y0 + b[1] * s, b[2] * s, b[3] * s] for f, b in
                ((int(f), b) for f, b in ref["intel_asl_again"].items())}
    todo.append(("pillarbox_asl_again_in_1080p", pb, pb_heads, (x0, 1920 - x0)))
    for name, video, heads, bars in todo:
        if args.only and name not in args.only:
            continue
        r = evaluate(name, video, heads, bars)
        results.append(r)
        print(name, {m: (v["containment_pct"], v["mean_abs_jerk"]) for m, v in r["methods"].items()},
              r["x_realtime_cpu"], flush=True)
    pooled = {}
    for m in results[0]["methods"] if results else []:
        for part, sel in (("all", lambda r: True), ("tuning", lambda r: not r["held_out"]),
                          ("held_out", lambda r: r["held_out"])):
            rs = [r for r in results if sel(r)]
            n_ref = sum(r["methods"][m]["n_ref"] for r in rs)
            ok = sum(r["methods"][m]["contained"] for r in rs)
            pooled.setdefault(m, {})[part] = {"containment_pct": round(100 * ok / n_ref, 1) if n_ref else None,
                                              "cut_off_pct": round(100 - 100 * ok / n_ref, 1) if n_ref else None,
                                              "n_ref": n_ref}
        pooled[m]["mean_abs_jerk"] = round(float(np.mean([r["methods"][m]["mean_abs_jerk"] for r in results])), 4)
    summary = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs (shared)",
               "load_avg_at_end": os.getloadavg(), "pooled": pooled, "results": results}
    (args.out / "results.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(pooled, indent=2))


if __name__ == "__main__":
    main()
