"""Faces and focus sampled through a video, as a driver detector.

The editing commands score pictures, not shots: "is the speaker on camera during this sentence"
(``reel highlights``), "is this take sharp and is the speaker framed" (``reel assemble``). They share one
sampled measure, computed in one pass of the analysis driver (:mod:`reelkit.analysis.driver`) and kept in
the media index (:func:`reelkit.index.analyze.picture_samples`):

every ``every`` frames (default: twice a second), at ``max_side`` pixels (default 480),

* ``sharpness`` — variance of the Laplacian of the grey picture (a relative focus measure: higher is sharper;
  only comparable between pictures of the same size);
* ``faces`` — the faces :func:`reelkit.analysis.subjects.detect_subjects` finds (the project's subject
  detector: mediapipe where installed, else OpenCV), as boxes in *fractions* of the picture
  ``(x, y, w, h)`` with their confidence, most confident first.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from reelkit.analysis.driver import Detector, VideoNeed, Window
from reelkit.media import Frame, MediaInfo

__all__ = ["PictureSampler", "PictureSamples", "sample_step"]

#: defaults: samples per second and analysis size (longest side, pixels)
SAMPLES_PER_S = 2.0
SAMPLE_SIDE = 480


def sample_step(rate: Fraction | float | None, per_second: float = SAMPLES_PER_S) -> int:
    """Frames between samples for ``per_second`` samples a second at ``rate`` fps (at least 1)."""
    return max(1, round(float(rate or 25) / per_second))


@dataclass(frozen=True)
class PictureSamples:
    """What :class:`PictureSampler` saw.

    Attributes:
        frames: ``(n,)`` int64 sampled frame indices, ascending.
        sharpness: ``(n,)`` float64 Laplacian variance per sample.
        faces: per sample a ``(k, 5)`` float32 array of ``x, y, w, h`` (fractions of the picture) and
            confidence, most confident first (``k`` may be 0).
    """

    frames: np.ndarray
    sharpness: np.ndarray
    faces: list[np.ndarray]

    def nearest(self, frame: int) -> int | None:
        """Index of the sample nearest ``frame``; None when nothing was sampled."""
        if not len(self.frames):
            return None
        i = int(np.searchsorted(self.frames, frame))
        if i == len(self.frames) or (i > 0 and frame - self.frames[i - 1] <= self.frames[i] - frame):
            i -= 1
        return i

    def within(self, start: int, end: int) -> np.ndarray:
        """Indices of the samples with ``start <= frame < end``."""
        return np.flatnonzero((self.frames >= start) & (self.frames < end))

    def to_store(self) -> dict[str, Any]:
        """The index's form: flat arrays (faces concatenated, with per-sample counts)."""
        counts = np.array([len(f) for f in self.faces], np.int32)
        flat = np.concatenate(self.faces).astype(np.float32) if self.faces else np.zeros((0, 5), np.float32)
        return {"frames": self.frames.astype(np.int64), "sharpness": self.sharpness.astype(np.float64),
                "face_counts": counts, "faces": flat.reshape(-1, 5)}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> PictureSamples:
        """Inverse of :meth:`to_store`."""
        counts = np.asarray(data["face_counts"], np.int64)
        flat = np.asarray(data["faces"], np.float32).reshape(-1, 5)
        cuts = np.cumsum(counts)[:-1] if len(counts) else []
        faces = list(np.split(flat, cuts)) if len(counts) else []
        return cls(frames=np.asarray(data["frames"], np.int64), sharpness=np.asarray(data["sharpness"], np.float64),
                   faces=faces)


class PictureSampler(Detector):
    """Sharpness and faces every ``every`` frames at ``max_side`` pixels (see the module docstring).

    Args:
        every: frames between samples (:func:`sample_step` gives it for a rate).
        max_side: analysis size, longest side in pixels.
        backend: the subject detector backend (``auto``: mediapipe where installed, else OpenCV).

    ``finish()`` returns :class:`PictureSamples`.

    Raises:
        UsageError: bad ``every``/``max_side`` or an unknown backend. BackendUnavailable: its extra or a model
        file is missing.
    """

    name = "picture_samples"
    version = "2"  # 2: faces most confident first, as documented

    def __init__(self, every: int, *, max_side: int = SAMPLE_SIDE, backend: str = "auto") -> None:
        from reelkit.analysis.subjects import check_backend

        self.video = VideoNeed(max_side=max_side, every=every)
        self.backend = check_backend(backend)  # the models load in start(): a stored result needs none
        self._frames: list[int] = []
        self._sharp: list[float] = []
        self._faces: list[np.ndarray] = []

    def params(self) -> dict[str, Any]:
        """Sampling step, size and the resolved backend."""
        assert self.video is not None
        return {"every": self.video.every, "max_side": self.video.max_side, "backend": self.backend}

    def start(self, info: MediaInfo) -> None:
        """Load the subject detector (before any decoding) and forget any earlier file."""
        from reelkit.analysis.subjects import get_backend

        get_backend(self.backend)
        self._frames, self._sharp, self._faces = [], [], []

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Measure one sampled picture."""
        import cv2

        from reelkit.analysis.subjects import detect_subjects

        img = frame.image
        h, w = img.shape[:2]
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        found = detect_subjects(img, kinds=("face",), backend=self.backend)
        rows = [(s.box[0] / w, s.box[1] / h, s.box[2] / w, s.box[3] / h, s.confidence)
                for s in sorted(found, key=lambda s: -s.confidence)]
        self._frames.append(frame.index)
        self._sharp.append(float(cv2.Laplacian(gray, cv2.CV_64F).var()))
        self._faces.append(np.asarray(rows, np.float32).reshape(-1, 5))

    def finish(self) -> PictureSamples:
        """The samples, in frame order."""
        return PictureSamples(np.asarray(self._frames, np.int64), np.asarray(self._sharp, np.float64),
                              list(self._faces))
