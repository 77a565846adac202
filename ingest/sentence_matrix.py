"""Every sentence vector of a generation in one matrix, written at ingest and memory-mapped
by readers, so opening an index does not read and regroup per-document files.

    <generation>/sentences.npy        float32 (sentences x dim), grouped by passage
    <generation>/sentences-index.npy  int64 (sentences x 3): passage row in passages.jsonl,
                                      start, end of the sentence in the passage text

``sentences/<doc>.npz`` stay the per-document source (carried over by the next ingest for
unchanged documents); this pair is derived from them in passages.jsonl order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.model import Passage

MATRIX = "sentences.npy"
INDEX = "sentences-index.npy"


def write(gen_path: Path, passages: list[Passage], dim: int = 384) -> None:
    """Stack ``sentences/*.npz`` into the matrix pair, rows grouped by passage in the order
    of ``passages`` (the order of passages.jsonl)."""
    row = {p.uid: i for i, p in enumerate(passages)}
    blocks: list[np.ndarray] = []
    index: list[np.ndarray] = []
    folder = gen_path / "sentences"
    for f in sorted(folder.glob("*.npz")) if folder.is_dir() else []:
        with np.load(f) as z:
            owners = np.array([row.get(u, -1) for u in z["uids"].tolist()], dtype=np.int64)
            keep = owners >= 0
            if keep.any():
                blocks.append(np.asarray(z["vectors"], dtype=np.float32)[keep])
                index.append(np.stack([owners[keep], z["starts"][keep], z["ends"][keep]], axis=1))
    vectors = np.vstack(blocks) if blocks else np.zeros((0, dim), dtype=np.float32)
    table = np.vstack(index).astype(np.int64) if index else np.zeros((0, 3), dtype=np.int64)
    order = np.argsort(table[:, 0], kind="stable")
    np.save(gen_path / MATRIX, vectors[order])
    np.save(gen_path / INDEX, table[order])


@dataclass(frozen=True)
class SentenceMatrix:
    vectors: np.ndarray  # memory-mapped, rows grouped by passage
    owners: np.ndarray  # passage row of each sentence, ascending
    spans: np.ndarray  # (start, end) of each sentence in its passage's text

    def rows(self, passage_row: int) -> tuple[int, int]:
        lo, hi = np.searchsorted(self.owners, [passage_row, passage_row + 1])
        return int(lo), int(hi)


def load(gen_path: Path, passages: int) -> SentenceMatrix | None:
    """The matrix pair of a generation, or None when it has none (written before this
    format) or it does not fit ``passages``. OSError/ValueError when unreadable."""
    if not (gen_path / MATRIX).is_file() or not (gen_path / INDEX).is_file():
        return None
    vectors = np.load(gen_path / MATRIX, mmap_mode="r", allow_pickle=False)
    table = np.load(gen_path / INDEX, allow_pickle=False)
    if vectors.ndim != 2 or table.shape != (len(vectors), 3):
        raise ValueError("sentence matrix and index disagree")
    if len(table) and (table[:, 0].min() < 0 or table[:, 0].max() >= passages):
        return None
    return SentenceMatrix(vectors, np.ascontiguousarray(table[:, 0]), table[:, 1:])


class SentenceVectors(Mapping[str, tuple[list[tuple[int, int]], np.ndarray]]):
    """Per passage uid: its sentence spans and vectors, sliced from the matrix on demand
    (nothing is grouped up front)."""

    def __init__(self, matrix: SentenceMatrix, uids: list[str]) -> None:
        self._m = matrix
        self._uids = uids
        self._row: dict[str, int] | None = None

    def __getitem__(self, uid: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        if self._row is None:
            self._row = {u: i for i, u in enumerate(self._uids)}
        i = self._row.get(uid)
        if i is None:
            raise KeyError(uid)
        lo, hi = self._m.rows(i)
        if lo == hi:
            raise KeyError(uid)
        spans = [(int(s), int(e)) for s, e in self._m.spans[lo:hi]]
        return spans, np.asarray(self._m.vectors[lo:hi])

    def __iter__(self) -> Iterator[str]:
        seen = np.unique(self._m.owners)
        return (self._uids[int(i)] for i in seen)

    def __len__(self) -> int:
        return len(np.unique(self._m.owners))
