"""URL canonicalisation and the link evidence a policy's ``[link]`` rule is judged on.

Two URLs name the same article when they differ only in ways a reader would
never notice: http or https, ``www.``, a default port, a trailing slash, a
fragment, tracking parameters, the order of query parameters or how the
percent-encoding is spelled. :func:`canonical_url` removes exactly those
differences, so comparing articles is comparing strings.

:func:`check_link` applies design.md's precedence ("Violation codes"): the best
link evidence on the page decides which link code a source gets, so an editor
sees one actionable problem per source instead of a pile of overlapping ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from reprint_check.models import Block, Link, LinkEvidence, Page, Violation

if TYPE_CHECKING:  # policy imports this module (host_of); annotations only here
    from reprint_check.policy import LinkRule

_UrlTest = Callable[[str | None], bool]

__all__ = [
    "LinkCheck",
    "canonical_url",
    "check_link",
    "find_bare_urls",
    "host_of",
    "same_article",
]

# --- canonicalisation -----------------------------------------------------------

# Query parameters that only say where a reader came from; they never change
# which article a URL names. Matched case-insensitively on the decoded name.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "_hsenc",
        "_hsmi",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "ncid",
        "cmpid",
        "ocid",
        "spm",
        "ref_src",
    }
)
# Whole families of tracking parameters, by prefix.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = frozenset({80, 443})  # http and https are one scheme here, so both
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters a path or query may carry literally (RFC 3986 pchar, plus "/" and
# "?"); anything else is percent-encoded so that two spellings compare equal.
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_PART_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")  # "&" and "=" are structure
_HEX = frozenset("0123456789abcdefABCDEF")
# "mailto:x", "javascript:…" — but not "example.com:8080", a host with a port.
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d*(?:[/?#]|$))")
_IDNA_DOTS = re.compile("[.\u3002\uff0e\uff61]")


def canonical_url(url: str) -> str:
    """The form of ``url`` under which two addresses of the same article are equal.

    Applied to http(s) URLs (and to scheme-less ``//host/…`` and ``www.…``
    references, read as web addresses). Anything else — ``mailto:``, a
    relative path, text that is not a URL — comes back stripped of
    surrounding white space and otherwise unchanged, so the function never
    raises and is idempotent on every input.
    """
    text = url.strip()
    candidate = text
    if candidate.startswith("//"):
        candidate = "https:" + candidate
    elif candidate[:4].lower() == "www.":
        candidate = "https://" + candidate
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return text
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return text
    host = _canonical_host(parts)
    if not host:
        return text
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port not in _DEFAULT_PORTS:
        netloc += f":{port}"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def same_article(a: str, b: str) -> bool:
    """True when both addresses name the same page once canonicalised."""
    return canonical_url(a) == canonical_url(b)


def host_of(url: str) -> str:
    """The canonical host of a URL or bare host name ("" when there is none).

    Lower-cased, IDN labels in punycode, a leading ``www.`` and a trailing dot
    dropped: the form policies and link checks compare hosts in.
    """
    text = url.strip()
    if "://" not in text and not text.startswith("//"):
        if _OTHER_SCHEME.match(text):
            return ""  # mailto:, javascript:, tel: … have no web host
        text = "//" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return _canonical_host(parts)


def _canonical_host(parts: SplitResult) -> str:
    try:
        host = parts.hostname or ""
    except ValueError:
        return ""
    labels = [_idna_label(label) for label in _IDNA_DOTS.split(host.lower())]
    host = ".".join(labels).rstrip(".")
    while host.startswith("www.") and len(host) > 4:  # loop: keeps the result stable
        host = host[4:]
    return host


def _idna_label(label: str) -> str:
    if not label or label.isascii():
        return label
    try:
        return label.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return label  # not a valid IDN label: keep it as written, lower-cased


def _canonical_path(path: str) -> str:
    path = _remove_dot_segments(_normalise_escapes(path, _PATH_SAFE))
    path = path.rstrip("/")
    return path if path.startswith("/") else "/" + path


def _canonical_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        name = _normalise_escapes(name, _QUERY_PART_SAFE)
        if _is_tracking(name):
            continue
        value = _normalise_escapes(value, _QUERY_PART_SAFE | {"="})
        kept.append((name, f"{name}{sep}{value}"))
    kept.sort()
    return "&".join(item for _, item in kept)


def _is_tracking(name: str) -> bool:
    decoded = _decode_for_comparison(name).lower()
    return decoded in TRACKING_PARAMS or decoded.startswith(TRACKING_PREFIXES)


def _decode_for_comparison(text: str) -> str:
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape the unsafe.

    A ``%`` not followed by two hex digits is itself escaped (``%25``), which
    is what keeps the result stable when applied again.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "%" and _is_hex2(text[i + 1 : i + 3]):
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _is_hex2(pair: str) -> bool:
    return len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on segments: "." vanishes, ".." drops its parent."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1 or (output and output[0] != ""):
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


# --- URLs written as plain text ---------------------------------------------------

# A URL runs until white space, a quote or an angle bracket; "www." only starts
# a reference at a word boundary, so "xwww.example" or an e-mail host is not one.
_BARE_URL = re.compile(
    r"""(?:https?://|(?<![\w.@/-])www\.)[^\s<>"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u2039\u203a]+""",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?*…"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def find_bare_urls(text: str) -> list[tuple[int, int, str]]:
    """Every URL-looking reference in visible text, as ``(start, end, url)`` spans of ``text``.

    Sentence punctuation after a URL ("see https://a.example/x.") and a
    closing bracket with no opening one inside the URL ("(www.a.example)")
    are not part of it; a bracket pair inside the URL (Wikipedia-style) is.
    """
    found: list[tuple[int, int, str]] = []
    for match in _BARE_URL.finditer(text):
        start, end = match.span()
        end = _trim_trailing(text, start, end)
        candidate = text[start:end]
        if _looks_like_address(candidate):
            found.append((start, end, candidate))
    return found


def _trim_trailing(text: str, start: int, end: int) -> int:
    while end > start:
        last = text[end - 1]
        if last in _TRAILING_PUNCT:
            end -= 1
        elif last in _CLOSERS:
            body = text[start : end - 1]
            if body.count(_CLOSERS[last]) > body.count(last):
                break
            end -= 1
        else:
            break
    return end


def _looks_like_address(candidate: str) -> bool:
    lowered = candidate.lower()
    if lowered.startswith(("http://", "https://")):
        rest = candidate.split("://", 1)[1]
        return bool(rest) and rest[0] not in "/?#"
    # "www." form: the host after "www." must still have a dot, as in www.example.com
    host = re.split(r"[/?#:]", candidate, maxsplit=1)[0]
    return "." in host[4:].strip(".")


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

    @property
    def broken(self) -> int:
        return (1 if self.not_followable else 0) + (1 if self.too_late else 0)


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
    article = article_urls[0] if article_urls else "the source article"
    targets = {canonical_url(u) for u in article_urls if u}
    hosts = {h for h in (host_of(u) for u in article_urls if u) if h}
    page_followable = not any(d in _NOT_FOLLOWED_ROBOTS for d in page.robots)
    limit = _position_limit(page, rule.position, excerpt_start)

    def is_article(url: str | None) -> bool:
        return url is not None and canonical_url(url) in targets

    def on_site(url: str | None) -> bool:
        return url is not None and _same_site(host_of(url), hosts)

    active_links = [link for link in page.links if _is_active(link)]

    # 1. an active, visible link to the article (or, with target = "domain", to the site)
    candidates = [
        _candidate(page, link, is_article(link.url), rule, page_followable, limit)
        for link in active_links
        if is_article(link.url) or (rule.target == "domain" and on_site(link.url))
    ]
    if candidates:
        best = min(candidates, key=lambda c: (c.broken, not c.to_article, c.link.position))
        return _judge_candidate(best, article, rule, limit)

    # 2. a reference to the article (or site) that is not an active link
    def wanted(url: str | None) -> bool:
        return is_article(url) or (rule.target == "domain" and on_site(url))

    references = _references(page, wanted)
    if references:
        return _judge_references(references, article, rule, limit)

    # 3. an active link to the publisher's site, but not to the article
    wrong = [link for link in active_links if on_site(link.url)]
    if wrong:
        link = min(wrong, key=lambda lk: lk.position)
        evidence = LinkEvidence(
            found=True,
            href=link.href,
            active=True,
            followable=page_followable and not _rel_not_followed(link),
            paragraph=_paragraph_of(link),
            problems=(f"the link goes to {link.href}, not to the article",),
        )
        message = (
            f"The page links to {link.href} on the publisher's site instead of the article: "
            f"point the link at {article}."
        )
        return _verdict(evidence, rule, ("LINK_WRONG_TARGET", message))

    # 4. nothing at all
    if rule.target == "domain":
        message = f"No link to the publisher's site: add a visible hyperlink to {article}."
    else:
        message = f"No link to the source article: add a visible hyperlink to {article}."
    return _verdict(LinkEvidence(found=False), rule, ("LINK_MISSING", message))


def _is_active(link: Link) -> bool:
    return link.url is not None and not link.hidden and not link.in_noscript and not link.in_comment


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
    rule: LinkRule,
    page_followable: bool,
    limit: _Limit | None,
) -> _Candidate:
    reasons: list[str] = []
    if rule.followable:
        rels = [token for token in link.rel if token in _NOT_FOLLOWED_REL]
        if rels:
            reasons.append(
                f'the link has rel="{" ".join(rels)}", so search engines do not follow it'
            )
        robots = [d for d in page.robots if d in _NOT_FOLLOWED_ROBOTS]
        if robots:
            reasons.append(
                f'the page\'s robots meta tag says "{robots[0]}", '
                "so search engines follow none of its links"
            )
    paragraph = _paragraph_of(link)
    too_late = None
    if limit is not None and link.position > limit.end:
        too_late = limit.describe_late(paragraph)
    return _Candidate(
        link=link,
        to_article=to_article,
        followable=page_followable and not _rel_not_followed(link),
        not_followable=tuple(reasons),
        too_late=too_late,
        paragraph=paragraph,
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


def _references(page: Page, wanted: _UrlTest) -> list[_Reference]:
    """Every mention of the target that a reader cannot click, in page order."""
    refs: list[_Reference] = []
    for link in page.links:
        paragraph = _paragraph_of(link)
        followable = not _rel_not_followed(link)
        if wanted(link.url):
            if not _is_active(link):  # active ones were candidates already
                refs.extend(
                    _Reference(link.position, link.href, problem, paragraph, followable)
                    for problem in _inactive_reasons(link)
                )
            continue
        mentioned = [url for _, _, url in find_bare_urls(f"{link.href} {link.text}") if wanted(url)]
        if not mentioned:
            continue
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
    anchors = [(lk.position, lk.position + len(lk.text)) for lk in page.links if lk.text]
    for start, _end, url in find_bare_urls(page.text):
        if any(a <= start < b for a, b in anchors):
            continue  # the text of a link, judged with that link above
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


def _position_limit(page: Page, position: str, excerpt_start: int | None) -> _Limit | None:
    if position == "before-excerpt":
        if excerpt_start is None:
            return None
        block = _block_at_or_after(page.blocks, excerpt_start)
        why = "the paragraph where the excerpt begins"
        if block is None:
            return _text_paragraph_limit(page.text, excerpt_start, why)
        return _Limit(block.end, f"paragraph {block.index + 1}", why)
    if position == "first-paragraph":
        block = _first_paragraph(page.blocks, page.text)
        why = "the first paragraph"
        if block is None:
            return _text_paragraph_limit(page.text, 0, why)
        return _Limit(block.end, f"paragraph {block.index + 1}", why)
    return None


def _text_paragraph_limit(text: str, start: int, why: str) -> _Limit:
    """Without blocks, a paragraph is what blank lines delimit in ``Page.text``."""
    cut = text.find("\n\n", start)
    return _Limit(len(text) if cut < 0 else cut, "the end of that paragraph", why)


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
