"""Analysis: structure, dialogue share, VADER arc, balance, HTML report with plots."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from PIL import Image

from reelkit.script import load_screenplay, parse_fountain
from reelkit.script.analyze import analysis_html, analysis_plots, analyze
from reelkit.script.io import sample_script_path


def test_sample_analysis() -> None:
    an = analyze(load_screenplay(sample_script_path()))
    d = an.to_dict()
    assert d["scene_count"] == 8 and d["page_count"] == an.page_count
    assert d["structure"]["source"] == "sections"
    assert [a["start_scene"] for a in d["structure"]["acts"]] == ["1", "6"]
    # by page position: act II starts with the first scene at or after 25 % of the length, act III at 75 %
    by_page = d["structure"]["acts_by_page_position"]
    assert [a["act"] for a in by_page] == [1, 2, 3]
    cum, starts = 0, {}
    for r in d["scenes"]:
        for frac, act in ((0.25, 2), (0.75, 3)):
            if act not in starts and cum / d["length_eighths"] >= frac:
                starts[act] = r["number"]
        cum += r["eighths"]
    assert [by_page[1]["start_scene"], by_page[2]["start_scene"]] == [starts[2], starts[3]]
    shares = {c["name"]: c["share"] for c in d["characters"]}
    assert set(shares) == {"LEO", "MAYA", "ARTHUR", "COLLECTOR"}
    assert abs(sum(shares.values()) - 1) < 1e-3
    assert 0 < d["dialogue_ratio"] < 1
    assert d["words"]["dialogue"] == sum(c["words"] for c in d["characters"])
    assert d["reading_time_min"] > 0 and d["screen_time_s"] == an.screen_time_s


def test_sentiment_follows_the_text() -> None:
    sp = parse_fountain("INT. A - DAY\n\nBOB\nI love this. It is wonderful, great and beautiful!\n\n"
                        "INT. B - NIGHT\n\nBOB\nI hate this. It is terrible, awful and horrible.\n\n"
                        "INT. C - DAY\n\nBob sits.\n\nINT. D - DAY\n\nBob stands.\n")
    an = analyze(sp)
    s = [r["sentiment"] for r in an.scenes]
    assert s[0] > 0.5 and s[1] < -0.5 and s[2] == 0
    assert an.act_source == "page position"
    assert [a["act"] for a in an.acts] == [1, 2, 3] and an.acts[0]["start_scene"] == "1"
    starts = [a["start_scene_index"] for a in an.acts]
    assert starts == sorted(set(starts))


def test_html_report_embeds_valid_pngs() -> None:
    an = analyze(load_screenplay(sample_script_path()))
    plots = analysis_plots(an)
    assert set(plots) == {"scene_lengths", "emotional_arc", "dialogue_share", "balance"}
    for png in plots.values():
        img = Image.open(io.BytesIO(png))
        assert img.format == "PNG" and img.size[0] > 300
        # something was drawn: not a blank canvas
        assert len(np.unique(np.asarray(img.convert("L")))) > 10
    html = analysis_html(an)
    embedded = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert len(embedded) == 4
    Image.open(io.BytesIO(base64.b64decode(embedded[1]))).verify()
    assert "Dialogue share" in html and "LEO" in html


def test_no_scene_headings() -> None:
    an = analyze(parse_fountain("Just action.\n\nBOB\nHello there.\n"))
    assert an.scenes == () and an.words["dialogue"] == 2 and an.characters[0]["name"] == "BOB"
