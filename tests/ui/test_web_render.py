"""Fast tests of the HTML/Markdown rendering (no server, no index)."""

from __future__ import annotations

import re
from typing import Any

from ingest.model import Passage
from ui import web_render as R


def _citation(**kw: Any) -> dict[str, Any]:
    text = "Women police stations <b>help</b>. Recruit & retain women officers."
    quote = "Recruit & retain women officers."
    c = {
        "marker": 1, "passage_id": "ep-1.4", "doc_id": "doc", "label": "Entry point 1.4 — <i>x</i>",
        "quote": quote, "text": text, "source_url": "https://example.org/page", "start": 100,
        "end": 100 + len(text), "quote_start": 100 + text.index(quote),
        "quote_end": 100 + text.index(quote) + len(quote), "breadcrumb": ["Doc", "Entry points"],
    }
    c.update(kw)
    return c


def _answer(**kw: Any) -> dict[str, Any]:
    d = {"question": "q?", "answer": "Recruit & retain women officers. [1]", "abstained": False,
         "citations": [_citation()], "notice": "", "suggestions": []}
    d.update(kw)
    return d


def _passage(**kw: Any) -> Passage:
    base: dict[str, Any] = dict(
        doc_id="doc", passage_id="ep-1", label="Entry point 1 <x>", breadcrumb=("Doc", "EP"),
        text="Some <script>alert(1)</script> text", start=0, end=10, level=1, kind="bullet",
        section="ep", parent_id=None, context="", title="Doc title",
        source_url="javascript:alert(1)",
        last_edited="2011-12-29", notes=("page ends mid-sentence",),
    )
    base.update(kw)
    return Passage(**base)


def test_user_text_is_escaped_for_markdown_and_html() -> None:
    out = R.user_message("<script>window.__pwned=1</script> *bold* [1](javascript:x)")
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    assert "\\*bold\\*" in out and "\\[1\\]\\(javascript" in out


def test_answer_markers_become_chips_and_text_is_escaped() -> None:
    out = R.answer_message(_answer(), turn=3)
    assert '<a href="#evaw-cite-3-1" class="evaw-chip"' in out
    assert "Recruit &amp; retain" in out
    assert "<i>" not in out  # label escaped inside the title attribute and sources line
    # a marker with no citation stays literal text, not a chip
    out2 = R.answer_message(_answer(answer="Text [7]"), turn=0)
    assert "evaw-cite-0-7" not in out2 and "\\[7\\]" in out2


def test_bullets_survive_and_notice_comes_first() -> None:
    d = _answer(answer="Intro [1]\n- first point [1]\n- second",
                notice="If you are in danger. <b>Call</b>")
    out = R.answer_message(d, turn=0)
    assert out.index("evaw-notice") < out.index("Intro")
    assert "danger. &lt;b&gt;Call&lt;/b&gt;</div>" in out  # no Markdown escapes in the HTML block
    assert "\n- first point" in out and "\n- second" in out


def test_abstained_answer_lists_suggestions() -> None:
    d = _answer(answer="The guidance does not cover this question.", abstained=True,
                citations=[], suggestions=["Entry point 2 — Laws", "Strategy 3.6 — <shops>"])
    out = R.answer_message(d, turn=0)
    assert "The guidance covers topics such as:" in out
    assert "&lt;shops&gt;" in out


def test_citation_panel_highlights_the_quote_and_escapes() -> None:
    c = _citation()
    out = R.citation_panel(c, None, None, None)
    assert "<mark>Recruit &amp; retain women officers.</mark>" in out
    assert "&lt;b&gt;help&lt;/b&gt;" in out
    assert "&lt;i&gt;x&lt;/i&gt;" in out
    assert 'href="https://example.org/page"' in out
    # wrong offsets: falls back to finding the quote in the text
    out2 = R.citation_panel(_citation(quote_start=5), None, None, None)
    assert "<mark>Recruit &amp; retain women officers.</mark>" in out2


def test_passage_panel_shows_context_notes_and_never_unsafe_links() -> None:
    p = _passage()
    prev = _passage(passage_id="ep-0", label="Prev <p>", text="previous text")
    nxt = _passage(passage_id="ep-2", label="Next", text="next text")
    out = R.passage_panel(p, prev, nxt)
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "Note: page ends mid-sentence" in out
    assert 'data-evaw-ref="doc#ep-0"' in out and 'data-evaw-ref="doc#ep-2"' in out
    assert "previous text" in out and "next text" in out
    assert "javascript:" not in out
    assert "Doc › EP" in out


def test_outline_tree_indents_by_level() -> None:
    ps = [_passage(passage_id="ep-intro", level=0), _passage(passage_id="ep-1", level=1),
          _passage(passage_id="ep-1.1", level=2)]
    out = R.outline_tree(ps)
    assert re.findall(r'class="evaw-lvl-(\d)"', out) == ["0", "1", "2"]
    assert out.count("data-evaw-ref=") == 3
    assert R.NO_INDEX.split(":")[0] in R.outline_tree([])


def test_markdown_exports_include_citations_and_links() -> None:
    d = _answer()
    latest = R.latest_markdown(d)
    assert "[1] Entry point 1.4" in latest and "<https://example.org/page>" in latest
    conv = R.conversation_markdown([d, _answer(question="follow-up?")])
    assert "## 1. q?" in conv and "## 2. follow-up?" in conv
    assert conv.count("### Cited passages") == 2
    assert "Source: <https://example.org/page>" in conv


def test_parse_cite_ref() -> None:
    assert R.parse_cite_ref("cite:2-5") == (2, 5)
    assert R.parse_cite_ref("doc#ep-1") is None
