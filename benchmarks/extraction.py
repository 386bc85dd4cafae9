"""How much of each article body does extraction keep, and how much chrome does it add?

The index measures "full reprint" against the article's length and finds passages only
in text it kept, so a body cut short loses detections and chrome inflates the length.
This compares each method's text with the hand-made gold body of the Scrapinghub
article-extraction benchmark (181 real news pages), read in place from the folder
given by ``--data DIR`` (see benchmarks/README.md).

usage: python benchmarks/extraction.py [--data DIR] [--limit N] [--method NAME]... [--worst K]
                                      [--suite gold|snippets]

Figures per method:
- char recall / precision: length of the longest common subsequence of characters
  of the normalised texts (NFKC, case-folded, white space removed), over the gold
  length (recall) and over the extracted length (precision). Order-aware, so text
  kept out of place or repeated does not count twice.
- bow recall / precision: the same over bags of words (multiset intersection).
- share of pages with char recall < 0.9 and < 0.67, and empty extractions.
- runtime: seconds in total and per page.

``--suite snippets`` checks the same methods on a second, independent set, so that
gains on the first are not just fitted to it: trafilatura's own evaluation pages
(~1000, mostly German and English, many genres) with hand-picked snippets that must be
in the main text ("with") and snippets of chrome that must not ("without"). It reports
the share of "with" snippets found and of "without" snippets kept out.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import LCSseq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reprint_check.errors import FetchError  # noqa: E402
from reprint_check.page.article import decode_html, extract_article  # noqa: E402

# --data DIR holds one folder per collection; without it, the folder beside the
# checkout where the project's own runs keep them.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data-raw"
BENCH = "scrapinghub-article-extraction-benchmark"  # html/<id>.html.gz, ground-truth.json
SNIPPETS = "trafilatura-tests"  # trafilatura's tests/: evaldata.json, cache/, eval/

Method = Callable[[str, str], str]
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def _trafilatura_default(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def _trafilatura_recall(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, favor_recall=True) or ""


def _extract_article(html: str, url: str) -> str:
    try:
        return extract_article(html, url).text
    except FetchError:
        return ""


METHODS: dict[str, Method] = {
    "trafilatura": _trafilatura_default,
    "trafilatura-recall": _trafilatura_recall,
    "extract_article": _extract_article,
}


def normalise(text: str) -> str:
    """Compare letters, not layout: paragraph breaks and spacing are not the body."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Score:
    char_recall: float
    char_precision: float
    bow_recall: float
    bow_precision: float
    empty: bool


def score(extracted: str, gold: str) -> Score:
    ext, ref = normalise(extracted), normalise(gold)
    common = LCSseq.similarity(ext, ref) if ext and ref else 0
    ext_words = Counter(_WORD.findall(extracted.casefold()))
    ref_words = Counter(_WORD.findall(gold.casefold()))
    shared = sum((ext_words & ref_words).values())
    return Score(
        char_recall=common / len(ref) if ref else 1.0,
        char_precision=common / len(ext) if ext else 0.0,
        bow_recall=shared / max(1, sum(ref_words.values())),
        bow_precision=shared / sum(ext_words.values()) if ext_words else 0.0,
        empty=not ext,
    )


def load_pages(bench: Path, limit: int | None) -> list[tuple[str, str, str, str]]:
    """(page id, url, html, gold body), in a stable order."""
    gold = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(gold)[:limit]:
        raw = gzip.decompress((bench / "html" / f"{page_id}.html.gz").read_bytes())
        html = raw.decode("utf-8", errors="replace")
        pages.append((page_id, gold[page_id]["url"], html, gold[page_id]["articleBody"]))
    return pages


def summarise(name: str, scores: list[Score], seconds: float) -> str:
    n = len(scores)
    cr = [s.char_recall for s in scores]
    cp = [s.char_precision for s in scores]
    br = [s.bow_recall for s in scores]
    bp = [s.bow_precision for s in scores]
    return (
        f"{name:<20} "
        f"{statistics.mean(cr):6.3f} {statistics.median(cr):6.3f} "
        f"{statistics.mean(cp):6.3f} {statistics.median(cp):6.3f} "
        f"{statistics.mean(br):6.3f} {statistics.median(br):6.3f} "
        f"{statistics.mean(bp):6.3f} {statistics.median(bp):6.3f} "
        f"{sum(r < 0.9 for r in cr) / n:6.1%} {sum(r < 0.67 for r in cr) / n:6.1%} "
        f"{sum(s.empty for s in scores):5d} "
        f"{seconds:7.1f} {1000 * seconds / n:7.0f}"
    )


HEADER = (
    f"{'method':<20} "
    f"{'c.rec':>6} {'c.rec':>6} {'c.prc':>6} {'c.prc':>6} "
    f"{'w.rec':>6} {'w.rec':>6} {'w.prc':>6} {'w.prc':>6} "
    f"{'r<.9':>6} {'r<.67':>6} {'empty':>5} {'secs':>7} {'ms/pg':>7}\n"
    f"{'':<20} "
    f"{'mean':>6} {'median':>6} {'mean':>6} {'median':>6} "
    f"{'mean':>6} {'median':>6} {'mean':>6} {'median':>6}"
)


def load_snippet_pages(
    snippets: Path, limit: int | None
) -> list[tuple[str, str, str, list[str], list[str]]]:
    """(url, file name, html, "with" snippets, "without" snippets), in a stable order.

    A page is read from ``cache/`` or ``eval/`` as trafilatura's repository has
    them, or from ``eval/NAME.gz`` where a copy was compressed to save space.
    """
    entries = json.loads((snippets / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url in sorted(entries)[:limit]:
        entry = entries[url]
        name = entry["file"]
        if (snippets / "cache" / name).is_file():
            raw = (snippets / "cache" / name).read_bytes()
        elif (snippets / "eval" / name).is_file():
            raw = (snippets / "eval" / name).read_bytes()
        elif (snippets / "eval" / f"{name}.gz").is_file():
            raw = gzip.decompress((snippets / "eval" / f"{name}.gz").read_bytes())
        else:
            continue
        html = decode_html(raw)
        pages.append((url, name, html, entry.get("with") or [], entry.get("without") or []))
    return pages


def run_snippets(snippets: Path, methods: list[str], limit: int | None, worst: int) -> int:
    if not (snippets / "evaldata.json").is_file():
        print(f"{snippets}: snippet data not found (no evaldata.json)", file=sys.stderr)
        return 2
    pages = load_snippet_pages(snippets, limit)
    print(f"{len(pages)} pages from {snippets}")
    print(
        f"{'method':<20} {'with found':>10} {'without out':>11} "
        f"{'pages all-with':>14} {'secs':>7} {'ms/pg':>7}"
    )
    for name in methods:
        method = METHODS[name]
        found = wanted = kept_out = unwanted = complete = 0
        seconds = 0.0
        misses: list[tuple[float, str]] = []
        for url, _, html, with_, without in pages:
            started = time.perf_counter()
            text = normalise(method(html, url))
            seconds += time.perf_counter() - started
            hits = sum(normalise(s) in text for s in with_)
            found += hits
            wanted += len(with_)
            kept_out += sum(normalise(s) not in text for s in without)
            unwanted += len(without)
            complete += hits == len(with_)
            if with_:
                misses.append((hits / len(with_), url))
        print(
            f"{name:<20} {found / max(1, wanted):10.3f} {kept_out / max(1, unwanted):11.3f} "
            f"{complete / len(pages):14.1%} {seconds:7.1f} {1000 * seconds / len(pages):7.0f}",
            flush=True,
        )
        for share, url in sorted(misses)[:worst]:
            print(f"    with {share:.2f} {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help=f"folder holding {BENCH}/ and {SNIPPETS}/",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument(
        "--method", action="append", choices=sorted(METHODS), help="run only these methods"
    )
    parser.add_argument(
        "--worst", type=int, default=0, help="list the K pages of lowest recall per method"
    )
    parser.add_argument(
        "--suite",
        choices=("gold", "snippets"),
        default="gold",
        help="gold: full gold bodies (default); snippets: must-have / must-not snippets",
    )
    args = parser.parse_args(argv)
    if args.suite == "snippets":
        return run_snippets(
            args.data / SNIPPETS, args.method or list(METHODS), args.limit, args.worst
        )

    bench = args.data / BENCH
    if not (bench / "ground-truth.json").is_file():
        print(f"{bench}: benchmark data not found (no ground-truth.json)", file=sys.stderr)
        return 2
    pages = load_pages(bench, args.limit)
    print(f"{len(pages)} pages from {bench}")
    print(HEADER)
    for name in args.method or list(METHODS):
        method = METHODS[name]
        scores: list[Score] = []
        rows: list[tuple[Score, str, str]] = []
        seconds = 0.0
        for page_id, url, html, gold in pages:
            started = time.perf_counter()
            text = method(html, url)
            seconds += time.perf_counter() - started
            result = score(text, gold)
            scores.append(result)
            rows.append((result, page_id, url))
        print(summarise(name, scores, seconds), flush=True)
        if args.worst:
            for result, page_id, url in sorted(rows, key=lambda r: r[0].char_recall)[: args.worst]:
                print(
                    f"    rec {result.char_recall:.3f} prc {result.char_precision:.3f} "
                    f"{page_id[:12]} {url}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
