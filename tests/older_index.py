"""Index files as older versions of reprint-check left them, for the migration tests.

Schemas 1 and 2 kept one row per (fingerprint, article) in a ``fingerprints``
table; schema 1 also had no crawl tables. An index is built with the current
code, then taken back to that layout: the same articles, aliases and postings.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path

from reprint_check.index.base import article_fingerprints
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article


def older_index(path: Path, articles: Iterable[Article], schema: int) -> None:
    """Write ``articles`` to a new index file at ``path`` in the layout of ``schema`` (1 or 2)."""
    with SQLiteIndex(path) as store:
        store.add_many(articles)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        db.execute(
            "CREATE TABLE fingerprints (hash INTEGER NOT NULL, article_id INTEGER NOT NULL, "
            "PRIMARY KEY (hash, article_id)) WITHOUT ROWID"
        )
        for article_id, body in db.execute("SELECT id, body FROM articles").fetchall():
            text = zlib.decompress(body).decode("utf-8")
            db.executemany(
                "INSERT INTO fingerprints VALUES (?, ?)",
                [(h, article_id) for h in article_fingerprints(text)],
            )
        for (run,) in db.execute("SELECT run FROM runs").fetchall():
            db.execute(f"DROP TABLE run_{run}")
        db.execute("DROP TABLE runs")
        if schema == 1:
            db.execute("DROP TABLE crawl_pages")
            db.execute("DROP TABLE crawl_sites")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(schema),))
        db.execute("COMMIT")
    finally:
        db.close()
