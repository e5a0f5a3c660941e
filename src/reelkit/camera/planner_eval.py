"""Independent check of a camera track against its scene: the contract's pinhole, nothing from the planner.

:func:`evaluate_track` takes the SCENE dict and a TRACK dict (the JSON forms) and projects every
framed head with its own pinhole code (yaw 0 along +x, positive yaw towards +y, positive pitch up,
roll about the optical axis, principal point at the image centre, focal length in pixels
``f_mm / sensor_w_mm · width``). It measures per frame:

* placement error: distance between the head's image position and its target, in fractions of the
  image width (``hypot(du·W, dv·H) / W``), over the shot's subjects with a placement (a ``reveal``
  subject only from its reveal time; :func:`~reelkit.camera.planner_scene.reveal_time`);
* shot-size error: ``|frame height at the main subject / SIZE_FRAME_HEIGHT_M[size] − 1|``;
* focus: the thin-lens circle of confusion (mm) of the focus subject's head (depth along the axis);
  depth-of-field goal: share of frames where the shot's other subjects are all sharp (``deep``: CoC at
  most ``coc_mm``) or all soft (``shallow``: CoC at least twice ``coc_mm``), None without others;
* constraint violations, counted per frame: speed, acceleration, yaw rate (within a shot, from finite
  differences at the frame rate, 1 % tolerance), zoom and f-number range, focus-pull speed, minimum
  distance to every subject, camera inside a keep-out box, a framed head behind the camera or hidden
  behind a keep-out box, and any non-finite value;
* camera jerk (RMS of the third difference of position, m/s³).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reelkit.camera.planner_scene import (
    EYE_BELOW_TOP_M,
    SIZE_FRAME_HEIGHT_M,
    parse_scene,
    placement_at,
    reveal_time,
)

__all__ = ["evaluate_track", "rotation_from_angles"]

_TOL = 1.01


def rotation_from_angles(yaw_deg: float, pitch_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """World→camera rotation whose rows are the camera's right, up and forward unit vectors."""
    y, p, r = math.radians(yaw_deg), math.radians(pitch_deg), math.radians(roll_deg)
    fwd = np.array([math.cos(p) * math.cos(y), math.cos(p) * math.sin(y), math.sin(p)])
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    if r:
        right, up = math.cos(r) * right + math.sin(r) * up, -math.sin(r) * right + math.cos(r) * up
    return np.stack([right, up, fwd])


def _hits(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
    d = b - a
    t0, t1 = 0.0, 1.0
    for ax in range(3):
        if abs(d[ax]) < 1e-12:
            if not lo[ax] < a[ax] < hi[ax]:
                return False
            continue
        ta, tb = sorted(((lo[ax] - a[ax]) / d[ax], (hi[ax] - a[ax]) / d[ax]))
        t0, t1 = max(t0, ta), min(t1, tb)
        if t0 >= t1:
            return False
    return True


def evaluate_track(scene_d: dict[str, Any], track: dict[str, Any]) -> dict[str, Any]:
    """Metrics of ``track`` (TRACK dict) on ``scene_d`` (SCENE dict); see the module doc.

    Returns a dict: ``placement_err`` mean/p95 (width fractions), ``size_err`` mean/p95, ``coc_over_share``
    (share of frames whose focus-subject CoC exceeds ``coc_mm``), ``violations`` (total) and
    ``violation_kinds`` (count per kind), ``jerk_rms``, and per-frame arrays under ``frames``.

    Raises:
        InputFormatError: an invalid scene.
    """
    scene = parse_scene(scene_d)
    frames = track.get("frames") or []
    W, H = scene.width, scene.height
    sw = scene.sensor_mm[0]
    fps = float(track.get("fps", scene.fps))
    n = len(frames)
    pos = np.array([f["position"] for f in frames], dtype=np.float64).reshape(n, 3)
    ts = np.array([f["t"] for f in frames], dtype=np.float64)
    yaw = np.array([f["yaw_deg"] for f in frames], dtype=np.float64)
    pitch = np.array([f["pitch_deg"] for f in frames], dtype=np.float64)
    roll = np.array([f.get("roll_deg", 0.0) for f in frames], dtype=np.float64)
    focal = np.array([f["focal_mm"] for f in frames], dtype=np.float64)
    focus = np.array([f["focus_m"] for f in frames], dtype=np.float64)
    fnum = np.array([f["f_number"] for f in frames], dtype=np.float64)
    shot_of = np.full(n, -1)
    for si, s in enumerate(scene.shots):
        shot_of[(ts >= s.start_s - 1e-6) & (ts < s.end_s - 1e-6)] = si
    kinds: dict[str, int] = {}

    def bad(kind: str, count: int = 1) -> None:
        if count:
            kinds[kind] = kinds.get(kind, 0) + int(count)

    finite = np.all(np.isfinite(np.column_stack([pos, yaw, pitch, roll, focal, focus, fnum])), axis=1)
    bad("non-finite value", int((~finite).sum()))
    place_err = np.full(n, np.nan)
    size_err = np.full(n, np.nan)
    coc_focus = np.full(n, np.nan)
    depth_focus = np.full(n, np.nan)
    dof_ok = np.full(n, np.nan)
    lo_f, hi_f = scene.lens.focal_mm
    lo_n, hi_n = scene.lens.f_number
    bad("focal length out of range", int(np.sum((focal < lo_f * 0.999) | (focal > hi_f * 1.001))))
    bad("f-number out of range", int(np.sum((fnum < lo_n * 0.999) | (fnum > hi_n * 1.001))))
    for i in range(n):
        if not finite[i]:
            continue
        p = pos[i]
        for bi, b in enumerate(scene.keep_out):
            if b.contains(p):
                bad(f"inside keep-out box {bi}")
        for name, s in scene.subjects.items():
            h = s.head(ts[i])
            top = h[2] + EYE_BELOW_TOP_M
            dz = max(0.0, p[2] - top) + max(0.0, -p[2])
            if math.sqrt((p[0] - h[0]) ** 2 + (p[1] - h[1]) ** 2 + dz ** 2) < scene.min_distance * 0.99:
                bad(f"nearer than min_distance to {name}")
        si = shot_of[i]
        if si < 0:
            continue
        shot = scene.shots[si]
        R = rotation_from_angles(yaw[i], pitch[i], roll[i])
        fx = focal[i] / sw * W
        errs = []
        targets = placement_at(shot, {n: scene.subjects[n].head(ts[i]) for n in shot.auto_place}, p)
        for name in shot.subjects:
            h = scene.subjects[name].head(ts[i])
            c = R @ (h - p)
            if c[2] <= 0.05:
                bad(f"{name} behind the camera")
                errs.append(math.inf)
                continue
            if any(_hits(p, h, b.lo, b.hi) for b in scene.keep_out):
                bad(f"{name} hidden by a keep-out box")
            u = W / 2 + fx * c[0] / c[2]
            v = H / 2 - fx * c[1] / c[2]
            if name in shot.placement and not _unrevealed(shot, name, ts[i]):
                tu, tv = targets[name]
                errs.append(math.hypot(u - tu * W, v - tv * H) / W)
            if name == shot.subjects[0]:
                frame_h = c[2] * (H / fx)
                size_err[i] = abs(frame_h / SIZE_FRAME_HEIGHT_M[shot.size] - 1.0)
        place_err[i] = float(np.mean(errs)) if errs else np.nan
        fname = _focus_at(shot, ts[i])
        depth_focus[i] = float((R @ (scene.subjects[fname].head(ts[i]) - p))[2])
        coc_focus[i] = _coc_mm(R, p, scene.subjects[fname].head(ts[i]), focal[i], fnum[i], focus[i])
        others = [n for n in shot.subjects if n != fname]
        if others:  # deep: the others sharp too; shallow: the others visibly soft (CoC over twice the limit)
            cs = [_coc_mm(R, p, scene.subjects[n].head(ts[i]), focal[i], fnum[i], focus[i]) for n in others]
            dof_ok[i] = all(c <= scene.coc_mm for c in cs) if shot.dof == "deep" else \
                all(c >= 2 * scene.coc_mm for c in cs)
    # dynamics within shots
    dt = 1.0 / fps
    pl = scene.platform
    same = (shot_of[1:] == shot_of[:-1]) & (shot_of[1:] >= 0)
    if n >= 2:
        v = np.diff(pos, axis=0) / dt
        speed = np.linalg.norm(v, axis=1)
        bad("speed over the platform limit", int(np.sum(same & (speed > pl.max_speed * _TOL + 1e-6))))
        yr = np.abs(np.diff(yaw)) / dt
        bad("yaw rate over the platform limit", int(np.sum(same & (yr > pl.max_yaw_rate_deg * _TOL + 1e-6))))
        fr = np.abs(np.diff(focus)) / dt
        bad("focus pull faster than the lens allows",
            int(np.sum(same & (fr > scene.lens.max_focus_speed_mps * _TOL + 1e-6))))
        if n >= 3:
            acc = np.linalg.norm(np.diff(pos, 2, axis=0), axis=1) / dt ** 2
            same2 = same[1:] & same[:-1]
            bad("acceleration over the platform limit", int(np.sum(same2 & (acc > pl.max_accel * _TOL + 1e-6))))
    jerk = np.zeros(0)
    if n >= 4:
        j3 = np.linalg.norm(np.diff(pos, 3, axis=0), axis=1) / dt ** 3
        same3 = same[2:] & same[1:-1] & same[:-2]
        jerk = j3[same3]
    pe = place_err[np.isfinite(place_err)]
    se = size_err[np.isfinite(size_err)]
    inshot = shot_of >= 0
    over = np.isfinite(coc_focus) & (coc_focus > scene.coc_mm)
    over |= ~np.isfinite(coc_focus) & inshot
    return {
        "frames_n": n,
        "placement_err_mean": float(pe.mean()) if pe.size else math.inf,
        "placement_err_p95": float(np.percentile(pe, 95)) if pe.size else math.inf,
        "size_err_mean": float(se.mean()) if se.size else math.inf,
        "size_err_p95": float(np.percentile(se, 95)) if se.size else math.inf,
        "coc_over_share": float(over[inshot].mean()) if inshot.any() else 1.0,
        "dof_goal_share": float(np.nanmean(dof_ok)) if np.isfinite(dof_ok).any() else None,
        "violations": int(sum(kinds.values())),
        "violation_kinds": kinds,
        "jerk_rms": float(np.sqrt(np.mean(jerk ** 2))) if jerk.size else 0.0,
        "frames": {"t": ts, "placement_err": place_err, "size_err": size_err, "coc_focus_mm": coc_focus,
                   "focus_subject_depth_m": depth_focus, "shot": shot_of},
    }


def _coc_mm(R: np.ndarray, p: np.ndarray, head: np.ndarray, focal_mm: float, f_number: float,
            focus_m: float) -> float:
    """Thin-lens circle of confusion (mm) of ``head`` seen by a camera at ``p`` with rotation ``R``."""
    d = float((R @ (head - p))[2])
    if d <= 0:
        return math.inf
    fm = focal_mm / 1000.0
    s = max(focus_m, fm * 1.001)
    return (fm / f_number) * abs(d - s) / d * fm / (s - fm) * 1000.0


def _unrevealed(shot: Any, name: str, t: float) -> bool:
    """A subject of a ``reveal`` move has no placement goal before its reveal time."""
    return any(m.kind == "reveal" and (m.subject or shot.subjects[0]) == name
               and t - shot.start_s < reveal_time(shot, m) for m in shot.moves)


def _focus_at(shot: Any, t: float) -> str:
    name = shot.focus or shot.subjects[0]
    for m in shot.moves:
        if m.kind == "rack_focus" and m.subject and t - shot.start_s >= m.t0:
            name = m.subject
    return name
