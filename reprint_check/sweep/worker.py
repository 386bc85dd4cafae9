"""One WARC or WET file, swept: what every engine runs on every file, the same way.

Both engines (local processes, Spark executors) call :func:`sweep_file` with a
:class:`Context` they built once per worker, so they cannot drift apart: the
same records are read, tested, audited and counted, and the findings compare
equal.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from reprint_check.audit import audit_page
from reprint_check.errors import FetchError, ReprintCheckError
from reprint_check.index.base import SourceIndex
from reprint_check.index.sources import is_url
from reprint_check.models import Evidence, TargetResult
from reprint_check.page.html import decode_html, looks_binary, page_from_html, page_from_text
from reprint_check.page.no_text import is_blank
from reprint_check.policy.rules import Policies
from reprint_check.sweep.firsttest import FirstTest
from reprint_check.sweep.records import (
    CHARSET,
    MAX_RECORD_BYTES,
    TRUNCATED,
    UNPARSEABLE,
    Record,
    Skipped,
    garbled,
    read_records,
)
from reprint_check.sweep.visible import page_words
from reprint_check.web.fetch import Fetcher, FetchSettings

# Counters of a sweep, besides the skipped records (counted by reason).
RECORDS = "records"  # WARC records read, of every type (broken ones that could not be: no)
PAGES = "pages"  # HTML responses and WET texts
REJECTED = "rejected"  # pages the first test rejected
AUDITED = "audited"  # pages that met the full audit
NO_TEXT = "no_text"  # audited pages with no text to audit
REUSED = "reused"  # pages that reuse the archive, compliant or not
VIOLATIONS = "violations"  # pages in violation
# Broken records described on standard error per file; the rest are counted only.
MAX_TOLD = 20
# Largest WARC file fetched from a URL (Common Crawl's are about 1 GiB).
MAX_WARC_BYTES = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class SweepSettings:
    """What limits a sweep, the same on every worker."""

    max_record_bytes: int = MAX_RECORD_BYTES
    fetch: FetchSettings = field(
        default_factory=lambda: FetchSettings(
            max_bytes=MAX_WARC_BYTES, read_timeout=60.0, total_timeout=3600.0
        )
    )


@dataclass(frozen=True)
class Finding:
    """A page that reuses the archive: where the crawl keeps it, and its report entry."""

    warc_file: str
    offset: int
    record_id: str
    url: str
    captured_at: str
    result: TargetResult  # its evidence cites the record


@dataclass(frozen=True)
class FileResult:
    """What sweeping one file gave: findings in file order, counters, and a failure if any."""

    position: int  # the file's place among the inputs: results are put back in this order
    warc_file: str
    findings: tuple[Finding, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()  # sorted (name, count) pairs
    error: str | None = None  # the file could not be opened or fetched at all
    bad_input: bool = False  # a local file named by the user that is missing or unreadable
    told: tuple[str, ...] = ()  # one line per broken record (the first MAX_TOLD)
    # CPU seconds the worker spent on the file: for measurements, never written out
    # (the outputs must not depend on the machine).
    cpu_seconds: float = field(default=0.0, compare=False)


@dataclass
class Context:
    """A worker's tools: opened once, used for every file it is given."""

    index: SourceIndex
    policy: Policies
    first_test: FirstTest
    settings: SweepSettings = field(default_factory=SweepSettings)
    fetcher: Fetcher | None = None

    def close(self) -> None:
        if self.fetcher is not None:
            self.fetcher.close()
        self.index.close()


def sweep_file(position: int, spec: str, context: Context) -> FileResult:
    """Every record of one file, through the first test and, if it passes, the audit."""
    started = time.process_time()
    result = _sweep_file(position, spec, context)
    return replace(result, cpu_seconds=time.process_time() - started)


def _sweep_file(position: int, spec: str, context: Context) -> FileResult:
    counts: Counter[str] = Counter()
    findings: list[Finding] = []
    told: list[str] = []
    try:
        with _open(spec, context) as stream:
            for item in read_records(stream, spec, max_bytes=context.settings.max_record_bytes):
                if isinstance(item, Skipped):
                    counts[RECORDS] += item.reason not in (TRUNCATED, UNPARSEABLE)
                    _skip(item, counts, told)
                    continue
                counts[RECORDS] += 1
                counts[PAGES] += 1
                outcome = _page(item, context)
                if isinstance(outcome, Skipped):
                    _skip(outcome, counts, told)
                elif outcome is None:
                    counts[REJECTED] += 1
                else:
                    counts[AUDITED] += 1
                    if outcome.status == "error":
                        counts[NO_TEXT] += 1
                    elif outcome.sources:
                        counts[REUSED] += 1
                        counts[VIOLATIONS] += outcome.status == "violation"
                        findings.append(_finding(item, outcome))
    except FileNotFoundError:
        return FileResult(position, spec, error=f"{spec}: no such file", bad_input=True)
    except IsADirectoryError:
        return FileResult(
            position, spec, error=f"{spec}: a folder, not a WARC file", bad_input=True
        )
    except PermissionError:
        return FileResult(
            position, spec, error=f"{spec}: cannot read (permission denied)", bad_input=True
        )
    except (FetchError, OSError) as e:
        message = str(e) if isinstance(e, FetchError) else f"{spec}: cannot read ({e})"
        return _partial(position, spec, findings, counts, told, message)
    except ReprintCheckError as e:  # the index failed: the run is unusable, not the file
        return FileResult(position, spec, error=str(e), bad_input=True)
    except Exception as e:  # a bug on one file must not lose the rest of the sweep
        message = f"{spec}: internal error: {type(e).__name__}: {e}"
        return _partial(position, spec, findings, counts, told, message)
    return FileResult(
        position, spec, tuple(findings), tuple(sorted(counts.items())), told=tuple(told)
    )


def _partial(
    position: int,
    spec: str,
    findings: list[Finding],
    counts: Counter[str],
    told: list[str],
    error: str,
) -> FileResult:
    """A file that failed part way: what was read before stays in the results."""
    return FileResult(
        position, spec, tuple(findings), tuple(sorted(counts.items())), error, told=tuple(told)
    )


@contextlib.contextmanager
def _open(spec: str, context: Context) -> Iterator[BinaryIO]:
    """A local file, or a URL fetched whole within the fetch limits."""
    if is_url(spec):
        if context.fetcher is None:
            context.fetcher = Fetcher(context.settings.fetch)
        fetched = context.fetcher.fetch(spec)
        yield io.BytesIO(fetched.content)
        return
    with Path(spec).open("rb") as stream:
        yield stream


def _skip(item: Skipped, counts: Counter[str], told: list[str]) -> None:
    counts[f"skipped:{item.reason}"] += 1
    if item.reason in _TOLD and len(told) < MAX_TOLD:
        where = item.record_id or f"offset {item.offset}"
        detail = f" ({item.detail})" if item.detail else ""
        told.append(f"{item.warc_file}: {where}: {_WORDS[item.reason]}{detail}")


_WORDS = {
    "truncated": "broken record skipped",
    "oversized": "record too large, skipped",
    "charset": "text garbled by a wrong charset, skipped",
    "unparseable": "record could not be parsed, skipped",
}
_TOLD = frozenset(_WORDS)


def screen(record: Record, first_test: FirstTest) -> str | Skipped | None:
    """A page's decoded text or HTML when it passes the first test; None when it is rejected.

    Skipped when it cannot be read. All a page costs when it shares nothing
    with the archive: the full audit starts from what this returns. A page
    with no text at all (a script's shell) shares nothing either, but it was
    not checked: it goes to the audit, which counts it as a page without text.
    """

    def skipped(reason: str, detail: str) -> Skipped:
        return Skipped(record.warc_file, record.offset, reason, record.record_id, detail)

    if record.kind == "text":
        text = record.body.decode("utf-8", errors="replace")
        if garbled(text):
            return skipped(CHARSET, "invalid UTF-8")
        return text if is_blank(text) or first_test.passes_text(text) else None
    html = decode_html(record.body, encoding=record.charset)
    if garbled(html):
        return skipped(CHARSET, f"declared {record.charset or 'nothing'}")
    if looks_binary(html):
        return skipped(UNPARSEABLE, "binary data, not an HTML page")
    words = page_words(html)
    if words is None or is_blank(words.visible):
        return html
    return html if first_test.passes_text(words.visible, words.revealed) else None


def _page(record: Record, context: Context) -> TargetResult | Skipped | None:
    """The page's audit; None when the first test rejects it; Skipped when it cannot be read."""
    try:
        screened = screen(record, context.first_test)
        if screened is None or isinstance(screened, Skipped):
            return screened
        if record.kind == "text":
            page = page_from_text(screened, record.url)
        else:
            page = page_from_html(screened, record.url)
            if record.robots:
                page = replace(page, header_robots=record.robots)
        return audit_page(page, context.index, context.policy)
    except FetchError as e:  # binary data, too much text, unparseable HTML
        detail = str(e).removeprefix(f"{record.url}: ")
        return Skipped(record.warc_file, record.offset, UNPARSEABLE, record.record_id, detail)
    except ReprintCheckError:
        raise  # the index failed: every other page would fail too (see sweep_file)
    except Exception as e:  # a bug on one page must not lose the rest of the sweep
        detail = f"internal error: {type(e).__name__}: {e}"
        return Skipped(record.warc_file, record.offset, UNPARSEABLE, record.record_id, detail)


def _finding(record: Record, result: TargetResult) -> Finding:
    evidence = Evidence(
        url=record.url,
        captured_at=record.captured_at,
        warc_file=record.warc_file,
        record_id=record.record_id,
        sha256=record.sha256,
    )
    result = replace(result, target=record.url, evidence=evidence)
    return Finding(
        record.warc_file, record.offset, record.record_id, record.url, record.captured_at, result
    )
