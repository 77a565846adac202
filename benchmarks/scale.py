"""How ingest and questions scale with the size of the corpus (synthetic guidance-like Markdown).

For each size (passages) a fresh subprocess (so peak RSS is that size's alone) generates the
corpus, ingests it with the real embedders (MiniLM + multilingual-e5) into an embedded Chroma
store, then opens ``Assistant`` and times questions. The table shows each size and its ratio
to the previous size.

    .venv/bin/python -m benchmarks.scale [--sizes 100,1000,10000] [--queries 40] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def _questions(passages: list[Any], n: int, seed: int) -> list[str]:
    """Questions made from passage words (a few content words, reordered), so they hit."""
    rng = random.Random(seed)
    out = []
    for p in rng.sample(passages, min(n, len(passages))):
        words = [w.strip(".,;:") for w in p.text.split() if len(w) > 3]
        pick = rng.sample(words, min(5, len(words)))
        out.append("How should " + " ".join(pick).lower() + "?")
    return out


def run_one(size: int, work: Path, queries: int, seed: int) -> dict[str, Any]:
    """Measure one size in this process (called in a fresh subprocess)."""
    sys.path.insert(0, str(ROOT))
    from assistant import Assistant
    from benchmarks.synth_corpus import write_corpus
    from ingest.embed import default_embedders
    from ingest.pipeline import ingest
    from ingest.settings import Settings, offline_environment

    offline_environment()
    corpus, data = work / "corpus", work / "data"
    files = write_corpus(corpus, size, seed)
    settings = Settings.load(data_dir=data, corpus_dir=corpus)
    embs = default_embedders()
    embs[0].embed_documents(["warm up"])  # model load is not ingest throughput
    embs[1].embed_documents(["warm up"])
    t0 = time.perf_counter()
    report = ingest([corpus], settings, embedders=embs, progress=False)
    ingest_s = time.perf_counter() - t0
    rss_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gen = data / "generations" / (report.generation or "")
    t1 = time.perf_counter()
    a = Assistant(settings)
    open_s = time.perf_counter() - t1
    qs = _questions(a.outline(), queries + 1, seed)
    a.ask(qs[0])  # warm-up: first query loads the query models
    ask_ms, ret_ms, abstained = [], [], 0
    for q in qs[1:]:
        t = time.perf_counter()
        a.retrieve(q)
        ret_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        ans = a.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
        abstained += ans.abstained
    return {
        "passages": report.passages, "documents": len(files), "ingest_s": ingest_s,
        "passages_per_s": report.passages / ingest_s, "index_mb": _dir_bytes(gen) / 2**20,
        "chroma_mb": _dir_bytes(gen / "chroma") / 2**20, "open_s": open_s,
        "retrieve_p50_ms": _pct(ret_ms, 0.5), "retrieve_p95_ms": _pct(ret_ms, 0.95),
        "ask_p50_ms": _pct(ask_ms, 0.5), "ask_p95_ms": _pct(ask_ms, 0.95),
        "ask_mean_ms": statistics.fmean(ask_ms), "queries": len(ask_ms), "abstained": abstained,
        "peak_rss_ingest_mb": rss_ingest,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


COLUMNS = [
    ("passages", "passages", "{:.0f}"), ("ingest_s", "ingest s", "{:.1f}"),
    ("passages_per_s", "passages/s", "{:.1f}"), ("index_mb", "index MB", "{:.1f}"),
    ("open_s", "open s", "{:.2f}"), ("retrieve_p50_ms", "retr p50 ms", "{:.1f}"),
    ("retrieve_p95_ms", "retr p95 ms", "{:.1f}"), ("ask_p50_ms", "ask p50 ms", "{:.1f}"),
    ("ask_p95_ms", "ask p95 ms", "{:.1f}"), ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
]


def table(rows: list[dict[str, Any]]) -> str:
    head = [c[1] for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    prev: dict[str, Any] | None = None
    for r in rows:
        cells = []
        for key, _, fmt in COLUMNS:
            cell = fmt.format(r[key])
            if prev is not None and prev.get(key):
                cell += f" (×{r[key] / prev[key]:.2f})"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
        prev = r
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="Ingest/query scaling on a synthetic corpus.")
    ap.add_argument("--sizes", default="100,1000,10000", help="comma-separated passage counts")
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    ap.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one is not None:
        assert a.workdir is not None
        print(json.dumps(run_one(a.one, a.workdir, a.queries, a.seed)))
        return
    base = a.workdir or Path(tempfile.mkdtemp(prefix="evaw-scale-"))
    rows = []
    for size in [int(s) for s in a.sizes.split(",") if s.strip()]:
        work = base / f"n{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.scale", "--one", str(size), "--workdir", str(work),
             "--queries", str(a.queries), "--seed", str(a.seed)],
            cwd=ROOT, capture_output=True, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1"},
        )
        if out.returncode != 0:
            sys.exit(f"size {size} failed:\n{out.stderr[-3000:]}")
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{size:>6} passages: {json.dumps(row)}  [{time.perf_counter() - t:.0f} s wall]",
              flush=True)
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    if a.out:
        a.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
