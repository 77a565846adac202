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
from ui.server_guard import app_kwargs, rejected

EXAMPLES = [
    "Would recruiting more women officers help?",
    "How can a revision of the police act put gender-based violence on the agenda?",
    "What is a one stop shop?",
    "Is a change in leadership a good moment to push for reform?",
    "How can treaty-body reviews be used to press the security sector?",
]
OFFLINE = "Offline (extractive)"

THEME = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"])

CSS = """
#evaw-main { flex-wrap: wrap; gap: 16px; }
#evaw-main > div { min-width: min(100%, 320px); }
#evaw-source { position: sticky; top: 8px; max-height: 88vh; overflow-y: auto; }
@media (max-width: 720px) {
  #evaw-source { position: static; max-height: none; overflow: visible; }
  #evaw-chat { height: 440px !important; }
}
.evaw-chip { display: inline-block; padding: 0 .45em; margin: 0 .1em; border-radius: 999px;
  background: var(--color-accent-soft); color: var(--color-accent) !important;
  font-size: .85em; font-weight: 600; text-decoration: none !important; cursor: pointer;
  border: 1px solid var(--color-accent); line-height: 1.5; }
.evaw-chip:hover, .evaw-chip:focus { background: var(--color-accent); color: white !important; }
.evaw-draft { opacity: .7; }
.evaw-notice { border-left: 4px solid #d97706; background: #fffbeb; color: #78350f;
  padding: .5em .75em; border-radius: 4px; margin-bottom: .5em; }
.evaw-sources { display: block; font-size: .85em; opacity: .85; margin-top: .5em; }
.evaw-error, .evaw-status-error { color: #b91c1c; }
.evaw-banner { border: 2px solid #b91c1c; background: #fef2f2; color: #7f1d1d;
  padding: .75em 1em; border-radius: 6px; font-weight: 600; }
.evaw-passage { padding: .25em .25em; }
.evaw-passage mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.evaw-crumb { font-size: .8em; opacity: .75; }
.evaw-label { margin: .3em 0 .5em 0; font-size: 1.05em; }
.evaw-text { margin: .5em 0; padding: .5em .75em; border-left: 4px solid var(--color-accent);
  background: var(--background-fill-secondary); white-space: pre-wrap; }
.evaw-context { font-size: .85em; opacity: .8; margin: .25em 0; }
.evaw-context-text { white-space: pre-wrap; padding-left: .75em; }
.evaw-notes { font-size: .85em; color: #92400e; padding-left: 1.2em; }
.evaw-id, .evaw-source { font-size: .8em; opacity: .8; }
.evaw-link, .evaw-node { background: none; border: none; padding: .1em 0; cursor: pointer;
  color: var(--color-accent); text-align: left; font: inherit; }
.evaw-link:hover, .evaw-node:hover { text-decoration: underline; }
.evaw-tree ul { list-style: none; padding-left: 0; margin: 0; }
.evaw-tree li { margin: .1em 0; }
.evaw-lvl-0 { padding-left: 0; font-style: italic; }
.evaw-lvl-1 { padding-left: .5em; font-weight: 600; }
.evaw-lvl-2 { padding-left: 2em; }
.evaw-lvl-3, .evaw-lvl-4 { padding-left: 3.5em; }
.evaw-pid { font-family: var(--font-mono); font-size: .8em; opacity: .7; }
.evaw-placeholder { opacity: .7; font-style: italic; padding: .5em; }
.evaw-cites { padding-left: 0; list-style: none; }
.evaw-cites li { margin: .5em 0; }
.evaw-q { font-size: .85em; opacity: .85; }
#evaw-footer { text-align: center; font-size: .85em; opacity: .8; margin-top: 1em; }
.evaw-toast { position: fixed; bottom: 1.5em; left: 50%; transform: translateX(-50%);
  background: #111827; color: white; padding: .5em 1em; border-radius: 6px; z-index: 1000; }
"""

# Installed once by the footer's js_on_load: clicks on citation chips (links to
# #evaw-cite-<turn>-<marker>; the chat's sanitizer drops data-* attributes) and on
# passage buttons (data-evaw-ref) are sent to Python as an 'evaw_open' event.
BRIDGE_JS = """
window.__evawTrigger = trigger;
if (!window.__evawBound) {
  window.__evawBound = true;
  document.addEventListener('click', function (ev) {
    const t = ev.target;
    if (!t || !t.closest) return;
    const el = t.closest('a[href^="#evaw-cite-"], [data-evaw-ref]');
    if (!el) return;
    ev.preventDefault();
    ev.stopPropagation();
    const pane = el.closest('#evaw-browse') ? 'browse' : 'chat';
    let ref = el.getAttribute('data-evaw-ref');
    if (!ref) ref = 'cite:' + el.getAttribute('href').slice('#evaw-cite-'.length);
    window.__evawTrigger('evaw_open', {ref: ref, pane: pane});
    const panel = document.querySelector(pane === 'browse' ? '#evaw-browse-panel' : '#evaw-source');
    if (panel) {
      const r = panel.getBoundingClientRect();
      if (r.top > window.innerHeight || r.bottom < 0) {
        setTimeout(() => panel.scrollIntoView({behavior: 'smooth', block: 'start'}), 250);
      }
    }
  }, true);
}
"""

_TOAST_JS = """
function evawToast(msg) {
  const d = document.createElement('div'); d.className = 'evaw-toast'; d.textContent = msg;
  document.body.appendChild(d); setTimeout(() => d.remove(), 1800);
}
"""

COPY_JS = "async (md) => {" + _TOAST_JS + """
  if (!md) { evawToast('Nothing to copy yet'); return; }
  try { await navigator.clipboard.writeText(md); }
  catch (e) {
    const ta = document.createElement('textarea'); ta.value = md;
    document.body.appendChild(ta); ta.select(); document.execCommand('copy'); ta.remove();
  }
  evawToast('Copied the answer as Markdown');
}"""

DOWNLOAD_JS = "(md) => {" + _TOAST_JS + """
  if (!md) { evawToast('No conversation yet'); return; }
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
            hist.append({"role": "assistant", "content": d["answer"]})
        return hist

    def messages_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
        msgs: list[dict[str, str]] = []
        for i, d in enumerate(turns):
            msgs.append({"role": "user", "content": R.user_message(d["question"])})
            msgs.append({"role": "assistant", "content": R.answer_message(d, i)})
        return msgs

    # -- handlers (no logging of questions anywhere) -------------------------------
    def respond(question: str, turns: list[dict[str, Any]] | None, top_k: float | None,
                choice: str | None = None):
        """A generator: an LLM's draft streams into the chat, then the checked answer
        replaces it; the offline answerer yields once."""
        turns = list(turns or [])
        llm = backend.llm_spec if choice == llm_choice and backend.llm_spec else ""
        skip8 = [gr.skip()] * 8
        try:
            k = int(top_k or default_k)
            draft = ""
            for item in backend.get(llm).ask_stream(question or "", history_of(turns), top_k=k):
                if isinstance(item, Answer):
                    ans = item
                    break
                draft += item
                pending = [*messages_of(turns), {"role": "user", "content": R.user_message(question)},
                           {"role": "assistant", "content": R.draft_message(draft)}]
                yield (gr.skip(), pending, *skip8[:6])
        except QuestionError as e:
            yield (*skip8[:4], R.error_message(f"Cannot ask that: {e}."), *skip8[:3])
            return
        except STORE_ERRORS as e:
            msg = store_message(e)
            yield (*skip8[:4], R.error_message(msg), gr.skip(), gr.skip(), R.banner(msg))
            return
        except ValueError as e:  # the configured model could not be set up
            yield (*skip8[:4], R.error_message(f"The language model is not available: {e}"),
                   *skip8[:3])
            return
        d = ans.to_dict()
        turns.append(d)
        n = len(turns) - 1
        yield ("", messages_of(turns), turns, R.sources_overview(d, n), "",
               R.latest_markdown(d), R.conversation_markdown(turns), "")

    def clear():
        return ([], [], R.placeholder("Click a citation chip like [1] to see its passage here."),
                "", "", "", "")

    def open_ref(turns: list[dict[str, Any]] | None, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        ref = str(data.get("ref", ""))
        pane = data.get("pane", "chat")
        try:
            html = _render_ref(backend, ref, turns or [])
        except STORE_ERRORS as e:
            html = R.banner(store_message(e))
        if pane == "browse":
            return gr.skip(), html
        return html, gr.skip()

    def on_load():
        err = backend.index_error()
        if err:
            return R.banner(err), R.outline_tree([])
        return "", R.outline_tree(backend.get().outline())

    def latest_report() -> str:
        run = latest_run(backend.settings.data_dir)  # type: ignore[union-attr]
        if run is None:
            return "No evaluation run yet. Pick a set and press **Run evaluation**."
        return f"**Latest run:** `{run.name}`\n\n" + (run / "report.md").read_text(encoding="utf-8")

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
        gr.Markdown(
            "## EVAW guide\nAsk about UN Women's guidance *What are the key entry points and "
            "strategies?* for working with the security sector to end violence against women. "
            "Every sentence of an answer is cited; click a chip like **[1]** to read the passage."
        )
        banner = gr.HTML(R.banner(backend.index_error()), elem_id="evaw-banner")
        turns_state = gr.State([])
        latest_md = gr.Textbox(visible="hidden", elem_id="evaw-latest-md")
        conv_md = gr.Textbox(visible="hidden", elem_id="evaw-conv-md")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(elem_id="evaw-main", equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(
                        elem_id="evaw-chat", label="Conversation", height=520,
                        buttons=["copy"], feedback_options=None, latex_delimiters=[],
                        allow_tags=False, sanitize_html=True, layout="bubble",
                        placeholder="Ask a question about the guidance, or pick an example.",
                    )
                    status = gr.HTML("", elem_id="evaw-status")
                    with gr.Row():
                        question = gr.Textbox(
                            elem_id="evaw-question", show_label=False, scale=5, lines=1,
                            max_lines=6, placeholder="Ask about the guidance…",
                            autofocus=True,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80,
                                            elem_id="evaw-ask")
                    gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
                    with gr.Row():
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
                    gr.Markdown("### Source")
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
        footer = gr.HTML(f"<p>{R.esc(R.PRIVACY)}</p>", elem_id="evaw-footer",
                         js_on_load=BRIDGE_JS)

        # -- wiring ----------------------------------------------------------------
        ask_outputs = [question, chatbot, turns_state, source, status, latest_md, conv_md, banner]
        for trig in (question.submit, ask_btn.click):
            trig(respond, [question, turns_state, top_k, answerer_choice], ask_outputs,
                 api_visibility="private", show_progress_on=[chatbot])
        clear_outputs = [chatbot, turns_state, source, status, latest_md, conv_md, question]
        clear_btn.click(clear, None, clear_outputs, api_visibility="private")
        chatbot.clear(clear, None, clear_outputs, api_visibility="private")
        copy_btn.click(None, [latest_md], None, js=COPY_JS, api_visibility="private")
        dl_btn.click(None, [conv_md], None, js=DOWNLOAD_JS, api_visibility="private")
        footer.evaw_open(open_ref, [turns_state], [source, browse_panel],
                         api_visibility="private")
        app.load(on_load, None, [banner, tree], api_visibility="private")
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
        uid = f"{c['doc_id']}#{c['passage_id']}"
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
