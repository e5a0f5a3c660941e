"""Sentence helpers shared by cutdowns, highlights and assembly."""

from __future__ import annotations

import numpy as np


def test_tfidf_weighs_rare_content_words() -> None:
    from reelkit.edit.sentences import content_words, tfidf

    assert content_words("The pendulum swings, and it is back!") == ["pendulum", "swings", "back"]
    w = tfidf(["the pendulum swings", "the pendulum stops", "energy is conserved"])
    assert w.shape == (3, 5) and np.all(w >= 0)
    vocab = sorted({"pendulum", "swings", "stops", "energy", "conserved"})
    # "pendulum" is in two of three texts: it weighs less than "swings", which is in one
    assert w[0, vocab.index("swings")] > w[0, vocab.index("pendulum")] > 0
    assert tfidf(["a the of", "and or"]).shape == (2, 1)
