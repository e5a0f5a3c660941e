"""Pagination: page fill, breaking rules, (MORE)/(CONT'D), eighths, A4 vs Letter."""

from __future__ import annotations

import pytest

from reelkit.errors import UsageError
from reelkit.script import parse_fountain
from reelkit.script.io import load_screenplay, sample_script_path
from reelkit.script.paginate import A4, LETTER, format_eighths, paginate


def test_format_eighths() -> None:
    assert [format_eighths(n) for n in (1, 4, 8, 12, 16, 25)] == ["1/8", "4/8", "1", "1 4/8", "2", "3 1/8"]


def _action_script(n_paragraphs: int, words: int = 12) -> str:
    para = " ".join(["word"] * (words - 1)) + " end."
    return "INT. ROOM - DAY\n\n" + "\n\n".join(para for _ in range(n_paragraphs)) + "\n"


def test_lines_per_page_and_page_count() -> None:
    # a heading + N one-line actions: 1 + 2N lines (blank line between elements)
    sp = parse_fountain(_action_script(27))  # 1 + 27*2 = 55 lines: exactly one Letter page
    pg = paginate(sp)
    assert pg.page_count == 1 and len(pg.pages[0].lines) == 55
    pg2 = paginate(parse_fountain(_action_script(28)))
    assert pg2.page_count == 2 and len(pg2.pages[0].lines) <= LETTER.lines_per_page
    assert paginate(parse_fountain(_action_script(28)), layout="a4").page_count == 1
    assert A4.lines_per_page == 57
    with pytest.raises(UsageError):
        paginate(sp, layout="legal")


def test_wrap_widths() -> None:
    long = " ".join(["abcdefghi"] * 30)  # 299 characters: 6 words per action line, 3 per dialogue line
    sp = parse_fountain(f"INT. ROOM - DAY\n\n{long}\n\nBOB\n{long}\n")
    pg = paginate(sp)
    action = [ln for ln in pg.pages[0].lines if ln.kind == "action"]
    dialogue = [ln for ln in pg.pages[0].lines if ln.kind == "dialogue"]
    assert max(len(ln.text) for ln in action) <= 60 and len(action) == 5
    assert max(len(ln.text) for ln in dialogue) <= 35 and len(dialogue) == 10  # 3 words of 9 per line
    assert all(ln.indent == 10 for ln in dialogue)
    cue = next(ln for ln in pg.pages[0].lines if ln.kind == "character")
    assert cue.indent == 20 and cue.text == "BOB"


def test_long_speech_splits_with_more_and_contd() -> None:
    sentence = "This is a sentence of the long speech."
    speech = " ".join([sentence] * 60)  # ~2300 chars, ~66 dialogue lines
    sp = parse_fountain(f"INT. ROOM - DAY\n\nShe waits.\n\nMAYA (V.O.)\n{speech}\n")
    pg = paginate(sp)
    assert pg.page_count == 2
    p1, p2 = pg.pages
    assert p1.lines[-1].kind == "more" and p1.lines[-1].text == "(MORE)"
    assert p2.lines[0].kind == "contd" and p2.lines[0].text == "MAYA (V.O.) (CONT'D)"
    # at least two lines of speech on each side, break after a sentence
    assert sum(1 for ln in p1.lines if ln.kind == "dialogue") >= 2
    assert sum(1 for ln in p2.lines if ln.kind == "dialogue") >= 2
    last = [ln for ln in p1.lines if ln.kind == "dialogue"][-1]
    assert last.text.endswith(".")
    assert all(len(p.lines) <= 55 for p in pg.pages)


def test_scene_heading_never_ends_a_page() -> None:
    # fill page 1 up to 53 lines, then a heading: it must move to page 2 with its action
    text = _action_script(26) + "\nEXT. STREET - NIGHT\n\nCars pass.\n"
    pg = paginate(parse_fountain(text))
    assert pg.page_count == 2
    assert pg.pages[0].lines[-1].kind != "scene_heading"
    assert pg.pages[1].lines[0].kind == "scene_heading"


def test_forced_page_break() -> None:
    pg = paginate(parse_fountain("INT. A - DAY\n\nOne.\n\n===\n\nINT. B - DAY\n\nTwo.\n"))
    assert pg.page_count == 2 and pg.pages[1].lines[0].text == "INT. B - DAY"


def test_scene_eighths_and_screen_time() -> None:
    pg = paginate(load_screenplay(sample_script_path()))
    lengths = [s.eighths for s in pg.scenes]
    assert all(e >= 1 for e in lengths)
    # each scene's eighths ≈ its lines / 55 * 8, and they add up to the script length within rounding
    for s in pg.scenes:
        assert abs(s.eighths - s.lines * 8 / 55) <= 0.5 + 1e-9 or s.eighths == 1
    assert abs(sum(lengths) - pg.length_eighths) <= len(lengths) // 2 + 1
    assert pg.screen_time_s == pytest.approx(pg.length_eighths * 7.5)
    assert pg.scenes[1].start_page == 1 and pg.scenes[1].length == format_eighths(pg.scenes[1].eighths)
    d = pg.to_dict()
    assert d["page_count"] == pg.page_count and d["scenes"][0]["length"] == pg.scenes[0].length


def test_empty_and_headingless_scripts_paginate() -> None:
    assert paginate(parse_fountain("")).page_count == 0
    pg = paginate(parse_fountain("Just some action.\n\nAnd more.\n"))
    assert pg.page_count == 1 and pg.scenes == ()
