"""The parts of a question that asks more than one thing.

"Trained officers keep getting transferred. How widespread is this, and has any programme
managed to stop it?" asks two things, and across a module of pages the two answers often
sit on different pages (a challenge on one, a case study on another). Each part is
retrieved on its own so that each can be answered, and cited, from its own page.

The split uses the grammar of the question only, with closed classes of English words
(interrogatives, auxiliaries and modals, coordinators), never topic words:

* sentences: a new sentence starts after ``?``/``!``/``.`` and a capital;
* a question sentence splits again at ``;`` and where a coordinator ("and", "but", "as
  well as", "and also", "plus") is followed by an interrogative or an auxiliary that
  opens a new clause ("…, and *has* any programme…", "… but *do* they…"); "or" does not
  split ("is it about headcount, or should it cover promotion?" asks one thing), and a
  sentence whose first clause has fewer than two content words stays whole ("could
  changing where and when officers patrol…");
* a statement ("Units often exist on paper with no car or fuel.", "Specialised units get
  more women to report, but…") is not a part: it is the context of the question that
  follows it, so it travels with that question;
* a later part that points back (a pronoun or demonstrative: "has an evaluation used
  *it*?") or has too little of its own ("Is there a real example?") borrows the content
  words of the part before it for retrieval. (Borrowing only when the part's own words
  find nothing the coverage model calls covered was tried: cross-page fit 6/11 -> 4/11.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import fold, tokens

MAX_PARTS = 4
MIN_CLAUSE_WORDS = 2  # content words the first clause of a split sentence must have
MIN_OWN_WORDS = 3  # a later part with fewer content words borrows the previous part's topic
TOPIC_WORDS = 6  # how many content words it borrows (enough for the topic, not to swamp it)

_INTERROGATIVE = r"(?:what|how|why|which|who|whom|whose|where|when|whether)"
_AUXILIARY = (r"(?:is|are|was|were|do|does|did|has|have|had|can|could|should|would|will|shall|"
              r"may|might|must)")
_OPENS_CLAUSE = rf"(?={_INTERROGATIVE}\b|{_AUXILIARY}\b)"
_SENTENCE = re.compile(r"(?<=[?!.])\s+(?=[¿¡\"“]?[A-Z])")
_CLAUSE = re.compile(
    rf";\s+|,?\s+(?:and|but)\s+{_OPENS_CLAUSE}|,?\s+(?:as well as|and also|plus)\s+",
    re.IGNORECASE,
)
# pronouns and demonstratives (a closed class): a part holding one leans on the part before
# (possessives are left out: "on its own", "their own partners" bind inside the clause)
_POINTS_BACK = re.compile(r"\b(?:it|they|them|this|that|these|those)\b", re.IGNORECASE)
_ASKS = re.compile(rf"^\W*(?:{_INTERROGATIVE}|{_AUXILIARY})\b", re.IGNORECASE)


@dataclass(frozen=True)
class QuestionPart:
    """A part as the user wrote it (``text``) and what to retrieve it with (``query``:
    the text, with the statement before it and, when the part is thin, the previous
    part's topic)."""

    text: str
    query: str


def split_parts(question: str) -> list[QuestionPart]:
    """The question's parts, at most ``MAX_PARTS``; a single part means "not multi-part"."""
    texts: list[str] = []
    context: list[str] = []
    for sentence in _SENTENCE.split(question.strip()):
        s = sentence.strip()
        if not s:
            continue
        if not (s.endswith("?") or _ASKS.match(s)):
            context.append(s.rstrip(" ."))  # a statement: the context of what follows
            continue
        clauses = _clauses(s, ". ".join(context))
        for j, clause in enumerate(clauses):
            if not _ASKS.match(clause) and j < len(clauses) - 1:
                context.append(clause)  # "Units get more women to report, but do they…"
                continue
            texts.append(". ".join([*context, clause]) if context else clause)
            context = []
    if context:  # statements after the last question belong to it
        if texts:
            texts[-1] = ". ".join([texts[-1], *context])
        else:
            texts = [". ".join(context)]
    texts = [t for t in texts if len(tokens(t)) >= 1][:MAX_PARTS]
    parts: list[QuestionPart] = []
    for i, t in enumerate(texts):
        leans = bool(i and (_POINTS_BACK.search(t) or len(tokens(t)) < MIN_OWN_WORDS))
        parts.append(QuestionPart(t, f"{t} ({_topic(texts[i - 1])})" if leans else t))
    return parts


def _clauses(sentence: str, context: str = "") -> list[str]:
    """A question sentence's clauses, or the whole sentence when its first clause (with
    the statements before it) is too thin to stand as a part ("could changing where | and
    when officers patrol…" is one question) or a later one has no content word at all.
    A thin later clause is kept: it borrows its topic (``split_parts``)."""
    clauses = [c.strip(" ,.?") for c in _CLAUSE.split(sentence)]
    if len(clauses) > 1 and len(tokens(f"{context} {clauses[0]}")) >= MIN_CLAUSE_WORDS \
            and all(tokens(c) for c in clauses[1:]):
        return clauses
    return [sentence.strip(" ,.?")]


def _topic(text: str) -> str:
    """The first ``TOPIC_WORDS`` distinct content words of ``text``."""
    seen: list[str] = []
    for w in re.findall(r"[a-z0-9']+", fold(text)):
        if tokens(w) and w not in seen:
            seen.append(w)
    return " ".join(seen[:TOPIC_WORDS])
