"""The CI formats: JUnit XML and GitHub Actions workflow commands (fictional texts throughout)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.cli import main
from reprint_check.models import (
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.report import FORMATS, github, junit, render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

QUAY = "The night ferry to Sandvik was held at the quay while divers checked the hull."
MAYOR = "Mayor Ilse Brandt promised a second boat before the autumn storms arrive."
BAKERY = "The bakery on Tarn Street now opens at six to serve the early crews."

POLICY = PolicySummary(name="harbour-press", max_chars=500, count="total")

VIOLATING = TargetResult(
    target="https://partner.example/sandvik-ferry",
    status="violation",
    title="Ferry held at Sandvik",
    sources=(
        SourceFinding(
            url="https://harbour.example/2025/03/ferry-held",
            title="Divers check the night ferry",
            reused_chars=612,
            limit=500,
            article_chars=2400,
            passages=(
                Passage(14, 92, 0, 78, 78, 0.9912, QUAY),
                Passage(120, 194, 300, 374, 74, 0.91, MAYOR),
            ),
            link=LinkEvidence(
                found=True,
                href="https://harbour.example/",
                active=True,
                followable=True,
                paragraph=2,
                problems=("the link goes to https://harbour.example/, not to the article",),
            ),
            violations=(
                Violation("EXCERPT_TOO_LONG", "612 characters reused; the limit is 500"),
                Violation("LINK_WRONG_TARGET", "the link points to the home page"),
            ),
        ),
        SourceFinding(
            url="https://harbour.example/2025/03/mayor-boat",
            title="",
            reused_chars=74,
            limit=500,
            article_chars=1000,
            passages=(Passage(120, 194, 40, 114, 74, 0.8, MAYOR),),
            link=LinkEvidence(found=False),
            violations=(Violation("LINK_MISSING", "no link to the article"),),
        ),
    ),
)

COMPLIANT = TargetResult(
    target="https://partner.example/bakery",
    status="compliant",
    title="Early bread",
    sources=(
        SourceFinding(
            url="https://harbour.example/2025/02/bakery",
            title="Bakery changes its hours",
            reused_chars=68,
            limit=500,
            article_chars=1500,
            passages=(Passage(0, 68, 210, 278, 68, 1.0, BAKERY),),
            link=LinkEvidence(
                found=True,
                href="https://harbour.example/2025/02/bakery",
                active=True,
                followable=True,
                paragraph=1,
            ),
        ),
    ),
)

CLEAN = TargetResult(target="https://partner.example/weather", status="compliant")

ERRORED = TargetResult(
    target="https://partner.example/gone",
    status="error",
    error="https://partner.example/gone: HTTP 404 Not Found",
)

REPORT = Report(policy=POLICY, targets=(VIOLATING, COMPLIANT, CLEAN, ERRORED))

# Page text can carry anything: C0 controls, a CDATA terminator, markup,
# quotes, a lone surrogate (from a mis-decoded page), U+FFFE, CR and LF.
HOSTILE_TEXT = 'Bell\x07 esc\x1b[31m ]]> <b>&amp;</b> "quoted" \ud800 \ufffe\r\nnext\x00end'
HOSTILE = TargetResult(
    target="https://partner.example/odd\x01page?a=1&b=<2>",
    status="violation",
    title="Odd ]]> title\x0b",
    sources=(
        SourceFinding(
            url="https://harbour.example/2025/01/odd",
            title="Odd\x0c source",
            reused_chars=700,
            limit=500,
            article_chars=800,
            passages=(Passage(0, 700, 0, 700, 700, 0.95, HOSTILE_TEXT + " words" * 120),),
            link=LinkEvidence(found=True, href="javascript:alert('x')\x00", active=False),
            violations=(
                Violation("EXCERPT_TOO_LONG", "700 characters ]]> reused\x00; the limit is 500"),
                Violation("LINK_NOT_ACTIVE", 'href "javascript:" \r\n::set-output name=x::1'),
            ),
        ),
    ),
)


def _suite(xml: str) -> junitparser.TestSuite:
    (suite,) = list(junitparser.JUnitXml.fromstring(xml.encode("utf-8")))
    return suite


# --- JUnit: structure and counts ----------------------------------------------------


def test_junit_is_registered_and_rendered_through_the_registry() -> None:
    assert FORMATS["junit"] is junit.render
    assert FORMATS["github"] is github.render
    assert render(REPORT, "junit") == junit.render(REPORT)


def test_junit_document_shape_and_counts() -> None:
    xml = junit.render(REPORT)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert xml.endswith("</testsuites>\n")
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite"
    for element in (root, suite):
        assert element.get("name") == "reprint-check"
        assert element.get("tests") == "4"
        assert element.get("failures") == "1"
        assert element.get("errors") == "1"
        assert element.get("skipped") == "0"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"policy": "harbour-press", "max_chars": "500", "count": "total"}
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [t.target for t in REPORT.targets]
    assert {c.get("classname") for c in cases} == {"reprint-check.harbour-press"}


def test_junitparser_reads_each_outcome() -> None:
    suite = _suite(junit.render(REPORT))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 1, 0)
    cases = {case.name: case for case in suite}
    violating = cases[VIOLATING.target]
    assert violating.is_failure and not violating.is_passed
    (failure,) = violating.result
    assert isinstance(failure, junitparser.Failure)
    assert failure.type == "EXCERPT_TOO_LONG,LINK_WRONG_TARGET,LINK_MISSING"
    errored = cases[ERRORED.target]
    assert errored.is_error
    (error,) = errored.result
    assert isinstance(error, junitparser.Error)
    assert error.type == "FETCH_ERROR"
    assert error.message == "https://partner.example/gone: HTTP 404 Not Found"
    for name in (COMPLIANT.target, CLEAN.target):
        assert cases[name].is_passed
        assert cases[name].result == []


def test_one_failure_whose_message_carries_every_code() -> None:
    xml = junit.render(REPORT)
    case = next(c for c in ET.fromstring(xml).iter("testcase") if c.get("name") == VIOLATING.target)
    failures = case.findall("failure")
    assert len(failures) == 1
    assert failures[0].get("message") == (
        "EXCERPT_TOO_LONG: 612 characters reused; the limit is 500"
        " | LINK_WRONG_TARGET: the link points to the home page"
        " | LINK_MISSING: no link to the article"
    )


def test_single_violation_message_is_code_colon_message() -> None:
    one = TargetResult(
        target="https://partner.example/one",
        status="violation",
        sources=(VIOLATING.sources[1],),
    )
    (failure,) = next(iter(_suite(junit.render(Report(POLICY, (one,)))))).result
    assert failure.type == "LINK_MISSING"
    assert failure.message == "LINK_MISSING: no link to the article"


def test_failure_body_lists_every_violation_with_its_evidence() -> None:
    (failure,) = next(iter(_suite(junit.render(REPORT)))).result
    assert failure.text.splitlines() == [
        "3 violations from 2 source articles",
        "Target: https://partner.example/sandvik-ferry",
        "Title: Ferry held at Sandvik",
        "Policy: harbour-press, at most 500 characters per source article (count: total)",
        "",
        "Source 1 of 2: https://harbour.example/2025/03/ferry-held",
        "  Title: Divers check the night ferry",
        "  Reuse: 612 characters reused; the limit is 500 (112 over the limit)"
        " · 26% of the article's 2,400 characters",
        "  Link: active link to https://harbour.example/ in paragraph 2, followable",
        "    - the link goes to https://harbour.example/, not to the article",
        "  Violations:",
        "    EXCERPT_TOO_LONG: 612 characters reused; the limit is 500",
        "    LINK_WRONG_TARGET: the link points to the home page",
        "  Passages (2):",
        "    1. target 14-92, source 0-78, 78 characters, similarity 0.99",
        f"       “{QUAY}”",
        "    2. target 120-194, source 300-374, 74 characters, similarity 0.91",
        f"       “{MAYOR}”",
        "",
        "Source 2 of 2: https://harbour.example/2025/03/mayor-boat",
        "  Reuse: 74 characters reused; the limit is 500 (within the limit)"
        " · 7% of the article's 1,000 characters",
        "  Link: none to this article found",
        "  Violations:",
        "    LINK_MISSING: no link to the article",
        "  Passages (1):",
        "    1. target 120-194, source 40-114, 74 characters, similarity 0.80",
        f"       “{MAYOR}”",
    ]


def test_compliant_targets_summarise_their_sources_in_system_out() -> None:
    cases = {c.get("name"): c for c in ET.fromstring(junit.render(REPORT)).iter("testcase")}
    assert cases[COMPLIANT.target].findtext("system-out", "").splitlines() == [
        "Reuse from 1 source article within the policy.",
        "Target: https://partner.example/bakery",
        "Title: Early bread",
        "",
        "Source 1 of 1: https://harbour.example/2025/02/bakery",
        "  Title: Bakery changes its hours",
        "  Reuse: 68 characters reused; the limit is 500 (within the limit)"
        " · 5% of the article's 1,500 characters",
        "  Link: active link to https://harbour.example/2025/02/bakery in paragraph 1, followable",
        "  Passages (1):",
        "    1. target 0-68, source 210-278, 68 characters, similarity 1.00",
    ]
    assert cases[CLEAN.target].findtext("system-out") == (
        "No reuse of the publisher's articles found.\nTarget: https://partner.example/weather"
    )


def test_long_passages_are_shortened_in_the_middle() -> None:
    long_text = "Opening words of the copied story. " + "filler " * 200 + "closing words here."
    target = TargetResult(
        target="https://partner.example/long",
        status="violation",
        sources=(
            SourceFinding(
                url="https://harbour.example/long",
                title="",
                reused_chars=len(long_text),
                limit=500,
                article_chars=5000,
                passages=(Passage(0, len(long_text), 0, len(long_text), 1435, 1.0, long_text),),
                link=LinkEvidence(found=False),
                violations=(Violation("EXCERPT_TOO_LONG", "too long"),),
            ),
        ),
    )
    (failure,) = next(iter(_suite(junit.render(Report(POLICY, (target,)))))).result
    quote = next(line.strip() for line in failure.text.splitlines() if line.strip().startswith("“"))
    assert quote.startswith("“Opening words of the copied story.")
    assert quote.endswith("closing words here.”")
    assert " … " in quote
    assert len(quote) <= junit.QUOTE_MAX_CHARS + 2


def test_junit_output_is_byte_identical_and_has_no_clock_or_host() -> None:
    first = junit.render(REPORT)
    assert junit.render(REPORT) == first
    assert "timestamp" not in first
    assert "hostname" not in first
    stamped = junit.render(REPORT, timestamp="2025-03-01T12:00:00")
    suite = ET.fromstring(stamped).find("testsuite")
    assert suite is not None and suite.get("timestamp") == "2025-03-01T12:00:00"


def test_empty_report_is_a_valid_empty_suite() -> None:
    suite = _suite(junit.render(Report(POLICY)))
    assert (suite.tests, suite.failures, suite.errors) == (0, 0, 0)
    assert list(suite) == []


# --- JUnit: hostile text -------------------------------------------------------------


def test_hostile_text_still_gives_well_formed_xml() -> None:
    xml = junit.render(Report(POLICY, (HOSTILE, ERRORED)))
    xml.encode("utf-8")  # a lone surrogate would make this raise
    root = ET.fromstring(xml.encode("utf-8"))
    (case, _) = root.iter("testcase")
    assert case.get("name") == "https://partner.example/odd\u2401page?a=1&b=<2>"
    failure = case.find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert message.startswith("EXCERPT_TOO_LONG: 700 characters ]]> reused\u2400; the limit is 500")
    assert "LINK_NOT_ACTIVE: " in message
    assert "\n" not in message and "\r" not in message
    body = failure.text or ""
    assert "Title: Odd ]]> title\n" in body  # a vertical tab is white space: dropped
    assert 'Bell\u2407 esc\u241b[31m ]]> <b>&amp;</b> "quoted" \ufffd \ufffd next\u2400end' in body
    suite = _suite(xml)
    assert (suite.tests, suite.failures, suite.errors) == (2, 1, 1)


def test_xml_safe_replaces_only_what_xml_forbids() -> None:
    assert junit.xml_safe("a\tb\nc\rd") == "a\tb\nc\rd"
    assert junit.xml_safe("\x00\x08\x0b\x1f\ud800\ufffe\uffff") == "\ufffd" * 7
    assert junit.xml_safe("é — 日本 \U0001f600 \x85") == "é — 日本 \U0001f600 \x85"


_ANY_TEXT = st.text(st.characters(codec=None), max_size=40)


@settings(max_examples=150, deadline=None)
@given(target=_ANY_TEXT, title=_ANY_TEXT, passage=_ANY_TEXT, message=_ANY_TEXT, error=_ANY_TEXT)
def test_any_text_renders_to_parseable_junit(
    target: str, title: str, passage: str, message: str, error: str
) -> None:
    violating = TargetResult(
        target=target,
        status="violation",
        title=title,
        sources=(
            SourceFinding(
                url=target,
                title=title,
                reused_chars=600,
                limit=500,
                article_chars=900,
                passages=(Passage(0, 1, 0, 1, 1, 0.5, passage),),
                link=LinkEvidence(found=True, href=passage, problems=(message,)),
                violations=(Violation("EXCERPT_TOO_LONG", message),),
            ),
        ),
    )
    failed = TargetResult(target=title, status="error", error=error)
    xml = junit.render(Report(PolicySummary(title, 500, "total"), (violating, failed, CLEAN)))
    data = xml.encode("utf-8")
    root = ET.fromstring(data)
    assert len(list(root.iter("testcase"))) == 3
    suite = _suite(xml)
    assert (suite.tests, suite.failures, suite.errors) == (3, 1, 1)
    outcomes = [(case.is_failure, case.is_error, case.is_passed) for case in suite]
    assert outcomes == [(True, False, False), (False, True, False), (False, False, True)]


def test_unknown_status_counts_as_an_error_not_a_pass() -> None:
    odd = TargetResult(target="https://partner.example/odd", status="pending")
    suite = _suite(junit.render(Report(POLICY, (odd,))))
    (case,) = list(suite)
    assert case.is_error
    assert case.result[0].message == "unknown audit status 'pending'"


# --- GitHub workflow commands --------------------------------------------------------


def test_github_lines_exact() -> None:
    assert github.render(REPORT).splitlines() == [
        "::error title=EXCERPT_TOO_LONG::https://partner.example/sandvik-ferry:"
        " 612 characters reused; the limit is 500",
        "::error title=LINK_WRONG_TARGET::https://partner.example/sandvik-ferry:"
        " the link points to the home page",
        "::error title=LINK_MISSING::https://partner.example/sandvik-ferry: no link to the article",
        "::warning title=FETCH_ERROR::https://partner.example/gone: HTTP 404 Not Found",
        "::notice::reprint-check (policy harbour-press): 4 targets audited, 2 compliant,"
        " 1 in violation (3 violations), 1 could not be fetched or parsed",
    ]
    assert github.render(REPORT).endswith("\n")


def test_github_escaping() -> None:
    assert github.command("error", "50% done\r\nnext", title="A:B,C%") == (
        "::error title=A%3AB%2CC%25::50%25 done%0D%0Anext"
    )
    assert github.command("notice", "plain") == "::notice::plain"
    assert (
        github.command("warning", "x", title="t", file="a,b") == "::warning title=t,file=a%2Cb::x"
    )


def test_github_untrusted_text_cannot_start_a_command_of_its_own() -> None:
    odd = TargetResult(
        target="https://partner.example/100%\nfree",
        status="violation",
        sources=(
            SourceFinding(
                url="https://harbour.example/x",
                title="",
                reused_chars=1,
                limit=500,
                article_chars=10,
                passages=(),
                link=LinkEvidence(found=False),
                violations=(Violation("LINK_MISSING", "see\r\n::add-mask::secret, 5% off\x1b"),),
            ),
        ),
    )
    lines = github.render(Report(POLICY, (odd,))).splitlines()
    assert lines[0] == (
        "::error title=LINK_MISSING::https://partner.example/100%25 free:"
        " see ::add-mask::secret, 5%25 off\u241b"
    )
    assert len(lines) == 2
    assert all(line.startswith(("::error ", "::notice::")) for line in lines)


def test_github_error_text_does_not_repeat_the_target() -> None:
    other = TargetResult(target="feed item 3", status="error", error="time-out after 20 s")
    lines = github.render(Report(POLICY, (ERRORED, other))).splitlines()
    assert lines[:2] == [
        "::warning title=FETCH_ERROR::https://partner.example/gone: HTTP 404 Not Found",
        "::warning title=FETCH_ERROR::feed item 3: time-out after 20 s",
    ]


def test_github_summary_for_an_empty_report() -> None:
    assert github.render(Report(POLICY)) == (
        "::notice::reprint-check (policy harbour-press): 0 targets audited, 0 compliant,"
        " 0 in violation (0 violations), 0 could not be fetched or parsed\n"
    )


# --- through the command line ------------------------------------------------------------


def test_cli_writes_junit_and_keeps_the_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "reprint-check.xml"
    suspects = EXAMPLES / "suspects"
    targets = [str(suspects / "compliant.html"), str(suspects / "two-sources.html")]
    missing = str(tmp_path / "missing.html")
    result = CliRunner().invoke(
        main,
        ["audit", *targets, missing, "--source", str(EXAMPLES / "archive.jsonl"),
         "--format", "junit", "-o", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 2, result.output  # the missing file wins over the violation
    suite = _suite(out.read_text(encoding="utf-8"))
    assert (suite.tests, suite.failures, suite.errors) == (3, 1, 1)
    outcomes = {Path(case.name).name: case for case in suite}
    assert outcomes["compliant.html"].is_passed
    assert outcomes["two-sources.html"].is_failure
    assert outcomes["missing.html"].is_error


@pytest.mark.parametrize("fmt", ["junit", "github"])
def test_cli_accepts_the_ci_formats(fmt: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["audit", str(EXAMPLES / "suspects" / "compliant.html"),
         "--source", str(EXAMPLES / "archive.jsonl"), "--format", fmt],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    if fmt == "github":
        assert result.stdout.splitlines()[-1].startswith("::notice::reprint-check (policy ")
    else:
        assert _suite(result.stdout).tests == 1
