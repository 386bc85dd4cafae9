"""Lexical support of aligned pairs, and the same-language decision that needs it.

The texts are fiction written for these tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reprint_check.semantic.align import ChainRule, align
from reprint_check.semantic.lexical import content_words, support

ARTICLE = [
    "The harbour ferry Marigold sank near Tollan reef on 4 May.",
    "The harbour board blamed the ferry captain, Edda Brandt.",
    "Divers from Kessel recovered the ship's bell in June.",
    "The harbour reopened to traffic on Friday.",
]
# A rewrite: other words, but the article's names, numbers and terms of each sentence.
REWRITE = [
    "On 4 May the Marigold, a harbour ferry, went down by Tollan reef.",
    "Captain Edda Brandt was held to blame by the harbour board.",
    "In June, divers out of Kessel brought up the bell of the ship.",
    "Traffic returned to the harbour on Friday.",
]
# An independent text on the same subject: the topic's words, none of the article's specifics.
INDEPENDENT = [
    "Harbour ferries often sink when storms drive them onto reefs.",
    "Afterwards a harbour board usually looks for someone to blame.",
    "Divers then search wrecks for anything worth recovering.",
    "Most harbours reopen within days.",
]
# The judge's cosines are alike for both pages: each page sentence with its own article one.
COSINES = np.array(
    [
        [0.93, 0.80, 0.70, 0.75],
        [0.78, 0.92, 0.70, 0.74],
        [0.70, 0.71, 0.91, 0.72],
        [0.76, 0.74, 0.70, 0.92],
    ],
    dtype=np.float32,
)
SAME_LANGUAGE = ChainRule(base=0.86, min_score=12.0, extend=0.84, lexical=0.2)
WEIGHTS = [80, 80, 80, 80]


def test_content_words_are_lower_cased_words_of_four_letters_or_with_a_digit() -> None:
    assert content_words("The 3 ferries of Port Ellis sailed at 6am, on time.") == {
        "3",
        "ferries",
        "port",
        "ellis",
        "sailed",
        "6am",
        "time",
    }


def test_support_weighs_shared_words_by_how_specific_they_are_to_the_article() -> None:
    article = [
        "The harbour ferry Marigold sank near Tollan reef.",
        "The harbour board blamed the harbour ferry captain.",
        "The harbour reopened on Friday.",
    ]
    page = [
        "Marigold, a harbour ferry, went down by Tollan reef.",
        "Harbour ferries often sink in storms near reefs.",
    ]
    sim = np.array([[0.9, 0.5, 0.5], [0.9, 0.5, 0.5]], dtype=np.float32)
    got = support(page, article, sim, above=0.8)

    def w(df: int) -> float:  # 3 article sentences
        return math.log(4 / (df + 0.5))

    # marigold, tollan, reef (1 sentence), ferry (2), harbour (3) shared; went, down absent
    rewrite = (3 * w(1) + w(2) + w(3)) / (3 * w(1) + w(2) + w(3) + 2 * w(0))
    assert got[0, 0] == pytest.approx(rewrite, abs=1e-6)
    assert round(float(got[0, 0]), 3) == 0.46
    # harbour and near shared, two words: no support (ferries, often, sink... absent)
    assert got[1, 0] == 0.0
    # pairs at or below the threshold are not computed
    assert got[0, 1] == 0.0 and got[1, 2] == 0.0


def test_one_or_two_words_in_common_are_no_support() -> None:
    # Indonesian narrative against unrelated narrative: "tidak" (not) is four letters long
    article = ["Susan tidak bisa menunggu lebih lama lagi.", "Operator itu masuk ke kamar."]
    page = ["Ibu tidak perlu khawatir.", "Susan tidak bisa menunggu.", "Kami tidak bisa pulang."]
    sim = np.full((3, 2), 0.9, dtype=np.float32)
    got = support(page, article, sim, above=0.8)
    assert got[0, 0] == 0.0  # tidak alone
    assert got[2, 0] == 0.0  # tidak, bisa
    assert got[1, 0] > 0.5  # susan, tidak, bisa, menunggu
    assert (got[:, 1] == 0.0).all()


def test_a_same_language_rewrite_is_decided_and_an_independent_text_is_not() -> None:
    rewrite = support(REWRITE, ARTICLE, COSINES, SAME_LANGUAGE.base)
    independent = support(INDEPENDENT, ARTICLE, COSINES, SAME_LANGUAGE.base)
    assert (np.diag(rewrite) >= 0.2).all()
    assert (np.diag(independent) < 0.2).all()

    found = align(COSINES, WEIGHTS, SAME_LANGUAGE, [True] * 4, rewrite)
    assert found is not None
    assert [(p.page, p.source) for p in found.chain] == [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert found.score == pytest.approx(80 * (0.07 + 0.06 + 0.05 + 0.06), abs=1e-4)
    assert align(COSINES, WEIGHTS, SAME_LANGUAGE, [True] * 4, independent) is None
    # on cosines alone (a translation's decision) both would be copies
    assert align(COSINES, WEIGHTS, SAME_LANGUAGE, [True] * 4, None) is not None
    cosines_only = ChainRule(base=0.86, min_score=12.0, extend=0.84)
    assert align(COSINES, WEIGHTS, cosines_only, [True] * 4, independent) is not None


def test_a_sentence_without_lexical_support_still_joins_a_decided_copy() -> None:
    rewrite = support(REWRITE, ARTICLE, COSINES, SAME_LANGUAGE.base)
    weak = rewrite.copy()
    weak[3, 3] = 0.0  # the last sentence worded anew: it may not decide ...
    found = align(COSINES, WEIGHTS, SAME_LANGUAGE, [True] * 4, weak)
    assert found is not None
    assert [p.page for p in found.chain] == [0, 1, 2]
    # ... but it is measured as part of the copy (cosine 0.92 >= extend)
    assert [(p.page, p.source) for p in found.pairs] == [(0, 0), (1, 1), (2, 2), (3, 3)]
