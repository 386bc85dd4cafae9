"""Which limit applies: the excerpt rule, a site's written permission, or a reprint licence.

A permission holds for one target site until its date; a licence that allows
the whole article wins over both. The finding names the rule that decided
(``DecidingRule``) so an editor sees why the limit is what it is.
"""

from __future__ import annotations

import datetime as dt

from reprint_check.models import (
    Article,
    DecidingRule,
)
from reprint_check.policy.rules import Permission, Policy
from reprint_check.text.normalize import visible_length
from reprint_check.urls import same_article
from reprint_check.wording import chars

# --- limits and permissions --------------------------------------------------------


def limit_for(
    policy: Policy, article: Article, target_url: str | None, today: dt.date | None = None
) -> tuple[int, str, Permission | None, list[str]]:
    """The excerpt limit for this article on this page, as :func:`judge` applies it.

    (limit, a few words on where it comes from, the permission that holds,
    notes for the editor); the semantic stage measures its copies by it.
    """
    notes: list[str] = []
    permission = holding_permission(policy, target_url, article, today or dt.date.today(), notes)
    limit, why = limit_and_why(policy, permission, visible_length(article.text))
    return limit, why, permission, notes


def holding_permission(
    policy: Policy, target_url: str | None, article: Article, today: dt.date, notes: list[str]
) -> Permission | None:
    """The target site's permission if it holds today; an expired one goes into the notes.

    One that holds is named by the finding's ``rule`` (:func:`deciding_rule`).

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


def deciding_rule(
    policy: Policy, permission: Permission | None, licensed: bool
) -> DecidingRule | None:
    """The licence or permission that decided, as :func:`licence_decides` and
    :func:`limit_and_why` chose it; None when the policy's excerpt rule did.
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


def licence_decides(
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


def beyond_limit(policy: Policy) -> str:
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


def limit_and_why(
    policy: Policy, permission: Permission | None, article_chars: int
) -> tuple[int, str]:
    """The limit in characters (0 = none) and a few words on where it comes from.

    A licence without an excerpt limit sets none; beside one, the limit is
    the excerpt's (or the permission's) and :func:`licence_decides` lifts it
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
