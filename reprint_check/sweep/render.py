"""A sweep's summary for editors: Markdown or one standalone HTML file.

What a newsroom acts on after a sweep: which sites republish it, ranked by
pages in violation and characters reused, which of them hold a permission,
and for each the worst pages with the evidence that proves them (WARC file,
record ID, capture date, URL) and the reused passages. The wording is the
reports' own (``report/common.py``), so a page reads the same here as in
``reprint-check audit``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from reprint_check.errors import InputError
from reprint_check.exitcodes import EXIT_USAGE
from reprint_check.models import DecidingRule, PolicySummary, TargetResult
from reprint_check.report.common import (
    limit_phrase,
    plural,
    reuse_line,
    rule_sentence,
    verdict,
    violation_codes,
)
from reprint_check.report.console import shorten
from reprint_check.report.html import safe_href
from reprint_check.report.json import SCHEMA as REPORT_SCHEMA
from reprint_check.report.json import load
from reprint_check.report.markdown import address, code, text
from reprint_check.sweep.records import BROKEN
from reprint_check.sweep.summary import nothing_checked
from reprint_check.wording import chars

FORMATS = ("markdown", "html")
# Passages quoted per page, and characters per passage.
PASSAGES_SHOWN = 2
QUOTE_CHARS = 240


def render_summary(summary: dict[str, Any], fmt: str) -> str:
    """The summary in ``fmt`` (markdown or html); another format is a usage error."""
    if fmt == "markdown":
        return _markdown(summary)
    if fmt == "html":
        return _html(summary)
    raise InputError(f"a sweep summary renders as {' or '.join(FORMATS)}, not {fmt}")


def exit_code(summary: dict[str, Any]) -> int:
    """The code of what the summary holds: 2 nothing checked (the sweep's own error),
    1 a violation, 3 something unread, else 0."""
    if nothing_checked(summary):
        return EXIT_USAGE
    counts, skipped = summary["counts"], summary["skipped"]
    if counts["pages_in_violation"]:
        return 1
    unread = any(i["error"] for i in summary["inputs"]) or any(skipped[r] for r in BROKEN)
    return 3 if unread else 0


def _policy(summary: dict[str, Any]) -> PolicySummary:
    p = summary["policy"]
    return PolicySummary(p["name"], p["max_chars"], p["count"])


def _page(summary: dict[str, Any], line: dict[str, Any]) -> TargetResult:
    document = {"schema": REPORT_SCHEMA, "policy": summary["policy"], "targets": [line["entry"]]}
    return load(document, name="summary").targets[0]


def _totals(summary: dict[str, Any]) -> list[str]:
    c, s = summary["counts"], summary["skipped"]
    lines = [
        f"Swept {plural(c['files'], 'file')}, {plural(c['records'], 'record')}, "
        f"{plural(c['pages'], 'page')}: {chars(c['rejected_by_first_test'])} rejected by the "
        f"first test, {chars(c['audited'])} audited.",
        f"{plural(c['pages_with_reuse'], 'page')} reuse the archive, "
        f"{chars(c['pages_in_violation'])} in violation; "
        f"{chars(c['reused_chars'])} characters reused in all.",
    ]
    unchecked = nothing_checked(summary)
    if unchecked:
        lines.insert(0, f"Nothing was checked ({unchecked}): this sweep is not a pass.")
    broken = [f"{chars(s[r])} {r}" for r in BROKEN if s[r]]
    if broken:
        lines.append(f"Broken records skipped: {', '.join(broken)}.")
    others = [f"{chars(n)} {r}" for r, n in s.items() if r not in BROKEN and n]
    if others:
        lines.append(f"Records that are not pages: {', '.join(others)}.")
    return lines


def _rules(domain: dict[str, Any]) -> list[str]:
    return [rule_sentence(DecidingRule(**rule)) for rule in domain["rules"]]


def _codes(domain: dict[str, Any]) -> str:
    return ", ".join(f"{code} ×{n}" for code, n in domain["codes"].items()) or "none"


# --- Markdown ------------------------------------------------------------------------


def _markdown(summary: dict[str, Any]) -> str:
    policy = _policy(summary)
    out = [
        "# Sweep: pages that reuse the archive",
        "",
        f"Policy {code(policy.name)}: {limit_phrase(policy)}.",
        "",
        *(f"- {line}" for line in _totals(summary)),
    ]
    failed = [i for i in summary["inputs"] if i["error"]]
    if failed:
        out += ["", "Files that could not be read:", ""]
        out += [f"- {text(i['error'])}" for i in failed]
    domains = summary["domains"]
    out += ["", "## Domains", ""]
    if not domains:
        out.append("No page reuses the archive.")
    else:
        out += [
            "| # | Domain | Pages in violation | Pages with reuse | Characters reused "
            "| Violations | Decided by |",
            "|---:|---|---:|---:|---:|---|---|",
        ]
        for n, d in enumerate(domains, 1):
            rules = "; ".join(text(r) for r in _rules(d)) or "the policy"
            out.append(
                f"| {n} | {text(d['domain'])} | {chars(d['pages_in_violation'])} "
                f"| {chars(d['pages'])} | {chars(d['reused_chars'])} | {_codes(d)} | {rules} |"
            )
    for n, d in enumerate(domains, 1):
        out += ["", f"## {n}. {text(d['domain'])}", ""]
        for rule in _rules(d):
            out.append(f"Decided by: {text(rule)}.")
            out.append("")
        for line in d["worst"]:
            out += _markdown_page(summary, line)
    return "\n".join(out) + "\n"


def _markdown_page(summary: dict[str, Any], line: dict[str, Any]) -> list[str]:
    page = _page(summary, line)
    codes = ", ".join(violation_codes(page))
    out = [
        f"### {address(line['url'])}",
        "",
        f"**{page.status}**: {text(verdict(page))}" + (f" ({codes})" if codes else ""),
        "",
        f"- Evidence: WARC file {code(line['warc_file'])}, record {code(line['record_id'])}, "
        f"offset {line['offset']}, captured {code(line['captured_at'])}",
    ]
    for source in page.sources:
        out.append(f"- Source {address(source.url)}: {text(reuse_line(source))}")
        for passage in source.passages[:PASSAGES_SHOWN]:
            out.append(f"  > {text(shorten(passage.text, QUOTE_CHARS))}")
    out.append("")
    return out


# --- HTML ----------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}td.n{text-align:right}.violation{color:#a00}
.compliant{color:#070}blockquote{margin:.3rem 0 .3rem 1rem;color:#444;border-left:3px solid #ccc;
padding-left:.5rem}code{font-size:90%;word-break:break-all}
"""


def _link(url: str) -> Markup:
    href = safe_href(url)
    if href is None:
        return Markup("<code>{}</code>").format(url)
    return Markup('<a href="{}">{}</a>').format(href, url)


def _html(summary: dict[str, Any]) -> str:
    policy = _policy(summary)
    parts: list[Markup] = [
        Markup("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"),
        Markup("<title>Sweep: pages that reuse the archive</title>"),
        Markup("<style>{}</style></head><body>").format(Markup(_STYLE)),
        Markup("<h1>Sweep: pages that reuse the archive</h1>"),
        Markup("<p>Policy <code>{}</code>: {}.</p><ul>").format(policy.name, limit_phrase(policy)),
        *(Markup("<li>{}</li>").format(line) for line in _totals(summary)),
        Markup("</ul>"),
    ]
    failed = [i for i in summary["inputs"] if i["error"]]
    if failed:
        parts.append(Markup("<p>Files that could not be read:</p><ul>"))
        parts += [Markup("<li>{}</li>").format(i["error"]) for i in failed]
        parts.append(Markup("</ul>"))
    domains = summary["domains"]
    parts.append(Markup("<h2>Domains</h2>"))
    if not domains:
        parts.append(Markup("<p>No page reuses the archive.</p>"))
    else:
        parts.append(
            Markup(
                "<table><tr><th>#</th><th>Domain</th><th>Pages in violation</th>"
                "<th>Pages with reuse</th><th>Characters reused</th><th>Violations</th>"
                "<th>Decided by</th></tr>"
            )
        )
        for n, d in enumerate(domains, 1):
            parts.append(
                Markup(
                    '<tr><td class=n>{}</td><td><a href="#d{}">{}</a></td><td class=n>{}</td>'
                    "<td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{}</td></tr>"
                ).format(
                    n,
                    n,
                    d["domain"],
                    chars(d["pages_in_violation"]),
                    chars(d["pages"]),
                    chars(d["reused_chars"]),
                    _codes(d),
                    "; ".join(_rules(d)) or "the policy",
                )
            )
        parts.append(Markup("</table>"))
    for n, d in enumerate(domains, 1):
        parts.append(Markup('<h2 id="d{}">{}. {}</h2>').format(n, n, d["domain"]))
        for rule in _rules(d):
            parts.append(Markup("<p>Decided by: {}.</p>").format(rule))
        for line in d["worst"]:
            parts += _html_page(summary, line)
    parts.append(Markup("</body></html>"))
    return "".join(str(p) for p in parts) + "\n"


def _html_page(summary: dict[str, Any], line: dict[str, Any]) -> list[Markup]:
    page = _page(summary, line)
    codes = ", ".join(violation_codes(page))
    out = [
        Markup("<h3>{}</h3>").format(_link(line["url"])),
        Markup('<p><strong class="{}">{}</strong>: {}{}</p>').format(
            page.status, page.status, verdict(page), f" ({codes})" if codes else ""
        ),
        Markup(
            "<p>Evidence: WARC file <code>{}</code>, record <code>{}</code>, offset {}, "
            "captured <code>{}</code></p><ul>"
        ).format(line["warc_file"], line["record_id"], line["offset"], line["captured_at"]),
    ]
    for source in page.sources:
        quotes = Markup("").join(
            Markup("<blockquote>{}</blockquote>").format(shorten(p.text, QUOTE_CHARS))
            for p in source.passages[:PASSAGES_SHOWN]
        )
        out.append(
            Markup("<li>Source {}: {}{}</li>").format(_link(source.url), reuse_line(source), quotes)
        )
    out.append(Markup("</ul>"))
    return [escape(o) if not isinstance(o, Markup) else o for o in out]
