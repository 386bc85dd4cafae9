"""Text a page publishes out of sight: which hidden containers count, and schema.org bodies.

A page can show two paragraphs and keep the rest of a story one click away
(a ``display:none`` "Read more" block, a tab panel with the ``hidden``
attribute, a collapsed accordion) or only in its structured data (the
``articleBody`` of its JSON-LD or microdata). Search engines index all of
it, so an excerpt limit about what a page publishes counts it; the page walk
(``html.py``) gathers it with the rules of this module:

* a container hidden by its inline style (``display:none``,
  ``visibility:hidden``) or its ``hidden`` attribute reveals its text, named
  by what it is: a tab panel, a "read more" block, a collapsed section, else
  by how it is hidden;
* site furniture stays out, hidden or not: navigation and menus (mobile and
  mega-menus are hidden until opened), forms, dialogs and pop-ups, cookie and
  consent banners, search, share and log-in boxes. None of them holds a
  story, and their text would only cost alignment time; templates, scripts,
  ``<select>``, SVG and the other containers a browser never renders as text
  stay out as well, as does ``<noscript>`` (a fallback, not the story);
* ``articleBody`` of a JSON-LD object whose ``@type`` is an article type
  (``Article``, ``NewsArticle``, ``BlogPosting``…), at the top level, in a
  list, under ``@graph`` or nested in another object; and of a microdata
  ``<meta itemprop="articleBody" content="…">``.

What is gathered here is only a candidate: a revealed text that copies
nothing from the archive changes no report, and a copy that repeats what a
reader already sees counts once (``checks.excerpt.count_once``).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping

from reprint_check.models import Block, Revealed

__all__ = [
    "ARTICLE_TYPES",
    "SectionBuilder",
    "article_bodies",
    "is_furniture",
    "plain_body",
    "where_hidden",
]

# --- which hidden containers count ------------------------------------------------

# Elements that are site furniture whatever their content.
_FURNITURE_TAGS = frozenset({"nav", "menu", "form", "dialog", "button", "label", "option"})
# ARIA roles of furniture (a role says what an element is more surely than its class).
_FURNITURE_ROLES = frozenset({
    "navigation", "menu", "menubar", "menuitem", "dialog", "alertdialog", "search", "tooltip",
    "toolbar", "listbox", "banner", "contentinfo",
})  # fmt: skip
# Words of class names and ids that name furniture, compared whole ("mobile-menu",
# "navBar", "cookie_notice"), never as substrings ("commentary" is not "comment").
_FURNITURE_WORDS = frozenset({
    "menu", "menus", "submenu", "megamenu", "nav", "navbar", "navigation", "dropdown",
    "offcanvas", "drawer", "hamburger", "cookie", "cookies", "consent", "gdpr", "cmp",
    "modal", "popup", "popover", "lightbox", "newsletter", "signup", "login", "signin",
    "search", "share", "sharing", "social", "tooltip", "toast",
})  # fmt: skip
# A cheap first look at a class or id before splitting it into words.
_FURNITURE_HINT = re.compile(
    r"menu|nav|dropdown|offcanvas|drawer|hamburger|cookie|consent|gdpr|cmp|modal|pop|lightbox"
    r"|newsletter|sign|login|search|shar|social|tooltip|toast",
    re.I,
)
# Words split at anything not a letter or digit, and where camelCase turns upper.
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

# What a hidden container is, read from its role, class and id, most specific first.
_TAB_PANEL = re.compile(r"(?:^|[^a-z])tab[-_]?(?:pane|panel|content|body)", re.I)
_READ_MORE = re.compile(
    r"(?:read|show|see|view|load)[-_]?more|more[-_]?(?:text|content|body)|rest[-_]?of"
    r"|truncat|expand|full[-_]?(?:text|story|article|content|body)",
    re.I,
)
_COLLAPSED = re.compile(r"collaps|accordion", re.I)
# How the container is hidden, when it says nothing of what it is.
_BY_MEANS = {
    "display:none": "display-none",
    "hidden attribute": "hidden-attribute",
    "visibility:hidden": "visibility-hidden",
    "visibility:collapse": "visibility-hidden",
}


def _names(attrs: Mapping[str, str]) -> str:
    return f"{attrs.get('class', '')} {attrs.get('id', '')}"


def is_furniture(name: str, attrs: Mapping[str, str]) -> bool:
    """Whether an element is site furniture (a menu, a banner, a form…), never a story."""
    if name in _FURNITURE_TAGS:
        return True
    if not attrs:
        return False
    role = attrs.get("role")
    if role and role.strip().lower() in _FURNITURE_ROLES:
        return True
    names = _names(attrs)
    if _FURNITURE_HINT.search(names) is None:
        return False
    return any(word.lower() in _FURNITURE_WORDS for word in _WORD_SPLIT.split(names) if word)


def where_hidden(attrs: Mapping[str, str], means: str) -> str:
    """What a hidden container is ("tab-panel", "read-more", "collapsed"), else how it is hidden.

    ``means`` is the walk's reason ("display:none", "hidden attribute",
    "visibility:hidden").
    """
    role = (attrs.get("role") or "").strip().lower()
    names = _names(attrs)
    if role == "tabpanel" or _TAB_PANEL.search(names):
        return "tab-panel"
    if _READ_MORE.search(names):
        return "read-more"
    if _COLLAPSED.search(names):
        return "collapsed"
    return _BY_MEANS.get(means, "display-none")


# --- gathering a hidden container's text -------------------------------------------

_HTML_WS = re.compile(r"[ \t\n\r\f]+")


class SectionBuilder:
    """The text of one revealed container, gathered block by block as the walk meets it.

    White space collapses as in the visible text, but a line break (``<br>``,
    ``<pre>``) is a space here: revealed text is measured and searched, not
    laid out. Each block becomes a paragraph, separated by a blank line.
    """

    def __init__(self, where: str) -> None:
        self.where = where
        self.paragraphs: list[tuple[str, str]] = []  # (kind, text)
        self.pieces: list[str] = []

    def text(self, raw: str) -> None:
        self.pieces.append(raw)

    def block_edge(self, kind: str) -> None:
        """Close the paragraph being gathered; its text belongs to the block ``kind``."""
        if not self.pieces:
            return
        text = _HTML_WS.sub(" ", "".join(self.pieces)).strip(" ")
        self.pieces = []
        if text:
            self.paragraphs.append((kind, text))

    def build(self, kind: str) -> Revealed | None:
        """The finished container, or None when it held no text."""
        self.block_edge(kind)
        return _revealed(self.where, self.paragraphs)


def _revealed(where: str, paragraphs: list[tuple[str, str]]) -> Revealed | None:
    if not paragraphs:
        return None
    blocks = []
    at = 0
    for kind, text in paragraphs:
        if blocks:
            at += 2
        blocks.append(Block(len(blocks), kind, at, at + len(text)))
        at += len(text)
    return Revealed(where, "\n\n".join(text for _, text in paragraphs), tuple(blocks))


# --- structured data ---------------------------------------------------------------

# schema.org types whose articleBody is a story (Article and the subtypes news sites use).
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle",
    "blogposting", "liveblogposting", "socialmediaposting", "techarticle", "scholarlyarticle",
    "report", "satiricalarticle", "advertisercontentarticle",
})  # fmt: skip
# JSON objects looked at in one script, at most: a hostile page cannot make the walk long.
MAX_JSON_NODES = 100_000


def _is_article(node: Mapping[str, object]) -> bool:
    kinds = node.get("@type")
    values = kinds if isinstance(kinds, list) else [kinds]
    for kind in values:
        if isinstance(kind, str):
            name = kind.rsplit("/", 1)[-1].rsplit(":", 1)[-1].strip().lower()
            if name in ARTICLE_TYPES:
                return True
    return False


def article_bodies(script: str) -> list[str]:
    """The ``articleBody`` strings of the article objects in one JSON-LD script, in order.

    A script that is not JSON (a template placeholder, a trailing comma) has
    none: browsers and search engines skip it too.
    """
    try:
        data = json.loads(script)
    except (ValueError, RecursionError):
        return []
    bodies: list[str] = []
    stack: list[object] = [data]
    seen = 0
    while stack and seen < MAX_JSON_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            body = node.get("articleBody")
            if isinstance(body, str) and body.strip() and _is_article(node):
                bodies.append(body)
            stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))
    return bodies


_LINE_BREAKS = re.compile(r"\s*[\r\n]\s*")


def plain_body(body: str, where: str) -> Revealed | None:
    """A plain-text ``articleBody``: entities decoded, each line a paragraph."""
    text = html_lib.unescape(body)
    paragraphs = [
        ("p", line) for part in _LINE_BREAKS.split(text) if (line := " ".join(part.split()))
    ]
    return _revealed(where, paragraphs)
