"""Lexical support of aligned sentence pairs: evidence the judge's cosine does not carry.

Two texts in the same language that answer the same narrow question (two
explanations of one concept, two reports of one event) get cosines as high as
a rewrite of one by the other, sentence after sentence and in order. What
tells them apart is which words they share: a writer working from the article
keeps its specific words (names, numbers, the terms of that very sentence:
language models keep them too), while an independent writer shares the
topic's words, which the article uses all over. So a pair's support is the
share of the page sentence's content words found in its article sentence,
each word weighed by how specific it is to that sentence: its inverse
frequency over the article's sentences. A word the article repeats in most
sentences weighs little; a word of that sentence alone, or one the article
lacks, weighs the most.

A pair sharing fewer than three content words has no support: one or two
words in common are chance in any language. Four letters do not make a
content word everywhere (Indonesian "tidak", "not"; "dengan", "with"), and
a short sentence that shares one or two such words with an article sentence
can reach the support a rewrite's pair needs; a rewrite keeps three or more
of its article sentence's words. (On PAN's Indonesian corpus, three
instead of two leaves 79 rewrite passages instead of 104, precision 0.642
instead of 0.541; on Clough one independent answer fewer is flagged; no
rewrite dev copy is lost.)

Only for pages in the article's language: a translation shares few words
with its original whatever its faithfulness.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

__all__ = ["content_words", "support"]

_WORD = re.compile(r"\w+")
# Content words a page sentence and an article sentence must share for any support.
MIN_SHARED_WORDS = 3
# Shorter words are mostly function words in the languages the stage meets;
# numbers of any length are specific.
MIN_CONTENT_CHARS = 4


def content_words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text`` that carry content: 4 letters or more, or a digit."""
    return frozenset(
        w
        for w in _WORD.findall(text.lower())
        if len(w) >= MIN_CONTENT_CHARS or any(ch.isdigit() for ch in w)
    )


def support(
    page_sentences: Sequence[str],
    article_sentences: Sequence[str],
    sim: np.ndarray,
    above: float,
) -> np.ndarray:
    """Per pair of ``sim`` above ``above``: the specific-word share the page sentence keeps.

    ``sim`` is page sentences × article sentences; pairs at or below
    ``above`` are never part of a chain, so their support is not computed
    (0). A word's weight is ``log((n + 1) / (df + 0.5))``, ``df`` the number
    of the ``n`` article sentences holding it; a pair sharing fewer than
    ``MIN_SHARED_WORDS`` content words has none.
    """
    out = np.zeros(sim.shape, dtype=np.float32)
    rows, cols = np.nonzero(sim > above)
    if not len(rows):
        return out
    article = [content_words(s) for s in article_sentences]
    frequency: Counter[str] = Counter()
    for words in article:
        frequency.update(words)
    n = len(article)

    def weight(word: str) -> float:
        return math.log((n + 1) / (frequency.get(word, 0) + 0.5))

    page: dict[int, tuple[frozenset[str], float]] = {}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if i not in page:
            words = content_words(page_sentences[i])
            page[i] = (words, sum(weight(w) for w in words))
        words, total = page[i]
        shared = words & article[j]
        if total > 0 and len(shared) >= MIN_SHARED_WORDS:
            out[i, j] = sum(weight(w) for w in shared) / total
    return out
