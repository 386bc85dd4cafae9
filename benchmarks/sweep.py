"""Robustness sweep: every real page and feed under --data DIR, as target and as source.

Real pages are where the surprises are: odd encodings, broken markup, 3 MB
pages of script, feeds that lie about their charset. The sweep feeds all of
them through the same code paths the command line uses and counts what
happened, so that "nothing crashes, nothing is lost" is a measured figure:

1. **as sources**: every page (``.html``, ``.htm``, gzipped or not:
   Scrapinghub, Mozilla Readability, newspaper4k, trafilatura) is read by
   ``reprint_check.index.sources.iter_articles``, as ``reprint-check index add FILE``
   does, into one SQLite index in a temporary folder;
2. **as targets**: every page is audited against that index by
   ``reprint_check.audit.audit_target`` (default policy), as
   ``reprint-check audit FILE`` does; each page finds at least itself, so
   alignment runs on full real pages, not only on toy fixtures;
3. **feeds**: every RSS/Atom/RDF/sitemap file is read with
   ``reprint_check.web.feeds.read_feed`` and each item's own body is audited
   (``reprint-check feed FILE --fetch-items never``: no network).

It prints how many were audited, the errors by kind (one-line messages with
the file name and numbers taken out), the tracebacks (an exception that
escaped, or an ``internal error:`` entry: both are bugs; must be 0), lost
targets (no result at all; must be 0), and the slowest page with its time.
No page may take more than 5 s (load, extract and audit, one process).

usage: python benchmarks/sweep.py [--smoke] [--data DIR] [--jobs N] [--limit N]

``--data DIR`` holds one folder per collection (benchmarks/README.md names
them and where they come from). ``--smoke`` takes a few pages of each
collection and two feeds (seconds; CI runs it) and exits 0 when the data is
absent. ``--jobs`` spreads pages over processes (each page is still timed on
its own); the exit code is 1 when a traceback, a lost target or a page over
5 s was seen.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from reprint_check.audit import AuditOptions, audit_target
from reprint_check.feedrun import item_page
from reprint_check.index.sources import SourceError, iter_articles
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article
from reprint_check.policy.rules import load_policy
from reprint_check.web.feeds import read_feed

# Where the collections live when --data is not given: beside the checkout, as
# the project's own runs keep them.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data-raw"
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
FEED_SUFFIXES = (".rss", ".atom", ".xml", ".rdf", ".json", ".xml.gz")
FEEDS_DIR = "feeds"
NOT_FEEDS = (".md", ".txt")
# Plain .gz files of trafilatura's evaluation set are HTML pages.
GZ_PAGE_DIRS = ("trafilatura-tests",)
NOT_PAGES = (".txt", ".json", ".xml", ".rss", ".atom", ".csv")
MAX_SECONDS = 5.0  # per page: load, extract and audit
SMOKE_PAGES_PER_COLLECTION = 3
SMOKE_FEEDS = 2
BATCH = 200

_DIGITS = re.compile(r"\d[\d,.]*")


def is_page(path: Path, root: Path) -> bool:
    name = path.name.lower()
    if name.endswith(PAGE_SUFFIXES):
        return True
    collection = path.relative_to(root).parts[0]
    inner = name.removesuffix(".gz")
    return collection in GZ_PAGE_DIRS and name.endswith(".gz") and not inner.endswith(NOT_PAGES)


def pages_under(root: Path) -> list[Path]:
    """Every HTML page below ``root``, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and is_page(p, root))


def feeds_under(root: Path) -> list[Path]:
    """Every feed file: the feeds collection, and RSS/Atom files found elsewhere."""
    found = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        collection = p.relative_to(root).parts[0]
        name = p.name.lower()
        in_feeds = collection == FEEDS_DIR and not name.endswith(NOT_FEEDS)
        elsewhere = name.endswith((".rss", ".atom", ".json")) and "feed" in name
        if in_feeds or (collection != FEEDS_DIR and elsewhere):
            found.append(p)
    return found


def smoke_sample(pages: list[Path], root: Path) -> list[Path]:
    """The first few pages of each collection: every code path, in seconds."""
    taken: Counter[str] = Counter()
    out = []
    for p in pages:
        collection = p.relative_to(root).parts[0]
        if taken[collection] < SMOKE_PAGES_PER_COLLECTION:
            taken[collection] += 1
            out.append(p)
    return out


def error_kind(message: str, location: str) -> str:
    """A message with its location and numbers taken out, so like errors count together."""
    text = message
    for prefix in (f"{location}: ", f"{Path(location).name}: "):
        text = text.replace(prefix, "")
    text = text.replace(location, "<file>")
    text = _DIGITS.sub("N", text)
    return text.split(" (", 1)[0][:120]


# --- one unit of work (runs in a worker process with --jobs) --------------------------------


@dataclass
class Outcome:
    """What happened to one page or feed item."""

    name: str
    phase: str  # source | target | feed
    seconds: float
    status: str  # article | compliant | violation | error | traceback
    kind: str = ""  # error kind, or the traceback's last line
    detail: str = ""  # a traceback's text
    articles: list[Article] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # source URLs a target reused


def read_source(path: Path) -> Outcome:
    start = time.perf_counter()
    name = str(path)
    try:
        items = list(iter_articles(name))
    except Exception as e:  # a bug: iter_articles turns bad input into SourceError
        return Outcome(
            name, "source", time.perf_counter() - start, "traceback",
            f"{type(e).__name__}: {e}", traceback.format_exc(),
        )  # fmt: skip
    seconds = time.perf_counter() - start
    errors = [i for i in items if isinstance(i, SourceError)]
    articles = [i for i in items if isinstance(i, Article)]
    if errors:
        kinds = "; ".join(error_kind(e.message, e.source) for e in errors)
        status = "traceback" if "internal error" in kinds else "error"
        return Outcome(name, "source", seconds, status, kinds, articles=articles)
    return Outcome(name, "source", seconds, "article", articles=articles)


_worker_index: SQLiteIndex | None = None


def _open_worker(index_path: str) -> None:
    global _worker_index
    _worker_index = SQLiteIndex(index_path, read_only=True)


def audit_file(path: Path, index: SQLiteIndex | None = None) -> Outcome:
    """Load and audit one page as ``reprint-check audit FILE`` would, timed."""
    index = index or _worker_index
    assert index is not None
    policy = load_policy(None)
    name = str(path)
    start = time.perf_counter()
    try:
        result = audit_target(name, index=index, policy=policy, options=AuditOptions())
    except Exception as e:  # audit_target never raises: anything here is a bug
        return Outcome(
            name, "target", time.perf_counter() - start, "traceback",
            f"{type(e).__name__}: {e}", traceback.format_exc(),
        )  # fmt: skip
    seconds = time.perf_counter() - start
    if result.status == "error":
        message = result.error or ""
        status = "traceback" if "internal error" in message else "error"
        return Outcome(name, "target", seconds, status, error_kind(message, name))
    return Outcome(name, "target", seconds, result.status, found=[f.url for f in result.sources])


def audit_feed(path: Path, index: SQLiteIndex | None = None) -> list[Outcome]:
    """Read a feed file and audit each item's own body (``--fetch-items never``)."""
    index = index or _worker_index
    assert index is not None
    policy = load_policy(None)
    name = str(path)
    start = time.perf_counter()
    try:
        read = read_feed(name, None)
    except Exception as e:
        is_bug = not hasattr(e, "__module__") or "reprint_check" not in type(e).__module__
        return [
            Outcome(
                name, "feed", time.perf_counter() - start, "traceback" if is_bug else "error",
                error_kind(str(e), name) if not is_bug else f"{type(e).__name__}: {e}",
                traceback.format_exc() if is_bug else "",
            )
        ]  # fmt: skip
    out = [
        Outcome(error.source, "feed", 0.0, "error", error_kind(error.message, error.source))
        for error in read.errors
    ]
    for item in read.items:
        item_start = time.perf_counter()
        try:
            target = item_page(item, None, "never")
            if target.page is None:
                message = target.error or "no page"
                out.append(
                    Outcome(
                        target.name, "feed", time.perf_counter() - item_start,
                        "traceback" if "internal error" in message else "error",
                        error_kind(message, target.name),
                    )
                )  # fmt: skip
                continue
            result = audit_target(target.name, index=index, policy=policy, page=target.page)
        except Exception as e:
            out.append(
                Outcome(
                    item.key, "feed", time.perf_counter() - item_start, "traceback",
                    f"{type(e).__name__}: {e}", traceback.format_exc(),
                )
            )  # fmt: skip
            continue
        seconds = time.perf_counter() - item_start
        message = result.error or ""
        status = "traceback" if "internal error" in message else result.status
        out.append(Outcome(result.target, "feed", seconds, status, error_kind(message, item.key)))
    return out


# --- the run ----------------------------------------------------------------------------------


def _map(function: object, items: list[Path], jobs: int, index_path: str) -> Iterator:
    """``function`` over ``items`` in order, in this process or in ``jobs`` workers."""
    if jobs <= 1:
        index = SQLiteIndex(index_path, read_only=True)
        try:
            for item in items:
                yield function(item, index)  # type: ignore[operator]
        finally:
            index.close()
        return
    with ProcessPoolExecutor(jobs, initializer=_open_worker, initargs=(index_path,)) as pool:
        yield from pool.map(function, items, chunksize=4)  # type: ignore[arg-type]


def build_index(
    pages: list[Path], index_path: str, jobs: int
) -> tuple[list[Outcome], dict[str, str]]:
    """Every page as a source, written in page order (the index is the same whatever ``jobs``).

    Also returns, per page, the URL of the article it left in the index (a
    later page with the same URL replaces an earlier one's).
    """
    index = SQLiteIndex(index_path)
    outcomes: list[Outcome] = []
    batch: list[Article] = []
    owner: dict[str, str] = {}  # article URL -> the page that wrote it last
    try:
        if jobs <= 1:
            results: Iterable[Outcome] = map(read_source, pages)
        else:
            pool = ProcessPoolExecutor(jobs)
            results = pool.map(read_source, pages, chunksize=4)
        for outcome in results:
            for article in outcome.articles:
                owner[article.url] = outcome.name
            batch.extend(outcome.articles)
            outcome.articles = []
            outcomes.append(outcome)
            if len(batch) >= BATCH:
                index.add_many(batch)
                batch = []
        if batch:
            index.add_many(batch)
        if jobs > 1:
            pool.shutdown()
        stored = {info.url for info in index.articles()}
    finally:
        index.close()
    return outcomes, {page: url for url, page in owner.items() if url in stored}


def missed_self(targets: list[Outcome], own: dict[str, str]) -> list[str]:
    """Pages audited against an index holding their own article that found no source at all.

    Not a robustness failure, but a page reprinted whole is the plainest
    case of reuse there is, so each miss is worth a look. (A page may be
    credited to another article with the same text, such as Readability's
    expected.html beside its source.html: that is attribution, not a miss.)
    """
    return [t.name for t in targets if t.name in own and t.status != "error" and not t.found]


def summarise(title: str, outcomes: list[Outcome], expected: int) -> tuple[int, int, int]:
    """Print one phase's figures; returns (tracebacks, lost, over the time limit)."""
    statuses = Counter(o.status for o in outcomes)
    kinds = Counter(o.kind for o in outcomes if o.status in ("error", "traceback"))
    tracebacks = statuses["traceback"]
    lost = max(0, expected - len(outcomes))
    slow = [o for o in outcomes if o.seconds > MAX_SECONDS]
    done = sum(n for s, n in statuses.items() if s != "traceback")
    print(f"\n== {title}: {len(outcomes)} results for {expected}")
    print("   " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    if kinds:
        print("   errors by kind:")
        for kind, n in kinds.most_common():
            print(f"     {n:5d}  {kind}")
    print(f"   handled: {done}, tracebacks: {tracebacks}, lost: {lost}")
    if outcomes:
        slowest = max(outcomes, key=lambda o: o.seconds)
        total = sum(o.seconds for o in outcomes)
        print(
            f"   slowest: {slowest.seconds:.2f} s  {slowest.name}"
            f"   (mean {total / len(outcomes):.3f} s, total {total:.1f} s)"
        )
    for o in slow:
        print(f"   OVER {MAX_SECONDS:.0f} s: {o.seconds:.2f} s  {o.name}")
    for o in outcomes:
        if o.status == "traceback":
            print(f"   TRACEBACK {o.name}: {o.kind}")
            if o.detail:
                print("     " + o.detail.rstrip().replace("\n", "\n     "))
    return tracebacks, lost, len(slow)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few pages per collection")
    parser.add_argument(
        "--data",
        "--root",  # its first name, kept for old command lines
        dest="data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="folder of real pages and feeds, one subfolder per collection",
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--limit", type=int, help="at most this many pages (for a quick look)")
    args = parser.parse_args(argv)

    root: Path = args.data
    if not root.is_dir():
        print(f"sweep: no data under {root}; nothing to sweep", file=sys.stderr)
        return 0 if args.smoke else 1  # the data lives outside the repository; CI may lack it
    pages = pages_under(root)
    feeds = feeds_under(root)
    if args.smoke:
        pages = smoke_sample(pages, root)
        feeds = feeds[:SMOKE_FEEDS]
    if args.limit is not None:
        pages = pages[: args.limit]
    print(f"sweep: {len(pages)} pages and {len(feeds)} feeds under {root}")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rc-sweep-") as folder:
        index_path = str(Path(folder) / "index.sqlite")
        sources, own = build_index(pages, index_path, args.jobs)
        with SQLiteIndex(index_path, read_only=True) as index:
            stored = index.count()
        print(f"index: {stored} articles from {len(pages)} pages")
        targets = list(_map(audit_file, pages, args.jobs, index_path))
        per_feed = _map(audit_feed, feeds, args.jobs, index_path)
        feed_outcomes = [o for batch in per_feed for o in batch]

    bad = [0, 0, 0]
    for title, outcomes, expected in (
        ("pages as sources", sources, len(pages)),
        ("pages as targets", targets, len(pages)),
        (f"feed items ({len(feeds)} feeds)", feed_outcomes, len(feed_outcomes)),
    ):
        for i, n in enumerate(summarise(title, outcomes, expected)):
            bad[i] += n
    tracebacks, lost, slow = bad
    missed = missed_self(targets, own)
    print(
        f"\npages whose own article is in the index: {len(own)}; "
        f"audited without finding any source: {len(missed)}"
    )
    for name in missed[:30]:
        print(f"   missed: {name}")
    print(
        f"\nswept {len(pages)} pages (as source and target) and {len(feeds)} feeds "
        f"({len(feed_outcomes)} items and errors) in {time.perf_counter() - started:.0f} s: "
        f"tracebacks {tracebacks}, lost targets {lost}, pages over {MAX_SECONDS:.0f} s {slow}"
    )
    return 1 if tracebacks or lost or slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
