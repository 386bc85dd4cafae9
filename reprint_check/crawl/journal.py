"""What a crawl has fetched, on disk as soon as it arrives: a killed crawl asks for nothing twice.

A page travels from the thread that fetched it to extraction (in another
process) and then to the index, which commits articles in batches. A crawl
killed on the way would lose what was fetched and not yet committed, and ask
the site for it again. So each answer is written here the moment it is read
(one small transaction, by the thread that fetched it, before that host may
start another request in its place), and removed once the index holds what
came of it. A crawl that resumes an interrupted one takes what the journal
holds instead of asking again.

The journal lives beside a SQLite index (``index.sqlite.crawl-journal``) and,
for a PostgreSQL index, in the user's state folder; it is deleted when a crawl
ends with nothing left in it. It is proof against a killed process, not a
power cut: commits are not flushed to the disk one by one (the index's own
transactions are, and what a power cut loses is only fetched again).
Entries are opaque bytes, keyed by site, crawl and URL: what a unit of work
is belongs to the crawler.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from reprint_check.errors import IndexStoreError
from reprint_check.urls import canonical_url

SUFFIX = ".crawl-journal"
# Seconds a writer waits for another crawl of the same index holding the file.
BUSY_TIMEOUT_MS = 30_000
# Keys deleted per statement (SQLite's limit on bound parameters is 32,766).
DELETE_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetched (
    site TEXT NOT NULL,
    crawl TEXT NOT NULL,    -- when the crawl that fetched it started: what a resume matches
    key TEXT NOT NULL,      -- the canonical URL
    seq INTEGER NOT NULL,   -- the order of arrival: replayed in the same order
    data BLOB NOT NULL,
    PRIMARY KEY (site, key)
) WITHOUT ROWID;
"""


def journal_path(location: str) -> Path | None:
    """Where the journal of the index at ``location`` lives; None for an index in memory."""
    if location == ":memory:":
        return None
    if location.startswith(("postgresql://", "postgres://")):
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        name = hashlib.sha256(location.encode("utf-8")).hexdigest()[:20]
        return Path(state) / "reprint-check" / "crawl-journals" / f"{name}.sqlite"
    return Path(location + SUFFIX)


class Journal:
    """Fetched answers not yet in the index, for one index; thread-safe."""

    def __init__(self, path: Path | None) -> None:
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        if path is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="reprint-check-journal-")
            path = Path(self._temporary.name) / "journal.sqlite"
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            # a killed process loses nothing that a returned commit wrote; a power cut may
            # lose the last answers, which are then fetched again
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise IndexStoreError(f"{path}: cannot keep the crawl journal ({e})") from None
        self._seq = self._db.execute("SELECT coalesce(max(seq), 0) FROM fetched").fetchone()[0]

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def write(self, site: str, crawl: str, entries: Iterable[tuple[str, bytes]]) -> None:
        """(URL, data) pairs, in one transaction; a URL written again replaces its entry."""
        with self._lock:
            rows = []
            for url, data in entries:
                self._seq += 1
                rows.append((site, crawl, canonical_url(url), self._seq, data))
            if not rows:
                return
            self._execute_many(
                "INSERT OR REPLACE INTO fetched VALUES (?, ?, ?, ?, ?)", rows, transaction=True
            )

    def forget(self, site: str, urls: Iterable[str]) -> None:
        """Entries the index now holds the outcome of."""
        keys = list(dict.fromkeys(canonical_url(u) for u in urls))
        with self._lock:
            for start in range(0, len(keys), DELETE_BATCH):
                chunk = keys[start : start + DELETE_BATCH]
                marks = ",".join("?" * len(chunk))
                self._execute_many(
                    f"DELETE FROM fetched WHERE site = ? AND key IN ({marks})",
                    [(site, *chunk)],
                    transaction=False,
                )

    def clear(self, site: str, *, keep_crawl: str | None = None) -> int:
        """Drop a site's entries (but those of ``keep_crawl``); returns how many went."""
        with self._lock:
            cursor = self._execute_many(
                "DELETE FROM fetched WHERE site = ? AND crawl IS NOT ?",
                [(site, keep_crawl)],
                transaction=False,
            )
            return cursor.rowcount if cursor is not None else 0

    def keys(self, site: str, crawl: str) -> set[str]:
        """The canonical URLs a crawl fetched and the index does not hold yet."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM fetched WHERE site = ? AND crawl = ?", (site, crawl)
            ).fetchall()
        return {row[0] for row in rows}

    def entries(self, site: str, crawl: str) -> Iterator[bytes]:
        """A crawl's entries in the order they arrived, read a few at a time."""
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, data FROM fetched WHERE site = ? AND crawl = ? AND seq > ? "
                    "ORDER BY seq LIMIT 100",
                    (site, crawl, last),
                ).fetchall()
            if not rows:
                return
            for seq, data in rows:
                last = seq
                yield data

    def close(self) -> None:
        """Close; the file goes when nothing is left in it."""
        with self._lock:
            empty = False
            with contextlib.suppress(sqlite3.Error):
                empty = self._db.execute("SELECT 1 FROM fetched LIMIT 1").fetchone() is None
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        if self._temporary is not None:
            self._temporary.cleanup()
        elif empty:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{self.path}{suffix}").unlink()

    def _execute_many(
        self, sql: str, rows: list[tuple[object, ...]], *, transaction: bool
    ) -> sqlite3.Cursor | None:
        try:
            if not transaction:
                cursor = None
                for row in rows:
                    cursor = self._db.execute(sql, row)
                return cursor
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.executemany(sql, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return cursor
        except sqlite3.Error as e:
            raise IndexStoreError(f"{self.path}: cannot write the crawl journal ({e})") from None
