"""The one place that hands a path to FFmpeg."""

from __future__ import annotations

import os
from pathlib import Path

import av

from reelkit.errors import UnsupportedMediaError
from reelkit.fileio import check_input_file
from reelkit.media.limits import ALLOWED_DEMUXERS, Limits

__all__ = ["open_input"]


def open_input(path: str | os.PathLike[str], limits: Limits) -> av.container.InputContainer:
    """Open ``path`` for demuxing with the file protocol and an allow-list of demuxers.

    The path is passed as ``file:<absolute path>`` so names that start with ``-`` or contain
    ``:`` are never read as options or URLs.

    Raises:
        MediaNotFoundError: see :func:`reelkit.fileio.check_input_file`.
        UnsupportedMediaError: FFmpeg cannot open it, or its container is not on the allow-list.
    """
    p = check_input_file(path, what="media file")
    url = "file:" + str(Path(p).resolve())
    options = {
        "protocol_whitelist": "file",
        "format_whitelist": ",".join(ALLOWED_DEMUXERS),
        "probesize": str(32 * 1024 * 1024),
        "analyzeduration": str(20_000_000),
    }
    try:
        return av.open(url, mode="r", options=options, timeout=limits.open_timeout_s)
    except av.error.InvalidDataError:
        raise UnsupportedMediaError(
            f"{p} is not a media file FFmpeg can read (corrupt, truncated or an unknown format)"
        ) from None
    except av.error.FFmpegError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        if "Invalid argument" in reason:
            reason = "unknown, truncated or disallowed container (playlists and concat lists are refused)"
        raise UnsupportedMediaError(f"cannot open {p}: {reason}") from None
