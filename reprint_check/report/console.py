"""The report for an editor reading a terminal.

Summary first, so a long feed audit answers "is anything wrong?" in two
lines; then one panel per target with the evidence an editor needs to act:
how much was reused against the limit, what the link looks like, which rule
each violation breaks and the reused passages themselves.

Everything shown from a page (titles, URLs, passages, messages) is untrusted
text: control characters are made visible instead of being passed to the
terminal, so a hostile page cannot inject escape sequences. With colour off
the output is plain, deterministic text at a fixed width.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
from collections.abc import Mapping
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from reprint_check.models import LinkEvidence, Passage, Report, SourceFinding, TargetResult
from reprint_check.report import common
from reprint_check.wording import chars

DEFAULT_WIDTH = 100  # fixed when colour is decided by the caller, so the text is reproducible
QUOTE_MAX_CHARS = 300  # long enough to recognise a passage, short enough to scan a report
ELLIPSIS = "…"
_GAP = f" {ELLIPSIS} "
_WORD_SLACK = 20  # how far a cut may move to land between words

STATUS_LABELS = {
    "compliant": ("COMPLIANT", "bold green"),
    "violation": ("VIOLATION", "bold red"),
    "error": ("ERROR", "bold yellow"),
}

_WHITE_SPACE = re.compile(r"\s+")
# C0 controls (bar the white space collapsed away first), DEL and C1 controls:
# anything a terminal might act on rather than print.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def render(report: Report, *, include_text: bool = False, color: bool | None = None) -> str:
    """The report as terminal text; ``color=None`` decides from the environment.

    ``include_text`` is accepted for a uniform renderer signature: the console
    quotes the passages, the whole page text belongs in the JSON report.
    """
    del include_text
    if color is None:
        use_color = wants_color()
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    else:
        use_color = color
        width = DEFAULT_WIDTH
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=use_color,
        no_color=not use_color,
        # "standard" (16 colours) rather than auto-detection: the same report
        # gives the same escapes whatever COLORTERM says.
        color_system="standard" if use_color else None,
        force_jupyter=False,
        force_interactive=False,
        legacy_windows=False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    for renderable in _summary(report):
        console.print(renderable)
    total = len(report.targets)
    for number, target in enumerate(report.targets, start=1):
        console.print()
        console.print(_target_panel(target, number, total))
    return buf.getvalue()


def wants_color(environ: Mapping[str, str] | None = None, stream: TextIO | None = None) -> bool:
    """Colour only for a real terminal, and never when the user said NO_COLOR (no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    out = sys.stdout if stream is None else stream
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # closed or detached stream
        return False


# --- text helpers (pure) -----------------------------------------------------------


def clean(text: str) -> str:
    """One display line: white space collapsed, control characters shown as symbols."""
    return _CONTROL.sub(_control_picture, _WHITE_SPACE.sub(" ", text).strip())


def shorten(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """Cut the middle out of a long passage so its start and end, which locate it, stay visible.

    The cut moves to a nearby word boundary when there is one, so the quote
    reads as words; the result is never longer than ``limit`` (for limit >= 3).
    """
    if len(text) <= limit:
        return text
    keep = max(limit - len(_GAP), 0)
    head = text[: (keep + 1) // 2]
    tail = text[len(text) - keep // 2 :] if keep // 2 else ""
    cut = head.rfind(" ")
    if cut > 0 and cut >= len(head) - _WORD_SLACK:
        head = head[:cut]
    cut = tail.find(" ")
    if 0 <= cut <= _WORD_SLACK:
        tail = tail[cut + 1 :]
    return head.rstrip() + _GAP + tail.lstrip()


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␛ for ESC, ␀ for NUL
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


# --- building blocks -----------------------------------------------------------------


def _summary(report: Report) -> list[RenderableType]:
    policy = report.policy
    # "chars", not common.limit_phrase's "characters": the heading fits on one 100-column line.
    if policy.max_chars > 0:
        limit = (
            f"at most {chars(policy.max_chars)} chars per source article (count: {policy.count})"
        )
    else:
        limit = f"no excerpt length limit (count: {policy.count})"
    heading = Text.assemble(
        ("reprint-check report", "bold"), " · policy ", (clean(policy.name), "bold"), " · ", limit
    )
    counts = common.counts(report)
    line = Text(common.plural(counts.audited, "target") + " audited: ")
    parts = [
        (f"{chars(counts.compliant)} compliant", "green"),
        (f"{chars(counts.violation)} in violation", "red"),
        (common.plural(counts.error, "error"), "yellow"),
    ]
    for i, (words, style) in enumerate(parts):
        if i:
            line.append(", ")
        line.append(words, style=style if words[0] != "0" else "")
    return [heading, line]


def _target_panel(target: TargetResult, number: int, total: int) -> Panel:
    label, style = STATUS_LABELS.get(target.status, (target.status.upper(), "bold"))
    rows: list[RenderableType] = [Text(clean(target.target), style="bold", overflow="fold")]
    if target.title:
        rows.append(Text.assemble("Title: ", clean(target.title), overflow="fold"))
    rows.append(Text.assemble("Verdict: ", (label, style), _verdict_detail(target)))
    if target.status == "error" or target.error:
        rows.append(
            Text.assemble(
                ("Error: ", "bold yellow"),
                (clean(target.error or "unknown error"), "yellow"),
                overflow="fold",
            )
        )
    evidence = common.evidence_rows(target.evidence)
    if evidence:
        rows.append(Text("Evidence of capture:"))
        rows += [
            _indent(Text.assemble(f"{label}: ", clean(value), overflow="fold"), 2)
            for label, value in evidence
        ]
    for index, source in enumerate(target.sources, start=1):
        rows.append(Text(""))
        rows.extend(_source_rows(source, index, len(target.sources)))
    return Panel(
        Group(*rows),
        title=f"Target {number} of {total}",
        title_align="left",
        border_style=style.replace("bold ", ""),
        expand=True,
    )


def _verdict_detail(target: TargetResult) -> str:
    """The verdict's words after its label; an error's are on a line of their own."""
    if target.status in ("violation", "compliant"):
        return f" — {common.verdict(target)}"
    return ""


def _source_rows(source: SourceFinding, index: int, total: int) -> list[RenderableType]:
    rows: list[RenderableType] = [
        Text.assemble(
            (f"Source {index} of {total}: ", "bold"),
            (clean(source.url), "bold cyan"),
            overflow="fold",
        )
    ]
    if source.title:
        rows.append(_indent(Text.assemble("Title: ", clean(source.title)), 2))
    rows.extend(_indent(line, 2) for line in _reuse_lines(source))
    if source.rule is not None:
        rows.append(
            _indent(
                Text.assemble(
                    ("Decided by: ", "bold"),
                    clean(common.rule_sentence(source.rule)),
                    overflow="fold",
                ),
                2,
            )
        )
    rewritten = common.rewritten_phrase(source)
    if rewritten is not None:
        rows.append(_indent(Text(f"In other words: {rewritten}"), 2))
    rows.extend(_indent(line, 2) for line in _link_lines(source.link))
    rows.extend(
        _indent(Text.assemble("Note: ", (clean(note), "yellow"), overflow="fold"), 2)
        for note in source.notes
    )
    if source.violations:
        rows.append(_indent(Text("Violations:", style="bold"), 2))
        for violation in source.violations:
            rows.append(
                _indent(
                    Text.assemble(
                        ("✗ ", "red"),
                        (clean(violation.code), "bold red"),
                        ": ",
                        clean(violation.message),
                    ),
                    4,
                )
            )
    else:
        rows.append(_indent(Text("No violations.", style="green"), 2))
    if source.passages:
        rows.append(_indent(Text(f"Passages ({len(source.passages)}):", style="bold"), 2))
        for number, passage in enumerate(source.passages, start=1):
            rows.extend(_passage_rows(passage, number))
    return rows


def _reuse_lines(source: SourceFinding) -> list[Text]:
    """Common's reuse words on two lines (amount, then share), so each fits a terminal line."""
    amount, share = common.reuse_words(source)
    line = Text("Reuse: ")
    if source.limit > 0:
        line.append(amount, style="bold red" if common.over_limit(source) else "green")
    else:
        line.append(amount)
    lines = [line]
    if share:
        lines.append(Text(f"Share: {share}"))
    return lines


def _link_lines(link: LinkEvidence) -> list[Text]:
    """The link evidence in words: what was found, where, and why it does not count."""
    if not link.found:
        head = Text.assemble("Link: ", ("no link to this article found", "red"))
    else:
        kind = "active link" if link.active else "reference that is not an active link"
        head = Text.assemble("Link: ", (kind, "green" if link.active else "red"))
        if link.href:
            head.append(" to ")
            head.append(clean(link.href), style="cyan")
        if link.paragraph is not None:
            head.append(f" in paragraph {link.paragraph}")
        head.append(", followable" if link.followable else ", not followable")
    head.overflow = "fold"
    lines = [head]
    lines.extend(
        Text.assemble("  - ", (clean(problem), "yellow"), overflow="fold")
        for problem in link.problems
    )
    return lines


def _passage_rows(passage: Passage, number: int) -> list[RenderableType]:
    where = Text(
        f"{number}. target {passage.target_start}–{passage.target_end}"
        f" · source {passage.source_start}–{passage.source_end}"
        f" · {chars(passage.chars)} characters · similarity {passage.similarity:.2f}"
        + (f" · {kind}" if (kind := common.passage_marks(passage)) else ""),
        style="dim",
    )
    quote = Text(f"“{shorten(clean(passage.text))}”", style="italic")
    return [_indent(where, 4), _indent(quote, 7)]


def _indent(renderable: RenderableType, columns: int) -> Padding:
    """Indent a block so that wrapped lines keep the indentation too."""
    return Padding(renderable, (0, 0, 0, columns))
