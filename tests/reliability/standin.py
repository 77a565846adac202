"""Stand-in embedders with the real ones' names and sizes (deterministic hashed vectors),
and a command that runs ingest with them: a test can start and kill an ingest a dozen
times in seconds. The pipeline, Chroma and the file system are the real ones."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from ingest.embed import MINILM_NAME, E5Embedder


class StandInEmbedder:
    dim = 384

    def __init__(self, name: str) -> None:
        self.name = name

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def stand_ins() -> list[StandInEmbedder]:
    return [StandInEmbedder(MINILM_NAME), StandInEmbedder(E5Embedder.name)]


if __name__ == "__main__":  # python -m tests.reliability.standin DATA_DIR PATH...
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    data, *paths = sys.argv[1:]
    ingest([Path(p) for p in paths], Settings.load(data_dir=Path(data)), embedders=stand_ins(),  # type: ignore[arg-type]
           progress=False)
