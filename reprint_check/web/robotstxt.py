"""robots.txt, read as RFC 9309 says, with protego (the maintained parser of that RFC).

A crawl of a publisher's site asks each origin (scheme, host, port) for its
``/robots.txt`` once and obeys it for every URL of that origin:

* a 2xx answer is parsed (the first :data:`MAX_ROBOTS_BYTES`, as the RFC
  allows) and its group for our product token, else ``*``, applies; its
  ``Crawl-delay`` and ``Sitemap:`` lines are read too;
* a 4xx answer ("unavailable") means no rules: everything may be crawled;
* a 5xx answer or no answer at all ("unreachable") means nothing may be
  crawled (RFC 9309 section 2.3.1.4), and the crawl says why;
* redirects are followed (the fetcher's five hops, as the RFC asks).

The URL a person names on the command line is fetched as asked, as a browser
would; robots.txt governs the URLs a crawl finds by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from reprint_check.errors import FetchError
from reprint_check.web.fetch import Fetched, KiB

# The product token robots.txt groups name us by ("User-agent: reprint-check").
AGENT = "reprint-check"
# RFC 9309 section 2.5: a parsing limit of at least 500 kibibytes.
MAX_ROBOTS_BYTES = 512 * KiB


@dataclass(frozen=True)
class Robots:
    """The rules of one origin."""

    origin: str  # "https://publisher.example"
    rules: Protego | None = field(default=None, compare=False)  # None: no rules
    problem: str | None = None  # set when nothing may be crawled: why

    def allows(self, url: str) -> bool:
        if self.problem is not None:
            return False
        return self.rules is None or bool(self.rules.can_fetch(url, AGENT))

    @property
    def crawl_delay(self) -> float | None:
        if self.rules is None:
            return None
        delay = self.rules.crawl_delay(AGENT)
        return None if delay is None else max(0.0, float(delay))

    @property
    def sitemaps(self) -> tuple[str, ...]:
        return tuple(self.rules.sitemaps) if self.rules is not None else ()


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased: what one robots.txt covers."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def parse_robots(origin: str, text: str) -> Robots:
    return Robots(origin, Protego.parse(text[:MAX_ROBOTS_BYTES]))


def read_robots(origin: str, fetch: Callable[[str], Fetched]) -> Robots:
    """The rules of ``origin``, fetched with ``fetch`` (which paces and may retry)."""
    url = f"{origin}/robots.txt"
    try:
        fetched = fetch(url)
    except FetchError as e:
        if e.status is not None and 400 <= e.status < 500 and e.status != 429:
            return Robots(origin)  # "unavailable": no rules
        reason = str(e).removeprefix(f"{url}: ")
        problem = f"{url} is unreachable ({reason}); RFC 9309 says crawl nothing until it answers"
        return Robots(origin, problem=problem)
    return parse_robots(origin, fetched.text)


class RobotsCache:
    """Each origin's rules, fetched once on first need (thread-safe, one fetch per origin)."""

    def __init__(self, fetch: Callable[[str], Fetched]) -> None:
        self._fetch = fetch
        self._rules: dict[str, Robots] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def for_url(self, url: str) -> Robots:
        origin = origin_of(url)
        with self._lock:
            known = self._rules.get(origin)
            if known is not None:
                return known
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            with self._lock:
                known = self._rules.get(origin)
            if known is None:
                known = read_robots(origin, self._fetch)
                with self._lock:
                    self._rules[origin] = known
            return known

    def allows(self, url: str) -> bool:
        return self.for_url(url).allows(url)
