"""policy: loading, strict validation, name resolution and plain-words explanations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reprint_check.errors import PolicyError
from reprint_check.models import ArchiveHints, PolicySummary
from reprint_check.policy.explain import explain, summary_line
from reprint_check.policy.rules import (
    ArchiveRule,
    ExcerptRule,
    LinkRule,
    Permission,
    Policy,
    ReprintRule,
    archive_hints,
    list_policies,
    load_policies,
    load_policy,
    min_passage_chars,
    parse_policy,
    policy_for,
)

MINIMAL = '[policy]\nname = "tiny"\n'

FULL = """
[policy]
name = "river-news"
publisher = "River News"
domains = ["www.river.example", "Ferry.Example"]
terms_url = "https://river.example/reuse"

[excerpt]
max_chars = 300
count = "longest"
min_passage_chars = 40
include_title = true
full_reprint_ratio = 1

[link]
required = true
active = false
followable = true
target = "domain"
position = "before-excerpt"

[[permissions]]
domain = "partner.example"
max_chars = 0
note = "licence agreement 2024-03"

[[permissions]]
domain = "www.friend.example"
max_chars = 1200
"""


# --- the shipped rules -------------------------------------------------------------


def test_shipped_policies_load() -> None:
    names = [policy.name for policy in list_policies()]
    assert {"default", "euromaidan-press"} <= set(names)
    assert names == sorted(names)


def test_euromaidan_press_rule() -> None:
    policy = load_policy("euromaidan-press")
    assert policy.name == "euromaidan-press"
    assert policy.publisher == "Euromaidan Press"
    assert policy.domains == ("euromaidanpress.com",)
    assert policy.terms_url == "https://euromaidanpress.com/author/mrkovalenko"
    assert policy.excerpt == ExcerptRule(max_chars=500, count="total")
    assert policy.link == LinkRule(
        required=True, active=True, followable=False, target="article", position="anywhere"
    )
    assert policy.permissions == ()


def test_default_policy_is_the_default() -> None:
    policy = load_policy()
    assert policy.name == "default"
    assert policy.domains == ()
    assert policy.excerpt.max_chars == 500
    assert policy.link == LinkRule()
    assert Policy.load(None) == policy


# --- parsing -------------------------------------------------------------------------


def test_missing_optional_keys_take_the_defaults() -> None:
    policy = parse_policy(MINIMAL, "rules/tiny.toml")
    assert policy == Policy(name="tiny", path="rules/tiny.toml")


def test_full_file_parses_and_normalises_hosts() -> None:
    policy = parse_policy(FULL, "rules/river.toml")
    assert policy.domains == ("river.example", "ferry.example")
    assert policy.excerpt == ExcerptRule(
        max_chars=300,
        count="longest",
        min_passage_chars=40,
        include_title=True,
        full_reprint_ratio=1.0,
    )
    assert isinstance(policy.excerpt.full_reprint_ratio, float)
    assert policy.link == LinkRule(
        required=True, active=False, followable=True, target="domain", position="before-excerpt"
    )
    assert policy.permissions == (
        Permission("partner.example", 0, "licence agreement 2024-03"),
        Permission("friend.example", 1200, ""),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_chars = "500"\n',
            'rules/x.toml: excerpt.max_chars: expected a whole number >= 0, got "500"',
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_chars = -1\n',
            "rules/x.toml: excerpt.max_chars: expected a whole number >= 0, got -1",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_chars = true\n',
            "rules/x.toml: excerpt.max_chars: expected a whole number >= 0, got true",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_chars = 500.0\n',
            "rules/x.toml: excerpt.max_chars: expected a whole number >= 0, got 500.0",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmin_passage_chars = 0\n',
            "rules/x.toml: excerpt.min_passage_chars: expected a whole number >= 1, got 0",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\ncount = "sum"\n',
            'rules/x.toml: excerpt.count: expected one of "total", "longest", got "sum"',
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\ninclude_title = "no"\n',
            'rules/x.toml: excerpt.include_title: expected true or false, got "no"',
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nfull_reprint_ratio = 0\n',
            "rules/x.toml: excerpt.full_reprint_ratio: "
            "expected a number greater than 0 and at most 1, got 0",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nfull_reprint_ratio = 80\n',
            "rules/x.toml: excerpt.full_reprint_ratio: "
            "expected a number greater than 0 and at most 1, got 80",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nfull_reprint_ratio = nan\n',
            "rules/x.toml: excerpt.full_reprint_ratio: "
            "expected a number greater than 0 and at most 1, got nan",
        ),
        (
            '[policy]\nname = "x"\n[link]\nrequired = 1\n',
            "rules/x.toml: link.required: expected true or false, got 1",
        ),
        (
            '[policy]\nname = "x"\n[link]\ntarget = "homepage"\n',
            'rules/x.toml: link.target: expected one of "article", "domain", got "homepage"',
        ),
        (
            '[policy]\nname = "x"\n[link]\nposition = "paragraph:0"\n',
            'rules/x.toml: link.position: expected one of "anywhere", "first-paragraph", '
            '"paragraph:N" (N = 1, 2, …), "before-excerpt", got "paragraph:0"',
        ),
        (
            '[policy]\nname = "x"\n[link]\nposition = "paragraph: 2"\n',
            'rules/x.toml: link.position: expected one of "anywhere", "first-paragraph", '
            '"paragraph:N" (N = 1, 2, …), "before-excerpt", got "paragraph: 2"',
        ),
        (
            '[policy]\nname = "x"\n[link]\nmax_chars = 5\n',
            "rules/x.toml: link.max_chars: unknown key; expected one of required, active, "
            "followable, target, position, direct, canonical_counts",
        ),
        (
            '[policy]\nname = "x"\n[link]\ndirect = "yes"\n',
            'rules/x.toml: link.direct: expected true or false, got "yes"',
        ),
        (
            '[policy]\nname = "x"\n[link]\ncanonical_counts = 1\n',
            "rules/x.toml: link.canonical_counts: expected true or false, got 1",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_char = 5\n',
            'rules/x.toml: excerpt.max_char: unknown key (did you mean "max_chars"?); expected '
            "one of max_chars, count, min_passage_chars, include_title, full_reprint_ratio, "
            "max_ratio, count_quotations",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_ratio = 30\n',
            "rules/x.toml: excerpt.max_ratio: "
            "expected a number greater than 0 and at most 1, got 30",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\ncount_quotations = "no"\n',
            'rules/x.toml: excerpt.count_quotations: expected true or false, got "no"',
        ),
        (
            '[policy]\nname = "x"\n[exerpt]\nmax_chars = 5\n',
            'rules/x.toml: exerpt: unknown table (did you mean "excerpt"?); expected one of '
            "policy, excerpt, link, reprint, rewrite, archive, permissions",
        ),
        (
            '[policy]\nname = "x"\nexcerpt = 5\n',
            "rules/x.toml: policy.excerpt: unknown key; "
            "expected one of name, publisher, domains, terms_url",
        ),
        (
            'excerpt = 5\n[policy]\nname = "x"\n',
            "rules/x.toml: excerpt: expected a table [excerpt], got 5",
        ),
        (
            '[policy]\npublisher = "X"\n',
            "rules/x.toml: policy.name: expected a non-empty string, got nothing",
        ),
        (
            "[excerpt]\nmax_chars = 5\n",
            "rules/x.toml: policy.name: expected a non-empty string, got nothing",
        ),
        (
            '[policy]\nname = "  "\n',
            'rules/x.toml: policy.name: expected a non-empty string, got "  "',
        ),
        (
            '[policy]\nname = "x"\ndomains = "example.com"\n',
            'rules/x.toml: policy.domains: expected a list of host names like ["example.com"], '
            'got "example.com"',
        ),
        (
            '[policy]\nname = "x"\ndomains = ["https://example.com/news"]\n',
            'rules/x.toml: policy.domains: expected a list of host names like ["example.com"], '
            'got ["https://example.com/news"]',
        ),
        (
            '[policy]\nname = "x"\nterms_url = "example.com/terms"\n',
            "rules/x.toml: policy.terms_url: expected an http(s) URL like "
            '"https://example.com/terms", got "example.com/terms"',
        ),
        (
            '[policy]\nname = "x"\n[[permissions]]\nmax_chars = 10\n',
            'rules/x.toml: permissions[1].domain: expected a host name like "partner.example", '
            "got nothing",
        ),
        (
            '[policy]\nname = "x"\n[[permissions]]\ndomain = "a.example"\n'
            '[[permissions]]\ndomain = "b.example"\nmax_chars = -5\n',
            "rules/x.toml: permissions[2].max_chars: expected a whole number >= 0 "
            "(0 = no limit), got -5",
        ),
        (
            '[policy]\nname = "x"\n[[permissions]]\ndomain = "a.example"\nuntil = "2025-01-01"\n',
            "rules/x.toml: permissions[1].until: expected a date like 2027-06-30 (TOML date, "
            'no quotes), got "2025-01-01"',
        ),
        (
            '[policy]\nname = "x"\n[[permissions]]\ndomain = "a.example"\n'
            "until = 2025-01-01T10:00:00\n",
            "rules/x.toml: permissions[1].until: expected a date like 2027-06-30 (TOML date, "
            "no quotes), got 2025-01-01 10:00:00",
        ),
        (
            '[policy]\nname = "x"\n[[permissions]]\ndomain = "a.example"\nends = 2025-01-01\n',
            "rules/x.toml: permissions[1].ends: unknown key; expected one of domain, "
            "max_chars, note, until",
        ),
        (
            '[policy]\nname = "x"\n[permissions]\ndomain = "a.example"\n',
            "rules/x.toml: permissions: expected an array of tables [[permissions]], got a table",
        ),
        (
            '[policy]\nname = "x"\n[reprint]\nallowed = false\n',
            "rules/x.toml: reprint.allowed: unknown key; expected "
            "one of allow_full, unedited, credit",
        ),
        (
            '[policy]\nname = "x"\n[reprint]\ncredit = "Originally (published"\n',
            'rules/x.toml: reprint.credit: expected a regular expression like "Originally '
            'published by .*", got "Originally (published"',
        ),
        (
            '[policy]\nname = "x"\n[reprint]\ncredit = ""\n',
            'rules/x.toml: reprint.credit: expected a regular expression like "Originally '
            'published by .*", got ""',
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_chars = 500\n[reprint]\nunedited = true\n',
            "rules/x.toml: reprint.unedited: expected only beside reprint.allow_full = true, "
            "got no reprint.allow_full; the [reprint] conditions bind copies under a reprint "
            "licence, and without one there is no copy they could judge",
        ),
        (
            '[policy]\nname = "x"\n[reprint]\nallow_full = false\ncredit = "Courier"\n',
            "rules/x.toml: reprint.credit: expected only beside reprint.allow_full = true, "
            "got reprint.allow_full = false; the [reprint] conditions bind copies under a "
            "reprint licence, and without one there is no copy they could judge",
        ),
        (
            '[policy]\nname = "x"\n[archive]\nbody = "div.story["\n',
            'rules/x.toml: archive.body: expected a CSS selector like "div.article-body", '
            'got "div.story["',
        ),
        (
            '[policy]\nname = "x"\n[archive]\nbody = ""\n',
            'rules/x.toml: archive.body: expected a CSS selector like "div.article-body", got ""',
        ),
        (
            '[policy]\nname = "x"\n[archive]\nexclude = ".newsletter"\n',
            "rules/x.toml: archive.exclude: expected a list of CSS selectors like "
            '[".newsletter", "aside.related"], got ".newsletter"',
        ),
        (
            '[policy]\nname = "x"\n[archive]\nexclude = [".ok", "p::first-line"]\n',
            "rules/x.toml: archive.exclude: expected a list of CSS selectors like "
            '[".newsletter", "aside.related"], got [".ok", "p::first-line"]',
        ),
        (
            '[policy]\nname = "x"\n[archive]\nbdy = "div.story"\n',
            'rules/x.toml: archive.bdy: unknown key (did you mean "body"?); expected one of '
            "body, exclude",
        ),
        (
            '[policy]\nname = "x"\n[excerpt]\nmax_chars = \n',
            "rules/x.toml: expected valid TOML: Invalid value (at line 4, column 13)",
        ),
    ],
)
def test_validation_errors_name_file_key_and_expectation(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "rules/x.toml")
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_error_from_a_file_names_the_path_given(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[policy]\nname = "bad"\n[excerpt]\nmax_chars = "500"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert str(caught.value) == (
        f'{path}: excerpt.max_chars: expected a whole number >= 0, got "500"'
    )


def test_undecodable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[policy]\nname = "caf\xe9"\n')
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"{path}: expected UTF-8 text, got an undecodable byte at offset 20"
    )


# --- name resolution ---------------------------------------------------------------


def test_name_resolves_to_rules_folder_of_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.toml").write_text('[policy]\nname = "mine"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    policy = load_policy("mine")
    assert policy.name == "mine"
    assert policy.path == str(Path("rules") / "mine.toml")


def test_local_copy_wins_over_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    local = '[policy]\nname = "default"\n[excerpt]\nmax_chars = 200\n'
    (tmp_path / "rules" / "default.toml").write_text(local, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_policy().excerpt.max_chars == 200


def test_shipped_policy_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    policy = load_policy("euromaidan-press")
    assert policy.name == "euromaidan-press"
    assert policy.path is not None and policy.path.endswith("euromaidan-press.toml")


def test_file_path_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "partner-rules.toml"
    path.write_text('[policy]\nname = "partner"\n', encoding="utf-8")
    assert load_policy(path).name == "partner"
    assert load_policy(str(path)).path == str(path)


def test_unknown_name_lists_the_available_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as caught:
        load_policy("no-such-publisher")
    message = str(caught.value)
    assert message.startswith('unknown policy "no-such-publisher"; available: ')
    assert "default" in message and "euromaidan-press" in message
    assert message.endswith("(or give the path of a .toml file)")


def test_missing_file_path_is_not_treated_as_a_name(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy(str(missing))
    assert str(caught.value) == f"{missing}: no such policy file"


# --- what a policy covers --------------------------------------------------------------


def test_covers_hosts_and_subdomains() -> None:
    policy = parse_policy(FULL, "rules/river.toml")
    assert policy.covers("https://river.example/2024/ferry")
    assert policy.covers("http://www.river.example/2024/ferry")
    assert policy.covers("https://archive.river.example/old")
    assert policy.covers("https://FERRY.example/x")
    assert not policy.covers("https://notriver.example/x")
    assert not policy.covers("https://river.example.evil.example/x")
    assert parse_policy(MINIMAL, "t.toml").covers("https://anything.example/")


def test_permission_for_the_target_site() -> None:
    policy = parse_policy(FULL, "rules/river.toml")
    assert policy.permission_for("https://www.partner.example/reprint") == Permission(
        "partner.example", 0, "licence agreement 2024-03"
    )
    assert policy.permission_for("https://blog.friend.example/x") == Permission(
        "friend.example", 1200, ""
    )
    assert policy.permission_for("https://stranger.example/x") is None
    assert policy.permission_for("page.html") is None
    assert policy.permission_for(None) is None


def test_summary() -> None:
    policy = parse_policy(FULL, "rules/river.toml")
    assert policy.summary() == PolicySummary(name="river-news", max_chars=300, count="longest")


# --- explain -----------------------------------------------------------------------


def test_explain_euromaidan_press() -> None:
    assert explain(load_policy("euromaidan-press")) == [
        "Covers articles of Euromaidan Press on euromaidanpress.com (subdomains included).",
        "The publisher states the rule at https://euromaidanpress.com/author/mrkovalenko.",
        "An excerpt may reuse at most 500 characters of an article, counting all passages "
        "from one article added together.",
        "Shared runs shorter than 50 characters are not counted as reuse.",
        "The headline does not count towards the limit.",
        "Reusing 80% or more of an article is a full reprint.",
        "Any reuse needs an active, visible hyperlink (a bare URL in the text does not count) "
        "to the article itself; a link to the publisher's home page does not count.",
        "The link may stand anywhere on the page.",
        "A nofollow link is accepted.",
        "A link through a redirector or URL shortener that leads to the article is accepted.",
    ]


def test_explain_every_switch() -> None:
    lines = explain(parse_policy(FULL, "rules/river.toml"))
    assert lines == [
        "Covers articles of River News on river.example and ferry.example (subdomains included).",
        "The publisher states the rule at https://river.example/reuse.",
        "An excerpt may reuse at most 300 characters of an article, counting only the "
        "longest passage from one article.",
        "Shared runs shorter than 40 characters are not counted as reuse.",
        "The headline counts towards the limit.",
        "Reusing 100% or more of an article is a full reprint.",
        "Any reuse needs a link or a written reference (a plain URL in the text is enough) "
        "to the publisher's site (any page on it).",
        "The link must stand no later than the end of the paragraph where the excerpt begins.",
        "The link must be open for indexing: rel=nofollow, ugc or sponsored, a robots meta "
        "tag (generic or for one crawler) or an X-Robots-Tag header saying nofollow or none, "
        "or a <noindex> wrapper around the link, breaks the rule.",
        "A link through a redirector or URL shortener that leads to the article is accepted.",
        "partner.example has written permission to republish: no limit "
        "(licence agreement 2024-03).",
        "friend.example has written permission to republish: up to 1,200 characters.",
    ]


def test_explain_no_limit_no_link() -> None:
    text = '[policy]\nname = "open"\n[excerpt]\nmax_chars = 0\n[link]\nrequired = false\n'
    lines = explain(parse_policy(text, "open.toml"))
    assert "There is no limit on how much of an article may be reused." in lines
    assert lines[-1] == "No link back to the article is required."
    assert lines[0] == "Covers every indexed article, whichever site it comes from."


# --- rule shapes: ratios, quotations, permissions, licences --------------------------


def test_max_ratio_and_max_chars_the_stricter_applies() -> None:
    both = parse_policy(
        '[policy]\nname = "x"\n[excerpt]\nmax_chars = 500\nmax_ratio = 0.3\n', "x.toml"
    )
    assert both.excerpt.max_ratio == 0.3
    assert both.excerpt.limit_for(1000) == 300  # 30% is stricter
    assert both.excerpt.limit_for(4000) == 500  # 500 characters is stricter
    ratio_only = parse_policy(
        '[policy]\nname = "x"\n[excerpt]\nmax_chars = 0\nmax_ratio = 0.3\n', "x.toml"
    )
    assert ratio_only.excerpt.limit_for(1001) == 300
    assert ratio_only.excerpt.limit_for(10) == 3
    assert ExcerptRule(max_chars=0).limit_for(1000) == 0


def test_paragraph_position_and_new_link_switches() -> None:
    policy = parse_policy(
        '[policy]\nname = "x"\n[link]\nposition = "paragraph:2"\ndirect = true\n'
        "canonical_counts = true\n",
        "x.toml",
    )
    assert policy.link.position == "paragraph:2"
    assert policy.link.paragraph == 2
    assert policy.link.direct and policy.link.canonical_counts
    assert LinkRule(position="first-paragraph").paragraph == 1
    assert LinkRule().paragraph is None


def test_permission_until_is_a_date_and_expires_after_it() -> None:
    policy = parse_policy(
        '[policy]\nname = "x"\n[[permissions]]\ndomain = "partner.example"\nuntil = 2027-06-30\n',
        "x.toml",
    )
    (permission,) = policy.permissions
    assert permission.until == date(2027, 6, 30)
    assert not permission.expired(date(2027, 6, 30))  # the last day it holds
    assert permission.expired(date(2027, 7, 1))
    assert not Permission("a.example").expired(date(2999, 1, 1))


def test_reprint_table() -> None:
    policy = parse_policy(
        '[policy]\nname = "x"\n[excerpt]\nmax_chars = 0\n[reprint]\nallow_full = true\n'
        'unedited = true\ncredit = "Originally published by .*"\n',
        "x.toml",
    )
    assert policy.reprint == ReprintRule(
        allow_full=True, unedited=True, credit="Originally published by .*"
    )
    assert policy.summary() == PolicySummary(name="x", max_chars=0, count="total")
    assert parse_policy(MINIMAL, "t.toml").reprint == ReprintRule()
    # allow_full without any max_chars key: the default limit does not apply to a licence
    bare = parse_policy('[policy]\nname = "x"\n[reprint]\nallow_full = true\n', "x.toml")
    assert bare.reprint.allow_full and bare.excerpt.max_chars == 0
    assert not bare.excerpt_or_reprint
    # unedited = false says nothing, so it needs no licence
    assert parse_policy('[policy]\nname = "x"\n[reprint]\nunedited = false\n', "x.toml")


@pytest.mark.parametrize(
    ("excerpt", "limit"),
    [("max_chars = 500", (500, None)), ("max_chars = 0\nmax_ratio = 0.25", (0, 0.25))],
)
def test_an_excerpt_limit_beside_a_reprint_licence_is_accepted(
    excerpt: str, limit: tuple[int, float | None]
) -> None:
    policy = parse_policy(
        f'[policy]\nname = "x"\n[excerpt]\n{excerpt}\n[reprint]\nallow_full = true\n'
        'unedited = true\ncredit = "Originally published by .*"\n',
        "x.toml",
    )
    assert (policy.excerpt.max_chars, policy.excerpt.max_ratio) == limit
    assert policy.reprint.allow_full and policy.excerpt_or_reprint
    assert policy.summary() == PolicySummary(name="x", max_chars=limit[0], count="total")


def test_explain_the_new_rule_shapes() -> None:
    text = """
[policy]
name = "shapes"
publisher = "Shapes Daily"
terms_url = "https://shapes.example/terms"
[excerpt]
max_chars = 500
max_ratio = 0.3
count_quotations = false
[link]
position = "paragraph:2"
direct = true
canonical_counts = true
[[permissions]]
domain = "partner.example"
until = 2027-06-30
"""
    lines = explain(parse_policy(text, "shapes.toml"))
    assert lines == [
        "Covers every indexed article, whichever site it comes from.",
        "The publisher states the rule at https://shapes.example/terms.",
        "An excerpt may reuse at most 500 characters or 30% of the article's characters, "
        "whichever is less, counting all passages from one article added together.",
        "Shared runs shorter than 50 characters are not counted as reuse.",
        "The headline does not count towards the limit.",
        "Passages that the article itself quotes (someone's words inside quotation marks) do "
        "not count towards the limit; the report still lists them.",
        "Reusing 80% or more of an article is a full reprint.",
        "Any reuse needs an active, visible hyperlink (a bare URL in the text does not count) "
        "to the article itself; a link to the publisher's home page does not count.",
        "The link must stand no later than the end of paragraph 2 of the page's text "
        "(headings and short lines such as bylines are not counted).",
        "A nofollow link is accepted.",
        "The link must go straight to the article: a link through a redirector "
        "(/go?url=…, /away.php?to=…) or a URL shortener breaks the rule.",
        "A <link rel=canonical> from the page to the article (as search engines recommend "
        "for syndicated copies) counts as the link.",
        "partner.example has written permission to republish: no limit, until 2027-06-30 "
        "(after that the normal rules apply and the report says the permission expired).",
    ]


def test_explain_a_reprint_licence() -> None:
    lines = explain(load_policy("cc-by-nd-reprint"))
    assert lines[1] == (
        "The terms this rule follows are at https://creativecommons.org/licenses/by-nd/4.0/."
    )
    assert lines[2] == (
        "The whole article may be republished (a reprint licence): there is no length limit "
        "and a full copy is not a violation."
    )
    assert not any("full reprint" in line or "headline" in line for line in lines)
    assert lines[-2] == (
        "The copy must keep the publisher's words: changing, adding or leaving out words "
        "inside the copied text is an edit (white space, letter case, quote marks and dashes "
        "aside)."
    )
    assert lines[-1].startswith('The page must carry a credit line matching the pattern "')


def test_summary_line() -> None:
    assert summary_line(load_policy("euromaidan-press")) == "500 chars; link to the article"
    assert summary_line(load_policy("share-30-first-paragraph-indexable")) == (
        "30% of the article; link to the article (indexable, first-paragraph)"
    )
    assert summary_line(load_policy("chars-1000-direct-article-link")) == (
        "1,000 chars; link to the article (direct)"
    )
    assert summary_line(load_policy("cc-by-nd-reprint")) == (
        "full reprint allowed; link to the article; unedited; credited"
    )
    assert summary_line(load_policy("excerpt-or-cc-reprint")) == (
        "500 chars, or the whole story (unedited, credited); link to the article"
    )


SHIPPED = ["default", "euromaidan-press", "share-30-first-paragraph-indexable",
           "chars-1000-direct-article-link", "cc-by-nd-reprint",
           "excerpt-or-cc-reprint"]  # fmt: skip


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_files_pass_policy_check(name: str) -> None:
    policy = load_policy(name)
    assert policy.name == name
    assert policy.path is not None and policy.path.endswith(f"{name}.toml")
    if name != "default":
        assert policy.terms_url is not None and policy.terms_url.startswith("http")
    assert explain(policy)


def test_shipped_rule_shapes() -> None:
    share = load_policy("share-30-first-paragraph-indexable")
    assert (share.excerpt.max_chars, share.excerpt.max_ratio) == (0, 0.3)
    assert share.link.position == "first-paragraph" and share.link.followable
    thousand = load_policy("chars-1000-direct-article-link")
    assert thousand.excerpt.max_chars == 1000
    assert thousand.link.direct and thousand.link.target == "article"
    licence = load_policy("cc-by-nd-reprint")
    assert licence.reprint.allow_full and licence.reprint.unedited
    assert licence.reprint.credit is not None
    assert licence.link.required and licence.link.active


# --- several publishers ----------------------------------------------------------------


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'[policy]\nname = "{name}"\n{body}', encoding="utf-8")
    return path


def test_policy_set_judges_each_article_by_the_policy_covering_it(tmp_path: Path) -> None:
    _write(tmp_path, "river", 'domains = ["river.example"]\n[excerpt]\nmax_chars = 300\n')
    _write(tmp_path, "archive", 'domains = ["archive.river.example"]\n')
    _write(tmp_path, "anyone", "domains = []\n[excerpt]\nmax_chars = 1000\n")
    policies = load_policies([tmp_path])
    assert [p.name for p in policies.policies] == ["anyone", "archive", "river"]
    assert policy_for("https://river.example/a", policies).name == "river"  # type: ignore[union-attr]
    assert policy_for("https://www.river.example/a", policies).name == "river"  # type: ignore[union-attr]
    assert policy_for("https://archive.river.example/a", policies).name == "archive"  # type: ignore[union-attr]
    assert policy_for("https://elsewhere.example/a", policies).name == "anyone"  # type: ignore[union-attr]
    override = load_policy("euromaidan-press")
    assert policy_for("https://euromaidanpress.com/x", policies, override) is override
    assert policy_for("https://river.example/a", policies, override) is None
    assert policy_for("https://river.example/a", override) is None
    assert policies.summary() == PolicySummary(
        name="anyone + archive + river", max_chars=0, count="total"
    )
    assert min_passage_chars(policies) == 50


def test_policy_set_without_catch_all_skips_other_articles(tmp_path: Path) -> None:
    a = _write(tmp_path, "river", 'domains = ["river.example"]\n')
    policies = load_policies([str(a), "euromaidan-press"])
    assert policy_for("https://elsewhere.example/a", policies) is None
    assert policies.covers("https://euromaidanpress.com/2024/x")


def test_policy_set_refuses_ambiguous_sets(tmp_path: Path) -> None:
    a = _write(tmp_path, "one", 'domains = ["river.example"]\n')
    b = _write(tmp_path, "two", 'domains = ["www.River.example"]\n')
    with pytest.raises(PolicyError) as caught:
        load_policies([a, b])
    assert str(caught.value) == (
        f"{b}: policy.domains: expected hosts no other policy covers; river.example is also "
        f"covered by one ({a})"
    )
    c = _write(tmp_path, "three", "domains = []\n")
    with pytest.raises(PolicyError) as caught:
        load_policies([c, "default"])
    assert str(caught.value).endswith(
        f"policy.domains: expected the hosts this policy covers; {c} already covers every article"
    )
    with pytest.raises(PolicyError) as caught:
        load_policies([a, a])
    assert str(caught.value) == (
        f'{a}: policy.name: expected a name no other policy uses; "one" is also the name in {a}'
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PolicyError) as caught:
        load_policies([empty])
    assert str(caught.value) == f"{empty}: no policy files (*.toml) in this folder"


def test_archive_hints_by_host_and_in_plain_words() -> None:
    policy = parse_policy(
        '[policy]\nname = "courier"\ndomains = ["courier.example"]\n'
        '[archive]\nbody = " div.story-body "\nexclude = ["aside.promo", ".newsletter"]\n',
        "rules/courier.toml",
    )

    assert policy.archive == ArchiveRule(
        body="div.story-body", exclude=("aside.promo", ".newsletter")
    )
    hints = archive_hints(policy)
    expected = ArchiveHints(body="div.story-body", exclude=("aside.promo", ".newsletter"))
    assert hints.for_url("https://news.courier.example/2031/ferry") == expected
    assert hints.for_url("https://other.example/2031/ferry") is None
    assert explain(policy)[-2:] == [
        'When its pages are indexed, the story is the text inside "div.story-body" (less '
        "the headline); a page where that matches nothing is read as usual.",
        'When its pages are indexed, "aside.promo", ".newsletter" are never part of the story.',
    ]


def test_a_policy_without_archive_hints_gives_none() -> None:
    policy = parse_policy('[policy]\nname = "plain"\n', "rules/plain.toml")

    assert policy.archive == ArchiveRule()
    assert not archive_hints(policy)
    assert archive_hints(policy).for_url("https://courier.example/a") is None
