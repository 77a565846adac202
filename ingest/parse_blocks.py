"""Split outline text into blocks (headings, bullets, paragraphs) with exact offsets.

A block's ``start``/``end`` delimit its content only: no bullet marker, no indentation,
no trailing whitespace (the capture ends some lines with non-breaking spaces), so
``text[start:end]`` is what a passage quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[•▪◦●‣∙·\-*+]|\d{1,3}[.)]|[a-z][.)])[ \t\u00a0]+(?=\S)")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?=\S)")
_SETEXT = re.compile(r"^[ \t]*(=+|-{2,})[ \t]*$")  # a lone "-" is a bullet marker, below
# a bullet marker alone on its line, its text on the next one (some captures of the site:
# "-" then "The evidence base on…"); two in a row leave an empty item, which is dropped
_LONE_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?:[•▪◦●‣∙·\-*+]|\d{1,3}[.)])[ \t\u00a0]*$")


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" | "bullet" | "para"
    start: int
    end: int
    indent: int  # column of the bullet marker (bullets) or of the first character
    heading_level: int = 0
    numbered: bool = False  # a heading made from a numbered line ("1. Assess the situation")

    def text(self, source: str) -> str:
        return source[self.start:self.end]


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def _content_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def parse_blocks(text: str) -> list[Block]:
    """One pass over the lines: a blank line, a heading or a new bullet ends a block."""
    blocks: list[Block] = []
    cur: dict | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None:
            end = _content_end(text, cur["start"], cur["end"])
            if end > cur["start"]:
                blocks.append(Block(cur["kind"], cur["start"], end, cur["indent"], cur["hl"]))
        cur = None

    lines = _lines(text)
    pending: int | None = None  # indent of a lone marker whose text is on the next line
    for pos, line in lines:
        if not line.strip():
            close()
            continue
        lone = _LONE_MARKER.match(line)
        if lone:
            close()
            pending = len(lone["indent"].expandtabs(4))
            continue
        if pending is not None and not _HEADING.match(line) and not _BULLET.match(line):
            lead = len(line) - len(line.lstrip())
            cur = {"kind": "bullet", "start": pos + lead, "end": pos + len(line), "indent": pending, "hl": 0}
            pending = None
            continue
        pending = None
        if _SETEXT.match(line) and cur is not None and cur["kind"] == "para" \
                and "\n" not in text[cur["start"]:cur["end"]]:
            cur["kind"], cur["hl"] = "heading", 1 if line.strip()[0] == "=" else 2
            close()
            continue
        h = _HEADING.match(line)
        b = _BULLET.match(line)
        if h:
            close()
            start = pos + h.end()
            end = _content_end(text, start, pos + len(line))
            blocks.append(Block("heading", start, end, 0, len(h["hashes"])))
            continue
        if b:
            close()
            indent = len(b["indent"].expandtabs(4))
            cur = {"kind": "bullet", "start": pos + b.end(), "end": pos + len(line),
                   "indent": indent, "hl": 0}
            continue
        if cur is None:
            lead = len(line) - len(line.lstrip())
            cur = {"kind": "para", "start": pos + lead, "end": pos + len(line), "indent": lead, "hl": 0}
        else:
            cur["end"] = pos + len(line)  # continuation line of a wrapped paragraph or bullet
    close()
    return blocks
