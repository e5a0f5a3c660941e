"""``reel shots VIDEO``: shot boundaries and a shot log, as JSON/CSV or an NLE timeline; split files."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reelkit.analysis.shotlog import log_shots
from reelkit.analysis.shots import ShotDetection
from reelkit.cli._ui import ForceOpt, MediaIndexOpt, NoIndexOpt, err_console, progress_bar, to_json, warn_line
from reelkit.errors import UsageError
from reelkit.fileio import check_input_file, check_output_path, write_text
from reelkit.media import MediaInfo, probe
from reelkit.time import frame_to_timecode

__all__ = ["demo_step", "register", "shots_cmd", "timeline_ranges"]


class ShotsFormat(StrEnum):
    """What ``reel shots`` writes."""

    json = "json"
    csv = "csv"
    edl = "edl"
    otio = "otio"
    fcpxml = "fcpxml"


CSV_FIELDS = ["index", "start", "end", "frames", "start_tc", "end_tc", "start_s", "end_s", "camera_movement",
              "shot_size", "exposure", "colour_cast", "sharpness", "dominant_colours", "thumbnail"]


def to_csv(det: ShotDetection) -> str:
    """One row per shot (timecodes drop-frame at 29.97/59.94; end timecode is the last frame)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for s in det.shots:
        log = s.log or {}
        w.writerow({
            "index": s.index, "start": s.start, "end": s.end, "frames": s.frames,
            "start_tc": frame_to_timecode(s.start, det.rate), "end_tc": frame_to_timecode(s.end, det.rate),
            "start_s": log.get("start_s", ""), "end_s": log.get("end_s", ""),
            "camera_movement": (log.get("camera") or {}).get("movement", ""),
            "shot_size": log.get("shot_size") or "",
            "exposure": (log.get("exposure") or {}).get("verdict", ""),
            "colour_cast": (log.get("white_balance") or {}).get("cast", ""),
            "sharpness": (log.get("sharpness") or {}).get("verdict", ""),
            "dominant_colours": " ".join(c["hex"] for c in log.get("dominant_colours") or []),
            "thumbnail": log.get("thumbnail", ""),
        })
    return buf.getvalue()


def timeline_ranges(det: ShotDetection) -> list[tuple[int, int]]:
    """Shot ranges ``[start, end)`` in edit-rate frames for the timeline exports.

    Constant-rate footage: the decoded frame indices. Variable-rate footage: each boundary's real
    presentation time mapped to the nearest frame at the average rate, so the exported timecodes
    point at the same moments as the decoded frames.
    """
    if not det.vfr or det.times_s is None:
        return [(s.start, s.end + 1) for s in det.shots]
    t0 = float(det.times_s[0])

    def at(frame: int) -> int:
        if frame >= det.frame_count:
            last = float(det.times_s[-1]) - t0 + float(1 / det.rate)
            return round(last * float(det.rate))
        return round((float(det.times_s[frame]) - t0) * float(det.rate))

    return [(at(s.start), at(s.end + 1)) for s in det.shots]


def export_string(det: ShotDetection, info: MediaInfo, fmt: str) -> str:
    """The shot list as an OTIO / FCPXML / EDL timeline (one clip per shot) via ``reelkit.timeline``."""
    from reelkit.timeline import ranges_timeline, timeline_to_string

    ranges = timeline_ranges(det)
    tl = ranges_timeline(info, ranges, name=f"{Path(det.video).stem} shots", audio=info.audio is not None,
                         frames=max(det.frame_count, ranges[-1][1] if ranges else 0))
    return timeline_to_string(tl, fmt)


def _summary(det: ShotDetection) -> str:
    lines = []
    for s in det.shots:
        log = s.log or {}
        tc = frame_to_timecode(s.start, det.rate)
        cam = (log.get("camera") or {}).get("movement", "?")
        size = log.get("shot_size") or "-"
        lines.append(f"  shot {s.index + 1:>3}  {tc}  frames {s.start:>6}-{s.end:<6} {cam:<10} {size}")
    trs = ", ".join(f"{t.type}@{t.start}" + (f"-{t.end}" if t.type != "cut" else "") for t in det.transitions)
    return f"{len(det.shots)} shots, transitions: {trs or 'none'}\n" + "\n".join(lines)


def shots_cmd(
    video: Annotated[Path, typer.Argument(help="Video file to analyse.", show_default=False)],
    fmt: Annotated[ShotsFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
                   ] = ShotsFormat.json,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
                      ] = None,
    thumbnails: Annotated[Path | None, typer.Option("--thumbnails", help="Folder for one JPEG per shot.")] = None,
    split: Annotated[Path | None, typer.Option("--split", help="Folder for one video file per shot.")] = None,
    subjects_backend: Annotated[str, typer.Option("--subjects-backend", help="Face/person detector backend.")
                                ] = "auto",
    detect_only: Annotated[bool, typer.Option("--detect-only", help="Boundaries only: no shot log (faster).")
                           ] = False,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
    force: ForceOpt = False,
) -> None:
    """Find the shots of a video (cuts, dissolves, fades, wipes) and log each shot.

    Prints JSON (default) or CSV, or an OTIO / FCPXML / CMX3600 EDL timeline with one clip per shot.
    Frames are 0-based decoded-frame indices; a cut at N means frame N starts the new shot.
    One decode serves the boundaries and the log; results are kept in the media index, so a second
    run on the same content (even renamed or moved) reads them back instead of decoding again.

    Examples:

      reel shots film.mp4 > shots.json

      reel shots film.mp4 --detect-only          # boundaries only, same JSON minus the log fields

      reel shots film.mp4 --format csv --thumbnails thumbs/ -o shots.csv

      reel shots film.mp4 --format fcpxml -o film-shots.fcpxml

      reel shots film.mp4 --split shots/      # one .mp4 per shot, frame-exact
    """
    from reelkit.index.analyze import shots as shots_job

    src = check_input_file(video, what="video")
    if output is not None:
        check_output_path(output, force=force)
    if detect_only and thumbnails is not None:
        raise UsageError("--thumbnails needs the shot log; drop --detect-only")
    with progress_bar("shots", unit="frames") as prog:  # (probes only when it has to decode)
        det, _cached = shots_job(src, index=index, use_index=not no_index, detect_only=detect_only,
                                 thumbnails=thumbnails, force=force, subjects_backend=subjects_backend,
                                 progress=prog, warn=warn_line)
    info: MediaInfo | None = None
    if fmt == ShotsFormat.json:
        text = to_json(det.to_dict()) + "\n"
    elif fmt == ShotsFormat.csv:
        text = to_csv(det)
    else:
        info = probe(src)
        text = export_string(det, info, fmt.value)
        if not text.endswith("\n"):
            text += "\n"
    if split is not None:
        with progress_bar("split", unit="frames") as prog:
            from reelkit.render.split import split_shots

            paths = split_shots(info or probe(src), [(sh.start, sh.end) for sh in det.shots], split,
                                rate=det.rate, force=force, progress=prog)
        err_console.print(f"wrote {len(paths)} shot files to {split}")
    if output is not None:
        write_text(output, text, force=force)
    else:
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo`` step: the shot list of the sample film (thumbnails and JSON into ``out_dir``)."""
    det = log_shots(sample, thumbnails=out_dir / "shots", force=True)
    write_text(out_dir / "shots.json", to_json(det.to_dict()) + "\n", force=True)
    return _summary(det) + f"\n  shot list: {out_dir / 'shots.json'}, thumbnails: {out_dir / 'shots'}"


def register(app: typer.Typer) -> None:
    """Add ``shots`` to the root app."""
    app.command("shots")(shots_cmd)
