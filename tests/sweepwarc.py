"""WARC files made at test time: unrelated pages, planted copies, broken records.

The archive is the fictional Harbourside Courier of ``examples/archive.jsonl``.
Planted copies take its stories verbatim, edited, in part, with and without a
link, on a licensed partner's site, in a WET text record and behind chunked
gzip transfer; the unrelated pages are fiction written here (or, in the
benchmark, real pages read at run time). Broken records: a gzip member cut
short in the middle of the file, bytes that are no gzip member, an image and a
PDF, a page over the size limit, a page whose declared charset is wrong,
WARC headers that do not parse, a 404.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from reprint_check.models import Article

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "examples" / "archive.jsonl"
PARTNER = "partner-news.example"  # holds written permission in POLICY
COPIER = "copycat.example"
DATE = "2026-04-02T10:00:00Z"

POLICY = f"""\
[policy]
name = "courier-sweep"
publisher = "The Harbourside Courier"
domains = ["harbourside-courier.example"]

[excerpt]
max_chars = 500

[link]
required = true

[[permissions]]
domain = "{PARTNER}"
max_chars = 0
note = "syndication licence 2026-01"
"""


def archive() -> list[Article]:
    out = []
    for line in ARCHIVE.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        out.append(Article(item["url"], item["text"], item["title"], (), item.get("published")))
    return out


# --- unrelated pages ---------------------------------------------------------------

_TOPICS = (
    (
        "Allotment society opens its seed library",
        "Members of the Pennywell allotment society can now borrow seeds the way readers "
        "borrow books: take a packet of runner beans in spring, bring back a packet of saved "
        "seed in autumn. The cabinet stands in the tool shed beside the rain barrels.",
        "The idea came from a retired botanist who kept forty varieties of tomato alive on "
        "her windowsill for a decade. She labels every envelope by hand with the year and "
        "the plot it came from, and insists that nobody returns a cross-pollinated squash.",
    ),
    (
        "How to true a bicycle wheel at home",
        "A wobbling rim is rarely a bent rim. More often two or three spokes have lost "
        "tension, and a quarter turn of the nipple in the right direction pulls the rim "
        "back into line. Work slowly, a little at a time, and spin the wheel after each turn.",
        "You need a spoke key that fits snugly, a cable tie fixed to the frame as a pointer, "
        "and patience. Tighten spokes on the side opposite the wobble and loosen those on "
        "the same side; never adjust more than half a turn in one go.",
    ),
    (
        "Sourdough starter troubleshooting",
        "If your starter smells of nail varnish it is hungry, not dead. Discard all but a "
        "spoonful, feed it equal weights of flour and water, and keep it somewhere warm. "
        "Within two feeds the sharp smell gives way to something like yoghurt.",
        "Rye flour wakes a sluggish starter faster than white flour because it carries more "
        "wild yeast and more of the enzymes they feed on. Once it doubles reliably within "
        "six hours you can go back to your usual flour.",
    ),
    (
        "Choir seeks tenors for winter concert",
        "The Millbrook community choir rehearses on Thursday evenings in the old chapel on "
        "Tanner Street and is short of tenors for its winter concert. No audition is needed, "
        "only a willingness to learn the parts and to arrive on time.",
        "This year's programme mixes carols with a cantata written by the choir's own "
        "accompanist, who promises that the tenor line stays within a comfortable range "
        "apart from one top note that anyone may skip.",
    ),
    (
        "Review: the new tram line after one month",
        "Four weeks after the first passengers boarded, the eastern tram extension carries "
        "more riders at weekends than on weekdays, which surprised its planners. Shoppers "
        "heading for the riverside market have filled the carriages every Saturday.",
        "Complaints so far concern the ticket machines, which reject older coins, and the "
        "stop at Gasworks Lane, where the shelter faces the prevailing wind. The operator "
        "says both will be fixed before the school holidays.",
    ),
    (
        "Ferret owners' guide to a safe garden",
        "Ferrets squeeze through any gap wider than a thumb, so walk your fence line with a "
        "torch at dusk and look for light showing through. Block drain covers and check "
        "beneath sheds, where a determined ferret will dig in an afternoon.",
        "Keep bulbs and slug pellets well out of reach and remember that many common garden "
        "plants upset their stomachs. A run with a solid floor is safer than any lawn.",
    ),
)


def _page(title: str, body: str, *, extra_head: str = "") -> str:
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title>{extra_head}"
        "<style>.ad{color:red}</style><script>var tracker = {id: 42};</script></head>"
        f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>{body}"
        "<footer><p>Contact us</p></footer></body></html>"
    )


def unrelated_pages(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(URL, HTML) of fictional pages that share no passage with the archive."""
    rng = random.Random(seed)
    pages = []
    for i in range(count):
        title, *paragraphs = _TOPICS[i % len(_TOPICS)]
        rng.shuffle(paragraphs)
        hidden = "<div style='display:none'>Subscribe to our newsletter today</div>"
        body = (
            f"<article><h1>{title}</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs)
            + f"</article>{hidden}"
        )
        pages.append((f"https://blog{i % 4}.example/post/{i}", _page(title, body)))
    return pages


# --- planted copies ----------------------------------------------------------------


@dataclass(frozen=True)
class Plant:
    """A planted copy: where it is, what it copies, the verdict it must get."""

    url: str
    source: str  # the archive article's URL
    status: str  # "violation" | "compliant"
    codes: tuple[str, ...]  # violation codes expected on that source
    kind: str = "html"  # "html" | "text" (a WET conversion record)


def _edited(text: str) -> str:
    """Light edits: quotes straightened, one word changed, a sentence dropped."""
    out = text.replace("\u2019", "'").replace(" more than ", " over ", 1)
    sentences = out.split(". ")
    if len(sentences) > 6:
        del sentences[3]
    return ". ".join(sentences)


def _first_chars(text: str, limit: int) -> str:
    """The first paragraphs of a text, up to about ``limit`` characters."""
    kept: list[str] = []
    for paragraph in text.split("\n\n"):
        if kept and sum(map(len, kept)) + len(paragraph) > limit:
            break
        kept.append(paragraph)
    return "\n\n".join(kept)


def _html_copy(title: str, text: str, link: str | None, *, hidden_junk: bool = False) -> str:
    paragraphs = text.split("\n\n")
    if hidden_junk:  # words a reader never sees, every few words of the copy
        paragraphs = [_junked(p) for p in paragraphs]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    credit = f"<p>Source: <a href='{link}'>The Harbourside Courier</a></p>" if link else ""
    return _page(title, f"<article><h1>{title}</h1>{body}{credit}</article>")


def _junked(paragraph: str) -> str:
    words = paragraph.split(" ")
    out = []
    for i, word in enumerate(words):
        out.append(word)
        if i % 3 == 2:
            out.append("<span style='display:none'>zebra quartz</span>")
    return " ".join(out)


def _read_more_copy(title: str, text: str) -> str:
    """A page that shows a teaser of its own and keeps the copy in a hidden "Read more" block."""
    body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return _page(
        title,
        f"<article><h1>{title}</h1><p>Our correspondent looks at the week in pictures.</p>"
        f"<div class='read-more' style='display:none'>{body}</div>"
        "<button>Read more</button></article>",
    )


def _json_ld_copy(title: str, text: str) -> str:
    """A page whose only copy is the ``articleBody`` of its JSON-LD."""
    data = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                       "headline": title, "articleBody": text}).replace("</", "<\\/")  # fmt: skip
    return _page(
        title,
        f"<script type='application/ld+json'>{data}</script>"
        f"<article><h1>{title}</h1><p>Subscribers can read this story in the app.</p></article>",
    )


def plants(articles: list[Article]) -> list[tuple[Plant, str | bytes]]:
    """Planted copies and their pages (HTML text, or plain text for the WET record)."""
    a, b, c, d, e, f, g, h, i = articles[:9]
    short = _first_chars(c.text, 380)
    return [
        (
            Plant(
                f"https://{COPIER}/stolen/{a.url.split('/')[-2]}",
                a.url,
                "violation",
                ("EXCERPT_TOO_LONG", "FULL_REPRINT", "LINK_MISSING"),
            ),
            _html_copy(a.title, a.text, None),
        ),
        (
            Plant(
                f"https://{COPIER}/rewritten/{b.url.split('/')[-2]}",
                b.url,
                "violation",
                ("EXCERPT_TOO_LONG", "FULL_REPRINT"),
            ),
            _html_copy(b.title, _edited(b.text), b.url),
        ),
        (
            Plant(f"https://quoting-blog.example/{c.url.split('/')[-2]}", c.url, "compliant", ()),
            _html_copy("A quote", short, c.url),
        ),
        (
            Plant(
                f"https://quoting-blog.example/nolink/{d.url.split('/')[-2]}",
                d.url,
                "violation",
                ("LINK_MISSING",),
            ),
            _html_copy("Another quote", _first_chars(d.text, 380), None),
        ),
        (
            Plant(f"https://{PARTNER}/syndicated/{e.url.split('/')[-2]}", e.url, "compliant", ()),
            _html_copy(e.title, e.text, e.url),
        ),
        (
            Plant(
                f"https://hidden-words.example/{f.url.split('/')[-2]}",
                f.url,
                "violation",
                ("EXCERPT_TOO_LONG", "LINK_MISSING"),
            ),
            _html_copy(f.title, _first_chars(f.text, 1400), None, hidden_junk=True),
        ),
        (
            Plant(
                f"https://text-farm.example/{g.url.split('/')[-2]}",
                g.url,
                "violation",
                ("EXCERPT_TOO_LONG", "LINK_MISSING"),
                kind="text",
            ),
            "Daily digest\n\n" + _first_chars(g.text, 1200) + "\n\nMore stories tomorrow.",
        ),
        (
            Plant(
                f"https://teaser.example/{h.url.split('/')[-2]}",
                h.url,
                "violation",
                ("EXCERPT_TOO_LONG", "LINK_MISSING"),
            ),
            _read_more_copy(h.title, _first_chars(h.text, 1400)),
        ),
        (
            Plant(
                f"https://app-only.example/{i.url.split('/')[-2]}",
                i.url,
                "violation",
                ("EXCERPT_TOO_LONG", "LINK_MISSING"),
            ),
            _json_ld_copy(i.title, _first_chars(i.text, 1400)),
        ),
    ]


# --- writing WARC files ------------------------------------------------------------


class Warc:
    """A WARC file being written: one gzip member per record, like Common Crawl's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.0")
        self.ids: dict[str, str] = {}  # URL -> WARC-Record-ID of its response

    def __enter__(self) -> Warc:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def response(
        self,
        url: str,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: str = "200 OK",
        headers: Iterable[tuple[str, str]] = (),
        request: bool = True,
    ) -> None:
        http = StatusAndHeaders(
            status,
            [("Content-Type", content_type), *headers, ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        )
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": DATE},
        )
        self.ids[url] = record.rec_headers.get_header("WARC-Record-ID")
        self._writer.write_record(record)
        if request:
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
            self._writer.write_record(
                self._writer.create_warc_record(url, "request", http_headers=req)
            )

    def conversion(self, url: str, text: str) -> None:
        record = self._writer.create_warc_record(
            url,
            "conversion",
            payload=io.BytesIO(text.encode("utf-8")),
            warc_content_type="text/plain",
            warc_headers_dict={"WARC-Date": DATE},
        )
        self.ids[url] = record.rec_headers.get_header("WARC-Record-ID")
        self._writer.write_record(record)

    def raw(self, data: bytes) -> None:
        """Bytes as they are: a broken member, junk between members."""
        self._file.write(data)


def chunked_gzip(body: bytes) -> bytes:
    """A body as a server sends it with Content-Encoding gzip and chunked transfer."""
    packed = gzip.compress(body)
    chunks = [packed[i : i + 500] for i in range(0, len(packed), 500)]
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def truncated_member(url: str, body: bytes) -> bytes:
    """A gzip member holding a response record, cut off in its middle."""
    data = io.BytesIO()
    writer = WARCWriter(data, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
    )
    member = data.getvalue()
    return member[: len(member) // 2]


def unparseable_member() -> bytes:
    """A gzip member whose content is not a WARC record."""
    return gzip.compress(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>no WARC</p>")


BROKEN_EXPECTED = {"truncated": 2, "oversized": 1, "charset": 1, "unparseable": 1}
NOT_PAGES_EXPECTED = {"not-html": 2, "http-status": 1}


def broken_records(warc: Warc, oversized_bytes: int) -> None:
    """Write the broken and non-page records, with good records after each."""
    warc.raw(truncated_member("https://broken.example/cut", b"<html><body><p>cut" * 400))
    warc.response("https://images.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png")
    warc.response("https://docs.example/report.pdf", b"%PDF-1.4\n" + bytes(300), "application/pdf")
    warc.raw(b"this is garbage between members\r\n")
    warc.response(
        "https://huge.example/page",
        _page("Huge", "<p>" + "word " * (oversized_bytes // 5) + "</p>").encode(),
    )
    french = "<p>" + "Élève, été, çà et là, où, déjà, façade, garçon, naïve. " * 60 + "</p>"
    warc.response(
        "https://wrong-charset.example/fr",
        _page("Été", french).encode("cp1252"),
        "text/html; charset=utf-8",
    )
    warc.raw(unparseable_member())
    warc.response("https://gone.example/page", b"<html><body>Not found</body></html>",
                  status="404 Not Found")  # fmt: skip


def write_sweep_warcs(
    folder: Path,
    articles: list[Article],
    unrelated: list[tuple[str, str]],
    *,
    oversized_bytes: int,
) -> tuple[list[Path], list[Plant], dict[str, str]]:
    """Two WARC files and a WET file: (paths, plants, record ID per planted URL)."""
    planted = plants(articles)
    half = len(unrelated) // 2
    ids: dict[str, str] = {}
    paths = [folder / "crawl-00000.warc.gz", folder / "crawl-00001.warc.gz"]
    html_plants = [(p, page) for p, page in planted if p.kind == "html"]
    with Warc(paths[0]) as warc:
        for url, html in unrelated[:half]:
            warc.response(url, html.encode("utf-8"))
        for plant, page in html_plants[:3]:
            warc.response(plant.url, page.encode("utf-8"))  # type: ignore[union-attr]
        broken_records(warc, oversized_bytes)
        ids.update(warc.ids)
    with Warc(paths[1]) as warc:
        for plant, page in html_plants[3:]:
            assert isinstance(page, str)
            if plant.url.startswith(f"https://{PARTNER}/"):  # served compressed and chunked
                warc.response(
                    plant.url,
                    chunked_gzip(page.encode("utf-8")),
                    headers=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
                )
            else:
                warc.response(plant.url, page.encode("utf-8"))
        for url, html in unrelated[half:]:
            warc.response(
                url, html.encode("cp1252", errors="replace"), "text/html; charset=windows-1252"
            )
        ids.update(warc.ids)
    wet = folder / "crawl-00000.warc.wet.gz"
    with Warc(wet) as warc:
        for plant, text in planted:
            if plant.kind == "text":
                assert isinstance(text, str)
                warc.conversion(plant.url, text)
        for url, html in unrelated[:3]:
            warc.conversion(url, _text_of(html))
        ids.update(warc.ids)
    return [*paths, wet], [p for p, _ in planted], ids


def _text_of(html: str) -> str:
    from reprint_check.page.html import page_from_html

    return page_from_html(html, "x").text


def iter_members(path: Path) -> Iterator[bytes]:
    """The inflated members of a gzip file (for tests that look inside)."""
    data = path.read_bytes()
    while data:
        inflater = zlib.decompressobj(wbits=31)
        yield inflater.decompress(data)
        data = inflater.unused_data
