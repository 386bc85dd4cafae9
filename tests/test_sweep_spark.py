"""``--engine spark``: PySpark in local mode gives the local engine's findings, byte for byte.

Skipped only on a developer machine without PySpark or Java; in CI (``CI``
set) that is a failure, so a CI run never passes without the Spark engine.
One Spark session for the module (``local[2]``: two cores at most), tiny inputs.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reprint_check.policy.rules import load_policy
from reprint_check.sweep import sweep
from reprint_check.sweep.worker import SweepSettings
from tests.sweepwarc import POLICY, archive, unrelated_pages, write_sweep_warcs


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the Spark engine is required in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


try:
    import pyspark  # noqa: F401
except ImportError:
    _unavailable("PySpark is not installed (pip install -e '.[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    _unavailable("Java is not installed (apt-get install openjdk-17-jre-headless)")

LIMIT = 64 * 1024
MASTER = "local[2]"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from reprint_check.index.sqlite import SQLiteIndex

    folder = tmp_path_factory.mktemp("crawl")
    articles = archive()
    with SQLiteIndex(folder / "index.sqlite") as index:
        index.add_many(articles)
    (folder / "policy.toml").write_text(POLICY, encoding="utf-8")
    paths, planted, _ids = write_sweep_warcs(
        folder, articles, unrelated_pages(8), oversized_bytes=LIMIT + 1
    )
    return {"index": str(folder / "index.sqlite"), "policy": str(folder / "policy.toml"),
            "paths": [str(p) for p in paths], "plants": planted}  # fmt: skip


@pytest.fixture(scope="module")
def spark_session():  # type: ignore[no-untyped-def]
    from reprint_check.sweep.spark import _session

    session = _session(MASTER)
    yield session
    session.stop()


def _run(crawl: dict, out: Path, engine: str) -> object:
    return sweep(
        crawl["paths"],
        policy=load_policy(crawl["policy"]),
        out=out,
        index_location=crawl["index"],
        engine=engine,
        master=MASTER,
        settings=SweepSettings(max_record_bytes=LIMIT),
    )


def test_spark_and_local_give_identical_findings(
    crawl: dict, spark_session: object, tmp_path: Path
) -> None:
    spark = _run(crawl, tmp_path / "spark", "spark")
    local = _run(crawl, tmp_path / "local", "local")
    for name in ("findings.jsonl", "summary.json"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert spark.findings == local.findings == len(crawl["plants"])  # type: ignore[attr-defined]
    summary = json.loads((tmp_path / "spark" / "summary.json").read_text())
    assert summary["skipped"]["truncated"] == 2
    assert summary["counts"]["audited"] == len(crawl["plants"])

    frame = spark_session.read.parquet(str(tmp_path / "spark" / "findings.parquet"))  # type: ignore[attr-defined]
    rows = {r["url"]: r for r in frame.collect()}
    assert sorted(rows) == sorted(p.url for p in crawl["plants"])
    for plant in crawl["plants"]:
        row = rows[plant.url]
        assert row["status"] == plant.status
        assert tuple(row["violations"]) == plant.codes
        assert json.loads(row["entry"])["evidence"]["record_id"] == row["record_id"]


def test_spark_executors_reach_a_postgresql_index_by_its_url(
    crawl: dict, spark_session: object, pg_dsn: str, tmp_path: Path
) -> None:
    from reprint_check.index import open_index

    with open_index(pg_dsn) as index:
        index.add_many(archive())
    _run({**crawl, "index": pg_dsn}, tmp_path / "pg", "spark")
    _run(crawl, tmp_path / "sqlite", "local")
    for name in ("findings.jsonl", "summary.json"):
        assert (tmp_path / "pg" / name).read_bytes() == (tmp_path / "sqlite" / name).read_bytes()
