"""Opening an index: read commands never create or change one, and what is no index says so.

``audit``, ``feed``, ``report --index``, ``index stats`` and ``index list``
only read. Pointed at something that is not a reprint-check index (an empty
file, another application's database, a text file, nothing), or at an index
with no articles, they stop with one line naming the path and the problem
(exit 2) and leave the file byte for byte as it was, with nothing beside it:
an audit against no articles would pass every page without checking any.
Only ``index add`` creates an index. The example archive and pages are
fiction written for the project.
"""

from __future__ import annotations

import hashlib
import html
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.cli import main
from reprint_check.errors import IndexStoreError
from reprint_check.index import open_index
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PAGE = EXAMPLES / "suspects" / "too-long.html"
ADD_HINT = "'reprint-check index add'"
STORY = (
    "The lifeboat crew of Gull Point launched twice on Sunday night, first to a yacht "
    "with a fouled propeller and then to two walkers cut off by the tide below the cliffs."
)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_empty_file(path: Path) -> None:
    path.write_bytes(b"")


def make_foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    db.close()


def make_foreign_wal_database(path: Path) -> None:
    """Another application's database in WAL mode, its log folded in and removed."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    db.close()


def make_text_file(path: Path) -> None:
    path.write_text("Minutes of the harbour board, 4 March: apologies from Ms Pell.\n")


def make_damaged_database(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)


def make_empty_index(path: Path) -> None:
    SQLiteIndex(path).close()


# (what the path holds, how to make it, the problem the one line names)
NOT_USABLE: list[tuple[str, Callable[[Path], None] | None, str]] = [
    ("empty-file", make_empty_file, "not a reprint-check index (empty file)"),
    (
        "foreign-database",
        make_foreign_database,
        "not a reprint-check index (a SQLite database with other tables: notes)",
    ),
    (
        "foreign-wal-database",
        make_foreign_wal_database,
        "not a reprint-check index (a SQLite database with other tables: notes)",
    ),
    ("text-file", make_text_file, "not a reprint-check index (not a SQLite database)"),
    ("damaged-database", make_damaged_database, "not a usable index (file is not a database)"),
    ("missing", None, f"no index here (no such file; build one with {ADD_HINT})"),
]
EMPTY_INDEX = (
    "empty-index",
    make_empty_index,
    f"the index holds no articles; add some with {ADD_HINT}",
)
HOLDS_NO_ARTICLES = [*NOT_USABLE, EMPTY_INDEX]


def by_kind(cases: list[tuple[str, Callable[[Path], None] | None, str]]) -> list:
    return [pytest.param(*case, id=case[0]) for case in cases]


@pytest.fixture(scope="module")
def stored_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSON report to render with ``report --index`` (from a one-off audit: no index)."""
    out = tmp_path_factory.mktemp("report") / "report.json"
    result = run("audit", str(PAGE), "--source", str(EXAMPLES / "archive.jsonl"),
                 "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code == 1, result.output
    assert json.loads(out.read_text())["targets"][0]["sources"]
    return out


@pytest.fixture(scope="module")
def feed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An RSS file whose one item carries its whole text (read with --fetch-items never)."""
    story = html.escape((EXAMPLES / "suspects" / "story.txt").read_text(encoding="utf-8"))
    feed = tmp_path_factory.mktemp("feed") / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Letter</title>'
        "<item><title>No. 112</title><link>https://letter.example/112</link>"
        f"<description>{story}</description></item></channel></rss>",
        encoding="utf-8",
    )
    return feed


def read_commands(index: Path, report: Path, feed: Path) -> dict[str, list[str]]:
    return {
        "audit": ["audit", str(PAGE), "--index", str(index)],
        "feed": ["feed", str(feed), "--fetch-items", "never", "--index", str(index)],
        "report": ["report", str(report), "--format", "markdown", "--index", str(index)],
    }


def folder_state(folder: Path) -> dict[str, str]:
    """Every file in the folder (recursively) with its sha256: what a command may not change."""
    return {str(p.relative_to(folder)): sha256(p) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("command", ["audit", "feed", "report"])
@pytest.mark.parametrize(("kind", "make", "problem"), by_kind(HOLDS_NO_ARTICLES))
def test_a_read_command_refuses_what_holds_no_articles_and_changes_nothing(
    tmp_path: Path,
    stored_report: Path,
    feed_file: Path,
    command: str,
    kind: str,
    make: Callable[[Path], None] | None,
    problem: str,
) -> None:
    folder = tmp_path / "indexes"
    folder.mkdir()
    index = folder / f"{kind}.sqlite"
    if make is not None:
        make(index)
    before = folder_state(folder)

    result = run(*read_commands(index, stored_report, feed_file)[command])

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"reprint-check: {index}: {problem}"]
    assert result.stdout == ""
    assert folder_state(folder) == before  # byte for byte, and no -wal, -shm or -journal
    assert index.exists() == (make is not None)


@pytest.mark.parametrize(("kind", "make", "problem"), by_kind(NOT_USABLE))
@pytest.mark.parametrize("command", ["stats", "list", "remove"])
def test_index_stats_list_and_remove_refuse_what_is_no_index(
    tmp_path: Path, command: str, kind: str, make: Callable[[Path], None] | None, problem: str
) -> None:
    folder = tmp_path / "indexes"
    folder.mkdir()
    index = folder / f"{kind}.sqlite"
    if make is not None:
        make(index)
    before = folder_state(folder)
    urls = ["https://harbourside-courier.example/2026/03/council-budget-vote/"]
    args = ["index", command, *(urls if command == "remove" else []), "--index", str(index)]

    result = run(*args)

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"reprint-check: {index}: {problem}"]
    assert folder_state(folder) == before
    assert index.exists() == (make is not None)


def test_a_missing_index_in_a_missing_folder_creates_neither(tmp_path: Path) -> None:
    index = tmp_path / "nowhere" / "index.sqlite"
    for args in (
        ["audit", str(PAGE)],
        ["index", "stats"],
        ["index", "list"],
        ["index", "remove", "https://harbourside-courier.example/x/"],
    ):
        result = run(*args, "--index", str(index))
        assert result.exit_code == 2, (args, result.output)
        assert "no index here (no such file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_index_stats_and_list_report_an_empty_index_as_empty(tmp_path: Path) -> None:
    index = tmp_path / "empty.sqlite"
    make_empty_index(index)
    before = folder_state(tmp_path)

    stats = run("index", "stats", "--index", str(index))
    assert stats.exit_code == 0, stats.output
    assert "articles: 0\n" in stats.stdout
    assert "fingerprints: 0\n" in stats.stdout

    listing = run("index", "list", "--index", str(index))
    assert listing.exit_code == 0, listing.output
    assert listing.stdout == ""
    assert listing.stderr == f"reprint-check: {index}: the index holds no articles\n"
    assert folder_state(tmp_path) == before


def test_reading_an_index_leaves_it_byte_for_byte_and_nothing_beside_it(
    tmp_path: Path, stored_report: Path, feed_file: Path
) -> None:
    index = tmp_path / "idx" / "index.sqlite"
    added = run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", str(index))
    assert added.exit_code == 0, added.output
    assert sorted(p.name for p in index.parent.iterdir()) == ["index.sqlite"]
    before = sha256(index)

    outcomes = {
        name: run(*args).exit_code
        for name, args in read_commands(index, stored_report, feed_file).items()
    }
    stats = run("index", "stats", "--index", str(index))
    listing = run("index", "list", "--index", str(index))

    assert outcomes == {"audit": 1, "feed": 1, "report": 1}  # each finds the violation it holds
    assert "articles: 10\n" in stats.stdout
    assert len(listing.stdout.splitlines()) == 10
    assert sha256(index) == before
    assert sorted(p.name for p in index.parent.iterdir()) == ["index.sqlite"]


def test_index_add_creates_a_new_index_and_fills_an_empty_file(tmp_path: Path) -> None:
    new = tmp_path / "new" / "folder" / "index.sqlite"
    result = run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", str(new))
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith(f"; 10 in {new}\n")

    touched = tmp_path / "touched.sqlite"
    touched.write_bytes(b"")  # what an empty SQLite database is: a file to make the index in
    result = run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", str(touched))
    assert result.exit_code == 0, result.output
    assert run("audit", str(PAGE), "--index", str(touched)).exit_code == 1


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        pytest.param(
            make_foreign_database,
            "not a reprint-check index (a SQLite database with other tables: notes)",
            id="foreign-database",
        ),
        pytest.param(
            make_text_file, "not a reprint-check index (not a SQLite database)", id="text-file"
        ),
    ],
)
def test_index_add_never_writes_into_what_is_not_an_index(
    tmp_path: Path, make: Callable[[Path], None], problem: str
) -> None:
    target = tmp_path / "theirs.sqlite"
    make(target)
    before = folder_state(tmp_path)
    result = run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", str(target))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"reprint-check: {target}: {problem}"]
    assert folder_state(tmp_path) == before


def test_index_remove_says_what_it_removed(tmp_path: Path) -> None:
    index = str(tmp_path / "index.sqlite")
    assert run("index", "add", str(EXAMPLES / "archive.jsonl"), "--index", index).exit_code == 0
    budget = "https://harbourside-courier.example/2026/03/council-budget-vote/"
    ferry = "https://harbourside-courier.example/2026/03/ferry-timetable-change/"

    result = run("index", "remove", budget, ferry + "?utm_source=newsletter", "--index", index)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"removed {budget} (Council approves budget with 4.5% tax rise after late-night vote)",
        f"removed {ferry} (Island ferry to run hourly from April as winter timetable ends early)",
        f"2 article(s) removed, 0 not in the index; 8 in {index}",
    ]

    again = run("index", "remove", budget, "--index", index)
    assert again.exit_code == 2
    assert again.stderr.splitlines() == [
        f"reprint-check: {budget}: not in the index",
        f"0 article(s) removed, 1 not in the index; 8 in {index}",
    ]


def test_a_read_only_index_follows_a_writer_and_refuses_to_write(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with SQLiteIndex(path) as writer:
        writer.add(Article("https://courier.example/a/", STORY, "A"))
    with open_index(path, read_only=True) as reader:
        assert reader.count() == 1
        with SQLiteIndex(path, create=False) as writer:
            writer.add(Article("https://courier.example/b/", STORY + " Both were unhurt.", "B"))
            assert reader.count() == 2
        assert [i.url for i in reader.articles()] == [
            "https://courier.example/a/",
            "https://courier.example/b/",
        ]
        with pytest.raises(IndexStoreError, match="cannot write"):
            reader.add(Article("https://courier.example/c/", STORY, "C"))
    with SQLiteIndex(path, create=False):  # the last writer to close tidies up
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.sqlite"]


def test_the_library_refuses_an_empty_index_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    make_empty_index(path)
    with open_index(path, read_only=True) as store:
        assert store.count() == 0
    with pytest.raises(IndexStoreError, match="the index holds no articles"):
        open_index(path, read_only=True, require_articles=True)


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_tables(dsn: str) -> list[tuple[str, str]]:
    """Every user table of the database: what a read command may not add to."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = 'reprint_check'"
        ).fetchall()
    return [*rows, *(("schema", s) for (s,) in schemas)]


def pg_index_rows(dsn: str) -> tuple[object, ...]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return tuple(
            tuple(conn.execute(f"SELECT * FROM reprint_check.{table} ORDER BY 1").fetchall())
            for table in ("meta", "migrations", "totals", "articles", "aliases", "runs", "chunks")
        )


@pytest.mark.parametrize("foreign", [False, True], ids=["blank", "other-application"])
def test_postgresql_without_the_schema_is_no_index_and_stays_so(
    pg_dsn: str, stored_report: Path, feed_file: Path, foreign: bool
) -> None:
    import psycopg

    if foreign:
        with psycopg.connect(pg_dsn) as conn:
            conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
    before = pg_tables(pg_dsn)
    commands = read_commands(Path("unused"), stored_report, feed_file)
    for args in (*commands.values(), ["index", "stats"], ["index", "list"]):
        args = [a for a in args if a not in ("--index", "unused")]
        result = run(*args, "--index", pg_dsn)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.splitlines() == [
            f"reprint-check: {pg_dsn}: no index here (this database has no reprint-check "
            f"tables; build one with {ADD_HINT})"
        ]
    assert pg_tables(pg_dsn) == before


def test_postgresql_with_an_empty_index_is_an_error_for_audits(
    pg_dsn: str, stored_report: Path, feed_file: Path
) -> None:
    from reprint_check.index.postgres import PostgresIndex

    PostgresIndex(pg_dsn).close()  # the schema, no articles
    tables, rows = pg_tables(pg_dsn), pg_index_rows(pg_dsn)
    commands = read_commands(Path("unused"), stored_report, feed_file)
    for args in commands.values():
        args = [a for a in args if a not in ("--index", "unused")]
        result = run(*args, "--index", pg_dsn)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.splitlines() == [
            f"reprint-check: {pg_dsn}: the index holds no articles; add some with {ADD_HINT}"
        ]
    assert "articles: 0\n" in run("index", "stats", "--index", pg_dsn).stdout
    assert (pg_tables(pg_dsn), pg_index_rows(pg_dsn)) == (tables, rows)


def test_postgresql_read_only_sessions_refuse_writes(pg_dsn: str) -> None:
    with open_index(pg_dsn) as writer:
        writer.add(Article("https://courier.example/a/", STORY, "A"))
    with open_index(pg_dsn, read_only=True, require_articles=True) as reader:
        assert reader.count() == 1
        with pytest.raises(IndexStoreError, match=r"cannot write .*read-only transaction"):
            reader.add(Article("https://courier.example/b/", STORY, "B"))
        with pytest.raises(IndexStoreError, match=r"cannot write .*read-only transaction"):
            reader.remove("https://courier.example/a/")
    with open_index(pg_dsn, read_only=True) as reader:
        assert [i.url for i in reader.articles()] == ["https://courier.example/a/"]
