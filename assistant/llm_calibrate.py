"""Calibrate the LLM support check: ``python -m assistant.llm_calibrate [DATA_DIR]``.

Positives: every sentence of the guidance (>= 6 words) in four forms an LLM might write
it (verbatim; "The guidance says that ..."; 30 % of words dropped; the leading 60 % of the
sentence) paired with its own passage.
Negatives, two groups:
* random: the same forms paired with a random passage that is not the sentence's own,
  an ancestor or a descendant of it;
* hard: out-of-domain sentences and plausible security-sector claims the guidance does
  not make, each paired with the 3 passages retrieval ranks best for it.
Every (similarity threshold, overlap threshold) pair on a grid is scored; the chosen pair
has the highest true-accept rate among those whose false-accept rate is <= TARGET_FAR in
each negative group. The report goes to ``assistant/llm_calibration.json``; copy the two
numbers into ``SIM_THRESHOLD`` / ``OVERLAP_THRESHOLD`` in ``assistant/llm.py``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index import IndexView
from assistant.llm import SupportChecker
from assistant.retrieve import HybridRetriever
from assistant.text import tokens
from ingest.embed import MINILM_NAME
from ingest.model import Passage
from ingest.sentences import sentence_spans
from ingest.settings import Settings

TARGET_FAR = 0.02
REPORT = Path(__file__).with_name("llm_calibration.json")

HARD_NEGATIVES = [
    # out of domain
    "Paris is the capital of France and its largest city.",
    "Photosynthesis converts sunlight into chemical energy in plants.",
    "The stock market fell sharply after the interest rate decision.",
    "Regular exercise and a balanced diet improve cardiovascular health.",
    "Python is a popular programming language for data science.",
    "The football team won the championship in a penalty shoot-out.",
    "Volcanic eruptions can cool the global climate for several years.",
    "The recipe needs two cups of flour and a pinch of salt.",
    "Quantum computers use qubits that can be in superposition.",
    "The Roman Empire was divided into eastern and western halves.",
    # in domain but not what the guidance says
    "All police officers must carry firearms at all times while on duty.",
    "The guidance requires a quota of fifty percent women in every army unit.",
    "Military courts should handle all cases of domestic violence.",
    "Survivors must report violence to the police within 24 hours.",
    "The guidance recommends abolishing the police in post-conflict countries.",
    "UN Women funds the salaries of national police officers.",
    "Security sector reform is only relevant in wealthy countries.",
    "Women should not serve in peacekeeping missions.",
    "The guidance says that prisons should be privatised to reduce abuse.",
    "Community leaders should decide on punishments for perpetrators instead of courts.",
    "Every country must adopt the same national action plan template written by the UN.",
    "Border guards should confiscate the passports of trafficking victims.",
    "The guidance states that violence against women has declined in all conflict countries.",
    "Police stations should close at night to protect officers.",
    "Men's organisations should be excluded from all work on violence against women.",
    "Intelligence services are the main entry point for ending domestic violence.",
    "Private security companies are banned from employing women.",
    "The guidance recommends lowering the age of criminal responsibility.",
    "Disarmament programmes should pay cash to every ex-combatant who hands in a weapon.",
    "Judges should receive bonuses for convicting more suspects.",
    "Military service should be compulsory for all women.",
    "Gender training for soldiers has been shown to have no effect.",
    "The guidance advises governments to cut funding for shelters.",
    "Human rights treaty bodies have no role in monitoring the security sector.",
    "Peace agreements should not mention sexual violence.",
    "Police officers should mediate between victims and abusers to keep families together.",
    # generic filler small models write around real content (true-sounding, never stated)
    "This is a critical step towards addressing gender-based violence and ensuring that all members "
    "of society are protected.",
    "It requires a comprehensive approach that includes both legal and non-legal measures to protect "
    "women from harm.",
    "This includes the need for a more robust police response to combat these issues.",
    "Overall, the security sector plays a vital role in creating a safer world for everyone.",
    "By working together, governments and communities can make a real difference in the lives of survivors.",
    "It is important to remember that every situation is unique and requires careful consideration.",
    "These efforts will help build a culture of respect and accountability across all institutions.",
    "Women officers are naturally better at handling cases of domestic violence than men.",
    "The police have a long history of using women officers only for administrative tasks.",
    "Statebuilding programmes help the state defend itself against violence from outside its borders.",
    "Disarmament programmes should focus on collecting weapons rather than changing attitudes.",
    "Training alone is enough to end violence against women in the security sector.",
]


SYNONYMS = {
    "women": "female", "woman": "female", "girls": "young females", "police": "law enforcement",
    "violence": "abuse", "ensure": "make sure", "ensuring": "making sure", "training": "instruction",
    "strengthen": "reinforce", "strengthening": "reinforcing", "government": "state",
    "recruit": "hire", "recruitment": "hiring", "increase": "raise", "increasing": "raising",
    "support": "assist", "improve": "enhance", "improving": "enhancing", "provide": "offer",
    "providing": "offering", "develop": "create", "developing": "creating", "important": "key",
    "opportunity": "chance", "opportunities": "chances", "programmes": "schemes",
    "personnel": "staff", "officers": "officials", "reform": "overhaul", "reforms": "changes",
    "survivors": "victims", "address": "tackle", "addressing": "tackling", "policies": "rules",
    "mechanisms": "systems", "promote": "encourage", "promoting": "encouraging",
    "establish": "set up", "establishing": "setting up", "specialized": "dedicated",
    "efforts": "work", "measures": "steps", "including": "such as", "particularly": "especially",
}


def _synonyms(sentence: str) -> str:
    return " ".join(SYNONYMS.get(w.lower(), w) for w in sentence.split())


def _variants(sentence: str, rng: random.Random) -> list[tuple[str, str]]:
    words = sentence.split()
    out = [("verbatim", sentence)]
    out.append(("synonyms", _synonyms(sentence)))
    out.append(("synonyms+dropout", " ".join(w for w in _synonyms(sentence).split() if rng.random() > 0.25)))
    out.append(("reported", "The guidance says that " + sentence[0].lower() + sentence[1:]))
    keep = [w for w in words if rng.random() > 0.3]
    if len(keep) >= 4:
        out.append(("dropout", " ".join(keep)))
    head = words[: max(4, int(len(words) * 0.6))]
    out.append(("head", " ".join(head).rstrip(",;:") + "."))
    return out


def _related(a: Passage, b: Passage) -> bool:
    """Same passage, or in the same top-level section (ancestor, descendant or sibling)."""
    return a.uid == b.uid or a.passage_id.split(".")[0] == b.passage_id.split(".")[0]


def calibrate(data_dir: Path, target_far: float = TARGET_FAR, seed: int = 13) -> dict[str, Any]:
    view = IndexView(data_dir)
    retriever = HybridRetriever(view)
    checker = SupportChecker(retriever.embedder(MINILM_NAME))
    rng = random.Random(seed)
    passages = [p for p in view.passages if len(tokens(p.text)) >= 4]
    pos: list[tuple[float, float, str]] = []
    neg_random: list[tuple[float, float]] = []
    for p in passages:
        others = [q for q in passages if not _related(p, q)]
        for s, e in sentence_spans(p.text):
            sent = " ".join(p.text[s:e].split())
            if len(sent.split()) < 6:
                continue
            variants = _variants(sent, rng)
            vecs = checker.embed([v for _, v in variants])
            for (kind, text), vec in zip(variants, vecs, strict=True):
                if len(set(tokens(text))) < 2:
                    continue
                own = checker.score(text, vec, p)
                pos.append((own.similarity, own.overlap, kind))
                other = checker.score(text, vec, rng.choice(others))
                neg_random.append((other.similarity, other.overlap))
    neg_hard: list[tuple[float, float]] = []
    hvecs = checker.embed(HARD_NEGATIVES)
    for text, vec in zip(HARD_NEGATIVES, hvecs, strict=True):
        for h in retriever.search(text).hits[:3]:
            hard = checker.score(text, vec, h.passage)
            neg_hard.append((hard.similarity, hard.overlap))

    P = np.array([(a, b) for a, b, _ in pos])
    R = np.array(neg_random)
    H = np.array(neg_hard)
    best: dict[str, Any] | None = None
    grid: list[dict[str, Any]] = []
    for ts in np.round(np.arange(0.30, 0.95, 0.01), 2):
        for to in np.round(np.arange(0.0, 1.0001, 0.05), 2):
            def rate(X: np.ndarray, ts: float = ts, to: float = to) -> float:
                return float(np.mean((X[:, 0] >= ts) & (X[:, 1] >= to)))
            far_r, far_h, tar = rate(R), rate(H), rate(P)
            if far_r <= target_far and far_h <= target_far:
                grid.append({"sim_threshold": float(ts), "overlap_threshold": float(to), "tar": tar,
                             "far_random": far_r, "far_hard": far_h})
    # best true-accept rate, then fewest false accepts; among ties the centre of the tied
    # region (not its edge, which would fit the positives' minimum exactly)
    top = max(g["tar"] for g in grid)
    tied = [g for g in grid if g["tar"] >= top - 1e-9]
    low = min(g["far_random"] + g["far_hard"] for g in tied)
    tied = [g for g in tied if g["far_random"] + g["far_hard"] <= low + 1e-9]
    cs = float(np.median([g["sim_threshold"] for g in tied]))
    co = float(np.median([g["overlap_threshold"] for g in tied]))
    best = min(tied, key=lambda g: abs(g["sim_threshold"] - cs) + abs(g["overlap_threshold"] - co))
    by_kind = {}
    for kind in sorted({k for *_, k in pos}):
        X = np.array([(a, b) for a, b, k in pos if k == kind])
        by_kind[kind] = round(float(np.mean((X[:, 0] >= best["sim_threshold"])
                                            & (X[:, 1] >= best["overlap_threshold"]))), 4)
    return {
        "method": "grid search; max true-accept rate s.t. false-accept <= target in each negative group",
        "target_far": target_far, "seed": seed, "embedder": MINILM_NAME,
        "index_generation": view.generation.name,
        "n_positive": len(pos), "n_negative_random": len(neg_random), "n_negative_hard": len(neg_hard),
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in best.items()},
        "tar_by_form": by_kind,
        "quantiles_5_50_95": {
            name: {"similarity": [round(float(np.quantile(X[:, 0], q)), 3) for q in (0.05, 0.5, 0.95)],
                   "overlap": [round(float(np.quantile(X[:, 1], q)), 3) for q in (0.05, 0.5, 0.95)]}
            for name, X in (("positive", P), ("negative_random", R), ("negative_hard", H))
        },
    }


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    data_dir = Path(args[0]) if args else Settings.load().data_dir
    report = calibrate(data_dir)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
