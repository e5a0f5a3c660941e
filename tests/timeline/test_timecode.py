"""Media with a start timecode (camera files): exports address it by timecode, renders by frame index."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import opentimelineio as otio
import pytest

from reelkit.media import probe, read_frames
from reelkit.render import render_timeline
from reelkit.time import timecode_to_frame
from reelkit.timeline import media_start_frame, ranges_timeline, timeline_to_string
from reelkit.timeline.fcpxml import read_fcpxml
from tests.render.test_render import index_frame, read_index

NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def tc_movie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("tc") / "camera.mov"
    with av.open(str(p), "w") as c:
        c.metadata["timecode"] = "01:00:00;00"
        s = c.add_stream("libx264", rate=NTSC)
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        for i in range(40):
            f = av.VideoFrame.from_ndarray(index_frame(i, 160, 96), format="rgb24")
            f.pts = i
            c.mux(s.encode(f.reformat(format="yuv420p")))
        c.mux(s.encode())
    return p


def test_exports_use_the_source_timecode(tc_movie: Path, tmp_path: Path) -> None:
    info = probe(tc_movie)
    tc0 = timecode_to_frame("01:00:00;00", NTSC)
    assert media_start_frame(info, NTSC) == tc0 == 107892
    tl = ranges_timeline(info, [(5, 12), (20, 30)], name="tc")
    edl = timeline_to_string(tl, "edl")
    first = next(ln for ln in edl.splitlines() if ln.startswith("001"))
    assert first.split()[-4:-2] == ["01:00:00;05", "01:00:00;12"]
    doc = read_fcpxml(timeline_to_string(tl, "fcpxml"))
    assert [(c["start"], c["duration"]) for c in doc["clips"]] == [(tc0 + 5, 7), (tc0 + 20, 10)]
    tl.tracks[0][0].metadata["reelkit"]["crop_keyframes"] = [{"frame": 6, "x": 0, "y": 0, "w": 54, "h": 96},
                                                             {"frame": 11, "x": 100, "y": 0, "w": 54, "h": 96}]
    tl.metadata["reelkit"]["output_size"] = [54, 96]
    kf = read_fcpxml(timeline_to_string(tl, "fcpxml"))["clips"][0]["keyframes"]
    assert [f for f, _ in kf["position"]] == [tc0 + 6, tc0 + 11]  # 0-based keyframe frames + the timecode
    fcp7 = otio.adapters.read_from_string(timeline_to_string(tl, "fcp7"), "fcp_xml")
    clips = list(fcp7.tracks[0].find_clips())
    # the adapter adds the file's timecode to <in>: media time again
    assert [round(c.source_range.start_time.value) for c in clips] == [tc0 + 5, tc0 + 20]
    out = render_timeline(tl, tmp_path / "r.mp4")
    assert [read_index(f.image) for f in read_frames(out.path)] == list(range(5, 12)) + list(range(20, 30))
