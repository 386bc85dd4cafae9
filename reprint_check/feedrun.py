"""Feed runs: each feed item made into a Page for the audit, and what a run keeps for the next.

``reprint-check feed`` reads feeds (web/feeds.py) and audits their items; an
item's page is its embedded body or its fetched page (``--fetch-items``), and
:class:`FeedState` remembers each item's result (as v1 target JSON) with the
validators that let the next run skip what did not change. It lives here, not
in web/, because it builds pages (page/) and stores report JSON (report/).

With a :class:`FeedState`, item pages are revalidated with ``If-None-Match`` /
``If-Modified-Since`` and embedded bodies compared by SHA-256, so a CI run
audits only new or changed items and reuses the stored result of the rest:
every open violation is still reported.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FetchError, InputError
from .models import Page, PolicySummary, Report, TargetResult
from .page.html import page_from_html, page_from_text
from .page.no_text import NO_TEXT, is_blank, why_no_text
from .report.json import SCHEMA as REPORT_SCHEMA
from .report.json import load as load_report
from .report.json import to_dict
from .web.feeds import FeedItem, one_line
from .web.fetch import Fetched, Fetcher

__all__ = ["FeedState", "ItemTarget", "item_page", "item_pages"]

STATE_SCHEMA = "reprint-check/feed-state/v1"


@dataclass(frozen=True)
class ItemTarget:
    """One feed item made ready for the audit.

    ``unchanged`` means the stored result for ``name`` still holds (the server
    answered 304, or the body hashes as before): ``page`` is then None and the
    caller reuses ``FeedState.result(name)``. ``error`` is one line; ``page``
    is then None too. ``etag`` / ``last_modified`` / ``content_sha256`` are
    what to store for the next run.
    """

    name: str
    page: Page | None
    unchanged: bool = False
    etag: str | None = None
    last_modified: str | None = None
    content_sha256: str | None = None
    error: str | None = None


# --- state for incremental CI runs -----------------------------------------------------------


@dataclass
class FeedState:
    """What the last run learnt about each item, so this run audits only what changed.

    A JSON file::

        {"schema": "reprint-check/feed-state/v1", "context": "…",
         "items": {"<item key>": {"etag": …, "last_modified": …,
                                  "content_sha256": …, "result": {<one v1 target>}}}}

    ``context`` identifies what the results were computed against (the
    caller's choice: e.g. a hash of the policy and the index's article
    count). A state loaded with a different context is empty: stored verdicts
    about another policy or another archive are not worth reusing.
    """

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    context: str | None = None

    @classmethod
    def load(cls, path: str | Path, *, context: str | None = None) -> FeedState:
        """The state in ``path``; a missing file is an empty state, a corrupt one InputError."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            return cls(context=context)
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            raise InputError(f"{path}: cannot read the feed state file: {reason}") from None
        problem = "not JSON"
        try:
            document = json.loads(raw.decode("utf-8"))
            problem = f"not a {STATE_SCHEMA} file"
            if not isinstance(document, dict) or document.get("schema") != STATE_SCHEMA:
                raise ValueError(problem)
            items = document.get("items")
            problem = '"items" is not an object of objects'
            if not isinstance(items, dict) or not all(
                isinstance(v, dict) and (v.get("result") is None or isinstance(v["result"], dict))
                for v in items.values()
            ):
                raise ValueError(problem)
        except (UnicodeDecodeError, ValueError):
            raise InputError(
                f"{path}: corrupt feed state file ({problem}); delete it to start afresh"
            ) from None
        stored_context = document.get("context")
        if context is not None and stored_context != context:
            return cls(context=context)
        return cls(items=items, context=context if context is not None else stored_context)

    def save(self, path: str | Path) -> None:
        """Write atomically (temporary file, then rename): a killed run never leaves half a file."""
        p = Path(path)
        document = {"schema": STATE_SCHEMA, "context": self.context, "items": self.items}
        text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        folder = p.parent if str(p.parent) else Path(".")
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, p)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        return self.items.get(key)

    def put(
        self,
        key: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_sha256: str | None = None,
        result: TargetResult | dict[str, Any] | None = None,
    ) -> None:
        """Remember one item; ``result`` is its TargetResult (stored as v1 target JSON)."""
        self.items[key] = {
            "etag": etag,
            "last_modified": last_modified,
            "content_sha256": content_sha256,
            "result": _target_dict(result) if isinstance(result, TargetResult) else result,
        }

    def record(self, target: ItemTarget, result: TargetResult) -> None:
        """Remember what :func:`item_page` saw and what the audit found (errors are not kept)."""
        if result.status == "error":
            self.items.pop(target.name, None)  # retry next run rather than trusting a failure
            return
        self.put(
            target.name,
            etag=target.etag,
            last_modified=target.last_modified,
            content_sha256=target.content_sha256,
            result=result,
        )

    def result(self, key: str) -> TargetResult | None:
        """The stored result of an item, for an ``unchanged`` ItemTarget."""
        entry = self.items.get(key)
        stored = entry.get("result") if entry else None
        if not isinstance(stored, dict):
            return None
        document = {
            "schema": REPORT_SCHEMA,
            "policy": {"name": "", "max_chars": 0, "count": "total"},
            "targets": [stored],
        }
        try:
            return load_report(document, name="feed state").targets[0]
        except InputError:
            return None  # a stored result this version cannot read is audited afresh


def _target_dict(result: TargetResult) -> dict[str, Any]:
    report = Report(PolicySummary("", 0, "total"), (result,))
    target: dict[str, Any] = to_dict(report, include_text=False)["targets"][0]
    return target


# --- items to pages ------------------------------------------------------------------------


FETCH_MODES = ("auto", "always", "never")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _embedded(item: FeedItem) -> tuple[str, bool] | None:
    """(body, is_html) the feed carries for an item: full content first, then summary."""
    if item.content_html:
        return item.content_html, True
    if item.content_text:
        return item.content_text, False
    if item.summary_html:
        return item.summary_html, True
    return None


def _embedded_page(item: FeedItem, name: str, body: str, is_html: bool) -> Page:
    if not is_html:
        return page_from_text(body, name)
    # The item title goes where a page keeps it (<title>, not the text), so the
    # audited text is the body alone, as on the fetched page's article.
    document = (
        f"<html><head><title>{html.escape(item.title)}</title></head><body>{body}</body></html>"
    )
    return page_from_html(document, name, base_url=item.url)


def _header(fetched: Fetched, name: str) -> str | None:
    return next((value for key, value in fetched.headers if key == name), None)


def _stored(state: FeedState | None, key: str) -> dict[str, Any] | None:
    """The state entry of an item, only when it holds a result worth reusing."""
    entry = state.get(key) if state is not None else None
    if entry is None or not isinstance(entry.get("result"), dict):
        return None
    if entry["result"].get("status") == "error":
        return None
    return entry


def item_page(
    item: FeedItem, fetcher: Fetcher | None, mode: str = "auto", state: FeedState | None = None
) -> ItemTarget:
    """The page to audit for one item, or why there is none; never raises for a bad item.

    ``mode``: ``auto`` audits the feed's own body when it is the full text
    (``item.full_text``) and fetches the item's page otherwise; ``always``
    fetches; ``never`` audits whatever body the feed carries, summary
    included. An item without a link falls back to its body in ``auto``.
    """
    if mode not in FETCH_MODES:
        raise InputError(f"--fetch-items: expected one of {', '.join(FETCH_MODES)}, got {mode!r}")
    name = item.key
    embedded = _embedded(item)
    use_embedded = mode == "never" or (
        mode == "auto" and embedded is not None and (item.full_text or not item.url)
    )
    entry = _stored(state, name)
    try:
        if use_embedded:
            if embedded is None:
                return ItemTarget(name, None, error=_carries_no_text(item, name))
            body, is_html = embedded
            digest = _sha256(body)
            if entry is not None and entry.get("content_sha256") == digest:
                return ItemTarget(name, None, unchanged=True, content_sha256=digest)
            page = _embedded_page(item, name, body, is_html)
            if is_blank(page.text):  # an image, an empty paragraph: nothing a reader sees
                return ItemTarget(name, None, error=_carries_no_text(item, name))
            return ItemTarget(name, page, content_sha256=digest)
        if not item.url:
            return ItemTarget(name, None, error=f"{name}: the item has no link to fetch")
        if fetcher is None:
            return ItemTarget(name, None, error=f"{name}: item pages need a fetcher")
        return _fetched_page(item.url, fetcher, entry)
    except (FetchError, InputError) as exc:
        return ItemTarget(name, None, error=one_line(str(exc)))
    except Exception as exc:  # a bug on one item must not lose the rest of the feed
        return ItemTarget(name, None, error=f"{name}: internal error: {type(exc).__name__}: {exc}")


def _carries_no_text(item: FeedItem, name: str) -> str:
    """Why an item audited from the feed's own body has nothing to audit, and what would."""
    if not item.url:
        return f"{name}: {NO_TEXT} (the feed item carries no text and no link to its page)"
    return f"{name}: {NO_TEXT} (the feed item carries no text; use --fetch-items auto or always)"


def _fetched_page(url: str, fetcher: Fetcher, entry: dict[str, Any] | None) -> ItemTarget:
    headers: dict[str, str] = {}
    if entry is not None:
        if isinstance(entry.get("etag"), str):
            headers["If-None-Match"] = entry["etag"]
        if isinstance(entry.get("last_modified"), str):
            headers["If-Modified-Since"] = entry["last_modified"]
    fetched = fetcher.fetch(url, headers=headers or None)
    etag = _header(fetched, "etag")
    last_modified = _header(fetched, "last-modified")
    if fetched.status == 304:
        if entry is None:  # the fetcher returns 304 only to a conditional request
            raise FetchError(f"{url}: HTTP 304 Not Modified to an unconditional request")
        return ItemTarget(
            url,
            None,
            unchanged=True,
            etag=etag or entry.get("etag"),
            last_modified=last_modified or entry.get("last_modified"),
            content_sha256=entry.get("content_sha256"),
        )
    if fetched.charset is None and fetched.content:
        # an image or a PDF: nothing the audit can read, which is not the same as compliant
        kind = fetched.content_type or "no Content-Type"
        raise FetchError(f"{url}: not a web page ({kind}): nothing to audit")
    digest = hashlib.sha256(fetched.content).hexdigest()
    if entry is not None and entry.get("content_sha256") == digest:
        # No validators, or the server ignores them, but the bytes are the same.
        return ItemTarget(url, None, True, etag, last_modified, digest)
    is_html = fetched.content_type != "text/plain"
    if is_html:
        page = page_from_html(fetched.text, url, base_url=fetched.final_url)
    else:
        page = page_from_text(fetched.text, url)
    reason = why_no_text(page, fetched.text, is_html=is_html, container="response body")
    if reason is not None:
        raise FetchError(f"{url}: {reason}")
    return ItemTarget(url, page, False, etag, last_modified, digest)


def item_pages(
    items: Iterable[FeedItem],
    fetcher: Fetcher | None,
    mode: str = "auto",
    state: FeedState | None = None,
) -> Iterator[tuple[FeedItem, ItemTarget]]:
    """:func:`item_page` for each item, in order (a convenience for the CLI's loop)."""
    for item in items:
        yield item, item_page(item, fetcher, mode, state)
