"""Text helpers shared by retrieval and answering: normalising, tokens, sentences."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ingest.sentences import sentence_spans as sentence_spans  # re-exported for answerers

_TOKEN = re.compile(r"[a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing done down during each etc few for
from further had has have having he her here hers him his how i if in into is it its itself
just me more most my no nor not now of off on once only or other our ours out over own same
she should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what when where which while who whom why will
with would you your yours us may might must shall let lets please tell say says said make
thing things way ways really much many get got give go going want know think also include
includes including entail entails anything something someone kind sort well help helps
""".split())

# Spanish/French function words, so a question in either language is not "covered" by
# lexical accident on words like "de" or "la".
STOPWORDS_OTHER = frozenset("""
el la los las un una unos unas de del al y o u en con por para que qué como cómo es son se
su sus lo le les mas más muy sin sobre entre cual cuál cuales cuáles este esta estos estas
le la les des du de et ou en dans avec pour par que qui quoi comment est sont se sa son ses
un une au aux ce cette ces quel quelle quels quelles il elle ils elles nous vous on pas ne
aussi tambien también peut peuvent puede pueden doit doivent debe deben
""".split())


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_question(text: str) -> str:
    """Strip control characters (keeping newlines as spaces) and collapse whitespace.
    Lone surrogates (invalid UTF-8 from a terminal, JSON escapes like "\\ud800") become
    U+FFFD: they cannot be encoded, and used to crash printing and the JSON API."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub("", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """Lowercase, strip accents, straighten quotes: 'Women’s' == "women's"."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately light English stemmer: enough to match recruit/recruiting/recruitment."""
    for suffix in ("izations", "ization", "ments", "ment", "ings", "ing", "ions", "ion",
                   "ies", "ers", "er", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            return base + "y" if suffix == "ies" else base
    return word


def tokens(text: str) -> list[str]:
    """Content tokens, folded and stemmed (stopwords out)."""
    return [stem(t) for t in _TOKEN.findall(fold(text))
            if t not in STOPWORDS and t not in STOPWORDS_OTHER and len(t) > 1]



_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|rules|document|guidance|above|previous)"
    r"|\b(?:system|developer)\s*(?:prompt|message|:)|\byou are now\b|\bpretend\b|\bjailbreak"
    r"|\brepeat (?:the word|after me)|\bact as\b|\brole[- ]?play|\bfrom your own knowledge"
    r"|\bwrite (?:me )?(?:a|an) "
    r"(?:poem|story|song|essay|joke)|\btell me a joke\b|\byour (?:personal )?opinion\b",
    re.IGNORECASE,
)


def instruction_like(text: str) -> bool:
    """Text addressed to the assistant rather than asking about the guidance: common
    prompt-injection phrasings (ignore/forget the instructions, you are now, pretend,
    act as, role-play, system prompt). Such text is declined; nothing is ever obeyed
    either way, since answers only quote the guidance."""
    return bool(_INSTRUCTION.search(text))


_SPECIFICS = re.compile(
    r"\b(?:how many|how much|what (?:percentage|proportion|share|number|rate)|statistics?|percent"
    r"|exact(?:ly)?|dose|dosage|maximum|minimum|penalty|prison sentence|which countries|right now"
    r"|this year|latest figures?|under [\w\s']{1,30}\blaw)\b|%",
    re.IGNORECASE,
)


def asks_for_specifics(text: str) -> bool:
    """Asks for figures, doses or a given country's law: general guidance has none. Only a
    signal for the calibrated coverage model."""
    return bool(_SPECIFICS.search(text))
