"""The link evidence a policy's ``[link]`` rule is judged on, and where the link must stand.

:func:`check_link` applies design.md's precedence ("Violation codes"): the best
link evidence on the page decides which link code a source gets, so an editor
sees one actionable problem per source instead of a pile of overlapping ones.
Links through a redirector or a shortener count where the page says (or
``--resolve-links`` proved) that they land on the article (page/redirects.py).

One module for one rule, though a long one: the evidence, the precedence of the
link codes and the position rule decide together which single code a source gets.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reprint_check.models import Block, Link, LinkEvidence, Page, Violation
from reprint_check.page.redirects import is_active, landing, page_host
from reprint_check.page.robots import header_robots_directives
from reprint_check.policy.rules import LinkRule
from reprint_check.urls import canonical_url, find_bare_urls, host_of, same_article

_UrlTest = Callable[[str | None], bool]

__all__ = ["LinkCheck", "check_link"]

# --- link evidence -------------------------------------------------------------------

_NOT_FOLLOWED_REL = ("nofollow", "ugc", "sponsored")
_NOT_FOLLOWED_ROBOTS = ("nofollow", "none")
# Block kinds that are never "the first paragraph": headings and page furniture.
_HEADING_KINDS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "header", "nav", "title", "caption"}
)
# A block needs this many words to be the first paragraph, so that a dateline
# ("Kyiv, 3 March") or a byline ("By Jane Doe") above the story does not count.
FIRST_PARAGRAPH_MIN_WORDS = 5


@dataclass(frozen=True)
class LinkCheck:
    """What the page offers as a link back to one article, and the codes it earns."""

    evidence: LinkEvidence
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class _Candidate:
    """An active link that could satisfy the rule, with the rules it breaks."""

    link: Link
    to_article: bool
    followable: bool
    not_followable: tuple[str, ...]  # plain-words reasons, empty when fine
    too_late: str | None  # plain-words reason, None when fine
    paragraph: int | None
    via: str | None  # how an indirect link gets there ("a redirector on …"); None when direct
    not_direct: bool  # via is set and the rule wants a direct link

    @property
    def broken(self) -> int:
        return (
            (1 if self.not_followable else 0)
            + (1 if self.too_late else 0)
            + (1 if self.not_direct else 0)
        )


@dataclass(frozen=True)
class _Reference:
    """A mention of the article that is not an active link (hidden, bare URL, …)."""

    position: int
    href: str
    problem: str
    paragraph: int | None
    followable: bool


def check_link(
    page: Page,
    article_urls: Sequence[str],
    rule: LinkRule,
    *,
    excerpt_start: int | None = None,
) -> LinkCheck:
    """Judge the page's link back to an article (its URL and aliases) against ``rule``.

    ``excerpt_start`` is where the first passage from the article begins in
    ``page.text``; ``position = "before-excerpt"`` is not checked without it.
    Evidence is always filled in; ``required = false`` only drops the
    violations.
    """
    result = _check_links(page, article_urls, rule, excerpt_start)
    canonical = page.canonical
    if (
        result.violations
        and rule.canonical_counts
        and canonical
        and any(same_article(canonical, u) for u in article_urls if u)
    ):
        evidence = LinkEvidence(
            found=True,
            href=canonical,
            active=False,
            followable=_page_followable(page),
            paragraph=None,
            problems=(),
        )
        return LinkCheck(evidence)
    return result


def _page_followable(page: Page) -> bool:
    header = header_robots_directives(page.header_robots)
    return not any(d in _NOT_FOLLOWED_ROBOTS for d in page.robots) and not any(
        d in _NOT_FOLLOWED_ROBOTS for _, d in header
    )


class _PageFacts:
    """What the link check needs of a page whatever the source article, worked out once.

    A page is judged once per source it reused; parsing every link's URL again
    for each source made a page of 100,000 links cost seconds per source, and
    telling bare URLs inside link text from loose ones was quadratic.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        resolved = dict(page.link_targets)
        own_host = page_host(page)
        self.active = [link for link in page.links if is_active(link)]
        self.landings = {id(link): landing(link, resolved, own_host) for link in self.active}
        self._canonical: dict[str, str] = {}
        self._hosts: dict[str, str] = {}

    @functools.cached_property
    def mentions(self) -> list[list[str]]:
        """Bare URLs written in each link's address or text, by its place in page.links."""
        return [
            [url for _, _, url in find_bare_urls(f"{link.href} {link.text}")]
            for link in self.page.links
        ]

    @functools.cached_property
    def loose_urls(self) -> list[tuple[int, str]]:
        """Bare URLs of the text outside any link's text (those are judged with their link)."""
        links = self.page.links
        inside = _Spans((lk.position, lk.position + len(lk.text)) for lk in links if lk.text)
        return [
            (start, url) for start, _end, url in find_bare_urls(self.page.text) if not inside(start)
        ]

    def canonical(self, url: str) -> str:
        found = self._canonical.get(url)
        if found is None:
            found = self._canonical[url] = canonical_url(url)
        return found

    def host(self, url: str) -> str:
        found = self._hosts.get(url)
        if found is None:
            found = self._hosts[url] = host_of(url)
        return found


class _Spans:
    """Whether an offset falls inside any of some half-open spans: merged, then bisected."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            elif start < end:
                merged.append([start, end])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def __call__(self, offset: int) -> bool:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


# The page judged last, with its facts: a page is judged against each of its sources in turn.
_last_facts: list[_PageFacts] = []


def _facts_of(page: Page) -> _PageFacts:
    cached = _last_facts[0] if _last_facts else None
    if cached is not None and cached.page is page:
        return cached
    facts = _PageFacts(page)
    _last_facts[:] = [facts]
    return facts


def _check_links(
    page: Page, article_urls: Sequence[str], rule: LinkRule, excerpt_start: int | None
) -> LinkCheck:
    article = article_urls[0] if article_urls else "the source article"
    targets = {canonical_url(u) for u in article_urls if u}
    hosts = {h for h in (host_of(u) for u in article_urls if u) if h}
    page_followable = _page_followable(page)
    limit = _position_limit(page, rule, excerpt_start)
    facts = _facts_of(page)

    def is_article(url: str | None) -> bool:
        return url is not None and facts.canonical(url) in targets

    def on_site(url: str | None) -> bool:
        return url is not None and _same_site(facts.host(url), hosts)

    def wanted(url: str | None) -> bool:
        return is_article(url) or (rule.target == "domain" and on_site(url))

    active_links = facts.active
    landings = facts.landings

    # 1. an active, visible link to the article (or, with target = "domain", to the site),
    #    directly or through a redirector whose target is known
    candidates = []
    for link in active_links:
        landing = landings[id(link)]
        if wanted(landing.url):
            candidates.append(
                _candidate(
                    page, link, is_article(landing.url), landing.via, rule, page_followable, limit
                )
            )
    if candidates:
        best = min(
            candidates,
            key=lambda c: (c.broken, not c.to_article, c.via is not None, c.link.position),
        )
        return _judge_candidate(best, article, rule, limit)

    # 2. a reference to the article (or site) that is not an active link
    references = _references(page, wanted, facts)
    if references:
        return _judge_references(references, article, rule, limit)

    # 3. an active link to the publisher's site, but not to the article
    wrong = [link for link in active_links if on_site(landings[id(link)].url)]
    if wrong:
        link = min(wrong, key=lambda lk: lk.position)
        evidence = LinkEvidence(
            found=True,
            href=link.href,
            active=True,
            followable=page_followable and not _rel_not_followed(link) and not link.in_noindex,
            paragraph=_paragraph_of(link),
            problems=(f"the link goes to {link.href}, not to the article",),
        )
        message = (
            f"The page links to {link.href} on the publisher's site instead of the article: "
            f"point the link at {article}."
        )
        return _verdict(evidence, rule, ("LINK_WRONG_TARGET", message))

    # 4. a link whose destination is hidden behind a shortener or redirect script
    hidden = [link for link in active_links if landings[id(link)].url is None]
    if hidden:
        link = min(hidden, key=lambda lk: lk.position)
        via = landings[id(link)].via
        problem = (
            f"the link {link.href} goes through {via}, which hides where it leads "
            "(audit with --resolve-links to follow it)"
        )
        if rule.direct:
            evidence = LinkEvidence(
                found=True,
                href=link.href,
                active=True,
                followable=page_followable and not _rel_not_followed(link),
                paragraph=_paragraph_of(link),
                problems=(problem,),
            )
            message = (
                f"The page links through {via} ({link.href}) instead of linking to the "
                f"article: the policy requires a direct link to {article}."
            )
            return _verdict(evidence, rule, ("LINK_NOT_DIRECT", message))
        missing = _missing(rule, article)
        evidence = LinkEvidence(found=False, problems=(problem,))
        return _verdict(evidence, rule, ("LINK_MISSING", f"{missing} ({problem})."))

    # 5. nothing at all
    return _verdict(
        LinkEvidence(found=False), rule, ("LINK_MISSING", _missing(rule, article) + ".")
    )


def _not_indexable_reasons(page: Page, link: Link) -> list[str]:
    """Why search engines would not follow this link, each naming where it is said."""
    reasons = []
    rels = [token for token in link.rel if token in _NOT_FOLLOWED_REL]
    if rels:
        reasons.append(f'the link has rel="{" ".join(rels)}", so search engines do not follow it')
    robots = [d for d in page.robots if d in _NOT_FOLLOWED_ROBOTS]
    if robots:
        reasons.append(
            f'the page\'s robots meta tag says "{robots[0]}", '
            "so search engines follow none of its links"
        )
    header = [
        (agent, d)
        for agent, d in header_robots_directives(page.header_robots)
        if d in _NOT_FOLLOWED_ROBOTS
    ]
    if header:
        agent, directive = header[0]
        for_whom = f" for {agent}" if agent else ""
        reasons.append(
            f'the X-Robots-Tag header{for_whom} says "{directive}", '
            "so search engines follow none of the page's links"
        )
    if link.in_noindex:
        reasons.append(
            "the link is inside <noindex>, which tells search engines (Yandex) not to index it"
        )
    return reasons


def _missing(rule: LinkRule, article: str) -> str:
    if rule.target == "domain":
        return f"No link to the publisher's site: add a visible hyperlink to {article}"
    return f"No link to the source article: add a visible hyperlink to {article}"


def _same_site(host: str, hosts: Iterable[str]) -> bool:
    """Same host, or one a subdomain of the other (m.example.com and example.com)."""
    if not host:
        return False
    return any(host == h or host.endswith("." + h) or h.endswith("." + host) for h in hosts if h)


def _rel_not_followed(link: Link) -> bool:
    return any(token in _NOT_FOLLOWED_REL for token in link.rel)


def _candidate(
    page: Page,
    link: Link,
    to_article: bool,
    via: str | None,
    rule: LinkRule,
    page_followable: bool,
    limit: _Limit | None,
) -> _Candidate:
    reasons = _not_indexable_reasons(page, link) if rule.followable else []
    paragraph = _paragraph_of(link)
    too_late = None
    if limit is not None and link.position > limit.end:
        too_late = limit.describe_late(paragraph)
    return _Candidate(
        link=link,
        to_article=to_article,
        followable=page_followable and not _rel_not_followed(link) and not link.in_noindex,
        not_followable=tuple(reasons),
        too_late=too_late,
        paragraph=paragraph,
        via=via,
        not_direct=via is not None and rule.direct,
    )


def _judge_candidate(
    best: _Candidate, article: str, rule: LinkRule, limit: _Limit | None
) -> LinkCheck:
    problems = [*best.not_followable]
    codes: list[tuple[str, str]] = []
    subject = (
        f"The link to {article}"
        if best.to_article
        else f"The link to the publisher's site ({best.link.href}) for {article}"
    )
    if best.not_direct:
        problems.append(f"the link goes through {best.via} ({best.link.href})")
        codes.append(
            (
                "LINK_NOT_DIRECT",
                f"{subject} goes through {best.via} ({best.link.href}). "
                "The policy requires a direct link to the article.",
            )
        )
    if best.not_followable:
        reasons = "; ".join(best.not_followable)
        codes.append(
            (
                "LINK_NOT_FOLLOWABLE",
                f"{subject} is not followable: {reasons}. "
                "The policy requires a link that search engines follow.",
            )
        )
    if best.too_late and limit is not None:
        problems.append(best.too_late)
        codes.append(
            (
                "LINK_TOO_LATE",
                f"{subject} comes too late: {best.too_late}. Move it to {limit.where} or earlier.",
            )
        )
    evidence = LinkEvidence(
        found=True,
        href=best.link.href,
        active=True,
        followable=best.followable,
        paragraph=best.paragraph,
        problems=tuple(problems),
    )
    return _verdict(evidence, rule, *codes)


def _references(page: Page, wanted: _UrlTest, facts: _PageFacts) -> list[_Reference]:
    """Every mention of the target that a reader cannot click, in page order."""
    refs: list[_Reference] = []
    for number, link in enumerate(page.links):
        if wanted(link.url):
            if not is_active(link):  # active ones were candidates already
                paragraph, followable = _paragraph_of(link), not _rel_not_followed(link)
                refs.extend(
                    _Reference(link.position, link.href, problem, paragraph, followable)
                    for problem in _inactive_reasons(link)
                )
            continue
        mentioned = [url for url in facts.mentions[number] if wanted(url)]
        if not mentioned:
            continue
        paragraph, followable = _paragraph_of(link), not _rel_not_followed(link)
        reasons = _inactive_reasons(link)
        if link.url is None:
            javascript = link.href.lower().startswith("javascript:")
            reasons.insert(
                0,
                "the link uses a javascript: address instead of a real one"
                if javascript
                else f"the link's address ({link.href}) is not a web address",
            )
        elif not reasons:
            reasons.append(
                f"the link text shows the article's address but the link goes to {link.url}"
            )
        refs.extend(
            _Reference(link.position, mentioned[0], problem, paragraph, followable)
            for problem in reasons
        )
    for start, url in facts.loose_urls:
        if wanted(url):
            problem = "the article's address appears as plain text, not as a link"
            refs.append(_Reference(start, url, problem, _block_number(page.blocks, start), False))
    refs.sort(key=lambda r: r.position)
    return refs


def _inactive_reasons(link: Link) -> list[str]:
    reasons = []
    if link.hidden:
        how = f"with {link.hidden}" if ":" in link.hidden else f"({link.hidden})"
        reasons.append(f"the link is hidden {how}")
    if link.in_noscript:
        reasons.append(
            "the link is only inside <noscript>, which browsers running JavaScript do not show"
        )
    if link.in_comment:
        reasons.append("the link is inside an HTML comment, which browsers do not show")
    return reasons


def _judge_references(
    refs: list[_Reference], article: str, rule: LinkRule, limit: _Limit | None
) -> LinkCheck:
    problems = tuple(dict.fromkeys(r.problem for r in refs))
    if not rule.active:
        # Any reference will do; pick one that stands early enough, if there is one.
        fitting = [r for r in refs if limit is None or r.position <= limit.end]
        first = fitting[0] if fitting else refs[0]
        late = None if fitting or limit is None else limit.describe_late(first.paragraph)
        evidence = LinkEvidence(
            found=True,
            href=first.href,
            active=False,
            followable=first.followable,
            paragraph=first.paragraph,
            problems=(late,) if late else (),
        )
        if late and limit is not None:
            message = (
                f"The reference to {article} comes too late: {late}. "
                f"Move it to {limit.where} or earlier."
            )
            return _verdict(evidence, rule, ("LINK_TOO_LATE", message))
        return _verdict(evidence, rule)
    first = refs[0]
    evidence = LinkEvidence(
        found=True,
        href=first.href,
        active=False,
        followable=first.followable,
        paragraph=first.paragraph,
        problems=problems,
    )
    message = (
        f"The page refers to {article} but not with an active link ({'; '.join(problems)}): "
        "make it a visible hyperlink to the article."
    )
    return _verdict(evidence, rule, ("LINK_NOT_ACTIVE", message))


def _verdict(evidence: LinkEvidence, rule: LinkRule, *codes: tuple[str, str]) -> LinkCheck:
    if not rule.required:
        return LinkCheck(evidence)
    return LinkCheck(evidence, tuple(Violation(code, message) for code, message in codes))


# --- where a link must stand ----------------------------------------------------------


@dataclass(frozen=True)
class _Limit:
    """The last offset of ``Page.text`` at which the link may stand."""

    end: int
    where: str  # "paragraph 3", for messages
    why: str  # "the paragraph where the excerpt begins"

    def describe_late(self, link_paragraph: int | None) -> str:
        at = f"in paragraph {link_paragraph}, " if link_paragraph else ""
        return f"it stands {at}after {self.why} ({self.where})"


def _position_limit(page: Page, rule: LinkRule, excerpt_start: int | None) -> _Limit | None:
    if rule.position == "before-excerpt":
        if excerpt_start is None:
            return None
        block = _block_at_or_after(page.blocks, excerpt_start)
        why = "the paragraph where the excerpt begins"
        if block is None:
            return _text_paragraph_limit(page.text, excerpt_start, why)
        return _Limit(block.end, f"paragraph {block.index + 1}", why)
    number = rule.paragraph
    if number is None:
        return None
    why = "the first paragraph" if number == 1 else f"the {_ordinal(number)} paragraph of the story"
    block = _story_paragraph(page.blocks, page.text, number)
    if block is None:
        return _text_paragraph_limit(page.text, 0, why, number)
    return _Limit(block.end, f"paragraph {block.index + 1}", why)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _story_paragraph(blocks: Sequence[Block], text: str, number: int) -> Block | None:
    """The story's paragraph ``number`` (1-based): the first paragraph, then the blocks after it.

    Headings are not paragraphs; past the last paragraph, the last one.
    """
    first = _first_paragraph(blocks, text)
    if first is None or number == 1:
        return first
    later = [
        b
        for b in sorted(blocks, key=lambda b: b.start)
        if b.start > first.start and b.kind.lower() not in _HEADING_KINDS
    ]
    if not later:
        return first
    return later[min(number - 2, len(later) - 1)]


def _text_paragraph_limit(text: str, start: int, why: str, number: int = 1) -> _Limit:
    """Without blocks, a paragraph is what blank lines delimit in ``Page.text``."""
    cut = start - 2
    for _ in range(number):
        cut = text.find("\n\n", cut + 2)
        if cut < 0:
            return _Limit(len(text), "the end of that paragraph", why)
    return _Limit(cut, "the end of that paragraph", why)


def _block_at_or_after(blocks: Sequence[Block], offset: int) -> Block | None:
    ordered = sorted(blocks, key=lambda b: b.start)
    for block in ordered:
        if block.start <= offset < block.end:
            return block
    for block in ordered:  # offset in the gap between two blocks: the next one
        if block.start >= offset:
            return block
    return None


def _first_paragraph(blocks: Sequence[Block], text: str) -> Block | None:
    """The first block that reads as story text: not a heading, at least a few words.

    The position rule then means "no later than the end of that block", so a
    link in a standfirst or a "Source:" line above it also counts.
    """
    ordered = sorted(blocks, key=lambda b: b.start)
    for block in ordered:
        words = len(text[block.start : block.end].split())
        if block.kind.lower() not in _HEADING_KINDS and words >= FIRST_PARAGRAPH_MIN_WORDS:
            return block
    return next((b for b in ordered if b.kind.lower() not in _HEADING_KINDS), None)


def _paragraph_of(link: Link) -> int | None:
    return None if link.block is None else link.block + 1


def _block_number(blocks: Sequence[Block], offset: int) -> int | None:
    for block in blocks:
        if block.start <= offset < block.end:
            return block.index + 1
    return None
