"""End-to-end run on a tiny set with a deterministic fake ``ask``, then run comparison.

The fake only exists to drive the runner; it is not the product.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from eval import compare, parse_cases, run_eval
from eval.dataset import EvalCase
from eval.runner import check_response, load_run

DESKS = ("Establishing dedicated gender desks/ focal points at the national level within "
         "security institutions")
SHOPS = ("Investing in 'one stop shops' to meet the multiple needs of survivors in high "
         "density, high prevalence areas, and other feasible locations")

CASES = [
    {"id": "t-1", "question": "What are gender desks?", "gold": ["st-2.1"],
     "key_points": ["gender desks", "national level"], "expect_abstain": False,
     "kind": "lexical"},
    {"id": "t-2", "question": "Where should they go?", "gold": ["st-3.6"],
     "history": [{"role": "user", "content": "What is a one stop shop?"},
                 {"role": "assistant", "content": "A one stop shop... [1]"}],
     "key_points": ["high prevalence areas"], "expect_abstain": False, "kind": "follow-up"},
    {"id": "t-3", "question": "<script>alert('x')</script> capital of France?", "gold": [],
     "expect_abstain": True, "kind": "adversarial"},
    {"id": "t-4", "question": "This one breaks the assistant", "gold": ["st-2.1"],
     "expect_abstain": False, "kind": "paraphrase"},
]


def _cit(marker: int, pid: str, text: str) -> dict[str, Any]:
    return {"marker": marker, "passage_id": pid, "doc_id": "guide", "label": pid,
            "quote": text, "text": text, "source_url": "https://example.org",
            "start": 0, "end": len(text)}


def _resp(question: str, answer: str, citations: list[dict[str, Any]], retrieved: list[str],
          abstained: bool = False) -> dict[str, Any]:
    return {"question": question, "answer": answer, "abstained": abstained,
            "citations": citations,
            "retrieved": [{"passage_id": p, "score": 1.0 - i / 10} for i, p in
                          enumerate(retrieved)],
            "timings_ms": {"total": 5.0}}


def good_ask(question: str, history: list[dict[str, str]]) -> Mapping[str, Any]:
    if "gender desks" in question:
        return _resp(question, f"{DESKS} [1].", [_cit(1, "st-2.1", DESKS)],
                     ["st-2.1", "st-2.2"])
    if question.startswith("Where") and history:
        return _resp(question, f"{SHOPS} [1].", [_cit(1, "st-3.6", SHOPS)],
                     ["st-3.6", "st-3.3"])
    if "breaks" in question:
        raise RuntimeError("index not found")
    return _resp(question, "Sorry, the guidance does not cover that.", [], ["ep-1"],
                 abstained=True)


def worse_ask(question: str, history: list[dict[str, str]]) -> Mapping[str, Any]:
    if question.startswith("Where"):  # ignores history: retrieves and cites the wrong passage
        return _resp(question, f"{DESKS} [1].", [_cit(1, "st-2.1", DESKS)], ["st-2.1"])
    if "capital" in question:  # answers instead of abstaining
        return _resp(question, "Paris is the capital [1].", [_cit(1, "ep-1", "x")], ["ep-1"])
    return good_ask(question, history)


@pytest.fixture
def cases() -> list[EvalCase]:
    return parse_cases([json.dumps(c) for c in CASES])


def test_run_writes_every_output(tmp_path: Path, cases: list[EvalCase]) -> None:
    summary = run_eval(cases, good_ask, tmp_path / "run", name="good", progress=False,
                       config={"k": 5})
    out = tmp_path / "run"
    for f in ("results.jsonl", "summary.json", "report.md", "report.html"):
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f

    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["t-1", "t-2", "t-3", "t-4"]
    r1 = rows[0]
    for key in ("question", "kind", "gold", "retrieved", "cited", "missed", "answer",
                "abstained", "metrics", "latency_ms"):
        assert key in r1
    assert r1["metrics"]["hit@1"] == 1.0 and r1["metrics"]["citation_support"] == 1.0
    assert r1["metrics"]["key_point_coverage"] == 1.0 and not r1["failed"]
    assert rows[1]["metrics"]["key_point_coverage"] == 1.0
    assert rows[2]["abstained"] and not rows[2]["failed"]
    assert rows[3]["error"].startswith("RuntimeError: index not found")
    assert rows[3]["failed"] and rows[3]["missed"] == ["st-2.1"]

    assert summary == json.loads((out / "summary.json").read_text())
    assert summary["n_cases"] == 4 and summary["n_failed"] == 1
    ov = summary["overall"]
    assert ov["hit@1"] == pytest.approx(2 / 3)  # the adversarial case is excluded
    assert ov["abstention_recall"] == 1.0 and ov["abstention_precision"] == 1.0
    assert set(summary["by_kind"]) == {"lexical", "follow-up", "adversarial", "paraphrase"}
    assert summary["config"]["k"] == 5

    md = (out / "report.md").read_text()
    case_table = md.split("## Cases (failed first)")[1]
    assert case_table.index("| t-4 |") < case_table.index("| t-1 |")  # failures first
    assert "<script>" not in md

    page = (out / "report.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("data:image/png;base64,") == 3


def test_compare_gates_on_regression(tmp_path: Path, cases: list[EvalCase]) -> None:
    run_eval(cases, good_ask, tmp_path / "a", name="a", progress=False)
    run_eval(cases, worse_ask, tmp_path / "b", name="b", progress=False)

    text, regressed = compare(tmp_path / "a", tmp_path / "a")
    assert not regressed and "passed" in text

    text, regressed = compare(tmp_path / "a", tmp_path / "b", tolerance=0.02)
    assert regressed
    assert "REGRESSED" in text and "hit@3" in text.split("\n")[2]
    worse = text.split("## Cases that got worse")[1].split("##")[0]
    assert "`t-2`" in worse and "`t-3`" in worse
    assert text.index("## Cases that got worse") < text.index("## Metrics (overall)")

    # the other way round B is better, so nothing regressed
    _, regressed = compare(tmp_path / "b", tmp_path / "a")
    assert not regressed


def test_bad_response_is_a_failure_not_a_crash(tmp_path: Path, cases: list[EvalCase]) -> None:
    def sloppy(question: str, history: list[dict[str, str]]) -> Mapping[str, Any]:
        return {"answer": 42, "citations": "none", "retrieved": [{"score": 1}]}

    run_eval(cases[:1], sloppy, tmp_path, progress=False)
    _, rows = load_run(tmp_path)
    assert rows[0]["failed"] and "bad response" in rows[0]["failures"]
    assert rows[0]["problems"]


def test_check_response_accepts_the_contract() -> None:
    assert check_response(good_ask("What are gender desks?", [])) == []
    assert check_response(None) == ["response is NoneType, not a dict"]
