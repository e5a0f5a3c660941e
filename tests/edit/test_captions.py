"""Caption cues: line lengths, line counts, reading speed, durations, timeline mapping, SRT/VTT."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from reelkit.edit.captions import CaptionWord, CueRules, break_lines, build_cues, words_on_timeline
from reelkit.errors import OutputExistsError
from reelkit.timeline import ranges_timeline
from reelkit.timeline.subtitles import cues_to_srt, cues_to_vtt, write_captions
from tests.edit.test_ranges import W
from tests.timeline.conftest import fake_info

TEXT = ("And so, my fellow Americans, ask not what your country can do for you; ask what you can do "
        "for your country. My fellow citizens of the world, ask not what America will do for you, but what "
        "together we can do for the freedom of man. Finally, whether you are citizens of America or citizens "
        "of the world, ask of us here the same high standards of strength and sacrifice which we ask of you.")


def _words(rate_wps: float = 3.0) -> list[CaptionWord]:
    out, t = [], Fraction(0)
    step = Fraction(1) / Fraction(rate_wps).limit_denominator(100)
    for i, tok in enumerate(TEXT.split()):
        if i == 40:
            t += 2  # a long pause
        out.append(CaptionWord(tok, t, t + step * Fraction(4, 5)))
        t += step
    return out


def test_break_lines_balanced_and_bounded() -> None:
    words = ["ask", "not", "what", "your", "country", "can", "do", "for", "you", "ask", "what", "you", "can", "do"]
    lines = break_lines(words)
    assert lines is not None and len(lines) == 2
    assert all(len(x) <= 42 for x in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 8
    assert break_lines(["x" * 30] * 4) is None  # cannot fit two lines
    assert break_lines(["supercalifragilisticexpialidocious" * 2]) == ["supercalifragilisticexpialidocious" * 2]


@pytest.mark.parametrize("wps", [2.0, 3.0, 5.0])
def test_cues_respect_limits(wps: float) -> None:
    words = _words(wps)
    rules = CueRules()
    cues = build_cues(words, rules)
    assert " ".join(c.text for c in cues) == " ".join(w.text for w in words)  # every word, in order
    for i, c in enumerate(cues):
        assert 1 <= len(c.lines) <= 2
        assert all(len(x) <= 42 for x in c.lines)
        assert c.end - c.start <= rules.max_duration_s
        if i + 1 < len(cues):
            assert c.end <= cues[i + 1].start - rules.min_gap_s or c.end <= max(
                w.end for w in words if w.start < cues[i + 1].start)
        chars = sum(len(x) for x in c.lines)
        room = (cues[i + 1].start - rules.min_gap_s) if i + 1 < len(cues) else None
        if room is None or room - c.start >= Fraction(chars) / 17:
            assert chars / float(c.end - c.start) <= 17.0 + 1e-9  # reading speed met wherever timing allows
        if room is None or room - c.start >= rules.min_duration_s:
            assert c.end - c.start >= rules.min_duration_s
    # the 2-second pause starts a new cue
    assert any(c.lines[0].startswith(words[40].text) for c in cues)


def test_words_follow_the_cut(tmp_path: Path) -> None:
    rate = Fraction(25)
    sr = 48000
    tl = ranges_timeline(fake_info(tmp_path / "m.mov", rate, frames=500), [(0, 50), (100, 150)], name="c")
    words = [W("one", 10 * sr // 25, 20 * sr // 25), W("cut", 60 * sr // 25, 80 * sr // 25),
             W("two", 110 * sr // 25, 130 * sr // 25)]
    placed = words_on_timeline(words, sr, tl)
    assert [w.text for w in placed] == ["one", "two"]
    assert placed[1].start == Fraction(60, 25) and placed[1].end == Fraction(80, 25)


def test_srt_and_vtt(tmp_path: Path) -> None:
    cues = build_cues(_words(3.0))
    srt = cues_to_srt(cues)
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == len(cues)
    stamp = re.compile(r"^(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)$")
    for n, (b, c) in enumerate(zip(blocks, cues, strict=True), start=1):
        lines = b.split("\n")
        assert lines[0] == str(n)
        m = stamp.match(lines[1])
        assert m
        h, mi, s, ms = map(int, m.groups()[:4])
        assert abs(Fraction(((h * 60 + mi) * 60 + s) * 1000 + ms, 1000) - c.start) <= Fraction(1, 2000)
        assert tuple(lines[2:]) == c.lines
    vtt = cues_to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n") and "00:00:00.000 --> " in vtt
    out = write_captions(cues, tmp_path / "c.srt")
    assert out.read_text() == srt
    with pytest.raises(OutputExistsError):
        write_captions(cues, tmp_path / "c.srt")
