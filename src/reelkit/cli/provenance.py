"""``reel provenance FILE...``: read and verify the provenance record of rendered files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import FormatOpt, OutFormat, emit, out_console

_STATUS = {"valid": "[green]verified[/]", "tampered": "[bold red]TAMPERED[/]", "invalid": "[bold red]invalid[/]",
           "missing": "[yellow]no provenance record[/]"}


def _text(items: list[dict[str, Any]]) -> None:
    for d in items:
        kind = {"c2pa": "C2PA manifest", "sidecar": "signed sidecar"}.get(d["kind"] or "", "")
        out_console.print(f"[bold]{d['path']}[/]  {_STATUS[d['status']]}" + (f" ({kind})" if kind else ""))
        s = d["signer"]
        if s:
            out_console.print(f"  signer      {s.get('common_name')} — issued by {s.get('issuer')}"
                              + ("" if d["trusted"] else "  [yellow](not on a trust list)[/]"))
        for ing in d["ingredients"]:
            out_console.print(f"  ingredient  {ing['title']} ({ing['relationship']})"
                              + (f" sha256 {ing['sha256'][:16]}…" if ing.get("sha256") else ""))
        for a in d["actions"]:
            extra = a.get("description") or a.get("digitalSourceType") or ""
            out_console.print(f"  action      {a['action']}" + (f" — {extra}" if extra else ""))
        for f in d["failures"]:
            out_console.print(f"  [red]failed[/]      {f}")
        for n in d["notes"]:
            out_console.print(f"  note        {n}")


def provenance_cmd(
    files: Annotated[list[Path], typer.Argument(help="Files to check (media, stills, WAV, timelines, LUTs).",
                                                show_default=False)],
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Read and verify the provenance record reelkit signs into every file it renders.

    Media, stills and WAV carry an embedded C2PA manifest; timelines and LUTs a signed sidecar
    (FILE.provenance.json). Shows the source media (ingredients, with hashes), the actions taken
    and the signer. Exit status: 0 when every file verifies, 1 when a file was changed after
    signing (tampered) or has no record. reelkit's own local key is not on any C2PA trust list:
    its records verify, but the signer is reported as not trusted.

    Examples:

      reel provenance out.mp4

      reel provenance cut.otio look.cube -f json

      reel --no-provenance grade apply clip.mp4 --lut look.cube --render clip_look.mp4   # opt out
    """
    from reelkit.provenance import verify

    reports = [verify(f).to_dict() for f in files]
    emit(reports if len(reports) > 1 else reports[0], fmt, lambda d: _text(d if isinstance(d, list) else [d]))
    if any(r["status"] != "valid" for r in reports):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``provenance`` to the root app."""
    app.command("provenance")(provenance_cmd)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo`` step: verify the provenance record of every file the demo rendered."""
    from reelkit.provenance import EMBED_SUFFIXES, SIDECAR_SUFFIXES, enabled, verify

    if not enabled():
        return "provenance is turned off (--no-provenance / REELKIT_PROVENANCE=0): nothing signed"
    files = sorted(p for p in out_dir.iterdir() if p.is_file() and (
        p.suffix.lower() in EMBED_SUFFIXES or (p.suffix.lower() in SIDECAR_SUFFIXES and
                                               p.with_name(p.name + ".provenance.json").is_file())))
    files.sort(key=lambda p: (p.suffix.lower() not in (".mp4", ".mov", ".wav"), p.name))  # rendered media first
    reps = [verify(p) for p in files]
    ok = [r for r in reps if r.status == "valid"]
    who = ("reelkit's local key, not on a trust list" if any(r.signer.get("local") for r in ok)
           else "your certificate")
    lines = [f"{len(ok)}/{len(reps)} rendered files carry a verified provenance record (signed with {who})"]
    for r in reps[:6]:
        acts = ", ".join(a["action"] for a in r.actions)
        lines.append(f"  {Path(r.path).name}: {r.status} ({r.kind}); actions: {acts}")
    lines.append("check any of them with: reel provenance FILE")
    return "\n".join(lines)
