"""The corpus passages as the ingest step parses them, for gold-id checks and the baseline.

Reuses ``ingest`` (read-only) so passage ids and offsets are exactly those the assistant
indexes; evaluation never re-implements the parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.model import Passage

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourcePassages:
    """One parsed document: its text (offsets point into it) and its passages."""

    path: Path
    doc_id: str
    text: str
    passages: tuple[Passage, ...]


def parse_corpus(corpus_files: Sequence[str | Path]) -> list[SourcePassages]:
    """Parse every document (directories are expanded like the ingest step does)."""
    from ingest.parse_outline import parse_outline
    from ingest.sources import discover, read_source

    out: list[SourcePassages] = []
    for f in discover([Path(p) for p in corpus_files]):
        src = read_source(f, MAX_BYTES)
        passages, _warnings = parse_outline(src.text, src.meta)
        out.append(SourcePassages(f, src.meta.doc_id, src.text, tuple(passages)))
    return out


def passage_ids(corpus_files: Sequence[str | Path] = (DEFAULT_CORPUS,)) -> list[str]:
    """All passage ids in document order (pass them as ``known_ids`` to the loader)."""
    return [p.passage_id for doc in parse_corpus(corpus_files) for p in doc.passages]
