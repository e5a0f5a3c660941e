"""3-D LUTs: the shared colour-science .cube files (known meaning) as the parser's and interpolator's suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.color.lut import Lut, bake, bake_verified, cube_text, read_cube, verify_lut, write_cube
from reelkit.color.spaces import decode, encode
from reelkit.errors import LutError, MediaNotFoundError, OutputExistsError, UsageError

FLAVOURS = ("iridas", "resolve")
RNG = np.random.default_rng(0)
X = RNG.random((4000, 3))


def lut_path(shared_data: Path, flavour: str, name: str) -> Path:
    return shared_data / "color" / "luts" / f"colour_science_{flavour}_cube" / f"{name}.cube"


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_unit_is_identity(shared_data: Path, flavour: str, interp: str) -> None:
    lut = read_cube(lut_path(shared_data, flavour, "Unit"))
    assert lut.size == 4 and lut.shaper is None
    np.testing.assert_allclose(lut.apply(X, interpolation=interp), X, atol=1e-6)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_per_channel_gains(shared_data: Path, flavour: str) -> None:
    lut = read_cube(lut_path(shared_data, flavour, "RGB_1_0.5_0.25"))
    for interp in ("tetrahedral", "trilinear"):
        np.testing.assert_allclose(lut.apply(X, interpolation=interp), X * [1, 0.5, 0.25], atol=1e-6)
    # uint8 input is scaled to [0, 1]
    np.testing.assert_allclose(lut.apply(np.array([[255, 255, 255]], np.uint8)), [[1, 0.5, 0.25]], atol=1e-6)


def _eotf_expected(lut: Lut, x: np.ndarray) -> np.ndarray:
    """A separable per-channel table: tetrahedral interpolation = 1-D linear interpolation of the samples."""
    d, s = lut.cube_domain, lut.size
    assert s is not None
    out = np.empty_like(x)
    for c in range(3):
        knots = np.linspace(d[0, c], d[1, c], s)
        out[:, c] = np.interp(np.clip(x[:, c], d[0, c], d[1, c]), knots, decode(knots))
    return out


def test_srgb_eotf_iridas_on_a_non_unit_domain(shared_data: Path) -> None:
    lut = read_cube(lut_path(shared_data, "iridas", "eotf_sRGB_3D"))
    np.testing.assert_allclose(lut.cube_domain, [[-0.1, -0.15, -0.2], [1.5, 2.0, 3.0]])
    assert lut.size == 8
    # every lattice node holds the sRGB EOTF of its coordinate
    axes = [np.linspace(lut.cube_domain[0, c], lut.cube_domain[1, c], 8) for c in range(3)]
    nodes = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    np.testing.assert_allclose(lut.apply(nodes), decode(nodes), atol=2e-6)
    xs = lut.cube_domain[0] + X * (lut.cube_domain[1] - lut.cube_domain[0])
    np.testing.assert_allclose(lut.apply(xs), _eotf_expected(lut, xs), atol=2e-6)
    np.testing.assert_allclose(lut.apply(xs, interpolation="trilinear"), _eotf_expected(lut, xs), atol=2e-6)
    # outside the domain the input is clamped
    np.testing.assert_allclose(lut.apply(np.array([[9.0, 9.0, 9.0]])), [decode(np.array([1.5, 2.0, 3.0]))],
                               atol=2e-6)


def test_srgb_eotf_resolve_input_range(shared_data: Path) -> None:
    lut = read_cube(lut_path(shared_data, "resolve", "eotf_sRGB_3D"))
    np.testing.assert_allclose(lut.cube_domain, [[-1, -1, -1], [3, 3, 3]])
    xs = -1 + 4 * X
    np.testing.assert_allclose(lut.apply(xs), _eotf_expected(lut, xs), atol=2e-6)


def test_demo_1d_domains(shared_data: Path) -> None:
    iridas = read_cube(lut_path(shared_data, "iridas", "Demo"))
    assert iridas.cube is None and iridas.shaper is not None and iridas.comments == ("Comments can go anywhere",)
    np.testing.assert_allclose(iridas.shaper_domain, [[0, 0, 0], [1, 2, 3]])
    np.testing.assert_allclose(iridas.apply(np.array([[0.5, 1.0, 1.5], [1, 2, 3], [0.25, 0.5, 0.75]])),
                               [[0.5, 1.0, 1.5], [1, 1, 1], [0.25, 0.5, 0.75]], atol=1e-9)
    resolve = read_cube(lut_path(shared_data, "resolve", "Demo"))
    np.testing.assert_allclose(resolve.shaper_domain, [[0, 0, 0], [3, 3, 3]])
    np.testing.assert_allclose(resolve.apply(np.array([[1.5, 0.75, 3.0]])), [[1.5, 0.75, 3.0]], atol=1e-9)


def test_hand_table_nodes(shared_data: Path) -> None:
    for flavour in FLAVOURS:
        lut = read_cube(lut_path(shared_data, flavour, "Three_Dimensional_Table"))
        assert lut.size == 2
        # rows are red-fastest: row 2 is (r=0, g=1, b=0), row 4 is (r=0, g=0, b=1)
        np.testing.assert_allclose(lut.apply(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], float)),
                                   [[0, 0.75, 0], [0, 0.25, 1], [1, 1, 1]])


def test_colour_correct_same_in_both_flavours(shared_data: Path) -> None:
    a = read_cube(lut_path(shared_data, "iridas", "Colour_Correct"))
    b = read_cube(lut_path(shared_data, "resolve", "Colour_Correct"))
    np.testing.assert_array_equal(a.cube, b.cube)
    assert a.cube is not None
    np.testing.assert_allclose(a.apply(np.array([[1 / 3, 0, 0]])), [a.cube[1, 0, 0]], atol=1e-12)
    np.testing.assert_allclose(a.cube[1, 0, 0], [0.398947, -0.017706, -0.017706])


def test_shaper_plus_cube(shared_data: Path) -> None:
    from scipy.interpolate import RegularGridInterpolator

    lut = read_cube(lut_path(shared_data, "resolve", "Three_Dimensional_Table_With_Shaper"))
    assert lut.shaper is not None and lut.shaper.shape == (10, 3) and lut.size == 3
    assert lut.cube is not None
    np.testing.assert_allclose(lut.shaper_domain, [[-0.1] * 3, [3.0] * 3])
    np.testing.assert_allclose(lut.cube_domain, [[-0.1] * 3, [3.0] * 3])
    # independent evaluation: shaper by np.interp, then scipy's trilinear grid interpolation
    xs = -0.1 + 3.1 * X
    knots = np.linspace(-0.1, 3.0, 10)
    shaped = np.stack([np.interp(xs[:, c], knots, lut.shaper[:, c]) for c in range(3)], -1)
    axis = np.linspace(-0.1, 3.0, 3)
    expected = np.stack([RegularGridInterpolator((axis, axis, axis), lut.cube[..., c])(np.clip(shaped, -0.1, 3.0))
                         for c in range(3)], -1)
    np.testing.assert_allclose(lut.apply(xs, interpolation="trilinear"), expected, atol=1e-9)
    assert np.all(np.isfinite(lut.apply(xs)))


def test_logc_to_rec709_shaper_and_cube(shared_data: Path) -> None:
    lut = read_cube(lut_path(shared_data, "resolve", "LogC_Video"))
    assert lut.shaper is not None and lut.shaper.shape == (16, 3) and lut.size == 4
    assert lut.title == "AlexaV3 K1S1 LogC to Video Rec709"
    grey = np.repeat(np.linspace(0, 1, 101)[:, None], 3, 1)
    out = lut.apply(grey)
    assert np.all(np.diff(out[:, 1]) >= -1e-9)  # tone curve is monotone on the grey axis
    np.testing.assert_allclose(out[0], [0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(out[-1], [1, 1, 1], atol=1e-6)
    # LogC 18 % grey (code 0.391) lands in the Rec.709 mid-tones
    mid = lut.apply(np.array([[0.391, 0.391, 0.391]]))[0]
    assert 0.35 < mid[1] < 0.55 and np.ptp(mid) < 0.02


@pytest.mark.parametrize("name,flavours", [
    ("Unit", FLAVOURS), ("RGB_1_0.5_0.25", FLAVOURS), ("Colour_Correct", FLAVOURS), ("eotf_sRGB_3D", ("iridas",)),
    ("Demo", FLAVOURS), ("ACES_Proxy_10_to_ACES", FLAVOURS), ("Three_Dimensional_Table_With_Shaper", ("resolve",)),
    ("LogC_Video", ("resolve",)),
])
def test_round_trip(shared_data: Path, tmp_path: Path, name: str, flavours: tuple[str, ...]) -> None:
    src_flavour = "resolve" if (lut_path(shared_data, "resolve", name)).exists() else "iridas"
    lut = read_cube(lut_path(shared_data, src_flavour, name))
    for flavour in flavours:
        out = write_cube(lut, tmp_path / f"{name}.{flavour}.cube", flavour=flavour)  # type: ignore[arg-type]
        back = read_cube(out)
        for a, b in ((lut.cube, back.cube), (lut.shaper, back.shaper)):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, atol=6e-7)
        np.testing.assert_allclose(back.cube_domain, lut.cube_domain, atol=6e-7)
        np.testing.assert_allclose(back.shaper_domain, lut.shaper_domain, atol=6e-7)
        assert back.title == lut.title


def test_flavour_limits(shared_data: Path, tmp_path: Path) -> None:
    shaper = read_cube(lut_path(shared_data, "resolve", "LogC_Video"))
    with pytest.raises(UsageError, match="Resolve flavour"):
        cube_text(shaper, flavour="iridas")
    per_channel = read_cube(lut_path(shared_data, "iridas", "eotf_sRGB_3D"))
    with pytest.raises(UsageError, match="IRIDAS"):
        cube_text(per_channel, flavour="resolve")
    target = tmp_path / "x.cube"
    target.write_text("keep me")
    with pytest.raises(OutputExistsError):
        write_cube(per_channel, target, flavour="iridas")
    assert target.read_text() == "keep me"


BAD = {
    "no_header": ("TITLE \"x\"\n0 0 0\n1 1 1\n", "no LUT_1D_SIZE or LUT_3D_SIZE"),
    "too_few_rows": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, "7 rows but LUT_3D_SIZE 2 needs 8"),
    "too_many_rows": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 9, "9 rows"),
    "nan": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 3 + "nan 0 0\n" + "0 0 0\n" * 4, "NaN"),
    "inf": ("LUT_1D_SIZE 2\n0 0 0\n1 inf 1\n", "NaN or infinite"),
    "two_columns": ("LUT_3D_SIZE 2\n" + "0 0\n" * 8, "unknown .cube keyword or malformed row"),
    "text_in_table": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 4 + "a b c\n" + "0 0 0\n" * 3, "expected a table row"),
    "size_out_of_range": ("LUT_3D_SIZE 1\n0 0 0\n", "out of range"),
    "huge_size": ("LUT_3D_SIZE 100000\n0 0 0\n", "out of range"),
    "bad_domain": ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 0 1\n" + "0 0 0\n" * 8, "maximum must exceed"),
    "domain_half": ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\n" + "0 0 0\n" * 8, "together"),
    "binary": (b"\xff\xfe\x00\x01garbage", "not a text"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_lut_files(tmp_path: Path, case: str) -> None:
    body, message = BAD[case]
    p = tmp_path / f"{case}.cube"
    if isinstance(body, bytes):
        p.write_bytes(body)
    else:
        p.write_text(body)
    with pytest.raises(LutError, match=message):
        read_cube(p)


def test_missing_and_empty_lut(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError):
        read_cube(tmp_path / "nope.cube")
    (tmp_path / "empty.cube").write_text("")
    with pytest.raises(MediaNotFoundError, match="empty"):
        read_cube(tmp_path / "empty.cube")


def test_lut_object_validation() -> None:
    with pytest.raises(LutError, match="NaN"):
        Lut(cube=np.full((2, 2, 2, 3), np.nan))
    with pytest.raises(LutError, match="S, S, S, 3"):
        Lut(cube=np.zeros((2, 3, 2, 3)))


def test_tetrahedral_and_trilinear_exact_on_nodes_and_affine_maps() -> None:
    m = np.array([[0.9, 0.1, 0.0], [0.05, 0.8, 0.15], [0.0, 0.2, 0.7]])
    lut = bake(lambda x: x @ m.T + 0.02, size=5)
    for interp in ("tetrahedral", "trilinear"):
        np.testing.assert_allclose(lut.apply(X, interpolation=interp), X @ m.T + 0.02, atol=1e-12)
    curve = bake(lambda x: x**2, size=9)
    nodes = np.stack(np.meshgrid(*[np.linspace(0, 1, 9)] * 3, indexing="ij"), -1).reshape(-1, 3)
    for interp in ("tetrahedral", "trilinear"):
        np.testing.assert_allclose(curve.apply(nodes, interpolation=interp), nodes**2, atol=1e-12)
    # between the nodes they differ, both close to the function
    t, tr = curve.apply(X), curve.apply(X, interpolation="trilinear")
    assert np.abs(t - X**2).max() < 0.01 and np.abs(tr - X**2).max() < 0.01


def test_bake_verified_picks_a_size_within_one_code() -> None:
    m = np.array([[1.1, -0.05, -0.05], [-0.05, 1.1, -0.05], [-0.05, -0.05, 1.1]])

    def look(x: np.ndarray) -> np.ndarray:  # white balance in linear light, a matrix, an S-curve
        y = encode(decode(x) * [1.15, 1.0, 0.85]) @ m.T
        return y + 0.35 * y * (1 - y) * (y - 0.5) * 4

    lut, err = bake_verified(look, sizes=(9, 33, 65))
    assert err <= 1 / 255 and lut.size in (33, 65)
    assert verify_lut(lut, look) == pytest.approx(err)
    assert verify_lut(bake(look, size=9), look) > 1 / 255  # the check can fail
