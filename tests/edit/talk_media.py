"""Real talking-head material joined into one video (the GRID corpus clips: four speakers, one sentence each).

The shared data holds no long video talk with a face; joining the GRID clips (CC BY 4.0, Cooke et al. 2006)
through the project's renderer gives a real 12-second multi-speaker video with frontal faces and speech.
"""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from reelkit.media import probe
from reelkit.render import render_timeline
from reelkit.timeline import media_frame_count, ranges_timeline

GRID = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "av" / "grid").resolve()
GRID_CLIPS = ["grid_s2_swwp2s.mpg", "grid_bbaf2n.mpg", "grid_pwij3p.mpg", "grid_lbax4n.mpg"]
#: the sentence each clip says (the corpus's own label, from the file name)
GRID_TEXT = {"grid_s2_swwp2s.mpg": "set white with p two soon", "grid_pwij3p.mpg": "place white in j three please",
             "grid_bbaf2n.mpg": "bin blue at f two now", "grid_lbax4n.mpg": "lay blue at x four now"}


def joined_timeline(paths: list[Path], name: str = "joined") -> otio.schema.Timeline:
    """One timeline playing each file whole, one after the other (tracks V1 and A1)."""
    out: otio.schema.Timeline | None = None
    for p in paths:
        info = probe(p)
        tl = ranges_timeline(info, [(0, media_frame_count(info, info.require_rate()))], name=name)
        if out is None:
            out = tl
            continue
        for dst, src in zip(out.tracks, tl.tracks, strict=True):
            for clip in list(src):
                src.remove(clip)
                dst.append(clip)
    assert out is not None
    return out


def join_media(paths: list[Path], out: Path) -> Path:
    """Render ``paths`` back to back into ``out`` (.mp4) with the project's renderer."""
    render_timeline(joined_timeline(paths), out, force=True)
    return out


def grid_talk(out: Path) -> Path:
    """The four GRID clips joined (about 12 s, 360x288, 25 fps)."""
    return join_media([GRID / c for c in GRID_CLIPS], out)
