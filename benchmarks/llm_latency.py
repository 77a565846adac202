"""Latency of the LLM answerer with the tiny in-process model (SmolLM2-135M, llama.cpp).

    .venv/bin/python benchmarks/llm_latency.py [DATA_DIR] [--questions 10]

Per question (retrieval done beforehand, so only answering is timed): the extractive
answerer's time (baseline, same process), the LLM answerer's time to first token and
total time (generation + support check), prompt length in tokens and tokens generated.
Then a two-turn conversation at the chat-model level: how much of the follow-up's prompt
llama.cpp reuses from the first turn's KV cache (longest common token prefix) and what that
saves in prompt-evaluation time compared with the same prompt evaluated cold.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant import Assistant
from assistant.answerer import AnswerRequest, Composition, Part
from assistant.llm import LLMAnswerer, build_llm_answerer, history_messages, load_llama, packaged_smollm2
from eval import CORE_SET, load_cases
from ingest.settings import Settings


def _perf(llm: Any) -> dict[str, float]:
    import llama_cpp

    d = llama_cpp.llama_perf_context(llm._ctx.ctx)
    return {"t_p_eval_ms": d.t_p_eval_ms, "n_p_eval": d.n_p_eval,
            "t_eval_ms": d.t_eval_ms, "n_eval": d.n_eval}


def _reset_perf(llm: Any) -> None:
    import llama_cpp

    llama_cpp.llama_perf_context_reset(llm._ctx.ctx)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _ms(x: float) -> str:
    return f"{x:8.0f} ms"


def run(data_dir: Path, n_questions: int) -> None:
    base = Assistant(Settings.load(data_dir=data_dir))
    t = time.perf_counter()
    answerer = build_llm_answerer("llamacpp:smollm2", base.retriever, base.extractive, timeout_s=120)
    load_ms = (time.perf_counter() - t) * 1000
    assert isinstance(answerer, LLMAnswerer)
    llm, lock = load_llama(str(packaged_smollm2()))
    print(f"model: {answerer.label}  load (incl. checker embedder): {load_ms:.0f} ms  "
          f"n_ctx={llm.n_ctx()} threads={llm.n_threads}")

    cases = [c for c in load_cases(CORE_SET) if not c.expect_abstain and not c.history][:n_questions]
    reqs = []
    for c in cases:
        r = base.retrieve(c.question)
        reqs.append(AnswerRequest(c.question, (), (Part(c.question, r),), base.settings.top_k))
    base.extractive.compose(reqs[0])  # warm the sentence-vector cache path once
    answerer.compose(reqs[0])  # warm-up (first llama.cpp graph build)

    print(f"\n{'question':<46} {'extractive':>10} {'LLM TTFT':>11} {'LLM total':>11} "
          f"{'prompt tok':>10} {'gen tok':>7}  outcome")
    ext_ms, ttft_ms, total_ms, ptoks, gtoks, tps = [], [], [], [], [], []
    for req in reqs:
        t = time.perf_counter()
        base.extractive.compose(req)
        e = (time.perf_counter() - t) * 1000
        with lock:
            llm.reset()  # no prefix carried over from the previous question: a cold prompt
            _reset_perf(llm)
        t = time.perf_counter()
        first = None
        final: Composition | None = None
        for item in answerer.stream(req):
            if isinstance(item, str) and first is None:
                first = (time.perf_counter() - t) * 1000
            if isinstance(item, Composition):
                final = item
        total = (time.perf_counter() - t) * 1000
        perf = _perf(llm)
        assert final is not None
        outcome = ("abstained" if not final.citations else
                   "fallback" if final.answerer.startswith("extractive") else
                   f"kept {sum(c['action'] in ('kept', 'marker_removed') for c in final.checks)}"
                   f"/{len(final.checks)}")
        ext_ms.append(e)
        ttft_ms.append(first or total)
        total_ms.append(total)
        ptoks.append(perf["n_p_eval"])
        gtoks.append(perf["n_eval"])
        if perf["t_eval_ms"] > 0:
            tps.append(perf["n_eval"] / perf["t_eval_ms"] * 1000)
        print(f"{req.question[:45]:<46} {_ms(e):>10} {_ms(first or total):>11} {_ms(total):>11} "
              f"{perf['n_p_eval']:>10.0f} {perf['n_eval']:>7.0f}  {outcome}")
    med = statistics.median
    print(f"{'median':<46} {_ms(med(ext_ms)):>10} {_ms(med(ttft_ms)):>11} {_ms(med(total_ms)):>11} "
          f"{med(ptoks):>10.0f} {med(gtoks):>7.0f}")
    print(f"generation speed: median {med(tps):.0f} tok/s; LLM total / extractive = "
          f"{med(total_ms) / max(med(ext_ms), 1e-6):.0f}x")

    # -- prefix reuse across a conversation ------------------------------------------
    prompt = answerer.answer_prompt
    from assistant.llm import format_passages, prompt_passages

    q1 = "How do disarmament programmes relate to violence against women?"
    q2 = "And what about weapons kept at home?"
    r1 = base.retrieve(q1)
    req1 = AnswerRequest(q1, (), (Part(q1, r1),), base.settings.top_k)
    msgs1 = prompt.format_messages(history=[], passages=format_passages(prompt_passages(req1)), question=q1)
    a1 = answerer.chat.invoke(msgs1).text
    hist = [{"role": "user", "content": q1}, {"role": "assistant", "content": a1}]
    r2 = base.retrieve(f"{q1} {q2}", history_query=q1)
    req2 = AnswerRequest(q2, tuple(hist), (Part(f"{q1} {q2}", r2),), base.settings.top_k)  # type: ignore[arg-type]
    msgs2 = prompt.format_messages(history=history_messages(req2.history),
                                   passages=format_passages(prompt_passages(req2)), question=q2)

    def timed(msgs: list[Any], cold: bool) -> tuple[dict[str, float], int]:
        with lock:
            if cold:
                llm.reset()
            before = list(llm._input_ids)
            _reset_perf(llm)
        answerer.chat.invoke(msgs, max_tokens=1)
        after = list(llm._input_ids)
        return _perf(llm), _common_prefix(before, after)

    timed(msgs1, cold=True)  # turn 1 leaves its prompt in the KV cache
    warm, reused = timed(msgs2, cold=False)
    cold, _ = timed(msgs2, cold=True)
    again, reused_again = timed(msgs2, cold=False)
    n_prompt = cold["n_p_eval"]
    print("\nfollow-up prompt evaluation (answer step; 1 token generated):")
    print(f"  prompt length                         {n_prompt:6.0f} tokens")
    print(f"  cold (empty KV cache)                 {cold['t_p_eval_ms']:8.1f} ms  "
          f"({cold['n_p_eval']:.0f} tokens evaluated)")
    print(f"  after turn 1 (shared prefix reused)   {warm['t_p_eval_ms']:8.1f} ms  "
          f"({warm['n_p_eval']:.0f} evaluated, {reused} reused = system prompt + template)")
    print(f"  same prompt again (full prefix)       {again['t_p_eval_ms']:8.1f} ms  "
          f"({again['n_p_eval']:.0f} evaluated, {reused_again} reused)")
    saved = cold["t_p_eval_ms"] - warm["t_p_eval_ms"]
    print(f"  saved by the turn-1 prefix            {saved:8.1f} ms "
          f"({saved / max(cold['t_p_eval_ms'], 1e-6):.0%} of the cold prompt evaluation)")

    # the whole follow-up through the answerer (LLM rewrite + answer + check)
    t = time.perf_counter()
    answerer.compose(req2)
    print(f"  full follow-up via the answerer       {(time.perf_counter() - t) * 1000:8.0f} ms "
          f"(rewrite {answerer.last_timings.get('rewrite_ms', 0):.0f} ms, "
          f"first token {answerer.last_timings.get('first_token_ms', 0):.0f} ms after it)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", default=None)
    ap.add_argument("--questions", type=int, default=10)
    args = ap.parse_args()
    if args.data_dir:
        run(Path(args.data_dir), args.questions)
        return
    from ingest.pipeline import ingest

    with tempfile.TemporaryDirectory() as tmp:
        ingest(None, Settings.load(data_dir=tmp), progress=False)
        run(Path(tmp), args.questions)


if __name__ == "__main__":
    main()
