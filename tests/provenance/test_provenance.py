"""Provenance on rendered files: C2PA manifests (media, stills, WAV), signed sidecars (LUTs,
timelines), the local key, the user's own certificate, tampering and opting out — real CLI, real
files read back by c2pa-python and PyAV."""

from __future__ import annotations

import datetime
import hashlib
import json
import socket
from pathlib import Path

import numpy as np
import pytest

from reelkit import provenance as pv
from reelkit.color.lut import identity_lut, write_cube
from reelkit.media import read_audio, read_frames
from reelkit.media.writer import write_wav
from tests.mediagen import make_video

LUTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "color" / "luts"
PAIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "color" / "pairs"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "cfg"
    monkeypatch.setenv("REELKIT_CONFIG_DIR", str(cfg))
    monkeypatch.delenv("REELKIT_PROVENANCE", raising=False)
    pv.configure()
    yield cfg
    pv.configure()


def _flip_inside(path: Path, tag: bytes, dst: Path) -> Path:
    data = bytearray(path.read_bytes())
    i = data.find(tag)
    assert i > 0, tag
    data[i + 24] ^= 0x5A
    dst.write_bytes(data)
    return dst


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_graded_video_carries_verified_manifest_with_ingredient_and_actions(tmp_path: Path) -> None:
    from reelkit.color.lut import GradedRange
    from reelkit.render.grade import render_graded

    src = make_video(tmp_path / "src.mp4", frames=12, audio_rate=48000)
    out = tmp_path / "graded.mp4"
    render_graded(src, out, [GradedRange(0, 11, identity_lut(5))])
    rep = pv.verify(out)
    assert rep.status == "valid" and rep.kind == "c2pa" and not rep.trusted
    assert rep.signer["local"] and any("trust list" in n for n in rep.notes)
    assert [a["action"] for a in rep.actions] == ["c2pa.opened", "c2pa.color_adjustments"]
    assert rep.ingredients[0]["title"] == "src.mp4" and rep.ingredients[0]["relationship"] == "parentOf"
    assert rep.ingredients[0]["sha256"] == _sha(src)
    assert sum(1 for _ in read_frames(out)) == 12  # the manifest does not disturb decoding
    # the local key was created at first use in the config folder, private
    bundle = Path(pv.config_dir()) / "provenance" / "local-signer.pem"
    assert bundle.is_file() and (bundle.stat().st_mode & 0o077) == 0


def test_tampered_video_is_reported_by_the_cli(tmp_path: Path, reel, _isolated_config: Path) -> None:
    from reelkit.color.lut import GradedRange
    from reelkit.render.grade import render_graded

    src = make_video(tmp_path / "src.mp4", frames=10)
    out = tmp_path / "graded.mp4"
    render_graded(src, out, [GradedRange(0, 9, identity_lut(5))])
    env = {"REELKIT_CONFIG_DIR": str(_isolated_config)}
    ok = reel("provenance", str(out), "-f", "json", env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["status"] == "valid"
    bad = _flip_inside(out, b"mdat", tmp_path / "tampered.mp4")
    res = reel("provenance", str(bad), env=env)
    assert res.returncode == 1 and "TAMPERED" in res.stdout and "mismatch" in res.stdout
    res = reel("provenance", str(bad), "-f", "json", env=env)
    d = json.loads(res.stdout)
    assert d["status"] == "tampered" and d["failures"]


def test_wav_and_stills_are_signed_and_still_decode(tmp_path: Path) -> None:
    from reelkit.color.imageio import load_image, save_image

    x = (np.sin(np.arange(4800) / 10) * 0.3).astype(np.float32)[None].repeat(2, 0)
    wav = write_wav(tmp_path / "tone.wav", x, 48000)
    assert pv.verify(wav).status == "valid"
    back = read_audio(wav)
    assert back.samples.shape == x.shape and np.abs(back.samples - x).max() < 1e-3
    img = np.random.default_rng(0).random((24, 32, 3))
    for name in ("still.png", "still.jpg", "still.tif"):
        p = save_image(tmp_path / name, img) or tmp_path / name
        assert pv.verify(p).status == "valid", name
        assert load_image(p).rgb.shape == (24, 32, 3)
    bad = _flip_inside(tmp_path / "still.png", b"IDAT", tmp_path / "bad.png")
    assert pv.verify(bad).status == "tampered"
    bad = _flip_inside(wav, b"data", tmp_path / "bad.wav")
    assert pv.verify(bad).status == "tampered"


def test_lut_gets_signed_sidecar_and_tampering_is_caught(tmp_path: Path) -> None:
    cube = tmp_path / "look.cube"
    pv.declare(cube, sources=[PAIR / "middlebury2014_motorcycle_left.png"], actions=[pv.Action("colour", "look")])
    write_cube(identity_lut(5), cube)
    rep = pv.verify(cube)
    assert rep.status == "valid" and rep.kind == "sidecar"
    assert rep.ingredients[0]["sha256"] == _sha(PAIR / "middlebury2014_motorcycle_left.png")
    cube.write_text(cube.read_text().replace("0.000000", "0.000100", 1))
    rep = pv.verify(cube)
    assert rep.status == "tampered" and any("content hash" in f for f in rep.failures)
    side = pv.sidecar_path(cube)
    d = json.loads(side.read_text())
    d["manifest"]["title"] = "forged"
    side.write_text(json.dumps(d))
    assert any("signature" in f for f in pv.verify(cube).failures)


def test_timeline_export_sidecar_lists_media(tmp_path: Path) -> None:
    import opentimelineio as otio

    from reelkit.timeline import export_timeline

    src = make_video(tmp_path / "clip.mp4", frames=10)
    tl = otio.schema.Timeline(name="t")
    tr = otio.schema.Track()
    tl.tracks.append(tr)
    rate = 25
    tr.append(otio.schema.Clip(name="c", media_reference=otio.schema.ExternalReference(target_url=src.as_uri()),
                               source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                                                    otio.opentime.RationalTime(5, rate))))
    out = export_timeline(tl, tmp_path / "cut.otio", "otio")
    rep = pv.verify(out)
    assert rep.status == "valid" and rep.kind == "sidecar"
    assert rep.ingredients[0]["title"] == "clip.mp4" and rep.ingredients[0]["sha256"] == _sha(src)
    assert otio.adapters.read_from_file(str(out)).name == "t"  # the timeline itself is untouched


def test_no_provenance_and_missing_key_and_bad_bundle(tmp_path: Path, reel, _isolated_config: Path) -> None:
    src = PAIR / "middlebury2014_motorcycle_left.png"
    lut = LUTS / "colour_science_iridas_cube" / "Colour_Correct.cube"
    env = {"REELKIT_CONFIG_DIR": str(_isolated_config)}
    res = reel("--no-provenance", "grade", "apply", str(src), "--lut", str(lut), "--render",
               str(tmp_path / "plain.png"), env=env)
    assert res.returncode == 0, res.stderr
    assert pv.verify(tmp_path / "plain.png").status == "missing"
    # a key that does not exist: one clear line, exit 2, nothing written
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    res = reel("--sign-cert", str(cert), "--sign-key", str(tmp_path / "missing.pem"), "grade", "apply", str(src),
               "--lut", str(lut), "--render", str(tmp_path / "never.png"), env=env)
    assert res.returncode == 2 and "missing.pem" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "never.png").exists()
    res = reel("--sign-key", str(cert), "grade", "apply", str(src), "--lut", str(lut), "--render",
               str(tmp_path / "never.png"), env=env)
    assert res.returncode == 2 and "go together" in res.stderr
    # the local bundle lost its key: a clear error that says how to recover, no half-written output
    bundle = _isolated_config / "provenance" / "local-signer.pem"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    res = reel("grade", "apply", str(src), "--lut", str(lut), "--render", str(tmp_path / "never.png"), env=env)
    assert res.returncode == 2 and "delete it" in res.stderr and not (tmp_path / "never.png").exists()
    assert not list(tmp_path.glob(".*partial*"))


def _user_chain(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Post House")])

    now = datetime.datetime.now(datetime.UTC)
    ku = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False,
              encipher_only=False, decipher_only=False)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = name("Test Post House CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **ku), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA384()))
    key = ec.generate_private_key(ec.SECP384R1())
    leaf = (x509.CertificateBuilder().subject_name(name("Colourist Workstation 7")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **ku),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA384()))
    cert = tmp_path / "user_chain.pem"
    cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM))
    kp = tmp_path / "user_key.pem"
    kp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    return cert, kp


def test_user_certificate_signs_and_is_reported(tmp_path: Path, reel, _isolated_config: Path) -> None:
    cert, key = _user_chain(tmp_path)
    src = PAIR / "middlebury2014_motorcycle_left.png"
    lut = LUTS / "colour_science_iridas_cube" / "Colour_Correct.cube"
    env = {"REELKIT_CONFIG_DIR": str(_isolated_config)}
    out = tmp_path / "graded.jpg"
    res = reel("--sign-cert", str(cert), "--sign-key", str(key), "grade", "apply", str(src), "--lut", str(lut),
               "--render", str(out), env=env)
    assert res.returncode == 0, res.stderr
    res = reel("provenance", str(out), "-f", "json", env=env)
    d = json.loads(res.stdout)
    assert res.returncode == 0 and d["status"] == "valid"
    assert d["signer"]["common_name"] == "Colourist Workstation 7" and not d["signer"]["local"]
    assert d["signer"]["alg"].lower() == "es384"
    assert [a["action"] for a in d["actions"]] == ["c2pa.opened", "c2pa.color_adjustments"]
    assert d["ingredients"][0]["sha256"] == _sha(src)
    assert not (_isolated_config / "provenance").exists()  # the local key was never needed


def test_generated_and_composite_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelkit.media import MediaWriter

    # signing never opens a network connection (no timestamp authority is configured)
    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("network access during signing")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    a, b = make_video(tmp_path / "a.mp4", frames=5), make_video(tmp_path / "b.mp4", frames=5)
    out = tmp_path / "gen.mp4"
    pv.declare(out, actions=[pv.Action("generated", "storyboard animatic", source_type="algorithmic"),
                             pv.Action("captions", "dialogue burned in")])
    with MediaWriter(out, width=64, height=48, rate=25) as w:
        w.write_video(np.zeros((48, 64, 3), np.uint8))
    rep = pv.verify(out)
    assert rep.status == "valid"
    assert rep.actions[0]["action"] == "c2pa.created"
    assert rep.actions[0]["digitalSourceType"].endswith("/algorithmicMedia")
    out2 = tmp_path / "comp.mp4"
    pv.declare(out2, sources=[a, b], actions=[pv.Action("cut", "assembly")])
    with MediaWriter(out2, width=64, height=48, rate=25) as w:
        w.write_video(np.zeros((48, 64, 3), np.uint8))
    rep = pv.verify(out2)
    assert [x["action"] for x in rep.actions] == ["c2pa.created", "c2pa.placed", "c2pa.placed", "c2pa.edited"]
    assert rep.actions[0]["digitalSourceType"].endswith("/composite")
    assert {i["relationship"] for i in rep.ingredients} == {"componentOf"}


def test_file_c2pa_cannot_embed_into_keeps_the_render_and_gets_a_sidecar(tmp_path: Path) -> None:
    from reelkit.fileio import write_bytes

    p = write_bytes(tmp_path / "odd.png", b"not really a PNG")  # c2pa cannot parse it
    assert p.read_bytes() == b"not really a PNG"
    rep = pv.verify(p)
    assert rep.status == "valid" and rep.kind == "sidecar"
    p.write_bytes(b"not really a PNG, changed")
    assert pv.verify(p).status == "tampered"
