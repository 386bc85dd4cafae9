"""--evidence: fetched responses kept in a WARC file, cited from the JSON report.

Every test fetches from a real HTTP server on 127.0.0.1 and reads the WARC
back with warcio, the way an editor's archive tool would.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from reprint_check.errors import FetchError, InputError
from reprint_check.models import Evidence, PolicySummary, Report, TargetResult
from reprint_check.report import json as json_report
from reprint_check.web.evidence import EvidenceRecorder
from reprint_check.web.fetch import Fetched, Fetcher, FetchSettings, RawResponse
from tests.localserver import LocalServer, send, send_chunked

# Fictional pages written for these tests.
GZ_HTML = "<html><body><p>The harbour ferry ran late on Tuesday — twice.</p></body></html>"
NEW_HTML = b"<html><body><p>The orchard festival moved to the old mill.</p></body></html>"
GZ_BODY = gzip.compress(GZ_HTML.encode("utf-8"), mtime=0)
GZ_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Encoding", "gzip"),
    ("X-Story-ID", "Ferry-42"),
]
CHUNKS = [b"<html><body><p>Lanterns ", b"along the quay.</p>", b"</body></html>"]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.reply("/ferry", GZ_BODY, headers=GZ_HEADERS)
        srv.route(
            "/old",
            lambda h, _n: send(
                h, 301, b"moved", [("Location", "/new"), ("Content-Type", "text/plain")]
            ),
        )
        srv.reply("/new", NEW_HTML)
        srv.route(
            "/lanterns",
            lambda h, _n: send_chunked(h, CHUNKS, [("Content-Type", "text/html")]),
        )
        for i in range(6):
            srv.reply(f"/page{i}", f"<p>Page {i} of the village notices.</p>".encode())
        yield srv


def settings() -> FetchSettings:
    return FetchSettings(allow_private=True, retries=0)


def read_warc(path: Path) -> list[tuple[ArcWarcRecord, bytes]]:
    """Every record with its payload as stored; digests checked on the way (raise if wrong)."""
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            out.append((record, record.raw_stream.read()))
    return out


def sent_headers(record: ArcWarcRecord) -> list[tuple[str, str]]:
    """The response headers minus the two the standard library server adds itself."""
    return [(k, v) for k, v in record.http_headers.headers if k not in ("Server", "Date")]


def test_warc_keeps_each_response_as_received(server: LocalServer, tmp_path: Path) -> None:
    directory = tmp_path / "evidence"  # does not exist yet: created
    with (
        EvidenceRecorder(directory) as recorder,
        Fetcher(settings(), on_response=recorder.record) as fetcher,
    ):
        ferry = fetcher.fetch(server.url("/ferry"))
        moved = fetcher.fetch(server.url("/old"))
        ferry_evidence = recorder.evidence_for(server.url("/ferry"))
        moved_evidence = recorder.evidence_for(server.url("/old"))

    # The audit still sees the decoded page.
    assert ferry.text == GZ_HTML
    assert moved.final_url == server.url("/new")

    files = list(directory.iterdir())
    assert files == [recorder.path]
    assert re.fullmatch(r"reprint-check-\d{8}T\d{6}Z-\d+\.warc\.gz", recorder.path.name)

    records = read_warc(recorder.path)
    kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r, _ in records]
    assert kinds == [
        ("warcinfo", None),
        ("response", server.url("/ferry")),
        ("request", server.url("/ferry")),
        ("response", server.url("/old")),
        ("request", server.url("/old")),
        ("response", server.url("/new")),
        ("request", server.url("/new")),
    ]
    assert records[0][0].rec_headers.protocol == "WARC/1.1"

    # The gzip page: status line, headers in the server's case and order, gzip bytes as sent.
    response, payload = records[1]
    assert response.http_headers.protocol == "HTTP/1.1"
    assert response.http_headers.statusline == "200 OK"
    assert sent_headers(response) == [*GZ_HEADERS, ("Content-Length", str(len(GZ_BODY)))]
    assert payload == GZ_BODY
    assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert ferry_evidence == Evidence(
        url=server.url("/ferry"),
        captured_at=ferry.fetched_at,
        warc_file=str(recorder.path),
        record_id=response.rec_headers.get_header("WARC-Record-ID"),
        sha256=hashlib.sha256(GZ_BODY).hexdigest(),
    )
    assert response.rec_headers.get_header("WARC-Date") == ferry.fetched_at

    # The request we sent, tied to its response.
    request, _ = records[2]
    assert request.rec_headers.get_header("WARC-Concurrent-To") == ferry_evidence.record_id
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/ferry HTTP/1.1"
    assert request.http_headers.get_header("Accept-Encoding") == "gzip, deflate"

    # The redirect hop is kept too; the evidence is the page it led to.
    hop, hop_body = records[3]
    assert hop.http_headers.statusline == "301 Moved Permanently"
    assert hop.http_headers.get_header("Location") == "/new"
    assert hop_body == b"moved"
    final, final_body = records[5]
    assert final_body == NEW_HTML
    assert moved_evidence is not None
    assert moved_evidence.url == server.url("/new")
    assert moved_evidence.record_id == final.rec_headers.get_header("WARC-Record-ID")
    assert moved_evidence.sha256 == hashlib.sha256(NEW_HTML).hexdigest()
    assert recorder.evidence_for(server.url("/new")) == moved_evidence

    ids = [r.rec_headers.get_header("WARC-Record-ID") for r, _ in records]
    assert len(set(ids)) == len(ids)


def test_warc_readers_decode_the_stored_body(server: LocalServer, tmp_path: Path) -> None:
    """Replay tools undo the gzip from the stored headers; chunked framing is not claimed."""
    with (
        EvidenceRecorder(tmp_path) as recorder,
        Fetcher(settings(), on_response=recorder.record) as fetcher,
    ):
        fetcher.fetch(server.url("/ferry"))
        fetcher.fetch(server.url("/lanterns"))
    decoded = {}
    with recorder.path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                decoded[uri] = (record.http_headers, record.content_stream().read())
    assert decoded[server.url("/ferry")][1] == GZ_HTML.encode("utf-8")
    headers, body = decoded[server.url("/lanterns")]
    assert body == b"".join(CHUNKS)
    assert headers.get_header("Transfer-Encoding") is None
    assert headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"


def test_observer_gets_the_wire_form_and_the_redirect_chain(server: LocalServer) -> None:
    seen: list[tuple[Fetched, RawResponse]] = []
    with Fetcher(settings(), on_response=lambda f, r: seen.append((f, r))) as fetcher:
        fetcher.fetch(server.url("/ferry"))
        fetcher.fetch(server.url("/old"))
    (ferry, ferry_raw), (moved, moved_raw) = seen
    assert ferry.content == GZ_HTML.encode("utf-8")
    assert ferry_raw.body == GZ_BODY
    assert ferry_raw.redirects == ()
    assert moved_raw.url == moved.final_url == server.url("/new")
    assert [(h.url, h.status, h.body) for h in moved_raw.redirects] == [
        (server.url("/old"), 301, b"moved")
    ]


def test_evidence_for_an_unfetched_url_is_none(tmp_path: Path) -> None:
    with EvidenceRecorder(tmp_path) as recorder:
        assert recorder.evidence_for("https://partner.example/story") is None
    assert list(tmp_path.iterdir()) == []  # nothing fetched, no file left behind


def test_evidence_for_matches_the_fetchers_spelling_of_a_url(
    server: LocalServer, tmp_path: Path
) -> None:
    asked = server.url("/new").replace("http://", "HTTP://")
    with (
        EvidenceRecorder(tmp_path) as recorder,
        Fetcher(settings(), on_response=recorder.record) as fetcher,
    ):
        fetcher.fetch(asked)
    found = recorder.evidence_for(asked)
    assert found is not None
    assert found.url == server.url("/new")
    assert recorder.evidence_for(server.url("/new")) == found
    assert recorder.evidence_for(asked.replace("HTTP://", "Http://")) == found


def test_concurrent_fetches_each_get_a_whole_record(server: LocalServer, tmp_path: Path) -> None:
    urls = [server.url(f"/page{i}") for i in range(6)]
    with (
        EvidenceRecorder(tmp_path) as recorder,
        Fetcher(settings(), on_response=recorder.record) as fetcher,
        ThreadPoolExecutor(max_workers=4) as pool,
    ):
        list(pool.map(fetcher.fetch, urls))
        evidence = {url: recorder.evidence_for(url) for url in urls}
    stored = {
        r.rec_headers.get_header("WARC-Record-ID"): (r.rec_headers.get_header("WARC-Target-URI"), p)
        for r, p in read_warc(recorder.path)
        if r.rec_type == "response"
    }
    assert len(stored) == 6
    for i, url in enumerate(urls):
        found = evidence[url]
        assert found is not None
        assert stored[found.record_id] == (url, f"<p>Page {i} of the village notices.</p>".encode())


def test_report_cites_evidence_and_reads_it_back() -> None:
    evidence = Evidence(
        url="https://partner.example/story",
        captured_at="2024-05-01T12:00:00Z",
        warc_file="evidence/reprint-check-20240501T120000Z-41.warc.gz",
        record_id="<urn:uuid:6d2f0b7e-4c1a-4a5e-9a43-2f1b7c0d9e11>",
        sha256="ab" * 32,
    )
    report = Report(
        policy=PolicySummary(name="example", max_chars=500, count="total"),
        targets=(
            TargetResult(
                target="https://partner.example/story",
                status="compliant",
                text="Short page.",
                evidence=evidence,
            ),
            TargetResult(target="page.html", status="compliant", text="A file."),
        ),
    )
    text = json_report.render(report, include_text=True)
    document = json_report.json.loads(text)
    cited, plain = document["targets"]
    assert list(cited) == ["target", "title", "status", "error", "sources", "evidence", "text"]
    assert cited["evidence"] == {
        "url": "https://partner.example/story",
        "captured_at": "2024-05-01T12:00:00Z",
        "warc_file": "evidence/reprint-check-20240501T120000Z-41.warc.gz",
        "record_id": "<urn:uuid:6d2f0b7e-4c1a-4a5e-9a43-2f1b7c0d9e11>",
        "sha256": "ab" * 32,
    }
    assert "evidence" not in plain  # reports without --evidence keep their v1 bytes
    assert json_report.load(text) == report


def test_report_with_bad_evidence_is_refused_on_one_line() -> None:
    document = {
        "schema": "reprint-check/report/v1",
        "policy": {"name": "example", "max_chars": 500, "count": "total"},
        "targets": [
            {
                "target": "https://partner.example/story",
                "title": "",
                "status": "compliant",
                "error": None,
                "sources": [],
                "evidence": {"url": "https://partner.example/story", "sha256": 1},
            }
        ],
    }
    with pytest.raises(InputError) as caught:
        json_report.load(document, name="run.json")
    assert str(caught.value) == "run.json: $.targets[0].evidence: missing key 'captured_at'"


@pytest.mark.parametrize("make", ["file", "under-file"])
def test_unusable_directory_is_one_line_input_error(tmp_path: Path, make: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    directory = blocker if make == "file" else blocker / "evidence"
    with pytest.raises(InputError) as caught:
        EvidenceRecorder(directory)
    assert str(caught.value) == f"{directory}: cannot keep evidence here: not a directory"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_fails_that_fetch_only(server: LocalServer, tmp_path: Path) -> None:
    with (
        EvidenceRecorder(tmp_path) as recorder,
        Fetcher(settings(), on_response=recorder.record) as fetcher,
    ):
        recorder.path.symlink_to("/dev/full")  # every write: "No space left on device"
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(server.url("/new"))
        assert str(caught.value) == (
            f"{server.url('/new')}: evidence not kept: cannot write {recorder.path}:"
            " no space left on device"
        )
        assert recorder.evidence_for(server.url("/new")) is None
        # Space comes back: the run goes on and the file is whole.
        recorder.path.unlink()
        fetcher.fetch(server.url("/ferry"))
        assert recorder.evidence_for(server.url("/ferry")) is not None
    kinds = [r.rec_type for r, _ in read_warc(recorder.path)]
    assert kinds == ["warcinfo", "response", "request"]
