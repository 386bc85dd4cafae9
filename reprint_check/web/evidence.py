"""Evidence: every fetched response, as received, kept in a WARC file (``--evidence DIR``).

A verdict is only as good as the proof of what the partner's page said when it
was audited; pages change, and a screenshot proves little. WARC (ISO 28500) is
the web archives' format for exactly this: each response is stored with its
status line, headers and body as they came off the wire, a capture time, a
unique record ID and digests, and any WARC tool (``warcio check``, pywb,
replayweb.page) can read, verify and replay it. The JSON report then cites, per
target, the record ID and the body's SHA-256 (:class:`~reprint_check.models.Evidence`).

What is stored, exactly:

* one ``warcinfo`` record opening the file, then for every successful fetch a
  ``response`` record per redirect hop and for the final answer, each
  followed by the ``request`` record we sent (``WARC-Concurrent-To`` links the
  pair);
* the body as received: content encodings (gzip, deflate) are kept, so the
  stored bytes are the ones the server sent and match its headers;
  ``WARC-Payload-Digest`` is their SHA-256 (base32, as WARC tools expect) and
  ``Evidence.sha256`` the same digest in hex;
* the headers as received, names in their original case and order, with one
  exception: the HTTP library removes chunked framing before we see the body,
  so a ``Transfer-Encoding`` header is stored as ``X-Archive-Orig-Transfer-Encoding``
  (the convention of WARC replay tools) — otherwise readers would try to
  de-chunk a body that is no longer chunked;
* a redirect's body is kept up to 64 KiB (``WARC-Truncated: length`` beyond).

One file per run, ``DIR/reprint-check-<UTC time>-<pid>.warc.gz``, created on
the first record, so a run that fetches nothing leaves nothing behind. Each
record is its own gzip member, written in one piece and flushed to disk
before its Evidence is handed out: a report never cites a record that is not
on disk, and a failed write is cut back off so the file stays readable.

Known gaps: header values that are not ASCII are percent-encoded by warcio;
a conditional fetch answered ``304 Not Modified`` is recorded as such (its
evidence is an empty body, the earlier capture holds the content).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import tempfile
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from reprint_check.errors import FetchError, InputError
from reprint_check.models import Evidence, Report
from reprint_check.version import __version__
from reprint_check.web.fetch import Fetched, RawResponse

# WARC/1.1: the current spec, with fractional-second dates; every maintained reader knows it.
WARC_VERSION = "1.1"
# Hop-by-hop framing the HTTP library has already undone: kept under this prefix, not as is.
_UNDONE_HEADERS = frozenset({"transfer-encoding"})
ORIG_PREFIX = "X-Archive-Orig-"


class EvidenceRecorder:
    """Writes the run's WARC file and remembers which record proves which URL.

    Pass :meth:`record` to ``Fetcher(on_response=...)``. Thread-safe: fetches
    from a thread pool are written one whole record group at a time.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        _check_directory(self.directory)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.path = self.directory / f"reprint-check-{stamp}-{os.getpid()}.warc.gz"
        self._file: BinaryIO | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._by_url: dict[str, Evidence] = {}

    def __enter__(self) -> EvidenceRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._file is not None:
                # Every record was flushed and synced when written: nothing is lost here.
                with contextlib.suppress(OSError):
                    self._file.close()
                self._file = None

    def record(self, fetched: Fetched, raw: RawResponse) -> Evidence:
        """Keep one fetch (redirect hops, then the final response) and return its Evidence.

        Raises a one-line FetchError naming the URL and the file when the
        record cannot be written (full disk, file removed…): that fetch fails,
        the run goes on.
        """
        hops = (*raw.redirects, raw)
        response_id = _record_id()
        data = io.BytesIO()
        writer = WARCWriter(data, gzip=True, warc_version=WARC_VERSION)
        for hop in raw.redirects:
            _write_exchange(writer, hop, _record_id(), hop.received_at)
        digest = _write_exchange(writer, raw, response_id, fetched.fetched_at)
        evidence = Evidence(
            url=raw.url,
            captured_at=fetched.fetched_at,
            warc_file=str(self.path),
            record_id=response_id,
            sha256=digest,
        )
        with self._lock:
            self._append(fetched.url, data.getvalue())
            for url in (fetched.url, fetched.final_url, *(hop.url for hop in hops)):
                for key in _keys(url):
                    self._by_url[key] = evidence
        return evidence

    def evidence_for(self, url: str) -> Evidence | None:
        """The last final response recorded for ``url``: as requested, a redirect hop, or final."""
        with self._lock:
            for key in _keys(url):
                found = self._by_url.get(key)
                if found is not None:
                    return found
        return None

    def attach(self, report: Report) -> Report:
        """The report with each target's Evidence filled in, where one was recorded."""
        targets = tuple(
            replace(target, evidence=self.evidence_for(target.target) or target.evidence)
            for target in report.targets
        )
        return replace(report, targets=targets)

    # -- writing --

    def _append(self, url: str, data: bytes) -> None:
        """Append whole gzip members and sync them; on failure cut the file back and say so."""
        if self._closed:
            raise FetchError(f"{url}: evidence not kept: {self.path} is already closed")
        start: int | None = None
        try:
            if self._file is None:
                handle = self.path.open("ab")
                try:
                    if handle.tell() == 0:
                        handle.write(_warcinfo(self.path.name))
                        handle.flush()
                except BaseException:
                    handle.close()
                    raise
                self._file = handle
            start = self._file.tell()
            self._file.write(data)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            self._discard(start)
            reason = (exc.strerror or type(exc).__name__).lower()
            raise FetchError(
                f"{url}: evidence not kept: cannot write {self.path}: {reason}"
            ) from None

    def _discard(self, start: int | None) -> None:
        """Best effort: drop a half-written record so later ones stay readable."""
        if self._file is None:
            return
        try:
            if start is not None:
                self._file.truncate(start)
                self._file.seek(start)
        except (OSError, ValueError):
            # The file cannot even be cut back: stop appending to it rather than corrupt it.
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
            self._closed = True


def _check_directory(directory: Path) -> None:
    """Create the evidence directory and prove it writable now, not after the first audit."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except FileExistsError:
        raise InputError(f"{directory}: cannot keep evidence here: not a directory") from None
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise InputError(f"{directory}: cannot keep evidence here: {reason}") from None


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _keys(url: str) -> tuple[str, ...]:
    """The URL as written and as the fetcher spells it (``http://host`` → ``http://host/``)."""
    try:
        normal = str(httpx.URL(url))
    except (httpx.InvalidURL, TypeError, ValueError):
        return (url,)
    return (url,) if normal == url else (url, normal)


def _write_exchange(writer: WARCWriter, raw: RawResponse, response_id: str, date: str) -> str:
    """Write a response record and the request that asked for it; return the body's hex SHA-256."""
    sha256 = hashlib.sha256(raw.body)
    headers: dict[str, str] = {
        "WARC-Record-ID": response_id,
        "WARC-Date": date,  # ISO-8601 UTC with a Z, as WARC wants
        "WARC-Payload-Digest": _warc_digest(sha256),
    }
    if raw.peer:
        headers["WARC-IP-Address"] = raw.peer
    if raw.truncated:
        headers["WARC-Truncated"] = raw.truncated
    statusline = f"{raw.status} {raw.reason}".rstrip()
    http_headers = StatusAndHeaders(
        statusline, list(_as_stored(raw.headers)), protocol=raw.http_version
    )
    response = writer.create_warc_record(
        raw.url,
        "response",
        payload=io.BytesIO(raw.body),
        length=len(raw.body),
        warc_headers_dict=headers,
        http_headers=http_headers,
    )
    url = httpx.URL(raw.url)
    target = url.raw_path.decode("ascii", errors="replace") or "/"
    request_headers = StatusAndHeaders(
        f"GET {target} {raw.http_version}", list(raw.request_headers), is_http_request=True
    )
    request = writer.create_warc_record(
        raw.url,
        "request",
        warc_headers_dict={
            "WARC-Record-ID": _record_id(),
            "WARC-Date": date,
            "WARC-Payload-Digest": _warc_digest(hashlib.sha256(b"")),  # a GET has no body
        },
        http_headers=request_headers,
    )
    writer.write_request_response_pair(request, response)
    return sha256.hexdigest()


def _warc_digest(digest: hashlib._Hash) -> str:
    """A digest as WARC tools write and check it: ``algorithm:BASE32``."""
    return f"{digest.name}:" + base64.b32encode(digest.digest()).decode("ascii")


def _as_stored(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (ORIG_PREFIX + name if name.lower() in _UNDONE_HEADERS else name, value)
        for name, value in headers
    )


def _warcinfo(filename: str) -> bytes:
    """The record that opens the file: which software wrote it and under which rules."""
    data = io.BytesIO()
    writer = WARCWriter(data, gzip=True, warc_version=WARC_VERSION)
    info = {
        "software": f"reprint-check/{__version__}",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": "Responses fetched by reprint-check audits, bodies as received",
    }
    writer.write_record(writer.create_warcinfo_record(filename, info))
    return data.getvalue()
