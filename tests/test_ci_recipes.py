"""The CI recipes in examples/ci/ run as written, so they cannot rot unnoticed.

Each recipe's shell steps are taken from its YAML and run with bash the way
the CI system runs them, in a fresh folder, with the recipe's own variables:
GitHub Actions runs each ``run:`` step on its own with ``bash -eo pipefail``
and stops the job at the first failing step; GitLab runs ``before_script``
and ``script`` in one shell with ``set -eo pipefail`` and turns the exit codes
listed under ``allow_failure: exit_codes`` into "passed with warnings".
``uses:`` steps (checkout, cache, upload) are the CI system's own and are not
run. ``pip`` is a stand-in that records what it was asked to install (no
network); ``reprint-check`` is the installed command. The publisher and the
partner are fiction written for this test; the one item that must be fetched
points at a loopback address, which the recipe's audit refuses without ever
connecting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from junitparser import Error, Failure, JUnitXml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "examples" / "ci"
BIN = Path(sys.executable).parent  # where the installed reprint-check command lives

PIER = "https://harbour-gazette.example/2026/04/north-pier/"
MARKET = "https://harbour-gazette.example/2026/04/night-market/"
ARTICLES = {
    PIER: (
        "Council to rebuild the north pier",
        [
            "The harbour council voted on Tuesday to rebuild the north pier before the autumn "
            "storms, after divers found cracks running along its oldest stone section.",
            "Work will start in May and last eleven weeks, during which the island ferry will "
            "dock at the fish quay instead, the council said in a short statement.",
            "Fishermen welcomed the decision but asked for the fish quay to stay open at night "
            "while the ferry uses it, so that early catches can still be landed on time.",
            "The pier was built in 1911 and last repaired in 1987. Its new deck will be laid "
            "with recycled planks that stand up to salt water better than the old timber.",
        ],
    ),
    MARKET: (
        "Night market returns to the old rope works",
        [
            "The night market returns to the old rope works on the first Friday of June, with "
            "forty stalls of food, second-hand books and boat gear from across the bay.",
            "Organisers said the lanterns strung between the chimneys last year drew twice the "
            "expected crowd, and that this year the stalls will stay open until midnight.",
            "A shuttle bus will run from the station every twenty minutes, and the car park by "
            "the slipway will close to traffic from six in the evening on market nights.",
        ],
    ),
}


def html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


# Partner items: the whole body in the feed (so the audit reads it without fetching), or a
# bare link that must be fetched.
REPRINT = (  # the whole pier story, no link back: a violation
    "pier-reprint",
    "<p>From our harbour desk.</p>" + html(ARTICLES[PIER][1]) + "<p>More soon.</p>",
)
QUOTE = (  # one paragraph of the market story with an active link to it: compliant
    "market-quote",
    "<p>Good news for Friday nights in our town.</p>"
    f"<blockquote>{ARTICLES[MARKET][1][0]}</blockquote>"
    f'<p>Read the <a href="{MARKET}">whole story at the Harbour Gazette</a>.</p>'
    "<p>Our own reporter will be there with a camera.</p>"
    "<p>Send us your photographs of the stalls.</p>",
)
UNREACHABLE = "http://127.0.0.1:9/gone"  # refused before connecting: a private address


def rss(items: list[tuple[str, str] | str]) -> str:
    entries = []
    for item in items:
        if isinstance(item, str):
            entries.append(
                f"<item><title>Gone</title><link>{item}</link><guid>{item}</guid></item>"
            )
        else:
            name, body = item
            entries.append(
                f"<item><title>{name}</title><link>https://partner.example/{name}</link>"
                f"<guid>{name}</guid><content:encoded><![CDATA[{body}]]></content:encoded></item>"
            )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Coastal Partner</title><link>https://partner.example/</link>"
        + "".join(entries)
        + "</channel></rss>\n"
    )


FEEDS = {
    "violation": [QUOTE, REPRINT],
    "fetch-error": [QUOTE, UNREACHABLE],
    "compliant": [QUOTE],
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The publisher's export and the partner's feeds, outside every job's folder."""
    folder = tmp_path_factory.mktemp("ci-inputs")
    with (folder / "publisher.jsonl").open("w", encoding="utf-8") as out:
        for url, (title, paragraphs) in ARTICLES.items():
            record = {"url": url, "title": title, "text": "\n\n".join(paragraphs)}
            out.write(json.dumps(record) + "\n")
    for name, items in FEEDS.items():
        (folder / f"{name}.xml").write_text(rss(items), encoding="utf-8")
    return folder


# --- running a recipe -------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    outcome: str  # passed | failed | warning
    output: str  # stdout and stderr of every step run, in order
    steps: tuple[str, ...]  # the steps that ran, by name
    folder: Path


def recipe(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((RECIPES / name).read_text(encoding="utf-8"))
    return document


def shell_env(folder: Path, variables: dict[str, str]) -> dict[str, str]:
    """A CI-like environment: the pip stand-in first on PATH, then the installed command."""
    shim = folder.parent / f"{folder.name}-bin"
    shim.mkdir()
    pip = shim / "pip"
    pip.write_text('#!/bin/sh\nprintf "%s\\n" "$@" >> "$PIP_LOG"\n', encoding="utf-8")
    pip.chmod(0o755)
    assert (BIN / "reprint-check").is_file(), f"no installed reprint-check command in {BIN}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPRINT_CHECK_", "GITHUB_"))}
    env.update(
        CI="true",
        PATH=os.pathsep.join([str(shim), str(BIN), env.get("PATH", "")]),
        PIP_LOG=str(folder.parent / f"{folder.name}-pip.log"),
        **variables,
    )
    return env


def github_expression(text: str, vars_: dict[str, str]) -> str:
    """``${{ vars.X }}`` and ``${{ vars.X || 'default' }}``, the forms the recipe uses."""

    def value(match: re.Match[str]) -> str:
        for operand in match.group(1).split("||"):
            operand = operand.strip()
            if operand.startswith("vars."):
                found = vars_.get(operand.removeprefix("vars."), "")
            elif re.fullmatch(r"'[^']*'", operand):
                found = operand[1:-1]
            else:
                raise AssertionError(f"the test cannot evaluate ${{{{ {match.group(1)} }}}}")
            if found:
                return found
        return ""

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", value, text)


def run_github(folder: Path, vars_: dict[str, str]) -> Job:
    workflow = recipe("github-actions.yml")
    (job,) = workflow["jobs"].values()
    variables = {
        k: github_expression(str(v), vars_)
        for k, v in {**workflow.get("env", {}), **job.get("env", {})}.items()
    }
    output_file = folder / ".github-output"
    env = shell_env(folder, {**variables, "GITHUB_OUTPUT": str(output_file)})
    outputs, ran = [], []
    for number, step in enumerate(job["steps"]):
        if "uses" in step:
            continue
        assert set(step) <= {"name", "id", "run"}, f"step {step.get('name')}: unknown keys"
        script = folder.parent / f"{folder.name}-step-{number}.sh"
        script.write_text(github_expression(step["run"], vars_), encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        outputs.append(done.stdout + done.stderr)
        ran.append(step["name"])
        if done.returncode != 0:
            return Job("failed", "".join(outputs), tuple(ran), folder)
    return Job("passed", "".join(outputs), tuple(ran), folder)


def gitlab_variables(values: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    """Variables as GitLab expands them: ``$NAME`` and ``${NAME}`` from those already set."""
    known = dict(env)
    out = {}
    for key, value in values.items():
        out[key] = known[key] = re.sub(
            r"\$\{?(\w+)\}?", lambda m: known.get(m.group(1), m.group(0)), str(value)
        )
    return out


def run_gitlab(folder: Path, settings: dict[str, str]) -> Job:
    pipeline = recipe("gitlab-ci.yml")
    job = pipeline["reprint-check"]
    predefined = {"CI_PROJECT_DIR": str(folder), "CI_PIPELINE_SOURCE": "schedule"}
    variables = gitlab_variables(
        {**pipeline.get("variables", {}), **job.get("variables", {}), **settings}, predefined
    )
    env = shell_env(folder, {**predefined, **variables})
    lines = [*job.get("before_script", []), *job["script"]]
    script = folder.parent / f"{folder.name}-job.sh"
    script.write_text("set -eo pipefail\n" + "\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", str(script)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    allowed = job.get("allow_failure", {}).get("exit_codes", [])
    if done.returncode == 0:
        outcome = "passed"
    elif done.returncode in allowed:
        outcome = "warning"
    else:
        outcome = "failed"
    return Job(outcome, done.stdout + done.stderr, ("job",), folder)


def run_recipe(kind: str, folder: Path, inputs: Path, feed: str, sources: str = "") -> Job:
    """The recipe's job in ``folder`` (made when missing; it may hold a restored cache)."""
    settings = {
        "PARTNER_FEED": str(inputs / f"{feed}.xml"),
        "PUBLISHER_SOURCES": sources or str(inputs / "publisher.jsonl"),
    }
    folder.mkdir(exist_ok=True)
    if kind == "github":
        return run_github(folder, settings)
    return run_gitlab(folder, settings)


def installed(job: Job) -> list[str]:
    log = job.folder.parent / f"{job.folder.name}-pip.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def recipe_spec(kind: str) -> str:
    document = recipe("github-actions.yml" if kind == "github" else "gitlab-ci.yml")
    spec: str = document["env" if kind == "github" else "variables"]["REPRINT_CHECK_PIP"]
    return spec


def junit(job: Job) -> dict[str, str]:
    """Each test case's outcome in the job's JUnit report: failure, error or passed."""
    report = JUnitXml.fromfile(str(job.folder / "reprint-check.xml"))
    cases = {}
    for suite in report:
        for case in suite:
            kinds = {type(r) for r in case.result}
            cases[case.name] = (
                "failure" if Failure in kinds else "error" if Error in kinds else "passed"
            )
    return cases


KINDS = ["github", "gitlab"]


# --- what the recipes promise -----------------------------------------------------------


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_install_line_is_one_pip_requirement_from_the_projects_git_repository(
    name: str,
) -> None:
    document = recipe(name)
    spec = document["env" if name.startswith("github") else "variables"]["REPRINT_CHECK_PIP"]
    requirement = Requirement(spec)
    assert requirement.name == "reprint-check"
    assert requirement.url is not None and requirement.url.startswith("git+https://")
    assert re.search(r"/reprint-check@[\w.-]+$", requirement.url)
    text = (RECIPES / name).read_text(encoding="utf-8")
    assert 'pip install "$REPRINT_CHECK_PIP"' in text
    assert "==0.1" not in text and "v0.1.0" not in text  # no index serves it, no such tag


@pytest.mark.parametrize("kind", KINDS)
def test_a_violation_fails_the_job_and_the_report_is_written(
    kind: str, inputs: Path, tmp_path: Path
) -> None:
    job = run_recipe(kind, tmp_path / "job", inputs, "violation")
    assert job.outcome == "failed", job.output
    assert installed(job) == ["install", recipe_spec(kind)]
    assert (job.folder / ".reprint-check" / "index.sqlite").is_file()
    assert "articles: 2" in job.output  # index stats after the update
    assert junit(job) == {
        "https://partner.example/market-quote": "passed",
        "https://partner.example/pier-reprint": "failure",
    }
    assert "LINK_MISSING" in (job.folder / "reprint-check.xml").read_text(encoding="utf-8")
    assert (job.folder / ".reprint-check" / "feed-state.json").is_file()
    if kind == "github":  # the audit step is the one that failed, after recording the code
        assert job.steps[-1] == "Audit the partner feed"
        assert "exit-code=1" in (job.folder / ".github-output").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_an_item_that_cannot_be_fetched_is_only_a_warning(
    kind: str, inputs: Path, tmp_path: Path
) -> None:
    job = run_recipe(kind, tmp_path / "job", inputs, "fetch-error")
    assert junit(job) == {
        "https://partner.example/market-quote": "passed",
        UNREACHABLE: "error",
    }
    if kind == "github":
        assert job.outcome == "passed", job.output
        assert "::warning title=reprint-check::some feed items could not be fetched" in job.output
        assert "exit-code=3" in (job.folder / ".github-output").read_text(encoding="utf-8")
    else:
        assert job.outcome == "warning", job.output


@pytest.mark.parametrize("kind", KINDS)
def test_a_compliant_feed_passes_and_a_later_run_without_the_publisher_uses_the_cache(
    kind: str, inputs: Path, tmp_path: Path
) -> None:
    first = run_recipe(kind, tmp_path / "first", inputs, "compliant")
    assert first.outcome == "passed", first.output
    assert junit(first) == {"https://partner.example/market-quote": "passed"}
    if kind == "github":
        assert "Every feed item complies." in first.output

    again = tmp_path / "again"
    shutil.copytree(first.folder / ".reprint-check", again / ".reprint-check")  # the CI cache
    job = run_recipe(kind, again, inputs, "violation", str(inputs / "gone.jsonl"))
    assert "some sources were not indexed; see the log" in job.output
    assert job.outcome == "failed", job.output  # the audit ran, on the cached index
    assert junit(job)["https://partner.example/pier-reprint"] == "failure"


@pytest.mark.parametrize("kind", KINDS)
def test_no_publisher_and_no_cached_index_fails_before_the_audit(
    kind: str, inputs: Path, tmp_path: Path
) -> None:
    job = run_recipe(kind, tmp_path / "job", inputs, "compliant", str(inputs / "gone.jsonl"))
    assert job.outcome == "failed", job.output
    assert not (job.folder / "reprint-check.xml").exists()
    assert "the index holds no articles; nothing to audit against" in job.output
    if kind == "github":
        assert job.steps[-1] == "Update the publisher index"
