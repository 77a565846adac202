"""Follow-up questions: decide whether a question leans on the conversation, and build
the stand-alone query that retrieval should use."""

from __future__ import annotations

import re

from assistant.model import Turn
from assistant.text import tokens

_ANAPHORA = re.compile(
    r"\b(that|this|it|its|they|them|their|those|these|there|such|the same|same thing|above|"
    r"latter|former|ça|cela|ceci|eso|esto|esa|ese|ello)\b",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(
    r"^\s*(and|but|so|also|what about|how about|why|how so|tell me more|more on|y|et|pourquoi|por qué)\b",
    re.IGNORECASE,
)


def last_turns(history: list[Turn]) -> tuple[str, str]:
    """The most recent user question and assistant answer in the history."""
    user = next((t["content"] for t in reversed(history) if t["role"] == "user"), "")
    bot = next((t["content"] for t in reversed(history) if t["role"] == "assistant"), "")
    return user, bot


def is_follow_up(question: str, history: list[Turn]) -> bool:
    if not any(t["role"] == "user" for t in history):
        return False
    few_content_words = len(tokens(question)) <= 3
    return bool(_ANAPHORA.search(question) or _CONTINUATION.search(question) or few_content_words)


def resolve(question: str, history: list[Turn]) -> tuple[str, str]:
    """(query for retrieval, text of the previous answer to keep the topic close)."""
    if not is_follow_up(question, history):
        return question, ""
    prev_q, prev_a = last_turns(history)
    prev_a = re.sub(r"\[\d+\]", "", prev_a)
    return f"{prev_q} {question}".strip(), f"{prev_q} {prev_a}".strip()
