"""Publisher articles and suspect pages fetched over HTTP from a real local server.

The story is fiction written for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reprint_check.cli import main
from tests.localserver import LocalServer

STORY = [
    "The Saltmarsh Gazette reports that the old rope works by the canal will become a "
    "workshop for boat builders, after the town bought the building for a symbolic sum.",
    "Apprentices will restore wooden dinghies there from the autumn, and the public will be "
    "able to watch from a gallery above the slipway on Saturday mornings.",
    "The council expects the first boats to be launched on the canal next spring, in time "
    "for the regatta that returns after an absence of twelve years.",
]


def article_html(canonical: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in STORY)
    return (
        "<html><head><title>Rope works to become boat workshop</title>"
        f'<link rel="canonical" href="{canonical}"></head><body><nav><a href="/">Home</a></nav>'
        f"<article><h1>Rope works to become boat workshop</h1>{body}</article>"
        "<footer>Copyright the Saltmarsh Gazette</footer></body></html>"
    ).encode()


def copy_html(link: str) -> bytes:
    return (
        "<html><head><title>Weekend reading</title></head><body>"
        "<p>Here is something we liked this week.</p>"
        f"<blockquote>{STORY[0]} {STORY[1]}</blockquote>"
        f'<p>Source: <a href="{link}">the Gazette</a></p></body></html>'
    ).encode()


def test_index_and_audit_by_url_with_redirects_and_canonical_aliases(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    out = tmp_path / "r.json"
    runner = CliRunner()
    with LocalServer() as server:
        canonical = "https://gazette.example/2026/rope-works/"
        server.reply("/story", article_html(canonical))
        server.reply("/old-link", b"", 301, [("Location", server.url("/story"))])
        # the partner links to the canonical URL, not to where the story was fetched
        server.reply("/partner", copy_html(canonical))
        add = runner.invoke(main, ["index", "add", server.url("/old-link"), "--index", index,
                                   "--allow-private"])  # fmt: skip
        assert add.exit_code == 0, add.output
        # another host name for the same server: pages on the article's own host are skipped
        partner = server.url("/partner").replace("127.0.0.1", "localhost")
        args = ["audit", partner, "--index", index, "--allow-private"]
        audit = runner.invoke(main, [*args, "--format", "json", "-o", str(out)])
    assert audit.exit_code == 0
    (target,) = json.loads(out.read_text())["targets"]
    assert target["status"] == "compliant"
    (source,) = target["sources"]
    assert source["reused_chars"] == len(STORY[0]) + 1 + len(STORY[1])
    assert source["link"]["active"] is True


def test_loopback_is_refused_without_allow_private(tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    runner = CliRunner()
    with LocalServer() as server:
        server.reply("/story", article_html("https://gazette.example/x/"))
        add = runner.invoke(main, ["index", "add", server.url("/story"), "--index", index])
        audit = runner.invoke(main, ["audit", server.url("/story"), "--source",
                                     str(tmp_path / "none.txt"), "--format", "json"])  # fmt: skip
    assert add.exit_code == 3  # a URL that could not be fetched, no local input at fault
    assert "loopback" in add.stderr
    assert server.hits["/story"] == 0
    assert audit.exit_code == 2  # no usable --source


def test_an_image_url_is_an_error_entry_not_a_compliant_page(tmp_path: Path) -> None:
    source = tmp_path / "story.txt"
    source.write_text(" ".join(STORY), encoding="utf-8")
    with LocalServer() as server:
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        server.reply("/img.png", png, headers=[("Content-Type", "image/png")])
        args = ["audit", server.url("/img.png"), "--source", str(source), "--allow-private"]
        result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 3
    (target,) = json.loads(result.stdout)["targets"]
    assert target["status"] == "error"
    assert "not a web page (image/png)" in target["error"]
