"""The same inputs give the same report, byte for byte.

CI compares reports between runs and editors diff them, so the JSON must not
depend on anything but the inputs: not on the run, not on Python's string
hash seed (set and dict order), not on the order the index was built in
(article ids), and not on ``--jobs``. Each case runs the installed command in
fresh processes. The archive and partner pages are the project's fictional
examples/; the mirror copies below are fiction too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ARCHIVE = EXAMPLES / "archive.jsonl"
TARGETS = sorted(str(p) for p in (EXAMPLES / "suspects").iterdir() if p.is_file())


def cli(*args: str, seed: str = "0") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "reprint_check.cli", *args],
        capture_output=True, cwd=ROOT, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return done


def records() -> list[dict]:
    """The fictional archive, plus two mirror copies of one story under other URLs.

    The mirrors make attribution a tie: the same text in three articles must go
    to the same one whatever order (and so whatever ids) they were stored in.
    """
    stories = [json.loads(line) for line in ARCHIVE.read_text(encoding="utf-8").splitlines()]
    mirrors = [
        {**stories[0], "url": f"https://mirror-{name}.example/copied-story/"}
        for name in ("one", "two")
    ]
    return stories + mirrors


def build(folder: Path, order: list[dict], *, split: bool = False) -> str:
    """An index of ``order``: one JSONL in one run, or three JSONL files in three runs."""
    index = str(folder / "index.sqlite")
    exports = []
    chunks = [order[i : i + 4] for i in range(0, len(order), 4)] if split else [order]
    for i, chunk in enumerate(chunks):
        path = folder / f"part-{i:02d}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
        exports.append(str(path))
    for batch in [[e] for e in exports] if split else [exports]:
        done = cli("index", "add", *batch, "--index", index)
        assert done.returncode == 0, done.stderr.decode()
    return index


def audit_json(index: str | None, *extra: str, seed: str = "0") -> bytes:
    where = ("--index", index) if index else ()
    done = cli("audit", *TARGETS, *where, "--format", "json", *extra, seed=seed)
    assert done.returncode == 1, done.stderr.decode()  # the examples include violations
    return done.stdout


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("in-order"), records())


@pytest.fixture(scope="module")
def reference(index: str) -> bytes:
    report = audit_json(index, "--include-text")
    # the tie of the mirrors is decided, and the report is worth comparing
    statuses = [t["status"] for t in json.loads(report)["targets"]]
    assert statuses.count("violation") >= 5
    return report


def test_two_runs_give_the_same_bytes(index: str, reference: bytes) -> None:
    assert audit_json(index, "--include-text") == reference


def test_the_string_hash_seed_changes_nothing(index: str, reference: bytes) -> None:
    assert audit_json(index, "--include-text", seed="12345") == reference


def test_jobs_change_nothing(index: str, reference: bytes) -> None:
    # the reference ran with the default, --jobs 1
    assert audit_json(index, "--include-text", "--jobs", "2") == reference


@pytest.mark.parametrize("how", ["reversed", "in-three-runs", "shuffled-in-three-runs"])
def test_the_order_the_index_was_built_in_changes_nothing(
    tmp_path: Path, reference: bytes, how: str
) -> None:
    order = records()
    if how == "reversed":
        order.reverse()
    elif how == "shuffled-in-three-runs":
        order = order[3:] + order[:3]
        order[0], order[-1] = order[-1], order[0]
    index = build(tmp_path, order, split=how != "reversed")

    assert audit_json(index, "--include-text") == reference


def test_rebuilding_over_the_same_index_changes_nothing(tmp_path: Path, reference: bytes) -> None:
    index = build(tmp_path, records())
    again = cli("index", "add", str(tmp_path / "part-00.jsonl"), "--index", index)
    assert again.returncode == 0

    assert audit_json(index, "--include-text") == reference


def test_one_off_sources_give_the_same_bytes_as_an_index(tmp_path: Path) -> None:
    export = tmp_path / "archive.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in records()), encoding="utf-8")
    with_index = audit_json(build(tmp_path, records()))
    one_off = [audit_json(None, "--source", str(export), seed=seed) for seed in ("0", "99")]
    one_off_jobs = audit_json(None, "--source", str(export), "--jobs", "2")

    assert one_off[0] == one_off[1] == one_off_jobs == with_index


def test_the_markdown_report_is_stable_too(index: str) -> None:
    runs = [
        cli("audit", *TARGETS, "--index", index, "--format", "markdown", seed=seed).stdout
        for seed in ("0", "7")
    ]
    assert runs[0] == runs[1]
    assert runs[0]
