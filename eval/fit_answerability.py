"""Fit the answerability thresholds (``assistant/answerability.json``) on the "fit" split.

Grid search over the two similarity thresholds. The objective counts, on the fit split of
the given sets, near-miss/partial cases answered without naming a gap (dishonest), and
answerable cases refused or given gaps they do not have (spurious); a spurious gap on an
answerable question costs ``SPURIOUS_COST`` dishonest answers. Held-back cases are never
read. Usage: ``python -m eval.fit_answerability SET... [--write]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.dataset import EvalCase, load_cases

SENTENCE_GRID = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)
WORD_GRID = (0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75)
SPURIOUS_COST = 1.0


@dataclass(frozen=True)
class Score:
    sentence: float
    word: float
    dishonest: int
    spurious: int
    n_gapped: int
    n_answerable: int

    @property
    def cost(self) -> float:
        spurious = self.spurious / max(1, self.n_answerable)
        return self.dishonest / max(1, self.n_gapped) + SPURIOUS_COST * spurious


@dataclass(frozen=True)
class _Recorded:
    case: EvalCase
    judge_args: tuple[Any, ...] | None  # None: refused before the answerability step
    abstained: bool
    gaps: tuple[str, ...]


def _record(assistant: Any, cases: Sequence[EvalCase]) -> list[_Recorded]:
    """Ask every case once, keeping the answerability step's inputs, so each grid point
    only re-runs that step."""
    judge = assistant.judge
    real = judge.judge
    out = []
    for c in cases:
        calls: list[tuple[Any, ...]] = []

        def spy(*args: Any, _calls: list[tuple[Any, ...]] = calls, **kw: Any) -> Any:
            focus = args[2] if len(args) > 2 else kw.get("focus")
            _calls.append((args[0], args[1], focus, kw.get("context", "")))
            return real(*args, **kw)

        judge.judge = spy
        try:
            ans = assistant.ask(c.question, history=c.history_dicts())
        finally:
            judge.judge = real
        out.append(_Recorded(c, calls[-1] if calls else None, ans.abstained, ans.gaps))
    return out


def _outcome(judge: Any, r: _Recorded) -> tuple[bool, tuple[str, ...]]:
    if r.judge_args is None:
        return r.abstained, r.gaps
    q, cited, focus, context = r.judge_args
    v = judge.judge(q, cited, focus, context=context)
    return v.coverage == "not_covered", v.gaps


def fit(assistant: Any, cases: Sequence[EvalCase]) -> list[Score]:
    from assistant.answerability import Thresholds

    recorded = _record(assistant, [c for c in cases if c.split == "fit"])
    out = []
    for s in SENTENCE_GRID:
        for w in WORD_GRID:
            assistant.judge.thresholds = Thresholds(s, w)
            dishonest = spurious = gapped = answerable = 0
            for r in recorded:
                abstained, gaps = _outcome(assistant.judge, r)
                if r.case.gaps:
                    gapped += 1
                    dishonest += not (abstained or gaps)
                elif not r.case.expect_abstain:
                    answerable += 1
                    spurious += bool(abstained or gaps)
            out.append(Score(s, w, dishonest, spurious, gapped, answerable))
    return sorted(out, key=lambda x: (x.cost, -x.sentence, -x.word))


def main(argv: list[str]) -> None:
    from assistant import Assistant
    from assistant.answerability import Thresholds

    paths = [Path(a) for a in argv if not a.startswith("--")]
    cases = [c for p in paths for c in load_cases(p)]
    scores = fit(Assistant.open(), cases)
    for sc in scores[:8]:
        print(f"sentence {sc.sentence:.2f} word {sc.word:.2f}: dishonest {sc.dishonest}/{sc.n_gapped}, "
              f"spurious {sc.spurious}/{sc.n_answerable}, cost {sc.cost:.3f}")
    best = scores[0]
    if "--write" in argv:
        names = ", ".join(p.name for p in paths)
        Thresholds(best.sentence, best.word, f"fit split of {names}").save()
        print("Saved assistant/answerability.json")


if __name__ == "__main__":
    main(sys.argv[1:])
