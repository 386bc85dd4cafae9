"""Crawl state in the index, on both backends: records per URL, per site, gone articles.

Schema 2 of the index added what a crawl learnt. An index of schema 1 is
refused until ``index migrate`` brings it up to date (the new tables are
added, nothing is lost); PostgreSQL's migration 2 is in test_pgindex.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.index.base import PageRecord, SiteRecord, prepare_article
from reprint_check.index.sqlite import SCHEMA_VERSION, SQLiteIndex
from reprint_check.models import Article
from tests.older_index import older_index

SITE = "https://courier.example"
STORY = (
    "The harbour board of Gull Point voted on Tuesday to rebuild the breakwater, which lost "
    "forty metres of stone in the winter storms.\n\nWork begins in spring."
)


def record(path: str, state: str = "indexed", via: str = "html", **extra: object) -> PageRecord:
    return PageRecord(f"{SITE}{path}", SITE, state, via, "2026-05-01T10:00:00Z", **extra)


def test_records_are_written_with_their_articles_and_read_back(store) -> None:
    article = Article(f"{SITE}/a/", STORY, "Breakwater", (f"{SITE}/old-a/",))
    counts = store.add_prepared_many(
        [prepare_article(article)],
        skip_unchanged=True,
        pages=[record("/old-a/", lastmod="2026-04-01T00:00:00Z", etag='"1"', status=200)],
    )
    assert counts.added == 1
    store.record_pages([record("/b/", "gone", status=404), record("/c/", via="wordpress-api")])
    pages = dict((r.url, (r, stored)) for r, stored in store.pages(SITE))
    assert sorted(pages) == [f"{SITE}/b/", f"{SITE}/c/", f"{SITE}/old-a/"]
    old, stored = pages[f"{SITE}/old-a/"]
    assert stored and old.etag == '"1"' and old.lastmod == "2026-04-01T00:00:00Z"
    assert pages[f"{SITE}/c/"][1] is False  # a record whose article is not (or no longer) there
    assert list(store.pages("https://other.example")) == []
    # the same URL, however spelt, is one record: the last write wins
    store.record_pages([record("/old-a/?utm_source=x", "gone", status=410)])
    assert [r.state for r, _ in store.pages(SITE) if "old-a" in r.url] == ["gone"]
    (gone,) = store.gone_articles()
    assert (gone.article.url, gone.status) == (f"{SITE}/a/", 410)
    assert store.obtained() == {"html": 1}


def test_a_site_record_says_whether_its_last_crawl_finished(store) -> None:
    assert store.site(SITE) is None
    store.record_site(SiteRecord(SITE, f"{SITE}/", "2026-05-01T10:00:00Z", None, "html"))
    assert store.site(SITE).finished is None
    store.record_site(SiteRecord(SITE, f"{SITE}/", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z"))
    assert store.site(SITE) == SiteRecord(
        SITE, f"{SITE}/", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z", ""
    )


def test_stats_say_how_articles_were_obtained_and_list_shows_the_gone(index_location) -> None:
    from reprint_check.index import open_index

    with open_index(index_location) as store:
        store.add_prepared_many(
            [prepare_article(Article(f"{SITE}/{n}/", f"{STORY} Story {n}.")) for n in range(3)]
            + [prepare_article(Article("story.html", STORY + " From a file."))],
            pages=[
                record("/0/", via="wordpress-api"),
                record("/1/", via="wordpress-api"),
                record("/2/", "gone", status=404),
            ],
        )
    runner = CliRunner()
    stats = runner.invoke(main, ["index", "stats", "--index", index_location])
    assert "obtained by crawls: HTML pages 1, WordPress REST API 2; otherwise" in stats.stdout
    assert "(files, exports, pages): 1" in stats.stdout
    assert "gone (404/410, kept): 1" in stats.stdout
    listed = runner.invoke(main, ["index", "list", "--gone", "--index", index_location])
    assert listed.stdout == f"{SITE}/2/\t{len(STORY) + 9}\t\t404 since 2026-05-01T10:00:00Z\n"


def test_an_index_of_schema_1_gains_the_crawl_tables_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    older_index(path, [Article(f"{SITE}/a/", STORY)], schema=1)
    runner = CliRunner()
    refused = runner.invoke(main, ["index", "stats", "--index", str(path)])
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"reprint-check: {path}: index schema 1, this version reads {SCHEMA_VERSION} "
        "(run `reprint-check index migrate`)\n",
    )
    migrated = runner.invoke(main, ["index", "migrate", "--index", str(path)])
    assert migrated.stdout == f"{path}: migrations applied: {SCHEMA_VERSION}\n"
    with SQLiteIndex(path, create=False) as store:
        assert [a.url for a in store.articles()] == [f"{SITE}/a/"]
        store.record_pages([record("/a/")])
        assert [r.url for r, stored in store.pages(SITE) if stored] == [f"{SITE}/a/"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
            str(SCHEMA_VERSION),
        )
