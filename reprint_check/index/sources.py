"""Publisher articles from what an editor has: files, folders, JSONL exports, URLs.

Each source yields articles or one-line errors; a bad file or a bad line
never stops the rest of the ingest.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from reprint_check.errors import FetchError, InputError
from reprint_check.models import Article, SiteHints
from reprint_check.page.article import extract_for_site
from reprint_check.page.html import MAX_TEXT_CHARS, TOO_MUCH_TEXT, looks_binary
from reprint_check.text.normalize import visible_length
from reprint_check.urls import host_of
from reprint_check.web.fetch import Fetcher, decode_body, read_local

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml")
TEXT_SUFFIXES = (".txt", ".txt.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_JSONL_LINE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourceError:
    """A source (or one line of an export) that could not be read."""

    source: str
    message: str
    # The user's to fix (a named file or folder missing, unreadable, or holding no
    # article files: exit 2) rather than a fetch or a parse that failed (exit 3).
    bad_input: bool = False


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def has_suffix(path: Path, suffixes: tuple[str, ...]) -> bool:
    """Case-insensitive: an export named ``ARCHIVE.JSONL`` is read as JSONL too."""
    name = path.name.lower()
    return any(name.endswith(s) for s in suffixes)


# The keys a .txt article's header may hold, as written in the README (compared
# case-insensitively); each sets the Article field of the same meaning.
TEXT_HEADER_KEYS = ("URL", "Title", "Published")
_HEADER_LINE = re.compile(r"([A-Za-z]+)[ \t]*:[ \t]*(.*?)\s*")
_LINE = re.compile(r"[^\n]*\n?")


@dataclass(frozen=True)
class TextHeader:
    """What the header block of a .txt article says, and where its body begins.

    ``body_start`` indexes the decoded file text: the body (what is indexed,
    counted and what source offsets index) is ``text[body_start:]``. A file
    without a header has ``body_start == 0`` and nothing else set.
    """

    url: str | None = None
    title: str = ""
    published: str | None = None
    body_start: int = 0


def read_text_header(text: str) -> TextHeader:
    """The header block at the top of a .txt article, if it has one.

    A header is a run of ``Key: value`` lines from the very first line, the
    keys being :data:`TEXT_HEADER_KEYS`, ended by a blank line. A file whose
    first line is not such a line has no header and is all body, as before
    headers existed. Once the first line is a header line, a line in the block
    that is not one, a key given twice, an empty value, a URL that is not an
    http(s) address or a header with no text after it is a FetchError naming
    the line: half a header read as body would count it as article text.
    """
    keys = {key.lower(): key for key in TEXT_HEADER_KEYS}
    first = _HEADER_LINE.fullmatch(text.partition("\n")[0].rstrip("\r"))
    if first is None or first.group(1).lower() not in keys:
        return TextHeader()
    values: dict[str, str] = {}
    position = 0
    for number, match in enumerate(_LINE.finditer(text), start=1):
        if not match.group():
            raise FetchError("no article text after the header")
        line = match.group().rstrip("\r\n")
        position = match.end()
        if not line.strip():
            break
        found = _HEADER_LINE.fullmatch(line)
        key = found.group(1).lower() if found else ""
        if found is None or key not in keys:
            listed = ", ".join(f"{k}:" for k in TEXT_HEADER_KEYS)
            raise FetchError(
                f"line {number}: expected a header line ({listed}) or a blank line ending "
                f"the header, got {json.dumps(_shown(line), ensure_ascii=False)}"
            )
        value = found.group(2)
        if key in values:
            raise FetchError(f"line {number}: {keys[key]}: given twice in the header")
        if not value:
            raise FetchError(f"line {number}: {keys[key]}: expected a value, got nothing")
        if key == "url" and not (is_url(value) and host_of(value)):
            raise FetchError(
                f'line {number}: URL: expected an http(s) address like "https://publisher.'
                f'example/2026/05/story/", got {json.dumps(_shown(value), ensure_ascii=False)}'
            )
        values[key] = value
    body = _LINE.match(text, position)
    while body is not None and body.group() and not body.group().strip():
        position = body.end()
        body = _LINE.match(text, position)
    if not text[position:].strip():
        raise FetchError("no article text after the header")
    return TextHeader(
        url=values.get("url"),
        title=values.get("title", ""),
        published=values.get("published"),
        body_start=position,
    )


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def article_from_file(path: Path, hints: SiteHints | None = None) -> Article:
    """One article from an HTML or plain-text file.

    A .txt file may open with a header (:func:`read_text_header`) naming its
    URL, title and publication date; the article is the body after it. With
    a header URL the file's path is kept as an alias, so an archive indexed
    before it had headers is replaced on the next ingest, not duplicated. An HTML
    page is read with the ``[archive]`` hints for its host, if ``hints`` has any.
    """
    data = read_local(path, MAX_FILE_BYTES)
    if has_suffix(path, TEXT_SUFFIXES):
        text, _ = decode_body(data, "text/plain")
        if not text.strip():
            raise FetchError(f"{path}: empty file")
        if looks_binary(text):
            raise FetchError(f"{path}: binary data, not text")
        if len(text) > MAX_TEXT_CHARS:
            raise FetchError(f"{path}: {TOO_MUCH_TEXT}")
        try:
            header = read_text_header(text)
        except FetchError as e:
            raise FetchError(f"{path}: {e}") from None
        if header.body_start == 0:
            return Article(url=str(path), text=text, title="")
        return Article(
            url=header.url or str(path),
            text=text[header.body_start :],
            title=header.title,
            aliases=(str(path),) if header.url else (),
            published=header.published,
        )
    article = extract_for_site(data, None, hints)
    if not article.url:
        article = replace(article, url=str(path))
    return article


def _article_from_record(record: object, where: str, hints: SiteHints | None) -> Article:
    if not isinstance(record, dict):
        raise FetchError(f"{where}: expected a JSON object")
    url = record.get("url")
    if not isinstance(url, str) or not url.strip():
        raise FetchError(f'{where}: missing "url"')
    title = record.get("title")
    published = record.get("published")
    if isinstance(record.get("text"), str):
        text = record["text"]
        if not text.strip():
            raise FetchError(f'{where}: empty "text"')
        if len(text) > MAX_TEXT_CHARS:
            raise FetchError(f'{where}: "text" {TOO_MUCH_TEXT}')
        article = Article(url=url, text=text, title=title if isinstance(title, str) else "")
    elif isinstance(record.get("html"), str):
        article = extract_for_site(record["html"], url, hints)
        if isinstance(title, str) and title:
            article = replace(article, title=title)
    else:
        raise FetchError(f'{where}: needs "text" or "html"')
    if isinstance(published, str) and published:
        article = replace(article, published=published)
    if article.url != url:
        aliases = tuple(dict.fromkeys(a for a in (article.url, *article.aliases) if a != url))
        article = replace(article, url=url, aliases=aliases)
    return article


def jsonl_lines(path: Path) -> Iterator[tuple[str, bytes] | SourceError]:
    """Stream an export line by line as (where, bytes): a 500 MB file never sits in memory."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for number, raw in enumerate(fh, 1):
                where = f"{path}:{number}"
                if len(raw) > MAX_JSONL_LINE_BYTES:
                    yield SourceError(where, "line larger than 50 MiB")
                elif raw.strip():
                    yield where, raw
    except OSError as e:
        yield SourceError(str(path), f"cannot read ({e.strerror or e})", bad_input=True)


def article_from_jsonl_line(
    where: str, raw: bytes, hints: SiteHints | None = None
) -> Article | SourceError:
    """One line of an export as an article, or the one-line reason it is not one."""
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return SourceError(where, f"not JSON ({getattr(e, 'msg', e)})")
    try:
        return _article_from_record(record, where, hints)
    except (FetchError, InputError) as e:
        return SourceError(where, str(e).removeprefix(f"{where}: "), isinstance(e, InputError))


def articles_from_jsonl(
    path: Path, hints: SiteHints | None = None
) -> Iterator[Article | SourceError]:
    """Every article of a JSONL export, streamed."""
    for line in jsonl_lines(path):
        yield line if isinstance(line, SourceError) else article_from_jsonl_line(*line, hints)


def missing_reason(path: Path) -> str:
    """Why a path that does not exist as a file or folder cannot be read, in plain words.

    ``Path.exists()`` is False for a dangling symlink and for a symlink loop
    alike; "no such file" would send the editor looking for the wrong thing.
    """
    if not path.is_symlink():
        return "no such file or folder"
    try:
        path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
    try:
        return f"broken symbolic link to {os.readlink(path)}"
    except OSError:
        return "broken symbolic link"


def article_files(spec: str, folder: Path) -> Iterator[Path | SourceError]:
    """The .html, .txt and .jsonl files below a folder, or one error if it holds none.

    In a stable order; symlinked folders are not followed (no loops).
    """
    found = False
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if has_suffix(path, HTML_SUFFIXES + TEXT_SUFFIXES + JSONL_SUFFIXES):
                found = True
                yield path
    if not found:
        yield SourceError(spec, "no .html, .txt or .jsonl files in this folder", bad_input=True)


def article_from_page(
    url: str, text: str, final_url: str, hints: SiteHints | None = None
) -> Article:
    """The article of a fetched page, known also by the URL asked for and the one that answered.

    The page is read with the ``[archive]`` hints for its host, if ``hints`` has any.
    """
    article = extract_for_site(text, final_url, hints)
    aliases = tuple(
        dict.fromkeys(u for u in (url, final_url, *article.aliases) if u != article.url)
    )
    return replace(article, aliases=aliases)


def iter_articles(
    spec: str, *, fetcher: Fetcher | None = None, hints: SiteHints | None = None
) -> Iterator[Article | SourceError]:
    """Every article a source spec names: URL, HTML/text file, JSONL export or folder.

    HTML is read with the ``[archive]`` hints for each page's host, if ``hints`` has any.
    """
    if is_url(spec):
        if fetcher is None:
            yield SourceError(spec, "URLs need a fetcher")
            return
        try:
            fetched = fetcher.fetch(spec)
            yield article_from_page(spec, fetched.text, fetched.final_url, hints)
        except FetchError as e:
            yield SourceError(spec, str(e).removeprefix(f"{spec}: "))
        return
    path = Path(spec)
    if path.is_dir():
        for file in article_files(spec, path):
            if isinstance(file, SourceError):
                yield file
            else:
                yield from iter_articles(str(file), fetcher=fetcher, hints=hints)
        return
    if not path.exists():
        yield SourceError(spec, missing_reason(path), bad_input=True)
        return
    if has_suffix(path, JSONL_SUFFIXES):
        yield from articles_from_jsonl(path, hints)
        return
    try:
        yield article_from_file(path, hints)
    except (FetchError, InputError) as e:
        reason = str(e).removeprefix(f"{spec}: ").removeprefix(f"{path}: ")
        yield SourceError(spec, reason, bad_input=isinstance(e, InputError))


def extracted_record(article: Article) -> dict[str, object]:
    """What ``extract --format json`` prints of an article: what the index holds of it.

    ``article_chars`` is the article's length as an audit measures it (white space
    runs as one, invisible characters as none): the excerpt limit's and the
    full-reprint ratio's yardstick.
    """
    return {
        "url": article.url,
        "title": article.title,
        "text": article.text,
        "article_chars": visible_length(article.text),
    }


def extracted_text(article: Article) -> str:
    """What ``extract`` prints of an article for a person: a header, then the text."""
    lines = [f"URL: {article.url}"]
    if article.title:
        lines.append(f"Title: {article.title}")
    lines.append(f"Article chars: {visible_length(article.text):,}")
    return "\n".join(lines) + "\n\n" + article.text
