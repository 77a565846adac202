"""Text helpers shared by retrieval and answering: normalising, tokens, sentences."""

from __future__ import annotations

import re

from ingest.sentences import sentence_spans as sentence_spans  # re-exported for answerers
from ingest.terms import STOPWORDS as STOPWORDS  # re-exported: one tokenizer for ingest and questions
from ingest.terms import STOPWORDS_OTHER as STOPWORDS_OTHER
from ingest.terms import fold as fold
from ingest.terms import stem as stem
from ingest.terms import tokens as tokens

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_question(text: str) -> str:
    """Strip control characters (keeping newlines as spaces) and collapse whitespace.
    Lone surrogates (invalid UTF-8 from a terminal, JSON escapes like "\\ud800") become
    U+FFFD: they cannot be encoded, and used to crash printing and the JSON API."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub("", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return re.sub(r"\s+", " ", text).strip()


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
