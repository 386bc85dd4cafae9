"""``index add SITE`` and ``index sync`` end to end, against the fictional site of sitefixture.py.

Every test runs a real crawl over HTTP on 127.0.0.1 and then reads two
things: the index (what a user gets) and the server's log (what the site
saw: which URLs, how often, when). Politeness is lowered by options
(``--delay 0``, a small ``Crawl-delay``) so the suite runs in CI time; the
rate test keeps a real limit and checks it on the server's clock.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner, Result

from reprint_check.cli import main
from reprint_check.crawl.site import CrawlOptions, crawl, user_agent
from reprint_check.index import open_index
from reprint_check.web.fetch import FetchSettings
from tests.localserver import LocalServer, send
from tests.sitefixture import CUT_OFF, SECTIONS, TRAP_PATIENCE, Site, Trap, is_post_path

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--allow-private", "--delay", "0", "--jobs", "1"]


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def add(site: Site, index: str, *extra: str, start: str = "/") -> Result:
    return cli("index", "add", site.url(start), "--index", index, *FAST, *extra)


def sync(site: Site, index: str, *extra: str) -> Result:
    return cli("index", "sync", site.url("/"), "--index", index, *FAST, *extra)


def stored(index: str) -> dict[str, tuple[str, str, str | None]]:
    """url -> (title, text, published) of every indexed article."""
    with open_index(index, create=False) as store:
        return {
            info.url: (a.title, a.text, a.published)
            for info in store.articles()
            for a in [store.get(info.id)]
        }


def expected(site: Site) -> dict[str, tuple[str, str, str | None]]:
    return {
        url: (p.title, p.text, p.date.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
        for url, p in site.expected().items()
    }


def plain(post_ids: list[int], site: Site) -> list[int]:
    """Posts without a quirk (not private, moved, listed twice, rate-limited, flaky or slow)."""
    q = site.quirks
    odd = set(q["moved"]) | set(q["tracking"]) | set(q["offsite"])
    odd |= {q["rate_limited"], q["flaky"], q["slow"]}
    return [i for i in post_ids if i % 37 != 5 and i not in odd]


# --- a first crawl -------------------------------------------------------------------------


def test_the_html_path_indexes_every_allowed_post_and_requests_each_once(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    with Site(300, wordpress=False) as site:
        result = add(site, index)
        log = site.requested()
        requests = site.post_requests()
    assert result.exit_code == 0, result.output
    assert stored(index).keys() == site.expected().keys()  # 292 posts: the server's count
    # robots.txt's Disallow, the other host name and the listing pages: never asked for
    assert [r.path for r in log if r.path.startswith("/private/")] == []
    assert [r.target for r in log if not r.host.startswith("127.0.0.1")] == []
    assert [r.path for r in log if r.path.startswith(("/category/", "/wp-json/wp"))] == []
    q = site.quirks
    twice = {site.post(q["rate_limited"]).path, site.post(q["flaky"]).path}  # 429, 500: retried
    assert {path for path, n in requests.items() if n > 1} == twice
    assert all(requests[path] == 2 for path in twice)
    # the tracking-parameter duplicates and the feed's ?utm_source links: one request each
    assert [r.target for r in log if "utm_" in r.query] == []
    ghosts = q["ghosts"]
    assert all(requests[g] == 1 for g in ghosts)
    summary = result.stderr
    assert "indexed 292 (292 new, 0 changed)" in summary
    assert "obtained from HTML pages: 292" in summary
    assert "disallowed by robots.txt 8" in summary
    assert "outside the site 2" in summary
    assert "gone (404/410, kept in the index): 3" in summary
    assert "reprint-check:" not in summary  # no failure lines


def test_the_wordpress_api_path_reads_a_hundred_exact_posts_a_request(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    with Site(300) as site:
        result = add(site, index)
        log = site.requested()
        assert stored(index) == expected(site)  # texts, titles and dates exactly
    assert result.exit_code == 0, result.output
    assert [r.target for r in log if r.path.startswith("/wp-json/")] == [
        f"/wp-json/wp/v2/posts?_fields=id%2Clink%2Cdate_gmt%2Cmodified_gmt%2Ctitle%2Ccontent"
        f"&order=desc&orderby=date&page={n}&per_page=100"
        for n in (1, 2, 3)
    ]
    assert site.post_requests() == Counter()  # not one post page
    assert "obtained from WordPress REST API: 292" in result.stderr
    assert "disallowed by robots.txt 8" in result.stderr  # /private/ permalinks are left out
    stats = cli("index", "stats", "--index", index)
    assert "obtained by crawls: WordPress REST API 292; otherwise (files, exports, pages): 0" in (
        stats.stdout
    )


def test_api_and_html_paths_give_the_same_texts_except_where_html_extraction_guesses(
    tmp_path: Path,
) -> None:
    """The API gives each post's text exactly. The HTML extractor matches it on most posts;
    on the others it adds the one-word section link of the site menu that happens to be a
    word of the story's opening ("Council", "Harbour"): a short block is taken for part of
    the story when its text occurs near the start of trafilatura's text (extract.py's
    SHORT_WINDOW rule). The API path is what the crawl uses wherever it answers."""
    by_api, by_html = str(tmp_path / "api.sqlite"), str(tmp_path / "html.sqlite")
    with Site(300) as site:
        assert add(site, by_api).exit_code == 0
        assert add(site, by_html, "--no-api").exit_code == 0
    api, html = stored(by_api), stored(by_html)
    assert api.keys() == html.keys()
    assert all(api[url][0] == html[url][0] and api[url][2] == html[url][2] for url in api)
    differ = {url for url in api if api[url][1] != html[url][1]}
    labels = {s.title() for s in SECTIONS}
    for url in differ:
        label, _, rest = html[url][1].partition("\n\n")
        assert label in labels and rest == api[url][1], url
        assert label.lower() in api[url][1][:80].lower()
    assert len(differ) < len(api) // 4


# --- politeness ----------------------------------------------------------------------------


def test_the_rate_never_exceeds_crawl_delay_and_retry_after_pauses_the_host(
    tmp_path: Path,
) -> None:
    index = str(tmp_path / "i.sqlite")
    with Site(60, wordpress=False, crawl_delay=0.1) as site:
        result = add(site, index, "--per-host", "2")
        log = site.requested()
    assert result.exit_code == 0, result.output
    assert "at most 2 in flight per host, 0.1 s apart" in result.stderr
    times = sorted(r.at for r in log[1:])  # after robots.txt, every request is paced
    # 0.1 s apart: at most 10 starts in any second (one more for arrival jitter)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 11
    assert len(times) >= 60
    # the 429 said Retry-After: 1; the whole host waits (a request already on its way aside)
    (limited,) = [r for r in log if r.status == 429]
    during = [r for r in log if limited.at + 0.2 < r.at < limited.at + 0.95]
    assert during == []


def test_a_page_slower_than_the_time_out_fails_alone_and_the_exit_code_says_so(
    tmp_path: Path,
) -> None:
    index = str(tmp_path / "i.sqlite")
    with Site(60, wordpress=False, slow_seconds=2.0) as site:
        result = add(site, index, "--timeout", "0.2")
        slow = site.url(site.post(site.quirks["slow"]).path)
    assert result.exit_code == 3
    assert f"reprint-check: {slow}: timed out after 0.2 s (read)" in result.stderr
    assert set(stored(index)) == set(site.expected()) - {slow}
    assert "failed 1 (listed below)" in result.stderr


def test_robots_txt_groups_for_our_agent_and_the_contact_in_the_user_agent(
    tmp_path: Path,
) -> None:
    robots = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: reprint-check\nDisallow: /2021/\nDisallow: /private/\n\n"
        "Sitemap: {base}/sitemap_index.xml\n"
    )
    index = str(tmp_path / "i.sqlite")
    with Site(60, wordpress=False, robots=robots) as site:
        result = add(site, index, "--contact", "https://newsroom.example/crawler")
        log = site.requested()
    assert result.exit_code == 0, result.output
    assert [r.path for r in log if r.path.startswith("/2021/")] == []
    assert stored(index).keys() == {u for u in site.expected() if "/2021/" not in u}
    agents = {r.headers["user-agent"] for r in log}
    assert agents == {user_agent("https://newsroom.example/crawler")}
    assert "contact: https://newsroom.example/crawler" in agents.pop()


def test_unreachable_robots_txt_means_nothing_is_crawled(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    with LocalServer() as server:
        server.reply("/robots.txt", b"down", 503, [("Retry-After", "0")])
        server.reply("/", b"<html><body><p>Home</p></body></html>")
        result = cli("index", "add", server.url("/"), "--index", index, *FAST)
    assert result.exit_code == 3
    assert "RFC 9309 says crawl nothing" in result.stderr
    assert set(server.hits) == {"/robots.txt"}  # tried again (Retry-After: 0), nothing else


def test_a_redirect_off_the_site_is_not_followed(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    story = "<p>" + "The ferry slip at Gull Point reopened on Tuesday after repairs. " * 6 + "</p>"
    with LocalServer() as server:
        other = server.url("/elsewhere/").replace("127.0.0.1", "localhost")
        urls = "".join(f"<url><loc>{server.url(p)}</loc></url>" for p in ("/story/", "/go/"))
        server.reply(
            "/sitemap.xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
            headers=[("Content-Type", "application/xml")],
        )
        server.reply("/story/", f"<html><body><article>{story}</article></body></html>".encode())
        server.reply("/go/", b"", 301, [("Location", other)])
        result = cli("index", "add", server.url("/"), "--index", index, *FAST)
        hosts = {headers.get("host", "") for _, headers in server.requests}
    assert result.exit_code == 0, result.output
    assert hosts == {f"127.0.0.1:{server.port}"}
    assert "outside the site 1" in result.stderr
    assert list(stored(index)) == [server.url("/story/")]


# --- what a URL is: sniffed from what it answers -------------------------------------------


def test_a_sitemap_and_a_feed_are_read_as_what_they_are_whatever_their_names(
    tmp_path: Path,
) -> None:
    aliases = {
        "/archive.html": ("/sitemap_index.xml", "text/html"),
        "/latest": ("/feed/", "text/plain"),
    }
    from_sitemap, from_feed = str(tmp_path / "s.sqlite"), str(tmp_path / "f.sqlite")
    with Site(60, wordpress=False, aliases=aliases) as site:
        by_sitemap = add(site, from_sitemap, start="/archive.html")
        by_feed = add(site, from_feed, start="/latest")
        newest = {site.url(p.path) for p in site.newest(20) if not p.private}
        all_posts = set(site.expected())
    assert by_sitemap.exit_code == 0, by_sitemap.output
    assert "found in 2 sitemaps" in by_sitemap.stderr  # the index and its post sitemap
    assert stored(from_sitemap).keys() == all_posts
    assert by_feed.exit_code == 0, by_feed.output
    assert "found in 1 feed" in by_feed.stderr
    assert stored(from_feed).keys() == newest


def test_a_site_that_lists_nothing_is_an_error_not_a_pass(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    with LocalServer() as server:
        server.reply("/", b"<html><body><p>Welcome to our shop.</p></body></html>")
        result = cli("index", "add", server.url("/"), "--index", index, *FAST)
    assert result.exit_code == 2
    assert "no article found" in result.stderr


def test_include_exclude_and_limit_keep_to_part_of_the_site(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    with Site(120, wordpress=False) as site:
        result = add(
            site, index, "--include", "/2024/*", "--exclude", "*-lighthouse-*", "--limit", "10"
        )
        wanted = [
            site.url(p.path)
            for p in sorted(site.posts(), key=lambda p: p.date, reverse=True)
            if p.path.startswith("/2024/") and "-lighthouse-" not in p.path
        ][:10]
        asked = set(site.post_requests())
    assert result.exit_code == 0, result.output
    assert set(stored(index)) == set(wanted)  # the ten newest that match
    assert asked == {u.removeprefix(site.base) for u in wanted}
    assert "beyond --limit" in result.stderr


def test_since_on_the_api_asks_modified_after_and_cuts_exactly(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    with Site(120) as site:
        result = add(site, index, "--since", "2024-07-01")
        log = site.requested()
        recent = {u for u, p in site.expected().items() if p.date.isoformat() >= "2024-07-01"}
    assert result.exit_code == 0, result.output
    assert any("modified_after=2024-06-30T00%3A00%3A00" in r.query for r in log)
    assert set(stored(index)) == recent


# --- resume and sync -----------------------------------------------------------------------


def crawl_records(index: str, site: Site) -> set[str]:
    """Paths the index has a crawl record for (what a killed crawl had finished)."""
    from reprint_check.crawl.site import site_key

    with open_index(index, create=False) as store:
        return {
            record.url.removeprefix(site.base) for record, _ in store.pages(site_key(site.base))
        }


def killed_and_resumed(
    site: Site,
    index: str,
    trap: Trap,
    *extra: str,
    lock_after: int | None = None,
    verb: str = "add",
) -> tuple[int, int, int, set[str], subprocess.CompletedProcess[str]]:
    """A crawl (``index add``, or ``index sync``) in its own process, killed by the
    site's trap; then the same command again.

    ``lock_after``: once the site has answered that many post pages, the test
    takes the index's write lock (a transaction held open) and only then sets
    the trap, so every page answered from then on is fetched but cannot be in
    the index when the crawler is killed. Returns where the killed run's
    requests begin, where the lock was taken and where the resumed run's
    requests begin in the server's log, the paths the index held records for at
    the kill, and the resumed run.
    """
    command = [sys.executable, "-m", "reprint_check.cli", "index", verb, site.url("/")]
    command += ["--index", index, "--allow-private", "--delay", "0", "--jobs", "1", *extra]
    env = {**os.environ, "CI": "1"}
    begin = len(site.requested())
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    trap.pid = first.pid
    lock = None
    if lock_after is None:
        site.trap = trap
    else:
        while sum(r.served for r in site.requested(begin) if is_post_path(r.path)) < lock_after:
            assert first.poll() is None, "the crawl ended before the lock"
            time.sleep(0.01)
        lock = sqlite3.connect(index, timeout=60, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # waits for a commit under way; then no other can start
        site.trap = trap
        # the writer now waits on the lock; its fetchers stop once its queues are full
        if not trap.fired.wait(TRAP_PATIENCE) and first.poll() is None:
            trap.spring()
    locked = len(site.requested())
    _, stderr = first.communicate(timeout=300)
    site.trap = None
    if lock is not None:
        lock.execute("ROLLBACK")
        lock.close()
    assert first.returncode == -signal.SIGKILL, stderr.decode()
    mark = len(site.requested())
    at_kill = crawl_records(index, site)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "resumed the crawl started" in second.stderr
    return begin, locked, mark, at_kill, second


@pytest.mark.parametrize(
    ("lock_after", "per_host"),
    [(None, 2), (40, 2), (100, 2), (70, 1)],
    ids=["first-page", "mid-crawl", "near-the-end", "one-in-flight"],
)
def test_a_crawl_killed_with_sigkill_resumes_fetching_nothing_twice(
    tmp_path: Path, lock_after: int | None, per_host: int
) -> None:
    """The trap kills the crawler once it has asked for per_host pages at once and
    been answered neither: nothing it received is in transit then. The index's write
    lock, taken before the trap is set, keeps the pages answered in between out of
    the index. Every page the site answered before the kill is never asked for again
    (those fetched but not in the index included); the cut-off requests are asked
    again (their answers never came); the index ends as a crawl never killed."""
    index, fresh = str(tmp_path / "i.sqlite"), str(tmp_path / "fresh.sqlite")
    with Site(150, wordpress=False) as site:
        assert add(site, fresh).exit_code == 0
        # the first page request is cut off at once; else a page or two are answered first
        after = 1 if lock_after is None else 1 + per_host
        trap = Trap(after, lambda path, query: is_post_path(path), held=per_host)
        begin, locked, mark, at_kill, _ = killed_and_resumed(
            site, index, trap, "--per-host", str(per_host), lock_after=lock_after
        )
        log = site.requested()
        killed, resumed = log[begin:mark], log[mark:]
        moved_to = {site.path_of(i) for i in site.quirks["moved"]}
        assert stored(index) == stored(fresh)
    served = {r.path for r in killed if r.served and is_post_path(r.path)}
    cut = {r.path for r in killed if r.status == CUT_OFF}
    asked_again = {r.path for r in resumed if is_post_path(r.path)}
    assert len(cut) <= per_host
    if lock_after is None:
        assert len(cut) == per_host
    assert asked_again.isdisjoint(served)  # nothing answered before the kill is asked again
    assert cut <= asked_again | moved_to  # a cut-off hop to a moved post: its old address
    served_twice = Counter(r.path for r in killed + resumed if r.served and is_post_path(r.path))
    assert [path for path, n in served_twice.items() if n > 1] == []
    # answered once the index was locked: fetched, not indexed, given back by the journal
    after_lock = {r.path for r in log[locked:mark] if r.served and is_post_path(r.path)}
    not_indexed = served - at_kill - moved_to
    print(f"killed after {len(served)} pages answered, {len(not_indexed)} of them not indexed")
    assert after_lock - moved_to <= not_indexed
    if lock_after is not None:
        assert not_indexed  # answered (before or after the lock), not indexed, not asked again
    assert not Path(index + ".crawl-journal").exists()  # finished: nothing left in it


@pytest.mark.parametrize("page", [2, 3])
def test_an_api_crawl_killed_with_sigkill_resumes_asking_only_for_the_posts_it_lacks(
    tmp_path: Path, page: int
) -> None:
    """Killed when it asks for the page-th hundred posts: the hundreds it was given
    are in the journal (most not yet in the index) and none is asked for again."""
    index = str(tmp_path / "i.sqlite")
    with Site(300) as site:
        trap = Trap(
            1, lambda path, query: path.endswith("/wp/v2/posts") and f"&page={page}&" in query
        )
        begin, _, mark, at_kill, _ = killed_and_resumed(site, index, trap)
        killed, resumed = site.requested(begin)[: mark - begin], site.requested(mark)
        given = {
            post["id"]
            for r in killed
            if r.served and r.path.endswith("/wp/v2/posts")
            for post in site.api_posts(parse_qs(r.query))[1]
        }
        paths = {i: site.path_of(i) for i in given}
        assert stored(index) == expected(site)
    assert len(given) == 100 * (page - 1)
    included = {
        int(i)
        for r in resumed
        if "include=" in r.query
        for i in r.query.split("include=")[1].split("&")[0].split("%2C")
    }
    assert included and included.isdisjoint(given)  # no post it was given is asked again
    assert all("modified_gmt&" in r.query for r in resumed if "include=" not in r.query
               and r.path.endswith("/wp/v2/posts"))  # fmt: skip
    assert site.post_requests(mark) == Counter()
    print(f"kill at API page {page}: {len(set(paths.values()) - at_kill)} posts not yet indexed")


def test_a_sync_killed_with_sigkill_resumes_asking_only_for_the_changed_posts_it_lacks(
    tmp_path: Path,
) -> None:
    """A sync is a crawl too: killed after some of the changed posts were answered, the
    next sync asks for none of those again, asks for the rest, and leaves the index as a
    fresh crawl of the changed site would."""
    index, fresh = str(tmp_path / "i.sqlite"), str(tmp_path / "fresh.sqlite")
    with Site(200, wordpress=False) as site:
        assert add(site, index).exit_code == 0
        changed = plain(site.live_ids(), site)[:60]
        site.change(changed)
        changed_paths = {site.path_of(i) for i in changed}
        trap = Trap(25, lambda path, query: path in changed_paths, held=2)
        begin, _, mark, _, _ = killed_and_resumed(site, index, trap, "--per-host", "2", verb="sync")
        killed, resumed = site.requested(begin)[: mark - begin], site.requested(mark)
        assert add(site, fresh).exit_code == 0
        assert stored(index) == stored(fresh)
    served = {r.path for r in killed if r.served and r.path in changed_paths}
    asked_again = [r.path for r in resumed if r.path in changed_paths]
    assert len(served) >= 24  # the trap held the 25th and 26th
    assert set(asked_again).isdisjoint(served)  # nothing answered before the kill
    assert sorted(asked_again) == sorted(changed_paths - served)  # the rest, once each
    assert not Path(index + ".crawl-journal").exists()


def test_sync_fetches_exactly_the_changed_new_and_deleted_posts(
    index_location: str, tmp_path: Path
) -> None:
    fresh = str(tmp_path / "fresh.sqlite")
    with Site(300, wordpress=False) as site:
        assert add(site, index_location).exit_code == 0
        ids = plain(site.live_ids(), site)
        changed, deleted = ids[:100], ids[100:120]
        site.change(changed)
        site.delete(deleted)
        new = [i for i in site.add(50) if i % 37 != 5]  # /private/ ones: disallowed
        mark = len(site.requested())
        result = sync(site, index_location)
        asked = site.post_requests(mark)
        paths = {i: site.path_of(i) for i in changed + deleted + new}
        changed_paths = {paths[i] for i in changed}
        conditional = [r for r in site.requested(mark) if r.path in changed_paths]
        assert add(site, fresh).exit_code == 0
        gone_urls = sorted(site.url(paths[i]) for i in deleted)
    assert result.exit_code == 0, result.output
    # exactly those, once each: not one other post page, not one 304
    assert asked == Counter({paths[i]: 1 for i in changed + deleted + new})
    assert len(conditional) == 100
    assert all(r.headers.get("if-none-match") for r in conditional)  # stored ETag: conditional
    assert all(r.status == 200 for r in conditional)
    synced, recrawled = stored(index_location), stored(fresh)
    assert {u: v for u, v in synced.items() if u not in gone_urls} == recrawled
    assert sorted(set(synced) - set(recrawled)) == gone_urls  # kept, with their old text
    listed = cli("index", "list", "--gone", "--index", index_location)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == gone_urls
    assert all("\t404 since " in line for line in listed.stdout.splitlines())
    assert f"indexed {100 + len(new)} ({len(new)} new, 100 changed)" in result.stderr
    assert "gone (404/410, kept in the index): 20" in result.stderr
    assert "deletions: 20 indexed URL(s) no longer listed, asked again" in result.stderr


def test_sync_over_the_api_asks_only_for_changed_posts_by_id(tmp_path: Path) -> None:
    index, fresh = str(tmp_path / "i.sqlite"), str(tmp_path / "fresh.sqlite")
    with Site(300) as site:
        assert add(site, index).exit_code == 0
        ids = plain(site.live_ids(), site)
        changed, deleted = ids[:100], ids[100:120]
        site.change(changed)
        site.delete(deleted)
        new = [i for i in site.add(50) if i % 37 != 5]  # /private/ ones: disallowed
        mark = len(site.requested())
        result = sync(site, index)
        log = site.requested(mark)
        asked_pages = site.post_requests(mark)
        assert add(site, fresh).exit_code == 0
        deleted_paths = {site.path_of(i) for i in deleted}
    assert result.exit_code == 0, result.output
    included = [
        int(i)
        for r in log
        if "include=" in r.query
        for i in r.query.split("include=")[1].split("&")[0].split("%2C")
    ]
    assert sorted(included) == sorted(changed + new)
    assert asked_pages == Counter(dict.fromkeys(deleted_paths, 1))  # the deleted: 404, gone
    synced, recrawled = stored(index), stored(fresh)
    gone = {u for u in synced if u not in recrawled}
    assert {u.removeprefix(site.base) for u in gone} == deleted_paths
    assert {u: v for u, v in synced.items() if u not in gone} == recrawled


def test_a_moved_post_listed_at_both_addresses_is_one_dated_record_and_a_sync_asks_nothing(
    tmp_path: Path,
) -> None:
    """The sitemap lists a post's old address (with a modification date) which answers,
    slowly, 301 to the new one; the feed lists the new address with no modification
    date. The dated listing must own the page whatever the timing: the new address is
    fetched once, through the redirect, and recorded as a duplicate of the old one, so
    a sync asks for neither (a dateless owner would be revalidated on every sync)."""
    index = str(tmp_path / "i.sqlite")
    date = "2024-05-01T10:00:00+00:00"
    story = "<p>" + "The tide gauge at Marram was moved inland on Friday after the storm. " * 6
    with LocalServer() as server:
        base = server.url("")
        server.reply("/robots.txt", f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode())
        server.reply(
            "/",
            b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
            b"</head><body><p>The Marram Post</p></body></html>",
        )
        server.reply(
            "/sitemap.xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/old/'
            f"</loc><lastmod>{date}</lastmod></url></urlset>".encode(),
            headers=[("Content-Type", "application/xml")],
        )
        server.reply(
            "/feed/",
            f'<rss version="2.0"><channel><title>The Marram Post</title><item><title>Gauge'
            f"</title><link>{base}/new/</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate>"
            "</item></channel></rss>".encode(),
            headers=[("Content-Type", "application/rss+xml")],
        )

        def old(handler: Any, _number: int) -> None:
            server.stopping.wait(0.5)  # slow: the feed's address is asked for meanwhile
            send(handler, 301, b"", [("Location", f"{base}/new/")])

        def new(handler: Any, _number: int) -> None:
            if handler.headers.get("If-None-Match") == '"v1"':
                send(handler, 304, b"", [("ETag", '"v1"')])
            else:
                page = f"<html><body><article><h1>Gauge</h1>{story}</p></article></body></html>"
                send(handler, 200, page.encode(), [("ETag", '"v1"'), ("Content-Type", "text/html")])

        server.route("/old/", old)
        server.route("/new/", new)
        first = cli("index", "add", server.url("/"), "--index", index, *FAST)
        after_first = dict(server.hits)
        synced = cli("index", "sync", server.url("/"), "--index", index, *FAST)
        after_sync = dict(server.hits)
    assert first.exit_code == 0, first.output
    assert synced.exit_code == 0, synced.output
    assert (after_first["/old/"], after_first["/new/"]) == (1, 1)
    assert (after_sync["/old/"], after_sync["/new/"]) == (1, 1)  # the sync asked for neither
    assert "indexed 0 (0 new, 0 changed), 2 unchanged" in synced.stderr
    assert "deletions: 0 indexed URL(s) no longer listed" in synced.stderr


def test_a_second_add_of_an_unchanged_site_requests_no_post(tmp_path: Path) -> None:
    """Posts whose sitemap date is unchanged are not requested at all, and neither is
    the new address of a moved post that only the feed and news sitemap list (no
    modification date): the first crawl recorded it as another address of the page
    its dated sitemap entry redirected to."""
    index = str(tmp_path / "i.sqlite")
    with Site(100, wordpress=False) as site:
        assert add(site, index).exit_code == 0
        mark = len(site.requested())
        again = add(site, index)
        asked = site.post_requests(mark)
    assert again.exit_code == 0, again.output
    assert asked == Counter()
    assert "indexed 0 (0 new, 0 changed)" in again.stderr


# --- the library call ----------------------------------------------------------------------


def test_the_crawl_reports_progress_and_a_summary(tmp_path: Path) -> None:
    seen = []
    with Site(40, wordpress=False) as site, open_index(str(tmp_path / "i.sqlite")) as store:
        report = crawl(
            site.url("/"),
            store,
            settings=FetchSettings(allow_private=True),
            options=CrawlOptions(delay=0),
            on_progress=seen.append,
        )
    assert report.indexed == len(site.expected()) == report.articles
    assert seen[-1].indexed == report.indexed and seen[-1].total == report.discovered
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    summary = report.summary()
    assert summary[0].startswith(f"https://127.0.0.1:{site.port}: ")
    assert len(summary) <= 10


def test_a_start_that_is_not_a_web_url_is_bad_usage(tmp_path: Path) -> None:
    result = cli("index", "sync", "ftp://publisher.example/", "--index", str(tmp_path / "i"))
    assert result.exit_code == 2
    assert "not an http(s) URL" in result.stderr
    with pytest.raises(Exception, match="not an http"), open_index(str(tmp_path / "j")) as store:
        crawl("publisher.example", store)
