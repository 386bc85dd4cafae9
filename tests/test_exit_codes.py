"""Every row of the exit-code table, through the command line as CI runs it.

0 all checked and compliant; 1 a violation; 2 bad usage or bad input (an
invalid option or policy, a named local file missing or unreadable, an
unusable index or stored report); 3 some target could not be fetched or
parsed and none broke the policy. When several apply: 2, then 1, then 3.
Every error is one line on standard error, whatever ``-o`` says.

The publisher's story and the partner pages are fiction written for these tests.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reprint_check.cli import main
from tests.localserver import LocalServer

ARTICLE_URL = "https://courier.example/2031/03/lighthouse-keepers-return/"
PARAGRAPHS = [
    "The lamp at Gull Point burned again on Tuesday night for the first time in eleven "
    "years, after volunteers from three fishing villages spent the winter scraping rust "
    "from the iron gallery and hauling new glass up one hundred and twelve steps.",
    "Marta Olsberg, who kept the light with her father until the coast guard automated "
    "it and then switched it off, climbed the tower at dusk with a thermos of fish soup "
    "and said the beam looked exactly as she remembered it from the kitchen window.",
    "The restoration cost less than the harbour board had feared because a retired "
    "shipwright found the original brass fittings wrapped in oilcloth in the boathouse "
    "loft, where someone had stored them carefully and then apparently forgotten them.",
    "The board has agreed to light the lamp every Saturday through the summer, and the "
    "volunteers are now asking for help with the keeper's cottage, whose roof has let "
    "in rain since the storm that also took the old jetty and half of the net sheds.",
]
STORY = "\n\n".join(PARAGRAPHS)


def page(title: str, *paragraphs: str, link: bool = True) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    credit = f'<p>First published by <a href="{ARTICLE_URL}">the Courier</a>.</p>' if link else ""
    return f"<html><head><title>{title}</title></head><body>{body}{credit}</body></html>"


# One paragraph quoted with a link back: within the 500-character limit.
COMPLIANT = page("Light at Gull Point", "Our weekend picks start on the coast.", PARAGRAPHS[0])
# Three paragraphs copied: far over the limit.
VIOLATION = page("Coastal news", "From our neighbours this week:", *PARAGRAPHS[:3])


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("exit-codes")
    export = folder / "courier.jsonl"
    record = {"url": ARTICLE_URL, "title": "The keepers return", "text": STORY}
    export.write_text(json.dumps(record) + "\n", encoding="utf-8")
    location = str(folder / "index.sqlite")
    added = run("index", "add", str(export), "--index", location)
    assert added.exit_code == 0, added.output
    return location


@pytest.fixture()
def pages(tmp_path: Path) -> dict[str, str]:
    paths = {}
    for name, html in (("compliant", COMPLIANT), ("violation", VIOLATION)):
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths[name] = str(path)
    return paths


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the port was free a moment ago and is closed now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/story"


def targets_of(path: Path) -> list[tuple[str, str]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return [(Path(t["target"]).name, t["status"]) for t in report["targets"]]


# --- 0 and 1 ------------------------------------------------------------------------


def test_compliant_page_exits_0_and_says_nothing_on_stderr(index: str, pages: dict) -> None:
    result = run("audit", pages["compliant"], "--index", index, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [t["status"] for t in json.loads(result.stdout)["targets"]] == ["compliant"]
    assert result.stderr == ""


def test_a_violation_exits_1(index: str, pages: dict, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("audit", pages["compliant"], pages["violation"], "--index", index,
                 "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code == 1, result.output
    assert targets_of(out) == [("compliant.html", "compliant"), ("violation.html", "violation")]
    (source,) = json.loads(out.read_text())["targets"][1]["sources"]
    assert [v["code"] for v in source["violations"]] == ["EXCERPT_TOO_LONG"]


# --- 2: bad usage or bad input -----------------------------------------------------


def test_an_invalid_option_exits_2(index: str, pages: dict) -> None:
    result = run("audit", pages["compliant"], "--index", index, "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


def test_an_invalid_policy_exits_2_for_audit_and_policy_check(
    index: str, pages: dict, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[policy]\nname = "bad"\nmax_chars = "five hundred"\n', encoding="utf-8")
    audited = run("audit", pages["compliant"], "--index", index, "--policy", str(bad))
    checked = run("policy", "check", str(bad))
    assert (audited.exit_code, checked.exit_code) == (2, 2)
    for result in (audited, checked):
        (line,) = stderr_lines(result)
        assert line.startswith(f"reprint-check: {bad}") and "max_chars" in line
        assert result.stdout == ""


def test_a_missing_local_target_alone_exits_2_with_one_stderr_line(
    index: str, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nosuch.html")
    result = run("audit", missing, "--index", index, "--format", "json")
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"reprint-check: {missing}: no such file"]
    (target,) = json.loads(result.stdout)["targets"]
    assert (target["status"], target["error"]) == ("error", f"{missing}: no such file")


def test_a_missing_local_target_beside_good_ones_exits_2_and_the_others_are_reported(
    index: str, pages: dict, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nosuch.html")
    out = tmp_path / "r.json"
    result = run("audit", pages["compliant"], missing, "--index", index,
                 "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"reprint-check: {missing}: no such file"]
    assert targets_of(out) == [("compliant.html", "compliant"), ("nosuch.html", "error")]


def test_bad_input_wins_over_a_violation(index: str, pages: dict, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("audit", pages["violation"], str(tmp_path / "typo.htm"), "--index", index,
                 "--format", "junit", "-o", str(out))  # fmt: skip
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"reprint-check: {tmp_path / 'typo.htm'}: no such file"]
    assert "EXCERPT_TOO_LONG" in out.read_text()  # the violation is still reported


def test_a_folder_given_as_a_target_is_bad_input(index: str, tmp_path: Path) -> None:
    result = run("audit", str(tmp_path), "--index", index, "--format", "json")
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"reprint-check: {tmp_path}: is a directory, not a file"]


def test_a_missing_source_file_exits_2_even_when_another_source_was_enough(
    pages: dict, tmp_path: Path
) -> None:
    export = tmp_path / "courier.jsonl"
    export.write_text(json.dumps({"url": ARTICLE_URL, "text": STORY}) + "\n", encoding="utf-8")
    missing = str(tmp_path / "other-story.html")
    result = run("audit", pages["compliant"], "--source", str(export), "--source", missing,
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"reprint-check: {missing}: no such file or folder"]
    (target,) = json.loads(result.stdout)["targets"]
    assert target["status"] == "compliant"  # audited against the source it had


def test_a_missing_index_exits_2(pages: dict, tmp_path: Path) -> None:
    missing = str(tmp_path / "none.sqlite")
    for args in (["audit", pages["compliant"]], ["index", "stats"], ["index", "list"]):
        result = run(*args, "--index", missing)
        assert result.exit_code == 2, args
        (line,) = stderr_lines(result)
        assert line.startswith("reprint-check: ") and "none.sqlite" in line


def test_removing_an_unknown_url_exits_2(index: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(Path(index).read_bytes())
    result = run("index", "remove", "https://courier.example/never/", "--index", str(copy))
    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "reprint-check: https://courier.example/never/: not in the index",
        f"0 article(s) removed, 1 not in the index; 1 in {copy}",
    ]


# --- 3: could not be fetched or parsed ---------------------------------------------


def test_an_http_error_exits_3_and_is_told_on_stderr_with_o(
    index: str, pages: dict, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    with LocalServer() as server:
        server.reply("/story", b"broken", 500, [("Retry-After", "0")])
        url = server.url("/story")
        result = run("audit", pages["compliant"], url, "--index", index, "--allow-private",
                     "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code == 3
    (line,) = stderr_lines(result)
    assert line.startswith(f"reprint-check: {url}: ") and "500" in line
    assert targets_of(out) == [("compliant.html", "compliant"), ("story", "error")]


def test_a_closed_port_exits_3(index: str, tmp_path: Path) -> None:
    url = closed_port_url()
    out = tmp_path / "r.html"
    result = run("audit", url, "--index", index, "--allow-private", "--format", "html",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 3
    (line,) = stderr_lines(result)
    assert line.startswith(f"reprint-check: {url}: ")
    assert out.exists()


def test_a_violation_wins_over_a_fetch_error(index: str, pages: dict) -> None:
    with LocalServer() as server:
        result = run("audit", pages["violation"], server.url("/gone"), "--index", index,
                     "--allow-private", "--format", "csv")  # fmt: skip
    assert result.exit_code == 1
    assert stderr_lines(result) == [f"reprint-check: {server.url('/gone')}: HTTP 404 Not Found"]


# --- index add ----------------------------------------------------------------------


def test_index_add_indexes_what_it_can_and_exits_2_for_a_missing_file(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "story.html").write_text(page("The keepers return", *PARAGRAPHS, link=False))
    location = str(tmp_path / "i.sqlite")
    missing = str(tmp_path / "nosuch.html")
    result = run("index", "add", str(archive), missing, "--index", location)
    assert result.exit_code == 2
    assert stderr_lines(result) == [
        f"reprint-check: {missing}: no such file or folder",
        f"1 article(s) indexed (0 replaced), 1 error(s); 1 in {location}",
    ]
    assert run("index", "list", "--index", location).stdout.count("\n") == 1


def test_index_add_exits_3_when_inputs_could_not_be_fetched_or_parsed(tmp_path: Path) -> None:
    story = tmp_path / "story.html"
    story.write_text(page("The keepers return", *PARAGRAPHS, link=False), encoding="utf-8")
    export = tmp_path / "export.jsonl"
    export.write_text('{"title": "a record with no url"}\n', encoding="utf-8")
    location = str(tmp_path / "i.sqlite")
    with LocalServer() as server:
        url = server.url("/missing-story")
        result = run("index", "add", str(story), url, str(export), "--index", location,
                     "--allow-private")  # fmt: skip
    assert result.exit_code == 3
    # files and exports are indexed first, then URLs are fetched (a URL may be a whole site)
    assert stderr_lines(result) == [
        f'reprint-check: {export}:1: missing "url"',
        f"reprint-check: {url}: HTTP 404 Not Found",
        f"1 article(s) indexed (0 replaced), 2 error(s); 1 in {location}",
    ]


def test_index_add_exits_2_for_a_folder_with_nothing_to_index(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    location = str(tmp_path / "i.sqlite")
    result = run("index", "add", str(tmp_path / "empty"), "--index", location)
    assert result.exit_code == 2
    assert stderr_lines(result)[0] == (
        f"reprint-check: {tmp_path / 'empty'}: no .html, .txt or .jsonl files in this folder"
    )


def test_index_add_of_everything_exits_0(tmp_path: Path) -> None:
    story = tmp_path / "story.html"
    story.write_text(page("The keepers return", *PARAGRAPHS, link=False), encoding="utf-8")
    result = run("index", "add", str(story), "--index", str(tmp_path / "i.sqlite"))
    assert result.exit_code == 0
    assert "0 error(s)" in result.stderr


# --- report -------------------------------------------------------------------------


@pytest.fixture()
def stored(index: str, pages: dict, tmp_path: Path) -> dict[str, Path]:
    """One stored JSON report per outcome, made by real audits."""
    reports = {}
    with LocalServer() as server:
        runs = {
            "compliant": [pages["compliant"]],
            "violation": [pages["violation"]],
            "error": [pages["compliant"], server.url("/gone")],
        }
        for (name, targets), code in zip(runs.items(), (0, 1, 3), strict=True):
            reports[name] = tmp_path / f"{name}.json"
            audited = run("audit", *targets, "--index", index, "--allow-private",
                          "--format", "json", "-o", str(reports[name]))  # fmt: skip
            assert audited.exit_code == code, audited.output
    return reports


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["compliant"], 0),
        (["violation"], 1),
        (["error"], 3),
        (["compliant", "violation"], 1),
        (["error", "violation"], 1),
    ],
)
def test_report_exits_by_what_the_stored_reports_hold(
    stored: dict, tmp_path: Path, names: list[str], code: int
) -> None:
    out = tmp_path / "digest.md"
    result = run("report", *(str(stored[n]) for n in names), "--format", "markdown",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == code
    assert out.read_text().startswith("# reprint-check report")  # written whatever the code
    errors = [line for line in stderr_lines(result) if line.startswith("reprint-check: ")]
    assert len(errors) == ("error" in names)
    if errors:
        assert errors[0].endswith("/gone: HTTP 404 Not Found")


def test_report_on_a_file_that_is_not_a_report_or_is_missing_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "reprint-check/report/v1", "targets": [', encoding="utf-8")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"note": "caf\xe9"}')
    for path in (broken, latin, tmp_path / "nosuch.json"):
        result = run("report", str(path), "--format", "html")
        assert result.exit_code == 2, path
        (line,) = stderr_lines(result)
        assert line.startswith(f"reprint-check: {path}: ")
        assert result.stdout == ""


# --- feed ---------------------------------------------------------------------------


def rss(*items: tuple[str, str]) -> str:
    """A feed whose items carry their page as the description: (link, html) each."""
    entries = "".join(
        f"<item><title>Item {number}</title><link>{link}</link>"
        f"<description><![CDATA[{html}]]></description></item>"
        for number, (link, html) in enumerate(items, 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Partner</title>'
        f"<link>https://partner.example/</link>{entries}</channel></rss>"
    )


def test_feed_a_missing_local_feed_exits_2_and_the_other_feed_is_audited(
    index: str, tmp_path: Path
) -> None:
    good = tmp_path / "partner.xml"
    good.write_text(rss(("https://partner.example/picks/", COMPLIANT)), encoding="utf-8")
    missing = str(tmp_path / "nosuch.xml")
    out = tmp_path / "r.json"
    result = run("feed", missing, str(good), "--index", index, "--fetch-items", "never",
                 "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"reprint-check: {missing}: no such file"]
    report = json.loads(out.read_text())
    assert [(t["target"], t["status"]) for t in report["targets"]] == [
        (missing, "error"),
        ("https://partner.example/picks/", "compliant"),
    ]


def test_feed_items_keep_the_table(index: str, tmp_path: Path) -> None:
    picks, copy = "https://partner.example/picks/", "https://partner.example/copy/"
    feed = tmp_path / "partner.xml"
    feed.write_text(rss((picks, COMPLIANT), (copy, VIOLATION)), encoding="utf-8")
    result = run("feed", str(feed), "--index", index, "--fetch-items", "never", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert [(t["target"], t["status"]) for t in report["targets"]] == [
        (picks, "compliant"),
        (copy, "violation"),
    ]


def test_feed_a_url_that_fails_exits_3(index: str) -> None:
    with LocalServer() as server:
        url = server.url("/feed.xml")
        result = run("feed", url, "--index", index, "--allow-private", "--format", "junit")
    assert result.exit_code == 3
    assert stderr_lines(result) == [f"reprint-check: {url}: HTTP 404 Not Found"]


def test_feed_with_no_items_checked_nothing_and_exits_3(index: str, tmp_path: Path) -> None:
    empty = tmp_path / "quiet.xml"
    empty.write_text(rss(), encoding="utf-8")
    result = run("feed", str(empty), "--index", index, "--format", "json")
    assert result.exit_code == 3
    assert stderr_lines(result) == [
        f"reprint-check: {empty}: no items to audit: the feed lists none"
    ]
    [target] = json.loads(result.stdout)["targets"]
    assert (target["status"], target["error"]) == (
        "error",
        "no items to audit: the feed lists none",
    )


def test_feed_whose_items_are_all_older_than_since_exits_3(index: str, tmp_path: Path) -> None:
    feed = tmp_path / "partner.xml"
    dated = rss(("https://partner.example/picks/", COMPLIANT)).replace(
        "<title>Item 1</title>",
        "<title>Item 1</title><pubDate>Mon, 02 Jan 2023 08:00:00 GMT</pubDate>",
    )
    feed.write_text(dated, encoding="utf-8")
    result = run("feed", str(feed), "--index", index, "--fetch-items", "never",
                 "--since", "2026-01-01")  # fmt: skip
    assert result.exit_code == 3
    assert stderr_lines(result) == [
        f"reprint-check: {feed}: no items to audit: "
        "the feed lists none published or updated since 2026-01-01"
    ]
