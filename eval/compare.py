"""Compare two runs and decide whether the second one regressed.

Used as a gate (e.g. in CI): ``regressed`` is True when any metric in ``GATE_METRICS``
moves the wrong way by more than ``tolerance`` (absolute, metrics are 0..1). Latency is
reported but not gated, because it depends on the machine. Cases that got worse are
listed first, since they are what a reviewer needs to look at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.metrics import AGG_METRICS, LOWER_IS_BETTER
from eval.report import fmt
from eval.runner import load_run

GATE_METRICS: tuple[str, ...] = (
    "hit@3",
    "mrr",
    "citation_precision",
    "citation_recall",
    "citation_support",
    "key_point_coverage",
    "abstention_recall",
    "abstention_precision",
    "wrong_abstention_rate",
)
CASE_COMPARE = ("hit@3", "mrr", "citation_recall", "citation_precision", "citation_support",
                "key_point_coverage", "abstention_correct")


def _worse_by(metric: str, a: float | None, b: float | None) -> float:
    """How much worse ``b`` is than ``a`` (positive = worse); undefined counts as no change,
    except a metric that became undefined, which counts as fully worse (e.g. 1.0 -> None)."""
    if a is None:
        return 0.0
    if b is None:
        return 0.0 if metric in LOWER_IS_BETTER else a
    return (b - a) if metric in LOWER_IS_BETTER else (a - b)


def metric_deltas(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per aggregate metric: values, delta (b - a) and how much worse b is."""
    out = []
    for m in AGG_METRICS:
        va, vb = a.get(m), b.get(m)
        delta = vb - va if va is not None and vb is not None else None
        out.append({"metric": m, "a": va, "b": vb, "delta": delta,
                    "worse_by": _worse_by(m, va, vb)})
    return out


def case_changes(rows_a: Sequence[Mapping[str, Any]],
                 rows_b: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Cases present in both runs split into worse / better, plus ids only in one run.

    A case is worse when any of ``CASE_COMPARE`` dropped (or it newly failed); better when
    something improved and nothing dropped.
    """
    by_a = {r["id"]: r for r in rows_a}
    by_b = {r["id"]: r for r in rows_b}
    worse: list[dict[str, Any]] = []
    better: list[dict[str, Any]] = []
    for cid, rb in by_b.items():
        ra = by_a.get(cid)
        if ra is None:
            continue
        changes = []
        drop = gain = False
        for m in CASE_COMPARE:
            va, vb = ra["metrics"].get(m), rb["metrics"].get(m)
            if va == vb:
                continue
            w = _worse_by(m, va, vb)
            if w > 0:
                drop = True
            elif w < 0 or (va is None and vb is not None):
                gain = True
            changes.append(f"{m} {fmt(va)}→{fmt(vb)}")
        newly_failed = [f for f in rb.get("failures", []) if f not in ra.get("failures", [])]
        if newly_failed:
            drop = True
            changes.append("new: " + "; ".join(newly_failed))
        entry = {"id": cid, "kind": rb.get("kind", ""), "question": rb.get("question", ""),
                 "changes": changes}
        if drop:
            worse.append(entry)
        elif gain:
            better.append(entry)
    return {
        "worse": worse,
        "better": better,
        "only_a": [c for c in by_a if c not in by_b],
        "only_b": [c for c in by_b if c not in by_a],
    }


def compare(run_a_dir: str | Path, run_b_dir: str | Path,
            tolerance: float = 0.02) -> tuple[str, bool]:
    """Markdown report of run B against baseline run A, and whether B regressed.

    ``regressed`` is True when a gate metric (overall) is worse by more than ``tolerance``.
    """
    sa, rows_a = load_run(run_a_dir)
    sb, rows_b = load_run(run_b_dir)
    deltas = metric_deltas(sa.get("overall", {}), sb.get("overall", {}))
    gate_fail = [d for d in deltas if d["metric"] in GATE_METRICS and d["worse_by"] > tolerance]
    regressed = bool(gate_fail)
    changes = case_changes(rows_a, rows_b)

    name_a, name_b = sa.get("name", str(run_a_dir)), sb.get("name", str(run_b_dir))
    lines = [
        f"# Comparison: {name_b} vs {name_a} (baseline)",
        "",
        f"Gate (tolerance {tolerance:.3f}): "
        + ("**REGRESSED** on " + ", ".join(d["metric"] for d in gate_fail)
           if regressed else "passed"),
        "",
    ]
    if changes["worse"]:
        lines += ["## Cases that got worse", ""]
        lines += [f"- `{c['id']}` ({c['kind']}): {c['question']} — {', '.join(c['changes'])}"
                  for c in changes["worse"]]
        lines.append("")
    lines += ["## Metrics (overall)", "", f"| metric | {name_a} | {name_b} | delta | gate |",
              "|---|---|---|---|---|"]
    for d in deltas:
        gate = ""
        if d["metric"] in GATE_METRICS:
            gate = "FAIL" if d in gate_fail else "ok"
        delta = "–" if d["delta"] is None else f"{d['delta']:+.3f}"
        lines.append(f"| {d['metric']} | {fmt(d['a'], d['metric'])} | "
                     f"{fmt(d['b'], d['metric'])} | {delta} | {gate} |")
    kinds = [k for k in sb.get("by_kind", {}) if k in sa.get("by_kind", {})]
    if kinds:
        lines += ["", "## By kind (delta, b - a)", "",
                  "| metric | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
        for m in GATE_METRICS:
            cells = []
            for k in kinds:
                va, vb = sa["by_kind"][k].get(m), sb["by_kind"][k].get(m)
                cells.append("–" if va is None or vb is None else f"{vb - va:+.3f}")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    if changes["better"]:
        lines += ["", "## Cases that got better", ""]
        lines += [f"- `{c['id']}` ({c['kind']}): {', '.join(c['changes'])}"
                  for c in changes["better"]]
    if changes["only_a"] or changes["only_b"]:
        lines += ["", "## Cases in only one run", "",
                  f"- only in {name_a}: {', '.join(changes['only_a']) or '–'}",
                  f"- only in {name_b}: {', '.join(changes['only_b']) or '–'}"]
    return "\n".join(lines) + "\n", regressed
