"""The real server: the /ask API through gradio_client, privacy of the served page, binding."""

from __future__ import annotations

import json
import re
import socket
import urllib.request
from typing import Any

import pytest

from tests.servers import free_port

pytestmark = pytest.mark.slow

QUESTION = "Would recruiting more women officers help?"
CONTRACT = {"question", "answer", "abstained", "citations", "retrieved", "timings_ms", "notice",
            "suggestions", "resolved_query", "answerer", "checks"}
CITATION = {"marker", "passage_id", "doc_id", "label", "quote", "text", "source_url", "start",
            "end", "quote_start", "quote_end", "breadcrumb"}


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def test_api_ask_returns_the_answer_contract(server: Any) -> None:
    client = _client(server.url)
    d = client.predict(QUESTION, "[]", api_name="/ask")
    assert isinstance(d, dict)
    assert set(d) >= CONTRACT
    assert d["abstained"] is False
    assert d["citations"], d
    for c in d["citations"]:
        assert set(c) >= CITATION
        assert c["quote"] in c["text"]
        assert f"[{c['marker']}]" in d["answer"]
    assert any("recruit" in c["text"].lower() for c in d["citations"])

    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": d["answer"]}]
    d2 = client.predict("why does that matter?", json.dumps(history), api_name="/ask")
    assert d2["question"] == "why does that matter?"
    assert d2["citations"] or d2["abstained"]
    assert d2["resolved_query"]


def test_api_ask_rejects_bad_input_with_clear_errors(server: Any) -> None:
    client = _client(server.url)
    with pytest.raises(Exception, match=r"(?i)question.*empty"):
        client.predict("   ", "[]", api_name="/ask")
    with pytest.raises(Exception, match=r"(?i)not valid JSON"):
        client.predict(QUESTION, "[{oops", api_name="/ask")
    with pytest.raises(Exception, match=r"(?i)history"):
        client.predict(QUESTION, '[{"role": "system", "content": 1}]', api_name="/ask")
    # an empty history string is the same as no history
    assert client.predict(QUESTION, "", api_name="/ask")["citations"]


def test_only_ask_is_a_public_endpoint(server: Any) -> None:
    info = _client(server.url).view_api(print_info=False, return_format="dict")
    assert set(info["named_endpoints"]) == {"/ask"}


EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']https?://(?!127\.0\.0\.1|localhost)|@import\s+url\(\s*["']?https?://|"""
    r"fonts\.googleapis|fonts\.gstatic|googletagmanager|google-analytics|api\.gradio\.app",
    re.IGNORECASE,
)


def test_page_loads_nothing_from_external_hosts(server: Any) -> None:
    page = _get(server.url)
    config = _get(server.url + "config")
    theme = _get(server.url + "theme.css")
    for name, text in (("page", page), ("config", config), ("theme.css", theme)):
        hits = [m.group(0) for m in EXTERNAL.finditer(text)]
        assert not hits, f"{name} references external hosts: {hits}"
    assert "Questions stay on this machine; nothing is logged." in config
    cfg = json.loads(config)
    assert cfg.get("analytics_enabled") is False
    assert cfg.get("run_history") is False


def _non_loopback_ip() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP connect sends nothing
            ip = str(s.getsockname()[0])
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def test_server_is_bound_to_loopback_only(server: Any) -> None:
    assert server.app.server_name == "127.0.0.1"
    assert server.app.local_url.startswith("http://127.0.0.1:")
    assert not server.app.share and server.app.share_url is None
    ip = _non_loopback_ip()
    if ip is not None:
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((ip, server.port)) != 0, f"reachable on {ip}:{server.port}"


def test_no_index_shows_a_clear_message(empty_server: Any) -> None:
    config = _get(empty_server.url + "config")
    assert "No index: run `evaw-guide ingest`".replace("`", "") in config.replace("`", "")
    with pytest.raises(Exception, match="No index"):
        _client(empty_server.url).predict(QUESTION, "[]", api_name="/ask")


def test_index_deleted_while_serving_shows_a_clear_message(server: Any, ui_data_dir: Any) -> None:
    pointer = ui_data_dir / "CURRENT"
    saved = pointer.read_text()
    client = _client(server.url)
    pointer.unlink()
    try:
        with pytest.raises(Exception, match="No index"):
            client.predict(QUESTION, "[]", api_name="/ask")
    finally:
        pointer.write_text(saved)
    assert client.predict(QUESTION, "[]", api_name="/ask")["citations"]


def test_serve_runs_the_app_until_stopped(ui_data_dir: Any) -> None:
    """``serve`` (what `evaw-guide serve` calls) in its own process, as a user runs it."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    port = free_port()
    code = ("import sys; from ingest.settings import Settings; from ui.web import serve; "
            "serve(Settings.load(data_dir=sys.argv[1]), port=int(sys.argv[2]))")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", code, str(ui_data_dir), str(port)], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                page = _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.3)
        assert "<html" in page.lower()
        assert "No index" not in _get(f"http://127.0.0.1:{port}/config")
        client = _client(f"http://127.0.0.1:{port}/")
        assert client.predict(QUESTION, "[]", api_name="/ask")["citations"]
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in out
    assert QUESTION not in out  # questions are not logged


