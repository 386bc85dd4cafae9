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

from reprint_check.links import (
    LinkCheck,
    canonical_url,
    check_link,
    find_bare_urls,
    host_of,
    same_article,
)
from reprint_check.models import Block, Link, LinkEvidence, Page, Violation
from reprint_check.policy import LinkRule

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
    ) -> _PageBuilder:
        if position is None:
            if block is None:
                position = len(self.text)
            else:
                span = self.spans[block]
                found = self.text.find(anchor, span.start, span.end) if anchor else -1
                position = found if found >= 0 else span.end
        url = href if href.startswith(("http://", "https://")) else None
        self.links.append(
            Link(href, url, anchor, rel, hidden, in_noscript, in_comment, block, position)
        )
        return self

    def page(self) -> Page:
        return Page(
            location="https://partner.example/story",
            text=self.text,
            blocks=tuple(self.spans),
            links=tuple(self.links),
            robots=self.robots,
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
