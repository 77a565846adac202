"""Server mode: vectors on a real `chroma run` server; ingest, ask, prune, and a server
that is not there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.reliability.conftest import ChromaServer, cli, free_port

pytestmark = pytest.mark.slow

QUESTION = "What is a one stop shop?"


def _server_collections(url: str) -> list[str]:
    from ingest.store import http_client

    return sorted(c if isinstance(c, str) else c.name for c in http_client(url).list_collections())


def test_ingest_and_ask_against_a_chroma_server(chroma_server: ChromaServer, guidance_data_dir: Path,
                                                 tmp_path: Path, embedders) -> None:  # type: ignore[no-untyped-def]
    from assistant import Assistant
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from ingest.store import current

    url = chroma_server.url
    data = tmp_path / "data"
    settings = Settings.load(data_dir=data, chroma_url=url)
    r1 = ingest([CORPUS], settings, embedders=embedders, progress=False)
    gen = current(data)
    assert gen is not None and gen.name == r1.generation
    m = gen.manifest()
    assert m["store"] == "http" and m["chroma_url"] == url
    names = [e["store_collection"] for e in m["embedders"]]
    assert names == [f"g{gen.name}--passages", f"g{gen.name}--passages--multilingual-e5-small"]
    assert _server_collections(url) == sorted(names)
    assert not (gen.path / "chroma").exists()  # no embedded store in server mode

    # the same answers as the embedded store gives
    served = Assistant(settings).ask(QUESTION)
    local = Assistant.open(guidance_data_dir).ask(QUESTION)
    assert served.retrieved[0][0] == local.retrieved[0][0] == "key-entry-points-and-strategies#st-3.6"
    assert served.answer == local.answer and served.citations

    # no url configured: the reader uses the manifest's
    assert Assistant(Settings.load(data_dir=data, chroma_url="")).ask(QUESTION).answer == served.answer

    # unchanged input: nothing to do; --rebuild twice: the oldest generation's collections go
    assert ingest([CORPUS], settings, embedders=embedders, progress=False).embedded == 0
    r2 = ingest([CORPUS], settings, embedders=embedders, rebuild=True, progress=False)
    r3 = ingest([CORPUS], settings, embedders=embedders, rebuild=True, progress=False)
    live = _server_collections(url)
    assert not any(n.startswith(f"g{r1.generation}--") for n in live)
    assert {n.split("--")[0] for n in live} == {f"g{r2.generation}", f"g{r3.generation}"}
    assert sorted(p.name for p in (data / "generations").iterdir()) == sorted([r2.generation, r3.generation])

    # the CLI against the server
    out = cli("ask", QUESTION, "--json", "--data-dir", str(data), "--chroma-url", url)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["answer"] == served.answer


def test_server_stopped_after_ingest(chroma_server: ChromaServer, tmp_path: Path, embedders) -> None:  # type: ignore[no-untyped-def]
    from assistant import Assistant
    from ingest.errors import StoreUnavailableError
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    data = tmp_path / "data"
    settings = Settings.load(data_dir=data, chroma_url=chroma_server.url)
    ingest([CORPUS], settings, embedders=embedders, progress=False)
    a = Assistant(settings)
    assert a.ask(QUESTION).citations
    chroma_server.stop()
    # an open assistant: the next question fails with one clear line naming the server
    with pytest.raises(StoreUnavailableError, match=chroma_server.url):
        a.ask("How can treaty-body reviews be used to press the security sector?")
    with pytest.raises(StoreUnavailableError, match=chroma_server.url):
        Assistant(settings)
    out = cli("ask", QUESTION, "--data-dir", str(data), "--chroma-url", chroma_server.url)
    assert out.returncode == 4
    assert chroma_server.url in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1


def test_unreachable_server_on_ingest(tmp_path: Path) -> None:
    from ingest.errors import StoreUnavailableError
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    data = tmp_path / "data"
    with pytest.raises(StoreUnavailableError, match=url.replace(".", r"\.")):
        ingest([CORPUS], Settings.load(data_dir=data, chroma_url=url), embedders=[], progress=False)
    assert not (data / "generations").exists() or not any((data / "generations").iterdir())
    out = cli("ingest", str(CORPUS), "--data-dir", str(data), "--chroma-url", url, "-q")
    assert out.returncode == 4, out.stderr  # EXIT_STORE_UNAVAILABLE
    assert out.stderr.startswith("error: cannot reach the Chroma server at " + url)
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    bad = cli("ingest", str(CORPUS), "--data-dir", str(data), "--chroma-url", "ftp://x", "-q")
    assert bad.returncode != 0 and "chroma-url" in bad.stderr and "Traceback" not in bad.stderr
