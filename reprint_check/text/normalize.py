"""Text normalisation with an offset map back to the original text.

Both sides of a comparison (the target page and the publisher's article) are
normalised the same way, so that a copy disguised with curly quotes, zero-width
spaces, soft hyphens, full-width forms or Cyrillic look-alike letters compares
equal to its source. Every normalised character remembers the index of the
original character it came from; nobody else recomputes offsets.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

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

    def section(self, start: int, end: int) -> NormalizedText:
        """``normalize(self.original[start:end])``, read off this text instead of computed again.

        Every character folds on its own and a run of white space becomes one
        space at its first character, so the normalised form of a stretch is
        the normalised characters whose origin lies inside it, less a space at
        either edge. The checks take passages and gaps of a page this way from
        the one normalisation the audit made.
        """
        origin, text = self.origin, self.text
        a = bisect_left(origin, start)
        b = bisect_left(origin, end, a)
        while a < b and text[a] == " ":
            a += 1
        while b > a and text[b - 1] == " ":
            b -= 1
        return NormalizedText(
            self.original[start:end], text[a:b], tuple(o - start for o in origin[a:b])
        )

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
    fast = _normalize_fast(original)
    return fast if fast is not None else _normalize_reference(original)


def normalized_text(original: str) -> str:
    """``normalize(original).text`` without the offset map: what the index fingerprints.

    Mostly-ASCII text (most news in Latin script) is folded by ``str.lower``
    with its few other characters replaced one by one; white space collapses
    with ``str.split``. Both agree with ``fold_char`` wherever this path is taken.
    """
    if original.isascii():  # nothing to fold but case and the backtick
        return " ".join(original.lower().replace("`", "'").split())
    others = _NON_ASCII.findall(original)
    if len(others) * _MOSTLY_ASCII <= len(original):
        folds: dict[str, str] = {}
        for ch in set(others):
            folded = " " if ch.isspace() else fold_char(ch)
            if folded != " " and (" " in folded or folded.lower() != folded):
                break
            folds[ch] = folded
        else:
            if folds:
                original = _NON_ASCII.sub(lambda m: folds[m.group()], original)
            return " ".join(original.lower().replace("`", "'").split())
    fast = _normalize_fast(original, with_origin=False)
    return fast.text if fast is not None else _normalize_reference(original).text


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_MOSTLY_ASCII = 20  # at most one character in this many outside ASCII


_PLACEHOLDERS = 0xF0000  # supplementary private use area: stands in for a folded character
_STAND_IN = re.compile("[\U000f0000-\U000fffff]")


def _normalize_fast(original: str, *, with_origin: bool = True) -> NormalizedText | None:
    """``normalize`` with the work per character done by str.translate and itertools.compress.

    Each distinct character is folded once. The folded text is first built one
    character per original character (an invisible one marked, one that folds
    to several characters replaced by a private-use stand-in), then the kept
    positions are selected, then the stand-ins are expanded. None where a
    character folds to something holding a space or the stand-ins would clash
    with the text: the reference handles those rare texts. Without
    ``with_origin`` the offset map is left empty.
    """
    fold: dict[int, str] = {}
    keep: dict[int, str] = {}  # per original character: "1" letter, "0" space, "2" dropped
    expand: dict[int, str] = {}
    for ch in set(original):
        cp = ord(ch)
        if ch.isspace():
            fold[cp], keep[cp] = " ", "0"
            continue
        folded = fold_char(ch)
        if " " in folded or _PLACEHOLDERS <= cp < _PLACEHOLDERS + 0x10000:
            return None
        if not folded:
            fold[cp], keep[cp] = "\x00", "2"
        elif len(folded) == 1:
            fold[cp], keep[cp] = folded, "1"
        else:
            stand_in = chr(_PLACEHOLDERS + len(expand))
            expand[ord(stand_in)] = folded
            fold[cp], keep[cp] = stand_in, "1"
    folded_text = original.translate(fold)
    kinds = original.translate(keep)
    positions: range | list[int] = range(len(original))
    if "2" in kinds:  # dropped characters neither start nor end a run of white space
        present = kinds.replace("1", "\x01").replace("0", "\x01").replace("2", "\x00").encode()
        if with_origin:
            positions = list(compress(positions, present))
        folded_text = "".join(compress(folded_text, present))
        kinds = kinds.replace("2", "")
    # a letter is kept; a space is kept where it follows a letter (the first of its
    # run) and some letter comes after it
    last = kinds.rfind("1") + 1
    kinds = kinds[:last].replace("10", "11")
    selector = kinds.replace("1", "\x01").replace("0", "\x00").encode()
    text = "".join(compress(folded_text, selector))
    if not with_origin:
        return NormalizedText(original, text.translate(expand) if expand else text, ())
    origin = list(compress(positions, selector))
    if expand:
        text, origin = _expand(text, origin, expand)
    return NormalizedText(original, text, tuple(origin))


def _expand(text: str, origin: list[int], expand: dict[int, str]) -> tuple[str, list[int]]:
    """Replace each stand-in by its folded characters, all mapped to its original index."""
    pieces: list[str] = []
    out: list[int] = []
    done = 0
    for m in _STAND_IN.finditer(text):
        i = m.start()
        folded = expand[ord(text[i])]
        pieces.append(text[done:i])
        out.extend(origin[done:i])
        pieces.append(folded)
        out.extend([origin[i]] * len(folded))
        done = i + 1
    pieces.append(text[done:])
    out.extend(origin[done:])
    return "".join(pieces), out


def _normalize_reference(original: str) -> NormalizedText:
    """The character-by-character definition of ``normalize``: fallback and test oracle."""
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

    Called for every passage and article an audit measures, hence string
    methods instead of a loop over characters (``_visible_length_reference``
    is the loop, and the property tests hold the two equal).
    """
    if not text.isascii():  # ASCII has no format characters
        invisible = {ord(ch) for ch in set(_NON_ASCII.findall(text)) if is_invisible(ch)}
        if invisible:
            text = text.translate(dict.fromkeys(invisible))
    return len(" ".join(text.split()))


def _visible_length_reference(text: str) -> int:
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
