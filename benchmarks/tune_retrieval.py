"""Compare retrieval configurations (channels, RRF constant) on an evaluation set.

    .venv/bin/python benchmarks/tune_retrieval.py [SET.jsonl] [--data-dir DIR]

Prints hit@1 / hit@3 / MRR per configuration, overall and by kind, for answerable cases.
Every configuration runs in the same process on the same index and questions.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from assistant import Assistant
from assistant.retrieve import FusionConfig, HybridRetriever
from ingest.embed import MINILM_NAME

E5 = "multilingual-e5-small"
S = "sentences"
CONFIGS = {
    "all4 (s=1)": {MINILM_NAME: 1.0, E5: 1.0, "bm25": 1.0, S: 1.0},
    "all4 (s=.5)": {MINILM_NAME: 1.0, E5: 1.0, "bm25": 1.0, S: 0.5},
    "all4 e5=1.5": {MINILM_NAME: 1.0, E5: 1.5, "bm25": 1.0, S: 1.0},
    "e5+bm25+sent": {MINILM_NAME: 0.0, E5: 1.0, "bm25": 1.0, S: 1.0},
    "minilm only": {MINILM_NAME: 1.0, E5: 0.0, "bm25": 0.0, S: 0.0},
    "bm25 only": {MINILM_NAME: 0.0, E5: 0.0, "bm25": 1.0},
    "e5 only": {MINILM_NAME: 0.0, E5: 1.0, "bm25": 0.0},
    "minilm+bm25": {MINILM_NAME: 1.0, E5: 0.0, "bm25": 1.0},
    "e5+bm25": {MINILM_NAME: 0.0, E5: 1.0, "bm25": 1.0},
    "minilm+e5+bm25": {MINILM_NAME: 1.0, E5: 1.0, "bm25": 1.0, S: 0.0},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("set", nargs="?", default="eval/sets/core.jsonl")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--k", type=float, nargs="*", default=[5, 10, 30, 60])
    args = ap.parse_args()
    cases = [json.loads(x) for x in Path(args.set).read_text().splitlines() if x.strip()]
    cases = [c for c in cases if c["gold"]]
    a = Assistant.open(args.data_dir)
    print(f"{len(cases)} answerable cases")
    for name, w in CONFIGS.items():
        for k in args.k:
            fusion = FusionConfig(k=k, weights={**w, "history": 0.5})
            r = HybridRetriever(a.view, fusion)
            r._embedders = a.retriever._embedders  # share loaded models
            stats: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
            for c in cases:
                query = a.resolver(c["question"], c.get("history", [])).query
                ids = [h.passage.passage_id for h in r.search(query).hits]
                ranks = [ids.index(g) for g in c["gold"] if g in ids]
                best = min(ranks) if ranks else 99
                row = (int(best == 0), int(best < 3), 1.0 / (best + 1) if ranks else 0.0)
                stats["all"].append(row)
                stats[c["kind"]].append(row)
            def fmt(rows: list[tuple[int, int, float]]) -> str:
                n = len(rows)
                return f"{sum(r[0] for r in rows)/n:.3f}/{sum(r[1] for r in rows)/n:.3f}"
            by_kind = "  ".join(f"{kd}={fmt(v)}" for kd, v in sorted(stats.items()) if kd != "all")
            allr = stats["all"]
            mrr = sum(r[2] for r in allr) / len(allr)
            print(f"{name:16} k={k:<4g} hit@1/hit@3={fmt(allr)} mrr={mrr:.3f}  {by_kind}")


if __name__ == "__main__":
    main()
