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
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from reprint_check.errors import IndexStoreError
from reprint_check.index import postings
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
# 2: crawl state (crawl_pages, crawl_sites); 3: postings in runs of chunks
# (``postings.py``) instead of a row per fingerprint.
SCHEMA_VERSION = 3
# Schemas that ``migrate_sqlite`` (``index migrate``) brings up to date; until then
# an index of one is refused, by readers and writers alike, with that hint.
OLDER_SCHEMAS = ("1", "2")
MIGRATE_HINT = "run `reprint-check index migrate`"

_TABLES = frozenset({"meta", "articles", "aliases", "runs"})
# The tables of an index of an older schema (one row per fingerprint), before migration.
_OLDER_TABLES = frozenset({"meta", "articles", "aliases", "fingerprints"})
# Crawl state (schema 2): what index add SITE / index sync learnt per URL and per site.
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
# The runs of postings (see ``postings.py``), oldest first; each is a table run_<run>.
_RUNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY, postings INTEGER NOT NULL);
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
{_RUNS_SCHEMA}{_CRAWL_SCHEMA}{_SEMANTIC_SCHEMA}INSERT OR IGNORE INTO meta
    VALUES ('schema', '{SCHEMA_VERSION}'), ('k', '{K}'), ('window', '{WINDOW}');
COMMIT;
"""
# The first bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
# Header bytes 18 and 19 (write and read format) are 2 in a database in WAL mode.
_WAL_FORMAT = 2
ADD_HINT = "'reprint-check index add'"

# One table per run, its chunks keyed by ``first`` as the rowid: the chunk
# holding a hash is one seek in the table's own B-tree, whose interior pages
# hold keys only. A lone chunk (all postings of the hash ``first``) stores no hashes.
_RUN_TABLE = (
    "CREATE TABLE {table} (first INTEGER PRIMARY KEY, head INTEGER NOT NULL, "
    "hashes BLOB NOT NULL, ids BLOB NOT NULL)"
)
# The chunk of a run holding each k-gram of a batch, without its article ids.
# ``key`` is the hash packed as stored: most k-grams of a page are in no article,
# and SQLite's search of the packed bytes (instr) says so without returning the chunk.
_PROBE = (
    "WITH k(h, key) AS (VALUES {values}) "
    "SELECT k.h, c.first, c.head, CASE WHEN c.first <> k.h THEN c.hashes END "
    "FROM k JOIN {table} AS c "
    "ON c.first = (SELECT first FROM {table} WHERE first <= k.h ORDER BY first DESC LIMIT 1) "
    "WHERE c.first = k.h OR instr(c.hashes, k.key) > 0"
)
# k-grams per probe statement (two parameters each, within SQLite's oldest limit of 999)
_PROBE_BATCH = 400
# Chunks a merge or a scan reads at a time.
_READ_CHUNKS = 256

_IN_BATCH = 500  # parameters per IN (...) query, well under SQLite's limit
PAGE_SIZE = 16384
# SQLite page cache during a large ingest (KiB): the runs a batch's merges read and write.
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
        """An index opened for writing gets the semantic side table (optional, made on
        demand) if it lacks it; older schemas are refused before (see ``migrate_sqlite``)."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'semantic'").fetchone():
            self._db.executescript(f"BEGIN IMMEDIATE;{_SEMANTIC_SCHEMA}COMMIT;")

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
            with self._transaction():
                written: dict[int, array] = {}  # postings are written last, as one run
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
                    written[new_id] = item.hashes
                self._add_run(sorted(written.items()))
                while due := postings.merges_due(self._run_sizes()):
                    self._merge(due)
                self._put_pages(pages)
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
        fps = sorted(article_fingerprints(zlib.decompress(row[0]).decode("utf-8")))
        for run in self._runs():
            self._remove_postings(run, fps, article_id)
        self._db.execute("DELETE FROM aliases WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM semantic WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    # --- postings: runs of chunks (see ``postings.py``) -------------------------------

    def _runs(self) -> list[int]:
        return [r for (r,) in self._db.execute("SELECT run FROM runs ORDER BY run")]

    def _run_sizes(self) -> list[int]:
        return [n for (n,) in self._db.execute("SELECT postings FROM runs ORDER BY run")]

    def _new_run(self) -> int:
        """A new, empty run, newer than every other."""
        run = self._db.execute("SELECT coalesce(max(run), 0) + 1 FROM runs").fetchone()[0]
        self._db.execute(_RUN_TABLE.format(table=_run_table(run)))
        self._db.execute("INSERT INTO runs VALUES (?, 0)", (run,))
        return run

    def _drop_run(self, run: int) -> None:
        self._db.execute(f"DROP TABLE {_run_table(run)}")
        self._db.execute("DELETE FROM runs WHERE run = ?", (run,))

    def _add_run(self, articles: Sequence[tuple[int, Sequence[int]]]) -> None:
        """The articles' postings as a new run (none where they have no fingerprints)."""
        hashes, ids = postings.run_postings(articles)
        if hashes:
            self._write_chunks(self._new_run(), postings.cut(hashes, ids))

    def _write_chunks(self, run: int, chunks: Iterable[postings.Chunk]) -> None:
        written = 0

        def rows() -> Iterator[tuple[int, int, bytes, bytes]]:
            nonlocal written
            for c in chunks:
                written += len(c.ids)
                yield _chunk_row(c)

        self._db.executemany(f"INSERT INTO {_run_table(run)} VALUES (?, ?, ?, ?)", rows())
        self._db.execute("UPDATE runs SET postings = postings + ? WHERE run = ?", (written, run))

    def _chunks(self, rows: Iterable[tuple[int, int, bytes, bytes]]) -> Iterator[postings.Chunk]:
        unpack = postings.unpack
        for first, head, hashes, ids in rows:
            ids_array = unpack("i", ids)
            hashes_array = unpack("q", hashes) if hashes else array("q", [first]) * len(ids_array)
            yield postings.Chunk(first, head, hashes_array, ids_array)

    def _read_run(self, run: int) -> Iterator[postings.Chunk]:
        """The run's chunks in order, deleted as they are read (the caller writes them anew).

        Pages they free are reused by the merge's own writes in the same
        transaction, so a merge does not grow the file by the size of its runs.
        """
        table = _run_table(run)
        while rows := self._db.execute(
            f"SELECT first, head, hashes, ids FROM {table} ORDER BY first LIMIT ?",
            (_READ_CHUNKS,),
        ).fetchall():
            self._db.execute(f"DELETE FROM {table} WHERE first <= ?", (rows[-1][0],))
            yield from self._chunks(rows)

    def _scan_run(self, run: int) -> Iterator[postings.Chunk]:
        """The run's chunks in order, read a page at a time (no cursor left open)."""
        table = _run_table(run)
        query = (
            f"SELECT first, head, hashes, ids FROM {table} WHERE first >= ? ORDER BY first LIMIT ?"
        )
        after = -(1 << 63)  # no chunk can hold less
        while rows := self._db.execute(query, (after, _READ_CHUNKS)).fetchall():
            yield from self._chunks(rows)
            if rows[-1][0] == (1 << 63) - 1:
                return
            after = rows[-1][0] + 1

    def _merge(self, count: int) -> None:
        """Merge the ``count`` newest runs into one, in the current transaction."""
        runs = self._runs()[-count:]
        merged = self._new_run()
        self._write_chunks(merged, postings.merge_runs([self._read_run(r) for r in runs]))
        for run in runs:
            self._drop_run(run)

    def _probe(self, run: int, hashes: Sequence[int]) -> list[tuple[int, int, int, bytes | None]]:
        """(hash, first, head, hashes) of the chunk of the run holding each hash, for those
        that may be in it; ``hashes`` is None where ``first`` is the hash (``head`` counts it)."""
        table = _run_table(run)
        packed = postings.pack(array("q", hashes))
        params = [value for i, h in enumerate(hashes) for value in (h, packed[8 * i : 8 * i + 8])]
        rows: list[tuple[int, int, int, bytes | None]] = []
        for start in range(0, len(params), 2 * _PROBE_BATCH):
            batch = params[start : start + 2 * _PROBE_BATCH]
            values = ",".join(["(?, ?)"] * (len(batch) // 2))
            rows += self._db.execute(_PROBE.format(values=values, table=table), batch)
        return rows

    def _remove_postings(self, run: int, hashes: Sequence[int], article_id: int) -> None:
        """Take the article's postings of these hashes out of the run, rewriting their chunks."""
        table = _run_table(run)
        wanted = set(hashes)
        firsts = sorted({first for _, first, _, _ in self._probe(run, hashes)})
        removed = 0
        for batch in _batches(firsts):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT first, head, hashes, ids FROM {table} WHERE first IN ({marks})", batch
            ).fetchall()
            for chunk in self._chunks(rows):
                kept = postings.without(chunk, wanted, article_id)
                if kept is chunk:
                    continue
                removed += len(chunk.ids) - (len(kept.ids) if kept else 0)
                if kept is None:
                    self._db.execute(f"DELETE FROM {table} WHERE first = ?", (chunk.first,))
                    continue
                self._db.execute(
                    f"UPDATE {table} SET head = ?, hashes = ?, ids = ? WHERE first = ?",
                    (
                        kept.head,
                        b"" if kept.lone else postings.pack(kept.hashes),
                        postings.pack(kept.ids),
                        kept.first,
                    ),
                )
        if removed:
            self._db.execute(
                "UPDATE runs SET postings = postings - ? WHERE run = ?", (removed, run)
            )
            if not self._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                self._drop_run(run)

    @contextlib.contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """A large page cache while a large ingest writes (restored after).

        Each batch writes a run of postings and, every few batches, merges
        runs (``postings.merges_due``); with their pages in memory a merge
        costs CPU, not page reads.
        """
        (cache,) = self._db.execute("PRAGMA cache_size").fetchone()
        self._db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA cache_size = {cache}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: committed whole, or rolled back and told in one line."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise IndexStoreError(f"{self.location}: cannot write ({e})") from e

    def remove(self, url: str) -> ArticleInfo | None:
        """Remove the article stored under ``url`` (or one of its aliases); what was removed."""
        try:
            with self._transaction():
                row = self._db.execute(
                    "SELECT a.id, a.url, a.title, a.chars, a.published FROM aliases s "
                    "JOIN articles a ON a.id = s.article_id WHERE s.canonical = ?",
                    (canonical_url(url),),
                ).fetchone()
                if row is not None:
                    self._delete(row[0])
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
        with self._transaction():
            self._put_pages(records)

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

    def newest_article_id(self) -> int:
        return self._db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]

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
        # one read transaction: a merge committed meanwhile cannot move postings under it
        own = not self._db.in_transaction
        if own:
            self._db.execute("BEGIN")
        try:
            probes = [
                (h, run, *rest) for run in self._runs() for h, *rest in self._probe(run, distinct)
            ]
            holders, places = postings.holders(probes)
            boilerplate, rare = split_by_holders(holders.items(), self.count())
            wanted = [place for place in places if place[0] in rare]
            found = postings.postings_at(wanted, self._ids({p[1:3] for p in wanted}))
            ranked = rank_candidates(kgrams, boilerplate, rare, found, self._stored_kgrams, limit)
        finally:
            if own:
                self._db.execute("COMMIT")
        return ranked, boilerplate

    def _ids(self, chunks: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The packed article ids of these (run, first) chunks."""
        by_run: dict[int, list[int]] = {}
        for run, first in chunks:
            by_run.setdefault(run, []).append(first)
        ids: dict[tuple[int, int], bytes] = {}
        for run, firsts in by_run.items():
            for batch in _batches(sorted(firsts)):
                marks = ",".join("?" * len(batch))
                for first, packed in self._db.execute(
                    f"SELECT first, ids FROM {_run_table(run)} WHERE first IN ({marks})", batch
                ):
                    ids[run, first] = packed
        return ids

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
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO semantic SELECT ?, id, ? FROM articles WHERE id = ?",
                [(kind, data, article_id) for article_id, data in rows],
            )

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
        self._db.execute("BEGIN")  # one snapshot: a merge cannot drop a run being read
        try:
            n = self.count()
            fps = self._db.execute("SELECT coalesce(sum(postings), 0) FROM runs").fetchone()[0]
            chars = self._db.execute("SELECT coalesce(sum(chars), 0) FROM articles").fetchone()[0]
            boiler = postings.common_hashes(
                [self._scan_run(r) for r in self._runs()], boilerplate_threshold(n)
            )
        finally:
            self._db.execute("COMMIT")
        size = 0
        if self.location != ":memory:":
            for suffix in ("", "-wal"):
                with contextlib.suppress(OSError):
                    size += os.path.getsize(self.location + suffix)
        return IndexStats(self.location, n, fps, boiler, chars, size)

    def checkpoint(self) -> None:
        """After a large ingest: merge its runs (``postings.compaction``), fold the log.

        Merging leaves a few runs, so that a look-up probes few; the log then
        holds a copy of every page written, as large as the new part of the
        index, until it is folded into the file and truncated. Either step is
        skipped when it cannot be done now (another writer, readers still on
        the log): the next ingest does it.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
            while due := postings.compaction(self._run_sizes()):
                self._merge(due)
            self._db.execute("COMMIT")
        except sqlite3.Error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
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


def _run_table(run: int) -> str:
    return f"run_{int(run)}"


def _chunk_row(chunk: postings.Chunk) -> tuple[int, int, bytes, bytes]:
    """A chunk as a row of its run's table: a lone chunk's hashes are all ``first``."""
    hashes = b"" if chunk.lone else postings.pack(chunk.hashes)
    return chunk.first, chunk.head, hashes, postings.pack(chunk.ids)


def _batches(items: list[int] | list[str]) -> Iterator[list]:
    for i in range(0, len(items), _IN_BATCH):
        yield items[i : i + _IN_BATCH]


def _sqlite_uri(path: Path, mode: str, *, immutable: bool = False) -> str:
    """A ``file:`` URI for ``sqlite3.connect(..., uri=True)``: ro, rw (never creates) or rwc."""
    return f"{path.absolute().as_uri()}?mode={mode}" + ("&immutable=1" if immutable else "")


def inspect_sqlite_file(path: Path, *, create: bool, migrating: bool = False) -> bool:
    """Whether ``path`` is to be made into a new index (True) or holds one (False).

    An index of an older schema is refused with the hint to migrate it,
    unless ``migrating`` (``migrate_sqlite`` checks the file this way).

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
        ours = "meta" in tables and tables <= _TABLES | _OLDER_TABLES | _OPTIONAL_TABLES
        if create and (ours or not tables):
            return True
        others = sorted(tables - _TABLES - _OLDER_TABLES - _OPTIONAL_TABLES)
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            problem = f"a SQLite database with other tables: {shown}"
        elif tables:
            problem = f"its creation was cut short; run {ADD_HINT} again"
        else:
            problem = "a SQLite database with no tables"
        raise IndexStoreError(f"{path}: not a reprint-check index ({problem})")
    version = meta["schema"]
    older = version in OLDER_SCHEMAS
    if version != str(SCHEMA_VERSION) and not (older and migrating):
        # an older index read as this schema would find no postings: never a silent pass
        hint = MIGRATE_HINT if older else "upgrade reprint-check"
        raise IndexStoreError(
            f"{path}: index schema {version}, this version reads {SCHEMA_VERSION} ({hint})"
        )
    for key, ours in (("k", K), ("window", WINDOW)):
        # fingerprints made with another k or window would match nothing
        if meta.get(key, str(ours)) != str(ours):
            raise IndexStoreError(
                f"{path}: index built with {key} = {meta[key]}, this version uses {ours}"
            )
    missing = sorted((_OLDER_TABLES if older else _TABLES) - tables)
    if missing:
        raise IndexStoreError(f"{path}: not a usable index (no table {', '.join(missing)})")
    return False


def migrate_sqlite(path: str | Path) -> list[int]:
    """Bring an index file's schema up to date; returns the versions applied (may be none).

    Schemas 1 and 2 kept a row per (fingerprint, article) in ``fingerprints``
    (schema 1 also lacks the crawl tables); schema 3 packs the postings into
    one run of chunks. All of it happens in one transaction, read in hash
    order a slab at a time, so an interrupted migration leaves the old index
    as it was; VACUUM then gives the old table's space back to the disk.
    """
    path = Path(path)
    inspect_sqlite_file(path, create=False, migrating=True)
    try:
        db = sqlite3.connect(_sqlite_uri(path, "rw"), uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error as e:
        raise IndexStoreError(f"{path}: not a usable index ({e})") from e
    try:
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("BEGIN IMMEDIATE")
        (version,) = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version not in OLDER_SCHEMAS:
            db.execute("ROLLBACK")
            return []
        # one statement at a time: executescript would commit the transaction first
        for statement in (_CRAWL_SCHEMA + _SEMANTIC_SCHEMA + _RUNS_SCHEMA).split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(_RUN_TABLE.format(table=_run_table(1)))
        hashes, ids = array("q"), array("i")
        total = 0
        after = (-(1 << 63), -1)
        while page := db.execute(
            "SELECT hash, article_id FROM fingerprints WHERE (hash, article_id) > (?, ?) "
            "ORDER BY hash, article_id LIMIT ?",
            (*after, postings.MERGE_SLAB),
        ).fetchall():
            hashes.extend(h for h, _ in page)
            ids.extend(a for _, a in page)
            after = page[-1]
            chunks = list(postings.cut(hashes, ids, last=False))
            done = sum(len(c.ids) for c in chunks)
            db.executemany("INSERT INTO run_1 VALUES (?, ?, ?, ?)", map(_chunk_row, chunks))
            del hashes[:done], ids[:done]
            total += done
        db.executemany(
            "INSERT INTO run_1 VALUES (?, ?, ?, ?)", map(_chunk_row, postings.cut(hashes, ids))
        )
        total += len(hashes)
        if total:
            db.execute("INSERT INTO runs VALUES (1, ?)", (total,))
        else:
            db.execute("DROP TABLE run_1")
        db.execute("DROP TABLE fingerprints")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))
        db.execute("COMMIT")
        db.execute("VACUUM")
        return [SCHEMA_VERSION]
    except sqlite3.Error as e:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise IndexStoreError(f"{path}: cannot migrate the index ({e})") from e
    finally:
        db.close()


def _meta(db: sqlite3.Connection) -> dict[str, str] | None:
    """The index's meta table as a dict; None when a table called meta is not ours."""
    try:
        return {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
    except sqlite3.OperationalError:  # no such column
        return None
