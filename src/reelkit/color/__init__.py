"""Colour: perceptual spaces and CIEDE2000, colour transfer (MKL, histogram, N-d PDF, skin-keeping
composite), automatic balance, shot-to-shot consistency, and 3-D LUTs (.cube read/write/apply/bake).

>>> from reelkit.color import match, pixel_sample, read_cube            # doctest: +SKIP
>>> res = match(pixel_sample([src]), pixel_sample([ref]))              # doctest: +SKIP
>>> lut, err = res.grade.to_lut()                                      # doctest: +SKIP
"""

from reelkit.color.balance import BALANCE_METHODS, BalanceResult, auto_balance
from reelkit.color.grade import Grade, apply_grade_image
from reelkit.color.lut import Lut, bake, bake_verified, identity_lut, read_cube, verify_lut, write_cube
from reelkit.color.spaces import delta_e_2000, lab_to_rgb, rgb_to_lab, rgb_to_oklab
from reelkit.color.transfer import METHODS, MatchResult, match, pixel_sample

__all__ = [
    "BALANCE_METHODS",
    "METHODS",
    "BalanceResult",
    "Grade",
    "Lut",
    "MatchResult",
    "apply_grade_image",
    "auto_balance",
    "bake",
    "bake_verified",
    "delta_e_2000",
    "identity_lut",
    "lab_to_rgb",
    "match",
    "pixel_sample",
    "read_cube",
    "rgb_to_lab",
    "rgb_to_oklab",
    "verify_lut",
    "write_cube",
]
