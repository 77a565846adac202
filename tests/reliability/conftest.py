"""Fixtures for reliability tests: a real `chroma run` server, copies of a real index,
subprocess helpers (the CLI as a user runs it)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
CHROMA = Path(sys.executable).with_name("chroma")


@dataclass
class ChromaServer:
    url: str
    port: int
    path: Path
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_chroma(path: Path, log: Path) -> ChromaServer:
    port = free_port()
    with open(log, "wb") as f:
        proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=f, stderr=subprocess.STDOUT, env=os.environ | {"ANONYMIZED_TELEMETRY": "False"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/v2/heartbeat", 60, proc)
    except Exception:
        proc.kill()
        raise
    return ChromaServer(url, port, path, proc)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    srv = start_chroma(tmp_path / "chroma-server", tmp_path / "chroma.log")
    yield srv
    srv.stop()


@pytest.fixture
def index_copy(guidance_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session's guidance index, free to damage."""
    dst = tmp_path / "data"
    shutil.copytree(guidance_data_dir, dst, ignore=shutil.ignore_patterns(".ingest.lock"))
    return dst


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``evaw-guide`` as a user would (a fresh process)."""
    base = os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=base | (env or {}), input=input)


def tree_hash(path: Path) -> str:
    """Hash of every file's path and bytes under ``path`` (lock files excluded)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file() and p.name != ".ingest.lock"):
        h.update(str(f.relative_to(path)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def index_fingerprint(data_dir: Path) -> str:
    """Everything an index holds: every file except Chroma's own (embedded Chroma rewrites
    its bookkeeping files when merely opened), plus the content of each generation's
    collections (ids, vectors, documents, metadata)."""
    import numpy as np

    from ingest.store import Generation

    h = hashlib.sha256()
    for f in sorted(p for p in data_dir.rglob("*") if p.is_file() and p.name != ".ingest.lock"
                    and "chroma" not in p.relative_to(data_dir).parts):
        h.update(str(f.relative_to(data_dir)).encode())
        h.update(f.read_bytes())
    gens = data_dir / "generations"
    for g in sorted(gens.iterdir()) if gens.is_dir() else []:
        gen = Generation(g)
        if not gen.manifest_path.is_file():
            continue
        for e in gen.manifest()["embedders"]:
            got = gen.collection(e["collection"]).get(include=["embeddings", "documents", "metadatas"])
            order = np.argsort(got["ids"])
            h.update(repr([got["ids"][i] for i in order]).encode())
            h.update(np.asarray(got["embeddings"])[order].tobytes())
            h.update(repr([(got["documents"][i], sorted(got["metadatas"][i].items())) for i in order]).encode())
    return h.hexdigest()
