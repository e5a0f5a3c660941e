"""render_timeline: exact frames at cuts, sample-exact audio with crossfades, captions, atomic failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reelkit.edit.captions import Cue
from reelkit.errors import OutputExistsError, UsageError
from reelkit.media import probe, read_audio, read_frames
from reelkit.render import draw_caption, render_timeline
from reelkit.timeline import ranges_timeline
from tests.mediagen import make_audio, make_video

W, H = 160, 96


def index_frame(i: int, width: int, height: int) -> np.ndarray:
    """Frame whose top half spells ``i`` in 9 black/white bars (robust to H.264), bottom half grey."""
    img = np.full((height, width, 3), 90, np.uint8)
    bar = width // 9
    for k in range(9):
        if (i >> k) & 1:
            img[: height // 2, k * bar:(k + 1) * bar] = 255
        else:
            img[: height // 2, k * bar:(k + 1) * bar] = 0
    return img


def read_index(img: np.ndarray) -> int:
    bar = img.shape[1] // 9
    y = img.shape[0] // 4
    return sum(1 << k for k in range(9) if img[y, k * bar + bar // 2].mean() > 128)


@pytest.fixture(scope="module")
def indexed_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("render") / "indexed.mp4"
    return make_video(p, width=W, height=H, rate=Fraction(30000, 1001), frames=160, audio_rate=48000,
                      frame_fn=index_frame)


def test_cut_frames_are_exact(indexed_video: Path, tmp_path: Path) -> None:
    ranges = [(3, 20), (95, 140), (150, 160), (141, 150)]  # includes a backwards jump
    tl = ranges_timeline(probe(indexed_video), ranges, name="t")
    seen: list[tuple[int, int | None]] = []
    out = render_timeline(tl, tmp_path / "cut.mp4", progress=lambda d, t: seen.append((d, t)))
    want = [i for s, e in ranges for i in range(s, e)]
    info = probe(out.path)
    assert info.video.rate == Fraction(30000, 1001) and info.video.frames == len(want)
    got = [read_index(f.image) for f in read_frames(out.path)]
    assert got == want
    assert seen[-1] == (len(want), len(want))
    assert out.cuts == 3 and out.audio_rewinds == 1  # only the backwards jump (150 -> 141) re-decodes audio
    # audio spans exactly the picture (AAC adds at most its priming/padding frames)
    audio = read_audio(out.path)
    expect = round(Fraction(len(want)) / Fraction(30000, 1001) * 48000)
    assert out.samples == expect
    assert expect <= audio.samples.shape[1] <= expect + 2048
    with pytest.raises(OutputExistsError):
        render_timeline(tl, tmp_path / "cut.mp4")


def test_audio_is_sample_exact_with_equal_power_crossfade(tmp_path: Path) -> None:
    sr, rate = 48000, Fraction(25)
    n = sr * 4
    rng = np.random.default_rng(1)
    sig = (rng.standard_normal((1, n)) * 0.1).astype(np.float32)
    src = make_audio(tmp_path / "noise.wav", rate=sr, signal=sig)
    tl = ranges_timeline(probe(src), [(0, 10), (20, 30)], name="a", rate=rate)
    res = render_timeline(tl, tmp_path / "cut.wav")
    assert res.audio_rewinds == 0  # the crossfade tail is read before the next clip: sources only go forwards
    got = read_audio(res.path).samples[0]
    ref = read_audio(src).samples[0]  # the 16-bit source as decoded
    assert got.shape[0] == 2 * 10 * sr // 25
    cut = 10 * sr // 25  # 19200: output sample of the cut
    fade = sr // 100
    q = 1.5 / 32768
    np.testing.assert_allclose(got[:cut], ref[:cut], atol=q)
    np.testing.assert_allclose(got[cut + fade:], ref[2 * cut + fade:3 * cut], atol=q)
    t = (np.arange(fade) + 0.5) / fade
    mix = ref[2 * cut:2 * cut + fade] * np.sin(t * np.pi / 2) + ref[cut:cut + fade] * np.cos(t * np.pi / 2)
    np.testing.assert_allclose(got[cut:cut + fade], mix, atol=2 * q)
    # no crossfade: a hard cut
    hard = read_audio(render_timeline(tl, tmp_path / "hard.wav", crossfade_s=Fraction(0)).path).samples[0]
    np.testing.assert_allclose(hard[cut:], ref[2 * cut:3 * cut], atol=q)


def test_crossfade_removes_the_click(tmp_path: Path) -> None:
    sr, rate = 48000, Fraction(25)
    t = np.arange(sr * 2) / sr
    sig = (0.5 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)[None]  # cut lands at different phases
    src = make_audio(tmp_path / "tone.wav", rate=sr, signal=sig)
    tl = ranges_timeline(probe(src), [(0, 7), (13, 25)], name="a", rate=rate)
    soft = read_audio(render_timeline(tl, tmp_path / "soft.wav").path).samples[0]
    hard = read_audio(render_timeline(tl, tmp_path / "hard.wav", crossfade_s=Fraction(0)).path).samples[0]
    cut = 7 * sr // 25
    jump = lambda x: np.abs(np.diff(x[cut - 50:cut + 50])).max()  # noqa: E731
    smooth = np.abs(np.diff(sig[0])).max()
    assert jump(hard) > 10 * smooth  # a click
    assert jump(soft) < 2 * smooth  # gone


def test_burned_captions_are_drawn(indexed_video: Path, tmp_path: Path) -> None:
    tl = ranges_timeline(probe(indexed_video), [(0, 60)], name="t")
    cues = [Cue(Fraction(1, 2), Fraction(3, 2), ("Ask not", "what your country"))]
    out = render_timeline(tl, tmp_path / "cap.mp4", captions=cues).path
    frames = {f.index: f.image for f in read_frames(out) if f.index in (5, 30)}
    plain_bottom = frames[5][H // 2:].astype(int)  # before the cue: flat grey
    cap_bottom = frames[30][H // 2:].astype(int)
    assert np.abs(plain_bottom - 90).max() < 12
    assert (cap_bottom > 200).mean() > 0.01  # white letters
    assert (cap_bottom < 50).mean() > 0.05  # dark box / outline
    # the helper draws onto any RGB frame in place
    img = np.full((360, 640, 3), 128, np.uint8)
    assert draw_caption(img, ["Hello"]) is img and (img != 128).any()


def test_video_only_and_audio_only(tmp_path: Path) -> None:
    v = make_video(tmp_path / "v.mp4", width=64, height=48, rate=Fraction(24), frames=48)
    out = render_timeline(ranges_timeline(probe(v), [(0, 10), (30, 40)], name="v"), tmp_path / "v_cut.mp4")
    info = probe(out.path)
    assert info.audio is None and info.video.frames == 20
    a = make_audio(tmp_path / "a.wav", rate=16000, seconds=2.0)
    tl = ranges_timeline(probe(a), [(0, 25)], name="a", rate=Fraction(25))
    with pytest.raises(UsageError, match="audio-only"):
        render_timeline(tl, tmp_path / "a.mp4", captions=[Cue(Fraction(0), Fraction(1), ("x",))])
    res = render_timeline(tl, tmp_path / "a_cut.wav")
    assert probe(res.path).video is None and res.samples == 16000


def test_disk_full_leaves_no_file(indexed_video: Path, tmp_path: Path) -> None:
    """A render that hits the file-size limit (EFBIG, like a full disk) fails cleanly: no output, no temp."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        from reelkit.errors import OutputError
        from reelkit.media import probe
        from reelkit.render import render_timeline
        from reelkit.timeline import ranges_timeline
        tl = ranges_timeline(probe({str(indexed_video)!r}), [(0, 160)], name="t")
        try:
            render_timeline(tl, {str(out_dir / "big.mp4")!r})
        except OutputError as exc:
            print("OutputError:", exc)
            sys.exit(4)
        sys.exit(0)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "OutputError" in proc.stdout and "big.mp4" in proc.stdout
    assert list(out_dir.iterdir()) == []


def test_i420_pass_through_reader_and_writer(indexed_video: Path, tmp_path: Path) -> None:
    """The renderer's fast path (foundation addition): I420 frames in, I420 frames out, no RGB trip."""
    from reelkit.media import MediaWriter

    frames = list(read_frames(indexed_video, pixel_format="yuv420p", end=3))
    assert [f.image.shape for f in frames] == [(H * 3 // 2, W)] * 3
    with MediaWriter(tmp_path / "i420.mp4", width=W, height=H, rate=Fraction(25)) as w:
        for f in frames:
            w.write_video(f.image)
    assert [read_index(f.image) for f in read_frames(tmp_path / "i420.mp4")] == [0, 1, 2]
    rotated = make_video(tmp_path / "rot.mp4", frames=2, rotation=90)
    with pytest.raises(UsageError, match="yuv420p"):
        next(read_frames(rotated, pixel_format="yuv420p"))


def test_six_channel_8khz_source_renders_stereo_in_sync(tmp_path: Path) -> None:
    src = make_video(tmp_path / "51.mp4", width=64, height=48, rate=Fraction(25), frames=50, audio_rate=8000,
                     audio_channels=6)
    tl = ranges_timeline(probe(src), [(0, 10), (30, 50)], name="51")
    res = render_timeline(tl, tmp_path / "out.mp4")
    info = probe(res.path)
    assert (info.audio.sample_rate, info.audio.channels) == (8000, 2)
    assert res.samples == 30 * 8000 // 25
    audio = read_audio(res.path)
    assert res.samples <= audio.samples.shape[1] <= res.samples + 2048
    assert np.abs(audio.samples[:, 2000:4000]).max() > 0.05  # the tone survived the downmix


def test_odd_size_and_rotated_sources(tmp_path: Path) -> None:
    odd = make_video(tmp_path / "odd.mp4", width=67, height=41, rate=Fraction(24), frames=12, pix_fmt="yuv444p")
    res = render_timeline(ranges_timeline(probe(odd), [(2, 10)], name="odd"), tmp_path / "odd_cut.mp4")
    v = probe(res.path).video
    assert (v.width, v.height, v.frames) == (66, 40, 8)  # H.264 4:2:0 needs even sizes
    rot = make_video(tmp_path / "rot.mp4", width=64, height=48, rate=Fraction(24), frames=12, rotation=90)
    res = render_timeline(ranges_timeline(probe(rot), [(0, 6)], name="rot"), tmp_path / "rot_cut.mp4")
    v = probe(res.path).video
    assert (v.width, v.height, v.rotation, v.frames) == (48, 64, 0, 6)  # rendered upright
