"""The fast normalisation and fingerprinting paths equal their character-by-character definitions.

The index stores fingerprints: a fast path that drifted by one bit would make
every existing index silently miss. These properties pin the fast code to the
reference code, and a few constants pin the reference to what indexes hold.
"""

from __future__ import annotations

import random
import re
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.index.base import article_fingerprints, prepare_article
from reprint_check.models import Article
from reprint_check.text.fingerprint import (
    Token,
    _char_class,
    _kgram_hashes_reference,
    _kgram_polynomials_reference,
    _mixed_reference,
    _tokenize_reference,
    _unmixed_reference,
    _winnow_reference,
    _winnowed_reference,
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
from reprint_check.text.token_arrays import (
    kgram_polynomial_array,
    token_array_hashes,
    token_spans_and_hashes,
)

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


# The k-gram arithmetic runs on numpy uint64 arrays: these pin it to the integer
# definitions, value for value, for every length up to 50 tokens, the k and
# window the index uses and their neighbours; the sets must even iterate in the
# same order (they are built in the same insertion order), so that anything
# summed over them sums in the same order.
u64 = st.integers(0, 2**64 - 1)
i64 = st.integers(-(2**63), 2**63 - 1)


def _same_set(fast: set[int], reference: set[int]) -> None:
    assert fast == reference
    assert list(fast) == list(reference)
    assert all(type(h) is int for h in fast)


@settings(max_examples=400, deadline=None)
@given(st.lists(u64, max_size=50), st.sampled_from([1, 2, 3, 4, 5, 8]))
def test_array_kgrams_equal_their_definition(hashes: list[int], k: int) -> None:
    tokens = [Token(0, 0, h) for h in hashes]
    kgrams = kgrams_of_hashes(hashes, k)
    assert kgrams == _kgram_hashes_reference(tokens, k)
    assert all(type(h) is int and -(2**63) <= h < 2**63 for h in kgrams)
    polynomials = polynomials_of_hashes(hashes, k)
    assert all(type(h) is int and 0 <= h < 2**64 for h in polynomials)
    assert mixed(polynomials) == kgrams
    _same_set(kgram_polynomials(hashes, k), _kgram_polynomials_reference(hashes, k))


@settings(max_examples=400, deadline=None)
@given(st.lists(i64, max_size=50) | st.lists(st.integers(-3, 3), max_size=50), st.integers(1, 8))
def test_array_winnowing_equals_its_definition(hashes: list[int], window: int) -> None:
    values = winnowed(hashes, window)
    assert values == {h for h, _ in _winnow_reference(hashes, window)}
    _same_set(values, _winnowed_reference(hashes, window))


def test_every_length_up_to_fifty_tokens() -> None:
    rng = random.Random(20260514)
    for n in range(51):
        for _ in range(20):
            hashes = [rng.getrandbits(64) for _ in range(n)]
            if n and rng.random() < 0.3:  # repeated tokens: repeated k-grams, tied minima
                hashes = [hashes[rng.randrange(n)] for _ in range(n)]
            tokens = [Token(0, 0, h) for h in hashes]
            kgrams = _kgram_hashes_reference(tokens)
            assert kgrams_of_hashes(hashes) == kgrams
            _same_set(kgram_polynomials(hashes), _kgram_polynomials_reference(hashes))
            _same_set(winnowed(kgrams), _winnowed_reference(kgrams))


@settings(max_examples=200, deadline=None)
@given(texts | mostly_ascii)
def test_prepared_fingerprints_are_the_sorted_winnowed_kgrams(text: str) -> None:
    tokens = tokenize(_normalize_reference(text).text)
    expected = {h for h, _ in _winnow_reference(_kgram_hashes_reference(tokens))}
    _same_set(article_fingerprints(text), _winnowed_reference(_kgram_hashes_reference(tokens)))
    assert article_fingerprints(text) == expected
    prepared = prepare_article(Article(url="https://example.org/a", title="A", text=text))
    assert prepared.fingerprints == array("q", sorted(expected)).tobytes()


@settings(max_examples=400, deadline=None)
@given(st.lists(u64, max_size=50), st.lists(i64, max_size=50))
def test_array_mixing_and_unmixing_equal_their_definition(
    polynomials: list[int], kgrams: list[int]
) -> None:
    assert mixed(polynomials) == _mixed_reference(polynomials)
    assert all(type(h) is int for h in mixed(polynomials))
    _same_set(unmixed(kgrams), _unmixed_reference(kgrams))
    _same_set(unmixed(set(kgrams)), _unmixed_reference(set(kgrams)))
    unsigned = [h % 2**64 for h in kgrams]  # the same k-grams, held unsigned
    _same_set(unmixed(unsigned), _unmixed_reference(kgrams))
    _same_set(unmixed(iter(unsigned + kgrams)), _unmixed_reference(unsigned + kgrams))


# --- the first test's token arrays (text/token_arrays.py) ---------------------------

# Beyond the first plane: a letter that folds (mathematical bold A), an emoji, a CJK
# extension ideograph, a private-use character; and lone surrogates.
BEYOND = "\U0001d400\U0001f600\U00020000\U000f0000\ud800\udfff"


def _array_hashes_of_reference_tokens(text: str) -> list[int]:
    """``token_arrays``' hash of each token ``_tokenize_reference`` finds, in order."""
    norm = _normalize_reference(text).text
    tokens = _tokenize_reference(norm)
    spans = token_spans_and_hashes(norm, [t.start for t in tokens], [t.end for t in tokens])
    return spans.tolist()


@settings(max_examples=600, deadline=None)
@given(texts | mostly_ascii | st.text(alphabet=st.sampled_from(TRICKY + BEYOND), max_size=60))
def test_token_arrays_find_the_reference_tokens(text: str) -> None:
    """The first test's tokens are the index's: same edges, so the same hashes in order."""
    assert token_array_hashes(text).tolist() == _array_hashes_of_reference_tokens(text)
    kgrams = kgram_polynomial_array(text).tolist()
    assert kgrams == polynomials_of_hashes(_array_hashes_of_reference_tokens(text))


def test_token_array_hashes_depend_on_the_token_alone() -> None:
    """Equal tokens hash equal wherever they stand; tokens that differ (by a letter,
    by their length, by a mark) hash apart; folding happens before hashing."""
    hashes = token_array_hashes("Ferry ferry FERRY ferries fer\u00adry ferry\u0301 f").tolist()
    assert hashes[0] == hashes[1] == hashes[2] == hashes[4] == hashes[5]
    assert len({hashes[0], hashes[3], hashes[6]}) == 3
    assert token_array_hashes("日本").tolist() == token_array_hashes("x 日 本 y").tolist()[1:3]
    assert token_array_hashes("").tolist() == []
