"""The peer Fountain fixture suites, every case: Jouvence YAML, screenplain .fountain/.html/.fdx, afterwriting.

How outputs are compared (representation differences, not parse differences):

* Jouvence keeps vertical whitespace inside one action element (blank lines between action
  paragraphs, the blank line after a heading, empty "actions" for extra blank lines). We emit one
  action element per paragraph. So on both sides: consecutive actions are joined with one blank
  line, runs of blank lines collapse to one, trailing spaces and leading/trailing blank lines are
  stripped, and empty actions are dropped. Everything else (types, order, text with its emphasis
  markup, character extensions, title-page values) must match exactly.
* screenplain renders each dialogue line as its own <p>/<Paragraph>; we keep a dialogue run as one
  element with "\\n" line breaks, so our dialogue is split into lines for the comparison.
  screenplain draws transitions upper-case (``> Black screen`` is rendered ``BLACK SCREEN``): a
  rendering style, so transitions are compared case-insensitively. Notes are not rendered by
  screenplain, so our note elements are skipped.

Cases judged wrong upstream (xfail, see UPSTREAM_WRONG) are listed with reasons.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from defusedxml import ElementTree as DET

from reelkit.script import Screenplay, load_screenplay, parse_fountain

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "screenplay"
JOUVENCE = FIXTURES / "jouvence_fixtures"
SCREENPLAIN = FIXTURES / "screenplain_fixtures"

# (file, index) -> reason
UPSTREAM_WRONG: dict[tuple[str, int], str] = {
    ("test_boneyard.yaml", 1): (
        "Jouvence deletes the whole lines of a boneyard, joining 'This is something.' and 'OK.' into one "
        "paragraph. The spec says boneyard text is ignored as if it were not there; removing the characters "
        "from '/*' to '*/' leaves the newline before and after it, i.e. an empty line, so these are two action "
        "paragraphs. screenplain's boneyard.fountain relies on exactly that ('CUT TO:' / boneyard / "
        "'EXT. PALATIAL MANSION - DAY' must give a transition and a scene heading), and both cannot hold."
    ),
}


# --------------------------------------------------------------------------- Jouvence
def _jouvence_cases() -> list[tuple[str, int, dict]]:
    cases = []
    for f in sorted(JOUVENCE.glob("test_*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(f.read_text(encoding="utf-8"))):
            if doc is not None:
                cases.append((f.name, i, doc))
    return cases


JOUVENCE_CASES = _jouvence_cases()


def _norm_action(text: str) -> str:
    text = "\n".join(ln.rstrip() for ln in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _normalise(items: list[str]) -> list[str]:
    out: list[str] = []
    for it in items:
        if it.startswith("!") and not it.startswith("!><"):
            body = it[1:]
            if out and out[-1].startswith("!") and not out[-1].startswith("!><"):
                out[-1] = "!" + _norm_action(out[-1][1:] + "\n\n" + body)
            else:
                out.append("!" + _norm_action(body))
        elif it.startswith("!><"):
            out.append("!><" + it[3:].strip("\n"))
        else:
            out.append(it)
    return [x for x in out if x != "!"]


def _as_jouvence(sp: Screenplay) -> list[str]:
    prefix = {"scene_heading": ".", "action": "!", "centered": "!><", "character": "@", "dialogue": "=",
              "parenthetical": "_", "transition": ">", "lyrics": "~", "section": "#", "synopsis": "+"}
    out = []
    for e in sp.elements:
        if e.type == "note":
            continue
        if e.type == "page_break":
            out.append("<pagebreak>")
        elif e.type == "character":
            out.append("@" + e.display_name)
        else:
            out.append(prefix[e.type] + e.raw)
    return out


@pytest.mark.parametrize(("fname", "index", "case"), JOUVENCE_CASES,
                         ids=[f"{f}-{i}" for f, i, _ in JOUVENCE_CASES])
def test_jouvence_case(fname: str, index: int, case: dict, request: pytest.FixtureRequest) -> None:
    if (fname, index) in UPSTREAM_WRONG:
        request.applymarker(pytest.mark.xfail(reason=UPSTREAM_WRONG[(fname, index)], strict=True))
    sp = parse_fountain(case["in"])
    assert _normalise(_as_jouvence(sp)) == _normalise(case["out"] or [])
    if "title" in case:
        assert {k.lower(): v for k, v in sp.title_page} == (case["title"] or {})


def test_jouvence_suite_is_complete() -> None:
    # every YAML document of every file is a case (13 files)
    assert len({f for f, _, _ in JOUVENCE_CASES}) == 13
    assert len(JOUVENCE_CASES) >= 40


# --------------------------------------------------------------------------- screenplain
def _html_elements(html: str) -> list[tuple[str, str]]:
    html = html.replace("&nbsp;", "&#160;")
    root = DET.fromstring(f"<root>{html}</root>")
    out: list[tuple[str, str]] = []

    def text_of(node) -> str:
        parts = [node.text or ""]
        for child in node:
            if child.tag == "br":
                parts.append("\n")
            elif child.get("class") in ("scnuml", "scnumr"):
                pass
            else:
                parts.append(text_of(child))
            parts.append(child.tail or "")
        return "".join(parts).replace("\xa0", " ")

    def dialog(node) -> None:
        for p in node:
            cls = p.get("class")
            kind = {"character": "character", "parenthetical": "parenthetical"}.get(cls or "", "dialogue")
            t = text_of(p)
            out.append((kind, "" if not t.strip() else t))  # <p>&nbsp;</p> draws an empty dialogue line

    for node in root:
        cls = node.get("class") or ""
        if node.tag == "h6":
            if "page-break" in cls:
                out.append(("page_break", ""))
            num = [s.text for s in node if s.get("class") == "scnuml"]
            out.append(("scene_heading", text_of(node) + (f" #{num[0]}#" if num else "")))
        elif re.fullmatch(r"h[1-5]", node.tag):
            out.append((f"section{node.tag[1]}", text_of(node)))
        elif node.tag == "span" and cls.endswith("-synopsis"):
            out.append(("synopsis", text_of(node)))
        elif node.tag == "div" and cls == "action":
            out.extend(("action", text_of(p)) for p in node)
        elif node.tag == "div" and cls in ("transition", "centered"):
            out.append((cls, text_of(node)))
        elif node.tag == "div" and cls == "dialog":
            dialog(node)
        elif node.tag == "div" and cls == "dual":
            for side in node:
                if side.tag == "div":
                    dialog(side)
        else:
            raise AssertionError(f"unknown screenplain HTML node {node.tag} {cls}")
    return out


def _fdx_elements(xml: bytes) -> list[tuple[str, str]]:
    root = DET.fromstring(xml)
    kinds = {"Scene Heading": "scene_heading", "Action": "action", "Character": "character",
             "Dialogue": "dialogue", "Parenthetical": "parenthetical", "Transition": "transition"}
    out: list[tuple[str, str]] = []
    for p in root.iter("Paragraph"):
        t = p.get("Type")
        if t is None:
            continue  # the wrapper of a DualDialogue
        out.append((kinds[t], "".join(x.text or "" for x in p.findall("Text")).rstrip("\n")))
    return out


def _as_screenplain(sp: Screenplay, *, fdx: bool = False) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for e in sp.elements:
        if e.type == "note":
            continue
        if e.type == "dialogue":
            out.extend(("dialogue", ln) for ln in e.text.split("\n"))
        elif e.type == "character":
            out.append(("character", e.display_name))
        elif e.type == "section":
            out.append((f"section{e.level}", e.text))
        elif e.type == "scene_heading":
            out.append(("scene_heading", e.text + ("" if fdx or not e.scene_number else f" #{e.scene_number}#")))
        else:
            out.append((e.type, e.text))
    return out


def _fold_case(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v.upper() if k == "transition" else v) for k, v in items]


SCREENPLAIN_CASES = sorted(p.stem for p in SCREENPLAIN.glob("*.fountain"))


@pytest.mark.parametrize("name", [n for n in SCREENPLAIN_CASES if (SCREENPLAIN / f"{n}.html").exists()])
def test_screenplain_html(name: str) -> None:
    sp = load_screenplay(SCREENPLAIN / f"{name}.fountain")
    expected = _html_elements((SCREENPLAIN / f"{name}.html").read_text(encoding="utf-8"))
    assert _fold_case(_as_screenplain(sp)) == _fold_case(expected)


@pytest.mark.parametrize("name", [n for n in SCREENPLAIN_CASES if (SCREENPLAIN / f"{n}.fdx").exists()])
def test_screenplain_fdx(name: str) -> None:
    sp = load_screenplay(SCREENPLAIN / f"{name}.fountain")
    expected = _fdx_elements((SCREENPLAIN / f"{name}.fdx").read_bytes())
    assert _fold_case(_as_screenplain(sp, fdx=True)) == _fold_case(expected)


def test_screenplain_every_fountain_has_a_check() -> None:
    # title-page.fountain has no expected output upstream: checked by hand below
    unchecked = [n for n in SCREENPLAIN_CASES
                 if not (SCREENPLAIN / f"{n}.html").exists() and not (SCREENPLAIN / f"{n}.fdx").exists()]
    assert unchecked == ["title-page"]


def test_screenplain_title_page() -> None:
    sp = load_screenplay(SCREENPLAIN / "title-page.fountain")
    assert sp.title_page == (("Title", "My Screenplay"), ("Author", "Your Name"),
                             ("Contact", "your.email@example.com\n(555) 123-4567"))
    assert [(e.type, e.text) for e in sp.elements] == [("action", "FADE IN:"), ("action", "SPACE")]


def test_screenplain_details() -> None:
    sp = load_screenplay(SCREENPLAIN / "scene-numbers.fountain")
    assert [s.number for s in sp.scenes()] == ["1", "2", None, None, "2-B"]
    sp = load_screenplay(SCREENPLAIN / "notes.fountain")
    assert sp.elements[0].notes == ("some notes",)
    assert sp.elements[1].notes == ("multiline\nnote\nhere",)
    notes = [e.text for e in sp.elements if e.type == "note"]
    assert notes == ["Note as its own paragraph does not generate an empty paragraph",
                     "Note as its own paragraph\non several lines\ndoes not generate an empty paragraph"]
    assert any("unterminated note" in w for w in sp.warnings)
    sp = load_screenplay(SCREENPLAIN / "utf-8-bom.fountain")
    assert sp.elements[0].text == "EXT. SOMEWHERE - DAY" and sp.elements[0].line == 1


# --------------------------------------------------------------------------- afterwriting
def test_afterwriting_feature_script() -> None:
    sp = load_screenplay(FIXTURES / "afterwriting" / "test.fountain")
    tp = dict(sp.title_page)
    assert tp["Title"] == "_Screenplay title_\nSecond line"
    assert tp["Author"] == "Author 1,\n**Author 2** & Author 3"
    assert tp["Contact"] == "e-mail: email@email.com\nphone: +12 34 567 89"
    assert tp["Copyright"] == "Licence info"
    assert sp.title == "Screenplay title\nSecond line"
    assert sp.elements[0].type == "note" and sp.elements[0].text.startswith("Script note.")
    headings = [s.heading for s in sp.scenes()]
    assert headings[:4] == ["INT. BASIC BLOCKS - DAY", "EXT. BASIC BLOCKS - NIGHT", "INT. FORMATTING - DAY",
                            "EXT. ESCAPING FORMATTING - NIGHT"]
    assert "FORCED HEADER" in headings and "WNĘTRZE. FORCED ELEMENTS - NIGHT" in headings
    assert len(headings) == 11
    by_type: dict[str, list] = {}
    for e in sp.elements:
        by_type.setdefault(e.type, []).append(e)
    assert [(e.text, e.level) for e in by_type["section"]][:2] == [
        ("Act 1: basic blocks", 1), ("Sequence 1: scene heading, action, dialogue, parenthetical", 2)]
    assert ("Subsection", 3) in [(e.text, e.level) for e in by_type["section"]]
    # boneyard (nested, inline, multi-line) removed
    texts = "\n".join(e.text for e in sp.elements)
    assert "Ignored" not in texts and "ignored" not in texts and "/*" not in texts and "*/" not in texts
    assert ("Action. action. action. action. action. action. action. action. action. action. action. action. "
            "action. action. action. action. action. action. action.") in texts.replace("action.action.",
                                                                                         "action. action.")
    inline = [e for e in by_type["action"] if e.notes == ("(inline note)",)]
    assert inline and inline[0].text == "Action. Action. Action. Action."
    # emphasis and escapes
    fmt = next(e for e in by_type["action"] if e.text.startswith("Normal test"))
    assert fmt.text == ("Normal test, underline test, italic test, bold test, bold and italic test, underline and "
                        "italic test, underline and bold test, underline, bold and italic test.")
    styles = {(fmt.text[s.start:s.end], s.style) for s in fmt.emphasis}
    assert ("bold and italic test", "bold") in styles and ("bold and italic test", "italic") in styles
    assert ("underline test", "underline") in styles
    esc = next(e for e in by_type["action"] if e.text.startswith("What the"))
    assert esc.text == "What the f*ck! Escape_escape*escape." and not esc.emphasis
    assert [e.text for e in by_type["centered"]] == ["CENTERED, BOLD, UNDERLINE"]
    assert [e.text for e in by_type["transition"]] == ["TRANSITION:", "FADE TO GREEN.", "THE END."]
    assert len(by_type["page_break"]) == 1
    # dual dialogue with a space before ^
    duals = [(e.text, e.dual) for e in by_type["character"] if e.dual]
    assert duals == [("HERO 1", "left"), ("HERO 2", "right")]
    # forced elements
    forced_action = next(e for e in by_type["action"] if e.text == "INT. ACTION")
    assert forced_action.forced
    mccabe = next(e for e in by_type["character"] if e.text == "McCABE")
    assert mccabe.forced and by_type["lyrics"][0].text == "Happy birthday to you!"
    assert by_type["lyrics"][0].character == "McCABE"
    assert any(e.text == "Blåbærsyltetøy" for e in by_type["dialogue"])
    assert [e.text for e in by_type["synopsis"]] == ["Section synopsis", "Subsection synopsis",
                                                      "Additional synopsis", "Scene synopsis"]
    # the long note spans an empty line: not a note under Fountain 1.1 (kept as text, with a warning)
    assert any("unterminated note" in w for w in sp.warnings)
