"""Sentence boundaries inside a passage (used to embed sentences at ingest and to quote
them at answer time, so both agree on what a sentence is)."""

from __future__ import annotations

import re

_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[A-Z‘“'\"(])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|cf|vs|Dr|No|al)\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, trailing whitespace excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        if _ABBREV.search(text[start:m.start()]):
            continue
        end = m.start()
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
        start = m.end()
    end = len(text)
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
    return spans
