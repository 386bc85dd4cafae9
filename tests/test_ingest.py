"""Streaming, batched, parallel ingest: same index whatever the jobs, no duplicates on re-runs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from reprint_check.fingerprint import kgram_hashes, tokenize
from reprint_check.index import SQLiteIndex, article_fingerprints, prepare_article
from reprint_check.ingest import IngestResult, ingest, prepared_articles
from reprint_check.models import Article
from reprint_check.sources import SourceError
from reprint_check.text import normalize

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


def snapshot(store: SQLiteIndex) -> tuple[list, list]:
    db = store._db
    articles = db.execute("SELECT url, title, chars FROM articles ORDER BY url").fetchall()
    fps = db.execute(
        "SELECT f.hash, a.url FROM fingerprints f JOIN articles a ON a.id = f.article_id "
        "ORDER BY f.hash, a.url"
    ).fetchall()
    return articles, fps


def test_export_is_ingested_with_errors_reported_and_the_rest_kept(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 12)
    errors: list[SourceError] = []
    with SQLiteIndex(tmp_path / "i.sqlite") as store:
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
        assert not Path(str(tmp_path / "i.sqlite") + "-wal").stat().st_size  # checkpointed


def test_two_jobs_write_exactly_what_one_writes(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 40)
    with SQLiteIndex(tmp_path / "one.sqlite") as one, SQLiteIndex(tmp_path / "two.sqlite") as two:
        r1 = ingest([str(export)], one, jobs=1)
        r2 = ingest([str(export)], two, jobs=2)
        assert r1 == r2
        assert snapshot(one) == snapshot(two)
        assert [a.url for a in map(one.get, range(1, 41))] == [
            a.url for a in map(two.get, range(1, 41))
        ]


def test_results_come_in_source_order_from_workers(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 100, bad_lines=False)
    items = list(prepared_articles([str(export)], jobs=2))
    assert [i.article.url for i in items] == [f"https://courier.example/{n}/" for n in range(100)]
    assert items[7].fingerprints == tuple(sorted(article_fingerprints(story(7))))


def test_rerun_after_interruption_leaves_no_duplicates(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 30, bad_lines=False)
    seen = 0

    def interrupt(_item: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 17:
            raise KeyboardInterrupt

    with SQLiteIndex(tmp_path / "i.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            ingest([str(export)], store, batch_articles=10, on_article=interrupt)
        assert store.stats().articles == 10  # the first batch was committed, the second not
        again = ingest([str(export)], store, batch_articles=10)
        assert (again.added, again.replaced, again.unchanged) == (20, 0, 10)
        assert store.stats().articles == 30
        fresh = SQLiteIndex(tmp_path / "fresh.sqlite")
        ingest([str(export)], fresh)
        assert snapshot(store) == snapshot(fresh)
        fresh.close()


def test_a_changed_article_replaces_the_stored_one(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    write_export(export, 3, bad_lines=False)
    with SQLiteIndex(tmp_path / "i.sqlite") as store:
        ingest([str(export)], store)
        record = {"url": "https://courier.example/1/", "title": "T1", "text": story(99)}
        export.write_text(json.dumps(record) + "\n", encoding="utf-8")
        result = ingest([str(export)], store)
        assert (result.added, result.replaced, result.unchanged) == (0, 1, 0)
        assert store.stats().articles == 3
        fps = store.stats().fingerprints
        assert fps == sum(len(article_fingerprints(story(n))) for n in (0, 2, 99))


def test_the_same_article_twice_in_one_batch_keeps_one_copy() -> None:
    store = SQLiteIndex(":memory:")
    first = Article("https://courier.example/a/", story(1))
    second = Article("https://courier.example/a/?utm_source=x", story(2))
    counts = store.add_prepared_many([prepare_article(first), prepare_article(second)])
    assert (counts.added, counts.replaced) == (1, 1)
    assert store.stats().articles == 1
    assert store.stats().fingerprints == len(article_fingerprints(story(2)))


def test_article_count_follows_writes_of_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    with SQLiteIndex(path) as reader, SQLiteIndex(path) as writer:
        assert reader.count() == 0
        writer.add(Article("https://courier.example/a/", story(1)))
        assert reader.count() == 1


def test_folders_and_missing_sources_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "one.txt").write_text(story(1), encoding="utf-8")
    write_export(folder / "more.jsonl", 2, bad_lines=False)
    errors: list[SourceError] = []
    with SQLiteIndex(tmp_path / "i.sqlite") as store:
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


def test_one_stock_phrase_in_common_makes_no_candidate() -> None:
    store = SQLiteIndex(":memory:")
    store.add(Article("https://courier.example/a/", "alpha beta gamma delta"))
    store.add(Article("https://courier.example/b/", "alpha beta gamma delta epsilon"))
    lone = kgram_hashes(tokenize(normalize("zeta alpha beta gamma delta omega").text))
    assert store.candidates(lone) == ([], set())
    longer = kgram_hashes(tokenize(normalize("zeta alpha beta gamma delta epsilon").text))
    assert store.candidates(longer)[0] == [(2, 1)]
