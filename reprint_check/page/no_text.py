"""Targets with no text to audit, and why: a verdict on nothing is not a pass.

An empty file, an empty response body, a page whose text only scripts would
draw, or a feed item that carries no text would otherwise be audited as a page
that reuses nothing, and reported compliant. Such a target gets an ``error``
entry instead, with a reason that tells the reader what to do about it.

"No text" means that the text the audit aligns (``Page.text``) holds nothing
but white space and format characters (zero-width spaces, joiners, byte-order
marks, bidirectional marks): no character a reader sees. Any visible character
counts as text, so a page with one short line is audited as usual. A page's
``<title>`` is not part of that text and does not make a page auditable.
"""

from __future__ import annotations

import unicodedata

from lxml import etree

from reprint_check.models import Page

__all__ = ["APP_SHELL", "NO_TEXT", "is_blank", "runs_scripts", "why_no_text"]

NO_TEXT = "no text to audit"
APP_SHELL = f"{NO_TEXT}: the page is a JavaScript app shell (its text is rendered by scripts)"

# <script type> values a browser runs as JavaScript (HTML's "JavaScript MIME type essence
# match", plus "module" and the empty or missing type). Anything else (JSON-LD, templates,
# import maps) is data, not code that could draw the page's text.
_JS_TYPES = frozenset({
    "", "module", "application/ecmascript", "application/javascript", "application/x-ecmascript",
    "application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
    "text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
    "text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
    "text/x-javascript",
})  # fmt: skip


def is_blank(text: str) -> bool:
    """Whether ``text`` holds only white space and format characters (Unicode category Cf)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def runs_scripts(document: str | bytes) -> bool:
    """Whether an HTML document has a ``<script>`` a browser would run, read from its parse tree.

    Parsed, not searched: ``<script`` inside a comment or an attribute is not a
    script. A document lxml cannot parse runs nothing.
    """
    data = document.encode("utf-8", errors="replace") if isinstance(document, str) else document
    if not data.strip():
        return False
    parser = etree.HTMLParser(
        encoding="utf-8" if isinstance(document, str) else None,
        remove_comments=True,
        no_network=True,
        huge_tree=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return False
    if root is None:
        return False
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";", 1)[0].strip().lower()
        if kind in _JS_TYPES:
            return True
    return False


def why_no_text(page: Page, raw: str | bytes, *, is_html: bool, container: str) -> str | None:
    """Why ``page`` gives the audit nothing to read, or None when it has text.

    ``raw`` is the document the page was read from; ``container`` names where
    it came from in the reason (``"file"``, ``"response body"``,
    ``"standard input"``). An HTML page without text but with scripts is an
    app shell whose text only a browser running them would show, which a
    reader of the report needs to hear rather than a plain "no text".
    """
    if not is_blank(page.text):
        return None
    if not raw:
        return f"{NO_TEXT} (empty {container})"
    if not is_html:
        return f"{NO_TEXT} (only white space)"
    if runs_scripts(raw):
        return APP_SHELL
    return f"{NO_TEXT} (the page has no visible text)"
