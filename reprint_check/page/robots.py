"""Robots directives a page gives in its HTTP headers (``X-Robots-Tag``).

The ``<meta name=robots>`` tags are read with the page itself (html.py); the
header values arrive as written and are parsed here, per crawler.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# --- robots ----------------------------------------------------------------------------

# Directives of X-Robots-Tag that take a value after a colon (not crawler names).
_VALUED_DIRECTIVES = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)
_AGENT_PREFIX = re.compile(r"^\s*([A-Za-z][\w.-]*)\s*:\s*(.*)$", re.S)


def header_robots_directives(values: Iterable[str]) -> list[tuple[str | None, str]]:
    """``X-Robots-Tag`` header values as ``(crawler or None, directive)`` pairs, lower-cased.

    ``"googlebot: nofollow, noarchive"`` gives ``[("googlebot", "nofollow"),
    ("googlebot", "noarchive")]``; ``"none"`` also gives ``noindex`` and
    ``nofollow``, which it stands for.
    """
    found: list[tuple[str | None, str]] = []
    for value in values:
        agent: str | None = None
        match = _AGENT_PREFIX.match(value)
        if match and match.group(1).lower() not in _VALUED_DIRECTIVES:
            agent, value = match.group(1).lower(), match.group(2)
        for piece in value.split(","):
            directive = " ".join(piece.split()).lower()
            if not directive:
                continue
            found.append((agent, directive))
            if directive == "none":
                found.extend(((agent, "noindex"), (agent, "nofollow")))
    return found
