"""The command line: options, progress and exit codes over the library, nothing more.

Every command follows one exit-code table:

0  everything named was checked and complies (or, for index/policy commands, done)
1  at least one violation
2  bad usage or bad input: an invalid option or policy, a local file named on
   the command line that does not exist or cannot be read, an unusable index,
   a stored report that cannot be read
3  some target, feed or URL source could not be fetched or parsed (a network
   failure, an HTTP error, a page with nothing to audit), and none broke the policy

When several apply the first in the order 2, 1, 3 wins: a misconfigured run
fails loudly, yet everything else is still audited and reported and the bad
input is an error entry in the report. Each error is one line on standard
error, whatever ``--format`` and ``-o`` say.

Long only because every command and option is declared here; the work is in the
library, and a command's body is a few calls and an exit code.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .audit import AuditOptions, audit, audit_parallel, audit_target, index_from_sources
from .crawl.site import (
    DEFAULT_DELAY,
    DEFAULT_PER_HOST,
    OBTAINED,
    CrawlOptions,
    CrawlProgress,
    CrawlReport,
    crawl,
    user_agent,
)
from .errors import InputError, ReprintCheckError
from .exitcodes import (
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATION,
    fail,
    worst,
)
from .feedrun import FETCH_MODES, FeedState, ItemTarget, item_page, item_pages
from .index import (
    DEFAULT_INDEX_PATH,
    SCHEMA_VERSION,
    SourceIndex,
    migrate_sqlite,
    open_index,
    shown_location,
)
from .index.ingest import IngestResult, default_jobs, ingest
from .index.sources import SourceError, extracted_record, extracted_text, is_url, iter_articles
from .index.template import TemplateUpdate, strip_article
from .models import Article, Report, SiteHints, TargetResult
from .policy.explain import explain, summary_line
from .policy.rules import (
    Policies,
    Policy,
    archive_hints,
    list_policies,
    load_policy,
    select_policies,
)
from .report import FORMATS, merge, render, with_source_text
from .report.console import clean
from .report.json import load as load_report
from .sweep.command import emit_summary as _emit_summary
from .sweep.command import sweep_command, sweep_summary
from .version import __version__
from .web.evidence import EvidenceRecorder
from .web.feeds import FeedItem, FeedRead, read_feed
from .web.fetch import Fetcher, FetchSettings


def exit_code(report: Report) -> int:
    """The code a report earns: bad input 2, else a violation 1, else an error entry 3."""
    if report.has_bad_input:
        return EXIT_USAGE
    if report.has_violation:
        return EXIT_VIOLATION
    if report.has_error:
        return EXIT_ERROR
    return EXIT_OK


def source_errors_code(errors: list[SourceError]) -> int:
    """The code publisher sources earn, by the table: a named file or folder that
    is missing or unreadable 2, else one that could not be fetched or parsed 3.
    """
    if any(e.bad_input for e in errors):
        return EXIT_USAGE
    return EXIT_ERROR if errors else EXIT_OK


def _show_progress() -> bool:
    """Progress bars only for a person at a terminal: quiet in CI and when piped."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextlib.contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    if not _show_progress():
        yield lambda advance=1: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task(description, total=total)
        yield lambda advance=1: bar.advance(task, advance)


index_option = click.option(
    "--index",
    "index_location",
    metavar="PATH",
    help="Index file or postgresql:// URL (default: $REPRINT_CHECK_INDEX or "
    "./.reprint-check/index.sqlite).",
)
private_option = click.option(
    "--allow-private",
    is_flag=True,
    help="Allow fetching from loopback and private-network addresses.",
)
semantic_option = click.option(
    "--semantic",
    is_flag=True,
    help="Also find translated and rewritten copies (needs reprint-check[semantic]).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="reprint-check")
def main() -> None:
    """Check third-party pages against a publisher's republication policy."""


# --- index ------------------------------------------------------------------------


@main.group()
def index() -> None:
    """Build and inspect the index of publisher articles."""


# --- crawling a site (index add SITE, index sync) ---------------------------------------


def _crawl_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of a crawl, shared by index add (for sites, sitemaps, feeds) and index sync."""
    options = [
        click.option("--include", multiple=True, metavar="PATTERN",
                     help="Only URLs matching this glob (on the path; on the URL if it has "
                     "a scheme). Repeatable."),
        click.option("--exclude", multiple=True, metavar="PATTERN",
                     help="Leave out URLs matching this glob. Repeatable."),
        click.option("--since", metavar="DATE",
                     help="Only articles modified or published since DATE."),
        click.option("--limit", type=click.IntRange(min=1),
                     help="At most N articles fetched per site, newest first."),
        click.option("--per-host", type=click.IntRange(1, 16), default=DEFAULT_PER_HOST,
                     show_default=True, help="Requests in flight per host."),
        click.option("--delay", type=click.FloatRange(min=0), default=DEFAULT_DELAY,
                     show_default=True, help="Seconds between two requests to a host "
                     "(robots.txt's Crawl-delay wins when larger)."),
        click.option("--contact", metavar="URL|EMAIL",
                     help="Who the site can contact about the crawl (sent in the User-Agent)."),
        click.option("--no-api", is_flag=True,
                     help="Read HTML pages even where the WordPress REST API answers."),
        click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
                     help="Another host the crawl may fetch from. Repeatable."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0,
                     show_default=True, help="Seconds of silence before a fetch gives up."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


policy_hints_options = [
    click.option(
        "--policy",
        "policy_names",
        multiple=True,
        metavar="NAME|FILE",
        help="Read each publisher's pages with the [archive] hints of its policy (repeatable).",
    ),
    click.option(
        "--policies",
        "policy_dir",
        type=click.Path(file_okay=False),
        help="A folder of policy files whose [archive] hints apply, each to its own hosts.",
    ),
]


def _hints_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(policy_hints_options):
        command = option(command)
    return command


def _crawl_all(
    urls: list[str],
    store: SourceIndex,
    jobs: int | None,
    allow_private: bool,
    *,
    sync: bool,
    hints: SiteHints | None = None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    since: str | None,
    limit: int | None,
    per_host: int,
    delay: float,
    contact: str | None,
    no_api: bool,
    allow_hosts: tuple[str, ...],
    timeout: float,
) -> list[CrawlReport]:
    """Crawl each URL into the index; the summary of each site and its failures on stderr."""
    settings = FetchSettings(
        connect_timeout=min(timeout, 10.0),
        read_timeout=timeout,
        total_timeout=3 * timeout,
        allow_private=allow_private,
        user_agent=user_agent(contact),
    )
    options = CrawlOptions(
        include=include,
        exclude=exclude,
        since=_since(since),
        limit=limit,
        jobs=jobs or default_jobs(),
        per_host=per_host,
        delay=delay,
        use_api=not no_api,
        allow_hosts=allow_hosts,
        sync=sync,
        hints=hints,
    )
    reports = []
    for url in urls:
        with _crawl_progress(url) as show:
            report = crawl(url, store, settings=settings, options=options, on_progress=show)
        reports.append(report)
        if report.source != "one page":
            for line in report.summary():
                click.echo(line, err=True)
        elif report.problem is not None:
            click.echo(f"reprint-check: {url}: {report.problem}", err=True)
        for failed_url, message in report.failures:
            click.echo(f"reprint-check: {failed_url}: {message}", err=True)
        if report.failed > len(report.failures):
            click.echo(
                f"reprint-check: {report.failed - len(report.failures)} more failure(s)", err=True
            )
    return reports


def _crawl_exit(reports: list[CrawlReport]) -> int:
    """2 when a site gave nothing to index, 3 when pages (or the site) could not be fetched."""
    code = EXIT_OK
    for report in reports:
        if report.problem is not None:
            code = worst(code, EXIT_ERROR if report.unreachable else EXIT_USAGE)
        elif report.failed:
            code = worst(code, EXIT_ERROR if report.articles else EXIT_USAGE)
        elif not report.articles and not report.gone_count:
            code = worst(code, EXIT_USAGE)  # everything was skipped: nothing indexed is no pass
    return code


@contextlib.contextmanager
def _crawl_progress(url: str) -> Iterator[Callable[[CrawlProgress], None]]:
    """found / fetched / indexed / skipped / failed, rate and ETA, on a terminal only."""
    if not _show_progress():
        yield lambda _progress: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(url, total=None, counts="")

        def show(p: CrawlProgress) -> None:
            rate = p.indexed / p.elapsed if p.elapsed > 0 else 0.0
            counts = (
                f"found {p.discovered:,} · fetched {p.fetched:,} · indexed {p.indexed:,} · "
                f"skipped {p.skipped:,} · failed {p.failed:,} · {rate:.1f}/s"
            )
            bar.update(task, completed=p.done, total=p.total, counts=counts)

        yield show


def _site_hints(names: tuple[str, ...], folder: str | None) -> SiteHints | None:
    """The [archive] hints of the policies named, None when none are named."""
    if not names and not folder:
        return None
    try:
        return archive_hints(select_policies(names, folder))
    except ReprintCheckError as e:
        fail(str(e))


@index.command("add")
@click.argument("sources", nargs=-1, required=True)
@index_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for extraction and hashing (default: one per core).",
)
@_hints_options
@private_option
@_crawl_options
@semantic_option
def index_add(
    sources: tuple[str, ...],
    index_location: str | None,
    jobs: int | None,
    policy_names: tuple[str, ...],
    policy_dir: str | None,
    allow_private: bool,
    semantic: bool,
    **crawling: Any,
) -> None:
    """Add publisher articles: files, folders, JSONL exports, article URLs, whole sites.

    A site's home page, a sitemap or a feed (URL) is crawled: every article it
    leads to is indexed, politely (see index sync). Streams large exports,
    writes in batched transactions, and can be interrupted and run again:
    articles already stored unchanged are skipped. With --policy or
    --policies, each page is read with the [archive] hints of the policy
    covering its host. Everything readable is indexed; then the exit code is
    2 if a named file or folder is missing or unreadable, else 3 if a URL
    could not be fetched or a file, page or export line could not be parsed
    into an article. With --semantic, every article of the index that lacks
    it also gets what the semantic stage needs (resumable the same way).
    """
    hints = _site_hints(policy_names, policy_dir)
    urls = [s for s in sources if is_url(s)]
    files = [s for s in sources if not is_url(s)]
    try:
        if semantic:
            _require_semantic()
        store = open_index(index_location)
    except ReprintCheckError as e:
        fail(str(e))

    errors: list[SourceError] = []

    def report_error(error: SourceError) -> None:
        errors.append(error)
        click.echo(f"reprint-check: {error.source}: {error.message}", err=True)

    result = IngestResult()
    with store:
        try:
            if files:
                with _progress("Indexing", None) as advance:
                    result = ingest(
                        files,
                        store,
                        jobs=jobs or default_jobs(),
                        on_article=lambda _article: advance(),
                        on_error=report_error,
                        hints=hints,
                    )
            crawled = _crawl_all(
                urls, store, jobs, allow_private, sync=False, hints=hints, **crawling
            )
            if semantic:
                _make_semantic_ready(store)
        except ReprintCheckError as e:
            fail(str(e))
        stats = store.stats()  # its location hides any password
    pages = [r for r in crawled if r.source == "one page"]
    indexed = result.added + result.replaced + sum(r.indexed for r in pages)
    replaced = result.replaced + sum(r.replaced for r in pages)
    unchanged_count = result.unchanged + sum(r.unchanged for r in pages)
    failed = result.failed + sum(r.failed + (r.problem is not None) for r in pages)
    unchanged = f", {unchanged_count} unchanged" if unchanged_count else ""
    if files or pages:
        click.echo(
            f"{indexed} article(s) indexed ({replaced} replaced{unchanged}), {failed} error(s); "
            f"{stats.articles} in {stats.location}",
            err=True,
        )
    else:
        click.echo(f"{stats.articles} article(s) in {stats.location}", err=True)
    _report_templates([result.templates, *(r.templates for r in crawled)])
    # Everything that could be indexed is; an input that could not is still a failed run.
    pages_failed = EXIT_ERROR if any(r.failed or r.problem is not None for r in pages) else EXIT_OK
    sites = _crawl_exit([r for r in crawled if r.source != "one page"])
    raise SystemExit(worst(source_errors_code(errors), pages_failed, sites))


def _report_templates(updates: list[TemplateUpdate]) -> None:
    """One line when learning the sites' templates took paragraphs out of stored articles."""
    hosts = [host for update in updates for host in update.hosts]
    if not hosts:
        return
    hosts = list(dict.fromkeys(hosts))
    shown = ", ".join(hosts[:3]) + (", …" if len(hosts) > 3 else "")
    rewritten = sum(update.rewritten for update in updates)
    click.echo(
        f"site template learned for {len(hosts)} host(s) ({shown}): "
        f"{rewritten} article(s) stored again without it",
        err=True,
    )


@index.command("sync")
@click.argument("sites", nargs=-1, required=True)
@index_option
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes for extraction and hashing (default: one per core).")  # fmt: skip
@_hints_options
@private_option
@_crawl_options
def index_sync(
    sites: tuple[str, ...],
    index_location: str | None,
    jobs: int | None,
    policy_names: tuple[str, ...],
    policy_dir: str | None,
    allow_private: bool,
    **crawling: Any,
) -> None:
    """Bring crawled sites up to date: fetch only new and changed articles, mark deleted ones gone.

    SITE is a site's home page, a sitemap or a feed. Unchanged articles are
    not fetched (listing dates, the API's modified date, conditional
    requests); indexed URLs no listing names any more are asked again, and
    those that answer 404 or 410 are marked gone but kept (index list --gone).
    """
    for site in sites:
        if not is_url(site):
            fail(f"{site}: not an http(s) URL of a site, sitemap or feed")
    hints = _site_hints(policy_names, policy_dir)
    try:
        with open_index(index_location) as store:
            reports = _crawl_all(
                list(sites), store, jobs, allow_private, sync=True, hints=hints, **crawling
            )
    except ReprintCheckError as e:
        fail(str(e))
    _report_templates([r.templates for r in reports])
    raise SystemExit(_crawl_exit(reports))


def _require_semantic() -> None:
    """Fail early, in one line, where the semantic extra is missing or cannot load."""
    from .semantic import require

    require()
    from .audit import semantic_stage

    semantic_stage()  # loads the models: a prebuilt engine that cannot run here says so now


def _make_semantic_ready(store: SourceIndex) -> None:
    import time

    from .audit import semantic_stage
    from .semantic.ready import make_ready

    stage = semantic_stage()
    started = time.monotonic()
    try:
        with _progress("Semantic data", stage.missing(store)) as advance:
            done = make_ready(store, stage.cheap, on_articles=advance)
    except ReprintCheckError as e:
        fail(str(e))
    seconds = time.monotonic() - started
    rate = f" ({done.made / seconds:.1f} articles/s)" if done.made and seconds > 0 else ""
    click.echo(
        f"semantic data: {done.made} article(s) made ready{rate}, {done.already} already ready",
        err=True,
    )


@index.command("migrate")
@index_option
def index_migrate(index_location: str | None) -> None:
    """Bring the index's schema up to date, after an upgrade of reprint-check."""
    location = index_location or os.environ.get("REPRINT_CHECK_INDEX") or ""
    if not location.startswith(("postgresql://", "postgres://")):
        path = location or str(DEFAULT_INDEX_PATH)
        try:
            applied = migrate_sqlite(path)
        except ReprintCheckError as e:
            fail(str(e))
        done = ", ".join(map(str, applied)) if applied else f"none (schema {SCHEMA_VERSION})"
        click.echo(f"{path}: migrations applied: {done}")
        return
    from .index.postgres import migrate, redact

    try:
        applied = migrate(location)
    except ReprintCheckError as e:
        fail(str(e))
    done = ", ".join(map(str, applied)) if applied else "none (up to date)"
    click.echo(f"{redact(location)}: migrations applied: {done}")


@index.command("stats")
@index_option
def index_stats(index_location: str | None) -> None:
    """Articles, fingerprints, size on disk, boilerplate suppressed."""
    try:
        with open_index(index_location, read_only=True) as store:
            s = store.stats()
            obtained = store.obtained()
            gone = sum(1 for _ in store.gone_articles())
    except ReprintCheckError as e:
        fail(str(e))
    ratio = (
        f" ({s.size_bytes / s.text_chars:.2f} bytes per article character)" if s.text_chars else ""
    )
    click.echo(f"index: {s.location}")
    click.echo(f"articles: {s.articles}")
    click.echo(f"article characters: {s.text_chars}")
    click.echo(f"fingerprints: {s.fingerprints}")
    click.echo(f"boilerplate fingerprints suppressed: {s.boilerplate_fingerprints}")
    click.echo(f"size on disk: {s.size_bytes} bytes{ratio}")
    click.echo(
        f"k-grams of {s.k} tokens, window {s.window}: any shared run of "
        f"{s.guarantee_tokens} tokens is found"
    )
    if obtained:
        ways = ", ".join(f"{OBTAINED.get(via, via)} {n}" for via, n in sorted(obtained.items()))
        others = s.articles - sum(obtained.values())
        click.echo(f"obtained by crawls: {ways}; otherwise (files, exports, pages): {others}")
    if gone:
        click.echo(f"gone (404/410, kept): {gone}")


@index.command("list")
@index_option
@click.option("--gone", is_flag=True, help="Only articles whose page answers 404 or 410 now.")
def index_list(index_location: str | None, gone: bool) -> None:
    """One line per indexed article: URL, characters, title (--gone: and since when)."""
    listed = 0
    try:
        with open_index(index_location, read_only=True) as store:
            if gone:
                for g in store.gone_articles():
                    click.echo(
                        f"{g.article.url}\t{g.article.chars}\t{g.article.title}\t"
                        f"{g.status or 'gone'} since {g.since}"
                    )
                return
            for info in store.articles():
                click.echo(f"{info.url}\t{info.chars}\t{info.title}")
                listed += 1
    except ReprintCheckError as e:
        fail(str(e))
    if not listed:
        click.echo(
            f"reprint-check: {shown_location(store.location)}: the index holds no articles",
            err=True,
        )


@index.command("remove")
@click.argument("urls", nargs=-1, required=True)
@index_option
def index_remove(urls: tuple[str, ...], index_location: str | None) -> None:
    """Remove articles by URL (any of their aliases); says what was removed."""
    removed = missing = 0
    try:
        with open_index(index_location, create=False) as store:
            for url in urls:
                info = store.remove(url)
                if info is None:
                    missing += 1
                    click.echo(f"reprint-check: {url}: not in the index", err=True)
                else:
                    removed += 1
                    title = f" ({info.title})" if info.title else ""
                    click.echo(f"removed {info.url}{title}", err=True)
            left = store.count()
    except ReprintCheckError as e:
        fail(str(e))
    click.echo(
        f"{removed} article(s) removed, {missing} not in the index; "
        f"{left} in {shown_location(store.location)}",
        err=True,
    )
    if missing:
        raise SystemExit(EXIT_USAGE)


# --- extract ----------------------------------------------------------------------


@main.command("extract")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object (url, title, text, article_chars); several: an array, in order.",
)
@_hints_options
@click.option(
    "--index",
    "index_location",
    metavar="PATH",
    help="Also leave out the site templates this index learned (file or postgresql:// URL).",
)
@private_option
def extract_command(
    sources: tuple[str, ...],
    fmt: str,
    policy_names: tuple[str, ...],
    policy_dir: str | None,
    index_location: str | None,
    allow_private: bool,
) -> None:
    """Show an article as the index would hold it: title, text and article_chars.

    SOURCES are what `index add` takes (pages, .txt files, folders, JSONL
    exports, URLs), read the same way, with the same --policy hints; with
    --index, without the site templates that index learned, as it stores them.
    The run to make when a count looks wrong: article_chars is the length the
    excerpt limit and the full-reprint ratio are measured against.
    """
    hints = _site_hints(policy_names, policy_dir)
    templates: dict[str, frozenset[str]] = {}
    if index_location is not None:
        try:
            with open_index(index_location, read_only=True) as store:
                templates = store.templates()
        except ReprintCheckError as e:
            fail(str(e))
    articles: list[Article] = []
    errors: list[SourceError] = []
    with Fetcher(FetchSettings(allow_private=allow_private)) as fetcher:
        for spec in sources:
            for item in iter_articles(spec, fetcher=fetcher, hints=hints):
                if isinstance(item, SourceError):
                    errors.append(item)
                    click.echo(f"reprint-check: {item.source}: {item.message}", err=True)
                else:
                    articles.append(strip_article(item, templates))
    if fmt == "json":
        records = [extracted_record(article) for article in articles]
        if records:
            single = len(sources) == 1 and len(records) == 1
            click.echo(json.dumps(records[0] if single else records, ensure_ascii=False, indent=2))
    else:
        for number, article in enumerate(articles):
            if number:
                click.echo()
            click.echo(extracted_text(article))
    raise SystemExit(source_errors_code(errors))


# --- audit ------------------------------------------------------------------------


def _audit_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options ``audit`` and ``feed`` share."""
    options = [
        index_option,
        click.option(
            "--source",
            "sources",
            multiple=True,
            metavar="SRC",
            help="Publisher article(s) for a one-off audit with no index.",
        ),
        click.option(
            "--policy",
            "policy_names",
            multiple=True,
            metavar="NAME|FILE",
            help="Policy name or file (default: default); repeat for several publishers.",
        ),
        click.option(
            "--policies",
            "policy_dir",
            type=click.Path(file_okay=False),
            help="A folder of policy files: each article is judged by the one covering it.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(sorted(FORMATS)),
            default="console",
            show_default=True,
        ),
        click.option(
            "-o", "--output", type=click.Path(dir_okay=False), help="Write the report here."
        ),
        click.option(
            "--include-text", is_flag=True, help="Add each page's extracted text to the report."
        ),
        click.option("--no-color", is_flag=True, help="Plain console output."),
        click.option(
            "--as-url", metavar="URL", help="The target's own URL when it is a saved file."
        ),
        click.option(
            "--resolve-links",
            is_flag=True,
            help="Follow redirecting links (shorteners, /go?url=) to prove where they land.",
        ),
        click.option(
            "--evidence",
            "evidence_dir",
            type=click.Path(file_okay=False),
            help="Keep every fetched response in a WARC file here and cite it in the report.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=20.0,
            show_default=True,
            help="Seconds of silence before a fetch gives up (the whole fetch: 3x this).",
        ),
        click.option(
            "--max-bytes",
            type=click.IntRange(min=1024),
            default=20 * 1024 * 1024,
            show_default=True,
            help="Largest page or feed accepted, in bytes.",
        ),
        click.option(
            "--jobs",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Audit in this many processes (the report is the same whatever the number).",
        ),
        private_option,
        semantic_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@contextlib.contextmanager
def _session(
    *,
    index_location: str | None,
    sources: tuple[str, ...],
    policy_names: tuple[str, ...],
    policy_dir: str | None,
    include_text: bool,
    as_url: str | None,
    resolve_links: bool,
    evidence_dir: str | None,
    allow_private: bool,
    timeout: float = 20.0,
    max_bytes: int = 20 * 1024 * 1024,
    jobs: int = 1,
    semantic: bool = False,
) -> Iterator[tuple[SourceIndex, Policies, Fetcher, AuditOptions, int]]:
    """Policy, fetcher (with evidence), index and options for one audit or feed run.

    The last item is the exit code the ``--source`` articles earn: one that
    could not be read (already told on stderr) fails the run even when the
    others were enough to audit with.
    """
    try:
        policy = select_policies(policy_names, policy_dir)
        recorder = EvidenceRecorder(evidence_dir) if evidence_dir else None
        if semantic:
            _require_semantic()
    except ReprintCheckError as e:
        fail(str(e))
    settings = FetchSettings(
        connect_timeout=min(timeout, 10.0),
        read_timeout=timeout,
        total_timeout=3 * timeout,
        max_bytes=max_bytes,
        allow_private=allow_private,
    )
    hook = recorder.record if recorder else None
    sources_code = EXIT_OK
    with contextlib.ExitStack() as stack:
        if recorder is not None:
            stack.enter_context(recorder)
        fetcher = stack.enter_context(Fetcher(settings, on_response=hook))
        try:
            if sources:
                # several processes share the one-off index through a temporary file
                path = None
                if jobs > 1:
                    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="rc-src-"))
                    path = str(Path(folder) / "sources.sqlite")
                store, errors = index_from_sources(
                    sources, fetcher=fetcher, path=path, hints=archive_hints(policy)
                )
                for err in errors:
                    click.echo(f"reprint-check: {err.source}: {err.message}", err=True)
                sources_code = source_errors_code(errors)
                if store.count() == 0:
                    fail("no usable article in --source")
            else:
                store = open_index(index_location, read_only=True, require_articles=True)
        except ReprintCheckError as e:
            fail(str(e))
        stack.enter_context(store)
        if semantic:
            _semantic_index_ready(store, made_here=bool(sources))
        options = AuditOptions(
            include_text=include_text,
            as_url=as_url,
            resolve_links=resolve_links,
            evidence=recorder,
            jobs=jobs,
            evidence_dir=evidence_dir,
            semantic=semantic,
        )
        yield store, policy, fetcher, options, sources_code


def _semantic_index_ready(store: SourceIndex, *, made_here: bool) -> None:
    """A one-off index gets its semantic data now; a stored one must have been given it."""
    from .audit import semantic_stage
    from .semantic.ready import make_ready

    stage = semantic_stage()
    try:
        if made_here:
            make_ready(store, stage.cheap)
            return
        missing = stage.missing(store)
    except ReprintCheckError as e:
        fail(str(e))
    total = store.count()
    how = "run `reprint-check index add SRC... --semantic` (articles already indexed are kept)"
    if missing and missing == total:
        fail(f"{store.stats().location}: no semantic data in this index: {how}")
    if missing:
        click.echo(
            f"reprint-check: {missing} of {total} indexed articles have no semantic data "
            f"and are checked word for word only: {how}",
            err=True,
        )


@main.command("audit")
@click.argument("targets", nargs=-1, required=True)
@_audit_options
def audit_command(
    targets: tuple[str, ...], fmt: str, output: str | None, no_color: bool, **session: Any
) -> None:
    """Audit pages: URL, .html/.htm or .txt file, or - for standard input."""
    with (
        _session(**session) as (store, policy, fetcher, options, sources_code),
        _progress("Auditing", len(targets)) as advance,
    ):
        if options.jobs > 1 and len(targets) > 1:
            report = audit_parallel(
                targets,
                index_location=store.location,
                policy=policy,
                jobs=options.jobs,
                settings=fetcher.settings,
                options=options,
                evidence_dir=options.evidence_dir,
                on_target=lambda _result: advance(),
            )
        else:
            report = audit(
                targets,
                index=store,
                policy=policy,
                fetcher=fetcher,
                options=options,
                on_target=lambda _result: advance(),
            )
    _tell_errors(report)
    _emit(report, fmt, output, include_text=options.include_text, no_color=no_color)
    raise SystemExit(worst(exit_code(report), sources_code))


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since: expected a date like 2026-11-01 or 2026-11-01T08:00:00Z, got {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@main.command("feed")
@click.argument("feeds", nargs=-1, required=True)
@_audit_options
@click.option(
    "--fetch-items",
    type=click.Choice(FETCH_MODES),
    default="auto",
    show_default=True,
    help="auto: the feed's own text when it is the whole story, else the item's page.",
)
@click.option("--since", metavar="DATE", help="Only items published or updated since DATE.")
@click.option("--limit", type=click.IntRange(min=1), help="At most N items per run, newest first.")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    help="Remember items between runs: audit only new or changed ones, report all.",
)
def feed_command(
    feeds: tuple[str, ...],
    fmt: str,
    output: str | None,
    no_color: bool,
    fetch_items: str,
    since: str | None,
    limit: int | None,
    state_path: str | None,
    **session: Any,
) -> None:
    """Audit every item of partner feeds: RSS, Atom, JSON Feed, sitemaps (URL or file)."""
    since_moment = _since(since)
    with _session(**session) as (store, policy, fetcher, options, sources_code):
        context = f"{policy.summary()}|{store.stats().articles}|{store.stats().fingerprints}"
        if options.semantic:
            context += "|semantic"  # results of a run without the stage are not reused
        try:
            state = FeedState.load(state_path, context=context) if state_path else None
        except ReprintCheckError as e:
            fail(str(e))
        reads: list[FeedRead | TargetResult] = []
        for spec in feeds:
            try:
                reads.append(read_feed(spec, fetcher, since=since_moment, limit=limit))
            except InputError as e:  # a local feed file that is missing: the others still run
                reads.append(TargetResult(spec, "error", error=str(e), bad_input=True))
        results: list[TargetResult] = []
        total = sum(len(r.items) for r in reads if isinstance(r, FeedRead))
        with _progress("Auditing feed items", total) as advance:
            for spec, read in zip(feeds, reads, strict=True):
                if isinstance(read, TargetResult):
                    results.append(read)
                    continue
                for error in read.errors:
                    message = error.message
                    if not message.startswith(error.source):
                        message = f"{error.source}: {message}"
                    results.append(TargetResult(error.source, "error", error=message))
                if not read.items and not read.errors:  # nothing checked is never a pass
                    results.append(TargetResult(spec, "error", error=_no_items(since)))
                for item, target in item_pages(read.items, fetcher, fetch_items, state):
                    results.append(
                        _feed_item_result(
                            item, target, store, policy, fetcher, options, state, fetch_items
                        )
                    )
                    advance()
        if state is not None and state_path:
            try:
                state.save(state_path)
            except ReprintCheckError as e:
                fail(str(e))
    report = Report(policy=policy.summary(), targets=tuple(results))
    _tell_errors(report)
    _emit(report, fmt, output, include_text=options.include_text, no_color=no_color)
    raise SystemExit(worst(exit_code(report), sources_code))


def _no_items(since: str | None) -> str:
    if since:
        return f"no items to audit: the feed lists none published or updated since {since}"
    return "no items to audit: the feed lists none"


def _feed_item_result(
    item: FeedItem,
    target: ItemTarget,
    store: SourceIndex,
    policy: Policies,
    fetcher: Fetcher,
    options: AuditOptions,
    state: FeedState | None,
    mode: str,
) -> TargetResult:
    """The result for one feed item: a stored one if unchanged, else a fresh audit."""
    if target.unchanged and state is not None:
        stored = state.result(target.name)
        if stored is not None:
            return stored
        target = item_page(item, fetcher, mode, None)  # the stored result is unreadable
    if target.error is not None or target.page is None:
        result = TargetResult(target.name, "error", error=target.error or "no page")
    else:
        result = audit_target(
            target.name,
            index=store,
            policy=policy,
            fetcher=fetcher,
            options=options,
            page=target.page,
        )
    if state is not None:
        state.record(target, result)
    return result


def _tell_errors(report: Report) -> None:
    """One stderr line per error entry, so the reason is seen whatever ``-o`` says.

    Targets and reasons may come from a partner's feed or a stored report:
    they are made one line with control characters shown as symbols, so
    nothing they hold can start a line of its own (a CI workflow command).
    """
    for target in report.targets:
        if target.status != "error":
            continue
        reason = target.error or "could not be audited"
        line = reason if reason.startswith(f"{target.target}:") else f"{target.target}: {reason}"
        click.echo(f"reprint-check: {clean(line)}", err=True)


def _emit(
    report: Report, fmt: str, output: str | None, *, include_text: bool, no_color: bool
) -> None:
    color: bool | None = False if (no_color or output) else None
    text = render(report, fmt, include_text=include_text, color=color)
    if output:
        try:
            Path(output).write_bytes(text.encode("utf-8"))  # CSV keeps its \r\n line ends
        except OSError as e:
            fail(f"{output}: cannot write report ({e.strerror})")
    else:
        click.echo(text, nl=not text.endswith("\n"))


# --- report -----------------------------------------------------------------------


@main.command("report")
@click.argument("results", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="html", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@index_option
@click.option("--no-color", is_flag=True, help="Plain console output.")
def report_command(
    results: tuple[str, ...],
    fmt: str,
    output: str | None,
    index_location: str | None,
    no_color: bool,
) -> None:
    """Render (and merge) stored JSON reports: html, markdown, csv, junit, github, console.

    A sweep's summary.json renders as html or markdown: domains ranked, their
    worst pages with evidence.

    With --index, passages also show the source article's side where the
    article is still in the index. The exit code is that of the reports'
    contents (1 a violation, 3 an error entry, 0 all compliant), as for the
    run that made them; 2 when a file is not a readable report.
    """
    reports = []
    for path in results:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            fail(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})")
        if len(results) == 1 and (summary := sweep_summary(text)) is not None:
            _emit_summary(summary, fmt, output)
        try:
            reports.append(load_report(text, name=path))
        except ReprintCheckError as e:
            fail(str(e))
    merged = merge(reports)
    if index_location:
        try:
            with open_index(index_location, read_only=True, require_articles=True) as store:
                wanted = {s.url for t in merged.targets for s in t.sources}
                ids = {info.url: info.id for info in store.articles() if info.url in wanted}
                texts = {url: store.get(i).text for url, i in ids.items()}
        except ReprintCheckError as e:
            fail(str(e))
        merged = with_source_text(merged, texts.get)
    _tell_errors(merged)
    _emit(merged, fmt, output, include_text=False, no_color=no_color)
    raise SystemExit(exit_code(merged))


# --- policy -----------------------------------------------------------------------


@main.group("policy")
def policy_group() -> None:
    """List, show and check policy files."""


@policy_group.command("list")
def policy_list() -> None:
    """The shipped policies."""
    for p in list_policies():
        click.echo(f"{p.name}\t{p.publisher}\t{summary_line(p)}")


@policy_group.command("show")
@click.argument("name")
def policy_show(name: str) -> None:
    """A policy's rules in plain words."""
    _explain(name)


@policy_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def policy_check(file: str) -> None:
    """Validate a policy file and explain each rule."""
    _explain(file)


def _explain(name: str) -> None:
    try:
        policy: Policy = load_policy(name)
    except ReprintCheckError as e:
        fail(str(e))
    click.echo(f"{policy.name} ({policy.path or 'built in'}): valid")
    for line in explain(policy):
        click.echo(f"  - {line}")


main.add_command(sweep_command)


def run() -> None:
    """Entry point that never shows a traceback: every failure is one line on stderr."""
    try:
        main(standalone_mode=True)
    except ReprintCheckError as e:
        fail(str(e))
    except KeyboardInterrupt:
        click.echo("reprint-check: interrupted", err=True)
        raise SystemExit(130) from None
    except Exception as e:  # the last resort: a bug must not print a traceback at a user
        fail(f"internal error: {type(e).__name__}: {e}")


if __name__ == "__main__":
    run()
