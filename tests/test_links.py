"""links: URL canonicalisation, bare URLs in text, and the link verdict for one article.

Pages are built by hand from models.Page/Block/Link so these tests do not depend
on the HTML parser: what check_link decides from given link facts is what is
under test here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.checks.link import LinkCheck, check_link
from reprint_check.errors import FetchError
from reprint_check.models import Block, Link, LinkEvidence, Page, Violation
from reprint_check.page.redirects import resolve_links
from reprint_check.page.robots import header_robots_directives
from reprint_check.policy.rules import LinkRule
from reprint_check.urls import (
    canonical_url,
    embedded_target,
    find_bare_urls,
    host_of,
    is_shortener,
    same_article,
)

ARTICLE = "https://news.example/2024/03/river-ferry-returns"
HOME = "https://news.example/"

# --- canonical_url ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme: http and https are the same
        ("http://news.example/a", "https://news.example/a"),
        ("HTTPS://news.example/a", "https://news.example/a"),
        # host lower-case, www. dropped
        ("https://NEWS.Example/a", "https://news.example/a"),
        ("https://www.news.example/a", "https://news.example/a"),
        ("https://news.example./a", "https://news.example/a"),
        # default ports dropped, others kept
        ("https://news.example:443/a", "https://news.example/a"),
        ("http://news.example:80/a", "https://news.example/a"),
        ("https://news.example:8080/a", "https://news.example:8080/a"),
        # trailing slash dropped, empty path is "/"
        ("https://news.example/a/", "https://news.example/a"),
        ("https://news.example/story.php/", "https://news.example/story.php"),
        ("https://news.example", "https://news.example/"),
        ("https://news.example/", "https://news.example/"),
        # fragment dropped
        ("https://news.example/a#comments", "https://news.example/a"),
        # tracking parameters dropped, the rest sorted
        ("https://news.example/a?utm_source=feed&utm_medium=rss", "https://news.example/a"),
        ("https://news.example/a?fbclid=XyZ&gclid=1&dclid=2", "https://news.example/a"),
        ("https://news.example/a?msclkid=1&mc_cid=2&mc_eid=3", "https://news.example/a"),
        ("https://news.example/a?igshid=1&_ga=2&yclid=3", "https://news.example/a"),
        ("https://news.example/a?UTM_Campaign=x", "https://news.example/a"),
        ("https://news.example/a?page=2&id=7&utm_term=x", "https://news.example/a?id=7&page=2"),
        ("https://news.example/a?", "https://news.example/a"),
        # percent-encoding: unreserved decoded, hex upper-cased, unsafe encoded
        ("https://news.example/%7Eeditor/%61rticle", "https://news.example/~editor/article"),
        ("https://news.example/a%2fb", "https://news.example/a%2Fb"),
        ("https://news.example/caf%c3%a9", "https://news.example/caf%C3%A9"),
        ("https://news.example/café", "https://news.example/caf%C3%A9"),
        ("https://news.example/a b", "https://news.example/a%20b"),
        ("https://news.example/100%", "https://news.example/100%25"),
        ("https://news.example/s?q=caf%c3%a9", "https://news.example/s?q=caf%C3%A9"),
        # dot segments resolved
        ("https://news.example/a/./b/../c", "https://news.example/a/c"),
        ("https://news.example/../../a", "https://news.example/a"),
        ("https://news.example/a/%2E%2E/b", "https://news.example/b"),
        # IDN to punycode
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://www.ПРИМЕР.example/", "https://xn--e1afmkfd.example/"),
        # user info dropped
        ("https://editor:secret@news.example/a", "https://news.example/a"),
        # scheme-less web references
        ("www.news.example/a/", "https://news.example/a"),
        ("//news.example/a", "https://news.example/a"),
        # not web addresses: stripped, otherwise as written
        ("  mailto:desk@news.example ", "mailto:desk@news.example"),
        ("javascript:void(0)", "javascript:void(0)"),
        ("/relative/path", "/relative/path"),
        ("http://[::1", "http://[::1"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_same_article_ignores_cosmetic_differences() -> None:
    assert same_article(
        "http://www.news.example/2024/03/river-ferry-returns/?utm_source=feed#top",
        ARTICLE,
    )
    assert not same_article(ARTICLE, HOME)
    assert not same_article(ARTICLE, "https://news.example/2024/03/river-ferry-returns?id=2")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://WWW.News.Example:8443/a", "news.example"),
        ("news.example", "news.example"),
        ("www.news.example/path", "news.example"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("mailto:desk@news.example", ""),
        ("", ""),
    ],
)
def test_host_of(url: str, expected: str) -> None:
    assert host_of(url) == expected


_URLISH = st.lists(
    st.sampled_from(
        [
            *"aZ09%/.:?#&=@[]!~+-_ \tüß字．",
            *("%2e", "%7E", "%c3%a9", "http://", "https://", "www.", "//", ".."),
            *("utm_source=", "xn--", ":80", ":443", "\x00", "\ud800"),
        ]
    )
).map("".join)


@settings(max_examples=500)
@given(st.one_of(st.text(), _URLISH))
def test_canonical_url_is_idempotent_and_total(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once
    host_of(text)  # never raises either


# --- find_bare_urls ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Read it at https://news.example/a.",
            [(11, 33, "https://news.example/a")],
        ),
        (
            "Source: www.news.example/2024/ferry, then more.",
            [(8, 35, "www.news.example/2024/ferry")],
        ),
        (
            "(see http://news.example/a?b=1)",
            [(5, 30, "http://news.example/a?b=1")],
        ),
        (
            "Wiki https://en.wikipedia.example/wiki/Ferry_(boat); next",
            [(5, 51, "https://en.wikipedia.example/wiki/Ferry_(boat)")],
        ),
        (
            "“https://news.example/a” and ‘www.other.example’!",
            [(1, 23, "https://news.example/a"), (30, 47, "www.other.example")],
        ),
        ("not urls: http:// alone, www.single, mail@www.news.example", []),
        ("HTTPS://NEWS.EXAMPLE/A!?", [(0, 22, "HTTPS://NEWS.EXAMPLE/A")]),
    ],
)
def test_find_bare_urls(text: str, expected: list[tuple[int, int, str]]) -> None:
    found = find_bare_urls(text)
    assert found == expected
    for start, end, url in found:
        assert text[start:end] == url


# --- check_link -----------------------------------------------------------------------


@dataclass
class _PageBuilder:
    """Blocks of text joined by blank lines, with links placed on a word of a block."""

    blocks: list[tuple[str, str]]
    robots: tuple[str, ...] = ()
    links: list[Link] = field(default_factory=list)
    header_robots: tuple[str, ...] = ()
    canonical: str | None = None
    link_targets: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        self.text = "\n\n".join(text for _, text in self.blocks)
        self.spans: list[Block] = []
        offset = 0
        for index, (kind, text) in enumerate(self.blocks):
            self.spans.append(Block(index, kind, offset, offset + len(text)))
            offset += len(text) + 2

    def link(
        self,
        href: str,
        block: int | None,
        anchor: str = "",
        *,
        rel: tuple[str, ...] = (),
        hidden: str | None = None,
        in_noscript: bool = False,
        in_comment: bool = False,
        position: int | None = None,
        in_noindex: bool = False,
    ) -> _PageBuilder:
        if position is None:
            if block is None:
                position = len(self.text)
            else:
                span = self.spans[block]
                found = self.text.find(anchor, span.start, span.end) if anchor else -1
                position = found if found >= 0 else span.end
        if href.startswith(("http://", "https://")):
            url: str | None = href
        elif href.startswith("/"):
            url = "https://partner.example" + href
        else:
            url = None
        self.links.append(
            Link(
                href, url, anchor, rel, hidden, in_noscript, in_comment, block, position, in_noindex
            )
        )
        return self

    def page(self) -> Page:
        return Page(
            location="https://partner.example/story",
            text=self.text,
            blocks=tuple(self.spans),
            links=tuple(self.links),
            robots=self.robots,
            canonical=self.canonical,
            header_robots=self.header_robots,
            link_targets=self.link_targets,
        )


def _story() -> _PageBuilder:
    return _PageBuilder(
        [
            ("h1", "Ferry service resumes on the river"),
            ("p", "By the desk of Partner Daily, with reporting from our friends."),
            ("p", "The old river ferry carried its first passengers in ten years on Monday."),
            ("p", "Town officials said the crossing would run hourly until the autumn floods."),
            ("p", "Read the original story for the full account."),
        ]
    )


RULE = LinkRule()


def _codes(result: LinkCheck) -> list[str]:
    return [v.code for v in result.violations]


def test_active_link_to_the_article_complies() -> None:
    page = (
        _story()
        .link(
            "http://www.news.example/2024/03/river-ferry-returns/?utm_source=feed#top",
            4,
            "original story",
        )
        .page()
    )
    result = check_link(page, [ARTICLE], RULE)
    assert result == LinkCheck(
        LinkEvidence(
            found=True,
            href="http://www.news.example/2024/03/river-ferry-returns/?utm_source=feed#top",
            active=True,
            followable=True,
            paragraph=5,
            problems=(),
        ),
        (),
    )
    assert result.ok


def test_an_alias_of_the_article_counts() -> None:
    page = _story().link("https://news.example/p/48213", 4, "original story").page()
    assert check_link(page, [ARTICLE, "https://news.example/p/48213"], RULE).ok


def test_no_link_at_all_is_link_missing() -> None:
    result = check_link(_story().page(), [ARTICLE], RULE)
    assert result.evidence == LinkEvidence(found=False)
    assert result.violations == (
        Violation(
            "LINK_MISSING",
            "No link to the source article: add a visible hyperlink to "
            "https://news.example/2024/03/river-ferry-returns.",
        ),
    )


def test_link_elsewhere_is_link_missing() -> None:
    page = _story().link("https://other.example/ferry", 4, "original story").page()
    assert _codes(check_link(page, [ARTICLE], RULE)) == ["LINK_MISSING"]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"hidden": "display:none"}, "the link is hidden with display:none"),
        ({"hidden": "hidden attribute"}, "the link is hidden (hidden attribute)"),
        (
            {"in_noscript": True},
            "the link is only inside <noscript>, which browsers running JavaScript do not show",
        ),
        ({"in_comment": True}, "the link is inside an HTML comment, which browsers do not show"),
    ],
)
def test_invisible_link_is_not_active(kwargs: dict[str, object], problem: str) -> None:
    page = _story().link(ARTICLE, 4, "original story", **kwargs).page()  # type: ignore[arg-type]
    result = check_link(page, [ARTICLE], RULE)
    assert result.evidence == LinkEvidence(
        found=True, href=ARTICLE, active=False, followable=True, paragraph=5, problems=(problem,)
    )
    assert result.violations == (
        Violation(
            "LINK_NOT_ACTIVE",
            f"The page refers to {ARTICLE} but not with an active link ({problem}): "
            "make it a visible hyperlink to the article.",
        ),
    )


def test_javascript_href_with_the_url_is_not_active() -> None:
    href = f"javascript:window.open('{ARTICLE}')"
    page = _story().link(href, 4, "original story").page()
    result = check_link(page, [ARTICLE], RULE)
    assert _codes(result) == ["LINK_NOT_ACTIVE"]
    assert result.evidence.problems == (
        "the link uses a javascript: address instead of a real one",
    )
    assert result.evidence.href == ARTICLE


def test_bare_url_in_text_is_not_active() -> None:
    builder = _PageBuilder(
        [
            ("p", "The old river ferry carried its first passengers in ten years on Monday."),
            ("p", "Source: www.news.example/2024/03/river-ferry-returns."),
        ]
    )
    result = check_link(builder.page(), [ARTICLE], RULE)
    assert result.evidence == LinkEvidence(
        found=True,
        href="www.news.example/2024/03/river-ferry-returns",
        active=False,
        followable=False,
        paragraph=2,
        problems=("the article's address appears as plain text, not as a link",),
    )
    assert _codes(result) == ["LINK_NOT_ACTIVE"]


def test_anchor_text_with_the_url_but_href_elsewhere_is_not_active() -> None:
    page = _story().link("https://partner.example/go", 4, ARTICLE).page()
    result = check_link(page, [ARTICLE], RULE)
    assert _codes(result) == ["LINK_NOT_ACTIVE"]
    assert result.evidence.problems == (
        "the link text shows the article's address but the link goes to https://partner.example/go",
    )


def test_url_as_text_of_a_link_elsewhere_is_one_problem_not_two() -> None:
    builder = _PageBuilder([("p", f"Source: {ARTICLE}")]).link(
        "https://partner.example/go", 0, ARTICLE
    )
    result = check_link(builder.page(), [ARTICLE], RULE)
    assert result.evidence.problems == (
        "the link text shows the article's address but the link goes to https://partner.example/go",
    )
    assert result.evidence.paragraph == 1


def test_homepage_link_is_wrong_target() -> None:
    page = _story().link("https://www.news.example/", 4, "original story").page()
    result = check_link(page, [ARTICLE], RULE)
    assert result.violations == (
        Violation(
            "LINK_WRONG_TARGET",
            "The page links to https://www.news.example/ on the publisher's site instead of "
            f"the article: point the link at {ARTICLE}.",
        ),
    )
    assert result.evidence.found and result.evidence.active
    assert result.evidence.problems == (
        "the link goes to https://www.news.example/, not to the article",
    )


def test_homepage_link_satisfies_target_domain() -> None:
    page = _story().link(HOME, 4, "original story").page()
    assert check_link(page, [ARTICLE], LinkRule(target="domain")).ok


def test_hidden_article_link_beats_homepage_link() -> None:
    page = (
        _story()
        .link(ARTICLE, 3, "crossing", hidden="display:none")
        .link(HOME, 4, "original story")
        .page()
    )
    assert _codes(check_link(page, [ARTICLE], RULE)) == ["LINK_NOT_ACTIVE"]


def test_good_link_beats_noscript_link() -> None:
    page = (
        _story()
        .link(ARTICLE, 2, "river ferry", in_noscript=True)
        .link(ARTICLE, 4, "original story")
        .page()
    )
    result = check_link(page, [ARTICLE], RULE)
    assert result.ok
    assert result.evidence.active and result.evidence.paragraph == 5


def test_nofollow_breaks_a_followable_rule() -> None:
    page = _story().link(ARTICLE, 4, "original story", rel=("nofollow", "noopener")).page()
    result = check_link(page, [ARTICLE], LinkRule(followable=True))
    assert result.violations == (
        Violation(
            "LINK_NOT_FOLLOWABLE",
            f'The link to {ARTICLE} is not followable: the link has rel="nofollow", so search '
            "engines do not follow it. The policy requires a link that search engines follow.",
        ),
    )
    assert result.evidence.followable is False


@pytest.mark.parametrize("rel", ["ugc", "sponsored"])
def test_ugc_and_sponsored_are_not_followable(rel: str) -> None:
    page = _story().link(ARTICLE, 4, "original story", rel=(rel,)).page()
    assert _codes(check_link(page, [ARTICLE], LinkRule(followable=True))) == ["LINK_NOT_FOLLOWABLE"]


def test_meta_robots_nofollow_breaks_a_followable_rule() -> None:
    builder = _story().link(ARTICLE, 4, "original story")
    builder.robots = ("noindex", "nofollow")
    result = check_link(builder.page(), [ARTICLE], LinkRule(followable=True))
    assert _codes(result) == ["LINK_NOT_FOLLOWABLE"]
    assert result.evidence.problems == (
        'the page\'s robots meta tag says "nofollow", so search engines follow none of its links',
    )


def test_nofollow_is_fine_when_the_rule_allows_it() -> None:
    page = _story().link(ARTICLE, 4, "original story", rel=("nofollow",)).page()
    result = check_link(page, [ARTICLE], LinkRule(followable=False))
    assert result.ok
    assert result.evidence.followable is False  # the fact is still reported


def test_a_followable_link_beats_an_earlier_nofollow_one() -> None:
    page = (
        _story()
        .link(ARTICLE, 2, "river ferry", rel=("nofollow",))
        .link(ARTICLE, 4, "original story")
        .page()
    )
    result = check_link(page, [ARTICLE], LinkRule(followable=True))
    assert result.ok and result.evidence.paragraph == 5


# --- position ------------------------------------------------------------------------

BEFORE = LinkRule(position="before-excerpt")


def _excerpt_start(builder: _PageBuilder) -> int:
    """The excerpt begins at "carried" in paragraph 3 (block index 2)."""
    return builder.text.index("carried")


def test_before_excerpt_link_in_same_block_after_the_excerpt_is_fine() -> None:
    builder = _story().link(ARTICLE, 2, "Monday")
    assert builder.links[0].position > _excerpt_start(builder)
    assert check_link(builder.page(), [ARTICLE], BEFORE, excerpt_start=_excerpt_start(builder)).ok


def test_before_excerpt_link_at_the_block_end_is_fine() -> None:
    builder = _story()
    builder.link(ARTICLE, 2, position=builder.spans[2].end)
    assert check_link(builder.page(), [ARTICLE], BEFORE, excerpt_start=_excerpt_start(builder)).ok


def test_before_excerpt_link_in_the_next_block_is_too_late() -> None:
    builder = _story().link(ARTICLE, 3, "crossing")
    result = check_link(builder.page(), [ARTICLE], BEFORE, excerpt_start=_excerpt_start(builder))
    assert result.violations == (
        Violation(
            "LINK_TOO_LATE",
            f"The link to {ARTICLE} comes too late: it stands in paragraph 4, after the "
            "paragraph where the excerpt begins (paragraph 3). Move it to paragraph 3 or earlier.",
        ),
    )
    assert result.evidence.active and result.evidence.paragraph == 4


def test_before_excerpt_earlier_link_wins_over_late_one() -> None:
    builder = _story().link(ARTICLE, 4, "original story").link(ARTICLE, 1, "desk")
    assert check_link(builder.page(), [ARTICLE], BEFORE, excerpt_start=_excerpt_start(builder)).ok


def test_before_excerpt_without_an_excerpt_start_is_not_checked() -> None:
    page = _story().link(ARTICLE, 4, "original story").page()
    assert check_link(page, [ARTICLE], BEFORE).ok


def test_before_excerpt_start_between_blocks_uses_the_next_block() -> None:
    builder = _story().link(ARTICLE, 2, "Monday")
    gap = builder.spans[1].end + 1  # on the blank line before paragraph 3
    assert check_link(builder.page(), [ARTICLE], BEFORE, excerpt_start=gap).ok


FIRST = LinkRule(position="first-paragraph")


def test_first_paragraph_skips_headings_and_short_lines() -> None:
    builder = _PageBuilder(
        [
            ("h1", "Ferry service resumes on the river"),
            ("p", "By Partner Daily"),
            ("p", "The old river ferry carried its first passengers in ten years on Monday."),
            ("p", "Town officials said the crossing would run hourly."),
        ]
    )
    ok = _PageBuilder(builder.blocks).link(ARTICLE, 2, "Monday").page()
    late = _PageBuilder(builder.blocks).link(ARTICLE, 3, "crossing").page()
    assert check_link(ok, [ARTICLE], FIRST).ok
    result = check_link(late, [ARTICLE], FIRST)
    assert _codes(result) == ["LINK_TOO_LATE"]
    assert result.violations[0].message == (
        f"The link to {ARTICLE} comes too late: it stands in paragraph 4, after the first "
        "paragraph (paragraph 3). Move it to paragraph 3 or earlier."
    )


# --- rule switches -----------------------------------------------------------------


def test_not_required_fills_evidence_without_violations() -> None:
    page = _story().link(ARTICLE, 4, "original story", hidden="display:none").page()
    result = check_link(page, [ARTICLE], LinkRule(required=False))
    assert result.violations == ()
    assert result.evidence.found and not result.evidence.active
    assert result.evidence.problems == ("the link is hidden with display:none",)


def test_active_false_accepts_a_bare_url() -> None:
    builder = _PageBuilder([("p", "Source: https://news.example/2024/03/river-ferry-returns")])
    result = check_link(builder.page(), [ARTICLE], LinkRule(active=False))
    assert result.ok
    assert result.evidence.found and not result.evidence.active


# --- indexable links (followable = true) ------------------------------------------------

INDEXABLE = LinkRule(followable=True)


def test_link_inside_noindex_is_not_followable() -> None:
    page = _story().link(ARTICLE, 4, "original story", in_noindex=True).page()
    result = check_link(page, [ARTICLE], INDEXABLE)
    assert _codes(result) == ["LINK_NOT_FOLLOWABLE"]
    assert result.evidence.problems == (
        "the link is inside <noindex>, which tells search engines (Yandex) not to index it",
    )
    assert result.evidence.followable is False
    assert check_link(page, [ARTICLE], RULE).ok  # nofollow allowed: the fact is still reported


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (
            ("noindex, nofollow",),
            'the X-Robots-Tag header says "nofollow", so search engines follow none of the '
            "page's links",
        ),
        (
            ("googlebot: none",),
            'the X-Robots-Tag header for googlebot says "none", so search engines follow none '
            "of the page's links",
        ),
    ],
)
def test_x_robots_tag_header_nofollow(header: tuple[str, ...], problem: str) -> None:
    builder = _story().link(ARTICLE, 4, "original story")
    builder.header_robots = header
    result = check_link(builder.page(), [ARTICLE], INDEXABLE)
    assert _codes(result) == ["LINK_NOT_FOLLOWABLE"]
    assert result.evidence.problems == (problem,)


def test_x_robots_tag_without_nofollow_is_fine() -> None:
    builder = _story().link(ARTICLE, 4, "original story")
    builder.header_robots = ("noarchive", "unavailable_after: 25 Jun 2030 15:00:00 PST")
    assert check_link(builder.page(), [ARTICLE], INDEXABLE).ok


def test_header_robots_directives() -> None:
    assert header_robots_directives(
        ["NoIndex, NOFOLLOW", "googlebot: none", "unavailable_after: 25 Jun 2030 15:00:00 PST"]
    ) == [
        (None, "noindex"),
        (None, "nofollow"),
        ("googlebot", "none"),
        ("googlebot", "noindex"),
        ("googlebot", "nofollow"),
        (None, "unavailable_after: 25 jun 2030 15:00:00 pst"),
    ]


def test_every_reason_is_named() -> None:
    builder = _story().link(ARTICLE, 4, "original story", rel=("ugc",), in_noindex=True)
    builder.robots = ("nofollow",)
    builder.header_robots = ("bingbot: nofollow",)
    result = check_link(builder.page(), [ARTICLE], INDEXABLE)
    assert result.evidence.problems == (
        'the link has rel="ugc", so search engines do not follow it',
        'the page\'s robots meta tag says "nofollow", so search engines follow none of its links',
        'the X-Robots-Tag header for bingbot says "nofollow", so search engines follow none of '
        "the page's links",
        "the link is inside <noindex>, which tells search engines (Yandex) not to index it",
    )


# --- paragraph:N ------------------------------------------------------------------------


def test_paragraph_n_counts_story_paragraphs_not_headings_or_bylines() -> None:
    rule = LinkRule(position="paragraph:2")
    # block 2 is the first story paragraph (the byline has enough words to count, so it is 1)
    ok = _story().link(ARTICLE, 2, "Monday").page()
    assert check_link(ok, [ARTICLE], rule).ok
    late = _story().link(ARTICLE, 3, "crossing").page()
    result = check_link(late, [ARTICLE], rule)
    assert result.violations == (
        Violation(
            "LINK_TOO_LATE",
            f"The link to {ARTICLE} comes too late: it stands in paragraph 4, after the 2nd "
            "paragraph of the story (paragraph 3). Move it to paragraph 3 or earlier.",
        ),
    )
    assert check_link(late, [ARTICLE], LinkRule(position="paragraph:3")).ok
    # more paragraphs asked for than the page has: the whole page will do
    assert check_link(
        _story().link(ARTICLE, 4, "story").page(), [ARTICLE], LinkRule(position="paragraph:40")
    ).ok


def test_paragraph_n_without_blocks_uses_blank_lines() -> None:
    text = "First paragraph here.\n\nSecond paragraph here.\n\nThird with the link."
    link = Link(ARTICLE, ARTICLE, "link", (), None, False, False, None, text.index("link"))
    page = Page(location="t.txt", text=text, links=(link,))
    assert _codes(check_link(page, [ARTICLE], LinkRule(position="paragraph:2"))) == [
        "LINK_TOO_LATE"
    ]
    assert check_link(page, [ARTICLE], LinkRule(position="paragraph:3")).ok


# --- direct links ---------------------------------------------------------------------------

DIRECT = LinkRule(direct=True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://partner.example/go?url=https%3A%2F%2Fnews.example%2Fa", "https://news.example/a"),
        ("https://vk.com/away.php?to=https://news.example/a&cc_key=", "https://news.example/a"),
        ("https://partner.example/go/https://news.example/a", "https://news.example/a"),
        ("https://l.facebook.example/l.php?u=https%253A%252F%252Fnews.example%252Fa&h=x",
         "https://news.example/a"),
        ("https://partner.example/out?b=aHR0cHM6Ly9uZXdzLmV4YW1wbGUvYQ==", "https://news.example/a"),
        ("https://news.example/a?ref=https://news.example/b", None),  # same host: not a redirect
        ("https://www.facebook.com/sharer/sharer.php?u=https://news.example/a", None),
        ("https://twitter.com/intent/tweet?url=https://news.example/a", None),
        ("https://web.archive.org/web/2024/https://news.example/a", None),
        ("https://partner.example/story", None),
    ],
)  # fmt: skip
def test_embedded_target(url: str, expected: str | None) -> None:
    assert embedded_target(url) == expected


def test_each_distinct_address_is_worked_out_once() -> None:
    # Menus repeat their links and a page is judged once per source it reused: each
    # distinct address is canonicalised once, not once per link and source.
    builder = _story()
    menu = [f"https://partner.example/section/{n}" for n in range(5)]
    for _ in range(40):
        for href in menu:
            builder.link(href, 0)
    page = builder.page()
    articles = [ARTICLE, "https://news.example/2024/03/ferry-fares", "https://news.example/ferry"]
    canonical_url.cache_clear()
    host_of.cache_clear()
    for article in articles:
        assert _codes(check_link(page, [article], RULE)) == ["LINK_MISSING"]
    assert canonical_url.cache_info().misses == len(menu) + len(articles)
    assert host_of.cache_info().misses == len(menu) + len(articles) + 1  # + the page's own


def test_is_shortener() -> None:
    assert is_shortener("https://bit.ly/3xYz")
    assert is_shortener("http://www.t.co/abc")
    assert not is_shortener("https://news.example/bit.ly")


REDIRECTED = "https://partner.example/go?url=" + ARTICLE.replace(":", "%3A").replace("/", "%2F")


def test_redirector_to_the_article_counts_unless_the_rule_wants_direct() -> None:
    page = _story().link(REDIRECTED, 4, "original story").page()
    assert check_link(page, [ARTICLE], RULE).ok
    result = check_link(page, [ARTICLE], DIRECT)
    assert result.violations == (
        Violation(
            "LINK_NOT_DIRECT",
            f"The link to {ARTICLE} goes through a redirector on partner.example ({REDIRECTED}). "
            "The policy requires a direct link to the article.",
        ),
    )
    assert result.evidence.problems == (
        f"the link goes through a redirector on partner.example ({REDIRECTED})",
    )


def test_a_direct_link_beats_a_redirected_one() -> None:
    page = _story().link(REDIRECTED, 1, "desk").link(ARTICLE, 4, "original story").page()
    result = check_link(page, [ARTICLE], DIRECT)
    assert result.ok and result.evidence.href == ARTICLE


def test_unresolved_shortener() -> None:
    page = _story().link("https://bit.ly/3xYz", 4, "original story").page()
    problem = (
        "the link https://bit.ly/3xYz goes through the URL shortener bit.ly, which hides where "
        "it leads (audit with --resolve-links to follow it)"
    )
    direct = check_link(page, [ARTICLE], DIRECT)
    assert direct.violations == (
        Violation(
            "LINK_NOT_DIRECT",
            "The page links through the URL shortener bit.ly (https://bit.ly/3xYz) instead of "
            f"linking to the article: the policy requires a direct link to {ARTICLE}.",
        ),
    )
    assert direct.evidence.problems == (problem,)
    relaxed = check_link(page, [ARTICLE], RULE)
    assert relaxed.violations == (
        Violation(
            "LINK_MISSING",
            f"No link to the source article: add a visible hyperlink to {ARTICLE} ({problem}).",
        ),
    )


def test_resolved_shortener_is_judged_by_where_it_lands() -> None:
    builder = _story().link("https://bit.ly/3xYz", 4, "original story")
    builder.link_targets = (("https://bit.ly/3xYz", ARTICLE + "?utm_source=bitly"),)
    assert check_link(builder.page(), [ARTICLE], RULE).ok
    assert _codes(check_link(builder.page(), [ARTICLE], DIRECT)) == ["LINK_NOT_DIRECT"]
    builder.link_targets = (("https://bit.ly/3xYz", "https://other.example/"),)
    assert _codes(check_link(builder.page(), [ARTICLE], RULE)) == ["LINK_MISSING"]


def test_own_site_redirect_script_hides_its_target() -> None:
    page = _story().link("/go/48213", 4, "original story").page()
    assert _codes(check_link(page, [ARTICLE], DIRECT)) == ["LINK_NOT_DIRECT"]
    elsewhere = _story().link("https://forum.example/r/news", 4, "discussion").page()
    assert _codes(check_link(elsewhere, [ARTICLE], DIRECT)) == ["LINK_MISSING"]


class _FakeFetched:
    def __init__(self, final_url: str, text: str = "") -> None:
        self.final_url = final_url
        self.text = text


class _FakeFetcher:
    """Redirect table instead of a network: url -> (final url, body)."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def fetch(self, url: str) -> _FakeFetched:
        self.asked.append(url)
        if url not in self.table:
            raise FetchError(f"{url}: HTTP 404 Not Found")
        return _FakeFetched(*self.table[url])


def test_resolve_links_follows_redirects_and_meta_refresh() -> None:
    page = (
        _story()
        .link("https://bit.ly/a", 1, "desk")
        .link("/away.php?id=7", 2, "Monday")
        .link("https://bit.ly/gone", 3, "crossing")
        .link(ARTICLE, 4, "original story")  # direct: never fetched
        .page()
    )
    fetcher = _FakeFetcher(
        {
            "https://bit.ly/a": (ARTICLE, ""),
            "https://partner.example/away.php?id=7": (
                "https://partner.example/away.php?id=7",
                f'<meta http-equiv="refresh" content="0; url={HOME}">',
            ),
            HOME: (HOME, "<p>home</p>"),
        }
    )
    resolved = resolve_links(page, fetcher)
    assert resolved.link_targets == (
        ("https://bit.ly/a", ARTICLE),
        ("https://partner.example/away.php?id=7", HOME),
    )
    assert fetcher.asked == [
        "https://bit.ly/a",
        "https://partner.example/away.php?id=7",
        HOME,
        "https://bit.ly/gone",
    ]


# --- canonical as attribution ------------------------------------------------------------


def test_canonical_to_the_article_counts_when_the_policy_says_so() -> None:
    builder = _story()
    builder.canonical = ARTICLE + "/"
    page = builder.page()
    assert _codes(check_link(page, [ARTICLE], RULE)) == ["LINK_MISSING"]
    result = check_link(page, [ARTICLE], LinkRule(canonical_counts=True))
    assert result.ok
    assert result.evidence == LinkEvidence(
        found=True, href=ARTICLE + "/", active=False, followable=True, paragraph=None
    )
    builder.canonical = HOME
    assert _codes(check_link(builder.page(), [ARTICLE], LinkRule(canonical_counts=True))) == [
        "LINK_MISSING"
    ]


def test_resolve_links_over_a_local_http_server() -> None:
    from reprint_check.page.html import page_from_html
    from reprint_check.web.fetch import Fetcher, FetchSettings
    from tests.localserver import LocalServer, send

    with LocalServer() as server:
        article = server.url("/2026/story")
        server.reply("/2026/story", b"<p>The story.</p>")
        server.route("/go/7", lambda h, _n: send(h, 302, headers=[("Location", "/2026/story")]))
        html = '<p>Our take.</p><p>Source: <a href="/go/7">the Courier</a></p>'
        page = page_from_html(html, server.url("/partner"))
        assert _codes(check_link(page, [article], RULE)) == ["LINK_MISSING"]
        with Fetcher(FetchSettings(allow_private=True, retries=0)) as fetcher:
            resolved = resolve_links(page, fetcher)
    assert resolved.link_targets == ((server.url("/go/7"), article),)
    assert check_link(resolved, [article], RULE).ok
    assert _codes(check_link(resolved, [article], DIRECT)) == ["LINK_NOT_DIRECT"]
