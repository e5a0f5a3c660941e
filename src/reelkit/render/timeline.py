"""Render a cut timeline to a media file: streaming, frame-exact, with audio crossfades, picture effects
and captions — the project's one renderer.

Pictures are decoded clip by clip with :func:`reelkit.media.read_frames` and written one frame at a
time; audio is decoded in blocks with :func:`reelkit.media.iter_audio`. Nothing holds more than a
few frames and one audio block per source, so a ten-minute 1080p timeline renders in constant
memory. Audio is interleaved with video frame by frame (the samples of output frame ``f`` are
``frames_to_samples(f) .. frames_to_samples(f + 1)``), so the two never drift apart.

At every cut the first ``crossfade_s`` (10 ms) of the incoming clip is mixed with the continuation of
the outgoing clip using equal-power gains (cos/sin), which removes the click of a hard audio cut
without shifting anything in time. The output is written atomically by :class:`MediaWriter`:
a failed render (disk full, Ctrl-C) leaves no partial file.

Picture effects (:mod:`reelkit.render.effects`: a grade per shot, a reframe crop path) see each
decoded source frame at full size with its source file and frame index, in order, before the
captions are burned in; so a graded, reframed, captioned cut is one decode and one encode. With a
source deeper than 8 bits and only deep-capable effects (grades), frames stay 16-bit and the
output is 10-bit HEVC.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio

from reelkit.edit.captions import Cue
from reelkit.errors import InputFormatError, UsageError
from reelkit.fileio import check_output_path
from reelkit.media import MediaInfo, MediaWriter, iter_audio, output_size, probe, read_frames
from reelkit.progress import ProgressFn
from reelkit.provenance import Action, declare
from reelkit.render.captions import CaptionPainter, CaptionStyle
from reelkit.render.compose import resize
from reelkit.render.effects import PictureEffect
from reelkit.time import frames_to_samples
from reelkit.timeline.build import ClipSpan, media_frame_count, timeline_tracks

__all__ = ["RenderResult", "render_timeline"]

#: continue decoding instead of seeking when the next clip starts at most this many frames later
_SEEK_THRESHOLD = 48
_AUDIO_ONLY_SUFFIXES = {".wav": "pcm", ".flac": "flac", ".m4a": "aac", ".mka": "flac", ".ogg": "opus",
                        ".opus": "opus"}


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_timeline` wrote: path, frames (at ``rate``), audio samples, size, cut count.

    ``audio_rewinds`` counts the times a source's audio had to be decoded again from its start because
    the timeline jumped backwards in it (0 for timelines that play their sources forwards).
    """

    path: Path
    frames: int
    rate: Fraction
    samples: int
    sample_rate: int | None
    width: int | None
    height: int | None
    cuts: int
    audio_rewinds: int = 0


class _SourceAudio:
    """Sequential random access to one file's audio: ``read(start, n)`` with a small retained buffer.

    Reads that go backwards before the buffer restart decoding from the beginning (rare: reelkit
    timelines play their sources forwards).
    """

    def __init__(self, info: MediaInfo, sample_rate: int, channels: int) -> None:
        self.info, self.sr, self.ch = info, sample_rate, channels
        self.restarts = -1  # decodes started from the beginning after the first one
        self._restart()

    def _restart(self) -> None:
        self.restarts += 1
        self._it: Iterator[np.ndarray] | None = iter_audio(
            self.info.path, sample_rate=self.sr, channels=self.ch, block_samples=32768, info=self.info)
        self._buf = np.zeros((self.ch, 0), np.float32)
        self._buf_start = 0

    def read(self, start: int, n: int) -> np.ndarray:
        if start < self._buf_start:
            self._restart()
        # drop what lies before start
        drop = min(self._buf.shape[1], start - self._buf_start)
        if drop > 0:
            self._buf = self._buf[:, drop:]
            self._buf_start += drop
        while self._buf_start + self._buf.shape[1] < start + n and self._it is not None:
            block = next(self._it, None)
            if block is None:
                self._it = None
                break
            self._buf = np.concatenate([self._buf, block], axis=1) if self._buf.shape[1] else block
            if self._buf_start + self._buf.shape[1] <= start:  # still before the request: discard
                self._buf_start += self._buf.shape[1]
                self._buf = np.zeros((self.ch, 0), np.float32)
        off = start - self._buf_start
        out = self._buf[:, off:off + n]
        if out.shape[1] < n:  # past the end of the stream: silence
            out = np.concatenate([out, np.zeros((self.ch, n - out.shape[1]), np.float32)], axis=1)
        return out


@dataclass
class _ASeg:
    out_start: int
    out_end: int
    src: _SourceAudio | None
    src_start: int
    fade_from: tuple[_SourceAudio, int] | None  # continuation of the previous clip to crossfade from
    tail: np.ndarray | None = None  # that continuation, read once before this clip's own samples


class _AudioAssembler:
    """Produces output samples in order from the audio track's clips, crossfading at cuts."""

    def __init__(self, segs: list[_ASeg], channels: int, fade: int) -> None:
        self.segs, self.ch, self.fade = segs, channels, fade
        self.k = 0
        self.pos = 0

    def read(self, n: int) -> np.ndarray:
        out = np.zeros((self.ch, n), np.float32)
        filled = 0
        while filled < n and self.k < len(self.segs):
            seg = self.segs[self.k]
            if self.pos >= seg.out_end:
                self.k += 1
                continue
            take = min(n - filled, seg.out_end - self.pos)
            if self.pos >= seg.out_start and seg.src is not None:
                rel = self.pos - seg.out_start
                if seg.fade_from is not None and seg.tail is None:
                    # read the outgoing clip's continuation first: sources are read forwards only
                    src_prev, prev_end = seg.fade_from
                    seg.tail = src_prev.read(prev_end, self.fade).copy()
                chunk = seg.src.read(seg.src_start + rel, take).copy()
                if seg.tail is not None and rel < self.fade:
                    m = min(take, self.fade - rel)
                    t = (np.arange(rel, rel + m, dtype=np.float64) + 0.5) / self.fade
                    tail = seg.tail[:, rel:rel + m]
                    chunk[:, :m] = (chunk[:, :m] * np.sin(t * np.pi / 2) + tail * np.cos(t * np.pi / 2)
                                    ).astype(np.float32)
                out[:, filled:filled + take] = chunk
            filled += take
            self.pos += take
        return out


def _black(size: tuple[int, int], yuv: bool, deep: bool = False) -> np.ndarray:
    """A black frame: RGB ``(h, w, 3)`` (uint16 when ``deep``), or I420 ``(h*3/2, w)`` (Y=16, U=V=128)."""
    w, h = size
    if not yuv:
        return np.zeros((h, w, 3), np.uint16 if deep else np.uint8)
    img = np.full((h * 3 // 2, w), 128, np.uint8)
    img[:h] = 16
    return img


def _even(v: int) -> int:
    return max(2, v - v % 2)


class _VideoSource:
    """Decodes one file's frames; continues decoding across small forward gaps instead of seeking."""

    def __init__(self, info: MediaInfo, size: tuple[int, int], yuv: bool, deep: bool = False) -> None:
        self.info, self.size, self.yuv, self.deep = info, size, yuv, deep
        self._gen: Iterator[np.ndarray] | None = None
        self._next = 0
        self._last: np.ndarray | None = None

    def frames(self, start: int, count: int) -> Iterator[np.ndarray]:
        if self._gen is None or start < self._next or start - self._next > _SEEK_THRESHOLD:
            w, h = self.size
            self._gen = (f.image for f in read_frames(self.info.path, start=start, width=w, height=h, info=self.info,
                                                      pixel_format="yuv420p" if self.yuv else
                                                      "rgb48" if self.deep else "rgb24"))
            self._next = start
        while self._next < start:  # skip a short gap by decoding through it
            if next(self._gen, None) is None:
                break
            self._next += 1
        for _ in range(count):
            img = next(self._gen, None) if self._gen is not None else None
            if img is None:  # the file ended early: hold the last picture to keep sync
                self._gen = None
                img = self._last if self._last is not None else _black(self.size, self.yuv, self.deep)
            self._last = img
            self._next += 1
            yield img


def render_timeline(
    timeline: otio.schema.Timeline,
    out_path: str | os.PathLike[str],
    *,
    captions: Sequence[Cue] | None = None,
    progress: ProgressFn | None = None,
    force: bool = False,
    crossfade_s: Fraction = Fraction(1, 100),
    caption_style: CaptionStyle | None = None,
    crf: int = 18,
    preset: str = "veryfast",
    effects: Sequence[PictureEffect] = (),
) -> RenderResult:
    """Render ``timeline`` (a ranges timeline: cuts only) to ``out_path``.

    Args:
        timeline: OTIO timeline whose clips reference media files (see
            :func:`reelkit.timeline.ranges_timeline`). The first video track gives the pictures, the first
            audio track the sound; gaps render as black / silence.
        out_path: output file; ``.mp4``/``.mov``/``.mkv`` for video (H.264 + AAC), ``.wav``/``.flac``/
            ``.m4a`` for audio-only timelines.
        captions: cues on the timeline's clock (see :func:`reelkit.edit.captions.words_on_timeline`),
            burned into the picture.
        progress: called with ``(frames done, total frames)``.
        force: overwrite an existing output.
        crossfade_s: length of the equal-power audio crossfade at each cut (0 disables).
        effects: picture effects applied in order to every source frame (not to gaps), before the
            captions; the output size is the chain's size for the first video clip, and a frame of
            another size is scaled to it.

    Returns:
        :class:`RenderResult`.

    Raises:
        OutputExistsError: the output exists and ``force`` is false (checked before any work).
        OutputError: writing failed (disk full...); no partial file is left.
        UsageError: captions or effects on an audio-only timeline, nothing to render, or a source an
            effect cannot handle (checked before any work).
        InputFormatError / MediaError: unsupported timeline items, unreadable media.
    """
    out_path = Path(out_path)
    check_output_path(out_path, force=force)
    rate, tracks = timeline_tracks(timeline)
    vtrack = next((t for t in tracks if t.kind == "video"), None)
    atrack = next((t for t in tracks if t.kind == "audio"), None)
    if vtrack is None and atrack is None:
        raise UsageError("the timeline has no tracks to render")
    if vtrack is None and captions:
        raise UsageError("captions can only be burned into video; this timeline is audio-only")
    if vtrack is None and effects:
        raise UsageError("picture effects need video; this timeline is audio-only")
    if vtrack is not None:
        for e in effects:
            e.check(c.path for c in vtrack.clips if c.path is not None)
    infos: dict[Path, MediaInfo] = {}

    def info_of(clip: ClipSpan) -> MediaInfo:
        assert clip.path is not None
        if clip.path not in infos:
            infos[clip.path] = probe(clip.path)
        return infos[clip.path]

    total = max((c.record_start + c.duration for t in (vtrack, atrack) if t is not None for c in t.items),
                default=0)
    if total <= 0:
        raise UsageError("the timeline is empty: nothing to render")
    # a timeline that plays one whole file is not a cut (render_graded, render_reframe): no "cut" action
    played = [c for t in (vtrack, atrack) if t is not None for c in t.items]
    is_cut = not (len({c.path for c in played}) == 1 and all(
        not c.is_gap and c.index_start == 0 and c.duration == media_frame_count(info_of(c), rate) for c in played))
    declare(out_path, sources=list(dict.fromkeys(c.path for t in (vtrack, atrack) if t is not None for c in t.clips
                                                 if c.path is not None)),
            actions=[*([Action("cut", f"timeline {timeline.name or ''} rendered".replace("  ", " "))] if is_cut
                       else []),
                     *(a for e in effects for a in e.actions()),
                     *([Action("captions", f"{len(captions)} caption cues burned in")] if captions else [])])

    # -- picture --------------------------------------------------------------------------------
    size: tuple[int, int] | None = None
    yuv = deep = False
    if vtrack is not None:
        first = next((c for c in vtrack.clips if info_of(c).video is not None), None)
        if first is None:
            raise InputFormatError("the video track references no media with video")
        w, h = output_size(info_of(first).require_video())
        for e in effects:
            w, h = e.output_size((w, h))
        size = (_even(w), _even(h))
        # fast path: no RGB round trip when nothing is drawn and every source already has the output size
        yuv = not captions and not effects and all(
            info_of(c).video is None or (info_of(c).require_video().rotation == 0
                                         and output_size(info_of(c).require_video()) == size)
            for c in vtrack.clips)
        # 16-bit frames and 10-bit output: only effects that keep depth, no captions, a deep source
        deep = bool(effects) and not captions and all(e.deep for e in effects) and any(
            (info_of(c).require_video().bit_depth or 8) > 8 for c in vtrack.clips if info_of(c).video is not None)

    # -- sound ------------------------------------------------------------------------------------
    sr: int | None = None
    channels = 2
    segs: list[_ASeg] = []
    if atrack is not None and atrack.clips:
        with_audio = [c for c in atrack.clips if info_of(c).audio is not None]
        if with_audio:
            a0 = info_of(with_audio[0]).require_audio()
            sr = int(a0.sample_rate or 48000)
            channels = 1 if (a0.channels or 2) == 1 else 2
    sources: dict[Path, _SourceAudio] = {}
    if sr is not None and atrack is not None:
        fade = max(0, round(Fraction(crossfade_s) * sr))
        prev: tuple[ClipSpan, _SourceAudio] | None = None
        for item in atrack.items:
            o0 = frames_to_samples(item.record_start, rate, sr)
            o1 = frames_to_samples(item.record_start + item.duration, rate, sr)
            if item.is_gap or info_of(item).audio is None:
                segs.append(_ASeg(o0, o1, None, 0, None))
                prev = None
                continue
            assert item.path is not None and item.source_start is not None
            if item.path not in sources:
                sources[item.path] = _SourceAudio(info_of(item), sr, channels)
            src = sources[item.path]
            s0 = frames_to_samples(item.index_start, rate, sr)
            fade_from = None
            if prev is not None and fade > 0:
                pclip, psrc = prev
                assert pclip.index_start is not None
                p_end = frames_to_samples(pclip.index_start + pclip.duration, rate, sr)
                if not (psrc is src and p_end == s0):  # a real cut, not a continuation
                    fade_from = (psrc, p_end)
            segs.append(_ASeg(o0, o1, src, s0, fade_from))
            prev = (item, src)
    assembler = _AudioAssembler(segs, channels, max(0, round(Fraction(crossfade_s) * sr)) if sr else 0)
    cuts = sum(1 for s in segs if s.fade_from is not None)

    # -- writer ------------------------------------------------------------------------------------
    kwargs: dict[str, object] = {"force": force}
    if size is not None:
        kwargs.update(width=size[0], height=size[1], rate=rate, crf=crf, preset=preset)
        if deep:
            kwargs.update(video_codec="hevc", pix_fmt="yuv420p10le")
        if sr is not None:
            kwargs.update(audio_rate=sr, audio_channels=channels, audio_codec="aac")
    else:
        if sr is None:
            raise UsageError("the timeline's media has no audio and no video to render")
        kwargs.update(audio_rate=sr, audio_channels=channels,
                      audio_codec=_AUDIO_ONLY_SUFFIXES.get(out_path.suffix.lower(), "aac"))
    painter = CaptionPainter(caption_style) if captions else None
    cue_list = sorted(captions or [], key=lambda c: c.start)
    ci = 0
    samples_written = 0
    every = max(1, total // 200)
    try:
        with MediaWriter(out_path, **kwargs) as writer:  # type: ignore[arg-type]
            video_items = list(vtrack.items) if vtrack is not None else []
            vsources: dict[Path, _VideoSource] = {}

            def picture_frames() -> Iterator[np.ndarray]:
                assert size is not None
                black = _black(size, yuv, deep)
                pos = 0
                for item in video_items:
                    if item.record_start > pos:
                        for _ in range(item.record_start - pos):
                            yield black.copy()
                    if item.is_gap or info_of(item).video is None:
                        for _ in range(item.duration):
                            yield black.copy()
                    else:
                        assert item.path is not None and item.index_start is not None
                        vs = vsources.get(item.path)
                        if vs is None:
                            decode_size = output_size(info_of(item).require_video()) if effects else size
                            vs = vsources[item.path] = _VideoSource(info_of(item), decode_size, yuv, deep)
                        for k, img in enumerate(vs.frames(item.index_start, item.duration)):
                            if effects:
                                for e in effects:
                                    img = e.apply(img, item.path, item.index_start + k)
                                img = resize(img, size)  # a source of another size than the first one's
                            yield img
                    pos = item.record_start + item.duration
                while True:
                    yield black.copy()

            frames_iter = picture_frames() if size is not None else None
            for f in range(total):
                if frames_iter is not None:
                    img = next(frames_iter)
                    if painter is not None:
                        t = Fraction(f) / rate
                        while ci < len(cue_list) and cue_list[ci].end <= t:
                            ci += 1
                        if ci < len(cue_list) and cue_list[ci].start <= t:
                            if not img.flags.writeable:
                                img = img.copy()
                            painter.paint(img, ci, cue_list[ci].lines, cue_list[ci].highlight)
                    writer.write_video(img)
                if sr is not None:
                    n = frames_to_samples(f + 1, rate, sr) - frames_to_samples(f, rate, sr)
                    if n:
                        writer.write_audio(assembler.read(n))
                        samples_written += n
                if progress is not None and (f % every == 0 or f == total - 1):
                    progress(f + 1, total)
    finally:
        for e in effects:
            e.close()
    return RenderResult(path=out_path, frames=total, rate=rate, samples=samples_written, sample_rate=sr,
                        width=size[0] if size else None, height=size[1] if size else None, cuts=cuts,
                        audio_rewinds=sum(src.restarts for src in sources.values()))
