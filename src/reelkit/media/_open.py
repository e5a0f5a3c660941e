"""The one place that hands a path to FFmpeg."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import av

from reelkit.errors import DecodeError, UnsupportedMediaError
from reelkit.fileio import check_input_file
from reelkit.media.limits import ALLOWED_DEMUXERS, Limits

__all__ = ["decode_packets", "open_input"]

#: consecutive undecodable packets tolerated before giving up (corrupt streams must not spin)
MAX_BAD_PACKETS = 64


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


def decode_packets(container: av.container.InputContainer, stream: av.stream.Stream, path: Path,
                   kind: str) -> Iterator[list[av.frame.Frame]]:
    """Demux ``stream`` and yield the frames each packet decodes to (often none, sometimes several).

    A few corrupt packets are skipped (broadcast captures have them); more than
    :data:`MAX_BAD_PACKETS` in a row, or any other decoder failure, raises :class:`DecodeError`
    so a damaged file ends the job instead of spinning.
    """
    bad = 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            bad += 1
            if bad > MAX_BAD_PACKETS:
                raise DecodeError(f"{path}: too many corrupt {kind} packets in a row") from None
            continue
        except av.error.FFmpegError as exc:
            raise DecodeError(f"{path}: {kind} decode failed: {exc}") from None
        bad = 0
        yield frames
