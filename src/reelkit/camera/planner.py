"""Virtual camera operator: a lens-aware receding-horizon MPC from shot goals to camera, focus, zoom and aperture.

One nonlinear program (CasADi, solved by its bundled IPOPT) is built per scene and re-solved every
control period (:data:`CONTROL_DT`, 10 Hz) over a horizon of :data:`HORIZON` steps, warm-started from
the previous solution shifted by one step. Model (all SI; angles in radians inside, degrees outside):

* state ``x = [p (3), v (3), yaw, pitch, focal_mm, focus_m, f_number]``; control
  ``u = [a (3), yaw_rate, pitch_rate, focal_rate, focus_rate, f_number_rate]``; position is a double
  integrator with piecewise-constant acceleration (exact between steps), the rest single integrators.
* camera axes (roll 0): forward ``(cos p cos y, cos p sin y, sin p)``, right ``(sin y, −cos y, 0)``,
  up = right × forward; pinhole projection ``u = ½ + f/sw · x_c/z_c``, ``v = ½ − f/sw · (W/H) · y_c/z_c``
  (fractions of width/height from the top left, square pixels, principal point at the centre).
* costs: head placement error (in image-width units), shot size (log of the frame height at the
  main subject against :data:`~reelkit.camera.planner_scene.SIZE_FRAME_HEIGHT_M`), focus (focus
  distance on the focus subject's depth and its thin-lens circle of confusion under ½ the CoC limit),
  depth of field (``deep``: the other subjects' CoC under the limit; ``shallow``: above twice the
  limit, lens opened up), move references (see :func:`_move_refs`), smoothness (acceleration, jerk,
  angular rates and accelerations, zoom/focus/iris rates).
* constraints: speed, acceleration, yaw/pitch rate (platform), zoom/f-number ranges and zoom,
  focus-pull and iris speeds (lens), subjects in front of the camera, minimum distance to every
  subject (to its vertical extent), keep-out boxes (camera outside), line of sight from the camera to
  every framed head not crossing a keep-out box. The last two are non-convex: at each solve every box
  is replaced by the half-space of the face that best separates it from the warm-start trajectory
  (and, for sight lines, from the head) — a conservative convexification. Sight lines are soft (heavy
  L1 slack), everything else hard.

Every IPOPT call is limited (:data:`SOLVE_TIME_LIMIT_S` wall and CPU, IPOPT's adaptive barrier
update); a failed step falls back to the previous plan shifted by one step (or braking) and is
reported. Each shot is framed up before it rolls: orientation and lens are free at its first step,
polished by :data:`SETUP_RESOLVES` more solves (timed apart from the 10 Hz loop). :func:`plan_scene`
flags a plan infeasible, with the reasons, when a pre-check proves a goal impossible (start inside a
keep-out box or nearer than ``min_distance``; a framed subject inside a box or that no sampled allowed
camera position can see; a move the platform cannot make) or when the executed track, checked by the
independent evaluator (:mod:`reelkit.camera.planner_eval`), breaks a constraint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelkit.camera.planner_scene import (
    EYE_BELOW_TOP_M,
    SIZE_FRAME_HEIGHT_M,
    Box,
    Scene,
    Shot,
    placement_at,
    reveal_time,
)
from reelkit.errors import BackendUnavailable, ReelError
from reelkit.progress import ProgressFn

__all__ = ["CONTROL_DT", "HORIZON", "Plan", "PlanInfeasible", "plan_scene", "track_dict"]

#: control period (s): 10 Hz re-planning
CONTROL_DT = 0.1
#: MPC horizon in control steps (1.2 s look-ahead)
HORIZON = 12
#: IPOPT wall/CPU limit per MPC step (s); the loop never waits longer
SOLVE_TIME_LIMIT_S = 0.5
#: extra solves when a shot is set up (framing before rolling; not part of the 10 Hz loop)
SETUP_RESOLVES = 3
_NX, _NU = 11, 8
_KEEP_OUT_MARGIN = 0.15
#: weight of the head placement error (squared, image-width units) per subject and step; 1e4 over the
#: earlier 3e3 brought rack_focus under 0.01 of the width (0.0108 → 0.0092) for a wider frame than asked
_W_PLACE = 1e4
#: weight of the "others visibly soft" term of a shallow shot
_W_SOFT = 2.0
_SUBJ_P = 11  # per subject per step: head(3), ut, vt, w_place, w_size, w_focus, w_deep, w_shallow, front_lb
_STEP_P = 13  # logH, pref(3), w_pos, yr_ref, w_yr, pr_ref, w_pr, fref, w_f, nref, w_n


class PlanInfeasible(ReelError):
    """A camera plan cannot meet its hard constraints (the message gives the reasons)."""

    exit_code = 1


@dataclass
class Plan:
    """A planned camera track: frame arrays (one row per frame at the scene rate) and diagnostics.

    ``positions (n, 3)`` m; ``yaw_deg``, ``pitch_deg``, ``focal_mm``, ``focus_m``, ``f_number`` ``(n,)``;
    ``shot_index (n,)`` which shot each frame belongs to; ``solve_wall_s``/``solve_cpu_s`` one entry per
    MPC step of the 10 Hz loop; ``setup_wall_s`` one per shot (framing it up before it rolls);
    ``issues`` human-readable problems; ``feasible`` False when a hard goal is not met.
    """

    fps: float
    times: np.ndarray
    positions: np.ndarray
    yaw_deg: np.ndarray
    pitch_deg: np.ndarray
    focal_mm: np.ndarray
    focus_m: np.ndarray
    f_number: np.ndarray
    shot_index: np.ndarray
    solve_wall_s: list[float] = field(default_factory=list)
    solve_cpu_s: list[float] = field(default_factory=list)
    setup_wall_s: list[float] = field(default_factory=list)
    failed_steps: int = 0
    issues: list[str] = field(default_factory=list)
    feasible: bool = True

    @property
    def n_frames(self) -> int:
        return len(self.times)


def track_dict(plan: Plan) -> dict[str, Any]:
    """TRACK.json dict: ``{"fps", "frames": [{"t", "position", "yaw_deg", "pitch_deg", "roll_deg",
    "focal_mm", "focus_m", "f_number"}]}`` plus ``feasible``, ``issues`` and solver statistics."""
    frames = []
    for i in range(plan.n_frames):
        frames.append({"t": round(float(plan.times[i]), 6),
                       # 7 decimals: rounding must not show up in second differences (accelerations)
                       "position": [round(float(c), 7) for c in plan.positions[i]],
                       "yaw_deg": round(float(plan.yaw_deg[i]), 6), "pitch_deg": round(float(plan.pitch_deg[i]), 6),
                       "roll_deg": 0.0, "focal_mm": round(float(plan.focal_mm[i]), 5),
                       "focus_m": round(float(plan.focus_m[i]), 6), "f_number": round(float(plan.f_number[i]), 5),
                       "shot": int(plan.shot_index[i])})
    sw = np.asarray(plan.solve_wall_s) if plan.solve_wall_s else np.zeros(1)
    sc = np.asarray(plan.solve_cpu_s) if plan.solve_cpu_s else np.zeros(1)
    return {"fps": plan.fps, "feasible": plan.feasible, "issues": list(plan.issues),
            "solver": {"steps": len(plan.solve_wall_s), "failed_steps": plan.failed_steps,
                       "control_hz": round(1.0 / CONTROL_DT, 3), "horizon_steps": HORIZON,
                       "wall_ms_mean": round(float(sw.mean()) * 1e3, 3),
                       "wall_ms_p95": round(float(np.percentile(sw, 95)) * 1e3, 3),
                       "cpu_ms_mean": round(float(sc.mean()) * 1e3, 3),
                       "cpu_ms_p95": round(float(np.percentile(sc, 95)) * 1e3, 3),
                       "setup_ms": [round(v * 1e3, 1) for v in plan.setup_wall_s]},
            "frames": frames}


# -- geometry helpers (numpy) ----------------------------------------------------------------------
def _axes(yaw: float, pitch: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    return (np.array([sy, -cy, 0.0]), np.array([-cy * sp, -sy * sp, cp]), np.array([cp * cy, cp * sy, sp]))


def _faces(box: Box, margin: float) -> list[tuple[np.ndarray, float]]:
    """Outward half-spaces ``n·p ≥ b`` of the box's six faces (inflated by ``margin``)."""
    lo, hi = box.lo - margin, box.hi + margin
    out = []
    for ax in range(3):
        n = np.zeros(3)
        n[ax] = 1.0
        out.append((n.copy(), float(hi[ax])))
        out.append((-n, float(-lo[ax])))
    return out


def segment_hits_box(a: np.ndarray, b: np.ndarray, box: Box, margin: float = 0.0) -> bool:
    """True when the segment ``a``→``b`` passes through the box (slab test)."""
    lo, hi = box.lo - margin, box.hi + margin
    d = b - a
    t0, t1 = 0.0, 1.0
    for ax in range(3):
        if abs(d[ax]) < 1e-12:
            if a[ax] <= lo[ax] or a[ax] >= hi[ax]:
                return False
            continue
        ta, tb = (lo[ax] - a[ax]) / d[ax], (hi[ax] - a[ax]) / d[ax]
        if ta > tb:
            ta, tb = tb, ta
        t0, t1 = max(t0, ta), min(t1, tb)
        if t0 >= t1:
            return False
    return True


def _sep_face(box: Box, pts: list[np.ndarray], margin: float) -> tuple[np.ndarray, float]:
    """A plane ``n·q ≥ b`` with the box (inflated by ``margin``) on the other side, maximising the smallest
    signed clearance of ``pts``. Candidates: the six face planes and, for two points, the planes through
    the segment's direction and each box axis (the separating-axis candidates of a segment and a box)."""
    lo, hi = box.lo - margin, box.hi + margin
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    normals = [n for n, _ in _faces(box, 0.0)]
    if len(pts) == 2:
        d = pts[1] - pts[0]
        for ax in np.eye(3):
            c = np.cross(d, ax)
            nc = float(np.linalg.norm(c))
            if nc > 1e-9:
                normals += [c / nc, -c / nc]
    best, best_v = None, -math.inf
    for n in normals:
        b = float(np.max(corners @ n))
        if len(pts) == 2 and float(n @ pts[1]) - b < 0.05:
            continue  # the head (second point) must be on the free side
        v = min(float(n @ q) - b for q in pts)
        if v > best_v:
            best, best_v = (n, b), v
    if best is None:  # nothing keeps the head clear: no usable plane
        return np.zeros(3), -1e6
    return best


# -- the NLP ---------------------------------------------------------------------------------------
class _MPC:
    """The CasADi NLP of one scene (fixed numbers of subjects and boxes)."""

    def __init__(self, scene: Scene, n_sub: int, n_box: int) -> None:
        try:
            import casadi as ca
        except ImportError:  # pragma: no cover - casadi is a dependency
            raise BackendUnavailable("the camera planner needs casadi", hint="pip install casadi") from None
        self.ca = ca
        K, dt = HORIZON, CONTROL_DT
        self.n_sub, self.n_box = n_sub, n_box
        sw = scene.sensor_mm[0]
        aspect = scene.width / scene.height
        sh_eff = sw / aspect
        coc = scene.coc_mm
        n_step_p = n_sub * _SUBJ_P + _STEP_P + n_box * 4 + n_box * n_sub * 4
        self.n_step_p = n_step_p
        X = ca.SX.sym("X", _NX, K + 1)
        U = ca.SX.sym("U", _NU, K)
        S = ca.SX.sym("S", max(1, K * n_box * n_sub))  # sight-line slack per step, box, subject
        P = ca.SX.sym("P", n_step_p * (K + 1) + _NU)
        u_prev = P[n_step_p * (K + 1):]
        J = 0
        g: list[Any] = []
        lbg: list[float] = []
        ubg: list[float] = []
        pl = scene.platform
        vmax2, amax2 = pl.max_speed ** 2, pl.max_accel ** 2
        for k in range(K + 1):
            x = X[:, k]
            pk = P[k * n_step_p:(k + 1) * n_step_p]
            p, yaw, pitch, f, s, nf = x[0:3], x[6], x[7], x[8], x[9], x[10]
            cy, sy, cp, sp = ca.cos(yaw), ca.sin(yaw), ca.cos(pitch), ca.sin(pitch)
            right = ca.vertcat(sy, -cy, 0)
            up = ca.vertcat(-cy * sp, -sy * sp, cp)
            fwd = ca.vertcat(cp * cy, cp * sy, sp)
            kx = f / sw
            fm = f / 1000.0
            st = pk[n_sub * _SUBJ_P:n_sub * _SUBJ_P + _STEP_P]
            logh, pref, w_pos = st[0], st[1:4], st[4]
            yr_ref, w_yr, pr_ref, w_pr, fref, w_f, nref, w_n = (st[5], st[6], st[7], st[8], st[9], st[10],
                                                                st[11], st[12])
            for j in range(n_sub):
                q = pk[j * _SUBJ_P:(j + 1) * _SUBJ_P]
                h = q[0:3]
                d = h - p
                xc, yc, zc = ca.dot(d, right), ca.dot(d, up), ca.dot(d, fwd)
                zs = ca.fmax(zc, 0.1)
                u = 0.5 + kx * xc / zs
                v = 0.5 - kx * aspect * yc / zs
                J += _W_PLACE * q[5] * ((u - q[3]) ** 2 + ((v - q[4]) / aspect) ** 2)
                J += 3.0 * q[6] * (ca.log(zs * sh_eff / f) - logh) ** 2
                coc_j = 1000.0 * fm * fm / nf * ca.fabs(zs - s) / (zs * (s - fm))
                J += 300.0 * q[7] * ((s - zs) / zs) ** 2 + 1e3 * q[7] * ca.fmax(0, coc_j / coc - 0.4) ** 2
                J += 50.0 * q[8] * ca.fmax(0, coc_j / coc - 0.8) ** 2
                J += _W_SOFT * q[9] * ca.fmax(0, 2.0 - coc_j / coc) ** 2
                if k > 0:
                    g.append(zc - q[10])
                    lbg.append(0.0)
                    ubg.append(math.inf)
                    # minimum distance to the subject's vertical extent (head point + EYE_BELOW_TOP_M up)
                    top = h[2] + EYE_BELOW_TOP_M
                    dz = ca.fmax(0, p[2] - top)
                    g.append((p[0] - h[0]) ** 2 + (p[1] - h[1]) ** 2 + dz ** 2)
                    lbg.append(scene.min_distance ** 2)
                    ubg.append(math.inf)
            J += w_pos * ca.sumsqr(p - pref)
            J += w_f * ((f - fref) / fref) ** 2 + w_n * (nf - nref) ** 2
            base = n_sub * _SUBJ_P + _STEP_P
            if k > 0:
                for m in range(n_box):
                    hs = pk[base + 4 * m:base + 4 * m + 4]
                    g.append(ca.dot(hs[0:3], p) - hs[3])
                    lbg.append(0.0)
                    ubg.append(math.inf)
                    for j in range(n_sub):
                        o = base + 4 * n_box + 4 * (m * n_sub + j)
                        hs = pk[o:o + 4]
                        g.append(ca.dot(hs[0:3], p) - hs[3] + S[(k - 1) * n_box * n_sub + m * n_sub + j])
                        lbg.append(0.0)
                        ubg.append(math.inf)
                g.append(ca.sumsqr(x[3:6]))
                lbg.append(0.0)
                ubg.append(vmax2 + 1e-9)
            if k < K:
                uk = U[:, k]
                a = uk[0:3]
                xn = X[:, k + 1]
                g.append(xn[0:3] - (p + x[3:6] * dt + a * (dt * dt / 2)))
                g.append(xn[3:6] - (x[3:6] + a * dt))
                g.append(xn[6:11] - (x[6:11] + uk[3:8] * dt))
                lbg += [0.0] * 11
                ubg += [0.0] * 11
                g.append(ca.sumsqr(a))
                lbg.append(0.0)
                ubg.append(amax2 + 1e-9)
                prev = u_prev if k == 0 else U[:, k - 1]
                J += 0.05 * ca.sumsqr(a) + 0.02 * ca.sumsqr((a - prev[0:3]) / dt)
                J += 2.0 * (uk[3] ** 2 + uk[4] ** 2) + 0.2 * ((uk[3] - prev[3]) / dt) ** 2 \
                    + 0.2 * ((uk[4] - prev[4]) / dt) ** 2
                J += w_yr * (uk[3] - yr_ref) ** 2 + w_pr * (uk[4] - pr_ref) ** 2
                J += 2e-4 * uk[5] ** 2 + 2e-5 * ((uk[5] - prev[5]) / dt) ** 2
                J += 5e-3 * uk[6] ** 2 + 5e-4 * ((uk[6] - prev[6]) / dt) ** 2
                J += 1e-2 * uk[7] ** 2
            J += 0.2 * ca.sumsqr(x[3:6])
        J += 1e4 * ca.sum1(S)
        w = ca.vertcat(ca.vec(X), ca.vec(U), S)
        self.n_w = int(w.shape[0])
        nlp = {"x": w, "f": J, "g": ca.vertcat(*g), "p": P}
        opts = {"print_time": False, "ipopt.print_level": 0, "ipopt.sb": "yes", "ipopt.max_iter": 60,
                "ipopt.tol": 1e-5, "ipopt.acceptable_tol": 1e-3, "ipopt.acceptable_iter": 3,
                "ipopt.max_wall_time": SOLVE_TIME_LIMIT_S, "ipopt.max_cpu_time": SOLVE_TIME_LIMIT_S,
                "ipopt.warm_start_init_point": "yes", "ipopt.mu_init": 1e-3,
                "ipopt.warm_start_bound_push": 1e-6, "ipopt.warm_start_mult_bound_push": 1e-6,
                "ipopt.mu_strategy": "adaptive", "ipopt.linear_solver": "mumps"}
        self.solver = ca.nlpsol("camera_mpc", "ipopt", nlp, opts)
        self.lbg, self.ubg = np.array(lbg), np.array(ubg)
        # bounds
        lx = np.full((_NX, K + 1), -np.inf)
        ux = np.full((_NX, K + 1), np.inf)
        lx[2], lx[7], ux[7] = 0.1, -math.radians(80), math.radians(80)
        lx[8], ux[8] = scene.lens.focal_mm
        lx[9], ux[9] = 0.25, 1000.0
        lx[10], ux[10] = scene.lens.f_number
        lu = np.full((_NU, K), -np.inf)
        uu = np.full((_NU, K), np.inf)
        ymax, pmax = math.radians(pl.max_yaw_rate_deg), math.radians(pl.max_pitch_rate_deg)
        lu[3], uu[3], lu[4], uu[4] = -ymax, ymax, -pmax, pmax
        lu[5], uu[5] = -scene.lens.max_zoom_speed_mmps, scene.lens.max_zoom_speed_mmps
        lu[6], uu[6] = -scene.lens.max_focus_speed_mps, scene.lens.max_focus_speed_mps
        lu[7], uu[7] = -8.0, 8.0
        if pl.kind in ("tripod", "dolly"):
            lx[5], ux[5], lu[2], uu[2] = 0.0, 0.0, 0.0, 0.0  # no vertical motion
        if pl.kind == "tripod":
            lx[3:6], ux[3:6], lu[0:3], uu[0:3] = 0.0, 0.0, 0.0, 0.0
        self.lx, self.ux, self.lu, self.uu = lx, ux, lu, uu
        self.K = K

    def solve(self, x0: np.ndarray, free_setup: bool, params: np.ndarray, guess: np.ndarray,
              lam_x: np.ndarray | None, lam_g: np.ndarray | None) -> tuple[np.ndarray, bool, str, Any, Any]:
        lx, ux = self.lx.copy(), self.ux.copy()
        keep = list(range(6)) if free_setup else list(range(_NX))
        if self.n_sub == 0:  # pragma: no cover
            keep = list(range(_NX))
        for i in keep:
            lx[i, 0] = ux[i, 0] = x0[i]
        ns = max(1, self.K * self.n_box * self.n_sub)
        lbw = np.concatenate([lx.T.ravel(), self.lu.T.ravel(), np.zeros(ns)])
        ubw = np.concatenate([ux.T.ravel(), self.uu.T.ravel(), np.full(ns, np.inf)])
        g0 = np.clip(guess, lbw, ubw)
        args: dict[str, Any] = {"x0": g0, "p": params, "lbx": lbw, "ubx": ubw, "lbg": self.lbg, "ubg": self.ubg}
        if lam_x is not None and lam_g is not None:
            args["lam_x0"], args["lam_g0"] = lam_x, lam_g
        res = self.solver(**args)
        st = self.solver.stats()
        status = str(st.get("return_status", ""))
        ok = bool(st.get("success", False)) or status in ("Solve_Succeeded", "Solved_To_Acceptable_Level")
        return np.asarray(res["x"]).ravel(), ok, status, np.asarray(res["lam_x"]).ravel(), \
            np.asarray(res["lam_g"]).ravel()

    def unpack(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        K = self.K
        X = w[:_NX * (K + 1)].reshape(K + 1, _NX)
        U = w[_NX * (K + 1):_NX * (K + 1) + _NU * K].reshape(K, _NU)
        return X, U

    def pack(self, X: np.ndarray, U: np.ndarray) -> np.ndarray:
        return np.concatenate([X.ravel(), U.ravel(), np.zeros(max(1, self.K * self.n_box * self.n_sub))])


# -- references from the shot goals and moves ------------------------------------------------------
@dataclass
class _Anchor:
    """Camera state at the start of a shot (after the setup solve): what moves are relative to."""

    p: np.ndarray
    yaw: float
    pitch: float
    focal: float


def _move_refs(scene: Scene, shot: Shot, anchor: _Anchor, t: float, names: list[str],
               view: np.ndarray | None = None) -> dict[str, Any]:
    """Goals at absolute time ``t`` of a shot: placement targets/weights per subject, focus subject, size
    weight and log target, position/rate/focal references and their weights. ``view`` is where the
    camera is expected to be at ``t`` (default: the anchor), for the default thirds' order."""
    rel = t - shot.start_s
    place = placement_at(shot, {n: scene.subjects[n].head(t) for n in shot.auto_place},
                         anchor.p if view is None else view)
    ref: dict[str, Any] = {
        "place": {n: (place[n], 1.0) for n in shot.subjects if n in place},
        "focus": shot.focus, "w_size": 1.0, "logh": math.log(SIZE_FRAME_HEIGHT_M[shot.size]),
        "pref": anchor.p, "w_pos": 0.0, "yr": 0.0, "w_yr": 0.0, "pr": 0.0, "w_pr": 0.0,
        "fref": anchor.focal, "w_f": 0.0,
    }
    lo_f, hi_f = scene.lens.focal_mm
    main = scene.subjects[shot.subjects[0]]
    for mv in shot.moves:
        t0 = mv.t0
        t1 = mv.t1 if mv.t1 is not None else shot.end_s - shot.start_s
        tau = min(max(rel, t0), t1) - t0  # seconds of the move done
        subj = scene.subjects[mv.subject] if mv.subject else main
        if mv.kind == "rack_focus":
            if rel >= t0:
                ref["focus"] = mv.subject
            continue
        if mv.kind == "reveal":
            name = mv.subject or main.name
            tr = reveal_time(shot, mv)
            t_in = max(0.0, tr - 1.5)  # enters from off frame over the last 1.5 s
            u_end, v_end = place.get(name, (1 / 3, 1 / 3))
            a = min(1.0, max(0.0, (rel - t_in) / max(tr - t_in, 1e-3)))
            u_start = -0.25 if u_end < 0.5 else 1.25
            ref["place"][name] = ((u_start * (1 - a) + u_end * a, v_end), 1.0)
            continue
        if mv.kind in ("static", "pan", "tilt", "zoom"):
            ref["pref"], ref["w_pos"] = anchor.p, 200.0
            if mv.kind == "static":
                ref["w_yr"] = ref["w_pr"] = 200.0
                ref["fref"], ref["w_f"] = anchor.focal, 50.0
            elif mv.kind == "pan":
                ref["yr"], ref["w_yr"] = mv.sign * math.radians(12.0) * mv.speed if t0 <= rel <= t1 else 0.0, 20.0
            elif mv.kind == "tilt":
                ref["pr"], ref["w_pr"] = mv.sign * math.radians(8.0) * mv.speed if t0 <= rel <= t1 else 0.0, 20.0
            else:
                rate = 0.25 * mv.speed * mv.sign
                ref["fref"] = float(np.clip(anchor.focal * math.exp(rate * tau), lo_f, hi_f))
                ref["w_f"], ref["w_size"] = 50.0, 0.0
            continue
        h0 = subj.head(shot.start_s)
        if mv.kind in ("dolly", "dolly_zoom"):
            d = h0[:2] - anchor.p[:2]
            dist = float(np.linalg.norm(d))
            dirv = np.array([*(d / max(dist, 1e-6)), 0.0])
            speed = 0.35 * mv.speed * (mv.sign or 1)
            closest = scene.min_distance + 0.4
            travel = speed * tau
            travel = min(travel, dist - closest) if travel > 0 else travel
            ref["pref"], ref["w_pos"] = anchor.p + dirv * travel, 30.0
            if mv.kind == "dolly":
                ref["fref"], ref["w_f"], ref["w_size"] = anchor.focal, 50.0, 0.0
            else:
                ref["w_size"] = 20.0
        elif mv.kind == "truck":
            right, _, _ = _axes(anchor.yaw, anchor.pitch)
            ref["pref"], ref["w_pos"] = anchor.p - right * mv.sign * 0.4 * mv.speed * tau, 30.0
            ref["fref"], ref["w_f"], ref["w_size"] = anchor.focal, 50.0, 0.0
        elif mv.kind in ("pedestal", "crane"):
            rate = (0.25 if mv.kind == "pedestal" else 0.5) * mv.speed * mv.sign
            ref["pref"], ref["w_pos"] = anchor.p + np.array([0.0, 0.0, rate * tau]), 30.0
            ref["fref"], ref["w_f"], ref["w_size"] = anchor.focal, 50.0, 0.0
        elif mv.kind == "orbit":
            c = subj.feet(t)
            c0 = subj.feet(shot.start_s)
            r = max(float(np.linalg.norm(anchor.p[:2] - c0[:2])), scene.min_distance + 0.3)
            phi0 = math.atan2(anchor.p[1] - c0[1], anchor.p[0] - c0[0])
            phi = phi0 - mv.sign * math.radians(15.0) * mv.speed * tau  # arc left = camera moves to its left
            ref["pref"] = np.array([c[0] + r * math.cos(phi), c[1] + r * math.sin(phi), anchor.p[2]])
            ref["w_pos"] = 30.0
            ref["fref"], ref["w_f"], ref["w_size"] = anchor.focal, 20.0, 0.3
        elif mv.kind == "follow":
            ref["pref"] = anchor.p + (subj.feet(t) - subj.feet(shot.start_s))
            ref["w_pos"] = 10.0
    for n in names:
        ref["place"].setdefault(n, ((0.5, 0.5), 0.0))
    return ref


# -- the loop -----------------------------------------------------------------------------------------
def _precheck(scene: Scene) -> list[str]:
    reasons: list[str] = []
    p0 = scene.platform.start_position
    for i, b in enumerate(scene.keep_out):
        if b.contains(p0):
            reasons.append(f"the camera starts inside keep-out box {i}")
    for n, s in scene.subjects.items():
        h = s.head(0.0)
        dz = max(0.0, p0[2] - (h[2] + EYE_BELOW_TOP_M))
        d = math.sqrt((p0[0] - h[0]) ** 2 + (p0[1] - h[1]) ** 2 + dz ** 2)
        if d < scene.min_distance - 1e-9:
            reasons.append(f"the camera starts {d:.2f} m from {n}, nearer than min_distance "
                           f"{scene.min_distance:g} m")
    for i, shot in enumerate(scene.shots):
        for t in np.linspace(shot.start_s, shot.end_s, 3):
            for n in shot.subjects:
                h = scene.subjects[n].head(float(t))
                for bi, b in enumerate(scene.keep_out):
                    if b.contains(h):
                        reasons.append(f"shot {i + 1}: {n} is inside keep-out box {bi} at {t:.2f} s, "
                                       "so no camera can see them")
        if reasons:
            continue
        t = shot.start_s
        heads = [scene.subjects[n].head(t) for n in shot.subjects]
        if not _visible_somewhere(scene, shot, heads, t, i == 0):
            reasons.append(f"shot {i + 1}: no allowed camera position ({scene.platform.kind}) sees "
                           f"{', '.join(shot.subjects)} at {t:.2f} s (keep-out boxes, min_distance)")
        if scene.platform.kind == "tripod" and any(m.kind in ("dolly", "truck", "pedestal", "crane", "orbit",
                                                              "follow", "dolly_zoom") for m in shot.moves):
            reasons.append(f"shot {i + 1}: a tripod cannot {shot.direction!r} (it does not translate)")
        if scene.platform.kind == "dolly" and any(m.kind in ("pedestal", "crane") for m in shot.moves):
            reasons.append(f"shot {i + 1}: a dolly on rails cannot pedestal or crane (no vertical travel)")
    return reasons


def _visible_somewhere(scene: Scene, shot: Shot, heads: list[np.ndarray], t: float, first: bool) -> bool:
    pl = scene.platform
    if shot.setup is not None:
        cands = [shot.setup]
    elif pl.kind == "tripod" or (first and pl.max_speed == 0):
        cands = [pl.start_position]
    else:
        c = np.mean(heads, axis=0)
        zs = [pl.start_position[2]] if pl.kind == "dolly" else [0.4, 1.0, 1.6, 2.5, 4.0, 7.0]
        cands = [np.array([c[0] + r * math.cos(a), c[1] + r * math.sin(a), z])
                 for r in (scene.min_distance + 0.3, 1.5, 3.0, 5.0, 8.0, 13.0, 20.0)
                 for a in np.linspace(0, 2 * math.pi, 36, endpoint=False) for z in zs]
    for q in cands:
        if any(b.contains(q, _KEEP_OUT_MARGIN * 0.5) for b in scene.keep_out):
            continue
        if any(math.hypot(q[0] - s.head(t)[0], q[1] - s.head(t)[1]) < scene.min_distance
               for s in scene.subjects.values()):
            continue
        if all(not segment_hits_box(q, h, b) for h in heads for b in scene.keep_out):
            return True
    return False


def _setup_guess(scene: Scene, shot: Shot, p: np.ndarray, t: float, yaw_near: float) -> np.ndarray:
    heads = np.array([scene.subjects[n].head(t) for n in shot.subjects])
    c = heads.mean(axis=0)
    d = c - p
    yaw = math.atan2(d[1], d[0])
    yaw += 2 * math.pi * round((yaw_near - yaw) / (2 * math.pi))
    pitch = math.atan2(d[2], math.hypot(d[0], d[1]))
    dist = float(np.linalg.norm(d))
    sh_eff = scene.sensor_mm[0] * scene.height / scene.width
    f = float(np.clip(dist * sh_eff / SIZE_FRAME_HEIGHT_M[shot.size], *scene.lens.focal_mm))
    if len(shot.subjects) > 1:  # fit the spread between the thirds
        spread = max(float(np.linalg.norm(heads[0] - heads[-1])), 0.1)
        f = float(np.clip(min(f, dist / spread * scene.sensor_mm[0] / 3.0), *scene.lens.focal_mm))
    fd = float(np.linalg.norm(scene.subjects[shot.focus or shot.subjects[0]].head(t) - p))
    nf = float(np.sqrt(np.prod(scene.lens.f_number)))
    return np.array([*p, 0.0, 0.0, 0.0, yaw, pitch, f, max(fd, 0.3), nf])


def plan_scene(scene: Scene, *, progress: ProgressFn | None = None,
               on_step: Callable[[float, float], None] | None = None) -> Plan:
    """Plan the camera for every shot of ``scene`` (a new setup at each shot boundary).

    Returns a :class:`Plan` (frames at ``scene.fps``); ``plan.feasible`` is False with ``plan.issues``
    naming the reasons when a pre-check proves the scene impossible (then the plan has no frames) or
    when the executed track breaks a hard constraint. Never waits more than
    :data:`SOLVE_TIME_LIMIT_S` per MPC step. ``progress(done, total)`` counts MPC steps.

    Raises:
        BackendUnavailable: casadi missing.
    """
    reasons = _precheck(scene)
    if reasons:
        empty = np.zeros((0,))
        return Plan(scene.fps, empty, np.zeros((0, 3)), empty, empty, empty, empty, empty, empty.astype(int),
                    issues=reasons, feasible=False)
    names = list(scene.subjects)
    n_sub, n_box = len(names), len(scene.keep_out)
    mpc = _MPC(scene, n_sub, n_box)
    K, dt = HORIZON, CONTROL_DT
    total_steps = sum(math.ceil((s.end_s - s.start_s) / dt - 1e-9) for s in scene.shots)
    segments: list[tuple[float, float, np.ndarray, np.ndarray, int]] = []  # (t, dt, x, u, shot)
    plan = Plan(scene.fps, *(np.zeros(0) for _ in range(8)))
    x = np.array([*scene.platform.start_position, 0.0, 0.0, 0.0, math.radians(scene.platform.start_yaw_deg),
                  math.radians(scene.platform.start_pitch_deg), 35.0, 3.0, 4.0])
    u_prev = np.zeros(_NU)
    done = 0
    for si, shot in enumerate(scene.shots):
        if shot.setup is not None:
            x = x.copy()
            x[0:3], x[3:6] = shot.setup, 0.0
        if si > 0 and shot.start_s > scene.shots[si - 1].end_s + 1e-9:
            x[3:6] = 0.0
        if scene.platform.kind in ("dolly", "tripod"):
            x[5] = 0.0
        guess_x = _setup_guess(scene, shot, x[0:3], shot.start_s, x[6])
        guess_x[3:6] = x[3:6]
        X = np.tile(guess_x, (K + 1, 1))
        for k in range(K + 1):
            X[k, 0:3] = x[0:3] + x[3:6] * k * dt
        U = np.zeros((K, _NU))
        lam_x = lam_g = None
        anchor = _Anchor(x[0:3].copy(), float(guess_x[6]), float(guess_x[7]), float(guess_x[8]))
        t = shot.start_s
        first = True
        while t < shot.end_s - 1e-6:
            params = _params(scene, shot, anchor, t, names, X, u_prev if not first else np.zeros(_NU), mpc)
            guess = mpc.pack(X, U)
            w0, c0 = time.perf_counter(), time.process_time()
            w, ok, _status, lx, lg = mpc.solve(x, first, params, guess, lam_x, lam_g)
            if first:  # setting up the shot (before rolling): polish the framing with a few more solves
                for _ in range(SETUP_RESOLVES):
                    Xs, Us = mpc.unpack(w)
                    anchor = _Anchor(Xs[0, 0:3].copy(), float(Xs[0, 6]), float(Xs[0, 7]), float(Xs[0, 8]))
                    params = _params(scene, shot, anchor, t, names, Xs, np.zeros(_NU), mpc)
                    w, ok, _status, lx, lg = mpc.solve(x, True, params, w, lx, lg)
                plan.setup_wall_s.append(time.perf_counter() - w0)
            else:
                plan.solve_wall_s.append(time.perf_counter() - w0)
                plan.solve_cpu_s.append(time.process_time() - c0)
            Xs, Us = mpc.unpack(w)
            if not ok and not _acceptable(mpc, scene, Xs, Us):
                plan.failed_steps += 1
                if first:
                    Xs, Us = X.copy(), U.copy()
                    Xs[0, 6:11] = guess_x[6:11]
                else:
                    Xs = np.vstack([X[1:], X[-1:]])
                    Us = np.vstack([U[1:], np.zeros((1, _NU))])
                    Us[0, 0:3] = np.clip(-x[3:6] / dt, -scene.platform.max_accel, scene.platform.max_accel)
                    Us[0, 3:] = 0.0
                    Xs[0] = x
                lam_x = lam_g = None
            else:
                lam_x, lam_g = lx, lg
            x = Xs[0].copy() if first else x
            if first:
                anchor = _Anchor(x[0:3].copy(), float(x[6]), float(x[7]), float(x[8]))
                first = False
            u0 = Us[0].copy()
            step = min(dt, shot.end_s - t)
            segments.append((t, step, x.copy(), u0, si))
            x = _integrate(x, u0, step)
            u_prev = u0
            X = np.vstack([Xs[1:], Xs[-1:]])
            X[0] = x
            U = np.vstack([Us[1:], Us[-1:]])
            t += step
            done += 1
            if progress is not None:
                progress(done, total_steps)
    _frames_from(plan, scene, segments)
    if scene.raw:  # check the executed track with the independent evaluator (the contract's pinhole)
        from reelkit.camera.planner_eval import evaluate_track

        ev = evaluate_track(scene.raw, track_dict(plan))
        if ev["violations"]:
            plan.feasible = False
            plan.issues.append("the executed track breaks constraints: " + ", ".join(
                f"{k} ({v} frames)" for k, v in ev["violation_kinds"].items()))
    if plan.failed_steps:
        plan.issues.append(f"{plan.failed_steps} MPC steps did not converge in time (the previous plan was used)")
    return plan


def _acceptable(mpc: _MPC, scene: Scene, X: np.ndarray, U: np.ndarray) -> bool:
    """A time-limited solve's iterate is still usable when it is finite and meets the hard limits."""
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(U))):
        return False
    pl = scene.platform
    a_ok = np.all(np.linalg.norm(U[:, 0:3], axis=1) <= pl.max_accel * 1.001 + 1e-6)
    v_ok = np.all(np.linalg.norm(X[:, 3:6], axis=1) <= pl.max_speed * 1.001 + 1e-6)
    r_ok = np.all(np.abs(U[:, 3]) <= math.radians(pl.max_yaw_rate_deg) * 1.001 + 1e-6)
    box_ok = not any(b.contains(X[1, 0:3]) for b in scene.keep_out)
    return bool(a_ok and v_ok and r_ok and box_ok)


def _integrate(x: np.ndarray, u: np.ndarray, tau: float) -> np.ndarray:
    out = x.copy()
    out[0:3] = x[0:3] + x[3:6] * tau + u[0:3] * (tau * tau / 2)
    out[3:6] = x[3:6] + u[0:3] * tau
    out[6:11] = x[6:11] + u[3:8] * tau
    return out


def _params(scene: Scene, shot: Shot, anchor: _Anchor, t: float, names: list[str], X: np.ndarray,
            u_prev: np.ndarray, mpc: _MPC) -> np.ndarray:
    K, dt = HORIZON, CONTROL_DT
    rows = []
    sizes_w = 1.0
    for k in range(K + 1):
        tk = min(t + k * dt, shot.end_s)
        pos = X[min(k, K), 0:3]
        ref = _move_refs(scene, shot, anchor, tk, names, pos)
        row: list[float] = []
        heads = {n: scene.subjects[n].head(tk) for n in names}
        for n in names:
            (ut, vt), wp = ref["place"][n]
            framed = wp > 0
            wsz = ref["w_size"] * sizes_w if n == shot.subjects[0] else 0.0
            wfoc = 1.0 if n == ref["focus"] else 0.0
            deep = 1.0 if (shot.dof == "deep" and n in shot.subjects and wfoc == 0) else 0.0
            shallow = 1.0 if (shot.dof == "shallow" and n in shot.subjects and wfoc == 0) else 0.0
            row += [*heads[n], ut, vt, wp, wsz, wfoc, deep, shallow, 0.3 if (framed or wfoc) else -1e4]
        lo_n, hi_n = scene.lens.f_number
        nref, w_n = (lo_n, 0.05) if shot.dof == "shallow" else (math.sqrt(lo_n * hi_n), 0.005)
        row += [ref["logh"], *ref["pref"], ref["w_pos"], ref["yr"], ref["w_yr"], ref["pr"], ref["w_pr"],
                ref["fref"], ref["w_f"], nref, w_n]
        for b in scene.keep_out:
            n_, b_ = _sep_face(b, [pos], _KEEP_OUT_MARGIN)
            row += [*n_, b_]
        for b in scene.keep_out:
            for n in names:
                if ref["place"][n][1] > 0 or n == ref["focus"]:
                    n_, b_ = _sep_face(b, [pos, heads[n]], 0.02)
                else:
                    n_, b_ = np.zeros(3), -1e6
                row += [*n_, b_]
        rows.append(row)
    return np.concatenate([np.asarray(rows, dtype=np.float64).ravel(), u_prev])


def _frames_from(plan: Plan, scene: Scene,
                 segments: list[tuple[float, float, np.ndarray, np.ndarray, int]]) -> None:
    n = scene.n_frames
    times = np.arange(n) / scene.fps
    states = np.zeros((n, _NX))
    shot_idx = np.zeros(n, dtype=int)
    starts = np.array([s[0] for s in segments])
    for i, t in enumerate(times):
        j = int(np.searchsorted(starts, t + 1e-6, side="right") - 1)
        j = max(0, min(j, len(segments) - 1))
        t0, step, x0, u0, si = segments[j]
        states[i] = _integrate(x0, u0, min(max(0.0, t - t0), step))  # held between shots, never extrapolated
        shot_idx[i] = si
    plan.times = times
    plan.positions = states[:, 0:3]
    plan.yaw_deg = np.degrees(states[:, 6])
    plan.pitch_deg = np.degrees(states[:, 7])
    plan.focal_mm = states[:, 8]
    plan.focus_m = states[:, 9]
    plan.f_number = states[:, 10]
    plan.shot_index = shot_idx
