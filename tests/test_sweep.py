"""``reprint-check sweep`` on WARC files made at test time (tests/sweepwarc.py), local engine.

What a newsroom relies on: every planted copy found with its verdict and the
record that proves it, nothing reported on pages that copy nothing, broken
records counted and skipped, and a first test that never rejects a page the
audit would flag.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html as html_lib
import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from reprint_check.audit import audit_page
from reprint_check.cli import main
from reprint_check.index import open_index
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import load_policy
from reprint_check.sweep import expand_inputs, sweep
from reprint_check.sweep.firsttest import FirstTest, build_first_test
from reprint_check.sweep.records import Record, Skipped, read_records
from reprint_check.sweep.visible import Words, page_words, visible_words
from reprint_check.sweep.worker import SweepSettings
from reprint_check.text.fingerprint import (
    _kgram_hashes_reference,
    _tokenize_reference,
    _winnow_reference,
    polynomials_of_hashes,
    token_hashes,
)
from reprint_check.text.normalize import _normalize_reference, normalized_text
from reprint_check.text.token_arrays import token_spans_and_hashes
from reprint_check.web.fetch import FetchSettings
from tests.localserver import LocalServer
from tests.sweepwarc import (
    BROKEN_EXPECTED,
    NOT_PAGES_EXPECTED,
    PARTNER,
    POLICY,
    Warc,
    archive,
    plants,
    truncated_member,
    unrelated_pages,
    write_sweep_warcs,
)

LIMIT = 64 * 1024  # --max-record-bytes of these tests: the "huge" page is over it
SETTINGS = SweepSettings(max_record_bytes=LIMIT)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An index of the fictional archive, a policy, and the crawl's files (made once)."""
    folder = tmp_path_factory.mktemp("crawl")
    articles = archive()
    with SQLiteIndex(folder / "index.sqlite") as index:
        index.add_many(articles)
    (folder / "policy.toml").write_text(POLICY, encoding="utf-8")
    unrelated = unrelated_pages(12)
    paths, planted, ids = write_sweep_warcs(folder, articles, unrelated, oversized_bytes=LIMIT + 1)
    return {
        "folder": folder,
        "index": str(folder / "index.sqlite"),
        "policy": str(folder / "policy.toml"),
        "paths": [str(p) for p in paths],
        "plants": planted,
        "ids": ids,
        "unrelated": unrelated,
        "articles": articles,
    }


@pytest.fixture(scope="module")
def swept(crawl: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("out")
    outcome = sweep(
        crawl["paths"],
        policy=load_policy(crawl["policy"]),
        out=out,
        index_location=crawl["index"],
        settings=SETTINGS,
    )
    lines = [json.loads(x) for x in (out / "findings.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    return {"out": out, "outcome": outcome, "lines": lines, "summary": summary}


def test_every_planted_copy_is_found_with_its_verdict_and_record(crawl: dict, swept: dict) -> None:
    by_url = {line["url"]: line for line in swept["lines"]}
    for plant in crawl["plants"]:
        line = by_url[plant.url]  # recall 1.0: every plant has its line
        assert line["status"] == plant.status, plant.url
        assert line["record_id"] == crawl["ids"][plant.url]
        wet = plant.kind == "text"
        assert line["warc_file"].endswith(".wet.gz" if wet else ".warc.gz")
        assert line["captured_at"] == "2026-04-02T10:00:00Z"
        (source,) = line["entry"]["sources"]
        assert source["url"] == plant.source
        assert tuple(sorted(v["code"] for v in source["violations"])) == plant.codes
        evidence = line["entry"]["evidence"]
        assert (evidence["warc_file"], evidence["record_id"]) == (
            line["warc_file"],
            line["record_id"],
        )
    # no finding on the unrelated pages: the lines are exactly the plants
    assert sorted(by_url) == sorted(p.url for p in crawl["plants"])
    assert len(swept["lines"]) == len(crawl["plants"])


def test_evidence_cites_the_sha256_of_the_payload_as_stored(crawl: dict, swept: dict) -> None:
    # read independently of the sweep: the payload after the HTTP headers, as stored
    stored: dict[str, bytes] = {}
    for path in crawl["paths"]:
        with open(path, "rb") as stream:
            try:
                for record in ArchiveIterator(stream):
                    if record.rec_type in ("response", "conversion"):
                        record_id = record.rec_headers.get_header("WARC-Record-ID")
                        stored[record_id] = record.raw_stream.read()
            except ArchiveLoadFailed:
                pass  # the broken records the sweep reads past; the plants come before them
    for line in swept["lines"]:
        expected = hashlib.sha256(stored[line["record_id"]]).hexdigest()
        assert line["entry"]["evidence"]["sha256"] == expected, line["url"]


def test_licensed_partner_shows_as_such(swept: dict) -> None:
    (partner,) = [d for d in swept["summary"]["domains"] if d["domain"] == PARTNER]
    assert partner["pages_in_violation"] == 0
    assert partner["rules"] == [
        {
            "kind": "permission",
            "policy": "courier-sweep",
            "domain": PARTNER,
            "max_chars": 0,
            "until": None,
            "note": "syndication licence 2026-01",
        }
    ]


def test_domains_ranked_by_violations_then_characters(swept: dict) -> None:
    ranked = [(d["domain"], d["pages_in_violation"]) for d in swept["summary"]["domains"]]
    assert ranked[0] == ("copycat.example", 2)
    assert ranked[-1] == (PARTNER, 0)
    keys = [(-d["pages_in_violation"], -d["reused_chars"]) for d in swept["summary"]["domains"]]
    assert keys == sorted(keys)


def test_broken_records_are_counted_and_skipped(crawl: dict, swept: dict) -> None:
    summary = swept["summary"]
    skipped = summary["skipped"]
    assert {k: skipped[k] for k in BROKEN_EXPECTED} == BROKEN_EXPECTED
    assert {k: skipped[k] for k in NOT_PAGES_EXPECTED} == NOT_PAGES_EXPECTED
    assert swept["outcome"].broken == sum(BROKEN_EXPECTED.values())
    counts = summary["counts"]
    # 3 unrelated WET texts; the page garbled by its charset is a page, skipped
    pages = len(crawl["unrelated"]) + 3 + len(crawl["plants"]) + 1
    assert counts["pages"] == pages
    assert counts["pages_with_reuse"] == len(crawl["plants"])
    assert counts["rejected_by_first_test"] + counts["audited"] + skipped["charset"] == pages
    # the unrelated pages never reach the audit
    assert counts["audited"] == len(crawl["plants"])


def test_cli_exit_code_and_stderr(crawl: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["sweep", *crawl["paths"], "--index", crawl["index"], "--policy", crawl["policy"],
         "--out", str(tmp_path), "--max-record-bytes", str(LIMIT)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "5 broken record(s) skipped: 2 truncated, 1 oversized, 1 charset, 1 unparseable" in (
        result.stderr
    )
    assert "gzip member cut short or corrupt" in result.stderr
    assert "9 reuse the archive, 7 in violation" in result.stderr


def _warc(path: Path, pages: list[tuple[str, str]], broken: bool = False) -> str:
    with Warc(path) as warc:
        for url, html in pages:
            warc.response(url, html.encode("utf-8"))
        if broken:
            warc.raw(truncated_member("https://broken.example/", b"<p>cut</p>" * 300))
    return str(path)


def _cli(crawl: dict, out: Path, *inputs: str) -> object:
    return CliRunner().invoke(
        main,
        ["sweep", *inputs, "--index", crawl["index"], "--policy", crawl["policy"],
         "--out", str(out)],
    )  # fmt: skip


def test_exit_codes_by_the_table(crawl: dict, tmp_path: Path) -> None:
    clean = _warc(tmp_path / "clean.warc.gz", crawl["unrelated"][:4])
    broken = _warc(tmp_path / "broken.warc.gz", crawl["unrelated"][:4], broken=True)
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert _cli(crawl, tmp_path / "a", clean).exit_code == 0
    assert _cli(crawl, tmp_path / "b", broken).exit_code == 3  # something unread, no violation
    missing = _cli(crawl, tmp_path / "c", clean, str(tmp_path / "nope.warc.gz"))
    assert missing.exit_code == 2
    assert "nope.warc.gz: no such file" in missing.stderr
    nothing = _cli(crawl, tmp_path / "d", str(empty))  # read no record at all: not a pass
    assert nothing.exit_code == 2
    assert "no WARC record could be read" in nothing.stderr


def test_a_page_without_text_is_counted_as_such_not_as_rejected(
    crawl: dict, tmp_path: Path
) -> None:
    shell = '<html><body><div id="app"></div><script src="/app.js"></script></body></html>'
    path = _warc(
        tmp_path / "shell.warc.gz", [("https://app.example/", shell), *crawl["unrelated"][:1]]
    )
    result = _cli(crawl, tmp_path / "out", path)
    assert result.exit_code == 0, result.output
    counts = json.loads((tmp_path / "out" / "summary.json").read_text())["counts"]
    assert (counts["pages"], counts["no_text"], counts["rejected_by_first_test"]) == (2, 1, 1)
    assert "1 audited (1 without text)" in result.stderr
    # shells alone: no page was checked, which is no pass
    alone = _cli(
        crawl,
        tmp_path / "alone",
        _warc(tmp_path / "alone.warc.gz", [("https://a.example/", shell)]),
    )
    assert alone.exit_code == 2
    assert "no record held a page with text to check" in alone.stderr
    # its summary, rendered on its own (a CI job that only runs `report`), is no pass either
    rendered = CliRunner().invoke(
        main, ["report", str(tmp_path / "alone" / "summary.json"), "--format", "markdown"]
    )
    assert rendered.exit_code == 2
    assert "sweep summary: no record held a page with text to check" in rendered.stderr
    assert "Nothing was checked (no record held a page with text to check" in rendered.stdout


def test_empty_index_is_an_error(crawl: dict, tmp_path: Path) -> None:
    SQLiteIndex(tmp_path / "empty.sqlite").close()
    result = CliRunner().invoke(
        main,
        ["sweep", crawl["paths"][0], "--index", str(tmp_path / "empty.sqlite"),
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "the index holds no articles" in result.stderr


def test_spark_engine_without_pyspark_says_what_to_install(
    crawl: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError
    result = CliRunner().invoke(
        main,
        ["sweep", crawl["paths"][0], "--index", crawl["index"], "--engine", "spark",
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "reprint-check: --engine spark needs PySpark: pip install 'reprint-check[spark]'\n"
    )


def test_report_renders_the_summary(swept: dict, crawl: dict, tmp_path: Path) -> None:
    summary = str(swept["out"] / "summary.json")
    result = CliRunner().invoke(main, ["report", summary, "--format", "markdown"])
    assert result.exit_code == 1  # the summary holds pages in violation
    text = result.stdout
    assert text.index("| 1 | copycat.example | 2 | 2 |") < text.index(f"| 7 | {PARTNER} | 0 | 1 |")
    assert f"written permission of {PARTNER} (syndication licence 2026-01)" in text
    stolen = next(p for p in crawl["plants"] if "/stolen/" in p.url)
    assert f"record `{crawl['ids'][stolen.url]}`" in text
    assert "captured `2026-04-02T10:00:00Z`" in text
    assert "Broken records skipped: 2 truncated, 1 oversized, 1 charset, 1 unparseable." in text
    html = tmp_path / "sweep.html"
    result = CliRunner().invoke(main, ["report", summary, "--format", "html", "-o", str(html)])
    assert result.exit_code == 1
    page = html.read_text()
    assert crawl["ids"][stolen.url].replace("<", "&lt;").replace(">", "&gt;") in page
    assert '<a href="#d1">copycat.example</a>' in page
    refused = CliRunner().invoke(main, ["report", summary, "--format", "junit"])
    assert refused.exit_code == 2
    assert "renders as markdown or html, not junit" in refused.stderr


def test_jobs_and_url_inputs_give_the_same_bytes(crawl: dict, swept: dict, tmp_path: Path) -> None:
    """Two processes, and the files fetched over HTTP from a manifest: identical results."""
    with LocalServer() as server:
        for path in crawl["paths"]:
            data = Path(path).read_bytes()
            server.reply(
                f"/crawl/{Path(path).name}",
                body=data,
                headers=[("Content-Type", "application/gzip")],
            )
        manifest = tmp_path / "warc.paths.gz"
        manifest.write_bytes(
            gzip.compress("".join(f"crawl/{Path(p).name}\n" for p in crawl["paths"]).encode())
        )
        specs = expand_inputs([str(manifest)], prefix=server.url("/"))
        assert specs == [server.url(f"/crawl/{Path(p).name}") for p in crawl["paths"]]
        fetched = sweep(
            [str(manifest)],
            prefix=server.url("/"),
            policy=load_policy(crawl["policy"]),
            out=tmp_path / "url",
            index_location=crawl["index"],
            settings=SweepSettings(
                max_record_bytes=LIMIT,
                fetch=FetchSettings(allow_private=True, max_bytes=1 << 26),
            ),
        )
    assert fetched.findings == len(crawl["plants"])
    local = sweep(
        crawl["paths"],
        policy=load_policy(crawl["policy"]),
        out=tmp_path / "jobs",
        index_location=crawl["index"],
        settings=SETTINGS,
        jobs=2,
    )
    assert local.summary == swept["outcome"].summary
    for name in ("findings.jsonl", "summary.json"):
        assert (tmp_path / "jobs" / name).read_bytes() == (swept["out"] / name).read_bytes()
    # over HTTP only the file names differ
    url_lines = (tmp_path / "url" / "findings.jsonl").read_text()
    for path in crawl["paths"]:
        url_lines = url_lines.replace(server.url(f"/crawl/{Path(path).name}"), path)
    assert url_lines == (swept["out"] / "findings.jsonl").read_text()


def test_postgresql_index_gives_the_same_findings(
    crawl: dict, swept: dict, pg_dsn: str, tmp_path: Path
) -> None:
    with open_index(pg_dsn) as index:
        index.add_many(crawl["articles"])
    sweep(
        crawl["paths"],
        policy=load_policy(crawl["policy"]),
        out=tmp_path,
        index_location=pg_dsn,
        settings=SETTINGS,
    )
    assert (tmp_path / "findings.jsonl").read_bytes() == (
        swept["out"] / "findings.jsonl"
    ).read_bytes()


# --- records ---------------------------------------------------------------------------


def test_records_after_a_cut_member_are_still_read(crawl: dict, tmp_path: Path) -> None:
    path = tmp_path / "cut.warc.gz"
    with Warc(path) as warc:
        warc.response("https://a.example/1", b"<p>one</p>", request=False)
        warc.raw(truncated_member("https://broken.example/", b"<p>cut</p>" * 300))
        warc.response("https://a.example/2", b"<p>two</p>", request=False)
    with path.open("rb") as stream:
        items = list(read_records(stream, "cut"))
    assert [type(i).__name__ for i in items] == ["Record", "Skipped", "Record"]
    assert isinstance(items[1], Skipped) and items[1].reason == "truncated"
    assert [i.url for i in items if isinstance(i, Record)] == [
        "https://a.example/1",
        "https://a.example/2",
    ]


def test_uncompressed_warc_is_read(tmp_path: Path) -> None:
    gz = tmp_path / "a.warc.gz"
    with Warc(gz) as warc:
        warc.response("https://a.example/1", b"<html><p>one</p></html>")
    plain = tmp_path / "a.warc"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))
    with plain.open("rb") as stream:
        items = list(read_records(stream, "a.warc"))
    pages = [i for i in items if isinstance(i, Record)]
    assert [(p.url, p.body) for p in pages] == [("https://a.example/1", b"<html><p>one</p></html>")]


def test_manifest_paths_relative_to_the_manifest(tmp_path: Path) -> None:
    gz = tmp_path / "sub" / "a.warc.gz"
    gz.parent.mkdir()
    with Warc(gz) as warc:
        warc.response("https://a.example/1", b"<p>x</p>")
    (tmp_path / "list.txt").write_text("# crawl\nsub/a.warc.gz\n\nhttps://x.example/b.warc.gz\n")
    assert expand_inputs([str(tmp_path / "list.txt"), str(gz)]) == [
        str(gz),
        "https://x.example/b.warc.gz",
        str(gz),
    ]


# --- the first test --------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_test(crawl: dict) -> FirstTest:
    with open_index(crawl["index"], read_only=True) as index:
        return build_first_test(index)


def stored_holders(path: str) -> dict[int, int]:
    """Articles holding each fingerprint, counted in the index file's runs of chunked postings."""
    import sqlite3
    from collections import Counter

    from reprint_check.index.postings import unpack

    holders: Counter[int] = Counter()
    with contextlib.closing(sqlite3.connect(path)) as db:
        for (run,) in db.execute("SELECT run FROM runs").fetchall():
            for first, packed, ids in db.execute(f"SELECT first, hashes, ids FROM run_{run}"):
                holders.update(unpack("q", packed) if packed else [first] * (len(ids) // 4))
    return dict(holders)


def test_first_test_is_the_index_s_rare_fingerprints(crawl: dict, first_test: FirstTest) -> None:
    """Every fingerprint stored, with the number of articles holding it as the index counts,
    held as the k-gram it was made from: the reference tokens, hashed the first test's way."""
    stored = stored_holders(crawl["index"])
    # in a 10-article archive none reaches the boilerplate threshold (5 articles)
    assert max(stored.values()) < 5
    expected: dict[int, int] = {}
    for article in crawl["articles"]:
        norm = _normalize_reference(article.text).text
        tokens = _tokenize_reference(norm)
        fingerprints = _kgram_hashes_reference(tokens)
        ours = polynomials_of_hashes(
            token_spans_and_hashes(norm, [t.start for t in tokens], [t.end for t in tokens])
        )
        for h, position in _winnow_reference(fingerprints):
            expected[ours[position]] = stored[h]
    assert len(expected) == len(stored)
    assert first_test.kgrams.tolist() == sorted(expected)
    assert first_test.holders.tolist() == [expected[k] for k in sorted(expected)]


@pytest.mark.parametrize("extra", [0, 300_000])  # a small table, and one mostly full
def test_first_test_sums_evidence_as_the_index_does(extra: int) -> None:
    """One fingerprint held by 1 or 2 articles makes a candidate; held by 3, it needs company."""
    import pickle

    one, two, three_a, three_b, four = 11, 22, 33, 44, 55
    kgrams = [one, two, three_a, three_b, four]
    holders = [1, 2, 3, 3, 4]
    others = np.random.default_rng(7).integers(1000, 2**63, extra, dtype=np.uint64)
    built = FirstTest.of(
        np.array(kgrams + others.tolist(), dtype=np.uint64),
        np.array(holders + [64] * extra),
    )
    test = pickle.loads(pickle.dumps(built))

    def passes(*values: int) -> bool:
        return test.passes(np.array(values, dtype=np.uint64))

    assert len(test) == 5 + len(set(others.tolist()))
    assert passes(one, 7) and passes(two)
    assert not passes(three_a, 7, 8)
    assert not passes(three_a, three_a, 9)  # the same k-gram twice counts once
    assert passes(three_a, three_b)  # 1/3 + 1/3
    assert not passes(four)
    assert passes(four, three_a)  # 1/4 + 1/3
    assert not passes(5, 6, 7) and not passes()


def test_a_kgram_named_twice_keeps_its_fewest_holders() -> None:
    """Two fingerprints whose k-grams hash alike in the first test: the larger evidence wins."""
    test = FirstTest.of(np.array([9, 5, 9], dtype=np.uint64), np.array([4, 2, 1]))
    assert test.kgrams.tolist() == [5, 9] and test.holders.tolist() == [2, 1]
    with pytest.raises(ValueError, match="1 to MAX_EVIDENCE_ARTICLES"):
        FirstTest(np.array([1], dtype=np.uint64), np.array([65]))
    with pytest.raises(ValueError, match="sorted and distinct"):
        FirstTest(np.array([2, 1], dtype=np.uint64), np.array([1, 1]))


def test_first_test_rejects_unrelated_pages(crawl: dict, first_test: FirstTest) -> None:
    for _url, html in crawl["unrelated"]:
        assert not first_test.passes_text(visible_words(html) or "")


def _tokens(text: str) -> list[int]:
    return token_hashes(normalized_text(text))


def _texts(words: Words | None) -> list[str]:
    assert words is not None
    return [words.visible, words.revealed]


def _revealed_tokens(html: str) -> list[int]:
    """The tokens of the text the audit reveals, in the order it looks them up."""
    return _tokens(" ".join(r.text for r in page_from_html(html, "x").revealed))


@pytest.mark.parametrize(
    "html",
    [
        # a "Read more" block, a tab panel, a collapsed section, between visible words
        "<p>Shown</p><div class='read-more' style='display:none'><p>rest of</p>the story</div>"
        "<p>more shown</p><div role=tabpanel hidden>second tab</div>"
        "<section class=collapsed style='visibility:hidden'>folded <b>away</b></section>",
        # furniture stays out, hidden or not: a menu, a form inside a hidden block, a
        # hidden block inside a cookie banner, a closed dialog, a template
        "<nav><ul hidden><li>menu entry</li></ul></nav><div hidden>kept <form>not</form>"
        "words</div><div class='cookie-banner'><p hidden>consent text</p></div>"
        "<dialog>closed dialog</dialog><template><div hidden>template</div></template>",
        # an <svg> hidden by its own display:none is revealed, one under visibility:hidden not
        "<svg style='display:none'><text>logo claim</text></svg><p>Shown</p>"
        "<svg style='visibility:hidden'><text>never</text></svg><div hidden>after</div>",
        # visibility:hidden with a descendant shown again, a hidden one inside that
        "<div style='visibility:hidden'>one <b style='visibility:visible'>two "
        "<i hidden>deep</i></b> three</div><p>four</p>",
        # words glued across inline markup, and a script, a style inside the hidden block
        "<p>Wo<span hidden>r<b>d</b>s<script>x()</script><style>p{}</style> glued</span></p>",
        # structured data: JSON-LD (plain and HTML bodies, a duplicate, a non-article), microdata
        '<head><script type=\'application/ld+json\'>{"@type": "NewsArticle", '
        '"articleBody": "Plain body\\nsecond line"}</script>'
        '<script type=\'application/ld+json\'>[{"@type": "Person", "articleBody": "no"},'
        '{"@type": "BlogPosting", "articleBody": "<p>Html</p><p>body</p>"}]</script>'
        '<script type=\'application/ld+json\'>{"@type": "NewsArticle", '
        '"articleBody": "Plain body\\nsecond line"}</script></head>'
        "<body><div hidden>hidden first</div>"
        "<meta itemprop='articleBody' content='micro &amp; data'></body>",
    ],
)
def test_page_words_reveal_the_audit_s_revealed_tokens(html: str) -> None:
    words = page_words(html)
    assert words is not None
    assert _tokens(words.visible) == _tokens(page_from_html(html, "x").text)
    assert _tokens(words.revealed) == _revealed_tokens(html)
    assert _tokens(words.revealed)


def test_a_page_with_nothing_out_of_sight_reveals_nothing() -> None:
    words = page_words("<p>Shown <span style='display:block'>all</span></p><nav hidden>m</nav>")
    assert words == Words(words.visible if words else "", "")


def test_visible_words_has_the_audit_s_tokens_on_hostile_markup() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<p>Wo<b>rd</b> split<span style='display:none'> hidden </span>glued</p>"
        "<div hidden>gone</div><div hidden style='display:block'>shown</div>"
        "<ul><li>one</li><li>two</li></ul><noscript><div>ns</noscript>after"
        "<table><tr><td>a</td><td>b</td></tr></table>x<br>y<dialog>closed</dialog>"
        "<dialog open>open</dialog><template>tpl</template><svg><text>s</text></svg>"
        "<p>be<dialog style='color:red'>closed, styled</dialog>tween</p>"
        "<textarea>ta</textarea><select><option>o</option></select>"
        "<p>caf\u00e9 \u200bzero<!-- a comment -->width</p></body></html>"
    )
    words = visible_words(html)
    assert words is not None
    assert _tokens(words) == _tokens(page_from_html(html, "x").text)


@pytest.mark.parametrize(
    "html",
    [
        # a stray </html> after the head: libxml2 starts a second <html> for the body
        "<html><head><title>t</title></head></html><body><p>Body words here</p></body></html>",
        # a banner written after </html>
        "<html><body><p>Story</p></body></html><div>Listed on the <a href=x>wiki</a></div>",
        # a hidden element beside the root, its tail still shown
        "<html><body><p>Story</p></body></html><div hidden>gone</div>tail <b>words</b>",
        # a hidden root: nothing of it shows, what follows it does
        "<html style='display:none'><body><p>gone</p></body></html><p>After the page</p>",
    ],
)
def test_visible_words_reads_content_beside_the_root(html: str) -> None:
    words = visible_words(html)
    assert words is not None
    assert _tokens(words) == _tokens(page_from_html(html, "x").text)
    assert _tokens(words)


def test_visibility_hidden_hides_text_a_descendant_can_show_again() -> None:
    html = (
        "<p>one <span style='visibility:hidden'>two <b>three</b> "
        "<i style='visibility: visible'>four <u>five</u></i> six</span> seven</p>"
        "<div style='VISIBILITY:collapse'><p>eight</p>nine</div><p>ten</p>"
    )
    words = visible_words(html)
    assert words is not None
    assert words.split() == ["one", "four", "five", "seven", "ten"]
    assert _tokens(words) == _tokens(page_from_html(html, "x").text)


def test_text_with_control_characters_goes_to_the_full_audit() -> None:
    assert visible_words("<p>bell\x07</p><div>x</div>") is None


def test_markup_nested_deeper_than_libxml2_allows_goes_to_the_full_audit() -> None:
    # libxml2 stops building the tree at its depth limit; the audit reads on
    html = "<p>Intro " + "<div>" * 2100 + "deep words the harbour reopened after the storm"
    assert "harbour reopened" in page_from_html(html, "x").text
    assert visible_words(html) is None


_PIECES = st.sampled_from(
    ["<b>", "</b>", "<span style='display:none'>zz</span>", "<span style='visibility:hidden'>",
     "<span style='display:none'>", "<span hidden class='read-more'>", "<nav>", "</nav>",
     "</span>", "<em style='visibility:visible'>", "</em>", "<p>", "</p>", "<br>", "<li>",
     "<div hidden>hh</div>", "<!-- c -->", "<a href='/x'>", "</a>", "<i>", "</i>", "\n",
     "<noscript>ns</noscript>", "<script>s</script>", "&amp;", "&nbsp;", "\u00ad"]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_page_with_a_finding_always_passes_the_first_test(
    data: st.DataObject, crawl: dict, first_test: FirstTest
) -> None:
    """Archive text cut up and wrapped in random markup, shown or kept out of sight (a hidden
    "Read more" block, JSON-LD, microdata): every page with a finding passes the test.

    And, stronger, the first test's words are the audit's tokens exactly, the
    visible ones and the revealed ones.
    """
    articles = crawl["articles"]
    article = articles[data.draw(st.integers(0, len(articles) - 1))]
    words = article.text.split()
    start = data.draw(st.integers(0, len(words) - 20))
    length = data.draw(st.integers(6, 60))
    pieces = []
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for word in words[start : start + length]:
        pieces.append(word)
        if rng.random() < 0.3:
            pieces.append(data.draw(_PIECES))
        pieces.append(" " if rng.random() < 0.9 else "")
    copy = "".join(pieces)
    layout = data.draw(st.sampled_from(["shown", "read-more", "json-ld", "microdata"]))
    body, head = f"<p>{copy}</p>", ""
    if layout == "read-more":
        body = f"<div class='read-more' style='display:none'><p>{copy}</p></div>"
    elif layout == "json-ld":
        story = json.dumps({"@type": "NewsArticle", "articleBody": copy}).replace("</", "<\\/")
        head = f"<script type='application/ld+json'>{story}</script>"
    elif layout == "microdata":
        head = f"<meta itemprop=articleBody content='{html_lib.escape(copy)}'>"
    html = f"<html><head>{head}</head><body><p>Intro text here.</p>{body}</body></html>"
    page = page_from_html(html, "https://elsewhere.example/p")
    words = page_words(html)
    if words is not None:
        assert _tokens(words.visible) == _tokens(page.text)
        assert _tokens(words.revealed) == _revealed_tokens(html)
    with open_index(crawl["index"], read_only=True) as index:
        result = audit_page(page, index, load_policy(crawl["policy"]))
    if result.sources:
        assert words is None or first_test.passes_text(words.visible, words.revealed)


def test_every_audited_page_with_a_finding_passes(crawl: dict, first_test: FirstTest) -> None:
    """The planted pages and the unrelated ones, audited in full: findings imply a pass."""
    policy = load_policy(crawl["policy"])
    with open_index(crawl["index"], read_only=True) as index:
        pages = [(p.url, html) for p, html in plants(crawl["articles"]) if p.kind == "html"]
        for url, html in [*pages, *crawl["unrelated"]]:
            assert isinstance(html, str)
            result = audit_page(page_from_html(html, url), index, policy)
            assert bool(result.sources) == first_test.passes_text(*_texts(page_words(html))), url
