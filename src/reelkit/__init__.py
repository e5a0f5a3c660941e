"""reelkit — a local-first AI cinematography toolkit.

The pipeline is carried by two objects: :class:`ShotSpec` (what a shot should be) and the
OpenTimelineIO ``Timeline`` (what the cut is). See ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata on first use: importlib.metadata costs
    # ~80 ms, more than the start-up of a short command
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("reelkit")
        except PackageNotFoundError:  # running from a source tree that was not installed
            v = "0.0.0+unknown"
        globals()["__version__"] = v
        return v
    raise AttributeError(f"module 'reelkit' has no attribute {name!r}")
