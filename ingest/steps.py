"""The step boundaries of an ingest, named, with a test hook that stops the process at one.

Ingest must survive being killed anywhere: ``tests/reliability/test_kill_every_step.py``
runs it once per boundary with ``EVAW_INGEST_FAULT=<step>`` (SIGKILL there) or
``EVAW_INGEST_FAULT=<step>:enospc`` (a "No space left on device" error there) and checks
that the published index and every document in it survive, and that the next ingest
publishes. ``STEPS`` is every boundary an ingest that builds a generation passes, in
order; the test checks a real ingest reaches exactly these.
"""

from __future__ import annotations

import errno
import os
import signal

FAULT_ENV = "EVAW_INGEST_FAULT"

STEPS: tuple[str, ...] = (
    "inputs-read",          # every input validated and parsed; nothing written yet
    "locked",               # the data directory's ingest lock is held
    "generation-created",   # generations/<new>/ with store.json exists
    "query-model-ready",    # models/minilm-onnx-*/ exported or re-validated (ingest embeds with it)
    "vectors-embedded",     # new passages embedded (in memory)
    "documents-written",    # docs/<doc>.txt written
    "collection-1-written",  # the first embedder's Chroma collection
    "collection-2-written",  # the second's
    "sentences-written",    # sentences/<doc>.npz
    "passages-written",     # passages.jsonl
    "manifest-written",     # manifest.json
    "complete-marked",      # COMPLETE
    "synced",               # every file of the generation fsynced
    "previous-recorded",    # PREVIOUS names the generation being replaced
    "pointer-written",      # CURRENT.tmp written and fsynced
    "published",            # CURRENT replaced: the new generation is live
    "pruned",               # generations other than CURRENT and PREVIOUS removed
)


def reached(name: str) -> None:
    """Called at each boundary; does nothing unless ``EVAW_INGEST_FAULT`` names it."""
    spec = os.environ.get(FAULT_ENV, "")
    if not spec:
        return
    step, _, action = spec.partition(":")
    if step != name:
        return
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f"(simulated at step {name})")
    os.kill(os.getpid(), signal.SIGKILL)
