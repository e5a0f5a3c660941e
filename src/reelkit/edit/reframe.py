"""Auto-reframe: find the subjects of each shot and plan a virtual-camera crop path for a new aspect.

>>> from reelkit.edit.reframe import reframe
>>> plan = reframe("wide.mp4", aspect="9:16")                        # doctest: +SKIP
>>> plan.path.to_dict()["shots"]                                     # doctest: +SKIP
[{'start': 0, 'end': 89, 'mode': 'steady'}, {'start': 90, 'end': 209, 'mode': 'pan'}, ...]

One decode pass at analysis resolution (``analysis_side`` pixels on the long side) feeds:

* subject detection (:func:`reelkit.analysis.subjects.detect_subjects`) a few times per second and
  at every shot start, associated into tracks per shot and interpolated between samples;
* a coarse motion-energy grid (frame differences after removing the camera's global translation,
  found by phase correlation), which gives moving objects when no face or person is found;
* the saliency of the sampled frames, used when nothing else is found.

Per shot the required subject is chosen (faces, else people, else a moving object); when several
people do not fit the window and the media has speech, the face whose mouth motion (measured in a
second decode of that shot at 480 px) correlates best with voice activity is kept (active
speaker); otherwise the configured fallback applies (``split`` screen of the two main subjects,
``pad`` with a blurred fill, or ``none`` = the main subject only). The window path itself comes
from :func:`reelkit.camera.reframe_path.plan_shot`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from reelkit.analysis.driver import Detector, VideoNeed, Window, frames_in, run_detectors
from reelkit.analysis.levels import SpeechLevelsDetector
from reelkit.analysis.picture_area import active_area
from reelkit.analysis.subjects import (
    DEFAULT_BACKEND,
    Subject,
    check_mediapipe_models,
    detect_subjects,
    get_backend,
    resolve_backend,
)
from reelkit.analysis.tracks import Observation, PersonTrack, build_tracks, observations, track_importance
from reelkit.camera.reframe_path import (
    CropPath,
    Framing,
    ShotPlan,
    crop_size,
    parse_aspect,
    plan_shot,
    simplify_keyframes,
)
from reelkit.edit.sources import IndexUse, levels_of
from reelkit.errors import UsageError
from reelkit.media import Frame, MediaInfo, output_size, probe
from reelkit.progress import ProgressFn, Stage

__all__ = [
    "ANALYSIS_VERSION",
    "EXPORT_SUFFIXES",
    "FALLBACKS",
    "ReframePlan",
    "SubjectAnalysis",
    "active_speaker_scores",
    "analyse_subjects",
    "path_timeline",
    "plan_reframe",
    "reframe",
    "shot_spans",
    "voice_activity",
    "write_reframe",
]

Fallback = Literal["split", "pad", "none"]
FALLBACKS: tuple[str, ...] = ("split", "pad", "none")
_GRID_W = 64  # motion grid columns
_AREA_W = 320  # width of the frames kept for the picture-area (bars) analysis


@dataclass
class _Track:
    kind: str
    samples: list[tuple[int, tuple[float, float, float, float], float]] = field(default_factory=list)

    def last(self) -> tuple[float, float, float, float]:
        return self.samples[-1][1]

    def boxes(self, start: int, end: int, reach: int) -> np.ndarray:
        """``(end-start+1, 4)`` boxes: linear between samples, held ``reach`` frames beyond the ends."""
        n = end - start + 1
        out = np.full((n, 4), np.nan)
        fr = np.array([s[0] for s in self.samples], float)
        bx = np.array([s[1] for s in self.samples], float)
        idx = np.arange(start, end + 1, dtype=float)
        ok = (idx >= fr[0] - reach) & (idx <= fr[-1] + reach)
        for k in range(4):
            out[ok, k] = np.interp(idx[ok], fr, bx[:, k])
        return out

    def slack(self, start: int, end: int) -> np.ndarray:
        """``(end-start+1, 2)`` x/y bound on the error of linear interpolation between samples.

        For a path with |second derivative| ≤ M between samples at t0 < t < t1 the error of the chord
        is at most M/2·(t − t0)(t1 − t); M is estimated per interval from the second differences of
        the neighbouring samples' centres. Zero at the samples and outside the sampled span.
        """
        n = end - start + 1
        out = np.zeros((n, 2))
        if len(self.samples) < 3:
            return out
        fr = np.array([s[0] for s in self.samples], float)
        c = np.array([(b[0] + b[2] / 2, b[1] + b[3] / 2) for _, b, _ in self.samples], float)
        dt = np.diff(fr)
        vel = np.diff(c, axis=0) / np.maximum(dt, 1)[:, None]
        acc = np.abs(np.diff(vel, axis=0)) / np.maximum((dt[:-1] + dt[1:]) / 2, 1)[:, None]  # at samples 1..k-2
        acc_at = np.vstack([acc[:1], acc, acc[-1:]])  # per sample
        for k in range(len(fr) - 1):
            t0, t1 = fr[k], fr[k + 1]
            lo, hi = max(int(t0), start), min(int(t1), end)
            if hi < lo:
                continue
            m = np.maximum(acc_at[k], acc_at[k + 1])
            t = np.arange(lo, hi + 1, dtype=float)
            out[lo - start:hi - start + 1] = 0.5 * ((t - t0) * (t1 - t))[:, None] * m[None, :]
        return out

    @property
    def confidence(self) -> float:
        return float(np.mean([s[2] for s in self.samples]))

    @property
    def size(self) -> float:
        return float(np.median([s[1][2] * s[1][3] for s in self.samples]))


@dataclass
class ReframePlan:
    """The result of :func:`reframe`: the crop path plus what the analysis found.

    Attributes:
        path: per-frame crop windows and per-shot modes (:class:`CropPath`).
        info: the probe result of the source.
        rate: frame rate of the source.
        output_size: ``(w, h)`` of the rendered output for the requested width.
        speakers: per shot index, the chosen active-speaker track's mean box, when one was chosen.
        subjects: per shot index, the kind of subject that steered the camera (``person``,
            ``motion``, ``saliency`` or ``none``).
        active_area: ``(x, y, w, h)`` of the picture inside any letterbox/pillarbox bars (source px).
        backend: the subject detector that ran (``mediapipe`` or ``opencv``).
    """

    path: CropPath
    info: MediaInfo
    rate: Fraction
    output_size: tuple[int, int]
    speakers: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)
    subjects: dict[int, str] = field(default_factory=dict)
    active_area: tuple[int, int, int, int] | None = None
    backend: str = ""


def voice_activity(path: str | os.PathLike[str], n_frames: int, rate: Fraction, info: MediaInfo | None = None,
                   use: IndexUse | None = None) -> np.ndarray | None:
    """Per-video-frame voice activity (bool ``(n_frames,)``), or None when the media has no audio.

    A frame is active when more than half of it lies in the raw voice activity of the media's
    :class:`~reelkit.analysis.levels.SpeechLevels` (no bridging of short pauses, no padding: activity to
    correlate with mouth motion, not regions to cut). With ``use`` the levels come from (and go to) the
    media index; without, they are measured in one audio pass of the analysis driver.
    """
    info = info or probe(path)
    if info.audio is None:
        return None
    if use is not None:
        levels = levels_of(path, info=info, use=use)
    else:
        det = SpeechLevelsDetector()
        levels = run_detectors(path, [det], info=info)[det.name]
    return None if levels is None else levels.voice_per_frame(n_frames, rate)


def _associate(samples: list[tuple[int, list[Subject]]], kind: str) -> list[_Track]:
    """Greedy frame-to-frame association of one kind's boxes (centre distance vs box size)."""
    tracks: list[_Track] = []
    for frame, subs in samples:
        cand = [s for s in subs if s.kind == kind]
        used: set[int] = set()
        for s in sorted(cand, key=lambda s: -s.confidence):
            cx, cy = s.center
            best, best_d = None, np.inf
            for i, t in enumerate(tracks):
                if i in used:
                    continue
                tx, ty, tw, th = t.last()
                px, py = tx + tw / 2, ty + th / 2
                gap = frame - t.samples[-1][0]
                if len(t.samples) >= 2:  # constant-velocity prediction from the last two samples
                    f0, (ax, ay, aw, ah), _ = t.samples[-2]
                    dt = max(1, t.samples[-1][0] - f0)
                    px += (px - (ax + aw / 2)) / dt * gap
                    py += (py - (ay + ah / 2)) / dt * gap
                d = np.hypot(cx - px, cy - py) / max(tw, th, 1.0)
                # the search radius grows with the time since the track was last seen
                if d < 1.0 + 0.05 * gap and d < best_d and 0.5 < s.box[2] / max(tw, 1.0) < 2.0:
                    best, best_d = i, d
            if best is None:
                tracks.append(_Track(kind, [(frame, s.box, s.confidence)]))
                used.add(len(tracks) - 1)
            else:
                tracks[best].samples.append((frame, s.box, s.confidence))
                used.add(best)
    return tracks


def _motion_box(grid: np.ndarray, source: tuple[int, int]) -> tuple[float, float, float, float] | None:
    """Bounding box (source px) of the dominant moving region of an accumulated motion grid."""
    import cv2

    if grid.size == 0 or float(grid.max()) <= 0:
        return None
    thr = max(25.0, float(np.median(grid)) * 4.0, 0.25 * float(grid.max()))
    mask = (grid >= thr).astype(np.uint8)
    if mask.mean() > 0.4:  # the whole picture moves (camera motion, flash): not an object
        return None
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return None
    energy = [float(grid[labels == i].sum()) for i in range(1, n)]
    i = 1 + int(np.argmax(energy))
    x, y, w, h, _ = stats[i]
    gh, gw = grid.shape
    sx, sy = source[0] / gw, source[1] / gh
    return float(x * sx), float(y * sy), float(w * sx), float(h * sy)


def active_speaker_scores(path: str | os.PathLike[str], info: MediaInfo, tracks: Sequence[_Track],
                          voice: np.ndarray, start: int, end: int, source: tuple[int, int], reach: int,
                          analysis_side: int = 480, use: IndexUse | None = None) -> list[float]:
    """Pearson correlation between each face track's mouth motion and voice activity in one shot
    (frames ``start..end`` inclusive): :func:`reelkit.analysis.mouth_motion.speaker_scores`.

    The mouth motion (:class:`~reelkit.analysis.mouth_motion.MouthMotion`) is measured in one driver pass
    over the shot's frames (grey, every frame, ``analysis_side`` px: mouths are a few pixels tall at the
    detection size); with ``use`` it is read from (and stored in) the media index.
    """
    from reelkit.analysis.mouth_motion import MouthMotion, speaker_scores

    boxes = [t.boxes(start, end, reach) for t in tracks]
    if use is not None:
        from reelkit.index.analyze import mouth_motion

        motion = mouth_motion(path, boxes, start, source_size=source, max_side=analysis_side, info=info, **use.kw())
    else:
        det = MouthMotion(boxes, start, source, max_side=analysis_side)
        motion = run_detectors(path, [det], info=info, frames=(start, end + 1))[det.name]
    return speaker_scores(motion, voice[start:end + 1])


def _detect(img: np.ndarray, backend: str, sx: float, sy: float) -> list[Subject]:
    """Faces and people (source px); saliency only where neither is found.

    With the OpenCV backend people are searched only where no face is found (HOG is slow and
    rarely adds anything to a Haar face); mediapipe's pose model is the one that finds back-turned
    and far people, so it always runs.
    """
    if backend == "opencv":
        subs = detect_subjects(img, kinds=("face",), backend=backend)
        if not subs:
            subs = detect_subjects(img, kinds=("person",), backend=backend)
    else:
        subs = detect_subjects(img, kinds=("face", "person"), backend=backend)
    if not subs:
        subs = detect_subjects(img, kinds=("saliency",), backend=backend)
    return [s.scaled(sx, sy) for s in subs]


class _FaceView:
    """A person track seen as a face track (``boxes``) for :func:`active_speaker_scores`."""

    def __init__(self, track: PersonTrack, start: int, end: int, reach: int) -> None:
        self._heads = track.heads(start, end, hold=reach)
        self._start = start

    def boxes(self, start: int, end: int, reach: int) -> np.ndarray:
        h = self._heads[start - self._start:end - self._start + 1]
        # the face inside the head box (inverse of the head growth of reelkit.analysis.subjects)
        return np.stack([h[:, 0] + 0.069 * h[:, 2], h[:, 1] + 0.192 * h[:, 3], h[:, 2] / 1.16, h[:, 3] / 1.3], 1)


def _inside_area(box: tuple[float, float, float, float], area: tuple[int, int, int, int]) -> bool:
    """The box centre lies in the active picture (detections inside a bar are ignored)."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return area[0] <= cx <= area[0] + area[2] and area[1] <= cy <= area[1] + area[3]


def _shift(boxes: np.ndarray, area: tuple[int, int, int, int]) -> np.ndarray:
    """Boxes in active-area pixels, clipped to the area."""
    b = np.asarray(boxes, float).copy()
    x0 = np.clip(b[:, 0] - area[0], 0, area[2])
    y0 = np.clip(b[:, 1] - area[1], 0, area[3])
    x1 = np.clip(b[:, 0] + b[:, 2] - area[0], 0, area[2])
    y1 = np.clip(b[:, 1] + b[:, 3] - area[1], 0, area[3])
    return np.stack([x0, y0, x1 - x0, y1 - y0], 1)


def _pad(boxes: np.ndarray, fx: float, fy: float) -> np.ndarray:
    """Boxes grown by ``fx`` of their width on each side and ``fy`` of their height above and below."""
    b = np.asarray(boxes, float)
    return np.stack([b[:, 0] - fx * b[:, 2], b[:, 1] - fy * b[:, 3], b[:, 2] * (1 + 2 * fx), b[:, 3] * (1 + 2 * fy)], 1)


def _together(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the frames where either is seen in which both are."""
    ka, kb = np.all(np.isfinite(a), axis=1), np.all(np.isfinite(b), axis=1)
    return float((ka & kb).sum() / max(1, (ka | kb).sum()))


def _fallback_plan(shot_samples: list[tuple[int, list[Subject]]], start: int, end: int,
                   area: tuple[int, int, int, int], window: tuple[int, int], fps: float,
                   framing: Framing) -> tuple[tuple[np.ndarray, str], str, str]:
    """No person in the shot: follow the moving object, else sit on the saliency centre, else centre.

    Returns ``((windows (n, 4), mode), subject kind, reason)``.
    """
    ax, ay, aw, ah = area
    n = end - start + 1
    n_samples = max(1, len(shot_samples))
    tr = [t for t in _associate(shot_samples, "motion") if len(t.samples) >= max(2, round(0.3 * n_samples))]
    if tr:
        t = max(tr, key=lambda t: t.size * len(t.samples))
        wins, mode = plan_shot(_shift(t.boxes(start, end, 0), area), source_size=(aw, ah), window=window,
                               rate=fps, framing=framing, face=False)
        wins[:, 0] += ax
        wins[:, 1] += ay
        return (wins, mode), "motion", "no person found: following the main moving object"
    sal = [s for _, subs in shot_samples for s in subs if s.kind == "saliency" and _inside_area(s.box, area)]
    if sal:
        wsum = sum(s.confidence for s in sal) or 1.0
        cx = sum(s.center[0] * s.confidence for s in sal) / wsum
        cy = sum(s.center[1] * s.confidence for s in sal) / wsum
        win = (float(np.clip(cx - window[0] / 2, ax, ax + aw - window[0])),
               float(np.clip(cy - window[1] / 2, ay, ay + ah - window[1])))
        kind, why = "saliency", "no person or moving object found: steady on the most salient region"
    else:
        win = (ax + (aw - window[0]) / 2.0, ay + (ah - window[1]) / 2.0)
        kind, why = "none", "no person, motion or salient region found: steady centred window"
    out = np.tile(np.array([win[0], win[1], window[0], window[1]], float), (n, 1))
    return (out, "steady"), kind, why


def _union(boxes: Sequence[np.ndarray]) -> np.ndarray:
    x0 = np.fmin.reduce([b[:, 0] for b in boxes])
    y0 = np.fmin.reduce([b[:, 1] for b in boxes])
    x1 = np.fmax.reduce([b[:, 0] + b[:, 2] for b in boxes])
    y1 = np.fmax.reduce([b[:, 1] + b[:, 3] for b in boxes])
    return np.stack([x0, y0, x1 - x0, y1 - y0], 1)


def _fits(box: np.ndarray, window: tuple[int, int]) -> bool:
    ok = np.all(np.isfinite(box), axis=1)
    if not ok.any():
        return True
    return bool(np.mean((box[ok, 2] <= window[0]) & (box[ok, 3] <= window[1])) >= 0.95)


def _even(v: float) -> int:
    return max(2, round(v / 2.0) * 2)


def _step(fps: float) -> int:
    """Frames between analysed frames: they are converted at ~15 fps (decoding still reads them all)."""
    return max(1, round(fps / 15.0))


def _every(fps: float, detect_hz: float) -> int:
    """Frames between regular subject detections (a multiple of :func:`_step`)."""
    step = _step(fps)
    return max(step, round(fps / max(0.1, detect_hz) / step) * step)


ANALYSIS_VERSION = "1"
"""Version of :func:`analyse_subjects`'s results in the media index (bump when they change)."""


@dataclass
class SubjectAnalysis:
    """What reframe's one decode pass found, all a plan needs from the pictures (kept in the media index).

    Attributes:
        frames: frame count of the video.
        samples: ``(frame, subjects)`` per analysed frame (source px; faces, people, saliency, motion).
        person_obs: ``(frame, observations)`` of people per analysed frame, for the tracker.
        area: the active picture area ``(x, y, w, h)`` inside any bars (source px).
    """

    frames: int
    samples: list[tuple[int, list[Subject]]]
    person_obs: list[tuple[int, list[Observation]]]
    area: tuple[int, int, int, int]

    def to_store(self) -> dict[str, Any]:
        """A JSON-able dict at full precision (the index's codec keeps NumPy arrays)."""
        from dataclasses import asdict

        return {"frames": self.frames, "area": list(self.area),
                "samples": [[f, [asdict(x) for x in subs]] for f, subs in self.samples],
                "person_obs": [[f, [asdict(o) for o in obs]] for f, obs in self.person_obs]}

    @classmethod
    def from_store(cls, d: dict[str, Any]) -> SubjectAnalysis:
        """The inverse of :meth:`to_store`."""
        def box(v: Any) -> tuple[float, float, float, float] | None:
            return None if v is None else (float(v[0]), float(v[1]), float(v[2]), float(v[3]))

        samples = [(int(f), [Subject(x["kind"], box(x["box"]), x["confidence"], box(x["head"]),  # type: ignore[arg-type]
                                     x["facing"], x["gaze"]) for x in subs]) for f, subs in d["samples"]]
        obs = [(int(f), [Observation(int(o["frame"]), box(o["head"]), box(o["body"]), o["confidence"],  # type: ignore[arg-type]
                                     o["facing"], o["gaze"], bool(o["face"]), o["signature"]) for o in ob])
               for f, ob in d["person_obs"]]
        a = d["area"]
        return cls(int(d["frames"]), samples, obs, (int(a[0]), int(a[1]), int(a[2]), int(a[3])))


class _SubjectPass(Detector):
    """The per-frame work of :func:`analyse_subjects`, fed by the one-pass driver: a motion grid
    (frame differences after compensating the camera's translation), subject detection at the regular
    samples, at both ends of every shot and sooner where something starts to move in an empty frame,
    and small grey frames for the picture-area analysis."""

    name = "reframe_subjects"
    version = ANALYSIS_VERSION

    def __init__(self, *, src_size: tuple[int, int], step: int, every: int, shot_starts: set[int],
                 shot_ends: set[int], backend: str, analysis_side: int, progress: ProgressFn | None,
                 total: int | None) -> None:
        self.video = VideoNeed(max_side=analysis_side, pixel_format="rgb24", every=step)
        self.src_w, self.src_h = src_size
        self.every, self.shot_starts, self.shot_ends = every, shot_starts, shot_ends
        self.dense = max(step, every // 4 // step * step)  # while nobody is on screen and something moves
        self.backend, self.progress, self.total = backend, progress, total
        self.samples: list[tuple[int, list[Subject]]] = []
        self.person_obs: list[tuple[int, list[Observation]]] = []
        self.area_frames: list[np.ndarray] = []
        self.prev: np.ndarray | None = None
        self.recent = np.zeros(0)
        self.nobody = False
        self.n = 0
        self.last = -1

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Update the motion grid; detect when this frame is a sample."""
        import cv2

        self.last = frame.index
        img = frame.image
        h, w = img.shape[:2]
        sx, sy = self.src_w / w, self.src_h / h
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
        gw = _GRID_W
        gh = max(2, round(gw * h / w))
        prev = self.prev
        if prev is None or prev.shape != gray.shape or frame.index in self.shot_starts:
            g = np.zeros((gh, gw), np.float32)
            self.recent = np.zeros((gh, gw), np.float32)
        else:
            # compensate the global (camera) translation before differencing, so a pan is not "motion"
            small_prev = cv2.resize(prev, (128, max(8, round(128 * h / w))), interpolation=cv2.INTER_AREA)
            small_cur = cv2.resize(gray, small_prev.shape[::-1], interpolation=cv2.INTER_AREA)
            (dx, dy), _ = cv2.phaseCorrelate(small_prev, small_cur)
            dx, dy = dx * w / 128.0, dy * w / 128.0
            ref = prev
            if abs(dx) + abs(dy) >= 0.5:
                ref = cv2.warpAffine(prev, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h),
                                     borderMode=cv2.BORDER_REPLICATE)
            g = cv2.resize(np.abs(gray - ref).astype(np.float32), (gw, gh), interpolation=cv2.INTER_AREA)
            self.recent = 0.7 * self.recent + g
        self.prev = gray
        i = frame.index
        sample = i % self.every == 0 or i in self.shot_starts or i in self.shot_ends
        if not sample and self.nobody and i % self.dense == 0:
            # the last detection found nobody: look again sooner where something starts to move, so
            # a person walking into an empty frame is picked up within a few frames, not half a second
            sample = float(g.max()) >= 25.0 and float((g >= 25.0).mean()) < 0.4
        if sample:
            subs = _detect(img, self.backend, sx, sy)
            self.person_obs.append((i, observations(i, subs, image=img, scale=(1 / sx, 1 / sy))))
            self.nobody = not self.person_obs[-1][1]
            mb = _motion_box(self.recent, (self.src_w, self.src_h))
            if mb is not None:
                subs.append(Subject("motion", mb, 0.5))
            self.samples.append((i, subs))
            if len(self.area_frames) < 400:
                self.area_frames.append(cv2.resize(gray, (_AREA_W, max(8, round(_AREA_W * h / w)))).astype(np.uint8))
        self.n += 1
        if self.progress is not None and self.n % 15 == 0:
            self.progress(i + 1, self.total)

    def finish(self) -> None:
        """Nothing: the caller reads the collected attributes."""
        return None


def analyse_subjects(path: str | os.PathLike[str], *, shots: Sequence[tuple[int, int]] | None = None,
                     backend: str = DEFAULT_BACKEND, analysis_side: int = 480, detect_hz: float = 2.0,
                     info: MediaInfo | None = None, progress: ProgressFn | None = None) -> SubjectAnalysis:
    """The one decode pass of a reframe: subjects and people at ``detect_hz`` (and at both ends of every
    shot, and sooner where something starts to move in an empty frame), the motion box, the picture area.

    Args: as for :func:`reframe` (``shots``: its inclusive frame spans, which decide where to sample).

    Raises:
        MediaError: no frame decodes; BackendUnavailable: the detector is not installed.
    """
    info = info or probe(path)
    video = info.require_video()
    rate = info.require_rate()
    src_w, src_h = output_size(video)
    fps = float(rate)
    backend_name = resolve_backend(backend)
    get_backend(backend_name)
    total = video.frames
    step, every = _step(fps), _every(fps, detect_hz)  # detections land on converted frames
    # sample both ends of every shot (the first/last converted frame inside it): a subject that moves
    # after the last regular sample is not held still, and each shot starts from its own detection
    starts = [int(s) for s, _ in shots] if shots else [0]
    ends = [int(e) for _, e in shots] if shots else ([int(video.frames) - 1] if video.frames else [])
    sp = _SubjectPass(src_size=(src_w, src_h), step=step, every=every, shot_starts={s + (-s) % step for s in starts},
                      shot_ends={e - e % step for e in ends}, backend=backend_name, analysis_side=analysis_side,
                      progress=progress, total=total)
    run_detectors(path, [sp], info=info)
    samples, person_obs, area_frames = sp.samples, sp.person_obs, sp.area_frames
    # frame count: the last converted index, plus the unconverted tail of the last step
    n = sp.last + 1
    if video.frames and 0 < int(video.frames) - n < step:
        n = int(video.frames)
    if progress is not None:
        progress(n, n)

    # shots shorter than the conversion step may hold no analysed frame: detect on their first frame
    sampled = np.array(sorted(f for f, _ in samples))
    for s0, e0 in (shots or []):
        s0, e0 = int(s0), int(e0)
        if 0 <= s0 <= e0 and not ((sampled >= s0) & (sampled <= e0)).any():
            for fr in frames_in(path, VideoNeed(max_side=analysis_side, pixel_format="rgb24"), s0, s0 + 1, info=info,
                                draft=False):
                h, w = fr.image.shape[:2]
                subs = _detect(fr.image, backend_name, src_w / w, src_h / h)
                samples.append((fr.index, subs))
                person_obs.append((fr.index, observations(fr.index, subs, image=fr.image,
                                                          scale=(w / src_w, h / src_h))))
    samples.sort(key=lambda x: x[0])
    person_obs.sort(key=lambda x: x[0])

    # -- picture area (letterbox / pillarbox / burned-in borders) -----------------------------
    area = active_area(area_frames, source_size=(src_w, src_h))
    return SubjectAnalysis(frames=n, samples=samples, person_obs=person_obs,
                           area=(int(area[0]), int(area[1]), int(area[2]), int(area[3])))


def reframe(
    path: str | os.PathLike[str],
    aspect: str | Fraction = "9:16",
    *,
    shots: Sequence[tuple[int, int]] | None = None,
    width: int = 1080,
    fallback: Fallback = "split",
    backend: str = DEFAULT_BACKEND,
    framing: Framing | None = None,
    analysis_side: int = 480,
    detect_hz: float = 2.0,
    active_speaker: bool = True,
    info: MediaInfo | None = None,
    progress: ProgressFn | None = None,
    analysis: SubjectAnalysis | None = None,
    use: IndexUse | None = None,
) -> ReframePlan:
    """Plan a reframe of ``path`` to ``aspect``.

    Args:
        path: a video file.
        aspect: output aspect ratio (``"9:16"``, ``"1:1"``, ``"4:5"``...).
        shots: inclusive ``(start, end)`` frame spans of the shots; default: the SHOTS detector
            (:func:`reelkit.analysis.shots.detect_shots`) when available, else one shot.
        width: output width in pixels (output height follows the aspect; both even).
        fallback: what to do when the required subjects cannot fit: ``split``, ``pad`` or ``none``.
        backend: subject-detection backend name (``"auto"``: mediapipe where installed, else OpenCV).
        framing: margins and motion bounds (:class:`Framing`).
        analysis_side: long side of the analysis frames in pixels.
        detect_hz: subject detections per second of video (plus one at the first and last frame of
            each shot).
        active_speaker: pick the speaking face when several do not fit (needs audio).
        info: a probe result to reuse.
        progress: ``(frames_done, frames_total)`` callback.
        analysis: the result of :func:`analyse_subjects` for these ``shots``, ``backend``,
            ``analysis_side`` and ``detect_hz`` (from the media index); computed when None.
        use: the media index the voice activity (for the active speaker) is read from and stored in;
            None: measured here when a shot needs it.

    Returns:
        :class:`ReframePlan`.

    Raises:
        UsageError: bad aspect, width, fallback or shots. MediaError and subclasses for unusable media.
        BackendUnavailable: the detection backend is not installed.
    """
    ratio = parse_aspect(aspect)
    if fallback not in FALLBACKS:
        raise UsageError(f"unknown fallback {fallback!r}; choose one of {', '.join(FALLBACKS)}")
    if not 16 <= int(width) <= 8192:
        raise UsageError(f"output width {width} is out of range (16 … 8192)")
    framing = framing or Framing()
    info = info or probe(path)
    video = info.require_video()
    rate = info.require_rate()
    src_w, src_h = output_size(video)  # upright, square pixels: what read_frames yields at full size
    out_size = (_even(width), _even(width / ratio))
    fps = float(rate)
    backend_name = resolve_backend(backend)
    every = _every(fps, detect_hz)
    if analysis is None:
        analysis = analyse_subjects(path, shots=shots, backend=backend_name, analysis_side=analysis_side,
                                    detect_hz=detect_hz, info=info, progress=progress)
    n, samples, person_obs = analysis.frames, analysis.samples, analysis.person_obs
    ax, ay, aw, ah = area = analysis.area
    window = crop_size((aw, ah), ratio)

    # -- shots --------------------------------------------------------------------------------
    if shots is None:
        spans = [(0, n - 1)]
    else:
        spans = []
        for s, e in shots:
            s, e = int(s), min(int(e), n - 1)
            if s < 0 or e < s:
                raise UsageError(f"bad shot span ({s}, {e}): need 0 <= start <= end")
            if s < n:
                spans.append((s, e))
        spans.sort()
        if not spans:
            spans = [(0, n - 1)]
    windows = np.zeros((n, 4))
    plans: list[ShotPlan] = []
    speakers: dict[int, tuple[float, float, float, float]] = {}
    steer: dict[int, str] = {}
    voice: list[np.ndarray | None] = []
    reach = every  # hold a track's box this many frames past its last sample
    centred = (ax + (aw - window[0]) / 2.0, ay + (ah - window[1]) / 2.0, window[0], window[1])

    def get_voice() -> np.ndarray | None:
        if not voice:
            voice.append(voice_activity(path, n, rate, info, use))
        return voice[0]

    passthrough = abs(float(Fraction(aw, ah) / ratio) - 1.0) < 0.02  # a bar edge rounded off is not a crop
    for si, (start, end) in enumerate(spans):
        shot_len = end - start + 1
        if passthrough:
            windows[start:end + 1] = (ax, ay, window[0], window[1])
            why = "the source already has the requested aspect" if area == (0, 0, src_w, src_h) else \
                "the active picture inside the bars already has the requested aspect"
            plans.append(ShotPlan(start, end, "passthrough", decision={"subject": "none", "reason": why}))
            steer[si] = "none"
            continue
        shot_samples = [(f, subs) for f, subs in samples if start <= f <= end]
        n_samples = max(1, len(shot_samples))
        obs = [(f, [o for o in ob if _inside_area(o.head, area)]) for f, ob in person_obs if start <= f <= end]
        all_tracks = build_tracks(obs, max_gap=max(3 * every, round(3 * fps)))
        # a subject is seen in a quarter of the shot's samples, and at least 3 times in a longer shot
        # (a pose found for a moment on furniture is not a person)
        # (capped at 6 samples, 3 s at 2 Hz: in a long shot people who come and go one after another
        # are each a subject while they are there)
        need = max(1, round(0.25 * n_samples)) if n_samples < 8 else max(3, min(6, round(0.25 * n_samples)))
        tracks = [t for t in all_tracks
                  if len(t.obs) >= need or (n_samples <= 2 and t.obs[0].confidence > 0.6)]
        if not tracks:
            plan, kind, why = _fallback_plan(shot_samples, start, end, area, window, fps, framing)
            windows[start:end + 1] = plan[0]
            plans.append(ShotPlan(start, end, plan[1], decision={"subject": kind, "reason": why}))
            steer[si] = kind
            continue
        scores = track_importance(tracks, n_samples=n_samples, frame_size=(src_w, src_h))
        order = sorted(range(len(tracks)), key=lambda k: -scores[k][0])
        heads = [tracks[k].heads(start, end, hold=reach) for k in range(len(tracks))]
        seen = [tracks[k].heads(start, end) for k in range(len(tracks))]  # first..last sample only
        main = order[0]
        # rivals: tracks nearly as important as the main one, on screen with it for a good part
        rivals = [k for k in order[1:] if scores[k][0] >= 0.75 * scores[main][0]
                  and _together(seen[main], seen[k]) >= 0.3]
        decision: dict[str, Any] = {"people": len(tracks), "tracks": [
            {"id": tracks[k].id, "importance": round(scores[k][0], 3), **scores[k][1],
             "samples": len(tracks[k].obs)} for k in order[:8]]}
        mode_override: str | None = None
        framed = [main]
        reason = ""
        if rivals:
            group = [main, *rivals]
            if _fits(_union([heads[k] for k in group]), (window[0] * (1 - 2 * framing.margin), window[1])):
                framed = group
                reason = f"{len(group)} important people fit the window together: framing the group"
            else:
                picked = None
                if active_speaker and get_voice() is not None and get_voice()[start:end + 1].any():  # type: ignore[index]
                    cand = [main, *rivals]
                    spk = active_speaker_scores(path, info, [_FaceView(tracks[k], start, end, reach) for k in cand],
                                                get_voice(), start, end, (src_w, src_h), reach, use=use)  # type: ignore[arg-type]
                    best = int(np.argmax(spk))
                    rest = sorted(spk, reverse=True)
                    decision["speaking"] = {str(tracks[k].id): round(v, 3) for k, v in zip(cand, spk, strict=True)}
                    if rest[0] > 0.15 and (len(rest) == 1 or rest[0] - rest[1] > 0.05):
                        picked = cand[best]
                if picked is not None:
                    framed = [picked]
                    b = heads[picked]
                    ok = np.all(np.isfinite(b), axis=1)
                    speakers[si] = tuple(float(v) for v in np.nanmedian(b[ok], axis=0))  # type: ignore[assignment]
                    reason = (f"{1 + len(rivals)} important people do not fit together: following the speaker "
                              f"(track {tracks[picked].id}, mouth motion matches the voice)")
                elif fallback in ("split", "none") and len(rivals) >= 2:
                    # a crowd: the main subject with as many of the important people next to it as fit
                    fit = [main]
                    for k in rivals:
                        if _fits(_union([heads[j] for j in [*fit, k]]), (window[0] * (1 - 2 * framing.margin),
                                                                          window[1])):
                            fit.append(k)
                    framed = fit
                    reason = (f"{1 + len(rivals)} important people do not fit together: framing the main subject"
                              + (f" with the {len(fit) - 1} beside it that fit" if len(fit) > 1 else " only"))
                elif fallback == "split":
                    mode_override = "split"
                    reason = (f"{1 + len(rivals)} important people do not fit together and no one clearly speaks: "
                              "stacked split of the two main people")
                elif fallback == "pad":
                    mode_override = "pad"
                    reason = f"{1 + len(rivals)} important people do not fit together: whole picture on a blurred fill"
                else:
                    reason = f"{1 + len(rivals)} important people do not fit together: the main subject only"
        if not reason:
            top = scores[main][1]
            best_parts = sorted((p for p in top if p != "screen_time"), key=lambda p: -top[p])[:2]
            reason = ("one person" if len(tracks) == 1 else
                      f"main subject of {len(tracks)} people (highest importance: {', '.join(best_parts)})")
        decision.update({"subject": "group" if len(framed) > 1 else f"track {tracks[framed[0]].id}",
                         "reason": reason})
        faced = np.mean([o.face for k in framed for o in tracks[k].obs])
        steer[si] = "face" if faced >= 0.5 else "person"  # frontal faces steered it, or bodies/heads
        if mode_override == "pad":
            windows[start:end + 1] = (0, 0, src_w, src_h)
            plans.append(ShotPlan(start, end, "pad", decision=decision))
            continue
        if mode_override == "split":
            half = crop_size((aw, ah), ratio * 2)
            panels = []
            pair = sorted([main, rivals[0]], key=lambda k: float(np.nanmedian(heads[k][:, 0])))
            for k in pair:
                pw, _mode = plan_shot(_shift(heads[k], area), source_size=(aw, ah), window=half, rate=fps,
                                      framing=framing, face=True)
                med = np.median(pw, axis=0)
                panels.append((round(med[0]) + ax, round(med[1]) + ay, half[0], half[1]))
            windows[start:end + 1] = panels[0]
            plans.append(ShotPlan(start, end, "split", tuple(panels), decision=decision))
            continue
        # a little air around each head (and slack for the head's motion between samples)
        heads = [_pad(h, 0.15, 0.1) for h in heads]
        seen = [_pad(h, 0.15, 0.1) for h in seen]
        required = _union([heads[k] for k in framed])
        if len(framed) == 1:
            # before the main subject enters / after it leaves: frame whoever is on screen then
            # (in order of importance), so a shot with people who follow each other stays framed
            required = seen[framed[0]].copy()
            for k in order:
                gap = ~np.all(np.isfinite(required), axis=1)
                if not gap.any():
                    break
                required[gap] = seen[k][gap]
            # then anyone seen at least twice who is too brief to be a subject of the shot (someone
            # walking in at its end), in order of appearance
            for t in sorted((t for t in all_tracks if t not in tracks and len(t.obs) >= 2),
                            key=lambda t: t.obs[0].frame):
                gap = ~np.all(np.isfinite(required), axis=1)
                if not gap.any():
                    break
                required[gap] = _pad(t.heads(start, end, hold=reach), 0.15, 0.1)[gap]
            gap = ~np.all(np.isfinite(required), axis=1)
            required[gap] = heads[framed[0]][gap]
        gaze = None
        if len(framed) == 1:
            t = tracks[framed[0]]
            gaze = t.values("gaze", start, end, hold=reach)
            gaze = np.where(np.isfinite(gaze), gaze, 0.0)
        wins, mode = plan_shot(_shift(required, area), source_size=(aw, ah), window=window, rate=fps,
                               framing=framing, face=True, gaze=gaze)
        wins[:, 0] += ax
        wins[:, 1] += ay
        windows[start:end + 1] = wins
        plans.append(ShotPlan(start, end, mode, decision=decision))
        _ = shot_len
    # frames outside any shot span: hold a centred window
    covered = np.zeros(n, bool)
    for s, e in spans:
        covered[s:e + 1] = True
    windows[~covered] = centred
    # sub-pixel positions (1/100 px): rounding a slow pan to whole pixels makes it judder
    windows = np.round(windows, 2)
    path_obj = CropPath(source_size=(src_w, src_h), aspect=ratio, windows=windows, shots=plans, video=str(info.path))
    return ReframePlan(path=path_obj, info=info, rate=rate, output_size=out_size, speakers=speakers,
                       subjects=steer, active_area=area, backend=backend_name)


def shot_spans(video: str | os.PathLike[str], *, info: MediaInfo | None = None,
               index: str | os.PathLike[str] | None = None, use_index: bool = True,
               progress: ProgressFn | None = None, warn: Callable[[str], None] | None = None
               ) -> list[tuple[int, int]]:
    """Inclusive ``(start, end)`` frame spans of the shots of ``video``.

    Read from the media index when ``reel shots`` or ``reel analyze`` already stored them for this
    content (no decode); otherwise detected in one decode and stored (see
    :func:`reelkit.index.analyze.shots`; ``use_index=False`` neither reads nor writes the index).

    Raises:
        the media errors of the shots job; MediaIndexError for a corrupt index.
    """
    from reelkit.index.analyze import shots as shots_job

    det, _cached = shots_job(video, index=index, use_index=use_index, detect_only=True, info=info,
                             progress=progress, warn=warn)
    return [(int(s.start), int(s.end)) for s in det.shots]


def plan_reframe(video: str | os.PathLike[str], aspect: str | Fraction = "9:16", *, width: int = 1080,
                 fallback: Fallback = "split", backend: str = DEFAULT_BACKEND, shots: bool = True,
                 index: str | os.PathLike[str] | None = None, use_index: bool = True,
                 stage: Stage | None = None, warn: Callable[[str], None] | None = None) -> ReframePlan:
    """``reel reframe``'s analysis: check the inputs, find the shots (from the media index when the
    file was analysed before, see :func:`shot_spans`), then plan the reframe (:func:`reframe`).

    Args:
        video: a video file.
        aspect, width, fallback, backend: as for :func:`reframe`.
        shots: False plans the whole video as one shot.
        index, use_index: the media index to read the shots from and store them in.
        stage: progress display per stage (``"shots"``, ``"subjects"``).
        warn: called with a one-line message (an index that cannot be written, ...).

    Raises:
        UsageError: bad aspect (before anything is decoded); the errors of :func:`reframe`.
    """
    from reelkit.fileio import check_input_file

    parse_aspect(aspect)  # fail fast, before any decoding
    src = check_input_file(video, what="video")
    info = probe(src)
    info.require_video()
    from reelkit.index.analyze import cached_result
    from reelkit.index.store import ResultKey

    name = resolve_backend(backend)
    # fail fast (unknown name, missing extra or model file) before anything is decoded or stored,
    # without starting the detector (mediapipe: ~0.5 s) for a file whose subjects are in the index
    if name == "mediapipe":
        check_mediapipe_models()
    else:
        get_backend(name)
    run = stage or (lambda _name: nullcontext(None))
    spans = None
    if shots:
        with run("shots") as prog:
            spans = shot_spans(src, info=info, index=index, use_index=use_index, progress=prog, warn=warn)
    side, hz = 480, 2.0
    key = ResultKey.of("reframe_subjects", ANALYSIS_VERSION, {
        "backend": name, "analysis_side": side, "detect_hz": hz,
        "shots": hashlib.blake2b(repr(spans).encode(), digest_size=8).hexdigest()})
    with run("subjects") as prog:
        stored, _cached = cached_result(
            src, key, lambda inf: analyse_subjects(src, shots=spans, backend=name, analysis_side=side, detect_hz=hz,
                                                   info=inf, progress=prog).to_store(),
            info=info, index=index, use_index=use_index, warn=warn)
    return reframe(src, aspect, shots=spans, width=width, fallback=fallback, backend=name, info=info,
                   analysis_side=side, detect_hz=hz, analysis=SubjectAnalysis.from_store(stored),
                   use=IndexUse(path=Path(index) if index is not None else None, enabled=use_index, warn=warn))


#: file suffix of each ``reel reframe --export`` format
EXPORT_SUFFIXES = {"fcpxml": ".fcpxml", "otio": ".otio", "json": ".json"}


def write_reframe(video: str | os.PathLike[str], aspect: str = "9:16", *, width: int = 1080,
                  fallback: Fallback = "split", backend: str = DEFAULT_BACKEND, shots: bool = True,
                  export: str | None = None, output: str | os.PathLike[str] | None = None,
                  render: str | os.PathLike[str] | None = None, force: bool = False,
                  index: str | os.PathLike[str] | None = None, use_index: bool = True, stage: Stage | None = None,
                  warn: Callable[[str], None] | None = None) -> tuple[ReframePlan, dict[str, Any]]:
    """``reel reframe``: plan the reframe (:func:`plan_reframe`), then write the crop keyframes (``export``:
    ``fcpxml``, ``otio`` or ``json``, to ``output`` or ``<stem>.reframe-<W>x<H>.<ext>`` beside the video) and
    render (``render``), every output checked before the analysis.

    Returns:
        ``(plan, report)``: the report is the command's JSON (video, aspect, size, backend, active area, shots
        with their subject, and the files written).

    Raises:
        UsageError: bad options (an ``output`` without ``export``, an unknown format); OutputExistsError; the
        errors of :func:`plan_reframe` and of rendering.
    """
    from reelkit.fileio import check_output_path, to_json, write_text

    run = stage or (lambda _name: nullcontext(None))
    if output is not None and export is None:
        raise UsageError("--output names the --export file; add --export fcpxml|otio|json")
    if export is not None and export not in EXPORT_SUFFIXES:
        raise UsageError(f"unknown export format {export!r}; choose one of {', '.join(EXPORT_SUFFIXES)}")
    src = Path(video)
    render_path = check_output_path(render, force=force) if render is not None else None
    export_path: Path | None = None
    if export is not None:
        if output is None:
            tag = aspect.replace(":", "x").replace("/", "x")
            output = src.with_name(f"{src.stem}.reframe-{tag}{EXPORT_SUFFIXES[export]}")
        export_path = check_output_path(output, force=force)
    plan = plan_reframe(src, aspect, width=width, fallback=fallback, backend=backend, shots=shots, index=index,
                        use_index=use_index, stage=stage, warn=warn)
    report: dict[str, Any] = {"video": plan.path.video,
                              "aspect": f"{plan.path.aspect.numerator}:{plan.path.aspect.denominator}",
                              "output_size": list(plan.output_size),
                              "backend": plan.backend,
                              "active_area": list(plan.active_area) if plan.active_area else None,
                              "shots": [{**s.to_dict(), "subject": plan.subjects.get(i, "none")}
                                        for i, s in enumerate(plan.path.shots)]}
    if export_path is not None:
        if export == "json":
            write_text(export_path, to_json(plan.path.to_dict()) + "\n", force=force)
        else:
            from reelkit.timeline import export_timeline

            export_timeline(path_timeline(plan), export_path, str(export), force=force)
        report["export"] = str(export_path)
    if render_path is not None:
        from reelkit.render.reframe import render_reframe

        with run("render") as prog:
            render_reframe(plan, render_path, force=force, progress=prog)
        report["render"] = str(render_path)
    return plan, report


def path_timeline(plan: ReframePlan, *, tolerance: float = 2.0, name: str | None = None) -> Any:
    """An OTIO timeline of the reframe: one clip per shot with simplified crop keyframes.

    Each clip's ``metadata["reelkit"]["crop_keyframes"]`` lists ``{"frame", "x", "y", "w", "h"}``
    (source frames, source pixels) chosen so linear interpolation between them stays within
    ``tolerance`` pixels of the planned path (a steady shot has one keyframe); the timeline's
    ``metadata["reelkit"]["output_size"]`` is the output size. The CUT area's FCPXML exporter
    turns these into transform keyframes.
    """
    from reelkit.timeline import ranges_timeline

    # the media is as long as the analysis decoded it (a container's own duration can be short of that)
    tl = ranges_timeline(plan.info, [(s.start, s.end + 1) for s in plan.path.shots], frames=len(plan.path.windows),
                         name=name or f"{Path(plan.path.video).stem} reframe {plan.path.aspect}")
    meta = dict(tl.metadata.get("reelkit", {}))
    meta["output_size"] = list(plan.output_size)
    meta["aspect"] = f"{plan.path.aspect.numerator}:{plan.path.aspect.denominator}"
    tl.metadata["reelkit"] = meta
    for track in tl.tracks:
        if track.kind != "Video":
            continue
        for clip, shot in zip(track, plan.path.shots, strict=True):
            seg = plan.path.windows[shot.start:shot.end + 1]
            idx = [0] if np.all(seg == seg[0]) else simplify_keyframes(seg[:, :2].astype(float), tolerance)
            keys = [{"frame": shot.start + i, "x": float(seg[i, 0]), "y": float(seg[i, 1]), "w": int(seg[i, 2]),
                     "h": int(seg[i, 3])} for i in idx]
            cm = dict(clip.metadata.get("reelkit", {}))
            cm["crop_keyframes"] = keys
            cm["reframe_mode"] = shot.mode
            if shot.panels:
                cm["panels"] = [list(p) for p in shot.panels]
            clip.metadata["reelkit"] = cm
    return tl
