"""Build OTIO timelines from source-frame ranges, and read them back as plain integer ranges.

A *ranges timeline* is the edit every reelkit operation produces: one clip per kept
``[start, end)`` range of SOURCE frames, all referencing the original media file (an
``ExternalReference`` with an absolute ``file://`` URL and the media's available range), one video
track and one audio track holding the same clips so picture and sound stay in sync. Times are
integer frames at the media's exact rate (``RationalTime(value=frames, rate=float(rate))``); the
exact :class:`~fractions.Fraction` rate is also kept in ``timeline.metadata["reelkit"]["rate"]``
as ``"30000/1001"`` so exporters never have to guess it back from a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from reelkit.errors import InputFormatError, UsageError
from reelkit.media import MediaInfo
from reelkit.time import (
    format_rate,
    from_rational_time,
    parse_rate,
    seconds_to_frame,
    timecode_to_frame,
    to_rational_time,
)

__all__ = [
    "ClipSpan",
    "TrackSpans",
    "media_frame_count",
    "media_start_frame",
    "ranges_timeline",
    "timeline_rate",
    "timeline_tracks",
]


def media_frame_count(info: MediaInfo, rate: Fraction) -> int:
    """Length of the media in frames at ``rate``: the video frame count when known, else the duration.

    Raises:
        UsageError: the media has neither a frame count nor a duration.
    """
    if info.video is not None and info.video.frames:
        return int(info.video.frames)
    dur = info.video.duration_s if info.video is not None and info.video.duration_s else info.duration_s
    if not dur:
        raise UsageError(f"{info.path}: unknown duration; cannot build a timeline over it")
    return seconds_to_frame(Fraction(dur), rate, rounding="nearest")


def media_start_frame(info: MediaInfo, rate: Fraction) -> int:
    """The media's start timecode as a frame count at ``rate`` (0 when the file has none).

    Camera and NLE files carry a start timecode (a QuickTime ``tmcd`` track or a ``timecode`` tag,
    e.g. ``01:00:00;00``); NLEs address source media by it, so exported source times include it.
    An unreadable or malformed timecode counts as none.
    """
    from reelkit.errors import ReelError
    from reelkit.media._open import open_input
    from reelkit.media.limits import default_limits

    try:
        with open_input(info.path, default_limits()) as c:
            tags = [dict(s.metadata) for s in c.streams if s.type in ("video", "data")] + [dict(c.metadata)]
    except ReelError:
        return 0
    for tag in tags:
        tc = tag.get("timecode")
        if tc:
            try:
                return timecode_to_frame(str(tc), rate)
            except ReelError:
                return 0
    return 0


def _media_metadata(info: MediaInfo, rate: Fraction) -> dict[str, Any]:
    v, a = info.video, info.audio
    return {
        "rate": format_rate(rate),
        "has_video": v is not None,
        "has_audio": a is not None,
        "width": v.display_size[0] if v else None,
        "height": v.display_size[1] if v else None,
        "sample_rate": a.sample_rate if a else None,
        "channels": a.channels if a else None,
    }


def ranges_timeline(
    info: MediaInfo,
    ranges: list[tuple[int, int]],
    *,
    name: str,
    audio: bool = True,
    rate: Fraction | None = None,
    frames: int | None = None,
) -> otio.schema.Timeline:
    """An OTIO timeline with one clip per ``[start, end)`` source-frame range of ``info``'s media.

    Args:
        info: probe result of the source media (the clips reference ``info.path``, made absolute).
        ranges: kept ranges in SOURCE frames (0-based decoded frame indices, as ``read_frames`` counts
            them), end exclusive, in playback order (they may repeat or go backwards; each becomes one
            clip). Empty ranges are skipped. In the OTIO clips the media's start timecode (see
            :func:`media_start_frame`) is added, as NLEs expect.
        name: timeline name (shown by the NLE as the sequence/project name).
        audio: add an audio track (when the media has audio) holding the same clips as the video.
        rate: edit rate; default the video's rate. Required for audio-only media (there is no frame
            rate in the file, and reelkit does not invent one).
        frames: the media's length in frames as decoded, when the caller decoded it (an analysis result):
            a container without a frame count can state a duration short of what decodes (a GRID MPEG-1
            file: 2.98 s, 75 frames at 25 fps). Default: :func:`media_frame_count`.

    Returns:
        ``Timeline`` with tracks ``V1`` (video, when the media has video) and ``A1`` (audio), clips
        named ``<file stem> <n>``; ``timeline.metadata["reelkit"] = {"rate", "media", ...}``.

    Raises:
        UsageError: a range is negative, reversed or beyond the media; no rate for audio-only media;
            media with neither a usable video nor an audio stream.
    """
    if rate is None:
        if info.video is None:
            raise UsageError(f"{info.path} has no video; give an edit rate for its audio-only timeline (e.g. 25)")
        rate = info.require_rate()
    total = int(frames) if frames else media_frame_count(info, rate)
    clean: list[tuple[int, int]] = []
    for start, end in ranges:
        start, end = int(start), int(end)
        if start < 0 or end < start:
            raise UsageError(f"bad source range [{start}, {end}): start must be >= 0 and <= end")
        if end > total:
            raise UsageError(f"source range [{start}, {end}) goes beyond the media's {total} frames")
        if end > start:
            clean.append((start, end))
    path = Path(info.path).resolve()
    media_meta = _media_metadata(info, rate)
    tc0 = media_start_frame(info, rate)
    available = otio.opentime.TimeRange(to_rational_time(tc0, rate), to_rational_time(total, rate))

    def make_clip(i: int, start: int, end: int) -> otio.schema.Clip:
        ref = otio.schema.ExternalReference(target_url=path.as_uri(), available_range=available)
        ref.name = path.name
        ref.metadata["reelkit"] = dict(media_meta)
        return otio.schema.Clip(
            name=f"{path.stem} {i + 1}",
            media_reference=ref,
            source_range=otio.opentime.TimeRange(to_rational_time(tc0 + start, rate),
                                                 to_rational_time(end - start, rate)),
            metadata={"reelkit": {"source_frames": [start, end]}},
        )

    tl = otio.schema.Timeline(name=name)
    tl.global_start_time = to_rational_time(0, rate)
    tl.metadata["reelkit"] = {"rate": format_rate(rate), "media": str(path), **media_meta}
    kinds: list[tuple[str, str]] = []
    if info.video is not None:
        kinds.append(("V1", otio.schema.TrackKind.Video))
    if audio and info.audio is not None:
        kinds.append(("A1", otio.schema.TrackKind.Audio))
    if not kinds:
        raise UsageError(f"{info.path}: nothing to put on a timeline (no video, and audio was not requested)")
    for track_name, kind in kinds:
        track = otio.schema.Track(name=track_name, kind=kind)
        for i, (s, e) in enumerate(clean):
            track.append(make_clip(i, s, e))
        tl.tracks.append(track)
    return tl


# -- reading a timeline back as integers ----------------------------------------------------------


@dataclass(frozen=True)
class ClipSpan:
    """One clip (or gap) of a track, in integer frames at the timeline rate.

    Attributes:
        record_start: first frame of the clip on the timeline (0-based, from the track start).
        duration: length in frames.
        source_start: first SOURCE frame (media time, including the media's start offset), None for gaps.
        path: absolute media path, None for gaps or non-file references.
        name: clip name.
        media: the ``reelkit`` metadata of the media reference (has_video, width, sample_rate...).
        metadata: the clip's ``reelkit`` metadata (e.g. ``crop_keyframes``).
        media_start: first frame of the media's available range (its start timecode, usually 0).
        media_duration: frames in the media's available range, or None when unknown.
    """

    record_start: int
    duration: int
    source_start: int | None
    path: Path | None
    name: str
    media: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    media_start: int = 0
    media_duration: int | None = None

    @property
    def is_gap(self) -> bool:
        """True for a gap (no media)."""
        return self.path is None

    @property
    def index_start(self) -> int | None:
        """First source frame as a 0-based index into the file (``source_start - media_start``)."""
        return None if self.source_start is None else self.source_start - self.media_start

    @property
    def source_end(self) -> int | None:
        """One past the last source frame."""
        return None if self.source_start is None else self.source_start + self.duration


@dataclass(frozen=True)
class TrackSpans:
    """A track as ``kind`` (``"video"``/``"audio"``), ``name`` and its items in order."""

    kind: str
    name: str
    items: tuple[ClipSpan, ...]

    @property
    def clips(self) -> tuple[ClipSpan, ...]:
        """Items that are not gaps."""
        return tuple(i for i in self.items if not i.is_gap)


def timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    """The exact edit rate: ``metadata["reelkit"]["rate"]`` when present, else the first clip's rate snapped
    to a standard rate (29.97 → 30000/1001).

    Raises:
        InputFormatError: the timeline has no clips and no rate metadata.
    """
    meta = timeline.metadata.get("reelkit") if timeline.metadata else None
    if meta and meta.get("rate"):
        return parse_rate(str(meta["rate"]))
    for clip in timeline.find_clips():
        sr = clip.source_range or clip.available_range()
        return parse_rate(float(sr.duration.rate))
    raise InputFormatError(f"timeline {timeline.name!r} has no clips and no rate")


def _path_of(ref: otio.core.MediaReference | None) -> Path | None:
    if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
        return None
    url = ref.target_url
    if url.startswith("file:"):
        return Path(unquote(urlparse(url).path))
    if "://" in url:
        return None
    return Path(url)


def _plain(value: Any) -> Any:
    """OTIO AnyDictionary/AnyVector → plain dict/list (recursively)."""
    if hasattr(value, "items") and not isinstance(value, dict | str):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__iter__") and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value


def timeline_tracks(timeline: otio.schema.Timeline) -> tuple[Fraction, list[TrackSpans]]:
    """The timeline's exact rate and its tracks as integer-frame spans (for exporters and the renderer).

    Transitions are not supported (reelkit edits are cuts) and raise :class:`InputFormatError`, as do
    nested stacks.
    """
    rate = timeline_rate(timeline)
    tracks: list[TrackSpans] = []
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            raise InputFormatError("nested stacks are not supported in reelkit timelines")
        pos = 0
        items: list[ClipSpan] = []
        for child in track:
            if isinstance(child, otio.schema.Transition):
                raise InputFormatError(f"track {track.name!r}: transitions are not supported (cuts only)")
            if isinstance(child, otio.schema.Gap):
                dur = from_rational_time(child.source_range.duration, rate)
                items.append(ClipSpan(pos, dur, None, None, "gap"))
                pos += dur
                continue
            if not isinstance(child, otio.schema.Clip):
                raise InputFormatError(f"track {track.name!r}: unsupported item {type(child).__name__}")
            sr = child.source_range or child.available_range()
            dur = from_rational_time(sr.duration, rate)
            ref = child.media_reference
            avail = getattr(ref, "available_range", None)
            media_start = from_rational_time(avail.start_time, rate) if avail is not None else 0
            media_dur = from_rational_time(avail.duration, rate) if avail is not None else None
            media_meta = _plain(ref.metadata.get("reelkit", {})) if ref is not None and ref.metadata else {}
            clip_meta = _plain(child.metadata.get("reelkit", {})) if child.metadata else {}
            items.append(ClipSpan(
                record_start=pos, duration=dur, source_start=from_rational_time(sr.start_time, rate),
                path=_path_of(ref), name=child.name or "clip", media=media_meta, metadata=clip_meta,
                media_start=media_start, media_duration=media_dur,
            ))
            pos += dur
        kind = "audio" if track.kind == otio.schema.TrackKind.Audio else "video"
        tracks.append(TrackSpans(kind=kind, name=track.name or kind, items=tuple(items)))
    return rate, tracks
