"""The studio's data module computes exactly what ``reel cut`` computes, and exports what the CLI exports."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from reelkit.analysis.speech import Segment, Transcript, Word, transcript_to_text
from reelkit.edit.cut import plan_cut
from reelkit.errors import UsageError
from reelkit.studio.data import EditSpec, Project
from reelkit.time import from_rational_time
from tests.mediagen import make_video

NTSC = Fraction(30000, 1001)
SR = 16000
#: (text, start s, end s, filler): a 1.4 s pause after "not"
SCRIPT = [("so", 0.30, 0.55, False), ("um", 0.70, 1.05, True), ("ask", 1.20, 1.50, False),
          ("not", 1.55, 1.80, False), ("what", 3.20, 3.50, False), ("your", 3.55, 3.80, False),
          ("country", 3.85, 4.30, False)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Transcript]:
    d = tmp_path_factory.mktemp("studio-data")
    media = make_video(d / "talk.mp4", width=64, height=48, rate=NTSC, frames=150, audio_rate=48000)
    words = [Word(t, round(s * SR), round(e * SR), 0.9, f) for t, s, e, f in SCRIPT]
    segs = [Segment(words[0].start, words[3].end, "so um ask not", "A"),
            Segment(words[4].start, words[6].end, "what your country", "B")]
    t = Transcript(media=str(media), language="en", backend="test", sample_rate=SR, words=words, segments=segs)
    (d / "talk.json").write_text(json.dumps(t.to_dict()))
    p = Project(d)
    p.import_transcript("talk.mp4", t)
    return p, t


def test_keep_ranges_equal_reel_cuts_plan(project: tuple[Project, Transcript], tmp_path: Path) -> None:
    p, t = project
    edited = tmp_path / "talk.txt"
    edited.write_text(transcript_to_text(t).replace("so um ask not", "so ask").replace("your ", ""))
    plan = plan_cut(p.root / "talk.mp4", transcript=edited, words_json=p.root / "talk.json")
    assert plan.deleted == [1, 3, 5]
    r = p.keep_ranges("talk.mp4", EditSpec([1, 3, 5]))
    assert [tuple(k) for k in r["keep"]] == plan.keep
    assert r["rate"] == "30000/1001" and r["total_frames"] == 150


def test_transcript_view_has_speakers_fillers_and_long_pauses(project: tuple[Project, Transcript]) -> None:
    p, _t = project
    d = p.transcript("talk.mp4")
    assert [w["speaker"] for w in d["words"]] == ["A"] * 4 + ["B"] * 3
    assert [w["filler"] for w in d["words"]] == [False, True, False, False, False, False, False]
    assert d["pauses"] == [{"after": 3, "start": 1.8, "end": 3.2}]


def test_a_deleted_pause_cuts_only_inside_that_pause(project: tuple[Project, Transcript]) -> None:
    p, _t = project
    r = p.keep_ranges("talk.mp4", EditSpec(pauses=[3]))
    removed = [(a[1], b[0]) for a, b in zip(r["keep"], r["keep"][1:], strict=False)]
    assert len(removed) == 1
    s, e = removed[0]
    assert Fraction(1.80) * NTSC <= s < e <= Fraction(3.20) * NTSC
    assert (e - s) / NTSC > Fraction(1)  # 1.4 s pause minus the 0.15 s margins each side


def test_exports_write_every_format(project: tuple[Project, Transcript]) -> None:
    p, _t = project
    edit = EditSpec([1])
    keep = p.keep_ranges("talk.mp4", edit)["keep"]
    for fmt in ("otio", "fcpxml", "fcp7", "edl", "srt", "vtt"):
        res = p.export("talk.mp4", edit, fmt)
        f = p.root / res["file"]
        assert f.is_file() and f.stat().st_size > 0 and f.parent.name == "exports"
    tl = otio.adapters.read_from_file(str(p.root / "exports" / "talk.cut.otio"))
    clips = list(tl.video_tracks()[0].find_clips())
    assert [(from_rational_time(c.source_range.start_time, NTSC),
             from_rational_time(c.source_range.end_time_exclusive(), NTSC)) for c in clips] == [tuple(k) for k in keep]
    srt = (p.root / "exports" / "talk.cut.srt").read_text()
    assert "um" not in srt and "so ask not" in srt


def test_rendered_mp4_has_the_kept_frames(project: tuple[Project, Transcript]) -> None:
    from reelkit.media import probe

    p, _t = project
    edit = EditSpec([1, 3])
    kept = p.keep_ranges("talk.mp4", edit)["kept_frames"]
    res = p.export("talk.mp4", edit, "mp4")
    info = probe(p.root / res["file"])
    assert res["file"] == "exports/talk.cut.mp4" and info.video.frames == kept and info.audio is not None


def test_saved_edit_round_trips(project: tuple[Project, Transcript]) -> None:
    p, _t = project
    res = p.save_edit("talk.mp4", EditSpec([1, 2], [3]))
    assert res["file"] == ".reelkit/studio/edits/talk.mp4.otio"
    assert p.load_edit("talk.mp4").to_json() == {"deleted": [1, 2], "pauses": [3]}


def test_bad_edits_are_usage_errors(project: tuple[Project, Transcript]) -> None:
    p, _t = project
    with pytest.raises(UsageError):
        p.keep_ranges("talk.mp4", EditSpec([99]))
    with pytest.raises(UsageError, match="nothing would remain"):
        p.keep_ranges("talk.mp4", EditSpec(range(7)))
    for bad in ([], {"deleted": "1"}, {"deleted": [True]}, {"pauses": [[1]]}):
        with pytest.raises(UsageError):
            EditSpec.from_json(bad)


def test_bin_lists_media_recursively_and_skips_the_rest(tmp_path: Path) -> None:
    make_video(tmp_path / "a.mp4", frames=10)
    (tmp_path / "sub").mkdir()
    make_video(tmp_path / "sub" / "b.mov", frames=10)
    (tmp_path / ".hidden").mkdir()
    make_video(tmp_path / ".hidden" / "c.mp4", frames=10)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 100)
    entries = {e["path"]: e for e in Project(tmp_path).list_media()}
    assert set(entries) == {"a.mp4", "broken.mp4", "sub/b.mov"}
    assert entries["a.mp4"]["probe"]["frames"] == 10 and entries["a.mp4"]["error"] is None
    assert entries["broken.mp4"]["probe"] is None and "broken.mp4" in entries["broken.mp4"]["error"]
    assert Project(tmp_path).poster("a.mp4").read_bytes()[:2] == b"\xff\xd8"
    with pytest.raises(UsageError):
        Project(tmp_path / "notes.txt")


def test_script_breakdown_shotlist_and_storyboard(tmp_path: Path) -> None:
    (tmp_path / "short.fountain").write_text(
        "Title: Two Lines\n\nINT. KITCHEN - DAY\n\nANA pours coffee into a chipped MUG.\n\n"
        "ANA\nYou're late.\n\nBEN\nThe van broke down.\n")
    p = Project(tmp_path)
    assert p.list_scripts() == [{"path": "short.fountain", "size": (tmp_path / "short.fountain").stat().st_size}]
    d = p.script("short.fountain")
    assert d["breakdown"]["scenes"][0]["heading"] == "INT. KITCHEN - DAY"
    assert set(d["breakdown"]["scenes"][0]["cast"]["speaking"]) == {"ANA", "BEN"}
    assert d["shotlist"]["shot_count"] >= 2 and d["panels"] == []
    panels = p.storyboard("short.fountain", "1")
    assert len(panels) == d["shotlist"]["panel_count"] and panels[0]["scene"] == "1"
    assert p.panel("short.fountain", panels[0]["name"]).read_bytes()[:4] == b"\x89PNG"
    assert p.script("short.fountain")["panels"] == panels
    with pytest.raises(UsageError):
        p.panel("short.fountain", "../../etc/passwd")


def test_grade_auto_and_match_preview_and_lut(tmp_path: Path) -> None:
    from reelkit.color.lut import read_cube

    make_video(tmp_path / "a.mp4", frames=12, width=64, height=48)
    make_video(tmp_path / "b.mp4", frames=12, width=64, height=48,
               frame_fn=lambda i, w, h: np.full((h, w, 3), (40, 90, 200), np.uint8))
    p = Project(tmp_path)
    _g, info = p.fit_grade("a.mp4")
    assert info["kind"] == "auto" and len(info["white_gains"]) == 3
    _g, m = p.fit_grade("a.mp4", "b.mp4")
    assert m["kind"] == "match" and m["mean_delta_e_after"] < m["mean_delta_e_before"]
    before = p.graded_frame("a.mp4", 5, graded=False)
    full = p.graded_frame("a.mp4", 5, ref="b.mp4")
    none = p.graded_frame("a.mp4", 5, ref="b.mp4", strength=0.0)
    assert before[:2] == full[:2] == b"\xff\xd8" and full != before
    assert none == before  # strength 0 is the source
    res = p.export_lut("a.mp4", strength=0.5, ref="b.mp4")
    assert res["file"] == "exports/a.match-b.cube" and res["max_error"] <= 1.0
    assert read_cube(p.root / res["file"]).cube.shape[0] in (33, 65)
    with pytest.raises(UsageError):
        p.graded_frame("a.mp4", 0, strength=1.5)
