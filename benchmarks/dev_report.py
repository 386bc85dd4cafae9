"""The HTML report of all 120 dev cases: how big it gets and whether Chromium opens it cleanly.

Indexes the dev cases' archive.jsonl (``--data DIR``, see benchmarks/README.md)
in a temporary SQLite file, audits every page under the policy its label
names (two policies, so two runs merged into one report, as
``reprint-check report a.json b.json`` would), fills in the source side of
each passage, renders the HTML report and loads it in headless Chromium.
Prints the figures and exits non-zero when the report is over the size
budget, the browser logged anything to the console, or the DOM does not
show every target.

    python benchmarks/dev_report.py [--data DIR] [--html OUT.html]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import chromium  # noqa: E402

from reprint_check import Article, Report, audit, load_policy, open_index  # noqa: E402
from reprint_check.index.sources import iter_articles  # noqa: E402
from reprint_check.report import merge, render, with_source_text  # noqa: E402

# Where the dev cases live when --data is not given: beside the checkout, as the
# project's own runs keep them.
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cases-dev"
MAX_BYTES = 5 * 1024 * 1024  # the budget: a report that still travels as an attachment


def dev_report(data: Path, workdir: Path) -> Report:
    labels = [json.loads(line) for line in (data / "labels.jsonl").open(encoding="utf-8")]
    by_policy: dict[str, list[str]] = {}
    for case in labels:
        by_policy.setdefault(case["policy"], []).append(str(data / case["target"]))
    with open_index(workdir / "index.sqlite") as index:
        index.add_many(
            a for a in iter_articles(str(data / "archive.jsonl")) if isinstance(a, Article)
        )
        reports = [
            audit(targets, index=index, policy=load_policy(data / policy))
            for policy, targets in sorted(by_policy.items())
        ]
        texts = {info.url: index.get(info.id).text for info in index.articles()}
    return with_source_text(merge(reports), texts.get)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, metavar="DIR", help="folder of the dev cases"
    )
    parser.add_argument("--html", type=Path, help="keep the HTML report here")
    args = parser.parse_args(argv)
    if not (args.data / "labels.jsonl").is_file():
        print(f"dev_report: no dev cases at {args.data} (no labels.jsonl)", file=sys.stderr)
        return 2
    binary = chromium.find_chromium()
    if binary is None:
        print("dev_report: Chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="reprint-check-dev-report-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        report = dev_report(args.data, workdir)
        audited = time.perf_counter()
        html = render(report, "html")
        rendered = time.perf_counter()
        page = workdir / "report.html"
        page.write_bytes(html.encode("utf-8"))
        if args.html:
            args.html.write_bytes(page.read_bytes())
        size = page.stat().st_size
        run = chromium.dump_dom(binary, page.as_uri() + "#only-violations")
        loaded = time.perf_counter()

    dom = run.stdout
    targets = len(re.findall(r"<article class=\"target ", dom))
    hidden = len(re.findall(r"<article class=\"target [^\"]*\"[^>]*\bhidden", dom))
    marks = dom.count('<mark class="same">')
    edits = dom.count('<ins class="edit">')
    passages = sum(len(s.passages) for t in report.targets for s in t.sources)
    n_violation = sum(1 for t in report.targets if t.status == "violation")
    print(f"targets in report / in DOM: {len(report.targets)} / {targets}")
    print(
        f"violation / compliant / error: {n_violation} / "
        f"{sum(t.status == 'compliant' for t in report.targets)} / "
        f"{sum(t.status == 'error' for t in report.targets)}"
    )
    print(f"hidden by #only-violations: {hidden} (expected {len(report.targets) - n_violation})")
    print(f"passages: {passages}; highlighted runs: {marks}; partner edits marked: {edits}")
    print(f"HTML size: {size} bytes ({size / 1024 / 1024:.2f} MiB, budget {MAX_BYTES} bytes)")
    print(f"console messages: {len(run.console)}")
    for message in run.console:
        print(f"  console: {message}")
    print(
        f"seconds: audit {audited - started:.1f}, render {rendered - audited:.2f}, "
        f"chromium load {loaded - rendered:.1f}"
    )
    if size > MAX_BYTES:
        failures.append(f"report is {size} bytes, over {MAX_BYTES}")
    if run.console:
        failures.append(f"{len(run.console)} console messages")
    if targets != len(report.targets) or len(report.targets) != 120:
        failures.append(f"{targets} targets in the DOM, {len(report.targets)} in the report")
    if hidden != len(report.targets) - n_violation:
        failures.append("the only-violations filter hid the wrong targets")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
