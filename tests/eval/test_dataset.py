"""The set validator: each kind of broken line is reported with its file and line number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import DatasetError, load_cases, parse_cases

GOOD = {"id": "c1", "question": "What are gender desks?", "gold": ["st-2.1"],
        "expect_abstain": False, "kind": "lexical"}


def line(**changes: object) -> str:
    d = {**GOOD, **changes}
    return json.dumps({k: v for k, v in d.items() if v is not ...})


def errors_of(lines: list[str], known: set[str] | None = None) -> list[str]:
    with pytest.raises(DatasetError) as ei:
        parse_cases(lines, source="set.jsonl", known_ids=known)
    return ei.value.errors


def test_valid_case_parses() -> None:
    hist = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a [1]"}]
    cases = parse_cases(
        [line(), "", line(id="c2", kind="follow-up", history=hist, gold_all=True,
                          key_points=["gender desks"])],
        known_ids={"st-2.1"},
    )
    assert [c.id for c in cases] == ["c1", "c2"]
    assert cases[1].line == 3  # blank lines still count
    assert cases[1].history_dicts() == hist
    assert cases[1].gold_all and cases[1].key_points == ("gender desks",)
    assert not cases[0].out_of_scope


def test_bad_json() -> None:
    errs = errors_of([line(), '{"id": "c2", "question": '])
    assert len(errs) == 1 and errs[0].startswith("set.jsonl:2: bad JSON")


def test_not_an_object() -> None:
    assert errors_of(["[1, 2]"]) == ["set.jsonl:1: expected a JSON object, got list"]


def test_missing_field() -> None:
    errs = errors_of([line(), line(id="c2", question=...)])
    assert errs == ["set.jsonl:2: missing field 'question'"]


def test_wrong_type() -> None:
    errs = errors_of([line(gold="st-2.1")])
    assert errs == ["set.jsonl:1: field 'gold' must be list, got str"]
    errs = errors_of([line(expect_abstain="no")])
    assert errs == ["set.jsonl:1: field 'expect_abstain' must be bool, got str"]


def test_unknown_kind() -> None:
    errs = errors_of([line(), line(id="c2"), line(id="c3", kind="trick")])
    assert len(errs) == 1
    assert errs[0].startswith("set.jsonl:3: unknown kind 'trick' (expected one of: paraphrase")


def test_duplicate_id() -> None:
    errs = errors_of([line(), line(id="c2"), line()])
    assert errs == ["set.jsonl:3: duplicate id 'c1' (first on line 1)"]


def test_unknown_gold_id_only_when_known_ids_given() -> None:
    assert parse_cases([line(gold=["st-9"])])  # no known ids: accepted
    errs = errors_of([line(), line(id="c2", gold=["st-9", "st-2.1"])], known={"st-2.1"})
    assert errs == ["set.jsonl:2: unknown gold passage id(s): st-9"]


def test_unknown_field_and_bad_history() -> None:
    errs = errors_of([line(gold_al=True)])
    assert errs == ["set.jsonl:1: unknown field 'gold_al'"]
    errs = errors_of([line(kind="follow-up", history=[{"role": "bot", "content": "x"}])])
    assert len(errs) == 1 and errs[0].startswith("set.jsonl:1: history[0] must be")


def test_consistency_rules() -> None:
    errs = errors_of([line(kind="follow-up")])
    assert errs == ["set.jsonl:1: a follow-up case needs a non-empty 'history'"]
    errs = errors_of([line(gold=[], kind="out-of-scope")])
    assert errs == ["set.jsonl:1: a case with no gold passage must set 'expect_abstain': true"]
    errs = errors_of([line(kind="out-of-scope", expect_abstain=True)])
    assert errs == ["set.jsonl:1: an out-of-scope case must have an empty 'gold'"]


def test_all_errors_reported_together(tmp_path: Path) -> None:
    p = tmp_path / "broken.jsonl"
    p.write_text("\n".join([line(), "not json", line(kind="x"), line()]) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as ei:
        load_cases(p)
    msgs = ei.value.errors
    assert [m.split(": ", 1)[0] for m in msgs] == [f"{p}:2", f"{p}:3", f"{p}:4"]
    assert "duplicate id 'c1'" in msgs[2]
    assert str(p) in str(ei.value)


def test_missing_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read"):
        load_cases(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="empty"):
        load_cases(tmp_path / "empty.jsonl")


def test_fits_use_the_fit_split_only() -> None:
    from eval.calibrate import fitting_cases
    from eval.dataset import EvalCase

    cases = [EvalCase(f"c-{s}", "What do gender desks do?", ("st-2.1",), False, "paraphrase", split=s)
             for s in ("fit", "heldback", "unseen")]
    assert [c.split for c in fitting_cases(cases)] == ["fit"]
