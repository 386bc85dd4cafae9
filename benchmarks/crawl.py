"""How fast ``index add SITE`` crawls, politely and not, and how much memory a huge sitemap costs.

usage: python benchmarks/crawl.py [--smoke] [--posts 5000] [--polite-posts 120]
                                  [--big 100000] [--jobs N]
       python benchmarks/crawl.py --real-pages [--data DIR]

Against the fictional WordPress-like publisher of tests/sitefixture.py, served
on 127.0.0.1 by this process, each crawl runs the command line in a child
process (``reprint-check index add URL``), so the server and the crawler do
not share an interpreter; the child reports its own peak memory as it exits
(``VmHWM``, interpreter included; with ``--jobs`` > 1 the extraction workers
are processes of their own, not counted):

1. posts/s over HTML pages (``--no-api``) at the default politeness (two
   requests in flight, 0.5 s apart): the first ``--polite-posts`` posts
   (``--limit``), since at 2 requests/s a 5,000-post site takes 40 minutes;
2. posts/s over HTML pages with the limits lifted (``--delay 0 --per-host 8``,
   no Crawl-delay), the whole ``--posts`` site;
3. the same two over the WordPress REST API (a hundred posts a request), the
   whole site;
4. peak memory of a crawl whose sitemaps list ``--big`` URLs against one whose
   sitemaps list 1,000, both fetching the 500 newest (``--limit 500``):
   flat memory means the two peaks are close, whatever the sitemap's size.

Every run checks its result: the posts indexed must be the site's allowed
posts (or the ``--limit`` newest), no URL robots.txt disallows requested, and
at the default politeness no second of the server's clock saw more request
starts than the interval allows (column ``max/s``). ``--smoke`` (CI) crawls a 300-post site
with the limits lifted over both paths and a 5,000-URL sitemap: seconds.

``--real-pages`` instead crawls real news pages served on 127.0.0.1 (see
:func:`real_pages`) and checks the crawl's HTML path gives the texts
``index add URL`` gives.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/sitefixture.py serves the site

from reprint_check.crawl.site import DEFAULT_DELAY  # noqa: E402
from reprint_check.index import open_index  # noqa: E402
from reprint_check.index.sources import iter_articles  # noqa: E402
from reprint_check.models import Article  # noqa: E402
from reprint_check.urls import canonical_url  # noqa: E402
from reprint_check.web.fetch import Fetcher, FetchSettings  # noqa: E402
from tests.localserver import LocalServer  # noqa: E402
from tests.sitefixture import Site  # noqa: E402

LIFTED = ["--delay", "0", "--per-host", "8"]
# --data DIR holds one folder per collection (as for benchmarks/extraction.py); without it,
# the folder beside the checkout where the project's own runs keep them.
DEFAULT_DATA = ROOT.parent / "shared" / "data-raw"
BENCH = "scrapinghub-article-extraction-benchmark"  # html/<id>.html.gz
READABILITY = "mozilla-readability-test-pages"  # <case>/source.html
# Runs the command line and, as it exits, writes its peak memory (KiB) to standard error.
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child would report
# the size of this process (and its 100,000-post site) at the fork.
CHILD = """
import atexit, platform, resource, sys
def peak():
    try:
        with open("/proc/self/status") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:  # not Linux: ru_maxrss (bytes on macOS)
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kib //= 1024 if platform.system() == "Darwin" else 1
    print(f"PEAK {kib}", file=sys.stderr)
atexit.register(peak)
sys.argv[0] = "reprint-check"
from reprint_check.cli import run
run()
"""


@dataclass(frozen=True)
class Run:
    name: str
    posts: int  # articles indexed
    seconds: float
    requests: int  # requests the server saw
    peak_mib: float  # the crawling process
    busiest: int  # the most requests the server saw start within one second
    disallowed: int  # requests for URLs robots.txt disallows (must be 0)

    @property
    def rate(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def crawl(site: Site, name: str, *extra: str, jobs: int | None = None) -> Run:
    """One crawl of ``site`` into a fresh index, in a child process; checked, timed, measured."""
    with tempfile.TemporaryDirectory(prefix="rc-crawl-bench-") as folder:
        index = str(Path(folder) / "index.sqlite")
        command = [sys.executable, "-c", CHILD, "index", "add", site.url("/")]
        command += ["--index", index, "--allow-private", *extra]
        if jobs is not None:
            command += ["--jobs", str(jobs)]
        before = len(site.requested())
        started = time.monotonic()
        child = subprocess.run(
            command, capture_output=True, env={**os.environ, "CI": "1"}, text=True
        )
        seconds = time.monotonic() - started
        if child.returncode != 0:
            raise SystemExit(f"{name}: exit {child.returncode}\n{child.stderr}")
        with open_index(index, create=False) as store:
            urls = {info.url for info in store.articles()}
    peak = [int(line.split()[1]) for line in child.stderr.splitlines() if line.startswith("PEAK ")]
    log = site.requested(before)
    return Run(
        name, len(urls), seconds, len(log), peak[-1] / 1024, busiest_second([r.at for r in log]),
        sum(1 for r in log if r.path.startswith(("/private/", "/wp-admin/"))),
    )  # fmt: skip


def busiest_second(arrivals: list[float]) -> int:
    """The most request arrivals (server clock) within any one-second window."""
    times = sorted(arrivals)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def expect(run: Run, posts: int, *, limited: bool = False) -> Run:
    """The run indexed the site's allowed posts; with --limit N, N requested pages, of which
    a moved post's two addresses give one article."""
    low = posts - 3 if limited else posts
    if not low <= run.posts <= posts:
        raise SystemExit(f"{run.name}: indexed {run.posts} posts, expected {posts}")
    if run.disallowed:
        raise SystemExit(f"{run.name}: {run.disallowed} request(s) robots.txt disallows")
    return run


def polite(run: Run, interval: float = DEFAULT_DELAY) -> Run:
    """At the default politeness no second saw more request starts than 1 / interval allows
    (one more for a window that opens just as a request starts)."""
    if run.busiest > int(1 / interval) + 1:
        raise SystemExit(f"{run.name}: {run.busiest} requests within one second")
    return run


def show(runs: list[Run]) -> None:
    print(
        f"{'crawl':50} {'posts':>6} {'s':>6} {'posts/s':>8} {'requests':>9} {'max/s':>6} "
        f"{'peak MiB':>9}"
    )
    for r in runs:
        print(
            f"{r.name:50} {r.posts:6,} {r.seconds:6.1f} {r.rate:8.1f} {r.requests:9,} "
            f"{r.busiest:6,} {r.peak_mib:9.1f}"
        )


def real_pages(data: Path, jobs: int | None) -> int:
    """The HTML path of a crawl on real pages: the same article texts as ``index add URL``.

    The Scrapinghub benchmark's pages and Readability's test pages (``--data
    DIR``) are served on 127.0.0.1
    as a site with a sitemap; the site is crawled (the answers going through
    the crawl journal and the extraction processes), and every page is then
    read as ``index add URL`` always read one (``iter_articles``: fetch,
    ``article_from_page``), in this process. The two texts of each page must be
    the same; a page only one side could read is counted.
    """
    files = sorted((data / BENCH / "html").glob("*.html.gz"))
    files += sorted((data / READABILITY).glob("*/source.html"))
    if not files:
        raise SystemExit(f"{data}: no {BENCH}/html/*.html.gz pages (give --data DIR)")
    with LocalServer() as server:
        paths = [f"/{n}/" for n in range(1, len(files) + 1)]
        file_of = dict(zip(paths, files, strict=True))
        for path, file in zip(paths, files, strict=True):
            body = file.read_bytes()
            body = gzip.decompress(body) if file.suffix == ".gz" else body
            server.reply(path, body, headers=[("Content-Type", "text/html")])
        locs = "".join(f"<url><loc>{server.url(p)}</loc></url>" for p in paths)
        server.reply(
            "/sitemap.xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode(),
            headers=[("Content-Type", "application/xml")],
        )
        server.reply(
            "/robots.txt", b"User-agent: *\nAllow: /\n", headers=[("Content-Type", "text/plain")]
        )
        with tempfile.TemporaryDirectory(prefix="rc-crawl-real-") as tmp:
            index = str(Path(tmp) / "index.sqlite")
            command = [sys.executable, "-m", "reprint_check.cli", "index", "add"]
            command += [server.url("/sitemap.xml"), "--index", index, "--allow-private", *LIFTED]
            command += ["--jobs", str(jobs or 2)]
            child = subprocess.run(
                command, capture_output=True, text=True, env={**os.environ, "CI": "1"}
            )
            if child.returncode not in (0, 3):
                raise SystemExit(
                    f"crawl of the real pages: exit {child.returncode}\n{child.stderr}"
                )
            problems = [line for line in child.stderr.splitlines() if "reprint-check:" in line]
            print("\n".join(problems) or "the crawl read every page")
            with open_index(index, create=False) as store:
                crawled = {}
                for info in store.articles():
                    article = store.get(info.id)
                    for url in (article.url, *article.aliases):
                        crawled[url] = article.text
        fetcher = Fetcher(FetchSettings(allow_private=True))
        same = differ = only_crawl = only_add = neither = merged = 0
        stories = {canonical_url(url) for url in crawled}
        for path in paths:
            url = server.url(path)
            (one,) = list(iter_articles(url, fetcher=fetcher))
            text = one.text if isinstance(one, Article) else None
            aliases = one.aliases if isinstance(one, Article) else ()
            got = crawled.get(url)
            if text is None and got is None:
                neither += 1
            elif text is None:
                only_crawl += 1
            elif got is None and any(canonical_url(u) in stories for u in aliases):
                merged += 1  # two snapshots of one story (one canonical URL): stored once
            elif got is None:
                only_add += 1
                print(f"only index add URL read {file_of[path]}")
            elif text == got:
                same += 1
            else:
                differ += 1
        fetcher.close()
    print(
        f"real pages ({len(paths)}, {BENCH} and {READABILITY}): crawl and index add URL give "
        f"the same text on "
        f"{same}, different on {differ}; only the crawl read {only_crawl}, only index add URL "
        f"{only_add}, neither {neither}; {merged} page(s) a later snapshot of the same story "
        "replaced (one canonical URL)"
    )
    return 0 if differ == only_crawl == only_add == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="seconds-long version for CI")
    parser.add_argument("--posts", type=int, default=5000, help="posts of the crawled site")
    parser.add_argument("--polite-posts", type=int, default=120, help="--limit of polite run")
    parser.add_argument("--big", type=int, default=100_000, help="URLs of the big sitemap")
    parser.add_argument("--jobs", type=int, default=None, help="extraction processes")
    parser.add_argument(
        "--real-pages", action="store_true", help="only: the HTML path on real pages (--data)"
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"folder holding {BENCH}/")
    args = parser.parse_args(argv)
    if args.real_pages:
        return real_pages(args.data, args.jobs)
    posts, big = (300, 5000) if args.smoke else (args.posts, args.big)

    runs: list[Run] = []
    cpus, version = os.cpu_count(), platform.python_version()
    print(f"machine: {platform.machine()}, {cpus} CPUs, Python {version}")
    with Site(posts, crawl_delay=None, per_sitemap=1000) as site:
        allowed = len(site.expected())
        if not args.smoke:
            newest = args.polite_posts
            runs.append(
                crawl(site, f"HTML pages, default politeness (--limit {newest})", "--no-api",
                      "--limit", str(newest), jobs=args.jobs)
            )  # fmt: skip
            polite(expect(runs[-1], newest, limited=True))
        runs.append(
            expect(crawl(site, "HTML pages, limits lifted", "--no-api", *LIFTED, jobs=args.jobs),
                   allowed)
        )  # fmt: skip
        if not args.smoke:
            runs.append(polite(expect(crawl(site, "WordPress API, default politeness"), allowed)))
        runs.append(expect(crawl(site, "WordPress API, limits lifted", *LIFTED), allowed))
    for size in (1000, big):
        with Site(size, wordpress=False, crawl_delay=None, per_sitemap=1000, quirks=False) as site:
            name = f"{size:,}-URL sitemap, the 500 newest (jobs 1)"
            runs.append(expect(crawl(site, name, "--limit", "500", *LIFTED, jobs=1), 500))
    show(runs)
    small, huge = runs[-2], runs[-1]
    print(
        f"peak memory with {big:,} URLs listed: {huge.peak_mib:.1f} MiB, with 1,000: "
        f"{small.peak_mib:.1f} MiB ({huge.peak_mib - small.peak_mib:+.1f} MiB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
