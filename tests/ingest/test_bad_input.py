"""Each kind of bad input: one clear line, exit code 2, and the existing index untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.errors import IngestError
from ingest.sources import discover, read_source
from ui.cli import app


@pytest.mark.parametrize("name,content,needle", [
    ("empty.txt", b"", "file is empty"),
    ("blank.md", b"  \n\n\t\n", "file is empty"),
    ("binary.txt", b"abc\x00\x01\x02def", "binary"),
    ("latin1.txt", "caf\u00e9 policing".encode("latin-1"), "invalid UTF-8 at byte offset 3"),
    ("fake.pdf", b"not a pdf at all", "not a PDF"),
])
def test_bad_files_raise_one_line_errors(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(IngestError) as e:
        read_source(p, 10**6)
    assert needle in str(e.value) and str(p) in str(e.value) and "\n" not in str(e.value)


def test_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("word " * 1000)
    with pytest.raises(IngestError, match="over the 100-byte limit"):
        read_source(p, 100)


def test_missing_and_unsupported_paths(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        discover([tmp_path / "nope.txt"])
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(IngestError, match="unsupported file type .docx"):
        discover([tmp_path / "x.docx"])


def test_bad_sidecar(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("Some text.")
    (tmp_path / "doc.meta.json").write_text("{not json")
    with pytest.raises(IngestError, match="doc.meta.json: invalid metadata JSON"):
        read_source(tmp_path / "doc.txt", 10**6)


@pytest.mark.slow
def test_cli_bad_input_leaves_index_untouched(guidance_data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe broken")
    before = (guidance_data_dir / "CURRENT").read_text()
    listing = sorted(p.name for p in (guidance_data_dir / "generations").iterdir())
    for args in (["ingest", str(bad)], ["ingest", str(tmp_path / "missing.md")]):
        r = CliRunner().invoke(app, [*args, "--data-dir", str(guidance_data_dir)])
        assert r.exit_code == 2, r.output
        assert r.output.startswith("error: ") and r.output.count("\n") == 1
    assert (guidance_data_dir / "CURRENT").read_text() == before
    assert sorted(p.name for p in (guidance_data_dir / "generations").iterdir()) == listing
