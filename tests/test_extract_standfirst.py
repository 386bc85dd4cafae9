"""Standfirsts: told apart from the body, yet indexed with it.

The summary set under a headline is not the body's first paragraph, so extraction
names it (``Article.standfirst``) and reads the body without it (``Article.body``);
but a partner who copies it copies the publisher's text, so the text the index
holds, and that ``article_chars`` counts, is standfirst and body together.

The pages and texts here are fictional and written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.index import SQLiteIndex
from reprint_check.index.sources import article_from_file, article_from_jsonl_line
from reprint_check.models import Article
from reprint_check.page.article import extract_article

STANDFIRST = (
    "The valley's last working mill reopens next month, run by the grandchildren of the "
    "family that closed it thirty years ago."
)
BODY = [
    "The stone building on Weir Lane stood empty for three decades, its wheel rusted in "
    "place and its windows boarded up against the winter storms.",
    "Restoring it took four years, two grants from the heritage fund and a great deal of "
    "borrowed scaffolding, the new owners said on Tuesday.",
    "The mill will grind spelt and rye for local bakers and open its doors to school "
    "visits on the first Friday of every month.",
]
URL = "https://valleytimes.example/news/mill"


def page(lead: str, description: str = "", body: str = "") -> str:
    """An article page: headline, then ``lead`` (the markup under it), then the story."""
    paragraphs = body or "".join(f"<p>{p}</p>" for p in BODY)
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (
        f"<html><head><title>Old mill to turn again | Valley Times</title>{meta}"
        f'<link rel="canonical" href="{URL}"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Old mill to turn again</h1>{lead}"
        f"<div class='story-body'>{paragraphs}</div></article>"
        "<footer>Valley Times, all rights kept</footer></body></html>"
    )


def assert_standfirst_apart(html: str) -> None:
    article = extract_article(html, URL)
    assert article.standfirst == STANDFIRST
    assert article.body == "\n\n".join(BODY)
    assert article.text == "\n\n".join([STANDFIRST, *BODY])


def test_a_standfirst_in_a_container_named_for_it_is_its_own_field() -> None:
    assert_standfirst_apart(page(f"<div class='article-dek'><p>{STANDFIRST}</p></div>"))


def test_each_common_name_of_a_standfirst_container_is_recognised() -> None:
    for name in ("standfirst", "sub-headline", "summary", "lede", "excerpt", "strapline"):
        assert_standfirst_apart(page(f"<p class='story-{name}'>{STANDFIRST}</p>"))


def test_a_sentence_set_as_h2_between_headline_and_body_is_a_standfirst() -> None:
    assert_standfirst_apart(page(f"<h2>{STANDFIRST}</h2>"))


def test_a_box_repeating_the_page_description_is_a_standfirst() -> None:
    assert_standfirst_apart(page(f"<div class='top'>{STANDFIRST}</div>", STANDFIRST))


def test_a_first_paragraph_repeated_as_the_description_stays_in_the_body() -> None:
    # Sites often reuse the story's opening paragraph as their description.
    article = extract_article(page("", BODY[0]), URL)

    assert article.standfirst == ""
    assert article.body == article.text == "\n\n".join(BODY)


def test_a_summary_container_that_holds_the_whole_story_is_not_a_standfirst() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    article = extract_article(page("", body=f"<div class='entry-summary'>{paragraphs}</div>"), URL)

    assert article.standfirst == ""
    assert article.body == "\n\n".join(BODY)


def test_a_short_h2_label_over_the_story_is_not_a_standfirst() -> None:
    article = extract_article(page("<h2>Local news</h2>"), URL)

    assert article.standfirst == ""
    assert article.body == article.text


def test_a_story_that_is_one_paragraph_has_no_standfirst() -> None:
    article = extract_article(page(f"<p class='standfirst'>{STANDFIRST}</p>", body=" "), URL)

    assert article.standfirst == ""
    assert article.text == article.body == STANDFIRST


def test_the_indexed_text_and_its_length_keep_the_standfirst(tmp_path: Path) -> None:
    path = tmp_path / "mill.html"
    path.write_text(page(f"<div class='standfirst'>{STANDFIRST}</div>"), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(path), "--format", "json"])

    assert result.exit_code == 0
    record = json.loads(result.output)
    whole = "\n\n".join([STANDFIRST, *BODY])
    assert record["text"] == whole
    # Each paragraph break counts as one space.
    assert record["article_chars"] == len(STANDFIRST) + sum(len(p) for p in BODY) + 3
    index = tmp_path / "index.sqlite"
    added = CliRunner().invoke(main, ["index", "add", str(path), "--index", str(index)])
    assert added.exit_code == 0
    with SQLiteIndex(str(index)) as store:
        (info,) = list(store.articles())
        assert store.get(info.id).text == whole


def test_reading_a_source_keeps_the_standfirst_while_it_sets_url_title_and_date(
    tmp_path: Path,
) -> None:
    # A file saved without its canonical link is known by its path; a JSONL record names
    # its own URL, title and date: neither may lose what extraction said of the standfirst.
    html = page(f"<div class='standfirst'>{STANDFIRST}</div>").replace(
        f'<link rel="canonical" href="{URL}">', ""
    )
    path = tmp_path / "mill.html"
    path.write_text(html, encoding="utf-8")
    from_file = article_from_file(path)
    record = {"url": URL, "title": "Mill", "published": "2026-03-01", "html": html}
    from_record = article_from_jsonl_line("export.jsonl:1", json.dumps(record).encode())
    assert isinstance(from_record, Article)

    assert from_file.url == str(path)
    assert (from_record.url, from_record.title, from_record.published) == (
        URL,
        "Mill",
        "2026-03-01",
    )
    for article in (from_file, from_record):
        assert article.standfirst == STANDFIRST
        assert article.body == "\n\n".join(BODY)
