"""Person tracks: identity through occlusion and crossings, importance, face/body joining."""

from __future__ import annotations

import numpy as np

from reelkit.analysis.subjects import Subject
from reelkit.analysis.tracks import Observation, build_tracks, observations, track_importance


def _obs(frame: int, x: float, y: float, size: float, *, facing: float = 1.0, sig: np.ndarray | None = None,
         face: bool = True) -> Observation:
    return Observation(frame, (x, y, size, 1.25 * size), (x - size, y, 3 * size, 7 * size), 0.9, facing, 0.0,
                       face, sig)


def _sig(k: int) -> np.ndarray:
    s = np.full(16, 0.01, np.float32)
    s[k] = 1.0
    return s / s.sum()


def test_two_people_crossing_keep_their_identity() -> None:
    # A walks right, B walks left; they cross at frame 50 (heads overlap there)
    samples = []
    for f in range(0, 101, 10):
        a = _obs(f, 100 + 8 * f, 200, 60, sig=_sig(2))
        b = _obs(f, 900 - 8 * f, 210, 55, sig=_sig(9))
        samples.append((f, [b, a] if f % 20 else [a, b]))
    tracks = build_tracks(samples, max_gap=30)
    assert len(tracks) == 2
    for t in tracks:
        xs = [o.head[0] for o in t.obs]
        assert len(t.obs) == 11
        assert all(np.diff(xs) > 0) or all(np.diff(xs) < 0)  # each track moves one way only


def test_refound_after_occlusion() -> None:
    samples = [(f, [_obs(f, 300 + 2 * f, 200, 50, sig=_sig(4))]) for f in range(0, 40, 10)]
    samples += [(f, []) for f in range(40, 100, 10)]  # hidden behind something for 2 s
    samples += [(f, [_obs(f, 420 + 2 * f, 205, 52, sig=_sig(4))]) for f in range(100, 150, 10)]
    tracks = build_tracks(samples, max_gap=75)
    assert len(tracks) == 1 and len(tracks[0].obs) == 9
    heads = tracks[0].heads(0, 149)
    assert np.all(np.isfinite(heads[:141]))  # bridged across the occlusion


def test_importance_prefers_the_lead_walking_towards_camera() -> None:
    # the lead: frontal, growing (walks towards the camera), near the centre;
    # the other: small, back turned, at the side (the held-out failure of issue 13)
    lead = [(f, _obs(f, 900, 300, 60 + f, facing=0.9)) for f in range(0, 100, 10)]
    back = [(f, _obs(f, 1700, 400, 70, facing=-0.9, face=False)) for f in range(0, 100, 10)]
    samples = [(f, [a, b]) for (f, a), (_, b) in zip(lead, back, strict=True)]
    tracks = build_tracks(samples, max_gap=30)
    assert len(tracks) == 2
    scores = track_importance(tracks, n_samples=10, frame_size=(1920, 1080))
    by_x = {round(t.obs[0].head[0]): s for t, s in zip(tracks, scores, strict=True)}
    assert by_x[900][0] > by_x[1700][0] + 0.2
    assert by_x[900][1]["approach"] > 0.5 and by_x[1700][1]["frontal"] < 0.1


def test_face_on_a_back_turned_head_is_not_a_face() -> None:
    body = Subject("person", (400, 20, 130, 340), 0.99, head=(440, 20, 42, 52), facing=-0.95)
    false_face = Subject("face", (410, 125, 115, 115), 0.52, head=(400, 95, 135, 150), facing=0.4)
    frontal = Subject("person", (900, 20, 130, 340), 0.99, head=(940, 20, 42, 52), facing=0.95)
    real_face = Subject("face", (944, 30, 36, 38), 0.9, head=(941, 20, 42, 50), facing=0.9, gaze=0.3)
    obs = observations(0, [body, false_face, frontal, real_face])
    assert len(obs) == 2
    back, front = sorted(obs, key=lambda o: o.head[0])
    assert not back.face and back.head == (440, 20, 42, 52)
    assert front.face and front.gaze == 0.3
    # a lone confident face with no body is a head-only person
    lone = observations(3, [Subject("face", (10, 10, 40, 40), 0.9)])
    assert len(lone) == 1 and lone[0].body is None
