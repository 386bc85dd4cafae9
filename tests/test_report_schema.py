"""The shipped JSON Schema (reprint_check/report/schema/report-v1.schema.json) is the v1 contract.

Every key the JSON renderer can write is described there, and nothing else;
the bundled examples' reports validate; a report with a key the schema does
not know does not; and the watch in tests/conftest.py really sees the
renderer's output. The examples are the project's own fiction.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

import reprint_check
from reprint_check.cli import main
from reprint_check.models import (
    DecidingRule,
    Evidence,
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)
from reprint_check.report import json as json_report
from reprint_check.report import render
from tests.report_schema import SCHEMA, WATCH, problems, report_files

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SUSPECTS = EXAMPLES / "suspects"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))["targets"]
CODE = re.compile(r"^[A-Z]+(?:_[A-Z]+)+$")

# A report with every optional key the renderer knows, in fictional values.
FULL = Report(
    policy=PolicySummary(name="default", max_chars=500, count="total"),
    targets=(
        TargetResult(
            target="https://partner.example/harbour-story",
            status="violation",
            title="Harbour story",
            sources=(
                SourceFinding(
                    url="https://publisher.example/2026/03/harbour/",
                    title="The harbour reopens",
                    reused_chars=612,
                    limit=500,
                    article_chars=2100,
                    passages=(
                        Passage(0, 612, 40, 652, 612, 0.98765, "The harbour reopened…"),
                        Passage(700, 760, 900, 960, 60, 1.0, "“We are back,” she said.", True),
                        Passage(
                            800,
                            1000,
                            1200,
                            1390,
                            200,
                            0.91,
                            "Der Hafen…",
                            match="translation",
                            lang="de",
                            verbatim=(
                                Passage(900, 950, 1290, 1340, 50, 1.0, "“Open,” he said.", True),
                            ),
                        ),
                        Passage(1100, 1190, 1500, 1590, 90, 1.0, "The quay…", hidden="tab-panel"),
                    ),
                    link=LinkEvidence(
                        found=True,
                        href="https://publisher.example/2026/03/harbour/",
                        active=True,
                        followable=False,
                        paragraph=2,
                        problems=('rel="nofollow"',),
                    ),
                    violations=(Violation("EXCERPT_TOO_LONG", "612 characters reused."),),
                    notes=("1 passage (60 characters) is a quotation and not counted.",),
                    rewritten_chars=200,
                    rule=DecidingRule(
                        kind="permission",
                        policy="default",
                        domain="partner.example",
                        max_chars=400,
                        until="2027-06-30",
                        note="licence agreement 2024-03",
                    ),
                ),
            ),
            text="The harbour reopened…",
            evidence=Evidence(
                url="https://partner.example/harbour-story",
                captured_at="2026-03-02T08:15:00Z",
                warc_file="evidence/reprint-check-20260302T081500Z-1.warc.gz",
                record_id="<urn:uuid:0f6b1c9e-3d2a-4c5b-8e7f-1a2b3c4d5e6f>",
                sha256="0123456789abcdef" * 4,
            ),
        ),
        TargetResult(target="missing.html", status="error", error="missing.html: no such file"),
    ),
)


def full_document() -> dict[str, Any]:
    return json.loads(json_report.render(FULL, include_text=True))


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- the schema and the renderer agree --------------------------------------------------


def test_the_schema_is_valid_draft_2020_12_and_ships_with_the_package() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["properties"]["schema"]["const"] == json_report.SCHEMA
    shipped = Path(reprint_check.__file__).parent / "report" / "schema" / "report-v1.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == SCHEMA
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"report/schema/*.json"' in pyproject  # so a wheel carries it


def _key_paths(document: Any, path: str = "$") -> Iterator[str]:
    """Every object key's path, list positions written as [] (one shape per level)."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield f"{path}.{key}"
            yield from _key_paths(value, f"{path}.{key}")
    elif isinstance(document, list):
        for item in document:
            yield from _key_paths(item, f"{path}[]")


def _schema_paths(node: dict[str, Any], path: str = "$") -> Iterator[str]:
    if "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
    for key, sub in node.get("properties", {}).items():
        yield f"{path}.{key}"
        yield from _schema_paths(sub, f"{path}.{key}")
    if isinstance(node.get("items"), dict):
        yield from _schema_paths(node["items"], f"{path}[]")


def test_the_schema_describes_exactly_the_keys_the_renderer_writes() -> None:
    written = set(_key_paths(full_document()))
    described = set(_schema_paths(SCHEMA))
    assert written == described
    assert problems(full_document()) == []


def test_every_object_refuses_keys_it_does_not_describe() -> None:
    def objects(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if node.get("type") == "object":
            yield node
        for sub in node.get("$defs", {}).values():
            yield from objects(sub)

    found = list(objects(SCHEMA))
    assert len(found) == 10  # report, policy, target, evidence, source, rule, passage,
    # verbatimPassage, link, violation
    assert all(node["additionalProperties"] is False for node in found)


SOURCE = ("targets", 0, "sources", 0)


@pytest.mark.parametrize(
    ("where", "keys"),
    [
        ("$", ()),
        ("$.policy", ("policy",)),
        ("$.targets[0]", ("targets", 0)),
        ("$.targets[0].evidence", ("targets", 0, "evidence")),
        ("$.targets[0].sources[0]", SOURCE),
        ("$.targets[0].sources[0].passages[1]", (*SOURCE, "passages", 1)),
        (
            "$.targets[0].sources[0].passages[2].verbatim[0]",
            (*SOURCE, "passages", 2, "verbatim", 0),
        ),
        ("$.targets[0].sources[0].rule", (*SOURCE, "rule")),
        ("$.targets[0].sources[0].link", (*SOURCE, "link")),
        ("$.targets[0].sources[0].violations[0]", (*SOURCE, "violations", 0)),
    ],
)
def test_a_report_with_an_unknown_key_does_not_validate(
    where: str, keys: tuple[str | int, ...]
) -> None:
    document = full_document()
    node: Any = document
    for key in keys:
        node = node[key]
    node["generator"] = "a renderer that forgot the schema"
    assert problems(document) == [
        f"{where}: Additional properties are not allowed ('generator' was unexpected)"
    ]


def _source(d: dict[str, Any]) -> dict[str, Any]:
    source: dict[str, Any] = d["targets"][0]["sources"][0]
    return source


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d: d["targets"][0].update(status="fine"),
         "$.targets[0].status: 'fine' is not one of"),
        (lambda d: _source(d)["violations"][0].update(code="TOO_LONG"),
         "$.targets[0].sources[0].violations[0].code: 'TOO_LONG' is not one of"),
        (lambda d: _source(d).pop("link"),
         "$.targets[0].sources[0]: 'link' is a required property"),
        (lambda d: _source(d)["passages"][0].update(chars=-1),
         "$.targets[0].sources[0].passages[0].chars: -1 is less than the minimum of 0"),
        (lambda d: _source(d)["passages"][0].update(quotation=False),
         "$.targets[0].sources[0].passages[0].quotation: True was expected"),
        (lambda d: _source(d).update(notes=[]),
         "$.targets[0].sources[0].notes: [] should be non-empty"),
        (lambda d: d["targets"][0]["evidence"].update(sha256="AB" * 32),
         "$.targets[0].evidence.sha256: 'ABAB"),
        (lambda d: _source(d).update(violations=[]),
         "$.targets[0].sources: "),  # a violation with nothing violated
        (lambda d: d["targets"][1].update(error=None),
         "$.targets[1].error: None is not of type"),
        (lambda d: d["targets"][0].update(error="late"),
         "$.targets[0].error: 'late' is not of type"),
        (lambda d: d["policy"].update(count="sum"),
         "$.policy.count: 'sum' is not one of"),
    ],
)  # fmt: skip
def test_a_report_that_breaks_the_contract_does_not_validate(edit: Any, problem: str) -> None:
    document = full_document()
    edit(document)
    (found,) = problems(document)
    assert found.startswith(problem)


def test_statuses_are_the_renderers() -> None:
    assert SCHEMA["$defs"]["target"]["properties"]["status"]["enum"] == list(json_report.STATUSES)


def _emitted_codes() -> set[str]:
    """Codes written in the package: ``Violation("CODE", …)``, ``("CODE", message)`` pairs
    and constants named after their code."""
    message = ast.JoinedStr | ast.Constant | ast.BinOp | ast.Name
    codes: set[str] = set()
    for path in (ROOT / "reprint_check").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            first = None
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Violation":
                first = node.args[0] if node.args else None
            elif (
                isinstance(node, ast.Tuple)
                and len(node.elts) == 2
                and isinstance(node.elts[1], message)
            ):
                first = node.elts[0]
            elif (  # a code named after itself: TRANSLATED_COPY = "TRANSLATED_COPY"
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.value, ast.Constant)
                and getattr(node.targets[0], "id", None) == node.value.value
            ):
                first = node.value
            if isinstance(first, ast.Constant) and CODE.match(str(first.value)):
                codes.add(first.value)
    return codes


def test_violation_codes_are_the_ones_the_package_writes_and_the_readme_lists() -> None:
    in_schema = set(SCHEMA["$defs"]["violation"]["properties"]["code"]["enum"])
    assert _emitted_codes() == in_schema
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Violation codes", 1)[1].split("\n#", 1)[0]
    assert set(re.findall(r"`([A-Z]+(?:_[A-Z]+)+)`", section)) == in_schema
    page = (ROOT / "docs" / "report-format.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in page for code in in_schema)


# --- the bundled examples ---------------------------------------------------------------


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("schema-idx") / "index.sqlite"
    assert run("index", "add", str(EXAMPLES / "archive"), "--index", str(path)).exit_code == 0
    return str(path)


def test_the_examples_report_validates_as_the_installed_command_writes_it(
    index: str, tmp_path: Path
) -> None:
    out = tmp_path / "examples.json"
    targets = [str(SUSPECTS / name) for name in sorted(EXPECTED)]
    done = subprocess.run(
        [sys.executable, "-m", "reprint_check.cli", "audit", *targets, "--index", index,
         "--format", "json", "--include-text", "-o", str(out)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert problems(document) == []
    assert [Path(t["target"]).name for t in document["targets"]] == sorted(EXPECTED)
    assert {Path(t["target"]).name: t["status"] for t in document["targets"]} == {
        name: want["status"] for name, want in EXPECTED.items()
    }


def _policy_file(folder: Path, changes: dict[str, dict[str, Any]]) -> Path:
    lines = ['[policy]\nname = "variant"']
    for table, keys in changes.items():
        lines.append(f"[{table}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in keys.items())
    path = folder / "variant.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


VARIANTS = [
    (name, number)
    for name, want in sorted(EXPECTED.items())
    for number in range(len(want.get("variants", [])))
]


@pytest.mark.parametrize(("name", "number"), VARIANTS)
def test_each_example_variant_report_validates(
    index: str, tmp_path: Path, name: str, number: int
) -> None:
    variant = EXPECTED[name]["variants"][number]
    policy = _policy_file(tmp_path, variant["policy"])
    result = run("audit", str(SUSPECTS / name), "--index", index, "--policy", str(policy),
                 "--format", "json")  # fmt: skip
    document = json.loads(result.stdout)
    assert problems(document) == []
    assert document["targets"][0]["status"] == variant["status"]


# --- the watch in conftest.py -----------------------------------------------------------


def test_the_watch_sees_every_way_the_json_renderer_is_reached(tmp_path: Path) -> None:
    target = FULL.targets[0]
    quiet = replace(target, sources=(replace(target.sources[0], violations=()),))
    report = replace(FULL, targets=(quiet,))  # "violation", with nothing violated
    with WATCH.expecting_failures() as seen:
        json_report.render(report)
        render(report, "json")
        run("report", str(_stored(tmp_path, report)), "--format", "json")
    assert len(seen) == 3
    assert all("$.targets[0].sources: " in failure for failure in seen)


def _stored(folder: Path, report: Report) -> Path:
    """A report file as an older writer might have left it: readable, but not valid v1."""
    path = folder / "stored.txt"  # not .json, so the end-of-session scan leaves it alone
    path.write_text(json.dumps(json_report.to_dict(report)), encoding="utf-8")
    return path


def test_the_end_of_session_scan_finds_report_files_that_break_the_schema() -> None:
    document = full_document()
    document["targets"][0]["generator"] = "x"
    with tempfile.TemporaryDirectory() as folder:  # outside pytest's folder: the real scan skips it
        root = Path(folder)
        (root / "deep").mkdir()
        (root / "deep" / "bad.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
        (root / "cut.json").write_text(json_report.render(FULL)[:200], encoding="utf-8")
        (root / "state.json").write_text('{"items": {}}', encoding="utf-8")
        (root / "good.json").write_text(json_report.render(FULL), encoding="utf-8")
        found = {path.name: document for path, document in report_files(root)}
    assert set(found) == {"bad.json", "cut.json", "good.json"}
    assert found["cut.json"] is None
    assert problems(found["bad.json"]) != []
    assert problems(found["good.json"]) == []
