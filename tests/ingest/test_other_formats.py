"""Markdown, plain text, HTML and PDF documents a user adds, and the paragraph fallback."""

from __future__ import annotations

from pathlib import Path

from ingest.parse_outline import parse_outline
from ingest.sources import read_source

MD = """# Police reform toolkit

Some opening words about the toolkit. It has two parts.

## Training

Training should cover:

- Responding to survivors with respect
  - Private interview rooms
  - Referral to shelters
- Recording cases consistently

## Oversight

Independent bodies review complaints.
"""


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    p = tmp / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def test_markdown_headings_and_nested_bullets(tmp_path: Path) -> None:
    src = read_source(_write(tmp_path, "toolkit.md", MD), 10**6)
    passages, _ = parse_outline(src.text, src.meta)
    got = {p.passage_id: p for p in passages}
    assert src.meta.title == "Police reform toolkit"
    assert list(got) == ["s0-p1", "s1-p1", "s1-1", "s1-1.1", "s1-1.2", "s1-2", "s2-p1"]
    assert got["s1-1.2"].parent_id == "s1-1" and got["s1-1.2"].level == 2
    assert got["s1-1"].breadcrumb == ("Police reform toolkit", "Training")
    assert got["s1-1.1"].breadcrumb[-1] == "Responding to survivors with respect"
    assert got["s1-p1"].kind == "intro" and got["s1-1"].parent_id == "s1-p1"
    assert got["s2-p1"].label == "Oversight — Independent bodies review complaints"
    for p in passages:
        assert src.text[p.start:p.end] == p.text


def test_markdown_inline_markup_is_read_as_plain_text(tmp_path: Path) -> None:
    md = ("# Health referrals\n\n## Steps\n\n"
          "- **Referral agreements.** A *written* agreement with [the district hospital](https://example.org)\n"
          "- __Joint training.__ Nurses and `investigators` train together\n"
          "- Costs: 2 * 3 * 4 kits, snake_case_names stay\n")
    src = read_source(_write(tmp_path, "referrals.md", md), 10**6)
    passages, _ = parse_outline(src.text, src.meta)
    assert "*" not in passages[0].text and "[" not in passages[0].text and "`" not in src.text
    assert [p.label for p in passages][:2] == ["Referral agreements", "Joint training"]
    assert "with the district hospital" in passages[0].text
    assert "2 * 3 * 4 kits, snake_case_names" in passages[2].text  # not emphasis
    for p in passages:
        assert src.text[p.start:p.end] == p.text
    # a .txt file is taken as written
    txt = read_source(_write(tmp_path, "notes.txt", "**kept** as typed\n"), 10**6)
    assert "**kept**" in txt.text


def test_unstructured_text_falls_back_to_paragraphs(tmp_path: Path) -> None:
    body = "First paragraph about policing.\nIt wraps onto a second line.\n\nSecond paragraph here.\n"
    src = read_source(_write(tmp_path, "notes.txt", body), 10**6)
    passages, _ = parse_outline(src.text, src.meta)
    assert [p.kind for p in passages] == ["paragraph", "paragraph"]
    assert passages[0].text == "First paragraph about policing.\nIt wraps onto a second line."
    assert body[passages[1].start:passages[1].end] == "Second paragraph here."


def test_html_page_becomes_outline(tmp_path: Path) -> None:
    html = """<html><head><title>x</title><script>alert(1)</script></head><body>
    <nav>Menu Home</nav><article><h1>Entry points</h1><p>Opportunities include:</p>
    <ul><li>Security sector reform <b>processes</b>
          <ul><li>Stakeholder consultation</li></ul></li>
        <li>New legislation &amp; policy</li></ul></article><footer>© site</footer></body></html>"""
    src = read_source(_write(tmp_path, "page.html", html), 10**6)
    passages, _ = parse_outline(src.text, src.meta)
    texts = [p.text for p in passages]
    assert texts == ["Opportunities include:", "Security sector reform processes",
                     "Stakeholder consultation", "New legislation & policy"]
    assert passages[2].parent_id == passages[1].passage_id
    assert not any("alert" in t or "Menu" in t or "©" in t for t in texts)


def _tiny_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF with the given text lines (Helvetica), built by hand."""
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({esc}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_text_is_parsed(tmp_path: Path) -> None:
    pdf = _write(tmp_path, "brief.pdf", _tiny_pdf(["Gender desks in every station.", "",
                                                     "- Train all officers", "- Track cases"]))
    src = read_source(pdf, 10**6)
    passages, _ = parse_outline(src.text, src.meta)
    texts = " | ".join(p.text for p in passages)
    assert "Gender desks in every station." in texts and "Train all officers" in texts
    for p in passages:
        assert src.text[p.start:p.end] == p.text
