"""What a question costs in the part of retrieval that can grow with the corpus.

The query vectors are computed once per question and then served from a cache, so what is
timed is everything else in ``HybridRetriever.search``: Chroma queries, BM25, the sentence
channel and fusion. Run it with each source tree on the same index to compare them (older
trees read newer generations; they ignore the files they do not know):

    PYTHONPATH=TREE .venv/bin/python benchmarks/search_cost.py DATA_DIR QUESTIONS.json

``QUESTIONS.json`` is a JSON list of strings (``benchmarks/scale.py --workdir DIR`` leaves
one per size in ``DIR/n<size>/questions.json``). Prints one JSON line: mean CPU ms per
search, wall p50/p95, and the seconds to open the index and answer the first search (model
loading included).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class CachedQueries:
    """An embedder whose query vectors are computed once per text."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.cache: dict[str, np.ndarray] = {}

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self.cache:
            self.cache[text] = self.inner.embed_query(text)
        return self.cache[text]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.inner.embed_documents(texts))


def main() -> None:
    from assistant import Assistant

    data, qfile = sys.argv[1], Path(sys.argv[2])
    questions = json.loads(qfile.read_text())
    t0 = time.perf_counter()
    a = Assistant.open(data)
    open_s = time.perf_counter() - t0
    r = a.retriever
    t1 = time.perf_counter()
    r.search(questions[0])
    first_s = time.perf_counter() - t1
    for name in a.view.embedder_names:
        r._embedders[name] = CachedQueries(r.embedder(name))
    for q in questions:  # vectors cached, lazy structures built
        r.search(q)
    cpu, wall = [], []
    for _ in range(3):
        for q in questions:
            c, w = _cpu_s(), time.perf_counter()
            r.search(q)
            cpu.append((_cpu_s() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    wall.sort()
    print(json.dumps({
        "passages": len(a.view.passages), "open_s": round(open_s, 3),
        "open_and_first_search_s": round(open_s + first_s, 3),
        "search_cpu_ms": round(statistics.fmean(cpu), 2),
        "search_p50_ms": round(wall[len(wall) // 2], 2),
        "search_p95_ms": round(wall[min(len(wall) - 1, round(0.95 * (len(wall) - 1)))], 2),
    }))


if __name__ == "__main__":
    main()
