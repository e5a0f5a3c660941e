"""Speech levels as a driver detector: the 16 kHz mono measures the editing commands share.

One streaming 16 kHz mono decode of the audio (:mod:`reelkit.analysis.driver`) gives, for the whole
file:

* ``energy_db`` — RMS level in dBFS of 20 ms windows every 10 ms (:func:`frame_energy_db`;
  element ``k`` is centred on sample ``k * 160``): where to cut between words, how far speech stands
  above the noise;
* ``clipped`` — per 10 ms hop, how many samples reach full scale (``|x| >= 0.99``);
* ``regions`` — voice activity as :func:`reelkit.analysis.speech.speech_regions` finds it with its
  defaults (short pauses bridged, padded: the regions ``reel cut --silence`` keeps);
* ``activity`` — the same detector without bridging or padding (``min_silence_s=0.1``, no hangover, no
  pad): frame-level activity to correlate with mouth motion (``reel reframe``'s speaker).

Commands read it through the media index (:func:`reelkit.index.analyze.speech_levels`), so a file is
measured once whichever of ``reel cut``, ``reel cutdown``, ``reel assemble`` or ``reel reframe`` asks first.
Memory: the voice activity detector looks at the whole file (its noise floor is a rolling minimum), so the
detector holds the mono 16 kHz signal until :meth:`SpeechLevelsDetector.finish` (64 kB per second
of audio, ~230 MB per hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from reelkit.analysis.driver import AudioNeed, Detector
from reelkit.media import AudioData, MediaInfo

__all__ = ["LEVELS_RATE", "SpeechLevels", "SpeechLevelsDetector", "frame_energy_db"]

#: the detector's sample rate (Hz) and hop (samples: 10 ms)
LEVELS_RATE = 16000
LEVELS_HOP = 160
#: a sample at or above this magnitude counts as clipped
CLIP_LEVEL = 0.99


@dataclass(frozen=True)
class SpeechLevels:
    """What :class:`SpeechLevelsDetector` measured (sample counts at :data:`LEVELS_RATE`).

    Attributes:
        samples: length of the decoded audio in samples.
        energy_db: ``(samples // 160 + 1,)`` float32 dBFS, window ``k`` centred on sample ``k * 160``.
        clipped: ``(ceil(samples / 160),)`` int32 clipped samples per hop.
        regions: ``(n, 2)`` int64 ``[start, end)`` speech regions (cut-ready: bridged and padded).
        activity: ``(m, 2)`` int64 ``[start, end)`` raw voice activity (no bridging, no padding).
    """

    samples: int
    energy_db: np.ndarray
    clipped: np.ndarray
    regions: np.ndarray
    activity: np.ndarray
    sample_rate: int = LEVELS_RATE
    hop: int = LEVELS_HOP

    def clip_share(self, start: int, end: int) -> float:
        """Share of clipped samples in ``[start, end)`` (samples; counted over the hops they touch)."""
        if end <= start:
            return 0.0
        a, b = max(0, start // self.hop), min(len(self.clipped), -(-end // self.hop))
        if b <= a:
            return 0.0
        return float(self.clipped[a:b].sum()) / float(min(self.samples, b * self.hop) - a * self.hop)

    def voice_per_frame(self, n_frames: int, rate: Fraction) -> np.ndarray:
        """``(n_frames,)`` bool: more than half of video frame ``i`` (at ``rate`` fps) is voice activity."""
        flags = np.zeros(self.samples + 1, np.int64)
        for s, e in self.activity:
            flags[int(s)] += 1
            flags[min(int(e), self.samples)] -= 1
        covered = np.concatenate([[0], np.cumsum(np.cumsum(flags)[:-1] > 0)])
        edges = np.clip(np.round(np.arange(n_frames + 1) / float(rate) * self.sample_rate).astype(np.int64),
                        0, self.samples)
        a, b = edges[:-1], edges[1:]
        span = b - a
        return (span > 0) & (2 * (covered[b] - covered[a]) > span)

    def to_store(self) -> dict[str, Any]:
        """The index's form (JSON values and NumPy arrays)."""
        return {"samples": self.samples, "sample_rate": self.sample_rate, "hop": self.hop,
                "energy_db": self.energy_db.astype(np.float32), "clipped": self.clipped.astype(np.int32),
                "regions": self.regions.astype(np.int64), "activity": self.activity.astype(np.int64)}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> SpeechLevels:
        """Inverse of :meth:`to_store`."""
        def pairs(v: Any) -> np.ndarray:
            return np.asarray(v, np.int64).reshape(-1, 2)

        return cls(samples=int(data["samples"]), energy_db=np.asarray(data["energy_db"], np.float32),
                   clipped=np.asarray(data["clipped"], np.int32), regions=pairs(data["regions"]),
                   activity=pairs(data["activity"]), sample_rate=int(data["sample_rate"]), hop=int(data["hop"]))


def frame_energy_db(x: np.ndarray, sample_rate: int, *, hop_s: float = 0.01, win_s: float = 0.02) -> np.ndarray:
    """RMS level in dBFS of ``x`` ((n,) float32) in windows of ``win_s`` every ``hop_s`` seconds.

    Element ``k`` is centred on sample ``k * hop``. Digital silence reads -120 dB.
    """
    hop = max(1, round(hop_s * sample_rate))
    win = max(hop, round(win_s * sample_rate))
    n = len(x) // hop + 1
    pad = np.concatenate([np.zeros(win // 2, np.float32), np.asarray(x, np.float32), np.zeros(win, np.float32)])
    c = np.concatenate([[0.0], np.cumsum(pad.astype(np.float64) ** 2)])
    idx = np.arange(n) * hop
    power = (c[idx + win] - c[idx]) / win
    return (10 * np.log10(np.maximum(power, 1e-12))).astype(np.float32)


class SpeechLevelsDetector(Detector):
    """Energy, clipping and voice activity of the mono 16 kHz audio (see the module docstring).

    ``finish()`` returns a :class:`SpeechLevels`.
    """

    name = "speech_levels"
    version = "1"

    def __init__(self) -> None:
        self.audio = AudioNeed(sample_rate=LEVELS_RATE, channels=1, block_samples=1 << 16)
        self._blocks: list[np.ndarray] = []

    def start(self, info: MediaInfo) -> None:
        """Forget any earlier file."""
        self._blocks = []

    def on_audio(self, block: np.ndarray, start_sample: int, sample_rate: int) -> None:
        """Keep one mono block."""
        self._blocks.append(np.asarray(block[0] if block.ndim == 2 else block, np.float32))

    def finish(self) -> SpeechLevels:
        """Measure the whole file."""
        from reelkit.analysis.speech import speech_regions

        x = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        self._blocks = []
        n_hops = -(-len(x) // LEVELS_HOP)
        hit = np.zeros(n_hops * LEVELS_HOP, bool)
        hit[:len(x)] = np.abs(x) >= CLIP_LEVEL
        audio = AudioData(x[None, :], LEVELS_RATE)
        regions = speech_regions(audio)
        activity = speech_regions(audio, min_silence_s=0.1, hangover_s=0.0, pad_s=0.0)
        return SpeechLevels(samples=len(x), energy_db=frame_energy_db(x, LEVELS_RATE),
                            clipped=hit.reshape(-1, LEVELS_HOP).sum(axis=1).astype(np.int32),
                            regions=np.asarray(regions, np.int64).reshape(-1, 2),
                            activity=np.asarray(activity, np.int64).reshape(-1, 2))
