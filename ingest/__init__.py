"""corpus → passages → index: structure-aware parsing, embedding and the Chroma store."""

from ingest.settings import offline_environment

# Before anything below (or any caller) imports chromadb, onnxruntime, transformers or
# gradio: every entry point (CLI, web, Python API, benchmarks) imports this package first.
offline_environment()

from ingest.errors import IndexMissingError, IngestError  # noqa: E402
from ingest.model import DocumentMeta, Passage  # noqa: E402
from ingest.settings import Settings  # noqa: E402

__all__ = ["DocumentMeta", "IndexMissingError", "IngestError", "Passage", "Settings"]
