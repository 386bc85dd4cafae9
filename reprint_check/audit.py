"""Orchestration: a target page against the index, measured by a policy, into a Report.

This is the library entry point the CLI is a thin coat over::

    from reprint_check import audit, load_policy, open_index
    report = audit(["suspect.html"], index=open_index("archive.sqlite"),
                   policy=load_policy("euromaidan-press"))
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .align import align_many, prepare
from .checks import judge
from .errors import FetchError, InputError
from .fetch import Fetcher, decode_body, read_local
from .index import SourceIndex, SQLiteIndex
from .links import host_of
from .models import Page, Report, TargetResult
from .page import page_from_html, page_from_text
from .policy import Policies, Policy, min_passage_chars, policy_for
from .sources import SourceError, is_url, iter_articles

MAX_TARGET_BYTES = 50 * 1024 * 1024


def load_target(spec: str, *, fetcher: Fetcher | None = None, stdin: bytes | None = None) -> Page:
    """The page a target spec names: URL, .html/.htm file, .txt file or ``-`` (standard input)."""
    if spec == "-":
        data = stdin if stdin is not None else sys.stdin.buffer.read(MAX_TARGET_BYTES + 1)
        if len(data) > MAX_TARGET_BYTES:
            raise FetchError("-: standard input larger than 50 MiB")
        head = data[:2048].lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<?xml")) or b"<body" in head:
            return page_from_html(data, "-")
        text, _ = decode_body(data, "text/plain")
        return page_from_text(text, "-")
    if is_url(spec):
        if fetcher is None:
            raise InputError(f"{spec}: URLs need a fetcher")
        fetched = fetcher.fetch(spec)
        if fetched.content_type in ("text/plain",):
            return page_from_text(fetched.text, spec)
        return page_from_html(fetched.text, spec, base_url=fetched.final_url)
    path = Path(spec)
    data = read_local(path, MAX_TARGET_BYTES)
    name = path.name.lower()
    if name.endswith((".txt", ".txt.gz", ".text", ".md")):
        text, _ = decode_body(data, "text/plain")
        return page_from_text(text, spec)
    return page_from_html(data, spec)


def _target_url(page: Page) -> str | None:
    """The target's own URL, for permissions: where it was fetched, else what it says it is."""
    if is_url(page.location):
        return page.location
    return page.og_url or page.canonical


def audit_page(
    page: Page, index: SourceIndex, policy: Policies, *, include_text: bool = False
) -> TargetResult:
    """Every source article the page reused, each measured by the policy that covers it."""
    target = prepare(page.text)
    ranked, boilerplate = index.candidates(target.kgrams)
    target_url = _target_url(page)
    articles = []
    judged_by: dict[str, Policy] = {}
    for article_id, _hits in ranked:
        article = index.get(article_id)
        chosen = policy_for(article.url, policy)
        if chosen is None:
            continue
        if target_url and host_of(target_url) == host_of(article.url):
            continue  # the publisher's own page
        articles.append(article)
        judged_by[article.url] = chosen
    articles.sort(key=lambda a: a.url)  # attribution breaks ties by this order
    per_article = align_many(
        target,
        [prepare(a.text) for a in articles],
        ignore=boilerplate,
        min_chars=min_passage_chars(policy),
    )
    findings = [
        finding
        for article, passages in zip(articles, per_article, strict=True)
        if passages
        and (finding := judge(page, article, passages, judged_by[article.url], target_url))
    ]
    findings.sort(key=lambda f: (-f.reused_chars, f.url))
    status = "violation" if any(f.violations for f in findings) else "compliant"
    return TargetResult(
        target=page.location,
        status=status,
        title=page.title,
        sources=tuple(findings),
        text=page.text if include_text else None,
    )


def audit(
    targets: Sequence[str],
    *,
    index: SourceIndex,
    policy: Policy,
    include_text: bool = False,
    fetcher: Fetcher | None = None,
    on_target: Callable[[TargetResult], None] | None = None,
) -> Report:
    """Audit each target; a target that cannot be loaded becomes an ``error`` entry."""
    results: list[TargetResult] = []
    for spec in targets:
        try:
            page = load_target(spec, fetcher=fetcher)
            result = audit_page(page, index, policy, include_text=include_text)
            if result.target != spec:
                result = TargetResult(
                    spec, result.status, result.title, None, result.sources, result.text
                )
        except (FetchError, InputError) as e:
            result = TargetResult(target=spec, status="error", error=str(e))
        except Exception as e:  # a bug on one page must not lose the rest of the run
            result = TargetResult(
                target=spec,
                status="error",
                error=f"{spec}: internal error: {type(e).__name__}: {e}",
            )
        results.append(result)
        if on_target is not None:
            on_target(result)
    return Report(policy=policy.summary(), targets=tuple(results))


def index_from_sources(
    specs: Iterable[str], *, fetcher: Fetcher | None = None
) -> tuple[SQLiteIndex, list[SourceError]]:
    """An in-memory index of one-off sources (``audit --source``): no index file at all."""
    memory = SQLiteIndex(":memory:")
    errors: list[SourceError] = []
    for spec in specs:
        batch = []
        for item in iter_articles(spec, fetcher=fetcher):
            (errors.append(item) if isinstance(item, SourceError) else batch.append(item))
        memory.add_many(batch)
    return memory, errors
