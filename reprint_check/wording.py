"""Counts and shares as people read them, said the same way in messages and in every report.

Violation messages (built by the checks) and the renderers both quote how
much of an article was reused; keeping the phrasing here means a console
line, a ticket and a JSON ``message`` never disagree. Machine-facing numbers
(JSON values, CSV cells, JUnit properties) stay plain integers and never
come through here.
"""

from __future__ import annotations


def chars(count: int) -> str:
    """A count with thousands separators: 2082 → "2,082"."""
    return f"{count:,}"


def share_of_article(part: int, whole: int, *, size: bool = False) -> str:
    """``part`` characters as a share of an article of ``whole`` characters, in words.

    "24% of the article", or with ``size`` "24% of the article's 3,120
    characters". A copy can be longer than the article as indexed (added
    words, a headline counted, an edited copy that grew), so a share over
    100 % says so instead of standing unexplained: "101% of the article as
    indexed: the copy is longer than the indexed text". One that is over
    100 % but rounds to 100 % reads "over 100%", never a bare "100%".
    Empty when the article's length is unknown (0).
    """
    if whole <= 0:
        return ""
    percent = f"{100 * part / whole:.0f}%"
    article = f"the article's {chars(whole)} characters" if size else "the article"
    if part <= whole:
        return f"{percent} of {article}"
    if percent == "100%":
        percent = "over 100%"
    return f"{percent} of {article} as indexed: the copy is longer than the indexed text"


# Where a passage the page keeps out of sight stood (Passage.hidden), in words.
HIDDEN_PLACES = {
    "read-more": "hidden in a “Read more” block",
    "tab-panel": "hidden in a tab panel",
    "collapsed": "hidden in a collapsed section",
    "display-none": "hidden with display:none",
    "visibility-hidden": "hidden with visibility:hidden",
    "hidden-attribute": "hidden with the hidden attribute",
    "json-ld": "only in the page's JSON-LD articleBody",
    "microdata": "only in the page's microdata articleBody",
}


def hidden_place(where: str) -> str:
    """Where on the page a passage out of sight stood, in words: "hidden in a tab panel"."""
    return HIDDEN_PLACES.get(where, f"hidden on the page ({where})")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
