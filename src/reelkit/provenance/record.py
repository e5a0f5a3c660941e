"""Provenance records: what a rendered file was made from and how, signed.

Renderers *declare* what they are about to write (:func:`declare`: the source media and the
actions), and the one finalisation hook (:func:`seal`, called by
:func:`reelkit.fileio.atomic_output` on every file reelkit writes, before it is moved into place)
turns the declarations for that path into

- an embedded, signed **C2PA manifest** (``c2pa-python``) for media C2PA covers: MP4/MOV/M4A,
  WAV, PNG, JPEG, TIFF, WebP;
- a signed **sidecar** ``<file>.provenance.json`` with the same record for files C2PA does not
  cover here (timelines ``.otio``/``.fcpxml``/``.xml``/``.edl``, LUTs ``.cube``, subtitles, ``.mkv``;
  PDF contact sheets too, which c2pa would rewrite).

Other files (JSON reports, text) get nothing. Sources become ingredients (title, format, SHA-256
of the file); the first action is ``c2pa.opened`` (one source: its ``parentOf`` ingredient) or
``c2pa.created`` (several sources placed into a new composition, or none: generated content,
with its IPTC ``digitalSourceType``). :func:`verify` reads either form back and checks it.
Turned off by ``reel --no-provenance`` / ``REELKIT_PROVENANCE=0`` (:func:`configure`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelkit import __version__
from reelkit.errors import BackendUnavailable, OutputError, UsageError
from reelkit.provenance.keys import LOCAL_LABEL, SigningIdentity, config_dir, load_identity, local_identity

__all__ = ["ACTIONS", "EMBED_SUFFIXES", "SIDECAR_SUFFIXES", "SOURCE_TYPES", "Action", "ProvenanceReport",
           "configure", "declare", "declare_timeline", "enabled", "seal", "sidecar_path", "verify"]

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
#: reelkit's action kinds → C2PA action labels.
ACTIONS: dict[str, str] = {
    "cut": "c2pa.edited",
    "colour": "c2pa.color_adjustments",
    "reframe": "c2pa.cropped",
    "resize": "c2pa.resized",
    "audio_cleanup": "c2pa.filtered",
    "loudness": "c2pa.edited",
    "captions": "c2pa.edited",
    "transcode": "c2pa.transcoded",
    "placed": "c2pa.placed",
    "generated": "c2pa.created",
}
#: kinds of generated content → IPTC digital source types.
SOURCE_TYPES: dict[str, str] = {
    "algorithmic": IPTC + "algorithmicMedia",          # drawn by an algorithm (boards, test patterns)
    "trained": IPTC + "trainedAlgorithmicMedia",       # made by a learned model (TTS, diffusion)
    "composite_synthetic": IPTC + "compositeSynthetic",  # real media mixed with generated content
    "composite": IPTC + "composite",                   # several real sources edited together
}
EMBED_SUFFIXES: dict[str, str] = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".m4a": "audio/mp4",
    ".wav": "audio/wav", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".tif": "image/tiff", ".tiff": "image/tiff", ".webp": "image/webp",
}
SIDECAR_SUFFIXES = frozenset({".otio", ".otioz", ".fcpxml", ".xml", ".edl", ".cube", ".srt", ".vtt", ".mkv",
                              ".ass", ".fdx", ".pdf"})  # PDF: c2pa rewrites the file's object layout
_SIDECAR_FORMAT = "reelkit.provenance.v1"


@dataclass(frozen=True)
class Action:
    """One thing done to the media: ``kind`` (a key of :data:`ACTIONS`), a description, parameters."""

    kind: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    source_type: str | None = None  # for generated content: a key of SOURCE_TYPES


@dataclass
class _Settings:
    enabled: bool = True
    cert: str | None = None
    key: str | None = None


_settings = _Settings(enabled=os.environ.get("REELKIT_PROVENANCE", "1").strip().lower()
                      not in ("0", "false", "no", "off"))
_lock = threading.Lock()
_declared: dict[str, tuple[list[Path], list[Action]]] = {}
_identity: SigningIdentity | None = None
_local: dict[str, SigningIdentity] = {}


def _env_enabled() -> bool:
    return os.environ.get("REELKIT_PROVENANCE", "1").strip().lower() not in ("0", "false", "no", "off")


def configure(*, enabled: bool | None = None, sign_cert: str | os.PathLike[str] | None = None,
              sign_key: str | os.PathLike[str] | None = None) -> None:
    """Process-wide settings (the CLI's ``--no-provenance``, ``--sign-cert``, ``--sign-key``); every
    call sets all three (``enabled=None``: on unless ``REELKIT_PROVENANCE=0``; no cert/key: the
    local key).

    Raises:
        UsageError: only one of cert/key given, or either file missing or malformed (checked now,
            before any work).
    """
    global _identity
    if (sign_cert is None) != (sign_key is None):
        raise UsageError("--sign-cert and --sign-key go together", hint="give both, or neither to use "
                         "reelkit's local key")
    ident = load_identity(sign_cert, sign_key) if sign_cert is not None and sign_key is not None else None
    _settings.enabled = _env_enabled() if enabled is None else enabled
    _settings.cert = None if sign_cert is None else str(sign_cert)
    _settings.key = None if sign_key is None else str(sign_key)
    _identity = ident


def enabled() -> bool:
    """Whether files written now get provenance records."""
    return _settings.enabled


def _identity_now() -> SigningIdentity:
    if _identity is not None:
        return _identity
    where = str(config_dir())
    if where not in _local:
        _local[where] = local_identity()
    return _local[where]


def _key(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


def declare(out: str | os.PathLike[str], *, sources: Sequence[str | os.PathLike[str]] = (),
            actions: Sequence[Action] = ()) -> None:
    """Say that ``out`` is about to be written from ``sources`` by ``actions`` (accumulates).

    Call it before the writer finishes; :func:`seal` consumes the declaration. Several calls for
    the same path add up (a CLI command declares the cut, the renderer the colour step).
    """
    with _lock:
        srcs, acts = _declared.setdefault(_key(out), ([], []))
        for s in sources:
            p = Path(s)
            if p not in srcs:
                srcs.append(p)
        acts.extend(actions)


def declare_timeline(out: str | os.PathLike[str], timeline: Any) -> None:
    """:func:`declare` for an exported OTIO timeline: its clips' local media are the sources."""
    from urllib.parse import unquote, urlparse

    srcs: list[Path] = []
    for clip in timeline.find_clips():
        url = getattr(clip.media_reference, "target_url", None) or ""
        u = urlparse(url)
        p = Path(unquote(u.path)) if u.scheme == "file" else (Path(url) if url and not u.scheme else None)
        if p is not None and p not in srcs:
            srcs.append(p)
    declare(out, sources=srcs, actions=[Action("cut", f"edit decision list of {len(list(timeline.find_clips()))} "
                                                      "clips (timeline export)")])


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Where the sidecar record of ``path`` lives: ``<path>.provenance.json``."""
    p = Path(path)
    return p.with_name(p.name + ".provenance.json")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _mime(p: Path) -> str:
    return EMBED_SUFFIXES.get(p.suffix.lower(), {
        ".mkv": "video/x-matroska", ".mpg": "video/mpeg", ".mpeg": "video/mpeg", ".webm": "video/webm",
        ".flac": "audio/flac", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".avi": "video/x-msvideo",
        ".fountain": "text/plain", ".fdx": "application/xml", ".otio": "application/json",
    }.get(p.suffix.lower(), "application/octet-stream"))


def _manifest(final: Path, sources: list[Path], actions: list[Action]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The C2PA manifest definition and the ingredient list (with SHA-256 hashes)."""
    ingredients = []
    for i, s in enumerate(sources):
        ing: dict[str, Any] = {"title": s.name, "format": _mime(s), "instance_id": f"reelkit:source:{i}",
                               "relationship": "parentOf" if (i == 0 and len(sources) == 1) else "componentOf"}
        with contextlib.suppress(OSError):
            ing["metadata"] = {"reelkit:sha256": _sha256(s), "reelkit:bytes": s.stat().st_size}
        ingredients.append(ing)
    agent = {"name": "reelkit", "version": __version__}
    acts: list[dict[str, Any]] = []
    generated = [a for a in actions if a.kind == "generated"]
    if len(sources) == 1:
        acts.append({"action": "c2pa.opened", "softwareAgent": agent,
                     "parameters": {"ingredientIds": [ingredients[0]["instance_id"]]}})
    else:
        st = generated[0].source_type if generated else None
        dst = SOURCE_TYPES.get(st or ("composite" if sources else "algorithmic"), SOURCE_TYPES["algorithmic"])
        first: dict[str, Any] = {"action": "c2pa.created", "softwareAgent": agent, "digitalSourceType": dst}
        if generated and generated[0].description:
            first["description"] = generated[0].description
        acts.append(first)
        for ing in ingredients:
            acts.append({"action": "c2pa.placed", "softwareAgent": agent,
                         "parameters": {"ingredientIds": [ing["instance_id"]]}})
    for a in actions:
        if a.kind == "generated" and len(sources) != 1 and a is generated[0]:
            continue
        label = ACTIONS.get(a.kind, "c2pa.edited")
        d: dict[str, Any] = {"action": label, "softwareAgent": agent}
        if a.description:
            d["description"] = a.description
        params = {"reelkit:kind": a.kind, **{f"reelkit:{k}": v for k, v in a.parameters.items()}}
        d["parameters"] = params
        if a.source_type:
            d["digitalSourceType"] = SOURCE_TYPES.get(a.source_type, SOURCE_TYPES["algorithmic"])
        acts.append(d)
    if not sources and not actions:
        acts[0]["description"] = "written by reelkit (no source media declared)"
    manifest = {"claim_generator_info": [agent], "title": final.name, "format": _mime(final),
                "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": acts}}]}
    return manifest, ingredients


def _c2pa() -> Any:
    try:
        import c2pa
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise BackendUnavailable("provenance needs c2pa-python", hint="pip install c2pa-python, or use "
                                 "--no-provenance") from exc
    return c2pa


def _signer(ident: SigningIdentity) -> Any:
    c2pa = _c2pa()
    alg = getattr(c2pa.C2paSigningAlg, ident.alg.upper())
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(alg, ident.chain_pem, ident.key_pem, None))


def _embed(tmp: Path, final: Path, manifest: dict[str, Any], ingredients: list[dict[str, Any]],
           ident: SigningIdentity) -> None:
    c2pa = _c2pa()
    mime = EMBED_SUFFIXES[final.suffix.lower()]
    manifest = {**manifest, "ingredients": ingredients}
    signed = tmp.with_name(tmp.name + ".c2pa" + tmp.suffix)
    try:
        settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
        ctx = c2pa.Context(settings)
        with c2pa.Builder(manifest, ctx) as b, open(tmp, "rb") as src, open(signed, "wb") as dst:
            b.sign(_signer(ident), mime, src, dst)
        os.replace(signed, tmp)
    except c2pa.C2paError as exc:
        with contextlib.suppress(OSError):
            signed.unlink()
        hint = "check --sign-cert/--sign-key" if not ident.local else "or use --no-provenance"
        raise OutputError(f"cannot sign the provenance manifest of {final}: {exc}", hint=hint) from None


def _canonical(d: dict[str, Any]) -> bytes:
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sign_bytes(data: bytes, ident: SigningIdentity) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    key = serialization.load_pem_private_key(ident.key_pem, password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    raise UsageError(f"unsupported signing key type {type(key).__name__}")  # pragma: no cover


def _sidecar(tmp: Path, final: Path, manifest: dict[str, Any], ingredients: list[dict[str, Any]],
             ident: SigningIdentity) -> None:
    from reelkit.fileio import write_bytes

    body = {"format": _SIDECAR_FORMAT, "file": final.name, "sha256": _sha256(tmp), "bytes": tmp.stat().st_size,
            "manifest": {**manifest, "ingredients": ingredients},
            "certificate_chain_pem": ident.chain_pem.decode("ascii"), "signature_alg": ident.alg}
    body["signature"] = base64.b64encode(_sign_bytes(_canonical(body), ident)).decode("ascii")
    write_bytes(sidecar_path(final), json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n", force=True)


def seal(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """The finalisation hook: give the finished temporary file ``tmp`` (to become ``final``) its record.

    Embeds a signed C2PA manifest for the formats in :data:`EMBED_SUFFIXES`, writes a signed
    sidecar for :data:`SIDECAR_SUFFIXES`, and does nothing for other files or when provenance is
    turned off. Consumes the :func:`declare` calls for ``final``.

    If c2pa cannot embed into a particular file, the record goes into a signed sidecar instead.

    Raises:
        OutputError: the user's certificate (``--sign-cert``) is refused by C2PA (the caller removes
            the temporary file).
        UsageError: the signing identity cannot be created or read.
    """
    fp = Path(final)
    with _lock:
        sources, actions = _declared.pop(_key(fp), ([], []))
    suffix = fp.suffix.lower()
    if not _settings.enabled or fp.name.endswith(".provenance.json"):
        return
    if suffix not in EMBED_SUFFIXES and suffix not in SIDECAR_SUFFIXES:
        return
    tp = Path(tmp)
    if not tp.is_file() or tp.stat().st_size == 0:
        return
    manifest, ingredients = _manifest(fp, sources, actions)
    ident = _identity_now()
    if suffix in EMBED_SUFFIXES:
        try:
            _embed(tp, fp, manifest, ingredients, ident)
        except OutputError:
            if not ident.local:
                raise  # the user's certificate was refused: say so rather than sign with something else
            # c2pa could not embed into this particular file (an unusual structure): the render is
            # kept and the same record goes into a signed sidecar, which `verify` reads
            _sidecar(tp, fp, manifest, ingredients, ident)
    else:
        _sidecar(tp, fp, manifest, ingredients, ident)


# -- reading back ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProvenanceReport:
    """What :func:`verify` found.

    Attributes:
        path: the file checked.
        status: ``valid`` (signature and content hashes check out), ``tampered`` (a hash or the
            signature does not match: the file or its record was changed after signing),
            ``invalid`` (the record is malformed or its certificate unusable) or ``missing``.
        kind: ``c2pa`` (embedded manifest), ``sidecar`` or None.
        trusted: the signer is on a configured trust list (never for reelkit's local key).
        signer: the signing certificate's names; ``local`` when it is reelkit's local key.
        actions: the action labels in order; ingredients: title, relationship, sha256 of each.
        failures: the failed checks (C2PA validation codes or sidecar checks).
    """

    path: str
    status: str
    kind: str | None
    trusted: bool = False
    signer: dict[str, Any] = field(default_factory=dict)
    actions: tuple[dict[str, Any], ...] = ()
    ingredients: tuple[dict[str, Any], ...] = ()
    failures: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"path": self.path, "status": self.status, "kind": self.kind, "trusted": self.trusted,
                "signer": self.signer, "actions": list(self.actions), "ingredients": list(self.ingredients),
                "failures": list(self.failures), "notes": list(self.notes)}


def _summarise(manifest: dict[str, Any]) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    acts: list[dict[str, Any]] = []
    for a in manifest.get("assertions", []):
        if str(a.get("label", "")).startswith("c2pa.actions"):
            for x in a.get("data", {}).get("actions", []):
                acts.append({k: x[k] for k in ("action", "description", "digitalSourceType") if k in x})
    ings = []
    for i in manifest.get("ingredients", []):
        md = i.get("metadata") or {}
        ings.append({"title": i.get("title"), "format": i.get("format"), "relationship": i.get("relationship"),
                     "sha256": md.get("reelkit:sha256")})
    return tuple(acts), tuple(ings)


def _verify_c2pa(p: Path) -> ProvenanceReport | None:
    c2pa = _c2pa()
    mime = EMBED_SUFFIXES[p.suffix.lower()]
    try:
        with open(p, "rb") as fh, c2pa.Reader(mime, fh) as r:
            state = r.get_validation_state() or "Invalid"
            results = r.get_validation_results() or {}
            active = r.get_active_manifest() or {}
    except c2pa.C2paError as exc:
        text = str(exc)
        if "ManifestNotFound" in type(exc).__name__ or "no JUMBF" in text or "not found" in text.lower():
            return None
        return ProvenanceReport(str(p), "tampered", "c2pa", failures=(f"cannot read the manifest: {text}",),
                                notes=("the embedded C2PA manifest is damaged",))
    am = results.get("activeManifest", {}) if isinstance(results, dict) else {}
    failures = [f"{f.get('code')}: {f.get('explanation', '')}".strip() for f in am.get("failure", [])]
    untrusted = any(f.get("code") == "signingCredential.untrusted" for f in am.get("informational", []) +
                    am.get("failure", []))
    failures = [f for f in failures if not f.startswith("signingCredential.untrusted")]
    sig = active.get("signature_info", {})
    signer = {"issuer": sig.get("issuer"), "common_name": sig.get("common_name"), "alg": sig.get("alg"),
              "local": LOCAL_LABEL in str(sig.get("issuer", ""))}
    acts, ings = _summarise(active)
    notes = []
    if state.lower() != "trusted":
        notes.append("signer not on a C2PA trust list" + (" (reelkit's local key)" if signer["local"] else ""))
    status = "valid" if (state.lower() in ("valid", "trusted") and not failures) else "tampered"
    if untrusted and not failures and state.lower() == "invalid":
        status = "valid"
    return ProvenanceReport(str(p), status, "c2pa", trusted=state.lower() == "trusted", signer=signer,
                            actions=acts, ingredients=ings, failures=tuple(failures), notes=tuple(notes))


def _verify_sidecar(p: Path, side: Path) -> ProvenanceReport:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        body = json.loads(side.read_text(encoding="utf-8"))
        sig = base64.b64decode(body.pop("signature"))
        certs = x509.load_pem_x509_certificates(body["certificate_chain_pem"].encode())
        manifest = body["manifest"]
    except (ValueError, KeyError, TypeError) as exc:
        return ProvenanceReport(str(p), "invalid", "sidecar", failures=(f"malformed sidecar {side.name}: {exc}",))
    failures = []
    pub = certs[0].public_key()
    data = _canonical(body)
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(sig, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, data)
        else:
            failures.append("unsupported key type in the certificate")
    except InvalidSignature:
        failures.append("signature: the record was changed after signing")
    if body.get("sha256") != _sha256(p):
        failures.append("content hash: the file was changed after signing")
    for child, parent in itertools.pairwise(certs):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            failures.append("certificate chain: a certificate is not issued by the next one")
    issuer = certs[0].issuer.rfc4514_string()
    local = LOCAL_LABEL in issuer
    acts, ings = _summarise(manifest)
    return ProvenanceReport(str(p), "tampered" if failures else "valid", "sidecar", trusted=False,
                            signer={"issuer": issuer, "common_name": certs[0].subject.rfc4514_string(),
                                    "alg": body.get("signature_alg"), "local": local},
                            actions=acts, ingredients=ings, failures=tuple(failures),
                            notes=("signer not on a C2PA trust list" + (" (reelkit's local key)" if local else ""),
                                   f"record in the sidecar {side.name} (C2PA does not cover this format)"))


def verify(path: str | os.PathLike[str]) -> ProvenanceReport:
    """Read and check the provenance record of ``path`` (embedded C2PA manifest or sidecar).

    Raises:
        MediaNotFoundError: ``path`` does not exist.
    """
    from reelkit.fileio import check_input_file

    p = check_input_file(path, what="file")
    side = sidecar_path(p)
    if p.suffix.lower() in EMBED_SUFFIXES:
        rep = _verify_c2pa(p)
        if rep is not None and (rep.status == "valid" or not side.is_file() or rep.signer):
            return rep
    if side.is_file():
        return _verify_sidecar(p, side)
    return ProvenanceReport(str(p), "missing", None, notes=("no C2PA manifest and no sidecar record",))
