"""Human edits of a reframe plan: JSON round trip, the exported keyframes, moving a keyframe."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from reelkit.edit.reframe import path_timeline, reframe
from reelkit.edit.reframe_edit import move_keyframes, plan_from_dict, plan_keyframes, plan_to_dict
from reelkit.errors import InputFormatError, UsageError
from reelkit.media import probe
from tests.reframe_media import write_clip

RATE = Fraction(25)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory):
    """A 2-shot 320x180 clip: a real face still in shot 1, walking right in shot 2."""
    p = tmp_path_factory.mktemp("rfedit") / "walk.mp4"
    places = [[(40, 40)] for _ in range(25)] + [[(20 + 6 * i, 40)] for i in range(25)]
    write_clip(p, size=(320, 180), frames=50, rate=RATE, placements=places, patch_h=110, cut_at=25)
    return reframe(p, "9:16", shots=[(0, 24), (25, 49)], width=180)


def test_json_round_trip_keeps_the_plan(plan) -> None:
    again = plan_from_dict(plan_to_dict(plan), plan.info)
    assert np.allclose(again.path.windows, plan.path.windows, atol=0.005)  # JSON keeps 1/100 px
    assert [s.to_dict() for s in again.path.shots] == [s.to_dict() for s in plan.path.shots]
    assert again.output_size == plan.output_size and again.subjects == plan.subjects and again.rate == RATE
    with pytest.raises(InputFormatError):
        plan_from_dict({"aspect": "9:16"}, plan.info)


def test_keyframes_are_the_exported_ones(plan) -> None:
    keys = plan_keyframes(plan)
    tl = path_timeline(plan)
    video = next(t for t in tl.tracks if t.kind == "Video")
    assert [[dict(k) for k in c.metadata["reelkit"]["crop_keyframes"]] for c in video] == keys
    assert len(keys) == 2 and keys[0][0]["frame"] == 0 and keys[1][0]["frame"] == 25


def test_moving_a_keyframe_moves_the_path_linearly_and_clamps(plan) -> None:
    keys = plan_keyframes(plan)
    k0 = keys[1][0]
    last = keys[1][-1]
    moved = move_keyframes(plan, {k0["frame"]: (k0["x"] + 30.0, k0["y"])})
    w = moved.path.windows
    assert w[25, 0] == pytest.approx(min(k0["x"] + 30.0, 320 - k0["w"]))
    assert len(keys[1]) >= 2, "the walking shot pans: it has keyframes at both ends"
    assert w[last["frame"], 0] == pytest.approx(last["x"])
    nxt = keys[1][1]
    mid = (25 + nxt["frame"]) // 2
    t = (mid - 25) / (nxt["frame"] - 25)
    assert w[mid, 0] == pytest.approx((1 - t) * w[25, 0] + t * nxt["x"])  # linear between keyframes
    assert np.array_equal(w[:25], plan.path.windows[:25])  # the other shot is untouched
    far = move_keyframes(plan, {k0["frame"]: (10_000.0, -50.0)})
    assert far.path.windows[25, 0] == 320 - k0["w"] and far.path.windows[25, 1] == 0
    with pytest.raises(UsageError, match="not crop keyframes"):
        move_keyframes(plan, {3: (0.0, 0.0)})
    # the export carries the moved position
    tl = path_timeline(moved)
    clip = [c for c in next(t for t in tl.tracks if t.kind == "Video")][1]
    assert clip.metadata["reelkit"]["crop_keyframes"][0]["x"] == pytest.approx(w[25, 0])


def test_studio_reframe_flow(plan, tmp_path: Path) -> None:
    import shutil

    import opentimelineio as otio

    from reelkit.studio.data import Project

    shutil.copyfile(probe(plan.info.path).path, tmp_path / "walk.mp4")
    p = Project(tmp_path)
    assert p.reframe_view("walk.mp4", "9:16") == {"planned": False, "aspect": "9:16"}
    v = p.plan_reframe("walk.mp4", "9:16")
    assert v["planned"] and len(v["windows"]) == 50 and v["output_size"] == [1080, 1920]
    k = v["shots"][0]["keyframes"][0]
    v2 = p.move_reframe_keyframe("walk.mp4", "9:16", k["frame"], k["x"] + 12, k["y"])
    assert v2["shots"][0]["keyframes"][0]["moved"] and v2["windows"][0][0] == pytest.approx(k["x"] + 12)
    with pytest.raises(UsageError):
        p.move_reframe_keyframe("walk.mp4", "9:16", 7, 0, 0)
    res = p.export_reframe("walk.mp4", "9:16", "otio")
    tl = otio.adapters.read_from_file(str(tmp_path / res["file"]))
    first = next(iter(tl.video_tracks()[0].find_clips()))
    assert first.metadata["reelkit"]["crop_keyframes"][0]["x"] == pytest.approx(k["x"] + 12)


def test_plan_reframe_reads_shots_and_subjects_from_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """A file whose shots (``reel shots``) and subjects (an earlier reframe) are in the media index is not
    decoded again; the plan is the same as one computed without the index; a bad aspect fails first."""
    import reelkit.edit.reframe as reframe_mod
    import reelkit.index.analyze as analyze_mod
    from reelkit.edit.reframe import plan_reframe
    from reelkit.index.analyze import shots

    clip = tmp_path / "two shots.mp4"
    places = [[(40, 40)] for _ in range(25)] + [[(160, 40)] for _ in range(25)]
    write_clip(clip, size=(320, 180), frames=50, rate=RATE, placements=places, patch_h=110, cut_at=25)
    db = tmp_path / "index.sqlite"
    det, cached = shots(clip, index=db, detect_only=True)
    assert not cached and [(s.start, s.end) for s in det.shots] == [(0, 24), (25, 49)]
    fresh = plan_reframe(clip, "9:16", width=180, use_index=False)
    first = plan_reframe(clip, "9:16", width=180, index=db)  # subjects analysed and stored

    def no_decode(*_a: object, **_k: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(analyze_mod, "run_detectors", no_decode)
    monkeypatch.setattr(reframe_mod, "analyse_subjects", no_decode)
    stages: list[str] = []

    def stage(name: str):
        from contextlib import nullcontext

        stages.append(name)
        return nullcontext(None)

    again = plan_reframe(clip, "9:16", width=180, index=db, stage=stage)
    assert stages == ["shots", "subjects"]
    for p in (first, again):
        assert [(s.start, s.end) for s in p.path.shots] == [(0, 24), (25, 49)]
        assert np.array_equal(p.path.windows, fresh.path.windows)
        assert [s.to_dict() for s in p.path.shots] == [s.to_dict() for s in fresh.path.shots]
    with pytest.raises(UsageError):
        plan_reframe(clip, "9:0", index=db)


def test_write_reframe_exports_a_clip_whose_container_understates_its_length(tmp_path: Path,
                                                                             shared_data: Path) -> None:
    """A real GRID MPEG-1 file has no frame count and a duration half a frame short of the 75 frames it
    decodes: the exported timeline holds every decoded frame (it used to fail: "source range [0, 75) goes
    beyond the media's 74 frames"); outputs are checked before the analysis."""
    from reelkit.edit.reframe import write_reframe
    from reelkit.errors import OutputExistsError

    clip = shared_data / "av" / "grid" / "grid_bbaf2n.mpg"
    out = tmp_path / "grid.otio"
    plan, report = write_reframe(clip, "9:16", width=180, export="otio", output=out, use_index=False)
    assert report["export"] == str(out) and plan.path.windows.shape[0] == 75
    back = otio.adapters.read_from_file(str(out))
    clips = list(back.tracks[0].find_clips())
    assert len(clips) == 1 and clips[0].source_range.duration.to_frames() == 75
    assert clips[0].metadata["reelkit"]["crop_keyframes"]
    with pytest.raises(OutputExistsError):
        write_reframe(clip, "9:16", export="otio", output=out, use_index=False)
    with pytest.raises(UsageError):
        write_reframe(clip, "9:16", output=tmp_path / "x.json", use_index=False)
