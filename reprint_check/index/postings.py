"""Postings as sorted runs of packed chunks: the fingerprint index both backends store.

A posting is (fingerprint hash, article id). One database row per posting
costs a record, a B-tree cell and, in a table ordered by hash, a write to a
random page: at a million articles (about 200 million postings) such a table
outgrows every cache, and each batch of an ingest rewrites most of its pages.
Here the postings are kept as *runs*, each sorted by hash and cut into chunks
of at most ``CHUNK_POSTINGS`` postings stored as one row (the hashes and the
article ids as two packed arrays). A write adds one run; runs are merged
(``merges_due``, ``compaction``) so that each posting is rewritten a few
times in all, never once per batch, and a look-up reads one chunk per k-gram
per run, from few runs.

What a run guarantees, so that one probe finds every posting of a hash:

- its chunks, ordered by ``first``, hold ascending hashes; every hash of a
  chunk is at least its ``first`` and below the next chunk's ``first``;
- all postings of one hash are in one chunk: one that would hold more than
  ``CHUNK_POSTINGS`` is a chunk of its own;
- ``head`` counts the postings of the hash ``first`` (they open the chunk).

So the chunk with the greatest ``first`` at or below a hash holds all its
postings in the run: counted by ``head`` where ``first`` is the hash, else
found by bisecting the chunk's hashes. Everything here is pure: the backends read and
write the rows.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import eq

# Postings per chunk: a probe decodes one chunk (1.5 KB); a row of this size
# stays inside a database page (SQLite 16 KB, PostgreSQL 8 KB) with no overflow.
CHUNK_POSTINGS = 128
# Runs of the same size class (``_tier``) merged at once while writing: each
# posting is rewritten about once per factor of this in the size of the index.
MERGE_FANOUT = 8
# After an ingest, runs are merged until each run holds at least this many
# times the postings of all newer runs together: a few runs remain, the newest
# small, so that a small ingest does not rewrite a large index.
COMPACTION_RATIO = 8
# Postings a merge buffers before it writes the merged part.
MERGE_SLAB = 1 << 16
# Article ids are packed as signed 32-bit integers.
MAX_ARTICLE_ID = (1 << 31) - 1

_LITTLE = sys.byteorder == "little"


@dataclass(frozen=True)
class Chunk:
    """Up to ``CHUNK_POSTINGS`` postings of one run, ascending by hash (see the module doc)."""

    first: int
    head: int
    hashes: array  # array('q')
    ids: array  # array('i'), the article of each hash

    @property
    def lone(self) -> bool:
        """Whether every posting is of the hash ``first`` (its hashes need not be stored)."""
        return self.head == len(self.ids)


# --- packing ---------------------------------------------------------------------------


def pack(values: array, *, big: bool = False) -> bytes:
    """The array as little-endian (or ``big``-endian) bytes, whatever the machine."""
    if big != _LITTLE:
        return values.tobytes()
    swapped = array(values.typecode, values)
    swapped.byteswap()
    return swapped.tobytes()


def unpack(typecode: str, data: bytes, *, big: bool = False) -> array:
    values = array(typecode)
    values.frombytes(data)
    if big == _LITTLE:
        values.byteswap()
    return values


# --- building and merging runs ------------------------------------------------------------


def run_postings(articles: Iterable[tuple[int, Sequence[int]]]) -> tuple[array, array]:
    """(hashes, ids) of the articles' fingerprints, ascending by hash.

    ``articles``: (article id, its fingerprints in ascending order). Equal
    hashes keep the order the articles come in.
    """
    hashes = array("q")
    ids = array("i")
    for article_id, fingerprints in articles:
        if not 0 < article_id <= MAX_ARTICLE_ID:
            raise ValueError(f"article id {article_id} does not fit a posting")
        hashes.extend(fingerprints)
        ids.extend(array("i", [article_id]) * len(fingerprints))
    return _sort(hashes, ids)


def _sorted_by_hash(parts: Sequence[tuple[array, array]]) -> tuple[array, array]:
    """The parts' postings in one pair of arrays, ascending by hash, ties in part order.

    Parts are usually sorted stretches already: the sort finds them and merges them.
    """
    parts = [p for p in parts if len(p[0])]
    if len(parts) == 1:
        return parts[0]
    hashes = array("q")
    ids = array("i")
    for h, i in parts:
        hashes.extend(h)
        ids.extend(i)
    return _sort(hashes, ids)


def _sort(hashes: array, ids: array) -> tuple[array, array]:
    """Postings ascending by hash, equal hashes in the order given (a stable sort)."""
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    return array("q", map(hashes.__getitem__, order)), array("i", map(ids.__getitem__, order))


def cut(hashes: array, ids: array, *, last: bool = True) -> Iterator[Chunk]:
    """Chunks of ascending postings, each holding every posting of its hashes.

    With ``last`` False, a final chunk with room for more postings is held
    back (it is the caller's to cut again with what follows); the postings
    of the chunks returned are then ``hashes[:n]`` for the ``n`` they hold.
    """
    n = len(hashes)
    size = CHUNK_POSTINGS
    i = 0
    while i < n:
        first = hashes[i]
        j = i + size
        if j < n and hashes[j - 1] == hashes[j]:  # j would split a hash's postings
            j = bisect_left(hashes, hashes[j], i, j)
            if j == i:  # the hash alone has more postings than a chunk: a chunk of its own
                j = bisect_right(hashes, first, i)
                yield Chunk(first, j - i, hashes[i:j], ids[i:j])
                i = j
                continue
        elif j >= n:
            j = n
            if not last and j - i < size:
                return
        yield Chunk(first, bisect_right(hashes, first, i, j) - i, hashes[i:j], ids[i:j])
        i = j


def merge_runs(runs: Sequence[Iterator[Chunk]], slab: int = MERGE_SLAB) -> Iterator[Chunk]:
    """The chunks of one run holding every posting of ``runs`` (each its chunks in order).

    Reads the runs as it goes and holds about ``slab`` postings, whatever
    their size; equal hashes keep the order of ``runs`` (oldest first).
    """
    count = len(runs)
    hashes = [array("q") for _ in range(count)]
    ids = [array("i") for _ in range(count)]
    upcoming: list[Chunk | None] = [next(run, None) for run in runs]
    held_hashes, held_ids = array("q"), array("i")  # cut, short of a chunk: below all to come
    buffered = 0
    stalled = False  # nothing was below the bound: read on, whatever is buffered
    while True:
        live = [r for r in range(count) if upcoming[r] is not None]
        if live and (buffered < slab or stalled):
            r = min(live, key=lambda r: upcoming[r].first)  # type: ignore[union-attr]
            chunk = upcoming[r]
            assert chunk is not None
            hashes[r].extend(chunk.hashes)
            ids[r].extend(chunk.ids)
            buffered += len(chunk.hashes)
            upcoming[r] = next(runs[r], None)
            stalled = False
            continue
        # every posting below ``bound`` has been read: no run holds another
        bound = min((upcoming[r].first for r in live), default=None)  # type: ignore[union-attr]
        parts = []
        for r in range(count):
            take = len(hashes[r]) if bound is None else bisect_left(hashes[r], bound)
            if take:
                parts.append((hashes[r][:take], ids[r][:take]))
                del hashes[r][:take]
                del ids[r][:take]
        if not parts and bound is not None:
            stalled = True
            continue
        merged_hashes, merged_ids = _sorted_by_hash(parts) if parts else (array("q"), array("i"))
        held_hashes.extend(merged_hashes)  # everything held is below what was merged
        held_ids.extend(merged_ids)
        done = 0
        for chunk in cut(held_hashes, held_ids, last=bound is None):
            done += len(chunk.hashes)
            yield chunk
        del held_hashes[:done]
        del held_ids[:done]
        buffered = sum(map(len, hashes))
        if bound is None:
            return


def merge_postings(runs: Sequence[tuple[array, array]]) -> tuple[array, array]:
    """Whole runs' postings merged (runs oldest first), for small runs held in memory."""
    return _sorted_by_hash(runs)


# --- finding a hash in its chunk ----------------------------------------------------------


def holders_in(first: int, head: int, hashes: array, h: int) -> tuple[int, int]:
    """Where the postings of ``h`` lie in the chunk that holds them: (start, end) in its arrays.

    ``hashes`` is not read where ``first`` is ``h`` (``head`` counts them,
    they open the chunk), and may be empty where the chunk is ``lone``.
    """
    if first == h:
        return 0, head
    start = bisect_left(hashes, h)
    return start, bisect_right(hashes, h, start)


def common_hashes(runs: Sequence[Iterator[Chunk]], threshold: int) -> int:
    """Hashes with at least ``threshold`` postings in the runs together (a pass over them all)."""
    if not runs:
        return 0
    common = 0
    for chunk in runs[0] if len(runs) == 1 else merge_runs(runs):
        hashes = chunk.hashes
        if chunk.lone:
            common += chunk.head >= threshold
        elif len(hashes) >= threshold:
            common += len(set(compress(hashes, map(eq, hashes, hashes[threshold - 1 :]))))
    return common


def without(chunk: Chunk, hashes: set[int], article_id: int) -> Chunk | None:
    """The chunk less the article's postings of these hashes; None when nothing is left."""
    keep = [
        i
        for i, (h, a) in enumerate(zip(chunk.hashes, chunk.ids, strict=True))
        if a != article_id or h not in hashes
    ]
    if len(keep) == len(chunk.ids):
        return chunk
    if not keep:
        return None
    kept = array("q", map(chunk.hashes.__getitem__, keep))
    return Chunk(
        chunk.first, count_of(kept, chunk.first), kept, array("i", map(chunk.ids.__getitem__, keep))
    )


# A probe's answer: (hash, run, first, head, packed hashes) of the chunk of a run that
# may hold the hash; the packed hashes are None where ``first`` is the hash itself.
Probe = tuple[int, int, int, int, "bytes | None"]
# Where a hash's postings are: (hash, run, first of the chunk, start, end).
Place = tuple[int, int, int, int, int]


def holders(probes: Iterable[Probe], *, big: bool = False) -> tuple[dict[int, int], list[Place]]:
    """Articles holding each hash (over all runs), and where its postings lie.

    A chunk comes back for a hash that its packed bytes merely contain
    (the search is not aligned to whole hashes): bisecting decides. ``big``:
    the hashes are packed big-endian.
    """
    counts: dict[int, int] = {}
    places: list[Place] = []
    for h, run, first, head, packed in probes:
        if packed is None:
            start, end = 0, head
        else:
            start, end = holders_in(first, head, unpack("q", packed, big=big), h)
        if end > start:
            counts[h] = counts.get(h, 0) + end - start
            places.append((h, run, first, start, end))
    return counts, places


def postings_at(
    places: Iterable[Place], ids: dict[tuple[int, int], bytes]
) -> list[tuple[int, int]]:
    """(hash, article id) at ``places``; ``ids``: the packed ids of each (run, first) chunk."""
    return [
        (h, article_id)
        for h, run, first, start, end in places
        for article_id in unpack("i", ids[run, first])[start:end]
    ]


def count_of(hashes: array, h: int) -> int:
    """Postings of ``h`` among ascending ``hashes``."""
    start = bisect_left(hashes, h)
    return bisect_right(hashes, h, start) - start


# --- when to merge ------------------------------------------------------------------------


_FANOUT_BITS = MERGE_FANOUT.bit_length() - 1


def _tier(postings: int) -> int:
    """Size class of a run: runs of one class differ less than ``MERGE_FANOUT`` times in size."""
    return max(1, postings).bit_length() // _FANOUT_BITS


def merges_due(sizes: Sequence[int]) -> int:
    """How many of the newest runs to merge now (0: none); ``sizes`` in postings, oldest first.

    ``MERGE_FANOUT`` runs of the same size class merge into one of the next
    class, as a counter carries: a posting is rewritten once per class it
    climbs, so an ingest of N postings rewrites each about log(N) / log(8) times.
    """
    if len(sizes) < MERGE_FANOUT:
        return 0
    newest = _tier(sizes[-1])
    same = 0
    for size in reversed(sizes):
        if _tier(size) != newest:
            break
        same += 1
    return same if same >= MERGE_FANOUT else 0


def compaction(sizes: Sequence[int]) -> int:
    """How many of the newest runs to merge after an ingest (0: none); sizes oldest first.

    Merges from the oldest run that holds fewer than ``COMPACTION_RATIO``
    times the postings of all newer runs together: after it, run sizes fall
    geometrically, so a look-up probes a handful of runs at most, and a small
    ingest merges only the small runs.
    """
    newer = 0
    due = 0
    for i in range(len(sizes) - 1, 0, -1):
        newer += sizes[i]
        if sizes[i - 1] < COMPACTION_RATIO * newer:
            due = len(sizes) - (i - 1)
    return due
