"""Measure: ``evaw-guide serve`` under strace, answering questions for N seconds; prints the
questions answered, non-loopback connects/sends, DNS lookups and files written under a
fresh HOME. ``python -m tests.reliability.strace_serve --seconds 60 --data-dir DIR``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.reliability.test_privacy import TELEMETRY_LIKE, network_calls, stop_traced, traced
from tests.servers import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["What is a one stop shop?", "Would recruiting more women officers help?",
             "How can treaty-body reviews be used?", "what are the four main areas?"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--data-dir", required=True)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="evaw-strace-"))
    home, log = work / "home", work / "serve.strace"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "GRADIO_", "ORT_"))}
    env |= {"HOME": str(home), "PYTHONPATH": str(ROOT), "EVAW_DATA_DIR": args.data_dir}
    port = free_port()
    srv = subprocess.Popen(traced([sys.executable, "-m", "ui.cli", "serve", "--port", str(port)], log),
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    n = 0
    try:
        wait_http(f"http://127.0.0.1:{port}/", 180, srv)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        t0 = time.monotonic()
        while time.monotonic() - t0 < args.seconds:
            client.predict(QUESTIONS[n % len(QUESTIONS)], "[]", api_name="/ask")
            n += 1
    finally:
        stop_traced(srv)
    outbound, dns = network_calls(log)
    files = [str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()]
    print(f"questions answered: {n} in {args.seconds:.0f} s")
    print(f"connect() calls seen: {log.read_text().count('connect(')} (all loopback unless listed)")
    print(f"non-loopback connects/sends: {len(outbound)}; DNS lookups: {len(dns)}")
    print(f"files under HOME: {files}; telemetry-like: {[f for f in files if TELEMETRY_LIKE.search(f)]}")
    for line in (outbound + dns)[:10]:
        print("  ", line)


if __name__ == "__main__":
    main()
