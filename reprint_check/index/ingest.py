"""Ingest at scale: stream sources, fingerprint on every core, write in batches.

A publisher's export can be hundreds of megabytes: it is read one record at a
time and never held whole. Extraction and fingerprinting are the costly part
and run in worker processes (``jobs``), which hand back (article,
fingerprints) in the order of the sources, so the index is written exactly as
a single process would write it. Writes are batched, one transaction per
batch, and each article replaces any stored under one of its URLs: an ingest
interrupted at any point can be run again and leaves no duplicates (articles
already stored as given are skipped, not rewritten).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TypeVar

from reprint_check.errors import FetchError, InputError
from reprint_check.index.base import PreparedArticle, SourceIndex, prepare_article
from reprint_check.index.sources import (
    JSONL_SUFFIXES,
    SourceError,
    article_files,
    article_from_file,
    article_from_jsonl_line,
    has_suffix,
    is_url,
    iter_articles,
    jsonl_lines,
    missing_reason,
)
from reprint_check.index.template import (
    Templates,
    TemplateUpdate,
    strip_article,
    update_templates,
)
from reprint_check.models import Article, SiteHints
from reprint_check.urls import host_of
from reprint_check.web.fetch import Fetcher

_T = TypeVar("_T")
_R = TypeVar("_R")

# Articles written per transaction: large enough that a commit rewrites each
# page of the fingerprint table it touches once for many articles, small
# enough that an interruption loses a few seconds of work.
BATCH_ARTICLES = 2000
# Work units sent to a worker at a time, and chunks in flight per worker:
# enough to keep every core busy, few enough that memory stays flat.
CHUNK_UNITS = 32
CHUNKS_IN_FLIGHT_PER_JOB = 4


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did. ``chars`` counts the article text of the articles read.

    ``templates``: what learning the sites' templates did after the articles were
    stored (hosts whose template grew, stored articles written again without it).
    """

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    chars: int = 0
    text_bytes: int = 0
    templates: TemplateUpdate = field(default_factory=TemplateUpdate)

    @property
    def articles(self) -> int:
        return self.added + self.replaced + self.unchanged


# A unit of work a worker can do without the parent: one JSONL line (its
# bytes and where it came from) or one file; URLs are fetched by the parent.
_Unit = tuple[str, str, bytes | None]


def _jsonl_units(path: Path) -> Iterator[_Unit | SourceError]:
    for line in jsonl_lines(path):
        yield line if isinstance(line, SourceError) else ("jsonl", *line)


def _path_units(path: Path, spec: str) -> Iterator[_Unit | SourceError]:
    """One file as units, checked the way ``iter_articles`` checks it."""
    if not path.exists():
        yield SourceError(spec, missing_reason(path), bad_input=True)
    elif has_suffix(path, JSONL_SUFFIXES):
        yield from _jsonl_units(path)
    else:
        yield ("file", spec, None)


def _units(
    specs: Iterable[str], fetcher: Fetcher | None, hints: SiteHints | None = None
) -> Iterator[_Unit | Article | SourceError]:
    """The sources as units of work, in the order ``iter_articles`` reads them."""
    for spec in specs:
        if is_url(spec):
            yield from iter_articles(spec, fetcher=fetcher, hints=hints)
            continue
        path = Path(spec)
        if path.is_dir():
            for file in article_files(spec, path):
                if isinstance(file, SourceError):
                    yield file
                else:
                    yield from _path_units(file, str(file))
        else:
            yield from _path_units(path, spec)


def _work(
    unit: _Unit | Article | SourceError,
    hints: SiteHints | None = None,
    templates: Templates | None = None,
) -> PreparedArticle | SourceError:
    """Read, extract and fingerprint one unit; a bad one becomes a SourceError, never a crash.

    The article is stored without its site's known template (``templates``).
    """
    if isinstance(unit, SourceError):
        return unit
    if isinstance(unit, Article):
        return prepare_article(strip_article(unit, templates or {}))
    kind, where, raw = unit
    try:
        if kind == "jsonl":
            assert raw is not None
            article = article_from_jsonl_line(where, raw, hints)
            if isinstance(article, SourceError):
                return article
        else:
            article = article_from_file(Path(where), hints)
        return prepare_article(strip_article(article, templates or {}))
    except (FetchError, InputError) as e:
        return SourceError(where, str(e).removeprefix(f"{where}: "), isinstance(e, InputError))
    except Exception as e:  # a bug on one page must not lose the rest of the ingest
        return SourceError(where, f"internal error: {type(e).__name__}: {e}")


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _pool(jobs: int) -> multiprocessing.pool.Pool:
    """Worker processes that start with this module loaded and no state of the parent.

    forkserver where there is one (Linux): a worker never inherits the
    parent's threads (a progress bar's, an HTTP client's) or its open index.
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:
        context = multiprocessing.get_context("spawn")
    return context.Pool(jobs, initializer=_ignore_interrupts)


def _ignore_interrupts() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool; workers print no tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def prepared_articles(
    specs: Iterable[str],
    *,
    jobs: int = 1,
    fetcher: Fetcher | None = None,
    hints: SiteHints | None = None,
    templates: Templates | None = None,
) -> Iterator[PreparedArticle | SourceError]:
    """Every article the sources name, fingerprinted, in source order.

    With ``jobs`` > 1, extraction and fingerprinting run in that many worker
    processes; at most a few chunks per worker are in flight, so a large
    export streams through in constant memory.
    """
    work = functools.partial(_work, hints=hints, templates=templates)
    return map_in_workers(work, _units(specs, fetcher, hints), jobs=jobs)


def map_in_workers(
    func: Callable[[_T], _R], items: Iterable[_T], *, jobs: int = 1, chunk: int = CHUNK_UNITS
) -> Iterator[_R]:
    """``map(func, items)`` in ``jobs`` worker processes, in order, in constant memory.

    ``func`` must be a module-level function, or a partial of one (workers import it
    by name).
    Items are sent ``chunk`` at a time, and at most a few chunks per worker
    are in flight: a source slower than the workers (a crawl) wants small
    chunks, so results come back as soon as they are ready.
    """
    units = iter(items)
    if jobs <= 1:
        for unit in units:
            yield func(unit)
        return
    in_flight = threading.BoundedSemaphore(jobs * CHUNKS_IN_FLIGHT_PER_JOB)
    stop = threading.Event()

    def throttled() -> Iterator[list]:
        # runs in the pool's feeder thread; gives up when the reader has gone
        for part in _chunks(units, chunk):
            while not in_flight.acquire(timeout=0.1):
                if stop.is_set():
                    return
            yield part

    pool = _pool(jobs)
    try:
        for done in pool.imap(functools.partial(_apply, func), throttled()):
            in_flight.release()
            yield from done
        pool.close()
    finally:
        stop.set()
        pool.terminate()
        pool.join()


def _apply(func: Callable[[_T], _R], chunk: list[_T]) -> list[_R]:
    return [func(unit) for unit in chunk]


def ingest(
    specs: Iterable[str],
    index: SourceIndex,
    *,
    jobs: int = 1,
    fetcher: Fetcher | None = None,
    batch_articles: int = BATCH_ARTICLES,
    on_article: Callable[[PreparedArticle], None] | None = None,
    on_error: Callable[[SourceError], None] | None = None,
    hints: SiteHints | None = None,
    learn_templates: bool = True,
) -> IngestResult:
    """Add every article the sources name to the index, in batches of one transaction each.

    ``on_article`` and ``on_error`` are called as items come in (a progress
    bar, error lines); errors never stop the ingest. An interrupted ingest
    keeps the batches it committed; run again, it skips what is stored. ``hints``
    are the publishers' ``[archive]`` hints, by host.

    Articles are stored without their site's template (``template``): the known
    one while they stream in, then, with ``learn_templates``, the templates of the
    hosts this ingest touched are learned again and taken out where they grew.
    """
    templates = index.templates()
    hosts: set[str] = set()
    added = replaced = unchanged = failed = chars = text_bytes = 0
    batch: list[PreparedArticle] = []

    def flush() -> None:
        nonlocal added, replaced, unchanged
        counts = index.add_prepared_many(batch, skip_unchanged=True)
        added += counts.added
        replaced += counts.replaced
        unchanged += counts.unchanged
        batch.clear()

    with index.bulk_writes():
        for item in prepared_articles(
            specs, jobs=jobs, fetcher=fetcher, hints=hints, templates=templates
        ):
            if isinstance(item, SourceError):
                failed += 1
                if on_error is not None:
                    on_error(item)
                continue
            chars += len(item.article.text)
            text_bytes += len(item.article.text.encode("utf-8"))
            hosts.add(host_of(item.article.url))
            batch.append(item)
            if on_article is not None:
                on_article(item)
            if len(batch) >= batch_articles:
                flush()
        if batch:
            flush()
        learned = update_templates(index, hosts) if learn_templates else TemplateUpdate()
    index.checkpoint()
    return IngestResult(added, replaced, unchanged, failed, chars, text_bytes, learned)


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
