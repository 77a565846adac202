"""Short human titles for passages, e.g. "Stakeholder consultation" for a long bullet."""

from __future__ import annotations

import re

MAX_WORDS = 12
_CUT = re.compile(
    r",\s+(?:which|who|that|such as|including|acknowledging|ensuring|ideally|particularly)\b"
    r"|\s+\(|\s+to ensure\b|\s+(?:which|that)\s+(?:can|may|is|are|often)\b|\s+(?:can|may)\s+"
    r"|\s+focusing\s+on\b|;|\.\s|\.$|:"
)


_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|cf|vs|viz|al|approx|incl|no|nos|dr|mr|mrs|ms|st)|\b[A-Z])\.$",
                     re.IGNORECASE)
_OPEN_PAREN = re.compile(r"\s*[(\[][^)\]]*$")


def _cap(words: list[str]) -> str:
    if len(words) <= MAX_WORDS:
        return _tidy(" ".join(words))
    cut = _tidy(" ".join(words[:MAX_WORDS]))
    return cut + "…" if cut else ""


def _tidy(label: str) -> str:
    """Never end inside a parenthesis ("… survivors (e.g") or on dangling punctuation."""
    label = _OPEN_PAREN.sub("", label)
    label = re.sub(r"[;,]\s*(?:and|or)$", "", label)  # "…women can reach; and" ends a list item
    return label.rstrip(" ,;:-–—/&").strip()


def _first_sentence(flat: str) -> str:
    """The text up to the first full stop that is not an abbreviation ("e.g.", "No.")."""
    for m in re.finditer(r"[.!?](?=\s|$)", flat):
        if not _ABBREV.search(flat[: m.end()]):
            return flat[: m.end()]
    return flat


def short_title(text: str) -> str:
    """A heading-like title: the text before a colon, a short first sentence, or a clause;
    cut at a word boundary, never inside a parenthesis."""
    flat = re.sub(r"\s+", " ", text).strip()
    head, sep, _ = flat.partition(":")
    if sep and len(head.split()) <= 14 and len(head) <= 120:
        label = _cap(re.sub(r"\s*\([^)]*\)?$", "", head).split())
        if label:
            return label
    first = _first_sentence(flat).rstrip(".")
    if len(first.split()) <= 14:
        label = _cap(first.split())
        if label:
            return label
    m = _CUT.search(flat)
    clause = flat[: m.start()] if m and m.start() > 10 else flat
    rel = _RELATIVE_END.search(clause) if m else None
    if rel:
        # the cut fell inside a relative clause ("Agree written rules on who | may use the
        # room, …"): the clause runs on to the comma that closes it
        comma = re.compile(r"[,;]\s").search(flat, rel.start())
        if comma and len(flat[: comma.start()].split()) <= 14:
            clause = flat[: comma.start()]
    return _cap(clause.split()) or _cap(flat.split())


# a relative or wh word among the last words before a cut: the clause is not over
_RELATIVE_END = re.compile(r"\b(?:who|whom|that|which|where|when)(?:\s+\S+){0,3}$", re.IGNORECASE)


_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}
_ANNOUNCED = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r"|\d{1,2})\s+(?:main\s+|key\s+|broad\s+)?"
    r"(areas|points|entry points|strategies|steps|pillars|elements|components|principles)\b",
    re.IGNORECASE,
)


def announced_count(text: str) -> int | None:
    """The number of items an intro announces ("across four main areas:"), if any."""
    m = _ANNOUNCED.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    return _NUMBER_WORDS.get(word) or int(word)
