"""Generate test media with PyAV: a codec/format matrix for tests (real encodes, no mocks)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

__all__ = ["make_audio", "make_video", "pattern_frame"]


def pattern_frame(i: int, width: int, height: int) -> np.ndarray:
    """A moving colour-bar test pattern with the frame number encoded as a bright block.

    Returns ``(height, width, 3)`` uint8 RGB; frame ``i`` differs visibly from ``i±1``.
    """
    x = np.arange(width, dtype=np.int32)[None, :]
    y = np.arange(height, dtype=np.int32)[:, None]
    r = ((x + 4 * i) * 255 // max(1, width)) % 256
    g = (y * 255 // max(1, height)) + 0 * x
    b = np.full((height, width), (37 * i) % 256, np.int32)
    img = np.stack([r + 0 * y, g, b], -1).astype(np.uint8)
    s = max(2, min(width, height) // 8)
    img[:s, :s] = (255, 255, 255) if i % 2 else (0, 0, 0)
    return img


def make_video(
    path: str | Path,
    *,
    width: int = 64,
    height: int = 48,
    rate: Fraction = Fraction(25),
    frames: int = 25,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    rotation: int = 0,
    audio_rate: int | None = None,
    audio_channels: int = 2,
    audio_codec: str = "aac",
    vfr_pts: list[int] | None = None,
    time_base: Fraction | None = None,
    frame_fn=pattern_frame,
) -> Path:
    """Encode a small test video (optionally with a sine tone audio track).

    ``vfr_pts`` gives explicit presentation timestamps in ``time_base`` units (variable frame
    rate); otherwise frame ``i`` has pts ``i`` at time base ``1/rate``.
    """
    path = Path(path)
    with av.open(str(path), "w") as c:
        vs = c.add_stream(codec, rate=rate)
        vs.width, vs.height, vs.pix_fmt = width, height, pix_fmt
        vs.time_base = time_base or (Fraction(1) / rate)
        if time_base is not None:  # frame pts are given in this time base, also to the encoder
            vs.codec_context.time_base = time_base
        if rotation:
            vs.set_display_rotation(rotation)
        a_s = None
        if audio_rate:
            a_s = c.add_stream(audio_codec, rate=audio_rate)
            a_s.layout = {1: "mono", 2: "stereo", 6: "5.1"}[audio_channels]
        n_audio = 0
        dur = Fraction(frames) / rate
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(frame_fn(i, width, height), format="rgb24")
            f.pts = vfr_pts[i] if vfr_pts is not None else i
            c.mux(vs.encode(f.reformat(format=pix_fmt)))
        c.mux(vs.encode())
        if a_s is not None:
            total = int(dur * audio_rate)
            fs = a_s.codec_context.frame_size or 1024
            fmt = a_s.codec_context.format.name
            while n_audio < total:
                n = min(fs, total - n_audio)
                t = (np.arange(n_audio, n_audio + n) / audio_rate).astype(np.float32)
                tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                block = np.repeat(tone[None, :], audio_channels, 0)
                if fmt == "s16":
                    data = (block.T * 32767).astype(np.int16).reshape(1, -1)
                elif fmt == "flt":
                    data = np.ascontiguousarray(block.T).reshape(1, -1)
                else:
                    data = block
                af = av.AudioFrame.from_ndarray(data, format=fmt, layout=a_s.layout.name)
                af.sample_rate = audio_rate
                af.pts = n_audio
                c.mux(a_s.encode(af))
                n_audio += n
            c.mux(a_s.encode())
    return path


def make_audio(path: str | Path, *, rate: int = 16000, seconds: float = 1.0, channels: int = 1,
               codec: str = "pcm_s16le", signal: np.ndarray | None = None) -> Path:
    """Write a WAV/FLAC/... file from ``signal`` ``(channels, n)`` float32 or a 440 Hz tone."""
    path = Path(path)
    if signal is None:
        t = np.arange(int(rate * seconds)) / rate
        signal = np.repeat((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None], channels, 0)
    from reelkit.media import MediaWriter

    codec_name = {"pcm_s16le": "pcm", "pcm_s24le": "pcm24", "flac": "flac", "aac": "aac"}[codec]
    with MediaWriter(path, audio_rate=rate, audio_channels=signal.shape[0], audio_codec=codec_name,
                     force=True) as w:
        w.write_audio(signal.astype(np.float32))
    return path
