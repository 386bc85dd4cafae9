"""The shipped JSON Schema of the v1 report, and the watch that holds every test's reports to it.

``tests/conftest.py`` installs :data:`WATCH` for the whole session: every
document the JSON renderer produces in-process is validated as it is made,
and at the end of the session so is every ``*.json`` file under pytest's
temporary folder that says it is a ``reprint-check/report/v1`` document (the
CLI run as a subprocess with ``-o``). A renderer change that writes a key the
schema does not describe therefore fails the suite, not just one test.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

import reprint_check.report
from reprint_check.report import json as json_report

SCHEMA_TEXT = (files("reprint_check.report") / "schema" / "report-v1.schema.json").read_text(
    encoding="utf-8"
)
SCHEMA: dict[str, Any] = json.loads(SCHEMA_TEXT)
Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = Draft202012Validator(SCHEMA)

# How a report file written by the renderer starts, so that a truncated one is not passed over.
_REPORT_START = '{\n  "schema": "' + json_report.SCHEMA + '"'


def problems(document: object) -> list[str]:
    """Every way ``document`` breaks the schema, one line each (empty when it is valid)."""
    found = []
    for error in VALIDATOR.iter_errors(document):
        found.append(f"{error.json_path}: {error.message}")
    return sorted(found)


def describe(where: str, found: list[str], shown: int = 10) -> str:
    """A failure message: what broke the schema, the first ``shown`` problems."""
    lines = found[:shown]
    if len(found) > shown:
        lines.append(f"… and {len(found) - shown} more")
    return f"{where} breaks the schema:\n  " + "\n  ".join(lines)


def report_files(root: Path) -> Iterator[tuple[Path, object]]:
    """The v1 reports under ``root``: (path, decoded document), or (path, None) when unreadable."""
    for path in sorted(root.rglob("*.json")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            if text.startswith(_REPORT_START):
                yield path, None  # written as a report, but not a whole JSON document
            continue
        if isinstance(document, dict) and document.get("schema") == json_report.SCHEMA:
            yield path, document


@dataclass
class Watch:
    """Validates what the JSON renderer returns while installed; keeps what failed until taken."""

    pending: list[str] = field(default_factory=list)
    checked: int = 0  # documents rendered in-process
    files: int = 0  # report files found under pytest's temporary folder
    _original: Callable[..., str] | None = None
    _diverted: list[str] | None = None

    def install(self) -> None:
        """Put the checking renderer wherever the original one is reachable."""
        original = json_report.render
        self._original = original

        @functools.wraps(original)
        def render(report: Any, *, include_text: bool = False, color: bool | None = None) -> str:
            text = original(report, include_text=include_text, color=color)
            self.check(text)
            return text

        self._swap(original, render)

    def uninstall(self) -> None:
        if self._original is not None:
            self._swap(json_report.render, self._original)
            self._original = None

    def check(self, text: str) -> None:
        self.checked += 1
        found = problems(json.loads(text))
        if not found:
            return
        failure = describe("a JSON report", found)
        (self._diverted if self._diverted is not None else self.pending).append(failure)

    def take(self) -> list[str]:
        taken, self.pending = self.pending, []
        return taken

    @contextlib.contextmanager
    def expecting_failures(self) -> Iterator[list[str]]:
        """Failures inside the block go to the yielded list instead of failing the test."""
        seen: list[str] = []
        self._diverted = seen
        try:
            yield seen
        finally:
            self._diverted = None

    @staticmethod
    def _swap(old: Callable[..., str], new: Callable[..., str]) -> None:
        formats = reprint_check.report.FORMATS
        for name, renderer in formats.items():
            if renderer is old:
                formats[name] = new
        # json_report itself, and every module that imported the function by name.
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for attr in [a for a, value in namespace.items() if value is old]:
                setattr(module, attr, new)


WATCH = Watch()
