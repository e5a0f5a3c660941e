"""``reel camera plan | scene``: the virtual camera operator (lens-aware MPC) and scenes from shot lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reelkit.cli._ui import ForceOpt, FormatOpt, OutFormat, emit, out_console, progress_bar, to_json
from reelkit.errors import InputFormatError, UsageError

camera_app = typer.Typer(
    name="camera",
    help=("Virtual camera operator: plan camera position, orientation, zoom, focus and aperture from shot goals.\n\n"
          "Examples:\n\n"
          "  reel camera scene film.fountain --scene 1 -o scene.json\n\n"
          "  reel camera plan scene.json -o track.json --previz previz.mp4 --report plan.html"),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _size(size: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise UsageError(f"--previz-size must look like 640x360, got {size!r}") from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096):
        raise UsageError(f"--previz-size must be 16…4096 pixels a side, got {size!r}")
    return w, h


@camera_app.command("plan")
def plan_cmd(
    scene: Annotated[Path, typer.Argument(help="SCENE.json (see README 'Virtual camera operator').",
                                          show_default=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="TRACK.json to write "
                                                "(default: <scene>.track.json beside the scene).")] = None,
    previz: Annotated[Path | None, typer.Option("--previz", help="Render a previz MP4 with the planned lens.")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write an HTML report with plots.")] = None,
    gltf: Annotated[Path | None, typer.Option("--gltf", help="Camera animation as glTF binary (.glb) for "
                                              "Blender/Unreal.")] = None,
    chan: Annotated[Path | None, typer.Option("--chan", help="Camera animation as a Nuke .chan file.")] = None,
    previz_size: Annotated[str, typer.Option("--previz-size", help="Previz size WIDTHxHEIGHT.")] = "480x270",
    fmt: FormatOpt = OutFormat.text,
    force: ForceOpt = False,
) -> None:
    """Plan the camera for every shot of a scene with a receding-horizon MPC (CasADi + IPOPT, 10 Hz) and
    write the track; the plan is checked by an independent pinhole evaluator.

    Exits 1 when the plan is infeasible (the reasons are printed).

    Examples:

      reel camera plan scene.json

      reel camera plan scene.json -o track.json --previz previz.mp4 --report plan.html --gltf cam.glb
    """
    from reelkit.camera.planner import PlanInfeasible
    from reelkit.camera.planner_output import plan_to_files

    size = _size(previz_size)
    with progress_bar("planning", unit="steps") as prog:
        summary = plan_to_files(scene, track=output, previz=previz, report=report, gltf=gltf, chan=chan,
                                previz_size=size, force=force, progress=prog)

    def text(s: dict) -> None:
        m, sv = s["metrics"], s["solver"]
        out_console.print(f"planned {s['frames']} frames: placement error {m['placement_err_mean']:.4f} of the "
                          f"width (p95 {m['placement_err_p95']:.4f}), focus CoC over the limit in "
                          f"{100 * m['coc_over_share']:.1f} % of frames, {m['violations']} violations; "
                          f"solve {sv['wall_ms_mean']:.1f} ms mean / {sv['wall_ms_p95']:.1f} ms p95 wall "
                          f"({sv['cpu_ms_mean']:.1f} / {sv['cpu_ms_p95']:.1f} ms CPU)")
        for k, v in s["outputs"].items():
            out_console.print(f"wrote {k}: {v}")
        for issue in s["issues"]:
            out_console.print(f"issue: {issue}")

    emit(summary, fmt, text)
    if not summary["feasible"]:
        raise PlanInfeasible("the camera plan is infeasible: " + "; ".join(summary["issues"]))


@camera_app.command("scene")
def scene_cmd(
    script: Annotated[Path, typer.Argument(help="Screenplay (Fountain or .fdx).", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="SCENE.json to write.")],
    scene: Annotated[str | None, typer.Option("--scene", help="Scene number as printed (default: the first "
                                              "with characters).")] = None,
    blocking: Annotated[Path | None, typer.Option("--blocking", help="Blocking JSON: {\"subjects\": [{name, "
                                                  "height_m, track: [{t, position}]}]}.")] = None,
    platform: Annotated[str, typer.Option("--platform", help="drone, dolly or tripod.")] = "drone",
    max_shot: Annotated[float | None, typer.Option("--max-shot", help="Trim every shot to at most this many "
                                                   "seconds (quick previews).")] = None,
    force: ForceOpt = False,
) -> None:
    """Build a SCENE.json from the shot list of a screenplay (`reel script shotlist`) and a blocking.

    Examples:

      reel camera scene film.fountain --scene 1 -o scene.json

      reel camera scene film.fountain --blocking walk.json --platform drone -o scene.json
    """
    from reelkit.camera.planner_scene import scene_from_script
    from reelkit.fileio import write_text

    bl = None
    if blocking is not None:
        try:
            bl = json.loads(blocking.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputFormatError(f"cannot read blocking {blocking}: {exc}") from None
    d = scene_from_script(script, scene=scene, blocking=bl, platform=platform, max_shot_s=max_shot)
    write_text(output, to_json(d) + "\n", force=force)
    out_console.print(f"wrote {output}: {len(d['shots'])} shots, {len(d['subjects'])} subjects, "
                      f"{d['duration_s']:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the ``camera`` group to the root app."""
    app.add_typer(camera_app)
