"""`reprint-check feed` end to end against a real local HTTP server.

The partner feed and its pages are fiction written for these tests; the
publisher archive is the project's own fictional examples/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml
from warcio.archiveiterator import ArchiveIterator

from reprint_check.cli import main
from tests.localserver import LocalServer

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "examples" / "archive.jsonl"
FIRST = json.loads(ARCHIVE.read_text(encoding="utf-8").splitlines()[0])
EXCERPT = FIRST["text"].split("\n\n")[0]  # a whole first paragraph of a fictional story


def page(body: str, title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def copied(number: int) -> bytes:
    return page(
        f"<p>Partner item {number}: our own introduction.</p><blockquote>{EXCERPT}</blockquote>"
        f'<p>Source: <a href="{FIRST["url"]}">the Courier</a></p>',
        f"Item {number}",
    )


def rss(server: LocalServer, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>{server.url(p)}</link><guid>{p}</guid></item>"
        for i, p in enumerate(paths, 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Partner</title><link>{server.url('/')}</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("feed-idx") / "index.sqlite"
    result = CliRunner().invoke(main, ["index", "add", str(ARCHIVE), "--index", str(path)])
    assert result.exit_code == 0
    return str(path)


def serve_ten_items(server: LocalServer) -> list[str]:
    paths = [f"/item/{i}" for i in range(1, 11)]
    for i, path in enumerate(paths, 1):
        server.reply(path, copied(i) if i % 2 else page(f"<p>Item {i} is ours.</p>", f"Item {i}"))

    def slow(handler, _number: int) -> None:
        server.stopping.wait(5)  # silent far past the 0.5 s time-out

    server.route("/item/4", slow)
    server.reply("/item/6", b"not here", 404)
    server.reply("/item/8", b"", 302, [("Location", server.url("/item/8"))])
    server.reply("/feed.xml", rss(server, paths), headers=[("Content-Type", "application/rss+xml")])
    return paths


def test_ten_items_one_times_out_one_404s_one_redirects_forever(index: str, tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    with LocalServer() as server:
        serve_ten_items(server)
        args = ["feed", server.url("/feed.xml"), "--index", index, "--allow-private",
                "--timeout", "0.5", "--format", "junit", "-o", str(out)]  # fmt: skip
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 3  # some items failed, none broke the policy
    suite = next(iter(JUnitXml.fromfile(str(out))))
    cases = {case.name.rsplit("/", 1)[-1]: case for case in suite}
    assert len(cases) == 10
    errors = {
        name for name, case in cases.items() if any(isinstance(r, Error) for r in case.result)
    }
    assert errors == {"4", "6", "8"}
    audited = set(cases) - errors
    assert len(audited) == 7
    assert not any(isinstance(r, Failure) for case in suite for r in case.result)
    assert "404" in cases["6"].result[0].message
    assert "redirect" in cases["8"].result[0].message


def test_state_file_audits_only_changed_items_and_keeps_reporting_violations(
    index: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    outs = [tmp_path / "run1.json", tmp_path / "run2.json"]
    with LocalServer() as server:
        long_copy = page(
            f"<blockquote>{FIRST['text']}</blockquote><p>No link here.</p>", "Whole story"
        )
        server.reply("/a", long_copy, headers=[("Content-Type", "text/html"), ("ETag", '"v1"')])

        def conditional(handler, _number: int) -> None:
            from tests.localserver import send

            if handler.headers.get("If-None-Match") == '"v1"':
                send(handler, 304, b"", [("ETag", '"v1"')])
            else:
                send(handler, 200, long_copy, [("Content-Type", "text/html"), ("ETag", '"v1"')])

        server.route("/a", conditional)
        server.reply(
            "/feed.xml", rss(server, ["/a"]), headers=[("Content-Type", "application/rss+xml")]
        )
        for out in outs:
            args = ["feed", server.url("/feed.xml"), "--index", index, "--allow-private",
                    "--state", str(state), "--format", "json", "-o", str(out)]  # fmt: skip
            assert CliRunner().invoke(main, args).exit_code == 1
        hits = server.hits["/a"]
    first, second = (json.loads(o.read_text())["targets"][0] for o in outs)
    assert hits == 2  # the second run asked, and was told nothing changed
    assert first["status"] == second["status"] == "violation"
    assert first["sources"] == second["sources"]
    codes = {v["code"] for v in second["sources"][0]["violations"]}
    assert {"FULL_REPRINT", "LINK_MISSING"} <= codes


def test_evidence_cites_the_warc_record_of_each_fetched_item(index: str, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    out = tmp_path / "r.json"
    with LocalServer() as server:
        server.reply("/a", copied(1))
        server.reply(
            "/feed.xml", rss(server, ["/a"]), headers=[("Content-Type", "application/rss+xml")]
        )
        args = ["feed", server.url("/feed.xml"), "--index", index, "--allow-private",
                "--evidence", str(evidence), "--format", "json", "-o", str(out)]  # fmt: skip
        CliRunner().invoke(main, args)
    (target,) = json.loads(out.read_text())["targets"]
    cited = target["evidence"]
    (warc,) = evidence.glob("*.warc.gz")
    with warc.open("rb") as fh:
        ids = {
            r.rec_headers.get_header("WARC-Record-ID"): r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        }
    assert ids[cited["record_id"]] == target["target"]
    assert len(cited["sha256"]) == 64


def test_unreadable_feed_is_an_error_entry_and_exit_three(index: str, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_bytes(b"\x00\x01 this is not a feed")
    result = CliRunner().invoke(main, ["feed", str(bad), "--index", index, "--format", "json"])
    assert result.exit_code == 3
    (target,) = json.loads(result.stdout)["targets"]
    assert target["status"] == "error"
    assert "broken.xml" in target["error"]


def test_a_huge_item_a_flaky_item_and_a_mislabelled_charset(index: str, tmp_path: Path) -> None:
    from tests.localserver import send

    out = tmp_path / "r.json"
    with LocalServer() as server:
        server.reply("/huge", b"<html><body>" + b"x" * (30 * 1024 * 1024) + b"</body></html>")

        def flaky(handler, number: int) -> None:
            if number == 1:
                send(handler, 500, b"try again")
            else:
                send(handler, 200, copied(2), [("Content-Type", "text/html; charset=utf-8")])

        server.route("/flaky", flaky)
        # Cyrillic bytes in windows-1251 while the header claims UTF-8
        cyrillic = "<html><body><p>Новини тижня з нашого порту.</p></body></html>".encode("cp1251")
        server.reply("/cp1251", cyrillic, headers=[("Content-Type", "text/html; charset=utf-8")])
        feed = rss(server, ["/huge", "/flaky", "/cp1251"])
        server.reply("/feed.xml", feed, headers=[("Content-Type", "application/rss+xml")])
        args = ["feed", server.url("/feed.xml"), "--index", index, "--allow-private",
                "--format", "json", "--include-text", "-o", str(out)]  # fmt: skip
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 3
    huge, flaky_item, mislabelled = json.loads(out.read_text())["targets"]
    assert huge["status"] == "error" and "larger than" in huge["error"]
    assert flaky_item["status"] == "compliant"
    assert flaky_item["sources"][0]["reused_chars"] == len(EXCERPT)
    assert mislabelled["status"] == "compliant"
    assert "Новини тижня" in mislabelled["text"]
