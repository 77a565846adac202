"""The web server refuses what it should before parsing: upload routes (nothing written to
Gradio's temp folder), bodies over the limit (declared or streamed), each with a JSON
error body and one console line without traceback or question text."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.server_guard import DEFAULT_MAX_REQUEST_BYTES

pytestmark = pytest.mark.slow  # starts a real server

MARKER = b"zqxupload5521"


@pytest.fixture(scope="module")
def guarded(assistant: Any) -> Iterator[Any]:
    from tests.ui.conftest import start_server

    srv = start_server(assistant)
    yield srv
    srv.app.close()


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


def _raw_post(port: int, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    """Send the headers and as much of the body as the server takes; read its answer (a
    refused request is answered without reading the body, so sending may break off)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode())
        with contextlib.suppress(OSError):
            s.sendall(body[:65536])
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, payload = reply.decode().partition("\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


def _multipart(name: str, payload: bytes) -> tuple[bytes, str]:
    b = "evawboundary"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + payload + f"\r\n--{b}--\r\n".encode()
    return body, f"multipart/form-data; boundary={b}"


def _files_holding(root: Path, needle: bytes) -> list[str]:
    hits = []
    for f in root.rglob("*") if root.is_dir() else []:
        try:
            if f.is_file() and needle in f.read_bytes():
                hits.append(str(f))
        except OSError:
            pass
    return hits


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/upload/", "//gradio_api//upload",
                                  "/upload"])
@pytest.mark.parametrize("size", [100, 3_000_000])
def test_upload_routes_are_refused_and_nothing_is_written(guarded: Any, path: str, size: int,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    from gradio.utils import get_upload_folder

    body, ctype = _multipart("note.txt", MARKER * (size // len(MARKER)))
    capfd.readouterr()
    status, data = _raw_post(guarded.port, path, body, ctype)
    assert status == 403 and "uploads are disabled" in data["error"]
    assert _files_holding(Path(get_upload_folder()), MARKER) == []
    err = capfd.readouterr().err
    assert err.count("rejected POST") == 1 and "Traceback" not in err


def test_oversized_declared_body_is_refused_unread(guarded: Any,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    """300 MB announced, 20 bytes sent: the answer comes at once (nothing waits for or
    parses the body)."""
    capfd.readouterr()
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as s:
        s.sendall(b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 300000000\r\n\r\n{\"data\": [\"zqxq")
        reply = s.recv(65536).decode()
    head, _, body = reply.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413")
    assert f"{DEFAULT_MAX_REQUEST_BYTES:,} bytes" in json.loads(body)["error"]
    err = capfd.readouterr().err
    assert err.count("rejected POST /gradio_api/call/ask") == 1
    assert "zqxq" not in err and "Traceback" not in err


def test_oversized_streamed_body_is_refused(guarded: Any) -> None:
    """No Content-Length (chunked): counted as it streams, refused once past the limit."""
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=30) as s:
        s.sendall(b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"a" * 100_000
        for _ in range(DEFAULT_MAX_REQUEST_BYTES // len(chunk) + 2):  # just past the limit
            s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        reply = b""
        while not reply.rstrip().endswith(b"}"):
            got = s.recv(65536)
            if not got:
                break
            reply += got
    head, _, body = reply.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413") and "too large" in json.loads(body)["error"]


def test_requests_under_the_limit_still_work(guarded: Any) -> None:
    from gradio_client import Client

    d = Client(guarded.url, verbose=False).predict("What is a one stop shop?", "[]", api_name="/ask")
    assert d["citations"]


def test_api_refusals_are_one_line_without_traceback(guarded: Any,
                                                     capfd: pytest.CaptureFixture[str]) -> None:
    from gradio_client import Client

    client = Client(guarded.url, verbose=False)
    capfd.readouterr()
    with pytest.raises(Exception, match="limit is 2,000"):
        client.predict("zqxlong " * 400, "[]", api_name="/ask")
    with pytest.raises(Exception, match="history_json"):
        client.predict("what is a one stop shop?", "{not json", api_name="/ask")
    err = capfd.readouterr().err
    assert err.count("rejected POST /ask") == 2, err
    assert "Traceback" not in err and "zqxlong" not in err


def test_lone_surrogates_over_the_api_get_an_answer(guarded: Any) -> None:
    """JSON "\\ud800" escapes in the question or history used to return {"error": null}."""
    history = json.dumps([{"role": "user", "content": "hello \udcff"},
                          {"role": "assistant", "content": "hi"}])
    body = json.dumps({"data": ["what is a one stop shop \ud800?", history]}).encode()  # ASCII escapes
    status, data = _post(guarded.port, "/gradio_api/call/ask", body, {"Content-Type": "application/json"})
    assert status == 200, data
    conn = http.client.HTTPConnection("127.0.0.1", guarded.port, timeout=60)
    try:
        conn.request("GET", f"/gradio_api/call/ask/{data['event_id']}")
        stream = conn.getresponse().read().decode()
    finally:
        conn.close()
    assert "event: complete" in stream, stream[-500:]
    payload = json.loads(stream.split("event: complete", 1)[1].split("data:", 1)[1].splitlines()[0])
    assert payload[0]["citations"] and "\ufffd" in payload[0]["question"]
