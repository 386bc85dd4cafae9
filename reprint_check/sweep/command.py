"""``reprint-check sweep``: the command line over :func:`reprint_check.sweep.sweep`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from reprint_check.errors import ReprintCheckError
from reprint_check.exitcodes import EXIT_ERROR, EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, fail
from reprint_check.policy.rules import select_policies
from reprint_check.sweep.records import MAX_RECORD_BYTES
from reprint_check.sweep.render import exit_code, render_summary
from reprint_check.sweep.summary import (
    FINDINGS_FILE,
    SCHEMA,
    SUMMARY_FILE,
    SweepOutcome,
    is_summary,
    nothing_checked,
)
from reprint_check.sweep.worker import MAX_WARC_BYTES, FileResult, SweepSettings
from reprint_check.web.fetch import FetchSettings


@click.command("sweep")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--index", "index_location", metavar="PATH", help="Index file or postgresql:// URL.")
@click.option("--policy", "policy_names", multiple=True, metavar="NAME|FILE")
@click.option("--policies", "policy_dir", type=click.Path(file_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Results folder.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local engine: files swept at once, one process each.")  # fmt: skip
@click.option("--spark-master", metavar="URL", help="Spark engine: master (default: "
              "spark-submit's, else local[*]).")  # fmt: skip
@click.option("--parquet", metavar="PATH", help="Spark engine: where executors write the findings "
              "table (default OUT/findings.parquet; hdfs:// or s3a:// on a cluster).")  # fmt: skip
@click.option("--prefix", metavar="URL", help="Base of the manifest's relative paths, e.g. "
              "https://data.commoncrawl.org/")  # fmt: skip
@click.option("--max-record-bytes", type=click.IntRange(min=1024), default=MAX_RECORD_BYTES,
              show_default=True, help="Larger records are skipped and counted.")  # fmt: skip
@click.option(
    "--allow-private", is_flag=True, help="Allow fetching WARC files from private addresses."
)
def sweep_command(
    inputs: tuple[str, ...],
    index_location: str | None,
    policy_names: tuple[str, ...],
    policy_dir: str | None,
    out: str,
    engine: str,
    jobs: int,
    spark_master: str | None,
    parquet: str | None,
    prefix: str | None,
    max_record_bytes: int,
    allow_private: bool,
) -> None:
    """Sweep WARC/WET files (or manifests listing them) for pages that reuse the archive.

    Writes OUT/findings.jsonl (one line per page that reuses the archive,
    compliant or not) and OUT/summary.json (domains ranked by pages in
    violation, then characters reused), plus OUT/findings.parquet on Spark.
    Render the summary with `reprint-check report OUT/summary.json`.
    """
    from reprint_check.sweep import sweep

    settings = SweepSettings(
        max_record_bytes=max_record_bytes,
        fetch=FetchSettings(
            max_bytes=MAX_WARC_BYTES,
            read_timeout=60.0,
            total_timeout=3600.0,
            allow_private=allow_private,
        ),
    )
    started = time.monotonic()
    try:
        policy = select_policies(policy_names, policy_dir)
        outcome = sweep(
            inputs,
            policy=policy,
            out=out,
            index_location=index_location,
            engine=engine,
            jobs=jobs,
            master=spark_master,
            prefix=prefix,
            parquet=parquet,
            settings=settings,
            on_file=_tell_file,
        )
    except ReprintCheckError as e:
        fail(str(e))
    _tell_totals(outcome, out, time.monotonic() - started)
    if outcome.bad_input:
        raise SystemExit(EXIT_USAGE)
    unchecked = nothing_checked(outcome.summary)
    if unchecked:
        fail(unchecked)
    if outcome.violations:
        raise SystemExit(EXIT_VIOLATION)
    raise SystemExit(EXIT_ERROR if outcome.file_errors or outcome.broken else EXIT_OK)


def _tell_file(result: FileResult) -> None:
    from reprint_check.report.console import clean

    for line in result.told:
        click.echo(f"reprint-check: {clean(line)}", err=True)
    if result.error:
        click.echo(f"reprint-check: {clean(result.error)}", err=True)


def _tell_totals(outcome: SweepOutcome, out: str, seconds: float) -> None:
    counts, skipped = outcome.summary["counts"], outcome.summary["skipped"]
    broken = ", ".join(f"{n:,} {reason}" for reason, n in skipped.items() if n and reason in
                       ("truncated", "oversized", "charset", "unparseable"))  # fmt: skip
    if broken:
        click.echo(
            f"reprint-check: {outcome.broken:,} broken record(s) skipped: {broken}", err=True
        )
    click.echo(
        f"reprint-check: swept {counts['files']:,} file(s), {counts['records']:,} record(s), "
        f"{counts['pages']:,} page(s) in {seconds:.1f} s: "
        f"{counts['rejected_by_first_test']:,} rejected by the first test, "
        f"{counts['audited']:,} audited ({counts['no_text']:,} without text), "
        f"{counts['pages_with_reuse']:,} reuse the archive, "
        f"{counts['pages_in_violation']:,} in violation; "
        f"results in {out}/{FINDINGS_FILE} and {out}/{SUMMARY_FILE}",
        err=True,
    )


def sweep_summary(text: str) -> dict[str, Any] | None:
    """The parsed document when ``text`` is a sweep summary, else None (a v1 report, or junk)."""
    if SCHEMA not in text[:200]:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if is_summary(document) else None


def emit_summary(summary: dict[str, Any], fmt: str, output: str | None) -> None:
    """``reprint-check report summary.json``: write the rendering, exit by what it holds."""
    try:
        rendered = render_summary(summary, fmt)
    except (ReprintCheckError, KeyError, TypeError, ValueError) as e:
        reason = str(e) if isinstance(e, ReprintCheckError) else f"not a usable summary ({e!r})"
        fail(f"sweep summary: {reason}")
    if output:
        try:
            Path(output).write_text(rendered, encoding="utf-8")
        except OSError as e:
            fail(f"{output}: cannot write report ({e.strerror})")
    else:
        click.echo(rendered, nl=False)
    unchecked = nothing_checked(summary)
    if unchecked:
        click.echo(f"reprint-check: sweep summary: {unchecked}", err=True)
    raise SystemExit(exit_code(summary))
