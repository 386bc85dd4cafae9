"""The report as JUnit XML, for CI systems that show test results.

One ``<testsuite name="reprint-check">`` inside ``<testsuites>``; one
``<testcase classname="reprint-check.<policy>" name="<target>">`` per audited
target. A target in violation is a failed test, a target that could not be
fetched or parsed or had no text to audit is an errored test (never a pass),
a compliant target passes and says in
``<system-out>`` which source articles it quoted within the policy.

One ``<failure>`` per test case, not one per violation. The JUnit format
tolerates several, but widely used readers keep only the first (GitHub's
dorny/test-reporter reads ``failure[0]``, several dashboards likewise), so
the second source article's problem would silently vanish from the CI page.
Instead the one failure's ``type`` lists the codes, its ``message`` gives
every ``CODE: message`` on one line, and its text lists every violation with
the evidence: source URL, reused characters against the limit, the link
found, and each passage (offsets, length, similarity, quoted text shortened
in the middle).

Everything from a page (URLs, titles, passages, error text) is untrusted:
it is reduced to one line with control characters made visible, and any
character XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF) is
replaced, so the file always parses. The output is deterministic: no
hostname, no clock; ``time`` is ``0`` because audits are not timed, and a
``timestamp`` appears only when the caller passes one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reprint_check.models import Passage, PolicySummary, Report, SourceFinding, TargetResult
from reprint_check.report import common
from reprint_check.report.console import clean, shorten
from reprint_check.wording import chars

SUITE_NAME = "reprint-check"
QUOTE_MAX_CHARS = 300  # the console's quote length: enough to recognise a passage in a CI log
MESSAGE_PART_CHARS = 240  # per violation in the one-line failure message, when there are several
INDENT = "  "

# Characters outside XML 1.0's Char production: C0 controls other than tab,
# line feed and carriage return, the surrogate block and U+FFFE/U+FFFF.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        # Character references, or a parser would normalise them to spaces.
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def render(
    report: Report,
    *,
    include_text: bool = False,
    color: bool | None = None,
    timestamp: str | None = None,
) -> str:
    """The report as a JUnit XML document (UTF-8 declared, one trailing newline).

    ``include_text`` and ``color`` are accepted for a uniform renderer
    signature; the page text belongs in the JSON report. ``timestamp`` (ISO
    8601) is written on the test suite only when given, so the default output
    is the same bytes for the same report.
    """
    del include_text, color
    counts = _counts(report.targets)
    totals = _attrs(
        tests=str(len(report.targets)),
        failures=str(counts["failure"]),
        errors=str(counts["error"]),
        skipped="0",
        time="0",
    )
    suite_attrs = totals
    if timestamp is not None:
        suite_attrs += _attrs(timestamp=timestamp)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<testsuites{_attrs(name=SUITE_NAME)}{totals}>",
        f"{INDENT}<testsuite{_attrs(name=SUITE_NAME)}{suite_attrs}>",
        *_properties(report.policy, depth=2),
    ]
    classname = f"{SUITE_NAME}.{clean(report.policy.name)}"
    for target in report.targets:
        lines.extend(_testcase(target, report.policy, classname))
    lines.append(f"{INDENT}</testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def outcome(target: TargetResult) -> str:
    """What a target is as a test: ``failure``, ``error`` or ``passed``.

    An unknown status is an error rather than a pass, so a report from a
    newer or broken writer never turns a CI job green by accident.
    """
    if target.status == "violation":
        return "failure"
    if target.status == "compliant":
        return "passed"
    return "error"


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


# --- the XML ------------------------------------------------------------------------


def _attrs(**values: str) -> str:
    return "".join(
        f' {key}="{xml_safe(value).translate(_ATTR_ESCAPES)}"' for key, value in values.items()
    )


def _text(text: str) -> str:
    return xml_safe(text).translate(_TEXT_ESCAPES)


def _counts(targets: Iterable[TargetResult]) -> dict[str, int]:
    counts = {"failure": 0, "error": 0, "passed": 0}
    for target in targets:
        counts[outcome(target)] += 1
    return counts


def _properties(policy: PolicySummary, depth: int) -> list[str]:
    pad = INDENT * depth
    rows = [
        ("policy", clean(policy.name)),
        ("max_chars", str(policy.max_chars)),
        ("count", clean(policy.count)),
    ]
    return [
        f"{pad}<properties>",
        *(f"{pad}{INDENT}<property{_attrs(name=name, value=value)}/>" for name, value in rows),
        f"{pad}</properties>",
    ]


def _testcase(target: TargetResult, policy: PolicySummary, classname: str) -> list[str]:
    pad = INDENT * 3
    head = (
        f"{INDENT * 2}<testcase{_attrs(classname=classname, name=clean(target.target), time='0')}"
    )
    kind = outcome(target)
    if kind == "failure":
        kind_attrs = _attrs(type=failure_type(target), message=failure_message(target))
        body = "\n".join(failure_details(target, policy))
        child = f"{pad}<failure{kind_attrs}>{_text(body)}</failure>"
    elif kind == "error":
        message = clean(target.error or f"unknown audit status {target.status!r}")
        body = "\n".join(
            [
                f"Target: {clean(target.target)}",
                f"Error: {message}",
                "The target could not be fetched or parsed, or had no text, so it was not audited.",
            ]
        )
        child = f"{pad}<error{_attrs(type='FETCH_ERROR', message=message)}>{_text(body)}</error>"
    else:
        body = "\n".join(compliant_summary(target))
        child = f"{pad}<system-out>{_text(body)}</system-out>"
    return [f"{head}>", child, f"{INDENT * 2}</testcase>"]


# --- the words (pure) ----------------------------------------------------------------


def _violations(target: TargetResult) -> list[tuple[str, str]]:
    return [
        (clean(v.code), clean(v.message)) for source in target.sources for v in source.violations
    ]


def failure_type(target: TargetResult) -> str:
    """The distinct violation codes of a target, in report order, comma-separated."""
    codes = list(dict.fromkeys(code for code, _ in _violations(target)))
    return ",".join(codes) or "VIOLATION"


def failure_message(target: TargetResult) -> str:
    """Every ``CODE: message`` of a target on one line.

    With several violations each message is cut to ``MESSAGE_PART_CHARS`` so
    the line stays readable; every code is always there, and the full text
    is in the failure's body.
    """
    violations = _violations(target)
    if not violations:
        return "VIOLATION: the audit reported a violation without details"
    if len(violations) == 1:
        code, message = violations[0]
        return f"{code}: {message}"
    return " | ".join(
        f"{code}: {_cut(message, MESSAGE_PART_CHARS)}" for code, message in violations
    )


def failure_details(target: TargetResult, policy: PolicySummary) -> list[str]:
    """The failure's body: every violation with the evidence to act on it."""
    violations = _violations(target)
    offending = sum(1 for s in target.sources if s.violations)
    lines = [
        f"{common.plural(len(violations), 'violation')} from "
        f"{common.plural(offending, 'source article')}",
        *_target_lines(target, policy),
    ]
    for number, source in enumerate(target.sources, start=1):
        lines.append("")
        lines.extend(_source_lines(source, number, len(target.sources), quotes=True))
    return lines


def compliant_summary(target: TargetResult) -> list[str]:
    """A passing target's ``<system-out>``: which articles it quoted, how much, how linked."""
    if not target.sources:
        return ["No reuse of the publisher's articles found.", f"Target: {clean(target.target)}"]
    within = clean(common.verdict(target))
    lines = [
        f"{within[:1].upper()}{within[1:]}.",
        f"Target: {clean(target.target)}",
    ]
    if target.title:
        lines.append(f"Title: {clean(target.title)}")
    for number, source in enumerate(target.sources, start=1):
        lines.append("")
        lines.extend(_source_lines(source, number, len(target.sources), quotes=False))
    return lines


def _target_lines(target: TargetResult, policy: PolicySummary) -> list[str]:
    lines = [f"Target: {clean(target.target)}"]
    if target.title:
        lines.append(f"Title: {clean(target.title)}")
    lines.append(f"Policy: {clean(policy.name)}, {clean(common.limit_phrase(policy))}")
    return lines


def _source_lines(source: SourceFinding, number: int, total: int, *, quotes: bool) -> list[str]:
    lines = [f"Source {number} of {total}: {clean(source.url)}"]
    if source.title:
        lines.append(f"{INDENT}Title: {clean(source.title)}")
    lines.append(f"{INDENT}Reuse: {clean(common.reuse_line(source))}")
    if source.rule is not None:
        lines.append(f"{INDENT}Decided by: {clean(common.rule_sentence(source.rule))}")
    rewritten = common.rewritten_phrase(source)
    if rewritten is not None:
        lines.append(f"{INDENT}In other words: {clean(rewritten)}")
    lines.extend(f"{INDENT}{line}" for line in _link_lines(source))
    lines.extend(f"{INDENT}Note: {clean(note)}" for note in source.notes)
    if source.violations:
        lines.append(f"{INDENT}Violations:")
        lines.extend(f"{INDENT * 2}{clean(v.code)}: {clean(v.message)}" for v in source.violations)
    elif quotes:
        lines.append(f"{INDENT}No violations.")
    lines.append(f"{INDENT}Passages ({len(source.passages)}):")
    for index, passage in enumerate(source.passages, start=1):
        lines.append(f"{INDENT * 2}{index}. {_where(passage)}")
        if quotes:
            lines.append(f"{INDENT * 2}   “{shorten(clean(passage.text), QUOTE_MAX_CHARS)}”")
    return lines


def _link_lines(source: SourceFinding) -> list[str]:
    link = source.link
    if not link.found:
        head = "Link: none to this article found"
    else:
        head = "Link: " + ("active link" if link.active else "reference that is not an active link")
        if link.href:
            head += f" to {clean(link.href)}"
        if link.paragraph is not None:
            head += f" in paragraph {link.paragraph}"
        head += ", followable" if link.followable else ", not followable"
    return [head, *(f"{INDENT}- {clean(problem)}" for problem in link.problems)]


def _where(passage: Passage) -> str:
    return (
        f"target {passage.target_start}-{passage.target_end},"
        f" source {passage.source_start}-{passage.source_end},"
        f" {chars(passage.chars)} characters, similarity {passage.similarity:.2f}"
        + (f", {clean(kind)}" if (kind := common.passage_marks(passage)) else "")
    )


def _cut(text: str, limit: int) -> str:
    """``text`` cut at the end to ``limit`` characters, marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
