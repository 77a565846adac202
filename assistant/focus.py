"""What a question asks about: its focus, the things an answer must address.

Retrieval finds passages *near* a question; it cannot tell whether they answer it. A
question about the opening hours of women's police stations retrieves the passage about
women's police stations, which says nothing of hours. To see that, we first find what
the question asks for, from its syntax rather than from its topic words:

* the noun phrase of a wh-determiner ("*what opening hours*", "*which software*", "*how
  many officers*"), minus semantically light nouns ("what *role* …", "what *kind of* …");
* the object of "about"/"on" after a request verb ("what does it say about *X*");
* names: capitalised words inside the sentence, acronyms, and numbers or years ("Nepal",
  "the Istanbul Convention", "resolution 2467"): they refer to one thing, so an answer
  has to mention it;
* the kind of answer asked for: a quantity ("how many", "what percentage", "how much"),
  a time ("when", "how long", "what year"), evidence, or countries ("which countries …"),
  which only a text naming a country answers (ISO 3166 names, from pytz).

Everything else in the question is context. The lists below are closed-class words of
the question grammar of English, Spanish and French (determiners, light nouns), written
once, not grown from failures on any question set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from assistant.text import STOPWORDS, STOPWORDS_OTHER, fold, tokens

AnswerType = Literal["", "quantity", "time", "evidence", "country"]
AspectKind = Literal["focus", "name", "number", "about", "event"]

# nouns that frame a question without naming what it is about
LIGHT_NOUNS = frozenset("""
role roles kind kinds type types sort sorts way ways step steps measure measures option options
example examples thing things aspect aspects area areas part parts approach approaches strategy
strategies entry point points difference differences purpose benefit benefits advantage
advantages impact effect effects challenge challenges issue issues factor factors element
elements action actions lesson lessons recommendation recommendations advice guidance page
document module text opportunity opportunities priority priorities key main best good
important useful specific other others practice practices form forms level levels extent
reason reasons thing means matter question questions topic topics idea ideas else exactly
anything something everything kinds sorts goal goals aim aims objective objectives point case link
links situation situations need needs value use uses mechanism mechanisms connection relationship
papel tipo tipos forma formas manera maneras medida medidas paso pasos ejemplo ejemplos
rol role tipe type genre genres moyen moyens mesure mesures etape etapes exemple exemples
""".split())

_WH_DET = re.compile(
    r"\b(?:what|which|whose|how many|how much|how long|how often|what percentage of|"
    r"what proportion of|what share of|what number of|how big|how large|"
    r"que|qué|cual|cuál|cuales|cuáles|cuantos|cuántos|cuantas|cuántas|cuanto|cuánto|"
    r"quel|quelle|quels|quelles|combien de)\s+(?P<np>[^?.,;:!]+)",
    re.IGNORECASE,
)
_ABOUT = re.compile(
    r"\b(?:say|says|said|mention|recommend|suggest|tell me|know|guidance|advice|anything)\s+"
    r"(?:about|on|regarding|concerning|sobre|acerca de|sur|concernant)\s+(?P<np>[^?.,;:!]+)",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\b(?:what|how much) (?:does|do|would|will|did) (?:[\w'’-]+\s+){0,5}cost\b|\bhow often\b"
    r"|\b(?:how many|how much|what (?:percentage|proportion|share|number|rate|ratio|amount|"
    r"figure|figures|statistics)|cuántos|cuantos|cuántas|cuantas|cuánto|cuanto|qué porcentaje|"
    r"combien|quel pourcentage)\b",
    re.IGNORECASE,
)
# "when" asks for a time only as an interrogative ("when should …?"), not as a
# conjunction ("when the sector is overhauled, who …?")
_TIME = re.compile(
    r"(?:^|[.?!;:]\s*|\band\s+)(?:when|cuándo|quand)\s+(?:should|do|does|did|is|are|was|were|can|could|"
    r"will|would|must|may|might|has|have|debe|deben|se|doit|doivent|faut)\b"
    r"|\bin the first (?:few )?(?:minutes?|hours?|days?|weeks?)\b"
    r"|\b(?:how long|how soon|what year|which year|by what date|what deadline|by when|"
    r"within how many|cuánto tiempo|combien de temps)\b",
    re.IGNORECASE,
)
# after a wh-word, an auxiliary means the wh-word is a pronoun ("what *does* it say"), not
# a determiner of the thing asked for ("what *opening hours*")
_CONJ = frozenset({"and", "or", "nor", "y", "o", "e", "et", "ou", "ni"})
_AUX = frozenset("""
do does did is are was were be been should can could would will must may might has have had
s re es son est sont fait font doit doivent puede pueden debe deben hace hacen
""".split())
# a quantity or a time in the cited text (years inside a reference "(UNDP, 2002)" excluded)
# asks whether something is shown to work: only findings answer that
# ("what evidence should officers collect?" asks for the thing, the object of a verb; "what
# evidence is there?" and "what does the research show?" ask for findings)
_EVIDENCE = re.compile(
    r"\b(?:is there|are there|any|show|shown|proof|prove)\s+(?:[\w-]+\s+){0,2}"
    r"(?:evidence|research|stud(?:y|ies)|trials?|data|evaluations?|proof)\b"
    r"|\b(?:what|the)\s+(?:[\w-]+\s+){0,2}(?:evidence|research|stud(?:y|ies)|trials?|data|evaluations?)\s+"
    r"(?:is there|are there|exists?|shows?|says?|suggests?|supports?|finds?|found|backs?|do we have|"
    r"is available)\b"
    r"|\bwhat (?:do|does|did) (?:the )?(?:evidence|research|stud(?:y|ies)|trials?|data|evaluations?)\b"
    r"|\b(?:evidence|proof|research|studies) (?:that|on|about)\b|\b(?:any|the|some) evidence of\b",
    re.IGNORECASE,
)
_HAS_EVIDENCE = re.compile(
    r"\b(?:evidence|stud(?:y|ies)|research|found|finds|findings|show(?:s|n|ed)?|evaluations?|trials?|"
    r"surveys?|data (?:show|suggest|indicate))\b",
    re.IGNORECASE,
)
# "is there a panic-button app …?": the thing whose existence is asked about
_EXISTENCE = re.compile(
    r"\b(?:is there|are there|is it possible to get|hay|existe|y a-t-il|existe-t-il)\s+"
    r"(?:(?:a|an|any|some|un|una|unos|unas|une|des)\b)?\s*(?P<np>[^?.,;:!]+)",
    re.IGNORECASE,
)
# "what is the standard sanction …?": the noun phrase after the copula
_COPULA = re.compile(
    r"\b(?:what|which|cual|cuál|quel|quelle)(?:'s|’s|\s+(?:is|are|was|were|es|son|est|sont))\s+"
    r"(?:(?:the|a|an|el|la|los|las|le|les|un|une)\s+)?(?P<np>[^?.,;:!]+)",
    re.IGNORECASE,
)
# "which countries have …", "in what country …": the answer is a list of country names
_COUNTRIES = re.compile(
    r"\b(?:which|what|qué|que|cuáles|cuales|quels|quelles|quel)\s+(?:other\s+|otros\s+|autres\s+)?"
    r"(?:countries|nations|países|paises|pays|(?:country|nation|país|pais)(?=\s+(?:has|have|had|is|are|"
    r"was|were|did|does|do|can|could|should|tiene|ha|es|a|est))|(?:country|nation)(?=\s*\?))(?![\w-])",
    re.IGNORECASE,
)
_HAS_QUANTITY = re.compile(
    r"(?<![\d,.])\d{1,3}(?:[.,]\d+)?\s*(?:%|per ?cent|percent)?(?![\d,.]*\d)"
    r"|\b(?:two|three|four|five|six|seven|eight|nine|"
    r"ten|twelve|twenty|hundred|thousand|million|half|third|quarter|majority|minority)\b",
    re.IGNORECASE,
)
_HAS_TIME = re.compile(
    r"\b(?:within|after|before|during|until|by)\s+(?:\d|the (?:first|end)|one|two|three|a (?:day|week|"
    r"month|year))|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|a few)"
    r"(?:\s+(?:to|or)\s+\w+)?\s*(?:hours?|days?|weeks?|months?|years?)\b|\bimmediately\b",
    re.IGNORECASE,
)
_CITATION_PAREN = re.compile(r"\([^()]*\b(?:1[89]|20)\d\d[^()]*\)")
_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,}s?$")


@dataclass(frozen=True)
class Aspect:
    text: str  # as written in the question
    kind: AspectKind
    terms: tuple[str, ...]  # stemmed content tokens


@dataclass(frozen=True)
class Focus:
    aspects: tuple[Aspect, ...]
    answer_type: AnswerType = ""

    @property
    def empty(self) -> bool:
        return not self.aspects and not self.answer_type


def find_focus(question: str) -> Focus:
    q = question.strip()
    aspects: list[Aspect] = []
    seen: set[tuple[str, ...]] = set()

    def add(text: str, kind: AspectKind) -> None:
        text = text.strip(" '’\"“”-")
        terms = tuple(tokens(text))
        if terms and terms not in seen and not any(set(terms) <= set(s) for s in seen):
            seen.add(terms)
            aspects.append(Aspect(text, kind, terms))

    for m in _WH_DET.finditer(q):
        first = _WORD.findall(m.group("np")[:40])
        if not first or fold(first[0]).strip("'’") in _AUX or fold(m.group(0)).startswith("what's"):
            continue
        np_ = _noun_phrase(m.group("np"))
        if np_:
            add(np_, "focus")
    for m in [*_COPULA.finditer(q), *_EXISTENCE.finditer(q)]:
        np_ = _noun_phrase(m.group("np"))
        if np_:
            add(np_, "focus")
    for m in _ABOUT.finditer(q):
        np_ = _noun_phrase(m.group("np"), allow_verbs=True)
        if np_ and not _verb_of_a_pronoun(m.group("np"), np_):
            add(np_, "about")
    for m in _WHO_VERB.finditer(q):
        verb = m.group("verb")
        if fold(verb) not in _AUX and fold(verb) not in _LIGHT_VERBS and tokens(verb):
            add(f"who {verb}", "event")  # the event whose agent is asked: the answer must speak of it
    for m in _CONDITION.finditer(q):
        np_ = _noun_phrase(m.group("np"))
        if np_:
            add(np_, "focus")  # a condition the answer must meet: "without a warrant"
    for name in _names(q):
        add(name, "number" if name[0].isdigit() else "name")
    main = _main_question(q)
    answer_type: AnswerType = (
        "quantity" if _QUANTITY.search(main) else "time" if _TIME.search(main)
        else "evidence" if _EVIDENCE.search(main)
        else "country" if _COUNTRIES.search(main) else "")
    return Focus(tuple(aspects), answer_type)


# verbs that carry grammar, not the event asked about ("who is *allowed* to give…", "who
# *keeps* an eye on…", "who is *supposed* to…", "who should *end* up paying…"): copulas,
# light, semi-modal and aspectual verbs
_LIGHT_VERBS = frozenset("""
be been being get gets got keep keeps kept make makes made take takes took allowed supposed able
going meant expected required needed wants want needs need has have had tends tend used end ends
ended start starts begin begins try tries continue continues
""".split())
# "who pays for…", "who should run…": the agent asked for is the subject of this verb
_WHO_VERB = re.compile(r"(?i)(?:^|[,;:?.]\s*|\band\s+)who\s+"
                       r"(?:(?:should|would|will|can|could|must|does|do)\s+)?"
                       r"(?:(?:actually|really|usually|normally|then)\s+)?(?P<verb>[a-z]+)")
# "without a warrant", "without donor money": a condition named by a noun phrase (not a
# gerund clause: "without being overheard", "without denying services")
_CONDITION = re.compile(r"(?i)\bwithout\s+(?:(?:a|an|the|any|her|his|their)\s+)?(?!being\b|having\b|\w+ing\b)"
                        r"(?P<np>[^?.,;:!]+)")
_OBJECT_PRONOUN = frozenset("them it her him this that these those".split())


def _verb_of_a_pronoun(text: str, phrase: str) -> bool:
    """"about how to *keep them*": a lone verb whose object is a pronoun says what is
    done to something named elsewhere in the conversation; the verb alone is no topic to
    look for in the cited text."""
    words = [fold(w).strip("'’") for w in _WORD.findall(text)]
    pw = [fold(w) for w in _WORD.findall(phrase)]
    if len(pw) != 1 or pw[0] not in words:
        return False
    i = words.index(pw[0])
    return i + 1 < len(words) and words[i + 1] in _OBJECT_PRONOUN


def _main_question(q: str) -> str:
    """The sentence that asks: the last one ending in "?" (or the last sentence). Text
    before it sets the scene ("our logbooks can't tell us how many …")."""
    sentences = [x for x in re.split(r"(?<=[.?!])\s+", q.strip()) if x.strip()]
    asked = [x for x in sentences if x.rstrip().endswith("?")]
    return (asked or sentences or [q])[-1]


def _noun_phrase(text: str, allow_verbs: bool = False) -> str:
    """The leading noun phrase of ``text``: content words up to the first function word
    (a verb or auxiliary usually follows: "what opening hours *should* …"), with light
    nouns and the determiners before it dropped."""
    words = _WORD.findall(text)
    out: list[str] = []
    end = 0  # index of the word after the phrase
    for i, w in enumerate(words[:8]):
        f = fold(w).strip("'’")
        if f in ("of", "de", "del", "des", "du") and out:
            out.append(w)  # "percentage of women", "number of officers"
            end = i + 1
            continue
        if f in STOPWORDS or f in STOPWORDS_OTHER:
            if out:
                break
            continue
        out.append(w)
        end = i + 1
        if not allow_verbs and len(out) >= 4:
            break
    while out and fold(out[-1]) in ("of", "de", "del", "des", "du"):
        out.pop()
    if len(out) == 1 and fold(out[0]).endswith("ed") and len(words) <= 2:
        return ""  # "what happened?": a verb, not a noun phrase
    after = fold(words[end]) if len(words) > end else ""
    if not allow_verbs and len(out) == 1 and after and after not in _AUX and after not in _CONJ and (
            after in STOPWORDS or after in STOPWORDS_OTHER):
        return ""  # "what *gets* in their way": a verb, followed by its object, not an auxiliary
    kept = [w for w in out if fold(w).strip("'’") not in LIGHT_NOUNS]
    if not kept or all(fold(w) in ("of", "de", "del", "des", "du") for w in kept):
        return ""
    # "what kind of training" -> "training": drop a light head and its "of"
    while kept and fold(kept[0]) in ("of", "de", "del", "des", "du"):
        kept.pop(0)
    return " ".join(kept)


def _names(question: str) -> list[str]:
    """Capitalised words not at the start of a sentence, acronyms, and numbers, joined into
    runs ("Istanbul Convention", "SCR 2467")."""
    out: list[str] = []
    run: list[str] = []
    sentence_start = True
    for m in _WORD.finditer(question):
        w = m.group(0)
        prev = question[max(0, m.start() - 2):m.start()]
        if re.search(r"[.?!¿¡:]\s*$", prev):
            sentence_start = True
        is_name = (
            (w[0].isupper() and not sentence_start and fold(w) not in STOPWORDS and w != "I")
            or bool(_ACRONYM.match(w)) or w[0].isdigit()
        )
        if is_name or (run and fold(w) in ("of", "de", "on", "for") and run[-1][0].isupper()):
            run.append(w)
        else:
            _flush(run, out)
            run = []
        sentence_start = False
    _flush(run, out)
    return out


def _flush(run: list[str], out: list[str]) -> None:
    while run and fold(run[-1]) in ("of", "de", "on", "for"):
        run.pop()
    if run:
        out.append(" ".join(run))


def has_quantity(text: str) -> bool:
    return bool(_HAS_QUANTITY.search(_CITATION_PAREN.sub(" ", text)))


def has_evidence(text: str) -> bool:
    return bool(_HAS_EVIDENCE.search(text))


def has_time(text: str) -> bool:
    return bool(_HAS_TIME.search(_CITATION_PAREN.sub(" ", text)))


@lru_cache(maxsize=1)
def _country_names() -> re.Pattern[str]:
    import pytz  # ISO 3166 country names; installed with gradio, declared in pyproject

    names = {n.split(",")[0].replace("&", "and") for n in pytz.country_names.values()}
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")


def has_country(text: str) -> bool:
    return bool(_country_names().search(text))
