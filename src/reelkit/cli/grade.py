"""``reel grade``: colour match to a reference, automatic balance, shot-to-shot consistency, LUT export."""

from __future__ import annotations

from contextlib import AbstractContextManager
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
from reelkit.color.grade import apply_grade_image
from reelkit.color.imageio import preview_image, save_image, video_frame
from reelkit.color.jobs import grade_apply, grade_auto, grade_even, grade_match
from reelkit.color.lut import write_cube
from reelkit.color.transfer import MatchResult, pixel_sample
from reelkit.progress import ProgressFn
from reelkit.provenance import Action, declare

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


def _bar(name: str) -> AbstractContextManager[ProgressFn | None]:
    """One progress bar per stage of a grade job (shots counted in shots, the rest in frames)."""
    return progress_bar(name, unit="shots" if name == "matching shots" else "frames")


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
    data = grade_match(src, ref, method=method.value, frames=frames, strength=strength, lut=lut, render=render,
                       preview=preview, lut_size=lut_size, lut_flavour=lut_flavour.value, force=force,
                       stage=_bar)
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
    data = grade_auto(media, method=method.value, exposure=exposure, frames=frames, lut=lut, render=render,
                      preview=preview, lut_size=lut_size, lut_flavour=lut_flavour.value, force=force, stage=_bar)
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
    data = grade_even(video, hero, shots=shots, method=method.value, frames=frames, strength=strength,
                      render=render, lut_dir=lut_dir, preview=preview, force=force, index=index,
                      use_index=not no_index, stage=_bar, warn=warn_line, note=err_console.print)
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
    data = grade_apply(media, lut, render, preview=preview, force=force, stage=_bar)
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
