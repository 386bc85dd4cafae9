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
  explicit ``display`` overrides it) and closed ``<dialog>`` are dropped;
* block elements and ``<br>`` separate words, inline markup does not.

Only the token sequence matters (the first test is about tokens, not about
offsets or white space), and on that the two readings agree. Where this reader
cannot follow the audit's rules cheaply (``visibility:hidden``, which a
descendant can undo) it says so by returning None, and the page goes to the
full audit: a doubt never rejects a page.
"""

from __future__ import annotations

import re

from lxml import etree

from reprint_check.page import (
    BLOCK_TAGS,
    INVISIBLE_CONTAINERS,
    SKIP_TAGS,
    _lift_noscripts,
    _style_visibility,
)

_DROPPED = tuple(sorted(SKIP_TAGS | set(INVISIBLE_CONTAINERS) | {"noscript"}))
_SEPARATING = tuple(sorted(BLOCK_TAGS | {"br"}))
# Elements that may hide their content; each is then judged by page.py's own rules.
_MAY_HIDE = etree.XPath("//*[@hidden or @style or self::dialog]")
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
    etree.strip_elements(root, *_DROPPED, with_tail=False)
    for element in _MAY_HIDE(root):
        style = element.get("style")
        if style:
            lowered = style.lower()
            if "none" not in lowered and "visib" not in lowered and element.get("hidden") is None:
                continue  # neither display:none nor visibility: this style hides nothing
            display, visibility = _style_visibility(style)
        else:
            display = visibility = None
        if visibility in ("hidden", "collapse"):
            return None  # a descendant can undo it: only the full walk knows
        hidden = (
            display == "none"
            or (element.get("hidden") is not None and display is None)
            or (element.tag == "dialog" and element.get("open") is None)
        )
        if hidden and not _drop(element):
            return ""
    try:
        for element in root.iter(_SEPARATING):
            element.text = " " + (element.text or "")
            element.tail = " " + (element.tail or "")
    except ValueError:  # control characters in the text, which lxml will not write back
        return None
    return etree.tostring(root, method="text", encoding="unicode")


def _drop(element: etree._Element) -> bool:
    """Remove an element and its content, keeping the text that follows it; False at the root."""
    parent = element.getparent()
    if parent is None:
        return False
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
    return True
