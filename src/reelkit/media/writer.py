"""Media writers on PyAV: H.264 / H.265 / ProRes video, AAC / PCM audio, WAV.

Every writer is atomic: it encodes into a temporary file beside the target and moves it into
place only after the container was closed without error (see :func:`reelkit.fileio.atomic_output`).
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal

import av
import numpy as np

from reelkit.errors import OutputError, UsageError
from reelkit.fileio import atomic_output

__all__ = ["AUDIO_CODECS", "VIDEO_CODECS", "MediaWriter", "write_wav"]

VideoCodec = Literal["h264", "hevc", "prores"]
AudioCodec = Literal["aac", "pcm", "pcm24", "flac", "opus"]

#: our name → (FFmpeg encoder, default pixel format)
VIDEO_CODECS: dict[str, tuple[str, str]] = {
    "h264": ("libx264", "yuv420p"),
    "hevc": ("libx265", "yuv420p"),
    "prores": ("prores_ks", "yuv422p10le"),
}
#: our name → (FFmpeg encoder, sample format)
AUDIO_CODECS: dict[str, tuple[str, str]] = {
    "aac": ("aac", "fltp"),
    "pcm": ("pcm_s16le", "s16"),
    "pcm24": ("pcm_s24le", "s32"),
    "flac": ("flac", "s16"),
    "opus": ("libopus", "flt"),
}
_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


def _i420_frame(image: np.ndarray, w: int, h: int) -> av.VideoFrame:
    """An I420 ``(h*3/2, w)`` array as a VideoFrame; copies planes directly when they are unpadded."""
    frame = av.VideoFrame(w, h, "yuv420p")
    p = frame.planes
    if p[0].line_size != w or p[1].line_size != w // 2:
        return av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="yuv420p")
    flat = np.ascontiguousarray(image).reshape(-1)
    n, q = w * h, (w // 2) * (h // 2)
    p[0].update(flat[:n])
    p[1].update(flat[n:n + q])
    p[2].update(flat[n + q:n + 2 * q])
    return frame


class MediaWriter:
    """Write video frames and/or audio blocks to a new media file, atomically.

    Use as a context manager::

        with MediaWriter("out.mp4", width=1280, height=720, rate=Fraction(30000, 1001),
                         audio_rate=48000, audio_channels=2) as w:
            w.write_video(rgb)          # (H, W, 3) uint8, or uint16 for 10-bit codecs
            w.write_audio(block)        # (channels, n) float32

    Args:
        path: output file; the container is chosen from its extension (.mp4, .mov, .mkv, .wav...).
        width, height, rate: video size in pixels and frame rate; omit all three for audio only.
        video_codec: ``h264`` (default), ``hevc`` or ``prores`` (4:2:2 10-bit HQ).
        crf: quality for H.264/H.265 (lower is better; 18 is visually lossless).
        preset: x264/x265 speed preset.
        pix_fmt: override the encoder pixel format (``yuv420p10le``, ``yuv422p``...).
        rotation: display rotation (counter-clockwise degrees) stored as metadata.
        audio_rate, audio_channels, audio_codec: audio stream; ``aac`` default, ``pcm`` for mov/mkv.
        force: overwrite an existing file.

    Raises:
        UsageError: odd sizes for 4:2:0, unknown codecs, bad arrays.
        OutputExistsError / OutputError: target exists without ``force``, or writing failed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int | None = None,
        height: int | None = None,
        rate: Fraction | None = None,
        video_codec: VideoCodec = "h264",
        crf: int = 18,
        preset: str = "veryfast",
        pix_fmt: str | None = None,
        rotation: int = 0,
        audio_rate: int | None = None,
        audio_channels: int = 2,
        audio_codec: AudioCodec = "aac",
        force: bool = False,
    ) -> None:
        self.path = Path(path)
        self._has_video = width is not None
        if self._has_video:
            if not (width and height and rate):
                raise UsageError("video needs width, height and rate")
            if video_codec not in VIDEO_CODECS:
                raise UsageError(f"unknown video codec {video_codec!r}; choose one of {sorted(VIDEO_CODECS)}")
            encoder, default_fmt = VIDEO_CODECS[video_codec]
            self._pix_fmt = pix_fmt or default_fmt
            fmt = av.VideoFormat(self._pix_fmt, width, height)
            sub_w = fmt.components[1].width != fmt.components[0].width if len(fmt.components) > 1 else False
            sub_h = fmt.components[1].height != fmt.components[0].height if len(fmt.components) > 1 else False
            if (sub_w and width % 2) or (sub_h and height % 2):
                raise UsageError(f"{video_codec} {self._pix_fmt} needs an even size, got {width}×{height}")
        if audio_rate is not None and audio_codec not in AUDIO_CODECS:
            raise UsageError(f"unknown audio codec {audio_codec!r}; choose one of {sorted(AUDIO_CODECS)}")
        if not self._has_video and audio_rate is None:
            raise UsageError("a writer needs video, audio or both")
        self._ctx = atomic_output(self.path, force=force)
        tmp = self._ctx.__enter__()
        try:
            self._container = av.open(str(tmp), mode="w")
            self._vstream = None
            self._astream = None
            self._frame_no = 0
            self._sample_no = 0
            if self._has_video:
                assert rate is not None and width is not None and height is not None
                self._vstream = self._container.add_stream(encoder, rate=rate)
                self._vstream.width = width
                self._vstream.height = height
                self._vstream.pix_fmt = self._pix_fmt
                self._vstream.time_base = Fraction(1) / rate
                self._vstream.thread_type = "AUTO"
                if video_codec in ("h264", "hevc"):
                    self._vstream.options = {"crf": str(crf), "preset": preset}
                    if video_codec == "hevc":
                        self._vstream.options["x265-params"] = "log-level=error"
                        self._vstream.codec_tag = "hvc1"
                else:
                    self._vstream.options = {"profile": "3"}
                if rotation % 360:
                    self._vstream.set_display_rotation(rotation % 360)
            if audio_rate is not None:
                a_encoder, a_fmt = AUDIO_CODECS[audio_codec]
                self._astream = self._container.add_stream(a_encoder, rate=audio_rate)
                self._astream.layout = _LAYOUTS.get(audio_channels, f"{audio_channels}c")
                self._astream.format = a_fmt
                self._a_channels = audio_channels
                self._a_fmt = a_fmt
                self._a_frame = self._astream.codec_context.frame_size or 1024
                self._a_pending = np.zeros((audio_channels, 0), np.float32)
        except av.error.FFmpegError as exc:
            self._abort()
            raise OutputError(f"cannot create {self.path}: {exc}") from None
        except BaseException:
            self._abort()
            raise

    # -- writing ---------------------------------------------------------------------------
    def write_video(self, image: np.ndarray) -> None:
        """Encode one frame: ``(H, W, 3)`` uint8 RGB (or uint16 RGB for 10-bit codecs).

        A 2-D ``(H*3/2, W)`` uint8 array is taken as planar I420 (``read_frames(pixel_format="yuv420p")``)
        and goes to a ``yuv420p`` encoder without any colour conversion.
        """
        if self._vstream is None:
            raise UsageError("this writer has no video stream")
        h, w = self._vstream.height, self._vstream.width
        if image.ndim == 2 and image.dtype == np.uint8 and image.shape == (h * 3 // 2, w):
            if self._pix_fmt != "yuv420p":
                raise UsageError(f"I420 frames need a yuv420p encoder, this one is {self._pix_fmt}")
            fmt = "yuv420p"
        elif image.shape[:2] != (h, w) or image.ndim != 3 or image.shape[2] != 3:
            raise UsageError(f"frame must be ({h}, {w}, 3), got {image.shape}")
        else:
            fmt = "rgb48le" if image.dtype == np.uint16 else "rgb24"
        frame = _i420_frame(image, w, h) if fmt == "yuv420p" else av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image), format=fmt)
        frame.pts = self._frame_no
        self._frame_no += 1
        self._mux(self._vstream.encode(frame))

    def write_audio(self, samples: np.ndarray) -> None:
        """Encode ``(channels, n)`` float32 samples (values are clipped to [-1, 1])."""
        if self._astream is None:
            raise UsageError("this writer has no audio stream")
        if samples.ndim != 2 or samples.shape[0] != self._a_channels:
            raise UsageError(f"audio must be ({self._a_channels}, n), got {samples.shape}")
        buf = np.concatenate([self._a_pending, samples.astype(np.float32, copy=False)], axis=1)
        n = self._a_frame
        full = buf.shape[1] // n * n
        for i in range(0, full, n):
            self._encode_audio(buf[:, i:i + n])
        self._a_pending = buf[:, full:]

    def _encode_audio(self, block: np.ndarray) -> None:
        assert self._astream is not None
        block = np.clip(block, -1.0, 1.0)
        if self._a_fmt == "s16":
            data = (block.T * 32767.0).round().astype(np.int16).reshape(1, -1)
        elif self._a_fmt == "s32":
            data = (block.T.astype(np.float64) * 2147483647.0).round().astype(np.int32).reshape(1, -1)
        elif self._a_fmt == "flt":
            data = np.ascontiguousarray(block.T).reshape(1, -1)
        else:  # fltp
            data = np.ascontiguousarray(block)
        frame = av.AudioFrame.from_ndarray(data, format=self._a_fmt, layout=self._astream.layout.name)
        frame.sample_rate = self._astream.rate
        frame.pts = self._sample_no
        self._sample_no += block.shape[1]
        self._mux(self._astream.encode(frame))

    def _mux(self, packets: list[av.Packet]) -> None:
        try:
            self._container.mux(packets)
        except av.error.FFmpegError as exc:
            raise OutputError(f"cannot write {self.path}: {exc}") from None

    # -- closing ---------------------------------------------------------------------------
    def close(self) -> None:
        """Flush encoders, close the container and move the file into place."""
        try:
            if self._astream is not None:
                if self._a_pending.shape[1]:
                    self._encode_audio(self._a_pending)
                    self._a_pending = self._a_pending[:, :0]
                self._mux(self._astream.encode(None))
            if self._vstream is not None:
                self._mux(self._vstream.encode(None))
            self._container.close()
        except av.error.FFmpegError as exc:
            self._abort(exc)
            raise OutputError(f"cannot finish {self.path}: {exc}") from None
        except BaseException as exc:
            self._abort(exc)
            raise
        self._ctx.__exit__(None, None, None)

    def _abort(self, exc: BaseException | None = None) -> None:
        with contextlib.suppress(Exception):
            self._container.close()
        err = exc or OutputError("aborted")
        with contextlib.suppress(BaseException):
            self._ctx.__exit__(type(err), err, err.__traceback__)

    def __enter__(self) -> MediaWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if ev is None:
            self.close()
        else:
            self._abort(ev)


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int, *,
              bits: Literal[16, 24] = 16, force: bool = False) -> Path:
    """Write ``(channels, n)`` float32 audio as PCM WAV (16 or 24 bit), atomically."""
    if samples.ndim == 1:
        samples = samples[None, :]
    with MediaWriter(path, audio_rate=sample_rate, audio_channels=samples.shape[0],
                     audio_codec="pcm" if bits == 16 else "pcm24", force=force) as w:
        w.write_audio(samples)
    return Path(path)
