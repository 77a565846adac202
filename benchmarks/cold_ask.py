"""Wall and CPU seconds of a whole ``evaw-guide ask`` process (a cold start) on an index.

CPU seconds (the child's user + system) hold on a shared machine; wall seconds do not, so
both are printed with the 1-minute load average.

    python benchmarks/cold_ask.py DATA_DIR "a question" [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("question")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    env = os.environ | {"EVAW_DATA_DIR": str(a.data_dir), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    walls, cpus = [], []
    for _ in range(a.runs):
        r0, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([sys.executable, "-m", "ui.cli", "ask", a.question], cwd=ROOT, check=True,
                       capture_output=True, env=env)
        walls.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    print(f"cold ask: wall s median {statistics.median(walls):.2f} (min {min(walls):.2f}), "
          f"CPU s median {statistics.median(cpus):.2f}, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
