"""The mouth-motion detector alone (frames pushed into it) and the speaker score."""

from __future__ import annotations

import numpy as np

from reelkit.analysis.driver import Window
from reelkit.analysis.mouth_motion import MouthMotion, speaker_scores
from reelkit.media import Frame


def _frames(n: int, changes: np.ndarray, rows: slice) -> list[np.ndarray]:
    """``n`` grey 200x100 frames whose ``rows`` flip brightness where ``changes`` is set."""
    out, level = [], 100
    for i in range(n):
        if changes[i]:
            level = 160 if level == 100 else 100
        img = np.full((100, 200), 80, np.uint8)
        img[rows, 20:60] = level
        out.append(img)
    return out


def test_lower_face_motion_is_positive_upper_face_motion_negative() -> None:
    n = 40
    talk = np.arange(n) % 3 == 0
    box = np.tile([20.0, 10.0, 40.0, 80.0], (n, 1))  # x, y, w, h in a 200x100 source
    away = box.copy()
    away[20:] = np.nan  # the second face leaves half-way
    det = MouthMotion([box, away], start=100, source_size=(200, 100))
    for i, img in enumerate(_frames(n, talk, slice(65, 85))):  # the mouth band: 0.65-0.95 of the box
        det.on_frame(Frame(100 + i, None, img), Window())
    m = det.finish()
    assert m.shape == (2, n) and np.isnan(m[:, 0]).all()
    assert (m[0, 1:][talk[1:]] > 20).all() and np.allclose(m[0, 1:][~talk[1:]], 0)
    assert np.isnan(m[1, 20:]).all() and np.isfinite(m[1, 1:20]).all()
    assert speaker_scores(m, talk)[0] > 0.99
    brow = MouthMotion([box], start=0, source_size=(200, 100))
    for i, img in enumerate(_frames(n, talk, slice(28, 48))):  # the upper face band: 0.15-0.45
        brow.on_frame(Frame(i, None, img), Window())
    assert (brow.finish()[0, 1:][talk[1:]] < -10).all()


def test_speaker_scores_need_eight_frames_and_two_signals() -> None:
    voice = np.arange(20) % 2 == 0
    few = np.full((1, 20), np.nan)
    few[0, :5] = voice[:5]
    assert speaker_scores(few, voice) == [0.0]
    assert speaker_scores(np.ones((1, 20)), voice) == [0.0]
    assert speaker_scores(voice[None, :].astype(float), np.ones(20)) == [0.0]
    assert speaker_scores(-voice[None, :].astype(float), voice)[0] == -1.0
