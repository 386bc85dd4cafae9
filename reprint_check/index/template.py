"""A site's template, learned from its own articles: what repeats is not the story.

One page cannot tell a footer from a closing paragraph; an archive can. A block of
text that stands in many of one site's articles (the line under every story, a
subscription plea, a standard byline box) is the site's template. Left in, it
counts towards ``article_chars``, so a full copy of the story measures as a
fraction of it, and it can be found in a partner's page as "reuse" of any article.

How it is used, at ingest (``ingest.ingest``):

- the template of each host is kept in the index (``SourceIndex.templates``), as
  keys of paragraphs (:func:`paragraph_key`);
- every article an ingest reads is stored without its host's template paragraphs
  (:func:`strip_template`), before it is fingerprinted, so re-adding an archive
  stores the same text and skips it as unchanged;
- after an ingest, each host it touched is learned again from a sample of its
  stored articles (:func:`learn_template`); when that finds new template
  paragraphs, the host's stored articles that hold them are stored again without
  them (:func:`update_templates`).

A template only grows: paragraphs once taken out are not in the stored text any
more, so they cannot be counted again. Thresholds are deliberately high (a
paragraph in at least a quarter of a host's articles, and in at least five), so
the background paragraph a newsroom repeats through a short series of follow-ups
stays part of each story.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from reprint_check.index.base import SourceIndex
from reprint_check.models import Article
from reprint_check.page.article import text_key
from reprint_check.urls import host_of

# A paragraph is template when it stands in at least this many of a host's articles…
MIN_TEMPLATE_ARTICLES = 5
# …and in at least this share of them (of the sample learned from).
MIN_TEMPLATE_SHARE = 0.25
# Articles of one host read to learn its template: enough to see any paragraph that
# stands in a quarter of them, few enough that a 100,000-article site costs little.
LEARN_SAMPLE = 400
# Articles written back per transaction when a new template is taken out of them.
REWRITE_BATCH = 500

# Paragraphs are separated by a blank line (white space only); the separator is kept
# as it stands, so a .txt article keeps its layout.
_SEPARATOR = re.compile(r"(\n[ \t\r\f\v]*\n\s*)")

Templates = Mapping[str, frozenset[str]]


def paragraph_key(paragraph: str) -> str:
    """What identifies a paragraph across articles: its characters, as compared.

    Case, white space and invisible characters do not count (``text_key``). Digits
    do: paragraphs that differ only in their numbers are a newsroom's formula
    ("… voted 7 to 2 …"), part of each story, not one line of template.
    """
    key = text_key(paragraph)
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def paragraph_keys(text: str) -> set[str]:
    """The keys of an article's paragraphs."""
    return {paragraph_key(p) for p in _SEPARATOR.split(text)[::2] if p.strip()}


def strip_template(text: str, template: frozenset[str]) -> str:
    """The text without its template paragraphs (and their separators).

    The rest is left exactly as it stands. A text that is nothing but template is
    kept whole: an article is never emptied.
    """
    if not template:
        return text
    parts = _SEPARATOR.split(text)  # paragraph, separator, paragraph, …
    kept: list[str] = []
    dropped = False
    for i in range(0, len(parts), 2):
        paragraph = parts[i]
        if paragraph.strip() and paragraph_key(paragraph) in template:
            dropped = True
            continue
        if kept and i >= 2:
            kept.append(parts[i - 1])
        kept.append(paragraph)
    if not dropped:
        return text
    stripped = "".join(kept).strip("\n")
    return stripped if stripped.strip() else text


def strip_article(article: Article, templates: Templates) -> Article:
    """The article without its host's template paragraphs."""
    template = templates.get(host_of(article.url), frozenset())
    text = strip_template(article.text, template)
    return article if text == article.text else replace(article, text=text)


def learn_template(texts: Iterable[str]) -> frozenset[str]:
    """The keys of paragraphs that stand in many of these articles (one host's).

    Each article counts a paragraph once, however often it repeats it there.
    """
    counts: Counter[str] = Counter()
    articles = 0
    for text in texts:
        articles += 1
        counts.update(paragraph_keys(text))
    needed = max(MIN_TEMPLATE_ARTICLES, math.ceil(MIN_TEMPLATE_SHARE * articles))
    return frozenset(key for key, n in counts.items() if n >= needed)


@dataclass(frozen=True)
class TemplateUpdate:
    """What learning the touched hosts' templates did."""

    hosts: tuple[str, ...] = ()  # hosts whose template grew
    rewritten: int = 0  # stored articles written again without the new paragraphs


def _sample(ids: list[int], size: int) -> list[int]:
    """Up to ``size`` ids spread evenly over the list (the same ones every time)."""
    if len(ids) <= size:
        return ids
    step = len(ids) / size
    return [ids[int(i * step)] for i in range(size)]


def update_templates(index: SourceIndex, hosts: Iterable[str]) -> TemplateUpdate:
    """Learn the templates of ``hosts`` again from the index; take new ones out.

    Only hosts with at least :data:`MIN_TEMPLATE_ARTICLES` stored articles are
    learned. When a host's template grows, every stored article of the host that
    holds one of the new paragraphs is written again without it.
    """
    wanted = {h for h in hosts if h}
    if not wanted:
        return TemplateUpdate()
    by_host: dict[str, list[int]] = {}
    for info in index.articles():
        host = host_of(info.url)
        if host in wanted:
            by_host.setdefault(host, []).append(info.id)
    known = index.templates()
    grown: list[str] = []
    rewritten = 0
    for host in sorted(by_host):
        ids = sorted(by_host[host])
        if len(ids) < MIN_TEMPLATE_ARTICLES:
            continue
        sample = index.get_many(_sample(ids, LEARN_SAMPLE))
        new = learn_template(a.text for a in sample) - known.get(host, frozenset())
        if not new:
            continue
        template = known.get(host, frozenset()) | new
        index.set_template(host, template)
        grown.append(host)
        for start in range(0, len(ids), REWRITE_BATCH):
            changed = []
            for article in index.get_many(ids[start : start + REWRITE_BATCH]):
                text = strip_template(article.text, new)
                if text != article.text:
                    changed.append(replace(article, text=text))
            if changed:
                index.add_many(changed)
                rewritten += len(changed)
    return TemplateUpdate(hosts=tuple(grown), rewritten=rewritten)
