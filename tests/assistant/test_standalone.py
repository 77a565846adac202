"""Stand-alone-ness from a question's structure (no history, no index needed).

The questions here were written for these tests, not taken from the evaluation sets: each
checks one piece of the grammar (antecedents, cataphora, clitics, fragments)."""

from __future__ import annotations

import pytest

from assistant.standalone import language, read


@pytest.mark.parametrize("question", [
    "Do they need a budget of their own?",  # pronoun before any noun
    "Can it work without donor money?",
    "Who trains them?",  # "who" is the subject: "trains" is a verb, not an antecedent
    "Is that realistic in a small country?",
    "How long does it take to set one up?",  # "one" standing for a noun
    "Are those mandatory?",
    "Why do survivors prefer that?",  # a demonstrative pronoun is not about a noun of its clause
    "Does this apply to the army too?",
    "Is this approach used elsewhere?",  # a demonstrative phrase names something already said
])
def test_english_anaphors_without_antecedent_lean_on_the_conversation(question: str) -> None:
    r = read(question)
    assert r.lang == "en" and r.dangling and r.leans, question


@pytest.mark.parametrize("question", [
    "What should officers do when a woman says her husband beat her?",
    "How can police stations make women feel safe when they come to report abuse?",
    "If a survivor does not want to go to court, can she still get protection?",
    "When women join the police, what support do they get?",
    "When they first join, what training do new recruits get?",  # cataphora
    "How do women's organizations get their voices into security sector reform?",
    "Is it true that women prefer to report to female officers?",  # expletive "it"
    "Does it make sense to train every officer in statement taking?",  # extraposition
    "What does it say about shelters?",  # "it" is the guidance
    "Security and justice as basic services: what does the guidance say on that?",
    "Why would police stations need that many beds?",  # degree "that"
])
def test_pronouns_with_their_antecedent_in_the_question_stand_alone(question: str) -> None:
    r = read(question)
    assert not r.dangling and not r.leans, (question, r)


@pytest.mark.parametrize("question", [
    "¿Quién los supervisa?", "¿Cuánto cuesta mantenerlos?", "¿Y eso cómo se hace?",  # proclitic, enclitic, eso
    "Qui les forme ?", "Comment les financer ?", "Ont-elles un budget propre ?",
    "Pourquoi est-ce utile d'y associer les associations locales ?",  # locative y, est-ce
    "Et les hommes, peuvent-ils aussi y jouer un rôle ?",  # y has no "à" phrase to stand for
])
def test_spanish_and_french_clitics_lean_on_the_conversation(question: str) -> None:
    r = read(question)
    assert r.lang in ("es", "fr") and r.dangling, question


@pytest.mark.parametrize("question", [
    "¿Qué pueden hacer las organizaciones de mujeres cuando la policía no las escucha?",
    "¿Cómo deben actuar los policías cuando una mujer denuncia a su pareja?",
    "Comment les femmes peuvent-elles porter plainte si elles vivent loin d'un commissariat ?",  # article les
    "Y a-t-il des commissariats réservés aux femmes dans les zones rurales ?",  # existential y
])
def test_spanish_and_french_articles_and_existentials_are_not_references(question: str) -> None:
    assert not read(question).leans, question


@pytest.mark.parametrize("question", ["and in rural areas?", "Also for prosecutors?", "¿Y para los jueces?",
                                      "Et dans les campagnes ?", "anything else?"])
def test_fragments_lean(question: str) -> None:
    assert read(question).fragment, question


def test_imperatives_and_bare_phrases() -> None:
    assert not read("Describe the mentoring options for security personnel.").fragment
    bare = read("Rural police stations?")
    assert bare.fragment and bare.keyword_like  # a fragment, or keywords: retrieval decides


def test_language() -> None:
    assert language("¿Dónde conviene instalarlas?") == "es"
    assert language("Qui les finance ?") == "fr"
    assert language("Who funds them?") == "en"


@pytest.mark.parametrize(("question", "leans"), [
    ("¿Funcionan en zonas rurales?", True), ("¿Pueden denunciar?", True), ("¿Por qué funcionan mejor?", True),
    ("¿Existen comisarías de mujeres en América Latina?", False),  # subject after the verb
    ("¿Pueden las mujeres denunciar de forma anónima?", False),
    ("¿Cómo se denuncia una agresión?", False),
])
def test_a_spanish_verb_without_a_subject_takes_it_from_the_conversation(question: str, leans: bool) -> None:
    assert read(question).leans is leans, question


@pytest.mark.parametrize(("question", "leans"), [
    # a personal pronoun may point back to a statement earlier in the same message
    ("Rural clinics rarely keep forensic kits. Who should pay for them?", False),
    ("Male commanders resist the new unit. How can donors win them over?", False),
    # a statement with too little of its own gives no antecedent
    ("Thanks. Who should pay for them?", True),
    ("OK, great. Do they work in rural areas?", True),
])
def test_a_statement_earlier_in_the_message_can_hold_the_antecedent(question: str, leans: bool) -> None:
    assert read(question).leans is leans, question


@pytest.mark.parametrize(("question", "leans"), [
    # a plural pronoun cannot stand for a singular noun of the question
    ("Is there a chance they drop the complaint later?", True),
    ("Does the unit lose its budget when they rotate?", True),
    # a plural noun, an irregular plural or two coordinated nouns can
    ("Do survivors trust the unit when they report?", False),
    ("Should the police explain to the woman what they will do next?", False),
    ("Can the prosecutor and the judge meet before they decide?", False),
])
def test_a_plural_pronoun_needs_a_plural_antecedent(question: str, leans: bool) -> None:
    assert read(question).leans is leans, question


def test_imperatives_of_asking_are_complete_requests() -> None:
    for q in ("Tell me about vetting procedures.", "Give an overview of oversight bodies.",
              "Show the strategies on training"):
        r = read(q)
        assert r.finite and not r.fragment, q
    assert read("and for the army?").fragment


@pytest.mark.parametrize(("question", "leans"), [
    ("What is the evidence behind it?", True),  # "evidence" contains "it": no antecedent
    ("What is the purpose of the rule in it?", True),
    ("How can stations keep survivors safe while officers take statements from them?", False),
])
def test_a_pronoun_does_not_stand_for_the_phrase_that_contains_it(question: str, leans: bool) -> None:
    assert read(question).leans is leans, question


def test_a_lone_noun_without_a_determiner_is_bare() -> None:
    assert read("Does the guidance recommend hotlines?").bare_noun
    assert read("What is vetting?").bare_noun
    assert not read("What are the costs?").bare_noun
    assert not read("Give me an example").bare_noun
    assert not read("¿Qué es la violencia?").bare_noun  # Spanish nouns take articles even as kinds


@pytest.mark.parametrize(("question", "leans"), [
    ("What if officers just ignore them?", True),  # "officers" is the subject of "ignore"
    ("What if the police refuse to register it?", True),
    ("Can police help survivors and protect them?", False),  # an earlier clause holds it
    ("Do survivors trust officers who question them?", False),  # "who" opens the clause
])
def test_an_object_pronoun_does_not_stand_for_its_own_clause_s_subject(question: str, leans: bool) -> None:
    assert read(question).leans is leans, question
