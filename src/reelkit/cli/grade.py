"""``reel grade``: colour match to a reference, automatic balance, shot-to-shot consistency, LUT export."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from reelkit.cli._ui import (
    ForceOpt,
    FormatOpt,
    MediaIndexOpt,
    NoIndexOpt,
    OutFormat,
    emit,
    err_console,
    out_console,
    progress_bar,
    warn_line,
)
from reelkit.color.balance import auto_balance
from reelkit.color.even import ShotSpan, fit_shot_grades_cached, load_shots_json, shots_for, write_shot_luts
from reelkit.color.grade import Grade, apply_grade_image
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
from reelkit.color.transfer import MatchResult, match, pixel_sample
from reelkit.errors import UsageError
from reelkit.fileio import check_output_path
from reelkit.media import probe
from reelkit.provenance import Action, declare
from reelkit.render.grade import render_graded

grade_app = typer.Typer(
    name="grade",
    help=("Colour: match a shot to a reference, auto-balance, even out a sequence shot by shot, and export "
          "the grade as a .cube LUT for Resolve / Premiere / FFmpeg.\n\n"
          "Examples:\n\n"
          "  reel grade match camB.mp4 --ref camA.png --lut camB_to_A.cube --preview check.png\n\n"
          "  reel grade auto clip.mp4 --render clip_balanced.mp4\n\n"
          "  reel grade even scene.mp4 --hero 2 --render scene_even.mp4 --preview even.png\n\n"
          "  reel grade apply clip.mp4 --lut look.cube --render clip_look.mp4"),
    no_args_is_help=True,
    rich_markup_mode="rich",
)


class MatchMethod(StrEnum):
    """Match methods: content-aware (reelkit.color.shotmatch) or distribution transfer (reelkit.color.transfer)."""

    content = "content"
    pdf = "pdf"
    composite = "composite"
    mkl = "mkl"
    hist = "hist"


class BalanceOpt(StrEnum):
    """White-balance estimators."""

    combined = "combined"
    grey_world = "grey-world"
    white_patch = "white-patch"
    none = "none"


class Flavour(StrEnum):
    """.cube flavours."""

    resolve = "resolve"
    iridas = "iridas"


LutOpt = Annotated[Path | None, typer.Option("--lut", help="Write the grade as a 3-D LUT (.cube).")]
RenderOpt = Annotated[Path | None, typer.Option(
    "--render", help="Write the graded media (video → .mp4/.mov/.mkv, still → .png/.jpg/.tif).")]
PreviewOpt = Annotated[Path | None, typer.Option("--preview", help="Write a before/after preview image (.png).")]
LutSizeOpt = Annotated[int, typer.Option(
    "--lut-size", help="3-D LUT edge: 0 = smallest of 33/65 that reproduces the grade within 1/255.")]
FlavourOpt = Annotated[Flavour, typer.Option("--lut-flavour", help="Header style of the .cube file.")]
FramesOpt = Annotated[int, typer.Option("--frames", min=1, max=200,
                                        help="Video frames sampled for colour statistics.")]
StrengthOpt = Annotated[float, typer.Option("--strength", min=0.0, max=1.0,
                                            help="Apply the fitted grade at this strength (1 = full match).")]
_FAR = 15.0  # ΔE00 between mean colours above which source and reference hardly look like the same scene


def _strength(grade: Grade, strength: float) -> Grade:
    from reelkit.color.grade import MixGrade

    return grade if strength >= 1.0 else MixGrade(grade, strength)


def _far_note(before: float) -> list[str]:
    if before <= _FAR:
        return []
    return [f"source and reference differ a lot (ΔE00 {before:.1f} between their mean colours): a full match "
            "between unrelated scenes can look unnatural; try --strength 0.5 or --method mkl"]


def _check_outputs(force: bool, *paths: Path | None) -> None:
    """Refuse early (before any work) outputs that exist or cannot be written."""
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


def _apply_outputs(src: Path, grade: Grade, *, lut_path: Path | None, render: Path | None, preview: Path | None,
                   lut_size: int, flavour: Flavour, force: bool, ref_still: np.ndarray | None,
                   title: str) -> dict[str, Any]:
    """Bake the LUT and write whatever outputs were asked for; returns the JSON fragment."""
    for p in (lut_path, render, preview):
        if p is not None:
            declare(p, sources=[src], actions=[Action("colour", title)])
    lut, err = _bake(grade, lut_size)
    lut = Lut(cube=lut.cube, title=title, comments=(f"made by reelkit: max error {err * 255:.3f}/255 vs the grade",))
    out: dict[str, Any] = {"lut": {"path": str(lut_path) if lut_path else None, "size": lut.size,
                                   "max_error_8bit": round(err * 255, 3)}, "render": None, "preview": None}
    if lut_path is not None:
        write_cube(lut, lut_path, flavour=flavour.value, force=force)
    if render is not None:
        if is_image(src):
            st = load_image(src)
            graded = apply_grade_image(grade, st.rgb)
            save_image(render, graded, alpha=st.alpha, bit_depth=st.bit_depth, force=force)
        else:
            if is_image(render):
                raise UsageError(f"{src} is a video: give --render a video name (.mp4, .mov, .mkv)")
            info = probe(src)
            n = info.require_video().frames or 10**9
            with progress_bar("grading") as prog:
                render_graded(src, render, [GradedRange(0, n, lut)], force=force, progress=prog)
        out["render"] = str(render)
    if preview is not None:
        before = middle_still(src).rgb
        panels = [("before", before), ("after", apply_grade_image(grade, before))]
        if ref_still is not None:
            panels.append(("reference", ref_still))
        _write_preview(preview, panels, force)
        out["preview"] = str(preview)
    return out


def _stats_text(d: dict[str, Any]) -> None:
    out_console.print(f"[bold]{d['source']}[/] — {d['command']} ({d['method']})")
    if "reference" in d:
        out_console.print(f"  reference   {d['reference']}")
    if "matched_on" in d:
        m = d["matched_on"]
        out_console.print(f"  matched on  {m['mode']} (confidence {m['confidence']:.2f})")
    if "mean_delta_e_before" in d:
        out_console.print(f"  mean colour difference to reference: {d['mean_delta_e_before']:.2f} → "
                          f"{d['mean_delta_e_after']:.2f} ΔE00")
    if "balance" in d:
        b = d["balance"]
        out_console.print(f"  white gains {b['white_gains']}, exposure {b['exposure_stops']:+.2f} stops, "
                          f"clipped {100 * b['clipped_before']:.2f}% → {100 * b['clipped_after']:.2f}%")
    lut = d["lut"]
    out_console.print(f"  LUT {lut['size']}³ (max error {lut['max_error_8bit']}/255)"
                      + (f" → {lut['path']}" if lut["path"] else ""))
    for key in ("render", "preview"):
        if d.get(key):
            out_console.print(f"  {key:10s}  {d[key]}")
    for n in d.get("notes", []):
        out_console.print(f"  note: {n}")


def match_cmd(
    src: Annotated[Path, typer.Argument(help="Media to grade (video or still).", show_default=False)],
    ref: Annotated[Path, typer.Option("--ref", "-r", help="Reference look (still or video).", show_default=False)],
    method: Annotated[MatchMethod, typer.Option("--method", "-m", help="Match method.")] = MatchMethod.content,
    lut: LutOpt = None,
    render: RenderOpt = None,
    preview: PreviewOpt = None,
    lut_size: LutSizeOpt = 0,
    lut_flavour: FlavourOpt = Flavour.resolve,
    frames: FramesOpt = 8,
    strength: StrengthOpt = 1.0,
    fmt: FormatOpt = OutFormat.text,
    force: ForceOpt = False,
) -> None:
    """Match the colour of SRC to a reference still or video; export a .cube, render, preview.

    Methods: content (default) estimates the grade from what the two share — pixel correspondences
    where the shots overlap (SIFT + homography + optical flow, robust fit), else the kinds of
    surface both hold (neutrals, skin, sky, foliage), else a conservative neutral balance (as far
    as four colour-constancy estimates agree) and highlight lift, never exposure or blacks — with a
    confidence that sets how much is applied; the JSON says what it
    matched on. Distribution transfer (the whole histograms, which also moves content
    differences into the grade): pdf (regularised N-d), composite (pdf + skin tones), mkl
    (mean/covariance), hist (per-channel). One grade is fitted for the whole of SRC: no flicker.

    Examples:

      reel grade match camB.mp4 --ref camA_frame.png --lut camB.cube

      reel grade match still.jpg --ref look.jpg --render still_graded.png --preview check.png

      reel grade match shot.mov --ref hero.mov --method composite --render shot_matched.mp4 -f json
    """
    _check_outputs(force, lut, render, preview)
    content = method is MatchMethod.content
    side = 480 if content else 320
    s_imgs, s_masks = load_samples(src, frames=frames, max_side=side)
    r_imgs, r_masks = load_samples(ref, frames=frames, max_side=side)
    s_px = pixel_sample(s_imgs, masks=s_masks)
    r_px = pixel_sample(r_imgs, masks=r_masks)
    extra: dict[str, Any] = {}
    if content:
        from reelkit.color.even import _spread
        from reelkit.color.shotmatch import match_shots

        sm = match_shots(_spread(s_imgs, 4), _spread(r_imgs, 4), max_pairs_per_frame=2,
                         src_masks=_spread(s_masks, 4), ref_masks=_spread(r_masks, 4))
        res = MatchResult(sm.grade, "mean" if sm.mode == "mean" else "content", sm.notes)
        extra = {"matched_on": {"mode": sm.mode, "confidence": sm.confidence, **sm.matched_on}}
    else:
        res = match(s_px, r_px, method=method.value)
    grade = _strength(res.grade, strength)
    from reelkit.color.even import mean_colour_difference

    before = mean_colour_difference(s_px, r_px)
    ref_still = middle_still(ref).rgb if preview is not None else None
    outputs = _apply_outputs(src, grade, lut_path=lut, render=render, preview=preview, lut_size=lut_size,
                             flavour=lut_flavour, force=force, ref_still=ref_still,
                             title=f"reelkit match {src.name} to {ref.name}")
    data = {"command": "match", "source": str(src), "reference": str(ref), "method": res.method,
            "strength": strength, "mean_delta_e_before": round(before, 3),
            "mean_delta_e_after": round(mean_colour_difference(np.clip(grade(s_px), 0, 1), r_px), 3),
            **extra, "grade": grade.describe(),
            **outputs, "notes": [*res.notes, *([] if content else _far_note(before))]}
    emit(data, fmt, _stats_text)


def auto_cmd(
    media: Annotated[Path, typer.Argument(help="Media to balance (video or still).", show_default=False)],
    method: Annotated[BalanceOpt, typer.Option("--method", "-m", help="White-balance estimator.")] = (
        BalanceOpt.combined),
    exposure: Annotated[bool, typer.Option("--exposure/--no-exposure",
                                           help="Also set exposure (clipping-aware).")] = True,
    lut: LutOpt = None,
    render: RenderOpt = None,
    preview: PreviewOpt = None,
    lut_size: LutSizeOpt = 0,
    lut_flavour: FlavourOpt = Flavour.resolve,
    frames: FramesOpt = 8,
    fmt: FormatOpt = OutFormat.text,
    force: ForceOpt = False,
) -> None:
    """Automatic white balance and exposure, with highlight clipping kept in check.

    combined (default) = geometric mean of grey-world and white-patch estimates; exposure brings the
    log-average luminance to middle grey without clipping more than 0.5 % of the pixels.

    Examples:

      reel grade auto clip.mp4 --render clip_auto.mp4 --preview auto.png

      reel grade auto photo.jpg --method white-patch --no-exposure --lut wb.cube -f json
    """
    _check_outputs(force, lut, render, preview)
    imgs, masks = load_samples(media, frames=frames)
    px = pixel_sample(imgs, masks=masks)
    res = auto_balance(px, method=method.value, exposure=exposure)
    outputs = _apply_outputs(media, res.grade, lut_path=lut, render=render, preview=preview, lut_size=lut_size,
                             flavour=lut_flavour, force=force, ref_still=None,
                             title=f"reelkit auto balance {media.name}")
    data = {"command": "auto", "source": str(media), "method": method.value,
            "balance": {"white_gains": [round(g, 4) for g in res.white_gains],
                        "exposure_stops": res.exposure_stops, "clipped_before": round(res.clipped_before, 5),
                        "clipped_after": round(res.clipped_after, 5)},
            "grade": res.grade.describe(), **outputs, "notes": list(res.notes)}
    emit(data, fmt, _stats_text)


def _even_text(d: dict[str, Any]) -> None:
    out_console.print(f"[bold]{d['source']}[/] — {len(d['shots'])} shots, hero shot {d['hero']} ({d['method']})")
    for s in d["shots"]:
        out_console.print(f"  shot {s['index']:3d}  frames {s['start']:6d}-{s['end']:<6d}  ΔE00 to hero "
                          f"{s['mean_delta_e_to_hero_before']:6.2f} → {s['mean_delta_e_to_hero_after']:6.2f}  "
                          f"LUT {s['lut_size']}³ ({s['lut_max_error_8bit']}/255)"
                          + (f"  {s['lut']}" if s.get("lut") else ""))
        for n in s["notes"]:
            if "differ a lot" in n:
                out_console.print(f"           note: {n}")
    for key in ("render", "preview"):
        if d.get(key):
            out_console.print(f"  {key:10s}  {d[key]}")


def even_cmd(
    video: Annotated[Path, typer.Argument(help="Video whose shots should match.", show_default=False)],
    hero: Annotated[int, typer.Option("--hero", help="Index of the hero shot the others are matched to.",
                                      show_default=False)],
    shots: Annotated[Path | None, typer.Option(
        "--shots", help="Shots JSON from `reel shots --format json` (default: detect the shots).")] = None,
    method: Annotated[MatchMethod, typer.Option("--method", "-m", help="Match method.")] = MatchMethod.content,
    render: Annotated[Path | None, typer.Option("--render", help="Write the evened video.")] = None,
    lut_dir: Annotated[Path | None, typer.Option(
        "--lut-dir", help="Write one .cube per shot into this folder (VIDEO-STEM_shotNN.cube).")] = None,
    preview: PreviewOpt = None,
    frames: FramesOpt = 8,
    strength: StrengthOpt = 1.0,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    fmt: FormatOpt = OutFormat.text,
    force: ForceOpt = False,
) -> None:
    """Match every shot of a sequence to a hero shot: one grade per shot, so nothing flickers.

    Shots come from reelkit's shot detection (shared with `reel shots` through the media index), or
    from --shots (the JSON of `reel shots`). The per-shot grades are kept in the media index too: a
    second run with the same options on the unchanged video reads them back (--no-index to refit).

    Examples:

      reel grade even scene.mp4 --hero 0 --render scene_even.mp4 --preview even.png

      reel shots scene.mp4 -f json > shots.json && reel grade even scene.mp4 --hero 2 --shots shots.json --lut-dir luts/
    """
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
        with progress_bar("finding shots") as prog:
            spans = shots_for(video, progress=prog, index=index, use_index=not no_index, warn=warn_line)
    with progress_bar("matching shots", unit="shots") as prog:
        grades, cached = fit_shot_grades_cached(video, spans, hero, method=method.value, frames_per_shot=frames,
                                                strength=strength, progress=prog, index=index,
                                                use_index=not no_index, warn=warn_line)
    if cached:
        err_console.print("shot grades read from the media index (same video, shots and options; "
                          "--no-index to fit them again)")
    lut_paths = write_shot_luts(grades, lut_dir, stem=video.stem, force=force) if lut_dir is not None else []
    if render is not None:
        with progress_bar("grading") as prog:
            render_graded(video, render, [GradedRange(g.shot.start, g.shot.end, g.lut) for g in grades],
                          force=force, progress=prog)
    if preview is not None:
        rows = []
        hero_img = None
        mids = []
        for g in grades:
            mid = (g.shot.start + g.shot.end) // 2
            mids.append(video_frame(video, mid, max_side=480, info=info))
        hero_img = mids[hero]
        for g, img in zip(grades, mids, strict=True):
            rows.append(preview_image([(f"shot {g.shot.index} before", img),
                                       ("after", np.clip(g.lut.apply(img), 0, 1)), ("hero", hero_img)], height=180))
        width = max(r.shape[1] for r in rows)
        pad = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
        save_image(preview, np.concatenate(pad, 0).astype(np.float64) / 255.0, force=force)
    data = {"command": "even", "source": str(video), "hero": hero, "method": method.value,
            "shots": [{**g.to_dict(), "lut_max_error_8bit": round(g.lut_error * 255, 3),
                       "lut": str(lut_paths[i]) if lut_paths else None} for i, g in enumerate(grades)],
            "render": str(render) if render else None, "preview": str(preview) if preview else None}
    for s in data["shots"]:
        s.pop("lut_max_error")
        s["notes"] += _far_note(s["mean_delta_e_to_hero_before"])
    emit(data, fmt, _even_text)


def apply_cmd(
    media: Annotated[Path, typer.Argument(help="Media to grade (video or still).", show_default=False)],
    lut: Annotated[Path, typer.Option("--lut", help="A .cube LUT (IRIDAS or Resolve; 1-D, 3-D or shaper + 3-D).",
                                      show_default=False)],
    render: Annotated[Path, typer.Option("--render", help="Graded output (video or still).", show_default=False)],
    preview: PreviewOpt = None,
    fmt: FormatOpt = OutFormat.text,
    force: ForceOpt = False,
) -> None:
    """Apply a .cube LUT (from reelkit, Resolve, a camera maker...) to a video or a still.

    Tetrahedral interpolation; LUTs that are not a plain 3-D table on [0, 1] (shapers, 1-D tables,
    other input ranges) are resampled into a 65³ table for FFmpeg first (the error is reported).

    Examples:

      reel grade apply clip.mp4 --lut LogC_to_709.cube --render clip_709.mp4

      reel grade apply still.png --lut look.cube --render still_look.png --preview check.png
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
        if is_image(render):
            raise UsageError(f"{media} is a video: give --render a video name (.mp4, .mov, .mkv)")
        n = probe(media).require_video().frames or 10**9
        with progress_bar("grading") as prog:
            render_graded(media, render, [GradedRange(0, n, render_lut)], force=force, progress=prog)
    if preview is not None:
        before = middle_still(media).rgb
        _write_preview(preview, [("before", before), ("after", np.clip(cube.apply(before), 0, 1))], force)
    data = {"command": "apply", "source": str(media), "lut": str(lut), "lut_title": cube.title,
            "lut_size": cube.size, "shaper_size": None if cube.shaper is None else int(cube.shaper.shape[0]),
            "resampled_for_render": not plain, "resample_max_error_8bit": round(err * 255, 3),
            "render": str(render), "preview": str(preview) if preview else None}
    emit(data, fmt, lambda d: out_console.print(
        f"[bold]{d['source']}[/] graded with {d['lut']} → {d['render']}"
        + (f" (resampled to 65³, max error {d['resample_max_error_8bit']}/255)" if d["resampled_for_render"] else "")))


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo`` step: shot matching and auto balance on the sample, with before/after previews.

    A "camera B" version of shot 1 (cooler, flatter, darker: a known look) is matched back to
    another frame of shot 1 (the figure has moved), the grade is exported as a .cube, and shot 1
    is auto-balanced.
    """
    def frame(k: int) -> np.ndarray:
        return video_frame(sample, k)

    from reelkit.color.shotmatch import match_shots
    from reelkit.color.spaces import decode, delta_e_2000, encode, rgb_to_lab

    hero, other, wall = frame(120), frame(170), frame(150)
    lin = decode(other) * np.array([0.82, 0.97, 1.15]) * 0.8
    cam_b = np.round(np.clip(0.06 + 0.85 * encode(lin), 0, 1) * 255) / 255  # lifted blacks, cool, -0.3 stop
    sm = match_shots([cam_b], [hero])
    res = MatchResult(sm.grade, sm.mode, sm.notes)
    lut, err = res.grade.to_lut()
    for name in ("grade_camB_to_hero.cube", "grade_match_preview.png", "grade_auto_preview.png"):
        declare(out_dir / name, sources=[sample],
                actions=[Action("colour", name.split(".")[0].replace("_", " "))])
    write_cube(lut, out_dir / "grade_camB_to_hero.cube", force=True)
    after = apply_grade_image(res.grade, cam_b)
    save_image(out_dir / "grade_match_preview.png",
               preview_image([("camera B (before)", cam_b), ("matched (after)", after),
                              ("reference: hero frame", hero)]).astype(np.float64) / 255.0, force=True)
    de_before = float(delta_e_2000(rgb_to_lab(cam_b), rgb_to_lab(other)).mean())
    de_after = float(delta_e_2000(rgb_to_lab(after), rgb_to_lab(other)).mean())
    bal = auto_balance(pixel_sample([wall]))
    save_image(out_dir / "grade_auto_preview.png",
               preview_image([("shot 1 before", wall), ("auto balance", apply_grade_image(bal.grade, wall))]
                             ).astype(np.float64) / 255.0, force=True)
    return (f"matched a camera-B look of shot 1 to a hero frame (content-aware, matched on {sm.mode}, "
            f"confidence {sm.confidence:.2f}): ΔE00 to the true frame {de_before:.1f} → {de_after:.1f}; "
            f"grade_match_preview.png, grade_camB_to_hero.cube ({lut.size}³, within "
            f"{err * 255:.2f}/255 of the grade)\n"
            f"auto balance of shot 1: white gains {[round(g, 3) for g in bal.white_gains]}, exposure "
            f"{bal.exposure_stops:+.2f} stops → grade_auto_preview.png")


def register(app: typer.Typer) -> None:
    """Add ``grade`` (match / auto / even / apply) to the root app."""
    grade_app.command("match")(match_cmd)
    grade_app.command("auto")(auto_cmd)
    grade_app.command("even")(even_cmd)
    grade_app.command("apply")(apply_cmd)
    app.add_typer(grade_app, name="grade")
