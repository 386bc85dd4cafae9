"""A text's tokens and k-grams as numpy arrays, for a test that must read thousands of pages.

The index hashes each token with BLAKE2 and finds tokens with a regular
expression (fingerprint.py): exact and stable, but a Python object and a
dictionary look-up per token, about a millisecond for a page of text. A
sweep's first test reads every page of a crawl and keeps almost none, so it
hashes tokens here instead, with every step one pass in C over arrays of
code points:

* each code point is folded as ``normalize.fold_char`` folds it (a table
  over the Basic Multilingual Plane, made once per process; other planes are
  looked up per distinct code point), dropped where it folds to nothing and
  spelled out where it folds to several characters;
* the folded code points are classed as ``fingerprint._char_class`` classes
  them, and token edges fall where ``fingerprint.tokenize`` puts them;
* a token's hash is a polynomial of its code points, read off prefix sums,
  then mixed: equal tokens hash equal, whatever text holds them.

These hashes are not the index's: the first test is built from the archive's
texts with these same functions (``token_spans_and_hashes`` over
``normalized_text``), so it compares like with like. Tokens equal to
``tokenize(normalized_text(text))``'s are what makes it exact, and the
property tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from reprint_check.text.fingerprint import _char_class, polynomial_array
from reprint_check.text.normalize import fold_char

__all__ = ["kgram_polynomial_array", "token_array_hashes", "token_spans_and_hashes"]

_PLANE = 0x10000
# Classes of fingerprint._char_class, and two this module adds to a mark: it
# continues a scriptio-continua character's token, or a run of word characters.
_SEPARATOR, _WORD, _CONTINUOUS, _MARK, _MARK_OF_CONTINUOUS = 0, 1, 2, 3, 4
# A code point that folds to nothing, or to more than one character.
_DROPPED = np.uint32(0xFFFFFFFF)
_SPELLED = np.uint32(0xFFFFFFFE)
_ASCII_LOWER = np.array([ord(chr(c).lower()) for c in range(128)], dtype=np.uint8)
_ASCII_CLASS = np.array([_char_class(chr(c)) for c in range(128)], dtype=np.uint8)

_U_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd: powers of it are invertible modulo 2**64
_U_LENGTH = np.uint64(0xD6E8FEB86659FD93)
_U_MIX1, _U_MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_U30, _U27, _U31 = np.uint64(30), np.uint64(27), np.uint64(31)


@lru_cache(maxsize=1)
def _plane_tables() -> tuple[np.ndarray, np.ndarray, dict[int, tuple[int, ...]]]:
    """Per code point of the Basic Multilingual Plane: what it folds to (a code
    point, ``_DROPPED`` or ``_SPELLED``) and its class; and the spelled-out foldings."""
    folded = np.empty(_PLANE, dtype=np.uint32)
    classes = np.empty(_PLANE, dtype=np.uint8)
    spelled: dict[int, tuple[int, ...]] = {}
    for cp in range(_PLANE):
        ch = chr(cp)
        classes[cp] = _char_class(ch)
        value = " " if ch.isspace() else fold_char(ch)
        if len(value) == 1:
            folded[cp] = ord(value)
        elif not value:
            folded[cp] = _DROPPED
        else:
            folded[cp] = _SPELLED
            spelled[cp] = tuple(map(ord, value))
    return folded, classes, spelled


@lru_cache(maxsize=1 << 14)
def _fold_beyond(cp: int) -> tuple[int, ...]:
    """The folded code points of one code point beyond the first plane."""
    ch = chr(cp)
    return (32,) if ch.isspace() else tuple(map(ord, fold_char(ch)))


def _folded_code_points(text: str) -> np.ndarray:
    """The code points of ``normalized_text(text)``, white space not collapsed."""
    if text.isascii():
        return _ASCII_LOWER[np.frombuffer(text.encode("ascii"), dtype=np.uint8)].astype(np.uint32)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    folded_table, _, spelled = _plane_tables()
    beyond = codes >= _PLANE
    folded = folded_table[np.where(beyond, 0, codes)]
    odd = np.flatnonzero(beyond | (folded >= _SPELLED))
    if len(odd):
        pieces, done = [], 0
        for i in odd.tolist():
            pieces.append(folded[done:i])
            cp = int(codes[i])
            if cp >= _PLANE:
                pieces.append(np.array(_fold_beyond(cp), dtype=np.uint32))
            elif folded[i] == _SPELLED:
                pieces.append(np.array(spelled[cp], dtype=np.uint32))
            done = i + 1  # a dropped code point: nothing
        pieces.append(folded[done:])
        folded = np.concatenate(pieces)
    return folded


def _classes(folded: np.ndarray) -> np.ndarray:
    if not len(folded) or folded.max() < 128:
        return _ASCII_CLASS[folded]
    _, class_table, _ = _plane_tables()
    beyond = folded >= _PLANE
    classes = class_table[np.where(beyond, 0, folded)]
    for i in np.flatnonzero(beyond).tolist():
        classes[i] = _char_class(chr(int(folded[i])))
    return classes


def _token_edges(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the tokens, by ``fingerprint._tokenize_reference``'s rules.

    A mark belongs to the token of the last character before it that is no
    mark: one character of a scriptio-continua script, or a run of word
    characters (a run that starts with the mark when a separator or nothing
    precedes it).
    """
    n = len(classes)
    if not n:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    kinds = classes.copy()
    marks = classes == _MARK
    if marks.any():
        last = np.maximum.accumulate(np.where(marks, -1, np.arange(n)))
        governing = np.where(last >= 0, classes[np.maximum(last, 0)], _SEPARATOR)
        kinds[marks] = np.where(governing[marks] == _CONTINUOUS, _MARK_OF_CONTINUOUS, _WORD)
    word = kinds == _WORD
    starts = kinds == _CONTINUOUS
    starts[0] |= word[0]
    starts[1:] |= word[1:] & ~word[:-1]
    inside = kinds != _SEPARATOR
    ends = np.zeros(n, dtype=bool)
    ends[-1] = inside[-1]
    ends[:-1] = inside[:-1] & (~inside[1:] | starts[1:])
    return np.flatnonzero(starts), np.flatnonzero(ends) + 1


_powers_cache: tuple[np.ndarray, np.ndarray] = (np.ones(1, dtype=np.uint64),) * 2


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``BASE**i`` and ``BASE**-i`` modulo 2**64 for i < n at least (grown as texts need,
    both replaced at once, so a thread never sees one grown and the other not)."""
    global _powers_cache
    powers = _powers_cache
    if len(powers[0]) < n:
        size = max(n, 2 * len(powers[0]), 1 << 16)
        steps = np.full(size, _U_BASE, dtype=np.uint64)
        steps[0] = 1
        inverse_steps = np.full(size, pow(int(_U_BASE), -1, 1 << 64), dtype=np.uint64)
        inverse_steps[0] = 1
        powers = np.cumprod(steps, dtype=np.uint64), np.cumprod(inverse_steps, dtype=np.uint64)
        _powers_cache = powers
    return powers


def _hashes_of_spans(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each span's code points as one mixed 64-bit value (uint64), by prefix sums."""
    n = len(codes)
    powers, inverse = _power_tables(n + 1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(codes.astype(np.uint64) * powers[:n], out=prefix[1:])
    h = (prefix[ends] - prefix[starts]) * inverse[starts]
    h += (ends - starts).astype(np.uint64) * _U_LENGTH
    h ^= h >> _U30  # splitmix64's finaliser: every bit of the sum reaches every bit
    h *= _U_MIX1
    h ^= h >> _U27
    h *= _U_MIX2
    h ^= h >> _U31
    return h


def token_array_hashes(text: str) -> np.ndarray:
    """This module's hash of each token of ``normalized_text(text)``, in order (uint64)."""
    folded = _folded_code_points(text)
    starts, ends = _token_edges(_classes(folded))
    return _hashes_of_spans(folded, starts, ends)


def token_spans_and_hashes(
    normalized: str, starts: Sequence[int], ends: Sequence[int]
) -> np.ndarray:
    """The same hashes for tokens found otherwise in a normalised text (the archive's side)."""
    if not len(starts):
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(normalized.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _hashes_of_spans(
        codes, np.asarray(starts, dtype=np.intp), np.asarray(ends, dtype=np.intp)
    )


def kgram_polynomial_array(text: str) -> np.ndarray:
    """The k-grams of the text's tokens over this module's token hashes, in order (uint64)."""
    return polynomial_array(token_array_hashes(text))  # type: ignore[arg-type]
