"""Ingest killed (SIGKILL) at every step boundary of the pipeline, not a sample: the
published generation and every document in it survive, readers keep answering, and the
next ingest publishes and cleans up. The same boundaries with a "No space left on device"
error instead of a kill. Boundaries are ``ingest.steps.STEPS``; the first test checks a
real ingest passes exactly those, so a new step cannot be left out."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import steps
from tests.reliability.conftest import ROOT
from tests.reliability.standin import stand_ins

pytestmark = pytest.mark.slow

QUESTION = "What is a one stop shop?"
NEW_DOC = """# Field notes on referral

Referral pathways connect survivors with health, legal and shelter services.

- Police stations keep a list of local services.
- Health workers explain what happens after a report.
"""


def generation_fingerprint(gen_path: Path) -> str:
    """A generation's files (Chroma's own bookkeeping excluded) and collection contents."""
    from ingest.store import Generation

    h = hashlib.sha256()
    for f in sorted(p for p in gen_path.rglob("*") if p.is_file()
                    and "chroma" not in p.relative_to(gen_path).parts):
        h.update(str(f.relative_to(gen_path)).encode())
        h.update(f.read_bytes())
    gen = Generation(gen_path)
    for e in gen.manifest()["embedders"]:
        got = gen.collection(e["collection"]).get(include=["embeddings", "documents", "metadatas"])
        order = np.argsort(got["ids"])
        h.update(repr([got["ids"][i] for i in order]).encode())
        h.update(np.asarray(got["embeddings"])[order].tobytes())
        h.update(repr([(got["documents"][i], sorted(got["metadatas"][i].items()))
                       for i in order]).encode())
    return h.hexdigest()


@pytest.fixture
def new_doc(tmp_path: Path) -> Path:
    d = tmp_path / "more"
    d.mkdir()
    (d / "field-notes.md").write_text(NEW_DOC, encoding="utf-8")
    return d


def _live(data: Path) -> str:
    return (data / "CURRENT").read_text().strip()


def test_steps_are_every_boundary_an_ingest_passes(index_copy: Path, new_doc: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    seen: list[str] = []
    monkeypatch.setattr(steps, "reached", seen.append)
    ingest([new_doc], Settings.load(data_dir=index_copy), embedders=stand_ins(),  # type: ignore[arg-type]
           progress=False)
    assert tuple(seen) == steps.STEPS


def _check_survivors(data: Path, before: str, before_fp: str, before_docs: set[str]) -> None:
    from assistant import Assistant
    from ingest.store import Generation

    old = data / "generations" / before
    assert old.is_dir(), "the previously published generation was deleted"
    assert generation_fingerprint(old) == before_fp
    assert set(Generation(old).manifest()["documents"]) == before_docs
    ans = Assistant.open(data).ask(QUESTION)
    assert ans.citations and ans.retrieved[0][0].endswith("#st-3.6")


def _check_next_ingest(data: Path, new_doc: Path, before: str, before_docs: set[str],
                       embedders: list) -> None:  # type: ignore[type-arg]
    from assistant import Assistant
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from ingest.store import Generation

    ingest([new_doc], Settings.load(data_dir=data), embedders=embedders, progress=False)
    live = Generation(data / "generations" / _live(data))
    assert (live.path / "COMPLETE").is_file()
    assert set(live.manifest()["documents"]) == before_docs | {"field-notes"}
    gens = {p.name for p in (data / "generations").iterdir()}
    prev = (data / "PREVIOUS").read_text().strip() if (data / "PREVIOUS").exists() else None
    assert gens == {live.name} | ({prev} if prev else set()), "leftovers were not cleaned up"
    assert before in gens  # still the previous one (or the live one)
    assert not list((data / "models").glob("*.tmp"))
    a = Assistant.open(data)
    assert a.ask(QUESTION).citations
    assert a.ask("what do referral pathways connect survivors with?").citations


@pytest.mark.parametrize("step", steps.STEPS)
def test_ingest_killed_at_every_step(step: str, index_copy: Path, new_doc: Path,
                                     embedders) -> None:  # type: ignore[no-untyped-def]
    from ingest.store import Generation

    data = index_copy
    before = _live(data)
    before_fp = generation_fingerprint(data / "generations" / before)
    before_docs = set(Generation(data / "generations" / before).manifest()["documents"])
    proc = subprocess.run(
        [sys.executable, "-m", "tests.reliability.standin", str(data), str(new_doc)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=os.environ | {"PYTHONPATH": str(ROOT), steps.FAULT_ENV: step})
    assert proc.returncode == -9, f"not killed at {step}: {proc.returncode} {proc.stderr[-500:]}"
    published = steps.STEPS.index(step) >= steps.STEPS.index("published")
    assert (_live(data) != before) == published
    _check_survivors(data, before, before_fp, before_docs)
    _check_next_ingest(data, new_doc, before, before_docs, embedders)


@pytest.mark.parametrize("step", steps.STEPS)
def test_disk_full_at_every_step(step: str, index_copy: Path, new_doc: Path,
                                 monkeypatch: pytest.MonkeyPatch, embedders) -> None:  # type: ignore[no-untyped-def]
    """ENOSPC raised at each boundary (in-process): the error propagates, nothing
    published is lost, the half-built generation is removed unless it went live."""
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from ingest.store import Generation

    data = index_copy
    before = _live(data)
    before_fp = generation_fingerprint(data / "generations" / before)
    before_docs = set(Generation(data / "generations" / before).manifest()["documents"])
    monkeypatch.setenv(steps.FAULT_ENV, f"{step}:enospc")
    with pytest.raises(OSError, match="No space left"):
        ingest([new_doc], Settings.load(data_dir=data), embedders=stand_ins(),  # type: ignore[arg-type]
               progress=False)
    monkeypatch.delenv(steps.FAULT_ENV)
    published = steps.STEPS.index(step) >= steps.STEPS.index("published")
    assert (_live(data) != before) == published
    gens = {p.name for p in (data / "generations").iterdir()}
    assert gens <= {before, _live(data)}, f"half-built generation left behind: {gens}"
    _check_survivors(data, before, before_fp, before_docs)
    _check_next_ingest(data, new_doc, before, before_docs, embedders)
