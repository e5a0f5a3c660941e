"""A quiet cut: two real GRID speakers filmed in the same studio set-up, joined back to back.

Only the face changes at the join (same backdrop, framing and grade), so the change is about half of what an
ordinary cut scores; it is a cut because it is one clean jump out of a still picture.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from reelkit.analysis.shots import detect_shots
from reelkit.media import MediaWriter, read_frames


def _frames(path: Path, n: int) -> list[np.ndarray]:
    return [f.image for f in read_frames(path, end=n)]


def test_a_cut_between_two_speakers_on_the_same_set(tmp_path: Path, shared_data: Path) -> None:
    grid = shared_data / "av" / "grid"
    a, b = _frames(grid / "grid_s2_swwp2s.mpg", 40), _frames(grid / "grid_bbaf2n.mpg", 40)
    assert a[0].shape == b[0].shape
    joined = tmp_path / "two speakers.mp4"
    h, w = a[0].shape[:2]
    with MediaWriter(joined, width=w, height=h, rate=Fraction(25), crf=18) as out:
        for img in [*a, *b]:
            out.write_video(img)
    det = detect_shots(joined)
    assert [(t.type, t.start) for t in det.transitions] == [("cut", 40)]
    # the rule is what finds it: without it the join is missed
    assert detect_shots(joined, quiet_cut_threshold=1.0).transitions == []
    # and neither speaker's own clip (one still shot, a talking face) gets a cut
    for name in ("grid_s2_swwp2s.mpg", "grid_bbaf2n.mpg"):
        assert detect_shots(grid / name).transitions == []
