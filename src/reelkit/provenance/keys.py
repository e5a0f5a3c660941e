"""Signing credentials for provenance records.

By default a **local** signing identity is created at first use in the user's config folder
(``$REELKIT_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/reelkit``, else ``~/.config/reelkit``), under
``provenance/``: an ECDSA P-256 key (file mode 0600) and a two-certificate chain (a local CA and
the signing certificate it issued). C2PA refuses self-signed end-entity certificates, hence the
small chain. The certificates say in their names that they are *not on any C2PA trust list*:
a verifier will report the signature as valid but the signer as unknown. Users with a real
certificate pass it with ``--sign-cert/--sign-key`` (PEM; the chain may follow the leaf).
"""

from __future__ import annotations

import contextlib
import datetime
import getpass
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reelkit.errors import UsageError

__all__ = ["LOCAL_LABEL", "SigningIdentity", "config_dir", "load_identity", "local_identity"]

LOCAL_LABEL = "reelkit local key - not on any C2PA trust list"


@dataclass(frozen=True)
class SigningIdentity:
    """A certificate chain and its private key, PEM bytes.

    Attributes:
        chain_pem: the signing certificate first, then its issuers.
        key_pem: the private key (PKCS#8 or traditional PEM).
        alg: C2PA signing algorithm name (``es256``, ``es384``, ``es512``, ``ps256``, ``ed25519``).
        local: True for the identity reelkit created (not on any trust list).
        source: where it came from (paths), for reports.
    """

    chain_pem: bytes
    key_pem: bytes
    alg: str
    local: bool
    source: str


def config_dir() -> Path:
    """reelkit's per-user config folder (not created)."""
    env = os.environ.get("REELKIT_CONFIG_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "reelkit"


def _alg_for(key_pem: bytes, where: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{where} is not an unencrypted PEM private key ({exc})") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(key.curve.name, "es256")
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise UsageError(f"{where}: unsupported key type {type(key).__name__} (use EC P-256/384/521, RSA or Ed25519)")


def load_identity(cert: str | os.PathLike[str], key: str | os.PathLike[str]) -> SigningIdentity:
    """The user's own certificate chain and key (PEM files).

    Raises:
        UsageError: a file is missing or unreadable, or is not PEM of the right kind.
    """
    from cryptography import x509

    cp, kp = Path(cert), Path(key)
    for p, what in ((cp, "--sign-cert"), (kp, "--sign-key")):
        if not p.is_file():
            raise UsageError(f"{what} {p}: no such file", hint="give a PEM file, or drop both options to use "
                             "reelkit's local key")
    chain, key_pem = cp.read_bytes(), kp.read_bytes()
    try:
        x509.load_pem_x509_certificates(chain)
    except ValueError as exc:
        raise UsageError(f"--sign-cert {cp} holds no PEM certificate ({exc})") from None
    return SigningIdentity(chain, key_pem, _alg_for(key_pem, f"--sign-key {kp}"), False, f"{cp} + {kp}")


def _name(cn: str) -> object:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, LOCAL_LABEL)])


def _make_local() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except (OSError, KeyError):  # pragma: no cover - no user name
        who = "local user"
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"reelkit local CA ({who})")
    ku = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False,
              encipher_only=False, decipher_only=False)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **ku), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name(f"reelkit local signer ({who})")).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **ku),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return chain, key_pem


def local_identity() -> SigningIdentity:
    """reelkit's local signing identity, created at first use (see the module docstring).

    Creation is atomic: the key and chain go into one PEM bundle written to a temporary file and
    linked into place, so concurrent first uses agree on one identity.

    Raises:
        UsageError: the config folder cannot be created or the stored bundle is unreadable.
    """
    folder = config_dir() / "provenance"
    bundle = folder / "local-signer.pem"
    if not bundle.is_file():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            chain, key_pem = _make_local()
            fd, tmp = tempfile.mkstemp(prefix=".signer-", dir=folder)
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(key_pem + chain)
            try:
                os.link(tmp, bundle)  # fails if another process got there first: use theirs
            except FileExistsError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        except OSError as exc:
            raise UsageError(f"cannot create reelkit's local signing key in {folder}: {exc.strerror or exc}",
                             hint="set REELKIT_CONFIG_DIR to a writable folder, give --sign-cert/--sign-key, "
                                  "or use --no-provenance") from None
    data = bundle.read_bytes()
    marker = b"-----BEGIN CERTIFICATE-----"
    cut = data.find(marker)
    if cut <= 0 or b"PRIVATE KEY" not in data[:cut]:
        raise UsageError(f"{bundle} is not a reelkit signing bundle (key then certificates)",
                         hint="delete it and reelkit will create a new local key")
    key_pem, chain = data[:cut], data[cut:]
    return SigningIdentity(chain, key_pem, _alg_for(key_pem, str(bundle)), True, str(bundle))
