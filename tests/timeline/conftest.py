"""Helpers for timeline tests: MediaInfo records for media of any rate (exporters never decode media)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

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
