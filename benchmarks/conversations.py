"""Conversation set, per kind of follow-up: the resolver against ignoring the history.

    python -m benchmarks.conversations [eval/sets/conversations.jsonl] [--data-dir DIR]

For each ``conv_kind`` and each pipeline: follow-up detection accuracy (does the answer's
``followup`` match the label), cite-hit (a gold passage cited) and first-hit (the first
citation is gold). "ignore history" is the same assistant with a resolver that treats
every question as standing alone. Figures per split; "heldback" cases were never used to
fit or tune anything.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from assistant import Assistant
from assistant.followup import Resolution
from eval.dataset import EvalCase, load_cases


def _standalone(question: str, history: object) -> Resolution:
    return Resolution(question, False, "standalone")


def score(assistant: Assistant, cases: list[EvalCase]) -> dict[tuple[str, str], list[tuple[int, int, int]]]:
    out: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
    for c in cases:
        ans = assistant.ask(c.question, history=c.history_dicts())  # type: ignore[arg-type]
        cited = [x.passage_id for x in ans.citations]
        if c.gold:
            hit, first = int(bool(set(cited) & set(c.gold))), int(bool(cited) and cited[0] in c.gold)
        else:
            hit = first = int(ans.abstained or bool(ans.gaps))
        detect = int(ans.followup == bool(c.followup))
        for split in (c.split, "all"):
            out[(c.conv_kind, split)].append((detect, hit, first))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("set", nargs="?", default="eval/sets/conversations.jsonl")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    cases = load_cases(Path(args.set))
    resolved = Assistant.open(args.data_dir)
    ignoring = Assistant(resolved.settings, resolver=_standalone)
    a, b = score(resolved, cases), score(ignoring, cases)
    print(f"{'kind':16} {'split':9} {'n':>3} | resolver: detect cite-hit first-hit "
          "| ignore history: detect cite-hit first-hit")
    for key in sorted(a, key=lambda k: (k[1] != "all", k)):
        ra, rb = a[key], b[key]
        n = len(ra)

        def m(rows: list[tuple[int, int, int]], i: int) -> str:
            return f"{sum(r[i] for r in rows) / len(rows):.2f}"

        print(f"{key[0]:16} {key[1]:9} {n:3} | {m(ra, 0):>15} {m(ra, 1):>8} {m(ra, 2):>9} | "
              f"{m(rb, 0):>21} {m(rb, 1):>8} {m(rb, 2):>9}")


if __name__ == "__main__":
    main()
