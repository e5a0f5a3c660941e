"""Safety limits for untrusted media.

Defaults can be changed per call or for a whole process with environment variables:
``REELKIT_MAX_PIXELS`` (width × height of one frame), ``REELKIT_MAX_DURATION_S`` (seconds of
media we agree to decode) and ``REELKIT_OPEN_TIMEOUT_S`` (seconds FFmpeg may block in one read).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from reelkit.errors import MediaLimitError

__all__ = ["ALLOWED_DEMUXERS", "Limits", "default_limits"]

#: Demuxers we agree to open. Playlist and reference formats (hls, dash, concat, image2 patterns,
#: tee, ...) are deliberately absent: a "video" must not make FFmpeg open other files or URLs.
ALLOWED_DEMUXERS: tuple[str, ...] = (
    "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts", "mpeg", "flv", "mxf", "asf",
    "ogg", "wav", "w64", "flac", "mp3", "aac", "ac3", "eac3", "aiff", "caf", "wv", "ivf", "h264",
    "hevc", "m4v", "mjpeg", "yuv4mpegpipe", "dv", "gif", "webm_dash_manifest_disabled",
    "png_pipe", "jpeg_pipe", "bmp_pipe", "tiff_pipe", "webp_pipe",
)


@dataclass(frozen=True)
class Limits:
    """Bounds applied when opening and decoding media.

    Attributes:
        max_pixels: largest accepted frame area (width × height, pixels).
        max_duration_s: longest media accepted for full decodes (seconds).
        open_timeout_s: how long one blocking FFmpeg read may take (seconds).
        probe_packets: packets demuxed by ``probe`` to judge variable frame rate.
    """

    max_pixels: int = 8192 * 8192
    max_duration_s: float = 24 * 3600.0
    open_timeout_s: float = 20.0
    probe_packets: int = 240

    def check_duration(self, path: object, duration_s: float | None) -> None:
        """Refuse a full decode of media lasting ``duration_s`` seconds (None: unknown, allowed).

        Raises:
            MediaLimitError: longer than ``max_duration_s``.
        """
        if duration_s and duration_s > self.max_duration_s:
            raise MediaLimitError(
                f"{path} lasts {duration_s:.0f} s, above the {self.max_duration_s:.0f} s decode limit",
                hint="raise REELKIT_MAX_DURATION_S if you mean it",
            )


def default_limits() -> Limits:
    """Limits from the environment (``REELKIT_MAX_PIXELS`` ...) or the built-in defaults."""
    base = Limits()
    return Limits(
        max_pixels=int(os.environ.get("REELKIT_MAX_PIXELS", base.max_pixels)),
        max_duration_s=float(os.environ.get("REELKIT_MAX_DURATION_S", base.max_duration_s)),
        open_timeout_s=float(os.environ.get("REELKIT_OPEN_TIMEOUT_S", base.open_timeout_s)),
        probe_packets=base.probe_packets,
    )
