"""Privacy: ingest, ask, chat and the web UI make no outbound connection, and questions are
not written to disk. Two independent checks on the same runs:

- a sitecustomize.py blocks (and records) every non-loopback connect/getaddrinfo made from
  Python, at the socket level;
- every process runs under ``strace -f -e trace=connect,sendto,sendmsg``, which also sees
  native code (onnxruntime's own telemetry made DNS lookups for
  mobile.events.data.microsoft.com, invisible to the Python guard): no connect or send to
  a non-loopback address, none to port 53 or a resolver.

HOME is a fresh temporary directory; afterwards nothing telemetry-like may be in it
(onnxruntime's ~/.cache/Microsoft/DeveloperTools queue, posthog, analytics ids...)."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import signal
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


STRACE = shutil.which("strace") or "/usr/bin/strace"
TELEMETRY_LIKE = re.compile(r"microsoft|onnxruntime|posthog|telemetry|analytics|deviceid|machine.?id"
                            r"|\.gradio/|huggingface", re.IGNORECASE)
_ADDR4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
_ADDR6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')
_UNIX = re.compile(r'sun_path="([^"]+)"')


def _nameservers() -> set[str]:
    try:
        text = Path("/etc/resolv.conf").read_text()
    except OSError:
        return set()
    return {line.split()[1] for line in text.splitlines() if line.startswith("nameserver ")
            and len(line.split()) > 1}


def network_calls(log: Path) -> tuple[list[str], list[str]]:
    """(non-loopback connects/sends, DNS traffic) in an strace log."""
    outbound, dns = [], []
    servers = _nameservers()
    for line in log.read_text(errors="replace").splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg)\(", line):
            continue
        for port, addr in _ADDR4.findall(line) + _ADDR6.findall(line):
            ip = ipaddress.ip_address(addr)
            mapped = getattr(ip, "ipv4_mapped", None)
            loopback = ip.is_loopback or (mapped is not None and mapped.is_loopback) or ip.is_unspecified
            if port == "53" or addr in servers:
                dns.append(line)
            elif not loopback:
                outbound.append(line)
        for path in _UNIX.findall(line):
            if "resolve" in path or "nscd" in path:  # systemd-resolved / nscd host lookups
                dns.append(line)
    return outbound, dns


def traced(argv: list[str], log: Path) -> list[str]:
    return [STRACE, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(log), *argv]


def stop_traced(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGTERM the traced program (strace itself does not pass the signal on), then wait."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    try:
        pids = [int(x) for x in children.read_text().split()]
    except OSError:
        pids = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(30)


def _grep(root: Path, needle: bytes) -> list[str]:
    hits = []
    for f in root.rglob("*"):
        try:
            if f.is_file() and not f.is_symlink() and needle in f.read_bytes():
                hits.append(str(f))
        except OSError:
            pass
    return hits


def test_strace_log_parser_sees_outbound_and_dns(tmp_path: Path) -> None:
    """The parser is not blind: a native-looking connect out and a DNS query are found."""
    if not Path(STRACE).is_file():
        pytest.fail(f"{STRACE} is missing: apt-get install -y strace (make test does)", pytrace=False)
    log = tmp_path / "probe.strace"
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.sendto(b'x', ('192.0.2.7', 53))\n"
            "t = socket.socket(); t.setblocking(False)\n"
            "t.connect_ex(('198.51.100.9', 443))\n"
            "u = socket.socket(); u.connect_ex(('127.0.0.1', 9))\n")
    subprocess.run(traced([sys.executable, "-c", code], log), check=True, timeout=60)
    outbound, dns = network_calls(log)
    assert any("198.51.100.9" in x for x in outbound) and not any("127.0.0.1" in x for x in outbound)
    assert any("192.0.2.7" in x for x in dns)


def test_no_outbound_connections_and_no_questions_on_disk(index_copy: Path, tmp_path: Path) -> None:
    if not Path(STRACE).is_file():
        pytest.fail(f"{STRACE} is missing: apt-get install -y strace (make test does)", pytrace=False)
    site, home, tmp = tmp_path / "site", tmp_path / "home", tmp_path / "tmp"
    for d in (site, home, tmp):
        d.mkdir()
    (site / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_", "GRADIO_"))}
    env |= {"PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "EVAW_NET_LOG": str(log), "HOME": str(home),
            "TMPDIR": str(tmp), "EVAW_DATA_DIR": str(index_copy)}
    # drop the variables the project sets itself, to test its own defaults
    for k in ("HF_HUB_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED",
              "ORT_DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        env.pop(k, None)
    logs: list[Path] = []

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        logs.append(tmp_path / f"{args[0]}-{len(logs)}.strace")
        return subprocess.run(traced([sys.executable, "-m", "ui.cli", *args], logs[-1]), cwd=ROOT,
                              env=env, text=True, capture_output=True, input=stdin, timeout=300)

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
    logs.append(tmp_path / "serve.strace")
    with open(tmp_path / "serve.log", "wb") as f:
        srv = subprocess.Popen(traced([sys.executable, "-m", "ui.cli", "serve", "--port", str(port)],
                                      logs[-1]), cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 180, srv)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for q in ("how can treaty-body reviews be used?", "what is a one stop shop?",
                  "would recruiting more women officers help?"):
            d = client.predict(f"{TOKEN} {q}", "[]", api_name="/ask")
            assert d["citations"]
        time.sleep(5)  # onnxruntime's telemetry used to flush within seconds of a question
    finally:
        stop_traced(srv)

    for log_file in logs:
        outbound, dns = network_calls(log_file)
        assert outbound == [], f"{log_file.name}: non-loopback network calls:\n" + "\n".join(outbound[:5])
        assert dns == [], f"{log_file.name}: DNS lookups:\n" + "\n".join(dns[:5])
    assert "connect(" in logs[-1].read_text()  # strace saw the server's own loopback traffic
    telemetry = [str(p.relative_to(home)) for p in home.rglob("*") if TELEMETRY_LIKE.search(str(p))]
    assert telemetry == [], f"telemetry-like files under HOME: {telemetry}"
    loaded = (tmp_path / "net.log.loaded").read_text().split()
    assert len(loaded) >= 5  # probe, ingest, ask, chat, serve all ran under the guard
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"outbound connection attempts:\n{attempts}"
    for root in (index_copy, home, tmp):
        assert _grep(root, TOKEN.encode()) == [], f"question text written under {root}"
    assert TOKEN not in (tmp_path / "serve.log").read_text(errors="replace")  # nor logged
