"""One prepared object per text: what an audit computes once and every stage reads.

The page and each candidate article are normalised, tokenised and k-gram
hashed once (:func:`prepare`); alignment works on the tokens, and the checks
read the normalised text and its offset map from the same object instead of
normalising the text, or slices of it, again.
"""

from __future__ import annotations

from dataclasses import dataclass

from reprint_check.text.fingerprint import Token, kgram_hashes, tokenize
from reprint_check.text.normalize import NormalizedText, normalize


@dataclass(frozen=True)
class PreparedText:
    """A text ready to compare: normalised, tokenised, k-gram hashed."""

    norm: NormalizedText
    tokens: tuple[Token, ...]
    kgrams: tuple[int, ...]
    breaks: frozenset[int]  # normalised offsets of spaces that stand for a paragraph break

    @property
    def original(self) -> str:
        return self.norm.original

    def break_before(self, token: int) -> bool:
        """Whether a paragraph break separates ``token`` from the token before it."""
        if token <= 0 or token >= len(self.tokens):
            return False
        lo, hi = self.tokens[token - 1].end, self.tokens[token].start
        return any(i in self.breaks for i in range(lo, hi))


def prepare(text: str) -> PreparedText:
    norm = normalize(text)
    tokens = tokenize(norm.text)
    return PreparedText(norm, tuple(tokens), tuple(kgram_hashes(tokens)), _breaks(norm))


def _breaks(norm: NormalizedText) -> frozenset[int]:
    """Spaces whose original white space holds a blank line (a paragraph or block break)."""
    out = []
    original, origin = norm.original, norm.origin
    for j, ch in enumerate(norm.text):
        if ch != " ":
            continue
        start = origin[j]
        end = origin[j + 1] if j + 1 < len(origin) else len(original)
        if original.count("\n", start, end) >= 2:
            out.append(j)
    return frozenset(out)
