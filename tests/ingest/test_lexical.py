"""The saved BM25 inverted index scores exactly like rank-bm25 (which it replaced), survives
a save/load round trip, and the top-k selection equals a full sort."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.lexical import LexicalIndex, top
from assistant.text import tokens
from ingest import lexical
from ingest.pipeline import parse_file
from ingest.settings import Settings
from tests.conftest import GUIDANCE

QUERIES = [
    "Would recruiting more women officers help?",
    "police police police stations",  # a repeated term counts each time, as in rank-bm25
    "security sector reform women",  # terms in most passages: rank-bm25's idf floor
    "waht equipmnt do police statons need",  # typos, corrected against the corpus words
    "zzzz unknownword",
    "",
]


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory) -> list:  # type: ignore[type-arg]
    s = Settings.load(data_dir=tmp_path_factory.mktemp("d"))
    return list(parse_file(GUIDANCE, s).passages)


def test_scores_equal_rank_bm25(passages: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    reference = BM25Okapi([tokens(p.embed_text()) for p in passages], k1=1.2, b=0.6)
    lexical.save(lexical.build([p.embed_text() for p in passages]), tmp_path)
    loaded = LexicalIndex.open(tmp_path, passages)
    in_memory = LexicalIndex(passages)
    for q in QUERIES:
        terms, _, _ = loaded.query_terms(q)
        assert terms == in_memory.query_terms(q)[0]
        want = np.asarray(reference.get_scores(terms)) if terms else np.zeros(len(passages))
        got = loaded.scores(terms)
        assert np.array_equal(got, want), q  # to the bit: ties and bm25_max unchanged
        assert np.array_equal(in_memory.scores(terms), want)
    assert loaded.query_terms("equipmnt statons")[1:] == (2, 2)  # both known after correction


def test_a_stale_or_missing_index_is_rebuilt(passages: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    assert LexicalIndex.open(tmp_path, passages).size == len(passages)  # no file: built
    lexical.save(lexical.build([p.embed_text() for p in passages[:3]]), tmp_path)
    assert LexicalIndex.open(tmp_path, passages).size == len(passages)  # other passages


@pytest.mark.parametrize("k", [1, 3, 10, 50])
def test_top_equals_a_full_stable_sort(k: int) -> None:
    rng = np.random.default_rng(k)
    for _ in range(50):
        scores = rng.integers(-2, 6, size=200).astype(float)  # many ties, some <= 0
        want = [i for i in np.argsort(-scores, kind="stable") if scores[i] > 0][:k]
        assert top(scores, k).tolist() == want
        want_above = [i for i in np.argsort(-scores, kind="stable") if scores[i] > -1][:k]
        assert top(scores, k, above=-1.0).tolist() == want_above
