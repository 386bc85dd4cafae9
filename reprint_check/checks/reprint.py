"""Reprint licences: REPRINT_EDITED (the copy changed the words) and CREDIT_MISSING.

A licence that allows republishing the whole article may demand it unedited
and credited; :func:`find_edits` compares the copy with the article word by
word after normalisation, so only real changes of wording count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from reprint_check.models import (
    Article,
    Block,
    Page,
    Passage,
    Violation,
)
from reprint_check.policy.rules import Policy
from reprint_check.text.normalize import NormalizedText, normalize
from reprint_check.wording import plural

# How many edits a REPRINT_EDITED message spells out; the rest are counted.
EDITS_SHOWN = 5
# Quoted text shown in a message is cut to this many characters.
SHOWN_CHARS = 60


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


# --- reprint licences -------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One change the copy made to the publisher's words."""

    target_start: int  # offsets into Page.text; equal when words were left out
    target_end: int
    copy: str  # the words as the page has them ("" when left out)
    original: str  # the words as the article has them ("" when added)

    def describe(self) -> str:
        where = (
            f"at {self.target_start}"
            if self.target_start == self.target_end
            else f"at {self.target_start}–{self.target_end}"
        )
        if not self.copy:
            return f'"{_cut(self.original)}" left out {where}'
        if not self.original:
            return f'"{_cut(self.copy)}" added {where}'
        return f'"{_cut(self.copy)}" instead of "{_cut(self.original)}" {where}'


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Words:
    """The words of a stretch of text, compared normalised, with original offsets."""

    keys: list[str]
    spans: list[tuple[int, int]]  # offsets in the full original text


def _words(text: NormalizedText, start: int, end: int) -> _Words:
    norm = text.section(start, end)
    keys, spans = [], []
    for match in _WORD.finditer(norm.text):
        a, b = norm.to_original(match.start(), match.end())
        keys.append(match.group())
        spans.append((start + a, start + b))
    return _Words(keys, spans)


def find_edits(
    page: Page,
    article: Article,
    passages: Sequence[Passage],
    *,
    page_norm: NormalizedText | None = None,
    article_norm: NormalizedText | None = None,
) -> list[Edit]:
    """Words the copy changed, added or left out, inside and between its passages.

    Compared word by word after normalisation, so white space, letter case,
    quote marks, dashes and look-alike letters are not edits. Between two
    passages, a whole block of the page that holds no copied text (a caption,
    an advertisement label, a "Read more" box) is page furniture, not an edit;
    text before the first passage and after the last is not compared.
    ``page_norm`` and ``article_norm`` are the two texts normalised, when the
    audit has them; the words of every stretch are read off them.
    """
    if page_norm is None:
        page_norm = normalize(page.text)
    if article_norm is None:
        article_norm = normalize(article.text)
    ordered = sorted(passages, key=lambda p: p.target_start)
    edits: list[Edit] = []
    for k, passage in enumerate(ordered):
        t0, t1 = _whole_words(page.text, passage.target_start, passage.target_end)
        s0, s1 = _whole_words(article.text, passage.source_start, passage.source_end)
        inside = _diff(page_norm, article_norm, (t0, t1), (s0, s1))
        edits.extend(e for e in inside if not _is_inserted_block(page, e))
        if k + 1 == len(ordered):
            break
        nxt = ordered[k + 1]
        if nxt.source_start < passage.source_end:
            at = nxt.target_start
            edits.append(
                Edit(at, at, "", "(the copy puts this passage before text that precedes it)")
            )
            continue
        t_gap = _gap_keeping_copied_blocks(page, passage.target_end, nxt.target_start, ordered)
        s_gap = (passage.source_end, nxt.source_start)
        edits.extend(_diff(page_norm, article_norm, t_gap, s_gap))
    return edits


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and end > 0 and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


def _gap_keeping_copied_blocks(
    page: Page, start: int, end: int, passages: Sequence[Passage]
) -> list[tuple[int, int]]:
    """The parts of [start, end) that lie in blocks holding some copied text."""
    if not page.blocks:
        return [(start, end)]
    keep: list[tuple[int, int]] = []
    for block in page.blocks:
        a, b = max(block.start, start), min(block.end, end)
        if a >= b:
            continue
        if _holds_copy(block, passages):
            keep.append((a, b))
    return keep


def _is_inserted_block(page: Page, edit: Edit) -> bool:
    """An addition that is one or more whole blocks of the page: furniture, as between passages."""
    if edit.original or not edit.copy or not page.blocks:
        return False
    touched = [b for b in page.blocks if b.start < edit.target_end and edit.target_start < b.end]
    if not touched:
        return False
    for block in touched:
        words = [m.span() for m in _WORD.finditer(page.text, block.start, block.end)]
        if not words or words[0][0] < edit.target_start or words[-1][1] > edit.target_end:
            return False
    return True


def _holds_copy(block: Block, passages: Sequence[Passage]) -> bool:
    return any(p.target_start < block.end and block.start < p.target_end for p in passages)


def _diff(
    page: NormalizedText,
    article: NormalizedText,
    target: tuple[int, int] | list[tuple[int, int]],
    source: tuple[int, int],
) -> list[Edit]:
    page_text, article_text = page.original, article.original
    stretches = target if isinstance(target, list) else [target]
    copy = _Words([], [])
    for a, b in stretches:
        words = _words(page, a, b)
        copy.keys.extend(words.keys)
        copy.spans.extend(words.spans)
    original = _words(article, *source)
    if copy.keys == original.keys:
        return []
    gap_end = stretches[-1][1] if stretches else source[0]
    edits = []
    matcher = SequenceMatcher(None, copy.keys, original.keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            t0, t1 = copy.spans[i1][0], copy.spans[i2 - 1][1]
            shown = page_text[t0:t1]
        else:
            t0 = t1 = copy.spans[i1][0] if i1 < len(copy.spans) else gap_end
            shown = ""
        written = article_text[original.spans[j1][0] : original.spans[j2 - 1][1]] if j1 < j2 else ""
        edits.append(Edit(t0, t1, shown, written))
    return edits


def reprint_violations(
    page: Page,
    article: Article,
    passages: Sequence[Passage],
    policy: Policy,
    *,
    page_norm: NormalizedText | None = None,
    article_norm: NormalizedText | None = None,
    credit_text: str | None = None,
) -> list[Violation]:
    """REPRINT_EDITED and CREDIT_MISSING for a licensed copy.

    ``credit_text`` is where the credit line must stand (the text a reader
    sees) when ``page.text`` holds more than that; default ``page.text``.
    """
    reprint = policy.reprint
    violations = []
    if reprint.unedited:
        edits = find_edits(page, article, passages, page_norm=page_norm, article_norm=article_norm)
        if edits:
            shown = "; ".join(e.describe() for e in edits[:EDITS_SHOWN])
            more = len(edits) - EDITS_SHOWN
            tail = f"; and {more} more" if more > 0 else ""
            violations.append(
                Violation(
                    "REPRINT_EDITED",
                    f"The copy of {article.url} changes the publisher's words in "
                    f"{plural(len(edits), 'place')}: {shown}{tail}. "
                    "The licence allows republishing only unedited.",
                )
            )
    if reprint.credit is not None:
        flat = " ".join((page.text if credit_text is None else credit_text).split())
        if re.search(reprint.credit, flat, re.IGNORECASE) is None:
            violations.append(
                Violation(
                    "CREDIT_MISSING",
                    f'No credit line on the page matches "{reprint.credit}": '
                    f"credit {policy.publisher or 'the publisher'} as the licence requires.",
                )
            )
    return violations
