"""ingest(paths): validate every input, parse, embed what changed, publish a new generation."""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest import lexical, sentence_matrix
from ingest.embed import (
    MINILM_NAME,
    Embedder,
    collection_name,
    default_embedders,
    prepare_for_ingest,
)
from ingest.errors import IndexMissingError
from ingest.model import ParsedDocument, Passage
from ingest.parse_outline import parse_outline
from ingest.sentences import sentence_spans
from ingest.settings import Settings
from ingest.sources import discover, read_source
from ingest.store import (
    Generation,
    create_collection,
    current,
    discard,
    http_client,
    ingest_lock,
    new_generation_dir,
    parse_chroma_url,
    prune,
    publish,
    store_record,
)

PROGRESS_MIN_PASSAGES = 100  # show a progress bar (on a terminal) past this many passages
EMBED_CHUNK = 256  # passages per embedding call: batches span documents, the bar moves often


@dataclass
class IngestReport:
    generation: str | None
    documents: int
    passages: int
    embedded: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    onnx_max_abs_diff: float | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def parse_file(path: Path, settings: Settings) -> ParsedDocument:
    src = read_source(path, settings.max_file_bytes)
    passages, warnings = parse_outline(src.text, src.meta)
    return ParsedDocument(meta=src.meta, path=str(path.resolve()), sha256=src.sha256,
                          text=src.text, passages=tuple(passages), warnings=tuple(warnings))


def ingest(
    paths: list[Path] | None,
    settings: Settings,
    *,
    rebuild: bool = False,
    embedders: list[Embedder] | None = None,
    progress: bool = True,
) -> IngestReport:
    """Validate and parse everything first (bad input raises before the index is touched),
    then build the next generation reusing vectors of unchanged documents."""
    t0 = time.perf_counter()
    targets = list(paths) if paths else [settings.corpus_dir]
    files = discover(targets)
    parsed = [parse_file(f, settings) for f in files]
    _check_unique_ids(parsed)
    data_dir = settings.data_dir
    if settings.chroma_url:  # a bad or unreachable server fails before any work
        parse_chroma_url(settings.chroma_url)
        http_client(settings.chroma_url, ping=True)
    with ingest_lock(data_dir):
        old = _usable(current(data_dir), settings)
        old_docs: dict[str, Any] = old.manifest()["documents"] if old else {}
        plan = _plan(parsed, old_docs, rebuild)
        warnings = [w for d in parsed for w in d.warnings]
        embs = embedders or default_embedders()
        same_embedders = old is not None and [e["name"] for e in old.manifest()["embedders"]] == [
            e.name for e in embs]
        same_store = old is not None and _store_of(old) == store_record(settings.chroma_url)
        if same_embedders and same_store and not plan["to_embed"] and not plan["removed"] \
                and not rebuild:
            n = sum(d["passages"] for d in old_docs.values())
            assert old is not None
            prune(data_dir, settings.chroma_url)  # leftovers of a killed ingest go even so
            return IngestReport(old.name, len(old_docs), n, 0, unchanged=sorted(old_docs),
                                warnings=warnings, seconds=time.perf_counter() - t0)
        if not same_embedders:
            # vectors of other models cannot be carried over: re-read documents ingested
            # earlier from other paths (still on disk) so a model swap loses none of them
            named = {d.meta.doc_id for d in parsed}
            parsed += [parse_file(Path(info["path"]), settings) for k, info in old_docs.items()
                       if k not in named and Path(info["path"]).is_file()]
            plan = _plan(parsed, {} if old is None else old_docs, True) | {"kept": {}}
        report = _build(plan, old if same_embedders else None, embs, settings, progress)
        report.warnings = warnings
        report.seconds = time.perf_counter() - t0
        return report


def _store_of(gen: Generation) -> dict[str, str]:
    info = gen.store()
    return store_record(info["chroma_url"] if info["store"] == "http" else "")


def _usable(old: Generation | None, settings: Settings) -> Generation | None:
    """The live generation if it can be read back (manifest, passages, every collection),
    else None: a damaged index is rebuilt from the inputs instead of failing ingest. A
    server that cannot be reached is not damage: that error propagates."""
    if old is None:
        return None
    try:
        m = old.manifest()
        old.passages()
        for e in m["embedders"]:
            old.collection(e["collection"], settings.chroma_url)
    except IndexMissingError:  # IndexDamagedError included
        return None
    return old


def _check_unique_ids(parsed: list[ParsedDocument]) -> None:
    from ingest.errors import IngestError

    seen: dict[str, str] = {}
    for d in parsed:
        if d.meta.doc_id in seen and seen[d.meta.doc_id] != d.path:
            raise IngestError(
                f"{d.path}: document id '{d.meta.doc_id}' is also used by {seen[d.meta.doc_id]}; "
                "rename one of the files"
            )
        seen[d.meta.doc_id] = d.path


def _plan(parsed: list[ParsedDocument], old_docs: dict[str, Any], rebuild: bool) -> dict[str, Any]:
    new_ids = {d.meta.doc_id for d in parsed}
    # a document whose source file is gone leaves the index; others not named stay
    removed = [k for k, info in old_docs.items() if k not in new_ids and not Path(info["path"]).exists()]
    kept = {k: v for k, v in old_docs.items() if k not in new_ids and k not in removed}
    to_embed = [d for d in parsed if rebuild or old_docs.get(d.meta.doc_id, {}).get("sha256") != d.sha256]
    reuse = [d for d in parsed if d not in to_embed]
    return {"parsed": parsed, "to_embed": to_embed, "reuse": reuse, "kept": kept,
            "removed": removed, "old_docs": old_docs}


def _build(plan: dict[str, Any], old: Generation | None, embs: list[Embedder],
           settings: Settings, progress: bool) -> IngestReport:
    data_dir = settings.data_dir
    url = settings.chroma_url
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    gen_path = new_generation_dir(data_dir, stamp, url)
    published = False
    try:
        diff = prepare_for_ingest(embs, data_dir)  # ONNX MiniLM: exported once, then no torch
        old_passages = {p.uid: p for p in old.passages()} if old else {}
        old_vectors = _old_vectors(old, plan, embs, url) if old else {}
        rows: list[tuple[Passage, list[np.ndarray]]] = []
        docs_meta: dict[str, Any] = {}
        for doc_id, info in plan["kept"].items():  # documents not named this time: carried over
            assert old is not None
            ps = [p for p in old_passages.values() if p.doc_id == doc_id]
            rows += [(p, old_vectors[p.uid]) for p in ps]
            shutil.copy(old.path / "docs" / f"{doc_id}.txt", gen_path / "docs" / f"{doc_id}.txt")
            docs_meta[doc_id] = info
        for d in plan["reuse"]:
            rows += [(p, old_vectors[p.uid]) for p in d.passages]
        embedded, sentences = _embed_docs(plan["to_embed"], embs, progress, rows)
        for d in plan["parsed"]:
            (gen_path / "docs" / f"{d.meta.doc_id}.txt").write_text(d.text, encoding="utf-8")
            docs_meta[d.meta.doc_id] = {
                "path": d.path, "sha256": d.sha256, "passages": len(d.passages),
                "title": d.meta.title, "source_url": d.meta.source_url,
                "last_edited": d.meta.last_edited, "warnings": list(d.warnings),
            }
        rows.sort(key=lambda r: (r[0].doc_id, r[0].order))
        store_names = {}
        for i, emb in enumerate(embs):
            store_names[emb.name] = _write_chroma(gen_path, collection_name(emb.name),
                                                  [(p, v[i]) for p, v in rows], url)
        _write_sentence_vectors(gen_path, old, plan, embs, sentences)
        _write_passages(gen_path, [p for p, _ in rows])
        _write_query_indexes(gen_path, [p for p, _ in rows])
        manifest = {
            "generation": gen_path.name, "created": datetime.now(UTC).isoformat(),
            "embedders": [{"name": e.name, "dim": e.dim, "collection": collection_name(e.name),
                           "store_collection": store_names[e.name]} for e in embs],
            **store_record(url),
            "documents": docs_meta,
            "passages": len(rows), "onnx_max_abs_diff": diff,
        }
        (gen_path / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (gen_path / "COMPLETE").write_text("ok\n")
        publish(data_dir, gen_path, url)
        published = True
    except BaseException:
        if not published:
            discard(gen_path, url)  # its server collections too; else the next prune does it
        raise
    old_docs = plan["old_docs"]
    return IngestReport(
        generation=gen_path.name, documents=len(docs_meta), passages=len(rows), embedded=embedded,
        added=sorted(d.meta.doc_id for d in plan["to_embed"] if d.meta.doc_id not in old_docs),
        updated=sorted(d.meta.doc_id for d in plan["to_embed"] if d.meta.doc_id in old_docs),
        unchanged=sorted([d.meta.doc_id for d in plan["reuse"]] + list(plan["kept"])),
        removed=sorted(plan["removed"]), onnx_max_abs_diff=diff,
    )


def _old_vectors(old: Generation, plan: dict[str, Any], embs: list[Embedder],
                 chroma_url: str = "") -> dict[str, list[np.ndarray]]:
    """Vectors of unchanged passages, read back from the live generation's collections."""
    wanted = [p.uid for d in plan["reuse"] for p in d.passages]
    wanted += [p.uid for p in old.passages() if p.doc_id in plan["kept"]]
    out: dict[str, list[np.ndarray]] = {uid: [] for uid in wanted}
    if not wanted:
        return out
    for emb in embs:
        got = old.collection(collection_name(emb.name), chroma_url).get(ids=wanted, include=["embeddings"])
        for uid, v in zip(got["ids"], got["embeddings"], strict=True):
            out[uid].append(np.asarray(v, dtype=np.float32))
    return out


def _embed_docs(docs: list[ParsedDocument], embs: list[Embedder], progress: bool,
                rows: list[tuple[Passage, list[np.ndarray]]]) -> tuple[int, dict[str, Any]]:
    """Embed the passages (with their parent context) of every document to embed, and with
    MiniLM their sentences, in batches that span documents; append to rows. Returns the
    passage count and each document's sentence records (uids, starts, ends, vectors)."""
    from tqdm import tqdm

    passages = [p for d in docs for p in d.passages]
    minilm = next((e for e in embs if e.name == MINILM_NAME), None)
    parts: dict[str, tuple[list[str], list[int], list[int], list[np.ndarray]]] = {}
    # disable=None: tqdm stays quiet when stderr is not a terminal
    with tqdm(total=len(passages), desc="Embedding", unit="passage", file=sys.stderr,
              disable=None if progress and len(passages) > PROGRESS_MIN_PASSAGES else True,
              smoothing=0.1) as bar:
        for i in range(0, len(passages), EMBED_CHUNK):
            chunk = passages[i:i + EMBED_CHUNK]
            texts = [p.embed_text() for p in chunk]
            per_emb = [e.embed_documents(texts) for e in embs]
            rows += [(p, [v[k] for v in per_emb]) for k, p in enumerate(chunk)]
            if minilm is not None:
                _embed_sentences(chunk, minilm, parts)
            bar.update(len(chunk))
    sentences = {doc_id: (uids, starts, ends, np.vstack(vecs))
                 for doc_id, (uids, starts, ends, vecs) in parts.items()}
    return len(passages), sentences


def _embed_sentences(chunk: list[Passage], emb: Embedder,
                     parts: dict[str, tuple[list[str], list[int], list[int], list[np.ndarray]]]) -> None:
    """MiniLM vectors of the sentences of ``chunk``, filed by document."""
    owners: list[str] = []
    texts: list[str] = []
    for p in chunk:
        uids, starts, ends, _ = parts.setdefault(p.doc_id, ([], [], [], []))
        for s, e in sentence_spans(p.text):
            uids.append(p.uid)
            starts.append(s)
            ends.append(e)
            texts.append(p.text[s:e])
            owners.append(p.doc_id)
    vectors = emb.embed_documents(texts)
    at = 0
    for doc_id in dict.fromkeys(owners):  # documents in chunk order, sentences contiguous
        n = owners.count(doc_id)
        parts[doc_id][3].append(vectors[at:at + n])
        at += n


def _write_chroma(gen_path: Path, name: str, rows: list[tuple[Passage, np.ndarray]],
                  chroma_url: str = "") -> str:
    """Store one embedder's vectors (embedded Chroma, or the server); returns the name the
    collection has in the store."""
    col, real = create_collection(gen_path, name, chroma_url)
    batch = 1000
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        col.add(
            ids=[p.uid for p, _ in chunk],
            embeddings=np.stack([v for _, v in chunk]),
            documents=[p.text for p, _ in chunk],
            metadatas=[_chroma_meta(p) for p, _ in chunk],
        )
    return real


def _chroma_meta(p: Passage) -> dict[str, str | int]:
    return {
        "doc_id": p.doc_id, "passage_id": p.passage_id, "label": p.label,
        "breadcrumb": json.dumps(list(p.breadcrumb), ensure_ascii=False),
        "start": p.start, "end": p.end, "source_url": p.source_url, "section": p.section,
        "kind": p.kind, "parent_id": p.parent_id or "", "order": p.order,
    }


def _write_sentence_vectors(gen_path: Path, old: Generation | None, plan: dict[str, Any],
                            embs: list[Embedder], computed: dict[str, Any] | None = None) -> None:
    """MiniLM vectors of every sentence, so answering never embeds passage text: carried
    over for unchanged documents, ``computed`` (by _embed_docs) or computed here for the rest."""
    emb = next((e for e in embs if e.name == MINILM_NAME), None)
    if emb is None:
        return
    computed = computed or {}
    out = gen_path / "sentences"
    out.mkdir()
    changed = {d.meta.doc_id: d for d in plan["to_embed"]}
    carried = [d.meta.doc_id for d in plan["reuse"]] + list(plan["kept"])
    for doc_id in carried:
        src = old.path / "sentences" / f"{doc_id}.npz" if old else None
        if src is not None and src.is_file():
            shutil.copy(src, out / src.name)
        else:
            changed[doc_id] = next(d for d in plan["parsed"] if d.meta.doc_id == doc_id) \
                if any(d.meta.doc_id == doc_id for d in plan["parsed"]) else None
    for doc_id, d in changed.items():
        if d is None:
            continue
        if doc_id in computed:
            uids, starts, ends, vectors = computed[doc_id]
        else:
            uids, starts, ends, texts = [], [], [], []
            for p in d.passages:
                for s, e in sentence_spans(p.text):
                    uids.append(p.uid)
                    starts.append(s)
                    ends.append(e)
                    texts.append(p.text[s:e])
            vectors = emb.embed_documents(texts)
        np.savez(out / f"{doc_id}.npz", uids=np.array(uids), starts=np.array(starts),
                 ends=np.array(ends), vectors=vectors)


def _write_passages(gen_path: Path, passages: list[Passage]) -> None:
    with open(gen_path / "passages.jsonl", "w", encoding="utf-8") as f:
        for p in passages:
            f.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")


def _write_query_indexes(gen_path: Path, passages: list[Passage]) -> None:
    """What questions read, prepared here so a reader loads instead of rebuilding: the BM25
    inverted index and the memory-mappable sentence matrix (rows follow passages.jsonl)."""
    lexical.save(lexical.build([p.embed_text() for p in passages]), gen_path)
    sentence_matrix.write(gen_path, passages)
