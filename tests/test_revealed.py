"""Text a page keeps out of sight: hidden containers and schema.org bodies are audited.

A partner page that shows two paragraphs and keeps the rest of the story in
a "Read more" block, a hidden tab panel or its JSON-LD publishes the whole
story; these tests hold the page walk to what it gathers, and the audit to
counting it, once, with the passage marked. The story is fiction written for
these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reprint_check import wording
from reprint_check.audit import audit_page
from reprint_check.cli import main
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article, Block, Page, Report, Revealed, TargetResult
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import Policy
from reprint_check.report import json as json_report
from reprint_check.report import render
from reprint_check.text.normalize import visible_length

URL = "https://gazette.example/2026/10/winter-ferry/"
PARAGRAPHS = (
    "The ferry between Castlemoor and the Inch islands will run a winter timetable from the "
    "first Monday of November, the operator said after a meeting with island councillors.",
    "Crossings will leave the mainland every ninety minutes instead of every hour, and the "
    "last sailing of the day moves from half past nine to a quarter to eight.",
    "Island shopkeepers had asked for an earlier first boat so that deliveries of bread and "
    "milk reach the shelves before the morning school run begins.",
    "The operator agreed to move the first crossing to ten past six on weekdays, and said it "
    "would review the change at the end of January with the council.",
    "Councillor Ailsa Brenner said the later sailings mattered less than a reliable service, "
    "after three cancellations in October left commuters stranded overnight.",
    "A new relief vessel, leased from a yard on the south coast, will cover the route while "
    "the regular ferry is in dry dock for its annual inspection in February.",
)
STORY = "\n\n".join(PARAGRAPHS)
ARTICLE_CHARS = visible_length(STORY)  # 949
SHOWN = PARAGRAPHS[:2]  # what the partner's page shows
REST = PARAGRAPHS[2:]  # what it keeps one click away
SHOWN_CHARS = visible_length(" ".join(SHOWN))  # 330: within the limit of 500
REST_CHARS = visible_length(" ".join(REST))  # 618
INTRO = "Our harbour desk picked this up from the island paper this morning."
LINK = f'<p>Source: <a href="{URL}">the Gazette</a></p>'
UNRELATED = (
    "Tickets for the harvest supper at the village hall go on sale at the post office on "
    "Saturday, with a raffle for a hamper of local cheeses and a boat trip round the bay."
)
POLICY = Policy(name="test")


def paragraphs(texts: tuple[str, ...] | list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def html(body: str, head: str = "") -> str:
    return f"<html><head><title>Ferry news</title>{head}</head><body>{body}</body></html>"


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def page_of(markup: str) -> Page:
    return page_from_html(markup, "partner.html")


@pytest.fixture
def index() -> SQLiteIndex:
    store = SQLiteIndex(":memory:")
    store.add(Article(URL, STORY, "Ferry moves to winter timetable"))
    return store


def audited(index: SQLiteIndex, markup: str) -> TargetResult:
    return audit_page(page_of(markup), index, POLICY, include_text=True)


def as_json(result: TargetResult) -> str:
    return render(Report(policy=POLICY.summary(), targets=(result,)), "json", include_text=True)


# --- the page walk: what it gathers ----------------------------------------------------------


def test_a_read_more_block_is_revealed_text_and_the_visible_text_stays_as_it_was() -> None:
    shown = paragraphs(SHOWN)
    hidden = (
        '<button>Read more</button><div class="read-more" style="display: none">'
        f"{paragraphs(REST)}</div>"
    )
    page = page_of(html(shown + hidden))
    assert page.text == page_of(html(shown + "<button>Read more</button>")).text
    assert page.text == "\n\n".join(SHOWN) + "\n\nRead more"
    (revealed,) = page.revealed
    assert revealed.where == "read-more"
    assert revealed.text == "\n\n".join(REST)
    assert [revealed.text[b.start : b.end] for b in revealed.blocks] == list(REST)
    assert {b.kind for b in revealed.blocks} == {"p"}


@pytest.mark.parametrize(
    ("container", "where"),
    [
        ('<div role="tabpanel" hidden>', "tab-panel"),
        ('<section class="tab-pane" style="display:none">', "tab-panel"),
        ('<div class="collapse" id="more-1" hidden>', "collapsed"),
        ('<div class="accordion-body" style="DISPLAY: NONE !important">', "collapsed"),
        ('<div class="story-rest" style="display:none">', "display-none"),
        ("<div hidden>", "hidden-attribute"),
        ('<div style="visibility: hidden">', "visibility-hidden"),
    ],
)
def test_each_kind_of_hidden_container_is_named(container: str, where: str) -> None:
    tag = container[1 : container.index(" ") if " " in container else -1].rstrip(">")
    page = page_of(html(f"<p>{INTRO}</p>{container}{paragraphs(REST)}</{tag}>"))
    assert page.text == INTRO
    assert [(r.where, r.text) for r in page.revealed] == [(where, "\n\n".join(REST))]


@pytest.mark.parametrize(
    "furniture",
    [
        '<nav><ul style="display:none"><li>{}</li></ul></nav>',
        '<div class="mobile-menu" hidden><p>{}</p></div>',
        '<div id="cookieBanner" style="display:none">{}</div>',
        '<div class="modal fade" style="display:none"><p>{}</p></div>',
        '<div role="dialog" hidden><p>{}</p></div>',
        '<form style="display:none"><p>{}</p></form>',
        '<div style="display:none"><nav><p>{}</p></nav></div>',
        "<div hidden><template><p>{}</p></template><svg><text>{}</text></svg></div>",
        "<div hidden><select><option>{}</option></select></div>",
        "<noscript><p>{}</p></noscript>",
        '<!-- <div style="display:none">{}</div> -->',
        "<dialog><p>{}</p></dialog>",
        '<div hidden><script>var teaser = "{}";</script></div>',
        '<svg style="display:none"><text>{}</text></svg>',
        "<video hidden><p>{}</p></video>",
        '<template style="display:none"><p>{}</p></template>',
    ],
)
def test_site_furniture_and_never_rendered_containers_reveal_nothing(furniture: str) -> None:
    page = page_of(html(f"<p>{INTRO}</p>" + furniture.replace("{}", REST[0])))
    assert page.text == INTRO
    assert page.revealed == ()


def test_hidden_containers_next_to_each_other_are_one_text_and_visible_text_parts_them() -> None:
    page = page_of(
        html(
            f"<p hidden>{REST[0]}</p><p hidden>{REST[1]}</p>"
            f"<p>{INTRO}</p>"
            f'<p hidden>{REST[2]}</p><div role="tabpanel" hidden>{REST[3]}</div>'
        )
    )
    assert [(r.where, r.text) for r in page.revealed] == [
        ("hidden-attribute", f"{REST[0]}\n\n{REST[1]}"),
        ("hidden-attribute", REST[2]),
        ("tab-panel", REST[3]),
    ]


def test_a_shown_part_inside_a_hidden_one_is_visible_text() -> None:
    page = page_of(
        html(
            f'<div style="visibility:hidden"><p>{REST[0]}</p>'
            f'<p style="visibility:visible">{INTRO}</p><p>{REST[1]}</p></div>'
        )
    )
    assert page.text == INTRO
    assert [(r.where, r.text) for r in page.revealed] == [
        ("visibility-hidden", REST[0]),
        ("visibility-hidden", REST[1]),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": "\n".join(REST)},
        {"@type": ["BlogPosting"], "articleBody": "\n\n".join(REST)},
        [
            {"@type": "WebSite", "name": "Harbour Desk"},
            {"@type": "Article", "articleBody": "\n".join(REST)},
        ],
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "name": "Ferry news"},
                {
                    "@type": "https://schema.org/ReportageNewsArticle",
                    "articleBody": "\n".join(REST),
                },
            ],
        },
        {
            "@type": "WebPage",
            "mainEntity": {"@type": "NewsArticle", "articleBody": "\n".join(REST)},
        },
        {"@type": "NewsArticle", "articleBody": paragraphs(REST)},
    ],
    ids=["top-level", "type-list", "list", "graph", "nested", "html-body"],
)
def test_json_ld_article_body_is_revealed_text(data: object) -> None:
    page = page_of(html(f"<p>{INTRO}</p>", head=json_ld(data)))
    assert page.text == INTRO
    assert [(r.where, r.text) for r in page.revealed] == [("json-ld", "\n\n".join(REST))]


@pytest.mark.parametrize(
    "script",
    [
        json_ld({"@type": "Recipe", "articleBody": REST[0]}),  # not an article
        json_ld({"@type": "NewsArticle", "description": REST[0]}),  # no body
        '<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "x",}</script>',
        json_ld({"@type": "Article", "articleBody": REST[0]}).replace("ld+json", "json"),
    ],
    ids=["other-type", "no-body", "not-json", "not-json-ld"],
)
def test_json_ld_without_an_article_body_reveals_nothing(script: str) -> None:
    assert page_of(html(f"<p>{INTRO}</p>", head=script)).revealed == ()


def test_the_same_body_twice_in_structured_data_is_one_text() -> None:
    data = {"@type": "NewsArticle", "articleBody": "\n".join(REST)}
    meta = f'<meta itemprop="articleBody" content="{"&#10;".join(REST)}">'
    page = page_of(html(f"<p>{INTRO}</p>{meta}", head=json_ld(data) + json_ld(data)))
    assert [r.where for r in page.revealed] == ["json-ld"]


def test_microdata_article_body_in_a_meta_element_is_revealed_text() -> None:
    page = page_of(
        html(
            f'<article itemscope itemtype="https://schema.org/NewsArticle"><p>{INTRO}</p>'
            f'<meta itemprop="articleBody" content="{"&#10;".join(REST)}"></article>'
        )
    )
    assert page.revealed == (
        Revealed(
            "microdata",
            "\n\n".join(REST),
            tuple(
                Block(
                    i,
                    "p",
                    sum(len(p) + 2 for p in REST[:i]),
                    sum(len(p) + 2 for p in REST[:i]) + len(REST[i]),
                )
                for i in range(len(REST))
            ),
        ),
    )


# --- the audit: counted, once, and marked ------------------------------------------------------


def assert_offsets_index_the_reported_text(result: TargetResult) -> None:
    assert result.text is not None
    for source in result.sources:
        for passage in source.passages:
            assert result.text[passage.target_start : passage.target_end] == passage.text
            assert STORY[passage.source_start : passage.source_end] == passage.text


REST_HTML = paragraphs(REST)
HIDDEN_REST = {
    "read-more": (
        '<button aria-expanded="false">Read more</button>'
        f'<div class="read-more-text" style="display:none">{REST_HTML}</div>'
    ),
    "tab-panel": (
        '<div role="tablist"><button role="tab">Part 2</button></div>'
        f'<div role="tabpanel" hidden>{REST_HTML}</div>'
    ),
    # an accordion: two collapsed sections, one after the other
    "collapsed": (
        f'<div class="collapse" id="rest" hidden>{paragraphs(REST[:2])}</div>'
        f'<div class="collapse" hidden>{paragraphs(REST[2:])}</div>'
    ),
    "display-none": f'<div style="display:none">{REST_HTML}</div>',
}


@pytest.mark.parametrize(("where", "hidden"), HIDDEN_REST.items(), ids=HIDDEN_REST)
def test_a_copy_completed_in_a_hidden_container_counts_in_full(
    index: SQLiteIndex, where: str, hidden: str
) -> None:
    result = audited(index, html(paragraphs(SHOWN) + hidden + LINK))
    (source,) = result.sources
    assert [(p.chars, p.hidden) for p in source.passages] == [
        (SHOWN_CHARS, None),
        (REST_CHARS, where),
    ]
    assert source.reused_chars == SHOWN_CHARS + REST_CHARS == ARTICLE_CHARS - 1
    assert [v.code for v in source.violations] == ["EXCERPT_TOO_LONG", "FULL_REPRINT"]
    place = wording.hidden_place(where)
    assert source.violations[0].message == (
        f"948 characters reused from {URL} (100% of the article), 618 of them {place}; "
        "the limit is 500"
    )
    assert source.notes == (
        f"618 of the 948 characters counted are {place}: "
        "the page publishes them all the same, so they count",
    )
    assert result.status == "violation"
    assert source.link.active  # the visible link still satisfies the link rule
    assert_offsets_index_the_reported_text(result)
    visible = page_of(html(paragraphs(SHOWN) + hidden + LINK)).text
    assert visible.endswith("Source: the Gazette")
    assert result.text == visible + "\n\n" + "\n\n".join(REST)


def test_without_the_hidden_part_the_same_page_is_compliant(index: SQLiteIndex) -> None:
    result = audited(index, html(paragraphs(SHOWN) + LINK))
    (source,) = result.sources
    assert (source.reused_chars, source.violations, result.status) == (SHOWN_CHARS, (), "compliant")


@pytest.mark.parametrize(
    "data",
    [
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "articleBody": "\n".join(PARAGRAPHS),
        },
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage"},
                {"@type": "NewsArticle", "articleBody": "\n".join(PARAGRAPHS)},
            ],
        },
    ],
    ids=["top-level", "graph"],
)
def test_json_ld_body_repeating_the_shown_paragraphs_counts_each_stretch_once(
    index: SQLiteIndex, data: object
) -> None:
    result = audited(index, html(paragraphs(SHOWN) + LINK, head=json_ld(data)))
    (source,) = result.sources
    shown, hidden = source.passages
    assert (shown.hidden, shown.source_start, shown.chars) == (None, 0, SHOWN_CHARS)
    assert hidden.hidden == "json-ld"
    assert hidden.source_start == STORY.index(REST[0])
    assert hidden.text == "\n\n".join(REST)
    assert source.reused_chars == ARTICLE_CHARS - 1
    assert [v.code for v in source.violations] == ["EXCERPT_TOO_LONG", "FULL_REPRINT"]
    assert_offsets_index_the_reported_text(result)


def test_a_story_only_in_microdata_counts_whole(index: SQLiteIndex) -> None:
    meta = f'<meta itemprop="articleBody" content="{"&#10;".join(PARAGRAPHS)}">'
    result = audited(index, html(f"<p>{INTRO}</p>{meta}{LINK}"))
    (source,) = result.sources
    (passage,) = source.passages
    assert (passage.hidden, passage.chars, source.reused_chars) == (
        "microdata",
        ARTICLE_CHARS,
        ARTICLE_CHARS,
    )
    assert [v.code for v in source.violations] == ["EXCERPT_TOO_LONG", "FULL_REPRINT"]
    assert_offsets_index_the_reported_text(result)


def test_a_hidden_repeat_of_what_the_reader_sees_changes_nothing(index: SQLiteIndex) -> None:
    plain = html(paragraphs(SHOWN) + LINK)
    repeated = html(
        paragraphs(SHOWN)
        + LINK
        + f'<div class="print-version" style="display:none">{paragraphs(SHOWN)}</div>',
        head=json_ld({"@type": "NewsArticle", "articleBody": "\n".join(SHOWN)}),
    )
    assert as_json(audited(index, repeated)) == as_json(audited(index, plain))


def test_hidden_text_unrelated_to_the_archive_leaves_the_report_unchanged(
    index: SQLiteIndex,
) -> None:
    plain = html(paragraphs(SHOWN) + LINK)
    with_hidden = html(
        '<nav><ul class="submenu" style="display:none"><li>Harbour</li><li>Islands</li></ul></nav>'
        + paragraphs(SHOWN)
        + LINK
        + f'<div role="tabpanel" hidden><p>{UNRELATED}</p></div>'
        + f'<div class="read-more" style="display:none"><p>{UNRELATED}</p></div>'
        + '<div id="cookie-consent" hidden>We use cookies to count visitors.</div>',
        head=json_ld({"@type": "NewsArticle", "articleBody": f"{INTRO}\n{UNRELATED}"}),
    )
    assert page_of(with_hidden).revealed  # there is hidden text, and it is read
    for form in ("json", "console", "markdown", "html", "junit"):
        for result in (audited, lambda i, m: audit_page(page_of(m), i, POLICY)):
            before = render(Report(policy=POLICY.summary(), targets=(result(index, plain),)), form)
            after = render(
                Report(policy=POLICY.summary(), targets=(result(index, with_hidden),)), form
            )
            assert after == before, form


def test_a_copy_inside_hidden_furniture_is_not_counted(index: SQLiteIndex) -> None:
    furniture = f'<div class="mobile-menu" style="display:none">{paragraphs(REST)}</div>'
    result = audited(index, html(paragraphs(SHOWN) + LINK + furniture))
    (source,) = result.sources
    assert (source.reused_chars, result.status) == (SHOWN_CHARS, "compliant")


def test_a_link_inside_the_hidden_part_still_does_not_count(index: SQLiteIndex) -> None:
    hidden = f'<div class="read-more" style="display:none">{paragraphs(REST)}{LINK}</div>'
    result = audited(index, html(paragraphs(SHOWN) + hidden))
    (source,) = result.sources
    assert source.reused_chars == ARTICLE_CHARS - 1
    assert [v.code for v in source.violations] == [
        "EXCERPT_TOO_LONG",
        "FULL_REPRINT",
        "LINK_NOT_ACTIVE",
    ]
    assert source.link.problems == ("the link is hidden with display:none",)


def test_a_story_found_only_in_hidden_text_is_a_finding_of_its_own() -> None:
    store = SQLiteIndex(":memory:")
    other = "https://gazette.example/2026/09/harvest-supper/"
    store.add(Article(other, UNRELATED + " " + INTRO, "Harvest supper"))
    store.add(Article(URL, STORY, "Ferry moves to winter timetable"))
    result = audit_page(
        page_of(html(f"<p>{UNRELATED}</p>" + f"<div hidden>{paragraphs(REST)}</div>")),
        store,
        POLICY,
    )
    hidden = [s for s in result.sources if s.url == URL]
    assert [(p.hidden, p.chars) for s in hidden for p in s.passages] == [
        ("hidden-attribute", REST_CHARS)
    ]
    assert [v.code for v in hidden[0].violations] == ["EXCERPT_TOO_LONG", "LINK_MISSING"]


# --- reports -----------------------------------------------------------------------------------


@pytest.fixture
def read_more_report(index: SQLiteIndex) -> Report:
    hidden = f'<div class="read-more" style="display:none">{paragraphs(REST)}</div>'
    result = audited(index, html(paragraphs(SHOWN) + hidden + LINK))
    return Report(policy=POLICY.summary(), targets=(result,))


def test_json_marks_the_hidden_passage_and_reads_back(read_more_report: Report) -> None:
    document = json.loads(render(read_more_report, "json"))
    passages = document["targets"][0]["sources"][0]["passages"]
    assert "hidden" not in passages[0] and "where" not in passages[0]
    assert (passages[1]["hidden"], passages[1]["where"]) == (True, "read-more")
    loaded = json_report.load(render(read_more_report, "json"))
    assert loaded.targets[0].sources == read_more_report.targets[0].sources


@pytest.mark.parametrize("form", ["console", "markdown", "html", "junit", "github", "csv", "json"])
def test_every_format_says_where_the_hidden_part_stood(read_more_report: Report, form: str) -> None:
    shown = " ".join(render(read_more_report, form).replace("│", " ").split())  # wrapped lines
    assert "618 of them hidden in a “Read more” block" in shown  # the violation's message


@pytest.mark.parametrize("form", ["console", "markdown", "html", "junit"])
def test_formats_that_list_passages_mark_the_hidden_one(
    read_more_report: Report, form: str
) -> None:
    shown = " ".join(render(read_more_report, form).replace("│", " ").split())
    marks = {
        "console": "· 618 characters · similarity 1.00 · hidden in a “Read more” block",
        "markdown": "618 characters, similarity 100% (page 354–975, article 333–954), "
        "hidden in a “Read more” block:",
        "html": '<span class="kind">hidden in a “Read more” block</span>',
        "junit": "618 characters, similarity 1.00, hidden in a “Read more” block",
    }
    assert marks[form] in shown


def test_the_cli_audits_the_hidden_copy(tmp_path: Path) -> None:
    article = tmp_path / "winter-ferry.txt"
    article.write_text(STORY, encoding="utf-8")
    target = tmp_path / "partner.html"
    hidden = f'<div role="tabpanel" hidden>{paragraphs(REST)}</div>'
    target.write_text(html(paragraphs(SHOWN) + hidden + LINK), encoding="utf-8")
    run = CliRunner().invoke(
        main,
        ["audit", str(target), "--source", str(article), "--format", "json"],
        catch_exceptions=False,
    )
    assert run.exit_code == 1, run.output
    (source,) = json.loads(run.stdout)["targets"][0]["sources"]
    assert source["reused_chars"] == ARTICLE_CHARS - 1
    assert [(p.get("hidden"), p.get("where")) for p in source["passages"]] == [
        (None, None),
        (True, "tab-panel"),
    ]


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    shown=st.integers(min_value=0, max_value=len(PARAGRAPHS)),
    body_from=st.integers(min_value=0, max_value=len(PARAGRAPHS)),
    container=st.sampled_from(["json-ld", "read-more", "tab-panel"]),
)
def test_each_stretch_of_the_story_counts_once_whatever_the_page_repeats(
    shown: int, body_from: int, container: str
) -> None:
    """The page shows the first ``shown`` paragraphs and hides paragraphs ``body_from`` on."""
    store = SQLiteIndex(":memory:")
    store.add(Article(URL, STORY, "Ferry moves to winter timetable"))
    hidden_texts = PARAGRAPHS[body_from:]
    head = body = ""
    if hidden_texts and container == "json-ld":
        head = json_ld({"@type": "NewsArticle", "articleBody": "\n".join(hidden_texts)})
    elif hidden_texts:
        attrs = (
            'class="read-more" style="display:none"'
            if container == "read-more"
            else 'role="tabpanel" hidden'
        )
        body = f"<div {attrs}>{paragraphs(hidden_texts)}</div>"
    result = audit_page(
        page_of(html(f"<p>{INTRO}</p>" + paragraphs(PARAGRAPHS[:shown]) + body + LINK, head=head)),
        store,
        POLICY,
        include_text=True,
    )
    rest_from = max(shown, body_from)  # the hidden part counts from where the shown one ends
    expected = [(None, visible_length(" ".join(PARAGRAPHS[:shown])))] if shown else []
    if rest_from < len(PARAGRAPHS):
        expected.append((container, visible_length(" ".join(PARAGRAPHS[rest_from:]))))
    if not expected:
        assert result.sources == ()
        return
    (source,) = result.sources
    assert [(p.hidden, p.chars) for p in source.passages] == expected
    assert source.reused_chars == sum(chars for _, chars in expected)
    assert_offsets_index_the_reported_text(result)
