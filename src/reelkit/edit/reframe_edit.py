"""Human edits of an auto-reframe: the plan as JSON, its crop keyframes, and moving a keyframe.

A person reviews :func:`reelkit.edit.reframe.reframe`'s plan and drags crop keyframes; the moved path is
what the exporters and the renderer then use. The keyframes are the ones an NLE receives
(:func:`reelkit.edit.reframe.path_timeline`'s ``crop_keyframes``); between them the window moves linearly,
as the NLE interpolates linear keyframes, so what the studio previews is what Resolve or Final Cut play.

>>> plan = reframe("talk.mp4", "9:16")                                   # doctest: +SKIP
>>> moved = move_keyframes(plan, {120: (410.0, 0.0)})                    # doctest: +SKIP
>>> export_timeline(path_timeline(moved), "talk.fcpxml", "fcpxml")        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from reelkit.camera.reframe_path import CropPath, ShotPlan
from reelkit.edit.reframe import ReframePlan, path_timeline
from reelkit.errors import InputFormatError, UsageError
from reelkit.media import MediaInfo

__all__ = ["move_keyframes", "plan_from_dict", "plan_keyframes", "plan_to_dict"]


def plan_to_dict(plan: ReframePlan) -> dict[str, Any]:
    """JSON form of a plan: ``CropPath.to_dict()`` plus ``source_size``, ``output_size``, ``rate``,
    ``subjects`` and ``speakers`` (shot index → kind / mean box)."""
    d = plan.path.to_dict()
    d["source_size"] = list(plan.path.source_size)
    d["output_size"] = list(plan.output_size)
    d["rate"] = f"{plan.rate.numerator}/{plan.rate.denominator}"
    d["subjects"] = {str(k): v for k, v in plan.subjects.items()}
    d["speakers"] = {str(k): [float(x) for x in v] for k, v in plan.speakers.items()}
    return d


def plan_from_dict(d: Mapping[str, Any], info: MediaInfo) -> ReframePlan:
    """Rebuild a plan from :func:`plan_to_dict` output for the media ``info``.

    Raises:
        InputFormatError: missing or malformed fields.
    """
    try:
        num, den = (int(v) for v in str(d["aspect"]).split(":"))
        frames = d["frames"]
        windows = np.array([[f["x"], f["y"], f["w"], f["h"]] for f in frames], dtype=float)
        shots = [ShotPlan(int(s["start"]), int(s["end"]), str(s["mode"]),
                          tuple(tuple(int(v) for v in p) for p in s.get("panels", ())),  # type: ignore[misc]
                          decision=s.get("decision"))
                 for s in d["shots"]]
        path = CropPath(source_size=(int(d["source_size"][0]), int(d["source_size"][1])), aspect=Fraction(num, den),
                        windows=windows.reshape(-1, 4), shots=shots, video=str(d.get("video", "")))
        return ReframePlan(path=path, info=info, rate=Fraction(str(d["rate"])),
                           output_size=(int(d["output_size"][0]), int(d["output_size"][1])),
                           speakers={int(k): tuple(float(x) for x in v)  # type: ignore[misc]
                                     for k, v in (d.get("speakers") or {}).items()},
                           subjects={int(k): str(v) for k, v in (d.get("subjects") or {}).items()})
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise InputFormatError(f"reframe plan JSON is malformed: {type(exc).__name__}: {exc}") from None


def plan_keyframes(plan: ReframePlan, *, tolerance: float = 2.0) -> list[list[dict[str, Any]]]:
    """Per shot, the crop keyframes ``{"frame", "x", "y", "w", "h"}`` an export carries
    (:func:`reelkit.edit.reframe.path_timeline` with ``tolerance`` pixels)."""
    tl = path_timeline(plan, tolerance=tolerance)
    video = next(t for t in tl.tracks if t.kind == "Video")
    return [[{k: (float(v) if k in ("x", "y") else int(v)) for k, v in key.items()}
             for key in clip.metadata["reelkit"]["crop_keyframes"]] for clip in video]


def move_keyframes(plan: ReframePlan, moves: Mapping[int, tuple[float, float]], *,
                   tolerance: float = 2.0) -> ReframePlan:
    """A copy of ``plan`` whose crop keyframes at the given frames sit at new ``(x, y)`` positions.

    Within each shot the window then moves linearly between its keyframes (as an NLE plays linear
    keyframes); positions are clamped so the window stays inside the picture. Split, pad and passthrough
    shots have no movable window.

    Args:
        moves: source frame of a keyframe (see :func:`plan_keyframes`) → new top-left ``(x, y)`` in source pixels.

    Raises:
        UsageError: a frame that is not a keyframe of a movable shot.
    """
    keys = plan_keyframes(plan, tolerance=tolerance)
    windows = plan.path.windows.copy()
    sw, sh = plan.path.source_size
    left = dict(moves)
    for shot, kf in zip(plan.path.shots, keys, strict=True):
        hit = [k for k in kf if k["frame"] in left]
        if not hit:
            continue
        if shot.mode in ("split", "pad", "passthrough"):
            raise UsageError(f"shot {shot.start}-{shot.end} is a {shot.mode} shot: its window cannot be moved")
        pts = []
        for k in kf:
            x, y = left.pop(k["frame"], (k["x"], k["y"]))
            pts.append((k["frame"], min(max(float(x), 0.0), sw - k["w"]), min(max(float(y), 0.0), sh - k["h"])))
        frames = np.arange(shot.start, shot.end + 1)
        if len(pts) == 1:
            windows[shot.start:shot.end + 1, 0] = pts[0][1]
            windows[shot.start:shot.end + 1, 1] = pts[0][2]
        else:
            f = np.array([p[0] for p in pts], float)
            windows[shot.start:shot.end + 1, 0] = np.interp(frames, f, [p[1] for p in pts])
            windows[shot.start:shot.end + 1, 1] = np.interp(frames, f, [p[2] for p in pts])
    if left:
        raise UsageError(f"frame(s) {', '.join(str(k) for k in sorted(left))} are not crop keyframes")
    return replace(plan, path=replace(plan.path, windows=windows))
