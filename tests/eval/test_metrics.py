"""Metric functions on small cases computed by hand."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    abstention_stats,
    aggregate,
    case_metrics,
    citation_precision,
    citation_recall,
    citation_support,
    hit_at_k,
    is_supported,
    key_point_coverage,
    ndcg_at_k,
    percentile,
    reciprocal_rank,
    split_statements,
)

P1 = (
    "Establishing dedicated gender desks/ focal points at the national level within security "
    "institutions"
)
P2 = (
    "Maintaining adequate infrastructure and equipment at police facilities, such as vehicles, "
    "cameras, private interview rooms, emergency beds"
)


def cit(marker: int, pid: str, text: str) -> dict:
    return {"marker": marker, "passage_id": pid, "doc_id": "d", "label": pid, "quote": text,
            "text": text, "source_url": "", "start": 0, "end": len(text)}


# ------------------------------------------------------------------ retrieval


def test_hit_at_k() -> None:
    ret = ["a", "b", "c", "d"]
    assert hit_at_k(ret, ["c"], 1) == 0.0
    assert hit_at_k(ret, ["c"], 3) == 1.0
    assert hit_at_k(ret, ["z"], 5) == 0.0
    assert hit_at_k(ret, [], 3) is None
    assert hit_at_k([], ["a"], 3) == 0.0


def test_hit_at_k_counts_duplicates_once() -> None:
    # "a" repeated must not push "b" out of the top 2
    assert hit_at_k(["a", "a", "a", "b"], ["b"], 2) == 1.0


def test_mrr() -> None:
    assert reciprocal_rank(["a", "b", "c"], ["b"]) == 0.5
    assert reciprocal_rank(["a", "b", "c"], ["c", "b"]) == 0.5
    assert reciprocal_rank(["a"], ["x"]) == 0.0
    assert reciprocal_rank(["a"], []) is None


def test_ndcg_binary() -> None:
    got = ndcg_at_k(["x", "g1", "y", "g2"], ["g1", "g2"], 5)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert got == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["g1", "g2"], ["g1", "g2"]) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "b", "c", "d", "e", "g"], ["g"]) == 0.0  # rank 6 is outside @5
    assert ndcg_at_k(["a"], []) is None


# ------------------------------------------------------------------ citation precision/recall


def test_citation_precision_edges() -> None:
    assert citation_precision(["a", "b"], ["a"]) == 0.5
    assert citation_precision(["a", "a", "b"], ["a"]) == 0.5  # unique ids
    assert citation_precision([], ["a"]) is None  # no citations
    assert citation_precision(["a"], ["a"], abstained=True) is None
    assert citation_precision(["a"], []) is None  # no gold: out of scope


def test_citation_recall_edges() -> None:
    assert citation_recall(["a"], ["a", "b"]) == 1.0  # one gold passage suffices
    assert citation_recall(["a"], ["a", "b"], gold_all=True) == 0.5
    assert citation_recall(["c"], ["a", "b"]) == 0.0
    assert citation_recall([], ["a"]) == 0.0
    assert citation_recall(["a"], ["a"], abstained=True) == 0.0
    assert citation_recall(["a"], []) is None


# ------------------------------------------------------------------ statements and support


def test_split_statements_markers_follow_their_sentence() -> None:
    ans = "Police need gender desks. [1] They need private rooms [2][2].\n- A bullet point here [3]"
    st = split_statements(ans)
    assert [s.markers for s in st] == [(1,), (2,), (3,)]
    assert st[0].text == "Police need gender desks."
    assert st[2].text == "A bullet point here"


def test_split_does_not_break_on_lowercase_after_abbreviation() -> None:
    st = split_statements("Training with cross-sectoral participation (i.e. other providers) [1].")
    assert len(st) == 1 and st[0].markers == (1,)


def test_is_supported_containment_and_overlap() -> None:
    assert is_supported("establishing dedicated gender desks/ focal points", [P1])
    # curly vs straight quotes and case do not matter
    assert is_supported("WOMEN’S police stations", ["women's police stations"])
    # paraphrase with most content tokens present
    paraphrase = "Police facilities need vehicles, cameras and private interview rooms"
    assert is_supported(paraphrase, [P2])
    assert not is_supported("Police need gender desks", [P2])
    assert not is_supported("Police need gender desks", [])


def test_support_supported_unsupported_and_uncited() -> None:
    ans = (
        "Establishing dedicated gender desks at the national level [1]. "
        "Police should carry more guns everywhere [2]. "
        "Stations need private interview rooms and cameras."  # no marker
    )
    r = citation_support(ans, [cit(1, "st-2.1", P1), cit(2, "st-2.8", P2)])
    assert (r.statements, r.supported) == (3, 1)
    assert r.support == pytest.approx(1 / 3)
    assert r.citation_uses == 2 and r.needed == 1


def test_support_marker_pointing_nowhere() -> None:
    r = citation_support("Establishing dedicated gender desks at national level [9].",
                         [cit(1, "st-2.1", P1)])
    assert r.statements == 1 and r.supported == 0 and r.dangling_markers == 1


def test_support_duplicate_markers_count_once() -> None:
    r = citation_support("Establishing dedicated gender desks [1][1].", [cit(1, "st-2.1", P1)])
    assert r.citation_uses == 1 and r.needed == 1 and r.support == 1.0


def test_citation_needed_redundant_and_irrelevant() -> None:
    # both citations contain the sentence: neither is needed on its own
    r = citation_support("Establishing dedicated gender desks [1][2].",
                         [cit(1, "st-2.1", P1), cit(2, "x", P1)])
    assert r.needed == 0 and r.needed_share == 0.0
    # one relevant, one irrelevant: the relevant one is needed
    r = citation_support("Establishing dedicated gender desks [1][2].",
                         [cit(1, "st-2.1", P1), cit(2, "st-2.8", P2)])
    assert r.citation_uses == 2 and r.needed == 1


def test_empty_answer() -> None:
    r = citation_support("", [])
    assert r.statements == 0 and r.support is None and r.needed_share is None
    m = case_metrics(gold=["st-2.1"], gold_all=False, key_points=["gender desks"],
                     expect_abstain=False,
                     response={"answer": "", "abstained": False, "citations": [], "retrieved": []})
    assert m["citation_support"] == 0.0
    assert m["key_point_coverage"] == 0.0
    assert m["citation_precision"] is None and m["citation_recall"] == 0.0
    assert m["hit@3"] == 0.0


def test_short_fragments_are_not_scored() -> None:
    r = citation_support("Sources:\nEstablishing dedicated gender desks [1].", [cit(1, "a", P1)])
    assert r.statements == 1 and r.support == 1.0


# ------------------------------------------------------------------ answers, abstention, latency


def test_key_point_coverage() -> None:
    ans = "It can improve women’s trust [1] and increase   reporting."
    assert key_point_coverage(ans, ["women's trust", "increase reporting", "quotas"]) == (
        pytest.approx(2 / 3)
    )
    assert key_point_coverage(ans, []) is None
    assert key_point_coverage("", ["a"]) == 0.0


def test_abstention_all_abstain() -> None:
    s = abstention_stats([(True, True), (False, True), (False, True)])
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == 1.0
    assert s.wrong_abstention_rate == 1.0


def test_abstention_never_abstains() -> None:
    s = abstention_stats([(True, False), (False, False)])
    assert s.precision is None
    assert s.recall == 0.0
    assert s.wrong_abstention_rate == 0.0
    assert abstention_stats([]).recall is None


def test_percentile() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_abstained_case_metrics() -> None:
    m = case_metrics(gold=["a"], gold_all=False, key_points=[], expect_abstain=False,
                     response={"answer": "I can't answer.", "abstained": True,
                               "citations": [], "retrieved": [{"passage_id": "a", "score": 1}]})
    assert m["hit@1"] == 1.0  # retrieval is still scored
    assert m["citation_precision"] is None and m["citation_recall"] == 0.0
    assert m["citation_support"] is None
    assert m["abstention_correct"] == 0.0


def test_out_of_scope_counts_for_abstention_only() -> None:
    resp = {"answer": "Paris [1].", "abstained": False,
            "citations": [cit(1, "a", "Paris")], "retrieved": [{"passage_id": "a", "score": 1}]}
    m = case_metrics(gold=[], gold_all=False, key_points=[], expect_abstain=True, response=resp)
    assert all(v is None for k, v in m.items() if k != "abstention_correct")
    assert m["abstention_correct"] == 0.0


def test_aggregate_excludes_out_of_scope_from_retrieval() -> None:
    rows = [
        {"kind": "lexical", "gold": ["a"], "expect_abstain": False, "abstained": False,
         "latency_ms": 10.0, "metrics": {"hit@1": 1.0, "abstention_correct": 1.0}},
        {"kind": "out-of-scope", "gold": [], "expect_abstain": True, "abstained": True,
         "latency_ms": 30.0, "metrics": {"hit@1": None, "abstention_correct": 1.0}},
    ]
    agg = aggregate(rows)
    assert agg["hit@1"] == 1.0 and agg["n"] == 2 and agg["n_in_scope"] == 1
    assert agg["abstention_precision"] == 1.0 and agg["abstention_recall"] == 1.0
    assert agg["wrong_abstention_rate"] == 0.0
    assert agg["latency_p50_ms"] == 20.0
