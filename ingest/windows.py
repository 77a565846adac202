"""Sentence windows of long passages: extra dense records that point to their paragraph.

A 200-word paragraph embedded as one vector is a blur of its sentences, so a question
about one of them may never reach it. Paragraphs longer than ``MIN_WORDS`` also get
windows of ``SIZE`` sentences every ``STRIDE`` sentences, embedded (with the paragraph's
context, like the paragraph) into the same Chroma collections under the id
``<passage uid>~w<k>``. Retrieval maps a window hit to its paragraph (best score wins), so
citations still name the paragraph and quote its exact sentences; windows are never
passages (not in passages.jsonl, never cited).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ingest.embed import Embedder, collection_name
from ingest.model import Passage
from ingest.sentences import sentence_spans

MIN_WORDS = 120
SIZE = 3
STRIDE = 2
MARK = "~w"
# A window must beat its paragraph by this much cosine similarity to lift it. Measured with
# MiniLM + e5 + BM25 + sentence channels: core set (seed page) hit@1 0.717 without windows,
# 0.707 with margin 0, 0.717 with 0.02 (hit@3 0.859 throughout); module dev split (79
# answerable cases over ten pages) hit@1/hit@3 0.608/0.785 with or without windows.
MARGIN = 0.02
KIND = "window"


def window_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of each window; none for a short passage."""
    if len(text.split()) <= MIN_WORDS:
        return []
    spans = sentence_spans(text)
    if len(spans) <= SIZE:
        return []
    out = []
    for i in range(0, len(spans), STRIDE):
        chunk = spans[i:i + SIZE]
        out.append((chunk[0][0], chunk[-1][1]))
        if i + SIZE >= len(spans):
            break
    return out


def windows_of(p: Passage) -> list[Passage]:
    """The passage's windows as records: exact offsets, ``kind`` "window", ``parent_id``
    the paragraph's id (with ``doc_id``, the paragraph's uid)."""
    return [
        replace(p, passage_id=f"{p.passage_id}{MARK}{k}", text=p.text[s:e], start=p.start + s,
                end=p.start + e, kind=KIND, parent_id=p.passage_id, notes=())
        for k, (s, e) in enumerate(window_spans(p.text), start=1)
    ]


def windowed(passages: Sequence[Passage]) -> list[Passage]:
    """Windows of the long passages that have no sub-points: a passage whose sub-points
    spell out its parts already has fine-grained records (its children), and its windows
    would only compete with them (measured: hit@1 on the core set fell 0.717 -> 0.685)."""
    parents = {(p.doc_id, p.parent_id) for p in passages if p.parent_id}
    return [w for p in passages if (p.doc_id, p.passage_id) not in parents for w in windows_of(p)]


def parent_uid(record_id: str) -> str:
    """The passage uid a Chroma record id stands for (a window's paragraph, else itself)."""
    return record_id.split(MARK, 1)[0]


def parent_ranking(ids: Iterable[str], distances: Iterable[float]) -> list[tuple[str, float]]:
    """Chroma hits (best first) as (passage uid, similarity), one per passage: the best of
    the paragraph and its windows."""
    out: dict[str, float] = {}
    for rid, d in zip(ids, distances, strict=True):
        uid = parent_uid(rid)
        sim = 1.0 - float(d) - (MARGIN if uid != rid else 0.0)
        if sim > out.get(uid, -2.0):
            out[uid] = sim
    return sorted(out.items(), key=lambda kv: -kv[1])


def window_rows(passages: Sequence[Passage], embs: Sequence[Embedder], old: Any,
                chroma_url: str, fresh_docs: set[str]) -> list[tuple[Passage, list[np.ndarray]]]:
    """Window records of ``passages`` with one vector per embedder: carried over from the
    live generation ``old`` for documents not in ``fresh_docs``, embedded otherwise."""
    wins = windowed(passages)
    if not wins:
        return []
    vectors: list[dict[str, np.ndarray]] = [{} for _ in embs]
    reusable = [w.uid for w in wins if w.doc_id not in fresh_docs]
    if old is not None and reusable:
        for i, emb in enumerate(embs):
            try:
                got = old.collection(collection_name(emb.name), chroma_url).get(
                    ids=reusable, include=["embeddings"])
            except Exception:  # an index from before windows, or without this embedder
                continue
            for rid, v in zip(got["ids"], got["embeddings"], strict=True):
                vectors[i][rid] = np.asarray(v, dtype=np.float32)
    for i, emb in enumerate(embs):
        todo = [w for w in wins if w.uid not in vectors[i]]
        if todo:
            for w, v in zip(todo, emb.embed_documents([w.embed_text() for w in todo]), strict=True):
                vectors[i][w.uid] = np.asarray(v, dtype=np.float32)
    return [(w, [vectors[i][w.uid] for i in range(len(embs))]) for w in wins]
