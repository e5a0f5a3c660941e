"""The ``reel grade`` jobs: fit a grade, write what was asked for (LUT, render, preview), describe it.

Each job is one call that the command line (``reel grade match|auto|even|apply``) and other front ends
share; it returns the JSON-able summary the command prints. Outputs are checked before any work (an
existing file without ``force``, or one path given for two outputs, fails first) and written atomically.

* :func:`grade_match` — match a video or still to a reference (content-aware by default, or a
  distribution transfer), one grade for the whole source;
* :func:`grade_auto` — white balance and exposure;
* :func:`grade_even` — one grade per shot of a sequence, matched to a hero shot, through the media index;
* :func:`grade_apply` — apply an existing .cube.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.color.grade import Grade, MixGrade, apply_grade_image
from reelkit.color.imageio import (
    is_image,
    load_image,
    load_samples,
    middle_still,
    preview_image,
    save_image,
    video_frame,
)
from reelkit.color.lut import GradedRange, Lut, write_cube
from reelkit.errors import UsageError
from reelkit.fileio import check_output_path
from reelkit.media import probe
from reelkit.progress import Stage
from reelkit.provenance import Action, declare

__all__ = ["FAR_DELTA_E", "MatchFit", "fit_auto", "fit_match", "grade_apply", "grade_auto", "grade_even", "grade_match"]

#: ΔE00 between mean colours above which source and reference hardly look like the same scene
FAR_DELTA_E = 15.0


def _stage(stage: Stage | None) -> Stage:
    return stage or (lambda _name: nullcontext(None))


def _strength(grade: Grade, strength: float) -> Grade:
    return grade if strength >= 1.0 else MixGrade(grade, strength)


def _far_note(before: float) -> list[str]:
    if before <= FAR_DELTA_E:
        return []
    return [f"source and reference differ a lot (ΔE00 {before:.1f} between their mean colours): a full match "
            "between unrelated scenes can look unnatural; try --strength 0.5 or --method mkl"]


def _check_outputs(force: bool, *paths: Path | None) -> None:
    """Refuse early (before any work) outputs that exist or cannot be written, or one path given twice."""
    seen: set[str] = set()
    for p in paths:
        if p is not None:
            key = os.path.abspath(p)
            if key in seen:
                raise UsageError(f"{p} is given for two outputs")
            seen.add(key)
            check_output_path(p, force=force)


def _bake(grade: Grade, size: int) -> tuple[Lut, float]:
    if size and not 2 <= size <= 256:
        raise UsageError(f"--lut-size must be 2..256 (or 0 for automatic), got {size}")
    return grade.to_lut(sizes=(size,) if size else (33, 65))


def _write_preview(path: Path, panels: list[tuple[str, np.ndarray]], force: bool) -> None:
    img = preview_image(panels)
    save_image(path, img.astype(np.float64) / 255.0, force=force)


def _render_whole(src: Path, render: Path, lut: Lut, *, force: bool, stage: Stage) -> None:
    """``src`` (a video) graded with one LUT throughout, to ``render``."""
    from reelkit.render.grade import render_graded

    if is_image(render):
        raise UsageError(f"{src} is a video: give --render a video name (.mp4, .mov, .mkv)")
    n = probe(src).require_video().frames or 10**9
    with stage("grading") as prog:
        render_graded(src, render, [GradedRange(0, n, lut)], force=force, progress=prog)


def _apply_outputs(src: Path, grade: Grade, *, lut_path: Path | None, render: Path | None, preview: Path | None,
                   lut_size: int, flavour: str, force: bool, ref_still: np.ndarray | None, title: str,
                   stage: Stage) -> dict[str, Any]:
    """Bake the LUT and write whatever outputs were asked for; returns the JSON fragment."""
    for p in (lut_path, render, preview):
        if p is not None:
            declare(p, sources=[src], actions=[Action("colour", title)])
    lut, err = _bake(grade, lut_size)
    lut = Lut(cube=lut.cube, title=title, comments=(f"made by reelkit: max error {err * 255:.3f}/255 vs the grade",))
    out: dict[str, Any] = {"lut": {"path": str(lut_path) if lut_path else None, "size": lut.size,
                                   "max_error_8bit": round(err * 255, 3)}, "render": None, "preview": None}
    if lut_path is not None:
        write_cube(lut, lut_path, flavour=flavour, force=force)
    if render is not None:
        if is_image(src):
            st = load_image(src)
            graded = apply_grade_image(grade, st.rgb)
            save_image(render, graded, alpha=st.alpha, bit_depth=st.bit_depth, force=force)
        else:
            _render_whole(src, render, lut, force=force, stage=stage)
        out["render"] = str(render)
    if preview is not None:
        before = middle_still(src).rgb
        panels = [("before", before), ("after", apply_grade_image(grade, before))]
        if ref_still is not None:
            panels.append(("reference", ref_still))
        _write_preview(preview, panels, force)
        out["preview"] = str(preview)
    return out


@dataclass
class MatchFit:
    """A grade fitted to match a source to a reference (:func:`fit_match`).

    Attributes:
        result: the grade (at full strength), the method that produced it and its notes.
        matched_on: for the content method, ``{"mode", "confidence", ...}`` (what the grade rests on);
            else empty.
        src_px, ref_px: the colour samples the grade was fitted on (float ``(n, 3)``), to measure it.
    """

    result: Any  # reelkit.color.transfer.MatchResult
    matched_on: dict[str, Any]
    src_px: np.ndarray
    ref_px: np.ndarray


def fit_match(src: Path, ref: Path, *, method: str = "content", frames: int = 8) -> MatchFit:
    """Fit the grade that matches ``src`` to ``ref`` (stills or videos; ``frames`` frames sampled from a
    video): content-aware (``content``) or a distribution transfer (``pdf``, ``composite``, ``mkl``,
    ``hist``).

    Raises:
        UsageError: an unknown method or no frame decoded; the media errors of reading.
    """
    from reelkit.color.even import _spread
    from reelkit.color.transfer import MatchResult, match, pixel_sample

    content = method == "content"
    side = 480 if content else 320
    s_imgs, s_masks = load_samples(src, frames=frames, max_side=side)
    r_imgs, r_masks = load_samples(ref, frames=frames, max_side=side)
    s_px = pixel_sample(s_imgs, masks=s_masks)
    r_px = pixel_sample(r_imgs, masks=r_masks)
    if not content:
        return MatchFit(match(s_px, r_px, method=method), {}, s_px, r_px)
    from reelkit.color.shotmatch import match_shots

    sm = match_shots(_spread(s_imgs, 4), _spread(r_imgs, 4), max_pairs_per_frame=2,
                     src_masks=_spread(s_masks, 4), ref_masks=_spread(r_masks, 4))
    res = MatchResult(sm.grade, "mean" if sm.mode == "mean" else "content", sm.notes)
    return MatchFit(res, {"mode": sm.mode, "confidence": sm.confidence, **sm.matched_on}, s_px, r_px)


def fit_auto(media: Path, *, method: str = "combined", exposure: bool = True, frames: int = 8) -> Any:
    """White balance (and exposure) fitted on ``frames`` frames of ``media``: a
    :class:`reelkit.color.balance.BalanceResult`.

    Raises:
        UsageError: an unknown method or no frame decoded; the media errors of reading.
    """
    from reelkit.color.balance import auto_balance
    from reelkit.color.transfer import pixel_sample

    imgs, masks = load_samples(media, frames=frames)
    return auto_balance(pixel_sample(imgs, masks=masks), method=method, exposure=exposure)


def grade_match(src: Path, ref: Path, *, method: str = "content", frames: int = 8, strength: float = 1.0,
                lut: Path | None = None, render: Path | None = None, preview: Path | None = None,
                lut_size: int = 0, lut_flavour: str = "resolve", force: bool = False,
                stage: Stage | None = None) -> dict[str, Any]:
    """Match the colour of ``src`` to ``ref`` (stills or videos, ``frames`` frames sampled from a video).

    Args:
        method: ``content`` (pixel correspondences where the shots overlap, else shared surfaces, else a
            conservative neutral balance; :func:`reelkit.color.shotmatch.match_shots`) or a distribution
            transfer (``pdf``, ``composite``, ``mkl``, ``hist``; :func:`reelkit.color.transfer.match`).
        strength: 0..1, how much of the fitted grade is applied.
        lut, render, preview: outputs to write (a .cube; the graded media; a before/after PNG).
        lut_size: 3-D LUT edge, 0 = the smallest of 33/65 within 1/255 of the grade.
        stage: progress per stage (``"grading"`` for a render).

    Returns:
        The summary: method, mean ΔE00 before/after, what was matched on, the grade, outputs, notes.

    Raises:
        UsageError: bad options or an output given twice; OutputExistsError; the media errors of reading.
    """
    from reelkit.color.even import mean_colour_difference

    _check_outputs(force, lut, render, preview)
    fit = fit_match(src, ref, method=method, frames=frames)
    res, s_px, r_px = fit.result, fit.src_px, fit.ref_px
    content = method == "content"
    extra: dict[str, Any] = {"matched_on": fit.matched_on} if content else {}
    grade = _strength(res.grade, strength)
    before = mean_colour_difference(s_px, r_px)
    ref_still = middle_still(ref).rgb if preview is not None else None
    outputs = _apply_outputs(src, grade, lut_path=lut, render=render, preview=preview, lut_size=lut_size,
                             flavour=lut_flavour, force=force, ref_still=ref_still,
                             title=f"reelkit match {src.name} to {ref.name}", stage=_stage(stage))
    return {"command": "match", "source": str(src), "reference": str(ref), "method": res.method,
            "strength": strength, "mean_delta_e_before": round(before, 3),
            "mean_delta_e_after": round(mean_colour_difference(np.clip(grade(s_px), 0, 1), r_px), 3),
            **extra, "grade": grade.describe(),
            **outputs, "notes": [*res.notes, *([] if content else _far_note(before))]}


def grade_auto(media: Path, *, method: str = "combined", exposure: bool = True, frames: int = 8,
               lut: Path | None = None, render: Path | None = None, preview: Path | None = None,
               lut_size: int = 0, lut_flavour: str = "resolve", force: bool = False,
               stage: Stage | None = None) -> dict[str, Any]:
    """Automatic white balance (``method``: ``combined``, ``grey-world``, ``white-patch``, ``none``) and,
    with ``exposure``, clipping-aware exposure (:func:`reelkit.color.balance.auto_balance`).

    Args and outputs as for :func:`grade_match`.

    Raises:
        as :func:`grade_match`.
    """
    _check_outputs(force, lut, render, preview)
    res = fit_auto(media, method=method, exposure=exposure, frames=frames)
    outputs = _apply_outputs(media, res.grade, lut_path=lut, render=render, preview=preview, lut_size=lut_size,
                             flavour=lut_flavour, force=force, ref_still=None,
                             title=f"reelkit auto balance {media.name}", stage=_stage(stage))
    return {"command": "auto", "source": str(media), "method": method,
            "balance": {"white_gains": [round(g, 4) for g in res.white_gains],
                        "exposure_stops": res.exposure_stops, "clipped_before": round(res.clipped_before, 5),
                        "clipped_after": round(res.clipped_after, 5)},
            "grade": res.grade.describe(), **outputs, "notes": list(res.notes)}


def grade_even(video: Path, hero: int, *, shots: Path | None = None, method: str = "content", frames: int = 8,
               strength: float = 1.0, render: Path | None = None, lut_dir: Path | None = None,
               preview: Path | None = None, force: bool = False, index: Path | None = None,
               use_index: bool = True, stage: Stage | None = None,
               warn: Callable[[str], None] | None = None,
               note: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Match every shot of ``video`` to shot ``hero``: one grade per shot (no flicker).

    Args:
        shots: a ``reel shots --format json`` file; None: the shots job of the media index.
        lut_dir: an existing folder for one .cube per shot (``VIDEO-STEM_shotNN.cube``).
        index, use_index: the media index the shots and the fitted grades are read from and stored in.
        stage: progress per stage (``"finding shots"``, ``"matching shots"`` in shots, ``"grading"``).
        warn: told when the index cannot be used; note: told when the grades were read from the index.

    Returns:
        The summary: per shot its span, ΔE00 to the hero before/after, LUT size/error/path, notes.

    Raises:
        UsageError: bad options, a shots file made for another video, a missing --lut-dir; the errors of
        :func:`grade_match`; MediaIndexError: a corrupt index.
    """
    from reelkit.color.even import ShotSpan, fit_shot_grades_cached, load_shots_json, shots_for, write_shot_luts
    from reelkit.render.grade import render_graded

    run = _stage(stage)
    _check_outputs(force, render, preview)
    if lut_dir is not None and not lut_dir.is_dir():
        raise UsageError(f"--lut-dir {lut_dir} is not an existing folder")
    info = probe(video)
    info.require_video()
    spans: list[ShotSpan]
    if shots is not None:
        spans = load_shots_json(shots)
        n = info.video.frames if info.video else None
        if n is not None and spans[-1].end >= n + 1:
            raise UsageError(f"{shots} describes frames up to {spans[-1].end} but {video} has {n} frames; "
                             "was it made for another video?")
    else:
        with run("finding shots") as prog:
            spans = shots_for(video, progress=prog, index=index, use_index=use_index, warn=warn)
    with run("matching shots") as prog:
        grades, cached = fit_shot_grades_cached(video, spans, hero, method=method, frames_per_shot=frames,
                                                strength=strength, progress=prog, index=index,
                                                use_index=use_index, warn=warn)
    if cached and note is not None:
        note("shot grades read from the media index (same video, shots and options; --no-index to fit them again)")
    lut_paths = write_shot_luts(grades, lut_dir, stem=video.stem, force=force) if lut_dir is not None else []
    if render is not None:
        with run("grading") as prog:
            render_graded(video, render, [GradedRange(g.shot.start, g.shot.end, g.lut) for g in grades],
                          force=force, progress=prog)
    if preview is not None:
        mids = [video_frame(video, (g.shot.start + g.shot.end) // 2, max_side=480, info=info) for g in grades]
        hero_img = mids[hero]
        rows = [preview_image([(f"shot {g.shot.index} before", img), ("after", np.clip(g.lut.apply(img), 0, 1)),
                               ("hero", hero_img)], height=180) for g, img in zip(grades, mids, strict=True)]
        width = max(r.shape[1] for r in rows)
        pad = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
        save_image(preview, np.concatenate(pad, 0).astype(np.float64) / 255.0, force=force)
    data: dict[str, Any] = {
        "command": "even", "source": str(video), "hero": hero, "method": method,
        "shots": [{**g.to_dict(), "lut_max_error_8bit": round(g.lut_error * 255, 3),
                   "lut": str(lut_paths[i]) if lut_paths else None} for i, g in enumerate(grades)],
        "render": str(render) if render else None, "preview": str(preview) if preview else None}
    for s in data["shots"]:
        s.pop("lut_max_error")
        s["notes"] += _far_note(s["mean_delta_e_to_hero_before"])
    return data


def grade_apply(media: Path, lut: Path, render: Path, *, preview: Path | None = None, force: bool = False,
                stage: Stage | None = None) -> dict[str, Any]:
    """Apply a .cube LUT (1-D, 3-D or shaper + 3-D; tetrahedral interpolation) to a video or still.

    A LUT that is not a plain 3-D table on [0, 1] is resampled into a 65³ table for the renderer (its
    error is reported).

    Raises:
        LutError: an unreadable .cube; the errors of :func:`grade_match`.
    """
    from reelkit.color.lut import bake_verified, read_cube

    _check_outputs(force, render, preview)
    cube = read_cube(lut)
    plain = cube.shaper is None and cube.cube is not None and np.array_equal(cube.cube_domain, [[0, 0, 0], [1, 1, 1]])
    err = 0.0
    render_lut = cube
    if not plain:
        render_lut, err = bake_verified(cube.apply, sizes=(65,))
    declare(render, sources=[media], actions=[Action("colour", f"graded with {lut.name}")])
    if is_image(media):
        st = load_image(media)
        save_image(render, np.clip(cube.apply(st.rgb), 0, 1), alpha=st.alpha, bit_depth=st.bit_depth, force=force)
    else:
        _render_whole(media, render, render_lut, force=force, stage=_stage(stage))
    if preview is not None:
        before = middle_still(media).rgb
        _write_preview(preview, [("before", before), ("after", np.clip(cube.apply(before), 0, 1))], force)
    return {"command": "apply", "source": str(media), "lut": str(lut), "lut_title": cube.title,
            "lut_size": cube.size, "shaper_size": None if cube.shaper is None else int(cube.shaper.shape[0]),
            "resampled_for_render": not plain, "resample_max_error_8bit": round(err * 255, 3),
            "render": str(render), "preview": str(preview) if preview else None}
