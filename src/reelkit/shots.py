"""``ShotSpec``: what a shot *should be* — the one typed shot description of the pipeline.

The shot list (:mod:`reelkit.script.shotlist`) produces ShotSpecs; the storyboard renderer, the
animatic, the camera planner and generative backends consume them; footage analysis can produce
*observed* ShotSpecs to match takes back to the plan.

Vocabularies are fixed (:data:`SIZES`, :data:`ANGLES`, :data:`MOVEMENTS`, :data:`KINDS`) so that
every consumer can rely on them. Durations are exact :class:`~fractions.Fraction` seconds; camera
positions are metres in the world axes of :mod:`reelkit.camera.lens` (``x`` right, ``y`` into the
set, ``z`` up).

JSON form (:meth:`ShotSpec.to_dict`)::

    {"code": "3A", "scene": 3, "kind": "master", "description": "...", "size": "WS",
     "angle": "eye_level", "movement": "static", "subjects": ["ANNA", "BEN"],
     "lens": {"focal_mm": 32.0, "f_number": 5.6, "focus_subject": "ANNA"},
     "duration": "41/4", "duration_s": 10.25, "lines": [12, 14, 15],
     "camera": {"position": [x, y, z], "target": [x, y, z], "roll_deg": 0.0} | null, "notes": ""}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from reelkit.errors import InputFormatError, UsageError

__all__ = [
    "ANGLES",
    "KINDS",
    "MOVEMENTS",
    "SIZES",
    "SIZE_NAMES",
    "CameraPlacement",
    "LensSpec",
    "ShotSpec",
    "movement_label",
    "normalize_size",
]

#: shot sizes from tightest to widest
SIZES: tuple[str, ...] = ("ECU", "CU", "MCU", "MS", "MWS", "WS", "EWS")
SIZE_NAMES: dict[str, str] = {
    "ECU": "extreme close-up", "CU": "close-up", "MCU": "medium close-up", "MS": "medium shot",
    "MWS": "medium wide shot", "WS": "wide shot", "EWS": "extreme wide shot",
}
_SIZE_ALIASES: dict[str, str] = {
    "XCU": "ECU", "BCU": "ECU", "MLS": "MWS", "MFS": "MWS", "COWBOY": "MWS", "LS": "WS", "FS": "WS",
    "ELS": "EWS", "XWS": "EWS", "XLS": "EWS", "MCS": "MCU", "MED": "MS", "MEDIUM": "MS",
}
ANGLES: tuple[str, ...] = ("eye_level", "high", "low", "overhead", "dutch", "shoulder")
#: the fixed vocabulary of camera moves
MOVEMENTS: tuple[str, ...] = (
    "static", "pan_left", "pan_right", "tilt_up", "tilt_down", "dolly_in", "dolly_out",
    "truck_left", "truck_right", "pedestal_up", "pedestal_down", "crane_up", "crane_down",
    "zoom_in", "zoom_out", "handheld", "steadicam", "arc_left", "arc_right", "rack_focus",
)
#: what the shot is for in the coverage
KINDS: tuple[str, ...] = ("establishing", "master", "two_shot", "single", "ots", "insert", "reaction",
                          "cutaway")


def normalize_size(size: str) -> str:
    """Canonical shot size for a name or common alias (``"mls"`` → ``"MWS"``, ``"LS"`` → ``"WS"``).

    Raises:
        UsageError: unknown size.
    """
    s = size.strip().upper().replace("-", "").replace(" ", "")
    s = _SIZE_ALIASES.get(s, s)
    if s not in SIZES:
        raise UsageError(f"unknown shot size {size!r}; use one of {', '.join(SIZES)} (or MLS/LS)")
    return s


def movement_label(movement: str) -> str:
    """People's name of a move: ``"dolly_in"`` → ``"dolly in"``."""
    return movement.replace("_", " ")


Vec3 = tuple[float, float, float]


def _vec3(v: Any, what: str) -> Vec3:
    try:
        x, y, z = (float(c) for c in v)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be three numbers (x, y, z), got {v!r}") from None
    if not all(math.isfinite(c) for c in (x, y, z)):
        raise UsageError(f"{what} must be finite, got {v!r}")
    return (x, y, z)


@dataclass(frozen=True)
class LensSpec:
    """Lens settings: focal length (mm), aperture (f-number) and the subject the focus is pulled to."""

    focal_mm: float
    f_number: float
    focus_subject: str | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.focal_mm, int | float) and 1.0 <= self.focal_mm <= 2000.0):
            raise UsageError(f"focal length must be between 1 and 2000 mm, got {self.focal_mm!r}")
        if not (isinstance(self.f_number, int | float) and 0.5 <= self.f_number <= 64.0):
            raise UsageError(f"f-number must be between 0.5 and 64, got {self.f_number!r}")

    def label(self) -> str:
        """``"50mm f/2.8"``."""
        return f"{self.focal_mm:g}mm f/{self.f_number:g}"


@dataclass(frozen=True)
class CameraPlacement:
    """Where the camera stands and what it looks at (metres, world axes), plus roll for dutch angles."""

    position: Vec3
    target: Vec3
    roll_deg: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", _vec3(self.position, "camera position"))
        object.__setattr__(self, "target", _vec3(self.target, "camera target"))
        if self.position == self.target:
            raise UsageError("camera position and target must differ")

    def distance(self) -> float:
        """Distance from the camera to its target in metres."""
        return math.dist(self.position, self.target)


@dataclass(frozen=True)
class ShotSpec:
    """A planned shot.

    Args:
        code: shot code as on a shot list and a slate (``"3A"``: scene 3, setup A).
        scene: the scene number it belongs to (1-based order in the script).
        kind: one of :data:`KINDS`.
        size, angle, movement: from :data:`SIZES`, :data:`ANGLES`, :data:`MOVEMENTS`.
        subjects: character names (or prop names for inserts) in frame, the main one first.
        lens: focal length, aperture, focus subject.
        duration: planned running time of the take in seconds (exact).
        lines: script line numbers (1-based, of the source file) that the shot covers.
        description: a one-line description for the shot list.
        camera: camera placement for the 3-D board, or None.
        notes: free text.

    Raises:
        UsageError: a value outside the vocabularies or ranges.
    """

    code: str
    scene: int
    kind: str
    size: str
    angle: str = "eye_level"
    movement: str = "static"
    subjects: tuple[str, ...] = ()
    lens: LensSpec = field(default_factory=lambda: LensSpec(35.0, 4.0))
    duration: Fraction = Fraction(3)
    lines: tuple[int, ...] = ()
    description: str = ""
    camera: CameraPlacement | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        if not self.code or not isinstance(self.code, str):
            raise UsageError("a shot needs a code such as '3A'")
        if not isinstance(self.scene, int) or self.scene < 0:
            raise UsageError(f"scene must be a non-negative integer, got {self.scene!r}")
        if self.kind not in KINDS:
            raise UsageError(f"unknown shot kind {self.kind!r}; use one of {', '.join(KINDS)}")
        object.__setattr__(self, "size", normalize_size(self.size))
        if self.angle not in ANGLES:
            raise UsageError(f"unknown angle {self.angle!r}; use one of {', '.join(ANGLES)}")
        if self.movement not in MOVEMENTS:
            raise UsageError(f"unknown camera move {self.movement!r}; use one of {', '.join(MOVEMENTS)}")
        d = Fraction(self.duration)
        if d <= 0:
            raise UsageError(f"duration must be positive, got {self.duration}")
        object.__setattr__(self, "duration", d)
        object.__setattr__(self, "subjects", tuple(str(s) for s in self.subjects))
        object.__setattr__(self, "lines", tuple(int(n) for n in self.lines))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see the module doc for the schema)."""
        return {
            "code": self.code,
            "scene": self.scene,
            "kind": self.kind,
            "description": self.description,
            "size": self.size,
            "angle": self.angle,
            "movement": self.movement,
            "subjects": list(self.subjects),
            "lens": {"focal_mm": self.lens.focal_mm, "f_number": self.lens.f_number,
                     "focus_subject": self.lens.focus_subject},
            "duration": str(self.duration),
            "duration_s": round(float(self.duration), 3),
            "lines": list(self.lines),
            "camera": None if self.camera is None else {
                "position": list(self.camera.position),
                "target": list(self.camera.target),
                "roll_deg": self.camera.roll_deg,
            },
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShotSpec:
        """Inverse of :meth:`to_dict`; ``duration`` (``"41/4"``) wins over ``duration_s``.

        Raises:
            InputFormatError: missing keys or invalid values (the message names the shot).
        """
        if not isinstance(d, dict):
            raise InputFormatError(f"a shot must be a JSON object, got {type(d).__name__}")
        code = d.get("code", "?")
        try:
            lens_d = d.get("lens") or {}
            lens = LensSpec(float(lens_d.get("focal_mm", 35.0)), float(lens_d.get("f_number", 4.0)),
                            lens_d.get("focus_subject"))
            if "duration" in d:
                duration = Fraction(str(d["duration"]))
            else:
                duration = Fraction(str(d["duration_s"])).limit_denominator(1000)
            cam_d = d.get("camera")
            camera = None if cam_d is None else CameraPlacement(
                tuple(cam_d["position"]), tuple(cam_d["target"]), float(cam_d.get("roll_deg", 0.0)))
            return cls(code=str(d["code"]), scene=int(d["scene"]), kind=str(d["kind"]), size=str(d["size"]),
                       angle=str(d.get("angle", "eye_level")), movement=str(d.get("movement", "static")),
                       subjects=tuple(d.get("subjects", ())), lens=lens, duration=duration,
                       lines=tuple(d.get("lines", ())), description=str(d.get("description", "")),
                       camera=camera, notes=str(d.get("notes", "")))
        except KeyError as exc:
            raise InputFormatError(f"shot {code}: missing field {exc.args[0]!r}") from None
        except (UsageError, ValueError, TypeError, ZeroDivisionError) as exc:
            raise InputFormatError(f"shot {code}: {exc}") from None
