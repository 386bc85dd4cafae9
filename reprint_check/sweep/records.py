"""WARC and WET records as pages to audit, or as a counted reason they were skipped.

A web crawl is mostly pages that have nothing to do with the archive, and some
records that are broken: a gzip member cut short, a payload larger than
anyone should parse, text garbled by a wrong charset. A sweep over millions
of records must read past every one of them, count it and go on, never stop
the job. So the reader works one gzip member at a time (the WARC convention,
and Common Crawl's: each record is its own member): a member that does not
inflate is counted, the reader finds the next member's header and carries on.

What is read:

* ``response`` records (HTTP 2xx, HTML by Content-Type or by sniffing) and
  ``resource`` records holding HTML, as HTML pages;
* ``conversion`` records (WET files: the crawl's extracted plain text), as
  text pages;
* everything else (requests, metadata, revisits, images, PDFs, redirects) is
  not a page: counted, not audited, not an error.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

# Largest record payload read, in bytes. Common Crawl cuts pages at 1 MiB; a
# record far larger is an archive, a video or a trap, not a page to parse.
MAX_RECORD_BYTES = 5 * 1024 * 1024
# A decoded page whose replacement characters (U+FFFD) are more than this share
# of its characters, and more than a handful, was decoded with the wrong
# charset: its words are not the words a reader saw, so its reuse cannot be measured.
GARBLED_SHARE = 0.01
GARBLED_MIN = 8
_READ_CHUNK = 1 << 20
# Compressed bytes given to the inflater at a time: what it hands back unused
# at the end of a member is copied, so this bounds the copy per record.
_FEED = 1 << 16
# Room for WARC and HTTP headers on top of the payload limit.
_HEADROOM = 65536
_GZIP_MAGIC = b"\x1f\x8b\x08"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

# Why a record was skipped. The first four are broken records (the sweep could
# not read something: exit code 3); the rest are records that are not pages.
TRUNCATED = "truncated"  # a gzip member or record cut short or corrupt
OVERSIZED = "oversized"  # payload over the size limit
CHARSET = "charset"  # text garbled by a wrong charset
UNPARSEABLE = "unparseable"  # WARC or HTTP headers, or the HTML, cannot be read
NOT_HTML = "not-html"  # a response that is not a web page (image, PDF, script, feed…)
HTTP_STATUS = "http-status"  # a redirect or an error page, not the page itself
OTHER = "other"  # requests, metadata, warcinfo, revisits: records that hold no page
BROKEN = (TRUNCATED, OVERSIZED, CHARSET, UNPARSEABLE)


@dataclass(frozen=True)
class Record:
    """One page of a crawl: where it is kept, when it was captured, and its payload."""

    warc_file: str  # the WARC file as the sweep was given it
    offset: int  # byte offset of the record (its gzip member) in the file
    record_id: str  # WARC-Record-ID, e.g. "<urn:uuid:…>"
    url: str  # WARC-Target-URI
    captured_at: str  # WARC-Date, as written
    kind: str  # "html" | "text"
    body: bytes  # the payload, transfer and content encodings removed
    charset: str | None  # the HTTP Content-Type charset, if any
    stored: bytes = field(repr=False)  # the payload as stored in the record (often ``body``)
    robots: tuple[str, ...] = ()  # X-Robots-Tag header values

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the payload as stored: the evidence of a finding.

        Computed when a finding cites the record, not for the many pages the
        first test rejects.
        """
        return hashlib.sha256(self.stored).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A record that is not audited, and why (one of the reason constants above)."""

    warc_file: str
    offset: int
    reason: str
    record_id: str = ""
    detail: str = ""


def read_records(
    stream: BinaryIO, warc_file: str, *, max_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Record | Skipped]:
    """Every record of a WARC or WET file, gzip-compressed per record or not."""
    head = stream.read(2)
    rest = _Prefixed(head, stream)
    if head == _GZIP_MAGIC[:2]:
        yield from _read_members(rest, warc_file, max_bytes)
    else:
        yield from _read_plain(rest, warc_file, max_bytes)


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read put back in front."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            if len(data) < size:
                data += self._stream.read(size - len(data))
            return data
        return self._stream.read(size)


class _Window:
    """The bytes of a stream from a moving start, read a chunk at a time."""

    def __init__(self, stream: io.RawIOBase) -> None:
        self._stream = stream
        self.data = b""
        self.start = 0  # index in data of the first byte still wanted
        self.offset = 0  # file offset of data[0]
        self.eof = False

    def fill(self) -> bool:
        """Read one more chunk; False at the end of the stream."""
        if self.eof:
            return False
        chunk = self._stream.read(_READ_CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.start > len(self.data) // 2:
            self.offset += self.start
            self.data = self.data[self.start :]
            self.start = 0
        self.data += chunk
        return True

    def position(self) -> int:
        return self.offset + self.start


def _seek_member(window: _Window, start: int) -> bytes:
    """Move the window to the next gzip member header at or after ``start``; the bytes passed.

    At the end of the stream with no header left, the window ends empty.
    """
    found = window.data.find(_GZIP_MAGIC, start)
    while found < 0:
        resume = window.offset + max(start, len(window.data) - 2)  # a header may straddle chunks
        if not window.fill():
            passed = window.data[window.start :]
            window.start = len(window.data)
            return passed
        start = resume - window.offset
        found = window.data.find(_GZIP_MAGIC, start)
    passed = window.data[window.start : found]
    window.start = found
    return passed


def _read_members(
    stream: io.RawIOBase, warc_file: str, max_bytes: int
) -> Iterator[Record | Skipped]:
    """One gzip member at a time; a broken member is counted and the next one found."""
    window = _Window(stream)
    window.fill()
    while window.start < len(window.data) or window.fill():
        junk_from = window.position()
        junk = _seek_member(window, window.start)
        if junk.strip(b"\r\n\x00"):
            yield Skipped(warc_file, junk_from, TRUNCATED, detail="bytes that are no gzip member")
        if window.start >= len(window.data):
            return
        member_start = window.position()
        inflater = zlib.decompressobj(wbits=31)
        pieces: list[bytes] = []
        size = 0
        pos = window.start
        broken = oversized = False
        view = memoryview(window.data)
        while not inflater.eof:
            if pos >= len(window.data):
                view.release()
                offset_before = window.offset
                if not window.fill():
                    break
                pos -= window.offset - offset_before  # the window may have moved its start
                view = memoryview(window.data)
            end = min(pos + _FEED, len(window.data))
            try:
                data = inflater.decompress(view[pos:end])
            except zlib.error:
                broken = True
                break
            pos = end - len(inflater.unused_data)
            size += len(data)
            if size > max_bytes + _HEADROOM:
                oversized = True
            elif data:
                pieces.append(data)
        view.release()
        if broken or not inflater.eof:
            yield Skipped(
                warc_file, member_start, TRUNCATED, detail="gzip member cut short or corrupt"
            )
            _seek_member(window, window.start + 1)  # what lies between belongs to this one
            continue
        window.start = pos
        if oversized:
            yield Skipped(warc_file, member_start, OVERSIZED, detail=f"{size:,} bytes")
        else:
            yield from _records_of(b"".join(pieces), warc_file, member_start, max_bytes)


def _read_plain(stream: io.RawIOBase, warc_file: str, max_bytes: int) -> Iterator[Record | Skipped]:
    iterator = ArchiveIterator(io.BufferedReader(stream), no_record_parse=False)
    offset = 0
    try:
        for record in iterator:
            offset = iterator.offset  # where this record starts (get_record_offset reads it all)
            yield _classify(record, warc_file, offset, max_bytes)
    except (ArchiveLoadFailed, ValueError, EOFError, OSError) as e:
        yield Skipped(warc_file, offset, UNPARSEABLE, detail=f"the rest of the file: {e}")


def _records_of(
    data: bytes, warc_file: str, offset: int, max_bytes: int
) -> Iterator[Record | Skipped]:
    """The records one inflated member holds (one, by the convention; a few, in some tools)."""
    loader = ArcWarcRecordLoader()
    stream = io.BytesIO(data)
    while True:
        while True:  # blank lines between records
            mark = stream.tell()
            line = stream.readline()
            if not line or line.strip():
                break
        if not line:
            return
        stream.seek(mark)
        try:
            record = loader.parse_record_stream(stream, known_format="warc")
        except (ArchiveLoadFailed, ValueError, EOFError) as e:
            yield Skipped(warc_file, offset, UNPARSEABLE, detail=str(e).splitlines()[0][:200])
            return
        yield _classify(record, warc_file, offset, max_bytes)
        while record.raw_stream.read(_READ_CHUNK):  # what _classify left unread
            pass


def _header(record: ArcWarcRecord, name: str) -> str:
    return (record.rec_headers.get_header(name) or "").strip()


def _classify(
    record: ArcWarcRecord, warc_file: str, offset: int, max_bytes: int
) -> Record | Skipped:
    """A page to audit, or why this record is not one."""
    kind = record.rec_type
    record_id = _header(record, "WARC-Record-ID")

    def skipped(reason: str, detail: str = "") -> Skipped:
        return Skipped(warc_file, offset, reason, record_id, detail)

    if kind == "conversion":
        page_kind, content_type = "text", _header(record, "Content-Type")
        if content_type and not content_type.lower().startswith("text/plain"):
            return skipped(NOT_HTML, content_type)
        charset = "utf-8"
    elif kind in ("response", "resource"):
        page_kind = "html"
        headers = record.http_headers if kind == "response" else None
        if kind == "response":
            if headers is None:
                return skipped(UNPARSEABLE, "no HTTP headers")
            status = headers.get_statuscode() or ""
            if not status.startswith("2"):
                return skipped(HTTP_STATUS, status)
            content_type = headers.get_header("Content-Type") or ""
        else:
            content_type = _header(record, "Content-Type")
        media, charset = _media(content_type)
        if media and media not in _HTML_TYPES and media not in ("text/plain", ""):
            return skipped(NOT_HTML, media)
    else:
        return skipped(OTHER, kind)
    length = record.length or 0
    if length > max_bytes + _HEADROOM:
        return skipped(OVERSIZED, f"{length:,} bytes")
    try:
        raw = record.raw_stream.read(max_bytes + 1)
        if kind == "response" and record.http_headers is not None:
            body = _decoded(raw, record, max_bytes + 1)
        else:
            body = raw
    except Exception as e:  # a corrupt chunked or gzip body: any failure means unreadable
        return skipped(TRUNCATED, f"body: {type(e).__name__}")
    if len(body) > max_bytes:
        return skipped(OVERSIZED, f"over {max_bytes:,} bytes")
    if page_kind == "html" and not _looks_html(body, content_type):
        return skipped(NOT_HTML, _media(content_type)[0] or "no Content-Type")
    robots: tuple[str, ...] = ()
    if kind == "response" and record.http_headers is not None:
        robots = tuple(
            value for name, value in record.http_headers.headers if name.lower() == "x-robots-tag"
        )
    return Record(
        warc_file=warc_file,
        offset=offset,
        record_id=record_id,
        url=_header(record, "WARC-Target-URI"),
        captured_at=_header(record, "WARC-Date"),
        kind=page_kind,
        body=body,
        charset=charset,
        stored=raw,
        robots=robots,
    )


def _media(content_type: str) -> tuple[str, str | None]:
    """Media type (lower-cased, no parameters) and charset parameter of a Content-Type."""
    media, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return media.strip().lower(), charset


def _looks_html(body: bytes, content_type: str) -> bool:
    """HTML by its Content-Type, or, where that says nothing useful, by its first bytes."""
    media = _media(content_type)[0]
    if media in _HTML_TYPES:
        return True
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def _decoded(raw: bytes, record: ArcWarcRecord, limit: int) -> bytes:
    """The payload without chunked framing and content encoding, as warcio reads it.

    At most ``limit`` bytes: a small gzip body can inflate to gigabytes.
    """
    headers = record.http_headers
    encoding = (headers.get_header("Content-Encoding") or "").strip().lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    source = io.BytesIO(raw)
    if (headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        return ChunkedDataReader(source, decomp_type=encoding).read(limit)
    if encoding:
        return BufferedReader(source, decomp_type=encoding).read(limit)
    return raw


def garbled(text: str) -> bool:
    """Whether decoding left the text with too many replacement characters to measure reuse."""
    bad = text.count("\ufffd")
    return bad > GARBLED_MIN and bad > GARBLED_SHARE * len(text)
