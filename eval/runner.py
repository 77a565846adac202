"""Run a set of cases through an ``ask`` function and write results and reports.

The runner only sees the ``ask(question, history) -> dict`` contract, so the assistant, the
naive baseline, or a test double are evaluated identically. An exception or a malformed
response in one case is recorded as that case's failure instead of aborting the run:
a long evaluation should always produce a report.
"""

from __future__ import annotations

import json
import platform
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.dataset import EvalCase
from eval.metrics import aggregate, aggregate_by_kind, case_metrics, missed_gold, response_ids

AskFn = Callable[[str, list[dict[str, str]]], Mapping[str, Any]]

RESPONSE_KEYS = ("question", "answer", "abstained", "citations", "retrieved", "timings_ms")
CITATION_KEYS = ("marker", "passage_id", "doc_id", "label", "quote", "text", "source_url",
                 "start", "end")


def check_response(response: Any) -> list[str]:
    """Contract violations of an ``ask`` response (empty when it has the agreed shape)."""
    if not isinstance(response, Mapping):
        return [f"response is {type(response).__name__}, not a dict"]
    problems = [f"missing key '{k}'" for k in RESPONSE_KEYS if k not in response]
    if "answer" in response and not isinstance(response["answer"], str):
        problems.append("'answer' is not a string")
    if "abstained" in response and not isinstance(response["abstained"], bool):
        problems.append("'abstained' is not a bool")
    cits = response.get("citations")
    if cits is not None and not isinstance(cits, list):
        problems.append("'citations' is not a list")
    elif cits:
        for i, c in enumerate(cits):
            missing = [k for k in CITATION_KEYS if not isinstance(c, Mapping) or k not in c]
            if missing:
                problems.append(f"citations[{i}] missing {', '.join(missing)}")
    ret = response.get("retrieved")
    if ret is not None and (
        not isinstance(ret, list)
        or not all(isinstance(r, Mapping) and "passage_id" in r for r in ret)
    ):
        problems.append("'retrieved' must be a list of {passage_id, score}")
    return problems


@dataclass(frozen=True)
class EvalResult:
    """The outcome of one case: what came back, the per-case metrics and why it failed."""

    case: EvalCase
    answer: str
    abstained: bool
    retrieved: tuple[str, ...]
    cited: tuple[str, ...]
    missed: tuple[str, ...]  # gold passages that were not cited
    metrics: Mapping[str, float | None]
    latency_ms: float
    reported_ms: float | None = None  # the response's own timings_ms.total
    error: str | None = None
    problems: tuple[str, ...] = ()  # contract violations of the response
    gaps: tuple[str, ...] = ()
    failures: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def to_row(self) -> dict[str, Any]:
        """The ``results.jsonl`` record (also the input of reports and comparisons)."""
        c = self.case
        return {
            "id": c.id,
            "kind": c.kind,
            "split": c.split,
            "conv_kind": c.conv_kind,
            "question": c.question,
            "history": c.history_dicts(),
            "gold": list(c.gold),
            "gold_all": c.gold_all,
            "key_points": list(c.key_points),
            "expect_abstain": c.expect_abstain,
            "retrieved": list(self.retrieved),
            "cited": list(self.cited),
            "missed": list(self.missed),
            "answer": self.answer,
            "abstained": self.abstained,
            "gaps": list(self.gaps),
            "metrics": dict(self.metrics),
            "latency_ms": self.latency_ms,
            "reported_ms": self.reported_ms,
            "error": self.error,
            "problems": list(self.problems),
            "failures": list(self.failures),
            "failed": self.failed,
        }


def _failures(case: EvalCase, m: Mapping[str, float | None], abstained: bool,
              error: str | None, problems: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    if error:
        out.append("error")
    if problems:
        out.append("bad response")
    if m.get("honest") == 0.0:
        out.append("gap not named")
    if m.get("spurious_gaps") == 1.0:
        out.append("spurious gaps")
    if m.get("followup_correct") == 0.0:
        out.append("follow-up misjudged")
    if case.out_of_scope:
        if case.expect_abstain and not abstained and not m.get("honest"):
            out.append("answered instead of abstaining")
        return tuple(out)
    if abstained and not case.expect_abstain:
        out.append("wrongly abstained")
    if m.get("hit@3") == 0.0:
        out.append("no gold in top 3")
    rec = m.get("citation_recall")
    if not abstained and rec is not None and rec < 1.0:
        out.append("gold not cited" if rec == 0.0 else "some gold not cited")
    sup = m.get("citation_support")
    if sup is not None and sup < 1.0:
        out.append("unsupported statement")
    return tuple(out)


def _sanitize(response: Any) -> dict[str, Any]:
    """Keep only well-formed parts of a response so a contract slip cannot crash scoring."""
    r: Mapping[str, Any] = response if isinstance(response, Mapping) else {}

    def _maps(v: Any) -> list[Mapping[str, Any]]:
        return [x for x in v if isinstance(x, Mapping)] if isinstance(v, list) else []

    return {
        "answer": r.get("answer") if isinstance(r.get("answer"), str) else "",
        "abstained": r.get("abstained") is True,
        "citations": _maps(r.get("citations")),
        "retrieved": _maps(r.get("retrieved")),
        "timings_ms": r.get("timings_ms") if isinstance(r.get("timings_ms"), Mapping) else {},
        "gaps": [g for g in r.get("gaps") or [] if isinstance(g, str)],
        "followup": r.get("followup") if isinstance(r.get("followup"), bool) else None,
    }


def evaluate_case(
    case: EvalCase,
    response: Mapping[str, Any] | None,
    latency_ms: float,
    error: str | None = None,
) -> EvalResult:
    """Score one response (``None`` when ``ask`` raised; ``error`` says what happened)."""
    problems = tuple(check_response(response)) if response is not None else ()
    resp = _sanitize(response)
    abstained = bool(resp["abstained"])
    retrieved, cited = response_ids(resp)
    metrics = case_metrics(
        gold=case.gold,
        gold_all=case.gold_all,
        key_points=case.key_points,
        expect_abstain=case.expect_abstain,
        response=resp,
        expect_gaps=case.gaps,
        expect_followup=case.followup,
        gold_docs=case.gold_docs,
    )
    reported = resp["timings_ms"].get("total")
    return EvalResult(
        case=case,
        answer=resp["answer"],
        abstained=abstained,
        retrieved=tuple(retrieved),
        cited=tuple(cited),
        missed=tuple(missed_gold(case.gold, retrieved, cited)),
        metrics=metrics,
        latency_ms=latency_ms,
        reported_ms=float(reported) if isinstance(reported, int | float) else None,
        error=error,
        problems=problems,
        gaps=tuple(resp["gaps"]),
        failures=_failures(case, metrics, abstained, error, problems),
    )


def summarize(rows: Sequence[Mapping[str, Any]], name: str,
              config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``summary.json`` content: overall and by-kind metrics plus run information."""
    return {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_cases": len(rows),
        "n_failed": sum(1 for r in rows if r.get("failed")),
        "overall": aggregate(rows),
        "by_kind": aggregate_by_kind(rows),
        "by_split": {s: aggregate([r for r in rows if r.get("split", "fit") == s])
                     for s in dict.fromkeys(str(r.get("split", "fit")) for r in rows)},
        "by_conv_kind": {k: aggregate([r for r in rows if r.get("conv_kind") == k])
                         for k in dict.fromkeys(str(r.get("conv_kind")) for r in rows if r.get("conv_kind"))},
        "config": {
            "python": platform.python_version(),
            "latency": "wall-clock ms around each ask() call",
            "out_of_scope": "cases with empty gold count for abstention metrics only",
            **dict(config or {}),
        },
    }


def gold_as_uids(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose bare gold ids ("ep-1.4") are written as the uid the run's responses give
    that id, when they give it one document only, so reports and gates compare uids
    ("missed" keeps the set's spelling)."""
    refs = [ref for r in rows for ref in [*r.get("retrieved", []), *r.get("cited", [])]]
    by_bare: dict[str, set[str]] = {}
    for ref in refs:
        if "#" in ref:
            by_bare.setdefault(ref.rpartition("#")[2], set()).add(ref)
    uid = {b: next(iter(u)) for b, u in by_bare.items() if len(u) == 1}
    return [{**r, "gold": [uid.get(g, g) for g in r.get("gold", [])]} for r in rows]


def run_eval(
    cases: Sequence[EvalCase],
    ask_fn: AskFn,
    out_dir: str | Path,
    name: str = "run",
    progress: bool = True,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask every case, score it and write ``results.jsonl``, ``summary.json``,
    ``report.md`` and ``report.html`` into ``out_dir`` (created). Returns the summary.

    ``config`` is free-form run information (model, k, index version...) stored in the
    summary so two runs can be told apart in a comparison.
    """
    from tqdm import tqdm

    from eval.report import render_html, render_markdown

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    bar = tqdm(cases, desc=f"eval {name}", unit="case", disable=not progress)
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for case in bar:
            t0 = time.perf_counter()
            response: Mapping[str, Any] | None = None
            error: str | None = None
            try:
                response = ask_fn(case.question, case.history_dicts())
            except Exception as e:  # one broken case must not lose the whole run
                error = f"{type(e).__name__}: {e}"
                tb = traceback.format_exc(limit=3)
                error = f"{error}\n{tb}" if len(tb) < 4000 else error
            latency = (time.perf_counter() - t0) * 1000.0
            row = evaluate_case(case, response, latency, error).to_row()
            rows.append(row)
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
    rows = gold_as_uids(rows)
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    summary = summarize(rows, name, config)
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "report.md").write_text(render_markdown(summary, rows), encoding="utf-8")
    (out / "report.html").write_text(render_html(summary, rows), encoding="utf-8")
    return summary


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read back a run's ``summary.json`` and ``results.jsonl``."""
    d = Path(run_dir)
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    rows = [
        json.loads(line)
        for line in (d / "results.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return summary, rows
