"""Fixtures for the web UI tests: one real index, one real server, one real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import free_port, wait_http

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]


@dataclass
class Server:
    url: str
    port: int
    app: Any


def start_server(assistant: Any, settings: Any = None) -> Server:
    from ui.web import build_app, launch

    app = build_app(assistant, settings)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True)
    url = f"http://127.0.0.1:{port}/"
    wait_http(url)
    return Server(url=url, port=port, app=app)


FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def ui_data_dir(guidance_data_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                embedders: Any) -> Path:
    """A two-document index: the guidance (its vectors reused from the session's index)
    and a small made-up document (tests/ui/fixtures), so scope, Browse and citations are
    exercised with more than one document."""
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from tests.conftest import CORPUS

    data = tmp_path_factory.mktemp("ui-index") / "data"
    shutil.copytree(guidance_data_dir, data)
    ingest([CORPUS, FIXTURES], Settings.load(data_dir=data), embedders=embedders, progress=False)
    return data


@pytest.fixture(scope="session")
def ui_assistant(ui_data_dir: Path) -> Any:
    from assistant import Assistant

    return Assistant.open(ui_data_dir)


@pytest.fixture(scope="session")
def server(ui_assistant: Any) -> Iterator[Server]:
    srv = start_server(ui_assistant)
    yield srv
    srv.app.close()


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server started before any index exists."""
    from ingest.settings import Settings

    srv = start_server(None, Settings.load(data_dir=tmp_path_factory.mktemp("no-index")))
    yield srv
    srv.app.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if os.environ.get("EVAW_SKIP_BROWSER") == "1":
        pytest.skip("EVAW_SKIP_BROWSER=1")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) "
            "or set EVAW_SKIP_BROWSER=1 to skip the browser tests.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def save_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    """Screenshot into the test's tmp dir; also into docs/ when EVAW_UPDATE_SCREENSHOTS=1."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("EVAW_UPDATE_SCREENSHOTS") == "1":
        docs = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, docs / f"{name}.png")
    return path


@pytest.fixture
def shoot(tmp_path: Path) -> Any:
    return lambda page, name: save_screenshot(page, tmp_path, name)


def axe_serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]} "
            f"{v['nodes'][0].get('failureSummary', '')[:200]}"
            for v in found if v.get("impact") in ("serious", "critical")]
