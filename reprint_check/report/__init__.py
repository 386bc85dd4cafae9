"""Report renderers: one output format, one module, all over the same ``Report``.

Each format module exposes ``render(report, *, include_text=False, color=None)
-> str``. Adding a format is one new module here plus one line in ``FORMATS``;
nothing else in the package needs to change.
"""

from __future__ import annotations

from typing import Protocol

from reprint_check.errors import InputError
from reprint_check.models import Report
from reprint_check.report import console, csv, github, html, json, junit, markdown
from reprint_check.report.merge import merge, with_source_text


class Renderer(Protocol):
    """What every format module's ``render`` looks like."""

    def __call__(
        self, report: Report, *, include_text: bool = False, color: bool | None = None
    ) -> str: ...


FORMATS: dict[str, Renderer] = {
    "json": json.render,
    "console": console.render,
    "junit": junit.render,
    "github": github.render,
    "html": html.render,
    "markdown": markdown.render,
    "csv": csv.render,
}


def render(report: Report, fmt: str, **options: bool | None) -> str:
    """Render ``report`` in the named format; an unknown name is a usage error."""
    renderer = FORMATS.get(fmt)
    if renderer is None:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"unknown report format {fmt!r}: expected one of {known}")
    return renderer(report, **options)  # type: ignore[arg-type]


__all__ = ["FORMATS", "Renderer", "merge", "render", "with_source_text"]
