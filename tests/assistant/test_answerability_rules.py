"""The answerability judge's rules on hand-made passages (no index, no model): what
counts as addressing an aspect of the question by its words alone."""

from __future__ import annotations

import numpy as np

from assistant.answerability import AnswerabilityJudge, Cited, Thresholds
from assistant.focus import Aspect, Focus
from assistant.text import tokens
from ingest.model import Passage


def _p(pid: str, text: str) -> Passage:
    return Passage(doc_id="doc", passage_id=pid, label=pid, breadcrumb=("Doc",), text=text,
                   start=0, end=len(text), level=1, kind="bullet", section="s0", parent_id=None,
                   context="Doc", title="Doc", source_url="", last_edited="")


CITED = _p("a", "Implementing standard procedures for the investigation and documentation of cases.")
OTHERS = [_p(f"o{i}", f"Unrelated passage {i} about gardens, rivers and weather.") for i in range(6)]


def _judge() -> AnswerabilityJudge:
    # a model that finds nothing similar: only the lexical rule can address an aspect
    return AnswerabilityJudge(lambda texts: np.zeros((len(texts), 8)), [CITED, *OTHERS],
                              Thresholds(0.45, 0.6, "test"))


def _verdict(phrase: str) -> tuple[str, tuple[str, ...]]:
    focus = Focus((Aspect(phrase, "focus", tuple(tokens(phrase))),))
    v = _judge().judge(f"What is the {phrase} for this?", [Cited(CITED, CITED.text, None)], focus)
    return v.coverage, v.gaps


def test_a_phrase_whose_head_the_text_has_is_addressed() -> None:
    assert _verdict("standard procedures") == ("covered", ())


def test_sharing_a_modifier_but_not_the_head_does_not_address_a_phrase() -> None:
    coverage, gaps = _verdict("standard sanction")
    assert coverage != "covered" and gaps == ("standard sanction",)


def test_which_countries_is_answered_only_by_a_text_naming_one() -> None:
    from assistant.focus import find_focus, has_country

    assert find_focus("Which countries have set up one stop shops?").answer_type == "country"
    assert find_focus("What country-level plans exist?").answer_type != "country"
    assert has_country("as in Liberia and Sierra Leone") and not has_country("the CEDAW Committee")
    judge = _judge()
    q = "Which countries use standard procedures for cases?"
    v = judge.judge(q, [Cited(CITED, CITED.text, None)], find_focus(q))
    assert v.coverage == "not_covered" and "which countries" in v.gaps


def test_a_who_question_whose_event_the_text_never_mentions_names_it_as_a_gap() -> None:
    from assistant.focus import find_focus

    q = "Who signs off the standard procedures for the investigation of cases?"
    v = _judge().judge(q, [Cited(CITED, CITED.text, None)], find_focus(q))
    assert v.coverage != "covered" and "who signs" in v.gaps
    q = "Who implements the standard procedures for cases?"
    v = _judge().judge(q, [Cited(CITED, CITED.text, None)], find_focus(q))
    assert "who implements" not in v.gaps  # "Implementing" is that event
