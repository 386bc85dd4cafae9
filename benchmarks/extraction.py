r"""How much of each article body does extraction keep, and how much chrome does it add?

The index measures "full reprint" against the article's length and finds passages only
in text it kept, so a body cut short loses detections and chrome inflates the length.
This compares each method's text with the hand-made gold body of the Scrapinghub
article-extraction benchmark (181 real news pages), read in place from the folder
given by ``--data DIR`` (see benchmarks/README.md).

usage: python benchmarks/extraction.py [--data DIR] [--limit N] [--method NAME]... [--worst K]
                                       [--bootstrap N] [--suite all|gold|snippets]

Figures per method:
- shingle precision / recall / F1: the benchmark's own measure, as its ``evaluate.py``
  computes it (see ``shingle_counts``). Per page, each text is cut into word tokens
  (``\w+``, Unicode, case kept: the benchmark lowercases nothing) and every run of 4
  consecutive tokens is a shingle (a text of fewer than 4 tokens is one shingle of
  them all; no tokens, none). Shingles are counted as multisets: a shingle that the
  gold has g times and the extraction e times gives min(g, e) true positives,
  max(0, e - g) false positives and max(0, g - e) false negatives. The three counts
  are divided by their sum, so that every page weighs the same. Precision per page is
  tp / (tp + fp) and recall tp / (tp + fn) (1.0 for both when fp = fn = 0: the gold
  and the extraction are the same non-empty shingles or both empty; 0.0 when the
  numerator and denominator are both zero otherwise). The benchmark's mean precision
  skips pages with tp + fp = 0 (nothing extracted: such a page costs recall, not
  precision) and its mean recall skips pages with tp + fn = 0 (no gold shingles:
  none here). F1 is the harmonic mean of the two means, not a mean of per-page F1.
  The benchmark also prints bootstrap confidence intervals; here ``--bootstrap N``
  adds them (1.96 standard deviations of N resamples of the pages, seed fixed).
  Scores of other systems that the benchmark's README publishes are comparable: same
  pages, same gold, same measure. The line "targets" compares extract_article with
  the issue's targets (ahead of the best published system, 0.984 / 0.956 / 0.970).
- char recall / precision: length of the longest common subsequence of characters
  of the normalised texts (NFKC, case-folded, white space removed), over the gold
  length (recall) and over the extracted length (precision). Order-aware, so text
  kept out of place or repeated does not count twice.
- bow recall / precision: the same over bags of words (multiset intersection).
- share of pages with char recall < 0.9 and < 0.67, and empty extractions.
- runtime: seconds in total and per page.

Both suites run by default (``--suite gold`` or ``--suite snippets`` for one).
The snippet suite checks the same methods on a second, independent set, so that
gains on the first are not just fitted to it: trafilatura's own evaluation pages
(~1000, mostly German and English, many genres) with hand-picked snippets that must be
in the main text ("with") and snippets of chrome that must not ("without"). It reports
the share of "with" snippets found and of "without" snippets kept out.

What is scored: the benchmark's gold bodies leave out the standfirst (the summary
under the headline), so the gold suite scores ``Article.body``; the snippet set counts
standfirsts as main text, so it scores ``Article.text``, the standfirst and body the
index holds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
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
# checkout (or beside the folder of worktrees) where the project's own runs keep them.
DEFAULT_DATA = next(
    (p / "shared" / "data-raw" for p in REPO.parents if (p / "shared" / "data-raw").is_dir()),
    REPO.parent / "shared" / "data-raw",
)
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
        return extract_article(html, url).body
    except FetchError:
        return ""


def _indexed_text(html: str, url: str) -> str:
    try:
        return extract_article(html, url).text
    except FetchError:
        return ""


METHODS: dict[str, Method] = {
    "trafilatura": _trafilatura_default,
    "trafilatura-recall": _trafilatura_recall,
    "extract_article": _extract_article,
}
# What the snippet suite scores where it differs from the gold suite: the text indexed.
SNIPPET_METHODS: dict[str, Method] = {"extract_article": _indexed_text}


def normalise(text: str) -> str:
    """Compare letters, not layout: paragraph breaks and spacing are not the body."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Score:
    shingles: tuple[float, float, float]  # (tp, fp, fn) of 4-word shingles, summing to 1
    char_recall: float
    char_precision: float
    bow_recall: float
    bow_precision: float
    empty: bool


SHINGLE_WORDS = 4


def shingles(text: str, n: int = SHINGLE_WORDS) -> Counter[tuple[str, ...]]:
    """The benchmark's shingles: runs of ``n`` word tokens, case kept, counted."""
    tokens = _WORD.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def shingle_counts(extracted: str, gold: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over multisets of shingles, divided by their sum: pages weigh alike."""
    ours, theirs = shingles(extracted), shingles(gold)
    tp = sum((ours & theirs).values())
    fp = sum((ours - theirs).values())
    fn = sum((theirs - ours).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _page_precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _page_recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def shingle_measure(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(precision, recall, F1) as the benchmark reports them.

    Precision is averaged over the pages where something was extracted (tp + fp > 0),
    recall over the pages whose gold has shingles (tp + fn > 0); F1 is the harmonic
    mean of the two averages.
    """
    precisions = [_page_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_page_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bootstrap(
    counts: list[tuple[float, float, float]], rounds: int, seed: int = 0
) -> tuple[float, float, float]:
    """Half-widths (1.96 sd) of precision, recall and F1 over resampled page sets."""
    rng = random.Random(seed)
    samples = [
        shingle_measure([counts[rng.randrange(len(counts))] for _ in counts]) for _ in range(rounds)
    ]
    return tuple(1.96 * statistics.stdev(column) for column in zip(*samples, strict=True))  # type: ignore[return-value]


def _page_f1(result: Score) -> float:
    precision, recall = _page_precision(*result.shingles), _page_recall(*result.shingles)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(extracted: str, gold: str) -> Score:
    ext, ref = normalise(extracted), normalise(gold)
    common = LCSseq.similarity(ext, ref) if ext and ref else 0
    ext_words = Counter(_WORD.findall(extracted.casefold()))
    ref_words = Counter(_WORD.findall(gold.casefold()))
    shared = sum((ext_words & ref_words).values())
    return Score(
        shingles=shingle_counts(extracted, gold),
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
    precision, recall, f1 = shingle_measure([s.shingles for s in scores])
    cr = [s.char_recall for s in scores]
    cp = [s.char_precision for s in scores]
    br = [s.bow_recall for s in scores]
    bp = [s.bow_precision for s in scores]
    return (
        f"{name:<20} "
        f"{precision:6.3f} {recall:6.3f} {f1:6.3f} "
        f"{statistics.mean(cr):6.3f} {statistics.median(cr):6.3f} "
        f"{statistics.mean(cp):6.3f} {statistics.median(cp):6.3f} "
        f"{statistics.mean(br):6.3f} {statistics.mean(bp):6.3f} "
        f"{sum(r < 0.9 for r in cr) / n:6.1%} {sum(r < 0.67 for r in cr) / n:6.1%} "
        f"{sum(s.empty for s in scores):5d} "
        f"{seconds:7.1f} {1000 * seconds / n:7.0f}"
    )


HEADER = (
    f"{'':<20} {'benchmark (4-shingles)':^20} {'LCS of characters':^27} {'bag of words':^13}\n"
    f"{'method':<20} "
    f"{'prec':>6} {'recall':>6} {'F1':>6} "
    f"{'c.rec':>6} {'c.rec':>6} {'c.prc':>6} {'c.prc':>6} "
    f"{'w.rec':>6} {'w.prc':>6} "
    f"{'r<.9':>6} {'r<.67':>6} {'empty':>5} {'secs':>7} {'ms/pg':>7}\n"
    f"{'':<20} "
    f"{'':>6} {'':>6} {'':>6} "
    f"{'mean':>6} {'median':>6} {'mean':>6} {'median':>6} "
    f"{'mean':>6} {'mean':>6}"
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
        method = SNIPPET_METHODS.get(name, METHODS[name])
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
        "--worst",
        type=int,
        default=0,
        help="list the K pages of lowest shingle F1 (gold) or snippet recall per method",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="95 %% intervals of the benchmark's measure from N resamples (it uses 1000)",
    )
    parser.add_argument(
        "--suite",
        choices=("all", "gold", "snippets"),
        default="all",
        help="gold: full gold bodies; snippets: must-have / must-not snippets; all: both",
    )
    args = parser.parse_args(argv)
    methods = args.method or list(METHODS)
    code = 0
    if args.suite in ("all", "gold"):
        code = run_gold(args.data / BENCH, methods, args.limit, args.worst, args.bootstrap)
    if args.suite in ("all", "snippets"):
        if args.suite == "all":
            print()
        code = max(code, run_snippets(args.data / SNIPPETS, methods, args.limit, args.worst))
    return code


# The targets for the benchmark's measure: ahead of every published system
# (the best, Zyte's AutoExtract: 0.984 / 0.956 / 0.970).
TARGETS = {"precision": 0.985, "recall": 0.985, "F1": 0.98}


def run_gold(bench: Path, methods: list[str], limit: int | None, worst: int, rounds: int) -> int:
    if not (bench / "ground-truth.json").is_file():
        print(f"{bench}: benchmark data not found (no ground-truth.json)", file=sys.stderr)
        return 2
    pages = load_pages(bench, limit)
    print(f"{len(pages)} pages from {bench}")
    print(HEADER)
    for name in methods:
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
        if rounds:
            p_ci, r_ci, f_ci = bootstrap([s.shingles for s in scores], rounds)
            print(f"{'':<20} ±{p_ci:5.3f} ±{r_ci:5.3f} ±{f_ci:5.3f}  (bootstrap, 95 %)")
        if name == "extract_article":
            figures = dict(zip(TARGETS, shingle_measure([s.shingles for s in scores]), strict=True))
            verdicts = ", ".join(
                f"{key} {figures[key]:.3f} {'>=' if figures[key] >= goal else '<'} {goal}"
                for key, goal in TARGETS.items()
            )
            print(f"{'':<20} targets: {verdicts}")
        if worst:
            for result, page_id, url in sorted(rows, key=lambda r: _page_f1(r[0]))[:worst]:
                tp, fp, fn = result.shingles
                print(
                    f"    prc {_page_precision(tp, fp, fn):.3f} rec {_page_recall(tp, fp, fn):.3f}"
                    f" (LCS rec {result.char_recall:.3f} prc {result.char_precision:.3f})"
                    f" {page_id[:12]} {url}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
