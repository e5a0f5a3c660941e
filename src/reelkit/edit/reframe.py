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

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from reelkit.analysis.subjects import Subject, detect_subjects
from reelkit.camera.reframe_path import (
    CropPath,
    Framing,
    ShotPlan,
    crop_size,
    parse_aspect,
    plan_shot,
    simplify_keyframes,
)
from reelkit.errors import MediaError, UsageError
from reelkit.media import MediaInfo, output_size, probe, read_audio, read_frames
from reelkit.progress import ProgressFn

__all__ = ["FALLBACKS", "ReframePlan", "active_speaker_scores", "path_timeline", "reframe", "voice_activity"]

Fallback = Literal["split", "pad", "none"]
FALLBACKS: tuple[str, ...] = ("split", "pad", "none")
_GRID_W = 64  # motion grid columns


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
        subjects: per shot index, the kind of subject that steered the camera (``face``, ``person``,
            ``motion``, ``saliency`` or ``none``).
    """

    path: CropPath
    info: MediaInfo
    rate: Fraction
    output_size: tuple[int, int]
    speakers: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)
    subjects: dict[int, str] = field(default_factory=dict)


def voice_activity(path: str | os.PathLike[str], n_frames: int, rate: Fraction, info: MediaInfo | None = None
                   ) -> np.ndarray | None:
    """Per-video-frame voice activity (bool ``(n_frames,)``), or None when the media has no audio.

    Uses the SPEECH area's ``reelkit.analysis.speech.speech_regions`` when it is available; otherwise a
    minimal energy detector (frame RMS above both an absolute floor and a level adapted to the file's
    noise floor).
    """
    info = info or probe(path)
    if info.audio is None:
        return None
    sr = 16000
    audio = read_audio(path, sample_rate=sr, channels=1)
    mono = audio.samples[0] if audio.samples.ndim == 2 else audio.samples
    edges = np.round(np.arange(n_frames + 1) / float(rate) * sr).astype(int)
    edges = np.clip(edges, 0, len(mono))
    try:
        from reelkit.analysis.speech import speech_regions  # type: ignore[attr-defined]
    except ImportError:
        speech_regions = None
    if speech_regions is not None:
        flags = np.zeros(len(mono) + 1, bool)
        # frame-level activity for correlation, not regions to cut: no bridging of short pauses, no padding
        try:
            regions = speech_regions(audio, min_silence_s=0.1, hangover_s=0.0, pad_s=0.0)
        except TypeError:  # a VAD without these tuning knobs
            regions = speech_regions(audio)
        for s, e in regions:
            flags[int(s) * sr // audio.sample_rate:int(e) * sr // audio.sample_rate] = True
        return np.array([flags[a:b].mean() > 0.5 if b > a else False for a, b in itertools.pairwise(edges)])
    rms = np.array([np.sqrt(np.mean(mono[a:b] ** 2)) if b > a else 0.0 for a, b in itertools.pairwise(edges)])
    if not len(rms) or rms.max() <= 1e-4:
        return np.zeros(n_frames, bool)
    floor = np.percentile(rms, 10)
    return rms > max(0.01, 3.0 * floor, 0.15 * np.percentile(rms, 95))


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
                          analysis_side: int = 480) -> list[float]:
    """Pearson correlation between each face track's mouth motion and voice activity in one shot.

    The shot is decoded again (grey, every frame, ``analysis_side`` px): mouths are a few pixels tall at the
    detection size. Mouth motion is the mean absolute frame difference in the lower part of the
    face box minus that of the upper face (eyes/forehead), which cancels head and camera motion.
    """
    boxes = [t.boxes(start, end, reach) for t in tracks]
    m = np.full((len(tracks), end - start + 1), np.nan)
    prev: np.ndarray | None = None
    for fr in read_frames(path, max_side=analysis_side, pixel_format="gray", start=start, end=end + 1, info=info,
                         draft=True):
        img = fr.image.astype(np.int16)
        i = fr.index - start
        if prev is not None and 0 <= i < m.shape[1] and prev.shape == img.shape:
            diff = np.abs(img - prev)
            sx, sy = img.shape[1] / source[0], img.shape[0] / source[1]
            for k, b in enumerate(boxes):
                x, y, w, h = b[i]
                if not np.isfinite(x):
                    continue
                x, y, w, h = x * sx, y * sy, w * sx, h * sy
                mouth = diff[int(y + 0.65 * h):int(np.ceil(y + 0.95 * h)), int(x + 0.25 * w):int(np.ceil(x + 0.75 * w))]
                upper = diff[int(y + 0.15 * h):int(np.ceil(y + 0.45 * h)), int(x + 0.2 * w):int(np.ceil(x + 0.8 * w))]
                if mouth.size and upper.size:
                    m[k, i] = float(mouth.mean()) - float(upper.mean())
        prev = img
    v = voice[start:end + 1].astype(float)
    scores = []
    for row in m:
        ok = np.isfinite(row)
        if ok.sum() < 8 or np.std(row[ok]) == 0 or np.std(v[ok]) == 0:
            scores.append(0.0)
            continue
        scores.append(float(np.corrcoef(row[ok], v[ok])[0, 1]))
    return scores


def _detect(img: np.ndarray, backend: str, sx: float, sy: float) -> list[Subject]:
    """Faces; people only where no face; saliency only where neither (HOG is the slow one)."""
    subs = detect_subjects(img, kinds=("face",), backend=backend)
    if not subs:
        subs = detect_subjects(img, kinds=("person",), backend=backend)
    if not subs:
        subs = detect_subjects(img, kinds=("saliency",), backend=backend)
    return [s.scaled(sx, sy) for s in subs]


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


def reframe(
    path: str | os.PathLike[str],
    aspect: str | Fraction = "9:16",
    *,
    shots: Sequence[tuple[int, int]] | None = None,
    width: int = 1080,
    fallback: Fallback = "split",
    backend: str = "opencv",
    framing: Framing | None = None,
    analysis_side: int = 320,
    detect_hz: float = 2.0,
    active_speaker: bool = True,
    info: MediaInfo | None = None,
    progress: ProgressFn | None = None,
) -> ReframePlan:
    """Plan a reframe of ``path`` to ``aspect``.

    Args:
        path: a video file.
        aspect: output aspect ratio (``"9:16"``, ``"1:1"``, ``"4:5"``...).
        shots: inclusive ``(start, end)`` frame spans of the shots; default: the SHOTS detector
            (:func:`reelkit.analysis.shots.detect_shots`) when available, else one shot.
        width: output width in pixels (output height follows the aspect; both even).
        fallback: what to do when the required subjects cannot fit: ``split``, ``pad`` or ``none``.
        backend: subject-detection backend name.
        framing: margins and motion bounds (:class:`Framing`).
        analysis_side: long side of the analysis frames in pixels.
        detect_hz: subject detections per second of video (plus one at the first and last frame of
            each shot).
        active_speaker: pick the speaking face when several do not fit (needs audio).
        info: a probe result to reuse.
        progress: ``(frames_done, frames_total)`` callback.

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
    window = crop_size((src_w, src_h), ratio)
    fps = float(rate)

    # -- one decode pass at analysis resolution ---------------------------------------------
    total = video.frames
    # frames are converted at ~15 fps (decoding still reads them all); detections land on those
    step = max(1, round(fps / 15.0))
    every = max(step, round(fps / max(0.1, detect_hz) / step) * step)
    # sample both ends of every shot (the first/last converted frame inside it): a subject that moves
    # after the last regular sample is not held still, and each shot starts from its own detection
    starts = [int(s) for s, _ in shots] if shots else [0]
    ends = [int(e) for _, e in shots] if shots else ([int(video.frames) - 1] if video.frames else [])
    shot_starts = {s + (-s) % step for s in starts}
    shot_ends = {e - e % step for e in ends}
    samples: list[tuple[int, list[Subject]]] = []
    prev: np.ndarray | None = None
    recent = np.zeros(0)
    sx = sy = 1.0
    import cv2

    n = 0
    last = -1
    for fr in read_frames(path, max_side=analysis_side, info=info, step=step, draft=True):
        last = fr.index
        img = fr.image
        h, w = img.shape[:2]
        sx, sy = src_w / w, src_h / h
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
        gw = _GRID_W
        gh = max(2, round(gw * h / w))
        if prev is None or prev.shape != gray.shape or fr.index in shot_starts:
            g = np.zeros((gh, gw), np.float32)
            recent = np.zeros((gh, gw), np.float32)
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
            recent = 0.7 * recent + g
        prev = gray
        if fr.index % every == 0 or fr.index in shot_starts or fr.index in shot_ends:
            subs = _detect(img, backend, sx, sy)
            mb = _motion_box(recent, (src_w, src_h))
            if mb is not None:
                subs.append(Subject("motion", mb, 0.5))
            samples.append((fr.index, subs))
        n += 1
        if progress is not None and n % 15 == 0:
            progress(fr.index + 1, total)
    if n == 0:
        raise MediaError(f"{info.path}: no video frame could be decoded", hint="is the file truncated?")
    # frame count: the last converted index, plus the unconverted tail of the last step
    n = last + 1
    if video.frames and 0 < int(video.frames) - n < step:
        n = int(video.frames)
    if progress is not None:
        progress(n, n)

    # shots shorter than the conversion step may hold no analysed frame: detect on their first frame
    sampled = np.array(sorted(f for f, _ in samples))
    for s0, e0 in (shots or []):
        s0, e0 = int(s0), int(e0)
        if 0 <= s0 <= e0 and not ((sampled >= s0) & (sampled <= e0)).any():
            for fr in read_frames(path, max_side=analysis_side, info=info, start=s0, end=s0 + 1):
                h, w = fr.image.shape[:2]
                samples.append((fr.index, _detect(fr.image, backend, src_w / w, src_h / h)))
    samples.sort(key=lambda x: x[0])

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
    voice: np.ndarray | None = None
    reach = every  # hold a track's box this many frames past its last sample

    passthrough = abs(float(Fraction(src_w, src_h) / ratio) - 1.0) < 0.01
    for si, (start, end) in enumerate(spans):
        if passthrough:
            windows[start:end + 1] = (0, 0, src_w, src_h)
            plans.append(ShotPlan(start, end, "passthrough"))
            steer[si] = "none"
            continue
        shot_samples = [(f, subs) for f, subs in samples if start <= f <= end]
        n_samples = max(1, len(shot_samples))
        chosen_kind = "none"
        tracks: list[_Track] = []
        for kind in ("face", "person", "motion"):
            tr = [t for t in _associate(shot_samples, kind)
                  if len(t.samples) >= max(1, round(0.3 * n_samples)) or (n_samples <= 2 and t.confidence > 0.6)]
            if tr:
                biggest = max(t.size for t in tr)
                tracks = [t for t in tr if t.size >= 0.25 * biggest]
                chosen_kind = kind
                break
        shot_len = end - start + 1
        if not tracks:
            # no subject: steady on the saliency centre of mass (the picture centre when flat)
            sal = [s for _, subs in shot_samples for s in subs if s.kind == "saliency"]
            np.full((shot_len, 4), np.nan)
            if sal:
                wsum = sum(s.confidence for s in sal) or 1.0
                cx = sum(s.center[0] * s.confidence for s in sal) / wsum
                cy = sum(s.center[1] * s.confidence for s in sal) / wsum
                chosen_kind = "saliency"
                win = (float(np.clip(cx - window[0] / 2, 0, src_w - window[0])),
                       float(np.clip(cy - window[1] / 2, 0, src_h - window[1])))
            else:
                win = ((src_w - window[0]) / 2.0, (src_h - window[1]) / 2.0)
            windows[start:end + 1] = (win[0], win[1], window[0], window[1])
            plans.append(ShotPlan(start, end, "steady"))
            steer[si] = chosen_kind
            continue
        tracks.sort(key=lambda t: -(t.size * len(t.samples) * t.confidence))
        # boxes only between a track's first and last sample: tracks that follow each other in time
        # (an undetected cut, someone leaving as another enters) must not count as together
        boxes = []
        for t in tracks:
            b = t.boxes(start, end, 0)
            e = t.slack(start, end)  # widen by the interpolation error bound (curved motion between samples)
            boxes.append(np.stack([b[:, 0] - e[:, 0], b[:, 1] - e[:, 1], b[:, 2] + 2 * e[:, 0],
                                   b[:, 3] + 2 * e[:, 1]], 1))
        required = _union(boxes)
        present = np.sum([np.all(np.isfinite(b), axis=1) for b in boxes], axis=0)
        together = present >= 2
        mode_override: str | None = None
        if len(tracks) > 1 and together.mean() >= 0.3 and not _fits(required[together], window):
            picked = None
            if active_speaker and chosen_kind == "face":
                if voice is None:
                    voice = voice_activity(path, n, rate, info)
                if voice is not None and voice[start:end + 1].any():
                    scores = active_speaker_scores(path, info, tracks, voice, start, end, (src_w, src_h), reach)
                    order = np.argsort(scores)[::-1]
                    if scores[order[0]] > 0.15 and (len(order) == 1 or scores[order[0]] - scores[order[1]] > 0.05):
                        picked = int(order[0])
            if picked is not None:
                required = boxes[picked]
                b = boxes[picked]
                ok = np.all(np.isfinite(b), axis=1)
                speakers[si] = tuple(float(v) for v in np.nanmedian(b[ok], axis=0))  # type: ignore[assignment]
            elif fallback == "split" and len(tracks) >= 2:
                mode_override = "split"
            elif fallback == "pad":
                mode_override = "pad"
            else:
                required = boxes[0]
        steer[si] = chosen_kind
        if mode_override == "pad":
            windows[start:end + 1] = (0, 0, src_w, src_h)
            plans.append(ShotPlan(start, end, "pad"))
            continue
        if mode_override == "split":
            half = crop_size((src_w, src_h), ratio * 2)
            panels = []
            pair = sorted(boxes[:2], key=lambda b: float(np.nanmedian(b[:, 0])))
            for b in pair:
                pw, _mode = plan_shot(b, source_size=(src_w, src_h), window=half, rate=fps, framing=framing,
                                      face=chosen_kind == "face")
                med = np.median(pw, axis=0)
                panels.append((round(med[0]), round(med[1]), half[0], half[1]))
            # frames carry the first panel's window; the shot lists both panels
            windows[start:end + 1] = panels[0]
            plans.append(ShotPlan(start, end, "split", tuple(panels)))
            continue
        wins, mode = plan_shot(required, source_size=(src_w, src_h), window=window, rate=fps, framing=framing,
                               face=chosen_kind == "face")
        windows[start:end + 1] = wins
        plans.append(ShotPlan(start, end, mode))
    # frames outside any shot span: hold a centred window
    covered = np.zeros(n, bool)
    for s, e in spans:
        covered[s:e + 1] = True
    windows[~covered] = ((src_w - window[0]) / 2.0, (src_h - window[1]) / 2.0, window[0], window[1])
    # sub-pixel positions (1/100 px): rounding a slow pan to whole pixels makes it judder
    windows = np.round(windows, 2)
    path_obj = CropPath(source_size=(src_w, src_h), aspect=ratio, windows=windows, shots=plans, video=str(info.path))
    return ReframePlan(path=path_obj, info=info, rate=rate, output_size=out_size, speakers=speakers,
                       subjects=steer)


def path_timeline(plan: ReframePlan, *, tolerance: float = 2.0, name: str | None = None) -> Any:
    """An OTIO timeline of the reframe: one clip per shot with simplified crop keyframes.

    Each clip's ``metadata["reelkit"]["crop_keyframes"]`` lists ``{"frame", "x", "y", "w", "h"}``
    (source frames, source pixels) chosen so linear interpolation between them stays within
    ``tolerance`` pixels of the planned path (a steady shot has one keyframe); the timeline's
    ``metadata["reelkit"]["output_size"]`` is the output size. The CUT area's FCPXML exporter
    turns these into transform keyframes.
    """
    from reelkit.timeline import ranges_timeline

    tl = ranges_timeline(plan.info, [(s.start, s.end + 1) for s in plan.path.shots],
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
