"""The source index: publisher articles and their winnowed fingerprints.

Detection code talks to the ``SourceIndex`` protocol only (base.py); the
embedded default is one SQLite file (sqlite.py), so an editor needs no server,
and a shared index lives in PostgreSQL (postgres.py, imported only when asked
for). :func:`open_index` chooses the backend from the location.
"""

from __future__ import annotations

import os
from pathlib import Path

from reprint_check.errors import IndexStoreError
from reprint_check.index.base import SourceIndex
from reprint_check.index.sqlite import (
    ADD_HINT,
    DEFAULT_INDEX_PATH,
    SCHEMA_VERSION,
    SQLiteIndex,
    migrate_sqlite,
)

__all__ = [
    "DEFAULT_INDEX_PATH",
    "SCHEMA_VERSION",
    "SQLiteIndex",
    "SourceIndex",
    "migrate_sqlite",
    "open_index",
    "shown_location",
]


def shown_location(location: str | Path) -> str:
    """The index's location for messages: a PostgreSQL URL with its password masked."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from reprint_check.index.postgres import redact

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
        from reprint_check.index.postgres import (
            PostgresIndex,  # psycopg is imported only for a shared index
        )

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
