"""How ingest and questions scale with the size of the corpus, beside the naive LangChain
pipeline on the same corpus in the same run (synthetic guidance-like Markdown).

For each size (passages) the corpus is written once; then each pipeline runs in a fresh
subprocess (so its peak RSS is its own): evaw-guide (this tree, or also an older tree given
with ``--before``) ingests with the real embedders into an embedded Chroma store, opens
``Assistant`` and times the same questions; the naive pipeline (splitter 1000/200 +
MiniLM + Chroma, top-4) builds its store and answers them; ``evaw-guide ask`` is timed as
a whole cold process. The machine may be shared: each row carries the 1-minute load average
and CPU seconds, and the ratios compare rows of the same run.

    .venv/bin/python -m benchmarks.scale [--sizes 1000,5000,10000] [--queries 40]
        [--cold-runs 3] [--before DIR [--before-sizes 1000]] [--no-naive] [--workdir DIR]
        [--out FILE.json]

``--before DIR``: a checkout or ``git archive`` of an older commit, measured the same way.
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


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_questions(corpus: Path, n: int, seed: int) -> list[str]:
    """Questions made from passage words (a few content words, reordered), so they hit."""
    from ingest.pipeline import parse_file
    from ingest.settings import Settings

    settings = Settings.load(data_dir=corpus.parent / "unused", corpus_dir=corpus)
    passages = [p for f in sorted(corpus.glob("*.md")) for p in parse_file(f, settings).passages]
    rng = random.Random(seed)
    out = []
    for p in rng.sample(passages, min(n, len(passages))):
        words = [w.strip(".,;:") for w in p.text.split() if len(w) > 3]
        pick = rng.sample(words, min(5, len(words)))
        out.append("How should " + " ".join(pick).lower() + "?")
    return out


def run_one(corpus: Path, data: Path, questions: list[str]) -> dict[str, Any]:
    """Ingest and questions with the tree on sys.path (called in a fresh subprocess)."""
    from assistant import Assistant
    from ingest.embed import default_embedders
    from ingest.pipeline import ingest
    from ingest.settings import Settings, offline_environment

    offline_environment()
    settings = Settings.load(data_dir=data, corpus_dir=corpus)
    embs = default_embedders()
    cpu0, t0 = _cpu_s(), time.perf_counter()
    report = ingest([corpus], settings, embedders=embs, progress=False)
    ingest_s, ingest_cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    rss_ingest = _peak_mb()
    gen = data / "generations" / (report.generation or "")
    t1 = time.perf_counter()
    a = Assistant(settings)
    open_s = time.perf_counter() - t1
    a.ask(questions[0])  # warm-up: the first question loads the query models
    ask_ms, ret_ms, ret_cpu, ask_cpu, abstained = [], [], [], [], 0
    for q in questions[1:]:
        c, t = _cpu_s(), time.perf_counter()
        a.retrieve(q)
        ret_ms.append((time.perf_counter() - t) * 1000)
        ret_cpu.append((_cpu_s() - c) * 1000)
        c, t = _cpu_s(), time.perf_counter()
        ans = a.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
        ask_cpu.append((_cpu_s() - c) * 1000)
        abstained += ans.abstained
    return {
        "passages": report.passages, "ingest_s": ingest_s, "ingest_cpu_s": ingest_cpu,
        "passages_per_s": report.passages / ingest_s, "index_mb": _dir_bytes(gen) / 2**20,
        "open_s": open_s, "retrieve_p50_ms": _pct(ret_ms, 0.5), "retrieve_p95_ms": _pct(ret_ms, 0.95),
        "ask_p50_ms": _pct(ask_ms, 0.5), "ask_p95_ms": _pct(ask_ms, 0.95),
        "ask_mean_ms": statistics.fmean(ask_ms), "queries": len(ask_ms), "abstained": abstained,
        "retrieve_cpu_ms": statistics.fmean(ret_cpu), "ask_cpu_ms": statistics.fmean(ask_cpu),
        "peak_rss_ingest_mb": rss_ingest, "peak_rss_mb": _peak_mb(),
    }


def run_naive(corpus: Path, work: Path, questions: list[str]) -> dict[str, Any]:
    """The LangChain-tutorial pipeline on the same corpus and questions."""
    from eval.naive import NaivePipeline

    files = sorted(corpus.glob("*.md"))
    cpu0, t0 = _cpu_s(), time.perf_counter()
    naive = NaivePipeline(files, work)
    ingest_s, ingest_cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    rss_ingest = _peak_mb()
    naive.ask(questions[0], [])
    ms, cpu = [], []
    for q in questions[1:]:
        c, t = _cpu_s(), time.perf_counter()
        naive.ask(q, [])
        ms.append((time.perf_counter() - t) * 1000)
        cpu.append((_cpu_s() - c) * 1000)
    n = sum(len(s) for s in naive._spans.values())
    return {
        "passages": n, "chunks": naive.n_chunks, "ingest_s": ingest_s, "ingest_cpu_s": ingest_cpu,
        "passages_per_s": n / ingest_s, "retrieve_p50_ms": _pct(ms, 0.5), "retrieve_p95_ms": _pct(ms, 0.95),
        "ask_p50_ms": _pct(ms, 0.5), "ask_p95_ms": _pct(ms, 0.95), "queries": len(ms),
        "retrieve_cpu_ms": statistics.fmean(cpu), "ask_cpu_ms": statistics.fmean(cpu),
        "index_mb": _dir_bytes(work / "naive_chroma") / 2**20,
        "peak_rss_ingest_mb": rss_ingest, "peak_rss_mb": _peak_mb(),
    }


def cold_ask(src: Path, data: Path, question: str, runs: int) -> float:
    """Median wall time of a whole `evaw-guide ask` process on this index."""
    times = []
    env = os.environ | {"PYTHONPATH": str(src), "EVAW_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "ask", question],
                       cwd=src, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


_RUN_IN_TREE = (  # this script, with the measured tree's packages first on sys.path
    "import runpy, sys\nsrc, script = sys.argv[1], sys.argv[2]\nsys.path.insert(0, src)\n"
    "sys.argv = [script, *sys.argv[3:]]\nrunpy.run_path(script, run_name='__main__')\n"
)


def _child(args: list[str], src: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _RUN_IN_TREE, str(src), __file__, *args], cwd=src, capture_output=True,
        text=True, env=os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(src)},
    )
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _seed_models(src: Path, models: Path) -> None:
    """Export the ONNX MiniLM and the e5 ONNX copy once for the whole run (ingest reuses
    data/models; the exports, the one step that loads torch, are a first-install cost, not
    ingest throughput). A tree without the e5 copy (``--before``) ignores it."""
    if models.is_dir():
        return
    code = ("import sys; from pathlib import Path; from ingest.embed import SentenceTransformerEmbedder, "
            "export_onnx, onnx_dir_for; export_onnx(SentenceTransformerEmbedder(), "
            "onnx_dir_for(Path(sys.argv[1])))\n"
            "try:\n    from ingest.e5_onnx import e5_onnx_dir_for, export\n"
            "except ImportError:\n    pass\nelse:\n    export(e5_onnx_dir_for(Path(sys.argv[1])))")
    subprocess.run([sys.executable, "-c", code, str(models.parent)], cwd=src, check=True,
                   env=os.environ | {"PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1"})


COLUMNS = [
    ("pipeline", "pipeline", "{}"), ("passages", "passages", "{:.0f}"), ("ingest_s", "ingest s", "{:.1f}"),
    ("passages_per_s", "passages/s", "{:.1f}"), ("ingest_cpu_ms", "CPU ms/passage", "{:.1f}"),
    ("retrieve_p50_ms", "retrieve p50 ms", "{:.1f}"), ("retrieve_p95_ms", "retrieve p95 ms", "{:.1f}"),
    ("retrieve_cpu_ms", "retrieve CPU ms", "{:.1f}"), ("ask_p50_ms", "ask p50 ms", "{:.1f}"),
    ("cold_ask_s", "cold ask s", "{:.2f}"),
    ("peak_rss_ingest_mb", "ingest RSS MB", "{:.0f}"), ("index_mb", "index MB", "{:.1f}"),
    ("load", "load avg", "{:.1f}"),
]


def table(rows: list[dict[str, Any]]) -> str:
    head = [c[1] for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[k]) if r.get(k) is not None else "–"
                                        for k, _, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def ratios(rows: list[dict[str, Any]]) -> list[str]:
    """Same-run ratios: evaw-guide against the naive pipeline and the older tree per size,
    and evaw-guide's growth from the smallest size."""
    out = []
    by = {(r["pipeline"], r["passages"]): r for r in rows}
    ours = [r for r in rows if r["pipeline"] == "evaw-guide"]
    for r in ours:
        n = r["passages"]
        for other in ("naive", "before"):
            o = by.get((other, n))
            if o:
                x = {k: r[k] / o[k] for k in ("passages_per_s", "ingest_cpu_ms", "retrieve_p95_ms",
                                               "retrieve_cpu_ms", "peak_rss_ingest_mb")}
                out.append(
                    f"{n} passages, evaw-guide / {other}: ingest passages/s x{x['passages_per_s']:.2f}, "
                    f"CPU per passage x{x['ingest_cpu_ms']:.2f}, retrieve p95 x{x['retrieve_p95_ms']:.2f}, "
                    f"retrieve CPU x{x['retrieve_cpu_ms']:.2f}, "
                    f"ingest RSS x{x['peak_rss_ingest_mb']:.2f}"
                    + (f", cold ask x{r['cold_ask_s'] / o['cold_ask_s']:.2f}" if o.get("cold_ask_s") else ""))
    if len(ours) > 1:
        a, b = ours[0], ours[-1]
        g = {k: b[k] / a[k] for k in ("retrieve_p95_ms", "retrieve_cpu_ms", "ask_p50_ms", "cold_ask_s")}
        out.append(f"evaw-guide growth {a['passages']} -> {b['passages']} passages: retrieve p95 "
                   f"x{g['retrieve_p95_ms']:.2f}, retrieve CPU x{g['retrieve_cpu_ms']:.2f}, "
                   f"ask p50 x{g['ask_p50_ms']:.2f}, "
                   f"cold ask x{g['cold_ask_s']:.2f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="Ingest/query scaling on a synthetic corpus.")
    ap.add_argument("--sizes", default="1000,5000", help="comma-separated passage counts")
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--before", type=Path, default=None, help="an older source tree to measure too")
    ap.add_argument("--before-sizes", default=None, help="measure --before only at these sizes")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive LangChain pipeline")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    ap.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    ap.add_argument("--chroma-url", default=None,
                    help="evaw-guide's vectors on this `chroma run` server (EVAW_CHROMA_URL)")
    ap.add_argument("--one", nargs=3, default=None, help=argparse.SUPPRESS)  # corpus data questions
    ap.add_argument("--naive", nargs=3, default=None, help=argparse.SUPPRESS)  # corpus work questions
    a = ap.parse_args()
    if a.one or a.naive:
        corpus, work, qfile = (Path(x) for x in (a.one or a.naive))
        questions = json.loads(qfile.read_text())
        row = run_one(corpus, work, questions) if a.one else run_naive(corpus, work, questions)
        print(json.dumps(row))
        return
    sys.path.insert(0, str(ROOT))
    from benchmarks.synth_corpus import write_corpus

    if a.chroma_url:  # the children (ingest, questions, cold ask) read it from the environment
        os.environ["EVAW_CHROMA_URL"] = a.chroma_url

    base = a.workdir or Path(tempfile.mkdtemp(prefix="evaw-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    trees = [("evaw-guide", ROOT)] + ([("before", a.before.resolve())] if a.before else [])
    models = base / "models-cache" / "models"
    _seed_models(ROOT, models)
    rows: list[dict[str, Any]] = []
    for size in [int(s) for s in a.sizes.split(",") if s.strip()]:
        work = base / f"n{size}"
        shutil.rmtree(work, ignore_errors=True)
        corpus = work / "corpus"
        write_corpus(corpus, size, a.seed)
        qfile = work / "questions.json"
        questions = make_questions(corpus, a.queries + 1, a.seed)
        qfile.write_text(json.dumps(questions))
        before_here = a.before_sizes is None or str(size) in a.before_sizes.split(",")
        runs: list[tuple[str, Path | None]] = [t for t in trees if t[0] != "before" or before_here]
        runs += [] if a.no_naive else [("naive", None)]
        for label, src in runs:
            load = os.getloadavg()[0]
            t = time.perf_counter()
            if src is None:
                row = _child(["--naive", str(corpus), str(work / "naive"), str(qfile)], ROOT)
            else:
                data = work / f"data-{label}"
                data.mkdir(parents=True)
                shutil.copytree(models, data / "models")
                row = _child(["--one", str(corpus), str(data), str(qfile)], src)
                row["cold_ask_s"] = cold_ask(src, data, questions[1], a.cold_runs)
            if a.chroma_url and src is not None:
                label += " (chroma server)"
            row |= {"pipeline": label, "load": (load + os.getloadavg()[0]) / 2,
                    "ingest_cpu_ms": row["ingest_cpu_s"] / row["passages"] * 1000}
            rows.append(row)
            print(f"{size:>6} {label}: {json.dumps(row)}  [{time.perf_counter() - t:.0f} s wall]", flush=True)
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    print()
    print("\n".join(ratios(rows)))
    if a.out:
        a.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
