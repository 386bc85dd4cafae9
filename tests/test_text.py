"""Normalisation and its offset map: what makes a disguised copy compare equal."""

from hypothesis import given
from hypothesis import strategies as st

from reprint_check.text.normalize import (
    _visible_length_reference,
    fold_char,
    normalize,
    visible_length,
)


def test_quotes_dashes_and_case_unify() -> None:
    assert normalize("“It’s  ready” — said\tAnn").text == '"it\'s ready" - said ann'


def test_invisible_characters_are_dropped() -> None:
    disguised = "ex\u200bcerpt\u00ad text\ufeff here\u200d"
    assert normalize(disguised).text == "excerpt text here"


def test_cyrillic_and_greek_lookalikes_fold_to_latin() -> None:
    # Cyrillic а, е, о, р, с and Greek ο, ν in place of Latin letters
    assert normalize(
        "Ukr\u0430ini\u0430n \u0440\u043ewer \u0441ut in Kyi\u03bd \u039dews"
    ).text == ("ukrainian power cut in kyiv news")
    assert normalize("\u0412\u0410\u041d\u041a").text == normalize("BAHK").text


def test_fullwidth_and_ligatures_fold_by_nfkc() -> None:
    assert normalize("ｆｅｒｒｙ ﬁnal").text == "ferry final"


def test_accents_fold_in_latin_but_hangul_stays() -> None:
    assert normalize("Café crème").text == "cafe creme"
    assert normalize("한국어 기사").text == "한국어 기사"


def test_whitespace_collapses_to_one_space_mapped_to_its_first_character() -> None:
    original = "  one \u00a0\n two\r\n"
    norm = normalize(original)
    assert norm.text == "one two"
    assert norm.origin[3] == original.index(" \u00a0")
    assert norm.to_original(4, 7) == (original.index("two"), original.index("two") + 3)


def test_visible_length_counts_as_design_md_says() -> None:
    assert visible_length("ab  c") == 4
    assert visible_length("a\u200bb\u00adc") == 3
    assert visible_length("р\u0430ss") == 4  # look-alike letters count once each
    assert visible_length("  padded\n\n text  ") == len("padded text")
    assert visible_length("") == 0


def test_fold_char_never_returns_whitespace_runs() -> None:
    assert fold_char("\u200b") == ""
    assert fold_char("’") == "'"


@given(st.text(max_size=200))
def test_every_normalised_span_maps_back_into_the_original(original: str) -> None:
    norm = normalize(original)
    assert len(norm.origin) == len(norm.text)
    assert list(norm.origin) == sorted(norm.origin)
    for j, i in enumerate(norm.origin):
        assert 0 <= i < len(original)
        ch = norm.text[j]
        if ch == " ":
            assert original[i].isspace() or fold_char(original[i]).find(" ") >= 0
        else:
            assert ch in fold_char(original[i])
    for a in range(0, len(norm.text), 7):
        for b in range(a + 1, len(norm.text) + 1, 5):
            s, e = norm.to_original(a, b)
            assert 0 <= s < e <= len(original)


@given(st.text(max_size=200))
def test_normalising_twice_changes_nothing(original: str) -> None:
    once = normalize(original).text
    assert normalize(once).text == once


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=100))
def test_visible_length_ignores_invisibles_and_space_runs(text: str) -> None:
    padded = "\u200b".join(text)
    assert visible_length(padded) == visible_length(text)
    assert visible_length(text.replace(" ", "   ")) == visible_length(text)


@given(
    st.text(
        alphabet=st.one_of(
            st.characters(blacklist_categories=("Cs",)),
            st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000\u200b\u00ad\ufeff\u2060"),
        ),
        max_size=200,
    )
)
def test_visible_length_is_the_character_loop_of_its_definition(text: str) -> None:
    assert visible_length(text) == _visible_length_reference(text)
