"""Orchestration: a target page against the index, measured by a policy, into a Report.

This is the library entry point the CLI is a thin coat over::

    from reprint_check import audit, load_policy, open_index
    report = audit(["suspect.html"], index=open_index("archive.sqlite"),
                   policy=load_policy("euromaidan-press"))
"""

from __future__ import annotations

import bisect
import multiprocessing
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import judge
from .errors import FetchError, InputError
from .index import SourceIndex, SQLiteIndex, open_index
from .index.sources import SourceError, is_url, iter_articles
from .models import (
    Article,
    Page,
    Passage,
    Report,
    SiteHints,
    SourceFinding,
    TargetResult,
    published,
)
from .page.html import page_from_html, page_from_text
from .page.no_text import NO_TEXT, is_blank, why_no_text
from .page.redirects import resolve_links
from .policy.rules import Policies, Policy, min_passage_chars, policy_for
from .text.align import align_many
from .text.prepared import PreparedText, prepare
from .urls import host_of
from .web.evidence import EvidenceRecorder
from .web.fetch import Fetcher, FetchSettings, decode_body, read_local

if TYPE_CHECKING:
    from .semantic.stage import SemanticMatch, SemanticStage

MAX_TARGET_BYTES = 50 * 1024 * 1024


def load_target(spec: str, *, fetcher: Fetcher | None = None, stdin: bytes | None = None) -> Page:
    """The page a target spec names: URL, .html/.htm file, .txt file or ``-`` (standard input).

    A target with no text to audit (an empty file or body, a page whose text
    only its scripts would draw) is a FetchError saying so, like one that
    cannot be read: auditing it would find no reuse and call that compliant.
    """
    page, raw, is_html, container = _read_target(spec, fetcher=fetcher, stdin=stdin)
    reason = why_no_text(page, raw, is_html=is_html, container=container)
    if reason is not None:
        raise FetchError(f"{spec}: {reason}")
    return page


def _read_target(
    spec: str, *, fetcher: Fetcher | None, stdin: bytes | None
) -> tuple[Page, str | bytes, bool, str]:
    """The page, the document it was read from, whether that is HTML, and what held it."""
    if spec == "-":
        data = stdin if stdin is not None else sys.stdin.buffer.read(MAX_TARGET_BYTES + 1)
        if len(data) > MAX_TARGET_BYTES:
            raise FetchError("-: standard input larger than 50 MiB")
        head = data[:2048].lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<?xml")) or b"<body" in head:
            return page_from_html(data, "-"), data, True, "standard input"
        text, _ = decode_body(data, "text/plain")
        return page_from_text(text, "-"), data, False, "standard input"
    if is_url(spec):
        if fetcher is None:
            raise InputError(f"{spec}: URLs need a fetcher")
        fetched = fetcher.fetch(spec)
        if fetched.charset is None and fetched.content:
            kind = fetched.content_type or "no Content-Type"
            raise FetchError(f"{spec}: not a web page ({kind}): nothing to audit")
        if fetched.content_type in ("text/plain",):
            return page_from_text(fetched.text, spec), fetched.text, False, "response body"
        page = page_from_html(fetched.text, spec, base_url=fetched.final_url)
        robots = tuple(value for name, value in fetched.headers if name == "x-robots-tag")
        page = replace(page, header_robots=robots) if robots else page
        return page, fetched.text, True, "response body"
    path = Path(spec)
    data = read_local(path, MAX_TARGET_BYTES)
    name = path.name.lower()
    if name.endswith((".txt", ".txt.gz", ".text", ".md")):
        text, _ = decode_body(data, "text/plain")
        return page_from_text(text, spec), data, False, "file"
    return page_from_html(data, spec), data, True, "file"


def _own_url(page: Page, as_url: str | None) -> str | None:
    """Where the page lives: the URL it was fetched from, else what ``--as-url`` says."""
    return page.location if is_url(page.location) else as_url


def _url_for(page: Page, as_url: str | None, article: Article) -> str | None:
    """The target's URL for permissions, the first of these that applies.

    Where it was fetched from; else the og:url/canonical it declares, unless
    that is on the article's own site (a syndicated copy pointing at its
    source is not where the copy lives); else ``--as-url``.
    """
    if is_url(page.location):
        return page.location
    declared = page.og_url or page.canonical
    if declared and host_of(declared) != host_of(article.url):
        return declared
    return as_url


def audit_page(
    page: Page,
    index: SourceIndex,
    policy: Policies,
    *,
    include_text: bool = False,
    as_url: str | None = None,
    semantic: SemanticStage | None = None,
) -> TargetResult:
    """Every source article the page reused, each measured by the policy that covers it.

    ``as_url`` is the page's own URL when it was not fetched (a saved file);
    with a ``semantic`` stage, translated and rewritten copies are looked for too.
    A page without text is an ``error`` entry: finding no reuse in nothing is
    not a pass (:func:`load_target` says more precisely why a target has none).
    """
    if is_blank(page.text):
        return TargetResult(
            target=page.location,
            status="error",
            title=page.title,
            error=f"{page.location}: {NO_TEXT} (the page has no visible text)",
        )
    target = prepare(page.text)
    ranked, boilerplate = index.candidates(target.kgrams)
    own_url = _own_url(page, as_url)
    judged_by: dict[str, Policy] = {}

    def judged(ranked: list[tuple[int, int]]) -> list[Article]:
        chosen_articles = []
        for article in index.get_many([article_id for article_id, _hits in ranked]):
            chosen = policy_for(article.url, policy)
            if chosen is None:
                continue
            if own_url and host_of(own_url) == host_of(article.url):
                continue  # the publisher's own page
            chosen_articles.append(article)
            judged_by[article.url] = chosen
        chosen_articles.sort(key=lambda a: a.url)  # attribution breaks ties by this order
        return chosen_articles

    articles = judged(ranked)
    # each article is prepared once per page, though the revealed texts align with it too
    ready: dict[str, PreparedText] = {}

    def prepared_of(article: Article) -> PreparedText:
        found = ready.get(article.url)
        if found is None:
            found = ready[article.url] = prepare(article.text)
        return found

    prepared = [prepared_of(a) for a in articles]
    per_article = align_many(
        target,
        prepared,
        ignore=boilerplate,
        min_chars=min_passage_chars(policy),
    )
    matches: list[SemanticMatch] = []
    if semantic is not None:
        matches, per_article = _semantic(
            page, index, policy, own_url, articles, per_article, semantic
        )
    whole: Page | None = None
    if page.revealed:
        hidden, whole = _revealed_passages(
            page, index, policy, judged, articles, boilerplate, prepared_of
        )
        if hidden:
            known = {a.url for a in articles}
            for article in sorted({a.url: a for a, _ in hidden.values()}.values(), key=_url):
                if article.url not in known:
                    articles.append(article)
                    prepared.append(prepared_of(article))
                    per_article.append([])
            per_article = [
                [*found, *hidden.get(article.url, (article, []))[1]]
                for article, found in zip(articles, per_article, strict=True)
            ]
    revealed_text = prepare(whole.text) if whole is not None else None
    findings: list[SourceFinding] = []
    for article, source, passages in zip(articles, prepared, per_article, strict=True):
        if not passages:
            continue
        # A finding with a passage out of sight is judged on the whole published
        # text, whose offsets its passages carry; otherwise on what a reader sees.
        out_of_sight = whole if whole is not None and any(p.hidden for p in passages) else None
        finding = judge(
            out_of_sight if out_of_sight is not None else page,
            article,
            passages,
            judged_by[article.url],
            _url_for(page, as_url, article),
            page_text=target if out_of_sight is None else revealed_text,
            article_text=source,
            visible_end=None if out_of_sight is None else len(page.text),
        )
        if finding is not None:
            findings.append(finding)
    if matches:
        from .semantic.checks import add_semantic

        findings = add_semantic(
            page,
            findings,
            matches,
            lambda article: policy_for(article.url, policy),  # type: ignore[arg-type,return-value]
            lambda article: _url_for(page, as_url, article),
        )
    findings.sort(key=lambda f: (-(f.reused_chars + (f.rewritten_chars or 0)), f.url))
    status = "violation" if any(f.violations for f in findings) else "compliant"
    # The text the passages index: the revealed texts follow only where a passage stands in one.
    shows_revealed = whole is not None and any(p.hidden for f in findings for p in f.passages)
    return TargetResult(
        target=page.location,
        status=status,
        title=page.title,
        sources=tuple(findings),
        text=(whole.text if shows_revealed and whole else page.text) if include_text else None,
    )


def _url(article: Article) -> str:
    return article.url


def _revealed_passages(
    page: Page,
    index: SourceIndex,
    policy: Policies,
    judged: Callable[[list[tuple[int, int]]], list[Article]],
    visible_candidates: Sequence[Article],
    boilerplate: set[int],
    prepared_of: Callable[[Article], PreparedText],
) -> tuple[dict[str, tuple[Article, list[Passage]]], Page | None]:
    """Passages of the text the page keeps out of sight (``Page.revealed``), per article URL.

    The revealed texts are aligned as they follow the visible text in the
    published text (:func:`~reprint_check.models.published`), on their own,
    with the articles their k-grams point to besides the visible text's
    candidates: the visible text's passages stay exactly what they were, and
    a page of many hidden snippets costs one alignment. Each passage indexes
    the published text, returned with it, and says where it stood (the
    revealed text it begins in); whether it repeats what the reader sees is
    for the checks to say. Empty (and None) when no revealed text copies anything.
    ``prepared_of`` gives an article's prepared text, prepared once per page
    whether the visible text, the revealed texts or both align with it.
    """
    whole, spans = published(page)
    tail_start = spans[0][0]
    tail = prepare(whole.text[tail_start:])
    ranked, more_boilerplate = index.candidates(tail.kgrams)
    known = {article.url: article for article in visible_candidates}
    extra = [a for a in judged(ranked) if a.url not in known]
    articles = sorted([*known.values(), *extra], key=_url)
    if not articles:
        return {}, None
    aligned = align_many(
        tail,
        [prepared_of(a) for a in articles],
        ignore=boilerplate | more_boilerplate,
        min_chars=min_passage_chars(policy),
    )
    starts = [start for start, _end, _where in spans]
    found: dict[str, tuple[Article, list[Passage]]] = {}
    for article, passages in zip(articles, aligned, strict=True):
        for p in passages:
            start, end = p.target_start + tail_start, p.target_end + tail_start
            where = spans[bisect.bisect_right(starts, start) - 1][2]
            moved = replace(p, target_start=start, target_end=end, hidden=where)
            found.setdefault(article.url, (article, []))[1].append(moved)
    return found, (whole if found else None)


def _semantic(
    page: Page,
    index: SourceIndex,
    policy: Policies,
    own_url: str | None,
    articles: Sequence[Article],
    per_article: Sequence[Sequence[Passage]],
    semantic: SemanticStage,
) -> tuple[list[SemanticMatch], list[list[Passage]]]:
    """The semantic stage's copies, and the lexical passages that stay (see semantic.checks)."""
    from .semantic.checks import settle

    def accept(article: Article) -> bool:
        if policy_for(article.url, policy) is None:
            return False
        return not (own_url and host_of(own_url) == host_of(article.url))

    return settle(page, index, articles, per_article, semantic, accept)


_stage: SemanticStage | None = None


def semantic_stage() -> SemanticStage:
    """This process's semantic stage (it holds the models: made once, on first use)."""
    global _stage
    if _stage is None:
        from .semantic import require
        from .semantic.stage import SemanticStage

        require()
        _stage = SemanticStage()
    return _stage


@dataclass(frozen=True)
class AuditOptions:
    """How targets are loaded and judged, beyond the index and the policy."""

    include_text: bool = False
    as_url: str | None = None  # the target's own URL when it is a saved file
    resolve_links: bool = False  # follow redirecting links to prove where they land
    evidence: EvidenceRecorder | None = None  # cite the captured response of fetched targets
    jobs: int = 1  # processes for audit_parallel
    evidence_dir: str | None = None  # where each process keeps its own WARC file
    semantic: bool = False  # look for translated and rewritten copies too (the semantic extra)


def audit_target(
    spec: str,
    *,
    index: SourceIndex,
    policy: Policies,
    fetcher: Fetcher | None = None,
    options: AuditOptions = AuditOptions(),
    page: Page | None = None,
) -> TargetResult:
    """One target (or an already loaded page named ``spec``); failures become an error entry."""
    try:
        if page is None:
            page = load_target(spec, fetcher=fetcher)
        if options.resolve_links and fetcher is not None:
            page = resolve_links(page, fetcher)
        result = audit_page(
            page,
            index,
            policy,
            include_text=options.include_text,
            as_url=options.as_url,
            semantic=semantic_stage() if options.semantic else None,
        )
        result = replace(result, target=spec)
    except InputError as e:  # a local file named by the user: exit 2, not 3
        result = TargetResult(target=spec, status="error", error=str(e), bad_input=True)
    except FetchError as e:
        result = TargetResult(target=spec, status="error", error=str(e))
    except Exception as e:  # a bug on one page must not lose the rest of the run
        result = TargetResult(
            target=spec,
            status="error",
            error=f"{spec}: internal error: {type(e).__name__}: {e}",
        )
    if options.evidence is not None:
        evidence = options.evidence.evidence_for(spec)
        if evidence is not None:
            result = replace(result, evidence=evidence)
    return result


def audit(
    targets: Sequence[str],
    *,
    index: SourceIndex,
    policy: Policies,
    include_text: bool = False,
    fetcher: Fetcher | None = None,
    on_target: Callable[[TargetResult], None] | None = None,
    options: AuditOptions | None = None,
) -> Report:
    """Audit each target; a target that cannot be loaded becomes an ``error`` entry."""
    options = options or AuditOptions(include_text=include_text)
    results: list[TargetResult] = []
    for spec in targets:
        result = audit_target(spec, index=index, policy=policy, fetcher=fetcher, options=options)
        results.append(result)
        if on_target is not None:
            on_target(result)
    return Report(policy=policy.summary(), targets=tuple(results))


# --- several processes --------------------------------------------------------------

_worker: tuple[SourceIndex, Policies, Fetcher, AuditOptions] | None = None


def _start_worker(
    index_location: str, policy: Policies, settings: FetchSettings, options: AuditOptions,
    evidence_dir: str | None,
) -> None:  # fmt: skip
    global _worker
    recorder = EvidenceRecorder(evidence_dir) if evidence_dir else None
    fetcher = Fetcher(settings, on_response=recorder.record if recorder else None)
    options = replace(options, evidence=recorder)
    _worker = (open_index(index_location, read_only=True), policy, fetcher, options)


def _audit_in_worker(spec: str) -> TargetResult:
    assert _worker is not None, "worker not started"
    index, policy, fetcher, options = _worker
    return audit_target(spec, index=index, policy=policy, fetcher=fetcher, options=options)


def audit_parallel(
    targets: Sequence[str],
    *,
    index_location: str,
    policy: Policies,
    jobs: int,
    settings: FetchSettings | None = None,
    options: AuditOptions | None = None,
    evidence_dir: str | None = None,
    on_target: Callable[[TargetResult], None] | None = None,
) -> Report:
    """:func:`audit` spread over ``jobs`` processes, each with its own index connection.

    Results come back in the order of ``targets``, so the report is the same
    byte for byte whatever ``jobs`` is. With ``evidence_dir`` each process
    keeps its own WARC file there.
    """
    options = replace(options or AuditOptions(), evidence=None)
    settings = settings or FetchSettings()
    results: list[TargetResult] = []
    context = multiprocessing.get_context("spawn")
    init = (index_location, policy, settings, options, evidence_dir)
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=init
    ) as pool:
        for result in pool.map(_audit_in_worker, targets):
            results.append(result)
            if on_target is not None:
                on_target(result)
    return Report(policy=policy.summary(), targets=tuple(results))


def index_from_sources(
    specs: Iterable[str],
    *,
    fetcher: Fetcher | None = None,
    path: str | None = None,
    hints: SiteHints | None = None,
) -> tuple[SQLiteIndex, list[SourceError]]:
    """An index of one-off sources (``audit --source``): in memory unless ``path`` is given."""
    memory = SQLiteIndex(path or ":memory:")
    errors: list[SourceError] = []
    for spec in specs:
        batch = []
        for item in iter_articles(spec, fetcher=fetcher, hints=hints):
            (errors.append(item) if isinstance(item, SourceError) else batch.append(item))
        memory.add_many(batch)
    return memory, errors
