"""Channel layouts for loudness: assumed layouts of unlabelled streams, overrides, BS.1770-4 weights.

The multichannel signal is EBU Tech 3341 case 6 (1 kHz sine, 20 s: L/R −28, C −24, Ls/Rs −30 dBFS,
LFE silent in the 6-channel variant) → I = −23.0 ±0.1 LUFS; it is written to real WAV files without
a channel mask (plain PCM header, as many recorders write them) and with one (WAVE_FORMAT_EXTENSIBLE).
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from reelkit.audio import measure, measure_file
from reelkit.audio.layout import resolve_layout
from reelkit.errors import UsageError
from reelkit.media import probe

from .signals import FS, tones

LU_TOL = 0.1


def case6(lfe: bool, lfe_level: float | None = None, seconds: float = 20.0) -> np.ndarray:
    """EBU 3341 case 6 as (channels, n): L R C Ls Rs, or L R C LFE Ls Rs with a silent (or ``lfe_level``) LFE."""
    def t(level: float) -> np.ndarray:
        return tones((level, seconds), channels=1)[0]

    chans = [t(-28), t(-28), t(-24)]
    if lfe:
        chans.append(t(lfe_level) if lfe_level is not None else np.zeros_like(chans[0]))
    chans += [t(-30), t(-30)]
    return np.stack(chans)


def write_plain_wav(path: Path, x: np.ndarray, fs: int = FS) -> Path:
    """16-bit PCM WAV with a plain WAVE_FORMAT_PCM header: no channel mask, so no layout."""
    pcm = np.clip(np.round(x.T * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(x.shape[0])
        w.setsampwidth(2)
        w.setframerate(fs)
        w.writeframes(pcm.tobytes())
    return path


def test_unlabelled_six_channels_are_51_with_a_note(tmp_path: Path) -> None:
    p = write_plain_wav(tmp_path / "case6_6ch.wav", case6(lfe=True))
    assert probe(p).audio.layout == "6 channels"  # type: ignore[union-attr]  # FFmpeg: unnamed channels
    r = measure_file(p)
    assert r.weights == (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    assert r.layout is not None and r.layout.name == "5.1" and r.layout.source == "assumed"
    assert r.layout.note and "5.1" in r.layout.note and "--layout" in r.layout.note
    assert abs(r.integrated_lufs - (-23.0)) <= LU_TOL, r.integrated_lufs


def test_case6_five_channels_from_a_file(tmp_path: Path) -> None:
    r = measure_file(write_plain_wav(tmp_path / "case6_5ch.wav", case6(lfe=False)))
    assert r.weights == (1.0, 1.0, 1.0, 1.41, 1.41)
    assert abs(r.integrated_lufs - (-23.0)) <= LU_TOL, r.integrated_lufs


def test_labelled_51_excludes_a_loud_lfe(tmp_path: Path) -> None:
    """A WAVE_FORMAT_EXTENSIBLE 5.1 file (mask FL FR FC LFE BL BR) whose LFE carries a −10 dBFS tone."""
    from tests.mediagen import make_audio

    p = make_audio(tmp_path / "case6_51.wav", rate=FS, signal=case6(lfe=True, lfe_level=-10.0, seconds=6.0)
                   .astype(np.float32), channels=6)
    assert probe(p).audio.layout == "5.1"  # type: ignore[union-attr]
    r = measure_file(p)
    assert r.layout is not None and r.layout.source == "stream" and r.layout.note is None
    assert r.weights == (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    assert abs(r.integrated_lufs - (-23.0)) <= LU_TOL, r.integrated_lufs


def test_eight_channels_are_71_position_weighted() -> None:
    lay = resolve_layout(8, "8 channels")
    assert lay.name == "7.1" and lay.channels == ("FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR")
    # BS.1770-4 position rule: side surrounds (±90°) +1.5 dB, rear surrounds (±135-150°) 1.0, LFE out
    assert lay.weights == (1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.41, 1.41)
    assert lay.note and "7.1" in lay.note
    tone = tones((-23, 3), channels=1)[0]
    z = np.zeros_like(tone)
    sides = measure(np.stack([z, z, z, z, z, z, tone, tone]), FS, layout=lay).integrated_lufs
    front = measure(np.stack([tone, tone, z, z, z, z, z, z]), FS, layout=lay).integrated_lufs
    assert sides - front == pytest.approx(10 * math.log10(1.41), abs=0.01)


def test_unknown_layout_weighs_every_channel_and_says_so(tmp_path: Path) -> None:
    x = tones((-26, 3), channels=4)
    r = measure_file(write_plain_wav(tmp_path / "quad_unlabelled.wav", x))
    assert r.weights == (1.0, 1.0, 1.0, 1.0)
    assert r.layout is not None and r.layout.name == "unknown"
    assert r.layout.note and "every channel weighted 1.0" in r.layout.note
    # four equal −26 dBFS sines: −26 − 3.01 + 10·log10(4) + 0.691 − 0.691(K at 1 kHz ≈ +0.69) ≈ −23.0
    assert abs(r.integrated_lufs - (-23.0)) <= 0.15


def test_layout_override(tmp_path: Path) -> None:
    # the same case-6 signal stored L R C Ls Rs LFE (LFE last, as some DAWs export): --layout puts it right
    x = case6(lfe=True, seconds=5.0)[[0, 1, 2, 4, 5, 3]]
    x[5] = tones((-10, 5.0), channels=1)[0]  # a loud LFE
    p = write_plain_wav(tmp_path / "lfe_last.wav", x)
    assumed = measure_file(p)  # assumed 5.1 order: the loud LFE counts as a surround → far too loud
    assert assumed.integrated_lufs > -20
    r = measure_file(p, layout="L,R,C,Ls,Rs,LFE")
    assert r.layout is not None and r.layout.source == "override" and r.layout.note is None
    assert r.weights == (1.0, 1.0, 1.0, 1.41, 1.41, 0.0)
    assert abs(r.integrated_lufs - (-23.0)) <= LU_TOL
    assert measure_file(p, layout="FL,FR,FC,SL,SR,LFE").weights == r.weights
    side = resolve_layout(6, None, "5.1(side)")
    assert side.channels == ("FL", "FR", "FC", "LFE", "SL", "SR") and side.weights[3] == 0.0


@pytest.mark.parametrize(("override", "message"), [
    ("7.1", "has 8 channels but the audio has 6"),
    ("surround-ish", "unknown channel layout"),
    ("L,R,C,LFE,Ls,Xx", "unknown channel label 'Xx'"),
])
def test_bad_override_is_a_usage_error(override: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        resolve_layout(6, None, override)
