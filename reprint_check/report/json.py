"""The ``reprint-check/report/v1`` JSON report, and reading it back.

This is the machine contract (CI scripts, ``reprint-check report RESULT.json``,
our own evaluation), so the bytes are fixed: keys in the order design.md
shows them, similarity rounded to 4 decimals, two-space indent, non-ASCII
kept as is, one trailing newline. The same ``Report`` always gives the same
text.

``load`` is strict about what v1 promises (every key present with its type)
and lenient about keys it does not know, so a later v1 writer that adds a
key does not break an older reader.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

from reprint_check.errors import InputError
from reprint_check.models import (
    DecidingRule,
    Evidence,
    LinkEvidence,
    Passage,
    PolicySummary,
    Report,
    SourceFinding,
    TargetResult,
    Violation,
)

SCHEMA = "reprint-check/report/v1"
STATUSES = ("compliant", "violation", "error")
RULE_KINDS = ("permission", "licence")  # what set a source's limit, besides the excerpt rule
SIMILARITY_DECIMALS = 4  # enough to tell 0.97 from 0.9701, few enough to stay stable across runs

# --- writing -------------------------------------------------------------------


def render(report: Report, *, include_text: bool = False, color: bool | None = None) -> str:
    """The report as v1 JSON text; ``color`` is accepted for a uniform renderer signature."""
    del color  # JSON has no colour; the parameter exists so every renderer is called alike
    document = to_dict(report, include_text=include_text)
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def to_dict(report: Report, *, include_text: bool = False) -> dict[str, Any]:
    """The report as plain JSON values, keys in schema order (dicts keep insertion order)."""
    return {
        "schema": SCHEMA,
        "policy": {
            "name": report.policy.name,
            "max_chars": report.policy.max_chars,
            "count": report.policy.count,
        },
        "targets": [_target(t, include_text) for t in report.targets],
    }


def _target(target: TargetResult, include_text: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target": target.target,
        "title": target.title,
        "status": target.status,
        "error": target.error,
        "sources": [_source(s) for s in target.sources],
    }
    if target.evidence is not None:
        # Only with --evidence, so reports without it keep their v1 bytes exactly.
        out["evidence"] = _evidence(target.evidence)
    if include_text:
        # Last, so the v1 keys keep their places whether or not the text is asked for.
        out["text"] = target.text
    return out


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "url": evidence.url,
        "captured_at": evidence.captured_at,
        "warc_file": evidence.warc_file,
        "record_id": evidence.record_id,
        "sha256": evidence.sha256,
    }


def _source(source: SourceFinding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "url": source.url,
        "title": source.title,
        "reused_chars": source.reused_chars,
        "limit": source.limit,
        "article_chars": source.article_chars,
        "passages": [_passage(p) for p in source.passages],
        "link": _link(source.link),
        "violations": [{"code": v.code, "message": v.message} for v in source.violations],
    }
    if source.rule is not None:
        # Only when a permission or licence set the limit, so other reports keep their v1 bytes.
        out["rule"] = _rule(source.rule)
    if source.rewritten_chars is not None:
        # Only when the semantic stage found a translation or a rewrite (--semantic).
        out["rewritten_chars"] = source.rewritten_chars
    if source.notes:
        # Only when there is something to say, so plain reports keep their v1 bytes.
        out["notes"] = list(source.notes)
    return out


def _rule(rule: DecidingRule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "policy": rule.policy,
        "domain": rule.domain,
        "max_chars": rule.max_chars,
        "until": rule.until,
        "note": rule.note,
    }


def _passage(passage: Passage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target_start": passage.target_start,
        "target_end": passage.target_end,
        "source_start": passage.source_start,
        "source_end": passage.source_end,
        "chars": passage.chars,
        "similarity": round(float(passage.similarity), SIMILARITY_DECIMALS),
        "text": passage.text,
    }
    if passage.quotation:
        out["quotation"] = True  # a quotation in the source, left out of the count
    if passage.match is not None:
        # Only for the semantic stage's passages, so other reports keep their v1 bytes.
        out["match"] = passage.match  # "translation" | "rewrite"
        out["lang"] = passage.lang  # the page's language, ISO 639-1
    if passage.verbatim:
        # Only on a semantic passage that keeps sentences word for word (semantic/checks.py).
        out["verbatim"] = [_passage(p) for p in passage.verbatim]
    if passage.hidden is not None:
        # Only on a passage found in text the page keeps out of sight: other reports keep
        # their v1 bytes.
        out["hidden"] = True
        out["where"] = passage.hidden  # "read-more", "tab-panel", "json-ld", …
    return out


def _link(link: LinkEvidence) -> dict[str, Any]:
    return {
        "found": link.found,
        "href": link.href,
        "active": link.active,
        "followable": link.followable,
        "paragraph": link.paragraph,
        "problems": list(link.problems),
    }


# --- reading -------------------------------------------------------------------

T = TypeVar("T")


class _Reader:
    """Walks a decoded v1 document; every complaint names the file and the JSON path."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, path: str, problem: str) -> InputError:
        return InputError(f"{self.name}: {path}: {problem}")

    def obj(self, value: object, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_kind(value)}")
        return value

    def key(self, obj: dict[str, Any], key: str, path: str) -> Any:
        if key not in obj:
            raise self.fail(path, f"missing key {key!r}")
        return obj[key]

    def string(self, obj: dict[str, Any], key: str, path: str) -> str:
        value = self.key(obj, key, path)
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected a string, got {_kind(value)}")
        return value

    def opt_string(self, obj: dict[str, Any], key: str, path: str) -> str | None:
        value = self.key(obj, key, path)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected a string or null, got {_kind(value)}")
        return value

    def integer(self, obj: dict[str, Any], key: str, path: str) -> int:
        value = self.key(obj, key, path)
        # bool is an int in Python but not in the schema.
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{path}.{key}", f"expected an integer, got {_kind(value)}")
        return value

    def opt_integer(self, obj: dict[str, Any], key: str, path: str) -> int | None:
        if self.key(obj, key, path) is None:
            return None
        return self.integer(obj, key, path)

    def number(self, obj: dict[str, Any], key: str, path: str) -> float:
        value = self.key(obj, key, path)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value):
            raise self.fail(f"{path}.{key}", f"expected a number, got {_kind(value)}")
        return float(value)

    def boolean(self, obj: dict[str, Any], key: str, path: str) -> bool:
        value = self.key(obj, key, path)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", f"expected true or false, got {_kind(value)}")
        return value

    def items(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        read: Callable[[Any, str], T],
    ) -> tuple[T, ...]:
        value = self.key(obj, key, path)
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", f"expected a list, got {_kind(value)}")
        return tuple(read(item, f"{path}.{key}[{i}]") for i, item in enumerate(value))

    # -- the v1 shapes --

    def report(self, value: object) -> Report:
        doc = self.obj(value, "$")
        if "schema" not in doc:
            raise self.fail("$", f"missing key 'schema' (expected {SCHEMA!r})")
        if doc["schema"] != SCHEMA:
            found = _kind(doc["schema"])
            raise self.fail("$.schema", f"unsupported schema {found}, expected {SCHEMA!r}")
        policy = self.obj(self.key(doc, "policy", "$"), "$.policy")
        summary = PolicySummary(
            name=self.string(policy, "name", "$.policy"),
            max_chars=self.integer(policy, "max_chars", "$.policy"),
            count=self.string(policy, "count", "$.policy"),
        )
        return Report(policy=summary, targets=self.items(doc, "targets", "$", self.target))

    def target(self, value: object, path: str) -> TargetResult:
        obj = self.obj(value, path)
        status = self.string(obj, "status", path)
        if status not in STATUSES:
            expected = " | ".join(STATUSES)
            raise self.fail(f"{path}.status", f"expected {expected}, got {status!r}")
        text = self.opt_string(obj, "text", path) if "text" in obj else None
        evidence = None
        if obj.get("evidence") is not None:
            evidence = self.evidence(obj["evidence"], f"{path}.evidence")
        return TargetResult(
            target=self.string(obj, "target", path),
            status=status,
            title=self.string(obj, "title", path),
            error=self.opt_string(obj, "error", path),
            sources=self.items(obj, "sources", path, self.source),
            text=text,
            evidence=evidence,
        )

    def evidence(self, value: object, path: str) -> Evidence:
        obj = self.obj(value, path)
        return Evidence(
            url=self.string(obj, "url", path),
            captured_at=self.string(obj, "captured_at", path),
            warc_file=self.string(obj, "warc_file", path),
            record_id=self.string(obj, "record_id", path),
            sha256=self.string(obj, "sha256", path),
        )

    def source(self, value: object, path: str) -> SourceFinding:
        obj = self.obj(value, path)
        return SourceFinding(
            url=self.string(obj, "url", path),
            title=self.string(obj, "title", path),
            reused_chars=self.integer(obj, "reused_chars", path),
            limit=self.integer(obj, "limit", path),
            article_chars=self.integer(obj, "article_chars", path),
            passages=self.items(obj, "passages", path, self.passage),
            link=self.link(self.key(obj, "link", path), f"{path}.link"),
            violations=self.items(obj, "violations", path, self.violation),
            notes=tuple(self.string_list(obj, "notes", path)),
            rule=self.rule(obj["rule"], f"{path}.rule") if "rule" in obj else None,
            rewritten_chars=(
                self.integer(obj, "rewritten_chars", path) if "rewritten_chars" in obj else None
            ),
        )

    def rule(self, value: object, path: str) -> DecidingRule:
        obj = self.obj(value, path)
        kind = self.string(obj, "kind", path)
        if kind not in RULE_KINDS:
            expected = " | ".join(RULE_KINDS)
            raise self.fail(f"{path}.kind", f"expected {expected}, got {kind!r}")
        return DecidingRule(
            kind=kind,
            policy=self.string(obj, "policy", path),
            domain=self.opt_string(obj, "domain", path),
            max_chars=self.integer(obj, "max_chars", path),
            until=self.opt_string(obj, "until", path),
            note=self.string(obj, "note", path),
        )

    def passage(self, value: object, path: str) -> Passage:
        obj = self.obj(value, path)
        return Passage(
            target_start=self.integer(obj, "target_start", path),
            target_end=self.integer(obj, "target_end", path),
            source_start=self.integer(obj, "source_start", path),
            source_end=self.integer(obj, "source_end", path),
            chars=self.integer(obj, "chars", path),
            similarity=self.number(obj, "similarity", path),
            text=self.string(obj, "text", path),
            quotation=obj.get("quotation") is True,
            match=self.opt_string(obj, "match", path) if "match" in obj else None,
            lang=self.opt_string(obj, "lang", path) if "lang" in obj else None,
            hidden=self._hidden(obj, path),
            verbatim=self.items(obj, "verbatim", path, self.passage) if "verbatim" in obj else (),
        )

    def _hidden(self, obj: dict[str, Any], path: str) -> str | None:
        """Where a passage out of sight stood: ``where``, read only beside ``"hidden": true``."""
        if obj.get("hidden") is not True:
            if "hidden" in obj:
                raise self.fail(f"{path}.hidden", "expected true (or no such key)")
            return None
        return self.string(obj, "where", path)

    def string_list(self, obj: dict[str, Any], key: str, path: str) -> list[str]:
        """An optional list of strings (absent means empty)."""
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{path}.{key}", "expected a list of strings")
        return value

    def link(self, value: object, path: str) -> LinkEvidence:
        obj = self.obj(value, path)
        return LinkEvidence(
            found=self.boolean(obj, "found", path),
            href=self.opt_string(obj, "href", path),
            active=self.boolean(obj, "active", path),
            followable=self.boolean(obj, "followable", path),
            paragraph=self.opt_integer(obj, "paragraph", path),
            problems=self.items(obj, "problems", path, self.problem),
        )

    def problem(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {_kind(value)}")
        return value

    def violation(self, value: object, path: str) -> Violation:
        obj = self.obj(value, path)
        return Violation(
            code=self.string(obj, "code", path), message=self.string(obj, "message", path)
        )


def load(data: str | dict[str, Any], *, name: str = "report") -> Report:
    """Read a v1 JSON report (text or already decoded) back into a ``Report``.

    ``name`` is what error messages call the input, typically the file path,
    so ``reprint-check report a.json b.json`` can say which file is bad.
    """
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name}: not a JSON document ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from None
    return _Reader(name).report(data)


def _kind(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
