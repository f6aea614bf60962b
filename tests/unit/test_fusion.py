"""Reciprocal-rank fusion on hand-built rankings."""

from __future__ import annotations

import pytest

from tools.retrieval.fusion import RRF_K, ranks_from_order, ranks_from_scores, reciprocal_rank_fusion


def test_scores_are_sums_of_reciprocal_ranks_with_k_60():
    fused = reciprocal_rank_fusion({"vector": ["a", "b", "c"], "text": ["b", "d"]})
    score = {f.item: f.score for f in fused}
    assert RRF_K == 60
    assert score["a"] == pytest.approx(1 / 61)
    assert score["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert score["c"] == pytest.approx(1 / 63)
    assert score["d"] == pytest.approx(1 / 62)
    assert [f.item for f in fused] == ["b", "a", "d", "c"]


def test_items_in_one_list_only_keep_only_that_rank():
    fused = {f.item: f for f in reciprocal_rank_fusion({"vector": ["a", "b"], "text": ["c"]})}
    assert fused["a"].ranks == {"vector": 1}
    assert fused["c"].ranks == {"text": 1}
    assert fused["a"].rank_in("text") is None
    assert fused["c"].rank_in("vector") is None


def test_agreement_beats_a_single_first_place():
    # 5th in both lists (2/65 ≈ 0.0308) beats 1st in one list only (1/61 ≈ 0.0164)
    fused = reciprocal_rank_fusion({"vector": ["x", "p", "q", "r", "both"], "text": ["t1", "t2", "t3", "t4", "both"]})
    assert fused[0].item == "both"


def test_k_constant_changes_how_much_the_head_counts():
    rankings = {"vector": ["a", "b", "c"], "text": ["c", "x", "y"]}
    # k=0: plain reciprocal ranks, c = 1/3 + 1/1 > a = 1/1
    fused0 = reciprocal_rank_fusion(rankings, k=0)
    assert fused0[0].item == "c" and fused0[0].score == pytest.approx(1 / 3 + 1)
    assert fused0[1].item == "a" and fused0[1].score == pytest.approx(1.0)
    # the gap between ranks 1 and 2 shrinks as k grows
    gap = lambda k: 1 / (k + 1) - 1 / (k + 2)  # noqa: E731
    s = {f.item: f.score for f in reciprocal_rank_fusion(rankings, k=10)}
    assert s["a"] - s["b"] == pytest.approx(gap(10))
    s = {f.item: f.score for f in reciprocal_rank_fusion(rankings, k=60)}
    assert s["a"] - s["b"] == pytest.approx(gap(60))
    assert gap(60) < gap(10)
    with pytest.raises(ValueError, match="k must be >= 0"):
        reciprocal_rank_fusion(rankings, k=-1)


def test_fused_ties_are_broken_deterministically():
    # a: 1st in vector only; b: 1st in text only -> equal scores, best ranks and list counts -> first seen
    fused = reciprocal_rank_fusion({"vector": ["a"], "text": ["b"]})
    assert fused[0].score == pytest.approx(fused[1].score)
    assert [f.item for f in fused] == ["a", "b"]
    assert [f.item for f in reciprocal_rank_fusion({"text": ["b"], "vector": ["a"]})] == ["b", "a"]
    # c at (1, 3) and d at (3, 1) tie on score, best rank and list count -> first seen (c) first
    fused = reciprocal_rank_fusion({"vector": ["c", "e", "d"], "text": ["d", "f", "c"]})
    top = [f.item for f in fused[:2]]
    assert top == ["c", "d"]
    assert fused[0].score == pytest.approx(fused[1].score)


def test_equal_scores_prefer_the_better_best_rank():
    # k=0 for exact arithmetic: i is 1st in text (1/1); j is 2nd in both lists (1/2 + 1/2)
    fused = reciprocal_rank_fusion({"vector": ["y", "j"], "text": ["i", "j"]}, k=0)
    tied = [f for f in fused if f.item in ("i", "j")]
    assert tied[0].score == tied[1].score == 1.0
    assert [f.item for f in tied] == ["i", "j"]  # best rank 1 beats best rank 2, though j is in more lists


def test_ties_inside_a_ranking_share_a_rank():
    ranks = ranks_from_scores({"a": 0.9, "b": 0.5, "c": 0.5, "d": 0.1})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}
    ranks = ranks_from_scores({"near": 0.1, "far": 0.7, "also_near": 0.1}, higher_is_better=False)
    assert ranks == {"near": 1, "also_near": 1, "far": 3}
    fused = {f.item: f for f in reciprocal_rank_fusion({"text": ranks_from_scores({"b": 0.5, "c": 0.5})})}
    assert fused["b"].score == fused["c"].score == pytest.approx(1 / 61)
    assert fused["b"].ranks == fused["c"].ranks == {"text": 1}


def test_duplicates_keep_their_best_position_and_limit_and_weights_apply():
    assert ranks_from_order(["a", "b", "a"]) == {"a": 1, "b": 2}
    fused = reciprocal_rank_fusion({"vector": ["a", "b", "a", "c"]}, limit=2)
    assert [f.item for f in fused] == ["a", "b"]
    assert fused[0].score == pytest.approx(1 / 61)
    weighted = reciprocal_rank_fusion({"vector": ["a"], "text": ["b"]}, weights={"text": 2.0})
    assert [f.item for f in weighted] == ["b", "a"]
    assert weighted[0].score == pytest.approx(2 / 61)


def test_empty_and_invalid_input():
    assert reciprocal_rank_fusion({}) == []
    assert reciprocal_rank_fusion({"vector": [], "text": []}) == []
    with pytest.raises(ValueError, match="ranks start at 1"):
        reciprocal_rank_fusion({"text": {"a": 0}})


def test_tuple_keys_from_several_tables():
    fused = reciprocal_rank_fusion(
        {"vector": [("documents", 1), ("evidence", 1)], "text": [("evidence", 1), ("documents", 2)]}
    )
    assert fused[0].item == ("evidence", 1)
    assert fused[0].ranks == {"vector": 2, "text": 1}
