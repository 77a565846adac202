"""How much of a question the guidance covers, as the browser shows it.

The assistant fills ``Answer.coverage`` and ``Answer.gaps``; here a thin wrapper marks
every covered answer "partial" with a known gap (containing markup), so the rendering is
tested whatever the assistant decides for a given question.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.ui.conftest import Server, start_server

pytestmark = pytest.mark.slow
BOT = "#evaw-chat [data-testid=bot]"
GAP = "penalties for officers <b>who refuse</b> & their appeals"


class PartialAssistant:
    """The real assistant, with each answered question marked partially covered."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def ask_stream(self, question: str, history: Any = None, top_k: int | None = None) -> Iterator[Any]:
        from assistant import Answer

        for item in self._inner.ask_stream(question, history, top_k=top_k):
            if isinstance(item, Answer) and not item.abstained:
                item = replace(item, coverage="partial", gaps=(GAP,))
            yield item


@pytest.fixture(scope="module")
def partial_server(ui_assistant: Any) -> Iterator[Server]:
    srv = start_server(PartialAssistant(ui_assistant))
    yield srv
    srv.app.close()


def test_a_partial_answer_says_what_the_guidance_does_not_address(browser: Any,
                                                                   partial_server: Server) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"],
                          origin=partial_server.url.rstrip("/"))
    pg = ctx.new_page()
    try:
        pg.goto(partial_server.url)
        pg.wait_for_selector("#evaw-question textarea")
        pg.fill("#evaw-question textarea", "Would recruiting more women officers help?")
        pg.keyboard.press("Enter")
        pg.wait_for_selector(f"{BOT} .evaw-gaps", timeout=60_000)
        line = pg.locator(f"{BOT} .evaw-gaps").inner_text().strip()
        assert line == f"The guidance does not address: {GAP}."
        # under the answer, above its sources
        order = pg.locator(BOT).first.evaluate(
            "b => [b.querySelector('a.evaw-chip'), b.querySelector('.evaw-gaps'), "
            "b.querySelector('.evaw-sources')].map(e => e.getBoundingClientRect().top)")
        assert order[0] < order[1] < order[2]
        pg.click("#evaw-copy-brief")
        pg.wait_for_timeout(300)
        brief = pg.evaluate("navigator.clipboard.readText()")
        assert f"The guidance does not address: {GAP}." in brief
        assert brief.index("does not address") < brief.index("References")
    finally:
        ctx.close()
