"""Real test media for the reframe tests: a real portrait photo composited at known positions.

The face is matplotlib's bundled Grace Hopper photograph (a real photo, so the real Haar detector
runs on it); every clip records where the face box is in every frame, so containment can be checked
exactly.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from reelkit.media import MediaWriter

__all__ = ["face_patch", "write_clip"]


def face_patch(height: int) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The portrait resized to ``height`` px and its face box (x, y, w, h) inside the patch.

    The face box is the hand-checked box of the face in the 512×600 original (eyebrows to chin,
    cheek to cheek), scaled.
    """
    import cv2
    import matplotlib.cbook as cbook
    from PIL import Image

    img = np.asarray(Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB"))
    s = height / img.shape[0]
    patch = cv2.resize(img, (max(2, round(img.shape[1] * s)), height), interpolation=cv2.INTER_AREA)
    return patch, (150 * s, 100 * s, 230 * s, 240 * s)


def write_clip(path: Path, *, size: tuple[int, int], frames: int, rate: Fraction,
               placements: list[list[tuple[int, int]]], patch_h: int,
               mouth: list[np.ndarray] | None = None, audio: np.ndarray | None = None,
               audio_rate: int = 48000, rotation: int = 0, cut_at: int | None = None) -> list[np.ndarray]:
    """Write a clip with portrait patches at given top-left positions per frame.

    Args:
        size: output (w, h) as displayed (for ``rotation=90`` the stored picture is rotated so the
            DISPLAYED frame is upright with the faces where ``placements`` say).
        placements: per frame, one (x, y) top-left per patch.
        mouth: per patch, ``(frames,)`` 0..1 mouth opening (a dark band drawn over the mouth).
        audio: ``(channels, n)`` float32 or None.
        cut_at: from this frame on, a different background (a hard cut a shot detector can see).

    Returns:
        per patch, ``(frames, 4)`` face boxes in displayed pixels.
    """
    w, h = size
    patch, fb = face_patch(patch_h)
    ph, pw = patch.shape[:2]
    n_patches = len(placements[0])
    boxes = [np.zeros((frames, 4)) for _ in range(n_patches)]
    yy, xx = np.mgrid[0:h, 0:w]
    background = np.stack([40 + 30 * xx / w, 60 + 20 * yy / h, 70 + 0 * xx], -1).astype(np.uint8)
    other = np.stack([190 - 40 * yy / h, 150 + 0 * xx, 90 + 50 * xx / w], -1).astype(np.uint8)
    stored = (h, w) if rotation in (90, 270) else (w, h)
    with MediaWriter(path, width=stored[0], height=stored[1], rate=rate, crf=18, rotation=rotation,
                     audio_rate=audio_rate if audio is not None else None,
                     audio_channels=audio.shape[0] if audio is not None else 2, force=True) as out:
        a_done = 0
        for t in range(frames):
            img = (other if cut_at is not None and t >= cut_at else background).copy()
            for k, (x, y) in enumerate(placements[t]):
                x0, y0 = max(0, x), max(0, y)
                x1, y1 = min(w, x + pw), min(h, y + ph)
                if x1 > x0 and y1 > y0:
                    img[y0:y1, x0:x1] = patch[y0 - y:y1 - y, x0 - x:x1 - x]
                if mouth is not None and mouth[k][t] > 0:
                    mx, my = x + fb[0] + 0.3 * fb[2], y + fb[1] + 0.78 * fb[3]
                    mh = max(1, round(0.12 * fb[3] * mouth[k][t]))
                    img[round(my):round(my) + mh, round(mx):round(mx + 0.4 * fb[2])] = (60, 20, 25)
                boxes[k][t] = (x + fb[0], y + fb[1], fb[2], fb[3])
            if rotation:
                # store the picture so that the display rotation brings it back upright
                img = np.ascontiguousarray(np.rot90(img, k=-rotation // 90))
            out.write_video(img)
            if audio is not None:
                a_end = round(Fraction(t + 1) / rate * audio_rate)
                out.write_audio(audio[:, a_done:a_end])
                a_done = a_end
    return boxes
