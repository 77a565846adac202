"""PDF to outline text with pypdf: pages joined, hard-wrapped lines kept inside blocks."""

from __future__ import annotations

from pathlib import Path


def pdf_to_outline_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    return "\n\n".join(p for p in pages if p) + "\n"
