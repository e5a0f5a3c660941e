"""Stress videos with known shot boundaries, built from real footage.

Shots are camera moves (static, pan, tilt, zoom, handheld, whip pan) rendered over real photographs
(frames of PySceneDetect's testvideo.mp4 and of the bundled sample film, mirrored/zoomed/colour-
shifted into distinct views) and over procedurally rendered scenes (smooth colour fields with moving
shapes). Between shots: hard cuts, cross-dissolves, fades out/in through black or white, and wipes.
Inside shots: traps that are NOT boundaries — camera flashes (1-3 bright frames) and fast motion.

The ground truth follows the issue's convention: a cut at N = first frame of the new shot; a gradual
transition is the inclusive span of its mixed frames (fades: the frames between the picture and the
flat black/white hold, each side listed separately).

Usage::

    .venv/bin/python bench/make_stress.py --out bench/out/stress          # 3 videos, 640x360
    .venv/bin/python bench/make_stress.py --out /tmp/s --size 160x90 --shots 8 --videos 1
    .venv/bin/python bench/make_stress.py --long 310     # bench/out/long_1080p.mp4 from bench/out/stress

The library function :func:`make_stress_video` is also used (with small sizes) by the tests.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from reelkit.media import MediaWriter, read_frames

REPO = Path(__file__).resolve().parents[1]
TESTVIDEO = (REPO / ".." / "shared" / "data" / "shots" / "videos" / "pyscenedetect" / "testvideo.mp4").resolve()
#: frames of testvideo.mp4 that show its four photographs at full brightness
PHOTO_FRAMES = (100, 280, 460, 610)


def load_photos(testvideo: Path = TESTVIDEO, *, max_side: int = 1280) -> list[np.ndarray]:
    """Real photographs: the stills of PySceneDetect's test video plus frames of the sample film."""
    photos: list[np.ndarray] = []
    want = set(PHOTO_FRAMES)
    for f in read_frames(testvideo, max_side=max_side, start=min(want), end=max(want) + 1):
        if f.index in want:
            photos.append(f.image.copy())
    from reelkit.sample import sample_path

    for f in read_frames(sample_path(), max_side=max_side, start=40, end=261):
        if f.index in (40, 150, 260):
            photos.append(f.image.copy())
    return photos


def procedural_scene(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A smooth random colour field with shapes (float RGB 0-255, 2w×2h so there is room to move)."""
    big_w, big_h = 2 * w, 2 * h
    img = np.zeros((big_h, big_w, 3), np.float32)
    for scale in (4, 16, 64):
        noise = rng.random((max(2, big_h // scale), max(2, big_w // scale), 3)).astype(np.float32)
        img += cv2.resize(noise, (big_w, big_h), interpolation=cv2.INTER_CUBIC) * (255 / 3)
    base = rng.random(3) * 255
    img = 0.5 * img + 0.5 * base[None, None, :]
    for _ in range(int(rng.integers(3, 9))):
        c = tuple(float(v) for v in rng.random(3) * 255)
        center = (int(rng.integers(0, big_w)), int(rng.integers(0, big_h)))
        if rng.random() < 0.5:
            cv2.circle(img, center, int(rng.integers(big_h // 20 + 1, big_h // 5 + 2)), c, -1)
        else:
            d = (int(rng.integers(big_w // 20 + 1, big_w // 4 + 2)), int(rng.integers(big_h // 20 + 1, big_h // 4 + 2)))
            cv2.rectangle(img, center, (center[0] + d[0], center[1] + d[1]), c, -1)
    return np.clip(img, 0, 255)


@dataclass
class ShotPlan:
    """One shot: a source picture viewed by a moving virtual camera."""

    source: np.ndarray  # RGB, uint8 or float32 0-255
    frames: int
    motion: str  # static | pan | tilt | zoom_in | zoom_out | handheld | whip (fast-motion trap)
    speed: float
    flashes: list[int] = field(default_factory=list)  # shot-relative frames that flash
    gain: np.ndarray = field(default_factory=lambda: np.ones(3, np.float32))
    seed: int = 0


def render_shot_frame(plan: ShotPlan, i: int, w: int, h: int, *, flash: bool = True) -> np.ndarray:
    """Frame ``i`` of a shot as float32 RGB (h, w, 3) in 0-255 (flash traps only when ``flash``:
    they are placed in the body of a shot, not inside transitions)."""
    src = plan.source
    sh, sw = src.shape[:2]
    base_zoom = min(sw / w, sh / h) * 0.6  # source pixels per output pixel
    cx, cy, zoom = sw / 2, sh / 2, base_zoom
    t = i - plan.frames / 2
    if plan.motion == "pan":
        cx += plan.speed * t * base_zoom
    elif plan.motion == "tilt":
        cy += plan.speed * t * base_zoom
    elif plan.motion == "whip":
        cx += plan.speed * t * base_zoom
    elif plan.motion == "zoom_in":
        zoom = base_zoom * (1 - plan.speed) ** (i)
    elif plan.motion == "zoom_out":
        zoom = base_zoom * 0.6 * (1 + plan.speed) ** (i)
    elif plan.motion == "handheld":
        r = np.random.default_rng(plan.seed + i)
        cx += float(r.normal(0, 3)) * base_zoom
        cy += float(r.normal(0, 3)) * base_zoom
    m = np.array([[zoom, 0, cx - zoom * w / 2], [0, zoom, cy - zoom * h / 2]], np.float32)
    img = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    img = img * plan.gain[None, None, :]
    if flash and i in plan.flashes:  # a camera flash: most of the picture blown out towards white
        img = img * 0.4 + 200.0
    return img


def plan_video(rng: np.random.Generator, photos: list[np.ndarray], n_shots: int, w: int, h: int,
               rate: Fraction) -> tuple[list[ShotPlan], list[tuple[str, dict[str, Any]]]]:
    """Random shots and the transitions between them."""
    plans: list[ShotPlan] = []
    for _k in range(n_shots):
        if rng.random() < 0.65:
            src = photos[int(rng.integers(len(photos)))]
            if rng.random() < 0.5:
                src = src[:, ::-1].copy()
            # a distinct crop so that two shots of one photo differ
            sh, sw = src.shape[:2]
            fx, fy = rng.uniform(0.55, 1.0), rng.uniform(0.55, 1.0)
            x0 = int(rng.uniform(0, sw * (1 - fx)))
            y0 = int(rng.uniform(0, sh * (1 - fy)))
            src = src[y0:y0 + int(sh * fy), x0:x0 + int(sw * fx)].copy()
        else:
            src = procedural_scene(rng, min(w, 640), min(h, 360)).astype(np.uint8)
        motion = str(rng.choice(["static", "pan", "tilt", "zoom_in", "zoom_out", "handheld", "whip"],
                                p=[0.2, 0.2, 0.1, 0.12, 0.12, 0.16, 0.1]))
        speed = {"static": 0.0, "pan": rng.uniform(0.5, 4) * rng.choice([-1, 1]),
                 "tilt": rng.uniform(0.5, 3) * rng.choice([-1, 1]), "zoom_in": rng.uniform(0.003, 0.01),
                 "zoom_out": rng.uniform(0.003, 0.01), "handheld": 0.0,
                 "whip": rng.uniform(12, 30) * rng.choice([-1, 1])}[motion]
        frames = int(rng.integers(int(rate * 2), int(rate * 4)))
        flashes: list[int] = []
        if rng.random() < 0.3:
            f0 = int(rng.integers(10, frames - 10))
            flashes = list(range(f0, f0 + int(rng.integers(1, 4))))
        gain = rng.uniform(0.8, 1.2, 3).astype(np.float32)
        plans.append(ShotPlan(src, frames, motion, float(speed), flashes, gain, seed=int(rng.integers(1 << 30))))
    joins: list[tuple[str, dict[str, Any]]] = []
    for _ in range(n_shots - 1):
        kind = str(rng.choice(["cut", "dissolve", "fade_black", "fade_white", "wipe"], p=[0.4, 0.2, 0.15, 0.1, 0.15]))
        params: dict[str, Any] = {}
        if kind == "dissolve":
            params["length"] = int(rng.integers(8, 40))
        elif kind.startswith("fade"):
            params["out"] = int(rng.integers(8, 30))
            params["hold"] = int(rng.integers(1, 12))
            params["in"] = int(rng.integers(8, 30))
        elif kind == "wipe":
            params["length"] = int(rng.integers(8, 30))
            params["direction"] = str(rng.choice(["left", "right", "down", "up"]))
        joins.append((kind, params))
    return plans, joins


def make_stress_video(path: Path, *, seed: int, n_shots: int = 20, size: tuple[int, int] = (640, 360),
                      rate: Fraction = Fraction(25), photos: list[np.ndarray] | None = None,
                      force: bool = False) -> dict[str, Any]:
    """Render one stress video and return its ground truth (same layout as shot_boundaries.json)."""
    w, h = size
    rng = np.random.default_rng(seed)
    photos = photos if photos is not None else load_photos()
    plans, joins = plan_video(rng, photos, n_shots, w, h, rate)
    gt = render_plan(path, plans, joins, size=size, rate=rate, force=force)
    gt["seed"] = seed
    return gt


def render_plan(path: Path, plans: list[ShotPlan], joins: list[tuple[str, dict[str, Any]]], *,
                size: tuple[int, int], rate: Fraction, force: bool = False) -> dict[str, Any]:
    """Render shots joined by transitions (``joins[k]`` joins shot k and k+1) and return the GT.

    Joins: ``("cut", {})``, ``("dissolve", {"length"})``, ``("wipe", {"length", "direction"})``,
    ``("fade_black"|"fade_white", {"out", "hold", "in"})``.
    """
    w, h = size
    return render_joined(path, [p.frames for p in plans],
                         lambda k, i, flash: render_shot_frame(plans[k], i, w, h, flash=flash), joins,
                         size=size, rate=rate, force=force, flashes=[set(p.flashes) for p in plans],
                         fast=[p.motion == "whip" for p in plans])


def render_joined(path: Path, lengths: list[int], frame: Callable[[int, int, bool], np.ndarray],
                  joins: list[tuple[str, dict[str, Any]]], *, size: tuple[int, int], rate: Fraction,
                  force: bool = False, flashes: list[set[int]] | None = None, fast: list[bool] | None = None,
                  min_body: int = 0) -> dict[str, Any]:
    """Render shots of ``lengths`` frames joined by ``joins`` (see :func:`render_plan`); return the GT.

    ``frame(k, i, flash)`` is frame ``i`` of shot ``k`` as float32 RGB 0-255 (``flash`` False inside
    transitions). A transition consumes frames from the tail of the outgoing shot and the head of the
    incoming one (dissolve/wipe overlap them; a fade's in-frames are the incoming shot's first frames).
    ``flashes[k]`` (shot-relative frames) and ``fast[k]`` (a whip pan) are listed as traps; ``min_body``:
    frames of its own each shot shows at least after its head was used by the previous transition.
    """
    w, h = size
    cuts: list[int] = []
    gradual: list[list[Any]] = []
    traps: list[list[Any]] = []
    n = 0
    with MediaWriter(path, width=w, height=h, rate=rate, crf=18, force=force) as out:

        def put(img: np.ndarray) -> None:
            nonlocal n
            out.write_video(np.clip(img + 0.5, 0, 255).astype(np.uint8))
            n += 1

        head = 0  # frames of this shot already used by the previous transition
        for k, length in enumerate(lengths):
            kind, par = joins[k] if k < len(joins) else ("end", {})
            tail = par.get("length", 0) if kind in ("dissolve", "wipe") else 0
            body_end = length - tail // 2
            if min_body:
                body_end = max(head + min_body, body_end)
            shot_first = n
            for i in range(head, body_end):
                if flashes is not None and i in flashes[k]:
                    traps.append([n, n, "flash"])
                put(frame(k, i, True))
            if fast is not None and fast[k]:
                traps.append([shot_first, n - 1, "fast motion"])
            if kind == "end":
                break
            if kind == "cut":
                cuts.append(n)
                head = 0
            elif kind in ("dissolve", "wipe"):
                g0 = n
                for j in range(tail):
                    a = (j + 1) / (tail + 1)
                    ia, ib = frame(k, body_end + j, False), frame(k + 1, j, False)
                    if kind == "dissolve":
                        img = (1 - a) * ia + a * ib
                    else:
                        d = par["direction"]
                        img = ia.copy()
                        if d in ("left", "right"):
                            edge = round(a * w)
                            if d == "right":
                                img[:, :edge] = ib[:, :edge]
                            else:
                                img[:, w - edge:] = ib[:, w - edge:]
                        else:
                            edge = round(a * h)
                            if d == "down":
                                img[:edge] = ib[:edge]
                            else:
                                img[h - edge:] = ib[h - edge:]
                    put(img)
                gradual.append([g0, n - 1, kind])
                head = tail
            else:
                level = 0.0 if kind == "fade_black" else 255.0
                g0 = n
                for j in range(par["out"]):
                    a = (j + 1) / (par["out"] + 1)
                    put((1 - a) * frame(k, body_end + j, False) + a * level)
                gradual.append([g0, n - 1, f"fade-out to {'black' if level == 0 else 'white'}"])
                for _ in range(par["hold"]):
                    put(np.full((h, w, 3), level, np.float32))
                g0 = n
                for j in range(par["in"]):
                    a = (j + 1) / (par["in"] + 1)
                    put(a * frame(k + 1, j, False) + (1 - a) * level)
                gradual.append([g0, n - 1, f"fade-in from {'black' if level == 0 else 'white'}"])
                head = par["in"]
    return {"fps": str(rate), "n_frames": n, "resolution": f"{w}x{h}", "hard_cuts": cuts, "gradual": gradual,
            "traps": traps}


def make_long(path: Path, *, seconds: float, sources: list[Path], rate: Fraction = Fraction(25),
              force: bool = False) -> None:
    """A long 1920×1080 H.264 video for the speed and memory benchmark: the stress videos (real photos,
    every transition type) played in a loop, upscaled in FFmpeg's scaler and re-encoded (x264
    ``veryfast``, CRF 20) until ``seconds`` are reached. Rendering 1080p frames in numpy is too slow
    on a shared 2-core machine; the upscaled pictures are softer than native 1080p footage, which
    makes H.264 decoding a little cheaper than for camera originals."""
    import av

    from reelkit.fileio import atomic_output

    need = int(seconds * rate)
    n = 0
    with atomic_output(path, force=force) as tmp, av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = 1920, 1080, "yuv420p"
        vs.time_base = Fraction(1) / rate
        vs.options = {"crf": "20", "preset": "veryfast"}
        while n < need:
            for src in sources:
                with av.open(str(src)) as c:
                    s = c.streams.video[0]
                    for f in c.decode(s):
                        g = f.reformat(width=1920, height=1080, format="yuv420p", interpolation="BICUBIC")
                        g.pts = n
                        g.time_base = Fraction(1) / rate  # (the muxer changes vs.time_base)
                        out.mux(vs.encode(g))
                        n += 1
                        if n >= need:
                            break
                if n >= need:
                    break
        out.mux(vs.encode(None))
    print(path, n, "frames")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "stress")
    ap.add_argument("--videos", type=int, default=3)
    ap.add_argument("--shots", type=int, default=30)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--long", type=float, default=0.0,
                    help="instead: one 1920x1080 H.264 video of this many seconds, made from OUT/stress/*.mp4")
    args = ap.parse_args()
    if args.long:
        stress = sorted(args.out.glob("stress_*.mp4"))
        if not stress:
            raise SystemExit(f"no stress videos in {args.out}: run this script without --long first")
        make_long(args.out.parent / "long_1080p.mp4", seconds=args.long, sources=stress, force=args.force)
        return
    w, h = (int(v) for v in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    photos = load_photos()
    gt: dict[str, Any] = {"_about": "stress videos made by bench/make_stress.py (see its docstring)", "videos": {}}
    for v in range(args.videos):
        p = args.out / f"stress_{v + 1}.mp4"
        gt["videos"][p.name] = make_stress_video(p, seed=args.seed + v, n_shots=args.shots, size=(w, h),
                                                 photos=photos, force=args.force)
        print(p, gt["videos"][p.name]["n_frames"], "frames")
    (args.out / "ground_truth.json").write_text(json.dumps(gt, indent=1))


if __name__ == "__main__":
    main()
