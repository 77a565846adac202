"""A read-only view of the live index generation: passages, documents, Chroma collections."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.model import DocumentInfo
from ingest import sentence_matrix
from ingest.embed import MINILM_NAME, E5Embedder, collection_name
from ingest.errors import IndexMissingError, StoreUnavailableError, UnknownDocumentError
from ingest.model import Passage
from ingest.store import (
    STORE_HTTP,
    Generation,
    http_client,
    is_connection_error,
    require_current,
    unavailable,
)
from ingest.windows import parent_ranking, windowed

KNOWN_EMBEDDERS = (MINILM_NAME, E5Embedder.name)


class UnknownPassageError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


__all__ = ["IndexView", "UnknownDocumentError", "UnknownPassageError"]


class GuardedCollection:
    """A Chroma collection whose failures reach the user as one clear line: the server is
    unreachable (StoreUnavailableError naming the URL) or the index is damaged
    (IndexDamagedError: rebuild), never a library traceback."""

    def __init__(self, col: Any, generation: Generation, url: str) -> None:
        self._col = col
        self._generation = generation
        self._url = url

    @property
    def name(self) -> str:
        return str(self._col.name)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._col, method)(*args, **kwargs)
        except (IndexMissingError, StoreUnavailableError, TypeError):
            raise
        except Exception as e:
            if self._url and is_connection_error(e):
                raise unavailable(self._url, e) from None
            raise self._generation.damaged(f"reading collection {self.name} failed", e) from None

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("query", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def count(self) -> int:
        return int(self._call("count"))


class IndexView:
    def __init__(self, data_dir: Path, chroma_url: str = "") -> None:
        """The live generation of ``data_dir``. Its vectors are read from the store its
        manifest names; for a Chroma server, ``chroma_url`` (from Settings) when given,
        else the URL recorded at ingest. Raises IndexMissingError (no index),
        IndexDamagedError (unreadable) or StoreUnavailableError (server down)."""
        self.data_dir = data_dir
        self.generation: Generation = require_current(data_dir)
        self._stamp = self._manifest_stamp()
        self.manifest: dict[str, Any] = self.generation.manifest()
        self.passages: list[Passage] = self.generation.passages()
        store = self.generation.store()
        unknown = [e.get("name") for e in self.manifest["embedders"]
                   if not isinstance(e, dict) or e.get("name") not in KNOWN_EMBEDDERS]
        if unknown:
            raise self.generation.damaged(f"manifest.json names an unknown embedder {unknown[0]!r}")
        self.store_url = self.generation.server_url(chroma_url) if store["store"] == STORE_HTTP else ""
        if self.store_url:
            http_client(self.store_url, ping=True)  # unreachable: fail now, with the URL
        elif not (self.generation.chroma_path / "chroma.sqlite3").is_file():
            raise self.generation.damaged("its chroma/ directory is missing")
        self.by_uid = {p.uid: p for p in self.passages}
        self._by_short: dict[str, list[Passage]] = {}
        for p in self.passages:
            self._by_short.setdefault(p.passage_id, []).append(p)
        self._collections: dict[str, Any] = {}
        self._record_counts: dict[str, int] = {}
        # Opening a collection (and its first query, which loads the HNSW index) once, by
        # one thread: several first questions at once used to race inside chromadb and
        # report a false "index is damaged".
        self._open_lock = threading.Lock()
        self._children: dict[str, list[Passage]] = {}
        for p in self.passages:
            if p.parent_id:
                self._children.setdefault(f"{p.doc_id}#{p.parent_id}", []).append(p)

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.generation.manifest_path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def is_stale(self) -> bool:
        """True when ingest has published a newer generation, or the index is gone or was
        changed under us (reopening then reports it clearly)."""
        pointer = self.data_dir / "CURRENT"
        try:
            if pointer.read_text().strip() != self.generation.name:
                return True
        except OSError:
            return True
        if self._manifest_stamp() != self._stamp:
            return True
        return not self.store_url and not (self.generation.chroma_path / "chroma.sqlite3").is_file()

    def get(self, ref: str) -> Passage:
        """A passage by uid ('doc#ep-1.3') or short id ('ep-1.3', if unambiguous)."""
        if ref in self.by_uid:
            return self.by_uid[ref]
        found = self._by_short.get(ref, [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise UnknownPassageError(f"no passage '{ref}'; see `evaw-guide outline` for ids")
        raise UnknownPassageError(
            f"'{ref}' is in several documents; use one of: {', '.join(p.uid for p in found)}"
        )

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document in passage order, with the metadata ingest recorded."""
        docs: dict[str, Any] = self.manifest.get("documents", {})
        counts: dict[str, int] = {}
        first: dict[str, Passage] = {}
        for p in self.passages:
            counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
            first.setdefault(p.doc_id, p)
        out = []
        for doc_id, p in first.items():
            info = docs.get(doc_id, {})
            out.append(DocumentInfo(
                doc_id=doc_id, title=str(info.get("title") or p.title),
                last_edited=str(info.get("last_edited") or p.last_edited),
                source_url=str(info.get("source_url") or p.source_url), passages=counts[doc_id]))
        return out

    def children(self, p: Passage) -> list[Passage]:
        return self._children.get(p.uid, [])

    def parent(self, p: Passage) -> Passage | None:
        return self.by_uid.get(f"{p.doc_id}#{p.parent_id}") if p.parent_id else None

    def neighbours(self, p: Passage) -> tuple[Passage | None, Passage | None]:
        same = [q for q in self.passages if q.doc_id == p.doc_id]
        i = next(i for i, q in enumerate(same) if q.uid == p.uid)
        return (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)

    @cached_property
    def _sentence_store(self) -> sentence_matrix.SentenceMatrix | None:
        """The memory-mapped sentence matrix ingest wrote (None for older generations)."""
        try:
            return sentence_matrix.load(self.generation.path, len(self.passages))
        except (OSError, ValueError) as e:
            raise self.generation.damaged("the sentence matrix cannot be read", e) from None

    @cached_property
    def sentence_vectors(self) -> Mapping[str, tuple[list[tuple[int, int]], np.ndarray]]:
        """Per passage uid: sentence spans and their MiniLM vectors, written at ingest."""
        if self._sentence_store is not None:
            return sentence_matrix.SentenceVectors(self._sentence_store, [p.uid for p in self.passages])
        out: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}
        folder = self.generation.path / "sentences"
        if not folder.is_dir():
            return out
        for f in sorted(folder.glob("*.npz")):
            try:
                z = np.load(f)
                uids, starts, ends, vecs = z["uids"], z["starts"], z["ends"], z["vectors"]
            except (OSError, ValueError, KeyError, EOFError) as e:
                raise self.generation.damaged(f"sentences/{f.name} cannot be read", e) from None
            for uid in dict.fromkeys(uids.tolist()):
                idx = np.nonzero(uids == uid)[0]
                out[uid] = ([(int(starts[i]), int(ends[i])) for i in idx], vecs[idx])
        return out

    @cached_property
    def sentence_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """All sentence vectors stacked, with the passage index each belongs to."""
        if self._sentence_store is not None:
            return self._sentence_store.vectors, self._sentence_store.owners
        owners, blocks = [], []
        index = {p.uid: i for i, p in enumerate(self.passages)}
        for uid, (_, vecs) in self.sentence_vectors.items():
            if uid in index:
                owners += [index[uid]] * len(vecs)
                blocks.append(vecs)
        if not blocks:
            return np.zeros((0, 384), dtype=np.float32), np.zeros(0, dtype=np.int64)
        return np.vstack(blocks).astype(np.float32), np.asarray(owners, dtype=np.int64)

    def doc_text(self, doc_id: str) -> str:
        """The text of a document of this index; UnknownDocumentError for any other id
        (ids are looked up in the manifest, never used as paths)."""
        if not isinstance(doc_id, str) or doc_id not in self.manifest["documents"]:
            raise UnknownDocumentError(f"no document {doc_id!r} in the index; see `evaw-guide outline`")
        return self.generation.doc_text(doc_id)

    @cached_property
    def embedder_names(self) -> list[str]:
        return [e["name"] for e in self.manifest["embedders"]]

    def dense_candidates(self, embedder_name: str, wanted: int) -> int:
        """How many Chroma records to ask for so that about ``wanted`` distinct passages come
        back: the collection also holds sentence windows of long paragraphs."""
        if embedder_name not in self._record_counts:
            self._record_counts[embedder_name] = self.collection(embedder_name).count()
        extra = max(0, self._record_counts[embedder_name] - len(self.passages))
        return max(1, min(wanted + extra, self._record_counts[embedder_name]))

    @cached_property
    def _window_count(self) -> int:
        """Sentence windows of long paragraphs stored beside the passages (ingest/windows.py)."""
        return len(windowed(self.passages))

    @staticmethod
    def passage_ranking(ids: list[str], distances: list[float]) -> list[tuple[str, float]]:
        """A Chroma result as (passage uid, similarity), one per passage: a window's hit
        counts for its paragraph, the best of them wins."""
        return parent_ranking(ids, distances)

    def collection(self, embedder_name: str) -> Any:
        """The Chroma collection for an embedder, resolved once per view (opening the
        client per query costs more than the query)."""
        if embedder_name in self._collections:
            return self._collections[embedder_name]
        with self._open_lock:
            if embedder_name not in self._collections:
                col = self.generation.collection(collection_name(embedder_name), self.store_url)
                guarded = GuardedCollection(col, self.generation, self.store_url)
                n = guarded.count()  # loads the collection now, under the lock
                expected = len(self.passages) + self._window_count
                if n != expected:
                    raise self.generation.damaged(
                        f"collection {guarded.name} holds {n} vectors for {expected} records")
                self._record_counts[embedder_name] = n
                self._collections[embedder_name] = guarded
        return self._collections[embedder_name]
