"""Ingest embeds in batches that span documents: every passage and sentence still gets the
vector of its own text, and the readers' memory-mapped sentence matrix says the same as the
per-document files."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from assistant.index import IndexView
from benchmarks.synth_corpus import write_corpus
from ingest.embed import MINILM_NAME
from ingest.pipeline import EMBED_CHUNK, ingest
from ingest.sentences import sentence_spans
from ingest.settings import Settings
from ingest.store import current


def vector_of(text: str, dim: int = 8) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


class TextHashEmbedder:
    """A stand-in model whose vector identifies the text it was given."""

    def __init__(self, name: str) -> None:
        self.name, self.dim = name, 8
        self.calls: list[int] = []

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return np.stack([vector_of(t) for t in texts]) if texts else np.zeros((0, 8), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return vector_of(text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[TextHashEmbedder]]:
    root = tmp_path_factory.mktemp("batches")
    write_corpus(root / "corpus", 700, seed=3)
    s = Settings.load(data_dir=root / "data", corpus_dir=root / "corpus")
    # a known name: the index refuses an unknown embedder in its manifest
    embs = [TextHashEmbedder(MINILM_NAME), TextHashEmbedder("multilingual-e5-small")]
    report = ingest([root / "corpus"], s, embedders=embs, progress=False)  # type: ignore[arg-type]
    assert report.passages == 700
    return s, embs


def test_batches_span_documents_and_vectors_stay_with_their_text(built) -> None:  # type: ignore[no-untyped-def]
    s, embs = built
    passage_calls = math.ceil(700 / EMBED_CHUNK)
    assert embs[1].calls == [EMBED_CHUNK] * (passage_calls - 1) + [700 - EMBED_CHUNK * (passage_calls - 1)]
    assert len(embs[0].calls) == 2 * passage_calls  # passages, then their sentences, per batch
    gen = current(s.data_dir)
    assert gen is not None
    passages = {p.uid: p for p in gen.passages()}
    for name in ("passages", "passages--multilingual-e5-small"):
        got = gen.collection(name).get(include=["embeddings"])
        assert len(got["ids"]) == 700
        for uid, v in zip(got["ids"], got["embeddings"], strict=True):
            assert np.allclose(v, vector_of(passages[uid].embed_text()), atol=1e-6)


def test_sentence_matrix_matches_the_per_document_files(built) -> None:  # type: ignore[no-untyped-def]
    s, _ = built
    view = IndexView(s.data_dir)
    mat, owners = view.sentence_matrix
    assert isinstance(mat, np.memmap)  # read on demand, not loaded whole
    assert np.all(np.diff(owners) >= 0)  # grouped by passage, as the retriever expects
    total = 0
    for f in sorted((view.generation.path / "sentences").glob("*.npz")):
        z = np.load(f)
        for uid in dict.fromkeys(z["uids"].tolist()):
            idx = np.nonzero(z["uids"] == uid)[0]
            spans, vecs = view.sentence_vectors[uid]
            assert spans == [(int(z["starts"][i]), int(z["ends"][i])) for i in idx]
            assert np.array_equal(vecs, z["vectors"][idx])
            p = view.by_uid[uid]
            assert spans == sentence_spans(p.text)
            for (a, b), v in zip(spans, vecs, strict=True):
                assert np.allclose(v, vector_of(p.text[a:b]), atol=1e-6)
            total += len(idx)
    assert total == len(owners) and len(view.sentence_vectors) == len({int(o) for o in owners})
    assert "no-such#uid" not in view.sentence_vectors


def test_retriever_sentence_channel_equals_an_unbatched_scan(built) -> None:  # type: ignore[no-untyped-def]
    from assistant.retrieve import DENSE_CANDIDATES, HybridRetriever

    s, _ = built
    view = IndexView(s.data_dir)
    r = HybridRetriever(view)
    mat, owners = view.sentence_matrix
    q = vector_of("referral pathways for survivors")
    best = np.full(len(view.passages), -1.0)
    np.maximum.at(best, owners, np.asarray(mat) @ q)
    order = np.argsort(-best, kind="stable")[:DENSE_CANDIDATES]
    want = [(view.passages[i].uid, float(best[i])) for i in order if best[i] > -1]
    assert r._sentences(q) == want
