"""Publisher articles from files: the .txt header block, and where HTML files take their URL.

The bell-tower story and the town of Wrenmouth are fiction written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.audit import audit_page, index_from_sources
from reprint_check.cli import main
from reprint_check.errors import FetchError
from reprint_check.index.ingest import prepared_articles
from reprint_check.index.sources import (
    SourceError,
    TextHeader,
    article_from_file,
    iter_articles,
    read_text_header,
)
from reprint_check.models import Article, PolicySummary, Report
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import Policy
from reprint_check.report import render
from reprint_check.text.normalize import visible_length

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
URL = "https://wrenmouth-herald.example/2026/04/bell-tower-clock/"
TITLE = "Bell tower clock strikes again after forty silent years"
BODY = (
    "The clock in the bell tower of St Aldhelm's in Wrenmouth struck noon on Saturday for the "
    "first time since 1986, after a team of volunteers spent two winters rebuilding its "
    "iron movement from drawings found in the parish chest.\n\n"
    "The work was led by a retired ship's engineer who cut three of the worn gear wheels on "
    "a lathe in his garden shed and refused, he said, to let a single tooth be bought in. "
    "The bells were rehung on new oak frames in March.\n\n"
    "The parish council will pay for the clock to be wound each week, and the tower will be "
    "open to visitors on the first Sunday of every month from May.\n\n"
    "Not everyone is pleased. Residents of Chapel Row, whose bedrooms face the tower, have "
    "asked the council to silence the hourly strike between eleven at night and seven in the "
    "morning, as the old clock did before it stopped. The volunteers say a night switch can "
    "be fitted by the summer, and the vicar has promised that the bells will not ring for "
    "the late service until it is."
)
HEADER = f"URL: {URL}\nTitle: {TITLE}\nPublished: 2026-04-18\n\n"
# The first three paragraphs: over the 500-character default limit, short of a full reprint.
EXCERPT = BODY[: BODY.index("\n\nNot everyone")]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- the header block -------------------------------------------------------------------


def test_header_gives_url_title_date_and_where_the_body_starts() -> None:
    text = f"url: {URL}\r\nTITLE:  {TITLE} \r\npublished: 2026-04-18\r\n\r\n\r\n{BODY}"
    header = read_text_header(text)
    assert header == TextHeader(URL, TITLE, "2026-04-18", body_start=header.body_start)
    assert text[header.body_start :] == BODY  # every blank line after the header skipped


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        f"Update: the clock stopped again on Sunday.\n\n{BODY}",  # not a header key
        f"{URL}\n\n{BODY}",  # a bare address on the first line is body text
        f"\nURL: {URL}\n\n{BODY}",  # a header starts on the very first line
    ],
    ids=["plain", "other-key", "bare-url", "blank-first-line"],
)
def test_a_file_without_a_header_is_all_body(text: str) -> None:
    assert read_text_header(text) == TextHeader()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"URL: {URL}\nAuthor: J. Pike\n\n{BODY}",
            "line 2: expected a header line (URL:, Title:, Published:) or a blank line "
            'ending the header, got "Author: J. Pike"',
        ),
        (
            f"Title: {TITLE}\n{BODY}",
            "line 2: expected a header line (URL:, Title:, Published:) or a blank line "
            "ending the header, got "
            '"The clock in the bell tower of St Aldhelm\'s in Wrenmouth st…"',
        ),
        (f"Title: A\ntitle: B\n\n{BODY}", "line 2: Title: given twice in the header"),
        (f"Title:\n\n{BODY}", "line 1: Title: expected a value, got nothing"),
        (
            f"URL: wrenmouth-herald.example/clock\n\n{BODY}",
            'line 1: URL: expected an http(s) address like "https://publisher.example/2026/05/'
            'story/", got "wrenmouth-herald.example/clock"',
        ),
        (f"URL: {URL}\nTitle: {TITLE}\n", "no article text after the header"),
        (f"URL: {URL}\n\n  \n", "no article text after the header"),
    ],
    ids=["unknown-key", "no-blank-line", "twice", "empty", "not-http", "no-body", "blank-body"],
)
def test_a_broken_header_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        read_text_header(text)
    assert str(caught.value) == message


# --- articles from files ------------------------------------------------------------------


def test_a_txt_article_takes_url_title_and_date_from_its_header(tmp_path: Path) -> None:
    path = write(tmp_path / "txtarch" / "bell-tower-clock.txt", HEADER + BODY)
    assert article_from_file(path) == Article(
        url=URL,
        text=BODY,  # the header is not article text
        title=TITLE,
        aliases=(str(path),),  # so an archive indexed under file paths is replaced, not doubled
        published="2026-04-18",
    )


def test_a_header_with_only_a_title_keeps_the_path_as_url(tmp_path: Path) -> None:
    path = write(tmp_path / "clock.txt", f"Title: {TITLE}\n\n{BODY}")
    assert article_from_file(path) == Article(str(path), BODY, TITLE)


def test_a_txt_article_without_a_header_is_read_as_before(tmp_path: Path) -> None:
    text = f"{TITLE}\n\n{BODY}\n"
    path = write(tmp_path / "clock.txt", text)
    assert article_from_file(path) == Article(str(path), text, "")


def test_a_broken_header_is_one_error_for_that_file(tmp_path: Path) -> None:
    write(tmp_path / "arch" / "a-broken.txt", f"URL: {URL}\nAuthor: J. Pike\n\n{BODY}")
    write(tmp_path / "arch" / "b-good.txt", HEADER + BODY)
    items = list(iter_articles(str(tmp_path / "arch")))
    assert items[0] == SourceError(
        str(tmp_path / "arch" / "a-broken.txt"),
        "line 2: expected a header line (URL:, Title:, Published:) or a blank line ending "
        'the header, got "Author: J. Pike"',
    )
    assert isinstance(items[1], Article) and items[1].url == URL


def test_html_archive_files_take_their_url_from_canonical_then_og_url(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))

    def page(head: str) -> str:
        return (
            f"<html><head><title>{TITLE}</title>{head}</head>"
            f"<body><article><h1>{TITLE}</h1>{paragraphs}</article></body></html>"
        )

    og = '<meta property="og:url" content="https://wrenmouth-herald.example/clock-og/">'
    canonical = f'<link rel="canonical" href="{URL}">'
    both = article_from_file(write(tmp_path / "both.html", page(canonical + og)))
    assert (both.url, both.aliases, both.title) == (
        URL,
        ("https://wrenmouth-herald.example/clock-og/",),
        TITLE,
    )
    assert article_from_file(write(tmp_path / "og.html", page(og))).url == (
        "https://wrenmouth-herald.example/clock-og/"
    )
    bare = write(tmp_path / "bare.html", page(""))
    assert article_from_file(bare).url == str(bare)


def test_the_parallel_ingest_reads_headers_the_same_way(tmp_path: Path) -> None:
    folder = tmp_path / "txtarch"
    write(folder / "bell-tower-clock.txt", HEADER + BODY)
    write(folder / "plain.txt", BODY.replace("Wrenmouth", "Saltcombe"))
    one = [p.article for p in prepared_articles([str(folder)], jobs=1)]  # type: ignore[union-attr]
    two = [p.article for p in prepared_articles([str(folder)], jobs=2)]  # type: ignore[union-attr]
    assert one == two
    assert [(a.url, a.title, a.text) for a in two] == [
        (URL, TITLE, BODY),
        (str(folder / "plain.txt"), "", BODY.replace("Wrenmouth", "Saltcombe")),
    ]


# --- what the editor sees -----------------------------------------------------------------


def test_the_report_names_the_header_url_and_title_and_counts_only_the_body(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / "txtarch" / "bell-tower-clock.txt", HEADER + BODY)
    store, errors = index_from_sources([str(source)])
    assert errors == []
    html = (
        "<html><head><title>Coastal Digest</title></head><body>"
        f"<p>From our neighbours this week.</p><p>{EXCERPT}</p></body></html>"
    )
    result = audit_page(page_from_html(html, "digest.html"), store, Policy(name="test"))
    (found,) = result.sources
    assert (found.url, found.title) == (URL, TITLE)
    assert found.article_chars == visible_length(BODY)  # no header line counted
    (passage,) = found.passages
    # source offsets index the body after the header
    assert BODY[passage.source_start : passage.source_end] == EXCERPT
    assert [(v.code, v.message) for v in found.violations] == [
        (
            "EXCERPT_TOO_LONG",
            f"{visible_length(EXCERPT)} characters reused from {URL} "
            f"({visible_length(EXCERPT) / visible_length(BODY):.0%} of the article); "
            "the limit is 500",
        ),
        ("LINK_MISSING", f"No link to the source article: add a visible hyperlink to {URL}."),
    ]
    markdown = render(Report(PolicySummary("test", 500, "total"), (result,)), "markdown")
    assert f"### Source 1 of 1: {TITLE}" in markdown
    assert f"- Article: <{URL}>" in markdown
    assert f"add a visible, clickable link to the article: {URL}" in markdown


def test_index_list_shows_the_header_url_and_title(tmp_path: Path) -> None:
    folder = tmp_path / "txtarch"
    write(folder / "bell-tower-clock.txt", HEADER + BODY)
    index = str(tmp_path / "i.sqlite")
    assert run("index", "add", str(folder), "--index", index).exit_code == 0
    listing = run("index", "list", "--index", index).output
    assert listing == f"{URL}\t{len(BODY)}\t{TITLE}\n"


def test_adding_a_header_later_replaces_the_article_indexed_under_its_path(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "txtarch" / "bell-tower-clock.txt", BODY)
    index = str(tmp_path / "i.sqlite")
    run("index", "add", str(path), "--index", index)
    assert run("index", "list", "--index", index).output == f"{path}\t{len(BODY)}\t\n"
    write(path, HEADER + BODY)
    added = run("index", "add", str(path), "--index", index)
    assert "1 article(s) indexed (1 replaced)" in added.stderr
    assert run("index", "list", "--index", index).output == f"{URL}\t{len(BODY)}\t{TITLE}\n"


def test_a_txt_archive_with_headers_reports_exactly_as_the_jsonl_export(tmp_path: Path) -> None:
    """The examples' stories as .txt files with headers: the same report, byte for byte."""
    folder = tmp_path / "txtarch"
    for line in (EXAMPLES / "archive.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        header = f"URL: {record['url']}\nTitle: {record['title']}\n"
        header += f"Published: {record['published']}\n\n"
        slug = record["url"].rstrip("/").rsplit("/", 1)[1]
        write(folder / f"{slug}.txt", header + record["text"] + "\n")
    suspects = sorted(str(p) for p in (EXAMPLES / "suspects").iterdir())
    reports = []
    for source in (folder, EXAMPLES / "archive.jsonl"):
        index = str(tmp_path / f"{source.name}.sqlite")
        assert run("index", "add", str(source), "--index", index).exit_code == 0
        reports.append(run("audit", *suspects, "--index", index, "--format", "json").stdout)
    assert reports[0] == reports[1]
    assert "txtarch" not in reports[0]  # no file path stands in for an article's URL
