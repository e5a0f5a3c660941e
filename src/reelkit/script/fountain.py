"""Fountain 1.1 parser: text → :class:`~reelkit.script.model.Screenplay`.

Covers the whole syntax of https://fountain.io/syntax: title page, scene headings (``INT``/``EXT``/
``EST``/``INT./EXT``/``I/E``, forced ``.``, scene numbers ``#1A#``), action (forced ``!``, indentation
kept, tabs as four spaces), characters (extensions, forced ``@``, dual dialogue ``^``), parentheticals,
dialogue (two-space lines keep a blank line inside dialogue), lyrics ``~``, transitions (``... TO:``,
forced ``>``), centered text ``> <``, page breaks ``===``, sections ``#``, synopses ``=``, notes
``[[ ]]`` and boneyard ``/* */`` (nested), emphasis ``*italic*`` ``**bold**`` ``***both***``
``_underline_`` with ``\\`` escapes.

Recovery rather than failure: an unterminated ``/*`` or ``[[`` is kept as text and reported in
``Screenplay.warnings``. The parser is a single pass over paragraphs (blocks separated by empty
lines) and is linear in the input size.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import replace

from reelkit.script.model import Element, Emphasis, Screenplay

__all__ = ["parse_fountain", "parse_inline", "strip_markup", "to_fountain"]

_HEADING_RE = re.compile(r"^(INT|EXT|EST|INT\.?/EXT|INT\./EXT\.|EXT\.?/INT|I/E)[.\s]", re.IGNORECASE)
_SCENE_NUMBER_RE = re.compile(r"\s*#([A-Za-z0-9][A-Za-z0-9.\-]*)#\s*$")
_PAGE_BREAK_RE = re.compile(r"^\s*={3,}\s*$")
_TITLE_KEY_RE = re.compile(r"^([A-Za-z][A-Za-z0-9 _\-]{0,39}):(.*)$")


def _notes(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, inner_text)`` of each ``[[...]]`` (first ``]]`` after ``[[``), in one linear pass."""
    out = []
    pos = 0
    while True:
        a = text.find("[[", pos)
        if a < 0:
            return out
        b = text.find("]]", a + 2)
        if b < 0:
            return out
        out.append((a, b + 2, text[a + 2:b]))
        pos = b + 2


def _remove_notes(text: str) -> str:
    if "[[" not in text:
        return text
    parts = []
    pos = 0
    for a, b, _ in _notes(text):
        parts.append(text[pos:a])
        pos = b
    parts.append(text[pos:])
    return "".join(parts)

_EMPH_TOKEN_RE = re.compile(r"\\[*_\\\[\]/]|\*{1,3}|_")
_LOWER_RE = re.compile(r"[a-z]")
_SINGLE_WS_LINE_RE = re.compile(r"^[ \t]$", re.MULTILINE)  # one space or tab: a blank line
_PARAGRAPH_RE = re.compile(r"[^\n]+(?:\n[^\n]+)*")


# ---------------------------------------------------------------------------------------------------
# inline markup
# ---------------------------------------------------------------------------------------------------
def parse_inline(raw: str) -> tuple[str, tuple[Emphasis, ...]]:
    """Remove Fountain emphasis markup from ``raw``; return ``(plain_text, spans)``.

    ``*`` italic, ``**`` bold, ``***`` bold italic, ``_`` underline; ``\\*`` and ``\\_`` are literal.
    A delimiter opens only before a non-space and closes only after a non-space; unmatched delimiters
    stay as literal text. Overlapping styles (``_**a_**``) are allowed.
    """
    if "*" not in raw and "_" not in raw and "\\" not in raw:
        return raw, ()
    # tokens: (start, end, kind) where kind is "esc", "*", "**", "***" or "_"
    tokens = [(m.start(), m.end(), m.group()) for m in _EMPH_TOKEN_RE.finditer(raw)]
    n = len(raw)
    matched: dict[int, int] = {}  # opener token index -> closer token index
    stack: list[int] = []
    for ti, (s, e, tok) in enumerate(tokens):
        if tok.startswith("\\"):
            continue
        before = raw[s - 1] if s > 0 else " "
        after = raw[e] if e < n else " "
        can_close = not before.isspace()
        can_open = not after.isspace()
        closed = False
        if can_close:
            for k in range(len(stack) - 1, max(-1, len(stack) - 65), -1):  # bounded: emphasis does not nest deeper
                if tokens[stack[k]][2] == tok:
                    matched[stack[k]] = ti
                    del stack[k]
                    closed = True
                    break
        if not closed and can_open:
            stack.append(ti)
    closers = {c: o for o, c in matched.items()}
    out: list[str] = []
    pos = 0
    plain_len = 0
    open_at: dict[int, int] = {}  # opener token index -> plain offset
    spans: list[Emphasis] = []
    for ti, (s, e, tok) in enumerate(tokens):
        chunk = raw[pos:s]
        out.append(chunk)
        plain_len += len(chunk)
        pos = e
        if tok.startswith("\\"):
            out.append(tok[1])
            plain_len += 1
        elif ti in matched:
            open_at[ti] = plain_len
        elif ti in closers:
            start = open_at.pop(closers[ti])
            styles = {"*": ("italic",), "**": ("bold",), "***": ("bold", "italic"), "_": ("underline",)}[tok]
            if plain_len > start:
                spans.extend(Emphasis(start, plain_len, st) for st in styles)
        else:
            out.append(tok)
            plain_len += len(tok)
    out.append(raw[pos:])
    spans.sort(key=lambda sp: (sp.start, sp.end, sp.style))
    return "".join(out), tuple(spans)


def strip_markup(raw: str) -> str:
    """Plain text of ``raw``: notes and emphasis markup removed."""
    return parse_inline(_remove_notes(raw))[0]


# ---------------------------------------------------------------------------------------------------
# pre-pass: boneyard
# ---------------------------------------------------------------------------------------------------
def _remove_boneyard(text: str, warnings: list[str]) -> tuple[list[str], list[int]]:
    """Remove ``/* ... */`` (nested) character by character; return the lines and their source line numbers.

    Lines wholly inside a boneyard disappear; text before ``/*`` and after ``*/`` joins into one line
    (so a boneyard on lines of its own leaves one empty line). An unmatched ``/*`` is kept as text.
    """
    if "/*" not in text:
        lines = text.split("\n")
        return lines, list(range(1, len(lines) + 1))
    stack: list[int] = []
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"/\*|\*/", text):
        if m.group() == "/*":
            stack.append(m.start())
        elif stack:
            s = stack.pop()
            if not stack:
                spans.append((s, m.end()))
    for s in stack[:1]:
        line_no = text.count("\n", 0, s) + 1
        warnings.append(f"line {line_no}: unterminated boneyard '/*' (no closing '*/'); kept as text")
    if stack:  # an unmatched outer opener: keep it as text, but remove the matched inner pairs it swallowed
        stack2: list[int] = []
        spans = []
        unmatched = set(stack)
        for m in re.finditer(r"/\*|\*/", text):
            if m.group() == "/*":
                if m.start() in unmatched:
                    continue
                stack2.append(m.start())
            elif stack2:
                s = stack2.pop()
                if not stack2:
                    spans.append((s, m.end()))
    spans.sort()
    lines: list[str] = []
    numbers: list[int] = []
    cur: list[str] = []
    cur_line = 1
    line = 1
    pos = 0

    def keep(segment: str) -> None:
        nonlocal cur, cur_line, line
        parts = segment.split("\n")
        cur.append(parts[0])
        for p in parts[1:]:
            lines.append("".join(cur))
            numbers.append(cur_line)
            line += 1
            cur = [p]
            cur_line = line

    for s, e in spans:
        keep(text[pos:s])
        line += text.count("\n", s, e)
        pos = e
    keep(text[pos:])
    lines.append("".join(cur))
    numbers.append(cur_line)
    return lines, numbers


# ---------------------------------------------------------------------------------------------------
# classification helpers
# ---------------------------------------------------------------------------------------------------
def _is_blank(line: str) -> bool:
    """A paragraph separator: empty, or a single whitespace character. Two spaces are content (Fountain)."""
    return len(line) < 2 and not line.strip()


def _character_parts(line: str) -> tuple[str, str | None, bool, bool] | None:
    """``(name, extension, dual, forced)`` when ``line`` can be a character cue, else ``None``."""
    s = line.strip()
    forced = False
    if s.startswith("@"):
        forced = True
        s = s[1:].strip()
    dual = False
    if s.endswith("^"):
        dual = True
        s = s[:-1].rstrip()
    if not s:
        return None
    p = s.find("(")
    name, ext = (s[:p].rstrip(), s[p:].strip()) if p > 0 else (s, None)
    if p == 0 or not name:
        return None
    if not forced:
        if _LOWER_RE.search(name) or not any(c.isalpha() for c in name):
            return None
        if name[0] in "!.>~=#[" or _HEADING_RE.match(name) or name.endswith(":"):
            return None
        if any(c.islower() for c in name):  # non-ASCII lower case letters
            return None
    return name, ext, dual, forced


def _tabs(s: str) -> str:
    return s.replace("\t", "    ")


class _Builder:
    """Accumulates elements; resolves inline markup and notes."""

    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.last_block: tuple[int, int] | None = None  # [start, stop) of the last dialogue block

    def add(self, type_: str, raw: str, line: int, *, notes: Iterable[str] = (), inline: bool = True,
            **fields: object) -> None:
        if inline:
            text, spans = parse_inline(raw)
        else:
            text, spans = raw, ()
        if fields:
            el = Element(type_, text, line, raw if text != raw else None, spans, tuple(notes),
                         **fields)  # type: ignore[arg-type]
        else:
            el = Element(type_, text, line, raw if text != raw else None, spans, tuple(notes))
        self.elements.append(el)


# ---------------------------------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------------------------------
def parse_fountain(text: str, *, source: str | None = None) -> Screenplay:
    """Parse Fountain ``text`` into a :class:`Screenplay`.

    Never raises on malformed markup: recoveries are listed in ``Screenplay.warnings``. A leading
    BOM and ``\\r\\n``/``\\r`` line endings are accepted.
    """
    warnings: list[str] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
        warnings.append("NUL characters removed")
    # paragraphs: runs of non-blank lines, with their source line numbers
    paragraphs: list[tuple[list[str], list[int]]] = []
    if "/*" not in text:
        # fast path: line numbers are contiguous inside a paragraph
        flat = _SINGLE_WS_LINE_RE.sub("", text)
        pos = 0
        line = 1
        for m in _PARAGRAPH_RE.finditer(flat):
            line += flat.count("\n", pos, m.start())
            pos = m.start()
            plines = m.group().split("\n")
            paragraphs.append((plines, list(range(line, line + len(plines)))))
    else:
        lines, numbers = _remove_boneyard(text, warnings)
        cur: list[str] = []
        cur_n: list[int] = []
        for ln, no in zip(lines, numbers, strict=True):
            if _is_blank(ln):
                if cur:
                    paragraphs.append((cur, cur_n))
                    cur, cur_n = [], []
            else:
                cur.append(ln)
                cur_n.append(no)
        if cur:
            paragraphs.append((cur, cur_n))

    b = _Builder()
    title_page: list[tuple[str, str]] = []
    pi = 0
    # leading notes-only paragraphs, then an optional title page
    while pi < len(paragraphs):
        plines, pnums = paragraphs[pi]
        joined = "\n".join(plines)
        found = _notes(joined) if joined.lstrip().startswith("[[") else []
        if found and not _remove_notes(joined).strip():
            for a, _b, inner in found:
                b.add("note", inner.strip(), pnums[joined.count("\n", 0, a)], inline=False)
            pi += 1
            continue
        tp = _title_page(plines)
        if tp is not None:
            title_page = tp
            pi += 1
        break

    for plines, pnums in paragraphs[pi:]:
        _paragraph(b, plines, pnums, warnings)
    return Screenplay(title_page=tuple(title_page), elements=tuple(b.elements), warnings=tuple(warnings),
                      source=source)


def _title_page(plines: list[str]) -> list[tuple[str, str]] | None:
    m = _TITLE_KEY_RE.match(plines[0])
    if not m or _HEADING_RE.match(plines[0]):
        return None
    pairs: list[tuple[str, list[str]]] = []
    for i, ln in enumerate(plines):
        if ln[:1] in (" ", "\t") and pairs:
            pairs[-1][1].append(ln.strip())
            continue
        m = _TITLE_KEY_RE.match(ln)
        if not m:
            return None
        val = m.group(2).strip()
        if not val and (i + 1 >= len(plines) or plines[i + 1][:1] not in (" ", "\t")):
            return None  # "CUT TO:" alone is not a title-page key: a key needs a value
        pairs.append((m.group(1).strip(), [val] if val else []))
    return [(k, "\n".join(v)) for k, v in pairs]


def _extract_notes(plines: list[str], pnums: list[int], warnings: list[str]
                   ) -> tuple[list[str], list[int], dict[int, list[str]], list[tuple[str, int]]]:
    """Remove inline notes ``[[...]]`` from a paragraph (a note never spans an empty line).

    Returns the new lines and their source line numbers, the notes keyed by new line index, and
    standalone notes (a line that held only notes) as ``(text, source_line)``.
    """
    joined = "\n".join(plines)
    if "[[" not in joined:
        return plines, pnums, {}, []
    line_starts = [0]
    for ln in plines[:-1]:
        line_starts.append(line_starts[-1] + len(ln) + 1)
    out: list[str] = []
    new_starts = [0]  # original offset where each new line starts
    by_line: dict[int, list[str]] = {}
    pos = 0

    def keep(seg_start: int, seg_end: int) -> None:
        seg = joined[seg_start:seg_end]
        k = seg.find("\n")
        while k >= 0:
            new_starts.append(seg_start + k + 1)
            k = seg.find("\n", k + 1)
        out.append(seg)

    for a, e, inner in _notes(joined):
        keep(pos, a)
        by_line.setdefault(len(new_starts) - 1, []).append(inner.strip())
        pos = e
    keep(pos, len(joined))
    if "[[" in joined[pos:]:
        k = bisect.bisect_right(line_starts, pos + joined[pos:].index("[[")) - 1
        warnings.append(f"line {pnums[k]}: unterminated note '[[' (no closing ']]' before an empty line); "
                        "kept as text")
    if not by_line:
        return plines, pnums, {}, []
    new_lines = "".join(out).split("\n")
    new_nums = [pnums[bisect.bisect_right(line_starts, o) - 1] for o in new_starts]
    standalone: list[tuple[str, int]] = []
    keep_lines: list[str] = []
    keep_nums: list[int] = []
    keep_notes: dict[int, list[str]] = {}
    pending: list[str] = []  # notes of note-only lines before the first kept line
    for i, (ln, no) in enumerate(zip(new_lines, new_nums, strict=True)):
        if not ln.strip() and len(ln) < 2:
            if i in by_line:
                standalone.extend((t, no) for t in by_line[i])
                if keep_lines:  # a note on its own line inside an element belongs to the line above
                    keep_notes.setdefault(len(keep_lines) - 1, []).extend(by_line[i])
                else:
                    pending.extend(by_line[i])
            continue  # a line that held only a note
        notes_here = [*pending, *by_line.get(i, ())]
        pending = []
        if notes_here:
            keep_notes.setdefault(len(keep_lines), []).extend(notes_here)
        keep_lines.append(ln)
        keep_nums.append(no)
    if keep_lines:
        standalone = []  # attached to the paragraph's elements instead
    return keep_lines, keep_nums, keep_notes, standalone


def _paragraph(b: _Builder, plines: list[str], pnums: list[int], warnings: list[str]) -> None:
    plines, pnums, notes, standalone = _extract_notes(plines, pnums, warnings)
    for t, no in standalone:
        b.add("note", t, no, inline=False)
    # whitespace-only lines ("  ") keep a blank line *inside* an element; at its edges they mean nothing
    while plines and not plines[-1].strip():
        plines, pnums = plines[:-1], pnums[:-1]
    k = 0
    while k < len(plines) and not plines[k].strip():
        k += 1
    if k:
        plines, pnums = plines[k:], pnums[k:]
        notes = {i - k: v for i, v in notes.items() if i >= k}
    while plines:
        consumed = _block(b, plines, pnums, notes)
        if consumed >= len(plines):
            return
        plines, pnums = plines[consumed:], pnums[consumed:]
        notes = {k - consumed: v for k, v in notes.items() if k >= consumed}


def _notes_in(notes: dict[int, list[str]], start: int, stop: int) -> list[str]:
    if not notes:
        return []
    return [t for k in range(start, stop) for t in notes.get(k, ())]


def _block(b: _Builder, plines: list[str], pnums: list[int], notes: dict[int, list[str]]) -> int:
    """Emit the element(s) for the start of a paragraph; return how many lines were consumed."""
    first = plines[0]
    s = first.strip()
    n = len(plines)
    line = pnums[0]
    b_before = len(b.elements)

    c0 = s[:1]
    # one-line structural elements that may be followed by more lines without a blank
    if c0 == "=" and _PAGE_BREAK_RE.match(first):
        b.add("page_break", "", line, inline=False, notes=_notes_in(notes, 0, 1))
        return 1
    if c0 == "#":
        level = len(s) - len(s.lstrip("#"))
        b.add("section", s[level:].strip(), line, level=level, notes=_notes_in(notes, 0, 1))
        return 1
    if c0 == "=" and not s.startswith("=="):
        b.add("synopsis", s[1:].strip(), line, notes=_notes_in(notes, 0, 1))
        return 1

    # scene heading: INT/EXT/EST/I/E... or forced "." (a following line without a blank is tolerated)
    forced_heading = c0 == "." and len(s) > 1 and s[1] not in ". "
    if forced_heading or (c0 in "IEie" and _HEADING_RE.match(s)):
        h = s[1:].strip() if forced_heading else s
        number = None
        m = _SCENE_NUMBER_RE.search(h)
        if m:
            number = m.group(1)
            h = h[:m.start()].rstrip()
        b.add("scene_heading", h, line, scene_number=number, forced=forced_heading, notes=_notes_in(notes, 0, 1))
        b.last_block = None
        return 1

    # centered: every line "> ... <"
    if c0 == ">" and all(ln.strip().startswith(">") and ln.strip().endswith("<") and len(ln.strip()) >= 2
                         for ln in plines):
        raw = "\n".join(ln.strip()[1:-1].strip() for ln in plines)
        b.add("centered", raw, line, notes=_notes_in(notes, 0, n))
        b.last_block = None
        return n

    # transitions: forced ">" (one line) or an upper-case line ending in "TO:" alone in its paragraph
    if c0 == ">" and not s.endswith("<"):
        b.add("transition", s[1:].strip(), line, forced=True, notes=_notes_in(notes, 0, 1))
        b.last_block = None
        return 1
    # a transition needs an empty line after it; tolerate a scene heading straight after it
    if (n == 1 or (_HEADING_RE.match(plines[1].strip()) or plines[1].strip().startswith(".")))  \
            and first.rstrip() == first and s.endswith("TO:") and s == s.upper() and c0 != "!":
        b.add("transition", s, line, notes=_notes_in(notes, 0, 1))
        b.last_block = None
        return 1

    # lyrics: every line starts with "~"
    if c0 == "~" and all(ln.lstrip().startswith("~") for ln in plines):
        raw = "\n".join(ln.lstrip()[1:].strip() for ln in plines)
        b.add("lyrics", raw, line, forced=True, notes=_notes_in(notes, 0, n))
        b.last_block = None
        return n

    # dialogue block: a character cue followed by at least one line
    if n >= 2 and c0 != "!" and (c0 == "@" or not _LOWER_RE.search(s, 0, s.find("(") if "(" in s else len(s))):
        cp = _character_parts(first)
        if cp is not None:
            _dialogue(b, plines, pnums, notes, cp)
            return n

    # action (forced "!" on the first line)
    forced = s.startswith("!")
    out_lines = []
    for i, ln in enumerate(plines):
        ln = _tabs(ln).rstrip()
        if i == 0 and forced:
            ln = ln.lstrip()[1:]
        out_lines.append(ln)
    b.add("action", "\n".join(out_lines), line, forced=forced, notes=_notes_in(notes, 0, n))
    if len(b.elements) > b_before:
        b.last_block = None
    return n


def _dialogue(b: _Builder, plines: list[str], pnums: list[int], notes: dict[int, list[str]],
              cp: tuple[str, str | None, bool, bool]) -> None:
    name, ext, dual, forced = cp
    start = len(b.elements)
    prev_block = b.last_block
    b.add("character", name, pnums[0], extension=ext, forced=forced, character=name, inline=False,
          notes=_notes_in(notes, 0, 1))
    i = 1
    n = len(plines)
    while i < n:
        s = plines[i].strip()
        if s.startswith("("):
            j = i
            while not plines[j].rstrip().endswith(")") and j + 1 < n and not plines[j + 1].strip().startswith("("):
                j += 1
            raw = " ".join(plines[k].strip() for k in range(i, j + 1))
            b.add("parenthetical", raw, pnums[i], character=name, notes=_notes_in(notes, i, j + 1))
            i = j + 1
            continue
        if s.startswith("~"):
            j = i
            while j + 1 < n and plines[j + 1].strip().startswith("~"):
                j += 1
            raw = "\n".join(plines[k].strip()[1:].strip() for k in range(i, j + 1))
            b.add("lyrics", raw, pnums[i], character=name, forced=True, notes=_notes_in(notes, i, j + 1))
            i = j + 1
            continue
        j = i
        while j + 1 < n and not plines[j + 1].strip().startswith(("(", "~")):
            j += 1
        raw = "\n".join(plines[k].strip() for k in range(i, j + 1))
        b.add("dialogue", raw, pnums[i], character=name, notes=_notes_in(notes, i, j + 1))
        i = j + 1
    stop = len(b.elements)
    if dual:
        for k in range(start, stop):
            b.elements[k] = replace(b.elements[k], dual="right")
        if prev_block is not None and prev_block[1] == start:
            for k in range(*prev_block):
                b.elements[k] = replace(b.elements[k], dual="left")
    b.last_block = (start, stop)


# ---------------------------------------------------------------------------------------------------
# writer
# ---------------------------------------------------------------------------------------------------
def to_fountain(sp: Screenplay) -> str:
    """Serialise a :class:`Screenplay` back to Fountain text (markup as kept in ``markup``; notes
    re-attached at the end of their element). ``parse_fountain(to_fountain(sp))`` gives the same
    element types, texts and fields (line numbers aside)."""
    out: list[str] = []
    if sp.title_page:
        for k, v in sp.title_page:
            vl = v.split("\n")
            if len(vl) == 1 and vl[0]:
                out.append(f"{k}: {vl[0]}")
            else:
                out.append(f"{k}:")
                out.extend(f"    {x}" for x in vl if x)
        out.append("")
    prev_type: str | None = None
    for e in sp.elements:
        raw = e.raw
        note_s = "".join(f" [[{x}]]" for x in e.notes)
        if e.type in ("parenthetical", "dialogue", "lyrics") and prev_type in ("character", "parenthetical",
                                                                               "dialogue", "lyrics"):
            pass  # continues the block
        else:
            if out and out[-1] != "":
                out.append("")
        if e.type == "scene_heading":
            forced = e.forced or not _HEADING_RE.match(raw)
            num = f" #{e.scene_number}#" if e.scene_number else ""
            out.append(("." if forced else "") + raw + num + note_s)
        elif e.type == "action":
            lines = raw.split("\n")
            first = lines[0]
            needs_force = e.forced or _looks_special(raw)
            lines[0] = ("!" if needs_force else "") + first
            lines[-1] += note_s
            out.extend(x if x.strip() else "  " for x in lines)
        elif e.type == "character":
            name = e.text
            needs_at = e.forced or _LOWER_RE.search(name) is not None
            out.append(("@" if needs_at else "") + e.display_name + (" ^" if e.dual == "right" else "") + note_s)
        elif e.type == "parenthetical":
            out.append(raw + note_s)
        elif e.type == "dialogue":
            lines = raw.split("\n")
            lines[-1] += note_s
            out.extend(x if x.strip() else "  " for x in lines)
        elif e.type == "lyrics":
            out.extend("~" + x for x in raw.split("\n"))
            out[-1] += note_s
        elif e.type == "transition":
            out.append((">" if e.forced or not (raw.endswith("TO:") and raw == raw.upper()) else "") + raw + note_s)
        elif e.type == "centered":
            out.extend(f"> {x} <" for x in raw.split("\n"))
        elif e.type == "section":
            out.append("#" * (e.level or 1) + " " + raw)
        elif e.type == "synopsis":
            out.append("= " + raw)
        elif e.type == "page_break":
            out.append("===")
        elif e.type == "note":
            out.append(f"[[{e.text}]]")
        prev_type = e.type
    return "\n".join(out).rstrip("\n") + "\n"


def _looks_special(raw: str) -> bool:
    s = raw.lstrip()
    if not s:
        return False
    first = s.split("\n", 1)[0]
    if s[0] in ".@~>=#[!" or _HEADING_RE.match(s) or _PAGE_BREAK_RE.match(first):
        return True
    if "\n" in s and _character_parts(first) is not None:
        return True
    return "\n" not in s and s.endswith("TO:") and s == s.upper()
