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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

K = 4  # tokens per k-gram: short enough to survive a changed word every ten
WINDOW = 5  # winnowing window: guarantee K + WINDOW - 1 = 8 tokens
GUARANTEE_TOKENS = K + WINDOW - 1

_MASK = (1 << 64) - 1
_BASE = 0x100000001B3  # FNV prime: odd, so the polynomial is a bijection per position


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


def tokenize(text: str) -> list[Token]:
    """Tokens of a normalised text, with their spans."""
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
    hs = [t.hash for t in tokens]
    out: list[int] = []
    for i in range(len(hs) - k + 1):
        h = 0
        for j in range(k):
            h = (h * _BASE + hs[i + j]) & _MASK
        h ^= h >> 29
        h = (h * 0xBF58476D1CE4E5B9) & _MASK
        h ^= h >> 32
        out.append(h - (1 << 64) if h >= 1 << 63 else h)
    return out


def winnow(hashes: Sequence[int], window: int = WINDOW) -> list[tuple[int, int]]:
    """(hash, k-gram position) pairs selected by robust winnowing.

    In each window the minimum hash is selected (the rightmost on ties) and
    recorded once; a text shorter than one window keeps its minimum.
    """
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
