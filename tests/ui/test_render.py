"""The plain-text brief shared by `ask --format brief`, `chat` /copy and the web UI."""

from __future__ import annotations

from typing import Any

from ui.render import answer_brief, answer_markdown, brief_lead, gaps_line


def _cite(marker: int, label: str, quote: str, url: str = "https://example.org/g") -> dict[str, Any]:
    return {"marker": marker, "label": label, "quote": quote, "source_url": url, "text": quote}


def _answer(**kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "question": "q?", "abstained": False, "notice": "If you are in danger, call someone.",
        "suggestions": [], "gaps": [], "coverage": "covered",
        "answer": "Intro sentence. [1]\n- first point\u00a0with  space [2]\n* second point [1]",
        "citations": [_cite(1, "Entry point 1.4 — Recruit women", "Intro sentence."),
                      _cite(2, "Strategy 3.6 — One stop shops", "first point\u00a0with  space")],
    }
    d.update(kw)
    return d


def test_brief_is_lead_sentences_then_numbered_references() -> None:
    brief = answer_brief(_answer())
    assert brief.split("\n") == [
        "The guidance addresses this under Entry point 1.4 (Recruit women) and Strategy 3.6 (One stop shops).",
        "",
        "Intro sentence. [1]",
        "• first point with space [2]",
        "• second point [1]",
        "",
        "References",
        "",
        "[1] Entry point 1.4 — Recruit women",
        "“Intro sentence.”",
        "https://example.org/g",
        "",
        "[2] Strategy 3.6 — One stop shops",
        "“first point with space”",
        "https://example.org/g",
        "",
    ]


def test_brief_has_no_markup_and_leaves_out_the_on_screen_notice() -> None:
    brief = answer_brief(_answer(citations=[_cite(1, "A — <b>x</b> & *y*", "Intro sentence.")]))
    assert "danger" not in brief
    assert "**" not in brief and "\\" not in brief and "&amp;" not in brief
    assert "A — <b>x</b> & *y*" in brief  # the label's own words, verbatim


def test_brief_lead_names_each_cited_passage_once() -> None:
    d = _answer(citations=[_cite(1, "Entry point 2", "a"), _cite(2, "Entry point 2", "b"),
                           _cite(3, "Strategy 1 — X", "c")])
    assert brief_lead(d) == "The guidance addresses this under Entry point 2 and Strategy 1 (X)."
    assert brief_lead(_answer(citations=[])) == ""


def test_partial_and_refused_answers_in_the_brief() -> None:
    partial = answer_brief(_answer(gaps=["pay scales.", "", "uniforms"], coverage="partial"))
    assert "\n\nThe guidance does not address: pay scales; uniforms.\n\nReferences" in partial
    refused = answer_brief(_answer(answer="The guidance does not cover this question.",
                                   abstained=True, citations=[], coverage="not_covered",
                                   suggestions=["Entry point 2 — Laws", "Strategy 3.6 — Shops"]))
    assert refused == ("The guidance does not cover this question.\n\n"
                       "The guidance covers topics such as: Entry point 2 — Laws; Strategy 3.6 — Shops.\n")


def test_gaps_line_is_empty_without_gaps_and_shared_with_markdown() -> None:
    assert gaps_line(_answer()) == "" and gaps_line({"gaps": None}) == ""
    d = _answer(gaps=["pay"])
    assert gaps_line(d) in answer_markdown(d)
