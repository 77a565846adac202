"""Leave-one-section-out: the guidance without a section is asked that section's questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import CORE_SET, load_cases
from eval.leave_section_out import SECTIONS, run, without_section

pytestmark = pytest.mark.slow
GATE = json.loads((Path(__file__).resolve().parents[2] / "eval" / "thresholds.json").read_text())


def test_without_section_removes_exactly_that_section() -> None:
    from eval.leave_section_out import GUIDANCE

    text = GUIDANCE.read_text()
    for key, marker in SECTIONS.items():
        cut = without_section(text, key)
        assert marker not in cut
        assert all(m in cut for k, m in SECTIONS.items() if k != key)
        assert "Related Tools" in cut  # the page chrome before the sections stays


def test_questions_of_a_missing_section_are_refused_or_named_as_gaps(tmp_path: Path) -> None:
    results = run(load_cases(CORE_SET), tmp_path)
    assert {r.section for r in results} == set(SECTIONS)
    for r in results:
        assert r.asked >= 20
    honest = sum(r.honest for r in results) / sum(r.asked for r in results)
    assert honest >= GATE["leave_one_section_out"]["min_honest"], [(r.section, r.answered) for r in results]
