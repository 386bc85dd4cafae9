"""The semantic stage end to end on each index backend, with the toy encoder.

A German translation and an English rewrite of a fictional story are found
with exact passages on both sides, kept apart from verbatim passages, and
turned into TRANSLATED_COPY / REWRITE_SUSPECTED; pages that only share a
sentence's topic are not. The stories are fiction (tests/semantic_toy.py).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reprint_check.audit import audit_page
from reprint_check.index import open_index
from reprint_check.index.base import SourceIndex
from reprint_check.models import Article, Page
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import ExcerptRule, LinkRule, Policy, RewriteRule
from reprint_check.report import render
from reprint_check.semantic.ready import kinds, make_ready
from reprint_check.semantic.stage import SemanticStage
from tests.semantic_toy import (
    CYCLING_BODY,
    CYCLING_URL,
    GERMAN,
    HOST_ENGLISH,
    HOST_GERMAN,
    LIBRARY,
    LIBRARY_BODY,
    LIBRARY_TITLE,
    LIBRARY_URL,
    REWRITE,
    TOY_SETTINGS,
    ConceptEmbedder,
    html_page,
)


def toy_stage() -> SemanticStage:
    return SemanticStage(ConceptEmbedder("toy-cheap"), ConceptEmbedder("toy-judge"), TOY_SETTINGS)


@pytest.fixture
def index(store: SourceIndex) -> SourceIndex:
    store.add(Article(LIBRARY_URL, LIBRARY_BODY, LIBRARY_TITLE))
    store.add(Article(CYCLING_URL, CYCLING_BODY, "Cyclists take on the mountain stage"))
    make_ready(store, ConceptEmbedder("toy-cheap"))
    return store


def page(paragraphs: list[str], location: str = "partner.html") -> Page:
    return page_from_html(html_page(paragraphs), location)


def span(text: str, first: str, last: str) -> tuple[int, int]:
    start = text.index(first)
    return start, text.index(last) + len(last)


def policy(rewrite: int | None = None, **excerpt: object) -> Policy:
    return Policy(
        name="test",
        excerpt=replace(ExcerptRule(), **excerpt),
        link=LinkRule(required=False),
        rewrite=RewriteRule(max_chars=rewrite),
    )


def test_a_translation_is_found_with_both_spans_and_its_language(index: SourceIndex) -> None:
    p = page([HOST_GERMAN[0], " ".join(GERMAN[:3]), " ".join(GERMAN[3:]), HOST_GERMAN[1]])
    (match,) = toy_stage().find(p, index)
    assert match.article.url == LIBRARY_URL
    (passage,) = match.passages
    assert (passage.target_start, passage.target_end) == span(p.text, GERMAN[0], GERMAN[4])
    assert (passage.source_start, passage.source_end) == span(LIBRARY_BODY, LIBRARY[1], LIBRARY[5])
    assert passage.text == p.text[passage.target_start : passage.target_end]
    assert (passage.match, passage.lang) == ("translation", "de")
    assert len(passage.pairs) == 5  # one per German sentence, each with its English one
    assert [LIBRARY_BODY[s:e] for _, _, s, e, _ in passage.pairs] == LIBRARY[1:6]


def test_a_rewrite_in_the_same_language_is_a_rewrite(index: SourceIndex) -> None:
    p = page([HOST_ENGLISH[0], " ".join(REWRITE), HOST_ENGLISH[1]])
    (match,) = toy_stage().find(p, index)
    (passage,) = match.passages
    assert (passage.target_start, passage.target_end) == span(p.text, REWRITE[0], REWRITE[4])
    assert (passage.match, passage.lang) == ("rewrite", "en")


def test_one_sentence_on_the_same_topic_is_no_copy(index: SourceIndex) -> None:
    assert toy_stage().find(page([HOST_GERMAN[0], GERMAN[2], HOST_GERMAN[1]]), index) == []
    assert toy_stage().find(page(HOST_GERMAN + HOST_ENGLISH), index) == []


def test_an_article_the_caller_refuses_is_not_reported(index: SourceIndex) -> None:
    p = page([" ".join(GERMAN)])
    assert toy_stage().find(p, index, accept=lambda article: article.url != LIBRARY_URL) == []


def test_verbatim_text_is_left_to_the_verbatim_passages(index: SourceIndex) -> None:
    verbatim = " ".join(LIBRARY[:2])
    p = page([verbatim, " ".join(GERMAN[1:])])
    result = audit_page(p, index, policy(rewrite=300), semantic=toy_stage())
    (source,) = result.sources
    # one copy: the opening kept word for word, the rest translated, shown as one passage
    (translated,) = source.passages
    assert translated.match == "translation"
    assert (translated.target_start, translated.target_end) == span(p.text, LIBRARY[0], GERMAN[4])
    (copied,) = translated.verbatim
    assert (copied.match, (copied.target_start, copied.target_end)) == (
        None,
        span(p.text, LIBRARY[0], LIBRARY[1]),
    )
    # each counted as what it is
    rewritten = len(" ".join(GERMAN[1:]))
    assert source.reused_chars == copied.chars == len(verbatim)
    assert source.rewritten_chars == rewritten
    assert [v.code for v in source.violations] == ["TRANSLATED_COPY"]
    message = source.violations[0].message
    assert f"{rewritten} characters of the page translate {LIBRARY_URL} into German" in message
    assert f"(and {len(verbatim)} word for word" in message


def test_codes_follow_the_rewrite_limit(index: SourceIndex) -> None:
    p = page([HOST_ENGLISH[0], " ".join(REWRITE), HOST_ENGLISH[1]])
    chars = len(" ".join(REWRITE))
    codes = lambda pol: [  # noqa: E731
        v.code
        for s in audit_page(p, index, pol, semantic=toy_stage()).sources
        for v in s.violations
    ]
    assert codes(policy(rewrite=chars - 1)) == ["REWRITE_SUSPECTED"]
    assert codes(policy(rewrite=chars)) == []
    assert codes(policy(rewrite=0)) == []  # 0: no limit
    assert codes(policy(max_chars=chars - 1)) == ["REWRITE_SUSPECTED"]  # default: excerpt limit
    assert codes(policy(max_chars=chars)) == []


def test_the_json_report_carries_the_new_keys_only_when_the_stage_found_something(
    index: SourceIndex,
) -> None:
    p = page([" ".join(GERMAN)])
    with_stage = audit_page(p, index, policy(rewrite=100), semantic=toy_stage())
    doc = json.loads(render_report(with_stage))
    (source,) = doc["targets"][0]["sources"]
    assert source["rewritten_chars"] == len(" ".join(GERMAN))
    (passage,) = source["passages"]
    assert list(passage)[-2:] == ["match", "lang"]
    assert (passage["match"], passage["lang"]) == ("translation", "de")
    assert [v["code"] for v in source["violations"]] == ["TRANSLATED_COPY"]

    plain = render_report(audit_page(p, index, policy(rewrite=100)))
    assert "rewritten_chars" not in plain and '"match"' not in plain
    assert json.loads(plain)["targets"][0]["sources"] == []


def render_report(result: object) -> str:
    from reprint_check.models import PolicySummary, Report

    return render(Report(PolicySummary("test", 500, "total"), (result,)), "json")  # type: ignore[arg-type]


def test_the_judge_embeds_an_article_once_and_the_index_keeps_it(index: SourceIndex) -> None:
    p = page([" ".join(GERMAN)])
    first = toy_stage()
    first.find(p, index)
    judge_kind = first.judge_kind
    (library_id,) = [i for i, _ in index.semantic_rows(judge_kind)]
    assert sum(first.judge.calls) == len(GERMAN) + 7  # the page's sentences, the article's

    second = toy_stage()
    (match,) = second.find(p, index)
    assert match.article_id == library_id
    # only the page (every other sentence, then the rest): the article's came from the index
    assert sum(second.judge.calls) == len(GERMAN)


def test_a_read_only_index_keeps_nothing_but_the_process_keeps_the_judge_s_vectors(
    index: SourceIndex,
) -> None:
    """An auditor's index cannot be written: the article costs the judge once a process."""
    p = page([" ".join(GERMAN)])
    stage = toy_stage()
    with open_index(index.location, read_only=True) as reader:
        first = stage.find(p, reader)
        assert sum(stage.judge.calls) == len(GERMAN) + 7  # the page's sentences, the article's
        assert not list(reader.semantic_rows(stage.judge_kind))
        again = stage.find(p, reader)
    assert again == first
    assert sum(stage.judge.calls) == 2 * len(GERMAN) + 7  # the page again, not the article


def test_the_process_keeps_the_judge_s_vectors_of_an_article_s_text_not_of_its_id(
    index: SourceIndex,
) -> None:
    """An article stored again with other words (under a new id) is retrieved and judged
    again by the same stage, not matched on what it kept of the old one."""
    p = page([" ".join(GERMAN)])
    stage = toy_stage()
    stage.find(p, index)
    calls = sum(stage.judge.calls)
    index.add(Article(LIBRARY_URL, LIBRARY_BODY + " The mayor opened it.", LIBRARY_TITLE))
    make_ready(index, ConceptEmbedder("toy-cheap"))
    (match,) = stage.find(p, index)
    assert match.article.text.endswith("The mayor opened it.")
    assert sum(stage.judge.calls) == calls + len(GERMAN) + 8  # the new text's sentences


def test_the_judge_skips_sentences_inside_a_copy_that_is_already_certain(
    index: SourceIndex,
) -> None:
    p = page([HOST_GERMAN[0], " ".join(GERMAN), HOST_GERMAN[1]])
    # page sentences 0, 2, 4, 6 first (host, German 2 and 4, host); German 1 and 5 next,
    # beside a match; German 3 lies between two matches and the chain of the others (four
    # German sentences, ~200) already reaches 1.5 x min_score (150): it is never judged
    sure = SemanticStage(
        ConceptEmbedder("toy-cheap"),
        ConceptEmbedder("toy-judge"),
        replace(TOY_SETTINGS, sure_margin=1.5),
    )
    (match,) = sure.find(p, index)
    (passage,) = match.passages
    assert (passage.target_start, passage.target_end) == span(p.text, GERMAN[0], GERMAN[4])
    assert [p.text[a:b] for a, b, _, _, _ in passage.pairs] == [GERMAN[i] for i in (0, 1, 3, 4)]
    assert sum(sure.judge.calls) == 7 + 6  # the article's 7 sentences, the page's 7 but one

    # where the copy is not yet certain without it, the sentence between is judged too
    (match,) = toy_stage().find(p, index)
    assert len(match.passages[0].pairs) == len(GERMAN)


def test_semantic_data_is_made_once_and_goes_with_its_article(index: SourceIndex) -> None:
    cheap = ConceptEmbedder("toy-cheap")
    again = make_ready(index, cheap)
    assert (again.made, again.already) == (0, 2)
    index.add(
        Article("https://courier.example/2026/03/new/", "A new story about the council. " * 3)
    )
    assert toy_stage().missing(index) == 1
    assert make_ready(index, cheap).made == 1
    sentence_kind, window_kind = kinds(cheap)
    assert index.remove(LIBRARY_URL)
    ids = {i for i, _ in index.semantic_rows(window_kind)}
    assert len(ids) == 2 and {i for i, _ in index.semantic_rows(sentence_kind)} == ids
    assert index.semantic_missing(window_kind) == []


def test_the_judge_sees_only_articles_the_cheap_encoder_finds_in_order(
    index: SourceIndex,
) -> None:
    # the same five sentences, last first: close to the article one by one, but scattered
    backwards = toy_stage()
    assert backwards.find(page(GERMAN[::-1]), index) == []
    assert backwards.judge.calls == []
    in_order = toy_stage()
    (match,) = in_order.find(page(GERMAN), index)
    assert match.article.url == LIBRARY_URL


def test_the_cheap_encoder_reads_half_a_page_that_comes_near_no_article(
    index: SourceIndex,
) -> None:
    unrelated = toy_stage()
    assert unrelated.find(page(HOST_GERMAN + HOST_ENGLISH), index) == []
    assert unrelated.cheap.calls == [2]  # the probes: sentences 1 and 3 of 4
    copy = toy_stage()
    assert len(copy.find(page(GERMAN), index)) == 1
    assert copy.cheap.calls == [3, 2]  # the probes, then the rest
