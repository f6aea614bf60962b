"""Reciprocal-rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009), pure Python.

Each input ranking contributes ``weight / (k + rank)`` to every item it
contains (ranks start at 1); an item missing from a ranking gets nothing from
it. ``k = 60`` is the constant from the paper: it damps the head of every list
so that one list's first place cannot outvote agreement between lists.

Ties
    - *inside* a ranking: give equal items the same rank with
      :func:`ranks_from_scores` (standard competition ranking, "1224");
    - *between* fused items: equal fused scores are ordered by their best
      rank in any list, then by the number of lists that contain them, then by
      first appearance (list order, then position) — deterministic, never by
      hashing.

Nothing here touches a database: the retrieval tool builds the rankings, this
module only combines them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60


@dataclass(frozen=True)
class Fused(Generic[K]):
    item: K
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # ranking name → 1-based rank in that ranking

    def rank_in(self, name: str) -> int | None:
        return self.ranks.get(name)


def ranks_from_order(items: Iterable[K]) -> dict[K, int]:
    """Position in an ordered list → 1-based rank; a repeated item keeps its first (best) rank."""
    out: dict[K, int] = {}
    for pos, item in enumerate(items, start=1):
        out.setdefault(item, pos)
    return out


def ranks_from_scores(scores: Mapping[K, float], *, higher_is_better: bool = True) -> dict[K, int]:
    """Competition ranking ("1224"): items with equal scores share a rank, the next rank skips."""
    sign = -1.0 if higher_is_better else 1.0
    ordered = sorted(scores.items(), key=lambda kv: sign * kv[1])
    out: dict[K, int] = {}
    prev: float | None = None
    rank = 0
    for pos, (item, score) in enumerate(ordered, start=1):
        if prev is None or score != prev:
            rank = pos
            prev = score
        out[item] = rank
    return out


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[K] | Mapping[K, int]],
    *,
    k: int = RRF_K,
    weights: Mapping[str, float] | None = None,
    limit: int | None = None,
) -> list[Fused[K]]:
    """Fuse named rankings; best first.

    A ranking is either an ordered sequence (best first; ranks are positions)
    or a mapping ``item → rank`` (1-based, ties allowed — see
    :func:`ranks_from_scores`). ``weights`` scale a ranking's contribution
    (default 1 each).
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    weights = weights or {}
    scores: dict[K, float] = {}
    ranks: dict[K, dict[str, int]] = {}
    first_seen: dict[K, int] = {}
    seen = 0
    for name, ranking in rankings.items():
        if isinstance(ranking, Mapping):
            pairs: Iterable[tuple[K, int]] = sorted(ranking.items(), key=lambda kv: kv[1])
        else:
            pairs = ranks_from_order(ranking).items()
        w = float(weights.get(name, 1.0))
        for item, rank in pairs:
            if rank < 1:
                raise ValueError(f"ranks start at 1 (got {rank} in {name!r})")
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
            ranks.setdefault(item, {})[name] = rank
            if item not in first_seen:
                first_seen[item] = seen
                seen += 1

    key: Callable[[K], tuple[float, int, int, int]] = lambda it: (  # noqa: E731
        -scores[it],
        min(ranks[it].values()),
        -len(ranks[it]),
        first_seen[it],
    )
    ordered = sorted(scores, key=key)
    if limit is not None:
        ordered = ordered[: max(0, limit)]
    return [Fused(item=it, score=scores[it], ranks=dict(ranks[it])) for it in ordered]
