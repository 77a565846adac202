"""Errors the user can act on: each carries a one-line message for the CLI."""


class IngestError(Exception):
    """Bad input to ingest (missing path, empty, binary, bad encoding, too large, ...)."""


class IndexMissingError(Exception):
    """No index has been built yet in the data directory."""
