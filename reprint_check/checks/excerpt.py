"""How much was reused: the headline found on the page, quotations, and copies counted once.

A headline copied onto the page counts towards the limit unless a passage
already holds it; a passage that quotes someone else's words inside the
article is cut into pieces, the quoted ones flagged so that
``count_quotations = false`` can leave them out; a copy the page keeps out
of sight counts only for what the reader does not already see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import pairwise

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from reprint_check.models import (
    Article,
    Page,
    Passage,
)
from reprint_check.text.normalize import NormalizedText, normalize, visible_length

# A quotation shorter than this many words is a scare quote or a title ("so-called"),
# not someone's statement worth leaving out of the count.
QUOTATION_MIN_WORDS = 3
# A headline shorter than this is too generic ("Opinion", "Live updates") to say it was copied.
HEADLINE_MIN_CHARS = 15


# --- the headline ------------------------------------------------------------------


def find_headline(
    page: Page,
    article: Article,
    passages: Sequence[Passage] = (),
    *,
    page_norm: NormalizedText | None = None,
) -> tuple[int, int] | None:
    """Where the article's headline stands in ``page.text``, as written, or None.

    Compared normalised (case, quotes, look-alike letters do not matter); a
    headline inside a passage is already counted, so it is not found again.
    ``page_norm`` is the page's normalised text when the audit has it already.
    """
    title = article.title.strip()
    if visible_length(title) < HEADLINE_MIN_CHARS:
        return None
    wanted = normalize(title).text
    norm = page_norm if page_norm is not None else normalize(page.text)
    at = 0
    while True:
        found = norm.text.find(wanted, at)
        if found < 0:
            return None
        end = found + len(wanted)
        before_ok = found == 0 or not norm.text[found - 1].isalnum()
        after_ok = end == len(norm.text) or not norm.text[end].isalnum()
        if before_ok and after_ok:
            start, stop = norm.to_original(found, end)
            if not any(p.target_start < stop and start < p.target_end for p in passages):
                return start, stop
        at = found + 1


# --- copies out of sight ------------------------------------------------------------


def count_once(
    passages: Sequence[Passage],
    min_chars: int,
    page_norm: NormalizedText,
    article_norm: NormalizedText,
) -> list[Passage]:
    """The passages with each stretch of the article counted once: what a reader sees wins.

    A page that shows two paragraphs often repeats the whole story out of
    sight (its JSON-LD ``articleBody``, a "Read more" block holding the
    shown paragraphs again): a hidden passage (``Passage.hidden``) keeps only
    the parts of its source span that no visible passage and no earlier hidden
    one covers, each cut out with exact offsets on both sides and kept when at
    least ``min_chars`` long. Visible passages are never changed.
    """
    if not any(p.hidden for p in passages):
        return list(passages)
    out = [p for p in passages if p.hidden is None]
    taken = [(p.source_start, p.source_end) for p in out]
    for passage in passages:
        if passage.hidden is None:
            continue
        free = _uncovered(passage.source_start, passage.source_end, taken)
        if free == [(passage.source_start, passage.source_end)]:
            out.append(passage)
            taken.append(free[0])
            continue
        for piece in _cut(page_norm, article_norm, passage, free):
            if piece is not None and piece.chars >= min_chars:
                out.append(replace(piece, hidden=passage.hidden))
                taken.append((piece.source_start, piece.source_end))
    return sorted(out, key=lambda p: (p.target_start, p.target_end))


def _uncovered(start: int, end: int, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) outside every span of ``taken``."""
    free = [(start, end)]
    for a, b in sorted(taken):
        free = [
            piece
            for s, e in free
            for piece in ((s, min(e, a)), (max(s, b), e))
            if piece[1] > piece[0]
        ]
    return free


# --- quotations ----------------------------------------------------------------------

# Opening mark → the marks that may close it. Straight double quotes toggle.
_CLOSERS: dict[str, str] = {
    "\u201c": "\u201d",  # “ ” English
    "\u201e": "\u201c\u201d",  # „ “ German, Ukrainian; „ ” Polish
    "\u00ab": "\u00bb",  # « » French, Russian, Ukrainian
    "\u00bb": "\u00ab",  # » « Danish, German
    "\u2039": "\u203a",  # ‹ ›
    "\u2018": "\u2019",  # ‘ ’ British
    "\u201a": "\u2018\u2019",  # ‚ ‘
    "\u300c": "\u300d",  # 「 」
    "\u300e": "\u300f",  # 『 』
    '"': '"',
}
# Marks that are also apostrophes (it’s, ’90s): they open only before a letter,
# after a space, and close only where no letter follows.
_APOSTROPHE_LIKE = frozenset("\u2018\u2019")


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` inside quotation marks (marks included) of at least a few words.

    Only the outermost quotation counts. A quotation never crosses a
    paragraph break, except in the usual way of a quote running over
    paragraphs: the next paragraph opens again with the same mark. An
    unclosed mark is not a quotation.
    """
    spans: list[tuple[int, int]] = []
    opener: str | None = None
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if opener is None:
            if ch in _CLOSERS and _may_open(text, i):
                opener, start = ch, i
        elif ch in _CLOSERS[opener] and _may_close(text, i):
            spans.append((start, i + 1))
            opener = None
        elif ch == "\n" and text.startswith("\n", i + 1):
            following = text[i:].lstrip()
            if following.startswith(opener):
                spans.append((start, i))  # the quotation goes on in the next paragraph
            opener = None
        i += 1
    return [(a, b) for a, b in spans if len(text[a + 1 : b - 1].split()) >= QUOTATION_MIN_WORDS]


def _may_open(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace():
        return False
    if text[i] in _APOSTROPHE_LIKE or text[i] == '"':
        return not before.isalnum()
    return True


def _may_close(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace():
        return False
    if text[i] in _APOSTROPHE_LIKE:
        return not after.isalnum()
    return True


def split_quotations(
    page_text: str,
    article_text: str,
    passages: Sequence[Passage],
    *,
    page_norm: NormalizedText | None = None,
    article_norm: NormalizedText | None = None,
) -> list[Passage]:
    """The passages cut where the article quotes someone; the quoted pieces are flagged.

    Each piece keeps exact offsets on both sides, so the report can still
    show it; only the count leaves the flagged ones out. ``page_norm`` and
    ``article_norm`` are the two texts normalised, when the audit has them;
    every piece is compared on sections of them.
    """
    quotes = quotation_spans(article_text)
    out: list[Passage] = []
    for passage in passages:
        inside = [
            (max(a, passage.source_start), min(b, passage.source_end))
            for a, b in quotes
            if a < passage.source_end and passage.source_start < b
        ]
        if not inside:
            out.append(passage)
            continue
        if page_norm is None:
            page_norm = normalize(page_text)
        if article_norm is None:
            article_norm = normalize(article_text)
        bounds = [passage.source_start]
        flags: list[bool] = []
        for a, b in inside:
            if a > bounds[-1]:
                flags.append(False)
                bounds.append(a)
            flags.append(True)
            bounds.append(b)
        if bounds[-1] < passage.source_end:
            flags.append(False)
            bounds.append(passage.source_end)
        pieces = _cut(page_norm, article_norm, passage, list(pairwise(bounds)))
        for piece, quoted in zip(pieces, flags, strict=True):
            if piece is not None:
                out.append(replace(piece, quotation=quoted))
    return out


def _cut(
    page: NormalizedText,
    article: NormalizedText,
    passage: Passage,
    spans: Sequence[tuple[int, int]],
) -> list[Passage | None]:
    """``passage`` cut to each source span, its target offsets mapped through the alignment.

    A span's end that is the passage's own keeps the passage's target offset
    exactly; a piece with nothing left after trimming is None.
    """
    to_target = _offset_map(page, article, passage)

    def target(source: int) -> int:
        if source == passage.source_start:
            return passage.target_start
        if source == passage.source_end:
            return passage.target_end
        return to_target(source)

    return [_piece(page, article, target(a), target(b), a, b) for a, b in spans]


def _piece(
    page: NormalizedText, article: NormalizedText, t0: int, t1: int, s0: int, s1: int
) -> Passage | None:
    page_text, article_text = page.original, article.original
    while t0 < t1 and page_text[t0].isspace():
        t0 += 1
    while t1 > t0 and page_text[t1 - 1].isspace():
        t1 -= 1
    while s0 < s1 and article_text[s0].isspace():
        s0 += 1
    while s1 > s0 and article_text[s1 - 1].isspace():
        s1 -= 1
    if t0 >= t1:
        return None
    text = page_text[t0:t1]
    similarity = round(ratio(page.section(t0, t1).text, article.section(s0, s1).text) / 100, 4)
    return Passage(t0, t1, s0, s1, visible_length(text), similarity, text)


def _offset_map(
    page: NormalizedText, article: NormalizedText, passage: Passage
) -> Callable[[int], int]:
    """A function from an offset inside the passage's source span to the matching target offset."""
    src = article.section(passage.source_start, passage.source_end)
    tgt = page.section(passage.target_start, passage.target_end)
    blocks = Levenshtein.opcodes(src.text, tgt.text)

    def to_target(offset: int) -> int:
        local = offset - passage.source_start
        norm_pos = _norm_index(src, local)
        mapped = len(tgt.text)
        for op in blocks:
            if op.src_start <= norm_pos < op.src_end or (
                op.tag == "insert" and op.src_start == norm_pos
            ):
                if op.tag == "equal":
                    mapped = op.dest_start + (norm_pos - op.src_start)
                else:
                    mapped = op.dest_start
                break
        if mapped >= len(tgt.text):
            return passage.target_end
        return passage.target_start + tgt.origin[mapped]

    return to_target


def _norm_index(norm: NormalizedText, original_offset: int) -> int:
    """The first normalised position that comes from ``original_offset`` or later."""
    for j, origin in enumerate(norm.origin):
        if origin >= original_offset:
            return j
    return len(norm.text)
