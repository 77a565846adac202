"""The naive LangChain baseline, built for real over the guidance (local model, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.passages import DEFAULT_CORPUS

GUIDANCE = DEFAULT_CORPUS / "key-entry-points-and-strategies.txt"


@pytest.mark.slow
def test_naive_baseline_answers_with_four_chunks(tmp_path: Path) -> None:
    from eval.naive import NaivePipeline
    from eval.runner import check_response

    nv = NaivePipeline([GUIDANCE], tmp_path)
    r = nv.ask("What is a one stop shop for survivors?", [])
    assert check_response(r) == []
    assert r["abstained"] is False and r["answer"].endswith("[1]")
    assert len(r["citations"]) == 4
    assert [c["marker"] for c in r["citations"]] == [1, 2, 3, 4]
    ids = [x["passage_id"] for x in r["retrieved"]]
    assert ids and len(ids) == len(set(ids))
    assert "st-3.6" in ids
    text = GUIDANCE.read_text(encoding="utf-8")
    for c in r["citations"]:
        assert text[c["start"]:c["end"]] == c["text"]  # chunk offsets point into the source
        assert c["passage_id"] in ids
    assert (tmp_path / "naive_chroma").is_dir()
    # chunks are mapped to every passage they overlap
    assert nv.overlapping("key-entry-points-and-strategies", 0, 300)[0][0] == "ep-1"
