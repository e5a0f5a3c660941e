"""FCPXML 1.9 writer (Final Cut Pro 10.4.1+, DaVinci Resolve).

Times are exact rationals in seconds written as multiples of the frame duration
(``frames*1001/30000s`` at 29.97, ``frames/25s`` at 25, ``Ns`` for whole seconds), so every clip
boundary is a frame boundary at every rate and nothing drifts. The sequence uses ``tcFormat="DF"``
at 29.97/59.94. Media is linked by ``<media-rep kind="original-media" src="file:///...">`` (1.9+).

A clip whose audio follows its picture (a ranges timeline: the audio track holds the same clips as
the video track) becomes one ``<asset-clip>`` carrying both, which keeps them in sync in the NLE.

Reframing: when a clip has ``metadata["reelkit"]["crop_keyframes"] = [{"frame", "x", "y", "w", "h"}]``
(0-based source frame index, source pixels; written at the media's timecode like the clip times)
and the timeline has ``metadata["reelkit"]["output_size"] = [w, h]``, the sequence is ``w×h``, the
clip gets ``<adjust-conform type="none"/>`` (source pixels 1:1) and an
``<adjust-transform>`` whose ``scale`` and ``position`` keyframes put the crop window on the frame.
FCPXML positions are in percent of the sequence frame height, origin at the centre, y up.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from reelkit.errors import InputFormatError
from reelkit.time import format_rate, is_drop_frame_rate
from reelkit.timeline.build import ClipSpan, TrackSpans, timeline_tracks

__all__ = ["FCPXML_VERSION", "fcpxml_time", "parse_fcpxml_time", "read_fcpxml", "timeline_to_fcpxml"]

FCPXML_VERSION = "1.9"


def fcpxml_time(frames: int, rate: Fraction) -> str:
    """An FCPXML time for ``frames`` at ``rate``: ``"0s"``, ``"4s"``, ``"3003/30000s"``, ``"7/25s"``.

    The value is ``frames × frameDuration`` with the frame duration's own denominator, as Final Cut
    writes it (not reduced), so it is always an exact multiple of the frame duration.
    """
    if frames == 0:
        return "0s"
    secs = Fraction(frames) / rate
    if secs.denominator == 1:
        return f"{secs.numerator}s"
    return f"{frames * rate.denominator}/{rate.numerator}s"


def _key(c: ClipSpan) -> tuple[int, int, int | None, Path | None]:
    return c.record_start, c.duration, c.source_start, c.path


def _storyline(video: TrackSpans, audio: TrackSpans) -> list[ClipSpan] | None:
    """The primary storyline of a timeline with both tracks: the video items, where the audio track holds
    the same clips, with the audio-only clips (a sound take, a WAV) that the audio track holds in the video's
    gaps put in place of those gaps. None when the audio does not follow the picture otherwise."""
    a_items = [c for c in audio.items if not c.is_gap]
    by_start = {c.record_start: c for c in a_items}
    used: set[int] = set()
    out: list[ClipSpan] = []
    for v in video.items:
        if not v.is_gap:
            a = by_start.get(v.record_start)
            if a is None or _key(a) != _key(v):
                return None
            used.add(v.record_start)
            out.append(v)
            continue
        end = v.record_start + v.duration
        inside = sorted((c for c in a_items if v.record_start <= c.record_start < end), key=lambda c: c.record_start)
        pos = v.record_start
        for c in inside:
            if c.record_start + c.duration > end or c.media.get("has_video", False):
                return None  # an audio clip across the picture's edit, or picture that the video track lacks
            if c.record_start > pos:
                out.append(ClipSpan(pos, c.record_start - pos, None, None, "Gap"))
            out.append(c)
            used.add(c.record_start)
            pos = c.record_start + c.duration
        if pos < end:
            out.append(ClipSpan(pos, end - pos, None, None, "Gap"))
    pos = sum(v.duration for v in video.items)
    for c in sorted((c for c in a_items if c.record_start not in used), key=lambda c: c.record_start):
        if c.record_start < pos or c.media.get("has_video", False):
            return None  # audio that overlaps the picture's edits differently
        if c.record_start > pos:
            out.append(ClipSpan(pos, c.record_start - pos, None, None, "Gap"))
        out.append(c)
        pos = c.record_start + c.duration
    return out


def _fmt(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _transform(clip: ClipSpan, out_size: tuple[int, int], rate: Fraction) -> ET.Element | None:
    keys = clip.metadata.get("crop_keyframes")
    if not keys:
        return None
    src_w, src_h = clip.media.get("width"), clip.media.get("height")
    if not src_w or not src_h:
        raise InputFormatError(f"clip {clip.name!r} has crop keyframes but its media size is unknown")
    out_w, out_h = out_size
    values: list[tuple[int, str, str]] = []
    for k in sorted(keys, key=lambda k: int(k["frame"])):
        x, y, w, h = (float(k[n]) for n in ("x", "y", "w", "h"))
        if w <= 0 or h <= 0:
            raise InputFormatError(f"clip {clip.name!r}: crop keyframe at frame {k['frame']} has an empty box")
        scale = out_w / w  # crop windows have the output aspect ratio; width decides
        dx = (src_w / 2 - (x + w / 2)) * scale  # pixels, + moves the picture right
        dy = ((y + h / 2) - src_h / 2) * scale  # pixels, + moves the picture up (y up in FCP)
        pos = f"{_fmt(dx / out_h * 100)} {_fmt(dy / out_h * 100)}"
        values.append((clip.media_start + int(k["frame"]), pos, f"{_fmt(scale)} {_fmt(scale)}"))
    el = ET.Element("adjust-transform", position=values[0][1], scale=values[0][2])
    if len(values) > 1:
        for name, idx in (("position", 1), ("scale", 2)):
            param = ET.SubElement(el, "param", name=name)
            anim = ET.SubElement(param, "keyframeAnimation")
            for frame, *vals in values:
                # linear: REFRAME simplifies its path for linear interpolation between keyframes
                ET.SubElement(anim, "keyframe", time=fcpxml_time(frame, rate), value=vals[idx - 1], curve="linear")
    return el


def timeline_to_fcpxml(timeline: otio.schema.Timeline) -> str:
    """The timeline as an FCPXML 1.9 document (UTF-8 text with XML declaration and DOCTYPE).

    Uses the first video track as the primary storyline (or the first audio track for audio-only
    timelines). Raises :class:`InputFormatError` when the audio track does not follow the picture
    (independent audio edits are not expressed in this writer) or for transitions.
    """
    rate, tracks = timeline_tracks(timeline)
    video = next((t for t in tracks if t.kind == "video"), None)
    audio = next((t for t in tracks if t.kind == "audio"), None)
    primary = video if video is not None else audio
    if primary is None:
        raise InputFormatError("the timeline has no tracks to export")
    items: list[ClipSpan] = list(primary.items)
    if video is not None and audio is not None:
        merged = _storyline(video, audio)
        if merged is None:
            raise InputFormatError("FCPXML export needs the audio track to follow the picture (same clips, or "
                                   "sound-only clips in the picture's gaps); export this timeline as OTIO or "
                                   "FCP7 XML instead")
        items = merged
    with_audio = audio is not None
    meta: dict[str, Any] = dict(timeline.metadata.get("reelkit", {})) if timeline.metadata else {}
    df = is_drop_frame_rate(rate)
    frame_dur = fcpxml_time(1, rate)
    if Fraction(1) / rate != parse_fcpxml_time(frame_dur):  # guard against a rate we cannot write exactly
        raise InputFormatError(f"cannot express frame rate {format_rate(rate)} in FCPXML")

    root = ET.Element("fcpxml", version=FCPXML_VERSION)
    resources = ET.SubElement(root, "resources")
    ids = iter(f"r{i}" for i in range(1, 1_000_000))
    formats: dict[tuple[int | None, int | None], str] = {}

    def format_id(width: int | None, height: int | None) -> str:
        key = (width, height)
        if key not in formats:
            fid = next(ids)
            attrs = {"id": fid, "frameDuration": frame_dur}
            if width and height:
                attrs.update(width=str(width), height=str(height))
            ET.SubElement(resources, "format", attrs)
            formats[key] = fid
        return formats[key]

    first = primary.clips[0] if primary.clips else None
    out_size = meta.get("output_size")
    if out_size:
        seq_w, seq_h = int(out_size[0]), int(out_size[1])
    elif first is not None and video is not None:
        seq_w, seq_h = first.media.get("width"), first.media.get("height")
    else:
        seq_w = seq_h = None
    seq_fmt = format_id(seq_w, seq_h) if video is not None else format_id(None, None)

    assets: dict[Path, str] = {}

    def asset_id(clip: ClipSpan) -> str:
        assert clip.path is not None
        if clip.path not in assets:
            m = clip.media
            has_video = bool(m.get("has_video", video is not None))
            has_audio = bool(m.get("has_audio", with_audio))
            aid = next(ids)
            attrs = {"id": aid, "name": clip.path.stem, "start": fcpxml_time(clip.media_start, rate),
                     "hasVideo": "1" if has_video else "0", "hasAudio": "1" if has_audio else "0"}
            if clip.media_duration is not None:
                attrs["duration"] = fcpxml_time(clip.media_duration, rate)
            if has_video:
                attrs["format"] = format_id(m.get("width"), m.get("height"))
                attrs["videoSources"] = "1"
            if has_audio:
                attrs["audioSources"] = "1"
                if m.get("channels"):
                    attrs["audioChannels"] = str(m["channels"])
                if m.get("sample_rate"):
                    attrs["audioRate"] = str(m["sample_rate"])
            asset = ET.SubElement(resources, "asset", attrs)
            ET.SubElement(asset, "media-rep", kind="original-media", src=clip.path.resolve().as_uri())
            assets[clip.path] = aid
        return assets[clip.path]

    total = max((c.record_start + c.duration for c in items), default=0)
    library = ET.SubElement(root, "library")
    event = ET.SubElement(library, "event", name="reelkit")
    project = ET.SubElement(event, "project", name=timeline.name or "reelkit")
    seq_attrs = {"format": seq_fmt, "duration": fcpxml_time(total, rate), "tcStart": "0s",
                 "tcFormat": "DF" if df else "NDF"}
    if with_audio:
        seq_attrs.update(audioLayout="stereo", audioRate="48k")
    sequence = ET.SubElement(project, "sequence", seq_attrs)
    spine = ET.SubElement(sequence, "spine")
    for item in items:
        if item.is_gap:
            ET.SubElement(spine, "gap", name="Gap", offset=fcpxml_time(item.record_start, rate),
                          duration=fcpxml_time(item.duration, rate), start="0s")
            continue
        assert item.source_start is not None
        attrs = {"ref": asset_id(item), "name": item.name, "offset": fcpxml_time(item.record_start, rate),
                 "start": fcpxml_time(item.source_start, rate), "duration": fcpxml_time(item.duration, rate),
                 "tcFormat": "DF" if df else "NDF"}
        sound_only = video is not None and not item.media.get("has_video", True)
        if video is None or sound_only:
            attrs["srcEnable"] = "audio"
        elif not with_audio and item.media.get("has_audio"):
            attrs["srcEnable"] = "video"
        if with_audio:
            attrs["audioRole"] = "dialogue"
        clip_el = ET.SubElement(spine, "asset-clip", attrs)
        if video is not None and out_size and not sound_only:
            transform = _transform(item, (seq_w, seq_h), rate)  # type: ignore[arg-type]
            if transform is not None:
                ET.SubElement(clip_el, "adjust-conform", type="none")
                clip_el.append(transform)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"


def parse_fcpxml_time(value: str) -> Fraction:
    """``"1001/30000s"`` / ``"4s"`` / ``"0s"`` → exact seconds. Raises InputFormatError otherwise."""
    text = (value or "").strip()
    if not text.endswith("s"):
        raise InputFormatError(f"FCPXML time {value!r} does not end in 's'")
    try:
        if "/" in text[:-1]:
            n, d = text[:-1].split("/")
            return Fraction(int(n), int(d))
        return Fraction(text[:-1])
    except (ValueError, ZeroDivisionError):
        raise InputFormatError(f"not an FCPXML time: {value!r}") from None


def read_fcpxml(text: str) -> dict[str, Any]:
    """Parse an FCPXML document (with defusedxml) into frame numbers, to check what a writer produced.

    Returns ``{"rate": Fraction, "tc_format": "DF"|"NDF", "width", "height", "clips": [{"offset",
    "start", "duration" (frames), "src" (file URL), "kind": "asset-clip"|"gap", "keyframes":
    {param: [(frame, value)]}}]}`` for the first sequence's spine.

    Raises:
        InputFormatError: malformed XML, a missing sequence, or a time that is not a whole number of
            frames at the sequence rate (the drift an NLE would show).
    """
    import defusedxml.ElementTree as DET

    try:
        root = DET.fromstring(text)
    except ET.ParseError as exc:
        raise InputFormatError(f"FCPXML is not well-formed XML: {exc}") from None
    res = root.find("resources")
    seq = root.find(".//sequence")
    if res is None or seq is None:
        raise InputFormatError("FCPXML has no resources or no sequence")
    formats = {f.get("id"): f for f in res.findall("format")}
    assets = {a.get("id"): a for a in res.findall("asset")}
    fmt = formats.get(seq.get("format"))
    if fmt is None:
        raise InputFormatError("the FCPXML sequence references an undefined format")
    rate = 1 / parse_fcpxml_time(fmt.get("frameDuration", ""))

    def frames(value: str | None) -> int:
        f = parse_fcpxml_time(value or "0s") * rate
        if f.denominator != 1:
            raise InputFormatError(f"FCPXML time {value} is not on a frame boundary at {format_rate(rate)} fps")
        return int(f)

    clips: list[dict[str, Any]] = []
    spine = seq.find("spine")
    for el in list(spine) if spine is not None else []:
        item: dict[str, Any] = {"kind": el.tag, "offset": frames(el.get("offset")),
                                "start": frames(el.get("start")), "duration": frames(el.get("duration")),
                                "src": None, "keyframes": {}}
        asset = assets.get(el.get("ref"))
        if asset is not None:
            rep = asset.find("media-rep")
            item["src"] = rep.get("src") if rep is not None else asset.get("src")
        for param in el.findall("./adjust-transform/param"):
            item["keyframes"][param.get("name")] = [
                (frames(k.get("time")), k.get("value")) for k in param.findall("./keyframeAnimation/keyframe")]
        clips.append(item)
    return {"rate": rate, "tc_format": seq.get("tcFormat"), "width": fmt.get("width"), "height": fmt.get("height"),
            "clips": clips}
