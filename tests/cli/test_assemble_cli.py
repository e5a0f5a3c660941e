"""``reel assemble`` end to end: the real CLI transcribes real takes, writes every NLE format and the report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import opentimelineio as otio

SCRIPT = """EXT. CAPITOL STEPS - DAY

PRESIDENT
And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country.

INT. STUDY - NIGHT

NARRATOR
If the reader will excuse me, I will say nothing of my antecedents,
nor of the circumstances which led me to leave my native country.

NARRATOR
The narrative would be tedious to him and painful to myself.
"""


def _shoot(tmp_path: Path, shared_data: Path) -> tuple[Path, Path]:
    (tmp_path / "scene.fountain").write_text(SCRIPT)
    takes = tmp_path / "takes"
    takes.mkdir()
    os.symlink(shared_data / "speech" / "whisper_jfk" / "jfk.flac", takes / "jfk.flac")
    os.symlink(shared_data / "speech" / "lhotse" / "2412-153948-0000.flac", takes / "reader.flac")
    (takes / "slate.txt").write_text("scene 1 take 1")
    return tmp_path / "scene.fountain", takes


def test_assemble_writes_every_format(reel, tmp_path: Path, shared_data: Path) -> None:
    script, takes = _shoot(tmp_path, shared_data)
    out = tmp_path / "cut" / "assembly.otio"
    out.parent.mkdir()
    r = reel("assemble", str(script), str(takes), "-o", str(out), "--report", str(tmp_path / "coverage.html"),
             "--min-accuracy", "0.5", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["covered"] >= 2
    assert "slate.txt: not a media file" in r.stderr
    best = {ln["index"]: ln["best"]["take"] for ln in d["lines"] if ln["best"]}
    assert best.get(0) == "jfk.flac" and best.get(1) == "reader.flac"
    for suffix in (".otio", ".fcpxml", ".xml", ".edl"):
        assert (out.with_suffix(suffix)).stat().st_size > 100
    tl = otio.adapters.read_from_file(str(out))
    assert [c.metadata["reelkit"]["line"] for c in tl.tracks[0]] == sorted(best)
    assert "Coverage report" in (tmp_path / "coverage.html").read_text()


def test_assemble_bad_inputs(reel, tmp_path: Path, shared_data: Path) -> None:
    script, takes = _shoot(tmp_path, shared_data)
    (tmp_path / "action.fountain").write_text("INT. ROOM - DAY\n\nNobody speaks.\n")
    r = reel("assemble", str(tmp_path / "action.fountain"), str(takes), "-o", str(tmp_path / "a.otio"))
    assert r.returncode == 5 and "no dialogue" in r.stderr and "Traceback" not in r.stderr
    r = reel("assemble", str(script), str(takes / "slate.txt"), "-o", str(tmp_path / "a.otio"))
    assert r.returncode == 2 and "not a folder" in r.stderr
    assert not list(tmp_path.glob("a.*"))


def test_camera_and_sound_only_takes_export_to_every_format(reel, tmp_path: Path, shared_data: Path) -> None:
    """A GRID camera take and a sound-only take in one assembly: the picture track has a gap where the
    sound take plays, and FCPXML (which wants the sound to follow the picture) still gets every clip."""
    import defusedxml.ElementTree as DET

    (tmp_path / "scene.fountain").write_text(
        "INT. STUDIO - DAY\n\nONE\nSet white with P two soon.\n\n" + SCRIPT.split("\n", 2)[2])
    takes = tmp_path / "takes"
    takes.mkdir()
    os.symlink(shared_data / "av" / "grid" / "grid_s2_swwp2s.mpg", takes / "grid.mpg")
    os.symlink(shared_data / "speech" / "whisper_jfk" / "jfk.flac", takes / "jfk.flac")
    out = tmp_path / "assembly.otio"
    r = reel("assemble", str(tmp_path / "scene.fountain"), str(takes), "-o", str(out), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {ln["best"]["take"] for ln in d["lines"] if ln["best"]} == {"grid.mpg", "jfk.flac"}
    assert set(d["files"]) == {"otio", "fcpxml", "fcp7", "edl"} and "not written" not in r.stderr
    spine = DET.parse(out.with_suffix(".fcpxml")).getroot().find(".//spine")
    assert spine is not None
    assert sorted(el.get("srcEnable") or "both" for el in spine) == ["audio", "both"]
