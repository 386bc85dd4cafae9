"""The semantic stage for one page: candidates, pre-filter, judge, alignment.

Cost is the design problem: the judge (multilingual e5) manages a few dozen
sentences a second on a CPU, so it never sees the whole archive nor, where
it can be avoided, the whole page:

1. The page's sentences go through the cheap encoder (hundreds a second).
2. Retrieval: windows of page sentences against the archive's window
   vectors (made at ingest) give a few candidate articles.
3. Pre-filter, per candidate: the page sentences that the cheap encoder finds
   anywhere near one of the article's sentences (and their neighbours), and
   for each of those only the article's nearest sentences.
4. The judge embeds just those; its vectors of article sentences are kept in
   the index, so an article costs the judge once, whoever audits it next.
5. Alignment (align.py) decides and measures on the judge's cosines.

Thresholds come from cross-validation over labelled cases; see
benchmarks/semantic_calibrate.py and docs/semantic.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from reprint_check.errors import IndexStoreError
from reprint_check.index.base import SourceIndex
from reprint_check.models import Article, Page, Passage
from reprint_check.semantic.align import Alignment, ChainRule, Pair, align, runs
from reprint_check.semantic.embed import E5Embedder, Embedder, UseEmbedder
from reprint_check.semantic.lang import language
from reprint_check.semantic.lexical import support as lexical_support
from reprint_check.semantic.ready import (
    MIN_SENTENCE_CHARS,
    SENTENCE_RULES,
    article_sentences,
    kinds,
    window_vectors,
)
from reprint_check.semantic.records import Record, pack, unpack
from reprint_check.semantic.sentences import Sentence
from reprint_check.text.normalize import visible_length

__all__ = [
    "DEFAULT_SETTINGS",
    "SemanticMatch",
    "SemanticStage",
    "Settings",
    "cut_out",
    "passage_of",
]

# A page sentence at least this much inside verbatim passages belongs to them.
VERBATIM_SHARE = 0.5


# The languages Universal Sentence Encoder multilingual v3 was trained on.
USE_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)


@dataclass(frozen=True)
class Settings:
    """Every number of the stage, named; the defaults are the calibrated ones."""

    candidates: int = 5  # articles per page that reach the pre-filter, best retrieval first
    retrieval_min: float = 0.30  # window cosine (cheap encoder) a candidate needs
    page_window: int = 4  # page sentences per retrieval window (step 1)
    prefilter: float = 0.30  # cheap cosine that sends a page sentence to the judge
    prefilter_neighbours: int = 1  # ... with this many neighbours on each side
    source_nearest: int = 3  # article sentences the judge sees per page sentence (±1 each)
    # The judge sees a candidate only when this many characters of page sentences come
    # close to it (gate_similarity) in a language the cheap encoder knows, or are in a
    # language it does not know (it misjudges those, Ukrainian among them: no gate there).
    gate_chars: int = 250
    gate_similarity: float = 0.40
    cheap_languages: frozenset[str] = USE_LANGUAGES
    page_candidates_per: int = 40  # one more candidate per this many page sentences
    # the decision for a page in another language than the article (a translation) ...
    rule: ChainRule = field(
        default_factory=lambda: ChainRule(base=0.86, min_score=14.0, extend=0.84)
    )
    # ... and in its language (a rewrite), where pairs need lexical support (align.py)
    same_language: ChainRule = field(
        default_factory=lambda: ChainRule(base=0.84, min_score=10.0, extend=0.84, lexical=0.15)
    )


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class SemanticMatch:
    """One article the page carries in other words, with its passages."""

    article_id: int
    article: Article
    passages: tuple[Passage, ...]  # match = "translation" | "rewrite", with lang
    score: float  # the chain's weight that decided it


@dataclass(frozen=True)
class Candidate:
    """An article retrieval proposed, with the judge's cosines against the page's sentences."""

    article_id: int
    article: Article
    record: Record  # the article's sentences (and cheap vectors)
    retrieval: float  # its best window cosine
    similarity: np.ndarray  # page sentences × article sentences; -1 where not judged


@dataclass(frozen=True)
class Evidence:
    """A page's sentences, which may join a copy, and its candidates."""

    sentences: tuple[Sentence, ...]
    usable: tuple[bool, ...]
    candidates: tuple[Candidate, ...]


@dataclass
class _Windows:
    """The archive's window vectors in memory: one matrix, and whose each row is."""

    key: tuple[str, int]
    matrix: np.ndarray
    owners: np.ndarray


class SemanticStage:
    """Finds rewritten and translated copies; one per process (it holds the models)."""

    def __init__(
        self,
        cheap: Embedder | None = None,
        judge: Embedder | None = None,
        settings: Settings = DEFAULT_SETTINGS,
        *,
        detect_language: Callable[[str], str] = language,
    ) -> None:
        self.cheap = cheap or UseEmbedder()
        self.judge = judge or E5Embedder()
        self.settings = settings
        self.sentence_kind, self.window_kind = kinds(self.cheap)
        self.judge_kind = f"{self.judge.name}/{SENTENCE_RULES}"
        self._language = detect_language
        self._windows: _Windows | None = None
        self._article_lang: dict[str, str] = {}

    # --- readiness -------------------------------------------------------------------

    def missing(self, index: SourceIndex) -> int:
        """How many articles of the index have no semantic data (see ``make_ready``)."""
        return len(index.semantic_missing(self.window_kind))

    # --- one page -------------------------------------------------------------------

    def find(
        self,
        page: Page,
        index: SourceIndex,
        *,
        accept: Callable[[Article], bool] = lambda _a: True,
        verbatim: Sequence[tuple[int, int]] = (),
    ) -> list[SemanticMatch]:
        """The articles of ``index`` that ``page`` renders in other words.

        ``accept`` says whether an article may be reported at all (its policy
        covers it, it is not the page's own); ``verbatim`` are the page spans
        already found copied word for word: their sentences are left to them.
        """
        return self.decide(page, self.evidence(page, index, accept=accept, verbatim=verbatim))

    def evidence(
        self,
        page: Page,
        index: SourceIndex,
        *,
        accept: Callable[[Article], bool] = lambda _a: True,
        verbatim: Sequence[tuple[int, int]] = (),
    ) -> Evidence:
        """Everything the decision needs: the judge's cosines with each candidate article."""
        sentences = article_sentences(page.text)
        texts = [page.text[s.start : s.end] for s in sentences]
        usable = tuple(not _mostly_inside(s, verbatim) for s in sentences)
        if not any(usable):
            return Evidence(tuple(sentences), usable, ())
        cheap = self.cheap.encode(texts)
        strict: np.ndarray | None = None  # told only once a candidate needs it
        judged: dict[int, np.ndarray] = {}
        candidates = []
        for article_id, similarity in self._candidates(index, cheap, usable):
            (article,) = index.get_many([article_id])
            if not accept(article):
                continue
            record = self._cheap_record(index, article_id)
            if record is None or not len(record.spans):
                continue
            near = cheap @ record.vectors.T
            if strict is None:
                strict = self._cheap_knows(texts)
            if not self._passes_gate(near, sentences, usable, strict):
                continue
            sim = self._judged_similarity(
                index, article_id, article, near, record, texts, usable, judged
            )
            candidates.append(Candidate(article_id, article, record, similarity, sim))
        return Evidence(tuple(sentences), usable, tuple(candidates))

    def decide(
        self,
        page: Page,
        evidence: Evidence,
        rule: ChainRule | None = None,
        same_language: ChainRule | None = None,
    ) -> list[SemanticMatch]:
        """The copies the evidence shows under ``rule`` for an article in another language
        than the page's sentences near it, ``same_language`` for one in theirs (defaults:
        the settings')."""
        rule = rule or self.settings.rule
        same_language = same_language or self.settings.same_language
        weights = [s.end - s.start for s in evidence.sentences]
        texts = [page.text[s.start : s.end] for s in evidence.sentences]
        found = []
        for c in evidence.candidates:
            near = np.nonzero(c.similarity.max(axis=1) > min(rule.base, same_language.base))[0]
            if not len(near):
                continue
            lang = self._language(" ".join(texts[i] for i in near))
            chosen, support = rule, None
            if lang == self._source_language(c.article):
                chosen = same_language
                spans = c.record.spans
                sources = [c.article.text[int(a) : int(b)] for a, b in spans]
                support = lexical_support(texts, sources, c.similarity, chosen.base)
            alignment = align(c.similarity, weights, chosen, evidence.usable, support)
            if alignment is not None:
                found.append((alignment.score, c.article_id, c.article, alignment, c.record))
        return self._attribute(page, evidence.sentences, found, rule)

    def _cheap_knows(self, texts: Sequence[str]) -> np.ndarray:
        """Per page sentence: is it in a language the cheap encoder knows (judged with its
        neighbours, since a short sentence alone is too little to tell the language by)?"""
        known = self.settings.cheap_languages
        return np.array(
            [
                self._language(" ".join(texts[max(0, i - 1) : i + 2])) in known
                for i in range(len(texts))
            ],
            dtype=bool,
        )

    def _passes_gate(
        self,
        near: np.ndarray,
        sentences: Sequence[Sentence],
        usable: Sequence[bool],
        strict: np.ndarray,
    ) -> bool:
        s = self.settings
        best = near.max(axis=1)
        # in a language it does not know, the cheap encoder's cosine says too little to gate on
        close = np.where(strict, best >= s.gate_similarity, True)
        close &= np.asarray(usable, dtype=bool)
        chars = sum(sentences[i].end - sentences[i].start for i in np.nonzero(close)[0])
        return chars >= s.gate_chars

    def _candidates(
        self, index: SourceIndex, cheap: np.ndarray, usable: Sequence[bool]
    ) -> list[tuple[int, float]]:
        windows = self._window_index(index)
        rows = cheap[np.asarray(usable, dtype=bool)]
        if not len(rows) or not len(windows.owners):
            return []
        page_windows = window_vectors(rows, self.settings.page_window, 1)
        best = (page_windows @ windows.matrix.T).max(axis=0)
        per_article: dict[int, float] = {}
        for owner, value in zip(windows.owners.tolist(), best.tolist(), strict=True):
            if value > per_article.get(owner, -2.0):
                per_article[owner] = value
        ranked = sorted(per_article.items(), key=lambda x: (-x[1], x[0]))
        kept = [(a, s) for a, s in ranked if s >= self.settings.retrieval_min]
        # a long page (a whole dossier) may carry several stories: more candidates
        wanted = self.settings.candidates + len(rows) // self.settings.page_candidates_per
        return kept[:wanted]

    def _window_index(self, index: SourceIndex) -> _Windows:
        key = (index.location, index.count())
        if self._windows is None or self._windows.key != key:
            matrices, owners = [], []
            for article_id, data in index.semantic_rows(self.window_kind):
                vectors = unpack(data).vectors
                matrices.append(vectors)
                owners.extend([article_id] * len(vectors))
            matrix = np.vstack(matrices) if matrices else np.zeros((0, self.cheap.dim), np.float32)
            self._windows = _Windows(key, matrix, np.asarray(owners, dtype=np.int64))
        return self._windows

    def _cheap_record(self, index: SourceIndex, article_id: int) -> Record | None:
        for _id, data in index.semantic_rows(self.sentence_kind, [article_id]):
            return unpack(data)
        return None

    def _judged_similarity(
        self,
        index: SourceIndex,
        article_id: int,
        article: Article,
        near: np.ndarray,
        cheap_record: Record,
        texts: Sequence[str],
        usable: Sequence[bool],
        judged: dict[int, np.ndarray],
    ) -> np.ndarray:
        """Judge cosines for the pairs the pre-filter keeps; -1 for every other pair.

        ``near`` holds the cheap encoder's cosines (page sentences × the article's).
        """
        s = self.settings
        keep = (near.max(axis=1) >= s.prefilter) & np.asarray(usable, dtype=bool)
        keep = _dilate(keep, s.prefilter_neighbours) & np.asarray(usable, dtype=bool)
        rows = np.nonzero(keep)[0]
        columns = np.zeros(near.shape[1], dtype=bool)
        for i in rows:
            for j in np.argsort(-near[i], kind="stable")[: s.source_nearest]:
                columns[max(0, j - 1) : j + 2] = True
        cols = np.nonzero(columns)[0]
        sim = np.full(near.shape, -1.0, dtype=np.float32)
        if not len(rows) or not len(cols):
            return sim
        todo = [int(i) for i in rows if int(i) not in judged]
        if todo:
            vectors = _rounded(self.judge.encode([texts[i] for i in todo]))
            judged.update(zip(todo, vectors, strict=True))
        page_vectors = np.stack([judged[int(i)] for i in rows])
        source_vectors = self._judge_article(index, article_id, article, cheap_record, cols)
        sim[np.ix_(rows, cols)] = page_vectors @ source_vectors.T
        return sim

    def _judge_article(
        self,
        index: SourceIndex,
        article_id: int,
        article: Article,
        cheap_record: Record,
        cols: np.ndarray,
    ) -> np.ndarray:
        """The judge's vectors of the article's sentences ``cols``, computed once and kept."""
        record = None
        for _id, data in index.semantic_rows(self.judge_kind, [article_id]):
            stored = unpack(data)
            if np.array_equal(stored.spans, cheap_record.spans):
                record = stored
        if record is None:
            n = len(cheap_record.spans)
            record = Record(
                cheap_record.spans,
                np.zeros((n, self.judge.dim), dtype=np.float32),
                np.zeros(n, dtype=bool),
            )
        todo = [int(j) for j in cols if not record.filled[j]]
        if todo:
            spans = record.spans
            texts = [article.text[spans[j][0] : spans[j][1]] for j in todo]
            vectors = record.vectors.copy()
            filled = record.filled.copy()
            vectors[todo] = _rounded(self.judge.encode(texts))
            filled[todo] = True
            record = Record(spans, vectors, filled)
            # a read-only index (an auditor's role) still audits, it just does not remember
            with contextlib.suppress(IndexStoreError):
                index.semantic_store(self.judge_kind, [(article_id, pack(record, exact=True))])
        return record.vectors[cols]

    # --- from alignments to passages ------------------------------------------------

    def _attribute(
        self,
        page: Page,
        sentences: Sequence[Sentence],
        found: list[tuple[float, int, Article, Alignment, Record]],
        rule: ChainRule,
    ) -> list[SemanticMatch]:
        """Each page sentence to one article at most: the strongest copy claims first."""
        claimed: set[int] = set()
        matches: list[SemanticMatch] = []
        for score, article_id, article, alignment, record in sorted(
            found, key=lambda f: (-f[0], f[1])
        ):
            pairs = [p for p in alignment.pairs if p.page not in claimed]
            if not pairs:
                continue
            claimed.update(p.page for p in pairs)
            passages = self._passages(page, sentences, article, record, pairs, rule.gap)
            if passages:
                matches.append(SemanticMatch(article_id, article, passages, score))
        return matches

    def _passages(
        self,
        page: Page,
        sentences: Sequence[Sentence],
        article: Article,
        record: Record,
        pairs: Sequence[Pair],
        gap: int,
    ) -> tuple[Passage, ...]:
        """One passage per run of covered sentences, with its sentence pairs."""
        spans = record.spans
        pieces = []
        for group in runs(pairs, gap):
            aligned = tuple(
                (
                    sentences[p.page].start,
                    sentences[p.page].end,
                    int(spans[p.source][0]),
                    int(spans[p.source][1]),
                    round(p.similarity, 4),
                )
                for p in group
            )
            pieces.append((aligned[0][0], aligned[-1][1], aligned))
        lang = self._language(" ".join(page.text[a:b] for a, b, _ in pieces))
        match = "rewrite" if lang == self._source_language(article) else "translation"
        out: list[Passage] = []
        for start, end, aligned in pieces:
            out.extend(passage_of(page.text, article.text, start, end, aligned, match, lang))
        return tuple(out)

    def _source_language(self, article: Article) -> str:
        if article.url not in self._article_lang:
            self._article_lang[article.url] = self._language(article.text[:5000])
        return self._article_lang[article.url]


def passage_of(
    page_text: str,
    article_text: str,
    start: int,
    end: int,
    pairs: Sequence[tuple[int, int, int, int, float]],
    match: str,
    lang: str,
) -> list[Passage]:
    """The passage ``page_text[start:end]`` made of the sentence ``pairs`` inside it.

    Trimmed of white space; its source span covers the pairs' article
    sentences (in any order), its similarity is their mean weighted by page
    characters. Empty when no pair lies inside or it is shorter than a
    sentence worth comparing.
    """
    while start < end and page_text[start].isspace():
        start += 1
    while end > start and page_text[end - 1].isspace():
        end -= 1
    inside = [p for p in pairs if start < p[1] and p[0] < end]
    if end - start < MIN_SENTENCE_CHARS or not inside:
        return []
    source_start = min(p[2] for p in inside)
    source_end = max(p[3] for p in inside)
    weights = [p[1] - p[0] for p in inside]
    similarity = float(np.average([p[4] for p in inside], weights=weights))
    return [
        Passage(
            target_start=start,
            target_end=end,
            source_start=source_start,
            source_end=source_end,
            chars=visible_length(page_text[start:end]),
            similarity=round(similarity, 4),
            text=page_text[start:end],
            source_text=article_text[source_start:source_end],
            match=match,
            lang=lang,
            pairs=tuple(inside),
        )
    ]


def cut_out(
    page_text: str, article_text: str, passage: Passage, taken: Sequence[tuple[int, int]]
) -> list[Passage]:
    """The parts of a semantic passage outside the ``taken`` page spans (verbatim passages)."""
    parts = [(passage.target_start, passage.target_end)]
    for a, b in sorted(taken):
        parts = [
            piece
            for s, e in parts
            for piece in ((s, min(e, a)), (max(s, b), e))
            if piece[1] > piece[0]
        ]
    if parts == [(passage.target_start, passage.target_end)]:
        return [passage]
    out: list[Passage] = []
    for s, e in parts:
        out.extend(
            passage_of(
                page_text,
                article_text,
                s,
                e,
                passage.pairs,
                passage.match or "",
                passage.lang or "",
            )
        )
    return out


def _mostly_inside(sentence: Sentence, spans: Sequence[tuple[int, int]]) -> bool:
    inside = sum(max(0, min(b, sentence.end) - max(a, sentence.start)) for a, b in spans)
    return inside >= VERBATIM_SHARE * (sentence.end - sentence.start)


def _dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    out = mask.copy()
    for d in range(1, steps + 1):
        out[d:] |= mask[:-d]
        out[:-d] |= mask[d:]
    return out


def _rounded(vectors: np.ndarray) -> np.ndarray:
    """Vectors as the index keeps them (float16), so a fresh and a kept one compare alike."""
    return np.asarray(vectors, dtype=np.float32).astype(np.float16).astype(np.float32)
