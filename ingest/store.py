"""The on-disk index: generations built beside each other, one pointer file names the live one.

    DATA_DIR/
      CURRENT                  name of the live generation (replaced atomically)
      PREVIOUS                 the generation CURRENT replaced (kept for readers holding it)
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
previous generation serving. Pruning keeps exactly CURRENT and PREVIOUS: a generation that
was completed but never published (ingest killed before the swap) is a leftover like any
other, never mistaken for the previous one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest import steps
from ingest.errors import (
    IndexDamagedError,
    IndexMissingError,
    StoreUnavailableError,
    UnknownDocumentError,
)
from ingest.model import Passage

COLLECTION = "passages"
KEEP_GENERATIONS = 2  # the live one and the one before it (a reader may still hold it)
STORE_LOCAL = "local"
STORE_HTTP = "http"
STORE_FILE = "store.json"
REBUILD_HINT = "run evaw-guide ingest --rebuild"

_http_clients: dict[str, Any] = {}
_http_lock = threading.Lock()
# chromadb's client cache (SharedSystemClient) is not safe when several threads create a
# client for the same path at once: the losers get a ValueError, which used to surface as
# a false "index is damaged" for the first questions after start. One lock per process.
_local_lock = threading.RLock()


def chroma_settings() -> Any:
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(path: Path) -> Any:
    import chromadb

    with _local_lock:
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
        """Every passage, checked against the manifest (its checksum when recorded, and
        the passage counts), so an emptied or shortened file is damage, not a smaller index."""
        m = self.manifest()
        try:
            raw = (self.path / "passages.jsonl").read_bytes()
            out = [Passage.from_dict(json.loads(line)) for line in raw.decode("utf-8").splitlines()
                   if line.strip()]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise self.damaged("passages.jsonl cannot be read", e) from None
        want = m.get("files", {}).get("passages.jsonl") if isinstance(m.get("files"), dict) else None
        if want and hashlib.sha256(raw).hexdigest() != want:
            raise self.damaged("passages.jsonl does not match its checksum in manifest.json")
        expected = m.get("passages")
        if isinstance(expected, int) and len(out) != expected:
            raise self.damaged(f"passages.jsonl holds {len(out)} passages, the manifest {expected}")
        per_doc: dict[str, int] = {}
        for p in out:
            per_doc[p.doc_id] = per_doc.get(p.doc_id, 0) + 1
        for doc_id, info in m["documents"].items():
            n = info.get("passages") if isinstance(info, dict) else None
            if isinstance(n, int) and per_doc.get(doc_id, 0) != n:
                raise self.damaged(f"passages.jsonl holds {per_doc.get(doc_id, 0)} passages of "
                                   f"{doc_id}, the manifest {n}")
        return out

    def doc_text(self, doc_id: str) -> str:
        """The text of a document *of this index*: the id is looked up in the manifest,
        never joined into a path as given (no '../../outside')."""
        if not isinstance(doc_id, str) or doc_id not in self.manifest()["documents"] \
                or not is_safe_doc_id(doc_id):
            raise UnknownDocumentError(f"no document {doc_id!r} in the index")
        path = self.path / "docs" / f"{doc_id}.txt"
        try:
            if path.is_symlink() or path.resolve().parent != (self.path / "docs").resolve():
                raise self.damaged(f"docs/{doc_id}.txt is not a file of the index")
            return path.read_text(encoding="utf-8")
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
            with _local_lock:
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


def is_safe_doc_id(doc_id: str) -> bool:
    """A document id usable as a file name inside docs/ and sentences/: no path
    separators, no '..', no control, format (bidi) or line-separator characters."""
    return bool(doc_id) and doc_id not in (".", "..") and "/" not in doc_id \
        and "\\" not in doc_id and not any(
            unicodedata.category(c)[0] in "CZ" and c != " " for c in doc_id)


def _pointer(data_dir: Path, name: str) -> str | None:
    try:
        value = (data_dir / name).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not value or "/" in value or value in (".", ".."):
        return None
    return value


def current(data_dir: Path) -> Generation | None:
    name = _pointer(data_dir, "CURRENT")
    if name is None:
        return None
    gen = Generation(data_dir / "generations" / name)
    return gen if gen.manifest_path.is_file() else None


def previous(data_dir: Path) -> Generation | None:
    """The generation the live one replaced (None before the second publish)."""
    name = _pointer(data_dir, "PREVIOUS")
    if name is None:
        return None
    gen = Generation(data_dir / "generations" / name)
    return gen if gen.path.is_dir() else None


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


def _write_pointer(data_dir: Path, name: str, value: str) -> None:
    tmp = data_dir / f"{name}.tmp"
    tmp.write_text(value + "\n")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, data_dir / name)
    _fsync_dir(data_dir)


def publish(data_dir: Path, gen_path: Path, chroma_url: str = "") -> None:
    """Atomically make ``gen_path`` the live generation, then prune old ones. PREVIOUS is
    recorded first: killed between the two, PREVIOUS and CURRENT name the same (live)
    generation, and nothing is lost."""
    _fsync_tree(gen_path)
    steps.reached("synced")
    live = current(data_dir)
    if live is not None and live.name != gen_path.name:
        _write_pointer(data_dir, "PREVIOUS", live.name)
    steps.reached("previous-recorded")
    tmp = data_dir / "CURRENT.tmp"
    tmp.write_text(gen_path.name + "\n")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    steps.reached("pointer-written")
    os.replace(tmp, data_dir / "CURRENT")
    _fsync_dir(data_dir)
    steps.reached("published")
    prune(data_dir, chroma_url)
    steps.reached("pruned")


def prune(data_dir: Path, chroma_url: str = "") -> None:
    """Remove every generation except the live one and the one it replaced (PREVIOUS),
    with their server collections: leftovers of killed ingests go, including one that was
    complete but never published. Runs under the ingest lock, so no generation is being
    built meanwhile. ``chroma_url`` is the configured server (else each generation's
    recorded one). Without a live generation nothing is removed (a damaged CURRENT must
    not cost the data that could repair it)."""
    live = current(data_dir)
    root = data_dir / "generations"
    if not root.is_dir() or live is None:
        return
    gens = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    keep = {live.name}
    prev = previous(data_dir)
    if prev is not None:
        keep.add(prev.name)
    else:  # a data directory from before PREVIOUS existed: the newest complete older one
        older = [p for p in gens if p.name < live.name and (p / "COMPLETE").is_file()]
        keep.update(p.name for p in older[-(KEEP_GENERATIONS - 1):])
    for p in gens:
        if p.name not in keep:
            discard(p, chroma_url)
    for leftover in (data_dir / "CURRENT.tmp", data_dir / "PREVIOUS.tmp"):
        leftover.unlink(missing_ok=True)


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
