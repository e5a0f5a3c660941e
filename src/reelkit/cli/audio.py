"""``reel audio loudness|normalize|clean``: EBU R128 metering, delivery normalisation, speech cleanup."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import (
    ForceOpt,
    FormatOpt,
    MediaIndexOpt,
    NoIndexOpt,
    OutFormat,
    emit,
    index_use,
    out_console,
    progress_bar,
)

audio_app = typer.Typer(
    name="audio",
    help=(
        "Audio finishing: EBU R128 / BS.1770-4 loudness, normalisation to delivery specs, speech cleanup.\n\n"
        "Examples:\n\n"
        "  reel audio loudness clip.mp4 --format json\n\n"
        "  reel audio normalize clip.mp4 --target ebu-r128\n\n"
        "  reel audio clean interview.wav --output interview.clean.wav"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

MediaArg = Annotated[Path, typer.Argument(help="Media file with an audio stream (video or audio).", show_default=False)]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Output file (.mp4/.mov/.m4v/.mkv keep the video, copied; .wav/.flac/.m4a audio only). "
    "Default: MEDIA.<normalized|clean>.<ext> beside the input.", show_default=False)]
LayoutOpt = Annotated[str | None, typer.Option(
    "--layout", help="Channel layout for the loudness weights, overriding the file's: an FFmpeg name (stereo, 5.0, "
    "5.1, 5.1(side), 7.1...) or labels such as L,R,C,LFE,Ls,Rs. Default: the file's layout; a file without one "
    "is taken as 5.0 (5 ch), 5.1 (6 ch, L R C LFE Ls Rs) or 7.1 (8 ch), with a note.", show_default=False)]
_TARGET_HELP = "Delivery target: ebu-r128 (−23 LUFS), atsc-a85 (−24), streaming (−14), podcast (−16), " \
               "netflix (−27, dialogue-gated)."


def _lv(x: float | None, unit: str) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:6.1f} {unit}"


def _loudness_lines(d: dict[str, Any], indent: str = "  ") -> list[str]:
    integrated = "silent (nothing above the −70 LUFS gate)" if d["silent"] else _lv(d["integrated_lufs"], "LUFS")
    lra = _lv(d["lra_lu"], "LU") if d["lra_lu"] is not None else "— (needs 3 s above the gates)"
    lines = [
        f"{indent}integrated       {integrated}",
        f"{indent}loudness range   {lra}",
        f"{indent}true peak        {_lv(d['true_peak_dbtp'], 'dBTP') if d['true_peak_dbtp'] is not None else 'silent'}",
        f"{indent}momentary max    {_lv(d['momentary_max_lufs'], 'LUFS')}",
        f"{indent}short-term max   {_lv(d['short_term_max_lufs'], 'LUFS')}",
    ]
    if "dialogue_lufs" in d:
        frac = d.get("dialogue_fraction")
        lines.append(f"{indent}dialogue         {_lv(d['dialogue_lufs'], 'LUFS')} "
                     f"({(frac or 0) * 100:.0f}% of blocks judged speech)")
    return lines



def _print_before_after(d: dict) -> None:
    """The loudness report before and after processing, indented under the summary line."""
    for label in ("before", "after"):
        out_console.print(f"  {label}:")
        for line in _loudness_lines(d[label], "    "):
            out_console.print(line)

def _layout_note(d: dict[str, Any]) -> None:
    lay = d.get("layout") or {}
    if lay.get("note"):
        out_console.print(f"  [yellow]note:[/] {lay['note']}")


def loudness_cmd(
    media: MediaArg,
    dialogue: Annotated[bool, typer.Option("--dialogue", help="Also report dialogue-gated loudness "
                                           "(heuristic speech gate).")] = False,
    layout: LayoutOpt = None,
    fmt: FormatOpt = OutFormat.text,
    index: MediaIndexOpt = None,
    no_index: NoIndexOpt = False,
) -> None:
    """Measure loudness per ITU-R BS.1770-4 / EBU R128 (streams the file; any length).

    Integrated loudness (gated), loudness range (EBU Tech 3342), true peak (4× oversampled),
    momentary (400 ms) and short-term (3 s) maxima. Silence is reported as silent (null in JSON).
    Channels are weighted per BS.1770-4: LFE excluded, surrounds +1.5 dB.

    Examples:

      reel audio loudness clip.mp4

      reel audio loudness mix.wav --format json

      reel audio loudness stems_6ch.wav --layout 5.1(side)

      reel audio loudness film.wav --layout L,R,C,LFE,Ls,Rs
    """
    from reelkit.index.analyze import loudness_report

    with progress_bar("metering", unit="samples") as prog:
        d = loudness_report(media, dialogue=dialogue, layout=layout, progress=prog, **index_use(index, no_index).kw())

    def text(d: dict[str, Any]) -> None:
        lay = (d.get("layout") or {}).get("name")
        out_console.print(f"[bold]{d['media']}[/]  ({d['sample_rate']} Hz, {d['channels']} ch"
                          f"{', ' + lay if lay and d['channels'] > 2 else ''}, {d['duration_s']:.2f} s)")
        _layout_note(d)
        for line in _loudness_lines(d):
            out_console.print(line)

    emit(d, fmt, text)


def normalize_file(media: Path, target: str, output: Path | None, *, force: bool,
                   layout: str | None = None) -> dict[str, Any]:
    """:func:`reelkit.audio.normalize.normalize_file` with a progress bar for the metering pass."""
    from reelkit.audio.normalize import normalize_file as normalize

    with progress_bar("metering", unit="samples") as prog:
        return normalize(media, target, output, force=force, layout=layout, progress=prog)


def _normalize_text(d: dict[str, Any]) -> None:
    t = d["target"]
    out_console.print(f"[bold]{d['media']}[/] → [bold]{d['output']}[/]")
    out_console.print(f"  target {t['name']}: {t['integrated_lufs']:.0f} LUFS"
                      f"{' (dialogue)' if t['dialogue_gated'] else ''}, ceiling {t['true_peak_ceiling_dbtp']:.0f} dBTP;"
                      f" gain {d['gain_db']:+.2f} dB from {d['basis']} loudness, limiter "
                      + (f"−{d['limiter_max_reduction_db']:.2f} dB max" if d["limiter_max_reduction_db"] > 0
                         else "idle"))
    _layout_note(d["before"])
    _print_before_after(d)


def normalize_cmd(
    media: MediaArg,
    target: Annotated[str, typer.Option("--target", "-t", help=_TARGET_HELP)] = "ebu-r128",
    output: OutputOpt = None,
    layout: LayoutOpt = None,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Normalise loudness to a delivery target with a true-peak ceiling; report before and after.

    One constant gain, plus a look-ahead true-peak limiter only where the peaks would pass the
    ceiling. A video keeps its video stream (copied, not re-encoded); audio is AAC (FLAC in .mkv).

    Examples:

      reel audio normalize clip.mp4 --target ebu-r128

      reel audio normalize episode.wav -t podcast -o episode.podcast.wav --force
    """
    emit(normalize_file(media, target, output, force=force, layout=layout), fmt, _normalize_text)


def clean_file(media: Path, output: Path | None, *, target: str, force: bool, deess: bool = False,
               compress: bool = False, engine: str = "auto", layout: str | None = None) -> dict[str, Any]:
    """Run the speech cleanup chain on ``media`` and write the result; return the JSON report."""
    from reelkit.audio.clean import clean_media

    return clean_media(media, output, target=None if target == "none" else target, force=force, deess=deess,
                       compress=compress, engine=engine, layout=layout, progress_factory=progress_bar)


def _clean_text(d: dict[str, Any]) -> None:
    out_console.print(f"[bold]{d['media']}[/] → [bold]{d['output']}[/]")
    hum = d["hum"]
    hp = f"high-pass {d['highpass_hz']:.0f} Hz" if d["highpass_hz"] else "no high-pass (no rumble)"
    out_console.print(f"  engine {d['engine']}; {hp}; hum: "
                      + (f"{hum['fundamental_hz']:.2f} Hz, {len(hum['harmonics_hz'])} notches" if hum["fundamental_hz"]
                         else "none found"))
    out_console.print(f"  removed: estimated input SNR {d['noise']['snr_db']:.1f} dB, "
                      f"level change {-d['noise']['noise_attenuation_db']:+.1f} dB")
    if d["deess_max_db"] or d["compressor_max_db"]:
        out_console.print(f"  de-esser max −{d['deess_max_db']:.1f} dB; "
                          f"compressor max −{d['compressor_max_db']:.1f} dB")
    if d.get("loudness"):
        n = d["loudness"]
        out_console.print(f"  loudness {n['target']['name']}: gain {n['gain_db']:+.2f} dB")
    _print_before_after(d)


def clean_cmd(
    media: MediaArg,
    output: OutputOpt = None,
    target: Annotated[str, typer.Option("--target", "-t", help=_TARGET_HELP + " 'none' keeps the level "
                                        "the cleanup leaves.")] = "podcast",
    deess: Annotated[bool, typer.Option("--deess/--no-deess", help="Gentle de-essing (≤ 3 dB on 4.5–10 kHz); "
                                        "off by default: it changes the voice itself.")] = False,
    compress: Annotated[bool, typer.Option("--compress/--no-compress", help="Gentle compression (1.4:1, ≤ 3 dB); "
                                           "off by default.")] = False,
    engine: Annotated[str, typer.Option("--engine", help="Noise reduction: auto (DeepFilterNet 3 when installed, "
                                        "else dsp), dfn, dsp (classical log-MMSE, no model).")] = "auto",
    layout: LayoutOpt = None,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Clean up speech: hum, rumble and noise, then loudness to a target.

    The chain: hum notches (50/60 Hz and harmonics, only when hum is found), an 80 Hz high-pass
    (only when there is rumble below 60 Hz), DeepFilterNet 3 noise reduction (model inside the
    wheel, nothing downloaded; classical log-MMSE without it) blended back towards the input where
    the input is already clean, then loudness normalisation (podcast, −16 LUFS, by default) with a
    true-peak ceiling. Optional de-essing and compression.

    Streams the file in 30 s blocks (any length, bounded memory); the video, if any, is copied.

    Examples:

      reel audio clean interview.mp4

      reel audio clean voice.wav -o voice.clean.wav --target ebu-r128

      reel audio clean take3.mov --target none --engine dsp     # classical DSP only, level untouched
    """
    emit(clean_file(media, output, target=target, force=force, deess=deess, compress=compress, engine=engine,
                    layout=layout), fmt, _clean_text)


audio_app.command("loudness")(loudness_cmd)
audio_app.command("normalize")(normalize_cmd)
audio_app.command("clean")(clean_cmd)


def demo_step(sample: Path, out_dir: Path) -> str:
    """``reel demo`` step: loudness report of the sample film and an EBU R128 copy in the demo folder."""
    d = normalize_file(sample, "ebu-r128", out_dir / "sample.ebu-r128.mp4", force=True)
    lines = ["sample loudness (EBU R128 meter):", *_loudness_lines(d["before"]),
             f"normalised to ebu-r128 (gain {d['gain_db']:+.2f} dB) → {d['output']}:",
             *_loudness_lines(d["after"])]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``audio`` to the root app."""
    app.add_typer(audio_app, name="audio")
