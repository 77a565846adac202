"""PDF to outline text with pypdf: running headers/footers dropped, paragraphs rebuilt.

pypdf gives one line per printed line: no blank lines between paragraphs, headings without
markup, a running header and footer on every page, and a paragraph or bullet that crosses a
page break split by them. The rebuilt text has one block per paragraph, bullet or heading
(separated by blank lines; a block keeps its printed line breaks, so quotes still match):

* a line found at the top or bottom of two or more pages, and "Page N of M" or a bare page
  number, is a running header/footer and is dropped;
* a block ends after a line that stops short of the printed width (a paragraph's last
  line, a heading, a "Last edited" line), or before a line that starts with a bullet glyph;
* a paragraph or bullet whose page ends mid-sentence continues on the next page.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.chrome import last_edited

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$",
                          re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[•▪◦●‣∙·\-*+]|\d{1,3}[.)])\s+\S")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)]*$")
EDGE_LINES = 3  # how far from a page's top or bottom a running header/footer sits


def pdf_to_outline_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [(page.extract_text() or "").splitlines() for page in reader.pages]
    return rebuild(pages)


def rebuild(pages: list[list[str]]) -> str:
    """Outline text from the printed lines of each page (see the module doc)."""
    pages = [[ln.rstrip() for ln in p if ln.strip()] for p in pages]
    running = _running_lines(pages)
    lines: list[str] = []
    page_ends: set[int] = set()
    for p in pages:
        lines += [ln for ln in p if ln.strip() not in running and not _PAGE_NUMBER.match(ln.strip())]
        page_ends.add(len(lines) - 1)
    width = _print_width(lines)
    blocks: list[list[str]] = []
    cur: list[str] = []
    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (_BULLET.match(ln) or last_edited(ln) is not None) and cur:
            blocks.append(cur)
            cur = []
        cur.append(ln)
        short = len(ln.strip()) < 0.75 * width
        ends = bool(_ENDS_SENTENCE.search(ln))
        torn = i in page_ends and not ends and (len(cur) > 1 or bool(_BULLET.match(cur[0])))
        if (short and not torn) or not nxt or _BULLET.match(nxt) or last_edited(ln) is not None \
                or (ends and (i in page_ends or _heading(nxt))):
            blocks.append(cur)  # a paragraph's last line, a heading, "Last edited: …"
            cur = []
    if cur:
        blocks.append(cur)
    return "\n\n".join("\n".join(b) for b in blocks) + "\n"


def _heading(line: str) -> bool:
    """A printed heading line: a few capitalised words, no closing punctuation."""
    s = line.strip()
    return bool(s) and s[0].isupper() and len(s.split()) <= 8 and not _ENDS_SENTENCE.search(s) \
        and not s.endswith(",")


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines at a page's edge (top or bottom) on two or more pages."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for p in pages:
        seen.update({ln.strip() for ln in p[:EDGE_LINES] + p[-EDGE_LINES:]})
    return {ln for ln, n in seen.items() if n >= 2}


def _print_width(lines: list[str]) -> int:
    """The printed line width: the length most wrapped lines reach."""
    lengths = sorted(len(ln.strip()) for ln in lines)
    if not lengths:
        return 0
    return lengths[int(0.8 * (len(lengths) - 1))]
