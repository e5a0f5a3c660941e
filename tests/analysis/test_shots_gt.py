"""Shot detection against real ground truth: the PySceneDetect test videos and the bundled sample."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from reelkit.analysis.shots import ShotDetection, Transition, detect_shots
from reelkit.sample import SAMPLE_CUTS, SAMPLE_DISSOLVES, SAMPLE_FADES, SAMPLE_FRAMES


def _spans(transitions: list[Transition], kinds: set[str]) -> list[tuple[int, int]]:
    return [(t.start, t.end) for t in transitions if t.type in kinds]


def _match(pred: list[tuple[int, int]], true: list[tuple[int, int]], tol: int = 2) -> int:
    """One-to-one matches: spans overlap when widened by ``tol`` frames."""
    used: set[int] = set()
    hits = 0
    for ts, te in true:
        for j, (ps, pe) in enumerate(pred):
            if j not in used and ps <= te + tol and pe >= ts - tol:
                used.add(j)
                hits += 1
                break
    return hits


@pytest.fixture(scope="module")
def sample_det(sample_video: Path) -> ShotDetection:
    return detect_shots(sample_video)


def test_sample_cut_dissolve_fade(sample_det: ShotDetection) -> None:
    tr = sample_det.transitions
    assert [t.start for t in tr if t.type == "cut"] == list(SAMPLE_CUTS)
    assert _match(_spans(tr, {"dissolve"}), list(SAMPLE_DISSOLVES)) == 1
    assert _match(_spans(tr, {"fade"}), list(SAMPLE_FADES)) == 1
    assert len(tr) == 3
    assert all(0 < t.confidence <= 1 for t in tr)
    assert sample_det.frame_count == SAMPLE_FRAMES


def test_sample_shots_partition(sample_det: ShotDetection) -> None:
    shots = sample_det.shots
    assert shots[0].start == 0 and shots[-1].end == SAMPLE_FRAMES - 1
    for a, b in itertools.pairwise(shots):
        assert b.start == a.end + 1
    # cut at 90, dissolve 195-224 split at its middle, the final fade-out stays in the last shot
    assert [(s.start, s.end) for s in shots] == [(0, 89), (90, 209), (210, 329)]


@pytest.mark.parametrize("name", ["testvideo.mp4", "counter.mp4", "fades.mp4"])
def test_pyscenedetect_videos(shared_data: Path, name: str) -> None:
    gt = json.loads((shared_data / "shots" / "shot_boundaries.json").read_text())["videos"][f"pyscenedetect/{name}"]
    det = detect_shots(shared_data / "shots" / "videos" / "pyscenedetect" / name)
    assert det.frame_count == gt["n_frames"]
    cuts = [(c, c) for c in gt["hard_cuts"]]
    grads = [(g[0], g[1]) for g in gt["gradual"]]
    pred_cuts = _spans(det.transitions, {"cut"})
    pred_grads = _spans(det.transitions, {"dissolve", "fade", "wipe"})
    assert _match(pred_cuts, cuts) == len(cuts) == len(pred_cuts)
    assert _match(pred_grads, grads) == len(grads) == len(pred_grads)
    if name == "fades.mp4":  # luma ramps of a blank picture are not shot boundaries
        assert det.transitions == [] and len(det.shots) == 1
