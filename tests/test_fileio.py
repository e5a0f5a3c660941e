"""Atomic output and input checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reelkit.errors import MediaNotFoundError, OutputError, OutputExistsError
from reelkit.fileio import atomic_output, check_input_file, write_text


def test_atomic_output_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(ValueError), atomic_output(target, force=True) as tmp:
        tmp.write_text("half")
        raise ValueError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    with atomic_output(target, force=True) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".json"
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_text(target, "one")
    with pytest.raises(OutputExistsError, match="--force"):
        write_text(target, "two")
    assert target.read_text() == "one"


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "m.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "m.txt").stat().st_mode & 0o777 == 0o644


def test_missing_folder_and_directory_target(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_text(tmp_path / "nope" / "a.txt", "x")
    with pytest.raises(OutputError, match="directory"):
        write_text(tmp_path, "x")


def test_file_size_limit_mid_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """A 'disk full' during a write (RLIMIT_FSIZE in a child process) leaves no file behind."""
    import subprocess
    import sys

    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from reelkit.fileio import write_bytes\n"
        "from reelkit.errors import OutputError\n"
        "try:\n"
        f"    write_bytes({str(tmp_path / 'big.bin')!r}, b'x' * 100000)\n"
        "except OutputError as e:\n"
        "    print('OutputError', e); sys.exit(4)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4, proc.stderr
    assert "cannot write" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_check_input_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="not found"):
        check_input_file(tmp_path / "x")
    (tmp_path / "e").touch()
    with pytest.raises(MediaNotFoundError, match="empty"):
        check_input_file(tmp_path / "e", what="script")
    (tmp_path / "ok").write_text("hi")
    assert check_input_file(tmp_path / "ok") == tmp_path / "ok"
