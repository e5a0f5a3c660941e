"""Lens and pinhole-camera math shared by the storyboard renderer and the camera planner.

Conventions (all SI, metres unless a name says ``_mm``):

* World axes: ``x`` to the right of the set, ``y`` into the set (away from the audience), ``z`` up.
  The ground is the plane ``z = 0``.
* A :class:`PinholeCamera` looks from ``position`` at ``target``; its image has ``u`` growing to the
  right and ``v`` growing downwards (pixel centres at half-integers, principal point at the centre).
* Focal lengths and sensor sizes are in millimetres; the field of view follows from the sensor width
  (square pixels), so a 50 mm lens on Super 35 (24.89 mm wide) sees about 28° horizontally.
* Depth of field uses the thin-lens model: the circle of confusion of a point at distance ``d`` when
  focused at ``s`` is ``c = A · |d − s| / d · f / (s − f)`` with aperture diameter ``A = f / N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reelkit.errors import UsageError

__all__ = [
    "SENSORS",
    "PinholeCamera",
    "circle_of_confusion_mm",
    "depth_of_field",
    "distance_for_height",
    "focal_for_hfov",
    "horizontal_fov_deg",
    "hyperfocal_m",
    "look_at",
    "vertical_fov_deg",
]

#: sensor name → (width mm, height mm) of the 16:9 picture area
SENSORS: dict[str, tuple[float, float]] = {
    "super35": (24.89, 14.0),
    "full_frame": (36.0, 20.25),
    "mft": (17.3, 9.73),
}
#: default circle-of-confusion limit for "acceptably sharp" on Super 35 (mm)
DEFAULT_COC_MM = 0.025


def horizontal_fov_deg(focal_mm: float, sensor_width_mm: float = SENSORS["super35"][0]) -> float:
    """Horizontal angle of view in degrees of a ``focal_mm`` lens on a sensor ``sensor_width_mm`` wide."""
    _positive(focal_mm=focal_mm, sensor_width_mm=sensor_width_mm)
    return math.degrees(2.0 * math.atan(sensor_width_mm / (2.0 * focal_mm)))


def vertical_fov_deg(focal_mm: float, sensor_height_mm: float = SENSORS["super35"][1]) -> float:
    """Vertical angle of view in degrees (same formula over the sensor height)."""
    return horizontal_fov_deg(focal_mm, sensor_height_mm)


def focal_for_hfov(hfov_deg: float, sensor_width_mm: float = SENSORS["super35"][0]) -> float:
    """Focal length in mm that gives a horizontal angle of view of ``hfov_deg`` (0 < hfov < 180)."""
    if not 0.0 < hfov_deg < 180.0:
        raise UsageError(f"field of view must be between 0 and 180 degrees, got {hfov_deg}")
    return sensor_width_mm / (2.0 * math.tan(math.radians(hfov_deg) / 2.0))


def distance_for_height(visible_height_m: float, focal_mm: float,
                        sensor_height_mm: float = SENSORS["super35"][1]) -> float:
    """Camera-to-subject distance (m) at which a vertical span of ``visible_height_m`` fills the frame height."""
    _positive(visible_height_m=visible_height_m, focal_mm=focal_mm, sensor_height_mm=sensor_height_mm)
    return visible_height_m * focal_mm / sensor_height_mm


def hyperfocal_m(focal_mm: float, f_number: float, coc_mm: float = DEFAULT_COC_MM) -> float:
    """Hyperfocal distance in metres: ``H = f² / (N c) + f``."""
    _positive(focal_mm=focal_mm, f_number=f_number, coc_mm=coc_mm)
    return (focal_mm * focal_mm / (f_number * coc_mm) + focal_mm) / 1000.0


def depth_of_field(focal_mm: float, f_number: float, focus_m: float,
                   coc_mm: float = DEFAULT_COC_MM) -> tuple[float, float]:
    """Near and far limits (m) of acceptable sharpness; ``far`` is ``math.inf`` at or beyond the hyperfocal."""
    _positive(focus_m=focus_m)
    f = focal_mm / 1000.0
    h = hyperfocal_m(focal_mm, f_number, coc_mm)
    s = max(focus_m, f * 1.0001)
    near = s * (h - f) / (h + s - 2.0 * f)
    far = math.inf if s >= h else s * (h - f) / (h - s)
    return near, far


def circle_of_confusion_mm(focal_mm: float, f_number: float, focus_m: float,
                           depth_m: np.ndarray | float) -> np.ndarray:
    """Thin-lens blur-circle diameter on the sensor (mm) of points at ``depth_m`` (any shape, metres).

    ``c = (f / N) · |d − s| / d · f / (s − f)``; 0 at the focus distance, growing towards the lens and
    levelling off at ``(f / N) · f / (s − f)`` at infinity. Depths ≤ 0 (behind the lens) give ``inf``.
    """
    _positive(focal_mm=focal_mm, f_number=f_number, focus_m=focus_m)
    f = focal_mm / 1000.0
    s = max(focus_m, f * 1.001)
    d = np.asarray(depth_m, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (f / f_number) * np.abs(d - s) / d * f / (s - f)
    c = np.where(d > 0, c, np.inf)
    return c * 1000.0


def look_at(position: np.ndarray | tuple[float, float, float], target: np.ndarray | tuple[float, float, float],
            up: tuple[float, float, float] = (0.0, 0.0, 1.0), roll_deg: float = 0.0) -> np.ndarray:
    """Camera rotation as a 3×3 matrix whose rows are the camera's right, up and forward unit vectors.

    Raises:
        UsageError: position and target coincide.
    """
    p = np.asarray(position, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    fwd = t - p
    n = float(np.linalg.norm(fwd))
    if n < 1e-9:
        raise UsageError("camera position and target are the same point")
    fwd /= n
    upv = np.asarray(up, dtype=np.float64)
    right = np.cross(fwd, upv)
    if float(np.linalg.norm(right)) < 1e-6:  # looking straight up or down: pick any horizontal right
        right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    cam_up = np.cross(right, fwd)
    if roll_deg:
        a = math.radians(roll_deg)
        right, cam_up = (math.cos(a) * right + math.sin(a) * cam_up,
                         -math.sin(a) * right + math.cos(a) * cam_up)
    return np.stack([right, cam_up, fwd])


@dataclass(frozen=True)
class PinholeCamera:
    """An ideal pinhole camera with a physical lens description, for projection and ray casting.

    Args:
        position, target: metres, world axes (see module doc).
        focal_mm: lens focal length; ``sensor_width_mm`` sets the horizontal field of view.
        width, height: image size in pixels (square pixels).
        roll_deg: rotation about the optical axis (a dutch angle), counter-clockwise.
    """

    position: tuple[float, float, float]
    target: tuple[float, float, float]
    focal_mm: float
    width: int
    height: int
    sensor_width_mm: float = SENSORS["super35"][0]
    roll_deg: float = 0.0

    def __post_init__(self) -> None:
        _positive(focal_mm=self.focal_mm, width=self.width, height=self.height,
                  sensor_width_mm=self.sensor_width_mm)
        look_at(self.position, self.target)  # validates

    @property
    def fx(self) -> float:
        """Focal length in pixels (same horizontally and vertically)."""
        return self.focal_mm / self.sensor_width_mm * self.width

    @property
    def sensor_height_mm(self) -> float:
        """Height of the sensor area that the image covers (mm)."""
        return self.sensor_width_mm * self.height / self.width

    @property
    def hfov_deg(self) -> float:
        """Horizontal angle of view in degrees."""
        return horizontal_fov_deg(self.focal_mm, self.sensor_width_mm)

    def rotation(self) -> np.ndarray:
        """World→camera rotation (rows: right, up, forward)."""
        return look_at(self.position, self.target, roll_deg=self.roll_deg)

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points ``(..., 3)`` → camera coordinates ``(..., 3)`` as (right, up, depth along the axis)."""
        r = self.rotation()
        return (np.asarray(points, dtype=np.float64) - np.asarray(self.position)) @ r.T

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project world points ``(N, 3)`` → pixel coordinates ``(N, 2)`` (u right, v down) and depth ``(N,)``.

        Points behind the camera (depth ≤ 0) get NaN pixel coordinates.
        """
        pc = self.to_camera(np.atleast_2d(points))
        z = pc[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.width / 2.0 + self.fx * pc[..., 0] / z
            v = self.height / 2.0 - self.fx * pc[..., 1] / z
        uv = np.stack([u, v], axis=-1)
        uv[z <= 0] = np.nan
        return uv, z

    def pixel_rays(self) -> np.ndarray:
        """World-space ray directions ``(height, width, 3)`` through every pixel centre (unnormalised,
        with unit component along the optical axis, so ray parameter ``t`` equals camera depth)."""
        xs = (np.arange(self.width, dtype=np.float64) + 0.5 - self.width / 2.0) / self.fx
        ys = -(np.arange(self.height, dtype=np.float64) + 0.5 - self.height / 2.0) / self.fx
        r = self.rotation()
        return (xs[None, :, None] * r[0] + ys[:, None, None] * r[1] + r[2]).astype(np.float64)


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise UsageError(f"{name} must be a positive number, got {v!r}")
