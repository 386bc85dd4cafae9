"""What every format says alike: the rule that decided, counts as people read them, shares.

The reports below are hand-built; the harbour stories and partner sites are fiction.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from reprint_check.audit import audit, audit_page, index_from_sources
from reprint_check.errors import InputError
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import (
    Article,
    DecidingRule,
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import ExcerptRule, Permission, Policy, ReprintRule
from reprint_check.report import json as json_report
from reprint_check.report import render
from reprint_check.wording import chars, share_of_article

PERMISSION = DecidingRule(
    kind="permission",
    policy="harbour-press",
    domain="partner.example",
    max_chars=2000,
    until="2027-06-30",
    note="licence agreement 2024-03",
)
PERMISSION_WORDS = (
    "written permission of partner.example (licence agreement 2024-03) in policy "
    "harbour-press: up to 2,000 characters, until 2027-06-30"
)
LICENCE = DecidingRule(kind="licence", policy="harbour-reprint")
LICENCE_WORDS = (
    "the reprint licence of policy harbour-reprint: the whole article may be republished "
    "(no length limit, no full-reprint rule)"
)
QUAY = "The new quay at Marrow Head will take the larger ferries from the first week of June."
LINKED = LinkEvidence(
    found=True, href="https://harbour.example/2026/03/quay", active=True, paragraph=2
)


def source(**changes: object) -> SourceFinding:
    base = SourceFinding(
        url="https://harbour.example/2026/03/quay",
        title="Quay opens in June",
        reused_chars=1480,
        limit=2000,
        article_chars=2960,
        passages=(Passage(40, 1520, 0, 1480, 1480, 0.99, QUAY),),
        link=LINKED,
        rule=PERMISSION,
    )
    return replace(base, **changes)


def report(*targets: TargetResult) -> Report:
    return Report(PolicySummary("harbour-press", 500, "total"), targets)


PERMITTED = TargetResult(
    target="https://partner.example/quay", status="compliant", sources=(source(),)
)
LICENSED = TargetResult(
    target="https://reprints.example/quay",
    status="compliant",
    sources=(source(limit=0, reused_chars=2960, rule=LICENCE),),
)


# --- the rule that decided ----------------------------------------------------------------


def test_json_names_the_rule_only_where_one_applied() -> None:
    plain = replace(PERMITTED, sources=(source(rule=None),))
    doc = json.loads(render(report(PERMITTED, LICENSED, plain), "json"))
    sources = [t["sources"][0] for t in doc["targets"]]
    assert sources[0]["rule"] == {
        "kind": "permission",
        "policy": "harbour-press",
        "domain": "partner.example",
        "max_chars": 2000,
        "until": "2027-06-30",
        "note": "licence agreement 2024-03",
    }
    assert list(sources[0])[-1] == "rule"  # after every v1 key
    assert sources[1]["rule"] == {
        "kind": "licence",
        "policy": "harbour-reprint",
        "domain": None,
        "max_chars": 0,
        "until": None,
        "note": "",
    }
    assert "rule" not in sources[2]  # a report without permissions keeps its v1 bytes


def test_json_rule_round_trips_and_a_bad_one_is_refused() -> None:
    both = report(PERMITTED, LICENSED)
    assert json_report.load(render(both, "json")) == both
    doc = json.loads(render(both, "json"))
    doc["targets"][0]["sources"][0]["rule"]["kind"] = "friendship"
    with pytest.raises(InputError) as caught:
        json_report.load(doc, name="r.json")
    assert str(caught.value) == (
        "r.json: $.targets[0].sources[0].rule.kind: expected permission | licence, got 'friendship'"
    )


@pytest.mark.parametrize("fmt", ["console", "markdown", "html", "junit", "csv"])
def test_every_editor_format_says_which_permission_or_licence_decided(fmt: str) -> None:
    out = render(report(PERMITTED, LICENSED), fmt, color=False)
    if fmt == "html":
        out = out.replace("&#39;", "'")
    if fmt == "console":
        out = " ".join(out.replace("│", " ").split())  # undo the panel's wrapping
    assert PERMISSION_WORDS in out
    assert LICENCE_WORDS in out


def test_the_verdict_of_a_compliant_target_says_whose_permission_made_it_so() -> None:
    expected = (
        "reuse from 1 source article within the policy "
        "(by the written permission of partner.example, until 2027-06-30)"
    )
    assert f"Verdict: {expected}" in render(report(PERMITTED), "markdown")
    assert expected in render(report(PERMITTED), "html")
    system_out = ET.fromstring(render(report(PERMITTED), "junit")).findtext(".//system-out")
    assert system_out is not None
    assert system_out.splitlines()[0] == expected[0].upper() + expected[1:] + "."
    assert "  Decided by: " + PERMISSION_WORDS in system_out.splitlines()


def test_csv_has_the_rule_and_the_notes_in_columns_of_their_own() -> None:
    noted = replace(PERMITTED, sources=(source(rule=None, notes=("one note", "another")),))
    rows = list(csv.DictReader(io.StringIO(render(report(PERMITTED, noted), "csv"))))
    assert [(r["decided_by"], r["notes"]) for r in rows] == [
        (PERMISSION_WORDS, ""),
        ("", "one note; another"),
    ]
    assert rows[0]["reused_chars"] == "1480"  # numbers stay plain numbers


def test_github_annotates_a_source_judged_under_a_permission() -> None:
    lines = render(report(PERMITTED, LICENSED), "github").splitlines()
    assert lines[0] == (
        "::notice title=PERMISSION::https://partner.example/quay: "
        f"https://harbour.example/2026/03/quay: decided by {PERMISSION_WORDS}"
    )
    assert lines[1] == (
        "::notice title=LICENCE::https://reprints.example/quay: "
        f"https://harbour.example/2026/03/quay: decided by {LICENCE_WORDS}"
    )
    plain = replace(PERMITTED, sources=(source(rule=None),))
    assert render(report(plain), "github").splitlines()[:-1] == []  # nothing but the summary


def test_console_shows_notes_such_as_an_expired_permission() -> None:
    note = (
        "partner.example's written permission expired on 2027-06-30: "
        "the policy's normal rules apply"
    )
    expired = replace(PERMITTED, sources=(source(rule=None, notes=(note,)),))
    out = " ".join(render(report(expired), "console", color=False).replace("│", " ").split())
    assert f"Note: {note}" in out
    assert "Decided by" not in out


def test_an_audit_under_a_permission_reports_it_in_json() -> None:
    body = " ".join([QUAY] * 8)
    store = SQLiteIndex(":memory:")
    store.add(Article("https://harbour.example/2026/03/quay", body, "Quay opens in June"))
    permission = Permission("partner.example", 0, "syndication 2026", date(2099, 12, 31))
    policy = Policy(name="harbour-press", excerpt=ExcerptRule(max_chars=100),
                    permissions=(permission,))  # fmt: skip
    html = (
        f"<html><body><p>{body}</p>"
        '<p><a href="https://harbour.example/2026/03/quay">Harbour</a></p></body></html>'
    )
    result = audit_page(page_from_html(html, "https://partner.example/quay"), store, policy)
    doc = json.loads(render(Report(policy.summary(), (result,)), "json"))
    (found,) = doc["targets"][0]["sources"]
    assert (doc["targets"][0]["status"], found["limit"], found["violations"]) == (
        "compliant",
        0,
        [],
    )
    assert found["rule"] == {
        "kind": "permission",
        "policy": "harbour-press",
        "domain": "partner.example",
        "max_chars": 0,
        "until": "2099-12-31",
        "note": "syndication 2026",
    }
    assert "notes" not in found  # the permission is the rule, not a note
    licensed = replace(policy, excerpt=ExcerptRule(max_chars=0), reprint=ReprintRule(True))
    result = audit_page(page_from_html(html, "https://partner.example/quay"), store, licensed)
    assert result.sources[0].rule == DecidingRule("licence", "harbour-press")


# --- counts and shares --------------------------------------------------------------------


def test_counts_have_thousands_separators_and_shares_over_100_are_explained() -> None:
    assert chars(2082) == "2,082"
    assert share_of_article(520, 2080) == "25% of the article"
    assert share_of_article(520, 2080, size=True) == "25% of the article's 2,080 characters"
    assert share_of_article(2082, 2061) == (
        "101% of the article as indexed: the copy is longer than the indexed text"
    )
    assert share_of_article(2062, 2061) == (
        "over 100% of the article as indexed: the copy is longer than the indexed text"
    )
    assert share_of_article(10, 0) == ""


OVER = TargetResult(
    target="https://digest.example/quay",
    status="violation",
    sources=(
        source(
            reused_chars=2082,
            limit=500,
            article_chars=2061,
            rule=None,
            violations=(Violation("EXCERPT_TOO_LONG", "from the checks"),),
        ),
    ),
)
REUSE = "2,082 characters reused; the limit is 500 (1,582 over the limit)"
SHARE = (
    "101% of the article's 2,061 characters as indexed: the copy is longer than the indexed text"
)


@pytest.mark.parametrize("fmt", ["console", "markdown", "html", "junit"])
def test_an_over_limit_reuse_reads_the_same_in_every_format(fmt: str) -> None:
    out = render(report(OVER), fmt, color=False)
    if fmt == "html":
        out = out.replace("&#39;", "'")
    if fmt == "console":
        out = " ".join(out.replace("│", " ").split())
    if fmt == "markdown":
        out = out.replace("**", "")
    assert REUSE in out
    assert SHARE in out
    assert "of 500 characters allowed" not in out and "2082" not in out


def test_the_summary_table_shows_the_largest_reuse_with_separators() -> None:
    assert "| 2,082 / 500 |" in render(report(OVER), "markdown")
    doc = json.loads(render(report(OVER), "json"))
    assert doc["targets"][0]["sources"][0]["reused_chars"] == 2082  # JSON numbers unchanged


def test_the_checks_messages_use_thousands_separators() -> None:
    """The examples' full reprint: 2,554 characters of the lighthouse story, all of it."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    store, errors = index_from_sources([str(examples / "archive.jsonl")])
    assert errors == []
    page = str(examples / "suspects" / "full-reprint.html")
    (found,) = audit([page], index=store, policy=Policy(name="test")).targets[0].sources
    url = "https://harbourside-courier.example/2026/03/lighthouse-restoration/"
    assert [(v.code, v.message) for v in found.violations] == [
        (
            "EXCERPT_TOO_LONG",
            f"2,554 characters reused from {url} (100% of the article); the limit is 500",
        ),
        (
            "FULL_REPRINT",
            "2,554 of the article's 2,554 characters reused: this is a reprint, not an excerpt",
        ),
    ]
    assert (found.reused_chars, found.article_chars) == (2554, 2554)
