"""Read a source file safely and turn it into plain text the outline parser understands.

Every format ends up as the same kind of text: headings as ``#`` lines, bullets as
indented ``•`` lines, paragraphs separated by blank lines. For ``.txt``/``.md`` that
text *is* the file (decoded), so passage offsets point into the file itself; for
``.html`` and ``.pdf`` the extracted text is saved with the index and offsets point
into it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.chrome import guess_title
from ingest.errors import IngestError
from ingest.model import DocumentMeta

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    sha256: str
    meta: DocumentMeta


def discover(paths: list[Path], notes: list[str] | None = None) -> list[Path]:
    """Expand directories into their supported documents; check explicit files exist.

    Symbolic links inside a folder are skipped, each with a line in ``notes``: a link
    could pull any file of the machine (``passwd.txt -> /etc/passwd``) into an index
    that the CLI and web UI then serve. A file named explicitly on the command line is the
    operator's own choice and is read even when it is a link."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise IngestError(f"{p}: no such file or directory")
        if p.is_dir():
            docs = []
            for f in sorted(p.iterdir()):
                if f.suffix.lower() not in SUPPORTED_SUFFIXES or f.name.endswith(SIDECAR_SUFFIX):
                    continue
                if f.is_symlink():
                    if notes is not None:
                        notes.append(f"{f}: skipped, a symbolic link (links inside a folder are "
                                     "not followed; name the file itself to ingest it)")
                    continue
                if f.is_file():
                    docs.append(f)
            found.extend(docs)
        elif p.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise IngestError(
                f"{p}: unsupported file type {p.suffix or '(none)'}; "
                f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        else:
            found.append(p)
    seen: set[Path] = set()
    unique = []
    for f in found:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique


def read_source(path: Path, max_bytes: int) -> SourceText:
    """Validate and decode one document; raise IngestError with a one-line reason."""
    if not path.is_file():
        raise IngestError(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(
            f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit "
            "(raise it with EVAW_MAX_FILE_BYTES)"
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError(f"{path}: file is empty")
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        text = _pdf_text(path, raw)
    else:
        text = _decode_text(path, raw)
        if suffix in HTML_SUFFIXES:
            text = _html_text(text)
        elif suffix in MARKDOWN_SUFFIXES:
            text = plain_markdown(text)
    if not text.strip():
        raise IngestError(f"{path}: no text could be extracted")
    meta = load_meta(path, text)
    return SourceText(path=path, text=text, sha256=_sha256(raw, meta), meta=meta)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\3(?![\w*])")
_MD_CODE = re.compile(r"`([^`]*)`")


def plain_markdown(text: str) -> str:
    """Markdown's inline markup as the reader sees it: "**Referral agreements.**" ->
    "Referral agreements.", "[the guidance](https://…)" -> "the guidance", `code` -> code.
    Headings ("## …") and list markers stay: the outline parser reads them. Passages,
    labels and quotes then carry no asterisks, and offsets point into this plain text
    (which is what the index stores)."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_CODE.sub(r"\1", text)
    for _ in range(2):  # bold inside italics
        text = _MD_EMPHASIS.sub(lambda m: m.group(2) if m.group(1) else m.group(4), text)
    return text


def _sha256(raw: bytes, meta: DocumentMeta) -> str:
    """Hash of the file *and* its sidecar, so a changed title or URL re-ingests too."""
    h = hashlib.sha256(raw)
    h.update(json.dumps(
        [meta.title, meta.source_url, meta.last_edited, list(meta.notes), meta.structure],
        sort_keys=True,
    ).encode())
    return h.hexdigest()


def _decode_text(path: Path, raw: bytes) -> str:
    if b"\x00" in raw:  # anywhere, not only in the first block: text never holds NUL
        raise IngestError(f"{path}: looks like a binary file (NUL bytes), not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"{path}: invalid UTF-8 at byte offset {e.start} "
            f"(byte 0x{raw[e.start]:02x}); save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _html_text(html: str) -> str:
    from ingest.extract_html import html_to_outline_text

    return html_to_outline_text(html)


def _pdf_text(path: Path, raw: bytes) -> str:
    if not raw.startswith(b"%PDF"):
        raise IngestError(f"{path}: not a PDF file (missing %PDF header)")
    from ingest.extract_pdf import pdf_to_outline_text

    try:
        return pdf_to_outline_text(path)
    except Exception as e:  # pypdf raises many types on damaged files
        raise IngestError(f"{path}: could not read PDF ({type(e).__name__}: {e})") from None


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def load_meta(path: Path, text: str) -> DocumentMeta:
    """Sidecar metadata if present, else a title from the first heading or file name."""
    side = sidecar_path(path)
    data: dict = {}
    if side.is_symlink() and side.resolve().parent != path.resolve().parent:
        raise IngestError(f"{side}: the metadata file is a link out of its folder; copy it instead")
    if side.is_file():
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise IngestError(f"{side}: invalid metadata JSON ({e})") from None
        if not isinstance(data, dict):
            raise IngestError(f"{side}: metadata must be a JSON object")
    doc_id = safe_doc_id(path.stem)
    title = str(data.get("title") or guess_title(text) or doc_id.replace("-", " "))
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        source_url=str(data.get("source_url") or path.resolve().as_uri()),
        last_edited=str(data.get("last_edited") or ""),
        language=str(data.get("language") or "en"),
        publisher=str(data.get("publisher") or ""),
        notes=tuple(str(n) for n in data.get("notes", [])),
        structure=dict(data.get("structure") or {}),
    )


def safe_doc_id(stem: str) -> str:
    """The document id for a file name: line breaks and control characters become spaces,
    invisible format characters (bidi overrides such as U+202E, zero-width) are dropped,
    so an id prints as what it is and is safe as a file name in the index."""
    out = []
    for c in unicodedata.normalize("NFC", stem):
        cat = unicodedata.category(c)
        if cat in ("Cc", "Zl", "Zp", "Zs"):
            out.append(" ")
        elif cat[0] != "C" and c not in "/\\":
            out.append(c)
    cleaned = re.sub(r" +", " ", "".join(out)).strip(" ")
    return cleaned if cleaned not in ("", ".", "..") else "document"
