"""SRT and WebVTT caption files from :class:`reelkit.edit.captions.Cue` lists (exact times, ms rounding)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from reelkit.edit.captions import Cue
from reelkit.errors import UsageError
from reelkit.fileio import write_text

__all__ = ["CAPTION_FORMATS", "cues_to_srt", "cues_to_vtt", "write_captions"]

CAPTION_FORMATS = ("srt", "vtt")


def _ms(t: Fraction) -> int:
    return max(0, math.floor(t * 1000 + Fraction(1, 2)))


def _stamp(t: Fraction, sep: str) -> str:
    ms = _ms(t)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _clean(line: str) -> str:
    return line.replace("\r", " ").replace("\n", " ").replace("-->", "->")


def cues_to_srt(cues: Sequence[Cue]) -> str:
    """SubRip text: numbered blocks ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` and the cue lines."""
    blocks = []
    for i, c in enumerate(cues, start=1):
        lines = [_clean(x) for x in c.lines]
        if c.speaker and lines:  # SRT has no voice tag: the usual "NAME: " prefix
            lines[0] = f"{_clean(c.speaker)}: {lines[0]}"
        blocks.append(f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def cues_to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT text: ``WEBVTT`` header and ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` cues."""
    blocks = ["WEBVTT"]
    for c in cues:
        lines = [_clean(x).replace("&", "&amp;").replace("<", "&lt;") for x in c.lines]
        if c.speaker and lines:  # WebVTT voice span
            lines[0] = f"<v {_clean(c.speaker).replace('>', '')}>{lines[0]}"
        blocks.append(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write_captions(cues: Sequence[Cue], path: str | os.PathLike[str], fmt: str | None = None, *,
                   force: bool = False) -> Path:
    """Write ``cues`` as SRT or WebVTT (format from ``fmt`` or the file suffix), atomically.

    Raises:
        UsageError: unknown format. OutputExistsError / OutputError: see :func:`reelkit.fileio.atomic_output`.
    """
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in CAPTION_FORMATS:
        raise UsageError(f"unknown caption format {fmt!r}; use .srt or .vtt")
    return write_text(path, cues_to_srt(cues) if fmt == "srt" else cues_to_vtt(cues), force=force)
