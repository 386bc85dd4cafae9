"""Every report format shows the semantic stage's passages; reports without them do not change.

The report is built by hand; the texts are fiction written for these tests.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from reprint_check.models import (
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.report import json as json_report
from reprint_check.report import render

SOURCE = "The ferry to Lindholm left an hour late. The harbour master blamed the fog."
PAGE = "Новини\n\nПором до Ліндгольма вирушив на годину пізніше. Начальник порту звинуватив туман."
FIRST, SECOND = (
    "Пором до Ліндгольма вирушив на годину пізніше.",
    "Начальник порту звинуватив туман.",
)
START = PAGE.index(FIRST)
END = PAGE.index(SECOND) + len(SECOND)

TRANSLATED = Passage(
    target_start=START,
    target_end=END,
    source_start=0,
    source_end=len(SOURCE),
    chars=END - START,
    similarity=0.9123,
    text=PAGE[START:END],
    match="translation",
    lang="uk",
    source_text=SOURCE,
    pairs=(
        (START, START + len(FIRST), 0, 40, 0.93),
        (PAGE.index(SECOND), END, 41, len(SOURCE), 0.9),
    ),
)
FINDING = SourceFinding(
    url="https://publisher.example/2024/04/ferry",
    title="Ferry delays",
    reused_chars=0,
    limit=50,
    article_chars=len(SOURCE),
    passages=(TRANSLATED,),
    link=LinkEvidence(found=False),
    violations=(
        Violation(
            "TRANSLATED_COPY",
            f"{END - START} characters of the page translate "
            "https://publisher.example/2024/04/ferry into Ukrainian; the limit is 50",
        ),
    ),
    rewritten_chars=END - START,
)
REPORT = Report(
    PolicySummary("test", 50, "total"),
    (TargetResult("https://partner.example/ferry", "violation", "Пором", sources=(FINDING,)),),
)


def test_json_has_the_semantic_keys_and_reads_back() -> None:
    text = render(REPORT, "json")
    source = json.loads(text)["targets"][0]["sources"][0]
    assert list(source)[-1] == "rewritten_chars" and source["rewritten_chars"] == END - START
    passage = source["passages"][0]
    assert (passage["match"], passage["lang"], passage["similarity"]) == (
        "translation",
        "uk",
        0.9123,
    )
    back = json_report.load(text)
    assert back == REPORT
    assert back.targets[0].sources[0].passages[0].match == "translation"


def test_console_markdown_junit_and_github_name_the_kind_and_language() -> None:
    for fmt in ("console", "markdown", "junit"):
        text = render(REPORT, fmt, color=False)
        assert "translation, uk" in text, fmt
        assert f"{END - START} characters of the page translated" in text, fmt
        assert "TRANSLATED_COPY" in text, fmt
    assert "TRANSLATED_COPY" in render(REPORT, "github")


def test_csv_adds_the_count_as_a_last_column_only_when_there_is_one() -> None:
    rows = list(csv.reader(io.StringIO(render(REPORT, "csv"))))
    assert rows[0][-1] == "rewritten_chars" and rows[1][-1] == str(END - START)
    plain = Report(REPORT.policy, (TargetResult("https://partner.example/x", "compliant"),))
    assert "rewritten_chars" not in render(plain, "csv")


def test_html_puts_the_sentence_pairs_side_by_side() -> None:
    html = render(REPORT, "html")
    assert '<table class="pairs">' in html
    assert f"<tr><td>{FIRST}</td><td>The ferry to Lindholm left an hour late.</td>" in html
    assert "translation, uk" in html
    # without the pairs (a report read back from JSON) the two sides still stand side by side
    html = render(json_report.load(render(REPORT, "json")), "html")
    assert '<table class="pairs">' not in html and "translation, uk" in html


# The partner kept the harbour master's sentence in English inside its translation.
KEPT_SENTENCE = "The harbour master blamed the fog."
MIXED_PAGE = PAGE.replace(SECOND, KEPT_SENTENCE)
KEPT_AT = MIXED_PAGE.index(KEPT_SENTENCE)
KEPT = Passage(
    target_start=KEPT_AT,
    target_end=KEPT_AT + len(KEPT_SENTENCE),
    source_start=41,
    source_end=len(SOURCE),
    chars=len(KEPT_SENTENCE),
    similarity=1.0,
    text=KEPT_SENTENCE,
)
FOLDED = replace(
    TRANSLATED,
    target_end=len(MIXED_PAGE),
    chars=len(MIXED_PAGE) - START,
    text=MIXED_PAGE[START:],
    pairs=TRANSLATED.pairs[:1],
    verbatim=(KEPT,),
)
MIXED = replace(
    REPORT,
    targets=(
        replace(
            REPORT.targets[0],
            sources=(replace(FINDING, passages=(FOLDED,), reused_chars=len(KEPT_SENTENCE)),),
        ),
    ),
)


def test_a_passage_kept_word_for_word_inside_a_translation_is_shown_in_it() -> None:
    text = render(MIXED, "json")
    (passage,) = json.loads(text)["targets"][0]["sources"][0]["passages"]
    assert passage["verbatim"] == [
        {
            "target_start": KEPT_AT,
            "target_end": KEPT_AT + len(KEPT_SENTENCE),
            "source_start": 41,
            "source_end": len(SOURCE),
            "chars": len(KEPT_SENTENCE),
            "similarity": 1.0,
            "text": KEPT_SENTENCE,
        }
    ]
    assert json_report.load(text) == MIXED
    assert "verbatim" not in render(REPORT, "json")  # only where something was kept
    where = (
        f"{len(KEPT_SENTENCE)} of its characters word for word (page {KEPT_AT}–{KEPT.target_end})"
    )
    for fmt in ("console", "markdown", "junit", "html"):
        shown = " ".join(render(MIXED, fmt, color=False).replace("│", " ").split())
        assert where in shown, fmt
    # side by side, the kept sentence takes its place among the translated ones
    html = render(MIXED, "html")
    assert (
        f"<tr><td>{FIRST}</td><td>The ferry to Lindholm left an hour late.</td>"
        '<td class="num">93%</td></tr>\n'
        f"<tr><td>{KEPT_SENTENCE}</td><td>{KEPT_SENTENCE}</td>"
        '<td class="num">100% · word for word</td></tr>'
    ) in html
