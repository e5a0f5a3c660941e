"""Reframe planning on real encoded video: known subject positions, cuts, bad inputs, active speaker."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from tests.mediagen import make_audio, make_video
from tests.reframe_media import write_clip

from reelkit.edit.reframe import reframe, voice_activity
from reelkit.errors import NoVideoStreamError, UsageError

RATE = Fraction(25)


def _contained(windows: np.ndarray, boxes: np.ndarray, slack: float = 0.0) -> np.ndarray:
    x, y, w, h = windows.T.astype(float)
    bx, by, bw, bh = boxes.T
    return ((x <= bx + slack) & (y <= by + slack) & (x + w >= bx + bw - slack) & (y + h >= by + bh - slack))


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """320×180, 50 frames: a real face walks right for 25 frames, then a cut to it standing on the right."""
    path = tmp_path_factory.mktemp("rf") / "walk.mp4"
    placements = [[(10 + 3 * t, 40)] for t in range(25)] + [[(230, 30)] for _ in range(25)]
    boxes = write_clip(path, size=(320, 180), frames=50, rate=RATE, placements=placements, patch_h=110)
    return path, boxes[0]


def test_walk_and_cut(walker: tuple[Path, np.ndarray]) -> None:
    path, face = walker
    plan = reframe(path, "9:16", shots=[(0, 24), (25, 49)])
    w = plan.path.windows
    assert w.shape == (50, 4) and (w[:, 2] == 100).all() and (w[:, 3] == 180).all()
    assert _contained(w, face).all()
    assert [s.mode for s in plan.path.shots] == ["pan", "steady"]
    assert plan.subjects == {0: "face", 1: "face"}
    assert np.ptp(w[25:, 0]) == 0  # steady shot: no motion at all
    # never moves across the cut: the window jumps at the cut instead of drifting into it
    assert np.abs(np.diff(w[:25, 0])).max() < 10
    assert w[25, 0] - w[24, 0] > 60


def test_one_and_two_frame_shots(walker: tuple[Path, np.ndarray]) -> None:
    path, face = walker
    plan = reframe(path, "9:16", shots=[(0, 0), (1, 2), (3, 24), (25, 25), (26, 49)])
    assert [(s.start, s.end) for s in plan.path.shots] == [(0, 0), (1, 2), (3, 24), (25, 25), (26, 49)]
    assert _contained(plan.path.windows, face).all()
    assert (plan.path.windows[:, 0] >= 0).all() and (plan.path.windows[:, 0] + 100 <= 320).all()


def test_rotated_phone_footage(tmp_path: Path) -> None:
    """Stored 320×180 with a 90° display rotation: planned on the upright 180×320 picture."""
    path = tmp_path / "phone.mp4"
    boxes = write_clip(path, size=(180, 320), frames=20, rate=RATE, placements=[[(20, 150)]] * 20, patch_h=110,
                       rotation=90)[0]
    plan = reframe(path, "1:1")
    assert plan.path.source_size == (180, 320)
    w = plan.path.windows
    assert (w[:, 2] == 180).all() and (w[:, 3] == 180).all()
    assert _contained(w, boxes).all()
    assert plan.subjects[0] == "face"
    # with make_video's rotation too (a test pattern, no subject): upright size, steady
    p2 = make_video(tmp_path / "rot.mp4", width=64, height=48, frames=10, rotation=90)
    plan2 = reframe(p2, "1:1")
    assert plan2.path.source_size == (48, 64) and plan2.path.shots[0].mode == "steady"


def test_portrait_to_portrait_passes_through(tmp_path: Path) -> None:
    path = make_video(tmp_path / "tall.mp4", width=90, height=160, frames=10)
    plan = reframe(path, "9:16")
    assert [s.mode for s in plan.path.shots] == ["passthrough"]
    assert (plan.path.windows == [0, 0, 90, 160]).all()


def test_no_subjects_is_steady(tmp_path: Path) -> None:
    def flat(i: int, w: int, h: int) -> np.ndarray:
        return np.full((h, w, 3), 70, np.uint8)

    path = make_video(tmp_path / "flat.mp4", width=320, height=180, frames=20, frame_fn=flat)
    plan = reframe(path, "9:16")
    w = plan.path.windows
    assert plan.path.shots[0].mode == "steady" and np.ptp(w, axis=0).max() == 0
    assert w[0, 0] == (320 - 100) // 2  # centred: nothing salient either


def test_bad_aspect_and_inputs(walker: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    path, _ = walker
    for bad in ("0:1", "tall", "16:0"):
        with pytest.raises(UsageError, match="aspect"):
            reframe(path, bad)
    with pytest.raises(UsageError, match="fallback"):
        reframe(path, "9:16", fallback="zoom")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="shot"):
        reframe(path, "9:16", shots=[(10, 5)])
    with pytest.raises(NoVideoStreamError):
        reframe(make_audio(tmp_path / "a.wav"), "9:16")


# -- two people: active speaker / fallbacks ------------------------------------------------------

def _speech_like(seconds: float, rate: int, on: np.ndarray) -> np.ndarray:
    """Band-limited noise bursts with a syllable-rate envelope where ``on`` (per 40 ms frame) is set."""
    rng = np.random.default_rng(3)
    n = int(seconds * rate)
    noise = rng.standard_normal(n).astype(np.float32)
    kernel = np.hanning(24).astype(np.float32)
    voiced = np.convolve(noise, kernel / kernel.sum(), mode="same") * 3.0
    env = np.repeat(on.astype(np.float32), rate // 25)[:n]
    env = np.pad(env, (0, n - len(env)))
    syll = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * np.arange(n) / rate)
    return (0.3 * voiced * env * syll + 0.002 * noise)[None, :].astype(np.float32)


@pytest.fixture(scope="module")
def two_people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """480×270, 100 frames: two real faces far apart; the LEFT one's mouth moves with the voice."""
    d = tmp_path_factory.mktemp("rf2")
    frames = 100
    rng = np.random.default_rng(5)
    on = np.zeros(frames, bool)
    for s, e in ((5, 22), (30, 44), (52, 70), (78, 95)):
        on[s:e] = True
    left_mouth = np.where(on, 0.6 + 0.4 * rng.random(frames), 0.0)
    right_mouth = np.where(rng.random(frames) < 0.15, 1.0, 0.0)  # occasional, unrelated to the voice
    placements = [[(10, 60), (340, 60)]] * frames
    audio = _speech_like(frames / 25, 48000, on)
    talk = d / "talk.mp4"
    boxes = write_clip(talk, size=(480, 270), frames=frames, rate=RATE, placements=placements, patch_h=150,
                       mouth=[left_mouth, right_mouth], audio=audio)
    silent = d / "silent.mp4"
    write_clip(silent, size=(480, 270), frames=frames, rate=RATE, placements=placements, patch_h=150)
    return {"talk": talk, "silent": silent, "left": boxes[0], "right": boxes[1], "on": on}


def test_voice_activity(two_people: dict[str, object]) -> None:
    va = voice_activity(two_people["talk"], 100, RATE)  # type: ignore[arg-type]
    assert va is not None
    on = two_people["on"]
    assert np.mean(va == on) > 0.85  # type: ignore[operator]
    assert voice_activity(two_people["silent"], 100, RATE) is None  # type: ignore[arg-type]


def test_active_speaker_is_framed(two_people: dict[str, object]) -> None:
    plan = reframe(two_people["talk"], "9:16", shots=[(0, 99)])  # type: ignore[arg-type]
    assert 0 in plan.speakers
    assert plan.path.shots[0].mode in ("steady", "pan", "track")
    assert _contained(plan.path.windows, two_people["left"]).mean() >= 0.99  # type: ignore[arg-type]
    assert not _contained(plan.path.windows, two_people["right"]).any()  # type: ignore[arg-type]


def test_active_speaker_from_the_index(two_people: dict[str, object], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The voice and the mouth motion go to the index; the second plan reads them back, decodes nothing
    and frames the same speaker."""
    import reelkit.edit.reframe as reframe_mod
    import reelkit.index.analyze as analyze_mod
    from reelkit.edit.reframe import analyse_subjects
    from reelkit.edit.sources import IndexUse
    from reelkit.index.store import MediaIndex

    db = tmp_path / "index.sqlite"
    use = IndexUse(path=db)
    talk = two_people["talk"]
    analysis = analyse_subjects(talk, shots=[(0, 99)])  # type: ignore[arg-type]
    plain = reframe(talk, "9:16", shots=[(0, 99)], analysis=analysis)  # type: ignore[arg-type]
    first = reframe(talk, "9:16", shots=[(0, 99)], analysis=analysis, use=use)  # type: ignore[arg-type]
    assert first.speakers == plain.speakers and np.array_equal(first.path.windows, plain.path.windows)
    with MediaIndex(db) as idx:
        stored = {r[0] for r in idx.query("SELECT detector FROM results")}
    assert {"mouth_motion", "speech_levels"} <= stored

    def no_decode(*_a: object, **_k: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(analyze_mod, "run_detectors", no_decode)
    monkeypatch.setattr(reframe_mod, "run_detectors", no_decode)
    again = reframe(talk, "9:16", shots=[(0, 99)], analysis=analysis, use=use)  # type: ignore[arg-type]
    assert 0 in first.speakers and again.speakers == first.speakers
    assert np.array_equal(again.path.windows, first.path.windows)


def test_fallbacks_without_speech(two_people: dict[str, object]) -> None:
    silent = two_people["silent"]
    split = reframe(silent, "9:16", fallback="split")  # type: ignore[arg-type]
    shot = split.path.shots[0]
    assert shot.mode == "split" and len(shot.panels) == 2
    for panel, face in zip(shot.panels, (two_people["left"], two_people["right"]), strict=True):
        assert Fraction(panel[2], panel[3]) == pytest.approx(Fraction(9, 8), rel=0.02)
        assert _contained(np.tile(panel, (100, 1)), face).all()  # type: ignore[arg-type]
    pad = reframe(silent, "9:16", fallback="pad")  # type: ignore[arg-type]
    assert pad.path.shots[0].mode == "pad" and (pad.path.windows == [0, 0, 480, 270]).all()
    none = reframe(silent, "9:16", fallback="none")  # type: ignore[arg-type]
    assert none.path.shots[0].mode in ("steady", "pan", "track")
    one = _contained(none.path.windows, two_people["left"]).all() or _contained(  # type: ignore[arg-type]
        none.path.windows, two_people["right"]).all()  # type: ignore[arg-type]
    assert one


# -- the bundled sample film: the figure's position is known analytically --------------------------

def test_sample_film_figure_contained(sample_video: Path) -> None:
    from reelkit.sample import SAMPLE_CUTS, SAMPLE_DISSOLVES

    shots = [(0, SAMPLE_CUTS[0] - 1), (SAMPLE_CUTS[0], SAMPLE_DISSOLVES[0][0] + 14), (SAMPLE_DISSOLVES[0][0] + 15, 329)]
    plan = reframe(sample_video, "9:16", shots=shots)
    w = plan.path.windows
    frames = np.arange(90, SAMPLE_DISSOLVES[0][0])  # the figure fully visible (before the dissolve)
    cx = 120 + 3.2 * (frames - 90)
    figure = np.stack([cx - 30, np.full(len(frames), 93.0), np.full(len(frames), 60.0),
                       np.full(len(frames), 205.0)], 1)  # head top 93 … feet ~298, body ±30 px
    assert _contained(w[frames], figure).mean() >= 0.99
    assert plan.path.shots[1].mode in ("pan", "track")
    for s in plan.path.shots:
        if s.mode == "steady":
            assert np.ptp(w[s.start:s.end + 1], axis=0).max() == 0
