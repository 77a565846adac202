"""Several first questions at once on a freshly opened Assistant: no false "index is
damaged" (chromadb's client start-up raced between threads; 4 of 5 fresh processes failed).
Each run is a fresh process, because the race is in process-wide state."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent('''
    import sys, threading
    from assistant import Assistant

    a = Assistant.open(sys.argv[1])
    questions = ["What is a one stop shop?", "Would recruiting more women officers help?",
                 "How can treaty-body reviews be used?", "what are the four main areas?"]
    errors, answered = [], []
    barrier = threading.Barrier(8)

    def ask(i):
        barrier.wait()
        try:
            answered.append(bool(a.ask(questions[i % 4]).citations))
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"answered={sum(answered)} errors={len(errors)}")
    for e in errors[:3]:
        print(e)
''')


@pytest.mark.parametrize("run", range(4))
def test_eight_first_questions_at_once_in_a_fresh_process(run: int, index_copy: Path) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(index_copy)], cwd=ROOT, text=True,
                         capture_output=True, timeout=300,
                         env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "answered=8 errors=0" in out.stdout, out.stdout
