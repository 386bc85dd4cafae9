"""A publisher's article page → the story as the index keeps it (``Article``).

The body's length is the yardstick of a "full reprint" and the only text in which
reuse can be found, so a body cut short hides reuse and chrome left in dilutes the
ratio. trafilatura is precise but, on layouts that split the story across several
containers (one chunk per ad slot, say), keeps only the first one; on the Scrapinghub
benchmark that costs a third or more of some bodies. So its output is used as an
*anchor*, not as the answer (figures: benchmarks/extraction.py):

1. the page is flattened into visible text blocks (paragraphs, list items, cells…),
   each with the "signature" of its ancestor chain (tags and classes, digits dropped);
2. the blocks that make up trafilatura's text are located, in order;
3. what it missed is added when it reads like prose (few links, sentences, no chrome,
   caption or credit around it) and either sits in the same kind of container as the
   anchored paragraphs (the other chunks of a split story), or beside them (a lead in
   its own box), or in the readability-best container when the anchor holds little of
   that container's prose; blocks that the page's JSON-LD ``articleBody`` contains are
   added too;
4. the body is the chosen blocks in document order, less the headline and short
   lines that are nearly all link ("Read more: …");
5. a first block set apart from the rest (its own container named for it, the
   story's header, an ``<h2>`` sentence, the page's description) is the standfirst:
   kept in the text the index holds, where a copy of it is reuse like any other,
   and named apart so the body proper can be read without it (``Article.body``).

When the markup holds much less than the page's JSON-LD ``articleBody``, that text is
the body; a page with text but no story still yields its text; FetchError only when
there is no text at all.

One module for one decision (which blocks are the story), whose steps (metadata,
flattening, choosing) share the block model; split, each part would be meaningless.
"""

from __future__ import annotations

import codecs
import copy
import functools
import html as html_lib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from reprint_check.errors import FetchError
from reprint_check.models import ArchiveHints, Article, SiteHints
from reprint_check.page.html import MAX_TEXT_CHARS, TOO_MUCH_TEXT, too_much_text
from reprint_check.web.fetch import bomless_unicode

NO_TEXT = "no article text found"

# Elements whose content is never visible text.
_SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
        "embed", "canvas", "head", "select", "option", "textarea", "button", "input",
        "video", "audio", "picture", "map", "dialog", "rt", "rp",
    }
)  # fmt: skip
# Elements that start a new block of text (everything else flows inline).
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li",
        "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul", "br", "caption", "legend",
    }
)  # fmt: skip
# Landmarks that hold page chrome, never the story.
_CHROME_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "menu"})
# class/id words of chrome containers (readability's "unlikely candidates", trimmed).
_CHROME_WORDS = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|footer|rodape|sidebar|side-bar|share|sharing|social"
    r"|comment|comments|disqus|related|recommended|recirc|promo|newsletter|subscribe|signup"
    r"|cookie|consent|gdpr|banner|breadcrumbs?|byline|tags|author-bio|popup|modal|ad|ads"
    r"|advert|advertisement|sponsor|sponsored|outbrain|taboola|widget|masthead|toolbar"
    r"|skip|hidden|print-only|most-popular|trending|more-stories|read-more|readmore"
    r"|pagination|pager|caption|credit)(?:$|[-_\s])",
    re.IGNORECASE,
)
# Containers that are never the story, even inside the story's own container: their
# words are said only of boilerplate (unlike "widget", "ad" or "comment", which pages
# also use for parts of the story), and win over story words ("article-related").
_BOILERPLATE_TAGS = frozenset({"nav", "footer"})
_BOILERPLATE_WORDS = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|footer|rodape|sidebar|side-bar|breadcrumbs?|newsletters?"
    r"|subscribe|subscription|signup|sign-up|promo|related|recommended|recirc|outbrain"
    r"|taboola|trending|most-popular|more-stories|share|sharing|social|comments|disqus"
    r"|byline|author-bio|author-box|about-author|modal|popup|cookie|consent|gdpr|gallery"
    r"|pagination|pager|print-header|print-only)(?:$|[-_\s])"
    r"|(?:^|\s)hide(?:$|\s)",  # the utility class that hides an element, a whole word
    re.IGNORECASE,
)
# Blocks that hold running text (not headings, captions or list items).
_PROSE_TAGS = frozenset({"p", "div", "blockquote", "section", "article", "pre", "td"})
# Illustrations and their captions and credits.
_FIGURE_TAGS = frozenset({"figure", "figcaption", "picture"})
_FIGURE_WORDS = re.compile(r"caption|credit|photo|image|gallery|figure|slideshow", re.IGNORECASE)
_FIGURE_WORD = re.compile(
    r"(?:^|[-_\s])(?:caption|credit|photo|image|gallery|figure|slideshow)s?(?:$|[-_\s])",
    re.IGNORECASE,
)
# Page-wide containers: their classes describe the whole page, chrome words included.
_NEVER_CHROME = frozenset({"html", "body", "main", "article"})
# …unless they also call themselves the story (readability's "maybe a candidate").
_STORY_WORDS = re.compile(r"article|body|content|entry|main|story|column|text", re.IGNORECASE)
# class/id words of the container of a standfirst: the summary set under the headline.
_STANDFIRST_WORDS = re.compile(
    r"(?:^|[-_\s])(?:standfirst|stand-first|dek|deck|strapline|subtitle|sub-title|subheadline"
    r"|sub-headline|subhead|sub-head|summary|lede|excerpt|description|intro)(?:$|[-_\s])",
    re.IGNORECASE,
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A standfirst is a sentence or two, never a label.
MIN_STANDFIRST_CHARS = 40
# How far up from a standfirst its own container may be.
MAX_STANDFIRST_DEPTH = 4
# "has-image", "with-sidebar", "enable-lightbox": what a container holds or allows.
_MODIFIER = re.compile(
    r"\S*(?:^|[-_])(?:has|with|no|without|enable|enabled|disable|disabled|show)[-_]\S*",
    re.IGNORECASE,
)
# Classes of inline elements a reader does not see in the text's flow: cards that pop
# up over a name on hover, text only for screen readers. (On a block the same words
# often mark a container that merely hosts such cards.)
_UNSEEN = re.compile(
    r"(?:^|[-_\s])(?:tooltip|popover|hovercard|hover-card|rollover|sr-only|visually-hidden"
    r"|screen-reader-text|screen-reader-only|visuallyhidden)(?:$|[-_\s])",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
# Invisible format characters (Unicode Cf) that pages scatter through words.
_FORMAT = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Characters that only hint where a line may break: never part of the story's text.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))
# trafilatura's table rulers ("|---|---|") and cell borders are its layout, not text.
_TABLE_RULE = re.compile(r"^[|\-:\s]+$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)»]\s|[.!?…\"”’)»]$|[。！？」]")
# Tags kept when a page nests too deeply for the parser: enough to rebuild the story.
_FLAT_KEEP = re.compile(
    r"</?(?!(?:html|head|body|title|meta|link|script|style|p|h[1-6]|li|blockquote|pre|br"
    r"|time|a)\b)[a-zA-Z][^>]*>"
)
_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle",
        "scholarlyarticle", "report", "liveblogposting", "posting", "socialmediaposting",
        "webpage", "medicalwebpage",
    }
)  # fmt: skip

# Added blocks must read like prose: at most this share of their text in links…
MAX_LINK_DENSITY = 0.25
# …and at least this long, so that labels ("Advertisement", "Share") never qualify.
MIN_ADDED_CHARS = 40
# …or, for a block right beside anchored paragraphs, this share.
GAP_LINK_DENSITY = 0.4
# A short line that is nearly all link ("Read more: …", "Related: …") is a teaser.
MAX_LINK_LINE = 200
LINK_LINE_DENSITY = 0.8
# Lines a newsroom sets around a story (English forms, and symbols any language uses).
MAX_FURNITURE_CHARS = 300
MAX_DATELINE_WORDS = 12
_BYLINE = re.compile(r"^by\s+\w+(?:[\s.'-]+\w+){0,4}\s*$", re.IGNORECASE)
# Month names: English (also abbreviated), Portuguese, Spanish, French, Italian, German.
_MONTH = (
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"|janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro"
    r"|dezembro|enero|febrero|marzo|mayo|junio|julio|septiembre|octubre|noviembre"
    r"|diciembre|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre"
    r"|novembre|décembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre"
    r"|dicembre|januar|februar|märz|juni|juli|oktober|dezember)"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\.?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?\d{{4}})(?!\w)",
    re.IGNORECASE,
)
_TAIL_FURNITURE = re.compile(
    r"\bcontributed (?:to )?(?:this )?(?:report|story|article)\b|^source: "
    r"|^follow (?:us|him|her|them|me|\S+ on)\b|\bfollow (?:him|her|them|us|me) (?:on|at|@)"
    r"|^(?:updated|last updated|first published|published)\b\W*(?:at|on)?\W*[\d(]"
    r"|\bcomments?\b.{0,80}\b(?:moderat|approv|spam)|\bmoderat\w* (?:\w+ ){0,3}comments\b"
    r"|^(?:listen|watch)\b.{0,80}\b(?:live|podcast|listen back|on demand)\b"
    r"|^\W*\w+\W+coment[aá]rios\b|^filed under\b|^follow\b.{0,60}\bcoverage\b"
    r"|\buses cookies\b|\bif you (?:buy|purchase) something\b|\baffiliate (?:links?|commission)"
    r"|\byour inbox\b"
    r"|^follow\b.{0,60}\bon (?:twitter|facebook|instagram)|\bmay be reached at\b"
    r"|^have a (?:news )?tip\b|^(?:write|reach|e-?mail|contact)\b.{0,60}\bat\b|\bsign up\b"
    r"|\bsubscribe\b|\bnewsletters?\b|\bclick here\b|\bin your inbox\b"
    r"|\bdownload (?:the|our) app\b|^(?:like|liked|enjoyed?) this (?:story|article)"
    r"|^if you (?:enjoyed|liked) this|^\S+@\S+\.\w+$"
    r"|^\[\w+\b[^\]]*\].*\[/\w+\]$",  # a content-system short code left unrendered
    re.IGNORECASE,
)
# A note after the story that opens by saying what it is: an appeal to a reader who
# liked the story, an invitation to follow the site, a letter-writing invitation.
MAX_NOTE_CHARS = 600
_NOTE_OPENING = re.compile(
    r"(?:if you (?:enjoyed|liked|value|appreciate) (?:this|our|reading)"
    r"|follow (?:@\w+|us|\S+ on (?:twitter|facebook|instagram))\b"
    r"|(?:like|liked|enjoyed?) this (?:story|article)\b)",
    re.IGNORECASE,
)
# …and before it: reading times, wire-service slugs, sign-up pleas.
_HEAD_FURNITURE = re.compile(
    r"^(?:reading time|read time|tempo de leitura|tiempo de lectura|temps de lecture"
    r"|lesezeit|tempo di lettura)\b|^\d+\s*min(?:ute)?s?\.? read$"
    r"|\b\d+(?:st|nd|rd|th) Ld-Writethru$"
    r"|\bsign up\b|\bsubscribe\b|\bnewsletters?\b|\byour inbox\b",
    re.IGNORECASE,
)
# A dateline that says what the date is of, at the end of a story.
_DATED = re.compile(
    r"\b(?:updated|published|posted|modified|publicado|atualizado|actualizado|publié|mis à jour"
    r"|veröffentlicht|aktualisiert|pubblicato|aggiornato)\b",
    re.IGNORECASE,
)
# A line that is one identifier ("wide-browser-and-larger"): what a script left on the
# page, not text.
_CODE_LINE = re.compile(r"[a-z]+(?:-[a-z]+)+")
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# Headings that open what follows a story: related stories, comments, sign-up boxes,
# share buttons (English, Portuguese, Spanish, French, Italian, German, Russian,
# Indonesian, Korean and Japanese forms).
_ENDS_STORY = re.compile(
    r"\W*(?:related(?: articles| posts| stories| news| topics| coverage| content| links)?"
    r"|(?:you|we think you) (?:may|might|will|could) (?:also )?(?:like|enjoy|be interested in)"
    r"|recommended(?: for you| stories| articles| reading)?|read (?:more|also|next)|see also"
    r"|also read|more (?:from|on|in|about|like this|stories|news|articles)\b.*"
    r"|(?:most|top) (?:popular|read|viewed|shared|stories)\b.*|popular(?: posts| stories)?"
    r"|popular on \w+(?: \w+)?|trending(?: now| stories)?|latest (?:news|stories|posts|videos)"
    r"|comments?"
    r"|\d+ comments?|leave a (?:reply|comment)\b.*|post a comment|join the (?:conversation"
    r"|discussion)|share (?:this|the)(?: story| article| post)?|subscribe\b.*"
    r"|sign up\b.*|newsletters?|about the author|tags|topics|tell us what you think\b.*"
    r"|what do you think\b.*|have your say|don[’']?t miss|must reads?|editor[’']?s picks?"
    r"|further reading|how to (?:listen|subscribe|watch)\b.*"
    r"|leia (?:também|mais)|veja (?:também|mais)|voc[eê] (?:tamb[eé]m )?pode gostar\b.*"
    r"|(?:not[ií]cias |posts |artigos )?relacionad[oa]s|coment[aá]rios"
    r"|lea también|te puede interesar|noticias relacionadas"
    r"|(?:à |a )?lire aussi|sur le même sujet|commentaires|articles? similaires"
    r"|leggi anche|ti potrebbe interessare|articoli correlati|commenti"
    r"|lesen sie auch|mehr zum thema|weitere artikel|das könnte sie auch interessieren"
    r"|kommentare|ähnliche artikel"
    r"|читайте также|материалы по теме|похожие(?: статьи| новости| материалы)?|комментарии"
    r"|baca juga|artikel terkait|berita terkait|관련\s?기사|関連記事)\W*",
    re.IGNORECASE,
)
# A teaser card: at most this long, its headline link at least this long, to another
# page of the site, in a row of at least this many (searched this far up from a block).
MAX_CARD_CHARS = 400
# A label outside a heading ends the story only after this share of the story's text.
LABEL_END_SHARE = 0.75
# …and when it is short, as a label is (not "Sign up for an account for $12 a month").
MAX_LABEL_CHARS = 32
# Under such a label, a paragraph this long that reads as prose is the story's text:
# the label ends teasers and links, not what the author wrote under it.
MIN_LABELLED_PROSE = 200
MIN_CARD_HEADLINE = 15
MIN_CARDS = 3
CARD_DEPTH = 4
# Quoted posts of social networks, as their embed codes mark them.
_EMBEDDED_POST = re.compile(
    r"(?:^|\s)(?:twitter-tweet|twitter-video|instagram-media|tiktok-embed|bluesky-embed"
    r"|mastodon-embed|reddit-embed-bq)(?:$|\s)",
    re.IGNORECASE,
)
# A label before a link: "Related:", "READ MORE:", "Also on rt.com:", "[See also:".
_LABEL = re.compile(r"^\W{0,2}[^\W\d][\w'’ .]{0,24}:\s")
_WORD = re.compile(r"\w+")
# Words of share buttons; a short line that is mostly these is a row of buttons.
_SHARE_WORDS = frozenset(
    {
        "share", "shares", "tweet", "facebook", "twitter", "whatsapp", "pinterest", "pint",
        "pin", "linkedin", "reddit", "email", "e", "mail", "google", "print", "telegram",
        "messenger", "flipboard", "this", "on", "via", "compartilhe", "compartir", "teilen",
        "condividi", "partager",
    }
)  # fmt: skip
SHARE_SHARE = 0.75
# A short line that asks the reader to sign up for something is a plea, not the story.
MAX_PLEA_CHARS = 160
_PLEA = re.compile(
    r"\byour inbox\b|^\W*(?:sign up|subscribe|get|join|want|never miss|don[’']?t miss)\b"
    r".{0,80}\b(?:newsletters?|inbox|youtube|podcast)\b",
    re.IGNORECASE,
)
# A long paragraph that is this much link is another story's blurb.
LINKED_BLURB = 0.95
# A link line in capitals at least this long is an inline promotion.
MIN_CAPS_LETTERS = 12
# How far above a link line the story's container may be for the line to count as inline.
INLINE_LINK_DEPTH = 5
# A "page" whose start is more than this share control characters is binary data.
BINARY_SHARE = 0.05
# Past this many text blocks trafilatura's fallback extractors (readability, jusText)
# take tens of seconds, and past the second trafilatura itself takes several: typical
# article pages have a few hundred blocks.
FAST_ANCHOR_BLOCKS = 5_000
MAX_ANCHOR_BLOCKS = 50_000
# When the anchor holds less than this share of the prose in the page's best
# readability container, the whole container's prose is taken (a truncated anchor).
COMPLETE_SHARE = 0.75
# The JSON-LD articleBody replaces the body found in the markup when this much longer.
REPLACE_RATIO = 1.5
# Blocks shorter than this ("Share", "Advertisement") could match the anchor anywhere by
# chance: they count only within this many characters after the previous anchored block.
SHORT_BLOCK = 30
SHORT_WINDOW = 64
# The story's container is the deepest element holding this share of the anchored text
# (searched this many levels up from each block).
STORY_ROOT_SHARE = 0.9
# A container named like boilerplate that holds this share of the anchored text is the
# story's column, whatever its name says.
LAYOUT_SHARE = 0.5
MAX_ROOT_DEPTH = 64


@dataclass(frozen=True)
class _Block:
    """A run of visible text that a browser would lay out as its own block."""

    text: str  # white space collapsed
    key: str  # the text as compared (text_key): no white space, case or format characters
    tag: str  # tag of the block element that holds the text
    element: etree._Element
    signature: int  # id of the ancestor chain (tags and classes) of ``element``
    link_chars: int  # characters of the text inside <a>
    chrome: bool  # inside a landmark or container of chrome, captions or credits
    # The nearest element (the block's own or an ancestor) that makes it chrome…
    chrome_root: etree._Element | None = None
    # …and that makes it boilerplate (never the story: see _is_boilerplate).
    boilerplate_root: etree._Element | None = None


@dataclass(frozen=True)
class _Meta:
    title: str
    canonical: str | None
    og_url: str | None
    published: str | None
    article_body: str | None
    headline_keys: frozenset[str]  # text_key of every form of the headline on the page
    url: str | None = None  # the address the page was read from, when given
    # text_key of the page's own summaries (meta, Open Graph, Twitter, JSON-LD description)
    description_keys: frozenset[str] = frozenset()


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """The article as the index keeps it; FetchError only when the page holds no text."""
    return extract_article_with(html, url, None)


def extract_for_site(html: str | bytes, url: str | None, site: SiteHints | None) -> Article:
    """The article, read with the hints for its host when there are any.

    A file does not say its URL until it is read (its canonical link), so without a
    URL the page is read once to find it, and again with that host's hints.
    """
    if not site:
        return extract_article_with(html, url, None)
    if url:
        return extract_article_with(html, url, site.for_url(url))
    article = extract_article_with(html, None, None)
    hints = site.for_url(article.url)
    return article if hints is None else extract_article_with(html, None, hints)


def extract_article_with(html: str | bytes, url: str | None, hints: ArchiveHints | None) -> Article:
    """The article, following the publisher's hints where given (see :class:`ArchiveHints`)."""
    markup = decode_html(html) if isinstance(html, bytes | bytearray) else html
    if too_much_text(markup):
        raise FetchError(TOO_MUCH_TEXT)
    root = parse_html(markup)
    if root is None:
        raise FetchError(NO_TEXT)
    base = _base_url(root, url)
    meta = replace(_read_meta(root, base), url=url)
    paragraphs: list[str] | None = None
    standfirst = ""
    if hints is not None:
        for selector in hints.exclude:
            for element in _select(selector, root):
                if element.getparent() is not None:
                    element.drop_tree()  # its tail (the text after it) stays
        if hints.body:
            paragraphs = _hinted_paragraphs(root, hints.body, meta)
    if paragraphs is None:  # no hint, or the body selector matched nothing on this page
        blocks = list(_flatten(root))
        paragraphs, standfirst = _body_paragraphs(root, blocks, meta)
    text = "\n\n".join(paragraphs)
    if not text:
        raise FetchError(NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        raise FetchError(TOO_MUCH_TEXT)
    own = url or meta.canonical or meta.og_url or ""
    aliases: list[str] = []
    for alias in (meta.canonical, meta.og_url):
        if alias and alias != own and alias not in aliases:
            aliases.append(alias)
    return Article(
        url=own,
        text=text,
        title=meta.title,
        aliases=tuple(aliases),
        published=meta.published,
        standfirst=standfirst,
    )


def fragment_text(markup: str) -> str:
    """The story text of an HTML fragment that is the body and nothing else.

    A CMS hands out a post's body as authored (WordPress's ``content.rendered``):
    there is no page chrome to guess away, so every visible block is the story,
    except what the page path leaves out of it too: figures, captions and
    credits, hidden elements. Blocks are separated by blank lines, as in
    :func:`extract_article`. "" when the fragment holds no text.
    """
    root = parse_html(f"<html><body>{markup}</body></html>")
    if root is None:
        return ""
    text = "\n\n".join(block.text for block in _flatten(root) if not block.chrome)
    if len(text) > MAX_TEXT_CHARS:
        raise FetchError(TOO_MUCH_TEXT)
    return text


@functools.lru_cache(maxsize=256)
def compile_selector(selector: str) -> CSSSelector:
    """A CSS selector for HTML; SelectorError when it is not one."""
    return CSSSelector(selector, translator="html")


def _select(selector: str, root: etree._Element) -> list[etree._Element]:
    return list(compile_selector(selector)(root))


def _hinted_paragraphs(root: etree._Element, selector: str, meta: _Meta) -> list[str] | None:
    """The visible text of the elements ``selector`` picks; None when it picks none."""
    chosen = set(_select(selector, root))
    if not chosen:
        return None
    paragraphs = []
    for block in _flatten(root):
        inside = block.element in chosen or chosen.intersection(
            _ancestors(block.element, MAX_ROOT_DEPTH)
        )
        if inside and block.tag != "h1" and block.key not in meta.headline_keys:
            paragraphs.append(block.text)
    return paragraphs


# --- decoding and parsing ------------------------------------------------------


def decode_html(data: bytes) -> str:
    """Bytes as a browser would read them: BOM, then <meta charset>, then detection."""
    data = bytes(data)
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    unicode_codec = bomless_unicode(data)
    if unicode_codec is not None:  # NULs in every other byte: UTF-16 (or 32) without a BOM
        return data.decode(unicode_codec, errors="replace")
    declared = _META_CHARSET.search(data[:8192])
    if declared:
        try:
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            # As browsers do: Latin-1 labels mean windows-1252, and a <meta> that claims
            # UTF-16/32 cannot be right, since it was just read as ASCII.
            encoding = _WHATWG_ALIASES.get(encoding, encoding)
            if not encoding.startswith(("utf-16", "utf-32")):
                return data.decode(encoding)
        except (LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding, errors="replace")
        except LookupError:
            pass
    return data.decode("utf-8", errors="replace")


def parse_html(markup: str) -> lxml_html.HtmlElement | None:
    """A tree of the page, None when nothing can be parsed.

    libxml2 stops reading at its nesting limit, losing everything after it; a page
    that nests that deep is parsed again with only the tags that carry the story.
    """
    head = markup[:4096]
    if len(_CONTROL.findall(head)) > max(8, BINARY_SHARE * len(head)):
        return None  # binary data (an image, an archive), not a page
    markup = _XML_DECLARATION.sub("", _CONTROL.sub("", markup), count=1)
    if not markup.strip():
        return None
    root, too_deep = _parse(markup)
    if too_deep:
        flat_root, _ = _parse(_FLAT_KEEP.sub(" ", markup))
        if flat_root is not None:
            root = flat_root
    return root


def _parse(markup: str) -> tuple[lxml_html.HtmlElement | None, bool]:
    parser = lxml_html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None, False
    too_deep = any("depth" in entry.message.lower() for entry in parser.error_log)
    return root, too_deep


# --- metadata --------------------------------------------------------------------


def _base_url(root: lxml_html.HtmlElement, url: str | None) -> str | None:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(url or "", href)
    return url


def _absolute(href: str | None, base: str | None) -> str | None:
    href = (href or "").strip()
    if not href:
        return None
    full = urljoin(base or "", href)
    return full if urlsplit(full).scheme in ("http", "https") and urlsplit(full).netloc else None


def _read_meta(root: lxml_html.HtmlElement, base: str | None) -> _Meta:
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip()
        content = meta.get("content")
        if name and content and name.lower() not in metas:
            metas[name.lower()] = content.strip()
    canonical = None
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel:
            canonical = _absolute(link.get("href"), base)
            if canonical:
                break
    og_url = _absolute(metas.get("og:url"), base)
    ld = _json_ld_article(root)
    published = metas.get("article:published_time") or _ld_string(ld, "datePublished")
    if not published:
        for time_el in root.iter("time"):
            if time_el.get("datetime", "").strip():
                published = time_el.get("datetime", "").strip()
                break
    title = _clean(
        metas.get("og:title")
        or _ld_string(ld, "headline")
        or _first_text(root, "h1")
        or _first_text(root, "title")
        or ""
    )
    headlines = [
        metas.get("og:title"),
        metas.get("twitter:title"),
        _ld_string(ld, "headline"),
        _first_text(root, "title"),
    ]
    headlines += [_clean(h1.text_content()) for h1 in root.iter("h1")]
    for full in list(headlines):
        headlines += re.split(r"\s+[|–—-]\s+", full or "")
    descriptions = [
        metas.get("description"),
        metas.get("og:description"),
        metas.get("twitter:description"),
        _ld_string(ld, "description"),
    ]
    return _Meta(
        headline_keys=frozenset(text_key(h) for h in headlines if h and len(h) >= 8),
        description_keys=frozenset(
            text_key(_clean(html_lib.unescape(d))) for d in descriptions if d and len(d) >= 8
        ),
        title=title,
        canonical=canonical,
        og_url=og_url,
        published=published or None,
        article_body=_markup_text(_ld_string(ld, "articleBody")),
    )


def _markup_text(value: str | None) -> str | None:
    """JSON-LD text as read: some sites put escaped HTML in it (entities, <p> tags)."""
    if not value:
        return None
    text = html_lib.unescape(value)
    if "<" in text and ">" in text:
        fragment = parse_html(f"<html><body>{text}</body></html>")
        if fragment is not None:
            text = "\n".join(b.text for b in _flatten(fragment))
    return text.strip() or None


def _first_text(root: lxml_html.HtmlElement, tag: str) -> str:
    for element in root.iter(tag):
        text = _clean(element.text_content())
        if text:
            return text
    return ""


def _ld_string(ld: dict[str, object] | None, key: str) -> str | None:
    value = ld.get(key) if ld else None
    if isinstance(value, list) and value:
        value = value[0]
    return value.strip() if isinstance(value, str) and value.strip() else None


def _json_ld_article(root: lxml_html.HtmlElement) -> dict[str, object] | None:
    """The page's own description of the story: the JSON-LD object of an article type."""
    best: dict[str, object] | None = None
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        for node in _ld_nodes(data):
            types = node.get("@type")
            names = {t.lower() for t in (types if isinstance(types, list) else [types]) if t}
            if not names & _ARTICLE_TYPES and "articleBody" not in node:
                continue
            if best is None or ("articleBody" in node and "articleBody" not in best):
                best = node
    return best


def _ld_nodes(data: object) -> Iterator[dict[str, object]]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                stack.extend(reversed(graph))


# --- flattening ------------------------------------------------------------------


def _clean(text: str) -> str:
    """Collapse white space and drop invisible hyphenation hints (soft hyphen, ZWSP…)."""
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def text_key(text: str) -> str:
    """How block text and extractor output are compared: letters only, no layout."""
    return _FORMAT.sub("", _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold()))


def _is_chrome(element: etree._Element) -> bool:
    """Holds page chrome or illustration (captions, credits): never story text to add."""
    if element.tag in _NEVER_CHROME:
        return False
    if element.tag in _CHROME_TAGS or element.tag in _FIGURE_TAGS:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    role = (element.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "complementary", "dialog", "menu"):
        return True
    names = _names(element)
    if _FIGURE_WORD.search(names):  # "caption-text" is a caption, whatever else it says
        return True
    if _STORY_WORDS.search(names):
        return False
    return bool(_CHROME_WORDS.search(names) or _FIGURE_WORDS.search(names))


def _names(element: etree._Element) -> str:
    """The words a container's class and id say about what it is.

    Left out: JavaScript hooks ("js-lightbox-gallery"), what it holds or allows
    ("has-image", "with-sidebar"), BEM modifiers ("section--ads") and the block a BEM
    element belongs to ("sidebar__main" is the main column), ids that are URLs.
    """
    tokens = (element.get("class") or "").split()
    element_id = (element.get("id") or "").strip()
    if element_id and not any(c in element_id for c in "/.:"):
        tokens.append(element_id)
    kept = []
    for token in tokens:
        if token.lower().startswith(("js-", "js_")) or _MODIFIER.fullmatch(token):
            continue
        token = token.split("--")[0].rsplit("__", 1)[-1]
        if token:
            kept.append(token)
    return " ".join(kept)


def _is_boilerplate(element: etree._Element) -> bool:
    """Holds what is never the story: navigation, teasers, sign-up boxes, captions."""
    if element.tag in _NEVER_CHROME:
        return False
    if element.tag in _BOILERPLATE_TAGS:
        return True
    if (element.get("role") or "").lower() in ("navigation", "contentinfo"):
        return True
    return bool(_BOILERPLATE_WORDS.search(_names(element)))


def _flatten(root: etree._Element) -> Iterator[_Block]:
    """The page's visible text as blocks, in document order (iterative: any depth)."""
    signatures: dict[tuple[int, str], int] = {}
    # Per open element: (signature id, nearest chrome element or None, is block element
    # (None when skipped), nearest boilerplate element or None).
    stack: list[tuple[int, etree._Element | None, bool | None, etree._Element | None]] = [
        (0, None, True, None)
    ]
    owners: list[etree._Element] = [root]
    parts: list[str] = []
    link_parts: list[int] = [0]
    link_depth = 0

    def flush() -> Iterator[_Block]:
        text = _clean("".join(parts))
        parts.clear()
        links = link_parts[0]
        link_parts[0] = 0
        if text:
            owner = owners[-1]
            signature, chrome_root, _, boilerplate_root = next(s for s in reversed(stack) if s[2])
            yield _Block(
                text=text,
                key=text_key(text),
                tag=str(owner.tag),
                element=owner,
                signature=signature,
                link_chars=min(links, len(text)),
                chrome=chrome_root is not None,
                chrome_root=chrome_root,
                boilerplate_root=boilerplate_root,
            )

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if event == "start":
            if (
                not tag
                or tag in _SKIP_TAGS
                or (tag not in _BLOCK_TAGS and _UNSEEN.search(element.get("class") or ""))
            ):
                walker.skip_subtree()
                # None: skipped, so its end does not close a link or a block
                stack.append((stack[-1][0], stack[-1][1], None, stack[-1][3]))
                continue
            is_block = tag in _BLOCK_TAGS
            if is_block:
                yield from flush()
            parent_sig, parent_chrome, _, parent_boilerplate = stack[-1]
            # Digits dropped: "chunk-1" and "chunk-2" are the same kind of container.
            classes = " ".join(sorted(set(_DIGITS.sub("", element.get("class") or "").split())))
            sig_key = (parent_sig, f"{tag}.{classes}")
            signature = signatures.setdefault(sig_key, len(signatures) + 1)
            chrome_root = element if _is_chrome(element) else parent_chrome
            boilerplate_root = element if _is_boilerplate(element) else parent_boilerplate
            stack.append((signature, chrome_root, is_block, boilerplate_root))
            if is_block:
                owners.append(element)
            if tag == "a":
                link_depth += 1
            if element.text and tag not in ("br", "hr"):
                parts.append(element.text)
                if link_depth:
                    link_parts[0] += len(element.text.strip())
        else:
            is_block = stack[-1][2]
            if is_block is not None:
                if tag == "a":
                    link_depth -= 1
                if is_block:
                    yield from flush()
                    owners.pop()
            stack.pop()
            if element.tail:
                parts.append(element.tail)
                if link_depth:
                    link_parts[0] += len(element.tail.strip())
    yield from flush()


# --- choosing the body -----------------------------------------------------------------


def _trafilatura_text(root: lxml_html.HtmlElement, size: int) -> str:
    """trafilatura's body text, the anchor; without its slow fallbacks on huge pages."""
    if size > MAX_ANCHOR_BLOCKS:
        return ""  # readability's container score alone: trafilatura would take too long
    try:
        text = trafilatura.extract(
            copy.deepcopy(root),
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            fast=size > FAST_ANCHOR_BLOCKS,
        )
    except Exception:
        return ""
    return text or ""


def _anchor(blocks: list[_Block], anchor_key: str) -> list[bool]:
    """Which blocks make up the anchor text, located in order.

    Long blocks are located first: they are unambiguous. A short one ("News", "Share")
    could match anywhere by chance, so it counts only where the anchor has it between
    the blocks located around it, close after the one before: a menu item above the
    story never matches a word of the story's first sentence.
    """
    kept = [False] * len(blocks)
    spans: dict[int, tuple[int, int]] = {}
    cursor = 0
    # trafilatura draws tables with pipes: compare without them.
    anchor_key = anchor_key.replace("|", "")
    keys = [block.key.replace("|", "") for block in blocks]
    for i, key in enumerate(keys):
        if len(key) < SHORT_BLOCK:
            continue
        # A long block may also re-synchronise the cursor backwards, after an earlier
        # block matched too far ahead (a sentence quoted twice, say).
        at = anchor_key.find(key, cursor)
        if at == -1:
            at = anchor_key.find(key)
        if at != -1:
            kept[i] = True
            spans[i] = (at, at + len(key))
            cursor = at + len(key)
    # Where the next located long block starts, seen from each block.
    next_start = [len(anchor_key)] * len(blocks)
    following = len(anchor_key)
    for i in range(len(blocks) - 1, -1, -1):
        next_start[i] = following
        if i in spans:
            following = spans[i][0]
    cursor = 0
    for i, key in enumerate(keys):
        if i in spans:
            cursor = spans[i][1]
            continue
        if not key or len(key) >= SHORT_BLOCK:
            continue
        end = min(next_start[i], cursor + SHORT_WINDOW + len(key))
        at = anchor_key.find(key, cursor, end)
        if at != -1:
            kept[i] = True
            cursor = at + len(key)
    return kept


def _prose(block: _Block, max_link_density: float = MAX_LINK_DENSITY) -> bool:
    """Reads like story text: long enough, few links, ends its sentences."""
    if block.chrome or len(block.text) < MIN_ADDED_CHARS:
        return False
    if block.link_chars > max_link_density * len(block.text):
        return False
    return bool(_SENTENCE_END.search(block.text))


def _body_paragraphs(
    root: lxml_html.HtmlElement, blocks: list[_Block], meta: _Meta
) -> tuple[list[str], str]:
    """The story's paragraphs, and the first of them when it is a standfirst (else "")."""
    anchor_text = _trafilatura_text(root, len(blocks))
    chosen = _choose(blocks, anchor_text, meta)
    # The page's own address set as a line (a print header) is not the story either.
    own = {text_key(u) for u in (meta.canonical, meta.og_url, meta.url) if u}
    body = [
        i
        for i, (b, c) in enumerate(zip(blocks, chosen, strict=True))
        if c and b.tag != "h1" and b.key not in meta.headline_keys and b.key not in own
    ]
    story = [i for i in body if not _teaser(blocks[i])]
    first, last = (story[0], story[-1]) if story else (0, -1)
    # "Read more" lines around the story go; link lines within its flow stay, unless
    # they announce another story ("Related: …") or are a row of share buttons.
    kept = [i for i in body if (first <= i <= last or not _teaser(blocks[i]))]
    story_blocks = _trim_furniture(
        blocks, [i for i in _without_labelled_runs(blocks, kept) if not _promo(blocks[i])]
    )
    paragraphs = [blocks[i].text for i in story_blocks]
    found = sum(len(text_key(p)) for p in paragraphs)
    if meta.article_body and len(text_key(meta.article_body)) > REPLACE_RATIO * found:
        # The markup holds much less of the story than the page's own metadata.
        return _lines(meta.article_body), ""
    if paragraphs:
        lead = [blocks[i] for i in story_blocks[:2]]
        return paragraphs, (paragraphs[0] if _standfirst(lead, meta) else "")
    # Never "no text" while the page shows some: a page of links is still a page.
    return (
        _lines(anchor_text) or [b.text for b in blocks if not b.chrome] or [b.text for b in blocks]
    ), ""


def _without_labelled_runs(blocks: list[_Block], body: list[int]) -> list[int]:
    """The body less each label line ("DON'T MISS", "Related") and the link lines after it.

    The label counts where the page shows it, in the body or not: a "Related links:"
    title left out of the story still announces the links under it.
    """
    labelled: set[int] = set()
    for i, block in enumerate(blocks):
        if block.key and _ENDS_STORY.fullmatch(block.text):
            following = i + 1
            while following < len(blocks) and _link_line(blocks[following]):
                following += 1
            if following > i + 1:
                labelled.update(range(i, following))
    body = [i for i in body if i not in labelled]
    kept: list[int] = []
    position = 0
    while position < len(body):
        block = blocks[body[position]]
        following = position + 1
        while following < len(body) and _link_line(blocks[body[following]]):
            following += 1
        if following > position + 1 and _ENDS_STORY.fullmatch(block.text):
            position = following  # the label and its run of links go
            continue
        kept.append(body[position])
        position += 1
    return kept


def _link_line(block: _Block) -> bool:
    """Nearly all link, whatever its length (a run of tags is long)."""
    return _teaser(block) or block.link_chars >= LINK_LINE_DENSITY * len(block.text)


def _trim_furniture(blocks: list[_Block], body: list[int]) -> list[int]:
    """The body's blocks less the lines a newsroom sets around a story, at its two ends.

    Before the story: a dateline or a byline alone on its line. After it: "…
    contributed to this report", "SOURCE: …", ways to reach or follow the writer,
    sign-up and subscription pleas, an e-mail address alone, "Updated at …" lines,
    notes on how comments are moderated, cookie notices, affiliate disclosures, and
    link lines (the headlines of other stories) once the lines after them are gone.
    (Credits such as "Reporting by …" and copyright lines stay: newsrooms print them
    as part of the story, and partners copy them with it.) Only at the ends, one line
    after another, and never the last line left.
    """
    start, end = 0, len(body)
    while end - start > 1 and _head_furniture(blocks[body[start]].text):
        start += 1
    while end - start > 1 and (
        _tail_furniture(blocks[body[end - 1]].text) or _teaser(blocks[body[end - 1]])
    ):
        end -= 1
    return body[start:end]


def _standfirst(lead: list[_Block], meta: _Meta) -> bool:
    """Whether the first of the story's blocks is its standfirst, not its first paragraph.

    A standfirst (dek, summary, strapline) is set apart from the body that follows it,
    never in the same kind of container as the next paragraph: in a container of its
    own (one that does not also hold that paragraph) named for what it is or that is
    the story's ``<header>``, or set as a sentence in an ``<h2>`` above the body, or
    the page's own description repeated in a box that is not a ``<p>`` (sites often
    reuse the story's opening paragraph as its description). Never the only
    paragraph: a story is not all summary.
    """
    if len(lead) < 2:
        return False
    first, second = lead
    if len(first.text) < MIN_STANDFIRST_CHARS:
        return False
    if first.signature == second.signature:
        return False  # the same kind of container as the next paragraph: the body's own
    apart = _ancestors(first.element, MAX_STANDFIRST_DEPTH)
    holds_next = set(_ancestors(second.element, MAX_ROOT_DEPTH))
    own = [e for e in [first.element, *apart] if e not in holds_next and e is not second.element]
    if any(_is_standfirst_container(e) for e in own):
        return True
    if any(e.tag == "header" for e in own) and first.tag != "h1":
        return True  # set in the story's header, with the headline, not in its body
    if first.tag == "h2" and second.tag not in _HEADING_TAGS and _SENTENCE_END.search(first.text):
        return True
    return first.key in meta.description_keys and first.tag != "p"


def _is_standfirst_container(element: etree._Element) -> bool:
    if (element.get("itemprop") or "").strip().lower() in ("description", "alternativeheadline"):
        return True
    return bool(_STANDFIRST_WORDS.search(_names(element)))


def _head_furniture(line: str) -> bool:
    if len(line) > MAX_FURNITURE_CHARS:
        return False
    if _HEAD_FURNITURE.search(line):
        return True  # a plea as long as those after the story
    if len(line) > MAX_FURNITURE_CHARS // 2:
        return False
    if _BYLINE.match(line):
        return True
    if _DATED.search(line):
        return _dateline(line)
    return bool(_DATE.search(line)) and len(_WORD.findall(line)) <= MAX_DATELINE_WORDS


def _dateline(line: str) -> bool:
    """A date with a few words around it (numbers, times included, are not words)."""
    words = [w for w in _WORD.findall(line) if not w.isdigit()]
    return bool(_DATE.search(line)) and len(words) <= MAX_DATELINE_WORDS


def _tail_furniture(line: str) -> bool:
    if len(line) <= MAX_NOTE_CHARS and _NOTE_OPENING.match(line):
        return True  # a note that says what it is in its first words, however long
    if len(line) > MAX_FURNITURE_CHARS:
        return False
    # a section's label ("Tags", "Related") left with nothing under it
    return bool(
        _TAIL_FURNITURE.search(line)
        or _ENDS_STORY.fullmatch(line)
        or _CODE_LINE.fullmatch(line)
        or (_dateline(line) and _DATED.search(line))
    )


def _lines(text: str) -> list[str]:
    return [line for line in map(_clean, text.splitlines()) if line]


def _choose(blocks: list[_Block], anchor_text: str, meta: _Meta) -> list[bool]:
    """Which blocks make up the story: the anchor's, plus what it missed."""
    anchor_key = text_key(_TABLE_RULE.sub("", anchor_text))
    kept = _anchor(blocks, anchor_key) if anchor_key else [False] * len(blocks)
    # trafilatura keeps what it cannot tell from prose; a block the page itself marks
    # as chrome (a newsletter box, a gallery's captions, a teaser list) is not the story.
    # Chrome words on the containers around the story are the layout's ("has-sidebar"),
    # so only those below the story's own container count.
    root = _story_root(blocks, kept)
    layout = _layout_words(blocks, kept)
    kept = [k and not _chrome_within(b, root, layout) for b, k in zip(blocks, kept, strict=True)]
    if not any(kept):
        kept = _readability_pick(blocks)

    # The same kind of container as the anchored paragraphs: the rest of a split story.
    signatures = {b.signature for b, k in zip(blocks, kept, strict=True) if k and len(b.key) >= 30}
    chosen = list(kept)
    for i, block in enumerate(blocks):
        if not chosen[i] and block.signature in signatures and _prose(block):
            chosen[i] = True

    # Prose next to the anchored paragraphs (siblings or cousins) that the anchor skipped:
    # a lead in its own box, a paragraph with a few links too many for trafilatura.
    # (Elements themselves, not id()s: lxml proxies of unreferenced nodes are recycled.)
    near: set[etree._Element] = set()
    for block, keep in zip(blocks, kept, strict=True):
        if keep and len(block.key) >= 30:
            near.update(_ancestors(block.element, 2))
    anchored = [i for i, keep in enumerate(kept) if keep]
    for i in range(anchored[0] + 1, anchored[-1]) if anchored else ():
        block = blocks[i]
        if chosen[i] or block.tag not in _PROSE_TAGS or not _prose(block, GAP_LINK_DENSITY):
            continue
        if near.intersection(_ancestors(block.element, 2)):
            chosen[i] = True
    # …and before the first anchored paragraph, up to the headline: a lead or standfirst
    # set in its own container. The walk ends where the page leaves the story's
    # neighbourhood (a long block that is not the story's cousin).
    first = next((i for i, k in enumerate(kept) if k and len(blocks[i].key) >= SHORT_BLOCK), 0)
    for i in range(first - 1, -1, -1):
        block = blocks[i]
        if block.tag == "h1" or block.key in meta.headline_keys:
            break
        is_near = bool(near.intersection(_ancestors(block.element, 2)))
        if (
            is_near
            and not chosen[i]
            and block.tag in _PROSE_TAGS
            and _prose(block, GAP_LINK_DENSITY)
        ):
            chosen[i] = True
        elif not is_near and len(block.text) >= MIN_ADDED_CHARS:
            break

    # The container that holds the most prose, when the anchor holds little of it.
    best = _readability_pick(blocks)
    prose_inside = [i for i, b in enumerate(blocks) if best[i] and _prose(b)]
    have = sum(len(blocks[i].key) for i in prose_inside if chosen[i])
    if have < COMPLETE_SHARE * sum(len(blocks[i].key) for i in prose_inside):
        for i in prose_inside:
            chosen[i] = True

    # Link lines standing between the story's paragraphs inside its container (an
    # embedded "related story" headline): the page shows them in the story's flow,
    # and a copy taken from the page carries them along.
    container = {
        b.element.getparent() for b, c in zip(blocks, chosen, strict=True) if c and _prose(b)
    }
    picked = [i for i, c in enumerate(chosen) if c]
    for i in range(picked[0] + 1, picked[-1]) if picked else ():
        block = blocks[i]
        if (
            not chosen[i]
            and not block.chrome
            and _teaser(block)
            and container.intersection(_ancestors(block.element, INLINE_LINK_DEPTH))
        ):
            chosen[i] = True

    # Posts embedded between the story's paragraphs (a tweet quoted in the story): the
    # page shows their text in the story's flow. The post's own widget only renders
    # with scripts, so what a reader without them sees is this quoted text.
    picked = [i for i, c in enumerate(chosen) if c]
    embedded = [False] * len(blocks)
    for i in range(picked[0] + 1, picked[-1]) if picked else ():
        if _in_embedded_post(blocks[i]):
            chosen[i] = embedded[i] = True

    # Blocks the page's own JSON-LD articleBody vouches for.
    body_key = text_key(meta.article_body or "")
    if body_key:
        for i, block in enumerate(blocks):
            if not chosen[i] and len(block.key) >= SHORT_BLOCK and block.key in body_key:
                chosen[i] = True

    # A heading that opens the related stories, the comments or a sign-up box ends
    # the story within its container: it and what follows it there are not the story.
    ended = _after_section_ends(blocks, chosen)
    # Cards that each announce another story of the site, three or more in a row.
    cards = _teaser_cards(blocks, chosen, meta)
    # Nothing added above may be boilerplate within the story's container either (an
    # embedded post's wrapper may call itself "social": the post is still quoted text).
    return [
        c and not e and not t and (m or not _chrome_within(b, root, layout))
        for b, c, e, t, m in zip(blocks, chosen, ended, cards, embedded, strict=True)
    ]


def _in_embedded_post(block: _Block) -> bool:
    for element in [block.element, *_ancestors(block.element, CARD_DEPTH)]:
        if element.tag == "blockquote" and _EMBEDDED_POST.search(element.get("class") or ""):
            return True
    return False


def _teaser_cards(blocks: list[_Block], chosen: list[bool], meta: _Meta) -> list[bool]:
    """Blocks inside a row of cards that point to the site's other stories.

    A card is a short element (a list item, a box) whose longest link is a headline
    (at least :data:`MIN_CARD_HEADLINE` characters) to another page of the same site;
    a row is at least :data:`MIN_CARDS` siblings of the same tag and class that are all
    cards. Links to other sites (a shop, a source) do not make cards: a product
    round-up's items are the story.
    """
    host = _page_host(meta)
    marked = [False] * len(blocks)
    if not host:
        return marked
    verdicts: dict[etree._Element, bool] = {}
    for i, block in enumerate(blocks):
        if not chosen[i] or (not block.link_chars and block.tag not in _HEADING_TAGS):
            continue
        for element in [block.element, *_ancestors(block.element, CARD_DEPTH)]:
            if element not in verdicts:
                verdicts[element] = _in_card_row(element, host)
            if verdicts[element]:
                marked[i] = True
                break
    # Every block of a card that is in a row goes, its summary line too…
    rows = {e for e, v in verdicts.items() if v}
    for i, block in enumerate(blocks):
        if chosen[i] and not marked[i]:
            ancestors = [block.element, *_ancestors(block.element, CARD_DEPTH)]
            marked[i] = any(e in rows for e in ancestors)
    # …when it stands before or after the story: cards set between its paragraphs are
    # in its flow, and a copy taken from the page carries them along.
    prose = [i for i, b in enumerate(blocks) if chosen[i] and not marked[i] and _prose(b)]
    if prose:
        for i in range(prose[0], prose[-1]):
            marked[i] = False
    return marked


def _page_host(meta: _Meta) -> str:
    for url in (meta.url, meta.canonical, meta.og_url):
        if url:
            host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
            if host:
                return host
    return ""


def _in_card_row(element: etree._Element, host: str) -> bool:
    parent = element.getparent()
    if parent is None or element.tag in _NEVER_CHROME or not _is_card(element, host):
        return False
    kind = (element.tag, _DIGITS.sub("", element.get("class") or ""))
    same = [
        e
        for e in parent
        if isinstance(e.tag, str) and (e.tag, _DIGITS.sub("", e.get("class") or "")) == kind
    ]
    return len(same) >= MIN_CARDS and all(_is_card(e, host) for e in same)


def _is_card(element: etree._Element, host: str) -> bool:
    text = _clean(element.text_content())
    if not text or len(text) > MAX_CARD_CHARS:
        return False
    links = [(len(_clean(a.text_content())), a) for a in element.iter("a")]
    if not links:
        return False
    size, link = max(links, key=lambda pair: pair[0])
    if size < MIN_CARD_HEADLINE:
        return False
    # The headline stands on a line of its own (a heading, a list item), not inside a
    # paragraph that links a phrase.
    line = next(
        (e for e in _ancestors(link, CARD_DEPTH) if e.tag in _BLOCK_TAGS or e is element),
        element,
    )
    if size < LINK_LINE_DENSITY * len(_clean(line.text_content())):
        return False
    target = urlsplit(link.get("href") or "")
    target_host = (target.hostname or host).lower().removeprefix("www.")
    same_site = target_host == host or target_host.endswith("." + host)
    return same_site and target.path.strip("/") != ""


def _after_section_ends(blocks: list[_Block], chosen: list[bool]) -> list[bool]:
    """Blocks under a heading that ends the story ("Related", "Comments"), and the heading.

    A heading tag says it is one anywhere below the story's start. A label the page
    sets in other markup ("<strong>Top stories</strong>" in a title bar) says so only
    past the bulk of the story (``LABEL_END_SHARE`` of its text), and only when it is
    as short as a label: a "12 comments" link beside the byline ends nothing, nor does
    a list item that starts "Sign up for …".
    """
    ended = [False] * len(blocks)
    first = next((i for i, c in enumerate(chosen) if c and len(blocks[i].key) >= SHORT_BLOCK), None)
    if first is None:
        return ended
    sizes = [len(b.key) if c else 0 for b, c in zip(blocks, chosen, strict=True)]
    total = sum(sizes)
    before = sum(sizes[: first + 1])
    for i in range(first + 1, len(blocks)):
        block = blocks[i]
        before += sizes[i]
        if ended[i] or not _ENDS_STORY.fullmatch(block.text):
            continue
        label = block.tag not in _HEADING_TAGS
        if label and (before < LABEL_END_SHARE * total or len(block.text) > MAX_LABEL_CHARS):
            continue
        heading = block.element
        # The heading's own wrappers (<div class="title"><h3>…</h3></div>) go with it.
        size = len(_clean(heading.text_content()))
        parent = heading.getparent()
        while parent is not None and parent.tag not in _NEVER_CHROME:
            if len(_clean(parent.text_content())) > size:
                break
            heading, parent = parent, parent.getparent()
        section = {heading, *heading.itersiblings()}
        # Paragraphs of the same kind as the story's before the heading are the story
        # going on (past a box whose list the page fills in later).
        story = {b.signature for b, c in zip(blocks[:i], chosen, strict=False) if c and _prose(b)}
        for j in range(i, len(blocks)):
            element = blocks[j].element
            if blocks[j].signature in story and j != i and _prose(blocks[j]):
                continue
            if label and j != i and _labelled_prose(blocks[j]):
                break  # a label over paragraphs ("Read also:" over reviews) is the story's
            if element in section or section.intersection(_ancestors(element, MAX_ROOT_DEPTH)):
                ended[j] = True
    return ended


def _labelled_prose(block: _Block) -> bool:
    """A paragraph under a label that the author wrote: long, few links, sentences.

    Whatever its container is called: the label's own box may be named for sharing.
    """
    text = block.text
    return (
        len(text) >= MIN_LABELLED_PROSE
        and block.link_chars <= MAX_LINK_DENSITY * len(text)
        and bool(_SENTENCE_END.search(text))
    )


def _story_root(blocks: list[_Block], kept: list[bool]) -> etree._Element | None:
    """The deepest element that holds nearly all of the kept long blocks' text."""
    weights: dict[etree._Element, int] = {}
    depth: dict[etree._Element, int] = {}
    total = 0
    for block, keep in zip(blocks, kept, strict=True):
        if not keep or len(block.key) < SHORT_BLOCK:
            continue
        total += len(block.key)
        chain = [block.element, *_ancestors(block.element, MAX_ROOT_DEPTH)]
        for level, element in enumerate(chain):
            weights[element] = weights.get(element, 0) + len(block.key)
            depth.setdefault(element, len(chain) - level)
    held = [e for e, w in weights.items() if w >= STORY_ROOT_SHARE * total]
    return max(held, key=lambda e: depth[e]) if held else None


def _layout_words(blocks: list[_Block], kept: list[bool]) -> set[etree._Element]:
    """Boilerplate containers that hold most of the anchored text: misnamed, they are the
    story's own column ("sidebar_content" around a whole article)."""
    weights: dict[etree._Element, int] = {}
    total = 0
    for block, keep in zip(blocks, kept, strict=True):
        if keep and len(block.key) >= SHORT_BLOCK:
            total += len(block.key)
            if block.boilerplate_root is not None:
                root = block.boilerplate_root
                weights[root] = weights.get(root, 0) + len(block.key)
    return {e for e, w in weights.items() if w >= LAYOUT_SHARE * total}


def _chrome_within(
    block: _Block, root: etree._Element | None, layout: set[etree._Element] = frozenset()
) -> bool:
    """Boilerplate below the story's container (or outside it), not a wrapper around it."""
    if block.boilerplate_root is None or block.boilerplate_root in layout:
        return False
    if root is None:
        return True
    return not (block.boilerplate_root is root or block.boilerplate_root in _ancestors(root, 256))


def _teaser(block: _Block) -> bool:
    """A short line of words that is nearly all link: "Read more: …", a related headline.

    A bare URL standing as a line is left alone: it is text the author wrote out.
    """
    return (
        block.tag not in ("td", "th")
        and len(block.text) < MAX_LINK_LINE
        and " " in block.text
        and block.link_chars >= LINK_LINE_DENSITY * len(block.text)
    )


def _promo(block: _Block) -> bool:
    """A line that points elsewhere, not part of the story's text.

    A labelled link ("Related: …", "READ MORE: …", "[See also: …]"), a link set in
    capitals (an inline promotion), a row of share buttons, a whole paragraph
    that is one link (another story's blurb), or a short plea to the reader to sign
    up ("Let our news meet your inbox.", "Subscribe to … on YouTube"), wherever it
    stands.
    """
    text = block.text
    if len(text) <= MAX_PLEA_CHARS and _PLEA.search(text):
        return True
    if len(text) >= MAX_LINK_LINE:
        return block.link_chars >= LINKED_BLURB * len(text)
    words = _WORD.findall(text)
    if words and sum(w.casefold() in _SHARE_WORDS for w in words) >= SHARE_SHARE * len(words):
        return True
    label = _LABEL.match(text)
    if label and " " in text[label.end() :].strip():
        # the label itself is not linked, the words after it are
        rest = len(text) - label.end()
        if LINK_LINE_DENSITY * rest <= block.link_chars <= rest + 1:
            return True
    if not _teaser(block):
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= MIN_CAPS_LETTERS and all(c.isupper() for c in letters)


def _ancestors(element: etree._Element, levels: int) -> list[etree._Element]:
    """The parent, grandparent… up to ``levels`` of them (cheap on very deep trees)."""
    found: list[etree._Element] = []
    parent = element.getparent()
    while parent is not None and len(found) < levels:
        found.append(parent)
        parent = parent.getparent()
    return found


def _readability_pick(blocks: list[_Block]) -> list[bool]:
    """The blocks of the container that holds the most prose (readability's scoring)."""
    scores: dict[etree._Element, float] = {}
    for block in blocks:
        if block.chrome or len(block.text) < 25:
            continue
        score = 1 + block.text.count(",") + min(len(block.text) // 100, 3)
        score *= 1 - block.link_chars / len(block.text)
        for level, element in enumerate([block.element, *_ancestors(block.element, 2)]):
            scores[element] = scores.get(element, 0.0) + score / (1 + level)
    if not scores:
        return [not b.chrome for b in blocks]
    best = max(scores, key=lambda e: scores[e])
    return [
        not b.chrome and (b.element is best or best in _ancestors(b.element, 64)) for b in blocks
    ]
