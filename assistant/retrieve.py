"""Hybrid retrieval: two dense channels (MiniLM, multilingual-e5) from Chroma and BM25,
fused by weighted reciprocal-rank fusion, plus an optional "conversation" channel that
keeps a follow-up near the passages the previous turn was about."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.index import IndexView
from assistant.lexical import LexicalIndex, top
from assistant.text import asks_for_specifics, instruction_like
from ingest.embed import MINILM_NAME, E5Embedder, Embedder, query_embedder
from ingest.model import Passage

DENSE_CANDIDATES = 50  # per dense channel; RRF only needs the head of each list
BM25_CANDIDATES = 100  # head of the BM25 list given to fusion (it once took every passage)


@dataclass(frozen=True)
class FusionConfig:
    """RRF weights per channel and the RRF constant. Fitted by ``benchmarks/fit_fusion.py``
    on the seed page's core set and the module's pages (fit split) together, so that no
    document is favoured because tuning was done on it; they had been fitted on the seed
    page alone (1, 1, 1, 0.5): module hit@3 (fit) 0.759 -> 0.823, core on the module index
    0.717 -> 0.761, core on the seed page alone 0.859 -> 0.859."""

    k: float = 5.0
    weights: dict[str, float] = field(default_factory=lambda: {
        MINILM_NAME: 0.5, "multilingual-e5-small": 1.5, "bm25": 1.5, "history": 0.5,
        "sentences": 1.0,
    })


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    dense: dict[str, float]
    bm25: float


@dataclass(frozen=True)
class Retrieval:
    query: str
    hits: tuple[Hit, ...]
    signals: dict[str, float]
    query_vectors: dict[str, np.ndarray] = field(default_factory=dict, compare=False)
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)
    # each channel's ranking before fusion (benchmarks/fit_fusion.py refits on them)
    rankings: dict[str, list[tuple[str, float]]] = field(default_factory=dict, compare=False)


class HybridRetriever:
    def __init__(self, view: IndexView, fusion: FusionConfig | None = None) -> None:
        self.view = view
        self.fusion = fusion or FusionConfig()
        self.lexical = LexicalIndex.open(view.generation.path, view.passages)
        # uids once: Passage.uid builds an f-string per call, and the hot path must not
        # touch every passage
        self._uids = [p.uid for p in view.passages]
        self._index: dict[str, int] | None = None
        self._groups: tuple[np.ndarray, np.ndarray] | bool | None = False  # False: not yet looked
        self._embedders: dict[str, Embedder] = {}

    def embedder(self, name: str) -> Embedder:
        if name not in self._embedders:
            self._embedders[name] = _make_query_embedder(name, self.view.data_dir)
        return self._embedders[name]

    def search(self, query: str, *, history_query: str = "", limit: int = 20) -> Retrieval:
        import time

        timings: dict[str, float] = {}
        rankings: dict[str, list[tuple[str, float]]] = {}
        dense_best: dict[str, dict[str, float]] = {}
        vectors: dict[str, np.ndarray] = {}
        for name in self.view.embedder_names:
            t = time.perf_counter()
            vec = self.embedder(name).embed_query(query)
            vectors[name] = vec
            ranked = self._dense(name, vec)
            rankings[name] = ranked
            dense_best[name] = dict(ranked)
            timings[f"dense_{name}"] = (time.perf_counter() - t) * 1000
        if MINILM_NAME in vectors:
            ranked = self._sentences(vectors[MINILM_NAME])
            if ranked:
                rankings["sentences"] = ranked
        t = time.perf_counter()
        terms, content, known = self.lexical.query_terms(query)
        bm = self.lexical.scores(terms)
        rankings["bm25"] = [(self._uids[i], float(bm[i])) for i in top(bm, BM25_CANDIDATES)]
        timings["bm25"] = (time.perf_counter() - t) * 1000
        if history_query:
            hv = self.embedder(MINILM_NAME).embed_query(history_query)
            rankings["history"] = self._dense(MINILM_NAME, hv)[:5]
        fused = self._fuse(rankings)
        by_uid = self.view.by_uid
        hits = []
        for uid, s in fused[:limit]:
            p = by_uid[uid]
            i = self._position(uid)
            hits.append(Hit(p, s, {n: dense_best[n].get(uid, 0.0) for n in dense_best},
                            float(bm[i]) if i is not None else 0.0))
        signals = {f"max_{n}": max(d.values(), default=0.0) for n, d in dense_best.items()}
        for n, d in dense_best.items():  # how far the best passage stands out of the pack
            signals[f"gap_{n}"] = signals[f"max_{n}"] - float(np.mean(list(d.values()))) if d else 0.0
        signals["bm25_max"] = float(bm.max()) if len(bm) else 0.0
        signals["content_words"] = float(content)
        signals["known_ratio"] = known / content if content else 0.0
        signals["instruction_like"] = float(instruction_like(query))
        signals["asks_specifics"] = float(asks_for_specifics(query))
        return Retrieval(query, tuple(hits), signals, vectors, timings, rankings)

    def _position(self, uid: str) -> int | None:
        """A passage's index in ``view.passages`` (the row of its BM25 score)."""
        if self._index is None:
            self._index = {u: i for i, u in enumerate(self._uids)}
        return self._index.get(uid)

    def _dense(self, name: str, vec: np.ndarray) -> list[tuple[str, float]]:
        col = self.view.collection(name)
        n = self.view.dense_candidates(name, min(DENSE_CANDIDATES, len(self.view.passages)))
        res = col.query(query_embeddings=[vec.tolist()], n_results=n, include=["distances"])
        return self.view.passage_ranking(res["ids"][0], res["distances"][0])  # windows -> paragraph

    def _sentences(self, vec: np.ndarray) -> list[tuple[str, float]]:
        """Passages ranked by their best-matching sentence (a long passage whose point is
        one sentence is not diluted by the rest)."""
        mat, owners = self.view.sentence_matrix
        if not len(owners):
            return []
        sims = mat @ vec
        best = np.full(len(self._uids), -1.0)
        if self._groups is False:
            self._groups = _group_starts(owners)
        if isinstance(self._groups, tuple):  # each passage's sentences are contiguous: one pass
            starts, who = self._groups
            best[who] = np.maximum.reduceat(sims, starts)
        else:
            np.maximum.at(best, owners, sims)
        return [(self._uids[i], float(best[i])) for i in top(best, DENSE_CANDIDATES, above=-1.0)]

    def blend(self, part: Retrieval, whole: Retrieval, weight: float) -> Retrieval:
        """``part``'s retrieval with ``whole``'s channel rankings fused in at ``weight``
        (reciprocal rank, as the channels themselves are fused): a part of a multi-part
        question keeps what the whole question is about. The part's signals are kept."""
        rankings = {f"part:{n}": r for n, r in part.rankings.items()}
        rankings |= {f"whole:{n}": r for n, r in whole.rankings.items()}
        weights = {f"part:{n}": w for n, w in self.fusion.weights.items()}
        weights |= {f"whole:{n}": weight * w for n, w in self.fusion.weights.items()}
        fused = fuse(rankings, FusionConfig(self.fusion.k, weights), lambda u: self.view.by_uid[u].order)
        known = {h.passage.uid: h for r in (part, whole) for h in r.hits}
        return rescored(part, fused[: len(part.hits)], known)

    def _fuse(self, rankings: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float]]:
        by_uid = self.view.by_uid
        return fuse(rankings, self.fusion, lambda uid: by_uid[uid].order)


def rescored(base: Retrieval, fused: Sequence[tuple[str, float]], known: dict[str, Hit]) -> Retrieval:
    """``base`` with its hits replaced by ``fused`` ((uid, score), best first), each built
    from the ``known`` hit of that uid (uids without one are left out); the query, signals,
    vectors and channel rankings stay ``base``'s."""
    hits = tuple(Hit(known[u].passage, s, known[u].dense, known[u].bm25) for u, s in fused if u in known)
    return replace(base, hits=hits)


def fuse(rankings: dict[str, list[tuple[str, float]]], fusion: FusionConfig,
         order: Callable[[str], int]) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion of the channels' rankings, ties by passage order."""
    scores: dict[str, float] = {}
    for channel, ranked in rankings.items():
        w = fusion.weights.get(channel, 1.0)
        for rank, (uid, _) in enumerate(ranked):
            scores[uid] = scores.get(uid, 0.0) + w / (fusion.k + rank + 1)
    return sorted(scores.items(), key=lambda kv: (-kv[1], order(kv[0])))


def _group_starts(owners: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each passage's run of sentences starts and which passage it is, when the
    sentences are stored grouped by passage (as ingest writes them); else None."""
    if len(owners) and np.all(owners[1:] >= owners[:-1]):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        return starts, owners[starts]
    return None


def _make_query_embedder(name: str, data_dir: Path) -> Embedder:
    if name == MINILM_NAME:
        return query_embedder(data_dir)
    if name == E5Embedder.name:
        return E5Embedder()
    raise ValueError(f"index was built with an unknown embedder: {name}")

