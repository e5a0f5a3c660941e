"""SCENE.json for the camera planner: loading, validation, plain-English directions, and scenes from shot lists.

Contract (units metres, seconds, degrees; world right-handed, ``z`` up)::

    {"fps", "duration_s", "image": {"width", "height"}, "sensor_mm": [w, h],
     "lens": {"focal_mm": [min, max], "f_number": [min, max]}, "coc_mm",
     "platform": {"kind": "drone"|"dolly"|"tripod", "max_speed", "max_accel", "max_yaw_rate_deg",
                  "start": {"position", "yaw_deg", "pitch_deg"}},
     "keep_out": [{"min": [x, y, z], "max": [x, y, z]}], "min_distance",
     "subjects": [{"name", "height_m", "track": [{"t", "position": [x, y, z]}]}],
     "shots": [{"start_s", "end_s", "subjects": [...], "size": "MCU", "placement": {"NAME": [u, v]},
                "focus": "NAME", "dof": "shallow"|"deep", "direction": "..."}]}

``position`` of a subject is its feet on the ground, linear between samples (held before the first
and after the last). ``[u, v]`` is the head's image position as a fraction of width and height from
the top left; the *head point* is :data:`EYE_BELOW_TOP_M` below the top of the subject (the eye line,
as the storyboard's figures). Optional extensions (not required by the contract):
``lens.max_focus_speed_mps`` (focus-pull speed, m/s), ``lens.max_zoom_speed_mmps`` (mm of focal length
a second), ``platform.max_pitch_rate_deg``, a subject's ``"kind": "person"|"prop"`` and ``"size": [w, d, h]``
(a prop is drawn as a box in the previz; its position is the centre of its base) and a shot's
``"setup": {"position": [x, y, z]}`` (where the
camera stands after the cut into that shot). Missing platform limits come from :data:`PLATFORM_PRESETS`.

Shot sizes are the height of the frame at the main subject (:data:`SIZE_FRAME_HEIGHT_M`, the framing
heights the shot list uses: an MCU shows 0.62 m, chest up). Directions are parsed by
:func:`parse_direction` into :class:`Move` s from :data:`MOVE_KINDS`.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.errors import InputFormatError, UsageError
from reelkit.shots import SIZES, normalize_size

__all__ = [
    "EYE_BELOW_TOP_M",
    "MOVE_KINDS",
    "PLATFORM_PRESETS",
    "SIZE_FRAME_HEIGHT_M",
    "Box",
    "LensLimits",
    "Move",
    "Platform",
    "Scene",
    "Shot",
    "Subject",
    "default_placement",
    "load_scene",
    "parse_direction",
    "parse_scene",
    "reveal_time",
    "scene_from_script",
    "scene_from_shotlist",
]

#: the head point (eye line) sits this far below the top of a subject (m), as in the board's figures
EYE_BELOW_TOP_M = 0.13
#: frame height at the main subject for each shot size (m)
SIZE_FRAME_HEIGHT_M: dict[str, float] = {"ECU": 0.22, "CU": 0.42, "MCU": 0.62, "MS": 0.95, "MWS": 1.5,
                                         "WS": 2.6, "EWS": 8.0}
assert set(SIZE_FRAME_HEIGHT_M) == set(SIZES)
#: kind → default limits: max_speed (m/s), max_accel (m/s²), max_yaw_rate_deg (°/s)
PLATFORM_PRESETS: dict[str, dict[str, float]] = {
    "drone": {"max_speed": 6.0, "max_accel": 3.0, "max_yaw_rate_deg": 90.0},
    "dolly": {"max_speed": 1.5, "max_accel": 1.0, "max_yaw_rate_deg": 60.0},
    "tripod": {"max_speed": 0.0, "max_accel": 0.0, "max_yaw_rate_deg": 45.0},
}
#: the move vocabulary of directions
MOVE_KINDS: tuple[str, ...] = ("static", "pan", "tilt", "dolly", "truck", "pedestal", "crane", "orbit", "follow",
                               "reveal", "rack_focus", "dolly_zoom", "zoom")
_LIMIT = 1e5  # coordinates beyond ±100 km are a mistake


@dataclass(frozen=True)
class Subject:
    """A subject: name, height (m) and a track of feet positions ``positions[i]`` at ``times[i]`` (sorted)."""

    name: str
    height_m: float
    times: np.ndarray
    positions: np.ndarray
    kind: str = "person"
    size: tuple[float, float, float] | None = None

    def feet(self, t: float | np.ndarray) -> np.ndarray:
        """Feet position(s) at ``t`` (s): shape ``(3,)`` or ``(len(t), 3)``; linear, held at the ends."""
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        out = np.stack([np.interp(tt, self.times, self.positions[:, i]) for i in range(3)], axis=-1)
        return out[0] if np.ndim(t) == 0 else out

    def head(self, t: float | np.ndarray) -> np.ndarray:
        """Head point (eye line) at ``t``: feet + (height − :data:`EYE_BELOW_TOP_M`) up."""
        return self.feet(t) + np.array([0.0, 0.0, self.height_m - EYE_BELOW_TOP_M])


@dataclass(frozen=True)
class Box:
    """An axis-aligned keep-out box (m)."""

    lo: np.ndarray
    hi: np.ndarray

    def contains(self, p: np.ndarray, margin: float = 0.0) -> bool:
        return bool(np.all(p > self.lo - margin) and np.all(p < self.hi + margin))


@dataclass(frozen=True)
class LensLimits:
    """Zoom and aperture ranges, focus-pull and zoom speed limits."""

    focal_mm: tuple[float, float]
    f_number: tuple[float, float]
    max_focus_speed_mps: float = 4.0
    max_zoom_speed_mmps: float = 60.0


@dataclass(frozen=True)
class Platform:
    """Camera support: kind, limits and the start pose (position m, yaw/pitch degrees)."""

    kind: str
    max_speed: float
    max_accel: float
    max_yaw_rate_deg: float
    start_position: np.ndarray
    start_yaw_deg: float
    start_pitch_deg: float
    max_pitch_rate_deg: float


@dataclass(frozen=True)
class Move:
    """One parsed move of a direction.

    ``kind`` from :data:`MOVE_KINDS`; ``sign`` +1/−1 for in/out, left/right, up/down (0 when
    undirected); ``speed`` a factor (0.5 slow, 1 normal, 2 fast); ``t0``/``t1`` seconds from the
    shot start (``t1`` None = to the end); ``subject`` the name the move is about, if any.
    """

    kind: str
    sign: int = 0
    subject: str | None = None
    speed: float = 1.0
    t0: float = 0.0
    t1: float | None = None


@dataclass(frozen=True)
class Shot:
    """One shot's goals (see the module doc); ``moves`` parsed from ``direction``."""

    start_s: float
    end_s: float
    subjects: tuple[str, ...]
    size: str
    placement: dict[str, tuple[float, float]]
    focus: str | None
    dof: str
    direction: str = ""
    moves: tuple[Move, ...] = ()
    setup: np.ndarray | None = None
    #: subjects whose placement is the default thirds (none given in SCENE.json): they swap thirds
    #: when they cross on screen (:func:`placement_at`)
    auto_place: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scene:
    """A validated SCENE.json."""

    fps: float
    duration_s: float
    width: int
    height: int
    sensor_mm: tuple[float, float]
    lens: LensLimits
    coc_mm: float
    platform: Platform
    keep_out: tuple[Box, ...]
    min_distance: float
    subjects: dict[str, Subject]
    shots: tuple[Shot, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_frames(self) -> int:
        return max(1, round(self.duration_s * self.fps))


# -- validation helpers ---------------------------------------------------------------------------
def _num(v: Any, what: str, *, lo: float = -_LIMIT, hi: float = _LIMIT, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputFormatError(f"{what} must be a number, got {v!r}")
    x = float(v)
    if not math.isfinite(x):
        raise InputFormatError(f"{what} must be finite, got {v!r}")
    if positive and x <= 0:
        raise InputFormatError(f"{what} must be positive, got {v!r}")
    if not lo <= x <= hi:
        raise InputFormatError(f"{what} must be between {lo:g} and {hi:g}, got {v!r}")
    return x


def _vec(v: Any, what: str, n: int = 3) -> np.ndarray:
    if not isinstance(v, list | tuple) or len(v) != n:
        raise InputFormatError(f"{what} must be a list of {n} numbers, got {v!r}")
    return np.array([_num(c, what) for c in v])


def _range(v: Any, what: str) -> tuple[float, float]:
    a, b = _vec(v, what, 2)
    if not 0 < a <= b:
        raise InputFormatError(f"{what} must be [min, max] with 0 < min <= max, got {v!r}")
    return float(a), float(b)


def _get(d: dict[str, Any], key: str, what: str) -> Any:
    if not isinstance(d, dict):
        raise InputFormatError(f"{what} must be a JSON object")
    if key not in d:
        raise InputFormatError(f"{what}: missing field {key!r}")
    return d[key]


def default_placement(names: tuple[str, ...], order_x: list[float] | None = None) -> dict[str, tuple[float, float]]:
    """Rule-of-thirds head placement: one subject on the left third line, two on the thirds, more spread
    evenly between ¼ and ¾; eyes on the upper third line. ``order_x`` (screen-x of each name as seen from
    the start) sorts them left to right, so the camera need not cross between them."""
    if not names:
        return {}
    idx = list(range(len(names)))
    if order_x is not None:
        idx.sort(key=lambda i: order_x[i])
    if len(names) == 1:
        us = [1.0 / 3.0]
    elif len(names) == 2:
        us = [1.0 / 3.0, 2.0 / 3.0]
    else:
        us = list(np.linspace(0.25, 0.75, len(names)))
    return {names[i]: (float(u), 1.0 / 3.0) for i, u in zip(idx, us, strict=True)}


#: angular scale (rad) of the hand-over when subjects with default thirds cross: two heads 0.05 rad
#: (about 3°) apart as seen from the camera are 73 % / 27 % of the way to their new thirds
SWAP_SCALE_RAD = 0.05


def placement_at(shot: Shot, heads: dict[str, np.ndarray], view: np.ndarray) -> dict[str, tuple[float, float]]:
    """Head targets ``{name: (u, v)}`` of ``shot`` when the camera is at ``view`` (m) and the heads at
    ``heads``: the shot's placement, except that subjects on default thirds (``shot.auto_place``) take
    the slots of :func:`default_placement` in their current left-to-right order as seen from ``view``.

    The order is soft: each subject's slot index is the sum over the others of
    ``sigmoid((a_i - a_j) / SWAP_SCALE_RAD)`` (``a`` = the head's horizontal angle from the line to
    the group's centroid), interpolated between the slots, so when two people cross, their targets
    slide past each other as they pass (meeting at the middle when they overlap) instead of jumping or
    keeping the person now on the right on the left third. The planner and the evaluator both use it.
    """
    out = dict(shot.placement)
    names = [n for n in shot.auto_place if n in heads]
    if len(names) < 2:
        return out
    pts = np.array([heads[n] for n in names], dtype=float)
    fwd = pts.mean(axis=0) - np.asarray(view, dtype=float)
    fwd[2] = 0.0
    if float(np.hypot(fwd[0], fwd[1])) < 1e-6:
        return out
    right = np.array([fwd[1], -fwd[0], 0.0])
    rel = pts - np.asarray(view, dtype=float)
    ang = np.arctan2(rel @ right, rel @ fwd)
    slots = [uv[0] for uv in sorted(default_placement(tuple(names)).values())]
    for i, n in enumerate(names):
        rank = float(np.sum(1.0 / (1.0 + np.exp(-(ang[i] - np.delete(ang, i)) / SWAP_SCALE_RAD))))
        out[n] = (float(np.interp(rank, np.arange(len(slots)), slots)), out[n][1])
    return out


def load_scene(path: str | os.PathLike[str]) -> Scene:
    """Read and validate a SCENE.json file.

    Raises:
        InputFormatError: unreadable, not JSON, or not a valid scene (the message names the field).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read scene {p}: {exc}") from None
    try:
        data = json.loads(text, parse_constant=lambda c: float("nan"))
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"{p} is not valid JSON: {exc}") from None
    return parse_scene(data)


def parse_scene(data: Any) -> Scene:
    """Validate a SCENE dict (see the module doc) into a :class:`Scene`.

    Raises:
        InputFormatError: a missing or invalid field, a NaN, an unknown subject, an empty track, a
            direction with words the parser does not understand.
    """
    if not isinstance(data, dict):
        raise InputFormatError("a scene must be a JSON object")
    fps = _num(_get(data, "fps", "scene"), "fps", lo=1, hi=240)
    duration = _num(_get(data, "duration_s", "scene"), "duration_s", lo=1e-3, hi=3600)
    image = _get(data, "image", "scene")
    width = int(_num(_get(image, "width", "image"), "image.width", lo=16, hi=8192))
    height = int(_num(_get(image, "height", "image"), "image.height", lo=16, hi=8192))
    sw, sh = _vec(_get(data, "sensor_mm", "scene"), "sensor_mm", 2)
    if sw <= 0 or sh <= 0:
        raise InputFormatError("sensor_mm must be two positive numbers")
    lens_d = _get(data, "lens", "scene")
    lens = LensLimits(_range(_get(lens_d, "focal_mm", "lens"), "lens.focal_mm"),
                      _range(_get(lens_d, "f_number", "lens"), "lens.f_number"),
                      _num(lens_d.get("max_focus_speed_mps", 4.0), "lens.max_focus_speed_mps", positive=True),
                      _num(lens_d.get("max_zoom_speed_mmps", 60.0), "lens.max_zoom_speed_mmps", positive=True))
    coc = _num(_get(data, "coc_mm", "scene"), "coc_mm", lo=1e-4, hi=1.0)
    pl = _get(data, "platform", "scene")
    kind = _get(pl, "kind", "platform")
    if kind not in PLATFORM_PRESETS:
        raise InputFormatError(f"platform.kind must be one of {', '.join(PLATFORM_PRESETS)}, got {kind!r}")
    preset = PLATFORM_PRESETS[kind]
    limits = {k: _num(pl.get(k, preset[k]), f"platform.{k}", lo=0.0) for k in preset}
    if kind == "tripod":
        limits["max_speed"] = limits["max_accel"] = 0.0
    start = _get(pl, "start", "platform")
    platform = Platform(kind, limits["max_speed"], limits["max_accel"], limits["max_yaw_rate_deg"],
                        _vec(_get(start, "position", "platform.start"), "platform.start.position"),
                        _num(start.get("yaw_deg", 0.0), "platform.start.yaw_deg"),
                        _num(start.get("pitch_deg", 0.0), "platform.start.pitch_deg", lo=-89, hi=89),
                        _num(pl.get("max_pitch_rate_deg", limits["max_yaw_rate_deg"]), "platform.max_pitch_rate_deg",
                             lo=0.0))
    boxes = []
    for i, b in enumerate(data.get("keep_out", []) or []):
        lo, hi = _vec(_get(b, "min", f"keep_out[{i}]"), f"keep_out[{i}].min"), _vec(
            _get(b, "max", f"keep_out[{i}]"), f"keep_out[{i}].max")
        if np.any(hi <= lo):
            raise InputFormatError(f"keep_out[{i}]: max must be above min on every axis")
        boxes.append(Box(lo, hi))
    min_d = _num(data.get("min_distance", 0.5), "min_distance", lo=0.0, hi=1000)
    subjects: dict[str, Subject] = {}
    subs = _get(data, "subjects", "scene")
    if not isinstance(subs, list) or not subs:
        raise InputFormatError("subjects must be a non-empty list")
    for i, s in enumerate(subs):
        name = _get(s, "name", f"subjects[{i}]")
        if not isinstance(name, str) or not name.strip():
            raise InputFormatError(f"subjects[{i}].name must be a non-empty string")
        if name in subjects:
            raise InputFormatError(f"subject {name!r} is listed twice")
        h = _num(s.get("height_m", 1.75), f"subject {name}: height_m", lo=0.05, hi=100)
        track = _get(s, "track", f"subject {name}")
        if not isinstance(track, list) or not track:
            raise InputFormatError(f"subject {name}: track is empty (give at least one {{t, position}} sample)")
        ts = np.array([_num(_get(k, "t", f"subject {name} track"), f"subject {name}: t") for k in track])
        ps = np.stack([_vec(_get(k, "position", f"subject {name} track"), f"subject {name}: position")
                       for k in track])
        if np.any(np.diff(ts) <= 0):
            raise InputFormatError(f"subject {name}: track times must increase")
        kind = s.get("kind", "person")
        if kind not in ("person", "prop"):
            raise InputFormatError(f"subject {name}: kind must be 'person' or 'prop', got {kind!r}")
        size = None
        if s.get("size") is not None:
            size = tuple(float(v) for v in _vec(s["size"], f"subject {name}: size"))
            if min(size) <= 0:
                raise InputFormatError(f"subject {name}: size must be positive")
        subjects[name] = Subject(name, h, ts, ps, kind, size)  # type: ignore[arg-type]
    shots_d = _get(data, "shots", "scene")
    if not isinstance(shots_d, list) or not shots_d:
        raise InputFormatError("shots must be a non-empty list")
    shots: list[Shot] = []
    for i, sd in enumerate(shots_d):
        what = f"shots[{i}]"
        t0 = _num(_get(sd, "start_s", what), f"{what}.start_s", lo=0.0)
        t1 = _num(_get(sd, "end_s", what), f"{what}.end_s", lo=0.0)
        if t1 <= t0:
            raise InputFormatError(f"{what}: end_s must be after start_s")
        if t0 >= duration:
            raise InputFormatError(f"{what} starts at {t0:g} s, after the scene ends ({duration:g} s)")
        if shots and t0 < shots[-1].end_s - 1e-9:
            raise InputFormatError(f"{what} overlaps the shot before it (shots must be in time order)")
        names = sd.get("subjects", [])
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InputFormatError(f"{what}: subjects must be a non-empty list of names")
        for n in names:
            if n not in subjects:
                raise InputFormatError(f"{what}: unknown subject {n!r} (the scene has {', '.join(subjects)})")
        try:
            size = normalize_size(str(sd.get("size", "MS")))
        except UsageError as exc:
            raise InputFormatError(f"{what}: {exc}") from None
        placement: dict[str, tuple[float, float]] = {}
        for n, uv in (sd.get("placement") or {}).items():
            if n not in names:
                raise InputFormatError(f"{what}: placement names {n!r}, which is not one of the shot's subjects")
            u, v = _vec(uv, f"{what}.placement.{n}", 2)
            if not (0 <= u <= 1 and 0 <= v <= 1):
                raise InputFormatError(f"{what}.placement.{n} must be fractions in [0, 1], got {uv!r}")
            placement[n] = (float(u), float(v))
        missing = tuple(n for n in names if n not in placement)
        if missing:
            order = _screen_x(platform, [subjects[n].head(t0) for n in missing])
            placement.update(default_placement(missing, order))
        focus = sd.get("focus", names[0])
        if focus not in subjects:
            raise InputFormatError(f"{what}: unknown focus subject {focus!r}")
        dof = sd.get("dof", "shallow")
        if dof not in ("shallow", "deep"):
            raise InputFormatError(f"{what}: dof must be 'shallow' or 'deep', got {dof!r}")
        direction = sd.get("direction", "") or ""
        if not isinstance(direction, str):
            raise InputFormatError(f"{what}: direction must be text")
        try:
            moves = parse_direction(direction, tuple(subjects), shot_length=t1 - t0)
        except UsageError as exc:
            raise InputFormatError(f"{what}: {exc}") from None
        for m in moves:
            if m.kind == "rack_focus" and m.subject and m.subject not in names:
                names = [*names, m.subject]
                placement.setdefault(m.subject, (2.0 / 3.0, 1.0 / 3.0))
        setup = None
        if sd.get("setup") is not None:
            setup = _vec(_get(sd["setup"], "position", f"{what}.setup"), f"{what}.setup.position")
        shots.append(Shot(t0, min(t1, duration), tuple(names), size, placement, focus, dof, direction, moves, setup,
                          auto_place=missing if len(missing) >= 2 else ()))
    return Scene(fps, duration, width, height, (float(sw), float(sh)), lens, coc, platform, tuple(boxes), min_d,
                 subjects, tuple(shots), raw=data)


def _screen_x(platform: Platform, heads: list[np.ndarray]) -> list[float]:
    """Horizontal screen order of points seen from the start position looking at their centroid."""
    c = np.mean(heads, axis=0)
    fwd = c - platform.start_position
    right = np.array([fwd[1], -fwd[0], 0.0])
    return [float(np.dot(h - platform.start_position, right)) for h in heads]


# -- directions -----------------------------------------------------------------------------------
_SPEED_WORDS = {"slow": 0.5, "slowly": 0.5, "gentle": 0.5, "gently": 0.5, "gradual": 0.5, "gradually": 0.5,
                "fast": 2.0, "quick": 2.0, "quickly": 2.0, "rapid": 2.0, "snap": 2.0, "steady": 1.0}
_FILLER = {"the", "a", "an", "on", "to", "onto", "towards", "toward", "of", "with", "camera", "we", "and",
           "then", "around", "round", "at", "s", "sec", "secs", "second", "seconds", "from", "until", "till",
           "over", "for", "shot", "move", "lens", "by"}
_DIR_WORDS = {"in": 1, "out": -1, "left": 1, "right": -1, "up": 1, "down": -1, "forward": 1, "back": -1,
              "backward": -1, "backwards": -1}
#: phrase → (kind, implied sign)
_PHRASES: list[tuple[str, str, int]] = [
    ("dolly zoom", "dolly_zoom", 0), ("vertigo", "dolly_zoom", 0), ("contra zoom", "dolly_zoom", 0),
    ("rack focus", "rack_focus", 0), ("pull focus", "rack_focus", 0), ("focus pull", "rack_focus", 0),
    ("rack", "rack_focus", 0),
    ("push in", "dolly", 1), ("pull out", "dolly", -1), ("pull back", "dolly", -1), ("push", "dolly", 1),
    ("dolly", "dolly", 0), ("track in", "dolly", 1), ("track out", "dolly", -1),
    ("truck", "truck", 0), ("track", "truck", 0), ("crab", "truck", 0),
    ("pedestal", "pedestal", 0), ("boom", "crane", 0), ("crane", "crane", 0), ("jib", "crane", 0),
    ("orbit", "orbit", 1), ("arc", "orbit", 1), ("circle", "orbit", 1),
    ("follow", "follow", 0), ("tracking", "follow", 0), ("reveal", "reveal", 0),
    ("pan", "pan", 0), ("tilt", "tilt", 0), ("zoom", "zoom", 0),
    ("static", "static", 0), ("locked off", "static", 0), ("lock off", "static", 0), ("hold", "static", 0),
    ("still", "static", 0),
]
_TIME = re.compile(r"\b(?:at|from)?\s*(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)?\s*(?:-|to|until|till)\s*"
                   r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\b|\b(at|after|over|for)\s+(\d+(?:\.\d+)?)\s*"
                   r"(?:s|sec|secs|seconds?)\b")


def parse_direction(text: str, subjects: tuple[str, ...], *, shot_length: float = math.inf) -> tuple[Move, ...]:
    """Parse a plain-English direction into moves.

    Clauses are separated by commas, ``;``, ``then`` or ``and``. Each clause holds one move phrase
    (``dolly in``, ``push in``, ``truck left``, ``orbit right around MAYA``, ``rack focus to LEO at 3 s``,
    ``dolly zoom on MAYA``, ``slow pan left``...), optionally a subject name, a speed word
    (slow/fast...) and a time (``at 3 s``, ``from 1 to 4 s``, ``over 2 s``). Times are seconds from the
    shot start. Subject names are matched case-insensitively.

    Raises:
        UsageError: words that are neither moves, directions, speeds, times, fillers nor subject names
            (the message lists them), or a move that needs a subject without one (rack focus).
    """
    moves: list[Move] = []
    names = {n.lower(): n for n in subjects}
    unknown: list[str] = []
    for clause in re.split(r"[,;]|\bthen\b|\band\b", text.strip().lower()):
        clause = clause.strip()
        if not clause:
            continue
        t0, t1 = 0.0, None
        m = _TIME.search(clause)
        if m:
            if m.group(1) is not None:
                t0, t1 = float(m.group(1)), float(m.group(2))
            elif m.group(3) in ("at", "after"):
                t0 = float(m.group(4))
            else:
                t1 = float(m.group(4))
            clause = (clause[:m.start()] + " " + clause[m.end():]).strip()
        # subject names (may contain spaces)
        subject = None
        for low, orig in sorted(names.items(), key=lambda kv: -len(kv[0])):
            mm = re.search(rf"(?<![\w]){re.escape(low)}(?![\w])", clause)
            if mm:
                subject = orig
                clause = clause[:mm.start()] + " " + clause[mm.end():]
                break
        kind, sign = None, 0
        for phrase, k, s in _PHRASES:
            mm = re.search(rf"\b{re.escape(phrase)}\b", clause)
            if mm:
                kind, sign = k, s
                clause = clause[:mm.start()] + " " + clause[mm.end():]
                break
        speed = 1.0
        for w in re.findall(r"[\w'.]+", clause):
            if w in _SPEED_WORDS:
                speed = _SPEED_WORDS[w]
            elif w in _DIR_WORDS:
                sign = _DIR_WORDS[w] if kind not in (None,) else sign
                if kind is None:
                    unknown.append(w)
            elif w in _FILLER or re.fullmatch(r"\d+(\.\d+)?", w):
                continue
            else:
                unknown.append(w)
        if kind is None:
            if not unknown:
                unknown.append(clause or "(empty)")
            continue
        if kind == "rack_focus" and subject is None:
            raise UsageError(f"'rack focus' needs a subject to pull to (one of {', '.join(subjects)})")
        if kind == "rack_focus" and m is None:
            t0 = shot_length / 2.0 if math.isfinite(shot_length) else 0.0
        if kind in ("pan", "truck", "orbit") and sign == 0:
            sign = 1
        if kind in ("dolly", "dolly_zoom", "pedestal", "crane", "zoom") and sign == 0:
            sign = 1
        moves.append(Move(kind, sign, subject, speed, t0, t1))
    if unknown:
        raise UsageError(f"direction {text!r}: did not understand {', '.join(repr(w) for w in dict.fromkeys(unknown))}"
                         f" (moves: {', '.join(MOVE_KINDS).replace('_', ' ')}; subjects: {', '.join(subjects)})")
    return tuple(moves)


# -- from pre-production --------------------------------------------------------------------------
_MOVEMENT_DIRECTION = {"static": "static", "pan_left": "pan left", "pan_right": "pan right", "tilt_up": "tilt up",
                       "tilt_down": "tilt down", "dolly_in": "slow dolly in", "dolly_out": "slow dolly out",
                       "truck_left": "truck left", "truck_right": "truck right", "pedestal_up": "pedestal up",
                       "pedestal_down": "pedestal down", "crane_up": "crane up", "crane_down": "crane down",
                       "zoom_in": "zoom in", "zoom_out": "zoom out", "arc_left": "arc left", "arc_right": "arc right",
                       "handheld": "", "steadicam": "", "rack_focus": ""}


def scene_from_shotlist(shotlist: Any, *, scene: str | int | None = None, blocking: dict[str, Any] | None = None,
                        platform: str = "drone", width: int = 960, height: int = 540,
                        fps: float = 24.0, max_shot_s: float | None = None) -> dict[str, Any]:
    """Build a SCENE dict (see the module doc) from a :class:`~reelkit.script.shotlist.ShotList` scene.

    The shots are the scene's setups in shot-list order, back to back, each for its planned duration,
    starting from its planned camera position (``setup``). Subjects stand where the shot list's staging
    puts them (static), unless ``blocking`` gives tracks: ``{"subjects": [{"name", "height_m",
    "track": [{"t", "position"}]}]}`` (the SCENE subject schema) overriding or adding subjects by name.
    Props (inserts) become small subjects. Each ShotSpec's movement becomes the shot's direction.
    ``max_shot_s`` trims every shot to at most that many seconds (quick previews).

    Raises:
        UsageError: no such scene, or a scene with nobody in it.
        InputFormatError: a malformed ``blocking``.
    """
    from reelkit.camera.lens import SENSORS

    scenes = shotlist.scenes
    if scene is None:
        cov = next((sc for sc in scenes if sc.blocking.figures), None)
        if cov is None:
            raise UsageError("no scene of the shot list has any character in it")
    else:
        cov = next((sc for sc in scenes if sc.number.upper() == str(scene).upper()), None)
        if cov is None:
            raise UsageError(f"no scene {scene!r} in the shot list (scenes: {', '.join(sc.number for sc in scenes)})")
    bl = cov.blocking
    subjects: dict[str, dict[str, Any]] = {}
    for f in bl.figures:
        subjects[f.name] = {"name": f.name, "height_m": round(f.height, 4),
                            "track": [{"t": 0.0, "position": [f.x, f.y, 0.0]}]}
    for p in bl.props:
        if p.label:  # a prop: its "head" point is its centre
            subjects[p.name] = {"name": p.name, "kind": "prop", "size": [round(v, 4) for v in p.size],
                                "height_m": round(p.size[2] / 2 + EYE_BELOW_TOP_M, 4),
                                "track": [{"t": 0.0, "position": [p.x, p.y, p.z]}]}
    if blocking is not None:
        subs = blocking.get("subjects") if isinstance(blocking, dict) else None
        if not isinstance(subs, list):
            raise InputFormatError("blocking must be a JSON object with a 'subjects' list")
        for s in subs:
            if not isinstance(s, dict) or "name" not in s or "track" not in s:
                raise InputFormatError("each blocking subject needs 'name' and 'track'")
            subjects[str(s["name"])] = {"name": str(s["name"]), "height_m": s.get("height_m", 1.75),
                                        "track": s["track"]}
    if not subjects:
        raise UsageError(f"scene {cov.number} has nobody in it to plan a camera for")
    shots: list[dict[str, Any]] = []
    t = 0.0
    first_cam = None
    for s in cov.shots:
        names = [n for n in s.subjects if n in subjects]
        if not names:
            continue
        dur = float(s.duration)
        if max_shot_s is not None:
            if not max_shot_s > 0:
                raise UsageError(f"max_shot_s must be positive, got {max_shot_s}")
            dur = min(dur, max_shot_s)
        direction = _MOVEMENT_DIRECTION.get(s.movement, "")
        if s.movement == "rack_focus" and len(names) > 1:
            direction = f"rack focus to {names[1]}"
        focus = s.lens.focus_subject if s.lens.focus_subject in subjects else names[0]
        shot: dict[str, Any] = {"code": s.code, "start_s": round(t, 6), "end_s": round(t + dur, 6),
                                "subjects": names, "size": s.size, "focus": focus,
                                "dof": "deep" if s.size in ("WS", "EWS") or len(names) > 2 else "shallow",
                                "direction": direction}
        if s.camera is not None:
            shot["setup"] = {"position": [round(c, 4) for c in s.camera.position]}
            first_cam = first_cam or s.camera
        shots.append(shot)
        t += dur
    if not shots:
        raise UsageError(f"scene {cov.number}: no shot frames a staged subject")
    start = first_cam.position if first_cam is not None else (0.0, -6.0, 1.6)
    tgt = first_cam.target if first_cam is not None else (0.0, 0.0, 1.5)
    d = np.subtract(tgt, start)
    yaw = math.degrees(math.atan2(d[1], d[0]))
    pitch = math.degrees(math.atan2(d[2], math.hypot(d[0], d[1])))
    sw, _sh = SENSORS["super35"]
    preset = PLATFORM_PRESETS.get(platform)
    if preset is None:
        raise UsageError(f"platform must be one of {', '.join(PLATFORM_PRESETS)}, got {platform!r}")
    keep_out = [{"min": [p.x - p.size[0] / 2, p.y - p.size[1] / 2, 0.0],
                 "max": [p.x + p.size[0] / 2, p.y + p.size[1] / 2, p.z + p.size[2]]}
                for p in bl.props if not p.label]
    return {"fps": fps, "duration_s": round(t, 6), "image": {"width": width, "height": height},
            "sensor_mm": [sw, round(sw * height / width, 4)],
            "lens": {"focal_mm": [18.0, 135.0], "f_number": [1.4, 16.0]}, "coc_mm": 0.025,
            "platform": {"kind": platform, **preset, "start": {"position": list(start), "yaw_deg": round(yaw, 3),
                                                               "pitch_deg": round(pitch, 3)}},
            "keep_out": keep_out, "min_distance": 0.6, "subjects": list(subjects.values()), "shots": shots,
            "scene": {"number": cov.number, "heading": cov.heading}}


def scene_from_script(path: str | os.PathLike[str], *, scene: str | int | None = None,
                      blocking: dict[str, Any] | None = None, platform: str = "drone",
                      max_shot_s: float | None = None) -> dict[str, Any]:
    """SCENE dict from a screenplay file: its shot list (:func:`reelkit.script.shotlist.generate_shotlist`)
    through :func:`scene_from_shotlist`.

    Raises:
        ScriptError / InputFormatError: an unreadable script or blocking. UsageError: no such scene.
    """
    from reelkit.script import load_screenplay
    from reelkit.script.shotlist import generate_shotlist

    return scene_from_shotlist(generate_shotlist(load_screenplay(path)), scene=scene, blocking=blocking,
                               platform=platform, max_shot_s=max_shot_s)


def reveal_time(shot: Shot, move: Move) -> float:
    """Seconds from the shot start by which a ``reveal`` move's subject is in frame: its ``at``/``to``
    time, else the middle of the shot. Before then its placement does not apply."""
    if move.t1 is not None:
        return move.t1
    if move.t0 > 0:
        return move.t0
    return (shot.end_s - shot.start_s) / 2.0


def with_shots(scene: Scene, shots: tuple[Shot, ...]) -> Scene:
    """A copy of ``scene`` with other shots (for tests and the bench)."""
    return replace(scene, shots=shots)
