"""The index survives what CI does to it: SIGKILL mid-ingest, concurrent writers, a full disk.

Everything runs the installed command in child processes
(``python -m reprint_check.cli index add …``) on generated JSONL exports of
fictional articles (seeded random words; no real text), large enough that an
ingest takes a second or two. After each kill the index must open, pass
``PRAGMA integrity_check`` and hold only whole articles: each article row has
its aliases and exactly the fingerprints of its text (of one version of it,
when a run replacing the articles was killed), no posting or alias points at
a missing article, and the runs of postings keep their order and counts. A
re-run then finishes with the right count.

Kill points: half the runs are first ingests into an empty index, half
re-runs over a whole index with every article's text changed (so each article
is replaced). Writes take milliseconds and the ingest commits a few large
batches, so a kill at a random moment would nearly always land between
transactions; the killed runs therefore write through a *slow disk*: a patch
in the child pauses after each bulk insert and before each commit, inside the
transaction, so random kills also land mid-transaction with pages already in
the write-ahead log. The points are drawn from a seeded generator, but the
process's own timing varies, so each run of the suite kills at other places.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reprint_check.index.base import article_fingerprints
from reprint_check.index.postings import unpack
from reprint_check.urls import canonical_url

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
KILLS = 20  # at least this many runs killed while still going
ATTEMPTS = 40  # a run that finished before its kill does not count
ARTICLES = 2100  # one write batch of the ingest (2,000 today) and part of another

# Patched into the killed children: each bulk insert and each commit waits a little,
# inside the transaction (a slow disk), so random kill points often fall inside one.
SLOW_DISK = """
import sqlite3, time
class _SlowDisk(sqlite3.Connection):
    def execute(self, sql, *args):
        if sql.strip().upper() == "COMMIT":
            time.sleep(0.15)
        return super().execute(sql, *args)
    def executemany(self, sql, rows):
        rows = list(rows)
        result = super().executemany(sql, rows)
        if len(rows) > 100:  # a bulk insert (a run of chunks), not one article's few aliases
            time.sleep(0.15)
        return result
_connect = sqlite3.connect
def _slow_connect(*args, **kwargs):
    kwargs.setdefault("factory", _SlowDisk)
    return _connect(*args, **kwargs)
sqlite3.connect = _slow_connect
from reprint_check.cli import run
run()
"""

_VOCABULARY = (
    "harbour ferry council island quay board winter timetable bakery petition festival lantern "
    "crossing vessel fuel spring traders visitors evening sailing mainland chair review figures "
    "library museum school pupils teacher storm wall promenade beach warden budget reserve county "
    "road bridge repair market stall farmer fishing boat crew catch quota inspector licence tide "
    "lighthouse keeper harbourmaster pier slipway regatta choir bandstand allotment orchard"
)
WORDS = _VOCABULARY.split()


def fictional_articles(count: int, seed: int = 7, first: int = 0) -> list[dict[str, str]]:
    """Articles of seeded random words: distinct, about 2,000 characters, no real text."""
    rnd = random.Random(seed)
    records = []
    for i in range(first, first + count):
        paragraphs = [
            " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(60, 80))).capitalize() + "."
            for _ in range(4)
        ]
        records.append(
            {
                "url": f"https://courier.example/2026/{i:05d}/",
                "title": f"Story number {i}",
                "text": "\n\n".join(paragraphs),
            }
        )
    return records


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def command(*args: str, slow_disk: bool = False) -> list[str]:
    if slow_disk:
        return [sys.executable, "-c", SLOW_DISK, *args]
    return [sys.executable, "-m", "reprint_check.cli", *args]


def run(*args: str, timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command(*args), capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=timeout,
        check=False, **kwargs,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


@dataclass
class Expected:
    """The acceptable versions of each URL's article, each with its fingerprints."""

    versions: dict[str, dict[str, set[int]]] = field(default_factory=dict)

    def add(self, records: list[dict[str, str]]) -> Expected:
        for r in records:
            self.versions.setdefault(r["url"], {})[r["text"]] = article_fingerprints(r["text"])
        return self


def check_index(path: Path, expected: Expected) -> list[str]:
    """Open, integrity_check and whole-article checks; returns the stored texts' versions.

    A file killed before its tables were created is an index too (opening it
    creates them): it holds no articles.
    """
    db = sqlite3.connect(path, timeout=30)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "articles" not in tables:
            return []
        queries = {
            "article without aliases": "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM aliases s WHERE s.article_id = a.id)",
            "run without postings": "SELECT count(*) FROM runs WHERE postings <= 0",
            "orphan aliases": "SELECT count(*) FROM aliases s WHERE NOT EXISTS "
            "(SELECT 1 FROM articles a WHERE a.id = s.article_id)",
            "duplicate URLs": "SELECT count(*) - count(DISTINCT url) FROM articles",
        }
        for problem, query in queries.items():
            assert db.execute(query).fetchone() == (0,), problem
        fingerprints = stored_postings(db)
        assert set(fingerprints) <= {r[0] for r in db.execute("SELECT id FROM articles")}
        stored = []
        for article_id, url, body in db.execute("SELECT id, url, body FROM articles"):
            text = zlib.decompress(body).decode("utf-8")
            versions = expected.versions[url]
            assert text in versions, f"{url}: stored text is no version of the article"
            assert fingerprints.get(article_id) == versions[text], f"{url}: fingerprints"
            alias = db.execute(
                "SELECT article_id FROM aliases WHERE canonical = ?", (canonical_url(url),)
            ).fetchone()
            assert alias == (article_id,), url
            stored.append(text)
        return stored
    finally:
        db.close()


def stored_postings(db: sqlite3.Connection) -> dict[int, set[int]]:
    """Each article's fingerprints as the runs of chunks hold them, checking each run's order."""
    fingerprints: dict[int, set[int]] = {}
    for run, total in db.execute("SELECT run, postings FROM runs").fetchall():
        hashes: list[int] = []
        for first, head, packed, ids in db.execute(
            f"SELECT first, head, hashes, ids FROM run_{run} ORDER BY first"
        ):
            article_ids = unpack("i", ids)
            chunk = unpack("q", packed) if packed else [first] * len(article_ids)
            assert chunk and chunk[0] >= first and list(chunk) == sorted(chunk), "chunk order"
            assert head == chunk.count(first), "chunk head"
            assert not hashes or hashes[-1] < first, "chunks overlap"
            hashes += chunk
            for h, article_id in zip(chunk, article_ids, strict=True):
                fingerprints.setdefault(article_id, set()).add(h)
        assert hashes == sorted(hashes) and len(hashes) == total, f"run {run}"
    return fingerprints


def count_of(path: Path) -> int:
    """Articles stored; a file killed before its tables were created holds none (as above)."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "articles" not in tables:
            return 0
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]


@dataclass(frozen=True)
class Exports:
    first: Path  # ARTICLES fictional articles
    second: Path  # the same URLs, every text different
    first_texts: frozenset[str]
    expected: Expected


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    folder = tmp_path_factory.mktemp("export")
    first = fictional_articles(ARTICLES, seed=7)
    second = fictional_articles(ARTICLES, seed=70)
    return Exports(
        write_jsonl(folder / "first.jsonl", first),
        write_jsonl(folder / "second.jsonl", second),
        frozenset(r["text"] for r in first),
        Expected().add(first).add(second),
    )


def _start(index: Path, source: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command("index", "add", str(source), "--index", str(index), slow_disk=True),
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


# The write-ahead log past this size means a batch is being written (the schema is a few KB).
WRITING_BYTES = 256 * 1024


@dataclass
class _Kill:
    """One run to kill: at ``delay`` s after its start, or ``delay`` s after it starts writing."""

    proc: subprocess.Popen[bytes]
    wal: Path
    delay: float
    on_write: bool
    due: float | None = None
    killed: bool = False
    while_writing: bool = False  # the log was growing when the kill came


def _kill_all(runs: list[_Kill]) -> None:
    started = time.monotonic()
    for r in runs:
        r.due = None if r.on_write else started + r.delay
    pending = list(runs)
    while pending:
        now = time.monotonic()
        for r in list(pending):
            writing = r.wal.exists() and r.wal.stat().st_size >= WRITING_BYTES
            if r.due is None and writing:
                r.due = now + r.delay
            if r.proc.poll() is not None:
                pending.remove(r)
            elif r.due is not None and now >= r.due:
                r.while_writing = writing
                r.proc.send_signal(signal.SIGKILL)
                r.killed = True
                pending.remove(r)
        time.sleep(0.005)
    for r in runs:
        r.proc.wait(timeout=60)


def _timed(index: Path, source: Path) -> float:
    started = time.monotonic()
    proc = _start(index, source)
    assert proc.wait(timeout=120) == 0
    return time.monotonic() - started


def _wal(index: Path) -> Path:
    return index.with_name(index.name + "-wal")


def test_sigkill_at_random_points_never_leaves_a_broken_index(
    exports: Exports, tmp_path: Path
) -> None:
    """Two runs at a time: a first ingest into an empty index and a re-run replacing a whole one.

    Every other round kills at a random moment of the run; the others a random
    moment after the run starts writing a batch (seen by its write-ahead log
    growing), so that kills inside transactions do not depend on timing luck.
    """
    expected = exports.expected
    first_run = _timed(tmp_path / "scratch.sqlite", exports.first)
    rerun = _timed(tmp_path / "scratch.sqlite", exports.second)  # every article replaced
    rnd = random.Random(20261127)
    partial: list[int] = []  # articles left by each killed first ingest
    replacing: list[int] = []  # articles of the new version left by each killed re-run
    while_writing = 0
    fresh: list[Path] = []
    whole = tmp_path / "whole.sqlite"
    assert run("index", "add", str(exports.first), "--index", str(whole)).returncode == 0
    versions = [exports.second, exports.first]  # the re-runs alternate between the two
    rounds = 0
    while len(partial) + len(replacing) < KILLS and rounds < ATTEMPTS // 2:
        rounds += 1
        index = tmp_path / "fresh" / str(rounds) / "index.sqlite"
        source = versions[0]
        on_write = rounds % 2 == 0
        spans = (0.5, 0.5) if on_write else (first_run, rerun)
        first, again = (
            _Kill(_start(path, src), _wal(path), rnd.uniform(0.0, 1.0) * span, on_write)
            for path, src, span in ((index, exports.first, spans[0]), (whole, source, spans[1]))
        )
        _kill_all([first, again])
        while_writing += first.while_writing + again.while_writing
        if first.killed:
            fresh.append(index)
            partial.append(len(check_index(index, expected)) if index.exists() else 0)
        stored = check_index(whole, expected)
        assert len(stored) == ARTICLES  # a replaced article is never lost
        if again.killed:
            wanted = source == exports.first
            replacing.append(sum((t in exports.first_texts) == wanted for t in stored))
        if not again.killed or replacing[-1] == ARTICLES:
            versions.reverse()  # it finished (or nearly): the next re-run replaces everything

    killed = len(partial) + len(replacing)
    assert killed >= KILLS, f"only {killed} runs of {2 * rounds} were still going when killed"
    assert while_writing >= 3, while_writing  # kills landed while batches were being written
    print(
        f"\n{killed} kills survived ({while_writing} while a batch was being written); "
        f"articles left by killed first ingests: {partial}; "
        f"articles already replaced when a re-run was killed: {replacing}"
    )

    # A killed ingest finishes on a re-run with the right count: the whole index and the
    # fullest of the partly built ones.
    fullest = max((f for f in fresh if f.exists()), key=count_of, default=None)
    for index in (whole, *([fullest] if fullest else [])):
        done = run("index", "add", str(exports.first), "--index", str(index))
        assert done.returncode == 0, done.stderr
        assert set(check_index(index, expected)) == exports.first_texts


def copying_page(text: str) -> str:
    first = text.split("\n\n")[0]
    return f"<html><body><p>Our partner's own opening words.</p><p>{first}</p></body></html>"


def test_two_writers_and_an_auditor_at_once(tmp_path: Path) -> None:
    records = fictional_articles(2000, seed=8)
    base = fictional_articles(1, seed=9, first=90_000)
    expected = Expected().add(records + base)
    first = write_jsonl(tmp_path / "first.jsonl", records[:1200])
    second = write_jsonl(tmp_path / "second.jsonl", records[800:])  # 400 articles in both
    index = tmp_path / "index.sqlite"
    assert run("index", "add", str(write_jsonl(tmp_path / "base.jsonl", base)), "--index",
               str(index)).returncode == 0  # fmt: skip
    target = tmp_path / "copy.html"
    target.write_text(copying_page(base[0]["text"]), encoding="utf-8")

    writers = []
    for path in (first, second):
        writer = subprocess.Popen(
            command("index", "add", str(path), "--index", str(index)), cwd=ROOT, env=ENV,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        writers.append(writer)
    time.sleep(0.8)  # both are writing by now
    audits = [
        run("audit", str(target), "--index", str(index), "--format", "json") for _ in range(3)
    ]
    results = [w.communicate(timeout=120) for w in writers]

    for writer, (_out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert "Traceback" not in err
    for done in audits:
        assert done.returncode == 1, done.stderr
        assert done.stderr == ""
        (found,) = json.loads(done.stdout)["targets"]
        assert found["status"] == "violation"
        assert [s["url"] for s in found["sources"]] == [base[0]["url"]]
    assert len(check_index(index, expected)) == 2001


@contextlib.contextmanager
def small_filesystem(size_kib: int) -> Iterator[tuple[Path, str]]:
    """A folder on a full-able file system: a tmpfs of ``size_kib`` where mount works (root).

    Elsewhere, files written by the child are capped by RLIMIT_FSIZE instead
    (writes past it fail with EFBIG): the same failed write, simulated.
    """
    folder = Path(tempfile.mkdtemp(prefix="rc-full-"))
    mounted = False
    if os.geteuid() == 0:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)],
            capture_output=True, check=False,
        )  # fmt: skip
        mounted = done.returncode == 0
    try:
        yield folder, ("tmpfs" if mounted else "rlimit")
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        for child in folder.glob("*"):
            child.unlink()
        folder.rmdir()


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_is_one_clear_line_and_the_index_stays_whole(exports: Exports) -> None:
    source, expected = exports.first, exports.expected
    with small_filesystem(1024) as (folder, how):
        index = folder / "index.sqlite"
        extra = {} if how == "tmpfs" else {"preexec_fn": lambda: _limit_file_size(1024 * 1024)}

        done = run("index", "add", str(source), "--index", str(index), **extra)

        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        assert line.startswith(f"reprint-check: {index}: cannot write (")
        assert line.endswith(("(database or disk is full)", "(disk I/O error)")), line
        stored = len(check_index(index, expected))
        assert stored < ARTICLES  # only the batches that fitted are kept, whole

        # the index that did not fill up is still usable: a later run into more room finishes
        roomy = Path(tempfile.mkdtemp(prefix="rc-roomy-")) / "index.sqlite"
        roomy.parent.rmdir()
        shutil.copytree(folder, roomy.parent)
        done = run("index", "add", str(source), "--index", str(roomy))
        assert done.returncode == 0, done.stderr
        assert set(check_index(roomy, expected)) == exports.first_texts
        shutil.rmtree(roomy.parent)


def test_a_report_written_to_a_full_disk_is_one_clear_line(tmp_path: Path) -> None:
    story = fictional_articles(1, seed=5)[0]
    source = tmp_path / "story.txt"
    source.write_text(story["text"], encoding="utf-8")
    target = tmp_path / "copy.html"
    target.write_text(copying_page(story["text"]), encoding="utf-8")

    done = run("audit", str(target), "--source", str(source), "--format", "json", "-o", "/dev/full")

    assert done.returncode == 2
    message = "reprint-check: /dev/full: cannot write report (No space left on device)"
    assert done.stderr == message + "\n"
