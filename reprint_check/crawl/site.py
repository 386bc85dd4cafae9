"""A publisher's whole archive from its live site: discover, fetch politely, resume, sync.

``reprint-check index add https://publisher.example/`` indexes every story of
a site, and ``reprint-check index sync https://publisher.example/`` keeps the
index current. What the URL is, is read from what it answers, never guessed
from its name: a site's home page, a sitemap or sitemap index, a news
sitemap, an RSS, Atom or JSON feed, or one article page (indexed alone, as
``index add URL`` always did).

Discovery. On a site, the WordPress REST API when the site announces it (or
answers at ``/wp-json/``) and ``--no-api`` is not given: exact bodies, titles,
dates and permalinks, a hundred posts a request (:mod:`.wordpress`).
Otherwise the sitemaps robots.txt names, ``/sitemap.xml``,
``/sitemap_index.xml`` and ``/wp-sitemap.xml`` (indexes followed; sitemaps of
listing pages such as categories, tags and authors left alone), and the feeds
the home page links to; every URL found goes into an on-disk frontier
(:mod:`.frontier`), deduplicated by canonical URL (tracking parameters,
``www.``, scheme).

Politeness and safety. robots.txt is obeyed for every URL a crawl finds
(:mod:`.robots`, RFC 9309, via protego) and its ``Crawl-delay`` honoured; at
most ``per_host`` requests are in flight per host, started at least
``delay`` seconds apart; a 429 or 503 pauses the whole host for its
``Retry-After`` (:mod:`.pacing`). Every request, redirect hops and retries
included, passes that gate. A crawl never leaves the named site (its
``www.`` and http/https twins are the same site) unless ``allow_hosts`` says
so, and the fetcher's size cap, time-outs and refusal of private addresses
apply as everywhere.

Resume and sync. Each URL's outcome is written to the index with its article,
in the same transaction (:class:`~reprint_check.index.PageRecord`): how the
article was obtained, the listing's ``lastmod``, the ``ETag`` and
``Last-Modified`` validators. The next crawl of the site fetches only what is
new or changed: a URL whose listed date is unchanged is not requested at all,
one without a date is asked conditionally (a 304 costs no download), and a
crawl killed at any moment resumes without fetching again what it stored
before (the site's record says when the unfinished crawl started), nor what
it had fetched and not yet stored: every answer is in the crawl journal
(:mod:`.journal`) before it is used, and a resumed crawl takes it from there. A sync
also asks again for indexed URLs no listing names any more: those that
answer 404 or 410 are marked gone and kept, since copies of deleted stories
still matter.

Long because discovery, the fetch plan, resuming and the transaction that
stores an article with its crawl record are one run's state; the parts that
stand alone (frontier.py, journal.py, wordpress.py, web/pacing.py,
web/robotstxt.py) are apart already.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import html
import io
import json
import queue
import re
import threading
import time
import zlib
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from urllib.parse import urljoin, urlsplit, urlunsplit

from reprint_check.crawl import wordpress
from reprint_check.crawl.frontier import Found, Frontier
from reprint_check.crawl.journal import Journal, journal_path
from reprint_check.errors import FetchError, InputError
from reprint_check.index.base import (
    PageRecord,
    PreparedArticle,
    SiteRecord,
    SourceIndex,
    prepare_article,
)
from reprint_check.index.ingest import map_in_workers
from reprint_check.index.sources import article_from_page
from reprint_check.index.template import (
    Templates,
    TemplateUpdate,
    strip_article,
    update_templates,
)
from reprint_check.models import SiteHints
from reprint_check.urls import canonical_url, host_of
from reprint_check.web.feeds import FeedItem, sniff_kind, stream_feed
from reprint_check.web.fetch import (
    DEFAULT_USER_AGENT,
    Fetched,
    Fetcher,
    FetchSettings,
    MiB,
    RequestRefused,
)
from reprint_check.web.pacing import STOP_POLL, HostPacer, Stopped
from reprint_check.web.robotstxt import Robots, RobotsCache

VIA_API = "wordpress-api"
VIA_HTML = "html"
OBTAINED = {VIA_API: "WordPress REST API", VIA_HTML: "HTML pages"}

# Politeness defaults: two requests in flight per host, started half a second
# apart at least (robots.txt's Crawl-delay, when larger, wins).
DEFAULT_PER_HOST = 2
DEFAULT_DELAY = 0.5
# Tries per URL on a transient failure (5xx, 429, a broken connection).
MAX_ATTEMPTS = 4
BACKOFF = 1.0  # seconds before the first retry when the server says nothing; doubles
# A server asking for a longer pause than this is not waited for: the URL fails.
MAX_RETRY_AFTER = 300.0
# How a refusal says the page was just fetched for another listed URL.
DUPLICATE = "already fetched for"
# Statuses that say an article is gone (kept in the index, marked gone).
GONE_STATUSES = frozenset({404, 410})
# Crawl records and articles are committed at least this often, so a crawl
# killed at any moment has fetched little that it has not stored (a commit of a
# few articles costs milliseconds; what a kill loses is fetched again).
FLUSH_SECONDS = 0.25
FLUSH_ITEMS = 100
# Sitemaps: the protocol's own size cap; how many documents one crawl reads.
SITEMAP_MAX_BYTES = 50 * MiB
MAX_SITEMAPS = 5000
WELL_KNOWN_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")
MAX_FEEDS = 5
# Child sitemaps of listing pages (WordPress core, Yoast, Rank Math…): categories,
# tags, authors and other taxonomies, whose pages are lists of stories, not stories.
LISTING_SITEMAP = re.compile(
    r"(?:^|[-_/])(?:category|categories|tag|tags|post_tag|author|authors|users?|taxonom(?:y|ies)"
    r"|post_format|topics?)(?:[-_.\d]|$)",
    re.IGNORECASE,
)
# What a summary lists one by one; the rest are counted.
MAX_LISTED = 50
MAX_PROBLEMS_SHOWN = 5  # discovery problems in the one-screen summary
# URLs requested recently, remembered so that two listed URLs that lead to one
# page (an old address redirecting to the new one, also listed) cost one request.
# Such pairs sit side by side in the plan (same dates): a short memory suffices
# and keeps a 100,000-URL crawl's memory flat.
RECENT_URLS = 4096
_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


# --- options, progress, report ---------------------------------------------------------


@dataclass(frozen=True)
class CrawlOptions:
    """What to crawl and how politely. ``sync`` also re-checks indexed URLs no listing names."""

    include: tuple[str, ...] = ()  # URL patterns (glob); none: everything on the site
    exclude: tuple[str, ...] = ()
    since: datetime | None = None  # only articles modified or published since
    limit: int | None = None  # at most this many articles fetched, newest first
    jobs: int = 1  # extraction processes
    per_host: int = DEFAULT_PER_HOST
    delay: float = DEFAULT_DELAY
    use_api: bool = True
    allow_hosts: tuple[str, ...] = ()
    sync: bool = False
    hints: SiteHints | None = None  # the publishers' [archive] hints, by host


@dataclass(frozen=True)
class CrawlProgress:
    """A snapshot for a progress bar: ``done`` of ``total`` URLs dealt with."""

    discovered: int
    total: int | None
    done: int
    fetched: int
    indexed: int
    unchanged: int
    skipped: int
    gone: int
    failed: int
    requests: int
    elapsed: float


@dataclass(frozen=True)
class CrawlReport:
    """What one crawl did, for its summary and exit code."""

    site: str
    start: str
    source: str  # what was read: "the WordPress REST API", "3 sitemaps and 1 feed", …
    discovered: int = 0  # distinct URLs the listings named
    added: int = 0
    replaced: int = 0  # changed articles stored again
    unchanged: int = 0  # not fetched (same date), 304, or fetched and identical
    skipped: tuple[tuple[str, int], ...] = ()  # (reason, count)
    gone: tuple[str, ...] = ()  # URLs that answered 404/410 (the first MAX_LISTED)
    gone_count: int = 0
    failures: tuple[tuple[str, str], ...] = ()  # (URL, one-line problem), the first MAX_LISTED
    failed: int = 0
    obtained: tuple[tuple[str, int], ...] = ()  # (via, articles written this run)
    requests: int = 0
    elapsed: float = 0.0
    interval: float = 0.0  # seconds between two request starts per host
    per_host: int = DEFAULT_PER_HOST
    resumed: str | None = None  # when the interrupted crawl this one resumed had started
    deletions: str = ""  # how deletions were looked for, or why not
    problem: str | None = None  # the crawl could not run at all: why
    unreachable: bool = False  # ... because the site could not be fetched (not: nothing to index)
    problems: tuple[str, ...] = ()  # discovery problems (a sitemap that failed, …)
    templates: TemplateUpdate = field(default_factory=TemplateUpdate)  # site templates learned

    @property
    def indexed(self) -> int:
        return self.added + self.replaced

    @property
    def articles(self) -> int:
        """Articles of the site now in the index as this crawl found them."""
        return self.indexed + self.unchanged

    def summary(self) -> list[str]:
        """The one-screen summary, line by line."""
        if self.problem is not None:
            return [f"{self.start}: {self.problem}"]
        rate = self.requests / self.elapsed if self.elapsed > 0 else 0.0
        lines = [
            f"{self.site}: {self.discovered:,} URL(s) found in {self.source}"
            + (f" (resumed the crawl started {self.resumed})" if self.resumed else ""),
            f"  indexed {self.indexed:,} ({self.added:,} new, {self.replaced:,} changed), "
            f"{self.unchanged:,} unchanged",
        ]
        if self.obtained:
            lines.append(
                "  obtained from "
                + ", ".join(f"{OBTAINED.get(via, via)}: {n:,}" for via, n in self.obtained)
            )
        if self.skipped:
            total = sum(n for _, n in self.skipped)
            lines.append(
                f"  skipped {total:,}: " + ", ".join(f"{r} {n:,}" for r, n in self.skipped)
            )
        if self.gone_count:
            lines.append(f"  gone (404/410, kept in the index): {self.gone_count:,}")
        if self.failed:
            lines.append(f"  failed {self.failed:,} (listed below)")
        if self.deletions:
            lines.append(f"  deletions: {self.deletions}")
        lines.append(
            f"  {self.requests:,} request(s) in {self.elapsed:.1f} s ({rate:.1f}/s); at most "
            f"{self.per_host} in flight per host, {self.interval:g} s apart"
        )
        lines += [f"  {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  … and {len(self.problems) - MAX_PROBLEMS_SHOWN} more problem(s)")
        return lines


class _Counts:
    """Counters shared by the fetch threads, the planner and the writer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values: Counter[str] = Counter()
        self.total: int | None = None
        self.started = time.monotonic()

    def add(self, **amounts: int) -> None:
        with self._lock:
            self.values.update(amounts)

    def set(self, **values: int) -> None:
        with self._lock:
            self.values.update({k: v - self.values[k] for k, v in values.items()})

    def snapshot(self) -> CrawlProgress:
        with self._lock:
            v = dict(self.values)
        done = sum(v.get(k, 0) for k in ("indexed", "unchanged", "skipped", "gone", "failed"))
        return CrawlProgress(
            discovered=v.get("discovered", 0),
            total=self.total,
            done=done,
            fetched=v.get("fetched", 0),
            indexed=v.get("indexed", 0),
            unchanged=v.get("unchanged", 0),
            skipped=v.get("skipped", 0),
            gone=v.get("gone", 0),
            failed=v.get("failed", 0),
            requests=v.get("requests", 0),
            elapsed=time.monotonic() - self.started,
        )


# --- small pure helpers -----------------------------------------------------------------


def site_key(url: str) -> str:
    """The site a URL belongs to: its canonical origin (https, no ``www.``, no default port)."""
    parts = urlsplit(canonical_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def host_key(url: str) -> str:
    """What one politeness budget covers: the canonical host (``www.`` and scheme twins share)."""
    return urlsplit(canonical_url(url)).netloc


def is_site_root(url: str) -> bool:
    """A site's home page (``https://publisher.example/``): a crawl of the whole site."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def user_agent(contact: str | None = None) -> str:
    """An honest User-Agent, naming who to contact when ``contact`` (a URL or address) is given."""
    if not contact:
        return DEFAULT_USER_AGENT
    return DEFAULT_USER_AGENT[:-1] + f"; contact: {' '.join(contact.split())})"


def url_matches(pattern: str, url: str) -> bool:
    """A glob against the whole URL when it names a scheme, else against the path and query."""
    if "://" in pattern:
        return fnmatchcase(url, pattern)
    parts = urlsplit(url)
    return fnmatchcase(parts.path + (f"?{parts.query}" if parts.query else ""), pattern)


def clean_url(url: str) -> str:
    """The URL to request for a listed one: tracking parameters (``utm_*``…) and fragment gone.

    A feed's ``?utm_source=rss`` link is the same page as the sitemap's plain one,
    and the article must not be stored under the tracked address.
    """
    parts = urlsplit(url)
    if not parts.query and not parts.fragment:
        return url
    query = urlsplit(canonical_url(url)).query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _after(moment: str, patience: float = 2.0) -> str:
    """The time now, once it is past ``moment`` (waiting up to ``patience`` seconds).

    Times are kept to the second, and a resumed crawl takes every URL checked
    since its crawl started as done: a crawl that started in the second the last
    one ended would take that crawl's last checks for its own, and never ask for
    pages changed since. Waiting for the next second keeps them apart; a clock
    set back further than ``patience`` is not waited for.
    """
    deadline = time.monotonic() + patience
    while (now := _now()) <= moment and time.monotonic() < deadline:
        time.sleep(0.05)
    return now


def _iso_since(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gmt(value: str | None) -> str | None:
    """WordPress's ``modified_gmt`` ("2024-05-01T12:00:00", UTC without a zone) as ISO UTC."""
    if not value:
        return None
    return value if value.endswith("Z") or "+" in value[10:] else value + "Z"


def _header(fetched: Fetched, name: str) -> str | None:
    return next((v for k, v in fetched.headers if k == name), None)


def _gunzipped(data: bytes, cap: int, where: str) -> bytes:
    """A ``.xml.gz`` sitemap served as a gzip file (not a content encoding), bounded."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
            out = unzipped.read(cap + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise FetchError(f"{where}: not a valid gzip file ({e})") from None
    if len(out) > cap:
        raise FetchError(f"{where}: uncompressed sitemap larger than {cap // MiB} MiB")
    return out


def feed_links(page: Fetched) -> list[str]:
    """Feeds a page links to (``<link rel=alternate type=…rss+xml…>``), absolute, in order."""
    found: list[str] = []
    for tag in _LINK_TAG.findall(page.text[:200_000]):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(tag)}
        rel = attrs.get("rel", "").lower().split()
        kind = attrs.get("type", "").lower().strip()
        if "alternate" in rel and kind in _FEED_TYPES and attrs.get("href"):
            url = urljoin(page.final_url, html.unescape(attrs["href"]))
            if url not in found:
                found.append(url)
    return found


# --- units of work ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """A URL to request, with what the index knew of it."""

    url: str
    lastmod: str | None  # the listing's modification date: an article's record keeps it
    known: PageRecord | None
    conditional: bool  # ask with the stored validators (an indexed article that may be current)
    listed: str | None = None  # the listing's date, else its publication date: for other records


@dataclass(frozen=True)
class _Unit:
    """What one request (or one API post) gave, on its way to the writer.

    kinds: "html" (a page to extract), "post" (an API post to convert),
    "record" (a crawl record only: 304, gone), "failure", "skip".
    """

    kind: str
    url: str
    record: PageRecord | None = None
    text: str | None = None
    final_url: str | None = None
    post: wordpress.Post | None = None
    message: str | None = None
    stored: bool = False  # an article is indexed under this URL already
    listed: str | None = None  # the listing's date (see _Job.listed)


def _extract(
    unit: _Unit, hints: SiteHints | None = None, templates: Templates | None = None
) -> tuple[_Unit, PreparedArticle | None, str | None]:
    """Extract and fingerprint in a worker; the page text does not travel back.

    Pages are read with the host's ``[archive]`` hints, and every article is
    stored without its site's known template, as an ingest stores it.
    """
    slim = dataclasses.replace(unit, text=None, post=None)
    try:
        if unit.kind == "html":
            assert unit.text is not None and unit.final_url is not None
            article = article_from_page(unit.url, unit.text, unit.final_url, hints)
        elif unit.kind == "post":
            assert unit.post is not None
            article = wordpress.article_from_post(unit.post)
        else:
            return slim, None, None
        return slim, prepare_article(strip_article(article, templates or {})), None
    except (FetchError, InputError) as e:
        return slim, None, str(e).removeprefix(f"{unit.url}: ")
    except Exception as e:  # a bug on one page must not lose the rest of the crawl
        return slim, None, f"internal error: {type(e).__name__}: {e}"


# Units the journal keeps: answers whose outcome the index stores (failures and
# skips leave no record, so a later crawl asks again anyway).
JOURNALED = frozenset({"html", "post", "record"})


def _pack(unit: _Unit) -> bytes:
    """A unit as the journal keeps it: JSON, compressed (a page's HTML is most of it)."""
    return zlib.compress(json.dumps(dataclasses.asdict(unit)).encode("utf-8"), 1)


def _unpack(data: bytes) -> _Unit:
    fields = json.loads(zlib.decompress(data).decode("utf-8"))
    record = PageRecord(**fields["record"]) if fields.get("record") else None
    post = wordpress.Post(**fields["post"]) if fields.get("post") else None
    return _Unit(**{**fields, "record": record, "post": post})


class _Sink:
    """Where listings hand their items: straight into the frontier."""

    def __init__(self, frontier: Frontier) -> None:
        self.frontier = frontier

    def add(self, item: FeedItem) -> None:
        if item.url:
            self.frontier.add(clean_url(item.url), lastmod=item.updated, published=item.published)


class _Done:
    """A fetch thread has no more work."""


@dataclass(frozen=True)
class _Crashed:
    error: BaseException


# --- the crawl ----------------------------------------------------------------------------


def crawl(
    start: str,
    store: SourceIndex,
    *,
    settings: FetchSettings | None = None,
    options: CrawlOptions | None = None,
    on_progress: Callable[[CrawlProgress], None] | None = None,
) -> CrawlReport:
    """Index what ``start`` leads to (site, sitemap, feed or one article) into ``store``.

    Never raises for a bad site or page: problems are in the report
    (``problem`` when nothing could be crawled at all). Raises InputError for
    a start that is not an http(s) URL, IndexStoreError when the index fails.
    """
    parts = urlsplit(start)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{start}: not an http(s) URL of a site, sitemap or feed")
    with _Crawl(start, store, settings or FetchSettings(), options or CrawlOptions()) as job:
        job.on_progress = on_progress
        return job.run()


class _Crawl:
    """One crawl of one start URL: the state its stages share."""

    def __init__(
        self, start: str, store: SourceIndex, settings: FetchSettings, options: CrawlOptions
    ) -> None:
        self.start = start
        self.store = store
        self.options = options
        self.site = site_key(start)
        self.hosts = frozenset(host_of(h) or h.lower() for h in options.allow_hosts)
        self.counts = _Counts()
        self.stop = threading.Event()
        self.pacer = HostPacer(options.per_host, options.delay, stop=self.stop)
        quiet = dataclasses.replace(
            settings, retries=0, max_connections_per_host=max(1, options.per_host)
        )
        self.fetcher = Fetcher(quiet)
        self.documents = Fetcher(
            dataclasses.replace(quiet, max_bytes=max(quiet.max_bytes, SITEMAP_MAX_BYTES))
        )
        self.robots = RobotsCache(self._read_robots)
        self.frontier = Frontier()
        self._lock = threading.Lock()  # the tallies below are kept from several threads
        self._claims: OrderedDict[str, str] = OrderedDict()  # recent URL -> listed URL
        self.since = _iso_since(options.since)
        self.on_progress: Callable[[CrawlProgress], None] | None = None
        self.now = _now()
        self.resuming_since: str | None = None
        self.complete = True  # every listing was read: absence from them means something
        self.problems: list[str] = []
        self.sources: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.gone: list[str] = []
        self.failures: list[tuple[str, str]] = []
        self.written: Counter[str] = Counter()
        self.templates = store.templates()
        self.written_hosts: set[str] = set()  # hosts whose template is learned again at the end
        self.learned = TemplateUpdate()
        self.obtained: Counter[str] = Counter()
        self.planned = 0  # articles asked for, against --limit
        self.via = ""
        self.deletions = ""
        self.journal: Journal | None = None  # opened when the crawl of a site begins
        self.crawl_id = self.now  # when this crawl (or the one it resumes) started
        self.replayed: set[str] = set()  # canonical URLs the journal gives back: not requested
        # pages in progress per host, from the request to their answer in the journal
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def __enter__(self) -> _Crawl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.fetcher.close()
        self.documents.close()
        self.frontier.close()
        if self.journal is not None:
            self.journal.close()

    # --- requests ---------------------------------------------------------------------

    def on_site(self, url: str) -> bool:
        return site_key(url) == self.site or host_of(url) in self.hosts

    @contextlib.contextmanager
    def _turn(self, url: str) -> Iterator[None]:
        """Pacing only: for robots.txt itself and the URL named on the command line."""
        if not self.on_site(url):
            raise RequestRefused(
                f"{url} is outside {self.site} (--allow-host lets a crawl leave it)"
            )
        try:
            with self.pacer.turn(host_key(url)):
                self.counts.add(requests=1)
                yield
        except Stopped as e:
            raise RequestRefused(str(e)) from None

    @contextlib.contextmanager
    def _gate(self, url: str) -> Iterator[None]:
        """Every request a crawl makes by itself: on the site, allowed by robots.txt, paced."""
        if not self.on_site(url):
            raise RequestRefused(
                f"{url} is outside {self.site} (--allow-host lets a crawl leave it)"
            )
        if not self.robots.allows(url):
            raise RequestRefused(f"robots.txt disallows {url}")
        with self._turn(url):
            yield

    def _page_gate(self, listed: str) -> Callable[[str], contextlib.AbstractContextManager[object]]:
        """The gate of an article page's fetch: also no second request for a page just fetched."""

        @contextlib.contextmanager
        def gate(url: str) -> Iterator[None]:
            key = canonical_url(url)
            with self._lock:
                owner = self._claims.get(key)
                if owner is None:
                    self._claims[key] = listed
                    if len(self._claims) > RECENT_URLS:
                        self._claims.popitem(last=False)
            if owner is not None and owner != listed:
                raise RequestRefused(f"{DUPLICATE} {owner}")
            with self._gate(url):
                yield

        return gate

    def _read_robots(self, url: str) -> Fetched:
        return self.fetch(url, gate=self._turn)

    def robots_for(self, url: str) -> Robots:
        robots = self.robots.for_url(url)
        if robots.crawl_delay is not None:
            self.pacer.set_interval(host_key(url), robots.crawl_delay)
        return robots

    def fetch(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        gate: Callable[[str], contextlib.AbstractContextManager[object]] | None = None,
        document: bool = False,
    ) -> Fetched:
        """One URL, retried on transient failures; a 429/503 pauses its whole host."""
        fetcher = self.documents if document else self.fetcher
        attempt = 0
        while True:
            try:
                return fetcher.fetch(url, headers=headers, gate=gate or self._gate)
            except FetchError as e:
                if not e.transient or attempt + 1 >= MAX_ATTEMPTS or self.stop.is_set():
                    raise
                wait = e.retry_after if e.retry_after is not None else BACKOFF * 2**attempt
                if wait > MAX_RETRY_AFTER:
                    raise FetchError(
                        f"{e} (the server asks to wait {wait:g} s, more than {MAX_RETRY_AFTER:g})",
                        status=e.status,
                    ) from None
                attempt += 1
                self.counts.add(retries=1)
                if e.status in (429, 503) or e.retry_after is not None:
                    self.pacer.pause(host_key(url), wait)  # the whole host waits
                else:
                    self.stop.wait(wait)

    # --- the run ------------------------------------------------------------------------

    def run(self) -> CrawlReport:
        named: Fetched | None = None
        if not is_site_root(self.start):
            try:
                named = self.fetch(self.start, gate=self._turn, document=True)
            except FetchError as e:
                self.sources["one page"] += 1  # what it is is unknown: as one page, it failed
                return self._report(str(e).removeprefix(f"{self.start}: "), unreachable=True)
            kind = sniff_kind(named.content[:65536], named.content_type)
            if kind not in ("rss", "atom", "rdf", "jsonfeed", "sitemap", "sitemapindex"):
                return self._one_page(named)
        robots = self.robots_for(self.start)
        if robots.problem is not None:
            return self._report(robots.problem, unreachable=True)
        self._begin()
        self.frontier.load_known(self.store.pages(self.site))
        # what the index or the journal holds is not asked for again: on the API, the
        # light listing then says which posts are missing
        has_known = self.frontier.known_count() > 0 or bool(self.replayed)
        replay = self._replayed_units()
        units: Iterator[_Unit]
        if named is not None:
            self._read_listings([self.start], first=named)
            units = self._html_units()
        else:
            units = self._discover_site(robots, has_known)
        if self.options.sync:
            units = _chain(units, self._absent_units)
        self._consume(_chain(replay, lambda: units))
        self._finish()
        return self._report()

    def _begin(self) -> None:
        previous = self.store.site(self.site)
        started = self.now
        if previous is not None and previous.finished is None:
            started = previous.started  # resuming: what was checked since then is done
            self.resuming_since = started
        elif previous is not None and previous.finished is not None:
            started = self.now = _after(previous.finished)
        self.crawl_id = started
        self.journal = Journal(journal_path(self.store.location))
        # answers of the crawl this one resumes are used; any others are stale
        self.journal.clear(self.site, keep_crawl=self.resuming_since)
        if self.resuming_since is not None:
            self.replayed = self.journal.keys(self.site, self.crawl_id)
        self.store.record_site(SiteRecord(self.site, self.start, started, None, self.via))

    def _finish(self) -> None:
        previous = self.store.site(self.site)
        started = previous.started if previous is not None else self.now
        self.store.record_site(SiteRecord(self.site, self.start, started, _now(), self.via))
        if self.journal is not None:
            self.journal.clear(self.site)

    # --- the journal ------------------------------------------------------------------------

    def _journal(self, units: Iterable[_Unit]) -> None:
        """Answers on disk before anything is done with them (see journal.py)."""
        if self.journal is None:
            return
        entries = [(u.url, _pack(u)) for u in units if u.kind in JOURNALED]
        self.journal.write(self.site, self.crawl_id, entries)

    def _replayed_units(self) -> Iterator[_Unit]:
        """What the interrupted crawl fetched and the index does not hold yet, as it came."""
        if self.journal is None or not self.replayed:
            return
        for data in self.journal.entries(self.site, self.crawl_id):
            unit = _unpack(data)
            known = self.frontier.known(unit.url)
            if unit.record is not None and known is not None and known == unit.record:
                continue  # committed before the kill, not yet forgotten
            if unit.final_url is not None:
                with self._lock:  # another listed address of this page is a duplicate
                    self._claims[canonical_url(unit.final_url)] = unit.url
            yield unit

    @contextlib.contextmanager
    def _slot(self, url: str) -> Iterator[None]:
        """A page in progress on its host, from its request to its answer in the journal.

        At most ``per_host`` per host, like requests: so when a host starts a
        request, every earlier answer but those of the other slots is on disk,
        and a kill loses at most ``per_host`` answers, the ones on their way.
        """
        key = host_key(url)
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = threading.BoundedSemaphore(max(1, self.options.per_host))
        while not slot.acquire(timeout=0.1):
            if self.stop.is_set():
                raise Stopped("the crawl was stopped")
        try:
            yield
        finally:
            slot.release()

    # --- discovery ------------------------------------------------------------------------

    def _discover_site(self, robots: Robots, has_known: bool) -> Iterator[_Unit]:
        try:
            home = self.fetch(self.start, gate=self._turn)
        except FetchError as e:
            home = None
            self.problems.append(f"home page: {e}")
        if self.options.use_api:
            root = self._api_root(home)
            if root is not None:
                first = self._api_first_page(root, light=has_known)
                if first is not None:
                    self.via = VIA_API
                    self.sources["the WordPress REST API"] += 1
                    if has_known:
                        self._read_light_listing(root, first)
                        return self._api_units_from_found(root)
                    return self._api_full_units(root, first)
        self.via = VIA_HTML
        named = [s for s in robots.sitemaps if self.on_site(s)]
        if len(named) < len(robots.sitemaps):
            self.problems.append("robots.txt names sitemaps on other sites: not read")
        probes = [urljoin(self.start, path) for path in WELL_KNOWN_SITEMAPS]
        feeds = feed_links(home)[:MAX_FEEDS] if home is not None else []
        self._read_listings([*named, *probes], probing=set(probes) - set(named))
        self._read_listings([f for f in feeds if self.on_site(f)])
        return self._html_units()

    def _api_root(self, home: Fetched | None) -> str | None:
        root = wordpress.api_root(home) if home is not None else None
        if root is not None:
            return root if self.on_site(root) else None
        guess = wordpress.guessed_root(self.start)
        try:
            answer = self.fetch(guess)
        except FetchError:
            return None
        return guess if wordpress.is_api_root(answer) else None

    def _api_first_page(self, root: str, *, light: bool) -> wordpress.PostsPage | None:
        """The first page of the listing, or None when the API does not serve posts here."""
        params = wordpress.listing_params(1, light=light, since=self.options.since)
        url = wordpress.posts_url(root, params)
        try:
            page = wordpress.parse_posts(self.fetch(url, document=True))
        except FetchError as e:
            self.problems.append(f"WordPress API not used ({e}); reading sitemaps and feeds")
            return None
        return page

    def _read_listings(
        self,
        starts: Iterable[str],
        *,
        first: Fetched | None = None,
        probing: Iterable[str] = (),
    ) -> None:
        """Sitemaps (indexes followed) and feeds into the frontier, breadth first.

        ``probing`` are well-known places that may hold nothing: a failure there
        is no problem and leaves nothing missing.
        """
        unique = {canonical_url(u): u for u in reversed(list(starts))}
        queue_: deque[str] = deque(reversed(unique.values()))
        seen = set(unique)
        probes = set(probing)
        read = 0
        while queue_:
            url = queue_.popleft()
            try:
                fetched = first if first is not None and url == self.start else None
                if fetched is None:
                    fetched = self.fetch(url, document=True)
                if canonical_url(fetched.final_url) != canonical_url(url):
                    if canonical_url(fetched.final_url) in seen:
                        continue  # /sitemap.xml redirecting to the index already read
                    seen.add(canonical_url(fetched.final_url))
                data = _gunzipped(fetched.content, SITEMAP_MAX_BYTES, url)
                kind, children, errors = stream_feed(
                    data,
                    url,
                    _Sink(self.frontier),
                    fetched.content_type or None,
                    base_url=fetched.final_url,
                )
            except FetchError as e:
                if url not in probes:
                    self.complete = False
                    self.problems.append(str(e))
                continue
            read += 1
            self.sources["feed" if kind not in ("sitemap", "sitemapindex") else "sitemap"] += 1
            self._tick(found=self.frontier.count())
            for problem in errors:
                self.complete = False
                self.problems.append(problem)
            for child, lastmod in children:
                key = canonical_url(child)
                if key in seen:
                    continue
                seen.add(key)
                if LISTING_SITEMAP.search(urlsplit(child).path.rsplit("/", 1)[-1]):
                    continue  # categories, tags, authors: lists of stories
                if not self.on_site(child):
                    self.problems.append(f"{child}: a sitemap outside the site, not read")
                    continue
                if self.since is not None and lastmod is not None and lastmod < self.since:
                    continue  # nothing in it changed since
                if read + len(queue_) >= MAX_SITEMAPS:
                    self.complete = False
                    self.problems.append(f"{child}: not read (more than {MAX_SITEMAPS} sitemaps)")
                    continue
                queue_.append(child)
        found = self.frontier.count()
        self.counts.set(discovered=found)
        self.counts.total = found

    def _read_light_listing(self, root: str, first: wordpress.PostsPage) -> None:
        """Every post's id, link and modified_gmt into the frontier (a sync, a resume)."""
        page, number = first, 1
        while True:
            for post in page.posts:
                link = clean_url(post.link)
                self.frontier.add(link, lastmod=_gmt(post.modified_gmt), post_id=post.id)
            self._tick(found=self.frontier.count())
            if not page.posts or page.pages is None or number >= page.pages:
                break
            number += 1
            params = wordpress.listing_params(number, light=True, since=self.options.since)
            url = wordpress.posts_url(root, params)
            try:
                page = wordpress.parse_posts(self.fetch(url, document=True))
            except FetchError as e:
                self.complete = False
                self.problems.append(f"WordPress API listing page {number}: {e}")
                break
        found = self.frontier.count()
        self.counts.set(discovered=found)
        self.counts.total = found

    # --- planning -------------------------------------------------------------------------

    def _tick(self, *, found: int) -> None:
        """Progress while listings are read: nothing is fetched yet, but URLs are found."""
        self.counts.set(discovered=found)
        if self.on_progress is not None:
            self.on_progress(self.counts.snapshot())

    def _skip(self, reason: str) -> None:
        with self._lock:
            self.skipped[reason] += 1
        self.counts.add(skipped=1)

    def _refusal(self, url: str) -> str | None:
        """Why a found URL is not requested at all, or None."""
        if not self.on_site(url):
            return "outside the site"
        if self.options.include and not any(url_matches(p, url) for p in self.options.include):
            return "not in --include"
        if any(url_matches(p, url) for p in self.options.exclude):
            return "in --exclude"
        if not self.robots_for(url).allows(url):
            return "disallowed by robots.txt"
        return None

    def _needs_fetch(self, found: Found) -> bool:
        """Whether a found URL must be requested; counts it when not.

        An article is current when the listing gives the modification date it
        gave before; a URL that gave no article (gone, a duplicate address,
        not an article) when its listing date, or else publication date, is
        the same as before. An article listed with no date at all is asked
        for conditionally.
        """
        if self.replayed and canonical_url(found.url) in self.replayed:
            return False  # fetched by the crawl this one resumes: in the journal
        known = found.known
        if known is None or (known.state == "indexed" and not found.stored):
            return True
        if self.resuming_since is not None and known.checked_at >= self.resuming_since:
            self.counts.add(unchanged=1)
            return False  # done by the crawl this one resumes
        date = found.lastmod if known.state == "indexed" else (found.lastmod or found.published)
        if date is not None and known.lastmod == date:
            self.counts.add(unchanged=1)
            return False
        return True

    def _planned(self) -> Iterator[Found]:
        """Found URLs to request, newest first, within the options; the rest counted."""
        for found in self.frontier.found():
            if self.stop.is_set():
                return
            reason = self._refusal(found.url)
            if reason is not None:
                self._skip(reason)
                continue
            if self.since is not None and found.date is not None and found.date < self.since:
                self._skip("older than --since")
                continue
            if not self._needs_fetch(found):
                continue
            if self.options.limit is not None and self.planned >= self.options.limit:
                self._skip("beyond --limit")
                continue
            self.planned += 1
            yield found

    def _html_units(self) -> Iterator[_Unit]:
        jobs = (
            _Job(
                f.url,
                f.lastmod,
                f.known,
                f.known is not None and f.stored and f.known.state == "indexed",
                f.lastmod or f.published,
            )
            for f in self._planned()
        )
        return self._fetch_all(jobs)

    def _absent_units(self) -> Iterator[_Unit]:
        """A sync asks again for indexed URLs no listing names: 404/410 marks them gone."""
        if not self.complete:
            self.deletions = "not checked: the listings could not all be read"
            return iter(())
        if self.options.since is not None or self.options.limit is not None:
            self.deletions = "not checked: --since and --limit read part of the site"
            return iter(())
        wanted = [
            (record, stored)
            for record, stored in self.frontier.absent()
            if record.state == "indexed"
            and stored
            and canonical_url(record.url) not in self.replayed  # answered before a kill
            and self._refusal(record.url) is None
        ]
        self.deletions = f"{len(wanted):,} indexed URL(s) no longer listed, asked again"
        if self.counts.total is not None:
            self.counts.total += len(wanted)
        jobs = (_Job(r.url, r.lastmod, r, True) for r, _ in wanted)
        return self._fetch_all(jobs)

    # --- the WordPress API ------------------------------------------------------------------

    def _post_unit(self, post: wordpress.Post, stored: bool = False) -> _Unit | None:
        """A listed post as a unit, or None (counted) when the options leave it out."""
        reason = self._refusal(post.link)
        if reason is not None:
            self._skip(reason)
            return None
        modified = _gmt(post.modified_gmt)
        date = max(d for d in (modified, _gmt(post.date_gmt), "") if d is not None)
        if self.since is not None and date and date < self.since:
            self._skip("older than --since")
            return None
        record = PageRecord(post.link, self.site, "indexed", VIA_API, _now(), modified)
        self.counts.add(fetched=1)
        return _Unit("post", post.link, record=record, post=post, stored=stored)

    def _api_full_units(self, root: str, first: wordpress.PostsPage) -> Iterator[_Unit]:
        """A first crawl: whole posts, a hundred a request, newest first."""
        self.counts.total = first.total
        self.counts.add(discovered=first.total or len(first.posts))
        page, number = first, 1
        while True:
            units: list[_Unit] = []
            for post in page.posts:
                if self.options.limit is not None and self.planned >= self.options.limit:
                    break
                unit = self._post_unit(post)
                if unit is not None:
                    self.planned += 1
                    units.append(unit)
            self._journal(units)  # a hundred posts in one answer: on disk before they are used
            yield from units
            if self.options.limit is not None and self.planned >= self.options.limit:
                return
            if not page.posts or page.pages is None or number >= page.pages or self.stop.is_set():
                return
            number += 1
            params = wordpress.listing_params(number, light=False, since=self.options.since)
            try:
                page = wordpress.parse_posts(
                    self.fetch(wordpress.posts_url(root, params), document=True)
                )
            except FetchError as e:
                self.complete = False
                self._fail(wordpress.posts_url(root, params), str(e))
                return

    def _api_units_from_found(self, root: str) -> Iterator[_Unit]:
        """A sync or resume: the new and changed posts, asked for by id, a hundred at a time."""
        batch: list[Found] = []

        def fetch_batch() -> Iterator[_Unit]:
            ids = [f.post_id for f in batch if f.post_id is not None]
            stored = {f.post_id: f.stored for f in batch}
            params = wordpress.listing_params(1, light=False, include=ids)
            url = wordpress.posts_url(root, params)
            batch.clear()
            try:
                page = wordpress.parse_posts(self.fetch(url, document=True))
            except FetchError as e:
                self._fail(url, f"{e} ({len(ids)} posts not fetched)")
                return
            units = [
                unit
                for post in page.posts
                if (unit := self._post_unit(post, stored.get(post.id, False))) is not None
            ]
            self._journal(units)
            yield from units

        for found in self._planned():
            batch.append(found)
            if len(batch) >= wordpress.PER_PAGE:
                yield from fetch_batch()
        if batch:
            yield from fetch_batch()

    # --- fetching pages --------------------------------------------------------------------

    def _fetch_job(self, job: _Job) -> _Unit:
        known = job.known
        headers: dict[str, str] = {}
        if job.conditional and known is not None:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        via = known.via if known is not None else VIA_HTML
        try:
            fetched = self.fetch(job.url, headers=headers or None, gate=self._page_gate(job.url))
        except FetchError as e:
            if e.refused and DUPLICATE in str(e):
                # the page was fetched for another listed URL: one article, two addresses
                record = PageRecord(job.url, self.site, "duplicate", via, _now(), job.listed)
                return _Unit("record", job.url, record=record)
            if e.refused:
                reason = (
                    "disallowed by robots.txt" if "robots.txt" in str(e) else "outside the site"
                )
                return _Unit("skip", job.url, message=reason)
            if e.status in GONE_STATUSES:
                record = PageRecord(
                    job.url, self.site, "gone", via, _now(), job.listed, status=e.status
                )
                return _Unit("record", job.url, record=record, stored=job.conditional)
            return _Unit("failure", job.url, message=str(e).removeprefix(f"{job.url}: "))
        self.counts.add(fetched=1)
        etag = _header(fetched, "etag")
        last_modified = _header(fetched, "last-modified")
        if fetched.status == 304 and known is not None:
            record = dataclasses.replace(
                known,
                url=job.url,
                checked_at=_now(),
                lastmod=job.lastmod,
                etag=etag or known.etag,
                last_modified=last_modified or known.last_modified,
                status=304,
            )
            return _Unit("record", job.url, record=record, stored=True)
        record = PageRecord(
            job.url, self.site, "indexed", VIA_HTML, _now(), job.lastmod, etag, last_modified,
            fetched.status,
        )  # fmt: skip
        if not fetched.text:
            unusable = dataclasses.replace(record, state="unusable", lastmod=job.listed)
            what = fetched.content_type or "no content type"
            return _Unit("record", job.url, record=unusable, message=f"not a web page ({what})")
        return _Unit(
            "html", job.url, record=record, text=fetched.text, final_url=fetched.final_url,
            stored=job.conditional, listed=job.listed,
        )  # fmt: skip

    def _fetch_all(self, jobs: Iterator[_Job]) -> Iterator[_Unit]:
        """Requests on ``per_host`` threads per host; units as they complete."""
        threads = max(1, self.options.per_host) * (1 + len(self.hosts))
        work: queue.Queue[tuple[int, _Job] | None] = queue.Queue(maxsize=threads * 2)
        # fetched pages wait for extraction here: few, so that little is held
        # uncommitted when a crawl is killed
        results: queue.Queue[_Unit | _Done | _Crashed] = queue.Queue(maxsize=threads)
        stop = threading.Event()

        def put(q: queue.Queue, item: object) -> None:
            while not (stop.is_set() or self.stop.is_set()):
                try:
                    q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        # Dated jobs (a listing gave a modification date) not finished yet, by plan order.
        # A job without one waits for every dated job planned before it: when both
        # lead to one page (an old address listed in the sitemap, the new one in a
        # feed, side by side in the plan), the dated one then owns the page whatever
        # the timing, and the next sync finds it unchanged by its date, asking nothing.
        dated: set[int] = set()
        dated_done = threading.Condition()

        def feed() -> None:
            try:
                for seq, job in enumerate(jobs):
                    if job.lastmod is not None:
                        with dated_done:
                            dated.add(seq)
                    put(work, (seq, job))
                    if stop.is_set() or self.stop.is_set():
                        break
            except BaseException as e:  # a planning bug must surface, not hang the crawl
                put(results, _Crashed(e))
            finally:
                for _ in range(threads):
                    work.put(None)

        def after_dated(seq: int) -> None:
            with dated_done:
                while dated and min(dated) < seq:
                    if stop.is_set() or self.stop.is_set():
                        raise Stopped("the crawl was stopped")
                    dated_done.wait(STOP_POLL)

        def fetch_loop() -> None:
            try:
                while (item := work.get()) is not None:
                    seq, job = item
                    if stop.is_set() or self.stop.is_set():
                        continue
                    try:
                        if job.lastmod is None:
                            after_dated(seq)
                        with self._slot(job.url):
                            unit = self._fetch_job(job)
                            self._journal([unit])
                    except Stopped:
                        continue
                    except Exception as e:
                        unit = _Unit(
                            "failure", job.url, message=f"internal error: {type(e).__name__}: {e}"
                        )
                    finally:
                        if job.lastmod is not None:
                            with dated_done:
                                dated.discard(seq)
                                dated_done.notify_all()
                    put(results, unit)
            finally:
                put(results, _Done())

        started = [threading.Thread(target=feed, daemon=True, name="crawl-planner")]
        started += [
            threading.Thread(target=fetch_loop, daemon=True, name=f"crawl-fetch-{n}")
            for n in range(threads)
        ]
        for thread in started:
            thread.start()
        done = 0
        try:
            while done < threads:
                try:
                    item = results.get(timeout=0.1)
                except queue.Empty:
                    if self.stop.is_set():
                        return
                    continue
                if isinstance(item, _Done):
                    done += 1
                elif isinstance(item, _Crashed):
                    raise item.error
                else:
                    yield item
        finally:
            stop.set()

    def _one_page(self, fetched: Fetched) -> CrawlReport:
        """The URL named one article page: indexed alone, as ``index add URL`` always did."""
        self.via = VIA_HTML
        self.sources["one page"] += 1
        self.counts.add(discovered=1, fetched=1)
        record = PageRecord(
            self.start, self.site, "indexed", VIA_HTML, _now(), None,
            _header(fetched, "etag"), _header(fetched, "last-modified"), fetched.status,
        )  # fmt: skip
        unit = _Unit(
            "html", self.start, record=record, text=fetched.text, final_url=fetched.final_url
        )
        self._consume(iter([unit]), jobs=1)  # one page: no worker processes to start
        return self._report()

    # --- writing ----------------------------------------------------------------------------

    def _consume(self, units: Iterator[_Unit], jobs: int | None = None) -> None:
        """Extract (on ``jobs`` processes), then write in small, frequent transactions."""
        articles: list[PreparedArticle] = []
        records: list[PageRecord] = []
        last = time.monotonic()

        def flush() -> None:
            nonlocal last
            if articles or records:
                counts = self.store.add_prepared_many(articles, skip_unchanged=True, pages=records)
                self.written_hosts.update(host_of(a.article.url) for a in articles)
                self.written.update(
                    added=counts.added, replaced=counts.replaced, unchanged=counts.unchanged
                )
                if self.journal is not None:
                    self.journal.forget(self.site, (r.url for r in records))
                articles.clear()
                records.clear()
            last = time.monotonic()

        work = functools.partial(_extract, hints=self.options.hints, templates=self.templates)
        results = map_in_workers(work, units, jobs=jobs or self.options.jobs, chunk=1)
        try:
            for unit, prepared, error in results:
                self._settle(unit, prepared, error, articles, records)
                if (
                    len(articles) + len(records) >= FLUSH_ITEMS
                    or time.monotonic() - last >= FLUSH_SECONDS
                ):
                    flush()
                if self.on_progress is not None:
                    self.on_progress(self.counts.snapshot())
            flush()
            self.learned = update_templates(self.store, self.written_hosts)
        finally:
            self.stop.set()  # first: the threads feeding the pool must give up before it ends
            results.close()  # type: ignore[attr-defined]

    def _settle(
        self,
        unit: _Unit,
        prepared: PreparedArticle | None,
        error: str | None,
        articles: list[PreparedArticle],
        records: list[PageRecord],
    ) -> None:
        if unit.kind == "skip":
            self._skip(unit.message or "refused")
        elif unit.kind == "failure":
            self._fail(unit.url, unit.message or "failed")
        elif unit.kind == "record":
            assert unit.record is not None
            records.append(unit.record)
            if unit.record.state == "gone":
                self.counts.add(gone=1)
                if len(self.gone) < MAX_LISTED:
                    self.gone.append(unit.url)
            elif unit.record.state == "unusable":
                self._fail(unit.url, unit.message or "no article here")
            elif unit.record.state == "duplicate":
                self._skip("another address of a page fetched")
            else:
                self.counts.add(unchanged=1)
        else:
            assert unit.record is not None
            if prepared is None:
                unusable = dataclasses.replace(unit.record, state="unusable", lastmod=unit.listed)
                records.append(unusable)
                self._fail(unit.url, error or "no article text found")
                return
            articles.append(prepared)
            records.append(unit.record)
            self.obtained[unit.record.via] += 1
            self.counts.add(indexed=1)

    def _fail(self, url: str, message: str) -> None:
        self.counts.add(failed=1)
        with self._lock:
            if len(self.failures) < MAX_LISTED:
                self.failures.append((url, message))

    # --- the report --------------------------------------------------------------------------

    def _source(self) -> str:
        if self.sources.get("the WordPress REST API"):
            return "the WordPress REST API"
        if self.sources.get("one page"):
            return "one page"
        parts = []
        for kind in ("sitemap", "feed"):
            n = self.sources.get(kind, 0)
            if n:
                parts.append(f"{n} {kind}{'s' if n != 1 else ''}")
        return " and ".join(parts) or "no sitemap or feed"

    def _report(self, problem: str | None = None, *, unreachable: bool = False) -> CrawlReport:
        snapshot = self.counts.snapshot()
        # not fetched or 304 (counted as they went), and fetched but stored as it was
        unchanged = snapshot.unchanged + self.written["unchanged"]
        if problem is None and snapshot.discovered == 0 and not self.sources.get("one page"):
            problem = "no article found: no WordPress API, sitemap or feed here lists any" + (
                f" ({self.problems[0]})" if self.problems else ""
            )
        return CrawlReport(
            site=self.site,
            start=self.start,
            source=self._source(),
            discovered=snapshot.discovered,
            added=self.written["added"],
            replaced=self.written["replaced"],
            unchanged=unchanged,
            skipped=tuple(sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0]))),
            gone=tuple(self.gone),
            gone_count=snapshot.gone,
            failures=tuple(self.failures),
            failed=snapshot.failed,
            obtained=tuple(sorted(self.obtained.items())),
            requests=snapshot.requests,
            elapsed=snapshot.elapsed,
            interval=self.pacer.interval_of(host_key(self.start)),
            per_host=self.options.per_host,
            resumed=self.resuming_since,
            deletions=self.deletions,
            problem=problem,
            unreachable=unreachable,
            problems=tuple(self.problems),
            templates=self.learned,
        )


def _chain(first: Iterator[_Unit], then: Callable[[], Iterator[_Unit]]) -> Iterator[_Unit]:
    """``first``, then what ``then`` gives once ``first`` is done (it may use what first found)."""
    yield from first
    yield from then()
