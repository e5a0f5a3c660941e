"""``reel audio loudness|normalize|clean``: EBU R128 metering, delivery normalisation, speech cleanup."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from reelkit.cli._ui import ForceOpt, FormatOpt, OutFormat, emit, out_console, progress_bar
from reelkit.provenance import Action, declare

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

def loudness_report(path: Path, *, dialogue: bool = False) -> dict[str, Any]:
    """Meter ``path`` and return the JSON object of ``reel audio loudness``."""
    from reelkit.audio import measure_file
    from reelkit.fileio import check_input_file

    check_input_file(path, what="media file")
    with progress_bar("metering", unit="samples") as prog:
        r = measure_file(path, dialogue=dialogue, progress=prog)
    return {"media": str(path), **r.to_dict()}


def loudness_cmd(
    media: MediaArg,
    dialogue: Annotated[bool, typer.Option("--dialogue", help="Also report dialogue-gated loudness "
                                           "(heuristic speech gate).")] = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Measure loudness per ITU-R BS.1770-4 / EBU R128 (streams the file; any length).

    Integrated loudness (gated), loudness range (EBU Tech 3342), true peak (4× oversampled),
    momentary (400 ms) and short-term (3 s) maxima. Silence is reported as silent (null in JSON).

    Examples:

      reel audio loudness clip.mp4

      reel audio loudness mix.wav --format json
    """
    d = loudness_report(media, dialogue=dialogue)

    def text(d: dict[str, Any]) -> None:
        out_console.print(f"[bold]{d['media']}[/]  ({d['sample_rate']} Hz, {d['channels']} ch, "
                          f"{d['duration_s']:.2f} s)")
        for line in _loudness_lines(d):
            out_console.print(line)

    emit(d, fmt, text)


def normalize_file(media: Path, target: str, output: Path | None, *, force: bool) -> dict[str, Any]:
    """Normalise ``media`` to ``target``, write the result, return the JSON report (streams the audio twice)."""
    from reelkit.audio.io import check_output, default_output, write_processed
    from reelkit.audio.meter import measure_file
    from reelkit.audio.normalize import get_target, normalize_blocks, refine_gain
    from reelkit.fileio import check_input_file
    from reelkit.media import iter_audio, probe

    t = get_target(target)
    check_input_file(media, what="media file")
    info = probe(media)
    a = info.require_audio()
    out = output or default_output(info, "normalized")
    check_output(info, out, force=force)
    with progress_bar("metering", unit="samples") as prog:
        before = measure_file(media, info=info, dialogue=t.dialogue_gated, progress=prog)
    gain, basis = refine_gain(lambda: iter_audio(media, info=info), a.sample_rate, a.channels or 1, before, t,
                              layout=a.layout)
    blocks, meter, lim = normalize_blocks(iter_audio(media, info=info), a.sample_rate, a.channels or 1, gain,
                                          t.ceiling_dbtp, layout=a.layout, dialogue=t.dialogue_gated)
    declare(out, actions=[Action("loudness", f"loudness normalised to {t.name}")])
    write_processed(info, out, blocks, a.sample_rate, a.channels or 1, force=force)
    after = meter.result()
    from reelkit.audio.normalize import NormalizeResult

    res = NormalizeResult(t, gain, basis, lim.max_reduction_db, before, after)
    return {"media": str(media), "output": str(out), **res.to_dict()}


def _normalize_text(d: dict[str, Any]) -> None:
    t = d["target"]
    out_console.print(f"[bold]{d['media']}[/] → [bold]{d['output']}[/]")
    out_console.print(f"  target {t['name']}: {t['integrated_lufs']:.0f} LUFS"
                      f"{' (dialogue)' if t['dialogue_gated'] else ''}, ceiling {t['true_peak_ceiling_dbtp']:.0f} dBTP;"
                      f" gain {d['gain_db']:+.2f} dB from {d['basis']} loudness, limiter "
                      + (f"−{d['limiter_max_reduction_db']:.2f} dB max" if d["limiter_max_reduction_db"] > 0
                         else "idle"))
    _print_before_after(d)


def normalize_cmd(
    media: MediaArg,
    target: Annotated[str, typer.Option("--target", "-t", help=_TARGET_HELP)] = "ebu-r128",
    output: OutputOpt = None,
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
    emit(normalize_file(media, target, output, force=force), fmt, _normalize_text)


def clean_file(media: Path, output: Path | None, *, target: str, force: bool, deess: bool = True,
               compress: bool = True) -> dict[str, Any]:
    """Run the speech cleanup chain on ``media`` and write the result; return the JSON report."""
    from reelkit.audio.clean import clean_speech
    from reelkit.audio.io import check_output, default_output, write_processed
    from reelkit.errors import MediaLimitError
    from reelkit.fileio import check_input_file
    from reelkit.media import probe, read_audio

    check_input_file(media, what="media file")
    info = probe(media)
    a = info.require_audio()
    out = output or default_output(info, "clean")
    check_output(info, out, force=force)
    max_s = float(os.environ.get("REELKIT_CLEAN_MAX_S", 3 * 3600))
    if info.duration_s and info.duration_s > max_s:
        raise MediaLimitError(f"{media} is {info.duration_s:.0f} s long; clean works in memory and takes at most "
                              f"{max_s:.0f} s (set REELKIT_CLEAN_MAX_S to raise it, or split the file)")
    audio = read_audio(media, info=info)
    with progress_bar("cleaning", unit="steps") as prog:
        res = clean_speech(audio.samples, audio.sample_rate, target=None if target == "none" else target,
                           deess=deess, compress=compress, layout=a.layout, progress=prog)
    step = 1 << 16
    blocks = (res.samples[:, i:i + step] for i in range(0, res.samples.shape[1], step))
    declare(out, actions=[Action("audio_cleanup", "speech cleanup (noise, hum, de-ess, compression)")])
    write_processed(info, out, blocks, audio.sample_rate, res.samples.shape[0], force=force)
    return {"media": str(media), "output": str(out), **res.to_dict()}


def _clean_text(d: dict[str, Any]) -> None:
    out_console.print(f"[bold]{d['media']}[/] → [bold]{d['output']}[/]")
    hum = d["hum"]
    out_console.print(f"  high-pass {d['highpass_hz']:.0f} Hz; hum: "
                      + (f"{hum['fundamental_hz']:.2f} Hz, {len(hum['harmonics_hz'])} notches" if hum["fundamental_hz"]
                         else "none found"))
    out_console.print(f"  noise reduction: estimated input SNR {d['noise']['snr_db']:.1f} dB, "
                      f"mean attenuation of noise-only frames {d['noise']['noise_attenuation_db']:.1f} dB")
    out_console.print(f"  de-esser max −{d['deess_max_db']:.1f} dB; compressor max −{d['compressor_max_db']:.1f} dB")
    if d.get("loudness"):
        n = d["loudness"]
        out_console.print(f"  loudness {n['target']['name']}: gain {n['gain_db']:+.2f} dB")
    _print_before_after(d)


def clean_cmd(
    media: MediaArg,
    output: OutputOpt = None,
    target: Annotated[str, typer.Option("--target", "-t", help=_TARGET_HELP + " 'none' keeps the level "
                                        "the cleanup leaves.")] = "podcast",
    deess: Annotated[bool, typer.Option("--deess/--no-deess", help="Gentle de-essing (≤ 3 dB on 4.5–10 kHz).")
                     ] = True,
    compress: Annotated[bool, typer.Option("--compress/--no-compress", help="Gentle compression (1.4:1, ≤ 3 dB).")
                        ] = True,
    force: ForceOpt = False,
    fmt: FormatOpt = OutFormat.text,
) -> None:
    """Clean up speech: rumble, hum, noise, sibilance and peaks, then loudness to a target.

    The chain: 80 Hz high-pass, hum notches (50/60 Hz and harmonics, found automatically), noise
    reduction that tracks non-stationary noise, gentle de-essing and compression, then loudness
    normalisation (podcast, −16 LUFS, by default) with a true-peak ceiling.

    The audio is processed in memory (about 4 bytes × channels × samples, up to 3 hours unless
    REELKIT_CLEAN_MAX_S says otherwise); the video, if any, is copied.

    Examples:

      reel audio clean interview.mp4

      reel audio clean voice.wav -o voice.clean.wav --target ebu-r128

      reel audio clean take3.mov --no-compress --no-deess     # only rumble, hum and noise
    """
    emit(clean_file(media, output, target=target, force=force, deess=deess, compress=compress), fmt, _clean_text)


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
