"""``reel analyze``, ``reel find`` and ``reel index status|clear|export``: the media index from the shell."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import ForceOpt, OutFormat, emit, err_console, out_console, progress_bar, to_json
from reelkit.errors import BackendUnavailable, UsageError
from reelkit.fileio import check_output_path, write_text

__all__ = ["register"]

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Media index file (default: .reelkit/index.sqlite in "
                                               "the first folder or beside the first file; $REELKIT_INDEX).")]

index_app = typer.Typer(name="index", help="Inspect, export or clear the media index.", no_args_is_help=True)


def _with_path(path: str, error: str | None) -> str:
    """``path: error``, without naming the path twice when the error message already starts with it."""
    msg = error or "unknown error"
    return msg if msg.startswith(str(path)) else f"{path}: {msg}"


def analyze_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files and/or folders (searched recursively).",
                                                show_default=False)],
    index: IndexOpt = None,
    workers: Annotated[int, typer.Option("--workers", "-j", help="Local worker processes.")] = 1,
    ray: Annotated[str | None, typer.Option("--ray", help="Run the files as Ray tasks: 'local' starts a local Ray "
                                            "with --workers CPUs, or give a cluster address.")] = None,
    full_hash: Annotated[bool, typer.Option("--full-hash", help="Fingerprint every byte (slow on big files).")
                         ] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Analyse files that failed before again.")
                            ] = False,
    subjects_backend: Annotated[str, typer.Option("--subjects-backend", help="Face/person detector backend "
                                            "(auto: mediapipe where installed, else opencv).")] = "auto",
    speech: Annotated[bool, typer.Option("--speech", help="Also transcribe (Whisper base) so `reel find` can "
                                         "search what is said.")] = False,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
                   ] = OutFormat.text,
) -> None:
    """Analyse media files into the index: shots, shot log, loudness — one decode per file
    (and, with --speech, a transcript, which Whisper reads in a pass of its own).

    Media is recognised by probing (not by extension); other files are skipped. A killed run resumes
    where it stopped; a bad file is recorded with its error and the others continue. Exit status 1
    when any file failed.

    Examples:

      reel analyze footage/                      # index in footage/.reelkit/index.sqlite

      reel analyze footage/ --workers 2

      reel analyze footage/ --ray local --workers 2      # the same job as Ray tasks

      reel analyze a.mp4 b.mov --index project.sqlite -f json

      reel analyze interviews/ --speech && reel find "the palace" --index interviews/.reelkit/index.sqlite
    """
    from reelkit.index.analyze import AnalyzeOptions, analyze_paths

    if ray is not None and ray.strip() == "":
        raise UsageError("--ray needs 'local' or a cluster address")
    opts = AnalyzeOptions(subjects_backend=subjects_backend, full_hash=full_hash, retry_failed=retry_failed,
                          speech=speech)
    with progress_bar("analyze", unit="files") as prog:
        report = analyze_paths(paths, index=index, workers=workers, ray_address=ray, options=opts, progress=prog)

    def text(_: Any) -> None:
        c = report.counts()
        for o in report.outcomes:
            if o.status == "failed":
                err_console.print(f"failed: {_with_path(o.path, o.error)}", markup=False)
        out_console.print(f"{c['done']} analysed, {c['cached']} already in the index, {c['failed']} failed, "
                          f"{c['skipped']} skipped (not media) in {report.wall_s:.1f} s -> {report.index}",
                          markup=False)

    emit(report.to_dict(), fmt, text)
    if report.counts()["failed"]:
        raise typer.Exit(1)


class FindFormat(StrEnum):
    """What ``reel find`` prints."""

    text = "text"
    json = "json"
    otio = "otio"


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def find_cmd(
    phrase: Annotated[str | None, typer.Argument(help="Words or a phrase to find in stored transcripts.",
                                                 show_default=False)] = None,
    index: IndexOpt = None,
    size: Annotated[list[str] | None, typer.Option("--size", help="Shot size(s): ECU CU MCU MS MWS WS EWS.")
                    ] = None,
    movement: Annotated[list[str] | None, typer.Option("--movement", help="Camera movement(s), e.g. pan_left.")
                        ] = None,
    exposure: Annotated[list[str] | None, typer.Option("--exposure", help="under / normal / over.")] = None,
    faces: Annotated[int | None, typer.Option("--faces", help="At least this many faces.")] = None,
    people: Annotated[int | None, typer.Option("--people", help="At least this many people.")] = None,
    min_loudness: Annotated[float | None, typer.Option("--min-loudness", help="Shot loudness at least (LUFS).")
                            ] = None,
    max_loudness: Annotated[float | None, typer.Option("--max-loudness", help="Shot loudness at most (LUFS).")
                            ] = None,
    speaker: Annotated[str | None, typer.Option("--speaker", help="Only phrases said by this speaker.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many hits.")] = None,
    fmt: Annotated[FindFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
                   ] = FindFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    force: ForceOpt = False,
) -> None:
    """Search the media index: shots by size, movement, exposure, faces, loudness; words in transcripts.

    Prints one line per hit (file, timecode, what matched), JSON, or an OTIO timeline of the hits
    (one clip per hit, ready for a bin).

    Examples:

      reel find --size CU --size MCU --faces 1

      reel find --movement pan_left,pan_right --exposure normal -f json

      reel find "the palace" --speaker S1 -f otio -o palace.otio
    """
    from reelkit.index.find import find, hits_timeline
    from reelkit.index.store import MediaIndex, index_path_for

    if output is not None:
        check_output_path(output, force=force)
    with MediaIndex(index_path_for(None, index), readonly=True) as idx:
        hits = find(idx, phrase=phrase, speaker=speaker, sizes=_split(size), movements=_split(movement),
                    exposures=_split(exposure), min_faces=faces, min_people=people, min_loudness=min_loudness,
                    max_loudness=max_loudness, limit=limit)
    if fmt == FindFormat.otio:
        import opentimelineio as otio

        text = otio.adapters.write_to_string(hits_timeline(hits), "otio_json") + "\n"
    elif fmt == FindFormat.json:
        text = to_json({"hits": [h.to_dict() for h in hits]}) + "\n"
    else:
        lines = []
        for h in hits:
            what = (f'"{h.text}"' + (f" ({h.speaker})" if h.speaker else "")) if h.kind == "words" else \
                f"shot {(h.shot or 0) + 1} {h.size or '-'} {h.movement or '-'} {h.exposure or '-'}" + \
                (f" faces={h.faces}" if h.faces else "") + \
                (f" {h.loudness_lufs:.1f} LUFS" if h.loudness_lufs is not None else "")
            lines.append(f"{h.path or h.fingerprint}  {h.timecode or f'{h.start_s:.3f}s'}  {what}")
        text = "\n".join(lines) + ("\n" if lines else "")
        if not hits:
            err_console.print("no hits")
    if output is not None:
        write_text(output, text, force=force)
    else:
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()


@index_app.command("status")
def status_cmd(index: IndexOpt = None, fmt: Annotated[OutFormat, typer.Option("--format", "-f",
               help="Output format.", case_sensitive=False)] = OutFormat.text) -> None:
    """What the index holds: media, results per detector, failed files, size.

    Examples:

      reel index status --index footage/.reelkit/index.sqlite -f json
    """
    from reelkit.index.store import MediaIndex, index_path_for

    with MediaIndex(index_path_for(None, index), readonly=True) as idx:
        st = idx.status()

    def text(d: dict[str, Any]) -> None:
        out_console.print(f"{d['index']}: {d['media']} media, {d['files']['done']} files done, "
                          f"{d['files']['failed']} failed, {d['shots']} shots, {d['words']} words, "
                          f"{d['bytes'] / 1e6:.2f} MB", markup=False)
        for k, n in d["results"].items():
            out_console.print(f"  {k}: {n}", markup=False)
        for f in d["failed"]:
            out_console.print(f"  failed: {_with_path(f['path'], f['error'])}", markup=False)
        for p in d["missing_paths"]:
            out_console.print(f"  missing: {p}", markup=False)

    emit(st, fmt, text)


@index_app.command("clear")
def clear_cmd(index: IndexOpt = None) -> None:
    """Delete the index (also a corrupt one); media files are never touched.

    Examples:

      reel index clear --index footage/.reelkit/index.sqlite
    """
    from reelkit.index.store import clear_index, index_path_for

    path = index_path_for(None, index)
    removed = clear_index(path)
    err_console.print(f"removed {path}" if removed else f"no index at {path}", markup=False)


class ExportFormat(StrEnum):
    """``reel index export`` formats."""

    json = "json"
    parquet = "parquet"


_TABLES = {
    "media": "SELECT fingerprint, size, duration_s, rate, info FROM media ORDER BY fingerprint",
    "paths": "SELECT path, fingerprint, size, mtime_ns, seen FROM paths ORDER BY path",
    "files": "SELECT path, fingerprint, status, error, seconds, updated FROM files ORDER BY path",
    "results": "SELECT fingerprint, detector, version, params, created, length(data) AS bytes FROM results "
               "ORDER BY fingerprint, detector",
    "shots": "SELECT fingerprint, shot, start_s, end_s, start_frame, end_frame, size, movement, exposure, mean_luma, "
             "faces, people, loudness_lufs FROM shots ORDER BY fingerprint, shot",
    "words": "SELECT fingerprint, pos, start_s, end_s, word, speaker FROM words ORDER BY fingerprint, pos",
}


def _tables(idx: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name, sql in _TABLES.items():
        out[name] = idx.query_dicts(sql)
    for m in out["media"]:
        m["info"] = json.loads(m["info"]) if m["info"] else None
    for r in out["results"]:
        r["params"] = json.loads(r["params"])
    return out


@index_app.command("export")
def export_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file, or a folder for Parquet (one file per "
                                         "table).")],
    index: IndexOpt = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="json or parquet (needs pyarrow).",
                                              case_sensitive=False)] = ExportFormat.json,
    force: ForceOpt = False,
) -> None:
    """Export the index tables (media, paths, files, results metadata, shots, words).

    Examples:

      reel index export -o index.json

      reel index export -f parquet -o index-parquet/
    """
    from reelkit.index.store import MediaIndex, index_path_for

    with MediaIndex(index_path_for(None, index), readonly=True) as idx:
        tables = _tables(idx)
    if fmt == ExportFormat.json:
        write_text(output, to_json({"index": str(idx.path), **tables}) + "\n", force=force)
        err_console.print(f"wrote {output}", markup=False)
        return
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BackendUnavailable("Parquet export needs pyarrow", hint="pip install pyarrow, or use -f json") from None
    from reelkit.fileio import atomic_output

    if output.exists() and not output.is_dir():
        raise UsageError(f"{output} is a file; Parquet export writes a folder of tables")
    output.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        for r in rows:
            for k, v in r.items():
                if isinstance(v, dict | list):
                    r[k] = json.dumps(v)
        table = pa.Table.from_pylist(rows) if rows else pa.table({})
        with atomic_output(output / f"{name}.parquet", force=force) as tmp:
            pq.write_table(table, tmp)
    err_console.print(f"wrote {len(tables)} tables to {output}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``analyze``, ``find`` and the ``index`` group to the root app."""
    app.command("analyze")(analyze_cmd)
    app.command("find")(find_cmd)
    app.add_typer(index_app)
