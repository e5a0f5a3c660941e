"""Shot lists from film-grammar idioms: a :class:`~reelkit.script.model.Screenplay` → coverage.

For every scene the generator stages the characters (a :class:`Blocking`), plans the setups a
director of photography would shoot (:class:`~reelkit.shots.ShotSpec`) and the order in which an
editor would cut them (:class:`Beat` s, one storyboard panel each). The idioms:

* **Establishing shot** (EWS for exteriors, WS for interiors) when the scene moves to a location not
  seen before.
* **Master**: a wide shot holding everybody in the scene for the whole scene.
* **Two-person dialogue**: the two face each other across a *line of action* (the x axis of the
  set). Over-the-shoulder singles for each, then clean close singles as the scene intensifies
  (the classic wide → OTS → CU progression). Every camera of the scene stays on the same side of the
  line (``y < 0``), so a cut never crosses it and eyelines match: the first speaker always looks
  screen right, the second screen left, in every shot.
* **Groups (3+)**: the two characters with the most dialogue define the line; the others stand on
  the far side facing the middle; each speaker gets a single from the camera side.
* **Singles for every speaking character** on screen (voice-over only speakers get none).
* **Reaction shots**: after a long speech (:data:`REACTION_WORDS` words or more) we cut to the
  listener's single for a beat.
* **Inserts** for important props: words written in CAPITALS in action lines (the screenwriting
  convention for what matters) that the breakdown (:mod:`reelkit.script.breakdown`) files as props
  get a close insert on a table beside the characters.
* **Long speeches** are cut between the speaker's single and close-up every group of sentences
  (about :data:`SPEECH_CHUNK_WORDS` words).
* **Durations** come from the text: dialogue at 150 words a minute plus a breath, action at about
  a page a minute; every duration is a whole number of frames at 24 fps.

Geometry is in metres in the world axes of :mod:`reelkit.camera.lens` (``x`` right, ``y`` into the
set, ``z`` up). ``ShotSpec.duration`` is the running time of the take: from the first to the last
beat of the cut that uses it (a master runs the whole scene).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from reelkit.camera.lens import SENSORS, distance_for_height, horizontal_fov_deg
from reelkit.script.model import Scene, Screenplay
from reelkit.shots import SIZE_NAMES, CameraPlacement, LensSpec, ShotSpec, movement_label

__all__ = [
    "REACTION_WORDS",
    "Beat",
    "Blocking",
    "Figure",
    "Prop",
    "SceneCoverage",
    "ShotList",
    "crosses_line",
    "generate_shotlist",
    "line_crossings",
    "select_scenes",
]

#: a speech this long (words) is followed by a reaction shot of the listener
REACTION_WORDS = 25
#: frame grid of planned durations (s)
PLAN_FPS = 24
_SETUP_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O (they read as 1 and 0 on a slate)
_EYE_Z = 1.6
_SENSOR_W, _SENSOR_H = SENSORS["super35"]
_ACTION_WORDS_HANDHELD = re.compile(r"\b(runs?|running|fights?|fighting|chases?|chasing|struggl\w+|"
                                    r"scrambl\w+|flees?|punch\w*|crash\w*|explo\w+)\b", re.IGNORECASE)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'\-]{2,}(?:\s+[A-Z][A-Z'\-]{2,})?\b")
_NOT_PROPS = frozenset({
    "INT", "EXT", "CONT'D", "CONTINUED", "CONT", "CUT", "FADE", "DISSOLVE", "THE", "END", "BLACK", "POV",
    "INSERT", "SUPER", "TITLE", "LATER", "DAY", "NIGHT", "BACK", "SCENE", "SMASH", "MATCH", "INTERCUT", "AND",
    "BOOM", "BANG", "CRASH", "THUD", "RING", "SLAM", "BEEP", "CLICK", "KNOCK", "BUZZ", "WHOOSH", "SNAP",
    "SCREAM", "SCREAMS", "SILENCE", "SFX", "V.O", "O.S", "ACTION", "NOT", "YOU", "WHAT", "NOW", "STOP", "HELP",
    "SLOW", "MOTION", "FLASHBACK", "MONTAGE", "SERIES", "SHOTS", "CLOSE", "ANGLE", "WIDE", "TOP", "HEAR",
})


# -- the staged set -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """A stand-in for a character: standing at ``(x, y)`` (m), facing ``facing_deg`` (0 = +x, 90 = +y)."""

    name: str
    x: float
    y: float
    facing_deg: float
    height: float = 1.75
    speaking: bool = True

    @property
    def head(self) -> tuple[float, float, float]:
        """Eye-line point of the head (m)."""
        return (self.x, self.y, self.height - 0.13)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "x": round(self.x, 4), "y": round(self.y, 4),
                "facing_deg": round(self.facing_deg, 2), "height": self.height, "speaking": self.speaking}


@dataclass(frozen=True)
class Prop:
    """A box stand-in for a prop or set piece: centre of its base ``(x, y, z)`` and size ``(w, d, h)`` (m)."""

    name: str
    x: float
    y: float
    z: float
    size: tuple[float, float, float]
    label: bool = True

    @property
    def center(self) -> tuple[float, float, float]:
        return (self.x, self.y, self.z + self.size[2] / 2.0)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "x": round(self.x, 4), "y": round(self.y, 4), "z": round(self.z, 4),
                "size": [round(s, 4) for s in self.size]}


@dataclass(frozen=True)
class Blocking:
    """Who stands where in a scene, plus the line of action (two character names) if there is one."""

    figures: tuple[Figure, ...] = ()
    props: tuple[Prop, ...] = ()
    line_of_action: tuple[str, str] | None = None
    interior: bool = True
    night: bool = False
    location: str = ""

    def figure(self, name: str) -> Figure | None:
        for f in self.figures:
            if f.name == name:
                return f
        return None

    def prop(self, name: str) -> Prop | None:
        for p in self.props:
            if p.name == name:
                return p
        return None

    def point_of(self, subject: str) -> tuple[float, float, float] | None:
        """Where the camera should look for ``subject`` (a figure's eyes or a prop's centre)."""
        f = self.figure(subject)
        if f is not None:
            return f.head
        p = self.prop(subject)
        return p.center if p is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {"figures": [f.to_dict() for f in self.figures], "props": [p.to_dict() for p in self.props],
                "line_of_action": list(self.line_of_action) if self.line_of_action else None,
                "interior": self.interior, "night": self.night, "location": self.location}


@dataclass(frozen=True)
class Beat:
    """One cut of the planned edit (one storyboard panel): which setup, for how long, covering what."""

    shot: str
    scene: int
    kind: str  # "establishing" | "action" | "dialogue" | "reaction" | "insert"
    duration: Fraction
    lines: tuple[int, ...] = ()
    dialogue: str = ""
    action: str = ""
    speakers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"shot": self.shot, "scene": self.scene, "kind": self.kind, "duration": str(self.duration),
                "duration_s": round(float(self.duration), 3), "lines": list(self.lines),
                "dialogue": self.dialogue, "action": self.action, "speakers": list(self.speakers)}


@dataclass(frozen=True)
class SceneCoverage:
    """The coverage of one scene: staging, setups and the planned cut."""

    scene: int
    number: str
    heading: str
    blocking: Blocking
    shots: tuple[ShotSpec, ...]
    beats: tuple[Beat, ...]
    line: int = 0
    speaking: tuple[str, ...] = ()

    def shot(self, code: str) -> ShotSpec:
        for s in self.shots:
            if s.code == code:
                return s
        raise KeyError(code)

    @property
    def duration(self) -> Fraction:
        return sum((b.duration for b in self.beats), Fraction(0))

    def to_dict(self) -> dict[str, Any]:
        return {"scene": self.scene, "number": self.number, "heading": self.heading, "line": self.line,
                "speaking": list(self.speaking), "duration_s": round(float(self.duration), 3),
                "blocking": self.blocking.to_dict(), "shots": [s.to_dict() for s in self.shots],
                "beats": [b.to_dict() for b in self.beats]}


@dataclass(frozen=True)
class ShotList:
    """All scenes' coverage. ``to_dict`` is the ``reel script shotlist --format json`` schema."""

    title: str | None
    scenes: tuple[SceneCoverage, ...] = field(default_factory=tuple)

    @property
    def shots(self) -> list[ShotSpec]:
        return [s for sc in self.scenes for s in sc.shots]

    @property
    def beats(self) -> list[Beat]:
        return [b for sc in self.scenes for b in sc.beats]

    @property
    def duration(self) -> Fraction:
        return sum((sc.duration for sc in self.scenes), Fraction(0))

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "shot_count": len(self.shots), "panel_count": len(self.beats),
                "duration_s": round(float(self.duration), 3),
                "line_crossings": len(line_crossings(self)),
                "scenes": [sc.to_dict() for sc in self.scenes]}

    def to_csv(self) -> str:
        """The shot list as a 1st AD reads it: one row per setup, in script order."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["scene", "shot", "int/ext", "location", "description", "size", "angle", "movement", "lens",
                    "subjects", "est. duration", "lines", "notes"])
        for sc in self.scenes:
            ie = "INT" if sc.blocking.interior else "EXT"
            tod = "NIGHT" if sc.blocking.night else "DAY"
            for s in sc.shots:
                lines = (f"{min(s.lines)}-{max(s.lines)}" if len(set(s.lines)) > 1
                         else str(s.lines[0]) if s.lines else "")
                w.writerow([sc.number, s.code, f"{ie} {tod}", sc.blocking.location, s.description,
                            f"{s.size} ({SIZE_NAMES[s.size]})", s.angle.replace("_", " "),
                            movement_label(s.movement), s.lens.label(), ", ".join(s.subjects),
                            _fmt_duration(s.duration), lines, s.notes])
        return buf.getvalue()


def select_scenes(shotlist: ShotList, spec: str) -> ShotList:
    """Keep the scenes named in ``spec``: scene numbers as printed (``"3"``, ``"12A"``) and ranges of
    plain numbers (``"1,3,5-8"``), in script order.

    Raises:
        UsageError: a malformed spec, or one that matches no scene.
    """
    from reelkit.errors import UsageError

    wanted: set[str] = set()
    ranges: list[tuple[int, int]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise UsageError(f"scene range {part!r} goes backwards")
            ranges.append((lo, hi))
        elif re.fullmatch(r"[\w.\-]+", part):
            wanted.add(part.upper())
        else:
            raise UsageError(f"bad scene {part!r}; use numbers and ranges such as 1,3,5-8")

    def keep(sc: SceneCoverage) -> bool:
        if sc.number.upper() in wanted:
            return True
        return sc.number.isdigit() and any(lo <= int(sc.number) <= hi for lo, hi in ranges)

    scenes = tuple(sc for sc in shotlist.scenes if keep(sc))
    if not scenes:
        more = "..." if len(shotlist.scenes) > 12 else ""
        raise UsageError(f"no scene matches {spec!r} (the script has scenes "
                         f"{', '.join(sc.number for sc in shotlist.scenes[:12])}{more})")
    return ShotList(shotlist.title, scenes)


def _fmt_duration(d: Fraction) -> str:
    total = float(d)
    m, s = divmod(total, 60.0)
    return f"{int(m)}:{s:04.1f}"


# -- geometry checks ----------------------------------------------------------------------------
def _side(a: tuple[float, float], b: tuple[float, float], p: tuple[float, float]) -> float:
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])


def crosses_line(a: tuple[float, float], b: tuple[float, float], cam1: tuple[float, float],
                 cam2: tuple[float, float]) -> bool:
    """True when two camera positions (ground-plane x, y) lie on opposite sides of the line through ``a``, ``b``
    (or one of them on it)."""
    s1, s2 = _side(a, b, cam1), _side(a, b, cam2)
    return s1 * s2 <= 0.0


def line_crossings(shotlist: ShotList) -> list[tuple[int, str, str]]:
    """Consecutive cuts inside a scene whose cameras are on opposite sides of the line of action.

    Returns ``(scene, from_shot, to_shot)`` for each crossing (an empty list for a clean plan).
    """
    out: list[tuple[int, str, str]] = []
    for sc in shotlist.scenes:
        loa = sc.blocking.line_of_action
        if not loa:
            continue
        fa, fb = sc.blocking.figure(loa[0]), sc.blocking.figure(loa[1])
        if fa is None or fb is None:
            continue
        cams = {s.code: s.camera for s in sc.shots}
        for b1, b2 in zip(sc.beats, sc.beats[1:], strict=False):
            c1, c2 = cams.get(b1.shot), cams.get(b2.shot)
            if c1 is None or c2 is None:
                continue
            if crosses_line((fa.x, fa.y), (fb.x, fb.y), c1.position[:2], c2.position[:2]):
                out.append((sc.scene, b1.shot, b2.shot))
    return out


# -- reading a scene ----------------------------------------------------------------------------
@dataclass
class _Block:
    kind: str  # "action" | "dialogue"
    text: str
    lines: list[int]
    speaker: str | None = None
    voice_over: bool = False
    dual_with: str | None = None
    partner_words: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())


def _scene_blocks(scene: Scene) -> list[_Block]:
    blocks: list[_Block] = []
    cur: _Block | None = None
    for e in scene.elements:
        if e.type == "character":
            ext = (e.extension or "").upper()
            cur = _Block("dialogue", "", [e.line] if e.line else [], speaker=e.text,
                         voice_over="V.O" in ext or "VO)" in ext.replace(".", ""))
            if e.dual == "right" and blocks and blocks[-1].kind == "dialogue" and blocks[-1].speaker:
                blocks[-1].dual_with = e.text
            blocks.append(cur)
        elif e.type in ("dialogue", "lyrics", "parenthetical") and cur is not None:
            if e.type != "parenthetical":
                cur.text = f"{cur.text} {e.text}".strip()
            if e.line:
                cur.lines.append(e.line)
        elif e.type == "action":
            cur = None
            if e.text.strip():
                blocks.append(_Block("action", e.text.strip(), [e.line] if e.line else []))
        else:
            cur = None
    # a dual-dialogue partner is spoken at the same time: merge the right-hand block into the left
    merged: list[_Block] = []
    for b in blocks:
        if merged and merged[-1].dual_with is not None and b.speaker == merged[-1].dual_with:
            merged[-1].text = f"{merged[-1].text} / {b.speaker}: {b.text}"
            merged[-1].lines.extend(b.lines)
            merged[-1].partner_words = b.words
            continue
        merged.append(b)
    return merged


#: a speech longer than this (words) is cut into sentence groups of about this size
SPEECH_CHUNK_WORDS = 30


def _speech_chunks(text: str) -> list[str]:
    """Split a long speech into groups of whole sentences of about :data:`SPEECH_CHUNK_WORDS` words."""
    if len(text.split()) <= SPEECH_CHUNK_WORDS * 3 // 2:
        return [text]
    sentences: list[str] = []
    for sent in (x for x in re.split(r"(?<=[.!?…])\s+", text) if x.strip()):
        words = sent.split()
        if len(words) > SPEECH_CHUNK_WORDS * 3 // 2:  # a run-on sentence: cut it between words
            n = -(-len(words) // SPEECH_CHUNK_WORDS)
            size = -(-len(words) // n)
            sentences.extend(" ".join(words[i:i + size]) for i in range(0, len(words), size))
        else:
            sentences.append(sent)
    chunks: list[str] = []
    cur: list[str] = []
    for sent in sentences:
        cur.append(sent)
        if sum(len(x.split()) for x in cur) >= SPEECH_CHUNK_WORDS:
            chunks.append(" ".join(cur))
            cur = []
    if cur:
        if chunks and sum(len(x.split()) for x in cur) < SPEECH_CHUNK_WORDS // 3:
            chunks[-1] = f"{chunks[-1]} {' '.join(cur)}"
        else:
            chunks.append(" ".join(cur))
    return chunks


def _frames(seconds: float) -> Fraction:
    return Fraction(max(1, round(seconds * PLAN_FPS)), PLAN_FPS)


def _dialogue_seconds(words: int) -> float:
    return max(1.2, words * 0.4 + 0.3)


def _action_seconds(words: int) -> float:
    return min(12.0, max(2.0, words * 0.3))


def _mentions(text: str, name: str) -> bool:
    if not name:
        return False
    pat = re.escape(name)
    return bool(re.search(rf"(?<![\w]){pat}(?![\w])", text) or re.search(
        rf"(?<![\w]){re.escape(name.title())}(?![\w])", text))


def _props_in(text: str, names: set[str], heading: str, known: tuple[str, ...] | None = None) -> list[str]:
    """Props written in CAPITALS in ``text``; with ``known`` (the breakdown's props of the scene, lower case)
    only those the breakdown files as props, named as the breakdown names them (``CAN`` → ``FILM CAN``)."""
    found: list[str] = []
    for m in _CAPS_WORD.finditer(text):
        word = m.group(0).strip(" '-")
        parts = [p for p in word.split() if p]
        if any(p in _NOT_PROPS or p.rstrip("S") in _NOT_PROPS for p in parts):
            continue
        if word in names or any(p in names for p in parts) or word in heading:
            continue
        if text[m.end():m.end() + 1] == "!":  # BANG! — a sound, not a prop
            continue
        if known is not None:
            low = word.lower()
            match = [k for k in known if k == low or re.search(rf"\b{re.escape(low)}\b", k)]
            if not match:
                continue
            word = min(match, key=len).upper()
        if word not in found:
            found.append(word)
    return found


# -- staging ------------------------------------------------------------------------------------
def _stage(scene: Scene, blocks: list[_Block], all_names: set[str], props: list[str]) -> Blocking:
    words: dict[str, int] = {}
    for b in blocks:
        if b.kind == "dialogue" and b.speaker and not b.voice_over:
            words[b.speaker] = words.get(b.speaker, 0) + b.words
            if b.dual_with:
                words[b.dual_with] = words.get(b.dual_with, 0) + b.partner_words
    on_screen = list(words)
    for b in blocks:  # silent characters named in the action are on set too
        if b.kind == "action":
            for n in sorted(all_names):
                if n not in on_screen and _mentions(b.text, n):
                    on_screen.append(n)
    interior = (scene.int_ext or "INT") != "EXT"
    night = scene.day_night == "NIGHT"
    figures: list[Figure] = []
    loa: tuple[str, str] | None = None
    heights = {n: 1.68 + 0.14 * ((sum(map(ord, n)) % 7) / 6.0) for n in on_screen}
    if len(on_screen) == 1:
        n = on_screen[0]
        figures.append(Figure(n, 0.0, 0.0, -75.0, heights[n], n in words))
    elif len(on_screen) >= 2:
        ranked = sorted(on_screen, key=lambda n: (-words.get(n, 0), on_screen.index(n)))
        a, b = sorted(ranked[:2], key=on_screen.index)  # the first to speak stands camera left
        loa = (a, b)
        half = 0.8 if len(on_screen) == 2 else 0.95
        # face each other, cheated 4° open to the camera side (less than the OTS angle, so that in every
        # single the eyeline passes between the lens and the partner)
        figures.append(Figure(a, -half, 0.0, -4.0, heights[a], a in words))
        figures.append(Figure(b, half, 0.0, 184.0, heights[b], b in words))
        others = [n for n in on_screen if n not in (a, b)]
        for k, n in enumerate(others):  # an arc on the far side of the line, facing the middle
            t = (k + 1) / (len(others) + 1)
            ang = math.radians(160.0 - 140.0 * t)
            x, y = 1.7 * math.cos(ang), 0.35 + 1.2 * math.sin(ang)
            facing = math.degrees(math.atan2(-y, -x))
            figures.append(Figure(n, x, y, facing, heights[n], n in words))
    prop_objs: list[Prop] = []
    if props:
        tx = 0.0 if len(figures) != 1 else 0.75
        ty = 0.55 if len(figures) >= 2 else -0.45
        prop_objs.append(Prop("table", tx, ty, 0.0, (0.9, 0.6, 0.74), label=False))
        for k, p in enumerate(props[:4]):
            off = (k - (min(len(props), 4) - 1) / 2.0) * 0.22
            prop_objs.append(Prop(p, tx + off, ty - 0.1, 0.74, (0.16, 0.12, 0.1)))
    return Blocking(tuple(figures), tuple(prop_objs), loa, interior, night, scene.location)


# -- setups ---------------------------------------------------------------------------------------
def _cam_toward(target: tuple[float, float, float], direction_xy: tuple[float, float], distance: float,
                height: float) -> CameraPlacement:
    dx, dy = direction_xy
    n = math.hypot(dx, dy)
    dx, dy = dx / n, dy / n
    pos = (target[0] + dx * distance, target[1] + dy * distance, height)
    return CameraPlacement(pos, target)


def _rotate(v: tuple[float, float], deg: float) -> tuple[float, float]:
    a = math.radians(deg)
    return (v[0] * math.cos(a) - v[1] * math.sin(a), v[0] * math.sin(a) + v[1] * math.cos(a))


def _toward_camera_side(v: tuple[float, float], deg: float) -> tuple[float, float]:
    """Rotate ``v`` by ``deg`` towards the camera side (−y)."""
    r1, r2 = _rotate(v, deg), _rotate(v, -deg)
    return r1 if r1[1] < r2[1] else r2


def _ots_aim(cam: tuple[float, float, float], head: tuple[float, float, float], partner: Figure,
             focal_mm: float) -> tuple[float, float, float]:
    """Aim an over-the-shoulder camera: turn from the subject's head towards the partner's near shoulder just
    enough that the shoulder sits inside the frame edge (at 80 % of the half field of view)."""
    c = np.asarray(cam)
    to_head = np.asarray(head) - c
    sh = np.array([partner.x, partner.y]) + 0.24 * (c[:2] - np.array([partner.x, partner.y])) / max(
        1e-6, float(np.linalg.norm(c[:2] - np.array([partner.x, partner.y]))))
    to_sh = np.array([sh[0], sh[1], partner.height * 0.8]) - c
    ang_h, ang_s = math.atan2(to_head[1], to_head[0]), math.atan2(to_sh[1], to_sh[0])
    diff = (ang_s - ang_h + math.pi) % (2 * math.pi) - math.pi
    half = math.radians(horizontal_fov_deg(focal_mm, _SENSOR_W)) / 2.0
    turn = math.copysign(max(0.0, abs(diff) - 0.8 * half), diff)
    turn = math.copysign(min(abs(turn), 0.7 * half), turn)  # keep the subject in frame
    a = ang_h + turn
    dist = float(np.linalg.norm(to_head[:2]))
    return (c[0] + math.cos(a) * dist, c[1] + math.sin(a) * dist, head[2] - 0.05)


class _Setups:
    def __init__(self, scene_no: int, number: str) -> None:
        self.scene_no, self.number = scene_no, number
        self.specs: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []

    def add(self, key: str, **spec: Any) -> str:
        if key not in self.specs:
            i = len(self.order)
            letter = _SETUP_LETTERS[i % len(_SETUP_LETTERS)] * (1 + i // len(_SETUP_LETTERS))
            spec["code"] = f"{self.number}{letter}"
            self.specs[key] = spec
            self.order.append(key)
        return str(self.specs[key]["code"])


def _apertures(blocking: Blocking) -> tuple[float, float, float]:
    """(wide, single, close) f-numbers: more open at night and indoors."""
    if blocking.night:
        return 2.8, 2.0, 1.4
    if blocking.interior:
        return 4.0, 2.8, 2.0
    return 5.6, 4.0, 2.8


def generate_shotlist(screenplay: Screenplay) -> ShotList:
    """Plan coverage for every scene of ``screenplay`` (see the module doc for the idioms).

    Scenes without a heading (text before the first scene) are not covered. The result is
    deterministic for a given screenplay.
    """
    from reelkit.script.breakdown import breakdown

    all_names = {n for n in screenplay.characters() if n}
    props_of = {sb.index: tuple(p.lower() for p in sb.items.get("props", ())) for sb in breakdown(screenplay).scenes}
    seen_locations: set[str] = set()
    scenes: list[SceneCoverage] = []
    for scene in screenplay.scenes():
        scenes.append(_cover_scene(scene, all_names, seen_locations, props_of.get(scene.index, ())))
    return ShotList(screenplay.title, tuple(scenes))


def _cover_scene(scene: Scene, all_names: set[str], seen_locations: set[str],
                 known_props: tuple[str, ...] | None) -> SceneCoverage:
    scene_no = scene.index + 1
    number = scene.number or str(scene_no)
    blocks = _scene_blocks(scene)
    props_by_block = [_props_in(b.text, all_names, scene.heading.upper(), known_props) if b.kind == "action" else []
                      for b in blocks]
    props = list(dict.fromkeys(p for ps in props_by_block for p in ps))
    blocking = _stage(scene, blocks, all_names, props)
    wide_n, single_n, close_n = _apertures(blocking)
    setups = _Setups(scene_no, number)
    beats: list[tuple[str, str, Fraction, list[int], str, str, tuple[str, ...]]] = []
    figs = blocking.figures
    names = [f.name for f in figs]
    speaking = tuple(dict.fromkeys(n for b in blocks if b.kind == "dialogue" and b.speaker
                                   for n in (b.speaker, b.dual_with) if n))
    handheld = any(_ACTION_WORDS_HANDHELD.search(b.text) for b in blocks if b.kind == "action")

    # centre and span of the group
    if figs:
        xs = [f.x for f in figs]
        ys = [f.y for f in figs]
        cx, cy = (min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0
        span = max(max(xs) - min(xs), 0.8)
    else:
        cx, cy, span = 0.0, 0.0, 3.0

    loc_key = f"{'INT' if blocking.interior else 'EXT'} {(scene.location or scene.heading).strip().upper()}"
    if loc_key not in seen_locations:
        seen_locations.add(loc_key)
        if blocking.interior:
            cam = CameraPlacement((cx - 2.5, cy - 7.5, 2.6), (cx, cy + 0.8, 1.0))
            spec = dict(kind="establishing", size="WS", angle="high", movement="pan_right",
                        lens=LensSpec(24.0, wide_n), camera=cam,
                        description=f"Establishing: {scene.location or scene.heading}, the room and who is in it")
        else:
            cam = CameraPlacement((cx - 6.0, cy - 22.0, 7.0), (cx, cy + 2.0, 1.0))
            spec = dict(kind="establishing", size="EWS", angle="high", movement="crane_down",
                        lens=LensSpec(24.0, 8.0 if not blocking.night else wide_n), camera=cam,
                        description=f"Establishing: {scene.location or scene.heading}")
        code = setups.add("establishing", subjects=tuple(names), **spec)
        beats.append((code, "establishing", _frames(3.0 if not blocking.interior else 2.5),
                      [scene.line] if scene.line else [], "", scene.heading, ()))

    # master: everyone, eye level, from the camera side of the line
    master_focal = 32.0 if len(figs) <= 2 else 28.0
    visible_w = span + 2.4
    master_d = visible_w * master_focal / _SENSOR_W
    if figs:
        master_d = max(master_d, distance_for_height(2.3, master_focal, _SENSOR_H))
    master_cam = CameraPlacement((cx, cy - master_d - 0.6, 1.55), (cx, cy, 1.2))
    master = setups.add("master", kind="master", size="WS" if len(figs) != 1 else "MWS", angle="eye_level",
                        movement="handheld" if handheld else "static", subjects=tuple(names),
                        lens=LensSpec(master_focal, wide_n, names[0] if names else None), camera=master_cam,
                        description=("Master: " + (" and ".join(names) if len(names) <= 3 else
                                                   f"{', '.join(names[:-1])} and {names[-1]}")) if names
                        else f"Master: {scene.location or 'the set'}")

    # singles for every on-screen speaker
    loa = blocking.line_of_action
    single_of: dict[str, str] = {}
    close_of: dict[str, str] = {}
    long_speech = {b.speaker for b in blocks if b.kind == "dialogue" and b.speaker and b.words >= 40}
    for f in figs:
        if not f.speaking:
            continue
        head = f.head
        if loa and f.name in loa:
            other = blocking.figure(loa[1] if f.name == loa[0] else loa[0])
            assert other is not None
            v = (other.x - f.x, other.y - f.y)
            # over the partner's shoulder: 12° off the line towards the camera side, 0.9 m behind the partner;
            # aim a little towards the partner so the shoulder enters the frame edge
            d_ots = math.hypot(*v) + 0.9
            cam = _cam_toward(head, _toward_camera_side(v, 12.0), d_ots, 1.62)
            cam = CameraPlacement(cam.position, _ots_aim(cam.position, head, other, 40.0))
            single_of[f.name] = setups.add(
                f"ots:{f.name}", kind="ots", size="MCU", angle="eye_level", movement="static",
                subjects=(f.name, other.name), lens=LensSpec(40.0, single_n, f.name), camera=cam,
                description=f"OTS {other.name} onto {f.name}")
            d_cu = distance_for_height(0.42, 85.0, _SENSOR_H)
            cam = _cam_toward(head, _toward_camera_side(v, 32.0), d_cu, 1.55)
            close_of[f.name] = setups.add(
                f"cu:{f.name}", kind="single", size="CU", angle="eye_level",
                movement="dolly_in" if f.name in long_speech else "static", subjects=(f.name,),
                lens=LensSpec(85.0, close_n, f.name), camera=cam,
                description=f"Clean single: {f.name}" + (" (slow push in)" if f.name in long_speech else ""))
        else:
            toward = (cx - f.x, cy - f.y - 2.5) if len(figs) > 1 else (0.25, -1.0)
            d = distance_for_height(0.62, 50.0, _SENSOR_H)
            cam = _cam_toward(head, toward, d, 1.56)
            if len(figs) > 1 and cam.position[1] > -0.3:  # keep to the camera side of the line
                cam = _cam_toward(head, (toward[0] * 0.3, -1.0), max(d, head[1] + 0.5), 1.56)
            single_of[f.name] = close_of[f.name] = setups.add(
                f"single:{f.name}", kind="single", size="MCU", angle="eye_level", movement="static",
                subjects=(f.name,), lens=LensSpec(50.0, single_n, f.name), camera=cam, description=f"Single: {f.name}")
            if f.name in long_speech:  # somewhere to cut to inside a long speech: a closer size, pushing in
                d_cu = distance_for_height(0.42, 85.0, _SENSOR_H)
                cam = _cam_toward(head, (toward[0] * 1.15 + 0.1, toward[1]), d_cu, 1.55)
                if len(figs) > 1 and cam.position[1] > -0.3:
                    cam = _cam_toward(head, (toward[0] * 0.3, -1.0), max(d_cu, head[1] + 0.5), 1.55)
                close_of[f.name] = setups.add(
                    f"cu:{f.name}", kind="single", size="CU", angle="eye_level", movement="dolly_in",
                    subjects=(f.name,), lens=LensSpec(85.0, close_n, f.name), camera=cam,
                    description=f"Close single: {f.name} (slow push in)")

    # inserts
    insert_of: dict[str, str] = {}
    for p in blocking.props:
        if not p.label:
            continue
        c = p.center
        cam = CameraPlacement((c[0] + 0.15, c[1] - 0.8, c[2] + 0.5), c)
        insert_of[p.name] = setups.add(
            f"insert:{p.name}", kind="insert", size="CU", angle="high",
            movement="rack_focus" if figs else "static", subjects=(p.name,),
            lens=LensSpec(50.0, 2.8, p.name), camera=cam, description=f"Insert: the {p.name.lower()}")

    # the cut: master for the geography, OTS for the first half of the exchange, clean singles after
    n_dialogue = sum(1 for b in blocks if b.kind == "dialogue")
    k_dialogue = 0
    prev_speaker: str | None = None
    used_master = False
    for bi, b in enumerate(blocks):
        lines = b.lines
        if b.kind == "action":
            secs = _action_seconds(b.words)
            beats.append((master, "action", _frames(secs), lines, "", b.text, ()))
            used_master = True
            for p in props_by_block[bi]:
                if p in insert_of:
                    beats.append((insert_of[p], "insert", _frames(2.0), lines, "", b.text, ()))
            continue
        secs = _dialogue_seconds(b.words)
        text = f"{b.speaker}: {b.text}" if b.speaker else b.text
        if b.voice_over or b.speaker not in single_of or b.dual_with or not used_master:
            shot = master
        elif loa and k_dialogue >= max(2, n_dialogue // 2):
            shot = close_of[b.speaker]
        else:
            shot = single_of[b.speaker]
        who = tuple(n for n in (b.speaker, b.dual_with) if n)
        chunks = _speech_chunks(b.text) if not b.dual_with else [b.text]
        if len(chunks) == 1:
            secs = max(secs, _dialogue_seconds(b.partner_words))
            beats.append((shot, "dialogue", _frames(secs), lines, text, "", who))
        else:  # a long speech: cut between the single and the close-up every sentence group
            alt = close_of.get(b.speaker or "", shot) if shot != master else single_of.get(b.speaker or "", shot)
            for ci, chunk in enumerate(chunks):
                beats.append((shot if ci % 2 == 0 else alt, "dialogue", _frames(_dialogue_seconds(len(chunk.split()))),
                              lines, f"{b.speaker}: {chunk}", "", who))
        used_master = used_master or shot == master
        k_dialogue += 1
        if b.words >= REACTION_WORDS and b.speaker and not b.voice_over:
            listener = None
            if prev_speaker and prev_speaker != b.speaker and prev_speaker in close_of:
                listener = prev_speaker
            elif loa and b.speaker in loa:
                other = loa[1] if b.speaker == loa[0] else loa[0]
                listener = other if other in close_of else None
            if listener is None:
                for f in figs:
                    if f.name != b.speaker and f.name in close_of:
                        listener = f.name
                        break
            if listener is not None:
                beats.append((close_of[listener], "reaction", _frames(1.5), lines[-1:], "",
                              f"{listener} reacts", (listener,)))
        if b.speaker and not b.voice_over:
            prev_speaker = b.speaker
    if not any(kind in ("action", "dialogue") for _, kind, *_ in beats):
        beats.append((master, "action", _frames(2.0), [scene.line] if scene.line else [], "", scene.heading, ()))

    beat_objs = tuple(Beat(shot, scene_no, kind, dur, tuple(ls), dia, act, spk)
                      for shot, kind, dur, ls, dia, act, spk in beats)
    # setups that the cut never uses are still shot (coverage), running for their subjects' lines
    starts: list[Fraction] = []
    t = Fraction(0)
    for b in beat_objs:
        starts.append(t)
        t += b.duration
    specs: list[ShotSpec] = []
    for key in setups.order:
        sp = setups.specs[key]
        code = sp["code"]
        idx = [i for i, b in enumerate(beat_objs) if b.shot == code]
        if key == "master":
            idx = list(range(len(beat_objs)))
        elif key.startswith(("ots:", "cu:", "single:")):
            who = key.split(":", 1)[1]
            idx = sorted(set(idx) | {i for i, b in enumerate(beat_objs) if who in b.speakers})
        if idx:
            dur = starts[idx[-1]] + beat_objs[idx[-1]].duration - starts[idx[0]]
            lines_cov = sorted({ln for i in idx for ln in beat_objs[i].lines})
        else:
            dur, lines_cov = _frames(2.0), []
        notes = sp.pop("notes", "")
        if blocking.night:
            notes = (notes + " night").strip()
        specs.append(ShotSpec(scene=scene_no, duration=dur, lines=tuple(lines_cov), notes=notes, **sp))
    return SceneCoverage(scene_no, number, scene.heading, blocking, tuple(specs), beat_objs, scene.line, speaking)


def camera_sides(coverage: SceneCoverage) -> dict[str, float]:
    """Signed side of each setup's camera relative to the scene's line of action (for diagnostics)."""
    loa = coverage.blocking.line_of_action
    if not loa:
        return {}
    fa, fb = coverage.blocking.figure(loa[0]), coverage.blocking.figure(loa[1])
    assert fa is not None and fb is not None
    return {s.code: float(np.sign(_side((fa.x, fa.y), (fb.x, fb.y), s.camera.position[:2])))
            for s in coverage.shots if s.camera is not None}
