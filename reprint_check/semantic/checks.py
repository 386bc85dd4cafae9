"""TRANSLATED_COPY and REWRITE_SUSPECTED: what the semantic stage's passages mean for a source.

The stage's passages join the article's finding beside the verbatim ones,
which keep their own codes and counts (``reused_chars``, EXCERPT_TOO_LONG,
FULL_REPRINT). The page characters in translated or rewritten passages are
``rewritten_chars``. When they, with any characters copied word for word
from the same article, exceed the policy's ``[rewrite] max_chars`` (by
default the excerpt limit that applies to the article, a written permission
included), the page carries TRANSLATED_COPY if it is in another language
than the article, else REWRITE_SUSPECTED — the code of whichever kind has
more characters when a page has both. A rewrite that keeps a few sentences
word for word takes as much of the story as one that does not. A source
the page carries only in other words still needs its link, like any reuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

from reprint_check.checks import limit_for
from reprint_check.checks.link import check_link
from reprint_check.index.base import SourceIndex
from reprint_check.models import Article, Page, Passage, SourceFinding, Violation
from reprint_check.policy.rules import Policy
from reprint_check.semantic.stage import SemanticMatch, SemanticStage, cut_out, passage_of
from reprint_check.text.normalize import visible_length

# A lexical passage less similar than this to its source is a rewording the
# lexical stage pieced together, not a copy word for word: with --semantic its
# sentences are the semantic stage's to judge, and where that stage finds the
# article rewritten or translated there, its passages replace the lexical one.
REWORDED_BELOW = 0.9
# ... when at least this share of the lexical passage lies inside them.
REPLACED_SHARE = 0.5

__all__ = [
    "REWORDED_BELOW",
    "REWRITE_SUSPECTED",
    "TRANSLATED_COPY",
    "add_semantic",
    "fold_verbatim",
    "judge_semantic",
    "settle",
]

TRANSLATED_COPY = "TRANSLATED_COPY"
REWRITE_SUSPECTED = "REWRITE_SUSPECTED"
# Language names for messages; other codes are shown as they are.
_LANGUAGES = {
    "en": "English", "uk": "Ukrainian", "ru": "Russian", "pl": "Polish", "de": "German",
    "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "cs": "Czech", "sk": "Slovak", "ro": "Romanian", "hu": "Hungarian", "lt": "Lithuanian",
    "lv": "Latvian", "et": "Estonian", "be": "Belarusian", "bg": "Bulgarian", "ka": "Georgian",
    "tr": "Turkish", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
}  # fmt: skip


def settle(
    page: Page,
    index: SourceIndex,
    articles: Sequence[Article],
    per_article: Sequence[Sequence[Passage]],
    stage: SemanticStage,
    accept: Callable[[Article], bool],
) -> tuple[list[SemanticMatch], list[list[Passage]]]:
    """The stage's matches and the lexical passages per article, the two without overlap.

    Sentences inside passages copied word for word (``REWORDED_BELOW``) are
    not the stage's; a reworded lexical passage mostly covered by the same
    article's semantic passages gives way to them; every other lexical
    passage is cut out of the semantic ones.
    """
    firm = [
        (p.target_start, p.target_end)
        for passages in per_article
        for p in passages
        if p.similarity >= REWORDED_BELOW
    ]
    matches = stage.find(page, index, accept=accept, verbatim=firm)
    by_url = {m.article.url: m for m in matches}
    kept: list[list[Passage]] = []
    for article, passages in zip(articles, per_article, strict=True):
        match = by_url.get(article.url)
        kept.append(
            [
                p
                for p in passages
                if match is None
                or p.similarity >= REWORDED_BELOW
                or _covered(p, match.passages) < REPLACED_SHARE
            ]
        )
    taken = [(p.target_start, p.target_end) for passages in kept for p in passages]
    settled = []
    for match in matches:
        cut = tuple(
            piece
            for p in match.passages
            for piece in cut_out(page.text, match.article.text, p, taken)
        )
        if cut:
            settled.append(replace(match, passages=cut))
    return settled, kept


def _covered(passage: Passage, others: Sequence[Passage]) -> float:
    inside = sum(
        max(0, min(o.target_end, passage.target_end) - max(o.target_start, passage.target_start))
        for o in others
    )
    return inside / max(1, passage.target_end - passage.target_start)


def add_semantic(
    page: Page,
    findings: Sequence[SourceFinding],
    matches: Sequence[SemanticMatch],
    policy_of: Callable[[Article], Policy],
    target_url_of: Callable[[Article], str | None],
    *,
    today: dt.date | None = None,
) -> list[SourceFinding]:
    """The findings with each match's passages and codes added (a new finding where needed)."""
    by_url = {f.url: f for f in findings}
    out = list(findings)
    for match in matches:
        article = match.article
        policy = policy_of(article)
        passages = [p for p in match.passages if p.chars >= policy.excerpt.min_passage_chars]
        if not passages:
            continue
        finding = judge_semantic(
            page,
            article,
            passages,
            policy,
            target_url_of(article),
            by_url.get(article.url),
            today=today,
        )
        if article.url in by_url:
            out[out.index(by_url[article.url])] = finding
        else:
            out.append(finding)
        by_url[article.url] = finding
    return out


def judge_semantic(
    page: Page,
    article: Article,
    passages: Sequence[Passage],
    policy: Policy,
    target_url: str | None,
    verbatim: SourceFinding | None,
    *,
    today: dt.date | None = None,
) -> SourceFinding:
    """The article's finding with the translated or rewritten ``passages`` measured."""
    excerpt_limit, why, permission, notes = limit_for(policy, article, target_url, today)
    limit = excerpt_limit
    if policy.rewrite.max_chars is not None and permission is None:
        limit, why = policy.rewrite.max_chars, " ([rewrite] max_chars)"
    rewritten = sum(p.chars for p in passages)
    word_for_word = verbatim.reused_chars if verbatim is not None else 0
    taken = rewritten + word_for_word
    code = (
        [_violation(article, passages, word_for_word, limit, why)]
        if limit and taken > limit
        else []
    )
    if verbatim is None:
        first = min(p.target_start for p in passages)
        link = check_link(page, [article.url, *article.aliases], policy.link, excerpt_start=first)
        base = SourceFinding(
            url=article.url,
            title=article.title,
            reused_chars=0,
            limit=excerpt_limit,
            article_chars=visible_length(article.text),
            passages=(),
            link=link.evidence,
            violations=(*code, *link.violations),
            notes=tuple(notes),
        )
    else:
        base = replace(verbatim, violations=(*verbatim.violations, *code))
    # in page order, as fold_verbatim leaves them
    merged = fold_verbatim(page.text, article.text, (*base.passages, *passages))
    return replace(base, passages=tuple(merged), rewritten_chars=rewritten)


def fold_verbatim(page_text: str, article_text: str, passages: Sequence[Passage]) -> list[Passage]:
    """One article's passages, those copied word for word that touch a translated or
    rewritten one (only white space between them on the page) folded into it.

    A rewrite that keeps a sentence as it was is one copy: reported as a
    rewrite, a verbatim passage, and the rest of the rewrite, it reads as
    three copies, and the page's copy of the article is cut where the
    rewriter happened to leave a sentence alone. The folded passage spans the
    whole copy and keeps the verbatim passages inside it (``Passage.verbatim``)
    with their own offsets, similarity and count: what is measured does not
    change, only how the copy is shown. A verbatim passage folds only where
    it renders the same stretch of the article, its source no farther from
    the rewritten passage's source span than that span is long; one kept out
    of sight (``hidden``) never folds, its offsets are not the page text's.
    """
    ordered = sorted(passages, key=lambda p: (p.target_start, p.target_end))
    groups: list[list[Passage]] = []
    for passage in ordered:
        last = groups[-1][-1] if groups else None
        if last is not None and _joins(page_text, last, passage):
            groups[-1].append(passage)
        else:
            groups.append([passage])
    return [_folded(page_text, article_text, g) if len(g) > 1 else g[0] for g in groups]


def _joins(page_text: str, before: Passage, after: Passage) -> bool:
    """Whether ``after`` continues the copy that ``before`` ends: one of them rewritten,
    the other word for word from the same stretch of the article, touching on the page."""
    if (before.match is None) == (after.match is None):
        return False
    rewritten, verbatim = (before, after) if after.match is None else (after, before)
    if verbatim.hidden is not None or rewritten.hidden is not None:
        return False
    if before.target_end > after.target_start:
        return False
    if page_text[before.target_end : after.target_start].strip():
        return False
    reach = rewritten.source_end - rewritten.source_start
    return (
        verbatim.source_end >= rewritten.source_start - reach
        and verbatim.source_start <= rewritten.source_end + reach
    )


def _folded(page_text: str, article_text: str, group: Sequence[Passage]) -> Passage:
    """The passages of one copy as one: a semantic passage over the rewritten ones'
    sentence pairs, spanning the verbatim ones too and keeping them inside it."""
    rewritten = [p for p in group if p.match is not None]
    start, end = group[0].target_start, group[-1].target_end
    pairs = tuple(pair for p in rewritten for pair in p.pairs)
    (whole,) = passage_of(
        page_text,
        article_text,
        start,
        end,
        pairs,
        rewritten[0].match or "",
        rewritten[0].lang or "",
    )
    source_start = min(p.source_start for p in group)
    source_end = max(p.source_end for p in group)
    return replace(
        whole,
        source_start=source_start,
        source_end=source_end,
        source_text=article_text[source_start:source_end],
        verbatim=tuple(p for p in group if p.match is None),
    )


def _violation(
    article: Article, passages: Sequence[Passage], verbatim: int, limit: int, why: str
) -> Violation:
    rewritten = sum(p.chars for p in passages)
    translated = sum(p.chars for p in passages if p.match == "translation")
    also = f" (and {verbatim} word for word: {rewritten + verbatim} in all)" if verbatim else ""
    if translated * 2 >= rewritten:
        langs = sorted({p.lang for p in passages if p.match == "translation" and p.lang})
        shown = ", ".join(_LANGUAGES.get(code, code) for code in langs) or "another language"
        return Violation(
            TRANSLATED_COPY,
            f"{rewritten} characters of the page translate {article.url} into {shown}{also}; "
            f"the limit is {limit}{why}",
        )
    return Violation(
        REWRITE_SUSPECTED,
        f"{rewritten} characters of the page rewrite {article.url} in other words{also}; "
        f"the limit is {limit}{why}",
    )
