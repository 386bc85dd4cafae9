"""The source index: publisher articles and their winnowed fingerprints.

Detection code talks to the ``SourceIndex`` protocol only; the embedded
default is one SQLite file, so an editor needs no server. The index keeps each
article's text (compressed) because alignment works on the candidates' full
text, and one row per distinct winnowed fingerprint per article for candidate
retrieval, whose cost follows the size of the target, not of the archive.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import IndexStoreError
from .fingerprint import (
    GUARANTEE_TOKENS,
    WINDOW,
    K,
    kgram_polynomials,
    kgrams_of_hashes,
    token_hashes,
    unmix,
    winnow,
)
from .links import canonical_url
from .models import Article
from .text import normalized_text

DEFAULT_INDEX_PATH = Path(".reprint-check") / "index.sqlite"
SCHEMA_VERSION = 1

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
class WriteCounts:
    """What one write did: new articles, articles replaced, articles already stored as given."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class PreparedArticle:
    """An article with what storing it costs most to compute, done where there is a free core.

    ``fingerprints``: ``article_fingerprints(article.text)``, in ascending
    order; ``body``: the text as stored (UTF-8, zlib).
    """

    article: Article
    fingerprints: tuple[int, ...]
    body: bytes


def prepare_article(article: Article) -> PreparedArticle:
    return PreparedArticle(
        article,
        tuple(sorted(article_fingerprints(article.text))),
        zlib.compress(article.text.encode("utf-8"), BODY_COMPRESSION),
    )


def article_fingerprints(text: str) -> set[int]:
    """Distinct winnowed fingerprints of an article's text.

    The same values as winnowing ``kgram_hashes(tokenize(normalize(text).text))``,
    by the paths that skip the offset map and the token objects the index does
    not need.
    """
    return {h for h, _ in winnow(kgrams_of_hashes(token_hashes(normalized_text(text))))}


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
                    shared_with = {unmix(h) for h in set(kgrams) - boilerplate}
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
        self, items: Iterable[PreparedArticle], *, skip_unchanged: bool = False
    ) -> WriteCounts:
        """Store articles prepared by ingest workers in one transaction."""
        ...

    def bulk_writes(self) -> contextlib.AbstractContextManager[None]:
        """Whatever makes a large ingest's batches cheaper, for the duration of the ingest."""
        ...

    def checkpoint(self) -> None:
        """Tidy up after a large ingest (fold a log, refresh statistics); never fails."""
        ...

    def remove(self, url: str) -> bool: ...

    def get(self, article_id: int) -> Article: ...

    def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles in the order given: one round trip to a server, not one each."""
        ...

    def count(self) -> int: ...

    def candidates(
        self, kgrams: Sequence[int], limit: int = MAX_CANDIDATES
    ) -> tuple[list[tuple[int, int]], set[int]]:
        """(article id, distinct hits) best first, and the boilerplate hashes among ``kgrams``."""
        ...

    def articles(self) -> Iterator[ArticleInfo]: ...

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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    chars INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    canonical TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL,
    url TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_article ON aliases(article_id);
CREATE TABLE IF NOT EXISTS fingerprints (
    hash INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (hash, article_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS semantic (
    kind TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (kind, article_id)
);
"""

_IN_BATCH = 500  # parameters per IN (...) query, well under SQLite's limit
PAGE_SIZE = 16384
# SQLite page cache during a large ingest (KiB): the hot part of the fingerprint table.
BULK_CACHE_KIB = 262144
# zlib level of stored article text: 6 is within a few per cent of 9 at a third of the cost.
BODY_COMPRESSION = 6


class ArticleWrites:
    """``add`` and ``add_many`` of both backends, whose one write path is ``add_prepared_many``."""

    def add_prepared_many(
        self, items: Iterable[PreparedArticle], *, skip_unchanged: bool = False
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


class SQLiteIndex(ArticleWrites):
    """The embedded default: one SQLite file in WAL mode (readers never block the writer)."""

    def __init__(self, path: str | Path = DEFAULT_INDEX_PATH, *, create: bool = True) -> None:
        self.location = str(path)
        self._count: int | None = None
        self._count_version = -1
        memory = str(path) == ":memory:"
        if not memory:
            p = Path(path)
            if not create and not p.exists():
                raise IndexStoreError(
                    f"{p}: no index here (build one with `reprint-check index add`)"
                )
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise IndexStoreError(f"{p.parent}: cannot create folder ({e.strerror})") from e
        try:
            self._db = sqlite3.connect(self.location, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            if not memory:
                # before the first table: a new file gets big pages, where article
                # bodies (~2 KB compressed) pack several to a page instead of one
                self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as e:
            raise IndexStoreError(f"{self.location}: not a usable index ({e})") from e

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('k', ?), ('window', ?)",
                (str(SCHEMA_VERSION), str(K), str(WINDOW)),
            )
        elif row[0] != str(SCHEMA_VERSION):
            raise IndexStoreError(
                f"{self.location}: index schema {row[0]}, this version reads {SCHEMA_VERSION}"
            )

    # --- writing -----------------------------------------------------------------

    def add_prepared_many(
        self, items: Iterable[PreparedArticle], *, skip_unchanged: bool = False
    ) -> WriteCounts:
        """Store prepared articles in one transaction.

        Each replaces any article stored under one of its URLs, so an ingest
        that was interrupted and is run again leaves no duplicates; with
        ``skip_unchanged`` an article stored exactly as given is not rewritten.
        """
        prepared = list(items)
        added = replaced = unchanged = 0
        try:
            self._db.execute("BEGIN IMMEDIATE")
            written: dict[int, tuple[int, ...]] = {}  # fingerprints are written last
            for item in prepared:
                outcome = self._store(item, skip_unchanged)
                if outcome is None:
                    unchanged += 1
                    continue
                new_id, deleted = outcome
                for old in deleted:  # the same article twice in one batch
                    written.pop(old, None)
                replaced += bool(deleted)
                added += not deleted
                written[new_id] = item.fingerprints
            self._db.executemany(
                "INSERT OR IGNORE INTO fingerprints VALUES (?, ?)",
                [(h, a) for a, fps in written.items() for h in fps],
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e
        finally:
            self._count = None
        return WriteCounts(added, replaced, unchanged)

    def _store(self, item: PreparedArticle, skip_unchanged: bool) -> tuple[int, set[int]] | None:
        """Write the article's row and aliases: (its id, the ids it replaced), None if kept."""
        article = item.article
        keys = {canonical_url(u): u for u in (article.url, *article.aliases) if u}
        old_ids = set()
        for batch in _batches(list(keys)):
            marks = ",".join("?" * len(batch))
            old_ids.update(
                r[0]
                for r in self._db.execute(
                    f"SELECT article_id FROM aliases WHERE canonical IN ({marks})", batch
                )
            )
        if skip_unchanged and len(old_ids) == 1 and self._unchanged(next(iter(old_ids)), article):
            return None
        for old in old_ids:
            self._delete(old)
        cur = self._db.execute(
            "INSERT INTO articles (url, title, published, chars, body) VALUES (?, ?, ?, ?, ?)",
            (
                article.url,
                article.title,
                article.published,
                len(article.text),
                item.body,
            ),
        )
        new_id = cur.lastrowid
        assert new_id is not None
        self._db.executemany(
            "INSERT OR REPLACE INTO aliases VALUES (?, ?, ?)",
            [(k, new_id, u) for k, u in keys.items()],
        )
        return new_id, old_ids

    def _unchanged(self, article_id: int, article: Article) -> bool:
        try:
            return same_article(self.get(article_id), article)
        except IndexStoreError:
            return False

    def _delete(self, article_id: int) -> None:
        row = self._db.execute("SELECT body FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return
        fps = article_fingerprints(zlib.decompress(row[0]).decode("utf-8"))
        self._db.executemany(
            "DELETE FROM fingerprints WHERE hash = ? AND article_id = ?",
            [(h, article_id) for h in fps],
        )
        self._db.execute("DELETE FROM aliases WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM semantic WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    @contextlib.contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """A large page cache while a large ingest writes (restored after).

        Fingerprints land all over the hash-ordered table; with its pages in
        memory a batch costs CPU, not page reads. Batches of a few thousand
        articles then commit each page they dirty once per batch.
        """
        (cache,) = self._db.execute("PRAGMA cache_size").fetchone()
        self._db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA cache_size = {cache}")

    def remove(self, url: str) -> bool:
        row = self._db.execute(
            "SELECT article_id FROM aliases WHERE canonical = ?", (canonical_url(url),)
        ).fetchone()
        if row is None:
            return False
        self._db.execute("BEGIN IMMEDIATE")
        self._delete(row[0])
        self._db.execute("COMMIT")
        self._count = None
        return True

    # --- reading -----------------------------------------------------------------

    def get(self, article_id: int) -> Article:
        row = self._db.execute(
            "SELECT url, title, published, body FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise IndexStoreError(f"{self.location}: no article {article_id}")
        url, title, published, body = row
        aliases = tuple(
            r[0]
            for r in self._db.execute(
                "SELECT url FROM aliases WHERE article_id = ? ORDER BY url", (article_id,)
            )
            if r[0] != url
        )
        return Article(url, zlib.decompress(body).decode("utf-8"), title, aliases, published)

    def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        return [self.get(article_id) for article_id in article_ids]  # in-process: no round trips

    def count(self) -> int:
        """Articles stored; cached until this or another connection writes.

        ``count(*)`` walks the whole table of article bodies, which at 100,000
        articles costs more than a whole audit.
        """
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if self._count is None or version != self._count_version:
            self._count = self._db.execute("SELECT count(*) FROM articles").fetchone()[0]
            self._count_version = version
        return self._count

    def candidates(
        self, kgrams: Sequence[int], limit: int = MAX_CANDIDATES
    ) -> tuple[list[tuple[int, int]], set[int]]:
        """Articles worth aligning with a target, best first, and the boilerplate among its k-grams.

        Cost follows the target: one look-up per distinct k-gram. Each shared
        fingerprint is evidence in inverse proportion to the number of
        articles holding it (see ``MIN_EVIDENCE``), so a phrase that many
        stories use does not make all of them candidates as the archive grows.
        """
        distinct = sorted(set(kgrams))
        holders: list[tuple[int, int]] = []
        for batch in _batches(distinct):
            marks = ",".join("?" * len(batch))
            holders += self._db.execute(
                f"SELECT hash, count(*) FROM fingerprints WHERE hash IN ({marks}) GROUP BY hash",
                batch,
            )
        boilerplate, rare = split_by_holders(holders, self.count())
        postings: list[tuple[int, int]] = []
        for batch in _batches(sorted(rare)):
            marks = ",".join("?" * len(batch))
            postings += self._db.execute(
                f"SELECT hash, article_id FROM fingerprints WHERE hash IN ({marks})", batch
            )
        ranked = rank_candidates(kgrams, boilerplate, rare, postings, self._stored_kgrams, limit)
        return ranked, boilerplate

    def _stored_kgrams(self, article_ids: Sequence[int]) -> dict[int, set[int]]:
        marks = ",".join("?" * len(article_ids))
        rows = self._db.execute(f"SELECT id, body FROM articles WHERE id IN ({marks})", article_ids)
        return {article_id: body_polynomials(body) for article_id, body in rows}

    def articles(self) -> Iterator[ArticleInfo]:
        for row in self._db.execute(
            "SELECT id, url, title, chars, published FROM articles ORDER BY url"
        ):
            yield ArticleInfo(*row)

    def semantic_rows(
        self, kind: str, article_ids: Sequence[int] | None = None
    ) -> Iterator[tuple[int, bytes]]:
        if article_ids is None:
            yield from self._db.execute(
                "SELECT article_id, data FROM semantic WHERE kind = ? ORDER BY article_id", (kind,)
            )
            return
        for batch in _batches(sorted(set(article_ids))):
            marks = ",".join("?" * len(batch))
            yield from self._db.execute(
                "SELECT article_id, data FROM semantic "
                f"WHERE kind = ? AND article_id IN ({marks}) ORDER BY article_id",
                (kind, *batch),
            )

    def semantic_store(self, kind: str, rows: Iterable[tuple[int, bytes]]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO semantic SELECT ?, id, ? FROM articles WHERE id = ?",
                [(kind, data, article_id) for article_id, data in rows],
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e

    def semantic_missing(self, kind: str) -> list[int]:
        return [
            r[0]
            for r in self._db.execute(
                "SELECT id FROM articles WHERE id NOT IN "
                "(SELECT article_id FROM semantic WHERE kind = ?) ORDER BY id",
                (kind,),
            )
        ]

    def stats(self) -> IndexStats:
        n = self.count()
        fps = self._db.execute("SELECT count(*) FROM fingerprints").fetchone()[0]
        chars = self._db.execute("SELECT coalesce(sum(chars), 0) FROM articles").fetchone()[0]
        boiler = self._db.execute(
            "SELECT count(*) FROM "
            "(SELECT hash FROM fingerprints GROUP BY hash HAVING count(*) >= ?)",
            (boilerplate_threshold(n),),
        ).fetchone()[0]
        size = 0
        if self.location != ":memory:":
            for suffix in ("", "-wal"):
                with contextlib.suppress(OSError):
                    size += os.path.getsize(self.location + suffix)
        return IndexStats(self.location, n, fps, boiler, chars, size)

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and truncate it (after a large ingest).

        Until then the log holds a copy of every page written, as large as
        the new part of the index. Skipped while readers still use it.
        """
        if self.location != ":memory:":
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SQLiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _batches(items: list[int] | list[str]) -> Iterator[list]:
    for i in range(0, len(items), _IN_BATCH):
        yield items[i : i + _IN_BATCH]


def open_index(location: str | Path | None = None, *, create: bool = True) -> SourceIndex:
    """The index named on the command line, by ``REPRINT_CHECK_INDEX``, or the default file."""
    location = location or os.environ.get("REPRINT_CHECK_INDEX") or DEFAULT_INDEX_PATH
    if str(location).startswith(("postgresql://", "postgres://")):
        from .pgindex import PostgresIndex  # psycopg is imported only for a shared index

        return PostgresIndex(str(location), create=create)
    return SQLiteIndex(location, create=create)
