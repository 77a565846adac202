"""Nothing is dropped silently: ``ingest --rebuild`` over a damaged index re-reads every
document it knows (also those ingested from other folders), keeps the ones whose source
is gone from the index's stored copy and names them; a disk that fills up mid-ingest is one
line, leaves no temporary model files and the published index untouched."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.reliability.conftest import ROOT, index_fingerprint
from tests.reliability.standin import stand_ins

pytestmark = pytest.mark.slow


def _folder(root: Path, name: str, docs: dict[str, str]) -> Path:
    d = root / name
    d.mkdir()
    for stem, topic in docs.items():
        (d / f"{stem}.md").write_text(f"# {topic}\n\nNotes on {topic.lower()} for the sector.\n\n"
                                      f"- {topic} needs training.\n- {topic} needs budgets.\n")
    return d


def test_rebuild_after_damage_keeps_documents_from_other_folders(tmp_path: Path) -> None:
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from ingest.store import current

    settings = Settings.load(data_dir=tmp_path / "data")
    a = _folder(tmp_path, "a", {"alpha": "Referral", "beta": "Shelters"})
    b = _folder(tmp_path, "b", {"gamma": "Hotlines"})
    for paths in ([CORPUS], [a], [b]):
        ingest(paths, settings, embedders=stand_ins(), progress=False)  # type: ignore[arg-type]
    gen = current(settings.data_dir)
    assert gen is not None and len(gen.manifest()["documents"]) == 4
    shutil.rmtree(gen.path / "chroma")  # damage
    (b / "gamma.md").unlink()  # and one source is gone
    r = ingest([CORPUS], settings, rebuild=True, embedders=stand_ins(),  # type: ignore[arg-type]
               progress=False)
    live = current(settings.data_dir)
    assert live is not None
    assert set(live.manifest()["documents"]) == {"key-entry-points-and-strategies", "alpha", "beta",
                                                 "gamma"}
    assert any(w.startswith("gamma: its source") and "kept" in w for w in r.warnings)
    assert {p.doc_id for p in live.passages()} >= {"alpha", "beta", "gamma"}
    # without --rebuild, a document whose source is gone leaves the index (and is named)
    r2 = ingest([CORPUS], settings, embedders=stand_ins(), progress=False)  # type: ignore[arg-type]
    assert r2.removed == ["gamma"]


def test_disk_full_during_ingest_is_one_line_and_leaves_nothing(index_copy: Path) -> None:
    """A file-size limit stands in for a full disk: the ONNX export (a 90 MB file) fails."""
    shutil.rmtree(index_copy / "models")
    before = index_fingerprint(index_copy)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (8_000_000, 8_000_000))

    out = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(CORPUS), "--rebuild", "-q",
                          "--data-dir", str(index_copy)], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, preexec_fn=limit,
                         env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert out.returncode == 1, out.stderr[-1500:]
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "previous index is unchanged" in out.stderr
    assert not list(index_copy.glob("models/*.tmp"))  # the half-written export is gone
    assert index_fingerprint(index_copy) == before  # no leftover generation, nothing changed
