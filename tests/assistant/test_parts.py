"""Multi-part questions: how a question is split into parts (grammar only, no index), and
how the parts are answered together from distinct passages."""

from __future__ import annotations

from typing import Any

from assistant.answerer import AnswerRequest, Part
from assistant.compose import ExtractiveAnswerer, Quote
from assistant.parts import MAX_PARTS, split_parts
from assistant.retrieve import Retrieval
from ingest.model import Passage


def texts(q: str) -> list[str]:
    return [p.text for p in split_parts(q)]


def test_coordinated_question_with_an_auxiliary_is_two_parts() -> None:
    parts = split_parts("What should happen to officers accused of domestic violence, "
                        "and has a programme dealt with this?")
    assert [p.text for p in parts] == ["What should happen to officers accused of domestic violence",
                                       "has a programme dealt with this"]
    # "this" points back: the second part is retrieved with the first part's topic
    assert parts[1].query.startswith("has a programme dealt with this (")
    assert "officers" in parts[1].query and "domestic" in parts[1].query
    assert parts[0].query == parts[0].text


def test_a_statement_is_the_context_of_its_question_not_a_part() -> None:
    q = "Units often exist on paper with no car or fuel. What should a programme budget for to avoid that?"
    assert texts(q) == ["Units often exist on paper with no car or fuel. What should a programme budget "
                        "for to avoid that"]
    # a declarative clause before "but" is context too
    parts = texts("Specialised units get more women to report, but do they lead to convictions? "
                  "Is there a real example?")
    assert parts == ["Specialised units get more women to report. do they lead to convictions",
                     "Is there a real example"]
    # a part with too little of its own borrows the previous part's topic
    assert "convictions" in split_parts("Specialised units get more women to report, but do they "
                                        "lead to convictions? Is there a real example?")[1].query


def test_one_question_stays_one_part() -> None:
    assert len(texts("Could changing where and when officers are on the beat make women safer?")) == 1
    assert len(texts("Is bringing in women only about headcount, or should it also cover who gets promoted?")) == 1
    assert len(texts("How do women's police stations and one stop shops each help survivors?")) == 1
    assert len(texts("¿Ayudaría contratar más mujeres policías?")) == 1


def test_questions_in_a_row_are_parts_up_to_the_limit() -> None:
    q = " ".join(f"What is the rule number {i} for police stations?" for i in range(6))
    assert len(texts(q)) == MAX_PARTS
    assert texts("What equipment should police stations have, and how should officers be trained?") == [
        "What equipment should police stations have", "how should officers be trained"]


def _passage(pid: str, text: str, doc: str = "page") -> Passage:
    return Passage(doc_id=doc, passage_id=pid, label=pid, breadcrumb=(), text=text, start=0,
                   end=len(text), level=1, kind="paragraph", section="s", parent_id=None,
                   context="", title="Page", source_url="page.txt", last_edited="")


class _Options(ExtractiveAnswerer):
    """The joint choice over given per-part options (scores as shares of each part's best)."""

    def __init__(self, options: dict[str, list[Quote]]) -> None:
        super().__init__(retriever=None)  # type: ignore[arg-type]
        self.options = options

    def _part_options(self, part: Part, top_k: int, limit: int = 5) -> list[Quote]:
        return self.options[part.question]


def _request(*questions: str) -> AnswerRequest:
    empty = Retrieval("", (), {})
    return AnswerRequest(" ".join(questions), (), tuple(Part(q, empty) for q in questions), 8)


def _quote(p: Passage, score: float) -> Quote:
    return Quote(p, 0, len(p.text), score)


def test_parts_sharing_a_best_passage_are_answered_from_distinct_passages() -> None:
    a = _passage("a", "The programme added an internal affairs protocol.", doc="case-study")
    c = _passage("c", "Sanctions for officers who commit violence should be applied consistently.",
                 doc="principles")
    options: dict[str, Any] = {"what should happen": [_quote(a, 1.0), _quote(c, 0.9)],
                               "has a programme": [_quote(a, 1.0)]}
    chosen = _Options(options)._part_quotes(_request("what should happen", "has a programme"))
    # not the same passage twice: the part for which another page is nearly as good takes it
    assert [q.passage.uid for q in chosen] == ["principles#c", "case-study#a"]


def test_a_part_without_a_distinct_candidate_is_left_to_the_others() -> None:
    a = _passage("a", "Few programmes succeed with training alone.")
    options: dict[str, Any] = {"why": [_quote(a, 1.0)], "what else": [_quote(a, 1.0)]}
    chosen = _Options(options)._part_quotes(_request("why", "what else"))
    assert [q.passage.uid for q in chosen] == ["page#a"]  # once, never the same sentence twice
