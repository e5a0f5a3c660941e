"""Camera plan outputs: TRACK.json, Nuke ``.chan``, glTF (``.glb``) camera animation, previz MP4, HTML report.

Exchange formats (both y-up, as their readers expect; our world is z-up, so ``(x, y, z)`` is written as
``(x, z, −y)``):

* ``.chan`` (Nuke *Camera → File → Import chan file*; Blender and Maya chan importers read it too): one
  line per frame ``frame tx ty tz rx ry rz vfov`` — rotations in degrees in Nuke's default ZXY order
  (``rx`` = pitch, ``ry`` = yaw − 90°, ``rz`` = roll), ``vfov`` the vertical angle of view in degrees.
* ``.glb`` (glTF 2.0 binary: Blender, Unreal, Maya, three.js import it): one node with a perspective
  camera, animated translation and rotation (LINEAR, one key per frame); the focal length is animated
  through ``KHR_animation_pointer`` on ``yfov`` (used, not required), and the per-frame focal length,
  focus distance and f-number are in the node's ``extras``. :func:`read_gltf_camera` reads it back.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.camera.planner import Plan
from reelkit.camera.planner_scene import Scene
from reelkit.errors import InputFormatError
from reelkit.fileio import atomic_output, write_bytes, write_text
from reelkit.progress import ProgressFn

__all__ = ["read_gltf_camera", "write_chan", "write_gltf", "write_previz", "write_report"]


def _to_yup(p: np.ndarray) -> np.ndarray:
    return np.stack([p[..., 0], p[..., 2], -p[..., 1]], axis=-1)


def _vfov_deg(focal_mm: np.ndarray, scene: Scene) -> np.ndarray:
    sh = scene.sensor_mm[0] * scene.height / scene.width
    return np.degrees(2.0 * np.arctan(sh / (2.0 * focal_mm)))


def write_chan(plan: Plan, scene: Scene, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a Nuke ``.chan`` file (see the module doc); frames numbered from 1."""
    pos = _to_yup(plan.positions)
    vfov = _vfov_deg(plan.focal_mm, scene)
    lines = [f"{i + 1} {pos[i, 0]:.6f} {pos[i, 1]:.6f} {pos[i, 2]:.6f} {plan.pitch_deg[i]:.6f} "
             f"{plan.yaw_deg[i] - 90.0:.6f} 0.000000 {vfov[i]:.6f}" for i in range(plan.n_frames)]
    return write_text(path, "\n".join(lines) + "\n", force=force)


def _quat_yxz(yaw_deg: np.ndarray, pitch_deg: np.ndarray) -> np.ndarray:
    """Quaternions (x, y, z, w) of ``Ry(yaw − 90°) · Rx(pitch)`` in the y-up frame (camera looks along −z)."""
    a = np.radians(yaw_deg - 90.0) / 2
    b = np.radians(pitch_deg) / 2
    qy = np.stack([np.zeros_like(a), np.sin(a), np.zeros_like(a), np.cos(a)], -1)
    qx = np.stack([np.sin(b), np.zeros_like(b), np.zeros_like(b), np.cos(b)], -1)
    x1, y1, z1, w1 = qy.T
    x2, y2, z2, w2 = qx.T
    return np.stack([w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2, w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                     w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2, w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2], -1)


def write_gltf(plan: Plan, scene: Scene, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write the camera animation as a binary glTF 2.0 file (``.glb``; see the module doc)."""
    n = plan.n_frames
    t = plan.times.astype(np.float32)
    pos = _to_yup(plan.positions).astype(np.float32)
    rot = _quat_yxz(plan.yaw_deg, plan.pitch_deg).astype(np.float32)
    yfov = np.radians(_vfov_deg(plan.focal_mm, scene)).astype(np.float32)
    blobs = [t.tobytes(), pos.tobytes(), rot.tobytes(), yfov.tobytes()]
    offsets, off = [], 0
    for b in blobs:
        offsets.append(off)
        off += len(b)
    binary = b"".join(blobs)
    views = [{"buffer": 0, "byteOffset": o, "byteLength": len(b)} for o, b in zip(offsets, blobs, strict=True)]
    accessors = [
        {"bufferView": 0, "componentType": 5126, "count": n, "type": "SCALAR",
         "min": [float(t.min())], "max": [float(t.max())]},
        {"bufferView": 1, "componentType": 5126, "count": n, "type": "VEC3"},
        {"bufferView": 2, "componentType": 5126, "count": n, "type": "VEC4"},
        {"bufferView": 3, "componentType": 5126, "count": n, "type": "SCALAR"},
    ]
    doc = {
        "asset": {"version": "2.0", "generator": "reelkit camera planner"},
        "extensionsUsed": ["KHR_animation_pointer"],
        "scene": 0, "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "reelkit_camera", "camera": 0, "translation": pos[0].tolist(), "rotation": rot[0].tolist(),
                   "extras": {"fps": plan.fps, "focal_mm": [round(float(v), 4) for v in plan.focal_mm],
                              "focus_m": [round(float(v), 5) for v in plan.focus_m],
                              "f_number": [round(float(v), 4) for v in plan.f_number],
                              "sensor_mm": list(scene.sensor_mm)}}],
        "cameras": [{"type": "perspective", "perspective": {"yfov": float(yfov[0]),
                                                            "aspectRatio": scene.width / scene.height,
                                                            "znear": 0.05, "zfar": 1000.0}}],
        "animations": [{"name": "camera_plan",
                        "samplers": [{"input": 0, "output": 1, "interpolation": "LINEAR"},
                                     {"input": 0, "output": 2, "interpolation": "LINEAR"},
                                     {"input": 0, "output": 3, "interpolation": "LINEAR"}],
                        "channels": [{"sampler": 0, "target": {"node": 0, "path": "translation"}},
                                     {"sampler": 1, "target": {"node": 0, "path": "rotation"}},
                                     {"sampler": 2, "target": {"path": "pointer", "extensions": {
                                         "KHR_animation_pointer": {"pointer": "/cameras/0/perspective/yfov"}}}}]}],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": views,
        "accessors": accessors,
    }
    js = json.dumps(doc, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 4)
    binary += b"\0" * (-len(binary) % 4)
    out = struct.pack("<III", 0x46546C67, 2, 12 + 8 + len(js) + 8 + len(binary))
    out += struct.pack("<II", len(js), 0x4E4F534A) + js + struct.pack("<II", len(binary), 0x004E4942) + binary
    return write_bytes(path, out, force=force)


def read_gltf_camera(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read the camera animation of a ``.glb`` written by :func:`write_gltf` back into z-up world terms.

    Returns ``times (n,)``, ``positions (n, 3)`` (m), ``forward (n, 3)`` (unit view directions) and
    ``yfov (n,)`` (radians).

    Raises:
        InputFormatError: not a glTF binary with one animated camera.
    """
    data = Path(path).read_bytes()
    try:
        magic, version, length = struct.unpack_from("<III", data, 0)
        if magic != 0x46546C67 or version != 2 or length != len(data):
            raise ValueError("bad glb header")
        jlen, jtype = struct.unpack_from("<II", data, 12)
        doc = json.loads(data[20:20 + jlen])
        blen, btype = struct.unpack_from("<II", data, 20 + jlen)
        if jtype != 0x4E4F534A or btype != 0x004E4942:
            raise ValueError("bad chunk types")
        binary = data[28 + jlen:28 + jlen + blen]

        def acc(i: int) -> np.ndarray:
            a = doc["accessors"][i]
            v = doc["bufferViews"][a["bufferView"]]
            width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[a["type"]]
            arr = np.frombuffer(binary, np.float32, a["count"] * width, v["byteOffset"])
            return arr.reshape(a["count"], width) if width > 1 else arr

        anim = doc["animations"][0]
        by_path: dict[str, np.ndarray] = {}
        times = None
        for ch in anim["channels"]:
            s = anim["samplers"][ch["sampler"]]
            times = acc(s["input"])
            by_path[ch["target"]["path"]] = acc(s["output"])
        if times is None:
            raise ValueError("no animation channel")
        pos = by_path["translation"]
        q = by_path["rotation"]
        yfov = by_path.get("pointer", np.full(len(times), doc["cameras"][0]["perspective"]["yfov"]))
    except (ValueError, KeyError, IndexError, struct.error, json.JSONDecodeError) as exc:
        raise InputFormatError(f"{path} is not a reelkit glTF camera: {exc}") from None
    x, y, z, w = q.T.astype(np.float64)
    # rotate (0, 0, −1) by q
    fwd_yup = -np.stack([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)], -1)
    world = lambda v: np.stack([v[:, 0], -v[:, 2], v[:, 1]], -1)  # noqa: E731
    return {"times": times.astype(np.float64), "positions": world(pos.astype(np.float64)),
            "forward": world(fwd_yup), "yfov": np.asarray(yfov, np.float64)}


# -- previz -------------------------------------------------------------------------------------------
def write_previz(plan: Plan, scene: Scene, path: str | os.PathLike[str], *, width: int = 640, height: int = 360,
                 force: bool = False, progress: ProgressFn | None = None) -> Path:
    """Render the planned camera with the storyboard renderer (:func:`reelkit.script.board.render_view`):
    each frame at its planned position, orientation, focal length, f-number and focus distance (thin-lens
    depth of field); people are the board's stand-in figures, facing the camera (or where they walk), props
    and keep-out boxes are boxes.

    Raises:
        OutputExistsError / OutputError: as :class:`~reelkit.media.MediaWriter`.
    """
    from fractions import Fraction

    from reelkit.media import MediaWriter
    from reelkit.script.board import render_view
    from reelkit.script.shotlist import Blocking, Figure, Prop
    from reelkit.shots import CameraPlacement, LensSpec, ShotSpec

    width += width % 2
    height += height % 2
    props = tuple(Prop(f"box{i}", float((b.lo[0] + b.hi[0]) / 2), float((b.lo[1] + b.hi[1]) / 2), float(b.lo[2]),
                       tuple(float(v) for v in b.hi - b.lo), label=True) for i, b in enumerate(scene.keep_out))
    rate = Fraction(scene.fps).limit_denominator(1001)
    with MediaWriter(path, width=width, height=height, rate=rate, crf=23, preset="veryfast", force=force) as mw:
        for i in range(plan.n_frames):
            t = float(plan.times[i])
            p = plan.positions[i]
            figs, things = [], list(props)
            for s in scene.subjects.values():
                f = s.feet(t)
                if s.kind == "prop":
                    size = s.size or (0.2, 0.2, max(0.05, 2 * (s.height_m - 0.13)))
                    things.append(Prop(s.name, float(f[0]), float(f[1]), float(f[2]), size, label=True))
                    continue
                v = s.feet(t + 0.2) - s.feet(max(0.0, t - 0.2))
                facing = math.degrees(math.atan2(v[1], v[0])) if float(np.hypot(v[0], v[1])) > 0.05 else \
                    math.degrees(math.atan2(p[1] - f[1], p[0] - f[0]))
                figs.append(Figure(s.name, float(f[0]), float(f[1]), facing, float(s.height_m)))
            bl = Blocking(tuple(figs), tuple(things), interior=False, location="reelkit previz")
            yaw, pitch = math.radians(plan.yaw_deg[i]), math.radians(plan.pitch_deg[i])
            fwd = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
            target = p + fwd * max(float(plan.focus_m[i]), 0.1)
            fn = float(np.clip(plan.f_number[i], 0.5, 64.0))
            shot = ShotSpec(code="P", scene=1, kind="single", size="MS",
                            lens=LensSpec(float(np.clip(plan.focal_mm[i], 1.0, 2000.0)), fn),
                            camera=CameraPlacement(tuple(p), tuple(target)))
            img = render_view(bl, shot, width=width, height=height, seed=7)
            mw.write_video(img)
            if progress is not None:
                progress(i + 1, plan.n_frames)
    return Path(path)


# -- report -------------------------------------------------------------------------------------------
def _fig_png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def write_report(plan: Plan, scene: Scene, metrics: dict[str, Any], path: str | os.PathLike[str], *,
                 force: bool = False) -> Path:
    """An HTML report (one file, plots embedded as PNG, no external resources): placement error, focus
    distance against the focus subject's depth with the depth-of-field band, speed and acceleration
    against the platform limits, solver times, and the evaluator's numbers (``metrics`` from
    :func:`reelkit.camera.planner_eval.evaluate_track`)."""
    import html

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reelkit.camera.lens import depth_of_field

    fr = metrics["frames"]
    t = plan.times
    figs: list[tuple[str, str]] = []
    fig, ax = plt.subplots(figsize=(8, 2.6))
    ax.plot(t, fr["placement_err"], lw=1.2, label="head placement error")
    ax.axhline(0.01, color="k", ls=":", lw=0.8, label="goal 0.01")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("fraction of width")
    ax.legend(loc="upper right", fontsize=8)
    figs.append(("Placement error", _fig_png(fig)))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 2.6))
    near, far = [], []
    for i in range(plan.n_frames):
        n_, f_ = depth_of_field(float(plan.focal_mm[i]), float(plan.f_number[i]), max(float(plan.focus_m[i]), 0.06),
                                scene.coc_mm)
        near.append(n_)
        far.append(min(f_, 1e3))
    ax.fill_between(t, near, np.minimum(far, np.nanmax(plan.focus_m) * 3 + 1), color="C2", alpha=0.2,
                    label="depth of field")
    ax.plot(t, plan.focus_m, color="C2", lw=1.2, label="focus distance")
    for name, s in scene.subjects.items():
        d = np.linalg.norm(s.head(t) - plan.positions, axis=1)
        ax.plot(t, d, lw=1, ls="--", label=f"{name} distance")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("m")
    ax.legend(loc="upper right", fontsize=8)
    figs.append(("Focus distance, subject distances and depth of field", _fig_png(fig)))
    plt.close(fig)
    dt = 1.0 / scene.fps
    fig, axs = plt.subplots(1, 2, figsize=(9, 2.6))
    if plan.n_frames >= 3:
        v = np.linalg.norm(np.diff(plan.positions, axis=0), axis=1) / dt
        a = np.linalg.norm(np.diff(plan.positions, 2, axis=0), axis=1) / dt ** 2
        cut = np.diff(plan.shot_index) != 0
        v[cut] = np.nan
        a[cut[1:] | cut[:-1]] = np.nan
        axs[0].plot(t[1:], v, lw=1.2)
        axs[1].plot(t[2:], a, lw=1.2)
    axs[0].axhline(scene.platform.max_speed, color="r", ls=":", label="limit")
    axs[1].axhline(scene.platform.max_accel, color="r", ls=":", label="limit")
    axs[0].set_title("speed (m/s)", fontsize=9)
    axs[1].set_title("acceleration (m/s²)", fontsize=9)
    for ax in axs:
        ax.set_xlabel("time (s)")
        ax.legend(fontsize=8)
    figs.append(("Speed and acceleration against the platform limits", _fig_png(fig)))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 2.4))
    ax.plot(np.asarray(plan.solve_wall_s) * 1e3, lw=1, label="wall")
    ax.plot(np.asarray(plan.solve_cpu_s) * 1e3, lw=1, label="CPU")
    ax.axhline(100, color="r", ls=":", label="100 ms (10 Hz)")
    ax.set_xlabel("MPC step")
    ax.set_ylabel("ms")
    ax.legend(fontsize=8)
    figs.append(("Solve time per MPC step", _fig_png(fig)))
    plt.close(fig)
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>"
                   for k, v in metrics.items() if k != "frames")
    issues = "".join(f"<li>{html.escape(s)}</li>" for s in plan.issues) or "<li>none</li>"
    body = "".join(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='{src}'>" for title, src in figs)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>Camera plan</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:2px 8px;text-align:left}"
            "img{max-width:100%}</style></head><body><h1>Camera plan</h1>"
            f"<p>{plan.n_frames} frames at {scene.fps:g} fps, {len(scene.shots)} shot(s), platform "
            f"{html.escape(scene.platform.kind)}; feasible: {plan.feasible}.</p><h2>Issues</h2><ul>{issues}</ul>"
            f"<h2>Evaluation (independent pinhole check)</h2><table>{rows}</table>{body}</body></html>")
    with atomic_output(path, force=force) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


# -- orchestration ------------------------------------------------------------------------------------
def plan_to_files(scene_path: str | os.PathLike[str], *, track: str | os.PathLike[str] | None = None,
                  previz: str | os.PathLike[str] | None = None, report: str | os.PathLike[str] | None = None,
                  gltf: str | os.PathLike[str] | None = None, chan: str | os.PathLike[str] | None = None,
                  previz_size: tuple[int, int] = (480, 270), force: bool = False,
                  progress: ProgressFn | None = None) -> dict[str, Any]:
    """Load a SCENE.json, plan it, evaluate the track independently and write the requested files.

    ``track`` defaults to ``<scene>.track.json`` beside the scene. Returns a summary dict (outputs,
    feasibility, issues, evaluator metrics, solver times).

    Raises:
        InputFormatError: a bad scene. PlanInfeasible: a pre-check proves the scene impossible (nothing is
        written). OutputExistsError: an output exists without ``force``.
    """
    from reelkit.camera.planner import PlanInfeasible, plan_scene, track_dict
    from reelkit.camera.planner_eval import evaluate_track
    from reelkit.camera.planner_scene import load_scene
    from reelkit.fileio import check_output_path, to_json

    scene = load_scene(scene_path)
    sp = Path(scene_path)
    track_path = Path(track) if track is not None else sp.with_name(sp.stem + ".track.json")
    outs = [p for p in (track_path, previz, report, gltf, chan) if p is not None]
    for p in outs:  # refuse before the work, not after
        check_output_path(p, force=force)
    plan = plan_scene(scene, progress=progress)
    if not plan.n_frames:
        raise PlanInfeasible("the camera plan is infeasible: " + "; ".join(plan.issues))
    td = track_dict(plan)
    metrics = evaluate_track(scene.raw, td)
    write_text(track_path, to_json(td) + "\n", force=force)
    written = {"track": str(track_path)}
    if gltf is not None:
        written["gltf"] = str(write_gltf(plan, scene, gltf, force=force))
    if chan is not None:
        written["chan"] = str(write_chan(plan, scene, chan, force=force))
    if report is not None:
        written["report"] = str(write_report(plan, scene, metrics, report, force=force))
    if previz is not None:
        written["previz"] = str(write_previz(plan, scene, previz, width=previz_size[0], height=previz_size[1],
                                             force=force))
    return {"outputs": written, "feasible": plan.feasible, "issues": plan.issues, "frames": plan.n_frames,
            "solver": td["solver"], "metrics": {k: v for k, v in metrics.items() if k != "frames"}}
