"""The PostgreSQL index against a real server: parity with SQLite, concurrency, migrations, roles.

The shared behaviour of both backends is tested in test_index.py (each test
runs on both); here is what only a server has. The stories are fiction
written for these tests; examples/ is the project's fictional archive.
"""

from __future__ import annotations

import html
import json
import random
import re
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reprint_check.audit import audit
from reprint_check.cli import main
from reprint_check.errors import IndexStoreError
from reprint_check.index import open_index
from reprint_check.index import postgres as pgindex
from reprint_check.index.base import PageRecord, SiteRecord, article_fingerprints
from reprint_check.index.ingest import ingest
from reprint_check.index.postgres import MIGRATIONS, Migration, PostgresIndex, migrate, redact
from reprint_check.index.sources import iter_articles
from reprint_check.index.sqlite import SQLiteIndex
from reprint_check.models import Article
from reprint_check.policy.rules import load_policy
from reprint_check.report import render
from reprint_check.text.fingerprint import kgram_hashes, tokenize
from reprint_check.text.normalize import normalize
from reprint_check.urls import canonical_url

try:
    import psycopg
    from psycopg import sql
except ImportError:  # pg_driver skips these tests, or fails them in CI
    psycopg = None

pytestmark = pytest.mark.usefixtures("pg_driver")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SUSPECTS = sorted(str(p) for p in (EXAMPLES / "suspects").iterdir())
DOCS = ROOT / "docs" / "postgresql.md"

TOWNS = ["Gull Point", "Eastmere", "Holloway", "Saltash Row", "Brindle Quay", "Marram"]
THINGS = ["breakwater", "ferry slip", "lifeboat house", "fish market", "sea wall", "tide gauge"]


def story(n: int) -> str:
    town, thing = TOWNS[n % len(TOWNS)], THINGS[n // len(TOWNS) % len(THINGS)]
    return (
        f"Story {n}: the harbour board of {town} voted {n} to {n + 3} on Tuesday to rebuild "
        f"the {thing}, which lost {n * 7} metres of stone in the winter storms.\n\n"
        f"Work on stretch {n} begins in spring and should take {n % 5 + 2} months, "
        "the board's engineer said. Sign up to the Courier newsletter for more."
    )


def kgrams(text: str) -> list[int]:
    return kgram_hashes(tokenize(normalize(text).text))


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def pg(pg_dsn: str) -> Iterator[PostgresIndex]:
    with PostgresIndex(pg_dsn) as opened:
        yield opened


def examples_archive() -> list[Article]:
    found = list(iter_articles(str(EXAMPLES / "archive")))
    assert all(isinstance(a, Article) for a in found)
    return found  # type: ignore[return-value]


def reports(index, targets: list[str]) -> str:
    return render(audit(targets, index=index, policy=load_policy("default")), "json")


# --- the same results as SQLite ------------------------------------------------------------


def test_candidates_are_those_of_sqlite_on_the_same_archive(pg: PostgresIndex) -> None:
    lite = SQLiteIndex(":memory:")
    articles = [Article(f"https://courier.example/{n}/", story(n), f"T{n}") for n in range(60)]
    for store in (lite, pg):
        store.add_many(articles[:40])
        store.add_many(articles[30:])  # ten replaced
        store.remove("https://courier.example/7/")
    assert pg.count() == lite.count() == 59

    def by_url(store, text: str) -> tuple[list[tuple[str, int]], set[int]]:
        ranked, boilerplate = store.candidates(kgrams(text))
        return [(store.get(i).url, n) for i, n in ranked], boilerplate

    for text in (story(3), story(7), story(35) + " " + story(12), "Sign up to the Courier"):
        assert by_url(pg, text) == by_url(lite, text)
    assert [i.url for i in pg.articles()] == [i.url for i in lite.articles()]
    ps, ls = pg.stats(), lite.stats()
    assert (ps.articles, ps.fingerprints, ps.boilerplate_fingerprints, ps.text_chars) == (
        ls.articles,
        ls.fingerprints,
        ls.boilerplate_fingerprints,
        ls.text_chars,
    )


def test_examples_get_the_same_reports_as_with_sqlite(pg: PostgresIndex) -> None:
    lite = SQLiteIndex(":memory:")
    for store in (lite, pg):
        store.add_many(examples_archive())
    assert reports(pg, SUSPECTS) == reports(lite, SUSPECTS)


def test_ingest_writes_what_it_writes_on_sqlite_and_skips_unchanged(
    pg: PostgresIndex, tmp_path: Path
) -> None:
    export = tmp_path / "export.jsonl"
    rows = [{"url": f"https://courier.example/{n}/", "title": f"T{n}", "text": story(n)}
            for n in range(25)]  # fmt: skip
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    lite = SQLiteIndex(tmp_path / "i.sqlite")
    first = ingest([str(export)], pg, batch_articles=7)
    assert first == ingest([str(export)], lite, batch_articles=7)
    assert (first.added, first.failed) == (25, 1)
    again = ingest([str(export)], pg, batch_articles=7)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 25)
    rows[3]["text"] += " Corrected on Wednesday."
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    changed = ingest([str(export)], pg, batch_articles=7)
    assert (changed.replaced, changed.unchanged) == (1, 24)
    assert pg.stats().fingerprints == sum(
        len(article_fingerprints(r["text"])) for r in rows
    )  # the old version's fingerprints went with it


def test_a_nul_in_a_title_does_not_lose_the_article(pg: PostgresIndex) -> None:
    pg.add(Article("https://courier.example/a/", "Text with a \x00 in it.", "A\x00B"))
    article = pg.get(1)
    assert (article.text, article.title) == ("Text with a \x00 in it.", "A\ufffdB")


# --- concurrency ----------------------------------------------------------------------------


def test_an_auditor_sees_the_old_or_the_new_article_never_a_mix(pg_dsn: str) -> None:
    old = Article("https://courier.example/a/", story(1), "Old")
    new = Article("https://courier.example/a/", story(1) + " Corrected.", "New")
    with PostgresIndex(pg_dsn) as auditor, PostgresIndex(pg_dsn) as ingest_job:
        ingest_job.add(old)
        ((old_id, _),), _ = auditor.candidates(kgrams(story(1)))
        assert ingest_job.add(new) is True  # committed while the auditor reads its target
        assert auditor.get(old_id) == old  # the auditor's snapshot: the old one, whole
        ((new_id, _),), _ = auditor.candidates(kgrams(story(1)))  # the next target
        assert new_id != old_id
        assert auditor.get(new_id) == new
        with pytest.raises(IndexStoreError, match=f"no article {old_id}"):
            auditor.get(old_id)


def test_four_concurrent_auditors_during_an_ingest_get_the_sequential_reports(
    pg_dsn: str,
) -> None:
    archive = examples_archive()
    with PostgresIndex(pg_dsn) as shared:
        shared.add_many(archive)
        expected = reports(shared, SUSPECTS)
        start = threading.Barrier(5)  # the four auditors and the ingest begin together
        done = threading.Event()
        results: list[list[str]] = [[] for _ in range(4)]
        errors: list[BaseException] = []

        def auditor(mine: list[str]) -> None:
            try:
                start.wait()
                while not done.is_set() or len(mine) < 2:
                    mine.append(reports(shared, SUSPECTS))
            except BaseException as e:  # reported by the main thread
                errors.append(e)

        threads = [threading.Thread(target=auditor, args=(r,)) for r in results]
        for t in threads:
            t.start()
        replaced = 0
        try:
            with PostgresIndex(pg_dsn) as ingest_job:  # another machine re-adds the archive
                start.wait()
                for rounds in range(3):
                    for i in range(0, len(archive), 3):
                        replaced += ingest_job.add_many(archive[i + rounds % 3 : i + 3])
                    replaced += ingest_job.add_many(archive)
        finally:
            done.set()
            for t in threads:
                t.join()
        assert not errors, errors
        assert replaced > len(archive)  # the auditors ran while articles were replaced
        for mine in results:
            assert len(mine) >= 2
            assert all(r == expected for r in mine)
        assert shared.count() == len(archive)


def test_concurrent_writers_leave_one_copy_of_each_article(pg_dsn: str) -> None:
    articles = [Article(f"https://courier.example/{n}/", story(n)) for n in range(30)]
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            with PostgresIndex(pg_dsn) as store:
                for i in range(offset, offset + 30, 5):
                    store.add_many(articles[i % 30 : i % 30 + 5])
        except BaseException as e:
            errors.append(e)

    with PostgresIndex(pg_dsn) as store:
        threads = [threading.Thread(target=writer, args=(k * 5,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert store.count() == len(list(store.articles())) == 30
        assert store.stats().fingerprints == sum(
            len(article_fingerprints(a.text)) for a in articles
        )


def test_threads_share_one_index_and_give_their_connection_back(pg_dsn: str) -> None:
    with PostgresIndex(pg_dsn, pool_size=2) as shared:
        shared.add(Article("https://courier.example/a/", story(1)))
        seen: list[int] = []
        for _ in range(12):  # more threads, one after the other, than connections
            t = threading.Thread(
                target=lambda: seen.append(len(shared.candidates(kgrams(story(1)))[0]))
            )
            t.start()
            t.join()
        assert seen == [1] * 12


# --- the fingerprint index ----------------------------------------------------------------


def varied_story(n: int, words: int = 80) -> str:
    """Made-up words in a seeded order: fingerprints as rare as in a real archive."""
    rng = random.Random(n)
    syllables = ["ka", "lo", "mer", "tin", "sa", "ru", "bel", "do", "ven", "qui", "sto", "ar"]
    return " ".join(
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(words)
    )


def test_candidate_lookups_use_the_fingerprint_index(pg: PostgresIndex) -> None:
    pg.add_many(Article(f"https://courier.example/{n}/", varied_story(n)) for n in range(3000))
    pg.checkpoint()  # ANALYZE, as after an ingest
    plan = pg.explain(kgrams(varied_story(17)))
    probe = "Index Scan Backward using chunks_pkey on chunks"  # one chunk per k-gram per run
    fetch = "Index Scan using chunks_pkey on chunks"  # the ids of the chunks holding rare ones
    assert plan.count(probe) == 1 and plan.count(fetch) == 1, plan
    assert "Seq Scan on chunks" not in plan, plan
    ((best, _), *_), _ = pg.candidates(kgrams(varied_story(17)))
    assert pg.get(best).url == "https://courier.example/17/"
    # a whole page of ~1,600 k-grams against this small index: still index probes, where
    # PostgreSQL's default costs (random_page_cost = 4) would scan the whole table
    page = kgrams(" ".join(varied_story(n, words=100) for n in range(5000, 5016)))
    assert len(set(page)) > 1500
    plan = pg.explain(page)
    assert plan.count(probe) == 1 and plan.count(fetch) == 1, plan
    assert "Seq Scan on chunks" not in plan, plan


def test_a_lower_random_page_cost_set_by_the_server_is_kept(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        name = sql.Identifier(admin.info.dbname)
        admin.execute(sql.SQL("ALTER DATABASE {} SET random_page_cost = 1.0").format(name))
    with PostgresIndex(pg_dsn) as store, store._reading() as conn:
        (cost,) = conn.execute("SHOW random_page_cost").fetchone()
    assert float(cost) == 1.0


# --- schema, migrations, errors ---------------------------------------------------------------


def test_a_new_index_records_its_schema_and_migrating_again_does_nothing(pg_dsn: str) -> None:
    with PostgresIndex(pg_dsn):
        pass
    with psycopg.connect(pg_dsn) as conn:
        assert pgindex.schema_version(conn) == pgindex.SCHEMA_VERSION == 3
        rows = conn.execute("SELECT key, value FROM reprint_check.meta ORDER BY key").fetchall()
    assert rows == [("k", "4"), ("schema", "3"), ("window", "5")]
    assert migrate(pg_dsn) == []


def test_an_index_of_schema_1_is_refused_until_migrated_then_keeps_its_articles(
    pg_dsn: str,
) -> None:
    assert migrate(pg_dsn, MIGRATIONS[:1]) == [1]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO reprint_check.articles (url, title, chars, body) "
            "VALUES ('https://courier.example/a/', 'A', 5, %s)",
            (zlib.compress(b"Story"),),
        )
    with pytest.raises(IndexStoreError, match=r"index schema 1, this version reads 3 \(run"):
        PostgresIndex(pg_dsn)
    assert migrate(pg_dsn) == [2, 3]  # the crawl state; postings in runs of chunks
    with PostgresIndex(pg_dsn) as store:
        assert [a.url for a in store.articles()] == ["https://courier.example/a/"]
        assert list(store.pages("https://courier.example")) == []
        assert store.obtained() == {}


def test_migrating_a_schema_2_index_keeps_every_posting(pg_dsn: str) -> None:
    # schemas 1 and 2 kept a row per (fingerprint, article); migration 3 packs them into a run
    articles = [Article(f"https://courier.example/{n}/", story(n), f"T{n}") for n in range(80)]
    lite = SQLiteIndex(":memory:")
    lite.add_many(articles)
    assert migrate(pg_dsn, MIGRATIONS[:2]) == [1, 2]
    with psycopg.connect(pg_dsn) as conn:
        for n, article in enumerate(articles, start=1):
            conn.execute(
                "INSERT INTO reprint_check.articles VALUES (%s, %s, %s, NULL, %s, %s)",
                (
                    n,
                    article.url,
                    article.title,
                    len(article.text),
                    lite._db.execute("SELECT body FROM articles WHERE id = ?", (n,)).fetchone()[0],
                ),
            )
            conn.execute(
                "INSERT INTO reprint_check.aliases VALUES (%s, %s, %s)",
                (canonical_url(article.url), n, article.url),
            )
            conn.execute(
                "INSERT INTO reprint_check.fingerprints SELECT unnest(%s::bigint[]), %s",
                (sorted(article_fingerprints(article.text)), n),
            )
        conn.execute("UPDATE reprint_check.totals SET articles = %s", (len(articles),))
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('reprint_check.articles', 'id'), %s)",
            (len(articles),),
        )
    with pytest.raises(IndexStoreError, match=r"index schema 2, this version reads 3 \(run"):
        PostgresIndex(pg_dsn)
    assert migrate(pg_dsn) == [3]
    with PostgresIndex(pg_dsn) as pg:
        for text in (story(3), story(41) + " " + story(12), "Sign up to the Courier"):
            assert pg.candidates(kgrams(text)) == lite.candidates(kgrams(text))
        ps, ls = pg.stats(), lite.stats()
        assert (ps.fingerprints, ps.boilerplate_fingerprints) == (
            ls.fingerprints,
            ls.boilerplate_fingerprints,
        )
        pg.add(Article("https://courier.example/new/", story(99)))  # schema 3 takes writes
        lite.add(Article("https://courier.example/new/", story(99)))
        assert pg.candidates(kgrams(story(99))) == lite.candidates(kgrams(story(99)))


def test_migrations_apply_in_order_once_and_a_newer_schema_is_refused(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PostgresIndex(pg_dsn) as store:
        store.add(Article("https://courier.example/a/", story(1)))
    later = (
        *MIGRATIONS,
        Migration(4, "a note per article", "ALTER TABLE reprint_check.articles ADD note text"),
        Migration(5, "notes are indexed", "CREATE INDEX ON reprint_check.articles (note)"),
    )
    assert migrate(pg_dsn, later[:4]) == [4]
    assert migrate(pg_dsn, later) == [5]
    assert migrate(pg_dsn, later) == []
    with psycopg.connect(pg_dsn) as conn:
        history = conn.execute("SELECT version FROM reprint_check.migrations ORDER BY 1")
        assert [v for (v,) in history] == [1, 2, 3, 4, 5]
    with pytest.raises(IndexStoreError, match=r"index schema 5, this version reads 3 \(upgrade"):
        PostgresIndex(pg_dsn)
    with pytest.raises(IndexStoreError, match="newer than this version"):
        migrate(pg_dsn)
    monkeypatch.setattr(pgindex, "SCHEMA_VERSION", 6)
    with pytest.raises(IndexStoreError, match=r"reads 6 \(run `reprint-check index migrate`\)"):
        PostgresIndex(pg_dsn)


def test_an_index_built_with_other_fingerprint_settings_is_refused(pg_dsn: str) -> None:
    PostgresIndex(pg_dsn).close()
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("UPDATE reprint_check.meta SET value = '5' WHERE key = 'k'")
    with pytest.raises(IndexStoreError, match="index built with k = 5, this version uses 4"):
        PostgresIndex(pg_dsn)


def test_an_empty_database_is_no_index_for_readers(pg_dsn: str) -> None:
    with pytest.raises(IndexStoreError, match="no index here"):
        open_index(pg_dsn, create=False)
    with open_index(pg_dsn.replace("postgresql://", "postgres://")) as created:
        assert isinstance(created, PostgresIndex)
        assert created.count() == 0


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    dsn = "postgresql://editor:s3cret@127.0.0.1:1/news?connect_timeout=2"
    with pytest.raises(IndexStoreError) as caught:
        open_index(dsn)
    message = str(caught.value)
    assert message.startswith(
        "postgresql://editor:***@127.0.0.1:1/news?connect_timeout=2: cannot connect"
    )
    assert "s3cret" not in message and "\n" not in message


def test_redact_masks_passwords_in_both_forms() -> None:
    assert redact("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
    assert redact("postgres://h/db?user=u&password=p&sslmode=require") == (
        "postgres://h/db?user=u&password=***&sslmode=require"
    )
    assert redact("host=h password='a b' dbname=x") == "host=h password=*** dbname=x"
    assert redact("postgresql://u@h:5432/db") == "postgresql://u@h:5432/db"


# --- the roles of docs/postgresql.md ------------------------------------------------------


def docs_sql(marker: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- sql:{marker} -->\s*```sql\n(.*?)```", text, re.S)
    assert match, f"docs/postgresql.md: no sql:{marker} block"
    return match.group(1)


def test_the_documented_roles_audit_read_only_and_ingest_without_ddl(
    pg_cluster, pg_dsn: str
) -> None:
    def as_role(role: str) -> str:
        return pg_dsn.replace("postgres@", f"{role}@", 1)

    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(docs_sql("roles"))
        try:
            assert migrate(as_role("reprint_owner")) == [1, 2, 3]
            admin.execute(docs_sql("grants"))
            with PostgresIndex(as_role("reprint_ingest"), create=False) as ingest_job:
                ingest_job.add_many(examples_archive())
                assert ingest_job.remove("https://harbourside-courier.example/nothing/") is None
                # a crawl (index add SITE, index sync) writes and rewrites its records
                site = "https://harbourside-courier.example"
                for state in ("indexed", "gone"):
                    record = PageRecord(f"{site}/a/", site, state, "html", "2026-01-01T00:00:00Z")
                    ingest_job.record_pages([record])
                    ingest_job.record_site(SiteRecord(site, f"{site}/", "2026-01-01T00:00:00Z"))
                assert [r.state for r, _ in ingest_job.pages(site)] == ["gone"]
                with (
                    pytest.raises(IndexStoreError, match="must be owner"),
                    ingest_job._write() as cur,
                ):
                    cur.execute("DROP TABLE reprint_check.chunks")
                ingest_job.checkpoint()  # ANALYZE is skipped for a non-owner, not an error
            with PostgresIndex(as_role("reprint_auditor"), create=False) as auditor:
                lite = SQLiteIndex(":memory:")
                lite.add_many(examples_archive())
                assert reports(auditor, SUSPECTS) == reports(lite, SUSPECTS)
                assert auditor.stats().articles == len(examples_archive())
                read_only = auditor._conn().execute("SHOW default_transaction_read_only")
                assert read_only.fetchone() == ("on",)
                with pytest.raises(IndexStoreError, match=r"cannot write \(permission denied"):
                    auditor.add(Article("https://courier.example/a/", story(1)))
                with pytest.raises(IndexStoreError, match="cannot write"):
                    auditor.remove(examples_archive()[0].url)
            with pytest.raises(IndexStoreError, match="cannot migrate"):
                migrate(
                    as_role("reprint_ingest"),
                    (*MIGRATIONS, Migration(4, "x", "CREATE TABLE reprint_check.x ()")),
                )
        finally:
            admin.execute("DROP SCHEMA IF EXISTS reprint_check CASCADE")
            for role in ("reprint_owner", "reprint_ingest", "reprint_auditor"):
                admin.execute(f"DROP OWNED BY {role}")
                admin.execute(f"DROP ROLE {role}")


# --- the command line -------------------------------------------------------------------------


def test_every_command_works_with_the_environment_variable(pg_dsn: str, tmp_path: Path) -> None:
    env = {"REPRINT_CHECK_INDEX": pg_dsn}
    lite = str(tmp_path / "i.sqlite")
    added = run("index", "add", str(EXAMPLES / "archive"), env=env)
    assert added.exit_code == 0, added.output
    assert run("index", "add", str(EXAMPLES / "archive"), "--index", lite).exit_code == 0

    stats = run("index", "stats", env=env)
    assert stats.exit_code == 0
    assert f"index: {pg_dsn}\narticles: 10\n" in stats.output
    listed = run("index", "list", env=env)
    assert listed.output == run("index", "list", "--index", lite).output

    out_pg, out_lite = tmp_path / "pg.json", tmp_path / "lite.json"
    assert run("audit", *SUSPECTS, "--format", "json", "-o", str(out_pg), env=env).exit_code == 1
    assert (
        run("audit", *SUSPECTS, "--index", lite, "--format", "json", "-o", str(out_lite)).exit_code
        == 1
    )
    assert out_pg.read_bytes() == out_lite.read_bytes()
    jobs = run("audit", *SUSPECTS, "--format", "json", "--jobs", "2", env=env)
    assert jobs.stdout.encode() == out_pg.read_bytes()

    merged = run("report", str(out_pg), "--format", "markdown", "--index", pg_dsn)
    assert merged.exit_code == 1  # the stored report holds violations
    assert (
        merged.output
        == run("report", str(out_lite), "--format", "markdown", "--index", lite).output
    )

    story = html.escape((EXAMPLES / "suspects" / "story.txt").read_text(encoding="utf-8"))
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Letter</title>'
        "<item><title>No. 112</title><link>https://letter.example/112</link>"
        f"<description>{story}</description></item></channel></rss>",
        encoding="utf-8",
    )
    fed = run("feed", str(feed), "--fetch-items", "never", "--format", "json", env=env)
    assert fed.exit_code == 1, fed.output  # the newsletter quotes too much
    assert (
        fed.output
        == run(
            "feed", str(feed), "--fetch-items", "never", "--format", "json", "--index", lite
        ).output
    )

    migrated = run("index", "migrate", env=env)
    assert (migrated.exit_code, migrated.output) == (
        0,
        f"{pg_dsn}: migrations applied: none (up to date)\n",
    )

    url = json.loads(out_pg.read_text())["targets"][0]["sources"][0]["url"]
    assert run("index", "remove", url, env=env).exit_code == 0
    gone = run("index", "remove", url, env=env)
    assert gone.exit_code == 2
    assert "not in the index" in gone.output
    assert "articles: 9\n" in run("index", "stats", "--index", pg_dsn).output
