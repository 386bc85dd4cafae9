"""The report as GitHub Actions workflow commands, for annotations on a run.

Printed to standard output inside a workflow step, each line becomes an
annotation: ``::error title=<CODE>::<target>: <message>`` per violation,
``::warning title=FETCH_ERROR::…`` per target that could not be fetched or
parsed, ``::notice title=PERMISSION::…`` (or ``LICENCE``) per source article
whose limit a written permission or a reprint licence set, so a green run
still says why it is green, and a final ``::notice::`` with the counts (GitHub shows at most a
handful of annotations per step, so the totals must not depend on them).

Page-derived text is untrusted. A newline in it would end the command and
let a hostile page start one of its own (``::add-mask::``, ``::stop-commands::``),
so every value is first reduced to one line with control characters made
visible, then escaped by the runner's rules: ``%``, CR and LF in the message;
additionally ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from reprint_check.models import Report, TargetResult
from reprint_check.report.common import plural, rule_sentence
from reprint_check.report.console import clean
from reprint_check.wording import chars

_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def render(report: Report, *, include_text: bool = False, color: bool | None = None) -> str:
    """One workflow command per line, ending with the summary notice."""
    del include_text, color  # annotations are one line each; the parameters keep the signature
    lines: list[str] = []
    for target in report.targets:
        lines.extend(target_commands(target))
    lines.append(command("notice", summary(report)))
    return "\n".join(lines) + "\n"


def target_commands(target: TargetResult) -> list[str]:
    """The annotations of one target: an error per violation, a warning if it failed to load."""
    where = clean(target.target)
    if target.status not in ("compliant", "violation"):
        problem = target.error or f"unknown audit status {target.status!r}"
        message = _without_prefix(clean(problem), where)
        return [command("warning", f"{where}: {message}", title="FETCH_ERROR")]
    errors = [
        command("error", f"{where}: {clean(violation.message)}", title=clean(violation.code))
        for source in target.sources
        for violation in source.violations
    ]
    rules = [
        command(
            "notice",
            f"{where}: {clean(source.url)}: decided by {clean(rule_sentence(source.rule))}",
            title=source.rule.kind.upper(),
        )
        for source in target.sources
        if source.rule is not None
    ]
    return errors + rules


def summary(report: Report) -> str:
    """The run in one line: how many targets, and how they fared."""
    counts = {"compliant": 0, "violation": 0, "error": 0}
    for target in report.targets:
        counts[target.status if target.status in counts else "error"] += 1
    violations = sum(len(s.violations) for t in report.targets for s in t.sources)
    tested = len(report.targets)
    return (
        f"reprint-check (policy {clean(report.policy.name)}): "
        f"{plural(tested, 'target')} audited, "
        f"{chars(counts['compliant'])} compliant, "
        f"{chars(counts['violation'])} in violation "
        f"({plural(violations, 'violation')}), "
        f"{chars(counts['error'])} could not be fetched or parsed"
    )


def command(name: str, message: str, **properties: str) -> str:
    """A workflow command line, with message and property values escaped."""
    props = ",".join(
        f"{key}={value.translate(_PROPERTY_ESCAPES)}" for key, value in properties.items()
    )
    return f"::{name}{' ' + props if props else ''}::{message.translate(_DATA_ESCAPES)}"


def _without_prefix(message: str, target: str) -> str:
    """Fetch errors already name their input; do not say the URL twice."""
    prefix = f"{target}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
