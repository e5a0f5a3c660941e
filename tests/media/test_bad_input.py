"""Bad input: each case gets a clear ReelError (library) — the CLI side is in tests/cli/test_probe_cli.py."""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from reelkit.errors import (
    DecodeError,
    MediaError,
    MediaLimitError,
    MediaNotFoundError,
    NoAudioStreamError,
    NoVideoStreamError,
    UnsupportedMediaError,
)
from reelkit.media import Limits, probe, read_audio, read_frames
from tests.mediagen import make_video


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="not found"):
        probe(tmp_path / "nope.mp4")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="directory"):
        probe(tmp_path)


def test_zero_bytes(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaNotFoundError, match="empty"):
        probe(tmp_path / "empty.mp4")


def test_random_bytes(tmp_path: Path) -> None:
    (tmp_path / "noise.mp4").write_bytes(os.urandom(50_000))
    with pytest.raises(UnsupportedMediaError):
        probe(tmp_path / "noise.mp4")


def test_truncated_mp4_without_moov(tmp_path: Path) -> None:
    full = make_video(tmp_path / "full.mp4", frames=50)  # PyAV writes the moov atom at the end
    data = full.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(UnsupportedMediaError, match=r"truncated|corrupt|cannot open"):
        probe(tmp_path / "cut.mp4")


def test_truncated_mp4_with_moov_first_decodes_what_is_there(tmp_path: Path) -> None:
    """moov at the front (faststart) and the media data cut off: decode ends, no hang."""
    import av

    src = make_video(tmp_path / "src.mp4", frames=60, width=128, height=96)
    fast = tmp_path / "fast.mp4"
    with av.open(str(src)) as inp, av.open(str(fast), "w", options={"movflags": "faststart"}) as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        for pkt in inp.demux(s_in):
            if pkt.dts is None:
                continue
            pkt.stream = s_out
            out.mux(pkt)
    data = fast.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: int(len(data) * 0.6)])
    try:
        n = sum(1 for _ in read_frames(tmp_path / "cut.mp4", max_side=32))
    except DecodeError:
        n = -1
    assert n < 60


def test_audio_only_where_video_is_needed(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(NoVideoStreamError, match="no video stream"):
        next(read_frames(shared_data / "speech/whisper_jfk/jfk.flac"))


def test_video_only_where_audio_is_needed(shared_data: Path) -> None:
    with pytest.raises(NoAudioStreamError, match="no audio stream"):
        read_audio(shared_data / "shots/videos/pyscenedetect/testvideo.mp4")


def test_absurd_frame_rate_is_unknown_not_invented(tmp_path: Path) -> None:
    p = make_video(tmp_path / "fast.mp4", rate=Fraction(100000), frames=5)
    info = probe(p)
    assert info.require_video().rate is None
    with pytest.raises(MediaError, match="frame rate"):
        info.require_rate()


def test_still_image_has_no_rate(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "s.png")
    with pytest.raises(MediaError, match="frame rate"):
        probe(tmp_path / "s.png").require_rate()


def test_pixel_limit(tmp_path: Path) -> None:
    p = make_video(tmp_path / "big.mp4", width=128, height=96, frames=2)
    with pytest.raises(MediaLimitError, match="safety limit"):
        probe(p, limits=Limits(max_pixels=128 * 95))
    assert probe(p, limits=Limits(max_pixels=128 * 96)).require_video().width == 128


def test_duration_limit(tmp_path: Path) -> None:
    p = make_video(tmp_path / "long.mp4", frames=50)
    with pytest.raises(MediaLimitError):
        next(read_frames(p, limits=Limits(max_duration_s=1.0)))


@pytest.mark.parametrize("name", ["-starts-with-dash.mp4", "has:colon.mp4", "has space.mp4",
                                  "ünïcødé—名前.mp4", "file:looks-like-url.mp4"])
def test_awkward_filenames(tmp_path: Path, name: str) -> None:
    p = make_video(tmp_path / "plain.mp4", frames=3)
    target = tmp_path / name
    shutil.copy(p, target)
    assert probe(target).require_video().frames == 3
    assert len(list(read_frames(target))) == 3


def test_hls_playlist_is_refused(tmp_path: Path) -> None:
    """A 'video' that is a playlist must not make FFmpeg read other files."""
    secret = make_video(tmp_path / "other.mp4", frames=3)
    playlist = tmp_path / "innocent.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\n{secret}\n#EXT-X-ENDLIST\n")
    with pytest.raises(UnsupportedMediaError):
        probe(playlist)


def test_concat_list_is_refused(tmp_path: Path) -> None:
    secret = make_video(tmp_path / "other.mp4", frames=3)
    listing = tmp_path / "list.mp4"
    listing.write_text(f"ffconcat version 1.0\nfile '{secret}'\n")
    with pytest.raises(UnsupportedMediaError):
        probe(listing)


def test_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    with pytest.raises(MediaNotFoundError, match="not a regular file"):
        probe(fifo)


def test_device_is_refused() -> None:
    with pytest.raises(MediaNotFoundError, match="not a regular file"):
        probe("/dev/zero")
