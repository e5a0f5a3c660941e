"""Person tracks through a shot: identity-preserving, from sampled face and body detections.

A *person observation* joins what the detectors say about one person in one frame: the body box
and head box of a pose detection, the face detection that falls on that head (a frontal face
confirms it; a "face" on a back-turned head is dropped), the facing and gaze estimates, and a
colour signature of the torso (a hue/saturation histogram) that lets a track be re-found after an
occlusion or a turn away. Faces that no body claims become head-only observations.

:func:`build_tracks` links observations of consecutive samples by an optimal assignment
(Hungarian, :func:`scipy.optimize.linear_sum_assignment`) on a cost that mixes the head-centre
distance to the constant-velocity prediction (in head widths), the head-size ratio and the torso
colour distance. A track that is not seen stays open for ``max_gap`` frames with a gate that
widens with the time it has been missing, so a person who is hidden or turns away for a moment
keeps their identity.

:func:`track_importance` scores each track of a shot for the question "whom is this shot about":
size (head height against the largest head of the shot), screen time, frontal face, centrality,
motion towards the camera (head growth over the shot) and, when given, speaking. The parts are
returned too, so the reason can be shown to an editor.

All boxes are ``(x, y, w, h)`` in source pixels; frames are integer frame indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from reelkit.analysis.subjects import Subject

__all__ = ["Observation", "PersonTrack", "build_tracks", "observations", "track_importance"]

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Observation:
    """One person in one sampled frame.

    Attributes:
        frame: frame index.
        head: head box (source px).
        body: body box (source px), or None for a head-only (face) observation.
        confidence: detector confidence in [0, 1].
        facing: 1 frontal, 0 profile, -1 back turned.
        gaze: horizontal look direction in the image, -1 left … +1 right (0 unknown).
        face: a face detector confirmed a face on this head.
        signature: ``(16,)`` float32 normalised hue/saturation histogram of the torso, or None.
    """

    frame: int
    head: Box
    body: Box | None
    confidence: float
    facing: float
    gaze: float
    face: bool
    signature: np.ndarray | None = None

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.head
        return x + w / 2, y + h / 2


def _inter(a: Box, b: Box) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return iw * ih


def _signature(image: np.ndarray | None, body: Box | None, head: Box, scale: tuple[float, float]) -> np.ndarray | None:
    """Hue/saturation histogram (4×4 bins) of the torso below the head, in ``image`` pixels."""
    if image is None:
        return None
    import cv2

    sx, sy = scale  # source px -> image px
    hx, hy, hw, hh = head
    x0 = hx - 0.5 * hw
    x1 = hx + 1.5 * hw
    y0 = hy + 1.2 * hh
    y1 = hy + 3.2 * hh
    if body is not None:
        x0, x1 = max(x0, body[0]), min(x1, body[0] + body[2])
        y1 = min(y1, body[1] + body[3])
    h, w = image.shape[:2]
    ix0, ix1 = int(max(0, x0 * sx)), int(min(w, x1 * sx))
    iy0, iy1 = int(max(0, y0 * sy)), int(min(h, y1 * sy))
    if ix1 - ix0 < 3 or iy1 - iy0 < 3:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(image[iy0:iy1, ix0:ix1]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [4, 4], [0, 180, 0, 256]).reshape(-1).astype(np.float32)
    s = float(hist.sum())
    return hist / s if s > 0 else None


def observations(frame: int, subjects: Sequence[Subject], *, image: np.ndarray | None = None,
                 scale: tuple[float, float] = (1.0, 1.0)) -> list[Observation]:
    """Join one frame's face and person detections (source px) into person observations.

    Args:
        frame: the frame index.
        subjects: the frame's subjects (faces and people; other kinds are ignored).
        image: the analysed RGB picture, for the torso colour signature (optional).
        scale: ``(sx, sy)`` from source pixels to ``image`` pixels.

    Returns:
        One observation per person; a face on a back-turned head (facing < -0.3) is not counted
        as a face, a face no body claims becomes a head-only observation unless it lies on a
        body below its head (a face printed on a shirt).
    """
    people = [s for s in subjects if s.kind == "person"]
    faces = [s for s in subjects if s.kind == "face"]
    claimed: set[int] = set()
    out: list[Observation] = []
    for p in people:
        head = p.head or (p.box[0] + 0.3 * p.box[2], p.box[1], 0.4 * p.box[2], p.box[3] / 7)
        facing = p.facing if p.facing is not None else 0.0
        gaze = p.gaze if p.gaze is not None else 0.0
        has_face = False
        best, best_ov = None, 0.0
        for i, f in enumerate(faces):
            if i in claimed:
                continue
            fh = f.head or f.box
            ov = _inter(fh, head) / max(1e-6, min(fh[2] * fh[3], head[2] * head[3]))
            if ov > best_ov:
                best, best_ov = i, ov
        if best is not None and best_ov > 0.3:
            claimed.add(best)
            f = faces[best]
            fh = f.head or f.box
            # a face detection about the size of the landmark head, on a body that faces us: trust it
            if facing > -0.3 and 0.4 < fh[2] / max(head[2], 1e-6) < 2.5:
                has_face = True
                head = fh
                if f.gaze is not None:
                    gaze = f.gaze
                facing = max(facing, f.facing if f.facing is not None else 0.5)
        out.append(Observation(frame, tuple(float(v) for v in head), tuple(float(v) for v in p.box),  # type: ignore[arg-type]
                               float(p.confidence), float(facing), float(gaze), has_face,
                               _signature(image, p.box, head, scale)))
    for i, f in enumerate(faces):
        if i in claimed or f.confidence < 0.6:
            continue
        cx, cy = f.center
        if any(p.box[0] <= cx <= p.box[0] + p.box[2] and (p.head or p.box)[1] + (p.head or p.box)[3] < cy
               <= p.box[1] + p.box[3] for p in people):
            continue  # a "face" on someone's torso, below their head: a print on a shirt
        head = f.head or f.box
        out.append(Observation(frame, tuple(float(v) for v in head), None, float(f.confidence),  # type: ignore[arg-type]
                               float(f.facing if f.facing is not None else 0.7),
                               float(f.gaze if f.gaze is not None else 0.0), True,
                               _signature(image, None, head, scale)))
    return out


@dataclass
class PersonTrack:
    """One person through a shot: their observations in frame order."""

    id: int
    obs: list[Observation] = field(default_factory=list)

    @property
    def frames(self) -> np.ndarray:
        return np.array([o.frame for o in self.obs], int)

    def predict(self, frame: int) -> tuple[float, float]:
        """Head centre predicted at ``frame`` (constant velocity from the last two observations)."""
        cx, cy = self.obs[-1].centre
        if len(self.obs) >= 2:
            f0 = self.obs[-2].frame
            px, py = self.obs[-2].centre
            dt = max(1, self.obs[-1].frame - f0)
            gap = min(frame - self.obs[-1].frame, 2 * dt)  # do not extrapolate far
            cx += (cx - px) / dt * gap
            cy += (cy - py) / dt * gap
        return cx, cy

    def signature(self) -> np.ndarray | None:
        sigs = [o.signature for o in self.obs[-4:] if o.signature is not None]
        return np.mean(sigs, axis=0) if sigs else None

    def heads(self, start: int, end: int, *, hold: int = 0) -> np.ndarray:
        """``(end-start+1, 4)`` head boxes: linear between observations (across gaps: the person
        was hidden, not gone), held ``hold`` frames beyond the first/last one, NaN elsewhere."""
        return self._interp([o.head for o in self.obs], start, end, hold)

    def bodies(self, start: int, end: int, *, hold: int = 0) -> np.ndarray:
        """Like :meth:`heads` for the body boxes (the head box where only a face was seen)."""
        return self._interp([o.body or o.head for o in self.obs], start, end, hold)

    def values(self, attr: str, start: int, end: int, *, hold: int = 0) -> np.ndarray:
        """A per-frame scalar attribute (``facing``, ``gaze``) interpolated like :meth:`heads`."""
        v = [(getattr(o, attr),) * 4 for o in self.obs]
        return self._interp(v, start, end, hold)[:, 0]  # type: ignore[arg-type]

    def _interp(self, boxes: list[Box], start: int, end: int, hold: int) -> np.ndarray:
        n = end - start + 1
        out = np.full((n, 4), np.nan)
        fr = self.frames.astype(float)
        b = np.array(boxes, float)
        idx = np.arange(start, end + 1, dtype=float)
        ok = (idx >= fr[0] - hold) & (idx <= fr[-1] + hold)
        for k in range(4):
            out[ok, k] = np.interp(idx[ok], fr, b[:, k])
        return out


def build_tracks(samples: Sequence[tuple[int, Sequence[Observation]]], *, max_gap: int,
                 gate: float = 2.5) -> list[PersonTrack]:
    """Link per-sample observations into identity-preserving tracks.

    Args:
        samples: ``(frame, observations)`` in increasing frame order (one shot).
        max_gap: frames a track stays open without being seen (occlusion, turn away).
        gate: largest head-centre distance to the prediction, in head widths, for a match one
            sample later (someone starting to walk out of the frame moves ~2.5 head widths in
            half a second); it grows by 0.25 per missed sample.

    Returns:
        The tracks, in order of first appearance.
    """
    from scipy.optimize import linear_sum_assignment

    tracks: list[PersonTrack] = []
    misses: list[int] = []
    for frame, obs in samples:
        live = [i for i, t in enumerate(tracks) if frame - t.obs[-1].frame <= max_gap]
        cost = np.full((len(live), len(obs)), 1e6)
        for a, ti in enumerate(live):
            t = tracks[ti]
            px, py = t.predict(frame)
            last = t.obs[-1]
            size = max(last.head[2], 1.0)
            sig = t.signature()
            for b, o in enumerate(obs):
                cx, cy = o.centre
                d = float(np.hypot(cx - px, cy - py)) / size
                ratio = o.head[2] / size
                g = gate + 0.25 * misses[ti]
                if d > g or not 0.45 < ratio < 2.2:
                    continue
                c = d + abs(np.log(ratio))
                if sig is not None and o.signature is not None:
                    c += 2.0 * (1.0 - float(np.sum(np.sqrt(sig * o.signature))))  # Hellinger-like
                cost[a, b] = c
        matched: set[int] = set()
        hit: set[int] = set()
        if len(live) and len(obs):
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=True):
                if cost[r, c] < 1e5:
                    tracks[live[r]].obs.append(obs[c])
                    matched.add(int(c))
                    hit.add(live[r])
        for ti in live:
            misses[ti] = 0 if ti in hit else misses[ti] + 1
        for b, o in enumerate(obs):
            if b not in matched:
                # re-find a lost track by appearance (someone reappearing elsewhere after an occlusion)
                lost = [i for i in range(len(tracks)) if i not in hit
                        and tracks[i].obs[-1].frame < frame and frame - tracks[i].obs[-1].frame <= 3 * max_gap]
                best, best_c = None, 0.35
                for i in lost:
                    sig = tracks[i].signature()
                    if sig is None or o.signature is None:
                        continue
                    ratio = o.head[2] / max(tracks[i].obs[-1].head[2], 1.0)
                    c = 1.0 - float(np.sum(np.sqrt(sig * o.signature)))
                    if 0.5 < ratio < 2.0 and c < best_c:
                        best, best_c = i, c
                if best is not None:
                    tracks[best].obs.append(o)
                    misses[best] = 0
                    hit.add(best)
                else:
                    tracks.append(PersonTrack(len(tracks), [o]))
                    misses.append(0)
    return tracks


def track_importance(tracks: Sequence[PersonTrack], *, n_samples: int, frame_size: tuple[int, int],
                     speaking: Sequence[float] | None = None) -> list[tuple[float, dict[str, float]]]:
    """Importance of each track in one shot, with its parts (each in [0, 1]).

    Parts: ``size`` (median head height / the shot's largest), ``screen_time`` (share of the shot's
    samples the track is seen in), ``frontal`` (mean facing mapped to [0, 1]), ``centrality``
    (1 at the picture centre, 0 at a side), ``approach`` (head growth from the first to the last
    third of the track: walking towards the camera), ``speaking`` (the given score, clipped).

    Weights: size 0.30, screen time 0.20, frontal 0.20, centrality 0.10, approach 0.10, speaking
    0.25 when given (the sum is then divided by the total weight used).
    """
    if not tracks:
        return []
    w, _h = frame_size
    sizes = [float(np.median([o.head[3] for o in t.obs])) for t in tracks]
    top = max(sizes) or 1.0
    out = []
    for k, t in enumerate(tracks):
        heads = np.array([o.head for o in t.obs], float)
        cx = heads[:, 0] + heads[:, 2] / 2
        third = max(1, len(t.obs) // 3)
        grow = float(np.median(heads[-third:, 3]) / max(np.median(heads[:third, 3]), 1e-6)) if len(t.obs) >= 3 else 1.0
        parts = {
            "size": sizes[k] / top,
            "screen_time": min(1.0, len({o.frame for o in t.obs}) / max(1, n_samples)),
            "frontal": float(np.clip((np.mean([o.facing for o in t.obs]) + 1) / 2, 0, 1)),
            "centrality": float(np.clip(1.0 - abs(float(np.median(cx)) / w - 0.5) * 2, 0, 1)),
            "approach": float(np.clip((grow - 1.0) / 0.5, 0, 1)),
        }
        weights = {"size": 0.30, "screen_time": 0.20, "frontal": 0.20, "centrality": 0.10, "approach": 0.10}
        if speaking is not None:
            parts["speaking"] = float(np.clip(speaking[k], 0, 1))
            weights["speaking"] = 0.25
        score = sum(weights[p] * parts[p] for p in weights) / sum(weights.values())
        out.append((float(score), {p: round(v, 3) for p, v in parts.items()}))
    return out
