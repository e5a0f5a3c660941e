"""``probe(path) -> MediaInfo``: what a media file holds, without inventing anything.

A field we cannot read is ``None``: an MKV without a frame count has ``frames=None``, a stream
whose timing makes no sense has ``rate=None``. Nothing defaults to 30 fps or 1920×1080.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from reelkit.errors import (
    DecodeError,
    MediaError,
    MediaLimitError,
    NoAudioStreamError,
    NoVideoStreamError,
    UnsupportedMediaError,
)
from reelkit.media._open import open_input
from reelkit.media.limits import Limits, default_limits
from reelkit.time import STANDARD_RATES, format_rate

__all__ = ["AudioInfo", "MediaInfo", "VideoInfo", "probe"]

#: Plausible frame rates; anything outside is reported as unknown (None).
_MIN_RATE = Fraction(1, 10)
_MAX_RATE = Fraction(1000)


@dataclass(frozen=True)
class VideoInfo:
    """One video stream.

    Attributes:
        index: stream index in the container.
        codec: decoder name (``h264``, ``hevc``, ``prores``...), or None.
        width, height: stored (coded) picture size in pixels, before rotation.
        rate: frame rate (average rate when ``vfr``), or None when unknown or implausible.
        frames: frame count from the container, or None when it does not say.
        pix_fmt: FFmpeg pixel format (``yuv420p10le``...), or None.
        bit_depth: bits per component of the pixel format, or None.
        rotation: counter-clockwise degrees (0, 90, 180, 270) to rotate a decoded frame for display.
        sar: sample (pixel) aspect ratio, or None when unknown.
        vfr: True when frame durations vary, False when constant, None when too few frames to tell.
        duration_s: stream duration in seconds, or None.
    """

    index: int
    codec: str | None
    width: int
    height: int
    rate: Fraction | None
    frames: int | None
    pix_fmt: str | None
    bit_depth: int | None
    rotation: int
    sar: Fraction | None
    vfr: bool | None
    duration_s: float | None

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) after rotation, in stored pixels (SAR not applied)."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def to_dict(self) -> dict[str, Any]:
        """The ``video`` object of the probe JSON schema."""
        return {
            "width": self.width,
            "height": self.height,
            "rate": format_rate(self.rate) if self.rate is not None else None,
            "frames": self.frames,
            "pix_fmt": self.pix_fmt,
            "bit_depth": self.bit_depth,
            "rotation": self.rotation,
            "sar": format_rate(self.sar).replace("/", ":") if self.sar is not None else None,
            "vfr": self.vfr,
        }


@dataclass(frozen=True)
class AudioInfo:
    """One audio stream: sample rate in Hz, channel count, FFmpeg layout name (``stereo``, ``5.1``)."""

    index: int
    codec: str | None
    sample_rate: int | None
    channels: int | None
    layout: str | None
    duration_s: float | None

    def to_dict(self) -> dict[str, Any]:
        """The ``audio`` object of the probe JSON schema."""
        return {"sample_rate": self.sample_rate, "channels": self.channels, "layout": self.layout}


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` found. ``video``/``audio`` are the first stream of each kind."""

    path: Path
    container: str
    duration_s: float | None
    size_bytes: int
    video: VideoInfo | None
    audio: AudioInfo | None
    video_streams: tuple[VideoInfo, ...] = field(default=())
    audio_streams: tuple[AudioInfo, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The stable probe JSON schema (see ``reel probe --format json``)."""
        return {
            "path": str(self.path),
            "container": self.container,
            "duration_s": round(self.duration_s, 6) if self.duration_s is not None else None,
            "video": self.video.to_dict() if self.video else None,
            "audio": self.audio.to_dict() if self.audio else None,
        }

    def require_video(self) -> VideoInfo:
        """The video stream, or :class:`NoVideoStreamError` naming the file."""
        if self.video is None:
            raise NoVideoStreamError(f"{self.path} has no video stream (this needs video)")
        return self.video

    def require_audio(self) -> AudioInfo:
        """The audio stream, or :class:`NoAudioStreamError` naming the file."""
        if self.audio is None:
            raise NoAudioStreamError(f"{self.path} has no audio stream (this needs audio)")
        return self.audio

    def require_rate(self) -> Fraction:
        """The video frame rate, or :class:`MediaError` when it is missing or implausible."""
        rate = self.require_video().rate
        if rate is None:
            raise MediaError(
                f"{self.path} has no usable frame rate (missing or implausible timing)",
                hint="re-wrap it with a constant frame rate",
            )
        return rate


def _plausible_rate(rate: Fraction | None) -> Fraction | None:
    if rate is None or rate.denominator == 0 or not (_MIN_RATE <= rate <= _MAX_RATE):
        return None
    for std in STANDARD_RATES:  # container time bases blur exact NTSC rates (e.g. MKV's 1/1000)
        if abs(rate - std) / std < Fraction(1, 2000):
            return std
    return rate


def _as_fraction(value: Any) -> Fraction | None:
    if value is None:
        return None
    try:
        f = Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return f if f > 0 else None


def _bit_depth(pix_fmt: str | None) -> int | None:
    if not pix_fmt:
        return None
    try:
        return int(av.VideoFormat(pix_fmt).components[0].bits)
    except (ValueError, IndexError):
        return None


def _scan_video(container: av.container.InputContainer, stream: av.VideoStream, limits: Limits
                ) -> tuple[int, bool | None]:
    """Decode the first frame (rotation) and demux a few packets (frame-duration regularity)."""
    first: av.VideoFrame | None = None
    pts: list[int] = []
    try:
        for n, packet in enumerate(container.demux(stream)):
            if packet.pts is not None:
                pts.append(packet.pts)
            if first is None and packet.size:
                first = next(iter(packet.decode()), None)
            if n >= limits.probe_packets:
                break
        if first is None:  # short clips: the decoder holds its only frames until flushed
            first = next(iter(stream.codec_context.decode(None)), None)
    except av.error.FFmpegError as exc:
        if not pts:
            raise DecodeError(f"cannot read video packets: {exc}") from None
    if first is None and not pts:
        raise DecodeError("the video stream holds no decodable frames")
    degrees = (getattr(first, "rotation", 0) or 0) if first is not None else 0
    rotation = 90 * round(degrees / 90) % 360
    vfr: bool | None = None
    if len(pts) >= 3:
        pts.sort()
        if len(pts) > 40:  # the newest packets may still be missing their reordered neighbours
            pts = pts[: len(pts) - 16]
        steps = [b - a for a, b in itertools.pairwise(pts) if b > a]
        if steps:
            lo, hi = min(steps), max(steps)
            vfr = (hi - lo) > max(1, 0.02 * hi)
    return rotation, vfr


def probe(path: str | os.PathLike[str], *, limits: Limits | None = None) -> MediaInfo:
    """Read container and stream facts of a media file.

    Args:
        path: a local file (opened with the file protocol only).
        limits: safety limits; defaults to :func:`reelkit.media.limits.default_limits`.

    Raises:
        MediaNotFoundError: missing, directory, unreadable, empty.
        UnsupportedMediaError: not media, truncated, or no audio/video stream at all.
        MediaLimitError: frame area above ``limits.max_pixels``.
        DecodeError: the video stream cannot be decoded at all.
    """
    limits = limits or default_limits()
    p = Path(path)
    with open_input(p, limits) as container:
        duration = container.duration / av.time_base if container.duration else None
        videos: list[VideoInfo] = []
        for stream in container.streams.video:
            if stream.disposition & av.stream.Disposition.attached_pic:
                continue  # cover art is not a video
            ctx = stream.codec_context
            width, height = int(ctx.width or 0), int(ctx.height or 0)
            if width <= 0 or height <= 0:
                continue
            if width * height > limits.max_pixels:
                raise MediaLimitError(
                    f"{p} is {width}×{height}, above the {limits.max_pixels:,}-pixel safety limit",
                    hint="raise REELKIT_MAX_PIXELS if you trust this file",
                )
            sdur = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
            videos.append(VideoInfo(
                index=stream.index, codec=ctx.name, width=width, height=height,
                rate=None, frames=int(stream.frames) if stream.frames and stream.frames > 0 else None,
                pix_fmt=ctx.pix_fmt, bit_depth=_bit_depth(ctx.pix_fmt), rotation=0,
                sar=_as_fraction(stream.sample_aspect_ratio or ctx.sample_aspect_ratio),
                vfr=None, duration_s=sdur,
            ))
        audios = [
            AudioInfo(
                index=s.index, codec=s.codec_context.name, sample_rate=int(s.rate) if s.rate else None,
                channels=int(s.channels) if s.channels else None,
                layout=s.layout.name if s.layout and s.layout.name else None,
                duration_s=float(s.duration * s.time_base) if s.duration and s.time_base else None,
            )
            for s in container.streams.audio
        ]
        if videos:
            first = next(s for s in container.streams.video if s.index == videos[0].index)
            rotation, vfr = _scan_video(container, first, limits)
            rate = _plausible_rate(_as_fraction(first.average_rate if vfr else first.guessed_rate)
                                   or _as_fraction(first.average_rate))
            v0 = videos[0]
            frames = v0.frames
            if container.format.name.endswith("_pipe"):  # a still image: FFmpeg's 25 fps is invented
                rate, vfr, frames = None, None, 1
            videos[0] = VideoInfo(**{**v0.__dict__, "rotation": rotation, "vfr": vfr, "rate": rate,
                                     "frames": frames})
        if not videos and not audios:
            raise UnsupportedMediaError(f"{p} holds no audio or video stream")
        if duration is None:
            known = [s.duration_s for s in (*videos, *audios) if s.duration_s]
            duration = max(known) if known else None
        return MediaInfo(
            path=p, container=container.format.name, duration_s=duration, size_bytes=p.stat().st_size,
            video=videos[0] if videos else None, audio=audios[0] if audios else None,
            video_streams=tuple(videos), audio_streams=tuple(audios),
        )
