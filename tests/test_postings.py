"""Runs of chunked postings: every posting of a hash found by one probe, whatever the merges.

The index backends only read and write the rows; what a run holds and how
runs merge is decided here, so the properties are checked on the pure
functions, with chunks of a few postings so that every case (a hash split
across a chunk boundary, a hash alone in a chunk, a merge reading runs a
chunk at a time) comes up in small examples.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.index import postings
from reprint_check.index.postings import (
    Chunk,
    common_hashes,
    compaction,
    cut,
    holders_in,
    merge_runs,
    merges_due,
    pack,
    run_postings,
    unpack,
    without,
)


def lookup(chunks: list[Chunk], h: int) -> list[int]:
    """The article ids a probe finds for ``h``: the chunk with the greatest first at or below it."""
    at = bisect_right([c.first for c in chunks], h) - 1
    if at < 0:
        return []
    chunk = chunks[at]
    start, end = holders_in(chunk.first, chunk.head, chunk.hashes, h)
    return sorted(chunk.ids[start:end])


def check_run(chunks: list[Chunk], held: dict[int, list[int]]) -> None:
    """The run's invariants (see the module), and every hash found whole by one probe."""
    firsts = [c.first for c in chunks]
    assert firsts == sorted(set(firsts))
    flat = [h for c in chunks for h in c.hashes]
    assert flat == sorted(flat)
    for chunk, after in zip(chunks, [*firsts[1:], None], strict=False):
        assert chunk.hashes[0] >= chunk.first
        assert after is None or chunk.hashes[-1] < after
        assert chunk.head == list(chunk.hashes).count(chunk.first)
        assert len(chunk.ids) <= postings.CHUNK_POSTINGS or len(set(chunk.hashes)) == 1
    for h in {*held, *(h + 1 for h in held), *(h - 1 for h in held)}:
        assert lookup(chunks, h) == sorted(held.get(h, [])), h


articles = st.lists(
    st.lists(st.integers(-12, 12), min_size=1, max_size=9, unique=True).map(sorted),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(runs=st.lists(articles, min_size=1, max_size=6), slab=st.sampled_from([1, 5, 1000]))
def test_merged_runs_find_every_posting_of_every_hash(
    runs: list[list[list[int]]], slab: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "CHUNK_POSTINGS", 3)
        merged_runs_find_every_posting(runs, slab)


def merged_runs_find_every_posting(runs: list[list[list[int]]], slab: int) -> None:
    held: dict[int, list[int]] = {}
    written = []
    article_id = 0
    for run in runs:
        numbered = []
        for fingerprints in run:
            article_id += 1
            numbered.append((article_id, fingerprints))
            for h in fingerprints:
                held.setdefault(h, []).append(article_id)
        chunks = list(cut(*run_postings(numbered)))
        check_run(chunks, {h: [a for a, f in numbered if h in f] for _, f in numbered for h in f})
        written.append(chunks)
    check_run(list(merge_runs([iter(c) for c in written], slab=slab)), held)


def test_a_hash_with_more_postings_than_a_chunk_has_a_chunk_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postings, "CHUNK_POSTINGS", 4)
    hashes = array("q", [1, 2, 2, 2, 2, 2, 2, 3, 4])
    chunks = list(cut(hashes, array("i", range(1, 10))))
    assert [(c.first, c.head, list(c.hashes)) for c in chunks] == [
        (1, 1, [1]),
        (2, 6, [2] * 6),
        (3, 1, [3, 4]),
    ]
    assert [c.lone for c in chunks] == [True, True, False]
    assert lookup(chunks, 2) == [2, 3, 4, 5, 6, 7]


def test_a_merge_holds_back_a_short_chunk_until_what_follows_is_read() -> None:
    left = list(cut(array("q", [1, 5, 9]), array("i", [1, 1, 1])))
    right = list(cut(array("q", [2, 5, 7]), array("i", [2, 2, 2])))
    merged = list(merge_runs([iter(left), iter(right)], slab=1))
    assert [(h, a) for c in merged for h, a in zip(c.hashes, c.ids, strict=True)] == [
        (1, 1),
        (2, 2),
        (5, 1),  # equal hashes keep the order of the runs, oldest first
        (5, 2),
        (7, 2),
        (9, 1),
    ]
    assert len(merged) == 1  # six postings: one chunk, not one per read


def test_removing_an_articles_postings_rewrites_the_chunk() -> None:
    chunk = Chunk(3, 2, array("q", [3, 3, 5, 8]), array("i", [1, 2, 1, 1]))
    kept = without(chunk, {3, 8}, 1)
    assert kept is not None
    assert (kept.first, kept.head, list(kept.hashes), list(kept.ids)) == (3, 1, [3, 5], [2, 1])
    assert without(chunk, {3}, 9) is chunk  # nothing of that article: unchanged
    assert without(kept, {3, 5}, 2) == Chunk(3, 0, array("q", [5]), array("i", [1]))
    assert without(Chunk(4, 1, array("q", [4]), array("i", [7])), {4}, 7) is None


def test_ids_beyond_32_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        run_postings([(1 << 31, [5])])


def test_chunks_are_packed_little_endian_whatever_the_machine() -> None:
    assert pack(array("q", [1, -2])) == b"\x01" + bytes(7) + b"\xfe" + b"\xff" * 7
    assert list(unpack("i", pack(array("i", [7, -1])))) == [7, -1]


@settings(max_examples=100, deadline=None)
@given(runs=st.lists(articles, min_size=1, max_size=4), threshold=st.integers(1, 6))
def test_common_hashes_are_counted_over_all_runs(
    runs: list[list[list[int]]], threshold: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "CHUNK_POSTINGS", 3)
        common_hashes_counted(runs, threshold)


def common_hashes_counted(runs: list[list[list[int]]], threshold: int) -> None:
    counts: dict[int, int] = {}
    written = []
    for run in runs:
        for fingerprints in run:
            for h in fingerprints:
                counts[h] = counts.get(h, 0) + 1
        written.append(list(cut(*run_postings((n + 1, f) for n, f in enumerate(run)))))
    expected = sum(n >= threshold for n in counts.values())
    assert common_hashes([iter(c) for c in written], threshold) == expected


def test_runs_of_one_size_merge_eight_at_a_time_like_a_counter_carries() -> None:
    batch = 300_000  # one ingest batch of 2,000 articles
    assert merges_due([batch] * 7) == 0
    assert merges_due([batch] * 8) == 8
    # a larger run before them is not part of their class
    assert merges_due([8 * batch, *[batch] * 8]) == 8
    assert merges_due([8 * batch, *[batch] * 7]) == 0
    assert merges_due([5] * 8) == 8  # eight single articles


def test_after_an_ingest_runs_merge_until_each_outweighs_all_newer_ones_eightfold() -> None:
    assert compaction([1000]) == 0
    assert compaction([1000, 100]) == 0  # 1000 >= 8 * 100: a small ingest merges nothing
    assert compaction([1000, 100, 100]) == 3  # 1000 < 8 * 200: everything
    assert compaction([10_000, 100, 100]) == 2  # the two small runs only
    assert compaction([300] * 8) == 8
