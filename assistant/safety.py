"""A question that reads like a personal disclosure of violence or danger gets a short,
non-judgmental note first. No phone numbers: we cannot know the user's country."""

from __future__ import annotations

import re

SAFETY_NOTE = (
    "If you or someone you know is in danger, please contact your local emergency services "
    "or a trusted support service for survivors of violence. You are not alone."
)
# added only when an answer follows, so a refusal never promises one
SAFETY_NOTE_MORE = "Below is what the guidance says about the wider response."

_DISCLOSURE = re.compile(
    r"\b(?:my (?:husband|wife|partner|boyfriend|girlfriend|ex|father|stepfather|brother|boss|"
    r"family)|(?:he|she|they) (?:hits?|beats?|hurts?|threatens?|rapes?|raped|abuses?|attacked|"
    r"chokes?|follows?) me|i(?:'m| am) (?:being )?(?:abused|beaten|hit|raped|assaulted|threatened|"
    r"scared|afraid|in danger|not safe|unsafe)|i was (?:raped|assaulted|attacked|abused|beaten)|"
    r"help me|mi (?:esposo|marido|pareja) me (?:pega|golpea|maltrata)|mon (?:mari|conjoint|"
    r"copain) me (?:frappe|bat|menace))\b",
    re.IGNORECASE,
)
_HARM = re.compile(
    r"\b(?:hit|hits|beat|beats|hurt|hurts|abuse|abuses|abused|rape|raped|threat|threaten|"
    r"threatens|kill|danger|unsafe|scared|afraid|violent|assault|assaulted|pega|golpea|frappe|bat)\b",
    re.IGNORECASE,
)


def is_personal_disclosure(question: str) -> bool:
    q = question.replace("’", "'")
    if _DISCLOSURE.search(q):
        return bool(_HARM.search(q)) or "help me" in q.lower() or "danger" in q.lower()
    return False


