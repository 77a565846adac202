"""LLM answerers against real models: the in-process llama.cpp SmolLM2-135M and the same
model behind a real ``llama_cpp.server`` (OpenAI-compatible). The model is far too small to
answer well, which is the point: whatever it writes, only sentences supported by their
cited passage reach the user, with verbatim quotes; otherwise the extractive answer."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Answer, Assistant
from assistant.answerer import AnswerRequest, Composition, Part
from assistant.llm import (
    FALLBACK_NAME,
    NOT_COVERED,
    OVERLAP_THRESHOLD,
    SIM_THRESHOLD,
    UNVERIFIED_NOTICE,
    LLMAnswerer,
    SupportChecker,
    build_llm_answerer,
    check_draft,
    packaged_smollm2,
    parse_spec,
    split_claims,
)
from ingest.embed import MINILM_NAME

try:
    from ingest.sentences import sentence_spans
except ImportError:  # before sentence splitting moved to ingest
    from assistant.text import sentence_spans
from ingest.settings import Settings
from tests.assistant.grounding import MARKER, assert_citations_grounded
from tests.servers import free_port

QUESTIONS = [
    "Would recruiting more women officers actually help?",
    "How can a police act reform be used to address gender-based violence?",
    "What role can disarmament programmes play in ending violence against women?",
    "How can changes in leadership of the security sector be an entry point?",
    "What training should security personnel receive on violence against women?",
]


# -- fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def smollm2() -> Path:
    pytest.importorskip("llama_cpp")
    return packaged_smollm2()


@pytest.fixture(scope="module")
def llama_answerer(assistant: Assistant, smollm2: Path) -> LLMAnswerer:
    return build_llm_answerer("llamacpp:smollm2", assistant.retriever, assistant.extractive, timeout_s=60)


@pytest.fixture(scope="module")
def llama_assistant(guidance_data_dir: Path, llama_answerer: LLMAnswerer) -> Assistant:
    return Assistant(Settings.load(data_dir=guidance_data_dir), answerer=llama_answerer)


@pytest.fixture(scope="module")
def llm_server(smollm2: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server (llama_cpp.server) serving SmolLM2 on a free port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("llm_server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: llama.cpp logs ~200 kB at start-up
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not come up within 120 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def openai_assistant(guidance_data_dir: Path, assistant: Assistant, llm_server: str) -> Assistant:
    ans = build_llm_answerer(f"openai:smollm2@{llm_server}", assistant.retriever, assistant.extractive,
                             timeout_s=60)
    return Assistant(Settings.load(data_dir=guidance_data_dir), answerer=ans)


@pytest.fixture(scope="module")
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield int(srv.getsockname()[1])
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


# -- helpers ---------------------------------------------------------------------------
def _norm(s: str) -> str:
    return " ".join(s.split())


def assert_checked(a: Assistant, ans: Answer) -> None:
    """What is shown is either checked LLM sentences with verbatim quotes, an abstention,
    or the extractive answer with a notice."""
    d = ans.to_dict()
    assert "checks" in d and isinstance(d["checks"], list)
    if ans.abstained:
        assert ans.answer == NOT_COVERED and ans.citations == ()
        return
    for unit in re.split(r"\n+|(?<=\][.!?])\s+|(?<=\])\s+", ans.answer.strip()):
        if unit.strip():
            assert MARKER.search(unit), f"uncited: {unit!r} in {ans.answer!r}"
    assert_citations_grounded(a, ans)
    if ans.answerer == FALLBACK_NAME:
        assert ans.notice
        return
    assert ans.answerer.startswith("llm:")
    shown = _norm(ans.answer)
    kept = [_norm(c["sentence"]) for c in ans.checks if c["action"] in ("kept", "marker_removed")]
    for chk in ans.checks:
        body = _norm(chk["sentence"]).rstrip(".!?:; ")
        if chk["action"] in ("kept", "marker_removed"):
            assert chk["supported"] and chk["similarity"] >= SIM_THRESHOLD and chk["overlap"] >= OVERLAP_THRESHOLD
            assert body in shown
        elif chk["action"] == "dropped" and "repeats" not in chk["reason"] and len(body) > 20:
            assert not chk["supported"]
            if not any(body in k for k in kept):  # e.g. a dropped heading that a kept sentence starts with
                assert body not in shown, f"dropped sentence shown: {body!r}"


def _request(a: Assistant, q: str) -> AnswerRequest:
    r = a.retrieve(q)
    return AnswerRequest(q, (), (Part(q, r),), a.settings.top_k)


# -- no model needed ---------------------------------------------------------------------
@pytest.mark.parametrize("spec", [
    "", "gpt-4", "llamacpp:", "llamacpp:/no/such/model.gguf", "openai:model", "openai:@http://127.0.0.1:1/v1",
    "openai:m@ftp://host/v1", "ollama:llama3", "openai:m@",
])
def test_bad_specs_raise_value_error(spec: str) -> None:
    with pytest.raises(ValueError, match="LLM spec"):
        parse_spec(spec)


def test_good_specs_parse(tmp_path: Path) -> None:
    model = tmp_path / "tiny.Q4.gguf"
    model.write_bytes(b"GGUF")
    s = parse_spec(f"llamacpp:{model}")
    assert s.kind == "llamacpp" and s.model == str(model.resolve()) and s.display == "tiny"
    s = parse_spec("openai:qwen2.5:0.5b@http://127.0.0.1:11434/v1/")
    assert (s.kind, s.model, s.base_url) == ("openai", "qwen2.5:0.5b", "http://127.0.0.1:11434/v1")


def test_split_claims_reads_marker_styles() -> None:
    claims = split_claims("Police should be trained. [1] Units help [2, 3].\n- Recruit women [Passage 4]\n"
                          "It works [1][1].")
    assert [(c.text, c.markers, c.bullet) for c in claims] == [
        ("Police should be trained.", (1,), False), ("Units help.", (2, 3), False),
        ("Recruit women", (4,), True), ("It works.", (1,), False),
    ]


def test_split_claims_drops_copied_or_invented_heading_numbers() -> None:
    """A model that writes "Strategy area 4.5 — …" (no such heading) must not get that
    reference shown: only the claim itself is checked and displayed."""
    claims = split_claims("- Strategy area 4.5 — Creating a strong legal framework [2]\n"
                          "Entry point 1.3: Consult women's groups [1]. Strategy 2.4 - Train staff [3]")
    assert [c.text for c in claims] == [
        "Creating a strong legal framework", "Consult women's groups.", "Train staff"]


# -- the checker on real passages with hand-written sentences ---------------------------------
@pytest.mark.slow
def test_checker_keeps_supported_drops_unsupported_and_removes_invented_markers(assistant: Assistant) -> None:
    checker = SupportChecker(assistant.retriever.embedder(MINILM_NAME))
    p1, p2 = assistant.view.get("ep-1.4"), assistant.view.get("ep-4.4")
    verbatim = _norm(p1.text[slice(*sentence_spans(p1.text)[0])])
    other = _norm(p2.text.split(". ")[0]).rstrip(".")
    draft = (f"{verbatim.rstrip('.')} [1]. "
             "The guidance says every officer must carry a firearm at all times [1]. "
             "Paris is the capital of France and has many museums [2]. "
             f"{other} [2][9]. "
             f"{other} [1].")
    checked = check_draft(draft, [p1, p2], checker)
    actions = [c["action"] for c in checked.checks]
    assert actions[0] == "kept" and checked.checks[0]["supported"]
    assert actions[1] == "dropped" and actions[2] == "dropped"  # invented claims
    assert actions[3] == "marker_removed" and checked.checks[3]["invalid_markers"] == [9]
    assert actions[4] in ("dropped",)  # repeats the previous sentence
    comp = checked.composition
    assert comp is not None
    assert "firearm" not in comp.answer and "Paris" not in comp.answer and "[9]" not in comp.answer
    assert [c.passage_id for c in comp.citations] == ["ep-1.4", "ep-4.4"]
    assert comp.answer.count("[1]") == 1 and comp.answer.count("[2]") == 1
    for c in comp.citations:
        assert c.quote in c.text and c.quote_end - c.quote_start == len(c.quote)
    assert comp.citations[0].quote == p1.text[slice(*sentence_spans(p1.text)[0])]

    # a sentence supported by passage 1 but cited to passage 2 only is not shown
    wrong = check_draft(f"{verbatim.rstrip('.')} [2].", [p1, p2], checker)
    assert wrong.composition is None and wrong.checks[0]["action"] == "dropped"
    # an unmarked sentence is checked against all given passages and cited to the one that holds it
    unmarked = check_draft(verbatim, [p2, p1], checker)
    assert unmarked.composition is not None and unmarked.composition.citations[0].passage_id == "ep-1.4"
    # abstention
    abst = check_draft("The guidance does not cover this question.", [p1], checker)
    assert abst.abstained and abst.composition == Composition(NOT_COVERED, ())
    # flag mode shows the unsupported sentence visibly marked, uncited
    flagged = check_draft(f"{verbatim.rstrip('.')} [1]. Paris is lovely in spring [1].", [p1], checker,
                          unsupported="flag")
    assert flagged.composition is not None and "not verified" in flagged.composition.answer
    assert [c["action"] for c in flagged.checks] == ["kept", "flagged"]


# -- in-process llama.cpp -----------------------------------------------------------------
@pytest.mark.slow
def test_llamacpp_answers_are_checked(llama_assistant: Assistant) -> None:
    answers = [llama_assistant.ask(q) for q in QUESTIONS]
    for ans in answers:
        assert_checked(llama_assistant, ans)
    caught = [a for a in answers if a.answerer == FALLBACK_NAME
              or any(c["action"] in ("dropped", "marker_removed") for c in a.checks)]
    assert caught, "the tiny model was expected to write at least one unsupported sentence"
    assert all(a.answerer.startswith("llm:llamacpp:SmolLM2-135M-Instruct") or a.answerer == FALLBACK_NAME
               or a.abstained for a in answers)
    for a in answers:
        if a.answerer == FALLBACK_NAME:
            assert a.notice.startswith(UNVERIFIED_NOTICE)


@pytest.mark.slow
def test_llamacpp_follow_up_is_rewritten_and_checked(llama_assistant: Assistant,
                                                     llama_answerer: LLMAnswerer) -> None:
    first = llama_assistant.ask("How do disarmament programmes relate to violence against women?")
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.answer}]
    ans = llama_assistant.ask("And what about weapons kept at home?", history)  # type: ignore[arg-type]
    assert "rewrite_ms" in llama_answerer.last_timings
    assert_checked(llama_assistant, ans)


@pytest.mark.slow
def test_streaming_yields_deltas_then_composition(assistant: Assistant, llama_answerer: LLMAnswerer) -> None:
    items = list(llama_answerer.stream(_request(assistant, QUESTIONS[0])))
    assert len(items) >= 2
    assert all(isinstance(x, str) for x in items[:-1]) and isinstance(items[-1], Composition)
    assert items[-1].answerer in (llama_answerer.label, FALLBACK_NAME)


@pytest.mark.slow
def test_llamacpp_timeout_returns_extractive_and_model_stays_usable(
        assistant: Assistant, smollm2: Path, llama_answerer: LLMAnswerer) -> None:
    fast = build_llm_answerer("llamacpp:smollm2", assistant.retriever, assistant.extractive, timeout_s=0.05)
    req = _request(assistant, QUESTIONS[1])
    t = time.perf_counter()
    comp = fast.compose(req)
    assert time.perf_counter() - t < 0.05 + 3
    assert comp.answerer == FALLBACK_NAME and "did not answer within 0.05 s" in comp.notice
    assert comp.citations and comp.answer == assistant.extractive.compose(req).answer
    later = llama_answerer.compose(req)  # the abandoned generation stopped and freed the model
    assert isinstance(later, Composition)


# -- OpenAI-compatible endpoint (real llama_cpp.server) -----------------------------------
@pytest.mark.slow
def test_openai_endpoint_answers_are_checked(openai_assistant: Assistant) -> None:
    answers = [openai_assistant.ask(q) for q in QUESTIONS[:3]]
    for ans in answers:
        assert_checked(openai_assistant, ans)
        assert ans.answerer in ("llm:openai:smollm2", FALLBACK_NAME) or ans.abstained
    assert any(a.checks for a in answers)


@pytest.mark.slow
def test_openai_streaming(assistant: Assistant, openai_assistant: Assistant) -> None:
    ans = openai_assistant.answerer
    assert isinstance(ans, LLMAnswerer)
    items = list(ans.stream(_request(assistant, QUESTIONS[2])))
    assert len(items) >= 2 and isinstance(items[-1], Composition)
    assert all(isinstance(x, str) for x in items[:-1])


@pytest.mark.slow
def test_endpoint_down_falls_back_quickly(assistant: Assistant) -> None:
    port = free_port()  # nothing listens here
    ans = build_llm_answerer(f"openai:any@http://127.0.0.1:{port}/v1", assistant.retriever,
                             assistant.extractive, timeout_s=10)
    t = time.perf_counter()
    comp = ans.compose(_request(assistant, QUESTIONS[0]))
    assert time.perf_counter() - t < 10 + 3
    assert comp.answerer == FALLBACK_NAME and comp.citations
    assert "failed" in comp.notice and "extractive answer" in comp.notice


@pytest.mark.slow
def test_silent_endpoint_times_out(assistant: Assistant, silent_server: int) -> None:
    ans = build_llm_answerer(f"openai:any@http://127.0.0.1:{silent_server}/v1", assistant.retriever,
                             assistant.extractive, timeout_s=1.0)
    t = time.perf_counter()
    comp = ans.compose(_request(assistant, QUESTIONS[0]))
    assert time.perf_counter() - t < 1.0 + 3
    assert comp.answerer == FALLBACK_NAME and comp.citations
    assert "did not answer within 1 s" in comp.notice


@pytest.mark.slow
def test_tiny_timeout_against_real_server(guidance_data_dir: Path, assistant: Assistant, llm_server: str) -> None:
    ans = build_llm_answerer(f"openai:smollm2@{llm_server}", assistant.retriever, assistant.extractive,
                             timeout_s=0.01)
    a = Assistant(Settings.load(data_dir=guidance_data_dir), answerer=ans)
    t = time.perf_counter()
    out = a.ask(QUESTIONS[3])
    assert time.perf_counter() - t < 0.01 + 5  # retrieval included
    assert out.answerer == FALLBACK_NAME and not out.abstained and "did not answer" in out.notice
    assert out.to_dict()["answerer"] == FALLBACK_NAME
