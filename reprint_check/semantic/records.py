"""What the semantic stage keeps per article in the index, as bytes.

The index stores opaque blobs keyed by (kind, article id) in a side table
(``SourceIndex.semantic_rows`` / ``semantic_store``); this module is the one
place that knows their layout, so neither backend imports numpy.

A record holds the article's sentence spans and, for some or all of them, a
vector: the cheap encoder's vectors are computed for every sentence at ingest
(int8, one scale per row: a quarter of float32's room for a cosine error
below 0.005), the judge's lazily for the sentences an audit needed (float16)
with a mask of which rows are filled. The window vectors that candidate
retrieval scans are a record of their own, so scanning reads only them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from reprint_check.semantic.sentences import Sentence

__all__ = ["Record", "pack", "unpack"]

_MAGIC = b"RCS1"
_HEADER = struct.Struct("<4sIIB")  # magic, rows, dim, dtype code
_INT8, _FLOAT16 = 1, 2


@dataclass(frozen=True)
class Record:
    """Sentence spans and their vectors; ``filled[i]`` says whether row i was computed."""

    spans: np.ndarray  # int32 (n, 2): start, end of each sentence in Article.text
    vectors: np.ndarray  # float32 (n, dim), unit rows where filled, zeros elsewhere
    filled: np.ndarray  # bool (n,)

    @property
    def sentences(self) -> list[Sentence]:
        return [Sentence(int(a), int(b)) for a, b in self.spans]


def pack(record: Record, *, exact: bool = False) -> bytes:
    """The record as bytes: int8 rows with a scale each, or float16 rows with ``exact``."""
    n, dim = record.vectors.shape
    spans = np.ascontiguousarray(record.spans, dtype="<i4")
    filled = np.packbits(record.filled.astype(np.uint8))
    if exact:
        body = record.vectors.astype("<f2").tobytes()
        code = _FLOAT16
    else:
        scale = np.abs(record.vectors).max(axis=1) / 127.0
        safe = np.where(scale > 0, scale, 1.0)
        rows = np.rint(record.vectors / safe[:, None]).astype(np.int8)
        body = scale.astype("<f4").tobytes() + rows.tobytes()
        code = _INT8
    return _HEADER.pack(_MAGIC, n, dim, code) + spans.tobytes() + filled.tobytes() + body


def unpack(data: bytes) -> Record:
    """The record ``pack`` wrote; ValueError for bytes that are not one."""
    magic, n, dim, code = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise ValueError("not a semantic record")
    at = _HEADER.size
    spans = np.frombuffer(data, "<i4", 2 * n, at).reshape(n, 2).astype(np.int32)
    at += 8 * n
    packed = (n + 7) // 8
    filled = np.unpackbits(np.frombuffer(data, np.uint8, packed, at))[:n].astype(bool)
    at += packed
    if code == _FLOAT16:
        vectors = np.frombuffer(data, "<f2", n * dim, at).reshape(n, dim).astype(np.float32)
    elif code == _INT8:
        scale = np.frombuffer(data, "<f4", n, at).astype(np.float32)
        at += 4 * n
        rows = np.frombuffer(data, np.int8, n * dim, at).reshape(n, dim).astype(np.float32)
        vectors = rows * scale[:, None]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = np.where(norms > 0, vectors / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
    else:
        raise ValueError(f"unknown vector encoding {code}")
    return Record(spans, vectors, filled)
