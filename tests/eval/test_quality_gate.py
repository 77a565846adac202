"""CI quality gate: the core set through the default answerer must stay above thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from eval import CORE_SET, load_cases, run_eval

pytestmark = pytest.mark.slow
THRESHOLDS = Path(__file__).resolve().parents[2] / "eval" / "thresholds.json"


def test_core_set_meets_quality_thresholds(assistant: Assistant, tmp_path: Path) -> None:
    gate = json.loads(THRESHOLDS.read_text())
    summary = run_eval(load_cases(CORE_SET), lambda q, h: assistant.ask(q, h).to_dict(),  # type: ignore[arg-type]
                       tmp_path, name="gate", progress=False)
    o = summary["overall"]
    report = {k: o[k] for k in ("hit@3", "citation_precision", "citation_support", "abstention_recall",
                                "wrong_abstention_rate")}
    for metric in ("hit@3", "citation_precision", "citation_support", "abstention_recall"):
        assert o[metric] >= gate[metric], f"{metric} {o[metric]:.3f} < {gate[metric]} ({report})"
    assert o["wrong_abstention_rate"] <= gate["wrong_abstention_rate_max"], report
    assert (tmp_path / "report.html").is_file()
    # every passage should be reachable: in the top 3 for at least one of its questions
    reached: dict[str, bool] = {}
    for line in (tmp_path / "results.jsonl").read_text().splitlines():
        r = json.loads(line)
        for g in r["gold"]:
            reached[g] = reached.get(g, False) or g in r["retrieved"][:3]
    missing = sorted(g for g, ok in reached.items() if not ok)
    share = 1 - len(missing) / len(reached)
    assert share >= gate["passages_reached_top3"], f"passages never in the top 3: {missing}"
