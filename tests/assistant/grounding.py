"""The grounding check every answer test relies on: markers map to citations, and each
citation's quote is verbatim in its passage, at its offsets in the document text."""

from __future__ import annotations

import re
from typing import Any

MARKER = re.compile(r"\[(\d+)\]")


def assert_citations_grounded(a: Any, ans: Any) -> None:
    by_marker = {c.marker: c for c in ans.citations}
    assert sorted(by_marker) == list(range(1, len(by_marker) + 1))
    for m in MARKER.findall(ans.answer):
        assert int(m) in by_marker, f"marker [{m}] has no citation"
    for c in ans.citations:
        assert c.quote and c.quote in c.text
        doc = a.document_text(c.doc_id)
        assert doc[c.start:c.end] == c.text
        assert doc[c.quote_start:c.quote_end] == c.quote
