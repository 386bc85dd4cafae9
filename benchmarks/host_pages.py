"""Audit latency on whole real host pages: parsing, the page model, detection and links.

scale.py audits targets of ~10,000 characters of clean ``<p>`` markup, which
measures detection. A partner's page is ~200 KB of real HTML (navigation,
scripts, comments, hundreds of links) around the reused text, and building the
page from it is work of its own. This takes real news pages of the Scrapinghub
benchmark in ../shared (read in place, never stored here), inserts three
excerpts of random articles of scale.py's synthetic archive into each page's
markup (every second one lightly edited), writes them as files and audits them
as the CLI does (``audit.audit_target``: read the file, build the page, detect,
judge, links) against an SQLite index of that archive, in one process with the
index open. Then, side by side on the same pages: copydetect (winnowing, noise
25 / guarantee 30) comparing each page's text with every archive article, its
fingerprinting of the archive not counted.

Printed: the median and p95 per page, split into building the page
(``load_target``) and the rest (``audit_page``); the HTML parses per page
(instances of lxml's HTML parser, which BeautifulSoup uses too); recall (an
excerpt is found when passages of its article cover ≥ 90 % of it); copydetect's
time per page and the ratio; and one CLI run over all pages, start-up included.

usage: python benchmarks/host_pages.py [--smoke] [--articles N] [--pages N] [--rounds N]
                                      [--work DIR] [--no-copydetect] [--profile]

``--work`` keeps the archive, index and pages between runs (they are made when
missing), so that two builds can be timed on the same files. ``--smoke``: 200
articles, 3 pages, no copydetect.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import html
import io
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from scale import (  # the same synthetic archive and edits as the scale benchmark
    COPYDETECT_GUARANTEE,
    COPYDETECT_NOISE,
    DEFAULT_DATA,
    HOST_PAGES_SECTION,
    HOSTS,
    RECALL_COVER,
    REPO,
    SEED,
    _edit,
    _excerpt,
    _spans_cover,
    read_archive,
    training_corpus,
    write_archive,
)

from reprint_check import urls as links_module
from reprint_check.audit import AuditOptions, audit_page, audit_target, load_target
from reprint_check.index import open_index
from reprint_check.index.ingest import ingest
from reprint_check.models import Page, TargetResult
from reprint_check.policy.rules import load_policy

audit_module = sys.modules["reprint_check.audit"]  # the package's `audit` is the function
checks_module = sys.modules["reprint_check.checks"]

EXCERPTS_PER_PAGE = 3
HOST_BYTES = (100_000, 400_000)  # real pages of this size: ~200 KB on average
TARGET_MS = 8.0
TARGET_RATIO = 40.0

RESULTS = REPO / "benchmarks" / "RESULTS.md"
SECTION = HOST_PAGES_SECTION  # scale.py carries it over when it rewrites the file
INTRO = """Whole real news pages (the Scrapinghub benchmark pages, read from `--data DIR`, 100–400
KB of HTML) with three excerpts of the synthetic archive inserted into their markup, audited as the
CLI does (`audit.audit_target`: read the file, build the page, detect, judge, check links)
against an SQLite index of {articles:,} articles of the scale benchmark's archive, in one
process with the index open: `python benchmarks/host_pages.py --write` (its docstring says
more). Per page the median of {rounds} rounds, then the median over the {pages} pages; wall
and CPU time, since the machine is shared (CPU time is the steadier figure). copydetect
compares each page's text with every article, its fingerprints of the archive already in
memory. One row per build, each measured in its own run on the same pages."""
HEADER = [
    "| build | median per page ms, wall (CPU) | p95 wall | building the page, wall (CPU) "
    "| HTML parses per page | recall | CLI per page, start-up included "
    "| copydetect per page, wall (CPU) | × faster than copydetect, wall (CPU) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
]


@dataclass(frozen=True)
class Excerpt:
    url: str
    text: str
    edited: bool


@dataclass(frozen=True)
class HostPage:
    path: Path
    size: int
    excerpts: tuple[Excerpt, ...]


def _insert_points(markup: bytes) -> list[int]:
    """Where a paragraph may go: after a ``</p>`` inside the body, else before ``</body>``."""
    lower = markup.lower()
    body = lower.find(b"<body")
    points = []
    pos = lower.find(b"</p>", max(body, 0))
    while pos >= 0:
        points.append(pos + 4)
        pos = lower.find(b"</p>", pos + 4)
    if not points:
        end = lower.rfind(b"</body>")
        points.append(end if end >= 0 else len(markup))
    return points


def make_pages(
    archive: Sequence[dict[str, str]], count: int, folder: Path, seed: int, hosts: Path
) -> list[HostPage]:
    """``count`` real host pages with excerpts inserted, written to ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(hosts.glob("*.html.gz"))
    pages = []
    for source in sources:
        if len(pages) == count:
            break
        markup = gzip.decompress(source.read_bytes())
        if not HOST_BYTES[0] <= len(markup) <= HOST_BYTES[1]:
            continue
        points = _insert_points(markup)
        excerpts = []
        inserts: list[tuple[int, bytes]] = []
        for e in range(EXCERPTS_PER_PAGE):
            record = archive[rng.randrange(len(archive))]
            piece = _excerpt(record["text"], rng)
            edited = e % 2 == 1
            text = _edit(piece, rng) if edited else piece
            excerpts.append(Excerpt(record["url"], text, edited))
            # character references: the insert reads the same in whatever the page is encoded
            para = f"<p>{html.escape(text)}</p>".encode("ascii", "xmlcharrefreplace")
            inserts.append((rng.choice(points), para))
        for point, para in sorted(inserts, reverse=True):
            markup = markup[:point] + para + markup[point:]
        path = folder / f"host-{len(pages):02d}.html"
        path.write_bytes(markup)
        pages.append(HostPage(path, len(markup), tuple(excerpts)))
    return pages


def prepare_work(
    work: Path, articles: int, count: int, hosts: Path
) -> tuple[Path, list[HostPage], list[dict]]:
    """The archive export, its SQLite index and the pages; made once per ``work`` folder."""
    export = work / f"archive-{articles}.jsonl"
    index_path = work / f"index-{articles}.sqlite"
    if not index_path.exists():
        write_archive(export, articles, training_corpus(hosts.parent.parent))
        partial = index_path.with_suffix(".partial")
        with open_index(str(partial)) as index:
            ingest([str(export)], index, jobs=1)
        partial.rename(index_path)
    archive = list(read_archive(export))
    pages = make_pages(archive, count, work / f"pages-{articles}", SEED + 7, hosts)
    return index_path, pages, archive


class ParserCount:
    """Counts instances of lxml's HTML parser (BeautifulSoup's lxml builder makes them too)."""

    def __init__(self) -> None:
        self.count = 0
        self.original = etree.HTMLParser

    def __enter__(self) -> ParserCount:
        counter = self

        class Counting(self.original):  # type: ignore[misc, valid-type]
            def __init__(self, *args: object, **kwargs: object) -> None:
                counter.count += 1
                super().__init__(*args, **kwargs)

        etree.HTMLParser = Counting
        return self

    def __exit__(self, *exc: object) -> None:
        etree.HTMLParser = self.original


def _found(page: Page, result: TargetResult, excerpt: Excerpt) -> bool | None:
    start = page.text.find(excerpt.text)
    if start < 0:
        return None  # inserted where a reader does not see it
    passages = [
        (p.target_start, p.target_end)
        for s in result.sources
        if s.url == excerpt.url
        for p in s.passages
    ]
    end = start + len(excerpt.text)
    return _spans_cover(passages, start, end) >= RECALL_COVER * (end - start)


def _forget_addresses() -> None:
    """Empty the URL caches of the urls module: each page is timed at first sight of its links."""
    for function in vars(links_module).values():
        clear = getattr(function, "cache_clear", None)
        if clear is not None:
            clear()


class Clock:
    """Wall and CPU time of one call, in milliseconds (CPU time is steadier on a busy machine)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = (time.perf_counter() - self.wall) * 1000
        self.cpu = (time.process_time() - self.cpu) * 1000


@dataclass
class Figures:
    """Medians over pages of each page's median over the rounds, in ms."""

    wall: float
    cpu: float
    wall_p95: float
    build_wall: float
    build_cpu: float
    parses_per_page: float
    found: int
    excerpts: int


def _median_of_medians(times: dict[Path, list[float]]) -> list[float]:
    return sorted(statistics.median(v) for v in times.values())


def measure(index_path: Path, pages: Sequence[HostPage], rounds: int) -> Figures:
    """Per-page times of a whole audit and of building the page alone, parses and recall."""
    policy = load_policy("default")
    options = AuditOptions()
    times: dict[str, dict[Path, list[float]]] = {
        key: {p.path: [] for p in pages} for key in ("wall", "cpu", "build_wall", "build_cpu")
    }
    found = excerpts = 0
    with open_index(str(index_path), create=False) as index:
        audit_target(str(pages[0].path), index=index, policy=policy, options=options)  # warm up
        for _ in range(rounds):
            for host in pages:
                spec = str(host.path)
                _forget_addresses()
                with Clock() as whole:
                    result = audit_target(spec, index=index, policy=policy, options=options)
                if result.status == "error":
                    raise SystemExit(f"{spec}: {result.error}")
                with Clock() as build:
                    load_target(spec)
                for key, value in (
                    ("wall", whole.wall),
                    ("cpu", whole.cpu),
                    ("build_wall", build.wall),
                    ("build_cpu", build.cpu),
                ):
                    times[key][host.path].append(value)
        with ParserCount() as parsers:
            for host in pages:
                load_target(str(host.path))
        for host in pages:
            page = load_target(str(host.path))
            result = audit_page(page, index, policy)
            for excerpt in host.excerpts:
                hit = _found(page, result, excerpt)
                if hit is not None:
                    excerpts += 1
                    found += hit
    wall = _median_of_medians(times["wall"])
    return Figures(
        wall=statistics.median(wall),
        cpu=statistics.median(_median_of_medians(times["cpu"])),
        wall_p95=wall[round(0.95 * (len(wall) - 1))],
        build_wall=statistics.median(_median_of_medians(times["build_wall"])),
        build_cpu=statistics.median(_median_of_medians(times["build_cpu"])),
        parses_per_page=parsers.count / len(pages),
        found=found,
        excerpts=excerpts,
    )


def copydetect_ms(
    pages: Sequence[HostPage], archive: Sequence[dict[str, str]]
) -> tuple[float, float] | None:
    """copydetect's comparison of each page's text with every article: (wall, CPU) ms per page."""
    try:
        import logging

        from copydetect import CodeFingerprint, compare_files
    except ImportError:
        return None
    logging.getLogger().setLevel(logging.ERROR)
    window = COPYDETECT_GUARANTEE - COPYDETECT_NOISE + 1
    refs = [
        CodeFingerprint(
            f"{i}.txt", COPYDETECT_NOISE, window, fp=io.StringIO(r["text"]), filter=False
        )
        for i, r in enumerate(archive)
    ]
    wall = cpu = 0.0
    for host in pages:
        text = load_target(str(host.path)).text
        with Clock() as clock:
            probe = CodeFingerprint(
                "target.txt", COPYDETECT_NOISE, window, fp=io.StringIO(text), filter=False
            )
            for ref in refs:
                compare_files(probe, ref)
        wall += clock.wall
        cpu += clock.cpu
    return wall / len(pages), cpu / len(pages)


def cli_ms(index_path: Path, pages: Sequence[HostPage]) -> float:
    """One ``reprint-check audit`` over every page, start-up included (ms per page)."""
    code = "import sys; from reprint_check.cli import run; sys.argv[0] = 'reprint-check'; run()"
    args = [sys.executable, "-c", code, "audit", *(str(p.path) for p in pages)]
    args += ["--index", str(index_path), "--format", "json", "-o", os.devnull]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    begin = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    elapsed = time.perf_counter() - begin
    if done.returncode not in (0, 1):
        raise SystemExit(f"CLI failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed / len(pages) * 1000


def breakdown(index_path: Path, pages: Sequence[HostPage]) -> str:
    """CPU ms per page of the audit's stages: each stage's function timed where audit calls it."""
    stages = {
        "building the page": (audit_module, "load_target"),
        "align.prepare (page and candidates)": (audit_module, "prepare"),
        "alignment": (audit_module, "align_many"),
        "link checks": (checks_module, "check_link"),
    }
    spent = dict.fromkeys([*stages, "index look-up (candidates)"], 0.0)

    def timed(name: str, function: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object, **kwargs: object) -> object:
            begin = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - begin

        return run

    policy = load_policy("default")
    originals = {name: getattr(module, attr) for name, (module, attr) in stages.items()}
    try:
        for name, (module, attr) in stages.items():
            setattr(module, attr, timed(name, originals[name]))
        with open_index(str(index_path), create=False) as index:
            index.candidates = timed("index look-up (candidates)", index.candidates)  # type: ignore[method-assign]
            audit_target(str(pages[0].path), index=index, policy=policy)
            spent.update(dict.fromkeys(spent, 0.0))
            begin = time.process_time()
            for host in pages:
                _forget_addresses()
                audit_target(str(host.path), index=index, policy=policy)
            total = time.process_time() - begin
    finally:
        for name, (module, attr) in stages.items():
            setattr(module, attr, originals[name])
    parts = ", ".join(f"{name} {value / len(pages) * 1000:.1f}" for name, value in spent.items())
    return f"CPU ms per page: {total / len(pages) * 1000:.1f} in all; {parts}"


def profile(index_path: Path, pages: Sequence[HostPage]) -> str:
    """cProfile (CPU time) of one audit of each page, cumulative."""
    policy = load_policy("default")
    profiler = cProfile.Profile(time.process_time)
    with open_index(str(index_path), create=False) as index:
        audit_target(str(pages[0].path), index=index, policy=policy)
        for host in pages:
            _forget_addresses()
            profiler.enable()
            audit_target(str(host.path), index=index, policy=policy)
            profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue().replace(f"{REPO}/", "")


def table_row(
    label: str, figures: Figures, cli: float | None, copy: tuple[float, float] | None
) -> str:
    def pair(wall: float, cpu: float, spec: str = ".1f") -> str:
        return f"{wall:{spec}} ({cpu:{spec}})"

    cells = [
        label,
        pair(figures.wall, figures.cpu),
        f"{figures.wall_p95:.1f}",
        pair(figures.build_wall, figures.build_cpu),
        f"{figures.parses_per_page:.2f}",
        f"{figures.found}/{figures.excerpts}",
        "–" if cli is None else f"{cli:.1f}",
        "–" if copy is None else pair(*copy, spec=".0f"),
        "–" if copy is None else pair(copy[0] / figures.wall, copy[1] / figures.cpu),
    ]
    return "| " + " | ".join(cells) + " |"


def write_row(path: Path, row: str, intro: str) -> None:
    """Put ``row`` into the host pages section of RESULTS.md, replacing the same build's row.

    The rest of the file, the section's other rows and any notes under its
    table stay as they are; the section is added at the end when missing.
    """
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    label = row.split("|")[1].strip()
    if SECTION not in lines:
        lines += ["", SECTION, "", intro, "", *HEADER, row, ""]
    else:
        start = lines.index(SECTION)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
        end = len(lines) if end is None else end
        rows = [i for i in range(start, end) if lines[i].startswith("|")][2:]  # after the header
        same = [i for i in rows if lines[i].split("|")[1].strip() == label]
        if same:
            lines[same[0]] = row
        elif rows:
            lines.insert(rows[-1] + 1, row)
        else:
            lines[start + 1 : start + 1] = ["", intro, "", *HEADER, row]
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "this checkout"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--no-copydetect", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--write",
        nargs="?",
        const=RESULTS,
        type=Path,
        help="put the figures in the host pages section of RESULTS.md (or of the file named)",
    )
    ap.add_argument("--label", help="the build's name in that table (default: its commit)")
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"folder holding {HOSTS}/ (its html/)"
    )
    args = ap.parse_args(argv)
    if args.smoke:
        args.articles, args.pages, args.rounds, args.no_copydetect = 200, 3, 1, True
    hosts = args.data / HOSTS / "html"
    if not hosts.is_dir():
        print(f"host_pages.py: no host pages at {hosts}; nothing measured", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="rc-hosts-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        index_path, pages, archive = prepare_work(work, args.articles, args.pages, hosts)
        mean_kb = statistics.mean(p.size for p in pages) / 1000
        print(
            f"{len(pages)} real host pages ({mean_kb:.0f} KB of HTML on average), "
            f"{args.articles:,} archive articles, code: {REPO}"
        )
        figures = measure(index_path, pages, args.rounds)
        print(
            f"reprint-check: {figures.wall:.1f} ms median per page, wall "
            f"(p95 {figures.wall_p95:.1f}; CPU {figures.cpu:.1f}); building the page "
            f"{figures.build_wall:.1f} wall ({figures.build_cpu:.1f} CPU); "
            f"{figures.parses_per_page:.2f} HTML parses per page; "
            f"recall {figures.found}/{figures.excerpts}"
        )
        cli = None
        if not args.smoke:
            cli = cli_ms(index_path, pages)
            print(f"CLI, one run over all pages, start-up included: {cli:.1f} ms per page")
        copy = None if args.no_copydetect else copydetect_ms(pages, archive)
        if copy is not None:
            wall_ratio, cpu_ratio = copy[0] / figures.wall, copy[1] / figures.cpu
            print(
                f"copydetect: {copy[0]:.0f} ms per page, wall ({copy[1]:.0f} CPU; archive "
                f"fingerprints already in memory): reprint-check {wall_ratio:.1f}x faster "
                f"(CPU {cpu_ratio:.1f}x)"
            )
            met = figures.wall <= TARGET_MS and wall_ratio >= TARGET_RATIO
            print(
                f"targets (≤ {TARGET_MS:g} ms median, ≥ {TARGET_RATIO:g}x copydetect): "
                f"{'met' if met else 'MISSED'}"
            )
        if args.write is not None:
            intro = INTRO.format(articles=args.articles, rounds=args.rounds, pages=len(pages))
            write_row(args.write, table_row(args.label or _commit(), figures, cli, copy), intro)
            print(f"written: {args.write}")
        if args.profile:
            print(breakdown(index_path, pages))
            print(profile(index_path, pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
