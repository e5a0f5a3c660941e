"""Media I/O on PyAV: probe, frame and audio readers, writers, safety limits.

>>> from reelkit.media import probe, read_frames
>>> info = probe("clip.mp4")                                  # doctest: +SKIP
>>> for f in read_frames("clip.mp4", max_side=320, pixel_format="gray"):   # doctest: +SKIP
...     f.index, f.image.shape
"""

from reelkit.media.audio import AudioData, iter_audio, read_audio
from reelkit.media.limits import Limits, default_limits
from reelkit.media.probe import AudioInfo, MediaInfo, VideoInfo, probe
from reelkit.media.video import Frame, FrameOutput, output_size, read_frames
from reelkit.media.writer import MediaWriter, write_wav

__all__ = [
    "AudioData",
    "AudioInfo",
    "Frame",
    "FrameOutput",
    "Limits",
    "MediaInfo",
    "MediaWriter",
    "VideoInfo",
    "default_limits",
    "iter_audio",
    "output_size",
    "probe",
    "read_audio",
    "read_frames",
    "write_wav",
]
