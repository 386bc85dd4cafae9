"""Turn a target (the suspect third-party page) into a :class:`~reprint_check.models.Page`.

The audit measures excerpts in characters and judges links by where they stand,
so the text must be what a reader sees in a browser, with exact offsets:

* block elements (paragraphs, list items, quotes, headings, cells, ``pre``…)
  become blocks separated by a blank line; text belongs to its innermost block,
  and loose text beside child blocks forms anonymous blocks of the outer kind;
* inline markup never splits or pads a word, HTML white space collapses the
  way a browser collapses it, ``&nbsp;`` stays U+00A0, ``<br>`` is ``"\\n"``;
* what a reader cannot see (scripts, styles, templates, ``<noscript>``,
  ``hidden`` / ``display:none`` / ``visibility:hidden``) is not text, but the
  links inside it are still reported, flagged, because a hidden or
  ``<noscript>``-only link is exactly what ``LINK_NOT_ACTIVE`` is about;
* links written inside HTML comments are recovered for the same reason;
* links inside ``<noindex>`` or between ``<!--noindex-->`` and ``<!--/noindex-->``
  (Yandex's markup, common on Russian- and Ukrainian-language sites) are flagged,
  because a policy that wants a link open for indexing does not accept them.

The page is read in one pass over the events of lxml's HTML parser (the
markup parsed once, no tree built): hostile pages nest elements 100,000 deep,
and neither Python's stack nor a tree's memory may be the limit.

Long because decoding, visibility and offsets are one pass over the markup:
every block, link and hidden run is placed in Page.text as it is met.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

import charset_normalizer
from lxml import etree

from reprint_check.errors import FetchError
from reprint_check.models import Block, Link, Page, Revealed
from reprint_check.page.revealed import (
    SectionBuilder,
    article_bodies,
    is_furniture,
    plain_body,
    where_hidden,
)
from reprint_check.urls import resolve_url
from reprint_check.web.fetch import bomless_unicode

__all__ = ["decode_html", "looks_binary", "page_from_html", "page_from_text", "too_much_text"]

# --- element classes ---------------------------------------------------------------

# Elements that start and end a block box in a browser's default style sheet.
# fmt: off
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
    "li", "listing", "main", "menu", "nav", "ol", "p", "plaintext", "pre", "search", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "xmp",
})

# Never text and never containing links worth a look: skipped without descending.
SKIP_TAGS = frozenset({
    "script", "style", "title", "iframe", "textarea", "noembed", "noframes", "param", "source",
    "track", "input",
})
# fmt: on

# Not rendered as text, but walked for links (flagged with the reason as `hidden`).
INVISIBLE_CONTAINERS = {
    "head": "inside <head>",
    "template": "inside <template>",
    "svg": "inside <svg>",
    "select": "inside <select>",
    "datalist": "inside <datalist>",
    "object": "inside <object>",
    "embed": "inside <embed>",
    "video": "inside <video>",
    "audio": "inside <audio>",
    "canvas": "inside <canvas>",
    "rp": "inside <rp>",
}

# Text whose white space the browser keeps as written.
PRE_TAGS = frozenset({"pre", "listing", "xmp", "plaintext"})

# How the parser's strings are read (see _Document): a string of nothing but HTML white
# space stands for one space, or a newline when it holds one, except inside these.
_KEEP_SPACE_TAGS = frozenset({"pre", "textarea"})
_ASCII_SPACES = " \n\t\f\r"
# A <title>'s text is its own strings, not those of these elements around it.
_NOT_TITLE_TEXT = frozenset({"rt", "rp", "style", "script", "template"})
# An SVG or MathML <title> names a drawing or a formula, not the document.
_FOREIGN = frozenset({"svg", "math"})
_COUNTED_TAGS = _KEEP_SPACE_TAGS | _NOT_TITLE_TEXT | _FOREIGN
# Elements whose attributes (or, for the title, text) are the page's meta data.
_META_TAGS = frozenset({"title", "base", "link", "meta"})

# Meta names whose content is read as robots directives (the generic one and crawler-specific).
# fmt: off
ROBOTS_META_NAMES = frozenset({
    "robots", "googlebot", "googlebot-news", "bingbot", "msnbot", "slurp", "yandex", "yandexbot",
    "baiduspider", "duckduckbot", "applebot",
})
# fmt: on

# HTML's white space in flowing text (not U+00A0, which a browser keeps).
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
_NON_SPACE = re.compile(r"\S+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)

# --- limits ------------------------------------------------------------------------------

# Characters of text of one page (or article) that reprint-check takes on. Alignment keeps
# an offset map and tokens per character: about 100 bytes each in English, 400 in Chinese
# or Japanese (one shingle per character), so the 40 MB of text of a 50 MB page would need
# 4 GB or more. This is under 1 GB and a few seconds, yet five hundred long news stories.
MAX_TEXT_CHARS = 2_000_000
# Control characters (other than white space) in the first characters of a document
# that mark it as binary data (an image, an archive, a PDF), not a page: more than
# this share of them, and more than a handful.
BINARY_SCAN_CHARS = 4096
BINARY_SHARE = 0.05
BINARY_MIN_CONTROLS = 8
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

# --- encoding ----------------------------------------------------------------------------

# How far into the bytes a <meta charset> is looked for. The HTML spec's prescan reads
# 1024 bytes but browsers also honour a later declaration found by the parser; real pages
# put long comments and scripts first, so look further.
META_SCAN_BYTES = 65536

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# How much more "chaos" (charset-normalizer's measure of garbled text) windows-1252 may show
# than the detector's first choice and still be preferred.
WIN1252_CHAOS_MARGIN = 0.1
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""",
    re.I,
)
# WHATWG Encoding Standard labels that Python names differently or maps to a superset.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "x-user-defined": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "iso-8859-8-i": "iso-8859-8",
}


def _codec(label: str | None) -> str | None:
    """Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name.startswith("utf-16"):
        # A document that could be read far enough to find this label is not UTF-16;
        # the HTML spec says to take UTF-8 then.
        name = "utf-8"
    name = _LABEL_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, *, encoding: str | None = None) -> str:
    """Decode a page's bytes the way a browser would, never failing.

    Order: byte-order mark, then the NUL pattern of UTF-16/32 without one, then
    ``encoding`` (an HTTP ``Content-Type`` charset),
    then ``<meta charset>`` / ``http-equiv``, then strict UTF-8, then
    charset-normalizer's guess, then windows-1252. Undecodable bytes become U+FFFD.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    unicode_codec = bomless_unicode(data)
    if unicode_codec is not None:  # NULs in every other byte: no declaration can be right
        return data.decode(unicode_codec, errors="replace")
    codec = _codec(encoding)
    if codec is None:
        match = _META_CHARSET.search(data, 0, META_SCAN_BYTES)
        if match:
            codec = _codec(match.group(1).decode("ascii"))
    if codec is not None:
        return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    good = len(_NON_ASCII.findall(as_utf8)) - bad
    if good >= bad:
        # Mostly valid UTF-8 with a few stray bytes: a legacy single-byte page almost never
        # forms valid multi-byte sequences, so this is UTF-8 that got damaged.
        return as_utf8
    return data.decode(_guess_legacy_codec(data), errors="replace")


def _guess_legacy_codec(data: bytes) -> str:
    """charset-normalizer's guess, nudged to windows-1252 when that reads as well.

    On Western text the detector often prefers a Baltic or Central European code page
    that differs from windows-1252 in a few letters; windows-1252 is the web's legacy
    default, so it wins whenever it is nearly as plausible.
    """
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return "cp1252"
    best = matches[0]
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + WIN1252_CHAOS_MARGIN:
            return "cp1252"
    return _codec(best.encoding) or "cp1252"


# --- the walk ----------------------------------------------------------------------------


def _style_visibility(style: str) -> tuple[str | None, str | None]:
    """The last ``display`` and ``visibility`` values of an inline style, lower-cased."""
    if "/*" in style:
        style = _CSS_COMMENT.sub("", style)
    display = visibility = None
    for declaration in style.split(";"):
        prop, sep, value = declaration.partition(":")
        if not sep:
            continue
        prop = prop.strip().lower()
        if prop not in ("display", "visibility"):
            continue
        value = value.lower().replace("!important", "").strip()
        if prop == "display":
            display = value
        else:
            visibility = value
    return display, visibility


def _tokens(value: str) -> list[str]:
    """A space-separated attribute (``rel``) as its tokens; any Unicode white space separates."""
    return _NON_SPACE.findall(value)


@dataclass(eq=False)  # identity: the same href can appear many times
class _Anchor:
    """A link being collected; positions are resolved once every run is placed."""

    href: str
    rel: tuple[str, ...]
    hidden: str | None
    in_noscript: bool
    in_comment: bool
    in_noindex: bool
    visible: bool
    run: int  # run where the link stands: its first visible character, else its start tag
    offset: int  # offset into that run's buffer
    pieces: list[str] = field(default_factory=list)


# Where a run of text landed in Page.text: the Page.text offset of its first kept character,
# how much leading white space was dropped from its buffer, how many characters were kept,
# and its Block.index (None when the run held only white space). A plain tuple, because
# every block edge makes one and deep pages have hundreds of thousands.
_RunPlace = tuple[int, int, int, int | None]


class _Frame(NamedTuple):
    """What entering an element changed, restored when leaving it (a tuple: one per element)."""

    display_hidden: str | None
    visibility_hidden: str | None
    in_noscript: bool
    pre: bool
    in_noindex: bool
    revealing: str | None
    is_block: bool
    pushed_block: bool
    anchor: _Anchor | None


class _Extractor:
    """One pass over the page's elements, producing the page text, blocks, links and meta data."""

    def __init__(self, noscripts: list[str] | None = None) -> None:
        self.noscripts = noscripts or []  # content lifted out of each <noscript>
        # output
        self.pieces: list[str] = []
        self.total = 0
        self.blocks: list[Block] = []
        self.places: list[_RunPlace] = []
        self.anchors: list[_Anchor] = []
        # the run of text being gathered for the current innermost block
        self.run: list[str] = []
        self.run_len = 0
        self.last_char = ""
        self.pending_space = False
        # element state
        self.block_stack: list[str] = ["body"]
        self.display_hidden: str | None = None
        self.visibility_hidden: str | None = None
        self.in_noscript = False
        self.in_comment = False
        self.in_fragment = False  # walking a noscript's lifted content
        self.pre = False
        self.in_noindex = False  # inside a <noindex> element
        # text out of sight that the page still publishes (see page/revealed.py)
        self.revealing: str | None = None  # inside a hidden container gathered: what it is
        # open elements, and whether each is furniture or inside furniture (a menu, a form,
        # a banner…: nothing hidden there counts), worked out only as far as it was asked
        self.elements: list[tuple[str, Mapping[str, str]]] = []
        self.furniture: list[bool] = []
        self.section: SectionBuilder | None = None  # the hidden container being gathered
        self.section_blocks: list[str] = []  # block elements open inside it
        self.hidden_texts: list[Revealed] = []
        self.structured: list[Revealed] = []  # articleBody of JSON-LD and microdata
        self.noindex_marked = False  # between <!--noindex--> and <!--/noindex-->
        self.open_anchors: list[_Anchor] = []
        self.awaiting: list[_Anchor] = []  # visible anchors whose first character is to come
        # meta data
        self.title: str | None = None
        self.og_title: str | None = None
        self.base_href: str | None = None
        self.canonical: str | None = None
        self.og_url: str | None = None
        self.robots: list[str] = []

    # -- runs and blocks

    @property
    def no_box(self) -> bool:
        """True where elements generate no boxes at all, so block edges do not count."""
        return self.display_hidden is not None or self.in_noscript or self.in_comment

    @property
    def invisible(self) -> bool:
        return self.no_box or self.visibility_hidden is not None

    def flush(self) -> None:
        """Close the current run: it becomes a block unless it holds only white space."""
        if not self.run:
            self.places.append((self.total, 0, 0, None))
            self.pending_space = False
            return
        text = "".join(self.run)
        kept = text.lstrip()
        skipped = len(text) - len(kept)
        kept = kept.rstrip()
        if kept:
            if self.blocks:
                self.pieces.append("\n\n")
                self.total += 2
            start = self.total
            self.pieces.append(kept)
            self.total += len(kept)
            index = len(self.blocks)
            self.blocks.append(Block(index, self.block_stack[-1], start, self.total))
            self.places.append((start, skipped, len(kept), index))
        else:
            self.places.append((self.total, 0, 0, None))
        self.run = []
        self.run_len = 0
        self.last_char = ""
        self.pending_space = False

    def _append(self, text: str) -> None:
        self.run.append(text)
        self.run_len += len(text)
        self.last_char = text[-1]

    def _place_awaiting(self, text: str) -> None:
        """Anchor the waiting links at the first visible character about to be appended."""
        stripped = text.lstrip()
        if not stripped:
            return
        offset = self.run_len + len(text) - len(stripped)
        run = len(self.places)
        for anchor in self.awaiting:
            anchor.run = run
            anchor.offset = offset
        self.awaiting.clear()

    def text(self, raw: str) -> None:
        for anchor in self.open_anchors:
            anchor.pieces.append(raw)
        if self.invisible:
            if self.revealing is not None:
                self.revealed_section().text(raw)
            return
        if self.pre:
            text = raw.replace("\r\n", "\n").replace("\r", "\n")
            if not text:
                return
            if self.section is not None and text.strip():
                self.close_section()
            if self.pending_space and self.run_len and self.last_char != "\n":
                text = " " + text
            self.pending_space = False
            if self.awaiting:
                self._place_awaiting(text)
            self._append(text)
            return
        collapsed = _HTML_WS.sub(" ", raw)
        if not collapsed:
            return
        core = collapsed.strip(" ")
        if not core:
            self.pending_space = True
            return
        if collapsed[0] == " ":
            self.pending_space = True
        if self.section is not None:
            self.close_section()  # visible text between two hidden containers parts them
        if self.pending_space and self.run_len and self.last_char != "\n":
            self._append(" ")
        if self.awaiting:
            self._place_awaiting(core)
        self._append(core)
        self.pending_space = collapsed[-1] == " "

    def anchor_gap(self) -> None:
        """Block edges and line breaks separate the words of an anchor's text."""
        for anchor in self.open_anchors:
            anchor.pieces.append(" ")

    def line_break(self) -> None:
        self.anchor_gap()
        if self.invisible:
            if self.revealing is not None and self.section is not None:
                self.section.text(" ")
            return
        self.pending_space = False
        self._append("\n")

    # -- elements

    def enter(self, name: str, attrs: Mapping[str, str]) -> _Frame | None:
        """Apply an element's start; None means: do not descend into it."""
        if name in SKIP_TAGS:
            return None
        if name == "br":
            self.line_break()
            return None

        saved = (
            self.display_hidden,
            self.visibility_hidden,
            self.in_noscript,
            self.pre,
            self.in_noindex,
            self.revealing,
        )
        was_invisible = self.invisible
        if self.display_hidden is None and attrs:
            display = visibility = None
            style = attrs.get("style")
            if style:
                display, visibility = _style_visibility(style)
            if display == "none":
                self.display_hidden = "display:none"
            elif "hidden" in attrs and display is None:  # an explicit display overrides it
                self.display_hidden = "hidden attribute"
            elif name in INVISIBLE_CONTAINERS:
                self.display_hidden = INVISIBLE_CONTAINERS[name]
            elif name == "dialog" and "open" not in attrs:
                self.display_hidden = "closed <dialog>"
            if visibility in ("hidden", "collapse"):
                self.visibility_hidden = f"visibility:{visibility}"
            elif visibility == "visible":  # unlike display:none, a descendant can undo it
                self.visibility_hidden = None
        elif self.display_hidden is None:
            if name in INVISIBLE_CONTAINERS:
                self.display_hidden = INVISIBLE_CONTAINERS[name]
            elif name == "dialog":
                self.display_hidden = "closed <dialog>"
        if name == "noscript":
            self.in_noscript = True
        elif name in PRE_TAGS:
            self.pre = True
        elif name == "noindex":
            self.in_noindex = True
        self.elements.append((name, attrs))
        self.reveal(name, attrs, was_invisible)

        is_block = name in BLOCK_TAGS
        if is_block:
            self.anchor_gap()
            if self.revealing is not None and self.section is not None:
                self.section.block_edge(self.section_kind)
            if self.revealing is not None:
                self.section_blocks.append(name)
        pushed = is_block and not self.no_box
        if pushed:
            self.flush()
            self.block_stack.append(name)
        anchor = self.open_anchor(attrs) if name == "a" and "href" in attrs else None
        return _Frame(*saved, is_block, pushed, anchor)

    def leave(self, frame: _Frame) -> None:
        anchor = frame.anchor
        if anchor is not None:
            if self.open_anchors[-1] is anchor:
                self.open_anchors.pop()
            else:  # cannot happen with balanced elements, but never leave a stale anchor open
                self.open_anchors.remove(anchor)
            if anchor in self.awaiting:
                self.awaiting.remove(anchor)
        if frame.is_block:
            self.anchor_gap()
            if self.revealing is not None and self.section is not None:
                self.section.block_edge(self.section_kind)
            if self.revealing is not None and self.section_blocks:
                self.section_blocks.pop()
        if frame.pushed_block:
            self.flush()
            self.block_stack.pop()
        self.display_hidden = frame.display_hidden
        self.visibility_hidden = frame.visibility_hidden
        self.in_noscript = frame.in_noscript
        self.pre = frame.pre
        self.in_noindex = frame.in_noindex
        if self.revealing is not None and frame.revealing is None and self.section is not None:
            self.section.block_edge(self.section_kind)  # the container ends a paragraph
        self.revealing = frame.revealing
        self.elements.pop()
        if len(self.furniture) > len(self.elements):
            self.furniture.pop()

    def reveal(self, name: str, attrs: Mapping[str, str], was_invisible: bool) -> None:
        """Start or stop gathering hidden text at an element (see page/revealed.py).

        A container that hides itself from a visible parent by its inline style
        or ``hidden`` attribute starts a revealed text; inside it, furniture
        and containers never rendered as text (templates, SVG, ``<select>``…)
        stop it; noscript content and comments are never gathered.
        """
        if self.revealing is not None:
            if name in INVISIBLE_CONTAINERS or name == "noscript" or is_furniture(name, attrs):
                self.revealing = None
            return
        if was_invisible or not self.invisible or name in INVISIBLE_CONTAINERS:
            return  # an <svg>, <video>… hidden by its own style is never text either
        if self.in_noscript or self.in_comment or self.in_fragment:
            return
        if self.display_hidden is not None:
            means = self.display_hidden
            if means not in ("display:none", "hidden attribute"):
                return  # <head>, <template>, a closed <dialog>…: never shown as text
        else:
            means = self.visibility_hidden or ""
        if self.in_furniture():
            return
        self.revealing = where_hidden(attrs, means)
        self.section_blocks = []

    def in_furniture(self) -> bool:
        """Whether the innermost open element is furniture or inside it.

        Asked only where a hidden container starts, and each open element is
        looked at once while it stays open, so deep pages stay linear.
        """
        flags, elements = self.furniture, self.elements
        for name, attrs in elements[len(flags) :]:
            flags.append((flags[-1] if flags else False) or is_furniture(name, attrs))
        return flags[-1] if flags else False

    def revealed_section(self) -> SectionBuilder:
        """The revealed text that hidden text met now belongs to, started when needed."""
        where = self.revealing or ""
        if self.section is not None and self.section.where != where:
            self.close_section()
        if self.section is None:
            self.section = SectionBuilder(where)
        return self.section

    @property
    def section_kind(self) -> str:
        """The block a revealed paragraph belongs to: the innermost one open, else a ``div``."""
        return self.section_blocks[-1] if self.section_blocks else "div"

    def close_section(self) -> None:
        """Finish the revealed text being gathered (visible text or another kind follows)."""
        if self.section is None:
            return
        revealed = self.section.build(self.section_kind)
        self.section = None
        if revealed is not None:
            self.hidden_texts.append(revealed)

    def structured_body(self, body: str, where: str) -> None:
        """An ``articleBody`` of the page's structured data: HTML or plain text."""
        if self.in_comment or self.in_fragment:
            return
        revealed = structured_body(body, where)
        if revealed is not None and all(r.text != revealed.text for r in self.structured):
            self.structured.append(revealed)

    def open_anchor(self, attrs: Mapping[str, str]) -> _Anchor:
        hidden = self.display_hidden or self.visibility_hidden
        visible = not self.invisible
        anchor = _Anchor(
            href=attrs["href"].strip(),
            rel=tuple(token.lower() for token in _tokens(attrs.get("rel", ""))),
            hidden=hidden,
            in_noscript=self.in_noscript,
            in_comment=self.in_comment,
            in_noindex=self.in_noindex or self.noindex_marked,
            visible=visible,
            run=len(self.places),
            # until its text shows, it stands after any space that its text would follow
            offset=self.run_len + (self.pending_space and self.last_char not in ("", "\n")),
        )
        if visible:
            self.awaiting.append(anchor)
        self.anchors.append(anchor)
        self.open_anchors.append(anchor)
        return anchor

    def meta(self, name: str, attrs: Mapping[str, str]) -> None:
        """Record base, canonical, og:url, og:title and robots wherever they appear.

        The <title> is read by the caller, which sees its text as it comes.
        """
        if name == "base":
            if self.base_href is None and "href" in attrs:
                self.base_href = attrs["href"].strip()
        elif name == "link":
            rel = " ".join(_tokens(attrs.get("rel", "")))
            if self.canonical is None and "canonical" in rel.lower().split():
                self.canonical = attrs.get("href", "").strip()
        elif name == "meta":
            content = attrs.get("content")
            if content is None:
                return
            prop = (attrs.get("property") or attrs.get("name") or "").strip().lower()
            if prop == "og:url" and self.og_url is None:
                self.og_url = content.strip()
            elif prop == "og:title" and self.og_title is None:
                self.og_title = " ".join(content.split())
            if "articlebody" in attrs.get("itemprop", "").lower().split():
                self.structured_body(content, "microdata")
            meta_name = attrs.get("name", "").strip().lower()
            if meta_name in ROBOTS_META_NAMES:
                for directive in content.split(","):
                    directive = " ".join(directive.split()).lower()
                    if directive:
                        self.robots.append(directive)
                        if directive == "none":  # defined as "noindex, nofollow"
                            self.robots.extend(("noindex", "nofollow"))

    def comment(self, text: str) -> None:
        """Recover links written inside an HTML comment (nothing else in it counts)."""
        if self.in_comment:
            return
        marker = text.strip().lower()
        if marker in ("noindex", "/noindex"):
            self.noindex_marked = marker == "noindex"
            return
        lowered = text.lower()  # two linear scans: a regex could backtrack on hostile comments
        if "<a" not in lowered or "href" not in lowered:
            return
        saved = self.open_anchors
        self.open_anchors = []
        self.in_comment = True
        try:
            _read(text, self)
        finally:
            self.in_comment = False
            self.open_anchors = saved

    def lifted_noscript(self, mark: str | None) -> None:
        """Walk the content taken out of a ``<noscript>`` (see :func:`_lift_noscripts`).

        Inside a noscript nothing is visible text: its content matters only for
        the links, meta data and comments in it, and for the text of a link the
        noscript stands in. Content that cannot change any of those (a tracking
        pixel, a style sheet) is not parsed; tags alone (an image) inside a link
        only keep the words of its text apart.
        """
        if mark is None or not mark.isdigit() or int(mark) >= len(self.noscripts):
            return
        if self.in_fragment:
            return  # a placeholder written into a noscript's own content: never ours
        fragment = self.noscripts[int(mark)]
        if not fragment.strip():
            return
        if not self._may_add(fragment):
            if not self.open_anchors:
                return
            if _only_tags(fragment):
                self.anchor_gap()
                return
        self.in_fragment = True
        try:
            _read(fragment, self)
        finally:
            self.in_fragment = False

    def _may_add(self, fragment: str) -> bool:
        """Whether a noscript's content can add a link, meta data or a comment to the page."""
        if _LINK_META_OR_COMMENT.search(fragment):
            return True
        if self.title is None and _TITLE_TAG.search(fragment):
            return True
        if self.base_href is None and _BASE_TAG.search(fragment):
            return True
        return (
            self.canonical is None
            and _LINK_TAG.search(fragment) is not None
            and ("&" in fragment or _CANONICAL.search(fragment) is not None)  # &#99;anonical
        )

    # -- results

    def links(self, base: str | None) -> tuple[Link, ...]:
        out = []
        urls: dict[str, str | None] = {}  # menus repeat their links: resolve each href once
        for anchor in self.anchors:
            start, skipped, length, block = self.places[anchor.run]
            position = start + min(max(anchor.offset - skipped, 0), length)
            href = anchor.href
            if href not in urls:
                urls[href] = resolve_url(href, base)
            out.append(
                Link(
                    href=href,
                    url=urls[href],
                    text=" ".join("".join(anchor.pieces).split()),
                    rel=anchor.rel,
                    hidden=anchor.hidden,
                    in_noscript=anchor.in_noscript,
                    in_comment=anchor.in_comment,
                    block=block if anchor.visible else None,
                    position=position,
                    in_noindex=anchor.in_noindex,
                )
            )
        return tuple(out)


# --- reading the markup ------------------------------------------------------------------

# What in a noscript's content can add to the page (see _Extractor.lifted_noscript), in
# markup case-blind in ASCII, as the parser is: the start tag of a link, title, base, link
# or meta element (a name that goes on in a letter, a digit or one of "_:.-" is another
# element's), or a comment (markup declarations, "<?" and "</" before a non-letter are
# comments to the parser).
_NAME_ENDS = r"(?![a-zA-Z0-9_:.-])"
_LINK_META_OR_COMMENT = re.compile(rf"<(?:[aA]|[mM][eE][tT][aA]){_NAME_ENDS}|<[!?]|</[^a-zA-Z]")
_TITLE_TAG = re.compile(rf"<[tT][iI][tT][lL][eE]{_NAME_ENDS}")
_BASE_TAG = re.compile(rf"<[bB][aA][sS][eE]{_NAME_ENDS}")
_LINK_TAG = re.compile(rf"<[lL][iI][nN][kK]{_NAME_ENDS}")
_CANONICAL = re.compile(r"[cC][aA][nN][oO][nN][iI][cC][aA][lL]")
# Tags, to see whether content is nothing else, and the elements whose content the parser
# reads as text that the walk shows (inside a link) although it looks like tags.
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_START_TAG = re.compile(r"<[a-zA-Z]")
_SHOWN_RAW_TEXT = re.compile(r"<(?:[xX][mM][pP]|[pP][lL][aA][iI][nN][tT][eE][xX][tT])")
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def _only_tags(markup: str) -> bool:
    """Whether markup is start and end tags and white space, with one start tag at least.

    Parsed on its own, such markup makes an ``<html>`` element (a block edge)
    and strings of white space at most.
    """
    return (
        _START_TAG.search(markup) is not None
        and _SHOWN_RAW_TEXT.search(markup) is None
        and not _TAG.sub("", markup).strip()
    )


def _plain_attrs(attrib: Mapping[str, str]) -> dict[str, str]:
    """Attributes with a ``{namespace}name`` key (lxml's spelling of ``{x}name="…"``) renamed.

    Such a key stands for ``name`` (``xml:name`` in the XML namespace); a later
    attribute of the same name wins.
    """
    plain: dict[str, str] = {}
    for key, value in attrib.items():
        if key[:1] == "{" and "}" in key:
            namespace, name = key[1:].split("}", 1)
            prefix = "xml" if namespace == _XML_NAMESPACE else None
            key = (f"{prefix}:{name}" if name else prefix) if prefix else (name or "None")
        plain[key] = value
    return plain


class _Document:
    """lxml parser target: one document's parse events, read in order without building a tree.

    Elements are entered and left as the parser opens and closes them; the
    content of one that is not walked (scripts, styles, ``<br>``…) is passed
    over. Strings between two events are read as one, and a string of nothing
    but HTML white space stands for one space, or one newline when it holds
    one, except inside ``<pre>`` and ``<textarea>``: this is how the page model
    has always read markup, and reports must not change with the parser's
    mechanics. The text of the first ``<title>`` outside SVG and MathML is its
    strings, those inside a script, style, template or ruby annotation left out.
    """

    def __init__(self, extractor: _Extractor) -> None:
        self.x = extractor
        self.strings: list[str] = []  # the string being gathered
        # open elements, innermost last: (name, frame); frame None where not walked
        self.open: list[tuple[str, _Frame | None]] = []
        self.passing = 0  # open elements inside (and including) one that is not walked
        self.keep_space = 0  # open <pre> and <textarea>
        self.not_title_text = 0  # open elements whose strings are not a title's text
        self.foreign = 0  # open <svg> and <math>
        self.title: list[str] | None = None  # strings of the <title> being read
        self.title_depth = 0
        self.json_ld: list[str] | None = None  # strings of the JSON-LD <script> being read
        self.json_ld_depth = 0

    # -- parser events

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if self.strings:
            self._string()
        if attrib and "{" in "".join(attrib):
            attrib = _plain_attrs(attrib)
        frame = None
        if not self.passing:
            x = self.x
            if tag in _META_TAGS and not x.in_comment:
                if tag != "title":
                    x.meta(tag, attrib)
                elif x.title is None and not self.foreign:
                    x.title = ""  # the first one claims it, even when it turns out empty
                    self.title = []
                    self.title_depth = len(self.open)
            frame = x.enter(tag, attrib)
            if frame is None:
                self.passing = 1
                if tag == "script" and is_json_ld(attrib.get("type")):
                    self.json_ld = []
                    self.json_ld_depth = len(self.open)
        else:
            self.passing += 1
        if tag in _COUNTED_TAGS:
            self._count(tag, 1)
        self.open.append((tag, frame))
        if frame is not None and tag == "noscript":
            self.x.lifted_noscript(attrib.get(NOSCRIPT_MARK))

    def end(self, tag: str) -> None:
        if self.strings:
            self._string()
        open_ = self.open
        if not open_:
            return
        if open_[-1][0] != tag:
            # closes the innermost open element of that name and all inside it, if any is open
            if all(name != tag for name, _ in open_):
                return
            while open_[-1][0] != tag:
                self._pop()
        self._pop()

    def data(self, data: str) -> None:
        self.strings.append(data)

    def comment(self, text: str) -> None:
        if self.strings:
            self._string()
        if not self.passing:
            self.x.comment(self._spaces(text))

    def pi(self, target: str, data: str | None = None) -> None:
        if self.strings:
            self._string()

    def doctype(self, *_: object) -> None:
        if self.strings:
            self._string()

    def close(self) -> None:
        if self.strings:
            self._string()
        while self.open:
            self._pop()

    # -- bookkeeping

    def _count(self, name: str, step: int) -> None:
        if name in _KEEP_SPACE_TAGS:
            self.keep_space += step
        elif name in _NOT_TITLE_TEXT:
            self.not_title_text += step
        elif name in _FOREIGN:
            self.foreign += step

    def _pop(self) -> None:
        name, frame = self.open.pop()
        if name in _COUNTED_TAGS:
            self._count(name, -1)
        if frame is not None:
            self.x.leave(frame)
        elif self.passing:
            self.passing -= 1
            if self.title is not None and len(self.open) == self.title_depth:
                self.x.title = " ".join("".join(self.title).split())
                self.title = None
            if self.json_ld is not None and len(self.open) == self.json_ld_depth:
                script = "".join(self.json_ld)
                self.json_ld = None
                for body in article_bodies(script):
                    self.x.structured_body(body, "json-ld")

    def _spaces(self, text: str) -> str:
        if not self.keep_space and not text.strip(_ASCII_SPACES):
            return "\n" if "\n" in text else " "
        return text

    def _string(self) -> None:
        strings = self.strings
        text = strings[0] if len(strings) == 1 else "".join(strings)
        strings.clear()
        if not self.keep_space and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        if not self.passing:
            self.x.text(text)
        elif self.title is not None and not self.not_title_text:
            self.title.append(text)
        elif self.json_ld is not None:
            self.json_ld.append(text)


def is_json_ld(kind: str | None) -> bool:
    return kind is not None and kind.split(";")[0].strip().lower() == "application/ld+json"


def structured_body(body: str, where: str) -> Revealed | None:
    """An ``articleBody`` of structured data as the audit reads it: HTML or plain text."""
    return _html_body(body, where) if _TAG.search(body) is not None else plain_body(body, where)


def _html_body(body: str, where: str) -> Revealed | None:
    """An ``articleBody`` written as HTML, read as the page's own visible text is."""
    extractor = _Extractor()
    try:
        _read(body, extractor)
    except (etree.LxmlError, UnicodeError):
        return None
    extractor.flush()
    text = "".join(extractor.pieces)
    if not text.strip():
        return None
    return Revealed(where, text, tuple(extractor.blocks))


def _read(markup: str, extractor: _Extractor) -> None:
    """Parse ``markup`` once with lxml's HTML parser, feeding its events to the extractor.

    The parser recovers from any markup; its limits (no huge-tree mode) are
    the ones the page model has always had.
    """
    if markup[:1] == "\ufeff":
        markup = markup[1:]
    parser = etree.HTMLParser(target=_Document(extractor), recover=True, huge_tree=False)
    parser.feed(markup)
    parser.close()


# --- URLs --------------------------------------------------------------------------------


def _http_base(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return url.strip()
    return None


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --- public API --------------------------------------------------------------------------


_NOSCRIPT_OPEN = re.compile(r"<noscript\b[^>]*>", re.I)
# Case-blind in ASCII, as the parser is; positions are the markup's own (lower-casing the
# markup to search it would shift them wherever a character lower-cases to two, like "İ").
_NOSCRIPT_ANY = re.compile(r"<[nN][oO][sS][cC][rR][iI][pP][tT]")
_NOSCRIPT_CLOSE = re.compile(r"</[nN][oO][sS][cC][rR][iI][pP][tT]")
NOSCRIPT_MARK = "data-reprint-check-noscript"


def _lift_noscripts(html: str) -> tuple[str, list[str]]:
    """Take each ``<noscript>``'s content out of the markup, as a browser does.

    With scripting on, a browser reads a noscript's content as raw text up to
    the first ``</noscript>``: a ``<div>`` opened in it never opens. libxml2
    parses it as markup, so ``<noscript><div></noscript>`` (a common way to
    wrap a page for readers without JavaScript) would swallow the whole page
    into an invisible element. Each noscript becomes an empty placeholder and
    its content is walked on its own (links in it are still reported). One
    pass of searches forward: hostile pages with thousands of unclosed
    noscripts stay linear.
    """
    if _NOSCRIPT_ANY.search(html) is None:
        return html, []
    pieces: list[str] = []
    inner: list[str] = []
    pos = 0
    while (match := _NOSCRIPT_OPEN.search(html, pos)) is not None:
        found = _NOSCRIPT_CLOSE.search(html, match.end())
        if found is None:
            break  # unclosed: the rest is the noscript's, as in a browser; libxml2 agrees
        close = found.start()
        end = html.find(">", close)
        end = len(html) if end < 0 else end + 1
        pieces.append(html[pos : match.start()])
        pieces.append(f'<noscript {NOSCRIPT_MARK}="{len(inner)}"></noscript>')
        inner.append(html[match.end() : close])
        pos = end
    pieces.append(html[pos:])
    return "".join(pieces), inner


def looks_binary(document: str) -> bool:
    """Whether decoded text is really binary data: control characters where text has none."""
    head = document[:BINARY_SCAN_CHARS]
    controls = len(_CONTROLS.findall(head))
    return controls > max(BINARY_MIN_CONTROLS, BINARY_SHARE * len(head))


def _refuse_binary(document: str, location: str, expected: str) -> None:
    """An image or an archive saved as .html is an error entry, not a compliant empty page."""
    if looks_binary(document):
        raise FetchError(f"{location}: binary data, not {expected}")


TOO_MUCH_TEXT = f"text longer than {MAX_TEXT_CHARS:,} characters, the most reprint-check reads"


def _refuse_huge(chars: int, location: str) -> None:
    if chars > MAX_TEXT_CHARS:
        raise FetchError(f"{location}: {TOO_MUCH_TEXT}")


class _TextCounter:
    """lxml parser target that only counts text outside scripts and styles: no tree, no memory."""

    def __init__(self) -> None:
        self.skipping = 0
        self.chars = 0

    def start(self, tag: str, attrib: object) -> None:
        if tag in _NOT_TEXT:
            self.skipping += 1

    def end(self, tag: str) -> None:
        if tag in _NOT_TEXT and self.skipping:
            self.skipping -= 1

    def data(self, data: str) -> None:
        if not self.skipping:
            self.chars += len(_HTML_WS.sub(" ", data))

    def close(self) -> int:
        return self.chars


_NOT_TEXT = frozenset({"script", "style", "template", "noscript"})
_COUNT_STEP = 1 << 20


def too_much_text(html: str) -> bool:
    """Whether a page holds more than :data:`MAX_TEXT_CHARS` of text, known before any tree.

    The tree of a 50 MB page costs a minute and gigabytes in BeautifulSoup
    (and in trafilatura on the source side) only to be refused afterwards;
    lxml's event parser counts the text (hidden text included, scripts and
    styles not) in a fraction of a second and stops at the limit. Markup
    shorter than the limit cannot hold more text, so real pages skip this.
    """
    if len(html) <= MAX_TEXT_CHARS:
        return False
    counter = _TextCounter()
    parser = etree.HTMLParser(target=counter, huge_tree=True, remove_comments=True)
    try:
        for i in range(0, len(html), _COUNT_STEP):
            parser.feed(html[i : i + _COUNT_STEP])
            if counter.chars > MAX_TEXT_CHARS:
                return True
    except (etree.LxmlError, ValueError):
        return False  # the real parse decides
    return False


def page_from_html(
    html: str | bytes,
    location: str,
    *,
    base_url: str | None = None,
    encoding: str | None = None,
) -> Page:
    """Reduce an HTML page to its visible text, blocks, links and meta data.

    ``base_url`` is the URL the page was fetched from, when ``location`` is not
    one (a saved file); ``encoding`` is the HTTP header's charset for bytes.
    Links resolve against ``<base href>``, then ``base_url``, then ``location``.
    """
    if isinstance(html, bytes):
        html = decode_html(html, encoding=encoding)
    _refuse_binary(html, location, "an HTML page")
    if too_much_text(html):
        raise FetchError(f"{location}: {TOO_MUCH_TEXT}")
    if _SURROGATES.search(html):
        html = _SURROGATES.sub("\ufffd", html)
    html, noscripts = _lift_noscripts(html)
    extractor = _Extractor(noscripts)
    try:
        _read(html, extractor)
    except (etree.LxmlError, UnicodeError) as exc:
        raise FetchError(f"{location}: cannot parse HTML: {exc}") from exc
    extractor.flush()
    extractor.close_section()
    _refuse_huge(extractor.total, location)

    page_base = _http_base(base_url) or _http_base(location)
    if extractor.base_href:
        page_base = resolve_url(extractor.base_href, page_base) or page_base
    canonical = resolve_url(extractor.canonical, page_base) if extractor.canonical else None
    og_url = resolve_url(extractor.og_url, page_base) if extractor.og_url else None
    return Page(
        location=location,
        text="".join(extractor.pieces),
        title=extractor.title or extractor.og_title or "",
        blocks=tuple(extractor.blocks),
        links=extractor.links(page_base),
        canonical=canonical,
        og_url=og_url,
        robots=_dedupe(extractor.robots),
        revealed=_within_limit(extractor.total, [*extractor.hidden_texts, *extractor.structured]),
    )


def _within_limit(visible: int, revealed: list[Revealed]) -> tuple[Revealed, ...]:
    """The revealed texts in page order (hidden containers, then structured data), up to
    :data:`MAX_TEXT_CHARS` with the visible text: the rest is left unread, as is a page's
    text beyond it."""
    kept: list[Revealed] = []
    total = visible
    for item in revealed:
        total += len(item.text) + 2
        if total > MAX_TEXT_CHARS:
            break
        kept.append(item)
    return tuple(kept)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def page_from_text(text: str, location: str) -> Page:
    """A plain-text target: the text as it is, paragraphs split on blank lines.

    Offsets must index the decoded file exactly (the report quotes them), so
    nothing is translated, not even ``"\\r\\n"``. Bare URLs are not links here;
    the links module finds them in the text.
    """
    _refuse_binary(text, location, "text")
    _refuse_huge(len(text), location)
    blocks: list[Block] = []
    start: int | None = None  # first non-space character of the open paragraph
    end = 0  # one past its last non-space character
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            continue  # the empty match at the very end
        content = line.strip()
        if not content:
            if start is not None:
                blocks.append(Block(len(blocks), "p", start, end))
                start = None
            continue
        lead = len(line) - len(line.lstrip())
        if start is None:
            start = match.start() + lead
        end = match.start() + len(line.rstrip())
    if start is not None:
        blocks.append(Block(len(blocks), "p", start, end))
    return Page(location=location, text=text, blocks=tuple(blocks))
