"""Reading screenplay files: decoding, binary detection, size limit, format dispatch."""

from __future__ import annotations

import codecs
import os
from dataclasses import replace
from pathlib import Path

from reelkit.errors import ScriptError
from reelkit.fileio import check_input_file
from reelkit.script.model import Screenplay

__all__ = ["MAX_SCRIPT_BYTES", "decode_script_bytes", "load_screenplay", "read_script_text", "sample_script_path"]

#: Largest screenplay file read (bytes); a feature script is ~200 kB. Override: ``REELKIT_MAX_SCRIPT_MB``.
MAX_SCRIPT_BYTES = 64 * 1024 * 1024

_CONTROL_OK = {"\n", "\r", "\t", "\f", "\ufeff"}


def _max_bytes() -> int:
    env = os.environ.get("REELKIT_MAX_SCRIPT_MB")
    if env:
        try:
            return int(float(env) * 1024 * 1024)
        except ValueError:
            pass
    return MAX_SCRIPT_BYTES


def decode_script_bytes(data: bytes, *, name: str = "script") -> tuple[str, list[str]]:
    """Decode screenplay bytes; return ``(text, warnings)``.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are decoded as such. Other bytes are decoded as
    Windows-1252 (Latin-1 for its five undefined bytes) with a warning, the usual encoding of old
    scripts.

    Raises:
        ScriptError: the data looks binary (NUL bytes or many control characters), e.g. a PDF or an image.
    """
    warnings: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), warnings
        except UnicodeDecodeError:
            raise ScriptError(f"{name} has a UTF-16 byte-order mark but is not valid UTF-16",
                              hint="save it as UTF-8 text") from None
    head = data[:65536]
    if b"\x00" in head or head.startswith((b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise ScriptError(f"{name} is binary data, not a text screenplay",
                          hint="give a Fountain (.fountain/.txt) or Final Draft (.fdx) file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="reelkit-latin1")
        warnings.append(f"{name} is not valid UTF-8 (first bad byte at offset {exc.start}); "
                        "decoded as Windows-1252/Latin-1 — check accented characters")
    sample = text[:65536]
    bad = sum(1 for c in sample if c < " " and c not in _CONTROL_OK)
    if sample and bad / len(sample) > 0.01:
        raise ScriptError(f"{name} contains {bad} control characters in its first {len(sample)} — "
                          "it is binary data, not a text screenplay",
                          hint="give a Fountain (.fountain/.txt) or Final Draft (.fdx) file")
    return text, warnings


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes undefined in Windows-1252 decode as Latin-1."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("reelkit-latin1", _latin1_fallback)


def read_script_text(path: str | os.PathLike[str]) -> tuple[str, list[str]]:
    """Read and decode a text screenplay file; return ``(text, warnings)``.

    Raises:
        MediaNotFoundError: missing, unreadable or empty file.
        ScriptError: larger than the limit, or binary.
    """
    p = check_input_file(path, what="screenplay")
    size = p.stat().st_size
    limit = _max_bytes()
    if size > limit:
        raise ScriptError(f"screenplay {p} is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit",
                          hint="set REELKIT_MAX_SCRIPT_MB to raise it")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ScriptError(f"cannot read screenplay {p}: {exc.strerror or exc}") from exc
    return decode_script_bytes(data, name=str(p))


def load_screenplay(path: str | os.PathLike[str]) -> Screenplay:
    """Load a screenplay file: Final Draft XML when the name ends in ``.fdx``, Fountain otherwise.

    Decoding fallbacks are listed in ``Screenplay.warnings``.

    Raises:
        MediaNotFoundError: the file is missing, unreadable or empty.
        ScriptError: binary data, too large, malformed FDX, or an FDX with a DTD/entities.
    """
    p = Path(path)
    if p.suffix.lower() == ".fdx":
        from reelkit.script.fdx import read_fdx

        return read_fdx(p)
    from reelkit.script.fountain import parse_fountain

    text, warnings = read_script_text(p)
    sp = parse_fountain(text, source=str(p))
    if warnings:
        sp = replace(sp, warnings=tuple(warnings) + sp.warnings)
    return sp


def sample_script_path() -> Path:
    """The bundled sample screenplay (``reelkit/data/sample_script.fountain``, written for the project)."""
    return Path(__file__).resolve().parents[1] / "data" / "sample_script.fountain"
