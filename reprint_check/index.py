"""The source index: publisher articles and their winnowed fingerprints.

Detection code talks to the ``SourceIndex`` protocol only; the embedded
default is one SQLite file, so an editor needs no server. The index keeps each
article's text (compressed) because alignment works on the candidates' full
text, and one row per distinct winnowed fingerprint per article for candidate
retrieval, whose cost follows the size of the target, not of the archive.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
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

    def remove(self, url: str) -> ArticleInfo | None:
        """Remove the article stored under ``url`` or an alias; what was removed, None if none."""
        ...

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

    def templates(self) -> dict[str, frozenset[str]]:
        """Each host's learned template: keys of paragraphs that are not the story."""
        ...

    def set_template(self, host: str, keys: frozenset[str]) -> None:
        """Keep a host's template (replacing what was kept for it)."""
        ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...

    def __enter__(self) -> SourceIndex: ...

    def __exit__(self, *exc: object) -> None: ...


_TABLES = frozenset({"meta", "articles", "aliases", "fingerprints"})
# One transaction: a run killed while creating the index leaves all of it or none.
_SCHEMA = f"""
BEGIN IMMEDIATE;
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
INSERT OR IGNORE INTO meta
    VALUES ('schema', '{SCHEMA_VERSION}'), ('k', '{K}'), ('window', '{WINDOW}');
COMMIT;
"""
# The first bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
# Header bytes 18 and 19 (write and read format) are 2 in a database in WAL mode.
_WAL_FORMAT = 2
ADD_HINT = "'reprint-check index add'"

_IN_BATCH = 500  # parameters per IN (...) query, well under SQLite's limit
# Rows of the meta table that hold a host's template: the prefix, then the host.
TEMPLATE_KEY = "template:"
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
    """The embedded default: one SQLite file.

    Writers put it in WAL mode (readers never block the writer) and the last
    one to close puts it back in rollback mode, so at rest the index is one
    self-contained file: a reader opens it read-only and creates nothing
    beside it (a read-only reader of a WAL file would leave ``-wal`` and
    ``-shm`` files behind, as it cannot delete them).

    ``create``: make the index if the path holds none (no file, an empty
    file); otherwise the path must hold one. ``read_only``: never create,
    never write; the file is opened read-only, so nothing, not even a
    pragma, can change it.
    """

    def __init__(
        self, path: str | Path = DEFAULT_INDEX_PATH, *, create: bool = True, read_only: bool = False
    ) -> None:
        self.location = str(path)
        self._count: int | None = None
        self._count_version = -1
        memory = self.location == ":memory:"
        self._rest_in_rollback_mode = not memory and not read_only
        fresh = memory or inspect_sqlite_file(Path(path), create=create and not read_only)
        if fresh and not memory:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise IndexStoreError(
                    f"{Path(path).parent}: cannot create folder ({e.strerror})"
                ) from e
        try:
            if memory:
                self._db = sqlite3.connect(self.location, isolation_level=None)
            else:
                mode = "ro" if read_only else "rwc" if fresh else "rw"
                self._db = sqlite3.connect(
                    _sqlite_uri(Path(path), mode), uri=True, timeout=30, isolation_level=None
                )
            self._db.execute("PRAGMA busy_timeout = 30000")
            if not memory and not read_only:
                if fresh:
                    # before the first table: a new file gets big pages, where article
                    # bodies (~2 KB compressed) pack several to a page instead of one
                    self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            if fresh:
                self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as e:
            if hasattr(self, "_db"):
                self._db.close()
            raise IndexStoreError(f"{self.location}: not a usable index ({e})") from e

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

    def remove(self, url: str) -> ArticleInfo | None:
        """Remove the article stored under ``url`` (or one of its aliases); what was removed."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                "SELECT a.id, a.url, a.title, a.chars, a.published FROM aliases s "
                "JOIN articles a ON a.id = s.article_id WHERE s.canonical = ?",
                (canonical_url(url),),
            ).fetchone()
            if row is not None:
                self._delete(row[0])
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e
        finally:
            self._count = None
        return None if row is None else ArticleInfo(*row)

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

    def templates(self) -> dict[str, frozenset[str]]:
        rows = self._db.execute(
            "SELECT key, value FROM meta WHERE key >= ? AND key < ?",
            (TEMPLATE_KEY, TEMPLATE_KEY[:-1] + chr(ord(TEMPLATE_KEY[-1]) + 1)),
        )
        return {key.removeprefix(TEMPLATE_KEY): frozenset(json.loads(value)) for key, value in rows}

    def set_template(self, host: str, keys: frozenset[str]) -> None:
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (TEMPLATE_KEY + host, json.dumps(sorted(keys))),
            )
        except sqlite3.Error as e:
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e

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
        """Close; the last writer to close leaves the file in rollback mode (see the class)."""
        if self._rest_in_rollback_mode:
            self._rest_in_rollback_mode = False
            with contextlib.suppress(sqlite3.Error):  # another connection is open: it will
                self._db.execute("PRAGMA busy_timeout = 0")
                self._db.execute("PRAGMA journal_mode = DELETE")
        self._db.close()

    def __enter__(self) -> SQLiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _batches(items: list[int] | list[str]) -> Iterator[list]:
    for i in range(0, len(items), _IN_BATCH):
        yield items[i : i + _IN_BATCH]


def _sqlite_uri(path: Path, mode: str, *, immutable: bool = False) -> str:
    """A ``file:`` URI for ``sqlite3.connect(..., uri=True)``: ro, rw (never creates) or rwc."""
    return f"{path.absolute().as_uri()}?mode={mode}" + ("&immutable=1" if immutable else "")


def inspect_sqlite_file(path: Path, *, create: bool) -> bool:
    """Whether ``path`` is to be made into a new index (True) or holds one (False).

    Anything else (another application's database, a file that is not
    SQLite, an empty file to a reader, no file) raises ``IndexStoreError``
    naming what the path holds. Nothing is written: the header is read as
    plain bytes, the tables through a read-only connection. A file in WAL
    mode with no log beside it is read as immutable, else SQLite would leave
    ``-wal`` and ``-shm`` files beside someone else's database.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        if create:
            return True
        raise IndexStoreError(
            f"{path}: no index here (no such file; build one with {ADD_HINT})"
        ) from None
    except OSError as e:
        raise IndexStoreError(f"{path}: cannot read ({e.strerror})") from e
    if stat.S_ISDIR(status.st_mode):
        raise IndexStoreError(f"{path}: not a reprint-check index (a folder)")
    if not stat.S_ISREG(status.st_mode):  # a FIFO would block the read below forever
        raise IndexStoreError(f"{path}: not a reprint-check index (not a regular file)")
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise IndexStoreError(f"{path}: cannot read ({e.strerror})") from e
    if not header:
        if create:  # what SQLite makes of an empty file: a database with nothing in it
            return True
        raise IndexStoreError(f"{path}: not a reprint-check index (empty file)")
    if not header.startswith(SQLITE_MAGIC):
        raise IndexStoreError(f"{path}: not a reprint-check index (not a SQLite database)")
    immutable = header[18:19] == bytes([_WAL_FORMAT]) and not Path(f"{path}-wal").exists()
    uri = _sqlite_uri(path, "ro", immutable=immutable)
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
            tables = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            meta = _meta(db) if "meta" in tables else {}
    except sqlite3.DatabaseError as e:
        raise IndexStoreError(f"{path}: not a usable index ({e})") from e
    if meta is None:  # another application's table called meta
        meta, tables = {}, tables | {"meta (not ours)"}
    if "schema" not in meta:
        # our tables without their schema row: an index from an older version whose
        # creation was cut short, which ``index add`` completes
        ours = "meta" in tables and tables <= _TABLES
        if create and (ours or not tables):
            return True
        others = sorted(tables - _TABLES)
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            problem = f"a SQLite database with other tables: {shown}"
        elif tables:
            problem = f"its creation was cut short; run {ADD_HINT} again"
        else:
            problem = "a SQLite database with no tables"
        raise IndexStoreError(f"{path}: not a reprint-check index ({problem})")
    if meta["schema"] != str(SCHEMA_VERSION):
        raise IndexStoreError(
            f"{path}: index schema {meta['schema']}, this version reads {SCHEMA_VERSION}"
        )
    for key, ours in (("k", K), ("window", WINDOW)):
        # fingerprints made with another k or window would match nothing
        if meta.get(key, str(ours)) != str(ours):
            raise IndexStoreError(
                f"{path}: index built with {key} = {meta[key]}, this version uses {ours}"
            )
    missing = sorted(_TABLES - tables)
    if missing:
        raise IndexStoreError(f"{path}: not a usable index (no table {', '.join(missing)})")
    return False


def _meta(db: sqlite3.Connection) -> dict[str, str] | None:
    """The index's meta table as a dict; None when a table called meta is not ours."""
    try:
        return {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
    except sqlite3.OperationalError:  # no such column
        return None


def shown_location(location: str | Path) -> str:
    """The index's location for messages: a PostgreSQL URL with its password masked."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from .pgindex import redact

        return redact(text)
    return text


def open_index(
    location: str | Path | None = None,
    *,
    create: bool = True,
    read_only: bool = False,
    require_articles: bool = False,
) -> SourceIndex:
    """The index named on the command line, by ``REPRINT_CHECK_INDEX``, or the default file.

    ``create``: make the index if there is none (only ``index add`` and the
    library's writers do). ``read_only``: what every command that only reads
    uses; nothing is created or changed, on disk or on the server.
    ``require_articles``: an index holding no articles is an error, because
    an audit against it would pass every page without having checked any.
    """
    location = location or os.environ.get("REPRINT_CHECK_INDEX") or DEFAULT_INDEX_PATH
    store: SourceIndex
    if str(location).startswith(("postgresql://", "postgres://")):
        from .pgindex import PostgresIndex  # psycopg is imported only for a shared index

        store = PostgresIndex(str(location), create=create, read_only=read_only)
    else:
        store = SQLiteIndex(location, create=create, read_only=read_only)
    if require_articles:
        try:
            empty = store.count() == 0
        except BaseException:
            store.close()
            raise
        if empty:
            store.close()
            raise IndexStoreError(
                f"{shown_location(location)}: the index holds no articles; add some with {ADD_HINT}"
            )
    return store
