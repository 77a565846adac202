"""The lexical (BM25) index, built at ingest and saved with the generation.

rank-bm25's ``BM25Okapi`` (k1=1.2, b=0.6, negative idf floored at 0.25 x the mean idf)
rescored every passage in Python for every query term and was rebuilt at every start. The
same scores are precomputed here as an inverted index: for each term, the passages that
contain it (its postings) and their BM25 weight, stored as compressed sparse columns in plain
numpy arrays. A question's score is the sum of its terms' columns, so its cost is the length
of those postings, and opening the index is one ``np.load`` (no scipy import).

bm25s (the library) was considered: its "robertson" idf clips negative idf to 0 and its
other variants use a different idf, so neither reproduces rank-bm25's scores, which the
calibrated "not covered" model reads (``bm25_max``) and the fusion was tuned on.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.terms import _TOKEN, STOPWORDS, fold, tokens

K1 = 1.2
B = 0.6
EPSILON = 0.25  # rank-bm25's floor for terms in more than half the passages
FILE = "lexical.npz"
FORMAT = 1


@dataclass(frozen=True)
class LexicalData:
    """Term x passage BM25 weights as CSC arrays: column ``j`` (term ``vocab[j]``) holds
    passages ``indices[indptr[j]:indptr[j+1]]`` with weights ``data[...]`` (each term's
    score contribution per occurrence in the query)."""

    vocab: tuple[str, ...]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    passages: int
    words: tuple[str, ...]  # folded corpus words (> 2 letters, no stopwords), for typo fixes


def build(texts: list[str]) -> LexicalData:
    """BM25Okapi weights of ``texts`` (passages with their parent context), rank-bm25's
    formulas exactly."""
    docs = [tokens(t) for t in texts]
    n = len(docs)
    postings: dict[str, list[tuple[int, int]]] = {}
    for i, d in enumerate(docs):
        counts: dict[str, int] = {}
        for t in d:
            counts[t] = counts.get(t, 0) + 1
        for t, c in counts.items():
            postings.setdefault(t, []).append((i, c))
    # idf in rank-bm25's own arithmetic (math.log, its summation order: terms in order of
    # first appearance), so scores are equal to the last bit, ties included
    idf_of: dict[str, float] = {}
    for t, rows in postings.items():
        idf_of[t] = math.log(n - len(rows) + 0.5) - math.log(len(rows) + 0.5)
    mean_idf = sum(idf_of.values()) / len(idf_of) if idf_of else 0.0
    for t, v in idf_of.items():
        if v < 0:
            idf_of[t] = EPSILON * mean_idf
    vocab = sorted(postings)
    lengths = np.array([len(d) for d in docs], dtype=np.float64)
    avgdl = sum(len(d) for d in docs) / n if n else 0.0
    idf = np.array([idf_of[t] for t in vocab], dtype=np.float64)
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(postings[t]) for t in vocab])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    tf = np.empty(int(indptr[-1]), dtype=np.float64)
    for j, t in enumerate(vocab):
        rows = postings[t]
        indices[indptr[j]:indptr[j + 1]] = [r for r, _ in rows]
        tf[indptr[j]:indptr[j + 1]] = [c for _, c in rows]
    data = tf
    if len(tf):  # postings exist, so some passage has tokens and avgdl > 0
        col = np.repeat(np.arange(len(vocab)), np.diff(indptr))
        norm = K1 * (1 - B + B * lengths[indices] / avgdl)
        data = idf[col] * (tf * (K1 + 1) / (tf + norm))
    words = {w for t in texts for w in _TOKEN.findall(fold(t))}
    return LexicalData(tuple(vocab), indptr, indices, data.astype(np.float64), n,
                       tuple(sorted(w for w in words if len(w) > 2 and w not in STOPWORDS)))


def save(data: LexicalData, folder: Path) -> Path:
    path = folder / FILE
    tmp = folder / (FILE + ".tmp.npz")
    np.savez(tmp, format=np.int64(FORMAT), vocab=np.array(data.vocab, dtype=str),
             indptr=data.indptr, indices=data.indices, data=data.data,
             passages=np.int64(data.passages), words=np.array(data.words, dtype=str))
    os.replace(tmp, path)
    return path


def load(folder: Path) -> LexicalData | None:
    """The index saved with a generation, or None when it has none (built before this
    format existed) or another format. Raises OSError/ValueError/KeyError when unreadable."""
    path = folder / FILE
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        if int(z["format"]) != FORMAT:
            return None
        return LexicalData(tuple(z["vocab"].tolist()), z["indptr"], z["indices"], z["data"],
                           int(z["passages"]), tuple(z["words"].tolist()))
