"""Every file the index consists of, damaged: the CLI says so in one line with exit 3 and
the command that repairs it; plain ``ingest`` repairs instead of saying "up to date"; and
``ingest --rebuild`` re-validates the query model instead of trusting its check.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.reliability.conftest import cli

pytestmark = pytest.mark.slow

QUESTION = "What is a one stop shop?"


def _live(data: Path) -> Path:
    return data / "generations" / (data / "CURRENT").read_text().strip()


def _model_dir(data: Path) -> Path:
    return next((data / "models").glob("minilm-onnx-*"))


def damage(kind: str, data: Path) -> None:
    gen = _live(data)
    if kind == "passages-emptied":
        (gen / "passages.jsonl").write_bytes(b"")
    elif kind == "passages-line-deleted":
        lines = (gen / "passages.jsonl").read_bytes().splitlines(keepends=True)
        (gen / "passages.jsonl").write_bytes(b"".join(lines[:3] + lines[4:]))
    elif kind == "passages-edited":
        p = gen / "passages.jsonl"
        p.write_bytes(p.read_bytes().replace(b"one stop shops", b"one stop SHOPS", 1))
    elif kind == "model-truncated":
        m = _model_dir(data) / "model.onnx"
        m.write_bytes(m.read_bytes()[: 1_000_000])
    elif kind == "tokenizer-bad":
        (_model_dir(data) / "tokenizer.json").write_text("{not a tokenizer")
    elif kind == "unknown-embedder":
        m = gen / "manifest.json"
        m.write_text(m.read_text().replace('"multilingual-e5-small"', '"mystery-embedder"'))
    elif kind == "vectors-missing":
        import chromadb

        from ingest.store import chroma_settings

        col = chromadb.PersistentClient(path=str(gen / "chroma"), settings=chroma_settings()) \
            .get_collection("passages", embedding_function=None)
        col.delete(ids=col.get(limit=3)["ids"])
    else:  # pragma: no cover
        raise AssertionError(kind)


KINDS = ["passages-emptied", "passages-line-deleted", "passages-edited", "model-truncated",
         "tokenizer-bad", "unknown-embedder", "vectors-missing"]


@pytest.mark.parametrize("kind", KINDS)
def test_damage_is_one_line_exit_3_and_plain_ingest_repairs_it(kind: str, index_copy: Path,
                                                               embedders) -> None:  # type: ignore[no-untyped-def]
    from assistant import Assistant
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    damage(kind, index_copy)
    out = cli("ask", QUESTION, "--data-dir", str(index_copy))
    assert out.returncode == 3, (out.returncode, out.stderr[-1500:])
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "evaw-guide ingest --rebuild" in out.stderr
    r = ingest([CORPUS], Settings.load(data_dir=index_copy), embedders=embedders, progress=False)
    assert r.changed or r.embedded, "ingest said 'up to date' over a damaged index"
    assert Assistant.open(index_copy).ask(QUESTION).retrieved[0][0].endswith("#st-3.6")


def test_rebuild_revalidates_a_truncated_query_model(index_copy: Path, embedders) -> None:  # type: ignore[no-untyped-def]
    """check.json says the model is fine; the file says otherwise. --rebuild re-exports."""
    from assistant import Assistant
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    damage("model-truncated", index_copy)
    assert (_model_dir(index_copy) / "check.json").is_file()
    ingest([CORPUS], Settings.load(data_dir=index_copy), rebuild=True, embedders=embedders,
           progress=False)
    assert (_model_dir(index_copy) / "model.onnx").stat().st_size > 1_000_000
    assert Assistant.open(index_copy).ask(QUESTION).retrieved[0][0].endswith("#st-3.6")
