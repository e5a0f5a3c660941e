"""Subject detection in single pictures: faces, people, salient regions and text.

Backends are registered by name. ``"opencv"`` (the default) uses only what ships inside the
``opencv-python-headless`` wheel: the Haar frontal and profile face cascades, the HOG people
detector, a spectral-residual saliency map (Hou & Zhang 2007, written here in numpy because the
contrib saliency module is not installed) and MSER text regions filtered by stroke and layout
heuristics. ``"mediapipe"`` uses the models bundled in ``mediapipe>=0.10.14,<=0.10.21``
(install ``reelkit[mediapipe]``; wheels exist for CPython 3.9-3.12, none for 3.13+): face detection
short range *and* full range (merged), and the pose *full* landmark model (``model_complexity=1``,
the only pose model inside the wheel; ``lite``/``heavy`` are run-time downloads and are never
used), run repeatedly with the found people masked out so several people are found. Each person
carries a head box and a facing estimate, so a back-turned figure is still located and known to
be back-turned. ``"auto"`` (the default) is ``"mediapipe"`` where it is installed, else ``"opencv"``
with a one-line note on stderr. Nothing here touches the network: the model files are checked to
be inside the wheel before any mediapipe graph is built, and a missing one raises
:class:`~reelkit.errors.BackendUnavailable` naming the extra.

>>> from reelkit.analysis.subjects import detect_subjects
>>> subjects = detect_subjects(rgb, kinds=("face", "person"))          # doctest: +SKIP
>>> [(s.kind, s.box, round(s.confidence, 2)) for s in subjects]        # doctest: +SKIP

Boxes are ``(x, y, w, h)`` in pixels of the image analysed (floats, top-left origin).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from reelkit.errors import BackendUnavailable, UsageError

__all__ = ["DEFAULT_BACKEND", "KINDS", "MEDIAPIPE_MODELS", "Subject", "SubjectBackend", "available_backends",
           "check_backend", "check_mediapipe_models", "detect_subjects", "get_backend", "nms", "register_backend",
           "resolve_backend", "saliency_map"]

SubjectKind = Literal["face", "person", "saliency", "text"]
KINDS: tuple[str, ...] = ("face", "person", "saliency", "text")
DEFAULT_BACKEND = "auto"


@dataclass(frozen=True)
class Subject:
    """One detected subject.

    Attributes:
        kind: ``"face"``, ``"person"``, ``"saliency"`` or ``"text"``.
        box: ``(x, y, w, h)`` in pixels of the analysed image (top-left corner, width, height).
        confidence: detector confidence in [0, 1] (monotonic in the detector's score; not a calibrated
            probability).
        head: the head box ``(x, y, w, h)`` in the same pixels when the detector locates one (faces:
            the face box grown to the whole head; people from pose: from the face/ear landmarks),
            else None.
        facing: how much the subject faces the camera, 1 = frontal, 0 = profile, -1 = back turned
            (None when unknown).
        gaze: horizontal look direction in the image, -1 = looking left … +1 = right (None unknown).
    """

    kind: str
    box: tuple[float, float, float, float]
    confidence: float
    head: tuple[float, float, float, float] | None = None
    facing: float | None = None
    gaze: float | None = None

    @property
    def center(self) -> tuple[float, float]:
        """Box centre ``(cx, cy)`` in pixels."""
        x, y, w, h = self.box
        return x + w / 2.0, y + h / 2.0

    @property
    def area(self) -> float:
        """Box area in square pixels."""
        return self.box[2] * self.box[3]

    def scaled(self, sx: float, sy: float | None = None) -> Subject:
        """The same subject with its box scaled by ``sx`` horizontally and ``sy`` vertically."""
        sy = sx if sy is None else sy
        x, y, w, h = self.box
        head = None
        if self.head is not None:
            hx, hy, hw, hh = self.head
            head = (hx * sx, hy * sy, hw * sx, hh * sy)
        return Subject(self.kind, (x * sx, y * sy, w * sx, h * sy), self.confidence, head, self.facing, self.gaze)

    def to_dict(self) -> dict[str, object]:
        """``{"kind", "box": [x, y, w, h], "confidence"}`` plus ``head``/``facing``/``gaze`` when known."""
        d: dict[str, object] = {"kind": self.kind, "box": [round(float(v), 2) for v in self.box],
                                "confidence": round(float(self.confidence), 4)}
        if self.head is not None:
            d["head"] = [round(float(v), 2) for v in self.head]
        if self.facing is not None:
            d["facing"] = round(float(self.facing), 3)
        if self.gaze is not None:
            d["gaze"] = round(float(self.gaze), 3)
        return d


class SubjectBackend(Protocol):
    """A detector backend: ``detect(image RGB uint8 (H, W, 3), kinds) -> list[Subject]``."""

    name: str

    def detect(self, image: np.ndarray, kinds: Sequence[str]) -> list[Subject]: ...


_FACTORIES: dict[str, Callable[[], SubjectBackend]] = {}
_INSTANCES: dict[str, SubjectBackend] = {}
_LOCK = threading.Lock()


def register_backend(name: str, factory: Callable[[], SubjectBackend]) -> None:
    """Register a backend factory under ``name`` (called once, lazily, on first use)."""
    with _LOCK:
        _FACTORIES[name] = factory
        _INSTANCES.pop(name, None)


def available_backends() -> list[str]:
    """Names of the registered backends (registered is not the same as installed), plus ``"auto"``."""
    return sorted([*_FACTORIES, "auto"])


_NOTED: set[str] = set()


def resolve_backend(name: str = DEFAULT_BACKEND) -> str:
    """The concrete backend ``name`` stands for: ``"auto"`` → ``"mediapipe"`` when that package is
    importable, else ``"opencv"`` (with a one-line note on stderr, once per process). Other names
    are returned unchanged.
    """
    if name != "auto":
        return name
    import importlib.util

    if importlib.util.find_spec("mediapipe") is not None:
        return "mediapipe"
    if "auto" not in _NOTED:
        import sys

        _NOTED.add("auto")
        print("note: mediapipe is not installed (pip install 'reelkit[mediapipe]', Python 3.11-3.12): "
              "subjects use the weaker OpenCV detectors", file=sys.stderr)
    return "opencv"


def check_backend(name: str = DEFAULT_BACKEND) -> str:
    """The concrete backend ``name`` stands for (:func:`resolve_backend`), checked without loading it (its
    models load on :func:`get_backend`): a registered name, and for mediapipe every bundled model file.

    Raises:
        UsageError: unknown backend name. BackendUnavailable: see :func:`check_mediapipe_models`.
    """
    name = resolve_backend(name)
    if name not in _FACTORIES:
        raise UsageError(f"unknown subject backend {name!r}; choose one of {available_backends()}")
    if name == "mediapipe":
        check_mediapipe_models()
    return name


def get_backend(name: str = DEFAULT_BACKEND) -> SubjectBackend:
    """The backend instance registered as ``name`` (created on first use, then cached).

    ``"auto"`` resolves through :func:`resolve_backend`.

    Raises:
        UsageError: unknown backend name.
        BackendUnavailable: the backend's optional dependency is not installed, or a model file is
            missing from it.
    """
    name = resolve_backend(name)
    with _LOCK:
        if name in _INSTANCES:  # the per-detection path: no checks once the backend is loaded
            return _INSTANCES[name]
        check_backend(name)
        inst = _FACTORIES[name]()
        _INSTANCES[name] = inst
        return inst


def detect_subjects(image: np.ndarray, *, kinds: Iterable[str] = ("face", "person"),
                    backend: str = DEFAULT_BACKEND) -> list[Subject]:
    """Detect subjects in one RGB picture.

    Args:
        image: ``(H, W, 3)`` uint8 RGB (a grey ``(H, W)`` image is accepted too).
        kinds: which detectors to run, any of ``"face"``, ``"person"``, ``"saliency"``, ``"text"``.
        backend: registered backend name: ``"auto"`` (default: mediapipe where installed, else
            OpenCV), ``"mediapipe"`` or ``"opencv"``.

    Returns:
        Subjects sorted by kind order then descending confidence; boxes in pixels of ``image``.

    Raises:
        UsageError: bad image shape/dtype or unknown kind/backend.
        BackendUnavailable: the backend's extra is not installed.
    """
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise UsageError(f"unknown subject kind(s) {bad}; choose from {list(KINDS)}")
    img = _as_rgb(image)
    be = get_backend(backend)
    found = be.detect(img, kinds)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(found, key=lambda s: (order[s.kind], -s.confidence))


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise UsageError("detect_subjects needs a uint8 numpy image")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 8 or image.shape[1] < 8:
        raise UsageError(f"detect_subjects needs an (H, W, 3) RGB image of at least 8×8, got {image.shape}")
    return np.ascontiguousarray(image)


# -- helpers ---------------------------------------------------------------------------------

def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ax1, ay1, ax2, ay2 = a[0], a[1], a[0] + a[2], a[1] + a[3]
    bx1, by1, bx2, by2 = b[0], b[1], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    ih = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = iw * ih
    if inter <= 0:
        return 0.0
    small = min(a[2] * a[3], b[2] * b[3])
    # overlap relative to the smaller box: a face found twice (frontal + profile) merges
    return inter / max(1e-9, min(a[2] * a[3] + b[2] * b[3] - inter, 2 * small))


def nms(subjects: Sequence[Subject], threshold: float = 0.4) -> list[Subject]:
    """Greedy non-maximum suppression per kind: keep the most confident of overlapping boxes."""
    keep: list[Subject] = []
    for s in sorted(subjects, key=lambda s: -s.confidence):
        if all(k.kind != s.kind or _iou(k.box, s.box) < threshold for k in keep):
            keep.append(s)
    return keep


def saliency_map(gray: np.ndarray, *, size: int = 64) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang, CVPR 2007) of a grey image.

    Args:
        gray: ``(H, W)`` image (any numeric dtype).
        size: the width of the working resolution (the paper uses 64).

    Returns:
        ``(h, w)`` float32 map in [0, 1] at the working resolution (``w == size``, aspect kept).
    """
    import cv2

    h0, w0 = gray.shape[:2]
    w = size
    h = max(8, round(size * h0 / max(1, w0)))
    small = cv2.resize(gray.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    spec = np.fft.fft2(small - small.mean())
    amp = np.abs(spec)
    # a floor relative to the peak keeps the near-zero bins of flat, synthetic pictures from dominating
    log_amp = np.log(amp + 1e-3 * float(amp.max()) + 1e-12)
    phase = np.angle(spec)
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), 2.5)
    # the FFT wraps around: damp a thin border so edges of the frame do not light up
    border = max(1, w // 32)
    sal[:border, :] *= 0.2
    sal[-border:, :] *= 0.2
    sal[:, :border] *= 0.2
    sal[:, -border:] *= 0.2
    lo, hi = float(sal.min()), float(sal.max())
    return ((sal - lo) / (hi - lo) if hi > lo else np.zeros_like(sal)).astype(np.float32)


def _saliency_subjects(rgb: np.ndarray) -> list[Subject]:
    import cv2

    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    h0, w0 = rgb.shape[:2]
    # spectral residual per CIELAB channel (grey alone misses colour-only contrast), summed
    maps = [saliency_map(lab[..., c]) * (float(lab[..., c].std()) > 1.0) for c in range(3)]
    sal = np.sum(maps, axis=0)
    if float(sal.max()) <= 0 or float(sal.std()) < 1e-3:
        return []
    sal = sal / float(sal.max())
    mask = (sal >= max(0.3, float(sal.mean()) * 3.0)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    sx, sy = w0 / sal.shape[1], h0 / sal.shape[0]
    out: list[Subject] = []
    total = float(sal.sum()) or 1.0
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if area < 3:
            continue
        mass = float(sal[labels == i].sum()) / total
        out.append(Subject("saliency", (float(x * sx), float(y * sy), float(w * sx), float(h * sy)),
                           min(1.0, 2.0 * mass)))
    out.sort(key=lambda s: -s.confidence)
    return out[:3]


def _text_subjects(rgb: np.ndarray) -> list[Subject]:
    """MSER character candidates grouped into horizontal lines of similar-height glyphs."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h0, w0 = gray.shape
    scale = min(1.0, 640.0 / max(h0, w0))
    if scale < 1.0:
        gray = cv2.resize(gray, (max(8, round(w0 * scale)), max(8, round(h0 * scale))), interpolation=cv2.INTER_AREA)
    mser = cv2.MSER_create(delta=5, min_area=12, max_area=max(60, gray.size // 200))
    _, boxes = mser.detectRegions(gray)
    cands = [b for b in boxes if 0.1 < b[2] / max(1, b[3]) < 1.5 and 6 <= b[3] <= gray.shape[0] // 8]
    if len(cands) < 3:
        return []
    cands.sort(key=lambda b: (b[1] + b[3] / 2, b[0]))
    lines: list[list[np.ndarray]] = []
    for b in cands:
        cy = b[1] + b[3] / 2
        for line in lines:
            ref = line[-1]
            rcy = ref[1] + ref[3] / 2
            if (abs(cy - rcy) < 0.4 * ref[3] and 0.6 < b[3] / ref[3] < 1.6
                    and any(abs(b[0] - (r[0] + r[2])) < 2.0 * ref[3] or abs(r[0] - (b[0] + b[2])) < 2.0 * ref[3]
                            for r in line)):
                line.append(b)
                break
        else:
            lines.append([b])
    out: list[Subject] = []
    for line in lines:
        xs = {int(b[0]) // 2 for b in line}  # distinct glyph positions (MSER finds nested duplicates)
        if len(xs) < 4:
            continue
        x1 = min(b[0] for b in line)
        y1 = min(b[1] for b in line)
        x2 = max(b[0] + b[2] for b in line)
        y2 = max(b[1] + b[3] for b in line)
        glyph_h = float(np.median([b[3] for b in line]))
        if (x2 - x1) < 2.0 * (y2 - y1) or (y2 - y1) > 1.6 * glyph_h:
            continue
        conf = min(1.0, len(xs) / 12.0)
        box = (float(x1) / scale, float(y1) / scale, float(x2 - x1) / scale, float(y2 - y1) / scale)
        out.append(Subject("text", box, conf))
    return nms(out, 0.3)


class OpenCVBackend:
    """Haar face cascades (frontal + both profiles), HOG people, spectral-residual saliency, MSER text.

    Faces and people are searched on a copy scaled so its longer side is at most ``max_side``
    pixels (boxes are mapped back to the input's pixels).
    """

    name = "opencv"

    def __init__(self, max_side: int = 640) -> None:
        import cv2

        if not hasattr(cv2, "CascadeClassifier") or not hasattr(cv2, "HOGDescriptor"):
            raise BackendUnavailable(
                f"OpenCV {cv2.__version__} has no CascadeClassifier/HOGDescriptor (removed in OpenCV 5)",
                hint="pip install 'opencv-python-headless>=4.8,<5'")
        root = cv2.data.haarcascades
        self._frontal = cv2.CascadeClassifier(root + "haarcascade_frontalface_alt2.xml")
        self._profile = cv2.CascadeClassifier(root + "haarcascade_profileface.xml")
        if self._frontal.empty() or self._profile.empty():
            raise BackendUnavailable(f"the Haar face cascades are missing from {root}",
                                     hint="reinstall opencv-python-headless (>=4.8,<5)")
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self._max_side = max_side
        self._lock = threading.Lock()  # cascade objects are not documented as thread-safe

    def detect(self, image: np.ndarray, kinds: Sequence[str]) -> list[Subject]:
        import cv2

        h0, w0 = image.shape[:2]
        out: list[Subject] = []
        if "face" in kinds or "person" in kinds:
            scale = min(1.0, self._max_side / max(h0, w0))
            small = image if scale == 1.0 else cv2.resize(
                image, (max(8, round(w0 * scale)), max(8, round(h0 * scale))), interpolation=cv2.INTER_AREA)
            gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)  # (equalizeHist hurts on flat backgrounds)
            with self._lock:
                if "face" in kinds:
                    out += [s.scaled(1 / scale) for s in self._faces(gray)]
                if "person" in kinds:
                    out += [s.scaled(1 / scale) for s in self._people(gray)]
            out = [Subject(s.kind, s.box, s.confidence, _face_head(s.box) if s.kind == "face" else _body_head(s.box))
                   for s in out]
        if "saliency" in kinds:
            out += _saliency_subjects(image)
        if "text" in kinds:
            out += _text_subjects(image)
        return out

    def _faces(self, gray: np.ndarray) -> list[Subject]:
        h, w = gray.shape
        # faces smaller than ~1/14 of the short side do not steer a reframe; skipping them is 3x faster
        min_side = max(20, min(h, w) // 14)
        found: list[Subject] = []
        for cascade, flip, neighbours in ((self._frontal, False, 5), (self._profile, False, 4),
                                          (self._profile, True, 4)):
            if cascade is self._profile and found:
                break  # profiles only where no frontal face was found (the profile cascade is the slow one)
            img = gray[:, ::-1] if flip else gray
            rects, _, weights = cascade.detectMultiScale3(
                np.ascontiguousarray(img), scaleFactor=1.15, minNeighbors=neighbours,
                minSize=(min_side, min_side), outputRejectLevels=True)
            for (x, y, bw, bh), wt in zip(np.asarray(rects).reshape(-1, 4), np.asarray(weights).reshape(-1),
                                          strict=False):
                xx = w - x - bw if flip else x
                # the final-stage margin: > 0 passes; map to (0, 1) monotonically
                conf = float(1.0 / (1.0 + np.exp(-(float(wt) - 1.0))))
                found.append(Subject("face", (float(xx), float(y), float(bw), float(bh)), conf))
        return nms(found, 0.3)

    def _people(self, gray: np.ndarray) -> list[Subject]:
        h, w = gray.shape
        if h < 128 or w < 64:
            return []
        rects, weights = self._hog.detectMultiScale(gray, winStride=(8, 8), padding=(8, 8), scale=1.08)
        found = []
        for (x, y, bw, bh), wt in zip(np.asarray(rects).reshape(-1, 4), np.asarray(weights).reshape(-1),
                                      strict=False):
            if wt < 0.3:
                continue
            conf = float(1.0 / (1.0 + np.exp(-2.0 * (float(wt) - 0.5))))
            # HOG windows carry ~10% padding around the body: shrink to the figure
            found.append(Subject("person", (x + 0.1 * bw, y + 0.05 * bh, 0.8 * bw, 0.9 * bh), conf))
        return nms(found, 0.4)


def _face_head(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The whole head around a face box (eyebrows to chin): wider by 16 %, 25 % of the face taller
    upwards (hair, crown) and 5 % downwards."""
    x, y, w, h = box
    return (x - 0.08 * w, y - 0.25 * h, 1.16 * w, 1.3 * h)


def _body_head(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A head estimate for a standing body box without landmarks: the top 1/7 of it, 40 % of its width."""
    x, y, w, h = box
    hw = max(0.4 * w, h / 9.0)
    return (x + w / 2 - hw / 2, y, hw, h / 7.0)


# Model files inside the mediapipe wheel that the backend uses (relative to the package folder).
# Pose: model_complexity=1 only ("full"); "lite" (0) and "heavy" (2) are fetched from the network
# by mediapipe at run time and are never asked for.
MEDIAPIPE_MODELS: tuple[str, ...] = (
    "modules/face_detection/face_detection_short_range.tflite",
    "modules/face_detection/face_detection_short_range_cpu.binarypb",
    "modules/face_detection/face_detection_full_range_sparse.tflite",
    "modules/face_detection/face_detection_full_range_cpu.binarypb",
    "modules/pose_detection/pose_detection.tflite",
    "modules/pose_landmark/pose_landmark_full.tflite",
    "modules/pose_landmark/pose_landmark_cpu.binarypb",
)


def check_mediapipe_models(root: str | os.PathLike[str] | None = None) -> str:
    """Check that every model file the mediapipe backend needs is inside the installed package.

    Args:
        root: the ``mediapipe`` package folder (default: the installed one).

    Returns:
        The package folder checked.

    Raises:
        BackendUnavailable: mediapipe is not installed, or a model file is missing (a release
            without bundled models, or a damaged install) — never a download attempt.
    """
    if root is None:
        import importlib.util

        spec = importlib.util.find_spec("mediapipe")
        if spec is None or not spec.submodule_search_locations:
            raise BackendUnavailable("the mediapipe subject backend is not installed",
                                     hint="pip install 'reelkit[mediapipe]' (Python 3.11-3.12), "
                                          "or use --backend opencv")
        root = next(iter(spec.submodule_search_locations))
    missing = [m for m in MEDIAPIPE_MODELS if not (Path(root) / m).is_file()]
    if missing:
        raise BackendUnavailable(
            f"the mediapipe install at {root} lacks the bundled model file(s) {', '.join(missing)}; "
            "reelkit never downloads models",
            hint="pip install --force-reinstall 'reelkit[mediapipe]' (mediapipe>=0.10.14,<=0.10.21 ships "
                 "them), or use --backend opencv")
    return str(root)


# pose landmark indices (BlazePose topology)
_NOSE, _EYE_L, _EYE_R, _EAR_L, _EAR_R, _MOUTH_L, _MOUTH_R = 0, 2, 5, 7, 8, 9, 10
_SH_L, _SH_R, _HIP_L, _HIP_R = 11, 12, 23, 24


def _pose_person(lms: list[tuple[float, float, float]], w: int, h: int) -> Subject | None:
    """A person Subject (body box, head box, facing, gaze) from 33 normalised pose landmarks."""
    pts = np.array(lms, float)  # (33, 3): x, y in [0, 1] (may overshoot), visibility
    xy = pts[:, :2] * (w, h)
    vis = pts[:, 2]
    good = vis > 0.5
    body = xy[good] if good.sum() >= 4 else xy
    x0, y0 = np.clip(body.min(0), 0, (w, h))
    x1, y1 = np.clip(body.max(0), 0, (w, h))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    face = xy[[_NOSE, _EYE_L, _EYE_R, _EAR_L, _EAR_R, _MOUTH_L, _MOUTH_R]]
    ear_w = float(np.hypot(*(xy[_EAR_L] - xy[_EAR_R])))
    sh_w = float(np.hypot(*(xy[_SH_L] - xy[_SH_R])))
    eye_mouth = float(np.hypot(*((xy[_EYE_L] + xy[_EYE_R]) / 2 - (xy[_MOUTH_L] + xy[_MOUTH_R]) / 2)))
    hw = max(1.35 * ear_w, 0.45 * sh_w, 2.6 * eye_mouth, 4.0)
    cx = float(np.mean(face[:, 0]))
    cy = float(np.mean(face[:, 1])) - 0.12 * hw  # the landmarks sit low in the head (no crown point)
    head = (cx - hw / 2, cy - 0.62 * hw, hw, 1.25 * hw)
    y0 = min(y0, head[1])
    # facing: on a frontal body the person's left shoulder is on the image right; on a back-turned
    # one it is on the left. The face landmarks' visibility separates frontal from profile.
    side = float(np.clip((xy[_SH_L, 0] - xy[_SH_R, 0]) / max(sh_w, 1.0), -1, 1))
    face_vis = float(np.mean(vis[[_NOSE, _EYE_L, _EYE_R, _MOUTH_L, _MOUTH_R]]))
    facing = float(np.clip(side, -1, 1) * (0.5 + 0.5 * face_vis)) if sh_w > 0.3 * hw else 0.0
    ears_mid = (xy[_EAR_L, 0] + xy[_EAR_R, 0]) / 2
    gaze = float(np.clip((xy[_NOSE, 0] - ears_mid) / max(0.5 * hw, 1.0), -1, 1)) if facing > -0.3 else None
    conf = float(np.mean(vis[[_NOSE, _SH_L, _SH_R, _HIP_L, _HIP_R]]))
    return Subject("person", (float(x0), float(y0), float(x1 - x0), float(y1 - y0)), conf, head,
                   round(facing, 3), None if gaze is None else round(gaze, 3))


def _drop_false_faces(subjects: list[Subject]) -> list[Subject]:
    """Drop "faces" that a pose contradicts: on a back-turned head, or on a torso below the head
    (a face printed on a shirt)."""
    people = [s for s in subjects if s.kind == "person" and s.head is not None]
    keep = []
    for s in subjects:
        if s.kind == "face":
            cx, cy = s.center
            bad = False
            for p in people:
                hx, hy, hw, hh = p.head  # type: ignore[misc]
                on_head = hx - 0.25 * hw <= cx <= hx + 1.25 * hw and hy - 0.25 * hh <= cy <= hy + 1.25 * hh
                if on_head and (p.facing or 0.0) < -0.3:
                    bad = True
                px, py, pw, ph = p.box
                if not on_head and px <= cx <= px + pw and hy + hh < cy <= py + ph:
                    bad = True
            if bad:
                continue
        keep.append(s)
    return keep


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to the null device for the block.

    MediaPipe's C++ core (absl logging, TensorFlow Lite) prints start-up chatter ("Created TensorFlow
    Lite XNNPACK delegate", "W0000 ... inference_feedback_manager") straight to fd 2, past Python's
    ``sys.stderr``, and neither ``GLOG_minloglevel`` nor ``TF_CPP_MIN_LOG_LEVEL`` stops it. Python's
    stderr is flushed first and fd 2 is restored afterwards; without a real fd 2 this does nothing.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class MediapipeBackend:
    """MediaPipe's bundled models through the legacy ``solutions`` API (mediapipe 0.10.14-0.10.21).

    * faces: face detection short range (close-ups, < 2 m) *and* full range (small, far faces) on the
      same picture, merged by NMS; each face gets a head box and a gaze from its eye/nose key points;
    * people: the pose *full* landmark model, run up to ``max_people`` times with each found person
      painted out (the pose graph finds one person per call), giving a body box, a head box located
      from the face and ear landmarks (also on a back-turned figure) and a facing estimate;
    * saliency and text come from the OpenCV helpers (MediaPipe has no such models).

    Pictures are analysed at most ``max_side`` pixels on the long side (boxes mapped back).
    """

    name = "mediapipe"

    def __init__(self, max_side: int = 640, max_people: int = 4) -> None:
        check_mediapipe_models()
        try:
            with _native_stderr_silenced():
                import mediapipe as mp  # type: ignore[import-not-found]

                sol = mp.solutions
                self._fd_short = sol.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
                self._fd_full = sol.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
                # model_complexity=1 is the full model bundled in the wheel (0 and 2 would be downloaded)
                self._pose = sol.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=False,
                                           min_detection_confidence=0.5)
                # graphs finish starting on threads of their own: one picture each makes them done
                # (and their TFLite warnings said) before fd 2 is given back
                blank = np.zeros((64, 64, 3), np.uint8)
                for graph in (self._fd_short, self._fd_full, self._pose):
                    graph.process(blank)
        except ImportError:
            raise BackendUnavailable("the mediapipe subject backend is not installed",
                                     hint="pip install 'reelkit[mediapipe]' (Python 3.11-3.12)") from None
        except AttributeError:
            raise BackendUnavailable("this mediapipe release has no bundled models (solutions API)",
                                     hint="pip install 'reelkit[mediapipe]' (mediapipe>=0.10.14,<=0.10.21)") from None
        self._max_side = max_side
        self._max_people = max_people
        self._lock = threading.Lock()
        self._pose_quiet = False  # the pose graph has printed all its start-up warnings

    def detect(self, image: np.ndarray, kinds: Sequence[str]) -> list[Subject]:
        import cv2

        h0, w0 = image.shape[:2]
        scale = min(1.0, self._max_side / max(h0, w0))
        small = image if scale == 1.0 else cv2.resize(
            image, (max(8, round(w0 * scale)), max(8, round(h0 * scale))), interpolation=cv2.INTER_AREA)
        small = np.ascontiguousarray(small)
        out: list[Subject] = []
        with self._lock:
            if "face" in kinds:
                out += [s.scaled(1 / scale) for s in self._faces(small)]
            if "person" in kinds:
                out += [s.scaled(1 / scale) for s in self._people(small)]
        if "face" in kinds and "person" in kinds:
            out = _drop_false_faces(out)
        if "saliency" in kinds:
            out += _saliency_subjects(image)
        if "text" in kinds:
            out += _text_subjects(image)
        return out

    def _process(self, graph: Any, img: np.ndarray) -> Any:
        """``graph.process(img)``; the pose graph's calls are silenced (native stderr) until it has
        projected a person's landmarks once, when it prints its last start-up warning."""
        if graph is not self._pose or self._pose_quiet:
            return graph.process(img)
        with _native_stderr_silenced():
            res = graph.process(img)
        self._pose_quiet = res.pose_landmarks is not None
        return res

    def _faces(self, img: np.ndarray) -> list[Subject]:
        h0, w0 = img.shape[:2]
        found: list[Subject] = []
        # the detectors see a fixed 128/192 px square: on a wide picture small faces vanish, so the
        # full-range model also runs on overlapping square tiles of the picture's height
        views: list[tuple[Any, int, np.ndarray]] = [(self._fd_full, 0, img), (self._fd_short, 0, img)]
        if w0 >= 1.4 * h0:
            k = int(np.ceil((w0 - h0) / (0.75 * h0))) + 1
            for x in np.linspace(0, w0 - h0, k).round().astype(int):
                views.append((self._fd_full, int(x), np.ascontiguousarray(img[:, x:x + h0])))
        for model, ox, view in views:
            res = self._process(model, view)
            h, w = view.shape[:2]
            for d in res.detections or []:
                bb = d.location_data.relative_bounding_box
                box = (bb.xmin * w + ox, bb.ymin * h, bb.width * w, bb.height * h)
                kp = d.location_data.relative_keypoints  # right eye, left eye, nose, mouth, right ear, left ear
                gaze = facing = None
                if len(kp) >= 6:
                    ear_mid = (kp[4].x + kp[5].x) / 2
                    span = max(abs(kp[4].x - kp[5].x), 1e-3)
                    gaze = float(np.clip((kp[2].x - ear_mid) / (0.5 * span), -1, 1))
                    facing = float(np.clip(1.0 - abs(gaze), 0.0, 1.0))
                found.append(Subject("face", box, float(d.score[0]), _face_head(box), facing, gaze))
        return nms(found, 0.3)

    def _people(self, img: np.ndarray) -> list[Subject]:
        h, w = img.shape[:2]
        work = img.copy()
        fill = np.median(img.reshape(-1, 3), axis=0).astype(np.uint8)
        people: list[Subject] = []
        for _ in range(self._max_people):
            res = self._process(self._pose, work)
            if res.pose_landmarks is None:
                break
            p = _pose_person([(lm.x, lm.y, lm.visibility) for lm in res.pose_landmarks.landmark], w, h)
            # a second, third ... call runs on a picture with holes painted in: ask more of it
            if (p is None or p.confidence < (0.3 if not people else 0.7) or p.box[3] < 0.08 * h
                    or any(_iou(p.box, q.box) > 0.5 or _iou(p.head or p.box, q.head or q.box) > 0.3 for q in people)):
                break
            people.append(p)
            x, y, bw, bh = p.box
            # paint the person out (grown a little) so the next call finds someone else
            x0, y0 = max(0, int(x - 0.1 * bw)), max(0, int(y - 0.05 * bh))
            x1, y1 = min(w, int(np.ceil(x + 1.1 * bw))), min(h, int(np.ceil(y + 1.05 * bh)))
            work[y0:y1, x0:x1] = fill
        return people


register_backend("opencv", OpenCVBackend)
register_backend("mediapipe", MediapipeBackend)
