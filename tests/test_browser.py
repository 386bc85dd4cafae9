"""The HTML report in a real browser: headless Chromium loads it, runs its script, dumps the DOM.

Skipped only on a developer machine without Chromium; in CI (``CI`` set)
a missing browser fails the run, so the check cannot silently disappear.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from reprint_check.models import (
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.report import html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import chromium

BINARY = chromium.find_chromium()
if BINARY is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI (apt-get install chromium)", pytrace=False)
    pytest.skip("Chromium is not installed", allow_module_level=True)

PARTNER = "Gulls nested on the pier clock for the ﬁrst time, keepers said on Monday."
SOURCE = "Gulls have nested on the pier clock for the first time, the keepers said on Monday."

REPORT = Report(
    PolicySummary("pier-gazette", 50, "total"),
    (
        TargetResult(
            target="https://digest.example/calm",
            status="compliant",
            title="A calm week on the pier",
            sources=(
                SourceFinding(
                    url="https://gazette.example/tides",
                    title="Tides",
                    reused_chars=40,
                    limit=50,
                    article_chars=400,
                    passages=(
                        Passage(0, 40, 0, 40, 40, 1.0, "High tide reached the top step twice."),
                    ),
                    link=LinkEvidence(True, "https://gazette.example/tides", True, True, 1),
                ),
            ),
        ),
        TargetResult(
            target="https://digest.example/gone",
            status="error",
            error="https://digest.example/gone: HTTP 404 Not Found",
        ),
        TargetResult(
            target="https://digest.example/gulls",
            status="violation",
            title="Gulls take over the clock",
            sources=(
                SourceFinding(
                    url="https://gazette.example/gulls",
                    title="Gulls nest on the pier clock",
                    reused_chars=len(PARTNER),
                    limit=50,
                    article_chars=600,
                    passages=(
                        Passage(
                            0,
                            len(PARTNER),
                            10,
                            10 + len(SOURCE),
                            len(PARTNER),
                            0.93,
                            PARTNER,
                            source_text=SOURCE,
                        ),
                    ),
                    link=LinkEvidence(found=False),
                    violations=(
                        Violation("EXCERPT_TOO_LONG", "73 characters reused; the limit is 50"),
                        Violation("LINK_MISSING", "no link to https://gazette.example/gulls"),
                    ),
                ),
            ),
        ),
    ),
)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(html.render(REPORT), encoding="utf-8")
    return path


def _load(path: Path, suffix: str = "") -> str:
    assert BINARY is not None
    run = chromium.dump_dom(BINARY, path.as_uri() + suffix)
    assert run.console == ()
    return run.stdout


def _hidden_targets(dom: str) -> dict[str, bool]:
    """Each target article's status → whether the script hid it."""
    found = re.findall(r'<article class="target (\w+)" id="[^"]+" data-status="\w+"([^>]*)>', dom)
    return {status: "hidden" in attrs for status, attrs in found}


def test_report_opens_with_counts_violations_and_highlights(report_file: Path) -> None:
    dom = _load(report_file)
    assert "<dt>Targets audited</dt><dd>3</dd>" in dom
    assert "<dt>In violation</dt><dd>1</dd>" in dom
    assert "<dt>Compliant</dt><dd>1</dd>" in dom
    assert "<dt>Errors</dt><dd>1</dd>" in dom
    assert '<span class="code">EXCERPT_TOO_LONG</span>: 73 characters reused' in dom
    assert '<span class="code">LINK_MISSING</span>: no link to https://gazette.example/gulls' in dom
    # The ligature "ﬁ" and the dropped words show as edits, the rest as matched text.
    assert '<mark class="same">Gulls</mark> <del class="edit">have</del>' in dom
    assert '<mark class="same">nested on the pier clock for the</mark>' in dom
    assert '<ins class="edit">ﬁrst</ins>' in dom
    assert '<del class="edit">first</del>' in dom
    # The script ran: the filter is offered and nothing is hidden without asking.
    assert '<form id="filter">' in dom
    assert 'id="filter-status" role="status" aria-live="polite">Showing all 3 targets.</p>' in dom
    assert _hidden_targets(dom) == {"violation": False, "error": False, "compliant": False}


def test_only_violations_filter_from_the_fragment(report_file: Path) -> None:
    dom = _load(report_file, "#only-violations")
    assert _hidden_targets(dom) == {"violation": False, "error": True, "compliant": True}
    assert re.search(r'<tr data-status="compliant" hidden="">', dom)
    assert re.search(r'<tr data-status="violation">', dom)
    assert 'id="only-violations" name="only" value="violations"' in dom
    assert "Showing 1 of 3 targets: only those in violation." in dom


def test_only_violations_filter_from_the_query(report_file: Path) -> None:
    dom = _load(report_file, "?only=violations")
    assert _hidden_targets(dom) == {"violation": False, "error": True, "compliant": True}


def test_console_messages_are_caught(tmp_path: Path) -> None:
    """The harness itself: a page that fails must not pass for a clean one."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>missingFunction();</script>", encoding="utf-8")
    assert BINARY is not None
    run = chromium.dump_dom(BINARY, page.as_uri())
    assert any("Uncaught ReferenceError" in m for m in run.console)


def test_screenshot_is_a_png(report_file: Path, tmp_path: Path) -> None:
    assert BINARY is not None
    png = tmp_path / "report.png"
    chromium.screenshot(BINARY, report_file.as_uri(), png, width=800, height=600)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
