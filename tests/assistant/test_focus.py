"""What a question asks for, found from its grammar."""

from __future__ import annotations

import pytest

from assistant.focus import find_focus, has_quantity, has_time


def _aspects(q: str) -> list[tuple[str, str]]:
    return [(a.text, a.kind) for a in find_focus(q).aspects]


def test_wh_determiner_phrase_is_the_focus() -> None:
    assert _aspects("What opening hours should a women's police station keep?") == [("opening hours", "focus")]
    assert _aspects("Which software should officers use?") == [("software", "focus")]
    assert _aspects("What kind of training should police receive?") == [("training", "focus")]


def test_wh_pronoun_and_light_nouns_give_no_focus() -> None:
    assert _aspects("What does the guidance recommend for recruitment?") == []
    assert _aspects("What role do women's police stations play?") == []


def test_names_numbers_and_about_objects() -> None:
    assert ("Kenya", "name") in _aspects("How are police trained in Kenya?")
    assert ("2467", "number") in _aspects("does resolution 2467 apply?")
    assert ("body cameras", "about") in _aspects("What does the guidance say about body cameras?")
    # a capital at the start of a sentence is not a name
    assert _aspects("Police stations: should they open at night?") == []


def test_answer_types() -> None:
    assert find_focus("How many women officers are there?").answer_type == "quantity"
    assert find_focus("When should a survivor be referred?").answer_type == "time"
    # "when" as a conjunction does not ask for a time
    assert find_focus("When the sector is reformed, who should be consulted?").answer_type == ""
    assert has_quantity("about 30 percent of officers") and not has_quantity("reform (UNDP, 2002)")
    assert has_time("within 24 hours") and not has_time("during reform processes")


def test_a_lone_verb_done_to_a_pronoun_is_not_an_about_topic() -> None:
    # what is done to something named earlier in the conversation: no topic of its own
    assert [a for a, _ in _aspects("Does the guidance say anything about how to protect them during trial?")] == []
    assert [a for a, _ in _aspects("Any advice on supervising it properly?")] == []
    # a verb with an object of its own, or a noun, still is
    assert [a for a, _ in _aspects("Does it say anything about how to supervise recruits?")] == ["supervise recruits"]
    assert [a for a, _ in _aspects("Does the guidance say anything about vetting?")] == ["vetting"]


def test_who_with_a_lexical_verb_asks_for_the_agent_of_that_event() -> None:
    assert ("who pays", "event") in _aspects("Who pays for the fuel of the unit's cars?")
    assert ("who appoints", "event") in _aspects("Where do the boards sit, and who appoints their members?")
    # copulas, light, semi-modal and aspectual verbs carry no event of their own
    for q in ("Who is allowed to give emergency contraception?", "Who keeps an eye on the army?",
              "Who should end up paying the running costs?", "Who is responsible?"):
        assert not any(t.startswith("who ") for t, _ in _aspects(q)), q


def test_a_condition_named_with_without_is_an_aspect_but_a_gerund_clause_is_not() -> None:
    assert ("search warrant", "focus") in _aspects("Can officers enter a home without a search warrant?")
    assert ("donor money", "focus") in _aspects("Can the units keep running without donor money?")
    assert _aspects("Can survivors speak without being overheard?") == []
    assert _aspects("How do we compare stations without delaying services?") == []


@pytest.mark.parametrize(("question", "findings"), [
    ("Is there evidence that women's police stations work?", True),
    ("What evidence is there that training changes behaviour?", True),
    ("What does the research say about women officers?", True),
    ("Any studies on this?", True),
    ("What evidence should officers collect at the scene?", False),  # the thing collected
    ("What data should stations record?", False),
    ("How should evidence of rape be stored?", False),
])
def test_findings_are_asked_for_only_when_the_question_asks_what_is_shown(question: str, findings: bool) -> None:
    assert (find_focus(question).answer_type == "evidence") is findings, question
