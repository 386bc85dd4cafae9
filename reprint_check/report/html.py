"""The standalone HTML report editors act on.

One file with everything inline (styles, a few lines of script, no fonts,
images or requests), so it works as a mail attachment, offline and on
paper. A Content-Security-Policy allows only inline style and the one script, by
its hash: even if a hostile page slipped markup past escaping, the
report could not load or run anything.

Everything shown from a page is untrusted: it goes through Jinja's
autoescaping, control characters become visible symbols, invisible format
characters (a favourite of evasion) are shown as their code point, and only
http(s) addresses become clickable.

The passage view puts the partner's text next to the source's. When the
report still has the source side (``Passage.source_text``, filled in by an
audit or by :func:`reprint_check.report.merge.with_source_text`), the two are
compared word by word: words found on both sides are highlighted, words the
partner changed are marked as insertions and deletions.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape
from rapidfuzz.distance import Levenshtein

from reprint_check.models import LinkEvidence, Passage, Report, SourceFinding, TargetResult
from reprint_check.report import common
from reprint_check.wording import chars

TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
STYLE = "report.css"
CONTEXT_CHARS = 80  # page text shown around a passage, enough to see where it sits
# Plain names for the capture record's fields; any other field shows under its own name.
_TOKEN = re.compile(r"\w+|[^\w\s]")
# C0 controls bar tab and newline, DEL and C1 controls: not text, and not valid HTML characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Segment:
    """A run of passage text and how it compares with the other side."""

    text: str
    kind: str  # "same" (on both sides), "edit" (this side only), "plain" (white space between)


# --- text logic (pure) -------------------------------------------------------------


def diff_words(partner: str, source: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Both sides cut into runs of words they share and words that differ.

    Words and punctuation marks are compared as they stand, so a changed
    quote mark, a dropped word or a look-alike letter shows as an edit;
    white space is not compared (a line break against a space is no edit).
    Joining each side's segments gives back that side's text exactly.
    """
    a_spans = [m.span() for m in _TOKEN.finditer(partner)]
    b_spans = [m.span() for m in _TOKEN.finditer(source)]
    a_kinds = ["edit"] * len(a_spans)
    b_kinds = ["edit"] * len(b_spans)
    a_words = [partner[s:e] for s, e in a_spans]
    b_words = [source[s:e] for s, e in b_spans]
    for op in Levenshtein.opcodes(a_words, b_words):
        if op.tag == "equal":
            a_kinds[op.src_start : op.src_end] = ["same"] * (op.src_end - op.src_start)
            b_kinds[op.dest_start : op.dest_end] = ["same"] * (op.dest_end - op.dest_start)
    return _segments(partner, a_spans, a_kinds), _segments(source, b_spans, b_kinds)


def _segments(text: str, spans: list[tuple[int, int]], kinds: list[str]) -> tuple[Segment, ...]:
    """Runs of equally marked tokens, the white space inside a run belonging to it."""
    out: list[Segment] = []
    cursor = 0
    i = 0
    while i < len(spans):
        start, end = spans[i]
        kind = kinds[i]
        while i + 1 < len(spans) and kinds[i + 1] == kind:
            i += 1
            end = spans[i][1]
        if start > cursor:
            out.append(Segment(text[cursor:start], "plain"))
        out.append(Segment(text[start:end], kind))
        cursor = end
        i += 1
    if cursor < len(text):
        out.append(Segment(text[cursor:], "plain"))
    return tuple(out)


def reveal(text: str) -> Markup:
    """Escaped text with invisible format characters shown as their code point."""
    parts: list[str] = []
    for char in _printable(text):
        if unicodedata.category(char) == "Cf":
            code = f"U+{ord(char):04X}"
            name = unicodedata.name(char, "format character").lower()
            parts.append(f'<span class="cf" title="invisible character: {name}">{code}</span>')
        else:
            parts.append(str(escape(char)))
    return Markup("".join(parts))


def _printable(value: str) -> str:
    """Control characters as visible symbols; lone surrogates (from JSON) as U+FFFD."""
    value = _CONTROL.sub(
        lambda m: chr(0x2400 + ord(m.group())) if m.group() < " " else "\ufffd", value
    )
    if any("\ud800" <= c <= "\udfff" for c in value):
        value = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def safe_href(url: str | None) -> str | None:
    """The address if it is a web address worth a click; never javascript: or data:."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


# --- the view the template draws --------------------------------------------------------


@dataclass(frozen=True)
class PassageView:
    number: int
    passage: Passage
    partner: tuple[Segment, ...]
    source: tuple[Segment, ...] | None  # None: the report does not carry the source's text
    before: str  # page text just before the passage, when the report has the page text
    after: str
    # "translation, uk" / "rewrite, en" for the semantic stage's passages; where a passage
    # out of sight stood ("hidden in a tab panel")
    kind: str | None = None
    # Its aligned sentences side by side: (page sentence, article sentence, similarity,
    # "word for word" for a sentence the partner kept as it was, else "").
    pairs: tuple[tuple[str, str, float, str], ...] = ()


@dataclass(frozen=True)
class LinkView:
    evidence: LinkEvidence
    href: str | None  # clickable form of evidence.href
    counts: bool
    summary: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SourceView:
    number: int
    anchor: str
    finding: SourceFinding
    href: str | None
    over: int
    fill_pct: str
    limit_pct: str | None
    reuse_line: str
    link: LinkView
    violations: tuple[tuple[str, str, str], ...]  # code, message, what to do
    passages: tuple[PassageView, ...]
    notes: tuple[str, ...]  # facts that are not violations (an expired permission, quotations)
    rule: str | None  # the permission or licence that set the limit, in words


@dataclass(frozen=True)
class TargetView:
    number: int
    anchor: str
    result: TargetResult
    href: str | None
    label: str
    verdict: str
    codes: tuple[str, ...]
    largest: str
    evidence: tuple[tuple[str, str], ...]
    sources: tuple[SourceView, ...]
    text: str | None


def build_view(report: Report, *, include_text: bool = False) -> dict[str, Any]:
    """Everything the template needs, computed here so the template only lays it out."""
    ordered = common.worst_first(report.targets)
    targets = tuple(_target_view(t, n, include_text) for n, t in enumerate(ordered, start=1))
    return {
        "policy": report.policy,
        "limit_phrase": common.limit_phrase(report.policy),
        "counts": common.counts(report),
        "notes": report.notes,
        "targets": targets,
    }


def _target_view(target: TargetResult, number: int, include_text: bool) -> TargetView:
    anchor = f"target-{number}"
    return TargetView(
        number=number,
        anchor=anchor,
        result=target,
        href=safe_href(target.target),
        label=common.STATUS_LABELS.get(target.status, target.status.title()),
        verdict=common.verdict(target),
        codes=tuple(common.violation_codes(target)),
        largest=common.largest_reuse(target) or "",
        evidence=common.evidence_rows(target.evidence),
        sources=tuple(
            _source_view(s, target, f"{anchor}-source-{i}", i)
            for i, s in enumerate(target.sources, start=1)
        ),
        text=target.text if include_text else None,
    )


def _source_view(
    source: SourceFinding, target: TargetResult, anchor: str, number: int
) -> SourceView:
    over = common.over_limit(source)
    if source.limit > 0:
        scale = max(source.reused_chars, source.limit, 1)
        limit_pct: str | None = _pct(source.limit, scale)
    else:
        scale = max(source.reused_chars, source.article_chars, 1)
        limit_pct = None
    return SourceView(
        number=number,
        anchor=anchor,
        finding=source,
        href=safe_href(source.url),
        over=over,
        fill_pct=_pct(source.reused_chars, scale),
        limit_pct=limit_pct,
        reuse_line=common.reuse_line(source),
        link=_link_view(source),
        violations=tuple((v.code, v.message, common.advice(v, source)) for v in source.violations),
        passages=tuple(
            _passage_view(p, i, target.text) for i, p in enumerate(source.passages, start=1)
        ),
        notes=source.notes,
        rule=common.rule_sentence(source.rule) if source.rule is not None else None,
    )


def _pct(part: int, whole: int) -> str:
    return f"{min(100.0, 100 * part / whole):.1f}%"


def _link_view(source: SourceFinding) -> LinkView:
    link = source.link
    link_violations = tuple(v.message for v in source.violations if v.code.startswith("LINK_"))
    counts = link.found and link.active and not link_violations
    if not link.found:
        summary = "No link or reference to this article was found on the page."
    elif counts:
        summary = "This link counts: an active, visible link to the article."
        if not link.followable:
            summary += " It is marked nofollow, which this policy allows."
    else:
        summary = "This link does not count."
    reasons = tuple(dict.fromkeys((*link.problems, *link_violations)))
    return LinkView(link, safe_href(link.href), counts, summary, reasons)


def _passage_view(passage: Passage, number: int, page_text: str | None) -> PassageView:
    before = after = ""
    if page_text is not None and 0 <= passage.target_start <= passage.target_end <= len(page_text):
        before = page_text[max(0, passage.target_start - CONTEXT_CHARS) : passage.target_start]
        after = page_text[passage.target_end : passage.target_end + CONTEXT_CHARS]
    if passage.match is not None:
        # In other words: a word diff says nothing; the sentence pairs say what matched what.
        partner: tuple[Segment, ...] = (Segment(passage.text, "plain"),)
        source = None if passage.source_text is None else (Segment(passage.source_text, "plain"),)
        kind = common.passage_marks(passage)
        return PassageView(number, passage, partner, source, before, after, kind, _pairs(passage))
    if passage.source_text is None:
        partner = (Segment(passage.text, "same"),)
        source = None
    else:
        partner, source = diff_words(passage.text, passage.source_text)
    where = common.hidden_phrase(passage)
    return PassageView(number, passage, partner, source, before, after, where)


def _pairs(passage: Passage) -> tuple[tuple[str, str, float, str], ...]:
    """The passage's sentence pairs as text, where the report still has both sides, with
    the passages it keeps word for word in their places among them."""
    if passage.source_text is None or not passage.pairs:  # not kept in a JSON report
        return ()
    spans = [(*pair, "") for pair in passage.pairs]
    spans += [
        (p.target_start, p.target_end, p.source_start, p.source_end, p.similarity, "word for word")
        for p in passage.verbatim
    ]
    out = []
    for ts, te, ss, se, similarity, note in sorted(spans):
        page = passage.text[ts - passage.target_start : te - passage.target_start]
        article = passage.source_text[ss - passage.source_start : se - passage.source_start]
        out.append((page, article, similarity, note))
    return tuple(out)


# --- rendering ---------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reprint_check", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["reveal"] = reveal
    env.filters["count"] = chars
    return env


def _finalize(value: object) -> object:
    """Every ``{{ value }}`` goes through here: untrusted strings lose control characters."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _printable(value)
    return value


def _asset(name: str) -> tuple[Markup, str]:
    """An inline asset and its CSP hash, so the policy allows exactly this text."""
    source, _, _ = _environment().loader.get_source(_environment(), name)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return Markup(source), Markup(f"'sha256-{digest}'")  # base64 and quotes: nothing to escape


def render(report: Report, *, include_text: bool = False, color: bool | None = None) -> str:
    """The report as one self-contained HTML document; ``color`` is accepted for uniformity."""
    del color
    script, script_hash = _asset(SCRIPT)
    style, _ = _asset(STYLE)
    view = build_view(report, include_text=include_text)
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(**view, script=script, script_hash=script_hash, style=style)
    )
