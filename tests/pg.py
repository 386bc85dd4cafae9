"""Backends for the index tests: SQLite files, and a throw-away PostgreSQL cluster.

The cluster is made once per test session (``tests/pgcluster.py``: initdb in a
temporary folder, loopback only) and removed at the end; every test gets a
fresh database in it.

``REPRINT_CHECK_TEST_PG=postgresql://…`` uses an existing server instead (a CI
service container): each test still gets its own database there.

Outside CI the PostgreSQL tests are skipped when no server can be started;
with ``CI`` set that is a failure, so a CI job never passes without them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgcluster import Cluster, throwaway_cluster

BACKENDS = ["sqlite", "postgresql"]
SERVER_SETTINGS = {  # a test cluster: speed over durability
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "64MB",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def pg_driver() -> object:
    """The psycopg module; without it PostgreSQL tests skip (fail in CI)."""
    try:
        import psycopg
    except ImportError as e:
        _unavailable(f"psycopg is not installed ({e})")
    return psycopg


@pytest.fixture(scope="session")
def pg_cluster(pg_driver: object) -> Iterator[Cluster]:
    """A PostgreSQL server for the whole session (started on first use)."""
    existing = os.environ.get("REPRINT_CHECK_TEST_PG")
    if existing:
        yield Cluster(existing)
        return
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(throwaway_cluster(SERVER_SETTINGS))
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            _unavailable(str(e))
        yield cluster


_numbers = itertools.count()


@pytest.fixture
def pg_dsn(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh, empty database on the session's server; dropped after the test."""
    import psycopg

    name = f"rc_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(pg_cluster.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_cluster.database_dsn(name)
    finally:
        with psycopg.connect(pg_cluster.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def index_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new, empty index lives: a SQLite file path, or a PostgreSQL URL.

    A crawl's journal lives beside a SQLite index and, for PostgreSQL, in the
    user's state folder: here the test's own folder.
    """
    if request.param == "postgresql":
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        return request.getfixturevalue("pg_dsn")
    return str(tmp_path / "index.sqlite")


@pytest.fixture
def store(index_location: str) -> Iterator:
    """An open, empty index on each backend (``SourceIndex``)."""
    from reprint_check.index import open_index

    with open_index(index_location) as opened:
        yield opened
