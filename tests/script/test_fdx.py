"""Final Draft XML: import of screenplain's FDX files, round trips, XXE refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.errors import OutputExistsError, ScriptError
from reelkit.script import load_screenplay
from reelkit.script.fdx import fdx_bytes, parse_fdx, write_fdx
from reelkit.script.io import sample_script_path

SCREENPLAIN = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "screenplay" / "screenplain_fixtures"


def _key(sp):
    return [(e.type, e.text, e.dual, e.extension, e.scene_number, e.level, e.character, e.emphasis)
            for e in sp.elements]


@pytest.mark.parametrize("name", sorted(p.stem for p in SCREENPLAIN.glob("*.fdx")))
def test_import_matches_the_fountain_source(name: str) -> None:
    # screenplain wrote these .fdx from the .fountain beside them: reading either gives the same elements
    from_fdx = load_screenplay(SCREENPLAIN / f"{name}.fdx")
    from_fountain = load_screenplay(SCREENPLAIN / f"{name}.fountain")
    assert [(e.type, e.text, e.dual) for e in from_fdx.elements] == \
        [(e.type, e.text, e.dual) for e in from_fountain.elements]


@pytest.mark.parametrize("path", [sample_script_path(), SCREENPLAIN.parent / "afterwriting" / "test.fountain"],
                         ids=["sample", "afterwriting"])
def test_round_trip(path: Path, tmp_path: Path) -> None:
    sp = load_screenplay(path)
    out = write_fdx(sp, tmp_path / "x.fdx")
    back = load_screenplay(out)
    assert _key(back) == _key(sp)
    assert back.title_page == sp.title_page
    with pytest.raises(OutputExistsError):
        write_fdx(sp, out)


def test_styles_are_written_as_final_draft_runs() -> None:
    from reelkit.script import parse_fountain

    xml = fdx_bytes(parse_fountain("INT. A - DAY\n\nShe **runs** and _hides_.\n")).decode()
    assert '<Text Style="Bold">runs</Text>' in xml and '<Text Style="Underline">hides</Text>' in xml


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE FinalDraft [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<FinalDraft DocumentType="Script"><Content><Paragraph Type="Action"><Text>&xxe;</Text></Paragraph></Content>
</FinalDraft>"""

BILLION = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<FinalDraft><Content><Paragraph Type="Action"><Text>&lol2;</Text></Paragraph></Content></FinalDraft>"""


@pytest.mark.parametrize("data", [XXE, BILLION], ids=["external-entity", "entity-expansion"])
def test_entities_are_refused_not_resolved(data: bytes) -> None:
    with pytest.raises(ScriptError, match="refused"):
        parse_fdx(data)


def test_xxe_from_the_cli(tmp_path: Path, reel) -> None:
    p = tmp_path / "evil.fdx"
    p.write_bytes(XXE)
    r = reel("script", "parse", str(p), "--format", "json")
    assert r.returncode == 5
    assert "refused" in r.stderr and "root:" not in r.stdout + r.stderr and "Traceback" not in r.stderr


def test_malformed_fdx(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="not well-formed"):
        parse_fdx(b"<FinalDraft><Content><Paragraph>")
    with pytest.raises(ScriptError, match="not a Final Draft"):
        parse_fdx(b"<html><body/></html>")
