"""The language of a passage: ISO 639-1 code from py3langid (its model ships in the package)."""

from __future__ import annotations

__all__ = ["language"]


def language(text: str) -> str:
    """``"en"``, ``"uk"``, …: the most likely of py3langid's 97 languages."""
    import py3langid

    return str(py3langid.classify(text)[0])
