"""The crawl's parts one by one: pacing, robots.txt, the WordPress API, the frontier, the gate.

Time is only ever bounded from below (a request starts *no sooner* than
allowed), so a slow machine can make these tests slower, never wrong.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reprint_check.crawl.frontier import Frontier
from reprint_check.crawl.journal import Journal, journal_path
from reprint_check.crawl.site import clean_url, feed_links, is_site_root, site_key, url_matches
from reprint_check.crawl.wordpress import (
    Post,
    api_root,
    article_from_post,
    listing_params,
    parse_posts,
    posts_url,
)
from reprint_check.errors import FetchError
from reprint_check.index.base import PageRecord
from reprint_check.page.article import fragment_text
from reprint_check.web.fetch import Fetched, Fetcher, FetchSettings, RequestRefused
from reprint_check.web.pacing import HostPacer, Stopped
from reprint_check.web.robotstxt import AGENT, RobotsCache, parse_robots, read_robots
from tests.localserver import LocalServer


def page(url: str, text: str = "", headers: tuple[tuple[str, str], ...] = ()) -> Fetched:
    return Fetched(url, url, 200, headers, text.encode(), "text/html", "utf-8", text, "")


# --- pacing --------------------------------------------------------------------------------


def test_the_pacer_keeps_requests_in_flight_and_their_starts_apart() -> None:
    pacer = HostPacer(in_flight=2, interval=0.05)
    starts: list[float] = []
    running, most = 0, 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal running, most
        with pacer.turn("publisher.example"):
            with lock:
                starts.append(time.monotonic())
                running += 1
                most = max(most, running)
            time.sleep(0.12)  # slower than the interval: the in-flight cap binds
            with lock:
                running -= 1

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 2
    starts.sort()
    assert all(b - a >= 0.05 - 0.005 for a, b in itertools.pairwise(starts))


def test_a_pause_holds_every_request_to_that_host_and_no_other() -> None:
    pacer = HostPacer(in_flight=2, interval=0.0)
    pacer.pause("slow.example", 0.3)
    begun = time.monotonic()
    with pacer.turn("other.example"):
        other = time.monotonic() - begun
    with pacer.turn("slow.example"):
        slow = time.monotonic() - begun
    assert other < 0.25 <= slow


def test_crawl_delay_only_ever_slows_down_and_a_stop_ends_the_wait() -> None:
    stop = threading.Event()
    pacer = HostPacer(in_flight=1, interval=0.5, stop=stop)
    pacer.set_interval("a.example", 0.1)
    assert pacer.interval_of("a.example") == 0.5  # never below the crawl's own minimum
    pacer.set_interval("a.example", 3.0)
    with pacer.turn("a.example"):
        pass
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(Stopped), pacer.turn("a.example"):
        pass


# --- robots.txt ----------------------------------------------------------------------------


ROBOTS = """
User-agent: *
Disallow: /private/
Crawl-delay: 2

User-agent: reprint-check
Disallow: /drafts/
Crawl-delay: 0.5

Sitemap: https://publisher.example/sitemap_index.xml
"""


def test_our_group_applies_with_its_crawl_delay_and_the_sitemaps_are_read() -> None:
    robots = parse_robots("https://publisher.example", ROBOTS)
    assert not robots.allows("https://publisher.example/drafts/x/")
    assert robots.allows("https://publisher.example/private/x/")  # only * said that
    assert robots.crawl_delay == 0.5
    assert robots.sitemaps == ("https://publisher.example/sitemap_index.xml",)
    assert AGENT == "reprint-check"


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (410, True), (403, True), (429, False), (500, False), (503, False)],
)
def test_an_unavailable_robots_txt_allows_all_and_an_unreachable_one_nothing(
    status: int, allowed: bool
) -> None:
    def answer(url: str) -> Fetched:
        transient = status >= 500 or status == 429
        raise FetchError(f"{url}: HTTP {status}", status=status, transient=transient)

    robots = read_robots("https://publisher.example", answer)
    assert robots.allows("https://publisher.example/2024/story/") is allowed
    assert (robots.problem is None) is allowed


def test_each_origin_is_asked_once_for_its_robots_txt() -> None:
    asked: list[str] = []

    def answer(url: str) -> Fetched:
        asked.append(url)
        return page(url, "User-agent: *\nDisallow: /x/\n")

    cache = RobotsCache(answer)
    for url in ("https://a.example/1", "https://a.example/x/2", "http://a.example/3"):
        cache.allows(url)
    assert not cache.allows("https://a.example/x/9")
    assert asked == ["https://a.example/robots.txt", "http://a.example/robots.txt"]


# --- the WordPress API ---------------------------------------------------------------------


def test_the_api_root_is_announced_in_a_link_header_or_a_link_element() -> None:
    header = page(
        "https://publisher.example/",
        headers=(("link", '<https://publisher.example/wp-json/>; rel="https://api.w.org/"'),),
    )
    element = page(
        "https://publisher.example/story/",
        '<html><head><link rel="https://api.w.org/" href="/index.php?rest_route=/"></head>',
    )
    assert api_root(header) == "https://publisher.example/wp-json/"
    assert api_root(element) == "https://publisher.example/index.php?rest_route=/"
    assert api_root(page("https://publisher.example/", "<html></html>")) is None


def test_posts_urls_for_pretty_and_plain_permalinks() -> None:
    params = listing_params(2, light=True, include=[12, 3])
    assert posts_url("https://p.example/wp-json/", params) == (
        "https://p.example/wp-json/wp/v2/posts?_fields=id%2Clink%2Cmodified_gmt&include=3%2C12"
        "&order=desc&orderby=date&page=2&per_page=100"
    )
    assert posts_url("https://p.example/?rest_route=/", {"page": 1}) == (
        "https://p.example/?rest_route=/wp/v2/posts&page=1"
    )
    since = listing_params(1, light=False, since=datetime(2026, 3, 2, tzinfo=UTC))
    assert since["modified_after"] == "2026-03-01T00:00:00"  # a day's margin for local time


def test_a_listing_page_becomes_posts_and_articles() -> None:
    body = (
        '[{"id": 7, "link": "https://p.example/2026/03/gull-point/", "date_gmt": '
        '"2026-03-01T08:00:00", "modified_gmt": "2026-03-02T09:30:00", "title": {"rendered": '
        '"Gull Point &#8216;votes&#8217; <em>again</em>"}, "content": {"rendered": "<p>The '
        "harbour board met.</p>\\n<figure><img src=x><figcaption>The pier</figcaption></figure>"
        '<p>It voted 5 to 4.</p>", "protected": false}}, {"id": "bad"}, {"id": 8, "link": '
        '"https://p.example/secret/", "content": {"rendered": "", "protected": true}}]'
    )
    listing = page("https://p.example/wp-json/wp/v2/posts", body, (("x-wp-totalpages", "3"),))
    result = parse_posts(listing)
    assert result.pages == 3 and result.total is None
    first, secret = result.posts
    assert first.title == "Gull Point \u2018votes\u2019 again"
    article = article_from_post(first)
    assert article.text == "The harbour board met.\n\nIt voted 5 to 4."  # the caption left out
    assert article.published == "2026-03-01T08:00:00+00:00"
    with pytest.raises(FetchError, match="password-protected"):
        article_from_post(secret)
    with pytest.raises(FetchError, match="no article text"):
        article_from_post(Post(9, "https://p.example/empty/", None, content="<p> </p>"))
    with pytest.raises(FetchError, match="not a WordPress posts listing"):
        parse_posts(page("https://p.example/wp-json/wp/v2/posts", '{"code": "rest_forbidden"}'))


def test_fragment_text_keeps_every_block_of_the_body_but_figures() -> None:
    markup = (
        "<h2>What happened</h2><p>One &amp; two.</p><ul><li>three</li></ul>"
        '<figure class="wp-block-image"><figcaption>A caption</figcaption></figure>'
        '<blockquote><p>"Four," she said.</p></blockquote>'
    )
    assert fragment_text(markup) == 'What happened\n\nOne & two.\n\nthree\n\n"Four," she said.'


# --- the frontier and small helpers -----------------------------------------------------


def test_the_frontier_merges_listings_and_plans_newest_first() -> None:
    record = PageRecord("https://p.example/a/", "https://p.example", "indexed", "html", "t", "d1")
    with Frontier() as frontier:
        frontier.add("https://p.example/a/", lastmod="2026-01-01T00:00:00Z")
        frontier.add("https://www.p.example/a/?utm_source=rss", published="2026-02-01T00:00:00Z")
        frontier.add("https://p.example/b/")
        frontier.add("https://p.example/c/", lastmod="2026-03-01T00:00:00Z")
        assert frontier.load_known([(record, True)]) == 1
        found = list(frontier.found())
        assert frontier.count() == 3
        assert [f.url for f in found] == [
            "https://p.example/c/",
            "https://p.example/a/",  # the first spelling is kept; both dates merged
            "https://p.example/b/",
        ]
        assert (found[1].lastmod, found[1].published) == (
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
        )
        assert found[1].known == record and found[1].stored
        assert list(frontier.absent()) == []
        unlisted = dataclasses.replace(record, url="https://p.example/z/")
        frontier.load_known([(unlisted, True)])
        assert list(frontier.absent()) == [(unlisted, True)]


def test_the_journal_keeps_answers_by_crawl_until_forgotten_and_goes_when_empty(
    tmp_path: Path,
) -> None:
    index = str(tmp_path / "i.sqlite")
    path = journal_path(index)
    assert path == tmp_path / "i.sqlite.crawl-journal"
    assert journal_path(":memory:") is None
    pg = journal_path("postgresql://crawler:secret@db.example/archive")
    assert pg is not None and "secret" not in str(pg) and pg.suffix == ".sqlite"
    site, other = "https://a.example", "https://b.example"
    with Journal(path) as journal:
        journal.write(site, "T1", [("https://a.example/one/?utm_source=x", b"1")])
        journal.write(site, "T1", [("https://a.example/two/", b"2"), ("https://a.example/3", b"3")])
        journal.write(other, "T9", [("https://b.example/x/", b"x")])
        assert list(journal.entries(site, "T1")) == [b"1", b"2", b"3"]  # as they arrived
        # keyed by canonical URL: tracking parameters, www. and the last slash do not count
        assert journal.keys(site, "T1") == {
            "https://a.example/one", "https://a.example/two", "https://a.example/3"
        }  # fmt: skip
        journal.forget(site, ["https://www.a.example/two/"])  # any address of the page
        assert list(journal.entries(site, "T1")) == [b"1", b"3"]
        assert journal.clear(site, keep_crawl="T2") == 2  # stale: another crawl's
        assert list(journal.entries(other, "T9")) == [b"x"]
    assert path.exists()  # something left: kept for the crawl that resumes
    with Journal(path) as journal:
        assert list(journal.entries(other, "T9")) == [b"x"]  # it survived the close
        journal.clear(other)
    assert not path.exists() and not Path(f"{path}-wal").exists()


def test_site_keys_urls_and_patterns() -> None:
    assert site_key("http://www.Publisher.example/2026/x/") == "https://publisher.example"
    assert site_key("http://127.0.0.1:8080/") == "https://127.0.0.1:8080"
    assert is_site_root("https://p.example") and is_site_root("https://p.example/")
    assert not is_site_root("https://p.example/sitemap.xml")
    assert clean_url("http://p.example/a/?utm_source=rss&id=3#top") == "http://p.example/a/?id=3"
    assert url_matches("/2024/*", "https://p.example/2024/05/story/")
    assert not url_matches("/2024/*", "https://p.example/news/2024/")
    assert url_matches("https://p.example/news/*", "https://p.example/news/a/")
    home = page(
        "https://p.example/",
        '<link rel="alternate" type="application/rss+xml" href="/feed/">'
        '<link rel="alternate" type="text/html" href="/fr/">'
        "<link rel='alternate' type='application/atom+xml' href='https://p.example/atom'>",
    )
    assert feed_links(home) == ["https://p.example/feed/", "https://p.example/atom"]


# --- the fetcher's gate and its errors ---------------------------------------------------


def test_the_gate_sees_every_hop_and_can_refuse_one_before_it_is_sent() -> None:
    seen: list[str] = []

    def gate(url: str):
        import contextlib

        @contextlib.contextmanager
        def turn():
            seen.append(url)
            if url.endswith("/forbidden"):
                raise RequestRefused("robots.txt disallows it")
            yield

        return turn()

    with LocalServer() as server:
        server.reply("/a", b"", 301, [("Location", "/b")])
        server.reply("/b", b"<p>b</p>")
        server.reply("/c", b"", 302, [("Location", "/forbidden")])
        with Fetcher(FetchSettings(allow_private=True)) as fetcher:
            assert fetcher.fetch(server.url("/a"), gate=gate).final_url == server.url("/b")
            with pytest.raises(FetchError, match=r"redirect to .* refused: robots\.txt") as err:
                fetcher.fetch(server.url("/c"), gate=gate)
    assert err.value.refused
    assert seen == [server.url(p) for p in ("/a", "/b", "/c", "/forbidden")]
    assert server.hits["/forbidden"] == 0


def test_fetch_errors_carry_the_status_and_the_whole_retry_after() -> None:
    with LocalServer() as server:
        server.reply("/gone", b"", 410)
        server.reply("/busy", b"", 429, [("Retry-After", "120")])
        with Fetcher(FetchSettings(allow_private=True, retries=0)) as fetcher:
            with pytest.raises(FetchError) as gone:
                fetcher.fetch(server.url("/gone"))
            with pytest.raises(FetchError) as busy:
                fetcher.fetch(server.url("/busy"))
    assert (gone.value.status, gone.value.transient) == (410, False)
    assert (busy.value.status, busy.value.transient, busy.value.retry_after) == (429, True, 120.0)


def test_a_crawl_begun_in_the_second_the_last_one_ended_starts_after_it() -> None:
    # Times are kept to the second: a crawl dated the second its predecessor ended
    # would, once killed and resumed, take that crawl's last checks for its own.
    from reprint_check.crawl.site import _after, _now

    ended = _now()
    started = _after(ended)

    assert started > ended
    assert _after("1999-01-01T00:00:00Z") >= ended  # a moment long past: no wait
