"""The ONNX copy of MiniLM, used at ingest and for questions, gives sentence-transformers'
vectors; once exported, ingest never loads torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.embed import (
    ONNX_TOLERANCE,
    E5Embedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    onnx_dir_for,
    query_embedder,
)
from ingest.store import current
from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def st() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_onnx_matches_sentence_transformers(guidance_data_dir: Path, st: SentenceTransformerEmbedder) -> None:
    fast = query_embedder(guidance_data_dir)
    assert isinstance(fast, OnnxEmbedder)
    texts = ["Should police have women's desks?", "¿Ventanilla única?", "word " * 300, "x"]
    diff = np.abs(fast.embed_documents(texts) - st.embed_documents(texts)).max()
    assert diff < ONNX_TOLERANCE
    assert (onnx_dir_for(guidance_data_dir) / "check.json").is_file()


def test_vectors_stored_at_ingest_match_sentence_transformers(
        guidance_data_dir: Path, st: SentenceTransformerEmbedder) -> None:
    """Ingest embeds through ONNX in length-sorted batches; what it stored is what
    sentence-transformers gives each passage and sentence on its own."""
    gen = current(guidance_data_dir)
    assert gen is not None
    from ingest.windows import windowed

    records = [*gen.passages(), *windowed(gen.passages())]  # sentence windows are records too
    passages = {p.uid: p for p in records}
    got = gen.collection("passages").get(include=["embeddings"])
    want = st.embed_documents([passages[u].embed_text() for u in got["ids"]])
    assert np.abs(np.asarray(got["embeddings"]) - want).max() < ONNX_TOLERANCE
    z = np.load(next((gen.path / "sentences").glob("*.npz")))
    texts = [passages[str(u)].text[int(a):int(b)] for u, a, b in zip(z["uids"], z["starts"], z["ends"], strict=True)]
    assert np.abs(z["vectors"] - st.embed_documents(texts)).max() < ONNX_TOLERANCE


def test_ingest_does_not_load_torch_once_exported(guidance_data_dir: Path, tmp_path: Path) -> None:
    models = tmp_path / "data" / "models"
    models.parent.mkdir()
    os.symlink(guidance_data_dir / "models", models)  # the export made by the session index
    code = (
        "import sys; from pathlib import Path\n"
        "from ingest.pipeline import ingest\nfrom ingest.settings import Settings\n"
        f"r = ingest([Path({str(CORPUS)!r})], Settings.load(data_dir=Path({str(tmp_path / 'data')!r})),"
        " progress=False)\n"
        "assert r.passages > 30 and r.onnx_max_abs_diff is not None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_e5_two_threads_gives_the_one_thread_vectors() -> None:
    texts = ["Police services should strengthen referral pathways for survivors.",
             "Los servicios de policía deben coordinarse con los servicios de salud."] * 8
    one, two = E5Embedder(threads=1), E5Embedder(threads=2)
    assert np.allclose(one.embed_documents(texts), two.embed_documents(texts), atol=1e-5)
    assert np.allclose(one.embed_query(texts[0]), two.embed_query(texts[0]), atol=1e-5)
