"""The web UI with a configured language model (real SmolLM2 in process): the answer
streams, then the checked answer (or the extractive fallback with its notice) replaces it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import Server, start_server

pytestmark = pytest.mark.slow
BOT = "#evaw-chat [data-testid=bot]"


@pytest.fixture(scope="module")
def llm_server(ui_data_dir: Path) -> Iterator[Server]:
    from assistant import Assistant
    from ingest.settings import Settings

    srv = start_server(Assistant(Settings.load(data_dir=ui_data_dir, llm="llamacpp:smollm2",
                                               llm_timeout_s=60.0)))
    yield srv
    srv.app.close()


def test_llm_answer_is_checked_before_it_is_shown(browser: Any, llm_server: Server) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.goto(llm_server.url)
    pg.wait_for_selector("#evaw-question textarea")
    pg.click("#evaw-settings")
    radio = pg.inner_text("#evaw-answerer")
    assert "Offline (extractive)" in radio and "Language model (llamacpp:smollm2)" in radio
    pg.fill("#evaw-question textarea", "Would recruiting more women officers help?")
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        f"[...document.querySelectorAll('{BOT}')].some(e => e.querySelector('a.evaw-chip') "
        "|| e.innerText.includes('The guidance does not') || e.innerText.includes('could not be verified'))",
        timeout=120_000)
    final = pg.locator(BOT).last.inner_text()
    assert "drafting" not in final  # the draft was replaced by the checked answer
    assert pg.locator(f"{BOT} a.evaw-chip").count() >= 1 or "The guidance does not" in final
    ctx.close()
