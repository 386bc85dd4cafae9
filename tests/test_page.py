"""page: HTML and text targets reduced to visible text, blocks and links, offsets exact."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from reprint_check.errors import FetchError
from reprint_check.models import Block, Link, Page
from reprint_check.page.html import decode_html, page_from_html, page_from_text

URL = "https://partner.example/news/story.html"


def html_page(body: str, head: str = "", **kwargs: str) -> Page:
    return page_from_html(f"<html><head>{head}</head><body>{body}</body></html>", URL, **kwargs)


def block_texts(page: Page) -> list[tuple[str, str]]:
    return [(b.kind, page.text[b.start : b.end]) for b in page.blocks]


def link(page: Page, href: str) -> Link:
    (found,) = [item for item in page.links if item.href == href]
    return found


# --- text ------------------------------------------------------------------------------------


def test_inline_tags_do_not_split_or_pad_words() -> None:
    page = html_page(
        "<p>The hea<strong>t to</strong> a <em>boil</em>ing point, "
        "<span>s</span><b>l</b><i>o</i><sup>w</sup>ly.</p>"
    )
    assert page.text == "The heat to a boiling point, slowly."
    assert page.blocks == (Block(0, "p", 0, 36),)


def test_white_space_collapses_across_inline_elements_like_a_browser() -> None:
    page = html_page("<p>\n\t A  <b> b </b>\r\n <i>\fc</i>   d \n</p>")
    assert page.text == "A b c d"


def test_br_is_a_line_break_without_the_spaces_around_it() -> None:
    page = html_page("<p>First line <br>\n   second line<br/>third</p><p>next</p>")
    assert page.text == "First line\nsecond line\nthird\n\nnext"
    assert block_texts(page) == [("p", "First line\nsecond line\nthird"), ("p", "next")]


def test_nbsp_is_kept_and_entities_are_decoded() -> None:
    page = html_page("<p>10&nbsp;km &amp; 5&#160;m &lt;b&gt; caf&eacute; it&#8217;s</p>")
    assert page.text == "10\u00a0km & 5\u00a0m <b> café it\u2019s"


def test_nbsp_at_block_edges_is_trimmed_from_the_block_span() -> None:
    page = html_page("<p>&nbsp; Indented &nbsp;</p>")
    assert page.text == "Indented"


def test_script_style_template_and_other_non_text_are_excluded() -> None:
    page = html_page(
        "<p>Before</p>"
        "<script>var story = 'not text';</script>"
        "<style>p { color: red }</style>"
        "<template><p>template text</p></template>"
        "<select><option>choice</option></select>"
        "<textarea>typed</textarea>"
        "<svg><text>drawn</text></svg>"
        "<iframe>frame</iframe>"
        "<p>After</p>",
        head="<title>The headline</title><style>body {}</style>",
    )
    assert page.text == "Before\n\nAfter"
    assert page.title == "The headline"


def test_hidden_elements_are_not_text() -> None:
    page = html_page(
        "<p>One <span hidden>secret</span>two</p>"
        "<div style='display: none'><p>invisible paragraph</p></div>"
        "<p>three <span style='color:red; VISIBILITY : hidden !important'>ghost</span>four</p>"
        "<p aria-hidden='true'>still visible</p>"
    )
    assert page.text == "One two\n\nthree four\n\nstill visible"


def test_visibility_can_be_undone_by_a_descendant_but_display_none_cannot() -> None:
    page = html_page(
        "<div style='visibility:hidden'>gone <span style='visibility:visible'>back</span></div>"
        "<div style='display:none'>gone <span style='display:block'>still gone</span></div>"
    )
    assert page.text == "back"


def test_explicit_display_overrides_the_hidden_attribute() -> None:
    page = html_page("<p hidden style='display:block'>shown anyway</p>")
    assert page.text == "shown anyway"


def test_noscript_text_is_not_visible() -> None:
    page = html_page("<p>As reported <noscript>enable scripts</noscript>today.</p>")
    assert page.text == "As reported today."


def test_a_tag_opened_inside_noscript_does_not_swallow_the_page() -> None:
    # As in a browser with scripting on, noscript content is raw text up to </noscript>:
    # the <div> it opens never opens, so the story after it stays visible.
    page = html_page(
        "<body><noscript><div class='no-js'></noscript><p>The story <a href='/s'>here</a>.</p>"
        "<noscript></div></noscript><p>After.</p></body>"
    )
    assert page.text == "The story here.\n\nAfter."
    assert (link(page, "/s").block, link(page, "/s").position) == (0, 10)


def test_unclosed_noscripts_stay_linear_and_hide_the_rest() -> None:
    page = html_page("<p>Before.</p>" + "<noscript><p>x</p>" * 20_000)
    assert page.text == "Before."


def test_noscripts_are_found_where_a_letter_lower_cases_to_two() -> None:
    # "İ" lower-cases to "i" and a combining dot: the noscript must still end at its own
    # </noscript>, not one character later, leaving "p>" in the text.
    page = html_page("<p>İstanbul</p><noscript><div></noscript><p>After the noscript.</p>")
    assert page.text == "İstanbul\n\nAfter the noscript."


def test_a_placeholder_written_inside_a_noscript_is_not_followed() -> None:
    # The attribute that marks lifted noscripts, written by the page itself inside a
    # noscript's content, must not make the walk enter that content again and again.
    page = html_page(
        '<noscript><noscript data-reprint-check-noscript="0"></noscript>'
        "<p>Text <a href='/t'>here</a>.</p>"
    )
    assert page.text == "Text here."
    assert [item.href for item in page.links] == ["/t"]


def test_an_image_in_a_noscript_inside_a_link_keeps_its_words_apart() -> None:
    page = html_page("<p><a href='/x'>Read<noscript><img src='a.png'></noscript>more</a></p>")
    assert page.text == "Readmore"
    assert link(page, "/x").text == "Read more"


def test_meta_data_inside_a_noscript_counts() -> None:
    page = html_page(
        "<p>x</p>",
        head="<noscript><link rel='stylesheet' href='/s.css'></noscript>"
        "<noscript><link rel='&#99;anonical' href='/story'><title>Lifted</title>"
        "<meta name='robots' content='noindex'></noscript>",
    )
    assert page.canonical == "https://partner.example/story"
    assert (page.title, page.robots) == ("Lifted", ("noindex",))


class _CountedParser(etree.HTMLParser):
    made = 0

    def __init__(self, **kwargs: object) -> None:
        type(self).made += 1
        super().__init__(**kwargs)


REAL_PAGE = """<!doctype html><html><head><title>Harbour news</title>
<link rel="canonical" href="/news/story.html">
<noscript><link rel="stylesheet" href="/no-js.css"></noscript>
<script>var tags = "<a href='/x'>";</script><style>p { color: red }</style></head>
<body><!-- header --><noscript><iframe src="https://tags.example/ns.html"></iframe></noscript>
<nav><a href="/">Home</a> <a href="/news"><noscript><img src="n.png"></noscript>News</a></nav>
<article><p>The ferry <b>leaves</b> at noon.</p><!-- /article --></article>
<noscript><img src="https://pixel.example/p.gif" height="1"></noscript></body></html>"""


def test_a_page_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Noscripts that hold only a style sheet, a frame or an image, scripts and comments
    # without links are read from the one parse of the page.
    monkeypatch.setattr(etree, "HTMLParser", _CountedParser)
    _CountedParser.made = 0
    page = page_from_html(REAL_PAGE, URL)
    assert _CountedParser.made == 1
    assert page.text == "Home News\n\nThe ferry leaves at noon."
    assert [(item.href, item.text) for item in page.links] == [("/", "Home"), ("/news", "News")]


def test_markup_inside_a_comment_is_parsed_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # A comment's content is text to the parser: a link written in it takes a parse of its own.
    monkeypatch.setattr(etree, "HTMLParser", _CountedParser)
    _CountedParser.made = 0
    page = page_from_html(
        REAL_PAGE.replace("<!-- header -->", "<!-- <a href='/old'>Old</a> -->"), URL
    )
    assert _CountedParser.made == 2
    assert link(page, "/old").in_comment


def test_nested_blocks_do_not_duplicate_text() -> None:
    page = html_page(
        "<div>Intro text <blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote>"
        " closing words</div>"
    )
    assert page.text == "Intro text\n\nQuoted one.\n\nQuoted two.\n\nclosing words"
    assert block_texts(page) == [
        ("div", "Intro text"),
        ("p", "Quoted one."),
        ("p", "Quoted two."),
        ("div", "closing words"),
    ]


def test_lists_headings_and_table_cells_are_blocks() -> None:
    page = html_page(
        "<h2>Results</h2><ul><li>First <b>item</b></li><li>Second <ul><li>inner</li></ul></li></ul>"
        "<table><tr><th>Team</th><td>Score</td></tr></table>"
    )
    assert block_texts(page) == [
        ("h2", "Results"),
        ("li", "First item"),
        ("li", "Second"),
        ("li", "inner"),
        ("th", "Team"),
        ("td", "Score"),
    ]
    assert page.text == "Results\n\nFirst item\n\nSecond\n\ninner\n\nTeam\n\nScore"
    assert [b.index for b in page.blocks] == list(range(6))


def test_block_offsets_slice_exactly() -> None:
    page = html_page("<h1> Title </h1>\n<p>\n  Para one.\n</p>\n<blockquote>Quote</blockquote>")
    assert page.text == "Title\n\nPara one.\n\nQuote"
    assert page.blocks == (
        Block(0, "h1", 0, 5),
        Block(1, "p", 7, 16),
        Block(2, "blockquote", 18, 23),
    )


def test_pre_keeps_its_white_space() -> None:
    page = html_page("<p>Code:</p><pre>\nline  one\n\tindented\n  last</pre>")
    assert block_texts(page) == [("p", "Code:"), ("pre", "line  one\n\tindented\n  last")]


def test_whitespace_only_blocks_make_no_block() -> None:
    page = html_page("<p> </p><div>\n\t</div><p>&nbsp;</p><p>Only this</p><hr><p></p>")
    assert page.text == "Only this"
    assert page.blocks == (Block(0, "p", 0, 9),)


def test_text_after_the_closing_html_tag_is_still_read() -> None:
    page = page_from_html("<html><body><p>Body</p></body></html><p>Appended</p>", URL)
    assert page.text == "Body\n\nAppended"


def test_empty_and_text_only_documents() -> None:
    assert page_from_html("", URL).text == ""
    assert page_from_html("   \n ", URL).blocks == ()
    assert page_from_html("Just words", URL).text == "Just words"


# --- links -------------------------------------------------------------------------------------


def test_visible_link_records_block_position_text_and_rel() -> None:
    page = html_page(
        "<p>Intro.</p>"
        "<p>Read the <a href=' /story/1 ' rel='NoFollow  UGC'>\n  full   story </a> now.</p>"
    )
    assert page.text == "Intro.\n\nRead the full story now."
    found = link(page, "/story/1")
    assert found == Link(
        href="/story/1",
        url="https://partner.example/story/1",
        text="full story",
        rel=("nofollow", "ugc"),
        hidden=None,
        in_noscript=False,
        in_comment=False,
        block=1,
        position=17,
    )
    assert page.text[found.position :].startswith("full story")


def test_link_inside_a_word_and_link_wrapping_blocks() -> None:
    page = html_page(
        "<p>pre<a href='/a'>fix</a>ed</p><a href='/card'><div>Card title</div><p>Card text</p></a>"
    )
    assert page.text == "prefixed\n\nCard title\n\nCard text"
    assert link(page, "/a").position == 3
    card = link(page, "/card")
    assert (card.block, card.position, card.text) == (1, 10, "Card title Card text")


def test_image_link_without_text_stands_where_it_is() -> None:
    page = html_page("<p>Photo <a href='/pic'><img src='p.jpg' alt='x'></a> credit</p>")
    assert page.text == "Photo credit"
    pic = link(page, "/pic")
    assert (pic.block, pic.position, pic.text) == (0, 6, "")


def test_hidden_links_are_flagged_and_stand_outside_the_text() -> None:
    page = html_page(
        "<p>Start <a hidden href='/h1'>one</a>end.</p>"
        "<div style='display:none'><p><a href='/h2'>two</a></p></div>"
        "<p>Mid <span style='visibility: hidden'><a href='/h3'>three</a></span>tail</p>"
        "<p>Own <a style='display:none' href='/h4'>four</a>style</p>"
    )
    assert page.text == "Start end.\n\nMid tail\n\nOwn style"
    assert [(x.href, x.hidden, x.block, x.position) for x in page.links] == [
        ("/h1", "hidden attribute", None, 6),
        ("/h2", "display:none", None, 10),
        ("/h3", "visibility:hidden", None, 16),
        ("/h4", "display:none", None, 26),
    ]
    assert link(page, "/h2").text == "two"


def test_aria_hidden_links_are_visible() -> None:
    page = html_page("<p>See <a aria-hidden='true' href='/x'>this</a>.</p>")
    found = link(page, "/x")
    assert (found.hidden, found.block, found.position) == (None, 0, 4)


def test_noscript_link_is_flagged() -> None:
    page = html_page(
        "<p>Earlier.</p><p>As reported <noscript><a href='/src'>Source</a></noscript>:</p>"
    )
    assert page.text == "Earlier.\n\nAs reported :"
    src = link(page, "/src")
    assert (src.in_noscript, src.in_comment, src.hidden) == (True, False, None)
    assert (src.block, src.position, src.text) == (None, 22, "Source")


def test_link_inside_a_comment_is_recovered_and_flagged() -> None:
    page = html_page(
        "<p>Text here.</p><!-- removed: <a href='https://pub.example/a/1' rel=nofollow>"
        "Original</a> --><p>More.</p><!--[if IE]><a href='/ie'>IE</a><![endif]-->"
        "<!-- <base href='https://evil.example/'><title>No</title> -->"
    )
    assert page.text == "Text here.\n\nMore."
    comment = link(page, "https://pub.example/a/1")
    assert comment == Link(
        href="https://pub.example/a/1",
        url="https://pub.example/a/1",
        text="Original",
        rel=("nofollow",),
        hidden=None,
        in_noscript=False,
        in_comment=True,
        block=None,
        position=10,
    )
    assert link(page, "/ie").url == "https://partner.example/ie"
    assert page.title == ""


def test_link_in_a_comment_inside_noscript_has_both_flags() -> None:
    page = html_page("<noscript><!-- <a href='/x'>x</a> --></noscript><p>Body</p>")
    found = link(page, "/x")
    assert (found.in_noscript, found.in_comment, found.position) == (True, True, 0)


def test_non_web_hrefs_have_no_url() -> None:
    page = html_page(
        "<p><a href='javascript:void(0)'>js</a> <a href='MAILTO:desk@pub.example'>mail</a> "
        "<a href='data:text/html,hi'>data</a> <a href=''>empty</a> <a href='http://[::1'>bad</a> "
        "<a href='http://host:99999/'>port</a> <a>no href</a></p>"
    )
    assert [(x.href, x.url) for x in page.links] == [
        ("javascript:void(0)", None),
        ("MAILTO:desk@pub.example", None),
        ("data:text/html,hi", None),
        ("", None),
        ("http://[::1", None),
        ("http://host:99999/", None),
    ]


def test_relative_urls_resolve_against_the_location() -> None:
    page = html_page(
        "<p><a href='other.html'>a</a> <a href='/root'>b</a> <a href='//cdn.example/x'>c</a> "
        "<a href='#top'>d</a> <a href='https://pub.example/abs?q=1'>e</a></p>"
    )
    assert [x.url for x in page.links] == [
        "https://partner.example/news/other.html",
        "https://partner.example/root",
        "https://cdn.example/x",
        "https://partner.example/news/story.html#top",
        "https://pub.example/abs?q=1",
    ]


def test_base_href_wins_over_base_url_and_location() -> None:
    page = page_from_html(
        "<head><base href='/archive/'></head><p><a href='item'>x</a></p>",
        "saved/page.html",
        base_url="https://mirror.example/deep/path",
    )
    assert page.links[0].url == "https://mirror.example/archive/item"


def test_base_url_is_used_for_a_saved_file_and_nothing_resolves_without_one() -> None:
    html = "<p><a href='item'>x</a> <a href='//cdn.example/y'>y</a></p>"
    with_base = page_from_html(html, "saved/page.html", base_url="http://mirror.example/a/")
    assert [x.url for x in with_base.links] == [
        "http://mirror.example/a/item",
        "http://cdn.example/y",
    ]
    without = page_from_html(html, "saved/page.html")
    assert [x.url for x in without.links] == [None, "https://cdn.example/y"]


# --- meta data ---------------------------------------------------------------------------------


def test_title_canonical_og_url_and_robots() -> None:
    page = html_page(
        "<p>Body</p><svg><title>icon</title></svg>",
        head=(
            "<title>\n  Partner   headline </title>"
            "<link rel='alternate canonical' href='/news/story'>"
            "<meta property='og:url' content='https://partner.example/og/story'>"
            "<meta name='Robots' content='NoIndex, FOLLOW'>"
            "<meta name='googlebot' content='nofollow, max-snippet:-1'>"
            "<meta name='description' content='not robots'>"
        ),
    )
    assert page.title == "Partner headline"
    assert page.canonical == "https://partner.example/news/story"
    assert page.og_url == "https://partner.example/og/story"
    assert page.robots == ("noindex", "follow", "nofollow", "max-snippet:-1")


def test_og_title_is_the_fallback_title_and_none_means_noindex_nofollow() -> None:
    page = html_page(
        "<p>Body</p>",
        head="<meta property='og:title' content='Social  title'><meta name=robots content=none>",
    )
    assert page.title == "Social title"
    assert page.robots == ("none", "noindex", "nofollow")
    assert (page.canonical, page.og_url) == (None, None)


# --- encodings ---------------------------------------------------------------------------------


def test_bytes_with_meta_charset_windows_1251() -> None:
    html = "<html><head><meta charset='windows-1251'></head><body><p>Новости дня: всё хорошо</p>"
    page = page_from_html(html.encode("cp1251"), URL)
    assert page.text == "Новости дня: всё хорошо"


def test_bytes_with_http_equiv_charset() -> None:
    html = (
        '<meta http-equiv="Content-Type" content="text/html; charset=KOI8-R">'
        "<p>Съешь ещё этих булок</p>"
    )
    assert page_from_html(html.encode("koi8-r"), URL).text == "Съешь ещё этих булок"


def test_header_charset_is_used_and_bom_beats_everything() -> None:
    body = "<p>Ελληνικά νέα</p>"
    assert page_from_html(body.encode("cp1253"), URL, encoding="windows-1253").text == (
        "Ελληνικά νέα"
    )
    with_bom = "\ufeff<meta charset='windows-1251'><p>ü ß</p>".encode("utf-16-le")
    assert page_from_html(with_bom, URL).text == "ü ß"


def test_invalid_utf8_never_crashes() -> None:
    data = "<p>Café crème — déjà vu</p>".encode() + b"<p>bad \xff\xfe byte \xc3</p>"
    page = page_from_html(data, URL)
    assert page.text == "Café crème — déjà vu\n\nbad \ufffd\ufffd byte \ufffd"
    declared = b"<meta charset=utf-8><p>x \x80 y</p>"
    assert page_from_html(declared, URL).text == "x \ufffd y"


def test_undeclared_legacy_bytes_are_guessed() -> None:
    text = "Le conseil a voté mercredi une réforme très débattue, déjà critiquée. "
    data = ("<p>" + text * 3 + "</p>").encode("cp1252")
    assert page_from_html(data, URL).text == (text * 3).strip()


def test_unknown_charset_label_is_ignored() -> None:
    assert decode_html("<meta charset='x-nonsense'><p>naïve</p>".encode()) == (
        "<meta charset='x-nonsense'><p>naïve</p>"
    )


def test_garbage_bytes_and_odd_strings_do_not_crash() -> None:
    with pytest.raises(FetchError) as info:  # binary data is an error entry, not a clean page
        page_from_html(bytes(range(256)) * 50, URL)
    assert str(info.value) == f"{URL}: binary data, not an HTML page"
    page_from_html("<p>lone \ud800 surrogate \x00 nul</p>", URL)
    assert page_from_html("<?xml version='1.0' encoding='utf-8'?><p>x</p>", URL).text == "x"


# --- deep and big ------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["div", "span", "blockquote", "b"])
def test_deep_nesting_does_not_exhaust_the_stack(tag: str) -> None:
    depth = 20_000
    html = f"<body>{f'<{tag}>' * depth}deep words{f'</{tag}>' * depth}<p>after</p></body>"
    page = page_from_html(html, URL)
    assert page.text == "deep words\n\nafter"


def test_very_deep_nesting_with_links_and_hidden_ancestors() -> None:
    depth = 100_000
    html = (
        "<body><div style='display:none'>"
        + "<div>" * depth
        + "<a href='/deep'>x</a>"
        + "</div>" * depth
        + "</div><p>shown</p></body>"
    )
    page = page_from_html(html, URL)
    assert page.text == "shown"
    assert link(page, "/deep").hidden == "display:none"


def test_large_page_keeps_every_paragraph() -> None:
    paragraphs = [f"Paragraph {i} says <b>something</b> about item {i}." for i in range(20_000)]
    page = html_page("".join(f"<p>{p}</p>" for p in paragraphs))
    assert len(page.blocks) == 20_000
    last = page.blocks[-1]
    assert page.text[last.start : last.end] == "Paragraph 19999 says something about item 19999."


# --- plain text --------------------------------------------------------------------------------


def test_text_target_keeps_text_exactly_and_splits_paragraphs() -> None:
    text = "  First para\r\nsecond line  \r\n \t \r\n\r\nSecond para\n\n\n  third\r\n"
    page = page_from_text(text, "story.txt")
    assert page.text == text
    assert page.blocks == (
        Block(0, "p", 2, 25),
        Block(1, "p", 36, 47),
        Block(2, "p", 52, 57),
    )
    assert [text[b.start : b.end] for b in page.blocks] == [
        "First para\r\nsecond line",
        "Second para",
        "third",
    ]
    assert (page.links, page.location) == ((), "story.txt")


def test_text_target_with_lone_cr_and_no_final_newline() -> None:
    text = "one\rtwo\r\rthree"
    page = page_from_text(text, "-")
    assert [text[b.start : b.end] for b in page.blocks] == ["one\rtwo", "three"]


def test_empty_text_target() -> None:
    assert page_from_text("", "-").blocks == ()
    assert page_from_text(" \n\t\n", "-").blocks == ()


# --- properties ---------------------------------------------------------------------------------

INLINE = ["b", "i", "em", "strong", "span", "a href='/x'", "sup", "small"]
BLOCKS = ["p", "div", "blockquote", "li", "h3"]
FRAGMENT = st.text(alphabet="ab xy\t\n\u00a0.,", min_size=0, max_size=12)


def _node(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return FRAGMENT
    child = _node(depth - 1)
    inline = st.tuples(st.sampled_from(INLINE), st.lists(child, max_size=3)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0].split()[0]}>"
    )
    block = st.tuples(st.sampled_from(BLOCKS), st.lists(child, max_size=3)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"
    )
    return st.one_of(FRAGMENT, inline, block, st.just("<br>"))


def _visible_chars(html: str) -> str:
    without_tags = re.sub(r"<[^>]*>", "", html)
    return re.sub(r"\s", "", without_tags)


@settings(max_examples=300, deadline=None)
@given(st.lists(_node(3), max_size=6))
def test_blocks_are_trimmed_ordered_and_keep_every_visible_character(parts: list[str]) -> None:
    html = "".join(parts)
    page = page_from_html(html, URL)
    slices = [page.text[b.start : b.end] for b in page.blocks]
    for block, piece in zip(page.blocks, slices, strict=True):
        assert piece
        assert piece == piece.strip()
        assert block.kind in {"body", *BLOCKS}
    assert all(a.end < b.start for a, b in zip(page.blocks, page.blocks[1:], strict=False))
    assert [b.index for b in page.blocks] == list(range(len(page.blocks)))
    assert page.text == "\n\n".join(slices)
    assert re.sub(r"\s", "", page.text) == _visible_chars(html)
    for item in page.links:
        assert 0 <= item.position <= len(page.text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["heat", "to", "a", "boil", "news", "wire"]), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 60), st.sampled_from(INLINE)), max_size=6),
)
def test_inline_markup_never_changes_the_sentence(
    words: list[str], cuts: list[tuple[int, str]]
) -> None:
    sentence = " ".join(words)
    opened = sorted((min(cut, len(sentence)), tag) for cut, tag in cuts)
    html, last = [], 0
    for cut, tag in opened:
        html.append(sentence[last:cut])
        html.append(f"<{tag}>")
        last = cut
    html.append(sentence[last:])
    html.extend(f"</{tag.split()[0]}>" for _, tag in reversed(opened))
    page = page_from_html("<p>" + "".join(html) + "</p>", URL)
    assert page.text == sentence


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\r\n\u00a0", max_size=60))
def test_text_blocks_are_exact_trimmed_paragraphs(text: str) -> None:
    page = page_from_text(text, "-")
    assert page.text == text
    previous_end = -1
    for block in page.blocks:
        piece = text[block.start : block.end]
        assert piece
        assert piece == piece.strip()
        assert block.start > previous_end
        previous_end = block.end
        lines = re.split(r"\r\n|\r|\n", piece)
        assert all(line.strip() for line in lines)
    assert re.sub(r"\s", "", "".join(text[b.start : b.end] for b in page.blocks)) == re.sub(
        r"\s", "", text
    )
