"""Captured module pages without structure hints: chrome, titles, dates, label lists,
headless sections and labels (fixtures in tests/ingest/pages/, golden outline beside)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.chrome import guess_title, is_nav_line, last_edited, parse_date, repeated_lines
from ingest.labels import short_title
from ingest.model import ParsedDocument
from ingest.parse_corpus import parse_files
from ingest.parse_outline import NOTE_EMPTY_LIST, parse_document, parse_outline
from ingest.settings import Settings
from ingest.sources import read_source
from tests.conftest import GUIDANCE

PAGES = Path(__file__).parent / "pages"
GOLDEN = Path(__file__).parent / "golden" / "module_pages.json"
CHROME = {"Our Partners", "Related Tools", "This content is available in", "English", "Français",
          "Options", "Print", "Back to top", "Share", "Referral pathway template",
          "District coordination checklist"}


def _parse(files: list[Path]) -> list[ParsedDocument]:
    return parse_files(files, Settings.load())


def _outline(docs: list[ParsedDocument]) -> dict:
    return {
        d.meta.doc_id: {
            "title": d.meta.title, "last_edited": d.meta.last_edited,
            "passages": [{"id": p.passage_id, "label": p.label, "parent": p.parent_id,
                          "kind": p.kind, "breadcrumb": list(p.breadcrumb), "notes": list(p.notes)}
                         for p in d.passages],
        } for d in docs
    }


def test_pages_match_golden() -> None:
    got = _outline(_parse(sorted(PAGES.glob("*.txt"))))
    if os.environ.get("EVAW_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("together", [True, False])
def test_no_chrome_passage_with_or_without_sibling_pages(together: bool) -> None:
    files = sorted(PAGES.glob("*.txt"))
    docs = _parse(files) if together else [d for f in files for d in _parse([f])]
    for d in docs:
        for p in d.passages:
            assert d.text[p.start:p.end] == p.text
            assert not any(line.strip() in CHROME for line in p.text.splitlines()), p.text
            assert p.text.strip() != d.meta.title and "Last edited" not in p.text
            assert "|" not in p.text and "Options" not in p.text
    # the zones alone find the same passages the corpus pass finds
    assert [p.text for d in docs for p in d.passages] == [
        p.text for d in _parse(files) for p in d.passages]


def test_title_and_date_come_from_the_page() -> None:
    by = {d.meta.doc_id: d for d in _parse(sorted(PAGES.glob("*.txt")))}
    assert by["station-checklist"].meta.title == "Station readiness checklist"  # no sidecar
    assert by["referral-pathways"].meta.title == "Referral pathways between police and other services"
    assert {k: d.meta.last_edited for k, d in by.items()} == {
        "community-policing": "2014-03-03", "referral-pathways": "2012-07-09",
        "station-checklist": "2013-12-05"}
    assert all(p.last_edited == d.meta.last_edited for d in by.values() for p in d.passages)


def test_a_line_repeated_across_pages_is_chrome_even_mid_page(tmp_path: Path) -> None:
    body = "Officers should record every complaint they receive, even when it is withdrawn."
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(
            f"Page {name} title?\n\n{body} Page {name}.\n\nSubscribe to updates\n\n"
            f"Case files must be kept locked, and page {name} says why.\n", encoding="utf-8")
    together = _parse(sorted(tmp_path.glob("*.txt")))
    alone = _parse([tmp_path / "a.txt"])
    assert "Subscribe to updates" not in [p.text for d in together for p in d.passages]
    assert "Subscribe to updates" not in [p.text for p in alone[0].passages]
    assert alone[0].passages[-1].breadcrumb[-1] == "Subscribe to updates"  # a heading-like line
    # what the corpus pass removed is part of the document's hash (re-embedding on change)
    assert together[0].sha256 != alone[0].sha256


def test_label_lines_after_an_intro_are_its_items() -> None:
    by = {d.meta.doc_id: d for d in _parse(sorted(PAGES.glob("*.txt")))}
    for doc, intro, labels in [
        ("community-policing", "s0-p2", ["Women's groups", "Local leaders", "Service providers"]),
        ("referral-pathways", "s0-p2", ["Health", "Psychosocial support", "Legal aid", "Shelter"]),
    ]:
        ps = by[doc].passages
        items = [p for p in ps if p.parent_id == intro]
        assert [p.label for p in items] == labels
        assert all(p.kind == "bullet" and p.level == 1 for p in items)
        assert next(p for p in ps if p.passage_id == intro).notes == ()
        assert items[0].context.endswith(next(p.label for p in ps if p.passage_id == intro))
    assert not any(NOTE_EMPTY_LIST in p.notes for d in by.values() for p in d.passages)


def test_intro_followed_by_a_paragraph_is_not_an_empty_list(tmp_path: Path) -> None:
    f = tmp_path / "quote.txt"
    f.write_text("The guidance puts it this way:\n\nEvery survivor deserves a response within the hour.\n"
                 "\nThe checklist covers:\n\n## Next part\n\nMore text follows here.\n", encoding="utf-8")
    ps = _parse([f])[0].passages
    assert ps[0].notes == () and ps[1].notes == () and NOTE_EMPTY_LIST in ps[2].notes


STEPS_PAGE = """Station support

  • Support to stations can follow these steps:

   1.    Find out what each station lacks

  • Visit stations at night as well as by day and ask the women who came to report.
  • Note whether there is a room where nobody overhears a statement.

   2.    Agree a minimum standard

  • Have senior command sign the standard a station must meet before it takes reports.

Before any visit, agree with the command:

1. Which stations are visited first
2. Who goes on each visit
"""


def test_numbered_lines_between_bullet_groups_head_sections(tmp_path: Path) -> None:
    f = tmp_path / "station-support.txt"
    f.write_text(STEPS_PAGE, encoding="utf-8")
    ps = {p.passage_id: p for p in _parse([f])[0].passages}
    steps = [p for p in ps.values() if p.breadcrumb[-1:] == ("Find out what each station lacks",)]
    assert [p.text[:5] for p in steps] == ["Visit", "Note "] and all(p.level == 1 for p in steps)
    second = [p.text[:4] for p in ps.values() if p.breadcrumb[-1:] == ("Agree a minimum standard",)]
    assert second == ["Have"]
    # prose after the last step's bullets is the page's again, not the step's
    assert [p.breadcrumb for p in ps.values() if p.text.startswith("Before any visit")] == [("Station support",)]
    # the line announcing the steps is no empty list; a run of short numbered items stays a list
    assert not any(NOTE_EMPTY_LIST in p.notes for p in ps.values())
    items = [p for p in ps.values() if p.text in ("Which stations are visited first", "Who goes on each visit")]
    assert len(items) == 2 and all(p.kind == "bullet" for p in items)


POLICE_PAGE = """Programming Essentials, Monitoring & Evaluation
Related Tools

Police Response

Last edited: October 31, 2010

Police are often the first service a survivor meets, and how they respond decides whether she comes back.

Sample indicators:

Proportion of stations with a private interview room
Number of trained officers still posted to a station after a year

Questions for a first visit:
Is there a room where nobody overhears a statement
Who holds the key to the evidence cupboard
"""


def test_menus_above_the_title_and_glyphless_lines_under_an_intro(tmp_path: Path) -> None:
    f = tmp_path / "police-response.txt"
    f.write_text(POLICE_PAGE, encoding="utf-8")
    ps = _parse([f])[0].passages
    # the category line above the title is site furniture even with its comma
    assert not any("Programming Essentials" in p.text or "Related Tools" in p.text for p in ps)
    intro = next(p for p in ps if p.text == "Sample indicators:")
    items = [p for p in ps if p.parent_id == intro.passage_id]
    assert [p.text[:10] for p in items] == ["Proportion", "Number of "]
    assert all(p.kind == "bullet" for p in items) and intro.notes == ()
    # the same with the items in the intro's own block
    visit = next(p for p in ps if p.text == "Questions for a first visit:")
    assert [p.text[:8] for p in ps if p.parent_id == visit.passage_id] == ["Is there", "Who hold"]


DASH_PAGE = """What is known so far?

-
Few studies look at what works with the police. Studies worth reading include:
-
A comparison of specialised stations in four countries, which looks at who reports.
-
A review of referral programmes in six countries.
-
-
The small number of evaluations reflects how recent the attention is.
"""


def test_a_bullet_marker_alone_on_its_line_marks_the_next_line(tmp_path: Path) -> None:
    f = tmp_path / "known.txt"
    f.write_text(DASH_PAGE, encoding="utf-8")
    ps = _parse([f])[0].passages
    assert [p.text[:10] for p in ps] == ["Few studie", "A comparis", "A review o", "The small "]
    assert all(p.kind == "bullet" and not p.text.startswith("-") for p in ps)
    # the first item announcing the others is no empty list; "Title\n---" is still a heading
    assert ps[0].notes == ()
    md = tmp_path / "underlined.txt"
    md.write_text("Part One\n---\n\nSome text of the first part.\n", encoding="utf-8")
    assert _parse([md])[0].passages[0].breadcrumb[-1] == "Part One"


def test_headless_page_is_sectioned_by_its_title() -> None:
    d = next(d for d in _parse(sorted(PAGES.glob("*.txt"))) if d.meta.doc_id == "station-checklist")
    assert {p.breadcrumb[:1] for p in d.passages} == {("Station readiness checklist",)}
    assert all("paragraph" not in p.label and "Introduction" not in p.label for p in d.passages)
    assert [p.parent_id for p in d.passages] == [None, "s0-p1", "s0-p1", "s0-p1"]


def test_heading_like_lines_become_sections() -> None:
    d = next(d for d in _parse(sorted(PAGES.glob("*.txt"))) if d.meta.doc_id == "community-policing")
    risks = [p for p in d.passages if p.section == "s1"]
    assert risks and all(p.breadcrumb[-1] == "Risks to Manage" for p in risks)
    assert risks[0].label == "Risks to Manage — Forums dominated by men"


@pytest.mark.parametrize("text", [
    "Respecting the rights of survivors of violence (e.g. police, health and justice services) "
    "is essential for every programme that works with the sector and its partners.",
    "Survivors of violence (e.g. women and girls) need a response. More follows.",
    "Working with women (survivors and others in the community who are at risk of harm) is key.",
    "Support (for example: police, health) matters here a great deal in every single case.",
])
def test_labels_never_end_inside_a_parenthesis(text: str) -> None:
    label = short_title(text)
    assert label and label.count("(") == label.count(")")
    assert not re.search(r"\(e\.g\.?…?$|[(,;:]…?$", label), label
    assert text.startswith(label.rstrip("…"))  # cut at a word boundary of the text


@pytest.mark.parametrize("written,iso", [
    ("December 29, 2011", "2011-12-29"), ("Dec 29, 2011", "2011-12-29"),
    ("29 December 2011", "2011-12-29"), ("29th of December, 2011", "2011-12-29"),
    ("2011-12-29", "2011-12-29"), ("29/12/2011", "2011-12-29"), ("12/29/2011", "2011-12-29"),
    ("29.12.2011", "2011-12-29"), ("December 2011", "2011-12"), ("Sept. 3, 2013", "2013-09-03"),
    ("soon", ""), ("31/31/2011", ""),
])
def test_dates_in_common_formats(written: str, iso: str) -> None:
    assert parse_date(written) == iso


def test_last_edited_lines() -> None:
    assert last_edited("Last edited: December 29, 2011") == "2011-12-29"
    assert last_edited("Last updated on 3 March 2014") == "2014-03-03"
    assert last_edited("Updated guidance on police training is available.") is None
    assert last_edited("Police services: they respond first.") is None


def test_nav_lines_and_repeats() -> None:
    assert is_nav_line("Back to top") and is_nav_line("Security module | Knowledge Centre on Ending Violence")
    assert not is_nav_line("Officers must record every case.") and not is_nav_line("Police services: first")
    assert repeated_lines(["Print\nA\n", "Print\nB\n"]) == {"print"}
    assert repeated_lines(["Print\n"]) == frozenset()
    assert guess_title("Related Tools\n\nWhy it matters\n\nLast edited: May 1, 2012\n") == "Why it matters"


def test_a_page_of_short_lines_keeps_them(tmp_path: Path) -> None:
    f = tmp_path / "list.txt"
    f.write_text("Gender desks\n\nReferral lists\n\nPrivate rooms\n", encoding="utf-8")
    assert [p.text for p in _parse([f])[0].passages] == ["Referral lists", "Private rooms"]


def test_guidance_needs_no_skip_lines_and_ignores_sibling_pages() -> None:
    src = read_source(GUIDANCE, 10**7)
    assert "skip_lines" not in src.meta.structure
    alone, _ = parse_outline(src.text, src.meta)
    beside = next(d for d in _parse([GUIDANCE, *sorted(PAGES.glob("*.txt"))])
                  if d.meta.doc_id == GUIDANCE.stem)
    assert [p.to_dict() for p in alone] == [p.to_dict() for p in beside.passages]
    assert len(alone) == 37
    undated, _ = parse_outline(src.text, replace(src.meta, last_edited=""))
    assert {p.last_edited for p in undated} == {"2011-12-29"}
    meta, _, _ = parse_document(src.text, replace(src.meta, last_edited=""))
    assert meta.last_edited == "2011-12-29"


def test_a_heading_shared_by_some_pages_stays_a_heading(tmp_path: Path) -> None:
    """In two of five pages: a section heading, not chrome (a line in most pages is)."""
    headings = {"a": "Background", "b": "Background", "c": "Context", "d": "Results", "e": "Lessons"}
    for name, heading in headings.items():
        (tmp_path / f"{name}.txt").write_text(
            f"Related Tools\n\nCase {name}?\n\nThe programme ran in district {name} for six years.\n\n"
            f"{heading}\n\nThe district had no female officers when it began, page {name}.\n\n"
            "Related Tools\n", encoding="utf-8")
    docs = _parse(sorted(tmp_path.glob("*.txt")))
    for d in docs:
        assert [p.breadcrumb[1:] for p in d.passages] == [(), (headings[d.meta.doc_id],)]
        assert "Related Tools" not in [p.text for p in d.passages]


@pytest.mark.parametrize(("text", "label"), [
    ("Agree written rules on who may use the room, so that it is not turned into a storeroom once "
     "the programme visit is over and nobody checks.", "Agree written rules on who may use the room"),
    ("Women's police stations and specialised units can help because many women would rather report "
     "to another woman, as studies in several countries show.", "Women's police stations and specialised units"),
])
def test_a_label_is_not_cut_inside_a_relative_clause(text: str, label: str) -> None:
    assert short_title(text) == label
