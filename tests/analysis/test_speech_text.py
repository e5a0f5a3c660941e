"""Transcript model round trip and the editable text format (deletions map back to word indices)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelkit.analysis.speech import Segment, Transcript, Word, diff_text, segment_word_ranges, transcript_to_text
from reelkit.errors import InputFormatError

SR = 16000


def _transcript(lines: list[list[str]], gap: int = 8000, word: int = 4000) -> Transcript:
    words, segs, t = [], [], 0
    for line in lines:
        s0 = t
        for w in line:
            words.append(Word(w, t, t + word - 800, 0.9, w in ("um", "uh")))
            t += word
        segs.append(Segment(s0, t - 800, " ".join(line)))
        t += gap
    return Transcript("talk.mp4", "en", "test", SR, words, segs)


T = _transcript([["and", "so", "my", "fellow", "Americans,"], ["ask", "not", "what", "your", "country"],
                 ["so", "my", "word", "word", "word"], ["ask", "not", "um", "what"]])


def test_to_dict_schema_and_round_trip() -> None:
    d = T.to_dict()
    assert list(d) == ["media", "language", "backend", "words", "segments"]
    # the original fields keep their names and order; later issues add fields after them
    assert list(d["words"][0])[:5] == ["text", "start", "end", "confidence", "filler"]
    assert list(d["segments"][0]) == ["start", "end", "text", "speaker"]
    assert d["words"][1]["start"] == 0.25 and d["segments"][0]["speaker"] is None
    back = Transcript.from_dict(json.loads(json.dumps(d)), sample_rate=SR)
    assert back.words == T.words and back.segments == T.segments


def test_from_dict_rejects_garbage() -> None:
    with pytest.raises(InputFormatError):
        Transcript.from_dict([1, 2])
    with pytest.raises(InputFormatError, match=r"words\[0\]"):
        Transcript.from_dict({"words": [{"text": "a", "start": -1, "end": 1}]})
    with pytest.raises(InputFormatError, match="ends before"):
        Transcript.from_dict({"words": [{"text": "a", "start": 2, "end": 1}]})


def test_text_has_one_tagged_line_per_segment() -> None:
    text = transcript_to_text(T)
    lines = text.splitlines()
    assert lines[0].startswith("# reelkit transcript of talk.mp4")
    assert lines[1] == "[00:00.00] and so my fellow Americans,"
    assert lines[2].startswith("[00:01.75] ask not")  # 5 words × 0.25 s + 0.5 s gap
    assert len(lines) == 5
    assert diff_text(T, text) == []


def test_deleting_words_and_lines() -> None:
    lines = transcript_to_text(T).splitlines()
    lines[1] = lines[1].replace(" so my", "")          # words 1, 2
    del lines[2]                                       # whole segment: words 5..9
    lines[-1] = lines[-1].replace(" um", "")           # word 17
    assert diff_text(T, "\n".join(lines)) == [1, 2, 5, 6, 7, 8, 9, 17]


def test_tags_disambiguate_repeated_phrases() -> None:
    # "ask not" occurs in segments 1 and 3: deleting all of segment 1 except its tag must not steal
    # the words of segment 3.
    lines = transcript_to_text(T).splitlines()
    tag1 = lines[2].split()[0]
    lines[2] = tag1
    assert diff_text(T, "\n".join(lines)) == [5, 6, 7, 8, 9]


def test_joined_lines_case_and_punctuation_are_tolerated() -> None:
    text = "AND SO MY FELLOW AMERICANS ask NOT what, your country!\n\n" \
           "[00:03.50] so my word word word\n[00:05.25] ask not um what\n"
    assert diff_text(T, text) == []


def test_changed_word_points_at_line() -> None:
    lines = transcript_to_text(T).splitlines()
    lines[2] = lines[2].replace("country", "county")
    with pytest.raises(InputFormatError, match=r"line 3: found 'county' but expected .*'country'"):
        diff_text(T, "\n".join(lines))


def test_inserted_and_reordered_words_are_errors() -> None:
    lines = transcript_to_text(T).splitlines()
    with pytest.raises(InputFormatError, match="line 2: found 'very'"):
        diff_text(T, "\n".join([lines[0], lines[1].replace("my", "my very"), *lines[2:]]))
    with pytest.raises(InputFormatError, match="line 3"):
        diff_text(T, "\n".join([lines[0], lines[1], "[00:01.75] not ask what your country", *lines[3:]]))


def test_unknown_or_reordered_tag_is_an_error() -> None:
    lines = transcript_to_text(T).splitlines()
    with pytest.raises(InputFormatError, match=r"line 2: time tag \[00:09.99\]"):
        diff_text(T, "\n".join([lines[0], "[00:09.99] and so", *lines[2:]]))
    with pytest.raises(InputFormatError, match="line 3: time tag"):
        diff_text(T, "\n".join([lines[0], lines[2], lines[1]]))


def test_word_ranges_cover_every_word_once() -> None:
    ranges = segment_word_ranges(T)
    assert ranges == [(0, 5), (5, 10), (10, 15), (15, 19)]
    empty = Transcript("x", "en", "t", SR, [Word("a", 0, 10)], [])
    assert segment_word_ranges(empty) == [(0, 1)]
    assert transcript_to_text(empty, header=False) == "[00:00.00] a\n"
    assert diff_text(empty, "") == [0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=19, max_size=19), st.booleans())
def test_any_deletion_maps_back_exactly(delete: list[bool], drop_empty_lines: bool) -> None:
    ranges = segment_word_ranges(T)
    out = []
    for seg, (i, j) in zip(T.segments, ranges, strict=True):
        kept = [T.words[n].text for n in range(i, j) if not delete[n]]
        if kept or not drop_empty_lines:
            tag = transcript_to_text(Transcript("x", "en", "t", SR, [T.words[i]], [seg]), header=False).split()[0]
            out.append(" ".join([tag, *kept]))
    expected = [n for n, d in enumerate(delete) if d]
    got = diff_text(T, "\n".join(out))
    # identical adjacent words ("word word word") are interchangeable: compare what text remains
    assert [T.words[n].text for n in got] == [T.words[n].text for n in expected]
    runs = {10 + k for k in (2, 3, 4)}
    assert [n for n in got if n not in runs] == [n for n in expected if n not in runs]
