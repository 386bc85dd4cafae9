"""Passages found between crafted texts, with their exact spans.

The source text is fiction written for these tests.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.text.align import align
from reprint_check.text.fingerprint import GUARANTEE_TOKENS, kgram_hashes, tokenize, winnow
from reprint_check.text.normalize import normalize, visible_length
from reprint_check.text.prepared import prepare

SOURCE = (
    "The harbour board voted on Tuesday to extend the ferry timetable through the winter "
    "months. “We listened to commuters,” said chair Ann Wells. The decision follows a "
    "petition signed by more than two thousand residents of the island.\n\n"
    "Critics say the cost will fall on taxpayers who never use the boat. A final review "
    "of the service is due in March, when the board will publish passenger numbers."
)
FIRST = (
    "The harbour board voted on Tuesday to extend the ferry timetable through the winter months."
)


def passages(target: str, source: str = SOURCE, min_chars: int = 1):
    return align(prepare(target), prepare(source), min_chars=min_chars)


def test_verbatim_excerpt_has_exact_spans_on_both_sides() -> None:
    target = f"Our own intro sentence here. {FIRST} Our closing remark follows."
    (p,) = passages(target)
    assert p.text == FIRST
    assert (p.target_start, p.target_end) == (29, 29 + len(FIRST))
    assert (p.source_start, p.source_end) == (0, len(FIRST))
    assert p.chars == len(FIRST)
    assert p.similarity == 1.0


def test_ignored_kgrams_seed_no_passage_and_the_others_still_do() -> None:
    second = "A final review of the service is due in March"
    target = prepare(f"Our intro. {FIRST} Then our words. {second}.")
    source = prepare(SOURCE)
    boilerplate = set(kgram_hashes(tokenize(normalize(FIRST).text)))
    assert [p.text for p in align(target, source)] == [FIRST, second]
    assert [p.text for p in align(target, source, ignore=boilerplate)] == [second]


def test_a_host_word_that_starts_like_the_next_source_word_is_not_taken() -> None:
    # the source continues "“We listened"; the host text continues "Well, we"
    target = f"{FIRST[:-1]} Well, we think otherwise."
    (p,) = passages(target)
    assert p.text == FIRST[:-1]


def test_curly_and_straight_quotes_give_the_same_passage() -> None:
    quote = "“We listened to commuters,” said chair Ann Wells."
    straight = quote.replace("“", '"').replace("”", '"')
    target = f"Blog. {FIRST} {straight} Bye."
    (p,) = passages(target)
    assert p.text == f"{FIRST} {straight}"
    assert p.chars == visible_length(f"{FIRST} {quote}")


def test_zero_width_spaces_and_cyrillic_lookalikes_are_found_and_counted_as_letters() -> None:
    disguised = FIRST.replace("a", "\u0430").replace("o", "\u043e").replace(" ", " \u200b")
    target = f"Intro line of the blog. {disguised} The end."
    (p,) = passages(target)
    assert p.text == disguised
    assert p.chars == len(FIRST)


def test_a_dropped_word_neither_splits_nor_shortens_the_passage() -> None:
    edited = FIRST.replace("ferry timetable", "timetable")
    (p,) = passages(f"Intro. {edited} Outro of our own making.")
    assert p.text == edited
    assert p.similarity < 1.0


def test_a_sentence_left_out_in_the_middle_keeps_one_passage() -> None:
    second = (
        "The decision follows a petition signed by more than two thousand residents of the island."
    )
    (p,) = passages(f"Intro. {FIRST} {second} Outro of our own making.")
    assert p.text == f"{FIRST} {second}"


def test_inserted_partner_text_splits_passages_and_is_not_counted() -> None:
    critics = "Critics say the cost will fall on taxpayers who never use the boat."
    target = f"{FIRST} Our reporter adds this note here. {critics}"
    first, second = passages(target)
    assert (first.text, second.text) == (FIRST, critics)


@pytest.mark.parametrize("furniture", ["Advertisement", "AD", "Photo: R. Lund for the Courier"])
def test_page_furniture_between_two_parts_of_an_excerpt_is_not_counted(furniture: str) -> None:
    # one sentence of the source, cut in two by a block of the page's own
    first_half = "The harbour board voted on Tuesday to extend"
    second_half = "the ferry timetable through the winter months."
    target = f"Our intro.\n\n{first_half}\n\n{furniture}\n\n{second_half}\n\nOur outro."
    first, second = passages(target)
    assert (first.text, second.text) == (first_half, second_half)
    assert first.chars + second.chars == len(FIRST) - 1  # the space at the cut is not shown


def test_one_word_inserted_inside_a_sentence_is_an_edit_of_the_passage() -> None:
    edited = FIRST.replace("ferry timetable", "ferry boat timetable")
    (p,) = passages(f"Intro.\n\n{edited}\n\nOutro of our own making.")
    assert p.text == edited


INTERVIEWS = "\n\n".join(
    f"What do you cook on a Sunday?\n\nAnswer {n}: my family eats {dish} by the quay, "
    f"and then we walk along the harbour wall until the lamps come on."
    for n, dish in enumerate(
        ["fish stew", "lamb pie", "crab cakes", "bean soup", "roast hake", "plum tart",
         "leek broth", "cod cheeks", "pea risotto", "oat bread"]
    )
)  # fmt: skip


def test_a_copied_block_that_repeats_through_the_source_still_counts() -> None:
    # the question is asked ten times in the source, so it seeds nothing; copied as
    # its own paragraph right before the answer it belongs to, it is still reuse
    question = "What do you cook on a Sunday?"
    answer = INTERVIEWS.split("\n\n")[7]
    (p,) = passages(f"Our intro.\n\n{question}\n\n{answer}\n\nOur outro.", INTERVIEWS)
    assert p.text == f"{question}\n\n{answer}"
    assert p.source_text == f"{question}\n\n{answer}"
    # a block of the partner's own that merely starts like the source's is not taken
    (p,) = passages(f"What do you think?\n\n{answer}\n\nOur outro.", INTERVIEWS)
    assert p.text == answer


def test_short_shared_phrases_are_dropped_by_min_chars() -> None:
    assert passages("We hear the harbour board voted on Tuesday again.", min_chars=50) == []


def test_unrelated_text_has_no_passage() -> None:
    assert passages("A recipe for plum jam needs sugar, lemons and a large pot.") == []


def test_winnowing_guarantee_holds_for_any_shared_run() -> None:
    tokens = tokenize(normalize(SOURCE).text)
    hashes = kgram_hashes(tokens)
    kept = {h for h, _ in winnow(hashes)}
    # every run of GUARANTEE_TOKENS tokens contains a kept fingerprint
    for start in range(len(tokens) - GUARANTEE_TOKENS + 1):
        window = hashes[start : start + GUARANTEE_TOKENS - 3]
        assert kept.intersection(window)


def test_scripts_without_spaces_use_character_shingles() -> None:
    source = "港口委员会周二投票决定在冬季延长渡轮时刻表以方便通勤者出行并回应居民请愿"
    target = "今日新闻摘要：" + source[4:30] + "。完。"
    (p,) = passages(target, source)
    assert p.text == source[4:30]


words = st.lists(
    st.sampled_from(
        ["ferry", "harbour", "board", "winter", "island", "cost", "review", "tide", "quay", "pier"]
    ),
    min_size=0,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(words, words, st.integers(0, 60), st.integers(0, 60))
def test_passages_never_overlap_stay_inside_and_count_their_span(
    host: list[str], extra: list[str], cut_a: int, cut_b: int
) -> None:
    source = " ".join(extra + SOURCE.split()[min(cut_a, cut_b) : max(cut_a, cut_b) + 20])
    target = " ".join(host[:10] + source.split()[:30] + host[10:])
    found = align(prepare(target), prepare(source), min_chars=1)
    previous_end = 0
    for p in found:
        assert 0 <= p.target_start < p.target_end <= len(target)
        assert 0 <= p.source_start < p.source_end <= len(source)
        assert p.target_start >= previous_end
        assert p.text == target[p.target_start : p.target_end]
        assert p.chars == visible_length(p.text)
        assert 0.0 <= p.similarity <= 1.0
        previous_end = p.target_end


LONG_SOURCE = (
    "The council approved its spending plan on Monday night after a three-hour debate in the "
    "town hall. The plan sets aside money to repair the promenade wall damaged by the February "
    "storm and keeps the seafront toilets open through the winter months. Councillors also "
    "agreed to fund two seasonal wardens for the beaches between May and September. The "
    "treasurer warned that reserves would fall below the recommended level by next spring "
    "unless the county contributed to the cost of the sea wall. Every month the promenade "
    "stayed fenced off, he said, cost traders on Marine Parade business they would never "
    "recover, and the county had made no promise of help so far."
)


def test_partner_commentary_between_two_excerpts_is_not_counted() -> None:
    first = LONG_SOURCE[: LONG_SOURCE.index(" Councillors")]
    second = LONG_SOURCE[LONG_SOURCE.index("Every month") :]
    comment = (
        "Nobody would argue against fixing the sea wall. The harder question is timing, and "
        "the treasurer made his case plainly:"
    )
    target = f"{first}\n\n{comment}\n\n{second}"
    found = passages(target, LONG_SOURCE, min_chars=50)
    assert [p.text for p in found] == [first, second]
    assert sum(p.chars for p in found) == len(first) + len(second)


def test_a_reworded_clause_inside_a_copied_paragraph_does_not_split_it() -> None:
    reworded = LONG_SOURCE.replace(
        "keeps the seafront toilets open through the winter months",
        "leaves the toilets on the seafront open for all of the winter",
    )
    target = f"From the town hall: {reworded} More on this tomorrow."
    (p,) = passages(target, LONG_SOURCE, min_chars=50)
    assert p.text == reworded


# Short fictional sentences in several scripts; each source is two sentences and the
# target copies the second one between text of its own.
SCRIPTS = {
    "cyrillic": (
        "Міська рада затвердила новий розклад поромів на зиму.",
        "Перший пором відходитиме о шостій ранку, а останній о дев'ятій вечора щодня.",
        "Наш огляд новин за тиждень:",
    ),
    "greek": (
        "Το δημοτικό συμβούλιο ενέκρινε το νέο δρομολόγιο των πλοίων.",
        "Το πρώτο πλοίο θα αναχωρεί στις έξι το πρωί και το τελευταίο στις εννέα το βράδυ.",
        "Οι ειδήσεις της εβδομάδας:",
    ),
    "korean": (
        "시의회는 겨울철 새 여객선 시간표를 승인했다.",
        "첫 배는 매일 아침 여섯 시에 출발하고 마지막 배는 저녁 아홉 시에 떠난다고 밝혔다.",
        "이번 주 소식:",
    ),
    "japanese": (
        "市議会は冬の新しいフェリー時刻表を承認した。",
        "始発の船は毎朝六時に出航し、最終便は夜九時に出る予定だと担当者は説明した。",
        "今週のニュース：",
    ),
    "thai": (
        "สภาเมืองอนุมัติตารางเรือข้ามฟากฤดูหนาวใหม่แล้ว",
        "เรือลำแรกจะออกเวลาหกโมงเช้าและลำสุดท้ายจะออกเวลาสามทุ่มทุกวันตามที่เจ้าหน้าที่แจ้ง",
        "ข่าวประจำสัปดาห์:",
    ),
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_copies_are_found_in_any_script(script: str) -> None:
    first, second, intro = SCRIPTS[script]
    source = f"{first} {second}"
    target = f"{intro} {second} ---"
    (p,) = passages(target, source, min_chars=20)
    assert p.text == second
    assert (p.source_start, p.source_end) == (len(first) + 1, len(source))
