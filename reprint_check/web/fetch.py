"""HTTP fetching with the limits an auditor of untrusted pages needs.

Partner pages and feeds are hostile input: a feed item can point at the CI
runner's own network, a server can dribble bytes forever or send a gzip bomb,
and a page can lie about its charset. Everything that crosses the network goes
through :class:`Fetcher`, which

* refuses loopback, private, link-local, multicast, reserved and cloud-metadata
  addresses unless ``allow_private`` is set. The check runs inside the
  connection itself (a custom ``httpcore`` network backend resolves the host,
  checks every address and then connects to exactly the address it checked),
  so it covers the first URL, every redirect hop and DNS rebinding alike;
* follows redirects by hand, at most ``max_redirects`` of them;
* bounds every socket operation by the connect/read time-outs *and* by one
  total deadline for the whole fetch (redirects and retries included), so a
  slowloris server cannot hold a run hostage;
* decodes gzip/deflate itself with bounded output, so ``max_bytes`` caps the
  decoded body and a decompression bomb never gets inflated in memory;
* retries transient failures with back-off, honouring ``Retry-After``;
* lets a caller ``gate`` every request it makes (each redirect hop and retry):
  a crawler paces requests per host there and refuses the ones its rules
  forbid (robots.txt, another site) before they are sent;
* hands every successful fetch, as it crossed the wire, to an optional
  ``on_response`` observer (see :class:`RawResponse`), which is how
  ``--evidence`` keeps a WARC copy of what each partner page said.

Every failure is a :class:`~reprint_check.errors.FetchError` whose message is
one line naming the URL and the problem.

Known gaps: proxies are not supported (``trust_env`` is off, because through a
proxy the address guard would check the proxy, not the target); DNS look-ups
use the system resolver and are not bounded by the total deadline.

Long because every limit of a fetch (addresses, redirects, sizes, time, retries,
decoding) is enforced in one place a reviewer can read through; split, a limit
could be bypassed by a path that skips one module.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import dataclasses
import gzip
import http
import ipaddress
import os
import re
import socket
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import charset_normalizer
import httpcore
import httpx

from reprint_check.errors import FetchError, InputError
from reprint_check.version import __version__

KiB = 1024
MiB = 1024 * KiB

DEFAULT_USER_AGENT = (
    f"reprint-check/{__version__} (+https://github.com/reprint-check/reprint-check)"
)

# Statuses worth another try: the server said "later" or a gateway hiccuped.
# 500 is included because news CMSes return it for transient overload far
# more often than for a page that is broken for good; a GET is safe to repeat.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Request headers that make a GET conditional: only then is a 304 an answer, not an error.
_CONDITIONAL_HEADERS = frozenset({"if-none-match", "if-modified-since"})
# A server asking us to wait longer than this is waited on only this long:
# an audit of many targets must not stall for minutes on one of them.
RETRY_AFTER_CAP = 5.0

# We decode content encodings ourselves (bounded), so we advertise only what
# we can decode with a bounded output buffer. Brotli's Python binding cannot
# limit its output per call, so "br" is never advertised.
ACCEPT_ENCODING = "gzip, deflate"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

CHUNK = 64 * KiB  # network read size and the most one decoder step may produce
# A redirect's body is kept for evidence up to this size: it is normally a
# one-line "moved" page, and a hop must not cost the fetch its size budget.
REDIRECT_EVIDENCE_BYTES = 64 * KiB
META_SCAN_BYTES = 4096  # how far into an HTML/XML document a charset declaration is looked for

# Addresses that hand out cloud credentials; refused by name so the message says why.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_APPLICATION_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/ecmascript",
        "application/xml",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
    }
)
# Labels browsers decode as windows-1252 (WHATWG Encoding Standard): pages that
# say latin-1 and use curly quotes in 0x80–0x9F expect them to show as quotes.
_WINDOWS_1252_ALIASES = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"}
)
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32le"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16be"),
)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:+-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9_.:+-]+)[\"']")


@dataclass(frozen=True)
class Fetched:
    """One successful fetch, body decoded and capped."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 2xx; 304 only for a conditional fetch (see Fetcher.fetch)
    headers: tuple[tuple[str, str], ...]  # as received, names lower-cased, in the server's order
    content: bytes  # content-encoding removed, at most max_bytes
    content_type: str  # media type, lower-cased, no parameters; "" when the server sent none
    charset: str | None  # encoding used for ``text``; None for a non-text body
    text: str  # decoded body; "" for a non-text body
    fetched_at: str  # ISO-8601 UTC, e.g. "2024-05-01T12:00:00Z"


@dataclass(frozen=True)
class RawResponse:
    """One HTTP response as it crossed the wire, for observers that keep evidence (WARC).

    ``body`` is the message body after transfer decoding (the HTTP library
    removes chunked framing, which only delimits the bytes) and *before*
    content decoding: a gzip-encoded page stays gzip-compressed, byte for byte
    what the server sent, so it matches ``headers`` exactly. ``Fetched.content``
    is the decoded form of the same bytes.
    """

    url: str  # the URL this response answered (one hop of a redirect chain)
    http_version: str  # "HTTP/1.1"
    status: int
    reason: str  # reason phrase as sent; may be ""
    headers: tuple[tuple[str, str], ...]  # as received: original case and order, latin-1 decoded
    body: bytes
    request_headers: tuple[tuple[str, str], ...]  # as sent on this hop, in order
    received_at: str  # ISO-8601 UTC, when the response was read
    peer: str | None = None  # IP address the response came from, when known
    truncated: str | None = None  # WARC-Truncated reason ("length", "time", …) if body is partial
    redirects: tuple[RawResponse, ...] = ()  # earlier hops, oldest first; set on the final one


ResponseObserver = Callable[[Fetched, RawResponse], object]
# Called with each URL about to be requested; the request is made inside the
# context it returns (so it may wait for its turn before, and count it after).
RequestGate = Callable[[str], contextlib.AbstractContextManager[object]]


class RequestRefused(Exception):
    """Raised by a request gate: this URL must not be requested; the message says why."""


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one fetch; the defaults suit an editor's terminal and a CI job alike."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two bytes
    total_timeout: float = 60.0  # whole fetch: redirects, retries and back-off included
    max_bytes: int = 20 * MiB  # decoded body
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a transient failure
    allow_private: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    max_connections_per_host: int = 4
    backoff: float = 0.5  # first retry waits this long, then twice as long each time


# --- address guard ------------------------------------------------------------


def address_problem(address: str) -> str | None:
    """Why connecting to this literal IP address would be unsafe, or None when it is public.

    IPv6 forms that embed an IPv4 address (mapped, 6to4, NAT64, Teredo) are
    judged by the embedded address too, so ``::ffff:127.0.0.1`` is loopback.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "not an IP address"
    return _ip_problem(ip)


def _ip_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = []
        if ip.ipv4_mapped is not None:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        for inner in embedded:
            problem = _ip_problem(inner)
            if problem is not None:
                return problem
        if ip.ipv4_mapped is not None:
            return None  # a public IPv4 address in IPv6 clothing
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


class _Refused(Exception):
    """The address guard refused a host; passes through httpx untouched."""


class _Unresolvable(Exception):
    """The host name does not resolve; not worth a retry."""


def _checked_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing the lot if any one is unsafe.

    Refusing when *any* address is unsafe (rather than skipping it) stops a
    name that resolves to both a public and a private address from being used
    as a door into the private one.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _Unresolvable(f"cannot resolve host {host} ({_one_line(str(exc))})") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise _Unresolvable(f"cannot resolve host {host}")
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem is not None:
                plain = address.split("%", 1)[0]
                if plain == host:
                    reason = f"{plain} is {problem}"
                else:
                    reason = f"{host} resolves to {plain}, {problem}"
                raise _Refused(f"{reason} (use --allow-private to allow)")
    return addresses


# --- deadline-bounded network backend ----------------------------------------

# The monotonic deadline of the fetch running in this thread/context, read by
# every socket operation so that no single read can outlive the whole fetch.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "reprint_check_fetch_deadline", default=None
)
# The raw responses of the fetch running in this context (redirect hops, then the
# final answer), collected only when the Fetcher has an observer.
_CAPTURE: contextvars.ContextVar[list[RawResponse] | None] = contextvars.ContextVar(
    "reprint_check_fetch_capture", default=None
)


class _DeadlineExceeded(httpcore.ReadTimeout):
    """The total deadline, not the per-read time-out, ran out."""


def _bounded(timeout: float | None) -> tuple[float | None, bool]:
    """The time-out to use now, and whether it is the total deadline that binds."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout, False
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _DeadlineExceeded("total deadline exceeded")
    if timeout is None or remaining < timeout:
        return remaining, True
    return timeout, False


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation also respects the fetch's total deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded, by_deadline = _bounded(timeout)
        try:
            return self._inner.read(max_bytes, bounded)
        except httpcore.ReadTimeout as exc:
            if by_deadline:
                raise _DeadlineExceeded("total deadline exceeded") from exc
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bounded, _ = _bounded(timeout)
        self._inner.write(buffer, bounded)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded, _ = _bounded(timeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the guard has checked, closing the DNS-rebinding gap.

    TLS still verifies the certificate against the host name: httpcore takes
    the SNI name from the request URL, not from the address we connect to.
    """

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _checked_addresses(host, port, self._allow_private)
        options = list(socket_options or ())
        last: Exception | None = None
        for address in addresses:
            bounded, _ = _bounded(timeout)
            try:
                stream = super().connect_tcp(address, port, bounded, local_address, options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None  # addresses is never empty
        raise last


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, error mapping) over the guarded backend."""

    def __init__(self, settings: FetchSettings) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        # httpx.HTTPTransport has no network_backend parameter; swap its pool
        # for an identical one that uses ours. Fail loudly if httpx changes.
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("unsupported httpx version: HTTPTransport._pool not found")
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=_GuardedBackend(settings.allow_private),
        )


class _NoCookies(CookieJar):
    """The client-wide jar: cookies must not leak from one audited target to the next."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


# --- bounded content decoding -------------------------------------------------


class _ZlibLayer:
    """One gzip or deflate layer whose every step yields at most CHUNK bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._raw_deflate = False
        self._fresh = True  # nothing decoded yet by the current decompressor
        self._members = 0  # complete gzip members seen
        self._obj = self._new()

    def _new(self) -> Any:
        self._fresh = True
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._obj.eof:
                if not self._gzip:
                    return  # bytes after the deflate stream: ignored, as browsers do
                self._obj = self._new()  # the next member of a multi-member gzip
            try:
                piece = self._obj.decompress(data, CHUNK)
            except zlib.error:
                if self._fresh and not self._gzip and not self._raw_deflate:
                    # "deflate" is meant to be zlib-wrapped; many servers send it raw.
                    self._raw_deflate = True
                    self._obj = self._new()
                    continue
                if self._fresh and self._members:
                    return  # padding after a complete gzip member: ignored
                raise
            self._fresh = False
            if piece:
                yield piece
            if self._obj.eof:
                self._members += 1
                data = self._obj.unused_data
            else:
                data = self._obj.unconsumed_tail

    def flush(self) -> Iterator[bytes]:
        if not self._obj.eof:
            rest = self._obj.flush()
            for start in range(0, len(rest), CHUNK):
                yield rest[start : start + CHUNK]


class _Decoder:
    """Undoes a Content-Encoding chain, layer by layer, with bounded memory per step."""

    def __init__(self, header: str | None) -> None:
        names = [part.strip().lower() for part in (header or "").split(",")]
        names = [name for name in names if name and name != "identity"]
        for name in names:
            if name not in ("gzip", "x-gzip", "deflate"):
                raise ValueError(f"unsupported Content-Encoding {name!r}")
        # Encodings are listed in the order they were applied; undo them backwards.
        self._layers = [_ZlibLayer(name) for name in reversed(names)]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return _through(self._layers, data)

    def finish(self) -> Iterator[bytes]:
        for position, layer in enumerate(self._layers):
            for piece in layer.flush():
                yield from _through(self._layers[position + 1 :], piece)


def _through(layers: list[_ZlibLayer], data: bytes) -> Iterator[bytes]:
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _through(layers[1:], piece)


# --- charset ------------------------------------------------------------------


def _parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    media, _, rest = header.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip("\"'").strip()
    return media.strip().lower(), params


def _codec(label: str) -> str | None:
    """The Python codec for a charset label, or None when it names no text encoding."""
    label = label.strip().lower()
    if label in _WINDOWS_1252_ALIASES:
        label = "cp1252"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # bytes-to-bytes codecs (base64, zlib…) are not text encodings.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _charset_name(codec: str) -> str:
    """A readable, stable name for a Python codec: "cp1251" -> "windows-1251"."""
    name = codecs.lookup(codec).name
    if re.fullmatch(r"cp125\d", name):
        return "windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-" + name[3:]
    return name


def _strict(content: bytes, codec: str) -> str | None:
    try:
        return content.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _decode_declared(content: bytes, label: str) -> tuple[str, str] | None:
    """Decode with a declared charset, or None when the declaration is unusable or wrong.

    A page that declares a legacy charset but is valid, non-ASCII UTF-8 is
    decoded as UTF-8: misconfigured servers (Apache's old ISO-8859-1 default)
    make this common, while legacy text that happens to be valid UTF-8 is rare.
    """
    codec = _codec(label)
    if codec is None:
        return None
    if not codec.startswith(("utf-16", "utf-32", "utf-8")) and not content.isascii():
        as_utf8 = _strict(content, "utf-8")
        if as_utf8 is not None:
            return as_utf8, "utf-8"
    text = _strict(content, codec)
    if text is None:
        return None
    return text, _charset_name(codec)


def _sniff_declared(content: bytes, media: str) -> str | None:
    """A charset declared inside the document: XML declaration or HTML ``<meta>``."""
    head = content[:META_SCAN_BYTES]
    xmlish = media in ("", "application/xhtml+xml") or "xml" in media
    if xmlish:
        match = _XML_ENCODING.match(head)
        if match:
            return _ascii_compatible(match.group(1).decode("ascii"))
    if media in _HTML_TYPES or (media == "" and head.lstrip()[:1] == b"<"):
        match = _META_CHARSET.search(head)
        if match:
            return _ascii_compatible(match.group(1).decode("ascii"))
    return None


def _ascii_compatible(label: str) -> str:
    """An in-document UTF-16/32 declaration was readable as ASCII, so it is wrong: use UTF-8."""
    return "utf-8" if label.lower().replace("_", "-").startswith(("utf-16", "utf-32")) else label


def _detect(content: bytes) -> tuple[str, str] | None:
    try:
        best = charset_normalizer.from_bytes(content).best()
    except Exception:  # a third-party guesser: any failure just means "no guess"
        return None
    if best is None or not best.encoding:
        return None
    text = _strict(content, best.encoding)
    if text is None:
        return None
    return text, _charset_name(best.encoding)


# How much of a body is looked at for the NUL pattern of UTF-16/32 text without a BOM.
UNICODE_SNIFF_BYTES = 4096
# Share of the code units, in one byte lane, that must be NUL (and at most how many
# in the others) for bytes to be read as BOM-less UTF-16/32: ASCII-range letters in
# those encodings have NUL high bytes, while no ASCII-compatible text has NULs at all.
_NUL_LANE_SHARE = 0.4
_NUL_OTHER_SHARE = 0.05


def bomless_unicode(data: bytes) -> str | None:
    """The codec of UTF-16 or UTF-32 text saved without a byte-order mark, else None.

    Strict UTF-8 accepts such bytes (NUL is a valid character), so a page in
    Latin script would read as letters with NULs between them, match nothing,
    and be reported compliant. Real text in an ASCII-compatible charset never
    has a NUL in every other (or every fourth) byte.
    """
    sample = data[:UNICODE_SNIFF_BYTES]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    for width, patterns in (
        (4, (((1, 2, 3), (0,), "utf-32-le"), ((0, 1, 2), (3,), "utf-32-be"))),
        (2, (((1,), (0,), "utf-16-le"), ((0,), (1,), "utf-16-be"))),
    ):
        units = len(sample) // width
        if units < 2:
            continue
        lanes = [sample[i : units * width : width].count(0) for i in range(width)]
        for nul_lanes, text_lanes, codec in patterns:
            if all(lanes[i] >= _NUL_LANE_SHARE * units for i in nul_lanes) and all(
                lanes[i] <= _NUL_OTHER_SHARE * units for i in text_lanes
            ):
                return codec
    return None


def decode_body(content: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Decode a body to text, returning ``(text, charset)``; never raises.

    Order: a byte-order mark (it cannot be wrong, so it wins over the header,
    as in browsers), the NUL pattern of UTF-16/32 without a BOM (see
    :func:`bomless_unicode`), the Content-Type charset, an XML declaration or HTML
    ``<meta>`` charset in the first 4 KB, strict UTF-8, charset-normalizer's
    guess, and finally UTF-8 with replacement characters. A declaration that
    fails to decode falls through to the next step instead of producing
    replacement characters.
    """
    for bom, codec, name in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, errors="replace"), name
    unicode_codec = bomless_unicode(content)
    if unicode_codec is not None:  # a header or <meta> saying otherwise cannot be right
        name = unicode_codec[:-3] + unicode_codec[-2:]  # "utf-16-le" -> "utf-16le"
        return content.decode(unicode_codec, errors="replace"), name
    media, params = _parse_content_type(content_type_header)
    declared = params.get("charset")
    if declared:
        decoded = _decode_declared(content, declared)
        if decoded is not None:
            return decoded
    sniffed = _sniff_declared(content, media)
    if sniffed:
        decoded = _decode_declared(content, sniffed)
        if decoded is not None:
            return decoded
    text = _strict(content, "utf-8")
    if text is not None:
        return text, "utf-8"
    detected = _detect(content)
    if detected is not None:
        return detected
    return content.decode("utf-8", errors="replace"), "utf-8"


def _is_text(media: str, content: bytes) -> bool:
    """Whether a body is text worth decoding; binary bodies get no text at all."""
    if not media or media.startswith("text/") or media in _TEXT_APPLICATION_TYPES:
        return True
    if media.endswith(("+xml", "+json")):
        return True
    # Mislabelled markup (HTML served as application/octet-stream) is still markup.
    for bom, _, _ in _BOMS:
        if content.startswith(bom):
            return True
    return content[:256].lstrip()[:1] == b"<"


# --- the fetcher -----------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _size(n: int) -> str:
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    if n % KiB == 0:
        return f"{n // KiB} KiB"
    return f"{n} bytes"


def _reason(status: int, phrase: str) -> str:
    if not phrase:
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
    return f"HTTP {status} {phrase}".rstrip()


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP date), capped."""
    seconds = retry_after_seconds(value)
    return None if seconds is None else min(seconds, RETRY_AFTER_CAP)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP date), never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0)


class _Retry(Exception):
    """A transient failure: try again if attempts and time remain."""

    def __init__(self, problem: str, asked: float | None = None, status: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.asked = asked  # what Retry-After asked for, uncapped
        self.wait = None if asked is None else min(asked, RETRY_AFTER_CAP)
        self.status = status


class _Terminal(Exception):
    """A failure not worth a retry; its message is the problem as users read it."""

    def __init__(self, problem: str, status: int | None = None) -> None:
        super().__init__(problem)
        self.status = status


class _Redirect(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def _validate_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{url}: invalid URL ({_one_line(str(exc))})") from None
    if parsed.scheme not in ("http", "https"):
        scheme = parsed.scheme or "none"
        raise FetchError(f"{url}: unsupported URL scheme {scheme!r} (only http and https)")
    if not parsed.host:
        raise FetchError(f"{url}: invalid URL (no host)")
    return parsed


class Fetcher:
    """One HTTP client shared by every fetch of a run: connection reuse, shared host limits.

    Thread-safe: feeds may be audited from a thread pool; each thread's fetch
    keeps its own deadline, and at most ``max_connections_per_host`` requests
    run against one host at a time.

    ``on_response`` is called once per successful fetch, in the fetching
    thread, after the connection is released, with the :class:`Fetched` and the
    final :class:`RawResponse` (whose ``redirects`` hold the hops before it).
    It must be thread-safe too. What it raises is raised by ``fetch``, so an
    observer that cannot do its job (an evidence file on a full disk) turns
    that fetch into a one-line error instead of a silent gap.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        on_response: ResponseObserver | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._on_response = on_response
        s = self.settings
        self._client = httpx.Client(
            transport=_GuardedTransport(s),
            follow_redirects=False,
            trust_env=False,
            cookies=_NoCookies(),
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.connect_timeout,
            ),
            headers={
                "User-Agent": s.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )
        self._slots: dict[tuple[str, str, int | None], threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        gate: RequestGate | None = None,
    ) -> Fetched:
        """Fetch one URL within the settings' limits, or raise a one-line FetchError.

        ``headers`` are sent on every hop. When they make the request conditional
        (``If-None-Match`` / ``If-Modified-Since``) a 304 answer is what the caller
        hoped for, so it comes back as a Fetched with status 304 and an empty body
        instead of an error: feed audits revalidate items this way.

        ``gate``, when given, is entered around every request this fetch makes
        (the first, each redirect hop, each retry) with the URL requested. Time
        spent waiting in it does not count against the total time-out; a
        :class:`RequestRefused` it raises ends the fetch with a FetchError
        whose ``refused`` is set, before that request is sent.
        """
        extra = dict(headers or {})
        deadline = time.monotonic() + self.settings.total_timeout
        capture: list[RawResponse] | None = [] if self._on_response is not None else None
        token = _DEADLINE.set(deadline)
        capture_token = _CAPTURE.set(capture)
        try:
            fetched = self._fetch(url, deadline, extra, gate)
        finally:
            _CAPTURE.reset(capture_token)
            _DEADLINE.reset(token)
        if self._on_response is not None and capture:
            final = dataclasses.replace(capture[-1], redirects=tuple(capture[:-1]))
            self._on_response(fetched, final)
        return fetched

    def _fetch(
        self,
        url: str,
        deadline: float,
        headers: dict[str, str] | None = None,
        gate: RequestGate | None = None,
    ) -> Fetched:
        s = self.settings
        current = _validate_url(url)
        jar = httpx.Cookies()  # cookies live for one fetch's redirect chain only
        redirects = 0
        attempts = 0
        while True:
            # After a redirect, say where the problem happened.
            where = f" (after redirect to {current})" if redirects else ""
            try:
                if gate is None:
                    return self._attempt(url, current, jar, deadline, headers or {})
                asked = time.monotonic()
                with gate(str(current)):
                    # the wait for a turn is the gate's, not the server's: not timed
                    deadline += time.monotonic() - asked
                    _DEADLINE.set(deadline)
                    return self._attempt(url, current, jar, deadline, headers or {})
            except RequestRefused as exc:
                if redirects:
                    raise FetchError(
                        f"{url}: redirect to {current} refused: {exc}", refused=True
                    ) from None
                raise FetchError(f"{url}: refused: {exc}", refused=True) from None
            except _Redirect as redirect:
                redirects += 1
                if redirects > s.max_redirects:
                    raise FetchError(
                        f"{url}: too many redirects (more than {s.max_redirects})"
                    ) from None
                current = self._follow(url, current, redirect.location)
            except _Retry as retry:
                wait = retry.wait if retry.wait is not None else s.backoff * 2**attempts
                if attempts >= s.retries or time.monotonic() + wait >= deadline:
                    tries = f" (gave up after {attempts + 1} attempts)" if attempts else ""
                    raise FetchError(
                        f"{url}: {retry.problem}{tries}{where}",
                        status=retry.status,
                        transient=True,
                        retry_after=retry.asked,
                    ) from None
                attempts += 1
                time.sleep(wait)
            except _Refused as exc:
                if redirects:
                    raise FetchError(f"{url}: redirect to {current} refused: {exc}") from None
                raise FetchError(f"{url}: refused: {exc}") from None
            except _Terminal as exc:
                raise FetchError(f"{url}: {exc}{where}", status=exc.status) from None
            except _Unresolvable as exc:
                raise FetchError(f"{url}: {exc}{where}") from None
            except httpx.TimeoutException as exc:
                problem = self._timeout_problem(exc, deadline)
                raise FetchError(f"{url}: {problem}{where}") from None
            except httpx.HTTPError as exc:
                problem = _one_line(str(exc)) or type(exc).__name__
                raise FetchError(f"{url}: {problem}{where}") from None

    @staticmethod
    def _follow(url: str, current: httpx.URL, location: str) -> httpx.URL:
        try:
            target = current.join(location)
        except (httpx.InvalidURL, ValueError):
            raise FetchError(f"{url}: invalid redirect location {location!r}") from None
        if target.scheme not in ("http", "https"):
            raise FetchError(
                f"{url}: redirect to {location} refused: unsupported URL scheme {target.scheme!r}"
            )
        if not target.host:
            raise FetchError(f"{url}: invalid redirect location {location!r} (no host)")
        return target

    def _timeout_problem(self, exc: httpx.TimeoutException, deadline: float) -> str:
        s = self.settings
        if isinstance(exc.__cause__, _DeadlineExceeded) or time.monotonic() >= deadline:
            return f"timed out after {s.total_timeout:g} s (total)"
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out after {s.connect_timeout:g} s (connect)"
        if isinstance(exc, httpx.WriteTimeout):
            return f"timed out after {s.read_timeout:g} s (write)"
        if isinstance(exc, httpx.PoolTimeout):
            return f"timed out after {s.connect_timeout:g} s (waiting for a free connection)"
        return f"timed out after {s.read_timeout:g} s (read)"

    def _slot(self, url: httpx.URL) -> threading.BoundedSemaphore:
        key = (url.scheme, url.host, url.port)
        with self._slots_lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = threading.BoundedSemaphore(max(1, self.settings.max_connections_per_host))
                self._slots[key] = slot
            return slot

    def _attempt(
        self,
        url: str,
        current: httpx.URL,
        jar: httpx.Cookies,
        deadline: float,
        headers: dict[str, str],
    ) -> Fetched:
        slot = self._slot(current)
        if not slot.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise _Terminal(
                f"timed out after {self.settings.total_timeout:g} s (total)"
                " waiting for a free connection to this host"
            )
        try:
            request = self._client.build_request("GET", current, headers=headers or None)
            jar.set_cookie_header(request)
            try:
                response = self._client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ReadError, httpx.WriteError) as exc:
                raise _Retry(f"connection failed: {_one_line(str(exc))}") from exc
            except httpx.RemoteProtocolError as exc:
                raise _Retry(f"protocol error: {_one_line(str(exc))}") from exc
            try:
                jar.extract_cookies(response)
                conditional = any(name.lower() in _CONDITIONAL_HEADERS for name in headers)
                return self._handle(url, current, response, deadline, conditional)
            finally:
                response.close()
        finally:
            slot.release()

    def _handle(
        self,
        url: str,
        current: httpx.URL,
        response: httpx.Response,
        deadline: float,
        conditional: bool = False,
    ) -> Fetched:
        status = response.status_code
        problem = _reason(status, response.reason_phrase)
        if status == 304 and conditional:
            _capture(response, b"")
            return Fetched(
                url=url,
                final_url=str(current),
                status=status,
                headers=tuple((k.lower(), v) for k, v in response.headers.multi_items()),
                content=b"",
                content_type="",
                charset=None,
                text="",
                fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location", "").strip()
            if not location:
                raise _Terminal(f"{problem} without a Location header")
            if _CAPTURE.get() is not None:
                _capture(response, *_evidence_body(response))
            raise _Redirect(location)
        if status in RETRY_STATUSES:
            asked = retry_after_seconds(response.headers.get("retry-after"))
            raise _Retry(problem, asked, status)
        if not 200 <= status < 300:
            raise _Terminal(problem, status)
        wire = bytearray() if _CAPTURE.get() is not None else None
        try:
            content = self._read_body(response, deadline, wire)
        except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
            raise _Retry(f"connection broken while reading: {_one_line(str(exc))}") from exc
        content_type = response.headers.get("content-type")
        media, _ = _parse_content_type(content_type)
        text, charset = "", None
        if _is_text(media, content):
            text, charset = decode_body(content, content_type)
        if wire is not None:
            _capture(response, bytes(wire))
        return Fetched(
            url=url,
            final_url=str(current),
            status=status,
            headers=tuple((name.lower(), value) for name, value in response.headers.multi_items()),
            content=content,
            content_type=media,
            charset=charset,
            text=text,
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    def _read_body(
        self, response: httpx.Response, deadline: float, wire: bytearray | None = None
    ) -> bytes:
        """Stream the body, undoing content encodings, within the size cap and the deadline.

        ``wire``, when given, receives the body as received (still content-encoded).
        """
        cap = self.settings.max_bytes
        too_big = f"body larger than {_size(cap)}"
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise _Terminal(f"{too_big} (Content-Length {declared})")
        encoding = response.headers.get("content-encoding", "").strip()
        try:
            decoder = _Decoder(encoding)
        except ValueError as exc:
            raise _Terminal(str(exc)) from None
        body = bytearray()
        received = 0

        def take(pieces: Iterable[bytes]) -> None:
            for piece in pieces:
                if len(body) + len(piece) > cap:
                    raise _Terminal(too_big)
                body.extend(piece)

        try:
            for raw in response.iter_raw(CHUNK):
                if time.monotonic() >= deadline:
                    raise _Terminal(f"timed out after {self.settings.total_timeout:g} s (total)")
                received += len(raw)
                if received > cap:
                    raise _Terminal(too_big)
                if wire is not None:
                    wire.extend(raw)
                take(decoder.feed(raw))
            take(decoder.finish())
        except zlib.error as exc:
            raise _Terminal(f"cannot decode the {encoding} body ({exc})") from None
        return bytes(body)


def _evidence_body(response: httpx.Response) -> tuple[bytes, str | None]:
    """A redirect's body for evidence, and why it is partial (WARC-Truncated), if it is.

    Reading it must never fail the fetch: the redirect is followed whatever happens here.
    """
    body = bytearray()
    try:
        for raw in response.iter_raw(CHUNK):
            body.extend(raw)
            if len(body) > REDIRECT_EVIDENCE_BYTES:
                return bytes(body[:REDIRECT_EVIDENCE_BYTES]), "length"
    except httpx.TimeoutException:
        return bytes(body), "time"
    except httpx.HTTPError:
        return bytes(body), "disconnect"
    return bytes(body), None


def _capture(response: httpx.Response, body: bytes, truncated: str | None = None) -> None:
    """Append this response, as received, to the current fetch's capture (if one is on)."""
    capture = _CAPTURE.get()
    if capture is None:
        return
    peer: str | None = None
    stream = response.extensions.get("network_stream")
    if stream is not None:
        try:
            address = stream.get_extra_info("server_addr")
        except Exception:  # transport-specific: evidence just goes without the address
            address = None
        if isinstance(address, tuple) and address:
            peer = str(address[0])
    capture.append(
        RawResponse(
            url=str(response.url),
            http_version=response.http_version,
            status=response.status_code,
            reason=response.reason_phrase,
            headers=_latin1(response.headers.raw),
            body=body,
            request_headers=_latin1(response.request.headers.raw),
            received_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            peer=peer,
            truncated=truncated,
        )
    )


def _latin1(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Header bytes as text without loss: latin-1 maps every byte to one code point."""
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)


def fetch(url: str, settings: FetchSettings | None = None) -> Fetched:
    """Fetch one URL with a short-lived client; use :class:`Fetcher` for many."""
    with Fetcher(settings) as fetcher:
        return fetcher.fetch(url)


# --- local files -------------------------------------------------------------------


def _open_without_waiting(path: Path) -> IO[bytes]:
    """Open for reading without blocking on a named pipe that has no writer.

    A folder given to ``index add`` can hold a FIFO (or a symlink to one);
    a plain ``open()`` would wait forever for a writer. Opened non-blocking, a
    pipe with no writer reads as empty; blocking is restored at once so a pipe
    that does have a writer (``audit <(curl …)``) is read to its end.
    """
    if not stat.S_ISFIFO(path.stat().st_mode):
        return path.open("rb")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_local(path: str | Path, max_bytes: int) -> bytes:
    """Read a local file, capped at ``max_bytes``; ``.gz`` files are gunzipped (capped too).

    Missing, unreadable or directory paths are bad input (InputError, exit 2);
    a file that is too large or a broken gzip is a target that cannot be
    audited (FetchError): the rest of the run goes on.
    """
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        gzipped = p.suffix.lower() == ".gz"
        if not gzipped and p.stat().st_size > max_bytes:
            raise FetchError(f"{path}: file larger than {_size(max_bytes)}")
        with _open_without_waiting(p) as raw:
            if not gzipped:
                data = raw.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise FetchError(f"{path}: file larger than {_size(max_bytes)}")
                return data
            try:
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    # GzipFile.read(n) returns at most n bytes: a bomb is never inflated.
                    data = unzipped.read(max_bytes + 1)
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise FetchError(f"{path}: not a valid gzip file ({_one_line(str(exc))})") from None
            if len(data) > max_bytes:
                raise FetchError(f"{path}: uncompressed content larger than {_size(max_bytes)}")
            return data
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read: permission denied") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{path}: cannot read: {reason.lower()}") from None
