"""``reel script ...``: screenplay parsing, breakdown and analysis.

The BOARD commands (shotlist, board, animatic) are added to :data:`script_app` by
:mod:`reelkit.cli.script_board`.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import ForceOpt, err_console, to_json
from reelkit.fileio import write_bytes, write_text
from reelkit.script import load_screenplay

script_app = typer.Typer(
    name="script",
    help=(
        "Screenplays (Fountain or Final Draft .fdx): parse, breakdown, analysis.\n\n"
        "Examples:\n\n"
        "  reel script parse film.fountain --format json\n\n"
        "  reel script breakdown film.fountain --format csv --output breakdown.csv\n\n"
        "  reel script analyze film.fountain --format html --output report.html"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

ScriptArg = Annotated[Path, typer.Argument(help="Screenplay file: Fountain (.fountain/.txt/...) or Final Draft (.fdx).",
                                           show_default=False)]


def _warn(warnings: tuple[str, ...] | list[str]) -> None:
    for w in warnings:
        err_console.print(f"[yellow]warning:[/] {w}", markup=True, highlight=False, soft_wrap=True)


class ParseFormat(StrEnum):
    text = "text"
    json = "json"
    fountain = "fountain"
    fdx = "fdx"


class BreakdownFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    html = "html"
    dood_csv = "dood-csv"


class AnalyzeFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.",
                                                show_default=False)]
LayoutOpt = Annotated[str, typer.Option("--page", help="Page size for pagination: letter (55 lines) or a4 (57).")]


def _deliver(data: str | bytes, output: Path | None, force: bool) -> None:
    """Write ``data`` to ``output`` atomically, or to stdout."""
    if output is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data if data.endswith("\n") else data + "\n")
        sys.stdout.flush()
        return
    if isinstance(data, str):
        write_text(output, data, force=force)
    else:
        write_bytes(output, data, force=force)
    err_console.print(f"wrote {output}")


def _infer(fmt: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    if fmt is not None:
        return fmt
    if output is not None:
        ext = output.suffix.lower().lstrip(".")
        ext = {"htm": "html", "fountain": "fountain", "spmd": "fountain", "txt": "text"}.get(ext, ext)
        if ext in allowed:
            return ext
    return "text"


def _parse_text(d: dict[str, Any]) -> str:
    out = []
    for tp in d["title_page"]:
        out.append(f"{tp['key']}: {tp['value']}")
    counts: dict[str, int] = {}
    for e in d["elements"]:
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    out.append(f"{len(d['elements'])} elements: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    pg = d.get("pagination")
    if pg:
        m, s = divmod(int(pg["screen_time_s"]), 60)
        out.append(f"{pg['page_count']} pages ({pg['layout']}), length {pg['length']} pages, "
                   f"screen time ≈ {m}:{s:02d}")
        lengths = {sc["index"]: sc for sc in pg["scenes"]}
    else:
        lengths = {}
    k = 0
    for e in d["elements"]:
        if e["type"] == "scene_heading":
            num = f"#{e['scene_number']} " if e.get("scene_number") else ""
            ln = lengths.get(k)
            extra = f"  [{ln['length']}, p.{ln['start_page']}]" if ln else ""
            out.append(f"  {e['line']:>5}  {num}{e['text']}{extra}")
            k += 1
    return "\n".join(out)


def parse_cmd(
    script: ScriptArg,
    fmt: Annotated[ParseFormat | None, typer.Option("--format", "-f", case_sensitive=False,
                                                    help="text (summary), json, fountain or fdx (Final Draft).",
                                                    show_default=False)] = None,
    output: OutputOpt = None,
    page: LayoutOpt = "letter",
    force: ForceOpt = False,
) -> None:
    """Parse a screenplay into typed elements (Fountain 1.1 or Final Draft XML); convert Fountain ↔ FDX.

    JSON: {"title_page": [{"key", "value"}], "elements": [{"type", "text", "line", ...}]}; "text" is plain
    (emphasis, notes and boneyard removed); "markup", "emphasis" and "notes" keep what was removed;
    "scene_number", "extension", "dual", "level", "character", "forced" when set. The text summary adds
    the page count, screen time and each scene's length in eighths (--page letter|a4).

    Examples:

      reel script parse film.fountain

      reel script parse film.fountain --format json > film.json

      reel script parse film.fountain --output film.fdx        # Fountain → Final Draft

      reel script parse film.fdx --format fountain -o film.fountain
    """
    from reelkit.script.paginate import paginate

    kind = _infer(fmt.value if fmt else None, output, ("json", "fountain", "fdx"))
    sp = load_screenplay(script)
    _warn(sp.warnings)
    if kind == "fdx":
        from reelkit.script.fdx import fdx_bytes

        _deliver(fdx_bytes(sp), output, force)
        return
    if kind == "fountain":
        from reelkit.script.fountain import to_fountain

        _deliver(to_fountain(sp), output, force)
        return
    d = sp.to_dict()
    if kind == "json":
        _deliver(to_json(d), output, force)
        return
    d["pagination"] = paginate(sp, layout=page).to_dict()
    _deliver(_parse_text(d), output, force)


def _breakdown_text(b: Any) -> str:
    from reelkit.script.breakdown import CATEGORIES

    title = (b.title or "untitled").replace("\n", " / ")
    out = [f"{title}: {len(b.scenes)} scenes, {b.page_count} pages, {len(b.cast)} cast, "
           f"{len(b.locations)} locations"]
    for s in b.scenes:
        out.append(f"\nScene {s.number}  {s.heading}  [{s.int_ext or '?'} / {s.day_night or '?'}, {s.pages} pp, "
                   f"p.{s.start_page}]")
        if s.cast_speaking:
            out.append(f"  cast (speaking):     {', '.join(s.cast_speaking)}")
        if s.cast_non_speaking:
            out.append(f"  cast (non-speaking): {', '.join(s.cast_non_speaking)}")
        for c in CATEGORIES:
            if s.items.get(c):
                out.append(f"  {c + ':':<21}{', '.join(s.items[c])}")
    out.append("\nCast by scene (S speaks, X present):")
    w = min(24, max((len(c.name) for c in b.cast), default=4))
    out.append("  " + " " * (w + 4) + " ".join(f"{s.number:>3}" for s in b.scenes))
    for c in b.cast:
        name = c.name if len(c.name) <= w else c.name[:w - 1] + "…"
        out.append(f"  {c.id:>2}. {name:<{w}}" + " ".join(f"{m or '.':>3}" for m in c.marks))
    out.append("\nLocations:")
    for loc in b.locations:
        out.append(f"  {loc.location}  ({'/'.join(loc.int_ext)}, {'/'.join(loc.day_night)})  scenes "
                   f"{', '.join(loc.scenes)}")
    return "\n".join(out)


def breakdown_cmd(
    script: ScriptArg,
    fmt: Annotated[BreakdownFormat | None, typer.Option(
        "--format", "-f", case_sensitive=False, show_default=False,
        help="text, json, csv (one row per scene), html (report) or dood-csv (cast-by-scene table). "
             "Default: from the --output extension, else text.")] = None,
    output: OutputOpt = None,
    page: LayoutOpt = "letter",
    force: ForceOpt = False,
) -> None:
    """Break a screenplay down scene by scene: INT/EXT, day/night, location, length in eighths, cast
    (speaking and non-speaking), extras, props, wardrobe, vehicles, animals, SFX, sound, makeup; plus a
    cast-by-scene (day-out-of-days style) table and a location list.

    Items come from explicit notes ([[prop: revolver]], [[wardrobe: red coat]], [[sound: ...]]), capitalised
    words in action and the nouns of reelkit's category word lists. Capitalised words that fit no category
    are listed under "other" for you to sort.

    Examples:

      reel script breakdown film.fountain

      reel script breakdown film.fountain --format csv -o breakdown.csv

      reel script breakdown film.fountain -o breakdown.html       # HTML report (format from the extension)
    """
    from reelkit.script.breakdown import breakdown
    from reelkit.script.paginate import paginate

    kind = _infer(fmt.value if fmt else None, output, ("json", "csv", "html"))
    sp = load_screenplay(script)
    _warn(sp.warnings)
    b = breakdown(sp, pagination=paginate(sp, layout=page))
    data = {"json": lambda: to_json(b.to_dict()), "csv": b.to_csv, "html": b.to_html, "dood-csv": b.dood_csv,
            "text": lambda: _breakdown_text(b)}[kind]()
    _deliver(data, output, force)


def _analyze_text(an: Any) -> str:
    m, s = divmod(int(an.screen_time_s), 60)
    title = (an.title or "untitled").replace("\n", " / ")
    out = [f"{title}: {an.page_count} pages, {len(an.scenes)} scenes, screen time ≈ {m}:{s:02d}, "
           f"reading time ≈ {an.reading_time_min} min, dialogue {round(100 * an.dialogue_ratio)}% of words",
           f"structure ({an.act_source}):"]
    for a in an.acts:
        out.append(f"  act {a['act']}: {a['title']} — from scene {a['start_scene']} (page {a['start_page']})")
    if an.act_source != "page position" and an.acts_by_page:
        out.append("  by page position (25 % / 75 %): acts start at scenes "
                   + ", ".join(a["start_scene"] for a in an.acts_by_page))
    st = an.scene_stats
    if "mean_eighths" in st:
        out.append(f"scene length: mean {st['mean_eighths']}/8, median {st['median_eighths']}/8, longest scene "
                   f"{st['longest']['number']} ({st['longest']['eighths']}/8)")
    out.append("dialogue share:")
    for c in an.characters[:10]:
        out.append(f"  {c['name']:<20} {100 * c['share']:5.1f}%  {c['words']} words in {c['scenes']} scenes")
    out.append("emotional arc (VADER compound per scene):")
    for r in an.scenes:
        bar = "+" * round(max(0.0, r["sentiment"]) * 20) or "-" * round(max(0.0, -r["sentiment"]) * 20)
        out.append(f"  {r['number']:>4} {r['sentiment']:+.2f} {bar}")
    return "\n".join(out)


def analyze_cmd(
    script: ScriptArg,
    fmt: Annotated[AnalyzeFormat | None, typer.Option(
        "--format", "-f", case_sensitive=False, show_default=False,
        help="text, json or html (report with plots). Default: from the --output extension, else text.")] = None,
    output: OutputOpt = None,
    page: LayoutOpt = "letter",
    force: ForceOpt = False,
) -> None:
    """Analyse a screenplay: act structure, scene lengths and pacing, dialogue share per character, an
    emotional arc per scene (VADER sentiment), dialogue vs action balance, reading and screen time.

    Examples:

      reel script analyze film.fountain

      reel script analyze film.fountain --format json > analysis.json

      reel script analyze film.fountain -o report.html            # HTML report with plots
    """
    from reelkit.script.analyze import analysis_html, analyze
    from reelkit.script.paginate import paginate

    kind = _infer(fmt.value if fmt else None, output, ("json", "html"))
    sp = load_screenplay(script)
    _warn(sp.warnings)
    an = analyze(sp, pagination=paginate(sp, layout=page))
    data = {"json": lambda: to_json(an.to_dict()), "html": lambda: analysis_html(an),
            "text": lambda: _analyze_text(an)}[kind]()
    _deliver(data, output, force)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo`` step: break down and analyse the bundled sample screenplay (the film is not used)."""
    from reelkit.script.analyze import analyze
    from reelkit.script.breakdown import breakdown
    from reelkit.script.io import sample_script_path
    from reelkit.script.paginate import format_eighths, paginate

    src = sample_script_path()
    sp = load_screenplay(src)
    pg = paginate(sp)
    b = breakdown(sp, pagination=pg)
    an = analyze(sp, pagination=pg)
    write_text(out_dir / "script_breakdown.html", b.to_html(), force=True)
    write_text(out_dir / "script_breakdown.csv", b.to_csv(), force=True)
    props = sorted({p for s in b.scenes for p in s.items.get("props", ())})
    lines = [f"{src.name}: \"{b.title}\", {len(b.scenes)} scenes, {pg.page_count} pages "
             f"(length {format_eighths(pg.length_eighths)}), screen time ≈ "
             f"{int(pg.screen_time_s // 60)}:{int(pg.screen_time_s % 60):02d}",
             "cast: " + ", ".join(f"{c.name} ({c.scenes} sc)" for c in b.cast),
             "locations: " + ", ".join(loc.location for loc in b.locations),
             f"props ({len(props)}): " + ", ".join(props[:12]) + (" ..." if len(props) > 12 else ""),
             "dialogue share: " + ", ".join(f"{c['name']} {100 * c['share']:.0f}%" for c in an.characters),
             f"breakdown sheets: {out_dir / 'script_breakdown.html'}, {out_dir / 'script_breakdown.csv'}"]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the ``script`` group to the root app."""
    script_app.command("parse")(parse_cmd)
    script_app.command("breakdown")(breakdown_cmd)
    script_app.command("analyze")(analyze_cmd)
    app.add_typer(script_app, name="script")
