"""An excerpt allowance beside a reprint licence: "quote up to 500 characters, or
republish the whole story unedited with credit" (rules/excerpt-or-cc-reprint.toml).

Within the limit a copy is an excerpt (link rule only); the whole story is
judged by the licence (REPRINT_EDITED, CREDIT_MISSING, link rule) and the
finding names it; a longer part of the story is EXCERPT_TOO_LONG.

The story and the pages below are fiction written for these tests.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reprint_check.audit import audit_page
from reprint_check.cli import main
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article, DecidingRule, SourceFinding, TargetResult
from reprint_check.page.html import page_from_html
from reprint_check.policy.explain import explain, summary_line
from reprint_check.policy.rules import ExcerptRule, Permission, Policy, load_policy, parse_policy
from reprint_check.text.normalize import visible_length

URL = "https://wenlow-courier.example/2032/09/cider-press/"
TITLE = "Cider press turns again at Wenlow Green"
P1 = (
    "The cider press at Wenlow Green turned for the first time in forty years on Saturday, "
    "after a group of neighbours rebuilt its oak frame from timber felled in the same "
    "parish and carried the old stone trough back from the farmyard where it had served "
    "as a water butt since the war. Around two hundred people queued with sacks of windfall "
    "apples to watch the first pressing, and the juice ran before noon."
)
P2 = (
    "Tomas Reddaway, who led the repair, said the hardest part had been finding a screw "
    "thread that would take the strain. A blacksmith in the next valley cut a new one by "
    "hand over three weekends and refused any payment except a barrel of the first batch. "
    "The old one had sheared in 1983."
)
P3 = (
    "The parish council has agreed to lend the old tithe barn for the season, so the press "
    "can run on wet days, and the school has asked whether pupils may bring apples from "
    "the trees planted along the playing field when the orchard scheme began a decade ago."
)
P4 = (
    "Not everyone is pleased. Two residents of Mill Lane have written to the council about "
    "the wasps that gather around the pomace heap, and the group has promised to cart the "
    "crushed fruit to a pig farmer on the hill every evening before the light goes."
)
P5 = (
    "The neighbours hope to sell bottled juice at the winter fair and use the money to "
    "replant the gaps in the old orchard behind the church, where a dozen trees came down "
    "in the storms of the last few years and were never replaced by anyone."
)
P6 = (
    "Pressing days are every Saturday until the end of October. Anyone may bring apples, "
    "but the group asks that they be sorted first, because one rotten fruit, Mr Reddaway "
    "said, can sour a whole barrel faster than any amount of sugar can save it."
)
STORY = [P1, P2, P3, P4, P5, P6]
BODY = "\n\n".join(STORY)
ARTICLE_CHARS = visible_length(BODY)

# A short news item: its whole text is shorter than the 500-character limit.
BRIEF_URL = "https://wenlow-courier.example/2032/09/bus-stop/"
BRIEF = (
    "The bus shelter on Wenlow Green, flattened by a delivery lorry in August, will be "
    "rebuilt in oak by the same neighbours who restored the cider press, the parish "
    "council said on Monday."
)

CREDIT = "This story was first published by the Wenlow Courier under a Creative Commons licence."
LINK = f'<a href="{URL}">the Wenlow Courier</a>'


def html(body: str) -> str:
    return f"<html><head><title>Valley news</title></head><body>{body}</body></html>"


def excerpt_page(*paragraphs: str, link: bool = True) -> str:
    """Paragraphs quoted inside the partner's own story, with a link back."""
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    source = f"<p>Source: {LINK}.</p>" if link else ""
    return html(f"<p>Our round-up of the week in the valley starts in Wenlow.</p>{inner}{source}")


def reprint_page(*paragraphs: str, credit: str = CREDIT, link: bool = True) -> str:
    """The story republished as a story of its own, credit line at the foot."""
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    foot = f"<p>{credit} Read it at {LINK}.</p>" if link else f"<p>{credit}</p>"
    return html(f"<h1>{TITLE}</h1>{inner}{foot}")


POLICY = replace(load_policy("excerpt-or-cc-reprint"), name="excerpt-or-reprint")


@pytest.fixture
def index() -> SQLiteIndex:
    store = SQLiteIndex(":memory:")
    store.add(Article(URL, BODY, TITLE))
    store.add(Article(BRIEF_URL, BRIEF, "Bus shelter to be rebuilt"))
    return store


def audit(page_html: str, index: SQLiteIndex, policy: Policy = POLICY, location: str = "p.html"):
    return audit_page(page_from_html(page_html, location), index, policy)


def only(result: TargetResult) -> SourceFinding:
    (finding,) = result.sources
    return finding


def codes(finding: SourceFinding) -> list[str]:
    return [v.code for v in finding.violations]


LICENCE = DecidingRule(kind="licence", policy="excerpt-or-reprint")


# --- within the limit: an excerpt ------------------------------------------------------------


def test_an_excerpt_within_the_limit_with_a_link_is_compliant(index: SQLiteIndex) -> None:
    finding = only(audit(excerpt_page(P1), index))
    assert (finding.reused_chars, finding.limit) == (visible_length(P1), 500)
    assert 390 < finding.reused_chars <= 500
    assert (finding.violations, finding.rule, finding.notes) == ((), None, ())


def test_the_licence_conditions_do_not_bind_an_excerpt(index: SQLiteIndex) -> None:
    # Cut, reworded and without a credit line: an excerpt owes the licence nothing.
    edited = P1.replace("two hundred", "three hundred").replace(
        " and the juice ran before noon", ""
    )
    finding = only(audit(excerpt_page(edited), index))
    assert finding.reused_chars <= 500
    assert (finding.violations, finding.rule) == ((), None)


def test_an_excerpt_still_needs_its_link(index: SQLiteIndex) -> None:
    finding = only(audit(excerpt_page(P1, link=False), index))
    assert codes(finding) == ["LINK_MISSING"]
    assert finding.rule is None


# --- over the limit, but only part of the story ------------------------------------------------


def test_a_longer_part_of_the_story_is_an_excerpt_over_the_limit(index: SQLiteIndex) -> None:
    # Credited and linked, but two paragraphs out of six: neither an excerpt nor the story.
    page = excerpt_page(P1, P2).replace("</body>", f"<p>{CREDIT}</p></body>")
    finding = only(audit(page, index))
    reused = visible_length(f"{P1}\n\n{P2}")  # one passage; the break counts as a space
    assert finding.reused_chars == reused
    assert 650 < reused < 750
    assert finding.limit == 500
    assert codes(finding) == ["EXCERPT_TOO_LONG"]
    share = round(100 * reused / ARTICLE_CHARS)
    assert finding.violations[0].message == (
        f"{reused} characters reused from {URL} ({share}% of the article); the limit is 500; "
        "only the whole story (80% of the article or more) may go beyond it, under the reprint "
        "licence, unedited, with a credit line"
    )
    assert (finding.rule, finding.notes) == (None, ())


def test_a_share_limit_beside_the_licence(index: SQLiteIndex) -> None:
    policy = replace(POLICY, excerpt=ExcerptRule(max_chars=0, max_ratio=0.25))
    limit = int(0.25 * ARTICLE_CHARS)
    fits = only(audit(excerpt_page(P1), index, policy))
    assert (fits.limit, fits.violations) == (limit, ())
    over = only(audit(excerpt_page(P1, P2), index, policy))
    assert codes(over) == ["EXCERPT_TOO_LONG"]
    assert over.violations[0].message.endswith(
        f"the limit is {limit} (25% of the article's {ARTICLE_CHARS:,} characters); "
        "only the whole story (80% of the article or more) may go beyond it, under the "
        "reprint licence, unedited, with a credit line"
    )


# --- the whole story: the licence decides --------------------------------------------------


def test_the_whole_story_unedited_and_credited_is_compliant_by_the_licence(
    index: SQLiteIndex,
) -> None:
    finding = only(audit(reprint_page(*STORY), index))
    assert finding.reused_chars == ARTICLE_CHARS
    assert (finding.limit, finding.violations) == (0, ())
    assert finding.rule == LICENCE
    assert finding.notes == (
        "the copy is the whole story (100% of the article), so the reprint licence judges it, "
        "not the limit of 500 for an excerpt",
    )


def test_a_changed_word_in_the_whole_story_is_reprint_edited(index: SQLiteIndex) -> None:
    page = page_from_html(
        reprint_page(P1, P2, P3.replace("tithe barn", "cow barn"), *STORY[3:]), "p.html"
    )
    finding = only(audit_page(page, index, POLICY))
    assert codes(finding) == ["REPRINT_EDITED"]
    at = page.text.index("cow barn")
    assert finding.violations[0].message == (
        f"The copy of {URL} changes the publisher's words in 1 place: "
        f'"cow" instead of "tithe" at {at}–{at + 3}. '
        "The licence allows republishing only unedited."
    )
    assert finding.rule == LICENCE


def test_the_whole_story_with_a_paragraph_cut_is_reprint_edited(index: SQLiteIndex) -> None:
    # 86% of the story stands on the page: the whole story, with P5 left out.
    page = page_from_html(reprint_page(P1, P2, P3, P4, P6), "p.html")
    finding = only(audit_page(page, index, POLICY))
    assert codes(finding) == ["REPRINT_EDITED"]
    at = page.text.index(P6)
    assert finding.violations[0].message == (
        f"The copy of {URL} changes the publisher's words in 1 place: "
        f'"{P5[:59]}…" left out at {at}. '  # the left-out paragraph, cut to 60 characters
        "The licence allows republishing only unedited."
    )


def test_the_whole_story_without_the_credit_line(index: SQLiteIndex) -> None:
    finding = only(audit(reprint_page(*STORY, credit="From our neighbours."), index))
    assert codes(finding) == ["CREDIT_MISSING"]
    assert finding.violations[0].message.startswith(
        'No credit line on the page matches "(?:originally|first) (?:published|appeared)|'
    )
    assert finding.rule == LICENCE


def test_the_whole_story_still_needs_the_link(index: SQLiteIndex) -> None:
    finding = only(audit(reprint_page(*STORY, link=False), index))
    assert codes(finding) == ["LINK_MISSING"]
    assert finding.rule == LICENCE


def test_a_whole_short_story_within_the_limit_is_a_reprint(index: SQLiteIndex) -> None:
    # Copying all of a 200-character item is republishing it, not quoting it.
    page = html(f'<p>{BRIEF}</p><p>From <a href="{BRIEF_URL}">the Courier</a>.</p>')
    finding = only(audit(page, index))
    assert finding.reused_chars == visible_length(BRIEF) < 500
    assert codes(finding) == ["CREDIT_MISSING"]
    assert finding.rule == LICENCE
    credited = page.replace("</body>", f"<p>{CREDIT}</p></body>")
    assert only(audit(credited, index)).violations == ()


# --- written permissions beside the licence -------------------------------------------------


def test_a_permission_replaces_the_excerpt_allowance(index: SQLiteIndex) -> None:
    partner = "https://partner.example/cider"
    unlimited = replace(POLICY, permissions=(Permission("partner.example", 0),))
    finding = only(audit(reprint_page(*STORY, credit=""), index, unlimited, partner))
    assert finding.violations == ()
    assert finding.rule is not None and finding.rule.kind == "permission"

    # Beyond the permission's 1,000 characters the whole story is the licence's again.
    capped = replace(POLICY, permissions=(Permission("partner.example", 1000),))
    finding = only(audit(reprint_page(*STORY, credit=""), index, capped, partner))
    assert codes(finding) == ["CREDIT_MISSING"]
    assert finding.rule == LICENCE
    assert finding.notes == (
        "the copy is the whole story (100% of the article), so the reprint licence judges it, "
        "not the limit of 1,000 (written permission of partner.example)",
    )
    within = only(audit(excerpt_page(P1, P2), index, capped, partner))
    assert (within.limit, within.violations, within.rule.kind) == (1000, (), "permission")


# --- the policy file -------------------------------------------------------------------------


def test_the_shipped_policy_reads_as_the_publisher_wrote_it() -> None:
    policy = load_policy("excerpt-or-cc-reprint")
    assert policy.excerpt_or_reprint
    assert (policy.excerpt.max_chars, policy.reprint.allow_full) == (500, True)
    assert policy.summary().max_chars == 500
    assert summary_line(policy) == (
        "500 chars, or the whole story (unedited, credited); link to the article"
    )
    lines = explain(policy)
    assert lines[2] == (
        "An excerpt may reuse at most 500 characters of an article, counting all passages "
        "from one article added together."
    )
    assert lines[5] == (
        "A copy longer than the limit must be the whole story, unedited, with a credit line "
        "(the reprint licence). A copy counts as the whole story when its passages, quotations "
        "included, cover 80% or more of the article, and the licence then judges it even "
        "within the limit. A longer copy of only part of the story is neither an excerpt nor "
        "a reprint: it is EXCERPT_TOO_LONG."
    )
    assert lines[-2].startswith("A copy of the whole story must keep the publisher's words")
    assert lines[-2].endswith("An excerpt within the limit may be edited.")
    assert lines[-1].endswith("An excerpt within the limit needs none.")
    assert not any("is a full reprint" in line for line in lines)


def test_a_licence_that_states_no_limit_still_covers_every_copy() -> None:
    # The 500-character default of [excerpt] does not turn a plain licence into this shape.
    policy = parse_policy('[policy]\nname = "x"\n[reprint]\nallow_full = true\n', "x.toml")
    assert policy.excerpt.max_chars == 0 and not policy.excerpt_or_reprint
    assert summary_line(policy) == "full reprint allowed; link to the article"


# --- through the command line ----------------------------------------------------------------


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("excerpt-or-reprint")
    export = folder / "courier.jsonl"
    export.write_text(json.dumps({"url": URL, "title": TITLE, "text": BODY}) + "\n", "utf-8")
    location = str(folder / "index.sqlite")
    added = cli("index", "add", str(export), "--index", location)
    assert added.exit_code == 0, added.output
    return location


def audit_json(cli_index: str, tmp_path: Path, page_html: str) -> tuple[Result, dict]:
    target = tmp_path / "page.html"
    target.write_text(page_html, encoding="utf-8")
    out = tmp_path / "report.json"
    result = cli(
        "audit", str(target), "--index", cli_index, "--policy", "excerpt-or-cc-reprint",
        "--format", "json", "-o", str(out),
    )  # fmt: skip
    return result, json.loads(out.read_text(encoding="utf-8"))


def test_cli_a_partial_copy_over_the_limit_fails(cli_index: str, tmp_path: Path) -> None:
    result, doc = audit_json(cli_index, tmp_path, excerpt_page(P1, P2))
    assert result.exit_code == 1, result.output
    assert doc["policy"] == {"name": "excerpt-or-cc-reprint", "max_chars": 500, "count": "total"}
    (target,) = doc["targets"]
    (source,) = target["sources"]
    assert target["status"] == "violation"
    assert (source["limit"], [v["code"] for v in source["violations"]]) == (
        500,
        ["EXCERPT_TOO_LONG"],
    )
    assert source["violations"][0]["message"].endswith(
        "the limit is 500; only the whole story (80% of the article or more) may go beyond it, "
        "under the reprint licence, unedited, with a credit line"
    )
    assert "rule" not in source and "notes" not in source


def test_cli_the_whole_credited_story_passes_by_the_licence(cli_index: str, tmp_path: Path) -> None:
    result, doc = audit_json(cli_index, tmp_path, reprint_page(*STORY))
    assert result.exit_code == 0, result.output
    (target,) = doc["targets"]
    (source,) = target["sources"]
    assert (target["status"], source["violations"], source["limit"]) == ("compliant", [], 0)
    assert source["reused_chars"] == ARTICLE_CHARS
    assert source["rule"] == {
        "kind": "licence",
        "policy": "excerpt-or-cc-reprint",
        "domain": None,
        "max_chars": 0,
        "until": None,
        "note": "",
    }
    assert source["notes"] == [
        "the copy is the whole story (100% of the article), so the reprint licence judges it, "
        "not the limit of 500 for an excerpt"
    ]


def test_cli_the_whole_story_without_credit_fails(cli_index: str, tmp_path: Path) -> None:
    result, doc = audit_json(cli_index, tmp_path, reprint_page(*STORY, credit="Thanks, Wenlow."))
    assert result.exit_code == 1
    (source,) = doc["targets"][0]["sources"]
    assert [v["code"] for v in source["violations"]] == ["CREDIT_MISSING"]
    assert source["rule"]["kind"] == "licence"


def test_cli_policy_check_accepts_the_shape_and_refuses_stray_conditions(
    tmp_path: Path,
) -> None:
    shipped = Path(__file__).resolve().parents[1] / "rules" / "excerpt-or-cc-reprint.toml"
    checked = cli("policy", "check", str(shipped))
    assert checked.exit_code == 0
    assert checked.output.splitlines()[0] == f"excerpt-or-cc-reprint ({shipped}): valid"
    assert (
        "  - A copy longer than the limit must be the whole story, unedited, with a credit line"
        in checked.output
    )

    stray = tmp_path / "stray.toml"
    stray.write_text('[policy]\nname = "x"\n[reprint]\ncredit = "Courier"\n', encoding="utf-8")
    refused = cli("policy", "check", str(stray))
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"reprint-check: {stray}: reprint.credit: expected only beside reprint.allow_full = "
        "true, got no reprint.allow_full; the [reprint] conditions bind copies under a reprint "
        "licence, and without one there is no copy they could judge\n"
    )
