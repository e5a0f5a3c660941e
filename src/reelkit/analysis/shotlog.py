"""Shot logging: the fields an assistant editor writes on a log sheet, computed from the pixels.

:func:`log_shots` runs three detectors over ONE decode (:mod:`reelkit.analysis.driver`): the shot
detector and a per-frame statistics collector on the analysis frames (128 px), and a sampler that
keeps every 8th picture of the same decode at 640 px (:class:`RepresentativeFrames`); then it looks
at one representative frame per shot (the kept frame nearest the middle of the shot's clean part):

* ``camera`` — movement from global motion between consecutive analysis frames (corners tracked
  with Lucas-Kanade flow, a similarity transform fitted with RANSAC so the background wins over a
  moving subject; the jitter around the median motion for handheld shake): one of ``static``,
  ``pan_left``, ``pan_right``, ``tilt_up``, ``tilt_down``, ``zoom_in``, ``zoom_out``,
  ``handheld`` (the :data:`reelkit.shots.MOVEMENTS` vocabulary), with the measured speeds.
* ``shot_size`` — ``ECU`` … ``EWS`` (:data:`reelkit.shots.SIZES`) from the largest face (face height
  / frame height) or, without a face, the tallest person; ``null`` when nobody is detected.
  Subjects come from :func:`reelkit.analysis.subjects.detect_subjects` (``auto``: the mediapipe
  face + pose models where installed, the detector ``reel reframe`` uses; else OpenCV).
* ``exposure`` — mean luma (0-1), shares of crushed (< 16/255) and clipped (> 240/255) pixels,
  and a verdict ``under`` / ``normal`` / ``over``.
* ``white_balance`` — grey-world channel means, the cast direction (``neutral``, ``warm``,
  ``cool``, ``green``, ``magenta``) and its strength.
* ``sharpness`` — variance of the Laplacian of the representative frame at 640 px (a relative
  focus measure; higher is sharper) and a verdict ``soft`` / ``ok`` / ``sharp``.
* ``dominant_colours`` — up to 4 k-means colours (hex) with their share of the frame.
* ``thumbnail`` — the representative frame (middle of the shot's clean part) as JPEG, when a
  folder is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from reelkit.analysis.driver import Detector, VideoNeed, Window, frames_in, run_detectors
from reelkit.analysis.shots import Shot, ShotBoundaryDetector, ShotDetection, Transition
from reelkit.errors import OutputError
from reelkit.fileio import write_bytes
from reelkit.media import Frame, MediaInfo, probe
from reelkit.progress import ProgressFn

__all__ = ["FrameStats", "FrameStatsDetector", "RepresentativeFrames", "classify_movement", "log_detectors",
           "log_shots", "prepare_thumbnail_dir", "shot_logs", "shot_size_from_subjects", "write_thumbnails"]

#: representative frames are analysed at this longest side (pixels)
LOG_SIDE = 640


class FrameStats:
    """Per-frame global motion and exposure statistics (a consumer for :func:`.shots.analyse`).

    For each frame i (vs frame i-1; zeros for frame 0): ``dx``, ``dy`` — content shift in
    analysis-frame widths/heights per frame; ``zoom`` — relative scale change per frame (> 0 when the
    picture grows: zoom in); ``valid`` — False where no motion could be measured; ``luma`` mean 0-1,
    ``dark``/``bright`` shares, ``rgb`` channel means 0-1.
    """

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._pts: np.ndarray | None = None  # corners tracked into the previous frame, reused
        self.valid: list[bool] = []
        self.dx: list[float] = []
        self.dy: list[float] = []
        self.zoom: list[float] = []
        self.luma: list[float] = []
        self.dark: list[float] = []
        self.bright: list[float] = []
        self.rgb: list[np.ndarray] = []

    def push(self, image: np.ndarray, time_s: Fraction | None) -> None:
        """Add one ``(H, W, 3)`` uint8 RGB analysis frame."""
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        h, w = gray.shape
        n = gray.size
        # (OpenCV's means: numpy's to ~1e-12, about 5x faster at this size)
        self.luma.append(cv2.mean(gray)[0] / 255.0)
        self.dark.append(np.count_nonzero(gray < 16) / n)
        self.bright.append(np.count_nonzero(gray > 240) / n)
        self.rgb.append(np.asarray(cv2.mean(image)[:3]) / 255.0)
        if self._prev is None or self._prev.shape != gray.shape or w < 16 or h < 16:
            self._append_motion(None)
            self._prev, self._pts = gray, None
            return
        m, self._pts = _global_motion(self._prev, gray, self._pts)
        self._append_motion(m)
        self._prev = gray

    def _append_motion(self, m: tuple[float, float, float] | None) -> None:
        self.valid.append(m is not None)
        dx, dy, z = m or (0.0, 0.0, 0.0)
        self.dx.append(dx)
        self.dy.append(dy)
        self.zoom.append(z)


class FrameStatsDetector(Detector):
    """:class:`FrameStats` as a driver detector (same analysis frames as the shot detector)."""

    name = "framestats"
    version = "1"

    def __init__(self, max_side: int = 128) -> None:
        self.video = VideoNeed(max_side=max_side, pixel_format="rgb24")
        self.stats = FrameStats()

    def params(self) -> dict[str, Any]:
        """The analysis size."""
        return {"max_side": self.video.max_side}

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Measure one frame against the previous one."""
        self.stats.push(frame.image, frame.time_s)

    def finish(self) -> FrameStats:
        """The collected per-frame statistics."""
        return self.stats


class RepresentativeFrames(Detector):
    """Candidate representative frames at :data:`LOG_SIDE`, taken from the same decode as the analysis
    frames (so the shot log needs no second decode): every ``every``-th frame (8) is kept as a JPEG
    (quality 88, about 30 kB at 640×360, ~1.3 ms to encode). At most ``cap`` are held (≈ 120 MB): when
    more arrive, every other one is dropped and the stride doubles, so memory stays bounded on
    feature-length files; shots left without a candidate are decoded by seeking (see :func:`shot_logs`).

    The frames are draft decodes (no deblocking, see :func:`reelkit.media.read_frames`): fine for face
    detection, colours and thumbnails; sharpness reads a little higher on blocky sources.
    """

    name = "repframes"
    version = "1"

    def __init__(self, every: int = 8, cap: int = 4000, side: int | None = None) -> None:
        self.video = VideoNeed(max_side=side or LOG_SIDE, pixel_format="rgb24", every=every)
        self.stride = every
        self.cap = cap
        self.frames: dict[int, bytes] = {}

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Keep the frame (as JPEG) when it is on the current stride."""
        if frame.index % self.stride:
            return
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, 88])
        if ok:
            self.frames[frame.index] = buf.tobytes()
        if len(self.frames) > self.cap:
            self.stride *= 2
            self.frames = {i: b for i, b in self.frames.items() if i % self.stride == 0}

    def finish(self) -> dict[int, bytes]:
        """Frame index → JPEG bytes."""
        return self.frames


#: corners followed from frame to frame; new ones are found only when fewer than MIN_TRACKED survive
MAX_CORNERS, MIN_TRACKED = 80, 40


def _global_motion(prev: np.ndarray, cur: np.ndarray, pts: np.ndarray | None = None
                   ) -> tuple[tuple[float, float, float] | None, np.ndarray | None]:
    """Similarity transform prev → cur from tracked corners (LK flow + RANSAC, so the background
    majority wins over a moving subject).

    Args:
        prev, cur: ``(H, W)`` uint8 grey frames of one size.
        pts: ``(N, 1, 2)`` float32 corners in ``prev`` (the inliers this function returned for the
            previous pair); new corners are detected when None or fewer than :data:`MIN_TRACKED`.

    Returns:
        ``((dx, dy, zoom) or None, corners in cur)`` — the frame centre's shift in frame
        widths/heights and the relative scale change (None when there is too little texture), and
        the inlier corners to pass back in with the next frame (None when there are too few).
    """
    h, w = prev.shape
    if pts is None or len(pts) < MIN_TRACKED:
        pts = cv2.goodFeaturesToTrack(prev, maxCorners=MAX_CORNERS, qualityLevel=0.01, minDistance=max(3, w // 40))
    if pts is None or len(pts) < 8:
        return None, None
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=(13, 13), maxLevel=2)
    ok = st.ravel() == 1
    if ok.sum() < 8:
        return None, None
    m, inl = cv2.estimateAffinePartial2D(pts[ok], nxt[ok], method=cv2.RANSAC, ransacReprojThreshold=0.3)
    if m is None or inl is None or int(inl.sum()) < 6:
        return None, None
    kept = nxt[ok][inl.ravel() == 1]
    inside = (kept[:, 0, 0] >= 0) & (kept[:, 0, 0] < w) & (kept[:, 0, 1] >= 0) & (kept[:, 0, 1] < h)
    scale = float(np.hypot(m[0, 0], m[1, 0]))
    cx, cy = w / 2.0, h / 2.0
    nx = m[0, 0] * cx + m[0, 1] * cy + m[0, 2]
    ny = m[1, 0] * cx + m[1, 1] * cy + m[1, 2]
    return (float(nx - cx) / w, float(ny - cy) / h, scale - 1.0), kept[inside]


def classify_movement(dx: np.ndarray, dy: np.ndarray, zoom: np.ndarray, rate: Fraction) -> dict[str, Any]:
    """Camera movement of one shot from its per-frame global motion.

    Args:
        dx, dy: content shift per frame in frame widths / heights (content moving left: dx < 0).
        zoom: relative scale change per frame (> 0: the picture grows).
        rate: frame rate (speeds are reported per second).

    Returns:
        ``{"movement", "pan_speed", "tilt_speed", "zoom_speed", "shake"}`` — speeds in frame widths
        (heights; relative scale) per second, camera-oriented (pan right positive, tilt up positive,
        zoom in positive); ``shake`` is the jitter (frame widths per frame, RMS around the median).
    """
    fps = float(rate)
    if len(dx) == 0:
        return {"movement": "static", "pan_speed": 0.0, "tilt_speed": 0.0, "zoom_speed": 0.0, "shake": 0.0}
    mdx, mdy, mz = float(np.median(dx)), float(np.median(dy)), float(np.median(zoom))
    pan, tilt, zs = -mdx * fps, mdy * fps, mz * fps  # camera pans right → content moves left
    shake = float(np.sqrt(((dx - mdx) ** 2 + (dy - mdy) ** 2).mean()))
    # per-second thresholds: 4 % of the frame per second counts as movement
    moving = {"pan": abs(pan), "tilt": abs(tilt), "zoom": abs(zs) * 1.5}
    kind, speed = max(moving.items(), key=lambda kv: kv[1])
    if speed < 0.04:
        movement = "handheld" if shake > 0.004 else "static"
    elif kind == "pan":
        movement = "pan_right" if pan > 0 else "pan_left"
    elif kind == "tilt":
        movement = "tilt_up" if tilt > 0 else "tilt_down"  # content moving down = camera tilting up
    else:
        movement = "zoom_in" if zs > 0 else "zoom_out"
    if movement not in ("static", "handheld") and shake > 0.012 and speed < 0.06:
        movement = "handheld"
    return {"movement": movement, "pan_speed": round(pan, 4), "tilt_speed": round(tilt, 4),
            "zoom_speed": round(zs, 4), "shake": round(shake, 5)}


def shot_size_from_subjects(subjects: Iterable[Any], height: int) -> str | None:
    """Shot size (``ECU`` … ``EWS``) from detected faces/people in a frame ``height`` pixels tall.

    Uses the largest face (its height as a share of the frame); without a face, the tallest
    person. Returns None when there is nobody.
    """
    faces = [s for s in subjects if s.kind == "face"]
    people = [s for s in subjects if s.kind == "person"]
    if faces:
        f = max(s.box[3] for s in faces) / height
        for limit, size in ((0.55, "ECU"), (0.33, "CU"), (0.2, "MCU"), (0.12, "MS"), (0.07, "MWS"), (0.03, "WS")):
            if f >= limit:
                return size
        return "EWS"
    if people:
        p = max(s.box[3] for s in people) / height
        for limit, size in ((0.95, "MS"), (0.7, "MWS"), (0.3, "WS")):
            if p >= limit:
                return size
        return "EWS"
    return None


def _exposure(luma: np.ndarray, dark: np.ndarray, bright: np.ndarray) -> dict[str, Any]:
    m, d, b = float(luma.mean()), float(dark.mean()), float(bright.mean())
    verdict = "normal"
    if m < 0.18 or d > 0.4:
        verdict = "under"
    elif m > 0.75 or b > 0.25:
        verdict = "over"
    return {"mean_luma": round(m, 4), "crushed": round(d, 4), "clipped": round(b, 4), "verdict": verdict}


def _white_balance(rgb: np.ndarray) -> dict[str, Any]:
    r, g, b = (float(v) for v in rgb.mean(axis=0))
    mean = (r + g + b) / 3 + 1e-6
    warm = (r - b) / mean  # > 0: red/yellow, < 0: blue
    tint = (g - (r + b) / 2) / mean  # > 0: green, < 0: magenta
    cast = "neutral"
    if max(abs(warm), abs(tint)) > 0.12:
        cast = ("warm" if warm > 0 else "cool") if abs(warm) >= abs(tint) else ("green" if tint > 0 else "magenta")
    return {"rgb_mean": [round(r, 4), round(g, 4), round(b, 4)], "warm_cool": round(warm, 4),
            "green_magenta": round(tint, 4), "cast": cast, "strength": round(max(abs(warm), abs(tint)), 4)}


def _sharpness(rgb: np.ndarray) -> dict[str, Any]:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    lap = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    verdict = "soft" if lap < 30 else ("sharp" if lap > 300 else "ok")
    return {"laplacian_var": round(lap, 2), "verdict": verdict}


def _dominant_colours(rgb: np.ndarray, k: int = 4) -> list[dict[str, Any]]:
    small = cv2.resize(rgb, (64, max(1, round(64 * rgb.shape[0] / rgb.shape[1]))), interpolation=cv2.INTER_AREA)
    px = small.reshape(-1, 3).astype(np.float32)
    k = max(1, min(k, len(np.unique(px, axis=0))))
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(1)
    _, labels, centres = cv2.kmeans(px, k, None, crit, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    order = np.argsort(-counts)
    out = []
    for i in order:
        c = np.clip(np.round(centres[i]), 0, 255).astype(int)
        out.append({"hex": "#{:02x}{:02x}{:02x}".format(*c), "share": round(float(counts[i]) / len(px), 4)})
    return out


def _clean_span(shot: Shot, transitions: list[Transition]) -> tuple[int, int]:
    """The part of a shot outside every gradual transition (the whole shot if nothing is left)."""
    s, e = shot.start, shot.end
    for tr in transitions:
        if tr.type == "cut":
            continue
        if tr.start <= s <= tr.end:
            s = tr.end + 1
        if tr.start <= e <= tr.end:
            e = tr.start - 1
    return (s, e) if s <= e else (shot.start, shot.end)


def _seek_frame(info: MediaInfo, frame: int) -> np.ndarray | None:
    """Frame ``frame`` at :data:`LOG_SIDE` (a shot left without a kept candidate), None when it does not decode."""
    got = frames_in(info.path, VideoNeed(max_side=LOG_SIDE, pixel_format="rgb24"), frame, frame + 1, info=info,
                    draft=False)
    return got[0].image if got else None


def _jpeg_rgb(data: bytes) -> np.ndarray:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def shot_logs(det: ShotDetection, stats: FrameStats, reps: dict[int, bytes], info: MediaInfo, *,
              subjects_backend: str = "auto") -> tuple[list[dict[str, Any]], list[bytes | None]]:
    """The log fields of every shot (see the module docstring) from one pass's results.

    Args:
        det: the shot detection.
        stats: per-frame motion/exposure of the same frames.
        reps: candidate representative frames (:class:`RepresentativeFrames`); a shot whose clean
            part holds none is decoded by seeking to its middle frame.
        info: the probe result.
        subjects_backend: backend of :func:`reelkit.analysis.subjects.detect_subjects`.

    Returns:
        ``(logs, jpegs)``: one log dict per shot (no ``thumbnail`` key) and its representative
        frame as JPEG bytes (None when it could not be decoded).

    Raises:
        BackendUnavailable for a missing subject backend.
    """
    from reelkit.analysis.subjects import detect_subjects

    dx, dy, zoom = np.asarray(stats.dx), np.asarray(stats.dy), np.asarray(stats.zoom)
    valid = np.asarray(stats.valid, bool)
    for tr in det.transitions:  # motion across a transition is not camera motion
        valid[tr.start:tr.end + 2] = False
    luma, dark, bright = np.asarray(stats.luma), np.asarray(stats.dark), np.asarray(stats.bright)
    rgb = np.asarray(stats.rgb)
    have = np.asarray(sorted(reps), dtype=np.int64)
    logs: list[dict[str, Any]] = []
    jpegs: list[bytes | None] = []
    for shot in det.shots:
        s, e = _clean_span(shot, det.transitions)
        mid = (s + e) // 2
        rep, jpeg = mid, None
        if have.size:  # the kept frame nearest the middle of the clean part, if it lies inside it
            k = int(np.clip(np.searchsorted(have, mid), 1, max(1, have.size - 1)))
            near = min((int(have[j]) for j in (k - 1, k) if 0 <= j < have.size), key=lambda i: (abs(i - mid), i))
            if s <= near <= e:
                rep, jpeg = near, reps[near]
        sel = valid[s + 1:e + 1]
        motion = classify_movement(dx[s + 1:e + 1][sel], dy[s + 1:e + 1][sel], zoom[s + 1:e + 1][sel], det.rate)
        log: dict[str, Any] = {
            "frames": shot.frames,
            "start_s": round(det.frame_time(shot.start), 6),
            "end_s": round(det.frame_time(shot.end + 1) if shot.end + 1 < det.frame_count
                           else det.frame_time(shot.end) + float(1 / det.rate), 6),
            "camera": motion,
            "exposure": _exposure(luma[s:e + 1], dark[s:e + 1], bright[s:e + 1]),
            "white_balance": _white_balance(rgb[s:e + 1]),
            "representative_frame": rep,
        }
        img = _jpeg_rgb(jpeg) if jpeg is not None else _seek_frame(info, rep)
        if img is not None:
            if jpeg is None:
                ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
                jpeg = buf.tobytes() if ok else None
            subs = detect_subjects(img, kinds=("face", "person"), backend=subjects_backend)
            log["shot_size"] = shot_size_from_subjects(subs, img.shape[0])
            log["subjects"] = {"faces": sum(1 for x in subs if x.kind == "face"),
                               "people": sum(1 for x in subs if x.kind == "person")}
            log["sharpness"] = _sharpness(img)
            log["dominant_colours"] = _dominant_colours(img)
        else:  # the frame could not be decoded at the seek position: say so instead of guessing
            log.update({"shot_size": None, "subjects": None, "sharpness": None, "dominant_colours": []})
        logs.append(log)
        jpegs.append(jpeg)
    return logs, jpegs


def prepare_thumbnail_dir(thumbnails: str | os.PathLike[str] | None) -> Path | None:
    """Check/create the thumbnail folder before any work starts.

    Raises:
        OutputError: it is a file or cannot be created.
    """
    thumb_dir = Path(thumbnails) if thumbnails is not None else None
    if thumb_dir is not None:
        if thumb_dir.exists() and not thumb_dir.is_dir():
            raise OutputError(f"thumbnail folder {thumb_dir} is a file")
        try:
            thumb_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create thumbnail folder {thumb_dir}: {exc.strerror or exc}") from None
    return thumb_dir


def write_thumbnails(det: ShotDetection, jpegs: list[bytes | None], folder: str | os.PathLike[str], *,
                     force: bool = False) -> ShotDetection:
    """Write ``shot_0001.jpg``… (the representative frames) and return ``det`` with ``thumbnail`` set.

    Raises:
        OutputExistsError (a file exists and not ``force``), OutputError.
    """
    thumb_dir = prepare_thumbnail_dir(folder)
    assert thumb_dir is not None
    shots: list[Shot] = []
    for shot, jpeg in zip(det.shots, jpegs, strict=True):
        log = dict(shot.log or {})
        if jpeg is not None:
            target = thumb_dir / f"shot_{shot.index + 1:04d}.jpg"
            write_bytes(target, jpeg, force=force)
            log["thumbnail"] = str(target)
        shots.append(replace(shot, log=log))
    return replace(det, shots=shots)


def log_detectors(**tuning: float) -> list[Detector]:
    """The detectors one shot-log pass runs: shots, frame statistics, representative frames."""
    shots = ShotBoundaryDetector(**tuning)
    return [shots, FrameStatsDetector(max_side=shots.video.max_side or 128), RepresentativeFrames()]


def log_shots(path: str | os.PathLike[str], *, info: MediaInfo | None = None, thumbnails: str | os.PathLike[str]
              | None = None, subjects_backend: str = "auto", force: bool = False,
              progress: ProgressFn | None = None, **tuning: float) -> ShotDetection:
    """Detect shots and fill each shot's log fields (see the module docstring), from ONE decode.

    Args:
        path: a video file.
        info: a probe result to reuse.
        thumbnails: folder for one JPEG per shot (``shot_0001.jpg``...); created if missing.
        subjects_backend: backend for :func:`reelkit.analysis.subjects.detect_subjects`.
        force: overwrite existing thumbnails.
        progress: ``(frames_done, total)`` callback for the decode pass.
        **tuning: shot-detector parameters (see :data:`reelkit.analysis.shots.DEFAULT_TUNING`).

    Returns:
        The :class:`ShotDetection` with ``Shot.log`` filled.

    Raises:
        The errors of :func:`reelkit.analysis.shots.detect_shots`; OutputExistsError / OutputError
        for thumbnails; BackendUnavailable for a missing subject backend.
    """
    info = info or probe(path)
    thumb_dir = prepare_thumbnail_dir(thumbnails)
    dets = log_detectors(**tuning)
    out = run_detectors(info.path, dets, info=info, progress=progress)
    det: ShotDetection = out["shots"]
    logs, jpegs = shot_logs(det, out["framestats"], out["repframes"], info, subjects_backend=subjects_backend)
    det = replace(det, shots=[replace(s, log=log) for s, log in zip(det.shots, logs, strict=True)])
    if thumb_dir is not None:
        det = write_thumbnails(det, jpegs, thumb_dir, force=force)
    return det
