"""The embedded default index: one SQLite file, so an editor needs no server.

Writers put it in WAL mode (readers never block the writer); a read-only
open changes nothing on disk. Longer than most modules because the file's
whole life is here (creating, checking a file found at the path, migrating
pragmas for bulk loads, candidate queries): splitting it would spread one
storage format over several files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import stat
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from reprint_check.errors import IndexStoreError
from reprint_check.index.base import (
    MAX_CANDIDATES,
    TEMPLATE_KEY,
    ArticleInfo,
    ArticleWrites,
    GoneArticle,
    IndexStats,
    PageRecord,
    PreparedArticle,
    SiteRecord,
    WriteCounts,
    article_fingerprints,
    body_polynomials,
    boilerplate_threshold,
    rank_candidates,
    same_article,
    split_by_holders,
)
from reprint_check.models import Article
from reprint_check.text.fingerprint import (
    WINDOW,
    K,
)
from reprint_check.urls import canonical_url

DEFAULT_INDEX_PATH = Path(".reprint-check") / "index.sqlite"
SCHEMA_VERSION = 2  # 2: crawl state (crawl_pages, crawl_sites)

_TABLES = frozenset({"meta", "articles", "aliases", "fingerprints"})
# Crawl state (schema 2): what index add SITE / index sync learnt per URL and per site.
# A schema-1 index lacks these tables; a writer adds them, a reader reads them as empty.
_CRAWL_TABLES = frozenset({"crawl_pages", "crawl_sites"})
# The semantic stage's side data (index add --semantic): opaque rows per kind and article.
# A writer adds the table to an index made without it; a reader reads it as empty.
_SEMANTIC_SCHEMA = """
CREATE TABLE IF NOT EXISTS semantic (
    kind TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (kind, article_id)
);
"""
_OPTIONAL_TABLES = _CRAWL_TABLES | {"semantic"}
_CRAWL_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl_pages (
    canonical TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    state TEXT NOT NULL,
    via TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    lastmod TEXT,
    etag TEXT,
    last_modified TEXT,
    status INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS crawl_pages_site ON crawl_pages(site);
CREATE TABLE IF NOT EXISTS crawl_sites (
    site TEXT PRIMARY KEY,
    start_url TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    via TEXT NOT NULL
);
"""
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
{_CRAWL_SCHEMA}{_SEMANTIC_SCHEMA}INSERT OR IGNORE INTO meta
    VALUES ('schema', '{SCHEMA_VERSION}'), ('k', '{K}'), ('window', '{WINDOW}');
COMMIT;
"""
# The first bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
# Header bytes 18 and 19 (write and read format) are 2 in a database in WAL mode.
_WAL_FORMAT = 2
ADD_HINT = "'reprint-check index add'"

_IN_BATCH = 500  # parameters per IN (...) query, well under SQLite's limit
PAGE_SIZE = 16384
# SQLite page cache during a large ingest (KiB): the hot part of the fingerprint table.
BULK_CACHE_KIB = 262144


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
            elif not read_only:
                self._upgrade()
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            self._crawl_state = tables >= _CRAWL_TABLES
            self._semantic = "semantic" in tables
        except sqlite3.DatabaseError as e:
            if hasattr(self, "_db"):
                self._db.close()
            raise IndexStoreError(f"{self.location}: not a usable index ({e})") from e

    def _upgrade(self) -> None:
        """An index opened for writing gets the tables it lacks: the semantic side table
        (optional, made on demand) and, in schema 1, the crawl tables."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'semantic'").fetchone():
            self._db.executescript(f"BEGIN IMMEDIATE;{_SEMANTIC_SCHEMA}COMMIT;")
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is not None and row[0] == "1":
            self._db.executescript(
                f"BEGIN IMMEDIATE;{_CRAWL_SCHEMA}"
                f"UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema';COMMIT;"
            )

    # --- writing -----------------------------------------------------------------

    def add_prepared_many(
        self,
        items: Iterable[PreparedArticle],
        *,
        skip_unchanged: bool = False,
        pages: Iterable[PageRecord] = (),
    ) -> WriteCounts:
        """Store prepared articles, and crawl records, in one transaction.

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
            self._put_pages(pages)
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

    # --- crawl state ---------------------------------------------------------------

    def _put_pages(self, records: Iterable[PageRecord]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO crawl_pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(canonical_url(r.url), *dataclasses.astuple(r)) for r in records],
        )

    def record_pages(self, records: Iterable[PageRecord]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._put_pages(records)
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e

    def pages(self, site: str) -> Iterator[tuple[PageRecord, bool]]:
        if not self._crawl_state:
            return
        rows = self._db.execute(
            "SELECT p.url, p.site, p.state, p.via, p.checked_at, p.lastmod, p.etag, "
            "p.last_modified, p.status, a.article_id IS NOT NULL FROM crawl_pages p "
            "LEFT JOIN aliases a ON a.canonical = p.canonical "
            "WHERE p.site = ? ORDER BY p.canonical",
            (site,),
        )
        for row in rows:
            yield PageRecord(*row[:9]), bool(row[9])

    def site(self, site: str) -> SiteRecord | None:
        if not self._crawl_state:
            return None
        row = self._db.execute(
            "SELECT site, start_url, started, finished, via FROM crawl_sites WHERE site = ?",
            (site,),
        ).fetchone()
        return SiteRecord(*row) if row else None

    def record_site(self, record: SiteRecord) -> None:
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO crawl_sites VALUES (?, ?, ?, ?, ?)",
                (record.site, record.start_url, record.started, record.finished, record.via),
            )
        except sqlite3.Error as e:
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e

    def gone_articles(self) -> Iterator[GoneArticle]:
        if not self._crawl_state:
            return
        rows = self._db.execute(
            "SELECT a.id, a.url, a.title, a.chars, a.published, p.url, p.checked_at, p.status "
            "FROM crawl_pages p JOIN aliases s ON s.canonical = p.canonical "
            "JOIN articles a ON a.id = s.article_id WHERE p.state = 'gone' ORDER BY p.url"
        )
        for row in rows:
            yield GoneArticle(ArticleInfo(*row[:5]), row[5], row[6], row[7])

    def obtained(self) -> dict[str, int]:
        if not self._crawl_state:
            return {}
        rows = self._db.execute(
            "SELECT p.via, count(DISTINCT s.article_id) FROM crawl_pages p "
            "JOIN aliases s ON s.canonical = p.canonical "
            "WHERE p.state IN ('indexed', 'gone') GROUP BY p.via ORDER BY p.via"
        )
        return dict(rows)

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
        if not self._semantic:
            return
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
        if not self._semantic:
            return sorted(info.id for info in self.articles())
        return [
            r[0]
            for r in self._db.execute(
                "SELECT id FROM articles WHERE id NOT IN "
                "(SELECT article_id FROM semantic WHERE kind = ?) ORDER BY id",
                (kind,),
            )
        ]

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
        ours = "meta" in tables and tables <= _TABLES | _OPTIONAL_TABLES
        if create and (ours or not tables):
            return True
        others = sorted(tables - _TABLES - _OPTIONAL_TABLES)
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            problem = f"a SQLite database with other tables: {shown}"
        elif tables:
            problem = f"its creation was cut short; run {ADD_HINT} again"
        else:
            problem = "a SQLite database with no tables"
        raise IndexStoreError(f"{path}: not a reprint-check index ({problem})")
    if meta["schema"] not in ("1", str(SCHEMA_VERSION)):  # 1 lacks only the crawl tables
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
