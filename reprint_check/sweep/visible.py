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

The same pass marks the containers the audit reveals (``page/revealed.py``:
a ``display:none``, ``hidden`` or ``visibility:hidden`` container that is no
site furniture), and when there is one a second transformation writes their
words, in page order, one container after another, as the audit joins them
before it looks up their k-grams; the ``articleBody`` of JSON-LD scripts and
microdata follows, read by the audit's own functions, looked for only when
the page's markup says "articleBody". Where this reading cannot follow the
audit exactly it keeps more words, never fewer (JSON-LD in a ``<template>``).

Only the token sequence matters (the first test is about tokens, not about
offsets or white space), and on that the two readings agree (on every one of
1,656 real pages of the benchmark, ``benchmarks/sweep_warc.py --verify``).
Where this reader cannot be sure to follow the audit (text with control
characters, which an XML tree should not hold) it says so by returning None,
and the page goes to the full audit: a doubt never rejects a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from reprint_check.page.html import (
    BLOCK_TAGS,
    INVISIBLE_CONTAINERS,
    SKIP_TAGS,
    _lift_noscripts,
    _style_visibility,
    is_json_ld,
    structured_body,
)
from reprint_check.page.revealed import article_bodies, is_furniture

_DROPPED_SET = SKIP_TAGS | set(INVISIBLE_CONTAINERS) | {"noscript"}
_DROPPED = tuple(sorted(_DROPPED_SET))
_SEPARATING = tuple(sorted(BLOCK_TAGS | {"br"}))
# Elements that are site furniture by their name alone (``revealed.is_furniture``): nothing
# inside them is revealed. Furniture named by a class or role is looked at in Python, on
# the hidden containers and the elements around them only.
_FURNITURE_TAGS = ("button", "dialog", "form", "label", "menu", "nav", "option")
# Elements that may hide their content, anywhere in the document; each is then judged by
# page.py's own rules. A style that says neither "none" nor "visib" (in any case) hides
# nothing: most styled elements are let through in C, without a call into Python. The
# path goes from the attributes to their elements: libxml2 walks the attribute axis at
# about half the cost of testing every element for them (0.28 against 0.58 ms a page).
_MAY_HIDE = etree.XPath(
    "//@style[contains(translate(., 'NOE', 'noe'), 'none')"
    " or contains(translate(., 'VISB', 'visb'), 'visib')]/.. | //@hidden/.. | //dialog"
)
# Elements inside a revealed container that may be furniture by their class, id or role.
_NAMED = etree.XPath("descendant::*[@class or @id or @role]")
_NOSCRIPT = re.compile("<noscript", re.I)
_STRUCTURED = etree.XPath("//script[contains(., 'articleBody')] | //meta[@itemprop][@content]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Characters an XML tree cannot hold: where libxml2 kept one in a text, the reading
# below could differ from BeautifulSoup's, so the page goes to the full audit.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Marks set on the tree, in a namespace no HTML parser can produce (HTML has none):
# rc:m="h" on an element page.py hides (display:none, hidden, a closed dialog), else
# rc:m="u" on one unseen (visibility:hidden) and rc:m="v" on one whose style says
# visibility:visible (one attribute: each element of the page is tested once), rc:top on a
# container the audit reveals, rc:skip on a hidden one it does not (furniture).
_NS = "urn:reprint-check:visible"
_MARK = f"{{{_NS}}}m"
_TOP = f"{{{_NS}}}top"
_SKIP = f"{{{_NS}}}skip"

assert not set(_DROPPED) & set(_SEPARATING), "an element is either dropped or a block"


def _stylesheet(templates: str) -> etree.XSLT:
    return etree.XSLT(
        etree.XML(
            f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:rc="{_NS}">
  <xsl:output method="text" encoding="utf-8"/>
{templates}
</xsl:stylesheet>"""
        )
    )


_NOTHING = "|".join(_DROPPED)
_BLOCKS = "|".join(_SEPARATING)
_SHELVED = "|".join((*_DROPPED, *_FURNITURE_TAGS, "*[@rc:skip]"))

# The visible words of the tree in one pass in C: dropped and hidden elements give
# nothing (their tails, text after them, still count), block elements and <br> a space
# on either side, every other element its text; each top-level element is preceded by a
# space. Under visibility:hidden (mode "unseen") the boxes stay, so block edges still
# separate words, and an element with visibility:visible shows again.
_WORDS = _stylesheet(
    f"""  <xsl:template match="/">
    <xsl:for-each select="node()">
      <xsl:if test="self::*"><xsl:text> </xsl:text></xsl:if>
      <xsl:apply-templates select="."/>
    </xsl:for-each>
  </xsl:template>
  <xsl:template match="{_NOTHING}|comment()|processing-instruction()"/>
  <xsl:template match="*[@rc:m]" priority="2">
    <xsl:choose>
      <xsl:when test="@rc:m='u'"><xsl:apply-templates select="." mode="unseen"/></xsl:when>
      <xsl:when test="@rc:m='v'"><xsl:apply-templates select="." mode="shown"/></xsl:when>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="*" mode="shown"><xsl:apply-templates/></xsl:template>
  <xsl:template match="{_NOTHING}" mode="shown" priority="2"/>
  <xsl:template match="{_BLOCKS}" mode="shown" priority="1">
    <xsl:text> </xsl:text><xsl:apply-templates/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="{_BLOCKS}">
    <xsl:text> </xsl:text><xsl:apply-templates/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="{_NOTHING}|text()" mode="unseen"/>
  <xsl:template match="*[@rc:m='h']" mode="unseen" priority="3"/>
  <xsl:template match="*[@rc:m='v']" mode="unseen" priority="2">
    <xsl:apply-templates select="." mode="shown"/>
  </xsl:template>
  <xsl:template match="{_BLOCKS}" mode="unseen">
    <xsl:text> </xsl:text><xsl:apply-templates mode="unseen"/><xsl:text> </xsl:text>
  </xsl:template>"""
)

# The words of the containers the audit reveals, in page order, each one apart: under
# display:none or hidden (mode "out") every word but those of dropped elements and
# furniture; under visibility:hidden (mode "unseen") the same but what shows again
# (visibility:visible), which is the visible text's, though containers hidden again
# inside it are revealed in turn (mode "seek").
_REVEALED = _stylesheet(
    f"""  <xsl:template match="/">
    <xsl:for-each select="//*[@rc:top][not(ancestor::*[@rc:top])]">
      <xsl:apply-templates select="." mode="top"/>
    </xsl:for-each>
  </xsl:template>
  <xsl:template match="*[@rc:m='h']" mode="top" priority="2">
    <xsl:text> </xsl:text><xsl:apply-templates mode="out"/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="*" mode="top">
    <xsl:text> </xsl:text><xsl:apply-templates mode="unseen"/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="{_SHELVED}|comment()|processing-instruction()" mode="out" priority="4"/>
  <xsl:template match="{_BLOCKS}" mode="out">
    <xsl:text> </xsl:text><xsl:apply-templates mode="out"/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="{_SHELVED}|comment()|processing-instruction()" mode="unseen" priority="4"/>
  <xsl:template match="*[@rc:m='h']" mode="unseen" priority="3">
    <xsl:apply-templates select="." mode="out"/>
  </xsl:template>
  <xsl:template match="*[@rc:m='v']" mode="unseen" priority="2">
    <xsl:text> </xsl:text><xsl:apply-templates mode="seek"/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="{_BLOCKS}" mode="unseen">
    <xsl:text> </xsl:text><xsl:apply-templates mode="unseen"/><xsl:text> </xsl:text>
  </xsl:template>
  <xsl:template match="{_SHELVED}|text()|comment()|processing-instruction()" mode="seek"
      priority="4"/>
  <xsl:template match="*[@rc:top]" mode="seek" priority="3">
    <xsl:apply-templates select="." mode="top"/>
  </xsl:template>"""
)


@dataclass(frozen=True)
class Words:
    """What the first test reads of a page: the words a reader sees, and those they can reveal.

    ``revealed`` holds the audit's revealed texts (``Page.revealed``) one after
    another, words apart, as the audit looks up their k-grams; empty when the
    page keeps nothing out of sight.
    """

    visible: str
    revealed: str = ""


def visible_words(html: str) -> str | None:
    """The page's visible text, words separated as the audit separates them; None if unsure.

    The result is not ``Page.text``: white space differs, block breaks are
    single spaces. Its tokens are ``Page.text``'s tokens.
    """
    words = page_words(html)
    return None if words is None else words.visible


def page_words(html: str) -> Words | None:
    """The page's visible words and the words it keeps out of sight; None if unsure."""
    if _NOSCRIPT.search(html):
        html, _ = _lift_noscripts(html)
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, which the audit reads as U+FFFD
        data = _SURROGATES.sub("\ufffd", html).encode("utf-8")
    parser = etree.HTMLParser(
        recover=True,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,  # nothing here looks elements up by id
        encoding="utf-8",
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
        return Words("")
    # libxml2 may leave content beside the root (a second <html> after the
    # first one closes, elements after </html>); BeautifulSoup reads them all,
    # and so do the marking and the transformation, which start at the document
    revealing = _mark_hidden(root)
    tree = root.getroottree()
    visible = str(_WORDS(tree))
    revealed = str(_REVEALED(tree)) if revealing else ""
    if b"articlebody" in data.lower():  # microdata's itemprop is read case-blind
        revealed = " ".join([revealed, *_structured_bodies(root)])
    if _NOT_XML.search(visible) or _NOT_XML.search(revealed):
        return None
    return Words(visible, revealed)


def _mark_hidden(root: etree._Element) -> bool:
    """Mark what page.py hides in the document; whether any of it is revealed.

    Marks on elements inside dropped ones (a ``<template>``, the ``<head>``)
    change nothing: the transformations write nothing under a dropped element,
    and ``_shelved`` keeps a dropped element's containers from being revealed.
    """
    revealing = False
    furniture: dict[etree._Element, bool] = {}
    for element in _MAY_HIDE(root):
        # every style here may hide (``_MAY_HIDE``) but a <dialog>'s, which is hidden while
        # closed whatever its style says
        style = element.get("style")
        display, visibility = _style_visibility(style) if style else (None, None)
        unseen = visibility in ("hidden", "collapse")
        hidden = display == "none" or (element.get("hidden") is not None and display is None)
        if hidden or (element.tag == "dialog" and element.get("open") is None):
            element.set(_MARK, "h")
        elif unseen:
            element.set(_MARK, "u")
        elif visibility == "visible":
            element.set(_MARK, "v")
        if hidden or unseen:
            tag = element.tag
            if (
                _shelved(element.getparent(), furniture)
                or is_furniture(tag, element.attrib)
                or tag in _DROPPED_SET  # <svg>, <video>, <template>…: never text
            ):
                element.set(_SKIP, "")
            else:
                element.set(_TOP, "")
                revealing = True
                for inner in _NAMED(element):  # furniture inside stays out, as in the audit
                    if is_furniture(inner.tag, inner.attrib):
                        inner.set(_SKIP, "")
    return revealing


def _shelved(element: etree._Element | None, known: dict[etree._Element, bool]) -> bool:
    """Whether the audit reveals nothing under an element: it or an element around it is
    furniture (``revealed.is_furniture``) or never shown as text (a template, the head…).

    ``known`` keeps the answer for every element looked at, so containers that share
    their surroundings cost one look at each element around them.
    """
    chain = []
    node: etree._Element | None = element
    while node is not None and node not in known:
        chain.append(node)
        node = node.getparent()
    shelved = known[node] if node is not None else False
    for node in reversed(chain):
        tag = node.tag
        shelved = shelved or (
            isinstance(tag, str) and (tag in _DROPPED_SET or is_furniture(tag, node.attrib))
        )
        known[node] = shelved
    return shelved


def _structured_bodies(root: etree._Element) -> list[str]:
    """The ``articleBody`` texts of the page's JSON-LD and microdata, as the audit reads them,
    each once, in page order."""
    texts: list[str] = []
    for element in _STRUCTURED(root):
        if element.tag == "script":
            if not is_json_ld(element.get("type")):
                continue
            bodies = [(body, "json-ld") for body in article_bodies(element.text or "")]
        elif "articlebody" in element.get("itemprop", "").lower().split():
            bodies = [(element.get("content", ""), "microdata")]
        else:
            continue
        for body, where in bodies:
            revealed = structured_body(body, where)
            if revealed is not None and revealed.text not in texts:
                texts.append(revealed.text)
    return texts
