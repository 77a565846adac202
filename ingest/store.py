"""The on-disk index: generations built beside each other, one pointer file names the live one.

    DATA_DIR/
      CURRENT                  name of the live generation (replaced atomically)
      generations/<gen>/
        manifest.json          documents, content hashes, embedder
        passages.jsonl         every passage (for lexical search, outline, show)
        docs/<doc_id>.txt      the text passages' offsets point into
        chroma/                Chroma PersistentClient directory (embedded store)
        store.json             where the vectors live (written before any are stored)
      models/                  the ONNX query embedder exported at ingest time

With ``Settings.chroma_url`` the vectors live on a Chroma server instead (``chroma run``):
each generation's collections are created there named ``g<generation>--<collection>``, the
manifest records ``{"store": "http", "chroma_url": ...}`` and the collection names, and
pruning a generation deletes its server collections too. Everything else stays local.

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
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import IndexDamagedError, IndexMissingError, StoreUnavailableError
from ingest.model import Passage

COLLECTION = "passages"
KEEP_GENERATIONS = 2  # the live one and the one before it (a reader may still hold it)
STORE_LOCAL = "local"
STORE_HTTP = "http"
STORE_FILE = "store.json"
REBUILD_HINT = "run evaw-guide ingest --rebuild"

_http_clients: dict[str, Any] = {}
_http_lock = threading.Lock()


def chroma_settings() -> Any:
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """``http://host:port`` (or ``host:port``) -> (host, port, ssl); StoreUnavailableError
    (a ValueError) when malformed."""
    raw = url.strip()
    parts = urlsplit(raw if "://" in raw else f"http://{raw}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreUnavailableError(f"--chroma-url {url!r} is not an http(s)://HOST:PORT address")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError:
        raise StoreUnavailableError(f"--chroma-url {url!r} has an invalid port") from None
    return parts.hostname, port, parts.scheme == "https"


def unavailable(url: str, err: BaseException | None = None) -> StoreUnavailableError:
    why = f" ({type(err).__name__})" if err is not None else ""
    return StoreUnavailableError(
        f"cannot reach the Chroma server at {url}{why}: start it (chroma run --path DIR "
        "--host 127.0.0.1 --port N) or fix --chroma-url / EVAW_CHROMA_URL"
    )


def is_connection_error(err: BaseException) -> bool:
    """True for 'the server is not there' (refused, reset, timed out), not for its answers."""
    try:
        import httpx

        if isinstance(err, httpx.TransportError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(err, ConnectionError | TimeoutError) or (
        isinstance(err, ValueError) and "Could not connect" in str(err))


def http_client(url: str, ping: bool = False) -> Any:
    """One HttpClient per server URL per process (creating one costs a round trip);
    ``ping`` checks that a cached client's server still answers."""
    with _http_lock:
        if url in _http_clients:
            client = _http_clients[url]
            if ping:
                try:
                    client.heartbeat()
                except Exception as e:
                    if is_connection_error(e):
                        raise unavailable(url, e) from None
                    raise
            return client
        import chromadb

        host, port, ssl = parse_chroma_url(url)
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings())
            client.heartbeat()
        except Exception as e:
            if is_connection_error(e):
                raise unavailable(url, e) from None
            raise
        _http_clients[url] = client
        return client


def server_collection_name(generation: str, name: str) -> str:
    """``g<generation>--<name>``: fits Chroma's rules (3-512 of [a-zA-Z0-9._-], alphanumeric ends)."""
    return f"g{generation}--{name}"


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

    def damaged(self, what: str, err: BaseException | None = None) -> IndexDamagedError:
        why = f" ({type(err).__name__})" if err is not None else ""
        return IndexDamagedError(f"index at {self.path} is damaged: {what}{why}; {REBUILD_HINT}")

    def manifest(self) -> dict[str, Any]:
        try:
            m = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if not isinstance(m, dict) or not isinstance(m.get("embedders"), list) \
                    or not isinstance(m.get("documents"), dict):
                raise ValueError("not an index manifest")
            return m
        except FileNotFoundError:
            raise self.damaged("manifest.json is missing") from None
        except (OSError, ValueError) as e:
            raise self.damaged("manifest.json cannot be read", e) from None

    def passages(self) -> list[Passage]:
        try:
            with open(self.path / "passages.jsonl", encoding="utf-8") as f:
                return [Passage.from_dict(json.loads(line)) for line in f if line.strip()]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise self.damaged("passages.jsonl cannot be read", e) from None

    def doc_text(self, doc_id: str) -> str:
        try:
            return (self.path / "docs" / f"{doc_id}.txt").read_text(encoding="utf-8")
        except (OSError, ValueError) as e:
            raise self.damaged(f"docs/{doc_id}.txt cannot be read", e) from None

    def store(self) -> dict[str, Any]:
        """Where this generation's vectors live: {"store": "local"} or {"store": "http",
        "chroma_url": ...}. From the manifest, else store.json (an unpublished leftover)."""
        for f in (self.manifest_path, self.path / STORE_FILE):
            try:
                d = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(d, dict) and d.get("store") in (STORE_LOCAL, STORE_HTTP):
                return {"store": d["store"], "chroma_url": d.get("chroma_url", "")}
        return {"store": STORE_LOCAL, "chroma_url": ""}

    def server_url(self, chroma_url: str = "") -> str:
        """The server to read this generation from: the configured one, else the manifest's."""
        return chroma_url or str(self.store().get("chroma_url") or "")

    def collection_names(self) -> dict[str, str]:
        """Logical collection name ('passages', 'passages--e5...') -> name in the store."""
        try:
            embs = self.manifest().get("embedders", [])
        except IndexDamagedError:
            embs = []
        return {e["collection"]: e.get("store_collection") or e["collection"]
                for e in embs if isinstance(e, dict) and "collection" in e}

    def collection(self, name: str = COLLECTION, chroma_url: str = "") -> Any:
        """A collection of this generation from whichever store its manifest names.
        Raises StoreUnavailableError (server down) or IndexDamagedError (store gone)."""
        if self.store()["store"] == STORE_HTTP:
            url = self.server_url(chroma_url)
            real = self.collection_names().get(name) or server_collection_name(self.name, name)
            client = http_client(url)
            try:
                return client.get_collection(real, embedding_function=None)
            except Exception as e:
                if is_connection_error(e):
                    raise unavailable(url, e) from None
                raise self.damaged(f"collection {real} is missing on the Chroma server {url}", e) from None
        if not (self.chroma_path / "chroma.sqlite3").is_file():
            raise self.damaged("its chroma/ directory is missing")
        try:
            return chroma_client(self.chroma_path).get_collection(name, embedding_function=None)
        except Exception as e:
            raise self.damaged(f"collection {name} cannot be opened", e) from None

    def drop_server_collections(self, chroma_url: str = "") -> None:
        """Delete this generation's collections on the Chroma server (none when local)."""
        info = self.store()
        if info["store"] != STORE_HTTP:
            return
        url = self.server_url(chroma_url)
        client = http_client(url)
        prefix = server_collection_name(self.name, "")
        try:
            names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
            for n in names:
                if n.startswith(prefix):
                    client.delete_collection(n)
        except Exception as e:
            if is_connection_error(e):
                raise unavailable(url, e) from None
            raise


def current(data_dir: Path) -> Generation | None:
    pointer = data_dir / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name or "/" in name or name in (".", ".."):
        return None
    gen = Generation(data_dir / "generations" / name)
    return gen if gen.manifest_path.is_file() else None


def require_current(data_dir: Path) -> Generation:
    gen = current(data_dir)
    if gen is None:
        raise IndexMissingError(
            f"No index in {data_dir}. Build it with: evaw-guide ingest"
            + ("" if data_dir == Path("data").resolve() else f" --data-dir {data_dir}")
        )
    return gen


def new_generation_dir(data_dir: Path, name: str, chroma_url: str = "") -> Path:
    """A fresh generation directory; store.json records where its vectors will live before
    any is written, so a killed ingest's server collections can still be found and pruned."""
    path = data_dir / "generations" / name
    path.mkdir(parents=True)
    (path / "docs").mkdir()
    (path / STORE_FILE).write_text(json.dumps(store_record(chroma_url)) + "\n", encoding="utf-8")
    return path


def store_record(chroma_url: str = "") -> dict[str, str]:
    if chroma_url:
        return {"store": STORE_HTTP, "chroma_url": chroma_url}
    return {"store": STORE_LOCAL}


def create_collection(gen_path: Path, name: str, chroma_url: str = "") -> tuple[Any, str]:
    """Create a new, empty collection for a generation being built; returns it and its
    name in the store."""
    meta = {"hnsw:space": "cosine"}
    if not chroma_url:
        col = chroma_client(gen_path / "chroma").create_collection(
            name, embedding_function=None, metadata=meta)
        return col, name
    real = server_collection_name(gen_path.name, name)
    try:
        col = http_client(chroma_url).create_collection(real, embedding_function=None, metadata=meta)
    except Exception as e:
        if is_connection_error(e):
            raise unavailable(chroma_url, e) from None
        raise
    return col, real


def discard(gen_path: Path, chroma_url: str = "") -> bool:
    """Remove a generation: its server collections (if any), then its directory. False
    (directory kept, to retry at the next prune) when the server cannot be reached."""
    try:
        Generation(gen_path).drop_server_collections(chroma_url)
    except StoreUnavailableError:
        return False
    shutil.rmtree(gen_path, ignore_errors=True)
    return True


def publish(data_dir: Path, gen_path: Path, chroma_url: str = "") -> None:
    """Atomically make ``gen_path`` the live generation, then prune old ones."""
    _fsync_tree(gen_path)
    tmp = data_dir / "CURRENT.tmp"
    tmp.write_text(gen_path.name + "\n")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, data_dir / "CURRENT")
    _fsync_dir(data_dir)
    prune(data_dir, chroma_url)


def prune(data_dir: Path, chroma_url: str = "") -> None:
    """Remove generations that are neither live nor the previous one (and leftovers of
    ingests that were killed before they could publish), with their server collections.
    ``chroma_url`` is the configured server (else each generation's recorded one)."""
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
            discard(p, chroma_url)


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
