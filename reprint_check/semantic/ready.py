"""Making an index semantic-ready: the cheap encoder over every article, resumable.

``index add --semantic`` stores, per article, its sentences with the cheap
encoder's vectors and the window vectors that candidate retrieval scans.
It works through the articles that lack them, in batches that each commit,
so an interrupted run loses at most one batch and a later run (of the same
sources, or of any) finishes the rest; an index built without ``--semantic``
is made ready the same way. The judge's vectors are not made here: they are
computed for the few articles an audit needs, and kept (see stage.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from reprint_check.index.base import SourceIndex
from reprint_check.semantic.embed import Embedder
from reprint_check.semantic.records import Record, pack
from reprint_check.semantic.sentences import Sentence, split_sentences

__all__ = [
    "MIN_SENTENCE_CHARS",
    "ReadyResult",
    "article_sentences",
    "kinds",
    "make_ready",
    "window_vectors",
]

# Shorter sentences ("Photo: Reuters", "Read more.") say too little to match on.
MIN_SENTENCE_CHARS = 20
# Retrieval compares windows of sentences rather than single ones: a window's
# mean vector still points at its story after translation, and an article has
# a few windows instead of dozens of sentences to scan.
ARTICLE_WINDOW, ARTICLE_STEP = 8, 4
# Articles per committed batch: a few seconds of work between commits.
READY_BATCH = 32
# Version of the sentence rules above; part of every stored kind, so vectors
# made under other rules are never mixed with these.
SENTENCE_RULES = "s1"


def kinds(cheap: Embedder) -> tuple[str, str]:
    """The stored kinds of the cheap encoder: (sentence vectors, window vectors)."""
    sentences = f"{cheap.name}/{SENTENCE_RULES}"
    return sentences, f"{sentences}/w{ARTICLE_WINDOW}-{ARTICLE_STEP}"


def article_sentences(text: str) -> list[Sentence]:
    """The sentences of a text long enough to be compared."""
    return [s for s in split_sentences(text) if s.end - s.start >= MIN_SENTENCE_CHARS]


def window_vectors(vectors: np.ndarray, size: int, step: int) -> np.ndarray:
    """Unit mean vectors of ``size`` consecutive rows every ``step`` rows (one if fewer)."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, vectors.shape[1]), dtype=np.float32)
    starts = range(0, max(1, n - size + step), step)
    sums = np.stack([vectors[s : s + size].sum(axis=0) for s in starts])
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class ReadyResult:
    made: int  # articles given semantic data by this run
    already: int  # articles that had it


def make_ready(
    index: SourceIndex,
    cheap: Embedder,
    *,
    on_start: Callable[[int], None] | None = None,
    on_articles: Callable[[int], None] | None = None,
) -> ReadyResult:
    """Give every article of ``index`` that lacks them its sentence and window vectors.

    ``on_start(n)`` hears how many articles are to do, ``on_articles(k)``
    each batch done (for a progress bar).
    """
    sentence_kind, window_kind = kinds(cheap)
    missing = index.semantic_missing(window_kind)
    total = index.count()
    if on_start is not None:
        on_start(len(missing))
    for start in range(0, len(missing), READY_BATCH):
        ids = missing[start : start + READY_BATCH]
        sentence_rows, window_rows = _records(index, ids, cheap)
        # sentences first: an article with windows always has its sentences
        index.semantic_store(sentence_kind, sentence_rows)
        index.semantic_store(window_kind, window_rows)
        if on_articles is not None:
            on_articles(len(ids))
    return ReadyResult(made=len(missing), already=total - len(missing))


def _records(
    index: SourceIndex, ids: Sequence[int], cheap: Embedder
) -> tuple[list[tuple[int, bytes]], list[tuple[int, bytes]]]:
    articles = index.get_many(ids)
    spans = [article_sentences(a.text) for a in articles]
    texts = [
        article.text[s.start : s.end]
        for article, sentences in zip(articles, spans, strict=True)
        for s in sentences
    ]
    vectors = cheap.encode(texts) if texts else np.zeros((0, cheap.dim), dtype=np.float32)
    sentence_rows, window_rows = [], []
    at = 0
    for article_id, sentences in zip(ids, spans, strict=True):
        mine = vectors[at : at + len(sentences)]
        at += len(sentences)
        offsets = np.array([(s.start, s.end) for s in sentences], dtype=np.int32).reshape(-1, 2)
        filled = np.ones(len(sentences), dtype=bool)
        sentence_rows.append((article_id, pack(Record(offsets, mine, filled))))
        windows = window_vectors(mine, ARTICLE_WINDOW, ARTICLE_STEP)
        none = np.zeros((len(windows), 2), dtype=np.int32)
        window_rows.append(
            (article_id, pack(Record(none, windows, np.ones(len(windows), dtype=bool))))
        )
    return sentence_rows, window_rows
