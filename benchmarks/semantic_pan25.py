"""PAN 2025's generated-plagiarism sample, scored through the installed command with --semantic.

usage: python benchmarks/semantic_pan25.py [--data DIR] [--cli 'reprint-check']
                                           [--flags '--semantic']

The sample (pan-code, clef25/generated-plagiarism-detection, ``sample_raw.zip``
unzipped into ``json/``) holds five pairs of scientific papers: a source and a
candidate that a language model (DeepSeek-R1, Mistral, Llama-3) rewrote
paragraph by paragraph from it, or, for the pair of type ``original``, did
not. Labels are per candidate paragraph (``plagiarism.source_paragraph_id``).

Each document becomes plain text the way PAN's own transform does (title,
abstract paragraphs, section titles and paragraphs joined by blank lines);
the five sources are indexed (``index add ... --semantic``) and the five
candidates audited (``audit --format json``) under a permissive policy (no
limit, no link), reading the JSON report like ``external.py``. Figures:

- per pair, whether the candidate's own source is reported (for ``original``:
  any source is a false alarm) and with which codes;
- paragraph recall: rewritten candidate paragraphs at least half covered by
  the own source's passages; paragraph precision: covered paragraphs (same
  rule) that are rewritten ones;
- character recall and precision of those passages against the rewritten
  paragraphs' characters.

The data is arXiv authors' text: it is read in place, never copied here.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data-raw" / "pan25-generated-plagiarism-sample"
POLICY = """[policy]
name = "eval-permissive"
publisher = "Evaluation"
domains = []
[excerpt]
max_chars = 0
count = "total"
min_passage_chars = 50
include_title = false
[link]
required = false
[rewrite]
max_chars = 0
"""


@dataclass(frozen=True)
class Document:
    """A paper as plain text, with each paragraph's character span and label."""

    text: str
    paragraphs: tuple[tuple[int, int, bool], ...]  # start, end, rewritten from the source


def flatten(doc: dict) -> Document:
    """Title, abstract, section titles and paragraphs joined by blank lines, as PAN does."""
    parts: list[tuple[str, bool | None]] = [(doc.get("title") or "", None)]
    for para in doc.get("abstract") or []:
        parts.append((para["content"], bool(para.get("plagiarism"))))
    for section in doc.get("sections") or []:
        if section.get("title"):
            parts.append((section["title"], None))
        for para in section.get("paragraphs") or []:
            parts.append((para["content"], bool(para.get("plagiarism"))))
    text, spans, at = [], [], 0
    for content, label in parts:
        content = content.strip()
        if not content:
            continue
        if text:
            at += 2
        text.append(content)
        if label is not None:
            spans.append((at, at + len(content), label))
        at += len(content)
    return Document("\n\n".join(text), tuple(spans))


def run(cli: list[str], args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli + args, capture_output=True, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cli", default="reprint-check")
    parser.add_argument("--flags", default="--semantic", help="extra flags for index add and audit")
    args = parser.parse_args(argv)
    pairs = sorted((args.data / "json").glob("*.json"))
    if not pairs:
        print(f"{args.data}: no json/*.json pairs here; nothing to score", file=sys.stderr)
        return 2
    cli, flags = shlex.split(args.cli), shlex.split(args.flags)
    tmp = Path(tempfile.mkdtemp(prefix="rc-pan25-"))
    meta, candidates = {}, {}
    for path in pairs:
        pair = json.loads(path.read_text(encoding="utf-8"))
        name = path.stem
        (tmp / f"{name}.source.txt").write_text(flatten(pair["source"]).text, encoding="utf-8")
        candidates[name] = flatten(pair["candidate"])
        (tmp / f"{name}.candidate.txt").write_text(candidates[name].text, encoding="utf-8")
        meta[name] = pair["plagiarism"]
    (tmp / "policy.toml").write_text(POLICY, encoding="utf-8")
    index = str(tmp / "index.sqlite")
    started = time.perf_counter()
    sources = sorted(str(p) for p in tmp.glob("*.source.txt"))
    done = run(cli, ["index", "add", *sources, "--index", index, *flags])
    if done.returncode:
        reason = done.stderr.strip()[-300:]
        print(f"index add failed ({done.returncode}): {reason}", file=sys.stderr)
        return 1
    index_s = time.perf_counter() - started
    report = tmp / "report.json"
    targets = sorted(str(p) for p in tmp.glob("*.candidate.txt"))
    started = time.perf_counter()
    policy = str(tmp / "policy.toml")
    audit = ["audit", *targets, "--index", index, "--policy", policy, "--format", "json"]
    done = run(cli, [*audit, "-o", str(report), *flags])
    audit_s = time.perf_counter() - started
    if done.returncode not in (0, 1):
        print(f"audit failed ({done.returncode}): {done.stderr.strip()[-300:]}", file=sys.stderr)
        return 1
    by_name = {
        Path(t["target"]).name.removesuffix(".candidate.txt"): t
        for t in json.loads(report.read_text(encoding="utf-8"))["targets"]
    }
    totals = {"gold": 0, "hit": 0, "flagged": 0, "flagged_gold": 0}
    chars = {"gold": 0, "overlap": 0, "detected": 0}
    rows = []
    for name, doc in candidates.items():
        target = by_name.get(name, {})
        own = f"{name}.source.txt"
        sources = {Path(s["url"]).name: s for s in target.get("sources", [])}
        source = sources.get(own)
        covered: set[int] = set()
        for passage in (source or {}).get("passages", []):
            covered |= set(range(passage["target_start"], passage["target_end"]))
        gold_chars: set[int] = set()
        for start, end, rewritten in doc.paragraphs:
            half = len(covered.intersection(range(start, end))) * 2 >= end - start
            if rewritten:
                gold_chars |= set(range(start, end))
                totals["gold"] += 1
                totals["hit"] += half
            totals["flagged"] += half
            totals["flagged_gold"] += half and rewritten
        chars["gold"] += len(gold_chars)
        chars["overlap"] += len(gold_chars & covered)
        chars["detected"] += len(covered)
        codes = sorted({v["code"] for s in sources.values() for v in s.get("violations", [])})
        rows.append(
            {
                "pair": name,
                "type": meta[name]["type"],
                "llm": meta[name]["llm"],
                "own_source_reported": source is not None,
                "other_sources": sorted(k for k in sources if k != own),
                "codes": codes,
                "rewritten_paragraphs": sum(r for *_, r in doc.paragraphs),
                "paragraphs": len(doc.paragraphs),
                "chars": len(doc.text),
            }
        )
    summary = {
        "pairs": rows,
        "paragraph_recall": round(totals["hit"] / max(1, totals["gold"]), 4),
        "paragraph_precision": round(totals["flagged_gold"] / max(1, totals["flagged"]), 4),
        "char_recall": round(chars["overlap"] / max(1, chars["gold"]), 4),
        "char_precision": round(chars["overlap"] / max(1, chars["detected"]), 4),
        "index_s": round(index_s, 1),
        "audit_s": round(audit_s, 1),
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
