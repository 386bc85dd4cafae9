"""Republication policies: the ``rules/*.toml`` format, validated.

A policy decides verdicts that publishers act on, so a malformed file is
refused with one line naming the file, the dotted key and what was expected;
a bad value never quietly turns into a default. Missing optional keys do take
the dataclass defaults below.

The accepted keys live in one table (``_TABLES`` / ``_PERMISSION_KEYS``): a
new key is one :class:`_Key` line there plus a dataclass field.

One index may hold several publishers' articles; a :class:`PolicySet` judges
each article by the policy whose ``domains`` cover it (:func:`policy_for`).

Its length is the schema itself (one validator per kind of value, one line per key):
splitting the table from the parser would put a key's type and its reading apart.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from reprint_check.errors import PolicyError
from reprint_check.models import ArchiveHints, PolicySummary, SiteHints
from reprint_check.urls import host_of

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
    "RewriteRule",
    "archive_hints",
    "list_policies",
    "load_policies",
    "load_policy",
    "min_passage_chars",
    "parse_policy",
    "policy_for",
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
    """A reprint licence (Creative Commons style): the whole story, on conditions.

    The conditions bind only copies the licence judges: every copy when the
    policy sets no excerpt limit, the whole story when it does
    (:attr:`Policy.excerpt_or_reprint`).
    """

    allow_full: bool = False  # true: the whole story may be copied, no FULL_REPRINT
    unedited: bool = False  # true: changing the publisher's words is REPRINT_EDITED
    credit: str | None = None  # regular expression the page's text must match (CREDIT_MISSING)


@dataclass(frozen=True)
class RewriteRule:
    """Copies in other words, found with ``--semantic``: translations and rewrites."""

    # TRANSLATED_COPY / REWRITE_SUSPECTED above this many characters of the page;
    # None: the excerpt limit that applies to the article (permissions included); 0: no limit.
    max_chars: int | None = None


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
    rewrite: RewriteRule = field(default_factory=RewriteRule)
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

    @property
    def excerpt_or_reprint(self) -> bool:
        """A reprint licence beside an excerpt limit: "quote up to 500 characters, or
        republish the whole story unedited with credit".

        A copy within the limit is an excerpt and owes the licence nothing; the
        whole story is judged by the licence's conditions; a longer part of the
        story is neither, so it is an excerpt over the limit. A licence without
        a limit judges every copy.
        """
        limited = self.excerpt.max_chars > 0 or self.excerpt.max_ratio is not None
        return self.reprint.allow_full and limited

    def summary(self) -> PolicySummary:
        return PolicySummary(
            name=self.name, max_chars=self.excerpt.max_chars, count=self.excerpt.count
        )


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
        CSSSelector(value, translator="html")
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
    "rewrite": (
        RewriteRule,
        {
            "max_chars": _whole(0, " (0 = no limit)"),
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
    excerpt = data.get("excerpt", {})
    if values["reprint"].allow_full and "max_chars" not in excerpt and "max_ratio" not in excerpt:
        # The 500-character default is for excerpt policies; a licence that states
        # no limit covers every copy.
        values["excerpt"] = replace(values["excerpt"], max_chars=0)
    return Policy(**values, path=path)


def _check_together(data: Mapping[str, Any], path: str) -> None:
    """Keys that are each valid but contradict one another.

    ``allow_full`` beside ``max_chars`` or ``max_ratio`` is not one of them:
    it reads "an excerpt up to the limit, or the whole story under the
    licence" (:attr:`Policy.excerpt_or_reprint`).
    """
    reprint = data.get("reprint", {})
    allow_full = reprint.get("allow_full")
    if allow_full is True:
        return
    for key in ("unedited", "credit"):
        if key in reprint and reprint[key] is not False:
            got = "no reprint.allow_full" if allow_full is None else "reprint.allow_full = false"
            raise PolicyError(
                f"{path}: reprint.{key}: expected only beside reprint.allow_full = true, got "
                f"{got}; the [reprint] conditions bind copies under a reprint licence, and "
                "without one there is no copy they could judge"
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


def select_policies(names: Sequence[str], folder: str | None = None) -> Policies:
    """What ``--policy NAME|FILE ...`` and ``--policies DIR`` ask for.

    One policy judges every article; several (or a folder) judge each article
    by its domains; none is the default policy.
    """
    if len(names) == 1:
        return load_policy(names[0])
    if names or folder:
        return load_policies([*names, *([folder] if folder else [])])
    return load_policy(None)


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
        return Path(__file__).resolve().parents[2] / "rules"


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
