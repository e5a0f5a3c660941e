"""Held-out script-to-take assembly: a real lecture cut into overlapping takes, its sentences as the script.

Written after the assembly rules were last changed on ``bench/assembly.py``'s takes and run once; nothing in
``reelkit.edit.assembly`` was tuned on it.

Data: ``../shared/data/speech/lecture/physicsworks_audio.webm`` (Walter Lewin, MIT OCW, CC BY 3.0; 203 s,
reverberant hall, spontaneous lecturing, audience noise). Takes: nine 26 s stretches starting every 20 s
(0, 20, ... 180 s) with the one at 100 s left out, so takes start and end inside sentences, neighbouring
takes share 6 s, and the sentences of about 106-120 s are in no take. Script: the lecture's sentences (from
``physicsworks.whisper_medium.json``, a transcript made with Whisper *medium* — a stronger model than the
one reelkit uses — with word times), one dialogue line each, speaker LEWIN.

Reference: each take's text is the medium transcript's words inside the take's time range (by the medium
word times, 0.3 s of slack at both ends), force-aligned on the take by ``reelkit.analysis.speech.align``
(Whisper medium's own word times drift by up to half a second, which would misjudge cut points); words the
aligner could not place keep their interpolated times. A line *occurs* in a take where its words appear in order in
those aligned words (the same rule as ``bench/assembly.py``). A choice is right when it comes from
a take where the line occurs and its span holds every word midpoint of one occurrence, or when the line
occurs nowhere and nothing was chosen. Cut points are measured on the audio as in ``bench/assembly.py``.

Usage::

    .venv/bin/python bench/assembly_lecture.py [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assembly import report, score_lines
from reelkit.analysis.speech import Transcript, align, transcribe
from reelkit.edit.assembly import assemble
from reelkit.media import read_audio
from reelkit.media.writer import write_wav

LECTURE = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "speech" / "lecture").resolve()
TAKE_S, STEP_S, LEFT_OUT = 26.0, 20.0, {5}


def medium_words() -> list[tuple[str, float, float]]:
    d = json.loads((LECTURE / "physicsworks.whisper_medium.json").read_text())
    return [(w["word"].strip(), w["time_interval"]["start"], w["time_interval"]["end"])
            for s in d["segments"] for w in s["words"] if w["word"].strip()]


def sentences(words: list[tuple[str, float, float]]) -> list[str]:
    out, cur = [], []
    for w, _, _ in words:
        cur.append(w)
        if re.search(r"[.?!]$", w):
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


def build(tmp: Path) -> tuple[Path, Path, dict[str, tuple[float, float]]]:
    """Script, takes folder and each take's (start, end) in lecture seconds."""
    words = medium_words()
    script = tmp / "lecture.fountain"
    body = "".join(f"LEWIN\n{s}\n\n" for s in sentences(words))
    script.write_text("Title: Physics works (held-out assembly)\n\nINT. LECTURE HALL - DAY\n\n" + body)
    x = read_audio(LECTURE / "physicsworks_audio.webm", sample_rate=16000, channels=1).samples[0]
    folder = tmp / "takes"
    folder.mkdir()
    spans = {}
    k = 0
    while k * STEP_S < len(x) / 16000 - 5:
        if k not in LEFT_OUT:
            a, b = k * STEP_S, min(len(x) / 16000, k * STEP_S + TAKE_S)
            name = f"lecture_take_{k:02d}.wav"
            write_wav(folder / name, x[int(a * 16000):int(b * 16000)][None, :], 16000)
            spans[name] = (a, b)
        k += 1
    return script, folder, spans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=None, help="reuse/keep transcripts (JSON per take) here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reel-lecture-asm-"))
    script, folder, spans = build(tmp)
    words = medium_words()
    known: dict[Path, Transcript] = {}
    w0, c0 = time.perf_counter(), time.process_time()
    for name in spans:
        p = (folder / name).absolute()
        f = args.cache / f"{name}.json" if args.cache else None
        if f is not None and f.is_file():
            known[p] = Transcript.from_dict(json.loads(f.read_text()))
        else:
            known[p] = transcribe(p)
            if f is not None:
                args.cache.mkdir(parents=True, exist_ok=True)
                f.write_text(json.dumps(known[p].to_dict()))
    t_wall, t_cpu = time.perf_counter() - w0, time.process_time() - c0
    asm = assemble(script, folder, transcripts=known)
    print(f"{len(spans)} takes transcribed/loaded in {t_wall:.0f} s wall ({t_cpu:.0f} s CPU); {len(asm.lines)} lines")
    ref = {}
    for name, (a, b) in spans.items():
        text = " ".join(w for w, s, e in words if s >= a - 0.3 and e <= b + 0.3)
        rec = known[(folder / name).absolute()]
        t = align(folder / name, text, recognised=rec if rec.language == "en" else None)
        ref[name] = [[w.text, w.start / t.sample_rate, w.end / t.sample_rate] for w in t.words]
    right, rows, audio, rate = score_lines(asm, ref)
    report(asm, right, rows, audio, rate, all_levels=False)
    print("notes:", *asm.notes, sep="\n  ")


if __name__ == "__main__":
    main()
