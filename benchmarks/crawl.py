"""How fast ``index add SITE`` crawls, politely and not, and how much memory a huge sitemap costs.

usage: python benchmarks/crawl.py [--smoke] [--posts 5000] [--polite-posts 120]
                                  [--big 100000] [--jobs N]

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
posts (or the ``--limit`` newest). ``--smoke`` (CI) crawls a 300-post site
with the limits lifted over both paths and a 5,000-URL sitemap: seconds.
"""

from __future__ import annotations

import argparse
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

from reprint_check.index import open_index  # noqa: E402
from tests.sitefixture import Site  # noqa: E402

LIFTED = ["--delay", "0", "--per-host", "8"]
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
    return Run(name, len(urls), seconds, len(site.requested()) - before, peak[-1] / 1024)


def expect(run: Run, posts: int, *, limited: bool = False) -> Run:
    """The run indexed the site's allowed posts; with --limit N, N requested pages, of which
    a moved post's two addresses give one article."""
    low = posts - 3 if limited else posts
    if not low <= run.posts <= posts:
        raise SystemExit(f"{run.name}: indexed {run.posts} posts, expected {posts}")
    return run


def show(runs: list[Run]) -> None:
    print(f"{'crawl':50} {'posts':>6} {'s':>6} {'posts/s':>8} {'requests':>9} {'peak MiB':>9}")
    for r in runs:
        print(
            f"{r.name:50} {r.posts:6,} {r.seconds:6.1f} {r.rate:8.1f} {r.requests:9,} "
            f"{r.peak_mib:9.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="seconds-long version for CI")
    parser.add_argument("--posts", type=int, default=5000, help="posts of the crawled site")
    parser.add_argument("--polite-posts", type=int, default=120, help="--limit of polite run")
    parser.add_argument("--big", type=int, default=100_000, help="URLs of the big sitemap")
    parser.add_argument("--jobs", type=int, default=None, help="extraction processes")
    args = parser.parse_args(argv)
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
            expect(runs[-1], newest, limited=True)
        runs.append(
            expect(crawl(site, "HTML pages, limits lifted", "--no-api", *LIFTED, jobs=args.jobs),
                   allowed)
        )  # fmt: skip
        if not args.smoke:
            runs.append(expect(crawl(site, "WordPress API, default politeness"), allowed))
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
