""""Why does that matter?" is answered from what was just cited, or says it gives no reason.

Histories here are built by asking the assistant itself; the questions were written for
these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.api import NO_REASONS_TEXT
from assistant.compose import _PURPOSE, _REASON
from ingest.sentences import sentence_spans
from tests.assistant.grounding import assert_citations_grounded


@pytest.fixture(scope="module")
def module_assistant(module_data_dir: Path) -> Assistant:
    return Assistant.open(module_data_dir)


def _after(a: Assistant, first: str, then: str) -> tuple[set[str], object]:
    prev = a.ask(first)
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": prev.answer}]
    cited = {f"{c.doc_id}#{c.passage_id}" for c in prev.citations}
    return cited, a.ask(then, history)  # type: ignore[arg-type]


def test_reasons_come_from_the_cited_passages_or_their_parents(assistant: Assistant) -> None:
    cited, ans = _after(assistant, "What is a one stop shop?", "and why does that matter?")
    view = assistant.view
    allowed = set(cited) | {f"{view.by_uid[u].doc_id}#{view.by_uid[u].parent_id}" for u in cited
                            if view.by_uid[u].parent_id}
    assert ans.citations and {f"{c.doc_id}#{c.passage_id}" for c in ans.citations} <= allowed  # type: ignore[attr-defined]
    assert_citations_grounded(assistant, ans)  # type: ignore[arg-type]


def test_no_reason_in_what_was_cited_is_said_plainly(module_assistant: Assistant) -> None:
    view = module_assistant.view
    # a passage with no parent none of whose sentences gives a reason, purpose or effect
    plain = next(p for p in view.passages if not p.parent_id and len(p.text.split()) > 8
                 and not any(_REASON.search(p.text, s, e) or _PURPOSE.search(p.text, s, e)
                             for s, e in sentence_spans(p.text)))
    s, e = sentence_spans(plain.text)[0]
    history = [{"role": "user", "content": "What does the module say about this?"},
               {"role": "assistant", "content": f"{plain.text[s:e]} [1]"}]
    ans = module_assistant.ask("why does that matter?", history)  # type: ignore[arg-type]
    assert ans.abstained and ans.answer == NO_REASONS_TEXT
    assert ans.suggested_ids == (plain.uid,)
