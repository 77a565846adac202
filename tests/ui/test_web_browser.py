"""The web UI in a real (headless Debian) Chromium against the real server.

The server serves a two-document index (the guidance and a small fixture document, see
conftest.py). Each test names the user-visible problem it guards against.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import Server, axe_serious, start_server

pytestmark = pytest.mark.slow

BOT = "#evaw-chat [data-testid=bot]"
USER = "#evaw-chat [data-testid=user]"
CHIP = "#evaw-chat a.evaw-chip"
ATTACK = "<script>window.__pwned=1</script> what is a one stop shop?"
GUIDANCE = "key-entry-points-and-strategies"
FIXTURE = "safe-transport"
FIXTURE_TITLE = "Safe public transport for women and girls (test fixture)"
# the fixture's long "Lighting and design of stops" paragraph ends with this sentence
LAMPS_Q = "Did solar-powered lamps at rural bus shelters cut harassment after dark?"
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}

# WCAG contrast of an element's text against the first opaque background behind it
CONTRAST_JS = """(el) => {
  const rgb = (c) => { const p = c.match(/[\\d.]+/g).map(Number); return p.length > 3 ? [...p.slice(0, 3), p[3]] : [...p, 1]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  let bg = [255, 255, 255, 1];
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor); if (c[3] > 0.99) { bg = c; break; }
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""

# visible elements of the chat component drawn over the scrolled conversation (should be
# none; the idle, empty progress overlay aside); not elementFromPoint: Gradio's floating
# label has pointer-events: none
OVERLAP_JS = """() => {
  const chat = document.querySelector('#evaw-chat'), log = chat.querySelector('[role=log]');
  log.scrollTop = (log.scrollHeight - log.clientHeight) / 2;
  const L = log.getBoundingClientRect(), bad = [];
  for (const e of chat.querySelectorAll('*')) {
    if (log.contains(e) || e.contains(log) || e.closest('[data-testid=status-tracker].hide')) continue;
    const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    if (r.width < 1 || r.height < 1 || cs.visibility === 'hidden' || +cs.opacity === 0) continue;
    if (r.left < L.right && r.right > L.left && r.top < L.bottom && r.bottom > L.top)
      bad.push(e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 30));
  }
  return [log.scrollHeight > log.clientHeight, bad];
}"""


def _page(browser: Any, server: Any, viewport: dict[str, int] = DESKTOP,
          color_scheme: str = "light") -> Any:
    ctx = browser.new_context(viewport=viewport, accept_downloads=True, color_scheme=color_scheme)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    pg = ctx.new_page()
    pg.external = []  # every request that leaves 127.0.0.1
    pg.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
          or pg.external.append(r.url))
    pg.goto(server.url)
    pg.wait_for_selector("#evaw-question textarea")
    pg.wait_for_selector("#evaw-scope .evaw-scope")
    return pg


@pytest.fixture
def page(browser: Any, server: Any) -> Any:
    pg = _page(browser, server)
    yield pg
    pg.context.close()


@pytest.fixture
def phone(browser: Any, server: Any) -> Any:
    pg = _page(browser, server, PHONE)
    yield pg
    pg.context.close()


def _ask(pg: Any, question: str, n_answers: int) -> None:
    pg.fill("#evaw-question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"document.querySelectorAll('{BOT}').length >= {n_answers}",
                         timeout=60_000)


def _clipboard(pg: Any) -> str:
    pg.wait_for_timeout(300)
    return str(pg.evaluate("navigator.clipboard.readText()"))


def _settled(pg: Any, selector: str) -> None:
    """Wait until Gradio no longer dims ``selector`` as pending (it fades to opacity .2)."""
    pg.wait_for_function("""(sel) => { const el = document.querySelector(sel);
      if (!el || el.querySelector('.pending')) return false;
      const near = [...el.querySelectorAll(':scope > *, :scope > * > *, :scope > * > * > *')]
        .filter(e => !e.closest('[data-testid=status-tracker]'));
      for (let e = el; e; e = e.parentElement) near.push(e);
      return near.every(e => getComputedStyle(e).opacity === '1'); }""", arg=selector, timeout=30_000)


def _in_view(pg: Any, selector: str, panel: str | None = None) -> bool:
    """The element is inside the window (and inside ``panel``'s visible box, if given)."""
    return bool(pg.evaluate("""([sel, panel]) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      let ok = r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
      if (panel) { const b = document.querySelector(panel).getBoundingClientRect();
                   ok = ok && r.top >= b.top - 1 && r.bottom <= b.bottom + 1; }
      return ok; }""", [selector, panel]))


def test_chat_citations_follow_up_and_escaping(page: Any) -> None:
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

    # phone width: the source panel wraps below the chat, nothing overflows sideways
    pg.set_viewport_size(PHONE)
    pg.wait_for_timeout(500)
    chat_box = pg.locator("#evaw-chat").bounding_box()
    src_box = pg.locator("#evaw-source").bounding_box()
    assert src_box["y"] >= chat_box["y"] + chat_box["height"] - 1
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 2

    assert pg.external == [], f"requests left the machine: {pg.external}"


@pytest.fixture(scope="module")
def guidance_server(assistant: Any) -> Iterator[Server]:
    """The guidance alone (no test fixture document), as the README shows it."""
    srv = start_server(assistant)
    yield srv
    srv.app.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots(browser: Any, guidance_server: Server, shoot: Any,
                     viewport: dict[str, int]) -> None:
    """docs/screenshots/ui-desktop.png and ui-phone.png (with EVAW_UPDATE_SCREENSHOTS=1)."""
    pg = _page(browser, guidance_server, viewport)
    try:
        _ask(pg, "Would recruiting more women officers help?", 1)
        pg.locator(CHIP).first.click()
        pg.wait_for_selector("#evaw-source .evaw-passage mark")
        pg.mouse.move(0, 0)
        _settled(pg, "#evaw-source")
        pg.evaluate("document.querySelectorAll('.evaw-toast').forEach(e => e.remove()); "
                    "document.activeElement.blur(); window.scrollTo(0, 0)")
        path = shoot(pg, "ui-desktop" if viewport is DESKTOP else "ui-phone")
        assert path.stat().st_size > 10_000
    finally:
        pg.context.close()


def test_the_users_question_shows_apostrophes_not_entities(page: Any) -> None:
    """Was: "We&#x27;re drafting…" (HTML-escaped, then Markdown-escaped inside the entity)."""
    q = "We're drafting a \"police act\" & can't we use the UN's guidance? <b>now</b> *a* 3.5"
    _ask(page, q, 1)
    shown = page.locator(USER).first.inner_text().strip()
    assert shown == q
    assert "&#" not in page.locator(BOT).first.inner_text()


def test_each_answer_copies_as_clean_text(page: Any, server: Any) -> None:
    """Was: Gradio's per-message copy icon copied raw markup (chips, Markdown escapes)."""
    from gradio_client import Client

    from ui.render import answer_brief

    pg = page
    q = "How can a revision of the police act put gender-based violence on the agenda?"
    _ask(pg, q, 1)
    # long enough not to be taken as a follow-up of the first question
    q2 = "How can one stop shops meet the multiple needs of survivors of violence?"
    _ask(pg, q2, 2)
    assert pg.locator("#evaw-chat button[aria-label='Copy message']").count() == 0

    pg.locator(f"{BOT} a.evaw-copy").first.click()
    copied = _clipboard(pg)
    for raw in ("<a", "evaw-", "\\-", "\\.", "&#", "&amp;", "**"):
        assert raw not in copied, (raw, copied)
    expected = answer_brief(Client(server.url, verbose=False).predict(q, "[]", api_name="/ask"))
    assert copied == expected
    assert copied.startswith("The guidance addresses this under ") and "\nReferences\n" in copied

    # "Copy as brief" copies the latest answer; "Copy as Markdown" keeps Markdown
    pg.locator(f"{BOT} a.evaw-copy").last.click()
    last = _clipboard(pg)
    pg.click("#evaw-copy-brief")
    brief = _clipboard(pg)
    assert brief == last and brief != copied and "one stop shops" in brief and "[1]" in brief
    pg.click("#evaw-copy")
    md = _clipboard(pg)
    assert md.startswith(f"**Q:** {q2}") and "<https://" in md


def test_conversation_label_does_not_cover_the_scrolled_chat(page: Any) -> None:
    """Was: the "Conversation" label sat on top of the chat text once it scrolled."""
    for i, q in enumerate(["What is a one stop shop?", "Would recruiting more women officers help?",
                           "What are the four main strategy areas?"], 1):
        _ask(page, q, i)
    # Gradio's progress overlay is there while the last answer is still pending (a loaded
    # machine): wait for it to go, then look for anything else on top of the text
    page.wait_for_function("() => !document.querySelector("
                           "'#evaw-chat [data-testid=status-tracker]:not(.hide), #evaw-chat .wrap.translucent:not(.hide)')",
                           timeout=30_000)
    scrolls, covering = page.evaluate(OVERLAP_JS)
    assert scrolls, "the conversation should be long enough to scroll"
    assert covering == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_highlighted_quote_is_scrolled_into_view(browser: Any, server: Any,
                                                     viewport: dict[str, int]) -> None:
    """Was: with a long passage above the quote, the highlight sat out of view."""
    pg = _page(browser, server, viewport)
    try:
        _ask(pg, LAMPS_Q, 1)
        chip = pg.locator(f"{BOT} a.evaw-chip[title*='Lighting and design of stops']").first
        chip.click()
        pg.wait_for_selector("#evaw-source .evaw-passage mark")
        assert "Solar-powered lamps" in pg.locator("#evaw-source mark").inner_text()
        pg.wait_for_timeout(300)
        panel = "#evaw-source" if viewport is DESKTOP else None
        assert _in_view(pg, "#evaw-source mark", panel)
        assert pg.inner_text("#evaw-live").startswith("Showing")  # announced to screen readers
    finally:
        pg.context.close()


def test_scope_panel_lists_documents_and_links_into_the_outline(page: Any) -> None:
    pg = page
    scope = pg.locator("#evaw-scope")
    titles = scope.locator(".evaw-scope-title").all_inner_texts()
    assert titles == ["What are the key entry points and strategies?", FIXTURE_TITLE]
    refs = scope.locator("[data-evaw-ref]").evaluate_all("els => els.map(e => e.dataset.evawRef)")
    for pid in ("ep-1", "ep-5", "st-1", "st-4"):  # entry points and strategy areas
        assert f"{GUIDANCE}#{pid}" in refs
    assert f"{GUIDANCE}#ep-1.3" not in refs  # only the top level: it is an overview
    assert any(r.startswith(f"{FIXTURE}#") for r in refs)
    # beside the chat, visible without scrolling
    s_box, c_box = scope.bounding_box(), pg.locator("#evaw-chat").bounding_box()
    assert s_box["x"] + s_box["width"] <= c_box["x"] + 1 and s_box["y"] < DESKTOP["height"]

    scope.locator(f"[data-evaw-ref='{GUIDANCE}#ep-3']").click()
    pg.wait_for_selector("#evaw-browse-panel .evaw-passage")
    assert pg.get_by_role("tab", name="Browse").get_attribute("aria-selected") == "true"
    assert "Entry point 3" in pg.inner_text("#evaw-browse-panel h3")
    pg.wait_for_selector(f"#evaw-tree [data-evaw-ref='{GUIDANCE}#ep-3'][aria-current=true]")
    assert _in_view(pg, f"#evaw-tree [data-evaw-ref='{GUIDANCE}#ep-3']")


def test_scope_panel_is_collapsed_on_a_phone(phone: Any) -> None:
    pg = phone
    pg.wait_for_function("document.querySelector('details.evaw-scope') && "
                         "!document.querySelector('details.evaw-scope').open")
    assert not pg.locator(".evaw-scope-nav").is_visible()
    pg.click("details.evaw-scope summary")
    assert pg.locator(f".evaw-scope-nav [data-evaw-ref='{GUIDANCE}#st-2']").is_visible()
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 2


def test_example_questions_are_visible_without_scrolling_and_ask(page: Any) -> None:
    """Was: below the fold at 1400x900."""
    pg = page
    pg.evaluate("window.scrollTo(0, 0)")
    examples = pg.locator("#evaw-chat .examples button")
    assert examples.count() == 5
    for i in range(5):
        box = examples.nth(i).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]
    text = examples.nth(2).inner_text().strip()
    examples.nth(2).click()
    pg.wait_for_selector(CHIP, timeout=60_000)
    assert pg.locator(USER).first.inner_text().strip() == text


def test_refusal_suggestions_are_passage_links(page: Any) -> None:
    """Was: the topics suggested after "not covered" were plain text."""
    pg = page
    _ask(pg, "What is the capital of France?", 1)
    bot = pg.locator(BOT).first
    assert "The guidance does not" in bot.inner_text()
    links = bot.locator("a.evaw-suggest")
    assert 1 <= links.count() <= 3
    label = links.first.inner_text().strip()
    links.first.click()
    pg.wait_for_function("document.querySelector('#evaw-source .evaw-passage h3')")
    assert pg.inner_text("#evaw-source .evaw-passage h3").strip() == label


def test_contrast_and_the_question_box_name(page: Any) -> None:
    """Was: chips 2.64:1, outline links 2.8:1, Ask 2.8:1; the question box was "Textbox"."""
    pg = page
    assert page.get_by_role("textbox", name="Your question").count() == 1
    _ask(pg, "What is a one stop shop?", 1)
    pg.wait_for_selector(CHIP)
    pg.mouse.move(0, 0)
    _settled(pg, "#evaw-chat")
    checks = {
        "chip": pg.locator(CHIP).first,
        "scope link": pg.locator("#evaw-scope .evaw-node").first,
        "Ask button": pg.locator("#evaw-ask"),
        "copy link": pg.locator(f"{BOT} a.evaw-copy").first,
    }
    ratios = {name: loc.evaluate(CONTRAST_JS) for name, loc in checks.items()}
    pg.get_by_role("tab", name="Browse").click()
    node = pg.locator("#evaw-tree .evaw-node").nth(2)
    node.wait_for()
    ratios["outline link"] = node.evaluate(CONTRAST_JS)
    low = {k: round(v, 2) for k, v in ratios.items() if v < 4.5}
    assert not low, f"contrast below 4.5:1: {low}"


def test_keyboard_only_tab_to_a_chip_enter_opens_escape_returns(page: Any) -> None:
    pg = page
    _ask(pg, "Would recruiting more women officers help?", 1)
    pg.wait_for_selector(CHIP)
    pg.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    for _ in range(120):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.matches('a.evaw-chip')"):
            break
    else:
        pytest.fail("Tab never reached a citation chip")
    marker = pg.evaluate("document.activeElement.textContent")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#evaw-source .evaw-passage mark")
    assert marker in pg.inner_text("#evaw-source .evaw-passage h3")
    pg.keyboard.press("Escape")
    assert pg.evaluate("document.activeElement === document.querySelector('#evaw-question textarea')")


@pytest.mark.parametrize("viewport,scheme", [(DESKTOP, "light"), (PHONE, "light"), (DESKTOP, "dark")],
                         ids=["desktop", "phone", "desktop-dark"])
def test_no_serious_accessibility_violations_in_chat_and_browse(
        browser: Any, server: Any, viewport: dict[str, int], scheme: str) -> None:
    """Dark mode too: Gradio follows the system's colour scheme."""
    pg = _page(browser, server, viewport, scheme)
    try:
        assert axe_serious(pg) == []  # empty chat with examples and the scope panel
        _ask(pg, "Would recruiting more women officers help?", 1)
        _ask(pg, "What is the capital of France?", 2)
        pg.locator(CHIP).first.click()
        pg.wait_for_selector("#evaw-source .evaw-passage mark")
        pg.mouse.move(0, 0)
        _settled(pg, "#evaw-chat")
        _settled(pg, "#evaw-source")
        assert axe_serious(pg) == []
        pg.get_by_role("tab", name="Browse").click()
        pg.locator(f"#evaw-tree [data-evaw-ref='{GUIDANCE}#ep-1.3']").click()
        pg.wait_for_selector("#evaw-browse-panel .evaw-passage")
        assert axe_serious(pg) == []
    finally:
        pg.context.close()


def test_browse_outline_groups_documents_and_opens_passages(page: Any) -> None:
    pg = page
    pg.get_by_role("tab", name="Browse").click()
    node = pg.locator(f"#evaw-tree [data-evaw-ref='{GUIDANCE}#ep-1.3']")
    node.wait_for()
    assert pg.locator("#evaw-tree h2").all_inner_texts() == [
        "What are the key entry points and strategies?", FIXTURE_TITLE]
    assert pg.locator("#evaw-tree .evaw-lvl-2").count() > 0
    node.click()
    pg.wait_for_selector("#evaw-browse-panel .evaw-passage")
    panel = pg.inner_text("#evaw-browse-panel")
    assert "Stakeholder consultation" in panel and "Previous:" in panel and "Next:" in panel
    # following the "next" link moves along the document
    pg.locator("#evaw-browse-panel .evaw-next [data-evaw-ref]").click()
    pg.wait_for_function(
        "document.querySelector('#evaw-browse-panel h3').innerText.includes('1.4')")
    # the second document's passages open by their uid (doc_id#passage_id)
    pg.locator(f"#evaw-tree [data-evaw-ref='{FIXTURE}#s2-1']").click()
    pg.wait_for_function(
        "document.querySelector('#evaw-browse-panel h3').innerText.includes('safety audits')")
    assert f"Id: {FIXTURE}#s2-1" in pg.inner_text("#evaw-browse-panel")
    assert "example.org" in pg.inner_html("#evaw-browse-panel")
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
    pg.click("#evaw-copy-brief")
    assert pg.locator(BOT).count() == 0


def test_evaluation_tab_runs_a_set_with_a_readable_report(page: Any) -> None:
    """Was: the case table wrapped ids and numbers a character a line ("FAI/L", "0./00/0")
    and the page grew to 15,000 px."""
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
    _settled(pg, "#evaw-eval-report")
    for viewport in (DESKTOP, PHONE):
        pg.set_viewport_size(viewport)
        pg.wait_for_timeout(300)
        # short cells (ids, results, numbers) stay on one line
        wrapped = pg.evaluate("""() => [...document.querySelectorAll('#evaw-eval-report td')]
          .filter(td => /^[\\w.@:–-]{1,12}$/.test(td.innerText.trim()))
          .filter(td => { const lh = parseFloat(getComputedStyle(td).lineHeight) || 20;
                          const r = document.createRange(); r.selectNodeContents(td);
                          return r.getClientRects().length > 1 || td.clientHeight > 2.6 * lh; })
          .map(td => td.innerText)""")
        assert wrapped == [], f"cells wrap at {viewport}: {wrapped[:10]}"
        height = pg.evaluate("document.documentElement.scrollHeight")
        assert height < 6000, f"the page grew to {height} px at {viewport}"
        assert pg.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 2
        assert axe_serious(pg) == []
    pg.reload()  # the latest report is shown again on a fresh load
    pg.get_by_role("tab", name="Evaluation").click()
    pg.wait_for_function(
        "document.querySelector('#evaw-eval-report')?.innerText.includes('Latest run')",
        timeout=30_000)
