"""The Gradio web UI: chat with cited answers, a source panel, an outline browser, an API.

Thin on purpose: all answering goes through ``assistant.Assistant``; this module only wires
components together, and ``ui.web_render`` turns answers and passages into (escaped) HTML.
Nothing here logs or stores questions; the server binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported

import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import Answer, Assistant, QuestionError
from assistant.index import UnknownPassageError
from assistant.model import Turn
from eval import load_cases, run_eval
from eval.runs import bundled_sets, latest_run, new_run_dir
from ingest.errors import IndexMissingError, StoreUnavailableError
from ingest.settings import Settings
from ui import web_render as R
from ui.render import answer_brief
from ui.server_guard import app_kwargs, rejected

EXAMPLES = [
    "Would recruiting more women officers help?",
    "How can a revision of the police act put gender-based violence on the agenda?",
    "What is a one stop shop?",
    "Is a change in leadership a good moment to push for reform?",
    "How can treaty-body reviews be used to press the security sector?",
]
OFFLINE = "Offline (extractive)"

# Blue 700 on white is 6.7:1 and white on blue 700 is 6.7:1: Gradio's default orange accent
# gave 2.6–2.8:1 for chips, links and the Ask button (WCAG AA needs 4.5:1).
THEME = gr.themes.Default(
    primary_hue=gr.themes.colors.blue, font=["system-ui", "sans-serif"], font_mono=["monospace"],
).set(
    button_primary_background_fill="*primary_700",
    button_primary_background_fill_hover="*primary_800",
    button_primary_text_color="white",
    button_primary_background_fill_dark="*primary_600",
    button_primary_background_fill_hover_dark="*primary_700",
    button_primary_text_color_dark="white",
    color_accent="*primary_700",
    color_accent_soft="*primary_50",
    color_accent_soft_dark="*primary_900",
    link_text_color="*primary_700",
    link_text_color_dark="*primary_300",
)

CSS = """
#evaw-title { margin: 0; font-size: 1.5rem; }
.evaw-panel-title { margin: 0; font-size: 1.1rem; }
#evaw-head p { margin: .2em 0 0 0; }
#evaw-banner:not(:has(.evaw-banner)), #evaw-status:not(:has(.evaw-error)) { display: none; }
#evaw-main { flex-wrap: wrap; gap: 16px; }
#evaw-main > div { min-width: min(100%, 320px); }
#evaw-main > #evaw-scope-col { min-width: min(100%, 230px); max-width: 300px; }
/* Gradio puts overflow: visible inline on blocks: without !important the passage spilled
   out of the sticky panel and the highlighted quote sat out of view */
#evaw-source { position: sticky; top: 8px; max-height: 86vh; overflow-y: auto !important; }
#evaw-chat .top-panel { display: none; }
#evaw-chat .prose { opacity: 1 !important; }  /* Gradio dims messages to .8: 4.3:1 links */
.evaw-scope summary { cursor: pointer; font-weight: 600; padding: .2em 0; }
.evaw-scope-nav { font-size: .88em; max-height: 74vh; overflow-y: auto; }
.evaw-scope-title { font-size: 1em; margin: .6em 0 .2em 0; }
.evaw-scope-sec { font-size: .95em; margin: .5em 0 .1em 0; }
.evaw-scope ul { list-style: none; padding-left: .6em; margin: 0; }
.evaw-scope li { margin: .15em 0; }
.evaw-more { opacity: .9; font-style: italic; }
@media (max-width: 720px) {
  #evaw-main > #evaw-scope-col { max-width: none; }
  .evaw-scope-nav { max-height: 60vh; }
  #evaw-source { position: static; max-height: none; overflow: visible !important; }
  #evaw-chat { height: 440px !important; }
}
.evaw-chip { display: inline-block; padding: 0 .45em; margin: 0 .1em; border-radius: 999px;
  background: #eff6ff; color: #1e40af !important;
  font-size: .85em; font-weight: 600; text-decoration: none !important; cursor: pointer;
  border: 1px solid #1d4ed8; line-height: 1.5; }
.evaw-chip:hover, .evaw-chip:focus-visible { background: #1e3a8a; color: white !important; }
/* dark mode: one selector per rule (Gradio's scoping mangles '.dark a, .dark b' lists) */
.dark .evaw-chip { background: #1e3a8a; color: #dbeafe !important; border-color: #93c5fd; }
.evaw-chip:focus-visible, .evaw-node:focus-visible, .evaw-link:focus-visible,
.evaw-copy:focus-visible, .evaw-suggest:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.evaw-draft { opacity: .7; }
.evaw-notice { border-left: 4px solid #d97706; background: #fffbeb; color: #78350f;
  padding: .5em .75em; border-radius: 4px; margin-bottom: .5em; }
.evaw-sources { display: block; font-size: .85em; margin-top: .5em; }
.evaw-gaps { display: block; margin-top: .5em; font-style: italic; }
.evaw-actions { display: block; margin-top: .4em; font-size: .85em; }
.evaw-copy, .evaw-suggest { color: #1d4ed8 !important; text-decoration: underline; cursor: pointer; }
.dark .evaw-copy { color: #93c5fd !important; }
.dark .evaw-suggest { color: #93c5fd !important; }
.evaw-error, .evaw-status-error { color: #b91c1c; }
.evaw-banner { border: 2px solid #b91c1c; background: #fef2f2; color: #7f1d1d;
  padding: .75em 1em; border-radius: 6px; font-weight: 600; }
.evaw-passage { padding: .25em .25em; }
.evaw-passage mark { background: #fde68a; color: #111827; padding: 0 .1em; }
.evaw-crumb { font-size: .8em; }
.evaw-label { margin: .3em 0 .5em 0; font-size: 1.05em; }
.evaw-text { margin: .5em 0; padding: .5em .75em; border-left: 4px solid #1d4ed8;
  background: var(--background-fill-secondary); white-space: pre-wrap; }
.evaw-context { font-size: .85em; margin: .25em 0; }
.evaw-context-text { white-space: pre-wrap; padding-left: .75em; }
.evaw-notes { font-size: .85em; color: #92400e; padding-left: 1.2em; }
.evaw-id, .evaw-source { font-size: .8em; }
.evaw-link, .evaw-node { background: none; border: none; padding: .1em 0; cursor: pointer;
  color: #1d4ed8; text-align: left; font: inherit; }
.dark .evaw-link { color: #93c5fd; }
.dark .evaw-node { color: #93c5fd; }
.dark .evaw-notes { color: #fcd34d; }
.evaw-link:hover, .evaw-node:hover { text-decoration: underline; }
.evaw-node[aria-current="true"] { background: #dbeafe; color: #1e3a8a; border-radius: 3px; }
.dark .evaw-node[aria-current="true"] { background: #1e3a8a; color: #eff6ff; }
.evaw-tree ul { list-style: none; padding-left: 0; margin: 0; }
.evaw-tree li { margin: .1em 0; }
.evaw-doc-title { font-size: 1.05em; margin: .8em 0 .3em 0; }
.evaw-lvl-0 { padding-left: 0; font-style: italic; }
.evaw-lvl-1 { padding-left: .5em; font-weight: 600; }
.evaw-lvl-2 { padding-left: 2em; }
.evaw-lvl-3, .evaw-lvl-4 { padding-left: 3.5em; }
.evaw-pid { font-family: var(--font-mono); font-size: .8em; }
.evaw-placeholder { font-style: italic; padding: .5em; }
.evaw-cites { padding-left: 0; list-style: none; }
.evaw-cites li { margin: .5em 0; }
.evaw-q { font-size: .85em; }
.evaw-table { max-width: 100%; overflow-x: auto; margin: .5em 0 1em 0; }
.evaw-table table { width: max-content; max-width: none; }
.evaw-table th, .evaw-table td { white-space: nowrap; padding: .25em .6em; }
.evaw-table-cases { max-height: 60vh; overflow: auto; }
.evaw-table-cases th { position: sticky; top: 0; background: var(--background-fill-primary); z-index: 1; }
.evaw-table-cases td:nth-child(4), .evaw-table-cases td:last-child { white-space: normal;
  min-width: 18em; max-width: 32em; }
.evaw-table:focus-visible { outline: 3px solid #1d4ed8; }
#evaw-footer { text-align: center; font-size: .85em; margin-top: 1em; }
footer a, footer button, .show-api { color: #374151 !important; }
.dark .show-api { color: #d1d5db !important; }
.dark .evaw-text { border-left-color: #93c5fd; }
.evaw-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.evaw-toast { position: fixed; bottom: 1.5em; left: 50%; transform: translateX(-50%);
  background: #111827; color: white; padding: .5em 1em; border-radius: 6px; z-index: 1000; }
"""

# Installed once by the footer's js_on_load. Clicks on citation chips (#evaw-cite-<turn>-<n>),
# passage links in messages (#evaw-open-<uid>; the chat's sanitizer drops data-* attributes)
# and passage buttons (data-evaw-ref) are sent to Python as an 'evaw_open' event; the
# per-answer copy links (#evaw-copy-<turn>) copy that answer's brief. When a panel shows a
# passage, its highlighted quote is scrolled into view. Escape returns to the question box.
BRIDGE_JS = """
window.__evawTrigger = trigger;
if (!window.__evawBound) {
  window.__evawBound = true;
  const live = (msg) => { const l = document.querySelector('#evaw-live'); if (l) l.textContent = msg; };
  const toast = (msg) => {
    const d = document.createElement('div'); d.className = 'evaw-toast'; d.setAttribute('role', 'status');
    d.textContent = msg; document.body.appendChild(d); setTimeout(() => d.remove(), 1800);
  };
  const copyText = async (text, msg) => {
    try { await navigator.clipboard.writeText(text); }
    catch (e) {
      const ta = document.createElement('textarea'); ta.value = text;
      document.body.appendChild(ta); ta.select(); document.execCommand('copy'); ta.remove();
    }
    toast(msg);
  };
  window.__evawCopy = copyText;
  document.addEventListener('click', function (ev) {
    const t = ev.target;
    if (!t || !t.closest) return;
    const el = t.closest('a[href^="#evaw-cite-"], a[href^="#evaw-open-"], a[href^="#evaw-copy-"], '
                         + '[data-evaw-ref]');
    if (!el) return;
    ev.preventDefault();
    ev.stopPropagation();
    const href = el.getAttribute('href') || '';
    if (href.startsWith('#evaw-copy-')) {
      const turn = parseInt(href.slice('#evaw-copy-'.length), 10);
      const store = document.querySelector('#evaw-briefs textarea');
      let briefs = [];
      try { briefs = JSON.parse(store ? store.value : '[]'); } catch (e) { briefs = []; }
      if (briefs[turn]) copyText(briefs[turn], 'Copied the answer as a brief');
      else toast('Nothing to copy');
      return;
    }
    const pane = el.closest('#evaw-scope') ? 'outline' : (el.closest('#evaw-browse') ? 'browse' : 'chat');
    let ref = el.getAttribute('data-evaw-ref');
    if (!ref && href.startsWith('#evaw-cite-')) ref = 'cite:' + href.slice('#evaw-cite-'.length);
    if (!ref) ref = decodeURIComponent(href.slice('#evaw-open-'.length));
    window.__evawLastRef = ref.startsWith('cite:') ? '' : ref;
    window.__evawPending = pane === 'chat' ? 'source' : 'browse';
    const target = document.querySelector(pane === 'chat' ? '#evaw-source' : '#evaw-browse-panel');
    window.__evawOld = target ? target.querySelector('.evaw-passage') : null;
    window.__evawTrigger('evaw_open', {ref: ref, pane: pane});
  }, true);
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    const a = document.activeElement;
    if (a && a.closest && a.closest('[role=listbox], .options, dialog')) return;
    const q = document.querySelector('#evaw-question textarea');
    if (q && q.offsetParent !== null && a !== q) { ev.preventDefault(); q.focus(); }
  });
  const reveal = (panel) => {
    const label = panel.querySelector('.evaw-passage .evaw-label');
    const target = panel.querySelector('.evaw-passage mark') || label;
    if (!target || target.closest('.evaw-passage') === window.__evawOld) return false;
    if (label) live('Showing ' + label.textContent);
    if (panel.scrollHeight > panel.clientHeight + 2) {
      const box = panel.getBoundingClientRect(), r = target.getBoundingClientRect();
      if (r.top < box.top || r.bottom > box.bottom) panel.scrollTop += r.top - box.top - 48;
    }
    const r2 = target.getBoundingClientRect();
    if (r2.top < 0 || r2.bottom > window.innerHeight) {
      window.scrollBy({top: r2.top - Math.min(120, window.innerHeight / 4), behavior: 'instant'});
    }
    return true;
  };
  const markTree = () => {
    const ref = window.__evawLastRef;
    document.querySelectorAll('#evaw-tree [aria-current]').forEach(n => n.removeAttribute('aria-current'));
    if (!ref) return;
    const node = [...document.querySelectorAll('#evaw-tree [data-evaw-ref]')]
      .find(n => n.getAttribute('data-evaw-ref') === ref);
    if (!node) return;
    node.setAttribute('aria-current', 'true');
    let scroller = node.parentElement;
    while (scroller && scroller !== document.body && !(scroller.scrollHeight > scroller.clientHeight + 2
           && /auto|scroll/.test(getComputedStyle(scroller).overflowY))) scroller = scroller.parentElement;
    if (scroller && scroller !== document.body) {
      const b = scroller.getBoundingClientRect(), r = node.getBoundingClientRect();
      if (r.top < b.top || r.bottom > b.bottom) scroller.scrollTop += r.top - b.top - 40;
    }
  };
  const collapseScope = () => {
    document.querySelectorAll('details.evaw-scope:not([data-evaw-init])').forEach(d => {
      d.setAttribute('data-evaw-init', '1');
      if (window.matchMedia('(max-width: 720px)').matches) d.open = false;
    });
  };
  let queued = new Set();
  new MutationObserver((muts) => {
    for (const m of muts) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      if (!el || !el.closest) continue;
      if (el.closest('#evaw-chat')) queued.add('evaw-chat');
      const p = el.closest('#evaw-source, #evaw-browse-panel, #evaw-scope');
      if (p) queued.add(p.id);
    }
    if (!queued.size) return;
    requestAnimationFrame(() => {
      const ids = queued; queued = new Set();
      if (ids.has('evaw-scope')) collapseScope();
      // Gradio's chat examples are buttons in a role=list (axe: critical); name the group
      if (ids.has('evaw-chat')) document.querySelectorAll('#evaw-chat .examples[role=list]').forEach(e => {
        e.setAttribute('role', 'group'); e.setAttribute('aria-label', 'Example questions');
      });
      // the panel changes more than once (loading state, then the passage): wait for it
      if (ids.has('evaw-source') && window.__evawPending === 'source'
          && reveal(document.querySelector('#evaw-source'))) window.__evawPending = '';
      if (ids.has('evaw-browse-panel') && window.__evawPending === 'browse'
          && reveal(document.querySelector('#evaw-browse-panel'))) {
        window.__evawPending = ''; markTree();
      }
    });
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
  collapseScope();
  document.querySelectorAll('#evaw-chat .examples[role=list]').forEach(e => {
    e.setAttribute('role', 'group'); e.setAttribute('aria-label', 'Example questions');
  });
}
"""


def _copy_js(what: str) -> str:
    """Copy a hidden textbox's value (the latest answer in some format) to the clipboard."""
    return ("(text) => { if (!text) { const d = document.createElement('div'); "
            "d.className = 'evaw-toast'; d.setAttribute('role', 'status'); "
            "d.textContent = 'Nothing to copy yet'; document.body.appendChild(d); "
            "setTimeout(() => d.remove(), 1800); return; } "
            f"window.__evawCopy(text, 'Copied the answer {what}'); }}")


COPY_JS = _copy_js("as Markdown")
COPY_BRIEF_JS = _copy_js("as a brief")

DOWNLOAD_JS = """(md) => {
  const toast = (msg) => { const d = document.createElement('div'); d.className = 'evaw-toast';
    d.setAttribute('role', 'status'); d.textContent = msg; document.body.appendChild(d);
    setTimeout(() => d.remove(), 1800); };
  if (!md) { toast('No conversation yet'); return; }
  const blob = new Blob([md], {type: 'text/markdown;charset=utf-8'});
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = 'evaw-conversation.md';
  document.body.appendChild(a); a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
}"""


# What the index or the vector store can raise while serving: the user gets the message
# (what to run, or which server is unreachable), never a traceback.
STORE_ERRORS = (IndexMissingError, StoreUnavailableError)


def store_message(e: Exception) -> str:
    return R.NO_INDEX if type(e) is IndexMissingError else str(e)


class _Backend:
    """The Assistant, opened lazily so the UI can start (and recover) without an index."""

    def __init__(self, assistant: Assistant | None, settings: Settings | None) -> None:
        if assistant is None and settings is None:
            raise ValueError("build_app needs an Assistant or Settings")
        self.settings = assistant.settings if assistant is not None else settings
        assert self.settings is not None
        self.llm_spec = self.settings.llm  # only the model the operator configured at launch
        self._assistants: dict[str, Assistant] = {}
        if assistant is not None:
            self._assistants[assistant.settings.llm] = assistant
        self._lock = threading.Lock()

    def get(self, llm: str = "") -> Assistant:
        """The Assistant answering offline (llm="") or with the configured model."""
        if llm not in self._assistants:
            with self._lock:
                if llm not in self._assistants:
                    assert self.settings is not None
                    self._assistants[llm] = Assistant(replace(self.settings, llm=llm))
        return self._assistants[llm]

    def index_error(self) -> str:
        """"" when the index can be read, else the message to show."""
        try:
            self.get().outline()
        except STORE_ERRORS as e:
            return store_message(e)
        return ""


def build_app(assistant: Assistant | None, settings: Settings | None = None) -> gr.Blocks:
    """The Gradio app. ``assistant`` may be None (no index yet) if ``settings`` is given."""
    backend = _Backend(assistant, settings)
    assert backend.settings is not None
    default_k = max(1, min(10, int(backend.settings.top_k)))
    llm_choice = f"Language model ({backend.llm_spec})"

    def history_of(turns: list[dict[str, Any]]) -> list[Turn]:
        hist: list[Turn] = []
        for d in turns:
            hist.append({"role": "user", "content": d["question"]})
            hist.append({"role": "assistant", "content": d["answer"],
                         "citations": [c.get("uid") or c["passage_id"] for c in d.get("citations") or ()]})
        return hist

    def messages_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
        msgs: list[dict[str, str]] = []
        for i, d in enumerate(turns):
            msgs.append({"role": "user", "content": R.user_message(d["question"])})
            msgs.append({"role": "assistant",
                         "content": R.answer_message(d, i, d.get("suggestion_uids", ()))})
        return msgs

    # -- handlers (no logging of questions anywhere) -------------------------------
    def respond(question: str, turns: list[dict[str, Any]] | None, top_k: float | None,
                choice: str | None = None):
        """A generator: an LLM's draft streams into the chat, then the checked answer
        replaces it; the offline answerer yields once."""
        turns = list(turns or [])
        llm = backend.llm_spec if choice == llm_choice and backend.llm_spec else ""
        try:
            k = int(top_k or default_k)
            draft = ""
            a = backend.get(llm)
            for item in a.ask_stream(question or "", history_of(turns), top_k=k):
                if isinstance(item, Answer):
                    ans = item
                    break
                draft += item
                pending = [*messages_of(turns), {"role": "user", "content": R.user_message(question)},
                           {"role": "assistant", "content": R.draft_message(draft)}]
                yield {chatbot: pending}
            d = ans.to_dict()
            if d.get("abstained") and d.get("suggestions"):
                # refusal suggestions become links: resolved here, once, to passage uids
                d["suggestion_uids"] = R.suggestion_uids(d, a.outline())
        except QuestionError as e:
            yield {status: R.error_message(f"Cannot ask that: {e}.")}
            return
        except STORE_ERRORS as e:
            msg = store_message(e)
            yield {status: R.error_message(msg), banner: R.banner(msg)}
            return
        except ValueError as e:  # the configured model could not be set up
            yield {status: R.error_message(f"The language model is not available: {e}")}
            return
        turns.append(d)
        n = len(turns) - 1
        yield {question_box: "", chatbot: messages_of(turns), turns_state: turns,
               source: R.sources_overview(d, n), status: "", latest_md: R.latest_markdown(d),
               latest_brief: answer_brief(d), briefs: R.briefs_json(turns),
               conv_md: R.conversation_markdown(turns), banner: ""}

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value if isinstance(evt.value, dict) else {}
        return str(value.get("text", ""))

    def clear():
        return {chatbot: [], turns_state: [], status: "", latest_md: "", latest_brief: "",
                briefs: "[]", conv_md: "", question_box: "",
                source: R.placeholder("Click a citation chip like [1] to see its passage here.")}

    def open_ref(turns: list[dict[str, Any]] | None, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        ref = R.parse_open_ref(str(data.get("ref", "")))
        pane = data.get("pane", "chat")
        try:
            html = _render_ref(backend, ref, turns or [])
        except STORE_ERRORS as e:
            html = R.banner(store_message(e))
        if pane == "outline":  # the scope panel links into the outline (Browse tab)
            return gr.skip(), html, gr.Tabs(selected="browse")
        if pane == "browse":
            return gr.skip(), html, gr.skip()
        return html, gr.skip(), gr.skip()

    def on_load():
        err = backend.index_error()
        if err:
            return R.banner(err), R.outline_tree([]), R.scope_panel([])
        passages = backend.get().outline()
        return "", R.outline_tree(passages), R.scope_panel(passages)

    def latest_report() -> str:
        run = latest_run(backend.settings.data_dir)  # type: ignore[union-attr]
        if run is None:
            return "No evaluation run yet. Pick a set and press **Run evaluation**."
        report_md = (run / "report.md").read_text(encoding="utf-8")
        return f"**Latest run:** `{run.name}`\n\n" + R.eval_report_markdown(report_md)

    def run_set(set_name: str, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        sets = bundled_sets()
        if set_name not in sets:  # only the bundled sets: no paths from the browser
            raise rejected(f"Unknown evaluation set: {set_name!r}")
        try:
            a = backend.get()
        except STORE_ERRORS as e:
            raise rejected(store_message(e)) from None
        out = new_run_dir(backend.settings.data_dir, Path(set_name).stem)  # type: ignore[union-attr]
        run_eval(load_cases(sets[set_name]), lambda q, h: a.ask(q, h).to_dict(), out,  # type: ignore[arg-type]
                 name=Path(set_name).stem, progress=True,
                 config={"pipeline": "assistant", "answerer": a.answerer.name, "from": "web UI"})
        return latest_report()

    def api_ask(question: str, history_json: str = "") -> dict[str, Any]:
        """Ask a question; history_json is a JSON list of prior {role, content} turns."""
        raw = (history_json or "").strip() or "[]"
        try:
            history = json.loads(raw)
        except json.JSONDecodeError as e:
            raise rejected(f"history_json is not valid JSON: {e.msg}") from None
        if not isinstance(history, list):
            raise rejected("history_json must be a JSON list of {role, content} turns")
        try:
            return backend.get().ask(question or "", history).to_dict()
        except QuestionError as e:
            raise rejected(f"Bad question: {e}") from None
        except STORE_ERRORS as e:
            raise rejected(store_message(e)) from None

    # -- layout --------------------------------------------------------------------
    with gr.Blocks(title="EVAW guide — cited answers", analytics_enabled=False) as app:
        gr.HTML(
            '<header id="evaw-head"><h1 id="evaw-title">EVAW guide</h1><p>Ask about UN Women\'s '
            "guidance on working with the security sector to end violence against women. Every "
            "sentence of an answer is cited; click a chip like <b>[1]</b> to read the passage.</p>"
            "</header>", padding=False)
        banner = gr.HTML(R.banner(backend.index_error()), elem_id="evaw-banner")
        turns_state = gr.State([])
        latest_md = gr.Textbox(visible="hidden", elem_id="evaw-latest-md")
        latest_brief = gr.Textbox(visible="hidden", elem_id="evaw-latest-brief")
        briefs = gr.Textbox("[]", visible="hidden", elem_id="evaw-briefs")
        conv_md = gr.Textbox(visible="hidden", elem_id="evaw-conv-md")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"), gr.Row(elem_id="evaw-main", equal_height=False):
                with gr.Column(scale=1, min_width=230, elem_id="evaw-scope-col"):
                    scope = gr.HTML(R.placeholder("Loading what the guidance covers…"),
                                    elem_id="evaw-scope")
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(
                        elem_id="evaw-chat", label="Conversation", show_label=False, height=430,
                        buttons=[], feedback_options=None, latex_delimiters=[],
                        allow_tags=False, sanitize_html=True, layout="bubble",
                        placeholder="Ask a question about the guidance, or start with an example:",
                        examples=[{"text": q} for q in EXAMPLES],
                    )
                    status = gr.HTML("", elem_id="evaw-status")
                    with gr.Row():
                        question_box = gr.Textbox(
                            elem_id="evaw-question", label="Your question", show_label=False,
                            scale=5, lines=1, max_lines=6, placeholder="Ask about the guidance…",
                            autofocus=True,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                            elem_id="evaw-ask")
                    with gr.Row():
                        copy_brief_btn = gr.Button("Copy as brief", size="sm",
                                                   elem_id="evaw-copy-brief")
                        copy_btn = gr.Button("Copy as Markdown", size="sm", elem_id="evaw-copy")
                        dl_btn = gr.Button("Download conversation (.md)", size="sm",
                                           elem_id="evaw-download")
                        clear_btn = gr.Button("Clear conversation", size="sm",
                                              elem_id="evaw-clear")
                    with gr.Accordion("Settings", open=False, elem_id="evaw-settings"):
                        choices = [OFFLINE] + ([llm_choice] if backend.llm_spec else [])
                        answerer_choice = gr.Radio(
                            choices, value=choices[-1], label="Answerer", elem_id="evaw-answerer",
                            info="Offline answers quote the guidance verbatim. A language model "
                                 "writes fluent answers; every sentence is checked against its "
                                 "cited passage and unsupported ones are dropped."
                                 + ("" if backend.llm_spec else " To offer one, start the server "
                                    "with --llm SPEC or EVAW_LLM."))
                        top_k = gr.Slider(1, 10, value=default_k, step=1,
                                          label="Number of passages to draw on")
                with gr.Column(scale=2, min_width=300):
                    gr.HTML('<h2 class="evaw-panel-title">Source</h2>', padding=False)
                    source = gr.HTML(
                        R.placeholder("Click a citation chip like [1] to see its passage here."),
                        elem_id="evaw-source",
                    )
            with gr.Tab("Browse", id="browse"), gr.Row(elem_id="evaw-browse", equal_height=False):
                with gr.Column(scale=2, min_width=300):
                    tree = gr.HTML(R.placeholder("Loading the outline…"), elem_id="evaw-tree",
                                   max_height=700)
                with gr.Column(scale=3, min_width=300):
                    browse_panel = gr.HTML(R.placeholder("Pick a passage from the outline."),
                                           elem_id="evaw-browse-panel")
            with gr.Tab("Evaluation", id="evaluation"):
                gr.Markdown("Run an evaluation set through the assistant and read the report "
                            "(retrieval, citations, support, abstention, latency).")
                with gr.Row():
                    set_choice = gr.Dropdown(list(bundled_sets()), value="core.jsonl",
                                             label="Evaluation set", elem_id="evaw-eval-set")
                    run_btn = gr.Button("Run evaluation", variant="primary", elem_id="evaw-eval-run")
                report = gr.Markdown("", elem_id="evaw-eval-report")
        footer = gr.HTML(f'<p>{R.esc(R.PRIVACY)}</p><div id="evaw-live" class="evaw-sr" '
                         'aria-live="polite"></div>', elem_id="evaw-footer", js_on_load=BRIDGE_JS)

        # -- wiring ----------------------------------------------------------------
        ask_outputs = [question_box, chatbot, turns_state, source, status, latest_md, latest_brief,
                       briefs, conv_md, banner]
        for trig in (question_box.submit, ask_btn.click):
            trig(respond, [question_box, turns_state, top_k, answerer_choice], ask_outputs,
                 api_visibility="private", show_progress_on=[chatbot])
        # an example in the empty chat is asked at once
        chatbot.example_select(pick_example, None, [question_box], api_visibility="private").then(
            respond, [question_box, turns_state, top_k, answerer_choice], ask_outputs,
            api_visibility="private", show_progress_on=[chatbot])
        clear_outputs = [chatbot, turns_state, source, status, latest_md, latest_brief, briefs,
                         conv_md, question_box]
        clear_btn.click(clear, None, clear_outputs, api_visibility="private")
        copy_btn.click(None, [latest_md], None, js=COPY_JS, api_visibility="private")
        copy_brief_btn.click(None, [latest_brief], None, js=COPY_BRIEF_JS, api_visibility="private")
        dl_btn.click(None, [conv_md], None, js=DOWNLOAD_JS, api_visibility="private")
        footer.evaw_open(open_ref, [turns_state], [source, browse_panel, tabs],
                         api_visibility="private")
        app.load(on_load, None, [banner, tree, scope], api_visibility="private")
        app.load(latest_report, None, [report], api_visibility="private")
        run_btn.click(run_set, [set_choice], [report], api_visibility="private",
                      concurrency_limit=1)
        gr.api(api_ask, api_name="ask")
    return app


def _render_ref(backend: _Backend, ref: str, turns: list[dict[str, Any]]) -> str:
    a = backend.get()
    cite = R.parse_cite_ref(ref)
    if cite is not None:
        turn, marker = cite
        if not 0 <= turn < len(turns):
            return R.placeholder("That answer is no longer in this conversation.")
        c = next((c for c in turns[turn]["citations"] if int(c["marker"]) == marker), None)
        if c is None:
            return R.placeholder(f"Answer {turn + 1} has no citation [{marker}].")
        uid = str(c.get("uid") or f"{c['doc_id']}#{c['passage_id']}")
        try:
            return R.citation_panel(c, a.passage(uid), *a.neighbours(uid))
        except UnknownPassageError:
            return R.citation_panel(c, None, None, None)
    try:
        p = a.passage(ref)
        prev, nxt = a.neighbours(p.uid)
        kids = a.children(p.uid)
    except UnknownPassageError:
        return R.placeholder("That passage is not in the current index.")
    return R.passage_panel(p, prev, nxt, kids)


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, *,
           prevent_thread_lock: bool = False, open_browser: bool = False) -> None:
    """Start the server with this project's privacy settings (never shared, no analytics)."""
    app.queue(default_concurrency_limit=2)
    app.launch(
        server_name=host, server_port=port, share=False, inbrowser=open_browser,
        prevent_thread_lock=prevent_thread_lock, quiet=True, show_error=False,
        theme=THEME, css=CSS, footer_links=["api"], run_history=False,
        enable_monitoring=False, mcp_server=False, pwa=False, ssr_mode=False,
        app_kwargs=app_kwargs(),  # ui/server_guard.py: no uploads, bodies capped unread
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860,
          open_browser: bool = False) -> None:
    """Serve the web UI on ``host:port`` until interrupted (blocking)."""
    startup_problem = ""
    try:
        assistant: Assistant | None = Assistant(settings)
    except STORE_ERRORS as e:  # serve anyway: the page says what to do, and recovers
        assistant, startup_problem = None, store_message(e)
    app = build_app(assistant, settings)
    print(f"EVAW guide web UI on http://{host}:{port}/  ({R.PRIVACY})", flush=True)
    if startup_problem:
        print(startup_problem, flush=True)
    launch(app, host, port, open_browser=open_browser)
