"""A fictional site's archive: many article pages that share the site's template.

"Harbour Times" (harbourtimes.example) does not exist. Each of its pages holds a
story of its own, generated from a seed, inside a layout with what every real
site adds around its stories and inside its story container, where page-by-page
extraction cannot tell it from the story:

- a staff byline line above every story ("Harbour Times staff report"),
- a members' appeal under every story, written like a paragraph of prose,
- a newsletter plea under most stories,
- a "Read also" line linking a different story on each page,
- navigation and a footer outside the story.

``pages(n)`` gives (url, html, story paragraphs) for n pages; the same n gives the
same pages on every run. Used by tests/test_template.py and by
benchmarks/template.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

HOST = "harbourtimes.example"
BYLINE = "Harbour Times staff report"
APPEAL = (
    "Harbour Times is an independent newsroom on the north coast. Our reporting is free "
    "to read because readers like you support it: become a member today and keep local "
    "journalism alive."
)
PLEA = (
    "Want the day's stories in your inbox? Our morning letter goes out at six and takes "
    "two minutes to read. Sign up on our website."
)
# Share of pages that carry the newsletter plea.
PLEA_SHARE = 0.6

_TOWNS = ["Gull Point", "Eastmere", "Holloway", "Saltash Row", "Brindle Quay", "Marram",
          "Kessel", "Lindenfeld", "Port Alder", "Wenlow"]  # fmt: skip
_SUBJECTS = ["the harbour board", "the county council", "the ferry operator",
             "the fishermen's cooperative", "the lifeboat crew", "the school governors",
             "the water company", "the chamber of commerce"]  # fmt: skip
_VERBS = ["voted to rebuild", "postponed a decision on", "asked for money to repair",
          "published a report on", "opened a consultation about", "agreed to sell",
          "promised to reopen", "refused to close"]  # fmt: skip
_THINGS = ["the breakwater", "the old fish market", "the coastal path", "the lighthouse",
           "the slipway", "the bus shelter on the quay", "the tide gauge",
           "the swimming pool", "the footbridge", "the night ferry"]  # fmt: skip
_DETAILS = [
    "after {n} residents signed a petition in the spring",
    "at a cost of about {n} thousand pounds, most of it from a regional fund",
    "despite objections from {n} traders who fear the works will keep visitors away",
    "a decision that had been put off {n} times since the winter storms",
    "with work due to start in week {n} of next year",
]
_QUOTES = [
    "\u201cWe cannot wait another winter,\u201d said {name}, who has lived in {town} for "
    "{n} years.",
    "\u201cThis is the right decision for {town}, but it comes {n} months late,\u201d {name} "
    "told the meeting.",
    "{name}, who has chaired the {town} residents' group for {n} years, said the plan was "
    "\u201cbetter than nothing\u201d.",
]
_NAMES = ["Ilse Brandauer", "Tom Okafor", "Maren Holt", "Dev Raman", "Ana Sousa",
          "Peter Quist", "Lena Marsh", "Sam Idowu"]  # fmt: skip


@dataclass(frozen=True)
class SitePage:
    url: str
    html: str
    story: tuple[str, ...]  # the paragraphs that are the story, in order
    headline: str


def _story(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    town = rng.choice(_TOWNS)
    subject = rng.choice(_SUBJECTS)
    thing = rng.choice(_THINGS)
    headline = f"{town}: {subject} {rng.choice(_VERBS)} {thing}".capitalize()
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        detail = rng.choice(_DETAILS).format(n=rng.randint(2, 900))
        if rng.random() < 0.4:
            paragraphs.append(
                rng.choice(_QUOTES).format(name=rng.choice(_NAMES), town=town, n=rng.randint(3, 60))
            )
        else:
            paragraphs.append(
                f"In {rng.choice(_TOWNS)}, {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} "
                f"{rng.choice(_THINGS)} on {rng.choice(['Monday', 'Tuesday', 'Thursday'])}, "
                f"{detail}."
            )
    return headline, tuple(paragraphs)


def pages(n: int, seed: int = 2031) -> list[SitePage]:
    """``n`` article pages of the fictional site, the same ones for the same arguments."""
    rng = random.Random(seed)
    stories = [_story(rng) for _ in range(n)]
    result = []
    for number, (headline, story) in enumerate(stories):
        url = f"https://{HOST}/2031/{number:04d}/"
        other_headline, _ = stories[(number + 7) % n]
        other = f"https://{HOST}/2031/{(number + 7) % n:04d}/"
        body = [f"<p class='kicker'>{BYLINE}</p>"]
        body += [f"<p>{p}</p>" for p in story]
        body.append(f"<p>{APPEAL}</p>")
        body.append(f"<p>Read also: <a href='{other}'>{other_headline}</a></p>")
        if rng.random() < PLEA_SHARE:
            body.append(f"<p>{PLEA}</p>")
        html = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{headline} | Harbour Times</title>"
            f"<link rel='canonical' href='{url}'></head><body>"
            "<header><nav><a href='/'>Home</a> <a href='/news'>News</a> "
            "<a href='/sport'>Sport</a></nav></header>"
            f"<main><article><h1>{headline}</h1><div class='entry-content'>"
            + "".join(body)
            + "</div></article></main>"
            "<footer><p>Harbour Times, 4 Quay Street. All rights reserved.</p></footer>"
            "</body></html>"
        )
        result.append(SitePage(url=url, html=html, story=story, headline=headline))
    return result
