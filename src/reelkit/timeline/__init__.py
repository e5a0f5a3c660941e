"""Timelines: build OTIO edits from frame ranges and export them to the NLEs.

>>> from reelkit.media import probe
>>> from reelkit.timeline import ranges_timeline, export_timeline
>>> tl = ranges_timeline(probe("talk.mp4"), [(0, 120), (300, 480)], name="talk cut")   # doctest: +SKIP
>>> export_timeline(tl, "talk.fcpxml", "fcpxml")                                          # doctest: +SKIP
"""

from reelkit.timeline.build import (
    ClipSpan,
    TrackSpans,
    media_frame_count,
    media_start_frame,
    ranges_timeline,
    timeline_rate,
    timeline_tracks,
)
from reelkit.timeline.export import EXPORT_FORMATS, EXPORT_SUFFIXES, export_timeline, timeline_to_string

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_SUFFIXES",
    "ClipSpan",
    "TrackSpans",
    "export_timeline",
    "media_frame_count",
    "media_start_frame",
    "ranges_timeline",
    "timeline_rate",
    "timeline_to_string",
    "timeline_tracks",
]
