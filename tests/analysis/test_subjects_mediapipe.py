"""The mediapipe subject backend on real frames: bundled models only, never the network."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mediapipe", reason="mediapipe is an extra: pip install 'reelkit[mediapipe]' (Python 3.11-3.12)")

from reelkit.analysis.subjects import (
    MEDIAPIPE_MODELS,
    MediapipeBackend,
    check_mediapipe_models,
    detect_subjects,
    resolve_backend,
)
from reelkit.errors import BackendUnavailable


def _frame(shared: Path, rel: str, index: int) -> np.ndarray:
    from reelkit.media import read_frames

    return next(iter(read_frames(shared / rel, start=index, end=index + 1))).image


def _centre_in(box: tuple[float, ...], ref: list[float]) -> bool:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return ref[0] <= cx <= ref[0] + ref[2] and ref[1] <= cy <= ref[1] + ref[3]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any socket connection attempt fails the test (and is recorded)."""
    tried: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        tried.append(address)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return tried


def test_back_turned_person_found_offline(shared_data: Path, no_network: list[object]) -> None:
    # a fresh backend: every graph is built (and every model loaded) with the network refused
    be = MediapipeBackend()
    img = _frame(shared_data, "reframe/people/intel_one_by_one_person.mp4", 310)
    subs = be.detect(img, ("face", "person"))
    people = [s for s in subs if s.kind == "person"]
    assert len(people) == 1 and no_network == []
    p = people[0]
    # hand-checked head of the man standing with his back to the camera (bench/data/reframe/real_heads.json)
    assert p.head is not None and _centre_in(p.head, [425, 10, 65, 70]), p.head
    assert p.facing is not None and p.facing < -0.5  # back turned


def test_faces_and_people_on_real_frames(shared_data: Path) -> None:
    img = _frame(shared_data, "reframe/talking_head/azure_avatar_asking_question.mp4", 40)
    subs = detect_subjects(img, kinds=("face", "person"), backend="mediapipe")
    faces = [s for s in subs if s.kind == "face"]
    people = [s for s in subs if s.kind == "person"]
    assert len(faces) == 1 and len(people) == 1
    assert faces[0].facing is not None and faces[0].facing > 0.5  # looks at the camera
    assert _centre_in(faces[0].box, people[0].head)  # type: ignore[arg-type]
    # a small, far, full-body figure outdoors
    img = _frame(shared_data, "reframe/people/sam2_juggle.mp4", 87)
    people = [s for s in detect_subjects(img, kinds=("person",), backend="mediapipe")]
    assert len(people) == 1 and people[0].box[3] > 0.5 * img.shape[0]


def test_two_people_found(shared_data: Path) -> None:
    img = _frame(shared_data, "reframe/people/sam2_bedroom_two_kids.mp4", 167)
    people = [s for s in detect_subjects(img, kinds=("person",), backend="mediapipe")]
    assert len(people) == 2
    xs = sorted(p.head[0] for p in people if p.head)  # the boy at the left, the girl right of centre
    assert xs[0] < 200 < 300 < xs[1] < 600


def test_missing_model_names_the_extra(tmp_path: Path) -> None:
    import mediapipe

    root = Path(mediapipe.__file__).parent
    assert check_mediapipe_models() == str(root)
    fake = tmp_path / "mediapipe"
    for m in MEDIAPIPE_MODELS[:-1]:
        (fake / m).parent.mkdir(parents=True, exist_ok=True)
        (fake / m).write_bytes(b"")
    with pytest.raises(BackendUnavailable) as err:
        check_mediapipe_models(fake)
    assert MEDIAPIPE_MODELS[-1] in str(err.value) and "reelkit[mediapipe]" in (err.value.hint or "")
    # the pose models mediapipe would download (lite, heavy) are not among those asked for
    assert not any("pose_landmark_lite" in m or "pose_landmark_heavy" in m for m in MEDIAPIPE_MODELS)


def test_auto_is_mediapipe_here() -> None:
    assert resolve_backend("auto") == "mediapipe"
    assert resolve_backend("opencv") == "opencv"


def test_false_faces_dropped(shared_data: Path) -> None:
    # the skull print on the signer's sweatshirt is found by the face detector; pose puts it on his torso
    img = _frame(shared_data, "reframe/people/intel_asl_again.mkv", 0)
    faces = [s for s in detect_subjects(img, kinds=("face", "person"), backend="mediapipe") if s.kind == "face"]
    assert len(faces) == 1 and faces[0].box[1] < 150  # his own face, at the top
    # a "face" found on the back of a head is not a face
    img = _frame(shared_data, "reframe/people/intel_one_by_one_person.mp4", 300)
    subs = detect_subjects(img, kinds=("face", "person"), backend="mediapipe")
    assert [s.kind for s in subs] == ["person"]
