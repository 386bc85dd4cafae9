"""checks: each rule shape of a policy, judged on crafted pages (pass and fail).

The story and the pages below are fiction written for these tests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check.audit import audit_page
from reprint_check.checks import Edit, find_edits, find_headline, judge, quotation_spans
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import (
    Article,
    DecidingRule,
    Page,
    Passage,
    SourceFinding,
    TargetResult,
)
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import (
    ExcerptRule,
    LinkRule,
    Permission,
    Policy,
    PolicySet,
    ReprintRule,
    load_policy,
)
from reprint_check.text.normalize import visible_length

URL = "https://courier.example/2026/05/ferry-timetable/"
TITLE = "Winter ferry timetable cut to four crossings"
P1 = (
    "The harbour ferry will run only four crossings a day from November, the operator "
    "announced on Tuesday, citing a shortage of trained deckhands and rising fuel bills."
)
QUOTE = (
    "\u201cWe would rather run four reliable crossings than eight that are cancelled at the "
    "last minute,\u201d"
)
P2 = QUOTE + " said the operator's director, who asked passengers to check the board first."
P3 = (
    "Commuters from the island say the change will add an hour to many working days, and "
    "the parish council plans to ask for an extra evening sailing at its next meeting."
)
P4 = (
    "The operator said the full service should return in April once new crew have finished "
    "their training on the larger vessel."
)
BODY = "\n\n".join([P1, P2, P3, P4])
ARTICLE = Article(URL, BODY, TITLE)

OTHER_URL = "https://gazette.example/2026/06/lighthouse-keeper/"
OTHER_BODY = (
    "The last lighthouse keeper on the northern cape retired on Friday after thirty-one years, "
    "handing the keys to a volunteer trust that will open the tower to visitors in summer. "
    "She said the hardest nights were the January storms, when the lamp had to be watched "
    "until dawn and the supply boat could not land for weeks at a time."
)


OTHER_EXCERPT = OTHER_BODY[: OTHER_BODY.index(" She said")]


@pytest.fixture
def index() -> SQLiteIndex:
    store = SQLiteIndex(":memory:")
    store.add(ARTICLE)
    store.add(Article(OTHER_URL, OTHER_BODY, "Lighthouse keeper retires"))
    return store


def html(body: str, head: str = "") -> str:
    return f"<html><head><title>Partner</title>{head}</head><body>{body}</body></html>"


def linked(*paragraphs: str, link: str = f'<a href="{URL}">the Courier</a>') -> str:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return html(f"<p>Our own introduction to the story.</p>{inner}<p>Source: {link}.</p>")


def policy(
    excerpt: ExcerptRule | None = None,
    link: LinkRule | None = None,
    reprint: ReprintRule | None = None,
    permissions: tuple[Permission, ...] = (),
) -> Policy:
    return Policy(
        name="test",
        excerpt=excerpt or ExcerptRule(),
        link=link or LinkRule(),
        reprint=reprint or ReprintRule(),
        permissions=permissions,
    )


def run(
    page_html: str, index: SQLiteIndex, pol: Policy, location: str = "partner.html"
) -> TargetResult:
    return audit_page(page_from_html(page_html, location), index, pol)


def only(result: TargetResult) -> SourceFinding:
    (finding,) = result.sources
    return finding


def codes(finding: SourceFinding) -> list[str]:
    return [v.code for v in finding.violations]


# --- limits: max_chars or max_ratio, the stricter applies ------------------------------


def test_max_ratio_limit(index: SQLiteIndex) -> None:
    article_chars = visible_length(BODY)
    limit = int(0.3 * article_chars)
    assert len(P1) < limit < len(P1) + len(P3)
    rule = ExcerptRule(max_chars=0, max_ratio=0.3)
    ok = only(run(linked(P1), index, policy(rule)))
    assert (ok.reused_chars, ok.limit, ok.violations) == (len(P1), limit, ())
    bad = only(run(linked(P1, P3), index, policy(rule)))
    assert bad.limit == limit
    assert bad.violations[0].code == "EXCERPT_TOO_LONG"
    reused = len(P1) + 1 + len(P3)  # one passage over the page's paragraph break
    assert bad.reused_chars == reused
    assert bad.violations[0].message == (
        f"{reused} characters reused from {URL} "
        f"({reused / article_chars:.0%} of the article); the limit is {limit} "
        f"(30% of the article's {article_chars} characters)"
    )
    # a character limit stricter than the share wins
    stricter = only(run(linked(P1), index, policy(ExcerptRule(max_chars=100, max_ratio=0.3))))
    assert stricter.limit == 100
    assert codes(stricter) == ["EXCERPT_TOO_LONG"]
    assert stricter.violations[0].message.endswith("the limit is 100")


def test_count_longest_with_ratio(index: SQLiteIndex) -> None:
    page = html(
        f'<p>{P1}</p><p>Partner remarks stand between the two.</p><p>{P3}</p><a href="{URL}">x</a>'
    )
    rule = ExcerptRule(max_chars=0, max_ratio=0.3, count="longest")
    finding = only(run(page, index, policy(rule)))
    assert finding.reused_chars == max(len(P1), len(P3))
    assert finding.violations == ()


# --- the headline ----------------------------------------------------------------------


def test_headline_counts_only_when_the_policy_says_so(index: SQLiteIndex) -> None:
    page = html(f'<h1>{TITLE}</h1><p>{P1}</p><p><a href="{URL}">Courier</a></p>')
    limit = len(P1) + 10  # the excerpt alone fits, with the headline it does not
    without = only(run(page, index, policy(ExcerptRule(max_chars=limit))))
    assert (without.reused_chars, without.violations, without.notes) == (len(P1), (), ())
    counted = only(run(page, index, policy(ExcerptRule(max_chars=limit, include_title=True))))
    assert counted.reused_chars == len(P1) + len(TITLE)
    assert codes(counted) == ["EXCERPT_TOO_LONG"]
    assert counted.notes == (
        f"the headline appears on the page (0–{len(TITLE)}, {len(TITLE)} characters) "
        "and counts towards the limit",
    )


def test_find_headline_ignores_case_quotes_and_partial_words() -> None:
    page = Page("p.html", f"Intro.\n\n{TITLE.upper()}\n\nMore.")
    assert find_headline(page, ARTICLE) == (8, 8 + len(TITLE))
    assert find_headline(Page("p.html", f"X{TITLE}s"), ARTICLE) is None
    assert find_headline(Page("p.html", "Opinion"), replace(ARTICLE, title="Opinion")) is None


# --- quotations ------------------------------------------------------------------------------


def test_quotation_spans() -> None:
    text = (
        "He said \u201cthis is a real quote of words\u201d and \u201cso-called\u201d ones. "
        "\u00abТут також цитата з кількох слів\u00bb. "
        "It\u2019s the \u2018rule of three words\u2019."
        '\n\n"Straight quotes count too, here."'
    )
    spans = [text[a:b] for a, b in quotation_spans(text)]
    assert spans == [
        "\u201cthis is a real quote of words\u201d",
        "\u00abТут також цитата з кількох слів\u00bb",
        "\u2018rule of three words\u2019",
        '"Straight quotes count too, here."',
    ]


def test_quotation_running_over_paragraphs_and_unclosed_marks() -> None:
    text = (
        "\u201cThe first paragraph of a long quote\n\n\u201cand the second one ends it here.\u201d"
        "\n\n\u201cAn unclosed mark is not a quotation at all\n\nNext paragraph."
    )
    spans = [text[a:b] for a, b in quotation_spans(text)]
    assert spans == [
        "\u201cThe first paragraph of a long quote",
        "\u201cand the second one ends it here.\u201d",
    ]


def test_quotations_are_listed_but_not_counted(index: SQLiteIndex) -> None:
    page = linked(P1, P2)
    counted = only(run(page, index, policy(ExcerptRule(max_chars=250))))
    assert counted.reused_chars == len(P1) + 1 + len(P2)  # one passage over the break
    assert codes(counted) == ["EXCERPT_TOO_LONG"]
    rule = ExcerptRule(max_chars=250, count_quotations=False)
    finding = only(run(page, index, policy(rule)))
    quoted = [p for p in finding.passages if p.quotation]
    assert [p.text for p in quoted] == [QUOTE]
    assert BODY[quoted[0].source_start : quoted[0].source_end] == QUOTE
    rest = [p for p in finding.passages if not p.quotation]
    assert finding.reused_chars == sum(p.chars for p in rest)
    assert finding.reused_chars == len(P1) + len(P2) - len(QUOTE) - 1  # the space after it
    assert finding.violations == ()
    assert finding.notes == (
        f"1 passage ({len(QUOTE)} characters) quoted in the article from someone else's words, "
        "listed but not counted (count_quotations = false)",
    )


def test_a_copy_longer_than_the_article_says_so_instead_of_a_bare_share() -> None:
    """Words added inside the copied text make it longer than the article as indexed."""
    short = Article(OTHER_URL, OTHER_BODY, "Lighthouse keeper retires")
    padded = OTHER_BODY.replace("volunteer trust", "volunteer trust of local people and friends")
    page = Page("p.txt", padded)
    reused = visible_length(padded)
    article_chars = visible_length(OTHER_BODY)
    passage = Passage(0, len(padded), 0, len(OTHER_BODY), reused, 0.93, padded)
    finding = judge(page, short, [passage], policy(ExcerptRule(max_chars=100)), None)
    assert finding is not None
    assert reused > article_chars
    share = f"{reused / article_chars:.0%}"
    assert [(v.code, v.message) for v in finding.violations[:2]] == [
        (
            "EXCERPT_TOO_LONG",
            f"{reused} characters reused from {OTHER_URL} ({share} of the article as indexed: "
            "the copy is longer than the indexed text); the limit is 100",
        ),
        (
            "FULL_REPRINT",
            f"{reused} of the article's {article_chars} characters reused (the copy is longer "
            "than the indexed text): this is a reprint, not an excerpt",
        ),
    ]


# --- permissions with an end date ------------------------------------------------------------


def test_permission_expired_is_reported_and_normal_rules_apply(index: SQLiteIndex) -> None:
    page = page_from_html(linked(P1, P3), "https://www.partner.example/story")
    result = audit_page(page, index, policy(ExcerptRule(max_chars=200)))
    passages = only(result).passages
    permission = Permission("partner.example", 0, "syndication deal", date(2027, 6, 30))
    pol = policy(ExcerptRule(max_chars=200), permissions=(permission,))
    target = "https://www.partner.example/story"

    valid = judge(page, ARTICLE, passages, pol, target, today=date(2027, 6, 30))
    assert valid is not None
    assert (valid.limit, valid.violations, valid.notes) == (0, (), ())
    # the permission that decided is named on the finding, not left to a note
    assert valid.rule == DecidingRule(
        kind="permission",
        policy="test",
        domain="partner.example",
        max_chars=0,
        until="2027-06-30",
        note="syndication deal",
    )

    expired = judge(page, ARTICLE, passages, pol, target, today=date(2027, 7, 1))
    assert expired is not None
    assert expired.limit == 200
    assert codes(expired) == ["EXCERPT_TOO_LONG"]
    assert expired.notes == (
        "partner.example's written permission expired on 2027-06-30: "
        "the policy's normal rules apply",
    )
    assert expired.rule is None  # the policy's own excerpt rule decided
    # a page that only says it is the article itself holds no permission
    assert judge(page, ARTICLE, passages, pol, URL, today=date(2027, 6, 1)).limit == 200  # type: ignore[union-attr]


def test_permission_allows_a_full_copy(index: SQLiteIndex) -> None:
    pol = policy(permissions=(Permission("partner.example"),))
    page = page_from_html(linked(P1, P2, P3, P4), "https://partner.example/story")
    finding = only(audit_page(page, index, pol))
    assert finding.violations == ()
    assert finding.rule == DecidingRule("permission", "test", "partner.example")
    bare = only(audit_page(page, index, policy()))
    assert codes(bare) == ["EXCERPT_TOO_LONG", "FULL_REPRINT"]
    assert bare.rule is None


def test_a_permission_with_a_limit_is_named_in_the_too_long_message(index: SQLiteIndex) -> None:
    permission = Permission("partner.example", 250, "syndication deal", date(2027, 6, 30))
    pol = policy(ExcerptRule(max_chars=100), permissions=(permission,))
    page = page_from_html(linked(P1, P3), "https://partner.example/story")
    finding = judge(page, ARTICLE, only(audit_page(page, index, pol)).passages, pol,
                    page.location, today=date(2027, 1, 1))  # fmt: skip
    assert finding is not None
    reused = finding.reused_chars
    assert (finding.limit, codes(finding)) == (250, ["EXCERPT_TOO_LONG"])
    assert finding.violations[0].message == (
        f"{reused} characters reused from {URL} "
        f"({reused / visible_length(BODY):.0%} of the article); "
        "the limit is 250 (written permission of partner.example until 2027-06-30)"
    )
    assert finding.rule == DecidingRule(
        "permission", "test", "partner.example", 250, "2027-06-30", "syndication deal"
    )


# --- link rules through real HTML ----------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "link"),
    [
        ('<meta name="googlebot" content="nofollow">', f'<a href="{URL}">Courier</a>'),
        ('<meta name="robots" content="none">', f'<a href="{URL}">Courier</a>'),
        ("", f'<noindex><a href="{URL}">Courier</a></noindex>'),
        ("", f'<!--noindex--><a href="{URL}">Courier</a><!--/noindex-->'),
    ],
    ids=["googlebot-meta", "robots-none", "noindex-tag", "noindex-comment"],
)
def test_indexable_link_rule_on_html(index: SQLiteIndex, head: str, link: str) -> None:
    page = html(f"<p>{P1}</p><p>Source: {link}</p>", head)
    strict = only(run(page, index, policy(link=LinkRule(followable=True))))
    assert codes(strict) == ["LINK_NOT_FOLLOWABLE"]
    relaxed = only(run(page, index, policy()))
    assert relaxed.violations == ()
    assert relaxed.link.followable is False


def test_x_robots_tag_header_on_a_fetched_page(index: SQLiteIndex) -> None:
    page = page_from_html(html(f'<p>{P1}</p><p><a href="{URL}">Courier</a></p>'), "t.html")
    pol = policy(link=LinkRule(followable=True))
    assert only(audit_page(page, index, pol)).violations == ()
    fetched = replace(page, header_robots=("otherbot: noindex", "googlebot: nofollow"))
    finding = only(audit_page(fetched, index, pol))
    assert codes(finding) == ["LINK_NOT_FOLLOWABLE"]
    assert "X-Robots-Tag header for googlebot" in finding.link.problems[0]


def test_first_paragraph_and_paragraph_n_on_html(index: SQLiteIndex) -> None:
    link = f'<a href="{URL}">the Courier</a>'
    early = html(f"<h1>Ferry news</h1><p>As reported by {link} this week.</p><p>{P1}</p>")
    late = html(f"<p>Ferry news from the island today.</p><p>{P1}</p><p>Via {link}</p>")
    first = policy(link=LinkRule(position="first-paragraph"))
    second = policy(link=LinkRule(position="paragraph:2"))
    assert only(run(early, index, first)).violations == ()
    assert codes(only(run(late, index, first))) == ["LINK_TOO_LATE"]
    assert codes(only(run(late, index, second))) == ["LINK_TOO_LATE"]
    assert only(run(late, index, policy(link=LinkRule(position="paragraph:3")))).violations == ()


def test_direct_link_rule_on_html(index: SQLiteIndex) -> None:
    redirect = f'<a href="/go?to={URL}">the Courier</a>'
    page = page_from_html(linked(P1, link=redirect), "https://partner.example/story")
    assert only(audit_page(page, index, policy())).violations == ()
    finding = only(audit_page(page, index, policy(link=LinkRule(direct=True))))
    assert codes(finding) == ["LINK_NOT_DIRECT"]
    short = page_from_html(
        linked(P1, link='<a href="https://bit.ly/courier">the Courier</a>'), "t.html"
    )
    assert codes(only(audit_page(short, index, policy(link=LinkRule(direct=True))))) == [
        "LINK_NOT_DIRECT"
    ]
    home = page_from_html(
        linked(P1, link='<a href="https://courier.example/">the Courier</a>'), "t.html"
    )
    assert codes(only(audit_page(home, index, policy(link=LinkRule(direct=True))))) == [
        "LINK_WRONG_TARGET"
    ]


def test_canonical_counts_on_html(index: SQLiteIndex) -> None:
    head = f'<link rel="canonical" href="{URL}">'
    page = page_from_html(html(f"<p>{P1}</p>", head), "https://partner.example/ferry")
    assert codes(only(audit_page(page, index, policy()))) == ["LINK_MISSING"]
    finding = only(audit_page(page, index, policy(link=LinkRule(canonical_counts=True))))
    assert finding.violations == ()
    assert finding.link.href == URL and not finding.link.active
    assert finding.notes == (
        "the page's <link rel=canonical> points to the article, which the policy accepts "
        "as the link (canonical_counts = true)",
    )


# --- reprint licences ------------------------------------------------------------------------

LICENCE = policy(
    ExcerptRule(max_chars=0),
    reprint=ReprintRule(
        allow_full=True, unedited=True, credit=r"originally published by the (?:\w+ )?Courier"
    ),
)
CREDIT = "This story was originally published by the Harbour Courier."


def reprint(*paragraphs: str, credit: str = CREDIT) -> str:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return html(f'<h1>{TITLE}</h1>{inner}<p><a href="{URL}">{credit}</a></p>')


def test_unedited_credited_full_reprint_is_compliant(index: SQLiteIndex) -> None:
    finding = only(run(reprint(P1, P2, P3, P4), index, LICENCE))
    assert finding.reused_chars == visible_length(BODY)
    assert (finding.limit, finding.violations) == (0, ())
    assert finding.rule == DecidingRule(kind="licence", policy="test")


def test_typography_is_not_an_edit(index: SQLiteIndex) -> None:
    retyped = P2.replace("\u201c", '"').replace("\u201d", '"').replace("'", "\u2019")
    spaced = P3.replace(" ", "  ").upper()
    finding = only(run(reprint(P1, retyped, spaced, P4), index, LICENCE))
    assert finding.violations == ()


def test_changed_words_are_reprint_edited_with_the_spans(index: SQLiteIndex) -> None:
    edited = P3.replace("an hour", "two hours")
    page = page_from_html(reprint(P1, P2, edited, P4), "partner.html")
    finding = only(audit_page(page, index, LICENCE))
    assert codes(finding) == ["REPRINT_EDITED"]
    at = page.text.index("two hours")
    assert finding.violations[0].message == (
        f"The copy of {URL} changes the publisher's words in 1 place: "
        f'"two hours" instead of "an hour" at {at}–{at + len("two hours")}. '
        "The licence allows republishing only unedited."
    )


def test_left_out_and_added_sentences_are_edits() -> None:
    text = f"{P1}\n\n{P3}"
    page = Page("p.txt", text)
    p1 = Passage(0, len(P1), 0, len(P1), len(P1), 1.0, P1)
    s3 = BODY.index(P3)
    p3 = Passage(len(P1) + 2, len(text), s3, s3 + len(P3), len(P3), 1.0, P3)
    (edit,) = find_edits(page, ARTICLE, [p1, p3])
    assert edit == Edit(len(P1) + 2, len(P1) + 2, "", P2[1:-1])  # from word to word
    assert edit.describe().startswith('"We would rather run four reliable crossings')
    assert edit.describe().endswith(f'…" left out at {len(P1) + 2}')

    added = f"{P1} Ferries are popular. {P2}"
    page = Page("p.txt", added)
    s2 = BODY.index(P2)
    start2 = added.index(P2)
    q2 = Passage(start2, len(added), s2, s2 + len(P2), len(P2), 1.0, P2)
    assert find_edits(page, ARTICLE, [p1, q2]) == [
        Edit(len(P1) + 1, start2 - 2, "Ferries are popular", "")
    ]


def test_a_caption_between_passages_is_not_an_edit(index: SQLiteIndex) -> None:
    page = html(
        f"<p>{P1}</p><figure><figcaption>The ferry at the pier in spring.</figcaption></figure>"
        f'<p>{P2}</p><p>{P3}</p><p>{P4}</p><p><a href="{URL}">{CREDIT}</a></p>'
    )
    assert only(run(page, index, LICENCE)).violations == ()


def test_missing_credit(index: SQLiteIndex) -> None:
    finding = only(run(reprint(P1, P2, P3, P4, credit="Read the original"), index, LICENCE))
    assert codes(finding) == ["CREDIT_MISSING"]
    assert finding.violations[0].message == (
        'No credit line on the page matches "originally published by the (?:\\w+ )?Courier": '
        "credit the publisher as the licence requires."
    )


def test_shipped_cc_by_nd_policy(index: SQLiteIndex) -> None:
    licence = replace(load_policy("cc-by-nd-reprint"), name="cc")
    ok = only(run(reprint(P1, P2, P3, P4), index, licence))
    assert ok.violations == ()
    edited = only(run(reprint(P1, P2, P4, credit="Courier"), index, licence))
    assert codes(edited) == ["REPRINT_EDITED", "CREDIT_MISSING"]


# --- several publishers ----------------------------------------------------------------------


def test_each_article_is_judged_by_the_policy_covering_it(index: SQLiteIndex) -> None:
    courier = Policy(
        name="courier", domains=("courier.example",), excerpt=ExcerptRule(max_chars=100)
    )
    gazette = Policy(
        name="gazette", domains=("gazette.example",), excerpt=ExcerptRule(max_chars=1000)
    )
    page = html(
        f'<p>{P1}</p><p><a href="{URL}">Courier</a></p>'
        f'<p>{OTHER_EXCERPT}</p><p><a href="{OTHER_URL}">Gazette</a></p>'
    )
    result = run(page, index, PolicySet((courier, gazette)))
    by_url = {f.url: f for f in result.sources}
    assert (by_url[URL].limit, codes(by_url[URL])) == (100, ["EXCERPT_TOO_LONG"])
    assert (by_url[OTHER_URL].limit, codes(by_url[OTHER_URL])) == (1000, [])
    # a set without a policy for the gazette leaves its article out
    only_courier = run(page, index, PolicySet((courier,)))
    assert [f.url for f in only_courier.sources] == [URL]


def test_judge_returns_none_below_the_policys_minimum() -> None:
    page = Page("p.txt", P1)
    short = Passage(0, 40, 0, 40, 40, 1.0, P1[:40])
    assert judge(page, ARTICLE, [short], policy(), None) is None


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list('ab "\u201c\u201d\u00ab\u00bb\u2018\u2019\n.'))))
def test_quotation_spans_are_ordered_disjoint_and_start_with_a_mark(text: str) -> None:
    spans = quotation_spans(text)
    for (_a, b), (c, _d) in pairwise(spans):
        assert b <= c
    for a, b in spans:
        assert 0 <= a < b <= len(text)
        assert text[a] in '"\u201c\u00ab\u00bb\u2018'  # » opens in Danish
