"""HTML pages (as saved from the guidance site) to outline text: headings, bullets, paragraphs.

The article is kept and the site around it dropped **by structure**, not by known phrases:

* elements that are never content: ``nav``, ``aside``, ``form``, ``button``, scripts…;
* landmark roles of site furniture: ``navigation``, ``banner``, ``contentinfo``,
  ``complementary``, ``search``, ``menu``, ``dialog``…; ``header``/``footer`` elements
  (unless they hold the page's ``h1``, as an article header does);
* class or id names that say what a block is for (cookie/consent banners, breadcrumbs,
  language switchers, menus, sidebars, pagers, share and "related" boxes, dropdowns);
* link density: a list whose every item is only a link, or a block that is mostly links,
  is navigation.

What remains is walked from the article (``article``, ``main`` or ``role=main``, else
``body``): ``h1``–``h6`` become ``#`` headings, lists become indented ``•`` bullets (nested
lists nest), paragraphs and other blocks become paragraphs, inline elements (links,
emphasis, ``time``…) stay inside their paragraph's text.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

_NEVER = {"script", "style", "noscript", "template", "nav", "aside", "form", "button", "select",
          "input", "textarea", "iframe", "svg", "canvas", "head", "link", "meta", "object", "embed"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu",
                 "menubar", "dialog", "alertdialog", "toolbar", "tablist", "alert"}
_CHROME_NAMES = {"cookie", "cookies", "consent", "gdpr", "breadcrumb", "breadcrumbs", "lang",
                 "language", "languages", "switcher", "share", "sharing", "social", "related",
                 "sidebar", "menu", "navbar", "nav", "pager", "pagenav", "pagination", "footer",
                 "header", "masthead", "skip", "toolbar", "dropdown", "back", "top", "print",
                 "banner", "modal", "popup", "newsletter", "subscribe", "tags", "widget"}
_BLOCK = {"p", "div", "section", "article", "main", "blockquote", "body", "dl", "dd", "dt",
          "table", "thead", "tbody", "tr", "td", "th", "figure", "figcaption", "header", "footer",
          "address", "details", "summary", "pre", "center", "hgroup"}
_SKIP_STRINGS = (Comment, Doctype, ProcessingInstruction)


def html_to_outline_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    root = _article_root(soup)
    out: list[str] = []
    _block(root, out, depth=0)
    return "\n\n".join(x for x in out if x.strip()) + "\n"


def _article_root(soup: BeautifulSoup) -> Tag:
    """The article: the largest ``article``, else ``main``/``role=main``, else ``body``."""
    articles = [a for a in soup.find_all("article") if isinstance(a, Tag) and not _is_chrome(a)]
    if articles:
        return max(articles, key=lambda a: len(a.get_text(" ", strip=True)))
    for found in (soup.find("main"), soup.find(role="main"), soup.body):
        if isinstance(found, Tag):
            return found
    return soup


def _names(tag: Tag) -> set[str]:
    raw = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
    return {t for t in re.split(r"[\s\-_]+", raw.lower()) if t}


def _is_chrome(tag: Tag) -> bool:
    """Site furniture by element, landmark role, purpose-naming class/id or link density."""
    name = tag.name or ""
    if name in _NEVER:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    holds_title = name == "h1" or tag.find("h1") is not None
    if holds_title:
        return False
    if str(tag.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if name in ("header", "footer"):
        return True
    if _names(tag) & _CHROME_NAMES and not tag.find(itemprop="articleBody"):
        return True
    return _link_heavy(tag)


def _link_heavy(tag: Tag) -> bool:
    """A menu: a list whose items are each just a link, or a block that is mostly links."""
    if tag.name in ("ul", "ol"):
        items = tag.find_all("li", recursive=False)
        return len(items) >= 2 and all(_only_link(li) for li in items)
    if tag.name in ("div", "section", "p", "dl", "table"):
        links = tag.find_all("a")
        text = tag.get_text(" ", strip=True)
        if len(links) < 2 or not text:
            return False
        linked = sum(len(a.get_text(" ", strip=True)) for a in links)
        return linked / len(text) > 0.8
    return False


def _only_link(li: Tag) -> bool:
    text = li.get_text(" ", strip=True)
    links = li.find_all("a")
    return bool(links) and sum(len(a.get_text(" ", strip=True)) for a in links) >= len(text) - 2


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _inline_text(node: Tag) -> str:
    """Text of a node, without nested lists (they become their own bullets) or chrome."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, _SKIP_STRINGS):
                parts.append(str(child))
        elif isinstance(child, Tag) and child.name not in ("ul", "ol") and not _is_chrome(child):
            sep = " " if child.name in _BLOCK or child.name == "br" else ""
            parts.append(sep + _inline_text(child) + sep)
    return _flat("".join(parts))


def _block(node: Tag, out: list[str], depth: int) -> None:
    """Emit a block's content: runs of inline content as paragraphs, child blocks in turn."""
    buf: list[str] = []

    def flush() -> None:
        text = _flat("".join(buf))
        if text:
            out.append(text)
        buf.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, _SKIP_STRINGS):
                buf.append(str(child))
            continue
        if not isinstance(child, Tag) or _is_chrome(child):
            continue
        name = child.name or ""
        if re.fullmatch(r"h[1-6]", name):
            flush()
            text = _inline_text(child)
            if text:
                out.append("#" * int(name[1]) + " " + text)
        elif name in ("ul", "ol"):
            flush()
            _list(child, out, depth + 1)
        elif name in _BLOCK or name == "li":
            flush()
            _block(child, out, depth)
        elif name == "br":
            buf.append(" ")
        else:  # inline: links, emphasis, time, span…
            buf.append(_inline_text(child) if child.find(_BLOCK) is None else "")
            if child.find(_BLOCK) is not None:
                flush()
                _block(child, out, depth)
    flush()


def _list(lst: Tag, out: list[str], depth: int) -> None:
    for li in lst.find_all("li", recursive=False):
        if _is_chrome(li):
            continue
        text = _inline_text(li)
        if text:
            out.append("  " * depth + "• " + text)
        for sub in li.find_all(["ul", "ol"], recursive=False):
            if not _is_chrome(sub):
                _list(sub, out, depth + 1)
