"""Camera planner benchmark (issue 16): scenarios modelled on the CineMPC / drone-cinematography papers.

Each scenario is a SCENE dict; the planner (:func:`reelkit.camera.planner.plan_scene`) and two
baselines run on it in the same run, and every track is measured by the independent evaluator
(:func:`reelkit.camera.planner_eval.evaluate_track`, its own pinhole code from the contract):

* ``look-at``: the camera stays where the planner starts, looks at the centroid of the shot's heads,
  fixed 35 mm at f/4, focused on the nearest subject;
* ``follow``: the camera keeps its start offset to the main subject (moves with it), looks at the
  centroid of the heads, 35 mm f/4 focused on the focus subject.

Usage::

    .venv/bin/python bench/camera.py                 # table on stdout
    .venv/bin/python bench/camera.py --json out.json  # also the raw numbers
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from typing import Any

import numpy as np

from reelkit.camera.planner import plan_scene, track_dict
from reelkit.camera.planner_eval import evaluate_track
from reelkit.camera.planner_scene import parse_scene

_BASE: dict[str, Any] = {"fps": 24, "image": {"width": 960, "height": 540}, "sensor_mm": [24.89, 14.0],
                         "lens": {"focal_mm": [18.0, 135.0], "f_number": [1.4, 16.0]}, "coc_mm": 0.025,
                         "keep_out": [], "min_distance": 1.0}


def _subj(name: str, h: float, *track: tuple[float, tuple[float, float, float]]) -> dict[str, Any]:
    return {"name": name, "height_m": h, "track": [{"t": t, "position": list(p)} for t, p in track]}


def scenarios() -> dict[str, dict[str, Any]]:
    """The suite: name → SCENE dict."""
    out: dict[str, dict[str, Any]] = {}
    # 1. two subjects walking apart (Pueyo et al.; Nägeli et al. two-actor framing)
    out["walk_apart"] = {**_BASE, "duration_s": 8.0,
                         "platform": {"kind": "drone", "start": {"position": [0, -7, 1.7], "yaw_deg": 90,
                                                                 "pitch_deg": 0}},
                         "subjects": [_subj("MAYA", 1.68, (0, (-0.6, 0, 0)), (8, (-3.0, 1.5, 0))),
                                      _subj("LEO", 1.82, (0, (0.6, 0, 0)), (8, (3.0, 1.0, 0)))],
                         "shots": [{"start_s": 0, "end_s": 8, "subjects": ["MAYA", "LEO"], "size": "WS",
                                    "focus": "MAYA", "dof": "deep", "direction": ""}]}
    # 2. a subject running past the camera (Bonatti et al. actor following)
    out["run_past"] = {**_BASE, "duration_s": 6.0,
                       "platform": {"kind": "drone", "start": {"position": [0, -6, 1.8], "yaw_deg": 90,
                                                               "pitch_deg": 0}},
                       "subjects": [_subj("MAYA", 1.7, (0, (-12, 0, 0)), (6, (12, 0, 0)))],
                       "shots": [{"start_s": 0, "end_s": 6, "subjects": ["MAYA"], "size": "MWS", "focus": "MAYA",
                                  "dof": "shallow", "direction": ""}]}
    # 3. dolly zoom on one subject (CineMPC's logged experiment)
    out["dolly_zoom"] = {**_BASE, "duration_s": 6.0,
                         "platform": {"kind": "dolly", "start": {"position": [0, -6, 1.6], "yaw_deg": 90,
                                                                 "pitch_deg": 0}},
                         "subjects": [_subj("MAYA", 1.7, (0, (0, 0, 0)))],
                         "shots": [{"start_s": 0, "end_s": 6, "subjects": ["MAYA"], "size": "MS", "focus": "MAYA",
                                    "dof": "shallow", "direction": "dolly zoom in on MAYA"}]}
    # 4. rack focus between two subjects at different depths (CineMPC focus experiment)
    out["rack_focus"] = {**_BASE, "duration_s": 6.0,
                         "platform": {"kind": "dolly", "start": {"position": [0.3, -4, 1.6], "yaw_deg": 90,
                                                                  "pitch_deg": 0}},
                         "subjects": [_subj("MAYA", 1.7, (0, (-0.7, -1.0, 0))), _subj("LEO", 1.8, (0, (1.2, 3.0, 0)))],
                         "shots": [{"start_s": 0, "end_s": 6, "subjects": ["MAYA", "LEO"], "size": "MS",
                                    "focus": "MAYA", "dof": "shallow", "direction": "rack focus to LEO at 3 s"}]}
    # 5. orbit around a subject (Galvane et al. / Nägeli et al. arc shots)
    out["orbit"] = {**_BASE, "duration_s": 8.0,
                    "platform": {"kind": "drone", "start": {"position": [0, -4, 1.7], "yaw_deg": 90, "pitch_deg": 0}},
                    "subjects": [_subj("MAYA", 1.7, (0, (0, 0, 0)))],
                    "shots": [{"start_s": 0, "end_s": 8, "subjects": ["MAYA"], "size": "MCU", "focus": "MAYA",
                               "dof": "shallow", "direction": "orbit left around MAYA"}]}
    # 6. keep-out obstacles in the way: a subject walks behind a pillar, a wall behind the camera
    out["obstacles"] = {**_BASE, "duration_s": 8.0,
                        "platform": {"kind": "drone", "start": {"position": [-3, -6, 1.7], "yaw_deg": 70,
                                                                "pitch_deg": 0}},
                        "keep_out": [{"min": [-0.6, -3.0, 0.0], "max": [0.6, -2.2, 3.5]},
                                     {"min": [-8, -9.5, 0.0], "max": [8, -8.5, 4.0]}],
                        "subjects": [_subj("MAYA", 1.7, (0, (-4, 0, 0)), (8, (4, 0.5, 0)))],
                        "shots": [{"start_s": 0, "end_s": 8, "subjects": ["MAYA"], "size": "MWS", "focus": "MAYA",
                                   "dof": "shallow", "direction": ""}]}
    return out


def held_out() -> dict[str, dict[str, Any]]:
    """Scenarios written after the cost weights were fixed and run once, untuned (see RESULTS)."""
    out: dict[str, dict[str, Any]] = {}
    # two subjects crossing paths in front of a dolly
    out["ho_crossing"] = {**_BASE, "duration_s": 6.0,
                          "platform": {"kind": "dolly", "start": {"position": [0, -6, 1.5], "yaw_deg": 90,
                                                                  "pitch_deg": 0}},
                          "subjects": [_subj("ANNA", 1.65, (0, (-2, 0, 0)), (6, (2, 1, 0))),
                                       _subj("BEN", 1.85, (0, (2, 1.5, 0)), (6, (-2, 0.5, 0)))],
                          "shots": [{"start_s": 0, "end_s": 6, "subjects": ["ANNA", "BEN"], "size": "MWS",
                                     "focus": "ANNA", "dof": "deep", "direction": ""}]}
    # follow a subject jogging on a curve, drone, then a cut to a crane up on a second setup
    out["ho_follow_crane"] = {**_BASE, "duration_s": 8.0,
                              "platform": {"kind": "drone", "start": {"position": [-4, -5, 1.8], "yaw_deg": 60,
                                                                      "pitch_deg": 0}},
                              "subjects": [_subj("ANNA", 1.7, (0, (-3, 0, 0)), (2, (-1, 1, 0)), (4, (1, 1.5, 0)),
                                                 (8, (3, 4, 0)))],
                              "shots": [{"start_s": 0, "end_s": 4, "subjects": ["ANNA"], "size": "MS",
                                         "focus": "ANNA", "dof": "shallow", "direction": "follow ANNA"},
                                        {"start_s": 4, "end_s": 8, "subjects": ["ANNA"], "size": "WS",
                                         "focus": "ANNA", "dof": "deep", "direction": "slow crane up",
                                         "setup": {"position": [6, -2, 1.5]}}]}
    # truck left past a box, revealing a second subject, with a rack focus to them
    out["ho_truck_reveal"] = {**_BASE, "duration_s": 6.0,
                              "platform": {"kind": "drone", "start": {"position": [1, -5, 1.6], "yaw_deg": 90,
                                                                      "pitch_deg": 0}},
                              "keep_out": [{"min": [-2.5, -3.5, 0], "max": [-1.5, -2.5, 2.5]}],
                              "subjects": [_subj("ANNA", 1.7, (0, (0.5, 0, 0))), _subj("BEN", 1.8, (0, (-2, 2, 0)))],
                              "shots": [{"start_s": 0, "end_s": 6, "subjects": ["ANNA", "BEN"], "size": "MS",
                                         "focus": "ANNA", "dof": "shallow",
                                         "direction": "slow truck left, reveal BEN at 3 s, rack focus to BEN at 4 s"}]}
    # written 2026-12-03 before the planner re-assigned the default thirds when subjects cross; first
    # run after that feature: a drone while two people pass each other on a diagonal, and three people
    # where the one on the right walks across the other two
    out["ho2_pass_drone"] = {**_BASE, "duration_s": 7.0,
                             "platform": {"kind": "drone", "start": {"position": [-1, -7, 1.7], "yaw_deg": 80,
                                                                     "pitch_deg": 0}},
                             "subjects": [_subj("ANNA", 1.7, (0, (-2.5, -0.5, 0)), (7, (2.0, 2.0, 0))),
                                          _subj("BEN", 1.82, (0, (1.5, 0.0, 0)), (7, (-2.0, 1.5, 0)))],
                             "shots": [{"start_s": 0, "end_s": 7, "subjects": ["ANNA", "BEN"], "size": "MS",
                                        "focus": "BEN", "dof": "shallow", "direction": ""}]}
    out["ho2_three_cross"] = {**_BASE, "duration_s": 7.0,
                              "platform": {"kind": "dolly", "start": {"position": [0, -8, 1.6], "yaw_deg": 90,
                                                                      "pitch_deg": 0}},
                              "subjects": [_subj("ANNA", 1.68, (0, (-1.5, 0.5, 0))),
                                           _subj("BEN", 1.8, (0, (0.0, 1.0, 0)), (7, (0.3, 1.2, 0))),
                                           _subj("CARA", 1.6, (0, (2.0, 0.0, 0)), (7, (-2.5, 0.6, 0)))],
                              "shots": [{"start_s": 0, "end_s": 7, "subjects": ["ANNA", "BEN", "CARA"], "size": "WS",
                                         "focus": "BEN", "dof": "deep", "direction": ""}]}
    return out


def _look(p: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    d = c - p
    return math.degrees(math.atan2(d[1], d[0])), math.degrees(math.atan2(d[2], math.hypot(d[0], d[1])))


def baseline_track(scene_d: dict[str, Any], kind: str) -> dict[str, Any]:
    """``look-at`` or ``follow`` baseline TRACK dict (see the module doc)."""
    sc = parse_scene(scene_d)
    p0 = sc.platform.start_position
    frames = []
    main0 = sc.subjects[sc.shots[0].subjects[0]].feet(0.0)
    yaw_prev = None
    for i in range(sc.n_frames):
        t = i / sc.fps
        shot = next((s for s in sc.shots if s.start_s <= t < s.end_s), sc.shots[-1])
        heads = np.array([sc.subjects[n].head(t) for n in shot.subjects])
        if kind == "look-at":
            p = p0
            focus = min(float(np.linalg.norm(h - p)) for h in heads)
        else:
            p = p0 + (sc.subjects[shot.subjects[0]].feet(t) - main0)
            focus = float(np.linalg.norm(sc.subjects[shot.focus or shot.subjects[0]].head(t) - p))
        yaw, pitch = _look(p, heads.mean(axis=0))
        if yaw_prev is not None:
            yaw += 360.0 * round((yaw_prev - yaw) / 360.0)
        yaw_prev = yaw
        frames.append({"t": t, "position": [float(c) for c in p], "yaw_deg": yaw, "pitch_deg": pitch, "roll_deg": 0.0,
                       "focal_mm": 35.0, "focus_m": focus, "f_number": 4.0})
    return {"fps": sc.fps, "frames": frames}


def _moves(track: dict[str, Any]) -> str:
    """What the camera did: travel, focal, focus and yaw ranges (first → last frame, and extremes)."""
    fr = track["frames"]
    p = np.array([f["position"] for f in fr])
    travel = float(np.sum(np.linalg.norm(np.diff(p, axis=0), axis=1)))
    f0, f1 = fr[0], fr[-1]
    yaw = np.array([f["yaw_deg"] for f in fr])
    return (f"travel {travel:.1f} m, focal {f0['focal_mm']:.0f}→{f1['focal_mm']:.0f} mm, focus "
            f"{f0['focus_m']:.1f}→{f1['focus_m']:.1f} m, f/{f0['f_number']:.1f}→f/{f1['f_number']:.1f}, "
            f"yaw span {float(yaw.max() - yaw.min()):.0f}°")


def run(names: list[str] | None = None, suite: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, scene_d in (suite if suite is not None else scenarios()).items():
        if names and name not in names:
            continue
        sc = parse_scene(scene_d)
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        w0 = time.perf_counter()
        plan = plan_scene(sc)
        wall = time.perf_counter() - w0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        track = track_dict(plan)
        row: dict[str, Any] = {"planner": _metrics(evaluate_track(scene_d, track)), "moves": _moves(track)}
        sw, scpu = np.asarray(plan.solve_wall_s), np.asarray(plan.solve_cpu_s)
        row["planner"].update({"solve_wall_ms_mean": float(sw.mean() * 1e3), "solve_wall_ms_p95":
                               float(np.percentile(sw, 95) * 1e3), "solve_cpu_ms_mean": float(scpu.mean() * 1e3),
                               "solve_cpu_ms_p95": float(np.percentile(scpu, 95) * 1e3), "steps": len(sw),
                               "failed_steps": plan.failed_steps, "feasible": plan.feasible,
                               "plan_wall_s": wall, "plan_cpu_s": (r1.ru_utime + r1.ru_stime) -
                               (r0.ru_utime + r0.ru_stime)})
        for b in ("look-at", "follow"):
            row[b] = _metrics(evaluate_track(scene_d, baseline_track(scene_d, b)))
        results[name] = row
        print(_line(name, row), file=sys.stderr, flush=True)
    return results


def _metrics(ev: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ev.items() if k != "frames"}


def _line(name: str, row: dict[str, Any]) -> str:
    p = row["planner"]
    return (f"{name:11s} place {p['placement_err_mean']:.4f}/{p['placement_err_p95']:.4f} "
            f"size {p['size_err_mean']:.3f} coc>{p['coc_over_share']:.3f} viol {p['violations']} "
            f"jerk {p['jerk_rms']:.2f} solve wall {p['solve_wall_ms_mean']:.1f}/{p['solve_wall_ms_p95']:.1f} ms "
            f"cpu {p['solve_cpu_ms_mean']:.1f}/{p['solve_cpu_ms_p95']:.1f} ms | look-at "
            f"{row['look-at']['placement_err_mean']:.4f} follow {row['follow']['placement_err_mean']:.4f}")


def table(results: dict[str, Any]) -> str:
    head = ("| scenario | method | placement err mean / p95 (width) | size err mean / p95 | CoC > limit | "
            "DoF goal met | violations | jerk RMS (m/s³) | solve wall mean / p95 (ms) | solve CPU mean / p95 (ms) |")
    lines = [head, "|" + "---|" * 10]
    for name, row in results.items():
        for meth in ("planner", "look-at", "follow"):
            m = row[meth]
            solve = (f"{m['solve_wall_ms_mean']:.1f} / {m['solve_wall_ms_p95']:.1f}",
                     f"{m['solve_cpu_ms_mean']:.1f} / {m['solve_cpu_ms_p95']:.1f}") if meth == "planner" else ("", "")
            kinds = ", ".join(f"{k}: {v}" for k, v in m["violation_kinds"].items())
            lines.append(f"| {name} | {meth} | {m['placement_err_mean']:.4f} / {m['placement_err_p95']:.4f} | "
                         f"{m['size_err_mean']:.3f} / {m['size_err_p95']:.3f} | {100 * m['coc_over_share']:.1f} % | "
                         f"{_pct(m['dof_goal_share'])} | "
                         f"{m['violations']}{' (' + kinds + ')' if kinds else ''} | {m['jerk_rms']:.2f} | "
                         f"{solve[0]} | {solve[1]} |")
    return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f} %"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the raw numbers here")
    ap.add_argument("--only", nargs="*", help="scenario names")
    ap.add_argument("--held-out", action="store_true", help="run the held-out scenarios instead")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}", file=sys.stderr)
    res = run(args.only, held_out() if args.held_out else None)
    print(table(res))
    print()
    for name, row in res.items():
        print(f"- {name}: {row['moves']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=2)


if __name__ == "__main__":
    main()
