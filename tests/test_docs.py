"""The documentation stands on its own: every file it names is in the repository.

A clone of the repository is all a reader has, so the README and the docs may
link to, or name in backticks, only files the repository holds, and never a
path outside it or a document that is not shipped.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def documents() -> list[Path]:
    found = [
        *ROOT.glob("*.md"),  # README.md, ARCHITECTURE.md when there is one
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "examples").rglob("*.md"),
        *(ROOT / "benchmarks").glob("*.md"),
    ]
    return sorted(found)


DOCUMENTS = documents()
IDS = [str(p.relative_to(ROOT)) for p in DOCUMENTS]

# Names that are in the repository's folder but are not the repository's.
NOT_OURS = {".git", ".venv", ".pytest_cache", ".ruff_cache", ".hypothesis", ".reprint-check"}
# What marks a placeholder rather than a real path: `archive/<slug>.html`, `rules/*.toml`.
PLACEHOLDER = re.compile(r"[<>*{}…]|\.\.\.")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
BARE_SCRIPT = re.compile(r"^[\w.-]+\.py$")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, …


def prose(text: str) -> str:
    """The text without fenced code blocks (shell sessions name files users make)."""
    return FENCE.sub("", text)


def links(text: str) -> Iterator[str]:
    body = CODE_SPAN.sub("", prose(text))
    yield from LINK.findall(body)
    yield from REFERENCE.findall(body)


def anchors(markdown: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    slugs = set()
    for line in prose(markdown.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*$", line)
        if heading:
            title = re.sub(r"[`*_]", "", heading.group(1)).strip().lower()
            slugs.add(re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", title)))
    return slugs


def first_segments(folder: Path) -> set[str]:
    return (
        {p.name for p in folder.iterdir() if p.name not in NOT_OURS} if folder.is_dir() else set()
    )


def repository_paths(document: Path) -> Iterator[str]:
    """Backticked spans naming a path that starts at the repository root or the document's folder.

    ``examples/ci/`` or ``reprint_check/text/normalize.py`` must exist; ``report.json`` or
    ``.reprint-check/index.sqlite`` (files a user makes) start nowhere in the
    repository and are not paths of it. A bare module or script name
    (``align.py``) is one too: it must be somewhere in the repository.
    """
    roots = first_segments(ROOT) | first_segments(document.parent)
    for _ticks, span in CODE_SPAN.findall(prose(document.read_text(encoding="utf-8"))):
        span = span.strip()
        if not span or re.search(r"\s", span) or PLACEHOLDER.search(span) or EXTERNAL.match(span):
            continue
        path = span.removeprefix("./").rstrip("/")
        if path.split("/")[0] in roots or BARE_SCRIPT.match(path):
            yield span


def test_the_documents_are_found() -> None:
    names = set(IDS)
    assert {"README.md", "docs/report-format.md", "examples/README.md"} <= names
    assert {"examples/ci/README.md", "benchmarks/README.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=IDS)
def test_every_relative_link_resolves_to_a_file_in_the_repository(document: Path) -> None:
    broken = []
    for target in links(document.read_text(encoding="utf-8")):
        if EXTERNAL.match(target):
            continue
        path, _, anchor = target.partition("#")
        file = (document.parent / path).resolve() if path else document
        if not file.is_relative_to(ROOT) or not file.exists():
            broken.append(f"{target}: no such file in the repository")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: {file.name} has no heading #{anchor}")
    assert broken == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=IDS)
def test_every_backticked_repository_path_exists(document: Path) -> None:
    missing = [span for span in repository_paths(document) if not exists(document, span)]
    assert missing == []


def exists(document: Path, span: str) -> bool:
    path = span.removeprefix("./")
    if any((base / path).exists() for base in (ROOT, document.parent)):
        return True
    return BARE_SCRIPT.match(path) is not None and path in file_names()


@functools.cache
def file_names() -> frozenset[str]:
    """The name of every file in the repository's own folders."""
    names = set()
    for _folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in NOT_OURS and not d.endswith(".egg-info")]
        names.update(files)
    return frozenset(names)


@pytest.mark.parametrize("document", DOCUMENTS, ids=IDS)
def test_no_document_points_outside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "design.md" not in text


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The helpers above see a broken link, a missing backticked path and a wrong anchor."""
    text = "See [gone](missing.md), [ok](../README.md#json-report), [bad](../README.md#nowhere).\n"
    assert list(links(text)) == ["missing.md", "../README.md#json-report", "../README.md#nowhere"]
    assert "json-report" in anchors(ROOT / "README.md")
    assert "nowhere" not in anchors(ROOT / "README.md")
    fake = tmp_path / "x.md"
    fake.write_text(
        "`benchmarks/gone.py`, `report.json`, `rules/<name>.toml`, `score.py`, `align.py`\n",
        encoding="utf-8",
    )
    assert list(repository_paths(fake)) == ["benchmarks/gone.py", "score.py", "align.py"]
    assert [exists(fake, span) for span in repository_paths(fake)] == [False, False, True]
