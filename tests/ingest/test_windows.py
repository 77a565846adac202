"""Sentence windows of long paragraphs: exact spans, only leaf passages, mapped back."""

from __future__ import annotations

from ingest.model import Passage
from ingest.windows import MARGIN, MIN_WORDS, SIZE, parent_ranking, parent_uid, window_spans, windowed


def _p(pid: str, text: str, parent: str | None = None, start: int = 100) -> Passage:
    return Passage(doc_id="doc", passage_id=pid, label=pid, breadcrumb=("Doc",), text=text,
                   start=start, end=start + len(text), level=1, kind="paragraph", section="s0",
                   parent_id=parent, context="Doc > Section", title="Doc", source_url="", last_edited="")


LONG = " ".join(f"Sentence number {i} says something about police stations and referral work here."
                for i in range(1, 13))


def test_short_passages_get_no_windows() -> None:
    assert len(LONG.split()) > MIN_WORDS
    assert window_spans("One. Two. Three. Four.") == []
    assert window_spans(" ".join(LONG.split()[:MIN_WORDS])) == []


def test_windows_cover_the_paragraph_in_overlapping_sentence_runs() -> None:
    spans = window_spans(LONG)
    assert len(spans) == 6  # 12 sentences, 3 per window, every 2 sentences: 1-3, 3-5 … 11-12
    assert LONG[spans[0][0]:spans[0][1]].count("Sentence number") == SIZE
    assert spans[0][0] == 0 and spans[-1][1] == len(LONG)
    assert LONG[spans[1][0]:].startswith("Sentence number 3 ")


def test_window_records_slice_the_source_and_name_their_paragraph() -> None:
    source = "x" * 100 + LONG
    parent = _p("s0-p1", LONG)
    wins = windowed([parent])
    assert [w.uid for w in wins][:2] == ["doc#s0-p1~w1", "doc#s0-p1~w2"]
    for w in wins:
        assert source[w.start:w.end] == w.text and w.kind == "window" and w.parent_id == "s0-p1"
        assert parent_uid(w.uid) == parent.uid and w.embed_text().startswith("Doc > Section: ")


def test_passages_with_sub_points_are_not_windowed() -> None:
    assert windowed([_p("s0-1", LONG), _p("s0-1.1", "A sub-point.", parent="s0-1")]) == []


def test_a_window_hit_ranks_its_paragraph_once_with_the_best_score() -> None:
    ids = ["doc#a~w2", "doc#b", "doc#a", "doc#a~w1"]
    dists = [0.10, 0.15, 0.30, 0.40]
    assert parent_ranking(ids, dists) == [("doc#a", 0.9 - MARGIN), ("doc#b", 0.85)]
    # a window barely ahead of its paragraph does not lift it past the margin
    assert parent_ranking(["doc#a~w1", "doc#a"], [0.20, 0.21])[0] == ("doc#a", 0.79)
