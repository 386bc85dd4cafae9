"""Republication policies: the ``rules/*.toml`` format, validated.

(Skeleton: the dataclasses are the contract the rest of the package codes
against; loading and validation are being written.)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExcerptRule:
    max_chars: int = 500  # 0 = no limit
    count: str = "total"  # total | longest
    min_passage_chars: int = 50  # shorter shared runs are not reuse
    include_title: bool = False
    full_reprint_ratio: float = 0.8


@dataclass(frozen=True)
class LinkRule:
    required: bool = True
    active: bool = True
    followable: bool = False
    target: str = "article"  # article | domain
    position: str = "anywhere"  # anywhere | first-paragraph | before-excerpt


@dataclass(frozen=True)
class Permission:
    domain: str
    max_chars: int = 0  # 0 = no limit
    note: str = ""


@dataclass(frozen=True)
class Policy:
    name: str
    publisher: str = ""
    domains: tuple[str, ...] = ()  # empty = every article
    terms_url: str | None = None
    excerpt: ExcerptRule = field(default_factory=ExcerptRule)
    link: LinkRule = field(default_factory=LinkRule)
    permissions: tuple[Permission, ...] = ()
    path: str | None = None  # the file it was loaded from
