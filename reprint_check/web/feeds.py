"""A partner's feed or sitemap as a list of audit targets, one per item.

``reprint-check feed`` audits every item a partner publishes. Feeds are hostile
input like any page, and CI runs them on every push, so this module

* reads RSS 0.9x/1.0 (RDF)/2.0 and Atom with feedparser, which copes with
  broken XML and lying encodings; documents larger than
  :data:`FEEDPARSER_MAX_BYTES` are streamed with ``lxml.etree.iterparse``
  instead (feedparser builds everything in memory and needs about half a
  millisecond per item), reading the same fields;
* reads JSON Feed 1.0/1.1 as plain JSON;
* streams sitemaps, sitemap indexes and Google News sitemaps with
  ``iterparse`` (feedparser does not read them), clearing each ``<url>`` as
  soon as it is read, so a 100,000-URL sitemap never becomes a tree;
* applies ``--since`` and ``--limit`` while items stream past: a bounded heap
  keeps only the newest ``limit`` items, so memory follows the limit, not
  the feed (and :data:`MAX_ITEMS` caps a run without a limit);
* never raises for a bad feed: what can be read is kept and each problem is
  one line naming the feed (:class:`FeedError`); only an unreadable local
  file given on the command line is bad usage (``InputError``).

Each item then becomes a page in feedrun.py (``item_page``): its embedded
body when the feed carries the full text (:func:`is_full_text`), otherwise
the item's page fetched over HTTP.

Long because four formats (RSS/RDF, Atom, JSON Feed, sitemaps) are each read two
ways (feedparser, or streamed) into the same FeedItem, and selection applies to all.
"""

from __future__ import annotations

import codecs
import heapq
import html
import io
import json
import re
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import feedparser
from lxml import etree

from reprint_check.errors import FetchError, InputError
from reprint_check.urls import resolve_url
from reprint_check.web.fetch import Fetcher, MiB, decode_body, read_local

__all__ = [
    "FULL_TEXT_MIN_CHARS",
    "FULL_TEXT_MIN_PARAGRAPHS",
    "FeedError",
    "FeedItem",
    "FeedRead",
    "ParsedFeed",
    "is_full_text",
    "parse_feed",
    "read_feed",
]

# --- limits and thresholds ------------------------------------------------------------

# Full text, not a teaser: a news story's first paragraph alone is rarely 500
# characters, and partner teasers in the 17 real feeds we measured are 60–400;
# three real paragraphs are a story even when it is short.
FULL_TEXT_MIN_CHARS = 500
FULL_TEXT_MIN_PARAGRAPHS = 3
PARAGRAPH_MIN_CHARS = 40  # a "paragraph" shorter than this is a caption, a byline or a list item

# feedparser needs ~0.5 ms per item and holds the whole document; beyond this
# size (≈10,000 typical items, a hundred times the largest real feed we have
# seen) the lxml streaming reader takes over.
FEEDPARSER_MAX_BYTES = 4 * MiB
MAX_FEED_BYTES = 50 * MiB  # a local feed file; the sitemap protocol's own cap is 50 MB
# Without --limit a run keeps at most this many items (the newest): two full
# sitemaps' worth, and more pages than any CI run could fetch.
MAX_ITEMS = 100_000
DEFAULT_MAX_SITEMAPS = 50  # children of a sitemap index read in one run


_ATOM = "http://www.w3.org/2005/Atom"
_ATOM03 = "http://purl.org/atom/ns#"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"

# What the root element says the document is.
_ROOT_KINDS = {
    "rss": "rss",
    "channel": "rss",
    "rdf": "rdf",
    "feed": "atom",
    "urlset": "sitemap",
    "sitemapindex": "sitemapindex",
}
_FEEDPARSER_KINDS = {"rss090": "rdf", "rss10": "rdf", "atom03": "atom", "atom10": "atom"}
# feedparser "problems" that are not problems for us: the items read fine.
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)

# Endings that say "this is a teaser, the story is on the site" in the languages
# of the feeds we have seen.
_TEASER_END = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|continue reading\W*|read more\W*|read the full\b.*"
    r"|read (?:this|the) (?:article|story|post) in full\b.*|click here\W*"
    r"|more\s*»|weiterlesen\W*|lire la suite\W*|leia mais\W*|leer más\W*|lees meer\W*"
    r"|čítajte ďalej\W*|czytaj dalej\W*)\s*$",
    re.I,
)
_TAG = re.compile(r"<[^>]*>")
_BLOCK_BREAK = re.compile(
    r"<\s*/?\s*(?:p|div|li|blockquote|h[1-6]|pre|section|article|figure|table|tr)\b[^>]*>"
    r"|(?:<\s*br\s*/?\s*>\s*){2,}",
    re.I,
)
_SCRIPTISH = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_ROOT_TAG = re.compile(rb"<\s*([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.S | re.I)


# --- data --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item of a feed or one URL of a sitemap.

    ``content_html`` / ``content_text`` are the body the feed carries in a
    full-content element (``content:encoded``, Atom ``content``, JSON Feed
    ``content_html`` / ``content_text``); ``summary_html`` is the RSS
    ``description`` / Atom ``summary``. ``full_text`` says whether the best of
    them is the whole story (see :func:`is_full_text`). Dates are ISO 8601 UTC
    (``2024-05-01T12:00:00Z``). Slots: a sitemap can hold 100,000 of these.
    """

    url: str | None  # the item's link, absolute http(s)
    guid: str | None
    title: str
    published: str | None
    updated: str | None
    content_html: str | None = None
    content_text: str | None = None
    summary_html: str | None = None
    full_text: bool = False
    feed: str = ""  # the feed or sitemap the item came from
    position: int = 0  # 1-based place in that document

    @property
    def key(self) -> str:
        """What identifies the item across runs (state) and within a run (dedupe)."""
        return self.url or self.guid or f"{self.feed}#{self.position}"

    @property
    def date(self) -> str | None:
        """The latest of published and updated: when the item last became news."""
        dates = [d for d in (self.published, self.updated) if d]
        return max(dates) if dates else None


@dataclass(frozen=True)
class ParsedFeed:
    """One feed document, read."""

    kind: str  # rss | atom | rdf | jsonfeed | sitemap | sitemapindex
    title: str
    items: list[FeedItem]
    sitemaps: list[str]  # child sitemap URLs of a sitemap index, absolute, in document order
    errors: list[str]  # one line each, naming the feed


@dataclass(frozen=True)
class FeedError:
    """A feed, sitemap or item that could not be read; the rest of the run goes on."""

    source: str
    message: str


@dataclass(frozen=True)
class FeedRead:
    """Every item a feed spec leads to (sitemap index children included), selected."""

    items: list[FeedItem]
    errors: list[FeedError]
    kind: str = ""  # of the top document; "" when it could not be read
    title: str = ""


# --- full text ---------------------------------------------------------------------------


def _visible(markup: str) -> str:
    text = _TAG.sub(" ", _SCRIPTISH.sub(" ", markup))
    return " ".join(html.unescape(text).split())


def is_full_text(body: str | None, *, is_html: bool = True) -> bool:
    """Whether a feed body is the whole story rather than a teaser.

    Full text when its visible text has at least :data:`FULL_TEXT_MIN_CHARS`
    characters or at least :data:`FULL_TEXT_MIN_PARAGRAPHS` paragraphs of
    :data:`PARAGRAPH_MIN_CHARS` or more, and it does not end the way teasers
    do ("…", "[…]", "Continue reading…", "Read more", "Weiterlesen"…). A
    heuristic, cheap on purpose: a wrong "teaser" only costs a fetch of the
    item's page, and ``--fetch-items always`` settles any doubt.
    """
    if not body:
        return False
    if is_html:
        text = _visible(body)
        pieces = [_visible(p) for p in _BLOCK_BREAK.split(_SCRIPTISH.sub(" ", body))]
    else:
        text = " ".join(body.split())
        pieces = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
    if not text or _TEASER_END.search(text[-80:]):
        return False
    paragraphs = sum(1 for p in pieces if len(p) >= PARAGRAPH_MIN_CHARS)
    return len(text) >= FULL_TEXT_MIN_CHARS or paragraphs >= FULL_TEXT_MIN_PARAGRAPHS


def _finish(item: FeedItem) -> FeedItem:
    """Decide ``full_text``; make the dates say the same whichever reader read them.

    A lone date is the publication date (feedparser files RSS 1.0's
    ``dc:date`` and Atom's lone ``updated`` under "updated"), and an
    ``updated`` equal to ``published`` is no second date.
    """
    published = item.published or item.updated
    updated = None if item.updated == published else item.updated
    if item.content_html:
        full = is_full_text(item.content_html)
    elif item.content_text:
        full = is_full_text(item.content_text, is_html=False)
    else:
        # RSS puts whole stories in <description> often enough to look.
        full = is_full_text(item.summary_html)
    return replace(item, full_text=full, published=published, updated=updated)


# --- dates -------------------------------------------------------------------------------


def _iso(value: str | None) -> str | None:
    """An RFC 822 / W3C / ISO 8601 date as ISO 8601 UTC, or None when it is not a date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed: time.struct_time | None = None
    try:  # feedparser knows the dozen date dialects feeds really use
        parsed = feedparser.datetimes._parse_date(value)
    except Exception:  # its handlers are third-party code: any failure means "not a date"
        parsed = None
    if parsed is not None:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return _iso_moment(moment)


def _iso_moment(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _struct_iso(value: Any) -> str | None:
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    return None


# --- selection: since, limit, dedupe -------------------------------------------------------


class _Selector:
    """Keeps the items a run wants while they stream past, in memory that follows the limit.

    Order: items with a date newest first, then undated items in document
    order. ``since`` drops dated items older than it (undated items are kept:
    nothing says they are old). At most ``limit`` items (else
    :data:`MAX_ITEMS`) are held: a min-heap evicts the one that would sort
    last. Duplicates (same URL, else same GUID) never both survive: while
    one is held, later copies are ignored (the first read wins); a copy that
    comes after the first was evicted gets in only by outranking the
    weakest held item, i.e. being newer. Remembering only the held keys is
    what keeps a 100,000-URL sitemap read with ``--limit 10`` at ten items'
    worth of memory.
    """

    def __init__(self, since: datetime | None, limit: int | None) -> None:
        self.since = _iso_moment(since) if since is not None else None
        self.capacity = MAX_ITEMS if limit is None else max(0, min(limit, MAX_ITEMS))
        self.limited = limit is not None
        self._heap: list[tuple[int, str, int, FeedItem]] = []
        self._held: set[str] = set()  # keys of the items in the heap
        self._seq = 0
        self.dropped = 0  # items evicted by the cap when no limit was asked for

    def add(self, item: FeedItem) -> None:
        key = item.url or item.guid
        if key is not None and key in self._held:
            return
        date = item.date
        if self.since is not None and date is not None and date < self.since:
            return
        self._seq += 1
        entry = (1 if date else 0, date or "", -self._seq, item)
        if len(self._heap) < self.capacity:
            heapq.heappush(self._heap, entry)
        elif self.capacity and entry[:3] > self._heap[0][:3]:
            evicted = heapq.heapreplace(self._heap, entry)[3]
            self._forget(evicted)
            self.dropped += not self.limited
        else:
            self.dropped += not self.limited
            return
        if key is not None:
            self._held.add(key)

    def _forget(self, item: FeedItem) -> None:
        key = item.url or item.guid
        if key is not None:
            self._held.discard(key)

    def items(self) -> list[FeedItem]:
        return [entry[3] for entry in sorted(self._heap, key=lambda e: e[:3], reverse=True)]


class ItemSink(Protocol):
    """Where a reader hands each item as soon as it is read."""

    def add(self, item: FeedItem) -> None: ...


class _Collect:
    """A selector that keeps everything in document order (``parse_feed`` without limits)."""

    def __init__(self) -> None:
        self.collected: list[FeedItem] = []

    def add(self, item: FeedItem) -> None:
        self.collected.append(item)


# --- sniffing and decoding ------------------------------------------------------------


def _sniff(data: bytes, content_type: str | None) -> str | None:
    """The kind a document's first bytes show; None when they show nothing we read."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"[") or (content_type or "").split(";")[0].strip().endswith("json"):
        return "jsonfeed"
    position = 0
    while True:
        match = _PROLOG.match(head, position)
        if not match:
            break
        position = match.end()
    root = _ROOT_TAG.match(head, position) if head[position : position + 1] == b"<" else None
    if root is None:
        # A UTF-16 document: decode its head and look again.
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            text = data[:4096].decode("utf-16", errors="ignore").encode("utf-8")
            return _sniff(text, content_type)
        return None
    name = root.group(2).decode("ascii", "replace").lower()
    return _ROOT_KINDS.get(name, "html" if name in ("html", "head", "body") else f"<{name}>")


def _utf8_xml(data: bytes) -> bytes:
    """XML bytes lxml will read right: undeclared legacy encodings are decoded first.

    Servers send ISO-8859-1 feeds without an encoding declaration, which XML
    then reads as UTF-8 and stops at the first accented letter. When the bytes
    are not UTF-8 and nothing declares an encoding, read them as windows-1252
    (feedparser's assumption too: statistical guessers are unreliable on the
    short texts of a feed) and hand lxml UTF-8.
    """
    declared = re.match(rb"\s*<\?xml\b[^>]*?\bencoding\s*=", data[:200])
    if declared or data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return data
    if not _is_utf8(data):
        return data.decode("cp1252", errors="replace").encode("utf-8")
    return data


def _is_utf8(data: bytes) -> bool:
    """Whether bytes are UTF-8, checked in chunks so a large feed is never copied as a str."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 1 << 16):
            decoder.decode(view[start : start + (1 << 16)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _localname(element: Any) -> tuple[str, str]:
    """(namespace, local name) of an element; ("", "") for comments and other nodes."""
    tag = element.tag
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _text(element: Any) -> str:
    return "".join(element.itertext()) if element is not None else ""


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _absolute(link: str | None, base: str | None) -> str | None:
    if not link or not link.strip():
        return None
    return resolve_url(link.strip(), base)


# --- sitemaps --------------------------------------------------------------------------


def _iterparse(data: bytes) -> Any:
    # No entities, no network, no huge trees: a feed must not read our files or
    # make us fetch its DTD, and a billion-laughs document stays small.
    return etree.iterparse(
        io.BytesIO(_utf8_xml(data)),
        events=("end",),
        recover=True,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _drop(element: Any) -> None:
    """Forget an element that has been read, and the siblings read before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _xml_problem(context: Any, error: Exception | None) -> str | None:
    """The first fatal XML error, if any, as "line N: message"."""
    if error is not None:
        return one_line(str(error)) or type(error).__name__
    log = getattr(context, "error_log", None)
    fatal = [e for e in (log or []) if e.level >= etree.ErrorLevels.ERROR]
    if not fatal:
        return None
    first = fatal[0]
    return f"line {first.line}: {one_line(first.message)}"


def _parse_sitemap(
    data: bytes,
    location: str,
    base: str | None,
    sink: ItemSink,
    errors: list[str],
) -> tuple[str, list[tuple[str, str | None]]]:
    """Stream a sitemap or sitemap index into ``sink``; returns (kind, children)."""
    kind = "sitemap"
    children: list[tuple[str, str | None]] = []
    position = 0
    context = _iterparse(data)
    error: Exception | None = None
    try:
        for _event, element in context:
            namespace, name = _localname(element)
            if name == "sitemapindex":
                kind = "sitemapindex"
            if name not in ("url", "sitemap") or namespace == _NEWS:
                continue
            fields: dict[str, str] = {}
            for child in element.iter():
                child_ns, child_name = _localname(child)
                if child_name and child is not element:
                    key = f"news:{child_name}" if child_ns == _NEWS else child_name
                    fields.setdefault(key, _text(child).strip())
            loc = fields.get("loc", "")
            if name == "sitemap":
                kind = "sitemapindex"
                child_url = _absolute(loc, base) if base else (loc or None)
                if child_url:
                    children.append((child_url, _iso(fields.get("lastmod"))))
            else:
                position += 1
                sink.add(
                    FeedItem(
                        url=_absolute(loc, base),
                        guid=None,
                        title=one_line(fields.get("news:title", "")),
                        published=_iso(fields.get("news:publication_date")),
                        updated=_iso(fields.get("lastmod")),
                        feed=location,
                        position=position,
                    )
                )
            _drop(element)
    except etree.XMLSyntaxError as exc:
        error = exc
    problem = _xml_problem(context, error)
    if problem is not None:
        if not position and not children:
            raise FetchError(f"{location}: cannot read the sitemap ({problem})")
        read = f"{position} URLs" if kind == "sitemap" else f"{len(children)} sitemaps"
        errors.append(f"{location}: malformed XML ({problem}); {read} read before it")
    return kind, children


# --- RSS / Atom / RDF --------------------------------------------------------------------


def _feedparser_item(entry: Any, location: str, base: str | None, position: int) -> FeedItem:
    content_html = content_text = None
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if not value.strip():
            continue
        if content.get("type", "text/html") == "text/plain":
            content_text = content_text or value
        else:
            content_html = content_html or value
    summary = entry.get("summary") or None
    if summary is not None:
        detail = entry.get("summary_detail") or {}
        if detail.get("type") == "text/plain":
            summary = html.escape(summary)
        if summary in (content_html, content_text):
            summary = None  # feedparser copies content into summary when there is none
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    guid = entry.get("id") or None
    # dict.get: FeedParserDict.get maps a missing "updated" to "published", with a warning.
    published = _struct_iso(dict.get(entry, "published_parsed")) or _struct_iso(
        dict.get(entry, "created_parsed")
    )
    updated = _struct_iso(dict.get(entry, "updated_parsed"))
    return _finish(
        FeedItem(
            url=_absolute(link, base),
            guid=str(guid) if guid is not None else None,
            title=one_line(html.unescape(_TAG.sub("", entry.get("title") or ""))),
            published=published,
            updated=updated,
            content_html=content_html,
            content_text=content_text,
            summary_html=summary,
            feed=location,
            position=position,
        )
    )


def _parse_with_feedparser(
    data: bytes,
    location: str,
    base: str | None,
    sink: ItemSink,
    errors: list[str],
    sniffed: str | None,
) -> tuple[str, str]:
    headers = {"content-location": base} if base else {}
    try:
        parsed = feedparser.parse(
            data, sanitize_html=False, resolve_relative_uris=bool(base), response_headers=headers
        )
    except Exception as exc:  # feedparser's failures are not one family
        raise FetchError(f"{location}: cannot read the feed ({one_line(str(exc))})") from None
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries and not version:
        reason = one_line(str(problem)) if problem is not None else "no items and no feed element"
        raise FetchError(f"{location}: not a readable feed ({reason})")
    fallback = "rss" if version.startswith("rss") else (sniffed or "rss")
    kind = _FEEDPARSER_KINDS.get(version, fallback)
    channel = parsed.get("feed") or {}
    item_base = base or _absolute(channel.get("link"), None)
    for position, entry in enumerate(entries, 1):
        sink.add(_feedparser_item(entry, location, item_base, position))
    if problem is not None and not isinstance(problem, _HARMLESS_BOZO):
        line = getattr(problem, "getLineNumber", lambda: None)()
        where = f"line {line}: " if line else ""
        errors.append(
            f"{location}: malformed feed ({where}{one_line(str(problem))}); "
            f"{len(entries)} items read"
        )
    return kind, one_line(html.unescape(_TAG.sub("", channel.get("title") or "")))


_ITEM_NAMES = {"item", "entry"}
_PUBLISHED = {(_DC, "date"), ("", "pubDate"), (_ATOM, "published"), (_ATOM03, "issued")}
_PUBLISHED |= {(_DCTERMS, "issued"), (_ATOM03, "created")}
_UPDATED = {(_ATOM, "updated"), (_ATOM03, "modified"), (_DCTERMS, "modified")}


def _atom_body(element: Any) -> tuple[str | None, str | None]:
    """(html, text) of an Atom text construct: type html, xhtml or text."""
    kind = (element.get("type") or "text").lower()
    if kind in ("xhtml", "application/xhtml+xml"):
        wrapper = next((c for c in element if isinstance(c.tag, str)), None)
        if wrapper is None:
            return None, None
        copy = etree.fromstring(etree.tostring(wrapper))
        for node in copy.iter():
            if isinstance(node.tag, str):
                node.tag = etree.QName(node).localname
        etree.cleanup_namespaces(copy)
        inner = (copy.text or "") + "".join(
            etree.tostring(c, encoding="unicode", method="html") for c in copy
        )
        return inner or None, None
    value = _text(element).strip()
    if not value:
        return None, None
    if kind in ("html", "text/html") or "html" in kind:
        return value, None
    return None, value


def _stream_item(element: Any, location: str, base: str | None, position: int) -> FeedItem:
    fields: dict[tuple[str, str], Any] = {}
    for child in element:
        key = _localname(child)
        if key[1] and key not in fields:
            fields[key] = child
        alternate = child.get("rel", "alternate") == "alternate" and child.get("href")
        if key[1] == "link" and key[0] in (_ATOM, _ATOM03) and alternate:
            fields.setdefault(("@", "link"), child.get("href"))
    link = fields.get(("@", "link")) or _text(fields.get(("", "link"))).strip()
    link = link or _text(fields.get(("http://purl.org/rss/1.0/", "link"))).strip()
    link = link or element.get(f"{{{_RDF}}}about")
    guid_element = fields.get(("", "guid"))
    id_keys = (("", "guid"), (_ATOM, "id"), (_ATOM03, "id"))
    guid = _text(next((fields[k] for k in id_keys if k in fields), None))
    if not link and guid_element is not None and guid_element.get("isPermaLink", "true") == "true":
        link = guid.strip()
    title_element = next((v for (ns, n), v in fields.items() if n == "title" and ns != _NEWS), None)
    published = next((_iso(_text(fields[k])) for k in _PUBLISHED if k in fields), None)
    updated = next((_iso(_text(fields[k])) for k in _UPDATED if k in fields), None)
    content_html = content_text = summary = None
    if (_CONTENT, "encoded") in fields:
        content_html = _text(fields[(_CONTENT, "encoded")]).strip() or None
    for ns in (_ATOM, _ATOM03):
        if (ns, "content") in fields and content_html is None:
            content_html, content_text = _atom_body(fields[(ns, "content")])
        if (ns, "summary") in fields and summary is None:
            summary_html, summary_text = _atom_body(fields[(ns, "summary")])
            summary = summary_html or (html.escape(summary_text) if summary_text else None)
    for key in (("", "description"), ("http://purl.org/rss/1.0/", "description")):
        if key in fields and summary is None:
            summary = _text(fields[key]).strip() or None
    return _finish(
        FeedItem(
            url=_absolute(link, base),
            guid=guid.strip() or None,
            title=one_line(html.unescape(_TAG.sub("", _text(title_element)))),
            published=published,
            updated=updated,
            content_html=content_html,
            content_text=content_text,
            summary_html=summary,
            feed=location,
            position=position,
        )
    )


def _stream_feed(
    data: bytes,
    location: str,
    base: str | None,
    sink: ItemSink,
    errors: list[str],
    sniffed: str,
) -> tuple[str, str]:
    """Read a large RSS/Atom/RDF document item by item, never holding its tree."""
    context = _iterparse(data)
    position = 0
    title = ""
    channel_link: str | None = None
    error: Exception | None = None
    try:
        for _event, element in context:
            namespace, name = _localname(element)
            parent = element.getparent()
            parent_name = _localname(parent)[1] if parent is not None else ""
            if name == "title" and not title and parent_name in ("channel", "feed"):
                title = one_line(_text(element))
            elif name == "link" and channel_link is None and parent_name == "channel":
                channel_link = _absolute(_text(element), None)
            if name not in _ITEM_NAMES or namespace == _NEWS:
                continue
            position += 1
            sink.add(_stream_item(element, location, base or channel_link, position))
            _drop(element)
    except etree.XMLSyntaxError as exc:
        error = exc
    problem = _xml_problem(context, error)
    if problem is not None:
        if not position:
            raise FetchError(f"{location}: cannot read the feed ({problem})")
        errors.append(f"{location}: malformed XML ({problem}); {position} items read before it")
    return sniffed, title


# --- JSON Feed ------------------------------------------------------------------------------


def _parse_json_feed(
    data: bytes, location: str, base: str | None, sink: ItemSink, errors: list[str]
) -> str:
    text, _ = decode_body(data, "application/json")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FetchError(f"{location}: not a readable JSON Feed ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise FetchError(f'{location}: not a JSON Feed (no "items" list)')
    item_base = base or _absolute(str(document.get("home_page_url") or ""), None)
    skipped = 0
    for position, entry in enumerate(document["items"], 1):
        if not isinstance(entry, dict):
            skipped += 1
            continue

        def string(name: str, entry: dict[str, Any] = entry) -> str | None:
            value = entry.get(name)
            return value if isinstance(value, str) and value.strip() else None

        summary = string("summary")
        guid = entry.get("id")
        sink.add(
            _finish(
                FeedItem(
                    url=_absolute(string("url"), item_base),
                    guid=str(guid) if isinstance(guid, str | int) else None,
                    title=one_line(string("title") or ""),
                    published=_iso(string("date_published")),
                    updated=_iso(string("date_modified")),
                    content_html=string("content_html"),
                    content_text=string("content_text"),
                    summary_html=html.escape(summary) if summary else None,
                    feed=location,
                    position=position,
                )
            )
        )
    if skipped:
        errors.append(f"{location}: {skipped} items are not JSON objects and were skipped")
    title = document.get("title")
    return one_line(title) if isinstance(title, str) else ""


# --- one document ------------------------------------------------------------------------


def _parse(
    data: bytes,
    location: str,
    content_type: str | None,
    base: str | None,
    sink: ItemSink,
    streaming: bool | None,
) -> tuple[str, str, list[tuple[str, str | None]], list[str]]:
    """(kind, title, children, errors) of one document, its items sent to ``sink``."""
    errors: list[str] = []
    if not data.strip():
        raise FetchError(f"{location}: empty feed")
    kind = _sniff(data, content_type)
    if kind == "jsonfeed":
        return kind, _parse_json_feed(data, location, base, sink, errors), [], errors
    if kind in ("sitemap", "sitemapindex"):
        kind, children = _parse_sitemap(data, location, base, sink, errors)
        return kind, "", children, errors
    if kind == "html":
        raise FetchError(f"{location}: an HTML page, not a feed or sitemap")
    if kind is not None and kind.startswith("<"):
        raise FetchError(f"{location}: not a feed or sitemap (root element {kind})")
    stream = len(data) > FEEDPARSER_MAX_BYTES if streaming is None else streaming
    if stream and kind is not None:
        kind, title = _stream_feed(data, location, base, sink, errors, kind)
    else:
        kind, title = _parse_with_feedparser(data, location, base, sink, errors, kind)
    return kind, title, [], errors


def _http_base(location: str) -> str | None:
    return location if location.lower().startswith(("http://", "https://")) else None


def parse_feed(
    data: bytes,
    location: str,
    content_type: str | None = None,
    *,
    base_url: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    streaming: bool | None = None,
) -> ParsedFeed:
    """Read one feed or sitemap document.

    ``location`` names it in messages and, when it is a URL, resolves relative
    links (``base_url`` overrides it: the URL after redirects). Without
    ``since`` / ``limit`` the items are in document order; with either they
    are selected as :func:`read_feed` does. ``streaming`` forces (True) or
    forbids (False) the lxml streaming reader for RSS/Atom; by default it is
    used above :data:`FEEDPARSER_MAX_BYTES`. Raises a one-line FetchError
    when nothing at all can be read.
    """
    base = base_url or _http_base(location)
    sink: _Selector | _Collect = (
        _Selector(since, limit) if since is not None or limit is not None else _Collect()
    )
    kind, title, children, errors = _parse(data, location, content_type, base, sink, streaming)
    items = sink.items() if isinstance(sink, _Selector) else sink.collected
    return ParsedFeed(kind, title, items, [url for url, _ in children], errors)


def stream_feed(
    data: bytes,
    location: str,
    sink: ItemSink,
    content_type: str | None = None,
    *,
    base_url: str | None = None,
) -> tuple[str, list[tuple[str, str | None]], list[str]]:
    """Read one feed or sitemap, handing each item to ``sink`` as it is read.

    Returns (kind, child sitemaps as (URL, lastmod), errors). Sitemaps and large
    feeds are streamed, so a crawler keeps no list of a 100,000-URL sitemap's
    items (each goes straight to ``sink``). Raises a one-line FetchError when
    nothing at all can be read, as :func:`parse_feed` does.
    """
    base = base_url or _http_base(location)
    kind, _title, children, errors = _parse(data, location, content_type, base, sink, None)
    return kind, children, errors


def sniff_kind(data: bytes, content_type: str | None = None) -> str | None:
    """What a document is by its first bytes (rss, atom, rdf, jsonfeed, sitemap,
    sitemapindex, html), never by its name; None when they show nothing known."""
    kind = _sniff(data, content_type)
    return None if kind is None or kind.startswith("<") else kind


# --- a feed spec: URL or file, sitemap indexes followed ----------------------------------


def _is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def _load(spec: str, fetcher: Fetcher | None) -> tuple[bytes, str | None, str | None]:
    """(bytes, content type, base URL) of a feed spec."""
    if _is_url(spec):
        if fetcher is None:
            raise FetchError(f"{spec}: feed URLs need a fetcher")
        fetched = fetcher.fetch(spec)
        return fetched.content, fetched.content_type or None, fetched.final_url
    return read_local(spec, MAX_FEED_BYTES), None, None


def read_feed(
    spec: str,
    fetcher: Fetcher | None,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    max_sitemaps: int = DEFAULT_MAX_SITEMAPS,
) -> FeedRead:
    """Every item a feed spec (URL, or file path, ``.gz`` too) leads to, selected.

    A sitemap index is followed breadth-first, at most ``max_sitemaps``
    children in all; with ``since``, children whose ``lastmod`` is older are
    skipped (nothing in them changed since). Children of a fetched index must
    be http(s) URLs; those of a local index may be paths relative to it. Items
    are deduplicated by URL, else GUID, and ordered newest first (undated ones
    after, in document order); ``since`` keeps undated items; ``limit`` keeps
    the newest. Problems become :class:`FeedError` lines; a missing or
    unreadable local file given as ``spec`` raises InputError (bad usage).
    """
    selector = _Selector(since, limit)
    since_iso = selector.since
    errors: list[FeedError] = []
    queue: deque[str] = deque([spec])
    seen = {spec}
    followed = 0
    over = 0
    kind = title = ""
    top = True
    while queue:
        location = queue.popleft()
        try:
            data, content_type, base = _load(location, fetcher)
            found_kind, found_title, children, problems = _parse(
                data, location, content_type, base, selector, None
            )
        except FetchError as exc:
            errors.append(FeedError(location, one_line(str(exc))))
            top = False
            continue
        except InputError as exc:
            if top:
                raise
            errors.append(FeedError(location, one_line(str(exc))))
            continue
        if top:
            kind, title = found_kind, found_title
        errors.extend(FeedError(location, problem) for problem in problems)
        for child, lastmod in children:
            if not _is_url(child):
                if _is_url(location):
                    errors.append(FeedError(child, f"{child}: not an http(s) sitemap URL"))
                    continue
                child = str(Path(location).parent / child)
            if child in seen:
                continue
            seen.add(child)
            if since_iso is not None and lastmod is not None and lastmod < since_iso:
                continue  # nothing in it changed since: not a problem, just not read
            if followed >= max_sitemaps:
                over += 1
                continue
            followed += 1
            queue.append(child)
        top = False
    if over:
        errors.append(
            FeedError(
                spec,
                f"{spec}: the sitemap index lists {followed + over} sitemaps; "
                f"only the first {followed} were read",
            )
        )
    if selector.dropped:
        errors.append(
            FeedError(
                spec,
                f"{spec}: more than {MAX_ITEMS} items; only the newest {MAX_ITEMS} are audited "
                "(use --limit or --since)",
            )
        )
    return FeedRead(selector.items(), errors, kind, title)
