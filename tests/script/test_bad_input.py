"""Bad input: binary, non-UTF-8, empty, no headings, unterminated boneyard/notes, 10 MB, missing file."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.errors import MediaNotFoundError, ScriptError
from reelkit.script import load_screenplay, parse_fountain
from reelkit.script.io import sample_script_path


def test_binary_file_is_refused(tmp_path: Path, reel) -> None:
    p = tmp_path / "photo.fountain"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(ScriptError, match="binary"):
        load_screenplay(p)
    r = reel("script", "parse", str(p))
    assert r.returncode == 5 and "binary" in r.stderr and "Traceback" not in r.stderr
    q = tmp_path / "noise.txt"
    q.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 500)  # control characters, no NUL
    with pytest.raises(ScriptError, match="control characters"):
        load_screenplay(q)


def test_latin1_is_decoded_with_a_warning(tmp_path: Path, reel) -> None:
    p = tmp_path / "old.fountain"
    p.write_bytes("INT. CAFÉ - DAY\n\nRENÉ\nÇa va? “Oui.”\n".encode("cp1252"))
    sp = load_screenplay(p)
    assert sp.scenes()[0].location == "CAFÉ" and sp.characters() == ["RENÉ"]
    assert sp.elements[2].text == "Ça va? “Oui.”"
    assert any("not valid UTF-8" in w for w in sp.warnings)
    r = reel("script", "parse", str(p), "--format", "json")
    assert r.returncode == 0 and "warning" in r.stderr and "CAFÉ" in r.stdout


def test_utf16_with_bom(tmp_path: Path) -> None:
    p = tmp_path / "u16.fountain"
    p.write_bytes("INT. ROOM - DAY\n\nHello.\n".encode("utf-16"))
    assert load_screenplay(p).elements[0].text == "INT. ROOM - DAY"


def test_empty_script(tmp_path: Path, reel) -> None:
    p = tmp_path / "empty.fountain"
    p.write_bytes(b"")
    with pytest.raises(MediaNotFoundError, match="empty"):
        load_screenplay(p)
    r = reel("script", "breakdown", str(p))
    assert r.returncode == 3 and "empty" in r.stderr
    blank = tmp_path / "blank.fountain"
    blank.write_text("\n\n   \n")
    sp = load_screenplay(blank)
    assert sp.elements == () and sp.scenes() == []
    from reelkit.script.analyze import analyze
    from reelkit.script.breakdown import breakdown

    assert breakdown(sp).scenes == () and analyze(sp).scenes == ()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="not found"):
        load_screenplay(tmp_path / "nope.fountain")


def test_no_scene_headings(reel, tmp_path: Path) -> None:
    p = tmp_path / "nohead.fountain"
    p.write_text("A man walks.\n\nBOB\nHello.\n")
    sp = load_screenplay(p)
    assert sp.scenes() == [] and [e.type for e in sp.elements] == ["action", "character", "dialogue"]
    r = reel("script", "analyze", str(p), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"scene_count": 0' in r.stdout


def test_unterminated_boneyard_and_note_keep_the_text() -> None:
    sp = parse_fountain("INT. A - DAY\n\nBefore /* never closed\n\nStill here.\n")
    assert [e.text for e in sp.elements] == ["INT. A - DAY", "Before /* never closed", "Still here."]
    assert any("unterminated boneyard" in w and "line 3" in w for w in sp.warnings)
    sp = parse_fountain("INT. A - DAY\n\nBefore [[ never closed\n\nStill here.\n")
    assert sp.elements[1].text == "Before [[ never closed" and sp.elements[2].text == "Still here."
    assert any("unterminated note" in w and "line 3" in w for w in sp.warnings)
    # an inner pair inside an unterminated outer boneyard is still removed
    sp = parse_fountain("A /* b /* c */ d\n")
    assert sp.elements[0].text == "A /* b  d"


def test_ten_megabyte_script(tmp_path: Path) -> None:
    # ~2,800 copies of the sample's scenes: every element of every copy is found (no quadratic
    # behaviour, no recursion limit, no lost text). Its speed is measured in bench/script.py.
    body = sample_script_path().read_text(encoding="utf-8").split("FADE IN:", 1)[1]
    copies = 10_000_000 // len(body) + 1
    p = tmp_path / "big.fountain"
    p.write_text(body * copies, encoding="utf-8")
    assert p.stat().st_size >= 10_000_000
    sp = load_screenplay(p)
    per_copy = parse_fountain(body)
    assert len(sp.elements) == copies * len(per_copy.elements)
    assert len(sp.scenes()) == copies * 8 and sp.elements[-1].line > 300_000


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "big.fountain"
    p.write_text("Action.\n" * 200_000)
    monkeypatch.setenv("REELKIT_MAX_SCRIPT_MB", "1")
    with pytest.raises(ScriptError, match="over the 1 MB limit"):
        load_screenplay(p)


@pytest.mark.parametrize("chunk", ["[[ ", "/* ", "**a x_ ", "BOB\n", "Hello there. ", "ABCDEFGHIJ" * 3 + " "],
                         ids=["open-notes", "open-boneyards", "emphasis", "cues", "one-huge-speech", "caps"])
def test_pathological_text_stays_linear(chunk: str) -> None:
    # 300 kB of one repeated token: every stage must finish (a quadratic step would not), nothing is lost
    from reelkit.script.breakdown import breakdown
    from reelkit.script.paginate import paginate

    body = chunk * (300_000 // len(chunk))
    text = "INT. A - DAY\n\n" + ("BOB\n" + body if chunk.startswith("Hello") else body)
    sp = parse_fountain(text)
    pg = paginate(sp)
    b = breakdown(sp, pagination=pg)
    assert pg.page_count > 50 and all(len(p.lines) <= 55 for p in pg.pages)
    kept = "".join(e.raw for e in sp.elements if e.type != "scene_heading").replace("\n", "")
    assert len(kept) >= len(body.replace("\n", "").strip()) - len(chunk)
    assert len(b.scenes) == 1
