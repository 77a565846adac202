"""Follow-up questions: does a question lean on the conversation, and if so on what?

The decision is made from whether the question can stand alone, not from the presence of
a pronoun: "how can civil society hold the police accountable for how *they* respond?"
names its own antecedent ("the police") and is a new question. A question leans on the
conversation when

* it refers to the previous answer explicitly ("the second one you mentioned", "the last
  point", "you said");
* it opens with a continuation that has no content of its own ("what about X?", "why?",
  "how so?", "what else?", "tell me more");
* a pronoun or demonstrative comes before any content word of its own ("why does *that*
  matter?", "how do *they* recruit?"), so its antecedent must be in the conversation; or
* it has almost no content words ("In rural areas?").

Resolution produces a compact stand-alone query (the question plus the previous turn's
*topic*, never the whole previous exchange, so a new question is not swamped) and the
passages the question refers to: the previous answer's citations in order (for "that",
"why", ellipsis), the one an ordinal names ("the second one"), or none.

The words used here are closed-class function words of English, Spanish and French
(pronouns, ordinals, discourse openers), not topic words, so they carry to any page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from assistant.model import Turn
from assistant.standalone import Reading, ends_in_noun, read
from assistant.text import fold, tokens

Kind = Literal["standalone", "pronoun", "ellipsis", "ordinal", "what-about", "why", "switch-back",
               "what-else", "continuation"]

# "would the army benefit as well?": a short question ending on an additive particle asks
# whether what was just said holds for something else
ADDITIVE_MAX_WORDS = 3
_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "last": -1, "final": -1, "latter": -1, "former": 0,
    "primero": 0, "primera": 0, "segundo": 1, "segunda": 1, "tercero": 2, "tercera": 2,
    "ultimo": -1, "ultima": -1, "premier": 0, "premiere": 0, "deuxieme": 1, "second.": 1,
    "troisieme": 2, "dernier": -1, "derniere": -1, "middle": None,
}
_REFERENT_NOUN = (
    r"(?:one|point|item|thing|option|idea|bullet|area|strategy|entry point|measure|"
    r"example|suggestion|part|citation|source|reference|recommendation|paragraph|passage|quote|"
    r"sentence|line|element|aspect|punto|cosa|opcion|idee|chose|mesure|recomendacion|"
    r"recommandation|paragraphe|parrafo)"
)
# the answer itself, as an ordinal's question names it: "(the second item) on that list",
# "(the first one) in your answer"
_ANSWER_REF = re.compile(r"\b(?:on|in|from|of)\s+(?:that|this|your|the|my)\s+"
                         r"(?:list|answer|reply|response)\b")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "uno": 1, "dos": 2, "tres": 3,
                 "cuatro": 4, "cinco": 5, "un": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5}
# "the second one", "your last point", "point 2", "item two", "[3]"; a determiner of the
# answer ("your", "tu", "votre") or "of those/them" makes a bare ordinal explicit too
_ORDINAL_REF = re.compile(
    r"\b(?P<det>the|that|this|your|el|la|le|lo|tu|su|votre|ton|ta)\s+"
    r"(?P<ord>" + "|".join(re.escape(k) for k in _ORDINALS) + r")\b"
    r"(?P<noun>\s+" + _REFERENT_NOUN + r"s?"
    r"|\s+(?:of|de)\s+(?:those|these|them|esos|esas|ellos|ellas|ceux|celles|ces))?"
    r"|\b(?:number|point|item|option|bullet|no\.?|numero|punto|#)\s*"
    r"(?P<num>[1-9]|" + "|".join(_NUMBER_WORDS) + r")\b|\[(?P<mark>[1-9])\]",
)
# a return to an earlier topic, said in the question's opening clause (before its first
# comma, dash or colon): "going back to…", "can we go back to…", "let's return to…"
_RETURN_MARK = re.compile(
    r"\b(?:(?:go|going|get|getting|come|coming|turn|turning|went|circle|circling)\s+)?back to\b"
    r"|\breturn(?:ing)? to\b|\bon the subject of\b|\bvolv(?:iendo|amos|er) a\b|\bregres(?:ando|emos|ar) a\b"
    r"|\bretomando\b|\bde vuelta a\b|\b(?:revenir|revenons|de retour) (?:a|au|aux|sur)\b"
)
_BACK_REF = re.compile(
    r"\b(?:you|we)\s+(?:just\s+|already\s+)?(?:mentioned|said|listed|cited|quoted|described|named|gave|"
    r"brought up|pointed out|discussed|talked about|spoke about|were (?:talking|discussing|saying))\b"
    r"|\bmentioned (?:above|earlier|before)\b|\b(?:as )?above\b"
    r"|\bmencion(?:aste|o|amos|aron)\b|\bdijiste\b|\bhablamos\b|\bhablaste\b|\blo que (?:dijo|dijiste)\b"
    r"|\b(?:vous avez|tu as|nous avons|on a)\s+(?:mentionne|dit|evoque|parle|cite)\b"
    r"|\bdont (?:on|nous) a(?:vons)? parle\b",
)


class _Return:
    """``search`` finds a return marker in the question's opening clause only."""

    @staticmethod
    def search(q: str) -> re.Match[str] | None:
        opening = re.split(r"\s[-–—]\s|[,:;?]", q, maxsplit=1)[0]
        return _RETURN_MARK.search(opening) if len(opening.split()) <= 8 else None


_RETURN = _Return()
# adverbs that take up something said before ("on the HR side *again*", "the point from
# *earlier*"): a return when an earlier turn shares the question's words
_AGAIN = re.compile(r"\b(?:again|earlier|from before|once more|de nuevo|otra vez|encore une fois|"
                    r"de nouveau|tout a l'heure)\b")
# "what about X?" and its kin: X in place of what the previous question was about
_WHAT_ABOUT = re.compile(
    r"^\W*(?:(?:and|but|so|ok(?:ay)?|right)\W+)?(?:(?:what|how) about|what of|"
    r"(?:is it |and )?(?:the )?same (?:question |thing )?(?=(?:for|with|in)\b)|"
    r"same (?:question |thing )?about|same goes for|likewise for)\b\W*(?P<x>.*)$"
    r"|^\W*(?:(?:y|e)\s+)?(?:que hay de|que pasa con|lo mismo (?:para|con|en)|"
    r"(?:la )?misma pregunta (?:para|con|sobre))\b\W*(?P<xes>.*)$"
    r"|^\W*(?:y|e)\s+en cuanto a\b\W*(?P<xes2>.*)$"
    r"|^\W*(?:et\s+)?(?:qu'en est-il de|qu'en est il de|quid de|(?:la )?meme (?:chose|question) pour|"
    r"pareil pour)\b\W*(?P<xfr>.*)$"
    r"|^\W*et\s+(?:pour ce qui est de|concernant|en ce qui concerne)\b\W*(?P<xfr2>.*)$"
    r"|^\W*et\s+(?P<xfr3>pour\b.*)$"  # "et pour les enfants ?": a prepositional X, kept whole
    r"|^\W*(?:and\s+)?(?:as for|as to|and regarding|and concerning)\b\W*(?P<xen2>[^,;:]*)$",
)
_CONNECT = r"(?:(?:and|but|so|ok(?:ay)?|right|well|then|y|et|mais|pero|bueno|alors)\W+)*"
_WHY = re.compile(
    r"^\W*" + _CONNECT + r"(?:why|how so|how come|in what way|for what reason|"
    r"what for|what(?: is|'s|s| are) the (?:point|reasons?|reasoning|rationale|justification|logic|"
    r"purpose))\b"
    r"|^\W*(?:y\s+)?(?:por ?que|para que|cual es (?:la razon|el motivo|el sentido))\b"
    r"|^\W*(?:et\s+)?(?:pourquoi|quelle est la raison|a quoi (?:ca|cela) sert)\b",
)
_MORE = re.compile(
    r"^\W*" + _CONNECT + r"(?:what else|anything else|tell me more|more on|more about|"
    r"go on|say more|elaborate|expand on|explain|can you explain|any more|y que mas|que mas|"
    r"quoi d'autre|dis m'en plus|dites m'en plus|autre chose)\b",
)
# asks for something other than what was cited
_OTHER = re.compile(r"\b(?:else|other than|apart from|besides|aside from|otra cosa|ademas|d'autre|a part)\b")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class PriorTurn:
    """What a previous exchange was about: its stand-alone query and what it cited."""

    query: str
    cited: tuple[str, ...]  # passage uids, in marker order
    answer: str


@dataclass(frozen=True)
class Resolution:
    query: str  # stand-alone query for retrieval
    followup: bool
    kind: Kind
    focus: tuple[str, ...] = ()  # passage uids the question refers to
    previous: PriorTurn | None = None
    exclude: tuple[str, ...] = ()  # passages the question asks to go beyond ("what else?")

    @property
    def wants_reasons(self) -> bool:
        return self.kind == "why"


class FollowUpResolver(Protocol):
    def __call__(self, question: str, history: Sequence[Turn]) -> Resolution: ...


CitationFinder = Callable[[Turn], tuple[str, ...]]
# how likely a query alone retrieves passages that cover it (the coverage model's
# probability), and the passages it retrieves first
Confidence = Callable[[str], tuple[float, tuple[str, ...]]]


class ConversationResolver:
    """The default resolver. ``cited_in`` maps an assistant turn to the passages it cited
    (from the turn's ``citations`` when the front end kept them, else by finding the
    quoted sentences in the index)."""

    def __init__(self, cited_in: CitationFinder, topic_words: int = 8,
                 confidence: Confidence | None = None, text_of: Callable[[str], str] | None = None) -> None:
        self.cited_in = cited_in
        self.topic_words = topic_words
        # every request replays the whole history: remember what retrieval said of a query
        self.confidence = _remembered(confidence) if confidence else None
        self.text_of = text_of

    def __call__(self, question: str, history: Sequence[Turn]) -> Resolution:
        turns = self._replay(history)
        if not turns:
            return Resolution(question, False, "standalone")
        r = resolve_against(question, turns, self.topic_words, self.confidence)
        return _set_aside(r, question, self.text_of) if self.text_of else r

    def _replay(self, history: Sequence[Turn]) -> list[PriorTurn]:
        """Replay the conversation so a chain of follow-ups keeps its topic."""
        turns: list[PriorTurn] = []
        pending: str | None = None
        for t in history:
            if t["role"] == "user":
                if pending is not None:  # a question with no recorded answer
                    turns.append(self._turn(pending, turns, None))
                pending = t["content"]
            elif pending is not None:
                turns.append(self._turn(pending, turns, t))
                pending = None
        if pending is not None:
            turns.append(self._turn(pending, turns, None))
        return turns

    def _turn(self, question: str, prior: list[PriorTurn], answer: Turn | None) -> PriorTurn:
        if not prior:
            query = question
        else:
            query = resolve_against(question, prior, self.topic_words, self.confidence).query
        cited = self.cited_in(answer) if answer is not None else ()
        return PriorTurn(query, cited, answer["content"] if answer else "")


def _remembered(confidence: Confidence, size: int = 512) -> Confidence:
    """``confidence`` with a bounded, thread-safe memory (the web server answers from
    several threads); the resolver is rebuilt with the index, so a new generation starts
    afresh."""
    return lru_cache(maxsize=size)(confidence)


def resolve_against(question: str, turns: Sequence[PriorTurn] | PriorTurn,
                    topic_words: int = 8, confidence: Confidence | None = None) -> Resolution:
    """Discourse cues first (a return, an ordinal naming the answer, "what about", "why",
    "what else"), then the question's own structure (``standalone.read``): a dangling
    anaphor or a fragment leans on the conversation, a complete question does not. Where
    the structure is not conclusive, retrieval arbitrates (``_arbitrate``)."""
    if isinstance(turns, PriorTurn):
        turns = [turns]
    q = fold(question)
    reading = read(question)
    if (_RETURN.search(q) or _AGAIN.search(q)) and len(turns) > 1:
        earlier = _referent(q, turns[:-1], require_overlap=True)
        if earlier is not None:
            return Resolution(_join(question, _topic(earlier.query, topic_words)), True, "switch-back",
                              earlier.cited, earlier)
    previous = turns[-1]
    explicit = _explicit(question, q, reading, previous, topic_words)
    if explicit is not None:
        return explicit
    cued = bool(_BACK_REF.search(q)) or bool(_RETURN.search(q))
    leans = reading.leans or (reading.content <= 1 and not reading.bare_noun) \
        or (reading.opener and reading.content <= 4) or cued \
        or (reading.additive and reading.content <= ADDITIVE_MAX_WORDS)
    only_opened = leans and reading.opener and not reading.leans and reading.content >= 2 and not cued
    if confidence is not None and only_opened and _elsewhere(question, previous, confidence):
        # "and how can civil society hold the police to account?": it continues the
        # conversation, but as a complete question answered elsewhere it keeps its own words
        return Resolution(question, True, "continuation", (), previous)
    if confidence is not None and not cued:
        leans = _arbitrate(question, reading, leans, previous, topic_words, confidence)
    if not leans:
        earlier = _returned_to(q, turns)
        if earlier is not None:
            return Resolution(_join(question, _topic(earlier.query, topic_words)), True, "switch-back",
                              earlier.cited, earlier)
        return Resolution(question, False, "standalone", (), previous)
    # what it leans on: the latest turn, unless the question names an earlier one's words
    referent = _referent(q, turns, require_overlap=False) or previous
    kind: Kind = "switch-back" if referent is not previous else "pronoun"
    topic = _topic(referent.query, topic_words)
    if kind == "pronoun" and (reading.fragment or reading.content <= 1):
        if reading.fragment and reading.content >= 1:
            return Resolution(_keep_frame(referent.query, _fragment_body(question)), True, "ellipsis",
                              (), referent)
        return Resolution(_join(question, topic), True, "ellipsis", referent.cited, referent)
    if kind == "pronoun" and _WHY.match(q) and reading.content <= 4:
        kind = "why"
    return Resolution(_join(question, topic), True, kind, referent.cited, referent)


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    """Text-only decision (no index needed): does ``question`` lean on ``history``?"""
    return ConversationResolver(lambda _t: ())(question, history).followup


def _pronominal(q: str, m: re.Match[str]) -> bool:
    """An ordinal standing for a noun ("explain the second?", "¿puedes explicar mejor la
    segunda?"): nothing but punctuation follows it, so it names an item already given."""
    return bool(m.group("ord")) and not m.group("noun") and bool(re.match(r"\s*(?:[?.!,;:]|$)", q[m.end():]))


def _ordinal_index(m: re.Match[str]) -> int | None:
    if m.group("ord"):
        return _ORDINALS.get(m.group("ord"))
    digit = m.group("num") or m.group("mark")
    if digit in _NUMBER_WORDS:
        return _NUMBER_WORDS[digit] - 1
    return int(digit) - 1 if digit else None


def _topic(query: str, limit: int) -> str:
    """The previous query's content words, at most ``limit``: enough to keep the topic,
    too few to outweigh the new question's own words."""
    seen: list[str] = []
    for w in _WORD.findall(fold(query)):
        if tokens(w) and w not in seen:
            seen.append(w)
    return " ".join(seen[:limit])


def _join(question: str, topic: str) -> str:
    return f"{question.strip()} ({topic})" if topic else question.strip()


_PREPOSITION_START = re.compile(
    r"^(?:in|at|on|for|with|by|during|after|before|among|within|inside|outside|from|about|regarding|"
    r"concerning|without|under|over|through|across|towards?|against|between|near|around|beyond|"
    r"en|con|para|por|durante|entre|sobre|sin|contra|hacia|"
    r"dans|pour|avec|chez|pendant|sur|sous|vers|contre|sans|au|aux|a)\b")
_ARTICLES = frozenset("the a an this that these those el la los las un una le les des du".split())
_CONNECT_WORDS = frozenset("and but so also then or ok okay right well now y e pero o bueno et mais ou alors "
                           "puis bon".split())


def _set_aside(r: Resolution, question: str, text_of: Callable[[str], str]) -> Resolution:
    """"What about X?" / "and X?" asks for X in place of what the previous answer was
    about: its passages are set aside (the rest of their list comes into view) unless they
    mention X's own words (not those it shares with the previous question's frame)."""
    if r.kind not in ("what-about", "ellipsis") or r.exclude or r.previous is None or r.focus:
        return r
    own = set(tokens(question)) - set(tokens(r.previous.query))  # X's words, not the frame's
    aside = tuple(u for u in r.previous.cited if not own & set(tokens(text_of(u))))
    return Resolution(r.query, r.followup, r.kind, r.focus, r.previous, aside) if aside else r


def _arbitrate(question: str, reading: Reading, leans: bool, previous: PriorTurn, topic_words: int,
               confidence: Confidence) -> bool:
    """Retrieval settles what the structure leaves open, with one rule each way and no
    fitted parameter (more likely than not, p >= 0.5, by the coverage model):

    * an English question whose only sign of leaning is a pronoun ("how do they respond",
      which may be generic, unless an additive particle says it adds to something said:
      "can they *also*…") or that is a bare phrase ("rural police stations?", which may
      be a query typed as keywords), but that has words enough of its own (3 or more), is
      confidently covered on its own, and by passages other than those the previous
      answer cited, is about something else: it stands alone. Spanish and French clitics
      are never generic, and the coverage model is lenient for those languages, so they
      are left to the structure;
    * a short question (at most 3 words of its own) that reads as complete but is not
      covered on its own, and is once the previous topic joins it, leans on it (an
      implicit subject or object: "what happens if they refuse?"); one whose one word is
      a bare noun names what it asks about ("does the guidance recommend hotlines?")."""
    generic = ((reading.dangling and not reading.fragment) or reading.keyword_like) and not reading.also
    if leans and reading.lang == "en" and generic and not reading.opener and reading.content >= 3:
        return not _elsewhere(question, previous, confidence)
    if not leans and reading.content <= 3 and not reading.bare_noun:
        joined = _join(question, _topic(previous.query, topic_words))
        return confidence(question)[0] < 0.5 <= confidence(joined)[0]
    return leans


def _elsewhere(question: str, previous: PriorTurn, confidence: Confidence) -> bool:
    """Confidently covered on its own, by passages other than those just cited."""
    p, top = confidence(question)
    return p >= 0.5 and not set(top) & set(previous.cited)


def _explicit(question: str, q: str, reading: Reading, previous: PriorTurn,
              topic_words: int) -> Resolution | None:
    """Follow-ups that say so: an ordinal naming the answer, "what about X", "why?",
    "what else?"."""
    topic = _topic(previous.query, topic_words)
    m = _ORDINAL_REF.search(q)
    explicit = m is not None and bool(m.group("noun") or m.group("num") or m.group("mark")
                                      or m.group("ord") in ("latter", "former") or _BACK_REF.search(q)
                                      or m.group("det") in ("your", "tu", "votre", "ton", "ta")
                                      or reading.content <= 2  # "and the second?", "el tercero?"
                                      or _pronominal(q, m))
    if m and explicit and previous.cited:
        index = _ordinal_index(m)
        if m.group("ord") == "middle":  # of an odd number of items
            index = len(previous.cited) // 2 if len(previous.cited) % 2 else None
        if index is not None and -len(previous.cited) <= index < len(previous.cited):
            rest = _ANSWER_REF.sub(" ", _BACK_REF.sub(" ", _ORDINAL_REF.sub(" ", q)))
            return Resolution(_join(rest, topic), True, "ordinal", (previous.cited[index],), previous)
    named = _NAMED_ITEM.search(q)
    if named and len(previous.cited) > 1:
        index = _item_about(named.group("x"), previous)
        if index is not None:
            rest = _NAMED_ITEM.sub(" ", q)
            return Resolution(_join(f"{rest} {named.group('x')}", topic), True, "ordinal",
                              (previous.cited[index],), previous)
    wa = _WHAT_ABOUT.match(q)
    if wa:
        x = next((g for g in wa.groups() if g), "").strip(" ?.!")
        if x:
            return Resolution(_keep_frame(previous.query, x, contrast=True), True, "what-about", (), previous)
    if _WHY.match(q) and reading.content <= 4 and (reading.leans or reading.content <= 2):
        return Resolution(_join(question, topic), True, "why", previous.cited, previous)
    if _MORE.match(q):
        if _OTHER.search(q):  # "what else?": the rest of the list the answer quoted from
            return Resolution(_join(question, topic), True, "what-else", (), previous, previous.cited)
        return Resolution(_join(question, topic), True, "ellipsis", previous.cited, previous)
    return None


# an item of the answer named by what it is about: "the one about vetting", "that point on
# shelters", "la de los refugios"
_NAMED_ITEM = re.compile(
    r"\b(?:the|that|this|your|el|la|lo|le)\s+(?:one|point|bit|part|item|bullet|suggestion|idea|"
    r"recommendation|de|del|punto|idee|celle|celui)\s+(?:about|on|regarding|concerning|with|sobre|de|sur)\s+"
    r"(?P<x>[^?,;:.!]+)"
)


def _item_about(x: str, previous: PriorTurn) -> int | None:
    """The index of the previous answer's citation whose sentence shares the most content
    words with ``x`` (ties: none, so an unclear reference is not forced)."""
    words = set(tokens(x))
    scores: dict[int, int] = {}
    for sentence in re.split(r"(?<=\])[.;]?\s+|\n+", previous.answer):
        for mark in re.findall(r"\[(\d+)\]", sentence):
            i = int(mark) - 1
            if 0 <= i < len(previous.cited):
                scores[i] = max(scores.get(i, 0), len(words & set(tokens(sentence))))
    ranked = sorted(scores.values(), reverse=True)
    if not ranked or ranked[0] == 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(scores, key=lambda i: scores[i])


def _returned_to(q: str, turns: Sequence[PriorTurn]) -> PriorTurn | None:
    """A complete question that takes up an earlier question's subject (two or more of its
    content words) which the last exchange did not touch returns to that turn, even
    without "going back to"."""
    if len(turns) < 2:
        return None
    last = set(tokens(turns[-1].query)) | set(tokens(turns[-1].answer))
    words = set(tokens(q)) - last
    for t in reversed(turns[:-1]):
        if len(words & set(tokens(t.query))) >= 2:
            return t
    return None


def _referent(q: str, turns: Sequence[PriorTurn], require_overlap: bool) -> PriorTurn | None:
    """The turn a question points back to: the latest one whose question or answer shares
    content words with it; with none, the latest (or None when an overlap is required)."""
    words = set(tokens(q))

    def overlap(t: PriorTurn) -> int:
        return len(words & (set(tokens(t.query)) | set(tokens(t.answer))))

    best = max(reversed(turns), key=overlap)  # ties: the latest
    if overlap(best) == 0:
        return None if require_overlap else turns[-1]
    if not require_overlap and overlap(turns[-1]):
        return turns[-1]  # the latest turn shares words too: stay with it
    return best


def _fragment_body(question: str) -> str:
    """The fragment without its opening connective: "and at community level?" -> "at
    community level"."""
    words = question.strip().strip("¿¡").rstrip("?.! ").split()
    while words and fold(words[0]).strip(",¿") in _CONNECT_WORDS:
        words = words[1:]
    body = " ".join(words).strip(" ,")
    return re.sub(r"(?i),?\s+(?:too|as well|also|either|también|tambien|aussi|également)$", "", body)


def _keep_frame(previous_query: str, x: str, contrast: bool = False) -> str:
    """"What about X?", "and X?": the previous question's frame with X in it. A
    prepositional X ("at community level", "out in the neighbourhoods") is an adjunct and
    is added, except that "what about X?" (``contrast``) asks for X in place of the
    previous question's phrase with the same preposition, or a place in place of a place
    ("what about with shelters?" after "should police work with informal providers?");
    otherwise X takes
    the place of the previous question's phrase it shares a word with ("what about rule
    of law *programmes*?" after "can DDR *programmes* help…"), else of its object when it
    ends on one (its last run of content words, in a noun position); otherwise X is asked
    with the previous topic beside it ("what about mentoring?" after "how should police be
    trained?")."""
    words = previous_query.strip().rstrip("?.! ").split()
    x = _COMPARISON_LEAD.sub("", x) or x  # "any different for peacekeepers" -> "for peacekeepers"
    indefinite = _INDEFINITE_LEAD.match(x)
    if indefinite:
        # "anything on training?": the topic is what follows, asked beside the previous one
        return _join(x[indefinite.end():], _topic(previous_query, 8))
    if fold(x).strip() in _TIME_ADVERBS:
        return " ".join([*words, x]) + "?"  # "and afterwards?": an adjunct of time, added
    prep = _leading_preposition(x)
    if prep:
        # "what about with shelters?" contrasts with the frame's phrase of the same
        # preposition or, for a place, of any locative one; a fragment ("and about
        # equipment?") only with one of the same preposition
        pp = _prepositional_phrase(words, prep, places=contrast)
        if pp is not None:  # "what about with shelters?" after "work with informal providers?"
            return " ".join([*words[:pp[0]], x, *words[pp[1]:]]) + "?"
        return " ".join([*words, x]) + "?"  # "and in rural areas?": an adjunct, added
    if _POSSESSIVE.search(fold(x)):
        # "what about *their* relationships with workmates?": X speaks of the previous
        # question's subject, so it is asked beside that topic, not put in a slot of it
        return _join(x, _topic(previous_query, 8))
    shared = set(tokens(x))
    runs = _content_runs(words)
    slot = next((r for r in runs if shared & set(tokens(" ".join(words[r[0]:r[1]])))), None)
    if slot is None and runs and ends_in_noun(" ".join(words[:runs[-1][1]])):
        slot = runs[-1]  # its object: questions put their object last
    if slot is None:
        # no phrase to put X in place of: X with the previous topic beside it
        return _join(x, _topic(previous_query, 8))
    start, end = slot
    if start and x.split()[0].lower() in _ARTICLES and words[start - 1].lower() in _ARTICLES:
        start -= 1  # "the security forces" -> "the Special Rapporteur", not "the the …"
    return " ".join([*words[:start], x, *words[end:]]) + "?"


# words that only compare with the previous question before a prepositional phrase:
# "(any different) for peacekeepers?", "(same idea) for prosecutors?", "(the same) in the army?"
_COMPARISON_LEAD = re.compile(
    r"^(?:(?:any|the|same|different|similar|also|too|likewise|idea|thing|question|story|lo|mismo|la|misma|"
    r"meme|chose|pareil)\s+){1,3}(?=(?:for|in|at|on|with|to|para|en|con|pour|dans|avec)\b)",
    re.IGNORECASE,
)
# an indefinite that asks for more on a topic: "anything on training?", "something about costs?"
_INDEFINITE_LEAD = re.compile(r"^(?:anything|something|any more|anything more|more|algo|quelque chose)\s+"
                              r"(?:on|about|regarding|concerning|for|sobre|sur)\s+", re.IGNORECASE)
# adverbs of time that a fragment adds to the previous question ("and afterwards?")
_TIME_ADVERBS = frozenset("afterwards afterward later then next before after first finally meanwhile "
                          "despues luego antes ensuite apres avant".split())
_POSSESSIVE = re.compile(r"\b(?:their|its|his|her|sus|su|leur|leurs|ses|son|sa)\b")
_ADVERB_LEAD = frozenset("out up down over back also even just only there here".split())
_LOCATIVE = frozenset("in at on inside outside within across near en dans sur a".split())


def _leading_preposition(x: str) -> str:
    """The preposition X opens on, after at most one adverb ("*out in* the
    neighbourhoods", "*also at* community level"), or ""."""
    head = fold(x).split()[:2]
    if head and _PREPOSITION_START.match(head[0]):
        return head[0]
    if len(head) == 2 and head[0] in _ADVERB_LEAD and _PREPOSITION_START.match(head[1]):
        return head[1]
    return ""


def _prepositional_phrase(words: list[str], prep: str, places: bool = True) -> tuple[int, int] | None:
    """The previous question's phrase a prepositional X contrasts with: the last one
    opened by the same preposition, or for a place ("at the station" / "out in the
    neighbourhoods") the last one opened by a locative preposition. It runs from the
    preposition over its determiners to the end of its noun."""
    folded = [fold(w) for w in words]
    same = [i for i, w in enumerate(folded) if w == prep]
    locative = [i for i, w in enumerate(folded) if w in _LOCATIVE] if places and prep in _LOCATIVE else []
    for i in reversed(same or locative):
        j = i + 1
        while j < len(words) and folded[j] in _ARTICLES:
            j += 1
        k = j
        while k < len(words) and tokens(words[k]):
            k += 1
        if k > j:
            return i, k
    return None


def _content_runs(words: list[str]) -> list[tuple[int, int]]:
    """Maximal runs of content words (the phrases a question is made of)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and tokens(words[j]):
            j += 1
        if j > i:
            runs.append((i, j))
        i = max(j, i + 1)
    return runs
