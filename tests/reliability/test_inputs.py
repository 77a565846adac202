"""Hostile or careless input gets one line, never a traceback, and nothing outside the
corpus gets in: symlinks, NUL bytes past the first block, control/bidi characters in file
names, path traversal through the Python API, rich markup/emoji codes in quotes, invalid
UTF-8 and lone surrogates, odd --history files, an unwritable --save."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import IngestError, UnknownDocumentError
from tests.reliability.conftest import ROOT, cli

QUESTION = "What is a one stop shop?"


def test_nul_anywhere_is_binary(tmp_path: Path) -> None:
    from ingest.sources import read_source

    f = tmp_path / "late-nul.txt"
    f.write_bytes(b"# Title\n\n" + b"plain text. " * 2000 + b"\x00 hidden")
    with pytest.raises(IngestError, match="binary"):
        read_source(f, 10_000_000)


def test_symlinks_in_a_folder_are_skipped_with_a_line(tmp_path: Path) -> None:
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from tests.reliability.standin import stand_ins

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("zqxsecret password line\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nReferral pathways help survivors.\n")
    (corpus / "passwd.txt").symlink_to(outside / "secret.txt")
    (corpus / "inside-link.md").symlink_to(corpus / "notes.md")
    data = tmp_path / "data"
    r = ingest([corpus], Settings.load(data_dir=data), embedders=stand_ins(),  # type: ignore[arg-type]
               progress=False)
    assert r.added == ["notes"]
    skipped = [w for w in r.warnings if "symbolic link" in w]
    assert len(skipped) == 2 and any("passwd.txt" in w for w in skipped)
    assert not [p for p in data.rglob("*") if p.is_file() and b"zqxsecret" in p.read_bytes()]


def test_sidecar_linking_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    from ingest.sources import read_source

    (tmp_path / "doc.md").write_text("# Doc\n\nText.\n")
    (tmp_path / "doc.meta.json").symlink_to("/etc/hostname")
    with pytest.raises(IngestError, match="link out of its folder"):
        read_source(tmp_path / "doc.md", 1_000_000)


@pytest.mark.parametrize("name", ["evil\u202etxt.md", "two\nlines.md", "tab\tand\u200bzero.md",
                                  "\u2028.md"])
def test_doc_ids_have_no_control_or_bidi_characters(tmp_path: Path, name: str) -> None:
    import unicodedata

    from ingest.sources import read_source
    from ingest.store import is_safe_doc_id

    f = tmp_path / name
    f.write_text("# Title\n\nSome text.\n")
    doc_id = read_source(f, 1_000_000).meta.doc_id
    assert is_safe_doc_id(doc_id)
    assert not any(unicodedata.category(c)[0] == "C" or c in "\n\u2028" for c in doc_id)


@pytest.mark.parametrize("ref", ["../../../../etc/hostname", "../manifest", "/etc/hostname",
                                 "key-entry-points-and-strategies/../../manifest", "", "nope"])
def test_document_text_reads_only_documents_of_the_index(assistant: Any, ref: str) -> None:
    with pytest.raises(UnknownDocumentError):
        assistant.document_text(ref)
    assert "one stop shops" in assistant.document_text("key-entry-points-and-strategies")


def test_cli_quotes_are_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import _print_answer

    text = "Use :warning: and :x: signs [bold]as written[/bold] \\[1]"
    _print_answer({"notice": "[red]n[/red]", "answer": text + " [1]", "abstained": False,
                   "suggestions": [], "citations": [{"marker": 1, "label": "Label :x:",
                                                     "quote": text, "source_url": "u[/]"}]})
    out = capsys.readouterr().out
    assert out.count(text) == 2 and "Label :x:" in out and "[red]n[/red]" in out and "u[/]" in out
    assert "⚠" not in out and "❌" not in out


@pytest.fixture
def data(index_copy: Path) -> Path:
    return index_copy


@pytest.mark.slow  # a CLI process
def test_invalid_utf8_and_surrogates_in_questions_and_history(data: Path, tmp_path: Path) -> None:
    q = b"what is a one stop shop \xff".decode("utf-8", "surrogateescape")
    out = subprocess.run([sys.executable, "-m", "ui.cli", "ask", q, "--json", "--data-dir", str(data)],
                         cwd=ROOT, capture_output=True, timeout=300,
                         env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr[-800:]
    assert json.loads(out.stdout)["citations"]
    hist = tmp_path / "h.json"
    hist.write_text('[{"role": "user", "content": "one stop shops \\ud800"},'
                    ' {"role": "assistant", "content": "x \\udcff"}]')
    out2 = cli("ask", "and why does that matter?", "--history", str(hist), "--data-dir", str(data))
    assert out2.returncode == 0 and "Traceback" not in out2.stderr, out2.stderr[-800:]


@pytest.mark.slow  # a CLI process
@pytest.mark.parametrize("kind", ["directory", "nested", "huge", "not-utf8"])
def test_bad_history_files_are_one_line(kind: str, data: Path, tmp_path: Path) -> None:
    hist = tmp_path / "h.json"
    if kind == "directory":
        hist.mkdir()
    elif kind == "nested":
        hist.write_text("[" * 200_000)
    elif kind == "huge":
        hist.write_text(json.dumps([{"role": "user", "content": "x" * 1000}] * 2000))
    else:
        hist.write_bytes(b'[{"role": "user", "content": "\xff"}]')
    out = cli("ask", QUESTION, "--history", str(hist), "--data-dir", str(data))
    assert out.returncode == 2, out.stderr[-800:]
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    if kind == "huge":
        assert "history limit" in out.stderr


@pytest.mark.slow  # a CLI process
def test_chat_save_to_a_missing_directory_fails_at_start(data: Path) -> None:
    out = cli("chat", "--save", "/nonexistent-evaw/dir/x.json", "--data-dir", str(data),
              input=f"{QUESTION}\n\n")
    assert out.returncode == 2 and "cannot write the transcript" in out.stderr
    assert "Ask about the guidance" not in out.stdout  # before the conversation, not after
    assert "Traceback" not in out.stderr


@pytest.mark.slow  # a CLI process
def test_chat_saves_after_every_answer_and_survives_bad_bytes(data: Path, tmp_path: Path) -> None:
    save = tmp_path / "t.json"
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "chat", "--save", str(save),
                           "--data-dir", str(data)], cwd=ROOT, capture_output=True, timeout=300,
                          input=b"what is a one stop \xff shop\n" + QUESTION.encode() + b"\n\n",
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr[-800:]
    turns = json.loads(save.read_text(encoding="utf-8"))
    assert [t["role"] for t in turns][-2:] == ["user", "assistant"] and turns[-2]["content"] == QUESTION
