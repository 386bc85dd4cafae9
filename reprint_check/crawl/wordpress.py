"""A WordPress site's posts from its REST API: exact where HTML extraction is a guess.

WordPress announces its API on every page (``<link rel="https://api.w.org/"
href="…/wp-json/">`` and the same ``Link:`` header) and hands out each post's
body as authored, its title, dates and permalink through
``/wp-json/wp/v2/posts``, a hundred posts a request. A crawl uses it when it
answers, and falls back to the HTML pages otherwise (no API, the API switched
off or behind a login).

Two listings are used:

* the *full* listing (``_fields`` with the content), newest first, for a
  first crawl: one request brings a hundred whole posts;
* the *light* listing (id, link, modified_gmt only) for a sync or a resumed
  crawl: it says which posts are new or changed since their stored
  ``modified_gmt``, and those are then asked for by id (``include=``),
  so nothing unchanged is downloaded again.

``--since`` becomes ``modified_after`` (WordPress compares it with the local
modification time, so a margin of a day is asked for and the exact cut is
made here, on ``modified_gmt``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urljoin, urlsplit

from reprint_check.errors import FetchError
from reprint_check.models import Article
from reprint_check.page.article import fragment_text
from reprint_check.web.fetch import Fetched

API_REL = "https://api.w.org/"
PER_PAGE = 100  # WordPress's maximum
FULL_FIELDS = "id,link,date_gmt,modified_gmt,title,content"
LIGHT_FIELDS = "id,link,modified_gmt"
# modified_after is compared with the site's local time: ask for a day more.
MODIFIED_AFTER_MARGIN = timedelta(days=1)

_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Post:
    """One post as the API lists it; ``content`` is None in the light listing."""

    id: int
    link: str
    modified_gmt: str | None  # "2024-05-01T12:00:00" (UTC, no zone), as WordPress writes it
    date_gmt: str | None = None
    title: str = ""  # plain text
    content: str | None = None  # the body's HTML (content.rendered)
    protected: bool = False  # password-protected: the API withholds the body


@dataclass(frozen=True)
class PostsPage:
    posts: list[Post]
    total: int | None  # X-WP-Total
    pages: int | None  # X-WP-TotalPages


def api_root(page: Fetched) -> str | None:
    """The API root a WordPress page announces (``Link`` header or ``<link>``), absolute."""
    for name, value in page.headers:
        if name == "link" and API_REL in value:
            for part in value.split(","):
                href, _, params = part.partition(";")
                if API_REL in params:
                    return urljoin(page.final_url, href.strip().strip("<>"))
    for tag in _LINK_TAG.findall(page.text[:200_000]):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(tag)}
        if attrs.get("rel", "").strip() == API_REL and attrs.get("href"):
            return urljoin(page.final_url, html.unescape(attrs["href"]))
    return None


def guessed_root(site_url: str) -> str:
    """Where the API lives on a site that does not announce it: ``/wp-json/``."""
    return urljoin(site_url, "/wp-json/")


def is_api_root(fetched: Fetched) -> bool:
    """Whether a response is a WordPress API index that serves posts (the wp/v2 namespace)."""
    try:
        document = json.loads(fetched.text)
    except ValueError:
        return False
    namespaces = document.get("namespaces") if isinstance(document, dict) else None
    return isinstance(namespaces, list) and "wp/v2" in namespaces


def posts_url(root: str, params: Mapping[str, str | int]) -> str:
    """``…/wp/v2/posts?…`` under an API root: pretty (``/wp-json/``), plain (``?rest_route=/``)."""
    query = urlencode(sorted((k, str(v)) for k, v in params.items()))
    if "rest_route=" in root:
        head, _, route = root.partition("rest_route=")
        route = route.split("&", 1)[0].rstrip("/") + "/wp/v2/posts"
        return f"{head}rest_route={route}&{query}"
    return f"{root.rstrip('/')}/wp/v2/posts?{query}"


def listing_params(
    page: int, *, light: bool, since: datetime | None = None, include: Iterable[int] = ()
) -> dict[str, str | int]:
    params: dict[str, str | int] = {
        "page": page,
        "per_page": PER_PAGE,
        "orderby": "date",
        "order": "desc",
        "_fields": LIGHT_FIELDS if light else FULL_FIELDS,
    }
    ids = sorted(set(include))
    if ids:
        params["include"] = ",".join(map(str, ids))
    if since is not None:
        params["modified_after"] = (since - MODIFIED_AFTER_MARGIN).strftime("%Y-%m-%dT%H:%M:%S")
    return params


def parse_posts(fetched: Fetched) -> PostsPage:
    """One page of a posts listing; FetchError when it is not one."""
    try:
        document = json.loads(fetched.text)
    except ValueError as e:
        raise FetchError(f"{fetched.url}: not a WordPress posts listing ({e})") from None
    if not isinstance(document, list):
        raise FetchError(f"{fetched.url}: not a WordPress posts listing (expected a JSON list)")
    headers = dict(fetched.headers)
    posts = [post for item in document if (post := _post(item, fetched.final_url)) is not None]
    return PostsPage(
        posts, _number(headers.get("x-wp-total")), _number(headers.get("x-wp-totalpages"))
    )


def _number(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _rendered(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def _post(item: object, base: str) -> Post | None:
    if not isinstance(item, dict):
        return None
    post_id, link = item.get("id"), item.get("link")
    if not isinstance(post_id, int) or not isinstance(link, str) or not link.strip():
        return None
    link = urljoin(base, link.strip())
    if urlsplit(link).scheme not in ("http", "https"):
        return None
    content = item.get("content")
    title = _rendered(item.get("title")) or ""
    modified, date = item.get("modified_gmt"), item.get("date_gmt")
    return Post(
        id=post_id,
        link=link,
        modified_gmt=modified if isinstance(modified, str) else None,
        date_gmt=date if isinstance(date, str) else None,
        title=" ".join(html.unescape(_TAG.sub("", title)).split()),
        content=_rendered(content),
        protected=isinstance(content, dict) and bool(content.get("protected")),
    )


def article_from_post(post: Post) -> Article:
    """The article of a post from the full listing; FetchError when it has no text."""
    if post.protected:
        raise FetchError(f"{post.link}: password-protected post (the API withholds its text)")
    text = fragment_text(post.content or "")
    if not text:
        raise FetchError(f"{post.link}: no article text in the API's content")
    published = f"{post.date_gmt}+00:00" if post.date_gmt else None
    return Article(url=post.link, text=text, title=post.title, published=published)
