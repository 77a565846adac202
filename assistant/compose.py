"""The default answerer: offline, deterministic, extractive.

It picks the guidance's own sentences that best answer the question, trims an overlong
one to a leading clause (always a verbatim substring), orders them, and attaches each to
its passage's citation marker. Nothing is generated, so nothing can be invented.

Shapes of answer:
* a question that asks for the items of a list ("what are the four main areas?") whose
  best passage introduces that list: the intro sentence, then one cited item per child;
* a multi-part question: one cited bullet per part;
* otherwise up to three cited sentences from the best passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

import numpy as np

from assistant.answerer import AnswerRequest, Composition, Part
from assistant.focus import find_focus, has_evidence, has_quantity, has_time
from assistant.model import Citation
from assistant.retrieve import Hit, HybridRetriever
from assistant.text import tokens
from ingest.embed import MINILM_NAME
from ingest.model import Passage
from ingest.parse_outline import NOTE_EMPTY_LIST, NOTE_TRUNCATED
from ingest.sentences import sentence_spans

MAX_SENTENCES = 2  # measured: 3 adds passages that lower citation precision, not recall
MAX_WORDS = 55  # longer sentences are cut back to a leading clause
_LIST_CUE = re.compile(
    r"\b(what are|which are|list|name|main areas|areas|strategies|entry points|steps|"
    r"components|elements|kinds of|types of|options|ways|approaches|all the|cuáles son|"
    r"quels sont|quelles sont)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r";\s|,\s+(?:which|including|such as|particularly|ensuring)\b|:\s")
# where a sentence gives a reason, a purpose or an effect: English causal and purpose
# connectives (a closed class of discourse markers, not topic words)
_REASON = re.compile(
    r"\b(?:which|that|this|these|it|they)\s+(?:can|could|may|will|would|is|are)\b"
    r"|\b(?:can|could|may|will)\s+(?:also\s+)?(?:contribute|help|enable|promote|improve|increase|reduce|"
    r"prevent|raise|offer|provide|ensure|draw|lead|encourage|strengthen|build)\b"
    r"|\bcontribut\w* to\b|\bin order to\b|\bso (?:that|as to)\b|\bbecause\b|\bas a result\b"
    r"|\blead(?:s|ing)? to\b|\bresult(?:s|ing)? in\b|\b(?:is|are) (?:key|critical|essential|important|"
    r"crucial|vital|necessary)\b|\bopportunit(?:y|ies) to\b|\bfor ensuring\b"
    r"|\bto (?:ensure|prevent|improve|increase|reduce|promote|enable|address|strengthen|build)\b",
    re.IGNORECASE,
)


# a purpose infinitive: "to" and a verb that takes an object ("Investing in one stop shops
# *to meet the* multiple needs of survivors"); the word after "to" is a verb when a
# determiner follows it, where "to the police" has the determiner first. Not after a verb or
# adjective that takes "to" itself ("need to", "able to", "likely to")
_PURPOSE = re.compile(
    r"(?<!\bneed )(?<!\bneeds )(?<!\bhave )(?<!\bhas )(?<!\bhad )(?<!\bought )(?<!\bable )"
    r"(?<!\bgoing )(?<!\bwant )(?<!\bused )(?<!\blikely )(?<!\btend )"
    r"\bto (?!(?:the|a|an|their|its|his|her|our|this|these|those|be)\b)[a-z]+ "
    r"(?:the|a|an|that|their|its|his|her|our|them|these|those|this|any|all|more|better)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    passage: Passage
    start: int  # offsets within passage.text
    end: int
    score: float

    trimmed: bool = False  # cut back to a leading clause, or a reason clause

    @property
    def text(self) -> str:
        return self.passage.text[self.start:self.end]


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, retriever: HybridRetriever, max_sentences: int = MAX_SENTENCES,
                 keep_ratio: float = 0.7, hit_ratio: float = 0.75, part_floor: float = 0.5,
                 shared_discount: float = 0.35, dense_weight: float = 0.65,
                 rank_decay: float = 0.12) -> None:
        """``keep_ratio``: a further sentence must score this share of the best one;
        ``hit_ratio``: its passage must have this share of the top fused score;
        ``part_floor``: in a multi-part answer, the share of a part's best sentence that
        another passage's sentence needs to answer that part instead (when the best one
        is taken by another part), and of the part's top fused score its passage needs.
        Refitted on the seed page (core) and the fit splits of module (nine other pages),
        fresh, nearmiss and conversations together (README, "Answer quality"): hit_ratio
        0.55 -> 0.75; keep_ratio 0.8 was better on core and module but cost fresh recall,
        so it stays 0.7. ``shared_discount``: see ``_part_quotes``."""
        self.retriever = retriever
        self.max_sentences = max_sentences
        self.keep_ratio = keep_ratio
        self.hit_ratio = hit_ratio
        self.part_floor = part_floor
        self.shared_discount = shared_discount
        self.dense_weight = dense_weight  # a sentence's score: dense vs shared-word share
        self.rank_decay = rank_decay  # its passage's rank lowers it by this much per rank
        self._sentence_vectors: dict[str, np.ndarray] = {}

    # -- public ---------------------------------------------------------------------
    def compose(self, request: AnswerRequest) -> Composition:
        quotes: list[tuple[Quote, int]] = []  # (quote, list depth: 0 prose, 1 item)
        if request.reasons:
            return _render([(x, 0) for x in self._reason_quotes(request)])
        if len(request.parts) > 1:
            quotes = [(x, 1) for x in self._part_quotes(request)]
        else:
            part = request.parts[0]
            listed = self._list_answer(part, request.question)
            quotes = listed if listed else [(x, 0) for x in self._best_quotes(part, request.top_k)]
        return _render(quotes)

    # -- choosing sentences ---------------------------------------------------------
    def _part_quotes(self, request: AnswerRequest) -> list[Quote]:
        """One sentence per part of a multi-part question, the parts chosen together.
        Each part's options are its best sentence per passage, scored as a share of that
        part's best (down to ``part_floor``). An assignment is worth the sum of its
        shares, where a passage that already answers an earlier part counts for a later
        one at ``1 - shared_discount`` of its share: so when one passage is best for two
        parts and another page is nearly as good for one of them, that page is cited too;
        when the alternative is weak, the one passage answers both. A passage is never
        cited twice, and no sentence is repeated."""
        options = [self._part_options(part, request.top_k) for part in request.parts]
        best: tuple[float, tuple[Quote | None, ...]] = (0.0, ())
        for combo in product(*[[*opts, None] for opts in options]):
            value, used = 0.0, set()
            for q in combo:
                if q is None:
                    continue
                shared = q.passage.uid in used
                value += q.score * (1.0 - self.shared_discount if shared else 1.0)
                used.add(q.passage.uid)
            if value > best[0] + 1e-9:
                best = (value, combo)
        chosen: list[Quote] = []
        for q in best[1]:
            if q is not None and all(c.passage.uid != q.passage.uid for c in chosen):
                chosen.append(q)
        return chosen

    def _part_options(self, part: Part, top_k: int, limit: int = 5) -> list[Quote]:
        """A part's best sentence per passage, scored as a share of its best sentence,
        down to ``part_floor``; at most ``limit``."""
        out: list[Quote] = []
        candidates = self._candidates(part, top_k, hit_ratio=self.part_floor)
        for c in candidates:
            share = c.score / candidates[0].score if candidates[0].score > 0 else 0.0
            if share < self.part_floor or len(out) >= limit:
                break
            if all(o.passage.uid != c.passage.uid for o in out):
                out.append(Quote(c.passage, c.start, c.end, share, c.trimmed))
        return out

    def _candidates(self, part: Part, top_k: int, hit_ratio: float | None = None) -> list[Quote]:
        """Every sentence of the part's top passages, scored against the part (a lower
        rank discounts it), best first. A passage needs ``hit_ratio`` of the fused score
        of the best passage that has a quotable sentence (a list intro ending with ":"
        has none, and must not leave the answer empty)."""
        hit_ratio = self.hit_ratio if hit_ratio is None else hit_ratio
        hits = list(part.retrieval.hits[: max(1, min(top_k, 4))])
        qvec = part.retrieval.query_vectors.get(MINILM_NAME)
        best_hit: float | None = None
        candidates: list[Quote] = []
        for rank, h in enumerate(hits):
            if best_hit is not None and h.score < hit_ratio * best_hit:
                continue
            quotes = self._quotes(h, part.question, qvec)
            if quotes and best_hit is None:
                best_hit = h.score
            for q in quotes:
                score = q.score * (1.0 - self.rank_decay * rank)
                candidates.append(Quote(q.passage, q.start, q.end, score, q.trimmed))
        candidates.sort(key=lambda q: -q.score)
        return candidates

    def _best_quotes(self, part: Part, top_k: int, limit: int | None = None) -> list[Quote]:
        limit = limit or self.max_sentences
        hits = list(part.retrieval.hits[: max(1, min(top_k, 4))])
        candidates = self._candidates(part, top_k)
        if not candidates:
            return []
        top = candidates[0].score
        chosen: list[Quote] = []
        for c in candidates:
            if len(chosen) >= limit or c.score < self.keep_ratio * top:
                break
            if any(x.passage.uid == c.passage.uid for x in chosen):
                continue  # one sentence per passage: each citation has one quote
            chosen.append(c)
        order = {h.passage.uid: i for i, h in enumerate(hits)}
        chosen.sort(key=lambda q: (order[q.passage.uid], q.start))
        return chosen

    def _quotes(self, h: Hit, question: str, qvec: np.ndarray | None) -> list[Quote]:
        p = h.passage
        stored = self.retriever.view.sentence_vectors.get(p.uid)
        if stored is not None:
            spans, vecs = stored
        else:
            spans = sentence_spans(p.text)
            vecs = self._vectors(p, spans)
        qterms = set(tokens(question))
        wants = find_focus(question).answer_type
        typed = {"quantity": has_quantity, "time": has_time, "evidence": has_evidence}.get(wants)
        out = []
        for i, (s, e) in enumerate(spans):
            words = len(p.text[s:e].split())
            if words < 4 and len(spans) > 1:
                continue  # a bullet's title fragment ("Stakeholder consultation.")
            if p.text[s:e].rstrip().endswith(":") and not (i == len(spans) - 1 and _items_missing(p)):
                # announces a list ("… and entails:"): never an answer on its own, unless
                # the source itself lacks the items (then the answer says so)
                continue
            sterms = set(tokens(p.text[s:e]))
            lex = len(qterms & sterms) / len(qterms) if qterms else 0.0
            dense = float(vecs[i] @ qvec) if qvec is not None else 0.0
            score = self.dense_weight * dense + (1.0 - self.dense_weight) * lex + (0.05 if i == 0 else 0.0)
            if typed is not None and typed(p.text[s:e]):
                score += 0.15  # asked for a figure/time/finding: the sentence that gives one
            s2, e2 = _trim(p.text, s, e, qterms)
            out.append(Quote(p, s2, e2, score, trimmed=e2 < e))
        return out

    # -- "why?" follow-ups -----------------------------------------------------------
    def _reason_quotes(self, request: AnswerRequest) -> list[Quote]:
        """The sentences of the passages in view that give a reason, purpose or effect,
        best first; what the previous answer already quoted in full is cut back to its
        reason clause, so the answer adds to it instead of repeating it."""
        part = request.parts[0]
        qvec = part.retrieval.query_vectors.get(MINILM_NAME)
        said = _flat(re.sub(r"\s*\[\d+\]", "", request.previous_answer)).lower()
        view = self.retriever.view
        # "why does *that* matter?" asks about what was cited: its reasons are in those
        # passages or their parents, and nowhere else (none there: the answer says so)
        named = [view.by_uid[u] for u in request.refers_to if u in view.by_uid]
        in_view = named or [h.passage for h in part.retrieval.hits[:4]]
        passages: list[Passage] = []
        for p in in_view:
            parent = view.parent(p)
            passages += [p] + ([parent] if parent else [])
        out: list[Quote] = []
        for rank, p in enumerate(dict.fromkeys(passages)):
            stored = view.sentence_vectors.get(p.uid)
            spans = stored[0] if stored else sentence_spans(p.text)
            vecs = stored[1] if stored else self._vectors(p, spans)
            for i, (s, e) in enumerate(spans):
                m = _REASON.search(p.text, s, e) or _PURPOSE.search(p.text, s, e)
                if not m:
                    continue
                dense = float(vecs[i] @ qvec) if qvec is not None else 0.0
                start, trimmed = s, False
                if _flat(p.text[s:e]).lower() in said:
                    start, trimmed = m.start(), True  # already quoted: only its reason clause
                    if _flat(p.text[start:e]).lower() in said and len(said) < 2 * (e - start):
                        continue
                out.append(Quote(p, start, e, dense * (1.0 - 0.1 * rank) - 0.2 * trimmed, trimmed))
        out.sort(key=lambda q: -q.score)
        chosen: list[Quote] = []
        for q in out:
            if len(chosen) < self.max_sentences and all(q.passage.uid != c.passage.uid for c in chosen):
                chosen.append(q)
        return chosen

    def _vectors(self, p: Passage, spans: list[tuple[int, int]]) -> np.ndarray:
        """Sentence vectors, embedded once per passage and kept for later questions."""
        if p.uid not in self._sentence_vectors:
            emb = self.retriever.embedder(MINILM_NAME)
            self._sentence_vectors[p.uid] = emb.embed_documents([p.text[s:e] for s, e in spans])
        return self._sentence_vectors[p.uid]

    # -- list questions -------------------------------------------------------------
    def _list_answer(self, part: Part, asked: str) -> list[tuple[Quote, int]]:
        """When the question asks for a list and a top passage introduces one, answer
        with the intro and every item, so no item of the list is missed. Whether it asks
        is read from the user's own words (``asked``), not from a follow-up's stand-alone
        query, whose previous topic ("… strategies …") asked nothing this time."""
        if not _asks_for_items(asked):
            return []
        view = self.retriever.view
        for h in part.retrieval.hits[:2]:
            children = view.children(h.passage)
            if len(children) < 2 or (h.passage.level > 1 and h.passage.kind != "intro"):
                continue
            if h.score < 0.8 * part.retrieval.hits[0].score:
                continue
            head = _first_sentence(h.passage)
            items = [(_first_sentence(c), 1) for c in children]
            return [(head, 0), *items]
        return []


def _asks_for_items(question: str) -> bool:
    """A list cue that is what the question asks for ("what are the main *areas*?"), not
    the noun of a prepositional phrase ("what should officers do in rural *areas*?")."""
    for m in _LIST_CUE.finditer(question):
        lead = question[:m.start()].split()[-2:]
        if not any(w.lower() in _PP_LEAD for w in lead):
            return True
    return False


_PP_LEAD = frozenset("in at on across from for within among into through under en dans sur".split())


def _first_sentence(p: Passage) -> Quote:
    spans = sentence_spans(p.text)
    s, e = spans[0]
    if len(p.text[s:e].split()) < 4 and len(spans) > 1:
        s, e = spans[0][0], spans[1][1]  # keep a title fragment with its sentence
    s2, e2 = _trim(p.text, s, e, set())
    return Quote(p, s2, e2, 1.0, trimmed=e2 < e)


def _trim(text: str, s: int, e: int, qterms: set[str]) -> tuple[int, int]:
    """Cut an overlong sentence back to its leading clause(s), if the question's terms
    are in that head. The result is always a substring of the passage."""
    sentence = text[s:e]
    if len(sentence.split()) <= MAX_WORDS:
        return s, e
    for m in _CLAUSE.finditer(sentence):
        head = sentence[: m.start()].rstrip(" ,;:")
        if len(head.split()) < 15:
            continue
        if not qterms or set(tokens(head)) & qterms:
            return s, s + len(head)
    return s, e


def _render(quotes: list[tuple[Quote, int]]) -> Composition:
    markers: dict[str, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    prose: list[str] = []
    for q, depth in quotes:
        p = q.passage
        if p.uid not in markers:
            markers[p.uid] = len(markers) + 1
            citations.append(Citation(
                marker=markers[p.uid], passage_id=p.passage_id, doc_id=p.doc_id, label=p.label,
                quote=q.text, text=p.text, source_url=p.source_url, start=p.start, end=p.end,
                quote_start=p.start + q.start, quote_end=p.start + q.end, breadcrumb=p.breadcrumb,
            ))
        sentence = f"{_ending(_flat(q.text), q.trimmed)} [{markers[p.uid]}]"
        if depth == 0:
            prose.append(sentence)
        else:
            lines.append(f"- {sentence}")
    answer = " ".join(prose)
    if lines:
        answer = (answer + "\n\n" if answer else "") + "\n".join(lines)
    return Composition(answer=answer, citations=tuple(citations))


def _items_missing(p: Passage) -> bool:
    return any(n in p.notes for n in (NOTE_TRUNCATED, NOTE_EMPTY_LIST))


def _ending(text: str, trimmed: bool) -> str:
    """Answers read as sentences: a complete one ends with its full stop, a clause cut
    from a longer sentence with an ellipsis (the quote itself stays verbatim)."""
    if text.rstrip().endswith(":"):
        return text.rstrip() + " …"  # a list the source does not give (the answer says so)
    text = text.rstrip(" ,;")
    if trimmed:
        return text + " …"
    return text if text.endswith((".", "!", "?", "…", ".)", ".”")) else text + "."


def _flat(text: str) -> str:
    """Collapse runs of whitespace (the capture has non-breaking spaces) for display."""
    return re.sub(r"\s+", " ", text).strip()
