"""Passages: exact k-gram seeds chained along diagonals, extended and verified.

The target and the source are compared after normalisation (normalize.py), token
by token. Shared k-grams are seeds; seeds on one diagonal form runs; runs are
chained across small gaps, so a changed quote mark, a fixed typo, a dropped or
swapped word, or a sentence left out in the middle neither splits nor hides a
passage. The ends are then extended token by token across isolated edits and
character by character across punctuation, and snapped to the target's word
boundaries, because the verdict at 500 characters depends on them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rapidfuzz.fuzz import ratio

from reprint_check.models import Passage
from reprint_check.text.fingerprint import (
    GUARANTEE_TOKENS,
    K,
    is_continuous_script,
    tokenize,
    unmixed,
)
from reprint_check.text.normalize import visible_length
from reprint_check.text.prepared import PreparedText

# Largest run of target words bridged where nothing of the source was left
# out: one inserted word is an edit; a longer insertion is the partner's own
# text and splits the passage, so that it is not counted as reuse.
MAX_INSERTION = 1
# Largest source phrase that may be replaced by other words (up to one more)
# inside a passage: a reworded phrase. Where more of the source is missing,
# the passage is bridged only if the target adds nothing in its place.
MAX_REWORDED = 4
# Largest gap bridged on the source side: words dropped, or a sentence left out.
MAX_SOURCE_GAP = 40
# A k-gram repeated more often than this within one article is its own
# boilerplate (a refrain, a table header) and seeds nothing.
MAX_SEED_REPEATS = 8
# After an edit at a passage's end, this many tokens must match again before
# the passage is extended over the edit.
RESYNC_TOKENS = 2
# Two runs separated, on both sides, by at most this many characters that
# reword each other (sharing this share of their longer words) are one
# passage: a paraphrased clause does not split a copied paragraph.
MAX_REWORDED_GAP_CHARS = 450
REWORDED_SHARE = 0.25
REWORDED_MARGIN = 200  # source characters around the runs searched for the gap's words
MIN_CONTENT_WORD = 5
# A joined passage is verified against its source span at character level:
# two answers to one question share words and short phrases, not their text.
MIN_JOINED_SIMILARITY = 0.45
# ... and hold one exact run at least this long (or min_passage_chars, if shorter).
MIN_ANCHOR_CHARS = 36
# A gap bridged between two passages is at most this share of the shorter one.
BRIDGE_SHARE = 0.25
# Runs joined into one passage come from source text at most this far apart
# beyond the passage's own length (clauses may be shuffled).
SHUFFLE_WINDOW_CHARS = 750
# Edits bridged at a passage's ends, as (target tokens, source tokens) skipped:
# a changed word, a dropped word or two, one inserted word.
_EDITS = ((1, 1), (0, 1), (1, 0), (0, 2))


Span = tuple[int, int, int, int]  # normalised target [a, c) ~ normalised source [b, d)


@dataclass
class _Chain:
    t_start: int  # token indices, end exclusive
    t_end: int
    s_start: int
    s_end: int
    matched: int  # tokens covered by seeds


def _diagonal_runs(seeds: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Maximal runs of consecutive seeds on one diagonal: (t0, s0, tokens covered)."""
    seeds.sort(key=lambda p: (p[0] - p[1], p[0]))
    runs: list[tuple[int, int, int]] = []
    start_t = start_s = prev_t = prev_d = None
    for t, s in seeds:
        d = t - s
        if prev_t is not None and d == prev_d and t == prev_t + 1:
            prev_t = t
            continue
        if start_t is not None:
            runs.append((start_t, start_s, prev_t - start_t + K))
        start_t, start_s, prev_t, prev_d = t, s, t, d
    if start_t is not None:
        runs.append((start_t, start_s, prev_t - start_t + K))
    runs.sort()
    return runs


def _target_gap_allowed(source_gap: int) -> int:
    if 0 < source_gap <= MAX_REWORDED:
        return source_gap + MAX_INSERTION
    return MAX_INSERTION


def _chain_runs(runs: list[tuple[int, int, int]], target: PreparedText) -> list[_Chain]:
    open_chains: list[_Chain] = []
    done: list[_Chain] = []
    for t0, s0, n in runs:
        still_open = []
        for c in open_chains:
            (still_open if c.t_end + MAX_REWORDED + MAX_INSERTION >= t0 else done).append(c)
        open_chains = still_open
        best: _Chain | None = None
        best_cost = 0
        for c in open_chains:
            t_gap = t0 - c.t_end
            s_gap = s0 - c.s_end
            if t_gap < -(K - 1) or s_gap < -(K - 1) or s_gap > MAX_SOURCE_GAP:
                continue
            if t_gap > _target_gap_allowed(s_gap):
                continue
            if t_gap > 0 and target.break_before(c.t_end) and target.break_before(t0):
                continue  # the inserted words are a block of their own: page furniture
            if t0 + n <= c.t_end:
                continue  # nothing new on the target side
            cost = abs(t_gap) + abs(s_gap)
            if best is None or cost < best_cost:
                best, best_cost = c, cost
        if best is None:
            open_chains.append(_Chain(t0, t0 + n, s0, s0 + n, n))
        else:
            best.matched += min(n, t0 + n - best.t_end)
            best.t_end = max(best.t_end, t0 + n)
            best.s_end = max(best.s_end, s0 + n)
    done.extend(open_chains)
    return done


def _extend_tokens(
    chain: _Chain, target: PreparedText, t_hash: Sequence[int], s_hash: Sequence[int]
) -> None:
    """Grow the chain's ends over isolated token edits that are followed by matches again.

    Growth stops at a paragraph break of the target: a stray word that happens
    to continue the source on the far side of a break is the partner's own.
    """

    def matches(ti: int, si: int, step: int, count: int) -> bool:
        for m in range(count):
            a, b = ti + step * m, si + step * m
            if not (0 <= a < len(t_hash) and 0 <= b < len(s_hash)) or t_hash[a] != s_hash[b]:
                return False
        return True

    # forward
    ti, si = chain.t_end, chain.s_end
    while ti < len(t_hash) and si < len(s_hash) and not target.break_before(ti):
        if t_hash[ti] == s_hash[si]:
            ti, si = ti + 1, si + 1
            continue
        for dt, ds in _EDITS:
            if matches(ti + dt, si + ds, 1, RESYNC_TOKENS):
                ti, si = ti + dt, si + ds
                break
        else:
            break
    chain.t_end, chain.s_end = ti, si
    # backward
    ti, si = chain.t_start - 1, chain.s_start - 1
    while ti >= 0 and si >= 0 and not target.break_before(ti + 1):
        if t_hash[ti] == s_hash[si]:
            ti, si = ti - 1, si - 1
            continue
        for dt, ds in _EDITS:
            if matches(ti - dt, si - ds, -1, RESYNC_TOKENS):
                ti, si = ti - dt, si - ds
                break
        else:
            break
    chain.t_start, chain.s_start = ti + 1, si + 1


def _trim_at_breaks(chain: _Chain, target: PreparedText) -> None:
    """Drop fewer than K tokens cut off by a paragraph break at either end of a chain.

    A k-gram spans the white space between paragraphs, so the first word of
    the partner's next paragraph ("The …") can continue a source sentence by
    chance; a real copy carries on for more than a word or two.
    """
    for t in range(chain.t_start + 1, min(chain.t_start + K, chain.t_end)):
        if target.break_before(t):
            chain.s_start += t - chain.t_start
            chain.t_start = t
    for t in range(chain.t_end - 1, max(chain.t_end - K, chain.t_start), -1):
        if target.break_before(t):
            chain.s_end -= chain.t_end - t
            chain.t_end = t


def _extend_chars(
    t: str, s: str, a: int, c: int, b: int, d: int, breaks: frozenset[int]
) -> tuple[int, int, int, int]:
    """Extend normalised spans t[a:c] ~ s[b:d] over equal characters, snapped to target words.

    An extension that would stop inside a target word (a host word that happens
    to start like the source's next word) is cut back to the last space.
    """
    a0 = a
    while a > 0 and b > 0 and t[a - 1] == s[b - 1] and a - 1 not in breaks:
        a, b = a - 1, b - 1
    while (block := _copied_block_before(t, s, a, b, breaks)) is not None:
        a, b = a - block, b - block
    if a > 0 and a < a0 and t[a - 1] != " " and t[a] != " ":
        space = t.find(" ", a, a0)
        shift = (space + 1 - a) if space >= 0 else (a0 - a)
        a, b = a + shift, b + shift
    c0 = c
    while c < len(t) and d < len(s) and t[c] == s[d] and c not in breaks:
        c, d = c + 1, d + 1
    while (block := _copied_block_after(t, s, c, d, breaks)) is not None:
        c, d = c + block, d + block
    if c < len(t) and c > c0 and t[c - 1] != " " and t[c] != " ":
        space = t.rfind(" ", c0, c)
        shift = (c - space) if space >= 0 else (c - c0)
        c, d = c - shift, d - shift
    while a < c and t[a] == " ":
        a, b = a + 1, b + 1
    while c > a and t[c - 1] == " ":
        c, d = c - 1, d - 1
    return a, c, b, d


def _copied_block_before(t: str, s: str, a: int, b: int, breaks: frozenset[int]) -> int | None:
    """Characters of a whole target block just before ``t[a]`` (and its break) copied exactly.

    Extension stops at a paragraph break, so that a stray word of the
    partner's next paragraph is not counted; a whole block of at least K
    words that goes on exactly as the source does is copied, even where it
    seeds nothing (a question repeated in every interview of a series).
    """
    if a < 2 or b < 1 or a - 1 not in breaks or s[b - 1] != " ":
        return None
    start = a - 2
    while start > 0 and start - 1 not in breaks:
        start -= 1
    length = a - start  # the block and the break after it
    if length > b or t[start : a - 1] != s[b - length : b - 1]:
        return None
    if b - length > 0 and s[b - length - 1] != " ":
        return None  # the source's word goes on before the block: not the same words
    if len(t[start : a - 1].split()) < K:
        return None
    return length


def _copied_block_after(t: str, s: str, c: int, d: int, breaks: frozenset[int]) -> int | None:
    """``_copied_block_before``, forward: a whole block after the break at ``t[c]``."""
    if c not in breaks or d >= len(s) or s[d] != " ":
        return None
    end = c + 1
    while end < len(t) and end not in breaks:
        end += 1
    length = end - c  # the break and the block after it
    if d + length > len(s) or t[c + 1 : end] != s[d + 1 : d + length]:
        return None
    if d + length < len(s) and s[d + length] != " ":
        return None
    if len(t[c + 1 : end].split()) < K:
        return None
    return length


def _remove_overlaps(spans: list[tuple[int, int, _Chain]]) -> list[_Chain]:
    """Keep the longest chains; drop those mostly covered on the target side, trim the rest."""
    kept: list[_Chain] = []
    for _, _, chain in sorted(spans, key=lambda x: (-(x[2].t_end - x[2].t_start), x[0])):
        for other in kept:
            lo, hi = max(chain.t_start, other.t_start), min(chain.t_end, other.t_end)
            if lo >= hi:
                continue
            if chain.t_start >= other.t_start:
                cut = other.t_end - chain.t_start
                chain.t_start += cut
                chain.s_start += cut
            else:
                cut = chain.t_end - other.t_start
                chain.t_end -= cut
                chain.s_end -= cut
        if chain.t_end - chain.t_start >= K and chain.s_end > chain.s_start:
            kept.append(chain)
    return kept


def _set_apart(tn: str, breaks: frozenset[int], end: int, start: int) -> bool:
    """Whether the target text between two spans stands in blocks of its own.

    Such text between two parts of an excerpt is page furniture (an
    "Advertisement" label, a photo caption, a "Read more" link), not an edit
    of the excerpt: it is never joined into a passage, so never counted as reuse.
    """
    inner = tn[end:start]
    words = inner.strip()
    if not words:
        return False
    first = end + inner.index(words[0])
    last = end + inner.rindex(words[-1]) + 1
    return any(j in breaks for j in range(end, first)) and any(
        j in breaks for j in range(last, start)
    )


def _content_words(text: str) -> set[str]:
    words = set()
    for tok in tokenize(text):
        word = text[tok.start : tok.end]
        if len(word) >= MIN_CONTENT_WORD or is_continuous_script(word[0]):
            words.add(word)
    return words


def _reworded(t_gap: str, source_context: str) -> bool:
    """Whether the target's gap text is reworked source text rather than the partner's own.

    A paraphrased or shuffled stretch between two exact runs keeps most of its
    longer words from the source text around those runs; the partner's own
    sentence between two excerpts does not.
    """
    if len(t_gap) > MAX_REWORDED_GAP_CHARS:
        return False
    target_words = _content_words(t_gap)
    if not target_words:
        return len(t_gap) <= 12  # a short word or two
    shared = len(target_words & _content_words(source_context))
    return shared >= REWORDED_SHARE * len(target_words)


def _merge_reworded(
    spans: list[Span],
    target: PreparedText,
    sn: str,
    claimed: Sequence[tuple[int, int]],
    anchor_chars: int,
) -> list[Span]:
    """Join consecutive spans that are one reworked passage.

    The spans must come from nearby source text (in any order), the target
    text between them must be white space or reworked source text (a
    paraphrased clause, shuffled words; in blocks of its own, it must hold
    the source's words, not just be short), and no other source may own any of it.
    """
    tn = target.norm.text
    groups: list[list[Span]] = []
    for a, c, b, d in spans:
        if groups:
            group = groups[-1]
            pa, pc, pd = group[0][0], group[-1][1], group[-1][3]
            lo, hi = min(min(g[2] for g in group), b), max(max(g[3] for g in group), d)
            gap = tn[pc:a]
            context = sn[max(0, lo - REWORDED_MARGIN) : hi + REWORDED_MARGIN]
            # in source order, the gap must stand in for source text of like length:
            # partner commentary between two adjacent excerpts replaces nothing
            in_order_gap = b - pd
            replaces = in_order_gap < 0 or 3 * in_order_gap + 30 >= a - pc
            if (
                replaces
                and hi - lo <= (c - pa) + 2 * SHUFFLE_WINDOW_CHARS
                and not any(x < a and y > pc for x, y in claimed)
                and (not tokenize(gap) or _reworded(gap, context))
                and not (
                    _set_apart(tn, target.breaks, pc, a)
                    and not (_content_words(gap) & _content_words(context))
                )
            ):
                group.append((a, c, b, d))
                continue
        groups.append([(a, c, b, d)])
    merged: list[Span] = []
    for group in groups:
        joined = (group[0][0], group[-1][1], min(g[2] for g in group), max(g[3] for g in group))
        a, c, b, d = joined
        anchored = max(visible_length(tn[g[0] : g[1]]) for g in group) >= anchor_chars
        if len(group) == 1 or (anchored and ratio(tn[a:c], sn[b:d]) >= 100 * MIN_JOINED_SIMILARITY):
            merged.append(joined)
        else:
            merged.extend(group)
    return merged


def _bridge(
    spans: list[Span],
    target: PreparedText,
    sn: str,
    claimed: Sequence[tuple[int, int]],
    min_chars: int,
) -> list[Span]:
    """Bridge a short reworked stretch between two passages that each stand on their own.

    The gap must be short beside both passages, inside their blocks, and
    stand in, in source order, for source text of comparable length; the
    whole must still verify.
    """
    tn = target.norm.text
    out: list[Span] = []
    for a, c, b, d in spans:
        if out:
            pa, pc, pb, pd = out[-1]
            t_gap, s_gap = a - pc, b - pd
            shortest = min(pc - pa, c - a)
            if (
                min(visible_length(tn[pa:pc]), visible_length(tn[a:c])) >= min_chars
                and 0 <= t_gap <= BRIDGE_SHARE * shortest
                and 2 * (s_gap + 30) >= t_gap
                and s_gap <= 2 * t_gap + 60
                and not any(x < a and y > pc for x, y in claimed)
                and not _set_apart(tn, target.breaks, pc, a)
                and ratio(tn[pa:c], sn[pb:d]) >= 100 * MIN_JOINED_SIMILARITY
            ):
                out[-1] = (pa, c, pb, d)
                continue
        out.append((a, c, b, d))
    return out


def find_spans(
    target: PreparedText, source: PreparedText, *, ignore: Collection[int] = ()
) -> list[Span]:
    """Disjoint exact-seeded spans of the target shared with the source, in target order."""
    return _find_spans(target, source, unmixed(ignore))


def _find_spans(target: PreparedText, source: PreparedText, ignore: set[int]) -> list[Span]:
    """``find_spans`` with ``ignore`` unmixed: the k-grams are compared as polynomials.

    The k-grams the two texts share are found by intersecting sets, so only
    the source is walked per candidate, and only its shared k-grams are placed;
    the target's places are worked out once for all the candidates.
    """
    in_target = target.places
    shared = in_target.keys() & source.polynomials
    shared -= ignore
    if not shared:
        return []
    positions: dict[int, list[int]] = defaultdict(list)
    for j, h in enumerate(source.polynomials):
        if h in shared:
            positions[h].append(j)
    seeds = [
        (i, j)
        for h, found in positions.items()
        if len(found) <= MAX_SEED_REPEATS
        for i in in_target[h]
        for j in found
    ]
    if not seeds:
        return []
    chains = _chain_runs(_diagonal_runs(seeds), target)
    t_hash, s_hash = target.hashes, source.hashes
    for chain in chains:
        _trim_at_breaks(chain, target)
        if chain.matched >= GUARANTEE_TOKENS:
            # only a passage that stands on its own is grown over edits: two
            # stories sharing a stock phrase must not be glued into "reuse"
            _extend_tokens(chain, target, t_hash, s_hash)
    kept = _remove_overlaps([(c.t_start, c.t_end, c) for c in chains])
    tn, sn = target.norm.text, source.norm.text
    spans = [
        _extend_chars(
            tn,
            sn,
            target.starts[chain.t_start],
            target.ends[chain.t_end - 1],
            source.starts[chain.s_start],
            source.ends[chain.s_end - 1],
            target.breaks,
        )
        for chain in kept
    ]
    disjoint: list[Span] = []
    previous_end = 0
    for a, c, b, d in sorted(spans):
        if a < previous_end:  # two extensions met: the earlier passage keeps the text
            b += previous_end - a
            a = previous_end
            while a < c and tn[a] == " ":
                a, b = a + 1, b + 1
        if a >= c or b >= d:
            continue
        previous_end = c
        disjoint.append((a, c, b, d))
    return disjoint


def attribute(spans_by_source: Sequence[list[Span]]) -> list[list[Span]]:
    """Give each stretch of the target to the one source that explains most of it.

    Two archive articles often share text (the same tour dates, the same
    quote, a syndicated paragraph). A span mostly covered by a longer span of
    another source is that source's; it is not counted twice. Ties go to the
    source listed first, so callers order sources deterministically.
    """
    ranked = sorted(
        ((span, owner) for owner, spans in enumerate(spans_by_source) for span in spans),
        key=lambda x: (x[0][0] - x[0][1], x[1], x[0][0]),
    )
    kept: list[tuple[Span, int]] = []
    for span, owner in ranked:
        a, c = span[0], span[1]
        covered = sum(
            max(0, min(c, other[1]) - max(a, other[0])) for other, o in kept if o != owner
        )
        if covered * 2 < c - a:
            kept.append((span, owner))
    result: list[list[Span]] = [[] for _ in spans_by_source]
    for span, owner in sorted(kept):
        result[owner].append(span)
    return result


def passages_from_spans(
    target: PreparedText,
    source: PreparedText,
    spans: list[Span],
    *,
    min_chars: int = 1,
    claimed: Sequence[tuple[int, int]] = (),
) -> list[Passage]:
    """Merge reworked neighbours, map back to original offsets, drop short passages.

    ``claimed`` are target stretches owned by other sources: no passage grows over them.
    """
    tn, sn = target.norm.text, source.norm.text
    passages = []
    joined = _merge_reworded(spans, target, sn, claimed, min(min_chars, MIN_ANCHOR_CHARS))
    for a, c, b, d in _bridge(joined, target, sn, claimed, min_chars):
        t0, t1 = target.norm.to_original(a, c)
        s0, s1 = source.norm.to_original(b, d)
        span = target.original[t0:t1]
        chars = visible_length(span)
        if chars < min_chars:
            continue
        passages.append(
            Passage(
                target_start=t0,
                target_end=t1,
                source_start=s0,
                source_end=s1,
                chars=chars,
                similarity=round(ratio(tn[a:c], sn[b:d]) / 100, 4),
                text=span,
                source_text=source.original[s0:s1],
            )
        )
    return passages


def align_many(
    target: PreparedText,
    sources: Sequence[PreparedText],
    *,
    ignore: Collection[int] = (),
    min_chars: int = 1,
) -> list[list[Passage]]:
    """Passages of ``target`` per source, each stretch of the target given to one source.

    ``ignore`` holds k-gram hashes that seed nothing (publisher boilerplate).
    Passages shorter than ``min_chars`` visible characters are dropped.
    """
    unmixed_ignore = unmixed(ignore)
    owned = attribute([_find_spans(target, source, unmixed_ignore) for source in sources])
    result = []
    for i, (source, spans) in enumerate(zip(sources, owned, strict=True)):
        claimed = [(a, c) for j, other in enumerate(owned) if j != i for a, c, _, _ in other]
        result.append(
            passages_from_spans(target, source, spans, min_chars=min_chars, claimed=claimed)
        )
    return result


def align(
    target: PreparedText,
    source: PreparedText,
    *,
    ignore: Collection[int] = (),
    min_chars: int = 1,
) -> list[Passage]:
    """Passages of ``target`` reused from ``source``, in target order."""
    return align_many(target, [source], ignore=ignore, min_chars=min_chars)[0]
