"""The verdict for one source article on one page: how much was reused, and which rules break.

Alignment says *what* the page copied; this package says whether the policy
allows it. Each family of rules of ``rules/*.toml`` is one module
(``excerpt``: headline and quotations; ``permissions``: which limit applies;
``link``: the link back; ``reprint``: licence terms), and :func:`judge` only
strings them together, so a new rule is one more function and one more call.

Everything here is pure: the page, the article, the passages, the policy and
today's date in; a :class:`~reprint_check.models.SourceFinding` out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from reprint_check.checks.excerpt import (
    count_once,
    find_headline,
    quotation_spans,
    split_quotations,
)
from reprint_check.checks.link import check_link
from reprint_check.checks.permissions import (
    beyond_limit,
    deciding_rule,
    holding_permission,
    licence_decides,
    limit_and_why,
    limit_for,
)
from reprint_check.checks.reprint import Edit, find_edits, reprint_violations
from reprint_check.models import Article, Page, Passage, SourceFinding, Violation
from reprint_check.policy.rules import Policy
from reprint_check.text.normalize import normalize, visible_length
from reprint_check.text.prepared import PreparedText
from reprint_check.wording import chars, hidden_place, plural, share_of_article

__all__ = [
    "Edit",
    "count_once",
    "find_edits",
    "find_headline",
    "judge",
    "limit_for",
    "quotation_spans",
    "split_quotations",
]


def judge(
    page: Page,
    article: Article,
    passages: Sequence[Passage],
    policy: Policy,
    target_url: str | None,
    *,
    today: dt.date | None = None,
    page_text: PreparedText | None = None,
    article_text: PreparedText | None = None,
    visible_end: int | None = None,
) -> SourceFinding | None:
    """What the page reused from ``article`` and the violations ``policy`` finds in it.

    ``target_url`` is the page's own address (for permissions); ``today``
    decides whether a permission has expired (default: the local date).
    None when no passage is long enough for this policy's ``min_passage_chars``
    (alignment may have run with a lower minimum for another publisher).
    ``page_text`` and ``article_text`` are the texts as the audit prepared them
    for alignment: every check reads the normalised text from them instead of
    normalising the page, the article or a passage again.

    ``visible_end``, when given, is where what a reader sees ends in
    ``page.text``: after it come the texts the page keeps out of sight
    (:func:`~reprint_check.models.published`). Passages there count, once
    (:func:`count_once`), but the headline, the link and a credit line must
    stand in the visible text.
    """
    page_norm = page_text.norm if page_text is not None else normalize(page.text)
    article_norm = article_text.norm if article_text is not None else normalize(article.text)
    rule = policy.excerpt
    kept = sorted(
        (p for p in passages if p.chars >= rule.min_passage_chars),
        key=lambda p: p.target_start,
    )
    kept = count_once(kept, rule.min_passage_chars, page_norm, article_norm)
    if not kept:
        return None
    shown = page
    if visible_end is not None:
        shown = replace(
            page,
            text=page.text[:visible_end],
            blocks=tuple(b for b in page.blocks if b.end <= visible_end),
        )
    notes: list[str] = []
    if not rule.count_quotations:
        kept = split_quotations(
            page.text, article.text, kept, page_norm=page_norm, article_norm=article_norm
        )
        quoted = [p for p in kept if p.quotation]
        if quoted:
            quoted_chars = sum(p.chars for p in quoted)
            notes.append(
                f"{plural(len(quoted), 'passage')} ({chars(quoted_chars)} characters) quoted "
                "in the article from someone else's words, listed but not counted "
                "(count_quotations = false)"
            )
    counted = [p for p in kept if not p.quotation]

    headline = (
        find_headline(shown, article, counted, page_norm=page_norm if shown is page else None)
        if rule.include_title
        else None
    )
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
    hidden_chars, where = _out_of_sight(counted, rule.count)
    of_them = f", {chars(hidden_chars)} of them {where}" if hidden_chars else ""
    if hidden_chars:
        notes.append(
            f"{chars(hidden_chars)} of the {chars(body_reused)} characters counted are {where}: "
            "the page publishes them all the same, so they count"
        )
    article_chars = visible_length(article.text)

    permission = holding_permission(policy, target_url, article, today or dt.date.today(), notes)
    limit, limit_why = limit_and_why(policy, permission, article_chars)
    # How much of the story stands on the page: every passage, quotations too, whatever
    # the excerpt's count rule.
    copied = sum(p.chars for p in kept)
    whole = article_chars > 0 and copied >= rule.full_reprint_ratio * article_chars
    licensed = licence_decides(policy, permission, limit, reused, whole)
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
        beyond = beyond_limit(policy) if policy.excerpt_or_reprint else ""
        violations.append(
            Violation(
                "EXCERPT_TOO_LONG",
                f"{chars(reused)} characters reused from {article.url}{share}{of_them}; "
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
                f"reused{longer}{of_them}: this is a reprint, not an excerpt",
            )
        )

    urls = [article.url, *article.aliases]
    first = counted[0] if counted else None
    link = check_link(shown, urls, policy.link, excerpt_start=first.target_start if first else None)
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
        violations.extend(
            reprint_violations(
                page,
                article,
                kept,
                policy,
                page_norm=page_norm,
                article_norm=article_norm,
                credit_text=shown.text,
            )
        )
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
        rule=deciding_rule(policy, permission, licensed),
    )


def _out_of_sight(passages: Sequence[Passage], count: str) -> tuple[int, str]:
    """Characters of the count in text the page keeps out of sight, and where, in words.

    (618, "hidden in a tab panel"), or with several places (900, "out of
    sight (hidden in a tab panel; only in the page's JSON-LD articleBody)");
    (0, "") when a reader sees every counted passage.
    """
    if count == "longest" and passages:
        passages = [max(passages, key=lambda p: p.chars)]
    hidden = [p for p in passages if p.hidden is not None]
    if not hidden:
        return 0, ""
    places = list(dict.fromkeys(hidden_place(p.hidden or "") for p in hidden))
    where = places[0] if len(places) == 1 else f"out of sight ({'; '.join(places)})"
    return sum(p.chars for p in hidden), where


def _reused(passages: Sequence[Passage], count: str) -> int:
    if not passages:
        return 0
    if count == "longest":
        return max(p.chars for p in passages)
    return sum(p.chars for p in passages)
