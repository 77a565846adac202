"""Every bundled evaluation set, per split, in one table (the README's quality figures).

    python -m eval.report_sets [--data-dir DIR] [--module-data-dir DIR]

``--module-data-dir``: an index of the guidance plus ``eval/corpora/module`` (``evaw-guide
ingest corpus eval/corpora/module --data-dir DIR``) for the multi-page set; without it the
multi-page rows are skipped. Splits: "fit" cases may have been used to fit thresholds,
"heldback" never were (core.jsonl and heldout.jsonl have no split: both were seen while
tuning, in this round or the previous one).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from eval.dataset import load_cases, resolve_gold_quotes
from eval.runner import run_eval

SETS = Path(__file__).parent / "sets"
COLUMNS = ("hit@1", "hit@3", "citation_precision", "citation_recall", "citation_support", "honest",
           "spurious_gaps", "abstention_recall", "wrong_abstention_rate", "followup_correct",
           "docs_all_cited")
RUNS = (("core.jsonl", ""), ("heldout.jsonl", ""), ("fresh.jsonl", ""), ("nearmiss.jsonl", ""),
        ("conversations.jsonl", ""), ("module.jsonl", "module"), ("core.jsonl", "module"))


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{v:.3f}"


def main() -> None:
    from assistant import Assistant

    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--module-data-dir", default=None)
    args = ap.parse_args()
    assistants = {"": Assistant.open(args.data_dir)}
    if args.module_data_dir:
        assistants["module"] = Assistant.open(args.module_data_dir)
    print("| set | split | n | " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * (len(COLUMNS) + 3))
    for name, index in RUNS:
        if index not in assistants:
            continue
        a = assistants[index]
        cases = resolve_gold_quotes(load_cases(SETS / name), a.outline())
        with tempfile.TemporaryDirectory() as out:
            s = run_eval(cases, lambda q, h, a=a: a.ask(q, h).to_dict(), Path(out), name=name,  # type: ignore[misc]
                         progress=False)
        label = f"{name} (+ module pages)" if index else name
        for split, agg in [("all", s["overall"]), *s["by_split"].items()]:
            if split != "all" and len(s["by_split"]) == 1:
                continue
            cells = " | ".join(_fmt(agg.get(c)) for c in COLUMNS)
            print(f"| {label} | {split} | {agg['n']} | {cells} |")


if __name__ == "__main__":
    main()
