"""The command line as users and CI see it: output, exit codes, one-line errors.

The examples/ archive and suspect pages are fiction written for the project.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SUSPECTS = EXAMPLES / "suspects"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))["targets"]


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("idx") / "index.sqlite"
    result = run("index", "add", str(EXAMPLES / "archive"), "--index", str(path))
    assert result.exit_code == 0, result.output
    return str(path)


@pytest.fixture(scope="module")
def report(index: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("out") / "report.json"
    targets = [str(SUSPECTS / name) for name in sorted(EXPECTED)]
    result = run("audit", *targets, "--index", index, "--format", "json", "-o", str(out))
    assert result.exit_code == 1
    return {Path(t["target"]).name: t for t in json.loads(out.read_text())["targets"]}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_gets_its_expected_verdict(report: dict, name: str) -> None:
    want, got = EXPECTED[name], report[name]
    assert got["status"] == want["status"]
    got_sources = {s["url"]: s for s in got["sources"]}
    assert set(got_sources) == {s["url"] for s in want["sources"]}
    for source in want["sources"]:
        found = got_sources[source["url"]]
        assert found["reused_chars"] == source["reused_chars"]
        assert {v["code"] for v in found["violations"]} == set(source["violations"])


def test_jsonl_export_gives_the_same_verdicts_as_the_html_pages(tmp_path: Path) -> None:
    path = str(tmp_path / "jsonl.sqlite")
    assert run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", path).exit_code == 0
    out = tmp_path / "r.json"
    result = run("audit", str(SUSPECTS / "too-long.html"), "--index", path, "--format", "json",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 1
    (source,) = json.loads(out.read_text())["targets"][0]["sources"]
    assert source["reused_chars"] == EXPECTED["too-long.html"]["sources"][0]["reused_chars"]


def test_exit_code_zero_when_compliant(index: str) -> None:
    result = run("audit", str(SUSPECTS / "compliant.html"), "--index", index, "--no-color")
    assert result.exit_code == 0
    assert "compliant" in result.output


def test_exit_code_three_when_a_target_fails_and_none_violates(index: str, tmp_path: Path) -> None:
    broken = tmp_path / "saved.html.gz"
    broken.write_bytes(b"not gzip at all")  # read, but cannot be parsed: not the user's typo
    result = run("audit", str(broken), str(SUSPECTS / "compliant.html"),
                 "--index", index, "--format", "json")  # fmt: skip
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [t["status"] for t in data["targets"]] == ["error", "compliant"]
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"reprint-check: {broken}: not a valid gzip file")


def test_exit_code_two_when_a_target_file_is_missing(index: str, tmp_path: Path) -> None:
    result = run("audit", str(tmp_path / "nope.html"), str(SUSPECTS / "compliant.html"),
                 "--index", index, "--format", "json")  # fmt: skip
    assert result.exit_code == 2  # bad input, yet the other target is still audited
    data = json.loads(result.stdout)
    assert [t["status"] for t in data["targets"]] == ["error", "compliant"]


def test_bad_policy_is_exit_two_with_one_line_naming_file_and_key(
    index: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[policy]\nname = "x"\n[excerpt]\nmax_chars = "500"\n', encoding="utf-8")
    result = run("audit", str(SUSPECTS / "compliant.html"), "--index", index, "--policy", str(bad))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "bad.toml" in line and "excerpt.max_chars" in line


def test_missing_index_is_exit_two(tmp_path: Path) -> None:
    result = run("audit", str(SUSPECTS / "compliant.html"), "--index", str(tmp_path / "no.sqlite"))
    assert result.exit_code == 2
    assert "no index here" in result.stderr


def test_one_off_source_and_standard_input(tmp_path: Path) -> None:
    page = (SUSPECTS / "link-missing.html").read_bytes()
    result = run("audit", "-", "--source", str(EXAMPLES / "archive.jsonl"), "--format", "json",
                 input=page)  # fmt: skip
    assert result.exit_code == 1
    (target,) = json.loads(result.stdout)["targets"]
    assert target["target"] == "-"
    assert [v["code"] for v in target["sources"][0]["violations"]] == ["LINK_MISSING"]


def test_include_text_adds_the_page_text(index: str) -> None:
    result = run("audit", str(SUSPECTS / "story.txt"), "--index", index, "--format", "json",
                 "--include-text")  # fmt: skip
    (target,) = json.loads(result.stdout)["targets"]
    text = (SUSPECTS / "story.txt").read_bytes().decode("utf-8")
    assert target["text"] == text
    for p in target["sources"][0]["passages"]:
        assert text[p["target_start"] : p["target_end"]] == p["text"]


def test_json_output_is_deterministic(index: str) -> None:
    args = ["audit", *map(str, sorted(SUSPECTS.iterdir())), "--index", index, "--format", "json"]
    assert run(*args).stdout == run(*args).stdout


def test_index_stats_list_and_remove(tmp_path: Path) -> None:
    path = str(tmp_path / "i.sqlite")
    run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", path)
    stats = run("index", "stats", "--index", path)
    assert "articles: 10" in stats.output
    listing = run("index", "list", "--index", path).output.splitlines()
    assert len(listing) == 10
    url = listing[0].split("\t")[0]
    assert run("index", "remove", url, "--index", path).exit_code == 0
    assert "articles: 9" in run("index", "stats", "--index", path).output
    assert run("index", "remove", url, "--index", path).exit_code == 2


def test_index_add_reports_bad_sources_and_goes_on(tmp_path: Path) -> None:
    export = tmp_path / "mixed.jsonl"
    export.write_text(
        '{"url": "https://x.example/a", "text": "A short fictional story about a harbour."}\n'
        "not json at all\n"
        '{"title": "no url"}\n',
        encoding="utf-8",
    )
    result = run("index", "add", str(export), "--index", str(tmp_path / "i.sqlite"))
    assert result.exit_code == 3  # the good line is indexed; lines that cannot be parsed: 3
    errors = result.stderr.strip().splitlines()
    assert any("mixed.jsonl:2" in e and "not JSON" in e for e in errors)
    assert any("mixed.jsonl:3" in e for e in errors)
    assert "1 article(s) indexed" in errors[-1]


def test_policy_commands() -> None:
    listing = run("policy", "list").output
    assert "euromaidan-press" in listing and "default" in listing
    shown = run("policy", "show", "euromaidan-press")
    assert shown.exit_code == 0
    assert "500" in shown.output
    assert run("policy", "check", str(ROOT / "rules" / "default.toml")).exit_code == 0


def test_installed_command_never_prints_a_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(bytes(range(256)) * 100)
    result = subprocess.run(
        [sys.executable, "-m", "reprint_check.cli", "audit", str(garbage), "--source",
         str(EXAMPLES / "archive.jsonl")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 3)


def test_report_command_renders_and_merges_stored_reports(index: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run("audit", str(SUSPECTS / "too-long.html"), "--index", index, "--format", "json",
        "-o", str(first))  # fmt: skip
    run("audit", str(SUSPECTS / "compliant.html"), "--index", index, "--format", "json",
        "-o", str(second))  # fmt: skip
    html = tmp_path / "r.html"
    result = run("report", str(first), str(second), "--format", "html", "-o", str(html),
                 "--index", index)  # fmt: skip
    assert result.exit_code == 1, result.output  # the report holds a violation
    page = html.read_text(encoding="utf-8")
    assert "EXCERPT_TOO_LONG" in page and "too-long.html" in page and "compliant.html" in page
    csv_out = run("report", str(first), str(second), "--format", "csv").stdout
    assert len(csv_out.strip().splitlines()) == 3  # header + one row per target × source
    assert "EXCERPT_TOO_LONG" in run("report", str(first), "--format", "markdown").stdout


def test_report_command_refuses_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"schema": "something-else"}', encoding="utf-8")
    result = run("report", str(bogus), "--format", "html")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "bogus.json" in line


def test_permissions_follow_the_targets_own_url(index: str, tmp_path: Path) -> None:
    policy = tmp_path / "licensed.toml"
    policy.write_text(
        '[policy]\nname = "licensed"\n[[permissions]]\ndomain = "partner.example"\n'
        'max_chars = 0\nnote = "licence 2026-01"\n',
        encoding="utf-8",
    )
    html = (SUSPECTS / "too-long.html").read_text(encoding="utf-8")
    html = re.sub(r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>', "", html)
    plain = tmp_path / "copy.html"
    plain.write_text(html, encoding="utf-8")
    declared = tmp_path / "declared.html"
    declared.write_text(
        html.replace(
            "<head>", '<head><meta property="og:url" content="https://partner.example/a">'
        ),
        encoding="utf-8",
    )

    def status(path: Path, *extra: str) -> int:
        args = ["audit", str(path), "--index", index, "--policy", str(policy), *extra]
        return run(*args, "--format", "json").exit_code

    assert status(plain) == 1  # no permission applies: the limit holds
    assert status(declared) == 0  # the page says it lives on the licensed partner's site
    assert status(plain, "--as-url", "https://www.partner.example/story") == 0


def test_jobs_give_the_same_report_byte_for_byte(index: str) -> None:
    targets = [str(p) for p in sorted(SUSPECTS.iterdir())]
    one = run("audit", *targets, "--index", index, "--format", "json", "--jobs", "1")
    two = run("audit", *targets, "--index", index, "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    sources = run("audit", *targets, "--source", str(EXAMPLES / "archive.jsonl"),
                  "--format", "json", "--jobs", "2")  # fmt: skip
    assert sources.stdout == one.stdout
