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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import IndexStoreError
from .fingerprint import GUARANTEE_TOKENS, WINDOW, K, kgram_hashes, tokenize, winnow
from .links import canonical_url
from .models import Article
from .text import normalize

DEFAULT_INDEX_PATH = Path(".reprint-check") / "index.sqlite"
SCHEMA_VERSION = 1

# A fingerprint found in at least this many articles is publisher boilerplate
# (a sign-off, a newsletter line) and points to no article in particular.
BOILERPLATE_MIN_ARTICLES = 5
# ... or in this share of the archive, whichever is larger.
BOILERPLATE_SHARE = 0.002
# Candidate articles aligned per target, best-hit first.
MAX_CANDIDATES = 200


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


def article_fingerprints(text: str) -> set[int]:
    """Distinct winnowed fingerprints of an article's text."""
    return {h for h, _ in winnow(kgram_hashes(tokenize(normalize(text).text)))}


def boilerplate_threshold(articles: int) -> int:
    return max(BOILERPLATE_MIN_ARTICLES, int(articles * BOILERPLATE_SHARE))


class SourceIndex(Protocol):
    """Where publisher articles live; two backends, the same behaviour."""

    location: str

    def add(self, article: Article) -> bool:
        """Store the article, replacing any stored under one of its URLs; True if replaced."""
        ...

    def remove(self, url: str) -> bool: ...

    def get(self, article_id: int) -> Article: ...

    def candidates(
        self, kgrams: Sequence[int], limit: int = MAX_CANDIDATES
    ) -> tuple[list[tuple[int, int]], set[int]]:
        """(article id, distinct hits) best first, and the boilerplate hashes among ``kgrams``."""
        ...

    def articles(self) -> Iterator[ArticleInfo]: ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...


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
"""

_IN_BATCH = 500  # parameters per IN (...) query, well under SQLite's limit


class SQLiteIndex:
    """The embedded default: one SQLite file in WAL mode (readers never block the writer)."""

    def __init__(self, path: str | Path = DEFAULT_INDEX_PATH, *, create: bool = True) -> None:
        self.location = str(path)
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

    def add(self, article: Article) -> bool:
        return self.add_many([article]) > 0

    def add_many(self, articles: Iterable[Article]) -> int:
        """Store articles in one transaction; returns how many replaced a stored one."""
        replaced = 0
        prepared = [(a, article_fingerprints(a.text)) for a in articles]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for article, fps in prepared:
                replaced += self._store(article, fps)
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e
        return replaced

    def _store(self, article: Article, fps: set[int]) -> int:
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
        for old in old_ids:
            self._delete(old)
        cur = self._db.execute(
            "INSERT INTO articles (url, title, published, chars, body) VALUES (?, ?, ?, ?, ?)",
            (
                article.url,
                article.title,
                article.published,
                len(article.text),
                zlib.compress(article.text.encode("utf-8"), 6),
            ),
        )
        new_id = cur.lastrowid
        self._db.executemany(
            "INSERT OR REPLACE INTO aliases VALUES (?, ?, ?)",
            [(k, new_id, u) for k, u in keys.items()],
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO fingerprints VALUES (?, ?)", [(h, new_id) for h in fps]
        )
        return 1 if old_ids else 0

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

    def remove(self, url: str) -> bool:
        row = self._db.execute(
            "SELECT article_id FROM aliases WHERE canonical = ?", (canonical_url(url),)
        ).fetchone()
        if row is None:
            return False
        self._db.execute("BEGIN IMMEDIATE")
        self._delete(row[0])
        self._db.execute("COMMIT")
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

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def candidates(
        self, kgrams: Sequence[int], limit: int = MAX_CANDIDATES
    ) -> tuple[list[tuple[int, int]], set[int]]:
        distinct = sorted(set(kgrams))
        threshold = boilerplate_threshold(self.count())
        boilerplate: set[int] = set()
        useful: list[int] = []
        for batch in _batches(distinct):
            marks = ",".join("?" * len(batch))
            for h, n in self._db.execute(
                f"SELECT hash, count(*) FROM fingerprints WHERE hash IN ({marks}) GROUP BY hash",
                batch,
            ):
                (boilerplate.add(h) if n >= threshold else useful.append(h))
        hits: dict[int, int] = {}
        for batch in _batches(useful):
            marks = ",".join("?" * len(batch))
            for (article_id,) in self._db.execute(
                f"SELECT article_id FROM fingerprints WHERE hash IN ({marks})", batch
            ):
                hits[article_id] = hits.get(article_id, 0) + 1
        ranked = sorted(hits.items(), key=lambda x: (-x[1], x[0]))[:limit]
        return ranked, boilerplate

    def articles(self) -> Iterator[ArticleInfo]:
        for row in self._db.execute(
            "SELECT id, url, title, chars, published FROM articles ORDER BY url"
        ):
            yield ArticleInfo(*row)

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

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SQLiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _batches(items: list[int] | list[str]) -> Iterator[list]:
    for i in range(0, len(items), _IN_BATCH):
        yield items[i : i + _IN_BATCH]


def open_index(location: str | Path | None = None, *, create: bool = True) -> SQLiteIndex:
    """The index named on the command line, by ``REPRINT_CHECK_INDEX``, or the default file."""
    location = location or os.environ.get("REPRINT_CHECK_INDEX") or DEFAULT_INDEX_PATH
    if str(location).startswith(("postgresql://", "postgres://")):
        raise IndexStoreError(f"{location}: the PostgreSQL backend is not available yet")
    return SQLiteIndex(location, create=create)
