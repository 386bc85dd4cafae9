"""The first test: could any archive article be a candidate for this page?

Almost no page of a web crawl reuses the archive, and the full audit costs
tens of milliseconds a page, so every page first meets this test, which costs
about as much as tokenising it. It is exact, not a guess:

The audit only aligns a page with the articles ``SourceIndex.candidates``
returns (``index.rank_candidates``). Only *rare* fingerprints count there
(held by fewer articles than the boilerplate threshold and by at most
``MAX_EVIDENCE_ARTICLES``), each distinct one the page shares being
``1/n`` of evidence for each of the ``n`` articles holding it, and an
article is a candidate only once its evidence reaches ``MIN_EVIDENCE``. An
article's evidence is at most the sum of ``1/n`` over all the rare
fingerprints the page shares, so a page whose sum stays below
``MIN_EVIDENCE`` has no candidate and the audit could not find anything on
it. That sum is the test. The fingerprints and their holder counts are
computed by the index's own functions (those of ``article_fingerprints``,
the rule of ``split_by_holders``) from the articles it stores. A fingerprint
held by one or two articles passes a page alone; one held by many needs
company.

It reads pages as the index does (normalisation, tokens), but hashes them its own way
(``text/token_arrays.py``: tokens and k-grams as arrays, no Python object
per token). The test holds, for every rare fingerprint, that hash of the
k-gram it was made from (the archive's texts are read again, the index's
hashes and this module's side by side), with its holder count: a page's
k-gram that the index would match, the test matches. Only two different
k-grams with one index hash, which the index itself takes for the same
k-gram (a 64-bit collision), could part them; two with one hash here only
let a page through to the full audit.

Shipped to every worker, so it is small: the k-grams sorted (eight bytes
each), their holder counts (one byte) and a table of one byte per slot (the
k-gram's low bits, eight slots per k-gram) that settles most of a page's
k-grams without a search, about 17 bytes per fingerprint in all.
"""

from __future__ import annotations

import numpy as np

from reprint_check.index.base import (
    MAX_EVIDENCE_ARTICLES,
    MIN_EVIDENCE,
    SourceIndex,
    rare_holders,
)
from reprint_check.text.fingerprint import (
    kgram_array,
    polynomial_array,
    token_columns,
    window_minima,
)
from reprint_check.text.normalize import normalized_text
from reprint_check.text.token_arrays import kgram_polynomial_array, token_spans_and_hashes

# Slots per fingerprint: at 8, about one k-gram of a page in eight lands on a full slot.
SLOTS_PER_FINGERPRINT = 8
MIN_SLOTS = 1 << 16
# Articles read from the index at a time while the test is built.
BUILD_BATCH = 200
# The test's evidence threshold sits below the index's (which allows 1e-9 for
# rounding), so a sum taken in another order can only pass more pages, never fewer.
THRESHOLD = MIN_EVIDENCE - 1e-6


class FirstTest:
    """The archive's rare k-grams (``token_arrays``' hashes) and their holder counts."""

    __slots__ = ("holders", "kgrams", "mask", "table")

    def __init__(self, kgrams: np.ndarray, holders: np.ndarray):
        """``kgrams``: sorted distinct uint64 k-grams; ``holders``: articles holding each."""
        counts = np.asarray(holders)
        if len(counts) and not (counts.min() >= 1 and counts.max() <= MAX_EVIDENCE_ARTICLES):
            raise ValueError("a rare fingerprint is held by 1 to MAX_EVIDENCE_ARTICLES articles")
        self.kgrams = np.ascontiguousarray(kgrams, dtype=np.uint64)
        self.holders = np.ascontiguousarray(counts, dtype=np.uint8)
        if len(self.kgrams) != len(self.holders):
            raise ValueError("one holder count per k-gram")
        if (self.kgrams[1:] <= self.kgrams[:-1]).any():
            raise ValueError("the k-grams are sorted and distinct")
        slots = MIN_SLOTS
        while slots < SLOTS_PER_FINGERPRINT * len(self.kgrams):
            slots *= 2
        self.mask = np.uint64(slots - 1)
        table = np.zeros(slots, dtype=bool)
        table[(self.kgrams & self.mask).astype(np.intp)] = True
        self.table = table

    @classmethod
    def of(cls, kgrams: np.ndarray, holders: np.ndarray) -> FirstTest:
        """The test of k-grams in any order, repeats allowed: one named twice (two
        fingerprints whose k-grams hash alike here) keeps its fewest holders, the
        larger evidence, so that the test only ever passes more pages."""
        order = np.lexsort((holders, kgrams))
        kgrams, holders = kgrams[order], holders[order]
        first = np.ones(len(kgrams), dtype=bool)
        first[1:] = kgrams[1:] != kgrams[:-1]
        return cls(kgrams[first], holders[first])

    def __len__(self) -> int:
        return len(self.kgrams)

    def __reduce__(self) -> tuple[object, ...]:
        return (FirstTest, (self.kgrams, self.holders))

    def passes(self, kgrams: np.ndarray) -> bool:
        """Whether these k-grams (uint64, repeats allowed) could make some article a candidate."""
        if not len(kgrams) or not len(self.kgrams):
            return False
        near = kgrams[self.table[(kgrams & self.mask).astype(np.intp)]]
        if not len(near):
            return False
        at = np.searchsorted(self.kgrams, near)
        at[at == len(self.kgrams)] = 0
        found = at[self.kgrams[at] == near]
        if not len(found):
            return False
        evidence = (1.0 / self.holders[np.unique(found)]).sum()
        return bool(evidence >= THRESHOLD)

    def passes_text(self, text: str, *more: str) -> bool:
        """Whether a text (a page's visible words) could make some article a candidate.

        With ``more`` texts (the words a page keeps out of sight), the k-grams of
        all of them together: the audit looks up each text's k-grams apart, and
        evidence summed over more k-grams can only be larger, so a page the audit
        gives a candidate from any one of them passes.
        """
        kgrams = [kgram_polynomial_array(t) for t in (text, *more) if t]
        return self.passes(np.concatenate(kgrams)) if kgrams else False


def article_kgrams(text: str) -> tuple[np.ndarray, np.ndarray]:
    """An article's distinct fingerprints (the index's hashes, int64) and, for each,
    the k-gram it was made from in ``token_arrays``' hashes (uint64).

    The fingerprints are ``index.base.article_fingerprints(text)``, computed by
    the same functions from the same tokens.
    """
    normalized = normalized_text(text)
    starts, ends, hashes = token_columns(normalized)
    fingerprints = kgram_array(hashes)
    ours = polynomial_array(token_spans_and_hashes(normalized, starts, ends))  # type: ignore[arg-type]
    kept = np.isin(fingerprints, window_minima(fingerprints))
    distinct, first = np.unique(fingerprints[kept], return_index=True)
    return distinct, ours[kept][first]


def build_first_test(index: SourceIndex) -> FirstTest:
    """The test for this index: its rare fingerprints, recomputed from its articles.

    Only ``SourceIndex`` methods are used, so both backends give the same
    test; holders are counted exactly as the index counts them (one per
    article per distinct fingerprint).
    """
    ids = [info.id for info in index.articles()]
    fingerprints, ours = [], []
    for i in range(0, len(ids), BUILD_BATCH):
        for article in index.get_many(ids[i : i + BUILD_BATCH]):
            theirs, mine = article_kgrams(article.text)
            fingerprints.append(theirs)
            ours.append(mine)
    if not fingerprints:
        return FirstTest(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint8))
    _, where, holders = np.unique(
        np.concatenate(fingerprints), return_inverse=True, return_counts=True
    )
    rare = rare_holders(holders, len(ids))[where]
    return FirstTest.of(np.concatenate(ours)[rare], holders[where][rare])
