"""Where a page's links land: redirectors, shorteners, and following them (``--resolve-links``).

A link may reach the article through a redirector (``/go?url=…``,
``/away.php?to=…``) or a URL shortener. Where the address carries the target
it is read from it (:func:`landing`); :func:`resolve_links` follows the
redirects to prove where the others land. A policy with ``direct = true``
refuses such links (``LINK_NOT_DIRECT``); otherwise they count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from reprint_check.errors import FetchError
from reprint_check.models import Link, Page
from reprint_check.urls import canonical_url, embedded_target, host_of, is_shortener

__all__ = ["Landing", "is_active", "landing", "page_host", "resolve_links"]

# fmt: off
# First path segments of redirect scripts ("/go/123", "/away.php?id=5", "/out?x=…").
REDIRECT_SEGMENTS: frozenset[str] = frozenset({
    "go", "goto", "away", "out", "outgoing", "redirect", "redir", "r", "link", "links", "click",
    "exit", "external", "leave", "jump", "to", "url",
})
# fmt: on
_SCRIPT_SUFFIX = re.compile(r"\.(?:php|aspx?|jsp|cgi|pl|html?)$", re.IGNORECASE)


def is_active(link: Link) -> bool:
    return link.url is not None and not link.hidden and not link.in_noscript and not link.in_comment


def _is_redirect_script(link: Link, page_host: str) -> bool:
    """A link to the page's own "/go/123" or "/away.php?id=5": a redirect that hides its target.

    Only on the page's own site (or a relative href): elsewhere "/r/…" or
    "/link/…" are ordinary pages.
    """
    if link.url is None:
        return False
    relative = not link.href.lower().startswith(("http:", "https:", "//"))
    if not relative and (not page_host or host_of(link.url) != page_host):
        return False
    try:
        parts = urlsplit(link.url)
    except ValueError:
        return False
    segments = [seg for seg in parts.path.split("/") if seg]
    if not segments:
        return False
    first = _SCRIPT_SUFFIX.sub("", segments[0].lower())
    return first in REDIRECT_SEGMENTS and (len(segments) > 1 or bool(parts.query))


@dataclass(frozen=True)
class Landing:
    """Where an active link leads: ``url`` None when that cannot be known without fetching."""

    url: str | None
    via: str | None  # None for a direct link; else plain words: "a redirector (…)", …


def landing(link: Link, resolved: Mapping[str, str], page_host: str) -> Landing:
    link_url = link.url or ""
    final = resolved.get(link_url)
    host = host_of(link_url)
    if is_shortener(link_url):
        via = f"the URL shortener {host}"
    elif embedded_target(link_url) is not None or _is_redirect_script(link, page_host):
        via = f"a redirector on {host}"
    else:
        via = None
    if final is not None and canonical_url(final) != canonical_url(link_url):
        return Landing(final, via or f"a redirect from {link_url}")
    if via is None:
        return Landing(link_url, None)
    return Landing(embedded_target(link_url), via)


class _Fetches(Protocol):
    """What :func:`resolve_links` needs of a fetcher (reprint_check.fetch.Fetcher)."""

    def fetch(self, url: str) -> _Fetched: ...


class _Fetched(Protocol):
    final_url: str
    text: str


_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["'][^"']*?url\s*=\s*['"]?([^"'>\s]+)""",
    re.IGNORECASE,
)
MAX_REFRESH_HOPS = 3  # meta-refresh pages followed after the HTTP redirects


def resolve_links(page: Page, fetcher: _Fetches) -> Page:
    """The page with ``link_targets`` filled: where each redirecting link really lands.

    Only links through a shortener or a redirector are fetched (the others say
    where they go); HTTP redirects and ``<meta http-equiv=refresh>`` pages are
    followed. A link that cannot be fetched is left unresolved: the check then
    reads what the address itself says.
    """
    targets: dict[str, str] = dict(page.link_targets)
    own_host = page_host(page)
    for link in page.links:
        url = link.url
        if url is None or url in targets or not is_active(link):
            continue
        if landing(link, {}, own_host).via is None:
            continue
        current = url
        try:
            for _ in range(MAX_REFRESH_HOPS + 1):
                fetched = fetcher.fetch(current)
                current = fetched.final_url
                refresh = _META_REFRESH.search(fetched.text[:65536])
                if refresh is None:
                    break
                current = urljoin(current, refresh.group(1).strip())
        except FetchError:
            continue
        targets[url] = current
    return replace(page, link_targets=tuple(sorted(targets.items())))


def page_host(page: Page) -> str:
    """The audited page's own host, when its location is a web address."""
    location = page.location
    return host_of(location) if location.lower().startswith(("http://", "https://")) else ""
