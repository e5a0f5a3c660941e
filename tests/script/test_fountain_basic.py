"""Fountain parser: element-level behaviour on hand-written inputs and the bundled sample script."""

from __future__ import annotations

from pathlib import Path

from reelkit.script import load_screenplay, parse_fountain, to_fountain

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "reelkit" / "data" / "sample_script.fountain"


def types(sp):
    return [e.type for e in sp.elements]


def test_sample_script_structure() -> None:
    sp = load_screenplay(SAMPLE)
    assert sp.title == "The Last Reel"
    scenes = sp.scenes()
    assert [s.number for s in scenes] == [str(i) for i in range(1, 9)]
    assert scenes[1].heading == "INT. PROJECTION BOOTH - NIGHT"
    assert (scenes[1].int_ext, scenes[1].location, scenes[1].time_of_day) == ("INT", "PROJECTION BOOTH", "NIGHT")
    assert scenes[1].speaking_characters == ("LEO", "MAYA")
    assert scenes[2].location == "PALACE CINEMA - AUDITORIUM" and scenes[2].time_of_day == "CONTINUOUS"
    assert {"MAYA", "LEO", "ARTHUR", "COLLECTOR"} == set(sp.characters())
    dual = [(e.text, e.dual) for e in sp.elements if e.type == "character" and e.dual]
    assert dual == [("LEO", "left"), ("MAYA", "right")]
    assert not sp.warnings


def test_emphasis_removed_from_text_and_kept_as_spans() -> None:
    sp = parse_fountain("INT. ROOM - DAY\n\nShe reads **the** *letter* and _waits_. Price: 5 \\* 3.\n")
    act = sp.elements[1]
    assert act.text == "She reads the letter and waits. Price: 5 * 3."
    assert act.markup == "She reads **the** *letter* and _waits_. Price: 5 \\* 3."
    spans = {(act.text[e.start:e.end], e.style) for e in act.emphasis}
    assert spans == {("the", "bold"), ("letter", "italic"), ("waits", "underline")}


def test_roundtrip_through_fountain_writer() -> None:
    sp = load_screenplay(SAMPLE)
    again = parse_fountain(to_fountain(sp))
    strip = [(e.type, e.text, e.scene_number, e.extension, e.dual, e.level, e.character, e.notes, e.markup)
             for e in sp.elements]
    assert [(e.type, e.text, e.scene_number, e.extension, e.dual, e.level, e.character, e.notes, e.markup)
            for e in again.elements] == strip
    assert again.title_page == sp.title_page


def test_transition_directly_followed_by_a_heading() -> None:
    sp = parse_fountain("CUT TO:\nINT. HOUSE - DAY\n\nHi.\n\nCUT TO:\nsomething else\n")
    assert [(e.type, e.text) for e in sp.elements] == [
        ("transition", "CUT TO:"), ("scene_heading", "INT. HOUSE - DAY"), ("action", "Hi."),
        ("action", "CUT TO:\nsomething else")]


def test_heading_details() -> None:
    from reelkit.script import parse_heading

    assert parse_heading("INT./EXT. CAR (MOVING) - DAY") == ("INT/EXT", "CAR (MOVING)", "DAY")
    assert parse_heading("I/E HOUSE - KITCHEN -- NIGHT") == ("INT/EXT", "HOUSE - KITCHEN", "NIGHT")
    assert parse_heading("EST. CITY SKYLINE - DUSK") == ("EXT", "CITY SKYLINE", "DUSK")
    assert parse_heading("SNIPER SCOPE POV") == (None, "SNIPER SCOPE POV", None)
    assert parse_heading("int. lab - moments later") == ("INT", "lab", "MOMENTS LATER")
    sp = parse_fountain("int. lab - night\n\nINTERIOR DESIGN is hard.\n")
    assert [e.type for e in sp.elements] == ["scene_heading", "action"]
