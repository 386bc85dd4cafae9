"""False alarms of the semantic stage on real pages: every finding here is one.

usage: python benchmarks/semantic_sweep.py [--smoke] [--archive JSONL] [--data DIR]
                                           [--limit N] [--cache FILE]

Every real page of the data folder (--data DIR, as benchmarks/sweep.py finds them:
Scrapinghub, Mozilla Readability, newspaper4k, trafilatura test pages) is
audited with ``--semantic`` against an archive none of them copies (by
default ../shared/data/rewrite-dev/archive.jsonl: news translated for NTREX
and PolitiFact fact-checks). A page that comes out with a translated or
rewritten passage is a false alarm; the run lists them, counts errors, and
gives audit times (models loaded, process start-up excluded).

``--cache FILE`` keeps every sentence vector in a SQLite file (see
semantic_calibrate.py), so a second run embeds nothing; times are then not
the stage's. ``--limit N`` audits N pages evenly spread over the collections;
``--smoke`` three pages of each collection.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import sweep  # noqa: E402  (the page list)

from reprint_check.audit import AuditOptions, audit_target  # noqa: E402
from reprint_check.index.ingest import ingest  # noqa: E402
from reprint_check.index.sqlite import SQLiteIndex  # noqa: E402
from reprint_check.policy.rules import load_policy  # noqa: E402
from reprint_check.semantic.embed import E5Embedder, UseEmbedder  # noqa: E402
from reprint_check.semantic.ready import make_ready  # noqa: E402
from reprint_check.semantic.stage import SemanticStage  # noqa: E402

SHARED = REPO.parent / "shared"
ARCHIVE = SHARED / "data" / "rewrite-dev" / "archive.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--data", "--root", dest="root", type=Path, default=sweep.DEFAULT_DATA)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--cache", type=Path, help="keep sentence vectors in this SQLite file")
    args = parser.parse_args(argv)
    if not args.archive.exists() or not args.root.exists():
        print(f"{args.archive} or {args.root} missing: nothing to sweep", file=sys.stderr)
        return 0
    pages = sweep.pages_under(args.root)
    if args.smoke:
        pages = sweep.smoke_sample(pages, args.root)
    if args.limit:  # evenly spread over the collections, not the first ones only
        pages = pages[:: max(1, len(pages) // args.limit)][: args.limit]
    cheap, judge = UseEmbedder(), E5Embedder()
    if args.cache:
        from semantic_calibrate import CachedEmbedder

        cheap, judge = CachedEmbedder(cheap, args.cache), CachedEmbedder(judge, args.cache)  # type: ignore[assignment]
    stage = SemanticStage(cheap, judge)
    importlib.import_module("reprint_check.audit")._stage = stage  # audit_target's stage
    options = AuditOptions(semantic=True)
    policy = load_policy(None)
    alarms, errors, times = [], 0, []
    with tempfile.TemporaryDirectory(prefix="rc-semantic-sweep-") as folder:
        index = SQLiteIndex(Path(folder) / "index.sqlite")
        ingest([str(args.archive)], index, jobs=1)
        make_ready(index, stage.cheap)
        for n, path in enumerate(pages, start=1):
            started = time.perf_counter()
            result = audit_target(str(path), index=index, policy=policy, options=options)
            times.append(time.perf_counter() - started)
            errors += result.status == "error"
            found = [s for s in result.sources if s.rewritten_chars is not None]
            if found:
                alarms.append(
                    (path.relative_to(args.root), [(s.url, s.rewritten_chars) for s in found])
                )
            if n % 25 == 0:
                print(
                    f"{n}/{len(pages)} pages, {len(alarms)} with a semantic finding",
                    file=sys.stderr,
                    flush=True,
                )
    print(
        f"pages: {len(pages)}; errors: {errors}; with a semantic finding: {len(alarms)} "
        f"({len(alarms) / max(1, len(pages)):.2%})"
    )
    for path, found in alarms:
        print(f"  {path}: {found}")
    if times:
        print(
            f"audit (load, extract, both stages): median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times):.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
