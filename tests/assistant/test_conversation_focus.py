"""Retrieval helpers for follow-ups: the rest of a list, and the question's own words."""

from __future__ import annotations

from assistant.conversation import next_in_list, with_own_words
from assistant.retrieve import Hit, Retrieval
from ingest.model import Passage


def _p(i: int) -> Passage:
    text = f"item {i}"
    return Passage("d", f"p-{i}", f"p-{i}", (), text, 0, len(text), 1, "bullet", "s", None, "", "T", "", "",
                   order=i)


def test_what_else_continues_the_list_after_the_cited_items() -> None:
    items = [_p(i) for i in range(1, 7)]
    assert next_in_list(items, ("d#p-2", "d#p-3")) == ("d#p-4", "d#p-1", "d#p-5", "d#p-6")
    assert next_in_list(items, ("d#elsewhere",)) == ()


def test_the_questions_own_ranking_is_fused_with_the_joined_one() -> None:
    a, b, c = _p(1), _p(2), _p(3)
    joined = Retrieval("q (topic)", (Hit(a, 1.0, {}, 0.0), Hit(b, 0.9, {}, 0.0)), {"s": 1.0}, {}, {})
    alone = Retrieval("q", (Hit(c, 1.0, {}, 0.0), Hit(b, 0.9, {}, 0.0)), {"s": 0.0}, {}, {})
    fused = with_own_words(joined, alone)
    assert fused.hits[0].passage is b  # ranked by both
    assert {h.passage.uid for h in fused.hits} == {a.uid, b.uid, c.uid}
    assert fused.signals == joined.signals
