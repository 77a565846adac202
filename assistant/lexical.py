"""BM25 over passages with their parent context, with typo-tolerant query terms.

The index itself (``ingest.lexical``) is built at ingest and saved with the generation;
here it is loaded and queried. A question costs the postings of its terms, not a pass over
every passage.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.text import STOPWORDS, STOPWORDS_OTHER, fold, stem
from ingest import lexical as store
from ingest.model import Passage

_WORD = re.compile(r"[a-z0-9]+")


class LexicalIndex:
    def __init__(self, passages: list[Passage] | None = None, *,
                 data: store.LexicalData | None = None) -> None:
        """From the saved index (``data``), else built from ``passages`` in memory
        (generations written before the index was saved at ingest)."""
        if data is None:
            data = store.build([p.embed_text() for p in passages or []])
        self.data = data
        self.size = data.passages
        self.columns = {t: j for j, t in enumerate(data.vocab)}
        self.stems = self.columns  # membership: a stem the corpus knows
        self.words = list(data.words)
        self._by_length: dict[int, list[str]] | None = None
        self.correct = lru_cache(maxsize=4096)(self._correct)

    @classmethod
    def open(cls, folder: Path, passages: list[Passage]) -> LexicalIndex:
        """The index saved in a generation ``folder``; built from ``passages`` when the
        generation has none or it does not match them."""
        data = store.load(folder)
        if data is None or data.passages != len(passages):
            return cls(passages)
        return cls(data=data)

    def _correct(self, word: str) -> str | None:
        """The corpus word a misspelt query word most likely meant, or None."""
        if len(word) < 3 or word.isdigit():
            return None
        # difflib's ratio 2*M/(len(a)+len(b)) can reach 0.75 only when len(b) is within
        # [0.6, 1/0.6] x len(word): look at those lengths only (same answer, fewer words)
        if self._by_length is None:
            groups: dict[int, list[str]] = {}
            for w in self.words:
                groups.setdefault(len(w), []).append(w)
            self._by_length = groups
        lo, hi = int(0.6 * len(word)), int(len(word) / 0.6) + 1
        pool = [w for n in range(lo, hi + 1) for w in self._by_length.get(n, ())]
        close = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
        return close[0] if close else None

    def query_terms(self, text: str) -> tuple[list[str], int, int]:
        """Stemmed query terms after typo correction, with how many content words the
        question had and how many of them the corpus knows (after correction)."""
        out: list[str] = []
        content = known = 0
        for w in _WORD.findall(fold(text)):
            if w in STOPWORDS or w in STOPWORDS_OTHER or len(w) < 2:
                continue
            content += 1
            s = stem(w)
            if s in self.stems:
                out.append(s)
                known += 1
                continue
            fixed = self.correct(w)
            if fixed is not None and stem(fixed) in self.stems:
                out.append(stem(fixed))
                known += 1
            else:
                out.append(s)
        return out, content, known

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every passage (index order), the sum of the terms' postings."""
        out = np.zeros(self.size)
        d = self.data
        for t in terms:  # a term asked twice counts twice, as in rank-bm25
            j = self.columns.get(t)
            if j is not None:
                a, b = d.indptr[j], d.indptr[j + 1]
                out[d.indices[a:b]] += d.data[a:b]
        return out


def top(scores: np.ndarray, k: int, above: float = 0.0) -> np.ndarray:
    """Indices of the ``k`` highest scores over ``above``, best first, ties by index
    (without sorting the whole array)."""
    pos = np.flatnonzero(scores > above)
    if len(pos) > k:
        pos = pos[np.argpartition(-scores[pos], k - 1)[:k]]
        # the k-th score may be tied with some left out: keep the lowest indices among ties
        kth = scores[pos].min()
        pos = np.union1d(pos[scores[pos] > kth], np.flatnonzero(scores == kth))
    order = np.lexsort((pos, -scores[pos]))
    return pos[order][:k]
