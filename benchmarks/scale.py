"""How reprint-check scales with the archive: ingest, index size, audit latency, memory, recall.

usage: python benchmarks/scale.py [--smoke] [--data DIR] [--sizes 1000,10000,100000]
                                  [--targets N] [--jobs N] [--backend sqlite|postgresql|both]
                                  [--no-write] [--work DIR [--reuse-indexes]]

For each archive size and each index backend (the SQLite file, and PostgreSQL
on a throw-away server started for the run, as tests/pgcluster.py does), in one run:

- a deterministic synthetic archive (seeded): news-like prose from a word-bigram
  model learned at run time from the newspaper4k test texts under ``--data DIR``
  (nothing of them is stored here), mixed with unigram draws so that common
  phrases recur across articles as they do in a real archive while long runs do
  not; ~3,200 characters per article, written as a JSONL export;
- ingest of that JSONL with ``reprint_check.index.ingest`` (MB/s and articles/s, in
  total and per core), index size on disk against the raw article text;
- targets of ~10,000 characters: paragraphs of real host pages (the
  Scrapinghub benchmark pages under ``--data DIR``) with excerpts of random archive
  articles inserted (100–800 characters; verbatim, or lightly edited: curly
  quotes, a fixed typo, a dropped or swapped word), so recall can be measured;
- audit latency per target in-process (``reprint_check.audit.audit_page``, the
  index already open: process start-up excluded), median and p95, and of the
  index look-up alone (``candidates``, the part a backend does); peak memory
  of auditing in a fresh child process (ru_maxrss, interpreter included) and of
  one audit's Python allocations (tracemalloc);
- side by side on the same targets: (a) a naive scan of every article with
  rapidfuzz ``partial_ratio_alignment`` over 100-character windows of the
  target, and (b) copydetect (winnowing, noise 25 / guarantee 30) where the
  archive fits, with the ratios.

The same archive and targets go to both backends, so their figures stand side
by side. ``--backend both`` (the default) needs PostgreSQL's server tools
(``initdb``, ``pg_ctl``; Debian's ``postgresql`` package) and psycopg: without
them the run measures SQLite alone and says so, except with ``CI`` set or
``--backend postgresql``, where it fails.

``--smoke`` runs a seconds-long version (200 articles, 5 targets) for CI; it
needs neither copydetect nor a terminal. The full run writes
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gzip
import html
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reprint_check.audit import audit_page  # noqa: E402
from reprint_check.index import open_index  # noqa: E402
from reprint_check.index.base import SourceIndex  # noqa: E402
from reprint_check.index.ingest import ingest  # noqa: E402
from reprint_check.index.sqlite import SQLiteIndex  # noqa: E402
from reprint_check.models import Page  # noqa: E402
from reprint_check.page.html import page_from_html  # noqa: E402
from reprint_check.policy.rules import load_policy  # noqa: E402
from tests.pgcluster import Cluster, throwaway_cluster  # noqa: E402

# --data DIR holds one folder per collection; without it, the folder beside the
# checkout where the project's own runs keep them.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data-raw"
TRAINING = "newspaper4k-tests-data"  # newspaper4k's tests/data: txt/*.txt (or */txt/*.txt)
HOSTS = "scrapinghub-article-extraction-benchmark"  # html/*.html.gz

SEED = 20260514
ARTICLE_CHARS = 3200  # mean article length asked for by the issue
TARGET_CHARS = 10_000  # audit latency is quoted per target of this size
EXCERPTS_PER_TARGET = 3
EXCERPT_CHARS = (100, 800)
UNIGRAM_JUMP = 0.3  # share of words drawn from word frequencies, not the previous word
RECALL_COVER = 0.9  # an excerpt is found when this share of it is attributed to its article
NAIVE_WINDOW, NAIVE_STEP, NAIVE_CUTOFF = 100, 50, 90.0
COPYDETECT_NOISE, COPYDETECT_GUARANTEE = 25, 30
COPYDETECT_MAX_ARTICLES = 10_000  # its in-memory fingerprints of 100k articles exceed the machine

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The benchmark's server keeps PostgreSQL's durable defaults (fsync, synchronous
# commit, full-page writes), with the page cache SQLite's ingest uses
# (index.BULK_CACHE_KIB) and room for a bulk load's write-ahead log between checkpoints.
PG_SETTINGS = {"shared_buffers": "256MB", "max_wal_size": "4GB"}


# --- the synthetic archive --------------------------------------------------------------

_FALLBACK_SYLLABLES = "ka ri to ne sa mo lu vi de pa ro ti na be go la mi su re fo ta ve ni co"


class Prose:
    """A word-bigram model of news prose: the same seed writes the same archive."""

    def __init__(self, corpus: str, seed: int) -> None:
        self.rng = random.Random(seed)
        words = corpus.split()
        if len(words) < 1000:
            words = self._fallback_words(self.rng)
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(w, len(vocab)) for w in words]
        self.words = list(vocab)
        following: list[list[int]] = [[] for _ in self.words]
        for a, b in pairwise(ids):
            following[a].append(b)
        self.following = following
        self.unigram = ids  # drawing an index of the corpus draws by frequency
        self.starts = [ids[i + 1] for i in range(len(ids) - 1) if _ends_sentence(words[i])] or ids

    @staticmethod
    def _fallback_words(rng: random.Random) -> list[str]:
        syllables = _FALLBACK_SYLLABLES.split()
        vocab = [
            "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(5000)
        ]
        weights = [1 / (i + 1) for i in range(len(vocab))]
        words = rng.choices(vocab, weights, k=60_000)
        for i in range(0, len(words), rng.randint(8, 20)):
            words[i] += "."
        return words

    def sentence(self) -> str:
        rng, words, following, unigram = self.rng, self.words, self.following, self.unigram
        w = self.starts[int(rng.random() * len(self.starts))]
        out = [words[w]]
        while len(out) < 60:
            nxt = following[w]
            if not nxt or rng.random() < UNIGRAM_JUMP:
                w = unigram[int(rng.random() * len(unigram))]
            else:
                w = nxt[int(rng.random() * len(nxt))]
            word = words[w]
            out.append(word)
            if len(out) >= 6 and _ends_sentence(word):
                break
        text = " ".join(out)
        text = text[0].upper() + text[1:]
        return text if _ends_sentence(text) else text.rstrip(",;:") + "."

    def article(self, n: int) -> dict[str, str]:
        rng = self.rng
        paragraphs: list[str] = []
        size = 0
        goal = int(ARTICLE_CHARS * rng.uniform(0.8, 1.2))
        while size < goal:
            para = " ".join(self.sentence() for _ in range(rng.randint(2, 5)))
            paragraphs.append(para)
            size += len(para) + 2
        title = self.sentence().rstrip(".")[:90]
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "story"
        return {
            "url": f"https://archive.example/{2000 + n % 25}/{n % 12 + 1:02d}/{slug}-{n}/",
            "title": title,
            "published": f"{2000 + n % 25}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "text": "\n\n".join(paragraphs),
        }


def _ends_sentence(word: str) -> bool:
    return word.endswith((".", "?", "!")) and not word.endswith("..")


def training_corpus(data: Path) -> str:
    """English news text from the newspaper4k test texts, read in place; empty without them.

    The archive is an English-language publisher's: the few test texts in other
    languages (or quoting other scripts) are left out, so that not every
    generated article carries a word of Chinese or Thai.
    """
    parts = []
    for path in sorted((data / TRAINING).glob("**/txt/*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        latin = all(ord(ch) < 0x0250 or 0x2000 <= ord(ch) < 0x2070 for ch in set(text))
        if latin and sum(ord(ch) > 127 for ch in text) <= 0.02 * len(text):
            parts.append(text)
    return "\n".join(parts)


def write_archive(path: Path, size: int, corpus: str) -> tuple[int, int]:
    """Write ``size`` articles as JSONL; returns (bytes of article text, bytes of the file)."""
    prose = Prose(corpus, SEED)
    text_bytes = 0
    # Written aside and renamed when whole: an interrupted run leaves no archive
    # that a later run with --work would take for a finished one.
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as fh:
        for n in range(size):
            record = prose.article(n)
            text_bytes += len(record["text"].encode("utf-8"))
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(path)
    return text_bytes, path.stat().st_size


def read_archive(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


class Archive(Sequence[dict[str, str]]):
    """The JSONL export as a sequence read on demand: a million articles do not fit in memory.

    Holds the offset of each line (8 bytes an article); ``archive[i]`` reads one line.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        offsets = array("q")
        with path.open("rb") as fh:
            at = 0
            for line in fh:
                offsets.append(at)
                at += len(line)
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, i):  # type: ignore[override]
        with self.path.open("rb") as fh:
            fh.seek(self.offsets[i])
            return json.loads(fh.readline())

    def __iter__(self) -> Iterator[dict[str, str]]:
        return read_archive(self.path)


# --- targets: real host pages with excerpts inserted --------------------------------------


@dataclass(frozen=True)
class Excerpt:
    url: str  # the archive article it comes from
    text: str  # as inserted into the target
    edited: bool
    article: int  # the article's place in the archive


@dataclass(frozen=True)
class Target:
    name: str
    html: str
    excerpts: tuple[Excerpt, ...]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def host_paragraphs(data: Path) -> list[list[str]]:
    """The visible paragraphs of each real host page (Scrapinghub benchmark), read in place."""
    pages = []
    for path in sorted((data / HOSTS / "html").glob("*.html.gz")):
        page = page_from_html(gzip.decompress(path.read_bytes()), path.name)
        paras = [p.strip() for p in page.text.split("\n\n") if len(p.strip()) > 40]
        if sum(map(len, paras)) > 2000:
            pages.append(paras)
    if not pages:  # no benchmark pages here: host text from the generator itself
        prose = Prose("", SEED + 1)
        pages = [[" ".join(prose.sentence() for _ in range(4)) for _ in range(30)]]
    return pages


def _excerpt(text: str, rng: random.Random) -> str:
    """100–800 characters of an article, starting at a sentence, ending at a word."""
    flat = " ".join(text.split())
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(flat)]
    want = rng.randint(*EXCERPT_CHARS)
    for _ in range(20):
        start = rng.choice(starts)
        if len(flat) - start >= want:
            break
    else:
        start = 0
    end = start + want
    if end < len(flat):  # end at a word: the next space, or the last one if that is too far
        after = flat.find(" ", end)
        end = after if 0 <= after <= start + EXCERPT_CHARS[1] else flat.rfind(" ", start, end)
    return flat[start:end].strip()


def _edit(text: str, rng: random.Random) -> str:
    """A partner's light edits: curly quotes, letters swapped, a word dropped or swapped."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 40)):
        i = rng.randrange(len(words))
        choice = rng.random()
        word = words[i]
        if choice < 0.3 and len(word) > 4:
            j = rng.randrange(1, len(word) - 1)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]  # swapped letters
        elif choice < 0.55 and 0 < i < len(words) - 1:
            del words[i]
        elif choice < 0.8 and i < len(words) - 1:
            words[i], words[i + 1] = words[i + 1], words[i]
        else:
            words[i] = word.upper() if word.islower() else word.lower()
    out = " ".join(words)
    return out.replace("'", "\u2019").replace(' "', " \u201c").replace('" ', "\u201d ")


def make_targets(
    archive: Sequence[dict[str, str]], hosts: list[list[str]], count: int, seed: int
) -> list[Target]:
    """``count`` targets of ~10,000 characters with excerpts of random archive articles."""
    rng = random.Random(seed)
    targets = []
    for n in range(count):
        host = hosts[n % len(hosts)]
        excerpts = []
        for e in range(EXCERPTS_PER_TARGET):
            place = rng.randrange(len(archive))
            record = archive[place]
            piece = _excerpt(record["text"], rng)
            edited = e % 2 == 1
            text = _edit(piece, rng) if edited else piece
            excerpts.append(Excerpt(record["url"], text, edited, place))
        room = TARGET_CHARS - sum(len(x.text) + 2 for x in excerpts)
        paras: list[str] = []
        i = rng.randrange(len(host))
        while sum(len(p) + 2 for p in paras) < room:
            paras.append(host[i % len(host)])
            i += 1
        text_len = sum(len(p) + 2 for p in paras)
        if text_len > room and len(paras) > 1:  # trim the last paragraph to the size
            cut = paras[-1][: max(40, len(paras[-1]) - (text_len - room))]
            paras[-1] = cut[: cut.rfind(" ")] if " " in cut else cut
        for x in excerpts:
            paras.insert(rng.randint(0, len(paras)), x.text)
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
        title = html.escape(f"Host page {n}")
        doc = (
            f"<!doctype html><html><head><title>{title}</title></head>"
            f"<body><article>{body}</article></body></html>"
        )
        targets.append(Target(f"target-{n}", doc, tuple(excerpts)))
    return targets


def target_page(target: Target) -> Page:
    return page_from_html(target.html, f"https://partner.example/{target.name}")


# --- measuring ------------------------------------------------------------------------


def _spans_cover(spans: Sequence[tuple[int, int]], start: int, end: int) -> int:
    """Characters of [start, end) covered by the (possibly overlapping) spans."""
    covered, reach = 0, start
    for a, b in sorted(spans):
        a, b = max(a, reach), min(b, end)
        if b > a:
            covered += b - a
            reach = b
    return covered


def _excerpt_span(page: Page, excerpt: Excerpt) -> tuple[int, int] | None:
    start = page.text.find(excerpt.text)
    return (start, start + len(excerpt.text)) if start >= 0 else None


@dataclass
class Baseline:
    """A competitor's figures on the same targets."""

    name: str
    ms_per_target: float
    recall: float | None
    targets: int
    note: str = ""
    setup_s: float | None = None  # work a run repeats before the first target (no index)


@dataclass
class SizeResult:
    backend: str
    size: int
    jobs: int
    text_bytes: int
    ingest_s: float
    index_bytes: int
    audit_ms: list[float]  # wall time
    candidates: float
    found: int
    excerpts: int
    rss_mb: float
    traced_mb: float
    lookup_ms: list[float]
    baselines: list[Baseline] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    writer_cpu_s: float = 0.0  # CPU time of the process that wrote the index (not the workers)
    load: float = 0.0  # load average (1 min) when the ingest ended
    audit_cpu_ms: list[float] = field(default_factory=list)  # the auditing process's CPU time
    recorded: str = ""  # when the ingest figures were recorded by an earlier run (reused index)

    @property
    def mb_s(self) -> float:
        return self.text_bytes / self.ingest_s / 1e6

    @property
    def articles_s(self) -> float:
        return self.size / self.ingest_s

    @property
    def median_ms(self) -> float:
        return statistics.median(self.audit_ms)

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.audit_cpu_ms) if self.audit_cpu_ms else float("nan")

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.audit_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def lookup_median_ms(self) -> float:
        return statistics.median(self.lookup_ms)

    @property
    def recall(self) -> float:
        return self.found / self.excerpts if self.excerpts else 0.0


@dataclass
class AuditFigures:
    times_ms: list[float]
    cpu_ms: list[float]
    lookup_ms: list[float]
    found: int
    excerpts: int
    candidates: float
    misses: list[str]


def measure_audits(index: SourceIndex, targets: Sequence[Target]) -> AuditFigures:
    """Audit latency and index look-up time per target (ms), recall, mean candidates, misses."""
    from reprint_check.text.prepared import prepare

    policy = load_policy("default")
    pages = [target_page(t) for t in targets]
    audit_page(pages[0], index, policy)  # warm the caches: CI audits many pages per process
    times, cpu, lookups, found, total, candidates = [], [], [], 0, 0, 0
    misses: list[str] = []
    for target, page in zip(targets, pages, strict=True):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = audit_page(page, index, policy)
        cpu.append((time.process_time() - start_cpu) * 1000)
        times.append((time.perf_counter() - start) * 1000)
        kgrams = prepare(page.text).kgrams
        start = time.perf_counter()
        candidates += len(index.candidates(kgrams)[0])
        lookups.append((time.perf_counter() - start) * 1000)
        for excerpt in target.excerpts:
            span = _excerpt_span(page, excerpt)
            if span is None:
                continue
            total += 1
            passages = [
                (p.target_start, p.target_end)
                for s in result.sources
                if s.url == excerpt.url
                for p in s.passages
            ]
            covered = _spans_cover(passages, *span)
            if covered >= RECALL_COVER * (span[1] - span[0]):
                found += 1
            else:
                misses.append(
                    f"{'edited' if excerpt.edited else 'verbatim'} excerpt of "
                    f"{span[1] - span[0]} characters, {covered} covered"
                )
    return AuditFigures(times, cpu, lookups, found, total, candidates / len(targets), misses)


_CHILD = """
import resource, sys, json
sys.path.insert(0, sys.argv[1])
from reprint_check.audit import audit_page
from reprint_check.index import open_index
from reprint_check.page.html import page_from_html
from reprint_check.policy.rules import load_policy
pages = [page_from_html(h, "https://partner.example/t") for h in json.load(open(sys.argv[3]))]
policy = load_policy("default")
with open_index(sys.argv[2], read_only=True) as index:
    for page in pages:
        audit_page(page, index, policy)
# VmHWM is this process's own peak; ru_maxrss would also hold the parent's at fork
try:
    hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")][0].split()[1]
except OSError:
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(hwm)
"""


def peak_memory(location: str, targets: Sequence[Target], work: Path) -> tuple[float, float]:
    """(peak RSS of a fresh process auditing the targets, peak Python allocations of one audit).

    On PostgreSQL this is the auditing client; the server's memory is its own.
    """
    pages_file = work / "targets.json"
    pages_file.write_text(json.dumps([t.html for t in targets]), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(REPO), location, str(pages_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    rss_mb = int(out.stdout.split()[-1]) / 1024
    policy = load_policy("default")
    page = target_page(targets[0])
    with open_index(location, read_only=True) as index:
        audit_page(page, index, policy)  # a connection pool and caches are not the audit's
        tracemalloc.start()
        audit_page(page, index, policy)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return rss_mb, peak / 1e6


def naive_scan(
    targets: Sequence[Target], archive: Sequence[dict[str, str]], scan: Sequence[int]
) -> Baseline:
    """Every article against 100-character windows of the target with rapidfuzz (one core).

    ``scan`` names the articles scanned; where it is a sample of the archive,
    the time per target is scaled to the whole archive (the scan is linear in
    it) and recall is still measured, since the excerpts' sources are in the sample.
    """
    from rapidfuzz import fuzz, process

    texts = [archive[i]["text"] for i in scan]
    urls = [archive[i]["url"] for i in scan]
    elapsed, found, total = 0.0, 0, 0
    for target in targets:
        page = target_page(target)
        text = page.text
        starts = list(range(0, max(1, len(text) - NAIVE_WINDOW + 1), NAIVE_STEP))
        windows = [text[s : s + NAIVE_WINDOW] for s in starts]
        begin = time.perf_counter()
        scores = process.cdist(
            windows, texts, scorer=fuzz.partial_ratio, score_cutoff=NAIVE_CUTOFF, workers=1
        )
        elapsed += time.perf_counter() - begin
        for excerpt in target.excerpts:
            span = _excerpt_span(page, excerpt)
            if span is None or excerpt.url not in urls:
                continue
            total += 1
            column = urls.index(excerpt.url)
            hit = any(
                scores[w][column] > 0
                and min(span[1], s + NAIVE_WINDOW) - max(span[0], s) >= NAIVE_WINDOW // 2
                for w, s in enumerate(starts)
            )
            found += hit
    per_target = elapsed / len(targets) * 1000 * len(archive) / len(scan)
    note = "" if len(scan) == len(archive) else f"timed on {len(scan):,} articles, scaled"
    return Baseline(
        "naive rapidfuzz scan", per_target, found / total if total else None, len(targets), note
    )


def copydetect_run(targets: Sequence[Target], archive: Sequence[dict[str, str]]) -> Baseline | None:
    """copydetect's winnowing (noise 25, guarantee 30) over the same archive and targets.

    copydetect keeps no index: every run fingerprints the whole archive first
    (``setup_s``), then compares each target with every article.
    """
    try:
        import logging

        from copydetect import CodeFingerprint, compare_files
    except ImportError:
        return None
    logging.getLogger().setLevel(logging.ERROR)
    window = COPYDETECT_GUARANTEE - COPYDETECT_NOISE + 1
    begin = time.perf_counter()
    refs = [
        CodeFingerprint(
            f"{i}.txt", COPYDETECT_NOISE, window, fp=io.StringIO(r["text"]), filter=False
        )
        for i, r in enumerate(archive)
    ]
    setup = time.perf_counter() - begin
    urls = {r["url"]: i for i, r in enumerate(archive)}
    elapsed, found, total = 0.0, 0, 0
    for target in targets:
        page = target_page(target)
        begin = time.perf_counter()
        probe = CodeFingerprint(
            "target.txt", COPYDETECT_NOISE, window, fp=io.StringIO(page.text), filter=False
        )
        results = [compare_files(probe, ref) for ref in refs]
        elapsed += time.perf_counter() - begin
        for excerpt in target.excerpts:
            span = _excerpt_span(page, excerpt)
            if span is None:
                continue
            total += 1
            overlap, _, slices = results[urls[excerpt.url]]
            spans = list(zip(slices[0][0], slices[0][1], strict=True)) if overlap else []
            found += _spans_cover(spans, *span) >= RECALL_COVER * (span[1] - span[0])
    return Baseline(
        "copydetect", elapsed / len(targets) * 1000, found / total, len(targets), "", setup
    )


# --- running ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    targets: int  # audited per size for latency and recall
    naive_targets: int
    naive_sample: int  # articles the naive scan reads per target (then scaled)
    copydetect_targets: int


SMOKE = Plan((200,), 5, 2, 200, 5)
FULL = Plan((1_000, 10_000, 100_000), 100, 2, 1_000, 20)


def fresh_file(path: Path) -> str:
    """An index file's path, with any index a previous run left there removed."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return str(path)


def size_on_disk(location: str) -> int:
    """What ``stats().size_bytes`` reports, without the rest of ``stats()`` (a pass over
    every posting for the boilerplate count, a minute at a million articles)."""
    if not location.startswith("postgresql://"):
        return sum(
            os.path.getsize(location + suffix)
            for suffix in ("", "-wal")
            if os.path.exists(location + suffix)
        )
    import psycopg

    with psycopg.connect(location) as conn:
        (size,) = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = 'reprint_check' AND c.relkind = 'r'"
        ).fetchone()
    return int(size)


def ingest_record(location: str) -> Path:
    """Where a kept SQLite index's ingest figures are recorded, beside it."""
    return Path(location + ".ingest.json")


def measure_backend(
    backend: str,
    location: str,
    size: int,
    export: Path,
    targets: Sequence[Target],
    jobs: int,
    work: Path,
    log: Callable[[str], None],
    reuse: bool = False,
) -> SizeResult:
    """Ingest the export into a new index at ``location``, then audit the targets against it.

    With ``reuse``, a SQLite index an earlier run ingested completely (its figures
    recorded beside it) is audited again without a new ingest, so that two builds'
    audits are timed on the same index: a million articles take half an hour to ingest.
    """
    name = BACKEND_NAMES[backend]
    record = ingest_record(location) if backend == "sqlite" else None
    if reuse and record is not None and record.exists():
        figures = json.loads(record.read_text(encoding="utf-8"))
        text_bytes, ingest_s = figures["text_bytes"], figures["ingest_s"]
        writer_cpu_s, load, recorded = figures["writer_cpu_s"], figures["load"], figures["date"]
        log(f"  {name}: index reused, ingest as recorded on {recorded}")
    else:
        with open_index(location) as index:
            cpu = os.times()
            begin = time.perf_counter()
            text_bytes = ingest([str(export)], index, jobs=jobs).text_bytes
            ingest_s = time.perf_counter() - begin
            writer_cpu_s = sum(os.times()[:2]) - sum(cpu[:2])
            load = os.getloadavg()[0]
        recorded = ""
        log(f"  {name}: ingest {ingest_s:.1f} s ({text_bytes / ingest_s / 1e6:.2f} MB/s)")
        if record is not None:
            figures = {"text_bytes": text_bytes, "ingest_s": ingest_s, "jobs": jobs}
            figures |= {"writer_cpu_s": writer_cpu_s, "load": load}
            figures["date"] = time.strftime("%Y-%m-%d")
            record.write_text(json.dumps(figures), encoding="utf-8")
    index_bytes = size_on_disk(location)
    with open_index(location, read_only=True) as index:
        audits = measure_audits(index, targets)
    log(
        f"  {name}: audits median {statistics.median(audits.times_ms):.1f} ms "
        f"({statistics.median(audits.cpu_ms):.1f} ms CPU), "
        f"look-up {statistics.median(audits.lookup_ms):.1f} ms, "
        f"recall {audits.found}/{audits.excerpts}"
    )
    rss, traced = peak_memory(location, targets, work)
    return SizeResult(
        backend=name,
        size=size,
        jobs=jobs,
        text_bytes=text_bytes,
        ingest_s=ingest_s,
        index_bytes=index_bytes,
        audit_ms=audits.times_ms,
        candidates=audits.candidates,
        found=audits.found,
        excerpts=audits.excerpts,
        rss_mb=rss,
        traced_mb=traced,
        lookup_ms=audits.lookup_ms,
        misses=audits.misses,
        writer_cpu_s=writer_cpu_s,
        load=load,
        audit_cpu_ms=audits.cpu_ms,
        recorded=recorded,
    )


def run_size(
    size: int,
    plan: Plan,
    corpus: str,
    hosts: list[list[str]],
    jobs: int,
    work: Path,
    log: Callable[[str], None],
    locations: dict[str, str],
    keep: bool = False,
    reuse: bool = False,
) -> list[SizeResult]:
    """One archive size on every backend in ``locations`` (backend -> new index), then baselines.

    The competitors' figures go with the first backend's result.
    """
    export = work / f"archive-{size}.jsonl"
    begin = time.perf_counter()
    if keep and export.exists():  # the same seed writes the same archive: reuse it
        log(f"{size:,} articles: archive {export} reused")
    else:
        write_archive(export, size, corpus)
        log(f"{size:,} articles: archive written in {time.perf_counter() - begin:.1f} s")
    archive = Archive(export)
    targets = make_targets(archive, hosts, plan.targets + 1, SEED + size)
    results = [
        measure_backend(backend, location, size, export, targets[1:], jobs, work, log, reuse)
        for backend, location in locations.items()
    ]
    result = results[0]
    rng = random.Random(SEED)
    naive_targets = targets[1 : 1 + plan.naive_targets]
    sources = {x.article for t in naive_targets for x in t.excerpts}
    sample = sorted(set(rng.sample(range(size), min(size, plan.naive_sample))) | sources)
    if len(sample) >= size:
        sample = list(range(size))
    result.baselines.append(naive_scan(naive_targets, archive, sample))
    log(f"  naive scan: {result.baselines[-1].ms_per_target:.0f} ms per target")
    if size <= COPYDETECT_MAX_ARTICLES:
        copy = copydetect_run(targets[1 : 1 + plan.copydetect_targets], archive)
        if copy is None:
            result.baselines.append(
                Baseline("copydetect", float("nan"), None, 0, "not installed: skipped")
            )
        else:
            result.baselines.append(copy)
            log(f"  copydetect: {copy.ms_per_target:.0f} ms per target, setup {copy.setup_s:.1f} s")
    else:
        result.baselines.append(
            Baseline(
                "copydetect",
                float("nan"),
                None,
                0,
                f"not run: its in-memory fingerprints (~0.3 GB per 1,000 articles) "
                f"of {size:,} articles exceed the machine",
            )
        )
    if not keep:
        export.unlink()
    return results


def profile_audits(location: str, archive_size: int, hosts: list[list[str]], corpus: str) -> str:
    """Where an audit's time goes (cProfile, cumulative), for RESULTS.md."""
    prose = Prose(corpus, SEED)
    archive = [prose.article(n) for n in range(min(archive_size, 2000))]
    targets = make_targets(archive, hosts, 20, SEED - 1)
    pages = [target_page(t) for t in targets]
    policy = load_policy("default")
    profiler = cProfile.Profile()
    with open_index(location, read_only=True) as index:
        audit_page(pages[0], index, policy)
        profiler.enable()
        for page in pages:
            audit_page(page, index, policy)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"reprint_check/", 16)
    lines = [ln.replace(f"{REPO}/", "") for ln in out.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if "ncalls" in ln)
    return "\n".join(lines[start:])


def profile_ingest(corpus: str, work: Path, size: int = 2000) -> tuple[float, str]:
    """One process's ingest rate (MB/s, unprofiled) and where its time goes (cProfile)."""
    from reprint_check.index.ingest import ingest

    export = work / "profile.jsonl"
    text_bytes, _ = write_archive(export, size, corpus)
    with SQLiteIndex(fresh_file(work / "plain.sqlite")) as index:
        begin = time.perf_counter()
        ingest([str(export)], index, jobs=1)
        one_process = text_bytes / (time.perf_counter() - begin) / 1e6
    profiler = cProfile.Profile()
    with SQLiteIndex(fresh_file(work / "profile.sqlite")) as index:
        profiler.enable()
        ingest([str(export)], index, jobs=1)
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(14)
    lines = [ln.replace(f"{REPO}/", "") for ln in out.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if "ncalls" in ln)
    return one_process, "\n".join(lines[start:])


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.platform()}; {cpu}; {os.cpu_count()} cores; Python {platform.python_version()}"
    )


def _fmt(value: float | None, spec: str) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    return format(value, spec)


def table(results: Sequence[SizeResult]) -> list[str]:
    rows = [
        "| archive | index | ingest MB/s (per core) | articles/s | index / raw text | "
        "audit median (CPU) / p95 ms | look-up median ms | candidates | "
        "peak RSS MB (Python peak) "
        "| recall |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r.size:,} | {r.backend} | {r.mb_s:.2f} ({r.mb_s / r.jobs:.2f}) | "
            f"{r.articles_s:,.0f} | {r.index_bytes / r.text_bytes:.2f}× | "
            f"{r.median_ms:.1f} ({_fmt(r.cpu_median_ms, '.1f')}) / {r.p95_ms:.1f} | "
            f"{r.lookup_median_ms:.1f} | "
            f"{r.candidates:.1f} | {r.rss_mb:.0f} ({r.traced_mb:.1f}) | "
            f"{r.recall:.3f} ({r.found}/{r.excerpts}) |"
        )
    compared = next((r.backend for r in results if r.baselines), "")
    rows += [
        "",
        f"| archive | competitor | ms per target | × slower than reprint-check on {compared} "
        "| recall | note |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for r in results:
        for b in r.baselines:
            ratio = b.ms_per_target / r.median_ms if r.median_ms else None
            note = b.note
            if b.setup_s is not None:
                whole = (b.setup_s * 1000 + b.ms_per_target) / r.median_ms
                note = (
                    f"+ {b.setup_s:.1f} s per run to fingerprint the archive (no index): "
                    f"{whole:,.0f}× for a one-target run"
                )
            rows.append(
                f"| {r.size:,} | {b.name} | {_fmt(b.ms_per_target, ',.0f')} | "
                f"{_fmt(ratio, ',.1f')} | {_fmt(b.recall, '.3f')} | {note} |"
            )
    return rows


SIDE_BY_SIDE: tuple[tuple[str, Callable[[SizeResult], float], str], ...] = (
    ("ingest, articles/s", lambda r: r.articles_s, ",.0f"),
    ("index on disk, MB", lambda r: r.index_bytes / 1e6, ",.1f"),
    ("audit median, ms", lambda r: r.median_ms, ".1f"),
    ("audit p95, ms", lambda r: r.p95_ms, ".1f"),
    ("index look-up median, ms", lambda r: r.lookup_median_ms, ".1f"),
    ("auditing process peak RSS, MB", lambda r: r.rss_mb, ".0f"),
    ("recall", lambda r: r.recall, ".3f"),
)


def side_by_side(results: Sequence[SizeResult]) -> list[str]:
    """SQLite's and PostgreSQL's figures for each archive size in one row each, with the ratio."""
    by_key = {(r.size, r.backend): r for r in results}
    sizes = sorted({r.size for r in results})
    pairs = [
        (by_key[size, "SQLite"], by_key[size, "PostgreSQL"])
        for size in sizes
        if (size, "SQLite") in by_key and (size, "PostgreSQL") in by_key
    ]
    if not pairs:
        return []
    rows = [
        "| archive | measure | SQLite | PostgreSQL | PostgreSQL / SQLite |",
        "|---:|---|---:|---:|---:|",
    ]
    for lite, pg in pairs:
        for label, value, spec in SIDE_BY_SIDE:
            a, b = value(lite), value(pg)
            ratio = f"{b / a:.2f}×" if a else "–"
            rows.append(
                f"| {lite.size:,} | {label} | {format(a, spec)} | {format(b, spec)} | {ratio} |"
            )
    return rows


def default_backend(results: Sequence[SizeResult]) -> list[SizeResult]:
    """The results issue 5's targets are judged on: SQLite's, the default index, if measured."""
    return [r for r in results if r.backend == "SQLite"] or list(results)


def verdicts(results: Sequence[SizeResult]) -> list[str]:
    """The issue's targets, each met or not, from this run's figures."""
    results = default_backend(results)
    by_size = {r.size: r for r in results}
    out = []

    def check(ok: bool | None, text: str) -> None:
        mark = "not measured" if ok is None else ("met" if ok else "MISSED")
        out.append(f"- {text}: **{mark}**")

    # the audit targets are judged at the largest archive of 100,000 articles or more,
    # against the archive ten times smaller (100k -> 1M; 10k -> 100k in the default run)
    big = max((r for r in results if r.size >= 100_000), key=lambda r: r.size, default=None)
    mid = by_size.get(big.size // 10) if big else None
    label = f"{big.size:,}" if big else "100,000"
    # Judged on the auditing process's CPU time: an audit is one thread in one process
    # (SQLite in it), so that is its latency on a core of its own, where wall time on a
    # shared machine adds the queue for a core. Wall time is printed beside it.
    check(
        big and big.cpu_median_ms <= 50,
        f"audit of a 10,000-char target at {label} articles, median ≤ 50 ms "
        f"({_fmt(big.cpu_median_ms if big else None, '.1f')} ms CPU, "
        f"{_fmt(big.median_ms if big else None, '.1f')} ms wall)",
    )
    growth = big.cpu_median_ms / mid.cpu_median_ms if big and mid else None
    check(
        None if growth is None else growth <= 1.5,
        f"growth {mid.size if mid else big.size // 10 if big else 10_000:,} → {label} ≤ 1.5× "
        f"({_fmt(growth, '.2f')}× in CPU time)",
    )
    large = [r for r in results if r.size >= 100_000] or [max(results, key=lambda r: r.size)]
    slowest = min(large, key=lambda r: r.mb_s / r.jobs)
    rates = ", ".join(f"{r.mb_s / r.jobs:.2f} at {r.size:,}" for r in large)
    check(
        slowest.mb_s / slowest.jobs >= 2,
        f"ingest ≥ 2 MB/s per core ({rates} articles; smaller archives carry the workers' "
        "start-up)",
    )
    worst = max(r.index_bytes / r.text_bytes for r in results)
    check(worst <= 2, f"index on disk ≤ 2× raw text (largest: {worst:.2f}×)")
    rss = max(r.rss_mb for r in results)
    check(rss <= 200, f"peak memory of auditing ≤ 200 MB (largest: {rss:.0f} MB)")
    ten = by_size.get(10_000)
    copy = next((b for b in ten.baselines if b.name == "copydetect"), None) if ten else None
    if ten and copy is not None and copy.targets:
        ratio = copy.ms_per_target / ten.median_ms
        check(
            ratio >= 20,
            f"≥ 20× faster per audit than copydetect at 10k, comparing "
            f"only (its archive fingerprinting not counted): {ratio:.1f}×",
        )
    else:
        check(None, "≥ 20× faster than copydetect at 10k")
    recall = min(r.recall for r in results)
    check(recall >= 0.99, f"recall ≥ 0.99 at every size (lowest: {recall:.3f})")
    return out


def shortfalls(results: Sequence[SizeResult], one_process: float | None) -> list[str]:
    """Why a missed target was missed, read with the profiles below."""
    all_results = results
    results = default_backend(results)
    out = []
    largest = max(results, key=lambda r: r.size)
    slow = [r for r in results if r.size >= 100_000 and r.mb_s / r.jobs < 2]
    if slow or largest.mb_s / largest.jobs < 2:
        alone = (
            f" One process alone ingests {one_process:.2f} MB/s on one core (2,000 articles); "
            "in it (profile below) k-gram hashing and winnowing, pure Python, are the largest "
            "cost."
            if one_process
            else ""
        )
        out.append(
            "- Ingest per core is short of 2 MB/s "
            f"({', '.join(f'{r.mb_s / r.jobs:.2f} at {r.size:,}' for r in slow or [largest])}): "
            f"the {largest.jobs} workers extract, fingerprint and compress; the writing process "
            "unpickles their results, writes SQLite and builds and merges the runs of postings. "
            "Load average and the writing process's CPU time by size are below: the machine is "
            f"shared, and three processes of the run share {os.cpu_count()} cores.{alone}"
        )
    out += [
        f"- Ingest of {r.size:,} articles into {r.backend}: {r.ingest_s:,.0f} s, of which the "
        f"writing process used {r.writer_cpu_s:,.0f} s of CPU; load average {r.load:.1f} "
        "when it ended"
        + (
            f" (recorded on {r.recorded}; this run audited the index it left)."
            if r.recorded
            else "."
        )
        for r in all_results
        if r.size >= 100_000
    ]
    mid = next((r for r in results if r.size == 10_000), None)
    copy = next((b for b in mid.baselines if b.name == "copydetect"), None) if mid else None
    if mid and copy and copy.targets and copy.ms_per_target / mid.median_ms < 20:
        whole_run = (copy.setup_s or 0) * 1000 + copy.ms_per_target
        out.append(
            f"- Against copydetect's comparison alone ({copy.ms_per_target:.0f} ms per target "
            f"with all 10,000 fingerprint sets already in memory) a whole audit is "
            f"{copy.ms_per_target / mid.median_ms:.1f}× faster, short of 20×: the audit also "
            "aligns its candidates at character level and checks links (profile above: "
            "`align.prepare` of each candidate, `index.body_polynomials` verifying articles that "
            "share one fingerprint, `checks.judge`). copydetect keeps no index, so a run that "
            f"audits one page first fingerprints the archive ({copy.setup_s:.0f} s): per such "
            f"run reprint-check is {whole_run / mid.median_ms:,.0f}× faster."
        )
    return out


METHOD = """\
How it was measured (`python benchmarks/scale.py`):

- Archive: deterministic synthetic news prose (seed {seed}): a word-bigram model learned
  at run time from the newspaper4k test texts (`--data DIR`), with {jump:.0%} of the words
  drawn from word frequencies instead, so that common phrases recur across articles as in
  a real archive; ~3,200 characters per article, written as a JSONL export.
- Ingest: `reprint_check.index.ingest.ingest` from that JSONL with `jobs={jobs}` (both cores),
  wall time over the UTF-8 bytes of article text; per core = total / jobs. Index size: the
  SQLite file after the ingest (write-ahead log folded in) over the raw article text.
- Targets: ~10,000 characters of paragraphs of real host pages (the Scrapinghub benchmark
  pages, `--data DIR`) with {excerpts} excerpts of random archive articles inserted, 100–800
  characters each, every second one lightly edited (curly quotes, swapped letters, a word
  dropped or swapped, case changed). Latency: `audit_page` in-process with the index open
  (process start-up excluded, OS file cache warm), default policy. Recall: an excerpt is found
  when passages attributed to its source article cover ≥ {cover:.0%} of it.
- Memory: peak RSS of a fresh process that opens the index and audits every target
  (interpreter and libraries included); in brackets, tracemalloc's peak of one audit.
- Naive baseline: rapidfuzz `partial_ratio` (score ≥ {cutoff:g}) of every
  {window}-character window (step {step}) of the target against every article, one core;
  at 10k and 100k timed on a sample of articles and scaled linearly. Found when a window
  half inside the excerpt matches its source.
- copydetect {cdv}: `CodeFingerprint` (noise {noise}, guarantee {guarantee}, no
  tokenising filter) per article, `compare_files` of the target against each; found when
  its copied slices cover ≥ {cover:.0%} of the excerpt.
- PostgreSQL: a throw-away server started for the run (`tests/pgcluster.py`: initdb in a
  temporary folder, loopback TCP, the same two cores as the benchmark), durable defaults
  (fsync, synchronous commit) with {pg_settings}; one database per archive size, the same
  export, `ingest` (COPY) and targets as SQLite. Index size: the tables of the
  `reprint_check` schema with their indexes and TOAST. Look-up: `candidates()` alone.
"""


def write_results(
    path: Path,
    results: Sequence[SizeResult],
    profile: str,
    ingest_profile: str,
    total_s: float,
    notes: list[str],
    postgres: list[str],
    command: str = "",
) -> None:
    try:
        from importlib.metadata import version

        cdv = version("copydetect")
    except Exception:
        cdv = "(not installed)"
    text = [
        "# Scale benchmark",
        "",
        f"Machine: {machine()}.",
        f"Run: `python benchmarks/scale.py{command}` on {time.strftime('%Y-%m-%d')}, "
        f"{total_s / 60:.1f} minutes in all.",
        "",
        *table(results),
        "",
        *(
            ["## PostgreSQL beside SQLite", "", *side_by_side(results), "", *postgres, ""]
            if postgres
            else []
        ),
        "## Targets of issue 5 (SQLite, the default index)",
        "",
        *verdicts(results),
        "",
        *[f"- missed at {r.size:,} ({r.backend}): {miss}" for r in results for miss in r.misses],
        *notes,
        "",
        "## Where an audit's time goes",
        "",
        "cProfile of 20 audits against the largest index (cumulative seconds):",
        "",
        "```",
        profile,
        "```",
        "",
        "## Where ingest time goes",
        "",
        "cProfile of a one-process ingest of 2,000 articles (own time, seconds):",
        "",
        "```",
        ingest_profile,
        "```",
        "",
        "## Method",
        "",
        METHOD.format(
            seed=SEED,
            jump=UNIGRAM_JUMP,
            jobs=results[0].jobs,
            excerpts=EXCERPTS_PER_TARGET,
            cover=RECALL_COVER,
            cutoff=NAIVE_CUTOFF,
            window=NAIVE_WINDOW,
            step=NAIVE_STEP,
            cdv=cdv,
            noise=COPYDETECT_NOISE,
            guarantee=COPYDETECT_GUARANTEE,
            pg_settings=", ".join(f"{k} = {v}" for k, v in PG_SETTINGS.items()),
        ),
    ]
    path.write_text("\n".join(text + _host_pages_section(path)), encoding="utf-8")


# benchmarks/host_pages.py keeps its figures in a section of the same file: carried over.
HOST_PAGES_SECTION = "## Real host pages"


def _host_pages_section(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if HOST_PAGES_SECTION not in lines:
        return []
    start = lines.index(HOST_PAGES_SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
    return ["", "", *lines[start:end]]


def postgres_breakdown(dsn: str) -> list[str]:
    """The PostgreSQL index's size by table and index (MB), largest first."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = 'reprint_check' AND c.relkind IN ('r', 'i') "
            "ORDER BY 2 DESC, 1"
        ).fetchall()
        (version,) = conn.execute("SHOW server_version").fetchone()
        tuples = conn.execute(
            "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "WHERE schemaname = 'reprint_check' AND relname = 'chunks'"
        ).fetchone()
    parts = ", ".join(f"{name} {size / 1e6:,.0f}" for name, size in rows if size >= 1e6)
    dead = (
        f" The chunks table held {tuples[0]:,} live rows and {tuples[1]:,} dead ones (rows "
        "a merge replaced, whose space autovacuum makes reusable, not smaller)."
        if tuples
        else ""
    )
    return [
        f"- Server: PostgreSQL {version.split()[0]}. Largest index by relation, MB: {parts}.{dead}"
    ]


def postgres_notes(results: Sequence[SizeResult], breakdown: list[str]) -> list[str]:
    """What the side-by-side figures mean, from this run's numbers."""
    pairs = {
        r.size: (r, p)
        for r in results
        for p in results
        if r.size == p.size and r.backend == "SQLite" and p.backend == "PostgreSQL"
    }
    if not pairs:
        return []
    size = max(pairs)
    lite, pg = pairs[size]
    return [
        *breakdown,
        f"- At {size:,} articles PostgreSQL's index is "
        f"{pg.index_bytes / lite.index_bytes:.1f}× SQLite's. Both keep postings as runs of "
        "chunks of up to 128 postings, one row a chunk (`reprint_check/index/postings.py`); "
        "PostgreSQL's table also holds the rows that the ingest's merges replaced, until "
        "vacuum reuses their space (they do not shrink the file), where SQLite reuses a "
        "merge's freed pages in the same transaction.",
        f"- An audit on PostgreSQL takes {pg.median_ms - lite.median_ms:+.1f} ms against SQLite "
        f"at the median ({pg.median_ms:.1f} vs {lite.median_ms:.1f} ms); the look-up alone "
        f"{pg.lookup_median_ms - lite.lookup_median_ms:+.1f} ms "
        f"({pg.lookup_median_ms:.1f} vs {lite.lookup_median_ms:.1f} ms): several round "
        "trips over TCP per target (a snapshot, the chunks that may hold its k-grams, the "
        "article ids of those holding rare ones, the articles sharing one fingerprint, the "
        "candidates), against SQLite's in-process calls. Candidates and recall are the same "
        "by construction (one "
        "ranking, `index.base.rank_candidates`, over the same rows): "
        f"{pg.candidates:.1f} vs {lite.candidates:.1f} candidates per target, "
        f"recall {pg.recall:.3f} vs {lite.recall:.3f}.",
        f"- Ingest on PostgreSQL runs at {pg.articles_s / lite.articles_s:.2f}× SQLite's rate "
        f"at {size:,} articles, with the server on the same two cores as the workers; a "
        "server of its own would take that load off the machine that ingests.",
        "- Peak RSS is the auditing client's; the server's shared buffers are its own.",
    ]


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be started for the run (tools or driver missing, start failed)."""


def start_postgres(stack: contextlib.ExitStack) -> Cluster:
    """A throw-away server for this run, stopped and deleted when ``stack`` closes."""
    try:
        import psycopg  # noqa: F401
    except ImportError as e:
        raise PostgresUnavailable(f"psycopg is not installed ({e})") from e
    try:
        return stack.enter_context(throwaway_cluster(PG_SETTINGS))
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        raise PostgresUnavailable(str(e)) from e


def new_database(cluster: Cluster, name: str) -> str:
    """An empty database on the server, for one index; its URL."""
    import psycopg

    with psycopg.connect(cluster.dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return cluster.database_dsn(name)


def shown_command(argv: Sequence[str]) -> str:
    """The run's arguments as RESULTS.md shows them: folders of this machine as DIR and WORK."""
    shown, placeholder = [], {"--data": "DIR", "--work": "WORK"}
    for i, arg in enumerate(argv):
        name = arg.split("=", 1)[0]
        if name in placeholder and "=" in arg:
            arg = f"{name}={placeholder[name]}"
        elif i and argv[i - 1] in placeholder:
            arg = placeholder[argv[i - 1]]
        shown.append(f" {arg}")
    return "".join(shown)


def main(argv: Sequence[str] | None = None) -> int:
    from reprint_check.index.ingest import default_jobs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a seconds-long run for CI")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help=f"folder holding {TRAINING}/ and {HOSTS}/",
    )
    parser.add_argument("--sizes", help="comma-separated archive sizes (default 1k,10k,100k)")
    parser.add_argument("--targets", type=int, help="targets audited per size")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="ingest workers")
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql", "both"],
        default="both",
        help="index backends measured (default both; PostgreSQL on a throw-away server)",
    )
    parser.add_argument(
        "--postgresql-up-to",
        type=int,
        metavar="N",
        help="measure PostgreSQL only at archive sizes up to N (SQLite at every size)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the archives and SQLite indexes in this folder (and reuse its archives)",
    )
    parser.add_argument(
        "--reuse-indexes",
        action="store_true",
        help="with --work: audit the SQLite indexes an earlier run ingested there, without "
        "ingesting again (their ingest figures are the recorded ones)",
    )
    args = parser.parse_args(argv)
    if args.reuse_indexes and not args.work:
        parser.error("--reuse-indexes needs --work (the folder that keeps the indexes)")
    plan = SMOKE if args.smoke else FULL
    if args.sizes:
        plan = Plan(tuple(int(s) for s in args.sizes.split(",")), *list(vars(plan).values())[1:])
    if args.targets:
        plan = Plan(plan.sizes, args.targets, *list(vars(plan).values())[2:])

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    corpus = training_corpus(args.data)
    notes = []
    if not corpus:
        notes.append(
            f"- No newspaper4k test texts under {args.data}: archive and host text came from "
            "the built-in fallback generator."
        )
    hosts = host_paragraphs(args.data)
    results: list[SizeResult] = []
    postgres: list[str] = []
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    work = args.work or Path(tempfile.mkdtemp(prefix="reprint-check-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if not args.work:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        cluster = None
        if "postgresql" in backends:
            try:
                cluster = start_postgres(stack)
            except PostgresUnavailable as e:
                if args.backend == "postgresql" or os.environ.get("CI"):
                    print(f"scale.py: PostgreSQL: {e}", file=sys.stderr)
                    return 2
                log(f"PostgreSQL not measured: {e}")
                notes.append(f"- PostgreSQL was not measured: {e}.")
                backends.remove("postgresql")

        def new_index(backend: str, size: int) -> str:
            if backend == "sqlite":
                kept = work / f"index-{size}.sqlite"
                if args.reuse_indexes and ingest_record(str(kept)).exists():
                    return str(kept)
                ingest_record(str(kept)).unlink(missing_ok=True)
                return fresh_file(kept)
            assert cluster is not None
            return new_database(cluster, f"scale_{size}")

        limit = args.postgresql_up_to
        pg_location = None  # PostgreSQL's index of the largest size it was measured at
        for size in plan.sizes:
            chosen = [b for b in backends if b != "postgresql" or limit is None or size <= limit]
            locations = {backend: new_index(backend, size) for backend in chosen}
            pg_location = locations.get("postgresql", pg_location)
            results += run_size(
                size,
                plan,
                corpus,
                hosts,
                args.jobs,
                work,
                log,
                locations,
                keep=bool(args.work),
                reuse=args.reuse_indexes,
            )
        profile = ingest_profile = ""
        one_process = None
        if not args.smoke:
            profile = profile_audits(locations[chosen[0]], plan.sizes[-1], hosts, corpus)
            one_process, ingest_profile = profile_ingest(corpus, work)
        if pg_location is not None:
            postgres = postgres_notes(results, postgres_breakdown(pg_location))
    total = time.perf_counter() - began
    notes += [
        f"- Load average (1 min) at the start and end of the run: {load_before:.1f} and "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. The workplace's machine is "
        "shared with other processes: latencies and ingest rates vary by ±20 % between runs.",
        "- copydetect keeps no index: each run fingerprints the whole archive before it "
        "compares anything. The ratio column compares only its per-target comparison with a "
        "whole reprint-check audit; a user auditing one page pays the set-up too (note).",
        "- Peak RSS is the process's own high-water mark (VmHWM), interpreter, lxml and "
        "trafilatura included (~55 MB before the index is opened).",
    ]
    notes += shortfalls(results, one_process)
    print(f"reprint-check scale benchmark: {machine()}")
    print("\n".join(table(results)))
    print()
    if len(backends) > 1:
        print("\n".join(side_by_side(results)))
        print()
    print("\n".join(verdicts(results)))
    if any(b.name == "copydetect" and not b.targets for r in results for b in r.baselines):
        print("(copydetect column skipped where noted)")
    print(f"{total:.1f} s in all")
    if not args.smoke and not args.no_write:
        write_results(
            Path(__file__).with_name("RESULTS.md"),
            results,
            profile,
            ingest_profile,
            total,
            notes,
            postgres,
            shown_command(argv if argv is not None else sys.argv[1:]),
        )
        print(f"wrote {Path(__file__).with_name('RESULTS.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
