"""The ONNX query embedder written at ingest gives the same vectors as sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.embed import (
    ONNX_TOLERANCE,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    onnx_dir_for,
    query_embedder,
)

pytestmark = pytest.mark.slow


def test_onnx_matches_sentence_transformers(guidance_data_dir: Path, embedders: list) -> None:
    st = next(e for e in embedders if isinstance(e, SentenceTransformerEmbedder))
    fast = query_embedder(guidance_data_dir)
    assert isinstance(fast, OnnxEmbedder)
    texts = ["Should police have women's desks?", "¿Ventanilla única?", "word " * 300, "x"]
    diff = np.abs(fast.embed_documents(texts) - st.embed_documents(texts)).max()
    assert diff < ONNX_TOLERANCE
    assert (onnx_dir_for(guidance_data_dir) / "check.json").is_file()
