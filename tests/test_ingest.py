"""Streaming, batched, parallel ingest: same index whatever the jobs, no duplicates on re-runs.

Every test that is not about SQLite's file runs on both backends
(``index_location`` and ``store``, tests/pg.py), against SQLite in memory as
the reference where it compares two indexes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from reprint_check.index import open_index
from reprint_check.index.base import SourceIndex, article_fingerprints, prepare_article
from reprint_check.index.ingest import IngestResult, ingest, prepared_articles
from reprint_check.index.sources import SourceError
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article
from reprint_check.text.fingerprint import kgram_hashes, tokenize
from reprint_check.text.normalize import normalize

TOWNS = ["Gull Point", "Eastmere", "Holloway", "Saltash Row", "Brindle Quay", "Marram"]


def story(n: int) -> str:
    town = TOWNS[n % len(TOWNS)]
    return (
        f"Story {n}: the harbour board of {town} voted {n} to {n + 3} on Tuesday to "
        f"rebuild the breakwater, which lost {n * 7} metres of stone in the winter storms.\n\n"
        f"Work on stretch {n} begins in spring and should take {n % 5 + 2} months, "
        f"the board's engineer said."
    )


def write_export(path: Path, count: int, bad_lines: bool = True) -> None:
    lines = []
    for n in range(count):
        lines.append(
            json.dumps({"url": f"https://courier.example/{n}/", "title": f"T{n}", "text": story(n)})
        )
        if bad_lines and n == 2:
            lines.append("{not json")
            lines.append(json.dumps({"url": "https://courier.example/empty/", "text": "  "}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def snapshot(store: SourceIndex, stories: int) -> tuple[list, int, list]:
    """What an index holds, seen through the protocol: its articles (ids aside), its
    fingerprint count, and the articles the text of each story finds, best first."""
    articles = [(i.url, i.title, i.chars) for i in store.articles()]
    found = [
        [(store.get(a).url, hits) for a, hits in store.candidates(kgrams(story(n)))[0]]
        for n in range(stories)
    ]
    return articles, store.stats().fingerprints, found


def kgrams(text: str) -> list[int]:
    return kgram_hashes(tokenize(normalize(text).text))


def test_export_is_ingested_with_errors_reported_and_the_rest_kept(
    tmp_path: Path, index_location: str
) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 12)
    errors: list[SourceError] = []
    with open_index(index_location) as store:
        result = ingest([str(export)], store, batch_articles=5, on_error=errors.append)
        assert result == IngestResult(
            added=12,
            failed=2,
            chars=sum(len(story(n)) for n in range(12)),
            text_bytes=sum(len(story(n).encode()) for n in range(12)),
        )
        assert [(e.source, e.message) for e in errors] == [
            (f"{export}:4", "not JSON (Expecting property name enclosed in double quotes)"),
            (f"{export}:5", 'empty "text"'),
        ]
        assert store.stats().articles == 12
        if isinstance(store, SQLiteIndex):
            assert not Path(index_location + "-wal").stat().st_size  # checkpointed


def test_two_jobs_write_exactly_what_one_writes(tmp_path: Path, store: SourceIndex) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 40)
    with SQLiteIndex(":memory:") as one:
        r1 = ingest([str(export)], one, jobs=1)
        r2 = ingest([str(export)], store, jobs=2)
        assert r1 == r2
        assert snapshot(one, 40) == snapshot(store, 40)
        in_id_order = [i.url for i in sorted(store.articles(), key=lambda i: i.id)]
        assert in_id_order == [f"https://courier.example/{n}/" for n in range(40)]


def test_results_come_in_source_order_from_workers(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 100, bad_lines=False)
    items = list(prepared_articles([str(export)], jobs=2))
    assert [i.article.url for i in items] == [f"https://courier.example/{n}/" for n in range(100)]
    assert list(items[7].hashes) == sorted(article_fingerprints(story(7)))


def test_rerun_after_interruption_leaves_no_duplicates(tmp_path: Path, store: SourceIndex) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 30, bad_lines=False)
    seen = 0

    def interrupt(_item: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 17:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest([str(export)], store, batch_articles=10, on_article=interrupt)
    assert store.stats().articles == 10  # the first batch was committed, the second not
    again = ingest([str(export)], store, batch_articles=10)
    assert (again.added, again.replaced, again.unchanged) == (20, 0, 10)
    assert store.stats().articles == 30
    with SQLiteIndex(":memory:") as fresh:
        ingest([str(export)], fresh)
        assert snapshot(store, 30) == snapshot(fresh, 30)


def test_a_changed_article_replaces_the_stored_one(tmp_path: Path, store: SourceIndex) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 3, bad_lines=False)
    ingest([str(export)], store)
    record = {"url": "https://courier.example/1/", "title": "T1", "text": story(99)}
    export.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = ingest([str(export)], store)
    assert (result.added, result.replaced, result.unchanged) == (0, 1, 0)
    assert store.stats().articles == 3
    fps = store.stats().fingerprints
    assert fps == sum(len(article_fingerprints(story(n))) for n in (0, 2, 99))
    again = ingest([str(export)], store)  # stored exactly as given: not rewritten
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 1)


def test_the_same_article_twice_in_one_batch_keeps_one_copy(store: SourceIndex) -> None:
    first = Article("https://courier.example/a/", story(1))
    second = Article("https://courier.example/a/?utm_source=x", story(2))
    counts = store.add_prepared_many([prepare_article(first), prepare_article(second)])
    assert (counts.added, counts.replaced) == (1, 1)
    assert store.stats().articles == store.count() == 1
    assert store.stats().fingerprints == len(article_fingerprints(story(2)))
    (info,) = store.articles()
    assert info.url == "https://courier.example/a/?utm_source=x"


def test_an_unchanged_article_is_kept_even_when_repeated_in_its_batch(store: SourceIndex) -> None:
    article = Article("https://courier.example/a/", story(1), "A", ("https://c.example/a",))
    store.add(article)
    counts = store.add_prepared_many(
        [prepare_article(article), prepare_article(article)], skip_unchanged=True
    )
    assert (counts.added, counts.replaced, counts.unchanged) == (0, 0, 2)
    assert [i.id for i in store.articles()] == [1]


def test_article_count_follows_writes_of_another_connection(index_location: str) -> None:
    with open_index(index_location) as reader, open_index(index_location) as writer:
        assert reader.count() == 0
        writer.add(Article("https://courier.example/a/", story(1)))
        assert reader.count() == 1


def test_folders_and_missing_sources_are_reported(tmp_path: Path, store: SourceIndex) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "one.txt").write_text(story(1), encoding="utf-8")
    write_export(folder / "more.jsonl", 2, bad_lines=False)
    errors: list[SourceError] = []
    result = ingest([str(folder), str(tmp_path / "nope")], store, on_error=errors.append)
    assert result.added == 3
    assert [(e.source, e.message) for e in errors] == [
        (str(tmp_path / "nope"), "no such file or folder")
    ]


def test_a_locked_index_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    with SQLiteIndex(path) as store:
        blocker = sqlite3.connect(path, timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")
        store._db.execute("PRAGMA busy_timeout = 0")
        from reprint_check.errors import IndexStoreError

        with pytest.raises(IndexStoreError, match="cannot write"):
            store.add(Article("https://courier.example/a/", story(1)))
        blocker.rollback()
        blocker.close()


def test_one_stock_phrase_in_common_makes_no_candidate(store: SourceIndex) -> None:
    store.add(Article("https://courier.example/a/", "alpha beta gamma delta"))
    store.add(Article("https://courier.example/b/", "alpha beta gamma delta epsilon"))
    assert store.candidates(kgrams("zeta alpha beta gamma delta omega")) == ([], set())
    ((found, hits),), _ = store.candidates(kgrams("zeta alpha beta gamma delta epsilon"))
    assert (store.get(found).url, hits) == ("https://courier.example/b/", 1)
