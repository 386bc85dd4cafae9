"""A target with nothing to audit is an error entry (exit 3), never a compliant pass.

The publisher article and the partner pages are fiction written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from junitparser import Error, Failure, JUnitXml

from reprint_check import load_policy, open_index
from reprint_check.audit import audit_page
from reprint_check.cli import main
from reprint_check.models import Page
from reprint_check.page.no_text import is_blank, runs_scripts
from tests.localserver import LocalServer

ARTICLE_URL = "https://lakeside-gazette.example/2026/05/orchard-frost/"
PARAGRAPH = (
    "Growers along the north shore lit more than two hundred smudge pots on Tuesday night "
    "after the thermometer at Quarry Lane dropped to minus three, the coldest May reading "
    "the cooperative has logged since it began keeping records in 1987. Blossom on the early "
    "plum trees had already opened, and a single hour below minus two can kill a season's crop."
)
ARTICLE_TEXT = "\n\n".join(
    [
        PARAGRAPH,
        "Ilse Varga, who runs the cooperative's cold store, said members had taken turns through "
        "the night to keep the fires fed. “Nobody went home before sunrise,” she said. “We will "
        "know by Friday whether the fruit has set, and not a day sooner.”",
        "The regional weather office expects the frost to lift by the weekend, when a band of "
        "cloud moves in from the west and overnight temperatures climb back above five degrees.",
    ]
)

APP_SHELL = "no text to audit: the page is a JavaScript app shell (its text is rendered by scripts)"
FEED_HINT = "no text to audit (the feed item carries no text; use --fetch-items auto or always)"

APP_SHELL_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Valley Wire</title>
<link rel="stylesheet" href="/static/css/main.8c1d.css">
<script defer src="/static/js/main.4f2a91.js"></script></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div>
<script>window.__APP_STATE__ = {"route": "/story/frost"};</script>
</body></html>
"""

# Only furniture nobody reads as text: a title, an image, an empty navigation list, a
# non-breaking space, a zero-width space, and structured data (a script that is not code).
NO_TEXT_PAGE = """<html><head><title>Valley Wire – Frost</title>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Frost"}</script>
</head><body><nav><ul><li><a href="/"><img src="/logo.png" alt="Valley Wire"></a></li></ul></nav>
<p>&nbsp;</p><div>\u200b</div><!-- <script src="/commented-out.js"></script> --></body></html>
""".encode()

FILE_CASES = {
    "empty.html": (b"", "no text to audit (empty file)"),
    "empty.txt": (b"", "no text to audit (empty file)"),
    "blank.txt": (" \n\t\n\u00a0\u200b \r\n".encode(), "no text to audit (only white space)"),
    "no-text.html": (NO_TEXT_PAGE, "no text to audit (the page has no visible text)"),
    "app-shell.html": (APP_SHELL_PAGE, APP_SHELL),
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("nothing-archive")
    archive = folder / "gazette.jsonl"
    record = {"url": ARTICLE_URL, "title": "Frost threatens orchard blossom", "text": ARTICLE_TEXT}
    archive.write_text(json.dumps(record) + "\n", encoding="utf-8")
    path = folder / "index.sqlite"
    result = run("index", "add", str(archive), "--index", str(path))
    assert result.exit_code == 0, result.output
    return str(path)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Targets named by short relative paths, so reports and console lines stay short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def console_errors(output: str) -> list[str]:
    """Each target's "Error:" text from the console report, unwrapped from its box."""
    errors: list[str] = []
    lines = [line.strip().strip("│").strip() for line in output.splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("Error: "):
            words = [line.removeprefix("Error: ")]
            for more in lines[i + 1 :]:
                if not more or more.startswith(("╰", "Source ")):
                    break
                words.append(more)
            errors.append(" ".join(words))
    return errors


def junit_errors(path: Path) -> dict[str, str]:
    """Test case name → its <error> message, for the errored cases of a JUnit report."""
    suite = next(iter(JUnitXml.fromfile(str(path))))
    out = {}
    for case in suite:
        kinds = [r for r in case.result if isinstance(r, (Error, Failure))]
        if kinds and isinstance(kinds[0], Error):
            out[case.name] = kinds[0].message
    return out


def audit_every_way(
    command: str, targets: list[str], extra: list[str], out_dir: Path
) -> tuple[dict, str, dict[str, str], set[int]]:
    """Run the same audit as JSON, console and JUnit: (json report, console text, junit errors,
    the exit codes seen)."""
    json_run = run(command, *targets, *extra, "--format", "json")
    console_run = run(command, *targets, *extra, "--format", "console", "--no-color")
    junit_path = out_dir / "report.xml"
    junit_run = run(command, *targets, *extra, "--format", "junit", "-o", str(junit_path))
    codes = {json_run.exit_code, console_run.exit_code, junit_run.exit_code}
    return json.loads(json_run.stdout), console_run.stdout, junit_errors(junit_path), codes


def test_legit_article_index_finds_the_copy(index: str, workdir: Path) -> None:
    """The index these tests use does flag a real copy: the errors below are not its fault."""
    (workdir / "copy.html").write_text(f"<p>{PARAGRAPH}</p>", encoding="utf-8")
    result = run("audit", "copy.html", "--index", index, "--format", "json")
    assert result.exit_code == 1
    (target,) = json.loads(result.stdout)["targets"]
    assert [v["code"] for v in target["sources"][0]["violations"]] == ["LINK_MISSING"]


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_a_file_with_nothing_to_audit_is_an_error_in_every_format(
    index: str, workdir: Path, name: str
) -> None:
    content, reason = FILE_CASES[name]
    (workdir / name).write_bytes(content)
    report, console, junit, codes = audit_every_way("audit", [name], ["--index", index], workdir)
    assert codes == {3}
    expected = f"{name}: {reason}"
    assert report["targets"] == [
        {"target": name, "title": "", "status": "error", "error": expected, "sources": []}
    ]
    assert "Verdict: ERROR" in console
    assert "COMPLIANT" not in console
    assert console_errors(console) == [expected]
    assert junit == {name: expected}


def test_empty_standard_input_is_an_error(index: str) -> None:
    args = ["audit", "-", "--index", index, "--format", "json"]
    result = CliRunner().invoke(main, args, input=b"")
    assert result.exit_code == 3
    (target,) = json.loads(result.stdout)["targets"]
    assert target["error"] == "-: no text to audit (empty standard input)"


HTML = [("Content-Type", "text/html; charset=utf-8")]
TEXT = [("Content-Type", "text/plain; charset=utf-8")]


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"", HTML, "no text to audit (empty response body)"),
        (b"", [], "no text to audit (empty response body)"),
        (b" \r\n\t", TEXT, "no text to audit (only white space)"),
        (APP_SHELL_PAGE, HTML, APP_SHELL),
    ],
    ids=["empty-html", "empty-no-content-type", "blank-text", "app-shell"],
)
def test_an_http_response_with_nothing_to_audit_is_an_error(
    index: str, tmp_path: Path, body: bytes, headers: list[tuple[str, str]], reason: str
) -> None:
    with LocalServer() as server:
        server.reply("/story", body, headers=headers)
        url = server.url("/story")
        report, console, junit, codes = audit_every_way(
            "audit", [url], ["--index", index, "--allow-private"], tmp_path
        )
    assert codes == {3}
    (target,) = report["targets"]
    assert target == {
        "target": url,
        "title": "",
        "status": "error",
        "error": f"{url}: {reason}",
        "sources": [],
    }
    assert console_errors(console) == [f"{url}: {reason}"]
    assert junit == {url: f"{url}: {reason}"}


def rss(items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Valley Wire</title><link>https://valley-wire.example/</link>"
        f"<description>Partner news</description>{items}</channel></rss>"
    )


def test_feed_items_without_text_under_fetch_items_never_are_errors(
    index: str, workdir: Path
) -> None:
    bare = "https://valley-wire.example/frost-bare"
    image = "https://valley-wire.example/frost-photo"
    teaser = "https://valley-wire.example/market"
    items = (
        f"<item><title>Frost: the night in the orchards</title><link>{bare}</link></item>"
        f"<item><title>Frost in pictures</title><link>{image}</link>"
        '<description><![CDATA[<p><img src="https://valley-wire.example/frost.jpg"></p>]]>'
        "</description></item>"
        f"<item><title>Market day</title><link>{teaser}</link>"
        "<description>Stalls return to the square on Saturday.</description></item>"
    )
    (workdir / "feed.xml").write_text(rss(items), encoding="utf-8")
    report, console, junit, codes = audit_every_way(
        "feed", ["feed.xml"], ["--index", index, "--fetch-items", "never"], workdir
    )
    assert codes == {3}
    statuses = {t["target"]: (t["status"], t["error"], t["sources"]) for t in report["targets"]}
    assert statuses == {
        bare: ("error", f"{bare}: {FEED_HINT}", []),
        image: ("error", f"{image}: {FEED_HINT}", []),
        teaser: ("compliant", None, []),  # a short teaser is text, and is audited
    }
    assert console_errors(console) == [f"{bare}: {FEED_HINT}", f"{image}: {FEED_HINT}"]
    assert junit == {bare: f"{bare}: {FEED_HINT}", image: f"{image}: {FEED_HINT}"}


def test_fetched_feed_item_pages_with_nothing_to_audit_are_errors(index: str) -> None:
    with LocalServer() as server:
        empty, shell, story = server.url("/empty"), server.url("/shell"), server.url("/story")
        server.reply("/empty", b"")
        server.reply("/shell", APP_SHELL_PAGE)
        server.reply("/story", b"<p>Frost warnings lifted for the weekend.</p>")
        items = "".join(
            f"<item><title>{n}</title><link>{url}</link></item>"
            for n, url in enumerate((empty, shell, story))
        )
        server.reply("/feed.xml", rss(items).encode(), headers=[("Content-Type", "text/xml")])
        feed = server.url("/feed.xml")
        result = run("feed", feed, "--index", index, "--allow-private", "--format", "json")
    assert result.exit_code == 3
    targets = json.loads(result.stdout)["targets"]
    statuses = {t["target"]: (t["status"], t["error"]) for t in targets}
    assert statuses == {
        empty: ("error", f"{empty}: no text to audit (empty response body)"),
        shell: ("error", f"{shell}: {APP_SHELL}"),
        story: ("compliant", None),
    }  # fmt: skip


def test_a_violation_beside_an_empty_page_is_still_found_and_wins(
    index: str, workdir: Path
) -> None:
    (workdir / "copy.html").write_text(f"<p>{PARAGRAPH}</p>", encoding="utf-8")
    (workdir / "empty.html").write_bytes(b"")
    report, console, junit, codes = audit_every_way(
        "audit", ["empty.html", "copy.html"], ["--index", index], workdir
    )
    assert codes == {1}  # a violation outranks a target that could not be audited
    empty, copy = report["targets"]
    assert empty["error"] == "empty.html: no text to audit (empty file)"
    assert copy["status"] == "violation"
    assert [v["code"] for v in copy["sources"][0]["violations"]] == ["LINK_MISSING"]
    assert copy["sources"][0]["reused_chars"] == len(PARAGRAPH)
    assert console_errors(console) == ["empty.html: no text to audit (empty file)"]
    assert junit == {"empty.html": "empty.html: no text to audit (empty file)"}


def test_a_compliant_page_beside_an_empty_page_is_exit_three(index: str, workdir: Path) -> None:
    (workdir / "own.html").write_text(
        "<p>Our reporter visited the orchards on Wednesday morning.</p>", encoding="utf-8"
    )
    (workdir / "empty.txt").write_bytes(b"")
    result = run("audit", "own.html", "empty.txt", "--index", index, "--format", "json")
    assert result.exit_code == 3
    statuses = [(t["target"], t["status"]) for t in json.loads(result.stdout)["targets"]]
    assert statuses == [("own.html", "compliant"), ("empty.txt", "error")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("short.html", b'<script src="/app.js"></script><div id="root"><p>Closed today.</p></div>'),
        ("word.txt", b"\n  Closed.\n"),
        ("nav-only.html", b'<nav><a href="/">Home</a> <a href="/about">About</a></nav>'),
    ],
)  # fmt: skip
def test_pages_with_short_real_text_are_audited_as_usual(
    index: str, workdir: Path, name: str, content: bytes
) -> None:
    (workdir / name).write_bytes(content)
    result = run("audit", name, "--index", index, "--format", "json")
    assert result.exit_code == 0
    (target,) = json.loads(result.stdout)["targets"]
    assert (target["status"], target["error"]) == ("compliant", None)


def test_audit_page_never_passes_a_page_without_text(index: str) -> None:
    """The library's own entry point refuses a blank page too, however it was built."""
    store = open_index(index, create=False)
    result = audit_page(Page(location="made.html", text=" \u200b\n"), store, load_policy())
    assert (result.status, result.error, result.sources) == (
        "error",
        "made.html: no text to audit (the page has no visible text)",
        (),
    )


def test_what_counts_as_blank_and_as_a_script() -> None:
    assert is_blank("") and is_blank(" \n\t\u00a0\u200b\u200d\ufeff\u2060")
    assert not is_blank("\u200b.") and not is_blank("я")
    assert runs_scripts(b'<div id="app"></div><script type="module" src="/a.js"></script>')
    assert runs_scripts("<script type='text/javascript; charset=utf-8'>go()</script>")
    assert not runs_scripts(b'<script type="application/ld+json">{}</script>')
    assert not runs_scripts(b"<!-- <script>go()</script> --><p>x</p>")
    assert not runs_scripts(b'<p title="<script>go()</script>">x</p>')
    assert not runs_scripts(b"")


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("markdown", "| 1 | app-shell.html | ERROR |"),
        ("html", '<span class="badge error">Error</span>'),
        ("github", "::warning title=FETCH_ERROR::app-shell.html: "),
        ("csv", "app-shell.html,,error,app-shell.html: "),
    ],
)
def test_every_other_format_shows_the_reason(
    index: str, workdir: Path, fmt: str, shown: str
) -> None:
    (workdir / "app-shell.html").write_bytes(APP_SHELL_PAGE)
    result = run("audit", "app-shell.html", "--index", index, "--format", fmt, "-o", "report")
    assert result.exit_code == 3
    report = (workdir / "report").read_text(encoding="utf-8")
    assert shown in report
    assert f"app-shell.html: {APP_SHELL}" in report
