"""The telemetry switches are set before any library that reads them is imported, by every
way into the project (web, Python API, ingest, evaluation; the CLI calls it first in main(),
checked end to end by test_privacy.py), and a user's environment
cannot turn them back on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ingest.settings import TELEMETRY_OFF
from tests.reliability.conftest import ROOT

pytestmark = pytest.mark.slow  # a fresh interpreter per entry point

PROBE = """
import sys
{imports}
import os
assert "onnxruntime" not in sys.modules or os.environ.get("ORT_DISABLE_TELEMETRY") == "1"
import onnxruntime  # what a later question would do
import json
print(json.dumps({{k: os.environ.get(k) for k in {keys!r}}}))
"""


@pytest.mark.parametrize("imports", ["import ui.web", "from assistant import Assistant",
                                     "import ingest.pipeline", "import eval", "import ingest.embed"])
def test_every_entry_point_turns_telemetry_off_first(imports: str) -> None:
    import json

    hostile = {k: "1" if v in ("false", "False", "none") else "0" for k, v in TELEMETRY_OFF.items()}
    out = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports, keys=list(TELEMETRY_OFF))],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=os.environ | hostile | {"PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-1500:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == TELEMETRY_OFF
