"""Fuzz the three parsers that read what strangers write: HTML pages, feeds, policy files.

Each target gets arbitrary bytes and must either return or raise the one
exception of reprint-check's family it is documented to raise, with a
one-line message; anything else (an IndexError, a RecursionError, a message
over two lines, a page whose blocks or links point outside its text) is a
bug, and the input is saved for a regression test.

- ``page``: :func:`reprint_check.page.html.page_from_html` (FetchError allowed);
  blocks in order inside the text, links inside it, link blocks that exist;
- ``feed``: :func:`reprint_check.web.feeds.parse_feed`, by feedparser and by the
  lxml streaming reader (FetchError allowed); items carry their feed's name;
- ``policy``: :func:`reprint_check.policy.rules.parse_policy` (PolicyError allowed).

Two engines. With atheris installed (``pip install atheris``) each target runs
coverage-guided under libFuzzer in a child process, from a seed corpus of the
project's own fictional examples, and libFuzzer's own count of inputs is
reported. Without it, hypothesis generates inputs from small grammars of
HTML, RSS/Atom/sitemaps and policy TOML, mixed with raw bytes and mutated
seeds, in rounds until the time is up.

usage: python benchmarks/fuzz.py [--smoke] [--seconds N] [--engine auto|atheris|hypothesis]
                                 [--targets page,feed,policy]

``--smoke`` runs each target about a second with hypothesis (CI runs it;
atheris alone needs seconds to instrument). ``--seconds`` is the budget per
target for longer runs by hand. Prints the inputs tried per
target; the exit code is 1 when a bug was found (saved under
benchmarks/fuzz-crashes/).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRASHES = Path(__file__).resolve().parent / "fuzz-crashes"
TARGETS = ("page", "feed", "policy")
SMOKE_SECONDS = 1.0
ROUND_EXAMPLES = 200  # hypothesis examples per round; rounds repeat until the time is up


class Bug(Exception):
    """An input broke a promise of the target."""


# --- the targets ------------------------------------------------------------------------------


def _one_line(exc: Exception) -> None:
    if "\n" in str(exc):
        raise Bug(f"{type(exc).__name__} message is not one line: {str(exc)!r}")


def check_page(data: bytes) -> None:
    from reprint_check.errors import FetchError
    from reprint_check.page.html import page_from_html

    try:
        page = page_from_html(data, "https://partner.example/fuzz.html")
    except FetchError as e:
        _one_line(e)
        return
    end = 0
    for i, block in enumerate(page.blocks):
        if block.index != i or not (end <= block.start < block.end <= len(page.text)):
            raise Bug(f"block {block} out of order or outside a text of {len(page.text)}")
        end = block.end
    for link in page.links:
        if not 0 <= link.position <= len(page.text):
            raise Bug(f"link at {link.position} outside a text of {len(page.text)}")
        if link.block is not None and not 0 <= link.block < len(page.blocks):
            raise Bug(f"link in block {link.block} of {len(page.blocks)}")


def check_feed(data: bytes) -> None:
    from reprint_check.errors import FetchError, InputError
    from reprint_check.web.feeds import parse_feed

    for streaming in (False, True):
        try:
            feed = parse_feed(data, "fuzz.xml", streaming=streaming)
        except (FetchError, InputError) as e:
            _one_line(e)
            continue
        for problem in feed.errors:
            if "\n" in problem:
                raise Bug(f"feed error is not one line: {problem!r}")
        for item in feed.items:
            if item.feed != "fuzz.xml" or item.position < 1:
                raise Bug(f"item without its feed or place: {item!r}"[:300])


def check_policy(data: bytes) -> None:
    from reprint_check.errors import PolicyError
    from reprint_check.policy.rules import parse_policy

    text = data.decode("utf-8", errors="replace")
    try:
        parse_policy(text, "fuzz.toml")
    except PolicyError as e:
        _one_line(e)
        if not str(e).startswith("fuzz.toml: "):
            raise Bug(f"policy error does not name the file: {e}") from None


CHECKS: dict[str, Callable[[bytes], None]] = {
    "page": check_page,
    "feed": check_feed,
    "policy": check_policy,
}


def save_crash(target: str, data: bytes, error: str) -> Path:
    CRASHES.mkdir(exist_ok=True)
    path = CRASHES / f"{target}-{hashlib.sha256(data).hexdigest()[:16]}"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(error, encoding="utf-8")
    return path


# --- seeds: the project's own fiction -----------------------------------------------------------


def seeds(target: str) -> list[bytes]:
    if target == "page":
        folder = ROOT / "examples" / "suspects"
        return [p.read_bytes() for p in sorted(folder.glob("*.html"))]
    if target == "policy":
        return [p.read_bytes() for p in sorted((ROOT / "rules").glob("*.toml"))]
    item = (
        "<item><title>Quay works</title><link>https://partner.example/quay</link>"
        "<guid>q1</guid><pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate>"
        "<description>&lt;p&gt;The quay reopens.&lt;/p&gt;</description></item>"
    )
    documents = [
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>{item}</channel></rss>',
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title><entry><title>T</title>'
        '<link href="https://partner.example/a"/><id>a</id><updated>2026-03-02T08:00:00Z'
        '</updated><content type="html">&lt;p&gt;Text&lt;/p&gt;</content></entry></feed>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
        "https://partner.example/a</loc><lastmod>2026-03-02</lastmod></url></urlset>",
        '{"version": "https://jsonfeed.org/version/1.1", "title": "P", "items": '
        '[{"id": "1", "url": "https://partner.example/a", "content_text": "Hello"}]}',
    ]
    return [d.encode("utf-8") for d in documents]


# --- engine 1: atheris (coverage-guided, in a child process per target) -------------------------


def _atheris_child(target: str, seconds: float, corpus: str) -> None:
    """Runs inside the child: instrument reprint_check and fuzz one target until the time is up."""
    import atheris

    with atheris.instrument_imports(include=["reprint_check", "bs4", "feedparser"]):
        pass
    check = CHECKS[target]

    def one_input(data: bytes) -> None:
        try:
            check(data)
        except Exception as e:
            save_crash(target, data, "".join(traceback.format_exception(e)))
            raise

    args = [sys.argv[0], f"-max_total_time={max(1, round(seconds))}", "-timeout=20",
            "-rss_limit_mb=3072", "-print_final_stats=1", corpus]  # fmt: skip
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def run_atheris(target: str, seconds: float) -> tuple[int, str | None]:
    with tempfile.TemporaryDirectory(prefix="rc-fuzz-") as corpus:
        for i, seed in enumerate(seeds(target)):
            Path(corpus, f"seed-{i}").write_bytes(seed)
        done = subprocess.run(
            [sys.executable, __file__, "--atheris-child", target, "--seconds", str(seconds),
             "--corpus", corpus],
            capture_output=True, text=True, cwd=ROOT, timeout=seconds + 300, check=False,
        )  # fmt: skip
    runs = re.findall(r"Done (\d+) runs", done.stderr) or re.findall(
        r"stat::number_of_executed_units:\s*(\d+)", done.stderr
    )
    tried = int(runs[-1]) if runs else 0
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-25:])
        return tried, f"libFuzzer exit code {done.returncode}:\n{tail}"
    return tried, None


# --- engine 2: hypothesis (grammar-based, in this process) ---------------------------------------


def _strategies(target: str):
    from hypothesis import strategies as st

    text = st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
    ) | st.sampled_from(["ferry", "quay", "&amp;", "&#0;", "&#x110000;", "\u200b", "\ufeff", ""])

    def element(children):
        tag = st.sampled_from(
            ["p", "div", "a", "span", "noscript", "script", "style", "template", "pre", "br",
             "li", "ul", "table", "td", "b", "svg", "title", "noindex", "html", "body", "head"]
        )  # fmt: skip
        attr = st.sampled_from(
            ['', ' href="/a"', " href='https://publisher.example/x'", ' hidden', ' rel="nofollow"',
             ' style="display:none"', ' style="visibility:hidden"', " href=javascript:x",
             ' href="http://[::1"', ' href="//x"']
        )  # fmt: skip
        return st.builds(
            lambda t, a, inner, closed: f"<{t}{a}>{''.join(inner)}" + (f"</{t}>" if closed else ""),
            tag, attr, st.lists(children, max_size=4), st.booleans(),
        )  # fmt: skip

    comment = st.builds(lambda t: f"<!--{t}-->", text | st.just("<a href='/c'>c</a>"))
    html = st.recursive(text | comment, element, max_leaves=30).map(str)
    raw = st.binary(max_size=2000)

    if target == "page":
        return st.one_of(
            html.map(lambda s: s.encode("utf-8", "surrogatepass")),
            html.map(lambda s: s.encode("utf-16-le", "surrogatepass")),
            raw,
            _mutated(seeds("page")),
        )
    if target == "feed":
        field = st.sampled_from(
            ["title", "link", "guid", "pubDate", "description", "loc", "content:encoded",
             "updated", "lastmod", "sitemap", "entry"]
        )  # fmt: skip
        value = text | st.sampled_from(["https://partner.example/a", "2026-03-02", "<![CDATA[x]]>"])
        item = st.lists(st.tuples(field, value), max_size=5).map(
            lambda kv: "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in kv) + "</item>"
        )
        root = st.sampled_from([
            '<rss version="2.0"><channel>{}</channel></rss>',
            '<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>',
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</sitemapindex>',
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">{}</rdf:RDF>',
            '{{"version": "https://jsonfeed.org/version/1.1", "items": [{}]}}',
        ])  # fmt: skip
        document = st.builds(
            lambda r, items: r.format("".join(items)), root, st.lists(item, max_size=6)
        )
        return st.one_of(
            document.map(lambda s: s.encode("utf-8", "surrogatepass")), raw, _mutated(seeds("feed"))
        )
    key = st.sampled_from(
        ["name", "publisher", "domains", "terms_url", "max_chars", "max_ratio", "count",
         "min_passage_chars", "include_title", "full_reprint_ratio", "required", "active",
         "followable", "target", "position", "direct", "canonical_counts", "domain", "until",
         "allow_full", "unedited", "credit", "note", "count_quotations", "bogus"]
    )  # fmt: skip
    value = st.one_of(
        st.integers(-5, 10**20).map(str), st.floats(allow_nan=True).map(repr),
        st.booleans().map(lambda b: str(b).lower()),
        text.map(lambda t: '"' + t.replace('"', "") + '"'),
        st.sampled_from(['["a.example"]', "[1, 2]", "2027-06-30", '"paragraph:3"', "{}", '"(("',
                         '"total"', '"longest"', "inf", "nan", '"before-excerpt"', "[]"]),
    )  # fmt: skip
    table = st.sampled_from(["[policy]", "[excerpt]", "[link]", "[reprint]", "[[permissions]]",
                             "[other]", ""])  # fmt: skip
    lines = st.lists(
        st.one_of(table, st.builds(lambda k, v: f"{k} = {v}", key, value)), max_size=14
    )
    document = lines.map(lambda ls: '[policy]\nname = "fuzz"\n' + "\n".join(ls) + "\n")
    return st.one_of(document.map(str.encode), raw, _mutated(seeds("policy")))


def _mutated(corpus: list[bytes]):
    from hypothesis import strategies as st

    def mutate(seed: bytes, cut: int, length: int, junk: bytes) -> bytes:
        cut %= len(seed) + 1
        return seed[:cut] + junk + seed[cut + length :]

    return st.builds(
        mutate, st.sampled_from(corpus), st.integers(0, 10**6), st.integers(0, 500),
        st.binary(max_size=50) | st.sampled_from([b"<", b"</", b"<!--", b"]]>", b"\x00", b"\xff"]),
    )  # fmt: skip


def run_hypothesis(target: str, seconds: float) -> tuple[int, str | None]:
    from hypothesis import HealthCheck, given, settings

    check = CHECKS[target]
    tried = 0
    failure: list[str] = []

    @settings(
        max_examples=ROUND_EXAMPLES, deadline=None, database=None, derandomize=False,
        suppress_health_check=list(HealthCheck), phases=("generate",),
    )  # fmt: skip
    @given(_strategies(target))
    def one_input(data: bytes) -> None:
        nonlocal tried
        tried += 1
        try:
            check(data)
        except Exception as e:
            error = "".join(traceback.format_exception(e))
            failure.append(f"{save_crash(target, data, error)}\n{error}")
            raise

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not failure:
        try:
            one_input()
        except Exception as e:  # the first failure ends the target; it is already saved
            if not failure:  # not an input's failure: the harness itself is broken
                failure.append("".join(traceback.format_exception(e)))
            break
    return tried, failure[0] if failure else None


# --- the run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="about a second a target")
    parser.add_argument("--seconds", type=float, default=60.0, help="budget per target")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--atheris-child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.atheris_child:
        _atheris_child(args.atheris_child, args.seconds, args.corpus)
        return 0

    seconds = SMOKE_SECONDS if args.smoke else args.seconds
    engine = args.engine
    if engine == "auto":  # atheris's start-up (instrumenting) alone takes seconds a target
        has_atheris = importlib.util.find_spec("atheris") is not None
        engine = "atheris" if has_atheris and not args.smoke else "hypothesis"
    runner = run_atheris if engine == "atheris" else run_hypothesis
    targets = [t for t in args.targets.split(",") if t]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")

    os.environ.setdefault("CI", "1")
    total = 0
    bugs = 0
    for target in targets:
        started = time.monotonic()
        tried, failure = runner(target, seconds)
        total += tried
        took = time.monotonic() - started
        print(f"fuzz {target}: {tried} inputs tried in {took:.1f} s ({engine})", flush=True)
        if failure:
            bugs += 1
            print(f"fuzz {target}: BUG\n{failure}", flush=True)
    print(f"fuzz: {total} inputs tried over {len(targets)} targets, {bugs} bug(s)")
    return 1 if bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())
