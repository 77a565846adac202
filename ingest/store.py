"""The on-disk index: generations built beside each other, one pointer file names the live one.

    DATA_DIR/
      CURRENT                  name of the live generation (replaced atomically)
      generations/<gen>/
        manifest.json          documents, content hashes, embedder
        passages.jsonl         every passage (for lexical search, outline, show)
        docs/<doc_id>.txt      the text passages' offsets point into
        chroma/                Chroma PersistentClient directory
      models/                  the ONNX query embedder exported at ingest time

A reader resolves CURRENT once and keeps using that generation; ingest writes a new
generation completely, then replaces CURRENT, so a failed or killed ingest leaves the
previous generation serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import IndexMissingError
from ingest.model import Passage

COLLECTION = "passages"
KEEP_GENERATIONS = 2  # the live one and the one before it (a reader may still hold it)


def chroma_settings() -> Any:
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


@dataclass(frozen=True)
class Generation:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def chroma_path(self) -> Path:
        return self.path / "chroma"

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def passages(self) -> list[Passage]:
        with open(self.path / "passages.jsonl", encoding="utf-8") as f:
            return [Passage.from_dict(json.loads(line)) for line in f if line.strip()]

    def doc_text(self, doc_id: str) -> str:
        return (self.path / "docs" / f"{doc_id}.txt").read_text(encoding="utf-8")

    def collection(self, name: str = COLLECTION) -> Any:
        return chroma_client(self.chroma_path).get_collection(name, embedding_function=None)


def current(data_dir: Path) -> Generation | None:
    pointer = data_dir / "CURRENT"
    if not pointer.is_file():
        return None
    gen = Generation(data_dir / "generations" / pointer.read_text().strip())
    return gen if gen.manifest_path.is_file() else None


def require_current(data_dir: Path) -> Generation:
    gen = current(data_dir)
    if gen is None:
        raise IndexMissingError(
            f"No index in {data_dir}. Build it with: evaw-guide ingest"
            + ("" if data_dir == Path("data").resolve() else f" --data-dir {data_dir}")
        )
    return gen


def new_generation_dir(data_dir: Path, name: str) -> Path:
    path = data_dir / "generations" / name
    path.mkdir(parents=True)
    (path / "docs").mkdir()
    return path


def publish(data_dir: Path, gen_path: Path) -> None:
    """Atomically make ``gen_path`` the live generation, then prune old ones."""
    _fsync_tree(gen_path)
    tmp = data_dir / "CURRENT.tmp"
    tmp.write_text(gen_path.name + "\n")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, data_dir / "CURRENT")
    _fsync_dir(data_dir)
    prune(data_dir)


def prune(data_dir: Path) -> None:
    """Remove generations that are neither live nor the previous one (and leftovers of
    ingests that were killed before they could publish)."""
    live = current(data_dir)
    root = data_dir / "generations"
    if not root.is_dir():
        return
    gens = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    complete = [p for p in gens if (p / "COMPLETE").is_file()]
    keep = {p.name for p in complete[-KEEP_GENERATIONS:]}
    if live is not None:
        keep.add(live.name)
    for p in gens:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """One ingest at a time per data directory (a second one fails at once, clearly)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".ingest.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another ingest is running on {data_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(Path(root))
