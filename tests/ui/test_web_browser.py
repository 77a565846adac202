"""The web UI in a real (headless Debian) Chromium against the real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

BOT = "#evaw-chat [data-testid=bot]"
USER = "#evaw-chat [data-testid=user]"
CHIP = "#evaw-chat a.evaw-chip"
ATTACK = "<script>window.__pwned=1</script> what is a one stop shop?"


@pytest.fixture
def page(browser: Any, server: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    pg = ctx.new_page()
    pg.external = []  # every request that leaves 127.0.0.1
    pg.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
          or pg.external.append(r.url))
    pg.goto(server.url)
    pg.wait_for_selector("#evaw-question textarea")
    yield pg
    ctx.close()


def _ask(pg: Any, question: str, n_answers: int) -> None:
    pg.fill("#evaw-question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"document.querySelectorAll('{BOT}').length >= {n_answers}",
                         timeout=60_000)


def test_chat_citations_follow_up_and_escaping(page: Any, shoot: Any, tmp_path: Path) -> None:
    pg = page
    _ask(pg, "Would recruiting more women officers help?", 1)
    pg.wait_for_selector(CHIP)
    assert pg.locator(CHIP).count() >= 1

    # clicking a chip opens the cited passage, quote highlighted, in the source panel
    pg.locator(CHIP).first.click()
    pg.wait_for_selector("#evaw-source .evaw-passage mark")
    source = pg.inner_text("#evaw-source")
    assert "recruit" in source.lower()
    assert "Source:" in source
    assert pg.locator("#evaw-source .evaw-passage mark").inner_text().strip()

    # copy as Markdown puts the answer and its citations on the clipboard
    pg.click("#evaw-copy")
    pg.wait_for_timeout(300)
    copied = pg.evaluate("navigator.clipboard.readText()")
    assert "[1] " in copied and "https://" in copied

    # a follow-up continues the conversation
    _ask(pg, "why does that matter?", 2)
    assert pg.locator(BOT).count() == 2
    assert pg.locator(USER).count() == 2

    # a question carrying markup is shown literally and never runs
    _ask(pg, ATTACK, 3)
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    assert ATTACK in pg.locator(USER).nth(2).inner_text()

    # the whole conversation downloads as Markdown (built in the browser, nothing on disk)
    with pg.expect_download() as dl:
        pg.click("#evaw-download")
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.count("\n## ") == 3 and "### Cited passages" in md and ATTACK in md

    pg.locator(CHIP).first.click()
    pg.wait_for_selector("#evaw-source .evaw-passage mark")
    pg.evaluate("document.querySelectorAll('.evaw-toast').forEach(e => e.remove())")
    shoot(pg, "ui-desktop")

    # phone width: the source panel wraps below the chat, nothing overflows sideways
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.wait_for_timeout(500)
    chat_box = pg.locator("#evaw-chat").bounding_box()
    src_box = pg.locator("#evaw-source").bounding_box()
    assert src_box["y"] >= chat_box["y"] + chat_box["height"] - 1
    assert pg.evaluate("document.documentElement.scrollWidth") <= 392
    shoot(pg, "ui-phone")

    assert pg.external == [], f"requests left the machine: {pg.external}"


def test_browse_outline_opens_passages(page: Any) -> None:
    pg = page
    pg.get_by_role("tab", name="Browse").click()
    node = pg.locator("#evaw-tree [data-evaw-ref$='#ep-1.3']")
    node.wait_for()
    assert pg.locator("#evaw-tree .evaw-lvl-2").count() > 0
    node.click()
    pg.wait_for_selector("#evaw-browse-panel .evaw-passage")
    panel = pg.inner_text("#evaw-browse-panel")
    assert "Stakeholder consultation" in panel and "Previous:" in panel and "Next:" in panel
    # following the "next" link moves along the document
    pg.locator("#evaw-browse-panel .evaw-next [data-evaw-ref]").click()
    pg.wait_for_function(
        "document.querySelector('#evaw-browse-panel h3').innerText.includes('1.4')")
    # the chat's source panel is untouched by browsing
    assert "evaw-passage" not in pg.inner_html("#evaw-source")


def test_empty_question_and_clear(page: Any) -> None:
    pg = page
    pg.click("#evaw-ask")
    pg.wait_for_function("document.querySelector('#evaw-status').innerText.includes('empty')")
    _ask(pg, "What is a one stop shop?", 1)
    pg.click("#evaw-clear")
    pg.wait_for_function(f"document.querySelectorAll('{BOT}').length === 0")
    pg.click("#evaw-copy")  # nothing to copy: no error, no crash
    assert pg.locator(BOT).count() == 0


def test_evaluation_tab_runs_a_set_and_shows_the_report(page: Any, server: Any) -> None:
    pg = page
    pg.get_by_role("tab", name="Evaluation").click()
    pg.wait_for_selector("#evaw-eval-run")
    pg.click("#evaw-eval-run")  # core.jsonl, the default choice
    pg.wait_for_function(
        "document.querySelector('#evaw-eval-report')?.innerText.includes('Latest run')",
        timeout=180_000)
    report = pg.inner_text("#evaw-eval-report")
    assert "hit@3" in report and "citation_support" in report and "core" in report
    assert "paraphrase" in report and "out-of-scope" in report  # broken down by kind
    pg.reload()  # the latest report is shown again on a fresh load
    pg.get_by_role("tab", name="Evaluation").click()
    pg.wait_for_function(
        "document.querySelector('#evaw-eval-report')?.innerText.includes('Latest run')",
        timeout=30_000)
