"""The corpus passages as the ingest step parses them, for gold-id checks and the baseline.

Reuses ``ingest`` (read-only) so passage ids and offsets are exactly those the assistant
indexes; evaluation never re-implements the parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.model import ParsedDocument

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def parse_corpus(corpus_files: Sequence[str | Path]) -> list[ParsedDocument]:
    """Parse every document exactly as ingest does (same discovery, size limit, reader and
    parser), so gold ids and offsets are those the assistant indexes."""
    from ingest.parse_corpus import parse_files
    from ingest.settings import Settings
    from ingest.sources import discover

    return parse_files(discover([Path(p) for p in corpus_files]), Settings.load())


def passage_ids(corpus_files: Sequence[str | Path] = (DEFAULT_CORPUS,)) -> list[str]:
    """All passage ids in document order (pass them as ``known_ids`` to the loader)."""
    return [p.passage_id for doc in parse_corpus(corpus_files) for p in doc.passages]


def passage_uids(corpus_files: Sequence[str | Path] = (DEFAULT_CORPUS,)) -> list[str]:
    """All passage uids ("<doc_id>#<passage_id>") in document order: as ``known_ids``, bare
    gold ids resolve to the one document that has them."""
    return [p.uid for doc in parse_corpus(corpus_files) for p in doc.passages]
