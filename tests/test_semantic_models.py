"""The real encoders and language identifier of the semantic extra, on a few sentences.

They load from the installed packages, offline (their weights ship inside).
Without the extra these tests are skipped, except in CI, which installs it.
The sentences are fiction written for these tests.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from reprint_check.errors import SemanticUnavailable

ENGLISH = "The town council approved a plan to replace the leaking roof of the central library."
UKRAINIAN = "Міська рада схвалила план заміни протікаючого даху центральної бібліотеки."
GERMAN = (
    "Der Stadtrat hat einen Plan gebilligt, das undichte Dach der Zentralbibliothek zu ersetzen."
)
UNRELATED = "More than two hundred cyclists will ride the mountain stage of the race on Sunday."


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the semantic extra is required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def load(kind: str):  # type: ignore[no-untyped-def]
    from reprint_check.semantic.embed import E5Embedder, UseEmbedder

    try:
        return E5Embedder(threads=1) if kind == "e5" else UseEmbedder(threads=1)
    except SemanticUnavailable as e:
        unavailable(str(e))


@pytest.fixture(scope="module")
def e5():  # type: ignore[no-untyped-def]
    return load("e5")


def test_the_judge_puts_a_translation_next_to_its_source(e5) -> None:  # type: ignore[no-untyped-def]
    vectors = e5.encode([ENGLISH, UKRAINIAN, GERMAN, UNRELATED])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    sim = vectors @ vectors.T
    assert sim[0, 1] > sim[0, 3] + 0.05
    assert sim[0, 2] > sim[0, 3] + 0.05
    again = e5.encode([UKRAINIAN])  # alone or in a batch: the same vector
    assert np.allclose(again[0], vectors[1], atol=1e-5)


def test_the_cheap_encoder_knows_german_but_is_only_a_prefilter() -> None:
    use = load("use")
    vectors = use.encode([ENGLISH, GERMAN, UNRELATED])
    assert vectors.shape == (3, 512)
    sim = vectors @ vectors.T
    assert sim[0, 1] > sim[0, 2] + 0.2


def test_the_language_of_a_passage() -> None:
    from reprint_check.semantic.lang import language

    try:
        language("")
    except ImportError as e:
        unavailable(str(e))

    assert [language(t) for t in (ENGLISH, UKRAINIAN, GERMAN)] == ["en", "uk", "de"]
