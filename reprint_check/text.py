"""Text normalisation with an offset map back to the original text.

Both sides of a comparison (the target page and the publisher's article) are
normalised the same way, so that a copy disguised with curly quotes, zero-width
spaces, soft hyphens, full-width forms or Cyrillic look-alike letters compares
equal to its source. Every normalised character remembers the index of the
original character it came from; nobody else recomputes offsets.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Quote marks, apostrophes and dashes that writers (and word processors) use
# interchangeably: a copy that swaps them has not changed the words.
_PUNCTUATION_FOLD = {
    **dict.fromkeys("‘’‚‛′`´ʹʼˈ＇", "'"),
    **dict.fromkeys("“”„‟″«»〝〞＂", '"'),
    **dict.fromkeys("‐‑‒–—―−﹘﹣－⁃", "-"),
}

# Cyrillic and Greek capitals that render like Latin capitals. They are folded
# before case-folding, since their lower-case forms (в, н, ν, η …) no longer
# look like the Latin lower-case letter.
_UPPER_HOMOGLYPH_FOLD = {
    # Cyrillic
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j", "Ү": "y",
    # Greek
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
}  # fmt: skip

# Lower-case Cyrillic and Greek letters that render like Latin ones.
_HOMOGLYPH_FOLD = {
    # Cyrillic
    "а": "a", "е": "e", "ё": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
    "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w",
    "ӏ": "l", "ү": "y", "в": "b", "к": "k", "м": "m", "н": "h", "т": "t",
    # Greek
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "η": "n", "μ": "u", "ϲ": "c", "ϳ": "j", "β": "b", "ζ": "z",
    # Latin oddities
    "ı": "i", "ȷ": "j", "ſ": "s", "ɡ": "g",
}  # fmt: skip

# Scripts whose diacritics are folded (é → e): below the Armenian block and the
# Latin/Greek extended blocks. Other scripts keep their combining marks.
_FOLD_MARKS_BELOW = 0x0530


def is_invisible(ch: str) -> bool:
    """Format characters (zero-width space/joiners, soft hyphen, BOM…) render as nothing."""
    return unicodedata.category(ch) == "Cf"


def _is_space(ch: str) -> bool:
    return ch.isspace()


def _folds_marks(base: str) -> bool:
    cp = ord(base)
    return cp < _FOLD_MARKS_BELOW or 0x1E00 <= cp <= 0x1FFF


def _is_combining_diacritic(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x0300 <= cp <= 0x036F
        or 0x1AB0 <= cp <= 0x1AFF
        or 0x1DC0 <= cp <= 0x1DFF
        or 0x20D0 <= cp <= 0x20FF
        or 0xFE20 <= cp <= 0xFE2F
    )


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The normalised form of one non-space character: possibly empty or several characters."""
    if is_invisible(ch):
        return ""
    if unicodedata.category(ch) == "Mn" and _is_combining_diacritic(ch):
        return ""  # an accent written separately from its letter
    if ch in _UPPER_HOMOGLYPH_FOLD:
        return _UPPER_HOMOGLYPH_FOLD[ch]
    out = []
    for c in unicodedata.normalize("NFKC", ch).casefold():
        if c.isspace():
            out.append(" ")
            continue
        if unicodedata.category(c) == "Mn" and _is_combining_diacritic(c):
            continue
        if _folds_marks(c):
            decomposed = unicodedata.normalize("NFD", c)
            c = "".join(d for d in decomposed if unicodedata.category(d) != "Mn") or c
        for d in c:
            d = _PUNCTUATION_FOLD.get(d, d)
            out.append(_HOMOGLYPH_FOLD.get(d, d))
    return "".join(out)


@dataclass(frozen=True)
class NormalizedText:
    """A normalised text and, per normalised character, its original index.

    ``origin[j]`` is the index in ``original`` of the character that produced
    ``text[j]``; a normalised span ``[a, b)`` covers the original span
    ``[origin[a], origin[b - 1] + 1)``.
    """

    original: str
    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the normalised span [start, end) (end exclusive)."""
        if start >= end:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def normalize(original: str) -> NormalizedText:
    """NFKC, case-fold, drop invisibles, unify punctuation, fold look-alikes, collapse spaces.

    Leading and trailing white space is dropped; a run of white space (including
    no-break spaces and line breaks) becomes one space mapped to its first character.
    """
    chars: list[str] = []
    origin: list[int] = []
    pending_space = -1  # index of the first white space of the current run
    for i, ch in enumerate(original):
        if _is_space(ch):
            if pending_space < 0:
                pending_space = i
            continue
        folded = fold_char(ch)
        if not folded:
            continue
        if pending_space >= 0:
            if chars and chars[-1] != " ":
                chars.append(" ")
                origin.append(pending_space)
            pending_space = -1
        for c in folded:
            if c == " ":
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    origin.append(i)
                continue
            chars.append(c)
            origin.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return NormalizedText(original, "".join(chars), tuple(origin))


def visible_length(text: str) -> int:
    """Characters as design.md counts an excerpt.

    Each run of white space counts as one space, invisible format characters
    count as nothing, every other code point (a look-alike letter included)
    counts as one. Leading and trailing white space is not counted.
    """
    count = 0
    in_space = False
    seen = False
    for ch in text:
        if ch.isspace():
            in_space = True
            continue
        if is_invisible(ch):
            continue
        if in_space and seen:
            count += 1
        in_space = False
        seen = True
        count += 1
    return count
