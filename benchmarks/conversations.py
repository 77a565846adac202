"""Conversation set, per kind of follow-up: the resolver against ignoring the history.

    python -m benchmarks.conversations [eval/sets/conversations.jsonl] [--data-dir DIR]

For each ``conv_kind`` and each pipeline: follow-up detection accuracy (does the answer's
``followup`` match the label), cite-hit (a gold passage cited) and first-hit (the first
citation is gold). "ignore history" is the same assistant with a resolver that treats
every question as standing alone. Then, per split, the issue's four targets as the CI
gate computes them (tests/eval/test_quality_gate.py): detection accuracy, follow-up
cite-hit, topic switches that cite the previous answer's passages, "why" answers that
repeat the previous answer. "heldback" cases were never used to fit or tune anything.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from assistant import Assistant
from assistant.conversation import CitationFinder
from assistant.followup import Resolution
from eval.dataset import EvalCase, load_cases

Row = tuple[int, int, int]
SWITCHES = ("switch", "switch-pronoun")


def _standalone(question: str, history: object) -> Resolution:
    return Resolution(question, False, "standalone")


def score(assistant: Assistant, cases: list[EvalCase]) -> tuple[dict[tuple[str, str], list[Row]],
                                                                  dict[str, dict[str, list[int]]]]:
    """Per (kind, split) rows of (detect, hit, first); per split the gate's four checks."""
    out: dict[tuple[str, str], list[Row]] = defaultdict(list)
    gate: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    finder = CitationFinder(assistant.outline())
    for c in cases:
        ans = assistant.ask(c.question, history=c.history_dicts())  # type: ignore[arg-type]
        cited = [x.passage_id for x in ans.citations]
        if c.gold:
            hit, first = int(bool(set(cited) & set(c.gold))), int(bool(cited) and cited[0] in c.gold)
        else:
            hit = first = int(ans.abstained or bool(ans.gaps))
        detect = int(ans.followup == bool(c.followup))
        last = c.history_dicts()[-1]["content"]
        for split in (c.split, "all"):
            out[(c.conv_kind, split)].append((detect, hit, first))
            g = gate[split]
            g["detect"].append(detect)
            if c.conv_kind in SWITCHES:
                prev = {u.split("#")[-1] for u in finder.from_text(last)}
                g["switch_cites_previous"].append(int(bool((set(cited) & prev) - set(c.gold))))
            elif c.gold:
                g["followup_cite_hit"].append(hit)
            if c.conv_kind == "why":
                g["why_repeats"].append(int(ans.answer.strip() in last))
    return out, gate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("set", nargs="?", default="eval/sets/conversations.jsonl")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    cases = load_cases(Path(args.set))
    resolved = Assistant.open(args.data_dir)
    ignoring = Assistant(resolved.settings, resolver=_standalone)
    (a, gate_a), (b, _) = score(resolved, cases), score(ignoring, cases)
    print(f"{'kind':16} {'split':9} {'n':>3} | resolver: detect cite-hit first-hit "
          "| ignore history: detect cite-hit first-hit")
    for key in sorted(a, key=lambda k: (k[1] != "all", k)):
        ra, rb = a[key], b[key]
        n = len(ra)

        def m(rows: list[Row], i: int) -> str:
            return f"{sum(r[i] for r in rows) / len(rows):.2f}"

        print(f"{key[0]:16} {key[1]:9} {n:3} | {m(ra, 0):>15} {m(ra, 1):>8} {m(ra, 2):>9} | "
              f"{m(rb, 0):>21} {m(rb, 1):>8} {m(rb, 2):>9}")
    print("\nresolver, per split: " + ", ".join(("detect", "followup_cite_hit", "switch_cites_previous",
                                                  "why_repeats")))
    for split in sorted(gate_a):
        g = gate_a[split]
        cells = [f"{name}={sum(v) / len(v):.3f} ({sum(v)}/{len(v)})" for name, v in g.items()]
        print(f"  {split:9} " + "  ".join(cells))


if __name__ == "__main__":
    main()
