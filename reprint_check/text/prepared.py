"""One prepared object per text: what an audit computes once and every stage reads.

The page and each candidate article are normalised, tokenised and k-gram
hashed once (:func:`prepare`); alignment works on the tokens, and the checks
read the normalised text and its offset map from the same object instead of
normalising the text, or slices of it, again.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from reprint_check.text.fingerprint import Token, mixed, polynomials_of_hashes, token_columns
from reprint_check.text.normalize import NormalizedText, normalize


@dataclass(frozen=True)
class PreparedText:
    """A text ready to compare: normalised, tokenised, k-gram hashed.

    The tokens are kept as three columns (``starts``, ``ends``, ``hashes``:
    offsets into the normalised text and the token hashes) rather than as
    Token objects, which cost more to build than the tokens cost to find.
    The rest is worked out on first use, once, since each side needs only
    part of it: the page's k-gram hashes go to the index look-up and its
    paragraph breaks to the alignment, while an article is aligned on its
    k-gram polynomials alone.
    """

    norm: NormalizedText
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    hashes: tuple[int, ...]

    @property
    def original(self) -> str:
        return self.norm.original

    @cached_property
    def polynomials(self) -> tuple[int, ...]:
        """The k-gram at each token position, unmixed (``polynomials_of_hashes``)."""
        return tuple(polynomials_of_hashes(self.hashes))

    @cached_property
    def places(self) -> dict[int, list[int]]:
        """Token positions of each k-gram polynomial, ascending (read only: it is shared)."""
        places: dict[int, list[int]] = {}
        for i, h in enumerate(self.polynomials):
            found = places.get(h)
            if found is None:
                places[h] = [i]
            else:
                found.append(i)
        return places

    @cached_property
    def kgrams(self) -> tuple[int, ...]:
        """The k-gram hashes at each token position (``kgram_hashes``): what the index holds."""
        return tuple(mixed(self.polynomials))

    @cached_property
    def breaks(self) -> frozenset[int]:
        """Normalised offsets of the spaces that stand for a paragraph break."""
        return _breaks(self.norm)

    @property
    def tokens(self) -> list[Token]:
        """The tokens as Token objects (``tokenize(self.norm.text)``)."""
        return list(map(Token, self.starts, self.ends, self.hashes))

    def break_before(self, token: int) -> bool:
        """Whether a paragraph break separates ``token`` from the token before it."""
        if token <= 0 or token >= len(self.starts):
            return False
        lo, hi = self.ends[token - 1], self.starts[token]
        return any(i in self.breaks for i in range(lo, hi))


def prepare(text: str) -> PreparedText:
    norm = normalize(text)
    starts, ends, hashes = token_columns(norm.text)
    return PreparedText(norm, tuple(starts), tuple(ends), tuple(hashes))


def _breaks(norm: NormalizedText) -> frozenset[int]:
    """Spaces whose original white space holds a blank line (a paragraph or block break).

    The space at normalised offset ``j`` stands for the original characters
    ``origin[j]`` up to ``origin[j + 1]`` (to the end for the last one); since
    ``origin`` ascends, the one whose stretch holds an original line break is
    found by bisecting, so the work follows the line breaks, not the characters.
    """
    original, origin, text = norm.original, norm.origin, norm.text
    if not origin:
        return frozenset()
    lines: dict[int, int] = {}
    at = original.find("\n", origin[0])
    while at >= 0:
        j = bisect_right(origin, at) - 1
        lines[j] = lines.get(j, 0) + 1
        at = original.find("\n", at + 1)
    return frozenset(j for j, n in lines.items() if n >= 2 and text[j] == " ")
