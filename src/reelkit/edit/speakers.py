"""Speaker labels on edit timelines: each clip is named after the speaker of most of its words.

NLEs show clip names on the timeline, so an editor sees who talks in every clip of a text or
silence cut (Premiere, Resolve and Final Cut keep the names through OTIO, FCP XML, FCPXML and EDL).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import opentimelineio as otio

from reelkit.edit.ranges import TimedWord
from reelkit.time import parse_rate

__all__ = ["name_clips_by_speaker"]


def name_clips_by_speaker(timeline: otio.schema.Timeline, words: Sequence[TimedWord], sample_rate: int) -> int:
    """Append `` — S1`` (the speaker of most of the clip's speech) to each clip's name, in place.

    Clips must carry ``metadata["reelkit"]["source_frames"]`` (as :func:`reelkit.timeline.ranges_timeline`
    makes them) and the timeline ``metadata["reelkit"]["rate"]``; words need a ``speaker`` attribute
    (others are ignored). The label also goes to ``clip.metadata["reelkit"]["speaker"]``.

    Returns:
        how many clips were named.
    """
    meta = timeline.metadata.get("reelkit") or {}
    if "rate" not in meta:
        return 0
    rate = parse_rate(str(meta["rate"]))
    spoken = [(Fraction(w.start, sample_rate), Fraction(w.end, sample_rate), getattr(w, "speaker", None))
              for w in words]
    spoken = [s for s in spoken if s[2] is not None]
    named = 0
    for track in timeline.tracks:
        for clip in track.find_clips():
            frames = (clip.metadata.get("reelkit") or {}).get("source_frames")
            if not frames:
                continue
            c0, c1 = Fraction(int(frames[0])) / rate, Fraction(int(frames[1])) / rate
            votes: Counter[str] = Counter()
            for a, b, who in spoken:
                inside = min(b, c1) - max(a, c0)
                if inside > 0:
                    votes[who] += float(inside)
            if votes:
                who = votes.most_common(1)[0][0]
                clip.name = f"{clip.name} — {who}"
                clip.metadata["reelkit"]["speaker"] = who
                named += 1
    return named
