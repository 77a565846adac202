"""`evaw-guide eval run/compare` end to end on a small set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval import CORE_SET
from ui.cli import app

pytestmark = pytest.mark.slow


def test_eval_run_and_compare(guidance_data_dir: Path, tmp_path: Path) -> None:
    lines = CORE_SET.read_text(encoding="utf-8").splitlines()
    pick = [x for x in lines if json.loads(x)["kind"] in ("paraphrase", "out-of-scope")][:6]
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(pick) + "\n", encoding="utf-8")
    runner = CliRunner()
    common = ["--data-dir", str(guidance_data_dir), "-q"]
    ours = runner.invoke(app, ["eval", "run", str(small), "--out", str(tmp_path / "ours"), *common])
    assert ours.exit_code == 0, ours.output
    assert "hit@3" in ours.output
    for name in ("results.jsonl", "summary.json", "report.md", "report.html"):
        assert (tmp_path / "ours" / name).is_file()
    naive = runner.invoke(app, ["eval", "run", str(small), "--pipeline", "naive",
                                "--out", str(tmp_path / "naive"), *common])
    assert naive.exit_code == 0, naive.output
    same = runner.invoke(app, ["eval", "compare", str(tmp_path / "ours"), str(tmp_path / "ours")])
    assert same.exit_code == 0, same.output
    worse = runner.invoke(app, ["eval", "compare", str(tmp_path / "ours"), str(tmp_path / "naive")])
    assert worse.exit_code == 1 and "abstention_recall" in worse.output


def test_eval_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "q"}\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "run", str(bad), "--data-dir", str(tmp_path)])
    assert r.exit_code == 2 and "bad.jsonl:1" in r.output
    r = CliRunner().invoke(app, ["eval", "compare", str(tmp_path), str(tmp_path)])
    assert r.exit_code == 2 and "not a run directory" in r.output
