"""The words of a text as the lexical index sees them: folded, stopwords out, lightly
stemmed. Shared by ingest (which builds the BM25 index) and retrieval (which tokenizes the
question), so both always agree on what a term is."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"[a-z0-9]+")

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
