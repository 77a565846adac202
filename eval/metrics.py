"""Offline metrics: pure functions over ids, answers and the ``ask`` response dict.

Nothing here calls a model; every metric is reproducible from ``results.jsonl``.

Conventions (also in eval/README.md):

* A metric that is undefined for a case returns ``None`` and is left out of means
  (so "no data" is never silently averaged as 0 or 1).
* Out-of-scope cases (no gold passage) count for abstention metrics only.
* Retrieval metrics use the ``retrieved`` ranking, de-duplicated, first occurrence wins.
* Passages are compared by uid ("<doc_id>#<passage_id>", the ``uid`` key of retrieved
  entries and citations, else built from ``doc_id`` and ``passage_id``). A gold id may be
  bare ("ep-1.4"): it stands for the one passage with that id among the response's
  passages, and matches nothing when two documents' passages with that id appear
  (ambiguous: write the uid in the set).

Citation precision / recall (over unique cited passage ids, from ``citations``):

* in-scope case, abstained           -> precision ``None``, recall ``0.0``
  (a wrong abstention is also counted by ``wrong_abstention_rate``).
* in-scope case, answer but no citations -> precision ``None``, recall ``0.0``.
* precision = share of cited ids that are gold.
* recall, ``gold_all`` false = 1.0 when any gold passage is cited (one suffices), else 0.0;
  recall, ``gold_all`` true  = share of gold passages cited.
* out-of-scope case -> both ``None``.

Citation support (ALCE-style, see :func:`citation_support`): the answer is split into
statements (lines/bullets, then sentences); each statement carries the ``[n]`` markers in
it (markers right after the full stop belong to the sentence before). A statement is
*supported* when the text of its cited passage(s), joined, contains the statement (after
stripping markers, bullets and surrounding quotes, and normalising case, quotes, dashes and
whitespace) or when at least ``SUPPORT_OVERLAP`` (0.8) of the statement's content tokens
(stop-words removed) occur in the cited text. A statement without markers, or whose
markers point to no citation, is unsupported. Statements with fewer than ``MIN_TOKENS``
(3) word tokens, such as "Sources:", are not scored. An in-scope answer that is not an
abstention but has no scored statement (e.g. empty) gets support ``0.0``; abstentions get
``None``.

Citation needed: for each citation (unique marker) of each statement, it is *needed* when
the statement is supported with it and unsupported without it. Citations of unsupported
statements are not needed. The share is over all citation uses in scored statements.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SUPPORT_OVERLAP = 0.8
MIN_TOKENS = 3
KS = (1, 3, 5)

_MARKER = re.compile(r"\[(\d+)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_SENT_END = re.compile(r"(?<=[.!?])\s+")
_OPENERS = set("\"'“‘«([•*-–—¿¡")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
_TOKEN = re.compile(r"[^\W_]+")
_QUOTES = str.maketrans(
    {
        "’": "'", "‘": "'", "‚": "'", "′": "'", "`": "'",
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
        "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " ",
    }
)
_STOPWORD_TEXT = """
    a an the and or but of to in on at by for with from as is are was were be been being
    it its this that these those which who whom what when where why how can could may might
    should would will shall must do does did not no so such than then there their they them
    he she his her we our you your i me my also into about over under between within
    other more most some any each all both only very just including include includes"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


# --------------------------------------------------------------------------- text helpers


def normalize(text: str) -> str:
    """Lower-case, NFKC, straight quotes and hyphens, single spaces: the matching form."""
    t = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return re.sub(r"\s+", " ", t).strip()


def strip_markers(text: str) -> str:
    """Remove ``[n]`` markers and the space before them."""
    return re.sub(r"\s*\[\d+\]", "", text)


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text."""
    return _TOKEN.findall(normalize(text))


def content_tokens(text: str) -> list[str]:
    """Tokens without stop-words (all tokens if that would leave none)."""
    toks = tokens(text)
    content = [t for t in toks if t not in STOPWORDS]
    return content or toks


@dataclass(frozen=True)
class Statement:
    """One sentence or bullet of an answer with the markers it carries."""

    text: str  # without markers, bullets or surrounding quotes
    markers: tuple[int, ...]  # unique, in order of appearance


def _sentences(line: str) -> list[str]:
    """Split after . ! ? when the next word starts a sentence (capital, digit, quote...).

    A lower-case next word is not a break, so "(i.e. other providers)" stays whole.
    """
    parts: list[str] = []
    start = 0
    for m in _SENT_END.finditer(line):
        nxt = line[m.end() : m.end() + 1]
        if nxt and (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
            parts.append(line[start : m.start()])
            start = m.end()
    parts.append(line[start:])
    return parts


def split_statements(answer: str) -> list[Statement]:
    """Split an answer into statements (lines/bullets, then sentences) with their markers."""
    out: list[Statement] = []
    for line in answer.splitlines():
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        # "... police. [1] Next" -> "... police [1]. Next" so the marker stays with its sentence
        line = _MARKERS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), line)
        for sent in _sentences(line):
            markers = tuple(dict.fromkeys(int(m) for m in _MARKER.findall(sent)))
            text = strip_markers(sent).strip().strip("\"'“”‘’«» ").strip()
            if text or markers:
                out.append(Statement(text=text, markers=markers))
    return out


# --------------------------------------------------------------------------- retrieval


def dedupe(ids: Iterable[str]) -> list[str]:
    """Ids in first-seen order without repeats."""
    return list(dict.fromkeys(ids))


def hit_at_k(retrieved: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """1.0 if any gold id is in the top ``k`` retrieved ids; ``None`` without gold."""
    g = set(gold)
    if not g:
        return None
    return 1.0 if g & set(dedupe(retrieved)[:k]) else 0.0


def reciprocal_rank(retrieved: Sequence[str], gold: Iterable[str]) -> float | None:
    """1/rank of the first gold id (0.0 if none retrieved); ``None`` without gold."""
    g = set(gold)
    if not g:
        return None
    for i, pid in enumerate(dedupe(retrieved), start=1):
        if pid in g:
            return 1.0 / i
    return 0.0


def ndcg_at_k(retrieved: Sequence[str], gold: Iterable[str], k: int = 5) -> float | None:
    """nDCG@k with binary relevance; the ideal ranks min(|gold|, k) gold ids first."""
    g = set(gold)
    if not g:
        return None
    dcg = sum(
        1.0 / math.log2(i + 1) for i, pid in enumerate(dedupe(retrieved)[:k], start=1) if pid in g
    )
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(g), k) + 1))
    return dcg / idcg


# --------------------------------------------------------------------------- citations


def citation_precision(
    cited: Sequence[str], gold: Sequence[str], abstained: bool = False
) -> float | None:
    """Share of unique cited passage ids that are gold (edge cases in the module doc)."""
    c = dedupe(p for p in cited if p)
    if not gold or abstained or not c:
        return None
    g = set(gold)
    return sum(1 for p in c if p in g) / len(c)


def citation_recall(
    cited: Sequence[str], gold: Sequence[str], gold_all: bool = False, abstained: bool = False
) -> float | None:
    """Gold coverage by citations: any gold cited, or (``gold_all``) the share cited."""
    g = set(gold)
    if not g:
        return None
    if abstained:
        return 0.0
    hit = g & set(cited)
    if gold_all:
        return len(hit) / len(g)
    return 1.0 if hit else 0.0


def citation_texts(citations: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Marker number -> cited text (citations sharing a marker are joined)."""
    by_marker: dict[int, list[str]] = {}
    for c in citations:
        try:
            m = int(c.get("marker", -1))
        except (TypeError, ValueError):
            continue
        text = str(c.get("text") or c.get("quote") or "")
        by_marker.setdefault(m, []).append(text)
    return {m: "\n".join(ts) for m, ts in by_marker.items()}


def is_supported(statement_text: str, cited_texts: Sequence[str]) -> bool:
    """Contained in the cited text (normalised), or >= SUPPORT_OVERLAP content-token overlap."""
    if not cited_texts:
        return False
    s = normalize(statement_text).rstrip(".!?;:, ")
    evidence = normalize(" ".join(cited_texts))
    if s and s in evidence:
        return True
    st = set(content_tokens(statement_text))
    if not st:
        return False
    ev = set(_TOKEN.findall(evidence))
    return len(st & ev) / len(st) >= SUPPORT_OVERLAP


@dataclass(frozen=True)
class SupportResult:
    """Per-answer citation support counts (see module doc)."""

    statements: int
    supported: int
    citation_uses: int
    needed: int
    dangling_markers: int  # markers with no matching citation

    @property
    def support(self) -> float | None:
        return self.supported / self.statements if self.statements else None

    @property
    def needed_share(self) -> float | None:
        return self.needed / self.citation_uses if self.citation_uses else None


def citation_support(answer: str, citations: Sequence[Mapping[str, Any]]) -> SupportResult:
    """ALCE-style statement support and citation-needed counts for one answer."""
    texts = citation_texts(citations)
    statements = supported = uses = needed = dangling = 0
    for st in split_statements(answer):
        if len(tokens(st.text)) < MIN_TOKENS:
            continue
        statements += 1
        dangling += sum(1 for m in st.markers if m not in texts)
        evidence = [texts[m] for m in st.markers if m in texts]
        ok = is_supported(st.text, evidence)
        supported += ok
        uses += len(st.markers)
        if not ok:
            continue
        for m in st.markers:
            if m not in texts:
                continue
            rest = [texts[o] for o in st.markers if o != m and o in texts]
            if not is_supported(st.text, rest):
                needed += 1
    return SupportResult(statements, supported, uses, needed, dangling)


# --------------------------------------------------------------------------- answers


def key_point_coverage(answer: str, key_points: Sequence[str]) -> float | None:
    """Share of key points found (normalised substring) in the answer; ``None`` if none."""
    if not key_points:
        return None
    a = normalize(strip_markers(answer))
    return sum(1 for k in key_points if normalize(k) in a) / len(key_points)


@dataclass(frozen=True)
class AbstentionStats:
    """Abstention confusion counts; "positive" means the case should be abstained on."""

    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int

    @property
    def precision(self) -> float | None:
        """Of the abstentions, the share that were right (None when nothing abstained)."""
        n = self.true_pos + self.false_pos
        return self.true_pos / n if n else None

    @property
    def recall(self) -> float | None:
        """Of the cases to abstain on, the share abstained (None when there are none)."""
        n = self.true_pos + self.false_neg
        return self.true_pos / n if n else None

    @property
    def wrong_abstention_rate(self) -> float | None:
        """Of answerable cases, the share wrongly abstained on (None when there are none)."""
        n = self.false_pos + self.true_neg
        return self.false_pos / n if n else None


def abstention_stats(pairs: Iterable[tuple[bool, bool]]) -> AbstentionStats:
    """Counts from ``(expect_abstain, abstained)`` pairs."""
    tp = fp = fn = tn = 0
    for expect, did in pairs:
        if expect and did:
            tp += 1
        elif did:
            fp += 1
        elif expect:
            fn += 1
        else:
            tn += 1
    return AbstentionStats(tp, fp, fn, tn)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100), as numpy's default; None if empty."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; ``None`` when there are none."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


# --------------------------------------------------------------------------- per case / aggregate

CASE_METRICS: tuple[str, ...] = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "ndcg@5",
    "citation_precision",
    "citation_recall",
    "citation_support",
    "citation_needed",
    "key_point_coverage",
    "abstention_correct",
    "honest",
    "gap_named",
    "spurious_gaps",
    "followup_correct",
    "docs_all_cited",
)
AGG_METRICS: tuple[str, ...] = (
    *CASE_METRICS,
    "abstention_precision",
    "abstention_recall",
    "wrong_abstention_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
LOWER_IS_BETTER = frozenset({"wrong_abstention_rate", "spurious_gaps", "latency_p50_ms", "latency_p95_ms"})


def passage_ref(entry: Mapping[str, Any]) -> str:
    """A retrieved entry's or citation's passage uid ("" when it names no passage); only
    the bare passage id when the response gives no document."""
    if entry.get("uid"):
        return str(entry["uid"])
    pid = str(entry.get("passage_id") or "")
    doc = str(entry.get("doc_id") or "")
    return f"{doc}#{pid}" if pid and doc else pid


def bare_id(ref: str) -> str:
    return ref.rpartition("#")[2]


def canonical_gold(ids: Iterable[str], refs: Iterable[str]) -> list[str]:
    """Ids as uids: a bare id becomes the uid of the one document among ``refs`` that has a
    passage with that id; it stays bare when none or several do (then it only matches the
    same bare id)."""
    by_bare: dict[str, set[str]] = {}
    for r in refs:
        if "#" in r:
            by_bare.setdefault(bare_id(r), set()).add(r)
    out = []
    for g in ids:
        cands = by_bare.get(g, set()) if "#" not in g else set()
        out.append(next(iter(cands)) if len(cands) == 1 else g)
    return out


def response_ids(response: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(retrieved passage uids in rank order, unique cited passage uids) from an ask() dict;
    an entry without a document takes the uid another entry gives its id, if only one."""
    retrieved = [passage_ref(r) for r in response.get("retrieved") or [] if passage_ref(r)]
    cited = [passage_ref(c) for c in response.get("citations") or [] if passage_ref(c)]
    refs = [*retrieved, *cited]
    return dedupe(canonical_gold(retrieved, refs)), dedupe(canonical_gold(cited, refs))


def missed_gold(gold: Sequence[str], retrieved: Sequence[str], cited: Sequence[str]) -> list[str]:
    """Gold ids (as written in the set) whose passage was not cited."""
    canon = canonical_gold(gold, [*retrieved, *cited])
    return [g for g, c in zip(gold, canon, strict=True) if c not in set(cited)]


def case_metrics(
    *,
    gold: Sequence[str],
    gold_all: bool,
    key_points: Sequence[str],
    expect_abstain: bool,
    response: Mapping[str, Any],
    expect_gaps: Sequence[str] = (),
    expect_followup: bool | None = None,
    gold_docs: Sequence[str] = (),
) -> dict[str, float | None]:
    """Every per-case metric for one response; undefined ones are ``None``."""
    retrieved, cited = response_ids(response)
    gold = canonical_gold(gold, [*retrieved, *cited])
    abstained = bool(response.get("abstained", False))
    answer = str(response.get("answer") or "")
    m: dict[str, float | None] = dict.fromkeys(CASE_METRICS)
    m["abstention_correct"] = 1.0 if abstained == expect_abstain else 0.0
    m.update(honesty_metrics(response, expect_gaps, bool(gold) and not expect_abstain))
    if gold_docs:  # a question spanning pages: every page must be cited
        docs = {str(c.get("doc_id", "")) for c in response.get("citations") or []}
        m["docs_all_cited"] = 1.0 if set(gold_docs) <= docs and not abstained else 0.0
    if expect_followup is not None and isinstance(response.get("followup"), bool):
        m["followup_correct"] = 1.0 if response["followup"] == expect_followup else 0.0
    if not gold:
        return m
    for k in KS:
        m[f"hit@{k}"] = hit_at_k(retrieved, gold, k)
    m["mrr"] = reciprocal_rank(retrieved, gold)
    m["ndcg@5"] = ndcg_at_k(retrieved, gold, 5)
    m["citation_precision"] = citation_precision(cited, gold, abstained)
    m["citation_recall"] = citation_recall(cited, gold, gold_all, abstained)
    if not abstained:
        sr = citation_support(answer, response.get("citations") or [])
        m["citation_support"] = sr.support if sr.statements else 0.0
        m["citation_needed"] = sr.needed_share
    m["key_point_coverage"] = key_point_coverage("" if abstained else answer, key_points)
    return m


def honesty_metrics(response: Mapping[str, Any], expect_gaps: Sequence[str],
                    answerable: bool) -> dict[str, float | None]:
    """``honest``: a case with known gaps was refused or answered with gaps named;
    ``gap_named``: one of the named gaps (or the refusal) shares a content word with an
    expected gap; ``spurious_gaps``: a fully answerable case was given gaps anyway."""
    gaps = [str(g) for g in response.get("gaps") or [] if isinstance(g, str)]
    abstained = bool(response.get("abstained", False))
    out: dict[str, float | None] = {"honest": None, "gap_named": None, "spurious_gaps": None}
    if expect_gaps:
        out["honest"] = 1.0 if abstained or gaps else 0.0
        refusal = " " + str(response.get("answer", "")) if abstained else ""
        said = set(content_tokens(" ".join(gaps) + refusal))
        wanted = set(content_tokens(" ".join(expect_gaps)))
        out["gap_named"] = 1.0 if said & wanted else 0.0
    elif answerable:
        out["spurious_gaps"] = 1.0 if gaps else 0.0
    return out


def aggregate(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Means of per-case metrics plus abstention and latency stats over ``rows``.

    Each row needs ``metrics`` (from :func:`case_metrics`), ``expect_abstain``,
    ``abstained`` and ``latency_ms``. ``n`` counts rows, ``n_in_scope`` those with gold.
    """
    out: dict[str, Any] = {
        "n": len(rows),
        "n_in_scope": sum(1 for r in rows if r.get("gold")),
    }
    for name in CASE_METRICS:
        out[name] = mean(r["metrics"].get(name) for r in rows)
    ab = abstention_stats((bool(r["expect_abstain"]), bool(r["abstained"])) for r in rows)
    out["abstention_precision"] = ab.precision
    out["abstention_recall"] = ab.recall
    out["wrong_abstention_rate"] = ab.wrong_abstention_rate
    lat = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    out["latency_p50_ms"] = percentile(lat, 50)
    out["latency_p95_ms"] = percentile(lat, 95)
    return out


def aggregate_by_kind(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """:func:`aggregate` per ``kind``, kinds in first-seen order."""
    kinds = dedupe(str(r["kind"]) for r in rows)
    return {k: aggregate([r for r in rows if r["kind"] == k]) for k in kinds}
