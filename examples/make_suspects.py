"""Generate the suspect pages and ``expected.json`` from the fictional archive.

Every suspect reuses text cut from ``make_archive.STORIES`` by phrase, so the
excerpts are exact substrings (or deliberate edits) of the articles, and the
expected ``reused_chars`` is computed here with the counting rule of
design.md rather than typed in by hand. The partner sites, their people and
their stories are fiction written for reprint-check.

Before writing anything the script checks its own work: each excerpt appears
once in the page's visible text, the characters just outside each excerpt
differ from the article's (so a correct aligner stops exactly there), and the
partners' own prose shares no run of ``MAX_ORIGINAL_OVERLAP`` characters or
more with any article. Run ``python examples/make_suspects.py``.
"""

from __future__ import annotations

import html
import json
import re
import sys
import textwrap
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from make_archive import STORIES, Story

HERE = Path(__file__).resolve().parent
SUSPECTS = HERE / "suspects"
PUBLISHER_HOME = "https://harbourside-courier.example/"

# The default policy the expectations are written for (rules/default.toml).
MAX_CHARS = 500
MIN_PASSAGE_CHARS = 50
FULL_REPRINT_RATIO = 0.8

# Shared runs shorter than the minimum passage are not reuse, but the partners'
# own prose keeps well clear of it so that no verdict hangs on a chance phrase.
MAX_ORIGINAL_OVERLAP = 30
# Excerpts are long enough that a working detector cannot miss them.
MIN_EXCERPT_CHARS = 80

# design.md's violation codes in its order; expected.json lists codes in this order.
CODE_ORDER = (
    "EXCERPT_TOO_LONG",
    "LINK_MISSING",
    "LINK_NOT_ACTIVE",
    "LINK_NOT_FOLLOWABLE",
    "LINK_WRONG_TARGET",
    "LINK_TOO_LATE",
    "FULL_REPRINT",
)

ZWSP = "\u200b"
# Latin letter -> Cyrillic look-alike used by the evasion page.
LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "p": "\u0440"}
UNLOOK = {cyr: lat for lat, cyr in LOOKALIKES.items()}

BY_SLUG = {story.slug: story for story in STORIES}


# --- counting and folding -------------------------------------------------------


def visible_chars(text: str) -> int:
    """design.md's count: drop format characters, collapse white space runs, count code points."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return len(re.sub(r"\s+", " ", kept))


def fold(text: str) -> str:
    """A comparison form for the self-checks (not the product's normaliser)."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = "".join(UNLOOK.get(ch, ch) for ch in text)
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return re.sub(r"\s+", " ", text.casefold()).strip()


def straighten(text: str) -> str:
    """The full-reprint partner's only edit: typographic quotes to typewriter ones."""
    return text.translate(str.maketrans("‘’“”", "''\"\""))


def disguise(text: str) -> str:
    """Hide an excerpt from naive matching: zero-width spaces inside words, Cyrillic letters.

    Deterministic, and it changes no visible character count: each look-alike
    replaces one letter and zero-width spaces are format characters.
    """
    words = text.split(" ")
    for i, word in enumerate(words):
        if i % 3 == 1 and len(word) >= 4:
            words[i] = word[:2] + ZWSP + word[2:]
    out: list[str] = []
    seen = 0
    for ch in " ".join(words):
        if ch in LOOKALIKES:
            seen += 1
            if seen % 4 == 0:
                out.append(LOOKALIKES[ch])
                continue
        out.append(ch)
    return "".join(out)


# --- excerpts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    """A span of one article's text, ``start``/``end`` indexing ``Story.text``."""

    story: Story
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.story.text[self.start : self.end]

    @property
    def chars(self) -> int:
        return visible_chars(self.text)


def cut(slug: str, first: str, last: str) -> Excerpt:
    """The article text from the phrase ``first`` to the end of the phrase ``last``."""
    story = BY_SLUG[slug]
    text = story.text
    if text.count(first) != 1:
        raise SystemExit(f"make_suspects.py: {first!r} is not unique in {slug}")
    start = text.index(first)
    end = text.index(last, start) + len(last)
    if start > 0 and not text[start - 1].isspace():
        raise SystemExit(f"make_suspects.py: excerpt of {slug} starts inside a word: {first!r}")
    if end < len(text) and (text[end].isalnum() or text[end] in "’'"):
        raise SystemExit(f"make_suspects.py: excerpt of {slug} ends inside a word: {last!r}")
    return Excerpt(story, start, end)


def whole(slug: str) -> Excerpt:
    story = BY_SLUG[slug]
    return Excerpt(story, 0, len(story.text))


@dataclass(frozen=True)
class Source:
    """What one suspect takes from one article, and the codes that earns under the policy."""

    excerpts: tuple[Excerpt, ...]
    violations: tuple[str, ...] = ()

    @property
    def story(self) -> Story:
        return self.excerpts[0].story


@dataclass(frozen=True)
class Variant:
    """The same file under a changed policy: overrides and the codes per article slug."""

    policy: dict[str, dict[str, object]]
    violations: dict[str, tuple[str, ...]]
    count: str = "total"


@dataclass(frozen=True)
class Suspect:
    name: str
    demonstrates: str
    content: str
    sources: tuple[Source, ...] = ()
    variants: tuple[Variant, ...] = ()
    shared_phrase: str | None = None  # a deliberate short overlap that is not reuse
    rendered: dict[int, str] = field(default_factory=dict)  # excerpt id -> text as on the page


# --- partner sites ----------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    tagline: str
    nav: tuple[str, ...]
    most_read: tuple[str, ...]
    footer: str


COASTAL = Site(
    host="coastal-digest.example",
    name="The Coastal Digest",
    tagline="Independent news for the western bays",
    nav=("Home", "News", "Sport", "Opinion", "Events", "Contact"),
    most_read=(
        "Cliff path near Penhallow closed after small landslip",
        "Seal pup rescued from rockpool by two schoolboys",
        "Readers’ photos: the first primroses of spring",
    ),
    footer="© 2026 Coastal Digest Media Ltd. Tips and letters: newsdesk@coastal-digest.example",
)
BAYLINE = Site(
    host="bayline-news.example",
    name="Bayline News",
    tagline="Every town on the bay, every weekday",
    nav=("Local", "Business", "Weather", "Letters", "Obituaries"),
    most_read=(
        "Parking charges at Saltcombe station to double",
        "Missing tortoise found three streets from home",
        "Quiz night raises £2,000 for the air ambulance",
    ),
    footer="© Bayline News 2026. Registered office: Unit 4, Tannery Yard.",
)
ESTUARY = Site(
    host="estuary-weekly.example",
    name="The Estuary Weekly",
    tagline="Good news from the river mouth, every Thursday",
    nav=("This week", "People", "Food", "Heritage", "Subscribe"),
    most_read=(
        "Allotment society crowns its giant leek champion",
        "A day with the last cooper on the river",
        "Recipe: cider-braised pork for a cold evening",
    ),
    footer="© 2026 The Estuary Weekly. Printed on recycled paper in Tidemouth.",
)
SHORELINE = Site(
    host="shoreline-buzz.example",
    name="Shoreline Buzz",
    tagline="Trending on the coast right now",
    nav=("Trending", "Lists", "Quizzes", "Deals"),
    most_read=(
        "You won’t believe what washed up on Sandy Cove this week",
        "Which seaside chip shop are you? Take our quiz",
        "Eight beach huts so cosy you could live in them",
    ),
    footer="© Shoreline Buzz Network 2026. Some links earn us a commission.",
)

FICTION = (
    "This site and this page are fictional, written for the reprint-check examples; "
    "no real people or places are described."
)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def paras(text: str) -> str:
    """Original prose for a page: wrapped source lines, blank-line paragraphs, as <p>."""
    blocks = [" ".join(b.split()) for b in text.strip().split("\n\n")]
    return "\n".join(f"      <p>{esc(b)}</p>" for b in blocks)


def page(site: Site, path: str, title: str, published: str, body: str, author: str) -> str:
    url = f"https://{site.host}{path}"
    nav = "\n".join(
        f'        <li><a href="/{item.lower().replace(" ", "-")}/">{esc(item)}</a></li>'
        for item in site.nav
    )
    most_read = "\n".join(
        f'        <li><a href="/story/{i}/">{esc(headline)}</a></li>'
        for i, headline in enumerate(site.most_read, start=101)
    )
    return f"""<!DOCTYPE html>
<!-- Fiction: written for the reprint-check examples. -->
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>{esc(title)} – {esc(site.name)}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="canonical" href="{url}">
  <meta property="og:url" content="{url}">
  <meta property="og:title" content="{html.escape(title)}">
  <meta property="article:published_time" content="{published}">
  <style>
    body {{ font-family: Georgia, serif; max-width: 46rem; margin: 0 auto; }}
    .masthead {{ border-bottom: 3px solid #124; }}
    blockquote {{ border-left: 4px solid #9ab; margin-left: 0; padding-left: 1rem; }}
  </style>
</head>
<body>
  <header class="masthead">
    <a class="brand" href="/">{esc(site.name)}</a>
    <p class="tagline">{esc(site.tagline)}</p>
    <nav>
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <main>
    <article>
      <h1>{esc(title)}</h1>
      <p class="byline">By {esc(author)}</p>
{body}
    </article>
    <aside class="most-read">
      <h2>Most read</h2>
      <ol>
{most_read}
      </ol>
    </aside>
  </main>
  <footer>
    <p>{esc(site.footer)}</p>
    <p class="fiction">{esc(FICTION)}</p>
  </footer>
</body>
</html>
"""


def quote_block(text: str) -> str:
    """An excerpt as a blockquote, one <p> per paragraph of the excerpt."""
    inner = "\n".join(f"        <p>{esc(p)}</p>" for p in text.split("\n\n"))
    return f"      <blockquote>\n{inner}\n      </blockquote>"


def article_url(slug: str) -> str:
    return BY_SLUG[slug].url


# --- the suspects -------------------------------------------------------------------


def compliant() -> Suspect:
    ex = cut("ferry-timetable-change", "“We carried more people", "for the second vessel.”")
    link = (
        "http://www.harbourside-courier.example/2026/03/ferry-timetable-change/"
        "?utm_source=coastal-digest&amp;utm_medium=referral"
    )
    body = "\n".join(
        [
            paras("""
If you have ever spent a dark February morning on the slipway counting the minutes until
the next boat, this is welcome news. Our colleagues across the bay spoke to the operator,
who admits the single working boat is stretched to its limit:
"""),
            quote_block(ex.text),
            f'      <p>Read the full report at <a href="{link}">the Harbourside Courier</a>.</p>',
            paras("""
Our worry is the afternoon crossing that island teenagers rely on after lessons. The
operator says it will talk to the academy, and we will be down at the slipway at the end
of the first week of term to see whether that promise holds.
"""),
        ]
    )
    return Suspect(
        name="compliant.html",
        demonstrates=(
            "A {chars}-character verbatim excerpt in a <blockquote> with an active link to the "
            "article. The link uses http://www., keeps utm_* tracking parameters and still "
            "matches the canonical URL after canonicalisation."
        ),
        content=page(
            COASTAL,
            "/news/2026/03/island-crossings-go-hourly/",
            "Island crossings go hourly at the start of April",
            "2026-03-04T09:00:00+00:00",
            body,
            "Cerys Hammett",
        ),
        sources=(Source((ex,)),),
    )


def too_long() -> Suspect:
    first = cut(
        "council-budget-vote",
        "The budget sets aside",
        "cut to four days a week.",
    )
    second = cut(
        "council-budget-vote",
        "Every month the promenade stayed fenced off",
        "the beach full of visitors.”",
    )
    marked = esc(first.text)
    for old, new in (("£180,000", "<em>£180,000</em>"), (" It also puts", "<br>\nIt also puts")):
        if marked.count(old) != 1:
            raise SystemExit(f"make_suspects.py: cannot mark {old!r} in too-long.html")
        marked = marked.replace(old, new)
    link = "https://harbourside-courier.example/2026/03/council-budget-vote"
    body = "\n".join(
        [
            paras("""
It is not every year that a town’s finances come down to one person’s hand in the air.
Our neighbours up the coast saw exactly that last week, and the detail of what was passed
matters to anyone paying a bill along the bay. Here is what their local paper reported
about where the money goes:
"""),
            f"      <blockquote>\n        <p>{marked}</p>\n      </blockquote>",
            paras("""
Nobody would argue with fixing the sea wall. The harder question is timing, and the man
in charge of the purse strings made his case plainly:
"""),
            quote_block(second.text),
            f'      <p>Whether that gamble pays off depends on county hall. Read <a href="{link}">'
            "the Courier’s full account of the meeting</a>.</p>",
            paras("""
We would like to hear from traders on the parade about what a summer behind fences would
cost them. Letters to the usual address, please.
"""),
        ]
    )
    return Suspect(
        name="too-long.html",
        demonstrates=(
            "{chars} characters copied as two passages ({passages}) from one article, the first "
            "split by <em> and a <br>, with an active link (no trailing slash, still the "
            "article). "
            "count = total adds the passages: over 500, EXCERPT_TOO_LONG. Each passage alone "
            "is under 500, so the file is compliant under count = longest."
        ),
        content=page(
            BAYLINE,
            "/opinion/2026/03/one-vote-budget/",
            "Opinion: a budget settled by one vote deserves a closer look",
            "2026-03-08T18:00:00+00:00",
            body,
            "Alun Chegwidden",
        ),
        sources=(Source((first, second), ("EXCERPT_TOO_LONG",)),),
        variants=(
            Variant(
                policy={"excerpt": {"count": "longest"}},
                violations={"council-budget-vote": ()},
                count="longest",
            ),
        ),
    )


def full_reprint() -> Suspect:
    ex = whole("lighthouse-restoration")
    body = "\n".join(
        [
            paras("""
Shared with thanks from our friends down the coast, because we think every reader of this
paper will want to be there when the lamp comes on.
"""),
            "\n".join(f"      <p>{esc(straighten(p))}</p>" for p in ex.text.split("\n\n")),
            "      <p>This article first appeared in "
            f'<a href="{article_url("lighthouse-restoration")}">The Harbourside Courier</a>.</p>',
        ]
    )
    return Suspect(
        name="full-reprint.html",
        demonstrates=(
            "The whole body of an article republished, with the only edit curly quotes and "
            "apostrophes turned straight, and a link to the article: EXCERPT_TOO_LONG and "
            "FULL_REPRINT ({chars} of the article's {article_chars} characters, at least 0.8)."
        ),
        content=page(
            ESTUARY,
            "/2026/03/the-lamp-at-beacon-point/",
            "The lamp at Beacon Point is coming back",
            "2026-03-26T06:00:00+00:00",
            body,
            "Estuary Weekly staff",
        ),
        sources=(Source((ex,), ("EXCERPT_TOO_LONG", "FULL_REPRINT")),),
        rendered={0: straighten(ex.text)},
    )


def link_missing() -> Suspect:
    ex = cut("fishing-quota-dispute", "Its chair, Tomas", "sent us the bill,” he said.")
    body = "\n".join(
        [
            paras("""
Talk to anyone mending gear on the slipway this month and the conversation turns quickly
to pots. The proposed limit has united skippers who agree on little else, and according to
the Harbourside Courier the local association is not accepting the official numbers:
"""),
            quote_block(ex.text),
            paras("""
Our own reporter will be at the public meeting later this month. If you work these waters
and want your view heard, write to us before then.
"""),
        ]
    )
    return Suspect(
        name="link-missing.html",
        demonstrates=(
            "A {chars}-character excerpt credited to the publisher by name only, with no link at "
            "all: LINK_MISSING."
        ),
        content=page(
            COASTAL,
            "/news/2026/03/crab-crews-dig-in/",
            "Crab crews dig in against pot limits",
            "2026-03-10T07:00:00+00:00",
            body,
            "Cerys Hammett",
        ),
        sources=(Source((ex,), ("LINK_MISSING",)),),
    )


def link_not_active() -> Suspect:
    ex = cut("library-renovation", "Not all the changes are popular.", "the hilltop building.")
    body = "\n".join(
        [
            paras("""
The books are going back up the hill in May, and for most borrowers that is cause for
celebration. Not for everyone, though, as one line of the announcement makes clear:
"""),
            quote_block(ex.text),
            f'      <p class="source">Source: {article_url("library-renovation")}</p>',
            paras("""
A van twice a week is better than nothing, but it is no substitute for a warm room with
chairs in it. We will follow up once the new timetable for the van is published.
"""),
        ]
    )
    return Suspect(
        name="link-not-active.html",
        demonstrates=(
            "A {chars}-character excerpt whose source is given only as a bare URL in the text "
            "(“Source: https://…”), not an <a href>: LINK_NOT_ACTIVE."
        ),
        content=page(
            BAYLINE,
            "/local/2026/03/library-date-set/",
            "Library date set, but waterfront readers lose out",
            "2026-03-05T12:30:00+00:00",
            body,
            "Hywel Pascoe-Dunn",
        ),
        sources=(Source((ex,), ("LINK_NOT_ACTIVE",)),),
    )


def link_hidden() -> Suspect:
    ex = cut("local-football-club", "More than 1,700 people", "persuaded them down.")
    hidden = (
        f'<a href="{article_url("local-football-club")}" style="display:none">'
        "The Harbourside Courier</a>"
    )
    body = "\n".join(
        [
            paras("""
What a night for non-league football. Rovers went out in the end, but the scenes on the
touchline told the real story of the evening:
"""),
            quote_block(ex.text),
            f'      <p class="credit">Match report courtesy of our partners.{hidden}</p>',
            paras("""
We will have the full fixture list for the run-in, and a word from the treasurer about
those long-awaited floodlights, in Friday’s sports pages.
"""),
        ]
    )
    return Suspect(
        name="link-hidden.html",
        demonstrates=(
            "A {chars}-character excerpt whose only link to the article is styled display:none, "
            "so no reader can see or follow it: LINK_NOT_ACTIVE."
        ),
        content=page(
            COASTAL,
            "/sport/2026/03/rovers-fans-fill-the-bank/",
            "Rovers fans fill the bank for a night to remember",
            "2026-03-16T19:00:00+00:00",
            body,
            "Sport desk",
        ),
        sources=(Source((ex,), ("LINK_NOT_ACTIVE",)),),
    )


def link_wrong_target() -> Suspect:
    ex = cut("storm-clean-up", "Several residents questioned", "surge warning is issued.")
    body = "\n".join(
        [
            paras("""
Questions are being asked after last weekend’s flooding a few miles along the shore, and
they sound familiar to anyone who lives behind a barrier of their own:
"""),
            quote_block(ex.text),
            f'      <p>Via <a href="{PUBLISHER_HOME}">The Harbourside Courier</a>.</p>',
            paras("""
Our own barrier at Saltcombe was last tested in October. We have asked the district
engineer when it will next be checked and who holds the key.
"""),
        ]
    )
    return Suspect(
        name="link-wrong-target.html",
        demonstrates=(
            "A {chars}-character excerpt with an active link to the publisher’s home page instead "
            "of the article: LINK_WRONG_TARGET (compliant under link target = domain)."
        ),
        content=page(
            BAYLINE,
            "/local/2026/03/flood-gate-questions/",
            "Flood gate failure raises questions along the bay",
            "2026-03-03T16:20:00+00:00",
            body,
            "Hywel Pascoe-Dunn",
        ),
        sources=(Source((ex,), ("LINK_WRONG_TARGET",)),),
        variants=(
            Variant(policy={"link": {"target": "domain"}}, violations={"storm-clean-up": ()}),
        ),
    )


def link_nofollow() -> Suspect:
    ex = cut("food-market", "The move means the market", "free for their first month.")
    link = (
        f'<a href="{article_url("food-market")}" rel="nofollow">'
        "read the Harbourside Courier’s story</a>"
    )
    body = "\n".join(
        [
            paras("""
Good news for anyone who likes their Saturday shopping with a sea view and without a
soaking. The market a few miles west of us is finally getting a roof:
"""),
            quote_block(ex.text),
            f"      <p>For the traders’ side of it, {link}.</p>",
            paras("""
We tried the smoked fish stall last summer and can report that it is worth the drive.
"""),
        ]
    )
    return Suspect(
        name="link-nofollow.html",
        demonstrates=(
            "A {chars}-character excerpt with an active, visible link to the article that carries "
            'rel="nofollow". Compliant under the default policy (followable = false); under a '
            "policy with followable = true it is LINK_NOT_FOLLOWABLE."
        ),
        content=page(
            ESTUARY,
            "/2026/03/market-under-a-roof/",
            "A market under a roof at last",
            "2026-03-19T06:00:00+00:00",
            body,
            "Food desk",
        ),
        sources=(Source((ex,)),),
        variants=(
            Variant(
                policy={"link": {"followable": True}},
                violations={"food-market": ("LINK_NOT_FOLLOWABLE",)},
            ),
        ),
    )


def evasion() -> Suspect:
    ex = cut("jazz-festival", "The festival runs from 23", "playing on board.")
    shown = disguise(ex.text)
    body = "\n".join(
        [
            paras("""
Reason number one: the boats. Reason number two: also the boats. Honestly, we could stop
there, but here is everything you need to know before you book the holidays:
"""),
            f"      <p>{esc(shown)}</p>",
            f'      <p>(h/t <a href="{article_url("jazz-festival")}">Harbourside Courier</a>)</p>',
            paras("""
Reason number three is the chips, obviously. Bring a coat, bring cash, and whatever you
do, get there early for the good spots by the water.
"""),
        ]
    )
    return Suspect(
        name="evasion.html",
        demonstrates=(
            "A {chars}-character excerpt disguised with zero-width spaces inside words and "
            "Cyrillic look-alike letters (а е о с р), linked: still EXCERPT_TOO_LONG. The count "
            "ignores the zero-width spaces and counts each look-alike as the letter it imitates."
        ),
        content=page(
            SHORELINE,
            "/lists/2026/03/jazz-weekend-unmissable/",
            "This summer’s jazz weekend will be unmissable, and here is why",
            "2026-03-27T11:11:00+00:00",
            body,
            "Buzz team",
        ),
        sources=(Source((ex,), ("EXCERPT_TOO_LONG",)),),
        rendered={0: shown},
    )


def two_sources() -> Suspect:
    storm = cut("storm-clean-up", "The clean-up was organised", "the end of the pier.")
    library = cut("library-renovation", "The children’s library moves", "book by the hour.")
    storm_link = f'<a href="{article_url("storm-clean-up")}">as the Courier reported</a>'
    body = "\n".join(
        [
            paras("""
Our weekly round-up of what our neighbours have been writing about, in case you missed it.
"""),
            "      <h2>Shovels and soup</h2>",
            f"      <p>The big sweep-up after the storm was a triumph of community spirit, "
            f"{storm_link}:</p>",
            quote_block(storm.text),
            "      <h2>Printers in the stacks</h2>",
            paras("""
Up the hill, the old reading rooms are getting a very modern makeover. One detail caught
our eye:
"""),
            quote_block(library.text),
            paras("""
Right, that is all for this week. Send your tips for next Friday’s round-up to the newsdesk.
"""),
        ]
    )
    return Suspect(
        name="two-sources.html",
        demonstrates=(
            "Short excerpts from two articles on one page. The first is linked to its article "
            "and compliant. The second has no link of its own; the page’s only publisher link "
            "points to the other article, which is an active link to the publisher’s site but "
            "not to this article, so by design.md’s precedence (rule 3) it is LINK_WRONG_TARGET, "
            "not LINK_MISSING."
        ),
        content=page(
            BAYLINE,
            "/local/2026/03/week-along-the-coast/",
            "The week along the coast",
            "2026-03-06T17:00:00+00:00",
            body,
            "Hywel Pascoe-Dunn",
        ),
        sources=(Source((storm,)), Source((library,), ("LINK_WRONG_TARGET",))),
        variants=(
            Variant(
                policy={"link": {"target": "domain"}},
                violations={"storm-clean-up": (), "library-renovation": ()},
            ),
        ),
    )


SHARED_PHRASE = "the harbour master’s office on Quay Street"


def unrelated() -> Suspect:
    body = paras(f"""
The queue outside Pellow’s Bakery now stretches past {SHARED_PHRASE} most Saturday
mornings, and after last week it is likely to get longer still.

Judges at the regional baking awards named the family firm’s saffron bun the best in the
west, beating more than two hundred entries. Grace Pellow, who took over the ovens from her
father in 2019, said the recipe had not changed since her great-grandmother wrote it on the
back of a ration book.

“People ask what the secret is and I tell them it is patience,” she said. “The dough sits
overnight. Nobody wants to hear that, but it is true.”

The bakery opens at seven. Regulars advise arriving before half past if you want anything
still warm.
""")
    return Suspect(
        name="unrelated.html",
        demonstrates=(
            "An original story that shares only one short phrase (under 50 characters: "
            f"“{SHARED_PHRASE}”) with the archive. Shorter than min_passage_chars, so it is not "
            "reuse: compliant, no sources."
        ),
        content=page(
            COASTAL,
            "/news/2026/03/saffron-bun-wins/",
            "Family bakery’s saffron bun named best in the west",
            "2026-03-12T08:00:00+00:00",
            body,
            "Cerys Hammett",
        ),
        shared_phrase=SHARED_PHRASE,
    )


def newsletter() -> Suspect:
    ex = cut("school-robotics-team", "Most of the twenty-four schools", "the top of the ramp.")
    wrapped = textwrap.fill(ex.text, width=72, break_on_hyphens=False, break_long_words=False)
    url = article_url("school-robotics-team")
    text = f"""THE TIDEWATER LETTER
No. 112, Friday 13 March 2026
A weekly note for the villages of the lower estuary
(Fiction: written for the reprint-check examples.)

Good morning, neighbours. Three things this week, and a correction.

1. SPRING TIDES

The big tides come back on Tuesday and Wednesday. The causeway to the
chapel rock will be under water from mid-morning both days, so please do
not try to walk it with the dog, however tempting the sunshine.

2. A ROBOT MADE FROM A SKIP

Our favourite story of the week comes from the academy over the water,
where a handful of teenagers have been doing remarkable things with
rubbish:

{wrapped}

Read more: {url}

3. PLANT SWAP

Bring your spare seedlings to the village hall on Saturday from ten
until noon. Tomatoes are always wanted. Mint is never wanted.

CORRECTION

Last week we gave the wrong day for the litter pick. It is the 21st,
not the 22nd. Apologies to the four people who turned up to an empty
beach and did it anyway.

You are receiving this because you signed up at tidewater-letter.example.
Reply to this email to unsubscribe.
"""
    return Suspect(
        name="story.txt",
        demonstrates=(
            "A plain-text newsletter (the .txt target form) with a {chars}-character excerpt, hard "
            "wrapped at 72 columns, and the article URL given only as bare text: "
            "EXCERPT_TOO_LONG and LINK_NOT_ACTIVE."
        ),
        content=text,
        sources=(Source((ex,), ("EXCERPT_TOO_LONG", "LINK_NOT_ACTIVE")),),
        rendered={0: wrapped},
    )


BUILDERS = (
    compliant,
    too_long,
    full_reprint,
    link_missing,
    link_not_active,
    link_hidden,
    link_wrong_target,
    link_nofollow,
    evasion,
    two_sources,
    unrelated,
    newsletter,
)


# --- self-checks --------------------------------------------------------------------


class _Visible(HTMLParser):
    """Rough visible text of a page: skips <head>, <style>, <script> and display:none."""

    BLOCKS = frozenset(
        {
            "p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "header",
            "footer", "nav", "aside", "main", "article", "ul", "ol", "section", "form",
            "table", "tr", "td", "th", "pre",
        }
    )  # fmt: skip
    VOID = frozenset({"br", "img", "meta", "link", "input", "hr", "wbr", "source"})
    SKIP = frozenset({"head", "style", "script", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: does it hide its content?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag in self.VOID:
            return
        style = (dict(attrs).get("style") or "").replace(" ", "")
        self.stack.append(tag in self.SKIP or "display:none" in style)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self.stack:
            self.stack.pop()
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not any(self.stack):
            self.parts.append(data)


def visible_text(suspect: Suspect) -> str:
    if suspect.name.endswith(".txt"):
        return suspect.content
    parser = _Visible()
    parser.feed(suspect.content)
    parser.close()
    return "".join(parser.parts)


def _nearest(text: str, index: int, step: int) -> str:
    """The first non-space character from ``index`` walking by ``step``; '' at either end."""
    while 0 <= index < len(text):
        if not text[index].isspace():
            return text[index]
        index += step
    return ""


def longest_shared_run(text: str, corpus: str, seed: int = 16) -> str:
    """The longest substring of ``text`` also found in ``corpus`` (runs shorter than ``seed`` are
    ignored)."""
    best = ""
    for i in range(len(text) - seed + 1):
        if "\x00" in text[i : i + seed] or text[i : i + seed] not in corpus:
            continue
        j = i + seed
        while j < len(text) and text[i : j + 1] in corpus:
            j += 1
        if j - i > len(best):
            best = text[i:j]
    return best


def check(suspect: Suspect, corpus: str) -> str:
    """Fail loudly when a page would not demonstrate what it claims; return the longest
    run the partner's own text shares with the archive."""
    page = fold(visible_text(suspect))
    rest = page
    for source in suspect.sources:
        for excerpt in source.excerpts:
            folded = fold(excerpt.text)
            if len(folded) < MIN_EXCERPT_CHARS:
                raise SystemExit(f"{suspect.name}: excerpt shorter than {MIN_EXCERPT_CHARS}")
            if page.count(folded) != 1:
                raise SystemExit(f"{suspect.name}: excerpt not found once: {folded[:40]!r}")
            at = page.index(folded)
            src = fold(excerpt.story.text)
            src_at = src.index(folded)
            before = (_nearest(page, at - 1, -1), _nearest(src, src_at - 1, -1))
            after = (_nearest(page, at + len(folded), 1), _nearest(src, src_at + len(folded), 1))
            for side, (mine, theirs) in (("before", before), ("after", after)):
                if mine and mine == theirs:
                    raise SystemExit(
                        f"{suspect.name}: text {side} the excerpt of {excerpt.story.slug} "
                        f"matches the article ({mine!r}); the passage would grow"
                    )
            rest = rest.replace(folded, "\x00")
    shared = longest_shared_run(rest, corpus)
    allowed = fold(suspect.shared_phrase) if suspect.shared_phrase else ""
    if allowed:
        if allowed not in shared or len(shared) >= MIN_PASSAGE_CHARS:
            raise SystemExit(f"{suspect.name}: shared phrase run is {shared!r}")
    elif len(shared) >= MAX_ORIGINAL_OVERLAP:
        raise SystemExit(f"{suspect.name}: original text shares {shared!r} with the archive")
    return shared


def check_archive() -> None:
    """No two articles may share a reusable run, or an excerpt would have two sources."""
    folded = {s.slug: fold(s.text) for s in STORIES}
    for slug, text in folded.items():
        others = "\x00".join(t for other, t in folded.items() if other != slug)
        shared = longest_shared_run(text, others)
        if len(shared) >= MAX_ORIGINAL_OVERLAP:
            raise SystemExit(f"archive: {slug} shares {shared!r} with another article")


# --- expectations -------------------------------------------------------------------


def ordered(codes: tuple[str, ...]) -> list[str]:
    return sorted(codes, key=CODE_ORDER.index)


def expectation(suspect: Suspect) -> dict[str, object]:
    sources = []
    for source in suspect.sources:
        story = source.story
        passages = []
        for n, excerpt in enumerate(source.excerpts):
            shown = suspect.rendered.get(n, excerpt.text)
            chars = visible_chars(shown)
            if chars != excerpt.chars:
                raise SystemExit(f"{suspect.name}: rendering changed the count of an excerpt")
            passages.append(
                {
                    "chars": chars,
                    "source_start": excerpt.start,
                    "source_end": excerpt.end,
                    "text": excerpt.text,
                }
            )
        reused = sum(p["chars"] for p in passages)
        article_chars = visible_chars(story.text)
        codes = set(source.violations)
        # Cross-check the hand-written codes against the policy arithmetic.
        if (reused > MAX_CHARS) != ("EXCERPT_TOO_LONG" in codes):
            raise SystemExit(f"{suspect.name}: EXCERPT_TOO_LONG disagrees with {reused} chars")
        if (reused >= FULL_REPRINT_RATIO * article_chars) != ("FULL_REPRINT" in codes):
            raise SystemExit(f"{suspect.name}: FULL_REPRINT disagrees with {reused} chars")
        sources.append(
            {
                "url": story.url,
                "title": story.title,
                "reused_chars": reused,
                "article_chars": article_chars,
                "violations": ordered(source.violations),
                "passages": passages,
            }
        )
    sources.sort(key=lambda s: str(s["url"]))
    status = "violation" if any(s["violations"] for s in sources) else "compliant"
    demonstrates = suspect.demonstrates
    if len(sources) == 1:
        only = sources[0]
        demonstrates = demonstrates.format(
            chars=only["reused_chars"],
            article_chars=only["article_chars"],
            passages=" + ".join(str(p["chars"]) for p in only["passages"]),
        )
    entry: dict[str, object] = {
        "demonstrates": demonstrates,
        "status": status,
        "sources": sources,
    }
    if suspect.variants:
        entry["variants"] = [variant_entry(suspect, v) for v in suspect.variants]
    return entry


def variant_entry(suspect: Suspect, variant: Variant) -> dict[str, object]:
    by_slug = {source.story.slug: source for source in suspect.sources}
    sources = []
    for slug, codes in sorted(variant.violations.items(), key=lambda kv: BY_SLUG[kv[0]].url):
        counts = [e.chars for e in by_slug[slug].excerpts]
        reused = max(counts) if variant.count == "longest" else sum(counts)
        sources.append(
            {"url": BY_SLUG[slug].url, "reused_chars": reused, "violations": ordered(codes)}
        )
    status = "violation" if any(s["violations"] for s in sources) else "compliant"
    return {"policy": variant.policy, "status": status, "sources": sources}


def main() -> int:
    check_archive()
    corpus = "\x00".join(fold(s.text) + "\x00" + fold(s.title) for s in STORIES)
    suspects = [build() for build in BUILDERS]
    targets: dict[str, object] = {}
    for suspect in suspects:
        shared = check(suspect, corpus)
        entry = expectation(suspect)
        if suspect.shared_phrase:
            entry["longest_shared_run_chars"] = len(shared)
        targets[suspect.name] = entry
    SUSPECTS.mkdir(exist_ok=True)
    for suspect in suspects:
        (SUSPECTS / suspect.name).write_text(suspect.content, encoding="utf-8")
    expected = {
        "schema": "reprint-check/examples-expected/v1",
        "generated_by": "examples/make_suspects.py",
        "policy": {
            "name": "default",
            "excerpt": {
                "max_chars": MAX_CHARS,
                "count": "total",
                "min_passage_chars": MIN_PASSAGE_CHARS,
                "include_title": False,
                "full_reprint_ratio": FULL_REPRINT_RATIO,
            },
            "link": {
                "required": True,
                "active": True,
                "followable": False,
                "target": "article",
                "position": "anywhere",
            },
        },
        "notes": [
            "Keys of 'targets' are file names in examples/suspects/.",
            "reused_chars follows design.md: visible characters after dropping format "
            "characters and collapsing each white space run to one space; a passage that "
            "crosses paragraphs counts each paragraph break as one space.",
            "source_start/source_end index the article's 'text' in examples/archive.jsonl.",
            "violations are listed in design.md order; compare them as a set.",
            "variants: the same file under the default policy with the given keys changed.",
        ],
        "targets": targets,
    }
    out = json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    (HERE / "expected.json").write_text(out, encoding="utf-8")
    for name, entry in targets.items():
        assert isinstance(entry, dict)
        summary = ", ".join(
            f"{s['url'].rsplit('/', 2)[1]} {s['reused_chars']} {'+'.join(s['violations']) or 'ok'}"
            for s in entry["sources"]
        )
        print(f"{name:24} {entry['status']:10} {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
