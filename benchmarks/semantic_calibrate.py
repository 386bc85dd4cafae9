"""Calibrate the semantic stage's decision by cross-validation over labelled cases.

usage: python benchmarks/semantic_calibrate.py [CASES] [--folds 5] [--cache FILE] [--write]

CASES is a folder like ../shared/data/rewrite-dev (labels.jsonl, archive.jsonl,
pages/, policy.toml; see that data's README): rewritten and translated copies
of archived articles, and negatives that copy articles NOT in the archive.

The judge's cosines do not depend on the decision's numbers, so each page's
evidence (``SemanticStage.evidence``: candidates and cosines) is computed
once, with every sentence vector kept in a cache file keyed by model and
text (a re-run embeds nothing), and each rule of a grid over ``base``,
``min_score`` and ``extend`` is then applied through the real audit
(``audit_page``: lexical passages, the semantic stage, the codes).

There are two decisions (see semantic/align.py): one for an article in
another language than the page (translations: ``base``, ``min_score``) and
one for an article in the page's language (rewrites: the same two and
``lexical``, the lexical support a pair needs). A case meets one of them
(its page's language decides), so each is calibrated on its own cases:
translation cases and their negatives over ``GRID``, rewrite cases and
theirs over ``SAME_LANGUAGE_GRID``. The rewrite decision's ``distinct`` and
``distinct_share`` stay the shipped ones: these cases have no independent
text on an archived article's subject, the only kind of page they turn down,
so no grid over them could tell their worth (they were set on Clough &
Stevenson's answers, ``external.py clough --flags=--semantic``).

Cross-validation: cases are split into folds within each group (kind and
language, or rewrite style). For each fold and decision the rule is chosen
on the other folds: no false alarm on their negatives, then the highest
detection recall, then the best span F1, then the highest ``lexical``,
``min_score`` and ``base`` (the most cautious); the held-out fold is scored
with it. The pooled held-out figures estimate what the chosen numbers do on
unseen cases; the shipped defaults are the rules chosen the same way on all
cases. ``--write`` records the run in benchmarks/SEMANTIC.md.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import itertools
import json
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reprint_check.audit import audit_page, load_target  # noqa: E402
from reprint_check.index.sources import iter_articles  # noqa: E402
from reprint_check.index.sqlite import SQLiteIndex  # noqa: E402
from reprint_check.models import Article, Page, TargetResult  # noqa: E402
from reprint_check.policy.rules import load_policy  # noqa: E402
from reprint_check.semantic.align import ChainRule  # noqa: E402
from reprint_check.semantic.embed import E5Embedder, Embedder, UseEmbedder  # noqa: E402
from reprint_check.semantic.ready import make_ready  # noqa: E402
from reprint_check.semantic.stage import DEFAULT_SETTINGS, Evidence, SemanticStage  # noqa: E402

SHARED = REPO.parent / "shared"
DEFAULT_CASES = SHARED / "data" / "rewrite-dev"
CODES = {"TRANSLATED_COPY", "REWRITE_SUSPECTED"}
GRID = {
    "base": (0.855, 0.86, 0.865),
    "min_score": (10.0, 11.0, 12.0, 13.0, 14.0, 16.0, 18.0),
    "extend": (0.84,),
}
SAME_LANGUAGE_GRID = {
    "base": (0.84, 0.85, 0.86),
    "min_score": (10.0, 12.0, 14.0, 16.0),
    "extend": (0.84,),
    "lexical": (0.0, 0.1, 0.15, 0.2, 0.25),
}


class CachedEmbedder:
    """An encoder whose vectors are kept in a SQLite file, keyed by model name and text."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS e (model TEXT, h TEXT, v BLOB, PRIMARY KEY (model, h))"
        )
        self.embedded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.update(
                self.db.execute(
                    f"SELECT h, v FROM e WHERE model = ? AND h IN ({marks})", (self.name, *batch)
                )
            )
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if todo:
            vectors = self.inner.encode([t for _, t in todo])
            rows = [
                (self.name, k, v.astype(np.float32).tobytes())
                for (k, _), v in zip(todo, vectors, strict=True)
            ]
            self.db.executemany("INSERT OR REPLACE INTO e VALUES (?, ?, ?)", rows)
            self.db.commit()
            found.update((k, v) for _, k, v in rows)
            self.embedded += len(todo)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = np.frombuffer(found[key], dtype=np.float32)
        return out


def memoise_lexical_stage() -> None:
    """The lexical alignment of a page does not change with the rule: compute it once per page."""
    audit_module = importlib.import_module("reprint_check.audit")
    original = audit_module.align_many
    memo: dict[tuple[str, tuple[str, ...]], object] = {}

    def align_many(target, sources, **kwargs):  # type: ignore[no-untyped-def]
        key = (target.norm.text, tuple(s.norm.text for s in sources))
        if key not in memo:
            memo[key] = original(target, sources, **kwargs)
        return memo[key]

    audit_module.align_many = align_many


class SweepStage(SemanticStage):
    """The stage with each page's evidence computed once and the decision's rule swappable."""

    rule: ChainRule = DEFAULT_SETTINGS.rule
    same_language: ChainRule = DEFAULT_SETTINGS.same_language

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kept: dict[str, Evidence] = {}

    def find(self, page, index, *, accept=lambda _a: True, verbatim=()):  # type: ignore[no-untyped-def]
        if page.location not in self.kept:
            self.kept[page.location] = self.evidence(page, index, accept=accept, verbatim=verbatim)
        return self.decide(page, self.kept[page.location], self.rule, self.same_language)


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    label: dict
    page: Page


@dataclass(frozen=True)
class Outcome:
    positive: bool
    detected: bool  # positive: expected source with its code; negative: a false alarm
    gold: int
    overlap: int
    flagged: int  # characters of the expected source's passages


def spans_of(text: str, paragraphs: Sequence[str]) -> set[int]:
    """Characters of ``text`` holding the copied paragraphs (as score_rewrite.py finds them)."""
    gold: set[int] = set()
    flat = " ".join(text.split())
    back = [i for i, ch in enumerate(text) if not ch.isspace() or (i and not text[i - 1].isspace())]
    at = 0
    for p in paragraphs:
        p = " ".join(p.split())
        i = flat.find(p, at)
        if i < 0:
            i = flat.find(p[:60], at)
            if i < 0:
                continue
        j = min(len(back) - 1, i + len(p) - 1)
        gold |= set(range(back[i], back[j] + 1))
        at = i + 1
    return gold


def outcome(case: Case, result: TargetResult) -> Outcome:
    label = case.label
    if label["expect"] is None:
        alarm = any(v.code in CODES for s in result.sources for v in s.violations)
        return Outcome(False, alarm, 0, 0, 0)
    source = next((s for s in result.sources if s.url == label["expect"]), None)
    detected = source is not None and any(v.code == label["code"] for v in source.violations)
    gold = spans_of(case.page.text, label["copy"])
    flagged: set[int] = set()
    for p in source.passages if source else ():
        flagged |= set(range(p.target_start, p.target_end))
    return Outcome(True, detected, len(gold), len(gold & flagged), len(flagged))


def figures(outcomes: Sequence[Outcome]) -> dict[str, float]:
    pos = [o for o in outcomes if o.positive]
    neg = [o for o in outcomes if not o.positive]
    recalls = [o.overlap / o.gold for o in pos if o.gold]
    precisions = [o.overlap / o.flagged for o in pos if o.gold and o.flagged]
    r = statistics.fmean(recalls) if recalls else 0.0
    p = statistics.fmean(precisions) if precisions else 0.0
    return {
        "recall": sum(o.detected for o in pos) / max(1, len(pos)),
        "false_alarms": sum(o.detected for o in neg),
        "false_alarm_rate": sum(o.detected for o in neg) / max(1, len(neg)),
        "span_recall": r,
        "span_precision": p,
        "span_f1": 2 * r * p / (r + p) if r + p else 0.0,
    }


def choose(
    rules: Sequence[ChainRule], results: dict[ChainRule, dict[str, Outcome]], ids: Sequence[str]
) -> ChainRule:
    def key(rule: ChainRule) -> tuple[float, ...]:
        f = figures([results[rule][i] for i in ids])
        return (
            -f["false_alarms"],
            f["recall"],
            round(f["span_f1"], 4),
            rule.lexical,
            rule.min_score,
            rule.base,
        )

    return max(rules, key=key)


def folds_of(cases: Sequence[Case], k: int) -> dict[str, int]:
    groups: dict[str, list[str]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.id):
        groups[case.group].append(case.id)
    fold = {}
    offset = 0
    for group in sorted(groups):
        for n, case_id in enumerate(groups[group]):
            fold[case_id] = (n + offset) % k
        offset += len(groups[group])
    return fold


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reprint-check-embeddings.sqlite"))
    parser.add_argument(
        "--write", action="store_true", help="record the run in benchmarks/SEMANTIC.md"
    )
    args = parser.parse_args(argv)
    if not (args.cases / "labels.jsonl").exists():
        print(f"{args.cases}: no labelled cases here; nothing to calibrate", file=sys.stderr)
        return 0
    started = time.perf_counter()
    labels = [json.loads(line) for line in (args.cases / "labels.jsonl").open(encoding="utf-8")]
    policy = load_policy(args.cases / "policy.toml")
    cheap = CachedEmbedder(UseEmbedder(), args.cache)
    judge = CachedEmbedder(E5Embedder(), args.cache)
    index = SQLiteIndex(":memory:")
    archive = iter_articles(str(args.cases / "archive.jsonl"))
    index.add_many(a for a in archive if isinstance(a, Article))
    make_ready(index, cheap)
    stage = SweepStage(cheap, judge)
    cases = []
    for label in labels:
        kind = label["kind"]
        group = (
            f"{kind}/{label['lang']}"
            if kind.startswith("translation")
            else f"{kind}/{label['variant']}"
        )
        cases.append(
            Case(label["id"], group, label, load_target(str(args.cases / label["target"])))
        )
    kinds = {
        "translation": [c for c in cases if c.group.startswith("translation")],
        "same language": [c for c in cases if not c.group.startswith("translation")],
    }
    grids = {
        "translation": [
            replace(DEFAULT_SETTINGS.rule, base=b, min_score=m, extend=e)
            for b, m, e in itertools.product(*GRID.values())
        ],
        "same language": [
            replace(DEFAULT_SETTINGS.same_language, base=b, min_score=m, extend=e, lexical=x)
            for b, m, e, x in itertools.product(*SAME_LANGUAGE_GRID.values())
        ],
    }
    fold = folds_of(cases, args.folds)
    # per decision: a rule of one grid may equal one of the other
    results: dict[str, dict[ChainRule, dict[str, Outcome]]] = {kind: {} for kind in grids}
    held_out: dict[str, Outcome] = {}
    chosen: dict[str, list[ChainRule]] = {}
    final: dict[str, ChainRule] = {}
    for kind, rules in grids.items():
        for n, rule in enumerate(rules, start=1):
            stage.rule = DEFAULT_SETTINGS.rule
            stage.same_language = DEFAULT_SETTINGS.same_language
            if kind == "translation":
                stage.rule = rule
            else:
                stage.same_language = rule
            results[kind][rule] = {
                c.id: outcome(c, audit_page(c.page, index, policy, semantic=stage))
                for c in kinds[kind]
            }
            print(
                f"{kind} rule {n}/{len(rules)}: {rule_text(rule)} "
                f"{figures(list(results[kind][rule].values()))}",
                file=sys.stderr,
                flush=True,
            )
        chosen[kind] = []
        for k in range(args.folds):
            train = [c.id for c in kinds[kind] if fold[c.id] != k]
            rule = choose(rules, results[kind], train)
            chosen[kind].append(rule)
            held_out.update(
                {c.id: results[kind][rule][c.id] for c in kinds[kind] if fold[c.id] == k}
            )
        final[kind] = choose(rules, results[kind], [c.id for c in kinds[kind]])
    cv = figures(list(held_out.values()))
    by_group: dict[str, list[Outcome]] = defaultdict(list)
    for c in cases:
        by_group[c.group].append(held_out[c.id])
    shipped = {c.id: results[k][final[k]][c.id] for k, group in kinds.items() for c in group}
    lines = report(
        args,
        cases,
        chosen,
        final,
        cv,
        by_group,
        shipped,
        sum(map(len, results.values())),
        judge,
        time.perf_counter() - started,
    )
    lines += independent_best(stage, cases)
    print("\n".join(lines))
    if args.write:  # this run's section replaces the last; the speed section stays
        path = REPO / "benchmarks" / "SEMANTIC.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        _, marker, speed = old.partition("\n# Semantic stage: speed")
        path.write_text("\n".join(lines) + "\n" + marker + speed, encoding="utf-8")
    return 0


def independent_best(stage: SweepStage, cases: Sequence[Case]) -> list[str]:
    """The best pair of an article that is not the page's source, over every case: what
    ``ChainRule.single`` must stand above for one pair to decide a copy alone."""
    best, where = 0.0, ""
    for case in cases:
        evidence = stage.kept.get(case.page.location)
        if evidence is None:
            continue
        usable = np.asarray(evidence.usable, dtype=bool)[:, None]
        for candidate in evidence.candidates:
            if candidate.article.url == case.label.get("expect"):
                continue
            value = float(np.where(usable, candidate.similarity, -1.0).max())
            if value > best:
                best, where = value, f"{case.id}, {candidate.article.url}"
    shipped = DEFAULT_SETTINGS.same_language.single
    return [
        "",
        f"Best pair of an article that is not the page's source: {best:.3f} ({where}); "
        f"a chain of one pair decides a copy only at {shipped} or more (single).",
    ]


def rule_text(rule: ChainRule) -> str:
    lexical = f", lexical {rule.lexical}" if rule.lexical else ""
    distinct = f", distinct {rule.distinct} (share {rule.distinct_share})" if rule.distinct else ""
    single = f", single {rule.single}" if rule.single else ""
    return (
        f"base {rule.base}, min_score {rule.min_score}, extend {rule.extend}"
        f"{lexical}{distinct}{single}"
    )


def report(args, cases, chosen, final, cv, by_group, shipped, n_rules, judge, seconds) -> list[str]:  # type: ignore[no-untyped-def]
    whole = figures(list(shipped.values()))
    lines = [
        "# Semantic stage: calibration by cross-validation",
        "",
        f"Run: `python benchmarks/semantic_calibrate.py {args.cases.name} --folds {args.folds}`, "
        f"{len(cases)} cases, {n_rules} rules, {seconds / 60:.1f} minutes "
        f"({judge.embedded} sentences newly embedded by the judge).",
        "",
        "## Held-out figures (each fold scored with the rules chosen on the others)",
        "",
        "| detection recall | false alarms | span recall | span precision |",
        "|---:|---:|---:|---:|",
        f"| {cv['recall']:.3f} | {cv['false_alarms']} ({cv['false_alarm_rate']:.3f}) | "
        f"{cv['span_recall']:.3f} | {cv['span_precision']:.3f} |",
        "",
        "| group | cases | detected (positives) / false alarms (negatives) |",
        "|---|---:|---:|",
    ]
    for group, outs in sorted(by_group.items()):
        hits = sum(o.detected for o in outs)
        lines.append(f"| {group} | {len(outs)} | {hits}/{len(outs)} |")
    for kind, rules in chosen.items():
        lines += ["", f"Rule chosen per fold ({kind}):", ""]
        lines += [f"- fold {k}: {rule_text(rule)}" for k, rule in enumerate(rules)]
    lines += ["", "## Shipped rules (chosen on all cases)", ""]
    lines += [f"- {kind}: {rule_text(rule)}" for kind, rule in final.items()]
    lines += [
        "",
        f"On all cases: detection recall {whole['recall']:.3f}, "
        f"false alarms {whole['false_alarms']}, span recall {whole['span_recall']:.3f}, "
        f"span precision {whole['span_precision']:.3f}.",
    ]
    groups = {c.id: c.group for c in cases}
    ids = [c.id for c in cases]
    missed = [i for i in ids if shipped[i].positive and not shipped[i].detected]
    alarms = [i for i in ids if not shipped[i].positive and shipped[i].detected]
    lines += [
        "",
        "Missed with them: " + (", ".join(f"{i} ({groups[i]})" for i in missed) or "none") + ".",
        "False alarms with them: "
        + (", ".join(f"{i} ({groups[i]})" for i in alarms) or "none")
        + ".",
    ]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
