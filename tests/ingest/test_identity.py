"""Several documents in one index: unique passage uids everywhere (JSON, show, outline,
documents()), dates from the pages, windows of long paragraphs never surfacing as passages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import Assistant
from ingest.embed import MINILM_NAME
from ingest.pipeline import ingest
from ingest.settings import Settings
from tests.conftest import GUIDANCE
from ui.cli import app

pytestmark = pytest.mark.slow
PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, embedders: list) -> Path:
    corpus = tmp_path_factory.mktemp("module")
    for f in [GUIDANCE, GUIDANCE.with_name(GUIDANCE.stem + ".meta.json"), *PAGES.iterdir()]:
        shutil.copy(f, corpus)
    data = tmp_path_factory.mktemp("index")
    ingest([corpus], Settings.load(data_dir=data), embedders=embedders, progress=False)
    return data


@pytest.fixture(scope="module")
def assistant(data_dir: Path) -> Assistant:
    return Assistant.open(data_dir)


def _cli(*args: str, data_dir: Path) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    return r.exit_code, r.stdout, r.stderr


def test_uids_are_unique_and_readable(assistant: Assistant) -> None:
    ps = assistant.outline()
    assert len({p.uid for p in ps}) == len(ps)
    assert sum(1 for p in ps if p.passage_id == "s0-p1") >= 3  # bare ids repeat across pages
    assert all(p.uid == f"{p.doc_id}#{p.passage_id}" for p in ps)
    assert not any("~w" in p.passage_id or p.kind == "window" for p in ps)


def test_documents_carry_title_date_source_and_count(assistant: Assistant) -> None:
    docs = {d.doc_id: d for d in assistant.documents()}
    assert set(docs) == {GUIDANCE.stem, "community-policing", "referral-pathways",
                         "station-checklist", "training-centre"}
    assert docs[GUIDANCE.stem].passages == 37 and docs[GUIDANCE.stem].last_edited == "2011-12-29"
    assert docs["referral-pathways"].last_edited == "2012-07-09"  # from the page, no sidecar date
    assert docs["training-centre"].title == "Training police on survivor-centred responses"
    assert docs["community-policing"].source_url == "https://example.org/module/community-policing.html"
    assert docs["station-checklist"].source_url.startswith("file://")
    assert sum(d.passages for d in docs.values()) == len(assistant.outline())


def test_answer_json_names_passages_by_uid(assistant: Assistant) -> None:
    d = assistant.ask("How often should the referral pathway contact list be reviewed?").to_dict()
    assert d["retrieved"] and not d["abstained"]
    for r in d["retrieved"]:
        assert r["uid"].endswith("#" + r["passage_id"]) and assistant.passage(r["uid"]).uid == r["uid"]
    for c in d["citations"]:
        assert c["uid"] == f"{c['doc_id']}#{c['passage_id']}"
        assert c["quote"] in assistant.passage(c["uid"]).text
    assert d["retrieved"][0]["uid"].startswith("referral-pathways#")


def test_long_paragraph_has_windows_that_map_to_it(assistant: Assistant) -> None:
    view = assistant.view
    col = view.collection(MINILM_NAME)
    got = col.get(where={"kind": "window"}, include=["metadatas"])
    assert got["ids"] and col.count() == len(view.passages) + len(got["ids"])
    parents = {f"{m['doc_id']}#{m['parent_id']}" for m in got["metadatas"]}
    assert "referral-pathways#s1-p1" in parents and all(p in view.by_uid for p in parents)
    hits = assistant.retrieve("Who pays for transport when a rural station has no service nearby?").hits
    assert hits[0].passage.uid == "referral-pathways#s1-p1"
    assert all(h.passage.uid in view.by_uid for h in hits)


def test_show_accepts_uid_and_unambiguous_bare_id(data_dir: Path) -> None:
    code, out, _ = _cli("show", "referral-pathways#s0-1", data_dir=data_dir)
    assert code == 0 and "Health: emergency medical care" in out and "Id: referral-pathways#s0-1" in out
    code, out, _ = _cli("show", "ep-1.3", data_dir=data_dir)
    assert code == 0 and f"Id: {GUIDANCE.stem}#ep-1.3" in out


def test_show_ambiguous_bare_id_lists_the_candidates(data_dir: Path) -> None:
    code, _, err = _cli("show", "s0-p1", data_dir=data_dir)
    assert code == 2 and "several documents" in err
    for doc in ("community-policing", "referral-pathways", "station-checklist"):
        assert f"{doc}#s0-p1" in err


def test_outline_groups_passages_by_document(data_dir: Path) -> None:
    code, out, _ = _cli("outline", data_dir=data_dir)
    assert code == 0
    lines = out.splitlines()
    head = lines.index("Referral pathways between police and other services  [referral-pathways]")
    assert lines[head + 1].strip().startswith("last edited 2012-07-09 · file://")
    assert "passages" in lines[head + 1]
    assert lines[head + 2].split()[0] == "referral-pathways#s0-p1"
    assert f"{GUIDANCE.stem}#ep-1.3" in out


def test_reingest_of_the_same_pages_does_nothing(data_dir: Path, embedders: list) -> None:
    corpus = Path(Assistant.open(data_dir).view.manifest["documents"][GUIDANCE.stem]["path"]).parent
    r = ingest([corpus], Settings.load(data_dir=data_dir), embedders=embedders, progress=False)
    assert not r.changed and r.embedded == 0
