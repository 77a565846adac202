"""Pages saved as HTML (site furniture dropped by structure) and as PDF (running headers
and footers dropped, paragraphs rebuilt from printed lines)."""

from __future__ import annotations

from pathlib import Path

from ingest.extract_html import html_to_outline_text
from ingest.extract_pdf import rebuild
from ingest.parse_corpus import parse_files
from ingest.settings import Settings

PAGE = Path(__file__).parent / "pages" / "training-centre.html"


def test_html_keeps_the_article_only() -> None:
    text = html_to_outline_text(PAGE.read_text(encoding="utf-8"))
    for chrome in ("cookies", "Accept", "Home", "Modules", "Français", "In this module", "Overview",
                   "Facebook", "Related Tools", "Trainer's manual", "Prev", "©", "Terms", "tracking"):
        assert chrome not in text, chrome
    assert text.startswith("# Training police on survivor-centred responses\n")
    assert "Last edited: 10 February 2015" in text  # inline <time> stays in its paragraph
    assert "it is repeated, supervised" in text and "the referral pathway" in text


def test_html_page_parses_with_nested_list_title_and_date() -> None:
    doc = parse_files([PAGE], Settings.load())[0]
    assert doc.meta.title == "Training police on survivor-centred responses"  # no sidecar: h1
    assert doc.meta.last_edited == "2015-02-10"
    by = {p.passage_id: p for p in doc.passages}
    assert [p.breadcrumb[-1] for p in doc.passages if p.section == "s1"] == [
        "What a course should cover", "What a course should cover",
        "Taking a first statement in private", "Taking a first statement in private",
        "What a course should cover"]
    assert by["s1-1.2"].text == "without the suspect present" and by["s1-1.2"].parent_id == "s1-1"
    assert by["s1-1"].parent_id == "s1-p1"
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


HEADER = "www.example.org | Module | Case studies"
FOOTER = "Module name | Knowledge Centre"


def test_pdf_lines_become_blocks() -> None:
    page1 = [
        HEADER,
        "Case study: support units in the",
        "Northern Police",
        "Last edited: June 12, 2014",
        "This case study describes a programme that ran in four districts over six years, with",
        "funding from two donors and technical support from a national university.",
        "Background",
        "The districts had few female officers and no private interview rooms at the start of the",
        "programme, and complaints were often sent back to families for settlement.",
        "Difficulties",
        "• Transfers: about 40 per cent of the officers trained in the first three years had been",
        "moved out of the units by 2010.",
        "• Perceptions: some officers saw a posting to the units as a punishment, which changed only",
        "after unit commanders were given the same promotion",
        FOOTER,
        "Page 1 of 2",
    ]
    page2 = [HEADER, "opportunities as criminal investigation officers.", "Lessons",
             "Fixing a minimum posting for trained officers did most to help the units survive.",
             FOOTER, "Page 2 of 2"]
    blocks = rebuild([page1, page2]).split("\n\n")
    assert HEADER not in "".join(blocks) and FOOTER not in "".join(blocks) and "Page 1" not in "".join(blocks)
    assert blocks[:4] == ["Case study: support units in the", "Northern Police",
                          "Last edited: June 12, 2014", "\n".join(page1[4:6])]
    assert blocks[4] == "Background" and blocks[6] == "Difficulties"
    assert blocks[7] == "\n".join(page1[10:12])  # bullet continuation lines stay in the bullet
    assert blocks[8] == "\n".join([*page1[12:14], page2[1]])  # across the page break
    assert blocks[9:] == ["Lessons", page2[3] + "\n"]


def test_pdf_wrapped_title_is_the_title(tmp_path: Path) -> None:
    text = rebuild([["Case study: support units in the", "Northern Police", "Last edited: May 2, 2013",
                     "A short programme description that ends here."]])
    f = tmp_path / "case.txt"
    f.write_text(text, encoding="utf-8")
    (tmp_path / "case.meta.json").write_text(
        '{"title": "Case study: support units in the Northern Police"}', encoding="utf-8")
    doc = parse_files([f], Settings.load())[0]
    assert [p.text for p in doc.passages] == ["A short programme description that ends here."]
    assert doc.meta.last_edited == "2013-05-02"
