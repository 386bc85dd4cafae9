"""The first test: does a page share a single k-gram with the archive's fingerprints?

Almost no page of a web crawl reuses the archive, and the full audit costs
tens of milliseconds a page, so every page first meets this test, which costs
about as much as tokenising it. It is exact, not a guess:

The audit only aligns a page with the articles ``SourceIndex.candidates``
returns, and an article is a candidate only through a *rare* fingerprint (held
by fewer articles than the boilerplate threshold and by at most
``MAX_EVIDENCE_ARTICLES``) equal to one of the page's k-grams. The test holds
exactly those fingerprints, computed by the index's own functions
(``article_fingerprints``, ``split_by_holders``) from the articles it stores,
and looks up every k-gram of the page, hashed by the index's own functions
(``normalized_text``, ``token_hashes``, ``kgrams_of_hashes``). A page it
rejects has no candidate, so the audit could not find anything on it.

Shipped to every worker, so it must be small. Up to ``SET_LIMIT`` fingerprints
(an archive of a few thousand articles) it is a Python set, looked up in C in
one call per page. Beyond, a table of one byte per slot
(the fingerprint's low bits; most k-grams of a page fall on an empty slot and
are settled there in C) and the sorted fingerprints, eight bytes each, for the
few k-grams that land on a full slot. About 40 bytes per fingerprint in all,
where a Python set would take 80 or more. Both hold the fingerprints unmixed
(``fingerprint.unmix``, a bijection), so a page's k-grams are compared before
their last mixing step (``kgram_polynomials``), once per distinct k-gram.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable

from reprint_check.index.base import SourceIndex, article_fingerprints, split_by_holders
from reprint_check.text.fingerprint import kgram_polynomials, token_hashes, unmix
from reprint_check.text.normalize import normalized_text

# Fingerprints held in a plain set (about 70 MB at the limit, per worker).
SET_LIMIT = 1_000_000
# Slots per fingerprint: at 4, about a fifth of a page's k-grams land on a full slot.
SLOTS_PER_FINGERPRINT = 4
MIN_SLOTS = 1 << 16
# Articles read from the index at a time while the test is built.
BUILD_BATCH = 200


class FirstTest:
    """The archive's rare fingerprints, for a yes/no look-up of a page's k-grams."""

    __slots__ = ("mask", "polynomials", "small", "table")

    def __init__(self, fingerprints: Iterable[int], *, set_limit: int = SET_LIMIT) -> None:
        """``fingerprints``: k-gram hashes as the index stores them."""
        values = array("Q", sorted({unmix(h) for h in fingerprints}))
        self.small: frozenset[int] | None = frozenset(values) if len(values) <= set_limit else None
        slots = MIN_SLOTS
        while slots < SLOTS_PER_FINGERPRINT * len(values):
            slots *= 2
        table = bytearray(slots)
        mask = slots - 1
        for h in values:
            table[h & mask] = 1
        self.polynomials = values
        self.mask = mask
        self.table = bytes(table)

    def __len__(self) -> int:
        return len(self.polynomials)

    def __reduce__(self) -> tuple[object, ...]:
        small = self.small is not None
        return (_restore, (self.polynomials.tobytes(), self.mask, self.table, small))

    def shares_polynomial(self, polynomials: Collection[int]) -> bool:
        """Whether any of these unmixed k-grams is one of the archive's rare fingerprints."""
        if self.small is not None:
            return not self.small.isdisjoint(polynomials)
        mask, table = self.mask, self.table
        slots = [h & mask for h in polynomials]
        if not any(map(table.__getitem__, slots)):
            return False
        values = self.polynomials
        n = len(values)
        for h, slot in zip(polynomials, slots, strict=True):
            if table[slot]:
                i = bisect_left(values, h)
                if i < n and values[i] == h:
                    return True
        return False

    def shares_kgram(self, kgrams: Iterable[int]) -> bool:
        """Whether any of these k-gram hashes (as the index stores them) is a rare fingerprint."""
        return self.shares_polynomial([unmix(h) for h in kgrams])

    def passes_text(self, text: str) -> bool:
        """Whether a text (a page's visible words) shares a k-gram with the archive."""
        return self.shares_polynomial(kgram_polynomials(token_hashes(normalized_text(text))))


def _restore(polynomials: bytes, mask: int, table: bytes, small: bool) -> FirstTest:
    test = FirstTest.__new__(FirstTest)
    values = array("Q")
    values.frombytes(polynomials)
    test.polynomials = values
    test.small = frozenset(values) if small else None
    test.mask = mask
    test.table = table
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
    return FirstTest(rare)
