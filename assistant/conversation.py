"""What a conversation's earlier answers cited, and retrieval that stays near it.

Front ends that keep whole answers send each assistant turn's citations (uids) with it;
a history that is only text (``--history`` files, pasted transcripts) is mapped back to
passages by finding each cited sentence in the index: extractive answers quote the
guidance verbatim, and an LLM answer's sentences still share most of their words with
the passage they cite.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from assistant.model import Turn
from assistant.retrieve import FusionConfig, Hit, Retrieval, fuse, rescored
from assistant.text import fold, tokens
from ingest.model import Passage

_MARKED = re.compile(r"(?P<text>[^\[\]]+?)\s*(?P<marks>(?:\[\d+\]\s*)+)")
_MARK = re.compile(r"\[(\d+)\]")


class CitationFinder:
    def __init__(self, passages: Sequence[Passage], min_overlap: float = 0.6) -> None:
        self.passages = list(passages)
        self.by_uid = {p.uid: p for p in self.passages}
        self._by_short: dict[str, list[str]] = {}
        for p in self.passages:
            self._by_short.setdefault(p.passage_id, []).append(p.uid)
        self.min_overlap = min_overlap

    # folded texts and token sets of every passage: only a text-only history needs them,
    # so a cold one-question ``ask`` does not pay for them (about 0.3 s at 10k passages)
    @cached_property
    def _flat(self) -> list[str]:
        return [_flat(p.text) for p in self.passages]

    @cached_property
    def _tokens(self) -> list[set[str]]:
        return [set(tokens(p.text)) for p in self.passages]

    def __call__(self, turn: Turn) -> tuple[str, ...]:
        given = turn.get("citations")
        if given:
            return tuple(u for u in (self._uid(str(c)) for c in given) if u)
        return self.from_text(turn["content"])

    def _uid(self, ref: str) -> str | None:
        if ref in self.by_uid:
            return ref
        found = self._by_short.get(ref, [])
        return found[0] if len(found) == 1 else None

    def from_text(self, answer: str) -> tuple[str, ...]:
        """Passages cited by marker, in marker order: marker n's sentences are found in
        the index (verbatim, else by shared content words)."""
        by_marker: dict[int, str] = {}
        for m in _MARKED.finditer(answer):
            text = m.group("text").strip(" -•*\n\"“”")
            for mark in _MARK.findall(m.group("marks")):
                n = int(mark)
                if n not in by_marker:
                    uid = self._locate(text)
                    if uid:
                        by_marker[n] = uid
        return tuple(dict.fromkeys(by_marker[n] for n in sorted(by_marker)))

    def _locate(self, sentence: str) -> str | None:
        flat = _flat(sentence).rstrip(".")
        if len(flat) >= 12:
            for p, text in zip(self.passages, self._flat, strict=True):
                if flat in text:
                    return p.uid
        words = set(tokens(sentence))
        if len(words) < 3:
            return None
        best, best_uid = 0.0, None
        for p, pw in zip(self.passages, self._tokens, strict=True):
            share = len(words & pw) / len(words)
            if share > best:
                best, best_uid = share, p.uid
        return best_uid if best >= self.min_overlap else None


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


def focus_retrieval(r: Retrieval, focus: Sequence[str], by_uid: dict[str, Passage],
                    weight: float = 0.5, k: float = 5.0) -> Retrieval:
    """Fuse the question's own ranking with the passages the conversation points at
    (reciprocal-rank, like the retrieval channels): the new words still decide, the
    previous answer only breaks near-ties and brings its passages into view."""
    if not focus:
        return r
    scores = {h.passage.uid: h.score for h in r.hits}
    hits = {h.passage.uid: h for h in r.hits}
    for rank, uid in enumerate(dict.fromkeys(focus)):
        if uid not in by_uid:
            continue
        scores[uid] = scores.get(uid, 0.0) + weight / (k + rank + 1)
        if uid not in hits:
            hits[uid] = Hit(by_uid[uid], 0.0, {}, 0.0)
    return rescored(r, sorted(scores.items(), key=lambda kv: (-kv[1], hits[kv[0]].passage.order)), hits)


def next_in_list(siblings: Sequence[Passage], aside: Sequence[str]) -> tuple[str, ...]:
    """The items of a list nearest to the ones set aside, the following ones first: "what
    else?" continues the list where the answer stopped."""
    order = [p.uid for p in siblings]
    at = [order.index(u) for u in aside if u in order]
    if not at:
        return ()
    last = max(at)
    rest = [i for i in range(len(order)) if order[i] not in aside]
    rest.sort(key=lambda i: (abs(i - last) if i > last else abs(i - min(at)) + 0.5))
    return tuple(order[i] for i in rest)


def with_own_words(joined: Retrieval, alone: Retrieval, k: float = 5.0) -> Retrieval:
    """A follow-up's query is the question plus the previous topic; for a question with
    words enough of its own, the ranking of those words alone is fused in (reciprocal
    rank, equal weight), so the topic keeps the answer near the conversation without
    swamping what is newly asked. This matters most for a Spanish or French question
    after an English one: the English topic words are all the lexical and English-only
    channels would otherwise see. The joined retrieval's signals are kept."""
    hits: dict[str, Hit] = {}
    for r in (joined, alone):
        for h in r.hits:
            hits.setdefault(h.passage.uid, h)
    rankings = {name: [(h.passage.uid, h.score) for h in r.hits]
                for name, r in (("joined", joined), ("alone", alone))}
    fused = fuse(rankings, FusionConfig(k, {"joined": 1.0, "alone": 1.0}), lambda u: hits[u].passage.order)
    return rescored(joined, fused, hits)
