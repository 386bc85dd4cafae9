"""Hostile, broken and huge inputs, end to end through the installed command.

Each case runs ``python -m reprint_check.cli`` in a child process, next to a
well-formed target (or source, or feed) that must still be judged correctly:
the hostile one gets a one-line error, or a correct report, within a
generous wall-clock bound (a hang fails the test) and a memory bound read
from the child's own peak resident size (``wait4``). No traceback may reach
standard error.

Unreadable files: as root, ``chmod 000`` stops nothing, so the directory case
runs the command as ``nobody`` when the tests run as root; the directory also
holds a FIFO with no writer (which used to hang ``index add``), a dangling
symlink, a symlink to itself, a symlink loop to its own folder and a binary
file saved as ``.txt``.

The story, the partner pages and the feeds are fiction written for these tests.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.localserver import LocalServer, send

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024

STORY_URL = "https://harbour-news.example/2026/04/winter-ferry-timetable/"
STORY = (
    "The island ferry will run on a winter timetable from the first Monday of November, the "
    "harbour board decided on Thursday after a meeting that ran late into the evening. Sailings "
    "from the mainland quay will leave every ninety minutes instead of every hour, and the last "
    "crossing of the day will depart at half past eight rather than ten. Board members said the "
    "change would save enough fuel to keep the older of the two vessels in service until a "
    "replacement arrives next spring. Printed copies of the new timetable will hang in the "
    "window of the harbour office from next week.\n\n"
    "Traders on the island were not convinced. The owner of the bakery on Quay Street said that "
    "fewer crossings would mean fewer day visitors, and that the late sailings were the ones her "
    "evening customers relied on. A petition asking the board to keep the ten o'clock crossing on "
    "Fridays and Saturdays had gathered more than four hundred names by the weekend.\n\n"
    "The chair of the board promised to review the timetable in February, once figures for the "
    "first three months were in, and said extra sailings would be added for the lantern festival."
)
EXCERPT = STORY.split("\n\n")[0]  # 570 characters: over the default policy's 500
INTRO = "Our own reporter adds a few words of introduction before the copied part."
GOOD_HTML = (
    f"<html><head><title>Partner copy</title></head><body><p>{INTRO}</p>"
    f"<p>{EXCERPT}</p></body></html>"
)
GOOD_CODES = ["EXCERPT_TOO_LONG", "LINK_MISSING"]  # the default policy on the good target
# Every line on standard error: a one-line error, or index add's closing summary.
TOO_MUCH = "text longer than 2,000,000 characters, the most reprint-check reads"
ONE_LINE = re.compile(r"^(reprint-check: \S.*|\d+ article\(s\) indexed .*)$")

# Bounds: a hang or a blow-up fails, a slow CI machine does not.
TIMEOUT = 120.0
BASE_RSS_MB = 400  # the interpreter, lxml, bs4, trafilatura and one small audit


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    rss_mb: float

    def report(self) -> dict:
        return json.loads(self.stdout)

    def targets(self) -> dict[str, dict]:
        return {t["target"]: t for t in self.report()["targets"]}


def run_cli(
    *args: str, timeout: float = TIMEOUT, user: str | None = None, prelude: str = ""
) -> Run:
    """The command in a child process: exit code, output and its peak memory (ru_maxrss).

    ``prelude`` is Python run in the child before the command (a simulated fault).
    """
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "reprint_check.cli"]
    if prelude:
        command = [sys.executable, "-c", f"{prelude}\nfrom reprint_check.cli import run\nrun()"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [*command, *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
            user=user,
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                pytest.fail(f"reprint-check {' '.join(args)} still running after {timeout} s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8")
        stderr = err.read().decode("utf-8")
    assert "Traceback" not in stderr, stderr
    for line in stderr.splitlines():
        assert ONE_LINE.match(line), f"not a one-line error: {line!r}"
    return Run(proc.returncode, stdout, stderr, usage.ru_maxrss / 1024)


def assert_good(target: dict) -> None:
    """The well-formed page next to each hostile one is still judged, exactly."""
    assert target["status"] == "violation"
    (source,) = target["sources"]
    assert source["url"] == STORY_URL
    assert source["reused_chars"] == len(EXCERPT)
    assert [v["code"] for v in source["violations"]] == GOOD_CODES


def assert_error(target: dict, message: str) -> None:
    assert target["status"] == "error"
    assert target["sources"] == []
    assert target["error"] == message


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "good.html").write_text(GOOD_HTML, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index(work: Path) -> str:
    export = work / "story.jsonl"
    record = {"url": STORY_URL, "title": "Winter timetable for the ferry", "text": STORY}
    export.write_text(json.dumps(record) + "\n", encoding="utf-8")
    path = str(work / "index.sqlite")
    run = run_cli("index", "add", str(export), "--index", path)
    assert run.code == 0, run.stderr
    return path


def audit(index: str, *targets: str | Path, extra: tuple[str, ...] = ()) -> Run:
    return run_cli("audit", *map(str, targets), "--index", index, "--format", "json", *extra)


# --- size and shape -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".html", ".txt"])
def test_a_fifty_megabyte_page_is_refused_quickly(index: str, work: Path, suffix: str) -> None:
    sentence = "The ferry board met again on a wet Tuesday and talked about timetables. "
    if suffix == ".html":
        unit = f"<p>{sentence}<a href='/more'>more</a></p>\n"
    else:
        unit = sentence + "\n\n"
    big = work / f"big{suffix}"
    big.write_text(unit * (50_000_000 // len(unit) + 1), encoding="utf-8")
    assert big.stat().st_size >= 50_000_000

    run = audit(index, big, work / "good.html")

    assert run.code == 1
    targets = run.targets()
    assert_error(
        targets[str(big)],
        f"{big}: {TOO_MUCH}",
    )
    assert_good(targets[str(work / "good.html")])
    assert run.rss_mb < BASE_RSS_MB + 3 * 50  # the file itself, and no tree of it


def test_a_fifty_megabyte_source_is_refused_and_the_rest_indexed(work: Path) -> None:
    big = work / "big-source.html"
    paragraph = "<p>The harbour board published its minutes for the whole year today.</p>\n"
    big.write_text(paragraph * (50_000_000 // len(paragraph) + 1), encoding="utf-8")
    story = work / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    path = str(work / "big-source.sqlite")

    run = run_cli("index", "add", str(big), str(story), "--index", path)

    assert run.code == 3  # read, but not an article it will index: the run says so
    assert run.stderr.splitlines() == [
        f"reprint-check: {big}: {TOO_MUCH}",
        f"1 article(s) indexed (0 replaced), 1 error(s); 1 in {path}",
    ]
    assert run.rss_mb < BASE_RSS_MB + 3 * 50


def test_nesting_100000_deep_gives_a_correct_report(index: str, work: Path) -> None:
    depth = 100_000
    deep = work / "deep.html"
    deep.write_text(
        f"<html><body><p>{INTRO}</p>{'<div>' * depth}<p>{EXCERPT}</p>{'</div>' * depth}"
        f"<p>Read the original at <a href='{STORY_URL}'>Harbour News</a>.</p></body></html>",
        encoding="utf-8",
    )

    run = audit(index, deep, work / "good.html")

    assert run.code == 1
    target = run.targets()[str(deep)]
    assert target["status"] == "violation"
    (source,) = target["sources"]
    assert source["reused_chars"] == len(EXCERPT)
    assert source["link"]["found"] and source["link"]["active"]
    assert [v["code"] for v in source["violations"]] == ["EXCERPT_TOO_LONG"]
    assert_good(run.targets()[str(work / "good.html")])
    assert run.rss_mb < BASE_RSS_MB + 300


def test_a_source_nested_100000_deep_is_indexed_whole(work: Path) -> None:
    depth = 100_000
    deep = work / "deep-source.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY.split("\n\n"))
    deep.write_text(
        f"<html><head><link rel=canonical href='{STORY_URL}'></head><body>"
        f"{'<div>' * depth}<article>{paragraphs}</article>{'</div>' * depth}</body></html>",
        encoding="utf-8",
    )
    path = str(work / "deep-source.sqlite")
    assert run_cli("index", "add", str(deep), "--index", path).code == 0

    run = audit(path, work / "good.html")

    assert_good(run.targets()[str(work / "good.html")])


def test_a_page_of_links_and_bare_urls_gives_a_correct_report(index: str, work: Path) -> None:
    # Telling bare URLs inside link text from loose ones used to compare every URL with
    # every link (20,000 of each took 30 s), and each source re-parsed every link.
    links = " ".join(f"<a href='https://partner.example/n/{i}'>note {i}</a>" for i in range(30_000))
    bare = " ".join(f"https://elsewhere.example/p/{i}" for i in range(10_000))
    page = work / "links.html"
    page.write_text(
        f"<html><body><p>{INTRO}</p><p>{EXCERPT}</p><p>{links}</p><p>{bare}</p>"
        f"<p>Source: {STORY_URL}</p></body></html>",
        encoding="utf-8",
    )

    run = audit(index, page, work / "good.html")

    target = run.targets()[str(page)]
    (source,) = target["sources"]
    assert source["reused_chars"] == len(EXCERPT)
    assert [v["code"] for v in source["violations"]] == ["EXCERPT_TOO_LONG", "LINK_NOT_ACTIVE"]
    assert source["link"]["problems"] == [
        "the article's address appears as plain text, not as a link"
    ]
    assert_good(run.targets()[str(work / "good.html")])


# --- bytes that are not what they claim -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("garbage.html", "an HTML page"), ("garbage.txt", "text")],
)
def test_binary_garbage_is_an_error_entry(index: str, work: Path, name: str, expected: str) -> None:
    garbage = work / name
    garbage.write_bytes(random.Random(7).randbytes(300_000))

    run = audit(index, garbage, work / "good.html")

    assert run.code == 1
    assert_error(run.targets()[str(garbage)], f"{garbage}: binary data, not {expected}")
    assert_good(run.targets()[str(work / "good.html")])


def test_binary_garbage_on_standard_input_is_an_error_entry(index: str) -> None:
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "reprint_check.cli", "audit", "-", "--index", index,
         "--format", "json"],
        input=random.Random(8).randbytes(100_000), capture_output=True, cwd=ROOT, env=env,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 3
    (target,) = json.loads(done.stdout)["targets"]
    assert_error(target, "-: binary data, not text")
    assert done.stderr == b"reprint-check: -: binary data, not text\n"  # one line, as every error


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_invalid_utf8_still_finds_the_excerpt(index: str, work: Path, suffix: str) -> None:
    stray = b" \xff\xfe broken \xc3\x28 bytes.\n\n"
    body = INTRO.encode() + stray + EXCERPT.encode() + b"\n\n\xe2\x82"
    if suffix == ".html":
        body = b"<html><body><p>" + body.replace(b"\n\n", b"</p><p>") + b"</p></body></html>"
    broken = work / f"invalid-utf8{suffix}"
    broken.write_bytes(body)

    run = audit(index, broken)

    target = run.targets()[str(broken)]
    assert target["status"] == "violation"
    (source,) = target["sources"]
    assert source["reused_chars"] == len(EXCERPT)
    assert [v["code"] for v in source["violations"]] == GOOD_CODES


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_utf16_without_a_bom_is_read_as_utf16(
    index: str, work: Path, codec: str, suffix: str
) -> None:
    # Plain ASCII text: every other byte is NUL, which strict UTF-8 accepts. It used to be
    # read that way, matched nothing and was reported compliant.
    text = GOOD_HTML if suffix == ".html" else f"{INTRO}\n\n{EXCERPT}\n"
    page = work / f"utf16-{codec}{suffix}"
    page.write_bytes(text.encode(codec))
    assert not page.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))

    run = audit(index, page, work / "good.html")

    assert run.code == 1
    assert_good(run.targets()[str(page)])
    assert_good(run.targets()[str(work / "good.html")])


@pytest.mark.parametrize("name", ["empty.html", "empty.txt"])
def test_a_zero_byte_target_reuses_nothing(index: str, work: Path, name: str) -> None:
    empty = work / name
    empty.write_bytes(b"")

    run = audit(index, empty, work / "good.html")

    target = run.targets()[str(empty)]
    # No text, so nothing reused: compliant today; an error entry ("no text") would be as
    # acceptable. Never a crash, never a source.
    assert target["status"] in ("compliant", "error")
    assert target["sources"] == []
    assert_good(run.targets()[str(work / "good.html")])


def test_a_zero_byte_source_is_one_error_line(work: Path) -> None:
    empty_html, empty_txt = work / "empty-source.html", work / "empty-source.txt"
    empty_html.write_bytes(b"")
    empty_txt.write_bytes(b"")
    story = work / "story-for-empty.txt"
    story.write_text(STORY, encoding="utf-8")
    path = str(work / "empty-source.sqlite")

    run = run_cli("index", "add", str(empty_html), str(empty_txt), str(story), "--index", path)

    assert run.code == 3  # read, but nothing to index in two of them
    assert run.stderr.splitlines() == [
        f"reprint-check: {empty_html}: no article text found",
        f"reprint-check: {empty_txt}: empty file",
        f"1 article(s) indexed (0 replaced), 2 error(s); 1 in {path}",
    ]


# --- hostile servers ---------------------------------------------------------------------------


def zeros_gzip(mebibytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    return b"".join([*(packer.compress(block) for _ in range(mebibytes)), packer.flush()])


@pytest.fixture(scope="module")
def server() -> LocalServer:
    with LocalServer() as running:
        yield running


def test_gzip_bomb_over_http(index: str, work: Path, server: LocalServer) -> None:
    bomb = zeros_gzip(256)  # 256 KiB on the wire, 256 MiB inflated
    server.reply("/bomb", bomb, headers=[("Content-Type", "text/html"),
                                         ("Content-Encoding", "gzip")])  # fmt: skip
    server.reply("/bomb.xml", bomb, headers=[("Content-Type", "application/rss+xml"),
                                             ("Content-Encoding", "gzip")])  # fmt: skip
    url = server.url("/bomb")

    run = audit(index, url, work / "good.html", extra=("--allow-private",))

    assert run.code == 1
    assert_error(run.targets()[url], f"{url}: body larger than 20 MiB")
    assert_good(run.targets()[str(work / "good.html")])
    assert run.rss_mb < BASE_RSS_MB + 100  # never inflated whole

    feed = server.url("/bomb.xml")
    run = run_cli("feed", feed, "--index", index, "--format", "json", "--allow-private")
    assert run.code == 3
    assert_error(run.targets()[feed], f"{feed}: body larger than 20 MiB")


def test_slowloris_server_hits_the_deadline(index: str, work: Path, server: LocalServer) -> None:
    def dribble(handler: BaseHTTPRequestHandler, _number: int) -> None:
        send(handler, 200, b"", [("Content-Type", "text/html"), ("Content-Length", "100000")])
        while not server.stopping.wait(0.1):
            handler.wfile.write(b"<")
            handler.wfile.flush()

    server.route("/drip", dribble)
    url = server.url("/drip")

    run = audit(index, url, work / "good.html", extra=("--allow-private", "--timeout", "0.5"))

    assert run.code == 1
    assert_error(run.targets()[url], f"{url}: timed out after 1.5 s (total)")
    assert_good(run.targets()[str(work / "good.html")])


def test_endless_redirect(index: str, work: Path, server: LocalServer) -> None:
    def onwards(handler: BaseHTTPRequestHandler, number: int) -> None:
        send(handler, 302, b"", [("Location", f"/loop?hop={number}")])

    server.route("/loop", onwards)
    url = server.url("/loop")

    run = audit(index, url, work / "good.html", extra=("--allow-private",))

    assert run.code == 1
    assert_error(run.targets()[url], f"{url}: too many redirects (more than 5)")
    assert_good(run.targets()[str(work / "good.html")])


# --- feeds --------------------------------------------------------------------------------------


def test_a_feed_with_100000_items(index: str, work: Path) -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    items = "".join(
        f"<item><title>Note {i}</title><link>https://partner.example/notes/{i}</link>"
        f"<guid>note-{i}</guid><pubDate>{format_datetime(start + timedelta(minutes=i))}"
        f"</pubDate><description>Short note number {i} about the quay.</description></item>"
        for i in range(100_000)
    )
    big = work / "big-feed.rss"
    big.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Notes</title><link>https://partner.example/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    good = work / "good-feed.rss"
    good.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Partner</title><link>https://partner.example/</link><item><title>Copy</title>"
        "<link>https://partner.example/copy</link>"
        f"<content:encoded><![CDATA[<p>{INTRO}</p><p>{EXCERPT}</p>]]></content:encoded>"
        "</item></channel></rss>",
        encoding="utf-8",
    )

    run = run_cli(
        "feed", str(big), str(good), "--index", index, "--format", "json",
        "--fetch-items", "never", "--limit", "5",
    )  # fmt: skip

    assert run.code == 1
    targets = run.report()["targets"]
    assert len(targets) == 6
    newest = [f"https://partner.example/notes/{i}" for i in range(99_999, 99_994, -1)]
    assert [t["target"] for t in targets[:5]] == newest
    assert all(t["status"] == "compliant" and t["sources"] == [] for t in targets[:5])
    assert_good(targets[5])
    assert run.rss_mb < BASE_RSS_MB + 200


def test_feed_items_that_are_images_or_pdfs_are_errors_not_compliant(
    index: str, server: LocalServer
) -> None:
    server.reply("/photo.jpg", random.Random(10).randbytes(30_000),
                 headers=[("Content-Type", "image/jpeg")])  # fmt: skip
    server.reply("/report.pdf", b"%PDF-1.4\n" + random.Random(11).randbytes(30_000),
                 headers=[("Content-Type", "application/pdf")])  # fmt: skip
    server.reply("/copy", GOOD_HTML.encode())
    items = "".join(
        f"<item><title>{p}</title><link>{server.url(p)}</link></item>"
        for p in ("/photo.jpg", "/report.pdf", "/copy")
    )
    document = f'<rss version="2.0"><channel><title>M</title>{items}</channel></rss>'
    server.reply("/media.rss", document.encode(), headers=[("Content-Type", "application/rss+xml")])
    feed = server.url("/media.rss")

    run = run_cli("feed", feed, "--index", index, "--format", "json", "--allow-private",
                  "--fetch-items", "always")  # fmt: skip

    assert run.code == 1
    targets = run.targets()
    photo, pdf = server.url("/photo.jpg"), server.url("/report.pdf")
    assert_error(targets[photo], f"{photo}: not a web page (image/jpeg): nothing to audit")
    assert_error(targets[pdf], f"{pdf}: not a web page (application/pdf): nothing to audit")
    assert_good(targets[server.url("/copy")])


# --- folders --------------------------------------------------------------------------------


# As root, a file cannot be made unreadable with chmod. The command then runs as nobody;
# where nobody cannot run this interpreter (a virtualenv under /root), opening that one
# file fails with EACCES by a patch in the child instead: the same error, the same path.
DENY_LOCKED = """
import pathlib
_open = pathlib.Path.open
def _denied(self, *args, **kwargs):
    if self.name == "locked.html":
        raise PermissionError(13, "Permission denied", str(self))
    return _open(self, *args, **kwargs)
pathlib.Path.open = _denied
"""


def _unprivileged_user() -> str | None:
    """'nobody' when the tests run as root and nobody can run this interpreter, else None."""
    if os.geteuid() != 0:
        return None
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import reprint_check"], user="nobody", cwd="/",
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=60,
            check=False,
        )  # fmt: skip
    except (PermissionError, OSError, KeyError):
        return None
    return "nobody" if probe.returncode == 0 else None


def test_a_folder_of_unreadable_files_fifos_and_symlink_loops(tmp_path: Path) -> None:
    user = _unprivileged_user()
    simulate = os.geteuid() == 0 and user is None
    folder = tmp_path / "archive"
    (folder / "good").mkdir(parents=True)
    (folder / "good" / "story.txt").write_text(STORY, encoding="utf-8")
    locked = folder / "locked.html"
    locked.write_text(GOOD_HTML, encoding="utf-8")
    locked.chmod(0)
    fifo = folder / "pipe.html"
    os.mkfifo(fifo)  # no writer will ever come: a blocking open would wait forever
    dangling = folder / "dangling.html"
    dangling.symlink_to(folder / "gone.html")
    itself = folder / "itself.html"
    itself.symlink_to(itself)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    garbage = folder / "garbage.txt"
    garbage.write_bytes(random.Random(9).randbytes(50_000))
    out = tmp_path / "out"
    out.mkdir()
    for path in (tmp_path, folder, folder / "good", folder / "good" / "story.txt", garbage, out):
        path.chmod(0o777 if path.is_dir() else 0o644)
    path = str(out / "index.sqlite")

    run = run_cli(
        "index", "add", str(folder), "--index", path, "--jobs", "1",  # the simulation is in-process
        user=user, prelude=DENY_LOCKED if simulate else "",
    )  # fmt: skip

    assert run.code == 2  # unreadable files and broken links are bad input, the rest indexed
    assert run.stderr.splitlines() == [
        f"reprint-check: {dangling}: broken symbolic link to {folder / 'gone.html'}",
        f"reprint-check: {garbage}: binary data, not text",
        f"reprint-check: {itself}: symbolic link loop",
        f"reprint-check: {locked}: cannot read: permission denied",
        f"reprint-check: {fifo}: no article text found",
        f"1 article(s) indexed (0 replaced), 5 error(s); 1 in {path}",
    ]


# --- policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('[policy]\nname = "bad"\n[excerpt]\nmax_chars = "500"\n',
         'excerpt.max_chars: expected a whole number >= 0, got "500"'),
        ('[policy]\nname = "bad"\n[excerpt]\ncount = 3\n',
         'excerpt.count: expected one of "total", "longest", got 3'),
        ('[policy]\nname = "bad"\ndomains = "partner.example"\n',
         'policy.domains: expected a list of host names like ["example.com"], '
         'got "partner.example"'),
        ('[policy]\nname = "bad"\n[link]\nrequired = "yes"\n',
         'link.required: expected true or false, got "yes"'),
        ('[policy]\nname = "bad"\n[[permissions]]\ndomain = 7\n',
         'permissions[1].domain: expected a host name like "partner.example", got 7'),
        ("excerpt = [1, 2\n", None),
        ("\x00\x01\x02binary\xff", None),
    ],
)  # fmt: skip
def test_a_policy_with_wrong_types_is_one_line_and_exit_2(
    index: str, work: Path, content: str, problem: str | None
) -> None:
    policy = work / "bad-policy.toml"
    policy.write_bytes(content.encode("utf-8", errors="surrogateescape"))

    run = audit(index, work / "good.html", extra=("--policy", str(policy)))

    assert run.code == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"reprint-check: {policy}: ")
    if problem is not None:
        assert line == f"reprint-check: {policy}: {problem}"


def test_gzip_files_of_garbage_are_one_line_each(index: str, work: Path) -> None:
    broken = work / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00not really gzip at all")
    bomb = work / "bomb.html.gz"
    bomb.write_bytes(zeros_gzip(64))
    packed = work / "packed.html.gz"
    packed.write_bytes(gzip.compress(GOOD_HTML.encode()))

    run = audit(index, broken, bomb, packed)

    assert run.code == 1
    targets = run.targets()
    assert targets[str(broken)]["status"] == "error"
    assert targets[str(broken)]["error"].startswith(f"{broken}: not a valid gzip file (")
    assert_error(targets[str(bomb)], f"{bomb}: uncompressed content larger than 50 MiB")
    assert_good(targets[str(packed)])
    assert run.rss_mb < BASE_RSS_MB + 150
