"""extract_article: the story's whole body, headline apart, chrome out.

Every page here is fictional and written for these tests.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reprint_check.errors import FetchError
from reprint_check.models import Article
from reprint_check.page.article import decode_html, extract_article

HEADLINE = "Lindenfeld ferry returns after a winter of repairs"

STORY = [
    "The old ferry that links Lindenfeld with the island of Marrow returned to service on "
    "Tuesday morning, after five months in the dry dock at Kessel harbour.",
    "Engineers replaced both propeller shafts, rebuilt the wheelhouse and fitted a ramp that "
    "lets wheelchairs and prams roll aboard without help from the crew.",
    "\u201cWe had islanders rowing their own boats across in January, which nobody wants to "
    "see again,\u201d said harbour master Ilse Brandauer, who has run the crossing since 2009.",
    "The repairs cost the county a little over two million, half of it from a regional fund "
    "for rural transport that closes its books at the end of the year.",
    "Timetables stay as they were before the break, with the first crossing at six and the "
    "last at nine in the evening, and an extra boat on market Saturdays.",
    "Tickets bought for the replacement bus service will be honoured on the ferry until the "
    "end of the month, the operator said in a statement on its website.",
]

CHROME = """
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your visit.
  By staying on this site you accept them.</p><button>Accept</button></div>
<header class="site-header"><a href="/">The Marrow Courier</a>
  <nav class="main-nav"><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
  <li><a href="/weather">Weather</a></li><li><a href="/letters">Letters</a></li></ul></nav>
</header>
"""

RELATED_SHARE_COMMENTS = """
<div class="share-buttons"><a href="https://social.example/share">Share on Social</a>
  <a href="mailto:?subject=ferry">Email this story</a></div>
<aside class="related-stories"><h3>Related stories</h3><ul>
  <li><a href="/news/bridge-vote">Council postpones the bridge vote again</a></li>
  <li><a href="/news/harbour-fees">Harbour fees to rise in spring, owners told</a></li>
  <li><a href="/news/ferry-history">A century of crossings: the ferry in pictures</a></li>
</ul></aside>
<section id="comments" class="comments"><h3>3 comments</h3>
  <div class="comment"><p>About time too, my mother has missed every market day since
  November because of this.</p></div>
  <div class="comment"><p>Does anyone know whether bicycles still travel free on the early
  crossing?</p></div>
</section>
"""

FOOTER = """
<footer class="site-footer"><p>Copyright 2031 The Marrow Courier. All rights reserved.</p>
  <ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li></ul>
</footer>
"""


def paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>\n" for p in paragraphs)


def page(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{HEADLINE} | The Marrow Courier</title>{head}</head>"
        f"<body>{body}</body></html>"
    )


CHROME_PAGE = page(
    CHROME
    + "<main><article class='story'>"
    + f"<h1>{HEADLINE}</h1>"
    + "<p class='byline'>By <a href='/staff/jo'>Jo Tamsin</a></p>"
    + "<div class='story-body'>"
    + paragraphs_html(STORY)
    + "</div>"
    + RELATED_SHARE_COMMENTS
    + "</article></main>"
    + FOOTER,
    head='<meta property="og:title" content="' + HEADLINE + '">',
)


def test_story_amid_chrome_is_the_exact_body_in_order() -> None:
    article = extract_article(CHROME_PAGE, "https://courier.example/news/ferry")

    assert article.text == "\n\n".join(STORY)
    assert article.title == HEADLINE
    assert HEADLINE not in article.text
    assert article.url == "https://courier.example/news/ferry"


def test_chrome_never_reaches_the_body() -> None:
    text = extract_article(CHROME_PAGE).text

    for chrome in ("cookies", "Sport", "Related stories", "bridge vote", "Share on Social",
                   "market day since", "Copyright 2031", "Privacy"):  # fmt: skip
        assert chrome not in text


def test_white_space_within_a_paragraph_is_collapsed() -> None:
    spaced = page(
        "<article>"
        + paragraphs_html(STORY[:3])
        + "<p>The   crossing\n   takes\ttwenty minutes\n in calm weather, the operator said.</p>"
        + "</article>"
    )

    text = extract_article(spaced).text

    assert text.split("\n\n")[-1] == (
        "The crossing takes twenty minutes in calm weather, the operator said."
    )


# A layout that makes trafilatura stop early: the story is cut into chunks, each in its
# own grid wrapper, with an advertisement slot and a newsletter box between them.
SPLIT_PAGE = page(
    CHROME
    + "<main><article class='article'>"
    + f"<header class='article-header'><h1>{HEADLINE}</h1></header>"
    + "<div class='article-chunks'>"
    + "<div class='grid'><div class='grid-item article-body'>"
    + paragraphs_html(STORY[:3])
    + "</div><div class='grid-rail'><div class='ad-slot'>Advertisement</div></div></div>"
    + "<div class='newsletter-box'><p>Get the morning briefing in your inbox.</p>"
    + "<form><input type='email'><button>Sign up</button></form></div>"
    + "<div class='grid'><div class='grid-item article-body'>"
    + paragraphs_html(STORY[3:])
    + "</div><div class='grid-rail'><div class='ad-slot'>Advertisement</div></div></div>"
    + "</div>"
    + RELATED_SHARE_COMMENTS
    + "</article></main>"
    + FOOTER
)


def test_story_split_across_sibling_containers_is_whole() -> None:
    article = extract_article(SPLIT_PAGE, "https://courier.example/news/ferry")

    assert article.text == "\n\n".join(STORY)


def test_numbered_chunk_containers_count_as_one_kind() -> None:
    chunks = "".join(
        f"<section class='wrap'><div class='article-body chunk-{n}'>"
        + paragraphs_html(STORY[2 * n : 2 * n + 2])
        + f"</div><div class='promo promo-{n}'><a href='/shop'>Visit our shop</a></div></section>"
        for n in range(3)
    )
    body = f"<main><h1>{HEADLINE}</h1>{chunks}</main>{FOOTER}"

    assert extract_article(page(body)).text == "\n\n".join(STORY)


def test_canonical_and_og_url_become_absolute_deduplicated_aliases() -> None:
    head = (
        '<link rel="canonical" href="/news/2031/ferry-returns">'
        '<meta property="og:url" content="https://courier.example/news/2031/ferry-returns">'
    )
    html = page("<article>" + paragraphs_html(STORY) + "</article>", head)

    fetched = extract_article(html, "https://m.courier.example/ferry?ref=app")
    assert fetched.url == "https://m.courier.example/ferry?ref=app"
    assert fetched.aliases == (
        "https://m.courier.example/news/2031/ferry-returns",
        "https://courier.example/news/2031/ferry-returns",
    )


def test_aliases_exclude_the_url_itself() -> None:
    head = (
        '<link rel="canonical" href="https://courier.example/news/ferry">'
        '<meta property="og:url" content="https://www.courier.example/news/ferry">'
    )
    html = page("<article>" + paragraphs_html(STORY) + "</article>", head)

    article = extract_article(html, "https://courier.example/news/ferry")

    assert article.url == "https://courier.example/news/ferry"
    assert article.aliases == ("https://www.courier.example/news/ferry",)


def test_url_falls_back_to_canonical_then_og_url_then_empty() -> None:
    story = "<article>" + paragraphs_html(STORY) + "</article>"
    canonical = '<link rel="canonical" href="https://courier.example/a">'
    og_url = '<meta property="og:url" content="https://courier.example/b">'

    both = extract_article(page(story, canonical + og_url))
    assert (both.url, both.aliases) == ("https://courier.example/a", ("https://courier.example/b",))
    assert extract_article(page(story, og_url)).url == "https://courier.example/b"
    assert extract_article(page(story, og_url)).aliases == ()
    assert extract_article(page(story)).url == ""


@pytest.mark.parametrize(
    ("head", "body_extra", "expected"),
    [
        (
            '<meta property="article:published_time" content="2031-03-04T07:15:00+01:00">',
            "",
            "2031-03-04T07:15:00+01:00",
        ),
        (
            '<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "datePublished": "2031-03-05"})
            + "</script>",
            "",
            "2031-03-05",
        ),
        ("", '<time datetime="2031-03-06T10:00">6 March</time>', "2031-03-06T10:00"),
        ("", "", None),
    ],
)
def test_published_date_as_found(head: str, body_extra: str, expected: str | None) -> None:
    html = page("<article>" + body_extra + paragraphs_html(STORY) + "</article>", head)

    assert extract_article(html).published == expected


def test_json_ld_graph_gives_headline_and_date() -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "The Marrow Courier"},
            {
                "@type": ["NewsArticle"],
                "headline": "Ferry back on the water",
                "datePublished": "2031-03-07T08:00:00Z",
            },
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    html = (
        "<html><head>" + head + "</head><body><article>"
        + paragraphs_html(STORY)
        + "</article></body></html>"
    )  # fmt: skip

    article = extract_article(html)

    assert article.title == "Ferry back on the water"
    assert article.published == "2031-03-07T08:00:00Z"
    assert article.text == "\n\n".join(STORY)


def test_json_ld_article_body_stands_in_when_the_markup_holds_only_a_teaser() -> None:
    ld = {"@type": "NewsArticle", "headline": HEADLINE, "articleBody": "\n".join(STORY)}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    teaser = (
        f"<article><h1>{HEADLINE}</h1><p>{STORY[0]}</p>"
        "<div class='paywall'><p>Subscribe to read the rest of this story.</p></div></article>"
    )

    article = extract_article(page(teaser, head))

    assert article.text == "\n\n".join(STORY)


def test_json_ld_article_body_with_escaped_markup_is_read_as_text() -> None:
    body = "<p>" + STORY[0].replace("\u2019", "&rsquo;") + "</p><p>" + STORY[1] + "</p>"
    ld = {"@type": "NewsArticle", "articleBody": body.replace("<", "&lt;").replace(">", "&gt;")}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'

    article = extract_article(page("<article><p>Short teaser only.</p></article>", head))

    assert article.text == f"{STORY[0]}\n\n{STORY[1]}"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        b"",
        "<html></html>",
        "<html><head><title></title></head><body></body></html>",
        "<html><body><script>var a = 1;</script><style>p {}</style><!-- note --></body></html>",
        b"\x89PNG\r\n\x1a\n" + bytes(4000),
    ],
)
def test_a_page_without_text_is_a_fetch_error(html: str | bytes) -> None:
    with pytest.raises(FetchError, match=r"^no article text found$"):
        extract_article(html)


def test_a_page_with_a_little_text_returns_it() -> None:
    assert extract_article("Just one line, no markup at all.").text == (
        "Just one line, no markup at all."
    )
    links = "<ul>" + "".join(f"<li><a href='/{n}'>Item {n}</a></li>" for n in range(3)) + "</ul>"
    assert extract_article(links).text == "Item 0\n\nItem 1\n\nItem 2"


def test_deep_nesting_keeps_the_text_and_does_not_crash() -> None:
    depth = 20_000
    html = (
        "<html><body><p>Before the deep part.</p>"
        + "<div>" * depth
        + f"<p>{STORY[0]}</p>"
        + "</div>" * depth
        + "<p>After the deep part.</p></body></html>"
    )

    text = extract_article(html).text

    assert STORY[0] in text
    assert "After the deep part." in text


def test_bytes_are_decoded_by_bom_meta_charset_or_detection() -> None:
    latin = page("<article><p>Caf\u00e9 cr\u00e8me on the quay.</p></article>")
    assert decode_html(latin.replace("utf-8", "iso-8859-1").encode("latin-1")) == latin.replace(
        "utf-8", "iso-8859-1"
    )
    assert decode_html("<p>\u00fcber</p>".encode("utf-16")) == "<p>\u00fcber</p>"
    assert decode_html("\ufeff<p>\u00fcber</p>".encode("utf-8")) == "<p>\u00fcber</p>"
    cyrillic = "<p>Паром снова ходит на остров, сообщил капитан порта во вторник.</p>"
    assert decode_html(cyrillic.encode("cp1251")) == cyrillic
    assert decode_html(b'<meta charset="no-such-codec"><p>caf\xc3\xa9</p>').endswith(
        "<p>caf\u00e9</p>"
    )
    # A Latin-1 label means windows-1252, as in browsers: curly quotes, not C1 controls.
    assert decode_html(b'<meta charset="ISO-8859-1"><p>\x93Ahoy\x94</p>').endswith(
        "<p>\u201cAhoy\u201d</p>"
    )


def test_bytes_and_text_give_the_same_article() -> None:
    assert extract_article(CHROME_PAGE.encode("utf-8")) == extract_article(CHROME_PAGE)


def test_soft_hyphens_and_zero_width_spaces_are_not_text() -> None:
    html = page("<article>" + paragraphs_html(STORY[:2]) + "<p>Ferry\u00adman Kai\u200b Lund "
                "has crossed the strait more than ten thousand times.</p></article>")  # fmt: skip

    assert extract_article(html).text.endswith(
        "Ferryman Kai Lund has crossed the strait more than ten thousand times."
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000)))
def test_any_input_gives_an_article_or_a_fetch_error(data: str | bytes) -> None:
    try:
        article = extract_article(data)
    except FetchError as error:
        assert str(error) == "no article text found"
    else:
        assert isinstance(article, Article)
        assert article.text.strip()
        assert "\n\n\n" not in article.text


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<>&"), max_size=80),
        max_size=12,
    )
)
def test_random_markup_soup_never_crashes(pieces: list[str]) -> None:
    tags = ["<div>", "</div>", "<p>", "</p>", "<table><tr><td>", "<ul><li>", "<span>", "<br>"]
    html = "".join(tag + piece for tag, piece in zip(tags * 2, pieces, strict=False))
    try:
        article = extract_article(html)
    except FetchError:
        return
    assert article.text == article.text.strip()
    assert article.text


def test_a_related_headline_inside_the_story_flow_is_kept_but_not_around_it() -> None:
    inline = (
        '<div class="embedded"><ul><li><h3><a href="/news/bridge-vote">'
        "Council postpones the bridge vote again</a></h3></li></ul></div>"
    )
    body = (
        "<main><article><h1>" + HEADLINE + "</h1><div class='story-body'>"
        '<p><a href="/news/older">Read more: the ferry in winter</a></p>'
        + paragraphs_html(STORY[:3])
        + inline
        + paragraphs_html(STORY[3:])
        + "</div></article></main>"
    )
    article = extract_article(page(body), "https://courier.example/news/ferry")
    expected = [*STORY[:3], "Council postpones the bridge vote again", *STORY[3:]]
    assert article.text == "\n\n".join(expected)


# --- the story's extent: what trafilatura keeps that is not the story ----------------


def test_a_sign_up_box_and_a_gallery_inside_the_story_container_are_left_out() -> None:
    inside = page(
        "<main><article class='story'>"
        + f"<h1>{HEADLINE}</h1><div class='story-body'>"
        + paragraphs_html(STORY[:3])
        + "<div class='newsletter-signup'><p>Get the Marrow morning briefing: the island's "
        "news in your inbox before the first crossing.</p></div>"
        + "<div class='photo-gallery'><p>The ferry in the dry dock at Kessel harbour, where "
        "engineers spent five months on it.</p></div>"
        + paragraphs_html(STORY[3:])
        + "</div></article></main>"
    )

    article = extract_article(inside, "https://courier.example/news/ferry")

    assert article.text == "\n\n".join(STORY)


def test_chrome_words_on_a_wrapper_around_the_story_are_layout_not_chrome() -> None:
    # "has-sidebar", "penci_sidebar": what the column holds beside the story
    wrapped = page(
        "<div class='container penci_sidebar has-sidebar'><main><article>"
        + f"<h1>{HEADLINE}</h1><div class='entry-content'>"
        + paragraphs_html(STORY)
        + "</div></article></main></div>"
    )

    assert extract_article(wrapped).text == "\n\n".join(STORY)


def test_a_related_heading_ends_the_story_in_its_container() -> None:
    more = [
        "Council postpones the bridge vote again after a long night of arguments over "
        "the cost of the new span.",
        "Harbour fees will rise in spring, owners told at a meeting that ran past "
        "midnight in the town hall.",
    ]
    related = page(
        "<article class='post'>"
        + f"<h1>{HEADLINE}</h1>"
        + paragraphs_html(STORY)
        + "<div class='more'><h3>You may also like</h3>"
        + "".join(f"<article class='card'><p>{m}</p></article>" for m in more)
        + "</div></article>"
    )

    text = extract_article(related).text

    assert text == "\n\n".join(STORY)


def test_labelled_link_lines_and_share_rows_leave_the_body() -> None:
    labelled = page(
        "<article>"
        + f"<h1>{HEADLINE}</h1>"
        + paragraphs_html(STORY[:3])
        + "<p>Read more: <a href='/news/bridge'>Council postpones the bridge vote</a></p>"
        + "<p><a href='https://social.example/s'>Facebook</a> "
        "<a href='https://chat.example/s'>WhatsApp</a> <a href='mailto:?'>Email</a></p>"
        + paragraphs_html(STORY[3:])
        + "</article>"
    )

    assert extract_article(labelled).text == "\n\n".join(STORY)


def test_a_lead_in_its_own_box_before_the_body_is_part_of_the_story() -> None:
    lead = (
        "Five months, two million and a new ramp later, Marrow has its ferry back, and the "
        "islanders who rowed across in January are glad of it."
    )
    boxed = page(
        "<article class='story'>"
        + f"<h1>{HEADLINE}</h1>"
        + "<div class='meta'><span>12 March 2031</span></div>"
        + f"<div class='teaser-text'><p>{lead}</p></div>"
        + "<div class='story-text'>"
        + paragraphs_html(STORY)
        + "</div></article>"
    )

    assert extract_article(boxed).text == "\n\n".join([lead, *STORY])


def test_a_menu_word_above_the_story_is_not_matched_in_its_first_sentence() -> None:
    # "Ferry" is a menu item and also a word early in the story's first paragraph
    menu = page(
        "<ul class='topics'><li><a href='/ferry'>Ferry</a></li><li><a href='/tides'>Tides"
        "</a></li></ul>"
        + "<article>"
        + f"<h1>{HEADLINE}</h1>"
        + paragraphs_html(
            [
                "Ferry services to Marrow resumed on Tuesday morning after five "
                "months in the dry dock at Kessel harbour.",
                *STORY[1:],
            ]
        )
        + "</article>"
    )

    assert not extract_article(menu).text.startswith("Ferry\n")


def test_a_name_card_that_pops_up_on_hover_is_not_read_into_the_sentence() -> None:
    card = page(
        "<article>"
        + f"<h1>{HEADLINE}</h1>"
        + "<p>Harbour master <span class='person'><a href='/people/ilse'>Ilse Brandauer</a>"
        "<span class='rollover-people-block'><a href='/people/ilse'>Ilse Brandauer</a> "
        "<a href='/news/x'>Brandauer warns of a long winter</a></span></span> said the "
        "crossing would run to the old timetable from the first week of April.</p>"
        + paragraphs_html(STORY[1:])
        + "</article>"
    )

    first = extract_article(card).text.split("\n\n")[0]

    assert first == (
        "Harbour master Ilse Brandauer said the crossing would run to the old timetable "
        "from the first week of April."
    )


def test_datelines_bylines_and_sign_up_pleas_at_the_ends_of_the_body_go() -> None:
    framed = page(
        "<article>"
        + f"<h1>{HEADLINE}</h1>"
        + "<div class='content'><p>March 12, 2031</p><p>By Jo Tamsin</p>"
        + paragraphs_html(STORY)
        + "<p>Jo Tamsin may be reached at jo@courier.example. Follow her on Twitter.</p>"
        + "<p>Get the island's news in your inbox every morning: sign up for our letter.</p>"
        + "</div></article>"
    )

    assert extract_article(framed).text == "\n\n".join(STORY)


def test_a_closing_paragraph_that_only_mentions_subscribing_is_kept_when_it_is_long() -> None:
    closing = (
        "The operator said islanders who subscribe to the new text alerts will hear about "
        "cancellations an hour earlier than before, and that the service will stay free for "
        "pensioners, schoolchildren and anyone who travels to the hospital on the mainland "
        "for treatment, whatever the weather and whatever the time of year, as the county "
        "asked when it agreed to pay for half of the repairs in the spring."
    )
    kept = page("<article>" + f"<h1>{HEADLINE}</h1>" + paragraphs_html([*STORY, closing]))

    assert extract_article(kept).text.endswith(closing)


def test_the_pages_own_address_and_a_print_header_are_not_the_story() -> None:
    url = "https://courier.example/news/ferry"
    printed = page(
        "<article>"
        + f"<h1>{HEADLINE}</h1>"
        + "<div class='print-header'><p>This copy is for your personal use only; to order "
        "copies for your colleagues visit our reprints desk.</p></div>"
        + f"<p>{url}</p>"
        + paragraphs_html(STORY)
        + "<p class='hide'>An error has occurred, please try again later.</p>"
        + "</article>",
        head=f'<link rel="canonical" href="{url}">',
    )

    assert extract_article(printed, url).text == "\n\n".join(STORY)


MORE_STORIES = [
    ("/news/bridge-vote", "Council postpones the bridge vote again",
     "A long night of arguments over the span's cost."),
    ("/news/harbour-fees", "Harbour fees to rise in spring",
     "Owners were told at a meeting in the town hall."),
    ("/news/tide-gauge", "Tide gauge back after a year",
     "The instrument was rebuilt by volunteers."),
]  # fmt: skip


def cards(host: str) -> str:
    return (
        "<ul class='latest'>"
        + "".join(
            f"<li class='item'><h3><a href='{host}{path}'>{title}</a></h3><p>{summary}</p></li>"
            for path, title, summary in MORE_STORIES
        )
        + "</ul>"
    )


def test_a_row_of_cards_to_the_sites_other_stories_after_the_story_goes() -> None:
    teased = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + paragraphs_html(STORY)
        + cards("https://courier.example") + "</article>"
    )  # fmt: skip

    assert extract_article(teased, "https://courier.example/news/ferry").text == (
        "\n\n".join(STORY)
    )


def test_cards_to_other_sites_are_a_round_up_and_stay() -> None:
    shop = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + paragraphs_html(STORY)
        + cards("https://shop.example") + "</article>"
    )  # fmt: skip

    text = extract_article(shop, "https://courier.example/news/ferry").text

    assert "Tide gauge back after a year" in text


def test_cards_set_between_the_storys_paragraphs_are_in_its_flow_and_stay() -> None:
    inline = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + paragraphs_html(STORY[:3])
        + cards("https://courier.example") + paragraphs_html(STORY[3:]) + "</article>"
    )  # fmt: skip

    text = extract_article(inline, "https://courier.example/news/ferry").text

    assert "Harbour fees to rise in spring" in text


def test_a_post_embedded_between_the_storys_paragraphs_is_kept() -> None:
    quoted = "The Marrow ferry is back and the islanders are very happy about it"
    embedded = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + paragraphs_html(STORY[:3])
        + "<div class='social-media-embed'><blockquote class='twitter-tweet'>"
        + f"<p>{quoted}</p>&mdash; Ilse Brandauer (@ilse) "
        + "<a href='https://social.example/ilse/1'>March 12, 2031</a></blockquote></div>"
        + paragraphs_html(STORY[3:]) + "</article>"
    )  # fmt: skip

    paragraphs = extract_article(embedded).text.split("\n\n")

    assert paragraphs[3] == quoted
    assert paragraphs[:3] == STORY[:3] and paragraphs[-3:] == STORY[3:]


def test_a_paragraph_that_is_one_link_and_a_comments_invitation_leave_the_body() -> None:
    blurb = (
        "Night crossings are back on the Marrow line from April, with a new timetable, "
        "a heated lounge and a quieter engine: everything you need to know about the "
        "ferry's first full season since the repairs, from prices to parking at the pier."
    )
    framed = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='body'>" + paragraphs_html(STORY)
        + f"<p><a href='/news/night-crossings'>{blurb}</a></p>"
        + "<p>[button link=\"/submit\" type=\"big\"] Send us your story[/button]</p>"
        + "<h3>Tell us what you think...</h3><p>comments</p>" + "</div></article>"
    )  # fmt: skip

    assert extract_article(framed).text == "\n\n".join(STORY)


def test_a_label_line_and_the_links_under_it_leave_the_body() -> None:
    labelled = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='text'>"
        + "<p>12 de março de 2031 às 9:15</p>" + paragraphs_html(STORY[:3])
        + "<p>DON'T MISS</p>"
        + "".join(f"<p><a href='{path}'>{title}</a></p>" for path, title, _ in MORE_STORIES)
        + paragraphs_html(STORY[3:])
        + "<p>Tags</p><p><a href='/t/ferry'>ferry</a>, <a href='/t/marrow'>marrow</a>, "
        + "<a href='/t/harbour'>harbour</a></p></div></article>"
    )  # fmt: skip

    assert extract_article(labelled).text == "\n\n".join(STORY)


def test_a_section_label_past_the_story_ends_it_but_not_the_prose_under_a_label() -> None:
    teasers = "".join(f"<div class='item'>{t}: {blurb}</div>" for _, t, blurb in MORE_STORIES)
    topped = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='text'>" + paragraphs_html(STORY)
        + "<div class='bar'><strong>Top stories</strong></div>"
        + f"<div class='scroller'>{teasers}</div></div></article>"
    )  # fmt: skip
    reading = (
        "Marrow Quarterly, spring issue: a long essay on island ferries since 1900, with "
        "the timetables of every crossing, the names of the boats and the stories of the "
        "crews who kept them running through storms, strikes and two wars."
    )
    listed = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='text'>" + paragraphs_html(STORY)
        + f"<p>Read also:</p><p>{reading}</p></div></article>"
    )  # fmt: skip

    assert extract_article(topped).text == "\n\n".join(STORY)
    assert extract_article(listed).text == "\n\n".join([*STORY, reading])


def test_notes_under_the_story_and_the_headlines_above_them_leave_its_end() -> None:
    related = "".join(f"<li><a href='{path}'>{title}</a></li>" for path, title, _ in MORE_STORIES)
    notes = [
        "Updated at 4:10 p.m.",
        "Comments are moderated and will be approved before they appear.",
        "If you buy something through a link on this page, we may earn a small commission.",
        "Email Jo Tamsin at jo@courier.example or follow her on Twitter @jotamsin.",
        "This website uses cookies to improve your experience. Accept Read More",
        "Note: we are moderating all comments for a while to keep the spam out.",
        "Follow our full coverage of the Marrow crossing at courier.example/ferry",
        "Filed under: Ferries, Marrow",
        "If you enjoyed this article, we have a proposal for you: join the Courier Club. "
        "Members read every story without a paywall, get the printed weekend edition at "
        "home, meet our reporters at the harbour suppers twice a year and help us keep a "
        "newsroom on the island for another century of crossings, storms and elections. "
        "It costs less than a ferry ticket a month.",
        "Listen to the Courier live at 8:00 and 18:00 weekdays - or listen back here.",
    ]
    noted = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='text'>" + paragraphs_html(STORY)
        + f"<ul>{related}</ul>" + paragraphs_html(notes)
        + "<h3>How to listen to the Courier podcast</h3>"
        + "<p>Listen: https://courier.example/podcast</p></div></article>"
    )  # fmt: skip

    assert extract_article(noted).text == "\n\n".join(STORY)


def test_reading_times_wire_slugs_dated_lines_and_script_leftovers_leave_the_ends() -> None:
    framed = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='text'>"
        + paragraphs_html(["Reading time: 3 minutes", "BC-EU--Marrow-Ferry, 2nd Ld-Writethru"])
        + paragraphs_html([
            "Start your day with the Harbour Bell, our morning digest of everything that "
            "floats, sinks or docks along the coast, read by every skipper worth the name. "
            "Sign up for the Harbour Bell and get it in your inbox at six every morning."
        ])
        + paragraphs_html(STORY)
        + paragraphs_html(["First Published: Tuesday, March 12, 2031 09:15 AM"])
        + "</div></article>"
        + "<ul><li>narrow-browser-and-phone</li><li>wide-browser-and-larger</li></ul>"
    )  # fmt: skip

    assert extract_article(framed).text == "\n\n".join(STORY)


def test_a_short_plea_to_sign_up_between_the_paragraphs_leaves_the_body() -> None:
    plea = "Let our news meet your inbox. The morning letter, delivered weekdays."
    instructions = "Sign up for the ferry card at the harbour office for $12 a year."
    framed = page(
        "<article>" + f"<h1>{HEADLINE}</h1>" + "<div class='text'>"
        + paragraphs_html([*STORY[:2], plea, instructions, *STORY[2:]]) + "</div></article>"
    )  # fmt: skip

    assert extract_article(framed).text == "\n\n".join([*STORY[:2], instructions, *STORY[2:]])


def test_a_footer_named_in_portuguese_and_a_dateline_in_another_language_leave_the_body() -> None:
    address = (
        "Prefeitura de Lindenfeld - CNPJ: 12.345.678/0001-90 - Rua do Porto, 100 - Centro - "
        "Caixa Postal 12 - Fone: (047) 5555-0100"
    )
    framed = page(
        "<div class='conteudo'><h1>" + HEADLINE + "</h1>"
        + "<div class='texto'><p>12/03/2031 às 09:15 - Publicado por: Jo Tamsin Brandauer - "
        + "Categoria: Transporte - Tags: balsa porto</p>"
        + paragraphs_html(STORY) + "</div></div>"
        + f"<div class='rodape'><div class='linha'><div>{address}</div></div></div>"
    )  # fmt: skip

    assert extract_article(framed).text == "\n\n".join(STORY)
