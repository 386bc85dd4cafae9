"""A toy encoder and fictional stories for the semantic stage's tests (no model needed).

``ConceptEmbedder`` reads a sentence as the set of concepts its words name
(English and German words of a small glossary map to shared concepts, other
words are ignored) and returns the unit sum of one fixed random vector per
concept. A sentence and its translation or paraphrase name the same
concepts, so they land on the same vector, as a multilingual encoder would
put them close; unrelated sentences share none. Deterministic: vectors come
from a stable hash of the concept's name.

The stories are fiction written for these tests.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from reprint_check.semantic.align import ChainRule
from reprint_check.semantic.stage import Settings

DIM = 96

# word -> concept; English words name themselves. One glossary for both languages.
GLOSSARY = {
    # S0
    "council": "council", "gemeinderat": "council", "harbourton": "harbourton",
    "approved": "approve", "beschlossen": "approve", "plan": "plan", "replace": "replace",
    "ersetzen": "replace", "leaking": "leak", "undichte": "leak", "roof": "roof", "dach": "roof",
    "central": "central", "zentralbibliothek": "library", "library": "library",
    "bibliothek": "library",
    # S1
    "work": "work", "arbeiten": "work", "begin": "begin", "beginnen": "begin", "start": "begin",
    "april": "april", "eleven": "eleven", "elf": "eleven", "weeks": "weeks", "wochen": "weeks",
    "building": "building", "bauamts": "building", "officer": "officer", "leiter": "officer",
    "gemeinde": "council",
    # S2
    "repairs": "repairs", "reparaturen": "repairs", "reading": "reading", "lesesaal": "reading",
    "room": "room", "move": "move", "zieht": "move", "relocate": "move", "fire": "fire",
    "feuerwache": "fire", "station": "station", "mill": "mill", "mühlenstraße": "mill",
    # S3
    "children": "children", "kinder": "children", "kids": "children", "story": "story",
    "vorlesestunden": "story", "saturday": "saturday", "samstagmorgen": "saturday",
    "community": "community", "gemeindesaal": "community", "hall": "hall",
    # S4
    "project": "project", "projekt": "project", "cost": "cost", "kostet": "cost",
    "million": "million", "millionen": "million", "euros": "euro", "euro": "euro",
    "regional": "regional", "regionalen": "regional", "heritage": "heritage",
    "denkmalfonds": "heritage", "fund": "fund",
    # S5
    "staff": "staff", "mitarbeiter": "staff", "employees": "staff", "rain": "rain",
    "regen": "rain", "damaged": "damage", "beschädigt": "damage", "ruined": "damage",
    "books": "books", "bücher": "books", "volumes": "books", "winter": "winter",
    # S6
    "reopen": "reopen", "summer": "summer", "festival": "festival",
    # the cycling story (a distractor article)
    "cyclists": "cyclists", "race": "race", "mountain": "mountain", "stage": "stage",
    "radrennen": "race", "berg": "mountain", "etappe": "stage",
}  # fmt: skip


class ConceptEmbedder:
    """The toy encoder (see the module docstring); ``name`` keys its stored vectors."""

    dim = DIM

    def __init__(self, name: str = "toy-concepts") -> None:
        self.name = name
        self.calls: list[int] = []  # texts per encode call, so tests can see what was embedded

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for concept in {GLOSSARY[w] for w in re.findall(r"\w+", text.lower()) if w in GLOSSARY}:
                seed = zlib.crc32(concept.encode("utf-8"))
                out[row] += np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out


# Numbers for the toy encoder: it scores a copied sentence 1.0 and a stranger 0.
TOY_SETTINGS = Settings(
    candidates=5,
    retrieval_min=0.3,
    prefilter=0.3,
    rule=ChainRule(base=0.5, min_score=100.0, extend=0.45),
)

LIBRARY_URL = "https://courier.example/2026/03/library-roof/"
LIBRARY_TITLE = "Harbourton library roof to be replaced"
LIBRARY = [
    "The town council of Harbourton has approved a plan to replace the leaking roof of the "
    "central library.",
    "Work will begin in April and is expected to last eleven weeks, according to the "
    "council's building officer.",
    "During the repairs the reading room will move to the old fire station on Mill Street.",
    "Children's story hours will continue every Saturday morning in the community hall.",
    "The project will cost about two million euros, most of it from a regional heritage fund.",
    "Library staff said that rain had damaged more than three hundred books last winter.",
    "The council expects the building to reopen in time for the summer reading festival.",
]
LIBRARY_BODY = " ".join(LIBRARY[:4]) + "\n\n" + " ".join(LIBRARY[4:])

# Sentences 1 to 5 in German (the translation the tests look for).
GERMAN = [
    "Die Arbeiten beginnen im April und dauern nach Angaben vom Leiter des Bauamts der "
    "Gemeinde voraussichtlich elf Wochen.",
    "Während der Reparaturen zieht der Lesesaal in die alte Feuerwache in der Mühlenstraße.",
    "Die Vorlesestunden für Kinder finden weiterhin jeden Samstagmorgen im Gemeindesaal statt.",
    "Das Projekt kostet rund zwei Millionen Euro, die größtenteils aus einem regionalen "
    "Denkmalfonds stammen.",
    "Die Mitarbeiter der Bibliothek sagten, dass Regen im vergangenen Winter mehr als "
    "dreihundert Bücher beschädigt habe.",
]

# Sentences 1 to 5 rewritten in English with other words (a language model's paraphrase).
REWRITE = [
    "According to the council's building officer, the work should start in April and run "
    "for eleven weeks.",
    "While the repairs go on, the reading room will relocate to the former fire station on "
    "Mill Street.",
    "Story sessions for kids are to carry on each Saturday in the community hall.",
    "A regional heritage fund is paying most of the project's cost of roughly two million euros.",
    "Employees at the library reported that rain ruined over three hundred books last winter.",
]

CYCLING_URL = "https://courier.example/2026/03/mountain-stage/"
CYCLING_BODY = (
    "More than two hundred cyclists will ride the mountain stage of the coastal race on Sunday. "
    "The stage climbs the mountain road above the harbour twice before the finish."
)

# A German host's own paragraphs, about something else entirely.
HOST_GERMAN = [
    "Der Wochenmarkt auf dem Rathausplatz öffnet künftig schon um sieben Uhr morgens.",
    "Die Händler hatten sich seit Jahren längere Öffnungszeiten gewünscht.",
]
HOST_ENGLISH = [
    "The weekly market on the square will open at seven in the morning from now on.",
    "Traders had asked for longer opening hours for years.",
]


def html_page(paragraphs: Sequence[str], title: str = "Nachrichten") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>"
