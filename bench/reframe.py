"""Benchmark ``reel reframe``: subject containment, path smoothness, steadiness and speed vs baselines.

Evaluation set (``bench/data/reframe/eval_set.json``): real photographs from ../shared/data
(PySceneDetect's test video) are the world, a real portrait photograph is composited in as the
person with a soft matte, and a 1920×1080 virtual camera films it with known synthetic motion
(handheld shake, a pan); the clips are joined by hard cuts. Because we composite, the face box is
known in every frame. A two-person clip carries real speech (the bundled JFK clip) with the
speaker's mouth opening on the speech energy, the listener's at random: the required subject
there is the speaker. The bundled sample film is evaluated too: its walking figure's position is
known analytically (``reelkit/sample.py``).

Measured in ONE run on the same inputs:

* ours: ``detect_shots`` (the SHOTS detector) + ``reframe`` (analysis at 320 px, 2 detections/s)
* static centre crop
* per-frame centring on the detector output (the same OpenCV detector run on EVERY frame at the
  same analysis size; largest face, else person, else the previous position)
* per-frame centring + a 15-frame (0.5 s) moving average, within each detected shot

Metrics: containment (% of frames whose required box is fully inside the crop), mean |jerk| of the
window's x (px/frame³, inside shots only), crop motion inside the shots the eval set marks steady
(px, sum of |Δx|+|Δy|), speed of the analysis+planning (× real time, 1080p input).

Usage::

    .venv/bin/python bench/reframe.py --out bench/out/reframe
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
SPEC = REPO / "bench" / "data" / "reframe" / "eval_set.json"
REUSE = {"on": False}


# -- evaluation video ------------------------------------------------------------------------------

def _portrait() -> np.ndarray:
    import matplotlib.cbook as cbook
    from PIL import Image

    return np.asarray(Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB"))


def _person(height: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Portrait at ``height`` px, its soft elliptical matte (float 0..1) and the scale factor."""
    import cv2

    img = _portrait()
    s = height / img.shape[0]
    w = round(img.shape[1] * s)
    patch = cv2.resize(img, (w, height), interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[0:height, 0:w].astype(np.float32)
    # head-and-shoulders matte: an ellipse around the head over a wider one for the shoulders
    head = ((xx - 265 * s) / (175 * s)) ** 2 + ((yy - 230 * s) / (215 * s)) ** 2
    body = ((xx - 256 * s) / (260 * s)) ** 2 + ((yy - 600 * s) / (230 * s)) ** 2
    d = np.minimum(head, body)
    matte = np.clip((1.15 - d) / 0.3, 0.0, 1.0)
    return patch, matte[..., None], s


def _track(p: dict, n: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) person centre in world pixels."""
    t = np.arange(n) / fps
    x0, y0 = float(p["x"]), float(p["y"])
    if p["motion"] == "fidget":
        a = float(p["amp"])
        ph = rng.uniform(0, 6.28, 4)
        x = x0 + a * (0.6 * np.sin(2 * np.pi * 0.37 * t + ph[0]) + 0.4 * np.sin(2 * np.pi * 1.1 * t + ph[1]))
        y = y0 + 0.4 * a * (0.7 * np.sin(2 * np.pi * 0.29 * t + ph[2]) + 0.3 * np.sin(2 * np.pi * 0.9 * t + ph[3]))
    elif p["motion"] == "walk":
        x = x0 + (float(p["to_x"]) - x0) * t / t[-1]
        y = y0 + 6 * np.abs(np.sin(2 * np.pi * 1.0 * t))  # step bob
    elif p["motion"] == "wander":
        x = x0 + float(p["amp"]) * np.sin(2 * np.pi * t / float(p["period_s"]))
        y = y0 + 10 * np.sin(2 * np.pi * t / 1.3)
    else:
        raise ValueError(p["motion"])
    return np.stack([x, y], 1)


def build_eval_video(out: Path) -> dict:
    """Render the eval set to ``out`` (1080p H.264 + AAC); returns per-frame ground truth."""
    import cv2

    from reelkit.media import MediaWriter, read_audio, read_frames
    from reelkit.sample import speech_path
    from reelkit.time import parse_rate

    spec = json.loads(SPEC.read_text())
    W, H = spec["size"]
    rate = parse_rate(spec["rate"])
    fps = float(rate)
    fb = np.array(spec["face_box_in_portrait"], float)
    sr = 48000
    speech = read_audio(speech_path(), sample_rate=sr, channels=1).samples[0]
    rng = np.random.default_rng(7)
    gt: dict = {"frames": [], "clips": [], "cuts": []}
    margin = 120
    frame_no = 0
    with MediaWriter(out, width=W, height=H, rate=rate, crf=22, audio_rate=sr, audio_channels=1,
                     force=True) as wr:
        for clip in spec["clips"]:
            n = round(clip["seconds"] * fps)
            bg_spec = clip["background"]
            src = SHARED / bg_spec["video"]
            bg = next(iter(read_frames(src, start=bg_spec["frame"], end=bg_spec["frame"] + 1))).image
            pan = float(clip["camera"]["pan_px_per_s"])
            world_w = W + 2 * margin + int(abs(pan) * clip["seconds"]) + 1
            world = cv2.resize(bg, (world_w, H + 2 * margin), interpolation=cv2.INTER_CUBIC)
            people = []
            for p in clip["people"]:
                patch, matte, s = _person(int(p["height"]))
                people.append((p, patch, matte, s, _track(p, n, fps, rng)))
            t = np.arange(n) / fps
            sh = float(clip["camera"]["shake_px"])
            shake_x = (np.sin(2 * np.pi * 1.7 * t) + 0.5 * np.sin(2 * np.pi * 4.3 * t + 1)) / 1.5
            cam_x = margin + pan * t + sh * shake_x
            cam_y = margin + sh * (np.sin(2 * np.pi * 1.3 * t + 2) + 0.5 * np.sin(2 * np.pi * 3.7 * t)) / 1.5
            a0 = 0
            audio = np.zeros(round(n / fps * sr), np.float32)
            if clip.get("speech"):
                k = min(len(audio), len(speech))
                audio[:k] = speech[:k]
            hop = sr / fps
            rms = np.array([np.sqrt(np.mean(audio[int(i * hop):int((i + 1) * hop)] ** 2) + 1e-12) for i in range(n)])
            ref = np.percentile(rms, 90) if rms.max() > 0 else 1.0
            gt["clips"].append({"name": clip["name"], "start": frame_no, "end": frame_no + n - 1,
                                "expect": clip["expect"]})
            if frame_no:
                gt["cuts"].append(frame_no)
            for i in range(n):
                ox, oy = cam_x[i], cam_y[i]
                M = np.float32([[1, 0, -ox], [0, 1, -oy]])
                img = cv2.warpAffine(world, M, (W, H), flags=cv2.INTER_LINEAR).astype(np.float32)
                boxes = []
                for p, patch, matte, s, track in people:
                    ph, pw = patch.shape[:2]
                    cx, cy = track[i, 0] - ox + margin, track[i, 1] - oy + margin
                    x0, y0 = round(cx - pw / 2), round(cy - ph / 2)
                    pt = patch.astype(np.float32).copy()
                    mouth_open = 0.0
                    if p.get("speaks"):
                        mouth_open = float(np.clip(rms[i] / ref, 0, 1)) if rms[i] > 0.1 * ref else 0.0
                    elif clip.get("speech"):
                        mouth_open = 1.0 if rng.random() < 0.08 else 0.0
                    if mouth_open > 0:
                        mx, my = fb[0] + 0.5 * fb[2], fb[1] + 0.80 * fb[3]
                        axes = (int(0.16 * fb[2] * s), max(1, int(0.06 * fb[3] * s * mouth_open)))
                        cv2.ellipse(pt, (int(mx * s), int(my * s)), axes, 0, 0, 360, (70, 25, 30), -1)
                    xa, ya = max(0, x0), max(0, y0)
                    xb, yb = min(W, x0 + pw), min(H, y0 + ph)
                    if xb > xa and yb > ya:
                        m = matte[ya - y0:yb - y0, xa - x0:xb - x0]
                        img[ya:yb, xa:xb] = img[ya:yb, xa:xb] * (1 - m) + pt[ya - y0:yb - y0, xa - x0:xb - x0] * m
                    boxes.append([x0 + fb[0] * s, y0 + fb[1] * s, fb[2] * s, fb[3] * s])
                wr.write_video(np.clip(img + 0.5, 0, 255).astype(np.uint8))
                a1 = round((i + 1) / fps * sr)
                wr.write_audio(audio[None, a0:a1])
                a0 = a1
                gt["frames"].append({"required": boxes[clip["required"]], "all": boxes})
            frame_no += n
    gt["n"] = frame_no
    gt["rate"] = spec["rate"]
    gt["size"] = [W, H]
    return gt


# -- baselines --------------------------------------------------------------------------------------

def per_frame_detections(video: Path, analysis_side: int = 320) -> list[tuple[float, float] | None]:
    """The detector on every frame: centre of the largest face, else of the largest person."""
    from reelkit.analysis.subjects import detect_subjects
    from reelkit.media import output_size, probe, read_frames

    info = probe(video)
    sw, _ = output_size(info.require_video())
    out: list[tuple[float, float] | None] = []
    for fr in read_frames(video, max_side=analysis_side, info=info):
        s = sw / fr.image.shape[1]
        subs = detect_subjects(fr.image, kinds=("face",)) or detect_subjects(fr.image, kinds=("person",))
        if subs:
            b = max(subs, key=lambda x: x.area)
            out.append((b.center[0] * s, b.center[1] * s))
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


# -- metrics -----------------------------------------------------------------------------------------

def containment(x: np.ndarray, y: np.ndarray, cw: int, ch: int, boxes: np.ndarray) -> np.ndarray:
    bx, by, bw, bh = boxes.T
    return (x <= bx) & (y <= by) & (x + cw >= bx + bw) & (y + ch >= by + bh)


def jerk_in_shots(x: np.ndarray, shots: list[tuple[int, int]]) -> float:
    vals = [np.abs(np.diff(x[s:e + 1], 3)) for s, e in shots if e - s >= 3]
    return float(np.mean(np.concatenate(vals))) if vals else 0.0


def motion(x: np.ndarray, y: np.ndarray, s: int, e: int) -> float:
    return float(np.abs(np.diff(x[s:e + 1])).sum() + np.abs(np.diff(y[s:e + 1])).sum())


def evaluate(name: str, video: Path, boxes: np.ndarray, shots_truth: list[tuple[int, int]],
             steady: list[tuple[int, int]], out_dir: Path, duration_s: float) -> dict:
    from reelkit.edit.reframe import reframe, shot_spans
    from reelkit.media import probe

    info = probe(video)
    c0 = time.process_time()
    t0 = time.perf_counter()
    spans = shot_spans(video, info=info, use_index=False)
    t1 = time.perf_counter()
    plan = reframe(video, "9:16", shots=spans, info=info, width=540)
    t2 = time.perf_counter()
    cpu = time.process_time() - c0  # all threads of this process
    W, H = plan.path.source_size
    cw, ch = int(plan.path.windows[0][2]), int(plan.path.windows[0][3])
    win = plan.path.windows.astype(float)
    n = min(len(win), len(boxes))
    t3 = time.perf_counter()
    cache = out_dir / f"{name}_baseline_detections.json"
    if REUSE["on"] and cache.exists():
        dets = [tuple(d) if d else None for d in json.loads(cache.read_text())]
    else:
        dets = per_frame_detections(video)
        cache.write_text(json.dumps(dets))
    t4 = time.perf_counter()
    shots = spans or [(0, n - 1)]
    centre_x = np.full(n, (W - cw) / 2)
    cent = centring_path(dets[:n], W, cw)
    ma = moving_average(cent, shots)
    y_fixed = np.full(n, (H - ch) / 2)
    methods = {
        "reelkit (ours)": (win[:n, 0], win[:n, 1]),
        "static centre crop": (centre_x, y_fixed),
        "per-frame centring": (cent, y_fixed),
        "per-frame centring + moving average (15)": (ma, y_fixed),
    }
    known = np.all(np.isfinite(boxes[:n]), axis=1)
    rows = {}
    for m, (x, y) in methods.items():
        c = containment(x, y, cw, ch, boxes[:n])
        rows[m] = {
            "containment_pct": round(100.0 * float(c[known].mean()), 2),
            "mean_abs_jerk_px_per_frame3": round(jerk_in_shots(x, shots), 4),
            "motion_in_steady_shots_px": round(sum(motion(x, y, s, e) for s, e in steady), 1),
        }
    res = {
        "name": name, "frames": n, "duration_s": round(duration_s, 2), "source": [W, H], "window": [cw, ch],
        "shots_detected": [list(s) for s in shots], "shots_truth": [list(s) for s in shots_truth],
        "modes": [s.to_dict() for s in plan.path.shots], "subjects": plan.subjects,
        "speaker_shots": sorted(plan.speakers),
        "time_shots_s": round(t1 - t0, 2), "time_reframe_s": round(t2 - t1, 2),
        "speed_x_realtime": round(duration_s / (t2 - t0), 2),
        "cpu_s": round(cpu, 2),
        "speed_x_realtime_per_cpu_second": round(duration_s / cpu, 2),
        "time_per_frame_detection_baseline_s": round(t4 - t3, 2),
        "methods": rows,
    }
    (out_dir / f"{name}_path.json").write_text(json.dumps({"frames": plan.path.to_dict()["frames"]}))
    res["_plan"] = plan
    return res


def contact_sheet(video_out: Path, source: Path, plan, boxes: np.ndarray, frames: list[int], path: Path) -> None:
    """Source frames (window in green, required box in red) above the rendered vertical frames."""
    import cv2
    from PIL import Image

    from reelkit.media import read_frames

    want = set(frames)
    src = {f.index: f.image for f in read_frames(source, max_side=480) if f.index in want}
    out = {f.index: f.image for f in read_frames(video_out) if f.index in want}
    cols = []
    for i in frames:
        s_img = src[i].copy()
        sc = s_img.shape[1] / plan.path.source_size[0]
        x, y, w, h = (int(v * sc) for v in plan.path.windows[i])
        cv2.rectangle(s_img, (x, y), (x + w - 1, y + h - 1), (0, 255, 0), 2)
        if np.all(np.isfinite(boxes[i])):
            bx, by, bw, bh = (int(v * sc) for v in boxes[i])
            cv2.rectangle(s_img, (bx, by), (bx + bw, by + bh), (255, 0, 0), 1)
        v = out[i]
        vh = 360
        v = cv2.resize(v, (round(v.shape[1] * vh / v.shape[0]), vh), interpolation=cv2.INTER_AREA)
        s_img = cv2.resize(s_img, (v.shape[1] * 2, round(s_img.shape[0] * v.shape[1] * 2 / s_img.shape[1])))
        col = np.zeros((s_img.shape[0] + vh + 8, s_img.shape[1], 3), np.uint8)
        col[:s_img.shape[0]] = s_img
        xo = (col.shape[1] - v.shape[1]) // 2
        col[s_img.shape[0] + 8:, xo:xo + v.shape[1]] = v
        cv2.putText(col, str(i), (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 0), 1)
        cols.append(col)
    sheet = np.concatenate([np.pad(c, ((0, 0), (0, 6), (0, 0))) for c in cols], axis=1)
    Image.fromarray(sheet).save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "reframe")
    ap.add_argument("--no-render", action="store_true", help="skip the rendered videos and contact sheets")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the eval video and the per-frame baseline detections of a previous run in --out")
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    from reelkit.render.reframe import render_reframe
    from reelkit.sample import SAMPLE_CUTS, SAMPLE_DISSOLVES, write_sample

    results = []
    # 1) the composited 1080p eval set
    video = out / "eval_1080p.mp4"
    t = time.perf_counter()
    if args.reuse and video.exists() and (out / "eval_truth.json").exists():
        gt = json.loads((out / "eval_truth.json").read_text())
    else:
        gt = build_eval_video(video)
        print(f"built {video} ({gt['n']} frames) in {time.perf_counter() - t:.1f} s", flush=True)
        (out / "eval_truth.json").write_text(json.dumps(gt))
    REUSE["on"] = args.reuse
    boxes = np.array([f["required"] for f in gt["frames"]], float)
    truth_shots = [(c["start"], c["end"]) for c in gt["clips"]]
    steady = [(c["start"], c["end"]) for c in gt["clips"] if c["expect"] == "steady"]
    dur = gt["n"] / float(Fraction(gt["rate"]))
    r1 = evaluate("eval_1080p", video, boxes, truth_shots, steady, out, dur)
    results.append(r1)
    # per clip containment of ours
    win = r1["_plan"].path.windows
    cw, ch = r1["window"]
    r1["per_clip"] = {}
    for c in gt["clips"]:
        s, e = c["start"], c["end"]
        cont = containment(win[s:e + 1, 0], win[s:e + 1, 1], cw, ch, boxes[s:e + 1])
        r1["per_clip"][c["name"]] = {"containment_pct": round(100 * float(cont.mean()), 2), "expect": c["expect"],
                                     "modes": [m["mode"] for m in r1["modes"] if m["start"] <= e and m["end"] >= s]}
    # 2) the bundled sample film (640x360): the figure box is known analytically in frames 90..194
    sample = write_sample(out / "sample.mp4", force=True)
    n_s = 330
    sb = np.full((n_s, 4), np.nan)
    for f in range(SAMPLE_CUTS[0], SAMPLE_DISSOLVES[0][0]):
        cx = 120 + 3.2 * (f - 90)
        sb[f] = (cx - 30, 93, 60, 205)
    steady_s = []  # no shot of the sample must be steady by construction (the pan is a camera move)
    r2 = evaluate("sample_film", sample, sb, [(0, 89), (90, 209), (210, 329)], steady_s, out,
                  n_s / float(Fraction(30000, 1001)))
    results.append(r2)
    if not args.no_render:
        t = time.perf_counter()
        v1 = render_reframe(r1["_plan"], out / "eval_vertical.mp4", force=True)
        r1["render_s"] = round(time.perf_counter() - t, 2)
        frames = []
        for c in gt["clips"]:
            s, e = c["start"], c["end"]
            frames += [s + 5, (s + e) // 2, e - 5]
        contact_sheet(v1, video, r1["_plan"], boxes, frames[:6], out / "contact_sheet_1.png")
        contact_sheet(v1, video, r1["_plan"], boxes, frames[6:], out / "contact_sheet_2.png")
        v2 = render_reframe(r2["_plan"], out / "sample_vertical.mp4", force=True)
        contact_sheet(v2, sample, r2["_plan"], sb, [10, 60, 95, 130, 165, 190, 250, 300],
                      out / "contact_sheet_sample.png")
    for r in results:
        r.pop("_plan")
    summary = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs", "results": results,
               "load_avg_at_end": os.getloadavg()}
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
