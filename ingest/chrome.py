"""Page chrome: what a captured web page carries besides its article, found without hints.

Site captures start and end with navigation ("Related Tools", "This content is available
in", "Options", a list of language names, "Print", "Back to top"…), carry the page title
and a "Last edited: <date>" line. None of that is guidance, and none of it should become a
passage. Chrome is recognised by generic features, not by a list of known phrases:

* **repeated lines**: a short, non-sentence line present in two or more documents of the
  same ingest is site furniture (:func:`repeated_lines`, a corpus-level pass) — except,
  unless it is in most documents, where it stands as a section heading inside the article
  ("Background" or "Lessons" in two case studies);
* **navigation zones**: before the article's first real block and after its last one,
  short lines without sentence punctuation that do not introduce a list, and short
  link-like bullets under such a line (a "Related Tools" box), are navigation;
* the **title** line (the sidecar's title, else the line above "Last edited", a first
  heading or a first question) names the document;
* "**Last edited**: <date>" (any common date format) becomes the document's date.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

NAV_MAX_WORDS = 6
NAV_MAX_CHARS = 48
REPEAT_MAX_WORDS = 8

_SENTENCE_PUNCT = re.compile(r"[.!?:;,()\"“”]")
_LAST_EDITED = re.compile(
    r"^(?:last\s+(?:edited|updated|modified|reviewed|revised)(?:\s+on)?|(?:page\s+)?updated(?:\s+on)?"
    r"|date\s+of\s+(?:last\s+)?(?:edit|update|revision))\s*[:\-–—]?\s*(?P<date>.*)$",
    re.IGNORECASE,
)
_MONTHS = {
    m: i for i, names in enumerate((
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
        ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
        ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
        ("december", "dec"),
    ), start=1) for m in names
}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),  # 2011-12-29
    re.compile(r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})"),  # 29/12/2011, 12/29/2011
    re.compile(rf"^{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"),  # December 29, 2011
    re.compile(rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<y>\d{{4}})"),  # 29 Dec 2011
    re.compile(rf"^{_MONTH},?\s+(?P<y>\d{{4}})"),  # December 2011
)


def parse_date(text: str) -> str:
    """ISO date (``YYYY-MM-DD``, or ``YYYY-MM`` without a day) of a written date, or ""."""
    s = text.strip().lstrip("-–—: ").strip()
    for fmt in _DATE_FORMATS:
        m = fmt.match(s)
        if not m:
            continue
        g = m.groupdict()
        year = int(g["y"])
        if g.get("mon") is not None:
            month = _MONTHS.get(g["mon"].lower())
            if month is None:
                continue
            if g.get("d") is None:
                return f"{year:04d}-{month:02d}"
            day = int(g["d"])
        elif g.get("a") is not None:
            a, b = int(g["a"]), int(g["b"])
            day, month = (b, a) if b > 12 >= a else (a, b)  # day first unless impossible
        else:
            month, day = int(g["m"]), int(g["d"])
        if 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2100:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def last_edited(line: str) -> str | None:
    """For a "Last edited: <date>" line: its ISO date ("" if unreadable); else None."""
    m = _LAST_EDITED.match(line.strip())
    if m is None:
        return None
    date = m["date"].strip()
    if not date or not re.search(r"\d{4}", date):
        return None  # "Updated guidance on…" is a sentence, not a date line
    return parse_date(date)


def normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("\u00a0", " ")).strip().casefold()


def is_nav_line(line: str, max_words: int = NAV_MAX_WORDS) -> bool:
    """Short, no sentence punctuation, some letters: how menu items and box titles look."""
    s = line.replace("\u00a0", " ").strip()
    if not s or s.startswith("#") or not any(c.isalpha() for c in s):
        return False
    words, chars = max_words, NAV_MAX_CHARS if max_words == NAV_MAX_WORDS else 80
    if " | " in s:  # "Section | Site name": a page or site title bar
        words, chars = 16, 120
    if len(s.split()) > words or len(s) > chars:
        return False
    return not _SENTENCE_PUNCT.search(s)


def repeated_lines(texts: Sequence[str], most: bool = False) -> frozenset[str]:
    """Short non-sentence lines (normalised) found in at least two of ``texts`` (with
    ``most``: in more than half of them, and at least two)."""
    if len(texts) < 2:
        return frozenset()
    least = max(2, len(texts) // 2 + 1) if most else 2
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({
            normalise(line) for line in text.splitlines()
            if is_nav_line(_unbullet(line), REPEAT_MAX_WORDS)
        })
    return frozenset(line for line, n in counts.items() if n >= least)


def lines_in(text: str, chrome: Iterable[str]) -> list[str]:
    """Which of ``chrome`` occur in ``text`` (sorted): what the corpus pass removed here."""
    have = {normalise(_unbullet(line)) for line in text.splitlines()}
    return sorted(set(chrome) & have)


def _unbullet(line: str) -> str:
    return re.sub(r"^\s*[•▪◦●‣∙·\-*+]\s+", "", line)


def guess_title(text: str) -> str:
    """A document's title when no sidecar gives one: its first heading, the line above
    "Last edited: …", a first short question, else its first line if it is short and not
    a sentence; "" when none fits (the file name is used then)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    head = lines[:15]
    for k, ln in enumerate(head):  # a "# " heading, or any heading opening the text
        if re.match(r"^#\s+\S", ln) or (k == 0 and re.match(r"^#{2,6}\s+\S", ln)):
            return ln.lstrip("#").strip()
    for prev, ln in pairwise(head):
        if last_edited(ln) is not None and len(prev.split()) <= 20 and last_edited(prev) is None:
            return prev
    for ln in head:
        if ln.endswith("?") and len(ln.split()) <= 20:
            return ln
    for ln in head[:1]:
        if len(ln) <= 120 and len(ln.split()) <= 14 and ln[-1] not in ".:;,":
            return ln
    return ""


@dataclass(frozen=True)
class Line:
    """What the framing pass needs to know about a block: its kind and its lines."""

    kind: str  # "heading" | "bullet" | "para"
    text: str


@dataclass(frozen=True)
class Frame:
    """Which blocks are page furniture, and what the page says about itself."""

    drop: frozenset[int]  # block indexes that are chrome, title or date lines
    title: int | None  # index of the title block, if found
    last_edited: str


def frame_page(blocks: Sequence[Line], title: str, repeated: frozenset[str] = frozenset(),
               skip: frozenset[str] = frozenset(), common: frozenset[str] | None = None) -> Frame:
    """Find the title, the date and the chrome among a page's blocks (see module doc).

    ``repeated`` lines are chrome; those not in ``common`` (lines in most documents; all
    of ``repeated`` when not given) stay when they head a section inside the article."""
    common = repeated if common is None else common
    drop: set[int] = set()
    title_at: int | None = None
    date = ""
    for i, b in enumerate(blocks):
        s = b.text.strip()
        if s in skip:
            drop.add(i)
        elif b.kind == "para" and "\n" not in s and (d := last_edited(s)) is not None:
            drop.add(i)
            date = date or d
        elif title_at is None and is_title_block(b, title):
            drop.add(i)
            title_at = i
        elif title_at is None and i + 1 < len(blocks) and b.kind == blocks[i + 1].kind == "para" \
                and is_title_block(Line("para", f"{s} {blocks[i + 1].text.strip()}"), title):
            drop |= {i, i + 1}  # a title wrapped over two printed lines (PDF)
            title_at = i
        elif b.kind != "heading" and repeated and all(
                normalise(_unbullet(ln)) in repeated for ln in s.splitlines()) \
                and not (normalise(s) not in common and _heads_section(blocks, i)):
            drop.add(i)
    if title_at is not None:
        # above the title, short lines are the site's menus and breadcrumbs, commas and all
        # ("Programming Essentials, Monitoring & Evaluation"): the article starts at its title
        drop |= {i for i in range(title_at) if all(_label_line(ln) for ln in blocks[i].text.splitlines())}
    drop |= _zone(blocks, drop, range(len(blocks)), top=True)
    drop |= _zone(blocks, drop, range(len(blocks) - 1, -1, -1), top=False)
    return Frame(frozenset(drop), title_at, date)


def _label_line(line: str) -> bool:
    """A short line that is no sentence: at most ten words, no sentence punctuation at its
    end or inside it."""
    s = _unbullet(line).strip()
    return bool(s) and len(s.split()) <= 10 and s[-1] not in ".!?:;" and not re.search(r"[.!?;:]\s", s)


def heading_like(content: str) -> bool:
    """A line that reads as a heading: one short line, capitalised, no sentence punctuation
    at its end or inside it ("Do No Harm", "Step 1 – Assess the Situation")."""
    s = content.strip()
    if "\n" in s or not s or not (s[0].isupper() or s[0].isdigit()):
        return False
    if len(s.split()) > 12 or len(s) > 100 or s[-1] in ".,;:!" or re.search(r"[.;:]\s", s):
        return False
    return any(c.isalpha() for c in s)


def _heads_section(blocks: Sequence[Line], i: int) -> bool:
    """Block ``i`` is a heading-like line between article text and the text it heads."""
    before, after = blocks[i - 1] if i else None, blocks[i + 1] if i + 1 < len(blocks) else None
    return heading_like(blocks[i].text) and before is not None and after is not None \
        and after.kind in ("para", "bullet") and not _nav_block(after) and not _nav_block(before) \
        and before.kind != "heading"


def is_title_block(b: Line, title: str) -> bool:
    """The title line (a heading, or a line that is not a sentence) names the document."""
    if b.kind == "bullet" or not title or not _same(b.text, title):
        return False
    return b.kind == "heading" or not b.text.rstrip().endswith(".")


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


def _nav_block(b: Line) -> bool:
    return b.kind != "heading" and all(is_nav_line(_unbullet(ln)) for ln in b.text.splitlines())


def _zone(blocks: Sequence[Line], dropped: set[int], order: Iterable[int], top: bool) -> set[int]:
    """Navigation before the article's first real block (``top``) or after its last one.

    A nav-like line directly above real list items introduces them (kept); link-like
    bullets are chrome only under a nav-like box title ("Related Tools", "Options"),
    never when they continue the article's own list. A page that is nothing but short
    lines has no zones (there would be no article left).
    """
    zone: list[int] = []
    stop: int | None = None
    for i in order:
        if i in dropped or _nav_block(blocks[i]):
            zone.append(i)
        else:
            stop = i
            break
    if stop is None:
        return set()
    zone.sort()
    keep: set[int] = set()
    if top and blocks[stop].kind == "bullet":
        intro = max((i for i in zone if i not in dropped), default=None)
        if intro is not None and intro == max(zone):
            keep.add(intro)  # the short line right above real list items introduces them
    if not top:
        for i in zone:  # bullets right after the article's last block are its own list
            if blocks[i].kind != "bullet":
                break
            keep.add(i)
    out: set[int] = set()
    titled = False  # inside a box under a nav-like title line
    for i in zone:
        if i in keep:
            continue
        if blocks[i].kind == "bullet":
            if titled:
                out.add(i)
            continue
        titled = titled or _nav_block(blocks[i])
        out.add(i)
    return out
