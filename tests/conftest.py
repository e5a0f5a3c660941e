"""Shared fixtures: the shared data folder, the bundled sample film, a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository (real footage, speech and fixtures)."""
    assert SHARED_DATA.is_dir(), f"shared data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample film (see :mod:`reelkit.sample`), rendered once per test session."""
    from reelkit.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("sample") / "sample.mp4")


def run_reel(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
             timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real ``reel`` CLI in a subprocess and capture its output (text)."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("REELKIT_CACHE", str(Path(full_env.get("TMPDIR", "/tmp")) / "reelkit-test-cache"))
    return subprocess.run([sys.executable, "-m", "reelkit.cli.main", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def reel():
    """Fixture form of :func:`run_reel`."""
    return run_reel


@pytest.fixture(scope="session", autouse=True)
def shared_data_stays_clean():
    """No test may leave a media index (``.reelkit/``) inside ``../shared/data``: commands write their index
    beside the media by default, so a test running one on a shared file must pass ``--no-index``/``--index``."""
    def indexes() -> set[Path]:
        return set(SHARED_DATA.rglob(".reelkit")) if SHARED_DATA.is_dir() else set()

    before = indexes()
    yield
    new = indexes() - before
    assert not new, f"tests wrote a media index into the shared data: {sorted(map(str, new))}"
