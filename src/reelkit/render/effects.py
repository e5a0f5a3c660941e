"""Picture effects that :func:`reelkit.render.render_timeline` applies in its one pass.

An effect maps a decoded source frame (full size, display orientation) to an output picture and
knows which source frame it is looking at, so an effect planned on a source file — a reframe crop
path, a grade per shot — follows that source through any cut of it. Effects run in order, before
the captions are burned in:

>>> render_timeline(tl, "out.mp4", effects=[GradeEffect({src: ranges}), ReframeEffect(plan)],
...                 captions=cues)                                            # doctest: +SKIP

gives a graded, reframed, captioned cut from one decode and one encode.

Images are ``(H, W, 3)`` RGB, uint8 — or uint16 (``rgb48``) when every effect of the chain says
``deep`` and a source is deeper than 8 bits; the renderer then writes 10-bit HEVC.
"""

from __future__ import annotations

import bisect
import itertools
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np

from reelkit.color.lut import GradedRange, lut_digest, write_cube
from reelkit.edit.reframe import ReframePlan
from reelkit.errors import UsageError
from reelkit.provenance import Action
from reelkit.render.compose import compose_frame

__all__ = ["GradeEffect", "PictureEffect", "ReframeEffect"]

GradeBackend = Literal["ffmpeg", "numpy"]


class PictureEffect:
    """Base class: a per-frame picture operation keyed by (source file, source frame index)."""

    #: accepts and returns uint16 ``rgb48`` images as well as uint8
    deep: bool = False

    def output_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """The ``(w, h)`` this effect makes of a ``(w, h)`` input."""
        return size

    def check(self, sources: Iterable[Path]) -> None:
        """Raise :class:`~reelkit.errors.UsageError` before any work if a source cannot be handled."""

    def apply(self, image: np.ndarray, source: Path, frame: int) -> np.ndarray:
        """The picture for ``source``'s decoded frame ``frame`` (0-based)."""
        raise NotImplementedError

    def actions(self) -> list[Action]:
        """What the effect did, for the provenance manifest."""
        return []

    def close(self) -> None:
        """Release resources (temporary files, filter graphs)."""


def _resolved(paths: Iterable[Path]) -> set[Path]:
    return {Path(p).resolve() for p in paths}


class _Resolver:
    """``Path(p).resolve()`` once per distinct path (effects are called per frame: no syscall each time)."""

    def __init__(self) -> None:
        self._seen: dict[Path, Path] = {}

    def __call__(self, p: Path) -> Path:
        r = self._seen.get(p)
        if r is None:
            r = self._seen[p] = Path(p).resolve()
        return r


class ReframeEffect(PictureEffect):
    """Crop each frame of a planned source to its window (split/pad/track modes, see
    :func:`reelkit.render.compose.compose_frame`) and scale it to the plan's output size.

    Args:
        plans: one :class:`~reelkit.edit.reframe.ReframePlan`, or several for a timeline that cuts
            between sources; all must share one output size.

    Raises:
        UsageError: plans of different output sizes; at render time, a timeline source with no plan.
    """

    def __init__(self, plans: ReframePlan | Sequence[ReframePlan]) -> None:
        plans = [plans] if isinstance(plans, ReframePlan) else list(plans)
        if not plans:
            raise UsageError("a reframe effect needs at least one plan")
        sizes = {p.output_size for p in plans}
        if len(sizes) > 1:
            raise UsageError(f"the reframe plans have different output sizes: {sorted(sizes)}")
        self.size = plans[0].output_size
        if self.size[0] % 2 or self.size[1] % 2:
            raise UsageError(f"output size {self.size[0]}×{self.size[1]} must be even")
        self._plans: dict[Path, tuple[np.ndarray, list[str], list[tuple[tuple[int, int, int, int], ...]]]] = {}
        for p in plans:
            n = len(p.path.windows)
            modes = ["track"] * n
            panels: list[tuple[tuple[int, int, int, int], ...]] = [()] * n
            for s in p.path.shots:
                for i in range(s.start, min(s.end, n - 1) + 1):
                    modes[i] = s.mode
                    panels[i] = s.panels
            self._plans[Path(p.info.path).resolve()] = (np.asarray(p.path.windows, np.float64), modes, panels)
        self._resolve = _Resolver()

    def output_size(self, size: tuple[int, int]) -> tuple[int, int]:
        return self.size

    def check(self, sources: Iterable[Path]) -> None:
        missing = sorted(str(s) for s in _resolved(sources) - set(self._plans))
        if missing:
            raise UsageError(f"no reframe plan for {missing[0]} (the timeline uses it)")

    def apply(self, image: np.ndarray, source: Path, frame: int) -> np.ndarray:
        windows, modes, panels = self._plans[self._resolve(source)]
        i = min(max(frame, 0), len(windows) - 1)
        win = (float(windows[i][0]), float(windows[i][1]), float(windows[i][2]), float(windows[i][3]))
        return compose_frame(image, win, modes[i], panels[i], self.size)

    def actions(self) -> list[Action]:
        return [Action("reframe", f"reframed to {self.size[0]}x{self.size[1]} following the subject")]


class _LutFilter:
    """A PyAV filter graph ``buffer → lut3d → buffersink`` for one LUT, size and pixel format."""

    def __init__(self, cube_path: Path, width: int, height: int, fmt: str) -> None:
        self.graph = av.filter.Graph()
        src = self.graph.add_buffer(width=width, height=height, format=fmt, time_base=Fraction(1, 1000))
        lut = self.graph.add("lut3d", file=str(cube_path), interp="tetrahedral")
        sink = self.graph.add("buffersink")
        src.link_to(lut)
        lut.link_to(sink)
        self.graph.configure()
        self.fmt = fmt
        self._pts = 0

    def __call__(self, image: np.ndarray) -> np.ndarray:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=self.fmt)
        frame.pts = self._pts
        self._pts += 1
        self.graph.push(frame)
        return self.graph.pull().to_ndarray(format=self.fmt)


class GradeEffect(PictureEffect):
    """Grade each frame with the 3-D LUT of its source-frame range; frames outside every range pass.

    Every frame of a range goes through the same LUT, so a grade cannot flicker inside a shot.

    Args:
        ranges: per source file, its :class:`~reelkit.color.lut.GradedRange` list (non-overlapping).
        backend: ``ffmpeg`` (FFmpeg's ``lut3d`` filter, tetrahedral) or ``numpy`` (:meth:`Lut.apply`).

    Attributes:
        lut_per_frame: per frame graded so far, in render order, the digest of the LUT applied
            (``""`` for a frame outside every range).

    Raises:
        UsageError: an unknown backend or overlapping ranges.
    """

    deep = True

    def __init__(self, ranges: Mapping[Path | str, Sequence[GradedRange]], backend: GradeBackend = "ffmpeg") -> None:
        if backend not in ("ffmpeg", "numpy"):
            raise UsageError(f"unknown render backend {backend!r}; use ffmpeg or numpy")
        self.backend = backend
        self._ranges: dict[Path, list[GradedRange]] = {}
        for src, rs in ranges.items():
            ordered = sorted(rs, key=lambda r: r.start)
            for a, b in itertools.pairwise(ordered):
                if b.start <= a.end:
                    raise UsageError(f"grade ranges overlap: [{a.start}, {a.end}] and [{b.start}, {b.end}]")
            self._ranges[Path(src).resolve()] = ordered
        self._starts = {k: [r.start for r in rs] for k, rs in self._ranges.items()}
        self._resolve = _Resolver()
        self._digests = {id(r): lut_digest(r.lut) for rs in self._ranges.values() for r in rs}
        self._filters: dict[tuple[int, int, int, str], _LutFilter] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.lut_per_frame: list[str] = []

    def _range_at(self, source: Path, frame: int) -> GradedRange | None:
        key = self._resolve(source)
        k = bisect.bisect_right(self._starts.get(key, []), frame) - 1  # the last range starting at or before it
        if k < 0:
            return None
        r = self._ranges[key][k]
        return r if frame <= r.end else None

    def apply(self, image: np.ndarray, source: Path, frame: int) -> np.ndarray:
        rng = self._range_at(source, frame)
        if rng is None:
            self.lut_per_frame.append("")
            return image
        self.lut_per_frame.append(self._digests[id(rng)])
        deep = image.dtype == np.uint16
        if self.backend == "numpy":
            scale = 65535.0 if deep else 255.0
            y = np.clip(rng.lut.apply(image / scale), 0, 1) * scale + 0.5
            return y.astype(np.uint16 if deep else np.uint8)
        fmt = "rgb48le" if deep else "rgb24"
        key = (id(rng), image.shape[1], image.shape[0], fmt)
        f = self._filters.get(key)
        if f is None:
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="reelkit-grade-")
            cube = Path(self._tmp.name) / f"grade{len(self._filters)}.cube"
            write_cube(rng.lut, cube, flavour="iridas")
            f = self._filters[key] = _LutFilter(cube, image.shape[1], image.shape[0], fmt)
        return f(image)

    def actions(self) -> list[Action]:
        n = sum(len(v) for v in self._ranges.values())
        return [Action("colour", f"graded with {n} 3-D LUT(s)")]

    def close(self) -> None:
        self._filters.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
