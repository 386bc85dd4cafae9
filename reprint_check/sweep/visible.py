"""The words of an HTML page as a reader sees them, cheaply: what the first test tokenises.

The audit reads a page through BeautifulSoup (``page.page_from_html``): exact
offsets, blocks, links, meta data, tens of milliseconds a page. The first
test of a sweep needs none of that, only the page's *tokens* in the order the
audit will see them, so that it computes exactly the k-grams the audit looks
up. This module gets them from the same parser (libxml2 through lxml, as
BeautifulSoup's "lxml" builder uses it) with the same rules for what is not
text, at a fraction of the cost, with every step done in C but one pass over
the block elements:

* scripts, styles, ``<head>``, ``<template>``, ``<svg>``, ``<select>``,
  ``<noscript>`` and the other elements ``page.py`` never renders are dropped;
* elements hidden by ``display:none`` or the ``hidden`` attribute (unless an
  explicit ``display`` overrides it) and closed ``<dialog>`` are dropped, and
  the text under ``visibility:hidden`` is blanked unless a descendant says
  ``visibility:visible``;
* block elements and ``<br>`` separate words, inline markup does not.

Only the token sequence matters (the first test is about tokens, not about
offsets or white space), and on that the two readings agree (on every one of
1,656 real pages of the benchmark, ``benchmarks/sweep_warc.py --verify``).
Where this reader cannot follow the audit (text with control characters,
which lxml will not write back) it says so by returning None, and the page
goes to the full audit: a doubt never rejects a page.
"""

from __future__ import annotations

import re

from lxml import etree

from reprint_check.page.html import (
    BLOCK_TAGS,
    INVISIBLE_CONTAINERS,
    SKIP_TAGS,
    _lift_noscripts,
    _style_visibility,
)

_DROPPED_SET = SKIP_TAGS | set(INVISIBLE_CONTAINERS) | {"noscript"}
_DROPPED = tuple(sorted(_DROPPED_SET))
_SEPARATING = tuple(sorted(BLOCK_TAGS | {"br"}))
# Elements that may hide their content; each is then judged by page.py's own rules.
_MAY_HIDE = etree.XPath("descendant-or-self::*[@hidden or @style or self::dialog]")
_NOSCRIPT = re.compile("<noscript", re.I)
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def visible_words(html: str) -> str | None:
    """The page's visible text, words separated as the audit separates them; None if unsure.

    The result is not ``Page.text``: white space differs, block breaks are
    single spaces. Its tokens are ``Page.text``'s tokens.
    """
    if _SURROGATES.search(html):
        html = _SURROGATES.sub("\ufffd", html)
    if _NOSCRIPT.search(html):
        html, _ = _lift_noscripts(html)
    parser = etree.HTMLParser(recover=True, huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        parser.feed(html)
        root = parser.close()
    except (etree.LxmlError, ValueError):
        return None  # the audit decides what an unparseable page is
    if root is None:
        return ""
    # libxml2 may leave content beside the root (a second <html> after the
    # first one closes, elements after </html>); BeautifulSoup reads them all
    tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    pieces = []
    for top in tops:
        words = _top_words(top)
        if words is None:
            return None
        pieces.append(words)
    return " ".join(pieces)


def _top_words(top: etree._Element) -> str | None:
    """The visible words of one top-level element and the text after it; None if unsure."""
    if not isinstance(top.tag, str):  # a comment or processing instruction at the top
        return " " + (top.tail or "")
    if top.tag in _DROPPED_SET:
        return " " + (top.tail or "")
    etree.strip_elements(top, *_DROPPED, with_tail=False)
    for element in _MAY_HIDE(top):
        style = element.get("style")
        if style:
            lowered = style.lower()
            if "none" not in lowered and "visib" not in lowered and element.get("hidden") is None:
                continue  # neither display:none nor visibility: this style hides nothing
            display, visibility = _style_visibility(style)
        else:
            display = visibility = None
        if visibility in ("hidden", "collapse"):
            _hide_text(element, hidden=True)
        hidden = (
            display == "none"
            or (element.get("hidden") is not None and display is None)
            or (element.tag == "dialog" and element.get("open") is None)
        )
        if hidden and element is top:
            return " " + (top.tail or "")
        if hidden:
            _drop(element)
    try:
        for element in top.iter(_SEPARATING):
            element.text = " " + (element.text or "")
            element.tail = " " + (element.tail or "")
    except ValueError:  # control characters in the text, which lxml will not write back
        return None
    return etree.tostring(top, method="text", encoding="unicode", with_tail=True)


def _hide_text(element: etree._Element, *, hidden: bool) -> None:
    """Blank the text ``visibility:hidden`` hides under ``element``, as page.py reads it.

    Unlike ``display:none``, the boxes stay (block edges still separate
    words) and a descendant with ``visibility:visible`` shows again. A
    child's tail is its parent's text, so it follows the parent's state.
    """
    stack = [(element, hidden)]
    while stack:
        node, scope = stack.pop()
        style = node.get("style")
        if style and "visib" in style.lower():
            visibility = _style_visibility(style)[1]
            if visibility in ("hidden", "collapse"):
                scope = True
            elif visibility == "visible":
                scope = False
        if scope:
            node.text = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if scope:
                child.tail = None
            stack.append((child, scope))


def _drop(element: etree._Element) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:  # already removed with a hidden ancestor
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
