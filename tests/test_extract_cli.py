"""``reprint-check extract``: an article exactly as ``index add`` would hold it.

The pages and texts here are fictional and written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.index import SQLiteIndex

PARAGRAPHS = [
    "The harbour ferry made its first crossing of the season on Monday morning, carrying "
    "forty passengers and two bicycles across the bay.",
    "Its captain said the engine overhaul had taken longer than planned, but the boat is "
    "now quieter and uses less fuel than before.",
    "Timetables are posted at both piers and on the council's website.",
]
STORY_PAGE = (
    "<html><head><title>Harbour ferry returns | Courier</title>"
    '<link rel="canonical" href="https://courier.example/news/ferry"></head><body>'
    "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    "<article><h1>Harbour ferry returns after winter</h1><div class='story-body'>"
    f"<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"
    "<div class='newsletter'><h3>Get the morning briefing</h3><p>Sign up for our newsletter "
    "and get the day's stories in your inbox every morning.</p></div>"
    f"<p>{PARAGRAPHS[2]}</p></div></article><footer>Courier, all rights kept</footer>"
    "</body></html>"
)
# Three paragraphs joined by blank lines: each paragraph break counts as one space.
ARTICLE_CHARS = sum(len(p) for p in PARAGRAPHS) + 2


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def story(tmp_path: Path) -> Path:
    path = tmp_path / "ferry.html"
    path.write_text(STORY_PAGE, encoding="utf-8")
    return path


def test_text_format_shows_url_title_length_and_the_body(tmp_path: Path) -> None:
    result = run("extract", str(story(tmp_path)))

    assert result.exit_code == 0
    assert result.output == (
        "URL: https://courier.example/news/ferry\n"
        "Title: Harbour ferry returns after winter\n"
        f"Article chars: {ARTICLE_CHARS:,}\n\n" + "\n\n".join(PARAGRAPHS) + "\n"
    )


def test_json_is_one_object_with_exactly_what_the_index_holds(tmp_path: Path) -> None:
    page = story(tmp_path)
    result = run("extract", str(page), "--format", "json")

    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record == {
        "url": "https://courier.example/news/ferry",
        "title": "Harbour ferry returns after winter",
        "text": "\n\n".join(PARAGRAPHS),
        "article_chars": ARTICLE_CHARS,
    }
    index = tmp_path / "index.sqlite"
    assert run("index", "add", str(page), "--index", str(index)).exit_code == 0
    with SQLiteIndex(str(index)) as store:
        (info,) = list(store.articles())
        stored = store.get(info.id)
    assert (stored.url, stored.title, stored.text) == (
        record["url"],
        record["title"],
        record["text"],
    )


def test_several_inputs_give_an_array_in_input_order(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(
        "URL: https://courier.example/news/tides\nTitle: Tide tables\n\n"
        "Spring tides are due on the fourth and the nineteenth.\n",
        encoding="utf-8",
    )

    result = run("extract", str(note), str(story(tmp_path)), "--format", "json")

    assert result.exit_code == 0
    records = json.loads(result.output)
    assert [r["url"] for r in records] == [
        "https://courier.example/news/tides",
        "https://courier.example/news/ferry",
    ]
    assert records[0] == {
        "url": "https://courier.example/news/tides",
        "title": "Tide tables",
        "text": "Spring tides are due on the fourth and the nineteenth.\n",
        "article_chars": len("Spring tides are due on the fourth and the nineteenth."),
    }


def test_a_missing_file_is_exit_two_and_the_others_are_still_shown(tmp_path: Path) -> None:
    missing = tmp_path / "gone.html"

    result = CliRunner().invoke(
        main, ["extract", str(missing), str(story(tmp_path)), "--format", "json"]
    )

    assert result.exit_code == 2
    assert result.stderr == f"reprint-check: {missing}: no such file or folder\n"
    assert [r["url"] for r in json.loads(result.stdout)] == ["https://courier.example/news/ferry"]


def test_a_page_without_text_is_exit_three(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><script>var x = 1;</script></body></html>", encoding="utf-8")

    result = CliRunner().invoke(main, ["extract", str(empty)])

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == f"reprint-check: {empty}: no article text found\n"
