"""Script-to-take assembly on real recordings: line-to-take accuracy, cut points in silence, distractors.

Data (see ``bench/assembly_takes.py``): the script ``bench/data/assembly/scene.fountain`` (19 lines in 4 scenes)
and 35 real takes linked from ../shared/data (MFA test recordings of one speaker reading the same lines with
fillers, cut-off restarts, laughter, whispering, paraphrase and chatter; four GRID videos; JFK; LibriSpeech;
LJSpeech; two AMI meeting clips and a text file as distractors). One line has no take on purpose.

Reference (``bench/data/assembly/reference.json``, made by ``--make-reference``): each take's known text (the
corpora's transcripts) force-aligned on the take by the project's aligner; a line *occurs* in a take where its
words appear in order within a window of the line's length + 3 tokens.

Measures:

* line-to-take accuracy: the share of script lines for which the assembly's choice is right — the chosen clip
  comes from a take where the line occurs and its source span holds every word of one occurrence (word
  midpoints inside), or the line occurs nowhere and nothing was chosen;
* cut points in silence, on the audio independently of any transcript: the 20 ms RMS level at every clip in/out
  at most the take's noise floor (10th percentile) + 12 dB;
* distractors: clips taken from the AMI meeting takes (should be 0).

Usage::

    .venv/bin/python bench/assembly.py --make-reference
    .venv/bin/python bench/assembly.py --backend pocketsphinx
    .venv/bin/python bench/assembly.py --backend faster-whisper --model /tmp/whisper-base --cache /tmp/tcache
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assembly_takes import SCRIPT, TAKES, make_folder, reference_texts
from reelkit.analysis.speech import Transcript, align, transcribe
from reelkit.edit.assembly import assemble, tokens
from reelkit.edit.sources import IndexUse, asr_options, source_energy
from reelkit.timeline import timeline_tracks

REF = Path(__file__).resolve().parent / "data" / "assembly" / "reference.json"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def make_reference() -> None:
    out = {}
    for name, text in reference_texts().items():
        t = align(TAKES[name], text)
        sr = t.sample_rate
        out[name] = {"text": text, "words": [[w.text, round(w.start / sr, 3), round(w.end / sr, 3)] for w in t.words]}
        print(name, len(t.words), "words aligned", flush=True)
    REF.write_text(json.dumps({"about": "known text of each take force-aligned by reelkit.analysis.speech.align "
                               "(pocketsphinx); times in seconds", "takes": out}, indent=1) + "\n")


def occurrences(line: list[str], words: list[list]) -> list[tuple[float, float, list[float]]]:
    """Where ``line``'s tokens occur in order in the reference words (window len + 3): (start, end, midpoints)."""
    toks: list[tuple[str, float, float]] = []
    for text, s, e in words:
        for tok in tokens(text):
            toks.append((tok, s, e))
    out = []
    for i in range(len(toks)):
        if toks[i][0] != line[0]:
            continue
        k, mids, j = 0, [], i
        while j < len(toks) and j < i + len(line) + 3 and k < len(line):
            if toks[j][0] == line[k]:
                mids.append((toks[j][1] + toks[j][2]) / 2)
                k += 1
            j += 1
        if k == len(line):
            out.append((toks[i][1], toks[j - 1][2], mids))
    return out


def cut_levels(clips: list, rate: Fraction) -> tuple[int, int, int, list[tuple[str, float, float]]]:
    """Every clip in/out measured on the audio: ``(silent, cuts, seamless joins, [(take, s, dB over floor)])``.

    A cut is silent when the 20 ms level there is at most the take's noise floor (10th percentile of its
    levels above -100 dBFS) + 12 dB. An out point where the next clip starts at the same frame of the same
    take is a seamless join (nothing is cut there: the source runs on) and is counted apart, with the
    following in point.
    """
    silent = cuts = seamless = 0
    levels = []
    for i, c in enumerate(clips):
        en = source_energy(c.path, use=IndexUse(enabled=False))
        assert en is not None
        e, hop, sr = en
        live = e[e > -100]
        floor = float(np.percentile(live, 10)) if len(live) else -100.0
        nxt = clips[i + 1] if i + 1 < len(clips) else None
        prv = clips[i - 1] if i > 0 else None
        for f, other, other_f in ((c.index_start, prv, None if prv is None else prv.index_start + prv.duration),
                                  (c.index_start + c.duration, nxt, None if nxt is None else nxt.index_start)):
            if other is not None and other.metadata["take"] == c.metadata["take"] and other_f == f:
                seamless += 1
                continue
            k = min(len(e) - 1, round(float(Fraction(f) / rate) * sr / hop))
            cuts += 1
            silent += e[k] <= floor + 12
            levels.append((c.metadata["take"], round(float(Fraction(f) / rate), 2), round(float(e[k] - floor), 1)))
    return silent, cuts, seamless // 2, levels


def score_lines(asm, refs: dict[str, list[list]]) -> tuple[int, list[tuple], Any, Fraction]:
    """Judge each script line's choice against the reference words of each take (``[[text, start s, end s]]``):
    right when the chosen clip comes from a take where the line occurs and holds every word midpoint of one
    occurrence, or when the line occurs nowhere and nothing was chosen. Returns (right, table rows, the
    assembly's audio track, its rate)."""
    rate, tracks = timeline_tracks(asm.timeline)
    audio = next(t for t in tracks if t.kind == "audio")
    chosen = {c.metadata["line"]: c for c in audio.clips}
    right, rows = 0, []
    for ln in asm.lines:
        occ = {n: o for n, words in refs.items() if (o := occurrences(list(ln.tokens), words))}
        c = chosen.get(ln.index)
        if c is None:
            ok, what = not occ, "none"
        else:
            a_s, b_s = float(Fraction(c.index_start) / rate), float(Fraction(c.index_start + c.duration) / rate)
            name = c.metadata["take"]  # the take's name in the folder (the media reference resolves links)
            ok = any(all(a_s <= m <= b_s for m in mids) for _, _, mids in occ.get(name, []))
            what = f"{name} {a_s:.2f}-{b_s:.2f}"
        right += ok
        rows.append((ln.index + 1, ln.text[:48], len(occ), what, "ok" if ok else "WRONG"))
    return right, rows, audio, rate


def report(asm, right: int, rows: list[tuple], audio: Any, rate: Fraction, *, all_levels: bool) -> None:
    """Print the per-line table, the accuracy and the cut-point measure (:func:`cut_levels`)."""
    print("\n| line | text | takes holding it (reference) | chosen | right |\n|---:|---|---:|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |")
    print(f"\nline-to-take accuracy: {right}/{len(asm.lines)} = {right / len(asm.lines):.1%}")
    silent, cuts, seamless, levels = cut_levels(list(audio.clips), rate)
    print(f"cut points in silence (level <= take noise floor + 12 dB; floor = 10th pct of the take's 20 ms levels "
          f"above -100 dBFS): {silent}/{cuts}; seamless joins (the next clip continues the same take): {seamless}")
    print("  dB over floor at each in/out:" if all_levels else "  not in silence:",
          levels if all_levels else [lv for lv in levels if lv[2] > 12])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--make-reference", action="store_true")
    ap.add_argument("--backend", default=None)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--cache", type=Path, default=None, help="reuse/keep transcripts (JSON per take) here")
    ap.add_argument("--only-cached", action="store_true", help="assemble only the takes already in --cache")
    args = ap.parse_args()
    if args.make_reference:
        make_reference()
        return
    ref = json.loads(REF.read_text())["takes"]
    folder = make_folder(Path(tempfile.mkdtemp(prefix="reel-assembly-")) / "takes")
    known: dict[Path, Transcript] = {}
    w0, c0 = time.perf_counter(), cpu()
    tag = args.backend or "default"
    for name in TAKES:
        p = (folder / name).absolute()
        f = args.cache / f"{name}.json" if args.cache else None
        if f is not None and f.is_file():
            known[p] = Transcript.from_dict(json.loads(f.read_text()))
        elif args.only_cached:
            (folder / name).unlink()
        else:
            known[p] = transcribe(p, **asr_options(args.backend, args.model))
            if f is not None:
                args.cache.mkdir(parents=True, exist_ok=True)
                f.write_text(json.dumps(known[p].to_dict()))
    t_wall, t_cpu = time.perf_counter() - w0, cpu() - c0
    w0, c0 = time.perf_counter(), cpu()
    asm = assemble(SCRIPT, folder, transcripts=known)
    a_wall, a_cpu = time.perf_counter() - w0, cpu() - c0
    print(f"backend {tag}: {len(known)} takes transcribed/loaded in {t_wall:.0f} s wall ({t_cpu:.0f} s CPU); "
          f"assembly {a_wall:.1f} s wall ({a_cpu:.1f} s CPU); machine shared and loaded")
    right, rows, audio, rate = score_lines(asm, {n: ref[n]["words"] for n in ref if (folder / n).exists()})
    report(asm, right, rows, audio, rate, all_levels=True)
    distract = [c.metadata["take"] for c in audio.clips if c.metadata["take"].startswith("ami_")]
    print(f"clips from distractor takes: {len(distract)}; alternates kept: "
          f"{sum(len(c.metadata.get('alternates', [])) for c in audio.clips)}")
    print("notes:", *asm.notes, sep="\n  ")


if __name__ == "__main__":
    main()
