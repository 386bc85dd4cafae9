"""URLs: canonical forms, hosts, bare URLs written in text, shorteners and redirectors.

Two URLs name the same article when they differ only in ways a reader would
never notice: http or https, ``www.``, a default port, a trailing slash, a
fragment, tracking parameters, the order of query parameters or how the
percent-encoding is spelled. :func:`canonical_url` removes exactly those
differences, so comparing articles is comparing strings.

Pure functions of strings, used by every stage that compares addresses (the
page, the checks, the index, the policy's domains).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

__all__ = [
    "canonical_url",
    "embedded_target",
    "find_bare_urls",
    "host_of",
    "is_shortener",
    "resolve_url",
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


# --- links in markup -------------------------------------------------------------------

_NOT_URL_SCHEMES = ("javascript:", "mailto:", "data:", "tel:", "vbscript:", "about:", "file:")


def resolve_url(href: str, base: str | None) -> str | None:
    """Absolute http(s) URL for an href, or None when it does not lead to a web page.

    The result is resolved, not canonicalised (that is :func:`canonical_url`'s job).
    """
    href = href.strip()
    if not href or href.lower().startswith(_NOT_URL_SCHEMES):
        return None
    try:
        if href.startswith("//") and base is None:
            url = "https:" + href
        elif base is not None:
            url = urljoin(base, href)
        else:
            url = href
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    return url


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
_EMBEDDED_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_BASE64_HTTP = re.compile(r"aHR0c[A-Za-z0-9+/_-]{8,}={0,2}")  # base64 of "http…"


@_url_cache
def is_shortener(url: str) -> bool:
    """True when the URL's host is a known URL shortener."""
    return _under(host_of(url), SHORTENER_HOSTS)


def _under(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one.

    Each of its dot-separated tails is looked up in the set, so the cost
    follows the host's labels, not the length of the list; every page link
    is asked about.
    """
    while host:
        if host in domains:
            return True
        host = host.partition(".")[2]
    return False


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
    if _SHARE_PATH.search(parts.path) or _under(own, _NOT_REDIRECTORS):
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
