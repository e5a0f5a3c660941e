"""Cutdowns and highlights on the real lecture: exact lengths, cut points in silence, ranking vs baselines.

Data: ``../shared/data/speech/lecture/physicsworks_audio.webm`` (Walter Lewin, CC BY 3.0, 203 s, reverberant
hall, audience) transcribed in this run by the project's transcription (``--backend``/``--model``, e.g.
faster-whisper with the registry's Whisper base weights), and the hand labels of
``bench/data/highlights_labels.json`` (made before the ranking weights were fixed; never tuned on).

Measures:

* cutdowns (15/30/60/90/120 s): frames made vs asked; every cut point measured ON THE AUDIO, independently
  of the transcript: the 20 ms RMS level centred on the cut must be at most ``noise floor + 12 dB`` (noise
  floor = 10th percentile of the file's 20 ms levels) — peer: a head trim (the first N seconds), whose out
  point is measured the same way;
* highlights: share of clips whose in/out lie between the transcript's words (sentence boundaries) and in
  silence on the audio; ranking against the loudest-window and densest-speech-window baselines: grade-2
  ("postable") moments hit by the top 5 (a clip hits a labelled moment when they overlap by at least half
  of the shorter of the two), precision@5 for grade 2, and mean grade of the top 5.

Usage::

    .venv/bin/python bench/first_cuts.py --backend faster-whisper --model /tmp/whisper-base
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

from reelkit.analysis.speech import Transcript, transcribe
from reelkit.edit.cutdown import cutdowns
from reelkit.edit.highlights import baseline_windows, find_highlights
from reelkit.edit.sources import IndexUse, asr_options, source_energy
from reelkit.media import probe
from reelkit.timeline import media_frame_count, ranges_timeline

ROOT = Path(__file__).resolve().parents[1]
NO_INDEX = IndexUse(enabled=False)  # ../shared/data is not written to
LECTURE = (ROOT / ".." / "shared" / "data" / "speech" / "lecture" / "physicsworks_audio.webm").resolve()
LABELS = ROOT / "bench" / "data" / "highlights_labels.json"
RATE = Fraction(25)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def level_at(en: tuple[np.ndarray, int, int], t_s: float) -> float:
    e, hop, sr = en
    k = round(t_s * sr / hop)
    return float(e[min(max(k, 0), len(e) - 1)])


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def hits(clip: tuple[float, float], moments: list[dict]) -> list[dict]:
    out = []
    for m in moments:
        shorter = min(clip[1] - clip[0], m["end"] - m["start"])
        if shorter > 0 and overlap(clip, (m["start"], m["end"])) >= 0.5 * shorter:
            out.append(m)
    return out


def rank_stats(clips: list[tuple[float, float]], moments: list[dict]) -> dict[str, float]:
    great = [m for m in moments if m["grade"] == 2]
    found = {m["id"] for c in clips for m in hits(c, great)}
    p_great = np.mean([bool(hits(c, great)) for c in clips]) if clips else 0.0
    grades = [max((m["grade"] for m in hits(c, moments)), default=0) for c in clips]
    return {"great_found": len(found), "great_total": len(great), "p_great@k": float(p_great),
            "mean_grade@k": float(np.mean(grades)) if grades else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", default=None)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--words", type=Path, default=None, help="reuse a transcript JSON of the lecture")
    ap.add_argument("--json", type=Path, default=None, help="write the numbers here too")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, shared with other jobs (wall times are noisy; CPU = user+sys)")
    w0, c0 = time.perf_counter(), cpu()
    if args.words:
        t = Transcript.from_dict(json.loads(args.words.read_text()))
        how = f"transcript {args.words}"
    else:
        t = transcribe(LECTURE, **asr_options(args.backend, args.model))
        how = f"transcribed now with {t.backend}"
    print(f"lecture: {LECTURE.name}, {how}: {len(t.words)} words "
          f"({time.perf_counter() - w0:.1f} s wall, {cpu() - c0:.1f} s CPU)")
    en = source_energy(LECTURE, use=NO_INDEX)
    assert en is not None
    floor = float(np.percentile(en[0], 10))
    thresh = floor + 12.0
    print(f"audio: noise floor {floor:.1f} dBFS (10th pct of 20 ms RMS); a cut is 'in silence' at <= {thresh:.1f}")
    results: dict[str, object] = {"transcript": how}

    # -- cutdowns ---------------------------------------------------------------------------------------------
    info = probe(LECTURE)
    total = media_frame_count(info, RATE)
    tl = ranges_timeline(info, [(0, total)], name="lecture", rate=RATE)
    asked = [15, 30, 60, 90, 120]
    w0, c0 = time.perf_counter(), cpu()
    res = cutdowns(tl, asked, transcripts={LECTURE: t}, use=NO_INDEX)
    wall, cp = time.perf_counter() - w0, cpu() - c0
    print(f"\ncutdowns ({wall:.1f} s wall, {cp:.1f} s CPU for all {len(asked)}):")
    print("| asked s | frames asked | frames made | error frames | kept sentences | cuts | cuts in silence | "
          "head-trim out point level (dB over floor) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    cut_rows = []
    all_cuts = in_sil = 0
    for a, r in zip(asked, res, strict=True):
        cuts = [p for _, x, y in r.pieces for p in (x, y) if 0 < p < total]
        levels = [level_at(en, c / 25) for c in cuts]
        ok = sum(lv <= thresh for lv in levels)
        all_cuts += len(cuts)
        in_sil += ok
        head = level_at(en, a) - floor
        print(f"| {a} | {a * 25} | {r.frames} | {r.frames - a * 25} | {len(r.kept)}/{len(r.units)} | {len(cuts)} | "
              f"{ok}/{len(cuts)} | {head:+.1f} |")
        cut_rows.append({"asked_s": a, "frames": r.frames, "cuts": len(cuts), "in_silence": ok,
                         "levels_over_floor": [round(lv - floor, 1) for lv in levels], "head_trim_over_floor":
                         round(head, 1), "notes": r.notes})
    print(f"all cutdown cut points in silence: {in_sil}/{all_cuts}")
    results["cutdowns"] = cut_rows

    # -- highlights -------------------------------------------------------------------------------------------
    labels = json.loads(LABELS.read_text())["moments"]
    w0, c0 = time.perf_counter(), cpu()
    plan = find_highlights(LECTURE, count=5, min_s=10, max_s=40, transcript=t, use=NO_INDEX)
    wall, cp = time.perf_counter() - w0, cpu() - c0
    sr = t.sample_rate
    word_spans = [(w.start / sr, w.end / sr) for w in t.words]
    on_bound = in_silence = 0
    print(f"\nhighlights (count 5, 10-40 s; {len(plan.candidates)} stand-alone candidates; {wall:.1f} s wall, "
          f"{cp:.1f} s CPU without rendering):")
    for p in plan.picks:
        inside = [(s, e) for s, e in word_spans for x in (p.start_s, p.end_s) if s < x < e]
        first_ok = plan.sentences[p.first].start / sr >= p.start_s
        last_ok = plan.sentences[p.last].end / sr <= p.end_s
        on_bound += int(not inside and first_ok and last_ok)
        sil = all(level_at(en, x) <= thresh for x in (p.start_s, p.end_s) if 0 < x < total / 25)
        in_silence += int(sil)
        print(f"  #{p.rank} {p.start_s:6.2f}-{p.end_s:6.2f} s score {p.score:.2f} hits "
              f"{[m['id'] for m in hits((p.start_s, p.end_s), labels)]} \"{p.title}\" — {'; '.join(p.reasons)}")
    print(f"clips on sentence boundaries (no word cut, whole first/last sentence): {on_bound}/{len(plan.picks)}; "
          f"in/out in silence on the audio: {in_silence}/{len(plan.picks)}")
    ours = [(p.start_s, p.end_s) for p in plan.picks]
    length = float(np.median([b - a for a, b in ours]))
    table = {"reelkit highlights": rank_stats(ours, labels)}
    base_bounds: dict[str, str] = {}
    for kind in ("loudest", "densest"):
        wins = baseline_windows(plan, kind, count=5, length_s=round(length))
        table[f"baseline: {kind} {round(length)} s windows"] = rank_stats(wins, labels)
        cut_words = sum(1 for a, b in wins for x in (a, b) if any(s < x < e for s, e in word_spans))
        base_bounds[kind] = f"{cut_words}/{2 * len(wins)} window edges inside a word"
    print("\n| ranking (top 5) | postable moments found (of 5) | precision@5 (postable) | mean grade@5 (0-2) |")
    print("|---|---:|---:|---:|")
    for name, s in table.items():
        print(f"| {name} | {s['great_found']}/{s['great_total']} | {s['p_great@k']:.2f} | {s['mean_grade@k']:.2f} |")
    print("baseline window edges:", base_bounds)
    results["highlights"] = {"picks": [p.to_dict() for p in plan.picks], "ranking": table,
                             "on_sentence_boundaries": on_bound, "in_silence": in_silence,
                             "baseline_edges": base_bounds}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
