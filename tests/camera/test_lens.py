"""Lens / pinhole math against closed-form values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reelkit.camera.lens import (
    PinholeCamera,
    circle_of_confusion_mm,
    depth_of_field,
    distance_for_height,
    focal_for_hfov,
    horizontal_fov_deg,
    hyperfocal_m,
)
from reelkit.errors import UsageError


def test_fov_of_50mm_on_super35() -> None:
    assert horizontal_fov_deg(50.0, 24.89) == pytest.approx(2 * math.degrees(math.atan(12.445 / 50)))
    assert horizontal_fov_deg(50.0, 24.89) == pytest.approx(27.9, abs=0.1)
    assert focal_for_hfov(horizontal_fov_deg(35.0)) == pytest.approx(35.0)


def test_hyperfocal_and_dof_textbook_values() -> None:
    # 50 mm f/8, c = 0.03 mm: H = 2500 / 0.24 + 50 mm = 10.4667 m
    assert hyperfocal_m(50, 8, 0.03) == pytest.approx(10.4667, abs=1e-3)
    near, far = depth_of_field(50, 8, 3.0, 0.03)
    h, f, s = 10.4667, 0.05, 3.0
    assert near == pytest.approx(s * (h - f) / (h + s - 2 * f), rel=1e-3)
    assert far == pytest.approx(s * (h - f) / (h - s), rel=1e-3)
    assert near < 3.0 < far
    # focused at the hyperfocal: sharp to infinity, from about H/2
    near_h, far_h = depth_of_field(50, 8, 10.4667, 0.03)
    assert far_h == math.inf and near_h == pytest.approx(10.4667 / 2, rel=0.01)
    # a wider aperture gives shallower depth of field
    n2, f2 = depth_of_field(50, 2, 3.0, 0.03)
    assert (f2 - n2) < (far - near)


def test_circle_of_confusion_thin_lens() -> None:
    d = np.array([1.0, 2.0, 3.0, 6.0, 1e9])
    c = circle_of_confusion_mm(50, 2.0, 3.0, d)
    assert c[2] == pytest.approx(0.0, abs=1e-12)
    # closed form at d = 1 m: A = 25 mm, |1-3|/1 * 0.05/(2.95) = 0.0339 → 0.847 mm
    assert c[0] == pytest.approx(25.0 * 2.0 * 0.05 / 2.95, rel=1e-6)
    assert c[0] > c[1] > 0 and 0 < c[3] < c[4]
    # at infinity it tends to A * f / (s - f)
    assert c[4] == pytest.approx(25.0 * 0.05 / 2.95, rel=1e-6)
    # blur at the DoF limits equals the CoC limit
    near, far = depth_of_field(50, 2.0, 3.0, 0.03)
    lim = circle_of_confusion_mm(50, 2.0, 3.0, np.array([near, far]))
    assert lim == pytest.approx([0.03, 0.03], rel=1e-3)


def test_pinhole_projection() -> None:
    cam = PinholeCamera(position=(0.0, -5.0, 1.6), target=(0.0, 0.0, 1.6), focal_mm=50, width=640, height=360)
    uv, z = cam.project(np.array([[0.0, 0.0, 1.6], [1.0, 0.0, 1.6], [0.0, 0.0, 2.6], [0.0, -10.0, 1.6]]))
    assert uv[0] == pytest.approx([320, 180])
    assert z[0] == pytest.approx(5.0)
    # 1 m to the right at 5 m: fx * 1/5 pixels right of centre
    assert uv[1, 0] == pytest.approx(320 + cam.fx / 5) and uv[1, 1] == pytest.approx(180)
    assert uv[2, 1] < 180  # higher in the world is higher in the image (smaller v)
    assert np.isnan(uv[3]).all()  # behind the camera
    # a ray through a pixel hits the point that projects to it
    rays = cam.pixel_rays()
    assert rays.shape == (360, 640, 3)
    p = np.asarray(cam.position) + rays[100, 500] * 4.0
    uv2, z2 = cam.project(p[None])
    assert uv2[0] == pytest.approx([500.5, 100.5]) and z2[0] == pytest.approx(4.0)


def test_framing_distance_and_errors() -> None:
    d = distance_for_height(0.6, 50, 14.0)
    cam = PinholeCamera(position=(0.0, -d, 1.5), target=(0.0, 0.0, 1.5), focal_mm=50, width=640, height=360,
                        sensor_width_mm=24.89)
    uv, _ = cam.project(np.array([[0.0, 0.0, 1.5 + 0.3], [0.0, 0.0, 1.5 - 0.3]]))
    assert uv[1, 1] - uv[0, 1] == pytest.approx(360 * 14.0 / cam.sensor_height_mm, rel=1e-6)
    with pytest.raises(UsageError):
        PinholeCamera(position=(0, 0, 1), target=(0, 0, 1), focal_mm=50, width=10, height=10)
    with pytest.raises(UsageError):
        horizontal_fov_deg(-1)
