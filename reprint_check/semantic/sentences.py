"""Sentences with their offsets: the unit the semantic stage embeds and aligns.

A translation or a rewrite keeps the article's sentences far better than its
words: translators and language models work sentence by sentence, so a
sentence of the page is compared with sentences of the article. Offsets are
``str`` indices into the text given (``Page.text`` or ``Article.text``), end
exclusive, with the white space around a sentence left out.

The rules are deliberately plain and language-neutral: a sentence ends at
``. ! ? …`` (and their CJK forms) followed by white space, or at a line break;
it never crosses a paragraph. Abbreviations and initials ("Dr.", "U.S.",
"J. Smith") do not end one. A sentence longer than ``MAX_SENTENCE_CHARS`` is
cut at a clause mark or a space, since a list or a run-on paragraph is no
unit of meaning and a long input costs the encoder more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_SENTENCE_CHARS", "Sentence", "split_sentences"]

# Longer sentences are cut: ~120 words, well inside the encoders' input limits.
MAX_SENTENCE_CHARS = 600
# Where a long sentence is cut, the piece is at least this long.
MIN_PIECE_CHARS = 150

# A full stop after one of these (case-insensitive) does not end a sentence.
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "no", "nos", "vs", "etc",
    "al", "approx", "dept", "est", "fig", "inc", "ltd", "co", "corp", "gen", "col", "lt",
    "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep", "pres", "rev", "hon", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e",
    "u.s", "u.k", "u.n", "a.m", "p.m", "bzw", "dh", "usw", "vgl", "nr", "ca", "evtl", "ggf",
    "hr", "fr", "mme", "mlle", "env", "cf", "г", "гг", "тис", "млн", "млрд", "ст", "им",
    "ул", "пр", "др", "тыс", "руб", "грн", "np", "tzn", "itd", "itp", "ul", "pl",
})  # fmt: skip

_END = re.compile(r"[.!?…。！？]+[\"'”’»)\]]*")
_CJK_END = frozenset("。！？")
_WORD_BEFORE = re.compile(r"(\w+(?:\.\w+)*)\.$")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int  # exclusive; text[start:end] is the sentence, no white space at either end


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` in order, each within one line of it."""
    out: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        for start, end in _line_sentences(text, line.start(), line.end()):
            out.extend(_cut_long(text, start, end))
    return out


def _line_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    begin = start
    for m in _END.finditer(text, start, end):
        stop = m.end()
        cjk = text[m.start()] in _CJK_END
        if not cjk and stop < end and not text[stop].isspace():
            continue  # "3.5", "U.S.A", "example.com"
        if text[m.start()] == "." and not _ends_sentence(text, begin, m.start(), stop, end):
            continue
        pieces.append((begin, stop))
        begin = stop
    pieces.append((begin, end))
    return [s for a, b in pieces if (s := _trim(text, a, b)) is not None]


def _ends_sentence(text: str, begin: int, dot: int, stop: int, end: int) -> bool:
    """Whether the full stop at ``dot`` ends a sentence (not an abbreviation or an initial)."""
    word = _WORD_BEFORE.search(text, begin, dot + 1)
    if word is not None:
        token = word.group(1)
        if token.lower() in _ABBREVIATIONS:
            return False
        if len(token) == 1 and token.isupper():
            return False  # an initial: "J. Smith"
    rest = text[stop:end].lstrip()
    # A sentence starts with a capital, a digit, a quote or a dash; a lower-case
    # word after the stop means the stop was inside the sentence.
    return not rest or not rest[0].islower()


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if b > a else None


def _cut_long(text: str, start: int, end: int) -> list[Sentence]:
    """The sentence, cut into pieces of at most ``MAX_SENTENCE_CHARS`` where it is longer."""
    pieces: list[Sentence] = []
    while end - start > MAX_SENTENCE_CHARS:
        window = text[start + MIN_PIECE_CHARS : start + MAX_SENTENCE_CHARS]
        cut = max(window.rfind(mark) for mark in (";", ":", ",", "—", " – "))
        if cut < 0:
            cut = window.rfind(" ")
        stop = start + MIN_PIECE_CHARS + cut + 1 if cut >= 0 else start + MAX_SENTENCE_CHARS
        piece = _trim(text, start, stop)
        if piece is not None:
            pieces.append(Sentence(*piece))
        start = stop
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append(Sentence(start, end))
    return pieces
