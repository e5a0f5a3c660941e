"""Active picture area: letterbox and pillarbox bars on real frames, and no false bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelkit.analysis.picture_area import active_area


def _grey_frames(shared: Path, rel: str, k: int = 12) -> list[np.ndarray]:
    from reelkit.media import read_frames

    frames = [f.image for f in read_frames(shared / rel, max_side=320, pixel_format="gray")]
    return [frames[i] for i in np.linspace(0, len(frames) - 1, k).astype(int)]


def test_pillarbox_found_on_real_footage(shared_data: Path) -> None:
    import cv2

    real = _grey_frames(shared_data, "reframe/people/intel_asl_again.mkv")  # 4:3
    boxed = []
    for g in real:
        canvas = np.zeros((180, 320), np.uint8)  # 16:9 container
        canvas[:, 40:280] = cv2.resize(g, (240, 180), interpolation=cv2.INTER_AREA)
        boxed.append(canvas)
    x, y, w, h = active_area(boxed, source_size=(1920, 1080))
    assert 240 <= x <= 260 and y == 0 and 1400 <= w <= 1440 and h == 1080
    assert x + w <= 1680  # never reaches into the right bar


def test_letterbox_found(shared_data: Path) -> None:
    real = _grey_frames(shared_data, "reframe/people/sam2_juggle.mp4")
    boxed = [np.pad(g[30:150], ((30, 30), (0, 0))) for g in real]  # bars top and bottom
    x, y, w, h = active_area(boxed, source_size=(1280, 720))
    assert x == 0 and w == 1280 and 120 <= y <= 128 and 470 <= h <= 480


def test_no_bars_on_white_cyclorama_or_dark_edges(shared_data: Path) -> None:
    # a white studio background reaching the frame edge is picture, not a bar
    real = _grey_frames(shared_data, "reframe/talking_head/azure_avatar_asking_question.mp4")
    assert active_area(real, source_size=(1920, 1080)) == (0, 0, 1920, 1080)
    real = _grey_frames(shared_data, "reframe/people/intel_one_by_one_person.mp4")
    assert active_area(real, source_size=(768, 432)) == (0, 0, 768, 432)
    assert active_area([], source_size=(640, 480)) == (0, 0, 640, 480)
