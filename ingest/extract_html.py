"""HTML pages (such as the guidance site's) to outline text: headings, bullets, paragraphs."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

_SKIP = {"script", "style", "nav", "header", "footer", "noscript", "form", "aside", "template"}
_BLOCK = {"p", "div", "section", "article", "main", "blockquote", "body", "td", "dd", "dt"}


def _inline_text(node: Tag) -> str:
    """Text of a node, excluding nested lists (they become their own bullets)."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag) and child.name not in ("ul", "ol", *_SKIP):
            parts.append(_inline_text(child))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def html_to_outline_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for t in soup.find_all(_SKIP):
        t.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    out: list[str] = []
    _walk(root, out, depth=0)
    return "\n\n".join(x for x in out if x.strip()) + "\n"


def _walk(node: Tag, out: list[str], depth: int) -> None:
    for child in node.children:
        if not isinstance(child, Tag):
            text = str(child).strip()
            if text and node.name in _BLOCK:
                out.append(re.sub(r"\s+", " ", text))
            continue
        name = child.name
        if name and re.fullmatch(r"h[1-6]", name):
            text = _inline_text(child)
            if text:
                out.append("#" * int(name[1]) + " " + text)
        elif name in ("ul", "ol"):
            _walk_list(child, out, depth + 1)
        elif name == "p":
            text = _inline_text(child)
            if text:
                out.append(text)
        elif name == "br":
            continue
        else:
            _walk(child, out, depth)


def _walk_list(lst: Tag, out: list[str], depth: int) -> None:
    for li in lst.find_all("li", recursive=False):
        text = _inline_text(li)
        if text:
            out.append("  " * depth + "• " + text)
        for sub in li.find_all(["ul", "ol"], recursive=False):
            _walk_list(sub, out, depth + 1)
