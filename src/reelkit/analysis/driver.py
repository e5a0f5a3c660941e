"""The one-pass analysis driver: open a media file once, feed every registered detector.

Decoding is the most expensive thing reelkit does, so analysis never decodes on its own: a detector
*declares* what it needs and the driver decodes the file once and hands out what was asked for::

    class Brightness(Detector):
        name, version = "brightness", "1"
        video = VideoNeed(max_side=128)                 # 128-px RGB frames, every frame

        def __init__(self) -> None:
            self.values: list[float] = []

        def on_frame(self, frame: Frame, window: Window) -> None:
            self.values.append(float(frame.image.mean()))

        def finish(self) -> list[float]:
            return self.values

    results = run_detectors("clip.mp4", [Brightness(), LoudnessDetector()])
    results["brightness"]   # what finish() returned

How one decode serves many needs:

* **video** — detectors' :class:`VideoNeed` are grouped by (size, pixel format). The group with the
  smallest ``every`` is the decode's main output (:func:`reelkit.media.read_frames`, ``draft`` frames by
  default: analysis-grade, no deblocking); every other group is an extra output of the *same decoded
  picture* (:class:`reelkit.media.FrameOutput`), converted only on the frames its ``every`` selects.
  ``look_behind`` / ``look_ahead`` are served from a ring buffer: a detector with ``look_ahead=a`` gets
  frame *i* once frame *i + a* is decoded, with ``window.behind`` (up to ``look_behind`` earlier frames)
  and ``window.ahead`` (up to ``a`` later frames, fewer at the end of the file).
* **audio** — detectors' :class:`AudioNeed` are grouped by (rate, channels); each group is one
  streaming decode of the audio stream (:func:`reelkit.media.iter_audio`), advanced in lockstep with
  the video (blocks up to the current video time), so memory stays bounded and a detector that needs
  both sees them together.

Detectors are small, testable alone (construct one, push frames, call ``finish``), and return typed
results. Exceptions in a detector propagate: the file's analysis fails as a whole (the index then
records the error, see :mod:`reelkit.index.analyze`). The driver holds at most
``max(look_behind + look_ahead) + 1`` frames per group.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from reelkit.errors import NoFrameError, UsageError
from reelkit.fileio import check_input_file
from reelkit.media import Frame, FrameOutput, MediaInfo, iter_audio, probe, read_frames
from reelkit.media.video import PixelFormat
from reelkit.progress import ProgressFn

__all__ = ["AudioNeed", "Detector", "KeepFrames", "VideoNeed", "Window", "frames_in", "run_detectors"]


@dataclass(frozen=True)
class VideoNeed:
    """What frames a detector wants.

    Attributes:
        max_side: longest side in pixels (None: full size; never enlarged).
        pixel_format: ``rgb24`` (uint8 ``(H, W, 3)``), ``gray`` (uint8 ``(H, W)``) or ``rgb48``.
        every: only frames whose index is a multiple of this.
        look_behind, look_ahead: frames of context the detector wants with each frame (in frames of
            this need, i.e. counted in ``every`` steps).
    """

    max_side: int | None = 128
    pixel_format: PixelFormat = "rgb24"
    every: int = 1
    look_behind: int = 0
    look_ahead: int = 0

    def __post_init__(self) -> None:
        if self.every < 1 or self.look_behind < 0 or self.look_ahead < 0:
            raise UsageError(f"bad video need {self}: every >= 1 and look-behind/ahead >= 0")
        if self.max_side is not None and self.max_side < 1:
            raise UsageError(f"bad video need {self}: max_side must be positive")


@dataclass(frozen=True)
class AudioNeed:
    """What audio a detector wants: ``(channels, n)`` float32 blocks.

    Attributes:
        sample_rate: Hz (None: the stream's own rate).
        channels: 1 (mono downmix), 2, or None (the source layout).
        block_samples: maximum block length in samples.
    """

    sample_rate: int | None = None
    channels: int | None = 1
    block_samples: int = 65536


@dataclass(frozen=True)
class Window:
    """Context frames handed with a frame (oldest first); empty unless the need asked for them."""

    behind: Sequence[Frame] = ()
    ahead: Sequence[Frame] = ()


class Detector:
    """Base class of a detector run by :func:`run_detectors`.

    Subclasses set ``name``, ``version`` (bump it when results change), ``video`` and/or ``audio``,
    and override :meth:`on_frame` / :meth:`on_audio` and :meth:`finish`. :meth:`params` names the
    parameters that change the result (the media index keys results by them).
    """

    name: ClassVar[str] = "detector"
    version: ClassVar[str] = "1"
    video: VideoNeed | None = None
    audio: AudioNeed | None = None

    def params(self) -> dict[str, Any]:
        """Parameters that change the result (JSON-able)."""
        return {}

    def start(self, info: MediaInfo) -> None:
        """Called once before the first frame or block, with the probe result."""

    def on_frame(self, frame: Frame, window: Window) -> None:
        """One frame at the declared size/format (``frame.index``: index in the file)."""

    def on_audio(self, block: np.ndarray, start_sample: int, sample_rate: int) -> None:
        """One ``(channels, n)`` float32 block starting at ``start_sample`` (at ``sample_rate`` Hz)."""

    def finish(self) -> Any:
        """Return the detector's typed result (called once, after the last frame and block)."""
        return None


class KeepFrames(Detector):
    """The frames of a need as decoded, at most ``limit`` (None: all): the detector for a consumer that
    takes a few pictures to analyse itself (colour samples, a short shot's one detection).

    :meth:`finish` returns the kept :class:`~reelkit.media.Frame` objects in order.
    """

    name = "frames"
    version = "1"

    def __init__(self, need: VideoNeed, limit: int | None = None) -> None:
        self.video = need
        self.limit = limit
        self.frames: list[Frame] = []

    def on_frame(self, frame: Frame, window: Window) -> None:
        """Keep the frame while under the limit."""
        if self.limit is None or len(self.frames) < self.limit:
            self.frames.append(frame)

    def finish(self) -> list[Frame]:
        """The kept frames."""
        return self.frames


def frames_in(path: str | os.PathLike[str], need: VideoNeed, first: int, end: int, *, limit: int | None = None,
              info: MediaInfo | None = None, draft: bool = True) -> list[Frame]:
    """Frames ``first`` <= index < ``end`` of ``need`` (at most ``limit``) through the driver, for a consumer
    that takes a few pictures (:class:`KeepFrames`); [] when none decodes there or the range is empty.

    Raises:
        the media errors of :func:`run_detectors` other than NoFrameError.
    """
    if end <= first:
        return []
    keep = KeepFrames(need, limit)
    try:
        got: list[Frame] = run_detectors(path, [keep], info=info, frames=(first, end), draft=draft)[keep.name]
    except NoFrameError:
        return []
    return got


class _Feed:
    """One detector's frames: a ring buffer of ``look_behind + look_ahead + 1`` frames."""

    def __init__(self, det: Detector, need: VideoNeed) -> None:
        self.det, self.need = det, need
        self.q: deque[Frame] = deque(maxlen=need.look_behind + need.look_ahead + 1)
        self.waiting = 0  # frames appended but not yet delivered (look-ahead)

    def _give(self, k: int) -> None:
        q = list(self.q)
        self.det.on_frame(q[k], Window(tuple(q[max(0, k - self.need.look_behind):k]), tuple(q[k + 1:])))

    def push(self, frame: Frame) -> None:
        if frame.index % self.need.every:
            return
        if not self.need.look_behind and not self.need.look_ahead:
            self.det.on_frame(frame, Window())
            return
        self.q.append(frame)
        self.waiting += 1
        if self.waiting > self.need.look_ahead:
            self.waiting -= 1
            self._give(len(self.q) - 1 - self.need.look_ahead)

    def flush(self) -> None:
        n = len(self.q)
        for k in range(n - self.waiting, n):
            self._give(k)
        self.waiting = 0


@dataclass
class _Group:
    """Detectors sharing one (size, format) video output."""

    max_side: int | None
    pixel_format: PixelFormat
    feeds: list[_Feed] = field(default_factory=list)
    every: int = 1

    def feed(self, frame: Frame) -> None:
        for f in self.feeds:
            f.push(frame)

    def flush(self) -> None:
        """Deliver the frames still waiting for look-ahead (with a shorter ``ahead``)."""
        for f in self.feeds:
            f.flush()


def _groups(detectors: Sequence[Detector]) -> list[_Group]:
    groups: dict[tuple[int | None, str], _Group] = {}
    for d in detectors:
        if d.video is None:
            continue
        key = (d.video.max_side, d.video.pixel_format)
        g = groups.setdefault(key, _Group(d.video.max_side, d.video.pixel_format))
        g.feeds.append(_Feed(d, d.video))
    for g in groups.values():
        g.every = math.gcd(*(f.need.every for f in g.feeds))
    # the main output: the densest group (ties: the first declared)
    return sorted(groups.values(), key=lambda g: g.every)


def _audio_blocks(info: MediaInfo, need: AudioNeed) -> Iterator[np.ndarray]:
    return iter_audio(info.path, sample_rate=need.sample_rate, channels=need.channels,
                      block_samples=need.block_samples, info=info)


def run_detectors(path: str | os.PathLike[str], detectors: Sequence[Detector], *, info: MediaInfo | None = None,
                  progress: ProgressFn | None = None, draft: bool = True,
                  frames: tuple[int, int] | None = None) -> dict[str, Any]:
    """Decode ``path`` once and run every detector over it; return ``{detector.name: result}``.

    Args:
        path: a media file.
        detectors: detector instances (names must be unique).
        info: a probe result to reuse (probed once here otherwise).
        progress: ``(frames_done, total)`` for video; ``(samples_done, total)`` when only audio is used.
        draft: analysis-grade video decode (see :func:`reelkit.media.read_frames`).
        frames: ``(first, end)``: only video frames ``first`` <= index < ``end`` (the decode seeks to the
            keyframe before ``first``); video detectors only.

    Returns:
        The detectors' :meth:`Detector.finish` results by name.

    Raises:
        UsageError: duplicate detector names, or ``frames`` with an audio detector or an empty range;
        the media errors of :func:`reelkit.media.probe`,
        :func:`reelkit.media.read_frames` and :func:`reelkit.media.iter_audio` (NoVideoStreamError when a
        detector needs video and there is none — NoAudioStreamError likewise); NoFrameError when no
        video frame decodes (in ``frames`` when given); whatever a detector raises.
    """
    names = [d.name for d in detectors]
    if len(set(names)) != len(names):
        raise UsageError(f"detector names must be unique, got {names}")
    if frames is not None and (frames[1] <= frames[0] or frames[0] < 0):
        raise UsageError(f"bad frame range {frames}: need 0 <= first < end")
    if frames is not None and any(d.audio is not None for d in detectors):
        raise UsageError("a frame range is for video detectors only")
    src = check_input_file(path, what="media file")
    info = info or probe(src)
    groups = _groups(detectors)
    if groups:
        info.require_video()
    audio_groups: dict[tuple[int | None, int | None], list[Detector]] = {}
    for d in detectors:
        if d.audio is not None:
            audio_groups.setdefault((d.audio.sample_rate, d.audio.channels), []).append(d)
    if audio_groups:
        info.require_audio()
    for d in detectors:
        d.start(info)

    streams: list[_AudioStream] = []
    for (rate, _ch), dets in audio_groups.items():
        block = min(d.audio.block_samples for d in dets if d.audio is not None)
        need = AudioNeed(rate, dets[0].audio.channels if dets[0].audio else 1, block)
        sr = int(rate or (info.audio.sample_rate if info.audio else 0) or 0)
        streams.append(_AudioStream(_audio_blocks(info, need), dets, sr))

    if groups:
        main, *rest = groups
        also = [FrameOutput(g.max_side, g.pixel_format, g.every) for g in rest]
        step = main.every if not rest else 1
        total = info.video.frames if info.video else None
        first, end = frames if frames is not None else (0, None)
        if frames is not None:
            first += (-first) % step  # read_frames counts its step from ``start``
            total = frames[1] - first
        done = 0
        for fr in read_frames(src, max_side=main.max_side, pixel_format=main.pixel_format, info=info,
                              draft=draft, step=step, also=also, start=first, end=end):
            if fr.index % main.every == 0:
                main.feed(Frame(fr.index, fr.time_s, fr.image))
            for g, img in zip(rest, fr.extra, strict=True):
                if img is not None:
                    g.feed(Frame(fr.index, fr.time_s, img))
            if fr.time_s is not None:
                for s in streams:
                    s.advance(float(fr.time_s))
            done += 1
            if progress is not None and done % 50 == 0:
                progress(done, total)
        if done == 0:
            raise NoFrameError(f"{src}: no video frame could be decoded", hint="is the file truncated?")
        for g in groups:
            g.flush()
        if progress is not None:
            progress(done, total)
    for s in streams:
        s.advance(math.inf, progress=None if groups else progress,
                  total=round((info.duration_s or 0) * s.rate) or None)
    return {d.name: d.finish() for d in detectors}


class _AudioStream:
    """One audio decode feeding its detectors, pulled up to a time."""

    def __init__(self, blocks: Iterator[np.ndarray], detectors: list[Detector], rate: int) -> None:
        self.blocks = blocks
        self.detectors = detectors
        self.rate = rate
        self.pos = 0

    def advance(self, until_s: float, progress: ProgressFn | None = None, total: int | None = None) -> None:
        while self.rate and self.pos < until_s * self.rate:
            block = next(self.blocks, None)
            if block is None:
                self.rate = 0  # exhausted
                return
            for d in self.detectors:
                d.on_audio(block, self.pos, self.rate)
            self.pos += block.shape[1]
            if progress is not None:
                progress(self.pos, total)

