"""Mouth motion of tracked faces as a driver detector: who is talking, measured from the picture.

Given face boxes per frame of one shot (from the subject tracks), the detector measures, for every face
and every frame, the mean absolute grey-level change in the lower face (mouth and jaw) minus that of the
upper face (eyes and forehead). Subtracting the upper face cancels head movement and camera motion, so
what is left is the mouth opening and closing. Correlated with voice activity
(:func:`speaker_scores`), it tells the speaking face from the listening one.

Mouths are a few pixels tall at detection size, so the detector asks for every frame, grey, at 480 px;
it runs over the frames of the shot only (:func:`reelkit.analysis.driver.run_detectors` ``frames=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from reelkit.analysis.driver import Detector, VideoNeed, Window
from reelkit.media import Frame

__all__ = ["MouthMotion", "speaker_scores"]


class MouthMotion(Detector):
    """Per-face mouth motion over frames ``start .. start + n - 1``.

    Args:
        boxes: one array per face, ``(n, 4)`` float ``(x, y, w, h)`` in source pixels for each frame of the
            range (NaN rows: the face is not there).
        start: the first frame index of the range.
        source_size: ``(width, height)`` of the source picture the boxes are in (upright, square pixels).
        max_side: analysis size of the grey frames (px).

    :meth:`finish` returns float ``(faces, n)``: lower-minus-upper face motion in grey levels per frame,
    NaN where the face is absent and on the first frame (no previous frame to compare with).
    """

    name = "mouth_motion"
    version = "1"

    def __init__(self, boxes: Sequence[np.ndarray], start: int, source_size: tuple[int, int],
                 max_side: int = 480) -> None:
        self.boxes = [np.asarray(b, dtype=float) for b in boxes]
        n = self.boxes[0].shape[0] if self.boxes else 0
        if any(b.shape != (n, 4) for b in self.boxes):
            raise ValueError("every face needs one (x, y, w, h) row per frame of the range")
        self.first, self.source = int(start), source_size
        self.video = VideoNeed(max_side=max_side, pixel_format="gray")
        self.motion = np.full((len(self.boxes), n), np.nan)
        self.prev: np.ndarray | None = None

    def params(self) -> dict[str, Any]:
        """The parameters that change the result besides the boxes (the index key adds their digest)."""
        return {"start": self.first, "frames": int(self.motion.shape[1]), "max_side": self.video.max_side}

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Difference against the previous frame inside each face's lower and upper parts."""
        img = frame.image.astype(np.int16)
        i = frame.index - self.first
        prev, self.prev = self.prev, img
        if prev is None or prev.shape != img.shape or not 0 <= i < self.motion.shape[1]:
            return
        diff = np.abs(img - prev)
        sx, sy = img.shape[1] / self.source[0], img.shape[0] / self.source[1]
        for k, b in enumerate(self.boxes):
            x, y, w, h = b[i]
            if not np.isfinite(x):
                continue
            x, y, w, h = x * sx, y * sy, w * sx, h * sy
            mouth = diff[int(y + 0.65 * h):int(np.ceil(y + 0.95 * h)), int(x + 0.25 * w):int(np.ceil(x + 0.75 * w))]
            upper = diff[int(y + 0.15 * h):int(np.ceil(y + 0.45 * h)), int(x + 0.2 * w):int(np.ceil(x + 0.8 * w))]
            if mouth.size and upper.size:
                self.motion[k, i] = float(mouth.mean()) - float(upper.mean())

    def finish(self) -> np.ndarray:
        """The ``(faces, n)`` motion array."""
        return self.motion


def speaker_scores(motion: np.ndarray, voice: np.ndarray) -> list[float]:
    """Pearson correlation of each face's mouth motion (a row of ``motion``) with voice activity.

    Args:
        motion: ``(faces, n)`` from :class:`MouthMotion` (NaN: no measurement).
        voice: ``(n,)`` voice activity of the same frames (bool or 0..1).

    Returns:
        One score per face in -1..1; 0.0 where fewer than 8 frames were measured or either signal is flat.
    """
    v = np.asarray(voice, dtype=float)
    scores = []
    for row in motion:
        ok = np.isfinite(row)
        if ok.sum() < 8 or np.std(row[ok]) == 0 or np.std(v[ok]) == 0:
            scores.append(0.0)
            continue
        scores.append(float(np.corrcoef(row[ok], v[ok])[0, 1]))
    return scores
