"""Animatics: storyboard panels timed to the planned shot durations, as an MP4 and an NLE timeline.

Each panel is held for its beat's duration (whole frames at the animatic rate, 24 fps by default)
with its dialogue (or action) burned in as a subtitle. With ``voice=True`` the dialogue is spoken by
``espeak-ng`` when that program is installed (it is never required: without it
:class:`~reelkit.errors.BackendUnavailable` names the package to install). The MP4 is written with
:class:`reelkit.media.MediaWriter`; the timeline (:func:`animatic_timeline`) is a ranges timeline
of that MP4 cut at the panel boundaries (one clip per panel, named after its shot code), exported
by :func:`reelkit.timeline.export_timeline` to OTIO or FCP7 XML.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
from PIL import Image, ImageDraw

from reelkit.errors import BackendUnavailable, UsageError
from reelkit.media import MediaWriter, probe, read_audio
from reelkit.progress import ProgressFn
from reelkit.provenance import Action, declare
from reelkit.render.captions import caption_font
from reelkit.script.board import Panel
from reelkit.time import seconds_to_frame

__all__ = ["AUDIO_RATE", "Animatic", "animatic_timeline", "espeak_available", "write_animatic"]

AUDIO_RATE = 48000


@dataclass(frozen=True)
class Animatic:
    """What :func:`write_animatic` wrote: the file, its rate and the ``[start, end)`` frames of every panel."""

    path: Path
    rate: Fraction
    cuts: tuple[tuple[int, int], ...]
    panels: tuple[Panel, ...]
    voiced: int  # number of panels with synthesised speech

    @property
    def frames(self) -> int:
        return self.cuts[-1][1] if self.cuts else 0


def espeak_available() -> str | None:
    """Path of the ``espeak-ng`` binary, or None when it is not installed."""
    return shutil.which("espeak-ng")


def _speak(text: str, exe: str, voice_index: int) -> np.ndarray:
    """Synthesise ``text`` with espeak-ng → mono float32 at :data:`AUDIO_RATE`."""
    voices = ["en-us", "en-gb", "en-us+m3", "en-gb-x-rp", "en-us+f3", "en-029"]
    with tempfile.TemporaryDirectory(prefix="reelkit-tts-") as d:
        wav = Path(d) / "line.wav"
        cmd = [exe, "-v", voices[voice_index % len(voices)], "-s", "165", "-w", str(wav), "--", text]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise BackendUnavailable(f"espeak-ng failed: {exc}", hint="check `espeak-ng --version`") from None
        return read_audio(wav, sample_rate=AUDIO_RATE, channels=1).samples[0]


def _frame_image(panel: Panel, width: int, height: int) -> np.ndarray:
    im = Image.open(io.BytesIO(panel.picture_png)).convert("RGB")
    if im.size != (width, height):
        im = im.resize((width, height), Image.Resampling.LANCZOS)
    text = panel.beat.dialogue or panel.beat.action
    if text:
        draw = ImageDraw.Draw(im, "RGBA")
        fs = max(10, height // 22)
        font = caption_font(fs, bold=False)
        avg = max(1.0, draw.textlength("abcdefghijklmnopqrstuvwxyz", font=font) / 26.0)
        lines = textwrap.wrap(" ".join(text.split()), max(10, int(width * 0.9 / avg)))
        if len(lines) > 2:
            lines = lines[:2]
            lines[-1] = lines[-1][:-1].rstrip() + "…"
        y = height - (len(lines) * fs * 1.3) - fs * 0.8
        draw.rectangle([0, y - fs * 0.3, width, height], fill=(0, 0, 0, 140))
        for ln in lines:
            tw = draw.textlength(ln, font=font)
            draw.text(((width - tw) / 2, y), ln, fill=(255, 255, 255, 255), font=font)
            y += fs * 1.3
    return np.asarray(im, dtype=np.uint8)


def write_animatic(panels: list[Panel], path: str | os.PathLike[str], *, rate: Fraction = Fraction(24),
                   width: int | None = None, height: int | None = None, voice: bool = False,
                   force: bool = False, progress: ProgressFn | None = None) -> Animatic:
    """Write an MP4 (H.264) holding each panel for its beat's duration; AAC audio when ``voice``.

    Args:
        panels: from :func:`reelkit.script.board.render_panels`.
        rate: frame rate (durations are rounded to whole frames at this rate).
        width, height: output size (default: the panels' picture size), even numbers.
        voice: speak the dialogue with espeak-ng (each speaker gets a voice of their own).

    Raises:
        UsageError: no panels, odd sizes.
        BackendUnavailable: ``voice`` and espeak-ng is not installed.
        OutputExistsError / OutputError: as :class:`~reelkit.media.MediaWriter`.
    """
    if not panels:
        raise UsageError("nothing to animate: no panels")
    exe = espeak_available() if voice else None
    if voice and exe is None:
        raise BackendUnavailable("--voice needs the espeak-ng program, which is not installed",
                                 hint="install it, e.g. `sudo apt-get install espeak-ng`, or leave out --voice")
    first = Image.open(io.BytesIO(panels[0].picture_png))
    w = width or first.width
    h = height or first.height
    if w % 2 or h % 2:
        raise UsageError(f"animatic size must be even for H.264, got {w}×{h}")
    cuts: list[tuple[int, int]] = []
    t = Fraction(0)
    for p in panels:
        start = seconds_to_frame(t, rate, rounding="nearest")
        t += p.beat.duration
        end = max(start + 1, seconds_to_frame(t, rate, rounding="nearest"))
        cuts.append((start, end))
    speakers: dict[str, int] = {}
    voiced = 0
    what = "animatic: storyboard panels drawn by reelkit, timed to the shot list"
    declare(path, actions=[Action("generated", what + (", dialogue synthesised by espeak-ng" if voice else ""),
                                  source_type="algorithmic"), Action("captions", "dialogue burned in as subtitles")])
    with MediaWriter(path, width=w, height=h, rate=rate, crf=23, preset="veryfast",
                     audio_rate=AUDIO_RATE if voice else None, audio_channels=1, force=force) as mw:
        for i, (p, (start, end)) in enumerate(zip(panels, cuts, strict=True)):
            frame = _frame_image(p, w, h)
            for _ in range(end - start):
                mw.write_video(frame)
            if voice:
                assert exe is not None
                n = int((end - start) * AUDIO_RATE / rate)
                block = np.zeros(n, np.float32)
                if p.beat.kind == "dialogue" and p.beat.dialogue:
                    who = p.beat.speakers[0] if p.beat.speakers else ""
                    spoken = p.beat.dialogue.split(":", 1)[1] if ":" in p.beat.dialogue else p.beat.dialogue
                    speech = _speak(spoken.replace(" / ", ". "), exe, speakers.setdefault(who, len(speakers)))
                    block[: min(n, speech.size)] = speech[:n] * 0.9
                    voiced += 1
                mw.write_audio(block[None, :])
            if progress:
                progress(i + 1, len(panels))
    return Animatic(Path(path), rate, tuple(cuts), tuple(panels), voiced)


def animatic_timeline(animatic: Animatic, *, name: str = "animatic") -> otio.schema.Timeline:
    """An OTIO timeline of the animatic MP4 cut at every panel: one clip per panel, named
    ``"<shot code> #<panel>"``, with the beat (shot, dialogue, action, description) in
    ``clip.metadata["reelkit"]["board"]``. Export it with :func:`reelkit.timeline.export_timeline`."""
    from reelkit.timeline import ranges_timeline

    info = probe(animatic.path)
    tl = ranges_timeline(info, list(animatic.cuts), name=name, audio=info.audio is not None)
    for track in tl.tracks:
        clips = [c for c in track if isinstance(c, otio.schema.Clip)]
        for clip, panel in zip(clips, animatic.panels, strict=True):
            clip.name = f"{panel.shot.code} #{panel.number}"
            meta = dict(clip.metadata.get("reelkit", {}))
            meta["board"] = {"panel": panel.number, "shot": panel.shot.code, "scene": panel.scene.number,
                             "kind": panel.beat.kind, "dialogue": panel.beat.dialogue, "action": panel.beat.action,
                             "description": panel.shot.description}
            clip.metadata["reelkit"] = meta
    return tl
