"""The words of an HTML page as a reader sees them, cheaply: what the first test tokenises.

The audit reads a page through BeautifulSoup (``page.page_from_html``): exact
offsets, blocks, links, meta data, tens of milliseconds a page. The first
test of a sweep needs none of that, only the page's *tokens* in the order the
audit will see them, so that it computes exactly the k-grams the audit looks
up. This module gets them from the same parser (libxml2 through lxml, as
BeautifulSoup's "lxml" builder uses it) with the same rules for what is not
text, at a fraction of the cost, with every step done in C (libxml2 parses,
one XSLT transformation through libxslt writes the words) but a look at the
few elements whose attributes may hide them:

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
Where this reader cannot be sure to follow the audit (text with control
characters, which an XML tree should not hold) it says so by returning None,
and the page goes to the full audit: a doubt never rejects a page.
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
# Elements that may hide their content; each is then judged by page.py's own rules. A
# style that says neither "none" nor "visib" (in any case) hides nothing: most styled
# elements are let through in C, without a call into Python.
_MAY_HIDE = etree.XPath(
    "descendant-or-self::*[@hidden or self::dialog or (@style and ("
    "contains(translate(@style, 'NOE', 'noe'), 'none')"
    " or contains(translate(@style, 'VISB', 'visb'), 'visib')))]"
)
_NOSCRIPT = re.compile("<noscript", re.I)
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Characters an XML tree cannot hold: where libxml2 kept one in a text, the reading
# below could differ from BeautifulSoup's, so the page goes to the full audit.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# An element page.py hides (display:none, hidden, a closed dialog) is marked with
# this attribute, which no HTML parser can produce (HTML has no namespaces).
_NS = "urn:reprint-check:visible"
_HIDDEN = f"{{{_NS}}}hidden"

assert not set(_DROPPED) & set(_SEPARATING), "an element is either dropped or a block"

# The words of the tree in one pass in C: dropped and hidden elements give nothing
# (their tails, text after them, still count), block elements and <br> a space on
# either side, every other element its text; each top-level element is preceded by
# a space.
_WORDS = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:rc="{_NS}">
  <xsl:output method="text" encoding="utf-8"/>
  <xsl:template match="/">
    <xsl:for-each select="node()">
      <xsl:if test="self::*"><xsl:text> </xsl:text></xsl:if>
      <xsl:apply-templates select="."/>
    </xsl:for-each>
  </xsl:template>
  <xsl:template match="{"|".join(_DROPPED)}|comment()|processing-instruction()"/>
  <xsl:template match="*[@rc:hidden]" priority="2"/>
  <xsl:template match="{"|".join(_SEPARATING)}">
    <xsl:text> </xsl:text><xsl:apply-templates/><xsl:text> </xsl:text>
  </xsl:template>
</xsl:stylesheet>"""
    )
)


def visible_words(html: str) -> str | None:
    """The page's visible text, words separated as the audit separates them; None if unsure.

    The result is not ``Page.text``: white space differs, block breaks are
    single spaces. Its tokens are ``Page.text``'s tokens.
    """
    if _NOSCRIPT.search(html):
        html, _ = _lift_noscripts(html)
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, which the audit reads as U+FFFD
        data = _SURROGATES.sub("\ufffd", html).encode("utf-8")
    parser = etree.HTMLParser(
        recover=True, huge_tree=True, remove_comments=True, remove_pis=True, encoding="utf-8"
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None  # the audit decides what an unparseable page is
    if parser.error_log.filter_from_fatals():
        # libxml2 stopped part way (elements nested deeper than it allows): the tree
        # lacks words the audit, reading the markup as a stream of events, still sees
        return None
    if root is None:
        return ""
    # libxml2 may leave content beside the root (a second <html> after the
    # first one closes, elements after </html>); BeautifulSoup reads them all,
    # and so does the transformation, which starts at the document
    tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    for top in tops:
        if isinstance(top.tag, str) and top.tag not in _DROPPED_SET:
            _mark_hidden(top)
    words = str(_WORDS(root.getroottree()))
    if _NOT_XML.search(words):
        return None
    return words


def _mark_hidden(top: etree._Element) -> None:
    """Mark what page.py hides under one top-level element, blank what it leaves unseen."""
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
        if (
            display == "none"
            or (element.get("hidden") is not None and display is None)
            or (element.tag == "dialog" and element.get("open") is None)
        ):
            element.set(_HIDDEN, "")


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
