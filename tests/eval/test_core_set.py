"""The shipped core set validates against the real corpus and meets its design minimums."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.dataset import CORE_SET, EvalCase, load_cases
from eval.metrics import normalize
from eval.passages import DEFAULT_CORPUS, parse_corpus

EXPECTED_IDS = (
    ["ep-intro", "ep-1", "ep-1.1", "ep-1.2", "ep-1.3", "ep-1.4", "ep-2", "ep-3", "ep-4"]
    + [f"ep-4.{i}" for i in range(1, 7)]
    + ["ep-5", "st-intro", "st-1", "st-2"]
    + [f"st-2.{i}" for i in range(1, 9)]
    + ["st-3"]
    + [f"st-3.{i}" for i in range(1, 9)]
    + ["st-4"]
)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {p.passage_id: p.text for d in parse_corpus([DEFAULT_CORPUS]) for p in d.passages}


@pytest.fixture(scope="module")
def cases(texts: dict[str, str]) -> list[EvalCase]:
    return load_cases(CORE_SET, known_ids=set(texts))


def test_corpus_has_the_37_passages(texts: dict[str, str]) -> None:
    assert sorted(texts) == sorted(EXPECTED_IDS) and len(texts) == 37


def test_every_passage_is_gold_somewhere(cases: list[EvalCase]) -> None:
    covered = {g for c in cases for g in c.gold}
    assert set(EXPECTED_IDS) - covered == set()


def test_kind_minimums(cases: list[EvalCase]) -> None:
    kinds = Counter(c.kind for c in cases)
    assert len(cases) >= 90
    assert kinds["follow-up"] >= 12
    assert kinds["out-of-scope"] + kinds["adversarial"] >= 12
    assert kinds["multi-part"] >= 6
    assert kinds["typo"] >= 6
    assert kinds["multilingual"] >= 8


def test_follow_ups_have_a_real_conversation(cases: list[EvalCase]) -> None:
    for c in cases:
        if c.kind == "follow-up":
            roles = [t.role for t in c.history]
            assert "user" in roles and "assistant" in roles, c.id
            assert c.gold, c.id


def test_abstention_cases(cases: list[EvalCase]) -> None:
    for c in cases:
        if c.kind in ("out-of-scope", "adversarial"):
            assert c.expect_abstain and not c.gold, c.id
        else:
            assert not c.expect_abstain and c.gold, c.id


def test_multi_part_need_all(cases: list[EvalCase]) -> None:
    multi = [c for c in cases if c.kind == "multi-part"]
    assert all(c.gold_all and len(c.gold) >= 2 for c in multi)


def test_key_points_are_short_and_in_the_gold_text(
    cases: list[EvalCase], texts: dict[str, str]
) -> None:
    for c in cases:
        gold_text = normalize(" ".join(texts[g] for g in c.gold))
        for k in c.key_points:
            assert 1 <= len(k.split()) <= 4, (c.id, k)
            assert normalize(k) in gold_text, (c.id, k)
