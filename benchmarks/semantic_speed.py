"""What the semantic stage costs: making an archive semantic-ready, and audits with --semantic.

usage: python benchmarks/semantic_speed.py [--smoke] [--articles 10000] [--pages 200]
                                           [--data DIR] [--cases DIR] [--write]

- Archive: the synthetic news-like articles of scale.py (same seed, same
  ~3,200 characters each), plus one long English article made of three
  translated dev articles' originals (the rewrite dev cases, --cases, read in
  place), so that a page can be a whole translation of an archived story.
- Semantic-ready: ``make_ready`` (the cheap encoder over every sentence,
  batches that commit), articles per second, wall and CPU time. Resumable:
  the run is interrupted after a few batches, run again, and must finish
  exactly the articles left.
- Audits with the stage (``audit_page``, index open, models loaded: process
  start-up excluded): real pages (--pages of the robustness sweep's pages
  under --data, evenly spread over its collections), median and p95 wall
  and CPU time, how many reached the judge and how many had a semantic
  finding; and the ~10,000-character whole translation
  (its three source articles' judge vectors not yet in the index, then kept).

Wall time on a machine shared with other work says little; CPU time of this
process is given beside it. ``--smoke`` (CI) runs 40 articles and 3 pages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import scale  # noqa: E402  (the synthetic archive)
import sweep  # noqa: E402  (the real pages)

from reprint_check.audit import audit_page, load_target  # noqa: E402
from reprint_check.errors import ReprintCheckError  # noqa: E402
from reprint_check.index.ingest import ingest  # noqa: E402
from reprint_check.index.sources import iter_articles  # noqa: E402
from reprint_check.index.sqlite import SQLiteIndex  # noqa: E402
from reprint_check.models import Article, Page  # noqa: E402
from reprint_check.page.html import page_from_html  # noqa: E402
from reprint_check.policy.rules import load_policy  # noqa: E402
from reprint_check.semantic.embed import cpu_threads  # noqa: E402
from reprint_check.semantic.ready import READY_BATCH, make_ready  # noqa: E402
from reprint_check.semantic.stage import SemanticStage  # noqa: E402

SHARED = REPO.parent / "shared"
REWRITE_DEV = SHARED / "data" / "rewrite-dev"
COMPOSITE_URL = "https://archive.example/long/whole-translation/"


class Interrupted(Exception):
    pass


class Counting:
    """An encoder that counts the texts it embeds (how much of the work reached the judge)."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.name, self.dim, self.texts = inner, inner.name, inner.dim, 0

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return self.inner.encode(texts)


def timed(work: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def whole_translation(cases: Path) -> tuple[Article, Page] | None:
    """An archived English article of ~10,000 characters and a page that translates all of it."""
    labels_path = cases / "labels.jsonl"
    if not labels_path.exists():
        return None
    labels = [json.loads(line) for line in labels_path.open(encoding="utf-8")]
    archive = {
        a.url: a for a in iter_articles(str(cases / "archive.jsonl")) if isinstance(a, Article)
    }
    chosen = [x for x in labels if x["kind"] == "translation-full" and x["lang"] == "ukr"]
    chosen.sort(key=lambda x: -len(archive[x["expect"]].text))
    english, translated, size = [], [], 0
    for label in chosen:
        english.append(archive[label["expect"]].text)
        translated.extend(label["copy"])
        size += sum(map(len, label["copy"]))
        if size >= 9500:
            break
    article = Article(COMPOSITE_URL, "\n\n".join(english), "Three stories in one")
    html = (
        "<html><body><article>"
        + "".join(f"<p>{p}</p>" for p in translated)
        + "</article></body></html>"
    )
    return article, page_from_html(html, "whole-translation.html")


def real_pages(data: Path, limit: int) -> list[Page]:
    """``limit`` of the sweep's real pages (every collection under ``data``), evenly spread."""
    paths = sweep.pages_under(data)
    step = max(1, len(paths) // max(1, limit))
    pages = []
    for path in paths[::step][:limit]:
        with contextlib.suppress(ReprintCheckError):
            pages.append(load_target(str(path)))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument(
        "--write", action="store_true", help="add the figures to benchmarks/SEMANTIC.md"
    )
    parser.add_argument(
        "--data", type=Path, default=scale.DEFAULT_DATA, help="folder holding the test texts"
    )
    parser.add_argument(
        "--cases", type=Path, default=REWRITE_DEV, help="the rewrite dev cases' folder"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.articles, args.pages = 40, 3
    corpus = scale.training_corpus(args.data)
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rc-semantic-") as folder:
        work = Path(folder)
        scale.write_archive(work / "archive.jsonl", args.articles, corpus)
        index = SQLiteIndex(work / "index.sqlite")
        extra = whole_translation(args.cases)
        _, ingest_wall, _ = timed(
            lambda: ingest([str(work / "archive.jsonl")], index, jobs=cpu_threads())
        )
        if extra is not None:
            index.add(extra[0])
        total = index.count()
        stage = SemanticStage()
        # interrupted after two batches (one where the archive holds no more than two),
        # then run again: it must finish exactly what is left
        done = 0
        stop_at = min(2 * READY_BATCH, max(1, total // 2))

        def stop_early(n: int) -> None:
            nonlocal done
            done += n
            if done >= stop_at:
                raise Interrupted

        with contextlib.suppress(Interrupted):
            make_ready(index, stage.cheap, on_articles=stop_early)
        result, ready_wall, ready_cpu = timed(lambda: make_ready(index, stage.cheap))
        assert result.made == total - done and result.already == done, (result, total, done)  # type: ignore[union-attr]
        rate = result.made / ready_wall  # type: ignore[union-attr]
        lines += [
            f"Machine: {platform.platform()}; {os.cpu_count()} cores; "
            f"{cpu_threads()} threads used; "
            f"Python {platform.python_version()}.",
            "",
            f"Archive: {total:,} articles (synthetic, ~3,200 characters each); lexical ingest "
            f"{ingest_wall:.0f} s.",
            "",
            f"Semantic-ready: {result.made:,} articles in {ready_wall / 60:.1f} min wall, "  # type: ignore[union-attr]
            f"{ready_cpu / 60:.1f} min CPU: {rate:.1f} articles/s "
            f"(resumed after an interruption at {done} articles: finished exactly the rest).",
        ]
        policy = load_policy(None)
        stage.judge = Counting(stage.judge)  # type: ignore[assignment]
        audits = []
        for page in real_pages(args.data, args.pages):
            judged = stage.judge.texts  # type: ignore[attr-defined]
            report, wall, cpu = timed(lambda p=page: audit_page(p, index, policy, semantic=stage))
            found = any(s.rewritten_chars is not None for s in report.sources)  # type: ignore[attr-defined]
            audits.append((wall, cpu, stage.judge.texts > judged, found))  # type: ignore[attr-defined]
        if audits:
            walls = sorted(a[0] * 1000 for a in audits)
            cpus = sorted(a[1] * 1000 for a in audits)
            p95 = lambda xs: xs[min(len(xs) - 1, int(0.95 * len(xs)))]  # noqa: E731
            lines += [
                "",
                f"Real pages ({len(audits)}, the sweep's collections) with --semantic: median "
                f"{statistics.median(walls):.0f} ms wall / {statistics.median(cpus):.0f} ms CPU, "
                f"p95 {p95(walls):.0f} / {p95(cpus):.0f} ms; {sum(a[2] for a in audits)} reached "
                f"the judge, {sum(a[3] for a in audits)} with a semantic finding.",
            ]
        if extra is not None:
            page = extra[1]
            cold = timed(lambda: audit_page(page, index, policy, semantic=stage))
            warm = timed(lambda: audit_page(page, index, policy, semantic=stage))
            found = [s for s in cold[0].sources if s.url == COMPOSITE_URL]  # type: ignore[union-attr]
            chars = found[0].rewritten_chars if found else 0
            lines += [
                "",
                f"Whole translation ({len(page.text):,} characters, Ukrainian): "
                f"{cold[1]:.2f} s wall / {cold[2]:.2f} s CPU with the article not yet judged, "
                f"{warm[1]:.2f} s / {warm[2]:.2f} s once its judge vectors are kept; "
                f"{chars:,} characters found translated.",
            ]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines += ["", f"Peak memory of this process: {peak:.0f} MB."]
    print("\n".join(lines))
    if args.write and not args.smoke:
        path = REPO / "benchmarks" / "SEMANTIC.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        head = old.split("\n# Semantic stage: speed")[0].rstrip("\n")
        path.write_text(
            f"{head}\n\n# Semantic stage: speed\n\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
