"""``reel probe FILE...``: container and stream facts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import FormatOpt, OutFormat, emit, out_console
from reelkit.media import probe


def _text(items: list[dict[str, Any]]) -> None:
    for d in items:
        out_console.print(f"[bold]{d['path']}[/]  ({d['container']}, "
                          f"{d['duration_s'] if d['duration_s'] is not None else '?'} s)")
        v = d["video"]
        if v:
            extra = ", VFR" if v["vfr"] else ""
            rot = f", rotated {v['rotation']}°" if v["rotation"] else ""
            out_console.print(f"  video  {v['width']}×{v['height']} @ {v['rate'] or 'unknown'} fps, "
                              f"{v['frames'] if v['frames'] is not None else '?'} frames, {v['pix_fmt']} "
                              f"{v['bit_depth']}-bit, SAR {v['sar'] or '?'}{rot}{extra}")
        else:
            out_console.print("  video  none")
        a = d["audio"]
        if a:
            out_console.print(f"  audio  {a['sample_rate']} Hz, {a['channels']} ch ({a['layout']})")
        else:
            out_console.print("  audio  none")


def probe_cmd(
    files: Annotated[list[Path], typer.Argument(help="Media files to inspect.", show_default=False,
                                                readable=False)],
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Show what media files hold: container, duration, video and audio streams.

    Unknown fields are reported as unknown (null in JSON), never guessed.

    Examples:

      reel probe clip.mp4

      reel probe *.mov --format json     # one JSON object per file in a list
    """
    results = [probe(f).to_dict() for f in files]
    emit(results if len(results) > 1 else results[0], fmt,
         lambda d: _text(d if isinstance(d, list) else [d]))


def register(app: typer.Typer) -> None:
    """Add ``probe`` to the root app."""
    app.command("probe")(probe_cmd)
