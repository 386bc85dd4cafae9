"""The JSON and console renderers over hand-built reports (fictional texts throughout)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reprint_check.errors import InputError
from reprint_check.models import (
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.report import FORMATS, console, render
from reprint_check.report import json as json_report

PASSAGE_ONE = "The ferry to Lindholm left an hour late because of the fog."
PASSAGE_TWO = "Harbour master Oda Wren said the new pier would open in May."
PASSAGE_THREE = "Fishermen in Lindholm called the delay a minor nuisance."
PAGE_TEXT = f"Local news\n\n{PASSAGE_ONE} Some words of our own.\n\n{PASSAGE_TWO}"
ERROR_LINE = "https://partner.example/gone: HTTP 404 Not Found"

COMPLIANT = TargetResult(
    target="https://partner.example/weather",
    status="compliant",
    title="Weather for the weekend",
    sources=(
        SourceFinding(
            url="https://publisher.example/2024/05/storm",
            title="Storm warning for the coast",
            reused_chars=56,
            limit=500,
            article_chars=1800,
            passages=(Passage(10, 66, 200, 256, 56, 1.0, PASSAGE_THREE),),
            link=LinkEvidence(
                found=True,
                href="https://publisher.example/2024/05/storm",
                active=True,
                followable=True,
                paragraph=1,
            ),
        ),
    ),
)

VIOLATING = TargetResult(
    target="https://partner.example/ferry-story",
    status="violation",
    title="Ferry delays in Lindholm — Ünïcode title",
    sources=(
        SourceFinding(
            url="https://publisher.example/2024/04/ferry",
            title="Ferry runs late again",
            reused_chars=734,
            limit=500,
            article_chars=3120,
            passages=(
                Passage(12, 71, 0, 59, 59, 0.9731, PASSAGE_ONE),
                Passage(95, 155, 400, 460, 60, 0.88, PASSAGE_TWO),
            ),
            link=LinkEvidence(
                found=True,
                href="https://publisher.example/",
                active=True,
                followable=False,
                paragraph=3,
                problems=("points to the home page, not the article", "rel=nofollow"),
            ),
            violations=(
                Violation("EXCERPT_TOO_LONG", "734 characters reused, the limit is 500"),
                Violation("LINK_WRONG_TARGET", "the link points to the home page"),
            ),
        ),
        SourceFinding(
            url="https://publisher.example/2024/04/pier",
            title="",
            reused_chars=60,
            limit=500,
            article_chars=900,
            passages=(Passage(95, 155, 10, 70, 60, 0.5, PASSAGE_TWO),),
            link=LinkEvidence(found=False),
            violations=(Violation("LINK_MISSING", "no link to the article"),),
        ),
    ),
    text=PAGE_TEXT,
)

ERRORED = TargetResult(target="https://partner.example/gone", status="error", error=ERROR_LINE)

POLICY = PolicySummary(name="fictional-press", max_chars=500, count="total")
REPORT = Report(policy=POLICY, targets=(COMPLIANT, replace(VIOLATING, text=None), ERRORED))
REPORT_WITH_TEXT = Report(policy=POLICY, targets=(COMPLIANT, VIOLATING, ERRORED))


# --- JSON ------------------------------------------------------------------------------


def test_json_has_exactly_the_v1_keys_in_order() -> None:
    doc = json.loads(json_report.render(REPORT))
    assert list(doc) == ["schema", "policy", "targets"]
    assert doc["schema"] == "reprint-check/report/v1"
    assert list(doc["policy"]) == ["name", "max_chars", "count"]
    for target in doc["targets"]:
        assert list(target) == ["target", "title", "status", "error", "sources"]
    source = doc["targets"][1]["sources"][0]
    assert list(source) == [
        "url",
        "title",
        "reused_chars",
        "limit",
        "article_chars",
        "passages",
        "link",
        "violations",
    ]
    assert list(source["passages"][0]) == [
        "target_start",
        "target_end",
        "source_start",
        "source_end",
        "chars",
        "similarity",
        "text",
    ]
    link_keys = ["found", "href", "active", "followable", "paragraph", "problems"]
    assert list(source["link"]) == link_keys
    assert list(source["violations"][0]) == ["code", "message"]


def test_json_values_are_as_given() -> None:
    doc = json.loads(json_report.render(REPORT))
    assert doc["policy"] == {"name": "fictional-press", "max_chars": 500, "count": "total"}
    assert [t["status"] for t in doc["targets"]] == ["compliant", "violation", "error"]
    violating = doc["targets"][1]
    assert violating["title"] == "Ferry delays in Lindholm — Ünïcode title"
    assert violating["error"] is None
    first, second = violating["sources"]
    assert first["reused_chars"] == 734
    assert first["limit"] == 500
    assert first["article_chars"] == 3120
    assert first["passages"][0] == {
        "target_start": 12,
        "target_end": 71,
        "source_start": 0,
        "source_end": 59,
        "chars": 59,
        "similarity": 0.9731,
        "text": PASSAGE_ONE,
    }
    assert first["link"] == {
        "found": True,
        "href": "https://publisher.example/",
        "active": True,
        "followable": False,
        "paragraph": 3,
        "problems": ["points to the home page, not the article", "rel=nofollow"],
    }
    assert [v["code"] for v in first["violations"]] == ["EXCERPT_TOO_LONG", "LINK_WRONG_TARGET"]
    assert second["link"] == {
        "found": False,
        "href": None,
        "active": False,
        "followable": True,
        "paragraph": None,
        "problems": [],
    }
    assert doc["targets"][2]["error"] == ERROR_LINE
    assert doc["targets"][2]["sources"] == []


def test_json_text_is_fixed_byte_for_byte() -> None:
    text = json_report.render(REPORT)
    assert text == json_report.render(REPORT)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "schema": "reprint-check/report/v1",\n  "policy": {\n')
    assert "Ünïcode" in text  # ensure_ascii=False: non-ASCII stays readable
    assert '"similarity": 1.0,' in text  # always a JSON float, however it was given


def test_json_similarity_is_rounded_to_four_decimals() -> None:
    passage = Passage(0, 60, 0, 60, 60, 0.123456789, PASSAGE_ONE)
    source = replace(VIOLATING.sources[0], passages=(passage,))
    report = Report(POLICY, (replace(VIOLATING, sources=(source,)),))
    assert '"similarity": 0.1235,' in json_report.render(report)


def test_json_include_text_adds_text_last() -> None:
    plain = json.loads(json_report.render(REPORT_WITH_TEXT))
    assert all("text" not in t for t in plain["targets"])
    doc = json.loads(json_report.render(REPORT_WITH_TEXT, include_text=True))
    assert list(doc["targets"][1]) == ["target", "title", "status", "error", "sources", "text"]
    assert doc["targets"][1]["text"] == PAGE_TEXT
    assert doc["targets"][2]["text"] is None


def test_json_round_trips() -> None:
    assert json_report.load(json_report.render(REPORT)) == REPORT
    with_text = json_report.render(REPORT_WITH_TEXT, include_text=True)
    assert json_report.load(with_text) == REPORT_WITH_TEXT
    assert json_report.load(json.loads(with_text)) == REPORT_WITH_TEXT
    assert json_report.render(json_report.load(with_text), include_text=True) == with_text


def test_json_round_trips_an_empty_report() -> None:
    empty = Report(PolicySummary("nothing", 0, "longest"))
    assert json_report.load(json_report.render(empty)) == empty


def _doc() -> dict:
    return json.loads(json_report.render(REPORT))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "results.json: not a JSON document (Expecting property name"),
        ("[]", "results.json: $: expected an object, got a list"),
        ("{}", "results.json: $: missing key 'schema' (expected 'reprint-check/report/v1')"),
        (
            '{"schema": "reprint-check/report/v2"}',
            "results.json: $.schema: unsupported schema string 'reprint-check/report/v2', "
            "expected 'reprint-check/report/v1'",
        ),
    ],
)
def test_load_refuses_a_bad_document(data: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        json_report.load(data, name="results.json")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_load_names_the_path_of_a_missing_key() -> None:
    doc = _doc()
    del doc["targets"][1]["sources"][0]["link"]["active"]
    with pytest.raises(InputError) as caught:
        json_report.load(doc)
    assert str(caught.value) == "report: $.targets[1].sources[0].link: missing key 'active'"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["policy"].update(max_chars="500"),
            "report: $.policy.max_chars: expected an integer, got string '500'",
        ),
        (
            lambda d: d["targets"][0].update(status="fine"),
            "report: $.targets[0].status: expected compliant | violation | error, got 'fine'",
        ),
        (
            lambda d: d["targets"][1]["sources"][0]["passages"][0].update(chars=True),
            "report: $.targets[1].sources[0].passages[0].chars: expected an integer, got true",
        ),
        (
            lambda d: d["targets"][1]["sources"][0]["link"].update(problems=[3]),
            "report: $.targets[1].sources[0].link.problems[0]: expected a string, got number 3",
        ),
        (
            lambda d: d["targets"][1].update(sources={}),
            "report: $.targets[1].sources: expected a list, got an object",
        ),
        (
            lambda d: d["targets"][2].update(error=404),
            "report: $.targets[2].error: expected a string or null, got number 404",
        ),
    ],
)
def test_load_names_the_path_of_a_wrong_value(edit, message: str) -> None:
    doc = _doc()
    edit(doc)
    with pytest.raises(InputError) as caught:
        json_report.load(doc)
    assert str(caught.value) == message


def test_load_ignores_keys_it_does_not_know() -> None:
    doc = _doc()
    doc["generator"] = "a later v1 writer"
    doc["targets"][1]["sources"][0]["extra"] = {"anything": 1}
    assert json_report.load(doc) == REPORT


# --- console ------------------------------------------------------------------------------


def test_console_plain_shows_summary_and_evidence() -> None:
    out = console.render(REPORT, color=False)
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0] == (
        "reprint-check report · policy fictional-press · "
        "at most 500 chars per source article (count: total)"
    )
    assert lines[1] == "3 targets audited: 1 compliant, 1 in violation, 1 error"
    for expected in (
        "https://partner.example/ferry-story",
        "Title: Ferry delays in Lindholm — Ünïcode title",
        "Verdict: COMPLIANT — reuse from 1 source article within the policy",
        "Verdict: VIOLATION — 3 violations from 2 source articles",
        "Verdict: ERROR",
        f"Error: {ERROR_LINE}",
        "Source 1 of 2: https://publisher.example/2024/04/ferry",
        "Reuse: 734 characters reused; the limit is 500 (234 over the limit)",
        "Share: 24% of the article's 3,120 characters",
        "Link: active link to https://publisher.example/ in paragraph 3, not followable",
        "- points to the home page, not the article",
        "Link: no link to this article found",
        "✗ EXCERPT_TOO_LONG: 734 characters reused, the limit is 500",
        "✗ LINK_WRONG_TARGET: the link points to the home page",
        "✗ LINK_MISSING: no link to the article",
        "1. target 12–71 · source 0–59 · 59 characters · similarity 0.97",
        "2. target 95–155 · source 400–460 · 60 characters · similarity 0.88",
        f"“{PASSAGE_ONE}”",
        f"“{PASSAGE_TWO}”",
    ):
        assert expected in out, expected


def test_console_is_deterministic_at_a_fixed_width() -> None:
    out = console.render(REPORT, color=False)
    assert out == console.render(REPORT, color=False)
    assert max(len(line) for line in out.splitlines()) <= console.DEFAULT_WIDTH


def test_console_colour_on_has_escapes() -> None:
    out = console.render(REPORT, color=True)
    assert "\x1b[" in out
    assert "\x1b[1;32mCOMPLIANT" in out or "\x1b[32;1mCOMPLIANT" in out
    assert "734 characters reused; the limit is 500 (234 over the limit)" in out


def test_console_colour_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" not in console.render(REPORT)
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" in console.render(REPORT)


def test_wants_color() -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    assert console.wants_color({}, Tty()) is True
    assert console.wants_color({"NO_COLOR": "1"}, Tty()) is False
    assert console.wants_color({"TERM": "dumb"}, Tty()) is False
    assert console.wants_color({}, None) in (True, False)  # falls back to sys.stdout


def test_console_shortens_long_passages_in_the_middle() -> None:
    words = " ".join(f"word{i:03d}" for i in range(120))  # ~960 chars
    passage = Passage(0, len(words), 0, len(words), len(words), 0.99, words)
    source = replace(VIOLATING.sources[0], passages=(passage,))
    report = Report(POLICY, (replace(VIOLATING, sources=(source,)),))
    out = console.render(report, color=False)
    assert "“word000 word001" in out
    assert "word119”" in out
    assert " … " in out
    assert "word060" not in out


def test_console_neutralises_control_characters_from_the_page() -> None:
    hostile = replace(ERRORED, title="Evil\x1b[31m title", error="bad\x07 page\x9b")
    out = console.render(Report(POLICY, (hostile,)), color=False)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Title: Evil␛[31m title" in out
    assert "Error: bad␇ page\ufffd" in out


def test_console_rich_markup_in_text_is_shown_literally() -> None:
    target = replace(COMPLIANT, title="[bold]Not markup[/bold] :smile:")
    out = console.render(Report(POLICY, (target,)), color=False)
    assert "Title: [bold]Not markup[/bold] :smile:" in out


def test_console_no_limit_policy() -> None:
    source = replace(COMPLIANT.sources[0], limit=0)
    report = Report(PolicySummary("open", 0, "longest"), (replace(COMPLIANT, sources=(source,)),))
    out = console.render(report, color=False)
    assert "no excerpt length limit (count: longest)" in out
    assert "Reuse: 56 characters reused; no length limit applies" in out
    assert "1 target audited: 1 compliant, 0 in violation, 0 errors" in out


@given(st.text(max_size=700), st.integers(min_value=10, max_value=400))
def test_shorten_keeps_both_ends_within_the_limit(text: str, limit: int) -> None:
    short = console.shorten(text, limit)
    if len(text) <= limit:
        assert short == text
        return
    assert len(short) <= limit
    head, _, tail = short.partition(" … ")
    assert text.startswith(head)
    assert text.endswith(tail)


# --- registry ------------------------------------------------------------------------------


def test_registry_dispatches_by_name() -> None:
    assert set(FORMATS) >= {"json", "console"}
    assert render(REPORT, "json") == json_report.render(REPORT)
    assert render(REPORT, "json", include_text=True) == json_report.render(
        REPORT, include_text=True
    )
    assert render(REPORT, "console", color=False) == console.render(REPORT, color=False)


def test_registry_refuses_an_unknown_format() -> None:
    with pytest.raises(InputError, match=r"^unknown report format 'pdf': expected one of "):
        render(REPORT, "pdf")
