"""Warm and cold `ask` latency, beside the LangChain-tutorial baseline in the same run.

    .venv/bin/python benchmarks/ask_latency.py [--data-dir DIR] [--cold-runs 5]

Warm: every question of eval/sets/core.jsonl through `Assistant.ask` (default answerer)
after one warm-up pass, and the same questions through the naive pipeline
(RecursiveCharacterTextSplitter 1000/200 + MiniLM + Chroma, top-4). Cold: the whole
`evaw-guide ask` process, several runs. The machine may be shared: the 1-minute load average
before and after is printed with the figures, and the ratio compares runs of the same moment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def warm(data_dir: str | None, questions: list[str]) -> dict[str, list[float]]:
    from assistant import Assistant
    from eval.naive import NaivePipeline

    a = Assistant.open(data_dir)
    naive = NaivePipeline([ROOT / "corpus" / "key-entry-points-and-strategies.txt"],
                          Path(tempfile.mkdtemp(prefix="evaw-bench-")))
    for q in questions:  # warm-up: models loaded, sentence vectors cached
        a.ask(q)
        naive.ask(q, [])
    out: dict[str, list[float]] = {"evaw-guide ask": [], "naive baseline": []}
    for q in questions:
        t = time.perf_counter()
        a.ask(q)
        out["evaw-guide ask"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        naive.ask(q, [])
        out["naive baseline"].append((time.perf_counter() - t) * 1000)
    return out


def cold(data_dir: str | None, runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("evaw-guide")
    env = dict(os.environ)
    if data_dir:
        env["EVAW_DATA_DIR"] = data_dir
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(exe), "ask", "Would recruiting more female officers make a difference?"],
                       check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--cold-runs", type=int, default=5)
    args = ap.parse_args()
    questions = [json.loads(x)["question"] for x in (ROOT / "eval/sets/core.jsonl").read_text().splitlines()
                 if x.strip()]
    load0 = os.getloadavg()[0]
    res = warm(args.data_dir, questions)
    print(f"warm ask over {len(questions)} questions (ms)")
    print(f"{'pipeline':18} {'median':>8} {'p95':>8} {'mean':>8}")
    for name, xs in res.items():
        print(f"{name:18} {statistics.median(xs):8.1f} {pct(xs, 95):8.1f} {statistics.mean(xs):8.1f}")
    ratio = statistics.median(res["evaw-guide ask"]) / statistics.median(res["naive baseline"])
    print(f"median ratio evaw-guide / naive: {ratio:.2f}")
    c = cold(args.data_dir, args.cold_runs)
    print(f"cold `evaw-guide ask` process over {len(c)} runs (s): median {statistics.median(c):.2f}, "
          f"min {min(c):.2f}, max {max(c):.2f}")
    print(f"load average (1 min) {load0:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
