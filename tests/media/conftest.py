"""The generated media matrix (encoded once per test session with PyAV)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests.mediagen import make_audio, make_video

#: name → (make_video kwargs or None for audio-only, expected probe facts)
MATRIX: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "ntsc_23976.mp4": ({"rate": Fraction(24000, 1001), "frames": 24},
                       {"rate": "24000/1001", "frames": 24, "vfr": False}),
    "ntsc_2997.mov": ({"rate": Fraction(30000, 1001), "frames": 30, "audio_rate": 48000},
                      {"rate": "30000/1001", "frames": 30, "vfr": False}),
    "ntsc_5994.mkv": ({"rate": Fraction(60000, 1001), "frames": 30},
                      {"rate": "60000/1001", "frames": None, "vfr": False}),
    "pal_25.mp4": ({"rate": Fraction(25), "frames": 25, "audio_rate": 44100},
                   {"rate": "25/1", "frames": 25}),
    "pal_50.mp4": ({"rate": Fraction(50), "frames": 25}, {"rate": "50/1", "frames": 25}),
    "odd_65x49.mp4": ({"width": 65, "height": 49, "pix_fmt": "yuv444p"},
                      {"width": 65, "height": 49, "pix_fmt": "yuv444p"}),
    "ten_bit.mp4": ({"pix_fmt": "yuv420p10le"}, {"pix_fmt": "yuv420p10le", "bit_depth": 10}),
    "chroma_422.mp4": ({"pix_fmt": "yuv422p"}, {"pix_fmt": "yuv422p", "bit_depth": 8}),
    "prores_422_10bit.mov": ({"codec": "prores_ks", "pix_fmt": "yuv422p10le"},
                             {"pix_fmt": "yuv422p10le", "bit_depth": 10}),
    "rot90.mp4": ({"rotation": 90, "width": 64, "height": 48}, {"rotation": 90, "width": 64, "height": 48}),
    "rot270.mp4": ({"rotation": 270, "width": 64, "height": 48}, {"rotation": 270}),
    "vfr.mkv": ({"rate": Fraction(30), "frames": 12, "time_base": Fraction(1, 1000),
                 "vfr_pts": [0, 33, 66, 150, 183, 300, 333, 366, 450, 483, 600, 633]}, {"vfr": True}),
    "video_only.mp4": ({"frames": 10}, {"audio": None}),
    "surround_51.mkv": ({"frames": 10, "audio_rate": 48000, "audio_channels": 6},
                        {"audio": {"sample_rate": 48000, "channels": 6, "layout": "5.1"}}),
}


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with every file of :data:`MATRIX` plus ``audio_only.wav`` (1 s 16 kHz tone)."""
    d = tmp_path_factory.mktemp("matrix")
    for name, (kwargs, _) in MATRIX.items():
        make_video(d / name, **kwargs)
    make_audio(d / "audio_only.wav", rate=16000, seconds=1.0)
    return d
