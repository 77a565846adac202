"""Concurrent clients against the real web UI server's /ask API (loopback only).

Starts ``ui.web`` on a free 127.0.0.1 port (or uses ``--url`` of a running one), runs N
``gradio_client`` clients at once, each asking its own sequence of questions with its own
history (follow-ups), and checks every answer against a direct ``Assistant.ask`` with the
same question and history: same top passage, same answer text (no cross-talk between
conversations). Prints p50/p95 latency and errors; exits 1 on any error or mismatch.

    .venv/bin/python -m benchmarks.load [--clients 16] [--questions 10] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

QUESTIONS = [
    "Would recruiting more women officers help?",
    "What is a one stop shop?",
    "How can a revision of the police act put gender-based violence on the agenda?",
    "Is a change in leadership a good moment to push for reform?",
    "How can treaty-body reviews be used to press the security sector?",
    "What are the four main areas?",
    "Why does stakeholder consultation matter?",
    "How can civil society hold the police accountable?",
    "What should training for police officers cover?",
    "How can data on violence against women be improved?",
    "What role do peacekeeping missions play?",
    "How can budgets support survivors?",
]
FOLLOW_UPS = ["and why does that matter?", "can you say more about that?", "what else?"]


def conversation(client_no: int, n: int) -> list[str]:
    """Client ``client_no``'s questions: a rotation of QUESTIONS with follow-ups mixed in,
    so clients ask different things at the same moment."""
    out: list[str] = []
    i = client_no
    while len(out) < n:
        out.append(QUESTIONS[i % len(QUESTIONS)])
        if len(out) < n and (i + client_no) % 3 == 0:
            out.append(FOLLOW_UPS[(i + client_no) % len(FOLLOW_UPS)])
        i += 1
    return out


@dataclass
class Result:
    client: int
    turn: int
    question: str
    history: list[dict[str, str]]
    seconds: float
    answer: dict[str, Any] | None = None
    error: str = ""


@dataclass
class LoadReport:
    results: list[Result] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def errors(self) -> list[Result]:
        return [r for r in self.results if r.error]

    def latency(self, q: float) -> float:
        xs = sorted(r.seconds for r in self.results if not r.error)
        return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))] * 1000 if xs else float("nan")

    def summary(self) -> str:
        n = len(self.results)
        return (f"requests {n}, answered {n - len(self.errors)}, errors {len(self.errors)}, "
                f"mismatches {len(self.mismatches)}; latency p50 {self.latency(0.5):.0f} ms, "
                f"p95 {self.latency(0.95):.0f} ms, max {self.latency(1.0):.0f} ms; "
                f"wall {self.wall_s:.1f} s, {n / self.wall_s if self.wall_s else 0:.1f} req/s")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(assistant: Any) -> tuple[str, Callable[[], None]]:
    """The real UI app on a free loopback port; returns its URL and a stop function."""
    import urllib.request

    from ui.web import build_app, launch

    app = build_app(assistant)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return url, app.close


def run_load(url: str, clients: int, questions: int, timeout_s: float = 300.0) -> LoadReport:
    """``clients`` threads, one gradio_client each, asking ``questions`` questions in turn."""
    from gradio_client import Client

    if not url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise ValueError("load tests run against loopback servers only")
    report = LoadReport()
    lock = threading.Lock()
    deadline = time.monotonic() + timeout_s

    def one(c: int) -> None:
        client = Client(url, verbose=False)
        history: list[dict[str, str]] = []
        for t, q in enumerate(conversation(c, questions)):
            if time.monotonic() > deadline:
                res = Result(c, t, q, list(history), 0.0, error="not asked: time limit reached")
                with lock:
                    report.results.append(res)
                continue
            t0 = time.perf_counter()
            res = Result(c, t, q, list(history), 0.0)
            try:
                res.answer = client.predict(q, json.dumps(history), api_name="/ask")
            except Exception as e:  # every failure is counted, none stops the others
                res.error = f"{type(e).__name__}: {e}"
            res.seconds = time.perf_counter() - t0
            with lock:
                report.results.append(res)
            if res.answer is not None:
                history += [{"role": "user", "content": q},
                            {"role": "assistant", "content": str(res.answer["answer"])}]

    t0 = time.perf_counter()
    threads = [threading.Thread(target=one, args=(c,), daemon=True) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()) + 5)
    report.wall_s = time.perf_counter() - t0
    if any(th.is_alive() for th in threads):
        report.mismatches.append("some clients were still running at the time limit")
    return report


def top(d: dict[str, Any]) -> str | None:
    """The top retrieved passage id of an ``Answer.to_dict()``."""
    if not d["retrieved"]:
        return None
    first = d["retrieved"][0]
    return str(first["passage_id"] if isinstance(first, dict) else first[0])


def check_answers(report: LoadReport, assistant: Any) -> None:
    """Each served answer equals a direct Assistant.ask with that client's question and
    history: same top passage, same answer text, same citations."""
    for r in report.results:
        if r.answer is None:
            continue
        direct = assistant.ask(r.question, r.history).to_dict()
        got = r.answer
        if (top(got), got["answer"], [c["passage_id"] for c in got["citations"]]) != (
                top(direct), direct["answer"], [c["passage_id"] for c in direct["citations"]]):
            report.mismatches.append(
                f"client {r.client} turn {r.turn} {r.question!r}: served top {top(got)} "
                f"vs direct {top(direct)}")
        if got["question"] != direct["question"]:
            report.mismatches.append(f"client {r.client} turn {r.turn}: answer is for "
                                     f"{got['question']!r}, not {r.question!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description="Concurrent /ask clients against the web UI server.")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=600.0, help="overall time limit, seconds")
    ap.add_argument("--data-dir", type=Path, default=None)
    a = ap.parse_args()
    if not 1 <= a.clients <= 64 or not 1 <= a.questions <= 50:
        sys.exit("--clients must be 1..64 and --questions 1..50")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from assistant import Assistant
    from ingest.settings import Settings

    assistant = Assistant(Settings.load(data_dir=a.data_dir))
    assistant.ask(QUESTIONS[0])  # warm the models before timing
    url, stop = start_server(assistant)
    try:
        report = run_load(url, a.clients, a.questions, a.timeout)
    finally:
        stop()
    check_answers(report, assistant)
    print(f"{a.clients} clients x {a.questions} questions against {url}")
    print(report.summary())
    for r in report.errors[:10]:
        print(f"  error: client {r.client} turn {r.turn}: {r.error}")
    for m in report.mismatches[:10]:
        print(f"  mismatch: {m}")
    sys.exit(1 if report.errors or report.mismatches else 0)


if __name__ == "__main__":
    main()
