"""Fetching against a real HTTP server on 127.0.0.1: limits, guard, retries, charsets.

No traffic ever leaves the machine: addresses other than loopback are only
checked by the guard (which refuses them before any socket exists), and the
tests that redirect to them also trip a sentinel if a connection were tried.
"""

from __future__ import annotations

import codecs
import gzip
import re
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpcore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reprint_check.web.fetch as fetch_mod
from reprint_check.errors import FetchError, InputError
from reprint_check.web.fetch import (
    DEFAULT_USER_AGENT,
    Fetched,
    Fetcher,
    FetchSettings,
    MiB,
    address_problem,
    decode_body,
    fetch,
    read_local,
)
from tests.localserver import LocalServer, send, send_chunked

# A fictional news item, long enough for charset detection to be sure of it.
STORY_RU = (
    "Редакция нашего вымышленного издания сообщает, что утренний паром до острова "
    "Ясеневый отменён из-за тумана. Жители посёлка собрались на пристани и обсуждали, "
    "когда погода наконец позволит судну выйти в море. Капитан обещал вернуться к полудню."
)
HTML_RU = f"<html><head><title>Паром</title></head><body><p>{STORY_RU}</p></body></html>"


def quick(**overrides: Any) -> FetchSettings:
    """Settings for tests: loopback allowed, short time-outs, near-instant back-off."""
    values: dict[str, Any] = {
        "allow_private": True,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "backoff": 0.01,
    }
    values.update(overrides)
    return FetchSettings(**values)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def error_of(url: str, settings: FetchSettings | None = None) -> str:
    with pytest.raises(FetchError) as info:
        fetch(url, settings or quick())
    message = str(info.value)
    assert "\n" not in message
    return message


@cache
def zeros_gzip(mebibytes: int) -> bytes:
    """gzip of ``mebibytes`` MiB of zero bytes, built without holding them in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    parts = [packer.compress(block) for _ in range(mebibytes)]
    parts.append(packer.flush())
    return b"".join(parts)


# --- successful fetches -----------------------------------------------------------


def test_html_with_header_charset(server: LocalServer) -> None:
    body = HTML_RU.encode("koi8-r")
    server.reply("/story", body, headers=[("Content-Type", "text/html; charset=KOI8-R")])
    url = server.url("/story")

    got = fetch(url, quick())

    assert isinstance(got, Fetched)
    assert (got.url, got.final_url, got.status) == (url, url, 200)
    assert got.content == body
    assert got.content_type == "text/html"
    assert got.charset == "koi8-r"
    assert got.text == HTML_RU
    assert ("content-type", "text/html; charset=KOI8-R") in got.headers
    assert ("content-length", str(len(body))) in got.headers
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got.fetched_at)


def test_meta_charset_windows_1251(server: LocalServer) -> None:
    page = f'<html><head><meta charset="windows-1251"></head><body><p>{STORY_RU}</p></body></html>'
    server.reply("/meta", page.encode("cp1251"), headers=[("Content-Type", "text/html")])

    got = fetch(server.url("/meta"), quick())

    assert got.charset == "windows-1251"
    assert got.text == page


def test_wrong_charset_declaration_falls_back_to_detection(server: LocalServer) -> None:
    server.reply(
        "/liar",
        HTML_RU.encode("cp1251"),
        headers=[("Content-Type", "text/html; charset=utf-8")],
    )

    got = fetch(server.url("/liar"), quick())

    assert got.charset == "windows-1251"
    assert got.text == HTML_RU


def test_sends_user_agent_and_only_encodings_it_can_bound(server: LocalServer) -> None:
    server.reply("/hello", b"hi")

    fetch(server.url("/hello"), quick())

    _, headers = server.requests[0]
    assert headers["user-agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("reprint-check/0.1.0 (+https://github.com/")
    assert headers["accept-encoding"] == "gzip, deflate"


def test_binary_body_has_no_text(server: LocalServer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    server.reply("/logo.png", png, headers=[("Content-Type", "image/png")])

    got = fetch(server.url("/logo.png"), quick())

    assert (got.content, got.content_type, got.charset, got.text) == (png, "image/png", None, "")


def test_markup_served_as_octet_stream_is_still_decoded(server: LocalServer) -> None:
    server.reply(
        "/odd", b"<p>caf\xc3\xa9</p>", headers=[("Content-Type", "application/octet-stream")]
    )

    got = fetch(server.url("/odd"), quick())

    assert (got.text, got.charset) == ("<p>café</p>", "utf-8")


# --- content encodings and size caps ----------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as IIS sends
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("identity", lambda data: data),
    ],
)
def test_content_encodings_are_undone(server: LocalServer, encoding: str, pack: Any) -> None:
    body = HTML_RU.encode("utf-8")
    server.reply(
        "/packed",
        pack(body),
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", encoding)],
    )

    got = fetch(server.url("/packed"), quick())

    assert got.content == body
    assert got.text == HTML_RU


def test_multi_member_gzip(server: LocalServer) -> None:
    packed = gzip.compress(b"first half, ") + gzip.compress(b"second half")
    server.reply("/members", packed, headers=[("Content-Encoding", "gzip")])

    assert fetch(server.url("/members"), quick()).content == b"first half, second half"


def test_gzip_bomb_is_stopped_at_the_cap_without_inflating(server: LocalServer) -> None:
    bomb = zeros_gzip(64)  # about 64 KiB on the wire, 64 MiB decoded
    assert len(bomb) < MiB
    server.reply("/bomb", bomb, headers=[("Content-Encoding", "gzip")])
    url = server.url("/bomb")

    with Fetcher(quick(max_bytes=MiB)) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as info:
                fetcher.fetch(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert str(info.value) == f"{url}: body larger than 1 MiB"
    assert peak < 8 * MiB


def test_nested_gzip_bomb_is_bounded_too(server: LocalServer) -> None:
    bomb = gzip.compress(zeros_gzip(64))  # a few KiB that would become 64 MiB
    server.reply("/bomb2", bomb, headers=[("Content-Encoding", "gzip, gzip")])
    url = server.url("/bomb2")

    with Fetcher(quick(max_bytes=MiB)) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as info:
                fetcher.fetch(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert str(info.value) == f"{url}: body larger than 1 MiB"
    assert peak < 8 * MiB


def test_body_over_the_cap(server: LocalServer) -> None:
    block = b"x" * (64 * 1024)
    server.route("/big", lambda h, _n: send_chunked(h, [block] * 40))  # 2.5 MiB, no length given
    url = server.url("/big")

    assert error_of(url, quick(max_bytes=MiB)) == f"{url}: body larger than 1 MiB"


def test_body_exactly_at_the_cap_is_kept(server: LocalServer) -> None:
    server.route("/full", lambda h, _n: send_chunked(h, [b"y" * 1000] * 3))

    assert len(fetch(server.url("/full"), quick(max_bytes=3000)).content) == 3000


def test_content_length_over_the_cap_fails_before_reading(server: LocalServer) -> None:
    def huge(handler: BaseHTTPRequestHandler, _number: int) -> None:
        send(handler, 200, b"a few bytes", [("Content-Length", str(10 * 1024**3))])
        server.stopping.wait(5)  # then hang: only an early refusal avoids the read time-out

    server.route("/huge", huge)
    url = server.url("/huge")

    message = error_of(url, quick(max_bytes=MiB, read_timeout=30, total_timeout=30))

    assert message == f"{url}: body larger than 1 MiB (Content-Length 10737418240)"


def test_unsupported_content_encoding(server: LocalServer) -> None:
    server.reply("/br", b"\x0b\x02\x80hello\x03", headers=[("Content-Encoding", "br")])
    url = server.url("/br")

    assert error_of(url) == f"{url}: unsupported Content-Encoding 'br'"


def test_corrupt_gzip(server: LocalServer) -> None:
    server.reply(
        "/broken", b"\x1f\x8b\x08\x00garbage-garbage", headers=[("Content-Encoding", "gzip")]
    )
    url = server.url("/broken")

    assert error_of(url).startswith(f"{url}: cannot decode the gzip body (")


# --- time limits -----------------------------------------------------------------------


def test_read_timeout(server: LocalServer) -> None:
    def silent(handler: BaseHTTPRequestHandler, _number: int) -> None:
        server.stopping.wait(3)

    server.route("/slow", silent)
    url = server.url("/slow")

    assert error_of(url, quick(read_timeout=0.5)) == f"{url}: timed out after 0.5 s (read)"
    assert server.hits["/slow"] == 1  # a time-out is not retried


def test_slowloris_body_hits_the_total_deadline(server: LocalServer) -> None:
    def dribble(handler: BaseHTTPRequestHandler, _number: int) -> None:
        send(handler, 200, b"", [("Content-Length", "1000")])
        while not server.stopping.wait(0.1):
            handler.wfile.write(b"z")
            handler.wfile.flush()

    server.route("/drip", dribble)
    url = server.url("/drip")

    message = error_of(url, quick(read_timeout=0.5, total_timeout=1.0))

    assert message == f"{url}: timed out after 1 s (total)"


def test_slowloris_headers_hit_the_total_deadline(server: LocalServer) -> None:
    def dribble_headers(handler: BaseHTTPRequestHandler, _number: int) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        while not server.stopping.wait(0.1):
            handler.wfile.write(b"a")
            handler.wfile.flush()

    server.route("/drip-headers", dribble_headers)
    url = server.url("/drip-headers")

    message = error_of(url, quick(read_timeout=0.5, total_timeout=1.0))

    assert message == f"{url}: timed out after 1 s (total)"


# --- retries ----------------------------------------------------------------------------


def test_500_then_success_is_retried(server: LocalServer) -> None:
    def flaky(handler: BaseHTTPRequestHandler, number: int) -> None:
        if number == 1:
            send(handler, 500, b"oops")
        else:
            send(handler, 200, b"fine", [("Content-Type", "text/plain")])

    server.route("/flaky", flaky)

    got = fetch(server.url("/flaky"), quick())

    assert (got.status, got.text) == (200, "fine")
    assert server.hits["/flaky"] == 2


def test_429_with_retry_after_zero_then_success(server: LocalServer) -> None:
    def throttled(handler: BaseHTTPRequestHandler, number: int) -> None:
        if number == 1:
            send(handler, 429, b"slow down", [("Retry-After", "0")])
        else:
            send(handler, 200, b"ok")

    server.route("/throttled", throttled)

    assert fetch(server.url("/throttled"), quick(backoff=30.0)).content == b"ok"
    assert server.hits["/throttled"] == 2


def test_retry_after_as_http_date(server: LocalServer) -> None:
    def busy(handler: BaseHTTPRequestHandler, number: int) -> None:
        if number == 1:
            send(handler, 503, b"", [("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")])
        else:
            send(handler, 200, b"ok")

    server.route("/busy", busy)

    assert fetch(server.url("/busy"), quick(backoff=30.0)).content == b"ok"


def test_retries_give_up(server: LocalServer) -> None:
    server.reply("/down", b"", status=503)
    url = server.url("/down")

    message = error_of(url, quick(retries=2))

    assert message == f"{url}: HTTP 503 Service Unavailable (gave up after 3 attempts)"
    assert server.hits["/down"] == 3


def test_no_retries_when_settings_say_none(server: LocalServer) -> None:
    server.reply("/down", b"", status=502)
    url = server.url("/down")

    assert error_of(url, quick(retries=0)) == f"{url}: HTTP 502 Bad Gateway"
    assert server.hits["/down"] == 1


def test_server_hanging_up_is_retried(server: LocalServer) -> None:
    def rude(handler: BaseHTTPRequestHandler, number: int) -> None:
        if number == 1:
            handler.close_connection = True  # no response at all
        else:
            send(handler, 200, b"back")

    server.route("/rude", rude)

    assert fetch(server.url("/rude"), quick()).content == b"back"


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"

    message = error_of(url)

    assert message.startswith(f"{url}: connection failed: ")
    assert message.endswith(" (gave up after 3 attempts)")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("0", 0.0), ("2", 2.0), ("3600", 5.0), ("soon", None), (None, None)],
)
def test_retry_after_parsing_is_capped(header: str | None, expected: float | None) -> None:
    assert fetch_mod._retry_after(header) == expected


# --- errors and redirects -----------------------------------------------------------------


def test_404(server: LocalServer) -> None:
    url = server.url("/gone")

    assert error_of(url) == f"{url}: HTTP 404 Not Found"
    assert server.hits["/gone"] == 1


def test_redirect_chain(server: LocalServer) -> None:
    server.reply("/a", status=301, headers=[("Location", "/b")])
    server.reply("/b", status=302, headers=[("Location", server.url("/c?x=1"))])
    server.reply("/c", status=307, headers=[("Location", "d")])
    server.reply("/d", b"arrived", headers=[("Content-Type", "text/plain")])
    url = server.url("/a")

    got = fetch(url, quick())

    assert (got.url, got.final_url, got.text) == (url, server.url("/d"), "arrived")


def test_redirect_loop(server: LocalServer) -> None:
    server.reply("/loop", status=302, headers=[("Location", "/loop")])
    url = server.url("/loop")

    assert error_of(url, quick(max_redirects=5)) == f"{url}: too many redirects (more than 5)"
    assert server.hits["/loop"] == 6


def test_error_after_a_redirect_names_the_hop(server: LocalServer) -> None:
    server.reply("/moved", status=301, headers=[("Location", "/missing")])
    url = server.url("/moved")

    assert (
        error_of(url) == f"{url}: HTTP 404 Not Found (after redirect to {server.url('/missing')})"
    )


def test_redirect_without_location(server: LocalServer) -> None:
    server.reply("/nowhere", status=302)
    url = server.url("/nowhere")

    assert error_of(url) == f"{url}: HTTP 302 Found without a Location header"


def test_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    server.reply("/ftp", status=302, headers=[("Location", "file:///etc/passwd")])
    url = server.url("/ftp")

    assert (
        error_of(url)
        == f"{url}: redirect to file:///etc/passwd refused: unsupported URL scheme 'file'"
    )


def test_cookies_follow_the_redirect_chain_but_not_the_next_fetch(server: LocalServer) -> None:
    server.reply(
        "/login", status=302, headers=[("Location", "/wall"), ("Set-Cookie", "seen=1; Path=/")]
    )
    server.reply("/wall", b"in")

    with Fetcher(quick()) as fetcher:
        fetcher.fetch(server.url("/login"))
        fetcher.fetch(server.url("/wall"))

    cookies = [headers.get("cookie") for path, headers in server.requests if path == "/wall"]
    assert cookies == ["seen=1", None]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "ftp://example.invalid/x",
            "ftp://example.invalid/x: unsupported URL scheme 'ftp' (only http and https)",
        ),
        ("not a url", "not a url: unsupported URL scheme 'none' (only http and https)"),
        ("http:///path", "http:///path: invalid URL (no host)"),
    ],
)
def test_unusable_urls(url: str, expected: str) -> None:
    assert error_of(url) == expected


def test_host_limit_serialises_requests_to_one_host(server: LocalServer) -> None:
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most seen

    def counted(handler: BaseHTTPRequestHandler, _number: int) -> None:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        server.stopping.wait(0.2)
        with lock:
            in_flight[0] -= 1
        send(handler, 200, b"ok")

    server.route("/one-at-a-time", counted)
    with Fetcher(quick(max_connections_per_host=1)) as fetcher:
        workers = [
            threading.Thread(target=fetcher.fetch, args=(server.url("/one-at-a-time"),))
            for _ in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    assert server.hits["/one-at-a-time"] == 3
    assert in_flight[1] == 1


# --- address guard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "a non-public address"),  # carrier-grade NAT
        ("2002:7f00:1::", "a loopback address"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", "a private address"),  # NAT64 wrapping 10.0.0.1
        ("example.com", "not an IP address"),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:93.184.215.14", None),
    ],
)
def test_address_problem(address: str, problem: str | None) -> None:
    assert address_problem(address) == problem


def test_guard_refuses_loopback_without_sending_anything(server: LocalServer) -> None:
    server.reply("/page", b"secret")
    url = server.url("/page")

    message = error_of(url, quick(allow_private=False))

    assert (
        message == f"{url}: refused: 127.0.0.1 is a loopback address (use --allow-private to allow)"
    )
    assert server.hits["/page"] == 0


def test_guard_refuses_a_name_that_resolves_to_loopback(server: LocalServer) -> None:
    url = f"http://localhost:{server.port}/page"

    message = error_of(url, quick(allow_private=False))

    assert re.fullmatch(
        re.escape(f"{url}: refused: localhost resolves to ")
        + r"(127\.0\.0\.1|::1), a loopback address \(use --allow-private to allow\)",
        message,
    )
    assert server.hits["/page"] == 0


def test_guard_off_allows_loopback(server: LocalServer) -> None:
    server.reply("/page", b"ok")

    assert fetch(server.url("/page"), quick(allow_private=True)).content == b"ok"


@pytest.fixture
def loopback_only_sentinel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the guard pass 127.0.0.1 only, and fail the test if anything else is dialled."""
    real_problem = fetch_mod.address_problem
    real_connect = httpcore.SyncBackend.connect_tcp

    def problem(address: str) -> str | None:
        return None if address == "127.0.0.1" else real_problem(address)

    def connect(self: Any, host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "127.0.0.1":
            raise AssertionError(f"the test tried to connect to {host}")
        return real_connect(self, host, *args, **kwargs)

    monkeypatch.setattr(fetch_mod, "address_problem", problem)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect)


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://[::1]:{port}/x", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/x", "::ffff:127.0.0.1 is a loopback address"),
        ("http://10.0.0.1/x", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ],
)
@pytest.mark.usefixtures("loopback_only_sentinel")
def test_guard_checks_every_redirect(server: LocalServer, location: str, reason: str) -> None:
    target = location.format(port=server.port)
    server.reply("/start", status=302, headers=[("Location", target)])
    url = server.url("/start")

    message = error_of(url, quick(allow_private=False))

    assert (
        message == f"{url}: redirect to {target} refused: {reason} (use --allow-private to allow)"
    )


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer look-ups for made-up names; returns the log of names looked up."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host in answers:
            asked.append(host)
            return [
                (
                    socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (ip, port),
                )
                for ip in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_guard_refuses_a_name_with_any_private_address(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"partner.test": ["93.184.215.14", "10.1.2.3"]})
    url = "http://partner.test/feed"

    message = error_of(url, quick(allow_private=False))

    assert message == (
        f"{url}: refused: partner.test resolves to 10.1.2.3, a private address"
        " (use --allow-private to allow)"
    )


def test_connects_to_the_address_it_checked(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once and the checked address is dialled: no rebinding window."""
    asked = fake_dns(monkeypatch, {"site.test": ["127.0.0.1"]})
    server.reply("/page", b"ok")

    got = fetch(f"http://site.test:{server.port}/page", quick())

    assert got.content == b"ok"
    assert asked == ["site.test"]
    assert server.requests[0][1]["host"] == f"site.test:{server.port}"


def test_unresolvable_host_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def nxdomain(host: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)
    url = "http://nowhere.test/"

    assert (
        error_of(url)
        == f"{url}: cannot resolve host nowhere.test ([Errno -2] Name or service not known)"
    )
    assert calls == ["nowhere.test"]


# --- decode_body -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "header", "expected"),
    [
        (codecs.BOM_UTF8 + "café".encode(), None, ("café", "utf-8")),
        # A byte-order mark cannot be wrong, so it wins over the header (as in browsers).
        (codecs.BOM_UTF8 + "café".encode(), "text/html; charset=iso-8859-1", ("café", "utf-8")),
        (codecs.BOM_UTF16_LE + "Привет".encode("utf-16-le"), None, ("Привет", "utf-16le")),
        (codecs.BOM_UTF16_BE + "Привет".encode("utf-16-be"), "text/plain", ("Привет", "utf-16be")),
        (codecs.BOM_UTF32_LE + "Привет".encode("utf-32-le"), None, ("Привет", "utf-32le")),
        ("Привет".encode("koi8-r"), 'text/plain; charset="KOI8-R"', ("Привет", "koi8-r")),
        ("naïve".encode(), "text/plain;charset=UTF-8", ("naïve", "utf-8")),
        # Browsers read latin-1 labels as windows-1252: 0x93/0x94 are curly quotes.
        (b"\x93quoted\x94", "text/html; charset=ISO-8859-1", ("“quoted”", "windows-1252")),
        # A legacy label on valid non-ASCII UTF-8 is a mislabelled server.
        ("café".encode(), "text/html; charset=iso-8859-1", ("café", "utf-8")),
        # Unknown or non-text labels are ignored.
        ("café".encode(), "text/html; charset=x-nonsense", ("café", "utf-8")),
        ("café".encode(), "text/html; charset=base64", ("café", "utf-8")),
        (b"", None, ("", "utf-8")),
    ],
)
def test_decode_body(content: bytes, header: str | None, expected: tuple[str, str]) -> None:
    assert decode_body(content, header) == expected


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="windows-1251">',
        "<meta charset=windows-1251>",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1251">',
    ],
)
def test_meta_charset_forms(head: str) -> None:
    page = f"<html><head>{head}</head><body>Паром отменён</body></html>"

    assert decode_body(page.encode("cp1251"), "text/html") == (page, "windows-1251")
    assert decode_body(page.encode("cp1251"), None) == (page, "windows-1251")


def test_meta_charset_only_counts_in_the_first_4_kb() -> None:
    page = "<html><body>" + "x" * 5000 + '<meta charset="koi8-r"><p>Паром отменён</p></body></html>'

    assert decode_body(page.encode("utf-8"), "text/html") == (page, "utf-8")


def test_meta_claiming_utf16_on_ascii_bytes_means_utf8() -> None:
    page = '<meta charset="utf-16"><p>café</p>'

    assert decode_body(page.encode(), "text/html") == (page, "utf-8")


def test_xml_declaration_charset() -> None:
    feed = '<?xml version="1.0" encoding="windows-1251"?><rss><title>Паром</title></rss>'

    assert decode_body(feed.encode("cp1251"), "application/rss+xml") == (feed, "windows-1251")


def test_wrong_declaration_does_not_crash_or_garble() -> None:
    assert decode_body(HTML_RU.encode("cp1251"), "text/html; charset=utf-8") == (
        HTML_RU,
        "windows-1251",
    )


def test_invalid_bytes_never_raise() -> None:
    text, charset = decode_body(b"abc\xff\xfe\xfd\x80", "text/html; charset=utf-8")

    assert text.startswith("abc")
    assert isinstance(charset, str)


@settings(max_examples=150, deadline=None)
@given(
    content=st.binary(max_size=300),
    header=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "text/html",
                "text/html; charset=utf-8",
                "text/html; charset=utf-16",
                "text/plain; charset=shift_jis",
                "text/html; charset=",
                "text/html; charset=rot13",
                "application/xml; charset=utf-32",
                ";;;=",
            ]
        ),
        st.text(max_size=40),
    ),
)
def test_decode_body_never_raises(content: bytes, header: str | None) -> None:
    text, charset = decode_body(content, header)

    assert isinstance(text, str)
    assert charset


# Text with NUL characters is left out: UTF-8 text whose NULs fall in every other byte is
# byte for byte the UTF-16 encoding of other text, and bomless_unicode reads it as UTF-16 on
# purpose (no real page has NULs), whatever the header says.
@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200))
def test_declared_utf8_round_trips(text: str) -> None:
    assert decode_body(text.encode("utf-8"), "text/html; charset=utf-8") == (
        text.removeprefix("\ufeff"),
        "utf-8",
    )


# --- read_local --------------------------------------------------------------------------


def test_read_local_plain(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>hello</p>")

    assert read_local(page, 100) == b"<p>hello</p>"
    assert read_local(str(page), 12) == b"<p>hello</p>"


def test_read_local_too_large(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"x" * 2048)

    with pytest.raises(FetchError) as info:
        read_local(page, 1024)

    assert str(info.value) == f"{page}: file larger than 1 KiB"


def test_read_local_gunzips(tmp_path: Path) -> None:
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(b"<p>hello</p>"))

    assert read_local(packed, 100) == b"<p>hello</p>"


def test_read_local_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.GZ"
    bomb.write_bytes(zeros_gzip(64))

    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as info:
            read_local(bomb, MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert str(info.value) == f"{bomb}: uncompressed content larger than 1 MiB"
    assert peak < 8 * MiB


def test_read_local_corrupt_gzip(tmp_path: Path) -> None:
    broken = tmp_path / "page.html.gz"
    broken.write_bytes(b"not gzip at all")

    with pytest.raises(FetchError) as info:
        read_local(broken, 100)

    assert str(info.value).startswith(f"{broken}: not a valid gzip file (")


def test_read_local_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"

    with pytest.raises(InputError) as info:
        read_local(missing, 100)

    assert str(info.value) == f"{missing}: no such file"


def test_read_local_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_local(tmp_path, 100)

    assert str(info.value) == f"{tmp_path}: is a directory, not a file"


def test_read_local_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.html"
    locked.write_bytes(b"x")

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)  # file modes do not stop root, so fake it

    with pytest.raises(InputError) as info:
        read_local(locked, 100)

    assert str(info.value) == f"{locked}: cannot read: permission denied"


def test_settings_defaults() -> None:
    s = FetchSettings()

    assert (s.connect_timeout, s.read_timeout, s.total_timeout) == (10.0, 20.0, 60.0)
    assert (s.max_bytes, s.max_redirects, s.retries) == (20 * MiB, 5, 2)
    assert (s.allow_private, s.max_connections_per_host) == (False, 4)
