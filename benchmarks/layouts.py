"""Does the count of reused characters survive other page layouts of the same excerpt?

The dev cases set each excerpt in a paragraph or a blockquote; partner pages also
put quoted text in lists, tables, captions, pull quotes, one block per sentence,
or cut it in two with an advertisement. This takes every dev case with one
source set as a paragraph or blockquote, lays the same inserted pieces out in
each of those ways on the same host page, audits it against the dev archive and
checks ``reused_chars`` against the label with the dev score's tolerance (max(5, 2 %)
verbatim, max(10, 6 %) edited) and the violation codes against the labelled ones
(EXCERPT_TOO_LONG not judged within that tolerance of the limit, as the dev
score does). The dev cases are read in place from ``--data DIR`` (see
benchmarks/README.md).

usage: python benchmarks/layouts.py [--data DIR] [--smoke] [--cases N] [--show K]

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
from reprint_check.index import open_index  # noqa: E402
from reprint_check.index.base import SourceIndex  # noqa: E402
from reprint_check.index.ingest import ingest  # noqa: E402
from reprint_check.page.html import page_from_html  # noqa: E402
from reprint_check.policy.rules import Policy, load_policy  # noqa: E402

# Where the dev cases live when --data is not given: beside the checkout, as the
# project's own runs keep them.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cases-dev"
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
    host: tuple[str, ...]  # the page cut around each piece's element: host[i] before piece i
    pieces: tuple[str, ...]
    policy: Policy
    url: str
    reused_chars: int
    edited: bool
    violations: frozenset[str]

    def page(self, layout: Callable[[list[str]], str]) -> str:
        """The host page with each piece laid out in its element's place."""
        parts = [self.host[0]]
        for piece, after in zip(self.pieces, self.host[1:], strict=True):
            parts += [layout([html.escape(piece, quote=False)]), after]
        return "".join(parts)


_TAG = re.compile(r"<[^>]*>")


def _kept(fragment: str, tag: str) -> str:
    """What of an element's own content around a piece stays: a block of it, if it has text."""
    return f"<{tag}>{fragment}</{tag}>" if _TAG.sub("", fragment).strip() else ""


def _cut(page: str, piece: str, tag: str, after: int) -> tuple[int, int, str, str] | None:
    """Where the element holding ``piece`` starts and ends, and its content before and after."""
    head = page.find(piece[:60], after)
    tail = page.find(piece[-60:], head)
    if head < 0 or tail < 0:
        return None
    tail += len(piece[-60:])
    start = page.rfind(f"<{tag}", after, head)
    inner = page.find(">", start) + 1
    end = page.find(f"</{tag}>", tail)
    if start < 0 or end < 0:
        return None
    return start, end + len(tag) + 3, _kept(page[inner:head], tag), _kept(page[tail:end], tag)


def cases(data: Path, limit: int | None) -> Iterator[Case]:
    """Dev cases with one source whose pieces each sit in a paragraph or blockquote element.

    The rest of each element (a lead-in, a link after the excerpt) stays on
    the page as a block of its own just before the laid-out piece: a link
    that shared the excerpt's paragraph still stands no later than the block
    where the excerpt begins, so the labelled link verdict still holds.
    """
    found = 0
    for line in (data / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        if label["kind"] != "excerpt" or len(label["sources"]) != 1:
            continue
        source = label["sources"][0]
        tag = {"p": "p", "blockquote": "blockquote"}.get(source["style"])
        if tag is None:
            continue
        page = (data / label["target"]).read_text(encoding="utf-8")
        host: list[str] = []
        at = 0
        for piece in source["pieces"]:
            cut = _cut(page, piece, tag, at)
            if cut is None:
                break
            start, end, before, after = cut
            host.append(page[at:start] + before + after)
            at = end
        else:
            yield Case(
                label["id"],
                (*host, page[at:]),
                tuple(source["pieces"]),
                load_policy(str(data / label["policy"])),
                source["url"],
                source["reused_chars"],
                source["edit"] != "verbatim",
                frozenset(source["violations"]),
            )
            found += 1
            if limit is not None and found >= limit:
                return


def tolerance(case: Case) -> int:
    """The dev score's tolerance for reused_chars."""
    share = 0.06 if case.edited else 0.02
    return max(10 if case.edited else 5, round(share * case.reused_chars))


@dataclass(frozen=True)
class Outcome:
    chars_ok: bool
    codes_ok: bool
    shown: str


def judge(index: SourceIndex, case: Case, layout: Callable[[list[str]], str]) -> Outcome:
    """Audit the re-laid-out page; compare count and codes as the dev score does."""
    policy = case.policy
    page = page_from_html(case.page(layout), "https://partner.example/page")
    result = audit_page(page, index, policy)
    wanted = case.url.rstrip("/")
    found = [s for s in result.sources if s.url.rstrip("/") == wanted]
    got = sum(s.reused_chars for s in found)
    codes = {v.code for s in found for v in s.violations}
    expected = set(case.violations)
    if abs(case.reused_chars - policy.excerpt.max_chars) <= tolerance(case):
        codes.discard("EXCERPT_TOO_LONG")  # too close to the limit to judge
        expected.discard("EXCERPT_TOO_LONG")
    chars_ok = abs(got - case.reused_chars) <= tolerance(case)
    shown = f"{case.id} {got}/{case.reused_chars}"
    if codes != expected:
        want = "+".join(sorted(expected)) or "none"
        shown += f" {'+'.join(sorted(codes)) or 'no codes'} (want {want})"
    return Outcome(chars_ok, codes == expected, shown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, metavar="DIR", help="folder of the dev cases"
    )
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_CASES} cases, for CI")
    parser.add_argument("--cases", type=int, help="at most N cases")
    parser.add_argument("--show", type=int, default=4, help="misses listed per layout")
    args = parser.parse_args(argv)
    data: Path = args.data
    if not (data / "labels.jsonl").exists():
        print(f"layouts.py: no dev cases at {data}; nothing measured", file=sys.stderr)
        return 0 if args.smoke else 1  # the data lives outside the repository
    chosen = list(cases(data, SMOKE_CASES if args.smoke else args.cases))
    began = time.perf_counter()
    outcomes: dict[str, list[Outcome]] = {name: [] for name in LAYOUTS}
    with tempfile.TemporaryDirectory() as work, open_index(f"{work}/dev.sqlite") as index:
        ingest([str(data / "archive.jsonl")], index)
        for case in chosen:
            for name, layout in LAYOUTS.items():
                outcomes[name].append(judge(index, case, layout))
    width = max(map(len, LAYOUTS))
    print(
        f"{len(chosen)} dev cases re-laid out in {len(LAYOUTS)} layouts: reused_chars "
        "within tolerance, violation codes as labelled; misses as got/label"
    )
    for name, results in outcomes.items():
        missed = [o.shown for o in results if not (o.chars_ok and o.codes_ok)]
        shown = ", ".join(missed[: args.show]) + (" …" if len(missed) > args.show else "")
        chars = sum(o.chars_ok for o in results)
        codes = sum(o.codes_ok for o in results)
        n = len(results)
        print(f"{name:<{width}}  chars {chars:>3}/{n}  codes {codes:>3}/{n}  {shown}")
    every = [o for results in outcomes.values() for o in results]
    print(
        f"in all: chars {sum(o.chars_ok for o in every)}/{len(every)}, "
        f"codes {sum(o.codes_ok for o in every)}/{len(every)}; "
        f"{time.perf_counter() - began:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
