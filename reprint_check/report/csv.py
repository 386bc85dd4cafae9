"""The report as CSV: one row per target and source article, for spreadsheets.

A target with no reuse (or one that could not be audited) still gets one
row, with the source columns empty, so the sheet lists every target and a
filter on ``status`` counts them right. Rows follow the report's order;
sorting is the spreadsheet's job.

Cells come from untrusted pages, and a spreadsheet runs a cell that starts
with ``=``, ``+``, ``-`` or ``@`` as a formula: such cells get a leading
apostrophe (OWASP's advice against CSV injection), which spreadsheets hide.
Numbers stay numbers. ``decided_by`` names the permission or licence that
set the source's limit (empty when the policy's excerpt rule did), in the
words the other formats use.
"""

from __future__ import annotations

import csv
import io

from reprint_check.models import Report, SourceFinding, TargetResult
from reprint_check.report.common import rule_sentence

COLUMNS = (
    "target",
    "title",
    "status",
    "error",
    "source_url",
    "source_title",
    "reused_chars",
    "limit",
    "over_limit",
    "article_chars",
    "passages",
    "link_found",
    "link_href",
    "link_active",
    "link_followable",
    "link_paragraph",
    "link_problems",
    "violations",
    "messages",
    "decided_by",
    "notes",
)
SEMANTIC_COLUMNS = ("rewritten_chars",)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_JOIN = "; "  # several problems or messages in one cell


def render(report: Report, *, include_text: bool = False, color: bool | None = None) -> str:
    """RFC 4180 CSV with a header row; the options exist so every renderer is called alike."""
    del include_text, color
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    # The semantic stage's count is a last column, only where it found something,
    # so sheets of reports without it keep their columns.
    semantic = any(s.rewritten_chars is not None for t in report.targets for s in t.sources)
    writer.writerow((*COLUMNS, *SEMANTIC_COLUMNS) if semantic else COLUMNS)
    for target in report.targets:
        for row, source in zip(rows(target), target.sources or (None,), strict=True):
            if semantic:
                row = [*row, source.rewritten_chars if source is not None else None]
            writer.writerow([_cell(value) for value in row])
    return buf.getvalue()


def rows(target: TargetResult) -> list[list[str | int | None]]:
    """The target's rows as plain values, in ``COLUMNS`` order."""
    head: list[str | int | None] = [target.target, target.title, target.status, target.error]
    if not target.sources:
        return [head + [None] * (len(COLUMNS) - len(head))]
    return [head + _source(source) for source in target.sources]


def _source(source: SourceFinding) -> list[str | int | None]:
    link = source.link
    over = max(source.reused_chars - source.limit, 0) if source.limit > 0 else 0
    return [
        source.url,
        source.title,
        source.reused_chars,
        source.limit,
        over,
        source.article_chars,
        len(source.passages),
        _yes_no(link.found),
        link.href,
        _yes_no(link.active),
        _yes_no(link.followable),
        link.paragraph,
        _JOIN.join(link.problems),
        " ".join(v.code for v in source.violations),
        _JOIN.join(v.message for v in source.violations),
        rule_sentence(source.rule) if source.rule is not None else None,
        _JOIN.join(source.notes),
    ]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _cell(value: str | int | None) -> str | int:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
