"""A fictional WordPress-like publisher on 127.0.0.1, for the crawl tests and benchmark.

"The Tidewater Ledger" has ``posts`` stories written here from word lists
(deterministic: the same numbers give the same site, byte for byte) and serves
what a real WordPress news site serves, quirks included:

* ``/robots.txt`` with ``Disallow: /private/``, a ``Crawl-delay`` and two
  ``Sitemap:`` lines (the sitemap index and a Google News sitemap);
* ``/sitemap_index.xml`` (post sitemaps of ``per_sitemap`` URLs each, plus a
  category sitemap of listing pages a crawler should leave alone),
  ``/sitemap.xml`` redirecting to it (301), ``/news-sitemap.xml`` (the 50
  newest), ``/feed/`` (RSS, the 20 newest, links with tracking parameters);
* the REST API: ``/wp-json/`` and ``/wp-json/wp/v2/posts`` (``page``,
  ``per_page``, ``orderby``, ``order``, ``modified_after``, ``include``,
  ``_fields``; ``X-WP-Total`` / ``X-WP-TotalPages``; 400 past the last page),
  announced by ``<link rel="https://api.w.org/">`` on every page;
* post pages with ``ETag`` and ``Last-Modified`` that answer conditional
  requests with 304.

The quirks, each at known URLs (:attr:`Site.quirks`): posts under
``/private/`` (robots.txt disallows them), sitemap entries that moved (301 to
the post), entries that never existed (404), entries on another host name for
the same server (``localhost``: outside the site), duplicates with tracking
parameters, a post that answers 429 with ``Retry-After: 1`` the first time, one
that answers 500 the first time, and a slow one.

:meth:`Site.change`, :meth:`Site.add` and :meth:`Site.delete` edit the site
between crawls. Every request is logged with its arrival time
(``time.monotonic()``), method, path, query, Host header and status, so tests
count what a crawler asked for and how fast.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.localserver import ServedInThread

NAME = "The Tidewater Ledger"
BASE_DATE = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)
SPAN = timedelta(days=4 * 365)  # the archive's posts are spread over four years
EDIT_DATE = BASE_DATE + timedelta(days=5 * 365)  # edits made by change()/add() come after
MAX_PER_PAGE = 100

TOWNS = [
    "Gull Point", "Eastmere", "Holloway", "Saltash Row", "Brindle Quay", "Marram", "Coldharbour",
    "Fennick", "Larkspur Bay", "Ottery Sands", "Wexham Reach", "Pell Island",
]  # fmt: skip
PEOPLE = [
    "Ada Brennock", "Tomas Quell", "Mirela Havstad", "Jonah Prew", "Ines Caddow",
    "Oskar Lumb", "Petra Vannick", "Hal Osgrove", "Rhea Tansley", "Bram Elcott",
]  # fmt: skip
ROLES = [
    "harbour master", "council leader", "ferry operator", "head teacher", "lifeboat coxswain",
    "market warden", "river keeper", "town clerk", "bakery owner", "museum curator",
]  # fmt: skip
THINGS = [
    "breakwater", "ferry slip", "lifeboat house", "fish market", "sea wall", "tide gauge",
    "swing bridge", "oyster beds", "lighthouse", "boatyard", "salt marsh", "pier café",
]  # fmt: skip
VERBS = [
    "rebuild", "close", "reopen", "extend", "repair", "sell", "restore", "move", "survey",
    "protect",
]  # fmt: skip
SECTIONS = ["harbour", "council", "weather", "schools", "business", "culture"]
SENTENCES = [
    "The {role} of {town}, {person}, said the {thing} had been {adj} for {n} years.",
    "Residents met on {day} to discuss plans to {verb} the {thing} before the winter tides.",
    "{person} told the Ledger that {n} families depend on the {thing} for their living.",
    "The council will vote on whether to {verb} the {thing} at its meeting next {day}.",
    "Engineers measured {n} metres of damage along the {thing} after the {adj} storm.",
    "A petition signed by {n} people asks the county to {verb} the {thing} in {town}.",
    "{person}, the {role}, called the decision {adj} and promised a public inquiry.",
    "Work to {verb} the {thing} is expected to cost {n} thousand pounds, the report says.",
    "Volunteers from {town} spent {day} clearing the {thing} of debris and nets.",
    "The {thing} first opened in {year}, when {town} was still a fishing village.",
    "Visitors to {town} this {season} will find the {thing} {adj} but open.",
    "Asked about the delay, the {role} said the money had gone to the {thing} in {town}.",
]  # fmt: skip
ADJECTIVES = [
    "fragile", "unsafe", "neglected", "crowded", "quiet", "celebrated", "costly", "sudden",
    "bitter", "welcome",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
SEASONS = ["spring", "summer", "autumn", "winter"]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Post:
    """One story as the site holds it now."""

    id: int
    slug: str
    date: datetime
    modified: datetime
    version: int
    private: bool
    title: str
    paragraphs: tuple[str, ...]
    figure: str | None  # a caption, for posts with an illustration

    @property
    def path(self) -> str:
        return post_path(self.slug, self.date, self.private)

    @property
    def content_html(self) -> str:
        """The body as WordPress renders it (``content.rendered``): paragraphs and a figure."""
        parts = [f"<p>{html.escape(p)}</p>\n" for p in self.paragraphs]
        if self.figure is not None:
            figure = (
                f'<figure class="wp-block-image"><img src="/wp-content/uploads/{self.id}.jpg" '
                f'alt=""><figcaption>{html.escape(self.figure)}</figcaption></figure>\n'
            )
            parts.insert(min(2, len(parts)), figure)
        return "".join(parts)

    @property
    def text(self) -> str:
        """The story's text as the index should keep it: paragraphs, blank lines between."""
        return "\n\n".join(self.paragraphs)

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.version}"'


def headline(seed: int, post_id: int) -> tuple[str, str]:
    """(title, slug) of a story: cheap, and the slug never changes with an edit."""
    rng = random.Random(f"{seed}/{post_id}")
    town, thing, verb = rng.choice(TOWNS), rng.choice(THINGS), rng.choice(VERBS)
    slug = f"{town}-{verb}-{thing}-{post_id}".lower().replace(" ", "-").replace("é", "e")
    return f"{town} votes to {verb} the {thing}", slug


def post_path(slug: str, date: datetime, private: bool) -> str:
    return f"/private/{slug}/" if private else f"{date:/%Y/%m/%d}/{slug}/"


def make_post(seed: int, post_id: int, date: datetime, version: int, modified: datetime) -> Post:
    """A fictional story, the same for the same numbers."""
    title, slug = headline(seed, post_id)
    if version > 1:
        title += f" (updated {version - 1})"
    rng = random.Random(f"{seed}/{post_id}/{version}")
    thing, town = rng.choice(THINGS), rng.choice(TOWNS)
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            template = rng.choice(SENTENCES)
            sentences.append(
                template.format(
                    role=rng.choice(ROLES),
                    town=rng.choice(TOWNS),
                    person=rng.choice(PEOPLE),
                    thing=rng.choice(THINGS),
                    verb=rng.choice(VERBS),
                    adj=rng.choice(ADJECTIVES),
                    day=rng.choice(DAYS),
                    season=rng.choice(SEASONS),
                    n=rng.randint(2, 900),
                    year=rng.randint(1850, 1990),
                )
            )
        paragraphs.append(" ".join(sentences))
    paragraphs[0] = f"Story {post_id}. " + paragraphs[0]
    figure = f"The {thing} at {town} at low tide." if post_id % 5 == 0 else None
    return Post(
        id=post_id,
        slug=slug,
        date=date,
        modified=modified,
        version=version,
        private=post_id % 37 == 5,
        title=title,
        paragraphs=tuple(paragraphs),
        figure=figure,
    )


# The status logged for a request held by a trap and never answered: the crawler was killed.
CUT_OFF = 0
# How long a trap waits for the crawler's other slots to ask too, before it kills anyway.
TRAP_PATIENCE = 10.0


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    at: float  # time.monotonic() on arrival
    method: str
    path: str
    query: str
    host: str
    status: int  # CUT_OFF: held by a trap, never answered
    headers: dict[str, str]

    @property
    def served(self) -> bool:
        """An answer the crawler could use: a page, a 304, a 404 (not a redirect hop or a retry)."""
        return self.status in (200, 304, 404, 410)

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


class Trap:
    """Kills a crawler process at a chosen request, with nothing of its own in transit.

    The ``after``-th request that ``matches`` is held unanswered; so is every
    matching request after it, until ``held`` of them wait at once (a crawler
    with ``held`` requests in flight per host has then asked for everything it
    can: each of its earlier answers has arrived and been dealt with). The
    process is then sent SIGKILL and the held requests are never answered:
    they are logged with the status CUT_OFF. If fewer come within
    TRAP_PATIENCE seconds (the end of a crawl), it kills all the same.
    """

    def __init__(self, after: int, matches: Callable[[str, str], bool], held: int = 1) -> None:
        self.after, self.matches, self.held = after, matches, held
        self.pid: int | None = None  # the crawler's, set once it is started
        self.seen = 0
        self.waiting = 0
        self.fired = threading.Event()
        self._lock = threading.Condition()

    def catches(self, path: str, query: str) -> bool:
        """Whether this request is held (and, once enough are, the crawler killed)."""
        if not self.matches(path, query):
            return False
        with self._lock:
            self.seen += 1
            if self.seen < self.after and not self.fired.is_set():
                return False
            if self.fired.is_set():
                return True
            self.waiting += 1
            if self.waiting < self.held:
                self._lock.wait_for(
                    lambda: self.waiting >= self.held or self.fired.is_set(), TRAP_PATIENCE
                )
            if not self.fired.is_set():
                assert self.pid is not None, "a trap set for no process"
                os.kill(self.pid, signal.SIGKILL)
                self.fired.set()
                self._lock.notify_all()
        return True

    def spring(self) -> None:
        """Kill the crawler now, holding nothing: it asked for no more pages in time.

        A crawler whose writer waits on a lock stops asking once its queues are
        full, which may be before the trap's count is reached.
        """
        with self._lock:
            if not self.fired.is_set():
                assert self.pid is not None, "a trap set for no process"
                os.kill(self.pid, signal.SIGKILL)
                self.fired.set()
                self._lock.notify_all()


class Site(ServedInThread):
    """The publisher, served on an ephemeral 127.0.0.1 port in a background thread."""

    def __init__(
        self,
        posts: int = 300,
        *,
        seed: int = 7,
        crawl_delay: float | None = 0.0,
        wordpress: bool = True,
        per_sitemap: int = 100,
        slow_seconds: float = 0.3,
        quirks: bool = True,
        robots: str | None = None,
        aliases: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """``robots`` replaces the robots.txt; ``aliases`` serve a document at another path
        under another Content-Type ({path: (path of the document, content type)})."""
        super().__init__(_Handler)
        self.seed = seed
        self.robots_text = robots
        self.aliases = dict(aliases or {})
        self.crawl_delay = crawl_delay
        self.wordpress = wordpress
        self.per_sitemap = per_sitemap
        self.slow_seconds = slow_seconds
        self.with_quirks = quirks
        self._step = SPAN / max(1, posts)
        self._ids = list(range(1, posts + 1))
        self._versions: dict[int, tuple[int, datetime]] = {}  # id -> (version, modified)
        self._dates: dict[int, datetime] = {}  # posts added by add()
        self._deleted: set[int] = set()
        self._edits = 0
        self._posts_cache: dict[int, Post] = {}
        self._paths: dict[str, int] = {}  # post path -> id, deleted posts included
        self._listing: list[tuple[str, datetime]] | None = None  # the sitemaps' entries
        for post_id in self._ids:
            self._paths[self.path_of(post_id)] = post_id
        self._quirks = self._choose_quirks()
        self.log: list[Request] = []
        self.hits: Counter[str] = Counter()
        self.trap: Trap | None = None
        self._lock = threading.Lock()

    # --- the posts ------------------------------------------------------------------

    def date_of(self, post_id: int) -> datetime:
        return self._dates.get(post_id) or BASE_DATE + self._step * (post_id - 1)

    def modified_of(self, post_id: int) -> datetime:
        return self._versions.get(post_id, (1, self.date_of(post_id)))[1]

    def path_of(self, post_id: int) -> str:
        return post_path(headline(self.seed, post_id)[1], self.date_of(post_id), post_id % 37 == 5)

    def post(self, post_id: int) -> Post:
        version, modified = self._versions.get(post_id, (1, self.date_of(post_id)))
        cached = self._posts_cache.get(post_id)
        if cached is not None and cached.version == version:
            return cached
        post = make_post(self.seed, post_id, self.date_of(post_id), version, modified)
        if len(self._posts_cache) > 20_000:
            self._posts_cache.clear()
        self._posts_cache[post_id] = post
        return post

    def live_ids(self) -> list[int]:
        return [i for i in self._ids if i not in self._deleted]

    def live_id(self, path: str) -> int | None:
        post_id = self._paths.get(path)
        return None if post_id is None or post_id in self._deleted else post_id

    def newest(self, n: int) -> list[Post]:
        ids = sorted(self.live_ids(), key=lambda i: (self.date_of(i), i), reverse=True)
        return [self.post(i) for i in ids[:n]]

    def posts(self) -> list[Post]:
        return [self.post(i) for i in self.live_ids()]

    def expected(self) -> dict[str, Post]:
        """Every post a polite crawler can index, by URL: live, not under /private/."""
        return {self.url(p.path): p for p in self.posts() if not p.private}

    # --- the quirks -----------------------------------------------------------------

    @property
    def quirks(self) -> dict[str, Any]:
        """Which posts and URLs misbehave (ids among the first posts, so small sites have all)."""
        return self._quirks

    def _choose_quirks(self) -> dict[str, Any]:
        live = [i for i in self._ids if i % 37 != 5]
        if not self.with_quirks or len(live) < 30:
            return {"moved": [], "ghosts": [], "offsite": [], "tracking": [],
                    "rate_limited": None, "flaky": None, "slow": None}  # fmt: skip
        return {
            "moved": [i for i in live if i % 41 == 7],  # listed under an old slug: 301
            "ghosts": [f"/2019/01/{d:02d}/never-was-{d}/" for d in range(1, 4)],  # listed: 404
            "offsite": live[3:5],  # listed once more on host "localhost": outside the site
            "tracking": [i for i in live if i % 53 == 3],  # listed once more with utm_source
            "rate_limited": live[10],  # 429, Retry-After: 1, on the first request
            "flaky": live[12],  # 500 on the first request
            "slow": live[16],  # answers after slow_seconds
        }

    def _listed(self) -> list[tuple[str, datetime]]:
        """The post sitemaps' entries (URL, lastmod), quirks included, oldest post first."""
        with self._lock:
            if self._listing is not None:
                return self._listing
            q = self.quirks
            moved, tracking, offsite = set(q["moved"]), set(q["tracking"]), set(q["offsite"])
            entries: list[tuple[str, datetime]] = []
            for post_id in self._ids:
                if post_id in self._deleted:
                    continue
                path, modified = self.path_of(post_id), self.modified_of(post_id)
                if post_id in moved:
                    path = path.rstrip("/") + "-old/"
                entries.append((self.url(path), modified))
                if post_id in tracking:
                    entries.append((self.url(path) + "?utm_source=newsletter", modified))
                if post_id in offsite:
                    entries.append((f"http://localhost:{self.port}{path}", modified))
            for ghost in q["ghosts"]:
                entries.append((self.url(ghost), BASE_DATE))
            self._listing = entries
            return entries

    # --- edits between crawls ---------------------------------------------------------

    def _edit_moment(self) -> datetime:
        self._edits += 1
        return EDIT_DATE + timedelta(minutes=self._edits)

    def change(self, ids: list[int]) -> None:
        """New text (and title) for these posts, modified now."""
        with self._lock:
            for post_id in ids:
                version = self._versions.get(post_id, (1, None))[0] + 1
                self._versions[post_id] = (version, self._edit_moment())
            self._listing = None

    def add(self, n: int) -> list[int]:
        """n new posts, published now."""
        with self._lock:
            first = max(self._ids) + 1
            new = list(range(first, first + n))
            for post_id in new:
                self._dates[post_id] = self._edit_moment()
                self._ids.append(post_id)
                self._paths[self.path_of(post_id)] = post_id
            self._listing = None
        return new

    def delete(self, ids: list[int]) -> None:
        """These posts are deleted: their pages answer 404 and no listing names them."""
        with self._lock:
            self._deleted.update(ids)
            self._listing = None

    # --- the log ----------------------------------------------------------------------

    def record(self, request: Request) -> int:
        with self._lock:
            self.log.append(request)
            self.hits[request.path] += 1
            return self.hits[request.path]

    def requested(self, since: int = 0) -> list[Request]:
        with self._lock:
            return list(self.log[since:])

    def post_requests(self, since: int = 0) -> Counter[str]:
        """Requests for post pages (and listed URLs) by path, from log entry ``since``."""
        return Counter(r.path for r in self.requested(since) if is_post_path(r.path))

    # --- documents --------------------------------------------------------------------

    def robots(self) -> str:
        if self.robots_text is not None:
            return self.robots_text.replace("{base}", self.base)
        lines = ["User-agent: *", "Disallow: /private/", "Disallow: /wp-admin/"]
        if self.crawl_delay is not None:
            lines.append(f"Crawl-delay: {self.crawl_delay:g}")
        lines += [
            "",
            f"Sitemap: {self.url('/sitemap_index.xml')}",
            f"Sitemap: {self.url('/news-sitemap.xml')}",
        ]
        return "\n".join(lines) + "\n"

    def _head_links(self) -> str:
        api = (
            f'<link rel="https://api.w.org/" href="{self.url("/wp-json/")}">'
            if self.wordpress
            else ""
        )
        feed = (
            f'<link rel="alternate" type="application/rss+xml" title="{NAME} Feed" href="/feed/">'
        )
        return api + feed

    def home(self) -> str:
        items = "".join(
            f'<li><a href="{p.path}">{html.escape(p.title)}</a></li>' for p in self.newest(10)
        )
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{NAME}</title>'
            f'{self._head_links()}</head><body class="home blog"><header class="site-header">'
            f'<a href="/">{NAME}</a></header><main><h2>Latest</h2><ul>{items}</ul></main>'
            '<footer class="site-footer"><p>Fiction written for the reprint-check tests.</p>'
            "</footer></body></html>"
        )

    def page(self, post: Post) -> str:
        link = self.url(post.path)
        section = SECTIONS[post.id % len(SECTIONS)]
        related = "".join(
            f'<li><a href="{self.post(i).path}">{html.escape(self.post(i).title)}</a></li>'
            for i in self.live_ids()[max(0, post.id - 4) : post.id - 1]
        )
        title = html.escape(post.title)
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{title} – {NAME}</title>"
            f'<link rel="canonical" href="{link}">'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{_iso(post.date)}+00:00">'
            f'<meta property="article:modified_time" content="{_iso(post.modified)}+00:00">'
            f"{self._head_links()}</head>"
            f'<body class="post-template-default single single-post postid-{post.id}">'
            f'<header class="site-header"><a class="site-title" href="/">{NAME}</a>'
            '<nav class="main-navigation"><ul>'
            + "".join(f'<li><a href="/category/{s}/">{s.title()}</a></li>' for s in SECTIONS)
            + "</ul></nav></header>"
            f'<main id="main" class="site-main"><article id="post-{post.id}" '
            f'class="post-{post.id} post type-post status-publish">'
            f'<header class="entry-header"><h1 class="entry-title">{title}</h1>'
            f'<div class="entry-meta"><span class="byline">By <a href="/author/desk/">The '
            f'Ledger desk</a></span> <time datetime="{_iso(post.date)}+00:00">'
            f"{post.date:%B %d, %Y}</time></div></header>"
            f'<div class="entry-content">{post.content_html}</div>'
            f'<footer class="entry-footer"><span class="cat-links">Posted in '
            f'<a href="/category/{section}/">{section.title()}</a></span></footer></article>'
            f'<section class="related-posts"><h2>Related</h2><ul>{related}</ul></section>'
            '<div id="comments" class="comments-area"><h2 class="comments-title">One comment'
            '</h2><ol class="comment-list"><li class="comment"><p>Good to see the town '
            "paper on this again.</p></li></ol></div></main>"
            f'<footer class="site-footer"><p>© {NAME}. Fiction written for the reprint-check '
            "tests.</p></footer></body></html>"
        )

    def sitemap_index(self) -> str:
        entries = self._listed()
        count = max(1, -(-len(entries) // self.per_sitemap))
        parts = []
        for n in range(1, count + 1):
            chunk = entries[(n - 1) * self.per_sitemap : n * self.per_sitemap]
            lastmod = max((m for _, m in chunk), default=BASE_DATE)
            parts.append(
                f"<sitemap><loc>{self.url(f'/post-sitemap{n}.xml')}</loc>"
                f"<lastmod>{_iso(lastmod)}+00:00</lastmod></sitemap>"
            )
        parts.append(f"<sitemap><loc>{self.url('/category-sitemap.xml')}</loc></sitemap>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(parts)
            + "</sitemapindex>"
        )

    def post_sitemap(self, n: int) -> str | None:
        entries = self._listed()[(n - 1) * self.per_sitemap : n * self.per_sitemap]
        if not entries and n != 1:
            return None
        urls = "".join(
            f"<url><loc>{html.escape(u)}</loc><lastmod>{_iso(m)}+00:00</lastmod></url>"
            for u, m in entries
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        )

    def category_sitemap(self) -> str:
        urls = "".join(f"<url><loc>{self.url(f'/category/{s}/')}</loc></url>" for s in SECTIONS)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        )

    def news_sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{self.url(p.path)}</loc><news:news><news:publication>"
            f"<news:name>{NAME}</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{_iso(p.date)}+00:00"
            f"</news:publication_date><news:title>{html.escape(p.title)}</news:title>"
            "</news:news></url>"
            for p in self.newest(50)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>"
        )

    def feed(self) -> str:
        items = "".join(
            f"<item><title>{html.escape(p.title)}</title>"
            f"<link>{html.escape(self.url(p.path) + '?utm_source=rss&utm_medium=feed')}</link>"
            f'<guid isPermaLink="false">{self.url(f"/?p={p.id}")}</guid>'
            f"<pubDate>{format_datetime(p.date, usegmt=True)}</pubDate>"
            f"<description>{html.escape(p.paragraphs[0][:120])} […]</description></item>"
            for p in self.newest(20)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{NAME}</title><link>{self.url('/')}</link>{items}</channel></rss>"
        )

    def category(self, section: str) -> str:
        return (
            f"<!DOCTYPE html><html><head><title>{section.title()} – {NAME}</title></head><body>"
            f"<h1>{section.title()}</h1><p>Every {section} story of the Ledger.</p></body></html>"
        )

    # --- the REST API -------------------------------------------------------------------

    def api_post(self, post: Post) -> dict[str, Any]:
        return {
            "id": post.id,
            "date": _iso(post.date),
            "date_gmt": _iso(post.date),
            "modified": _iso(post.modified),
            "modified_gmt": _iso(post.modified),
            "slug": post.slug,
            "status": "publish",
            "type": "post",
            "link": self.url(post.path),
            "title": {"rendered": html.escape(post.title, quote=False)},
            "content": {"rendered": post.content_html, "protected": False},
            "excerpt": {"rendered": f"<p>{html.escape(post.paragraphs[0][:120])}</p>\n"},
        }

    def api_posts(self, query: dict[str, list[str]]) -> tuple[int, Any, list[tuple[str, str]]]:
        def one(name: str, default: str = "") -> str:
            return query.get(name, [default])[-1]

        try:
            page = int(one("page", "1"))
            per_page = int(one("per_page", "10"))
        except ValueError:
            return 400, {"code": "rest_invalid_param"}, []
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            return 400, {"code": "rest_invalid_param", "message": "per_page"}, []
        ids = self.live_ids()
        if one("modified_after"):
            after = one("modified_after")[:19]
            ids = [i for i in ids if _iso(self.modified_of(i)) > after]
        if one("include"):
            wanted = {int(i) for i in one("include").split(",") if i.strip().isdigit()}
            ids = [i for i in ids if i in wanted]
        orderby = one("orderby", "date")
        keys = {
            "date": lambda i: (self.date_of(i), i),
            "modified": lambda i: (self.modified_of(i), i),
            "id": lambda i: i,
            "include": lambda i: i,
        }
        if orderby not in keys:
            return 400, {"code": "rest_invalid_param", "message": "orderby"}, []
        ids.sort(key=keys[orderby], reverse=one("order", "desc") == "desc")
        total = len(ids)
        pages = -(-total // per_page)
        if page > max(pages, 1):
            return 400, {"code": "rest_post_invalid_page_number"}, []
        chosen = [self.post(i) for i in ids[(page - 1) * per_page : page * per_page]]
        fields = [f for f in one("_fields").split(",") if f]
        body = []
        for post in chosen:
            full = self.api_post(post)
            body.append({k: v for k, v in full.items() if not fields or k in fields})
        return 200, body, [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]


# --- the server ------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        arrived = time.monotonic()
        site: Site = self.server.owner
        parts = urlsplit(self.path)
        trap = site.trap
        if trap is not None and trap.catches(parts.path, parts.query):
            site.record(
                Request(
                    at=arrived,
                    method="HEAD" if head else "GET",
                    path=parts.path,
                    query=parts.query,
                    host=self.headers.get("Host", ""),
                    status=CUT_OFF,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
            )
            self.close_connection = True
            return
        try:
            status, body, headers = self._route(site, parts.path, parts.query)
        except Exception as exc:  # a fixture bug shows up as a 500 the test can see
            status, body, headers = 500, f"fixture error: {exc!r}".encode(), []
        number = site.record(
            Request(
                at=arrived,
                method="HEAD" if head else "GET",
                path=parts.path,
                query=parts.query,
                host=self.headers.get("Host", ""),
                status=status,
                headers={k.lower(): v for k, v in self.headers.items()},
            )
        )
        del number
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _route(self, site: Site, path: str, query: str) -> tuple[int, bytes, list[tuple[str, str]]]:
        html_type = [("Content-Type", "text/html; charset=UTF-8")]
        xml_type = [("Content-Type", "application/xml; charset=UTF-8")]
        with site._lock:
            hit = site.hits[path] + 1  # this request's number on its path (logged after)
        if path in site.aliases:
            target, content_type = site.aliases[path]
            status, body, _ = self._route(site, target, query)
            return status, body, [("Content-Type", content_type)]
        if path == "/robots.txt":
            return 200, site.robots().encode(), [("Content-Type", "text/plain")]
        if path == "/":
            links = [("Link", f'<{site.url("/wp-json/")}>; rel="https://api.w.org/"')]
            return 200, site.home().encode(), html_type + (links if site.wordpress else [])
        if path == "/sitemap.xml":
            return 301, b"", [("Location", site.url("/sitemap_index.xml"))]
        if path == "/sitemap_index.xml":
            return 200, site.sitemap_index().encode(), xml_type
        if path.startswith("/post-sitemap") and path.endswith(".xml"):
            number = path.removeprefix("/post-sitemap").removesuffix(".xml")
            document = site.post_sitemap(int(number)) if number.isdigit() else None
            if document is not None:
                return 200, document.encode(), xml_type
        if path == "/category-sitemap.xml":
            return 200, site.category_sitemap().encode(), xml_type
        if path == "/news-sitemap.xml":
            return 200, site.news_sitemap().encode(), xml_type
        if path == "/feed/":
            return 200, site.feed().encode(), [("Content-Type", "application/rss+xml")]
        if path.startswith("/category/"):
            return 200, site.category(path.split("/")[2]).encode(), html_type
        if path.startswith("/wp-json") and site.wordpress:
            return self._api(site, path, query)
        return self._post(site, path, hit)

    def _api(self, site: Site, path: str, query: str) -> tuple[int, bytes, list[tuple[str, str]]]:
        json_type = [("Content-Type", "application/json; charset=UTF-8")]
        if path in ("/wp-json", "/wp-json/"):
            root = {"name": NAME, "namespaces": ["oembed/1.0", "wp/v2"], "routes": {}}
            return 200, json.dumps(root).encode(), json_type
        if path.rstrip("/") == "/wp-json/wp/v2/posts":
            status, body, headers = site.api_posts(parse_qs(query))
            return status, json.dumps(body).encode(), json_type + headers
        return 404, b'{"code":"rest_no_route"}', json_type

    def _post(self, site: Site, path: str, hit: int) -> tuple[int, bytes, list[tuple[str, str]]]:
        html_type = [("Content-Type", "text/html; charset=UTF-8")]
        quirks = site.quirks
        if path.endswith("-old/"):
            moved = site.live_id(path.removesuffix("-old/") + "/")
            if moved is not None and moved in quirks["moved"]:
                return 301, b"", [("Location", site.url(site.path_of(moved)))]
        post_id = site.live_id(path)
        if post_id is None:
            return 404, b"<html><body><h1>Not found</h1></body></html>", html_type
        post = site.post(post_id)
        if post_id == quirks["rate_limited"] and hit == 1:
            return 429, b"slow down", [("Retry-After", "1"), ("Content-Type", "text/plain")]
        if post_id == quirks["flaky"] and hit == 1:
            return 500, b"database hiccup", [("Content-Type", "text/plain")]
        if post_id == quirks["slow"]:
            site.stopping.wait(site.slow_seconds)
        validators = [
            ("ETag", post.etag),
            ("Last-Modified", format_datetime(post.modified, usegmt=True)),
        ]
        if self.headers.get("If-None-Match") == post.etag:
            return 304, b"", validators
        body = site.page(post).encode()
        return 200, body, html_type + validators


def is_post_path(path: str) -> bool:
    """A post page or a listed URL that may be one: not a listing, feed, API or robots.txt."""
    skip = ("/wp-json", "/robots.txt", "/feed/", "/sitemap", "/news-sitemap", "/post-sitemap")
    return path != "/" and not path.startswith(skip) and "sitemap" not in path


def digest(texts: dict[str, str]) -> str:
    """One hash of an index's texts by URL, for comparing two crawls."""
    return hashlib.sha256(json.dumps(sorted(texts.items())).encode()).hexdigest()
