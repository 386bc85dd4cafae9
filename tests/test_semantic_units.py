"""The semantic stage's pure parts: sentences, alignment, stored records.

The texts are fiction written for these tests.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from reprint_check.models import Passage
from reprint_check.semantic.align import ChainRule, Pair, align, local_chain, runs, stand_out
from reprint_check.semantic.checks import fold_verbatim
from reprint_check.semantic.records import Record, pack, unpack
from reprint_check.semantic.sentences import MAX_SENTENCE_CHARS, split_sentences

# --- sentences -------------------------------------------------------------------------


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_sentences_end_at_stops_but_not_at_abbreviations_initials_or_decimals() -> None:
    text = (
        "Dr. Ames met the U.S. envoy on Monday. Costs rose 3.5 per cent! "
        'J. R. Hollis wrote "The Quay." Then what?\n'
        "Сесія триває. Він сказав: «Так». 3 тис. людей прийшли.\n\n"
        "第一句。第二句！"
    )
    assert texts(text) == [
        "Dr. Ames met the U.S. envoy on Monday.",
        "Costs rose 3.5 per cent!",
        'J. R. Hollis wrote "The Quay."',
        "Then what?",
        "Сесія триває.",
        "Він сказав: «Так».",
        "3 тис. людей прийшли.",
        "第一句。",
        "第二句！",
    ]


def test_sentence_offsets_index_the_text_and_never_cross_a_line() -> None:
    text = "  First line without a stop\nSecond one. Third one.  "
    spans = [(s.start, s.end) for s in split_sentences(text)]
    assert spans == [(2, 27), (28, 39), (40, 50)]


def test_a_lower_case_word_after_a_stop_keeps_the_sentence_going() -> None:
    assert texts("The rate is approx. ten per cent. It fell.") == [
        "The rate is approx. ten per cent.",
        "It fell.",
    ]


def test_a_run_on_sentence_is_cut_at_a_clause_mark_within_the_limit() -> None:
    clause = "the harbour trust met again, "
    text = "On Monday " + clause * 40 + "and then it rained."
    pieces = split_sentences(text)
    assert len(pieces) > 1
    assert all(p.end - p.start <= MAX_SENTENCE_CHARS for p in pieces)
    assert all(text[p.end - 1] == "," for p in pieces[:-1])
    assert "".join(text[p.start : p.end] + " " for p in pieces).strip() == text


# --- alignment -------------------------------------------------------------------------

RULE = ChainRule(base=0.5, min_score=100.0, extend=0.45, max_page_step=2, max_source_step=3)


def matrix(rows: int, cols: int, cells: dict[tuple[int, int], float]) -> np.ndarray:
    sim = np.zeros((rows, cols), dtype=np.float32)
    for (i, j), value in cells.items():
        sim[i, j] = value
    return sim


def test_the_chain_follows_the_diagonal_and_weighs_characters_above_the_base() -> None:
    sim = matrix(4, 6, {(0, 1): 0.9, (1, 2): 0.8, (2, 3): 0.7, (3, 0): 0.95})
    score, chain = local_chain(sim, [100, 100, 100, 100], RULE)
    assert [(p.page, p.source) for p in chain] == [(0, 1), (1, 2), (2, 3)]
    assert score == pytest.approx(100 * (0.4 + 0.3 + 0.2))


def test_strong_pairs_scattered_over_the_article_do_not_add_up() -> None:
    # same-event reports: each sentence finds a match, but all over the article
    sim = matrix(3, 40, {(0, 2): 0.9, (1, 20): 0.9, (2, 35): 0.9})
    score, chain = local_chain(sim, [150, 150, 150], RULE)
    assert len(chain) == 1 and score == pytest.approx(60.0)
    assert align(sim, [150, 150, 150], RULE, [True] * 3) is None


def test_one_pair_decides_a_copy_alone_only_above_the_single_cosine() -> None:
    # one long sentence on the article's point weighs min_score (100) by itself
    single = replace(RULE, single=0.95)
    weights = [100, 300, 100]
    lone = matrix(3, 3, {(1, 1): 0.9})
    score, chain = local_chain(lone, weights, RULE)
    assert score == pytest.approx(120.0) and [(p.page, p.source) for p in chain] == [(1, 1)]
    assert align(lone, weights, RULE, [True] * 3) is not None
    assert local_chain(lone, weights, RULE, single=0.95) == (0.0, [])
    assert align(lone, weights, single, [True] * 3) is None
    # nearly the same sentence does decide alone
    found = align(matrix(3, 3, {(1, 1): 0.96}), weights, single, [True] * 3)
    assert found is not None and [(p.page, p.source) for p in found.chain] == [(1, 1)]
    # two pairs in order are a chain, however close each is: a lighter chain wins over a
    # heavier lone pair below the single cosine
    sim = matrix(4, 4, {(0, 0): 0.7, (1, 1): 0.7, (3, 0): 0.95})
    score, chain = local_chain(sim, [300, 300, 100, 400], RULE, single=0.96)
    assert score == pytest.approx(120.0)
    assert [(p.page, p.source) for p in chain] == [(0, 0), (1, 1)]


def test_a_detected_copy_grows_to_neighbours_above_the_looser_threshold() -> None:
    sim = matrix(
        6, 6, {(1, 1): 0.9, (2, 2): 0.9, (3, 3): 0.9, (4, 0): 0.46, (0, 5): 0.44, (5, 4): 0.46}
    )
    found = align(sim, [100] * 6, RULE, [True] * 6)
    assert found is not None
    assert [p.page for p in found.chain] == [1, 2, 3]
    # 4 joins (0.46 >= 0.45, its best source may lie anywhere), 0 does not (0.44), 5 joins after 4
    assert [(p.page, p.source) for p in found.pairs] == [(1, 1), (2, 2), (3, 3), (4, 0), (5, 4)]


def test_a_copy_grows_with_sources_from_its_stretch_of_the_article() -> None:
    # a long article: page sentence 4 resembles article sentence 15 most, 0 only 18, but
    # the copy (article sentences 1 to 3) was made from sentences 0 to 6 (3 either side)
    chain = {(1, 1): 0.9, (2, 2): 0.9, (3, 3): 0.9}
    sim = matrix(6, 20, chain | {(4, 5): 0.47, (4, 15): 0.6, (0, 18): 0.7})
    found = align(sim, [100] * 6, RULE, [True] * 6)
    assert found is not None
    assert [(p.page, p.source) for p in found.pairs] == [(1, 1), (2, 2), (3, 3), (4, 5)]


def test_a_copy_grows_at_most_reach_sentences_beyond_its_chain() -> None:
    # every page sentence after the chain resembles the article a little (one register):
    # without a reach the copy walks on to the end of the page, with reach 2 it stops
    chain = {(1, 1): 0.9, (2, 2): 0.9, (3, 3): 0.9}
    sim = matrix(10, 6, chain | {(k, 4): 0.46 for k in (0, *range(4, 10))})
    walked = align(sim, [100] * 10, RULE, [True] * 10)
    assert walked is not None and [p.page for p in walked.pairs] == list(range(10))
    kept = align(sim, [100] * 10, replace(RULE, reach=2), [True] * 10)
    assert kept is not None and [p.page for p in kept.pairs] == [0, 1, 2, 3, 4, 5]


def test_every_stretch_that_copies_the_article_on_its_own_evidence_is_part_of_the_copy() -> None:
    # article sentences 0-2 copied at page sentences 0-2, 3-5 at 8-10; between them page
    # text that copies nothing; one more pair (14, 9) is too weak to be a stretch of its own
    pairs = {(0, 0): 0.9, (1, 1): 0.9, (2, 2): 0.9, (8, 3): 0.9, (9, 4): 0.9, (10, 5): 0.9}
    sim = matrix(16, 10, pairs | {(14, 9): 0.9})
    found = align(sim, [100] * 16, replace(RULE, reach=1), [True] * 16)
    assert found is not None
    assert [(p.page, p.source) for p in found.chain] == [(0, 0), (1, 1), (2, 2)]  # ties: first
    assert [(p.page, p.source) for p in found.pairs] == sorted(pairs)


def test_stretches_that_copy_parts_of_the_article_far_apart_are_told_apart() -> None:
    # page sentences 0-2 copy the article's sentences 20-22, and right after them 3-5 copy
    # its opening, 0-2: one run of the page, two parts of the article, two passages
    pairs = {(0, 20): 0.9, (1, 21): 0.9, (2, 22): 0.9, (3, 0): 0.9, (4, 1): 0.9, (5, 2): 0.9}
    found = align(matrix(6, 24, pairs), [100] * 6, RULE, [True] * 6)
    assert found is not None
    assert [(p.page, p.source) for p in found.pairs] == sorted(pairs)
    assert [p.part for p in found.pairs] == [1, 1, 1, 0, 0, 0]  # numbered in article order
    assert [[p.page for p in run] for run in runs(found.pairs, gap=1)] == [[0, 1, 2], [3, 4, 5]]
    # stretches whose sources lie within max_source_step (3) of each other are one part
    near = {(0, 6): 0.9, (1, 7): 0.9, (2, 8): 0.9, (3, 0): 0.9, (4, 1): 0.9, (5, 2): 0.9}
    found = align(matrix(6, 24, near), [100] * 6, RULE, [True] * 6)
    assert found is not None and {p.part for p in found.pairs} == {0}
    assert [[p.page for p in run] for run in runs(found.pairs, gap=1)] == [list(range(6))]


def test_unusable_sentences_neither_decide_nor_join() -> None:
    sim = matrix(3, 3, {(0, 0): 0.9, (1, 1): 0.9, (2, 2): 0.9})
    assert align(sim, [150] * 3, RULE, [True, True, True]) is not None
    found = align(sim, [150] * 3, RULE, [True, False, True])
    assert found is not None and [p.page for p in found.pairs] == [0, 2]
    assert align(sim, [150] * 3, RULE, [False, False, True]) is None


def test_a_pair_stands_out_by_its_margin_over_page_sentences_beyond_the_next() -> None:
    sim = matrix(5, 2, {(0, 0): 0.9, (1, 0): 0.85, (3, 0): 0.7, (4, 0): 0.8, (2, 1): 0.6})
    sim[4, 1] = -1.0  # never computed
    rows, cols = np.array([0, 1, 4, 2]), np.array([0, 0, 0, 1])
    # (0, 0): page sentence 1 is within reach, the best beyond it is 4 (0.8); (1, 0): 4
    # again; (4, 0): 0 (0.9); (2, 1): sentence 0's 0.0, the only computed one beyond
    assert stand_out(sim, rows, cols).tolist() == pytest.approx([0.1, 0.05, -0.1, 0.6])
    assert stand_out(sim[:2, :1], np.array([0]), np.array([0])).tolist() == [pytest.approx(1.9)]


DISTINCT = ChainRule(
    base=0.5,
    min_score=100.0,
    extend=0.45,
    max_page_step=2,
    max_source_step=3,
    distinct=0.05,
    distinct_share=0.3,
)


def test_an_article_close_to_page_sentences_all_over_the_page_is_no_copy() -> None:
    # the chain 0-0, 1-1, 2-2 weighs 120, but an independent text keeps coming back to
    # what those article sentences say: each is as close to a page sentence further on
    copy = {(0, 0): 0.9, (1, 1): 0.9, (2, 2): 0.9}
    echoes = {(4, 0): 0.88, (5, 1): 0.88, (6, 2): 0.88}
    sim = matrix(7, 3, copy | echoes)
    assert align(sim, [100] * 7, RULE, [True] * 7) is not None
    assert align(sim, [100] * 7, DISTINCT, [True] * 7) is None
    # a rewrite renders each article sentence once
    assert align(matrix(7, 3, copy), [100] * 7, DISTINCT, [True] * 7) is not None
    # one pair that stands out, weighing 40 of the 30 asked, is enough
    del echoes[5, 1]
    found = align(matrix(7, 3, copy | echoes), [100] * 7, DISTINCT, [True] * 7)
    assert found is not None and [p.page for p in found.chain] == [0, 1, 2]


def test_runs_group_neighbours_within_the_gap_that_render_one_part() -> None:
    pairs = [Pair(i, i, 0.9) for i in (0, 1, 3, 6)]
    assert [[p.page for p in run] for run in runs(pairs, gap=1)] == [[0, 1, 3], [6]]
    assert [[p.page for p in run] for run in runs(pairs, gap=0)] == [[0, 1], [3], [6]]
    parted = [*pairs[:2], replace(pairs[2], part=1), pairs[3]]
    assert [[p.page for p in run] for run in runs(parted, gap=1)] == [[0, 1], [3], [6]]


# --- records -----------------------------------------------------------------------------


def test_a_record_comes_back_with_its_spans_mask_and_vectors() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((5, 48)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    filled = np.array([True, False, True, True, False])
    vectors[~filled] = 0
    spans = np.array([[0, 10], [11, 30], [31, 50], [52, 60], [61, 90]], dtype=np.int32)
    record = Record(spans, vectors, filled)

    small = unpack(pack(record))
    assert np.array_equal(small.spans, spans) and np.array_equal(small.filled, filled)
    cosines = (small.vectors * vectors).sum(axis=1)[filled]
    assert cosines.min() > 0.995  # int8 with a scale per row
    assert not small.vectors[~filled].any()

    exact = unpack(pack(record, exact=True))
    assert np.abs(exact.vectors - vectors).max() < 1e-3  # float16


def test_bytes_that_are_no_record_are_refused() -> None:
    with pytest.raises(ValueError, match="not a semantic record"):
        unpack(b"XXXX" + bytes(12))


# --- policy --------------------------------------------------------------------------------


def test_the_rewrite_limit_is_validated_like_every_key() -> None:
    from reprint_check.errors import PolicyError
    from reprint_check.policy.rules import RewriteRule, parse_policy

    head = '[policy]\nname = "p"\n'
    assert parse_policy(head, "p.toml").rewrite == RewriteRule(max_chars=None)
    assert parse_policy(head + "[rewrite]\nmax_chars = 300\n", "p.toml").rewrite.max_chars == 300
    with pytest.raises(PolicyError) as bad:
        parse_policy(head + '[rewrite]\nmax_chars = "300"\n', "p.toml")
    assert str(bad.value) == (
        'p.toml: rewrite.max_chars: expected a whole number >= 0 (0 = no limit), got "300"'
    )
    with pytest.raises(PolicyError, match=r"p.toml: rewrite.limit: unknown key"):
        parse_policy(head + "[rewrite]\nlimit = 3\n", "p.toml")


# --- a copy's verbatim sentences folded into it (semantic/checks.py) -------------------

FOLD_ARTICLE = "The pier reopened on Monday. Gulls took the chips. The mayor cut a ribbon."
FOLD_PAGE = (
    "Der Steg ist seit Montag offen. Gulls took the chips. Der Bürgermeister schnitt ein Band."
)


def fold_passage(text: str, source: str, match: str | None, similarity: float) -> Passage:
    start, source_start = FOLD_PAGE.index(text), FOLD_ARTICLE.index(source)
    return Passage(
        target_start=start,
        target_end=start + len(text),
        source_start=source_start,
        source_end=source_start + len(source),
        chars=len(text),
        similarity=similarity,
        text=text,
        match=match,
        lang="de" if match else None,
        pairs=((start, start + len(text), source_start, source_start + len(source), similarity),)
        if match
        else (),
    )


OPENING = fold_passage(
    "Der Steg ist seit Montag offen.", "The pier reopened on Monday.", "translation", 0.9
)
KEPT = fold_passage("Gulls took the chips.", "Gulls took the chips.", None, 1.0)
CLOSING = fold_passage(
    "Der Bürgermeister schnitt ein Band.", "The mayor cut a ribbon.", "translation", 0.8
)


def test_sentences_kept_word_for_word_inside_a_translation_fold_into_one_passage() -> None:
    (folded,) = fold_verbatim(FOLD_PAGE, FOLD_ARTICLE, [CLOSING, KEPT, OPENING])
    assert (folded.target_start, folded.target_end) == (0, len(FOLD_PAGE))
    assert (folded.source_start, folded.source_end) == (0, len(FOLD_ARTICLE))
    assert folded.text == FOLD_PAGE and folded.source_text == FOLD_ARTICLE
    assert (folded.match, folded.lang, folded.verbatim) == ("translation", "de", (KEPT,))
    assert folded.chars == len(FOLD_PAGE)
    # the translated sentences' similarity, weighed by their characters; the kept one has its own
    weights = (OPENING.chars, CLOSING.chars)
    assert folded.similarity == round((0.9 * weights[0] + 0.8 * weights[1]) / sum(weights), 4)
    assert folded.pairs == OPENING.pairs + CLOSING.pairs


def test_only_touching_passages_of_one_stretch_of_the_article_fold() -> None:
    assert fold_verbatim(FOLD_PAGE, FOLD_ARTICLE, [KEPT]) == [KEPT]
    # a word between them on the page: two copies
    words_between = FOLD_PAGE.replace("offen. Gulls", "offen. Mehr: Gulls")
    shift = len("Mehr: ")
    later = replace(
        KEPT, target_start=KEPT.target_start + shift, target_end=KEPT.target_end + shift
    )
    assert words_between[later.target_start : later.target_end] == KEPT.text
    assert fold_verbatim(words_between, FOLD_ARTICLE, [OPENING, later]) == [OPENING, later]
    # a verbatim passage from far away in the article renders another part of it
    far = "x" * 200 + FOLD_ARTICLE
    distant = replace(KEPT, source_start=KEPT.source_start + 200, source_end=KEPT.source_end + 200)
    assert fold_verbatim(FOLD_PAGE, far, [OPENING, distant]) == [OPENING, distant]
    # text kept out of sight never folds into what a reader sees
    hidden = replace(KEPT, hidden="read-more")
    assert fold_verbatim(FOLD_PAGE, FOLD_ARTICLE, [OPENING, hidden]) == [OPENING, hidden]
    # two passages copied word for word stay two: nothing here was rewritten
    assert fold_verbatim(FOLD_PAGE, FOLD_ARTICLE, [KEPT, replace(CLOSING, match=None)]) == [
        KEPT,
        replace(CLOSING, match=None),
    ]
