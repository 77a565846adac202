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
# an answer of three items, for ordinals
THREE_ITEMS = PriorTurn("What equipment do stations need?", ("d#a", "d#b", "d#c"), "")


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


def test_what_about_replaces_the_phrase_it_shares_a_word_with() -> None:
    prev = PriorTurn("Can DDR programmes help reduce violence after a war?", CITED, "")
    assert resolve_against("What about rule of law programmes?", prev).query == \
        "Can rule of law programmes help reduce violence after a war?"


def test_a_fragment_keeps_the_previous_frame_and_adds_a_prepositional_phrase() -> None:
    prev = PriorTurn("How should the police coordinate with health services?", CITED, "")
    r = resolve_against("and at community level?", prev)
    assert r.kind == "ellipsis" and r.query == "How should the police coordinate with health services at community level?"
    assert r.focus == ()  # a fragment asks for something new in the same frame


def test_what_about_a_prepositional_phrase_takes_the_place_of_the_one_it_contrasts_with() -> None:
    prev = PriorTurn("Should prosecutors meet with village chiefs?", CITED, "")
    assert resolve_against("what about with religious leaders?", prev).query == \
        "Should prosecutors meet with religious leaders?"
    prev = PriorTurn("What do officers need at the border post?", CITED, "")
    assert resolve_against("what about in the refugee camps?", prev).query == \
        "What do officers need in the refugee camps?"


def test_a_fragment_opening_on_an_adverb_and_a_preposition_is_added_whole() -> None:
    prev = PriorTurn("How should complaints be recorded at the station?", CITED, "")
    r = resolve_against("and out on patrol?", prev)
    assert r.query == "How should complaints be recorded at the station out on patrol?"


def test_what_about_sets_aside_previous_passages_that_do_not_mention_the_new_thing() -> None:
    texts = {CITED[0]: "One stop shops for survivors in rural areas.", CITED[1]: "Women's police stations."}
    r = ConversationResolver(lambda t: CITED if t["role"] == "assistant" else (), text_of=texts.__getitem__)(
        "What about rural areas?", HISTORY)
    assert r.kind == "what-about" and r.exclude == (CITED[1],)


def test_a_return_marker_in_the_opening_clause_and_an_earlier_turns_words_pick_that_turn() -> None:
    history: list[Turn] = [
        *HISTORY,
        {"role": "user", "content": "How should officers be trained?"},
        {"role": "assistant", "content": "Training [1]."},
    ]
    for q in ("Can we go back to the one stop shops? Who runs them?", "Who runs the shops you talked about?"):
        r = _resolver()(q, history)
        assert r.kind == "switch-back" and r.previous is not None, q
        assert r.previous.query == "What is a one stop shop?", q
    # "return to" inside a question of its own is not a return to the conversation
    assert not _resolver()("How can survivors return to work after leaving a shelter?", history).followup


def _confident(scores: dict[str, tuple[float, tuple[str, ...]]]) -> ConversationResolver:
    return ConversationResolver(lambda t: CITED if t["role"] == "assistant" else (),
                                confidence=lambda q: scores.get(q, (0.0, ())))


def test_retrieval_decides_whether_a_dangling_english_pronoun_is_generic() -> None:
    q = "How do they decide which complaints reach a prosecutor?"
    # covered on its own, by other passages than those just cited: a new question
    assert not _confident({q: (0.9, ("doc#other",))})(q, HISTORY).followup
    # covered, but by what was just cited: about the same thing
    assert _confident({q: (0.9, (CITED[0],))})(q, HISTORY).followup
    # not covered on its own: it needs the conversation
    assert _confident({q: (0.2, ("doc#other",))})(q, HISTORY).followup
    # clitics are never generic: structure alone decides
    assert _confident({"¿Quién los supervisa?": (0.9, ("doc#other",))})("¿Quién los supervisa?", HISTORY).followup


def test_a_short_complete_question_covered_only_with_the_topic_leans_on_it() -> None:
    q = "What happens if they refuse?"
    joined = f"{q} (one stop shop)"
    assert _confident({q: (0.1, ()), joined: (0.8, ())})(q, HISTORY).followup
    assert not _confident({q: (0.1, ()), joined: (0.2, ())})(q, HISTORY).followup


def test_what_about_does_not_put_a_noun_in_place_of_a_verb() -> None:
    prev = PriorTurn("How should police be trained?", CITED, "")
    r = resolve_against("What about mentoring?", prev)
    assert r.kind == "what-about" and "be mentoring" not in r.query and "mentoring" in r.query
    prev = PriorTurn("How can reviews put pressure on the security forces?", CITED, "")
    assert resolve_against("what about the Special Rapporteur?", prev).query.lower() == \
        "how can reviews put pressure on the special rapporteur?"


def test_a_complete_question_opened_by_and_keeps_its_own_words_when_answered_elsewhere() -> None:
    q = "And how do donors choose projects?"
    r = _confident({q: (0.9, ("doc#other",))})(q, HISTORY)
    assert r.followup and r.kind == "continuation" and r.query == q and r.focus == ()
    # answered by what was just cited: an ordinary follow-up on the same topic
    r = _confident({q: (0.9, (CITED[0],))})(q, HISTORY)
    assert r.followup and r.kind != "continuation" and "stop" in r.query.lower()


def test_a_complete_question_taking_up_an_earlier_subject_returns_to_it() -> None:
    history: list[Turn] = [
        {"role": "user", "content": "What is a one stop shop for survivors?"},
        {"role": "assistant", "content": "Investing in one stop shops [1]."},
        {"role": "user", "content": "How should officers be trained?"},
        {"role": "assistant", "content": "Training [1]."},
    ]
    r = _resolver()("Where should one stop shops be set up?", history)
    assert r.followup and r.kind == "switch-back" and r.previous is not None
    assert r.previous.query == "What is a one stop shop for survivors?"
    # a new subject is not a return
    assert not _resolver()("Who oversees the security sector?", history).followup


def test_the_kin_of_what_about_ask_for_x_in_the_previous_frame() -> None:
    prev = PriorTurn("How should police stations be equipped?", CITED, "")
    for q in ("same for border posts?", "What of the border posts?", "and regarding border posts?",
              "¿Qué hay de los puestos fronterizos?", "Et pour les postes frontières ?"):
        r = resolve_against(q, prev)
        assert r.followup and r.kind == "what-about", q
    # a complete question opening on a topic phrase, or on "pour", stands alone
    for q in ("Regarding vetting, what does the guidance recommend?",
              "Pour quelles raisons la police hésite-t-elle à enregistrer les plaintes ?"):
        assert not resolve_against(q, prev).followup, q


def test_ordinals_said_with_the_answer_s_determiner_or_a_number_word() -> None:
    prev = THREE_ITEMS
    assert resolve_against("Can you say more about your second point?", prev).focus == ("d#b",)
    assert resolve_against("What does item three involve?", prev).focus == ("d#c",)
    assert resolve_against("and the first of those?", prev).focus == ("d#a",)
    # an ordinal with a noun that names no item of the answer is not a reference to it
    assert not resolve_against("What is the first step in setting up a unit?", prev).followup


def test_an_item_of_the_answer_named_by_what_it_is_about() -> None:
    prev = PriorTurn("What should a station have?", ("d#a", "d#b", "d#c"),
                     "Investing in one stop shops for survivors [1]. Maintaining vehicles, cameras and "
                     "private interview rooms [2]. Establishing women police stations [3].")
    r = resolve_against("Tell me more about the one on interview rooms", prev)
    assert r.kind == "ordinal" and r.focus == ("d#b",)
    # words shared with no item, or with two items equally: no item is forced
    assert resolve_against("and the point about funding?", prev).focus != ("d#b",)
    assert not resolve_against("What is the one stop shop model?", prev).followup


def test_a_bare_ordinal_in_a_short_follow_up_names_an_item() -> None:
    prev = THREE_ITEMS
    assert resolve_against("and the first?", prev).focus == ("d#a",)
    assert resolve_against("What did you mean by the second?", prev).focus == ("d#b",)
    assert resolve_against("¿Y el tercero?", prev).focus == ("d#c",)
    # in a question with words of its own, a bare ordinal is just an adjective
    assert not resolve_against("What is the second most common complaint?", prev).followup


def test_again_or_earlier_with_an_earlier_turn_s_words_returns_to_that_turn() -> None:
    first = PriorTurn("What does the guidance say about vetting?", ("d#a",), "Vetting [1].")
    second = PriorTurn("How should officers be trained?", ("d#b",), "Training [1].")
    r = resolve_against("On vetting again: what sort of checks should recruiters run?", [first, second])
    assert r.kind == "switch-back" and r.previous is first and r.focus == ("d#a",)
    # without an earlier turn sharing its words, "again" is no return
    r = resolve_against("Can you say again how complaints are handled?", [first, second])
    assert r.kind != "switch-back"


def test_the_middle_one_and_an_ordinal_standing_for_a_noun() -> None:
    prev = THREE_ITEMS
    assert resolve_against("Say more about the middle one.", prev).focus == ("d#b",)
    assert resolve_against("¿Puedes explicar mejor la segunda?", prev).focus == ("d#b",)
    assert resolve_against("Could you explain the third?", prev).focus == ("d#c",)
    # two items have no middle one
    two = PriorTurn("What equipment do stations need?", ("d#a", "d#b"), "")
    assert resolve_against("Say more about the middle one.", two).kind != "ordinal"


def test_a_comparison_before_a_prepositional_phrase_keeps_the_frame_whole() -> None:
    prev = PriorTurn("How should officers be trained to interview survivors?", CITED, "")
    for q in ("Any different for border guards?", "same for border guards?", "Is it the same for border guards?"):
        assert resolve_against(q, prev).query == \
            "How should officers be trained to interview survivors for border guards?", q


def test_a_short_question_ending_on_an_additive_particle_leans_on_the_answer() -> None:
    prev = PriorTurn("How should officers be trained to interview survivors?", CITED, "")
    for q in ("Would border guards benefit as well?", "Prison staff too?", "¿Y los guardias fronterizos también?"):
        assert resolve_against(q, prev).followup, q
    assert "too" not in resolve_against("Prison staff too?", prev).query
    # a question with words enough of its own is not bent by a final "too"
    r = resolve_against("Should the national police academy revise its curriculum for cadets too?", prev)
    assert not r.followup


def test_a_one_word_question_naming_a_kind_is_new_and_one_presupposing_a_thing_leans() -> None:
    # each is covered only once the previous topic joins it: the structure must decide
    for q, leans in (("Does the guidance recommend hotlines?", False), ("What is vetting?", False),
                     ("What are the costs?", True), ("Give me an example", True), ("Who pays?", True)):
        low = {q: (0.1, ()), f"{q} (one stop shop)": (0.9, ())}
        assert _confident(low)(q, HISTORY).followup is leans, q


def test_the_same_as_something_said_leans_unless_the_question_states_the_comparison() -> None:
    for q in ("Does the same go for sexual harassment?", "Do the same rules apply to soldiers?",
              "¿Y lo mismo vale para los militares?"):
        assert resolve_against(q, PriorTurn("How should police respond?", CITED, "")).followup, q
    for q in ("Do women and men officers get the same training?",
              "Should soldiers get the same training as police officers?"):
        assert not resolve_against(q, PriorTurn("How should police respond?", CITED, "")).followup, q


def test_asking_for_the_reason_behind_it_is_a_why_follow_up() -> None:
    for q in ("What's the reasoning behind it?", "what is the rationale?", "¿Para qué sirve eso?",
              "À quoi ça sert ?"):
        r = resolve_against(q, PriorTurn("What is a one stop shop?", CITED, ""))
        assert r.kind == "why" and r.wants_reasons and r.focus == CITED, q
    # a question of its own about a purpose is not
    assert not resolve_against("What is the purpose of community policing forums?",
                               PriorTurn("What is a one stop shop?", CITED, "")).followup


def test_a_pronoun_with_also_is_not_generic() -> None:
    q = "Can they also recommend things for the security sector?"
    scores = {q: (0.9, ("doc#other",))}  # covered on its own by other passages
    assert _confident(scores)(q, HISTORY).followup
    generic = "Can they recommend things for the security sector?"
    assert not _confident({generic: (0.9, ("doc#other",))})(generic, HISTORY).followup


def test_french_et_pour_keeps_its_preposition() -> None:
    r = resolve_against("Et pour les enfants ?", PriorTurn("What should officers do when a rape is reported?", CITED, ""))
    assert r.kind == "what-about" and r.query.startswith("What should officers do when a rape is reported"), r.query
    assert "pour les enfants" in r.query


def test_what_about_x_speaking_of_the_previous_subject_is_asked_beside_its_topic() -> None:
    prev = PriorTurn("How should women officers be supported once they join the police?", CITED, "")
    r = resolve_against("And what about their relationships with workmates?", prev)
    assert r.kind == "what-about" and "the their" not in r.query
    assert r.query.startswith("their relationships with workmates") and "women officers" in r.query


def test_a_fragment_replaces_the_frame_s_phrase_of_the_same_preposition_only() -> None:
    prev = PriorTurn("What do the strategies say about data?", CITED, "")
    assert resolve_against("and about equipment?", prev).query == "What do the strategies say about equipment?"
    # a place in a fragment is added: the frame has no phrase of that preposition
    at = resolve_against("and at local level?", PriorTurn("Who should be consulted when reform is designed?",
                                                           CITED, ""))
    assert at.query == "Who should be consulted when reform is designed at local level?"


def test_anything_on_x_and_a_time_adverb_do_not_take_a_slot_of_the_frame() -> None:
    prev = PriorTurn("How can police make stations safer for women who report abuse?", CITED, "")
    anything = resolve_against("anything on training?", prev)
    assert anything.followup and anything.query.startswith("training (") and "anything" not in anything.query
    later = resolve_against("and afterwards?", prev)
    assert later.query == "How can police make stations safer for women who report abuse afterwards?"
