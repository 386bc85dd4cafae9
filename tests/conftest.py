"""Index backends for every test: the ``store`` and ``index_location`` fixtures (tests/pg.py)."""

from tests.pg import index_location, pg_cluster, pg_driver, pg_dsn, store

__all__ = ["index_location", "pg_cluster", "pg_driver", "pg_dsn", "store"]
