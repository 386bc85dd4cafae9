"""Do real partner feeds read, and which of their items carry the full text?

Reads every feed file under ``--data DIR`` (17 real RSS/Atom files from the
test suites of two feed readers, rss-parser and NetNewsWire: news sites and
full-content blogs, several languages and encodings; see benchmarks/README.md)
with :func:`reprint_check.web.feeds.read_feed`,
as ``reprint-check feed FILE`` would, and prints per feed: the kind, the
number of items, how many carry the full text (so ``--fetch-items auto``
audits the feed's own body instead of fetching the page), the feed-level
errors, and whether the lxml streaming reader used for very large feeds
reads the same items as feedparser ("agree": items whose every field is
equal, over items).

usage: python benchmarks/feeds_sweep.py [--smoke] [--data DIR]

``--smoke`` reads only the first three feeds (CI runs it; it takes a second).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reprint_check.errors import ReprintCheckError
from reprint_check.web.feeds import FeedItem, parse_feed, read_feed

# Where the feeds live when --data is not given: beside the checkout, as the
# project's own runs keep them.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data-raw" / "feeds"
NOT_FEEDS = {".md", ".txt"}  # provenance notes and licences beside the feeds


def feed_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in NOT_FEEDS)


def agreement(path: Path) -> tuple[int, int]:
    """(items read alike by both readers, items read by feedparser)."""
    data = path.read_bytes()
    by_feedparser = parse_feed(data, str(path), streaming=False).items
    by_stream = parse_feed(data, str(path), streaming=True).items
    same = sum(
        1
        for a, b in zip(by_feedparser, by_stream, strict=False)
        if all(getattr(a, f) == getattr(b, f) for f in FeedItem.__slots__)
    )
    return same, len(by_feedparser)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="only the first three feeds")
    parser.add_argument(
        "--data",
        "--root",  # its first name, kept for old command lines
        dest="data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="folder of feed files (read recursively)",
    )
    args = parser.parse_args(argv)

    files = feed_files(args.data)
    if not files:
        print(f"no feed files under {args.data}", file=sys.stderr)
        return 0 if args.smoke else 1  # the data is outside the repository; CI may lack it
    if args.smoke:
        files = files[:3]

    header = f"{'feed':<34} {'kind':<12} {'items':>5} {'full':>5} {'errors':>6} {'agree':>7}"
    print(header)
    print("-" * len(header))
    totals = {"feeds": 0, "read": 0, "items": 0, "full": 0, "errors": 0, "same": 0, "compared": 0}
    started = time.perf_counter()
    for path in files:
        name = str(path.relative_to(args.data))
        totals["feeds"] += 1
        try:
            read = read_feed(str(path), None)
        except ReprintCheckError as exc:
            print(f"{name:<34} {'-':<12} {0:>5} {0:>5} {1:>6}   {exc}")
            totals["errors"] += 1
            continue
        full = sum(item.full_text for item in read.items)
        same, compared = agreement(path) if read.kind in ("rss", "atom", "rdf") else (0, 0)
        totals["read"] += bool(read.items)
        totals["items"] += len(read.items)
        totals["full"] += full
        totals["errors"] += len(read.errors)
        totals["same"] += same
        totals["compared"] += compared
        agree = f"{same}/{compared}" if compared else "-"
        line = f"{name:<34} {read.kind or '-':<12} {len(read.items):>5} {full:>5}"
        print(f"{line} {len(read.errors):>6} {agree:>7}")
        for error in read.errors:
            print(f"    error: {error.message}")
    elapsed = time.perf_counter() - started
    print("-" * len(header))
    print(
        f"{totals['feeds']} feeds, {totals['read']} with items; {totals['items']} items, "
        f"{totals['full']} full text ({totals['full'] / max(totals['items'], 1):.0%}); "
        f"{totals['errors']} errors; readers agree on {totals['same']}/{totals['compared']} "
        f"items; {elapsed:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
