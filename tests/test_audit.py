"""End to end through the library: crafted pages against a crafted source.

The story below is fiction written for these tests.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reprint_check.audit import audit, audit_page, index_from_sources
from reprint_check.index.base import SourceIndex
from reprint_check.models import Article
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import ExcerptRule, LinkRule, Policy
from reprint_check.report import render

URL = "https://courier.example/2026/05/quay-repairs/"

BODY = (
    "Work to rebuild the north quay will start in June after the harbour trust secured the "
    "last part of its funding, the trust's chair confirmed on Thursday evening. "
    "The repairs, which follow two winters of storm damage, are expected to take eleven "
    "months and will close the fish market's loading bay until the spring. "
    "Traders have been offered temporary space on the south slipway, where a covered "
    "landing stage will be built before the first boats unload in June. "
    "Skippers say the move adds half an hour to every landing, but most accept that the "
    "old quay could not survive another season of gales. "
    "The trust will publish a weekly update on its website while the work goes on."
)
EXCERPT_CHARS = 499


def excerpt(n: int) -> str:
    """The first n characters of the story, ending on a whole word."""
    text = BODY[:n]
    assert not text.endswith(" ") and BODY[n] == " ", "pick a cut at a word end"
    return text


# cuts at word ends a couple of characters around the 500 limit
CUT_499 = max(i for i in range(1, 500) if BODY[i] == " " and BODY[i - 1] != " ")
CUT_501 = min(i for i in range(501, len(BODY)) if BODY[i] == " ")


@pytest.fixture
def index(store: SourceIndex) -> SourceIndex:
    """The one-article archive, on each backend (tests/pg.py)."""
    store.add(Article(URL, BODY, "Quay repairs to start in June"))
    return store


def policy(**excerpt: object) -> Policy:
    return Policy(name="test", excerpt=replace(ExcerptRule(), **excerpt), link=LinkRule())


def page(body_html: str) -> str:
    return f"<html><head><title>Partner</title></head><body>{body_html}</body></html>"


def linked(inner: str) -> str:
    return page(
        f"<p>Our own introduction to the story.</p><blockquote>{inner}</blockquote>"
        f'<p>Read more at <a href="{URL}">the Courier</a>.</p>'
    )


def audit_html(html: str, index: SourceIndex, pol: Policy | None = None):
    return audit_page(page_from_html(html, "partner.html"), index, pol or policy())


def test_an_excerpt_under_the_limit_is_compliant_and_one_over_is_not(index: SourceIndex) -> None:
    short, long = BODY[:CUT_499], BODY[:CUT_501]
    assert len(short) <= 500 < len(long)
    ok = audit_html(linked(short), index)
    assert ok.status == "compliant"
    (src,) = ok.sources
    assert src.reused_chars == len(short)
    bad = audit_html(linked(long), index)
    (src,) = bad.sources
    assert src.reused_chars == len(long)
    assert [v.code for v in src.violations] == ["EXCERPT_TOO_LONG"]


def test_passage_offsets_index_the_page_text_exactly(index: SourceIndex) -> None:
    text = BODY[:CUT_499]
    result = audit_html(linked(text), index)
    page_obj = page_from_html(linked(text), "partner.html")
    (src,) = result.sources
    (p,) = src.passages
    assert page_obj.text[p.target_start : p.target_end] == text
    assert (p.source_start, p.source_end) == (0, len(text))
    assert p.text == text


@pytest.mark.parametrize(
    "disguise",
    [
        lambda s: s.replace("'", "\u2019"),  # curly apostrophes
        lambda s: s.replace(" ", " \u200b"),  # zero-width spaces
        lambda s: s.replace("o", "\u043e").replace("a", "\u0430"),  # Cyrillic look-alikes
    ],
    ids=["curly-quotes", "zero-width-spaces", "cyrillic-lookalikes"],
)
def test_disguised_copies_count_as_the_plain_text(index: SourceIndex, disguise) -> None:
    plain = BODY[:CUT_501]
    result = audit_html(linked(disguise(plain)), index)
    (src,) = result.sources
    assert src.reused_chars == len(plain)
    assert [v.code for v in src.violations] == ["EXCERPT_TOO_LONG"]


def test_an_excerpt_split_by_em_and_br_is_one_passage(index: SourceIndex) -> None:
    plain = BODY[:CUT_499]
    cut = plain.index("the trust's chair")
    second = plain.index("The repairs")
    html_text = (
        plain[:cut]
        + "<em>the trust's</em> "
        + plain[cut + len("the trust's ") : second - 1]
        + "<br>\n"
        + plain[second:]
    )
    result = audit_html(linked(html_text), index)
    (src,) = result.sources
    (p,) = src.passages
    assert p.chars == len(plain)
    assert p.text.replace("\n", " ") == plain


def test_full_reprint_and_longest_count(index: SourceIndex) -> None:
    result = audit_html(linked(BODY), index)
    (src,) = result.sources
    assert {v.code for v in src.violations} == {"EXCERPT_TOO_LONG", "FULL_REPRINT"}
    assert src.article_chars == len(BODY)

    first = BODY[:200].rsplit(" ", 1)[0]
    tail_start = BODY.index("Skippers")
    second = BODY[tail_start : tail_start + 300].rsplit(" ", 1)[0]
    html = linked(f"{first}</blockquote><p>Partner remarks stand between.</p><blockquote>{second}")
    total = audit_html(html, index, policy(max_chars=400))
    assert total.sources[0].reused_chars == len(first) + len(second)
    assert total.status == "violation"
    longest = audit_html(html, index, policy(max_chars=400, count="longest"))
    assert longest.sources[0].reused_chars == max(len(first), len(second))
    assert longest.status == "compliant"


@pytest.mark.parametrize(
    ("link_html", "code"),
    [
        ("", "LINK_MISSING"),
        (f"<p>Source: {URL}</p>", "LINK_NOT_ACTIVE"),
        (f'<p><a href="{URL}" style="display:none">Source</a></p>', "LINK_NOT_ACTIVE"),
        (f'<noscript><a href="{URL}">Source</a></noscript>', "LINK_NOT_ACTIVE"),
        (f'<!-- <a href="{URL}">Source</a> -->', "LINK_NOT_ACTIVE"),
        ('<p><a href="https://www.courier.example/">the Courier</a></p>', "LINK_WRONG_TARGET"),
    ],
)
def test_each_link_code(index: SourceIndex, link_html: str, code: str) -> None:
    html = page(f"<blockquote>{BODY[:300]}</blockquote>{link_html}")
    (src,) = audit_html(html, index).sources
    assert [v.code for v in src.violations] == [code]


def test_followable_and_position_rules(index: SourceIndex) -> None:
    nofollow = page(
        f'<p><a rel="nofollow" href="{URL}">Courier</a></p><blockquote>{BODY[:300]}</blockquote>'
    )
    strict = Policy(name="strict", link=LinkRule(followable=True, position="before-excerpt"))
    (src,) = audit_html(nofollow, index, strict).sources
    assert [v.code for v in src.violations] == ["LINK_NOT_FOLLOWABLE"]
    late = page(
        f"<blockquote>{BODY[:300]}</blockquote><p>More.</p>"
        f'<p class="credits">Originally at <a href="{URL}?utm_source=x">the Courier</a></p>'
    )
    (src,) = audit_html(late, index, strict).sources
    assert [v.code for v in src.violations] == ["LINK_TOO_LATE"]
    (src,) = audit_html(late, index).sources
    assert src.violations == ()


def test_short_shared_phrase_is_not_reuse(index: SourceIndex) -> None:
    html = page("<p>We heard that work to rebuild the north quay will start soon.</p>")
    result = audit_html(html, index)
    assert result.status == "compliant"
    assert result.sources == ()


def test_a_target_that_cannot_be_read_is_an_error_entry_and_the_run_goes_on(
    index: SourceIndex, tmp_path: Path
) -> None:
    good = tmp_path / "good.html"
    good.write_text(linked(BODY[:300]), encoding="utf-8")
    report = audit([str(tmp_path / "missing.html"), str(good)], index=index, policy=policy())
    missing, ok = report.targets
    assert missing.status == "error"
    assert "missing.html" in missing.error
    assert ok.status == "compliant"


def test_json_report_is_byte_identical_across_runs(index: SourceIndex, tmp_path: Path) -> None:
    target = tmp_path / "t.html"
    target.write_text(linked(BODY[:CUT_501]), encoding="utf-8")
    first = render(audit([str(target)], index=index, policy=policy()), "json")
    second = render(audit([str(target)], index=index, policy=policy()), "json")
    assert first == second
    data = json.loads(first)
    assert data["schema"] == "reprint-check/report/v1"
    assert data["targets"][0]["sources"][0]["reused_chars"] == CUT_501


def test_one_off_sources_need_no_index_file(tmp_path: Path) -> None:
    source = tmp_path / "story.txt"
    source.write_text(BODY, encoding="utf-8")
    target = tmp_path / "copy.txt"
    target.write_text("Intro line.\r\n\r\n" + BODY[:CUT_501] + "\r\n", encoding="utf-8")
    store, errors = index_from_sources([str(source)])
    assert errors == []
    report = audit([str(target)], index=store, policy=policy())
    (src,) = report.targets[0].sources
    (p,) = src.passages
    # .txt offsets index the decoded file exactly, \r\n included
    text = target.read_bytes().decode("utf-8")
    assert "\r\n" in text
    assert text[p.target_start : p.target_end] == BODY[:CUT_501]
    assert src.url == str(source)
