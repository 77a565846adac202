"""Does the cited text answer what the question asks? Covered, partly covered, or not.

Retrieval-level coverage (``coverage.py``) tells an off-topic question from an in-domain
one. It cannot tell that the passage about women's police stations says nothing about
their opening hours: both are about the same topic. Here each aspect of the question's
focus (``focus.py``) is checked against the text that was actually cited:

* a name or a number (a country, a convention, a resolution) must appear in it: it names
  one thing, and a paraphrase of a name is another name;
* a focus noun phrase is addressed when its words appear in the cited text, or when the
  phrase is close in meaning to a cited sentence or to a word of the cited passages (so
  "female officers" is addressed by "women … in security institutions and forces");
* a quantity or a time asked for must be present as a quantity or a time.

What is not addressed becomes the answer's ``gaps``. With gaps, the answer is *partial*
when the rest of the question is still answered by the cited text, and *not covered* when
nothing of what the question asks for is. The two similarity thresholds are fitted by
``eval/fit_answerability.py`` on the "fit" split of the evaluation sets and saved in
``answerability.json`` with the names of the data they were fitted on.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.focus import Aspect, Focus, find_focus, has_country, has_evidence, has_quantity, has_time
from assistant.text import STOPWORDS, STOPWORDS_OTHER, fold, tokens
from ingest.model import Passage

THRESHOLDS_FILE = Path(__file__).with_name("answerability.json")
Coverage = Literal["covered", "partial", "not_covered"]
_WORD = re.compile(r"[a-z][a-z'-]+")


@dataclass(frozen=True)
class Thresholds:
    sentence: float = 0.45  # aspect phrase vs a cited sentence (MiniLM cosine)
    word: float = 0.62  # aspect phrase vs a content word of the cited passages
    fitted_on: str = "defaults (not fitted)"

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        if not path.is_file():
            return cls()
        d = json.loads(path.read_text())
        return cls(float(d["sentence"]), float(d["word"]), str(d.get("fitted_on", "")))

    def save(self, path: Path = THRESHOLDS_FILE) -> None:
        path.write_text(json.dumps({"sentence": self.sentence, "word": self.word,
                                    "fitted_on": self.fitted_on}, indent=2) + "\n")


@dataclass(frozen=True)
class AspectCheck:
    aspect: str
    kind: str
    addressed: bool
    lexical: float
    sentence: float
    word: float


@dataclass(frozen=True)
class Verdict:
    coverage: Coverage
    gaps: tuple[str, ...]
    checks: tuple[AspectCheck, ...] = ()


@dataclass(frozen=True)
class Cited:
    """What an answer cited: the passage, the quoted text and the passage's sentence vectors."""

    passage: Passage
    quote: str
    sentence_vectors: np.ndarray | None


Embed = Callable[[list[str]], np.ndarray]
# aspects that say what the question is about (not a name or a number it mentions)
_TOPICAL = ("focus", "about", "event")


class AnswerabilityJudge:
    def __init__(self, embed: Embed, passages: Sequence[Passage],
                 thresholds: Thresholds | None = None) -> None:
        self.embed = embed
        self.thresholds = thresholds or Thresholds.load()
        self._word_vectors: dict[str, np.ndarray] = {}
        self._phrases: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._passages = passages

    @cached_property
    def generic(self) -> frozenset[str]:
        """Terms in a quarter of the passages: the domain itself ("police", "violence").
        Counted on first need (only an answer with gaps needs them), not when an index is
        opened: at 10k passages that is a noticeable part of a cold start."""
        n = max(1, len(self._passages))
        df: dict[str, int] = {}
        for p in self._passages:
            for t in set(tokens(p.text)):
                df[t] = df.get(t, 0) + 1
        return frozenset(t for t, c in df.items() if c / n >= 0.25)

    def judge(self, question: str, cited: Sequence[Cited], focus: Focus | None = None,
              context: str = "") -> Verdict:
        """``context``: the stand-alone query of a follow-up, whose words count as asked."""
        focus = focus or find_focus(question)
        if not cited:
            return Verdict("not_covered", tuple(a.text for a in focus.aspects))
        english = is_english(question)
        cited_terms = {t for c in cited for t in tokens(f"{c.passage.context} {c.passage.text}")}
        checks = [self._check(a, cited, cited_terms) for a in focus.aspects
                  if english or a.kind == "number"]
        gaps = [c.aspect for c in checks if not c.addressed]
        quotes = " ".join(c.quote for c in cited)
        typed_gap = ""
        head = next((c.aspect for c in checks if c.kind in _TOPICAL and c.addressed), "")
        if focus.answer_type == "quantity" and not has_quantity(quotes):
            typed_gap = f"figures on {head}" if head and not _has_quantity_word(head) else "figures"
        elif focus.answer_type == "time" and not has_time(quotes):
            typed_gap = "timing"
        elif focus.answer_type == "evidence" and not has_evidence(quotes):
            typed_gap = "evidence of effect"
        elif focus.answer_type == "country" and not has_country(quotes):
            typed_gap = "which countries"
        if typed_gap and not any(_has_quantity_word(g) for g in gaps):
            gaps.append(typed_gap)
        if not gaps:
            return Verdict("covered", (), tuple(checks))
        primary = next((c for c in checks if c.kind in _TOPICAL), None)
        primary_missing = primary is not None and not primary.addressed
        specific_missing = any(c.kind in ("name", "number") and not c.addressed for c in checks)
        asked = {t for a in focus.aspects for t in a.terms if a.text in gaps}
        rest = set(tokens(f"{question} {context}")) - asked - self.generic
        answered_rest = bool(rest & cited_terms) or any(c.addressed for c in checks)
        # the thing asked for (a figure, a time, the wh-phrase) is missing and what remains
        # is a name the text never mentions, or nothing at all: the question is not answered
        if typed_gap or (primary_missing and specific_missing) or not answered_rest:
            return Verdict("not_covered", tuple(dict.fromkeys(gaps)), tuple(checks))
        return Verdict("partial", tuple(dict.fromkeys(gaps)), tuple(checks))

    def _check(self, a: Aspect, cited: Sequence[Cited], cited_terms: set[str]) -> AspectCheck:
        if a.kind == "event" and _same_verb(a.text.split()[-1], cited):
            return AspectCheck(a.text, a.kind, True, 1.0, 0.0, 0.0)
        present = [t for t in a.terms if t in cited_terms]
        lexical = len(present) / len(a.terms)
        if a.kind == "number" or (a.kind == "name" and not _is_acronym(a.text)):
            return AspectCheck(a.text, a.kind, lexical == 1.0, lexical, 0.0, 0.0)
        if a.kind == "name" and any(_initials_match(a.text, f"{c.passage.context} {c.passage.text}")
                                    for c in cited):
            return AspectCheck(a.text, a.kind, True, 1.0, 0.0, 0.0)
        # an acronym the cited text does not spell out is judged by meaning ("NGO" and
        # "women's organizations"), like a noun phrase. Half the words are enough only with
        # the phrase's head, its last word in English: "standard procedures" does not
        # address a "standard sanction", "women's police stations" does not address
        # "women's police hours"
        if lexical >= 0.5 and a.terms[-1] in cited_terms:
            return AspectCheck(a.text, a.kind, True, lexical, 0.0, 0.0)
        vec = self._phrase(a.text)
        sentence = max((float(np.max(c.sentence_vectors @ vec)) for c in cited
                        if c.sentence_vectors is not None and len(c.sentence_vectors)), default=0.0)
        words = self._words(cited)
        word = float(np.max(np.vstack([self._word_vectors[w] for w in words]) @ vec)) if words else 0.0
        ok = sentence >= self.thresholds.sentence or word >= self.thresholds.word
        return AspectCheck(a.text, a.kind, ok, lexical, sentence, word)

    def _phrase(self, text: str) -> np.ndarray:
        with self._lock:
            if text not in self._phrases:
                if len(self._phrases) > 4096:
                    self._phrases.clear()
                self._phrases[text] = self.embed([text])[0]
            return self._phrases[text]

    def _words(self, cited: Sequence[Cited]) -> list[str]:
        words = sorted({w for c in cited for w in _WORD.findall(fold(c.passage.text))
                        if w not in STOPWORDS and w not in STOPWORDS_OTHER and len(w) > 2})
        with self._lock:
            missing = [w for w in words if w not in self._word_vectors]
            if missing:
                for w, v in zip(missing, self.embed(missing), strict=True):
                    self._word_vectors[w] = v
        return words


def _same_verb(verb: str, cited: Sequence[Cited]) -> bool:
    """Does a cited passage use the verb, in any form ("implements" and "Implementing",
    "pays" and "paid" only by meaning)? Its base, without -s/-es/-ed/-ing, opens a word."""
    base = re.sub(r"(?:ies|es|s|ed|ing)$", "", fold(verb))
    if len(base) < 4:
        return False
    return any(w.startswith(base) for c in cited for w in re.findall(r"[a-z]+", fold(c.passage.text)))


def _is_acronym(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z0-9]{1,}s?", text.strip()))


def _initials_match(acronym: str, text: str) -> bool:
    """"SSR" in "security sector reform", "DDR" in "Disarmament, demobilisation and
    reintegration": the letters are the initials of consecutive content words."""
    letters = acronym.strip().rstrip("s").lower()
    initials = "".join(w[0] for w in re.findall(r"[a-z]+", fold(text)) if w not in STOPWORDS)
    return len(letters) >= 2 and letters in initials


def _has_quantity_word(text: str) -> bool:
    return bool(re.search(r"\b(?:percentage|proportion|share|number|rate|ratio|amount|figures?|"
                          r"statistics|days|weeks|months|years|hours|timing|evidence)\b",
                          text, re.IGNORECASE))


def is_english(question: str) -> bool:
    """Most function words are English ones (Spanish/French questions are matched to the
    English text by the multilingual embedder, not word by word)."""
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", question)]
    en = sum(w in STOPWORDS for w in words)
    other = sum(w in STOPWORDS_OTHER and w not in STOPWORDS for w in words)
    return en >= other


def not_covered_text(gaps: Sequence[str]) -> str:
    """The refusal, naming what is missing."""
    if not gaps:
        return "The guidance does not cover this question."
    return f"The guidance does not say anything about {_join(gaps)}."


def partial_text(gaps: Sequence[str]) -> str:
    return f"The cited guidance does not address {_join(gaps)}."


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
