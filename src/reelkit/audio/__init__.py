"""Audio finishing: BS.1770-4 / EBU R128 metering, loudness normalisation, speech cleanup.

>>> from reelkit.audio import measure_file
>>> r = measure_file("clip.mp4")          # doctest: +SKIP
>>> r.integrated_lufs, r.true_peak_dbtp   # doctest: +SKIP
"""

from reelkit.audio.meter import (
    LoudnessMeter,
    LoudnessResult,
    TruePeakMeter,
    channel_weights,
    k_weighting_sos,
    measure,
    measure_file,
    true_peak,
)

__all__ = [
    "LoudnessMeter",
    "LoudnessResult",
    "TruePeakMeter",
    "channel_weights",
    "k_weighting_sos",
    "measure",
    "measure_file",
    "true_peak",
]
