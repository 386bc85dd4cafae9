"""Site templates learned at ingest: article_chars before and after, on one site's archive.

The archive is fiction (benchmarks/sitearchive.py): N pages of "Harbour Times",
each a story of its own inside the site's template (a staff line, a members'
appeal, on most pages a newsletter plea, a "Read also" line). The pages are
indexed twice into a temporary SQLite index, without learning templates and
with it (``ingest(..., learn_templates=...)``), and for every page the stored
``article_chars`` is compared with the length of its true story.

Printed: per run, the mean and median of article_chars, of the true story's
length, of the excess (chars that are not the story), how many pages are stored
exactly as their story, what a full copy of the story measures against
article_chars (the full-reprint ratio an audit would compute), and the time the
ingest took. Then, for the real page collections under ``--data DIR`` (see
benchmarks/README.md), how many hosts have enough pages to learn a template from.

usage: python benchmarks/template.py [--pages N] [--data DIR] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from sitearchive import HOST, pages  # noqa: E402

from reprint_check.index import SQLiteIndex  # noqa: E402
from reprint_check.index.ingest import ingest  # noqa: E402
from reprint_check.index.template import MIN_TEMPLATE_ARTICLES  # noqa: E402
from reprint_check.text.normalize import visible_length  # noqa: E402
from reprint_check.urls import host_of  # noqa: E402

# --data DIR holds one folder per collection; without it, the folder beside the
# checkout (or beside the folder of worktrees) where the project's own runs keep them.
DEFAULT_DATA = next(
    (p / "shared" / "data-raw" for p in REPO.parents if (p / "shared" / "data-raw").is_dir()),
    REPO.parent / "shared" / "data-raw",
)


def run(n: int) -> None:
    site = pages(n)
    story = {p.url: visible_length("\n\n".join(p.story)) for p in site}
    exact = {p.url: "\n\n".join(p.story) for p in site}
    with tempfile.TemporaryDirectory(prefix="rc-template-") as folder:
        archive = Path(folder) / "archive"
        archive.mkdir()
        for number, page in enumerate(site):
            (archive / f"{number:04d}.html").write_text(page.html, encoding="utf-8")
        print(f"{n} pages of {HOST} (fiction: benchmarks/sitearchive.py)\n")
        print(
            f"{'ingest':<22} {'article_chars':>14} {'story':>8} {'excess':>8} "
            f"{'= story':>8} {'full copy / article_chars':>26} {'secs':>6}"
        )
        print(f"{'':<22} {'mean (median)':>14} {'mean':>8} {'mean':>8} {'pages':>8} "
              f"{'mean (min)':>26}")  # fmt: skip
        for label, learn in (("page by page", False), ("site template learned", True)):
            with SQLiteIndex(str(Path(folder) / f"{learn}.sqlite")) as store:
                started = time.perf_counter()
                result = ingest([str(archive)], store, jobs=1, learn_templates=learn)
                seconds = time.perf_counter() - started
                held = {i.url: store.get(i.id).text for i in store.articles()}
            chars = [visible_length(held[p.url]) for p in site]
            ratios = [story[p.url] / visible_length(held[p.url]) for p in site]
            excess = [visible_length(held[p.url]) - story[p.url] for p in site]
            same = sum(held[p.url] == exact[p.url] for p in site)
            mean_chars = f"{statistics.mean(chars):.0f} ({statistics.median(chars):.0f})"
            print(
                f"{label:<22} {mean_chars:>14} {statistics.mean(story.values()):>8.0f} "
                f"{statistics.mean(excess):>8.0f} {same:>8d} "
                f"{f'{statistics.mean(ratios):.3f} ({min(ratios):.3f})':>26} {seconds:>6.1f}"
            )
            if learn:
                print(
                    f"\n  learned: {', '.join(result.templates.hosts) or 'nothing'}; "
                    f"{result.templates.rewritten} article(s) stored again without it"
                )


def real_hosts(data: Path) -> None:
    """How many hosts of the real collections have enough pages to learn from."""
    roots = [
        data / name
        for name in ("scrapinghub-article-extraction-benchmark", "trafilatura-tests",
                     "newspaper4k-tests-data", "mozilla-readability-test-pages")
    ]  # fmt: skip
    import json

    hosts: Counter[str] = Counter()
    gold = roots[0] / "ground-truth.json"
    if gold.is_file():
        hosts.update(host_of(v["url"]) for v in json.loads(gold.read_text()).values())
    evaldata = roots[1] / "evaldata.json"
    if evaldata.is_file():
        hosts.update(host_of(url) for url in json.loads(evaldata.read_text()))
    hosts.pop("", None)  # pages saved without a URL
    if not hosts:
        print(f"\n(no real collections found in {data})")
        return
    enough = {h: c for h, c in hosts.items() if h and c >= MIN_TEMPLATE_ARTICLES}
    print(
        f"\nReal collections (Scrapinghub, trafilatura evaluation): {len(hosts)} hosts, "
        f"at most {max(hosts.values())} pages of one host; hosts with "
        f">= {MIN_TEMPLATE_ARTICLES} pages: {len(enough)} "
        f"({', '.join(f'{h} {c}' for h, c in sorted(enough.items())) or 'none'})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="pages of the fictional site")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="folder holding the real page collections (only counted, never needed)",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="20 pages: that the run works (for .ci/run)"
    )
    args = parser.parse_args(argv)
    run(20 if args.smoke else args.pages)
    real_hosts(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
