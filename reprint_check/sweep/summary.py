"""A sweep's results on disk: one JSON line per page that reuses the archive, and a summary.

``findings.jsonl`` has one line per page that reuses the archive, compliant or
not, in input order (file, then record offset)::

    {"url": …, "domain": …, "warc_file": …, "offset": …, "record_id": …,
     "captured_at": …, "status": "violation", "reused_chars": 734,
     "entry": {… the page's reprint-check/report/v1 target, with its evidence …}}

``summary.json`` (schema ``reprint-check/sweep/v1``) counts what was read and
skipped and ranks the domains: by pages in violation, then by characters
reused. Each domain lists the permissions and licences that decided some of
its pages (a licensed partner shows as such) and its worst pages with their
evidence. Neither file holds a time, a path of this machine or the engine's
name: the same input gives the same bytes on every engine.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reprint_check.errors import InputError
from reprint_check.models import PolicySummary, Report
from reprint_check.report.json import to_dict
from reprint_check.sweep.records import BROKEN
from reprint_check.sweep.worker import (
    AUDITED,
    NO_TEXT,
    PAGES,
    RECORDS,
    REJECTED,
    REUSED,
    VIOLATIONS,
    FileResult,
    Finding,
)
from reprint_check.urls import host_of

SCHEMA = "reprint-check/sweep/v1"
FINDINGS_FILE = "findings.jsonl"
SUMMARY_FILE = "summary.json"
# Pages shown per domain in the summary, worst first.
WORST_PAGES = 5


@dataclass(frozen=True)
class SweepOutcome:
    """What a sweep wrote, and what decides its exit code."""

    findings: int
    violations: int
    broken: int
    file_errors: tuple[str, ...]
    bad_input: bool
    summary: dict[str, Any]
    lines: tuple[dict[str, Any], ...]  # findings.jsonl, parsed
    cpu_seconds: float = 0.0  # spent by the workers on the files (not written out)


def finding_line(finding: Finding, policy: PolicySummary) -> dict[str, Any]:
    """One line of findings.jsonl, as plain JSON values in a fixed key order."""
    result = finding.result
    entry = to_dict(Report(policy=policy, targets=(result,)))["targets"][0]
    return {
        "url": finding.url,
        "domain": host_of(finding.url),
        "warc_file": finding.warc_file,
        "offset": finding.offset,
        "record_id": finding.record_id,
        "captured_at": finding.captured_at,
        "status": result.status,
        "reused_chars": sum(s.reused_chars for s in result.sources),
        "entry": entry,
    }


def write(out: str | Path, results: Sequence[FileResult], policy: PolicySummary) -> SweepOutcome:
    """Write findings.jsonl and summary.json into ``out`` (created if need be)."""
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{folder}: cannot create output folder ({e.strerror})") from e
    ordered = sorted(results, key=lambda r: r.position)
    lines = [
        finding_line(f, policy)
        for r in ordered
        for f in sorted(r.findings, key=lambda f: (f.offset, f.record_id))
    ]
    summary = summarize(ordered, lines, policy)
    try:
        with (folder / FINDINGS_FILE).open("w", encoding="utf-8", newline="\n") as stream:
            for line in lines:
                stream.write(_dumps(line) + "\n")
        (folder / SUMMARY_FILE).write_text(
            json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    except OSError as e:
        raise InputError(f"{folder}: cannot write results ({e.strerror})") from e
    counts = summary["counts"]
    return SweepOutcome(
        findings=len(lines),
        violations=counts["pages_in_violation"],
        broken=sum(summary["skipped"][reason] for reason in BROKEN),
        file_errors=tuple(r.error for r in ordered if r.error),
        bad_input=any(r.bad_input for r in ordered),
        summary=summary,
        lines=tuple(lines),
        cpu_seconds=sum(r.cpu_seconds for r in ordered),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def summarize(
    results: Sequence[FileResult], lines: Sequence[dict[str, Any]], policy: PolicySummary
) -> dict[str, Any]:
    """The summary document: counts, skipped records by reason, domains ranked."""
    totals: Counter[str] = Counter()
    for r in results:
        totals.update(dict(r.counts))
    skipped = {
        reason: totals[f"skipped:{reason}"]
        for reason in (*BROKEN, "not-html", "http-status", "other")
    }
    return {
        "schema": SCHEMA,
        "policy": {"name": policy.name, "max_chars": policy.max_chars, "count": policy.count},
        "inputs": [{"warc_file": r.warc_file, "error": r.error} for r in results],
        "counts": {
            "files": len(results),
            "records": totals[RECORDS],
            "pages": totals[PAGES],
            "rejected_by_first_test": totals[REJECTED],
            "audited": totals[AUDITED],
            "no_text": totals[NO_TEXT],
            "pages_with_reuse": totals[REUSED],
            "pages_in_violation": totals[VIOLATIONS],
            "reused_chars": sum(line["reused_chars"] for line in lines),
        },
        "skipped": skipped,
        "domains": _domains(lines),
    }


def nothing_checked(summary: dict[str, Any]) -> str | None:
    """Why a sweep checked no page, or None when it checked some.

    Such a sweep is an error, never a pass: the command ends with it, and
    ``reprint-check report summary.json`` says it again and exits the same way,
    so a CI job that only renders the summary cannot read it as green.
    """
    counts = summary["counts"]
    if counts["records"] == 0:
        return "no WARC record could be read: nothing was swept"
    if counts["rejected_by_first_test"] + counts["audited"] - counts["no_text"] == 0:
        return "no record held a page with text to check: nothing was swept"
    return None


def _domains(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_domain.setdefault(line["domain"], []).append(line)
    domains = []
    for domain, pages in by_domain.items():
        codes: Counter[str] = Counter()
        rules: list[dict[str, Any]] = []
        for page in pages:
            for source in page["entry"]["sources"]:
                codes.update(v["code"] for v in source["violations"])
                rule = source.get("rule")
                if rule is not None and rule not in rules:
                    rules.append(rule)
        worst = sorted(
            pages,
            key=lambda p: (p["status"] != "violation", -p["reused_chars"], p["url"], p["offset"]),
        )
        domains.append(
            {
                "domain": domain,
                "pages": len(pages),
                "pages_in_violation": sum(p["status"] == "violation" for p in pages),
                "reused_chars": sum(p["reused_chars"] for p in pages),
                "codes": dict(sorted(codes.items())),
                "rules": sorted(rules, key=_dumps),
                "worst": worst[:WORST_PAGES],
            }
        )
    domains.sort(key=lambda d: (-d["pages_in_violation"], -d["reused_chars"], d["domain"]))
    return domains


def is_summary(document: object) -> bool:
    """Whether a parsed JSON document is a sweep summary (what ``report`` renders)."""
    return isinstance(document, dict) and document.get("schema") == SCHEMA
