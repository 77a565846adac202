"""Privacy: ingest, ask, chat and the web UI make no outbound connection, and questions are
not written to disk. Subprocesses load a sitecustomize.py that blocks (and records) every
non-loopback connect/getaddrinfo at the socket level."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.reliability.conftest import ROOT, free_port, wait_http

pytestmark = pytest.mark.slow

TOKEN = "zqxprivacy7781"
GUARD = textwrap.dedent('''
    """Installed by tests/reliability/test_privacy.py: no outbound connections."""
    import ipaddress
    import os
    import socket

    _LOG = os.environ["EVAW_NET_LOG"]
    with open(os.environ["EVAW_NET_LOG"] + ".loaded", "a") as _f:
        _f.write(f"{os.getpid()}\\n")


    def _loopback(host):
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).strip("[]").split("%")[0]
        if host in ("localhost", "", "ip6-localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


    def _blocked(kind, what):
        with open(_LOG, "a") as f:
            f.write(f"{os.getpid()} {kind} {what!r}\\n")
        return OSError(f"outbound connection blocked by the privacy test: {what!r}")


    _connect, _connect_ex, _gai = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise _blocked("connect", address)
        return _connect(self, address)


    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise _blocked("connect_ex", address)
        return _connect_ex(self, address)


    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            raise socket.gaierror(str(_blocked("getaddrinfo", host)))
        return _gai(host, *args, **kwargs)


    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
''')


def _grep(root: Path, needle: bytes) -> list[str]:
    hits = []
    for f in root.rglob("*"):
        try:
            if f.is_file() and not f.is_symlink() and needle in f.read_bytes():
                hits.append(str(f))
        except OSError:
            pass
    return hits


def test_no_outbound_connections_and_no_questions_on_disk(index_copy: Path, tmp_path: Path) -> None:
    site, home, tmp = tmp_path / "site", tmp_path / "home", tmp_path / "tmp"
    for d in (site, home, tmp):
        d.mkdir()
    (site / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_", "GRADIO_"))}
    env |= {"PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "EVAW_NET_LOG": str(log), "HOME": str(home),
            "TMPDIR": str(tmp), "EVAW_DATA_DIR": str(index_copy)}
    # drop the variables the project sets itself, to test its own defaults
    for k in ("HF_HUB_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED"):
        env.pop(k, None)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=env, text=True,
                              capture_output=True, input=stdin, timeout=300)

    # the guard works: an outbound attempt is blocked and recorded
    probe = subprocess.run([sys.executable, "-c",
                            "import socket; socket.create_connection(('93.184.216.34', 80), 2)"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "blocked by the privacy test" in probe.stderr
    assert "93.184.216.34" in log.read_text()
    log.unlink()

    out = run("ingest", str(CORPUS), "--rebuild", "-q")
    assert out.returncode == 0, out.stderr
    out = run("ask", f"{TOKEN} what is a one stop shop?")
    assert out.returncode == 0, out.stderr
    out = run("chat", stdin=f"{TOKEN} would recruiting more women officers help?\n"
                            f"and why does that matter {TOKEN}?\n\n")
    assert out.returncode == 0, out.stderr
    assert "[1]" in out.stdout

    port = free_port()
    with open(tmp_path / "serve.log", "wb") as f:
        srv = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 120, srv)
        from gradio_client import Client

        d = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            f"{TOKEN} how can treaty-body reviews be used?", "[]", api_name="/ask")
        assert d["citations"]
        time.sleep(1)
    finally:
        srv.terminate()
        srv.wait(30)

    loaded = (tmp_path / "net.log.loaded").read_text().split()
    assert len(loaded) >= 5  # probe, ingest, ask, chat, serve all ran under the guard
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"outbound connection attempts:\n{attempts}"
    for root in (index_copy, home, tmp):
        assert _grep(root, TOKEN.encode()) == [], f"question text written under {root}"
    assert TOKEN not in (tmp_path / "serve.log").read_text(errors="replace")  # nor logged
