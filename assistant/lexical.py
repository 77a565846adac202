"""BM25 over passages with their parent context, with typo-tolerant query terms."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

import numpy as np

from assistant.text import STOPWORDS, STOPWORDS_OTHER, fold, stem, tokens
from ingest.model import Passage

_WORD = re.compile(r"[a-z0-9]+")


class LexicalIndex:
    def __init__(self, passages: list[Passage]) -> None:
        from rank_bm25 import BM25Okapi

        self.passages = passages
        docs = [tokens(p.embed_text()) for p in passages]
        self.bm25 = BM25Okapi(docs, k1=1.2, b=0.6)
        self.stems = {t for d in docs for t in d}
        words = {w for p in passages for w in _WORD.findall(fold(p.embed_text()))}
        self.words = sorted(w for w in words if len(w) > 2 and w not in STOPWORDS)
        self.correct = lru_cache(maxsize=4096)(self._correct)

    def _correct(self, word: str) -> str | None:
        """The corpus word a misspelt query word most likely meant, or None."""
        if len(word) < 3 or word.isdigit():
            return None
        close = difflib.get_close_matches(word, self.words, n=1, cutoff=0.75)
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
        if not terms:
            return np.zeros(len(self.passages))
        return np.asarray(self.bm25.get_scores(terms), dtype=np.float64)
