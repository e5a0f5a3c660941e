"""The bundled sample: a short generated film with known shots and real (public-domain) speech.

``reel demo`` and the tests use it. Pictures are rendered procedurally (nothing to download, no
licence questions); the audio is the public-domain JFK recording shipped in ``reelkit/data``.
The ground truth of the edit is exported as constants so tests can check detectors against it.

Layout at 30000/1001 fps, 640×360, 330 frames (11.01 s):

====  =============  ================================================
shot  frames         content
====  =============  ================================================
0     0–89           landscape, slow pan right
1     90–209         figure walking left→right against a wall (hard cut at 90)
2     210–329        textured close-up (dissolve 195–224 from shot 1)
end   300–329        fade to black
====  =============  ================================================
"""

from __future__ import annotations

import os
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np

from reelkit.media import MediaWriter, read_audio

__all__ = ["SAMPLE_CUTS", "SAMPLE_DISSOLVES", "SAMPLE_FADES", "SAMPLE_FRAMES", "SAMPLE_RATE",
           "SAMPLE_SIZE", "sample_path", "speech_path", "write_sample"]

SAMPLE_RATE = Fraction(30000, 1001)
SAMPLE_SIZE = (640, 360)
SAMPLE_FRAMES = 330
#: first frames of new shots after hard cuts
SAMPLE_CUTS: tuple[int, ...] = (90,)
#: inclusive [first, last] frame spans of cross-dissolves
SAMPLE_DISSOLVES: tuple[tuple[int, int], ...] = ((195, 224),)
#: inclusive [first, last] spans of fades to/from black
SAMPLE_FADES: tuple[tuple[int, int], ...] = ((300, 329),)
_VERSION = 1


def speech_path() -> Path:
    """Path of the bundled public-domain speech clip (48 kHz mono Opus, 11.0 s)."""
    return Path(str(resources.files("reelkit") / "data" / "sample_speech.ogg"))


def _cache_dir() -> Path:
    base = os.environ.get("REELKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "reelkit")
    return Path(base)


class _Scenes:
    """Renders the sample's three scenes as float RGB in [0, 1]; static layers are made once."""

    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        self.yy, self.xx = yy, xx
        self.sky = np.stack([0.35 + 0.3 * yy / h, 0.55 + 0.25 * yy / h, 0.95 - 0.1 * yy / h], -1)
        row = (yy // 24).astype(int) % 2
        bricks = (row * 20 + xx) // 48 % 2
        mortar = (yy % 24 < 2) | ((xx + row * 20) % 48 < 2)
        wall = np.stack([0.55 + 0.08 * bricks, 0.30 + 0.05 * bricks, 0.25 + 0 * xx], -1)
        wall[mortar] = (0.75, 0.72, 0.68)
        wall[yy > 0.8 * h] = (0.3, 0.3, 0.32)
        self.wall = wall
        u, v = xx - w / 2, yy - h / 2
        pattern = 0.5 + 0.25 * np.sin(u / 7.0) * np.cos(v / 11.0) + 0.2 * np.sin((u + v) / 29.0)
        grain = np.random.default_rng(7).standard_normal((h, w, 1)).astype(np.float32) * 0.03
        self.texture = np.stack([0.75 * pattern + 0.2, 0.45 * pattern + 0.1, 0.25 * pattern], -1) + grain

    def landscape(self, t: int) -> np.ndarray:
        w, h = self.w, self.h
        x = np.arange(w, dtype=np.float32) + 1.2 * t  # the camera pans right: the scene moves left
        ridge = 0.55 * h + 0.08 * h * np.sin(x / 53.0) + 0.04 * h * np.sin(x / 17.0 + 1.0)
        ground = np.stack([0.20 + 0.05 * np.sin(x / 9.0), 0.45 + 0.1 * np.sin(x / 23.0),
                           np.full_like(x, 0.18)], -1)
        img = np.where((self.yy > ridge[None, :])[..., None], ground[None, :, :], self.sky)
        img[((self.xx + 1.2 * t - 480) ** 2 + (self.yy - 80) ** 2) < 30**2] = (1.0, 0.92, 0.6)
        return img

    def figure(self, t: int) -> np.ndarray:
        img = self.wall.copy()
        cx = 120 + 3.2 * (t - 90)
        x0, x1 = max(0, int(cx) - 40), min(self.w, int(cx) + 41)
        if x0 >= x1:
            return img
        xx, yy, win = self.xx[:, x0:x1], self.yy[:, x0:x1], img[:, x0:x1]
        dx = xx - cx
        win[(np.abs(dx) < 30) & (yy > 148) & (yy < 260)] = (0.15, 0.25, 0.55)
        win[(np.abs(np.abs(dx) - 12) < 9) & (yy >= 260) & (yy < 0.8 * self.h + 10)] = (0.12, 0.12, 0.15)
        win[(dx / 22) ** 2 + ((yy - 120) / 27) ** 2 < 1] = (0.87, 0.67, 0.55)
        win[(((dx - 8) ** 2 + (yy - 114) ** 2) < 9) | (((dx + 8) ** 2 + (yy - 114) ** 2) < 9)] = (0.1, 0.08, 0.08)
        win[(np.abs(dx) < 9) & (np.abs(yy - 134) < 2)] = (0.5, 0.2, 0.2)
        return img

    def render(self, t: int) -> np.ndarray:
        if t < 90:
            img = self.landscape(t)
        elif t < 195:
            img = self.figure(t)
        elif t <= 224:
            a = (t - 195 + 1) / 31.0
            img = (1 - a) * self.figure(t) + a * self.texture
        else:
            img = self.texture
        if t >= 300:
            img = img * (1.0 - (t - 299) / 30.0)
        return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)


def write_sample(path: str | os.PathLike[str], *, force: bool = False,
                 speech: str | os.PathLike[str] | None = None) -> Path:
    """Render the sample film (H.264 + AAC .mp4) to ``path`` atomically and return the path.

    ``speech`` replaces the bundled JFK clip with another recording (any file PyAV reads; cut or
    padded with silence to the film's 11.01 s). The pictures, and so every shot constant above,
    stay the same.

    Raises:
        FileExistsError: ``path`` exists and ``force`` is false (from :class:`MediaWriter`).
        reelkit.errors.MediaError: ``speech`` cannot be read.
    """
    w, h = SAMPLE_SIZE
    scenes = _Scenes(w, h)
    speech_data = read_audio(speech if speech is not None else speech_path(), sample_rate=48000, channels=2)
    n_audio = round(Fraction(SAMPLE_FRAMES) / SAMPLE_RATE * 48000)
    audio = np.zeros((2, n_audio), np.float32)
    k = min(n_audio, speech_data.samples.shape[1])
    audio[:, :k] = speech_data.samples[:, :k]
    with MediaWriter(path, width=w, height=h, rate=SAMPLE_RATE, crf=20, audio_rate=48000,
                     audio_channels=2, force=force) as out:
        for t in range(SAMPLE_FRAMES):
            out.write_video(scenes.render(t))
            if t % 30 == 29:
                a0 = round(Fraction(t - 29) / SAMPLE_RATE * 48000)
                a1 = round(Fraction(t + 1) / SAMPLE_RATE * 48000)
                out.write_audio(audio[:, a0:a1])
        a0 = round(Fraction(SAMPLE_FRAMES // 30 * 30) / SAMPLE_RATE * 48000)
        out.write_audio(audio[:, a0:])
    return Path(path)


def sample_path() -> Path:
    """The sample film in the user cache (``$REELKIT_CACHE`` or ``~/.cache/reelkit``), made once."""
    target = _cache_dir() / f"reelkit-sample-v{_VERSION}.mp4"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_sample(target)
    return target
