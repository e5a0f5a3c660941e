"""Industry-style pagination: pages, scene lengths in eighths, estimated screen time.

The layout is the standard screenplay page in 12 pt Courier (10 characters per inch, 6 lines per
inch): a 1.5" left margin and 1" right margin give 60-character lines for action and scene
headings; character cues start 2.0" further right (38 characters wide), dialogue 1.0" in (35
characters), parentheticals 1.5" in (25 characters); transitions are set flush right. A US Letter
page holds 55 lines of body text (A4: 57, the extra height of the sheet). One empty line separates
elements; a dialogue block (cue, parentheticals, speeches, lyrics) has none inside.

Breaking rules (those of screenwriting software):

* a scene heading never ends a page: it moves to the next page with its first element;
* action splits only between lines with at least two lines on each side, preferably after a sentence;
* a speech splits only between lines with at least two lines each side, never right after a
  parenthetical and never between the cue and its first line; the first part ends with ``(MORE)`` and
  the next page repeats the cue with ``(CONT'D)``;
* dual dialogue, transitions, centered lines and short elements are never split;
* ``===`` forces a new page; sections, synopses and notes are not printed.

A scene's length is the number of body lines it fills (its elements and the empty lines before them)
expressed in eighths of a page, rounded to the nearest eighth and at least 1/8 — the way breakdown
sheets count it. Screen time is estimated at one page per minute.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from reelkit.errors import UsageError
from reelkit.script.model import Screenplay

__all__ = ["A4", "LAYOUTS", "LETTER", "Line", "Page", "PageLayout", "Pagination", "SceneLength", "format_eighths",
           "paginate"]


@dataclass(frozen=True, slots=True)
class PageLayout:
    """Page geometry in monospaced character cells (12 pt Courier: 10 per inch, 6 lines per inch)."""

    name: str
    lines_per_page: int
    action_width: int = 60
    character_indent: int = 20
    character_width: int = 38
    dialogue_indent: int = 10
    dialogue_width: int = 35
    parenthetical_indent: int = 15
    parenthetical_width: int = 25
    dual_width: int = 28  # each column of dual dialogue


LETTER = PageLayout("letter", 55)
A4 = PageLayout("a4", 57)
LAYOUTS: dict[str, PageLayout] = {"letter": LETTER, "a4": A4}


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line. ``kind``: an element type, ``"blank"``, ``"more"`` or ``"contd"``;
    ``element``: index into ``Screenplay.elements`` (``None`` for blanks and MORE); ``indent`` in characters."""

    text: str
    kind: str
    element: int | None
    indent: int = 0
    scene: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A page: its 1-based number and its body lines (at most ``lines_per_page``)."""

    number: int
    lines: tuple[Line, ...]


def format_eighths(eighths: int) -> str:
    """``12`` → ``"1 4/8"``, ``3`` → ``"3/8"``, ``16`` → ``"2"`` (fractions are not reduced, as on breakdowns)."""
    pages, rest = divmod(max(0, int(eighths)), 8)
    if pages and rest:
        return f"{pages} {rest}/8"
    if pages:
        return str(pages)
    return f"{rest}/8"


@dataclass(frozen=True, slots=True)
class SceneLength:
    """A scene's extent on the page.

    Attributes:
        index: the scene's index (``Scene.index``); ``number``/``heading`` as in the script.
        start_page / end_page: 1-based pages where it starts and ends.
        lines: body lines it fills (including the empty lines before its elements).
        eighths: its length in eighths of a page (rounded, at least 1).
    """

    index: int
    number: str | None
    heading: str
    start_page: int
    end_page: int
    lines: int
    eighths: int

    @property
    def length(self) -> str:
        """Length in the breakdown form ``"1 4/8"``."""
        return format_eighths(self.eighths)

    def screen_time_s(self, seconds_per_page: float = 60.0) -> float:
        return self.eighths * seconds_per_page / 8

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "number": self.number, "heading": self.heading, "start_page": self.start_page,
                "end_page": self.end_page, "lines": self.lines, "eighths": self.eighths, "length": self.length,
                "screen_time_s": round(self.screen_time_s(), 1)}


@dataclass(frozen=True)
class Pagination:
    """The result of :func:`paginate`.

    Attributes:
        layout: the page geometry used.
        pages: every page with its lines.
        scenes: one :class:`SceneLength` per scene, in order.
        total_lines: body lines used (including the last page's partial fill).
    """

    layout: PageLayout
    pages: tuple[Page, ...]
    scenes: tuple[SceneLength, ...]
    total_lines: int
    seconds_per_page: float = 60.0

    @property
    def page_count(self) -> int:
        """Number of pages (a partly filled last page counts as one)."""
        return len(self.pages)

    @property
    def length_eighths(self) -> int:
        """Script length in eighths of a page: full pages plus the last page's fill, rounded."""
        if not self.pages:
            return 0
        last = len(self.pages[-1].lines)
        return (len(self.pages) - 1) * 8 + max(1, round(last * 8 / self.layout.lines_per_page))

    @property
    def screen_time_s(self) -> float:
        """Estimated screen time in seconds (one page per minute by default)."""
        return self.length_eighths * self.seconds_per_page / 8

    def page_of_element(self, index: int) -> int | None:
        """1-based page on which element ``index`` starts (``None`` for unprinted elements)."""
        for p in self.pages:
            for ln in p.lines:
                if ln.element == index:
                    return p.number
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"layout": self.layout.name, "lines_per_page": self.layout.lines_per_page,
                "page_count": self.page_count, "length_eighths": self.length_eighths,
                "length": format_eighths(self.length_eighths), "screen_time_s": round(self.screen_time_s, 1),
                "scenes": [s.to_dict() for s in self.scenes]}

    def to_text(self) -> str:
        """The paginated script as plain monospaced text (pages separated by form feeds)."""
        out: list[str] = []
        for p in self.pages:
            if p.number > 1:
                out.append(f"{p.number}.".rjust(self.layout.action_width))
                out.append("")
            out.extend(" " * ln.indent + ln.text if ln.text else "" for ln in p.lines)
            out.append("\f")
        return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap that keeps explicit line breaks; words longer than ``width`` are cut."""
    out: list[str] = []
    for para in text.split("\n"):
        if len(para) <= width:
            out.append(para.rstrip())
            continue
        indent = len(para) - len(para.lstrip(" "))
        words = para.split()
        cur = " " * min(indent, width // 2)
        for w in words:
            while len(w) > width:
                if cur.strip():
                    out.append(cur.rstrip())
                    cur = ""
                out.append(w[:width])
                w = w[width:]
            if not cur.strip():
                cur = cur + w
            elif len(cur) + 1 + len(w) <= width:
                cur = cur + " " + w
            else:
                out.append(cur.rstrip())
                cur = w
        out.append(cur.rstrip())
    return out


_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*$")


@dataclass
class _Block:
    lines: list[Line]
    scene: int | None
    kind: str  # "heading" | "action" | "dialogue" | "dual" | "other" | "break"
    cue: Line | None = None  # dialogue: the character line (for CONT'D)
    breakable: list[int] = field(default_factory=list)  # line indexes a page may end after (exclusive end)


def _blocks(sp: Screenplay, lay: PageLayout) -> list[_Block]:
    els = sp.elements
    scene_of: list[int | None] = [None] * len(els)
    for sc in sp.scenes():
        for k in range(sc.start, sc.stop):
            scene_of[k] = sc.index
    blocks: list[_Block] = []
    i = 0
    n = len(els)
    while i < n:
        e = els[i]
        sc = scene_of[i]
        t = e.type
        if t in ("section", "synopsis", "note"):
            i += 1
            continue
        if t == "page_break":
            blocks.append(_Block([], sc, "break"))
            i += 1
            continue
        if t == "character":
            j = i + 1
            while j < n and els[j].type in ("parenthetical", "dialogue", "lyrics") and els[j].character == e.text \
                    and els[j].dual == e.dual:
                j += 1
            if e.dual == "left" and j < n and els[j].type == "character" and els[j].dual == "right":
                k = j + 1
                while k < n and els[k].type in ("parenthetical", "dialogue", "lyrics") and els[k].dual == "right":
                    k += 1
                left = _dialogue_lines(els, i, j, lay, sc, dual=True)
                right = _dialogue_lines(els, j, k, lay, sc, dual=True)
                height = max(len(left), len(right))
                col = lay.dual_width + 2
                lines = []
                for r in range(height):
                    a = left[r] if r < len(left) else None
                    b = right[r] if r < len(right) else None
                    lt = (" " * a.indent + a.text) if a else ""
                    rt = (" " * b.indent + b.text) if b else ""
                    text = lt.ljust(col) + rt
                    elem = a.element if a else (b.element if b else None)
                    lines.append(Line(text.rstrip(), "dual", elem, 0, sc))
                blocks.append(_Block(lines, sc, "dual"))
                i = k
                continue
            lines = _dialogue_lines(els, i, j, lay, sc, dual=False)
            breakable = []
            for li in range(3, len(lines) - 1):  # cue + at least 2 lines before, 2 after
                prev, nxt = lines[li - 1], lines[li]
                if prev.kind in ("parenthetical",) or nxt.kind == "blank":
                    continue
                if len(lines) - li < 2:
                    continue
                breakable.append(li)
            blocks.append(_Block(lines, sc, "dialogue", cue=lines[0], breakable=breakable))
            i = j
            continue
        if t == "scene_heading":
            lines = [Line(s, t, i, 0, sc) for s in _wrap(e.text.upper(), lay.action_width)]
            blocks.append(_Block(lines, sc, "heading"))
        elif t == "action" or (t in ("lyrics", "parenthetical", "dialogue")):
            lines = [Line(s, "action", i, 0, sc) for s in _wrap(e.text, lay.action_width)]
            breakable = [li for li in range(2, len(lines) - 1) if len(lines) - li >= 2]
            blocks.append(_Block(lines, sc, "action", breakable=breakable))
        elif t == "transition":
            lines = [Line(s, t, i, max(0, lay.action_width - len(s)), sc)
                     for s in _wrap(e.text.upper(), lay.action_width)]
            blocks.append(_Block(lines, sc, "other"))
        elif t == "centered":
            lines = [Line(s, t, i, max(0, (lay.action_width - len(s)) // 2), sc)
                     for s in _wrap(e.text, lay.action_width)]
            blocks.append(_Block(lines, sc, "other"))
        i += 1
    return blocks


def _dialogue_lines(els: tuple, start: int, stop: int, lay: PageLayout, sc: int | None, *, dual: bool
                    ) -> list[Line]:
    cue = els[start]
    cw = lay.dual_width if dual else lay.character_width
    dw = lay.dual_width if dual else lay.dialogue_width
    pw = lay.dual_width - 4 if dual else lay.parenthetical_width
    ci = 8 if dual else lay.character_indent
    di = 0 if dual else lay.dialogue_indent
    pi = 3 if dual else lay.parenthetical_indent
    lines = [Line(s, "character", start, ci, sc) for s in _wrap(cue.display_name.upper(), cw)]
    for k in range(start + 1, stop):
        e = els[k]
        if e.type == "parenthetical":
            lines += [Line(s, "parenthetical", k, pi, sc) for s in _wrap(e.text, pw)]
        else:
            lines += [Line(s, e.type, k, di, sc) for s in _wrap(e.text, dw)]
    return lines


def _place_split(blk: _Block, room: Any, put: Any, new_page: Any, pages: list[list[Line]], lay: PageLayout
                 ) -> None:
    """Place an action or dialogue block across pages, splitting only at its breakable points.

    A page ends after ``lines[:li]`` for ``li`` in ``blk.breakable`` (absolute, sorted), preferring the
    last one after a sentence; a speech gets ``(MORE)`` below and ``NAME (CONT'D)`` on the next page.
    At least two lines stay on each side (cue + two lines for the first part of a speech).
    """
    lines = blk.lines
    br = blk.breakable
    dialogue = blk.kind == "dialogue" and blk.cue is not None
    pos = 0
    cont: list[Line] = []
    while True:
        avail = room()
        if len(cont) + len(lines) - pos <= avail:
            put([*cont, *lines[pos:]], blk.scene)
            return
        minfirst = pos + (3 if dialogue and pos == 0 else 2)
        maxli = pos + avail - len(cont) - (1 if dialogue else 0)
        hi = bisect.bisect_right(br, maxli)
        pick = None
        fallback = None
        for k in range(hi - 1, max(-1, hi - 1 - 2 * lay.lines_per_page), -1):
            li = br[k]
            if li < minfirst:
                break
            if fallback is None:
                fallback = li
            if _SENTENCE_END.search(lines[li - 1].text):
                pick = li
                break
        pick = pick or fallback
        if pick is None:
            if pages[-1]:
                new_page()  # retry on a fresh page
                continue
            pick = max(pos + 1, maxli)  # taller than a page even from the top: cut at the page size
        chunk = [*cont, *lines[pos:pick]]
        if dialogue:
            cue = blk.cue
            assert cue is not None
            chunk.append(Line("(MORE)", "more", None, lay.character_indent, blk.scene))
            name = cue.text if "(CONT'D)" in cue.text.upper() else f"{cue.text} (CONT'D)"
            cont = [Line(name, "contd", cue.element, cue.indent, blk.scene)]
        put(chunk, blk.scene)
        new_page()
        pos = pick


def paginate(sp: Screenplay, *, layout: PageLayout | str = LETTER, seconds_per_page: float = 60.0) -> Pagination:
    """Lay ``sp`` out on pages (see the module docstring for the rules) and measure every scene.

    Args:
        layout: :data:`LETTER` (55 lines), :data:`A4` (57 lines), a :class:`PageLayout`, or its name.
        seconds_per_page: screen time of one page (60 s, the usual rule of thumb).

    Raises:
        UsageError: unknown layout name.
    """
    if isinstance(layout, str):
        try:
            layout = LAYOUTS[layout.lower()]
        except KeyError:
            raise UsageError(f"unknown page layout {layout!r}; use one of {', '.join(LAYOUTS)}") from None
    lay = layout
    lpp = lay.lines_per_page
    blocks = _blocks(sp, lay)
    pages: list[list[Line]] = [[]]

    def room() -> int:
        cur = pages[-1]
        return lpp - len(cur) - (1 if cur else 0)

    def put(lines: list[Line], scene: int | None) -> None:
        cur = pages[-1]
        if cur:
            cur.append(Line("", "blank", None, 0, scene))
        cur.extend(lines)

    def new_page() -> None:
        if pages[-1]:
            pages.append([])

    bi = 0
    while bi < len(blocks):
        blk = blocks[bi]
        if blk.kind == "break":
            new_page()
            bi += 1
            continue
        lines = blk.lines
        if blk.kind == "heading":
            # keep with the first two lines of the next block (or all of it if shorter)
            nxt = blocks[bi + 1] if bi + 1 < len(blocks) and blocks[bi + 1].kind != "break" else None
            need = len(lines)
            if nxt is not None:
                first_chunk = min(nxt.breakable) + (1 if nxt.kind == "dialogue" else 0) if nxt.breakable \
                    else len(nxt.lines)
                need += 1 + min(len(nxt.lines), first_chunk)
            if need > room() and pages[-1]:
                new_page()
            put(lines, blk.scene)
            bi += 1
            continue
        if len(lines) <= room():
            put(lines, blk.scene)
            bi += 1
            continue
        # does not fit: split where allowed (linear in the block, however many pages it spans)
        if blk.kind not in ("action", "dialogue"):
            if pages[-1]:
                new_page()
                continue
            put(lines, blk.scene)  # an unsplittable element taller than a page: let it overflow its own page
            bi += 1
            continue
        _place_split(blk, room, put, new_page, pages, lay)
        bi += 1
    if not pages[-1] and len(pages) > 1:
        pages.pop()

    page_objs = tuple(Page(k + 1, tuple(p)) for k, p in enumerate(pages) if p or k == 0)
    if len(page_objs) == 1 and not page_objs[0].lines:
        page_objs = ()
    # scene lengths
    per: dict[int, dict[int, int]] = {}
    for p in page_objs:
        for ln in p.lines:
            if ln.scene is not None:
                per.setdefault(ln.scene, {}).setdefault(p.number, 0)
                per[ln.scene][p.number] += 1
    scenes = []
    for sc in sp.scenes():
        pp = per.get(sc.index, {})
        total = sum(pp.values())
        eighths = max(1, round(Fraction(total * 8, lpp))) if total else 0
        scenes.append(SceneLength(index=sc.index, number=sc.number, heading=sc.heading,
                                  start_page=min(pp) if pp else 0, end_page=max(pp) if pp else 0, lines=total,
                                  eighths=eighths))
    total_lines = sum(len(p.lines) for p in page_objs)
    return Pagination(layout=lay, pages=page_objs, scenes=tuple(scenes), total_lines=total_lines,
                      seconds_per_page=seconds_per_page)
