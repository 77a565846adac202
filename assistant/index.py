"""A read-only view of the live index generation: passages, documents, Chroma collections."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embed import collection_name
from ingest.model import Passage
from ingest.store import Generation, require_current


class UnknownPassageError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class IndexView:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.generation: Generation = require_current(data_dir)
        self.manifest: dict[str, Any] = self.generation.manifest()
        self.passages: list[Passage] = self.generation.passages()
        self.by_uid = {p.uid: p for p in self.passages}
        self._by_short: dict[str, list[Passage]] = {}
        for p in self.passages:
            self._by_short.setdefault(p.passage_id, []).append(p)
        self._collections: dict[str, Any] = {}
        self._children: dict[str, list[Passage]] = {}
        for p in self.passages:
            if p.parent_id:
                self._children.setdefault(f"{p.doc_id}#{p.parent_id}", []).append(p)

    def is_stale(self) -> bool:
        """True when ingest has published a newer generation (or the index is gone)."""
        pointer = self.data_dir / "CURRENT"
        try:
            return pointer.read_text().strip() != self.generation.name
        except OSError:
            return True

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

    def children(self, p: Passage) -> list[Passage]:
        return self._children.get(p.uid, [])

    def neighbours(self, p: Passage) -> tuple[Passage | None, Passage | None]:
        same = [q for q in self.passages if q.doc_id == p.doc_id]
        i = next(i for i, q in enumerate(same) if q.uid == p.uid)
        return (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)

    @cached_property
    def sentence_vectors(self) -> dict[str, tuple[list[tuple[int, int]], np.ndarray]]:
        """Per passage uid: sentence spans and their MiniLM vectors, written at ingest."""
        out: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}
        folder = self.generation.path / "sentences"
        if not folder.is_dir():
            return out
        for f in sorted(folder.glob("*.npz")):
            z = np.load(f)
            uids, starts, ends, vecs = z["uids"], z["starts"], z["ends"], z["vectors"]
            for uid in dict.fromkeys(uids.tolist()):
                idx = np.nonzero(uids == uid)[0]
                out[uid] = ([(int(starts[i]), int(ends[i])) for i in idx], vecs[idx])
        return out

    def doc_text(self, doc_id: str) -> str:
        return self.generation.doc_text(doc_id)

    @cached_property
    def embedder_names(self) -> list[str]:
        return [e["name"] for e in self.manifest["embedders"]]

    def collection(self, embedder_name: str) -> Any:
        """The Chroma collection for an embedder, resolved once per view (opening the
        client per query costs more than the query)."""
        if embedder_name not in self._collections:
            self._collections[embedder_name] = self.generation.collection(collection_name(embedder_name))
        return self._collections[embedder_name]
