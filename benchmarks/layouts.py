"""Does the count of reused characters survive other page layouts of the same excerpt?

The dev cases set each excerpt in a paragraph or a blockquote; partner pages also
put quoted text in lists, tables, captions, pull quotes, one block per sentence,
or cut it in two with an advertisement. This takes every dev case with one
source set as a paragraph or blockquote, lays the same inserted pieces out in
each of those ways on the same host page, audits it against the dev archive and
checks ``reused_chars`` against the label with score.py's tolerance (max(5, 2 %)
verbatim, max(10, 6 %) edited). Everything is read in place from ../shared.

usage: python benchmarks/layouts.py [--smoke] [--cases N] [--show K]

``--smoke`` audits five cases in every layout (seconds; for CI).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reprint_check.audit import audit_page  # noqa: E402
from reprint_check.index import SourceIndex, open_index  # noqa: E402
from reprint_check.ingest import ingest  # noqa: E402
from reprint_check.page import page_from_html  # noqa: E402
from reprint_check.policy import load_policy  # noqa: E402

CASES = Path(__file__).resolve().parents[2] / "shared" / "data" / "cases-dev"
SMOKE_CASES = 5
_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def _halves(text: str) -> tuple[str, str]:
    words = text.split()
    return " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])


def _each(template: str) -> Callable[[list[str]], str]:
    return lambda pieces: "".join(template.format(p) for p in pieces)


# Each layout turns the inserted pieces (HTML-escaped) into the HTML put in their place.
LAYOUTS: dict[str, Callable[[list[str]], str]] = {
    "paragraphs": _each("<p>{}</p>"),
    "list": lambda ps: "<ul>" + "".join(f"<li>{p}</li>" for p in ps) + "</ul>",
    "list, a sentence each": lambda ps: (
        "<ol>" + "".join(f"<li>{s}</li>" for p in ps for s in _sentences(p)) + "</ol>"
    ),
    "table cells": lambda ps: (
        "<table><tr>" + "".join(f"<td>{p}</td>" for p in ps) + "</tr></table>"
    ),
    "bare divs": _each("<div>{}</div>"),
    "nested divs": _each("<section><div class='q'><div><p>{}</p></div></div></section>"),
    "figure caption": _each(
        "<figure><img src='photo.jpg' alt=''><figcaption>{}</figcaption></figure>"
    ),
    "line breaks": lambda ps: "<p>" + "<br>".join(s for p in ps for s in _sentences(p)) + "</p>",
    "a span per word": lambda ps: (
        "<p>" + " ".join(f"<span>{w}</span>" for p in ps for w in p.split()) + "</p>"
    ),
    "preformatted": _each("<pre>{}</pre>"),
    "inline quotation": _each("<p>They wrote: <q>{}</q> That is all.</p>"),
    "blockquote with footer": _each(
        "<blockquote><p>{}</p><footer>— the source</footer></blockquote>"
    ),
    "pull quote aside": _each("<aside class='pullquote'><p>{}</p></aside>"),
    "details": _each("<details open><summary>Quote</summary><p>{}</p></details>"),
    "definition list": lambda ps: (
        "<dl>" + "".join(f"<dt>Quote</dt><dd>{p}</dd>" for p in ps) + "</dl>"
    ),
    "bold and italic runs": lambda ps: "".join(
        f"<p><strong>{p[: len(p) // 3]}</strong><em>{p[len(p) // 3 :]}</em></p>" for p in ps
    ),
    "cut by an advertisement": lambda ps: "".join(
        "<p>{}</p><div class='ad'>Advertisement</div><p>{}</p>".format(*_halves(p)) for p in ps
    ),
}


@dataclass(frozen=True)
class Case:
    id: str
    page: str  # the host page with the pieces' element cut out: before + "{}" + after
    pieces: tuple[str, ...]
    policy: Path
    url: str
    reused_chars: int
    edited: bool


def cases(limit: int | None) -> Iterator[Case]:
    """Dev cases with one source whose pieces sit in one paragraph or blockquote element."""
    found = 0
    for line in (CASES / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        if label["kind"] != "excerpt" or len(label["sources"]) != 1:
            continue
        source = label["sources"][0]
        tag = {"p": "p", "blockquote": "blockquote"}.get(source["style"])
        if tag is None:
            continue
        page = (CASES / label["target"]).read_text(encoding="utf-8")
        first = page.find(source["pieces"][0][:60])
        last = page.find(source["pieces"][-1][-60:])
        start = page.rfind(f"<{tag}", 0, first)
        end = page.find(f"</{tag}>", last)
        if min(first, last, start, end) < 0:
            continue
        yield Case(
            label["id"],
            page[:start].replace("{", "{{").replace("}", "}}")
            + "{}"
            + page[end + len(tag) + 3 :].replace("{", "{{").replace("}", "}}"),
            tuple(source["pieces"]),
            CASES / label["policy"],
            source["url"],
            source["reused_chars"],
            source["edit"] != "verbatim",
        )
        found += 1
        if limit is not None and found >= limit:
            return


def within_tolerance(got: int, want: int, edited: bool) -> bool:
    """score.py's tolerance for reused_chars."""
    return abs(got - want) <= (max(10, 0.06 * want) if edited else max(5, 0.02 * want))


def reused(index: SourceIndex, case: Case, layout: Callable[[list[str]], str]) -> int:
    pieces = [html.escape(p, quote=False) for p in case.pieces]
    page = page_from_html(case.page.format(layout(pieces)), "https://partner.example/page")
    result = audit_page(page, index, load_policy(str(case.policy)))
    wanted = case.url.rstrip("/")
    return sum(s.reused_chars for s in result.sources if s.url.rstrip("/") == wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_CASES} cases, for CI")
    parser.add_argument("--cases", type=int, help="at most N cases")
    parser.add_argument("--show", type=int, default=4, help="misses listed per layout")
    args = parser.parse_args(argv)
    if not (CASES / "labels.jsonl").exists():
        print(f"layouts.py: no dev cases at {CASES}; nothing measured", file=sys.stderr)
        return 0 if args.smoke else 1  # the data lives outside the repository
    chosen = list(cases(SMOKE_CASES if args.smoke else args.cases))
    began = time.perf_counter()
    misses: dict[str, list[str]] = {name: [] for name in LAYOUTS}
    with tempfile.TemporaryDirectory() as work, open_index(f"{work}/dev.sqlite") as index:
        ingest([str(CASES / "archive.jsonl")], index)
        for case in chosen:
            for name, layout in LAYOUTS.items():
                got = reused(index, case, layout)
                if not within_tolerance(got, case.reused_chars, case.edited):
                    misses[name].append(f"{case.id} {got}/{case.reused_chars}")
    width = max(map(len, LAYOUTS))
    print(f"{len(chosen)} dev cases re-laid out in {len(LAYOUTS)} layouts (reused_chars got/label)")
    for name, missed in misses.items():
        shown = ", ".join(missed[: args.show]) + (" …" if len(missed) > args.show else "")
        print(f"{name:<{width}}  {len(chosen) - len(missed):>3}/{len(chosen)}  {shown}")
    total = len(chosen) * len(LAYOUTS)
    kept = total - sum(map(len, misses.values()))
    print(f"within tolerance: {kept}/{total}; {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
