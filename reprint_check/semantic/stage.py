"""The semantic stage for one page: candidates, pre-filter, judge, alignment.

Cost is the design problem: the judge (multilingual e5) manages a few dozen
sentences a second on a CPU, so it never sees the whole archive nor, where
it can be avoided, the whole page:

1. The cheap encoder (about a hundred sentences a second a core) reads every other page
   sentence; unless the articles their windows retrieve come near them in
   order, the page is done (most pages copy nothing).
2. Otherwise it reads the rest, and retrieval (windows of page sentences
   against the archive's window vectors, made at ingest) gives a few
   candidate articles.
3. Gate: a candidate reaches the judge only when the cheap cosines form an
   ordered chain over enough page characters. Pre-filter: the page sentences
   the cheap encoder finds near one of the article's sentences (and their
   neighbours), and for each of those only the article's nearest sentences.
4. The judge embeds just those, every other page sentence first; its vectors
   of article sentences are kept in the index, so an article costs the judge
   once, whoever audits it next, and in the process (a read-only index, an
   auditor's, keeps nothing: a feed or a batch of pages pays once an article).
5. Alignment (align.py) decides and measures on the judge's cosines.

Thresholds come from cross-validation over labelled cases; see
benchmarks/semantic_calibrate.py and docs/semantic.md.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from reprint_check.errors import IndexStoreError
from reprint_check.index.base import SourceIndex
from reprint_check.models import Article, Page, Passage
from reprint_check.semantic.align import Alignment, ChainRule, Pair, align, local_chain, runs
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
    # The cheap encoder reads every probe_step-th usable page sentence first; the rest only
    # when one of the probe_candidates articles their windows retrieve passes a looser
    # gate on them (see _worth_reading).
    probe_step: int = 2
    probe_candidates: int = 10
    probe_similarity: float = 0.45
    probe_chars: int = 200
    prefilter: float = 0.30  # cheap cosine that sends a page sentence to the judge
    prefilter_neighbours: int = 1  # ... with this many neighbours on each side
    source_nearest: int = 3  # article sentences the judge sees per page sentence (±1 each)
    # The judge sees a candidate only when this many characters of page sentences come
    # close to its sentences (gate_similarity) in order, in a language the cheap encoder
    # knows, or are in a language it does not know (it misjudges those, Ukrainian among
    # them: no gate there). See _passes_gate.
    gate_chars: int = 250
    gate_similarity: float = 0.50
    cheap_languages: frozenset[str] = USE_LANGUAGES
    page_candidates_per: int = 40  # one more candidate per this many page sentences
    # The judge reads every other kept page sentence first; one left out is read when a
    # neighbour's best cosine reaches sparse_near, except when it lies between two that
    # reach the rule's extend and the copy is already certain: its chain weighs at least
    # sure_margin times min_score without it.
    sparse_near: float = 0.80
    sure_margin: float = 2.0
    # the decision for a page in another language than the article (a translation) ...
    # single: the cosine a chain of one pair needs, above the best pair of every article
    # that is not the page's source in the calibration cases (0.934): no labelled copy is
    # decided on one pair, while an independent text on the article's question can be (one
    # sentence on the same point, long enough to weigh min_score by itself)
    rule: ChainRule = field(
        default_factory=lambda: ChainRule(base=0.86, min_score=14.0, extend=0.84, single=0.95)
    )
    # ... and in its language (a rewrite), where pairs need lexical support and article
    # sentences that stand out (align.py). distinct and its share are not calibrated on
    # labelled rewrites (they cost none of them): they were set where they turn down most
    # independent answers to one question (Clough & Stevenson) and keep every rewrite.
    # reach is the chain's own longest step (max_page_step): set where a copy stops walking
    # across unrelated narrative (PAN's Indonesian corpus), keeping every rewrite detected
    same_language: ChainRule = field(
        default_factory=lambda: ChainRule(
            base=0.84,
            min_score=10.0,
            extend=0.84,
            lexical=0.15,
            distinct=0.04,
            distinct_share=0.3,
            reach=4,
            single=0.95,
        )
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

    key: tuple[str, int, int]
    matrix: np.ndarray
    owners: np.ndarray
    starts: np.ndarray  # each article's first row (an article's windows are consecutive)
    ids: np.ndarray  # the article of each start


# Judge vectors of article sentences kept in the process, the most recently used articles
# first out last: about 1.5 KB a sentence, so some 75 MB at most.
KEPT_JUDGE_SENTENCES = 50_000


class _KeptJudgeRecords:
    """The judge's records of the articles this process has judged, by article text.

    The text is the key (not an index's id): the vectors depend on it alone, an
    updated article is another text, and one stage may serve several indexes.
    """

    def __init__(self, max_sentences: int = KEPT_JUDGE_SENTENCES) -> None:
        self.max_sentences = max_sentences
        self._records: OrderedDict[str, Record] = OrderedDict()
        self._sentences = 0
        self._lock = threading.Lock()

    def get(self, text: str) -> Record | None:
        with self._lock:
            record = self._records.get(text)
            if record is not None:
                self._records.move_to_end(text)
            return record

    def put(self, text: str, record: Record) -> None:
        with self._lock:
            old = self._records.pop(text, None)
            self._sentences -= len(old.spans) if old is not None else 0
            self._records[text] = record
            self._sentences += len(record.spans)
            while self._sentences > self.max_sentences and len(self._records) > 1:
                _, dropped = self._records.popitem(last=False)
                self._sentences -= len(dropped.spans)


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
        self._kept = _KeptJudgeRecords()

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
        usable_mask = np.asarray(usable, dtype=bool)
        weights = np.array([s.end - s.start for s in sentences], dtype=np.float64)
        rows = np.nonzero(usable_mask)[0]
        strict = self._cheap_knows(texts)
        cheap = np.zeros((len(texts), self.cheap.dim), dtype=np.float32)
        if not self._worth_reading(index, texts, rows, weights, strict, cheap):
            return Evidence(tuple(sentences), usable, ())
        rest = [int(i) for i in rows if not cheap[i].any()]  # encoded rows are unit vectors
        cheap[rest] = self.cheap.encode([texts[i] for i in rest])
        judged: dict[int, np.ndarray] = {}
        candidates = []
        for article_id, similarity in self._candidates(index, cheap[rows], len(rows)):
            (article,) = index.get_many([article_id])
            if not accept(article):
                continue
            record = self._cheap_record(index, article_id)
            if record is None or not len(record.spans):
                continue
            near = cheap @ record.vectors.T
            if not self._passes_gate(near, weights, usable_mask, strict):
                continue
            sim = self._judged_similarity(
                index, article_id, article, near, record, sentences, texts, usable, strict, judged
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

    def _worth_reading(
        self,
        index: SourceIndex,
        texts: Sequence[str],
        rows: np.ndarray,
        weights: np.ndarray,
        strict: np.ndarray,
        cheap: np.ndarray,
    ) -> bool:
        """Could any article pass the gate? Asked of every other usable sentence (the
        probes), whose cheap vectors it writes into ``cheap``: most pages copy nothing,
        and the cheap encoder then reads only half of them.

        A page with enough text in languages the cheap encoder does not know passes
        the gate anyway. Otherwise the probes' windows retrieve ``probe_candidates``
        articles, and one must pass a looser gate on the probes (``probe_similarity``,
        ``probe_chars``), each probe standing for itself and the next sentence.
        """
        s = self.settings
        if weights[rows][~strict[rows]].sum() >= s.gate_chars:
            return True
        probes = rows[:: s.probe_step]
        cheap[probes] = self.cheap.encode([texts[i] for i in probes])
        if len(probes) == len(rows):
            return True
        spans = np.zeros(len(weights))
        spans[rows] = weights[rows]
        probe_weights = np.add.reduceat(spans, probes)
        loose = replace(s, gate_similarity=s.probe_similarity, gate_chars=s.probe_chars)
        found = self._candidates(index, cheap[probes], len(rows), s.probe_candidates)
        for article_id, _similarity in found:
            record = self._cheap_record(index, article_id)
            if record is None or not len(record.spans):
                continue
            near = cheap[probes] @ record.vectors.T
            if _passes_gate(loose, near, probe_weights, None, strict[probes]):
                return True
        return False

    def _passes_gate(
        self,
        near: np.ndarray,
        weights: np.ndarray,
        usable: np.ndarray | None,
        strict: np.ndarray,
    ) -> bool:
        """Does the cheap encoder see enough of a copy to pay the judge for this article?

        In a language it knows: page sentences above ``gate_similarity`` to
        article sentences, in an ordered chain (the decision's steps, each
        pair weighing its page characters). An article on the same subject
        comes as close on a few sentences, scattered over it; a copy comes
        close in order. In a language it does not know its cosines say too
        little to gate on: every usable sentence counts. ``near`` has one row
        per page sentence (or probe) weighing ``weights`` characters;
        ``usable`` None means every row is.
        """
        return _passes_gate(self.settings, near, weights, usable, strict)

    def _candidates(
        self, index: SourceIndex, rows: np.ndarray, sentences: int, wanted: int | None = None
    ) -> list[tuple[int, float]]:
        """The ``wanted`` articles (default: ``candidates``, more for a long page) whose
        windows come closest to windows of ``rows`` (cheap vectors of usable page
        sentences, in page order), for a page of ``sentences`` usable sentences."""
        windows = self._window_index(index)
        if not len(rows) or not len(windows.owners):
            return []
        page_windows = window_vectors(rows, self.settings.page_window, 1)
        best = (page_windows @ windows.matrix.T).max(axis=0)
        per_article = np.maximum.reduceat(best, windows.starts)
        close = per_article >= self.settings.retrieval_min
        ids, scores = windows.ids[close], per_article[close]
        order = np.lexsort((ids, -scores))  # best first, ties to the lower id
        kept = [(int(ids[k]), float(scores[k])) for k in order]
        # a long page (a whole dossier) may carry several stories: more candidates
        if wanted is None:
            wanted = self.settings.candidates + sentences // self.settings.page_candidates_per
        return kept[:wanted]

    def _window_index(self, index: SourceIndex) -> _Windows:
        # read again when articles were added, removed or replaced since (by this process or
        # another): a replaced article's windows are under its new id
        key = (index.location, index.count(), index.newest_article_id())
        if self._windows is None or self._windows.key != key:
            matrices, owners = [], []
            for article_id, data in index.semantic_rows(self.window_kind):
                vectors = unpack(data).vectors
                matrices.append(vectors)
                owners.extend([article_id] * len(vectors))
            matrix = np.vstack(matrices) if matrices else np.zeros((0, self.cheap.dim), np.float32)
            owner = np.asarray(owners, dtype=np.int64)
            starts = np.flatnonzero(np.diff(owner, prepend=-1)) if len(owner) else owner
            self._windows = _Windows(key, matrix, owner, starts, owner[starts])
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
        sentences: Sequence[Sentence],
        texts: Sequence[str],
        usable: Sequence[bool],
        strict: np.ndarray,
        judged: dict[int, np.ndarray],
    ) -> np.ndarray:
        """Judge cosines for the pairs the pre-filter keeps; -1 for every other pair.

        ``near`` holds the cheap encoder's cosines (page sentences × the article's).
        The judge reads the kept page sentences sparsely (see ``_sparse_rows``):
        every other one first, then the rest only where the first ones say
        they could matter.
        """
        s = self.settings
        usable_mask = np.asarray(usable, dtype=bool)
        keep = (near.max(axis=1) >= s.prefilter) & usable_mask
        keep = _dilate(keep, s.prefilter_neighbours) & usable_mask
        rows = np.nonzero(keep)[0]
        # the cheap encoder's nearest article sentences say little of a page sentence in a
        # language it does not know: those are compared with every sentence of the article
        columns = np.full(near.shape[1], not strict[rows].all())
        for i in rows:
            for j in np.argsort(-near[i], kind="stable")[: s.source_nearest]:
                columns[max(0, j - 1) : j + 2] = True
        cols = np.nonzero(columns)[0]
        sim = np.full(near.shape, -1.0, dtype=np.float32)
        if not len(rows) or not len(cols):
            return sim
        source_vectors = self._judge_article(index, article_id, article, cheap_record, cols)

        def judge(chosen: Sequence[int]) -> None:
            todo = [i for i in chosen if i not in judged]
            if todo:
                vectors = _rounded(self.judge.encode([texts[i] for i in todo]))
                judged.update(zip(todo, vectors, strict=True))
            if chosen:
                page_vectors = np.stack([judged[i] for i in chosen])
                sim[np.ix_(chosen, cols)] = page_vectors @ source_vectors.T

        kept = [int(i) for i in rows]
        # every other kept sentence, and any the judge already read for another candidate
        judge([i for i in kept if i % 2 == 0 or i in judged])
        judge(_sparse_rows(kept, sim.max(axis=1), s.sparse_near, s.rule.extend, sandwiched=False))
        sandwiched = _sparse_rows(kept, sim.max(axis=1), s.sparse_near, s.rule.extend, True)
        if sandwiched:
            # a sentence between two that match lies inside the copy's passage either way;
            # it is judged only when its weight could change the decision
            weights = [x.end - x.start for x in sentences]
            found = align(sim, weights, s.rule, usable)
            if found is None or found.score < s.sure_margin * s.rule.min_score:
                judge(sandwiched)
        return sim

    def _judge_article(
        self,
        index: SourceIndex,
        article_id: int,
        article: Article,
        cheap_record: Record,
        cols: np.ndarray,
    ) -> np.ndarray:
        """The judge's vectors of the article's sentences ``cols``, computed once and kept
        (in the index where it can be written, and in the process)."""
        record = self._kept.get(article.text)
        if record is None or not np.array_equal(record.spans, cheap_record.spans):
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
        self._kept.put(article.text, record)
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


def _passes_gate(
    s: Settings,
    near: np.ndarray,
    weights: np.ndarray,
    usable: np.ndarray | None,
    strict: np.ndarray,
) -> bool:
    """The gate of ``SemanticStage._passes_gate`` under the settings ``s``."""
    usable_mask = np.ones(len(weights), dtype=bool) if usable is None else usable
    unknown = float(weights[usable_mask & ~strict].sum())
    close = usable_mask & strict & (near.max(axis=1) > s.gate_similarity)
    if unknown + weights[close].sum() < s.gate_chars:
        return False  # not even unordered
    # every pair above the threshold gains its characters, so the chain's score is them
    marks = np.where(close[:, None] & (near > s.gate_similarity), 1.0, -1.0)
    rule = replace(s.rule, base=0.0, min_score=0.0)
    chained, _ = local_chain(marks, weights.tolist(), rule)
    return unknown + chained >= s.gate_chars


def _sparse_rows(
    kept: Sequence[int], best: np.ndarray, near: float, match: float, sandwiched: bool
) -> list[int]:
    """The kept page sentences not yet judged that the second pass must read.

    ``best`` is each page sentence's best judged cosine (-1 where not judged).
    With ``sandwiched`` False: those with a judged neighbour at ``near`` or
    above, or with no judged neighbour at all (nothing says they can be
    skipped), but not those between two neighbours at ``match`` or above;
    with ``sandwiched`` True: exactly those.
    """
    n = len(best)
    out = []
    for i in kept:
        if best[i] > -1.0:
            continue
        sides = [best[k] for k in (i - 1, i + 1) if 0 <= k < n and best[k] > -1.0]
        between = len(sides) == 2 and min(sides) >= match
        if sandwiched:
            if between:
                out.append(i)
        elif not between and (not sides or max(sides) >= near):
            out.append(i)
    return out


def _dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    out = mask.copy()
    for d in range(1, steps + 1):
        out[d:] |= mask[:-d]
        out[:-d] |= mask[d:]
    return out


def _rounded(vectors: np.ndarray) -> np.ndarray:
    """Vectors as the index keeps them (float16), so a fresh and a kept one compare alike."""
    return np.asarray(vectors, dtype=np.float32).astype(np.float16).astype(np.float32)
