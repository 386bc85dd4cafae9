"""Feeds and sitemaps as audit targets: every format, selection, state, and hostile servers.

The fixtures are short fictional stories about the Harbourside Courier's town,
written for these tests. RSS, Atom and RDF cases run through both readers
(feedparser and the lxml streaming reader used for very large feeds) and must
give the same items.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reprint_check.errors import FetchError, InputError
from reprint_check.feedrun import FeedState, item_page
from reprint_check.models import TargetResult
from reprint_check.web.feeds import FeedError, FeedItem, is_full_text, parse_feed, read_feed
from reprint_check.web.fetch import Fetcher, FetchSettings
from tests.localserver import LocalServer, send

# --- fictional fixtures -----------------------------------------------------------------

FERRY = [
    "The morning ferry to Gull Island was cancelled on Tuesday after fog rolled in "
    "over the harbour mouth, leaving forty commuters waiting on the quay.",
    "Captain Idris Vale said the crossing would resume once the lighthouse keeper "
    "confirmed a visibility of at least one nautical mile from the breakwater.",
    "Shopkeepers on Rope Street offered tea to the stranded passengers, and the "
    "harbour master promised a second sailing before the evening tide turned.",
    "By noon the fog had thinned, and the ferry left the quay to a round of applause "
    "from the small crowd that had gathered beside the old fish market.",
]
FERRY_HTML = "".join(f"<p>{p}</p>" for p in FERRY)
TEASER = "Fog cancels the Gull Island ferry; commuters stranded on the quay."

XMLNS_CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'


def rss(items: str, *, extra_ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {XMLNS_CONTENT} {extra_ns}>'
        f"<channel><title>Harbourside Partner</title><link>https://partner.example/</link>"
        f"{items}</channel></rss>"
    ).encode()


RSS_FULL = rss(
    f"""<item><title>Fog &amp; ferries</title><link>/news/ferry</link>
    <guid isPermaLink="false">partner-1</guid>
    <pubDate>Tue, 02 Apr 2024 09:30:00 +0200</pubDate>
    <description>{TEASER}</description>
    <content:encoded><![CDATA[{FERRY_HTML}]]></content:encoded></item>
    <item><title>Market day</title><link>https://partner.example/news/market</link>
    <guid>https://partner.example/news/market</guid>
    <pubDate>Mon, 01 Apr 2024 08:00:00 GMT</pubDate>
    <description>Stalls return to the square on Saturday. Read more</description></item>"""
)

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Harbourside Atom</title>
<link href="https://partner.example/"/>
<entry><title type="html">Fog &amp;amp; ferries</title>
  <link rel="alternate" href="https://partner.example/atom/ferry"/>
  <link rel="edit" href="https://partner.example/edit/1"/>
  <id>tag:partner.example,2024:1</id>
  <published>2024-04-02T07:30:00Z</published><updated>2024-04-03T10:00:00+01:00</updated>
  <summary>{TEASER}</summary>
  <content type="html">{FERRY_HTML.replace("<", "&lt;")}</content></entry>
<entry><title>Lighthouse</title><link href="https://partner.example/atom/light"/>
  <id>tag:partner.example,2024:2</id><updated>2024-03-30T12:00:00Z</updated>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>The keeper
  repainted the <a href="https://courier.example/light">lighthouse</a>.</p></div></content>
</entry></feed>""".encode()

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://partner.example/rdf"><title>Harbourside RDF</title>
<link>https://partner.example/</link></channel>
<item rdf:about="https://partner.example/rdf/ferry"><title>Ferry cancelled</title>
<link>https://partner.example/rdf/ferry</link><dc:date>2024-04-02T07:30:00Z</dc:date>
<description>Fog over the harbour mouth.</description></item>
<item rdf:about="https://partner.example/rdf/gulls"><title>Gulls</title>
<link>https://partner.example/rdf/gulls</link><dc:date>2024-04-01T07:30:00Z</dc:date>
</item></rdf:RDF>"""

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Harbourside JSON",
        "home_page_url": "https://partner.example/",
        "items": [
            {
                "id": "j1",
                "url": "/json/ferry",
                "title": "Ferry",
                "content_text": "\n\n".join(FERRY),
                "date_published": "2024-04-02T07:30:00Z",
            },
            {
                "id": "j2",
                "url": "https://partner.example/json/quay",
                "title": "Quay",
                "content_html": "<p>The quay was resurfaced.</p>",
                "summary": "Quay works",
                "date_modified": "2024-04-01T00:00:00+02:00",
            },
            "not an item",
        ],
    }
).encode()

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def sitemap(urls: list[tuple[str, str | None]]) -> bytes:
    body = "".join(
        f"<url><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</url>"
        for loc, mod in urls
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {SITEMAP_NS}>{body}</urlset>'.encode()


READERS = pytest.mark.parametrize("streaming", [False, True], ids=["feedparser", "stream"])

# --- formats -----------------------------------------------------------------------------


@READERS
def test_rss_with_content_encoded(streaming: bool) -> None:
    parsed = parse_feed(RSS_FULL, "https://partner.example/feed.xml", streaming=streaming)

    assert (parsed.kind, parsed.title, parsed.errors, parsed.sitemaps) == (
        "rss",
        "Harbourside Partner",
        [],
        [],
    )
    ferry, market = parsed.items
    assert ferry.url == "https://partner.example/news/ferry"
    assert ferry.guid == "partner-1"
    assert ferry.title == "Fog & ferries"
    assert ferry.published == "2024-04-02T07:30:00Z"
    assert ferry.updated is None
    assert ferry.content_html == FERRY_HTML
    assert ferry.summary_html == TEASER
    assert ferry.full_text is True
    assert (ferry.feed, ferry.position) == ("https://partner.example/feed.xml", 1)
    assert market.url == market.guid == "https://partner.example/news/market"
    assert market.content_html is None
    assert market.published == "2024-04-01T08:00:00Z"
    assert market.full_text is False


@READERS
def test_atom_with_html_and_xhtml_content(streaming: bool) -> None:
    parsed = parse_feed(ATOM, "atom.xml", streaming=streaming)

    assert (parsed.kind, parsed.title, parsed.errors) == ("atom", "Harbourside Atom", [])
    ferry, light = parsed.items
    assert ferry.url == "https://partner.example/atom/ferry"
    assert ferry.guid == "tag:partner.example,2024:1"
    assert ferry.title == "Fog & ferries"
    assert (ferry.published, ferry.updated) == ("2024-04-02T07:30:00Z", "2024-04-03T09:00:00Z")
    assert ferry.content_html == FERRY_HTML
    assert ferry.summary_html == TEASER
    assert ferry.full_text is True
    assert light.url == "https://partner.example/atom/light"
    assert (light.published, light.updated) == ("2024-03-30T12:00:00Z", None)  # a lone date
    assert light.content_html is not None
    assert 'href="https://courier.example/light"' in light.content_html
    assert light.full_text is False


@READERS
def test_rdf_rss_1_0(streaming: bool) -> None:
    parsed = parse_feed(RDF, "rdf.xml", streaming=streaming)

    assert (parsed.kind, parsed.title) == ("rdf", "Harbourside RDF")
    assert [(i.url, i.title, i.published) for i in parsed.items] == [
        ("https://partner.example/rdf/ferry", "Ferry cancelled", "2024-04-02T07:30:00Z"),
        ("https://partner.example/rdf/gulls", "Gulls", "2024-04-01T07:30:00Z"),
    ]
    assert parsed.items[0].summary_html == "Fog over the harbour mouth."


def test_json_feed() -> None:
    parsed = parse_feed(JSON_FEED, "feed.json", "application/feed+json")

    assert (parsed.kind, parsed.title) == ("jsonfeed", "Harbourside JSON")
    ferry, quay = parsed.items
    assert ferry.url == "https://partner.example/json/ferry"
    assert ferry.content_text == "\n\n".join(FERRY)
    assert ferry.content_html is None
    assert ferry.full_text is True
    assert (quay.published, quay.updated) == ("2024-03-31T22:00:00Z", None)
    assert quay.summary_html == "Quay works"
    assert quay.full_text is False
    assert parsed.errors == ["feed.json: 1 items are not JSON objects and were skipped"]


def test_sitemap_and_google_news_sitemap() -> None:
    plain = parse_feed(
        sitemap([("https://partner.example/a", "2024-04-02"), ("/b", None)]),
        "https://partner.example/sitemap.xml",
    )
    assert plain.kind == "sitemap"
    assert [(i.url, i.published, i.updated) for i in plain.items] == [
        ("https://partner.example/a", None, "2024-04-02T00:00:00Z"),  # lastmod
        ("https://partner.example/b", None, None),
    ]
    assert not any(i.full_text for i in plain.items)

    news = f"""<?xml version="1.0" encoding="UTF-8"?><urlset {SITEMAP_NS} {NEWS_NS}>
    <url><loc>https://partner.example/news/ferry</loc><news:news>
      <news:publication><news:name>Partner</news:name><news:language>en</news:language>
      </news:publication>
      <news:publication_date>2024-04-02T09:30:00+02:00</news:publication_date>
      <news:title>Fog cancels the ferry</news:title></news:news></url></urlset>""".encode()
    parsed = parse_feed(news, "news-sitemap.xml")
    assert parsed.kind == "sitemap"
    [item] = parsed.items
    assert (item.url, item.title, item.published) == (
        "https://partner.example/news/ferry",
        "Fog cancels the ferry",
        "2024-04-02T07:30:00Z",
    )


def test_html_page_or_garbage_is_one_line_error() -> None:
    with pytest.raises(FetchError) as info:
        parse_feed(b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "page.html")
    assert str(info.value) == "page.html: an HTML page, not a feed or sitemap"
    with pytest.raises(FetchError) as info:
        parse_feed(b"<catalogue><book/></catalogue>", "books.xml")
    assert str(info.value) == "books.xml: not a feed or sitemap (root element <catalogue>)"
    with pytest.raises(FetchError) as info:
        parse_feed(b"   ", "blank.xml")
    assert str(info.value) == "blank.xml: empty feed"
    with pytest.raises(FetchError) as info:
        parse_feed(b'{"title": "no items"}', "x.json")
    assert str(info.value) == 'x.json: not a JSON Feed (no "items" list)'


# --- malformed input ----------------------------------------------------------------------


@READERS
def test_malformed_rss_keeps_the_items_it_can_read(streaming: bool) -> None:
    broken = rss(
        "<item><title>First</title><link>https://partner.example/1</link></item>"
        "<item><title>Second & broken</title><link>https://partner.example/2</link></item>"
        "<item><title>Third</title><link>https://partner.example/3</link>"
    )[: -len("</channel></rss>")]

    parsed = parse_feed(broken, "broken.xml", streaming=streaming)

    urls = [i.url for i in parsed.items]
    assert urls[:1] == ["https://partner.example/1"]
    assert len(urls) >= 2
    [problem] = parsed.errors
    assert problem.startswith("broken.xml: malformed ")
    assert "\n" not in problem


def test_truncated_sitemap_keeps_the_urls_before_the_break() -> None:
    data = sitemap([(f"https://partner.example/{n}", None) for n in range(5)])[:-40]

    parsed = parse_feed(data, "cut.xml")

    assert [i.url for i in parsed.items][:4] == [f"https://partner.example/{n}" for n in range(4)]
    [problem] = parsed.errors
    assert problem.startswith("cut.xml: malformed XML (line 1: ")
    assert problem.endswith(" read before it")


def test_latin1_feed_without_declaration(tmp_path: Path) -> None:
    data = (
        "<rss><channel><title>Notícias</title><item><title>Ação no cais</title>"
        "<link>https://parceiro.example/acao</link></item></channel></rss>"
    ).encode("latin-1")
    for streaming in (False, True):
        parsed = parse_feed(data, "uol.rss", streaming=streaming)
        assert [i.title for i in parsed.items] == ["Ação no cais"]
        assert parsed.errors == []


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<urlset {SITEMAP_NS}><url><loc>https://partner.example/&x;</loc></url></urlset>"
    ).encode()
    parsed = parse_feed(data, "xxe.xml")
    assert all("TOP-SECRET" not in (i.url or "") for i in parsed.items)


# --- selection ---------------------------------------------------------------------------


def dated(n: int, day: int | None) -> str:
    date = f"<pubDate>{day:02d} Apr 2024 10:00:00 GMT</pubDate>" if day else ""
    return f"<item><title>T{n}</title><link>https://partner.example/{n}</link>{date}</item>"


def test_since_and_limit_newest_first(tmp_path: Path) -> None:
    days = [3, 9, None, 5, 1, 9, None]
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss("".join(dated(n, d) for n, d in enumerate(days))))

    def urls(**kw: Any) -> list[str]:
        read = read_feed(str(feed), None, **kw)
        assert read.errors == []
        return [str(i.url).rsplit("/", 1)[1] for i in read.items]

    # newest first; equal dates keep document order; undated last, in document order
    assert urls() == ["1", "5", "3", "0", "4", "2", "6"]
    assert urls(limit=3) == ["1", "5", "3"]
    assert urls(since=datetime(2024, 4, 5, tzinfo=UTC)) == ["1", "5", "3", "2", "6"]
    assert urls(since=datetime(2024, 4, 6), limit=2) == ["1", "5"]  # naive = UTC
    assert urls(limit=0) == []


def test_duplicates_keep_the_first(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(dated(1, 2) + dated(1, 3) + dated(2, 1)))
    read = read_feed(str(feed), None)
    assert [(i.url, i.published) for i in read.items] == [
        ("https://partner.example/1", "2024-04-02T10:00:00Z"),
        ("https://partner.example/2", "2024-04-01T10:00:00Z"),
    ]


@given(
    st.lists(st.one_of(st.none(), st.integers(1, 28)), max_size=30),
    st.one_of(st.none(), st.integers(0, 40)),
)
def test_limit_is_a_prefix_of_the_full_order(days: list[int | None], limit: int | None) -> None:
    data = rss("".join(dated(n, d) for n, d in enumerate(days)))
    everything = parse_feed(data, "f.xml", limit=10_000).items
    limited = parse_feed(data, "f.xml", limit=limit).items if limit is not None else everything
    assert limited == everything[: len(limited)]
    assert len(limited) == (len(days) if limit is None else min(limit, len(days)))
    dates = [i.published for i in everything if i.published]
    assert dates == sorted(dates, reverse=True)


def test_gzipped_feed_file_and_missing_file(tmp_path: Path) -> None:
    packed = tmp_path / "feed.xml.gz"
    packed.write_bytes(gzip.compress(RSS_FULL))
    assert len(read_feed(str(packed), None).items) == 2
    with pytest.raises(InputError) as info:
        read_feed(str(tmp_path / "nope.xml"), None)
    assert str(info.value) == f"{tmp_path / 'nope.xml'}: no such file"


# --- 100,000 items -------------------------------------------------------------------------


def big_sitemap(n: int) -> bytes:
    urls = "".join(
        f"<url><loc>https://partner.example/s/{i}</loc>"
        f"<lastmod>2024-{1 + i % 12:02d}-{1 + i % 28:02d}</lastmod></url>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><urlset {SITEMAP_NS}>{urls}</urlset>'.encode()


def test_hundred_thousand_urls_newest_ten() -> None:
    data = big_sitemap(100_000)
    parsed = parse_feed(data, "big.xml", limit=10)
    assert len(parsed.items) == 10
    assert {i.updated for i in parsed.items} == {"2024-12-28T00:00:00Z"}
    assert parsed.items[0].url == "https://partner.example/s/83"  # ties: document order

    everything = parse_feed(data, "big.xml")
    assert len(everything.items) == 100_000
    assert everything.items[-1].url == "https://partner.example/s/99999"


def test_hundred_thousand_urls_never_become_a_tree(tmp_path: Path) -> None:
    """Growth of peak resident memory (lxml's C heap included) in a fresh process while it
    parses the sitemap with --limit 10. Measured: under 1 MB; a tree of the 100,000 <url>
    elements would add about 50 MB, and holding all 100,000 items about 33 MB."""
    big = tmp_path / "big.xml"
    big.write_bytes(big_sitemap(100_000))
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from reprint_check.web.feeds import parse_feed
        data = Path(sys.argv[1]).read_bytes()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert len(parse_feed(data, "big.xml", limit=10).items) == 10
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(big)], capture_output=True, text=True, check=True
    )
    assert int(run.stdout) < 8 * 1024  # KiB (Linux)


# --- full text heuristic ---------------------------------------------------------------------


def test_full_text_heuristic() -> None:
    assert is_full_text(FERRY_HTML)
    assert is_full_text("\n\n".join(FERRY), is_html=False)
    assert not is_full_text(f"<p>{TEASER}</p>")
    assert not is_full_text(None)
    # three real paragraphs are a story even when short
    three = "".join(f"<p>{p[:60]}</p>" for p in FERRY[:3])
    assert len(three) < 500 and is_full_text(three)
    # long, but it says the story is elsewhere
    assert not is_full_text(FERRY_HTML + '<p><a href="/x">Continue reading...</a></p>')
    assert not is_full_text(FERRY_HTML + "<p>To read this article in full, please click here</p>")
    assert not is_full_text(FERRY_HTML[:-4] + " […]</p>")
    # markup and scripts are not visible text
    assert not is_full_text("<script>" + "x" * 900 + "</script><p>Short.</p>")


# --- item pages over a local server ---------------------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    settings = FetchSettings(
        allow_private=True,
        connect_timeout=1.0,
        read_timeout=0.5,
        total_timeout=2.0,
        retries=0,
        backoff=0.01,
    )
    with Fetcher(settings) as f:
        yield f


def story_page(n: int) -> bytes:
    return (
        f"<html><head><title>Story {n}</title></head><body>"
        f"<article><p>Partner story number {n}: {FERRY[n % 4]}</p></article></body></html>"
    ).encode()


def test_ten_items_seven_pages_three_errors(server: LocalServer, fetcher: Fetcher) -> None:
    for n in range(1, 8):
        server.reply(f"/story/{n}", story_page(n))

    def silent(handler: BaseHTTPRequestHandler, _number: int) -> None:
        server.stopping.wait(3)

    server.route("/slow", silent)
    server.reply("/loop", status=302, headers=[("Location", "/loop")])
    paths = ["/story/1", "/story/2", "/slow", "/story/3", "/missing"]
    paths += ["/story/4", "/loop", "/story/5", "/story/6", "/story/7"]
    items = "".join(
        f"<item><title>Item {i}</title><link>{server.url(p)}</link>"
        f"<description>Teaser {i}.</description></item>"
        for i, p in enumerate(paths)
    )
    server.reply("/feed.xml", rss(items), headers=[("Content-Type", "application/rss+xml")])

    read = read_feed(server.url("/feed.xml"), fetcher)
    assert read.errors == []
    assert [i.url for i in read.items] == [server.url(p) for p in paths]  # undated: as written
    targets = [item_page(item, fetcher, "auto", None) for item in read.items]

    pages = [t for t in targets if t.page is not None]
    errors = {t.name: t.error for t in targets if t.error is not None}
    assert len(pages) == 7
    for target in pages:
        assert target.page is not None
        n = int(target.name.rsplit("/", 1)[1])
        assert target.page.location == target.name == server.url(f"/story/{n}")
        assert target.page.title == f"Story {n}"
        assert target.page.text == f"Partner story number {n}: {FERRY[n % 4]}"
        assert target.error is None and not target.unchanged
    slow, missing, loop = server.url("/slow"), server.url("/missing"), server.url("/loop")
    assert errors == {
        slow: f"{slow}: timed out after 0.5 s (read)",
        missing: f"{missing}: HTTP 404 Not Found",
        loop: f"{loop}: too many redirects (more than 5)",
    }


def test_sitemap_index_with_a_missing_child(server: LocalServer, fetcher: Fetcher) -> None:
    server.reply(
        "/sitemap-1.xml",
        sitemap([(server.url("/a"), "2024-04-02"), (server.url("/b"), "2024-04-03")]),
        headers=[("Content-Type", "application/xml")],
    )
    index = (
        f'<?xml version="1.0"?><sitemapindex {SITEMAP_NS}>'
        f"<sitemap><loc>{server.url('/sitemap-1.xml')}</loc></sitemap>"
        f"<sitemap><loc>/sitemap-2.xml</loc><lastmod>2024-04-01</lastmod></sitemap>"
        "</sitemapindex>"
    ).encode()
    server.reply("/index.xml", index, headers=[("Content-Type", "application/xml")])

    parsed = parse_feed(index, server.url("/index.xml"))
    assert parsed.kind == "sitemapindex"
    assert parsed.sitemaps == [server.url("/sitemap-1.xml"), server.url("/sitemap-2.xml")]

    read = read_feed(server.url("/index.xml"), fetcher)
    assert (read.kind, [i.url for i in read.items]) == (
        "sitemapindex",
        [server.url("/b"), server.url("/a")],
    )
    missing = server.url("/sitemap-2.xml")
    assert read.errors == [FeedError(missing, f"{missing}: HTTP 404 Not Found")]

    # --since skips a child whose lastmod says nothing in it changed
    before = server.hits["/sitemap-2.xml"]
    recent = read_feed(server.url("/index.xml"), fetcher, since=datetime(2024, 4, 3, tzinfo=UTC))
    assert [i.url for i in recent.items] == [server.url("/b")]
    assert recent.errors == [] and server.hits["/sitemap-2.xml"] == before

    # at most max_sitemaps children
    capped = read_feed(server.url("/index.xml"), fetcher, max_sitemaps=1)
    top = server.url("/index.xml")
    assert capped.errors == [
        FeedError(top, f"{top}: the sitemap index lists 2 sitemaps; only the first 1 were read")
    ]


def test_feed_that_cannot_be_fetched_is_a_feed_error(fetcher: Fetcher) -> None:
    read = read_feed("http://127.0.0.1:9/feed.xml", fetcher)
    assert read.items == [] and read.kind == ""
    [error] = read.errors
    assert error.source == "http://127.0.0.1:9/feed.xml"
    assert error.message.startswith("http://127.0.0.1:9/feed.xml: ")
    assert "\n" not in error.message


def test_local_index_children_are_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "one.xml").write_bytes(sitemap([("https://partner.example/one", None)]))
    (tmp_path / "index.xml").write_bytes(
        f"<sitemapindex {SITEMAP_NS}><sitemap><loc>one.xml</loc></sitemap>"
        f"<sitemap><loc>gone.xml</loc></sitemap></sitemapindex>".encode()
    )
    read = read_feed(str(tmp_path / "index.xml"), None)
    assert [i.url for i in read.items] == ["https://partner.example/one"]
    gone = str(tmp_path / "gone.xml")
    assert read.errors == [FeedError(gone, f"{gone}: no such file")]


# --- fetch modes ------------------------------------------------------------------------------


def test_modes(server: LocalServer, fetcher: Fetcher) -> None:
    server.reply("/news/ferry", story_page(0))
    parsed = parse_feed(RSS_FULL, server.url("/feed.xml"))
    ferry, market = parsed.items

    auto = item_page(ferry, fetcher, "auto", None)  # full text in the feed: no fetch
    assert auto.page is not None and server.hits["/news/ferry"] == 0
    assert auto.page.text == "\n\n".join(FERRY)
    assert auto.page.title == "Fog & ferries"
    assert auto.page.location == server.url("/news/ferry")

    always = item_page(ferry, fetcher, "always", None)
    assert always.page is not None and always.page.title == "Story 0"

    never = item_page(market, fetcher, "never", None)  # the teaser is all there is
    assert never.page is not None
    assert never.page.text == "Stalls return to the square on Saturday. Read more"

    bare = FeedItem(None, None, "x", None, None, feed="f.xml", position=4)
    assert item_page(bare, fetcher, "never", None).error == (
        "f.xml#4: no text to audit (the feed item carries no text and no link to its page)"
    )
    assert item_page(bare, fetcher, "auto", None).error == "f.xml#4: the item has no link to fetch"
    with pytest.raises(InputError):
        item_page(bare, fetcher, "sometimes", None)


# --- conditional GET and state ------------------------------------------------------------------


def compliant(name: str) -> TargetResult:
    return TargetResult(target=name, status="compliant", title="Story")


def test_conditional_get_etag_304_is_unchanged(
    server: LocalServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    def page(handler: BaseHTTPRequestHandler, _number: int) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, 304, b"", [("ETag", '"v1"')])
        else:
            send(handler, 200, story_page(1), [("ETag", '"v1"'), ("Content-Type", "text/html")])

    server.route("/story", page)
    item = FeedItem(server.url("/story"), None, "Story", None, None)
    path = tmp_path / "state" / "feed-state.json"

    state = FeedState.load(path)  # missing file: empty
    first = item_page(item, fetcher, "always", state)
    assert first.page is not None and first.etag == '"v1"' and not first.unchanged
    state.record(first, compliant(first.name))
    state.save(path)

    again = FeedState.load(path)
    second = item_page(item, fetcher, "always", again)
    assert (second.unchanged, second.page, second.error) == (True, None, None)
    assert second.etag == '"v1"'
    assert server.requests[-1][1]["if-none-match"] == '"v1"'
    assert again.result(second.name) == compliant(second.name)

    # a state without a result sends no validators: there would be nothing to reuse
    third = item_page(item, fetcher, "always", FeedState())
    assert third.page is not None
    assert "if-none-match" not in server.requests[-1][1]


def test_last_modified_and_same_bytes_are_unchanged(server: LocalServer, fetcher: Fetcher) -> None:
    stamp = "Tue, 02 Apr 2024 07:30:00 GMT"

    def page(handler: BaseHTTPRequestHandler, _number: int) -> None:
        if handler.headers.get("If-Modified-Since") == stamp:
            send(handler, 304)
        else:
            send(handler, 200, story_page(2), [("Last-Modified", stamp)])

    server.route("/lm", page)
    server.reply("/plain", story_page(3))  # no validators at all
    state = FeedState()
    for path in ("/lm", "/plain"):
        item = FeedItem(server.url(path), None, "", None, None)
        first = item_page(item, fetcher, "always", state)
        state.record(first, compliant(first.name))
        second = item_page(item, fetcher, "always", state)
        assert second.unchanged and second.page is None
        assert second.content_sha256 == first.content_sha256
    assert server.requests[-3][1]["if-modified-since"] == stamp


def test_embedded_content_unchanged_by_hash() -> None:
    ferry = parse_feed(RSS_FULL, "https://partner.example/feed.xml").items[0]
    state = FeedState()
    first = item_page(ferry, None, "auto", state)
    assert first.page is not None and first.content_sha256
    state.record(first, compliant(first.name))
    assert item_page(ferry, None, "auto", state).unchanged

    edited = FeedItem(**{**_fields(ferry), "content_html": FERRY_HTML + "<p>Update: calm.</p>"})
    assert item_page(edited, None, "auto", state).page is not None

    state.record(first, TargetResult(first.name, "error", error="x"))  # errors are retried
    assert state.get(first.name) is None


def _fields(item: FeedItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in FeedItem.__slots__}


def test_state_round_trip_and_context(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = FeedState(context="policy-a")
    result = TargetResult("https://partner.example/x", "violation", "X")
    state.put("https://partner.example/x", etag='"e"', content_sha256="ab", result=result)
    state.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left behind

    loaded = FeedState.load(path, context="policy-a")
    assert loaded.get("https://partner.example/x") == {
        "etag": '"e"',
        "last_modified": None,
        "content_sha256": "ab",
        "result": {
            "target": "https://partner.example/x",
            "title": "X",
            "status": "violation",
            "error": None,
            "sources": [],
        },
    }
    assert loaded.result("https://partner.example/x") == result
    assert FeedState.load(path).items == loaded.items
    assert FeedState.load(path, context="policy-b").items == {}  # other policy: start afresh


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"schema": "other"}', "not a reprint-check/feed-state/v1 file"),
        (
            b'{"schema": "reprint-check/feed-state/v1", "items": {"k": 3}}',
            '"items" is not an object of objects',
        ),
    ],
)
def test_corrupt_state_file(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        FeedState.load(path)
    assert str(info.value) == (
        f"{path}: corrupt feed state file ({problem}); delete it to start afresh"
    )


# --- fetch: conditional requests ------------------------------------------------------------------


def test_fetch_sends_headers_and_returns_304_only_when_conditional(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.reply("/nm", status=304, headers=[("ETag", '"z"')])
    url = server.url("/nm")

    got = fetcher.fetch(url, headers={"If-None-Match": '"z"', "X-Test": "1"})
    assert (got.status, got.content, got.text) == (304, b"", "")
    assert ("etag", '"z"') in got.headers
    assert server.requests[-1][1]["x-test"] == "1"

    with pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert str(info.value) == f"{url}: HTTP 304 Not Modified"
