"""Subject detection in single pictures: faces, people, salient regions and text.

Backends are registered by name. ``"opencv"`` (the default) uses only what ships inside the
``opencv-python-headless`` wheel: the Haar frontal and profile face cascades, the HOG people
detector, a spectral-residual saliency map (Hou & Zhang 2007, written here in numpy because the
contrib saliency module is not installed) and MSER text regions filtered by stroke and layout
heuristics. ``"mediapipe"`` uses the face-detection and pose models bundled in
``mediapipe>=0.10.14,<=0.10.21`` (install ``reelkit[mediapipe]``).

>>> from reelkit.analysis.subjects import detect_subjects
>>> subjects = detect_subjects(rgb, kinds=("face", "person"))          # doctest: +SKIP
>>> [(s.kind, s.box, round(s.confidence, 2)) for s in subjects]        # doctest: +SKIP

Boxes are ``(x, y, w, h)`` in pixels of the image analysed (floats, top-left origin).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from reelkit.errors import BackendUnavailable, UsageError

__all__ = ["KINDS", "Subject", "SubjectBackend", "available_backends", "detect_subjects", "get_backend",
           "nms", "register_backend", "saliency_map"]

SubjectKind = Literal["face", "person", "saliency", "text"]
KINDS: tuple[str, ...] = ("face", "person", "saliency", "text")


@dataclass(frozen=True)
class Subject:
    """One detected subject.

    Attributes:
        kind: ``"face"``, ``"person"``, ``"saliency"`` or ``"text"``.
        box: ``(x, y, w, h)`` in pixels of the analysed image (top-left corner, width, height).
        confidence: detector confidence in [0, 1] (monotonic in the detector's score; not a calibrated
            probability).
    """

    kind: str
    box: tuple[float, float, float, float]
    confidence: float

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
        return Subject(self.kind, (x * sx, y * sy, w * sx, h * sy), self.confidence)

    def to_dict(self) -> dict[str, object]:
        """``{"kind", "box": [x, y, w, h], "confidence"}`` (JSON-ready)."""
        return {"kind": self.kind, "box": [round(float(v), 2) for v in self.box],
                "confidence": round(float(self.confidence), 4)}


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
    """Names of the registered backends (registered is not the same as installed)."""
    return sorted(_FACTORIES)


def get_backend(name: str = "opencv") -> SubjectBackend:
    """The backend instance registered as ``name`` (created on first use, then cached).

    Raises:
        UsageError: unknown backend name.
        BackendUnavailable: the backend's optional dependency is not installed.
    """
    with _LOCK:
        if name in _INSTANCES:
            return _INSTANCES[name]
        if name not in _FACTORIES:
            raise UsageError(f"unknown subject backend {name!r}; choose one of {sorted(_FACTORIES)}")
        inst = _FACTORIES[name]()
        _INSTANCES[name] = inst
        return inst


def detect_subjects(image: np.ndarray, *, kinds: Iterable[str] = ("face", "person"),
                    backend: str = "opencv") -> list[Subject]:
    """Detect subjects in one RGB picture.

    Args:
        image: ``(H, W, 3)`` uint8 RGB (a grey ``(H, W)`` image is accepted too).
        kinds: which detectors to run, any of ``"face"``, ``"person"``, ``"saliency"``, ``"text"``.
        backend: registered backend name (``"opencv"`` default, ``"mediapipe"``).

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


class MediapipeBackend:
    """MediaPipe's bundled face detection (full range) and pose models (legacy ``solutions`` API).

    Saliency and text come from the OpenCV helpers (MediaPipe has no such models).
    """

    name = "mediapipe"

    def __init__(self) -> None:
        try:
            import mediapipe as mp  # type: ignore[import-not-found]

            self._fd = mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
            self._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=0)
        except ImportError:
            raise BackendUnavailable("the mediapipe subject backend is not installed",
                                     hint="pip install 'reelkit[mediapipe]'") from None
        except AttributeError:
            raise BackendUnavailable("this mediapipe release has no bundled models (solutions API)",
                                     hint="pip install 'reelkit[mediapipe]' (mediapipe>=0.10.14,<=0.10.21)") from None
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, kinds: Sequence[str]) -> list[Subject]:
        h, w = image.shape[:2]
        out: list[Subject] = []
        with self._lock:
            if "face" in kinds:
                res = self._fd.process(image)
                for d in res.detections or []:
                    bb = d.location_data.relative_bounding_box
                    out.append(Subject("face", (bb.xmin * w, bb.ymin * h, bb.width * w, bb.height * h),
                                       float(d.score[0])))
            if "person" in kinds:
                res = self._pose.process(image)
                if res.pose_landmarks is not None:
                    pts = [(lm.x, lm.y, lm.visibility) for lm in res.pose_landmarks.landmark]
                    vis = [(x, y) for x, y, v in pts if v > 0.5] or [(x, y) for x, y, _ in pts]
                    xs = np.clip([p[0] for p in vis], 0, 1) * w
                    ys = np.clip([p[1] for p in vis], 0, 1) * h
                    conf = float(np.mean([v for _, _, v in pts]))
                    out.append(Subject("person", (float(xs.min()), float(ys.min()), float(np.ptp(xs)),
                                                  float(np.ptp(ys))), conf))
        if "saliency" in kinds:
            out += _saliency_subjects(image)
        if "text" in kinds:
            out += _text_subjects(image)
        return out


register_backend("opencv", OpenCVBackend)
register_backend("mediapipe", MediapipeBackend)
