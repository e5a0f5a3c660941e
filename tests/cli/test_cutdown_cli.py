"""``reel cutdown`` end to end: the real CLI on the real lecture, several lengths in one run."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio

from reelkit.media import probe
from reelkit.timeline import export_timeline, media_frame_count, ranges_timeline
from tests.edit.lecture import LECTURE, RATE, lecture_transcript


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    info = probe(LECTURE)
    tl = ranges_timeline(info, [(0, media_frame_count(info, RATE))], name="lecture", rate=RATE)
    otio_path = export_timeline(tl, tmp_path / "lecture.otio", "otio")
    words = tmp_path / "lecture.json"
    words.write_text(json.dumps(lecture_transcript().to_dict()))
    return otio_path, words


def test_several_lengths_and_a_render(reel, tmp_path: Path) -> None:
    tl, words = _inputs(tmp_path)
    out = tmp_path / "short.otio"
    r = reel("cutdown", str(tl), "-d", "15", "-d", "30", "--words", str(words), "-o", str(out), "--no-index",
             "--render", str(tmp_path / "short.m4a"), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [c["frames"] for c in d["cutdowns"]] == [375, 750]
    for secs in (15, 30):
        t = otio.adapters.read_from_file(str(tmp_path / f"short.{secs}s.otio"))
        assert t.tracks[0].duration().to_frames() == secs * 25
        info = probe(tmp_path / f"short.{secs}s.m4a")
        assert abs(info.duration_s - secs) < 0.1


def test_bad_inputs_fail_cleanly(reel, tmp_path: Path) -> None:
    tl, words = _inputs(tmp_path)
    r = reel("cutdown", str(tl), "-d", "15", "-d", "400", "--words", str(words), "-o", str(tmp_path / "x.otio"),
             "--no-index")
    assert r.returncode == 2 and "cannot be longer than the cut" in r.stderr
    assert "Traceback" not in r.stderr
    assert not list(tmp_path.glob("x*"))  # nothing written for the 15 s one either
    (tmp_path / "taken.otio").write_text("keep me")
    r = reel("cutdown", str(tl), "-d", "15", "--words", str(words), "-o", str(tmp_path / "taken.otio"),
             "--no-index")
    assert r.returncode == 4 and (tmp_path / "taken.otio").read_text() == "keep me"
    (tmp_path / "notes.txt").write_text("hello")
    r = reel("cutdown", str(tmp_path / "notes.txt"), "-d", "15")
    assert r.returncode == 5 and "OpenTimelineIO" in r.stderr
