"""The Spark engine: the shape of Common Crawl's cc-pyspark jobs, through PySpark.

The list of WARC files becomes an RDD with one partition per file; each
partition opens the index once (a read-only copy of the SQLite file shipped
with ``SparkContext.addFile``, or the PostgreSQL URL), receives the first test
as a broadcast variable and sweeps its files with the very function the local
engine runs. Results come back to the driver, which writes the same
``findings.jsonl`` and ``summary.json`` as the local engine, and the findings
as a Parquet table (``findings.parquet``), the form a cluster's next job reads.

PySpark is an extra (``pip install 'reprint-check[spark]'``), imported only
here and only when ``--engine spark`` is asked for.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from reprint_check.errors import InputError
from reprint_check.index import open_index
from reprint_check.policy.rules import Policies
from reprint_check.sweep.firsttest import FirstTest
from reprint_check.sweep.worker import Context, FileResult, SweepSettings, sweep_file

INSTALL_HINT = "--engine spark needs PySpark: pip install 'reprint-check[spark]'"
PARQUET_DIR = "findings.parquet"
APP_NAME = "reprint-check sweep"


def _session(master: str | None) -> Any:
    try:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    builder = SparkSession.builder.appName(APP_NAME)
    if master is None and not SparkConf().contains("spark.master"):
        master = "local[*]"  # not under spark-submit: this machine's cores
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            # workers run this very interpreter, where reprint-check is installed, and
            # nothing listens beyond the loopback interface
            builder = (
                builder.config("spark.pyspark.python", sys.executable)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
            )
    # the sweep tells its own progress; Spark's bars would garble standard error
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    try:
        session = builder.getOrCreate()
    except Exception as e:  # no Java, a master that does not answer: py4j's errors vary
        reason = " ".join(str(e).split())[:300]
        raise InputError(f"--engine spark: cannot start Spark ({reason}); it needs Java 17+") from e
    session.sparkContext.setLogLevel("ERROR")
    return session


def _index_reference(spark: Any, index_location: str) -> tuple[str, str]:
    """How executors reach the index: ("file", name shipped with addFile) or ("url", URL)."""
    if index_location.startswith(("postgresql://", "postgres://")):
        return "url", index_location
    path = Path(index_location).resolve()
    spark.sparkContext.addFile(str(path))
    return "file", path.name


def _sweep_partition(shared: Any, tasks: Iterable[tuple[int, str]]) -> Iterator[FileResult]:
    from pyspark import SparkFiles

    (kind, where), policy, first_test, settings = shared.value
    location = SparkFiles.get(where) if kind == "file" else where
    context = Context(open_index(location, read_only=True), policy, first_test, settings)
    try:
        for position, spec in tasks:
            yield sweep_file(position, spec, context)
    finally:
        context.close()


def run_spark(
    specs: Sequence[str],
    *,
    index_location: str,
    policy: Policies,
    first_test: FirstTest,
    settings: SweepSettings,
    master: str | None = None,
) -> list[FileResult]:
    """Sweep every file on the cluster (or ``local[N]``); results in the order of ``specs``."""
    spark = _session(master)
    context = spark.sparkContext
    shared = context.broadcast(
        (_index_reference(spark, index_location), policy, first_test, settings)
    )
    tasks = context.parallelize(list(enumerate(specs)), numSlices=max(1, len(specs)))
    results = tasks.mapPartitions(functools.partial(_sweep_partition, shared)).collect()
    shared.unpersist()
    return sorted(results, key=lambda r: r.position)


def write_parquet(lines: Sequence[dict[str, Any]], target: str) -> str:
    """The findings as a Parquet table at ``target`` (the session is the sweep's).

    Executors write it: on a cluster ``target`` must be a path they all reach
    (``hdfs://…``, ``s3a://…``); a local folder suits ``local[N]``.
    """
    from pyspark.sql import SparkSession
    from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

    schema = StructType(
        [
            StructField("url", StringType(), False),
            StructField("domain", StringType(), False),
            StructField("warc_file", StringType(), False),
            StructField("offset", LongType(), False),
            StructField("record_id", StringType(), False),
            StructField("captured_at", StringType(), False),
            StructField("status", StringType(), False),
            StructField("reused_chars", LongType(), False),
            StructField("violations", ArrayType(StringType(), False), False),
            StructField("entry", StringType(), False),
        ]
    )
    rows = [
        (
            line["url"],
            line["domain"],
            line["warc_file"],
            line["offset"],
            line["record_id"],
            line["captured_at"],
            line["status"],
            line["reused_chars"],
            sorted({v["code"] for s in line["entry"]["sources"] for v in s["violations"]}),
            json.dumps(line["entry"], ensure_ascii=False, separators=(",", ":")),
        )
        for line in lines
    ]
    spark = SparkSession.builder.getOrCreate()
    frame = spark.createDataFrame(rows, schema)
    frame.coalesce(1).write.mode("overwrite").parquet(target)
    return target
