"""URL canonicalisation and the link evidence a policy's ``[link]`` rule is judged on.

Two URLs name the same article when they differ only in ways a reader would
never notice: http or https, ``www.``, a default port, a trailing slash, a
fragment, tracking parameters, the order of query parameters or how the
percent-encoding is spelled. :func:`canonical_url` removes exactly those
differences, so comparing articles is comparing strings.

:func:`check_link` applies design.md's precedence ("Violation codes"): the best
link evidence on the page decides which link code a source gets, so an editor
sees one actionable problem per source instead of a pile of overlapping ones.

A link may reach the article through a redirector (``/go?url=…``,
``/away.php?to=…``) or a URL shortener. Where the address carries the target
it is read from it; :func:`resolve_links` (``--resolve-links``) follows the
redirects to prove where the others land. A policy with ``direct = true``
refuses such links (``LINK_NOT_DIRECT``); otherwise they count.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from reprint_check.errors import FetchError
from reprint_check.models import Block, Link, LinkEvidence, Page, Violation

if TYPE_CHECKING:  # policy imports this module (host_of); annotations only here
    from reprint_check.policy import LinkRule

_UrlTest = Callable[[str | None], bool]

__all__ = [
    "LinkCheck",
    "canonical_url",
    "check_link",
    "embedded_target",
    "find_bare_urls",
    "header_robots_directives",
    "host_of",
    "is_shortener",
    "resolve_links",
    "same_article",
]

# --- canonicalisation -----------------------------------------------------------

# Query parameters that only say where a reader came from; they never change
# which article a URL names. Matched case-insensitively on the decoded name.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "_hsenc",
        "_hsmi",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "ncid",
        "cmpid",
        "ocid",
        "spm",
        "ref_src",
    }
)
# Whole families of tracking parameters, by prefix.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = frozenset({80, 443})  # http and https are one scheme here, so both
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters a path or query may carry literally (RFC 3986 pchar, plus "/" and
# "?"); anything else is percent-encoded so that two spellings compare equal.
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_PART_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")  # "&" and "=" are structure
_HEX = frozenset("0123456789abcdefABCDEF")
# "mailto:x", "javascript:…" — but not "example.com:8080", a host with a port.
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d*(?:[/?#]|$))")
_IDNA_DOTS = re.compile("[.\u3002\uff0e\uff61]")

# The URL functions below are pure and called with the same addresses over and over: a
# page's menus repeat their links, and every link is judged once per source the page
# reused. Each distinct address is worked out once (per process, the most recent ones).
_URL_CACHE = 1 << 14
_url_cache = functools.lru_cache(maxsize=_URL_CACHE)


@_url_cache
def canonical_url(url: str) -> str:
    """The form of ``url`` under which two addresses of the same article are equal.

    Applied to http(s) URLs (and to scheme-less ``//host/…`` and ``www.…``
    references, read as web addresses). Anything else — ``mailto:``, a
    relative path, text that is not a URL — comes back stripped of
    surrounding white space and otherwise unchanged, so the function never
    raises and is idempotent on every input.
    """
    text = url.strip()
    candidate = text
    if candidate.startswith("//"):
        candidate = "https:" + candidate
    elif candidate[:4].lower() == "www.":
        candidate = "https://" + candidate
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return text
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return text
    host = _canonical_host(parts)
    if not host:
        return text
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port not in _DEFAULT_PORTS:
        netloc += f":{port}"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def same_article(a: str, b: str) -> bool:
    """True when both addresses name the same page once canonicalised."""
    return canonical_url(a) == canonical_url(b)


@_url_cache
def host_of(url: str) -> str:
    """The canonical host of a URL or bare host name ("" when there is none).

    Lower-cased, IDN labels in punycode, a leading ``www.`` and a trailing dot
    dropped: the form policies and link checks compare hosts in.
    """
    text = url.strip()
    if "://" not in text and not text.startswith("//"):
        if _OTHER_SCHEME.match(text):
            return ""  # mailto:, javascript:, tel: … have no web host
        text = "//" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return _canonical_host(parts)


def _canonical_host(parts: SplitResult) -> str:
    try:
        host = parts.hostname or ""
    except ValueError:
        return ""
    labels = [_idna_label(label) for label in _IDNA_DOTS.split(host.lower())]
    host = ".".join(labels).rstrip(".")
    while host.startswith("www.") and len(host) > 4:  # loop: keeps the result stable
        host = host[4:]
    return host


def _idna_label(label: str) -> str:
    if not label or label.isascii():
        return label
    try:
        return label.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return label  # not a valid IDN label: keep it as written, lower-cased


def _canonical_path(path: str) -> str:
    path = _remove_dot_segments(_normalise_escapes(path, _PATH_SAFE))
    path = path.rstrip("/")
    return path if path.startswith("/") else "/" + path


def _canonical_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        name = _normalise_escapes(name, _QUERY_PART_SAFE)
        if _is_tracking(name):
            continue
        value = _normalise_escapes(value, _QUERY_PART_SAFE | {"="})
        kept.append((name, f"{name}{sep}{value}"))
    kept.sort()
    return "&".join(item for _, item in kept)


def _is_tracking(name: str) -> bool:
    decoded = _decode_for_comparison(name).lower()
    return decoded in TRACKING_PARAMS or decoded.startswith(TRACKING_PREFIXES)


def _decode_for_comparison(text: str) -> str:
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape the unsafe.

    A ``%`` not followed by two hex digits is itself escaped (``%25``), which
    is what keeps the result stable when applied again.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "%" and _is_hex2(text[i + 1 : i + 3]):
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _is_hex2(pair: str) -> bool:
    return len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on segments: "." vanishes, ".." drops its parent."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1 or (output and output[0] != ""):
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


# --- URLs written as plain text ---------------------------------------------------

# A URL runs until white space, a quote or an angle bracket; "www." only starts
# a reference at a word boundary, so "xwww.example" or an e-mail host is not one.
_BARE_URL = re.compile(
    r"""(?:https?://|(?<![\w.@/-])www\.)[^\s<>"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u2039\u203a]+""",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?*…"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def find_bare_urls(text: str) -> list[tuple[int, int, str]]:
    """Every URL-looking reference in visible text, as ``(start, end, url)`` spans of ``text``.

    Sentence punctuation after a URL ("see https://a.example/x.") and a
    closing bracket with no opening one inside the URL ("(www.a.example)")
    are not part of it; a bracket pair inside the URL (Wikipedia-style) is.
    """
    found: list[tuple[int, int, str]] = []
    for match in _BARE_URL.finditer(text):
        start, end = match.span()
        end = _trim_trailing(text, start, end)
        candidate = text[start:end]
        if _looks_like_address(candidate):
            found.append((start, end, candidate))
    return found


def _trim_trailing(text: str, start: int, end: int) -> int:
    while end > start:
        last = text[end - 1]
        if last in _TRAILING_PUNCT:
            end -= 1
        elif last in _CLOSERS:
            body = text[start : end - 1]
            if body.count(_CLOSERS[last]) > body.count(last):
                break
            end -= 1
        else:
            break
    return end


def _looks_like_address(candidate: str) -> bool:
    lowered = candidate.lower()
    if lowered.startswith(("http://", "https://")):
        rest = candidate.split("://", 1)[1]
        return bool(rest) and rest[0] not in "/?#"
    # "www." form: the host after "www." must still have a dot, as in www.example.com
    host = re.split(r"[/?#:]", candidate, maxsplit=1)[0]
    return "." in host[4:].strip(".")


# --- redirectors and shorteners ---------------------------------------------------

# Hosts whose only job is to redirect a short code to a long address: where a
# link to one of them lands cannot be read from the link itself.
# fmt: off
SHORTENER_HOSTS: frozenset[str] = frozenset({
    "bit.ly", "bitly.com", "j.mp", "t.co", "goo.gl", "tinyurl.com", "ow.ly", "buff.ly",
    "is.gd", "v.gd", "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "lnkd.in", "fb.me",
    "dlvr.it", "trib.al", "s.id", "t.ly", "rb.gy", "bl.ink", "short.io", "soo.gd", "clck.ru",
    "vk.cc", "u.to", "qps.ru", "x.gd", "shorturl.com", "tr.im", "po.st", "ift.tt", "amzn.to",
    "youtu.be", "wp.me", "flip.it", "apple.co", "spoti.fi", "t.me", "surl.li", "inlnk.ru",
})
# First path segments of redirect scripts ("/go/123", "/away.php?id=5", "/out?x=…").
REDIRECT_SEGMENTS: frozenset[str] = frozenset({
    "go", "goto", "away", "out", "outgoing", "redirect", "redir", "r", "link", "links", "click",
    "exit", "external", "leave", "jump", "to", "url",
})
# fmt: on
# Addresses that carry another URL without redirecting to it: share buttons,
# archives, translation proxies. A "share on X" button is not a link to the article.
_SHARE_PATH = re.compile(r"shar|intent|submit|/send|pin/create|bookmark|translate", re.IGNORECASE)
_NOT_REDIRECTORS: frozenset[str] = frozenset(
    {
        "web.archive.org",
        "archive.org",
        "archive.today",
        "archive.ph",
        "archive.is",
        "webcache.googleusercontent.com",
        "translate.google.com",
        "translate.goog",
    }
)
_SCRIPT_SUFFIX = re.compile(r"\.(?:php|aspx?|jsp|cgi|pl|html?)$", re.IGNORECASE)
_EMBEDDED_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_BASE64_HTTP = re.compile(r"aHR0c[A-Za-z0-9+/_-]{8,}={0,2}")  # base64 of "http…"


@_url_cache
def is_shortener(url: str) -> bool:
    """True when the URL's host is a known URL shortener."""
    host = host_of(url)
    return bool(host) and any(host == h or host.endswith("." + h) for h in SHORTENER_HOSTS)


@_url_cache
def embedded_target(url: str) -> str | None:
    """The address a redirector link carries in its query or path, if it carries one.

    ``https://partner.example/go?url=https%3A%2F%2Fnews.example%2Fa`` and
    ``https://vk.com/away.php?to=https://news.example/a`` give
    ``https://news.example/a``; so does a base64-encoded target. The target
    must be on another host than the link (a page's own ``?ref=`` of itself
    is not a redirect).
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    own = host_of(url)
    if _SHARE_PATH.search(parts.path) or any(
        own == h or own.endswith("." + h) for h in _NOT_REDIRECTORS
    ):
        return None
    texts: list[str] = []
    for piece in parts.query.split("&"):
        _, _, value = piece.partition("=")
        if value:
            texts.append(value)
    texts.append(parts.path)
    for raw in texts:
        for candidate in _decoded_forms(raw):
            match = _EMBEDDED_URL.search(candidate)
            if match:
                found = match.group().rstrip(".,;)")
                if host_of(found) and host_of(found) != own:
                    return found
    return None


def _decoded_forms(text: str) -> list[str]:
    """The text, percent-decoded once and twice, and any base64 "http…" inside it."""
    once = unquote(text.replace("+", " "))
    forms = [text, once, unquote(once)]
    for form in list(forms):
        for blob in _BASE64_HTTP.findall(form):
            padded = blob.replace("-", "+").replace("_", "/")
            padded += "=" * (-len(padded) % 4)
            try:
                forms.append(base64.b64decode(padded, validate=True).decode("utf-8"))
            except (binascii.Error, ValueError):
                continue
    return forms


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
class _Landing:
    """Where an active link leads: ``url`` None when that cannot be known without fetching."""

    url: str | None
    via: str | None  # None for a direct link; else plain words: "a redirector (…)", …


def _landing(link: Link, resolved: Mapping[str, str], page_host: str) -> _Landing:
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
        return _Landing(final, via or f"a redirect from {link_url}")
    if via is None:
        return _Landing(link_url, None)
    return _Landing(embedded_target(link_url), via)


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
    page_host = _page_host(page)
    for link in page.links:
        url = link.url
        if url is None or url in targets or not _is_active(link):
            continue
        if _landing(link, {}, page_host).via is None:
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


def _page_host(page: Page) -> str:
    """The audited page's own host, when its location is a web address."""
    location = page.location
    return host_of(location) if location.lower().startswith(("http://", "https://")) else ""


# --- robots ----------------------------------------------------------------------------

# Directives of X-Robots-Tag that take a value after a colon (not crawler names).
_VALUED_DIRECTIVES = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)
_AGENT_PREFIX = re.compile(r"^\s*([A-Za-z][\w.-]*)\s*:\s*(.*)$", re.S)


def header_robots_directives(values: Iterable[str]) -> list[tuple[str | None, str]]:
    """``X-Robots-Tag`` header values as ``(crawler or None, directive)`` pairs, lower-cased.

    ``"googlebot: nofollow, noarchive"`` gives ``[("googlebot", "nofollow"),
    ("googlebot", "noarchive")]``; ``"none"`` also gives ``noindex`` and
    ``nofollow``, which it stands for.
    """
    found: list[tuple[str | None, str]] = []
    for value in values:
        agent: str | None = None
        match = _AGENT_PREFIX.match(value)
        if match and match.group(1).lower() not in _VALUED_DIRECTIVES:
            agent, value = match.group(1).lower(), match.group(2)
        for piece in value.split(","):
            directive = " ".join(piece.split()).lower()
            if not directive:
                continue
            found.append((agent, directive))
            if directive == "none":
                found.extend(((agent, "noindex"), (agent, "nofollow")))
    return found


def _not_indexable_reasons(page: Page, link: Link) -> list[str]:
    """Why search engines would not follow this link, each naming where it is said."""
    reasons = []
    rels = [token for token in link.rel if token in _NOT_FOLLOWED_REL]
    if rels:
        reasons.append(f'the link has rel="{" ".join(rels)}", so search engines do not follow it')
    robots = [d for d in page.robots if d in _NOT_FOLLOWED_ROBOTS]
    if robots:
        reasons.append(
            f'the page\'s robots meta tag says "{robots[0]}", '
            "so search engines follow none of its links"
        )
    header = [
        (agent, d)
        for agent, d in header_robots_directives(page.header_robots)
        if d in _NOT_FOLLOWED_ROBOTS
    ]
    if header:
        agent, directive = header[0]
        for_whom = f" for {agent}" if agent else ""
        reasons.append(
            f'the X-Robots-Tag header{for_whom} says "{directive}", '
            "so search engines follow none of the page's links"
        )
    if link.in_noindex:
        reasons.append(
            "the link is inside <noindex>, which tells search engines (Yandex) not to index it"
        )
    return reasons


# --- link evidence -------------------------------------------------------------------

_NOT_FOLLOWED_REL = ("nofollow", "ugc", "sponsored")
_NOT_FOLLOWED_ROBOTS = ("nofollow", "none")
# Block kinds that are never "the first paragraph": headings and page furniture.
_HEADING_KINDS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "header", "nav", "title", "caption"}
)
# A block needs this many words to be the first paragraph, so that a dateline
# ("Kyiv, 3 March") or a byline ("By Jane Doe") above the story does not count.
FIRST_PARAGRAPH_MIN_WORDS = 5


@dataclass(frozen=True)
class LinkCheck:
    """What the page offers as a link back to one article, and the codes it earns."""

    evidence: LinkEvidence
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class _Candidate:
    """An active link that could satisfy the rule, with the rules it breaks."""

    link: Link
    to_article: bool
    followable: bool
    not_followable: tuple[str, ...]  # plain-words reasons, empty when fine
    too_late: str | None  # plain-words reason, None when fine
    paragraph: int | None
    via: str | None  # how an indirect link gets there ("a redirector on …"); None when direct
    not_direct: bool  # via is set and the rule wants a direct link

    @property
    def broken(self) -> int:
        return (
            (1 if self.not_followable else 0)
            + (1 if self.too_late else 0)
            + (1 if self.not_direct else 0)
        )


@dataclass(frozen=True)
class _Reference:
    """A mention of the article that is not an active link (hidden, bare URL, …)."""

    position: int
    href: str
    problem: str
    paragraph: int | None
    followable: bool


def check_link(
    page: Page,
    article_urls: Sequence[str],
    rule: LinkRule,
    *,
    excerpt_start: int | None = None,
) -> LinkCheck:
    """Judge the page's link back to an article (its URL and aliases) against ``rule``.

    ``excerpt_start`` is where the first passage from the article begins in
    ``page.text``; ``position = "before-excerpt"`` is not checked without it.
    Evidence is always filled in; ``required = false`` only drops the
    violations.
    """
    result = _check_links(page, article_urls, rule, excerpt_start)
    canonical = page.canonical
    if (
        result.violations
        and rule.canonical_counts
        and canonical
        and any(same_article(canonical, u) for u in article_urls if u)
    ):
        evidence = LinkEvidence(
            found=True,
            href=canonical,
            active=False,
            followable=_page_followable(page),
            paragraph=None,
            problems=(),
        )
        return LinkCheck(evidence)
    return result


def _page_followable(page: Page) -> bool:
    header = header_robots_directives(page.header_robots)
    return not any(d in _NOT_FOLLOWED_ROBOTS for d in page.robots) and not any(
        d in _NOT_FOLLOWED_ROBOTS for _, d in header
    )


class _PageFacts:
    """What the link check needs of a page whatever the source article, worked out once.

    A page is judged once per source it reused; parsing every link's URL again
    for each source made a page of 100,000 links cost seconds per source, and
    telling bare URLs inside link text from loose ones was quadratic.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        resolved = dict(page.link_targets)
        page_host = _page_host(page)
        self.active = [link for link in page.links if _is_active(link)]
        self.landings = {id(link): _landing(link, resolved, page_host) for link in self.active}
        self._canonical: dict[str, str] = {}
        self._hosts: dict[str, str] = {}

    @functools.cached_property
    def mentions(self) -> list[list[str]]:
        """Bare URLs written in each link's address or text, by its place in page.links."""
        return [
            [url for _, _, url in find_bare_urls(f"{link.href} {link.text}")]
            for link in self.page.links
        ]

    @functools.cached_property
    def loose_urls(self) -> list[tuple[int, str]]:
        """Bare URLs of the text outside any link's text (those are judged with their link)."""
        links = self.page.links
        inside = _Spans((lk.position, lk.position + len(lk.text)) for lk in links if lk.text)
        return [
            (start, url) for start, _end, url in find_bare_urls(self.page.text) if not inside(start)
        ]

    def canonical(self, url: str) -> str:
        found = self._canonical.get(url)
        if found is None:
            found = self._canonical[url] = canonical_url(url)
        return found

    def host(self, url: str) -> str:
        found = self._hosts.get(url)
        if found is None:
            found = self._hosts[url] = host_of(url)
        return found


class _Spans:
    """Whether an offset falls inside any of some half-open spans: merged, then bisected."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            elif start < end:
                merged.append([start, end])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def __call__(self, offset: int) -> bool:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


# The page judged last, with its facts: a page is judged against each of its sources in turn.
_last_facts: list[_PageFacts] = []


def _facts_of(page: Page) -> _PageFacts:
    cached = _last_facts[0] if _last_facts else None
    if cached is not None and cached.page is page:
        return cached
    facts = _PageFacts(page)
    _last_facts[:] = [facts]
    return facts


def _check_links(
    page: Page, article_urls: Sequence[str], rule: LinkRule, excerpt_start: int | None
) -> LinkCheck:
    article = article_urls[0] if article_urls else "the source article"
    targets = {canonical_url(u) for u in article_urls if u}
    hosts = {h for h in (host_of(u) for u in article_urls if u) if h}
    page_followable = _page_followable(page)
    limit = _position_limit(page, rule, excerpt_start)
    facts = _facts_of(page)

    def is_article(url: str | None) -> bool:
        return url is not None and facts.canonical(url) in targets

    def on_site(url: str | None) -> bool:
        return url is not None and _same_site(facts.host(url), hosts)

    def wanted(url: str | None) -> bool:
        return is_article(url) or (rule.target == "domain" and on_site(url))

    active_links = facts.active
    landings = facts.landings

    # 1. an active, visible link to the article (or, with target = "domain", to the site),
    #    directly or through a redirector whose target is known
    candidates = []
    for link in active_links:
        landing = landings[id(link)]
        if wanted(landing.url):
            candidates.append(
                _candidate(
                    page, link, is_article(landing.url), landing.via, rule, page_followable, limit
                )
            )
    if candidates:
        best = min(
            candidates,
            key=lambda c: (c.broken, not c.to_article, c.via is not None, c.link.position),
        )
        return _judge_candidate(best, article, rule, limit)

    # 2. a reference to the article (or site) that is not an active link
    references = _references(page, wanted, facts)
    if references:
        return _judge_references(references, article, rule, limit)

    # 3. an active link to the publisher's site, but not to the article
    wrong = [link for link in active_links if on_site(landings[id(link)].url)]
    if wrong:
        link = min(wrong, key=lambda lk: lk.position)
        evidence = LinkEvidence(
            found=True,
            href=link.href,
            active=True,
            followable=page_followable and not _rel_not_followed(link) and not link.in_noindex,
            paragraph=_paragraph_of(link),
            problems=(f"the link goes to {link.href}, not to the article",),
        )
        message = (
            f"The page links to {link.href} on the publisher's site instead of the article: "
            f"point the link at {article}."
        )
        return _verdict(evidence, rule, ("LINK_WRONG_TARGET", message))

    # 4. a link whose destination is hidden behind a shortener or redirect script
    hidden = [link for link in active_links if landings[id(link)].url is None]
    if hidden:
        link = min(hidden, key=lambda lk: lk.position)
        via = landings[id(link)].via
        problem = (
            f"the link {link.href} goes through {via}, which hides where it leads "
            "(audit with --resolve-links to follow it)"
        )
        if rule.direct:
            evidence = LinkEvidence(
                found=True,
                href=link.href,
                active=True,
                followable=page_followable and not _rel_not_followed(link),
                paragraph=_paragraph_of(link),
                problems=(problem,),
            )
            message = (
                f"The page links through {via} ({link.href}) instead of linking to the "
                f"article: the policy requires a direct link to {article}."
            )
            return _verdict(evidence, rule, ("LINK_NOT_DIRECT", message))
        missing = _missing(rule, article)
        evidence = LinkEvidence(found=False, problems=(problem,))
        return _verdict(evidence, rule, ("LINK_MISSING", f"{missing} ({problem})."))

    # 5. nothing at all
    return _verdict(
        LinkEvidence(found=False), rule, ("LINK_MISSING", _missing(rule, article) + ".")
    )


def _missing(rule: LinkRule, article: str) -> str:
    if rule.target == "domain":
        return f"No link to the publisher's site: add a visible hyperlink to {article}"
    return f"No link to the source article: add a visible hyperlink to {article}"


def _is_active(link: Link) -> bool:
    return link.url is not None and not link.hidden and not link.in_noscript and not link.in_comment


def _same_site(host: str, hosts: Iterable[str]) -> bool:
    """Same host, or one a subdomain of the other (m.example.com and example.com)."""
    if not host:
        return False
    return any(host == h or host.endswith("." + h) or h.endswith("." + host) for h in hosts if h)


def _rel_not_followed(link: Link) -> bool:
    return any(token in _NOT_FOLLOWED_REL for token in link.rel)


def _candidate(
    page: Page,
    link: Link,
    to_article: bool,
    via: str | None,
    rule: LinkRule,
    page_followable: bool,
    limit: _Limit | None,
) -> _Candidate:
    reasons = _not_indexable_reasons(page, link) if rule.followable else []
    paragraph = _paragraph_of(link)
    too_late = None
    if limit is not None and link.position > limit.end:
        too_late = limit.describe_late(paragraph)
    return _Candidate(
        link=link,
        to_article=to_article,
        followable=page_followable and not _rel_not_followed(link) and not link.in_noindex,
        not_followable=tuple(reasons),
        too_late=too_late,
        paragraph=paragraph,
        via=via,
        not_direct=via is not None and rule.direct,
    )


def _judge_candidate(
    best: _Candidate, article: str, rule: LinkRule, limit: _Limit | None
) -> LinkCheck:
    problems = [*best.not_followable]
    codes: list[tuple[str, str]] = []
    subject = (
        f"The link to {article}"
        if best.to_article
        else f"The link to the publisher's site ({best.link.href}) for {article}"
    )
    if best.not_direct:
        problems.append(f"the link goes through {best.via} ({best.link.href})")
        codes.append(
            (
                "LINK_NOT_DIRECT",
                f"{subject} goes through {best.via} ({best.link.href}). "
                "The policy requires a direct link to the article.",
            )
        )
    if best.not_followable:
        reasons = "; ".join(best.not_followable)
        codes.append(
            (
                "LINK_NOT_FOLLOWABLE",
                f"{subject} is not followable: {reasons}. "
                "The policy requires a link that search engines follow.",
            )
        )
    if best.too_late and limit is not None:
        problems.append(best.too_late)
        codes.append(
            (
                "LINK_TOO_LATE",
                f"{subject} comes too late: {best.too_late}. Move it to {limit.where} or earlier.",
            )
        )
    evidence = LinkEvidence(
        found=True,
        href=best.link.href,
        active=True,
        followable=best.followable,
        paragraph=best.paragraph,
        problems=tuple(problems),
    )
    return _verdict(evidence, rule, *codes)


def _references(page: Page, wanted: _UrlTest, facts: _PageFacts) -> list[_Reference]:
    """Every mention of the target that a reader cannot click, in page order."""
    refs: list[_Reference] = []
    for number, link in enumerate(page.links):
        paragraph = _paragraph_of(link)
        followable = not _rel_not_followed(link)
        if wanted(link.url):
            if not _is_active(link):  # active ones were candidates already
                refs.extend(
                    _Reference(link.position, link.href, problem, paragraph, followable)
                    for problem in _inactive_reasons(link)
                )
            continue
        mentioned = [url for url in facts.mentions[number] if wanted(url)]
        if not mentioned:
            continue
        reasons = _inactive_reasons(link)
        if link.url is None:
            javascript = link.href.lower().startswith("javascript:")
            reasons.insert(
                0,
                "the link uses a javascript: address instead of a real one"
                if javascript
                else f"the link's address ({link.href}) is not a web address",
            )
        elif not reasons:
            reasons.append(
                f"the link text shows the article's address but the link goes to {link.url}"
            )
        refs.extend(
            _Reference(link.position, mentioned[0], problem, paragraph, followable)
            for problem in reasons
        )
    for start, url in facts.loose_urls:
        if wanted(url):
            problem = "the article's address appears as plain text, not as a link"
            refs.append(_Reference(start, url, problem, _block_number(page.blocks, start), False))
    refs.sort(key=lambda r: r.position)
    return refs


def _inactive_reasons(link: Link) -> list[str]:
    reasons = []
    if link.hidden:
        how = f"with {link.hidden}" if ":" in link.hidden else f"({link.hidden})"
        reasons.append(f"the link is hidden {how}")
    if link.in_noscript:
        reasons.append(
            "the link is only inside <noscript>, which browsers running JavaScript do not show"
        )
    if link.in_comment:
        reasons.append("the link is inside an HTML comment, which browsers do not show")
    return reasons


def _judge_references(
    refs: list[_Reference], article: str, rule: LinkRule, limit: _Limit | None
) -> LinkCheck:
    problems = tuple(dict.fromkeys(r.problem for r in refs))
    if not rule.active:
        # Any reference will do; pick one that stands early enough, if there is one.
        fitting = [r for r in refs if limit is None or r.position <= limit.end]
        first = fitting[0] if fitting else refs[0]
        late = None if fitting or limit is None else limit.describe_late(first.paragraph)
        evidence = LinkEvidence(
            found=True,
            href=first.href,
            active=False,
            followable=first.followable,
            paragraph=first.paragraph,
            problems=(late,) if late else (),
        )
        if late and limit is not None:
            message = (
                f"The reference to {article} comes too late: {late}. "
                f"Move it to {limit.where} or earlier."
            )
            return _verdict(evidence, rule, ("LINK_TOO_LATE", message))
        return _verdict(evidence, rule)
    first = refs[0]
    evidence = LinkEvidence(
        found=True,
        href=first.href,
        active=False,
        followable=first.followable,
        paragraph=first.paragraph,
        problems=problems,
    )
    message = (
        f"The page refers to {article} but not with an active link ({'; '.join(problems)}): "
        "make it a visible hyperlink to the article."
    )
    return _verdict(evidence, rule, ("LINK_NOT_ACTIVE", message))


def _verdict(evidence: LinkEvidence, rule: LinkRule, *codes: tuple[str, str]) -> LinkCheck:
    if not rule.required:
        return LinkCheck(evidence)
    return LinkCheck(evidence, tuple(Violation(code, message) for code, message in codes))


# --- where a link must stand ----------------------------------------------------------


@dataclass(frozen=True)
class _Limit:
    """The last offset of ``Page.text`` at which the link may stand."""

    end: int
    where: str  # "paragraph 3", for messages
    why: str  # "the paragraph where the excerpt begins"

    def describe_late(self, link_paragraph: int | None) -> str:
        at = f"in paragraph {link_paragraph}, " if link_paragraph else ""
        return f"it stands {at}after {self.why} ({self.where})"


def _position_limit(page: Page, rule: LinkRule, excerpt_start: int | None) -> _Limit | None:
    if rule.position == "before-excerpt":
        if excerpt_start is None:
            return None
        block = _block_at_or_after(page.blocks, excerpt_start)
        why = "the paragraph where the excerpt begins"
        if block is None:
            return _text_paragraph_limit(page.text, excerpt_start, why)
        return _Limit(block.end, f"paragraph {block.index + 1}", why)
    number = rule.paragraph
    if number is None:
        return None
    why = "the first paragraph" if number == 1 else f"the {_ordinal(number)} paragraph of the story"
    block = _story_paragraph(page.blocks, page.text, number)
    if block is None:
        return _text_paragraph_limit(page.text, 0, why, number)
    return _Limit(block.end, f"paragraph {block.index + 1}", why)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _story_paragraph(blocks: Sequence[Block], text: str, number: int) -> Block | None:
    """The story's paragraph ``number`` (1-based): the first paragraph, then the blocks after it.

    Headings are not paragraphs; past the last paragraph, the last one.
    """
    first = _first_paragraph(blocks, text)
    if first is None or number == 1:
        return first
    later = [
        b
        for b in sorted(blocks, key=lambda b: b.start)
        if b.start > first.start and b.kind.lower() not in _HEADING_KINDS
    ]
    if not later:
        return first
    return later[min(number - 2, len(later) - 1)]


def _text_paragraph_limit(text: str, start: int, why: str, number: int = 1) -> _Limit:
    """Without blocks, a paragraph is what blank lines delimit in ``Page.text``."""
    cut = start - 2
    for _ in range(number):
        cut = text.find("\n\n", cut + 2)
        if cut < 0:
            return _Limit(len(text), "the end of that paragraph", why)
    return _Limit(cut, "the end of that paragraph", why)


def _block_at_or_after(blocks: Sequence[Block], offset: int) -> Block | None:
    ordered = sorted(blocks, key=lambda b: b.start)
    for block in ordered:
        if block.start <= offset < block.end:
            return block
    for block in ordered:  # offset in the gap between two blocks: the next one
        if block.start >= offset:
            return block
    return None


def _first_paragraph(blocks: Sequence[Block], text: str) -> Block | None:
    """The first block that reads as story text: not a heading, at least a few words.

    The position rule then means "no later than the end of that block", so a
    link in a standfirst or a "Source:" line above it also counts.
    """
    ordered = sorted(blocks, key=lambda b: b.start)
    for block in ordered:
        words = len(text[block.start : block.end].split())
        if block.kind.lower() not in _HEADING_KINDS and words >= FIRST_PARAGRAPH_MIN_WORDS:
            return block
    return next((b for b in ordered if b.kind.lower() not in _HEADING_KINDS), None)


def _paragraph_of(link: Link) -> int | None:
    return None if link.block is None else link.block + 1


def _block_number(blocks: Sequence[Block], offset: int) -> int | None:
    for block in blocks:
        if block.start <= offset < block.end:
            return block.index + 1
    return None
