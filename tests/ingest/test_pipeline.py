"""Ingest on real Chroma with real embedders: idempotent, incremental, crash-safe."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from ingest.embed import Embedder
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.store import current
from tests.conftest import GUIDANCE

pytestmark = pytest.mark.slow

EXTRA = """# Field notes

## Patrols

- Night patrols near markets reduce harassment of women traders.
- Patrol teams include at least one woman officer.
"""


class CountingEmbedder:
    """Wraps a real embedder, counting texts embedded; optionally fails after N calls."""

    def __init__(self, inner: Embedder, fail_after: int | None = None) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts = 0
        self.seen: list[str] = []
        self.calls = 0
        self.fail_after = fail_after

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("injected crash while embedding")
        self.texts += len(texts)
        self.seen += texts
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(GUIDANCE, d)
    shutil.copy(GUIDANCE.with_name(GUIDANCE.stem + ".meta.json"), d)
    (d / "field-notes.md").write_text(EXTRA, encoding="utf-8")
    return d


def _vectors(data: Path, doc_id: str) -> dict[str, list[float]]:
    gen = current(data)
    assert gen is not None
    got = gen.collection().get(where={"doc_id": doc_id}, include=["embeddings"])
    return {i: list(v) for i, v in zip(got["ids"], got["embeddings"], strict=True)}


def test_reingest_unchanged_does_no_work(corpus: Path, tmp_path: Path, embedders: list) -> None:
    s = Settings.load(data_dir=tmp_path / "data")
    counting = [CountingEmbedder(e) for e in embedders]
    first = ingest([corpus], s, embedders=counting, progress=False)  # type: ignore[arg-type]
    assert first.documents == 2 and first.embedded == first.passages > 37
    texts_after_first = [c.texts for c in counting]
    again = ingest([corpus], s, embedders=counting, progress=False)  # type: ignore[arg-type]
    assert again.embedded == 0 and again.generation == first.generation and not again.changed
    assert [c.texts for c in counting] == texts_after_first


def test_changed_file_updates_only_its_passages(corpus: Path, tmp_path: Path, embedders: list) -> None:
    s = Settings.load(data_dir=tmp_path / "data")
    counting = [CountingEmbedder(e) for e in embedders]
    ingest([corpus], s, embedders=counting, progress=False)  # type: ignore[arg-type]
    guidance_before = _vectors(s.data_dir, "key-entry-points-and-strategies")
    (corpus / "field-notes.md").write_text(EXTRA + "- Patrols log every call for help.\n")
    seen_before = [len(c.seen) for c in counting]
    r = ingest([corpus], s, embedders=counting, progress=False)  # type: ignore[arg-type]
    assert r.updated == ["field-notes"] and r.unchanged == ["key-entry-points-and-strategies"]
    assert r.embedded == 3  # the changed document's 3 bullets
    new_texts = [t for c, n in zip(counting, seen_before, strict=True) for t in c.seen[n:]]
    assert new_texts and all("atrol" in t for t in new_texts)  # nothing from the guidance
    after = _vectors(s.data_dir, "key-entry-points-and-strategies")
    assert after.keys() == guidance_before.keys()
    for uid, vec in after.items():  # carried over, not re-embedded (float32 storage round trip)
        assert np.allclose(vec, guidance_before[uid], atol=1e-6)
    a = Assistant.open(s.data_dir)
    assert "field-notes#s1-3" in a.view.by_uid
    assert a.passage("field-notes#s1-3").text == "Patrols log every call for help."


def test_crash_mid_ingest_leaves_old_index_answering(corpus: Path, tmp_path: Path, embedders: list) -> None:
    s = Settings.load(data_dir=tmp_path / "data")
    ingest([corpus], s, embedders=embedders, progress=False)
    gen_before = (s.data_dir / "CURRENT").read_text()
    (corpus / "field-notes.md").write_text(EXTRA.replace("markets", "bus stations"))
    (corpus / "more.md").write_text("# More\n\n- Another point about policing.\n")
    failing = [CountingEmbedder(e, fail_after=1) for e in embedders]
    with pytest.raises(RuntimeError, match="injected crash"):
        ingest([corpus], s, embedders=failing, progress=False)  # type: ignore[arg-type]
    assert (s.data_dir / "CURRENT").read_text() == gen_before
    assert [p.name for p in (s.data_dir / "generations").iterdir()] == [gen_before.strip()]
    ans = Assistant.open(s.data_dir).ask("Which patrols reduce harassment of women traders?")
    assert not ans.abstained and "markets" in ans.answer
    done = ingest([corpus], s, embedders=embedders, progress=False)
    assert sorted(done.updated + done.added) == ["field-notes", "more"]


def test_removed_file_leaves_the_index(corpus: Path, tmp_path: Path, embedders: list) -> None:
    s = Settings.load(data_dir=tmp_path / "data")
    ingest([corpus], s, embedders=embedders, progress=False)
    (corpus / "field-notes.md").unlink()
    r = ingest([corpus], s, embedders=embedders, progress=False)
    assert r.removed == ["field-notes"] and r.documents == 1
    assert not any(p.startswith("field-notes#") for p in Assistant.open(s.data_dir).view.by_uid)


def test_changing_embedders_keeps_documents_added_from_elsewhere(corpus: Path, tmp_path: Path,
                                                                   embedders: list) -> None:
    s = Settings.load(data_dir=tmp_path / "data")
    extra = corpus / "field-notes.md"
    moved = tmp_path / "elsewhere" / "field-notes.md"
    moved.parent.mkdir()
    extra.rename(moved)
    ingest([corpus, moved], s, embedders=embedders, progress=False)
    minilm_only = [e for e in embedders if e.name == "all-MiniLM-L6-v2"]
    r = ingest([corpus], s, embedders=minilm_only, progress=False)  # a different model set
    assert r.documents == 2 and r.embedded == r.passages
    a = Assistant.open(s.data_dir)
    assert a.view.embedder_names == ["all-MiniLM-L6-v2"]
    assert any(uid.startswith("field-notes#") for uid in a.view.by_uid)
