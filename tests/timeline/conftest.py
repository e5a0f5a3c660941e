"""Helpers for timeline tests: MediaInfo records for media of any rate (exporters never decode media)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.media import AudioInfo, MediaInfo, VideoInfo

#: every rate the exporters must handle exactly
RATES = [Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30), Fraction(50),
         Fraction(60000, 1001), Fraction(60)]

#: cut points that stress drop-frame and long-timeline arithmetic (source frames)
HARD_RANGES = [(0, 17), (1799, 1801), (17982, 18001), (107892, 107999), (215000, 215784)]


def fake_info(path: Path, rate: Fraction, frames: int = 216_000, *, video: bool = True, audio: bool = True,
              width: int = 1920, height: int = 1080, channels: int = 2) -> MediaInfo:
    """A probe result as ``probe`` would return it for such a file (exporters only read these fields)."""
    v = VideoInfo(index=0, codec="h264", width=width, height=height, rate=rate, frames=frames,
                  pix_fmt="yuv420p", bit_depth=8, rotation=0, sar=Fraction(1), vfr=False,
                  duration_s=float(frames / rate)) if video else None
    a = AudioInfo(index=1, codec="aac", sample_rate=48000, channels=channels,
                  layout="stereo" if channels == 2 else "mono", duration_s=float(frames / rate)) if audio else None
    return MediaInfo(path=path, container="mov,mp4,m4a,3gp,3g2,mj2", duration_s=float(frames / rate),
                     size_bytes=1, video=v, audio=a)


def sound_take_timeline(tmp_path: Path, offset: int = 0) -> Any:
    """A picture clip of 50 frames, then a gap of 40 frames in the picture and a sound-only take of 40 frames
    on the audio track, ``offset`` frames after the gap starts."""
    import copy

    import opentimelineio as otio

    from reelkit.timeline import ranges_timeline

    rate = Fraction(25)
    tl = ranges_timeline(fake_info(tmp_path / "cam.mov", rate), [(0, 50)], name="scene")
    snd = ranges_timeline(fake_info(tmp_path / "boom.wav", rate, video=False), [(10, 50)], name="s", rate=rate)
    video, audio = (t for t in tl.tracks)
    video.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(40, 25))))
    if offset:
        audio.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(offset, 25))))
    audio.append(copy.deepcopy(snd.tracks[0].find_clips()[0]))
    return tl

