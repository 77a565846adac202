"""Can a question stand alone? A small grammar of English, Spanish and French questions.

No parser is installed offline, so this reads a question's structure from closed-class
words only (pronouns, clitics, determiners, auxiliaries, subordinators, connectives),
never from topic words, so it carries to any page of guidance:

* **anaphors and their antecedents.** A referring pronoun, demonstrative or clitic needs
  an antecedent. It has one inside the question when a noun phrase of the question's own
  comes before it ("how can civil society hold *the police* accountable for how *they*
  respond?"), or after it when the pronoun sits in a preposed subordinate clause
  (cataphora: "when *they* first join, what training do *new recruits* get?"). A noun is
  told from a verb by position: a word after a determiner or a preposition is a noun; a
  word right after an auxiliary, a subject pronoun, "to" or a subject "who" is a verb.
  Clitics have their own grammar: Spanish enclitics on an infinitive or gerund
  ("instalar*las*"), proclitics before the verb ("¿quién *las* financia?"), French object
  clitics ("qui *les* finance ?"), and French "y", whose antecedent can only be a
  locative or "à" phrase.
* **fragments.** A question with no finite clause (no auxiliary, no question word, and not
  an imperative, which opens on its verb) that opens on a function word is a fragment of
  the previous one: "and at community level?", "¿y en las zonas rurales?", "et pour les
  hommes ?".
* **openers.** A question that opens on a coordinating connective ("and", "y", "et")
  continues the conversation.

``read`` reports these facts; the follow-up resolver weighs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.text import fold, tokens

Lang = Literal["en", "es", "fr"]

_EN = frozenset("the a an is are was were do does did to of and what how why who which where "
                "when can should would could will this that it they".split())
_ES = frozenset("el la los las un una y de del que en es son por para como donde cuando quien "
                "cual se lo le les su sus esto eso hay puede pueden debe deben".split())
_FR = frozenset("le la les un une et de des du est sont que qui quoi pour comment pourquoi "
                "quand ou ce ces il ils elles y en au aux peut peuvent doit doivent faut".split())

# referring pronouns and demonstratives (pronoun or determiner use)
_ANAPHOR = {
    "en": frozenset("it its they them their theirs this that these those he she him her his ones".split()),
    "es": frozenset("ello eso esto esa ese esos esas ellos ellas alli ahi aquello".split()),
    "fr": frozenset("ils elles eux cela ceci ca ceux celles celui celle leur leurs".split()),
}
_DEMONSTRATIVE = {
    "en": frozenset("this that these those".split()),
    "es": frozenset("este esta estos estas ese esa esos esas aquel aquella aquellos aquellas".split()),
    "fr": frozenset("ce cet cette ces".split()),
}
_DEMONSTRATIVE_PRONOUN = frozenset("this that these those eso esto ello aquello cela ceci ca".split())
_COORDINATORS = frozenset("and but or because y pero o porque et mais ou car parce".split())
_CLITIC_ES = frozenset("lo la los las le les".split())
_CLITIC_FR = frozenset("le la les lui leur".split())
_ENCLITIC_ES = re.compile(r"^[a-z]{2,}(?:ar|er|ir|ando|iendo)(?:se|me|nos)?(?:lo|la|los|las|le|les)$")

_DETERMINERS = frozenset("""
the a an each every any some all no another other such our your my
el la los las un una unos unas del al cada todo toda todos todas otro otra otros otras mi mis tu tus
nuestro nuestra nuestros nuestras
le la les un une des du au aux chaque tout toute tous toutes autre autres mon ma mes notre nos votre vos
""".split())
_PREPOSITIONS = frozenset("""
of in on at for with by from about into through between among under over without within against
towards toward during across after before like behind beyond around regarding concerning despite upon via
de en con por para sobre entre sin contra hacia durante segun desde ante bajo
a dans sur pour par avec sans entre contre vers pendant selon chez sous apres avant
""".split())
_AUX = frozenset("""
is are was were be been being am do does did can could should would will shall may might must has have
had need needs ought
es son era eran sea sean esta estan hay puede pueden podria podrian debe deben deberia deberian
conviene conviene tiene tienen se
est sont etait etaient soit soient peut peuvent pourrait pourraient doit doivent devrait devraient
faut a ont fait font
""".split())
_WH = frozenset("""
what who whom whose which where when why how
que quien quienes cual cuales donde cuando como cuanto cuanta cuantos cuantas
quoi qui quel quelle quels quelles ou quand comment pourquoi combien
""".split())
_SUBJECT = frozenset("i you we they he she it one nous vous je tu il elle on ils elles yo".split())
_RELATIVE = frozenset("who whom which that".split())  # open a relative clause
_SUBORDINATORS = frozenset("when if once before after while as since unless until whenever "
                           "cuando si mientras aunque quand si lorsque lorsqu puisque".split())
_CONNECTIVES = frozenset("and but so also then or ok okay right well now y e pero o bueno "
                         "et mais ou alors puis bon".split())
_NEGATION = frozenset("not no ne n never".split())
# a sentence-final additive particle says "this holds for X as it did for what was just said"
_ADDITIVE_WORDS = r"too|as well|either|tambien|igualmente|aussi|egalement"
_ADDITIVE_END = re.compile(rf"\b(?:{_ADDITIVE_WORDS})\s*[?.!]*\s*$")
_ADDITIVE = re.compile(rf"\b(?:also|{_ADDITIVE_WORDS})\b")
# imperatives of asking that the stop-word list hides ("Tell me about…", "Give an example")
_SPEECH_ACT = frozenset("tell give say show list".split())
# words that look like content to the tokenizer but are grammar here
_ADVERBS = frozenset("usually often always also just still even only very quite too actually really ever "
                     "never tan muy tambien aun ya siempre aussi tres encore deja toujours vraiment".split())
_CLOSED = (_DETERMINERS | _PREPOSITIONS | _AUX | _WH | _SUBJECT | _SUBORDINATORS | _CONNECTIVES | _ADVERBS
           | frozenset("much many more most less least mas menos plus moins ne pas n".split()))
# "it" as an expletive or as the guidance itself refers to nothing in the conversation
# extraposition: "it" stands for a clause that follows ("is it worth…", "does it make sense
# to…", "how long does it take to…", "would it cost us to…")
_EXPLETIVE = re.compile(r"\b(?:it(?:'s|\s+is|\s+was|\s+be|\s+would be)|(?:is|was) it|(?:would|will) it be"
                        r"|(?:does|did|do|would|will|could|can|might) it)\s+"
                        r"(?:[a-z]+\s+){0,3}(?:to|that|if|whether)\b|\b(?:is|was) it worth\b")
_ABOUT_THE_GUIDANCE = re.compile(
    r"\b(?:does|do|did|would|could|can)\s+(?:it|they|(?:this|the) (?:guidance|page|document|text|module))\s+"
    r"(?:say|says|recommend|suggest|mention|propose|advise|cover|talk|tell)\b")
_IL_Y_A = re.compile(r"\b(?:il y a(?:vait|ura)?|y a-t-il|y-a-t-il|il y en a)(?:-t-il)?\b")
_EST_CE_QUE = re.compile(r"\best-ce qu")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,;:.?!¿¡]|-(?=[a-z])")
# number agreement (English): a plural pronoun needs a plural antecedent
_DEFINITE = frozenset("the this that these those its their his her our your my".split())
_PLURAL_PRONOUN = frozenset("they them their theirs these those".split())
_PLURAL_NOUNS = frozenset("people police women men children staff personnel military youth data media "
                          "criteria".split())
MIN_STATED_NOUNS = 2  # nouns an earlier sentence of the message needs to give an antecedent
NULL_SUBJECT = "(null subject)"  # stands in ``dangling`` for a subject Spanish leaves out
_CLAUSE_BREAK = frozenset(",;:")
_PUNCTUATION = frozenset(",;:.?!¿¡-")


@dataclass(frozen=True)
class Reading:
    """What a question's structure says about whether it can stand alone."""

    lang: Lang
    words: tuple[str, ...]
    content: int  # content words of its own
    opener: bool  # opens on a coordinating connective
    finite: bool  # has a question word, an auxiliary or opens on a verb (imperative)
    fragment: bool  # no finite clause and opens on a function word
    anaphors: tuple[str, ...]  # referring words found
    dangling: tuple[str, ...]  # those with no antecedent inside the question
    keyword_like: bool = False  # a bare phrase asked as a question: a fragment, or a query typed as keywords
    additive: bool = False  # ends on "too", "as well", "también", "aussi": presupposes what was said
    # its one word of its own is a noun with no determiner ("does the guidance recommend
    # *hotlines*?", "what is *vetting*?"): a bare noun names a kind and needs nothing said
    # before, where "what are *the costs*?" presupposes something to cost and "give me *an
    # example*" something to exemplify
    bare_noun: bool = False
    # an additive particle anywhere ("can they *also* recommend…"): what it adds to was said
    # before, so a pronoun in it is not generic
    also: bool = False

    @property
    def leans(self) -> bool:
        """The structure alone says the question needs the conversation."""
        return bool(self.dangling) or self.fragment


def language(question: str) -> Lang:
    words = re.findall(r"[a-z]+", fold(question))
    spaced = bool(re.search(r"\s[?!]", question))  # French typography: "… ?"
    counts = {"en": sum(w in _EN for w in words),
              "es": sum(w in _ES for w in words) + 2 * question.count("¿"),
              "fr": sum(w in _FR for w in words) + question.count("-t-") + 2 * spaced}
    best = max(counts, key=lambda k: (counts[k], k == "en"))
    return best  # type: ignore[return-value]


def read(question: str) -> Reading:
    lang = language(question)
    q = fold(question)
    # expletive "it" and "it" for the guidance refer to nothing; the clause stays finite
    q = _EXPLETIVE.sub(" is ", _ABOUT_THE_GUIDANCE.sub(" is ", q)) if lang == "en" else q
    # French existential "il y a" is finite and refers to nothing
    q = _IL_Y_A.sub(" est ", _EST_CE_QUE.sub(" ", q)) if lang == "fr" else q
    q = _contractions(q) if lang == "en" else q
    words = tuple(_words(q, lang))
    lexical = [w for w in words if w not in _PUNCTUATION]
    content = sum(1 for w in lexical if _is_content(w))
    first = next((w for w in lexical if w not in _CONNECTIVES), "")
    opener = bool(lexical) and lexical[0] in _CONNECTIVES
    marked = any(w in _AUX or w in _WH for w in lexical)
    # a sentence opening on a content word is an imperative ("Describe the options."), or
    # in Spanish and French a verb-first question; an English one asked with "?" and no
    # auxiliary or question word is a bare phrase ("rural police stations?")
    keyword_like = not marked and _is_content(first) and lang == "en" and question.rstrip().endswith("?")
    finite = marked or (_is_content(first) and not keyword_like) or first in _SPEECH_ACT
    fragment = not finite and (bool(first) or not lexical)
    anaphors, dangling = _anaphors(words, lang)
    if lang == "es" and _null_subject(words):
        dangling = (*dangling, NULL_SUBJECT)
    additive = bool(_ADDITIVE_END.search(q))
    bare = lang == "en" and content == 1 and finite and not opener and not anaphors and _bare_noun(words)
    return Reading(lang, words, content, opener, finite, fragment, anaphors, dangling, keyword_like, additive,
                   bare, bool(_ADDITIVE.search(q)))


def _bare_noun(words: tuple[str, ...]) -> bool:
    i = next(j for j, w in enumerate(words) if _is_content(w))
    prev = words[i - 1] if i else ""
    return i in _noun_positions(words, "en") and prev not in _DEFINITE and prev not in _DETERMINERS


def ends_in_noun(text: str) -> bool:
    """Is the last content word of ``text`` in a noun position (the object of "how should
    police respond to domestic *violence*", not the verb of "how should police be
    *trained*")?"""
    lang = language(text)
    words = tuple(_words(_contractions(fold(text)) if lang == "en" else fold(text), lang))
    content = [i for i, w in enumerate(words) if _is_content(w)]
    return bool(content) and content[-1] in _noun_positions(words, lang)


def _null_subject(words: tuple[str, ...]) -> bool:
    """Spanish drops a subject the conversation gives: a verb with nothing after it but a
    prepositional phrase or the end ("¿funcionan en zonas rurales?", "¿pueden
    denunciar?"), where a question of its own names its subject after the verb
    ("¿existen comisarías de mujeres…?", "¿pueden *las mujeres* denunciar…?")."""
    rest = [w for w in words if w not in _PUNCTUATION]
    i = 0
    while i < len(rest) and (rest[i] in _CONNECTIVES or rest[i] in _WH or rest[i] in _AUX
                             or rest[i] in _ADVERBS or rest[i] in ("se", "no")
                             or (rest[i] == "por" and i + 1 < len(rest) and rest[i + 1] == "que")):
        i += 2 if rest[i] == "por" else 1
    if i >= len(rest) or not _is_content(rest[i]):
        return False
    nxt = rest[i + 1] if i + 1 < len(rest) else ""
    return not nxt or nxt in _PREPOSITIONS or nxt in _ADVERBS or nxt in ("mejor", "peor", "bien", "mal")


def _contractions(q: str) -> str:
    """English contractions as words: "they've" -> "they have", "what's" -> "what is"; a
    possessive "'s" after a word of content is dropped ("women's groups")."""
    q = re.sub(r"n't\b", " not", q)
    q = re.sub(r"'(re|ve|ll|d|m)\b", lambda m: " " + {"re": "are", "ve": "have", "ll": "will", "d": "would",
                                                       "m": "am"}[m.group(1)], q)
    return re.sub(r"\b([a-z]+)'s\b", lambda m: m.group(1) + (" is" if m.group(1) in _CLOSED or
                                                              m.group(1) in _ANAPHOR["en"] else ""), q)


def _words(q: str, lang: Lang) -> list[str]:
    """Tokens; a French inverted subject ("peuvent-ils") keeps its hyphen as a token."""
    out = _TOKEN.findall(q)
    if lang != "fr":
        return [w for w in out if w != "-"]
    return out


def _is_content(w: str) -> bool:
    return w not in _CLOSED and bool(tokens(w)) and not w.isdigit()


def _anaphors(words: tuple[str, ...], lang: Lang) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found: list[str] = []
    dangling: list[str] = []
    nouns = _noun_positions(words, lang)
    for i, w in enumerate(words):
        kind = _referring(words, i, lang)
        if kind is None:
            continue
        found.append(w)
        if not _has_antecedent(words, i, nouns, kind):
            dangling.append(w)
    return tuple(found), tuple(dangling)


def _referring(words: tuple[str, ...], i: int, lang: Lang) -> str | None:
    """"pronoun", "proposition", "demonstrative", "locative" (French y, Spanish allí),
    "same" (the same as something said) or None when words[i] refers to nothing."""
    w = words[i]
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if lang == "fr" and (w == "y" or w.endswith("'y")):
        return "locative"
    if w in _DEMONSTRATIVE[lang] and nxt and _is_content(nxt) and (w != "that" or prev in _PREPOSITIONS):
        return "demonstrative"  # "those shops", "esas comisarías", "ces unités": already mentioned
    if w in _ANAPHOR[lang]:
        if lang == "en" and w == "that" and prev and _is_content(prev) and nxt and nxt not in _PUNCTUATION:
            return None  # relative or complement "that" after a word of the question's own
        if w in ("this", "that") and nxt in ("many", "much", "few", "little", "far", "long", "often"):
            return None  # degree: "that many beds"
        if w in ("alli", "ahi"):
            return "locative"
        return "proposition" if w in _DEMONSTRATIVE_PRONOUN else "pronoun"
    if w in ("same", "mismo", "misma", "meme") and prev in ("the", "lo", "la", "el") \
            and not _compared(words, i):
        return "same"  # "does the same go for…": the same as what was said
    if lang == "en" and w == "one" and prev not in ("no", "any", "every", "each", "the", "this", "that") \
            and not (nxt and (_is_content(nxt) or nxt == "of")):
        return "pronoun"  # "run *one* for a year", "set *one* up": not "one stop shop", "one of"
    # an object clitic stands before its verb, which ends the clause or is followed by
    # grammar: "¿quién *las* financia?"; before a noun and its verb it is an article
    after = words[i + 2] if i + 2 < len(words) else ""
    verb_next = bool(nxt) and (not after or after in "?.!,;:" or after in _PREPOSITIONS
                               or after in _DETERMINERS or after in _ADVERBS)
    if lang == "es":
        if _ENCLITIC_ES.match(w):
            return "pronoun"
        proclitic_slot = not prev or prev in _WH or prev in ("no", "se", "¿", ",")
        if w in _CLITIC_ES and proclitic_slot and verb_next and _is_content(nxt):
            return "pronoun"
    if lang == "fr":
        if prev == "-" and w in ("ils", "elles", "ce"):
            return "pronoun"  # inverted subject: "peuvent-ils", "est-ce utile"
        if w in _CLITIC_FR and (prev in _SUBJECT or prev in ("ne", "n", "-") or prev in _WH or not prev) \
                and verb_next and nxt not in _CLOSED:
            return "pronoun"
    return None


def _noun_positions(words: tuple[str, ...], lang: Lang) -> set[int]:
    """Positions of content words that can head a noun phrase: after a determiner or a
    preposition, or (English) anywhere but right after an auxiliary, a subject pronoun,
    "to" or a subject "who" (adverbs in between keep the verb slot open)."""
    out: set[int] = set()
    verb_slot = False
    after_det = False
    for i, w in enumerate(words):
        prev_word = words[i - 1] if i else ""
        if _is_content(w):
            adverb = lang == "en" and w.endswith("ly") and len(w) > 5
            if after_det or (lang == "en" and not verb_slot and not adverb and prev_word != "how"):
                out.add(i)
            if not adverb:
                verb_slot = False
            after_det = after_det and lang != "en"  # Spanish/French adjectives follow the noun
            continue
        if w in _ADVERBS:
            continue  # "who usually pays": the verb slot stays open
        after_det = w in _DETERMINERS or w in _PREPOSITIONS
        # an auxiliary that opens the clause or follows a question word is inverted: its
        # subject, a noun, comes next ("how can *survivors* report…"); after a subject
        # pronoun, a subject "who", "to" or a negation the verb comes next
        prev = words[i - 1] if i else ""
        inverted = w in _AUX and (not prev or (prev in _WH and prev != "who") or prev in _CONNECTIVES
                                  or prev in _CLAUSE_BREAK)
        verb_slot = (w in _AUX and not inverted) or w in _SUBJECT or w in ("to", "who") or w in _NEGATION
    return out


def _has_antecedent(words: tuple[str, ...], i: int, nouns: set[int], kind: str) -> bool:
    start = _sentence_start(words, i)
    before = [j for j in nouns if start <= j < i]
    if kind == "demonstrative":
        # "those shops" has its antecedent only in an earlier mention of shops
        own = set(tokens(words[i + 1]))
        return any(own & set(tokens(words[j])) for j in range(start, i))
    if kind == "proposition":
        # "why do survivors prefer *that*?": a demonstrative pronoun points to something
        # said, never to a noun of its own clause; an earlier clause may state it ("security
        # as a basic service: what does the guidance say on *that*?")
        before = [j for j in before if j < _clause_start(words, i)]
    if kind == "locative":
        # French y / Spanish allí stand for a place or an "à" phrase: a noun after a preposition
        before = [j for j in before if j and words[j - 1] in _PREPOSITIONS and words[j - 1] != "de"]
    if (kind == "pronoun" and words[i] in _PLURAL_PRONOUN) or kind == "same":
        # "a risk they…": not "risk"; "do women and men get the same training?": "same"
        # relates the things named, which must be several
        before = [j for j in before if _plural(words, j)]
    if kind in ("pronoun", "proposition") and i and words[i - 1] in _PREPOSITIONS:
        inside = _own_phrase(words, i)
        before = [j for j in before if j not in inside]
    if kind == "pronoun" and _object_of_verb(words, i):
        # "what if officers just ignore *them*?": an object pronoun is not its own clause's
        # subject (that would be "themselves"), so the clause's nouns before the verb are no
        # antecedent
        clause = max(_clause_start(words, i),
                     next((j + 1 for j in range(i - 1, -1, -1) if words[j] in _RELATIVE), 0))
        before = [j for j in before if j < clause]
    if before:
        return True
    if kind == "pronoun" and _stated_before(words, start, nouns):
        return True
    return _cataphoric(words, i, nouns)


def _object_of_verb(words: tuple[str, ...], i: int) -> bool:
    """English "them", "him", "it" right after a word of content: that word can only be a
    verb (prepositions are closed-class), and the pronoun its object."""
    return words[i] in ("them", "him", "it") and i > 0 and _is_content(words[i - 1])


def _compared(words: tuple[str, ...], i: int) -> bool:
    """"the same training *as* the police": the comparison is stated in the question."""
    end = next((j for j in range(i + 1, len(words)) if words[j] in (".", "?", "!")), len(words))
    return any(w in ("as", "que", "than", "qu") for w in words[i + 1:end])


def _own_phrase(words: tuple[str, ...], i: int) -> set[int]:
    """The nouns of the noun phrase a pronoun is the object of a preposition in: "what is
    *the reasoning* behind it?", "the purpose of the rule in it". A pronoun never stands for
    a phrase that contains it, so those nouns are no antecedent."""
    out: set[int] = set()
    j = i - 1
    while j >= 2 and words[j] in _PREPOSITIONS and _is_content(words[j - 1]) and words[j - 2] in _DETERMINERS:
        out.add(j - 1)
        j -= 3
    return out


def _plural(words: tuple[str, ...], j: int) -> bool:
    """Can the noun at ``j`` be what a plural pronoun stands for? English plural
    morphology (-s but not -ss/-us/-is), the irregular and collective plurals, or a noun
    coordinated with another ("the police and the courts")."""
    w = words[j]
    if w in _PLURAL_NOUNS or (len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is"))):
        return True
    coordinated = ("and", "or")
    return (j + 2 < len(words) and words[j + 1] in coordinated) or (j >= 2 and words[j - 1] in coordinated)


def _stated_before(words: tuple[str, ...], start: int, nouns: set[int]) -> bool:
    """A personal pronoun may point back across a sentence of the same message: "Survivors
    often have nowhere safe to sleep. Should stations have something for *them*?". The
    earlier sentence must say something (two nouns of its own), so that "Thanks. Why do
    they…" or "OK. And them?" still lean on the conversation."""
    return start > 0 and sum(1 for j in nouns if j < start) >= MIN_STATED_NOUNS


def _clause_start(words: tuple[str, ...], i: int) -> int:
    for j in range(i - 1, -1, -1):
        if words[j] in _PUNCTUATION or words[j] in _SUBORDINATORS or words[j] in _COORDINATORS:
            return j + 1
    return 0


def _sentence_start(words: tuple[str, ...], i: int) -> int:
    for j in range(i - 1, -1, -1):
        if words[j] in (".", "?", "!"):
            return j + 1
    return 0


def _cataphoric(words: tuple[str, ...], i: int, nouns: set[int]) -> bool:
    """A pronoun inside a preposed subordinate clause may point forward to the main clause:
    "when they join, what do new recruits learn?"."""
    start = _sentence_start(words, i)
    head = [w for w in words[start:i] if w not in _CONNECTIVES]
    if not head or head[0] not in _SUBORDINATORS:
        return False
    try:
        comma = next(j for j in range(i + 1, len(words)) if words[j] in _CLAUSE_BREAK)
    except StopIteration:
        return False
    end = next((j for j in range(comma + 1, len(words)) if words[j] in (".", "?", "!")), len(words))
    return any(comma < j < end for j in nouns)
