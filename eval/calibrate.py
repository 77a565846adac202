"""Fit the "does the guidance cover this?" model on an evaluation set.

Each case's retrieval signals (best MiniLM and e5 similarity, share of known words, best
BM25) are labelled covered / not covered by ``expect_abstain``; a small L2-regularised
logistic regression is fitted, and the threshold is the one that keeps wrong abstentions
on answerable questions at zero on the set while catching as many out-of-scope ones as
possible. Leave-one-out accuracy is reported so the fit's generalisation is visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval.dataset import EvalCase


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]
    bias: float
    threshold: float
    train_accuracy: float
    loo_accuracy: float
    wrong_abstentions: int
    missed_abstentions: int
    n: int


FITTED_KINDS_EXCLUDED = ("near-miss", "partial")  # in-domain: the answerability step's job


def fitting_cases(cases: Sequence[EvalCase]) -> list[EvalCase]:
    """The cases a fit may use: the "fit" split only (never "heldback" or "unseen"), and
    not the in-domain near-miss kinds, which retrieval-level coverage is not meant to
    refuse (``answerability.py`` names their gaps instead)."""
    return [c for c in cases if c.split == "fit" and c.kind not in FITTED_KINDS_EXCLUDED]


def signals_for(assistant: Any, cases: Sequence[EvalCase]) -> tuple[np.ndarray, np.ndarray]:
    from assistant.answerability import is_english
    from assistant.coverage import feature_vector

    X, y = [], []
    for c in fitting_cases(cases):
        history = [{"role": t.role, "content": t.content} for t in c.history]
        resolution = assistant.resolver(c.question, history)
        r = assistant.retrieve(resolution.query)
        X.append(feature_vector(r.signals, is_english(c.question)))
        y.append(0.0 if c.expect_abstain else 1.0)
    return np.asarray(X), np.asarray(y)


def _fit(X: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000) -> tuple[np.ndarray, float]:
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mu) / sd
    w, b = np.zeros(X.shape[1]), 0.0
    pos = y.mean()
    cw = np.where(y == 1, 0.5 / max(pos, 1e-9), 0.5 / max(1 - pos, 1e-9))  # balance classes
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = (p - y) * cw
        w -= 0.1 * (Z.T @ g / len(y) + l2 * w)
        b -= 0.1 * g.mean()
    # fold the standardisation back so the model applies to raw features
    return w / sd, float(b - (w * mu / sd).sum())


def _probs(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(X @ w + b)))


WRONG_ABSTENTION_COST = 2.0  # refusing an answerable question costs twice answering an out-of-scope one


def _threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The cut between two adjacent scores that minimises the cost of mistakes, placed
    midway between them for margin."""
    s = np.sort(np.unique(p))
    cuts = np.concatenate([[s[0] / 2], (s[:-1] + s[1:]) / 2, [(s[-1] + 1) / 2]])
    cost = [WRONG_ABSTENTION_COST * ((p < t) & (y == 1)).sum() + ((p >= t) & (y == 0)).sum()
            for t in cuts]
    return float(cuts[int(np.argmin(cost))])


def calibrate(X: np.ndarray, y: np.ndarray) -> Calibration:
    w, b = _fit(X, y)
    p = _probs(X, w, b)
    t = _threshold(p, y)
    pred = p >= t
    loo = []
    for i in range(len(y)):
        m = np.arange(len(y)) != i
        wi, bi = _fit(X[m], y[m])
        ti = _threshold(_probs(X[m], wi, bi), y[m])
        loo.append(float((_probs(X[i:i + 1], wi, bi)[0] >= ti) == bool(y[i])))
    return Calibration(
        weights=tuple(float(v) for v in w), bias=b, threshold=t,
        train_accuracy=float((pred == (y == 1)).mean()), loo_accuracy=float(np.mean(loo)),
        wrong_abstentions=int(((~pred) & (y == 1)).sum()),
        missed_abstentions=int((pred & (y == 0)).sum()), n=len(y),
    )
