"""The guidance's outline: golden ids/labels/parents, structure facts, exact offsets."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.model import Passage
from ingest.parse_outline import NOTE_EMPTY_LIST, NOTE_RELEVELED, NOTE_TRUNCATED, parse_outline
from ingest.sources import read_source
from tests.conftest import GUIDANCE

GOLDEN = Path(__file__).parent / "golden" / "guidance_outline.json"


def _parse() -> tuple[str, list[Passage], list[str]]:
    src = read_source(GUIDANCE, 10_000_000)
    passages, warnings = parse_outline(src.text, src.meta)
    return src.text, passages, warnings


def _outline(passages: list[Passage]) -> list[dict]:
    return [
        {"id": p.passage_id, "label": p.label, "parent": p.parent_id, "level": p.level,
         "kind": p.kind, "breadcrumb": list(p.breadcrumb), "notes": list(p.notes),
         "attribution": p.attribution}
        for p in passages
    ]


def test_outline_matches_golden() -> None:
    _, passages, warnings = _parse()
    assert warnings == []
    assert _outline(passages) == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_counts_per_section() -> None:
    _, passages, _ = _parse()
    top = Counter(p.section for p in passages if p.level == 1)
    subs = Counter(p.parent_id for p in passages if p.level == 2)
    assert top == {"ep": 5, "st": 4}
    assert subs == {"ep-1": 4, "ep-4": 6, "st-2": 8, "st-3": 8}
    assert [p.passage_id for p in passages if p.kind == "intro"] == ["ep-intro", "st-intro"]


def test_offsets_slice_back_to_text() -> None:
    text, passages, _ = _parse()
    raw = GUIDANCE.read_text(encoding="utf-8")
    assert text == raw
    for p in passages:
        assert raw[p.start:p.end] == p.text
        assert p.text == p.text.strip() and not p.text.startswith("•")


def test_capture_quirks_are_handled() -> None:
    _, passages, _ = _parse()
    by = {p.passage_id: p for p in passages}
    gov = by["st-4"]
    assert gov.text.startswith("Establishing governance and oversight")
    assert gov.level == 1 and NOTE_RELEVELED in gov.notes and NOTE_TRUNCATED in gov.notes
    assert NOTE_EMPTY_LIST in by["st-1"].notes and by["st-1"].passage_id not in {
        p.parent_id for p in passages}
    assert all(by[i].attribution == "(OECD/DAC, 2009)" for i in ("ep-4", "ep-4.1", "ep-4.6"))
    assert by["ep-5"].attribution == "" and by["ep-5"].parent_id == "ep-intro"
    assert not any(p.text.strip("()") == "OECD/DAC" for p in passages)
    assert "Related Tools" not in {p.text for p in passages}


def test_without_the_relevel_hint_the_count_check_warns() -> None:
    src = read_source(GUIDANCE, 10_000_000)
    hints = dict(src.meta.structure)
    hints.pop("relevel")
    passages, warnings = parse_outline(src.text, replace(src.meta, structure=hints))
    assert any("announces 4 items but 3" in w for w in warnings)
    assert "st-3.9" in {p.passage_id for p in passages}


def test_context_is_embedded_but_not_cited() -> None:
    _, passages, _ = _parse()
    p = next(p for p in passages if p.passage_id == "ep-1.3")
    assert p.context == "Entry points > Security sector reform processes"
    assert p.embed_text().startswith(p.context) and p.text in p.embed_text()
    assert p.context not in p.text


@pytest.mark.parametrize("pid,label", [
    ("ep-1.3", "Entry point 1.3 — Stakeholder consultation"),
    ("st-2", "Strategy area 2 — Developing institutional capacities of security institutions and competencies of personnel"),
    ("ep-1", "Entry point 1 — Security sector reform processes"),
])
def test_labels_read_like_headings(pid: str, label: str) -> None:
    _, passages, _ = _parse()
    assert next(p.label for p in passages if p.passage_id == pid) == label
