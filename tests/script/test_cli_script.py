"""End-to-end: the real `reel script` commands in a subprocess."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from defusedxml import ElementTree as DET

from reelkit.script.io import sample_script_path

SAMPLE = str(sample_script_path())


def test_parse_json_schema(reel) -> None:
    r = reel("script", "parse", SAMPLE, "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) == {"title_page", "elements"}
    assert d["title_page"][0] == {"key": "Title", "value": "The Last Reel"}
    types = {e["type"] for e in d["elements"]}
    assert {"scene_heading", "action", "character", "dialogue", "parenthetical", "section", "synopsis", "note",
            "centered"} <= types
    heading = next(e for e in d["elements"] if e["type"] == "scene_heading")
    assert heading["scene_number"] == "1" and heading["text"] == "EXT. PALACE CINEMA - NIGHT"
    emph = next(e for e in d["elements"] if e.get("emphasis"))
    assert "*" not in emph["text"] and emph["markup"].count("*") == 2
    assert emph["emphasis"][0]["style"] == "italic"
    dual = [e for e in d["elements"] if e.get("dual")]
    assert {e["dual"] for e in dual} == {"left", "right"}
    note = next(e for e in d["elements"] if e["type"] == "note")
    assert note["text"].startswith("prop:")
    # the text summary has pages and eighths
    r = reel("script", "parse", SAMPLE, "--page", "a4")
    assert r.returncode == 0 and "pages (a4)" in r.stdout and "#2 INT. PROJECTION BOOTH - NIGHT  [" in r.stdout


def test_breakdown_files_and_overwrite_protection(reel, tmp_path: Path) -> None:
    out = tmp_path / "bd.csv"
    r = reel("script", "breakdown", SAMPLE, "--output", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["scene"] for row in rows] == [str(i) for i in range(1, 9)]
    assert rows[0]["day_night"] == "NIGHT" and "raincoat" in rows[0]["wardrobe"]
    before = out.read_bytes()
    r = reel("script", "breakdown", SAMPLE, "--format", "json", "--output", str(out))
    assert r.returncode == 4 and "already exists" in r.stderr and out.read_bytes() == before
    r = reel("script", "breakdown", SAMPLE, "--format", "json", "--output", str(out), "--force")
    assert r.returncode == 0 and json.loads(out.read_text())["scenes"][1]["cast"]["speaking"] == ["LEO", "MAYA"]
    assert list(tmp_path.glob(".*partial*")) == []


def test_analyze_html_and_fdx_conversion(reel, tmp_path: Path) -> None:
    rep = tmp_path / "report.html"
    r = reel("script", "analyze", SAMPLE, "-o", str(rep))
    assert r.returncode == 0, r.stderr
    text = rep.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 4 and "Emotional arc" in text
    fdx = tmp_path / "sample.fdx"
    r = reel("script", "parse", SAMPLE, "-o", str(fdx))
    assert r.returncode == 0, r.stderr
    root = DET.fromstring(fdx.read_bytes())
    assert root.tag == "FinalDraft"
    assert sum(1 for p in root.iter("Paragraph") if p.get("Type") == "Scene Heading") == 8
    from reelkit.script import load_screenplay

    assert len(load_screenplay(fdx).scenes()) == 8


def test_help_has_examples(reel) -> None:
    r = reel("script", "breakdown", "--help")
    assert r.returncode == 0 and "Examples" in r.stdout and "reel script breakdown" in r.stdout
