"""Sweep web crawls for copies nobody reported: WARC and WET files against the index.

``reprint-check sweep MANIFEST|WARC... --index … --out DIR`` reads every
record of the files (local paths or URLs; a manifest lists them, one a line,
like Common Crawl's ``warc.paths.gz``), puts every page through the first
test (:mod:`.firsttest`: does it share one k-gram with the archive's
fingerprints?) and audits the few that pass with the policies, exactly as
``reprint-check audit`` would. It writes one JSON line per page that reuses
the archive and a per-domain summary (:mod:`.summary`).

Modules, in the order a record meets them: :mod:`.records` (WARC/WET
reading, broken records counted), :mod:`.visible` (a page's words, cheaply),
:mod:`.firsttest`, :mod:`.worker` (one file, the same on every engine),
:mod:`.local` and :mod:`.spark` (engines), :mod:`.summary` (outputs),
:mod:`.render` (the summary as HTML or Markdown).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urljoin

from reprint_check.errors import FetchError, InputError
from reprint_check.index import open_index
from reprint_check.index.sources import is_url
from reprint_check.index.sqlite import DEFAULT_INDEX_PATH
from reprint_check.policy.rules import Policies
from reprint_check.sweep.firsttest import FirstTest, build_first_test
from reprint_check.sweep.summary import SweepOutcome, write
from reprint_check.sweep.worker import FileResult, SweepSettings
from reprint_check.web.fetch import Fetcher

ENGINES = ("local", "spark")
# Files named so are WARC files whatever they hold (an empty or broken one is counted).
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".arc", ".arc.gz")
# URLs ending so are manifests (lists of WARC files), not WARC files.
MANIFEST_SUFFIXES = (".paths", ".paths.gz", ".txt", ".txt.gz")
_WARC_MAGIC = b"WARC/"
_SNIFF_BYTES = 65536
# A manifest of every WARC file of a monthly crawl is about 10 MB uncompressed.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024

__all__ = ["ENGINES", "SweepOutcome", "SweepSettings", "expand_inputs", "sweep"]


def expand_inputs(
    specs: Sequence[str], *, prefix: str | None = None, fetcher: Fetcher | None = None
) -> list[str]:
    """The WARC files named: each spec is a WARC/WET file, or a manifest listing some.

    A local file is a manifest when it is not a WARC file (its first bytes,
    inflated if need be, do not read ``WARC/``); a missing one is kept, so
    the sweep reports it with the rest. Manifest lines that are not URLs are
    joined to ``prefix`` (e.g. ``https://data.commoncrawl.org/``), else taken
    relative to the manifest's folder.
    """
    out: list[str] = []
    for spec in specs:
        if is_url(spec):
            if spec.lower().endswith(MANIFEST_SUFFIXES):
                if fetcher is None:
                    raise InputError(f"{spec}: a manifest URL needs a fetcher")
                try:
                    data = fetcher.fetch(spec).content
                except FetchError as e:
                    raise InputError(str(e)) from e
                out += _manifest_lines(spec, data, prefix, base=None)
            else:
                out.append(spec)
            continue
        path = Path(spec)
        if not path.is_file() or path.name.lower().endswith(WARC_SUFFIXES):
            out.append(spec)  # a missing one is reported by the sweep with the rest
            continue
        try:
            with path.open("rb") as stream:
                head = stream.read(_SNIFF_BYTES)
                if _is_warc(head):
                    out.append(spec)
                    continue
                data = head + stream.read(MAX_MANIFEST_BYTES)
        except OSError as e:
            raise InputError(f"{spec}: cannot read ({e.strerror})") from e
        out += _manifest_lines(spec, data, prefix, base=path.parent)
    return out


def _is_warc(data: bytes) -> bool:
    """Whether a file's first bytes (inflated if gzip) open a WARC record."""
    head = data
    if head[:2] == b"\x1f\x8b":
        try:
            head = gzip.GzipFile(fileobj=_Head(data)).read(16)
        except (OSError, EOFError):
            return True  # a broken gzip file is a broken WARC file, read and counted as such
    return head.lstrip().startswith(_WARC_MAGIC)


class _Head:
    """Just enough of a file object over bytes for GzipFile to inflate the first block."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = bytes(self._data[self._pos : end])
        self._pos += len(chunk)
        return chunk


def _manifest_lines(spec: str, data: bytes, prefix: str | None, base: Path | None) -> list[str]:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise InputError(f"{spec}: not a WARC file nor a readable manifest ({e})") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{spec}: not a WARC file nor a manifest (not text)") from None
    out = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if is_url(entry):
            out.append(entry)
        elif prefix:
            out.append(urljoin(prefix if prefix.endswith("/") else prefix + "/", entry))
        elif base is not None:
            out.append(str(base / entry))
        else:
            out.append(urljoin(spec, entry))
    if not out:
        raise InputError(f"{spec}: manifest lists no WARC file")
    return out


def index_location_of(location: str | None) -> str:
    """The index a sweep uses, resolved as ``open_index`` resolves it, for the workers."""
    return str(location or os.environ.get("REPRINT_CHECK_INDEX") or DEFAULT_INDEX_PATH)


def sweep(
    inputs: Sequence[str],
    *,
    policy: Policies,
    out: str | Path,
    index_location: str | None = None,
    engine: str = "local",
    jobs: int = 1,
    master: str | None = None,
    prefix: str | None = None,
    parquet: str | None = None,
    settings: SweepSettings | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> SweepOutcome:
    """Sweep the files; write findings.jsonl and summary.json (and Parquet, on Spark) in ``out``.

    ``parquet``: where Spark writes the findings table (default
    ``out/findings.parquet``; on a cluster, a path every executor reaches).

    Raises ``InputError`` / ``IndexStoreError`` for what makes the sweep
    meaningless: no file named, an index that is unusable or empty (every
    page would pass), an engine that is not installed.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    settings = settings or SweepSettings()
    location = index_location_of(index_location)
    with Fetcher(settings.fetch) as fetcher:
        specs = expand_inputs(inputs, prefix=prefix, fetcher=fetcher)
    if not specs:
        raise InputError("no WARC file to sweep")
    with open_index(location, read_only=True, require_articles=True) as index:
        first_test: FirstTest = build_first_test(index)
    common = dict(index_location=location, policy=policy, first_test=first_test, settings=settings)
    if engine == "spark":
        from reprint_check.sweep.spark import PARQUET_DIR, run_spark, write_parquet

        results = run_spark(specs, master=master, **common)  # type: ignore[arg-type]
        for result in results:
            if on_file is not None:
                on_file(result)
        outcome = write(out, results, policy.summary())
        write_parquet(outcome.lines, parquet or str((Path(out) / PARQUET_DIR).resolve()))
        return outcome
    from reprint_check.sweep.local import run_local

    results = run_local(specs, jobs=jobs, on_file=on_file, **common)  # type: ignore[arg-type]
    return write(out, results, policy.summary())
