"""`evaw-guide ask --json` prints exactly Answer.to_dict(); bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

pytestmark = pytest.mark.slow
KEYS = {"question", "answer", "abstained", "citations", "retrieved", "timings_ms"}
CITATION_KEYS = {"marker", "passage_id", "label", "quote", "text", "source_url", "start", "end"}


def _run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    return r.exit_code, r.stdout, r.stderr


def test_json_contract(guidance_data_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _run("ask", "Would recruiting more female officers make a difference?", "--json",
                        data_dir=guidance_data_dir)
    assert code == 0
    d = json.loads(out)
    assert set(d) >= KEYS and isinstance(d["abstained"], bool) and not d["abstained"]
    for c in d["citations"]:
        assert set(c) >= CITATION_KEYS and f"[{c['marker']}]" in d["answer"] and c["quote"] in c["text"]
    assert all(set(r) == {"uid", "passage_id", "score"} for r in d["retrieved"])
    assert all(r["uid"] == f"key-entry-points-and-strategies#{r['passage_id']}" for r in d["retrieved"])
    assert d["timings_ms"]["total"] > 0
    history = tmp_path / "h.json"
    history.write_text(json.dumps([{"role": "user", "content": "What about disarmament programmes?"},
                                   {"role": "assistant", "content": d["answer"]}]))
    code, out, _ = _run("ask", "why does that matter?", "--json", "--history", str(history),
                        data_dir=guidance_data_dir)
    assert code == 0 and json.loads(out)["retrieved"][0]["passage_id"] == "ep-4.4"


def test_readable_output_has_labels_and_links(guidance_data_dir: Path) -> None:
    code, out, _ = _run("ask", "wat is a one stop shp", data_dir=guidance_data_dir)
    assert code == 0 and "[1]" in out and "Strategy 3.6" in out and "endvawnow.org" in out


@pytest.mark.parametrize("question,needle", [
    ("", "empty"), ("   ", "empty"), ("x" * 2001, "limit is 2,000"),
])
def test_bad_questions_exit_2(guidance_data_dir: Path, question: str, needle: str) -> None:
    code, _, err = _run("ask", question, data_dir=guidance_data_dir)
    assert code == 2 and needle in err and err.startswith("error: ")


def test_bad_history_file_exit_2(guidance_data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "h.json"
    bad.write_text("{nope")
    code, _, err = _run("ask", "why?", "--history", str(bad), data_dir=guidance_data_dir)
    assert code == 2 and "not valid JSON" in err


def test_no_index_tells_what_to_run(tmp_path: Path) -> None:
    code, _, err = _run("ask", "hello", data_dir=tmp_path / "empty")
    assert code == 3 and "evaw-guide ingest" in err


def test_outline_and_show(guidance_data_dir: Path) -> None:
    code, out, _ = _run("outline", data_dir=guidance_data_dir)
    assert code == 0 and "#ep-1.3 " in out and "#st-4 " in out and out.count("\n") == 39  # title, facts, 37
    code, out, _ = _run("show", "ep-1.3", data_dir=guidance_data_dir)
    assert code == 0 and out.startswith("Entry point 1.3 — Stakeholder consultation")
    assert "Entry points › Entry point 1 — Security sector reform processes" in out
    code, _, err = _run("show", "ep-9", data_dir=guidance_data_dir)
    assert code == 2 and "no passage 'ep-9'" in err
