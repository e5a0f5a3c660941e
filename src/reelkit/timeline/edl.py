"""CMX3600 EDL writer (what Premiere Pro, Resolve and Avid import).

One event per clip; when the audio track holds the same clips as the video track (a ranges timeline)
each event carries both (``B`` for mono, ``AA/V`` for stereo), otherwise video and audio events are
listed separately. Timecode is drop-frame (``HH:MM:SS;FF``, ``FCM: DROP FRAME``) at 29.97/59.94 and
non-drop elsewhere, computed with :mod:`reelkit.time` from integer frames (no float drift).
Each event is followed by ``* FROM CLIP NAME:`` and ``* SOURCE FILE:`` comments naming the media.
"""

from __future__ import annotations

import re

import opentimelineio as otio

from reelkit.time import frame_to_timecode, from_rational_time, is_drop_frame_rate
from reelkit.timeline.build import ClipSpan, TrackSpans, timeline_tracks

__all__ = ["timeline_to_edl"]


def _reel(clip: ClipSpan) -> str:
    return "AX"  # auxiliary source: the NLE finds the media by the FROM CLIP NAME / SOURCE FILE comments


def _same_clips(a: TrackSpans, b: TrackSpans) -> bool:
    return [(c.record_start, c.duration, c.source_start, c.path) for c in a.items] == [
        (c.record_start, c.duration, c.source_start, c.path) for c in b.items]


def timeline_to_edl(timeline: otio.schema.Timeline) -> str:
    """The timeline as CMX3600 EDL text (``\\r\\n`` is not used; NLEs accept ``\\n``).

    Uses the first video track and the first audio track. Raises :class:`InputFormatError` for
    timelines with transitions (see :func:`reelkit.timeline.build.timeline_tracks`).
    """
    rate, tracks = timeline_tracks(timeline)
    df = is_drop_frame_rate(rate)
    start = from_rational_time(timeline.global_start_time, rate) if timeline.global_start_time else 0
    video = next((t for t in tracks if t.kind == "video"), None)
    audio = next((t for t in tracks if t.kind == "audio"), None)

    def tc(frame: int) -> str:
        return frame_to_timecode(frame, rate, drop_frame=df)

    title = re.sub(r"[\r\n]+", " ", timeline.name or "reelkit").strip()[:70] or "reelkit"
    lines = [f"TITLE: {title}", f"FCM: {'DROP FRAME' if df else 'NON-DROP FRAME'}", ""]
    groups: list[tuple[TrackSpans, str]] = []
    if video is not None and audio is not None and _same_clips(video, audio):
        stereo = any((c.media.get("channels") or 1) >= 2 for c in audio.clips)
        groups.append((video, "AA/V" if stereo else "B"))
    else:
        if video is not None:
            groups.append((video, "V"))
        if audio is not None:
            stereo = any((c.media.get("channels") or 1) >= 2 for c in audio.clips)
            groups.append((audio, "AA" if stereo else "A"))
    n = 0
    for track, channels in groups:
        for clip in track.clips:
            assert clip.source_start is not None and clip.path is not None
            n += 1
            rec_in = start + clip.record_start
            lines.append(
                f"{n:03d}  {_reel(clip):<8} {channels:<5} C        "
                f"{tc(clip.source_start)} {tc(clip.source_start + clip.duration)} "
                f"{tc(rec_in)} {tc(rec_in + clip.duration)}"
            )
            lines.append(f"* FROM CLIP NAME: {clip.path.name}")
            lines.append(f"* SOURCE FILE: {clip.path}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
