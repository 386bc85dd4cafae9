"""What the human-facing formats (console, HTML, Markdown, JUnit, CSV, GitHub) say alike.

An editor reading a ticket and one reading the HTML report must see the
same order, the same counts and the same advice for a violation, and the
same words for how much was reused and which permission or licence decided,
so those live here once instead of in each renderer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reprint_check.models import (
    DecidingRule,
    Evidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.wording import chars, hidden_place, share_of_article

# Violations first (something to act on), then errors (something to retry), then the rest.
STATUS_RANK = {"violation": 0, "error": 1, "compliant": 2}
STATUS_LABELS = {"compliant": "Compliant", "violation": "Violation", "error": "Error"}

# What to ask of the partner, per violation code. ``{url}`` is the source
# article, ``{limit}`` the excerpt limit that applied to this source.
ADVICE = {
    "EXCERPT_TOO_LONG": (
        "Ask the partner to cut the quoted text to at most {limit} characters, "
        "or to obtain written permission for the longer extract."
    ),
    "FULL_REPRINT": (
        "Ask the partner to take the reprint down or replace it with a short excerpt "
        "and a link; republishing the article needs a written licence."
    ),
    "LINK_MISSING": "Ask the partner to add a visible, clickable link to the article: {url}",
    "LINK_NOT_ACTIVE": (
        "Ask the partner to make the reference a real, visible link (<a href>) to the article; "
        "a bare address, a hidden link or a link inside <noscript> does not count: {url}"
    ),
    "LINK_NOT_FOLLOWABLE": (
        'Ask the partner to drop rel="nofollow", "ugc" or "sponsored" from the link '
        "(and any robots nofollow on the page)."
    ),
    "LINK_WRONG_TARGET": (
        "Ask the partner to point the link at the article itself, not at the home page "
        "or another story: {url}"
    ),
    "LINK_TOO_LATE": (
        "Ask the partner to move the link earlier in the page, where the policy requires it "
        "(in the first paragraph, or before the quoted text)."
    ),
    "TRANSLATED_COPY": (
        "Check the sentence pairs, then ask the partner to take the translation down or cut it "
        "to a short excerpt with a link; translating the article needs written permission."
    ),
    "REWRITE_SUSPECTED": (
        "Check the sentence pairs: if the partner rewrote the article, ask them to take the "
        "rewrite down or replace it with a short excerpt and a link to: {url}"
    ),
}
GENERIC_ADVICE = "Check what the policy requires for this rule and ask the partner to comply."


@dataclass(frozen=True)
class Counts:
    """The summary line every report opens with."""

    audited: int
    compliant: int
    violation: int
    error: int


def counts(report: Report) -> Counts:
    by_status = {status: 0 for status in STATUS_RANK}
    for target in report.targets:
        by_status[target.status] = by_status.get(target.status, 0) + 1
    return Counts(
        audited=len(report.targets),
        compliant=by_status["compliant"],
        violation=by_status["violation"],
        error=by_status["error"],
    )


def worst_first(targets: Iterable[TargetResult]) -> list[TargetResult]:
    """Targets in the order an editor should read them; ties keep the report's order.

    Among violations, more violations first, then the largest overshoot of
    the limit, so a full reprint comes before a missing link on a short quote.
    """

    def key(item: tuple[int, TargetResult]) -> tuple[int, int, float, int]:
        position, target = item
        violations = sum(len(s.violations) for s in target.sources)
        return (STATUS_RANK.get(target.status, 3), -violations, -_overshoot(target), position)

    return [target for _, target in sorted(enumerate(targets), key=key)]


def _overshoot(target: TargetResult) -> float:
    """The largest reused/limit ratio among the target's sources (0 when nothing is limited)."""
    return max((s.reused_chars / s.limit for s in target.sources if s.limit > 0), default=0.0)


def advice(violation: Violation, source: SourceFinding) -> str:
    """What to ask of the partner, in plain words."""
    template = ADVICE.get(violation.code, GENERIC_ADVICE)
    return template.format(url=source.url, limit=chars(source.limit))


def limit_phrase(policy: PolicySummary) -> str:
    if policy.max_chars > 0:
        return (
            f"at most {chars(policy.max_chars)} characters per source article "
            f"(count: {policy.count})"
        )
    return f"no excerpt length limit (count: {policy.count})"


def verdict(target: TargetResult) -> str:
    """One line on what was found, without the evidence."""
    if target.status == "violation":
        found = sum(len(s.violations) for s in target.sources)
        offending = sum(1 for s in target.sources if s.violations)
        return f"{plural(found, 'violation')} from {plural(offending, 'source article')}"
    if target.status == "error":
        return target.error or "the target could not be audited"
    if not target.sources:
        return "no reuse of the publisher's articles found"
    within = f"reuse from {plural(len(target.sources), 'source article')} within the policy"
    rules = list(dict.fromkeys(rule_short(s.rule) for s in target.sources if s.rule is not None))
    return f"{within} ({'; '.join(rules)})" if rules else within


def rule_short(rule: DecidingRule) -> str:
    """The permission or licence in a few words, for a verdict: whose, and until when."""
    if rule.kind == "permission":
        until = f", until {rule.until}" if rule.until else ""
        return f"by the written permission of {rule.domain}{until}"
    return f"by the reprint licence of policy {rule.policy}"


def rule_sentence(rule: DecidingRule) -> str:
    """Which permission or licence set the source's limit: policy, partner, note, expiry.

    Shown as "Decided by: …" next to the source in every format.
    """
    if rule.kind == "permission":
        note = f" ({rule.note})" if rule.note else ""
        allows = (
            f"up to {chars(rule.max_chars)} characters" if rule.max_chars else "no length limit"
        )
        until = f", until {rule.until}" if rule.until else ", with no end date"
        return f"written permission of {rule.domain}{note} in policy {rule.policy}: {allows}{until}"
    return (
        f"the reprint licence of policy {rule.policy}: the whole article may be republished "
        "(no length limit, no full-reprint rule)"
    )


def reuse_words(source: SourceFinding) -> tuple[str, str]:
    """How much was reused against the limit, and against the article, in every format's words.

    ("2,082 characters reused; the limit is 500 (1,582 over the limit)",
    "101% of the article's 2,061 characters as indexed: the copy is longer
    than the indexed text"); the second is empty when the article's length
    is unknown.
    """
    reused = f"{chars(source.reused_chars)} characters reused"
    if source.limit > 0:
        over = over_limit(source)
        state = f"{chars(over)} over the limit" if over else "within the limit"
        amount = f"{reused}; the limit is {chars(source.limit)} ({state})"
    else:
        amount = f"{reused}; no length limit applies"
    return amount, share_of_article(source.reused_chars, source.article_chars, size=True)


def reuse_line(source: SourceFinding) -> str:
    """:func:`reuse_words` as one line."""
    return " · ".join(part for part in reuse_words(source) if part)


def violation_codes(target: TargetResult) -> list[str]:
    """The distinct violation codes of a target, in the order they first appear."""
    return list(dict.fromkeys(v.code for s in target.sources for v in s.violations))


def largest_reuse(target: TargetResult) -> str | None:
    """The largest reuse from one source article: "reused / limit", or "reused" with no limit."""
    if not target.sources:
        return None
    top = max(target.sources, key=lambda s: s.reused_chars)
    return (
        f"{chars(top.reused_chars)} / {chars(top.limit)}"
        if top.limit > 0
        else chars(top.reused_chars)
    )


def over_limit(source: SourceFinding) -> int:
    """Characters beyond the limit (0 when within it or when there is no limit)."""
    return max(source.reused_chars - source.limit, 0) if source.limit > 0 else 0


def match_phrase(passage: Passage) -> str | None:
    """How a semantic passage reuses its source ("translation, uk"); None for a verbatim one."""
    if passage.match is None:
        return None
    return f"{passage.match}, {passage.lang}" if passage.lang else passage.match


def hidden_phrase(passage: Passage) -> str | None:
    """Where on the page a passage out of sight stood; None for one a reader sees."""
    return None if passage.hidden is None else hidden_place(passage.hidden)


def verbatim_phrase(passage: Passage) -> str | None:
    """The part of a rewritten or translated passage kept word for word; None when none is."""
    if not passage.verbatim:
        return None
    kept = sum(p.chars for p in passage.verbatim)
    where = ", ".join(f"{p.target_start}–{p.target_end}" for p in passage.verbatim)
    return f"{chars(kept)} of its characters word for word (page {where})"


def passage_marks(passage: Passage) -> str | None:
    """What sets a passage apart from a plain visible copy: out of sight, in other words."""
    marks = [
        m for m in (hidden_phrase(passage), match_phrase(passage), verbatim_phrase(passage)) if m
    ]
    return "; ".join(marks) or None


def rewritten_phrase(source: SourceFinding) -> str | None:
    """The source's characters in other words, when the semantic stage found any."""
    if source.rewritten_chars is None:
        return None
    kinds = sorted({p.match for p in source.passages if p.match})
    how = " or ".join("translated" if k == "translation" else "rewritten" for k in kinds)
    return f"{chars(source.rewritten_chars)} characters of the page {how or 'rewritten'}"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{chars(count)} {singular if count == 1 else (many or singular + 's')}"


def evidence_rows(evidence: Evidence | None) -> tuple[tuple[str, str], ...]:
    """A fetched target's capture (with ``--evidence DIR``) as (label, value) rows.

    What an editor cites when the partner has since changed the page: when
    it was fetched, which WARC record holds the response, and its digest.
    """
    if evidence is None:
        return ()
    return (
        ("URL that answered", evidence.url),
        ("Fetched at", evidence.captured_at),
        ("WARC file", evidence.warc_file),
        ("WARC record", evidence.record_id),
        ("SHA-256 of the body", evidence.sha256),
    )
