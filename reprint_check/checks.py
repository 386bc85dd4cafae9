"""The verdict for one source article on one page: how much was reused, and which rules break.

Alignment says *what* the page copied; this module says whether the policy
allows it. Each rule shape of ``rules/*.toml`` is one small function here
(limits, quotations, headline, permissions, link, reprint licence), and
:func:`judge` only strings them together, so a new rule is one more function
and one more call.

Everything here is pure: the page, the article, the passages, the policy and
today's date in; a :class:`~reprint_check.models.SourceFinding` out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from reprint_check.links import check_link, same_article
from reprint_check.models import (
    Article,
    Block,
    DecidingRule,
    Page,
    Passage,
    SourceFinding,
    Violation,
)
from reprint_check.policy import Permission, Policy
from reprint_check.text import NormalizedText, normalize, visible_length
from reprint_check.wording import chars, share_of_article

__all__ = [
    "Edit",
    "find_edits",
    "find_headline",
    "judge",
    "limit_for",
    "quotation_spans",
    "split_quotations",
]

# A quotation shorter than this many words is a scare quote or a title ("so-called"),
# not someone's statement worth leaving out of the count.
QUOTATION_MIN_WORDS = 3
# A headline shorter than this is too generic ("Opinion", "Live updates") to say it was copied.
HEADLINE_MIN_CHARS = 15
# How many edits a REPRINT_EDITED message spells out; the rest are counted.
EDITS_SHOWN = 5
# Quoted text shown in a message is cut to this many characters.
SHOWN_CHARS = 60


def judge(
    page: Page,
    article: Article,
    passages: Sequence[Passage],
    policy: Policy,
    target_url: str | None,
    *,
    today: dt.date | None = None,
) -> SourceFinding | None:
    """What the page reused from ``article`` and the violations ``policy`` finds in it.

    ``target_url`` is the page's own address (for permissions); ``today``
    decides whether a permission has expired (default: the local date).
    None when no passage is long enough for this policy's ``min_passage_chars``
    (alignment may have run with a lower minimum for another publisher).
    """
    rule = policy.excerpt
    kept = sorted(
        (p for p in passages if p.chars >= rule.min_passage_chars),
        key=lambda p: p.target_start,
    )
    if not kept:
        return None
    notes: list[str] = []
    if not rule.count_quotations:
        kept = split_quotations(page.text, article.text, kept)
        quoted = [p for p in kept if p.quotation]
        if quoted:
            quoted_chars = sum(p.chars for p in quoted)
            notes.append(
                f"{_plural(len(quoted), 'passage')} ({chars(quoted_chars)} characters) quoted "
                "in the article from someone else's words, listed but not counted "
                "(count_quotations = false)"
            )
    counted = [p for p in kept if not p.quotation]

    headline = find_headline(page, article, counted) if rule.include_title else None
    headline_chars = 0
    if headline is not None:
        start, end = headline
        headline_chars = visible_length(page.text[start:end])
        notes.append(
            f"the headline appears on the page ({start}–{end}, {chars(headline_chars)} "
            "characters) and counts towards the limit"
        )
    body_reused = _reused(counted, rule.count)
    reused = body_reused + headline_chars
    article_chars = visible_length(article.text)

    permission = _permission(policy, target_url, article, today or dt.date.today(), notes)
    limit, limit_why = _limit(policy, permission, article_chars)
    # How much of the story stands on the page: every passage, quotations too, whatever
    # the excerpt's count rule.
    copied = sum(p.chars for p in kept)
    whole = article_chars > 0 and copied >= rule.full_reprint_ratio * article_chars
    licensed = _licence_decides(policy, permission, limit, reused, whole)
    if licensed and limit:
        notes.append(
            f"the copy is the whole story ({share_of_article(copied, article_chars)}), so the "
            f"reprint licence judges it, not the limit of {chars(limit)}"
            f"{limit_why or ' for an excerpt'}"
        )
        limit, limit_why = 0, ""

    violations: list[Violation] = []
    if limit and reused > limit:
        share = f" ({share_of_article(reused, article_chars)})" if article_chars else ""
        beyond = _beyond_limit(policy) if policy.excerpt_or_reprint else ""
        violations.append(
            Violation(
                "EXCERPT_TOO_LONG",
                f"{chars(reused)} characters reused from {article.url}{share}; "
                f"the limit is {chars(limit)}{limit_why}{beyond}",
            )
        )
    full_allowed = policy.reprint.allow_full or permission is not None
    if (
        not full_allowed
        and article_chars
        and body_reused >= rule.full_reprint_ratio * article_chars
    ):
        longer = (
            " (the copy is longer than the indexed text)" if body_reused > article_chars else ""
        )
        violations.append(
            Violation(
                "FULL_REPRINT",
                f"{chars(body_reused)} of the article's {chars(article_chars)} characters "
                f"reused{longer}: this is a reprint, not an excerpt",
            )
        )

    urls = [article.url, *article.aliases]
    first = counted[0] if counted else None
    link = check_link(page, urls, policy.link, excerpt_start=first.target_start if first else None)
    if counted or headline is not None:
        violations.extend(link.violations)
    else:
        notes.append("every reused passage is a quotation, so the link rule does not apply")
    if (
        link.evidence.found
        and not link.evidence.active
        and not link.violations
        and (policy.link.canonical_counts and link.evidence.href == page.canonical)
    ):
        notes.append(
            "the page's <link rel=canonical> points to the article, which the policy accepts "
            "as the link (canonical_counts = true)"
        )

    if licensed:
        violations.extend(_reprint_violations(page, article, kept, policy))
    return SourceFinding(
        url=article.url,
        title=article.title,
        reused_chars=reused,
        limit=limit,
        article_chars=article_chars,
        passages=tuple(kept),
        link=link.evidence,
        violations=tuple(violations),
        notes=tuple(notes),
        rule=_deciding_rule(policy, permission, licensed),
    )


def _reused(passages: Sequence[Passage], count: str) -> int:
    if not passages:
        return 0
    if count == "longest":
        return max(p.chars for p in passages)
    return sum(p.chars for p in passages)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


# --- limits and permissions --------------------------------------------------------


def limit_for(
    policy: Policy, article: Article, target_url: str | None, today: dt.date | None = None
) -> tuple[int, str, Permission | None, list[str]]:
    """The excerpt limit for this article on this page, as :func:`judge` applies it.

    (limit, a few words on where it comes from, the permission that holds,
    notes for the editor); the semantic stage measures its copies by it.
    """
    notes: list[str] = []
    permission = _permission(policy, target_url, article, today or dt.date.today(), notes)
    limit, why = _limit(policy, permission, visible_length(article.text))
    return limit, why, permission, notes


def _permission(
    policy: Policy, target_url: str | None, article: Article, today: dt.date, notes: list[str]
) -> Permission | None:
    """The target site's permission if it holds today; an expired one goes into the notes.

    One that holds is named by the finding's ``rule`` (:func:`_deciding_rule`).

    A target whose only address is the article's own (its canonical points to
    the source) holds no permission.
    """
    if target_url and any(same_article(target_url, u) for u in (article.url, *article.aliases)):
        return None
    permission = policy.permission_for(target_url)
    if permission is None:
        return None
    if permission.expired(today):
        until = permission.until.isoformat() if permission.until else ""
        notes.append(
            f"{permission.domain}'s written permission expired on {until}: "
            "the policy's normal rules apply"
        )
        return None
    return permission


def _deciding_rule(
    policy: Policy, permission: Permission | None, licensed: bool
) -> DecidingRule | None:
    """The licence or permission that decided, as :func:`_licence_decides` and
    :func:`_limit` chose it; None when the policy's excerpt rule did.
    """
    if licensed:
        return DecidingRule(kind="licence", policy=policy.name)
    if permission is None:
        return None
    return DecidingRule(
        kind="permission",
        policy=policy.name,
        domain=permission.domain,
        max_chars=permission.max_chars,
        until=permission.until.isoformat() if permission.until else None,
        note=permission.note,
    )


def _licence_decides(
    policy: Policy, permission: Permission | None, limit: int, reused: int, whole: bool
) -> bool:
    """Whether the reprint licence judges this copy (its conditions apply, no length limit).

    A licence alone judges every copy, and wins over a permission: it
    already allows the whole article. Beside an excerpt limit it judges the
    whole story only (:attr:`Policy.excerpt_or_reprint`): a copy within a
    written permission stays the permission's, and a part of the story stays
    an excerpt, however long.
    """
    if not policy.reprint.allow_full:
        return False
    if not policy.excerpt_or_reprint:
        return True
    if permission is not None and (limit == 0 or reused <= limit):
        return False
    return whole


def _beyond_limit(policy: Policy) -> str:
    """Why a long part of the story is no reprint, for EXCERPT_TOO_LONG beside a licence."""
    conditions = [
        words
        for words, on in (
            ("unedited", policy.reprint.unedited),
            ("with a credit line", policy.reprint.credit is not None),
        )
        if on
    ]
    terms = f", {', '.join(conditions)}" if conditions else ""
    return (
        f"; only the whole story ({policy.excerpt.full_reprint_ratio:.0%} of the article or "
        f"more) may go beyond it, under the reprint licence{terms}"
    )


def _limit(policy: Policy, permission: Permission | None, article_chars: int) -> tuple[int, str]:
    """The limit in characters (0 = none) and a few words on where it comes from.

    A licence without an excerpt limit sets none; beside one, the limit is
    the excerpt's (or the permission's) and :func:`_licence_decides` lifts it
    for the whole story.
    """
    if policy.reprint.allow_full and not policy.excerpt_or_reprint:
        return 0, ""
    if permission is not None:
        until = f" until {permission.until.isoformat()}" if permission.until else ""
        return permission.max_chars, f" (written permission of {permission.domain}{until})"
    rule = policy.excerpt
    limit = rule.limit_for(article_chars)
    if rule.max_ratio is not None and limit != rule.max_chars:
        return limit, f" ({rule.max_ratio:.0%} of the article's {chars(article_chars)} characters)"
    return limit, ""


# --- the headline ------------------------------------------------------------------


def find_headline(
    page: Page, article: Article, passages: Sequence[Passage] = ()
) -> tuple[int, int] | None:
    """Where the article's headline stands in ``page.text``, as written, or None.

    Compared normalised (case, quotes, look-alike letters do not matter); a
    headline inside a passage is already counted, so it is not found again.
    """
    title = article.title.strip()
    if visible_length(title) < HEADLINE_MIN_CHARS:
        return None
    wanted = normalize(title).text
    norm = normalize(page.text)
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
    page_text: str, article_text: str, passages: Sequence[Passage]
) -> list[Passage]:
    """The passages cut where the article quotes someone; the quoted pieces are flagged.

    Each piece keeps exact offsets on both sides, so the report can still
    show it; only the count leaves the flagged ones out.
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
        to_target = _offset_map(page_text, article_text, passage)
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
        targets = [to_target(b) for b in bounds]
        targets[0], targets[-1] = passage.target_start, passage.target_end
        for k, quoted in enumerate(flags):
            piece = _piece(
                page_text, article_text, targets[k], targets[k + 1], bounds[k], bounds[k + 1]
            )
            if piece is not None:
                out.append(replace(piece, quotation=quoted))
    return out


def _piece(page_text: str, article_text: str, t0: int, t1: int, s0: int, s1: int) -> Passage | None:
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
    similarity = round(ratio(normalize(text).text, normalize(article_text[s0:s1]).text) / 100, 4)
    return Passage(t0, t1, s0, s1, visible_length(text), similarity, text)


def _offset_map(page_text: str, article_text: str, passage: Passage) -> Callable[[int], int]:
    """A function from an offset inside the passage's source span to the matching target offset."""
    src = normalize(article_text[passage.source_start : passage.source_end])
    tgt = normalize(page_text[passage.target_start : passage.target_end])
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


def _words(text: str, start: int, end: int) -> _Words:
    norm = normalize(text[start:end])
    keys, spans = [], []
    for match in _WORD.finditer(norm.text):
        a, b = norm.to_original(match.start(), match.end())
        keys.append(match.group())
        spans.append((start + a, start + b))
    return _Words(keys, spans)


def find_edits(page: Page, article: Article, passages: Sequence[Passage]) -> list[Edit]:
    """Words the copy changed, added or left out, inside and between its passages.

    Compared word by word after normalisation, so white space, letter case,
    quote marks, dashes and look-alike letters are not edits. Between two
    passages, a whole block of the page that holds no copied text (a caption,
    an advertisement label, a "Read more" box) is page furniture, not an edit;
    text before the first passage and after the last is not compared.
    """
    ordered = sorted(passages, key=lambda p: p.target_start)
    edits: list[Edit] = []
    for k, passage in enumerate(ordered):
        t0, t1 = _whole_words(page.text, passage.target_start, passage.target_end)
        s0, s1 = _whole_words(article.text, passage.source_start, passage.source_end)
        inside = _diff(page.text, article.text, (t0, t1), (s0, s1))
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
        edits.extend(_diff(page.text, article.text, t_gap, s_gap))
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
    page_text: str,
    article_text: str,
    target: tuple[int, int] | list[tuple[int, int]],
    source: tuple[int, int],
) -> list[Edit]:
    stretches = target if isinstance(target, list) else [target]
    copy = _Words([], [])
    for a, b in stretches:
        words = _words(page_text, a, b)
        copy.keys.extend(words.keys)
        copy.spans.extend(words.spans)
    original = _words(article_text, *source)
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


def _reprint_violations(
    page: Page, article: Article, passages: Sequence[Passage], policy: Policy
) -> list[Violation]:
    reprint = policy.reprint
    violations = []
    if reprint.unedited:
        edits = find_edits(page, article, passages)
        if edits:
            shown = "; ".join(e.describe() for e in edits[:EDITS_SHOWN])
            more = len(edits) - EDITS_SHOWN
            tail = f"; and {more} more" if more > 0 else ""
            violations.append(
                Violation(
                    "REPRINT_EDITED",
                    f"The copy of {article.url} changes the publisher's words in "
                    f"{_plural(len(edits), 'place')}: {shown}{tail}. "
                    "The licence allows republishing only unedited.",
                )
            )
    if reprint.credit is not None:
        flat = " ".join(page.text.split())
        if re.search(reprint.credit, flat, re.IGNORECASE) is None:
            violations.append(
                Violation(
                    "CREDIT_MISSING",
                    f'No credit line on the page matches "{reprint.credit}": '
                    f"credit {policy.publisher or 'the publisher'} as the licence requires.",
                )
            )
    return violations
