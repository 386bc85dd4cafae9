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
computed by the index's own functions (``article_fingerprints``,
``split_by_holders``) from the articles it stores; the page's k-grams by the
index's own normalisation, tokens and hash. A fingerprint held by one or two
articles passes a page alone; one held by many needs company.

Shipped to every worker, so it must be small. Up to ``SET_LIMIT`` fingerprints
(an archive of a few thousand articles) it is a Python set and a dict,
looked up in C in one call per page. Beyond, a table of one byte per slot
(the fingerprint's low bits: most k-grams of a page fall on an empty slot and
are settled there in C), the sorted fingerprints (eight bytes each) and their
holder counts (one byte) for the few k-grams that land on a full slot, about
40 bytes per fingerprint in all. Both hold the fingerprints unmixed
(``fingerprint.unmix``, a bijection), so a page's k-grams are compared before
their last mixing step (``kgram_polynomials``), once per distinct k-gram.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Set

from reprint_check.index.base import (
    MAX_EVIDENCE_ARTICLES,
    MIN_EVIDENCE,
    SourceIndex,
    article_fingerprints,
    split_by_holders,
)
from reprint_check.text.fingerprint import kgram_polynomials, token_hashes, unmix
from reprint_check.text.normalize import normalized_text

# Fingerprints held in a plain set and dict (about 100 MB at the limit, per worker).
SET_LIMIT = 1_000_000
# Slots per fingerprint: at 4, about a fifth of a page's k-grams land on a full slot.
SLOTS_PER_FINGERPRINT = 4
MIN_SLOTS = 1 << 16
# Articles read from the index at a time while the test is built.
BUILD_BATCH = 200
# The test's evidence threshold sits below the index's (which allows 1e-9 for
# rounding), so a sum taken in another order can only pass more pages, never fewer.
THRESHOLD = MIN_EVIDENCE - 1e-6


def _alone(holders: int) -> bool:
    """Whether one fingerprint held by this many articles makes a candidate on its own."""
    return 1.0 / holders >= THRESHOLD


class FirstTest:
    """The archive's rare fingerprints and their holder counts, to test a page's k-grams."""

    __slots__ = ("holders", "mask", "polynomials", "strong", "table", "weak")

    def __init__(self, fingerprints: Iterable[tuple[int, int]], *, set_limit: int = SET_LIMIT):
        """``fingerprints``: (k-gram hash as the index stores it, articles holding it)."""
        pairs = sorted((unmix(h), n) for h, n in fingerprints)
        if any(not 1 <= n <= MAX_EVIDENCE_ARTICLES for _, n in pairs):
            raise ValueError("a rare fingerprint is held by 1 to MAX_EVIDENCE_ARTICLES articles")
        self.polynomials = array("Q", [p for p, _ in pairs])
        self.holders = bytes(n for _, n in pairs)
        slots = MIN_SLOTS
        while slots < SLOTS_PER_FINGERPRINT * len(pairs):
            slots *= 2
        table = bytearray(slots)
        mask = slots - 1
        for p, _ in pairs:
            table[p & mask] = 1
        self.mask = mask
        self.table = bytes(table)
        self.strong: frozenset[int] | None = None
        self.weak: dict[int, float] | None = None
        if len(pairs) <= set_limit:
            self._make_sets()

    def _make_sets(self) -> None:
        pairs = zip(self.polynomials, self.holders, strict=True)
        strong, weak = set(), {}
        for p, n in pairs:
            if _alone(n):
                strong.add(p)
            else:
                weak[p] = 1.0 / n
        self.strong, self.weak = frozenset(strong), weak

    def __len__(self) -> int:
        return len(self.polynomials)

    def __reduce__(self) -> tuple[object, ...]:
        state = (self.polynomials.tobytes(), self.holders, self.mask, self.table)
        return (_restore, (*state, self.strong is not None))

    def passes_polynomials(self, polynomials: Set[int]) -> bool:
        """Whether these distinct unmixed k-grams could make some article a candidate."""
        if self.strong is not None and self.weak is not None:
            if not self.strong.isdisjoint(polynomials):
                return True
            weak = self.weak
            if not weak:
                return False
            hits = weak.keys() & polynomials
            return bool(hits) and sum(map(weak.__getitem__, hits)) >= THRESHOLD
        mask, table = self.mask, self.table
        slots = [h & mask for h in polynomials]
        if not any(map(table.__getitem__, slots)):
            return False
        values, holders = self.polynomials, self.holders
        n = len(values)
        evidence = 0.0
        for h, slot in zip(polynomials, slots, strict=True):
            if table[slot]:
                i = bisect_left(values, h)
                if i < n and values[i] == h:
                    evidence += 1.0 / holders[i]
                    if evidence >= THRESHOLD:
                        return True
        return False

    def passes_kgrams(self, kgrams: Iterable[int]) -> bool:
        """:meth:`passes_polynomials` for k-gram hashes as the index stores them."""
        return self.passes_polynomials({unmix(h) for h in kgrams})

    def passes_text(self, text: str, *more: str) -> bool:
        """Whether a text (a page's visible words) could make some article a candidate.

        With ``more`` texts (the words a page keeps out of sight), the k-grams of
        all of them together: the audit looks up each text's k-grams apart, and
        evidence summed over more k-grams can only be larger, so a page the audit
        gives a candidate from any one of them passes.
        """
        polynomials = kgram_polynomials(token_hashes(normalized_text(text)))
        for other in more:
            if other:
                polynomials |= kgram_polynomials(token_hashes(normalized_text(other)))
        return self.passes_polynomials(polynomials)


def _restore(polynomials: bytes, holders: bytes, mask: int, table: bytes, sets: bool) -> FirstTest:
    test = FirstTest.__new__(FirstTest)
    values = array("Q")
    values.frombytes(polynomials)
    test.polynomials, test.holders, test.mask, test.table = values, holders, mask, table
    test.strong = test.weak = None
    if sets:
        test._make_sets()
    return test


def build_first_test(index: SourceIndex) -> FirstTest:
    """The test for this index: its rare fingerprints, recomputed from its articles.

    Only ``SourceIndex`` methods are used, so both backends give the same
    test; holders are counted exactly as the index counts them (one per
    article per distinct fingerprint).
    """
    ids = [info.id for info in index.articles()]
    holders: Counter[int] = Counter()
    for i in range(0, len(ids), BUILD_BATCH):
        for article in index.get_many(ids[i : i + BUILD_BATCH]):
            holders.update(article_fingerprints(article.text))
    _boilerplate, rare = split_by_holders(holders.items(), len(ids))
    return FirstTest(rare.items())
