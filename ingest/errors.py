"""Errors the user can act on: each carries a one-line message for the CLI."""


class IngestError(Exception):
    """Bad input to ingest (missing path, empty, binary, bad encoding, too large, ...)."""


class IndexMissingError(Exception):
    """No index has been built yet in the data directory."""


class IndexDamagedError(IndexMissingError):
    """The index exists but cannot be read (truncated manifest, vector store removed, ...).

    A kind of IndexMissingError, so every front end that tells the user to run ingest
    handles it too; the message says to rebuild."""


class StoreUnavailableError(RuntimeError, ValueError):
    """The configured Chroma server cannot be reached; the message names the URL.

    A RuntimeError (``evaw-guide ingest`` exits 1 with the message) and a ValueError (a
    bad ``--chroma-url`` setting: commands that open the index exit 2 with the message)."""


class UnknownDocumentError(KeyError):
    """A document id the index does not hold (never a path: ids are looked up, not joined)."""

    def __str__(self) -> str:
        return str(self.args[0])
