"""Sweep speed and recall on WARC files built from real pages with planted copies.

The real pages of ``../shared/data-raw`` (about 1,500 HTML pages: news,
magazines, blogs; never copied into the repository) are written at run time
into WARC files in a temporary folder, as unrelated web pages, together with
the planted copies of ``tests/sweepwarc.py`` (the fictional Harbourside
Courier's stories: verbatim, edited, partial, with and without a link, on a
licensed partner's site, in a WET record) and its broken records. Then:

1. **reading + first test**, one process, on a WARC file of the real pages
   alone: pages per CPU second (the goal: 500 pages/s per core), beside the
   same process reading and decoding the pages with no test (the baseline no
   first test can beat), the share rejected, and where the time goes (WARC
   reading, decoding, the page's words, tokenising and the look-up);
2. **the local engine** end to end (one process): pages per CPU second
   (reading, first test, and the full audit of the pages that pass), share
   rejected by the first test, recall of the planted copies and findings on
   the real pages (must be 1.0 and 0);
3. **Spark** ``local[2]`` (``--spark``, needs ``pip install -e '.[spark]'``):
   the same sweep: pages per CPU second of its Python workers (measured in
   them, file by file), wall time without the session's start-up, and
   whether its findings equal the local engine's byte for byte;
4. ``--verify``: for every real page, whether the first test's tokens are the
   full audit's tokens (the audit reads the page through BeautifulSoup, tens
   of milliseconds a page), whether the first test's own hashes of them are
   its hashes of the audit's tokens, and whether the full audit finds
   anything on it.

CPU seconds (``time.process_time``) are reported for one process, so the
figures hold on a shared machine; wall time is printed beside them.

usage: python benchmarks/sweep_warc.py [--data DIR] [--limit N] [--spark] [--verify] [--smoke]

``--smoke`` sweeps 40 real pages with the plants (seconds; CI runs it) and
exits 0 when the data folder is absent. The exit code is 1 when a planted
copy is missed or a real page gets a finding.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reprint_check.audit import audit_page  # noqa: E402
from reprint_check.index import open_index  # noqa: E402
from reprint_check.index.sqlite import SQLiteIndex  # noqa: E402
from reprint_check.page.html import decode_html, page_from_html  # noqa: E402
from reprint_check.policy.rules import load_policy  # noqa: E402
from reprint_check.sweep import sweep  # noqa: E402
from reprint_check.sweep.firsttest import build_first_test  # noqa: E402
from reprint_check.sweep.records import Record, read_records  # noqa: E402
from reprint_check.sweep.visible import page_words  # noqa: E402
from reprint_check.sweep.worker import screen  # noqa: E402
from reprint_check.text.fingerprint import token_columns, token_hashes  # noqa: E402
from reprint_check.text.normalize import normalized_text  # noqa: E402
from reprint_check.text.token_arrays import (  # noqa: E402
    kgram_polynomial_array,
    token_array_hashes,
    token_spans_and_hashes,
)
from tests.sweepwarc import (  # noqa: E402
    POLICY,
    Warc,
    archive,
    broken_records,
    plants,
)

DATA = REPO.parent / "shared" / "data-raw"
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
GOAL_PAGES_PER_CORE = 500
SMOKE_PAGES = 40


def real_pages(root: Path, limit: int | None) -> list[tuple[str, bytes]]:
    """(URL, bytes) of every real HTML page under ``root``, in path order."""
    files = sorted(p for p in root.rglob("*") if p.name.lower().endswith(PAGE_SUFFIXES))
    out = []
    for n, path in enumerate(files[:limit]):
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            data = gzip.decompress(data)
        out.append((f"https://site{n % 97}.example/{path.parent.name}/{n}", data))
    return out


def build(folder: Path, pages: list[tuple[str, bytes]]) -> dict:
    """The index, policy and WARC files of the benchmark."""
    articles = archive()
    with SQLiteIndex(folder / "index.sqlite") as index:
        index.add_many(articles)
    (folder / "policy.toml").write_text(POLICY, encoding="utf-8")
    real_only = folder / "real-only.warc.gz"
    with Warc(real_only) as warc:
        for url, data in pages:
            warc.response(url, data, "text/html", request=False)
    planted = plants(articles)
    crawl = []
    per_file = max(1, len(pages) // 4)
    for n in range(4):
        path = folder / f"crawl-{n:05d}.warc.gz"
        with Warc(path) as warc:
            for url, data in pages[n * per_file : (n + 1) * per_file if n < 3 else None]:
                warc.response(url, data, "text/html")
            for plant, page in planted[n::4]:
                if plant.kind == "html":
                    assert isinstance(page, str)
                    warc.response(plant.url, page.encode("utf-8"))
            if n == 0:
                broken_records(warc, 6 * 1024 * 1024)
        crawl.append(path)
    wet = folder / "crawl-00000.warc.wet.gz"
    with Warc(wet) as warc:
        for plant, text in planted:
            if plant.kind == "text":
                assert isinstance(text, str)
                warc.conversion(plant.url, text)
    crawl.append(wet)
    return {
        "index": str(folder / "index.sqlite"),
        "policy": str(folder / "policy.toml"),
        "real_only": real_only,
        "crawl": [str(p) for p in crawl],
        "plants": [p for p, _ in planted],
    }


def first_test_rate(setup: dict, pages: int) -> dict:
    """Reading + first test on the real pages alone, one process, and where the time goes."""
    with open_index(setup["index"], read_only=True) as index:
        test = build_first_test(index)
    # the baseline, in the same process: reading and decoding the pages with no test at all
    reading = time.process_time()
    with open(setup["real_only"], "rb") as stream:
        for item in read_records(stream, "x"):
            if isinstance(item, Record):
                decode_html(item.body, encoding=item.charset)
    reading = time.process_time() - reading
    # reading + first test, exactly as a worker does it, without the audits of the pages
    # that pass (their cost is the local engine's figure)
    counts: Counter[str] = Counter()
    passed: list[tuple[str, str]] = []
    cpu, wall = time.process_time(), time.perf_counter()
    with open(setup["real_only"], "rb") as stream:
        for item in read_records(stream, "x"):
            if isinstance(item, Record):
                counts["pages"] += 1
                outcome = screen(item, test)
                counts["rejected" if outcome is None else "audited"] += 1
                if isinstance(outcome, str):
                    passed.append((item.url, outcome))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # the full audit of the pages that pass: the Page built from the HTML, then audited
    policy = load_policy(setup["policy"])
    audits = time.process_time()
    with open_index(setup["index"], read_only=True) as index:
        for url, html in passed:
            audit_page(page_from_html(html, url), index, policy)
    audits = time.process_time() - audits
    # where the time goes, page by page (holding every page in memory at once would
    # charge the stages for the memory it takes)
    stages: Counter[str] = Counter()
    sizes = []
    clock = time.process_time
    with open(setup["real_only"], "rb") as stream:
        records = read_records(stream, "x")
        while True:
            start = clock()
            record = next(records, None)
            stages["read WARC records"] += clock() - start
            if record is None:
                break
            if not isinstance(record, Record):
                continue
            sizes.append(len(record.body))
            start = clock()
            html = decode_html(record.body, encoding=record.charset)
            lap = clock()
            stages["decode"] += lap - start
            words = page_words(html)
            start = clock()
            stages["page words (libxml2, libxslt)"] += start - lap
            texts = [words.visible, words.revealed] if words is not None else []
            kgrams = [kgram_polynomial_array(text) for text in texts if text]
            lap = clock()
            stages["normalise + tokens + k-grams"] += lap - start
            test.passes(np.concatenate(kgrams) if kgrams else np.empty(0, dtype=np.uint64))
            stages["look-up"] += clock() - lap
    return {
        "pages": counts.get("pages", 0),
        "rejected": counts.get("rejected", 0),
        "passed": counts.get("audited", 0),
        "cpu_s": cpu,
        "wall_s": wall,
        "pages_per_cpu_s": counts.get("pages", 0) / cpu if cpu else 0.0,
        "baseline_reading_only_pages_per_cpu_s": counts.get("pages", 0) / reading
        if reading
        else 0.0,
        "full_audit_ms_per_passed_page": 1000 * audits / max(1, len(passed)),
        "stages_ms_per_page": {k: 1000 * v / max(1, len(sizes)) for k, v in stages.items()},
        "mean_page_bytes": sum(sizes) / max(1, len(sizes)),
    }


def engine_run(setup: dict, out: Path, engine: str) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    outcome = sweep(
        setup["crawl"],
        policy=load_policy(setup["policy"]),
        out=out,
        index_location=setup["index"],
        engine=engine,
        master="local[2]",
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    lines = [json.loads(x) for x in (out / "findings.jsonl").read_text().splitlines()]
    found = {x["url"] for x in lines}
    wanted = {p.url for p in setup["plants"]}
    counts = outcome.summary["counts"]
    return {
        "engine": engine,
        "cpu_s": cpu,
        "worker_cpu_s": outcome.cpu_seconds,
        "pages_per_worker_cpu_s": counts["pages"] / outcome.cpu_seconds,
        "wall_s": wall,
        "pages": counts["pages"],
        "rejected_share": counts["rejected_by_first_test"] / max(1, counts["pages"]),
        "recall": len(found & wanted) / len(wanted),
        "findings_on_real_pages": len(found - wanted),
        "skipped": outcome.summary["skipped"],
    }


def spark_run(setup: dict, out: Path) -> dict:
    from reprint_check.sweep.spark import _session

    start = time.perf_counter()
    _session("local[2]")
    startup = time.perf_counter() - start
    result = engine_run(setup, out, "spark")
    result["session_start_s"] = startup
    result["pages_per_s_per_core"] = result["pages"] / result["wall_s"] / 2
    return result


def _tokens(text: str) -> list[int]:
    return token_hashes(normalized_text(text))


def _array_tokens_agree(text: str, audit_text: str) -> bool:
    """The first test's own token hashes of ``text`` equal those of the audit's tokens."""
    normalized = normalized_text(audit_text)
    starts, ends, _ = token_columns(normalized)
    ours = token_array_hashes(text)
    theirs = token_spans_and_hashes(normalized, starts, ends)
    return len(ours) == len(theirs) and bool((ours == theirs).all())


def verify(setup: dict, pages: list[tuple[str, bytes]]) -> dict:
    """Every real page: first-test tokens == audit tokens? Any finding by the full audit?"""
    from reprint_check.errors import FetchError

    policy = load_policy(setup["policy"])
    differ: list[str] = []
    unsure = findings = failed = revealing = revealed_differ = array_differ = 0
    with open_index(setup["index"], read_only=True) as index:
        for url, data in pages:
            html = decode_html(data)
            try:
                page = page_from_html(html, url)
            except FetchError:
                failed += 1
                continue
            words = page_words(html)
            if words is None:
                unsure += 1
            else:
                if _tokens(words.visible) != _tokens(page.text):
                    differ.append(url)
                tail = " ".join(r.text for r in page.revealed)
                revealing += bool(tail)
                revealed_differ += _tokens(words.revealed) != _tokens(tail)
                array_differ += not _array_tokens_agree(words.visible, page.text)
                array_differ += not _array_tokens_agree(words.revealed, tail)
            findings += bool(audit_page(page, index, policy).sources)
    return {
        "pages": len(pages),
        "tokens_differ": len(differ),
        "pages_with_revealed_text": revealing,
        "revealed_tokens_differ": revealed_differ,
        "first_test_hashes_differ": array_differ,
        "sent_to_audit_unsure": unsure,
        "unparseable": failed,
        "pages_with_a_finding": findings,
        "differ_examples": differ[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no data folder at {args.data}", file=sys.stderr)
        return 0 if args.smoke else 2
    pages = real_pages(args.data, SMOKE_PAGES if args.smoke else args.limit)
    with tempfile.TemporaryDirectory(prefix="rc-sweep-bench-") as tmp:
        folder = Path(tmp)
        setup = build(folder, pages)
        report: dict = {"real_pages": len(pages)}
        report["first_test"] = first_test_rate(setup, len(pages))
        report["local"] = engine_run(setup, folder / "local", "local")
        report["local"]["pages_per_cpu_s"] = report["local"]["pages"] / report["local"]["cpu_s"]
        if args.spark:
            report["spark"] = spark_run(setup, folder / "spark")
            same = all(
                (folder / "spark" / n).read_bytes() == (folder / "local" / n).read_bytes()
                for n in ("findings.jsonl", "summary.json")
            )
            report["spark"]["identical_to_local"] = same
        if args.verify:
            report["verify"] = verify(setup, pages)
    print(json.dumps(report, indent=2))
    first = report["first_test"]
    print(
        f"\nreading + first test: {first['pages_per_cpu_s']:.0f} pages/s per core "
        f"(goal {GOAL_PAGES_PER_CORE}) on {first['pages']} real pages of "
        f"{first['mean_page_bytes'] / 1024:.0f} KiB on average; "
        f"{first['rejected']} rejected, {first['passed']} passed; reading and decoding "
        f"alone (baseline, same process): "
        f"{first['baseline_reading_only_pages_per_cpu_s']:.0f} pages/s per core",
        file=sys.stderr,
    )
    local = report["local"]
    ok = local["recall"] == 1.0 and local["findings_on_real_pages"] == 0
    if args.spark:
        ok = ok and report["spark"]["identical_to_local"]
    if args.verify:
        checked = report["verify"]
        ok = ok and not checked["pages_with_a_finding"]
        ok = ok and not (checked["tokens_differ"] or checked["revealed_tokens_differ"])
        ok = ok and not checked["first_test_hashes_differ"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
