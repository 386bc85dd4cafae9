"""A publisher's [archive] hints: the story exactly where the policy says it is.

The pages and policies here are fictional and written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.models import ArchiveHints, SiteHints
from reprint_check.page.article import (
    extract_article,
    extract_article_with,
    extract_for_site,
)

STORY = [
    "The lighthouse on Gull Point was lit again on Friday evening, for the first time "
    "since the storm of 2029 broke its lantern.",
    "Volunteers spent two winters restoring the brass and replacing the glass, paid for "
    "by a collection in the village shop.",
    "The keeper's cottage will open as a small museum in the summer, with the old log "
    "books on show.",
]
BOX = (
    "Our coastal desk is funded by readers like you: become a member for the price of a "
    "coffee a month and keep these stories coming."
)
# A layout where the story's first paragraph sits in a standfirst box of its own and a
# members' appeal, written like prose, stands between the paragraphs.
PAGE = (
    "<html><head><title>Gull Point light shines again</title>"
    "<link rel='canonical' href='https://coast.example/2031/gull-point-light'></head><body>"
    "<article><h1>Gull Point light shines again</h1>"
    f"<div class='standfirst'><p>{STORY[0]}</p></div>"
    f"<div class='copy'><p>{STORY[1]}</p>"
    f"<div class='appeal'><p>{BOX}</p></div>"
    f"<p>{STORY[2]}</p></div>"
    "</article></body></html>"
)
URL = "https://coast.example/2031/gull-point-light"
TEXT = "\n\n".join(STORY)


def test_body_and_exclude_selectors_give_exactly_the_story() -> None:
    hints = ArchiveHints(body="div.standfirst, div.copy", exclude=(".appeal",))

    article = extract_article_with(PAGE, URL, hints)

    assert article.text == "\n\n".join(STORY)
    assert article.title == "Gull Point light shines again"
    assert article.url == URL


def test_exclude_alone_applies_before_the_story_is_found() -> None:
    assert BOX in extract_article(PAGE, URL).text  # prose between paragraphs: kept unhinted

    article = extract_article_with(PAGE, URL, ArchiveHints(exclude=("div.appeal",)))

    assert BOX not in article.text
    assert STORY[2] in article.text


def test_a_body_selector_that_matches_nothing_falls_back_to_the_usual_reading() -> None:
    hinted = extract_article_with(PAGE, URL, ArchiveHints(body="div.no-such-thing"))

    assert hinted.text == extract_article(PAGE, URL).text


def test_hints_go_by_host_subdomains_included_and_a_default_for_the_rest() -> None:
    coast = ArchiveHints(body="div.copy")
    news = ArchiveHints(body="main")
    fallback = ArchiveHints(exclude=(".appeal",))
    site = SiteHints(
        hosts=(("coast.example", coast), ("news.coast.example", news)), default=fallback
    )

    assert site.for_url("https://www.coast.example/a") == coast
    assert site.for_url("https://news.coast.example/a") == news  # the narrower host wins
    assert site.for_url("https://inland.example/a") == fallback
    assert site.for_url(None) == fallback


def test_a_file_is_read_with_the_hints_of_the_host_its_canonical_link_names() -> None:
    site = SiteHints(hosts=(("coast.example", ArchiveHints(exclude=(".appeal",))),))

    assert BOX not in extract_for_site(PAGE.encode(), None, site).text
    assert BOX in extract_for_site(PAGE.encode(), None, SiteHints()).text


POLICY = """\
[policy]
name = "coast"
domains = ["coast.example"]

[archive]
body = "div.standfirst, div.copy"
exclude = [".appeal"]
"""


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, Path]:
    page = tmp_path / "archive" / "gull-point.html"
    page.parent.mkdir()
    page.write_text(PAGE, encoding="utf-8")
    policy = tmp_path / "coast.toml"
    policy.write_text(POLICY, encoding="utf-8")
    return page.parent, policy


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_index_add_honours_the_policy_hints(
    archive: tuple[Path, Path], tmp_path: Path, jobs: str
) -> None:
    folder, policy = archive
    index = str(tmp_path / "index.sqlite")

    result = run("index", "add", str(folder), "--index", index, "--policy", str(policy),
                 "--jobs", jobs)  # fmt: skip

    assert result.exit_code == 0, result.output
    listed = run("index", "list", "--index", index).output
    assert listed == f"{URL}\t{len(TEXT)}\tGull Point light shines again\n"


def test_extract_shows_the_hinted_text_and_index_add_without_the_policy_does_not(
    archive: tuple[Path, Path],
) -> None:
    folder, policy = archive

    hinted = json.loads(run("extract", str(folder), "--policy", str(policy), "--format",
                            "json").output)  # fmt: skip
    plain = json.loads(run("extract", str(folder), "--format", "json").output)

    assert hinted["text"] == "\n\n".join(STORY)
    assert BOX in plain["text"]


def test_a_bad_selector_in_the_policy_is_exit_two_before_anything_is_indexed(
    archive: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, policy = archive
    policy.write_text(POLICY.replace('".appeal"', '"div["'), encoding="utf-8")
    index = tmp_path / "index.sqlite"

    result = run("index", "add", str(folder), "--index", str(index), "--policy", str(policy))

    assert result.exit_code == 2
    assert result.output == (
        f"reprint-check: {policy}: archive.exclude: expected a list of CSS selectors like "
        '[".newsletter", "aside.related"], got ["div["]\n'
    )
    assert not index.exists()
