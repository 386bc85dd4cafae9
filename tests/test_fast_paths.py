"""The fast normalisation and fingerprinting paths equal their character-by-character definitions.

The index stores fingerprints: a fast path that drifted by one bit would make
every existing index silently miss. These properties pin the fast code to the
reference code, and a few constants pin the reference to what indexes hold.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.index.base import article_fingerprints
from reprint_check.text.fingerprint import (
    Token,
    _char_class,
    _kgram_hashes_reference,
    _tokenize_reference,
    _winnow_reference,
    kgram_hashes,
    kgram_polynomials,
    kgrams_of_hashes,
    mixed,
    polynomials_of_hashes,
    token_hashes,
    tokenize,
    unmix,
    unmixed,
    winnow,
    winnowed,
)
from reprint_check.text.normalize import _normalize_reference, normalize, normalized_text

# Characters that take every branch: white space of all kinds, invisibles,
# multi-character folds (ligatures, ellipsis, fractions), folds holding a space
# (spacing accents), look-alikes, marks, scripts written without spaces,
# Greek sigma (context-dependent in str.lower), private-use stand-ins.
TRICKY = (
    "aZ09_ .,;'\"`-\n\t\r\x0b\x0c\x1c\x85\xa0\u2028\u3000"
    "\u200b\u200d\u00ad\ufeff’‘“”«»—–−…ﬁﬂß½²"
    "éÉ\u0301\u0308¨´ǄİıΣσςΑаНнνκ"
    "日本語カタカナทยก\u0e31\u0e49ၵ\u1039ក\u17d2"
    "\U000f0000\U000f0001\x00"
)

texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=60) | st.text(max_size=60)
mostly_ascii = st.text(alphabet=st.sampled_from(TRICKY[:20]), max_size=200)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_normalize_equals_its_definition(text: str) -> None:
    assert normalize(text) == _normalize_reference(text)


@settings(max_examples=400, deadline=None)
@given(texts | mostly_ascii)
def test_normalized_text_equals_the_normalized_text(text: str) -> None:
    assert normalized_text(text) == _normalize_reference(text).text


@settings(max_examples=400, deadline=None)
@given(texts | mostly_ascii)
def test_tokens_and_kgrams_equal_their_definition(text: str) -> None:
    norm = _normalize_reference(text).text
    tokens = tokenize(norm)
    assert tokens == _tokenize_reference(norm)
    assert token_hashes(norm) == [t.hash for t in tokens]
    for k in (1, 2, 4):
        assert kgram_hashes(tokens, k) == _kgram_hashes_reference(tokens, k)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(-3, 3), max_size=40), st.integers(1, 7))
def test_winnow_equals_its_definition(hashes: list[int], window: int) -> None:
    assert winnow(hashes, window) == _winnow_reference(hashes, window)
    assert winnowed(hashes, window) == {h for h, _ in _winnow_reference(hashes, window)}


def test_word_runs_are_tokens_wherever_the_shortcut_is_taken() -> None:
    word = re.compile(r"\w")
    for cp in range(0x110000):
        ch = chr(cp)
        cls = _char_class(ch)
        if cls <= 1:
            assert (cls == 1) == bool(word.match(ch)), hex(cp)


def test_fingerprints_are_the_values_indexes_hold() -> None:
    text = "The keeper’s lamp room reopens in June."
    tokens = tokenize(normalize(text).text)
    assert [t.hash for t in tokens[:2]] == [3331141520948189790, 5664309374706525430]
    assert kgram_hashes(tokens) == [
        -8217750578008368303,
        -7443757622367136010,
        -1363591746816620579,
        8409443645409915868,
        -1925775781740012256,
    ]
    assert article_fingerprints(text) == {-8217750578008368303}
    assert kgrams_of_hashes([t.hash for t in tokens]) == kgram_hashes(tokens)


def test_unmixing_recovers_the_polynomial_of_every_kgram() -> None:
    hashes = [t.hash for t in tokenize("one two three four five six seven")]
    assert {unmix(h) for h in kgrams_of_hashes(hashes)} == kgram_polynomials(hashes)
    assert len(kgram_polynomials(hashes)) == 4


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=12), st.integers(1, 5))
def test_polynomials_mixed_are_the_kgram_hashes(hashes: list[int], k: int) -> None:
    tokens = [Token(0, 0, h) for h in hashes]
    polynomials = polynomials_of_hashes(hashes, k)
    assert mixed(polynomials) == _kgram_hashes_reference(tokens, k) == kgrams_of_hashes(hashes, k)
    assert set(polynomials) == kgram_polynomials(hashes, k)
    assert unmixed(kgrams_of_hashes(hashes, k)) == set(polynomials)
    assert unmixed(kgrams_of_hashes(hashes, k)) == {unmix(h) for h in kgrams_of_hashes(hashes, k)}
