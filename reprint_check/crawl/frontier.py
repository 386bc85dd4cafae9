"""The URLs one crawl has found, on disk, and the plan of what to fetch.

A site's sitemaps can list 100,000 URLs, several times over (a sitemap, a
news sitemap, a feed), and the index may hold a record for each. Both sides
go into a throw-away SQLite file, not into Python lists, so a crawl's memory
stays flat whatever the size of the site; the plan is then one ordered query:
every URL found, newest first, with what the index knew about it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from reprint_check.index.base import PageRecord
from reprint_check.urls import canonical_url

# Rows written per executemany while URLs stream in.
INSERT_BATCH = 1000

_SCHEMA = """
CREATE TABLE found (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    lastmod TEXT,           -- a modification date the site gave (sitemap lastmod, API modified)
    published TEXT,         -- a publication date (news sitemap, feed)
    post_id INTEGER,        -- the WordPress post, when the API listed it
    seq INTEGER NOT NULL    -- order of discovery: the tie-break of the plan
) WITHOUT ROWID;
CREATE TABLE known (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL, site TEXT NOT NULL, state TEXT NOT NULL, via TEXT NOT NULL,
    checked_at TEXT NOT NULL, lastmod TEXT, etag TEXT, last_modified TEXT, status INTEGER,
    stored INTEGER NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Found:
    """A URL the site listed, with what the index knew about it (``known``: None if nothing)."""

    url: str
    lastmod: str | None
    published: str | None
    post_id: int | None
    known: PageRecord | None
    stored: bool  # an article is indexed under this URL

    @property
    def date(self) -> str | None:
        dates = [d for d in (self.lastmod, self.published) if d]
        return max(dates) if dates else None


class Frontier:
    """A crawl's found URLs and the index's records of the site, in a temporary SQLite file."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="reprint-check-crawl-")
        # one thread at a time: discovery fills it, then the planner thread reads it
        self._db = sqlite3.connect(
            Path(self._folder.name) / "frontier.sqlite", check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.executescript(_SCHEMA)
        self._pending: list[tuple[str, str, str | None, str | None, int | None, int]] = []
        self._seq = 0

    def __enter__(self) -> Frontier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        self._folder.cleanup()

    # --- filling ---------------------------------------------------------------------

    def add(
        self,
        url: str,
        *,
        lastmod: str | None = None,
        published: str | None = None,
        post_id: int | None = None,
    ) -> None:
        """A URL the site listed; listed again, it keeps the latest dates of each listing."""
        self._seq += 1
        self._pending.append((canonical_url(url), url, lastmod, published, post_id, self._seq))
        if len(self._pending) >= INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        self._db.executemany(
            "INSERT INTO found VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "lastmod = CASE WHEN excluded.lastmod > coalesce(lastmod, '') "
            "THEN excluded.lastmod ELSE lastmod END, "
            "published = CASE WHEN excluded.published > coalesce(published, '') "
            "THEN excluded.published ELSE published END, "
            "post_id = coalesce(post_id, excluded.post_id)",
            self._pending,
        )
        self._db.commit()
        self._pending.clear()

    def load_known(self, records: Iterable[tuple[PageRecord, bool]]) -> int:
        """The index's records of the site; returns how many."""
        count = 0
        batch: list[tuple[object, ...]] = []
        for record, stored in records:
            count += 1
            batch.append(
                (
                    canonical_url(record.url),
                    *dataclasses.astuple(record),
                    int(stored),
                )
            )
            if len(batch) >= INSERT_BATCH:
                self._insert_known(batch)
        self._insert_known(batch)
        return count

    def _insert_known(self, batch: list[tuple[object, ...]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO known VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch
        )
        self._db.commit()
        batch.clear()

    # --- reading ----------------------------------------------------------------------

    def count(self) -> int:
        self.flush()
        return self._db.execute("SELECT count(*) FROM found").fetchone()[0]

    def known_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM known").fetchone()[0]

    def known(self, url: str) -> PageRecord | None:
        """The index's record of a URL (any address of it that canonicalises the same)."""
        row = self._db.execute(
            "SELECT url, site, state, via, checked_at, lastmod, etag, last_modified, status "
            "FROM known WHERE key = ?",
            (canonical_url(url),),
        ).fetchone()
        return PageRecord(*row) if row is not None else None

    def found(self) -> Iterator[Found]:
        """Every URL found, newest first (undated last, in the order they were found).

        Of two URLs with the same date, the one a sitemap gave a modification
        date goes first: when both lead to one page (an old address listed in
        the sitemap, the new one in a feed), its record then keeps that date.
        """
        self.flush()
        cursor = self._db.execute(
            "SELECT f.url, f.lastmod, f.published, f.post_id, k.url, k.site, k.state, k.via, "
            "k.checked_at, k.lastmod, k.etag, k.last_modified, k.status, k.stored "
            "FROM found f LEFT JOIN known k ON k.key = f.key "
            "ORDER BY max(coalesce(f.lastmod, ''), coalesce(f.published, '')) DESC, "
            "f.lastmod IS NULL, f.seq"
        )
        while rows := cursor.fetchmany(500):
            for row in rows:
                known = PageRecord(*row[4:13]) if row[4] is not None else None
                yield Found(row[0], row[1], row[2], row[3], known, bool(row[13]))

    def absent(self) -> Iterator[tuple[PageRecord, bool]]:
        """The index's records of the site that no listing named this time."""
        cursor = self._db.execute(
            "SELECT k.url, k.site, k.state, k.via, k.checked_at, k.lastmod, k.etag, "
            "k.last_modified, k.status, k.stored FROM known k "
            "WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.key = k.key) ORDER BY k.key"
        )
        while rows := cursor.fetchmany(500):
            for row in rows:
                yield PageRecord(*row[:9]), bool(row[9])
