"""The plain data that flows between stages.

Every span says which text it indexes: ``target_*`` offsets index
``Page.text`` of the audited page, ``source_*`` offsets index ``Article.text``
of the publisher's article. Both are Python ``str`` indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

# --- the audited page -------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A block of the page's visible text: paragraph, list item, quote, heading, cell…"""

    index: int  # 0-based, document order
    kind: str  # tag name of the block element: "p", "li", "blockquote", "h2", "div", "td", "pre", …
    start: int  # offsets into Page.text, end exclusive
    end: int


@dataclass(frozen=True)
class Link:
    """One ``<a href>`` of the page, visible or not, with what decides whether it counts."""

    href: str  # the attribute as written, stripped
    url: str | None  # absolute http(s) URL resolved against the page base; None otherwise
    text: str  # anchor text, white space collapsed
    rel: tuple[str, ...]  # lower-cased rel tokens, e.g. ("nofollow",)
    hidden: str | None  # why it is invisible ("hidden attribute", "display:none", …) or None
    in_noscript: bool
    in_comment: bool
    block: int | None  # Block.index it stands in; None when it is not part of the visible text
    position: int  # offset in Page.text where the link stands (where its text starts)
    in_noindex: bool = False  # inside <noindex> or <!--noindex-->…<!--/noindex--> (Yandex)


@dataclass(frozen=True)
class Revealed:
    """Text the page publishes but shows a reader only on demand, or only to machines.

    A "Read more" block kept in ``display:none``, a tab panel with the
    ``hidden`` attribute, the ``articleBody`` of the page's schema.org data:
    search engines index it and a click shows it, so an excerpt limit about
    what a page publishes must count it. It is kept apart from ``Page.text``,
    which stays what a reader sees, and audited after it (see
    :func:`published`).
    """

    where: str  # "read-more", "tab-panel", "collapsed", "display-none", "hidden-attribute", …
    text: str  # blocks separated by blank lines, white space collapsed as in Page.text
    blocks: tuple[Block, ...] = ()  # offsets into ``text``; ``index`` counts from 0 here


@dataclass(frozen=True)
class Page:
    """A target page reduced to what an audit needs."""

    location: str  # URL, file path or "-"
    text: str  # visible text; blocks separated by blank lines
    title: str = ""
    blocks: tuple[Block, ...] = ()
    links: tuple[Link, ...] = ()
    canonical: str | None = None  # <link rel=canonical>, absolute
    og_url: str | None = None  # <meta property=og:url>, absolute
    robots: tuple[str, ...] = ()  # meta robots directives, lower-cased ("nofollow", "noindex", …)
    # Raw values of the X-Robots-Tag response headers, one per header line, when fetched
    # ("noindex, nofollow", "googlebot: nofollow"); links.py reads them.
    header_robots: tuple[str, ...] = ()
    # Where redirecting links land, as (link URL, final URL) pairs, with --resolve-links.
    link_targets: tuple[tuple[str, str], ...] = ()
    # Text the page holds out of sight (hidden containers, structured data), in page order.
    revealed: tuple[Revealed, ...] = ()


# Between the visible text and each revealed text in the published text: a blank line,
# the same break as between two blocks, so no passage runs from one into the next.
REVEALED_BREAK = "\n\n"


def published(page: Page) -> tuple[Page, tuple[tuple[int, int, str], ...]]:
    """The page with its revealed texts after its visible text, and where each stands.

    Passages found in revealed text index this text (the report's ``text``
    with ``--include-text``): the visible text keeps its offsets, and each
    revealed text follows after a blank line, its blocks numbered on from the
    visible ones. The spans are ``(start, end, where)`` of each revealed text.
    """
    pieces = [page.text]
    blocks = list(page.blocks)
    spans: list[tuple[int, int, str]] = []
    at = len(page.text)
    for revealed in page.revealed:
        at += len(REVEALED_BREAK)
        pieces.append(REVEALED_BREAK)
        pieces.append(revealed.text)
        blocks.extend(Block(len(blocks), b.kind, at + b.start, at + b.end) for b in revealed.blocks)
        spans.append((at, at + len(revealed.text), revealed.where))
        at += len(revealed.text)
    whole = replace(page, text="".join(pieces), blocks=tuple(blocks), revealed=())
    return whole, tuple(spans)


# --- the publisher's article --------------------------------------------------


@dataclass(frozen=True)
class Article:
    """A publisher article as indexed: the story's body, headline kept apart.

    ``text`` is what the index holds and what reuse is measured against, so it keeps
    the standfirst (the summary set under the headline): a copied standfirst is reused
    text like any other. ``standfirst`` says which leading paragraph of ``text`` it was,
    so that what follows it, the body proper, can be read apart (``body``).
    """

    url: str
    text: str  # standfirst (when any) and body; paragraphs separated by blank lines
    title: str = ""
    aliases: tuple[str, ...] = ()  # other URLs of the same article (fetched URL, canonical, og:url)
    published: str | None = None
    standfirst: str = ""  # the first paragraph of ``text`` when it is a standfirst, else ""

    @property
    def body(self) -> str:
        """The story without its standfirst (all of ``text`` when there is none)."""
        if self.standfirst and self.text.startswith(self.standfirst):
            return self.text[len(self.standfirst) :].lstrip("\n")
        return self.text


@dataclass(frozen=True)
class ArchiveHints:
    """A publisher's own word on where its story is (a policy's ``[archive]`` table).

    Exact where given: with ``body``, the story is the visible text of the elements it
    selects, less the headline, whatever the page's layout suggests. ``exclude``
    removes elements before anything else is read. CSS selectors, checked when the
    policy is loaded.
    """

    body: str | None = None
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteHints:
    """Archive hints by host (subdomains included), and for every other host."""

    hosts: tuple[tuple[str, ArchiveHints], ...] = ()
    default: ArchiveHints | None = None

    def for_url(self, url: str | None) -> ArchiveHints | None:
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
        best: tuple[int, ArchiveHints] | None = None
        for domain, hints in self.hosts:
            within = host and (host == domain or host.endswith("." + domain))
            if within and (best is None or len(domain) > best[0]):
                best = (len(domain), hints)
        return best[1] if best else self.default

    def __bool__(self) -> bool:
        return bool(self.hosts) or self.default is not None


# --- findings -------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One reused passage: a span of the target aligned to a span of the source."""

    target_start: int
    target_end: int
    source_start: int
    source_end: int
    chars: int  # visible characters of the target span, counted as design.md says
    similarity: float  # 0..1, normalised target span against normalised source span
    text: str  # the target span as it stands in Page.text
    quotation: bool = False  # in the source it is someone's quoted words, inside quotation marks
    # Found by the semantic stage (--semantic): "translation" or "rewrite", and the
    # language of the page's text (ISO 639-1). None for a passage copied word for word.
    match: str | None = None
    lang: str | None = None
    # Found in text the page keeps out of sight (Page.revealed): where it was
    # ("read-more", "tab-panel", "json-ld", …). None for a passage a reader sees.
    hidden: str | None = None
    # The source span as it stands in Article.text, for side-by-side reports.
    # Not part of JSON v1 and left out of equality, so a report read back from
    # JSON still equals the one that was written.
    source_text: str | None = field(default=None, compare=False, repr=False)
    # For a semantic passage, its aligned sentences: (target_start, target_end,
    # source_start, source_end, similarity) each, for the side-by-side view.
    # Like source_text, not part of JSON v1 and left out of equality.
    pairs: tuple[tuple[int, int, int, int, float], ...] = field(
        default=(), compare=False, repr=False
    )
    # For a semantic passage, the passages copied word for word inside it: a rewrite or
    # a translation that keeps some sentences as they were is one copy, not several.
    # Their characters count as the verbatim reuse they are (reused_chars), not as
    # rewritten_chars.
    verbatim: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class LinkEvidence:
    """The best link evidence on the page for one source article."""

    found: bool
    href: str | None = None
    active: bool = False
    followable: bool = True
    paragraph: int | None = None  # 1-based number of the block the link stands in
    problems: tuple[str, ...] = ()  # plain-words reasons it does not count


@dataclass(frozen=True)
class Violation:
    code: str  # EXCERPT_TOO_LONG, LINK_MISSING, …
    message: str


@dataclass(frozen=True)
class DecidingRule:
    """The permission or licence that set a source's limit instead of the policy's excerpt rule.

    An editor must tell "compliant" from "compliant because partner X holds
    permission until June", so the finding names it: which policy holds it
    and, for a permission, whose it is, what it allows and until when.
    """

    kind: str  # "permission" ([[permissions]] of the policy) | "licence" ([reprint] allow_full)
    policy: str  # name of the policy that holds it
    domain: str | None = None  # permission: the partner's domain
    max_chars: int = 0  # the limit it sets; 0 = no limit
    until: str | None = None  # permission: last day it holds, ISO date ("2027-06-30")
    note: str = ""  # permission: the policy's note ("licence agreement 2024-03")


@dataclass(frozen=True)
class SourceFinding:
    """What one target page reused from one source article, and how it fares."""

    url: str
    title: str
    reused_chars: int
    limit: int  # 0 = no limit
    article_chars: int
    passages: tuple[Passage, ...]
    link: LinkEvidence
    violations: tuple[Violation, ...] = ()
    # Facts an editor should know that are not violations: an expired permission, passages
    # left out of the count as quotations, the canonical link accepted as attribution…
    notes: tuple[str, ...] = ()
    # The permission or licence that set ``limit``; None when the policy's excerpt rule did.
    rule: DecidingRule | None = None
    # Characters of the page in translated or rewritten passages (the semantic stage);
    # None when that stage did not run or found none for this article.
    rewritten_chars: int | None = None


@dataclass(frozen=True)
class Evidence:
    """Where the response a target was audited from is kept, so the verdict can be proved later."""

    url: str  # the URL that answered (after redirects): the record's WARC-Target-URI
    captured_at: str  # ISO-8601 UTC, e.g. "2024-05-01T12:00:00Z": the record's WARC-Date
    warc_file: str  # path of the WARC file, as the --evidence directory was given
    record_id: str  # WARC-Record-ID of the response record, e.g. "<urn:uuid:…>"
    sha256: str  # hex SHA-256 of the body as stored (as received: still content-encoded)


@dataclass(frozen=True)
class TargetResult:
    target: str
    status: str  # compliant | violation | error
    title: str = ""
    error: str | None = None
    sources: tuple[SourceFinding, ...] = ()
    text: str | None = None  # the page text, with --include-text
    evidence: Evidence | None = None  # with --evidence DIR, for targets fetched over HTTP
    # An error the user must fix (a named local file missing or unreadable: exit 2)
    # rather than one the network or the page caused (exit 3). Not part of JSON v1:
    # a report read back counts every error entry as the latter.
    bad_input: bool = False


@dataclass(frozen=True)
class PolicySummary:
    name: str
    max_chars: int
    count: str


@dataclass(frozen=True)
class Report:
    policy: PolicySummary
    targets: tuple[TargetResult, ...] = field(default_factory=tuple)
    # Remarks for the reader that belong to no one target, e.g. that merged
    # runs used different policies. Not part of JSON v1.
    notes: tuple[str, ...] = ()

    @property
    def has_violation(self) -> bool:
        return any(t.status == "violation" for t in self.targets)

    @property
    def has_error(self) -> bool:
        return any(t.status == "error" for t in self.targets)

    @property
    def has_bad_input(self) -> bool:
        return any(t.status == "error" and t.bad_input for t in self.targets)
