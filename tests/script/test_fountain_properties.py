"""Property tests: the parser never fails on arbitrary text, and writer → parser is the identity on models."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelkit.script import ELEMENT_TYPES, parse_fountain, to_fountain
from reelkit.script.model import Element, Screenplay

_PIECES = ["INT. HOUSE - DAY", "EXT. ROAD - NIGHT #4A#", ".FORCED", "BOB", "BOB (V.O.)", "ANN ^", "@McBob", "(beat)",
           "Hello there.", "CUT TO:", "> FADE OUT.", "> THE END <", "~La la la", "# Act", "## Seq", "= synopsis",
           "===", "[[note]]", "[[open", "/* bone", "*/", "**bold** and *it*", "_under_", "\\*lit\\*", "!FORCED ACTION",
           "  ", "", "", "", "Title: X", "    indented", "\t tab", "é ü ß 漢字", "]]", "/*", "*", "_"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=30), max_size=40))
def test_parser_never_fails(lines: list[str]) -> None:
    text = "\n".join(lines)
    sp = parse_fountain(text)
    n_lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1  # a lone CR ends a line too
    for e in sp.elements:
        assert e.type in ELEMENT_TYPES
        assert 1 <= e.line <= n_lines
        for em in e.emphasis:
            assert 0 <= em.start < em.end <= len(e.text)
    assert [e.line for e in sp.elements] == sorted(e.line for e in sp.elements)


_WORD = st.text(alphabet="abcdefghij klmnop.,!?", min_size=1, max_size=25).map(str.strip).filter(
    lambda s: s and s[0].isalpha())
_NAME = st.sampled_from(["BOB", "ANN", "DR. LEE", "MAYA ORTIZ", "COP 2"])


@st.composite
def _screenplay(draw) -> Screenplay:
    els: list[Element] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["scene", "action", "dialogue", "transition", "centered", "section",
                                     "synopsis", "page_break", "note"]))
        if kind == "scene":
            loc = draw(_WORD).upper()
            els.append(Element("scene_heading", f"INT. {loc} - DAY", scene_number=draw(st.none() | st.just("7B"))))
        elif kind == "action":
            els.append(Element("action", draw(_WORD).capitalize() + "."))
        elif kind == "dialogue":
            name = draw(_NAME)
            els.append(Element("character", name, character=name,
                               extension=draw(st.none() | st.just("(V.O.)"))))
            if draw(st.booleans()):
                els.append(Element("parenthetical", "(quietly)", character=name))
            els.append(Element("dialogue", draw(_WORD), character=name))
        elif kind == "transition":
            els.append(Element("transition", "CUT TO:"))
        elif kind == "centered":
            els.append(Element("centered", draw(_WORD)))
        elif kind == "section":
            els.append(Element("section", draw(_WORD), level=draw(st.integers(1, 3))))
        elif kind == "synopsis":
            els.append(Element("synopsis", draw(_WORD)))
        elif kind == "page_break":
            els.append(Element("page_break", ""))
        else:
            els.append(Element("note", draw(_WORD)))
    return Screenplay(title_page=(("Title", "T"),), elements=tuple(els))


def _key(sp: Screenplay):
    return [(e.type, e.text, e.scene_number, e.extension, e.level, e.character, e.dual) for e in sp.elements]


@settings(max_examples=150, deadline=None)
@given(_screenplay())
def test_writer_then_parser_is_identity(sp: Screenplay) -> None:
    back = parse_fountain(to_fountain(sp))
    assert _key(back) == _key(sp)
    assert back.title_page == sp.title_page
