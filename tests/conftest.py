"""Fixtures every test gets.

- Index backends: the ``store`` and ``index_location`` fixtures (tests/pg.py).
- Every JSON report the suite makes is held to the shipped schema
  (tests/report_schema.py): in-process renders are checked as they happen and
  fail the test that made them; report files left under pytest's temporary
  folder (the CLI run as a subprocess with ``-o``) are checked when the session
  ends and fail the run.
"""

from collections.abc import Iterator

import pytest

from tests.pg import index_location, pg_cluster, pg_driver, pg_dsn, store
from tests.report_schema import WATCH, describe, problems, report_files

__all__ = ["index_location", "pg_cluster", "pg_driver", "pg_dsn", "store"]


@pytest.fixture(scope="session", autouse=True)
def _json_reports_follow_the_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    WATCH.install()
    try:
        yield
    finally:
        WATCH.uninstall()
    failures = WATCH.take()
    for path, document in report_files(tmp_path_factory.getbasetemp()):
        WATCH.files += 1
        found = ["not a whole JSON document"] if document is None else problems(document)
        if found:
            failures.append(describe(str(path), found))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture(autouse=True)
def _this_tests_json_reports_follow_the_schema() -> Iterator[None]:
    yield
    failures = WATCH.take()  # also what a wider fixture rendered while setting this test up
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if WATCH.checked or WATCH.files:
        terminalreporter.write_line(
            f"JSON reports held to the schema: {WATCH.checked} rendered in-process, "
            f"{WATCH.files} report files left in pytest's temporary folder"
        )
