"""Storyboard renderer and exports: real renders checked for geometry, depth of field and file formats."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelkit.camera.lens import PinholeCamera
from reelkit.errors import OutputExistsError
from reelkit.script.board import (
    render_panels,
    render_view,
    write_contact_sheet_html,
    write_contact_sheet_pdf,
    write_storyboarder,
)
from reelkit.script.fountain import parse_fountain
from reelkit.script.shotlist import ShotList, generate_shotlist
from reelkit.shots import LensSpec

W, H = 320, 180
SCRIPT = """Title: Board Test

INT. KITCHEN - DAY

ANNA waits by the table. She picks up the KNIFE.

ANNA
Where were you?

BEN
Out. Walking. It doesn't matter where.

ANNA
It matters to me.
"""


@pytest.fixture(scope="module")
def shotlist() -> ShotList:
    return generate_shotlist(parse_fountain(SCRIPT))


@pytest.fixture(scope="module")
def panels(shotlist: ShotList) -> list:
    return render_panels(shotlist, width=W, height=H)


def test_figures_render_where_the_camera_projects_them(shotlist: ShotList) -> None:
    sc = shotlist.scenes[0]
    master = next(s for s in sc.shots if s.kind == "master")
    img = render_view(sc.blocking, master, width=W, height=H)
    assert img.shape == (H, W, 3) and img.dtype == np.uint8
    cam = PinholeCamera(master.camera.position, master.camera.target, master.lens.focal_mm, W, H)
    bg = render_view(replace(sc.blocking, figures=(), props=()), master, width=W, height=H)
    diff = np.abs(img.astype(int) - bg.astype(int)).sum(axis=2) > 30
    for f in sc.blocking.figures:
        (u, v), = cam.project(np.array([[f.x, f.y, 1.1]]))[0]
        assert 0 <= u < W and 0 <= v < H
        patch = diff[int(v) - 2:int(v) + 3, int(u) - 2:int(u) + 3]
        assert patch.mean() > 0.8, f"{f.name} not drawn at its projection"
    # and nothing is drawn far from any figure or prop (the sky/wall corner stays background)
    assert diff[:10, :10].mean() < 0.05


def test_depth_of_field_blurs_out_of_focus_depths(shotlist: ShotList) -> None:
    sc = shotlist.scenes[0]
    ots = next(s for s in sc.shots if s.kind == "ots")

    def sharpness(lens: LensSpec) -> tuple[float, float]:
        img = render_view(sc.blocking, replace(ots, lens=lens), width=W, height=H).astype(float).mean(axis=2)
        lap = np.abs(np.diff(img, 2, axis=1))
        # left/right thirds: the in-focus subject is near the centre, the near shoulder at one edge
        return float(lap[:, W // 3: 2 * W // 3].mean()), float(lap[:, -W // 6:].mean() + lap[:, : W // 6].mean())

    sharp_c, sharp_e = sharpness(LensSpec(ots.lens.focal_mm, 22.0, ots.lens.focus_subject))
    soft_c, soft_e = sharpness(LensSpec(ots.lens.focal_mm, 1.4, ots.lens.focus_subject))
    assert soft_e < sharp_e * 0.8  # the out-of-focus edges lose detail at f/1.4
    assert soft_c > sharp_c * 0.5  # the subject in focus keeps most of it


def test_panels_have_caption_and_shot_codes(shotlist: ShotList, panels: list) -> None:
    assert len(panels) == len(shotlist.beats)
    codes = [p.shot.code for p in panels]
    assert codes[0].startswith("1") and codes == [b.shot for b in shotlist.beats]
    im = Image.open(io.BytesIO(panels[0].png))
    pic = Image.open(io.BytesIO(panels[0].picture_png))
    assert pic.size == (W, H) and im.width == W and im.height > H  # caption band below the picture
    band = np.asarray(im)[H + 2:].astype(int)
    assert (band.min(axis=2) < 120).mean() > 0.005  # text was drawn
    assert panels[0].new_shot is True
    assert all(p.new_shot == (i == 0 or panels[i - 1].shot.code != p.shot.code) for i, p in enumerate(panels))


def test_html_pdf_and_storyboarder(tmp_path: Path, panels: list) -> None:
    html = write_contact_sheet_html(panels, tmp_path / "b.html", title="Board Test")
    text = html.read_text()
    assert text.count("data:image/png;base64,") == len(panels) and "KITCHEN" in text
    with pytest.raises(OutputExistsError):
        write_contact_sheet_html(panels, tmp_path / "b.html")
    pdf = write_contact_sheet_pdf(panels, tmp_path / "b.pdf", title="Board Test")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page\r") + \
        data.count(b"/Type /Page ") >= (len(panels) + 5) // 6
    (tmp_path / "sb").mkdir()
    sb = write_storyboarder(panels, tmp_path / "sb" / "board.storyboarder")
    doc = json.loads(sb.read_text())
    assert doc["fps"] == 24 and doc["aspectRatio"] == pytest.approx(16 / 9) and len(doc["boards"]) == len(panels)
    t = 0
    for b, p in zip(doc["boards"], panels, strict=True):
        assert {"uid", "url", "newShot", "lastEdited", "number", "shot", "time", "duration", "dialogue", "action",
                "notes", "layers"} <= set(b)
        assert b["time"] == t and b["shot"] == p.shot.code
        t += b["duration"]
        img = Image.open(sb.parent / b["url"])
        assert img.size == (W, H)
        assert (sb.parent / b["layers"]["reference"]["url"]).is_file()
    assert any(b["dialogue"].startswith("ANNA:") for b in doc["boards"])
    # a second export into the same folder refuses (nothing is overwritten) unless forced
    before = sorted(p.name for p in sb.parent.iterdir())
    with pytest.raises(OutputExistsError):
        write_storyboarder(panels, sb)
    assert sorted(p.name for p in sb.parent.iterdir()) == before
    write_storyboarder(panels, sb, force=True)
