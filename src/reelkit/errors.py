"""One exception tree for reelkit.

Library code raises these and never exits; the CLI maps each class to an exit code and prints
its message as one line. Messages say what went wrong *and* what to do about it.

Exit codes (``ReelError.exit_code``):

====  ===========================================================
1     ReelError (generic)
2     UsageError: bad arguments or option values
3     MediaError and subclasses: unreadable or unsuitable media
4     OutputError: an output cannot be written or already exists
5     InputFormatError: a non-media input (script, LUT, transcript, timeline) is malformed
6     BackendUnavailable: an optional extra or model is missing
7     MediaIndexError: the media index (``.reelkit/index.sqlite``) is corrupt, locked or unwritable
====  ===========================================================
"""

from __future__ import annotations


class ReelError(Exception):
    """Base class of every error reelkit raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(ReelError):
    """An argument or option value is invalid (bad aspect ratio, unknown format name...)."""

    exit_code = 2


class MediaError(ReelError):
    """A media file cannot be used."""

    exit_code = 3


class MediaNotFoundError(MediaError):
    """The path does not exist, is not a regular file, or cannot be read."""


class UnsupportedMediaError(MediaError):
    """The file is not media we can decode (empty, truncated, random bytes, disallowed container)."""


class NoVideoStreamError(MediaError):
    """The operation needs video but the file has none."""


class NoAudioStreamError(MediaError):
    """The operation needs audio but the file has none."""


class MediaLimitError(MediaError):
    """The media exceeds a safety limit (pixels, duration, decode budget)."""


class DecodeError(MediaError):
    """Decoding failed part-way or made no progress."""


class NoFrameError(MediaError):
    """No video frame decodes: in the file, or in the frame range an analysis asked for."""


class OutputError(ReelError):
    """An output file cannot be written (exists without --force, directory missing, disk full)."""

    exit_code = 4


class OutputExistsError(OutputError):
    """The output exists and overwriting was not allowed."""


class InputFormatError(ReelError):
    """A non-media input file is malformed (screenplay, LUT, transcript, timeline, XML)."""

    exit_code = 5


class ScriptError(InputFormatError):
    """A screenplay cannot be read or parsed."""


class LutError(InputFormatError):
    """A LUT file (.cube) is malformed: missing header, wrong table size, NaN or non-numeric values."""


class BackendUnavailable(ReelError):
    """An optional backend, extra or local model is missing; the message names what to install."""

    exit_code = 6


class MediaIndexError(ReelError):
    """The media index cannot be used: corrupt, locked for too long, or its folder is not writable.

    The media itself is never touched; the message offers ``reel index clear`` or ``--index PATH``."""

    exit_code = 7
