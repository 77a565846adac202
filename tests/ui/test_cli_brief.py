"""The brief and the coverage line on the command line: `ask --format brief`, `chat` /copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app
from ui.render import answer_brief

QUESTION = "Would recruiting more women officers help?"


@pytest.mark.slow
def test_ask_format_brief_prints_the_shared_brief(guidance_data_dir: Path) -> None:
    run = CliRunner().invoke(app, ["ask", QUESTION, "--format", "brief",
                                   "--data-dir", str(guidance_data_dir)])
    assert run.exit_code == 0, run.stderr
    d = json.loads(CliRunner().invoke(app, ["ask", QUESTION, "--format", "json", "--data-dir",
                                            str(guidance_data_dir)]).stdout)
    assert run.stdout == answer_brief(d)
    assert run.stdout.startswith("The guidance addresses this under Entry point")
    bad = CliRunner().invoke(app, ["ask", QUESTION, "--format", "docx",
                                   "--data-dir", str(guidance_data_dir)])
    assert bad.exit_code == 2 and "unknown format" in bad.stderr


@pytest.mark.slow
def test_chat_copy_prints_the_last_answer_as_a_brief(guidance_data_dir: Path) -> None:
    run = CliRunner().invoke(app, ["chat", "--data-dir", str(guidance_data_dir)],
                             input=f"/copy\n{QUESTION}\n/copy\n\n")
    assert run.exit_code == 0, run.stderr
    first, rest = run.stdout.split("─ brief ─", 1)
    assert "Nothing to copy yet." in first  # /copy before any answer
    assert "The guidance addresses this under Entry point" in rest
    assert "\nReferences\n" in rest and "endvawnow.org" in rest


def test_chat_prints_the_gaps_line(capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import _print_answer

    d = {"question": "q", "answer": "Recruit women. [1]", "abstained": False, "notice": "",
         "suggestions": [], "gaps": ["pay scales [for] officers"], "coverage": "partial",
         "citations": [{"marker": 1, "label": "Entry point 1.4 — Recruitment", "quote": "Recruit women.",
                        "source_url": "https://example.org"}]}
    _print_answer(d)
    out = capsys.readouterr().out
    assert "The guidance does not address: pay scales [for] officers." in out
    assert out.index("does not address") < out.index("[1] Entry point 1.4")


def test_a_printed_citation_says_where_it_sits(capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import _print_answer

    d = {"question": "q", "answer": "Ask her first. [1]", "abstained": False, "notice": "",
         "suggestions": [], "gaps": [], "coverage": "covered",
         "citations": [{"marker": 1, "label": "Consent", "quote": "Ask her first.",
                        "source_url": "https://example.org/health",
                        "breadcrumb": ["Working with health services", "Practical steps"]}]}
    _print_answer(d)
    out = " ".join(capsys.readouterr().out.split())
    assert "[1] Consent" in out
    assert "Working with health services › Practical steps · https://example.org/health" in out
