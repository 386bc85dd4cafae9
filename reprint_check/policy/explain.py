"""A policy in plain words: ``reprint-check policy show`` and the one-line summary of ``list``.

Kept apart from the format (rules.py) because wording changes often and
never changes a verdict.
"""

from __future__ import annotations

from reprint_check.policy.rules import ArchiveRule, ExcerptRule, LinkRule, Policy, ReprintRule

__all__ = ["explain", "summary_line"]


def explain(policy: Policy) -> list[str]:
    """Each rule of the policy as a sentence an editor can check against the publisher's terms."""
    lines: list[str] = []
    if policy.domains:
        who = policy.publisher or policy.name
        hosts = _join(policy.domains)
        lines.append(f"Covers articles of {who} on {hosts} (subdomains included).")
    else:
        lines.append("Covers every indexed article, whichever site it comes from.")
    if policy.terms_url:
        lines.append(
            f"The publisher states the rule at {policy.terms_url}."
            if policy.publisher
            else f"The terms this rule follows are at {policy.terms_url}."
        )
    lines.extend(_explain_excerpt(policy.excerpt, policy.reprint))
    if policy.excerpt_or_reprint:
        lines.append(_explain_beyond_limit(policy.excerpt, policy.reprint))
    lines.extend(_explain_link(policy.link))
    lines.extend(_explain_reprint(policy.reprint, policy.excerpt_or_reprint))
    lines.extend(_explain_archive(policy.archive))
    if policy.rewrite.max_chars is not None:
        limit = (
            "any length"
            if policy.rewrite.max_chars == 0
            else f"at most {policy.rewrite.max_chars} characters"
        )
        lines.append(
            f"With --semantic, a translation or a rewrite of an article may take {limit} "
            "of the page (TRANSLATED_COPY, REWRITE_SUSPECTED)."
        )
    for permission in policy.permissions:
        limit = (
            "no limit"
            if permission.max_chars == 0
            else f"up to {permission.max_chars:,} characters"
        )
        note = f" ({permission.note})" if permission.note else ""
        until = (
            f", until {permission.until.isoformat()} (after that the normal rules apply "
            "and the report says the permission expired)"
            if permission.until
            else ""
        )
        lines.append(
            f"{permission.domain} has written permission to republish: {limit}{note}{until}."
        )
    return lines


def summary_line(policy: Policy) -> str:
    """The policy in a few words, for ``policy list``."""
    excerpt = policy.excerpt
    conditions = [
        word
        for word, on in (
            ("unedited", policy.reprint.unedited),
            ("credited", policy.reprint.credit is not None),
        )
        if on
    ]
    if policy.reprint.allow_full and not policy.excerpt_or_reprint:
        size = "full reprint allowed"
    else:
        parts = [f"{excerpt.max_chars:,} chars"] if excerpt.max_chars else []
        if excerpt.max_ratio is not None:
            parts.append(f"{excerpt.max_ratio:.0%} of the article")
        size = " or ".join(parts) or "no limit"
    if policy.excerpt_or_reprint:
        size += ", or the whole story" + (f" ({', '.join(conditions)})" if conditions else "")
        conditions = []  # they bind the whole story only, as just said
    link = policy.link
    if not link.required:
        linked = "no link needed"
    else:
        linked = "link to the " + ("article" if link.target == "article" else "site")
        extras = [
            word
            for word, on in (
                ("direct", link.direct),
                ("indexable", link.followable),
                (link.position, link.position != "anywhere"),
            )
            if on
        ]
        if extras:
            linked += f" ({', '.join(extras)})"
    return "; ".join([size, linked, *conditions])


def _explain_excerpt(excerpt: ExcerptRule, reprint: ReprintRule) -> list[str]:
    counted = (
        "all passages from one article added together"
        if excerpt.count == "total"
        else "only the longest passage from one article"
    )
    lines: list[str] = []
    limited = bool(excerpt.limit_for(1_000_000))
    if reprint.allow_full and not limited:
        lines.append(
            "The whole article may be republished (a reprint licence): there is no length "
            "limit and a full copy is not a violation."
        )
    elif excerpt.max_chars and excerpt.max_ratio is not None:
        lines.append(
            f"An excerpt may reuse at most {excerpt.max_chars:,} characters or "
            f"{excerpt.max_ratio:.0%} of the article's characters, whichever is less, "
            f"counting {counted}."
        )
    elif excerpt.max_ratio is not None:
        lines.append(
            f"An excerpt may reuse at most {excerpt.max_ratio:.0%} of the article's "
            f"characters, counting {counted}."
        )
    elif excerpt.max_chars:
        lines.append(
            f"An excerpt may reuse at most {excerpt.max_chars:,} characters of an article, "
            f"counting {counted}."
        )
    else:
        lines.append("There is no limit on how much of an article may be reused.")
    lines.append(
        f"Shared runs shorter than {excerpt.min_passage_chars:,} characters are not counted "
        "as reuse."
    )
    if limited:
        lines.append(
            "The headline counts towards the limit."
            if excerpt.include_title
            else "The headline does not count towards the limit."
        )
    if not excerpt.count_quotations:
        lines.append(
            "Passages that the article itself quotes (someone's words inside quotation marks) "
            "do not count towards the limit; the report still lists them."
        )
    if not reprint.allow_full:
        lines.append(
            f"Reusing {excerpt.full_reprint_ratio:.0%} or more of an article is a full reprint."
        )
    return lines


def _explain_link(link: LinkRule) -> list[str]:
    if not link.required:
        return ["No link back to the article is required."]
    what = (
        "an active, visible hyperlink (a bare URL in the text does not count)"
        if link.active
        else "a link or a written reference (a plain URL in the text is enough)"
    )
    to = (
        "to the article itself; a link to the publisher's home page does not count"
        if link.target == "article"
        else "to the publisher's site (any page on it)"
    )
    lines = [f"Any reuse needs {what} {to}."]
    if link.position == "anywhere":
        lines.append("The link may stand anywhere on the page.")
    elif link.position == "before-excerpt":
        lines.append(
            "The link must stand no later than the end of the paragraph where the excerpt begins."
        )
    elif link.position == "first-paragraph":
        lines.append(
            "The link must stand no later than the end of the first paragraph of the page's text."
        )
    else:
        lines.append(
            f"The link must stand no later than the end of paragraph {link.paragraph} of the "
            "page's text (headings and short lines such as bylines are not counted)."
        )
    lines.append(
        "The link must be open for indexing: rel=nofollow, ugc or sponsored, a robots meta "
        "tag (generic or for one crawler) or an X-Robots-Tag header saying nofollow or none, "
        "or a <noindex> wrapper around the link, breaks the rule."
        if link.followable
        else "A nofollow link is accepted."
    )
    lines.append(
        "The link must go straight to the article: a link through a redirector "
        "(/go?url=…, /away.php?to=…) or a URL shortener breaks the rule."
        if link.direct
        else "A link through a redirector or URL shortener that leads to the article is accepted."
    )
    if link.canonical_counts:
        lines.append(
            "A <link rel=canonical> from the page to the article (as search engines recommend "
            "for syndicated copies) counts as the link."
        )
    return lines


def _explain_beyond_limit(excerpt: ExcerptRule, reprint: ReprintRule) -> str:
    """What a copy longer than the excerpt limit must be when a reprint licence stands beside it."""
    conditions = [
        words
        for words, on in (
            ("unedited", reprint.unedited),
            ("with a credit line", reprint.credit is not None),
        )
        if on
    ]
    terms = ", ".join(conditions) if conditions else "with no further conditions"
    return (
        f"A copy longer than the limit must be the whole story, {terms} (the reprint "
        "licence). A copy counts as the whole story when its passages, quotations included, "
        f"cover {excerpt.full_reprint_ratio:.0%} or more of the article, and the licence then "
        "judges it even within the limit. A longer copy of only part of the story is neither "
        "an excerpt nor a reprint: it is EXCERPT_TOO_LONG."
    )


def _explain_reprint(reprint: ReprintRule, beside_excerpt: bool = False) -> list[str]:
    """The licence's conditions; beside an excerpt limit they bind the whole story only."""
    subject = "A copy of the whole story" if beside_excerpt else "The copy"
    lines = []
    if reprint.unedited:
        lines.append(
            f"{subject} must keep the publisher's words: changing, adding or leaving out words "
            "inside the copied text is an edit (white space, letter case, quote marks and "
            "dashes aside)."
            + (" An excerpt within the limit may be edited." if beside_excerpt else "")
        )
    if reprint.credit is not None:
        where = "Its page" if beside_excerpt else "The page"
        lines.append(
            f'{where} must carry a credit line matching the pattern "{reprint.credit}" '
            "(letter case and line breaks ignored)."
            + (" An excerpt within the limit needs none." if beside_excerpt else "")
        )
    return lines


def _explain_archive(archive: ArchiveRule) -> list[str]:
    lines = []
    if archive.body:
        lines.append(
            f'When its pages are indexed, the story is the text inside "{archive.body}" '
            "(less the headline); a page where that matches nothing is read as usual."
        )
    if archive.exclude:
        listed = ", ".join(f'"{s}"' for s in archive.exclude)
        lines.append(f"When its pages are indexed, {listed} are never part of the story.")
    return lines


def _join(items: tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
