"""Where processed audio goes: output naming and container rules for ``reel audio normalize/clean``.

Rules (the CLI documents them):

- A source **with video** written to a video container (``.mp4 .mov .m4v .mkv``, the default is the
  source's own container, or ``.mkv`` for other containers) gets its video stream **copied
  packet for packet** (no re-encode, no quality loss) and the processed audio encoded as AAC
  256 kb/s (FLAC in ``.mkv``). Other streams (subtitles, data, second audio tracks) are dropped.
- Any source written to ``.wav`` gets 24-bit PCM, to ``.flac`` FLAC, to ``.m4a`` AAC 256 kb/s.
  Audio-only sources default to ``.wav``.
- The sample rate and channel count of the source are kept.
- Everything is written atomically (a temporary file beside the target, moved in place at the end);
  an existing output is refused unless ``force``.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from reelkit.errors import OutputError, UsageError
from reelkit.fileio import atomic_output, check_output_path
from reelkit.media import MediaInfo, MediaWriter, default_limits
from reelkit.media._open import open_input
from reelkit.provenance import declare

__all__ = ["AUDIO_EXTS", "VIDEO_EXTS", "default_output", "write_processed"]

VIDEO_EXTS = (".mp4", ".mov", ".m4v", ".mkv")
AUDIO_EXTS = (".wav", ".flac", ".m4a")
_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}
_AAC_BITRATE = 256_000


def default_output(info: MediaInfo, tag: str) -> Path:
    """``clip.mp4`` → ``clip.<tag>.mp4`` beside the source (audio-only sources → ``.wav``)."""
    src = Path(info.path)
    ext = ".wav"
    if info.video is not None:
        ext = src.suffix.lower() if src.suffix.lower() in VIDEO_EXTS else ".mkv"
    return src.with_name(f"{src.stem}.{tag}{ext}")


def check_output(info: MediaInfo, out: Path, *, force: bool) -> None:
    """Refuse an output we cannot write before doing any work.

    Raises:
        UsageError: an extension we do not write, or a video container for a source without video.
        OutputExistsError / OutputError: see :func:`reelkit.fileio.check_output_path`.
    """
    ext = out.suffix.lower()
    if ext not in VIDEO_EXTS + AUDIO_EXTS:
        raise UsageError(f"cannot write {out.name}: use one of {', '.join(VIDEO_EXTS + AUDIO_EXTS)}")
    if ext in VIDEO_EXTS and info.video is None:
        raise UsageError(f"{Path(info.path).name} has no video; write the audio to .wav, .flac or .m4a instead")
    if out.resolve() == Path(info.path).resolve():
        raise UsageError("the output would overwrite the input; choose another --output name")
    check_output_path(out, force=force)


def _audio_only(out: Path, blocks: Iterable[np.ndarray], rate: int, channels: int, force: bool) -> None:
    ext = out.suffix.lower()
    codec = {".wav": "pcm24", ".flac": "flac", ".m4a": "aac"}[ext]
    with MediaWriter(out, audio_rate=rate, audio_channels=channels, audio_codec=codec, force=force) as w:
        for b in blocks:
            w.write_audio(b)


class _Encoder:
    """Feed arbitrary-length float blocks to an audio encoder in exact frame sizes."""

    def __init__(self, oc: av.container.OutputContainer, codec: str, rate: int, channels: int) -> None:
        self.stream = oc.add_stream(codec, rate=rate)
        self.stream.layout = _LAYOUTS.get(channels, f"{channels}c")
        self.fmt = "fltp" if codec == "aac" else "s16"
        self.stream.format = self.fmt
        if codec == "aac":
            self.stream.bit_rate = _AAC_BITRATE * max(1, channels) // 2
        self.stream.time_base = Fraction(1, rate)
        self.oc = oc
        self.rate = rate
        self.pending = np.zeros((channels, 0), np.float32)
        self.samples = 0

    def _encode(self, block: np.ndarray) -> None:
        block = np.clip(block, -1.0, 1.0)
        if self.fmt == "s16":
            data = (block.T * 32767.0).round().astype(np.int16).reshape(1, -1)
        else:
            data = np.ascontiguousarray(block, dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(data, format=self.fmt, layout=self.stream.layout.name)
        frame.sample_rate = self.rate
        frame.pts = self.samples
        frame.time_base = Fraction(1, self.rate)
        self.samples += block.shape[1]
        self.oc.mux(self.stream.encode(frame))

    def write(self, block: np.ndarray) -> None:
        buf = np.concatenate([self.pending, block.astype(np.float32, copy=False)], axis=1)
        n = self.stream.codec_context.frame_size or 4096
        full = buf.shape[1] // n * n
        for i in range(0, full, n):
            self._encode(buf[:, i:i + n])
        self.pending = buf[:, full:]

    def close(self) -> None:
        if self.pending.shape[1]:
            self._encode(self.pending)
        self.oc.mux(self.stream.encode(None))

    @property
    def seconds(self) -> float:
        return (self.samples + self.pending.shape[1]) / self.rate


def _with_video(info: MediaInfo, out: Path, blocks: Iterable[np.ndarray], rate: int, channels: int,
                force: bool) -> None:
    assert info.video is not None
    limits = default_limits()
    it = iter(blocks)
    with open_input(info.path, limits) as inp, atomic_output(out, force=force) as tmp:
        vin = next(s for s in inp.streams.video if s.index == info.video.index)
        oc = av.open(str(tmp), mode="w")
        try:
            vout = oc.add_stream_from_template(vin)
            enc = _Encoder(oc, "flac" if out.suffix.lower() == ".mkv" else "aac", rate, channels)
            done = False

            def feed_until(t: float) -> None:
                nonlocal done
                while not done and enc.seconds < t:
                    try:
                        enc.write(next(it))
                    except StopIteration:
                        done = True

            for packet in inp.demux(vin):
                if packet.dts is None:
                    continue
                if packet.pts is not None and vin.time_base is not None:
                    feed_until(float(packet.pts * vin.time_base) + 1.0)
                packet.stream = vout
                oc.mux(packet)
            feed_until(float("inf"))
            enc.close()
            oc.close()
        except av.error.FFmpegError as exc:
            oc.close()
            raise OutputError(f"cannot write {out}: {exc}") from None
        except BaseException:
            oc.close()
            raise


def write_processed(info: MediaInfo, out: Path, blocks: Iterable[np.ndarray], sample_rate: int, channels: int,
                    *, force: bool = False) -> Path:
    """Write processed ``(channels, n)`` float32 blocks for source ``info`` to ``out`` (rules above).

    Raises:
        UsageError, OutputExistsError, OutputError (see :func:`check_output`).
    """
    check_output(info, out, force=force)
    declare(out, sources=[info.path])  # provenance: the action is declared by the caller
    if out.suffix.lower() in VIDEO_EXTS:
        _with_video(info, out, blocks, sample_rate, channels, force)
    else:
        _audio_only(out, blocks, sample_rate, channels, force)
    return out
