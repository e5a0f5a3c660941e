"""Animatic: real MP4 decoded back, timeline read back by OTIO, CLI end to end."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from reelkit.media import probe, read_frames
from reelkit.script.animatic import animatic_timeline, espeak_available, write_animatic
from reelkit.script.board import render_panels
from reelkit.script.fountain import parse_fountain
from reelkit.script.shotlist import generate_shotlist
from reelkit.timeline import export_timeline

SCRIPT = """INT. OFFICE - DAY

ANNA
Are you ready?

BEN
Ready.

EXT. STREET - NIGHT

Rain.
"""


@pytest.fixture(scope="module")
def panels() -> list:
    return render_panels(generate_shotlist(parse_fountain(SCRIPT)), width=320, height=180)


def test_mp4_holds_each_panel_for_its_duration(tmp_path: Path, panels: list) -> None:
    anim = write_animatic(panels, tmp_path / "a.mp4", rate=Fraction(24))
    info = probe(anim.path)
    v = info.require_video()
    assert (v.width, v.height, v.rate) == (320, 180, Fraction(24)) and info.audio is None
    expected = [round(float(p.beat.duration) * 24) for p in panels]
    assert [e - s for s, e in anim.cuts] == expected
    assert v.frames == sum(expected) == anim.frames
    # a frame in the middle of each panel looks like that panel's picture; cuts change the picture
    frames = {f.index: f.image.astype(int) for f in read_frames(anim.path)}
    import io

    from PIL import Image
    for p, (s, e) in zip(panels, anim.cuts, strict=True):
        pic = np.asarray(Image.open(io.BytesIO(p.picture_png)).convert("RGB")).astype(int)
        mid = frames[(s + e) // 2]
        top = slice(0, 110)  # above the burned-in subtitle
        assert np.abs(mid[top] - pic[top]).mean() < 8
    for (_s1, e1), (s2, _e2) in zip(anim.cuts, anim.cuts[1:], strict=False):
        assert e1 == s2


@pytest.mark.parametrize("fmt", ["otio", "fcp7"])
def test_timeline_cuts_at_every_panel(tmp_path: Path, panels: list, fmt: str) -> None:
    anim = write_animatic(panels, tmp_path / "a.mp4")
    tl = animatic_timeline(anim, name="test animatic")
    out = export_timeline(tl, tmp_path / ("a.otio" if fmt == "otio" else "a.xml"), fmt)
    back = otio.adapters.read_from_file(str(out), adapter_name="otio_json" if fmt == "otio" else "fcp_xml")
    video = next(t for t in back.tracks if t.kind == otio.schema.TrackKind.Video)
    clips = [c for c in video if isinstance(c, otio.schema.Clip)]
    assert len(clips) == len(panels)
    for c, p, (s, e) in zip(clips, panels, anim.cuts, strict=True):
        assert c.name == f"{p.shot.code} #{p.number}"
        sr = c.source_range
        assert round(sr.start_time.to_frames(24)) == s and round(sr.duration.to_frames(24)) == e - s
        assert Path(c.media_reference.target_url.replace("file://", "")).name == "a.mp4"


@pytest.mark.skipif(espeak_available() is None, reason="espeak-ng is not installed (voice is optional)")
def test_voice_track(tmp_path: Path, panels: list) -> None:
    from reelkit.media import read_audio

    anim = write_animatic(panels, tmp_path / "v.mp4", voice=True)
    assert anim.voiced == sum(1 for p in panels if p.beat.kind == "dialogue")
    audio = read_audio(anim.path, channels=1)
    x = audio.samples[0]
    assert np.abs(x).max() > 0.05
    # speech sits inside the dialogue panels; the others are silent
    for p, (s, e) in zip(panels, anim.cuts, strict=True):
        seg = x[int(s * audio.sample_rate / 24) + 2400: int(e * audio.sample_rate / 24) - 2400]
        rms = float(np.sqrt(np.mean(seg**2))) if seg.size else 0.0
        if p.beat.kind == "dialogue":
            assert rms > 0.01, p.beat.dialogue
        else:
            assert rms < 0.005, (p.shot.code, p.beat.kind)


def test_voice_without_espeak_is_a_clear_error(tmp_path: Path, reel, monkeypatch: pytest.MonkeyPatch) -> None:
    if espeak_available() is not None:
        pytest.skip("espeak-ng is installed here")
    script = tmp_path / "s.fountain"
    script.write_text(SCRIPT)
    r = reel("script", "animatic", str(script), "-o", str(tmp_path / "x.mp4"), "--voice")
    assert r.returncode == 6 and "espeak-ng" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_cli_shotlist_board_animatic(tmp_path: Path, reel) -> None:
    script = tmp_path / "s.fountain"
    script.write_text(SCRIPT)
    r = reel("script", "shotlist", str(script), "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["shot_count"] >= 4 and d["line_crossings"] == 0
    r = reel("script", "shotlist", str(script), "--format", "csv", "--output", str(tmp_path / "s.csv"))
    assert r.returncode == 0 and (tmp_path / "s.csv").read_text().startswith("scene,shot,")
    r = reel("script", "shotlist", str(script), "--format", "csv", "--output", str(tmp_path / "s.csv"))
    assert r.returncode == 4 and "exists" in r.stderr
    r = reel("script", "board", str(script), "--out", str(tmp_path / "b"), "--size", "320x180", "--json",
             "--scenes", "1")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["scenes"] == 1 and summary["panels"] >= 3 and (tmp_path / "b" / "s-board.html").is_file()
    r = reel("script", "animatic", str(script), "-o", str(tmp_path / "a.mp4"), "--timeline", "fcp7",
             "--size", "320x180", "--json")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.mp4").is_file() and (tmp_path / "a.xml").read_text().lstrip().startswith("<?xml")
    # bad input: no scene headings
    (tmp_path / "none.fountain").write_text("Just some words.\n")
    r = reel("script", "board", str(tmp_path / "none.fountain"), "--out", str(tmp_path / "c"))
    assert r.returncode != 0 and "scene" in r.stderr and "Traceback" not in r.stderr


def test_size_option_is_checked() -> None:
    from reelkit.cli.script_board import _size
    from reelkit.errors import UsageError

    assert _size("320x180") == (320, 180)
    for bad in ("big", "321x180", "0x0", "99999x2"):
        with pytest.raises(UsageError, match="--size"):
            _size(bad)
