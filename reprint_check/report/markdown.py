"""The report as Markdown, for a ticket or an e-mail.

It reads as plain text in a mail client and renders in an issue tracker:
the summary and a table first, then one section per target, worst first,
with each violation in plain words and what to ask of the partner.

Page text is untrusted and may contain Markdown or HTML of its own, so every
piece of it is escaped (or put in a code span) and kept on one line: a
hostile title cannot inject a link, an image or a heading into the ticket.
"""

from __future__ import annotations

import re

from reprint_check.models import LinkEvidence, Passage, Report, SourceFinding, TargetResult
from reprint_check.report import common
from reprint_check.report.console import clean, shorten
from reprint_check.report.html import safe_href
from reprint_check.wording import chars

QUOTE_MAX_CHARS = 300  # a ticket quotes enough to recognise the passage; the HTML shows it all
# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones
# that can start markup in the middle of a line (or a table cell).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~!#&])")


def render(report: Report, *, include_text: bool = False, color: bool | None = None) -> str:
    """The report as Markdown; the options exist so every renderer is called alike."""
    del include_text, color
    n = common.counts(report)
    lines = [
        "# reprint-check report",
        "",
        f"Policy **{text(report.policy.name)}**: {common.limit_phrase(report.policy)}.",
        "",
        f"**{common.plural(n.audited, 'target')} audited: {n.compliant} compliant, "
        f"{n.violation} in violation, {common.plural(n.error, 'error')}.**",
        "",
    ]
    for note in report.notes:
        lines += [f"> {text(note)}", ""]
    ordered = common.worst_first(report.targets)
    if ordered:
        lines += [
            "| # | Target | Verdict | Violations | Largest reuse |",
            "|---:|---|---|---|---:|",
        ]
        for number, target in enumerate(ordered, start=1):
            lines.append(_row(number, target))
        lines.append("")
    for number, target in enumerate(ordered, start=1):
        lines += _target(number, target)
    return "\n".join(lines).rstrip("\n") + "\n"


def text(value: str) -> str:
    """Untrusted text as one escaped line of Markdown."""
    return _SPECIAL.sub(r"\\\1", clean(value))


def code(value: str) -> str:
    """Untrusted text as a code span that no backtick inside can close early."""
    value = clean(value)
    fence = "`"
    while fence in value:
        fence += "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def address(url: str) -> str:
    """A clickable web address, or a code span for anything else (file paths, ``javascript:``)."""
    href = safe_href(url)
    if href and not re.search(r"[\s<>]", href):
        return f"<{href}>"
    return code(url)


def _row(number: int, target: TargetResult) -> str:
    codes = common.violation_codes(target)
    largest = common.largest_reuse(target) or "–"
    name = text(target.title or target.target)
    label = common.STATUS_LABELS.get(target.status, target.status).upper()
    listed = ", ".join(f"`{c}`" for c in codes) if codes else "none"
    return f"| {number} | {name} | {label} | {listed} | {largest} |"


def _target(number: int, target: TargetResult) -> list[str]:
    label = common.STATUS_LABELS.get(target.status, target.status).upper()
    lines = [
        f"## {number}. {label}: {text(target.title or target.target)}",
        "",
        f"Target: {address(target.target)}  ",
        f"Verdict: {text(common.verdict(target))}",
        "",
    ]
    rows = common.evidence_rows(target.evidence)
    if rows:
        lines += ["Evidence of capture:", ""]
        lines += [f"- {label}: {code(value)}" for label, value in rows]
        lines.append("")
    for index, source in enumerate(target.sources, start=1):
        lines += _source(index, len(target.sources), source)
    return lines


def _source(index: int, total: int, source: SourceFinding) -> list[str]:
    lines = [
        f"### Source {index} of {total}: {text(source.title or source.url)}",
        "",
        f"- Article: {address(source.url)}",
        f"- Reuse: {_reuse(source)}",
    ]
    rewritten = common.rewritten_phrase(source)
    if rewritten is not None:
        lines.append(f"- In other words: {rewritten}")
    if source.rule is not None:
        lines.append(f"- Decided by: {text(common.rule_sentence(source.rule))}")
    lines.append(f"- Link: {_link(source)}")
    for reason in _reasons(source.link, source):
        lines.append(f"  - {text(reason)}")
    for note in source.notes:
        lines.append(f"- Note: {text(note)}")
    lines.append("")
    if source.violations:
        lines += ["**Violations**", ""]
        for violation in source.violations:
            lines.append(f"- {code(violation.code)}: {text(violation.message)}  ")
            lines.append(f"  What to do: {text(common.advice(violation, source))}")
        lines.append("")
    else:
        lines += ["No violations: this reuse complies with the policy.", ""]
    if source.passages:
        lines += [f"**Passages ({len(source.passages)})**", ""]
        for number, passage in enumerate(source.passages, start=1):
            lines += _passage(number, passage)
    return lines


def _reuse(source: SourceFinding) -> str:
    """The common reuse words, the amount in bold when it is over the limit."""
    amount, share = common.reuse_words(source)
    words = f"**{text(amount)}**" if common.over_limit(source) else text(amount)
    return f"{words} · {text(share)}" if share else words


def _link(source: SourceFinding) -> str:
    link = source.link
    if not link.found:
        return "no link or reference to this article found"
    kind = "active link" if link.active else "reference that is not an active link"
    words = kind
    if link.href:
        words += f" to {code(link.href)}"
    words += f" in paragraph {link.paragraph}" if link.paragraph is not None else ", not visible"
    words += ", followable" if link.followable else ", nofollow"
    counts = link.active and not any(v.code.startswith("LINK_") for v in source.violations)
    return words + (" (counts)" if counts else " (does not count)")


def _reasons(link: LinkEvidence, source: SourceFinding) -> list[str]:
    messages = [v.message for v in source.violations if v.code.startswith("LINK_")]
    return list(dict.fromkeys((*link.problems, *messages)))


def _passage(number: int, passage: Passage) -> list[str]:
    where = (
        f"{number}. {chars(passage.chars)} characters, similarity {passage.similarity:.0%}"
        f" (page {passage.target_start}–{passage.target_end},"
        f" article {passage.source_start}–{passage.source_end})"
    )
    kind = common.passage_marks(passage)
    where += f", {text(kind)}:" if kind else ":"
    return [where, "", f"   > {text(shorten(clean(passage.text), QUOTE_MAX_CHARS))}", ""]
