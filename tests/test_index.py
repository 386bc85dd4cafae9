"""The source index on both backends: replacing, removing, aliases, boilerplate, stats.

``store`` and ``index_location`` (tests/pg.py) run each test on a SQLite file
and on a throw-away PostgreSQL database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reprint_check.errors import IndexStoreError
from reprint_check.fingerprint import kgram_hashes, tokenize
from reprint_check.index import SourceIndex, SQLiteIndex, boilerplate_threshold, open_index
from reprint_check.models import Article
from reprint_check.text import normalize

STORY = (
    "The lighthouse keeper's cottage on Gull Point will reopen as a small museum next summer, "
    "after volunteers spent three years restoring its slate roof and the lamp room above it. "
    "Visitors will be able to climb the spiral stair on weekends from June."
)
FOOTER = "Sign up to the Courier newsletter for the week's stories every Friday morning."


def kgrams(text: str) -> list[int]:
    return kgram_hashes(tokenize(normalize(text).text))


def test_readding_an_article_by_any_of_its_urls_replaces_it(store: SourceIndex) -> None:
    store.add(Article("https://c.example/a/", STORY, "Old", aliases=("https://c.example/?p=1",)))
    replaced = store.add(Article("http://www.c.example/?p=1#top", STORY + " Updated.", "New"))
    assert replaced is True
    (info,) = list(store.articles())
    assert info.title == "New"
    assert store.stats().articles == 1


def test_remove_by_alias_and_candidates_follow(store: SourceIndex) -> None:
    store.add(Article("https://c.example/a/", STORY, "A", aliases=("https://c.example/amp/a",)))
    ranked, _ = store.candidates(kgrams(STORY))
    assert [aid for aid, _ in ranked] == [1]
    assert store.remove("https://c.example/amp/a?utm_source=x") is True
    assert store.remove("https://c.example/a/") is False
    assert store.candidates(kgrams(STORY)) == ([], set())
    assert store.stats().fingerprints == 0


def test_text_round_trips_exactly(store: SourceIndex) -> None:
    text = "Line one\r\n\r\nLine two — with “quotes” and ünïcode\u200b."
    store.add(Article("x.txt", text))
    assert store.get(1).text == text


def test_get_returns_the_article_with_its_aliases_and_date(store: SourceIndex) -> None:
    article = Article(
        "https://c.example/a/",
        STORY,
        "Gull Point",
        aliases=("https://c.example/?p=1", "https://c.example/amp/a"),
        published="2026-03-01",
    )
    store.add(article)
    assert store.get(1) == article
    with pytest.raises(IndexStoreError, match="no article 7"):
        store.get(7)


def test_boilerplate_shared_by_many_articles_is_suppressed(store: SourceIndex) -> None:
    n = boilerplate_threshold(0)
    for i in range(n):
        store.add(
            Article(f"https://c.example/{i}/", f"Story number {i} about topic {i * 7}. {FOOTER}")
        )
    ranked, boilerplate = store.candidates(kgrams(FOOTER))
    assert ranked == []
    assert boilerplate
    assert store.stats().boilerplate_fingerprints > 0


def test_articles_are_listed_by_url_and_counted(store: SourceIndex) -> None:
    for url in ("https://c.example/b/", "https://c.example/a/", "https://c.example/B/"):
        store.add(Article(url, f"{STORY} {url}", url[-2:]))
    assert [i.url for i in store.articles()] == [
        "https://c.example/B/",
        "https://c.example/a/",
        "https://c.example/b/",
    ]
    stats = store.stats()
    assert (stats.articles, store.count()) == (3, 3)
    assert stats.text_chars == sum(i.chars for i in store.articles())
    assert stats.size_bytes > 0


def test_missing_index_is_a_clear_error(index_location: str) -> None:
    with pytest.raises(IndexStoreError, match="no index here"):
        open_index(index_location, create=False)


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexStoreError, match="not a usable index"):
        SQLiteIndex(bogus)


def test_environment_variable_names_the_index(index_location: str, monkeypatch) -> None:
    monkeypatch.setenv("REPRINT_CHECK_INDEX", index_location)
    with open_index() as store:
        assert store.location == index_location
