"""Faults with nothing lost: ingest killed mid-way, index deleted or damaged under a live
assistant, CLI and web UI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.reliability.conftest import ROOT, cli, index_fingerprint

pytestmark = pytest.mark.slow

QUESTION = "What is a one stop shop?"


def test_ingest_killed_midway_leaves_the_index_serving(index_copy: Path, tmp_path: Path,
                                                       embedders) -> None:  # type: ignore[no-untyped-def]
    from assistant import Assistant
    from benchmarks.synth_corpus import write_corpus
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    data = index_copy
    before = (data / "CURRENT").read_text()
    gens_before = {p.name for p in (data / "generations").iterdir()}
    live_hash = index_fingerprint(data)
    synth = tmp_path / "synth"
    write_corpus(synth, 400, seed=3)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ingest", str(synth), "--data-dir", str(data), "-q"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        new: set[str] = set()
        while time.monotonic() < deadline and not new:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            new = {p.name for p in (data / "generations").iterdir()} - gens_before
            time.sleep(0.05)
        assert new, "ingest never started a new generation"
        time.sleep(1.5)  # well inside embedding 400 passages
        assert proc.poll() is None, "ingest finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    leftover = data / "generations" / next(iter(new))
    assert leftover.is_dir() and not (leftover / "COMPLETE").exists()
    assert (data / "CURRENT").read_text() == before
    aside = tmp_path / "aside"
    leftover.rename(aside)  # the fingerprint is of the published index only
    assert index_fingerprint(data) == live_hash
    aside.rename(leftover)
    ans = Assistant.open(data).ask(QUESTION)
    assert ans.citations and ans.retrieved[0][0].endswith("#st-3.6")

    # the next ingest (nothing changed for the guidance) completes and removes the leftover
    r = ingest([CORPUS], Settings.load(data_dir=data), embedders=embedders, progress=False)
    assert r.generation == before.strip()
    assert not leftover.exists()
    assert (data / "CURRENT").read_text() == before


def _damage(kind: str, data: Path) -> None:
    gen = data / "generations" / (data / "CURRENT").read_text().strip()
    if kind == "manifest-truncated":
        m = gen / "manifest.json"
        m.write_bytes(m.read_bytes()[:40])
    elif kind == "chroma-removed":
        shutil.rmtree(gen / "chroma")
    elif kind == "generation-removed":
        shutil.rmtree(gen)
    elif kind == "data-dir-removed":
        shutil.rmtree(data)
    elif kind == "passages-garbage":
        (gen / "passages.jsonl").write_bytes(b"\x00\xffnot json\n")
    else:  # pragma: no cover
        raise AssertionError(kind)


DAMAGE = ["manifest-truncated", "chroma-removed", "generation-removed", "data-dir-removed",
          "passages-garbage"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_index_gives_a_clear_message(kind: str, index_copy: Path) -> None:
    from assistant import Assistant
    from ingest.errors import IndexMissingError

    a = Assistant.open(index_copy)
    assert a.ask(QUESTION).citations
    _damage(kind, index_copy)
    if kind != "passages-garbage":  # read once at open; a live assistant keeps its copy
        with pytest.raises(IndexMissingError, match="evaw-guide ingest"):
            a.ask(QUESTION)
    with pytest.raises(IndexMissingError, match="evaw-guide ingest"):
        Assistant.open(index_copy).ask(QUESTION)
    out = cli("ask", QUESTION, "--data-dir", str(index_copy))
    assert out.returncode == 3, out.stderr
    assert "evaw-guide ingest" in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1


def test_damaged_index_is_rebuilt_by_the_next_ingest(index_copy: Path, embedders) -> None:  # type: ignore[no-untyped-def]
    from assistant import Assistant
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    _damage("chroma-removed", index_copy)
    r = ingest([CORPUS], Settings.load(data_dir=index_copy), embedders=embedders, progress=False)
    assert r.embedded == 37
    assert Assistant.open(index_copy).ask(QUESTION).retrieved[0][0].endswith("#st-3.6")


def test_web_ui_reports_a_damaged_or_deleted_index(index_copy: Path) -> None:
    from gradio_client import Client

    from assistant import Assistant
    from tests.ui.conftest import start_server

    srv = start_server(Assistant.open(index_copy))
    try:
        client = Client(srv.url, verbose=False)
        assert client.predict(QUESTION, "[]", api_name="/ask")["citations"]
        for kind in ("manifest-truncated", "data-dir-removed"):
            _damage(kind, index_copy)
            with pytest.raises(Exception) as err:
                client.predict(QUESTION, "[]", api_name="/ask")
            msg = str(err.value)
            assert "evaw-guide ingest" in msg and "Traceback" not in msg
            assert type(err.value).__module__.startswith("gradio_client")
            assert "Traceback" not in _get(srv.url)
    finally:
        srv.app.close()


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        return str(r.read().decode("utf-8", "replace"))


def test_chat_survives_the_index_disappearing(index_copy: Path) -> None:
    """A conversation in the terminal: the index is deleted between two questions; the
    second gets one clear line (what to run), and the chat goes on to a clean exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "chat", "--data-dir", str(index_copy)], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "COLUMNS": "200"})
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("wat is a one stop shp\n")
    proc.stdin.flush()
    seen = ""
    deadline = time.monotonic() + 120
    while "Strategy 3.6" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    assert "Strategy 3.6" in seen
    shutil.rmtree(index_copy)
    _, err = proc.communicate("What about gender desks?\n\n", timeout=120)
    assert proc.returncode == 0, err
    assert "error: " in err and "evaw-guide ingest" in err and "Traceback" not in err
