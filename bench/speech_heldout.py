"""Speech on a third held-out set (``bench/data/speech``): recordings nobody on the team made and that no
part of reelkit's speech pipeline was tuned on. Committed before its first run; run once per change of
method, never while tuning.

Data (see ``bench/data/speech/README.md``):

* praatio's example recordings ``bobby``, ``mary`` (48 kHz) and ``damon_set_test`` (16 kHz) with
  word intervals marked by hand in Praat (MIT, Tim Mahrt) — word boundaries and read-speech WER;
* LibriSpeech ``61-70968-0000`` (CC BY 4.0, from MFA's test data) — read speech;
* MFA's ``michaelandsickmichael`` (MIT): 52 s of spontaneous speech with fillers, one talker per
  channel (Michael McAuliffe healthy, then the same man with a cold), the utterances timed in a
  TextGrid — WER, fillers, ``--align`` share and utterance-edge error, speaker attribution;
* ``13697_11991_000000`` (Spanish read speech, from MFA's test data) — a take in another language.

Systems as in ``bench/speech.py`` (raw PocketSphinx, plain faster-whisper with the same base weights,
reelkit's default ``transcribe``); one seeded run (seed 0).

Usage::

    .venv/bin/python bench/speech_heldout.py     # prints markdown tables
"""

from __future__ import annotations

import re
import statistics
import sys
import unicodedata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speech as S  # the shared measuring code of bench/speech.py

DATA = Path(__file__).resolve().parent / "data" / "speech"
FILLED = S.FILLED


def textgrid_tiers(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    """Every interval tier of a Praat TextGrid (long or short text format) as ``name -> [(xmin s, xmax s,
    text)]``; empty intervals are dropped. Point tiers are skipped."""
    raw = re.sub(r"\[\d*\]", " ", path.read_text(encoding="utf-8"))
    toks = [m.group(1) if m.group(1) is not None else float(m.group(2))
            for m in re.finditer(r'"((?:[^"]|"")*)"|(?<![\w.])(-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)(?![\w.])', raw)]
    toks = toks[toks.index("TextGrid") + 1:]
    _, _, n_tiers = toks[0:3]
    i, tiers = 3, {}
    for _ in range(int(n_tiers)):
        kind, name, _, _, n = toks[i:i + 5]
        i += 5
        width = 3 if kind == "IntervalTier" else 2
        items = [toks[i + k * width:i + (k + 1) * width] for k in range(int(n))]
        i += width * int(n)
        if kind == "IntervalTier":
            tiers[name] = [(float(a), float(b), str(t).replace('""', '"').strip()) for a, b, t in items
                           if str(t).strip()]
    return tiers


def words_of(text: str) -> list[str]:
    """Lower-cased words, any script, apostrophes kept; accents kept (Spanish), punctuation dropped."""
    s = unicodedata.normalize("NFC", text.lower().replace("yknow", "you know"))
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", s)


def cases() -> list[tuple[str, Path, str, str]]:
    """(group, audio, reference text, note)."""
    out = []
    for audio, tg, tier in (("bobby.wav", "bobby_words.TextGrid", "word"), ("mary.wav", "mary.TextGrid", "word"),
                            ("damon_set_test.wav", "damon_set_test.TextGrid", "words")):
        words = [t for _, _, t in textgrid_tiers(DATA / tg)[tier]]
        out.append(("read", DATA / audio, " ".join(words), "praatio, hand-marked words"))
    out.append(("read", DATA / "61-70968-0000.flac", (DATA / "61-70968-0000.lab").read_text(), "LibriSpeech"))
    out.append(("spontaneous", DATA / "michaelandsickmichael.wav", " ".join(t for _, _, t in michael_turns()),
                "MFA, 2 channels / 2 voices, fillers"))
    out.append(("Spanish", DATA / "13697_11991_000000.opus", (DATA / "13697_11991_000000.lab").read_text(),
                "read, auto language"))
    return out


def michael_turns() -> list[tuple[float, float, str]]:
    """The utterances of both channels in time order as (start s, end s, text); the speaker is the tier.
    One line per utterance (the TextGrid breaks one inside its text), "yknow" read as "you know"."""
    tiers = textgrid_tiers(DATA / "michaelandsickmichael.TextGrid")
    return sorted((a, b, " ".join(t.replace("yknow", "you know").split())) for tier in tiers.values()
                  for a, b, t in tier)


def michael_speaker_turns() -> list[tuple[float, float, str]]:
    tiers = textgrid_tiers(DATA / "michaelandsickmichael.TextGrid")
    return sorted((a, b, name) for name, tier in tiers.items() for a, b, _ in tier)


def asr_tables(measured: dict[Path, dict]) -> list[str]:
    out = ["### Word error rate (one seeded run, seed 0)", "",
           "| file | group | words | raw-ps | plain-fw | reelkit | reelkit hypothesis (start) |",
           "|---|---|---:|---:|---:|---:|---|"]
    tot: dict[tuple[str, str], list[int]] = {}
    worse, fills = [], {n: [0, 0] for n in S.SYSTEMS}
    ref_fill = 0
    for group, path, text, note in cases():
        ref = words_of(text)
        cells = []
        for name in S.SYSTEMS:
            hyp = words_of(" ".join(w for w, _, _ in measured[path][name][0]))
            e = S.edit_distance(ref, hyp)
            for g in (group, "all"):
                t = tot.setdefault((name, g), [0, 0])
                t[0] += e
                t[1] += len(ref)
            cells.append(e)
            nf = sum(w in FILLED for w in hyp)
            fills[name][0] += min(nf, sum(w in FILLED for w in ref))
            fills[name][1] += nf
            if name == "reelkit":
                first = " ".join(hyp)[:60]
        ref_fill += sum(w in FILLED for w in ref)
        if cells[2] > cells[1]:
            worse.append(f"{path.name} ({cells[2]} vs {cells[1]} errors)")
        out.append(f"| {path.name} ({note}) | {group} | {len(ref)} | " + " | ".join(
            f"{c / len(ref):.1%} ({c})" for c in cells) + f" | {first} |")
    out += ["", "| group | raw-ps | plain-fw | reelkit |", "|---|---:|---:|---:|"]
    for g in ("read", "spontaneous", "Spanish", "all"):
        out.append(f"| {g} | " + " | ".join(f"{tot[(n, g)][0] / tot[(n, g)][1]:.1%} of {tot[(n, g)][1]}"
                                           for n in S.SYSTEMS) + " |")
    out += ["", f"Files where reelkit has more errors than plain faster-whisper: {', '.join(worse) or 'none'}.",
            "", f"Filled pauses (um/uh/er/ah/hm; {ref_fill} in the references): " + "; ".join(
                f"{n} found {f}, matched {m} (recall {m / max(1, ref_fill):.0%}, precision {m / max(1, f):.0%})"
                for n, (m, f) in fills.items())]
    return out


def boundary_table(measured: dict[Path, dict]) -> list[str]:
    out = ["### Word boundaries vs the hand-marked praatio words (every start and end of matched words)", "",
           "| system | boundaries | median | 90th pct | max |", "|---|---:|---:|---:|---:|"]
    refs = {DATA / "bobby.wav": ("bobby_words.TextGrid", "word"), DATA / "mary.wav": ("mary.TextGrid", "word"),
            DATA / "damon_set_test.wav": ("damon_set_test.TextGrid", "words")}
    for name in ("plain-fw", "reelkit"):
        errs = []
        for path, (tg, tier) in refs.items():
            ref = [(a, b, t.lower()) for a, b, t in textgrid_tiers(DATA / tg)[tier]]
            errs += S.boundary_errors(ref, measured[path][name][0])
        q = np.percentile(errs, [50, 90, 100]) * 1000
        out.append(f"| {name} | {len(errs)} | {q[0]:.0f} ms | {q[1]:.0f} ms | {q[2]:.0f} ms |")
    return out


def align_table() -> list[str]:
    from reelkit.analysis.speech import align
    from reelkit.analysis.speech.align import aligned_share

    turns = michael_turns()
    path = DATA / "michaelandsickmichael.wav"
    out = ["### `--align` on spontaneous speech (michaelandsickmichael, its own transcript, one line per "
           "utterance)", "", "| text | words | aligned | utterance-edge error median / max |", "|---|---:|---:|---:|"]
    for label, lines in (("the transcript", [t for _, _, t in turns]),
                         ("the transcript + a sentence never said", [*(t for _, _, t in turns),
                                                                     "and then we will discuss the budget"])):
        t = align(path, "\n".join(lines))
        errs = []
        for seg, (a, b, _) in zip(t.segments, turns, strict=False):
            errs += [abs(seg.start / 16000 - a), abs(seg.end / 16000 - b)]
        out.append(f"| {label} | {len(t.words)} | {aligned_share(t):.0%} | "
                   f"{statistics.median(errs) * 1000:.0f} / {max(errs) * 1000:.0f} ms |")
    return out


def main() -> None:
    sys.path.insert(0, str(S.REPO / "src"))
    import ctranslate2

    from reelkit.analysis.speech import whisper_backend

    whisper_backend.SEED = 0
    ctranslate2.set_random_seed(0)
    measured = {path: S._systems_on(path) for _, path, _, _ in cases()}
    lines = ["Command: `.venv/bin/python bench/speech_heldout.py`", "", *asr_tables(measured), "",
             *boundary_table(measured), "", *align_table(), "",
             "### Speakers (michaelandsickmichael: the same man healthy and with a cold, one per channel, "
             "mixed to mono)", "", "| recording | --speakers | words | right speaker | speakers found | CPU s |",
             "|---|---|---:|---:|---:|---:|",
             *S._speaker_rows(DATA / "michaelandsickmichael.wav", michael_speaker_turns(), "michaelandsickmichael")]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
