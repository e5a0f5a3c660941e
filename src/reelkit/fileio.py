"""File-system edges shared by every stage: input checks and atomic output.

Every file reelkit writes goes through :func:`atomic_output`: the data is written to a temporary
file in the target directory, flushed and fsynced, then moved over the final name with
``os.replace``. A failure (exception, disk full, Ctrl-C) leaves any previous file intact and no
half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reelkit.errors import MediaNotFoundError, OutputError, OutputExistsError

__all__ = ["atomic_output", "check_input_file", "check_output_path", "to_json", "write_bytes", "write_text"]


def check_input_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """Return ``path`` as a :class:`Path` after checking it is a readable, non-empty regular file.

    Raises:
        MediaNotFoundError: missing, a directory, a special file (FIFO, device), unreadable or empty.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaNotFoundError(f"{what} not found: {p}") from None
    except PermissionError:
        raise MediaNotFoundError(f"cannot access {what} {p}: permission denied") from None
    except OSError as exc:
        raise MediaNotFoundError(f"cannot access {what} {p}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise MediaNotFoundError(f"{p} is a directory, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise MediaNotFoundError(f"{p} is not a regular file (pipes and devices are not read)")
    if not os.access(p, os.R_OK):
        raise MediaNotFoundError(f"cannot read {what} {p}: permission denied")
    if st.st_size == 0:
        raise MediaNotFoundError(f"{what} {p} is empty (0 bytes)")
    return p


def check_output_path(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check that ``path`` may be written: its folder exists and it does not exist unless ``force``.

    Raises:
        OutputExistsError: the file exists and ``force`` is false.
        OutputError: the folder is missing or the path is a directory.
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"output {p} is a directory; give a file name")
    if not p.parent.exists() and str(p.parent) not in ("", "."):
        raise OutputError(f"cannot write {p}: folder {p.parent} does not exist")
    if p.exists() and not force:
        raise OutputExistsError(f"{p} already exists", hint="use --force to overwrite it")
    return p


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it over ``path`` atomically.

    The temporary name keeps the final suffix (``.name.partial-XXXX.mp4``) so that writers that
    pick a format from the extension (FFmpeg) still work.

    Raises:
        OutputExistsError / OutputError: as :func:`check_output_path`, or when writing fails
            (the temporary file is removed and the original, if any, is untouched).
    """
    final = check_output_path(path, force=force)
    folder = final.parent if str(final.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.partial-", suffix=final.suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a normal new file follows the umask
    try:
        yield tmp
        from reelkit.provenance import seal  # the one provenance hook: every written file passes here

        seal(tmp, final)
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        if final.exists() and not force:  # appeared while we were writing
            raise OutputExistsError(f"{final} already exists", hint="use --force to overwrite it")
        os.replace(tmp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"cannot write {final}: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def to_json(data: Any) -> str:
    """Canonical JSON text of what reelkit writes: UTF-8, two-space indent, keys in insertion order, no NaN.

    Raises:
        ValueError: NaN or infinity in ``data``; TypeError: a value JSON cannot hold.
    """
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically and return the final path."""
    with atomic_output(path, force=force) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and return the final path."""
    return write_bytes(path, text.encode("utf-8"), force=force)
