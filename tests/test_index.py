"""The source index on both backends: replacing, removing, aliases, boilerplate, stats.

``store`` and ``index_location`` (tests/pg.py) run each test on a SQLite file
and on a throw-away PostgreSQL database.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.errors import IndexStoreError
from reprint_check.index import migrate_sqlite, open_index
from reprint_check.index.base import (
    CHECK_BATCH,
    SourceIndex,
    boilerplate_threshold,
    prepare_article,
    rank_candidates,
    rare_holders,
    split_by_holders,
)
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article
from reprint_check.text.fingerprint import kgram_hashes, tokenize, unmix
from reprint_check.text.normalize import normalize
from tests.older_index import older_index

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
    removed = store.remove("https://c.example/amp/a?utm_source=x")
    assert removed is not None
    assert (removed.id, removed.url, removed.title, removed.chars) == (
        1,
        "https://c.example/a/",
        "A",
        len(STORY),
    )
    assert store.remove("https://c.example/a/") is None
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


def test_get_many_returns_articles_in_the_order_asked(store: SourceIndex) -> None:
    stories = [Article(f"https://c.example/{n}/", f"{STORY} Part {n}.", f"T{n}") for n in range(4)]
    store.add_many(stories)
    ids = {info.url: info.id for info in store.articles()}
    asked = [ids["https://c.example/2/"], ids["https://c.example/0/"], ids["https://c.example/3/"]]
    assert store.get_many(asked) == [stories[2], stories[0], stories[3]]
    assert store.get_many([]) == []
    with pytest.raises(IndexStoreError, match="no article 99"):
        store.get_many([asked[0], 99])
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


def test_postings_written_in_many_runs_find_what_one_write_finds(store: SourceIndex) -> None:
    # one run per write, merged eight at a time; a replaced or removed article
    # loses its postings in whichever run holds them
    stories = [
        Article(f"https://c.example/{n}/", f"{STORY} Part {n} of the series. {FOOTER}", f"T{n}")
        for n in range(30)
    ]
    one = SQLiteIndex(":memory:")
    one.add_many(stories)
    for article in stories:
        store.add(article)
    for index in (one, store):
        index.add(Article("https://c.example/4/", f"{STORY} Part four, rewritten.", "T4"))
        index.remove("https://c.example/9/")

    def found(index: SourceIndex) -> list:
        return [
            (sorted((index.get(i).url, n) for i, n in ranked), sorted(boilerplate))
            for ranked, boilerplate in (
                index.candidates(kgrams(text))
                for text in (STORY, FOOTER, f"{STORY} Part four, rewritten.", "Part 9 of")
            )
        ]

    assert found(store) == found(one)
    store.checkpoint()  # merges what is left into few runs: the same postings
    assert found(store) == found(one)
    ps, os_ = store.stats(), one.stats()
    assert (ps.fingerprints, ps.boilerplate_fingerprints) == (
        os_.fingerprints,
        os_.boilerplate_fingerprints,
    )


@pytest.mark.parametrize("schema", [1, 2])
def test_an_older_schema_is_refused_until_migrated(tmp_path: Path, schema: int) -> None:
    # schemas 1 and 2 kept a row per (fingerprint, article): read as runs they would
    # find no postings, a silent pass; refused, then migrated, they find all
    path = tmp_path / "old.sqlite"
    articles = [
        Article(f"https://c.example/{n}/", f"{STORY} Part {n} of the series. {FOOTER}", f"T{n}")
        for n in range(12)
    ]
    older_index(path, articles, schema)
    for read_only in (True, False):
        with pytest.raises(
            IndexStoreError,
            match=rf"index schema {schema}, this version reads 3 \(run `reprint-check index "
            r"migrate`\)$",
        ):
            SQLiteIndex(path, create=False, read_only=read_only)
    assert migrate_sqlite(path) == [3]
    assert migrate_sqlite(path) == []
    fresh = SQLiteIndex(":memory:")
    fresh.add_many(articles)
    with SQLiteIndex(path, read_only=True) as migrated:
        assert migrated.get(1) == articles[0]
        for text in (STORY, FOOTER, f"{STORY} Part 7 of the series."):
            assert migrated.candidates(kgrams(text)) == fresh.candidates(kgrams(text))
        ms, fs = migrated.stats(), fresh.stats()
        assert (ms.fingerprints, ms.boilerplate_fingerprints) == (
            fs.fingerprints,
            fs.boilerplate_fingerprints,
        )
    with SQLiteIndex(path) as writer:  # and it takes writes
        writer.remove("https://c.example/3/")
        fresh.remove("https://c.example/3/")
        assert writer.candidates(kgrams(STORY)) == fresh.candidates(kgrams(STORY))


def test_a_newer_schema_is_refused_with_the_hint_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    SQLiteIndex(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '9' WHERE key = 'schema'")
    with pytest.raises(IndexStoreError, match=r"schema 9, this version reads 3 \(upgrade"):
        SQLiteIndex(path, read_only=True)
    with pytest.raises(IndexStoreError, match=r"schema 9, this version reads 3 \(upgrade"):
        migrate_sqlite(path)


def test_an_auditor_reading_while_runs_merge_gets_the_same_candidates(tmp_path: Path) -> None:
    # each write adds a run and every eighth merges runs: a reader's look-up holds
    # one snapshot, so it never sees a posting twice (old and merged run) or not at all
    path = tmp_path / "index.sqlite"
    stories = [
        Article(f"https://c.example/{n}/", f"{STORY} Part {n} of the series. {FOOTER}")
        for n in range(24)
    ]
    with SQLiteIndex(path) as store:
        store.add_many(stories)
        expected = [store.candidates(kgrams(a.text)) for a in stories[:6]]
    done = threading.Event()
    seen: list[list] = []
    errors: list[BaseException] = []

    def auditor() -> None:
        try:
            with SQLiteIndex(path) as reader:
                while not done.is_set() or len(seen) < 3:
                    seen.append([reader.candidates(kgrams(a.text)) for a in stories[:6]])
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    thread = threading.Thread(target=auditor)
    thread.start()
    try:
        with SQLiteIndex(path) as writer:
            for _ in range(3):
                for article in stories[6:]:  # the same articles again: unchanged, new runs
                    writer.add_prepared_many([prepare_article(article)], skip_unchanged=False)
    finally:
        done.set()
        thread.join()
    assert not errors, errors

    def by_url(found: list) -> list:
        return [sorted(n for _, n in ranked) for ranked, _ in found]

    assert all(by_url(s) == by_url(expected) for s in seen)


def test_missing_index_is_a_clear_error(index_location: str) -> None:
    with pytest.raises(IndexStoreError, match="no index here"):
        open_index(index_location, create=False)


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexStoreError, match=r"not a reprint-check index \(not a SQLite database"):
        SQLiteIndex(bogus)
    assert bogus.read_bytes() == b"this is not sqlite at all" * 100


def test_environment_variable_names_the_index(index_location: str, monkeypatch) -> None:
    monkeypatch.setenv("REPRINT_CHECK_INDEX", index_location)
    with open_index() as store:
        assert store.location == index_location


# --- the candidate ranking both backends share ---------------------------------------------


def test_holders_split_into_boilerplate_rare_and_common() -> None:
    # 10,000 articles: boilerplate from 20 holders (0.2 %), evidence up to 64 holders
    holders = [(1, 1), (2, 19), (3, 20), (4, 64), (5, 65), (6, 5000)]
    boilerplate, rare = split_by_holders(holders, 10_000)
    assert boilerplate == {3, 4, 5, 6}
    assert rare == {1: 1, 2: 19}
    # in a small archive five holders already make boilerplate
    assert split_by_holders([(1, 4), (2, 5)], 100) == ({2}, {1: 4})


@pytest.mark.parametrize("articles", [100, 10_000, 100_000])
def test_rare_holders_classes_counts_as_split_by_holders_does(articles: int) -> None:
    """The sweep's first test counts holders in arrays: the same rule, not a second one."""
    counts = np.arange(1, 400)
    _, rare = split_by_holders(enumerate(counts.tolist()), articles)
    assert rare_holders(counts, articles).tolist() == [h in rare for h in range(len(counts))]


def test_candidates_rank_by_evidence_then_hits_then_id() -> None:
    rare = {10: 1, 11: 2, 12: 2, 13: 8}
    postings = [
        (10, 7),  # article 7: 1.0 from a fingerprint it alone holds ...
        (11, 7),  # ... + 0.5
        (11, 3),  # article 3: 0.5 + 0.5 = 1.0, two hits
        (12, 3),
        (12, 9),  # article 9: 0.5 + 0.125, two hits
        (13, 9),
        (13, 4),  # article 4: 0.125 alone, below MIN_EVIDENCE: never a candidate
    ]

    def never(article_ids) -> dict[int, set[int]]:
        raise AssertionError("articles with several fingerprints need no check")

    ranked = rank_candidates([10, 11, 12, 13], set(), rare, postings, never)
    assert ranked == [(7, 2), (3, 2), (9, 2)]
    assert rank_candidates([10, 11, 12, 13], set(), rare, postings, never, limit=2) == [
        (7, 2),
        (3, 2),
    ]


def test_an_article_sharing_one_fingerprint_is_kept_only_if_it_shares_more_kgrams() -> None:
    text = "the harbour board voted on the new ferry timetable last night"
    kgrams = list(kgram_hashes(tokenize(normalize(text).text)))
    fingerprint = kgrams[3]
    polynomials = {
        1: {unmix(kgrams[3])},  # the one 4-gram only: a stock phrase
        2: {unmix(h) for h in kgrams[2:5]},  # the passage around it too
    }
    reads: list[list[int]] = []

    def stored(article_ids) -> dict[int, set[int]]:
        reads.append(list(article_ids))
        return {i: polynomials[i] for i in article_ids}

    rare = {fingerprint: 2}
    postings = [(fingerprint, 1), (fingerprint, 2)]
    assert rank_candidates(kgrams, set(), rare, postings, stored) == [(2, 1)]
    assert reads == [[1, 2]]  # one read for both
    # a boilerplate k-gram does not count as shared
    boilerplate = {kgrams[2], kgrams[4]}
    assert rank_candidates(kgrams, boilerplate, rare, postings, stored) == []


def test_single_fingerprint_articles_are_read_in_batches_in_rank_order() -> None:
    text = "the harbour board voted on the new ferry timetable last night"
    kgrams = list(kgram_hashes(tokenize(normalize(text).text)))
    rare = {kgrams[0]: 1}
    rare |= {h: 2 for h in kgrams[1:]}
    # article 1 holds two fingerprints (evidence 1.5), articles 2..121 one each (0.5)
    postings = [(kgrams[0], 1), (kgrams[1], 1)]
    postings += [(kgrams[1 + i % 7], 2 + i) for i in range(120)]
    reads: list[list[int]] = []

    def stored(article_ids) -> dict[int, set[int]]:
        reads.append(list(article_ids))
        # article 60 vanished since the postings were read; the others share the passage
        return {i: {unmix(h) for h in kgrams} for i in article_ids if i != 60}

    ranked = rank_candidates(kgrams, set(), rare, postings, stored)
    assert [i for i, _ in ranked] == [1] + [i for i in range(2, 122) if i != 60]
    assert [len(r) for r in reads] == [CHECK_BATCH, CHECK_BATCH, 120 - 2 * CHECK_BATCH]
    assert [i for r in reads for i in r] == list(range(2, 122))
    # a limit stops reading once enough candidates are kept
    reads.clear()
    assert len(rank_candidates(kgrams, set(), rare, postings, stored, limit=10)) == 10
    assert reads == [list(range(2, 2 + CHECK_BATCH))]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 12)), min_size=1, max_size=60, unique=True
    ),
    st.randoms(use_true_random=False),
)
def test_the_ranking_does_not_depend_on_the_order_rows_arrive_in(
    postings: list[tuple[int, int]], rng
) -> None:
    rare = {h: 1 + h % 7 for h, _ in postings}
    shuffled = postings[:]
    rng.shuffle(shuffled)
    kgrams = sorted(rare)

    def stored(article_ids) -> dict[int, set[int]]:
        return {i: set(kgrams) for i in article_ids}

    assert rank_candidates(kgrams, set(), rare, shuffled, stored) == (
        rank_candidates(kgrams, set(), rare, postings, stored)
    )
