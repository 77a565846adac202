"""The follow-up resolver decides from whether a question can stand alone."""

from __future__ import annotations

from assistant.followup import ConversationResolver, PriorTurn, resolve_against
from assistant.model import Turn

HISTORY: list[Turn] = [
    {"role": "user", "content": "What is a one stop shop?"},
    {"role": "assistant", "content": "Investing in one stop shops to meet the needs of survivors [1]. "
                                     "Establishing women's police stations [2]."},
]
CITED = ("doc#st-3.6", "doc#st-3.5")


def _resolver() -> ConversationResolver:
    return ConversationResolver(lambda turn: CITED if turn["role"] == "assistant" else ())


def test_a_pronoun_with_its_antecedent_in_the_question_is_a_new_question() -> None:
    r = _resolver()("How can civil society hold the police accountable for how they respond "
                    "to violence against women?", HISTORY)
    assert not r.followup and r.kind == "standalone"
    assert "stop" not in r.query.lower()  # not glued to the previous question


def test_dangling_pronouns_and_short_continuations_lean_on_the_conversation() -> None:
    for q in ("Why does that matter?", "and in rural areas?", "Who is supposed to run it?",
              "How do they recruit staff?", "Pourquoi est-ce utile ?"):
        r = _resolver()(q, HISTORY)
        assert r.followup, q
        assert "stop" in r.query.lower(), q  # the previous topic joins the query…
        assert len(r.query.split()) <= len(q.split()) + 8, q  # …compactly


def test_why_asks_for_reasons_about_the_previous_citations() -> None:
    r = _resolver()("why does that matter?", HISTORY)
    assert r.kind == "why" and r.wants_reasons and r.focus == CITED


def test_ordinals_pick_the_previous_citations_in_order() -> None:
    assert _resolver()("the second one you mentioned, how does it work in villages?", HISTORY).focus == (CITED[1],)
    assert _resolver()("Tell me more about the first point", HISTORY).focus == (CITED[0],)
    assert _resolver()("and the last one?", HISTORY).focus == (CITED[-1],)
    # "the first step" in a question of its own is not a reference to the answer
    assert _resolver()("What is the first step in reforming a police service?", HISTORY).kind == "standalone"


def test_what_about_keeps_the_frame_with_the_new_object() -> None:
    prev = PriorTurn("How should police respond to domestic violence?", CITED, "")
    r = resolve_against("What about sexual harassment?", prev)
    assert r.kind == "what-about"
    assert r.query == "How should police respond to sexual harassment?"


def test_what_else_excludes_what_was_cited() -> None:
    r = _resolver()("what else, apart from those?", HISTORY)
    assert r.followup and r.kind == "what-else" and set(r.exclude) == set(CITED)


def test_switch_back_to_an_earlier_turn() -> None:
    history: list[Turn] = [
        *HISTORY,
        {"role": "user", "content": "How should officers be trained?"},
        {"role": "assistant", "content": "Training [1]."},
    ]
    r = _resolver()("Going back to the one stop shops, where should they be set up?", history)
    assert r.kind == "switch-back" and r.previous is not None
    assert r.previous.query == "What is a one stop shop?"


def test_no_history_is_never_a_follow_up() -> None:
    assert not _resolver()("why does that matter?", []).followup


def test_it_with_a_verb_is_a_reference_and_french_clitic_y_points_back() -> None:
    assert _resolver()("How much would it cost to run one?", HISTORY).followup
    assert not _resolver()("Is it worth training every officer in how to take statements?", HISTORY).followup
    assert _resolver()("Pourquoi est-ce utile d'y associer les associations de femmes rurales ?", HISTORY).followup
    assert not _resolver()("Il y a-t-il des commissariats réservés aux femmes dans les zones rurales ?",
                           HISTORY).followup
