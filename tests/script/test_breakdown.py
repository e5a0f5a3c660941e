"""Breakdown of the bundled sample script and of tagged notes."""

from __future__ import annotations

import csv
import io

from reelkit.script import load_screenplay, parse_fountain
from reelkit.script.breakdown import CATEGORIES, breakdown
from reelkit.script.io import sample_script_path


def test_sample_breakdown() -> None:
    b = breakdown(load_screenplay(sample_script_path()))
    assert len(b.scenes) == 8
    s1, s2, s3, s4, s5, s6 = b.scenes[:6]
    assert (s1.int_ext, s1.day_night, s1.location) == ("EXT", "NIGHT", "PALACE CINEMA")
    assert s1.cast_speaking == () and s1.cast_non_speaking == ("MAYA",)  # "MAYA ORTIZ (30s)" → MAYA
    assert "raincoat" in s1.items["wardrobe"] and "van" in s1.items["vehicles"]
    assert "stray dog" in s1.items["animals"] and "keys" in s1.items["props"] and "rain" in s1.items["sfx"]
    assert set(s2.cast_speaking) == {"LEO", "MAYA"}
    assert "letter" in s2.items["props"] and "suit" in s2.items["wardrobe"]
    assert any("letterhead" in p for p in s2.items["props"])  # from [[prop: ...]]
    assert "grease" in s2.items["makeup"] and "clatters" in s2.items["sound"]
    assert s3.day_night == "NIGHT"  # CONTINUOUS keeps the previous scene's night
    assert "church bells in the distance" in s4.items["sound"] and "bicycle" in s4.items["vehicles"]
    assert "cat" in s5.items["animals"] and "teapot" in s5.items["props"]
    assert "crowd" in s6.items["extras"] and "police car" in s6.items["vehicles"]
    assert s6.day_night == "NIGHT" and s6.time_of_day == "DUSK"
    assert b.scenes[7].cast_non_speaking == ("ARTHUR",)  # mentioned by name, no dialogue
    # cast-by-scene table
    rows = {c.name: c for c in b.cast}
    assert set(rows) == {"MAYA", "LEO", "ARTHUR", "COLLECTOR"}
    assert rows["MAYA"].marks[:2] == ("X", "S") and rows["ARTHUR"].marks[7] == "X"
    assert rows["COLLECTOR"].scenes == 1 and rows["COLLECTOR"].first_scene == "4"
    # locations
    locs = {loc.location: loc for loc in b.locations}
    assert locs["PROJECTION BOOTH"].scenes == ("2", "7")
    assert locs["PALACE CINEMA"].scenes == ("1", "6")
    assert sum(loc.eighths for loc in b.locations) == sum(s.eighths for s in b.scenes)


def test_breakdown_outputs() -> None:
    b = breakdown(load_screenplay(sample_script_path()))
    rows = list(csv.DictReader(io.StringIO(b.to_csv())))
    assert len(rows) == 8 and rows[1]["scene"] == "2" and "LEO" in rows[1]["cast_speaking"]
    assert set(CATEGORIES) <= set(rows[0])
    dood = list(csv.reader(io.StringIO(b.dood_csv())))
    assert dood[0][:3] == ["id", "cast", "sc 1"] and len(dood) == 1 + len(b.cast)
    d = b.to_dict()
    assert d["day_out_of_days"]["scenes"] == [str(i) for i in range(1, 9)]
    html = b.to_html()
    assert html.startswith("<!DOCTYPE html>") and "Cast by scene" in html and "PROJECTION BOOTH" in html


def test_explicit_notes_and_capitalised_items() -> None:
    sp = parse_fountain(
        "EXT. FARM - DAY\n\nA HORSE grazes. JANE (40s) loads a SHOTGUN. Thunder RUMBLES.[[wardrobe: muddy boots]]\n\n"
        "[[vfx: lightning strike]]\n\n[[makeup: scar on cheek]]\n\n[[cast: SHERIFF]]\n\nA WEIRD THING glows.\n")
    s = breakdown(sp).scenes[0]
    assert s.cast_non_speaking == ("JANE", "SHERIFF")
    assert s.items["animals"] == ("horse",)
    assert "shotgun" in s.items["props"] and "muddy boots" in s.items["wardrobe"]
    assert "lightning strike" in s.items["sfx"] and "scar on cheek" in s.items["makeup"]
    assert "rumbles" in s.items["sound"] and "weird thing" in s.items["other"]
