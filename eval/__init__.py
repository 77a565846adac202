"""Offline evaluation of evaw-guide: sets, metrics, runs, reports and run comparison.

Everything works against the ``ask(question, history) -> dict`` contract only, so the
assistant and the naive LangChain baseline (``eval.naive.NaivePipeline``, imported
lazily because it loads models) are scored the same way.
"""

from eval.compare import GATE_METRICS, compare
from eval.dataset import CORE_SET, KINDS, DatasetError, EvalCase, Turn, load_cases, parse_cases
from eval.metrics import (
    abstention_stats,
    aggregate,
    aggregate_by_kind,
    case_metrics,
    citation_precision,
    citation_recall,
    citation_support,
    hit_at_k,
    key_point_coverage,
    ndcg_at_k,
    percentile,
    reciprocal_rank,
    split_statements,
)
from eval.passages import passage_ids, passage_uids
from eval.runner import AskFn, EvalResult, check_response, evaluate_case, load_run, run_eval

__all__ = [
    "CORE_SET",
    "GATE_METRICS",
    "KINDS",
    "AskFn",
    "DatasetError",
    "EvalCase",
    "EvalResult",
    "Turn",
    "abstention_stats",
    "aggregate",
    "aggregate_by_kind",
    "case_metrics",
    "check_response",
    "citation_precision",
    "citation_recall",
    "citation_support",
    "compare",
    "evaluate_case",
    "hit_at_k",
    "key_point_coverage",
    "load_cases",
    "load_run",
    "ndcg_at_k",
    "parse_cases",
    "passage_ids",
    "passage_uids",
    "percentile",
    "reciprocal_rank",
    "run_eval",
    "split_statements",
]
