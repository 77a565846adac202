"""corpus → passages → index: structure-aware parsing, embedding and the Chroma store."""

from ingest.errors import IndexMissingError, IngestError
from ingest.model import DocumentMeta, Passage
from ingest.settings import Settings

__all__ = ["DocumentMeta", "IndexMissingError", "IngestError", "Passage", "Settings"]
