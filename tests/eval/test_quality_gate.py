"""CI quality gate: every bundled evaluation set through the default answerer must stay
within the bounds of eval/thresholds.json (per split where the set has one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.conversation import CitationFinder
from eval import load_cases, run_eval
from eval.dataset import resolve_gold_quotes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
THRESHOLDS = ROOT / "eval" / "thresholds.json"
GATE: dict[str, Any] = json.loads(THRESHOLDS.read_text())["sets"]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _extra(name: str, rows: list[dict[str, Any]], assistant: Assistant) -> dict[str, float]:
    """Metrics that need the whole row: reached passages, conversation checks."""
    out: dict[str, float] = {}
    reached: dict[str, bool] = {}
    for r in rows:
        for g in r["gold"]:
            reached[g] = reached.get(g, False) or g in r["retrieved"][:3]
    if reached:
        out["passages_reached_top3"] = sum(reached.values()) / len(reached)
    follow = [r for r in rows if r.get("conv_kind") and r["gold"] and r["conv_kind"] not in
              ("switch", "switch-pronoun")]
    if follow:
        out["followup_cite_hit"] = sum(bool(set(r["gold"]) & set(r["cited"])) for r in follow) / len(follow)
        finder = CitationFinder(assistant.outline())
        switches = [r for r in rows if r.get("conv_kind") in ("switch", "switch-pronoun")]
        bent = 0
        for r in switches:
            prev = set(finder.from_text(r["history"][-1]["content"]))
            bent += bool((set(r["cited"]) & prev) - set(r["gold"]))
        out["switch_cites_previous"] = bent / max(1, len(switches))
        whys = [r for r in rows if r.get("conv_kind") == "why"]
        out["why_repeats"] = sum(r["answer"].strip() in r["history"][-1]["content"] for r in whys) / max(1, len(whys))
    return out


@pytest.fixture(scope="module")
def module_assistant(module_data_dir: Path) -> Assistant:
    return Assistant.open(module_data_dir)


@pytest.mark.parametrize("set_name", sorted(GATE))
def test_set_meets_quality_thresholds(request: pytest.FixtureRequest, tmp_path: Path, set_name: str) -> None:
    """``NAME@module``: the set asked of the guidance with the module's test pages beside it."""
    file_name, _, index = set_name.partition("@")
    assistant: Assistant = request.getfixturevalue("module_assistant" if index == "module" else "assistant")
    cases = resolve_gold_quotes(load_cases(ROOT / "eval" / "sets" / file_name), assistant.outline())
    summary = run_eval(cases, lambda q, h: assistant.ask(q, h).to_dict(),  # type: ignore[arg-type]
                       tmp_path, name="gate", progress=False)
    rows = _rows(tmp_path / "results.jsonl")
    assert (tmp_path / "report.html").is_file()
    failures = []
    for split, bounds in GATE[set_name].items():
        measured = dict(summary["overall"] if split == "all" else summary["by_split"][split])
        measured.update(_extra(set_name, [r for r in rows if split == "all" or r["split"] == split], assistant))
        for metric, lo in bounds.get("min", {}).items():
            if measured.get(metric) is None or measured[metric] < lo:
                failures.append(f"{split} {metric} {measured.get(metric)} < {lo}")
        for metric, hi in bounds.get("max", {}).items():
            if measured.get(metric) is not None and measured[metric] > hi:
                failures.append(f"{split} {metric} {measured[metric]} > {hi}")
    assert not failures, f"{set_name}: " + "; ".join(failures)
