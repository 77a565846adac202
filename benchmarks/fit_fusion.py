"""Fit the fusion weights on more than one page: the seed page's core set (on the seed
index and on the module index) and the module set's *fit* split (module index).

    python -m benchmarks.fit_fusion --data-dir SEED_INDEX --module-data-dir MODULE_INDEX

Each answerable stand-alone question is retrieved once; every configuration then re-fuses
the saved channel rankings (``Retrieval.rankings``), so the grid costs no model calls.
Prints the best configurations by the sum of hit@3 over the three (set, index) pairs, and
the current default's figures. Held-back cases are never read.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

from assistant import Assistant
from assistant.retrieve import FusionConfig, fuse
from eval.dataset import load_cases, resolve_gold_quotes
from ingest.embed import MINILM_NAME

SETS = Path(__file__).resolve().parents[1] / "eval" / "sets"
E5 = "multilingual-e5-small"
CHANNELS = (MINILM_NAME, E5, "bm25", "sentences")
GRID = ((0.5, 1.0, 1.5), (0.5, 1.0, 1.5), (0.5, 1.0, 1.5), (0.0, 0.25, 0.5, 1.0))
KS = (1.0, 2.0, 5.0, 10.0, 20.0)


def collect(a: Assistant, set_name: str) -> list[dict[str, Any]]:
    """Per fit-split answerable case without history: its gold uids and channel rankings."""
    cases = resolve_gold_quotes(load_cases(SETS / set_name), a.outline())
    rows = []
    for c in cases:
        if not c.gold or c.expect_abstain or c.history or c.split != "fit":
            continue
        gold = {a.passage(g).uid for g in c.gold}
        rows.append({"gold": gold, "rankings": a.retriever.search(c.question).rankings})
    return rows


def hit3(rows: list[dict[str, Any]], fusion: FusionConfig) -> float:
    hits = sum(bool(r["gold"] & {u for u, _ in fuse(r["rankings"], fusion, lambda _u: 0)[:3]})
               for r in rows)
    return hits / len(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True, help="index of the seed page alone")
    ap.add_argument("--module-data-dir", required=True, help="index of the seed page and the module's pages")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    seed, module = Assistant.open(args.data_dir), Assistant.open(args.module_data_dir)
    data = {"core@seed": collect(seed, "core.jsonl"), "core@module": collect(module, "core.jsonl"),
            "module@module (fit)": collect(module, "module.jsonl")}
    print({k: len(v) for k, v in data.items()})
    results = []
    for k in KS:
        for w in itertools.product(*GRID):
            fusion = FusionConfig(k=k, weights={**dict(zip(CHANNELS, w, strict=True)), "history": 0.5})
            scores = {name: hit3(rows, fusion) for name, rows in data.items()}
            results.append((sum(scores.values()), k, w, scores))
    results.sort(key=lambda r: -r[0])
    default = FusionConfig()
    print("default", default.k, [default.weights[c] for c in CHANNELS],
          {n: round(hit3(rows, default), 3) for n, rows in data.items()})
    for total, k, w, scores in results[: args.top]:
        print(f"{total:.3f} k={k:g} weights={w} " + " ".join(f"{n}={v:.3f}" for n, v in scores.items()))


if __name__ == "__main__":
    main()
