"""A small load test: concurrent /ask clients with their own conversations, no cross-talk."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow


def test_concurrent_clients_each_get_their_own_answers(assistant: Any) -> None:
    from benchmarks.load import check_answers, run_load, start_server

    url, stop = start_server(assistant)
    try:
        report = run_load(url, clients=4, questions=3, timeout_s=120)
    finally:
        stop()
    check_answers(report, assistant)
    assert len(report.results) == 12, report.summary()
    assert not report.errors, [r.error for r in report.errors]
    assert not report.mismatches, report.mismatches
    assert any(r.history for r in report.results)  # follow-ups carried their own history
