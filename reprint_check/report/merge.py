"""Combining stored reports, and completing them with the source side of each passage.

``reprint-check report a.json b.json`` renders several runs (a nightly feed
audit per partner, say) as one document for editors. JSON v1 does not carry
the publisher's text, so a report read back shows the partner's side of a
passage only, unless the caller still has the articles and hands them in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from reprint_check.errors import InputError
from reprint_check.models import Passage, Report, SourceFinding, TargetResult


def merge(reports: Sequence[Report]) -> Report:
    """One report holding every target of ``reports``, in order.

    A report has one policy summary; when the runs used different policies
    the first one's is kept and a note says which others were involved, so
    the reader is never told a limit applied where it did not (each source
    still shows the limit that applied to it).
    """
    if not reports:
        raise InputError("no reports to merge")
    first = reports[0].policy
    notes: list[str] = []
    for report in reports:
        notes.extend(n for n in report.notes if n not in notes)
    others = []
    for report in reports[1:]:
        if report.policy != first and report.policy not in others:
            others.append(report.policy)
    if others:
        listed = "; ".join(
            f"{p.name} (max {p.max_chars} characters, count {p.count})" for p in others
        )
        notes.append(
            f"These reports were made with different policies: the summary shows {first.name}; "
            f"other reports used {listed}. Each source shows the limit that applied to it."
        )
    targets = tuple(t for report in reports for t in report.targets)
    return Report(policy=first, targets=targets, notes=tuple(notes))


def with_source_text(report: Report, article_text: Callable[[str], str | None]) -> Report:
    """The report with ``Passage.source_text`` filled in from the articles' text.

    ``article_text(url)`` returns the article's text (``Article.text``) or
    None when it is not at hand; passages whose offsets do not fit the text
    (the article changed since the audit) are left without source text
    rather than showing the wrong words.
    """
    cache: dict[str, str | None] = {}

    def text_of(url: str) -> str | None:
        if url not in cache:
            cache[url] = article_text(url)
        return cache[url]

    def passage(p: Passage, text: str | None) -> Passage:
        if p.source_text is not None or text is None:
            return p
        if not 0 <= p.source_start <= p.source_end <= len(text):
            return p
        return replace(p, source_text=text[p.source_start : p.source_end])

    def source(s: SourceFinding) -> SourceFinding:
        text = text_of(s.url)
        return replace(s, passages=tuple(passage(p, text) for p in s.passages))

    def target(t: TargetResult) -> TargetResult:
        return replace(t, sources=tuple(source(s) for s in t.sources))

    return replace(report, targets=tuple(target(t) for t in report.targets))
