"""One prepared text per text: slices read off it equal normalising the slice, and an audit
normalises each text it compares exactly once."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check import audit_page
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article, Page, Revealed
from reprint_check.policy.rules import ExcerptRule, Policy, ReprintRule
from reprint_check.text.fingerprint import kgram_hashes, tokenize
from reprint_check.text.normalize import normalize
from reprint_check.text.prepared import prepare

# Characters that make normalisation interesting at a stretch's edges: white space of
# several kinds, invisible ones, combining accents, ligatures and compatibility forms that
# fold to several characters (some holding a space), look-alike letters, quote marks.
_TRICKY = (
    "ab \n\t\u00a0\u2003\u200b\u00ad\u0301e\u00e9\ufb01\u00df\u00a8\u2474\u0410\u0430\u201c\u2019-"
)
_TEXT = st.text(alphabet=st.one_of(st.sampled_from(_TRICKY), st.characters()), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.data())
def test_a_section_is_the_normalisation_of_the_slice(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert normalize(text).section(start, end) == normalize(text[start:end])


def _breaks_by_definition(text: str) -> frozenset[int]:
    """Normalised spaces whose original white space holds two line breaks, one by one."""
    norm = normalize(text)
    out = set()
    for j, ch in enumerate(norm.text):
        end = norm.origin[j + 1] if j + 1 < len(norm.origin) else len(text)
        if ch == " " and text.count("\n", norm.origin[j], end) >= 2:
            out.add(j)
    return frozenset(out)


_LINES = st.text(alphabet=st.one_of(st.sampled_from(_TRICKY + "\n\r\n"), st.characters()))


@settings(max_examples=400, deadline=None)
@given(_LINES)
def test_a_prepared_text_holds_the_tokens_kgrams_and_breaks_of_its_text(text: str) -> None:
    prepared = prepare(text)
    tokens = tokenize(normalize(text).text)
    assert prepared.tokens == tokens
    assert list(prepared.hashes) == [t.hash for t in tokens]
    assert list(prepared.kgrams) == kgram_hashes(tokens)
    assert prepared.breaks == _breaks_by_definition(text)


def test_a_blank_line_is_a_break_and_a_single_line_break_is_not() -> None:
    prepared = prepare("First line\nsame paragraph\n \n\tNext paragraph")
    assert prepared.norm.text == "first line same paragraph next paragraph"
    assert prepared.breaks == {25}
    assert [prepared.break_before(i) for i in range(len(prepared.hashes))] == [
        False, False, False, False, True, False
    ]  # fmt: skip


TITLE = "Ferry crossing returns after the long winter"
ARTICLE_TEXT = (
    "The river ferry between the old town and the island starts again on Monday after "
    "four months in dry dock, the harbour office said. "
    "“We have replaced both engines and the whole deck,” the harbour master told reporters "
    "at the pier on Friday morning.\n\n"
    "Tickets keep last year's prices, and the first crossing leaves at six in the morning. "
    "Cyclists ride free until the end of April, the office added."
)
OTHER_TITLE = "Library opens a reading room for night owls"
OTHER_TEXT = (
    "The city library will keep its third-floor reading room open until midnight from next "
    "month, a trial that runs until the summer. Students asked for longer hours in a "
    "petition signed by more than two thousand readers."
)
PAGE_TEXT = (
    "Local news roundup\n\n"
    f"{TITLE}\n\n"
    "The river ferry between the old town and the island starts again on Monday after "
    "four months in dry dock, the harbour office said. "
    "“We have replaced both engines and the whole deck,” the harbour master told reporters "
    "at the pier on Friday.\n\n"
    "A photo caption about boats.\n\n"
    "Tickets keep last year's prices, and the first crossing leaves at six in the morning.\n\n"
    "The city library will keep its third-floor reading room open until midnight from next "
    "month, a trial that runs until the summer. Students asked for longer hours in a "
    "petition signed by more than two thousand readers."
)


def _count_normalize(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count normalize() calls by text, wherever a module imported the function by name."""
    calls: Counter[str] = Counter()
    real: Callable = normalize

    def counting(original: str):  # type: ignore[no-untyped-def]
        calls[original] += 1
        return real(original)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("reprint_check"):
            for attr, value in list(vars(module).items()):
                if value is real:
                    monkeypatch.setattr(module, attr, counting)
    return calls


def test_an_audit_normalises_each_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SQLiteIndex(tmp_path / "index.sqlite") as index:
        index.add(Article("https://news.example/ferry", ARTICLE_TEXT, TITLE))
        index.add(Article("https://news.example/library", OTHER_TEXT, OTHER_TITLE))
        # Every check that reads normalised text runs: headline, quotations left out of
        # the count, the link rule, and the edits a licence to reprint unedited looks for.
        policy = Policy(
            name="every-check",
            excerpt=ExcerptRule(
                max_chars=0, include_title=True, count_quotations=False, min_passage_chars=40
            ),
            reprint=ReprintRule(allow_full=True, unedited=True),
        )
        calls = _count_normalize(monkeypatch)
        result = audit_page(Page("https://partner.example/roundup", PAGE_TEXT), index, policy)

    assert sorted(s.url for s in result.sources) == [
        "https://news.example/ferry",
        "https://news.example/library",
    ]
    ferry = next(s for s in result.sources if s.url.endswith("ferry"))
    assert any(p.quotation for p in ferry.passages)  # the quotation was split off
    assert {v.code for v in ferry.violations} >= {"REPRINT_EDITED"}
    assert calls == Counter(
        {PAGE_TEXT: 1, ARTICLE_TEXT: 1, OTHER_TEXT: 1, TITLE: 1, OTHER_TITLE: 1}
    )


def test_an_article_the_revealed_text_copies_too_is_prepared_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    visible = "Harbour news\n\n" + ARTICLE_TEXT.split("\n\n")[0]
    hidden = ARTICLE_TEXT.split("\n\n")[1] + "\n\n" + OTHER_TEXT
    page = Page(
        "https://partner.example/harbour", visible, revealed=(Revealed("read-more", hidden),)
    )
    with SQLiteIndex(tmp_path / "index.sqlite") as index:
        index.add(Article("https://news.example/ferry", ARTICLE_TEXT, TITLE))
        index.add(Article("https://news.example/library", OTHER_TEXT, OTHER_TITLE))
        calls = _count_normalize(monkeypatch)
        result = audit_page(page, index, Policy(name="hidden-too"))

    passages = {s.url: [p.hidden for p in s.passages] for s in result.sources}
    assert passages == {
        "https://news.example/ferry": [None, "read-more"],
        "https://news.example/library": ["read-more"],
    }
    assert calls[ARTICLE_TEXT] == 1
    assert calls[OTHER_TEXT] == 1
