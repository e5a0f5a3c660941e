"""reelkit — a local-first AI cinematography toolkit.

The pipeline is carried by two objects: :class:`ShotSpec` (what a shot should be) and the
OpenTimelineIO ``Timeline`` (what the cut is). See ``DESIGN.md`` in the project's shared folder.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reelkit")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
