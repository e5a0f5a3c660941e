"""Content fingerprints: path-independent, change-sensitive, bounded reads on large files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reelkit.errors import MediaNotFoundError
from reelkit.index.fingerprint import FULL_HASH_MAX, fingerprint


def test_same_bytes_same_fingerprint_whatever_the_path(tmp_path: Path) -> None:
    a = tmp_path / "a.bin"
    a.write_bytes(os.urandom(50_000))
    b = tmp_path / "sub" / "renamed.mov"
    b.parent.mkdir()
    shutil.copy(a, b)
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a).startswith("v1:") and len(fingerprint(a)) == 43


def test_small_file_any_change_is_seen(tmp_path: Path) -> None:
    a = tmp_path / "a.bin"
    data = bytearray(os.urandom(100_000))
    a.write_bytes(data)
    before = fingerprint(a)
    data[54_321] ^= 1  # one bit in the middle
    a.write_bytes(data)
    assert fingerprint(a) != before
    a.write_bytes(bytes(data) + b"\0")  # one byte longer
    assert fingerprint(a) != before


def test_large_file_sampled_and_full(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    size = FULL_HASH_MAX + 3 * 1024 * 1024
    with open(big, "wb") as fh:
        fh.write(os.urandom(size))
    fp = fingerprint(big)
    with open(big, "r+b") as fh:  # the header region (a muxer rewriting its moov/index)
        fh.seek(100)
        fh.write(b"X")
    assert fingerprint(big) != fp
    full = fingerprint(big, full=True)
    assert full.startswith("v1f:") and full != fingerprint(big)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError):
        fingerprint(tmp_path / "nope.mp4")
