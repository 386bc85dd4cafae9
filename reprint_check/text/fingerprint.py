"""Word tokens, stable k-gram hashes and winnowing.

Guarantee (Schleimer, Wilkerson & Aiken, SIGMOD 2003): the index keeps the
winnowed fingerprints of every article, the audit looks up *all* k-grams of
the target, so any shared run of at least ``WINDOW + K - 1`` tokens (8 with
the defaults: about 45 characters of English, below the 50-character
``min_passage_chars`` default) yields at least one hit and makes its article
a candidate. Alignment then works on the candidates' full text.

Tokens are runs of letters, digits and marks; in scripts written without
spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) every
character is a token, so k-grams become character shingles there.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise

import numpy as np

K = 4  # tokens per k-gram: short enough to survive a changed word every ten
WINDOW = 5  # winnowing window: guarantee K + WINDOW - 1 = 8 tokens
GUARANTEE_TOKENS = K + WINDOW - 1

_MASK = (1 << 64) - 1
_BASE = 0x100000001B3  # FNV prime: odd, so the polynomial is a bijection per position
_BASE_SQUARED = _BASE * _BASE
_MIX = 0xBF58476D1CE4E5B9  # splitmix64 multiplier: spreads the polynomial's low bits
_TWO63, _TWO64 = 1 << 63, 1 << 64
# The same constants as numpy scalars: uint64 arrays wrap modulo 2**64 exactly
# as the masked integer arithmetic does (multiplication, shifts and xor alike).
_U_BASE, _U_BASE_SQUARED = np.uint64(_BASE), np.uint64(_BASE_SQUARED & _MASK)
_U_MIX = np.uint64(_MIX)
_U29, _U32 = np.uint64(29), np.uint64(32)


@dataclass(frozen=True)
class Token:
    start: int  # offsets into the normalised text
    end: int
    hash: int  # stable 64-bit hash of the token text


def is_continuous_script(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
        or 0x0E00 <= cp <= 0x0EFF  # Thai, Lao
        or 0x1000 <= cp <= 0x109F  # Myanmar
        or 0x1780 <= cp <= 0x17FF  # Khmer
    )


@lru_cache(maxsize=65536)
def _char_class(ch: str) -> int:
    """0 separator, 1 word character, 2 character of a scriptio-continua script, 3 mark."""
    if is_continuous_script(ch):
        return 3 if unicodedata.category(ch)[0] == "M" else 2
    cat = unicodedata.category(ch)
    if cat[0] in "LN" or ch == "_":
        return 1
    if cat[0] == "M":
        return 3
    return 0


@lru_cache(maxsize=262144)
def token_hash(token: str) -> int:
    """Stable across runs and machines, unlike Python's salted hash()."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


_CLASS_CODES = "0123"
# Splits the string of character classes (see _char_class) around tokens: one
# scriptio-continua character with its marks, or a run of word characters and marks.
_TOKEN_SPLIT = re.compile(r"(23*|[13]+)")


# Where a text holds no scriptio-continua character and no mark, its tokens are
# exactly the runs of \w: Python's \w is class 1 of _char_class for every code
# point of classes 0 and 1 (checked over all of Unicode by the tests).
_WORD_SPLIT = re.compile(r"(\w+)")
_WORD_RUN = re.compile(r"\w+")
# Token hashes already computed: a dict read through map() costs a fraction
# of a call to the lru_cache'd token_hash; cleared when it grows past the cap.
_HASH_CACHE: dict[str, int] = {}
_HASH_CACHE_MAX = 1 << 20


def _plain_words(text: str) -> bool:
    """Whether every character of the text is of class 0 or 1 (see ``_char_class``).

    ASCII holds no mark and no scriptio-continua character: most normalised
    news text is decided by one pass in C.
    """
    return text.isascii() or not any(_char_class(ch) >= 2 for ch in set(text))


def _hashes(words: list[str]) -> list[int]:
    cache = _HASH_CACHE
    hashes = list(map(cache.get, words))
    if None in hashes:
        if len(cache) > _HASH_CACHE_MAX:
            cache.clear()
        for i, h in enumerate(hashes):
            if h is None:
                hashes[i] = cache[words[i]] = token_hash(words[i])
    return hashes  # type: ignore[return-value]


def _split_tokens(text: str) -> tuple[list[int], list[int], list[str]]:
    """Starts, ends and texts of the tokens of a normalised text.

    The work per character is done in C: by one regular expression over the
    text where it holds plain words only, else over the string of the classes
    of its characters (looked up once per distinct character).
    ``_tokenize_reference`` is the definition this must equal.
    """
    if not _plain_words(text):
        table = {ord(ch): _CLASS_CODES[_char_class(ch)] for ch in set(text)}
        parts = _TOKEN_SPLIT.split(text.translate(table))
        offsets = list(accumulate(map(len, parts)))
        starts, ends = offsets[0:-1:2], offsets[1::2]
        return starts, ends, list(map(text.__getitem__, map(slice, starts, ends)))
    parts = _WORD_SPLIT.split(text)  # separator, token, separator, ..., separator
    offsets = list(accumulate(map(len, parts)))
    return offsets[0:-1:2], offsets[1::2], parts[1::2]


def tokenize(text: str) -> list[Token]:
    """Tokens of a normalised text, with their spans."""
    return list(map(Token, *token_columns(text)))


def token_columns(text: str) -> tuple[list[int], list[int], list[int]]:
    """The starts, ends and hashes of ``tokenize(text)``, without a Token object per token.

    What the audit keeps of a text it compares: building thousands of frozen
    Token objects per page costs more than finding the tokens.
    """
    starts, ends, words = _split_tokens(text)
    return starts, ends, _hashes(words)


def token_hashes(text: str) -> list[int]:
    """``[t.hash for t in tokenize(text)]`` without building the tokens (the index side)."""
    if _plain_words(text):
        return _hashes(_WORD_RUN.findall(text))
    return _hashes(_split_tokens(text)[2])


def _tokenize_reference(text: str) -> list[Token]:
    """The character-by-character definition of ``tokenize`` (kept for the tests)."""
    tokens: list[Token] = []
    start = -1
    n = len(text)
    i = 0
    while i < n:
        cls = _char_class(text[i])
        if cls == 2:
            if start >= 0:
                tokens.append(Token(start, i, token_hash(text[start:i])))
                start = -1
            j = i + 1
            while j < n and _char_class(text[j]) == 3:
                j += 1
            tokens.append(Token(i, j, token_hash(text[i:j])))
            i = j
            continue
        if cls in (1, 3):
            if start < 0:
                start = i
        elif start >= 0:
            tokens.append(Token(start, i, token_hash(text[start:i])))
            start = -1
        i += 1
    if start >= 0:
        tokens.append(Token(start, n, token_hash(text[start:n])))
    return tokens


def kgram_hashes(tokens: Sequence[Token], k: int = K) -> list[int]:
    """Hash of tokens[i:i+k] for every i, as signed 64-bit integers (SQLite's INTEGER)."""
    return kgrams_of_hashes([t.hash for t in tokens], k)


def kgrams_of_hashes(hs: Sequence[int], k: int = K) -> list[int]:
    """``kgram_hashes`` from the tokens' hashes alone: ``mixed(polynomials_of_hashes(hs, k))``."""
    return kgram_array(hs, k).tolist()


def polynomial_array(hs: Sequence[int], k: int = K) -> np.ndarray:
    """The k-gram at each position before its final mixing, as a uint64 array, in order.

    The polynomial is evaluated for all positions at once, one token offset at
    a time, in uint64 arithmetic: it wraps modulo 2**64, the same value as
    reducing at every step, since the reduction is a ring homomorphism. Two
    k-grams are equal exactly when these are (the mixing is a bijection), so
    alignment compares texts on these and leaves the mixing to the index look-up.
    """
    n = len(hs) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    values = np.array(hs, dtype=np.uint64)
    if k == 4:  # two steps instead of three: (a·B + b)·B² + (c·B + d)
        pairs = values[:-1] * _U_BASE + values[1:]
        return pairs[:-2] * _U_BASE_SQUARED + pairs[2:]
    acc = values[:n]
    for j in range(1, k):
        acc = acc * _U_BASE + values[j : j + n]
    return acc


def kgram_array(hs: Sequence[int], k: int = K) -> np.ndarray:
    """``kgrams_of_hashes`` as an int64 array (the k-gram hashes SQLite stores), in order."""
    return mixed_array(polynomial_array(hs, k))


def mixed_array(polynomials: np.ndarray) -> np.ndarray:
    """The k-gram hashes (int64) of a uint64 array of k-gram polynomials."""
    h = polynomials ^ (polynomials >> _U29)
    h *= _U_MIX
    h ^= h >> _U32
    return h.view(np.int64)


def polynomials_of_hashes(hs: Sequence[int], k: int = K) -> list[int]:
    """The k-gram at each position before its final mixing (``kgram_polynomials``, in order)."""
    return polynomial_array(hs, k).tolist()


def mixed(polynomials: Iterable[int]) -> list[int]:
    """The k-gram hashes (signed 64-bit, as SQLite stores them) of k-gram polynomials."""
    return mixed_array(np.array(list(polynomials), dtype=np.uint64)).tolist()


def _mixed_reference(polynomials: Iterable[int]) -> list[int]:
    """The integer-arithmetic definition of ``mixed`` (kept for the tests)."""
    out: list[int] = []
    for h in polynomials:
        h ^= h >> 29
        h = (h * _MIX) & _MASK
        h ^= h >> 32
        out.append(h - _TWO64 if h >= _TWO63 else h)
    return out


def kgram_polynomials(hs: Sequence[int], k: int = K) -> set[int]:
    """The k-grams of ``kgrams_of_hashes`` before their final mixing: one per distinct k-gram.

    The mixing is a bijection (``unmix`` undoes it), so two k-grams are equal
    exactly when these are: a membership test needs no mixing of the many
    k-grams of an article, only the unmixing of the few it is tested against.
    The set is built in position order, as ``_kgram_polynomials_reference`` builds it.
    """
    return set(polynomial_array(hs, k).tolist())


def _kgram_polynomials_reference(hs: Sequence[int], k: int = K) -> set[int]:
    """The integer-arithmetic definition of ``kgram_polynomials`` (kept for the tests)."""
    n = len(hs) - k + 1
    if n <= 0:
        return set()
    mask = _MASK
    if k == 4:
        pairs = [a * _BASE + b for a, b in pairwise(hs)]
        return {(x * _BASE_SQUARED + y) & mask for x, y in zip(pairs, pairs[2:], strict=False)}
    acc = list(hs[:n])
    for j in range(1, k):
        acc = [a * _BASE + b for a, b in zip(acc, hs[j : j + n], strict=True)]
    return {a & mask for a in acc}


_MIX_INVERSE = pow(_MIX, -1, 1 << 64)
_U_MIX_INVERSE, _U58 = np.uint64(_MIX_INVERSE), np.uint64(58)


def unmix(kgram: int) -> int:
    """The polynomial a k-gram hash was mixed from (the inverse of the last steps of kgrams)."""
    h = kgram & _MASK
    h ^= h >> 32
    h = (h * _MIX_INVERSE) & _MASK
    return h ^ (h >> 29) ^ (h >> 58)


def unmixed(kgrams: Iterable[int]) -> set[int]:
    """``{unmix(h) for h in kgrams}``, each step taken over all of them at once.

    The k-gram hashes are signed (as the index stores them) or, where a caller
    holds them unsigned, reduced modulo 2**64 first; the set is built in the
    order of ``kgrams``, as ``_unmixed_reference`` builds it.
    """
    values = list(kgrams)
    try:
        h = np.array(values, dtype=np.int64).view(np.uint64)
    except OverflowError:
        h = np.array([v & _MASK for v in values], dtype=np.uint64)
    h = h ^ (h >> _U32)
    h *= _U_MIX_INVERSE
    return set((h ^ (h >> _U29) ^ (h >> _U58)).tolist())


def _unmixed_reference(kgrams: Iterable[int]) -> set[int]:
    """The integer-arithmetic definition of ``unmixed`` (kept for the tests)."""
    hs = [h & _MASK for h in kgrams]
    hs = [h ^ (h >> 32) for h in hs]
    hs = [(h * _MIX_INVERSE) & _MASK for h in hs]
    return {h ^ (h >> 29) ^ (h >> 58) for h in hs}


def _kgram_hashes_reference(tokens: Sequence[Token], k: int = K) -> list[int]:
    """The step-by-step definition of ``kgram_hashes`` (kept for the tests)."""
    hs = [t.hash for t in tokens]
    out: list[int] = []
    for i in range(len(hs) - k + 1):
        h = 0
        for j in range(k):
            h = (h * _BASE + hs[i + j]) & _MASK
        h ^= h >> 29
        h = (h * _MIX) & _MASK
        h ^= h >> 32
        out.append(h - (1 << 64) if h >= 1 << 63 else h)
    return out


def winnow(hashes: Sequence[int], window: int = WINDOW) -> list[tuple[int, int]]:
    """(hash, k-gram position) pairs selected by robust winnowing.

    In each window the minimum hash is selected (the rightmost on ties) and
    recorded once; a text shorter than one window keeps its minimum. The
    minimum is carried from one window to the next and searched for again only
    when it leaves the window, so the cost is about one comparison per k-gram.
    """
    n = len(hashes)
    if n == 0:
        return []
    if n <= window:
        pos = min(range(n), key=lambda i: (hashes[i], -i))
        return [(hashes[pos], pos)]
    selected: list[tuple[int, int]] = []
    best = -1
    for end in range(window - 1, n):
        start = end - window + 1
        if best < start:
            best = start
            for i in range(start + 1, end + 1):
                if hashes[i] <= hashes[best]:
                    best = i
            selected.append((hashes[best], best))
        elif hashes[end] <= hashes[best]:
            best = end
            selected.append((hashes[best], best))
    return selected


def winnowed(hashes: Sequence[int], window: int = WINDOW) -> set[int]:
    """``{h for h, _ in winnow(hashes, window)}``: the values alone, what the index stores.

    Every window's minimum is selected, so the set is that of the window
    minima, added in window order (the order ``_winnowed_reference`` adds them).
    """
    return set(window_minima(np.asarray(hashes, dtype=np.int64), window).tolist())


def window_minima(hashes: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """The minimum of every window of ``hashes``, in order.

    A text shorter than one window keeps its minimum. Each step is one pass
    in C over the array (``window - 1`` of them), not one comparison in Python per k-gram.
    """
    n = len(hashes)
    if n <= window:
        return hashes.min(keepdims=True) if n else hashes
    count = n - window + 1
    low = hashes[:count].copy()
    for j in range(1, window):
        np.minimum(low, hashes[j : j + count], out=low)
    return low


def _winnowed_reference(hashes: Sequence[int], window: int = WINDOW) -> set[int]:
    """The loop ``winnowed`` replaced, without ``winnow``'s pairs (kept for the tests)."""
    n = len(hashes)
    if n <= window:
        return {min(hashes)} if n else set()
    selected: set[int] = set()
    add = selected.add
    best = -1
    for end in range(window - 1, n):
        if best <= end - window:
            best = start = end - window + 1
            low = hashes[start]
            for i in range(start + 1, end + 1):
                if hashes[i] <= low:
                    best, low = i, hashes[i]
            add(low)
        elif hashes[end] <= hashes[best]:
            best = end
            add(hashes[end])
    return selected


def _winnow_reference(hashes: Sequence[int], window: int = WINDOW) -> list[tuple[int, int]]:
    """The window-by-window definition of ``winnow`` (kept for the tests)."""
    n = len(hashes)
    if n == 0:
        return []
    if n <= window:
        pos = min(range(n), key=lambda i: (hashes[i], -i))
        return [(hashes[pos], pos)]
    selected: list[tuple[int, int]] = []
    last = -1
    for start in range(n - window + 1):
        best = start
        for i in range(start + 1, start + window):
            if hashes[i] <= hashes[best]:
                best = i
        if best != last:
            selected.append((hashes[best], best))
            last = best
    return selected
