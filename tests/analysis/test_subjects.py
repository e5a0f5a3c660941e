"""Subject detection on real pictures (matplotlib's bundled Grace Hopper portrait, PySceneDetect's photos)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from reelkit.analysis.subjects import Subject, available_backends, detect_subjects, nms, saliency_map
from reelkit.errors import BackendUnavailable, UsageError


@pytest.fixture(scope="module")
def hopper() -> np.ndarray:
    import matplotlib.cbook as cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.asarray(Image.open(path).convert("RGB"))  # 512×600 portrait, face in the upper middle


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def test_face_found_on_real_portrait(hopper: np.ndarray) -> None:
    faces = detect_subjects(hopper, kinds=("face",))
    assert len(faces) == 1
    f = faces[0]
    assert f.kind == "face" and 0.5 < f.confidence <= 1.0
    # hand-annotated: the eyes are near (225, 205) and (300, 205), the mouth near (262, 290)
    for p in ((225, 205), (300, 205), (262, 290)):
        assert _inside(p, f.box), (p, f.box)
    assert 150 <= f.box[2] <= 320


def test_face_box_scales_with_image(hopper: np.ndarray) -> None:
    import cv2

    small = cv2.resize(hopper, (256, 300), interpolation=cv2.INTER_AREA)
    big = detect_subjects(hopper, kinds=("face",))[0]
    half = detect_subjects(small, kinds=("face",))[0]
    assert abs(half.center[0] * 2 - big.center[0]) < 25 and abs(half.center[1] * 2 - big.center[1]) < 25


def test_no_subjects_in_flat_or_noise_image() -> None:
    flat = np.full((240, 320, 3), 90, np.uint8)
    assert detect_subjects(flat, kinds=("face", "person", "saliency", "text")) == []
    noise = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    assert [s for s in detect_subjects(noise, kinds=("face", "person")) if s.confidence > 0.9] == []


def test_saliency_finds_the_odd_object() -> None:
    img = np.full((270, 480, 3), (60, 110, 60), np.uint8)
    img[100:160, 330:390] = (250, 40, 40)
    sal = detect_subjects(img, kinds=("saliency",))
    assert sal and sal[0].kind == "saliency"
    assert _inside((360, 130), sal[0].box)
    m = saliency_map(img[..., 0])
    assert m.shape == (36, 64) and m.min() >= 0 and m.max() == pytest.approx(1.0)


def test_text_line_found() -> None:
    img = Image.new("RGB", (480, 270), (30, 30, 40))
    draw = ImageDraw.Draw(img)
    import matplotlib

    font = ImageFont.truetype(str(matplotlib.get_data_path()) + "/fonts/ttf/DejaVuSans.ttf", 22)
    draw.text((60, 200), "Breaking news tonight", fill=(240, 240, 240), font=font)
    found = detect_subjects(np.asarray(img), kinds=("text",))
    assert found, "no text region"
    x, y, w, h = found[0].box
    assert 40 <= x <= 80 and 190 <= y <= 215 and w > 150 and h < 40


def test_real_photo_text_watermark(shared_data) -> None:
    from reelkit.media import read_frames

    video = shared_data / "shots/videos/pyscenedetect/testvideo.mp4"
    frame = next(iter(read_frames(video, max_side=640, start=60, end=61)))
    texts = detect_subjects(frame.image, kinds=("text",))
    # the photos carry a copyright line along the bottom (y ≈ 302–318 at 640×360)
    assert any(295 <= t.box[1] <= 310 and t.box[3] < 30 for t in texts)


def test_backends_and_errors(hopper: np.ndarray) -> None:
    assert {"opencv", "mediapipe"} <= set(available_backends())
    with pytest.raises(UsageError, match="unknown subject backend"):
        detect_subjects(hopper, backend="nope")
    with pytest.raises(UsageError, match="unknown subject kind"):
        detect_subjects(hopper, kinds=("dog",))
    with pytest.raises(UsageError):
        detect_subjects(hopper.astype(np.float32))
    with pytest.raises(UsageError):
        detect_subjects(np.zeros((4, 4, 3), np.uint8))


def test_mediapipe_backend_or_clear_error(hopper: np.ndarray) -> None:
    if importlib.util.find_spec("mediapipe") is None:
        with pytest.raises(BackendUnavailable, match=r"reelkit\[mediapipe\]"):
            detect_subjects(hopper, backend="mediapipe")
    else:
        faces = detect_subjects(hopper, kinds=("face",), backend="mediapipe")
        assert faces and _inside((262, 250), faces[0].box)


def test_nms_merges_duplicates() -> None:
    a = Subject("face", (10, 10, 50, 50), 0.9)
    b = Subject("face", (14, 12, 48, 50), 0.6)
    c = Subject("face", (200, 10, 50, 50), 0.7)
    d = Subject("person", (10, 10, 50, 50), 0.5)
    assert nms([a, b, c, d]) == [a, c, d]
