"""Site templates learned from the archive: what repeats across a site is not the story.

The archive is fiction (benchmarks/sitearchive.py): "Harbour Times" pages that
carry a staff line, a members' appeal and, on most pages, a newsletter plea inside
the story's container.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.index import SourceIndex
from reprint_check.index.ingest import ingest
from reprint_check.index.template import (
    MIN_TEMPLATE_ARTICLES,
    learn_template,
    paragraph_key,
    strip_template,
)
from reprint_check.text.normalize import visible_length

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from sitearchive import APPEAL, BYLINE, HOST, PLEA, pages

SITE = pages(20)  # 9 of them carry the newsletter plea: a template at 5 or more


def write_archive(folder: Path, site=SITE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(site):
        (folder / f"story-{number:02d}.html").write_text(page.html, encoding="utf-8")
    return folder


def stored(store: SourceIndex) -> dict[str, str]:
    return {info.url: store.get(info.id).text for info in store.articles()}


# --- the pure functions ----------------------------------------------------------------


def test_strip_keeps_everything_else_exactly_as_it_stands() -> None:
    text = "Footer line.\n\nFirst  paragraph\nwraps here.\n \nSecond paragraph.\n\n\nFooter line.\n"

    assert strip_template(text, frozenset({paragraph_key("footer   LINE.")})) == (
        "First  paragraph\nwraps here.\n \nSecond paragraph."
    )


def test_strip_never_empties_an_article() -> None:
    assert strip_template("Only a footer.", frozenset({paragraph_key("Only a footer.")})) == (
        "Only a footer."
    )


def test_a_paragraph_is_template_in_a_quarter_of_the_articles_and_at_least_five() -> None:
    footer = "Support independent journalism: become a member."

    def texts(with_footer: int, total: int) -> list[str]:
        return [f"Story {n}." + ("\n\n" + footer if n < with_footer else "") for n in range(total)]

    key = paragraph_key(footer)
    assert key in learn_template(texts(5, 20))
    assert key not in learn_template(texts(5, 21))  # under a quarter
    assert key not in learn_template(texts(MIN_TEMPLATE_ARTICLES - 1, 4))  # too few


def test_paragraphs_that_differ_only_in_numbers_are_not_one_template_line() -> None:
    texts = [f"The board voted {n} to {n + 3} on the breakwater." for n in range(20)]

    assert learn_template(texts) == frozenset()


# --- at ingest -------------------------------------------------------------------------


def test_ingest_leaves_the_sites_template_out_of_every_article(
    tmp_path: Path, store: SourceIndex
) -> None:
    archive = write_archive(tmp_path / "archive")

    result = ingest([str(archive)], store)

    assert result.templates.hosts == (HOST,)
    assert stored(store) == {page.url: "\n\n".join(page.story) for page in SITE}
    for text in stored(store).values():
        assert APPEAL not in text and PLEA not in text and BYLINE not in text


def test_article_chars_before_and_after(tmp_path: Path, store: SourceIndex) -> None:
    archive = write_archive(tmp_path / "archive")

    ingest([str(archive)], store, learn_templates=False)
    before = {url: visible_length(text) for url, text in stored(store).items()}
    ingest([str(archive)], store)
    after = {url: visible_length(text) for url, text in stored(store).items()}

    for page in SITE:
        story = visible_length("\n\n".join(page.story))
        assert after[page.url] == story
        assert before[page.url] > story + len(APPEAL) + len(BYLINE)


def test_re_adding_the_archive_changes_nothing(tmp_path: Path, store: SourceIndex) -> None:
    archive = write_archive(tmp_path / "archive")
    ingest([str(archive)], store)

    again = ingest([str(archive)], store)

    assert (again.added, again.replaced, again.unchanged) == (0, 0, len(SITE))
    assert again.templates.hosts == ()


def test_an_article_added_later_is_stored_without_the_known_template(
    tmp_path: Path, store: SourceIndex
) -> None:
    site = pages(21)
    ingest([str(write_archive(tmp_path / "archive", site[:20]))], store)
    late = tmp_path / "late.html"
    late.write_text(site[20].html, encoding="utf-8")

    result = ingest([str(late)], store)

    assert result.templates.hosts == ()  # nothing new to learn
    assert stored(store)[site[20].url] == "\n\n".join(site[20].story)


def test_other_sites_keep_their_text(tmp_path: Path, store: SourceIndex) -> None:
    archive = write_archive(tmp_path / "archive")
    other = tmp_path / "other.html"
    other.write_text(
        SITE[0].html.replace(HOST, "coast-courier.example"), encoding="utf-8"
    )  # the same appeal on another site's page, once: not that site's template

    ingest([str(archive), str(other)], store)

    assert APPEAL in stored(store)[SITE[0].url.replace(HOST, "coast-courier.example")]


def test_index_add_says_what_it_learned_and_extract_shows_the_stored_text(
    tmp_path: Path,
) -> None:
    archive = write_archive(tmp_path / "archive")
    index = str(tmp_path / "index.sqlite")
    runner = CliRunner()

    added = runner.invoke(main, ["index", "add", str(archive), "--index", index])

    assert added.exit_code == 0
    assert added.stderr.splitlines()[-1] == (
        f"site template learned for 1 host(s) ({HOST}): 20 article(s) stored again without it"
    )
    page = archive / "story-03.html"
    plain = json.loads(runner.invoke(main, ["extract", str(page), "--format", "json"]).stdout)
    held = json.loads(
        runner.invoke(main, ["extract", str(page), "--format", "json", "--index", index]).stdout
    )
    assert APPEAL in plain["text"]
    assert held["text"] == "\n\n".join(SITE[3].story)
    assert held["article_chars"] == visible_length(held["text"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_strip_the_known_template_too(tmp_path: Path, jobs: int) -> None:
    from reprint_check.index import SQLiteIndex

    site = pages(22)
    with SQLiteIndex(str(tmp_path / "index.sqlite")) as store:
        ingest([str(write_archive(tmp_path / "a", site[:20]))], store)
        rest = write_archive(tmp_path / "b", site[20:])
        result = ingest([str(rest)], store, jobs=jobs)
        assert (result.added, result.templates.rewritten) == (2, 0)
        assert stored(store)[site[21].url] == "\n\n".join(site[21].story)


# --- when a site is crawled ------------------------------------------------------------


def test_a_crawled_site_is_stored_without_its_template(tmp_path: Path) -> None:
    from tests.localserver import LocalServer

    index = tmp_path / "crawled.sqlite"
    with LocalServer() as server:
        paths = [f"/story/{number:02d}/" for number in range(len(SITE))]
        urls = "".join(f"<url><loc>{server.url(path)}</loc></url>" for path in paths)
        server.reply(
            "/sitemap.xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
            headers=[("Content-Type", "application/xml")],
        )
        for path, page in zip(paths, SITE, strict=True):
            server.reply(path, page.html.encode("utf-8"))
        result = CliRunner().invoke(
            main,
            ["index", "add", server.url("/"), "--index", str(index), "--allow-private",
             "--delay", "0", "--jobs", "1", "--no-api"],
        )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "site template learned for 1 host(s) (127.0.0.1): 20 article(s)" in result.stderr
    from reprint_check.index import open_index

    with open_index(str(index), create=False) as store:
        texts = sorted(stored(store).values())
    assert texts == sorted("\n\n".join(page.story) for page in SITE)
