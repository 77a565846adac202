"""Gold ids across documents: uids compared, bare ids resolved only when unambiguous."""

from __future__ import annotations

import json

import pytest

from eval.dataset import DatasetError, parse_cases, resolve_gold_id
from eval.metrics import canonical_gold, case_metrics, missed_gold, passage_ref, response_ids
from eval.runner import evaluate_case

KNOWN = {"guide#ep-1.4", "guide#s0-p1", "page-a#s0-p1", "page-a#s0-1"}


def _response(retrieved: list[str], cited: list[str]) -> dict:
    return {
        "answer": "Text. [1]", "abstained": False,
        "retrieved": [{"uid": u, "passage_id": u.rpartition("#")[2], "score": 1.0} for u in retrieved],
        "citations": [{"marker": i + 1, "uid": u, "passage_id": u.rpartition("#")[2],
                       "doc_id": u.rpartition("#")[0], "label": "", "quote": "Text.", "text": "Text.",
                       "source_url": "", "start": 0, "end": 5} for i, u in enumerate(cited)],
    }


def test_refs_prefer_uid_then_doc_and_id() -> None:
    assert passage_ref({"uid": "a#x", "passage_id": "y"}) == "a#x"
    assert passage_ref({"doc_id": "a", "passage_id": "x"}) == "a#x"
    assert passage_ref({"passage_id": "x"}) == "x"
    assert response_ids(_response(["a#1", "b#1", "a#1"], ["b#1"])) == (["a#1", "b#1"], ["b#1"])


def test_bare_gold_resolves_to_the_one_document_that_has_it() -> None:
    assert canonical_gold(["ep-1.4", "b#2"], ["guide#ep-1.4", "x#ep-2"]) == ["guide#ep-1.4", "b#2"]
    # two documents with the id among the response: ambiguous, stays bare, matches nothing
    assert canonical_gold(["s0-p1"], ["guide#s0-p1", "page-a#s0-p1"]) == ["s0-p1"]


def test_metrics_compare_on_uids() -> None:
    same_id_other_doc = _response(["page-a#s0-p1", "guide#ep-1.4"], ["page-a#s0-p1"])
    m = case_metrics(gold=["guide#s0-p1"], gold_all=False, key_points=[], expect_abstain=False,
                     response=same_id_other_doc)
    assert m["hit@3"] == 0.0 and m["citation_precision"] == 0.0  # same bare id, wrong document
    m = case_metrics(gold=["ep-1.4"], gold_all=False, key_points=[], expect_abstain=False,
                     response=same_id_other_doc)
    assert m["hit@1"] == 0.0 and m["hit@3"] == 1.0
    ambiguous = _response(["page-a#s0-p1", "guide#s0-p1"], ["guide#s0-p1"])
    m = case_metrics(gold=["s0-p1"], gold_all=False, key_points=[], expect_abstain=False,
                     response=ambiguous)
    assert m["hit@3"] == 0.0


def test_missed_gold_keeps_the_set_spelling() -> None:
    assert missed_gold(["ep-1.4", "st-1"], ["g#ep-1.4", "g#st-1"], ["g#ep-1.4"]) == ["st-1"]
    case = parse_cases([json.dumps({"id": "c", "question": "q", "gold": ["ep-1.4"],
                                    "expect_abstain": False, "kind": "lexical"})])[0]
    r = evaluate_case(case, _response(["guide#ep-1.4"], ["guide#ep-1.4"]), 1.0)
    assert r.missed == () and r.metrics["citation_recall"] == 1.0


def test_dataset_resolves_bare_gold_against_known_uids() -> None:
    assert resolve_gold_id("ep-1.4", KNOWN) == ["guide#ep-1.4"]
    assert resolve_gold_id("s0-p1", KNOWN) == ["guide#s0-p1", "page-a#s0-p1"]
    assert resolve_gold_id("page-a#s0-1", KNOWN) == ["page-a#s0-1"]
    assert resolve_gold_id("nope#s0-1", KNOWN) == []
    line = {"id": "c", "question": "q", "gold": ["ep-1.4", "page-a#s0-1"],
            "expect_abstain": False, "kind": "lexical"}
    assert parse_cases([json.dumps(line)], known_ids=KNOWN)[0].gold == ("guide#ep-1.4", "page-a#s0-1")
    with pytest.raises(DatasetError) as ei:
        parse_cases([json.dumps({**line, "gold": ["s0-p1"]})], source="set.jsonl", known_ids=KNOWN)
    assert ei.value.errors == ["set.jsonl:1: gold id 's0-p1' is in several documents; use one of: "
                               "guide#s0-p1, page-a#s0-p1"]


def test_run_rows_write_bare_gold_as_the_runs_uid() -> None:
    from eval.runner import gold_as_uids

    rows = [{"gold": ["ep-1"], "retrieved": ["guide#ep-2"], "cited": []},
            {"gold": ["ep-2", "s0-p1"], "retrieved": ["guide#ep-1", "a#s0-p1", "b#s0-p1"],
             "cited": ["guide#ep-1"]}]
    assert [r["gold"] for r in gold_as_uids(rows)] == [["guide#ep-1"], ["guide#ep-2", "s0-p1"]]
