"""The editable transcript text format (``reel transcribe --format txt``) and its diff.

Format (UTF-8)::

    # reelkit transcript of talk.mp4 — delete words or whole lines to cut them; do not change or add words.
    [00:00.00] and so my fellow americans
    [00:03.12] ask not what your country can do for you

* Lines starting with ``#`` are comments; blank lines are ignored. When speakers are known, a
  comment line ``# S2`` stands before the first line of each change of speaker.
* Every other line is one segment (a stretch of speech between pauses): an optional time tag
  ``[mm:ss.cc]`` (``[h:mm:ss.cc]`` past an hour) with the segment's start, then its words separated by
  single spaces.
* To cut, delete words anywhere (or whole lines, tag included). Keep the tags as they are: a line
  with a tag is matched to the segment with that tag, which makes the edit unambiguous even when the
  same words occur in several lines. Joining lines (deleting a line break) is allowed.
* Words are compared case-insensitively and ignoring punctuation at their edges (``Americans,`` ==
  ``americans``); tokens that are only punctuation are ignored. A changed, added or reordered word
  is an :class:`~reelkit.errors.InputFormatError` naming the first line that does not match, the
  word found and the words expected there.
* Within a run of identical words (``word word word`` edited to ``word word``), the earliest words
  are kept and the last ones are treated as deleted.

:func:`diff_text` maps the edited text back to the indices of the deleted words, exactly.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from reelkit.analysis.speech.model import Transcript, segment_word_ranges
from reelkit.errors import InputFormatError

__all__ = ["diff_text", "format_tag", "normalize_word", "transcript_to_text"]

_TAG = re.compile(r"^\s*\[(?:(\d+):)?(\d{1,3}):(\d{2})\.(\d{2})\]\s*")
_EDGE = re.compile(r"^[^\w']+|[^\w']+$")


def format_tag(samples: int, sample_rate: int) -> str:
    """``[mm:ss.cc]`` (or ``[h:mm:ss.cc]``) for a sample position, truncated to centiseconds."""
    cs = samples * 100 // sample_rate
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, c = divmod(rem, 100)
    return f"[{h}:{m:02d}:{s:02d}.{c:02d}]" if h else f"[{m:02d}:{s:02d}.{c:02d}]"


def normalize_word(token: str) -> str:
    """Comparison key of a word: NFC, case-folded, punctuation stripped from both ends."""
    return _EDGE.sub("", unicodedata.normalize("NFC", token).casefold()).strip("'")


def transcript_to_text(t: Transcript, *, header: bool = True) -> str:
    """Render ``t`` in the editable text format (see the module docstring); ends with a newline."""
    lines = []
    if header:
        name = Path(t.media).name if t.media else "media"
        lines.append(f"# reelkit transcript of {name} — delete words or whole lines to cut them; "
                     "do not change or add words.")
    speaker = None
    for seg, (i, j) in zip(t.segments or [None], segment_word_ranges(t), strict=False):
        if i == j:
            continue
        who = seg.speaker if seg is not None else None
        if who is not None and who != speaker:
            lines.append(f"# {who}")
            speaker = who
        start = seg.start if seg is not None else t.words[i].start
        lines.append(f"{format_tag(start, t.sample_rate)} " + " ".join(w.text for w in t.words[i:j]))
    return "\n".join(lines) + "\n"


def diff_text(t: Transcript, edited_text: str) -> list[int]:
    """Indices (ascending) of the words of ``t`` deleted in ``edited_text``.

    ``edited_text`` is the output of :func:`transcript_to_text` with words or lines deleted.

    Raises:
        InputFormatError: a line has a word that is not next in the transcript (changed, added or
            moved), or a time tag that is not in the transcript; the message names the line number,
            the word found and the words expected there.
    """
    ranges = segment_word_ranges(t)
    keys = [normalize_word(w.text) for w in t.words]
    # tag text -> segment indices having that tag (in order)
    tags: dict[str, list[int]] = {}
    for k, (i, j) in enumerate(ranges):
        if i < j:
            start = t.segments[k].start if t.segments else t.words[i].start
            tags.setdefault(format_tag(start, t.sample_rate), []).append(k)
    seg_of_word = [0] * len(t.words)
    for k, (i, j) in enumerate(ranges):
        for n in range(i, j):
            seg_of_word[n] = k

    kept: set[int] = set()
    pos = 0  # next transcript word that may match
    for lineno, raw in enumerate(edited_text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        limit = len(t.words)
        m = _TAG.match(line)
        if m:
            h, mm, ss, cc = (int(g) if g else 0 for g in m.groups())
            tag = (f"[{h}:{mm:02d}:{ss:02d}.{cc:02d}]" if h else f"[{mm:02d}:{ss:02d}.{cc:02d}]")
            cands = [k for k in tags.get(tag, []) if ranges[k][1] > pos]
            if not cands:
                raise InputFormatError(
                    f"line {lineno}: time tag {tag} does not match a line of the transcript at this point; "
                    "keep tags as written and do not reorder lines (delete the whole line to cut it)")
            k = cands[0]
            pos = max(pos, ranges[k][0])
            limit = ranges[k][1]
            line = line[m.end():]
        for token in line.split():
            key = normalize_word(token)
            if not key:
                continue
            n = pos
            while n < limit and keys[n] != key:
                n += 1
            if n >= limit:
                seg = seg_of_word[pos] if pos < len(t.words) else len(ranges) - 1
                expect = " ".join(w.text for w in t.words[pos:ranges[seg][1]]) if pos < len(t.words) else ""
                raise InputFormatError(
                    f"line {lineno}: found '{token}' but expected one of the next transcript words "
                    f"'{expect or '(end of transcript)'}' (only deleting words is allowed; "
                    f"the line reads: {raw.strip()!r})")
            kept.add(n)
            pos = n + 1
    return [i for i in range(len(t.words)) if i not in kept]
