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


def test_abstained_answer_lists_suggestions_as_passage_links() -> None:
    d = _answer(answer="The guidance does not cover this question.", abstained=True,
                citations=[], suggestions=["Entry point 2 — Laws", "Strategy 3.6 — <shops>"])
    out = R.answer_message(d, turn=0, suggestion_refs=["doc#ep-2", ""])
    assert "The guidance covers topics such as" in out
    assert '- <a href="#evaw-open-doc%23ep-2" class="evaw-suggest">Entry point 2 — Laws</a>' in out
    assert "\n- Strategy 3\\.6 — &lt;shops&gt;" in out  # no passage found: plain text
    assert R.parse_open_ref("evaw-open-doc%23ep-2") == "doc#ep-2"
    assert R.parse_open_ref("doc#ep-2") == "doc#ep-2"


def test_suggestions_resolve_to_uids_preferring_retrieved_passages() -> None:
    a = _passage(doc_id="a", passage_id="ep-2", label="Entry point 2 — Laws")
    b = _passage(doc_id="b", passage_id="s1", label="Entry point 2 — Laws")
    c = _passage(doc_id="a", passage_id="ep-3", label="Entry point 3")
    d = _answer(abstained=True, suggestions=["Entry point 2 — Laws", "Entry point 3", "Gone"],
                retrieved=[{"passage_id": "s1", "score": 0.5}, {"passage_id": "ep-3", "score": 0.4}])
    assert R.suggestion_uids(d, [a, b, c]) == ["b#s1", "a#ep-3", ""]


def test_question_text_keeps_apostrophes_and_ampersands() -> None:
    """Markdown-escaping after HTML-escaping broke entities: the user saw "We&#x27;re"."""
    out = R.user_message("We're sure the UN's & NGOs' guide #1 helps")
    assert "&#" not in out and "\\&" not in out
    assert out.startswith("We're sure the UN's &amp; NGOs' guide \\#1")


def test_gaps_line_and_copy_action_in_the_message() -> None:
    d = _answer(gaps=["penalties <b>for</b> refusal", " "], coverage="partial")
    out = R.answer_message(d, turn=2)
    gap = out.index('<span class="evaw-gaps">The guidance does not address\\: penalties &lt;b&gt;for')
    assert out.index("evaw-chip") < gap < out.index("evaw-sources")
    assert '<a href="#evaw-copy-2" class="evaw-copy"' in out
    assert "evaw-gaps" not in R.answer_message(_answer(), turn=0)


def test_scope_panel_lists_documents_sections_and_top_level_passages() -> None:
    g = dict(title="Guide <1>", breadcrumb=("Guide <1>", "Entry points"), section="ep")
    ps = [_passage(passage_id="ep-intro", level=0, label="Entry points — introduction", **g),
          _passage(passage_id="ep-1", level=1, label="Entry point 1 — Reform", **g),
          _passage(passage_id="ep-1.1", level=2, label="Entry point 1.1 — Detail", **g),
          _passage(doc_id="other", passage_id="p1", level=0, label="First paragraph",
                   title="Other", breadcrumb=("Other",), section="s0"),
          _passage(doc_id="other", passage_id="p2", level=0, label="Second paragraph",
                   title="Other", breadcrumb=("Other",), section="s0")]
    out = R.scope_panel(ps)
    assert "(2 documents)" in out and "Guide &lt;1&gt;" in out and "<h2" in out
    assert re.search(r'<h3 class="evaw-scope-sec"><button[^>]*data-evaw-ref="doc#ep-intro">Entry points<', out)
    assert 'data-evaw-ref="doc#ep-1"' in out and "doc#ep-1.1" not in out  # top level only
    assert 'data-evaw-ref="other#p1"' in out and 'data-evaw-ref="other#p2"' in out
    many = [_passage(passage_id=f"ep-{i}", level=1, **g) for i in range(R.SCOPE_ITEMS + 3)]
    assert "and 3 more in the Browse tab" in R.scope_panel([ps[0], *many])
    assert R.NO_INDEX.split(":")[0] in R.scope_panel([])


def test_outline_tree_groups_passages_by_document() -> None:
    ps = [_passage(passage_id="a"), _passage(doc_id="d2", title="Second", passage_id="a")]
    out = R.outline_tree(ps)
    assert re.findall(r'<h2 class="evaw-doc-title">([^<]*)</h2>', out) == ["Doc title", "Second"]
    assert 'data-evaw-ref="doc#a"' in out and 'data-evaw-ref="d2#a"' in out


def test_long_neighbours_are_clipped_so_the_quote_stays_near_the_top() -> None:
    long = _passage(passage_id="ep-0", text="word " * 400)
    out = R.passage_panel(_passage(), long, None)
    context = re.search(r'<div class="evaw-context-text">([^<]*)</div>', out)
    assert context is not None and len(context.group(1)) < 300 and context.group(1).endswith("…")


def test_eval_report_tables_are_wrapped_in_named_scroll_regions() -> None:
    md = ("# Report\n\n## Overall\n\n| m | v |\n|---|---|\n| hit@1 | 0.5 |\n\n"
          "## Cases (failed first)\n\n| id | kind |\n|---|---|\n| a-1 | x |\n\n- config")
    out = R.eval_report_markdown(md)
    assert out.count('role="region" tabindex="0"') == 2
    assert '<div class="evaw-table" role="region" tabindex="0" title="Overall">' in out
    assert 'class="evaw-table evaw-table-cases" role="region" tabindex="0" title="Cases (failed first)"' in out
    # blank lines around each table so Markdown still parses it inside the HTML block
    assert "\n\n| m | v |\n|---|---|\n| hit@1 | 0.5 |\n\n</div>" in out
    assert out.endswith("- config")


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


def test_markdown_exports_include_citations_links_and_gaps() -> None:
    d = _answer()
    latest = R.latest_markdown(d)
    assert "[1] Entry point 1.4" in latest and "<https://example.org/page>" in latest
    conv = R.conversation_markdown([d, _answer(question="follow-up?", gaps=["pay"])])
    assert "## 1. q?" in conv and "## 2. follow-up?" in conv
    assert conv.count("### Cited passages") == 2
    assert "Source: <https://example.org/page>" in conv
    assert conv.count("The guidance does not address: pay.") == 1
    assert "The guidance does not address: pay." in R.latest_markdown(_answer(gaps=["pay"]))


def test_briefs_json_has_one_brief_per_answer() -> None:
    import json

    briefs = json.loads(R.briefs_json([_answer(), _answer(answer="Other. [1]")]))
    assert len(briefs) == 2 and briefs[1].splitlines()[2] == "Other. [1]"


def test_parse_cite_ref() -> None:
    assert R.parse_cite_ref("cite:2-5") == (2, 5)
    assert R.parse_cite_ref("doc#ep-1") is None


def test_a_follow_up_shows_what_it_was_understood_as_on_request() -> None:
    from ui.web_render import answer_message

    d = _answer(answer="Because it helps [1].", citations=[])
    d.update(question="why?", resolved_query="why? (recruit women)", followup=True)
    html = answer_message(d, 0)
    assert '<details class="evaw-understood"><summary>Understood as</summary>why? (recruit women)' in html
    d.update(followup=False)
    assert "evaw-understood" not in answer_message(d, 0)
