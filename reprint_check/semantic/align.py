"""Which page sentences render which article sentences: the decision and the passages.

Pure functions over a similarity matrix ``sim`` (page sentences × article
sentences, cosines of the judge's vectors; a pair that was never computed
holds -1). Two questions, answered with different rules on purpose:

Deciding (is this article copied at all?) wants order. A translation keeps
the article's order sentence by sentence, and even a rewrite that condenses
an article moves forward through it; an article about the same event (the
hard case: another outlet's report of the same match) scores as high on a
few sentences, but scattered all over it. So the evidence is the best
*local chain*: pairs increasing on both sides, each step at most
``max_page_step`` page sentences and ``max_source_step`` article sentences
on from the last, each pair weighing its page characters times how far its
cosine stands above ``base``. Many moderate pairs in a row count as much as
a few strong ones, while scattered strong pairs do not add up.

In the article's own language the cosine is not enough: two independent
texts on one narrow question (two explanations of one concept) align as
well, in order. There a pair joins the chain only when the page sentence
keeps enough of its article sentence's specific words (``rule.lexical``,
the ``support`` of lexical.py); a translation is decided on cosines alone.
Nor is the topic's vocabulary the only thing such texts share: an article
sentence that states the question's core (a definition, the event itself) is
as close to several sentences of an independent text, which keeps coming back
to it, while a rewrite renders it once. So, in the article's language, the
chain must also hold pairs whose article sentence *stands out*: its cosine
with the pair's page sentence at least ``rule.distinct`` above its best
cosine with any page sentence further away than the next one (``stand_out``),
and those pairs alone must chain to ``rule.distinct_share`` of the weight
the decision needs. Only a share: a rewrite that spreads one article
sentence over two page sentences a few lines apart is still a rewrite.

A chain of a single pair is one sentence's resemblance: a long sentence on
the article's very point weighs ``min_score`` by itself. It decides a copy
only when its cosine reaches ``rule.single``, above what independent texts
reach (the best pair of an article that is not the page's source, over the
calibration cases: 0.934); no labelled copy is decided on one pair, while
independent answers to one question were (Clough & Stevenson: three of 38
flagged on one sentence each, 0.915 to 0.923, where the heavy rewrites
decided on one pair reach 0.968 and 1.0). Only the deciding chain is asked:
further stretches of a copy already decided may be one sentence.

Measuring (which characters are the copy?) does not want order: language
models reorder, nor lexical support: a rewrite words some sentences anew.
From the chain's page sentences the copy grows to each neighbouring
sentence (up to ``gap`` sentences away) whose best cosine with a computed
article sentence of the chain's stretch of the article (its sentences, and
``max_source_step`` more on either side) reaches ``extend``, and that
sentence is its source: in a long article (a novel, a report) some sentence
far from the copied stretch always resembles a page sentence, and taking it
would stretch the passage's source over the whole article. Beyond the
chain's first and last pairs the copy grows at most ``rule.reach``
sentences: there nothing but the neighbour's own cosine says it is copied,
and in the article's language that is not enough. Two unrelated sentences
of one register (narrative against narrative) reach 0.85 to 0.89, so a
copy grown one neighbour at a time walked on across the page: on PAN's
Indonesian corpus the sentences it took more than four sentences beyond the
chain were four parts in five outside the copied passage, while those
between the chain's pairs were nearly all in it. A page may copy several
stretches of the article, apart from each other (a story's opening, and a
passage further on); each is found as the first was, as the heaviest chain
among the page sentences not yet covered, and joins the copy when it weighs
``min_score`` on its own. Two stretches whose parts of the article lie apart
(their stretches of the article do not overlap) are never one passage, even
where they meet on the page: a passage's source span is the part of the
article it renders, not everything between two parts (on PAN's corpus, one
such passage named 71,910 characters of its article for 4,189 of the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["Alignment", "ChainRule", "Pair", "align", "local_chain", "stand_out"]


@dataclass(frozen=True)
class ChainRule:
    """The numbers that decide and measure; calibrated in benchmarks/semantic_calibrate.py."""

    base: float  # a pair counts only above this cosine, by how far above
    min_score: float  # the chain's weight an article needs to be reported
    extend: float  # cosine that lets a neighbouring page sentence join a detected copy
    max_page_step: int = 4  # page sentences from one chain pair to the next, at most
    max_source_step: int = 12  # article sentences from one chain pair to the next, at most
    gap: int = 1  # sentences a copy may skip while growing (a caption, a sentence added)
    # lexical support (semantic/lexical.py) a pair needs to join the chain; 0: none needed
    lexical: float = 0.0
    # how far a pair's cosine must stand above its article sentence's cosine with any page
    # sentence further away (stand_out) for the pair to count as distinct, and the share
    # of min_score the distinct pairs of the chain must weigh by themselves; 0: not asked
    distinct: float = 0.0
    distinct_share: float = 0.0
    # sentences the copy may grow beyond the chain's first and last page sentences; None:
    # as far as neighbours above ``extend`` lead
    reach: int | None = None
    # the cosine a chain of a single pair needs: one sentence decides a copy alone only
    # when it is closer to its article sentence than independent texts ever come; 0: any
    single: float = 0.0


@dataclass(frozen=True)
class Pair:
    """Page sentence ``page`` aligned to article sentence ``source`` with cosine ``similarity``."""

    page: int
    source: int
    similarity: float
    # which part of the article the pair's copy renders: stretches of the article that lie
    # apart (see ``align``) are told apart, so that one passage never spans both
    part: int = 0


@dataclass(frozen=True)
class Alignment:
    """A detected copy: the chain that decided it and the page sentences it covers."""

    score: float
    chain: tuple[Pair, ...]
    pairs: tuple[Pair, ...]  # every covered page sentence with its best article sentence


def local_chain(
    sim: np.ndarray, weights: Sequence[float], rule: ChainRule, single: float = 0.0
) -> tuple[float, list[Pair]]:
    """The heaviest chain of pairs above ``rule.base`` (see the module docstring) whose
    pairs are at least two or its one pair's cosine at least ``single``.

    ``weights[i]`` is page sentence i's weight (its characters). Ties go to
    the earliest chain, so the result does not depend on anything but the
    input.
    """
    rows, cols = np.nonzero(sim > rule.base)
    order = np.lexsort((cols, rows))
    pairs = [(int(rows[k]), int(cols[k])) for k in order]
    gains = [weights[i] * (float(sim[i, j]) - rule.base) for i, j in pairs]
    best: list[float] = []
    back: list[int] = []
    for k, (i, j) in enumerate(pairs):
        value, came = gains[k], -1
        for m in range(k - 1, -1, -1):
            pi, pj = pairs[m]
            if i - pi > rule.max_page_step:
                break
            if pi < i and pj < j <= pj + rule.max_source_step and best[m] + gains[k] > value:
                value, came = best[m] + gains[k], m
        best.append(value)
        back.append(came)
    # a chain of one pair (nothing came before it: gains are positive) needs ``single``
    admissible = [k for k in range(len(best)) if back[k] >= 0 or float(sim[pairs[k]]) >= single]
    if not admissible:
        return 0.0, []
    k = max(admissible, key=lambda x: (best[x], -x))
    score = best[k]
    chain: list[Pair] = []
    while k >= 0:
        i, j = pairs[k]
        chain.append(Pair(i, j, float(sim[i, j])))
        k = back[k]
    return score, chain[::-1]


def align(
    sim: np.ndarray,
    weights: Sequence[float],
    rule: ChainRule,
    usable: Sequence[bool],
    support: np.ndarray | None = None,
) -> Alignment | None:
    """The copy of the article on the page, or None when the evidence is too weak.

    ``usable[i]`` is False for a page sentence that may not join a copy (too
    short to judge, or already part of a verbatim passage); it is skipped
    over when the copy grows, as if absent. ``support`` (the shape of
    ``sim``) is each pair's lexical support: with ``rule.lexical`` above 0,
    a pair below it may not join the chain (it may still join the copy as
    it grows).
    """
    if sim.size == 0:
        return None
    masked = np.where(np.asarray(usable, dtype=bool)[:, None], sim, -1.0)
    deciding = masked
    if rule.lexical > 0 and support is not None:
        deciding = np.where(support >= rule.lexical, masked, -1.0)
    score, chain = local_chain(deciding, weights, rule, rule.single)
    if score < rule.min_score or not chain:
        return None
    if rule.distinct > 0 and _distinct_weight(sim, deciding, weights, rule) < (
        rule.distinct_share * rule.min_score
    ):
        return None
    # further stretches of the page that copy the article, each decided on its own
    # evidence: with a reach, growth no longer carries the copy from one to the next
    chains = [chain]
    covered = _grown(masked, chain, rule)
    taken_by = dict.fromkeys(covered, 0)  # page sentence -> the chain whose copy took it
    rest = deciding.copy()
    while True:
        rest[list(covered), :] = -1.0
        more_score, more = local_chain(rest, weights, rule)
        if more_score < rule.min_score or not more:
            break
        for i, pair in _grown(masked, more, rule).items():
            if i not in covered:
                covered[i] = pair
                taken_by[i] = len(chains)
        chains.append(more)
    parts = _parts(chains, rule)
    return Alignment(
        score=score,
        chain=tuple(chain),
        pairs=tuple(replace(covered[i], part=parts[taken_by[i]]) for i in sorted(covered)),
    )


def _stretch(chain: Sequence[Pair], rule: ChainRule) -> tuple[int, int]:
    """The chain's stretch of the article, [lo, hi): its sentences and ``max_source_step``
    more on either side, where its copy takes its sources."""
    sources = [p.source for p in chain]
    return max(0, min(sources) - rule.max_source_step), max(sources) + rule.max_source_step + 1


def _parts(chains: Sequence[Sequence[Pair]], rule: ChainRule) -> list[int]:
    """For each chain, the part of the article its copy renders: chains whose stretches
    (``_stretch``) overlap render one part. Parts are numbered in article order."""
    stretches = sorted((*_stretch(c, rule), n) for n, c in enumerate(chains))
    parts = [0] * len(chains)
    part, end = -1, 0  # the part so far, and where its stretch of the article ends
    for lo, hi, n in stretches:
        if part < 0 or lo >= end:
            part += 1
        end = max(end, hi)
        parts[n] = part
    return parts


def _grown(masked: np.ndarray, chain: Sequence[Pair], rule: ChainRule) -> dict[int, Pair]:
    """The page sentences a chain's copy covers, each with its pair: the chain's own, then
    the neighbours it grows to (see the module docstring)."""
    # the copy's stretch of the article: a sentence the copy grows to was rendered from
    # there, not from whichever sentence of a long article it happens to resemble most
    lo, hi = _stretch(chain, rule)
    stretch = masked[:, lo:hi]
    best_source = stretch.argmax(axis=1) + lo
    best_sim = stretch.max(axis=1)
    covered = {p.page for p in chain}
    first, last = 0, len(best_sim) - 1
    if rule.reach is not None:
        first = max(first, chain[0].page - rule.reach)
        last = min(last, chain[-1].page + rule.reach)
    frontier = sorted(covered)
    while frontier:
        grown: list[int] = []
        for i in frontier:
            for step in range(1, rule.gap + 2):
                for k in (i - step, i + step):
                    if first <= k <= last and k not in covered and best_sim[k] >= rule.extend:
                        covered.add(k)
                        grown.append(k)
        frontier = sorted(grown)
    in_chain = {p.page: p for p in chain}
    return {
        i: in_chain.get(i) or Pair(i, int(best_source[i]), float(best_sim[i]))
        for i in sorted(covered)
    }


def stand_out(sim: np.ndarray, rows: np.ndarray, cols: np.ndarray, reach: int = 1) -> np.ndarray:
    """For each pair (``rows[k]``, ``cols[k]``): its cosine minus the best cosine of its
    article sentence with a page sentence more than ``reach`` sentences from the pair's
    (-1 where there is none), over every computed pair of ``sim``.

    The article sentence's nearest page sentences are its ``2 * reach + 2``
    best: at most ``2 * reach + 1`` of them lie within reach of the pair, so
    the first of them outside it is the best one outside.
    """
    n = sim.shape[0]
    nearest = min(n, 2 * reach + 2)
    if not len(rows) or nearest == 0:
        return np.empty(0, dtype=np.float32)
    top = np.argpartition(-sim, nearest - 1, axis=0)[:nearest]  # nearest × article sentences
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(sim, top, 0), 0, "stable"), 0)
    candidates = top[:, cols].T  # pairs × nearest, best first
    far = np.abs(candidates - rows[:, None]) > reach
    first = np.argmax(far, axis=1)
    other = sim[candidates[np.arange(len(rows)), first], cols]
    other = np.where(far.any(axis=1), other, -1.0)
    return sim[rows, cols] - other


def _distinct_weight(
    sim: np.ndarray, deciding: np.ndarray, weights: Sequence[float], rule: ChainRule
) -> float:
    """The weight of the heaviest chain of pairs whose article sentence stands out."""
    rows, cols = np.nonzero(deciding > rule.base)
    keep = stand_out(sim, rows, cols) >= rule.distinct
    distinct = np.full(deciding.shape, -1.0, dtype=deciding.dtype)
    distinct[rows[keep], cols[keep]] = deciding[rows[keep], cols[keep]]
    return local_chain(distinct, weights, rule)[0]


def runs(pairs: Sequence[Pair], gap: int) -> list[list[Pair]]:
    """Covered page sentences in groups of neighbours (at most ``gap`` sentences apart) that
    render one part of the article."""
    groups: list[list[Pair]] = []
    for pair in sorted(pairs, key=lambda p: p.page):
        last = groups[-1][-1] if groups else None
        if last is not None and pair.page - last.page <= gap + 1 and pair.part == last.part:
            groups[-1].append(pair)
        else:
            groups.append([pair])
    return groups
