"""3-D LUTs: read and write ``.cube`` (IRIDAS and Resolve flavours), apply, bake and verify.

A :class:`Lut` is an optional per-channel 1-D *shaper* followed by an optional 3-D *cube*, each
with its own input domain ``(2, 3)`` (row 0 = minimum, row 1 = maximum per channel). Inputs outside
a domain are clamped to it (as Resolve, OCIO and FFmpeg do).

Flavours of ``.cube``:

- IRIDAS / Adobe: ``LUT_1D_SIZE`` *or* ``LUT_3D_SIZE`` and per-channel ``DOMAIN_MIN`` /
  ``DOMAIN_MAX``.
- Resolve: ``LUT_1D_SIZE`` and/or ``LUT_3D_SIZE`` (a 1-D shaper followed by a 3-D table in one file)
  with ``LUT_1D_INPUT_RANGE`` / ``LUT_3D_INPUT_RANGE`` (one min/max pair for all channels).

Table rows are ``R G B`` with red changing fastest. A Resolve file with only a 3-D table but a
``LUT_1D_INPUT_RANGE`` line (as some writers emit) uses that range for the 3-D table, the only
table it can refer to.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from reelkit.errors import LutError, UsageError
from reelkit.fileio import check_input_file, write_text

__all__ = ["GradedRange", "Interpolation", "Lut", "LutFlavour", "bake", "bake_verified", "identity_lut",
           "lut_digest", "read_cube", "verify_lut", "write_cube"]

Interpolation = Literal["tetrahedral", "trilinear"]
LutFlavour = Literal["resolve", "iridas"]

_UNIT = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
_MAX_CUBE_BYTES = 256 * 1024 * 1024
_MAX_3D, _MAX_1D = 256, 65536
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Lut:
    """A 1-D shaper and/or a 3-D table.

    Attributes:
        cube: ``(S, S, S, 3)`` float64 indexed ``[r, g, b]``, or None.
        shaper: ``(N, 3)`` float64 per-channel 1-D table, or None (applied before ``cube``).
        cube_domain, shaper_domain: ``(2, 3)`` input ranges (min row, max row).
        title: the ``TITLE`` line, if any.
        comments: ``#`` comment lines, in order.
    """

    cube: np.ndarray | None = None
    shaper: np.ndarray | None = None
    cube_domain: np.ndarray = field(default_factory=lambda: _UNIT.copy())
    shaper_domain: np.ndarray = field(default_factory=lambda: _UNIT.copy())
    title: str | None = None
    comments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.cube is None and self.shaper is None:
            raise LutError("a LUT needs a 1-D shaper, a 3-D table or both")
        if self.cube is not None:
            s = self.cube.shape
            if len(s) != 4 or s[0] != s[1] or s[1] != s[2] or s[3] != 3 or not 2 <= s[0] <= _MAX_3D:
                raise LutError(f"3-D table must be (S, S, S, 3) with 2 ≤ S ≤ {_MAX_3D}, got {s}")
        if self.shaper is not None and (self.shaper.ndim != 2 or self.shaper.shape[1] != 3
                                        or not 2 <= self.shaper.shape[0] <= _MAX_1D):
            raise LutError(f"1-D table must be (N, 3) with 2 ≤ N ≤ {_MAX_1D}, got {self.shaper.shape}")
        for name in ("cube", "shaper", "cube_domain", "shaper_domain"):
            a = getattr(self, name)
            if a is not None and not np.all(np.isfinite(a)):
                raise LutError(f"the LUT's {name.replace('_', ' ')} holds NaN or infinite values")
        for name in ("cube_domain", "shaper_domain"):
            d = getattr(self, name)
            if d.shape != (2, 3) or np.any(d[1] <= d[0]):
                raise LutError(f"bad {name.replace('_', ' ')} {d.tolist()}: each maximum must exceed its minimum")

    @property
    def size(self) -> int | None:
        """Edge length of the 3-D table (None when there is none)."""
        return None if self.cube is None else int(self.cube.shape[0])

    def apply(self, rgb: np.ndarray, *, interpolation: Interpolation = "tetrahedral") -> np.ndarray:
        """Apply the LUT to ``(..., 3)`` values (float in the LUT's domain, or uint8/uint16 scaled to [0, 1]).

        Returns float64 of the same shape (not clipped: LUTs may produce values outside [0, 1]).
        """
        return apply_lut(self, rgb, interpolation=interpolation)


@dataclass(frozen=True)
class GradedRange:
    """Frames ``start ≤ i ≤ end`` (inclusive, 0-based decoded frame indices) are graded with ``lut``."""

    start: int
    end: int
    lut: Lut


def lut_digest(lut: Lut) -> str:
    """A short content hash of a LUT's tables (to show which grade a frame got)."""
    h = hashlib.sha1()
    for a in (lut.shaper, lut.cube):
        if a is not None:
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()[:12]


def identity_lut(size: int = 33) -> Lut:
    """An identity 3-D LUT of edge ``size`` on [0, 1]."""
    return bake(lambda x: x, size=size, title="identity")


def _as_float(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.dtype == np.uint8:
        return a.astype(np.float64) / 255.0
    if a.dtype == np.uint16:
        return a.astype(np.float64) / 65535.0
    return a.astype(np.float64, copy=False)


def _apply_shaper(table: np.ndarray, domain: np.ndarray, x: np.ndarray) -> np.ndarray:
    n = table.shape[0]
    t = np.clip((x - domain[0]) / (domain[1] - domain[0]) * (n - 1), 0, n - 1)
    i0 = np.minimum(np.floor(t).astype(np.intp), n - 2)
    f = t - i0
    out = np.empty_like(x)
    for c in range(3):
        col = table[:, c]
        out[:, c] = col[i0[:, c]] * (1 - f[:, c]) + col[i0[:, c] + 1] * f[:, c]
    return out


def _apply_cube(cube: np.ndarray, domain: np.ndarray, x: np.ndarray, interpolation: str) -> np.ndarray:
    s = cube.shape[0]
    flat = cube.reshape(-1, 3)
    t = np.clip((x - domain[0]) / (domain[1] - domain[0]) * (s - 1), 0, s - 1)
    i0 = np.minimum(np.floor(t).astype(np.intp), s - 2)
    f = t - i0
    base = (i0[:, 0] * s + i0[:, 1]) * s + i0[:, 2]
    strides = np.array([s * s, s, 1], dtype=np.intp)
    if interpolation == "trilinear":
        out = np.zeros_like(x)
        for dr in (0, 1):
            wr = f[:, 0] if dr else 1 - f[:, 0]
            for dg in (0, 1):
                wg = f[:, 1] if dg else 1 - f[:, 1]
                for db in (0, 1):
                    wb = f[:, 2] if db else 1 - f[:, 2]
                    out += (wr * wg * wb)[:, None] * flat[base + dr * s * s + dg * s + db]
        return out
    if interpolation != "tetrahedral":
        raise UsageError(f"unknown interpolation {interpolation!r}; use tetrahedral or trilinear")
    order = np.argsort(-f, axis=1, kind="stable")  # axes by decreasing fraction
    fs = np.take_along_axis(f, order, axis=1)
    step = strides[order]  # (n, 3) index steps along the tetrahedron's path
    v1 = base + step[:, 0]
    v2 = v1 + step[:, 1]
    v3 = base + strides.sum()
    return ((1 - fs[:, 0])[:, None] * flat[base] + (fs[:, 0] - fs[:, 1])[:, None] * flat[v1]
            + (fs[:, 1] - fs[:, 2])[:, None] * flat[v2] + fs[:, 2][:, None] * flat[v3])


def apply_lut(lut: Lut, rgb: np.ndarray, *, interpolation: Interpolation = "tetrahedral") -> np.ndarray:
    """Apply ``lut`` to ``(..., 3)`` values; see :meth:`Lut.apply`."""
    x = _as_float(rgb)
    if x.shape[-1] != 3:
        raise UsageError(f"LUTs apply to (..., 3) RGB arrays, got shape {x.shape}")
    shape = x.shape
    flat = x.reshape(-1, 3)
    out = np.empty_like(flat)
    for i in range(0, flat.shape[0], _CHUNK):
        y = flat[i:i + _CHUNK]
        if lut.shaper is not None:
            y = _apply_shaper(lut.shaper, lut.shaper_domain, y)
        if lut.cube is not None:
            y = _apply_cube(lut.cube, lut.cube_domain, y, interpolation)
        out[i:i + _CHUNK] = y
    return out.reshape(shape)


def _grid(size: int, domain: np.ndarray) -> np.ndarray:
    """``(S, S, S, 3)`` lattice coordinates indexed [r, g, b]."""
    axes = [np.linspace(domain[0, c], domain[1, c], size) for c in range(3)]
    r, g, b = np.meshgrid(*axes, indexing="ij")
    return np.stack([r, g, b], axis=-1)


def bake(fn: Callable[[np.ndarray], np.ndarray], *, size: int = 33, domain: np.ndarray | None = None,
         title: str | None = None) -> Lut:
    """Sample ``fn`` (``(n, 3)`` float → ``(n, 3)`` float) on a ``size``³ lattice into a 3-D :class:`Lut`."""
    if not 2 <= size <= _MAX_3D:
        raise UsageError(f"LUT size must be 2..{_MAX_3D}, got {size}")
    dom = _UNIT.copy() if domain is None else np.asarray(domain, dtype=np.float64)
    pts = _grid(size, dom).reshape(-1, 3)
    vals = np.asarray(fn(pts), dtype=np.float64).reshape(size, size, size, 3)
    return Lut(cube=vals, cube_domain=dom, title=title)


def _verify_points(n_random: int, seed: int = 0) -> np.ndarray:
    """8-bit code values to check a baked LUT on: a 52³ lattice of codes (every 5th code), the
    codes 1/2 and 1/3 between lattice nodes of common LUT sizes, the grey axis, and random codes."""
    codes = np.arange(0, 256, 5, dtype=np.float64)
    a = np.stack(np.meshgrid(codes, codes, codes, indexing="ij"), -1).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    b = rng.integers(0, 256, size=(n_random, 3)).astype(np.float64)
    grey = np.repeat(np.arange(256, dtype=np.float64)[:, None], 3, axis=1)
    return np.concatenate([a, b, grey]) / 255.0


def verify_lut(lut: Lut, fn: Callable[[np.ndarray], np.ndarray], *, points: np.ndarray | None = None,
               interpolation: Interpolation = "tetrahedral", exhaustive: bool = False) -> float:
    """Largest absolute difference (in [0, 1] units, outputs clipped to [0, 1]) between ``lut`` and ``fn``.

    Checked on ``points`` ``(n, 3)``; by default on about 200 000 8-bit code values (a lattice of
    every 5th code, random codes and the grey axis), or on all 256³ codes with ``exhaustive``.
    """
    if exhaustive:
        codes = np.arange(256, dtype=np.float64) / 255.0
        worst = 0.0
        gg, bb = np.meshgrid(codes, codes, indexing="ij")
        gb = np.stack([gg.ravel(), bb.ravel()], -1)
        for r in codes:
            p = np.concatenate([np.full((gb.shape[0], 1), r), gb], 1)
            worst = max(worst, float(np.max(np.abs(np.clip(lut.apply(p, interpolation=interpolation), 0, 1)
                                                   - np.clip(fn(p), 0, 1)))))
        return worst
    p = _verify_points(60_000) if points is None else points
    return float(np.max(np.abs(np.clip(lut.apply(p, interpolation=interpolation), 0, 1) - np.clip(fn(p), 0, 1))))


def bake_verified(fn: Callable[[np.ndarray], np.ndarray], *, sizes: tuple[int, ...] = (33, 65),
                  tolerance: float = 1 / 255, title: str | None = None) -> tuple[Lut, float]:
    """Bake ``fn`` at the first size in ``sizes`` whose LUT reproduces it within ``tolerance``.

    Returns ``(lut, max_error)``; when no size meets the tolerance the largest is returned with
    its (larger) error, so callers can report it.
    """
    best: tuple[Lut, float] | None = None
    for size in sizes:
        lut = bake(fn, size=size, title=title)
        err = verify_lut(lut, fn)
        best = (lut, err)
        if err <= tolerance:
            break
    assert best is not None
    return best


# -- .cube reading --------------------------------------------------------------------------------
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf|infinity)"
_ROW = re.compile(rf"^\s*({_NUM})\s+({_NUM})\s+({_NUM})\s*$", re.IGNORECASE)


def _floats(tokens: list[str], n: int, line_no: int, key: str, path: Path) -> np.ndarray:
    if len(tokens) != n:
        raise LutError(f"{path}:{line_no}: {key} needs {n} numbers, got {len(tokens)}")
    try:
        vals = np.array([float(t) for t in tokens])
    except ValueError:
        raise LutError(f"{path}:{line_no}: {key} values must be numbers: {' '.join(tokens)}") from None
    if not np.all(np.isfinite(vals)):
        raise LutError(f"{path}:{line_no}: {key} holds NaN or infinite values")
    return vals


def read_cube(path: str | os.PathLike[str]) -> Lut:
    """Read an IRIDAS or Resolve ``.cube`` file.

    Raises:
        MediaNotFoundError: the file is missing, empty or unreadable.
        LutError: no ``LUT_1D_SIZE`` / ``LUT_3D_SIZE`` header, a size out of range, a row count that
            does not match the size, rows that are not three numbers, NaN/infinite values, an empty
            or reversed domain, or unsupported keywords; the message names the line.
    """
    p = check_input_file(path, what="LUT file")
    if p.stat().st_size > _MAX_CUBE_BYTES:
        raise LutError(f"{p} is larger than {_MAX_CUBE_BYTES >> 20} MiB; not a .cube LUT")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LutError(f"{p} is not a text .cube file (not UTF-8/ASCII)") from None
    title: str | None = None
    comments: list[str] = []
    size1 = size3 = None
    dmin = dmax = None
    in1 = in3 = None
    rows: list[tuple[float, float, float]] = []
    first_row_line = 0
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        m = _ROW.match(line.split("#", 1)[0])
        if m:
            vals = (float(m.group(1)), float(m.group(2)), float(m.group(3)))
            if not all(math.isfinite(v) for v in vals):
                raise LutError(f"{p}:{line_no}: table row holds NaN or infinite values: {line}")
            if not rows:
                first_row_line = line_no
            rows.append(vals)
            continue
        if rows:
            raise LutError(f"{p}:{line_no}: expected a table row of three numbers, got {line[:60]!r}")
        key, _, rest = line.partition(" ")
        key = key.upper()
        tokens = rest.split("#", 1)[0].split()
        if key == "TITLE":
            title = rest.strip().strip('"')
        elif key in ("LUT_1D_SIZE", "LUT_3D_SIZE"):
            if len(tokens) != 1 or not tokens[0].isdigit():
                raise LutError(f"{p}:{line_no}: {key} needs one whole number, got {rest.strip()!r}")
            n = int(tokens[0])
            lim = _MAX_1D if key == "LUT_1D_SIZE" else _MAX_3D
            if not 2 <= n <= lim:
                raise LutError(f"{p}:{line_no}: {key} {n} is out of range (2..{lim})")
            if key == "LUT_1D_SIZE":
                size1 = n
            else:
                size3 = n
        elif key in ("DOMAIN_MIN", "DOMAIN_MAX"):
            v = _floats(tokens, 3, line_no, key, p)
            if key == "DOMAIN_MIN":
                dmin = v
            else:
                dmax = v
        elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
            v = _floats(tokens, 2, line_no, key, p)
            dom = np.array([[v[0]] * 3, [v[1]] * 3])
            if key == "LUT_1D_INPUT_RANGE":
                in1 = dom
            else:
                in3 = dom
        elif key in ("LUT_IN_VIDEO_RANGE", "LUT_OUT_VIDEO_RANGE"):
            raise LutError(f"{p}:{line_no}: {key} (video-range LUTs) is not supported; "
                           "export the LUT for full-range data")
        else:
            raise LutError(f"{p}:{line_no}: unknown .cube keyword or malformed row: {line[:60]!r}")
    if size1 is None and size3 is None:
        raise LutError(f"{p}: no LUT_1D_SIZE or LUT_3D_SIZE header; not a .cube LUT")
    n1 = size1 or 0
    n3 = size3**3 if size3 else 0
    if len(rows) != n1 + n3:
        parts = [f"LUT_1D_SIZE {size1} needs {n1}"] if size1 else []
        parts += [f"LUT_3D_SIZE {size3} needs {n3}"] if size3 else []
        raise LutError(f"{p}: table has {len(rows)} rows but {' + '.join(parts)} rows"
                       + (f" (table starts at line {first_row_line})" if rows else ""))
    table = np.array(rows, dtype=np.float64).reshape(-1, 3)
    if (dmin is None) != (dmax is None):
        raise LutError(f"{p}: DOMAIN_MIN and DOMAIN_MAX must be given together")
    domain = np.stack([dmin, dmax]) if dmin is not None and dmax is not None else None
    if size3 and not size1 and in3 is None and in1 is not None:
        in3 = in1  # lenient: a 1-D range on a 3-D-only file can only mean the 3-D table
    shaper_dom = (in1 if in1 is not None else domain) if size1 else None
    cube_dom = (in3 if in3 is not None else domain) if size3 else None
    shaper = table[:n1] if size1 else None
    cube = None
    if size3:
        # red changes fastest: rows are ordered [b][g][r]
        cube = np.ascontiguousarray(table[n1:].reshape(size3, size3, size3, 3).transpose(2, 1, 0, 3))
    return Lut(cube=cube, shaper=shaper,
               cube_domain=_UNIT.copy() if cube_dom is None else cube_dom,
               shaper_domain=_UNIT.copy() if shaper_dom is None else shaper_dom,
               title=title, comments=tuple(comments))


# -- .cube writing --------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    s = f"{v:.6f}"
    return "0.000000" if s == "-0.000000" else s


def cube_text(lut: Lut, *, flavour: LutFlavour = "resolve") -> str:
    """The ``.cube`` text of ``lut`` in the given flavour (see :func:`write_cube`)."""
    lines: list[str] = []
    if lut.title:
        lines.append(f'TITLE "{lut.title.replace(chr(34), chr(39))}"')
    lines += [f"# {c}" for c in lut.comments]
    unit = lambda d: np.array_equal(d, _UNIT)  # noqa: E731

    def uniform(d: np.ndarray, what: str) -> tuple[float, float]:
        if not (np.all(d[0] == d[0, 0]) and np.all(d[1] == d[1, 0])):
            raise UsageError(f"the Resolve .cube flavour needs the same {what} input range on all channels; "
                             "write it as IRIDAS (--lut-flavour iridas)")
        return float(d[0, 0]), float(d[1, 0])

    if flavour == "iridas":
        if lut.cube is not None and lut.shaper is not None:
            raise UsageError("IRIDAS .cube holds one table; a shaper + 3-D LUT needs the Resolve flavour")
        dom = lut.cube_domain if lut.cube is not None else lut.shaper_domain
        if lut.cube is not None:
            lines.append(f"LUT_3D_SIZE {lut.size}")
        else:
            assert lut.shaper is not None
            lines.append(f"LUT_1D_SIZE {lut.shaper.shape[0]}")
        if not unit(dom):
            lines.append("DOMAIN_MIN " + " ".join(_fmt(v) for v in dom[0]))
            lines.append("DOMAIN_MAX " + " ".join(_fmt(v) for v in dom[1]))
    elif flavour == "resolve":
        if lut.shaper is not None:
            lines.append(f"LUT_1D_SIZE {lut.shaper.shape[0]}")
            if not unit(lut.shaper_domain):
                lo, hi = uniform(lut.shaper_domain, "1-D")
                lines.append(f"LUT_1D_INPUT_RANGE {_fmt(lo)} {_fmt(hi)}")
        if lut.cube is not None:
            lines.append(f"LUT_3D_SIZE {lut.size}")
            if not unit(lut.cube_domain):
                lo, hi = uniform(lut.cube_domain, "3-D")
                lines.append(f"LUT_3D_INPUT_RANGE {_fmt(lo)} {_fmt(hi)}")
    else:
        raise UsageError(f"unknown .cube flavour {flavour!r}; use resolve or iridas")
    body: list[np.ndarray] = []
    if lut.shaper is not None:
        body.append(lut.shaper)
    if lut.cube is not None:
        body.append(lut.cube.transpose(2, 1, 0, 3).reshape(-1, 3))
    for tab in body:
        lines.extend(f"{_fmt(r)} {_fmt(g)} {_fmt(b)}" for r, g, b in tab)
    return "\n".join(lines) + "\n"


def write_cube(lut: Lut, path: str | os.PathLike[str], *, flavour: LutFlavour = "resolve",
               force: bool = False) -> Path:
    """Write ``lut`` as a ``.cube`` file atomically (6 decimals).

    ``resolve`` (default) writes ``LUT_1D_INPUT_RANGE`` / ``LUT_3D_INPUT_RANGE`` and can hold a
    shaper + 3-D table; ``iridas`` writes ``DOMAIN_MIN`` / ``DOMAIN_MAX`` and one table. A pure
    3-D LUT on [0, 1] is identical in both flavours and loads in Resolve, Premiere, FFmpeg and OCIO.

    Raises:
        UsageError: the LUT cannot be expressed in the flavour. OutputExistsError / OutputError.
    """
    return write_text(path, cube_text(lut, flavour=flavour), force=force)


def with_title(lut: Lut, title: str | None, comments: tuple[str, ...] = ()) -> Lut:
    """A copy of ``lut`` with a new title and comments."""
    return replace(lut, title=title, comments=comments)
