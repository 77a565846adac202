"""Parse the documents of one ingest together: the corpus-level chrome pass, then each page.

Lines repeated across the documents of an ingest are found before any page is parsed
(:func:`ingest.chrome.repeated_lines`), so a page ingested beside its siblings loses the
site's furniture even where it sits in the middle of the text (a line in only some of
them that heads a section inside the article stays a heading). What was removed from a
document is folded into its content hash, with the parser's version, so a change in either
re-embeds that document instead of reusing vectors of passages that no longer exist.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from ingest.chrome import lines_in, repeated_lines
from ingest.model import ParsedDocument
from ingest.parse_outline import parse_document
from ingest.settings import Settings
from ingest.sources import SourceText, read_source

# bump when a parser change alters passages of unchanged files (forces their re-embedding)
PARSER_VERSION = "2"


def parse_sources(sources: Sequence[SourceText]) -> list[ParsedDocument]:
    """Parse already-read sources together (their repeated lines are chrome)."""
    chrome = repeated_lines([s.text for s in sources])
    common = repeated_lines([s.text for s in sources], most=True)
    out = []
    for s in sources:
        meta, passages, warnings = parse_document(s.text, s.meta, chrome, common)
        used = lines_in(s.text, chrome)
        sha = hashlib.sha256(json.dumps([s.sha256, PARSER_VERSION, used]).encode()).hexdigest()
        out.append(ParsedDocument(meta=meta, path=str(s.path.resolve()), sha256=sha, text=s.text,
                                  passages=tuple(passages), warnings=tuple(warnings)))
    return out


def parse_files(paths: Sequence[Path], settings: Settings) -> list[ParsedDocument]:
    """Read (validating each file) and parse documents as one ingest does."""
    return parse_sources([read_source(p, settings.max_file_bytes) for p in paths])
