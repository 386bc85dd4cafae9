"""The source index: publisher articles and their winnowed fingerprints.

Detection code talks to the ``SourceIndex`` protocol only; the embedded
default is one SQLite file, so an editor needs no server. The index keeps each
article's text (compressed) because alignment works on the candidates' full
text, and a posting (fingerprint, article) per distinct winnowed fingerprint
of each article for candidate retrieval, whose cost follows the size of the
target, not of the archive. Postings are stored as sorted runs of packed
chunks (``postings.py``), not a row each.
"""

from __future__ import annotations

import contextlib
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from reprint_check.models import Article
from reprint_check.text.fingerprint import (
    GUARANTEE_TOKENS,
    WINDOW,
    K,
    kgram_array,
    kgram_polynomials,
    token_hashes,
    unmixed,
    window_minima,
)
from reprint_check.text.normalize import normalized_text

# A fingerprint found in at least this many articles is publisher boilerplate
# (a sign-off, a newsletter line) and points to no article in particular.
BOILERPLATE_MIN_ARTICLES = 5
# ... or in this share of the archive, whichever is larger.
BOILERPLATE_SHARE = 0.002
# Candidate articles aligned per target, best evidence first.
MAX_CANDIDATES = 200
# A fingerprint shared with n articles is 1/n of evidence for each of them; an
# article is aligned with the target when its evidence reaches this. One
# fingerprint held by at most two articles is enough (any shared run of 8
# tokens yields one), as are a few held by a handful of articles; a stock
# phrase used by many stories makes none of them a candidate on its own, so
# the articles aligned per target do not grow with the archive.
MIN_EVIDENCE = 0.5
# An article with a single fingerprint in common with the target is aligned
# only if it shares at least this many k-grams with it (of any kind but
# boilerplate): one lone 4-gram is a stock phrase, never a 50-character
# passage, while any run of 5 tokens or more, or an edited passage, shares more.
# Checking costs a fraction of aligning, and at 100,000 articles most of the
# single-fingerprint articles are such phrases.
MIN_SHARED_KGRAMS = 2
# Fingerprints held by more articles than this weigh too little to count
# (below 1/64 each) and their postings are not read.
MAX_EVIDENCE_ARTICLES = 64
# Articles whose stored text one read fetches for the MIN_SHARED_KGRAMS check.
CHECK_BATCH = 50
# Rows of the meta table that hold a host's template: the prefix, then the host.
TEMPLATE_KEY = "template:"


@dataclass(frozen=True)
class IndexStats:
    location: str
    articles: int
    fingerprints: int
    boilerplate_fingerprints: int
    text_chars: int
    size_bytes: int
    k: int = K
    window: int = WINDOW
    guarantee_tokens: int = GUARANTEE_TOKENS


@dataclass(frozen=True)
class ArticleInfo:
    id: int
    url: str
    title: str
    chars: int
    published: str | None


@dataclass(frozen=True)
class PageRecord:
    """What a crawl learnt about one URL of a site, kept beside the articles.

    ``url`` is the URL as the site listed it (before redirects): the key the
    next crawl of the site looks it up by. ``state`` is "indexed" (an article
    was stored from it), "gone" (it answered 404 or 410; an article stored
    from it before is kept, since copies of deleted stories still matter),
    "unusable" (it answered, but with no article text) or "duplicate" (it
    leads to a page fetched for another listed URL: one article, two addresses). ``via`` is how the
    article was obtained: "wordpress-api" or "html". ``lastmod`` is the date
    the site gave for it (sitemap ``lastmod``, feed date, the API's
    ``modified_gmt``): the same date next time means unchanged, with no
    request. ``etag`` and ``last_modified`` make the next request conditional.
    """

    url: str
    site: str
    state: str
    via: str
    checked_at: str  # ISO-8601 UTC
    lastmod: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int | None = None  # the last HTTP status (200, 304, 404, 410); None from an API


@dataclass(frozen=True)
class SiteRecord:
    """A crawled site: where its crawls start and whether the last one finished.

    ``finished`` is None while a crawl runs, and stays None when it is killed:
    the next crawl resumes it, skipping the URLs checked since ``started``.
    """

    site: str  # canonical origin, e.g. "https://publisher.example"
    start_url: str
    started: str
    finished: str | None = None
    via: str = ""  # what the last crawl read: "wordpress-api", "sitemaps", "feed"…


@dataclass(frozen=True)
class GoneArticle:
    """An article kept in the index whose page now answers 404 or 410."""

    article: ArticleInfo
    url: str  # the URL that answered
    since: str  # when it was found gone (ISO-8601 UTC)
    status: int | None


@dataclass(frozen=True)
class WriteCounts:
    """What one write did: new articles, articles replaced, articles already stored as given."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class PreparedArticle:
    """An article with what storing it costs most to compute, done where there is a free core.

    ``fingerprints``: ``article_fingerprints(article.text)`` in ascending
    order, packed as ``array('q')`` bytes (a worker hands them to the writer
    in one piece: a tuple of 200 integers costs more to pickle than to
    compute); ``body``: the text as stored (UTF-8, zlib).
    """

    article: Article
    fingerprints: bytes
    body: bytes

    @property
    def hashes(self) -> array:
        """The fingerprints as integers, ascending."""
        values = array("q")
        values.frombytes(self.fingerprints)
        return values


def prepare_article(article: Article) -> PreparedArticle:
    return PreparedArticle(
        article,
        np.unique(fingerprint_minima(article.text)).tobytes(),
        zlib.compress(article.text.encode("utf-8"), BODY_COMPRESSION),
    )


def article_fingerprints(text: str) -> set[int]:
    """Distinct winnowed fingerprints of an article's text.

    The same values as winnowing ``kgram_hashes(tokenize(normalize(text).text))``,
    by the paths that skip the offset map and the token objects the index does
    not need.
    """
    return set(fingerprint_minima(text).tolist())


def fingerprint_minima(text: str) -> np.ndarray:
    """The winnowing window minima (int64, in order, repeats kept) of an article's text.

    ``np.unique`` of them is ``sorted(article_fingerprints(text))``, the bytes a
    ``PreparedArticle`` holds, without a Python integer per k-gram.
    """
    return window_minima(kgram_array(token_hashes(normalized_text(text))))


def boilerplate_threshold(articles: int) -> int:
    return max(BOILERPLATE_MIN_ARTICLES, int(articles * BOILERPLATE_SHARE))


def split_by_holders(
    holders: Iterable[tuple[int, int]], articles: int
) -> tuple[set[int], dict[int, int]]:
    """A target's k-grams by how many of ``articles`` hold them: (boilerplate, rare -> holders).

    ``holders`` is (hash, articles holding it) for the k-grams found in the
    index. Between the two classes lie the common ones: too widespread to
    point at an article (``MAX_EVIDENCE_ARTICLES``), too rare to be site
    furniture that a passage should skip; their postings are never read.
    """
    threshold = boilerplate_threshold(articles)
    boilerplate: set[int] = set()
    rare: dict[int, int] = {}
    for h, n in holders:
        if n >= threshold:
            boilerplate.add(h)
        elif n <= MAX_EVIDENCE_ARTICLES:
            rare[h] = n
    return boilerplate, rare


def rare_holders(holders: np.ndarray, articles: int) -> np.ndarray:
    """Which holder counts make a fingerprint rare, as ``split_by_holders`` classes them."""
    return (holders < boilerplate_threshold(articles)) & (holders <= MAX_EVIDENCE_ARTICLES)


def rank_candidates(
    kgrams: Sequence[int],
    boilerplate: set[int],
    rare: dict[int, int],
    postings: Iterable[tuple[int, int]],
    stored_kgrams: Callable[[Sequence[int]], dict[int, set[int]]],
    limit: int = MAX_CANDIDATES,
) -> list[tuple[int, int]]:
    """(article id, distinct hits) worth aligning with the target, best evidence first.

    The one ranking of both backends, so they cannot drift apart: each
    backend only reads ``split_by_holders``'s input and the ``postings``
    (hash, article id) of the rare k-grams. A fingerprint held by n articles
    is 1/n of evidence for each (``MIN_EVIDENCE``); an article with one
    fingerprint in common must share ``MIN_SHARED_KGRAMS`` k-grams with the
    target, checked on its stored text: ``stored_kgrams(ids)`` gives the
    ``body_polynomials`` of such articles, asked for ``CHECK_BATCH`` at a
    time (one round trip to a server, not one per article). Postings are
    summed in sorted order, so the floating-point evidence, and with it the
    order, does not depend on the order a database returns rows in.
    """
    evidence: dict[int, float] = {}
    hits: dict[int, int] = {}
    for h, article_id in sorted(postings):
        evidence[article_id] = evidence.get(article_id, 0.0) + 1.0 / rare[h]
        hits[article_id] = hits.get(article_id, 0) + 1
    ranked = sorted(
        (
            (article_id, n)
            for article_id, n in hits.items()
            if evidence[article_id] >= MIN_EVIDENCE - 1e-9
        ),
        key=lambda x: (-evidence[x[0]], -x[1], x[0]),
    )
    singles = [article_id for article_id, n in ranked if n == 1]
    batch: list[int] = []  # the singles whose stored k-grams are in ``checked``
    checked: dict[int, set[int]] = {}
    shared_with: set[int] = set()
    kept: list[tuple[int, int]] = []
    for article_id, n in ranked:
        if len(kept) >= limit:
            break
        if n == 1:  # one fingerprint: a copied passage, or one stock phrase in common?
            if article_id not in batch:  # the first single after the batch, in rank order
                if not batch:
                    shared_with = unmixed(set(kgrams) - boilerplate)
                start = singles.index(article_id)
                batch = singles[start : start + CHECK_BATCH]
                checked = stored_kgrams(batch)
            if len(shared_with.intersection(checked.get(article_id, ()))) < MIN_SHARED_KGRAMS:
                continue
        kept.append((article_id, n))
    return kept


def body_polynomials(body: bytes) -> set[int]:
    """A stored article's k-grams as ``kgram_polynomials`` (unmixed): the cheap form to compare."""
    return kgram_polynomials(token_hashes(normalized_text(zlib.decompress(body).decode("utf-8"))))


class SourceIndex(Protocol):
    """Where publisher articles live: two backends (SQLite, PostgreSQL), the same behaviour.

    Everything a command does with an index goes through these methods, so
    no feature lives in one backend only; the tests run against both.
    """

    location: str

    def add(self, article: Article) -> bool:
        """Store the article, replacing any stored under one of its URLs; True if replaced."""
        ...

    def add_many(self, articles: Iterable[Article]) -> int:
        """Store articles in one transaction; returns how many replaced a stored one."""
        ...

    def add_prepared_many(
        self,
        items: Iterable[PreparedArticle],
        *,
        skip_unchanged: bool = False,
        pages: Iterable[PageRecord] = (),
    ) -> WriteCounts:
        """Store articles prepared by ingest workers in one transaction.

        ``pages`` are crawl records written in the same transaction, so a
        crawl killed at any moment never holds an article without its record
        or a record without its article.
        """
        ...

    # Crawl state: what ``index add SITE`` and ``index sync`` learnt per URL and per site.

    def record_pages(self, records: Iterable[PageRecord]) -> None:
        """Store crawl records (replacing those of the same URLs) in one transaction."""
        ...

    def pages(self, site: str) -> Iterator[tuple[PageRecord, bool]]:
        """The crawl records of a site, each with whether an article is stored under its URL."""
        ...

    def site(self, site: str) -> SiteRecord | None: ...

    def record_site(self, record: SiteRecord) -> None: ...

    def gone_articles(self) -> Iterator[GoneArticle]:
        """Articles kept whose page answered 404 or 410, by URL."""
        ...

    def obtained(self) -> dict[str, int]:
        """Articles by how a crawl obtained them ("wordpress-api", "html"); others not counted."""
        ...

    def bulk_writes(self) -> contextlib.AbstractContextManager[None]:
        """Whatever makes a large ingest's batches cheaper, for the duration of the ingest."""
        ...

    def checkpoint(self) -> None:
        """Tidy up after an ingest (merge its runs of postings, fold a log); never fails."""
        ...

    def remove(self, url: str) -> ArticleInfo | None:
        """Remove the article stored under ``url`` or an alias; what was removed, None if none."""
        ...

    def get(self, article_id: int) -> Article: ...

    def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles in the order given: one round trip to a server, not one each."""
        ...

    def count(self) -> int: ...

    def newest_article_id(self) -> int:
        """The highest article id stored, 0 when none. With ``count()``, a cheap sign that
        the articles changed: a replaced article is stored anew under the next id (on
        SQLite the newest one, replaced, may take its own id again)."""
        ...

    def candidates(
        self, kgrams: Sequence[int], limit: int = MAX_CANDIDATES
    ) -> tuple[list[tuple[int, int]], set[int]]:
        """(article id, distinct hits) best first, and the boilerplate hashes among ``kgrams``."""
        ...

    def articles(self) -> Iterator[ArticleInfo]: ...

    def templates(self) -> dict[str, frozenset[str]]:
        """Each host's learned template: keys of paragraphs that are not the story."""
        ...

    def set_template(self, host: str, keys: frozenset[str]) -> None:
        """Keep a host's template (replacing what was kept for it)."""
        ...

    # The semantic stage's side data (see reprint_check.semantic.records): opaque
    # blobs per (kind, article), deleted with their article.

    def semantic_rows(
        self, kind: str, article_ids: Sequence[int] | None = None
    ) -> Iterator[tuple[int, bytes]]:
        """(article id, blob) of ``kind`` for the given articles, or for all in id order."""
        ...

    def semantic_store(self, kind: str, rows: Iterable[tuple[int, bytes]]) -> None:
        """Store blobs of ``kind`` in one transaction; rows of vanished articles are dropped."""
        ...

    def semantic_missing(self, kind: str) -> list[int]:
        """Ids of the articles without a blob of ``kind``, ascending."""
        ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...

    def __enter__(self) -> SourceIndex: ...

    def __exit__(self, *exc: object) -> None: ...


# zlib level of stored article text: 6 is within a few per cent of 9 at a third of the cost.
BODY_COMPRESSION = 6


class ArticleWrites:
    """``add`` and ``add_many`` of both backends, whose one write path is ``add_prepared_many``."""

    def add_prepared_many(
        self,
        items: Iterable[PreparedArticle],
        *,
        skip_unchanged: bool = False,
        pages: Iterable[PageRecord] = (),
    ) -> WriteCounts:
        raise NotImplementedError

    def add(self, article: Article) -> bool:
        """Store the article, replacing any stored under one of its URLs; True if replaced."""
        return self.add_many([article]) > 0

    def add_many(self, articles: Iterable[Article]) -> int:
        """Store articles in one transaction; returns how many replaced a stored one."""
        return self.add_prepared_many(prepare_article(a) for a in articles).replaced


def same_article(stored: Article, given: Article) -> bool:
    """Whether the stored article is the given one: text, title, date and every URL.

    Such an article is not rewritten by an ingest with ``skip_unchanged``.
    """
    return (
        stored.text == given.text
        and stored.title == given.title
        and stored.published == given.published
        and {stored.url, *stored.aliases} == {given.url, *given.aliases}
    )
