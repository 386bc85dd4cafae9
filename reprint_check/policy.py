"""Republication policies: the ``rules/*.toml`` format, validated.

A policy decides verdicts that publishers act on, so a malformed file is
refused with one line naming the file, the dotted key and what was expected;
a bad value never quietly turns into a default. Missing optional keys do take
the dataclass defaults below.

The accepted keys live in one table (``_TABLES`` / ``_PERMISSION_KEYS``): a
new key is one :class:`_Key` line there plus a dataclass field.

One index may hold several publishers' articles; a :class:`PolicySet` judges
each article by the policy whose ``domains`` cover it (:func:`policy_for`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from cssselect import SelectorError

from reprint_check.errors import PolicyError
from reprint_check.extract import ArchiveHints, SiteHints, compile_selector
from reprint_check.links import host_of
from reprint_check.models import PolicySummary

__all__ = [
    "DEFAULT_POLICY",
    "ArchiveRule",
    "ExcerptRule",
    "LinkRule",
    "Permission",
    "Policies",
    "Policy",
    "PolicySet",
    "ReprintRule",
    "archive_hints",
    "explain",
    "list_policies",
    "load_policies",
    "load_policy",
    "min_passage_chars",
    "parse_policy",
    "policy_for",
    "summary_line",
]

DEFAULT_POLICY = "default"


@dataclass(frozen=True)
class ExcerptRule:
    max_chars: int = 500  # 0 = no limit
    count: str = "total"  # total | longest
    min_passage_chars: int = 50  # shorter shared runs are not reuse
    include_title: bool = False
    full_reprint_ratio: float = 0.8
    max_ratio: float | None = None  # share of the article; with max_chars the stricter applies
    count_quotations: bool = True  # false: text quoted in the source does not count

    def limit_for(self, article_chars: int) -> int:
        """The limit in characters for an article of this length (0 = no limit)."""
        limits = [self.max_chars] if self.max_chars else []
        if self.max_ratio is not None:
            limits.append(max(1, math.floor(self.max_ratio * article_chars + 1e-9)))
        return min(limits) if limits else 0


@dataclass(frozen=True)
class LinkRule:
    required: bool = True
    active: bool = True
    followable: bool = False  # true: the link must be open for indexing
    target: str = "article"  # article | domain
    position: str = "anywhere"  # anywhere | first-paragraph | paragraph:N | before-excerpt
    direct: bool = False  # true: no redirector or shortener in between
    canonical_counts: bool = False  # true: <link rel=canonical> to the article is the link

    @property
    def paragraph(self) -> int | None:
        """N of ``position = "paragraph:N"``; 1 for "first-paragraph"; None otherwise."""
        if self.position == "first-paragraph":
            return 1
        if self.position.startswith("paragraph:"):
            return int(self.position.partition(":")[2])
        return None


@dataclass(frozen=True)
class Permission:
    domain: str
    max_chars: int = 0  # 0 = no limit
    note: str = ""
    until: dt.date | None = None  # last day it holds; None = no end

    def expired(self, today: dt.date) -> bool:
        return self.until is not None and today > self.until


@dataclass(frozen=True)
class ReprintRule:
    """A reprint licence (Creative Commons style): the whole story, on conditions."""

    allow_full: bool = False  # true: no length limit and no FULL_REPRINT
    unedited: bool = False  # true: changing the publisher's words is REPRINT_EDITED
    credit: str | None = None  # regular expression the page's text must match (CREDIT_MISSING)


@dataclass(frozen=True)
class ArchiveRule:
    """Where the publisher's story sits in its own pages, for ``index add`` (exact hints).

    Left empty, the story is found from the page's structure; a site whose layout
    defeats that can say it here.
    """

    body: str | None = None  # CSS selector of the story's container(s)
    exclude: tuple[str, ...] = ()  # CSS selectors of parts that are never the story

    @property
    def hints(self) -> ArchiveHints | None:
        if self.body is None and not self.exclude:
            return None
        return ArchiveHints(body=self.body, exclude=self.exclude)


@dataclass(frozen=True)
class Policy:
    name: str
    publisher: str = ""
    domains: tuple[str, ...] = ()  # empty = every article
    terms_url: str | None = None
    excerpt: ExcerptRule = field(default_factory=ExcerptRule)
    link: LinkRule = field(default_factory=LinkRule)
    permissions: tuple[Permission, ...] = ()
    reprint: ReprintRule = field(default_factory=ReprintRule)
    archive: ArchiveRule = field(default_factory=ArchiveRule)
    path: str | None = None  # the file it was loaded from

    @classmethod
    def load(cls, name_or_path: str | Path | None = None) -> Policy:
        """Same as :func:`load_policy`; here so callers can write ``Policy.load("default")``."""
        return load_policy(name_or_path)

    def covers(self, url: str) -> bool:
        """Whether an article at ``url`` falls under this policy (subdomains included)."""
        if not self.domains:
            return True
        return _host_within(host_of(url), self.domains)

    def permission_for(self, target_url: str | None) -> Permission | None:
        """The written permission the target's site holds, if any (subdomains included).

        Files and standard input have no host, so they never hold one.
        """
        if not target_url:
            return None
        host = host_of(target_url)
        if not host:
            return None
        for permission in self.permissions:
            if _host_within(host, (permission.domain,)):
                return permission
        return None

    def summary(self) -> PolicySummary:
        max_chars = 0 if self.reprint.allow_full else self.excerpt.max_chars
        return PolicySummary(name=self.name, max_chars=max_chars, count=self.excerpt.count)


@dataclass(frozen=True)
class PolicySet:
    """Several publishers' policies for one index: each article is judged by the one covering it.

    Built by :func:`load_policies`, which refuses sets where two policies
    claim the same host (the verdict would depend on file order).
    """

    policies: tuple[Policy, ...]

    def policy_for(self, article_url: str) -> Policy | None:
        """The policy whose domains cover the article most narrowly; a catch-all comes last."""
        host = host_of(article_url)
        best: tuple[int, Policy] | None = None
        for policy in self.policies:
            if not policy.domains:
                rank = 0
            else:
                matching = [d for d in policy.domains if _host_within(host, (d,))]
                if not matching:
                    continue
                rank = 1 + max(len(d) for d in matching)
            if best is None or rank > best[0]:
                best = (rank, policy)
        return None if best is None else best[1]

    def covers(self, url: str) -> bool:
        return self.policy_for(url) is not None

    def summary(self) -> PolicySummary:
        """One line for the report's header; each source still carries its own limit."""
        if len(self.policies) == 1:
            return self.policies[0].summary()
        summaries = [p.summary() for p in self.policies]
        limits = {s.max_chars for s in summaries}
        counts = {s.count for s in summaries}
        return PolicySummary(
            name=" + ".join(s.name for s in summaries),
            max_chars=limits.pop() if len(limits) == 1 else 0,
            count=counts.pop() if len(counts) == 1 else "mixed",
        )


Policies = Policy | PolicySet


def policy_for(
    article_url: str, policies: Policies, override: Policy | None = None
) -> Policy | None:
    """The policy an article is judged by, or None when no policy covers it (it is skipped).

    ``override`` (``--policy``) judges every article it covers, whatever the set says.
    """
    if override is not None:
        return override if override.covers(article_url) else None
    if isinstance(policies, Policy):
        return policies if policies.covers(article_url) else None
    return policies.policy_for(article_url)


def archive_hints(policies: Policies) -> SiteHints:
    """Each covered host's ``[archive]`` hints; a catch-all policy's for every other host."""
    listed = policies.policies if isinstance(policies, PolicySet) else (policies,)
    hosts: list[tuple[str, ArchiveHints]] = []
    default = None
    for policy in listed:
        hints = policy.archive.hints
        if hints is None:
            continue
        if not policy.domains:
            default = hints
        hosts.extend((domain, hints) for domain in policy.domains)
    return SiteHints(hosts=tuple(hosts), default=default)


def min_passage_chars(policies: Policies) -> int:
    """The shortest run any policy counts: alignment runs once for every publisher."""
    if isinstance(policies, Policy):
        return policies.excerpt.min_passage_chars
    return min((p.excerpt.min_passage_chars for p in policies.policies), default=50)


def _host_within(host: str, domains: tuple[str, ...]) -> bool:
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


# --- the schema --------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """One accepted key: what it must look like and how it becomes a field value."""

    expected: str  # finishes "expected …" in the error line
    accepts: Callable[[Any], bool]
    convert: Callable[[Any], Any] = lambda value: value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # TOML true is not 1


def _whole(minimum: int, note: str = "") -> _Key:
    return _Key(f"a whole number >= {minimum}{note}", lambda v: _is_int(v) and v >= minimum)


def _choice(*options: str) -> _Key:
    listed = ", ".join(f'"{o}"' for o in options)
    return _Key(f"one of {listed}", lambda v: isinstance(v, str) and v in options)


def _boolean() -> _Key:
    return _Key("true or false", lambda v: isinstance(v, bool))


def _text(*, non_empty: bool = False) -> _Key:
    if non_empty:
        return _Key("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))
    return _Key("a string", lambda v: isinstance(v, str))


def _share() -> _Key:
    return _Key(
        "a number greater than 0 and at most 1",
        lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and 0 < v <= 1,
        float,
    )


_HOST_RE = re.compile(r"^[^\s/?#@:\\]+\.[^\s/?#@:\\]+$")


def _is_host(value: Any) -> bool:
    return isinstance(value, str) and bool(_HOST_RE.match(value.strip())) and bool(host_of(value))


_PARAGRAPH_POSITION = re.compile(r"^paragraph:([1-9][0-9]{0,3})$")


def _position() -> _Key:
    fixed = ("anywhere", "first-paragraph", "before-excerpt")
    return _Key(
        'one of "anywhere", "first-paragraph", "paragraph:N" (N = 1, 2, …), "before-excerpt"',
        lambda v: isinstance(v, str) and (v in fixed or bool(_PARAGRAPH_POSITION.match(v))),
    )


def _compiles(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _regex() -> _Key:
    return _Key('a regular expression like "Originally published by .*"', _compiles)


def _is_selector(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        compile_selector(value)
    except SelectorError:
        return False
    return True


def _selector() -> _Key:
    return _Key('a CSS selector like "div.article-body"', _is_selector, str.strip)


def _selectors() -> _Key:
    return _Key(
        'a list of CSS selectors like [".newsletter", "aside.related"]',
        lambda v: isinstance(v, list) and all(_is_selector(item) for item in v),
        lambda v: tuple(item.strip() for item in v),
    )


def _date() -> _Key:
    return _Key(
        "a date like 2027-06-30 (TOML date, no quotes)",
        lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
    )


def _host() -> _Key:
    return _Key('a host name like "partner.example"', _is_host, host_of)


def _hosts() -> _Key:
    return _Key(
        'a list of host names like ["example.com"]',
        lambda v: isinstance(v, list) and all(_is_host(item) for item in v),
        lambda v: tuple(dict.fromkeys(host_of(item) for item in v)),
    )


def _web_url() -> _Key:
    return _Key(
        'an http(s) URL like "https://example.com/terms"',
        lambda v: (
            isinstance(v, str)
            and v.strip().lower().startswith(("http://", "https://"))
            and bool(host_of(v))
        ),
        str.strip,
    )


_POLICY_KEYS: dict[str, _Key] = {
    "name": _text(non_empty=True),
    "publisher": _text(),
    "domains": _hosts(),
    "terms_url": _web_url(),
}

# Single tables besides [policy]: TOML table name == Policy attribute name.
_TABLES: dict[str, tuple[type, dict[str, _Key]]] = {
    "excerpt": (
        ExcerptRule,
        {
            "max_chars": _whole(0),
            "count": _choice("total", "longest"),
            "min_passage_chars": _whole(1),
            "include_title": _boolean(),
            "full_reprint_ratio": _share(),
            "max_ratio": _share(),
            "count_quotations": _boolean(),
        },
    ),
    "link": (
        LinkRule,
        {
            "required": _boolean(),
            "active": _boolean(),
            "followable": _boolean(),
            "target": _choice("article", "domain"),
            "position": _position(),
            "direct": _boolean(),
            "canonical_counts": _boolean(),
        },
    ),
    "reprint": (
        ReprintRule,
        {
            "allow_full": _boolean(),
            "unedited": _boolean(),
            "credit": _regex(),
        },
    ),
    "archive": (
        ArchiveRule,
        {
            "body": _selector(),
            "exclude": _selectors(),
        },
    ),
}

_PERMISSION_KEYS: dict[str, _Key] = {
    "domain": _host(),
    "max_chars": _whole(0, " (0 = no limit)"),
    "note": _text(),
    "until": _date(),
}
_PERMISSION_REQUIRED = ("domain",)

_ALL_TABLES = ("policy", *_TABLES, "permissions")


# --- parsing -----------------------------------------------------------------------


def parse_policy(text: str, path: str) -> Policy:
    """Validate the TOML ``text`` of a policy file; ``path`` names it in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: expected valid TOML: {exc}") from None

    for table in data:
        if table not in _ALL_TABLES:
            raise PolicyError(f"{path}: {table}: {_unknown('table', table, _ALL_TABLES)}")

    values: dict[str, Any] = _fields(_table(data, "policy", path), _POLICY_KEYS, "policy", path)
    if "name" not in values:
        raise PolicyError(
            f"{path}: policy.name: expected {_POLICY_KEYS['name'].expected}, got nothing"
        )
    for name, (cls, keys) in _TABLES.items():
        values[name] = cls(**_fields(_table(data, name, path), keys, name, path))
    values["permissions"] = _permissions(data.get("permissions", []), path)
    _check_together(data, path)
    return Policy(**values, path=path)


def _check_together(data: Mapping[str, Any], path: str) -> None:
    """Keys that are each valid but contradict one another."""
    if data.get("reprint", {}).get("allow_full") is True:
        excerpt = data.get("excerpt", {})
        for key in ("max_chars", "max_ratio"):
            value = excerpt.get(key)
            if value:  # max_chars = 0 says the same thing as allow_full
                raise PolicyError(
                    f"{path}: reprint.allow_full: expected false when excerpt.{key} limits "
                    f"copies (got excerpt.{key} = {_show(value)}); a reprint licence allows "
                    "the whole article, so drop the limit or allow_full"
                )


def _table(data: Mapping[str, Any], name: str, path: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise PolicyError(f"{path}: {name}: expected a table [{name}], got {_show(table)}")
    return table


def _fields(
    table: Mapping[str, Any], keys: Mapping[str, _Key], prefix: str, path: str
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        spec = keys.get(key)
        if spec is None:
            raise PolicyError(f"{path}: {dotted}: {_unknown('key', key, tuple(keys))}")
        if not spec.accepts(value):
            raise PolicyError(f"{path}: {dotted}: expected {spec.expected}, got {_show(value)}")
        values[key] = spec.convert(value)
    return values


def _permissions(entries: Any, path: str) -> tuple[Permission, ...]:
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PolicyError(
            f"{path}: permissions: expected an array of tables [[permissions]], "
            f"got {_show(entries)}"
        )
    permissions = []
    for number, entry in enumerate(entries, start=1):
        prefix = f"permissions[{number}]"  # 1-based: "the first [[permissions]]" is [1]
        values = _fields(entry, _PERMISSION_KEYS, prefix, path)
        for key in _PERMISSION_REQUIRED:
            if key not in values:
                spec = _PERMISSION_KEYS[key]
                raise PolicyError(f"{path}: {prefix}.{key}: expected {spec.expected}, got nothing")
        permissions.append(Permission(**values))
    return tuple(permissions)


def _unknown(kind: str, name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return f"unknown {kind}{hint}; expected one of {', '.join(known)}"


def _show(value: Any) -> str:
    """A value as it would be written in TOML, short enough for one line."""
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, int | float):
        shown = repr(value)
    elif isinstance(value, list):
        shown = "[" + ", ".join(_show(item) for item in value) + "]"
    elif isinstance(value, dict):
        shown = "a table"
    else:  # dates and times
        shown = str(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


# --- finding policy files ------------------------------------------------------------


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """A policy by file path or by name (``None`` is ``"default"``).

    A name resolves to ``rules/NAME.toml`` in the current directory when it
    exists (an editor's own copy wins), else to the copy shipped with the
    package.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_POLICY
    given = str(name_or_path)
    candidate = Path(given)
    if candidate.is_file():
        return _read(candidate, given)
    if isinstance(name_or_path, Path) or _looks_like_path(given):
        raise PolicyError(f"{given}: no such policy file")
    local = Path("rules") / f"{given}.toml"
    if local.is_file():
        return _read(local, str(local))
    shipped = _shipped_dir().joinpath(f"{given}.toml")
    if shipped.is_file():
        return _read(shipped, str(shipped))
    available = ", ".join(_available_names()) or "none"
    raise PolicyError(
        f'unknown policy "{given}"; available: {available} (or give the path of a .toml file)'
    )


def list_policies() -> list[Policy]:
    """The policies shipped with reprint-check, by name."""
    root = _shipped_dir()
    found = [
        _read(entry, str(entry))
        for entry in root.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    ]
    return sorted(found, key=lambda policy: policy.name)


def load_policies(specs: Iterable[str | Path]) -> PolicySet:
    """Several policies for one run: names, files, or folders of ``*.toml`` files.

    Refused, naming both files, when two policies share a name or a host, or
    when more than one covers every article: the verdict must not depend on
    the order the files were given in.
    """
    loaded: list[Policy] = []
    for spec in specs:
        folder = Path(spec)
        if folder.is_dir():
            files = sorted(folder.glob("*.toml"))
            if not files:
                raise PolicyError(f"{spec}: no policy files (*.toml) in this folder")
            loaded.extend(_read(f, str(f)) for f in files)
        else:
            loaded.append(load_policy(spec))
    if not loaded:
        raise PolicyError("no policy given")
    _check_disjoint(loaded)
    return PolicySet(tuple(loaded))


def _check_disjoint(policies: Sequence[Policy]) -> None:
    names: dict[str, Policy] = {}
    hosts: dict[str, Policy] = {}
    catch_all: Policy | None = None
    for policy in policies:
        where = policy.path or policy.name
        if policy.name in names:
            other = names[policy.name]
            raise PolicyError(
                f"{where}: policy.name: expected a name no other policy uses; "
                f'"{policy.name}" is also the name in {other.path or other.name}'
            )
        names[policy.name] = policy
        if not policy.domains:
            if catch_all is not None:
                raise PolicyError(
                    f"{where}: policy.domains: expected the hosts this policy covers; "
                    f"{catch_all.path or catch_all.name} already covers every article"
                )
            catch_all = policy
        for host in policy.domains:
            if host in hosts:
                other = hosts[host]
                raise PolicyError(
                    f"{where}: policy.domains: expected hosts no other policy covers; "
                    f"{host} is also covered by {other.name} ({other.path or other.name})"
                )
            hosts[host] = policy


def _looks_like_path(text: str) -> bool:
    return text.endswith(".toml") or "/" in text or "\\" in text


def _shipped_dir() -> Traversable:
    """The data package of shipped rules; the repository's rules/ in a plain checkout."""
    try:
        return resources.files("reprint_check.rules")
    except ModuleNotFoundError:  # running from a source tree that was never installed
        return Path(__file__).resolve().parent.parent / "rules"


def _available_names() -> list[str]:
    names = set()
    local = Path("rules")
    if local.is_dir():
        names.update(p.stem for p in local.glob("*.toml"))
    root = _shipped_dir()
    if root.is_dir():
        names.update(e.name[: -len(".toml")] for e in root.iterdir() if e.name.endswith(".toml"))
    return sorted(names)


def _read(source: Path | Traversable, label: str) -> Policy:
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{label}: cannot read the policy file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"{label}: expected UTF-8 text, got an undecodable byte at offset {exc.start}"
        ) from None
    return parse_policy(text, label)


# --- in plain words ----------------------------------------------------------------


def explain(policy: Policy) -> list[str]:
    """Each rule of the policy as a sentence an editor can check against the publisher's terms."""
    lines: list[str] = []
    if policy.domains:
        who = policy.publisher or policy.name
        hosts = _join(policy.domains)
        lines.append(f"Covers articles of {who} on {hosts} (subdomains included).")
    else:
        lines.append("Covers every indexed article, whichever site it comes from.")
    if policy.terms_url:
        lines.append(
            f"The publisher states the rule at {policy.terms_url}."
            if policy.publisher
            else f"The terms this rule follows are at {policy.terms_url}."
        )
    lines.extend(_explain_excerpt(policy.excerpt, policy.reprint))
    lines.extend(_explain_link(policy.link))
    lines.extend(_explain_reprint(policy.reprint))
    lines.extend(_explain_archive(policy.archive))
    for permission in policy.permissions:
        limit = (
            "no limit"
            if permission.max_chars == 0
            else f"up to {permission.max_chars:,} characters"
        )
        note = f" ({permission.note})" if permission.note else ""
        until = (
            f", until {permission.until.isoformat()} (after that the normal rules apply "
            "and the report says the permission expired)"
            if permission.until
            else ""
        )
        lines.append(
            f"{permission.domain} has written permission to republish: {limit}{note}{until}."
        )
    return lines


def summary_line(policy: Policy) -> str:
    """The policy in a few words, for ``policy list``."""
    excerpt = policy.excerpt
    if policy.reprint.allow_full:
        size = "full reprint allowed"
    else:
        parts = [f"{excerpt.max_chars:,} chars"] if excerpt.max_chars else []
        if excerpt.max_ratio is not None:
            parts.append(f"{excerpt.max_ratio:.0%} of the article")
        size = " or ".join(parts) or "no limit"
    link = policy.link
    if not link.required:
        linked = "no link needed"
    else:
        linked = "link to the " + ("article" if link.target == "article" else "site")
        extras = [
            word
            for word, on in (
                ("direct", link.direct),
                ("indexable", link.followable),
                (link.position, link.position != "anywhere"),
            )
            if on
        ]
        if extras:
            linked += f" ({', '.join(extras)})"
    conditions = [
        word
        for word, on in (
            ("unedited", policy.reprint.unedited),
            ("credited", policy.reprint.credit is not None),
        )
        if on
    ]
    return "; ".join([size, linked, *conditions])


def _explain_excerpt(excerpt: ExcerptRule, reprint: ReprintRule) -> list[str]:
    counted = (
        "all passages from one article added together"
        if excerpt.count == "total"
        else "only the longest passage from one article"
    )
    lines: list[str] = []
    if reprint.allow_full:
        lines.append(
            "The whole article may be republished (a reprint licence): there is no length "
            "limit and a full copy is not a violation."
        )
    elif excerpt.max_chars and excerpt.max_ratio is not None:
        lines.append(
            f"An excerpt may reuse at most {excerpt.max_chars:,} characters or "
            f"{excerpt.max_ratio:.0%} of the article's characters, whichever is less, "
            f"counting {counted}."
        )
    elif excerpt.max_ratio is not None:
        lines.append(
            f"An excerpt may reuse at most {excerpt.max_ratio:.0%} of the article's "
            f"characters, counting {counted}."
        )
    elif excerpt.max_chars:
        lines.append(
            f"An excerpt may reuse at most {excerpt.max_chars:,} characters of an article, "
            f"counting {counted}."
        )
    else:
        lines.append("There is no limit on how much of an article may be reused.")
    lines.append(
        f"Shared runs shorter than {excerpt.min_passage_chars:,} characters are not counted "
        "as reuse."
    )
    if excerpt.limit_for(1_000_000) and not reprint.allow_full:
        lines.append(
            "The headline counts towards the limit."
            if excerpt.include_title
            else "The headline does not count towards the limit."
        )
    if not excerpt.count_quotations:
        lines.append(
            "Passages that the article itself quotes (someone's words inside quotation marks) "
            "do not count towards the limit; the report still lists them."
        )
    if not reprint.allow_full:
        lines.append(
            f"Reusing {excerpt.full_reprint_ratio:.0%} or more of an article is a full reprint."
        )
    return lines


def _explain_link(link: LinkRule) -> list[str]:
    if not link.required:
        return ["No link back to the article is required."]
    what = (
        "an active, visible hyperlink (a bare URL in the text does not count)"
        if link.active
        else "a link or a written reference (a plain URL in the text is enough)"
    )
    to = (
        "to the article itself; a link to the publisher's home page does not count"
        if link.target == "article"
        else "to the publisher's site (any page on it)"
    )
    lines = [f"Any reuse needs {what} {to}."]
    if link.position == "anywhere":
        lines.append("The link may stand anywhere on the page.")
    elif link.position == "before-excerpt":
        lines.append(
            "The link must stand no later than the end of the paragraph where the excerpt begins."
        )
    elif link.position == "first-paragraph":
        lines.append(
            "The link must stand no later than the end of the first paragraph of the page's text."
        )
    else:
        lines.append(
            f"The link must stand no later than the end of paragraph {link.paragraph} of the "
            "page's text (headings and short lines such as bylines are not counted)."
        )
    lines.append(
        "The link must be open for indexing: rel=nofollow, ugc or sponsored, a robots meta "
        "tag (generic or for one crawler) or an X-Robots-Tag header saying nofollow or none, "
        "or a <noindex> wrapper around the link, breaks the rule."
        if link.followable
        else "A nofollow link is accepted."
    )
    lines.append(
        "The link must go straight to the article: a link through a redirector "
        "(/go?url=…, /away.php?to=…) or a URL shortener breaks the rule."
        if link.direct
        else "A link through a redirector or URL shortener that leads to the article is accepted."
    )
    if link.canonical_counts:
        lines.append(
            "A <link rel=canonical> from the page to the article (as search engines recommend "
            "for syndicated copies) counts as the link."
        )
    return lines


def _explain_reprint(reprint: ReprintRule) -> list[str]:
    lines = []
    if reprint.unedited:
        lines.append(
            "The copy must keep the publisher's words: changing, adding or leaving out words "
            "inside the copied text is an edit (white space, letter case, quote marks and "
            "dashes aside)."
        )
    if reprint.credit is not None:
        lines.append(
            f'The page must carry a credit line matching the pattern "{reprint.credit}" '
            "(letter case and line breaks ignored)."
        )
    return lines


def _explain_archive(archive: ArchiveRule) -> list[str]:
    lines = []
    if archive.body:
        lines.append(
            f'When its pages are indexed, the story is the text inside "{archive.body}" '
            "(less the headline); a page where that matches nothing is read as usual."
        )
    if archive.exclude:
        listed = ", ".join(f'"{s}"' for s in archive.exclude)
        lines.append(f"When its pages are indexed, {listed} are never part of the story.")
    return lines


def _join(items: tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
